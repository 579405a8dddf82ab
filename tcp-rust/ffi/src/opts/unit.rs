//! lwIP's unit-test build: test/unit/lwipopts.h with opt.h's defaults,
//! the unix port's arch headers (`LWIP_RAND`) and the runner's
//! `-DLWIP_DEBUG`. Dual-stack (`ip_addr_t` 24 bytes), `LWIP_WND_SCALE`
//! with `TCP_RCV_SCALE` 0, `TCP_MSS` 536, `LWIP_CHECKSUM_ON_COPY`,
//! `TCP_OVERSIZE` with its debug check, no SACK, timestamps, keepalive or
//! listen backlog; `MEM_ALIGNMENT` 1.

use tcp_rust::Config;
use tcp_rust::storage::Absent;

use super::{MempT, lwip_mem_align_size};

/// The name ci/lwip-lib and the docs use for this build.
pub const NAME: &str = "lwip-unit";

/// test/unit/lwipopts.h as the core's [`Config`]: opt.h's defaults and
/// what the file sets (with what follows from it: the window update
/// threshold, the low-water marks, `TCP_OVERSIZE`, the pool buffer size).
pub const CONFIG: Config = {
    let mss = 536u16;
    let wnd = 10 * mss as u32;
    let snd_buf = 12 * mss as u32;
    let queuelen = 40u16;
    Config {
        tcp_mss: mss,
        tcp_wnd: wnd,
        tcp_snd_buf: snd_buf,
        tcp_snd_queuelen: queuelen,
        tcp_sndlowat: tcp_rust::config::tcp_sndlowat_default(snd_buf, mss),
        tcp_sndqueuelowat: tcp_rust::config::tcp_sndqueuelowat_default(queuelen),
        lwip_wnd_scale: true,
        tcp_wnd_update_threshold: tcp_rust::config::tcp_wnd_update_threshold_default(wnd, mss),
        tcp_oversize: mss,
        // The unit-test runner is built with LWIP_DEBUG.
        tcp_oversize_dbgcheck: true,
        memp_num_tcp_seg: 40,
        pbuf_pool_size: 400,
        // LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + 20 + 0 + 14), MEM_ALIGNMENT 1.
        pbuf_pool_bufsize: 610,
        // Dual-stack: PBUF_IP_HLEN is IPv6's.
        pbuf_ip_hlen: 40,
        mem_size: 17000,
        mem_alignment: MEM_ALIGNMENT as u16,
        sizeof_struct_pbuf: lwip_mem_align_size(size_of::<crate::pbuf::CPbuf>()) as u16,
        // The unix port's arch/cc.h defines LWIP_RAND.
        lwip_rand_defined: true,
        // MIB2_STATS 1.
        mib2_stats: true,
        ..Config::opt_h_defaults()
    }
};

/// `LWIP_CHECKSUM_ON_COPY`: `struct tcp_seg` has `chksum` and
/// `chksum_swapped`.
pub const LWIP_CHECKSUM_ON_COPY: bool = true;
/// `struct tcp_seg`'s `chksum` (`LWIP_CHECKSUM_ON_COPY`).
pub type SegChksum = u16;
/// `struct tcp_seg`'s `chksum_swapped` (`LWIP_CHECKSUM_ON_COPY`).
pub type SegChksumSwapped = u8;
/// `struct tcp_seg`'s `oversize_left` (`TCP_OVERSIZE_DBGCHECK`).
pub type SegOversize = u16;
/// `struct tcp_pcb_listen`'s `backlog`, `accepts_pending`: none
/// (`TCP_LISTEN_BACKLOG` 0).
pub type Backlog = Absent;

/// `MEMP_TCP_PCB` in this build's `memp_t` (memp_std.h's order over the
/// pools this build enables: `MEMP_RAW_PCB` 0, then TCP's three).
pub const MEMP_TCP_PCB: MempT = 1;
/// `MEMP_TCP_PCB_LISTEN`.
pub const MEMP_TCP_PCB_LISTEN: MempT = 2;
/// `MEMP_TCP_SEG`.
pub const MEMP_TCP_SEG: MempT = 3;
/// `MEM_ALIGNMENT` (opt.h's 1).
pub const MEM_ALIGNMENT: usize = 1;
/// `MEMP_SIZE` (memp_priv.h): 0 without `MEMP_OVERFLOW_CHECK`.
pub const MEMP_SIZE: usize = 0;

/// `mem_size_t` (mem.h: `u16_t` with `MEM_SIZE` up to 64000).
pub type MemSizeT = u16;

/// `offsetof(struct netif, ip_addr)`, `mtu`, `num`: on a 64-bit target
/// (x86_64)...
#[cfg(target_pointer_width = "64")]
pub const NETIF_OFFSETS: [usize; 3] = [8, 264, 278];
/// ... and on a 32-bit one (thumbv7em, `arm-none-eabi-gcc`).
#[cfg(target_pointer_width = "32")]
pub const NETIF_OFFSETS: [usize; 3] = [4, 216, 230];

/// The bytes of `struct stats_` before `mem`: `link`, `etharp`,
/// `ip_frag`, `ip`, `icmp` (twelve `u16_t` counters each), `igmp`
/// (fourteen), `udp`, `tcp`; `mem` follows at its own alignment (200 on
/// x86_64, 196 on thumbv7em).
pub const STATS_MEM_OFFSET: usize = 196;

/// `struct tcp_pcb`'s `rcv_sacks`: none (`LWIP_TCP_SACK_OUT` 0).
pub type Sacks = Absent;
/// `ts_lastacksent`, `ts_recent`: none (`LWIP_TCP_TIMESTAMPS` 0).
pub type Ts = Absent;
/// `keep_intvl`, `keep_cnt`: none (`LWIP_TCP_KEEPALIVE` 0).
pub type Keep = Absent;

pub use super::unix_port::{HOOK_TCP_ISN, lwip_rand, tcp_isn_hook};

/// `LWIP_SINGLE_NETIF`.
pub const LWIP_SINGLE_NETIF: bool = false;

/// `LWIP_PLATFORM_ASSERT(x)`: arch.h's default, which test/unit's build
/// keeps: `printf("Assertion \"%s\" failed at line %d in %s\n", x,
/// __LINE__, __FILE__); fflush(NULL); abort();`.
pub fn platform_assert(a: &tcp_rust::Assertion) {
    unsafe extern "C" {
        fn printf(fmt: *const core::ffi::c_char, ...) -> core::ffi::c_int;
        fn fflush(stream: *mut core::ffi::c_void) -> core::ffi::c_int;
        fn abort() -> !;
    }
    let line = core::ffi::c_int::from(a.line);
    // SAFETY: the format takes a string, an int and a string, which are
    // given (NUL-terminated, static); fflush(NULL) flushes every stream;
    // abort does not return.
    unsafe {
        printf(
            c"Assertion \"%s\" failed at line %d in %s\n".as_ptr(),
            a.msg.as_ptr(),
            line,
            a.file.name().as_ptr(),
        );
        fflush(core::ptr::null_mut());
        abort()
    }
}

/// `LWIP_ASSERT_CORE_LOCKED()`: empty (`NO_SYS` 1).
pub fn assert_core_locked() {}

/// `offsetof(struct stats_, tcp)`: after `link`, `etharp`, `ip_frag`,
/// `ip`, `icmp`, `igmp` and `udp`.
pub const TCP_STATS_OFFSET: usize = 172;

/// `offsetof(struct stats_, mib2.tcpactiveopens)`: `struct stats_mib2`
/// is the last member, after the pools' pointers.
#[cfg(target_pointer_width = "64")]
pub const MIB2_TCP_OFFSET: usize = 580;
/// `offsetof(struct stats_, mib2.tcpactiveopens)` (32-bit pointers).
#[cfg(target_pointer_width = "32")]
pub const MIB2_TCP_OFFSET: usize = 496;
