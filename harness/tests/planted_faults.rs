//! Every oracle is live on the paths users run. For each oracle a fault
//! is planted in the engine under test (`--engines c,rust+FAULT`, see
//! `harness::engine::plant`), and:
//! - `tcpdiff regress` (the binary, its worker processes, its JSON) must
//!   report every case as diverged, through exactly that oracle;
//! - the fuzz driver (`drive::check`, what the fuzz targets call) must
//!   report a divergence of that oracle for every prefix state.
//!
//! Without the fault the same cases are the same. A wrapper that dropped
//! an observation, or an oracle that skipped one, turns one of these red.

use std::process::Command;

use harness::fuzzing::drive::{self, Finding, FuzzCase, engines_named};
use harness::fuzzing::input;

/// Fault name and the oracle (as `--json` and `Debug` name it) that must
/// report it.
const FAULTS: &[(&str, &str)] = &[
    ("segment", "Segments"),
    ("err", "ErrT"),
    ("callback", "Callbacks"),
    ("state", "State"),
    ("resources", "Resources"),
    ("leak", "Leaks"),
];

/// Scripts where each fault has something to spoil: every one makes a
/// call with an err_t, gets a callback with a return value, sends a
/// segment from lwIP's heap and has a connection with a cwnd.
const CASES: &[&str] = &[
    "corpus/scripts/handshake",
    "corpus/scripts/data/bidirectional.pkt",
];

fn regress_json(engines: &str) -> serde_json::Value {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root)
        .args(["regress", "--engines", engines, "--json"])
        .args(CASES)
        .output()
        .expect("run tcpdiff regress");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tcpdiff regress --engines {engines}: no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn cases(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["cases"].as_array().expect("a case list")
}

#[test]
fn without_a_fault_the_cases_are_the_same() {
    let v = regress_json("c,rust");
    assert!(cases(&v).len() >= 10, "{v}");
    for c in cases(&v) {
        assert_eq!(c["outcome"], "same", "{c}");
    }
}

#[test]
fn regress_reports_each_planted_fault_through_its_oracle() {
    for (fault, oracle) in FAULTS {
        let v = regress_json(&format!("c,rust+{fault}"));
        assert!(cases(&v).len() >= 10, "{fault}: {v}");
        for c in cases(&v) {
            assert_eq!(c["outcome"], "diverged", "fault {fault}: {c}");
            assert_eq!(c["oracle"], *oracle, "fault {fault}: {c}");
        }
    }
}

#[test]
fn the_fuzz_driver_reports_each_planted_fault_through_its_oracle() {
    for (fault, oracle) in FAULTS {
        let mut reported = 0;
        for i in 0..input::PREFIXES.len() {
            let case = FuzzCase::from_scenario(&input::prefix_scenario(i));
            let mut engines = engines_named(&format!("c,rust+{fault}")).unwrap();
            let checked = drive::check(&case, &mut engines, true);
            match checked.finding {
                Some(Finding::Diverged(d)) => {
                    assert_eq!(
                        format!("{:?}", d.difference.oracle),
                        *oracle,
                        "fault {fault}, prefix {i}: {:?}",
                        d.difference
                    );
                    reported += 1;
                }
                // A prefix without the observation to spoil (no call with
                // an err_t, no callback returning a value) stays the same.
                None => {}
                Some(other) => panic!("fault {fault}, prefix {i}: {}", other.describe()),
            }
        }
        assert!(
            reported >= input::PREFIXES.len() / 2,
            "fault {fault}: only {reported} of {} prefixes reported it",
            input::PREFIXES.len()
        );
    }
}

#[test]
fn an_unknown_fault_is_a_clear_error() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root)
        .args(["run", "--engines", "c,rust+nonsense"])
        .arg("corpus/scripts/handshake/passive-open.pkt")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no planted fault 'nonsense'"), "{err}");
}
