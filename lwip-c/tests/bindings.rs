//! The committed bindings match the shim header. Runs only with
//! `--features regen-bindings` (needs libclang); CI runs it.
#![cfg(feature = "regen-bindings")]

#[test]
fn committed_bindings_are_fresh() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/bindings.rs"));
    let committed = include_str!("../src/bindings.rs");
    assert!(
        generated == committed,
        "lwip-c/src/bindings.rs is stale: regenerate with \
         `LWIP_C_WRITE_BINDINGS=1 cargo build -p lwip-c --features regen-bindings`"
    );
}

#[test]
fn build_records_what_was_compiled() {
    assert_eq!(lwip_c::build_info::LWIP_VERSION, "2.2.1");
    assert_eq!(lwip_c::build_info::TCP_C_SHA256.len(), 64);
}
