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
    /// `[selector][u16 len][IPv6]...` (prefixes translated to IPv6)
    TcpInput6,
    /// `[selector][u32 delay][u16 len][IPv6]...`
    TcpInput6Timed,
    /// `arbitrary` session bytes.
    TcpSession,
    /// A packetdrill-dialect script.
    Script,
}

impl Target {
    /// The `tcp_input` framing of the target, if it is one.
    pub fn framing(self) -> Option<input::Framing> {
        match self {
            Target::TcpInput => Some(input::Framing::INPUT),
            Target::TcpInputTimed => Some(input::Framing::INPUT_TIMED),
            Target::TcpInput6 => Some(input::Framing::INPUT6),
            Target::TcpInput6Timed => Some(input::Framing::INPUT6_TIMED),
            Target::TcpSession | Target::Script => None,
        }
    }

    /// The fuzz target's name (`script` for a script).
    pub fn name(self) -> &'static str {
        match self {
            Target::TcpSession => "tcp_session",
            Target::Script => "script",
            t => t.framing().map_or("script", |f| f.target()),
        }
    }

    /// The engines `repro`/`minimize`/`distill` use when `--engines` is
    /// not given: the fuzz target's default ([`drive::DEFAULT_ENGINES6`]
    /// for the IPv6 framings, else [`drive::DEFAULT_ENGINES`]).
    pub fn default_engines(self) -> &'static str {
        if self.framing().is_some_and(|f| f.ipv6) {
            drive::DEFAULT_ENGINES6
        } else {
            drive::DEFAULT_ENGINES
        }
    }
}

/// The target a file belongs to, from its name and path (`.pkt`: a script;
/// a path through `tcp_input6_timed`, `tcp_input6`, `tcp_input_timed` or
/// `tcp_session`, e.g. `fuzz/artifacts/tcp_session/crash-...`: that
/// target; else `tcp_input`).
pub fn detect_target(path: &Path) -> Target {
    let s = path.to_string_lossy();
    if s.ends_with(".pkt") {
        Target::Script
    } else if s.contains("tcp_input6_timed") {
        Target::TcpInput6Timed
    } else if s.contains("tcp_input6") {
        Target::TcpInput6
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
        Target::TcpInput | Target::TcpInputTimed | Target::TcpInput6 | Target::TcpInput6Timed => {
            let f = target.framing().ok_or("not a tcp_input framing")?;
            input::to_case_framed(&input::decode(&bytes, f.timed), f)
        }
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
    /// Only these targets' directories (comma-separated, e.g.
    /// `tcp_input6,tcp_input6_timed`); the others are left as they are.
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<String>,
}

/// Writes the seed corpora and the dictionary. Each target's directory is
/// emptied of `*.bin`/`*.pkt`/`*.pcap*` first, so it holds exactly the
/// current seeds.
pub fn seeds(a: &SeedsArgs) -> i32 {
    let (mut all, notes) = seeds::all_seeds(&a.scripts, &a.dialect, &a.traces);
    for n in &notes {
        eprintln!("note: {n}");
    }
    if !a.targets.is_empty() {
        if let Some(t) = a
            .targets
            .iter()
            .find(|t| !all.iter().any(|s| s.target == t.as_str()))
        {
            eprintln!("--targets: no seeds for '{t}'");
            return 2;
        }
        all.retain(|s| a.targets.iter().any(|t| t == s.target));
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
    /// Engines, comma-separated (`c` alone: crashes and leaks). Default:
    /// the target's (`c,rust`; `c:dual,rust:dual` for the IPv6 framings).
    #[arg(long)]
    pub engines: Option<String>,
}

/// The engines named by `--engines`, else the file's target's default.
fn engines_for(file: &Path, target: Option<Target>, engines: &Option<String>) -> String {
    engines.clone().unwrap_or_else(|| {
        target
            .unwrap_or_else(|| detect_target(file))
            .default_engines()
            .to_string()
    })
}

/// Runs a crash input and prints the report. Exit 1 if there is a finding.
pub fn repro(a: &ReproArgs) -> i32 {
    let engines = engines_for(&a.file, a.target, &a.engines);
    repro_with(a, &mut || engines_named(&engines)).0
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
        None if r.result.skipped.is_some() => {
            out.push_str(&format!(
                "skipped, not run: {}\n",
                r.result.skipped.as_deref().unwrap_or_default()
            ));
            2
        }
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
    /// Engines, comma-separated. Default: the target's (`c,rust`;
    /// `c:dual,rust:dual` for the IPv6 framings).
    #[arg(long)]
    pub engines: Option<String>,
    /// Most runs of the case while minimizing.
    #[arg(long, default_value_t = 4000)]
    pub budget: usize,
}

/// Minimizes and writes the script. Exit 0 written, 1 no script
/// reproduces it, 2 bad input or no finding.
pub fn minimize(a: &MinimizeArgs) -> i32 {
    let engines = engines_for(&a.file, a.target, &a.engines);
    minimize_with(a, &mut || engines_named(&engines)).0
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
    let spec = engines_for(&a.file, a.target, &a.engines);
    let mut engines = match make() {
        Ok(e) if e.len() >= 2 || spec.split(',').count() == 1 => e,
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
        format!("Engines: {spec}. Reproduce: tcpdiff run --engines {spec} THIS.pkt"),
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
