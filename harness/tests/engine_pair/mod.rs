//! A script text as a scenario, and a scenario run on lwIP (`c`) and on
//! the port (`rust`), one after the other: what the engine-pair tests
//! share.

use harness::engine::Engine;
use harness::engine::c::CEngine;
use harness::engine::rust::RustEngine;
use harness::from_script::to_scenario;
use harness::model::Scenario;
use harness::runner::{Trace, run_engine};

/// The scenario of a script text (which must parse and map).
pub fn scenario(text: &str) -> Scenario {
    let (script, _) = harness::script::parse("inline.pkt", text).unwrap();
    to_scenario(&script).unwrap().0
}

/// The traces of `c` and `rust` on `sc`.
pub fn both(sc: &Scenario) -> (Trace, Trace) {
    let mut c = CEngine::new();
    let a = run_engine(&mut c as &mut dyn Engine, sc);
    drop(c);
    let mut r = RustEngine::new();
    let b = run_engine(&mut r as &mut dyn Engine, sc);
    (a, b)
}
