//! lwIP's example application's build as `ci/lwip-app` makes it:
//! ci/lwip-app.d/lwipopts.h (contrib/examples/example_app/lwipopts.h, then
//! larger TCP buffers: `TCP_MSS` 1460, `TCP_WND` and `TCP_SND_BUF` 64 ×
//! MSS, `TCP_RCV_SCALE` 2, no SACK or timestamps, 16 pcbs, 512 segments,
//! a 512 KiB heap) with opt.h's defaults, the unix port's arch headers and
//! the example Makefile's `-DLWIP_DEBUG`. Dual-stack, `TCP_LISTEN_BACKLOG`,
//! `MEM_ALIGNMENT` 4, no `LWIP_CHECKSUM_ON_COPY`. (`ci/lwip-app
//! --example-opts` builds the example's own values, for which this is not
//! the description.)

use tcp_rust::Config;
use tcp_rust::storage::Absent;

use super::{MempT, lwip_mem_align_size};

/// The name ci/lwip-lib and the docs use for this build.
pub const NAME: &str = "example-app";

/// ci/lwip-app.d/lwipopts.h as the core's [`Config`]: opt.h's defaults
/// and what the file (and the example's, which it includes) sets.
pub const CONFIG: Config = {
    let mss = 1460u16;
    let wnd = 64 * mss as u32;
    let snd_buf = 64 * mss as u32;
    // TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS).
    let queuelen = (4 * snd_buf / mss as u32) as u16;
    Config {
        tcp_mss: mss,
        tcp_wnd: wnd,
        tcp_snd_buf: snd_buf,
        tcp_snd_queuelen: queuelen,
        // TCP_SNDLOWAT (TCP_SND_BUF / 2), the example's.
        tcp_sndlowat: snd_buf / 2,
        tcp_sndqueuelowat: tcp_rust::config::tcp_sndqueuelowat_default(queuelen),
        tcp_synmaxrtx: 4,
        lwip_wnd_scale: true,
        tcp_rcv_scale: 2,
        tcp_listen_backlog: true,
        tcp_wnd_update_threshold: tcp_rust::config::tcp_wnd_update_threshold_default(wnd, mss),
        tcp_oversize: mss,
        // The example's Makefile builds with LWIP_DEBUG.
        tcp_oversize_dbgcheck: true,
        memp_num_tcp_pcb: 16,
        // MEMP_NUM_TCP_SEG (2 * TCP_SND_QUEUELEN).
        memp_num_tcp_seg: 2 * queuelen,
        pbuf_pool_size: 256,
        pbuf_pool_bufsize: lwip_mem_align_size(1536) as u16,
        // Dual-stack: PBUF_IP_HLEN is IPv6's.
        pbuf_ip_hlen: 40,
        // MEMP_NUM_PBUF (2 * TCP_SND_QUEUELEN).
        memp_num_pbuf: 2 * queuelen,
        mem_size: 512 * 1024,
        mem_alignment: MEM_ALIGNMENT as u16,
        sizeof_struct_pbuf: lwip_mem_align_size(size_of::<crate::pbuf::CPbuf>()) as u16,
        // The unix port's arch/cc.h defines LWIP_RAND.
        lwip_rand_defined: true,
        // MIB2_STATS 1.
        mib2_stats: true,
        ..Config::opt_h_defaults()
    }
};

/// `LWIP_CHECKSUM_ON_COPY` (opt.h's 0): `struct tcp_seg` has no `chksum`
/// or `chksum_swapped`.
pub const LWIP_CHECKSUM_ON_COPY: bool = false;
/// `struct tcp_seg`'s `chksum`: absent.
pub type SegChksum = Absent;
/// `struct tcp_seg`'s `chksum_swapped`: absent.
pub type SegChksumSwapped = Absent;
/// `struct tcp_seg`'s `oversize_left` (`TCP_OVERSIZE_DBGCHECK`).
pub type SegOversize = u16;
/// `struct tcp_pcb_listen`'s `backlog`, `accepts_pending`
/// (`TCP_LISTEN_BACKLOG`).
pub type Backlog = u8;

/// `MEMP_TCP_PCB` in this build's `memp_t` (memp_std.h's order over the
/// pools this build enables: RAW and UDP pcbs come first).
pub const MEMP_TCP_PCB: MempT = 2;
/// `MEMP_TCP_PCB_LISTEN`.
pub const MEMP_TCP_PCB_LISTEN: MempT = 3;
/// `MEMP_TCP_SEG`.
pub const MEMP_TCP_SEG: MempT = 4;
/// `MEM_ALIGNMENT` (the example's 4).
pub const MEM_ALIGNMENT: usize = 4;
/// `MEMP_SIZE` (memp_priv.h): `LWIP_MEM_ALIGN_SIZE(0)` without
/// `MEMP_OVERFLOW_CHECK`.
pub const MEMP_SIZE: usize = 0;

/// `mem_size_t` (mem.h: `u32_t` with `MEM_SIZE` above 64000).
pub type MemSizeT = u32;

/// `offsetof(struct netif, ip_addr)`, `mtu`, `num` (this build's netif
/// has link, status and extended status callbacks and client data): on a
/// 64-bit target (x86_64)...
#[cfg(target_pointer_width = "64")]
pub const NETIF_OFFSETS: [usize; 3] = [8, 288, 302];
/// ... and on a 32-bit one (thumbv7em, `arm-none-eabi-gcc`).
#[cfg(target_pointer_width = "32")]
pub const NETIF_OFFSETS: [usize; 3] = [4, 228, 242];

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

/// `LWIP_ASSERT_CORE_LOCKED()`: the example's lwipopts.h makes it
/// `sys_check_core_locking()` (`NO_SYS` 0: the unix port's sys_arch.c
/// `LWIP_PLATFORM_ASSERT(x)`: the example app's lwipopts.h makes it
/// `lwip_example_app_platform_assert(x, __LINE__, __FILE__)` (test.c:
/// prints and aborts).
pub fn platform_assert(a: &tcp_rust::Assertion) {
    unsafe extern "C" {
        fn lwip_example_app_platform_assert(
            msg: *const core::ffi::c_char,
            line: core::ffi::c_int,
            file: *const core::ffi::c_char,
        );
    }
    let line = core::ffi::c_int::from(a.line);
    // SAFETY: two NUL-terminated static strings.
    unsafe { lwip_example_app_platform_assert(a.msg.as_ptr(), line, a.file.name().as_ptr()) }
}

/// asserts that the calling thread holds the core lock).
pub fn assert_core_locked() {
    unsafe extern "C" {
        fn sys_check_core_locking();
    }
    // SAFETY: the port's function without arguments (it asserts).
    unsafe { sys_check_core_locking() }
}

/// `offsetof(struct stats_, tcp)`: after `link`, `etharp`, `ip_frag`,
/// `ip`, `icmp`, `igmp` and `udp`.
pub const TCP_STATS_OFFSET: usize = 172;

/// `offsetof(struct stats_, mib2.tcpactiveopens)`: `struct stats_mib2`
/// is the last member, after the pools' pointers.
#[cfg(target_pointer_width = "64")]
pub const MIB2_TCP_OFFSET: usize = 612;
/// `offsetof(struct stats_, mib2.tcpactiveopens)` (32-bit pointers).
#[cfg(target_pointer_width = "32")]
pub const MIB2_TCP_OFFSET: usize = 516;
