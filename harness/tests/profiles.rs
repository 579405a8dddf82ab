//! Profiles other than `full` (lwip-c/profiles/NAME/lwipopts.h for lwIP,
//! harness/src/engine/profiles.rs for the port): the corpus run on
//! `c:NAME` against `rust:NAME`, the engines `tcpdiff run --engines
//! c:NAME,rust:NAME` takes (in this process: every mutant of the port
//! runs this test, docs/MUTANTS.md).
//!
//! The scripts' `>` lines are written for `full` (window, MSS, options),
//! so under another profile they fail on both engines alike; what must
//! hold is the differential: no case where the engines differ.

use std::path::{Path, PathBuf};

use harness::runner::Verdict;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The corpus on `c:NAME` against `rust:NAME`, in this process (the
/// engines `tcpdiff run --engines c:NAME,rust:NAME` takes, case by case as
/// `run` runs them): (same, stopped alike) counts; a divergence fails the
/// test. `stops` names the one lwIP assertion both may stop at under this
/// profile.
fn corpus_on(profile: &str, stops: Option<&str>) -> (usize, usize) {
    let mut a = harness::engine::by_name(&format!("c:{profile}")).unwrap();
    let mut b = harness::engine::by_name(&format!("rust:{profile}")).unwrap();
    let mut files = Vec::new();
    let mut dirs = vec![root().join("corpus/scripts")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "pkt") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 380, "{} scripts", files.len());
    let (mut same, mut stopped) = (0, 0);
    let mut differ = Vec::new();
    for f in &files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(f).unwrap();
        let r = harness::case::run_text(&name, &text, a.as_mut(), b.as_mut()).result;
        // IPv6 scripts (corpus/scripts/ipv6) need builds with IPv6, and an
        // IPv6-only build runs the IPv4 scripts translated, refusing those
        // tied to IPv4: said, not run, and not counted.
        if let Some(why) = &r.skipped {
            assert!(
                (name.contains("/ipv6/") && why.contains("has no IPv6"))
                    || (profile == "ipv6"
                        && (why.contains("not translatable to IPv6")
                            || why.contains("has no IPv4"))),
                "{profile}: {name} skipped: {why}"
            );
            continue;
        }
        match r.verdict {
            Some(Verdict::Same) => same += 1,
            // Both engines stopped at the same step with the same failure.
            Some(Verdict::Poisoned(p)) => {
                assert!(
                    stops.is_some_and(|m| p.contains(m)),
                    "{profile}: {name}: {p}"
                );
                stopped += 1;
            }
            other => differ.push(format!("{name}: {other:?}")),
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

/// `lwip-unit`: lwIP's unit-test TCP options (MSS 536, a 5360-byte window
/// with window scaling at shift 0, 40 segments, a pool pbuf of one MSS so
/// that a full-sized segment arrives chained). The same ooseq assertion
/// as in `minimal` is reachable under its window.
#[test]
fn the_lwip_unit_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, _) = corpus_on("lwip-unit", Some("tcp_receive: ooseq tcplen > rcv_wnd"));
    assert!(same > 380, "{same} the same");
}

/// `lwip-fuzz`: lwIP's fuzzer TCP options (as `lwip-unit`, with shift 2,
/// TCP_OVERSIZE 1 and no TCP checksum check).
#[test]
fn the_lwip_fuzz_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, _) = corpus_on("lwip-fuzz", Some("tcp_receive: ooseq tcplen > rcv_wnd"));
    assert!(same > 380, "{same} the same");
}

/// `single-pbuf`: LWIP_NETIF_TX_SINGLE_PBUF (tcp_write always copies,
/// skips chaining to the last unsent segment, and allocates each pbuf at
/// its full size). Both engines stop alike where tcp_write overwrites a
/// heap header (corpus/findings/lwip-single-pbuf-write-past-block.pkt
/// is that case).
#[test]
fn the_single_pbuf_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, stopped) = corpus_on(
        "single-pbuf",
        Some("mem_free: illegal memory: non-linked: double free"),
    );
    assert!(
        same > 380 && stopped <= 1,
        "{same} the same, {stopped} stopped"
    );
}

/// `no-oversize`: TCP_OVERSIZE 0 (no room kept at the end of a pbuf).
#[test]
fn the_no_oversize_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, stopped) = corpus_on("no-oversize", None);
    assert!(same > 380 && stopped == 0, "{same} the same");
}

/// `dual`: the full profile as a dual-stack build (LWIP_IPV4 and
/// LWIP_IPV6): the IPv4 scripts over a typed `ip_addr_t` and PBUF_IP_HLEN
/// 40, and the IPv6 scripts (corpus/scripts/ipv6: IP_ANY_TYPE listeners,
/// the IPv6 MSS, traffic class and hop limit).
#[test]
fn the_dual_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, stopped) = corpus_on("dual", None);
    assert!(same > 390 && stopped == 0, "{same} the same");
}

/// `ipv6`: the IPv6-only build, every IPv4 script translated to IPv6
/// (`harness::case::for_engines`) but those tied to IPv4. An IPv6 script
/// that binds an IPv4 address (corpus/scripts/ipv6/dual-*) stops both
/// alike there: the build has no IPv4.
#[test]
fn the_ipv6_profile_gives_lwips_behaviour_over_the_corpus() {
    let (same, stopped) = corpus_on("ipv6", Some("the build has no IPv4"));
    assert!(
        same > 360 && stopped <= 2,
        "{same} the same, {stopped} stopped"
    );
}
