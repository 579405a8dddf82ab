//! Flow extraction: grouping, direction, reuse of a 4-tuple, table and JSON.

mod capture_util;

/// Test names start with `capture_` so `cargo test -p harness capture` selects them.
mod capture_flows {
    use super::capture_util::*;
    use harness::capture::{self, Capture, Endpoint, Flow, FlowTable};

    const SEC: u32 = 1_700_000_000;

    /// A raw-IP pcap of `packets`, 10 ms apart, read back.
    fn cap(packets: &[Vec<u8>]) -> Capture {
        let recs: Vec<Rec> = packets
            .iter()
            .enumerate()
            .map(|(i, p)| rec(SEC + (i / 100) as u32, (i % 100) as u32 * 10_000, p.clone()))
            .collect();
        capture::read_bytes("f.pcap", &pcap(false, false, 101, &recs)).unwrap()
    }

    fn ep(ip: [u8; 4], port: u16) -> Endpoint {
        Endpoint {
            ip: ip.into(),
            port,
        }
    }

    fn client() -> Endpoint {
        ep([10, 0, 0, 1], 40000)
    }

    fn server() -> Endpoint {
        ep([10, 0, 0, 2], 80)
    }

    #[test]
    fn one_complete_connection() {
        let c = cap(&conversation(100, 5000));
        let flows = capture::flows(&c);
        assert_eq!(flows.len(), 1);
        let f = &flows[0];
        assert_eq!((f.id, f.client, f.server), (0, client(), server()));
        assert_eq!((f.packets_c2s, f.packets_s2c, f.packets()), (5, 3, 8));
        assert_eq!((f.bytes_c2s, f.bytes_s2c), (5, 6));
        assert!(f.handshake_captured && f.close_captured && !f.reset);
        assert_eq!(f.packet_indices, (0..8).collect::<Vec<_>>());
        assert_eq!(f.first_ts_micros, i64::from(SEC) * 1_000_000);
        assert_eq!(f.last_ts_micros, i64::from(SEC) * 1_000_000 + 70_000);
        assert_eq!(capture::default_flow(&flows).map(|f| f.id), Some(0));
        let pk = c.flow_packets(f);
        assert_eq!(pk.len(), 8);
        assert!(f.is_from_client(pk[0]) && !f.is_from_client(pk[1]));
        assert_eq!(
            f.to_string(),
            "flow 0: 10.0.0.1:40000 -> 10.0.0.2:80, 5/3 packets, 5/6 bytes, handshake, closed"
        );
    }

    #[test]
    fn reused_four_tuple_gives_separate_flows() {
        let mut pkts = conversation(100, 5000);
        // SYN retransmission of the second connection belongs to the same flow.
        pkts.push(tcp(true, SYN, 777, 0, b""));
        pkts.extend(conversation(777, 9000));
        // Third: refused with RST, then retried (new SYN, same ISN even): two flows.
        pkts.push(tcp(true, SYN, 3000, 0, b""));
        pkts.push(tcp(false, RST | ACK, 0, 3001, b""));
        pkts.push(tcp(true, SYN, 3000, 0, b""));
        pkts.push(tcp(false, SYN | ACK, 60, 3001, b""));
        let c = cap(&pkts);
        let flows = capture::flows(&c);
        assert_eq!(flows.len(), 4, "{flows:#?}");
        assert_eq!(flows[0].packet_indices, (0..8).collect::<Vec<_>>());
        assert_eq!(flows[1].packet_indices, (8..17).collect::<Vec<_>>());
        assert_eq!(flows[1].packets_c2s, 6);
        assert!(flows[1].handshake_captured && flows[1].close_captured);
        assert_eq!(flows[2].packet_indices, [17, 18]);
        assert!(!flows[2].handshake_captured && flows[2].close_captured && flows[2].reset);
        assert_eq!(flows[3].packet_indices, [19, 20]);
        assert!(flows[3].handshake_captured && !flows[3].close_captured);
        for f in &flows {
            assert_eq!((f.client, f.server), (client(), server()));
        }
    }

    #[test]
    fn new_syn_after_uncaptured_close_or_different_isn() {
        // Mid-stream traffic (its SYN not captured), then a fresh connection on the same tuple.
        let mut pkts = vec![
            tcp(false, ACK, 50, 60, b"late"),
            tcp(true, ACK, 60, 54, b""),
        ];
        pkts.extend(conversation(1, 2)[..3].iter().cloned());
        // A new SYN with another ISN while the previous connection looks open.
        pkts.push(tcp(true, SYN, 99_999, 0, b""));
        let flows = capture::flows(&cap(&pkts));
        assert_eq!(flows.len(), 3, "{flows:#?}");
        // No SYN seen: the first sender counts as client.
        assert_eq!((flows[0].client, flows[0].server), (server(), client()));
        assert!(!flows[0].handshake_captured);
        assert_eq!(flows[1].packet_indices, [2, 3, 4]);
        assert_eq!(flows[2].packet_indices, [5]);
        assert_eq!(capture::default_flow(&flows).map(|f| f.id), Some(1));
    }

    #[test]
    fn client_from_syn_ack_and_interleaved_flows() {
        let other = Seg {
            src: [10, 0, 0, 3],
            sport: 5555,
            flags: SYN,
            seq: 1,
            ..Seg::default()
        };
        let other_reply = Seg {
            src: [10, 0, 0, 2],
            dst: [10, 0, 0, 3],
            sport: 80,
            dport: 5555,
            flags: SYN | ACK,
            seq: 7,
            ack: 2,
            ..Seg::default()
        };
        let pkts = vec![
            // Capture starts after the SYN: SYN-ACK first, server sends it.
            tcp(false, SYN | ACK, 10, 2, b""),
            other.ipv4(),
            tcp(true, ACK, 2, 11, b""),
            other_reply.ipv4(),
            tcp(true, FIN | ACK, 2, 11, b""),
            tcp(false, FIN | ACK, 11, 3, b""),
        ];
        let flows = capture::flows(&cap(&pkts));
        assert_eq!(flows.len(), 2);
        assert_eq!((flows[0].client, flows[0].server), (client(), server()));
        assert!(!flows[0].handshake_captured && flows[0].close_captured);
        assert_eq!(flows[0].packet_indices, [0, 2, 4, 5]);
        assert_eq!(
            (flows[1].client, flows[1].server),
            (ep([10, 0, 0, 3], 5555), server())
        );
        assert!(flows[1].handshake_captured);
        assert_eq!(flows[1].packet_indices, [1, 3]);
        assert_eq!(capture::default_flow(&flows).map(|f| f.id), Some(1));
        assert!(capture::default_flow(&flows[..1]).is_none());
    }

    #[test]
    fn table_and_json() {
        let mut pkts = conversation(100, 5000);
        pkts.push(
            Seg {
                src: [192, 168, 100, 200],
                sport: 65000,
                flags: SYN,
                ..Seg::default()
            }
            .ipv4(),
        );
        let flows = capture::flows(&cap(&pkts));
        let table = FlowTable(&flows).to_string();
        let expected = concat!(
            "ID  CLIENT                 SERVER       PKTS>  PKTS<  BYTES>  BYTES<     START  DURATION  HANDSHAKE  CLOSE\n",
            " 0  10.0.0.1:40000         10.0.0.2:80      5      3       5       6  0.000000  0.070000  yes        fin\n",
            " 1  192.168.100.200:65000  10.0.0.2:80      1      0       0       0  0.080000  0.000000  no         no\n",
        );
        assert_eq!(table, expected, "\n{table}");
        assert_eq!(FlowTable(&[]).to_string().lines().count(), 1);

        let json = serde_json::to_value(&flows).unwrap();
        let f0 = &json[0];
        assert_eq!(f0["id"], 0);
        assert_eq!(f0["client"]["ip"], "10.0.0.1");
        assert_eq!(f0["client"]["port"], 40000);
        assert_eq!(f0["server"]["port"], 80);
        assert_eq!(f0["packets_c2s"], 5);
        assert_eq!(f0["bytes_s2c"], 6);
        assert_eq!(f0["handshake_captured"], true);
        assert_eq!(f0["close_captured"], true);
        assert_eq!(f0["packet_indices"].as_array().map(Vec::len), Some(8));
        let _: &Flow = &flows[1];
    }

    /// IPv6 flows on every link type that carries IPv6, with hop-by-hop and
    /// destination-options headers before TCP and VLAN tags.
    #[test]
    fn ipv6_flows_on_every_link_type() {
        let conv = conversation6(100, 5000);
        let frame = |lt: u32, ip: &[u8]| -> Vec<u8> {
            match lt {
                1 => eth(&[(0x8100, 42)], ET_IPV6, ip),
                113 => sll(ET_IPV6, ip),
                276 => sll2(ET_IPV6, ip),
                0 => null(30, false, ip),
                108 => null(24, true, ip),
                _ => ip.to_vec(),
            }
        };
        for lt in [1u32, 101, 12, 14, 229, 113, 276, 0, 108] {
            let recs: Vec<Rec> = conv
                .iter()
                .enumerate()
                .map(|(i, p)| rec(SEC, i as u32 * 10_000, frame(lt, p)))
                .collect();
            let c = capture::read_bytes("v6.pcap", &pcap(false, false, lt, &recs)).unwrap();
            assert_eq!(c.packets.len(), 8, "link type {lt}: {}", c.summary());
            for (p, ip) in c.packets.iter().zip(&conv) {
                assert_eq!(&p.ip_packet(), ip, "link type {lt}");
                assert!(p.checksum_ok, "link type {lt}: {p:?}");
            }
            assert_eq!(c.packets[0].ip_header_bytes.len(), 48);
            assert_eq!(c.packets[4].ip_header_bytes.len(), 56);
            assert_eq!(c.packets[3].payload, b"hello");
            let flows = capture::flows(&c);
            assert_eq!(flows.len(), 1, "link type {lt}");
            let f = &flows[0];
            assert!(f.is_ipv6() && f.handshake_captured && f.close_captured);
            assert_eq!(
                f.to_string(),
                "flow 0: [2001:db8::1]:40000 -> [2001:db8::2]:80, 5/3 packets, 5/6 bytes, handshake, closed"
            );
        }
    }

    /// An IPv4 and an IPv6 flow side by side in one capture; IPv6 fragments
    /// and non-TCP IPv6 are skipped with their reason.
    #[test]
    fn ipv4_and_ipv6_flows_in_one_capture() {
        let mut pkts: Vec<Vec<u8>> = Vec::new();
        for (a, b) in conversation(1, 2).into_iter().zip(conversation6(3, 4)) {
            pkts.push(a);
            pkts.push(b);
        }
        pkts.push(tcp6(true, ACK, 9, 9, b"frag", &[FRAGMENT]));
        pkts.push(
            Seg {
                proto: 17,
                payload: vec![0; 8],
                ..Seg::default()
            }
            .ipv6(&[DEST_OPTS]),
        );
        let c = cap(&pkts);
        assert_eq!(c.packets.len(), 16);
        assert_eq!((c.skipped.ip_fragment, c.skipped.non_tcp), (1, 1));
        let flows = capture::flows(&c);
        assert_eq!(flows.len(), 2);
        assert!(!flows[0].is_ipv6() && flows[1].is_ipv6());
        let table = FlowTable(&flows).to_string();
        let expected = concat!(
            "ID  CLIENT               SERVER            PKTS>  PKTS<  BYTES>  BYTES<     START  DURATION  HANDSHAKE  CLOSE\n",
            " 0  10.0.0.1:40000       10.0.0.2:80           5      3       5       6  0.000000  0.140000  yes        fin\n",
            " 1  [2001:db8::1]:40000  [2001:db8::2]:80      5      3       5       6  0.010000  0.140000  yes        fin\n",
        );
        assert_eq!(table, expected, "\n{table}");
        let json = serde_json::to_value(&flows).unwrap();
        assert_eq!(json[1]["client"]["ip"], "2001:db8::1");
    }
}
