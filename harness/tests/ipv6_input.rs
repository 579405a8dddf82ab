//! `ip6_input`'s checks, lwIP's C against the port: an IPv6 SYN to a
//! listener, with each kind of extension header chain, address and
//! option ip6.c distinguishes, goes into `c:P` and `rust:P` (P = dual and
//! ipv6), and both must answer alike: the same packets out (a SYN-ACK, or
//! nothing when ip6_input drops it), the same resources. The SYN-ACK or
//! its absence is also what lwIP's code says (`expect`), so that the
//! cases are not all dropped alike for another reason. The port's own
//! unit tests (`tcp_rust::ip6::tests`) state each check; this test holds
//! them to lwIP's build.

use std::net::IpAddr;

use harness::engine::{self, Engine};
use harness::model::{ApiCall, IPV6_LOCAL, IPV6_REMOTE, ScenarioConfig};

const HOPOPTS: u8 = 0;
const TCP: u8 = 6;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const NONE: u8 = 59;
const DSTOPTS: u8 = 60;

fn config() -> ScenarioConfig {
    ScenarioConfig {
        local_ip: IpAddr::V6(IPV6_LOCAL),
        remote_ip: IpAddr::V6(IPV6_REMOTE),
        mtu: 1520,
        ..ScenarioConfig::default()
    }
}

/// The one's-complement sum of `d` (16-bit big-endian words).
fn sum(d: &[u8], mut acc: u32) -> u32 {
    for c in d.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    acc
}

/// An IPv6 packet from `src` to `dst`: first next header `nexth`, then
/// the extension headers `ext` (their next-header fields are the
/// caller's), then a SYN from port 40000 to 8080 whose checksum is right
/// for the addresses.
fn packet(src: [u8; 16], dst: [u8; 16], nexth: u8, ext: &[u8]) -> Vec<u8> {
    let mut tcp = vec![0u8; 20];
    tcp[..2].copy_from_slice(&40000u16.to_be_bytes());
    tcp[2..4].copy_from_slice(&8080u16.to_be_bytes());
    tcp[4..8].copy_from_slice(&1_000_000u32.to_be_bytes());
    tcp[12] = 0x50;
    tcp[13] = 0x02; // SYN
    tcp[14..16].copy_from_slice(&29200u16.to_be_bytes());
    let mut acc = sum(&src, 0);
    acc = sum(&dst, acc);
    acc = sum(&[0, 0, 0, 20, 0, 0, 0, TCP], acc);
    acc = sum(&tcp, acc);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    tcp[16..18].copy_from_slice(&(!(acc as u16)).to_be_bytes());
    let plen = (ext.len() + tcp.len()) as u16;
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&plen.to_be_bytes());
    p.push(nexth);
    p.push(64);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(ext);
    p.extend_from_slice(&tcp);
    p
}

/// A listener on 8080 (as the fuzz prefix `listen`), then `p`: what went
/// out.
fn answer(e: &mut dyn Engine, p: &[u8]) -> (Vec<Vec<u8>>, String) {
    e.reset(&config()).unwrap();
    let any = lwip_vocab::IpAddr::V6([0; 16]);
    for call in [
        ApiCall::Socket,
        ApiCall::Bind {
            fd: 3,
            ip: any,
            port: 8080,
        },
        ApiCall::Listen {
            fd: 3,
            backlog: 1,
            with_err: false,
        },
    ] {
        e.call(&call).unwrap();
    }
    e.take_packets();
    e.advance_to(100_000).unwrap();
    e.inbound(p).unwrap();
    e.advance_to(200_000).unwrap();
    let out = e.take_packets().into_iter().map(|o| o.bytes).collect();
    let res = format!("{:?}", e.resources());
    e.teardown().unwrap();
    (out, res)
}

struct Case {
    what: &'static str,
    packet: Vec<u8>,
    /// lwIP answers with a SYN-ACK (else ip6_input drops the SYN).
    synack: bool,
}

fn cases() -> Vec<Case> {
    let (peer, ours) = (IPV6_REMOTE.octets(), IPV6_LOCAL.octets());
    let mut v = vec![
        Case {
            what: "plain",
            packet: packet(peer, ours, TCP, &[]),
            synack: true,
        },
        Case {
            what: "hop-by-hop Pad1, PadN, Router Alert",
            packet: packet(peer, ours, HOPOPTS, &[TCP, 0, 0, 1, 0, 5, 2, 0]),
            synack: true,
        },
        Case {
            what: "destination options, Home Address",
            packet: packet(peer, ours, DSTOPTS, &[TCP, 0, 0xc9, 4, 0, 0, 0, 0]),
            synack: true,
        },
        Case {
            what: "hop-by-hop, Home Address (unknown there: action 11)",
            packet: packet(peer, ours, HOPOPTS, &[TCP, 0, 0xc9, 4, 0, 0, 0, 0]),
            synack: false,
        },
        Case {
            what: "hop-by-hop then destination options then TCP",
            packet: packet(
                peer,
                ours,
                HOPOPTS,
                &[DSTOPTS, 0, 1, 4, 0, 0, 0, 0, TCP, 0, 1, 4, 0, 0, 0, 0],
            ),
            synack: true,
        },
        Case {
            what: "destination options then hop-by-hop",
            packet: packet(
                peer,
                ours,
                DSTOPTS,
                &[HOPOPTS, 0, 1, 4, 0, 0, 0, 0, TCP, 0, 1, 4, 0, 0, 0, 0],
            ),
            synack: false,
        },
        Case {
            what: "routing, no segments left",
            packet: packet(peer, ours, ROUTING, &[TCP, 0, 0, 0, 0, 0, 0, 0]),
            synack: true,
        },
        Case {
            what: "routing type 0 with segments left",
            packet: packet(peer, ours, ROUTING, &[TCP, 0, 0, 1, 0, 0, 0, 0]),
            synack: false,
        },
        Case {
            what: "routing type 2 with segments left",
            packet: packet(peer, ours, ROUTING, &[TCP, 0, 2, 1, 0, 0, 0, 0]),
            synack: true,
        },
        Case {
            what: "atomic fragment",
            packet: packet(peer, ours, FRAGMENT, &[TCP, 0, 0, 0, 0, 0, 0, 1]),
            synack: true,
        },
        Case {
            what: "first fragment (M set)",
            packet: packet(peer, ours, FRAGMENT, &[TCP, 0, 0, 1, 0, 0, 0, 1]),
            synack: false,
        },
        Case {
            what: "no next header",
            packet: packet(peer, ours, NONE, &[]),
            synack: false,
        },
        Case {
            what: "to another address",
            packet: packet(peer, IPV6_REMOTE.octets(), TCP, &[]),
            synack: false,
        },
    ];
    // A long header: an option with three bytes of data, then PadN over
    // the rest (207 bytes); known (PadN) and unknown-but-skipped (type 2).
    for ty in [1u8, 2] {
        let mut ext = vec![0x9e; 216];
        ext[..4].copy_from_slice(&[TCP, 26, ty, 3]);
        ext[7..9].copy_from_slice(&[1, 207]);
        v.push(Case {
            what: "a 216-byte hop-by-hop header",
            packet: packet(peer, ours, HOPOPTS, &ext),
            synack: true,
        });
    }
    // Bytes past the payload length are trimmed (pbuf_realloc), so the
    // checksum holds; a payload length past the data drops the packet.
    let mut long = packet(peer, ours, TCP, &[]);
    long.extend_from_slice(&[0xee; 9]);
    v.push(Case {
        what: "trailing bytes past the payload length",
        packet: long,
        synack: true,
    });
    let mut short = packet(peer, ours, TCP, &[]);
    short[5] += 1;
    v.push(Case {
        what: "payload length one past the data",
        packet: short,
        synack: false,
    });
    for (ty, ok) in [(0x1e, true), (0x5e, false), (0x9e, false), (0xde, false)] {
        v.push(Case {
            what: "hop-by-hop, an unknown option by its action bits",
            packet: packet(peer, ours, HOPOPTS, &[TCP, 0, ty, 2, 0, 0, 1, 0]),
            synack: ok,
        });
    }
    // Multicast destinations: all-nodes is the netif's (tcp_input then
    // drops a segment to multicast), a solicited-node address not ours is
    // not.
    let mut all_nodes = [0u8; 16];
    all_nodes[..2].copy_from_slice(&[0xff, 0x02]);
    all_nodes[15] = 1;
    v.push(Case {
        what: "to all-nodes",
        packet: packet(peer, all_nodes, TCP, &[]),
        synack: false,
    });
    // A source the checks refuse: IPv4-mapped, multicast.
    let mut mapped = [0u8; 16];
    mapped[10..12].copy_from_slice(&[0xff, 0xff]);
    mapped[12..].copy_from_slice(&[192, 0, 2, 1]);
    v.push(Case {
        what: "from an IPv4-mapped address",
        packet: packet(mapped, ours, TCP, &[]),
        synack: false,
    });
    v
}

fn holds_on(profile: &str) {
    let mut c = engine::by_name(&format!("c:{profile}")).unwrap();
    let mut r = engine::by_name(&format!("rust:{profile}")).unwrap();
    for case in cases() {
        let (co, cres) = answer(c.as_mut(), &case.packet);
        let (ro, rres) = answer(r.as_mut(), &case.packet);
        let synack = co.len() == 1 && co[0].get(53) == Some(&0x12);
        assert_eq!(
            synack, case.synack,
            "{profile}: lwIP on '{}': {co:?}",
            case.what
        );
        assert_eq!(
            co, ro,
            "{profile}: '{}': lwIP's packets, then the port's",
            case.what
        );
        assert_eq!(cres, rres, "{profile}: '{}': resources", case.what);
    }
}

#[test]
fn ip6_input_drops_and_passes_alike_on_the_dual_stack_builds() {
    holds_on("dual");
}

#[test]
fn ip6_input_drops_and_passes_alike_on_the_ipv6_only_builds() {
    holds_on("ipv6");
}
