//! tcp_input over IPv6: `[selector byte]` then `[u16 BE length][IPv6
//! packet]` records, after the prefix states translated to IPv6 (the
//! fix-up sets the payload length and the checksum over the IPv6
//! pseudo-header). See harness::fuzzing::input. Engines: TCPDIFF_FUZZ_ENGINES,
//! default c:dual,rust:dual; until the port has IPv6,
//! TCPDIFF_FUZZ_ENGINES=c:dual,c:dual (or c:ipv6,c:ipv6).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        if let Err(e) = harness::fuzzing::targets::engines_ready(true) {
            eprintln!("tcp_input6: {e}");
            std::process::exit(2);
        }
    },
    |data: &[u8]| {
        harness::fuzzing::targets::tcp_input6(data, false);
    }
);
