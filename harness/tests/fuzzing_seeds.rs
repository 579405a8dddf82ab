//! Seed corpora from the scripts and traces (`tcpdiff seeds`): every
//! tcp_input seed decodes and runs on lwIP without a crash, and the state
//! seeds reach their prefix's connection. With TCPDIFF_WRITE_SEEDS=1 this
//! test also (re)writes corpus/<target>/ and fuzz/tcp.dict, as
//! `tcpdiff seeds` does.

mod fuzzing_seeds {
    use std::path::PathBuf;

    use harness::fuzzing::cli::{self, SeedsArgs};
    use harness::fuzzing::{drive, input};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn seeds_are_generated_and_run_on_lwip() {
        let write = std::env::var_os("TCPDIFF_WRITE_SEEDS").is_some_and(|v| v == "1");
        let out = if write {
            root().join("corpus")
        } else {
            std::env::temp_dir().join(format!("tcpdiff-seeds-{}", std::process::id()))
        };
        let dict = if write {
            root().join("fuzz/tcp.dict")
        } else {
            out.join("tcp.dict")
        };
        let a = SeedsArgs {
            scripts: root().join("corpus/scripts"),
            dialect: root().join("corpus/dialect"),
            traces: root().join("traces"),
            out: out.clone(),
            dict,
            targets: vec![],
        };
        assert_eq!(cli::seeds(&a), 0);
        let mut n = 0;
        for t in ["tcp_input", "tcp_input_timed"] {
            let timed = t.ends_with("timed");
            for e in std::fs::read_dir(out.join(t)).unwrap().flatten() {
                let bytes = std::fs::read(e.path()).unwrap();
                let case = input::to_case(&input::decode(&bytes, timed), timed);
                let mut c = drive::engines_named("c").unwrap();
                let r = drive::check(&case, &mut c, true);
                if let Some(f) = &r.finding {
                    assert!(
                        !f.signature().starts_with("crashed")
                            && !f.signature().starts_with("panicked"),
                        "{}: {}",
                        e.path().display(),
                        f.describe()
                    );
                }
                n += 1;
            }
        }
        assert!(n > 100, "only {n} tcp_input seeds");
        for t in [
            "tcp_session",
            "script_parse",
            "pcap_read",
            "tcp_input6",
            "tcp_input6_timed",
        ] {
            assert!(std::fs::read_dir(out.join(t)).unwrap().count() > 5, "{t}");
        }
    }
}
