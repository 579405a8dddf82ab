//! Engines on a TCP library linked in place of tcp.c, tcp_in.c and
//! tcp_out.c (`lib:PATH`, and `rust-ffi`, the port's library, which is
//! built the same way) and on another lwIP tree (`c@DIR`): lwIP's own
//! three files compiled into a static library, as a third-party port
//! ships its TCP, and a copy of the pinned tree must give lwIP's results
//! (0 divergences over the corpus and the traces), and the same with one
//! behavioural patch (the initial congestion window) must be reported,
//! through `tcpdiff regress` as users run it.

use std::path::{Path, PathBuf};
use std::process::Command;

use lwip_c::build_info;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tcpdiff-lib-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// lwIP's tcp.c, tcp_in.c and tcp_out.c for the harness's profile, as a
/// static library in `dir`; `patch` edits tcp_in.c's text first.
fn lwip_tcp_library(dir: &Path, patch: impl Fn(String) -> String) -> PathBuf {
    let core = Path::new(build_info::LWIP_DIR).join("src/core");
    let mut objs = Vec::new();
    for f in ["tcp.c", "tcp_in.c", "tcp_out.c"] {
        let mut src = core.join(f);
        if f == "tcp_in.c" {
            let text = std::fs::read_to_string(&src).unwrap();
            let patched = patch(text.clone());
            if patched != text {
                src = dir.join(f);
                std::fs::write(&src, patched).unwrap();
            }
        }
        let obj = dir.join(format!("{f}.o"));
        let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
        cc.args([
            "-c",
            "-fPIC",
            "-O1",
            "-std=gnu99",
            "-fno-strict-aliasing",
            "-w",
        ]);
        for inc in lwip_c::loaded::include_dirs(
            Path::new(build_info::LWIP_DIR),
            Path::new(build_info::PROFILE_DIR),
        ) {
            cc.arg(format!("-I{}", inc.display()));
        }
        let st = cc.arg(&src).arg("-o").arg(&obj).status().unwrap();
        assert!(st.success(), "compiling {}", src.display());
        objs.push(obj);
    }
    let lib = dir.join("liblwiptcp.a");
    let st = Command::new("ar")
        .arg("rcs")
        .arg(&lib)
        .args(&objs)
        .status()
        .unwrap();
    assert!(st.success());
    lib
}

/// `tcpdiff regress --engines ENGINES --json` over the bundled corpus,
/// its builds cached in `dir`/cache.
fn regress(engines: &str, dir: &Path) -> (Option<i32>, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .env("TCPDIFF_ENGINE_CACHE", dir.join("cache"))
        .args(["regress", "--engines", engines, "--json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("{e}: stderr {}", String::from_utf8_lossy(&o.stderr));
    });
    (o.status.code(), v)
}

/// Whether a case is an IPv6 script skipped on a build without IPv6
/// (these engines are IPv4 builds; corpus/scripts/ipv6 and traces/ipv6
/// need c:ipv6).
fn ipv6_skipped(name: &str, outcome: &str) -> bool {
    outcome == "skipped" && (name.contains("corpus/scripts/ipv6/") || name.contains("traces/ipv6/"))
}

/// Each case's name and outcome, leaving out the IPv6 scripts these IPv4
/// builds skip (said in their message, and checked here).
fn outcomes(v: &serde_json::Value) -> Vec<(String, String)> {
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let skip = ipv6_skipped(c["name"].as_str().unwrap(), c["outcome"].as_str().unwrap());
            assert!(
                !skip || c["message"].as_str().unwrap().contains("has no IPv6"),
                "{c}"
            );
            !skip
        })
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn lwips_own_tcp_as_a_library_gives_lwips_results() {
    let dir = tmp("own");
    let lib = lwip_tcp_library(&dir, |t| t);
    let (code, v) = regress(&format!("c,lib:{}", lib.display()), &dir);
    let all = outcomes(&v);
    assert!(all.len() > 400, "{} cases", all.len());
    let not_same: Vec<_> = all.iter().filter(|(_, o)| o != "same").collect();
    assert!(not_same.is_empty(), "{not_same:?}");
    assert_eq!(code, Some(0));
}

#[test]
fn a_patched_initial_window_in_the_library_is_reported() {
    let dir = tmp("patched");
    let lib = lwip_tcp_library(&dir, |t| {
        let from = "LWIP_MAX((2U * (mss)), 4380U)";
        assert!(t.contains(from), "tcp_in.c has no initial-cwnd formula");
        t.replace(from, "LWIP_MAX((2U * (mss)), 8760U)")
    });
    let (code, v) = regress(&format!("c,lib:{}", lib.display()), &dir);
    assert_eq!(code, Some(1));
    let cases = v["cases"].as_array().unwrap();
    let diverged: Vec<_> = cases
        .iter()
        .filter(|c| c["outcome"] == "diverged")
        .collect();
    assert!(!diverged.is_empty(), "the patch went unnoticed");
    assert!(
        diverged
            .iter()
            .any(|c| c["fields"].to_string().contains("cwnd")),
        "no divergence names cwnd: {:?}",
        diverged.iter().map(|c| &c["fields"]).collect::<Vec<_>>()
    );
    // Nothing else goes wrong: every case is the same or a divergence.
    assert!(
        cases.iter().all(|c| c["outcome"] == "same"
            || c["outcome"] == "diverged"
            || ipv6_skipped(c["name"].as_str().unwrap(), c["outcome"].as_str().unwrap())),
        "{cases:?}"
    );
}

#[test]
fn a_library_missing_a_tcp_function_is_refused_with_its_name() {
    let dir = tmp("missing");
    // tcp.c alone: tcp_input (tcp_in.c) and tcp_output (tcp_out.c) are
    // missing.
    let full = lwip_tcp_library(&dir, |t| t);
    let only_tcp = dir.join("libonlytcp.a");
    let st = Command::new("ar")
        .arg("rcs")
        .arg(&only_tcp)
        .arg(dir.join("tcp.c.o"))
        .status()
        .unwrap();
    assert!(st.success() && full.is_file());
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .env("TCPDIFF_ENGINE_CACHE", dir.join("cache"))
        .args(["regress", "--engines"])
        .arg(format!("c,lib:{}", only_tcp.display()))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tcp_input"), "{err}");
    assert!(err.contains(&only_tcp.display().to_string()), "{err}");
}

/// A copy of the pinned lwIP tree's src/ in `dir`/lwip, `patch` applied
/// to src/core/tcp_in.c.
fn lwip_tree_copy(dir: &Path, patch: impl Fn(String) -> String) -> PathBuf {
    let tree = dir.join("lwip");
    std::fs::create_dir_all(&tree).unwrap();
    let st = Command::new("cp")
        .arg("-r")
        .arg(Path::new(build_info::LWIP_DIR).join("src"))
        .arg(&tree)
        .status()
        .unwrap();
    assert!(st.success());
    // The registry's files are read-only.
    let st = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&tree)
        .status()
        .unwrap();
    assert!(st.success());
    let f = tree.join("src/core/tcp_in.c");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, patch(text)).unwrap();
    tree
}

#[test]
fn another_lwip_tree_unpatched_is_the_same_and_a_patch_is_reported() {
    let dir = tmp("tree");
    let same = lwip_tree_copy(&dir.join("same"), |t| t);
    let (code, v) = regress(&format!("c,c@{}", same.display()), &dir);
    let not_same: Vec<_> = outcomes(&v)
        .into_iter()
        .filter(|(_, o)| o != "same")
        .collect();
    assert!(not_same.is_empty(), "{not_same:?}");
    assert_eq!(code, Some(0));

    let patched = lwip_tree_copy(&dir.join("patched"), |t| {
        let from = "LWIP_MAX((2U * (mss)), 4380U)";
        assert!(t.contains(from), "tcp_in.c has no initial-cwnd formula");
        t.replace(from, "LWIP_MAX((2U * (mss)), 8760U)")
    });
    let (code, v) = regress(&format!("c,c@{}", patched.display()), &dir);
    assert_eq!(code, Some(1));
    let cases = v["cases"].as_array().unwrap();
    assert!(
        cases
            .iter()
            .any(|c| c["outcome"] == "diverged" && c["fields"].to_string().contains("cwnd")),
        "the patched tree's initial window went unnoticed"
    );
}

/// `c@DIR` under `regress --profiles`: the tree is built with each
/// profile (`c@DIR:PROFILE` against `c:PROFILE`): an unpatched copy is the
/// same on every profile named, a patched one is reported on each.
#[test]
fn another_lwip_tree_runs_on_every_profile() {
    let dir = tmp("tree-profiles");
    let run = |tree: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
            .current_dir(root())
            .env("TCPDIFF_ENGINE_CACHE", dir.join("cache"))
            .args([
                "regress",
                "--json",
                "--profiles",
                "minimal,lwip-unit",
                "--engines",
            ])
            .arg(format!("c,c@{}", tree.display()))
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!("{e}: stderr {}", String::from_utf8_lossy(&o.stderr));
        });
        (o.status.code(), v)
    };
    let same = lwip_tree_copy(&dir.join("same"), |t| t);
    let (code, v) = run(&same);
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() > 800, "{} cases", cases.len());
    for p in ["minimal", "lwip-unit"] {
        assert!(cases.iter().any(|c| c["profile"] == p), "no case on {p}");
    }
    let bad: Vec<_> = cases
        .iter()
        .filter(|c| {
            c["outcome"] != "same"
                && c["outcome"] != "stopped"
                && !ipv6_skipped(c["name"].as_str().unwrap(), c["outcome"].as_str().unwrap())
        })
        .map(|c| format!("{} [{}]: {}", c["name"], c["profile"], c["outcome"]))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(code, Some(0));

    // With MSS 536 the initial window is 4 * MSS (full's 1460 makes it
    // 4380): a patch there changes these profiles and not full.
    let patched = lwip_tree_copy(&dir.join("patched"), |t| {
        let from = "LWIP_MIN((4U * (mss))";
        assert!(t.contains(from), "tcp_in.c has no initial-cwnd formula");
        t.replace(from, "LWIP_MIN((5U * (mss))")
    });
    let (code, v) = run(&patched);
    assert_eq!(code, Some(1));
    let cases = v["cases"].as_array().unwrap();
    for p in ["minimal", "lwip-unit"] {
        assert!(
            cases.iter().any(|c| c["profile"] == p
                && c["outcome"] == "diverged"
                && c["fields"].to_string().contains("cwnd")),
            "the patched tree's initial window went unnoticed on {p}"
        );
    }
}

/// `tcpdiff run --keep-going --json --engines ENGINES corpus/findings`:
/// each case's name and verdict, with the engine names taken out.
fn findings_verdicts(engines: &str, second: &str) -> Vec<(String, String)> {
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .args([
            "run",
            "--keep-going",
            "--json",
            "--engines",
            engines,
            "corpus/findings",
        ])
        .output()
        .unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: stderr {}", String::from_utf8_lossy(&o.stderr)));
    cases
        .iter()
        .map(|c| {
            let v = c["verdict"].to_string().replace(second, "B");
            (c["name"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// The port's C library stops where lwIP fails an `LWIP_ASSERT`, as the
/// port does: its core's assertion goes to the build's
/// `LWIP_PLATFORM_ASSERT` (here the shim's, which unwinds the call). Every
/// finding (lwIP assertions reached from the wire or the API, lwIP leaks)
/// ends on `c,rust-ffi` exactly as on `c,rust`. Builds the library with
/// cargo the first time (about 30 s).
#[test]
fn the_port_library_stops_where_lwip_asserts() {
    let ffi = findings_verdicts("c,rust-ffi", "rust-ffi");
    let port = findings_verdicts("c,rust", "rust");
    assert_eq!(ffi, port);
    let stopped = ffi.iter().filter(|(_, v)| v.contains("Poisoned")).count();
    assert!(stopped >= 9, "{ffi:#?}");
}
