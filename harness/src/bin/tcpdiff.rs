//! `tcpdiff`: differential testing of lwIP's TCP against its Rust port.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use harness::engine::{ENGINE_NAMES, by_name};
use harness::report::{CaseResult, json, run_script, text};

#[derive(Parser)]
#[command(
    name = "tcpdiff",
    version,
    about = "Differential testing of lwIP 2.2.1's TCP against its Rust port"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run packetdrill-dialect scripts on two engines; report the first
    /// divergence and every failed `>` expectation.
    /// Exit: 0 same, 1 diverged or failed, 2 bad input.
    Run {
        /// Script files or directories (searched for *.pkt).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The two engines, A,B (available: c; `c,c` runs lwIP against itself).
        #[arg(long, default_value = "c,c")]
        engines: String,
        /// Go on after a diverging or failing case.
        #[arg(long)]
        keep_going: bool,
        /// JSON report on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the TCP connections in a pcap or pcapng file.
    Flows {
        /// The capture.
        file: PathBuf,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print what was compiled: lwIP version, source and file hashes.
    Info,
}

fn scripts(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| format!("{}: {e}", p.display()))?;
            found.sort();
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "pkt") {
            out.push(p);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Info => {
            println!("{}", lwip_c::build_info::summary());
            println!("tcp.c     {}", lwip_c::build_info::TCP_C_SHA256);
            println!("tcp_in.c  {}", lwip_c::build_info::TCP_IN_C_SHA256);
            println!("tcp_out.c {}", lwip_c::build_info::TCP_OUT_C_SHA256);
            println!(
                "C compiler {} (libFuzzer-instrumented: {})",
                lwip_c::build_info::C_COMPILER,
                lwip_c::build_info::C_INSTRUMENTED
            );
            ExitCode::SUCCESS
        }
        Cmd::Flows { file, json } => match harness::capture::read(&file) {
            Ok(cap) => {
                let flows = harness::capture::flows(&cap);
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&flows).unwrap_or_default()
                    );
                } else {
                    println!("{}", cap.summary());
                    print!("{}", harness::capture::FlowTable(&flows));
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tcpdiff: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Run {
            paths,
            engines,
            keep_going,
            json: as_json,
        } => {
            let names: Vec<&str> = engines.split(',').collect();
            let (Some(mut a), Some(mut b)) = (
                names.first().and_then(|n| by_name(n)),
                names.get(1).and_then(|n| by_name(n)),
            ) else {
                eprintln!(
                    "tcpdiff: --engines takes two of: {} (got '{engines}')",
                    ENGINE_NAMES.join(", ")
                );
                return ExitCode::from(2);
            };
            let files = match scripts(&paths) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("tcpdiff: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut results: Vec<CaseResult> = Vec::new();
            let mut worst = 0;
            for f in &files {
                let name = f.display().to_string();
                let r = match std::fs::read_to_string(f) {
                    Ok(t) => run_script(&name, &t, a.as_mut(), b.as_mut()),
                    Err(e) => {
                        eprintln!("tcpdiff: {name}: {e}");
                        worst = worst.max(2);
                        continue;
                    }
                };
                let code = r.exit_code();
                worst = worst.max(code);
                if !as_json && (code != 0 || files.len() == 1) {
                    print!("{}", text(&r));
                }
                results.push(r);
                if code == 1 && !keep_going {
                    break;
                }
            }
            if as_json {
                println!("{}", json(&results));
            } else {
                let count = |s: &str| results.iter().filter(|r| r.status() == s).count();
                println!(
                    "{} case(s): {} same, {} diverged, {} failed, {} error, {} poisoned",
                    results.len(),
                    count("same"),
                    count("diverged"),
                    count("failed"),
                    count("error"),
                    count("poisoned")
                );
            }
            ExitCode::from(worst as u8)
        }
    }
}
