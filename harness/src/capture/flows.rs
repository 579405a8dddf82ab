//! TCP connection (flow) extraction.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::Capture;
use super::decode::{TcpPacket, tcp_flags};

/// An IP address and TCP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Endpoint {
    /// Address.
    pub ip: IpAddr,
    /// Port.
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `SocketAddr` prints `1.2.3.4:80` and `[2001:db8::1]:80`.
        std::net::SocketAddr::new(self.ip, self.port).fmt(f)
    }
}

/// One TCP connection seen in a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flow {
    /// 0-based id, in order of each flow's first packet.
    pub id: usize,
    /// The sender of the (first) SYN if seen, else the receiver of a SYN-ACK
    /// if seen, else the sender of the flow's first packet.
    pub client: Endpoint,
    /// The other endpoint.
    pub server: Endpoint,
    /// Packets sent by the client.
    pub packets_c2s: u64,
    /// Packets sent by the server.
    pub packets_s2c: u64,
    /// TCP payload bytes sent by the client (retransmissions counted again).
    pub bytes_c2s: u64,
    /// TCP payload bytes sent by the server (retransmissions counted again).
    pub bytes_s2c: u64,
    /// Earliest packet timestamp, microseconds since the epoch.
    pub first_ts_micros: i64,
    /// Latest packet timestamp, microseconds since the epoch.
    pub last_ts_micros: i64,
    /// A SYN (without ACK) from the client was captured.
    pub syn_captured: bool,
    /// A SYN (without ACK) from the client and a SYN-ACK from the server were captured.
    pub handshake_captured: bool,
    /// FINs from both sides, or an RST, were captured.
    pub close_captured: bool,
    /// An RST was captured.
    pub reset: bool,
    /// File indices ([`TcpPacket::index`]) of the flow's packets, in file order.
    pub packet_indices: Vec<usize>,
}

impl Flow {
    /// Total packets in both directions.
    pub fn packets(&self) -> u64 {
        self.packets_c2s + self.packets_s2c
    }

    /// Whether the flow is over IPv6.
    pub fn is_ipv6(&self) -> bool {
        self.client.ip.is_ipv6()
    }

    /// Whether `p` was sent by this flow's client.
    pub fn is_from_client(&self, p: &TcpPacket) -> bool {
        p.src == self.client.ip && p.src_port == self.client.port
    }
}

impl fmt::Display for Flow {
    /// One-line summary, e.g.
    /// `flow 0: 10.0.0.1:40000 -> 10.0.0.2:80, 5/4 packets, 100/2000 bytes, handshake, closed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "flow {}: {} -> {}, {}/{} packets, {}/{} bytes, {}, {}",
            self.id,
            self.client,
            self.server,
            self.packets_c2s,
            self.packets_s2c,
            self.bytes_c2s,
            self.bytes_s2c,
            if self.handshake_captured {
                "handshake"
            } else {
                "no handshake"
            },
            if self.reset {
                "reset"
            } else if self.close_captured {
                "closed"
            } else {
                "not closed"
            },
        )
    }
}

/// A table of flows for `tcpdiff flows FILE`: a header line and one
/// aligned row per flow; start times are relative to the earliest flow.
pub struct FlowTable<'a>(pub &'a [Flow]);

impl fmt::Display for FlowTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self
            .0
            .iter()
            .map(|fl| fl.first_ts_micros)
            .min()
            .unwrap_or(0);
        let secs = |us: i64| {
            let us = i128::from(us);
            format!(
                "{}.{:06}",
                us.div_euclid(1_000_000),
                us.rem_euclid(1_000_000)
            )
        };
        let header = [
            "ID",
            "CLIENT",
            "SERVER",
            "PKTS>",
            "PKTS<",
            "BYTES>",
            "BYTES<",
            "START",
            "DURATION",
            "HANDSHAKE",
            "CLOSE",
        ];
        let rows: Vec<[String; 11]> = self
            .0
            .iter()
            .map(|fl| {
                [
                    fl.id.to_string(),
                    fl.client.to_string(),
                    fl.server.to_string(),
                    fl.packets_c2s.to_string(),
                    fl.packets_s2c.to_string(),
                    fl.bytes_c2s.to_string(),
                    fl.bytes_s2c.to_string(),
                    secs(fl.first_ts_micros.saturating_sub(base)),
                    secs(fl.last_ts_micros.saturating_sub(fl.first_ts_micros)),
                    if fl.handshake_captured { "yes" } else { "no" }.to_string(),
                    if fl.reset {
                        "rst"
                    } else if fl.close_captured {
                        "fin"
                    } else {
                        "no"
                    }
                    .to_string(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        // Text columns left-aligned, numbers right-aligned.
        let left = [
            false, true, true, false, false, false, false, false, false, true, true,
        ];
        let mut line = |cells: &[&str]| -> fmt::Result {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                if i > 0 {
                    out.push_str("  ");
                }
                if left.get(i).copied().unwrap_or(true) {
                    out.push_str(&format!("{cell:<w$}"));
                } else {
                    out.push_str(&format!("{cell:>w$}"));
                }
            }
            writeln!(f, "{}", out.trim_end())
        };
        line(&header)?;
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            line(&cells)?;
        }
        Ok(())
    }
}

/// Per-flow state while scanning; direction 0 = `first`'s packets.
struct Building {
    first: Endpoint,
    second: Endpoint,
    packets: [u64; 2],
    bytes: [u64; 2],
    first_ts: i64,
    last_ts: i64,
    syn_isn: [Option<u32>; 2],
    synack: [bool; 2],
    fin: [bool; 2],
    reset: bool,
    non_syn_seen: bool,
    indices: Vec<usize>,
}

impl Building {
    fn closed(&self) -> bool {
        self.reset || (self.fin[0] && self.fin[1])
    }

    fn finish(self, id: usize) -> Flow {
        // Who is the client? The (first-seen) SYN sender, else the SYN-ACK receiver.
        let client_dir = if self.syn_isn[0].is_some() {
            0
        } else if self.syn_isn[1].is_some() {
            1
        } else if self.synack[1] {
            0
        } else if self.synack[0] {
            1
        } else {
            0
        };
        let (c, s) = (client_dir, 1 - client_dir);
        let pick = |a: [u64; 2], i: usize| a.get(i).copied().unwrap_or(0);
        let (client, server) = if c == 0 {
            (self.first, self.second)
        } else {
            (self.second, self.first)
        };
        Flow {
            id,
            client,
            server,
            packets_c2s: pick(self.packets, c),
            packets_s2c: pick(self.packets, s),
            bytes_c2s: pick(self.bytes, c),
            bytes_s2c: pick(self.bytes, s),
            first_ts_micros: self.first_ts,
            last_ts_micros: self.last_ts,
            syn_captured: self.syn_isn.get(c).is_some_and(Option::is_some),
            handshake_captured: self.syn_isn.get(c).is_some_and(Option::is_some)
                && self.synack.get(s).copied().unwrap_or(false),
            close_captured: self.closed(),
            reset: self.reset,
            packet_indices: self.indices,
        }
    }
}

/// Split the capture's TCP packets into connections.
///
/// Packets are grouped by their 4-tuple regardless of direction. A SYN
/// without ACK starts a new flow on a 4-tuple already in use when the
/// existing flow is closed (FIN both ways or RST), when the same side had
/// sent a SYN with a different initial sequence number, or when non-SYN
/// traffic was already seen on it (the earlier connection's end was not
/// captured). Flows are returned in order of their first packet.
pub fn flows(capture: &Capture) -> Vec<Flow> {
    flows_of(&capture.packets)
}

/// [`flows`] over any packet list (in file order).
pub fn flows_of(packets: &[TcpPacket]) -> Vec<Flow> {
    let mut building: Vec<Building> = Vec::new();
    let mut active: HashMap<(Endpoint, Endpoint), usize> = HashMap::new();
    for p in packets {
        let src = Endpoint {
            ip: p.src,
            port: p.src_port,
        };
        let dst = Endpoint {
            ip: p.dst,
            port: p.dst_port,
        };
        let key = if src <= dst { (src, dst) } else { (dst, src) };
        let syn = p.has(tcp_flags::SYN);
        let pure_syn = syn && !p.has(tcp_flags::ACK);
        let existing = active.get(&key).copied().filter(|&i| {
            let Some(b) = building.get(i) else {
                return false;
            };
            if !pure_syn {
                return true;
            }
            let dir = usize::from(b.first != src);
            let starts_new = b.closed()
                || match b.syn_isn.get(dir).copied().flatten() {
                    Some(isn) => isn != p.seq,
                    None => b.non_syn_seen,
                };
            !starts_new
        });
        let i = match existing {
            Some(i) => i,
            None => {
                building.push(Building {
                    first: src,
                    second: dst,
                    packets: [0; 2],
                    bytes: [0; 2],
                    first_ts: p.ts_micros,
                    last_ts: p.ts_micros,
                    syn_isn: [None; 2],
                    synack: [false; 2],
                    fin: [false; 2],
                    reset: false,
                    non_syn_seen: false,
                    indices: Vec::new(),
                });
                let i = building.len() - 1;
                active.insert(key, i);
                i
            }
        };
        let Some(b) = building.get_mut(i) else {
            continue;
        };
        let dir = usize::from(b.first != src);
        if let Some(n) = b.packets.get_mut(dir) {
            *n += 1;
        }
        if let Some(n) = b.bytes.get_mut(dir) {
            *n += p.payload.len() as u64;
        }
        b.first_ts = b.first_ts.min(p.ts_micros);
        b.last_ts = b.last_ts.max(p.ts_micros);
        if pure_syn {
            if let Some(isn) = b.syn_isn.get_mut(dir) {
                isn.get_or_insert(p.seq);
            }
        } else if syn {
            if let Some(sa) = b.synack.get_mut(dir) {
                *sa = true;
            }
        } else {
            b.non_syn_seen = true;
        }
        if p.has(tcp_flags::FIN)
            && let Some(fin) = b.fin.get_mut(dir)
        {
            *fin = true;
        }
        if p.has(tcp_flags::RST) {
            b.reset = true;
        }
        b.indices.push(p.index);
    }
    building
        .into_iter()
        .enumerate()
        .map(|(id, b)| b.finish(id))
        .collect()
}

/// The flow replay uses by default: the first with a captured handshake.
pub fn default_flow(flows: &[Flow]) -> Option<&Flow> {
    flows.iter().find(|f| f.handshake_captured)
}
