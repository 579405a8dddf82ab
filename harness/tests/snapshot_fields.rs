//! The typed pcb snapshot (issue 15): every field both engines produce
//! reaches the state oracle by its name. For every snapshot field, on a
//! connection pcb and on a listening pcb, one engine's value is changed
//! by 1, and `report::run_script` (what `tcpdiff run` calls) must report
//! a state divergence naming exactly that field of that connection, with
//! the field marked in the text report. Done both ways round (the port's
//! field planted, then lwIP's), so a field either engine drops, misnames
//! or fills from the wrong source turns this red. Before issue 15 the
//! port's snapshot matched field names by string with a `_ => 0` arm, so
//! a misspelt name compared 0 = 0; now the struct makes that a compile
//! error (see `harness::engine::snapshot`), and this test pins the path
//! from each field to the report.

use harness::engine::c::CEngine;
use harness::engine::rust::RustEngine;
use harness::engine::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    PcbSnapshot, Resources,
};
use harness::model::{ApiCall, ScenarioConfig};
use harness::oracle::Oracle;
use harness::report;
use harness::runner::Verdict;

/// A listener (conn 1, list 1) and an accepted connection with data
/// (conn 2, list 3), both alive at the end.
const SCRIPT: &str = r#"
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

/// The snapshot list a pcb is on: 1 listening, 3 active.
const LISTEN: i64 = 1;
const ACTIVE: i64 = 3;

/// Adds 1 to one field of one connection's snapshot (the pcb with that
/// number on that list: a SYN_RCVD pcb carries its listener's number).
struct Planted<E> {
    inner: E,
    field: &'static str,
    list: i64,
    conn: u32,
}

impl<E: Engine> Engine for Planted<E> {
    fn name(&self) -> &str {
        "planted"
    }
    fn reset(&mut self, c: &ScenarioConfig) -> Result<(), EngineError> {
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
        self.inner.take_packets()
    }
    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        self.inner.take_callbacks()
    }
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        let mut v = self.inner.snapshots();
        if let Ok(conns) = v.as_mut() {
            for c in conns
                .iter_mut()
                .filter(|c| c.list == self.list && c.conn == self.conn)
            {
                *c.field_mut(self.field).expect("a snapshot field") += 1;
            }
        }
        v
    }
    fn resources(&mut self) -> Observed<Resources> {
        self.inner.resources()
    }
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        self.inner.teardown()
    }
}

/// Runs the script on `a` against `b`; the state difference's fields and
/// the text report.
fn state_difference(a: &mut dyn Engine, b: &mut dyn Engine) -> (Vec<String>, String) {
    let r = report::run_script("inline.pkt", SCRIPT, a, b);
    match &r.verdict {
        Some(Verdict::Diverged(d)) => {
            assert_eq!(d.difference.oracle, Oracle::State, "{}", report::text(&r));
            (d.difference.fields.clone(), report::text(&r))
        }
        other => panic!("expected a state divergence, got {other:?}"),
    }
}

fn check(field: &'static str, list: i64, conn: u32) {
    let want = vec![format!("conn {conn} {field}")];
    let mark = format!(">> conn {conn} {field:<18}");

    let mut c = CEngine::new();
    let mut r = Planted {
        inner: RustEngine::new(),
        field,
        list,
        conn,
    };
    let (fields, text) = state_difference(&mut c, &mut r);
    assert_eq!(fields, want, "port's {field} planted (list {list})");
    assert!(text.contains(&mark), "{field}: {text}");

    let mut r = RustEngine::new();
    let mut c = Planted {
        inner: CEngine::new(),
        field,
        list,
        conn,
    };
    let (fields, text) = state_difference(&mut r, &mut c);
    assert_eq!(fields, want, "lwIP's {field} planted (list {list})");
    assert!(text.contains(&mark), "{field}: {text}");
}

#[test]
fn without_a_plant_lwip_and_the_port_agree_on_every_field() {
    let mut c = CEngine::new();
    let mut r = RustEngine::new();
    let res = report::run_script("inline.pkt", SCRIPT, &mut c, &mut r);
    assert_eq!(res.exit_code(), 0, "{}", report::text(&res));
    // Both pcb kinds were compared.
    let (_, ta, tb) = res.traces.as_ref().expect("traces");
    for t in [ta, tb] {
        let lists: Vec<i64> = t
            .steps
            .last()
            .unwrap()
            .conns()
            .iter()
            .map(|c| c.list)
            .collect();
        assert_eq!(lists, vec![LISTEN, ACTIVE], "{t:?}");
    }
}

#[test]
fn every_field_of_either_engine_reaches_the_state_oracle_by_name() {
    assert_eq!(PcbSnapshot::FIELD_NAMES.len(), 68);
    for field in PcbSnapshot::FIELD_NAMES {
        check(field, ACTIVE, 2);
        check(field, LISTEN, 1);
    }
}
