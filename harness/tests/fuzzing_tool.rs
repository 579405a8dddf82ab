//! `tcpdiff repro` / `tcpdiff minimize` / `tcpdiff seeds` from `cargo test`
//! until the subcommands are wired into the binary (ignored by default):
//!
//! ```sh
//! TCPDIFF_REPRO=fuzz/artifacts/tcp_input/crash-... cargo test -p harness --test fuzzing_tool -- --ignored repro --nocapture
//! TCPDIFF_MINIMIZE=FILE TCPDIFF_OUT=case.pkt cargo test -p harness --test fuzzing_tool -- --ignored minimize --nocapture
//! ```
//! Paths are relative to the repository root. TCPDIFF_FUZZ_ENGINES picks
//! the engines (default: the target's, c,rust or c:dual,rust:dual).

use std::path::PathBuf;

use harness::fuzzing::cli;

fn root_path(v: &str) -> PathBuf {
    let p = PathBuf::from(v);
    if p.is_absolute() {
        p
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
    }
}

fn engines() -> Option<String> {
    std::env::var("TCPDIFF_FUZZ_ENGINES").ok()
}

#[test]
#[ignore]
fn repro() {
    let f = std::env::var("TCPDIFF_REPRO").expect("TCPDIFF_REPRO=FILE");
    let code = cli::repro(&cli::ReproArgs {
        file: root_path(&f),
        target: None,
        engines: engines(),
    });
    eprintln!("exit {code}");
}

#[test]
#[ignore]
fn minimize() {
    let f = std::env::var("TCPDIFF_MINIMIZE").expect("TCPDIFF_MINIMIZE=FILE");
    let o = std::env::var("TCPDIFF_OUT").expect("TCPDIFF_OUT=case.pkt");
    let code = cli::minimize(&cli::MinimizeArgs {
        file: root_path(&f),
        output: root_path(&o),
        target: None,
        engines: engines(),
        budget: 4000,
    });
    eprintln!("exit {code}");
}
