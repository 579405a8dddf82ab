//! Replay: one TCP connection of a capture, and the role the engine plays
//! in it, turned into a [`Scenario`] (`tcpdiff replay`), by way of an
//! editable packetdrill-dialect script (`tcpdiff pcap2script`).
//!
//! # What becomes what
//!
//! * **Flow.** Default: the first flow whose handshake (SYN and SYN-ACK)
//!   was captured; failing that, the first whose SYN was captured (e.g. a
//!   SYN answered by RST). `--flow N` picks another (the ids of
//!   `tcpdiff flows`). A flow whose SYN was not captured cannot be replayed:
//!   both initial sequence numbers are needed.
//! * **Role.** Default: the engine plays the side that *received* the SYN
//!   (the server); `--role client` makes it the side that sent it.
//! * **Stimulus.** Every segment the *other* side (the peer) sent becomes an
//!   inbound line at its capture time, relative to the flow's first packet,
//!   on the virtual clock. Numbers are remapped as packetdrill does: the
//!   script's `--remote_isn` is the peer's captured ISN, so inbound sequence
//!   numbers are exactly the captured ones; acknowledgement numbers and SACK
//!   blocks are written relative to the captured endpoint's ISN, and the
//!   runner adds the ISN the engine actually chose. Timestamp echoes are
//!   remapped to the engine's clock: lwIP's TSval is its clock in ms, so an
//!   echo of the captured endpoint's TSval becomes the virtual time (ms) at
//!   which the captured endpoint sent that TSval (or, for a TSval never seen
//!   in the capture, the same offset from the first one). The peer's own
//!   TSvals, windows, flags (ECE/CWR/URG included), TOS and TTL are kept.
//! * **Application.** What the captured endpoint's application did is
//!   inferred from the segments it sent: server: `socket`/`bind`/`listen`
//!   at time 0 (unless it answered the SYN with a RST: then nothing listens)
//!   and `accept` after the peer's first ACK; client: `socket`/`bind` (to
//!   the captured port)/`connect` at the time of its first SYN.
//!   `write(n)` when it first sent `n` new bytes (retransmissions are not
//!   writes); `read(n)` when its advertised right edge (ack + scaled
//!   window) shows `n` more bytes consumed, capped at what it had
//!   acknowledged; on its first FIN, `close` after reading everything
//!   received, or `shutdown(SHUT_WR)` if the peer still sends data
//!   afterwards (then `close` once the endpoint acknowledges the peer's
//!   FIN, or at the end); on a RST it sent while the connection was open,
//!   `tcp_abort`.
//!
//! # When the engine segments differently
//!
//! Replay is open-loop, as in packetdrill: the peer's segments are injected
//! as captured, whatever the engine sent. The engine writes the same bytes
//! at the same times, but its congestion window, send buffer (lwIP:
//! `TCP_SND_BUF` = 4 MSS), Nagle and delayed-ACK timing differ from the
//! captured stack's, so the captured ACKs may not line up with its segments:
//!
//! * an ACK that covers part of an engine segment is a legal partial ACK;
//! * an ACK beyond what the engine has sent is "an ACK for unsent data":
//!   lwIP answers it with an empty ACK and ignores it (RFC 793/9293), and
//!   the engine retransmits what stays unacknowledged on its own timers;
//! * a `write` that does not fit the engine's free send buffer fails with
//!   `ERR_MEM` (the result is recorded and compared), and is not retried;
//! * SACK blocks name the captured endpoint's byte ranges, which are the
//!   same byte ranges of the engine's stream, whatever its segmentation.
//!
//! Both engines of a comparison get exactly the same stimulus, so the
//! differential verdict stays meaningful even where the conversation no
//! longer resembles the captured one. Outbound segments are not checked
//! (there is no `>` line; the script says `--unchecked_outbound`): the
//! captured endpoint's segments are written as `// capture: >` comments.
//!
//! # Not replayable
//!
//! Payload bytes (inbound payloads are the harness's pattern of the
//! sequence offset, so the two engines agree and retransmissions carry the
//! same bytes); the urgent pointer (URG is kept, the pointer is 0); socket
//! options the capture cannot show (SO_RCVBUF, TCP_NODELAY, keepalive,
//! TCP_MAXSEG: only the MSS is reflected, as the engine's MTU = MSS + 40);
//! reads that do not move the advertised window; IPv6, IP options and
//! fragments (skipped by the reader); segments lost before the capture
//! point; any flow but one per run.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::capture::{self, Capture, CaptureError, Endpoint, Flow, TcpPacket, tcp_flags};
use crate::from_script::{MapError, to_scenario};
use crate::model::Scenario;
use crate::script::{self, ParseError, Warning, format_secs};
use crate::wire::{Opt, flags_str, parse_options};

/// The script option that marks outbound packets as not checked (a replay
/// has no `>` lines). tcpdiff's case runner honours it; `from_script`
/// ignores it with a warning, which the case runner drops.
pub const UNCHECKED_OUTBOUND: &str = "unchecked_outbound";

/// Which side of the captured connection the engine plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
pub enum Role {
    /// The side that received the SYN.
    Server,
    /// The side that sent the SYN.
    Client,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Server => "server",
            Role::Client => "client",
        })
    }
}

/// Flow and role to replay (None: the defaults).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplayOptions {
    /// Flow id (as `tcpdiff flows` lists them).
    pub flow: Option<usize>,
    /// The engine's role.
    pub role: Option<Role>,
}

/// Why a capture cannot be replayed. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read, or holds no usable TCP.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// No flow has a captured SYN.
    #[error(
        "{file}: no replayable TCP connection: none of its {flows} flow(s) has a captured SYN (both initial sequence numbers are needed)"
    )]
    NoReplayableFlow {
        /// File.
        file: String,
        /// Flows in the file.
        flows: usize,
    },
    /// `--flow N` names no flow.
    #[error("{file}: there is no flow {id} (the file has {flows} flow(s); see `tcpdiff flows`)")]
    NoSuchFlow {
        /// File.
        file: String,
        /// Requested id.
        id: usize,
        /// Flows in the file.
        flows: usize,
    },
    /// The flow cannot be replayed as asked.
    #[error("{file}: flow {id}: {why}")]
    Flow {
        /// File.
        file: String,
        /// Flow id.
        id: usize,
        /// Why not.
        why: String,
    },
    /// The generated script did not parse or map (a bug in this module).
    #[error("{file}: internal error, the generated script is invalid: {why}")]
    Internal {
        /// File.
        file: String,
        /// The parser's or mapper's message.
        why: String,
    },
}

/// A capture flow ready to replay: the generated script and what it came from.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The capture file.
    pub file: String,
    /// The flow replayed.
    pub flow: Flow,
    /// The engine's role.
    pub role: Role,
    /// The engine's endpoint in the capture.
    pub endpoint: Endpoint,
    /// The peer's endpoint (its segments are the stimulus).
    pub peer: Endpoint,
    /// Microseconds since the epoch of the flow's first packet (virtual 0).
    pub start_ts_micros: i64,
    /// The packetdrill-dialect script (what `pcap2script` prints).
    pub script_text: String,
    /// Things worth knowing about this replay (e.g. inferred behaviour).
    pub notes: Vec<String>,
}

impl Replay {
    /// The scenario name: the file, plus flow and role when not the defaults.
    pub fn name(&self) -> String {
        self.file.clone()
    }

    /// Parses the script back (it always parses; an error is a bug).
    pub fn script(&self) -> Result<(script::Script, Vec<Warning>), ParseError> {
        script::parse(&self.name(), &self.script_text)
    }

    /// The scenario both engines are fed, exactly what `tcpdiff run` of the
    /// printed script gives.
    pub fn scenario(&self) -> Result<(Scenario, Vec<String>), ReplayError> {
        let internal = |why: String| ReplayError::Internal {
            file: self.file.clone(),
            why,
        };
        let (s, w1) = self.script().map_err(|e| internal(e.to_string()))?;
        let (sc, w2) = to_scenario(&s).map_err(|e: MapError| internal(e.to_string()))?;
        let warnings = w1
            .iter()
            .chain(&w2)
            .filter(|w| !is_replay_option_warning(&w.message))
            .map(|w| w.to_string())
            .collect();
        Ok((sc, warnings))
    }
}

/// Whether a mapping warning is the one about [`UNCHECKED_OUTBOUND`].
pub fn is_replay_option_warning(message: &str) -> bool {
    message.contains(&format!("--{UNCHECKED_OUTBOUND}"))
}

/// Reads `path` and prepares the replay of one of its flows.
pub fn from_file(path: impl AsRef<Path>, opts: ReplayOptions) -> Result<Replay, ReplayError> {
    let cap = capture::read(path)?;
    from_capture(&cap, opts)
}

/// Prepares the replay of one flow of a capture read already.
pub fn from_capture(cap: &Capture, opts: ReplayOptions) -> Result<Replay, ReplayError> {
    let file = cap.name.clone();
    if cap.packets.is_empty() {
        return Err(cap.clone().require_tcp().err().map_or(
            ReplayError::NoReplayableFlow {
                file: file.clone(),
                flows: 0,
            },
            ReplayError::Capture,
        ));
    }
    let flows = capture::flows(cap);
    let flow = match opts.flow {
        Some(id) => flows.get(id).ok_or(ReplayError::NoSuchFlow {
            file: file.clone(),
            id,
            flows: flows.len(),
        })?,
        None => capture::default_flow(&flows)
            .or_else(|| flows.iter().find(|f| f.syn_captured))
            .ok_or(ReplayError::NoReplayableFlow {
                file: file.clone(),
                flows: flows.len(),
            })?,
    };
    let role = opts.role.unwrap_or(Role::Server);
    let err = |why: String| ReplayError::Flow {
        file: file.clone(),
        id: flow.id,
        why,
    };
    if !flow.syn_captured {
        return Err(err(format!(
            "the SYN of {} -> {} was not captured, so the connection's start and initial sequence numbers are unknown",
            flow.client, flow.server
        )));
    }
    let pkts = cap.flow_packets(flow);
    Builder::new(&file, flow, role, &pkts)
        .map_err(err)?
        .build()
        .map_err(|why| ReplayError::Flow {
            file: file.clone(),
            id: flow.id,
            why,
        })
}

/// One line of the generated script, at a time.
struct Line {
    at_us: u64,
    text: String,
}

struct Builder<'a> {
    file: &'a str,
    flow: &'a Flow,
    role: Role,
    pkts: &'a [&'a TcpPacket],
    endpoint: Endpoint,
    peer: Endpoint,
    t0: i64,
    peer_isn: u32,
    ep_isn: Option<u32>,
    /// Shift the endpoint applies to the windows it advertises.
    ep_wscale: u8,
    /// The endpoint's TSval -> virtual ms when it first sent it.
    ts_map: HashMap<u32, u64>,
    ts_first: Option<(u32, u64)>,
    mss: Option<u16>,
    /// Inbound lines name the ports (nothing binds the engine's port).
    explicit_ports: bool,
    notes: Vec<String>,
}

fn is(p: &TcpPacket, e: Endpoint) -> bool {
    p.src == e.ip && p.src_port == e.port
}

fn syn_opts(p: &TcpPacket) -> Vec<Opt> {
    parse_options(&p.options)
}

impl<'a> Builder<'a> {
    fn new(
        file: &'a str,
        flow: &'a Flow,
        role: Role,
        pkts: &'a [&'a TcpPacket],
    ) -> Result<Builder<'a>, String> {
        let (endpoint, peer) = match role {
            Role::Server => (flow.server, flow.client),
            Role::Client => (flow.client, flow.server),
        };
        let t0 = pkts.first().map_or(0, |p| p.ts_micros);
        let client_syn = pkts
            .iter()
            .find(|p| is(p, flow.client) && p.has(tcp_flags::SYN) && !p.has(tcp_flags::ACK));
        let server_synack = pkts
            .iter()
            .find(|p| is(p, flow.server) && p.has(tcp_flags::SYN) && p.has(tcp_flags::ACK));
        let client_syn = client_syn.ok_or("no SYN from the client was captured")?;
        let (peer_isn, ep_isn) = match role {
            Role::Server => (client_syn.seq, server_synack.map(|p| p.seq)),
            Role::Client => {
                let peer_isn = match server_synack {
                    Some(p) => p.seq,
                    // No SYN-ACK (e.g. RST to a closed port): number the
                    // server's segments from its first one.
                    None => pkts
                        .iter()
                        .find(|p| is(p, flow.server))
                        .map_or(0, |p| p.seq),
                };
                (peer_isn, Some(client_syn.seq))
            }
        };
        let (ep_syn, peer_syn) = match role {
            Role::Server => (server_synack.copied(), Some(*client_syn)),
            Role::Client => (Some(*client_syn), server_synack.copied()),
        };
        let ws = |p: Option<&TcpPacket>| {
            p.and_then(|p| {
                syn_opts(p).into_iter().find_map(|o| match o {
                    Opt::WScale(s) => Some(s.min(14)),
                    _ => None,
                })
            })
        };
        let ep_wscale = match (ws(ep_syn), ws(peer_syn)) {
            (Some(s), Some(_)) => s,
            _ => 0,
        };
        let mss = ep_syn.and_then(|p| {
            syn_opts(p).into_iter().find_map(|o| match o {
                Opt::Mss(m) => Some(m),
                _ => None,
            })
        });
        let mut b = Builder {
            file,
            flow,
            role,
            pkts,
            endpoint,
            peer,
            t0,
            peer_isn,
            ep_isn,
            ep_wscale,
            ts_map: HashMap::new(),
            ts_first: None,
            mss,
            explicit_ports: false,
            notes: Vec::new(),
        };
        let mut last = 0;
        for p in pkts.iter().filter(|p| is(p, endpoint)) {
            let t = b.time(p, &mut last) / 1000;
            for o in parse_options(&p.options) {
                if let Opt::Ts(val, _) = o {
                    b.ts_map.entry(val).or_insert(t);
                    b.ts_first.get_or_insert((val, t));
                }
            }
        }
        Ok(b)
    }

    /// A packet's virtual time (µs), never going back.
    fn time(&self, p: &TcpPacket, last: &mut u64) -> u64 {
        let t = u64::try_from(p.ts_micros.saturating_sub(self.t0)).unwrap_or(0);
        *last = (*last).max(t);
        *last
    }

    /// The engine's TSval for an echo of the captured endpoint's `ecr`.
    fn map_ecr(&self, ecr: u32) -> u32 {
        if ecr == 0 {
            return 0;
        }
        if let Some(t) = self.ts_map.get(&ecr) {
            return *t as u32;
        }
        match self.ts_first {
            Some((v, t)) => (t as u32).wrapping_add(ecr.wrapping_sub(v)),
            None => ecr,
        }
    }

    fn rel_ep(&self, v: u32) -> Result<u32, String> {
        self.ep_isn.map(|isn| v.wrapping_sub(isn)).ok_or_else(|| {
            format!(
                "the {}'s SYN-ACK was not captured, so acknowledgements of its data cannot be remapped",
                self.role
            )
        })
    }

    fn options(&self, p: &TcpPacket) -> Result<String, String> {
        if p.options.is_empty() {
            return Ok(String::new());
        }
        let mut parts = Vec::new();
        for o in parse_options(&p.options) {
            parts.push(match o {
                Opt::Eol(_) => "eol".to_string(),
                Opt::Nop => "nop".to_string(),
                Opt::Mss(v) => format!("mss {v}"),
                Opt::WScale(v) => format!("wscale {v}"),
                Opt::SackOk => "sackOK".to_string(),
                Opt::Sack(blocks) => {
                    let mut s = "sack".to_string();
                    for (l, r) in blocks {
                        let _ = write!(s, " {}:{}", self.rel_ep(l)?, self.rel_ep(r)?);
                    }
                    s
                }
                Opt::Ts(v, e) => format!("TS val {v} ecr {}", self.map_ecr(e)),
                Opt::Other(k, d) => {
                    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
                    if hex.is_empty() {
                        format!("opt {k}")
                    } else {
                        format!("opt {k} {hex}")
                    }
                }
            });
        }
        Ok(format!(" <{}>", parts.join(",")))
    }

    fn inbound(&self, p: &TcpPacket) -> Result<String, String> {
        let seq = p.seq.wrapping_sub(self.peer_isn);
        let len = p.payload.len() as u32;
        let mut s = String::from("<");
        if self.explicit_ports {
            let _ = write!(s, " {} > {}", self.peer.port, self.endpoint.port);
        }
        if p.tos != 0 || p.ttl != 64 {
            let mut ip = Vec::new();
            if p.tos != 0 {
                ip.push(format!("tos {:#04x}", p.tos));
            }
            if p.ttl != 64 {
                ip.push(format!("ttl {}", p.ttl));
            }
            let _ = write!(s, " ({})", ip.join(", "));
        }
        let _ = write!(
            s,
            " {} {}:{}({})",
            flags_str(p.flags),
            seq,
            seq.wrapping_add(len),
            len
        );
        if p.has(tcp_flags::ACK) {
            let _ = write!(s, " ack {}", self.rel_ep(p.ack)?);
        }
        let _ = write!(s, " win {}", p.window);
        s.push_str(&self.options(p)?);
        Ok(s)
    }

    fn comment_out(&self, p: &TcpPacket) -> String {
        let isn = self.ep_isn.unwrap_or(p.seq);
        let seq = p.seq.wrapping_sub(isn);
        let len = p.payload.len() as u32;
        let mut s = format!(
            "// capture: > {} {}:{}({})",
            flags_str(p.flags),
            seq,
            seq.wrapping_add(len),
            len
        );
        if p.has(tcp_flags::ACK) {
            let _ = write!(s, " ack {}", p.ack.wrapping_sub(self.peer_isn));
        }
        let _ = write!(s, " win {}", p.window);
        if !p.options.is_empty() {
            let o: Vec<String> = parse_options(&p.options)
                .iter()
                .map(|o| match o {
                    Opt::Sack(b) => {
                        let mut s = "sack".to_string();
                        for (l, r) in b {
                            let _ = write!(
                                s,
                                " {}:{}",
                                l.wrapping_sub(self.peer_isn),
                                r.wrapping_sub(self.peer_isn)
                            );
                        }
                        s
                    }
                    other => other.to_string(),
                })
                .collect();
            let _ = write!(s, " <{}>", o.join(","));
        }
        s
    }

    fn build(mut self) -> Result<Replay, String> {
        let pkts = self.pkts;
        let (ep, peer) = (self.endpoint, self.peer);
        let mut lines: Vec<Line> = Vec::new();
        let push =
            |lines: &mut Vec<Line>, at_us: u64, text: String| lines.push(Line { at_us, text });
        // Server: does anything listen? Not if the SYN was answered by RST.
        let first_ep = pkts.iter().find(|p| is(p, ep));
        let listens = self.role == Role::Server
            && (self.ep_isn.is_some() || !first_ep.is_some_and(|p| p.has(tcp_flags::RST)));
        self.explicit_ports = self.role == Role::Server && !listens;
        let sock_line = "socket(..., SOCK_STREAM, IPPROTO_TCP) = 3".to_string();
        let bind_line = |port: u16| format!("bind(3, {{sin_port=htons({port})}}, 16) = 0");
        let mut fd: Option<i32> = None;
        let mut accepted = false;
        if listens {
            push(&mut lines, 0, sock_line.clone());
            push(&mut lines, 0, bind_line(ep.port));
            push(&mut lines, 0, "listen(3, 1) = 0".into());
        }
        // Peer data seen so far (relative: data starts at 1), and whether
        // the peer sent FIN.
        let mut peer_data_end: u32 = 1;
        let mut peer_fin_seq: Option<u32> = None;
        let mut ep_snd_end: u32 = 1;
        let mut read_total: u64 = 0;
        let mut right_edge0: Option<u32> = None;
        let mut tx_closed = false;
        let mut half_closed = false;
        let mut closed = false;
        let mut connected = false;
        let mut last_t = 0u64;
        let mut notes: Vec<String> = Vec::new();
        // Later peer payload, for the close/shutdown choice: the highest
        // peer data end from index i on.
        let mut later_peer_end = vec![0u32; pkts.len() + 1];
        for i in (0..pkts.len()).rev() {
            let p = pkts[i];
            let mut v = later_peer_end[i + 1];
            if is(p, peer) && !p.payload.is_empty() {
                let end = p
                    .seq
                    .wrapping_sub(self.peer_isn)
                    .wrapping_add(p.payload.len() as u32);
                v = v.max(end);
            }
            later_peer_end[i] = v;
        }
        for (i, p) in pkts.iter().enumerate() {
            let t = self.time(p, &mut last_t);
            if is(p, peer) {
                let text = self.inbound(p)?;
                push(&mut lines, t, text);
                if !p.payload.is_empty() {
                    let end = p
                        .seq
                        .wrapping_sub(self.peer_isn)
                        .wrapping_add(p.payload.len() as u32);
                    peer_data_end = peer_data_end.max(end);
                }
                if p.has(tcp_flags::FIN) && peer_fin_seq.is_none() {
                    peer_fin_seq = Some(
                        p.seq
                            .wrapping_sub(self.peer_isn)
                            .wrapping_add(p.payload.len() as u32),
                    );
                }
                if listens
                    && !accepted
                    && p.has(tcp_flags::ACK)
                    && !p.has(tcp_flags::SYN)
                    && !p.has(tcp_flags::RST)
                {
                    push(&mut lines, t, "accept(3, ..., ...) = 4".into());
                    accepted = true;
                    connected = true;
                    fd = Some(4);
                }
                continue;
            }
            if !is(p, ep) {
                continue;
            }
            push(&mut lines, t, self.comment_out(p));
            if self.role == Role::Client
                && !connected
                && p.has(tcp_flags::SYN)
                && !p.has(tcp_flags::ACK)
            {
                push(&mut lines, t, sock_line.clone());
                push(&mut lines, t, bind_line(ep.port));
                push(
                    &mut lines,
                    t,
                    "connect(3, ..., ...) = -1 EINPROGRESS".into(),
                );
                connected = true;
                fd = Some(3);
                continue;
            }
            // The endpoint's advertised right edge (windows in SYNs are
            // not scaled); the first one is the baseline for reads.
            let edge = (p.has(tcp_flags::ACK) && !p.has(tcp_flags::RST)).then(|| {
                let shift = if p.has(tcp_flags::SYN) {
                    0
                } else {
                    u32::from(self.ep_wscale)
                };
                p.ack.wrapping_add(u32::from(p.window) << shift)
            });
            if let Some(e) = edge {
                right_edge0.get_or_insert(e);
            }
            let Some(f) = fd else { continue };
            if closed {
                continue;
            }
            // Reads: how far the endpoint's application had consumed.
            if let (Some(edge), Some(e0)) = (edge, right_edge0)
                && !p.has(tcp_flags::SYN)
            {
                let ack_rel = p.ack.wrapping_sub(self.peer_isn);
                let acked_data = ack_rel.min(peer_data_end).saturating_sub(1);
                let consumed = edge.wrapping_sub(e0);
                let consumed = if consumed > (1 << 30) { 0 } else { consumed };
                let readable = u64::from(acked_data.min(consumed));
                if readable > read_total {
                    push(
                        &mut lines,
                        t,
                        format!("read({f}, ..., {})", readable - read_total),
                    );
                    read_total = readable;
                }
                // Half-closed: the peer's FIN acknowledged, so close.
                if half_closed
                    && peer_fin_seq.is_some_and(|fs| ack_rel.wrapping_sub(fs) as i32 >= 1)
                {
                    let rest =
                        u64::from(peer_data_end.saturating_sub(1)).saturating_sub(read_total);
                    if rest > 0 {
                        push(&mut lines, t, format!("read({f}, ..., {rest})"));
                        read_total += rest;
                    }
                    push(&mut lines, t, format!("close({f})"));
                    closed = true;
                    continue;
                }
            }
            // Writes: bytes beyond everything sent before.
            if !p.payload.is_empty() && !tx_closed {
                let isn = self.ep_isn.unwrap_or(p.seq.wrapping_sub(1));
                let start = p.seq.wrapping_sub(isn);
                let end = start.wrapping_add(p.payload.len() as u32);
                if (end.wrapping_sub(ep_snd_end) as i32) > 0 {
                    let n = end.wrapping_sub(ep_snd_end.max(start));
                    push(&mut lines, t, format!("write({f}, ..., {n})"));
                    ep_snd_end = end;
                }
            }
            if p.has(tcp_flags::RST) {
                if !tx_closed {
                    push(&mut lines, t, format!("tcp_abort({f})"));
                    notes.push(format!(
                        "the {} sent RST at {}s: replayed as tcp_abort",
                        self.role,
                        format_secs(t as i64)
                    ));
                }
                closed = true;
                continue;
            }
            if p.has(tcp_flags::FIN) && !tx_closed {
                tx_closed = true;
                let more_data = later_peer_end[i + 1] > peer_data_end;
                if more_data && peer_fin_seq.is_none() {
                    push(&mut lines, t, format!("shutdown({f}, SHUT_WR) = 0"));
                    half_closed = true;
                } else {
                    let rest =
                        u64::from(peer_data_end.saturating_sub(1)).saturating_sub(read_total);
                    if rest > 0 {
                        push(&mut lines, t, format!("read({f}, ..., {rest})"));
                        read_total += rest;
                    }
                    push(&mut lines, t, format!("close({f})"));
                    closed = true;
                }
            }
        }
        if half_closed
            && !closed
            && let Some(f) = fd
        {
            push(&mut lines, last_t, format!("close({f})"));
        }
        if self.role == Role::Server && listens && !accepted {
            notes.push("the handshake never completed: no accept".into());
        }
        // The MTU that makes lwIP's MSS the captured one: MSS + 40 over
        // IPv4 (IPv4's minimum MTU 576), MSS + 60 over IPv6 (minimum 1280).
        let ipv6 = self.flow.is_ipv6();
        let mtu = self.mss.map_or(1500, |m| {
            if ipv6 {
                (u32::from(m) + 60).clamp(1280, 1500)
            } else {
                (u32::from(m) + 40).clamp(576, 1500)
            }
        });
        let mut text = String::new();
        let _ = writeln!(
            text,
            "// tcpdiff pcap2script {} --flow {} --role {}",
            self.file, self.flow.id, self.role
        );
        let _ = writeln!(
            text,
            "// {}: the engine plays the {} {ep}; the {} {peer}'s segments are the stimulus.",
            self.flow,
            self.role,
            match self.role {
                Role::Server => "client",
                Role::Client => "server",
            }
        );
        let _ = writeln!(
            text,
            "// Inbound seq numbers are the captured ones (--remote_isn); acks and SACK blocks are"
        );
        let _ = writeln!(
            text,
            "// relative to the engine's ISN; TS ecr is the engine's clock (ms). Outbound segments are"
        );
        let _ = writeln!(
            text,
            "// not checked; `// capture: >` lines show what the captured {} sent. See docs/replay.md.",
            self.role
        );
        if ipv6 {
            let _ = writeln!(text, "--ip_version=ipv6");
        }
        let _ = writeln!(text, "--local_ip={}", ep.ip);
        let _ = writeln!(text, "--remote_ip={}", peer.ip);
        let _ = writeln!(text, "--remote_port={}", peer.port);
        let _ = writeln!(text, "--remote_isn={}", self.peer_isn);
        let _ = writeln!(text, "--mtu={mtu}");
        let _ = writeln!(text, "--{UNCHECKED_OUTBOUND}");
        text.push('\n');
        let mut events = 0;
        for l in &lines {
            if l.text.starts_with("//") {
                let _ = writeln!(text, "{:<10} {}", "", l.text);
            } else {
                let _ = writeln!(text, "{:<10} {}", format_secs(l.at_us as i64), l.text);
                events += 1;
            }
        }
        if events == 0 {
            return Err(format!(
                "nothing to replay: the {} never sent a segment the engine could receive",
                match self.role {
                    Role::Server => "client",
                    Role::Client => "server",
                }
            ));
        }
        let mut all_notes = self.notes;
        all_notes.extend(notes);
        if self.role == Role::Server && !listens {
            all_notes.push("the server answered the SYN with RST: nothing listens".into());
        }
        Ok(Replay {
            file: self.file.to_string(),
            flow: self.flow.clone(),
            role: self.role,
            endpoint: ep,
            peer,
            start_ts_micros: self.t0,
            script_text: text,
            notes: all_notes,
        })
    }
}
