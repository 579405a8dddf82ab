//! Structured sessions (API calls, field-built segments, time, app
//! policies) generated with `arbitrary`, valid by construction; both
//! stacks must agree. See harness::fuzzing::session.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness::fuzzing::targets::tcp_session(data);
});
