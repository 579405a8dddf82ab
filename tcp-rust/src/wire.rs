//! The IPv4/TCP constants the engine uses and the Internet checksum.
//!
//! - [`inet_chksum`] / [`inet_chksum_pseudo`]: ports of lwIP's functions of
//!   the same names (inet_chksum.c), over a contiguous byte slice instead of
//!   a pbuf chain.
//!
//! Nothing here panics, for any buffer contents or length. Checksum
//! functions return the value to store in the field as a host integer, i.e.
//! the field's bytes are `value.to_be_bytes()`.

#[cfg(test)]
use core::net::Ipv4Addr;

use crate::storage::IpAddrRepr;

/// Port of lwIP's `TCP_HLEN` (prot/tcp.h): TCP header length without options.
pub const TCP_HLEN: usize = 20;
/// Port of lwIP's `IP_HLEN` (prot/ip4.h): IPv4 header length without options.
pub const IP_HLEN: usize = 20;
/// Port of lwIP's `IP_PROTO_TCP` (prot/ip.h).
pub const IP_PROTO_TCP: u8 = 6;
/// Port of lwIP's `IP_MF` (prot/ip4.h): more-fragments flag.
pub const IP_MF: u16 = 0x2000;
/// Port of lwIP's `IP_OFFMASK` (prot/ip4.h): fragment offset mask.
pub const IP_OFFMASK: u16 = 0x1fff;

// ---------------------------------------------------------------------------
// Internet checksum
// ---------------------------------------------------------------------------

/// One's-complement sum of `data` as big-endian 16-bit words (a trailing
/// odd byte is the high byte of a final word), added to `acc`, folded to 16
/// bits. This is the un-complemented value lwIP's `lwip_standard_chksum`
/// computes (in network byte order).
fn ones_complement_sum(data: &[u8], acc: u32) -> u16 {
    // 32-bit big-endian words: 2^16 = 1 modulo 0xffff, so a word adds its
    // two 16-bit halves, and the fold below gives the 16-bit sum (0 only
    // for all-zero data, as with 16-bit words). Eight bytes a step.
    let mut sum = u64::from(acc);
    let mut blocks = data.chunks_exact(8);
    for w in &mut blocks {
        if let &[a, b, c, d, e, f, g, h] = w {
            sum = sum
                .wrapping_add(u64::from(u32::from_be_bytes([a, b, c, d])))
                .wrapping_add(u64::from(u32::from_be_bytes([e, f, g, h])));
        }
    }
    let mut rest = blocks.remainder();
    if let &[a, b, c, d, ref tail @ ..] = rest {
        sum = sum.wrapping_add(u64::from(u32::from_be_bytes([a, b, c, d])));
        rest = tail;
    }
    if let &[hi, lo, ref tail @ ..] = rest {
        sum = sum.wrapping_add(u64::from(u16::from_be_bytes([hi, lo])));
        rest = tail;
    }
    if let &[last] = rest {
        sum = sum.wrapping_add(u64::from(u16::from_be_bytes([last, 0])));
    }
    fold(sum)
}

fn fold(sum: u64) -> u16 {
    // 64 -> 33 -> 17 -> 16 bits, each step keeping the sum modulo 0xffff.
    let s = (sum & 0xffff_ffff).wrapping_add(sum >> 32);
    let s = (s & 0xffff).wrapping_add(s >> 16);
    let s = (s & 0xffff).wrapping_add(s >> 16);
    let s = (s & 0xffff).wrapping_add(s >> 16);
    u16::try_from(s).unwrap_or(0xffff)
}

/// Port of lwIP's `inet_chksum` (inet_chksum.c): the Internet checksum
/// (complement of the one's-complement sum) of `data`. Over a header that
/// includes its correct checksum field this returns 0.
pub fn inet_chksum(data: &[u8]) -> u16 {
    !ones_complement_sum(data, 0)
}

/// Port of lwIP's `inet_chksum_pseudo` (inet_chksum.c): the Internet
/// checksum of an IPv4 pseudo header (`src`, `dest`, zero, `proto`,
/// `proto_len`) followed by `data`.
///
/// lwIP passes `p->tot_len` as `proto_len`; for a whole segment that is
/// `data.len()`. Used with `IP_PROTO_TCP` to fill (field zeroed first) or
/// verify (result 0 means valid, as in `tcp_input`) a TCP checksum. Like
/// lwIP it never maps a 0 result to 0xffff (that is UDP-only).
#[cfg(test)]
pub fn inet_chksum_pseudo(
    data: &[u8],
    proto: u8,
    proto_len: u16,
    src: Ipv4Addr,
    dest: Ipv4Addr,
) -> u16 {
    let acc = pseudo_sum(proto, proto_len, src.octets(), dest.octets());
    !ones_complement_sum(data, u32::from(acc))
}

/// Port of `ip_chksum_pseudo()` (inet_chksum.c) over a pbuf chain:
/// `ip6_chksum_pseudo` for an IPv6 `dest`, else `inet_chksum_pseudo`;
/// the parts in order, a part that starts at an odd offset summed
/// byte-swapped as lwIP's `inet_cksum_pseudo_base` does.
pub fn inet_chksum_pseudo_chain<'a, A: IpAddrRepr>(
    parts: impl Iterator<Item = &'a [u8]>,
    proto: u8,
    proto_len: u16,
    src: A,
    dest: A,
) -> u16 {
    let mut sum = u64::from(pseudo_sum(proto, proto_len, src, dest));
    let mut odd = false;
    for part in parts {
        let s = ones_complement_sum(part, 0);
        sum = sum.wrapping_add(u64::from(if odd { s.swap_bytes() } else { s }));
        if part.len() % 2 == 1 {
            odd = !odd;
        }
    }
    !fold(sum)
}

/// Folded one's-complement sum of the pseudo header: IPv6's (RFC 8200:
/// both addresses, the length, the next header) for an IPv6 `dest`, else
/// IPv4's.
fn pseudo_sum<A: IpAddrRepr>(proto: u8, proto_len: u16, src: A, dest: A) -> u16 {
    let [l0, l1] = proto_len.to_be_bytes();
    if dest.is_v6() {
        let acc = u32::from(ones_complement_sum(&src.v6(), 0))
            .wrapping_add(u32::from(ones_complement_sum(&dest.v6(), 0)));
        ones_complement_sum(&[0, proto, l0, l1], acc)
    } else {
        let [s0, s1, s2, s3] = src.v4();
        let [d0, d1, d2, d3] = dest.v4();
        ones_complement_sum(&[s0, s1, s2, s3, d0, d1, d2, d3, 0, proto, l0, l1], 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Linux-style active-open SYN in IPv4, written down byte by byte:
    /// 10.0.0.1:45678 -> 10.0.0.2:80, seq 0x1c2d3e4f, win 64240, DF, TTL 64,
    /// options MSS 1460, SACK_PERM, TS(val 0x000a1b2c, ecr 0), NOP, WS 7.
    /// Both checksums were computed independently (RFC 1071 reference
    /// implementation) and are part of the vector: IP 0x1486 (bytes 10-11),
    /// TCP 0x109c (bytes 36-37).
    const LINUX_SYN: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x14, 0x86, 0x0a, 0x00, 0x00,
        0x01, 0x0a, 0x00, 0x00, 0x02, 0xb2, 0x6e, 0x00, 0x50, 0x1c, 0x2d, 0x3e, 0x4f, 0x00, 0x00,
        0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x10, 0x9c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
        0x02, 0x08, 0x0a, 0x00, 0x0a, 0x1b, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
    ];
    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(ones_complement_sum(&d, 0), 0xddf2);
        assert_eq!(inet_chksum(&d), 0x220d);
        // Odd length: trailing byte is the high byte of a padded word.
        assert_eq!(ones_complement_sum(&[0x12], 0), 0x1200);
        assert_eq!(ones_complement_sum(&[], 0), 0);
        assert_eq!(inet_chksum(&[]), 0xffff);
        // End-around carry.
        assert_eq!(ones_complement_sum(&[0xff, 0xff, 0x00, 0x02], 0), 0x0002);
    }

    #[test]
    fn ipv4_wikipedia_header_checksum() {
        // The classic example header; its checksum is 0xb861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(inet_chksum(&h), 0xb861);
        h[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert_eq!(inet_chksum(&h), 0);
    }

    #[test]
    fn linux_syn_checksums() {
        // The IP header with its checksum in place verifies to 0.
        assert_eq!(inet_chksum(&LINUX_SYN[..IP_HLEN]), 0);
        let tcp = &LINUX_SYN[IP_HLEN..];
        let len = u16::try_from(tcp.len()).unwrap();
        // So does the segment under its pseudo header (tcp_input's check)...
        assert_eq!(inet_chksum_pseudo(tcp, IP_PROTO_TCP, len, A, B), 0);
        // ...but not under other addresses (swapping them would not show:
        // the sum is order-blind).
        let c = Ipv4Addr::new(10, 0, 0, 3);
        assert_ne!(inet_chksum_pseudo(tcp, IP_PROTO_TCP, len, B, c), 0);
        // With the field zeroed it computes the stored value.
        let mut copy = [0u8; 40];
        copy.copy_from_slice(tcp);
        copy[16] = 0;
        copy[17] = 0;
        assert_eq!(inet_chksum_pseudo(&copy, IP_PROTO_TCP, len, A, B), 0x109c);
    }

    #[test]
    fn odd_length_segment_checksum() {
        // 20-byte header + 3 bytes payload "hey", 10.0.0.2:80 ->
        // 10.0.0.1:45678, seq 6000, ack 0x1c2d3e50, ACK|PSH, wnd 2144;
        // vector computed independently (RFC 1071 reference implementation).
        let seg = [
            0x00, 0x50, 0xb2, 0x6e, 0x00, 0x00, 0x17, 0x70, 0x1c, 0x2d, 0x3e, 0x50, 0x50, 0x18,
            0x08, 0x60, 0x00, 0x00, 0x00, 0x00, b'h', b'e', b'y',
        ];
        assert_eq!(inet_chksum_pseudo(&seg, IP_PROTO_TCP, 23, B, A), 0x8d55);
    }

    #[test]
    fn chain_checksum_equals_contiguous_at_any_split() {
        let tcp = &LINUX_SYN[IP_HLEN..];
        let len = u16::try_from(tcp.len()).unwrap();
        let whole = inet_chksum_pseudo(tcp, IP_PROTO_TCP, len, A, B);
        for a in 0..tcp.len() {
            for b in a..tcp.len() {
                let parts = [&tcp[..a], &tcp[a..b], &tcp[b..]];
                let c = inet_chksum_pseudo_chain(
                    parts.into_iter(),
                    IP_PROTO_TCP,
                    len,
                    A.octets(),
                    B.octets(),
                );
                assert_eq!(c, whole, "split at {a}, {b}");
            }
        }
    }
}
