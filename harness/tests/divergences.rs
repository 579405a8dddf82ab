//! The documented differences between lwIP and the port
//! (docs/divergences.md), each reproduced: here the one where lwIP
//! reads a pcb it has freed. It has a test binary of its own: what lwIP
//! does with freed memory must not depend on another test's C stack
//! running beside it in the same process (in `rust_engine.rs`, under
//! load, it once went the other way while the findings ran in parallel:
//! an interaction between in-process C stacks that is not understood yet;
//! `regress` runs each case in its own process).

mod engine_pair;

use engine_pair::{both, scenario};
use harness::runner::{Verdict, compare};

#[test]
fn lwip_using_a_freed_pcb_is_the_documented_difference() {
    // docs/divergences.md: after the application's tcp_close frees the pcb
    // inside the refused FIN's recv callback, lwIP goes on with the freed
    // pcb and sends one more segment; the port stops after the RST.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/divergences/close-in-refused-fin-callback-uses-freed-pcb.pkt"
    );
    let sc = scenario(&std::fs::read_to_string(path).unwrap());
    let (a, b) = both(&sc);
    // The port holds every > line, lwIP sends one packet more.
    assert!(b.failures.is_empty(), "{:?}", b.failures);
    assert_eq!(a.failures.len(), 1, "{:?}", a.failures);
    match compare(&sc, &a, &b) {
        Verdict::Diverged(d) => {
            assert_eq!(d.difference.oracle, harness::oracle::Oracle::Segments);
            let last = d.step.unwrap();
            assert_eq!(
                (a.steps[last].packets.len(), b.steps[last].packets.len()),
                (2, 1)
            );
            assert_eq!(a.steps[last].packets[0], b.steps[last].packets[0]);
            assert!(d.source.contains("522133279"), "{}", d.source);
        }
        other => panic!("expected the documented divergence, got {other:?}"),
    }
}
