//! `*` times: a `>` line with time `*` lets virtual time run until the
//! engine sends, and fails if it never does.

use harness::engine::Engine;
use harness::engine::c::CEngine;
use harness::from_script::to_scenario;
use harness::runner::{Trace, run_engine};

fn run(text: &str) -> Trace {
    let (script, _) = harness::script::parse("times.pkt", text).unwrap();
    let (sc, _) = to_scenario(&script).unwrap();
    let mut e = CEngine::new();
    run_engine(&mut e as &mut dyn Engine, &sc)
}

const OPEN_AND_CLOSE: &str = r#"
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 11680 <mss 1460>
+0.1  < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
+0    close(4) = 0
+0    > F. 1:1(0) ack 1 <...>
"#;

#[test]
fn star_waits_for_the_retransmission() {
    let t = run(&format!("{OPEN_AND_CLOSE}*     > F. 1:1(0) ack 1 <...>\n"));
    assert!(t.failures.is_empty(), "{:?}", t.failures);
    let last = t.steps.last().unwrap();
    assert_eq!(last.packets.len(), 1);
    // The FIN went out at 0.2 s; its retransmission comes on a slow-timer
    // tick at least a second later (lwIP's RTO is never below that here).
    let at = last.packets[0].time_us;
    assert!(at >= 1_200_000, "retransmitted at {at} µs");
    assert_eq!(at % 250_000, 0, "on a timer tick: {at} µs");
}

#[test]
fn star_fails_when_nothing_is_ever_sent() {
    // The peer acknowledges the FIN: lwIP has nothing more to send.
    let t = run(&format!(
        "{OPEN_AND_CLOSE}+0.1  < . 1:1(0) ack 2 win 65535\n*     > . 1:1(0) ack 1 <...>\n"
    ));
    assert_eq!(t.failures.len(), 1, "{:?}", t.failures);
    assert!(
        t.failures[0].message.contains("none was sent"),
        "{:?}",
        t.failures
    );
}
