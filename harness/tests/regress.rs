//! `tcpdiff regress`: shards cover every case exactly once, the JUnit
//! report parses back, crashes/assertions/timeouts in one case are findings
//! and the run goes on, the known-divergences list, exit codes, bad input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use harness::regress::{self, KnownList, Shard};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tcpdiff-regress-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tcpdiff(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tcpdiff"));
    c.current_dir(dir).env_remove(regress::FAULT_ENV);
    c
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn outcome<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().is_some_and(|n| n.ends_with(name)))
        .unwrap_or_else(|| panic!("no case {name} in {v}"))
}

const PASSIVE_OPEN: &str = "corpus/scripts/handshake/passive-open.pkt";

fn small_corpus(dir: &Path, names: &[&str]) {
    let text = std::fs::read_to_string(root().join(PASSIVE_OPEN)).unwrap();
    for n in names {
        std::fs::write(dir.join(n), &text).unwrap();
    }
}

/// traces/ipv6 is part of the corpus: `regress` on engines without IPv6
/// lists its captures as skipped, saying why; on lwIP's IPv6 build they
/// replay.
#[test]
fn ipv6_traces_are_skipped_without_ipv6_and_replayed_with_it() {
    let all = regress::discover(&[root().join("traces")]).unwrap();
    assert!(
        all.iter().filter(|c| c.name.contains("ipv6/")).count() >= 3,
        "{all:?}"
    );
    for (engines, want) in [("c,rust", "skipped"), ("c:ipv6,c:ipv6", "same")] {
        let o = tcpdiff(&root())
            .args(["regress", "--json", "--engines", engines, "traces/ipv6"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert!(cases.len() >= 3, "{v}");
        for c in cases {
            assert_eq!(c["outcome"], want, "{engines}: {c}");
            if want == "skipped" {
                assert!(
                    c["message"].as_str().unwrap().contains("c has no IPv6"),
                    "{c}"
                );
            }
        }
        assert_eq!(o.status.code(), Some(0), "{engines}");
    }
}

/// corpus/hangs: lwIP defects that loop forever in an API call. Both
/// engines must hang on each (the port's lists are lwIP's): `regress`
/// reports `timeout` for c,c and rust,rust alike.
#[test]
fn every_hang_hangs_both_engines() {
    let hangs = regress::discover(&[root().join("corpus/hangs")]).unwrap();
    assert!(!hangs.is_empty());
    for engines in ["c,c", "rust,rust"] {
        let o = tcpdiff(&root())
            .args(["regress", "--json", "--timeout", "2", "--engines", engines])
            .arg("corpus/hangs")
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), hangs.len(), "{v}");
        for c in cases {
            assert_eq!(c["outcome"], "timeout", "{engines}: {c}");
        }
    }
}

/// `--ipv6`: IPv4 scripts run translated to IPv6 on engines with IPv6
/// (the packets on the wire are IPv6), and are skipped, saying why, on
/// engines without it.
#[test]
fn ipv6_flag_translates_ipv4_scripts() {
    let script = root().join("corpus/scripts/data/bidirectional.pkt");
    let out = std::env::temp_dir().join(format!("tcpdiff-ipv6-flag-{}.pcapng", std::process::id()));
    let o = tcpdiff(&root())
        .args(["run", "--ipv6", "--engines", "c:dual,c:dual", "--pcap-out"])
        .arg(&out)
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(": same (c:dual vs c:dual"), "{stdout}");
    let cap = harness::capture::read(&out).unwrap();
    assert!(!cap.packets.is_empty());
    assert!(
        cap.packets.iter().all(|p| p.src.is_ipv6()),
        "{:?}",
        cap.packets[0]
    );
    std::fs::remove_file(&out).unwrap();

    let o = tcpdiff(&root())
        .args(["run", "--ipv6", "--engines", "c,rust"])
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("not run: --ipv6: c has no IPv6"),
        "{stdout}"
    );
}

#[test]
fn regress_shards_cover_every_case_exactly_once() {
    let paths: Vec<PathBuf> = regress::DEFAULT_PATHS
        .iter()
        .map(|p| root().join(p))
        .collect();
    let all = regress::discover(&paths).unwrap();
    assert!(all.len() > 40, "{} cases", all.len());
    let names: Vec<String> = all.iter().map(|c| c.name.clone()).collect();
    for n in 1..=7 {
        let mut seen: Vec<String> = Vec::new();
        let mut sizes = Vec::new();
        for i in 1..=n {
            let s = regress::shard(all.clone(), Shard { index: i, count: n });
            sizes.push(s.len());
            seen.extend(s.into_iter().map(|c| c.name));
        }
        seen.sort();
        assert_eq!(seen, names, "{n} shards: every case exactly once");
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(max - min <= 1, "{n} shards: balanced {sizes:?}");
    }
    for bad in ["0/3", "4/3", "1/0", "x", "1-2", "/2"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
    // The CLI: --list --shard i/n over the default paths, run from the root.
    let mut seen = Vec::new();
    for i in 1..=3 {
        let o = tcpdiff(&root())
            .args(["regress", "--list", "--shard", &format!("{i}/3")])
            .output()
            .unwrap();
        assert!(o.status.success());
        seen.extend(
            String::from_utf8(o.stdout)
                .unwrap()
                .lines()
                .map(str::to_string),
        );
    }
    seen.sort();
    let expected: BTreeSet<String> = all
        .iter()
        .map(|c| regress::case_name(&c.path, Some(&root())))
        .collect();
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
    let o = tcpdiff(&root())
        .args(["regress", "--shard", "5/4"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn regress_junit_parses_back_and_matches_the_run() {
    let dir = tmp("junit");
    small_corpus(&dir, &["a.pkt", "b.pkt"]);
    std::fs::copy(root().join("traces/http-get-0.pcap"), dir.join("c.pcap")).unwrap();
    // A script whose `>` line does not hold: "failed".
    let text = std::fs::read_to_string(root().join(PASSIVE_OPEN)).unwrap();
    std::fs::write(
        dir.join("d-wrong.pkt"),
        text.replace("win 11680", "win 11681"),
    )
    .unwrap();
    let o = tcpdiff(&dir)
        .args([
            "regress",
            "--engines",
            "c,c",
            "--junit",
            "out/report.xml",
            "--json",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    assert_eq!(outcome(&v, "a.pkt")["outcome"], "same");
    assert_eq!(outcome(&v, "c.pcap")["outcome"], "same");
    assert_eq!(outcome(&v, "d-wrong.pkt")["outcome"], "failed");
    let xml = std::fs::read_to_string(dir.join("out/report.xml")).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!(report.tests, 4);
    assert_eq!(report.failures, 1);
    assert_eq!(report.errors, 0);
    assert_eq!(report.test_suites.len(), 1);
    let suite = &report.test_suites[0];
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a.pkt", "b.pkt", "c.pcap", "d-wrong.pkt"]);
    let failed = suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "d-wrong.pkt")
        .unwrap();
    assert!(matches!(
        failed.status,
        quick_junit::TestCaseStatus::NonSuccess {
            kind: quick_junit::NonSuccessKind::Failure,
            ..
        }
    ));
    assert_eq!(
        suite
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == "c.pcap")
            .unwrap()
            .classname
            .as_ref()
            .map(|s| s.as_str()),
        Some("tcpdiff.capture")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An lwIP assertion (the shim's deliberate LWIP_ASSERT), an abort, a
/// panic and a hang, each in one case: each is reported with the case's
/// name and the other cases still run.
#[test]
fn regress_isolates_assertions_crashes_and_timeouts() {
    let dir = tmp("faults");
    small_corpus(
        &dir,
        &[
            "a-ok.pkt",
            "b-assert.pkt",
            "c-abort.pkt",
            "d-hang.pkt",
            "e-panic.pkt",
            "f-ok.pkt",
        ],
    );
    let o = tcpdiff(&dir)
        .env(
            regress::FAULT_ENV,
            "lwip-assert:b-assert;abort:c-abort;hang:d-hang;panic:e-panic",
        )
        .args([
            "regress",
            "--engines",
            "c,c",
            "--timeout",
            "3",
            "-j",
            "2",
            "--json",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["cases"].as_array().unwrap().len(), 6);
    assert_eq!(outcome(&v, "a-ok.pkt")["outcome"], "same");
    assert_eq!(outcome(&v, "f-ok.pkt")["outcome"], "same");
    let b = outcome(&v, "b-assert.pkt");
    assert_eq!(b["outcome"], "crash");
    let m = b["message"].as_str().unwrap();
    assert!(
        m.contains("deliberate assertion (shim_debug_assert)"),
        "{m}"
    );
    assert!(m.contains("engine failure"), "{m}");
    let c = outcome(&v, "c-abort.pkt");
    assert_eq!(c["outcome"], "crash");
    assert!(c["message"].as_str().unwrap().contains("SIGABRT"), "{c}");
    let d = outcome(&v, "d-hang.pkt");
    assert_eq!(d["outcome"], "timeout");
    let e = outcome(&v, "e-panic.pkt");
    assert_eq!(e["outcome"], "crash");
    assert!(
        e["message"].as_str().unwrap().contains("deliberate panic"),
        "{e}"
    );
    // The table names every finding with its case.
    let o = tcpdiff(&dir)
        .env(regress::FAULT_ENV, "lwip-assert:b-assert")
        .args(["regress", "--engines", "c,c", "."])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("b-assert.pkt") && l.contains("crash")),
        "{table}"
    );
    assert!(table.contains("6 case(s) on c,c: 5 same"), "{table}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn regress_known_list_known_and_fixed() {
    let dir = tmp("known");
    small_corpus(&dir, &["ok.pkt", "listed-but-passes.pkt"]);
    let text = std::fs::read_to_string(root().join(PASSIVE_OPEN)).unwrap();
    std::fs::write(
        dir.join("listed-fails.pkt"),
        text.replace("win 11680", "win 1"),
    )
    .unwrap();
    std::fs::write(
        dir.join("known.toml"),
        "[\"c,c\"]\n\"listed-fails.pkt\" = \"a wrong window on purpose\"\n",
    )
    .unwrap();
    let run = |filter: &str| {
        tcpdiff(&dir)
            .args([
                "regress",
                "--engines",
                "c,c",
                "--known",
                "known.toml",
                "--json",
                "--filter",
                filter,
                ".",
            ])
            .output()
            .unwrap()
    };
    let o = run("listed-fails");
    assert_eq!(
        o.status.code(),
        Some(0),
        "a known divergence does not fail the run"
    );
    let v = json(&o);
    let c = outcome(&v, "listed-fails.pkt");
    assert_eq!(
        (c["outcome"].as_str(), c["raw"].as_str()),
        (Some("known"), Some("failed"))
    );
    assert_eq!(c["known"], "a wrong window on purpose");
    // Listed, but passes: "fixed", which fails until removed from the list.
    std::fs::write(
        dir.join("known.toml"),
        "[\"c,c\"]\n\"listed-but-passes.pkt\" = \"was broken\"\n",
    )
    .unwrap();
    let o = run("listed-but");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        outcome(&json(&o), "listed-but-passes.pkt")["outcome"],
        "fixed"
    );
    let o = tcpdiff(&dir)
        .args([
            "regress",
            "--engines",
            "c,c",
            "--known",
            "known.toml",
            "--filter",
            "listed-but",
            ".",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("fixed, remove from the known list"));
    // A list for another engine pair does not apply.
    let o = tcpdiff(&dir)
        .args([
            "regress",
            "--engines",
            "c,c",
            "--known",
            "known.toml",
            "--filter",
            "ok",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    // The bundled list parses, and names only cases that exist.
    let k = KnownList::load(&root().join(regress::DEFAULT_KNOWN)).unwrap();
    for (pair, cases) in &k.0 {
        assert_eq!(pair.split(',').count(), 2, "{pair}");
        for name in cases.keys() {
            assert!(
                root().join(name).is_file(),
                "known list names a missing case {name}"
            );
        }
    }
    assert!(KnownList::parse("not toml [").is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn regress_bad_input_is_an_error_finding_not_a_stop() {
    let dir = tmp("bad");
    small_corpus(&dir, &["ok.pkt"]);
    std::fs::write(dir.join("empty.pcap"), b"").unwrap();
    let t = std::fs::read(root().join("traces/echo-8rounds.pcapng")).unwrap();
    std::fs::write(dir.join("truncated.pcapng"), &t[..t.len() / 3]).unwrap();
    std::fs::write(dir.join("broken.pkt"), "0 socket(\n").unwrap();
    let o = tcpdiff(&dir)
        .args(["regress", "--engines", "c,c", "--json", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(outcome(&v, "ok.pkt")["outcome"], "same");
    for (name, want) in [
        ("empty.pcap", "empty file"),
        ("truncated.pcapng", "truncated"),
        ("broken.pkt", "broken.pkt:"),
    ] {
        let c = outcome(&v, name);
        assert_eq!(c["outcome"], "error", "{c}");
        let m = c["message"].as_str().unwrap();
        assert!(m.contains(name) && m.contains(want), "{m}");
    }
    // No cases at all, or a path that does not exist: exit 2.
    let empty = tmp("none");
    let o = tcpdiff(&empty).args(["regress", "."]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = tcpdiff(&empty).args(["regress", "nope"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope"));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}
