//! lwIP's IP layer and netifs below the core: `ip4_route`,
//! `netif_get_by_index`, `ip4_addr_isbroadcast_u32` and `ip4_output_if`
//! through `extern "C"`, and the three fields of `struct netif` the TCP
//! code reads (`ip_addr`, `mtu`, `num`), at the offsets the build
//! description gives ([`crate::opts`]; `tests/ip_layout.rs` checks them
//! against the host C compiler for the unit-test build, ci/lwip-lib
//! against the target's for every build).
//!
//! The TCP code of lwIP 2.2.1 is dual-stack, and so is the core, but over
//! this library the core runs IPv4 only (its `ip_addr_t` says
//! `HAS_V6 = false` even in a dual-stack build: [`crate::layout`]):
//! `tcp_input` drops IPv6 segments (docs/drop-in.md), so `ip_route`,
//! `ip_output_if` and `ip_netif_get_local_ip` are their IPv4 halves
//! (`ip4_route`, `ip4_output_if`, the netif's IPv4 address), as lwIP's
//! `ip.h` macros pick them for an IPv4 `ip_addr_t`.
//!
//! # Safety contract
//!
//! Every [`NetifPtr`] the storage passes here came from lwIP itself
//! (`ip4_route`, `netif_get_by_index`) during the same call into the core,
//! or is the netif lwIP's `ip4_input` handed to `tcp_input`: a netif of
//! lwIP's netif list, live while lwIP runs the core (lwIP's contract:
//! netifs are removed only from the thread that runs lwIP, not while it
//! runs TCP).

use core::ffi::c_void;
use core::ptr::{self, NonNull};

use tcp_rust::Err;
use tcp_rust::storage::IpAddrRepr;

use crate::layout::{IpAddrT, NetifPtr, PbufPtr};
use crate::pbuf::as_raw;

pub use crate::opts::{NETIF_IP_ADDR, NETIF_MTU, NETIF_NUM};
/// `IP_PROTO_TCP` (ip.h).
const IP_PROTO_TCP: u8 = 6;

/// ip.c's `struct ip_globals ip_data`: what `ip4_input` (and, in a
/// dual-stack build, `ip6_input`) set before calling `tcp_input`.
#[repr(C)]
pub struct IpGlobals {
    /// `current_netif`.
    pub current_netif: *mut c_void,
    /// `current_input_netif`.
    pub current_input_netif: *mut c_void,
    /// `current_ip4_header`.
    pub current_ip4_header: *const c_void,
    /// `current_ip6_header` (`LWIP_IPV6`).
    #[cfg(feature = "lwip-ipv6")]
    pub current_ip6_header: *const c_void,
    /// `current_ip_header_tot_len`.
    pub current_ip_header_tot_len: u16,
    /// `current_iphdr_src`.
    pub current_iphdr_src: IpAddrT,
    /// `current_iphdr_dest`.
    pub current_iphdr_dest: IpAddrT,
}

/// `ip_current_is_v6()`: the packet being input is IPv6.
pub fn current_is_v6() -> bool {
    #[cfg(feature = "lwip-ipv6")]
    // SAFETY: ip.c's ip_data, read by value (one field) during the input
    // call that set it; single-threaded.
    return unsafe { !ptr::read(&raw const ip_data.current_ip6_header).is_null() };
    #[cfg(not(feature = "lwip-ipv6"))]
    false
}

/// `ip_current_src_addr()` and `ip_current_dest_addr()` of the packet
/// being input.
pub fn current_addrs() -> (IpAddrT, IpAddrT) {
    // SAFETY: ip.c's ip_data, read by value (fields only) during the
    // input call that set it; single-threaded.
    unsafe {
        let d = &raw const ip_data;
        (
            ptr::read(&raw const (*d).current_iphdr_src),
            ptr::read(&raw const (*d).current_iphdr_dest),
        )
    }
}

/// `ip4_addr_t`: the address in network order.
#[repr(C)]
struct Ip4AddrT {
    addr: u32,
}

unsafe extern "C" {
    static ip_data: IpGlobals;
    fn ip4_route(dest: *const Ip4AddrT) -> *mut c_void;
    fn netif_get_by_index(idx: u8) -> *mut c_void;
    fn ip4_addr_isbroadcast_u32(addr: u32, netif: *const c_void) -> u8;
    fn ip4_output_if(
        p: *mut c_void,
        src: *const Ip4AddrT,
        dest: *const Ip4AddrT,
        ttl: u8,
        tos: u8,
        proto: u8,
        netif: *mut c_void,
    ) -> i8;
}

fn ip4(a: [u8; 4]) -> Ip4AddrT {
    Ip4AddrT {
        addr: u32::from_ne_bytes(a),
    }
}

/// `ip_route(src, dest)` for an IPv4 `dest`: `ip4_route` (lwIP's
/// `ip4_route_src` without `LWIP_HOOK_IP4_ROUTE_SRC`).
pub fn ip_route(_src: &IpAddrT, dest: &IpAddrT) -> Option<NetifPtr> {
    route(dest.v4())
}

/// `ip_netif_get_local_ip(n, dest)` for an IPv4 `dest`: the netif's IPv4
/// address.
pub fn local_ip(n: NetifPtr, _dest: &IpAddrT) -> Option<IpAddrT> {
    Some(IpAddrT::from_v4(ip4_addr(n)))
}

/// `ip4_route(dest)`.
fn route(dest: [u8; 4]) -> Option<NetifPtr> {
    let d = ip4(dest);
    // SAFETY: `d` is a valid ip4_addr_t for the call; ip4_route reads it
    // and the netif list (lwIP's, single-threaded).
    NonNull::new(unsafe { ip4_route(&d) }).map(NetifPtr)
}

/// `netif_get_by_index(idx)`.
pub fn get_by_index(idx: u8) -> Option<NetifPtr> {
    // SAFETY: reads lwIP's netif list.
    NonNull::new(unsafe { netif_get_by_index(idx) }).map(NetifPtr)
}

/// The byte at `at` in `n`'s `struct netif`, `N` of them.
fn read<const N: usize>(n: NetifPtr, at: usize) -> [u8; N] {
    // SAFETY: `n` is a live netif (module contract) and `at + N` lies
    // within struct netif for this build (the offsets above, checked by
    // tests/ip_layout.rs); read by value, unaligned.
    unsafe { core::ptr::read_unaligned(n.0.as_ptr().cast::<u8>().add(at).cast::<[u8; N]>()) }
}

/// `netif_get_index(n)`: `n->num + 1`.
pub fn index(n: NetifPtr) -> u8 {
    read::<1>(n, NETIF_NUM)[0].wrapping_add(1)
}

/// `n->mtu`.
pub fn mtu(n: NetifPtr) -> u16 {
    u16::from_ne_bytes(read::<2>(n, NETIF_MTU))
}

/// `*netif_ip4_addr(n)` (the IPv4 half of `n->ip_addr`), network order.
pub fn ip4_addr(n: NetifPtr) -> [u8; 4] {
    read::<4>(n, NETIF_IP_ADDR)
}

/// `ip4_addr_isbroadcast_u32(addr, n)`.
pub fn isbroadcast(addr: [u8; 4], n: NetifPtr) -> bool {
    // SAFETY: `n` is a live netif (module contract); the function reads
    // its flags and addresses.
    unsafe { ip4_addr_isbroadcast_u32(u32::from_ne_bytes(addr), n.0.as_ptr()) != 0 }
}

/// `ip4_output_if(p, src, dest, ttl, tos, IP_PROTO_TCP, n)`: lwIP's IPv4
/// output (its header in front of the payload, which stays there, and
/// `n->output`). A result outside `err_t` reads as `ERR_IF`.
pub fn output_if(p: PbufPtr, src: &IpAddrT, dest: &IpAddrT, ttl: u8, tos: u8, n: NetifPtr) -> Err {
    let (s, d) = (ip4(src.v4()), ip4(dest.v4()));
    // SAFETY: `p` is a live pbuf the core owns (crate::pbuf's contract),
    // `n` a live netif (module contract); ip4_output_if takes neither
    // (the caller keeps its reference to `p`).
    let r = unsafe {
        ip4_output_if(
            as_raw(p).cast::<c_void>(),
            &s,
            &d,
            ttl,
            tos,
            IP_PROTO_TCP,
            n.0.as_ptr(),
        )
    };
    // lwIP's drivers return err_t values; any other reads as ERR_IF.
    Err::from_raw(r).unwrap_or(Err::If)
}
