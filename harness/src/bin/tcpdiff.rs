//! `tcpdiff`: differential testing of lwIP's TCP against its Rust port.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use harness::case::{CaseRun, run_text_with_defines};
use harness::engine::{ENGINE_NAMES, Engine, by_name};
use harness::regress::{self, Kind, Shard};
use harness::replay::{self, ReplayOptions, Role};
use harness::report::{CaseResult, json, text};

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
        /// The two engines, A,B (available: c, rust; `c,c` runs lwIP against itself, `c,rust` compares the port; `rust+FAULT` plants a fault: segment, err, callback, state, resources, leak, window).
        #[arg(long, default_value = "c,c")]
        engines: String,
        /// Go on after a diverging or failing case.
        #[arg(long)]
        keep_going: bool,
        /// JSON report on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Write a pcapng with the stimulus and both engines' packets,
        /// commented (one script only).
        #[arg(long, value_name = "OUT.pcapng")]
        pcap_out: Option<PathBuf>,
        /// Define NAME for the scripts (packetdrill's -D): its uses as a
        /// word are replaced by VALUE, `#ifdef NAME` holds. Repeatable.
        #[arg(short = 'D', long = "define", value_name = "NAME=VALUE")]
        defines: Vec<String>,
        /// Run IPv4 scripts translated to IPv6 (on engines with IPv6:
        /// c:dual, c:ipv6; docs/engines.md).
        #[arg(long)]
        ipv6: bool,
    },
    /// Replay one TCP connection of a pcap/pcapng capture on two engines:
    /// the peer's segments are the stimulus (seq/ack remapped to the
    /// engine's ISN), the engine's side becomes application behaviour.
    /// See docs/replay.md. Exit: 0 same, 1 diverged or failed, 2 bad input.
    Replay {
        /// The capture.
        file: PathBuf,
        /// Flow id (see `tcpdiff flows`); default: the first with a
        /// captured handshake.
        #[arg(long)]
        flow: Option<usize>,
        /// The side the engine plays; default: server (received the SYN).
        #[arg(long, value_enum)]
        role: Option<Role>,
        /// The two engines, A,B.
        #[arg(long, default_value = "c,c")]
        engines: String,
        /// JSON report on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Write a pcapng with the stimulus and both engines' packets.
        #[arg(long, value_name = "OUT.pcapng")]
        pcap_out: Option<PathBuf>,
    },
    /// Print the replay of a capture as an editable packetdrill-dialect
    /// script (`tcpdiff run` of it injects the same stimulus).
    Pcap2script {
        /// The capture.
        file: PathBuf,
        /// Flow id; default: the first with a captured handshake.
        #[arg(long)]
        flow: Option<usize>,
        /// The side the engine plays; default: server.
        #[arg(long, value_enum)]
        role: Option<Role>,
    },
    /// Run every script (*.pkt) and capture (*.pcap, *.pcapng) under PATHs
    /// on both engines, each in its own worker process; summary table,
    /// JUnit, JSON. Exit: 0 if every case is same (or a known divergence),
    /// 1 otherwise, 2 on bad arguments.
    Regress {
        /// Files or directories (default: corpus/scripts traces).
        paths: Vec<PathBuf>,
        /// The two engines, A,B (default: c,rust when this build has the
        /// Rust engine, else c,c).
        #[arg(long)]
        engines: Option<String>,
        /// lwipopts profiles to run every case on, P1,P2,... or `all`
        /// (default: full). The engines c and rust become c:P and rust:P;
        /// a script's expectations are checked only on the profiles it
        /// states (`--profiles=` in the script; full by default), and it
        /// runs differential-only on the others.
        #[arg(long, value_name = "LIST")]
        profiles: Option<String>,
        /// Workers at a time (default: the number of cores).
        #[arg(short = 'j', long)]
        jobs: Option<usize>,
        /// Time limit per case, seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Only this shard of the cases: i/n, 1 <= i <= n.
        #[arg(long)]
        shard: Option<Shard>,
        /// Only cases whose name contains this.
        #[arg(long)]
        filter: Option<String>,
        /// Known-divergences list (default: corpus/known-divergences.toml
        /// if it exists).
        #[arg(long, value_name = "FILE")]
        known: Option<PathBuf>,
        /// Write a JUnit XML report.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// JSON report on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// List the cases (after --shard and --filter) and exit.
        #[arg(long)]
        list: bool,
        /// Define NAME for the scripts (as `run -D`). Repeatable.
        #[arg(short = 'D', long = "define", value_name = "NAME=VALUE")]
        defines: Vec<String>,
        /// Run IPv4 scripts and captures translated to IPv6 (as `run
        /// --ipv6`).
        #[arg(long)]
        ipv6: bool,
    },
    /// Internal: run one case and print its summary as JSON (regress's
    /// worker process).
    #[command(name = "__worker", hide = true)]
    Worker {
        /// The case file.
        path: PathBuf,
        /// Its kind.
        #[arg(long, value_enum)]
        kind: Kind,
        /// Its name.
        #[arg(long)]
        name: String,
        /// The two engines, A,B.
        #[arg(long)]
        engines: String,
    },
    /// Write the fuzzing seed corpora (corpus/<target>/) and fuzz/tcp.dict
    /// from the scripts and traces (docs/fuzzing.md).
    Seeds(harness::fuzzing::cli::SeedsArgs),
    /// Run a fuzzer crash input (or a script) on both engines and print the
    /// divergence report. Exit: 0 no finding, 1 a finding, 2 bad input.
    Repro(harness::fuzzing::cli::ReproArgs),
    /// Reduce a crash input (steps, then fields) and write a
    /// packetdrill-dialect script that reproduces the same finding.
    /// Exit: 0 written, 1 no script reproduces it, 2 bad input.
    Minimize(harness::fuzzing::cli::MinimizeArgs),
    /// Turn fuzz inputs into regression scripts: `>` lines from lwIP, kept
    /// when they hold and the engines agree (ci/distill first keeps, with
    /// libFuzzer's merge, only the inputs that add coverage to the seeds).
    Distill(harness::fuzzing::distill::DistillArgs),
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
    /// List the engines `--engines` takes, and the faults an engine can
    /// carry (`NAME+FAULT`).
    Engines,
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

type EnginePair = (Box<dyn Engine>, Box<dyn Engine>);

fn engines(spec: &str) -> Result<EnginePair, String> {
    let names: Vec<&str> = spec.split(',').map(str::trim).collect();
    let [a, b] = names.as_slice() else {
        return Err(format!(
            "--engines takes two engines, A,B, of: {} (each may carry a planted fault, rust+resources; got '{spec}')",
            ENGINE_NAMES.join(", ")
        ));
    };
    Ok((
        by_name(a).map_err(|e| format!("--engines: {e}"))?,
        by_name(b).map_err(|e| format!("--engines: {e}"))?,
    ))
}

fn write_pcap(run: &CaseRun, base_us: i64, out: &Path) -> Result<(), String> {
    harness::pcapout::write_file(run, base_us, out)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", out.display()))
}

fn replay_cmd(
    file: &Path,
    opts: ReplayOptions,
    engines_spec: &str,
    as_json: bool,
    pcap_out: Option<&Path>,
) -> ExitCode {
    let (mut a, mut b) = match engines(engines_spec) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("tcpdiff: {e}");
            return ExitCode::from(2);
        }
    };
    let rp = match replay::from_file(file, opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tcpdiff: {e}");
            return ExitCode::from(2);
        }
    };
    let (sc, warnings) = match rp.scenario() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("tcpdiff: {e}");
            return ExitCode::from(2);
        }
    };
    let run = harness::case::run_scenario(&rp.name(), &sc, warnings, true, a.as_mut(), b.as_mut());
    if let Some(out) = pcap_out
        && let Err(e) = write_pcap(&run, rp.start_ts_micros, out)
    {
        eprintln!("tcpdiff: {e}");
        return ExitCode::from(2);
    }
    let r = &run.result;
    if as_json {
        println!("{}", json(std::slice::from_ref(r)));
    } else {
        println!(
            "replaying {} flow {} ({} -> {}), engine as {} {}",
            rp.file, rp.flow.id, rp.flow.client, rp.flow.server, rp.role, rp.endpoint
        );
        for n in &rp.notes {
            println!("  note: {n}");
        }
        print!("{}", text(r));
    }
    ExitCode::from(r.exit_code() as u8)
}

#[allow(clippy::too_many_arguments)]
fn regress_cmd(
    paths: Vec<PathBuf>,
    engines_spec: String,
    profiles: Option<String>,
    jobs: Option<usize>,
    timeout: u64,
    shard: Option<Shard>,
    filter: Option<String>,
    known: Option<PathBuf>,
    junit: Option<PathBuf>,
    as_json: bool,
    list: bool,
    defines: Vec<String>,
    ipv6: bool,
) -> ExitCode {
    let defines = match parse_defines(&defines) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("tcpdiff: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = engines(&engines_spec) {
        eprintln!("tcpdiff: {e}");
        return ExitCode::from(2);
    }
    let names: Vec<String> = engines_spec.split(',').map(str::to_string).collect();
    let profiles: Vec<String> = match profiles.as_deref() {
        None => vec![regress::FULL.to_string()],
        Some("all") => harness::engine::profiles::ALL
            .iter()
            .map(|p| p.to_string())
            .collect(),
        Some(list) => list
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    };
    let mut runs = Vec::new();
    for p in &profiles {
        match (
            regress::profiled_engine(&names[0], p),
            regress::profiled_engine(&names[1], p),
        ) {
            (Ok(a), Ok(b)) => runs.push((a, b)),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("tcpdiff: --profiles {p}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if runs.is_empty() {
        eprintln!("tcpdiff: --profiles: no profile named");
        return ExitCode::from(2);
    }
    let paths = if paths.is_empty() {
        regress::DEFAULT_PATHS.iter().map(PathBuf::from).collect()
    } else {
        paths
    };
    let mut cases = match regress::discover(&paths) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tcpdiff: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(f) = &filter {
        cases.retain(|c| c.name.contains(f.as_str()));
    }
    if let Some(s) = shard {
        cases = regress::shard(cases, s);
    }
    if list {
        for c in &cases {
            println!("{}", c.name);
        }
        return ExitCode::SUCCESS;
    }
    if cases.is_empty() {
        eprintln!("tcpdiff: no cases (scripts *.pkt, captures *.pcap/*.pcapng) to run");
        return ExitCode::from(2);
    }
    let known = match known {
        Some(p) => regress::KnownList::load(&p),
        None if Path::new(regress::DEFAULT_KNOWN).is_file() => {
            regress::KnownList::load(Path::new(regress::DEFAULT_KNOWN))
        }
        None => Ok(regress::KnownList::default()),
    };
    let known = match known {
        Ok(k) => k,
        Err(e) => {
            eprintln!("tcpdiff: {e}");
            return ExitCode::from(2);
        }
    };
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tcpdiff: cannot find my own binary: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reports = Vec::new();
    for (a, b) in runs {
        // Engines built once here, not once per worker.
        let mut worker_env = Vec::new();
        for name in [&a, &b] {
            match harness::engine::builds::prepare(name) {
                Ok(env) => worker_env.extend(env),
                Err(e) => {
                    eprintln!("tcpdiff: --engines: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        if !defines.is_empty() {
            let lines: Vec<String> = defines.iter().map(|(n, v)| format!("{n}={v}")).collect();
            worker_env.push((regress::DEFINES_ENV, PathBuf::from(lines.join("\n"))));
        }
        if ipv6 {
            worker_env.push((harness::case::IPV6_ENV, PathBuf::from("1")));
        }
        let cfg = regress::Config {
            worker_env,
            exe: exe.clone(),
            engines: (a, b),
            jobs: jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            }),
            timeout: std::time::Duration::from_secs(timeout.max(1)),
            known: known.clone(),
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        };
        reports.push(regress::run(&cfg, &cases));
    }
    let report = if reports.len() == 1 {
        reports.remove(0)
    } else {
        regress::RegressReport::merge(&engines_spec, reports)
    };
    if let Some(j) = &junit {
        if let Some(dir) = j.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(j, report.junit()) {
            eprintln!("tcpdiff: {}: {e}", j.display());
            return ExitCode::from(2);
        }
    }
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", report.table());
    }
    ExitCode::from(report.exit_code() as u8)
}

/// `-D` arguments as (name, value) pairs.
fn parse_defines(specs: &[String]) -> Result<Vec<(String, String)>, String> {
    specs
        .iter()
        .map(|d| {
            harness::script::split_define(d)
                .ok_or_else(|| format!("-D {d}: expected NAME=VALUE (NAME: letters, digits, _)"))
        })
        .collect()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Seeds(a) => ExitCode::from(harness::fuzzing::cli::seeds(&a) as u8),
        Cmd::Repro(a) => ExitCode::from(harness::fuzzing::cli::repro(&a) as u8),
        Cmd::Minimize(a) => ExitCode::from(harness::fuzzing::cli::minimize(&a) as u8),
        Cmd::Distill(a) => ExitCode::from(harness::fuzzing::distill::distill(&a) as u8),
        Cmd::Engines => {
            for (name, what) in harness::engine::ENGINES {
                println!("{name:<10} {what}");
            }
            let faults: Vec<&str> = harness::engine::plant::FAULTS
                .iter()
                .map(|(n, _)| *n)
                .collect();
            println!(
                "\nAny of them may carry a planted fault, one per oracle (NAME+FAULT, e.g. rust+segment): {}",
                faults.join(", ")
            );
            println!(
                "Shared objects of rust-ffi, lib: and c@ builds are cached in $TCPDIFF_ENGINE_CACHE, else target/tcpdiff-engines."
            );
            println!("\nProfiles (lwip-c/profiles/NAME/lwipopts.h; `rust:` has those marked *):");
            for p in lwip_c::loaded::profile_names() {
                let port = harness::engine::profiles::ALL.contains(&p.as_str());
                println!("  {p}{}", if port { " *" } else { "" });
            }
            ExitCode::SUCCESS
        }
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
        Cmd::Replay {
            file,
            flow,
            role,
            engines,
            json,
            pcap_out,
        } => replay_cmd(
            &file,
            ReplayOptions { flow, role },
            &engines,
            json,
            pcap_out.as_deref(),
        ),
        Cmd::Pcap2script { file, flow, role } => {
            match replay::from_file(&file, ReplayOptions { flow, role }) {
                Ok(rp) => {
                    print!("{}", rp.script_text);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("tcpdiff: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Regress {
            paths,
            engines,
            profiles,
            jobs,
            timeout,
            shard,
            filter,
            known,
            junit,
            json,
            list,
            defines,
            ipv6,
        } => regress_cmd(
            paths,
            engines.unwrap_or_else(|| regress::default_engines().to_string()),
            profiles,
            jobs,
            timeout,
            shard,
            filter,
            known,
            junit,
            json,
            list,
            defines,
            ipv6,
        ),
        Cmd::Worker {
            path,
            kind,
            name,
            engines: spec,
        } => {
            let names: Vec<&str> = spec.split(',').collect();
            let case = regress::Case { name, path, kind };
            let code = regress::worker_main(
                &case,
                (
                    names.first().copied().unwrap_or("c"),
                    names.get(1).copied().unwrap_or("c"),
                ),
            );
            ExitCode::from(code as u8)
        }
        Cmd::Run {
            paths,
            engines: engines_spec,
            keep_going,
            json: as_json,
            pcap_out,
            defines,
            ipv6,
        } => {
            harness::case::translate_to_ipv6(ipv6);
            let defines = match parse_defines(&defines) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("tcpdiff: {e}");
                    return ExitCode::from(2);
                }
            };
            let (mut a, mut b) = match engines(&engines_spec) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("tcpdiff: {e}");
                    return ExitCode::from(2);
                }
            };
            let files = match scripts(&paths) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("tcpdiff: {e}");
                    return ExitCode::from(2);
                }
            };
            if pcap_out.is_some() && files.len() != 1 {
                eprintln!(
                    "tcpdiff: --pcap-out needs exactly one script ({} given)",
                    files.len()
                );
                return ExitCode::from(2);
            }
            let mut results: Vec<CaseResult> = Vec::new();
            let mut worst = 0;
            for f in &files {
                let name = f.display().to_string();
                let r = match std::fs::read_to_string(f) {
                    Ok(t) => {
                        let run =
                            run_text_with_defines(&name, &t, &defines, a.as_mut(), b.as_mut());
                        if let Some(out) = &pcap_out
                            && let Err(e) = write_pcap(&run, 0, out)
                        {
                            eprintln!("tcpdiff: {e}");
                            return ExitCode::from(2);
                        }
                        run.result
                    }
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
                let skipped = match count("skipped") {
                    0 => String::new(),
                    n => format!(", {n} skipped"),
                };
                println!(
                    "{} case(s): {} same, {} diverged, {} failed, {} error, {} poisoned{skipped}",
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
