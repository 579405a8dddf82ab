//! Planted faults: an engine wrapper that gets exactly one observation
//! wrong, so a test (or a person) can check that the path users run —
//! `tcpdiff run`, `tcpdiff regress`, the fuzz targets — reports it, and
//! through the right oracle. Any engine name takes one:
//! `--engines c,rust+resources`, `TCPDIFF_FUZZ_ENGINES=c,rust+window`.
//!
//! One fault per oracle, each fired once per case, at the first step where
//! the engine under it has the observation to spoil:
//!
//! | fault       | oracle    | what goes wrong |
//! |-------------|-----------|-----------------|
//! | `segment`   | segments  | the low bit of the first emitted segment's window |
//! | `err`       | err_t     | the first call that returns an err_t returns another |
//! | `callback`  | callbacks | the first callback that returns a value returns another |
//! | `state`     | state     | cwnd + 1 on the first connection that has one |
//! | `resources` | resources | 8 more heap bytes at the first step that holds any |
//! | `leak`      | leaks     | one `tcp_seg` still allocated at teardown |
//! | `window`    | segments  | one window bit, after a segment with URG and CWR |
//!
//! `window` is the fuzzers' plant: no script, trace or seed has URG with
//! CWR, so `tcp_input` has to find the trigger (a script can say it,
//! `< UW. ...`, so a minimized finding is a script).

use super::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources,
};
use crate::model::{ApiCall, ScenarioConfig};

/// Which fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// One wrong window bit in the first segment sent.
    Segment,
    /// Another err_t from the first call that returns one.
    ErrT,
    /// Another return value from the first callback that has one.
    Callback,
    /// cwnd + 1 in the first snapshot that has a cwnd.
    State,
    /// 8 more heap bytes at the first step that holds heap.
    Resources,
    /// One segment left allocated at teardown.
    Leak,
    /// One wrong window bit after a segment with URG and CWR.
    Window,
}

/// The faults by name, in the table's order.
pub const FAULTS: &[(&str, Fault)] = &[
    ("segment", Fault::Segment),
    ("err", Fault::ErrT),
    ("callback", Fault::Callback),
    ("state", Fault::State),
    ("resources", Fault::Resources),
    ("leak", Fault::Leak),
    ("window", Fault::Window),
];

impl Fault {
    /// The fault called `name`.
    pub fn named(name: &str) -> Result<Fault, String> {
        FAULTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let known: Vec<&str> = FAULTS.iter().map(|(n, _)| *n).collect();
                format!("no planted fault '{name}' (known: {})", known.join(", "))
            })
    }
}

/// An engine with one planted fault.
pub struct Planted {
    inner: Box<dyn Engine>,
    fault: Fault,
    /// `window`: the trigger was seen, the next segment is spoiled.
    armed: bool,
    /// The fault has fired in this case.
    fired: bool,
    name: String,
}

impl Planted {
    /// Wraps `inner`; `fault` names the fault (see the module docs).
    pub fn new(inner: Box<dyn Engine>, fault: &str) -> Result<Planted, String> {
        let f = Fault::named(fault)?;
        let name = format!("{}+{fault}", inner.name());
        Ok(Planted {
            inner,
            fault: f,
            armed: false,
            fired: false,
            name,
        })
    }

    /// Whether `f` is the fault and it may still fire.
    fn due(&self, f: Fault) -> bool {
        self.fault == f && !self.fired
    }
}

/// URG and CWR.
const TRIGGER: u8 = 0x20 | 0x80;

/// Flips the low bit of a segment's window field.
fn spoil_window(p: &mut OutPacket) {
    // The TCP header follows IPv6's fixed header (the port and lwIP send
    // no extension headers) or IPv4's, options included.
    let first = p.bytes.first().copied().unwrap_or(0);
    let ip_hlen = if first >> 4 == 6 {
        40
    } else {
        usize::from(first & 0x0f) * 4
    };
    if let Some(b) = p.bytes.get_mut(ip_hlen + 15) {
        *b ^= 1;
    }
}

/// Another err_t than `e`: ERR_MEM, or ERR_BUF where it was ERR_MEM.
fn other_err(e: i8) -> i8 {
    use lwip_vocab::Err;
    let other = if e == Err::Mem.as_raw() {
        Err::Buf
    } else {
        Err::Mem
    };
    other.as_raw()
}

impl Engine for Planted {
    fn name(&self) -> &str {
        &self.name
    }
    fn reset(&mut self, c: &ScenarioConfig) -> Result<(), EngineError> {
        self.armed = false;
        self.fired = false;
        self.inner.reset(c)
    }
    fn advance_to(&mut self, t: u64) -> Result<(), EngineError> {
        self.inner.advance_to(t)
    }
    fn inbound(&mut self, p: &[u8]) -> Result<(), EngineError> {
        if self.fault == Fault::Window
            && crate::wire::Segment::decode(p).is_some_and(|s| s.flags & TRIGGER == TRIGGER)
        {
            self.armed = true;
        }
        self.inner.inbound(p)
    }
    fn call(&mut self, c: &ApiCall) -> Result<CallOutcome, EngineError> {
        let mut o = self.inner.call(c)?;
        if self.due(Fault::ErrT)
            && let Some(e) = o.err
        {
            o.err = Some(other_err(e));
            self.fired = true;
        }
        Ok(o)
    }
    fn take_packets(&mut self) -> Vec<OutPacket> {
        let mut v = self.inner.take_packets();
        let now = match self.fault {
            Fault::Segment => !self.fired,
            Fault::Window => self.armed,
            _ => false,
        };
        if now && let Some(p) = v.first_mut() {
            spoil_window(p);
            self.armed = false;
            self.fired = true;
        }
        v
    }
    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        let mut v = self.inner.take_callbacks();
        if self.due(Fault::Callback)
            && let Some(c) = v.iter_mut().find(|c| c.ret.is_some())
        {
            c.ret = c.ret.map(other_err);
            self.fired = true;
        }
        v
    }
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        let mut v = self.inner.snapshots();
        if self.due(Fault::State)
            && let Ok(conns) = v.as_mut()
            && let Some(c) = conns.first_mut()
        {
            c.cwnd += 1;
            self.fired = true;
        }
        v
    }
    fn resources(&mut self) -> Observed<Resources> {
        let mut v = self.inner.resources();
        if self.due(Fault::Resources)
            && let Ok(r) = v.as_mut()
            && let Some(heap) = r.iter_mut().find(|(n, c)| *n == "heap_bytes" && *c > 0)
        {
            heap.1 += 8;
            self.fired = true;
        }
        v
    }
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        let mut l = self.inner.teardown()?;
        if self.due(Fault::Leak) {
            match l.in_use.iter_mut().find(|(n, _)| *n == "tcp_seg") {
                Some(seg) => seg.1 += 1,
                None => l.in_use.push(("tcp_seg", 1)),
            }
            self.fired = true;
        }
        Ok(l)
    }
}
