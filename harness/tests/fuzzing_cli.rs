//! `repro` and `minimize` on a planted divergence: a C engine wrapper that
//! flips one window bit after a segment with URG and CWR
//! (harness::fuzzing::plant), against the plain C engine.

mod fuzzing_cli {
    use harness::engine::Engine;
    use harness::fuzzing::cli::{self, MinimizeArgs, ReproArgs, Target};
    use harness::fuzzing::drive::engines_named;
    use harness::fuzzing::input::{self, Input, PREFIXES};
    use harness::model::ScenarioConfig;
    use harness::wire::{Segment, flags as F};

    const ENGINES: &str = "c,c+window";

    fn make() -> Result<Vec<Box<dyn Engine>>, String> {
        engines_named(ENGINES)
    }

    /// The ISN lwIP chose in the est-server prefix (the SYN-ACK's seq).
    fn est_server_isn() -> (usize, u32) {
        let i = PREFIXES
            .iter()
            .position(|p| p.name == "est-server")
            .unwrap();
        let case = harness::fuzzing::drive::FuzzCase::from_scenario(&input::prefix_scenario(i));
        let mut c = harness::engine::c::CEngine::new();
        let run = harness::fuzzing::drive::run_engine(&mut c, &case);
        let isn = run
            .trace
            .steps
            .iter()
            .flat_map(|s| &s.packets)
            .filter_map(|p| Segment::decode(&p.bytes))
            .find(|s| s.flags & F::SYN != 0)
            .unwrap()
            .seq;
        (i, isn)
    }

    fn pkt(seq: u32, ack: u32, flags: u8, len: usize, urg: u16) -> Vec<u8> {
        let d = ScenarioConfig::default();
        Segment {
            src: d.remote_ip,
            dst: d.local_ip,
            tos: 0,
            ttl: 64,
            ip_id: 7,
            ip_frag: 0x4000,
            flow: 0,
            sport: d.remote_port,
            dport: 8080,
            seq: d.remote_isn.wrapping_add(seq),
            ack,
            flags,
            wnd: 229,
            urg,
            options: vec![1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0],
            payload: vec![0x5a; len],
            checksum: None,
        }
        .encode()
    }

    /// A crash file as the fuzzer would write it: noise around one segment
    /// with URG|CWR.
    fn crash_file(dir: &std::path::Path) -> std::path::PathBuf {
        let (i, isn) = est_server_isn();
        let a = isn.wrapping_add(1);
        let packets = vec![
            (0, pkt(1, a, F::ACK, 0, 0)),
            (0, vec![0x45, 0, 0, 20]),
            (0, pkt(1, a, F::ACK | F::PSH, 100, 0)),
            (0, pkt(5000, a, F::ACK, 10, 0)),
            (0, pkt(101, a, F::ACK | F::PSH | F::URG | F::CWR, 30, 5)),
            (0, pkt(131, a, F::ACK, 0, 0)),
            (0, pkt(131, a.wrapping_add(9), F::ACK, 0, 0)),
        ];
        let bytes = input::encode(
            &Input {
                selector: i as u8,
                packets,
            },
            false,
        );
        let p = dir.join("crash-planted");
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn repro_prints_the_divergence() {
        let dir = tempdir();
        let file = crash_file(&dir);
        let a = ReproArgs {
            file: file.clone(),
            target: Some(Target::TcpInput),
            engines: Some(ENGINES.into()),
        };
        let (code, out) = cli::repro_with(&a, &mut make);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("DIVERGED"), "{out}");
        assert!(out.contains("oracle: Segments"), "{out}");
        assert!(out.contains("FINDING [diverged:Segments]"), "{out}");
        // The plain C engine against itself: no finding.
        let (code, out) = cli::repro_with(
            &ReproArgs {
                engines: Some("c,c".into()),
                ..a
            },
            &mut || engines_named("c,c"),
        );
        assert_eq!(code, 0, "{out}");
    }

    #[test]
    fn minimize_writes_a_short_script_that_reproduces() {
        let dir = tempdir();
        let file = crash_file(&dir);
        let out = dir.join("case.pkt");
        let a = MinimizeArgs {
            file,
            output: out.clone(),
            target: None,
            engines: Some(ENGINES.into()),
            budget: 4000,
        };
        let (code, text) = cli::minimize_with(&a, &mut make);
        assert_eq!(code, 0);
        let text = text.unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
        let steps = text
            .lines()
            .filter(|l| !l.starts_with("//") && !l.starts_with("--") && !l.trim().is_empty())
            .filter(|l| !l.contains(" > "))
            .count();
        assert!(steps <= 10, "{steps} steps:\n{text}");
        assert!(text.contains("UW."), "{text}");
        // The script reproduces the divergence through the script runner.
        let mut e = make().unwrap();
        let b = e.pop().unwrap();
        let mut b = b;
        let mut a = e.pop().unwrap();
        let r = harness::case::run_text("case.pkt", &text, a.as_mut(), b.as_mut());
        assert_eq!(
            harness::fuzzing::minimize::result_signature(&r.result).as_deref(),
            Some("diverged:Segments"),
            "{}\n{text}",
            harness::report::text(&r.result)
        );
        eprintln!("{text}");
    }

    fn tempdir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tcpdiff-fuzzing-cli-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
