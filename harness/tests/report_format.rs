//! Pins the divergence report a person reads (and the JSON a machine
//! reads) with insta snapshots. The divergences are made by an engine
//! wrapper that perturbs one observation of the C engine at one step, so
//! the reports do not depend on the port's progress.

use harness::engine::c::CEngine;
use harness::engine::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources,
};
use harness::model::{ApiCall, ScenarioConfig};
use harness::report;

#[derive(Clone, Copy)]
enum Perturb {
    /// Flip the low bit of the first packet's window field.
    Window,
    /// Make the first callback return ERR_MEM.
    CallbackRet,
    /// Add 1 to the first connection's cwnd.
    Cwnd,
}

struct Perturbed {
    inner: CEngine,
    at_step: usize,
    step: usize,
    what: Perturb,
}

impl Engine for Perturbed {
    fn name(&self) -> &str {
        "c-perturbed"
    }
    fn reset(&mut self, c: &ScenarioConfig) -> Result<(), EngineError> {
        self.step = 0;
        self.inner.reset(c)
    }
    fn advance_to(&mut self, t: u64) -> Result<(), EngineError> {
        self.inner.advance_to(t)
    }
    fn inbound(&mut self, p: &[u8]) -> Result<(), EngineError> {
        self.inner.inbound(p)
    }
    fn call(&mut self, c: &ApiCall) -> Result<CallOutcome, EngineError> {
        self.inner.call(c)
    }
    fn take_packets(&mut self) -> Vec<OutPacket> {
        let mut v = self.inner.take_packets();
        if self.step == self.at_step
            && let (Perturb::Window, Some(p)) = (self.what, v.first_mut())
        {
            // IPv4 header 20 bytes, window at TCP offset 14..16.
            p.bytes[20 + 15] ^= 1;
        }
        v
    }
    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        let mut v = self.inner.take_callbacks();
        if self.step == self.at_step
            && let (Perturb::CallbackRet, Some(c)) = (self.what, v.first_mut())
        {
            c.ret = Some(-1);
        }
        v
    }
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        let mut v = self.inner.snapshots();
        if self.step == self.at_step
            && let (Perturb::Cwnd, Ok(Some(s))) = (self.what, v.as_mut().map(|v| v.first_mut()))
        {
            s.cwnd += 1;
        }
        // snapshots() is called once per step, last.
        self.step += 1;
        v
    }
    fn resources(&mut self) -> Observed<Resources> {
        self.inner.resources()
    }
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        self.inner.teardown()
    }
}

const SCRIPT: &str = r#"// A passive open and one data segment.
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 11680 <mss 1460,nop,nop,TS val 100 ecr 100,nop,wscale 2,nop,nop,sackOK>
+0.1  < . 1:1(0) ack 1 win 257 <nop,nop,TS val 200 ecr 100>
+0    accept(3, ..., ...) = 4
+0.1  < P. 1:101(100) ack 1 win 257 <nop,nop,TS val 300 ecr 100>
+0.2  > . 1:1(0) ack 101 win 2895 <nop,nop,TS val 500 ecr 300>
"#;

fn run(at_step: usize, what: Perturb) -> report::CaseResult {
    let mut a = CEngine::new();
    let mut b = Perturbed {
        inner: CEngine::new(),
        at_step,
        step: 0,
        what,
    };
    report::run_script("inline.pkt", SCRIPT, &mut a, &mut b)
}

#[test]
fn segment_divergence_report() {
    // Step 3 is the SYN, answered by the SYN-ACK.
    let r = run(3, Perturb::Window);
    assert_eq!(r.exit_code(), 1);
    insta::assert_snapshot!(report::text(&r));
}

#[test]
fn callback_divergence_report() {
    // Step 5 is the ACK completing the handshake: the accept callback.
    let r = run(5, Perturb::CallbackRet);
    assert_eq!(r.exit_code(), 1);
    insta::assert_snapshot!(report::text(&r));
}

#[test]
fn state_divergence_report_and_json() {
    // Step 7 is the data segment.
    let r = run(7, Perturb::Cwnd);
    assert_eq!(r.exit_code(), 1);
    insta::assert_snapshot!(report::text(&r));
    insta::assert_snapshot!(report::json(std::slice::from_ref(&r)));
}

#[test]
fn same_report() {
    let mut a = CEngine::new();
    let mut b = CEngine::new();
    let r = report::run_script("inline.pkt", SCRIPT, &mut a, &mut b);
    assert_eq!(r.exit_code(), 0, "{}", report::text(&r));
    insta::assert_snapshot!(report::text(&r));
}
