//! Profiles other than `full` (lwip-c/profiles/NAME/lwipopts.h for lwIP,
//! harness/src/engine/profiles.rs for the port): the corpus run on
//! `c:NAME` against `rust:NAME` through `tcpdiff run`, as users run it.
//!
//! The scripts' `>` lines are written for `full` (window, MSS, options),
//! so under another profile they fail on both engines alike; what must
//! hold is the differential: no case where the engines differ.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_minimal_profile_gives_lwips_behaviour_over_the_corpus() {
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .args([
            "run",
            "--keep-going",
            "--json",
            "--engines",
            "c:minimal,rust:minimal",
            "corpus/scripts",
        ])
        .output()
        .unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: stderr {}", String::from_utf8_lossy(&o.stderr)));
    assert!(cases.len() > 380, "{} cases", cases.len());
    let mut same = 0;
    let mut differ = Vec::new();
    for c in &cases {
        let v = &c["verdict"];
        if v == "Same" {
            same += 1;
        } else if let Some(p) = v.get("Poisoned").and_then(|p| p.as_str()) {
            // Both engines stopped at the same step with the same failure.
            // Under this profile's small window lwIP asserts in
            // tcp_receive when a queued out-of-order segment is longer
            // than the window left once the hole fills; the port asserts
            // alike. Any other shared failure is news.
            assert!(
                p.contains("tcp_receive: ooseq tcplen > rcv_wnd"),
                "{}: {p}",
                c["name"]
            );
        } else {
            differ.push(format!("{}: {v}", c["name"]));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    assert!(same > 360, "{same} the same");
}
