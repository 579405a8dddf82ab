//! harness::script::parse never panics (and never hangs) on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness::fuzzing::targets::script_parse(data);
});
