//! A deliberately planted divergence: an engine wrapper that gets one
//! thing wrong under a condition the fuzzer has to find. Used by the tests
//! of `repro`/`minimize` and to check that `tcp_input` finds a planted bug
//! from its seed corpus (`TCPDIFF_FUZZ_ENGINES=c,rust+window`).
//!
//! `window`: after the engine receives a TCP segment with both URG and CWR
//! set (no script, trace or seed has that combination), the next segment
//! it sends has the low bit of its window field flipped: one wrong window
//! byte. A script can say it (`< UW. ...`), so a minimized finding is a
//! script.

use crate::engine::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources,
};
use crate::model::{ApiCall, ScenarioConfig};

/// Which divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// One wrong window bit after a segment with URG and CWR.
    Window,
}

/// An engine with a planted divergence.
pub struct Planted {
    inner: Box<dyn Engine>,
    what: Plant,
    armed: bool,
    name: String,
}

impl Planted {
    /// Wraps `inner`; `what` names the plant (`window`).
    pub fn new(inner: Box<dyn Engine>, what: &str) -> Result<Planted, String> {
        let plant = match what {
            "window" => Plant::Window,
            other => return Err(format!("no planted divergence {other} (known: window)")),
        };
        let name = format!("{}+{what}", inner.name());
        Ok(Planted {
            inner,
            what: plant,
            armed: false,
            name,
        })
    }
}

/// The TCP flag byte of a well-formed IPv4/TCP packet (one a script can
/// say), if it is one.
fn tcp_flags(p: &[u8]) -> Option<u8> {
    crate::wire::Segment::decode(p).map(|s| s.flags)
}

/// URG and CWR.
const TRIGGER: u8 = 0x20 | 0x80;

impl Engine for Planted {
    fn name(&self) -> &str {
        &self.name
    }
    fn reset(&mut self, c: &ScenarioConfig) -> Result<(), EngineError> {
        self.armed = false;
        self.inner.reset(c)
    }
    fn advance_to(&mut self, t: u64) -> Result<(), EngineError> {
        self.inner.advance_to(t)
    }
    fn inbound(&mut self, p: &[u8]) -> Result<(), EngineError> {
        if self.what == Plant::Window && tcp_flags(p).is_some_and(|f| f & TRIGGER == TRIGGER) {
            self.armed = true;
        }
        self.inner.inbound(p)
    }
    fn call(&mut self, c: &ApiCall) -> Result<CallOutcome, EngineError> {
        self.inner.call(c)
    }
    fn take_packets(&mut self) -> Vec<OutPacket> {
        let mut v = self.inner.take_packets();
        if self.armed
            && let Some(p) = v.first_mut()
        {
            let ihl = usize::from(p.bytes[0] & 0x0f) * 4;
            if let Some(b) = p.bytes.get_mut(ihl + 15) {
                *b ^= 1;
            }
            self.armed = false;
        }
        v
    }
    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        self.inner.take_callbacks()
    }
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        self.inner.snapshots()
    }
    fn resources(&mut self) -> Observed<Resources> {
        self.inner.resources()
    }
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        self.inner.teardown()
    }
}
