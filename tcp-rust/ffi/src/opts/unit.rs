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

/// test/unit/lwipopts.h as the core's [`Config`].
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
        tcp_ttl: 255,
        tcp_maxrtx: 12,
        tcp_synmaxrtx: 6,
        tcp_queue_ooseq: true,
        tcp_ooseq_max_bytes: 0,
        tcp_ooseq_max_pbufs: 0,
        lwip_tcp_sack_out: false,
        lwip_tcp_max_sack_num: 4,
        lwip_wnd_scale: true,
        tcp_rcv_scale: 0,
        lwip_tcp_timestamps: false,
        lwip_tcp_keepalive: false,
        tcp_listen_backlog: false,
        tcp_default_listen_backlog: 0xff,
        tcp_wnd_update_threshold: tcp_rust::config::tcp_wnd_update_threshold_default(wnd, mss),
        tcp_oversize: mss,
        // The unit-test runner is built with LWIP_DEBUG.
        tcp_oversize_dbgcheck: true,
        tcp_calculate_eff_send_mss: true,
        lwip_tcp_rto_time: 3000,
        memp_num_tcp_pcb: 5,
        memp_num_tcp_pcb_listen: 8,
        memp_num_tcp_seg: 40,
        pbuf_pool_size: 400,
        // LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + 20 + 0 + 14), MEM_ALIGNMENT 1.
        pbuf_pool_bufsize: 610,
        pbuf_link_hlen: 14,
        pbuf_link_encapsulation_hlen: 0,
        pbuf_ip_hlen: 40,
        memp_num_pbuf: 16,
        mem_size: 17000,
        mem_alignment: MEM_ALIGNMENT as u16,
        sizeof_struct_pbuf: lwip_mem_align_size(size_of::<crate::pbuf::CPbuf>()) as u16,
        lwip_rand_defined: true,
        tcp_local_port_range_start: 0xc000,
        tcp_local_port_range_end: 0xffff,
        tcp_keepidle_default: 7_200_000,
        tcp_keepintvl_default: 75_000,
        tcp_keepcnt_default: 9,
        tcp_msl: 60_000,
        tcp_fin_wait_timeout: 20_000,
        tcp_syn_rcvd_timeout: 20_000,
        tcp_tmr_interval: 250,
        checksum_gen_tcp: true,
        checksum_check_tcp: true,
        tcp_stats: true,
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

/// `LWIP_SINGLE_NETIF`.
pub const LWIP_SINGLE_NETIF: bool = false;
/// Whether `LWIP_HOOK_TCP_ISN` is defined ([`tcp_isn_hook`]).
pub const HOOK_TCP_ISN: bool = false;

/// `LWIP_ASSERT_CORE_LOCKED()`: empty (`NO_SYS` 1).
pub fn assert_core_locked() {}

/// `offsetof(struct stats_, tcp)`: after `link`, `etharp`, `ip_frag`,
/// `ip`, `icmp`, `igmp` and `udp`.
pub const TCP_STATS_OFFSET: usize = 172;
