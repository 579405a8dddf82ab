//! Link-layer, IPv4 and TCP decoding of captured frames.

use std::fmt;
use std::net::Ipv4Addr;

use serde::Serialize;

use super::container::RawFrame;

/// LINKTYPE_NULL: BSD loopback, 4-byte address family in the capturing host's byte order.
pub const LINKTYPE_NULL: u32 = 0;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// DLT_RAW as written by some platforms (12) ...
pub const LINKTYPE_RAW_12: u32 = 12;
/// ... and by others (14).
pub const LINKTYPE_RAW_14: u32 = 14;
/// LINKTYPE_RAW: raw IPv4/IPv6, version from the first nibble.
pub const LINKTYPE_RAW: u32 = 101;
/// LINKTYPE_LOOP: OpenBSD loopback, 4-byte address family in network byte order.
pub const LINKTYPE_LOOP: u32 = 108;
/// LINKTYPE_LINUX_SLL: Linux cooked capture v1.
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// LINKTYPE_IPV4: raw IPv4 only.
pub const LINKTYPE_IPV4: u32 = 228;
/// LINKTYPE_IPV6: raw IPv6 only.
pub const LINKTYPE_IPV6: u32 = 229;
/// LINKTYPE_LINUX_SLL2: Linux cooked capture v2.
pub const LINKTYPE_LINUX_SLL2: u32 = 276;

/// TCP flag bits of [`TcpPacket::flags`].
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE.
    pub const ECE: u8 = 0x40;
    /// CWR.
    pub const CWR: u8 = 0x80;
}

/// One decoded IPv4 TCP segment from a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcpPacket {
    /// 0-based number of the packet record/block in the file (counting skipped ones).
    pub index: usize,
    /// Capture timestamp, microseconds since the Unix epoch (floor of `ts_nanos / 1000`).
    pub ts_micros: i64,
    /// Capture timestamp, nanoseconds since the Unix epoch (as precise as the file).
    pub ts_nanos: i64,
    /// Index into [`Capture::interfaces`](super::Capture::interfaces).
    pub interface: usize,
    /// pcapng `opt_comment`(s) of the packet, joined by newlines.
    pub comment: Option<String>,
    /// IPv4 source.
    pub src: Ipv4Addr,
    /// IPv4 destination.
    pub dst: Ipv4Addr,
    /// IPv4 time to live.
    pub ttl: u8,
    /// IPv4 type of service / DSCP+ECN byte.
    pub tos: u8,
    /// IPv4 identification.
    pub ip_id: u16,
    /// IPv4 DF bit.
    pub dont_fragment: bool,
    /// Raw IPv4 header including options.
    pub ip_header_bytes: Vec<u8>,
    /// TCP source port.
    pub src_port: u16,
    /// TCP destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number (raw, meaningful only with ACK).
    pub ack: u32,
    /// Raw flag byte (CWR ECE URG ACK PSH RST SYN FIN), see [`tcp_flags`].
    pub flags: u8,
    /// Raw (unscaled) window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent_ptr: u16,
    /// Raw TCP options (header bytes after the fixed 20).
    pub options: Vec<u8>,
    /// TCP payload (IP total length respected, link padding removed).
    pub payload: Vec<u8>,
    /// Raw TCP header including options.
    pub tcp_header_bytes: Vec<u8>,
    /// IPv4 header checksum is correct.
    pub ip_checksum_ok: bool,
    /// TCP checksum (with pseudo-header) is correct. Often false for packets
    /// sent by the capturing host because of checksum offload.
    pub tcp_checksum_ok: bool,
    /// Both checksums are correct.
    pub checksum_ok: bool,
}

impl TcpPacket {
    /// Whether all bits of `flag` (see [`tcp_flags`]) are set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag == flag
    }

    /// Flag names joined by `|`, e.g. `"SYN|ACK"` (`"-"` when none is set).
    pub fn flags_str(&self) -> String {
        flags_to_string(self.flags)
    }

    /// Sequence space consumed: payload length plus one for SYN and for FIN.
    pub fn seg_len(&self) -> u64 {
        self.payload.len() as u64
            + u64::from(self.has(tcp_flags::SYN))
            + u64::from(self.has(tcp_flags::FIN))
    }

    /// The IPv4 packet as it was on the wire (IP header, TCP header, payload).
    pub fn ip_packet(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(
            self.ip_header_bytes.len() + self.tcp_header_bytes.len() + self.payload.len(),
        );
        v.extend_from_slice(&self.ip_header_bytes);
        v.extend_from_slice(&self.tcp_header_bytes);
        v.extend_from_slice(&self.payload);
        v
    }
}

/// Names of the set flags joined by `|`, e.g. `SYN|ACK`; `-` when none.
pub fn flags_to_string(flags: u8) -> String {
    const NAMES: [(u8, &str); 8] = [
        (tcp_flags::CWR, "CWR"),
        (tcp_flags::ECE, "ECE"),
        (tcp_flags::URG, "URG"),
        (tcp_flags::SYN, "SYN"),
        (tcp_flags::FIN, "FIN"),
        (tcp_flags::RST, "RST"),
        (tcp_flags::PSH, "PSH"),
        (tcp_flags::ACK, "ACK"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "-".to_string()
    } else {
        names.join("|")
    }
}

/// Why a packet was not turned into a [`TcpPacket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// IPv6 packet.
    Ipv6,
    /// ARP/RARP packet.
    Arp,
    /// Any other non-IPv4 network protocol (ethertype, address family, LLC...).
    OtherNonIpv4,
    /// IPv4 fragment (MF set or non-zero offset).
    IpFragment,
    /// Not all of the packet was captured, or headers are cut.
    Truncated,
    /// IPv4 but not TCP (UDP, ICMP...).
    NonTcp,
    /// Malformed IPv4 header (version, IHL, total length).
    BadIpHeader,
    /// Malformed TCP header (data offset).
    BadTcpHeader,
    /// Link type this reader does not decode.
    UnknownLinkType(u32),
}

/// Tally of packets that could not be used, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// IPv6 packets.
    pub ipv6: u64,
    /// ARP/RARP packets.
    pub arp: u64,
    /// Other non-IPv4 packets.
    pub other_non_ipv4: u64,
    /// IPv4 fragments.
    pub ip_fragment: u64,
    /// Truncated packets (captured length below original length or below headers).
    pub truncated: u64,
    /// IPv4 packets that are not TCP.
    pub non_tcp: u64,
    /// Malformed IPv4 headers.
    pub bad_ip_header: u64,
    /// Malformed TCP headers.
    pub bad_tcp_header: u64,
    /// Packets on interfaces with a link type we do not decode.
    pub unknown_link_type: u64,
    /// The distinct unknown link types seen, sorted.
    pub unknown_link_types: Vec<u32>,
}

impl Skipped {
    /// Total number of skipped packets.
    pub fn total(&self) -> u64 {
        self.ipv6
            + self.arp
            + self.other_non_ipv4
            + self.ip_fragment
            + self.truncated
            + self.non_tcp
            + self.bad_ip_header
            + self.bad_tcp_header
            + self.unknown_link_type
    }

    /// Count one packet skipped for `reason`.
    pub fn add(&mut self, reason: SkipReason) {
        match reason {
            SkipReason::Ipv6 => self.ipv6 += 1,
            SkipReason::Arp => self.arp += 1,
            SkipReason::OtherNonIpv4 => self.other_non_ipv4 += 1,
            SkipReason::IpFragment => self.ip_fragment += 1,
            SkipReason::Truncated => self.truncated += 1,
            SkipReason::NonTcp => self.non_tcp += 1,
            SkipReason::BadIpHeader => self.bad_ip_header += 1,
            SkipReason::BadTcpHeader => self.bad_tcp_header += 1,
            SkipReason::UnknownLinkType(lt) => {
                self.unknown_link_type += 1;
                if let Err(pos) = self.unknown_link_types.binary_search(&lt) {
                    self.unknown_link_types.insert(pos, lt);
                }
            }
        }
    }
}

impl fmt::Display for Skipped {
    /// e.g. `3 IPv6, 2 ARP, 1 non-TCP IPv4`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = [
            (self.ipv6, "IPv6"),
            (self.arp, "ARP"),
            (self.other_non_ipv4, "other non-IPv4"),
            (self.ip_fragment, "IPv4 fragment"),
            (self.truncated, "truncated"),
            (self.non_tcp, "non-TCP IPv4"),
            (self.bad_ip_header, "bad IPv4 header"),
            (self.bad_tcp_header, "bad TCP header"),
        ];
        let mut parts: Vec<String> = items
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| format!("{n} {w}"))
            .collect();
        if self.unknown_link_type > 0 {
            let types: Vec<String> = self.unknown_link_types.iter().map(u32::to_string).collect();
            parts.push(format!(
                "{} unknown link type ({})",
                self.unknown_link_type,
                types.join(", ")
            ));
        }
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

fn be16(d: &[u8], off: usize) -> Option<u16> {
    let b: [u8; 2] = d.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_be_bytes(b))
}

fn be32(d: &[u8], off: usize) -> Option<u32> {
    let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn byte(d: &[u8], off: usize) -> Option<u8> {
    d.get(off).copied()
}

/// Decode one frame into a TCP packet, or say why not.
pub(crate) fn decode(frame: &RawFrame<'_>) -> Result<TcpPacket, SkipReason> {
    let cut = (frame.data.len() as u64) < u64::from(frame.orig_len);
    let d = frame.data;
    let ip = match frame.link_type {
        LINKTYPE_ETHERNET => {
            let ethertype = be16(d, 12).ok_or(SkipReason::Truncated)?;
            by_ethertype(d, 14, ethertype)?
        }
        LINKTYPE_LINUX_SLL => {
            let proto = be16(d, 14).ok_or(SkipReason::Truncated)?;
            by_ethertype(d, 16, proto)?
        }
        LINKTYPE_LINUX_SLL2 => {
            let proto = be16(d, 0).ok_or(SkipReason::Truncated)?;
            if d.len() < 20 {
                return Err(SkipReason::Truncated);
            }
            by_ethertype(d, 20, proto)?
        }
        LINKTYPE_NULL | LINKTYPE_LOOP => {
            let b: [u8; 4] = d
                .get(0..4)
                .and_then(|b| b.try_into().ok())
                .ok_or(SkipReason::Truncated)?;
            let family = if frame.link_type == LINKTYPE_LOOP {
                u32::from_be_bytes(b)
            } else {
                // Host byte order of the capturing machine: families are small.
                let le = u32::from_le_bytes(b);
                if le <= 0xffff {
                    le
                } else {
                    u32::from_be_bytes(b)
                }
            };
            match family {
                2 => d.get(4..).unwrap_or(&[]),
                10 | 24 | 28 | 30 => return Err(SkipReason::Ipv6),
                _ => return Err(SkipReason::OtherNonIpv4),
            }
        }
        LINKTYPE_RAW | LINKTYPE_RAW_12 | LINKTYPE_RAW_14 => match byte(d, 0).map(|b| b >> 4) {
            None => return Err(SkipReason::Truncated),
            Some(4) => d,
            Some(6) => return Err(SkipReason::Ipv6),
            Some(_) => return Err(SkipReason::BadIpHeader),
        },
        LINKTYPE_IPV4 => d,
        LINKTYPE_IPV6 => return Err(SkipReason::Ipv6),
        other => return Err(SkipReason::UnknownLinkType(other)),
    };
    decode_ipv4(frame, ip, cut)
}

/// Follow VLAN tags from `off` (where `ethertype` applies) to the network layer.
fn by_ethertype(d: &[u8], mut off: usize, mut ethertype: u16) -> Result<&[u8], SkipReason> {
    while matches!(ethertype, 0x8100 | 0x88a8 | 0x9100 | 0x9200) {
        ethertype = be16(d, off + 2).ok_or(SkipReason::Truncated)?;
        off += 4;
    }
    match ethertype {
        0x0800 => Ok(d.get(off..).unwrap_or(&[])),
        0x86dd => Err(SkipReason::Ipv6),
        0x0806 | 0x8035 => Err(SkipReason::Arp),
        _ => Err(SkipReason::OtherNonIpv4),
    }
}

/// Ones' complement sum of 16-bit big-endian words (odd byte zero-padded), unfolded.
fn sum16(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(2);
    let mut sum: u64 = chunks
        .by_ref()
        .map(|c| {
            u64::from(c.first().copied().unwrap_or(0)) << 8
                | u64::from(c.get(1).copied().unwrap_or(0))
        })
        .sum();
    if let Some(&last) = chunks.remainder().first() {
        sum += u64::from(last) << 8;
    }
    sum
}

fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

fn decode_ipv4(frame: &RawFrame<'_>, ip: &[u8], cut: bool) -> Result<TcpPacket, SkipReason> {
    let Some(vihl) = byte(ip, 0) else {
        return Err(SkipReason::Truncated);
    };
    if vihl >> 4 != 4 {
        return Err(SkipReason::BadIpHeader);
    }
    if ip.len() < 20 {
        return Err(SkipReason::Truncated);
    }
    let ihl = usize::from(vihl & 0x0f) * 4;
    let total = usize::from(be16(ip, 2).unwrap_or(0));
    if ihl < 20 || total < ihl {
        return Err(SkipReason::BadIpHeader);
    }
    let Some(ip) = ip.get(..total) else {
        // Either cut by the snap length, or a lying total length.
        return Err(if cut {
            SkipReason::Truncated
        } else {
            SkipReason::BadIpHeader
        });
    };
    let (Some(header), Some(segment)) = (ip.get(..ihl), ip.get(ihl..)) else {
        return Err(SkipReason::BadIpHeader);
    };
    let frag = be16(ip, 6).unwrap_or(0);
    if frag & 0x2000 != 0 || frag & 0x1fff != 0 {
        return Err(SkipReason::IpFragment);
    }
    if byte(ip, 9) != Some(6) {
        return Err(SkipReason::NonTcp);
    }
    let src = Ipv4Addr::from(be32(ip, 12).unwrap_or(0));
    let dst = Ipv4Addr::from(be32(ip, 16).unwrap_or(0));
    let ip_checksum_ok = fold(sum16(header)) == 0xffff;

    if segment.len() < 20 {
        return Err(SkipReason::BadTcpHeader);
    }
    let doff = usize::from(byte(segment, 12).unwrap_or(0) >> 4) * 4;
    let (Some(tcp_header), Some(payload), Some(options)) = (
        segment.get(..doff),
        segment.get(doff..),
        segment.get(20..doff),
    ) else {
        return Err(SkipReason::BadTcpHeader);
    };
    if doff < 20 {
        return Err(SkipReason::BadTcpHeader);
    }
    let tcp_len = segment.len() as u64;
    let pseudo =
        sum16(&src.octets()) + sum16(&dst.octets()) + 6 + (tcp_len & 0xffff) + (tcp_len >> 16);
    let tcp_checksum_ok = fold(pseudo + sum16(segment)) == 0xffff;

    Ok(TcpPacket {
        index: frame.index,
        ts_micros: frame.ts_nanos.div_euclid(1000),
        ts_nanos: frame.ts_nanos,
        interface: frame.interface,
        comment: frame.comment.clone(),
        src,
        dst,
        ttl: byte(ip, 8).unwrap_or(0),
        tos: byte(ip, 1).unwrap_or(0),
        ip_id: be16(ip, 4).unwrap_or(0),
        dont_fragment: frag & 0x4000 != 0,
        ip_header_bytes: header.to_vec(),
        src_port: be16(segment, 0).unwrap_or(0),
        dst_port: be16(segment, 2).unwrap_or(0),
        seq: be32(segment, 4).unwrap_or(0),
        ack: be32(segment, 8).unwrap_or(0),
        flags: byte(segment, 13).unwrap_or(0),
        window: be16(segment, 14).unwrap_or(0),
        urgent_ptr: be16(segment, 18).unwrap_or(0),
        options: options.to_vec(),
        payload: payload.to_vec(),
        tcp_header_bytes: tcp_header.to_vec(),
        ip_checksum_ok,
        tcp_checksum_ok,
        checksum_ok: ip_checksum_ok && tcp_checksum_ok,
    })
}

/// Internet checksum of `data` (the value to store in a checksum field that is
/// zero in `data`).
pub fn internet_checksum(data: &[u8]) -> u16 {
    !fold(sum16(data))
}
