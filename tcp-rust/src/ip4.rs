//! The port's own IPv4 layer below TCP, for the port's own storage
//! ([`crate::storage::Pools`]): one netif ([`Netif`]), `ip4_route` and
//! `ip4_output_if` as lwIP's ip4.c does them for this build (see lwip-c's
//! shim.h). A build linked into lwIP uses lwIP's ip4.c and netifs instead;
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

use crate::err::Err;
use crate::pbuf::PbufStore;
use crate::stack::{NETIF_INDEX, Netif};
use crate::wire::{IP_HLEN, IP_PROTO_TCP, inet_chksum};

/// The port's one netif as a `struct netif *`: there is no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortNetif;

/// ip4.c's state for the port: the netif and `ip_id`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ip4 {
    /// The netif (`netif_add`, `netif_set_ipaddr`).
    pub(crate) netif: Netif,
    /// `ip_id` (ip4.c): the next packet's identification.
    pub(crate) ip_id: u16,
}

impl Ip4 {
    /// No netif configured yet (address 0.0.0.0: no route).
    pub(crate) const EMPTY: Ip4 = Ip4 {
        netif: Netif {
            ip: [0; 4],
            netmask: [0; 4],
            gateway: [0; 4],
            mtu: 0,
        },
        ip_id: 0,
    };

    /// `netif_add` with `netif`, `ip_id` back to 0.
    pub(crate) fn reset(&mut self, netif: Netif) {
        self.netif = netif;
        self.ip_id = 0;
    }

    /// Port of `ip4_route()` (ip4.c) with `LWIP_SINGLE_NETIF`: the netif,
    /// unless it has no address or `dest` is a loopback address (127/8),
    /// for which there is no route (`LWIP_NETIF_LOOPBACK` and
    /// `LWIP_HAVE_LOOPIF` are off). The netif is always up with its link up
    /// here.
    #[inline]
    pub(crate) fn route(&self, dest: [u8; 4]) -> Option<PortNetif> {
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

    /// Port of `ip4_output_if()` (ip4.c) for TCP: the IPv4 header goes in
    /// front of `p`'s payload (`pbuf_add_header`; ERR_BUF without room),
    /// `out` sends the packet (the netif's `linkoutput`), and the header
    /// comes off again (see the module docs).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn output_if<B: PbufStore>(
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
