//! The bodies of the fuzz targets in `fuzz/fuzz_targets/` (kept here so
//! they are built and tested with the library; the targets are one line).

use std::cell::RefCell;

use crate::engine::Engine;

use super::drive::{self, FuzzCase, engines_for_target};
use super::input::{self, Framing};
use super::session;

/// A target family's engines, made at the first input.
type EngineSlot = RefCell<Option<Vec<Box<dyn Engine>>>>;

thread_local! {
    static ENGINES: EngineSlot = const { RefCell::new(None) };
    static ENGINES6: EngineSlot = const { RefCell::new(None) };
}

/// Checks the fuzzing engines of a target family (`ipv6`: the IPv6
/// targets') before the first input: the fuzz targets' `init` exits with
/// this message rather than report a configuration as a crash.
pub fn engines_ready(ipv6: bool) -> Result<(), String> {
    engines_for_target(ipv6).map(|_| ())
}

/// Runs a case on the fuzzing engines; any finding is a panic (a crash
/// for libFuzzer), with the report in the message. A case the engines
/// cannot run (an IPv6 case on an engine without IPv6) is skipped.
pub fn run_case(case: &FuzzCase) {
    run_on(&ENGINES, false, case);
}

fn run_on(key: &'static std::thread::LocalKey<EngineSlot>, ipv6: bool, case: &FuzzCase) {
    key.with(|e| {
        let mut e = e.borrow_mut();
        let engines =
            e.get_or_insert_with(|| engines_for_target(ipv6).unwrap_or_else(|e| panic!("{e}")));
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

/// `tcp_input6` / `tcp_input6_timed`: the same records as IPv6 packets,
/// after the prefixes translated to IPv6, on the IPv6 targets' engines
/// ([`drive::DEFAULT_ENGINES6`] unless `TCPDIFF_FUZZ_ENGINES` is set).
pub fn tcp_input6(data: &[u8], timed: bool) {
    let inp = input::decode(data, timed);
    let framing = Framing { timed, ipv6: true };
    run_on(&ENGINES6, true, &input::to_case_framed(&inp, framing));
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
