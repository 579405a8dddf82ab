//! As tcp_input, with a u32 BE delay (ms) before each packet record:
//! `[selector]` then `[u32 delay][u16 length][IPv4 packet]` records.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness::fuzzing::targets::tcp_input(data, true);
});
