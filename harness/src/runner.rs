//! The runner: drives an engine through a scenario, checks the script's `>`
//! expectations, records one observation per step, and compares two
//! engines' traces step by step.
//!
//! Engines are deterministic and share nothing, so running each through the
//! scenario and comparing the traces step by step finds exactly the first
//! divergence lockstep execution would find. It also lets the C engine be
//! compared with itself (`--engines c,c`), which lockstep cannot: lwIP is
//! process-global state, so two C engines cannot be live at once.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::engine::app::pattern;
use crate::engine::{CallOutcome, Engine, EngineError, Leaks, OutPacket};
use crate::model::{Action, Expected, OutExpect, Scenario, ScenarioConfig, SymOpt, SymSegment};
use crate::oracle::{self, Difference};
use crate::wire::{Opt, Segment, encode_options, flags, flags_str, parse_options};

pub use crate::engine::StepObs;

/// Takes what an engine reports at the end of a step: callbacks, state
/// and resources. The runner and the fuzz driver both end a step here.
pub fn observe(engine: &mut dyn Engine, obs: &mut StepObs) {
    obs.callbacks = engine.take_callbacks();
    obs.snapshots = engine.snapshots();
    obs.resources = engine.resources();
}

/// A `>` line or an expected call result that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectFailure {
    /// Engine name.
    pub engine: String,
    /// Step index.
    pub step: usize,
    /// Script line.
    pub line: u32,
    /// What was expected and what happened.
    pub message: String,
}

/// One engine's run through a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Engine name.
    pub engine: String,
    /// One observation per step (fewer if the engine failed).
    pub steps: Vec<StepObs>,
    /// Expectations that did not hold.
    pub failures: Vec<ExpectFailure>,
    /// Accounting after teardown.
    pub leaks: Option<Leaks>,
    /// Error during reset (then no step ran) or teardown.
    #[serde(serialize_with = "crate::engine::serialize_error")]
    pub teardown_error: Option<EngineError>,
}

/// What the engine's side of a connection to the peer looks like: its
/// port and ISN, as learned from what it sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FlowIsn {
    /// The engine's port.
    pub local_port: Option<u16>,
    /// The engine's ISN (the sequence number of its SYN).
    pub local_isn: Option<u32>,
}

/// Per-run state for resolving symbolic segments: the engine's ports and
/// ISNs learned from what it sent, as packetdrill learns them. The runner
/// and the fuzz driver share it, so both inject the same bytes.
#[derive(Debug, Clone)]
pub struct Resolver {
    cfg: ScenarioConfig,
    flows: HashMap<u16, FlowIsn>,
    /// The port a `bind` named (the destination of segments before the
    /// engine has sent anything).
    pub listen_port: Option<u16>,
    ip_id: u16,
}

impl Resolver {
    /// A resolver for a run with this configuration.
    pub fn new(cfg: ScenarioConfig) -> Resolver {
        Resolver {
            cfg,
            flows: HashMap::new(),
            listen_port: None,
            ip_id: 1,
        }
    }

    /// The flow to the scenario's default peer port (its local port falls
    /// back to the bound port).
    pub fn flow(&self) -> FlowIsn {
        let mut f = self
            .flows
            .get(&self.cfg.remote_port)
            .copied()
            .unwrap_or_default();
        f.local_port = f.local_port.or(self.listen_port);
        f
    }

    /// Learns ports and ISNs from packets the engine sent.
    pub fn learn(&mut self, pkts: &[OutPacket]) {
        for p in pkts {
            let Some(s) = Segment::decode(&p.bytes) else {
                continue;
            };
            let f = self.flows.entry(s.dport).or_default();
            f.local_port = Some(s.sport);
            if s.flags & flags::SYN != 0 {
                f.local_isn = Some(s.seq);
            }
        }
    }

    /// The bytes of a symbolic inbound segment, numbered against what
    /// the engine has sent so far.
    pub fn inbound(&mut self, sym: &SymSegment) -> Result<Vec<u8>, String> {
        let cfg = &self.cfg;
        let rport = sym.remote_port.unwrap_or(cfg.remote_port);
        let flow = self.flows.get(&rport).copied().unwrap_or_default();
        let dport = sym
            .local_port
            .or(flow.local_port)
            .or(self.listen_port)
            .ok_or("no local port known yet for this inbound segment (bind or connect first)")?;
        let local_isn = flow.local_isn;
        let rel_ack = |rel: u32| -> Result<u32, String> {
            local_isn.map(|isn| isn.wrapping_add(rel)).ok_or_else(|| {
                "ack relative to the engine's ISN, but the engine has sent no SYN yet".to_string()
            })
        };
        let ack = match sym.ack {
            Some(a) if sym.flags & flags::ACK != 0 => rel_ack(a)?,
            _ => 0,
        };
        let mut opts = Vec::new();
        for o in &sym.options {
            if let SymOpt::TsAnyEcr(_) = o {
                return Err("'TS val ...' cannot be injected: write the value".into());
            }
            if let SymOpt::WScaleAny = o {
                return Err("'wscale *' cannot be injected: write the shift count".into());
            }
            opts.push(sym_opt(o, &rel_ack)?);
        }
        let seg = Segment {
            src: cfg.remote_ip,
            dst: cfg.local_ip,
            tos: sym.tos,
            ttl: sym.ttl,
            // IPv6 has no identification field (and scripts no flow label).
            ip_id: if cfg.is_ipv6() { 0 } else { self.ip_id },
            ip_frag: 0,
            flow: sym.flow,
            sport: rport,
            dport,
            seq: cfg.remote_isn.wrapping_add(sym.seq),
            ack,
            flags: sym.flags,
            wnd: sym.win,
            urg: 0,
            options: encode_options(&opts),
            payload: pattern(u64::from(sym.seq), usize::from(sym.len)),
            checksum: None,
        };
        self.ip_id = self.ip_id.wrapping_add(1);
        Ok(seg.encode())
    }

    /// Checks one emitted packet against a `>` line; Err says why not.
    fn check(&self, e: &OutExpect, p: &OutPacket) -> Result<(), String> {
        let s = Segment::decode(&p.bytes).ok_or("not an IPv4/TCP packet")?;
        let mut bad = Vec::new();
        if p.time_us < e.window_us.0 || p.time_us > e.window_us.1 {
            bad.push(format!(
                "sent at {:.3}s, expected between {:.3}s and {:.3}s",
                p.time_us as f64 / 1e6,
                e.window_us.0 as f64 / 1e6,
                e.window_us.1 as f64 / 1e6
            ));
        }
        if s.flags != e.flags {
            bad.push(format!(
                "flags {} (expected {})",
                flags_str(s.flags),
                flags_str(e.flags)
            ));
        }
        if let Some(port) = e.remote_port
            && s.dport != port
        {
            bad.push(format!("to port {} (expected {port})", s.dport));
        }
        if let Some(t) = e.tos
            && !t.holds(s.tos)
        {
            bad.push(format!(
                "TOS {:#04x} (expected {:#04x} in the bits {:#04x}{})",
                s.tos,
                t.value,
                t.mask,
                if t.ect01 {
                    ", ECN ECT(0) or ECT(1)"
                } else {
                    ""
                }
            ));
        }
        if let Some(f) = e.flow
            && s.flow != f
        {
            bad.push(format!("flow label {:#x} (expected {f:#x})", s.flow));
        }
        if let Some(ttl) = e.ttl
            && s.ttl != ttl
        {
            bad.push(format!("TTL {} (expected {ttl})", s.ttl));
        }
        let isn = self.flows.get(&s.dport).and_then(|f| f.local_isn);
        let rel_seq = match isn {
            Some(i) if !e.seq_absolute => s.seq.wrapping_sub(i),
            _ => s.seq,
        };
        if let Some(len) = e.len
            && s.payload.len() != usize::from(len)
        {
            bad.push(format!(
                "payload length {} (expected {len})",
                s.payload.len()
            ));
        }
        if let Some((start, len)) = e.seq
            && (rel_seq != start || s.payload.len() != usize::from(len))
        {
            bad.push(format!(
                "seq {}:{}({}) (expected {}:{}({}))",
                rel_seq,
                rel_seq.wrapping_add(s.payload.len() as u32),
                s.payload.len(),
                start,
                start.wrapping_add(u32::from(len)),
                len
            ));
        }
        let remote_isn = self.cfg.remote_isn;
        if let Some(a) = e.ack {
            let rel = s.ack.wrapping_sub(remote_isn);
            if s.flags & flags::ACK == 0 || rel != a {
                bad.push(format!("ack {rel} (expected {a})"));
            }
        }
        if let Some(w) = e.win
            && s.wnd != w
        {
            bad.push(format!("win {} (expected {w})", s.wnd));
        }
        if let Some(want_sym) = &e.options {
            let got = parse_options(&s.options);
            let peer_edge = |x: u32| Ok::<u32, String>(remote_isn.wrapping_add(x));
            let want: Vec<Opt> = want_sym
                .iter()
                .map(|o| sym_opt(o, &peer_edge))
                .collect::<Result<_, String>>()?;
            let norm = |v: Vec<Opt>| {
                v.into_iter()
                    .map(|o| if let Opt::Eol(_) = o { Opt::Eol(0) } else { o })
                    .collect::<Vec<_>>()
            };
            // A TS value not checked: the packet's own, at that place.
            let want: Vec<Opt> = want
                .into_iter()
                .zip(want_sym)
                .enumerate()
                .map(|(i, (w, sym))| match (sym, got.get(i)) {
                    (SymOpt::TsAnyEcr(e), Some(Opt::Ts(v, _))) => Opt::Ts(*v, *e),
                    // `wscale *`: the packet's own shift count.
                    (SymOpt::WScaleAny, Some(Opt::WScale(v))) => Opt::WScale(*v),
                    _ => w,
                })
                .collect();
            if norm(got.clone()) != norm(want.clone()) {
                let show = |v: &[Opt]| {
                    v.iter()
                        .map(|o| o.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                bad.push(format!(
                    "options <{}> (expected <{}>)",
                    show(&got),
                    show(&want)
                ));
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(bad.join("; "))
        }
    }
}

/// A symbolic option as the option it stands for: SACK edges through
/// `sack_edge` (relative to an ISN: the engine's inbound, the peer's
/// outbound), a TS whose value is not checked (`TS val ...`) with value 0
/// (the outbound check takes the packet's own).
fn sym_opt(o: &SymOpt, sack_edge: &dyn Fn(u32) -> Result<u32, String>) -> Result<Opt, String> {
    Ok(match o {
        SymOpt::Nop => Opt::Nop,
        SymOpt::Eol => Opt::Eol(0),
        SymOpt::Mss(v) => Opt::Mss(*v),
        SymOpt::WScale(v) => Opt::WScale(*v),
        SymOpt::SackOk => Opt::SackOk,
        SymOpt::Sack(b) => Opt::Sack(
            b.iter()
                .map(|(l, r)| Ok((sack_edge(*l)?, sack_edge(*r)?)))
                .collect::<Result<_, String>>()?,
        ),
        SymOpt::Ts(v, e) => Opt::Ts(*v, *e),
        SymOpt::TsAnyEcr(e) => Opt::Ts(0, *e),
        SymOpt::WScaleAny => Opt::WScale(0),
        SymOpt::Other(k, d) => Opt::Other(*k, d.clone()),
    })
}

fn expected_matches(e: &Expected, o: &CallOutcome) -> bool {
    match e {
        Expected::Any => true,
        Expected::Err(v) => o.err == Some(*v) || (o.err.is_none() && *v == 0 && o.value >= 0),
        Expected::Value(v) => o.value == *v,
        Expected::Errno(v, name) => {
            o.value == *v
                && (o.errno.as_deref() == Some(name.as_str())
                    || o.err.and_then(errno_of_err) == Some(name.as_str()))
        }
    }
}

/// lwIP's `err_to_errno()` (api/err.c): the errno its socket layer gives
/// for an err_t, so `= -1 ENOMEM` matches a call that failed with ERR_MEM
/// (writing the err_t name, `= -1 ERR_MEM`, matches too). None for a value
/// err.h does not define (lwIP would say EIO; no expectation matches it).
fn errno_of_err(err: i8) -> Option<&'static str> {
    lwip_vocab::Err::from_raw(err).and_then(lwip_vocab::Err::errno_name)
}

fn show_expected(e: &Expected) -> String {
    match e {
        Expected::Any => "...".into(),
        Expected::Err(v) => lwip_vocab::RawErr(*v).to_string(),
        Expected::Value(v) => v.to_string(),
        Expected::Errno(v, e) => format!("{v} {e}"),
    }
}

/// lwIP's timer cadence (TCP_TMR_INTERVAL): nothing is sent
/// spontaneously between two ticks, so waiting advances tick by tick.
const TIMER_TICK_US: u64 = 250_000;

/// The longest a `*` line waits for its packet: 3 hours of virtual time
/// (longer than the keepalive defaults' 2 h idle plus 9 probes).
const MAX_WAIT_US: u64 = 3 * 3600 * 1_000_000;

/// Runs one engine through the scenario. A `>` line with time `*` (or a
/// range ending later than the clock) lets virtual time run, tick by
/// tick, until the engine sends a packet; the following lines keep their
/// script times (a time already passed is not gone back to).
pub fn run_engine(engine: &mut dyn Engine, sc: &Scenario) -> Trace {
    run_engine_recording(engine, sc).0
}

/// What [`run_engine_recording`] learns besides the trace, per step run:
/// what the fuzz driver keeps of a run (seeds, minimization).
#[derive(Debug, Clone, Default)]
pub struct StepRecords {
    /// The engine's flow to the peer before the step's action.
    pub flows: Vec<FlowIsn>,
    /// How many of the step's packets came out while time advanced to it
    /// (the rest answered its action).
    pub advance_packets: Vec<usize>,
}

impl Trace {
    /// The first error the engine reported: at a step (its index), or at
    /// reset or teardown (None).
    pub fn first_error(&self) -> Option<(Option<usize>, &EngineError)> {
        self.steps
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.error.as_ref().map(|e| (Some(i), e)))
            .or_else(|| self.teardown_error.as_ref().map(|e| (None, e)))
    }

    /// The first time the engine itself failed (an lwIP assertion, a panic
    /// in the port; [`EngineError::Crashed`]): at a step, or at reset or
    /// teardown (None).
    pub fn first_crash(&self) -> Option<(Option<usize>, &EngineError)> {
        self.steps
            .iter()
            .enumerate()
            .find_map(|(i, s)| {
                s.error
                    .as_ref()
                    .filter(|e| e.is_crash())
                    .map(|e| (Some(i), e))
            })
            .or_else(|| {
                self.teardown_error
                    .as_ref()
                    .filter(|e| e.is_crash())
                    .map(|e| (None, e))
            })
    }
}

/// [`run_engine`], which it is, with the [`StepRecords`]: the one step
/// loop of `run`, `regress`, `replay` and the fuzz targets
/// ([`crate::fuzzing::drive::run_engine`]).
pub fn run_engine_recording(engine: &mut dyn Engine, sc: &Scenario) -> (Trace, StepRecords) {
    let mut rec = StepRecords::default();
    let name = engine.name().to_string();
    let mut trace = Trace {
        engine: name.clone(),
        steps: Vec::new(),
        failures: Vec::new(),
        leaks: None,
        teardown_error: None,
    };
    let fail = |trace: &mut Trace, step: usize, line: u32, message: String| {
        trace.failures.push(ExpectFailure {
            engine: name.clone(),
            step,
            line,
            message,
        });
    };
    if let Err(e) = engine.reset(&sc.config) {
        trace.teardown_error = Some(e.during("reset"));
        return (trace, rec);
    }
    let mut r = Resolver::new(sc.config);
    let mut pending: VecDeque<OutPacket> = VecDeque::new();
    // How far virtual time has been run (a `*` line may run it past the
    // step times).
    let mut clock: u64 = 0;
    for (i, step) in sc.steps.iter().enumerate() {
        let mut obs = StepObs::default();
        let mut result: Result<(), EngineError> = engine.advance_to(step.at_us);
        clock = clock.max(step.at_us);
        let collect = |engine: &mut dyn Engine,
                       r: &mut Resolver,
                       obs: &mut StepObs,
                       pending: &mut VecDeque<OutPacket>| {
            let pk = engine.take_packets();
            r.learn(&pk);
            pending.extend(pk.iter().cloned());
            obs.packets.extend(pk);
        };
        collect(engine, &mut r, &mut obs, &mut pending);
        rec.advance_packets.push(obs.packets.len());
        rec.flows.push(r.flow());
        if result.is_ok() {
            let unexpected = |trace: &mut Trace, pending: &mut VecDeque<OutPacket>| {
                if sc.config.unchecked_outbound {
                    pending.clear();
                }
                while let Some(p) = pending.pop_front() {
                    let msg = format!(
                        "unexpected outbound packet before this line: {}",
                        oracle::segments::describe(&p)
                    );
                    fail(trace, i, step.line, msg);
                }
            };
            result = match &step.action {
                Action::Inbound(sym) => {
                    unexpected(&mut trace, &mut pending);
                    match r.inbound(sym) {
                        Ok(bytes) => engine.inbound(&bytes),
                        Err(e) => Err(EngineError::Stimulus(e)),
                    }
                }
                Action::InboundRaw(bytes) => {
                    unexpected(&mut trace, &mut pending);
                    engine.inbound(bytes)
                }
                Action::Expect(e) => {
                    // `*` (or a window reaching past the clock): let time
                    // run on the timers' cadence until the engine sends.
                    let mut waited = Ok(());
                    let end = e.window_us.1.min(clock.saturating_add(MAX_WAIT_US));
                    while pending.is_empty() && waited.is_ok() {
                        let next = (clock / TIMER_TICK_US + 1) * TIMER_TICK_US;
                        if next > end {
                            break;
                        }
                        waited = engine.advance_to(next);
                        clock = next;
                        collect(engine, &mut r, &mut obs, &mut pending);
                    }
                    match pending.pop_front() {
                        Some(p) => {
                            if let Err(why) = r.check(e, &p) {
                                let msg = format!(
                                    "outbound packet {} does not match: {why}",
                                    oracle::segments::describe(&p)
                                );
                                fail(&mut trace, i, step.line, msg);
                            }
                        }
                        None => fail(
                            &mut trace,
                            i,
                            step.line,
                            "expected an outbound packet, but none was sent".into(),
                        ),
                    }
                    waited
                }
                Action::Call { call, expect } => {
                    unexpected(&mut trace, &mut pending);
                    if let crate::model::ApiCall::Bind { port, .. }
                    | crate::model::ApiCall::NullArg {
                        arg: crate::model::NullArg::BindAddr { port },
                        ..
                    } = call
                    {
                        r.listen_port = Some(*port);
                    }
                    match engine.call(call) {
                        Ok(o) => {
                            if let Some(e) = expect
                                && !expected_matches(e, &o)
                            {
                                let got = crate::oracle::errs::compare(Some(&o), None)
                                    .map(|d| d.a)
                                    .unwrap_or_default();
                                fail(
                                    &mut trace,
                                    i,
                                    step.line,
                                    format!("returned {got}, expected {}", show_expected(e)),
                                );
                            }
                            obs.outcome = Some(o);
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Action::Wait => Ok(()),
            };
            collect(engine, &mut r, &mut obs, &mut pending);
        }
        observe(engine, &mut obs);
        let stop = result.is_err();
        if let Err(e) = result {
            obs.error = Some(e);
        }
        trace.steps.push(obs);
        if stop {
            break;
        }
    }
    let last = sc.steps.len().saturating_sub(1);
    let last_line = sc.steps.last().map_or(0, |s| s.line);
    if sc.config.unchecked_outbound {
        pending.clear();
    }
    while let Some(p) = pending.pop_front() {
        let msg = format!(
            "unexpected outbound packet at the end: {}",
            oracle::segments::describe(&p)
        );
        fail(&mut trace, last, last_line, msg);
    }
    match engine.teardown() {
        Ok(l) => trace.leaks = Some(l),
        Err(e) => trace.teardown_error = Some(e),
    }
    (trace, rec)
}

/// Where and how two engines first differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Divergence {
    /// Step index (None: at teardown).
    pub step: Option<usize>,
    /// Script line.
    pub line: u32,
    /// Script text.
    pub source: String,
    /// What differs.
    pub difference: Difference,
}

/// The result of comparing two engines on one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Every observation matched.
    Same,
    /// They differ; the first difference.
    Diverged(Box<Divergence>),
    /// The stimulus itself was invalid (both engines refused it alike).
    Poisoned(String),
}

/// Compares two traces step by step.
pub fn compare(sc: &Scenario, a: &Trace, b: &Trace) -> Verdict {
    for (i, (x, y)) in a.steps.iter().zip(&b.steps).enumerate() {
        let step = &sc.steps[i];
        if let Some(d) = oracle::compare_step(x, y) {
            return Verdict::Diverged(Box::new(Divergence {
                step: Some(i),
                line: step.line,
                source: step.source.clone(),
                difference: d,
            }));
        }
        if let (Some(ea), Some(_)) = (&x.error, &y.error) {
            return Verdict::Poisoned(format!("line {}: {ea}", step.line));
        }
    }
    if a.steps.len() != b.steps.len() {
        let i = a.steps.len().min(b.steps.len());
        let step = &sc.steps[i.min(sc.steps.len().saturating_sub(1))];
        return Verdict::Diverged(Box::new(Divergence {
            step: Some(i),
            line: step.line,
            source: step.source.clone(),
            difference: Difference {
                oracle: oracle::Oracle::Engine,
                fields: vec!["steps run".into()],
                a: steps_run(a),
                b: steps_run(b),
                detail: vec![],
            },
        }));
    }
    let leak_diff = match (&a.leaks, &b.leaks) {
        (Some(x), Some(y)) => oracle::leaks::compare(x, y),
        _ if a.teardown_error != b.teardown_error => Some(Difference {
            oracle: oracle::Oracle::Engine,
            fields: vec!["teardown".into()],
            a: a.teardown_error
                .as_ref()
                .map_or_else(|| "ok".into(), ToString::to_string),
            b: b.teardown_error
                .as_ref()
                .map_or_else(|| "ok".into(), ToString::to_string),
            detail: vec![],
        }),
        _ => None,
    };
    match leak_diff {
        Some(d) => Verdict::Diverged(Box::new(Divergence {
            step: None,
            line: 0,
            source: "teardown".into(),
            difference: d,
        })),
        // Both stopped alike at teardown (an lwIP assertion there).
        None => match &a.teardown_error {
            Some(e) => Verdict::Poisoned(format!("teardown: {e}")),
            None => Verdict::Same,
        },
    }
}

/// How many steps a trace ran, and why it stopped early if an engine
/// error stopped it (a refused reset: 0 steps, and the reason).
fn steps_run(t: &Trace) -> String {
    match &t.teardown_error {
        Some(e) => format!("{} steps, then: {e}", t.steps.len()),
        None => format!("{} steps", t.steps.len()),
    }
}
