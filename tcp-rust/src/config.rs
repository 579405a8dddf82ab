//! Compile-time lwIP options (`lwipopts.h` / opt.h / tcp_priv.h) as runtime
//! configuration.
//!
//! [`Config`] holds every option lwIP's TCP (tcp.c, tcp_in.c, tcp_out.c)
//! reads. Field names are the C macro names in lower case (`TCP_MSS` →
//! `tcp_mss`). Two presets exist:
//!
//! - [`Config::full()`]: the harness profile "full", built from the
//!   constants in [`full`]. **It must equal `lwip-c/profiles/full/lwipopts.h`**
//!   as the C compiler evaluates it (`harness/tests/rust_engine.rs`,
//!   `the_ports_full_profile_is_the_c_builds_options`, compares every field
//!   with the C build's `shim_tcp_options`); when that header changes, edit
//!   only the constants in [`full`].
//! - `Config::opt_h_defaults()` (unit tests only, until a profile other than
//!   "full" runs through the harness): lwIP 2.2.1's own defaults from opt.h
//!   and tcp_priv.h, with no lwipopts.h overrides.

use crate::storage::{Pools, Storage};

/// The harness profile "full": every TCP feature switched on.
///
/// This is the single place to sync with `lwip-c/profiles/full/lwipopts.h`
/// (matched against that file as of this commit). Values marked "(opt.h)"
/// are not set there and take lwIP 2.2.1's opt.h/tcp_priv.h defaults,
/// computed with lwIP's own formulas (so changing [`full::TCP_MSS`] moves the
/// derived values just as it would in C).
pub mod full {
    /// `TCP_MSS` (lwipopts.h: 1460).
    pub const TCP_MSS: u16 = 1460;
    /// `TCP_WND` (lwipopts.h: `8 * TCP_MSS`).
    pub const TCP_WND: u32 = 8 * TCP_MSS as u32;
    /// `TCP_RCV_SCALE` (lwipopts.h: 2).
    pub const TCP_RCV_SCALE: u8 = 2;
    /// `TCP_SND_BUF` (lwipopts.h: `4 * TCP_MSS`).
    pub const TCP_SND_BUF: u32 = 4 * TCP_MSS as u32;
    /// `TCP_SND_QUEUELEN` (lwipopts.h, same formula as opt.h:
    /// `(4 * TCP_SND_BUF + (TCP_MSS - 1)) / TCP_MSS`, i.e. `4 * TCP_SND_BUF`
    /// divided by `TCP_MSS`, rounding up).
    pub const TCP_SND_QUEUELEN: u16 = (4 * TCP_SND_BUF).div_ceil(TCP_MSS as u32) as u16;
    /// `TCP_SNDLOWAT` (opt.h default:
    /// `LWIP_MIN(LWIP_MAX(TCP_SND_BUF/2, 2*TCP_MSS + 1), TCP_SND_BUF - 1)`).
    pub const TCP_SNDLOWAT: u32 = super::tcp_sndlowat_default(TCP_SND_BUF, TCP_MSS);
    /// `TCP_SNDQUEUELOWAT` (opt.h default: `LWIP_MAX(TCP_SND_QUEUELEN/2, 5)`).
    pub const TCP_SNDQUEUELOWAT: u16 = super::tcp_sndqueuelowat_default(TCP_SND_QUEUELEN);
    /// `TCP_TTL` (lwipopts.h: 255).
    pub const TCP_TTL: u8 = 255;
    /// `TCP_MAXRTX`.
    pub const TCP_MAXRTX: u8 = 12;
    /// `TCP_SYNMAXRTX`.
    pub const TCP_SYNMAXRTX: u8 = 6;
    /// `TCP_QUEUE_OOSEQ`.
    pub const TCP_QUEUE_OOSEQ: bool = true;
    /// `TCP_OOSEQ_MAX_BYTES` (opt.h: 0 = no limit, `TCP_OOSEQ_BYTES_LIMIT`
    /// is then not defined).
    pub const TCP_OOSEQ_MAX_BYTES: u32 = 0;
    /// `TCP_OOSEQ_MAX_PBUFS` (opt.h: 0 = no limit, `TCP_OOSEQ_PBUFS_LIMIT`
    /// is then not defined).
    pub const TCP_OOSEQ_MAX_PBUFS: u16 = 0;
    /// `LWIP_TCP_SACK_OUT`.
    pub const LWIP_TCP_SACK_OUT: bool = true;
    /// `LWIP_TCP_MAX_SACK_NUM` (lwipopts.h: 4).
    pub const LWIP_TCP_MAX_SACK_NUM: u8 = 4;
    /// `LWIP_WND_SCALE`.
    pub const LWIP_WND_SCALE: bool = true;
    /// `LWIP_TCP_TIMESTAMPS`.
    pub const LWIP_TCP_TIMESTAMPS: bool = true;
    /// `LWIP_TCP_KEEPALIVE`.
    pub const LWIP_TCP_KEEPALIVE: bool = true;
    /// `TCP_LISTEN_BACKLOG`.
    pub const TCP_LISTEN_BACKLOG: bool = true;
    /// `TCP_DEFAULT_LISTEN_BACKLOG`.
    pub const TCP_DEFAULT_LISTEN_BACKLOG: u8 = 0xff;
    /// `TCP_WND_UPDATE_THRESHOLD` (opt.h default:
    /// `LWIP_MIN(TCP_WND / 4, TCP_MSS * 4)`).
    pub const TCP_WND_UPDATE_THRESHOLD: u32 =
        super::tcp_wnd_update_threshold_default(TCP_WND, TCP_MSS);
    /// `TCP_OVERSIZE` (lwipopts.h: `TCP_MSS`).
    pub const TCP_OVERSIZE: u16 = TCP_MSS;
    /// `TCP_CALCULATE_EFF_SEND_MSS`.
    pub const TCP_CALCULATE_EFF_SEND_MSS: bool = true;
    /// `LWIP_TCP_RTO_TIME` (opt.h; milliseconds).
    pub const LWIP_TCP_RTO_TIME: u32 = 3000;
    /// `MEMP_NUM_TCP_PCB`.
    pub const MEMP_NUM_TCP_PCB: u16 = 5;
    /// `MEMP_NUM_TCP_PCB_LISTEN`.
    pub const MEMP_NUM_TCP_PCB_LISTEN: u16 = 2;
    /// `MEMP_NUM_TCP_SEG`.
    pub const MEMP_NUM_TCP_SEG: u16 = 16;
    /// `PBUF_POOL_SIZE`.
    pub const PBUF_POOL_SIZE: u16 = 16;
    /// `PBUF_POOL_BUFSIZE` (one 1500-byte IP packet, no link header).
    pub const PBUF_POOL_BUFSIZE: u16 = 1536;
    /// `PBUF_LINK_HLEN` (the netif speaks raw IPv4).
    pub const PBUF_LINK_HLEN: u16 = 0;
    /// `PBUF_LINK_ENCAPSULATION_HLEN`.
    pub const PBUF_LINK_ENCAPSULATION_HLEN: u16 = 0;
    /// `MEMP_NUM_PBUF` (`PBUF_ROM`/`PBUF_REF` pbufs, used by `tcp_write`
    /// without `TCP_WRITE_FLAG_COPY`).
    pub const MEMP_NUM_PBUF: u16 = 16;
    /// `MEM_SIZE` (heap for `PBUF_RAM` pbufs, i.e. every TCP segment lwIP
    /// builds).
    pub const MEM_SIZE: u32 = 16384;
    /// `MEM_ALIGNMENT` (shows on the wire: `tcp_pbuf_prealloc` rounds
    /// `length + TCP_OVERSIZE` with `LWIP_MEM_ALIGN_SIZE`).
    pub const MEM_ALIGNMENT: u16 = 8;
    /// `SIZEOF_STRUCT_PBUF` before alignment: `sizeof(struct pbuf)` on the
    /// 64-bit host the C engine is built for (two pointers, two u16, four
    /// u8). Every `PBUF_RAM` allocation from the heap carries it.
    pub const SIZEOF_STRUCT_PBUF: u16 = 24;
    /// Whether `LWIP_RAND` is defined (lwipopts.h: `tcpdiff_rand()`), which
    /// makes `tcp_init` pick a random first local port.
    pub const LWIP_RAND_DEFINED: bool = true;
    /// `TCP_LOCAL_PORT_RANGE_START` (tcp.c default).
    pub const TCP_LOCAL_PORT_RANGE_START: u16 = 0xc000;
    /// `TCP_LOCAL_PORT_RANGE_END` (tcp.c default).
    pub const TCP_LOCAL_PORT_RANGE_END: u16 = 0xffff;
    /// `TCP_KEEPIDLE_DEFAULT` (tcp_priv.h default; milliseconds).
    pub const TCP_KEEPIDLE_DEFAULT: u32 = 7_200_000;
    /// `TCP_KEEPINTVL_DEFAULT` (tcp_priv.h default; milliseconds).
    pub const TCP_KEEPINTVL_DEFAULT: u32 = 75_000;
    /// `TCP_KEEPCNT_DEFAULT` (tcp_priv.h default).
    pub const TCP_KEEPCNT_DEFAULT: u32 = 9;
    /// `TCP_MSL` (tcp_priv.h default; milliseconds).
    pub const TCP_MSL: u32 = 60_000;
    /// `TCP_FIN_WAIT_TIMEOUT` (milliseconds; not overridable in lwIP).
    pub const TCP_FIN_WAIT_TIMEOUT: u32 = 20_000;
    /// `TCP_SYN_RCVD_TIMEOUT` (milliseconds; not overridable in lwIP).
    pub const TCP_SYN_RCVD_TIMEOUT: u32 = 20_000;
    /// `TCP_TMR_INTERVAL` (tcp_priv.h default; milliseconds).
    pub const TCP_TMR_INTERVAL: u32 = 250;
    /// `CHECKSUM_GEN_TCP`.
    pub const CHECKSUM_GEN_TCP: bool = true;
    /// `CHECKSUM_CHECK_TCP`.
    pub const CHECKSUM_CHECK_TCP: bool = true;
    /// `TCP_STATS`.
    pub const TCP_STATS: bool = true;
    /// `MIB2_STATS`.
    pub const MIB2_STATS: bool = true;
}

/// Port of lwIP's `PBUF_IP_HLEN` (pbuf.h) for an IPv4-only build (40 with
/// `LWIP_IPV6`: [`Config::pbuf_ip_hlen`]).
pub const PBUF_IP_HLEN: u16 = 20;

/// lwIP's `LWIP_MAX(x, y)` (def.h): `((x) > (y)) ? (x) : (y)`.
pub const fn lwip_max(x: u32, y: u32) -> u32 {
    if x > y { x } else { y }
}

/// lwIP's `LWIP_MIN(x, y)` (def.h): `((x) < (y)) ? (x) : (y)`.
pub const fn lwip_min(x: u32, y: u32) -> u32 {
    if x < y { x } else { y }
}

/// opt.h's default `TCP_SNDLOWAT`:
/// `LWIP_MIN(LWIP_MAX(((TCP_SND_BUF)/2), (2 * TCP_MSS) + 1), (TCP_SND_BUF) - 1)`.
pub const fn tcp_sndlowat_default(tcp_snd_buf: u32, tcp_mss: u16) -> u32 {
    lwip_min(
        lwip_max(tcp_snd_buf / 2, 2 * tcp_mss as u32 + 1),
        tcp_snd_buf.wrapping_sub(1),
    )
}

/// opt.h's default `TCP_SNDQUEUELOWAT`: `LWIP_MAX(((TCP_SND_QUEUELEN)/2), 5)`.
pub const fn tcp_sndqueuelowat_default(tcp_snd_queuelen: u16) -> u16 {
    lwip_max(tcp_snd_queuelen as u32 / 2, 5) as u16
}

/// opt.h's default `TCP_WND_UPDATE_THRESHOLD`:
/// `LWIP_MIN((TCP_WND / 4), (TCP_MSS * 4))`.
pub const fn tcp_wnd_update_threshold_default(tcp_wnd: u32, tcp_mss: u16) -> u32 {
    lwip_min(tcp_wnd / 4, tcp_mss as u32 * 4)
}
/// Port of lwIP's `PBUF_TRANSPORT_HLEN` (pbuf.h).
pub const PBUF_TRANSPORT_HLEN: u16 = 20;

/// Port of lwIP's `TCP_OOSEQ_TIMEOUT` (tcp_priv.h): out-of-sequence queue
/// timeout in multiples of the RTO (fixed, not an option).
pub const TCP_OOSEQ_TIMEOUT: u32 = 6;

/// The lwIP options lwIP's TCP uses. Field names are the C macro names in
/// lower case; see the [module docs](self).
///
/// Durations are in milliseconds, as in lwIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Config {
    /// `TCP_MSS` (opt.h): maximum segment size we announce and send.
    pub tcp_mss: u16,
    /// `TCP_WND` (opt.h): receive window (`tcpwnd_size_t`, u32 with
    /// `LWIP_WND_SCALE`).
    pub tcp_wnd: u32,
    /// `TCP_SND_BUF` (opt.h): send buffer space in bytes.
    pub tcp_snd_buf: u32,
    /// `TCP_SND_QUEUELEN` (opt.h): send queue length in pbufs.
    pub tcp_snd_queuelen: u16,
    /// `TCP_SNDLOWAT` (opt.h): writable-callback threshold in bytes.
    pub tcp_sndlowat: u32,
    /// `TCP_SNDQUEUELOWAT` (opt.h): writable-callback threshold in pbufs.
    pub tcp_sndqueuelowat: u16,
    /// `TCP_TTL` (opt.h).
    pub tcp_ttl: u8,
    /// `TCP_MAXRTX` (opt.h): maximum retransmissions of data segments.
    pub tcp_maxrtx: u8,
    /// `TCP_SYNMAXRTX` (opt.h): maximum retransmissions of SYN segments.
    pub tcp_synmaxrtx: u8,
    /// `TCP_QUEUE_OOSEQ` (opt.h): queue out-of-order segments.
    pub tcp_queue_ooseq: bool,
    /// `TCP_OOSEQ_MAX_BYTES` (opt.h).
    pub tcp_ooseq_max_bytes: u32,
    /// `TCP_OOSEQ_MAX_PBUFS` (opt.h).
    pub tcp_ooseq_max_pbufs: u16,
    /// `LWIP_TCP_SACK_OUT` (opt.h): send SACKs.
    pub lwip_tcp_sack_out: bool,
    /// `LWIP_TCP_MAX_SACK_NUM` (opt.h).
    pub lwip_tcp_max_sack_num: u8,
    /// `LWIP_WND_SCALE` (opt.h).
    pub lwip_wnd_scale: bool,
    /// `TCP_RCV_SCALE` (opt.h): our window-scale shift.
    pub tcp_rcv_scale: u8,
    /// `LWIP_TCP_TIMESTAMPS` (opt.h).
    pub lwip_tcp_timestamps: bool,
    /// `LWIP_TCP_KEEPALIVE` (opt.h): per-pcb keepalive interval/count.
    pub lwip_tcp_keepalive: bool,
    /// `TCP_LISTEN_BACKLOG` (opt.h).
    pub tcp_listen_backlog: bool,
    /// `TCP_DEFAULT_LISTEN_BACKLOG` (opt.h).
    pub tcp_default_listen_backlog: u8,
    /// `TCP_WND_UPDATE_THRESHOLD` (opt.h).
    pub tcp_wnd_update_threshold: u32,
    /// `TCP_OVERSIZE` (opt.h). 0 turns it off (`#if TCP_OVERSIZE`):
    /// tcp_write allocates each pbuf at its exact length, and the pcb has
    /// no `unsent_oversize`.
    pub tcp_oversize: u16,
    /// `TCP_OVERSIZE_DBGCHECK` (tcp_priv.h: `TCP_OVERSIZE` in a build with
    /// `LWIP_DEBUG`): segments keep `oversize_left`, which tcp_write and
    /// tcp_rexmit_rto_prepare read. Needs a layout with that field
    /// ([`crate::storage::Layout::SegOversize`], checked by
    /// [`fits_storage`]).
    pub tcp_oversize_dbgcheck: bool,
    /// `TCP_CALCULATE_EFF_SEND_MSS` (opt.h).
    pub tcp_calculate_eff_send_mss: bool,
    /// `LWIP_TCP_RTO_TIME` (opt.h): initial RTO in milliseconds.
    pub lwip_tcp_rto_time: u32,
    /// `MEMP_NUM_TCP_PCB` (opt.h).
    pub memp_num_tcp_pcb: u16,
    /// `MEMP_NUM_TCP_PCB_LISTEN` (opt.h).
    pub memp_num_tcp_pcb_listen: u16,
    /// `MEMP_NUM_TCP_SEG` (opt.h).
    pub memp_num_tcp_seg: u16,
    /// `PBUF_POOL_SIZE` (opt.h).
    pub pbuf_pool_size: u16,
    /// `PBUF_POOL_BUFSIZE` (opt.h).
    pub pbuf_pool_bufsize: u16,
    /// `PBUF_LINK_HLEN` (opt.h).
    pub pbuf_link_hlen: u16,
    /// `PBUF_LINK_ENCAPSULATION_HLEN` (opt.h).
    pub pbuf_link_encapsulation_hlen: u16,
    /// `PBUF_IP_HLEN` (pbuf.h): 20, or 40 in a build with `LWIP_IPV6`
    /// (the headroom is the larger header's, whichever IP version a
    /// packet uses).
    pub pbuf_ip_hlen: u16,
    /// `MEMP_NUM_PBUF` (opt.h).
    pub memp_num_pbuf: u16,
    /// `MEM_SIZE` (opt.h): heap size for `PBUF_RAM` allocations.
    pub mem_size: u32,
    /// `MEM_ALIGNMENT` (opt.h).
    pub mem_alignment: u16,
    /// `sizeof(struct pbuf)` of the C build being mirrored (24 with 64-bit
    /// pointers, 16 with 32-bit ones): part of each `PBUF_RAM` heap block.
    pub sizeof_struct_pbuf: u16,
    /// Whether the port defines `LWIP_RAND` (used by `tcp_init`).
    pub lwip_rand_defined: bool,
    /// `TCP_LOCAL_PORT_RANGE_START` (tcp.c).
    pub tcp_local_port_range_start: u16,
    /// `TCP_LOCAL_PORT_RANGE_END` (tcp.c).
    pub tcp_local_port_range_end: u16,
    /// `TCP_KEEPIDLE_DEFAULT` (tcp_priv.h).
    pub tcp_keepidle_default: u32,
    /// `TCP_KEEPINTVL_DEFAULT` (tcp_priv.h).
    pub tcp_keepintvl_default: u32,
    /// `TCP_KEEPCNT_DEFAULT` (tcp_priv.h).
    pub tcp_keepcnt_default: u32,
    /// `TCP_MSL` (tcp_priv.h).
    pub tcp_msl: u32,
    /// `TCP_FIN_WAIT_TIMEOUT` (tcp_priv.h; fixed at 20000 in lwIP 2.2.1).
    pub tcp_fin_wait_timeout: u32,
    /// `TCP_SYN_RCVD_TIMEOUT` (tcp_priv.h; fixed at 20000 in lwIP 2.2.1).
    pub tcp_syn_rcvd_timeout: u32,
    /// `TCP_TMR_INTERVAL` (tcp_priv.h).
    pub tcp_tmr_interval: u32,
    /// `CHECKSUM_GEN_TCP` (opt.h).
    pub checksum_gen_tcp: bool,
    /// `CHECKSUM_CHECK_TCP` (opt.h).
    pub checksum_check_tcp: bool,
    /// `TCP_STATS` (opt.h: `LWIP_STATS && LWIP_TCP`): the TCP code counts
    /// into `lwip_stats.tcp` ([`crate::TcpStat`]).
    pub tcp_stats: bool,
    /// `MIB2_STATS` (opt.h; for SNMP's MIB-II): the TCP code counts into
    /// `lwip_stats.mib2`'s TCP counters ([`crate::storage::Mib2Tcp`]).
    pub mib2_stats: bool,
    /// `LWIP_NETIF_TX_SINGLE_PBUF` (opt.h): `tcp_write` always copies
    /// (`TCP_WRITE_FLAG_COPY`), never chains a pbuf to the last unsent
    /// segment (its phase 2), and with `TCP_OVERSIZE` allocates each
    /// segment's pbuf at its full size, so that a segment goes out as one
    /// pbuf.
    pub lwip_netif_tx_single_pbuf: bool,
}

/// Which of lwIP's compile-time sanity checks (init.c `#error`s) a
/// [`Config`] fails. Each variant names the C condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigError {
    /// `MEMP_NUM_TCP_PCB<=0`.
    NoTcpPcbs,
    /// `TCP_MSS` is 0 (C would divide by zero in the checks below).
    ZeroMss,
    /// `TCP_RCV_SCALE > 14` (with `LWIP_WND_SCALE`).
    RcvScaleTooBig,
    /// `TCP_WND > (0xFFFFU << TCP_RCV_SCALE)` (with `LWIP_WND_SCALE`).
    WndTooBigForScale,
    /// `(TCP_WND >> TCP_RCV_SCALE) == 0` (with `LWIP_WND_SCALE`).
    WndTooSmallForScale,
    /// `TCP_WND > 0xffff` (without `LWIP_WND_SCALE`).
    WndNotU16,
    /// `TCP_SND_QUEUELEN < 2`.
    SndQueuelenTooSmall,
    /// `TCP_MAXRTX > 12 || TCP_SYNMAXRTX > 12` (tcp_backoff table size).
    MaxRtxTooBig,
    /// `LWIP_TCP_SACK_OUT && !TCP_QUEUE_OOSEQ`.
    SackNeedsOoseq,
    /// `LWIP_TCP_SACK_OUT && (LWIP_TCP_MAX_SACK_NUM < 1)`.
    SackNumZero,
    /// `MEMP_NUM_TCP_SEG < TCP_SND_QUEUELEN`.
    TooFewSegs,
    /// `TCP_SND_BUF < (2 * TCP_MSS)`.
    SndBufTooSmall,
    /// `TCP_SND_QUEUELEN < (2 * (TCP_SND_BUF / TCP_MSS))`.
    SndQueuelenTooSmallForBuf,
    /// `TCP_SNDLOWAT >= TCP_SND_BUF`.
    SndLowatTooBig,
    /// `TCP_MSS >= ((16 * 1024) - 1)`.
    MssTooBig,
    /// `TCP_SNDLOWAT >= (0xFFFF - (4 * TCP_MSS))`.
    SndLowatOverflow,
    /// `TCP_SNDQUEUELOWAT >= TCP_SND_QUEUELEN`.
    SndQueueLowatTooBig,
    /// `LWIP_NETIF_TX_SINGLE_PBUF && !TCP_OVERSIZE` ("LWIP_NETIF_TX_SINGLE_PBUF
    /// needs TCP_OVERSIZE enabled to create single-pbuf TCP packets").
    SinglePbufNeedsOversize,
    /// `PBUF_POOL_SIZE && (PBUF_POOL_BUFSIZE <= protocol headers)`.
    PbufTooSmall,
    /// `PBUF_POOL_SIZE && TCP_WND > PBUF_POOL_SIZE * (PBUF_POOL_BUFSIZE -
    /// protocol headers)`.
    WndTooBigForPool,
    /// `TCP_WND < TCP_MSS`.
    WndSmallerThanMss,
    /// `PBUF_POOL_BUFSIZE <= MEM_ALIGNMENT`.
    PbufNotAboveAlignment,
}

/// A build profile: the port's `lwipopts.h`. Its options are constants,
/// as lwipopts.h's are to lwIP, so that the compiler folds them and drops
/// what the profile switches off; [`crate::Tcp`] is built for one profile
/// (`Tcp<H, P>`, [`Full`] by default). A profile that fails lwIP's checks
/// or the port's storage does not compile ([`checked`]).
pub trait Profile {
    /// The options.
    const CONFIG: Config;
    /// Where the pcbs, listen pcbs and segments live (`memp`):
    /// [`crate::storage::Pools`], the port's own arrays, unless the build
    /// puts lwIP's pools underneath.
    type Storage: Storage;
}

/// The harness profile "full" ([`Config::full`],
/// `lwip-c/profiles/full/lwipopts.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Full;

impl Profile for Full {
    const CONFIG: Config = Config::full();
    type Storage = Pools;
}

/// `P::CONFIG`, checked when it is compiled: a profile that fails lwIP's
/// own checks ([`Config::check`], init.c's `#error`s) or asks for more
/// than the port's storage ([`fits_storage`]) is a compile error, as
/// init.c's checks stop lwIP's build.
///
/// ```compile_fail,E0080
/// use tcp_rust::config::{checked, Config, Profile};
/// struct TooManyPcbs;
/// impl Profile for TooManyPcbs {
///     const CONFIG: Config = Config {
///         memp_num_tcp_pcb: tcp_rust::storage::MAX_PCBS as u16 + 1,
///         ..Config::full()
///     };
///     type Storage = tcp_rust::storage::Pools;
/// }
/// let _ = checked::<TooManyPcbs>();
/// ```
///
/// ```compile_fail,E0080
/// use tcp_rust::config::{checked, Config, Profile};
/// struct NoMss;
/// impl Profile for NoMss {
///     const CONFIG: Config = Config { tcp_mss: 0, ..Config::full() };
///     type Storage = tcp_rust::storage::Pools;
/// }
/// let _ = checked::<NoMss>();
/// ```
///
/// ```
/// use tcp_rust::config::{checked, Config, Full};
/// assert_eq!(checked::<Full>(), Config::full());
/// ```
pub const fn checked<P: Profile>() -> Config {
    const {
        assert!(
            P::CONFIG.check().is_ok(),
            "the profile fails lwIP's checks (Config::check)"
        );
        assert!(
            fits_storage::<P::Storage>(&P::CONFIG),
            "the profile asks for more than the port's storage (config::fits_storage)"
        );
    }
    P::CONFIG
}

/// Whether a profile fits storage `S`: its pcb, listen-pcb and segment
/// pools within `S`'s capacities ([`Storage::MAX_PCBS`],
/// [`Storage::MAX_LISTEN_PCBS`], [`Storage::MAX_SEGS`]), its SACK table
/// within [`crate::stack::MAX_SACKS`], and, where the storage's pbufs
/// are the port's own ([`Storage::PORT_PBUFS`]), its pbufs and heap within
/// what [`crate::pbuf::Pbufs::fits`] takes.
pub const fn fits_storage<S: Storage>(c: &Config) -> bool {
    c.memp_num_tcp_pcb as usize <= S::MAX_PCBS
        && c.memp_num_tcp_pcb_listen as usize <= S::MAX_LISTEN_PCBS
        && c.memp_num_tcp_seg as usize <= S::MAX_SEGS
        && c.lwip_tcp_max_sack_num as usize <= crate::stack::MAX_SACKS
        && (!S::PORT_PBUFS || crate::pbuf::Pbufs::fits(c))
        && oversize_fits::<<S::Layout as crate::storage::Layout>::SegOversize>(c)
}

/// Whether segments whose `oversize_left` is of type `F` serve `c`:
/// `TCP_OVERSIZE_DBGCHECK` needs the field.
pub const fn oversize_fits<F: crate::storage::OptField<u16>>(c: &Config) -> bool {
    !c.tcp_oversize_dbgcheck || F::PRESENT
}

impl Config {
    /// The harness profile "full" (all TCP features on), from the constants
    /// in [`full`].
    ///
    /// **Must equal `lwip-c/profiles/full/lwipopts.h`.**
    pub const fn full() -> Config {
        Config {
            tcp_mss: full::TCP_MSS,
            tcp_wnd: full::TCP_WND,
            tcp_snd_buf: full::TCP_SND_BUF,
            tcp_snd_queuelen: full::TCP_SND_QUEUELEN,
            tcp_sndlowat: full::TCP_SNDLOWAT,
            tcp_sndqueuelowat: full::TCP_SNDQUEUELOWAT,
            tcp_ttl: full::TCP_TTL,
            tcp_maxrtx: full::TCP_MAXRTX,
            tcp_synmaxrtx: full::TCP_SYNMAXRTX,
            tcp_queue_ooseq: full::TCP_QUEUE_OOSEQ,
            tcp_ooseq_max_bytes: full::TCP_OOSEQ_MAX_BYTES,
            tcp_ooseq_max_pbufs: full::TCP_OOSEQ_MAX_PBUFS,
            lwip_tcp_sack_out: full::LWIP_TCP_SACK_OUT,
            lwip_tcp_max_sack_num: full::LWIP_TCP_MAX_SACK_NUM,
            lwip_wnd_scale: full::LWIP_WND_SCALE,
            tcp_rcv_scale: full::TCP_RCV_SCALE,
            lwip_tcp_timestamps: full::LWIP_TCP_TIMESTAMPS,
            lwip_tcp_keepalive: full::LWIP_TCP_KEEPALIVE,
            tcp_listen_backlog: full::TCP_LISTEN_BACKLOG,
            tcp_default_listen_backlog: full::TCP_DEFAULT_LISTEN_BACKLOG,
            tcp_wnd_update_threshold: full::TCP_WND_UPDATE_THRESHOLD,
            tcp_oversize: full::TCP_OVERSIZE,
            tcp_oversize_dbgcheck: false,
            tcp_calculate_eff_send_mss: full::TCP_CALCULATE_EFF_SEND_MSS,
            lwip_tcp_rto_time: full::LWIP_TCP_RTO_TIME,
            memp_num_tcp_pcb: full::MEMP_NUM_TCP_PCB,
            memp_num_tcp_pcb_listen: full::MEMP_NUM_TCP_PCB_LISTEN,
            memp_num_tcp_seg: full::MEMP_NUM_TCP_SEG,
            pbuf_pool_size: full::PBUF_POOL_SIZE,
            pbuf_pool_bufsize: full::PBUF_POOL_BUFSIZE,
            pbuf_link_hlen: full::PBUF_LINK_HLEN,
            pbuf_link_encapsulation_hlen: full::PBUF_LINK_ENCAPSULATION_HLEN,
            pbuf_ip_hlen: PBUF_IP_HLEN,
            memp_num_pbuf: full::MEMP_NUM_PBUF,
            mem_size: full::MEM_SIZE,
            mem_alignment: full::MEM_ALIGNMENT,
            sizeof_struct_pbuf: full::SIZEOF_STRUCT_PBUF,
            lwip_rand_defined: full::LWIP_RAND_DEFINED,
            tcp_local_port_range_start: full::TCP_LOCAL_PORT_RANGE_START,
            tcp_local_port_range_end: full::TCP_LOCAL_PORT_RANGE_END,
            tcp_keepidle_default: full::TCP_KEEPIDLE_DEFAULT,
            tcp_keepintvl_default: full::TCP_KEEPINTVL_DEFAULT,
            tcp_keepcnt_default: full::TCP_KEEPCNT_DEFAULT,
            tcp_msl: full::TCP_MSL,
            tcp_fin_wait_timeout: full::TCP_FIN_WAIT_TIMEOUT,
            tcp_syn_rcvd_timeout: full::TCP_SYN_RCVD_TIMEOUT,
            tcp_tmr_interval: full::TCP_TMR_INTERVAL,
            checksum_gen_tcp: full::CHECKSUM_GEN_TCP,
            checksum_check_tcp: full::CHECKSUM_CHECK_TCP,
            tcp_stats: full::TCP_STATS,
            mib2_stats: full::MIB2_STATS,
            lwip_netif_tx_single_pbuf: false,
        }
    }

    /// lwIP 2.2.1's defaults (opt.h, tcp_priv.h, tcp.c) with an empty
    /// lwipopts.h, for an IPv4-only build over Ethernet: no window scaling,
    /// timestamps, SACK, keepalive options or listen backlog; `LWIP_RAND`
    /// undefined. Derived values are opt.h's formulas evaluated by hand.
    /// (The harness runs the "full" profile; a build description over
    /// lwIP's storage, tcp-rust/ffi/src/opts/, starts from these and sets
    /// what its lwipopts.h sets.)
    pub const fn opt_h_defaults() -> Config {
        Config {
            tcp_mss: 536,
            tcp_wnd: 2144,        // 4 * TCP_MSS
            tcp_snd_buf: 1072,    // 2 * TCP_MSS
            tcp_snd_queuelen: 8,  // (4*1072 + 535) / 536
            tcp_sndlowat: 1071,   // MIN(MAX(536, 1073), 1071)
            tcp_sndqueuelowat: 5, // MAX(8/2, 5)
            tcp_ttl: 255,         // IP_DEFAULT_TTL
            tcp_maxrtx: 12,
            tcp_synmaxrtx: 6,
            tcp_queue_ooseq: true, // LWIP_TCP
            tcp_ooseq_max_bytes: 0,
            tcp_ooseq_max_pbufs: 0,
            lwip_tcp_sack_out: false,
            lwip_tcp_max_sack_num: 4,
            lwip_wnd_scale: false,
            tcp_rcv_scale: 0,
            lwip_tcp_timestamps: false,
            lwip_tcp_keepalive: false,
            tcp_listen_backlog: false,
            tcp_default_listen_backlog: 0xff,
            tcp_wnd_update_threshold: 536, // MIN(2144/4, 536*4)
            tcp_oversize: 536,             // TCP_MSS
            tcp_oversize_dbgcheck: false,
            tcp_calculate_eff_send_mss: true,
            lwip_tcp_rto_time: 3000,
            memp_num_tcp_pcb: 5,
            memp_num_tcp_pcb_listen: 8,
            memp_num_tcp_seg: 16,
            pbuf_pool_size: 16,
            pbuf_pool_bufsize: 590, // ALIGN_SIZE(536 + 20 + 20 + 0 + 14), MEM_ALIGNMENT 1
            pbuf_link_hlen: 14,
            pbuf_link_encapsulation_hlen: 0,
            pbuf_ip_hlen: 20,
            memp_num_pbuf: 16,
            mem_size: 1600,
            mem_alignment: 1,
            sizeof_struct_pbuf: 24,
            lwip_rand_defined: false,
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
            mib2_stats: false,
            lwip_netif_tx_single_pbuf: false,
        }
    }

    /// `PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN + PBUF_IP_HLEN +
    /// PBUF_TRANSPORT_HLEN`: the headroom `pbuf_alloc(PBUF_TRANSPORT, ..)`
    /// reserves, as used by init.c's pbuf sanity checks.
    pub const fn pbuf_proto_hlen_sum(&self) -> u32 {
        self.pbuf_link_encapsulation_hlen as u32
            + self.pbuf_link_hlen as u32
            + self.pbuf_ip_hlen as u32
            + PBUF_TRANSPORT_HLEN as u32
    }

    /// lwIP's `PBUF_IP` layer (pbuf.h): the headroom
    /// `pbuf_alloc(PBUF_IP, ..)` reserves (link headers and the IP header).
    pub const fn pbuf_layer_ip(&self) -> u16 {
        self.pbuf_link_encapsulation_hlen
            .wrapping_add(self.pbuf_link_hlen)
            .wrapping_add(self.pbuf_ip_hlen)
    }

    /// lwIP's `PBUF_TRANSPORT` layer (pbuf.h): `PBUF_IP` plus the TCP
    /// header.
    pub const fn pbuf_layer_transport(&self) -> u16 {
        self.pbuf_layer_ip().wrapping_add(PBUF_TRANSPORT_HLEN)
    }

    /// Port of lwIP's `LWIP_MEM_ALIGN_SIZE(size)` (arch.h):
    /// `(size + MEM_ALIGNMENT - 1) & ~(MEM_ALIGNMENT - 1)`, wrapping.
    /// (Like the C macro, meaningful only for a power-of-two alignment.)
    pub const fn lwip_mem_align_size(&self, size: u32) -> u32 {
        let a = self.mem_alignment as u32;
        size.wrapping_add(a).wrapping_sub(1) & !a.wrapping_sub(1)
    }

    /// Port of lwIP's `TCP_ENSURE_LOCAL_PORT_RANGE(port)` (tcp.c):
    /// `(u16_t)((port & ~TCP_LOCAL_PORT_RANGE_START) +
    /// TCP_LOCAL_PORT_RANGE_START)`.
    pub const fn tcp_ensure_local_port_range(&self, port: u16) -> u16 {
        (port & !self.tcp_local_port_range_start).wrapping_add(self.tcp_local_port_range_start)
    }

    /// Port of lwIP's `TCP_FAST_INTERVAL` (tcp_priv.h): `TCP_TMR_INTERVAL`.
    pub const fn tcp_fast_interval(&self) -> u32 {
        self.tcp_tmr_interval
    }

    /// Port of lwIP's `TCP_SLOW_INTERVAL` (tcp_priv.h):
    /// `2*TCP_TMR_INTERVAL` (wrapping, never panics).
    pub const fn tcp_slow_interval(&self) -> u32 {
        self.tcp_tmr_interval.wrapping_mul(2)
    }

    /// Port of lwIP's `TCP_WND_MAX(pcb)` (tcp.h) given whether the pcb has
    /// `TF_WND_SCALE`: `TCP_WND` when scaling is in use, else
    /// `TCPWND16(TCP_WND)` (= `min(TCP_WND, 0xFFFF)`). Without
    /// `LWIP_WND_SCALE` it is plain `TCP_WND`.
    pub const fn tcp_wnd_max(&self, pcb_wnd_scale: bool) -> u32 {
        if !self.lwip_wnd_scale || pcb_wnd_scale {
            self.tcp_wnd
        } else {
            lwip_min(self.tcp_wnd, 0xffff)
        }
    }

    /// The largest `tcpwnd_size_t` (tcp.h: `u32_t` with `LWIP_WND_SCALE`,
    /// else `u16_t`): where `TCP_WND_INC` saturates and what a cast to
    /// `tcpwnd_size_t` keeps.
    pub const fn tcpwnd_size_max(&self) -> u32 {
        if self.lwip_wnd_scale {
            u32::MAX
        } else {
            0xffff
        }
    }

    /// Port of lwIP's compile-time TCP checks in init.c (the `#error`s that
    /// apply to TCP, including the `LWIP_DISABLE_TCP_SANITY_CHECKS` ones,
    /// assuming `MEMP_MEM_MALLOC` 0), plus `PBUF_POOL_BUFSIZE <=
    /// MEM_ALIGNMENT`. Returns the first failing check.
    pub const fn check(&self) -> Result<(), ConfigError> {
        if self.memp_num_tcp_pcb == 0 {
            return Err(ConfigError::NoTcpPcbs);
        }
        if self.tcp_mss == 0 {
            return Err(ConfigError::ZeroMss);
        }
        if self.lwip_wnd_scale {
            if self.tcp_rcv_scale > 14 {
                return Err(ConfigError::RcvScaleTooBig);
            }
            if self.tcp_wnd > (0xffffu32 << self.tcp_rcv_scale) {
                return Err(ConfigError::WndTooBigForScale);
            }
            if (self.tcp_wnd >> self.tcp_rcv_scale) == 0 {
                return Err(ConfigError::WndTooSmallForScale);
            }
        } else if self.tcp_wnd > 0xffff {
            return Err(ConfigError::WndNotU16);
        }
        if self.tcp_snd_queuelen < 2 {
            return Err(ConfigError::SndQueuelenTooSmall);
        }
        if self.tcp_maxrtx > 12 || self.tcp_synmaxrtx > 12 {
            return Err(ConfigError::MaxRtxTooBig);
        }
        if self.lwip_tcp_sack_out && !self.tcp_queue_ooseq {
            return Err(ConfigError::SackNeedsOoseq);
        }
        if self.lwip_tcp_sack_out && self.lwip_tcp_max_sack_num < 1 {
            return Err(ConfigError::SackNumZero);
        }
        if self.lwip_netif_tx_single_pbuf && self.tcp_oversize == 0 {
            return Err(ConfigError::SinglePbufNeedsOversize);
        }
        // "TCP sanity checks" (init.c, !LWIP_DISABLE_TCP_SANITY_CHECKS).
        if self.memp_num_tcp_seg < self.tcp_snd_queuelen {
            return Err(ConfigError::TooFewSegs);
        }
        let mss = self.tcp_mss as u32;
        if self.tcp_snd_buf < 2 * mss {
            return Err(ConfigError::SndBufTooSmall);
        }
        if (self.tcp_snd_queuelen as u32) < 2 * (self.tcp_snd_buf / mss) {
            return Err(ConfigError::SndQueuelenTooSmallForBuf);
        }
        if self.tcp_sndlowat >= self.tcp_snd_buf {
            return Err(ConfigError::SndLowatTooBig);
        }
        if mss >= (16 * 1024) - 1 {
            return Err(ConfigError::MssTooBig);
        }
        // mss < 16383 here, so 4 * mss < 0xFFFF.
        if self.tcp_sndlowat >= 0xffff - 4 * mss {
            return Err(ConfigError::SndLowatOverflow);
        }
        if self.tcp_sndqueuelowat >= self.tcp_snd_queuelen {
            return Err(ConfigError::SndQueueLowatTooBig);
        }
        if self.pbuf_pool_size != 0 {
            let hdrs = self.pbuf_proto_hlen_sum();
            if (self.pbuf_pool_bufsize as u32) <= hdrs {
                return Err(ConfigError::PbufTooSmall);
            }
            let per = self.pbuf_pool_bufsize as u32 - hdrs;
            if self.tcp_wnd > (self.pbuf_pool_size as u32).saturating_mul(per) {
                return Err(ConfigError::WndTooBigForPool);
            }
        }
        if self.tcp_wnd < mss {
            return Err(ConfigError::WndSmallerThanMss);
        }
        if self.pbuf_pool_bufsize <= self.mem_alignment {
            return Err(ConfigError::PbufNotAboveAlignment);
        }
        // Whether the port's own heap can model MEM_SIZE and MEM_ALIGNMENT
        // is its storage's question (fits_storage, Pbufs::fits), not
        // lwIP's: a build over lwIP's mem.c takes any.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_values() {
        // lwip-c/profiles/full/lwipopts.h, with opt.h formulas for the rest.
        let c = Config::full();
        assert_eq!(c.tcp_mss, 1460);
        assert_eq!(c.tcp_wnd, 11680);
        assert_eq!(c.tcp_rcv_scale, 2);
        assert_eq!(c.tcp_snd_buf, 5840);
        assert_eq!(c.tcp_snd_queuelen, 16); // (23360 + 1459) / 1460
        assert_eq!(c.tcp_sndlowat, 2921); // MIN(MAX(2920, 2921), 5839)
        assert_eq!(c.tcp_sndqueuelowat, 8); // MAX(8, 5)
        assert_eq!(c.tcp_wnd_update_threshold, 2920); // MIN(2920, 5840)
        assert_eq!(c.tcp_oversize, 1460);
        assert_eq!(c.pbuf_pool_bufsize, 1536);
        assert_eq!(c.pbuf_proto_hlen_sum(), 40);
        assert_eq!(
            (c.mem_size, c.mem_alignment, c.memp_num_pbuf),
            (16384, 8, 16)
        );
        assert_eq!(
            (
                c.memp_num_tcp_pcb,
                c.memp_num_tcp_pcb_listen,
                c.memp_num_tcp_seg
            ),
            (5, 2, 16)
        );
        assert_eq!(c.tcp_ttl, 255);
        assert_eq!((c.tcp_maxrtx, c.tcp_synmaxrtx), (12, 6));
        assert_eq!(c.tcp_default_listen_backlog, 0xff);
        assert_eq!(c.lwip_tcp_max_sack_num, 4);
        assert_eq!(c.tcp_slow_interval(), 500);
        assert_eq!(c.tcp_fast_interval(), 250);
        assert!(c.lwip_wnd_scale && c.lwip_tcp_timestamps && c.lwip_tcp_sack_out);
        assert!(c.tcp_queue_ooseq && c.lwip_tcp_keepalive && c.tcp_listen_backlog);
        assert!(c.checksum_gen_tcp && c.checksum_check_tcp);
        assert!(c.tcp_calculate_eff_send_mss && c.lwip_rand_defined);
        assert_eq!(c.check(), Ok(()));
    }

    #[test]
    fn helpers() {
        let c = Config::full();
        assert_eq!(c.lwip_mem_align_size(1460 + 1), 1464);
        assert_eq!(c.lwip_mem_align_size(1464), 1464);
        assert_eq!(c.lwip_mem_align_size(u32::MAX), 0);
        assert_eq!(Config::opt_h_defaults().lwip_mem_align_size(591), 591);
        assert_eq!(c.tcp_ensure_local_port_range(0), 0xc000);
        assert_eq!(c.tcp_ensure_local_port_range(0x1234), 0xd234);
        assert_eq!(c.tcp_ensure_local_port_range(0xffff), 0xffff);
    }

    #[test]
    fn opt_h_defaults_pass_checks() {
        let c = Config::opt_h_defaults();
        assert_eq!(c.check(), Ok(()));
        assert!(!c.lwip_wnd_scale && !c.lwip_tcp_timestamps && !c.lwip_tcp_sack_out);
        assert_eq!(c.tcp_wnd_max(false), 2144);
    }

    #[test]
    fn opt_h_formulas() {
        assert_eq!((lwip_max(3, 5), lwip_max(5, 3), lwip_max(4, 4)), (5, 5, 4));
        assert_eq!((lwip_min(3, 5), lwip_min(5, 3), lwip_min(4, 4)), (3, 3, 4));
        // opt.h's defaults: TCP_MSS 536, TCP_SND_BUF 2 * TCP_MSS, TCP_WND 4 * TCP_MSS.
        assert_eq!(tcp_sndlowat_default(1072, 536), 1071); // MIN(MAX(536, 1073), 1071)
        assert_eq!(tcp_sndlowat_default(5840, 1460), 2921); // MIN(MAX(2920, 2921), 5839)
        assert_eq!(tcp_sndlowat_default(40_000, 1460), 20_000); // MIN(MAX(20000, 2921), 39999)
        assert_eq!(tcp_sndlowat_default(4001, 536), 2000); // 4001 / 2 rounds down
        assert_eq!(tcp_sndqueuelowat_default(9), 5); // MAX(4, 5)
        assert_eq!(tcp_sndqueuelowat_default(16), 8);
        assert_eq!(tcp_sndqueuelowat_default(17), 8);
        assert_eq!(tcp_wnd_update_threshold_default(2144, 536), 536); // MIN(536, 2144)
        assert_eq!(tcp_wnd_update_threshold_default(65_535, 1460), 5840); // MIN(16383, 5840)
        assert_eq!(tcp_wnd_update_threshold_default(11_681, 1460), 2920); // 11681 / 4 rounds down
    }

    #[test]
    fn wnd_max() {
        let mut c = Config::full();
        c.tcp_wnd = 0x2_0000;
        assert_eq!(c.tcp_wnd_max(true), 0x2_0000);
        assert_eq!(c.tcp_wnd_max(false), 0xffff);
    }

    #[test]
    fn checks_fire() {
        let base = Config::full();
        let mut c = base;
        c.tcp_rcv_scale = 15;
        assert_eq!(c.check(), Err(ConfigError::RcvScaleTooBig));
        let mut c = base;
        c.tcp_wnd = (0xffff << 2) | 1;
        c.pbuf_pool_size = 0;
        assert_eq!(c.check(), Err(ConfigError::WndTooBigForScale));
        let mut c = base;
        c.tcp_wnd = 3;
        assert_eq!(c.check(), Err(ConfigError::WndTooSmallForScale));
        let mut c = base;
        c.tcp_wnd = c.tcp_mss as u32 - 1;
        assert_eq!(c.check(), Err(ConfigError::WndSmallerThanMss));
        let mut c = Config::opt_h_defaults();
        c.tcp_wnd = 0x1_0000;
        assert_eq!(c.check(), Err(ConfigError::WndNotU16));
        let mut c = base;
        c.tcp_maxrtx = 13;
        assert_eq!(c.check(), Err(ConfigError::MaxRtxTooBig));
        let mut c = base;
        c.tcp_queue_ooseq = false;
        assert_eq!(c.check(), Err(ConfigError::SackNeedsOoseq));
        let mut c = base;
        c.tcp_mss = 0;
        assert_eq!(c.check(), Err(ConfigError::ZeroMss));
        let mut c = base;
        c.memp_num_tcp_seg = 15;
        assert_eq!(c.check(), Err(ConfigError::TooFewSegs));
        let mut c = base;
        c.tcp_sndlowat = c.tcp_snd_buf;
        assert_eq!(c.check(), Err(ConfigError::SndLowatTooBig));
        let mut c = base;
        c.pbuf_pool_size = 1;
        assert_eq!(c.check(), Err(ConfigError::WndTooBigForPool));
        let mut c = base;
        c.pbuf_pool_bufsize = 40;
        assert_eq!(c.check(), Err(ConfigError::PbufTooSmall));
    }

    /// Each init.c condition at its boundary: the last value that passes
    /// and the first that fails (with the failure it must report), each
    /// built from the full profile with only what the check needs changed.
    #[test]
    fn checks_have_exact_boundaries() {
        type Edit = fn(&mut Config);
        let cases: &[(&str, Edit, Result<(), ConfigError>)] = &[
            ("1 pcb", |c| c.memp_num_tcp_pcb = 1, Ok(())),
            (
                "0 pcbs",
                |c| c.memp_num_tcp_pcb = 0,
                Err(ConfigError::NoTcpPcbs),
            ),
            // TCP_RCV_SCALE 14 with a window of exactly 1 << 14.
            (
                "scale 14",
                |c| (c.tcp_rcv_scale, c.tcp_wnd) = (14, 1 << 14),
                Ok(()),
            ),
            (
                "scale 14, wnd >> 14 == 0",
                |c| (c.tcp_rcv_scale, c.tcp_wnd) = (14, (1 << 14) - 1),
                Err(ConfigError::WndTooSmallForScale),
            ),
            (
                "scale 15",
                |c| c.tcp_rcv_scale = 15,
                Err(ConfigError::RcvScaleTooBig),
            ),
            // TCP_WND <= 0xFFFF << TCP_RCV_SCALE (no pool limit).
            (
                "wnd 0xffff << 1",
                |c| (c.tcp_rcv_scale, c.tcp_wnd, c.pbuf_pool_size) = (1, 0xffff << 1, 0),
                Ok(()),
            ),
            (
                "wnd past 0xffff << 1",
                |c| (c.tcp_rcv_scale, c.tcp_wnd, c.pbuf_pool_size) = (1, (0xffff << 1) + 1, 0),
                Err(ConfigError::WndTooBigForScale),
            ),
            (
                "no scaling, wnd 0xffff",
                |c| (c.lwip_wnd_scale, c.tcp_wnd, c.pbuf_pool_size) = (false, 0xffff, 0),
                Ok(()),
            ),
            (
                "no scaling, wnd 0x10000",
                |c| (c.lwip_wnd_scale, c.tcp_wnd, c.pbuf_pool_size) = (false, 0x1_0000, 0),
                Err(ConfigError::WndNotU16),
            ),
            // TCP_SND_QUEUELEN >= 2 is checked before the buffer-derived
            // bound (which 2 still fails).
            (
                "queuelen 0",
                |c| c.tcp_snd_queuelen = 0,
                Err(ConfigError::SndQueuelenTooSmall),
            ),
            (
                "queuelen 1",
                |c| c.tcp_snd_queuelen = 1,
                Err(ConfigError::SndQueuelenTooSmall),
            ),
            (
                "queuelen 2",
                |c| (c.tcp_snd_queuelen, c.tcp_sndqueuelowat) = (2, 1),
                Err(ConfigError::SndQueuelenTooSmallForBuf),
            ),
            (
                "maxrtx 12, synmaxrtx 12",
                |c| (c.tcp_maxrtx, c.tcp_synmaxrtx) = (12, 12),
                Ok(()),
            ),
            (
                "maxrtx 13",
                |c| c.tcp_maxrtx = 13,
                Err(ConfigError::MaxRtxTooBig),
            ),
            (
                "synmaxrtx 13",
                |c| c.tcp_synmaxrtx = 13,
                Err(ConfigError::MaxRtxTooBig),
            ),
            ("1 SACK block", |c| c.lwip_tcp_max_sack_num = 1, Ok(())),
            (
                "0 SACK blocks",
                |c| c.lwip_tcp_max_sack_num = 0,
                Err(ConfigError::SackNumZero),
            ),
            (
                "no SACK, 0 blocks",
                |c| (c.lwip_tcp_sack_out, c.lwip_tcp_max_sack_num) = (false, 0),
                Ok(()),
            ),
            (
                "single pbuf with oversize",
                |c| c.lwip_netif_tx_single_pbuf = true,
                Ok(()),
            ),
            (
                "single pbuf, no oversize",
                |c| (c.lwip_netif_tx_single_pbuf, c.tcp_oversize) = (true, 0),
                Err(ConfigError::SinglePbufNeedsOversize),
            ),
            ("no oversize", |c| c.tcp_oversize = 0, Ok(())),
            (
                "segs == queuelen",
                |c| c.memp_num_tcp_seg = c.tcp_snd_queuelen,
                Ok(()),
            ),
            (
                "segs < queuelen",
                |c| c.memp_num_tcp_seg = c.tcp_snd_queuelen - 1,
                Err(ConfigError::TooFewSegs),
            ),
            // TCP_SND_BUF >= 2 * TCP_MSS.
            (
                "snd_buf 2 * mss",
                |c| (c.tcp_snd_buf, c.tcp_sndlowat) = (2920, 1000),
                Ok(()),
            ),
            (
                "snd_buf 2 * mss - 1",
                |c| (c.tcp_snd_buf, c.tcp_sndlowat) = (2919, 1000),
                Err(ConfigError::SndBufTooSmall),
            ),
            // TCP_SND_QUEUELEN >= 2 * (TCP_SND_BUF / TCP_MSS) = 8.
            (
                "queuelen 8",
                |c| (c.tcp_snd_queuelen, c.tcp_sndqueuelowat) = (8, 5),
                Ok(()),
            ),
            (
                "queuelen 7",
                |c| (c.tcp_snd_queuelen, c.tcp_sndqueuelowat) = (7, 5),
                Err(ConfigError::SndQueuelenTooSmallForBuf),
            ),
            (
                "sndlowat snd_buf - 1",
                |c| c.tcp_sndlowat = c.tcp_snd_buf - 1,
                Ok(()),
            ),
            (
                "sndlowat snd_buf",
                |c| c.tcp_sndlowat = c.tcp_snd_buf,
                Err(ConfigError::SndLowatTooBig),
            ),
            // TCP_MSS < 16 * 1024 - 1; 0xFFFF - 4 * 16382 = 7 leaves
            // TCP_SNDLOWAT at most 6.
            (
                "mss 16382",
                |c| {
                    (c.tcp_mss, c.tcp_snd_buf, c.tcp_sndlowat) = (16382, 2 * 16382, 6);
                    (c.tcp_wnd, c.pbuf_pool_size) = (2 * 16382, 0);
                },
                Ok(()),
            ),
            (
                "mss 16383",
                |c| {
                    (c.tcp_mss, c.tcp_snd_buf, c.tcp_sndlowat) = (16383, 2 * 16383, 6);
                    (c.tcp_wnd, c.pbuf_pool_size) = (2 * 16383, 0);
                },
                Err(ConfigError::MssTooBig),
            ),
            // TCP_SNDLOWAT < 0xFFFF - 4 * TCP_MSS = 59695.
            (
                "sndlowat 59694",
                |c| {
                    (c.tcp_snd_buf, c.tcp_sndlowat) = (60_000, 59_694);
                    (c.tcp_snd_queuelen, c.memp_num_tcp_seg) = (82, 82);
                },
                Ok(()),
            ),
            (
                "sndlowat 59695",
                |c| {
                    (c.tcp_snd_buf, c.tcp_sndlowat) = (60_000, 59_695);
                    (c.tcp_snd_queuelen, c.memp_num_tcp_seg) = (82, 82);
                },
                Err(ConfigError::SndLowatOverflow),
            ),
            (
                "sndqueuelowat queuelen - 1",
                |c| c.tcp_sndqueuelowat = c.tcp_snd_queuelen - 1,
                Ok(()),
            ),
            (
                "sndqueuelowat queuelen",
                |c| c.tcp_sndqueuelowat = c.tcp_snd_queuelen,
                Err(ConfigError::SndQueueLowatTooBig),
            ),
            // PBUF_POOL_BUFSIZE > the headers (2 + 14 + 20 + 20 = 56 here).
            (
                "pool bufsize 57",
                |c| {
                    (c.pbuf_link_encapsulation_hlen, c.pbuf_link_hlen) = (2, 14);
                    (c.pbuf_pool_bufsize, c.pbuf_pool_size) = (57, 65_535);
                },
                Ok(()),
            ),
            (
                "pool bufsize 56",
                |c| {
                    (c.pbuf_link_encapsulation_hlen, c.pbuf_link_hlen) = (2, 14);
                    (c.pbuf_pool_bufsize, c.pbuf_pool_size) = (56, 65_535);
                },
                Err(ConfigError::PbufTooSmall),
            ),
            // TCP_WND <= PBUF_POOL_SIZE * (PBUF_POOL_BUFSIZE - headers):
            // 16 * (1536 - 40) = 23936.
            (
                "wnd fills the pool",
                |c| c.tcp_wnd = 16 * (1536 - 40),
                Ok(()),
            ),
            (
                "wnd past the pool",
                |c| c.tcp_wnd = 16 * (1536 - 40) + 1,
                Err(ConfigError::WndTooBigForPool),
            ),
            ("wnd == mss", |c| c.tcp_wnd = u32::from(c.tcp_mss), Ok(())),
            (
                "wnd < mss",
                |c| c.tcp_wnd = u32::from(c.tcp_mss) - 1,
                Err(ConfigError::WndSmallerThanMss),
            ),
            (
                "pool bufsize 9, alignment 8",
                |c| {
                    (c.pbuf_pool_size, c.pbuf_pool_bufsize) = (0, 9);
                },
                Ok(()),
            ),
            (
                "pool bufsize 8, alignment 8",
                |c| {
                    (c.pbuf_pool_size, c.pbuf_pool_bufsize) = (0, 8);
                },
                Err(ConfigError::PbufNotAboveAlignment),
            ),
            (
                "heap too big for the port's (lwIP has no such limit)",
                |c| c.mem_size = u32::MAX,
                Ok(()),
            ),
        ];
        for (what, edit, want) in cases {
            let mut c = Config::full();
            edit(&mut c);
            assert_eq!(c.check(), *want, "{what}");
        }
        // TCP_OVERSIZE_DBGCHECK needs segments with oversize_left.
        let dbg = Config {
            tcp_oversize_dbgcheck: true,
            ..Config::full()
        };
        assert!(!oversize_fits::<crate::storage::Absent>(&dbg));
        assert!(oversize_fits::<u16>(&dbg));
        assert!(oversize_fits::<crate::storage::Absent>(&Config::full()));
        // The port's own storage cannot hold that heap.
        let mut big = Config::full();
        big.mem_size = u32::MAX;
        assert!(!fits_storage::<crate::storage::Pools>(&big));
        assert!(fits_storage::<crate::storage::Pools>(&Config::full()));
    }
}
