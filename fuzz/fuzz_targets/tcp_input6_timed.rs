//! As tcp_input6, with a u32 BE delay (ms) before each packet record:
//! `[selector]` then `[u32 delay][u16 length][IPv6 packet]` records.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        if let Err(e) = harness::fuzzing::targets::engines_ready(true) {
            eprintln!("tcp_input6_timed: {e}");
            std::process::exit(2);
        }
    },
    |data: &[u8]| {
        harness::fuzzing::targets::tcp_input6(data, true);
    }
);
