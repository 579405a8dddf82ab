//! Fuzz cases and how they run: a [`FuzzCase`] is a list of steps, each a
//! model action (an API call, a symbolic inbound segment, a wait) or a raw
//! IPv4 or IPv6 packet injected as it is. [`check`] runs a case on each engine of
//! a set (each from a fresh reset), compares the traces with every oracle
//! ([`crate::runner::compare`]) and turns what went wrong into a
//! [`Finding`]: a divergence, an engine crash (an lwIP assertion), a panic
//! in an engine, or a leak at teardown.
//!
//! A case runs through the runner's own step loop
//! ([`crate::runner::run_engine_recording`]: the same resolution of
//! symbolic segments, the same observation per step), so a case with no
//! raw packets behaves as the script [`super::toscript`] prints for it.
//! Nothing is expected of a fuzz case: outbound packets are not checked
//! (`unchecked_outbound`), an expectation step waits, and a call's
//! expected result from a seed script is not a failure here.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::engine::{Engine, OutPacket};
use crate::model::{Action, Scenario, ScenarioConfig, Step};
use crate::oracle::segments::describe;
use crate::report::CaseResult;
use crate::runner::{Divergence, FlowIsn, Trace, Verdict, compare};
use crate::wire::Segment;

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Stim {
    /// A model action (call, symbolic segment, wait).
    Model(Action),
    /// A raw IPv4 or IPv6 packet, injected byte for byte.
    Raw(Vec<u8>),
}

/// One step of a fuzz case.
#[derive(Debug, Clone, PartialEq)]
pub struct FStep {
    /// Virtual time (µs since the start).
    pub at_us: u64,
    /// What happens.
    pub stim: Stim,
}

/// A fuzz case: configuration and steps.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzCase {
    /// Name for reports.
    pub name: String,
    /// Addresses, MTU, seed.
    pub config: ScenarioConfig,
    /// The steps, in time order.
    pub steps: Vec<FStep>,
}

impl FuzzCase {
    /// The case of a scenario (expectation steps are dropped: a fuzz case
    /// is stimulus only).
    pub fn from_scenario(sc: &Scenario) -> FuzzCase {
        FuzzCase {
            name: sc.name.clone(),
            config: sc.config,
            steps: sc
                .steps
                .iter()
                .filter(|s| !matches!(s.action, Action::Expect(_)))
                .map(|s| FStep {
                    at_us: s.at_us,
                    stim: Stim::Model(s.action.clone()),
                })
                .collect(),
        }
    }

    /// Whether every step is a model step (the case can be a script).
    pub fn is_scripted(&self) -> bool {
        self.steps.iter().all(|s| matches!(s.stim, Stim::Model(_)))
    }

    /// The case as a scenario: one step per case step (its line is its
    /// index plus one, its source [`step_source`]), raw packets as
    /// `InboundRaw`. What the reports show and what [`run_engine`] runs.
    pub fn view(&self) -> Scenario {
        Scenario {
            name: self.name.clone(),
            config: self.config,
            steps: self
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| Step {
                    at_us: s.at_us,
                    line: i as u32 + 1,
                    source: step_source(s),
                    action: match &s.stim {
                        Stim::Model(a) => a.clone(),
                        Stim::Raw(p) => Action::InboundRaw(p.clone()),
                    },
                })
                .collect(),
            profiles: Vec::new(),
        }
    }
}

/// A one-line description of a step, for reports.
pub fn step_source(s: &FStep) -> String {
    let t = crate::script::format_secs(s.at_us as i64);
    match &s.stim {
        Stim::Model(a) => format!("{t} {}", super::toscript::action_text(a)),
        Stim::Raw(p) => {
            let pkt = OutPacket {
                time_us: s.at_us,
                bytes: p.clone(),
            };
            match Segment::decode(p) {
                Some(_) => format!("{t} < raw {}", describe(&pkt)),
                None => format!("{t} < raw {} bytes (not IPv4/TCP)", p.len()),
            }
        }
    }
}

/// What the engine's side of the connection to the peer looked like
/// before a step (the runner's [`FlowIsn`]).
pub type FlowInfo = FlowIsn;

/// One engine's run, with what the driver learned on the way.
#[derive(Debug, Clone)]
pub struct Run {
    /// The trace (as the runner makes it).
    pub trace: Trace,
    /// The engine's flow before each step's action.
    pub flows: Vec<FlowInfo>,
    /// Per step: how many of its packets were sent while time advanced to
    /// the step (the rest answered the step's action).
    pub advance_packets: Vec<usize>,
}

/// Runs one engine through a case, from a reset to the teardown, in the
/// runner's step loop; only what the engines did counts (see the module).
pub fn run_engine(engine: &mut dyn Engine, case: &FuzzCase) -> Run {
    let mut sc = case.view();
    sc.config.unchecked_outbound = true;
    for s in &mut sc.steps {
        if matches!(s.action, Action::Expect(_)) {
            s.action = Action::Wait;
        }
    }
    let (mut trace, rec) = crate::runner::run_engine_recording(engine, &sc);
    trace.failures.clear();
    Run {
        trace,
        flows: rec.flows,
        advance_packets: rec.advance_packets,
    }
}

/// What went wrong.
#[derive(Debug, Clone)]
pub enum Finding {
    /// The engines disagree.
    Diverged(Box<Divergence>),
    /// An engine failed (an lwIP assertion, a port error).
    Crashed {
        /// Engine.
        engine: String,
        /// Step (None: reset or teardown).
        step: Option<usize>,
        /// Message.
        message: String,
    },
    /// An engine panicked.
    Panicked {
        /// Engine.
        engine: String,
        /// Panic message.
        message: String,
    },
    /// Resources still in use after teardown.
    Leaked {
        /// Engine.
        engine: String,
        /// What and how many.
        in_use: Vec<(&'static str, u64)>,
    },
}

impl Finding {
    /// What kind of finding it is, and which oracle or engine: two findings
    /// with the same signature are "the same bug" for minimization.
    pub fn signature(&self) -> String {
        match self {
            Finding::Diverged(d) => format!("diverged:{:?}", d.difference.oracle),
            Finding::Crashed { engine, .. } => format!("crashed:{engine}"),
            Finding::Panicked { engine, .. } => format!("panicked:{engine}"),
            Finding::Leaked { engine, .. } => format!("leaked:{engine}"),
        }
    }

    /// One paragraph for people.
    pub fn describe(&self) -> String {
        match self {
            Finding::Diverged(d) => format!(
                "divergence ({:?} oracle) at step {}: {}: {} vs {}",
                d.difference.oracle,
                d.step.map_or("teardown".to_string(), |s| s.to_string()),
                d.difference.fields.join(", "),
                d.difference.a,
                d.difference.b
            ),
            Finding::Crashed {
                engine,
                step,
                message,
            } => format!(
                "engine {engine} crashed at {}: {message}",
                step.map_or("teardown".to_string(), |s| format!("step {s}"))
            ),
            Finding::Panicked { engine, message } => {
                format!("engine {engine} panicked: {message}")
            }
            Finding::Leaked { engine, in_use } => format!(
                "engine {engine} leaked at teardown: {}",
                in_use
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The result of checking a case.
#[derive(Debug, Clone)]
pub struct Checked {
    /// For reports (`report::text`): verdict and traces when two engines ran.
    pub result: CaseResult,
    /// What went wrong, if anything.
    pub finding: Option<Finding>,
    /// Each engine's run (None if it panicked).
    pub runs: Vec<Option<Run>>,
}

impl Checked {
    /// Whether the stimulus was refused alike (an invalid case, not a bug).
    pub fn poisoned(&self) -> bool {
        matches!(self.result.verdict, Some(Verdict::Poisoned(_)))
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Runs `case` on every engine (each from a fresh reset), compares the
/// first two, and reports the first thing that went wrong: a panic, a
/// crash, a divergence, a leak (in that order). With `catch_panics`
/// false a panic propagates (what libFuzzer wants).
pub fn check(case: &FuzzCase, engines: &mut [Box<dyn Engine>], catch_panics: bool) -> Checked {
    let names: Vec<String> = engines.iter().map(|e| e.name().to_string()).collect();
    let prepared = match for_engines(case, &names) {
        Ok(c) => c,
        Err(why) => {
            return Checked {
                result: CaseResult {
                    name: case.name.clone(),
                    engines: pair(&names),
                    verdict: None,
                    failures: vec![],
                    warnings: vec![],
                    input_error: None,
                    skipped: Some(why),
                    steps: case.steps.len(),
                    traces: None,
                },
                finding: None,
                runs: vec![],
            };
        }
    };
    let case = prepared.as_ref();
    let view = case.view();
    let mut runs = Vec::new();
    let mut finding = None;
    for e in engines.iter_mut() {
        let run = if catch_panics {
            match catch_unwind(AssertUnwindSafe(|| run_engine(e.as_mut(), case))) {
                Ok(r) => Some(r),
                Err(p) => {
                    finding.get_or_insert(Finding::Panicked {
                        engine: e.name().to_string(),
                        message: panic_message(p.as_ref()),
                    });
                    None
                }
            }
        } else {
            Some(run_engine(e.as_mut(), case))
        };
        runs.push(run);
    }
    if finding.is_none() {
        for run in runs.iter().flatten() {
            let t = &run.trace;
            if let Some((step, e)) = t.first_crash() {
                finding = Some(Finding::Crashed {
                    engine: t.engine.clone(),
                    step,
                    message: e.to_string(),
                });
                break;
            }
        }
    }
    let mut result = CaseResult {
        name: case.name.clone(),
        engines: pair(&names),
        verdict: None,
        failures: vec![],
        warnings: vec![],
        input_error: None,
        skipped: None,
        steps: view.steps.len(),
        traces: None,
    };
    if let (Some(Some(a)), Some(Some(b))) = (runs.first(), runs.get(1)) {
        let v = compare(&view, &a.trace, &b.trace);
        if finding.is_none()
            && let Verdict::Diverged(d) = &v
        {
            finding = Some(Finding::Diverged(d.clone()));
        }
        result.verdict = Some(v);
        result.traces = Some((view, a.trace.clone(), b.trace.clone()));
    }
    if finding.is_none() {
        for run in runs.iter().flatten() {
            if let Some(l) = &run.trace.leaks
                && !l.in_use.is_empty()
            {
                finding = Some(Finding::Leaked {
                    engine: run.trace.engine.clone(),
                    in_use: l.in_use.clone(),
                });
                break;
            }
        }
    }
    Checked {
        result,
        finding,
        runs,
    }
}

/// The two engine names a result shows (one engine: twice).
fn pair(names: &[String]) -> (String, String) {
    (
        names.first().cloned().unwrap_or_default(),
        names.get(1).or(names.first()).cloned().unwrap_or_default(),
    )
}

/// The case as the engines `names` run it, as [`crate::case::for_engines`]
/// decides for a script: an IPv6 case runs only where every engine has
/// IPv6 (Err: why not; the case is skipped, never a finding); an IPv4 case
/// runs as it is, or translated to IPv6 where every engine is IPv6-only
/// (Err where it cannot be: a raw IPv4 packet). Steps stay one for one.
pub fn for_engines<'a>(
    case: &'a FuzzCase,
    names: &[String],
) -> Result<std::borrow::Cow<'a, FuzzCase>, String> {
    use std::borrow::Cow;
    if names.is_empty() {
        return Ok(Cow::Borrowed(case));
    }
    let sc = crate::case::for_engines(case.view(), &pair(names), false)?;
    if sc.config == case.config {
        return Ok(Cow::Borrowed(case));
    }
    Ok(Cow::Owned(FuzzCase {
        name: case.name.clone(),
        config: sc.config,
        steps: case
            .steps
            .iter()
            .zip(sc.steps)
            .map(|(orig, s)| FStep {
                at_us: s.at_us,
                stim: match (&orig.stim, s.action) {
                    (Stim::Raw(p), _) => Stim::Raw(p.clone()),
                    (Stim::Model(_), a) => Stim::Model(a),
                },
            })
            .collect(),
    }))
}

/// Whether every engine of `names` has IPv6 (its profile is one of
/// [`crate::engine::profiles::WITH_IPV6`]): where the IPv6 framings run.
pub fn all_have_ipv6(names: &[String]) -> bool {
    !names.is_empty()
        && names
            .iter()
            .all(|n| crate::engine::profiles::WITH_IPV6.contains(&crate::engine::profile_of(n)))
}

/// Engines by name, comma-separated (`c,rust`, `c`, `rust`), each
/// optionally planted with a fault (`rust+window`, see
/// [`crate::engine::plant`]).
pub fn engines_named(list: &str) -> Result<Vec<Box<dyn Engine>>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::engine::by_name)
        .collect()
}

/// The environment variable choosing the fuzz targets' engines.
pub const ENGINES_ENV: &str = "TCPDIFF_FUZZ_ENGINES";

/// The IPv4 targets' engines when [`ENGINES_ENV`] is not set.
pub const DEFAULT_ENGINES: &str = "c,rust";
/// The IPv6 targets' (`tcp_input6`, `tcp_input6_timed`) engines when
/// [`ENGINES_ENV`] is not set: both stacks' dual-stack builds. Until the
/// port has one (`rust:dual`), set `TCPDIFF_FUZZ_ENGINES=c:dual,c:dual`.
pub const DEFAULT_ENGINES6: &str = "c:dual,rust:dual";

/// The engine list the fuzz targets use: `$TCPDIFF_FUZZ_ENGINES`, else
/// `default` ([`DEFAULT_ENGINES`] or [`DEFAULT_ENGINES6`]).
pub fn engine_spec_from_env(default: &str) -> String {
    std::env::var(ENGINES_ENV).unwrap_or_else(|_| default.into())
}

/// The engines of [`engine_spec_from_env`], or why not (an unknown
/// engine; for an IPv6 target, an engine without IPv6, on which every
/// input would be skipped).
pub fn engines_for_target(ipv6: bool) -> Result<Vec<Box<dyn Engine>>, String> {
    let spec = engine_spec_from_env(if ipv6 {
        DEFAULT_ENGINES6
    } else {
        DEFAULT_ENGINES
    });
    let hint = "(e.g. TCPDIFF_FUZZ_ENGINES=c:dual,c:dual, or c:ipv6,c:ipv6)";
    let engines = engines_named(&spec).map_err(|e| {
        if ipv6 {
            format!("{ENGINES_ENV}={spec}: {e}; the IPv6 targets need engines with IPv6 {hint}")
        } else {
            format!("{ENGINES_ENV}={spec}: {e}")
        }
    })?;
    if engines.is_empty() {
        return Err(format!("{ENGINES_ENV}={spec}: no engine named"));
    }
    let names: Vec<String> = engines.iter().map(|e| e.name().to_string()).collect();
    if ipv6 && !all_have_ipv6(&names) {
        return Err(format!(
            "{ENGINES_ENV}={spec}: the IPv6 targets need engines with IPv6 (profiles {}) {hint}; every input would be skipped",
            crate::engine::profiles::WITH_IPV6.join(", ")
        ));
    }
    Ok(engines)
}

/// The engines the fuzz targets use: `$TCPDIFF_FUZZ_ENGINES` (default
/// `c,rust`: differential). `c` alone fuzzes lwIP for crashes and leaks.
pub fn engines_from_env() -> Vec<Box<dyn Engine>> {
    engines_for_target(false).unwrap_or_else(|e| panic!("{e}"))
}
