//! The bodies of the fuzz targets in `fuzz/fuzz_targets/` (kept here so
//! they are built and tested with the library; the targets are one line).

use std::cell::RefCell;

use crate::engine::Engine;

use super::drive::{self, FuzzCase, engines_from_env};
use super::{input, session};

thread_local! {
    static ENGINES: RefCell<Option<Vec<Box<dyn Engine>>>> = const { RefCell::new(None) };
}

/// Runs a case on the fuzzing engines; any finding is a panic (a crash
/// for libFuzzer), with the report in the message.
pub fn run_case(case: &FuzzCase) {
    ENGINES.with(|e| {
        let mut e = e.borrow_mut();
        let engines = e.get_or_insert_with(engines_from_env);
        let checked = drive::check(case, engines, false);
        if let Some(f) = &checked.finding {
            panic!(
                "tcpdiff finding: {}\n{}",
                f.describe(),
                crate::report::text(&checked.result)
            );
        }
    });
}

/// `tcp_input` / `tcp_input_timed`.
pub fn tcp_input(data: &[u8], timed: bool) {
    let inp = input::decode(data, timed);
    run_case(&input::to_case(&inp, timed));
}

/// `tcp_session`.
pub fn tcp_session(data: &[u8]) {
    if let Some(sc) = session::scenario_of(data) {
        run_case(&FuzzCase::from_scenario(&sc));
    }
}

/// `script_parse`: parsing, mapping and printing never panic.
pub fn script_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((script, _)) = crate::script::parse("fuzz.pkt", text) {
        let printed = crate::script::print(&script);
        let _ = crate::script::parse("printed.pkt", &printed);
        let _ = crate::from_script::to_scenario(&script);
    }
}

/// `pcap_read`: reading a capture, its flows and preparing a replay never
/// panic.
pub fn pcap_read(data: &[u8]) {
    if let Ok(cap) = crate::capture::read_bytes("fuzz.pcap", data) {
        let flows = crate::capture::flows(&cap);
        let _ = crate::capture::default_flow(&flows);
        let _ = cap.summary();
        let _ = crate::replay::from_capture(&cap, crate::replay::ReplayOptions::default());
    }
}
