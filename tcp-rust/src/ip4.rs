//! The port's own IP layer below TCP, for the port's own storage
//! ([`crate::storage::Pools`]): one netif ([`Netif`], and in builds with
//! IPv6 one IPv6 address), `ip_route`, `ip_netif_get_local_ip` and
//! `ip_output_if` as lwIP's ip.h macros dispatch them by the destination's
//! type to ip4.c's functions (here) or ip6.c's ([`crate::ip6`]), for the
//! harness's builds (see lwip-c's shim.h). The address shape ([`PortAddr`])
//! decides what is compiled: an IPv4-only one compiles no IPv6 path and
//! keeps no IPv6 address. A build linked into lwIP uses lwIP's ip4.c and netifs instead;
//! the core reaches either only through [`crate::storage::Storage`]'s IP
//! methods (`ip_route`, `ip_output_if`, the netif's fields).
//!
//! Where it differs from lwIP's, on purpose: after the packet went out the
//! IPv4 header comes off the pbuf again (`pbuf_remove_header`), so a
//! queued segment's payload starts at its TCP header between sends; lwIP
//! leaves the header on and `tcp_output_segment` moves the payload back to
//! `seg->tcphdr` before the next send (the core does that through
//! [`crate::storage::Storage::seg_payload_to_tcphdr`], which is nothing to
//! do here).

use core::fmt::Debug;

use lwip_vocab::IpAddr;

use crate::err::Err;
use crate::ip6::{self, Ip6Addr, IpAddrDual};
use crate::pbuf::PbufStore;
use crate::stack::{NETIF_INDEX, Netif};
use crate::storage::IpAddrRepr;
use crate::wire::{IP_HLEN, IP_PROTO_TCP, inet_chksum};

/// An `ip_addr_t` shape the port's own storage takes, with what its IP
/// layer keeps of the netif's IPv6 address.
pub trait PortAddr: IpAddrRepr {
    /// The netif's IPv6 address as the IP layer keeps it (nothing in an
    /// IPv4-only build).
    type Ip6Slot: Copy + Debug;
    /// No IPv6 address.
    const NO_IP6: Self::Ip6Slot;
    /// The address, if valid (all zero: none, as the C driver's).
    fn ip6_get(s: &Self::Ip6Slot) -> Option<[u8; 16]>;
    /// Sets it (nothing where the build has no IPv6).
    fn ip6_set(s: &mut Self::Ip6Slot, a: [u8; 16]);
}

impl PortAddr for [u8; 4] {
    type Ip6Slot = ();
    const NO_IP6: () = ();
    #[inline]
    fn ip6_get(_: &()) -> Option<[u8; 16]> {
        None
    }
    #[inline]
    fn ip6_set(_: &mut (), _: [u8; 16]) {}
}

macro_rules! port_addr_v6 {
    ($t:ty) => {
        impl PortAddr for $t {
            type Ip6Slot = [u8; 16];
            const NO_IP6: [u8; 16] = [0; 16];
            #[inline]
            fn ip6_get(s: &[u8; 16]) -> Option<[u8; 16]> {
                (*s != [0; 16]).then_some(*s)
            }
            #[inline]
            fn ip6_set(s: &mut [u8; 16], a: [u8; 16]) {
                *s = a;
            }
        }
    };
}
port_addr_v6!(Ip6Addr);
port_addr_v6!(IpAddrDual);

/// The port's one netif as a `struct netif *`: there is no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortNetif;

/// The IP layer's state for the port: the netif, its IPv6 address and
/// ip4.c's `ip_id`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PortIp<A: PortAddr> {
    /// The netif (`netif_add`, `netif_set_ipaddr`).
    pub(crate) netif: Netif,
    /// The netif's IPv6 address (`netif_ip6_addr_set`, preferred).
    pub(crate) ip6: A::Ip6Slot,
    /// `ip_id` (ip4.c): the next packet's identification.
    pub(crate) ip_id: u16,
}

impl<A: PortAddr> PortIp<A> {
    /// No netif configured yet (address 0.0.0.0: no route).
    pub(crate) const EMPTY: PortIp<A> = PortIp {
        netif: Netif {
            ip: [0; 4],
            netmask: [0; 4],
            gateway: [0; 4],
            mtu: 0,
        },
        ip6: A::NO_IP6,
        ip_id: 0,
    };

    /// `netif_add` with `netif` (no IPv6 address), `ip_id` back to 0.
    pub(crate) fn reset(&mut self, netif: Netif) {
        self.netif = netif;
        self.ip6 = A::NO_IP6;
        self.ip_id = 0;
    }

    /// `ip_route(src, dest)`: `ip6_route` for an IPv6 `dest` (with
    /// `LWIP_SINGLE_NETIF`: the netif, always up), else `ip4_route`.
    #[inline]
    pub(crate) fn ip_route(&self, _src: &A, dest: &A) -> Option<PortNetif> {
        if dest.is_v6() {
            Some(PortNetif)
        } else {
            self.route(dest.v4())
        }
    }

    /// `ip_netif_get_local_ip(netif, dest)`: `ip6_select_source_address`
    /// for an IPv6 `dest` (None: the netif has no valid IPv6 address),
    /// else the netif's IPv4 address.
    #[inline]
    pub(crate) fn local_ip(&self, dest: &A) -> Option<A> {
        if dest.is_v6() {
            ip6::select_source(A::ip6_get(&self.ip6), &dest.v6())
                .and_then(|a| A::from_ip(IpAddr::V6(a)))
        } else {
            Some(A::from_v4(self.netif.ip))
        }
    }

    /// Port of `ip4_route()` (ip4.c) with `LWIP_SINGLE_NETIF`: the netif,
    /// unless it has no address or `dest` is a loopback address (127/8),
    /// for which there is no route (`LWIP_NETIF_LOOPBACK` and
    /// `LWIP_HAVE_LOOPIF` are off). The netif is always up with its link up
    /// here.
    #[inline]
    fn route(&self, dest: [u8; 4]) -> Option<PortNetif> {
        (self.netif.ip != [0; 4] && dest[0] != 127).then_some(PortNetif)
    }

    /// `netif_get_by_index(idx)`: the netif is [`NETIF_INDEX`].
    #[inline]
    pub(crate) fn get_by_index(&self, idx: u8) -> Option<PortNetif> {
        (idx == NETIF_INDEX).then_some(PortNetif)
    }

    /// `ip4_addr_isbroadcast(addr, netif)` for the netif (no
    /// `NETIF_FLAG_BROADCAST`): only 0.0.0.0 and 255.255.255.255.
    #[inline]
    pub(crate) fn addr_isbroadcast(addr: [u8; 4]) -> bool {
        addr == [0; 4] || addr == [255; 4]
    }

    /// `ip_output_if(p, src, dest, ttl, tos, IP_PROTO_TCP, netif)`:
    /// `ip6_output_if` for an IPv6 `dest` ([`PortIp::output6`]), else
    /// `ip4_output_if`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn output_if<B: PbufStore>(
        &mut self,
        pbufs: &mut B,
        p: B::Pbuf,
        src: &A,
        dest: &A,
        ttl: u8,
        tos: u8,
        out: impl FnOnce(&B, B::Pbuf),
    ) -> Err {
        if dest.is_v6() {
            self.output6(pbufs, p, &src.v6(), &dest.v6(), ttl, tos, out)
        } else {
            self.output4(pbufs, p, src.v4(), dest.v4(), ttl, tos, out)
        }
    }

    /// Port of `ip6_output_if()` and `ip6_output_if_src()` (ip6.c) for
    /// TCP: a source `::` is the netif's address
    /// (`ip6_select_source_address`; ERR_RTE without one), the IPv6
    /// header goes in front (`pbuf_add_header`; ERR_BUF without room;
    /// traffic class `tos`, flow label 0, hop limit `ttl`), `out` sends it
    /// (`netif->output_ip6`), and the header comes off again (as for
    /// IPv4).
    #[allow(clippy::too_many_arguments)]
    fn output6<B: PbufStore>(
        &mut self,
        pbufs: &mut B,
        p: B::Pbuf,
        src: &[u8; 16],
        dest: &[u8; 16],
        ttl: u8,
        tos: u8,
        out: impl FnOnce(&B, B::Pbuf),
    ) -> Err {
        // (ip6_output_if also refuses a selected `::`; the netif's address
        // is never that: all zero is no address, PortAddr::ip6_get.)
        let src = if *src == [0; 16] {
            match ip6::select_source(A::ip6_get(&self.ip6), dest) {
                Some(a) => a,
                None => return Err::Rte,
            }
        } else {
            *src
        };
        if !pbufs.pbuf_add_header(p, ip6::IP6_HLEN as u16) {
            return Err::Buf;
        }
        let plen = pbufs.tot_len(p).wrapping_sub(ip6::IP6_HLEN as u16);
        let hdr = ip6::header(&src, dest, plen, tos, ip6::NEXTH_TCP, ttl);
        if let Some(d) = pbufs.payload_mut(p).get_mut(..ip6::IP6_HLEN) {
            d.copy_from_slice(&hdr);
        }
        out(pbufs, p);
        pbufs.pbuf_remove_header(p, ip6::IP6_HLEN as u16);
        Err::Ok
    }

    /// Port of `ip4_output_if()` (ip4.c) for TCP: the IPv4 header goes in
    /// front of `p`'s payload (`pbuf_add_header`; ERR_BUF without room),
    /// `out` sends the packet (the netif's `linkoutput`), and the header
    /// comes off again (see the module docs).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn output4<B: PbufStore>(
        &mut self,
        pbufs: &mut B,
        p: B::Pbuf,
        src: [u8; 4],
        dest: [u8; 4],
        ttl: u8,
        tos: u8,
        out: impl FnOnce(&B, B::Pbuf),
    ) -> Err {
        if !pbufs.pbuf_add_header(p, IP_HLEN as u16) {
            return Err::Buf;
        }
        let [l0, l1] = pbufs.tot_len(p).to_be_bytes();
        let [i0, i1] = self.ip_id.to_be_bytes();
        let mut hdr = [
            0x45,
            tos,
            l0,
            l1,
            i0,
            i1,
            0,
            0,
            ttl,
            IP_PROTO_TCP,
            0,
            0,
            src[0],
            src[1],
            src[2],
            src[3],
            dest[0],
            dest[1],
            dest[2],
            dest[3],
        ];
        let sum = inet_chksum(&hdr).to_be_bytes();
        hdr[10] = sum[0];
        hdr[11] = sum[1];
        if let Some(d) = pbufs.payload_mut(p).get_mut(..IP_HLEN) {
            d.copy_from_slice(&hdr);
        }
        self.ip_id = self.ip_id.wrapping_add(1);
        out(pbufs, p);
        pbufs.pbuf_remove_header(p, IP_HLEN as u16);
        Err::Ok
    }
}
