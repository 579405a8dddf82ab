//! Link-layer, IP (v4 and v6) and TCP decoding of captured frames, with
//! etherparse. The decoder works on one frame of bytes and knows nothing of
//! the container: [`decode_frame`] is what any other part of the harness
//! (e.g. `wire.rs`) can use to turn link-layer bytes into a [`TcpPacket`].

use std::fmt;
use std::net::IpAddr;

use etherparse::err::{Layer, LenError, packet::SliceError};
use etherparse::{EtherType, LenSource, NetSlice, SlicedPacket, TransportSlice};

use serde::Serialize;

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

/// One decoded TCP segment (over IPv4 or IPv6) from a capture.
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
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// IPv4 time to live, IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 type of service / IPv6 traffic class (DSCP+ECN byte).
    pub tos: u8,
    /// IPv4 identification (0 for IPv6).
    pub ip_id: u16,
    /// IPv4 DF bit (false for IPv6).
    pub dont_fragment: bool,
    /// Raw IP header: IPv4 with options (and an authentication header), or
    /// IPv6 with all extension headers before TCP.
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
    /// IPv4 header checksum is correct (always true for IPv6, which has none).
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

    /// The IP packet as it was on the wire (IP header, TCP header, payload).
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
    /// ARP/RARP packet.
    Arp,
    /// Any other non-IP network protocol (ethertype, address family, LLC...).
    OtherNonIp,
    /// IP fragment (IPv4 MF set or non-zero offset, IPv6 fragment header).
    IpFragment,
    /// Not all of the packet was captured, or headers are cut.
    Truncated,
    /// IP but not TCP (UDP, ICMP...).
    NonTcp,
    /// Malformed IP header (version, IHL, lengths, extension headers).
    BadIpHeader,
    /// Malformed TCP header (data offset).
    BadTcpHeader,
    /// Link type this reader does not decode.
    UnknownLinkType(u32),
}

/// Tally of packets that could not be used, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// ARP/RARP packets.
    pub arp: u64,
    /// Other non-IP packets.
    pub other_non_ip: u64,
    /// IP fragments.
    pub ip_fragment: u64,
    /// Truncated packets (captured length below original length or below headers).
    pub truncated: u64,
    /// IP packets that are not TCP.
    pub non_tcp: u64,
    /// Malformed IP headers.
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
        self.arp
            + self.other_non_ip
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
            SkipReason::Arp => self.arp += 1,
            SkipReason::OtherNonIp => self.other_non_ip += 1,
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
    /// e.g. `2 ARP, 1 non-TCP IP`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = [
            (self.arp, "ARP"),
            (self.other_non_ip, "other non-IP"),
            (self.ip_fragment, "IP fragment"),
            (self.truncated, "truncated"),
            (self.non_tcp, "non-TCP IP"),
            (self.bad_ip_header, "bad IP header"),
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

/// Decode one captured frame of link type `link_type` into a TCP packet, or
/// say why not. `orig_len` is the frame's length on the wire (a frame shorter
/// than that was cut by the snap length). The returned packet's `index`,
/// timestamps, `interface` and `comment` are zero/empty: the container fills them in.
pub fn decode_frame(link_type: u32, data: &[u8], orig_len: u32) -> Result<TcpPacket, SkipReason> {
    let cut = (data.len() as u64) < u64::from(orig_len);
    let sliced = match link_type {
        LINKTYPE_ETHERNET => SlicedPacket::from_ethernet(data),
        // etherparse's SLL parser refuses ARPHRD types other than Ethernet,
        // netlink, GRE, radiotap and FRAD (e.g. loopback 772, tun 0xfffe, as
        // `tcpdump -i any` writes them): take the protocol field ourselves.
        LINKTYPE_LINUX_SLL => after_cooked(data, 14, 16),
        // etherparse has no SLL2 (0.21).
        LINKTYPE_LINUX_SLL2 => after_cooked(data, 0, 20),
        LINKTYPE_NULL | LINKTYPE_LOOP => {
            let b: [u8; 4] = data
                .get(0..4)
                .and_then(|b| b.try_into().ok())
                .ok_or(SkipReason::Truncated)?;
            let family = if link_type == LINKTYPE_LOOP {
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
                2 => ip_only(data.get(4..).unwrap_or(&[]), 4),
                10 | 24 | 28 | 30 => ip_only(data.get(4..).unwrap_or(&[]), 6),
                _ => return Err(SkipReason::OtherNonIp),
            }
        }
        LINKTYPE_RAW | LINKTYPE_RAW_12 | LINKTYPE_RAW_14 => SlicedPacket::from_ip(data),
        LINKTYPE_IPV4 => ip_only(data, 4),
        LINKTYPE_IPV6 => ip_only(data, 6),
        other => return Err(SkipReason::UnknownLinkType(other)),
    };
    let sliced = sliced.map_err(|e| slice_error(&e, cut))?;
    tcp_packet(&sliced, data, cut)
}

/// Cooked captures (SLL, SLL2): the ethertype at `proto_at`, the network
/// layer at `payload_at`.
fn after_cooked(
    data: &[u8],
    proto_at: usize,
    payload_at: usize,
) -> Result<SlicedPacket<'_>, SliceError> {
    match (data.get(proto_at..proto_at + 2), data.get(payload_at..)) {
        (Some(&[a, b]), Some(rest)) => {
            SlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([a, b])), rest)
        }
        _ => Err(SliceError::Len(LenError {
            required_len: payload_at,
            len: data.len(),
            len_source: LenSource::Slice,
            layer: Layer::LinuxSllHeader,
            layer_start_offset: 0,
        })),
    }
}

/// Raw IP of one version only (link types 228/229, or a NULL/LOOP family).
fn ip_only(data: &[u8], version: u8) -> Result<SlicedPacket<'_>, SliceError> {
    match data.first().map(|b| b >> 4) {
        Some(v) if v != version => Err(SliceError::Ip(
            etherparse::err::ip::HeaderError::UnsupportedIpVersion { version_number: v },
        )),
        _ => SlicedPacket::from_ip(data),
    }
}

/// The skip reason for an etherparse slicing error.
fn slice_error(e: &SliceError, cut: bool) -> SkipReason {
    match e {
        SliceError::Len(l) => match l.layer {
            Layer::TcpHeader => SkipReason::BadTcpHeader,
            Layer::UdpHeader
            | Layer::UdpPayload
            | Layer::Icmpv4
            | Layer::Icmpv4Timestamp
            | Layer::Icmpv4TimestampReply
            | Layer::Icmpv6
            | Layer::Igmp => SkipReason::NonTcp,
            Layer::Arp => SkipReason::Arp,
            // A length field pointing past the data: cut by the snap length,
            // or lying.
            Layer::Ipv4Packet | Layer::Ipv6Packet if !cut => SkipReason::BadIpHeader,
            Layer::Ipv6ExtHeader
            | Layer::Ipv6HopByHopHeader
            | Layer::Ipv6DestOptionsHeader
            | Layer::Ipv6RouteHeader
            | Layer::Ipv6FragHeader
            | Layer::IpAuthHeader
                if !cut =>
            {
                SkipReason::BadIpHeader
            }
            _ => SkipReason::Truncated,
        },
        SliceError::Tcp(_) => SkipReason::BadTcpHeader,
        SliceError::LinuxSll(_) | SliceError::Macsec(_) => SkipReason::OtherNonIp,
        SliceError::Ip(_)
        | SliceError::Ipv4(_)
        | SliceError::Ipv6(_)
        | SliceError::Ipv4Exts(_)
        | SliceError::Ipv6Exts(_) => SkipReason::BadIpHeader,
    }
}

/// Whether `t` tags a VLAN (802.1Q, 802.1ad, and the pre-standard 0x9100/0x9200).
fn is_vlan(t: EtherType) -> bool {
    matches!(t.0, 0x8100 | 0x88a8 | 0x9100 | 0x9200)
}

/// The TCP packet of a sliced frame, or why there is none.
fn tcp_packet(sliced: &SlicedPacket<'_>, frame: &[u8], cut: bool) -> Result<TcpPacket, SkipReason> {
    let Some(net) = &sliced.net else {
        return match sliced.payload_ether_type() {
            // etherparse stops after 3 link extensions and does not know the
            // 0x9200 tag: follow further tags ourselves.
            Some(t) if is_vlan(t) => more_vlan_tags(sliced, frame, cut),
            Some(EtherType(0x0806 | 0x8035)) => Err(SkipReason::Arp),
            _ => Err(SkipReason::OtherNonIp),
        };
    };
    let (ip_start, src, dst, ttl, tos, ip_id, df, fragmented) = match net {
        NetSlice::Ipv4(v4) => {
            let h = v4.header();
            (
                h.slice(),
                IpAddr::from(h.source()),
                IpAddr::from(h.destination()),
                h.ttl(),
                h.slice().get(1).copied().unwrap_or(0),
                h.identification(),
                h.dont_fragment(),
                v4.is_payload_fragmented(),
            )
        }
        NetSlice::Ipv6(v6) => {
            let h = v6.header();
            (
                h.slice(),
                IpAddr::from(h.source()),
                IpAddr::from(h.destination()),
                h.hop_limit(),
                h.traffic_class(),
                0,
                false,
                v6.is_payload_fragmented(),
            )
        }
        NetSlice::Arp(_) => return Err(SkipReason::Arp),
    };
    if fragmented {
        return Err(SkipReason::IpFragment);
    }
    let Some(TransportSlice::Tcp(tcp)) = &sliced.transport else {
        return Err(SkipReason::NonTcp);
    };
    let segment = tcp.slice();
    // Everything from the IP header to the TCP header (options, extension
    // headers): both are views into `frame`.
    let at = |p: &[u8]| (p.as_ptr() as usize).wrapping_sub(frame.as_ptr() as usize);
    let ip_header = frame
        .get(at(ip_start)..at(segment))
        .ok_or(SkipReason::BadIpHeader)?;
    let ip_checksum_ok = match net {
        NetSlice::Ipv4(v4) => internet_checksum(v4.header().slice()) == 0,
        _ => true,
    };
    let expected = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => tcp.calc_checksum_ipv4(s.octets(), d.octets()),
        (IpAddr::V6(s), IpAddr::V6(d)) => tcp.calc_checksum_ipv6(s.octets(), d.octets()),
        _ => return Err(SkipReason::BadIpHeader),
    };
    let tcp_checksum_ok = expected.is_ok_and(|c| c == tcp.checksum());
    Ok(TcpPacket {
        index: 0,
        ts_micros: 0,
        ts_nanos: 0,
        interface: 0,
        comment: None,
        src,
        dst,
        ttl,
        tos,
        ip_id,
        dont_fragment: df,
        ip_header_bytes: ip_header.to_vec(),
        src_port: tcp.source_port(),
        dst_port: tcp.destination_port(),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags: segment.get(13).copied().unwrap_or(0),
        window: tcp.window_size(),
        urgent_ptr: tcp.urgent_pointer(),
        options: tcp.options().to_vec(),
        payload: tcp.payload().to_vec(),
        tcp_header_bytes: tcp.header_slice().to_vec(),
        ip_checksum_ok,
        tcp_checksum_ok,
        checksum_ok: ip_checksum_ok && tcp_checksum_ok,
    })
}

/// Follow VLAN tags beyond what etherparse follows, then slice the rest.
fn more_vlan_tags(
    sliced: &SlicedPacket<'_>,
    frame: &[u8],
    cut: bool,
) -> Result<TcpPacket, SkipReason> {
    let mut rest = match sliced.link_exts.last() {
        Some(etherparse::LinkExtSlice::Vlan(v)) => v.payload_slice(),
        _ => match &sliced.link {
            Some(etherparse::LinkSlice::Ethernet2(e)) => e.payload_slice(),
            Some(etherparse::LinkSlice::EtherPayload(p)) => p.payload,
            _ => return Err(SkipReason::OtherNonIp),
        },
    };
    let mut ethertype = sliced.payload_ether_type().ok_or(SkipReason::OtherNonIp)?;
    while is_vlan(ethertype) {
        let t = rest.get(2..4).ok_or(SkipReason::Truncated)?;
        ethertype = EtherType(u16::from_be_bytes([t[0], t[1]]));
        rest = rest.get(4..).unwrap_or(&[]);
    }
    let sliced =
        SlicedPacket::from_ether_type(ethertype, rest).map_err(|e| slice_error(&e, cut))?;
    if sliced.net.is_none() && sliced.payload_ether_type().is_some_and(is_vlan) {
        return Err(SkipReason::OtherNonIp);
    }
    tcp_packet(&sliced, frame, cut)
}

/// Internet checksum of `data` (the value to store in a checksum field that is
/// zero in `data`).
pub fn internet_checksum(data: &[u8]) -> u16 {
    let sum = etherparse::checksum::Sum16BitWords::new()
        .add_slice(data)
        .ones_complement();
    u16::from_be_bytes(sum.to_ne_bytes())
}
