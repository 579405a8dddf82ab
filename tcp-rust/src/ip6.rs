//! IPv6 for the port's own storage: lwIP's two `ip_addr_t` shapes that
//! hold IPv6 ([`Ip6Addr`] for an IPv6-only build, [`IpAddrDual`] for a
//! dual-stack one), and what lwIP 2.2.1's ip6.c does for TCP in the builds
//! the harness runs (lwip-c's profiles `dual` and `ipv6`: one netif, one
//! IPv6 address, no ICMPv6, MLD, forwarding, fragmentation or reassembly,
//! `LWIP_SINGLE_NETIF`, so no address zones): `ip6_input`'s checks
//! ([`input_checks`]), `ip6_select_source_address` ([`select_source`]) and
//! the header `ip6_output_if_src` writes ([`header`]). A build linked into
//! lwIP uses lwIP's ip6.c instead.

use lwip_vocab::IpAddr;

use crate::storage::IpAddrRepr;

/// `IP6_HLEN`.
pub const IP6_HLEN: usize = 40;
/// `IP6_NEXTH_HOPBYHOP`.
const NEXTH_HOPBYHOP: u8 = 0;
/// `IP6_NEXTH_TCP`.
pub const NEXTH_TCP: u8 = 6;
/// `IP6_NEXTH_ROUTING`.
const NEXTH_ROUTING: u8 = 43;
/// `IP6_NEXTH_FRAGMENT`.
const NEXTH_FRAGMENT: u8 = 44;
/// `IP6_NEXTH_NONE`.
const NEXTH_NONE: u8 = 59;
/// `IP6_NEXTH_DESTOPTS`.
const NEXTH_DESTOPTS: u8 = 60;

/// `ip_addr_t` of an IPv6-only build: `ip6_addr_t` (no zone: a single
/// netif), the sixteen bytes in network order. Every address is IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ip6Addr(pub [u8; 16]);

impl IpAddrRepr for Ip6Addr {
    const ANY: Ip6Addr = Ip6Addr([0; 16]);
    const HAS_V4: bool = false;
    const HAS_V6: bool = true;
    #[inline]
    fn ip_type(&self) -> u8 {
        IpAddr::TYPE_V6
    }
    #[inline]
    fn set_type(&mut self, _: u8) {}
    #[inline]
    fn isany(&self) -> bool {
        self.0 == [0; 16]
    }
    #[inline]
    fn addr_eq(&self, other: &Ip6Addr) -> bool {
        self.0 == other.0
    }
    #[inline]
    fn v4(&self) -> [u8; 4] {
        [self.0[0], self.0[1], self.0[2], self.0[3]]
    }
    #[inline]
    fn v6(&self) -> [u8; 16] {
        self.0
    }
    /// Not an address an IPv6-only build has: the bytes as the first word
    /// (never called by the TCP code of such a build).
    fn from_v4(a: [u8; 4]) -> Ip6Addr {
        let mut b = [0; 16];
        b[..4].copy_from_slice(&a);
        Ip6Addr(b)
    }
    fn from_ip(a: IpAddr) -> Option<Ip6Addr> {
        match a {
            IpAddr::V6(a) => Some(Ip6Addr(a)),
            IpAddr::Any => Some(Ip6Addr::ANY),
            IpAddr::V4(_) => None,
        }
    }
    fn to_ip(&self) -> IpAddr {
        IpAddr::V6(self.0)
    }
}

/// `ip_addr_t` of a dual-stack build: the union of `ip6_addr_t` and
/// `ip4_addr_t` (the IPv4 word first) and the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpAddrDual {
    /// `u_addr`, in network order.
    pub addr: [u8; 16],
    /// `type`: `IPADDR_TYPE_V4`, `_V6` or `_ANY`.
    pub ty: u8,
}

impl IpAddrRepr for IpAddrDual {
    const ANY: IpAddrDual = IpAddrDual {
        addr: [0; 16],
        ty: IpAddr::TYPE_V4,
    };
    const HAS_V4: bool = true;
    const HAS_V6: bool = true;
    #[inline]
    fn ip_type(&self) -> u8 {
        self.ty
    }
    #[inline]
    fn set_type(&mut self, ty: u8) {
        self.ty = ty;
    }
    #[inline]
    fn isany(&self) -> bool {
        if self.ty == IpAddr::TYPE_V6 {
            self.addr == [0; 16]
        } else {
            self.v4() == [0; 4]
        }
    }
    #[inline]
    fn addr_eq(&self, other: &IpAddrDual) -> bool {
        self.ty == other.ty
            && if self.ty == IpAddr::TYPE_V6 {
                self.addr == other.addr
            } else {
                self.v4() == other.v4()
            }
    }
    #[inline]
    fn v4(&self) -> [u8; 4] {
        [self.addr[0], self.addr[1], self.addr[2], self.addr[3]]
    }
    #[inline]
    fn v6(&self) -> [u8; 16] {
        self.addr
    }
    /// `ip_addr_copy_from_ip4`: the IPv4 word and the type. lwIP leaves
    /// the other twelve bytes as they were; no code reads them for an IPv4
    /// address, and here they are zero.
    fn from_v4(a: [u8; 4]) -> IpAddrDual {
        let mut addr = [0; 16];
        addr[..4].copy_from_slice(&a);
        IpAddrDual {
            addr,
            ty: IpAddr::TYPE_V4,
        }
    }
    fn from_ip(a: IpAddr) -> Option<IpAddrDual> {
        Some(IpAddrDual {
            addr: a.to_bytes16(),
            ty: a.type_code(),
        })
    }
    fn to_ip(&self) -> IpAddr {
        IpAddr::from_parts(self.ty, &self.addr).unwrap_or(IpAddr::Any)
    }
}

/// `ip6_addr_ismulticast`: ff00::/8.
#[inline]
pub fn ismulticast(a: &[u8; 16]) -> bool {
    a[0] == 0xff
}

/// `ip6_addr_isipv4mappedipv6`: ::ffff:0:0/96.
fn isipv4mapped(a: &[u8; 16]) -> bool {
    a[..10] == [0; 10] && a[10] == 0xff && a[11] == 0xff
}

/// `ip6_addr_isallnodes_iflocal` (ff01::1) or `_linklocal` (ff02::1).
fn isallnodes(a: &[u8; 16]) -> bool {
    a[0] == 0xff && (a[1] == 0x01 || a[1] == 0x02) && a[2..15] == [0; 13] && a[15] == 1
}

/// `ip6_addr_issolicitednode`: ff02:0:(any 32 bits):0:1:ffXX:XXXX (lwIP
/// does not look at the second word).
fn issolicitednode(a: &[u8; 16]) -> bool {
    a[..4] == [0xff, 0x02, 0, 0] && a[8..12] == [0, 0, 0, 1] && a[12] == 0xff
}

/// `ip6_addr_solicitednode_eq(a, b)`: `a` is ff02::1:ffXX:XXXX with the
/// last 24 bits of `b`.
fn solicitednode_eq(a: &[u8; 16], b: &[u8; 16]) -> bool {
    a[..12] == [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] && a[12] == 0xff && a[13..] == b[13..]
}

/// The checks `ip6_input` makes before TCP sees a packet, on its first
/// `first` bytes (the first pbuf: lwIP reads headers there only) of a
/// packet of `tot_len` bytes, for a netif whose one IPv6 address is
/// `netif_ip6` (None: no valid address). See lwip-c's shim.h for the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ip6Input {
    /// Dropped (the pbuf is freed, nothing else happens: no ICMPv6 here).
    Drop,
    /// Trim the packet to this many bytes first (`pbuf_realloc`), then:
    /// TCP, past `hlen_tot` bytes of IPv6 and extension headers, from
    /// `src` to `dest`.
    Tcp {
        /// `IP6_HLEN + IP6H_PLEN`.
        trimmed: u16,
        /// `ip_current_header_tot_len()`.
        hlen_tot: u16,
        /// `ip6_current_src_addr()`.
        src: [u8; 16],
        /// `ip6_current_dest_addr()`.
        dest: [u8; 16],
    },
}

/// Port of `ip6_input()` (ip6.c) up to `tcp_input`, for the builds above:
/// `first` is the first pbuf's payload, `tot_len` the packet's length.
/// The extension headers are read where lwIP reads them, in the first pbuf
/// past each header removed before (lwIP's `pbuf_remove_header` there
/// never leaves the first pbuf: each header must fit it).
pub fn input_checks(first: &[u8], tot_len: u16, netif_ip6: Option<[u8; 16]>) -> Ip6Input {
    let Some(h) = first.get(..IP6_HLEN) else {
        return Ip6Input::Drop;
    };
    if h[0] >> 4 != 6 {
        return Ip6Input::Drop;
    }
    let plen = u16::from_be_bytes([h[4], h[5]]);
    // (The first pbuf holds 40 bytes, so the packet does.)
    if u32::from(plen) > u32::from(tot_len).saturating_sub(IP6_HLEN as u32) {
        return Ip6Input::Drop;
    }
    let trimmed = plen.wrapping_add(IP6_HLEN as u16);
    let mut src = [0; 16];
    let mut dest = [0; 16];
    src.copy_from_slice(&h[8..24]);
    dest.copy_from_slice(&h[24..40]);
    if isipv4mapped(&dest) || isipv4mapped(&src) || ismulticast(&src) {
        return Ip6Input::Drop;
    }
    let ours = |a: &[u8; 16]| netif_ip6.is_some_and(|n| n == *a);
    let accepted = if ismulticast(&dest) {
        isallnodes(&dest)
            || (issolicitednode(&dest) && netif_ip6.is_some_and(|n| solicitednode_eq(&dest, &n)))
    } else {
        ours(&dest)
    };
    if src == [0; 16] && !issolicitednode(&dest) {
        return Ip6Input::Drop;
    }
    if !accepted {
        return Ip6Input::Drop;
    }
    // The extension headers, in the first pbuf after the IPv6 header. The
    // first pbuf is the packet trimmed to `trimmed` bytes, where it was
    // longer (pbuf_realloc).
    let first = first.get(..usize::from(trimmed)).unwrap_or(first);
    let mut nexth = h[6];
    let mut off = IP6_HLEN;
    let mut hlen_tot = IP6_HLEN as u16;
    let at = |i: usize| first.get(i).copied().unwrap_or(0);
    while nexth != NEXTH_NONE {
        let avail = first.len().saturating_sub(off);
        match nexth {
            NEXTH_HOPBYHOP | NEXTH_DESTOPTS => {
                let kind = nexth;
                let hlen = 8 * (1 + usize::from(at(off + 1)));
                if avail < 8 || hlen > avail {
                    return Ip6Input::Drop;
                }
                nexth = at(off);
                hlen_tot = hlen_tot.wrapping_add(hlen as u16);
                // The options: Pad1 is one byte, every other option two
                // plus its data length. An unknown type's two high bits
                // say what to do: skip it (00), or drop the packet (01;
                // 10 and 11 also send ICMPv6, which this build has not).
                // (Destination options also know Home Address, 201.)
                let mut o = 2;
                while o < hlen {
                    let ty = at(off + o);
                    let dlen = match ty {
                        0 => {
                            o += 1;
                            continue;
                        }
                        1 | 5 | 0xc2 => usize::from(at(off + o + 1)),
                        0xc9 if kind == NEXTH_DESTOPTS => usize::from(at(off + o + 1)),
                        _ if ty >> 6 != 0 => return Ip6Input::Drop,
                        _ => usize::from(at(off + o + 1)),
                    };
                    o += 2 + dlen;
                }
                off += hlen;
            }
            NEXTH_ROUTING => {
                let hlen = 8 * (1 + usize::from(at(off + 1)));
                if avail < 8 || hlen > avail {
                    return Ip6Input::Drop;
                }
                nexth = at(off);
                hlen_tot = hlen_tot.wrapping_add(hlen as u16);
                // Segments left: an odd header length, or a type other
                // than 2 and 3 (RPL), is a parameter problem.
                if at(off + 3) != 0 && (at(off + 1) & 1 != 0 || !matches!(at(off + 2), 2 | 3)) {
                    return Ip6Input::Drop;
                }
                off += hlen;
            }
            NEXTH_FRAGMENT => {
                if avail < 8 {
                    return Ip6Input::Drop;
                }
                nexth = at(off);
                hlen_tot = hlen_tot.wrapping_add(8);
                let frag = u16::from_be_bytes([at(off + 2), at(off + 3)]);
                // (ip6.c first drops M with a payload length not a multiple
                // of 8, sending ICMPv6: without ICMPv6 that is the drop
                // below, which takes every M.)
                // A real fragment (offset or M): no reassembly.
                if frag & 0xfff9 != 0 {
                    return Ip6Input::Drop;
                }
                off += 8;
            }
            _ => break,
        }
        if nexth == NEXTH_HOPBYHOP {
            return Ip6Input::Drop;
        }
    }
    if nexth != NEXTH_TCP {
        return Ip6Input::Drop;
    }
    Ip6Input::Tcp {
        trimmed,
        hlen_tot,
        src,
        dest,
    }
}

/// Port of `ip6_select_source_address(netif, dest)` (ip6.c) for a netif
/// with one address, `netif_ip6` (None: not valid). With a single
/// candidate lwIP's rules pick it whenever it is valid (the first valid
/// candidate always becomes the best, and no other competes), whatever
/// the scopes of it and of `dest`.
pub fn select_source(netif_ip6: Option<[u8; 16]>, _dest: &[u8; 16]) -> Option<[u8; 16]> {
    netif_ip6
}

/// The header `ip6_output_if_src` writes in front of a packet whose
/// payload (after the header) is `plen` bytes: version 6, traffic class
/// `tc`, flow label 0, next header `nexth`, hop limit `hl`.
pub fn header(
    src: &[u8; 16],
    dest: &[u8; 16],
    plen: u16,
    tc: u8,
    nexth: u8,
    hl: u8,
) -> [u8; IP6_HLEN] {
    let mut h = [0; IP6_HLEN];
    h[0] = 0x60 | (tc >> 4);
    h[1] = tc << 4;
    h[4..6].copy_from_slice(&plen.to_be_bytes());
    h[6] = nexth;
    h[7] = hl;
    h[8..24].copy_from_slice(src);
    h[24..40].copy_from_slice(dest);
    h
}

#[cfg(test)]
mod tests {
    //! ip6_input's checks as lwIP 2.2.1's ip6.c makes them (each case
    //! cites the check); `harness/tests/ipv6_input.rs` runs the same kinds
    //! of packets through lwIP's C and the port side by side.

    use super::*;

    const OURS: [u8; 16] = [
        0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ];
    const PEER: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    /// A 20-byte TCP header: ports 40000 -> 8080, then zeros. Its first
    /// byte (0x9c) read as an option type would drop the packet (action
    /// 10), so an options walk that strays into it shows.
    const TCP: [u8; 20] = [
        0x9c, 0x40, 0x1f, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// An IPv6 packet from `src` to `dst` whose first next header is
    /// `nexth`, then `ext` (extension headers) and a TCP header.
    fn packet(src: [u8; 16], dst: [u8; 16], nexth: u8, ext: &[u8]) -> Vec<u8> {
        let plen = (ext.len() + TCP.len()) as u16;
        let mut p = header(&src, &dst, plen, 0, nexth, 64).to_vec();
        p.extend_from_slice(ext);
        p.extend_from_slice(&TCP);
        p
    }

    fn check(p: &[u8]) -> Ip6Input {
        input_checks(p, p.len() as u16, Some(OURS))
    }

    fn tcp_past(hlen_tot: u16) -> impl Fn(Ip6Input) -> bool {
        move |r| matches!(r, Ip6Input::Tcp { hlen_tot: h, .. } if h == hlen_tot)
    }

    #[test]
    fn a_plain_tcp_packet_to_our_address_goes_to_tcp() {
        let p = packet(PEER, OURS, NEXTH_TCP, &[]);
        assert_eq!(
            check(&p),
            Ip6Input::Tcp {
                trimmed: 60,
                hlen_tot: 40,
                src: PEER,
                dest: OURS
            }
        );
    }

    #[test]
    fn the_header_is_version_6_with_class_flow_0_length_next_header_and_hop_limit() {
        let h = header(&PEER, &OURS, 0x1234, 0xab, NEXTH_TCP, 7);
        assert_eq!(h[..8], [0x6a, 0xb0, 0, 0, 0x12, 0x34, 6, 7]);
        assert_eq!(h[8..24], PEER);
        assert_eq!(h[24..], OURS);
    }

    #[test]
    fn the_version_the_header_and_the_payload_length_are_checked() {
        let mut p = packet(PEER, OURS, NEXTH_TCP, &[]);
        p[0] = 0x45;
        assert_eq!(check(&p), Ip6Input::Drop, "version 4");
        let p = packet(PEER, OURS, NEXTH_TCP, &[]);
        assert_eq!(
            check(&p[..39]),
            Ip6Input::Drop,
            "header not in the first pbuf"
        );
        assert_eq!(
            input_checks(&p, 59, Some(OURS)),
            Ip6Input::Drop,
            "payload length beyond the data"
        );
        // Longer data is trimmed to the payload length.
        let mut long = p.clone();
        long.extend_from_slice(&[9; 7]);
        assert!(matches!(check(&long), Ip6Input::Tcp { trimmed: 60, .. }));
    }

    #[test]
    fn the_addresses_are_checked() {
        let mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1];
        assert_eq!(check(&packet(mapped, OURS, NEXTH_TCP, &[])), Ip6Input::Drop);
        assert_eq!(check(&packet(PEER, mapped, NEXTH_TCP, &[])), Ip6Input::Drop);
        // Not mapped: ::1 (ten zero bytes, no ffff), ::ff00:0:1 (one ff).
        let mut lo = [0; 16];
        lo[15] = 1;
        assert!(matches!(
            check(&packet(lo, OURS, NEXTH_TCP, &[])),
            Ip6Input::Tcp { .. }
        ));
        let mut half = lo;
        half[10] = 0xff;
        assert!(matches!(
            check(&packet(half, OURS, NEXTH_TCP, &[])),
            Ip6Input::Tcp { .. }
        ));
        let mut mcast = PEER;
        mcast[0] = 0xff;
        assert_eq!(
            check(&packet(mcast, OURS, NEXTH_TCP, &[])),
            Ip6Input::Drop,
            "multicast source"
        );
        let mut other = OURS;
        other[15] = 2;
        assert_eq!(
            check(&packet(PEER, other, NEXTH_TCP, &[])),
            Ip6Input::Drop,
            "not ours"
        );
        assert_eq!(
            input_checks(&packet(PEER, OURS, NEXTH_TCP, &[]), 60, None),
            Ip6Input::Drop,
            "no valid address"
        );
        // All-nodes, interface- and link-local, are the netif's.
        let mut all = [0; 16];
        all[..2].copy_from_slice(&[0xff, 0x02]);
        all[15] = 1;
        assert!(matches!(
            check(&packet(PEER, all, NEXTH_TCP, &[])),
            Ip6Input::Tcp { .. }
        ));
        all[1] = 0x01;
        assert!(matches!(
            check(&packet(PEER, all, NEXTH_TCP, &[])),
            Ip6Input::Tcp { .. }
        ));
        all[1] = 0x05;
        assert_eq!(
            check(&packet(PEER, all, NEXTH_TCP, &[])),
            Ip6Input::Drop,
            "site-local all-nodes"
        );
        // The solicited-node address of ours (no MLD: tested directly).
        let mut sn = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1];
        assert!(matches!(
            check(&packet(PEER, sn, NEXTH_TCP, &[])),
            Ip6Input::Tcp { .. }
        ));
        sn[15] = 2;
        assert_eq!(
            check(&packet(PEER, sn, NEXTH_TCP, &[])),
            Ip6Input::Drop,
            "another's"
        );
        sn[15] = 1;
        sn[5] = 1;
        assert_eq!(
            check(&packet(PEER, sn, NEXTH_TCP, &[])),
            Ip6Input::Drop,
            "second word"
        );
        // From the unspecified source: not to all-nodes, nor to an address
        // whose byte 12 alone is 0xff, nor to ff02::...:ff.. without the
        // 0:0:0:1 before it.
        let mut all2 = [0; 16];
        all2[..2].copy_from_slice(&[0xff, 0x02]);
        all2[15] = 1;
        assert_eq!(
            check(&packet([0; 16], all2, NEXTH_TCP, &[])),
            Ip6Input::Drop
        );
        let mut ff12 = OURS;
        ff12[12] = 0xff;
        let p = packet([0; 16], ff12, NEXTH_TCP, &[]);
        assert_eq!(input_checks(&p, p.len() as u16, Some(ff12)), Ip6Input::Drop);
        let mut not_sn = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xff, 0, 0, 1];
        assert_eq!(
            check(&packet([0; 16], not_sn, NEXTH_TCP, &[])),
            Ip6Input::Drop
        );
        not_sn[11] = 1;
        not_sn[12] = 0xfe;
        assert_eq!(
            check(&packet([0; 16], not_sn, NEXTH_TCP, &[])),
            Ip6Input::Drop
        );
        // The unspecified source only to a solicited-node address.
        assert_eq!(
            check(&packet([0; 16], OURS, NEXTH_TCP, &[])),
            Ip6Input::Drop
        );
        sn[5] = 0;
        assert!(matches!(
            check(&packet([0; 16], sn, NEXTH_TCP, &[])),
            Ip6Input::Tcp { .. }
        ));
    }

    #[test]
    fn hop_by_hop_and_destination_options_are_skipped_or_drop_by_type() {
        // Pad1, PadN (2 bytes), Router Alert (2 bytes): 8 bytes.
        let hbh = [NEXTH_TCP, 0, 0, 1, 0, 5, 2, 0];
        assert!(tcp_past(48)(check(&packet(
            PEER,
            OURS,
            NEXTH_HOPBYHOP,
            &hbh
        ))));
        // An unknown type: action 00 skips it, 01, 10 and 11 drop.
        for (ty, ok) in [(0x1e, true), (0x5e, false), (0x9e, false), (0xde, false)] {
            let hbh = [NEXTH_TCP, 0, ty, 2, 0, 0, 1, 0];
            let r = check(&packet(PEER, OURS, NEXTH_HOPBYHOP, &hbh));
            assert_eq!(matches!(r, Ip6Input::Tcp { .. }), ok, "type {ty:#x}");
        }
        // Jumbo (0xc2) is known in both; Home Address (0xc9) only among
        // destination options.
        let jumbo = [NEXTH_TCP, 0, 0xc2, 4, 0, 0, 0, 0];
        assert!(tcp_past(48)(check(&packet(
            PEER,
            OURS,
            NEXTH_HOPBYHOP,
            &jumbo
        ))));
        let home = [NEXTH_TCP, 0, 0xc9, 4, 0, 0, 0, 0];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_HOPBYHOP, &home)),
            Ip6Input::Drop
        );
        assert!(tcp_past(48)(check(&packet(
            PEER,
            OURS,
            NEXTH_DESTOPTS,
            &home
        ))));
        // A 16-byte header (hdr ext len 1), then TCP.
        let mut long = [0u8; 16];
        long[0] = NEXTH_TCP;
        long[1] = 1;
        long[2] = 1;
        long[3] = 12;
        assert!(tcp_past(56)(check(&packet(
            PEER,
            OURS,
            NEXTH_DESTOPTS,
            &long
        ))));
        // Longer than the packet: dropped.
        long[1] = 5;
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_DESTOPTS, &long)),
            Ip6Input::Drop
        );
        // A hop-by-hop header after the first header.
        let dst_then_hbh = [
            NEXTH_HOPBYHOP,
            0,
            1,
            4,
            0,
            0,
            0,
            0,
            NEXTH_TCP,
            0,
            1,
            4,
            0,
            0,
            0,
            0,
        ];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_DESTOPTS, &dst_then_hbh)),
            Ip6Input::Drop
        );
        // Fewer than 8 bytes left for a header.
        let p = packet(PEER, OURS, NEXTH_DESTOPTS, &[]);
        assert_eq!(check(&p[..46]), Ip6Input::Drop);
    }

    #[test]
    fn routing_and_fragment_headers_follow_ip6_input() {
        // Routing: no segments left is skipped whatever its type.
        let rh = [NEXTH_TCP, 0, 0, 0, 0, 0, 0, 0];
        assert!(tcp_past(48)(check(&packet(PEER, OURS, NEXTH_ROUTING, &rh))));
        // Segments left: types 2 and 3 pass, others and odd lengths drop.
        for (ty, ok) in [(2, true), (3, true), (0, false), (4, false)] {
            let rh = [NEXTH_TCP, 0, ty, 1, 0, 0, 0, 0];
            let r = check(&packet(PEER, OURS, NEXTH_ROUTING, &rh));
            assert_eq!(matches!(r, Ip6Input::Tcp { .. }), ok, "type {ty}");
        }
        let mut odd = [0u8; 16];
        odd[0] = NEXTH_TCP;
        odd[1] = 1;
        odd[2] = 2;
        odd[3] = 1;
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_ROUTING, &odd)),
            Ip6Input::Drop
        );
        // Fragment: an atomic fragment passes; a real one (offset or M)
        // drops (no reassembly).
        let atomic = [NEXTH_TCP, 0, 0, 0, 0, 0, 0, 1];
        assert!(tcp_past(48)(check(&packet(
            PEER,
            OURS,
            NEXTH_FRAGMENT,
            &atomic
        ))));
        let m = [NEXTH_TCP, 0, 0, 1, 0, 0, 0, 1];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_FRAGMENT, &m)),
            Ip6Input::Drop
        );
        let offset = [NEXTH_TCP, 0, 0, 8, 0, 0, 0, 1];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_FRAGMENT, &offset)),
            Ip6Input::Drop
        );
        let p = packet(PEER, OURS, NEXTH_FRAGMENT, &[]);
        assert_eq!(check(&p[..47]), Ip6Input::Drop, "fragment header cut");
    }

    #[test]
    fn each_header_and_option_is_skipped_by_its_own_length() {
        // Each known or skipped option's length is the byte after its type:
        // read anywhere else (the type, the byte before, past the packet,
        // back in the IPv6 header) the walk lands on a dropping option.
        // (A 216-byte header: the option at 2 with 3 bytes of data, then
        // PadN over the rest; every byte the walk must not read is 0x9e,
        // including where the option's type read as a length would go.)
        for (kind, ty) in [
            (NEXTH_HOPBYHOP, 1),
            (NEXTH_HOPBYHOP, 5),
            (NEXTH_HOPBYHOP, 0xc2),
            (NEXTH_DESTOPTS, 0xc9),
            (NEXTH_HOPBYHOP, 2),
        ] {
            let mut ext = [0x9e; 216];
            ext[..4].copy_from_slice(&[NEXTH_TCP, 26, ty, 3]);
            ext[7..9].copy_from_slice(&[1, 207]);
            let r = check(&packet(PEER, OURS, kind, &ext));
            assert!(tcp_past(256)(r), "{ty:#x}: {r:?}");
        }
        // Pad1 is one byte: the next byte is an option that drops.
        let pad1 = [NEXTH_TCP, 0, 0, 0x9e, 0, 0, 0, 0];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_HOPBYHOP, &pad1)),
            Ip6Input::Drop
        );
        // PadN of one byte, then an option whose action drops: the offset
        // after PadN (2 + 1 + 2 = 5) must land on it.
        let hbh = [NEXTH_TCP, 0, 1, 1, 0, 0x9e, 0, 0];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_HOPBYHOP, &hbh)),
            Ip6Input::Drop
        );
        // Routing, fragment and options headers each followed by a
        // destination options header that drops, or that passes.
        for (first, len) in [
            (NEXTH_ROUTING, 8),
            (NEXTH_FRAGMENT, 8),
            (NEXTH_HOPBYHOP, 16),
        ] {
            for (opt, ok) in [(0x9e, false), (0x1e, true)] {
                let mut ext = vec![0u8; len];
                ext[0] = NEXTH_DESTOPTS;
                if first == NEXTH_HOPBYHOP {
                    ext[1] = 1;
                    ext[2] = 1;
                    ext[3] = 12;
                }
                ext.extend_from_slice(&[NEXTH_TCP, 0, opt, 4, 0, 0, 0, 0]);
                let r = check(&packet(PEER, OURS, first, &ext));
                if ok {
                    assert!(
                        tcp_past(40 + len as u16 + 8)(r),
                        "{first} then {opt:#x}: {r:?}"
                    );
                } else {
                    assert_eq!(r, Ip6Input::Drop, "{first} then {opt:#x}");
                }
            }
        }
        // A 16-byte header of which the packet holds 8 (all padding):
        // dropped, though nothing in it would drop the packet.
        let mut p = header(&PEER, &OURS, 8, 0, NEXTH_DESTOPTS, 64).to_vec();
        p.extend_from_slice(&[NEXTH_TCP, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(check(&p), Ip6Input::Drop);
        // A header that ends where the packet does passes (TCP then sees
        // nothing: tcp_input's own length check).
        let mut p = header(&PEER, &OURS, 8, 0, NEXTH_DESTOPTS, 64).to_vec();
        p.extend_from_slice(&[NEXTH_TCP, 0, 1, 4, 0, 0, 0, 0]);
        assert!(tcp_past(48)(check(&p)));
    }

    #[test]
    fn routing_and_fragment_headers_are_measured_as_ip6_input_does() {
        // A 16-byte routing header (hdr ext len 1) before destination
        // options that pass.
        let mut rh = vec![0u8; 16];
        rh[0] = NEXTH_DESTOPTS;
        rh[1] = 1;
        rh.extend_from_slice(&[NEXTH_TCP, 0, 1, 4, 0, 0, 0, 0]);
        assert!(tcp_past(64)(check(&packet(PEER, OURS, NEXTH_ROUTING, &rh))));
        // Longer than the packet: dropped; ending where it does: passes.
        let long = [NEXTH_TCP, 5, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_ROUTING, &long)),
            Ip6Input::Drop
        );
        for (nexth, ext) in [
            (NEXTH_ROUTING, [NEXTH_TCP, 0, 0, 0, 0, 0, 0, 0]),
            (NEXTH_FRAGMENT, [NEXTH_TCP, 0, 0, 0, 0, 0, 0, 1]),
        ] {
            let mut p = header(&PEER, &OURS, 8, 0, nexth, 64).to_vec();
            p.extend_from_slice(&ext);
            assert!(tcp_past(48)(check(&p)), "{nexth}: ends with the packet");
            // Cut one byte short: dropped.
            p[5] = 7;
            p.pop();
            assert_eq!(check(&p), Ip6Input::Drop, "{nexth}: cut short");
        }
        // The fragment field is bytes 2 and 3: M alone (with a payload
        // length a multiple of 8 or not) or an offset alone drops; the
        // reserved byte 1 and the identification do not count.
        for (field, ok) in [
            ([0, 0], true),
            ([0, 1], false),
            ([0xff, 0xf8], false),
            ([1, 0], false),
            ([0, 6], true),
        ] {
            let frag = [NEXTH_TCP, 0xff, field[0], field[1], 0xff, 0xff, 0xff, 0xff];
            let r = check(&packet(PEER, OURS, NEXTH_FRAGMENT, &frag));
            assert_eq!(matches!(r, Ip6Input::Tcp { .. }), ok, "{field:?}: {r:?}");
        }
        // M with a payload length not a multiple of 8 drops before the
        // fragment check; with one that is, the fragment check drops it.
        let mut m8 = vec![NEXTH_TCP, 0, 0, 1, 0, 0, 0, 0];
        m8.extend_from_slice(&[0; 4]);
        let mut p = packet(PEER, OURS, NEXTH_FRAGMENT, &m8);
        assert_eq!(u16::from_be_bytes([p[4], p[5]]) % 8, 0);
        assert_eq!(check(&p), Ip6Input::Drop);
        p[43] = 0;
        assert!(tcp_past(48)(check(&p)));
    }

    #[test]
    fn only_tcp_goes_on() {
        assert_eq!(check(&packet(PEER, OURS, 17, &[])), Ip6Input::Drop, "UDP");
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_NONE, &[])),
            Ip6Input::Drop,
            "no next header"
        );
        let to_udp = [17, 0, 1, 4, 0, 0, 0, 0];
        assert_eq!(
            check(&packet(PEER, OURS, NEXTH_DESTOPTS, &to_udp)),
            Ip6Input::Drop
        );
    }

    #[test]
    fn the_address_shapes_follow_ip_addr_h() {
        use crate::storage::IpAddrRepr;
        // Dual-stack: the type decides what "any" and "equal" read.
        let v4 = IpAddrDual::from_v4([10, 0, 0, 1]);
        let any4 = IpAddrDual::ANY;
        let any6 = IpAddrDual::from_ip(IpAddr::V6([0; 16])).unwrap();
        let any_type = IpAddrDual::from_ip(IpAddr::Any).unwrap();
        let ours = IpAddrDual::from_ip(IpAddr::V6(OURS)).unwrap();
        assert!(any4.isany() && any6.isany() && any_type.isany());
        assert!(!v4.isany() && !ours.isany());
        // An IPv6 address reads all 16 bytes (::1 is not any), an IPv4 one
        // its word (bytes after it, which lwIP leaves as they were, do not
        // count).
        let mut loopback6 = [0; 16];
        loopback6[15] = 1;
        assert!(!IpAddrDual::from_ip(IpAddr::V6(loopback6)).unwrap().isany());
        let mut any4_left = any4;
        any4_left.addr[12] = 9;
        assert!(any4_left.isany());
        assert!(!any4.addr_eq(&any6), "different types");
        assert!(any6.addr_eq(&IpAddrDual::from_ip(IpAddr::V6([0; 16])).unwrap()));
        assert!(ours.is_v6() && !v4.is_v6() && !any_type.is_v6());
        assert!(any_type.is_any_type() && !any4.is_any_type() && !ours.is_any_type());
        assert_eq!(
            [v4.ip_type(), ours.ip_type(), any_type.ip_type()],
            [0, 6, 46]
        );
        // An IPv4 address reads its first word only; an IPv6 one all 16.
        let mut v4b = v4;
        v4b.addr[8] = 1;
        assert!(v4.addr_eq(&v4b));
        let mut ours_b = ours;
        ours_b.addr[8] = 1;
        assert!(!ours.addr_eq(&ours_b));
        let mut t = v4;
        t.set_type(6);
        assert!(t.is_v6() && t.v6()[..4] == [10, 0, 0, 1]);
        for a in [IpAddr::V4([10, 0, 0, 1]), IpAddr::V6(OURS), IpAddr::Any] {
            assert_eq!(IpAddrDual::from_ip(a).unwrap().to_ip(), a);
        }
        // IPv6-only: every address is IPv6, IP_ANY_TYPE is ::, IPv4 none.
        assert_eq!(Ip6Addr::from_ip(IpAddr::Any), Some(Ip6Addr([0; 16])));
        assert_eq!(Ip6Addr::from_ip(IpAddr::V4([10, 0, 0, 1])), None);
        let o = Ip6Addr::from_ip(IpAddr::V6(OURS)).unwrap();
        assert!(o.is_v6() && !o.is_any_type() && !o.isany() && o.ip_type() == 6);
        assert!(Ip6Addr::ANY.isany() && o.addr_eq(&o) && !o.addr_eq(&Ip6Addr::ANY));
        assert_eq!(o.to_ip(), IpAddr::V6(OURS));
        assert_eq!(o.v6(), OURS);
        // IPv4-only: IP_ANY_TYPE is 0.0.0.0, IPv6 none.
        assert_eq!(<[u8; 4]>::from_ip(IpAddr::Any), Some([0; 4]));
        assert_eq!(<[u8; 4]>::from_ip(IpAddr::V6(OURS)), None);
        assert!(![10u8, 0, 0, 1].is_v6() && ![0u8; 4].is_any_type());
        assert_eq!([10u8, 0, 0, 1].v6(), [0; 16], "no IPv6 half");
        assert_eq!([10u8, 0, 0, 1].ip_type(), 0, "IPADDR_TYPE_V4");
        assert_eq!(<[u8; 4] as crate::ip4::PortAddr>::ip6_get(&()), None);
        const { assert!(IpAddrDual::DUAL && !Ip6Addr::DUAL && !<[u8; 4]>::DUAL) };
        // IPv6-only: the IPv4 word is the first four bytes (never used by
        // such a build's TCP code).
        assert_eq!(Ip6Addr::from_v4([10, 0, 0, 1]).v4(), [10, 0, 0, 1]);
        assert_eq!(Ip6Addr::from_v4([10, 0, 0, 1]).0[4..], [0; 12]);
    }

    #[test]
    fn the_source_is_the_netifs_one_valid_address() {
        assert_eq!(select_source(Some(OURS), &PEER), Some(OURS));
        assert_eq!(select_source(None, &PEER), None);
    }
}
