//! The capture reader (pcap/pcapng, flows, replay preparation) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    harness::fuzzing::targets::pcap_read(data);
});
