//! Call expectations: `= -1 ERRNO` checks the errno word too, as the
//! engine reports it or as lwIP's err_to_errno() names the err_t.

use harness::engine::Engine;
use harness::engine::c::CEngine;
use harness::from_script::to_scenario;
use harness::runner::{Trace, run_engine};

fn run(text: &str) -> Trace {
    let (script, _) = harness::script::parse("expect.pkt", text).unwrap();
    let (sc, _) = to_scenario(&script).unwrap();
    let mut e = CEngine::new();
    run_engine(&mut e as &mut dyn Engine, &sc)
}

const OPEN: &str = r#"
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 11680 <mss 1460>
+0.1  < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
"#;

#[test]
fn errno_word_is_checked() {
    let ok = run(&format!("{OPEN}+0 read(4, ..., 10) = -1 EAGAIN\n"));
    assert!(ok.failures.is_empty(), "{:?}", ok.failures);
    let bad = run(&format!("{OPEN}+0 read(4, ..., 10) = -1 ENOTCONN\n"));
    assert_eq!(bad.failures.len(), 1, "{:?}", bad.failures);
    assert!(
        bad.failures[0].message.contains("ENOTCONN"),
        "{:?}",
        bad.failures
    );
}

#[test]
fn err_t_failures_match_their_errno_or_their_name() {
    // 6000 bytes > TCP_SND_BUF (5840): tcp_write returns ERR_MEM.
    for word in ["ENOMEM", "ERR_MEM"] {
        let t = run(&format!("{OPEN}+0 write(4, ..., 6000) = -1 {word}\n"));
        assert!(t.failures.is_empty(), "{word}: {:?}", t.failures);
    }
    let t = run(&format!("{OPEN}+0 write(4, ..., 6000) = -1 EAGAIN\n"));
    assert_eq!(t.failures.len(), 1, "{:?}", t.failures);
}
