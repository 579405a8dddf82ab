//! Raw inbound packets for both stacks after a chosen prefix state:
//! `[selector byte]` then `[u16 BE length][IPv4 packet]` records (lwIP's
//! multi-packet fuzzer framing). See harness::fuzzing::input.
//! TCPDIFF_FUZZ_ENGINES=c (or rust) fuzzes one stack alone for crashes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness::fuzzing::targets::tcp_input(data, false);
});
