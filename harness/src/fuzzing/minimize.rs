//! From a crash input to a regression script: raw packets made symbolic
//! segments where the finding survives it, delta debugging over the steps
//! (ddmin), then over the fields of each step (options,
//! payload length, window, flags, times, call arguments), then steps again;
//! a candidate is kept only if it reproduces the *same* finding (same
//! oracle, or the same engine crashing/leaking/panicking:
//! [`super::drive::Finding::signature`]).
//!
//! The result is written as a packetdrill-dialect script with lwIP's own
//! outbound segments as `>` lines (so the script also pins what lwIP does),
//! checked by running it with the script runner; if that does not
//! reproduce the finding, the script is written without `>` lines
//! (`--unchecked_outbound`), and checked again.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::case::{engine_failure, run_text};
use crate::engine::Engine;
use crate::model::{Action, ApiCall, ScenarioConfig, SymOpt, SymSegment};
use crate::report::CaseResult;
use crate::runner::Verdict;
use crate::wire::{Opt, Segment, flags as F, parse_options};

use super::drive::{FStep, FlowInfo, FuzzCase, Stim, check};
use super::toscript::{Expectations, outbound_text, script_text};

/// A minimized case.
#[derive(Debug, Clone)]
pub struct Minimized {
    /// The case.
    pub case: FuzzCase,
    /// The finding's signature it keeps.
    pub signature: String,
    /// The finding, described.
    pub description: String,
    /// How many times the case was run.
    pub runs: usize,
}

struct Ctx<'a> {
    engines: &'a mut [Box<dyn Engine>],
    signature: String,
    runs: usize,
    budget: usize,
}

impl Ctx<'_> {
    fn reproduces(&mut self, c: &FuzzCase) -> bool {
        if self.runs >= self.budget {
            return false;
        }
        self.runs += 1;
        let r = check(c, self.engines, true);
        r.finding.is_some_and(|f| f.signature() == self.signature)
    }

    /// Classic ddmin over the steps.
    fn ddmin(&mut self, case: &mut FuzzCase) {
        let mut n = 2usize;
        while case.steps.len() >= 2 {
            let len = case.steps.len();
            let chunk = len.div_ceil(n);
            let mut reduced = false;
            for start in (0..len).step_by(chunk) {
                let end = (start + chunk).min(len);
                let mut cand = case.clone();
                cand.steps.drain(start..end);
                if !cand.steps.is_empty() && self.reproduces(&cand) {
                    *case = cand;
                    n = (n - 1).max(2);
                    reduced = true;
                    break;
                }
            }
            if !reduced {
                if n >= len {
                    break;
                }
                n = (n * 2).min(len);
            }
        }
    }

    /// Raw packets to symbolic segments, one at a time.
    fn symbolize(&mut self, case: &mut FuzzCase) {
        for i in 0..case.steps.len() {
            if !matches!(case.steps[i].stim, Stim::Raw(_)) {
                continue;
            }
            let r = check(case, self.engines, true);
            self.runs += 1;
            let Some(Some(run)) = r.runs.first() else {
                return;
            };
            let flow = run.flows.get(i).copied().unwrap_or_default();
            let Stim::Raw(p) = &case.steps[i].stim else {
                continue;
            };
            // First the addresses a script can say, and lengths and
            // checksums fixed up, if the finding survives that.
            if let (true, IpAddr::V4(remote), IpAddr::V4(local)) =
                (p.len() >= 20, case.config.remote_ip, case.config.local_ip)
            {
                let mut q = p.clone();
                q[12..16].copy_from_slice(&remote.octets());
                q[16..20].copy_from_slice(&local.octets());
                // A TCP header length Segment cannot decode: the bare header.
                let ihl = usize::from(q[0] & 0x0f) * 4;
                if Segment::decode(&q).is_none() && q.len() >= ihl + 20 && ihl >= 20 {
                    q[0] = 0x45;
                    q.drain(20..ihl);
                    q[9] = 6;
                    q[33] = (q[33] & 0x0f) | 0x50;
                }
                super::input::fix_up(&mut q);
                if &q != p {
                    let mut cand = case.clone();
                    cand.steps[i].stim = Stim::Raw(q);
                    if self.reproduces(&cand) {
                        *case = cand;
                    }
                }
            }
            // The same over IPv6: the case's addresses, the payload length
            // and the checksum over the IPv6 pseudo-header.
            let Stim::Raw(p) = &case.steps[i].stim else {
                continue;
            };
            let p = p.clone();
            if let (true, IpAddr::V6(remote), IpAddr::V6(local)) = (
                p.len() >= crate::wire::IP6_HLEN && p[0] >> 4 == 6,
                case.config.remote_ip,
                case.config.local_ip,
            ) {
                let mut q = p.clone();
                q[8..24].copy_from_slice(&remote.octets());
                q[24..40].copy_from_slice(&local.octets());
                super::input::fix_up6(&mut q);
                if q != p {
                    let mut cand = case.clone();
                    cand.steps[i].stim = Stim::Raw(q);
                    if self.reproduces(&cand) {
                        *case = cand;
                    }
                }
            }
            let Stim::Raw(p) = &case.steps[i].stim else {
                continue;
            };
            if let Some(sym) = raw_to_sym(p, &case.config, flow) {
                let mut cand = case.clone();
                cand.steps[i].stim = Stim::Model(Action::Inbound(sym));
                if self.reproduces(&cand) {
                    *case = cand;
                }
            }
        }
    }

    /// Peer sequence numbers from 0: if the first symbolic segment's seq
    /// is not 0, move the peer's ISN (`--remote_isn`) there instead.
    fn rebase(&mut self, case: &mut FuzzCase) {
        let first = case.steps.iter().find_map(|s| match &s.stim {
            Stim::Model(Action::Inbound(g)) => Some(g.seq),
            _ => None,
        });
        let Some(base) = first.filter(|b| *b != 0) else {
            return;
        };
        let mut cand = case.clone();
        cand.config.remote_isn = cand.config.remote_isn.wrapping_add(base);
        for s in &mut cand.steps {
            if let Stim::Model(Action::Inbound(g)) = &mut s.stim {
                g.seq = g.seq.wrapping_sub(base);
                if u64::from(g.seq) + u64::from(g.len) > u64::from(u32::MAX) {
                    return;
                }
            }
        }
        if self.reproduces(&cand) {
            *case = cand;
        }
    }

    /// Simpler versions of each step, kept when the finding survives.
    fn fields(&mut self, case: &mut FuzzCase) {
        let mut changed = true;
        while changed && self.runs < self.budget {
            changed = false;
            for i in 0..case.steps.len() {
                for cand_step in simpler(&case.steps, i) {
                    let mut cand = case.clone();
                    cand.steps[i] = cand_step;
                    if self.reproduces(&cand) {
                        *case = cand;
                        changed = true;
                    }
                }
            }
        }
    }
}

/// Candidate simplifications of step `i`.
fn simpler(steps: &[FStep], i: usize) -> Vec<FStep> {
    let s = &steps[i];
    let mut v = Vec::new();
    let prev_t = if i == 0 { 0 } else { steps[i - 1].at_us };
    let with = |stim: Stim| FStep {
        at_us: s.at_us,
        stim,
    };
    if s.at_us != prev_t {
        v.push(FStep {
            at_us: prev_t,
            stim: s.stim.clone(),
        });
        let rounded = s.at_us / 100_000 * 100_000;
        if rounded > prev_t && rounded != s.at_us {
            v.push(FStep {
                at_us: rounded,
                stim: s.stim.clone(),
            });
        }
    }
    match &s.stim {
        Stim::Model(Action::Inbound(seg)) => {
            let mut push = |f: &dyn Fn(&mut SymSegment)| {
                let mut g = seg.clone();
                f(&mut g);
                if &g != seg {
                    v.push(with(Stim::Model(Action::Inbound(g))));
                }
            };
            push(&|g| g.options.clear());
            for k in 0..seg.options.len() {
                push(&|g| {
                    g.options.remove(k);
                });
            }
            push(&|g| g.len = 0);
            push(&|g| g.len /= 2);
            if seg.win != 65535 && seg.win != 1000 {
                push(&|g| g.win = 65535);
                push(&|g| g.win = 1000);
            }
            for bit in [
                F::PSH,
                F::URG,
                F::ECE,
                F::CWR,
                F::FIN,
                F::RST,
                F::SYN,
                F::ACK,
            ] {
                push(&|g| g.flags &= !bit);
            }
            push(&|g| {
                g.tos = 0;
                g.ttl = 64;
            });
            push(&|g| g.flow = 0);
            push(&|g| g.local_port = None);
            push(&|g| g.remote_port = None);
        }
        Stim::Model(Action::Call { call, expect }) => {
            let mut c2 = call.clone();
            match &mut c2 {
                ApiCall::Write { len, .. } | ApiCall::Read { len, .. } if *len > 1 => *len /= 2,
                ApiCall::Recved { len, .. } if *len > 1 => *len /= 2,
                _ => {}
            }
            if &c2 != call {
                v.push(with(Stim::Model(Action::Call {
                    call: c2,
                    expect: expect.clone(),
                })));
            }
            if let ApiCall::Write {
                fd,
                len,
                copy,
                more,
                output,
            } = call
                && !(*copy && !*more && *output)
            {
                v.push(with(Stim::Model(Action::Call {
                    call: ApiCall::Write {
                        fd: *fd,
                        len: *len,
                        copy: true,
                        more: false,
                        output: true,
                    },
                    expect: expect.clone(),
                })));
            }
        }
        _ => {}
    }
    v
}

/// A raw packet as the nearest symbolic segment: what a script line can
/// say about it. Lossy on purpose (IP options, fragment bits, the urgent
/// pointer, bad checksums and the payload bytes are not kept): the
/// minimizer keeps the conversion only if the finding survives it.
pub fn raw_to_sym(p: &[u8], cfg: &ScenarioConfig, flow: FlowInfo) -> Option<SymSegment> {
    let s = Segment::decode(p)?;
    if s.src != cfg.remote_ip || s.dst != cfg.local_ip {
        return None;
    }
    let rel = |v: u32| flow.local_isn.map(|isn| v.wrapping_sub(isn));
    let ack = if s.flags & F::ACK != 0 {
        Some(rel(s.ack)?)
    } else {
        None
    };
    let mut options = Vec::new();
    for o in parse_options(&s.options) {
        options.push(match o {
            Opt::Eol(_) => SymOpt::Eol,
            Opt::Nop => SymOpt::Nop,
            Opt::Mss(v) => SymOpt::Mss(v),
            Opt::WScale(v) => SymOpt::WScale(v),
            Opt::SackOk => SymOpt::SackOk,
            Opt::Sack(b) => SymOpt::Sack(
                b.iter()
                    .map(|(l, r)| Some((rel(*l)?, rel(*r)?)))
                    .collect::<Option<_>>()?,
            ),
            Opt::Ts(v, e) => SymOpt::Ts(v, e),
            Opt::Other(k, d) => SymOpt::Other(k, d),
        });
    }
    let len = u16::try_from(s.payload.len()).ok()?;
    let seq = s.seq.wrapping_sub(cfg.remote_isn);
    if u64::from(seq) + u64::from(len) > u64::from(u32::MAX) {
        return None;
    }
    Some(SymSegment {
        flags: s.flags,
        seq,
        len,
        ack,
        win: s.wnd,
        options,
        local_port: Some(s.dport),
        remote_port: (s.sport != cfg.remote_port).then_some(s.sport),
        tos: s.tos,
        ttl: s.ttl,
        flow: s.flow,
    })
}

/// Minimizes `case`, which must have a finding on `engines`. `budget`:
/// most runs.
pub fn minimize(
    case: &FuzzCase,
    engines: &mut [Box<dyn Engine>],
    budget: usize,
) -> Result<Minimized, String> {
    let first = check(case, engines, true);
    let f = first
        .finding
        .ok_or("the input does not reproduce: both engines agree, nothing crashed or leaked")?;
    let mut ctx = Ctx {
        engines,
        signature: f.signature(),
        runs: 1,
        budget,
    };
    let mut c = case.clone();
    // Symbolic segments first, while the prefix that gives them meaning
    // (the engine's ISN) is still there: a symbolic segment whose ack
    // cannot be resolved any more stops the run, so ddmin keeps what the
    // script needs.
    ctx.symbolize(&mut c);
    ctx.ddmin(&mut c);
    ctx.symbolize(&mut c);
    ctx.fields(&mut c);
    ctx.ddmin(&mut c);
    ctx.rebase(&mut c);
    let last = check(&c, ctx.engines, true);
    let description = last
        .finding
        .as_ref()
        .map(|f| f.describe())
        .unwrap_or_else(|| f.describe());
    Ok(Minimized {
        case: c,
        signature: ctx.signature,
        description,
        runs: ctx.runs,
    })
}

/// The signature of a script run's result, as [`super::drive::Finding`]
/// would give it.
pub fn result_signature(r: &CaseResult) -> Option<String> {
    if let Some((_, m)) = engine_failure(r) {
        let engine = m
            .strip_prefix('[')
            .and_then(|x| x.split(']').next())
            .unwrap_or("?");
        return Some(format!("crashed:{engine}"));
    }
    if let Some(Verdict::Diverged(d)) = &r.verdict {
        return Some(format!("diverged:{:?}", d.difference.oracle));
    }
    let (_, ta, tb) = r.traces.as_ref()?;
    for t in [ta, tb] {
        if t.leaks.as_ref().is_some_and(|l| !l.in_use.is_empty()) {
            return Some(format!("leaked:{}", t.engine));
        }
    }
    None
}

/// The `>` lines of the reference engine (the first) for each step.
pub(crate) fn expectations(
    case: &FuzzCase,
    engines: &mut [Box<dyn Engine>],
) -> Option<Expectations> {
    let r = check(case, engines, true);
    let run = r.runs.first()?.as_ref()?;
    // The engine's ISN per peer port, from its SYNs.
    let mut isn: HashMap<u16, u32> = HashMap::new();
    for s in &run.trace.steps {
        for p in &s.packets {
            if let Some(seg) = Segment::decode(&p.bytes)
                && seg.flags & F::SYN != 0
            {
                isn.entry(seg.dport).or_insert(seg.seq);
            }
        }
    }
    let remote_isn = case.config.remote_isn;
    let mut e = Vec::new();
    for (i, s) in run.trace.steps.iter().enumerate() {
        let adv = run.advance_packets.get(i).copied().unwrap_or(0);
        let lines = |ps: &[crate::engine::OutPacket]| -> Option<Vec<(u64, String)>> {
            ps.iter()
                .map(|p| {
                    let seg = Segment::decode(&p.bytes)?;
                    Some((
                        p.time_us,
                        outbound_text(p, isn.get(&seg.dport).copied(), remote_isn)?,
                    ))
                })
                .collect()
        };
        e.push((
            lines(&s.packets[..adv.min(s.packets.len())])?,
            lines(&s.packets[adv.min(s.packets.len())..])?,
        ));
    }
    Some(e)
}

/// A script for a minimized case, checked: Ok((text, with `>` lines)) if
/// running the script gives the same finding.
pub fn to_checked_script(
    m: &Minimized,
    header: &[String],
    make_engines: &mut dyn FnMut() -> (Box<dyn Engine>, Box<dyn Engine>),
) -> Result<(String, bool), String> {
    let (mut a, mut b) = make_engines();
    let mut es: Vec<Box<dyn Engine>> = vec![a, b];
    let exp = expectations(&m.case, &mut es);
    let mut tried = Vec::new();
    for with_expect in [true, false] {
        if with_expect && exp.is_none() {
            continue;
        }
        let text = script_text(
            &m.case,
            header,
            if with_expect { exp.as_ref() } else { None },
        )?;
        (a, b) = make_engines();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_text("minimized.pkt", &text, a.as_mut(), b.as_mut())
        }));
        let sig = match &run {
            Ok(r) => result_signature(&r.result),
            Err(_) => m
                .signature
                .starts_with("panicked")
                .then(|| m.signature.clone()),
        };
        let c_ok = run.as_ref().is_ok_and(|r| {
            let first = r.result.engines.0.clone();
            !r.result.failures.iter().any(|f| f.engine == first)
        });
        if sig.as_deref() == Some(m.signature.as_str()) && (c_ok || !with_expect) {
            return Ok((text, with_expect));
        }
        tried.push(format!(
            "{} `>` lines: the script gives {}",
            if with_expect { "with" } else { "without" },
            sig.unwrap_or_else(|| "no finding".into())
        ));
    }
    Err(format!(
        "no script reproduces {} ({})",
        m.signature,
        tried.join("; ")
    ))
}
