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

/// The corpus on `c:NAME` against `rust:NAME`: (same, stopped alike)
/// counts; a divergence fails the test. `stops` names the one lwIP
/// assertion both may stop at under this profile.
fn corpus_on(profile: &str, stops: Option<&str>) -> (usize, usize) {
    let engines = format!("c:{profile},rust:{profile}");
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .args([
            "run",
            "--keep-going",
            "--json",
            "--engines",
            &engines,
            "corpus/scripts",
        ])
        .output()
        .unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: stderr {}", String::from_utf8_lossy(&o.stderr)));
    assert!(cases.len() > 380, "{} cases", cases.len());
    let (mut same, mut stopped) = (0, 0);
    let mut differ = Vec::new();
    for c in &cases {
        let v = &c["verdict"];
        if v == "Same" {
            same += 1;
        } else if let Some(p) = v.get("Poisoned").and_then(|p| p.as_str()) {
            // Both engines stopped at the same step with the same failure.
            assert!(
                stops.is_some_and(|m| p.contains(m)),
                "{profile}: {}: {p}",
                c["name"]
            );
            stopped += 1;
        } else {
            differ.push(format!("{}: {v}", c["name"]));
        }
    }
    assert!(differ.is_empty(), "{profile}: {differ:#?}");
    (same, stopped)
}

/// `minimal`: no window scaling, timestamps, SACK, keepalive options or
/// backlog; MSS 536, a 2144-byte window. Under this small window lwIP
/// asserts in tcp_receive when a queued out-of-order segment is longer
/// than the window left once the hole fills (an lwIP bug:
/// corpus/findings/lwip-assert-ooseq-beyond-window.pkt); the port
/// asserts alike.
#[test]
fn the_minimal_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, _) = corpus_on("minimal", Some("tcp_receive: ooseq tcplen > rcv_wnd"));
    assert!(same > 360, "{same} the same");
}

/// `no-ooseq`: out-of-order segments dropped, not queued (and no SACK).
#[test]
fn the_no_ooseq_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, stopped) = corpus_on("no-ooseq", None);
    assert!(same > 380 && stopped == 0, "{same} the same");
}

/// `ooseq-limited`: the out-of-order queue cut at 2920 bytes and 4 pbufs
/// (tcp_receive's limits and tcp_remove_sacks_gt, which the full profile
/// compiles out).
#[test]
fn the_ooseq_limited_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, stopped) = corpus_on("ooseq-limited", None);
    assert!(same > 380 && stopped == 0, "{same} the same");
}
