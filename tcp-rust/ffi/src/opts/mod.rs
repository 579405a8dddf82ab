//! The build description: everything in this crate that depends on the
//! lwipopts.h the library is built for, in one place.
//!
//! An lwIP build's options decide the layout of `struct tcp_pcb` (which
//! fields exist), the `memp_t` value of each TCP pool (memp_std.h's order
//! depends on which pools are enabled), the pools' sizes and alignment,
//! where `struct netif` keeps the fields TCP reads, and every TCP constant
//! (`TCP_MSS`, `TCP_WND`, ...: the core's [`Config`]). A library compiled
//! for one lwipopts.h is wrong for another, so each supported lwipopts.h
//! has a description here, and a cargo feature selects it when the library
//! is built:
//!
//! | feature | lwipopts.h | module |
//! | --- | --- | --- |
//! | `opts-unit` (default) | lwIP's test/unit/lwipopts.h, with `LWIP_DEBUG` (lwIP's unit-test runner; `ci/lwip-unit`) | `unit` |
//! | `opts-example-app` | ci/lwip-app.d/lwipopts.h: lwIP's example app's, with larger TCP buffers (`ci/lwip-app`) | `example_app` |
//! | `opts-full` | lwip-c/profiles/full/lwipopts.h: the harness's `full` profile (IPv4 only, SACK, timestamps, keepalive, backlog, its ISN hook and `LWIP_RAND`) | `full` |
//!
//! Each description is written by hand from lwIP's headers and checked
//! against the C compiler: [`for_each_c_fact!`] lists every value here with
//! the C expression it must equal, the library's object holds them as a
//! table (`tcpdiff_facts`, [`crate::layout_table`]), and `ci/lwip-lib
//! --opts NAME` compares that table, read from the built object, with one
//! the target's C compiler builds from the same lwipopts.h (so thumbv7em
//! is checked too). The structure layouts are checked the same way
//! ([`crate::for_each_c_struct!`]). A new lwipopts.h is a new module here,
//! a feature, and an entry in ci/lwip-lib's list of option sets.
//!
//! [`Config`]: tcp_rust::Config

#[cfg(any(
    all(feature = "opts-unit", feature = "opts-example-app"),
    all(feature = "opts-unit", feature = "opts-full"),
    all(feature = "opts-example-app", feature = "opts-full"),
    not(any(
        feature = "opts-unit",
        feature = "opts-example-app",
        feature = "opts-full"
    ))
))]
compile_error!(
    "lwip-tcp-rust is built for exactly one lwipopts.h: one feature of opts-unit (the default), \
     opts-example-app, opts-full (with --no-default-features for the others)"
);

#[cfg(any(feature = "opts-unit", feature = "opts-example-app"))]
mod unix_port;

#[cfg(feature = "opts-unit")]
mod unit;
#[cfg(feature = "opts-unit")]
pub use unit::*;

#[cfg(feature = "opts-example-app")]
mod example_app;
#[cfg(feature = "opts-example-app")]
pub use example_app::*;

#[cfg(feature = "opts-full")]
mod full;
#[cfg(feature = "opts-full")]
pub use full::*;

/// `memp_t` (memp.h): a C enum, only ever passed by value
/// (`memp_malloc`, `memp_free`), as an `unsigned int`.
pub type MempT = core::ffi::c_uint;

/// `LWIP_TCP_SACK_OUT` (a condition of [`crate::for_each_c_struct!`]).
pub const LWIP_TCP_SACK_OUT: bool = CONFIG.lwip_tcp_sack_out;
/// `LWIP_TCP_TIMESTAMPS`.
pub const LWIP_TCP_TIMESTAMPS: bool = CONFIG.lwip_tcp_timestamps;
/// `LWIP_TCP_KEEPALIVE`.
pub const LWIP_TCP_KEEPALIVE: bool = CONFIG.lwip_tcp_keepalive;
/// `TCP_LISTEN_BACKLOG`.
pub const TCP_LISTEN_BACKLOG: bool = CONFIG.tcp_listen_backlog;
/// `TCP_OVERSIZE_DBGCHECK` (tcp_priv.h: `TCP_OVERSIZE` and `LWIP_DEBUG`).
pub const TCP_OVERSIZE_DBGCHECK: bool = CONFIG.tcp_oversize_dbgcheck;

// The exports that exist only under TCP_LISTEN_BACKLOG follow a cargo
// feature, which must agree with the build description.
const _: () = assert!(
    cfg!(feature = "tcp-listen-backlog") == TCP_LISTEN_BACKLOG,
    "the feature tcp-listen-backlog must be on exactly for option sets with TCP_LISTEN_BACKLOG"
);

/// `offsetof(struct netif, ip_addr)`.
pub const NETIF_IP_ADDR: usize = NETIF_OFFSETS[0];
/// `offsetof(struct netif, mtu)`.
pub const NETIF_MTU: usize = NETIF_OFFSETS[1];
/// `offsetof(struct netif, num)`.
pub const NETIF_NUM: usize = NETIF_OFFSETS[2];

/// `LWIP_MEM_ALIGN_SIZE(size)` (arch.h) for this build's `MEM_ALIGNMENT`.
pub const fn lwip_mem_align_size(size: usize) -> usize {
    (size + MEM_ALIGNMENT - 1) & !(MEM_ALIGNMENT - 1)
}

/// Every value of the build description with the C expression it must
/// equal under the build's lwipopts.h (evaluated by the target's C
/// compiler with lwIP's `opt.h`, `tcp.h`, `tcp_priv.h`, `memp.h`,
/// `netif.h`, `stats.h`, `pbuf.h`, `ip.h` and ci/lwip-lib's few helper
/// macros for what lwIP defines only inside a .c file): calls `$m!(table,
/// ["C expression" => rust_value, ...])`. [`crate::layout_table`] exports
/// the Rust values as `u32`s; ci/lwip-lib reads the C expressions from
/// this list (one per line, in this form) and compares.
#[macro_export]
macro_rules! for_each_c_fact {
    ($m:ident) => {
        $m!(
            tcpdiff_facts,
            [
                // memp.h's pool numbers and memp.c's element placement.
                "MEMP_TCP_PCB" => $crate::opts::MEMP_TCP_PCB,
                "MEMP_TCP_PCB_LISTEN" => $crate::opts::MEMP_TCP_PCB_LISTEN,
                "MEMP_TCP_SEG" => $crate::opts::MEMP_TCP_SEG,
                "MEM_ALIGNMENT" => $crate::opts::MEM_ALIGNMENT,
                "MEMP_SIZE" => $crate::opts::MEMP_SIZE,
                // struct netif: the fields TCP reads.
                "offsetof(struct netif, ip_addr)" => $crate::opts::NETIF_IP_ADDR,
                "offsetof(struct netif, mtu)" => $crate::opts::NETIF_MTU,
                "offsetof(struct netif, num)" => $crate::opts::NETIF_NUM,
                // ip.c's ip_data, stats.c's lwip_stats, pbuf.h, memp_priv.h.
                "offsetof(struct ip_globals, current_iphdr_src)" => core::mem::offset_of!($crate::ip::IpGlobals, current_iphdr_src),
                "offsetof(struct ip_globals, current_iphdr_dest)" => core::mem::offset_of!($crate::ip::IpGlobals, current_iphdr_dest),
                "offsetof(struct ip_globals, current_ip_header_tot_len)" => core::mem::offset_of!($crate::ip::IpGlobals, current_ip_header_tot_len),
                "offsetof(struct stats_, mem)" => core::mem::offset_of!($crate::pbuf::StatsPrefix, mem),
                "sizeof(struct stats_mem)" => core::mem::size_of::<$crate::pbuf::StatsMem>(),
                "offsetof(struct stats_mem, used)" => core::mem::offset_of!($crate::pbuf::StatsMem, used),
                "sizeof(struct pbuf)" => core::mem::size_of::<$crate::pbuf::CPbuf>(),
                "offsetof(struct memp_desc, stats)" => core::mem::offset_of!($crate::pbuf::MempDesc, stats),
                "offsetof(struct memp_desc, size)" => core::mem::offset_of!($crate::pbuf::MempDesc, size),
                "offsetof(struct memp_desc, base)" => core::mem::offset_of!($crate::pbuf::MempDesc, base),
                "sizeof(ip_addr_t)" => core::mem::size_of::<$crate::layout::IpAddrT>(),
                "sizeof(enum tcp_state)" => core::mem::size_of::<$crate::layout::CEnum>(),
                "LWIP_IPV6" => cfg!(feature = "lwip-ipv6"),
                "TCPDIFF_STATS_NAMES" => cfg!(feature = "lwip-debug"),
                "TCPDIFF_MEMP_DESC_NAMES" => cfg!(feature = "lwip-debug"),
                "LWIP_SINGLE_NETIF" => $crate::opts::LWIP_SINGLE_NETIF,
                "TCPDIFF_HOOK_TCP_ISN" => $crate::opts::HOOK_TCP_ISN,
                // The core's Config, field by field.
                "TCP_MSS" => $crate::opts::CONFIG.tcp_mss,
                "TCP_WND" => $crate::opts::CONFIG.tcp_wnd,
                "TCP_SND_BUF" => $crate::opts::CONFIG.tcp_snd_buf,
                "TCP_SND_QUEUELEN" => $crate::opts::CONFIG.tcp_snd_queuelen,
                "TCP_SNDLOWAT" => $crate::opts::CONFIG.tcp_sndlowat,
                "TCP_SNDQUEUELOWAT" => $crate::opts::CONFIG.tcp_sndqueuelowat,
                "TCP_TTL" => $crate::opts::CONFIG.tcp_ttl,
                "TCP_MAXRTX" => $crate::opts::CONFIG.tcp_maxrtx,
                "TCP_SYNMAXRTX" => $crate::opts::CONFIG.tcp_synmaxrtx,
                "TCP_QUEUE_OOSEQ" => $crate::opts::CONFIG.tcp_queue_ooseq,
                "TCP_OOSEQ_MAX_BYTES" => $crate::opts::CONFIG.tcp_ooseq_max_bytes,
                "TCP_OOSEQ_MAX_PBUFS" => $crate::opts::CONFIG.tcp_ooseq_max_pbufs,
                "LWIP_TCP_SACK_OUT" => $crate::opts::CONFIG.lwip_tcp_sack_out,
                "LWIP_TCP_MAX_SACK_NUM" => $crate::opts::CONFIG.lwip_tcp_max_sack_num,
                "LWIP_WND_SCALE" => $crate::opts::CONFIG.lwip_wnd_scale,
                "TCP_RCV_SCALE" => $crate::opts::CONFIG.tcp_rcv_scale,
                "LWIP_TCP_TIMESTAMPS" => $crate::opts::CONFIG.lwip_tcp_timestamps,
                "LWIP_TCP_KEEPALIVE" => $crate::opts::CONFIG.lwip_tcp_keepalive,
                "TCP_LISTEN_BACKLOG" => $crate::opts::CONFIG.tcp_listen_backlog,
                "TCP_DEFAULT_LISTEN_BACKLOG" => $crate::opts::CONFIG.tcp_default_listen_backlog,
                "TCP_WND_UPDATE_THRESHOLD" => $crate::opts::CONFIG.tcp_wnd_update_threshold,
                "TCP_OVERSIZE" => $crate::opts::CONFIG.tcp_oversize,
                "TCP_OVERSIZE_DBGCHECK" => $crate::opts::CONFIG.tcp_oversize_dbgcheck,
                "TCP_CALCULATE_EFF_SEND_MSS" => $crate::opts::CONFIG.tcp_calculate_eff_send_mss,
                "LWIP_TCP_RTO_TIME" => $crate::opts::CONFIG.lwip_tcp_rto_time,
                "MEMP_NUM_TCP_PCB" => $crate::opts::CONFIG.memp_num_tcp_pcb,
                "MEMP_NUM_TCP_PCB_LISTEN" => $crate::opts::CONFIG.memp_num_tcp_pcb_listen,
                "MEMP_NUM_TCP_SEG" => $crate::opts::CONFIG.memp_num_tcp_seg,
                "PBUF_POOL_SIZE" => $crate::opts::CONFIG.pbuf_pool_size,
                "LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE)" => $crate::opts::CONFIG.pbuf_pool_bufsize,
                "PBUF_LINK_HLEN" => $crate::opts::CONFIG.pbuf_link_hlen,
                "PBUF_LINK_ENCAPSULATION_HLEN" => $crate::opts::CONFIG.pbuf_link_encapsulation_hlen,
                "PBUF_IP_HLEN" => $crate::opts::CONFIG.pbuf_ip_hlen,
                "MEMP_NUM_PBUF" => $crate::opts::CONFIG.memp_num_pbuf,
                "MEM_SIZE" => $crate::opts::CONFIG.mem_size,
                "MEM_ALIGNMENT" => $crate::opts::CONFIG.mem_alignment,
                "LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf))" => $crate::opts::CONFIG.sizeof_struct_pbuf,
                "TCPDIFF_LWIP_RAND_DEFINED" => $crate::opts::CONFIG.lwip_rand_defined,
                "TCP_LOCAL_PORT_RANGE_START" => $crate::opts::CONFIG.tcp_local_port_range_start,
                "TCP_LOCAL_PORT_RANGE_END" => $crate::opts::CONFIG.tcp_local_port_range_end,
                "TCP_KEEPIDLE_DEFAULT" => $crate::opts::CONFIG.tcp_keepidle_default,
                "TCP_KEEPINTVL_DEFAULT" => $crate::opts::CONFIG.tcp_keepintvl_default,
                "TCP_KEEPCNT_DEFAULT" => $crate::opts::CONFIG.tcp_keepcnt_default,
                "TCP_MSL" => $crate::opts::CONFIG.tcp_msl,
                "TCP_FIN_WAIT_TIMEOUT" => $crate::opts::CONFIG.tcp_fin_wait_timeout,
                "TCP_SYN_RCVD_TIMEOUT" => $crate::opts::CONFIG.tcp_syn_rcvd_timeout,
                "TCP_TMR_INTERVAL" => $crate::opts::CONFIG.tcp_tmr_interval,
                "CHECKSUM_GEN_TCP" => $crate::opts::CONFIG.checksum_gen_tcp,
                "CHECKSUM_CHECK_TCP" => $crate::opts::CONFIG.checksum_check_tcp,
                "LWIP_CHECKSUM_ON_COPY" => $crate::opts::LWIP_CHECKSUM_ON_COPY,
                "TCP_STATS" => $crate::opts::CONFIG.tcp_stats,
                "offsetof(struct stats_, tcp)" => $crate::opts::TCP_STATS_OFFSET,
                "MIB2_STATS" => $crate::opts::CONFIG.mib2_stats,
                "TCPDIFF_MIB2_TCP_OFFSET" => $crate::opts::MIB2_TCP_OFFSET,
            ]
        );
    };
}
