//! IPv4/TCP and IPv6/TCP packets as the harness sees them: [`Segment`] decodes what an
//! engine emitted (for oracles and reports) and encodes what the harness
//! injects. Checksums are computed here, independently of both engines.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::capture::internet_checksum;

/// TCP header flag bits (the capture module's, shared).
pub use crate::capture::tcp_flags as flags;

/// packetdrill's spelling of a flag byte: `S.`, `P.`, `F.`, `R`, `.`.
pub fn flags_str(f: u8) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (flags::FIN, 'F'),
        (flags::SYN, 'S'),
        (flags::RST, 'R'),
        (flags::PSH, 'P'),
        (flags::URG, 'U'),
        (flags::ECE, 'E'),
        (flags::CWR, 'W'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    // packetdrill writes SYN before FIN and RST: order as it does.
    let mut s: String = ['S', 'F', 'R', 'P', 'U', 'E', 'W']
        .iter()
        .filter(|c| s.contains(**c))
        .collect();
    if f & flags::ACK != 0 {
        s.push('.');
    }
    if s.is_empty() {
        s.push('-');
    }
    s
}

/// One TCP option, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Opt {
    /// End of option list (kind 0) and everything after it.
    Eol(usize),
    /// No-operation (kind 1).
    Nop,
    /// Maximum segment size.
    Mss(u16),
    /// Window scale shift.
    WScale(u8),
    /// SACK permitted.
    SackOk,
    /// SACK blocks.
    Sack(Vec<(u32, u32)>),
    /// Timestamps.
    Ts(u32, u32),
    /// Anything else, or malformed: kind and bytes.
    Other(u8, Vec<u8>),
}

impl fmt::Display for Opt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Opt::Eol(_) => write!(f, "eol"),
            Opt::Nop => write!(f, "nop"),
            Opt::Mss(v) => write!(f, "mss {v}"),
            Opt::WScale(v) => write!(f, "wscale {v}"),
            Opt::SackOk => write!(f, "sackOK"),
            Opt::Sack(b) => {
                write!(f, "sack")?;
                for (l, r) in b {
                    write!(f, " {l}:{r}")?;
                }
                Ok(())
            }
            Opt::Ts(v, e) => write!(f, "TS val {v} ecr {e}"),
            Opt::Other(k, d) => write!(f, "opt {k} {}", hex(d)),
        }
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes option bytes (never fails: malformed tails become `Other`).
pub fn parse_options(mut o: &[u8]) -> Vec<Opt> {
    let mut v = Vec::new();
    while let Some(&kind) = o.first() {
        match kind {
            0 => {
                v.push(Opt::Eol(o.len()));
                break;
            }
            1 => {
                v.push(Opt::Nop);
                o = &o[1..];
            }
            _ => {
                let len = o.get(1).map_or(0, |l| usize::from(*l));
                if len < 2 || len > o.len() {
                    v.push(Opt::Other(kind, o.to_vec()));
                    break;
                }
                let body = &o[2..len];
                v.push(match (kind, body.len()) {
                    (2, 2) => Opt::Mss(u16::from_be_bytes([body[0], body[1]])),
                    (3, 1) => Opt::WScale(body[0]),
                    (4, 0) => Opt::SackOk,
                    (5, n) if n % 8 == 0 => Opt::Sack(
                        body.chunks_exact(8)
                            .map(|c| {
                                (
                                    u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                                    u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
                                )
                            })
                            .collect(),
                    ),
                    (8, 8) => Opt::Ts(
                        u32::from_be_bytes([body[0], body[1], body[2], body[3]]),
                        u32::from_be_bytes([body[4], body[5], body[6], body[7]]),
                    ),
                    _ => Opt::Other(kind, body.to_vec()),
                });
                o = &o[len..];
            }
        }
    }
    v
}

/// Encodes options exactly as listed (scripts list their NOPs, as
/// packetdrill's do), then pads with EOL (0) bytes to a multiple of 4.
pub fn encode_options(opts: &[Opt]) -> Vec<u8> {
    let mut b = Vec::new();
    for o in opts {
        match o {
            Opt::Eol(_) => b.push(0),
            Opt::Nop => b.push(1),
            Opt::Mss(v) => {
                b.extend([2, 4]);
                b.extend(v.to_be_bytes());
            }
            Opt::WScale(v) => b.extend([3, 3, *v]),
            Opt::SackOk => b.extend([4, 2]),
            Opt::Sack(blocks) => {
                b.extend([5, (2 + 8 * blocks.len()) as u8]);
                for (l, r) in blocks {
                    b.extend(l.to_be_bytes());
                    b.extend(r.to_be_bytes());
                }
            }
            Opt::Ts(v, e) => {
                b.extend([8, 10]);
                b.extend(v.to_be_bytes());
                b.extend(e.to_be_bytes());
            }
            Opt::Other(k, d) => {
                b.extend([*k, (2 + d.len()) as u8]);
                b.extend(d);
            }
        }
    }
    while b.len() % 4 != 0 {
        b.push(0);
    }
    b
}

/// An IPv4 or IPv6 packet carrying TCP, field by field. Both addresses
/// are of one version (the version of the packet); IPv6 packets have no
/// extension headers (lwIP's TCP sends none, the harness injects none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IPv4 TOS; IPv6 traffic class.
    pub tos: u8,
    /// IPv4 TTL; IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification (0 for IPv6, which has none).
    pub ip_id: u16,
    /// IPv4 flags and fragment offset field (0 for IPv6).
    pub ip_frag: u16,
    /// IPv6 flow label (0 for IPv4, which has none).
    pub flow: u32,
    /// TCP source port.
    pub sport: u16,
    /// TCP destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Flag byte.
    pub flags: u8,
    /// Window field.
    pub wnd: u16,
    /// Urgent pointer.
    pub urg: u16,
    /// Option bytes.
    pub options: Vec<u8>,
    /// Payload.
    pub payload: Vec<u8>,
    /// TCP checksum as found (decode) or to use (encode; None computes it).
    pub checksum: Option<u16>,
}

/// The IPv6 header's length: TCP follows it directly here.
pub const IP6_HLEN: usize = 40;

impl Segment {
    /// Decodes an IPv4/TCP or IPv6/TCP packet; None if it is not one.
    pub fn decode(p: &[u8]) -> Option<Segment> {
        match p.first()? >> 4 {
            4 => Self::decode4(p),
            6 => Self::decode6(p),
            _ => None,
        }
    }

    fn decode4(p: &[u8]) -> Option<Segment> {
        let ihl = usize::from(p.first()? & 0x0f) * 4;
        if ihl < 20 || p.get(9)? != &6 {
            return None;
        }
        let total = usize::from(u16::from_be_bytes([*p.get(2)?, *p.get(3)?])).min(p.len());
        let tcp = p.get(ihl..total)?;
        let be16 = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let mut s = Self::decode_tcp(tcp)?;
        s.src = IpAddr::from([p[12], p[13], p[14], p[15]]);
        s.dst = IpAddr::from([p[16], p[17], p[18], p[19]]);
        s.tos = p[1];
        s.ttl = p[8];
        s.ip_id = be16(p, 4);
        s.ip_frag = be16(p, 6);
        Some(s)
    }

    fn decode6(p: &[u8]) -> Option<Segment> {
        if p.len() < IP6_HLEN || p[6] != 6 {
            return None;
        }
        let plen = usize::from(u16::from_be_bytes([p[4], p[5]]));
        let tcp = p.get(IP6_HLEN..(IP6_HLEN + plen).min(p.len()))?;
        let mut s = Self::decode_tcp(tcp)?;
        let addr = |at: usize| -> IpAddr {
            let mut a = [0u8; 16];
            a.copy_from_slice(&p[at..at + 16]);
            IpAddr::from(a)
        };
        s.src = addr(8);
        s.dst = addr(24);
        let word = u32::from_be_bytes([p[0], p[1], p[2], p[3]]);
        s.tos = (word >> 20) as u8;
        s.flow = word & 0x000f_ffff;
        s.ttl = p[7];
        Some(s)
    }

    /// The TCP header and payload; the IP fields left for the caller.
    fn decode_tcp(tcp: &[u8]) -> Option<Segment> {
        let thl = usize::from(tcp.get(12)? >> 4) * 4;
        if thl < 20 || thl > tcp.len() {
            return None;
        }
        let be16 = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let be32 = |b: &[u8], i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Some(Segment {
            src: IpAddr::from([0u8; 4]),
            dst: IpAddr::from([0u8; 4]),
            tos: 0,
            ttl: 0,
            ip_id: 0,
            ip_frag: 0,
            flow: 0,
            sport: be16(tcp, 0),
            dport: be16(tcp, 2),
            seq: be32(tcp, 4),
            ack: be32(tcp, 8),
            flags: tcp[13],
            wnd: be16(tcp, 14),
            checksum: Some(be16(tcp, 16)),
            urg: be16(tcp, 18),
            options: tcp[20..thl].to_vec(),
            payload: tcp[thl..].to_vec(),
        })
    }

    /// The IP version the packet is (6 if either address is IPv6: an IPv4
    /// one beside it is written IPv4-mapped).
    pub fn version(&self) -> u8 {
        if self.src.is_ipv6() || self.dst.is_ipv6() {
            6
        } else {
            4
        }
    }

    /// Encodes the packet; checksums are computed unless `checksum` is set.
    pub fn encode(&self) -> Vec<u8> {
        let opts = self.options.len() + (4 - self.options.len() % 4) % 4;
        let thl = 20 + opts;
        let mut p = match (self.version(), self.src, self.dst) {
            (4, IpAddr::V4(src), IpAddr::V4(dst)) => {
                let total = 20 + thl + self.payload.len();
                let mut p = Vec::with_capacity(total);
                p.extend([0x45, self.tos]);
                p.extend((total as u16).to_be_bytes());
                p.extend(self.ip_id.to_be_bytes());
                p.extend(self.ip_frag.to_be_bytes());
                p.extend([self.ttl, 6, 0, 0]);
                p.extend(src.octets());
                p.extend(dst.octets());
                let ipsum = internet_checksum(&p[..20]);
                p[10..12].copy_from_slice(&ipsum.to_be_bytes());
                p
            }
            _ => {
                let v6 = |a: IpAddr| match a {
                    IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                    IpAddr::V6(a) => a.octets(),
                };
                let word = (6u32 << 28) | (u32::from(self.tos) << 20) | (self.flow & 0x000f_ffff);
                let mut p = Vec::with_capacity(IP6_HLEN + thl + self.payload.len());
                p.extend(word.to_be_bytes());
                p.extend(((thl + self.payload.len()) as u16).to_be_bytes());
                p.extend([6, self.ttl]);
                p.extend(v6(self.src));
                p.extend(v6(self.dst));
                p
            }
        };
        let ip_len = p.len();
        p.extend(self.sport.to_be_bytes());
        p.extend(self.dport.to_be_bytes());
        p.extend(self.seq.to_be_bytes());
        p.extend(self.ack.to_be_bytes());
        p.extend([((thl / 4) as u8) << 4, self.flags]);
        p.extend(self.wnd.to_be_bytes());
        p.extend([0, 0]);
        p.extend(self.urg.to_be_bytes());
        p.extend(&self.options);
        p.resize(ip_len + thl, 0);
        p.extend(&self.payload);
        let sum = self.checksum.unwrap_or_else(|| tcp_checksum(&p));
        p[ip_len + 16..ip_len + 18].copy_from_slice(&sum.to_be_bytes());
        p
    }

    /// The options, decoded.
    pub fn opts(&self) -> Vec<Opt> {
        parse_options(&self.options)
    }

    /// Sequence space the segment occupies (payload + SYN + FIN).
    pub fn seg_len(&self) -> u32 {
        self.payload.len() as u32
            + u32::from(self.flags & flags::SYN != 0)
            + u32::from(self.flags & flags::FIN != 0)
    }
}

/// The TCP checksum of the IPv4 or IPv6 packet `p` (with its checksum
/// field zero): over the pseudo-header of RFC 793 / RFC 8200 section 8.1.
/// An IPv6 packet's TCP header follows its fixed header.
pub fn tcp_checksum(p: &[u8]) -> u16 {
    let (addrs, tcp) = if p[0] >> 4 == 6 {
        (&p[8..40], &p[IP6_HLEN..])
    } else {
        let ihl = usize::from(p[0] & 0x0f) * 4;
        (&p[12..20], &p[ihl..])
    };
    let mut pseudo = Vec::with_capacity(addrs.len() + 8 + tcp.len());
    pseudo.extend(addrs);
    if p[0] >> 4 == 6 {
        pseudo.extend((tcp.len() as u32).to_be_bytes());
        pseudo.extend([0, 0, 0, 6]);
    } else {
        pseudo.extend([0, 6]);
        pseudo.extend((tcp.len() as u16).to_be_bytes());
    }
    let at = pseudo.len();
    pseudo.extend(tcp);
    pseudo[at + 16] = 0;
    pseudo[at + 17] = 0;
    internet_checksum(&pseudo)
}

impl fmt::Display for Segment {
    /// tcpdump-like: `192.168.0.1:8080 > 192.0.2.1:40000 S. 100:100(0) ack 1 win 11680 <mss 1460,...>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {} {} {}:{}({})",
            SocketAddr::new(self.src, self.sport),
            SocketAddr::new(self.dst, self.dport),
            flags_str(self.flags),
            self.seq,
            self.seq.wrapping_add(self.payload.len() as u32),
            self.payload.len()
        )?;
        if self.flags & flags::ACK != 0 {
            write!(f, " ack {}", self.ack)?;
        }
        write!(f, " win {}", self.wnd)?;
        let opts = self.opts();
        if !opts.is_empty() {
            let o: Vec<String> = opts.iter().map(|o| o.to_string()).collect();
            write!(f, " <{}>", o.join(","))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_checksum() {
        let s = Segment {
            src: IpAddr::from([192, 0, 2, 1]),
            dst: IpAddr::from([192, 168, 0, 1]),
            tos: 0,
            ttl: 64,
            ip_id: 7,
            ip_frag: 0,
            flow: 0,
            sport: 1,
            dport: 2,
            seq: 3,
            ack: 4,
            flags: flags::SYN | flags::ACK,
            wnd: 100,
            urg: 0,
            options: encode_options(&[
                Opt::Mss(1460),
                Opt::SackOk,
                Opt::Ts(1, 2),
                Opt::Nop,
                Opt::WScale(7),
            ]),
            payload: b"xyz".to_vec(),
            checksum: None,
        };
        let bytes = s.encode();
        let d = Segment::decode(&bytes).unwrap();
        assert_eq!(tcp_checksum(&bytes), d.checksum.unwrap());
        assert_eq!(internet_checksum(&bytes[..20]), 0);
        assert_eq!(
            d.opts(),
            vec![
                Opt::Mss(1460),
                Opt::SackOk,
                Opt::Ts(1, 2),
                Opt::Nop,
                Opt::WScale(7)
            ]
        );
        assert_eq!(
            Segment {
                checksum: None,
                ..d
            },
            s
        );
        assert_eq!(flags_str(flags::SYN | flags::ACK), "S.");
        assert_eq!(flags_str(flags::FIN | flags::PSH | flags::ACK), "FP.");
    }

    #[test]
    fn ipv6_encode_decode_round_trip_and_checksum_as_etherparse_computes_it() {
        let src: IpAddr = "2001:db8::1".parse().unwrap();
        let dst: IpAddr = "fd3d:fa7b:d17d::1".parse().unwrap();
        let s = Segment {
            src,
            dst,
            tos: 0xb8,
            ttl: 64,
            ip_id: 0,
            ip_frag: 0,
            flow: 0x12345,
            sport: 40000,
            dport: 8080,
            seq: 1,
            ack: 2,
            flags: flags::ACK | flags::PSH,
            wnd: 1000,
            urg: 0,
            options: encode_options(&[Opt::Nop, Opt::Nop, Opt::Ts(5, 6)]),
            payload: b"hello".to_vec(),
            checksum: None,
        };
        let bytes = s.encode();
        assert_eq!(bytes.len(), 40 + 32 + 5);
        assert_eq!(bytes[0] >> 4, 6);
        let d = Segment::decode(&bytes).unwrap();
        assert_eq!(
            Segment {
                checksum: None,
                ..d.clone()
            },
            s
        );
        // The checksum, computed by another implementation.
        let (ip, rest) = etherparse::Ipv6Header::from_slice(&bytes).unwrap();
        let (tcp, payload) = etherparse::TcpHeader::from_slice(rest).unwrap();
        let theirs = tcp.calc_checksum_ipv6(&ip, payload).unwrap();
        assert_eq!(d.checksum, Some(theirs));
        assert_eq!(ip.traffic_class, 0xb8);
        assert_eq!(u32::from(ip.flow_label), 0x12345);
        assert_eq!(ip.hop_limit, 64);
        assert_eq!(
            s.to_string(),
            "[2001:db8::1]:40000 > [fd3d:fa7b:d17d::1]:8080 P. 1:6(5) ack 2 win 1000 <nop,nop,TS val 5 ecr 6>"
        );
    }
}
