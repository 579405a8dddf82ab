//! IPv4/TCP packets as the harness sees them: [`Segment`] decodes what an
//! engine emitted (for oracles and reports) and encodes what the harness
//! injects. Checksums are computed here, independently of both engines.

use serde::{Deserialize, Serialize};
use std::fmt;

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

/// An IPv4 packet carrying TCP, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// IPv4 source.
    pub src: [u8; 4],
    /// IPv4 destination.
    pub dst: [u8; 4],
    /// IPv4 TOS.
    pub tos: u8,
    /// IPv4 TTL.
    pub ttl: u8,
    /// IPv4 identification.
    pub ip_id: u16,
    /// IPv4 flags and fragment offset field.
    pub ip_frag: u16,
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

impl Segment {
    /// Decodes an IPv4/TCP packet; None if it is not one.
    pub fn decode(p: &[u8]) -> Option<Segment> {
        let ihl = usize::from(p.first()? & 0x0f) * 4;
        if p.first()? >> 4 != 4 || ihl < 20 || p.get(9)? != &6 {
            return None;
        }
        let total = usize::from(u16::from_be_bytes([*p.get(2)?, *p.get(3)?])).min(p.len());
        let tcp = p.get(ihl..total)?;
        let thl = usize::from(tcp.get(12)? >> 4) * 4;
        if thl < 20 || thl > tcp.len() {
            return None;
        }
        let be16 = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let be32 = |b: &[u8], i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Some(Segment {
            src: [p[12], p[13], p[14], p[15]],
            dst: [p[16], p[17], p[18], p[19]],
            tos: p[1],
            ttl: p[8],
            ip_id: be16(p, 4),
            ip_frag: be16(p, 6),
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

    /// Encodes the packet; checksums are computed unless `checksum` is set.
    pub fn encode(&self) -> Vec<u8> {
        let opts = self.options.len() + (4 - self.options.len() % 4) % 4;
        let thl = 20 + opts;
        let total = 20 + thl + self.payload.len();
        let mut p = Vec::with_capacity(total);
        p.extend([0x45, self.tos]);
        p.extend((total as u16).to_be_bytes());
        p.extend(self.ip_id.to_be_bytes());
        p.extend(self.ip_frag.to_be_bytes());
        p.extend([self.ttl, 6, 0, 0]);
        p.extend(self.src);
        p.extend(self.dst);
        let ipsum = internet_checksum(&p[..20]);
        p[10..12].copy_from_slice(&ipsum.to_be_bytes());
        p.extend(self.sport.to_be_bytes());
        p.extend(self.dport.to_be_bytes());
        p.extend(self.seq.to_be_bytes());
        p.extend(self.ack.to_be_bytes());
        p.extend([((thl / 4) as u8) << 4, self.flags]);
        p.extend(self.wnd.to_be_bytes());
        p.extend([0, 0]);
        p.extend(self.urg.to_be_bytes());
        p.extend(&self.options);
        p.resize(20 + thl, 0);
        p.extend(&self.payload);
        let sum = self.checksum.unwrap_or_else(|| tcp_checksum(&p));
        p[36..38].copy_from_slice(&sum.to_be_bytes());
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

/// The TCP checksum of the IPv4 packet `p` (with its checksum field zero).
pub fn tcp_checksum(p: &[u8]) -> u16 {
    let ihl = usize::from(p[0] & 0x0f) * 4;
    let tcp = &p[ihl..];
    let mut pseudo = Vec::with_capacity(12 + tcp.len());
    pseudo.extend(&p[12..20]);
    pseudo.extend([0, 6]);
    pseudo.extend((tcp.len() as u16).to_be_bytes());
    pseudo.extend(tcp);
    pseudo[12 + 16] = 0;
    pseudo[12 + 17] = 0;
    internet_checksum(&pseudo)
}

impl fmt::Display for Segment {
    /// tcpdump-like: `192.168.0.1:8080 > 192.0.2.1:40000 S. 100:100(0) ack 1 win 11680 <mss 1460,...>`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ip = |a: [u8; 4]| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
        write!(
            f,
            "{}:{} > {}:{} {} {}:{}({})",
            ip(self.src),
            self.sport,
            ip(self.dst),
            self.dport,
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
            src: [192, 0, 2, 1],
            dst: [192, 168, 0, 1],
            tos: 0,
            ttl: 64,
            ip_id: 7,
            ip_frag: 0,
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
}
