//! The `tcp_input` input format and the prefix states it starts from.
//!
//! ```text
//! tcp_input:        [selector u8] ([len u16 BE][IPv4 packet])*
//! tcp_input_timed:  [selector u8] ([delay u32 BE, ms][len u16 BE][IPv4 packet])*
//! tcp_input6:       [selector u8] ([len u16 BE][IPv6 packet])*
//! tcp_input6_timed: [selector u8] ([delay u32 BE, ms][len u16 BE][IPv6 packet])*
//! ```
//!
//! The records are lwIP's own multi-packet fuzzer framing
//! (`test/fuzz/fuzz_common.c`: a big-endian u16 length before each packet;
//! the timed variant a u32 delay before each record). The selector's low
//! five bits choose a [`PREFIXES`] entry (modulo their number): a fixed
//! script that brings both stacks to an interesting state (listening,
//! SYN_SENT, SYN_RCVD, established with data queued, the closing states),
//! so that mutations land there instead of dying at the handshake. Bit 7
//! set: packets are injected exactly as given; clear (the default): the
//! IPv4 total length is set to the record's length and both checksums are
//! recomputed, so mutated packets are not all dropped at the IP layer.
//!
//! The IPv6 framing ([`Framing::ipv6`], the `tcp_input6` targets) reads
//! the same records; its prefixes are the same scripts translated to IPv6
//! ([`Scenario::to_ipv6`]: packetdrill's IPv6 addresses, the MTU 20 bytes
//! larger so that lwIP's MSS is the same), and its fix-up ([`fix_up6`])
//! sets the IPv6 payload length and the TCP checksum over the IPv6
//! pseudo-header. The IPv4 framing's meaning is unchanged.
//!
//! Untimed packets all arrive at the prefix's end time (as lwIP's fuzzer,
//! which never advances its clock); timed ones after their delay (at most
//! [`MAX_DELAY_MS`] each, [`MAX_TOTAL_MS`] in all). Then virtual time runs
//! one more second ([`TAIL_US`]), so the fast and slow timers fire.

use crate::capture::internet_checksum;
use crate::model::{Action, Scenario};
use crate::wire::{IP6_HLEN, tcp_checksum};

use super::drive::{FStep, FuzzCase, Stim};

/// Most packet records read from one input.
pub const MAX_PACKETS: usize = 64;
/// Longest packet kept (longer records are truncated).
pub const MAX_PACKET_LEN: usize = 1500;
/// Longest IPv6 packet kept: the IPv4 limit plus the 20 bytes the IPv6
/// header is longer (the translated prefixes' MTU is 20 bytes larger too).
pub const MAX_PACKET_LEN6: usize = MAX_PACKET_LEN + 20;
/// Most IPv6 extension headers [`fix_up6`] walks to find TCP.
pub const MAX_EXT_HEADERS: usize = 8;
/// Largest delay before one packet (ms); larger values wrap.
pub const MAX_DELAY_MS: u32 = 1 << 18;
/// Virtual time the packets may span in all (ms).
pub const MAX_TOTAL_MS: u64 = 2 * 3600 * 1000;
/// Time run after the last packet.
pub const TAIL_US: u64 = 1_000_000;
/// Selector bit: inject packets exactly as given.
pub const RAW_BIT: u8 = 0x80;

/// A starting state: a name and the script that reaches it.
#[derive(Debug, Clone, Copy)]
pub struct Prefix {
    /// Short name (seed file names use it).
    pub name: &'static str,
    /// What the state is.
    pub about: &'static str,
    /// The script (no `>` lines).
    pub script: &'static str,
}

const LISTEN: &str = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0 bind(3, ..., ...) = 0
0 listen(3, 1) = 0
";

macro_rules! server {
    ($syn:literal, $ack:literal, $rest:literal) => {
        concat!(
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0 bind(3, ..., ...) = 0\n0 listen(3, 1) = 0\n",
            "0.1 < S 0:0(0) win 29200 ",
            $syn,
            "\n0.2 < . 1:1(0) ack 1 win 229 ",
            $ack,
            "\n0.2 accept(3, ..., ...) = 4\n",
            $rest
        )
    };
}

/// The prefix states, in selector order.
pub const PREFIXES: &[Prefix] = &[
    Prefix {
        name: "listen",
        about: "a listener on 8080 (backlog 1)",
        script: LISTEN,
    },
    Prefix {
        name: "syn-sent",
        about: "client: connect() sent its SYN",
        script: "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0 connect(3, ..., ...) = 0\n",
    },
    Prefix {
        name: "syn-rcvd",
        about: "server: SYN received, SYN-ACK sent",
        script: concat!(
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0 bind(3, ..., ...) = 0\n0 listen(3, 1) = 0\n",
            "0.1 < S 0:0(0) win 29200 <mss 1460,sackOK,nop,nop,nop,wscale 7>\n"
        ),
    },
    Prefix {
        name: "est-server",
        about: "server: established (MSS, SACK, window scale), accepted",
        script: server!("<mss 1460,sackOK,nop,nop,nop,wscale 7>", "", ""),
    },
    Prefix {
        name: "est-server-ts",
        about: "server: established with timestamps, SACK, window scale",
        script: server!(
            "<mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 7>",
            "<nop,nop,TS val 1100 ecr 100>",
            ""
        ),
    },
    Prefix {
        name: "est-server-data",
        about: "server: established, 100 bytes received and unread, 3000 bytes written",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 < P. 1:101(100) ack 1 win 229\n0.3 write(4, ..., 3000) = 3000\n"
        ),
    },
    Prefix {
        name: "est-client-data",
        about: "client: established (timestamps, SACK), 4000 bytes written",
        script: concat!(
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0 connect(3, ..., ...) = 0\n",
            "0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 5000 ecr 0,nop,wscale 7>\n",
            "0.2 write(3, ..., 4000) = 4000\n"
        ),
    },
    Prefix {
        name: "fin-wait-1",
        about: "server: established, then close(): FIN sent",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 close(4) = 0\n"
        ),
    },
    Prefix {
        name: "fin-wait-2",
        about: "server: close(), FIN acknowledged",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 close(4) = 0\n0.4 < . 1:1(0) ack 2 win 229\n"
        ),
    },
    Prefix {
        name: "close-wait",
        about: "server: the peer sent FIN",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 < F. 1:1(0) ack 1 win 229\n"
        ),
    },
    Prefix {
        name: "last-ack",
        about: "server: the peer's FIN, then close()",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 < F. 1:1(0) ack 1 win 229\n0.4 close(4) = 0\n"
        ),
    },
    Prefix {
        name: "closing",
        about: "server: simultaneous close (our FIN not yet acknowledged)",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 close(4) = 0\n0.3 < F. 1:1(0) ack 1 win 229\n"
        ),
    },
    Prefix {
        name: "time-wait",
        about: "server: active close completed",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 close(4) = 0\n0.4 < F. 1:1(0) ack 2 win 229\n"
        ),
    },
    Prefix {
        name: "zero-window",
        about: "server: the peer's window is zero, 1000 bytes written (persist)",
        script: server!(
            "<mss 1460,sackOK,nop,nop,nop,wscale 7>",
            "",
            "0.3 < . 1:1(0) ack 1 win 0\n0.3 write(4, ..., 1000) = 1000\n"
        ),
    },
    Prefix {
        name: "est-server-consume",
        about: "server: established; the application consumes data and closes on FIN",
        script: concat!(
            "0 tcp_app(-1, recv=CONSUME, fin=CLOSE)\n",
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0 bind(3, ..., ...) = 0\n0 listen(3, 1) = 0\n",
            "0.1 < S 0:0(0) win 29200 <mss 536,nop,wscale 0>\n",
            "0.2 < . 1:1(0) ack 1 win 8000\n0.2 accept(3, ..., ...) = 4\n"
        ),
    },
    Prefix {
        name: "est-client-no-opts",
        about: "client: established with a peer that sent no options; nagle off",
        script: concat!(
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0 connect(3, ..., ...) = 0\n",
            "0.1 < S. 0:0(0) ack 1 win 5840\n",
            "0.1 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0\n",
            "0.2 write(3, ..., 100) = 100\n"
        ),
    },
];

/// The scenario of a prefix (its script parsed and mapped).
pub fn prefix_scenario(i: usize) -> Scenario {
    let p = &PREFIXES[i % PREFIXES.len()];
    let (s, _) =
        crate::script::parse(p.name, p.script).unwrap_or_else(|e| panic!("prefix {}: {e}", p.name));
    let (sc, _) =
        crate::from_script::to_scenario(&s).unwrap_or_else(|e| panic!("prefix {}: {e}", p.name));
    sc
}

/// The scenario of a prefix over IPv4 (`ipv6` false, [`prefix_scenario`])
/// or translated to IPv6 ([`Scenario::to_ipv6`]).
pub fn prefix_scenario_in(i: usize, ipv6: bool) -> Scenario {
    let sc = prefix_scenario(i);
    if !ipv6 {
        return sc;
    }
    sc.to_ipv6(false).unwrap_or_else(|e| {
        panic!(
            "prefix {}: not translatable to IPv6: {e}",
            PREFIXES[i % PREFIXES.len()].name
        )
    })
}

/// A framing of the `tcp_input` targets: the record layout (a delay
/// before each packet or not) and the address family of the packets and
/// of the prefix states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Framing {
    /// A u32 delay (ms) before each record.
    pub timed: bool,
    /// IPv6 packets after prefixes translated to IPv6.
    pub ipv6: bool,
}

impl Framing {
    /// `tcp_input`.
    pub const INPUT: Framing = Framing {
        timed: false,
        ipv6: false,
    };
    /// `tcp_input_timed`.
    pub const INPUT_TIMED: Framing = Framing {
        timed: true,
        ipv6: false,
    };
    /// `tcp_input6`.
    pub const INPUT6: Framing = Framing {
        timed: false,
        ipv6: true,
    };
    /// `tcp_input6_timed`.
    pub const INPUT6_TIMED: Framing = Framing {
        timed: true,
        ipv6: true,
    };
    /// All four, IPv4 first.
    pub const ALL: [Framing; 4] = [
        Framing::INPUT,
        Framing::INPUT_TIMED,
        Framing::INPUT6,
        Framing::INPUT6_TIMED,
    ];

    /// The fuzz target's name (and its seed directory's).
    pub fn target(self) -> &'static str {
        match (self.ipv6, self.timed) {
            (false, false) => "tcp_input",
            (false, true) => "tcp_input_timed",
            (true, false) => "tcp_input6",
            (true, true) => "tcp_input6_timed",
        }
    }

    /// Longest packet kept.
    pub fn max_packet_len(self) -> usize {
        if self.ipv6 {
            MAX_PACKET_LEN6
        } else {
            MAX_PACKET_LEN
        }
    }

    /// The fix-up of this family ([`fix_up`] or [`fix_up6`]).
    pub fn fix_up(self, p: &mut [u8]) {
        if self.ipv6 { fix_up6(p) } else { fix_up(p) }
    }
}

/// A decoded `tcp_input` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The selector byte.
    pub selector: u8,
    /// Delay (ms, 0 when untimed) and packet bytes.
    pub packets: Vec<(u32, Vec<u8>)>,
}

impl Input {
    /// The prefix index the selector chooses.
    pub fn prefix(&self) -> usize {
        usize::from(self.selector & 0x1f) % PREFIXES.len()
    }

    /// Whether packets are injected exactly as given.
    pub fn raw(&self) -> bool {
        self.selector & RAW_BIT != 0
    }
}

/// Reads an input (never fails: a truncated last record is dropped).
pub fn decode(data: &[u8], timed: bool) -> Input {
    let selector = data.first().copied().unwrap_or(0);
    let mut rest = data.get(1..).unwrap_or(&[]);
    let mut packets = Vec::new();
    while packets.len() < MAX_PACKETS {
        let mut delay = 0;
        if timed {
            let Some(d) = rest.get(..4) else { break };
            delay = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            rest = &rest[4..];
        }
        let Some(l) = rest.get(..2) else { break };
        let len = usize::from(u16::from_be_bytes([l[0], l[1]]));
        rest = &rest[2..];
        let take = len.min(rest.len());
        let p = rest[..take].to_vec();
        rest = &rest[take..];
        packets.push((delay, p));
        if take < len {
            break;
        }
    }
    Input { selector, packets }
}

/// Writes an input in the framing `decode` reads.
pub fn encode(input: &Input, timed: bool) -> Vec<u8> {
    let mut v = vec![input.selector];
    for (d, p) in &input.packets {
        if timed {
            v.extend(d.to_be_bytes());
        }
        v.extend((p.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        v.extend(p);
    }
    v
}

/// Sets the IPv4 total length to the packet's length and recomputes the
/// IP header checksum and (for TCP) the TCP checksum, where the headers
/// are there to fix.
pub fn fix_up(p: &mut [u8]) {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return;
    }
    let ihl = usize::from(p[0] & 0x0f) * 4;
    if ihl < 20 || ihl > p.len() {
        return;
    }
    let total = p.len() as u16;
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p[10] = 0;
    p[11] = 0;
    let sum = internet_checksum(&p[..ihl]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    if p[9] == 6 && p.len() >= ihl + 20 {
        p[ihl + 16] = 0;
        p[ihl + 17] = 0;
        let sum = tcp_checksum(p);
        p[ihl + 16..ihl + 18].copy_from_slice(&sum.to_be_bytes());
    }
}

/// The position of TCP in IPv6 packet `p` (after the fixed header and the
/// extension headers lwIP's `ip6_input` walks: hop-by-hop options,
/// routing, fragment, destination options; at most [`MAX_EXT_HEADERS`]),
/// if the chain ends in TCP within the packet.
pub fn ip6_tcp_offset(p: &[u8]) -> Option<usize> {
    if p.len() < IP6_HLEN || p[0] >> 4 != 6 {
        return None;
    }
    let mut next = p[6];
    let mut at = IP6_HLEN;
    for _ in 0..=MAX_EXT_HEADERS {
        match next {
            6 => return (p.len() >= at + 20).then_some(at),
            // Hop-by-hop, routing, destination options: (length + 1) * 8.
            0 | 43 | 60 => {
                let len = (usize::from(*p.get(at + 1)?) + 1) * 8;
                next = *p.get(at)?;
                at += len;
            }
            // Fragment: 8 bytes.
            44 => {
                next = *p.get(at)?;
                at += 8;
            }
            _ => return None,
        }
    }
    None
}

/// Sets the IPv6 payload length to what follows the fixed header and, if
/// the extension header chain ends in TCP ([`ip6_tcp_offset`]), the TCP
/// checksum over the IPv6 pseudo-header (RFC 8200 section 8.1: the two
/// addresses, the upper-layer length, next header 6).
pub fn fix_up6(p: &mut [u8]) {
    if p.len() < IP6_HLEN || p[0] >> 4 != 6 {
        return;
    }
    let plen = (p.len() - IP6_HLEN).min(usize::from(u16::MAX)) as u16;
    p[4..6].copy_from_slice(&plen.to_be_bytes());
    let Some(at) = ip6_tcp_offset(p) else {
        return;
    };
    p[at + 16] = 0;
    p[at + 17] = 0;
    let tcp = &p[at..];
    let mut pseudo = Vec::with_capacity(40 + tcp.len());
    pseudo.extend(&p[8..40]);
    pseudo.extend((tcp.len() as u32).to_be_bytes());
    pseudo.extend([0, 0, 0, 6]);
    pseudo.extend(tcp);
    let sum = internet_checksum(&pseudo);
    p[at + 16..at + 18].copy_from_slice(&sum.to_be_bytes());
}

/// The fuzz case of an input: the prefix's steps, then the packets, then
/// a wait of [`TAIL_US`] (the IPv4 framings; [`to_case_framed`] for all).
pub fn to_case(input: &Input, timed: bool) -> FuzzCase {
    to_case_framed(input, Framing { timed, ipv6: false })
}

/// The fuzz case of an input in `framing`: the prefix's steps (translated
/// to IPv6 for the IPv6 framing), then the packets (fixed up unless the
/// selector's raw bit is set), then a wait of [`TAIL_US`].
pub fn to_case_framed(input: &Input, framing: Framing) -> FuzzCase {
    let timed = framing.timed;
    let sc = prefix_scenario_in(input.prefix(), framing.ipv6);
    let mut case = FuzzCase::from_scenario(&sc);
    case.name = format!("{} ({})", framing.target(), PREFIXES[input.prefix()].name);
    let mut t = case.steps.last().map_or(0, |s| s.at_us);
    let start = t;
    for (d, p) in &input.packets {
        if timed {
            let d = u64::from(d % MAX_DELAY_MS) * 1000;
            if t + d - start > MAX_TOTAL_MS * 1000 {
                break;
            }
            t += d;
        }
        let mut p = p.clone();
        p.truncate(framing.max_packet_len());
        if !input.raw() {
            framing.fix_up(&mut p);
        }
        case.steps.push(FStep {
            at_us: t,
            stim: Stim::Raw(p),
        });
    }
    case.steps.push(FStep {
        at_us: t + TAIL_US,
        stim: Stim::Model(Action::Wait),
    });
    case
}
