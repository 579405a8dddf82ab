//! `tcpdiff regress`: every script (`*.pkt`) and capture (`*.pcap`,
//! `*.pcapng`) under the given paths is a case; each runs on both engines
//! in its own worker process (the tcpdiff binary re-invoked as the hidden
//! `tcpdiff __worker`), several at a time, with a time limit. A worker that
//! dies (an lwIP assertion outside an entry point aborts, a panic, a
//! signal) or runs out of time is a finding for that case, and the run goes
//! on. An lwIP assertion inside an entry point is caught by the shim and
//! reported by the engine ("engine failure: ..."): also a crash finding.
//!
//! Scripts run like `tcpdiff run`; captures like `tcpdiff replay` (default
//! flow and role). Results: `same`, `diverged` (first divergence's step,
//! line and oracle), `failed` (a `>` line or expected call result did not
//! hold), `error` (bad input, or a stimulus both engines refused), `crash`,
//! `timeout`. Cases listed in the known-divergences file for the engine
//! pair are `known` (with the reason) when they do not pass, and `fixed`
//! when they do: the list only shrinks, so a fixed case fails the run until
//! it is removed from the list. Exit status 0 only if every case is `same`
//! or `known`.
//!
//! Fault injection (for the tests of this isolation; never set it in CI):
//! the worker reads `TCPDIFF_FAULT=KIND:SUBSTR[;KIND:SUBSTR...]` and, for a
//! case whose name contains SUBSTR, before running it:
//! `lwip-assert` makes lwIP's `LWIP_ASSERT` fire inside the shim (through
//! `lwip_c::Stack::debug_assert`, the shim's test hook) and reports it as
//! the engine would; `abort` aborts the process (SIGABRT, as an lwIP
//! assertion outside an entry point does); `panic` panics; `hang` sleeps
//! forever (the time limit ends it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::case;
use crate::engine::by_name;
use crate::replay;
use crate::report::CaseResult;
use crate::runner::Verdict;

/// The hidden worker subcommand.
pub const WORKER_SUBCOMMAND: &str = "__worker";
/// The fault-injection variable (see the module docs).
pub const FAULT_ENV: &str = "TCPDIFF_FAULT";
/// Default paths, relative to the working directory.
pub const DEFAULT_PATHS: &[&str] = &["corpus/scripts", "traces"];
/// Default known-divergences list.
pub const DEFAULT_KNOWN: &str = "corpus/known-divergences.toml";

/// The engines regress compares by default: C against the Rust port when
/// this build has it, else C against itself.
pub fn default_engines() -> &'static str {
    if crate::engine::ENGINE_NAMES.contains(&"rust") {
        "c,rust"
    } else {
        "c,c"
    }
}

/// What a case file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A packetdrill-dialect script.
    Script,
    /// A pcap or pcapng capture (replayed).
    Capture,
}

/// One case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// Its name: the path as found.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Script or capture.
    pub kind: Kind,
}

/// Kind of a file, by extension.
pub fn kind_of(p: &Path) -> Option<Kind> {
    match p.extension()?.to_str()? {
        "pkt" => Some(Kind::Script),
        "pcap" | "pcapng" => Some(Kind::Capture),
        _ => None,
    }
}

/// Every case under `paths` (files are taken whatever their extension
/// if named directly and recognised; directories are searched
/// recursively), sorted
/// by name, without duplicates.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Case>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else if kind_of(&p).is_some() {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files).map_err(|e| format!("{}: {e}", p.display()))?;
        } else if p.is_file() {
            if kind_of(p).is_none() {
                return Err(format!(
                    "{}: not a case (expected .pkt, .pcap or .pcapng)",
                    p.display()
                ));
            }
            files.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    let cwd = std::env::current_dir().ok();
    let mut cases: Vec<Case> = files
        .into_iter()
        .filter_map(|p| {
            Some(Case {
                name: case_name(&p, cwd.as_deref()),
                kind: kind_of(&p)?,
                path: p,
            })
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases.dedup_by(|a, b| a.name == b.name);
    Ok(cases)
}

/// A case's name: its path relative to `cwd` when under it, without a
/// leading `./` (the known list and JUnit use these names).
pub fn case_name(p: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd
        .filter(|_| p.is_absolute())
        .and_then(|c| p.strip_prefix(c).ok())
        .unwrap_or(p);
    let rel = rel.strip_prefix(".").unwrap_or(rel);
    rel.display().to_string()
}

/// `--shard i/n` (1-based): which of n shards this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1..=n.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard: expected i/n with 1 <= i <= n (e.g. 1/4), got '{s}'");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The cases of one shard: case k (in sorted order) goes to shard
/// `k mod n + 1`, so shards differ in size by at most one and every case
/// is in exactly one.
pub fn shard(cases: Vec<Case>, s: Shard) -> Vec<Case> {
    cases
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % s.count + 1 == s.index)
        .map(|(_, c)| c)
        .collect()
}

/// The known-divergences list: per engine pair ("c,rust"), case name ->
/// reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct KnownList(pub BTreeMap<String, BTreeMap<String, String>>);

impl KnownList {
    /// Reads a list (TOML: a table per engine pair, `"case" = "reason"`).
    pub fn load(path: &Path) -> Result<KnownList, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the TOML text.
    pub fn parse(text: &str) -> Result<KnownList, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The reason `case` is expected to diverge on `engines` ("a,b").
    pub fn reason(&self, engines: &str, case: &str) -> Option<&str> {
        self.0.get(engines)?.get(case).map(String::as_str)
    }
}

/// What happened to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The engines agree and every expectation held.
    Same,
    /// The engines differ.
    Diverged,
    /// An expectation (`>` line, call result) did not hold.
    Failed,
    /// Bad input, or a stimulus both engines refused.
    Error,
    /// An engine or the worker crashed (lwIP assertion, panic, signal).
    Crash,
    /// The case ran out of time.
    Timeout,
    /// Listed as a known divergence and did not pass.
    Known,
    /// Listed as a known divergence but passed: remove it from the list.
    Fixed,
    /// Run differential-only (on a profile the script's expectations do
    /// not state), both engines stopped at the same step on the same lwIP
    /// assertion: they agree, and lwIP cannot go on.
    Stopped,
    /// Not run on these engines, for the reason given: a script tied to
    /// IPv4 (an address it states) on an IPv6-only build.
    Skipped,
}

impl Outcome {
    /// The word in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Same => "same",
            Outcome::Diverged => "diverged",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Crash => "crash",
            Outcome::Timeout => "timeout",
            Outcome::Known => "known",
            Outcome::Fixed => "fixed",
            Outcome::Stopped => "stopped",
            Outcome::Skipped => "skipped",
        }
    }

    /// Whether the run may still succeed with this outcome.
    pub fn ok(self) -> bool {
        matches!(
            self,
            Outcome::Same | Outcome::Known | Outcome::Stopped | Outcome::Skipped
        )
    }
}

/// One case's result (also what a worker prints, as one JSON line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// Case name.
    pub name: String,
    /// Script or capture.
    pub kind: Kind,
    /// Final outcome (after the known list).
    pub outcome: Outcome,
    /// What the run itself gave (before the known list).
    pub raw: Outcome,
    /// First divergence (or crash): step index.
    pub step: Option<usize>,
    /// Its script line.
    pub line: Option<u32>,
    /// Its script text.
    pub source: Option<String>,
    /// The oracle that saw the divergence.
    pub oracle: Option<String>,
    /// The fields that differ.
    pub fields: Vec<String>,
    /// A message (error, crash, failed expectation, divergence values).
    pub message: Option<String>,
    /// Reason from the known list.
    pub known: Option<String>,
    /// Steps in the scenario.
    pub steps: usize,
    /// Wall time (ms).
    pub millis: u64,
    /// The lwipopts profile both engines ran (`full` unless `regress
    /// --profiles`).
    #[serde(default = "full_profile")]
    pub profile: String,
    /// Whether the case's expectations were checked: false when the
    /// script does not state this profile (`--profiles=`), and the case
    /// ran differential-only.
    #[serde(default = "yes")]
    pub checked: bool,
}

fn full_profile() -> String {
    FULL.to_string()
}

fn yes() -> bool {
    true
}

/// The profile of the engines `c` and `rust`.
pub const FULL: &str = "full";

impl CaseSummary {
    fn new(case: &Case, raw: Outcome) -> CaseSummary {
        CaseSummary {
            name: case.name.clone(),
            kind: case.kind,
            outcome: raw,
            raw,
            profile: full_profile(),
            checked: true,
            step: None,
            line: None,
            source: None,
            oracle: None,
            fields: vec![],
            message: None,
            known: None,
            steps: 0,
            millis: 0,
        }
    }

    fn with_message(mut self, m: impl Into<String>) -> CaseSummary {
        self.message = Some(m.into());
        self
    }

    /// "step 12, line 34, oracle Segments (seq, len)" or the message.
    pub fn detail(&self) -> String {
        let mut s = String::new();
        if let Some(st) = self.step {
            let _ = write!(s, "step {st}");
            if let Some(l) = self.line {
                let _ = write!(s, ", line {l}");
            }
        }
        if let Some(o) = &self.oracle {
            if !s.is_empty() {
                s.push_str(", ");
            }
            let _ = write!(s, "oracle {o}");
            if !self.fields.is_empty() {
                let _ = write!(s, " ({})", self.fields.join(", "));
            }
        }
        if let Some(m) = &self.message {
            if !s.is_empty() {
                s.push_str(": ");
            }
            s.push_str(m);
        }
        if let Some(k) = &self.known {
            if !s.is_empty() {
                s.push(' ');
            }
            match self.outcome {
                Outcome::Fixed => {
                    let _ = write!(s, "[fixed, remove from the known list: {k}]");
                }
                _ => {
                    let _ = write!(s, "[known: {k}]");
                }
            }
        }
        s
    }
}

/// Classifies a finished run. The engines' profile
/// ([`crate::engine::profile_of`]) is the case's: its expectations count
/// only there if the script states it (`--profiles=`; `full` by default;
/// the run left out the other failures), elsewhere the case is
/// differential-only.
pub fn summarize(case: &Case, r: &CaseResult) -> CaseSummary {
    let mut s = CaseSummary::new(case, Outcome::Same);
    s.steps = r.steps;
    let profile = crate::engine::profile_of(&r.engines.0);
    s.profile = profile.to_string();
    s.checked = r
        .traces
        .as_ref()
        .is_none_or(|(sc, _, _)| sc.states_profile(profile));
    if let Some(e) = &r.input_error {
        s.raw = Outcome::Error;
        s.message = Some(e.clone());
    } else if let Some(why) = &r.skipped {
        s.raw = Outcome::Skipped;
        s.message = Some(why.clone());
    } else if let Some((step, m)) = case::engine_failure(r) {
        s.raw = if !s.checked && stopped_alike(r) {
            Outcome::Stopped
        } else {
            Outcome::Crash
        };
        s.step = step;
        s.message = Some(m);
    } else {
        match &r.verdict {
            Some(Verdict::Poisoned(m)) => {
                s.raw = Outcome::Error;
                s.message = Some(format!("stimulus refused by both engines: {m}"));
            }
            Some(Verdict::Diverged(d)) => {
                s.raw = Outcome::Diverged;
                s.step = d.step;
                s.line = Some(d.line);
                s.source = Some(d.source.clone());
                s.oracle = Some(format!("{:?}", d.difference.oracle));
                s.fields = d.difference.fields.clone();
                s.message = Some(format!(
                    "{}: {} | {}: {}",
                    r.engines.0, d.difference.a, r.engines.1, d.difference.b
                ));
            }
            _ if !r.failures.is_empty() => {
                let f = &r.failures[0];
                s.raw = Outcome::Failed;
                s.step = Some(f.step);
                s.line = Some(f.line);
                s.message = Some(format!(
                    "[{}] {}{}",
                    f.engine,
                    f.message,
                    if r.failures.len() > 1 {
                        format!(" (+{} more)", r.failures.len() - 1)
                    } else {
                        String::new()
                    }
                ));
            }
            None => {
                s.raw = Outcome::Error;
                s.message = Some("no verdict".into());
            }
            _ => {}
        }
    }
    s.outcome = s.raw;
    if let (Some(st), Some((sc, _, _))) = (s.step, &r.traces)
        && s.line.is_none()
        && let Some(step) = sc.steps.get(st)
    {
        s.line = Some(step.line);
        s.source = Some(step.source.clone());
    }
    s
}

/// Whether both engines stopped at the same step with the same error
/// (an lwIP assertion the port checks as lwIP does).
fn stopped_alike(r: &CaseResult) -> bool {
    let Some((_, ta, tb)) = &r.traces else {
        return false;
    };
    match (ta.first_error(), tb.first_error()) {
        (Some(a), Some(b)) => a == b && a.1.is_crash(),
        _ => false,
    }
}

/// The engine `name` with lwipopts profile `profile`: `c` and `rust`
/// become `c:PROFILE` and `rust:PROFILE`, `c@DIR` and `lib:PATH` become
/// `c@DIR:PROFILE` and `lib:PATH:PROFILE` (`full` leaves every name as
/// it is); an engine naming a profile of its own, or `rust-ffi` (built
/// for `full` only), is an error for another profile.
pub fn profiled_engine(name: &str, profile: &str) -> Result<String, String> {
    let (base, fault) = match name.split_once('+') {
        Some((n, f)) => (n, Some(f)),
        None => (name, None),
    };
    let with = |n: String| match fault {
        Some(f) => format!("{n}+{f}"),
        None => n,
    };
    match base {
        _ if profile == FULL => Ok(name.to_string()),
        "c" | "lwip" | "lwip-c" => Ok(with(format!("c:{profile}"))),
        "rust" | "tcp-rust" => Ok(with(format!("rust:{profile}"))),
        _ if crate::engine::profile_of(base) != FULL
            || base.starts_with("c:")
            || base.starts_with("rust:") =>
        {
            Err(format!(
                "engine {base} names its profile: name it without one with --profiles"
            ))
        }
        _ if base.starts_with("c@") || base.starts_with("lib:") => {
            Ok(with(format!("{base}:{profile}")))
        }
        _ => Err(format!(
            "engine {base} is built for the full profile only (--profiles takes c, rust, c@DIR and lib:PATH)"
        )),
    }
}

/// Runs one case in this process (what a worker does).
pub fn run_in_process(case: &Case, engines: (&str, &str)) -> CaseSummary {
    let start = Instant::now();
    let (mut a, mut b) = match (by_name(engines.0), by_name(engines.1)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            return CaseSummary::new(case, Outcome::Error).with_message(e);
        }
    };
    let result = match case.kind {
        Kind::Script => match std::fs::read_to_string(&case.path) {
            Ok(text) => {
                let defines = defines_from_env();
                case::run_text_with_defines(&case.name, &text, &defines, a.as_mut(), b.as_mut())
                    .result
            }
            Err(e) => {
                return CaseSummary::new(case, Outcome::Error)
                    .with_message(format!("{}: {e}", case.name));
            }
        },
        Kind::Capture => {
            let rp = replay::from_file(&case.path, replay::ReplayOptions::default())
                .and_then(|rp| rp.scenario().map(|x| (rp, x)));
            match rp {
                Ok((rp, (sc, warnings))) => {
                    case::run_scenario(&rp.name(), &sc, warnings, true, a.as_mut(), b.as_mut())
                        .result
                }
                Err(e) => {
                    return CaseSummary::new(case, Outcome::Error).with_message(e.to_string());
                }
            }
        }
    };
    let mut s = summarize(case, &result);
    s.millis = start.elapsed().as_millis() as u64;
    s
}

/// The environment variable that carries `regress -D NAME=VALUE` to the
/// workers: one definition a line.
pub const DEFINES_ENV: &str = "TCPDIFF_DEFINES";

/// The definitions [`DEFINES_ENV`] carries.
fn defines_from_env() -> Vec<(String, String)> {
    std::env::var(DEFINES_ENV)
        .unwrap_or_default()
        .lines()
        .filter_map(crate::script::split_define)
        .collect()
}

/// The fault `TCPDIFF_FAULT` asks for this case, if any.
pub fn fault_for(spec: &str, case: &str) -> Option<String> {
    spec.split(';').find_map(|item| {
        let (kind, sub) = item.split_once(':')?;
        (!sub.is_empty() && case.contains(sub)).then(|| kind.trim().to_string())
    })
}

/// The worker: applies an injected fault if asked, runs the case, and
/// prints its summary as one JSON line.
pub fn worker_main(case: &Case, engines: (&str, &str)) -> i32 {
    crate::case::translate_to_ipv6(std::env::var_os(crate::case::IPV6_ENV).is_some());
    if let Ok(spec) = std::env::var(FAULT_ENV)
        && let Some(kind) = fault_for(&spec, &case.name)
    {
        match kind.as_str() {
            "lwip-assert" => {
                let mut stack = match lwip_c::Stack::new(lwip_c::StackConfig::default()) {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("tcpdiff worker: {e}");
                        return 3;
                    }
                };
                if let Err(e) = stack.debug_assert() {
                    // Reported as the engines report an assertion.
                    let crashed = crate::engine::EngineError::Crashed(e.to_string());
                    let s = CaseSummary::new(case, Outcome::Crash)
                        .with_message(format!("[{}] {crashed}", engines.0));
                    println!("{}", serde_json::to_string(&s).unwrap_or_default());
                    return 0;
                }
            }
            "abort" => std::process::abort(),
            "panic" => panic!("tcpdiff: deliberate panic ({FAULT_ENV})"),
            "hang" => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            other => eprintln!("tcpdiff worker: unknown fault '{other}' ignored"),
        }
    }
    let s = run_in_process(case, engines);
    println!("{}", serde_json::to_string(&s).unwrap_or_default());
    0
}

/// How to run a set of cases.
#[derive(Debug, Clone)]
pub struct Config {
    /// The tcpdiff binary to re-invoke as worker.
    pub exe: PathBuf,
    /// Engine names A, B (with their profile: see [`profiled_engine`]).
    pub engines: (String, String),
    /// Workers at a time.
    pub jobs: usize,
    /// Time limit per case.
    pub timeout: Duration,
    /// Known divergences.
    pub known: KnownList,
    /// Show a progress bar (stderr).
    pub progress: bool,
    /// Environment for the workers: where the engines' builds are
    /// ([`crate::engine::builds::prepare`]).
    pub worker_env: Vec<(&'static str, PathBuf)>,
}

/// What a dead worker's stderr says: the panic message if it panicked,
/// else its last lines.
fn tail(bytes: &[u8], lines: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = s.lines().collect();
    if let Some(i) = all.iter().position(|l| l.contains("panicked at")) {
        let end = (i + 2).min(all.len());
        return all[i..end].join(" ");
    }
    let v: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    v[v.len().saturating_sub(lines)..].join(" | ")
}

fn describe_exit(st: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = st.signal() {
            let name = match sig {
                6 => "SIGABRT",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                7 => "SIGBUS",
                8 => "SIGFPE",
                4 => "SIGILL",
                _ => "signal",
            };
            return format!("worker killed by {name} ({sig})");
        }
    }
    match st.code() {
        Some(101) => "worker panicked (exit 101)".to_string(),
        Some(c) => format!("worker exited with status {c}"),
        None => "worker ended abnormally".to_string(),
    }
}

/// Runs one case in a worker process, within the time limit.
pub fn run_worker(cfg: &Config, case: &Case) -> CaseSummary {
    let start = Instant::now();
    let kind = match case.kind {
        Kind::Script => "script",
        Kind::Capture => "capture",
    };
    let child = Command::new(&cfg.exe)
        .arg(WORKER_SUBCOMMAND)
        .arg("--engines")
        .arg(format!("{},{}", cfg.engines.0, cfg.engines.1))
        .arg("--kind")
        .arg(kind)
        .arg("--name")
        .arg(&case.name)
        .arg(&case.path)
        .envs(cfg.worker_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return CaseSummary::new(case, Outcome::Error)
                .with_message(format!("cannot start worker {}: {e}", cfg.exe.display()));
        }
    };
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut v);
        }
        v
    });
    let deadline = start + cfg.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if Instant::now() >= deadline => {
                // Only the worker this function started is ended.
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let millis = start.elapsed().as_millis() as u64;
    let mut s = match status {
        None => CaseSummary::new(case, Outcome::Timeout).with_message(format!(
            "no result after {} s (worker killed)",
            cfg.timeout.as_secs_f64()
        )),
        Some(st) => {
            let parsed = String::from_utf8_lossy(&stdout)
                .lines()
                .rev()
                .find_map(|l| serde_json::from_str::<CaseSummary>(l).ok());
            match parsed {
                Some(s) if st.success() => s,
                _ => {
                    let why = describe_exit(st);
                    let t = tail(&stderr, 3);
                    CaseSummary::new(case, Outcome::Crash).with_message(if t.is_empty() {
                        why
                    } else {
                        format!("{why}: {t}")
                    })
                }
            }
        }
    };
    s.millis = millis;
    s.profile = crate::engine::profile_of(&cfg.engines.0).to_string();
    s
}

/// Applies the known list to a summary.
pub fn apply_known(s: &mut CaseSummary, known: &KnownList, engines: &str) {
    if let Some(reason) = known.reason(engines, &s.name) {
        s.known = Some(reason.to_string());
        s.outcome = if s.raw == Outcome::Same {
            Outcome::Fixed
        } else {
            Outcome::Known
        };
    }
}

/// The whole run's result.
#[derive(Debug, Clone, Serialize)]
pub struct RegressReport {
    /// Engines compared (as named, before [`profiled_engine`]).
    pub engines: String,
    /// The profiles run, in order (`full` alone unless `--profiles`).
    pub profiles: Vec<String>,
    /// Per case, in case order.
    pub cases: Vec<CaseSummary>,
    /// Wall time (ms).
    pub millis: u64,
}

impl RegressReport {
    /// Count of an outcome.
    pub fn count(&self, o: Outcome) -> usize {
        self.cases.iter().filter(|c| c.outcome == o).count()
    }

    /// 0 if every case is same or known, else 1.
    pub fn exit_code(&self) -> i32 {
        if self.cases.iter().all(|c| c.outcome.ok()) {
            0
        } else {
            1
        }
    }

    /// One line: "45 cases: 44 same, 1 diverged, ...".
    pub fn summary_line(&self) -> String {
        let mut parts = Vec::new();
        for o in [
            Outcome::Same,
            Outcome::Known,
            Outcome::Fixed,
            Outcome::Stopped,
            Outcome::Skipped,
            Outcome::Diverged,
            Outcome::Failed,
            Outcome::Error,
            Outcome::Crash,
            Outcome::Timeout,
        ] {
            let n = self.count(o);
            if n > 0 || matches!(o, Outcome::Same | Outcome::Diverged) {
                parts.push(format!("{n} {}", o.as_str()));
            }
        }
        let on = if self.matrix() {
            format!("{} on profiles {}", self.engines, self.profiles.join(", "))
        } else {
            self.engines.clone()
        };
        format!(
            "{} case(s) on {}: {} ({:.1} s)",
            self.cases.len(),
            on,
            parts.join(", "),
            self.millis as f64 / 1000.0
        )
    }

    /// Whether the report covers more than one profile (names then carry
    /// their profile: `case [profile]`).
    pub fn matrix(&self) -> bool {
        self.profiles.len() > 1
    }

    /// The name a case has in this report: with its profile in a matrix.
    pub fn case_name(&self, c: &CaseSummary) -> String {
        if self.matrix() {
            format!("{} [{}]", c.name, c.profile)
        } else {
            c.name.clone()
        }
    }

    /// One report of the runs of several profiles, in order.
    pub fn merge(engines: &str, reports: Vec<RegressReport>) -> RegressReport {
        let mut out = RegressReport {
            engines: engines.to_string(),
            profiles: Vec::new(),
            cases: Vec::new(),
            millis: 0,
        };
        for r in reports {
            out.profiles.extend(r.profiles);
            out.cases.extend(r.cases);
            out.millis += r.millis;
        }
        out
    }

    /// Per profile, in a matrix: "profile: N same, ..." lines.
    pub fn profile_lines(&self) -> Vec<String> {
        self.profiles
            .iter()
            .map(|p| {
                let of: Vec<&CaseSummary> = self.cases.iter().filter(|c| &c.profile == p).collect();
                let n = |o: Outcome| of.iter().filter(|c| c.outcome == o).count();
                let unchecked = of.iter().filter(|c| !c.checked).count();
                format!(
                    "{p}: {} same, {} stopped alike, {} diverged, {} other; {} of {} differential-only",
                    n(Outcome::Same) + n(Outcome::Known),
                    n(Outcome::Stopped),
                    n(Outcome::Diverged),
                    of.iter().filter(|c| !c.outcome.ok() && c.outcome != Outcome::Diverged).count(),
                    unchecked,
                    of.len()
                )
            })
            .collect()
    }

    /// The summary table.
    pub fn table(&self) -> String {
        let w = self
            .cases
            .iter()
            .map(|c| self.case_name(c).len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<w$}  {:<8}  {:>7}  FIRST DIVERGENCE / DETAIL",
            "CASE", "RESULT", "TIME"
        );
        for c in &self.cases {
            let _ = writeln!(
                s,
                "{:<w$}  {:<8}  {:>6.2}s  {}",
                self.case_name(c),
                c.outcome.as_str(),
                c.millis as f64 / 1000.0,
                c.detail()
            );
        }
        if self.matrix() {
            for l in self.profile_lines() {
                let _ = writeln!(s, "{l}");
            }
        }
        let _ = writeln!(s, "{}", self.summary_line());
        s
    }

    /// JUnit XML (quick-junit): one test suite per profile, one test case
    /// per case (in a matrix named `case [profile]`, its class
    /// `tcpdiff.PROFILE.script`); known cases are skipped with the
    /// reason, everything not same is a failure (diverged, failed, fixed)
    /// or an error (error, crash, timeout). A case stopped alike passes
    /// with the assertion as its output.
    pub fn junit(&self) -> String {
        use quick_junit::{Report, TestSuite};
        let mut report = Report::new("tcpdiff regress");
        for p in &self.profiles {
            let suite_name = if self.matrix() {
                format!("tcpdiff regress {} [{p}]", self.engines)
            } else {
                format!("tcpdiff regress {}", self.engines)
            };
            let mut suite = TestSuite::new(suite_name);
            for c in self.cases.iter().filter(|c| &c.profile == p) {
                suite.add_test_case(self.junit_case(c));
            }
            report.add_test_suite(suite);
        }
        report
            .to_string()
            .unwrap_or_else(|e| format!("<!-- junit serialisation failed: {e} -->"))
    }

    fn junit_case(&self, c: &CaseSummary) -> quick_junit::TestCase {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus};
        {
            let status = match c.outcome {
                Outcome::Same => TestCaseStatus::success(),
                Outcome::Stopped => {
                    let mut st = TestCaseStatus::success();
                    st.set_message(format!("stopped alike: {}", c.detail()));
                    st
                }
                Outcome::Skipped => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(format!("not run: {}", c.detail()));
                    st
                }
                Outcome::Known => {
                    let mut st = TestCaseStatus::skipped();
                    st.set_message(format!(
                        "known divergence: {}",
                        c.known.clone().unwrap_or_default()
                    ));
                    st
                }
                o => {
                    let kind = match o {
                        Outcome::Error | Outcome::Crash | Outcome::Timeout => NonSuccessKind::Error,
                        _ => NonSuccessKind::Failure,
                    };
                    let mut st = TestCaseStatus::non_success(kind);
                    st.set_type(o.as_str());
                    st.set_message(format!("{}: {}", o.as_str(), c.detail()));
                    if let Some(src) = &c.source {
                        st.set_description(src.clone());
                    }
                    st
                }
            };
            let kind = match c.kind {
                Kind::Script => "script",
                Kind::Capture => "capture",
            };
            let mut tc = TestCase::new(self.case_name(c), status);
            tc.set_classname(if self.matrix() {
                format!("tcpdiff.{}.{kind}", c.profile)
            } else {
                format!("tcpdiff.{kind}")
            });
            tc.set_time(Duration::from_millis(c.millis));
            tc
        }
    }
}

/// Runs `cases` in worker processes, `cfg.jobs` at a time.
pub fn run(cfg: &Config, cases: &[Case]) -> RegressReport {
    use indicatif::{ProgressBar, ProgressStyle};
    let start = Instant::now();
    let engines = format!("{},{}", cfg.engines.0, cfg.engines.1);
    let pb = if cfg.progress {
        let pb = ProgressBar::new(cases.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
        {
            pb.set_style(style.progress_chars("=> "));
        }
        pb
    } else {
        ProgressBar::hidden()
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseSummary>>> = Mutex::new(vec![None; cases.len()]);
    let jobs = cfg.jobs.max(1).min(cases.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let mut s = run_worker(cfg, case);
                    apply_known(&mut s, &cfg.known, &engines);
                    if !s.outcome.ok() {
                        pb.println(format!("{}: {} {}", s.name, s.outcome.as_str(), s.detail()));
                    }
                    pb.set_message(case.name.clone());
                    pb.inc(1);
                    if let Ok(mut r) = results.lock()
                        && let Some(slot) = r.get_mut(i)
                    {
                        *slot = Some(s);
                    }
                }
            });
        }
    });
    pb.finish_and_clear();
    let cases_out = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .zip(cases)
        .map(|(s, c)| {
            s.unwrap_or_else(|| {
                CaseSummary::new(c, Outcome::Error).with_message("case was not run")
            })
        })
        .collect();
    RegressReport {
        engines,
        profiles: vec![crate::engine::profile_of(&cfg.engines.0).to_string()],
        cases: cases_out,
        millis: start.elapsed().as_millis() as u64,
    }
}
