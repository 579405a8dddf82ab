//! Running one case (a script text, or a scenario from a replay) on two
//! engines while recording, per engine, every packet in and out in the
//! order the engine saw them: what `--pcap-out` writes and what the
//! replay tests compare.
//!
//! [`run_text`] gives the same [`CaseResult`] as
//! [`crate::report::run_script`] (same parse, mapping, runs and
//! comparison), with two additions: the recording, and the script option
//! `--unchecked_outbound` (written by `pcap2script`): a script with it has
//! no `>` lines, so "unexpected outbound packet" failures are dropped and
//! only the differential verdict (and call results) count.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources,
};
use crate::from_script::to_scenario;
use crate::model::{ApiCall, Scenario, ScenarioConfig};
use crate::replay::{UNCHECKED_OUTBOUND, is_replay_option_warning};
use crate::report::CaseResult;
use crate::runner::{Trace, Verdict, compare, run_engine};

/// Which way a recorded packet went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dir {
    /// Injected into the engine (the stimulus).
    In,
    /// Emitted by the engine.
    Out,
}

/// One packet an engine received or sent, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// Step index (the step whose time advance or action it belongs to).
    pub step: usize,
    /// Virtual time (µs).
    pub time_us: u64,
    /// Direction.
    pub dir: Dir,
    /// The IPv4 packet.
    pub bytes: Vec<u8>,
}

/// Wraps an engine and records its packets (the calls pass through).
pub struct Recorder<'a> {
    inner: &'a mut dyn Engine,
    /// The current step.
    step: usize,
    now_us: u64,
    /// Everything in and out so far.
    pub log: Vec<Recorded>,
}

impl<'a> Recorder<'a> {
    /// Records `inner`'s traffic.
    pub fn new(inner: &'a mut dyn Engine) -> Recorder<'a> {
        Recorder {
            inner,
            step: 0,
            now_us: 0,
            log: Vec::new(),
        }
    }
}

impl Engine for Recorder<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn reset(&mut self, config: &ScenarioConfig) -> Result<(), EngineError> {
        self.step = 0;
        self.now_us = 0;
        self.log.clear();
        self.inner.reset(config)
    }
    fn advance_to(&mut self, t_us: u64) -> Result<(), EngineError> {
        self.now_us = self.now_us.max(t_us);
        self.inner.advance_to(t_us)
    }
    fn inbound(&mut self, packet: &[u8]) -> Result<(), EngineError> {
        self.log.push(Recorded {
            step: self.step,
            time_us: self.now_us,
            dir: Dir::In,
            bytes: packet.to_vec(),
        });
        self.inner.inbound(packet)
    }
    fn call(&mut self, call: &ApiCall) -> Result<CallOutcome, EngineError> {
        self.inner.call(call)
    }
    fn take_packets(&mut self) -> Vec<OutPacket> {
        let pk = self.inner.take_packets();
        let step = self.step;
        self.log.extend(pk.iter().map(|p| Recorded {
            step,
            time_us: p.time_us,
            dir: Dir::Out,
            bytes: p.bytes.clone(),
        }));
        pk
    }
    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        self.inner.take_callbacks()
    }
    /// The runner takes the snapshots once, at the end of every step: the
    /// step boundary (time may advance several times within a step).
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        self.step += 1;
        self.inner.snapshots()
    }
    fn resources(&mut self) -> Observed<Resources> {
        self.inner.resources()
    }
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        self.inner.teardown()
    }
}

/// A case's result with both engines' recorded traffic.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// The result, as `run_script` gives it.
    pub result: CaseResult,
    /// Engine A's packets in and out, in order.
    pub log_a: Vec<Recorded>,
    /// Engine B's.
    pub log_b: Vec<Recorded>,
}

impl CaseRun {
    /// The stimulus engine A received (inbound packet bytes, in order).
    pub fn stimulus(&self) -> Vec<&[u8]> {
        self.log_a
            .iter()
            .filter(|r| r.dir == Dir::In)
            .map(|r| r.bytes.as_slice())
            .collect()
    }
}

fn empty(name: &str, a: &dyn Engine, b: &dyn Engine) -> CaseResult {
    CaseResult {
        name: name.to_string(),
        engines: (a.name().to_string(), b.name().to_string()),
        verdict: None,
        failures: vec![],
        warnings: vec![],
        input_error: None,
        skipped: None,
        steps: 0,
        traces: None,
    }
}

/// `run --ipv6` / `regress --ipv6`: every IPv4 script runs translated to
/// IPv6 (as it always does on IPv6-only builds), on engines with IPv6.
static TRANSLATE_TO_IPV6: AtomicBool = AtomicBool::new(false);

/// The environment variable that carries `regress --ipv6` to its workers.
pub const IPV6_ENV: &str = "TCPDIFF_IPV6";

/// Turns [`TRANSLATE_TO_IPV6`] on or off for this process (the CLI's
/// `--ipv6`; a regress worker when [`IPV6_ENV`] is set).
pub fn translate_to_ipv6(on: bool) {
    TRANSLATE_TO_IPV6.store(on, Ordering::Relaxed);
}

/// The scenario as `engines` run it: an IPv4 scenario on two IPv6-only
/// builds ([`crate::engine::profiles::IPV6_ONLY`]), or on any two engines
/// with `--ipv6` ([`translate_to_ipv6`]), is translated to IPv6
/// ([`Scenario::to_ipv6`]; a replay's addresses are incidental); an IPv6
/// scenario needs two builds with IPv6
/// ([`crate::engine::profiles::WITH_IPV6`]). Err says why not (the case
/// is then skipped, with that reason).
pub fn for_engines(
    sc: Scenario,
    engines: &(String, String),
    replay: bool,
) -> Result<Scenario, String> {
    let ipv6_only =
        |e: &str| crate::engine::profiles::IPV6_ONLY.contains(&crate::engine::profile_of(e));
    let with_ipv6 =
        |e: &str| crate::engine::profiles::WITH_IPV6.contains(&crate::engine::profile_of(e));
    if sc.config.is_ipv6() {
        if let Some(e) = [&engines.0, &engines.1].into_iter().find(|e| !with_ipv6(e)) {
            return Err(format!(
                "an IPv6 script: {e} has no IPv6 (profile {}; IPv6 runs on the profiles {})",
                crate::engine::profile_of(e),
                crate::engine::profiles::WITH_IPV6.join(", ")
            ));
        }
        // An IPv6 script that uses IPv4 too needs a dual-stack build.
        if let (Some(e), Some(why)) = (
            [&engines.0, &engines.1].into_iter().find(|e| ipv6_only(e)),
            sc.ipv4_use(),
        ) {
            return Err(format!(
                "an IPv6 script that uses IPv4 ({why}): {e} has no IPv4 (profile {})",
                crate::engine::profile_of(e)
            ));
        }
        return Ok(sc);
    }
    let translate = TRANSLATE_TO_IPV6.load(Ordering::Relaxed)
        || (ipv6_only(&engines.0) && ipv6_only(&engines.1));
    if !translate {
        return Ok(sc);
    }
    if let Some(e) = [&engines.0, &engines.1].into_iter().find(|e| !with_ipv6(e)) {
        return Err(format!(
            "--ipv6: {e} has no IPv6 (profile {}; IPv6 runs on the profiles {})",
            crate::engine::profile_of(e),
            crate::engine::profiles::WITH_IPV6.join(", ")
        ));
    }
    sc.to_ipv6(replay).map_err(|why| {
        format!(
            "an IPv4 script run over IPv6 ({}, {}), not translatable to IPv6: {why}",
            engines.0, engines.1
        )
    })
}

/// Parses, maps and runs one script text on two engines (see the module
/// docs for how this differs from `run_script`).
pub fn run_text(name: &str, text: &str, a: &mut dyn Engine, b: &mut dyn Engine) -> CaseRun {
    run_text_with_defines(name, text, &[], a, b)
}

/// [`run_text`] with command-line definitions (`-D NAME=VALUE`, see
/// [`crate::script::parse_with_defines`]).
pub fn run_text_with_defines(
    name: &str,
    text: &str,
    defines: &[(String, String)],
    a: &mut dyn Engine,
    b: &mut dyn Engine,
) -> CaseRun {
    let mut r = empty(name, a, b);
    let fail = |r: CaseResult| CaseRun {
        result: r,
        log_a: vec![],
        log_b: vec![],
    };
    let (script, warns) = match crate::script::parse_with_defines(name, text, defines) {
        Ok(x) => x,
        Err(e) => {
            r.input_error = Some(e.to_string());
            return fail(r);
        }
    };
    let unchecked = script.options.iter().any(|(k, _)| k == UNCHECKED_OUTBOUND);
    let mut warnings: Vec<String> = warns.iter().map(|w| w.to_string()).collect();
    let (sc, warns) = match to_scenario(&script) {
        Ok(x) => x,
        Err(e) => {
            r.input_error = Some(e.to_string());
            r.warnings = warnings;
            return fail(r);
        }
    };
    warnings.extend(
        warns
            .iter()
            .filter(|w| !(unchecked && is_replay_option_warning(&w.message)))
            .map(|w| w.to_string()),
    );
    run_scenario(name, &sc, warnings, unchecked, a, b)
}

/// Runs a mapped scenario on two engines, recording their traffic.
/// `unchecked_outbound`: drop "unexpected outbound packet" failures.
pub fn run_scenario(
    name: &str,
    sc: &Scenario,
    warnings: Vec<String>,
    unchecked_outbound: bool,
    a: &mut dyn Engine,
    b: &mut dyn Engine,
) -> CaseRun {
    let mut r = empty(name, a, b);
    r.warnings = warnings;
    r.steps = sc.steps.len();
    // A replay's scenario checks no outbound packet: its addresses are the
    // capture's.
    let sc = &match for_engines(sc.clone(), &r.engines, unchecked_outbound) {
        Ok(sc) => sc,
        Err(why) => {
            r.skipped = Some(why);
            return CaseRun {
                result: r,
                log_a: vec![],
                log_b: vec![],
            };
        }
    };
    let (ta, log_a) = {
        let mut ra = Recorder::new(a);
        let t = run_engine(&mut ra, sc);
        (t, ra.log)
    };
    let (tb, log_b) = {
        let mut rb = Recorder::new(b);
        let t = run_engine(&mut rb, sc);
        (t, rb.log)
    };
    let keep = |f: &crate::runner::ExpectFailure| {
        !(unchecked_outbound && f.message.starts_with("unexpected outbound packet"))
    };
    r.warnings.extend(unstated_profile_warnings(sc, &r.engines));
    r.failures
        .extend(checked_failures(sc, &r.engines.0, &ta).filter(keep));
    // With the same engine on both sides, its failures would be listed twice.
    if r.engines.0 != r.engines.1 {
        r.failures
            .extend(checked_failures(sc, &r.engines.1, &tb).filter(keep));
    }
    r.verdict = Some(compare(sc, &ta, &tb));
    r.traces = Some((sc.clone(), ta, tb));
    CaseRun {
        result: r,
        log_a,
        log_b,
    }
}

/// The expectation failures of `engine`'s trace `t` that count: all of
/// them on a profile the scenario states (`--profiles=`, `full` by
/// default), none on another (the case is then differential-only there).
pub fn checked_failures<'t>(
    sc: &Scenario,
    engine: &str,
    t: &'t Trace,
) -> impl Iterator<Item = crate::runner::ExpectFailure> + 't {
    let checked = sc.states_profile(crate::engine::profile_of(engine));
    t.failures.iter().filter(move |_| checked).cloned()
}

/// One warning per engine whose profile the scenario's expectations do
/// not state: its expectations are not checked.
pub fn unstated_profile_warnings(sc: &Scenario, engines: &(String, String)) -> Vec<String> {
    let mut out = Vec::new();
    for e in [&engines.0, &engines.1] {
        let p = crate::engine::profile_of(e);
        let w = format!(
            "differential only on profile {p}: the expectations state {}",
            if sc.profiles.is_empty() {
                "full".to_string()
            } else {
                sc.profiles.join(", ")
            }
        );
        if !sc.states_profile(p) && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// An engine failure (lwIP assertion, a panic in the port) in either
/// trace: the step (None: reset or teardown) and the message.
pub fn engine_failure(r: &CaseResult) -> Option<(Option<usize>, String)> {
    let (_, ta, tb) = r.traces.as_ref()?;
    let crash = |t: &Trace| {
        t.first_crash()
            .map(|(step, e)| (step, format!("[{}] {e}", t.engine)))
    };
    crash(ta).or_else(|| crash(tb))
}

/// Whether the verdict is "the stimulus was refused alike" (an input error).
pub fn is_poisoned(r: &CaseResult) -> bool {
    matches!(r.verdict, Some(Verdict::Poisoned(_)))
}
