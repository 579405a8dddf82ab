//! The fuzzing subcommands of `tcpdiff`, as plain functions with clap
//! `Args` structs (the binary wires them up):
//!
//! - `tcpdiff seeds`: writes the seed corpora (`corpus/<target>/`) and the
//!   dictionary (`fuzz/tcp.dict`) from the scripts and traces;
//! - `tcpdiff repro FILE`: runs a crash input (or a script) on both
//!   engines and prints the divergence report;
//! - `tcpdiff minimize FILE -o case.pkt`: reduces it and writes a
//!   packetdrill-dialect script that reproduces the same finding.
//!
//! Exit codes: 0 fine (repro: no finding), 1 a finding (repro) or no
//! script could be made (minimize), 2 bad input.

use std::fs;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::engine::Engine;

use super::drive::{self, FuzzCase, check, engines_named};
use super::{input, minimize, seeds, session};

/// Which target's input format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// `[selector][u16 len][IPv4]...`
    TcpInput,
    /// `[selector][u32 delay][u16 len][IPv4]...`
    TcpInputTimed,
    /// `arbitrary` session bytes.
    TcpSession,
    /// A packetdrill-dialect script.
    Script,
}

/// The target a file belongs to, from its name and path (`.pkt`: a script;
/// a path through `tcp_input_timed` or `tcp_session`, e.g.
/// `fuzz/artifacts/tcp_session/crash-...`: that target; else `tcp_input`).
pub fn detect_target(path: &Path) -> Target {
    let s = path.to_string_lossy();
    if s.ends_with(".pkt") {
        Target::Script
    } else if s.contains("tcp_input_timed") {
        Target::TcpInputTimed
    } else if s.contains("tcp_session") {
        Target::TcpSession
    } else {
        Target::TcpInput
    }
}

/// A file as a fuzz case.
pub fn load_case(path: &Path, target: Option<Target>) -> Result<FuzzCase, String> {
    let target = target.unwrap_or_else(|| detect_target(path));
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.display().to_string();
    let mut case = match target {
        Target::TcpInput => input::to_case(&input::decode(&bytes, false), false),
        Target::TcpInputTimed => input::to_case(&input::decode(&bytes, true), true),
        Target::TcpSession => {
            FuzzCase::from_scenario(&session::scenario_of(&bytes).ok_or("not a tcp_session input")?)
        }
        Target::Script => {
            let text = String::from_utf8(bytes).map_err(|e| format!("{name}: {e}"))?;
            let (s, _) = crate::script::parse(&name, &text).map_err(|e| e.to_string())?;
            let (sc, _) = crate::from_script::to_scenario(&s).map_err(|e| e.to_string())?;
            FuzzCase::from_scenario(&sc)
        }
    };
    case.name = name;
    Ok(case)
}

/// `tcpdiff seeds`.
#[derive(Debug, Args)]
pub struct SeedsArgs {
    /// The script corpus.
    #[arg(long, default_value = "corpus/scripts")]
    pub scripts: PathBuf,
    /// The dialect examples (script_parse seeds).
    #[arg(long, default_value = "corpus/dialect")]
    pub dialect: PathBuf,
    /// The captures.
    #[arg(long, default_value = "traces")]
    pub traces: PathBuf,
    /// Where corpus/<target>/ directories go.
    #[arg(long, default_value = "corpus")]
    pub out: PathBuf,
    /// The dictionary to write.
    #[arg(long, default_value = "fuzz/tcp.dict")]
    pub dict: PathBuf,
}

/// Writes the seed corpora and the dictionary. Each target's directory is
/// emptied of `*.bin`/`*.pkt`/`*.pcap*` first, so it holds exactly the
/// current seeds.
pub fn seeds(a: &SeedsArgs) -> i32 {
    let (all, notes) = seeds::all_seeds(&a.scripts, &a.dialect, &a.traces);
    for n in &notes {
        eprintln!("note: {n}");
    }
    let mut targets: Vec<&str> = all.iter().map(|s| s.target).collect();
    targets.sort();
    targets.dedup();
    for t in &targets {
        let dir = a.out.join(t);
        if let Ok(rd) = fs::read_dir(&dir) {
            for e in rd.flatten() {
                if e.path().is_file() {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        if let Err(e) = fs::create_dir_all(&dir) {
            eprintln!("{}: {e}", dir.display());
            return 2;
        }
    }
    let mut total = 0;
    for s in &all {
        let p = a.out.join(s.target).join(&s.name);
        if let Err(e) = fs::write(&p, &s.bytes) {
            eprintln!("{}: {e}", p.display());
            return 2;
        }
        total += s.bytes.len();
    }
    for t in &targets {
        let (n, b) = all
            .iter()
            .filter(|s| s.target == *t)
            .fold((0, 0), |(n, b), s| (n + 1, b + s.bytes.len()));
        println!("{}/{t}: {n} seeds, {b} bytes", a.out.display());
    }
    println!("{} seeds, {total} bytes", all.len());
    if let Some(parent) = a.dict.parent() {
        let _ = fs::create_dir_all(parent);
    }
    if let Err(e) = fs::write(&a.dict, seeds::dictionary()) {
        eprintln!("{}: {e}", a.dict.display());
        return 2;
    }
    println!("dictionary: {}", a.dict.display());
    0
}

/// `tcpdiff repro FILE`.
#[derive(Debug, Args)]
pub struct ReproArgs {
    /// The crash input (or a .pkt script).
    pub file: PathBuf,
    /// Its format (default: from the path).
    #[arg(long, value_enum)]
    pub target: Option<Target>,
    /// Engines, comma-separated (`c,rust`; `c` alone: crashes and leaks).
    #[arg(long, default_value = "c,rust")]
    pub engines: String,
}

/// Runs a crash input and prints the report. Exit 1 if there is a finding.
pub fn repro(a: &ReproArgs) -> i32 {
    repro_with(a, &mut || engines_named(&a.engines)).0
}

/// `repro` with engines from `make` (tests plant divergences this way);
/// returns the exit code and the text printed.
pub fn repro_with(
    a: &ReproArgs,
    make: &mut dyn FnMut() -> Result<Vec<Box<dyn Engine>>, String>,
) -> (i32, String) {
    let case = match load_case(&a.file, a.target) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return (2, e);
        }
    };
    let mut engines = match make() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return (2, e);
        }
    };
    let r = check(&case, &mut engines, true);
    let mut out = String::new();
    out.push_str(&format!("{}: {} steps\n", case.name, case.steps.len()));
    for (i, s) in case.steps.iter().enumerate() {
        out.push_str(&format!("  {:>3} {}\n", i, drive::step_source(s)));
    }
    out.push_str(&crate::report::text(&r.result));
    let code = match &r.finding {
        Some(f) => {
            out.push_str(&format!("FINDING [{}]: {}\n", f.signature(), f.describe()));
            1
        }
        None => {
            out.push_str("no finding: the engines agree; nothing crashed or leaked\n");
            0
        }
    };
    print!("{out}");
    (code, out)
}

/// `tcpdiff minimize FILE -o case.pkt`.
#[derive(Debug, Args)]
pub struct MinimizeArgs {
    /// The crash input (or a .pkt script).
    pub file: PathBuf,
    /// The script to write.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Its format (default: from the path).
    #[arg(long, value_enum)]
    pub target: Option<Target>,
    /// Engines, comma-separated.
    #[arg(long, default_value = "c,rust")]
    pub engines: String,
    /// Most runs of the case while minimizing.
    #[arg(long, default_value_t = 4000)]
    pub budget: usize,
}

/// Minimizes and writes the script. Exit 0 written, 1 no script
/// reproduces it, 2 bad input or no finding.
pub fn minimize(a: &MinimizeArgs) -> i32 {
    minimize_with(a, &mut || engines_named(&a.engines)).0
}

/// `minimize` with engines from `make`; returns the exit code and the
/// script written (if any).
pub fn minimize_with(
    a: &MinimizeArgs,
    make: &mut dyn FnMut() -> Result<Vec<Box<dyn Engine>>, String>,
) -> (i32, Option<String>) {
    let case = match load_case(&a.file, a.target) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return (2, None);
        }
    };
    let mut engines = match make() {
        Ok(e) if e.len() >= 2 || a.engines.split(',').count() == 1 => e,
        Ok(_) => {
            eprintln!("minimize needs two engines (or one, for crashes)");
            return (2, None);
        }
        Err(e) => {
            eprintln!("{e}");
            return (2, None);
        }
    };
    let m = match minimize::minimize(&case, &mut engines, a.budget) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{}: {e}", a.file.display());
            return (2, None);
        }
    };
    eprintln!(
        "{}: {} steps -> {} steps in {} runs; {}",
        a.file.display(),
        case.steps.len(),
        m.case.steps.len(),
        m.runs,
        m.description
    );
    let header = vec![
        format!(
            "Found by fuzzing: minimized by `tcpdiff minimize` from {}.",
            a.file.display()
        ),
        format!("Finding [{}]: {}", m.signature, m.description),
        format!(
            "Engines: {}. Reproduce: tcpdiff run --engines {} THIS.pkt",
            a.engines, a.engines
        ),
        String::new(),
    ];
    let mut mk = || {
        let mut v = make().unwrap_or_default();
        let b = v.pop();
        let a = v.pop();
        match (a, b) {
            (Some(a), Some(b)) => (a, b),
            (None, Some(b)) => {
                let a = crate::engine::by_name(b.name())
                    .unwrap_or_else(|_| Box::new(crate::engine::c::CEngine::new()));
                (a, b)
            }
            _ => (
                Box::new(crate::engine::c::CEngine::new()) as Box<dyn Engine>,
                Box::new(crate::engine::c::CEngine::new()) as Box<dyn Engine>,
            ),
        }
    };
    match minimize::to_checked_script(&m, &header, &mut mk) {
        Ok((text, with_expect)) => {
            if let Err(e) = fs::write(&a.output, &text) {
                eprintln!("{}: {e}", a.output.display());
                return (2, None);
            }
            eprintln!(
                "wrote {} ({}): it reproduces [{}]",
                a.output.display(),
                if with_expect {
                    "with lwIP's segments as `>` lines"
                } else {
                    "--unchecked_outbound"
                },
                m.signature
            );
            (0, Some(text))
        }
        Err(e) => {
            eprintln!("{e}");
            let raw = a.output.with_extension("min");
            if let Ok(text) = super::toscript::script_text(&m.case, &header, None) {
                let _ = fs::write(&raw, text);
                eprintln!("the unverified script is in {}", raw.display());
            }
            (1, None)
        }
    }
}
