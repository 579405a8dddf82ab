//! `tcpdiff regress --profiles`: every case on every profile named, its
//! expectations checked only on the profiles the script states
//! (`--profiles=` in the script, `full` by default), differential-only
//! elsewhere; JUnit names carrying the profile. Through the binary, as
//! users run it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "tcpdiff-profile-matrix-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `tcpdiff regress ARGS --json`: exit code, report, stderr.
fn regress(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .arg("regress")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v, err)
}

/// (file name, profile, outcome, checked) per case.
fn rows(v: &serde_json::Value) -> Vec<(String, String, String, bool)> {
    v["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("no cases in {v}"))
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap();
            (
                Path::new(name)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                c["profile"].as_str().unwrap().to_string(),
                c["outcome"].as_str().unwrap().to_string(),
                c["checked"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn outcome(rows: &[(String, String, String, bool)], file: &str, profile: &str) -> (String, bool) {
    rows.iter()
        .find(|r| r.0 == file && r.1 == profile)
        .map(|r| (r.2.clone(), r.3))
        .unwrap_or_else(|| panic!("{file} on {profile} not in {rows:?}"))
}

const MINIMAL_SCRIPT: &str = "corpus/scripts/profiles/minimal-no-options-mss-536.pkt";

/// A script stating `minimal` is checked there and differential-only on
/// `full`; the same script with a wrong window on its SYN-ACK fails on
/// `minimal` only (on `full` nothing checks it: both engines agree).
#[test]
fn expectations_are_checked_on_the_profiles_a_script_states() {
    let dir = tmp("states");
    let good = std::fs::read_to_string(root().join(MINIMAL_SCRIPT)).unwrap();
    std::fs::write(dir.join("good.pkt"), &good).unwrap();
    let bad = good.replace("> S. 0:0(0) ack 1 win 2144", "> S. 0:0(0) ack 1 win 2145");
    assert_ne!(bad, good);
    std::fs::write(dir.join("bad.pkt"), bad).unwrap();
    let d = dir.to_str().unwrap();
    let (code, v, err) = regress(&["--profiles", "full,minimal", d]);
    let r = rows(&v);
    assert_eq!(r.len(), 4, "{err}");
    assert_eq!(outcome(&r, "good.pkt", "minimal"), ("same".into(), true));
    assert_eq!(outcome(&r, "good.pkt", "full"), ("same".into(), false));
    assert_eq!(outcome(&r, "bad.pkt", "minimal"), ("failed".into(), true));
    assert_eq!(outcome(&r, "bad.pkt", "full"), ("same".into(), false));
    assert_eq!(code, Some(1), "a failed case fails the run");
}

/// Differential-only is still differential: a planted fault in the port
/// is reported on a profile the script does not state.
#[test]
fn a_planted_fault_diverges_on_a_differential_only_profile() {
    let (code, v, err) = regress(&[
        "--engines",
        "c,rust+segment",
        "--profiles",
        "lwip-unit",
        "corpus/scripts/data/",
    ]);
    let r = rows(&v);
    assert!(!r.is_empty(), "{err}");
    assert!(r.iter().all(|x| x.1 == "lwip-unit" && !x.3), "{r:?}");
    assert!(
        r.iter().any(|x| x.2 == "diverged"),
        "the planted segment fault went unseen: {r:?}"
    );
    assert_eq!(code, Some(1));
}

/// A case where lwIP asserts on a profile the script does not state:
/// both engines stop alike (the port checks lwIP's assertion), which is
/// `stopped`, not a divergence; on `full`, where the script's
/// expectations hold, it runs to the end.
#[test]
fn both_engines_stopping_on_the_same_lwip_assertion_is_stopped_alike() {
    let (code, v, err) = regress(&[
        "--profiles",
        "full,lwip-unit",
        "corpus/scripts/ooseq/segment-over-5840.pkt",
    ]);
    let r = rows(&v);
    assert_eq!(
        outcome(&r, "segment-over-5840.pkt", "full"),
        ("same".into(), true),
        "{err}"
    );
    assert_eq!(
        outcome(&r, "segment-over-5840.pkt", "lwip-unit"),
        ("stopped".into(), false)
    );
    let msg = v["cases"][1]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("tcp_in.c:1585"), "{msg}");
    assert_eq!(code, Some(0));
}

/// JUnit: one suite per profile, test names `case [profile]`.
#[test]
fn junit_names_carry_the_profile() {
    let dir = tmp("junit");
    let xml = dir.join("r.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .args(["regress", "--profiles", "full,no-ooseq", "--junit"])
        .arg(&xml)
        .arg(MINIMAL_SCRIPT)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let x = std::fs::read_to_string(&xml).unwrap();
    for p in ["full", "no-ooseq"] {
        assert!(
            x.contains(&format!("minimal-no-options-mss-536.pkt [{p}]")),
            "{x}"
        );
        assert!(x.contains(&format!("tcpdiff regress c,rust [{p}]")), "{x}");
        assert!(x.contains(&format!("tcpdiff.{p}.script")), "{x}");
    }
}

/// Engines built for `full` only, or naming their own profile, are
/// refused with `--profiles` (exit 2, one line naming the engine).
#[test]
fn engines_without_profiles_are_refused() {
    for engines in ["c,rust-ffi", "c:minimal,rust:minimal"] {
        let (code, _, err) = regress(&[
            "--engines",
            engines,
            "--profiles",
            "minimal",
            MINIMAL_SCRIPT,
        ]);
        assert_eq!(code, Some(2), "{engines}: {err}");
        assert!(err.contains("--profiles minimal"), "{err}");
    }
    let (code, _, err) = regress(&["--profiles", "no-such-profile", MINIMAL_SCRIPT]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no-such-profile"), "{err}");
}

/// `profile_of` reads an engine name as the engines do.
#[test]
fn an_engine_names_its_profile() {
    use harness::engine::profile_of;
    assert_eq!(profile_of("c"), "full");
    assert_eq!(profile_of("rust+window"), "full");
    assert_eq!(profile_of("c:minimal"), "minimal");
    assert_eq!(profile_of("rust:lwip-fuzz+err"), "lwip-fuzz");
    assert_eq!(profile_of("lib:/x/y:z.a"), "full");
    assert_eq!(profile_of("c@/tmp/lwip"), "full");
    assert_eq!(
        harness::regress::profiled_engine("rust+err", "minimal").unwrap(),
        "rust:minimal+err"
    );
}
