//! What the unix port's arch headers (contrib/ports/unix/port/include/
//! arch/cc.h) give the option sets built with them (`unit`,
//! `example-app`): `LWIP_RAND()` is `lwip_port_rand()`, and there is no
//! `LWIP_HOOK_TCP_ISN`.

/// `LWIP_RAND()`: the unix port's arch/cc.h makes it `lwip_port_rand()`
/// (its sys_arch.c, or test/unit's lwip_unittests.c: `(u32_t)rand()`).
pub fn lwip_rand() -> u32 {
    unsafe extern "C" {
        fn lwip_port_rand() -> core::ffi::c_uint;
    }
    // SAFETY: the port's function without arguments.
    unsafe { lwip_port_rand() }
}

/// `LWIP_HOOK_TCP_ISN`: none (`tcp_next_iss` counts with `tcp_ticks`).
pub fn tcp_isn_hook(_: [u8; 4], _: u16, _: [u8; 4], _: u16) -> Option<u32> {
    None
}

/// Whether `LWIP_HOOK_TCP_ISN` is defined: no.
pub const HOOK_TCP_ISN: bool = false;
