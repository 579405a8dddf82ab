//! The harness's `full` profile: lwip-c/profiles/full/lwipopts.h with
//! opt.h's defaults, lwip-c's arch header (lwip-c/port/arch/cc.h: its
//! `LWIP_RAND` and assertion hooks) and the shim's ISN hook
//! (lwip-c/shim/tcpdiff_hooks.h), without `LWIP_DEBUG`, as lwip-c's
//! build.rs compiles it. IPv4 only (`ip_addr_t` is `ip4_addr_t`), one
//! netif (`LWIP_SINGLE_NETIF`), SACK, timestamps, keepalive, listen
//! backlog, `MEM_ALIGNMENT` 8. The core's own `Config::full()` is this
//! profile (the harness runs the port with it), so the description takes
//! it and ci/lwip-lib checks it against the C compiler like any other.
//!
//! For the `rust-ffi` engine (issue 14): the library built for the
//! profile the `c` engine runs.

use tcp_rust::Config;
use tcp_rust::options::TcpSackRange;
use tcp_rust::storage::{Absent, IpAddrRepr};

use super::{MempT, lwip_mem_align_size};
use crate::layout::IpAddrT;

/// The name ci/lwip-lib and the docs use for this build.
pub const NAME: &str = "full";

/// lwip-c/profiles/full/lwipopts.h as the core's [`Config`]: the core's
/// own full profile, with `SIZEOF_STRUCT_PBUF` for the target (lwIP's
/// `struct pbuf` holds two pointers).
pub const CONFIG: Config = Config {
    sizeof_struct_pbuf: lwip_mem_align_size(size_of::<crate::pbuf::CPbuf>()) as u16,
    ..Config::full()
};

/// `LWIP_CHECKSUM_ON_COPY` (opt.h's 0).
pub const LWIP_CHECKSUM_ON_COPY: bool = false;
/// `struct tcp_seg`'s `chksum`: absent.
pub type SegChksum = Absent;
/// `struct tcp_seg`'s `chksum_swapped`: absent.
pub type SegChksumSwapped = Absent;
/// `struct tcp_seg`'s `oversize_left`: absent (no `LWIP_DEBUG`, so no
/// `TCP_OVERSIZE_DBGCHECK`).
pub type SegOversize = Absent;
/// `struct tcp_pcb_listen`'s `backlog`, `accepts_pending`.
pub type Backlog = u8;
/// `struct tcp_pcb`'s `rcv_sacks[LWIP_TCP_MAX_SACK_NUM]` (4).
pub type Sacks = [TcpSackRange; 4];
/// `ts_lastacksent`, `ts_recent`.
pub type Ts = u32;
/// `keep_intvl`, `keep_cnt`.
pub type Keep = u32;

/// `MEMP_TCP_PCB`: the first pool (no RAW or UDP pcbs in this build).
pub const MEMP_TCP_PCB: MempT = 0;
/// `MEMP_TCP_PCB_LISTEN`.
pub const MEMP_TCP_PCB_LISTEN: MempT = 1;
/// `MEMP_TCP_SEG`.
pub const MEMP_TCP_SEG: MempT = 2;
/// `MEM_ALIGNMENT`.
pub const MEM_ALIGNMENT: usize = 8;
/// `MEMP_SIZE`: `LWIP_MEM_ALIGN_SIZE(0)` without `MEMP_OVERFLOW_CHECK`.
pub const MEMP_SIZE: usize = 0;
/// `mem_size_t` (`MEM_SIZE` 16384).
pub type MemSizeT = u16;

/// `offsetof(struct netif, ip_addr)`, `mtu`, `num` (`LWIP_SINGLE_NETIF`:
/// no `next`): on a 64-bit target...
#[cfg(target_pointer_width = "64")]
pub const NETIF_OFFSETS: [usize; 3] = [0, 48, 60];
/// ... and on a 32-bit one.
#[cfg(target_pointer_width = "32")]
pub const NETIF_OFFSETS: [usize; 3] = [0, 28, 40];

/// The bytes of `struct stats_` before `mem`: three `struct stats_proto`
/// (the C compiler's `offsetof(struct stats_, mem)`, 72).
pub const STATS_MEM_OFFSET: usize = 72;

/// `LWIP_RAND()`: lwip-c's arch/cc.h makes it `tcpdiff_rand()` (the shim's:
/// the engine's seeded generator).
pub fn lwip_rand() -> u32 {
    unsafe extern "C" {
        fn tcpdiff_rand() -> core::ffi::c_uint;
    }
    // SAFETY: the shim's function without arguments.
    unsafe { tcpdiff_rand() }
}

/// `LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port)`: the
/// shim's `tcpdiff_isn_hook` (the engine's injected ISN).
pub fn tcp_isn_hook(local: [u8; 4], lport: u16, remote: [u8; 4], rport: u16) -> Option<u32> {
    unsafe extern "C" {
        fn tcpdiff_isn_hook(
            local_ip: *const IpAddrT,
            local_port: u16,
            remote_ip: *const IpAddrT,
            remote_port: u16,
        ) -> u32;
    }
    let (l, r) = (IpAddrT::from_v4(local), IpAddrT::from_v4(remote));
    // SAFETY: two valid ip_addr_t for the call; the hook reads them.
    Some(unsafe { tcpdiff_isn_hook(&l, lport, &r, rport) })
}

/// `LWIP_SINGLE_NETIF`.
pub const LWIP_SINGLE_NETIF: bool = true;
/// Whether `LWIP_HOOK_TCP_ISN` is defined ([`tcp_isn_hook`]).
pub const HOOK_TCP_ISN: bool = true;

/// `LWIP_PLATFORM_ASSERT(x)`: lwip-c's arch/cc.h hands it to the shim
/// (`tcpdiff_platform_assert`, which reports it to the harness and does
/// not return).
pub fn platform_assert(a: &tcp_rust::Assertion) {
    unsafe extern "C" {
        fn tcpdiff_platform_assert(
            msg: *const core::ffi::c_char,
            line: core::ffi::c_int,
            file: *const core::ffi::c_char,
        );
    }
    let line = core::ffi::c_int::from(a.line);
    // SAFETY: two NUL-terminated static strings.
    unsafe { tcpdiff_platform_assert(a.msg.as_ptr(), line, a.file.name().as_ptr()) }
}

/// `LWIP_ASSERT_CORE_LOCKED()`: empty (`NO_SYS` 1).
pub fn assert_core_locked() {}

/// `offsetof(struct stats_, tcp)`.
pub const TCP_STATS_OFFSET: usize = 48;

/// `offsetof(struct stats_, mib2.tcpactiveopens)`: `struct stats_mib2`
/// is the last member, after the pools' pointers.
#[cfg(target_pointer_width = "64")]
pub const MIB2_TCP_OFFSET: usize = 196;
/// `offsetof(struct stats_, mib2.tcpactiveopens)` (32-bit pointers).
#[cfg(target_pointer_width = "32")]
pub const MIB2_TCP_OFFSET: usize = 172;
