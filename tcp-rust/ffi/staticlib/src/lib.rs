//! libtcp_rust_lwip.a: tcp-rust's core behind lwIP's C ABI
//! ([`lwip_tcp_rust`], whose `#[no_mangle]` symbols are lwIP's TCP API and
//! tcp.c's globals), as a static library an lwIP build links in place of
//! `tcp.c`, `tcp_in.c` and `tcp_out.c`. This crate adds only what a
//! `no_std` static library needs: the panic handler.
//!
//! The core never panics on input (tcp-rust's rules: no `unwrap`, no
//! panicking indexing or overflow); a panic would be a bug in the port.
//! It ends the program as lwIP's failed `LWIP_ASSERT` does in lwIP's own
//! ports (`abort()`), or, on a target without an operating system, stops
//! in a loop where a debugger finds it.
//!
//! Part of the port of lwIP (© Swedish Institute of Computer Science, BSD
//! 3-clause); `../../LICENSE-lwIP` applies.
#![no_std]

pub use lwip_tcp_rust;

#[cfg(not(target_os = "none"))]
unsafe extern "C" {
    fn abort() -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(not(target_os = "none"))]
    // SAFETY: libc's abort, which does not return.
    unsafe {
        abort()
    }
    #[cfg(target_os = "none")]
    loop {
        core::hint::spin_loop();
    }
}
