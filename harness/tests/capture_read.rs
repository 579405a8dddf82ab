//! Decoding of pcap/pcapng captures: link types, byte orders, timestamp
//! resolutions, field extraction, checksums and the skip tally.

mod capture_util;

/// Test names start with `capture_` so `cargo test -p harness capture` selects them.
mod capture_read {
    use std::borrow::Cow;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::capture_util::*;
    use harness::capture::{self, Format, TcpPacket};

    const SEC: u32 = 1_700_000_000;

    fn data_seg() -> Seg {
        Seg {
            src: [192, 168, 1, 10],
            dst: [172, 16, 0, 7],
            sport: 51000,
            dport: 7,
            seq: 0xdead_beef,
            ack: 0x0102_0304,
            flags: PSH | ACK,
            window: 29200,
            options: vec![1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2],
            payload: b"payload bytes".to_vec(),
            ttl: 63,
            tos: 0x10,
            id: 0x4242,
            ..Seg::default()
        }
    }

    fn check_data_seg(p: &TcpPacket) {
        let s = data_seg();
        assert_eq!(p.src, Ipv4Addr::from(s.src));
        assert_eq!(p.dst, Ipv4Addr::from(s.dst));
        assert_eq!((p.src_port, p.dst_port), (s.sport, s.dport));
        assert_eq!((p.seq, p.ack), (s.seq, s.ack));
        assert_eq!(p.flags, s.flags);
        assert_eq!(p.flags_str(), "PSH|ACK");
        assert_eq!(p.window, s.window);
        assert_eq!((p.ttl, p.tos, p.ip_id), (s.ttl, s.tos, s.id));
        assert!(p.dont_fragment);
        assert_eq!(p.options, s.options);
        assert_eq!(p.payload, s.payload);
        assert_eq!(p.tcp_header_bytes.len(), 32);
        assert_eq!(&p.tcp_header_bytes[20..], &s.options[..]);
        assert!(p.ip_checksum_ok && p.tcp_checksum_ok && p.checksum_ok);
        assert_eq!(p.ip_packet(), s.ipv4());
        assert_eq!(p.seg_len(), s.payload.len() as u64);
    }

    /// One pcap per link type, each holding the data segment framed accordingly.
    #[test]
    fn every_link_type_decodes() {
        let ip = data_seg().ipv4();
        let cases: Vec<(&str, u32, Vec<u8>)> = vec![
            ("ethernet", 1, eth(&[], ET_IPV4, &ip)),
            ("ethernet+802.1Q", 1, eth(&[(0x8100, 100)], ET_IPV4, &ip)),
            (
                "ethernet+QinQ",
                1,
                eth(&[(0x88a8, 7), (0x8100, 100)], ET_IPV4, &ip),
            ),
            (
                "ethernet+3 tags",
                1,
                eth(&[(0x9100, 1), (0x88a8, 2), (0x8100, 3)], ET_IPV4, &ip),
            ),
            (
                "ethernet+4 tags (etherparse follows 3)",
                1,
                eth(
                    &[(0x88a8, 1), (0x8100, 2), (0x8100, 3), (0x8100, 4)],
                    ET_IPV4,
                    &ip,
                ),
            ),
            (
                "ethernet+0x9200 tag (unknown to etherparse)",
                1,
                eth(&[(0x9200, 1), (0x8100, 2)], ET_IPV4, &ip),
            ),
            (
                "sll from a loopback device (ARPHRD 772, refused by etherparse's SLL parser)",
                113,
                [&[0u8, 0, 3, 4, 0, 6][..], &[0; 8], &[8, 0], &ip].concat(),
            ),
            ("raw 101", 101, ip.clone()),
            ("raw 12", 12, ip.clone()),
            ("raw 14", 14, ip.clone()),
            ("ipv4 228", 228, ip.clone()),
            ("sll", 113, sll(ET_IPV4, &ip)),
            (
                "sll+vlan",
                113,
                sll(0x8100, &[&[0u8, 5, 8, 0][..], &ip].concat()),
            ),
            ("sll2", 276, sll2(ET_IPV4, &ip)),
            ("null le", 0, null(2, false, &ip)),
            ("null be", 0, null(2, true, &ip)),
            ("loop", 108, null(2, true, &ip)),
        ];
        for (what, lt, frame) in cases {
            let file = pcap(false, false, lt, &[rec(SEC, 5, frame)]);
            let c = capture::read_bytes(what, &file).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(c.total_packets, 1, "{what}");
            assert_eq!(c.packets.len(), 1, "{what}: skipped {}", c.skipped);
            assert_eq!(c.interfaces[0].link_type, lt);
            check_data_seg(&c.packets[0]);
            assert_eq!(c.packets[0].index, 0);
            assert_eq!(c.packets[0].ts_micros, i64::from(SEC) * 1_000_000 + 5);
        }
    }

    #[test]
    fn pcap_byte_orders_and_resolutions() {
        let conv = conversation(100, 9000);
        for be in [false, true] {
            for nanos in [false, true] {
                let recs: Vec<Rec> = conv
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        rec(
                            SEC + i as u32,
                            123_456_789 % if nanos { 1_000_000_000 } else { 1_000_000 },
                            eth(&[], ET_IPV4, p),
                        )
                    })
                    .collect();
                let file = pcap(be, nanos, 1, &recs);
                let c = capture::read_bytes("x.pcap", &file).unwrap();
                assert_eq!(
                    c.format,
                    Format::Pcap {
                        big_endian: be,
                        nanos
                    }
                );
                assert_eq!(c.packets.len(), conv.len());
                assert_eq!(c.interfaces[0].tsresol, if nanos { 9 } else { 6 });
                for (i, p) in c.packets.iter().enumerate() {
                    assert_eq!(p.index, i);
                    assert_eq!(p.ip_packet(), conv[i]);
                    let base = i64::from(SEC + i as u32);
                    if nanos {
                        assert_eq!(p.ts_nanos, base * 1_000_000_000 + 123_456_789);
                        assert_eq!(p.ts_micros, base * 1_000_000 + 123_456);
                    } else {
                        assert_eq!(p.ts_nanos, base * 1_000_000_000 + 456_789_000);
                        assert_eq!(p.ts_micros, base * 1_000_000 + 456_789);
                    }
                }
            }
        }
    }

    #[test]
    fn pcapng_interfaces_with_link_types_and_tsresol() {
        for be in [false, true] {
            let ip = data_seg().ipv4();
            let mut ng = Ng::new(be);
            ng.idb(1, None, None); // Ethernet, default microseconds
            ng.idb(101, Some(9), None); // raw, nanoseconds
            ng.idb(113, Some(0x80 | 10), None); // SLL, 2^-10 s
            ng.idb(276, Some(3), Some(-100)); // SLL2, milliseconds, offset -100 s
            ng.pkt(0, 1_700_000_000_123_456, &eth(&[(0x8100, 9)], ET_IPV4, &ip));
            ng.epb(
                1,
                1_700_000_000_123_456_789,
                &ip,
                ip.len() as u32,
                Some("on raw"),
            );
            ng.pkt(2, (1_700_000_000u64 << 10) | 512, &sll(ET_IPV4, &ip));
            ng.pkt(3, 1_700_000_100_250, &sll2(ET_IPV4, &ip));
            ng.spb(&eth(&[], ET_IPV4, &ip));
            let c = capture::read_bytes("multi.pcapng", &ng.bytes()).unwrap();
            assert_eq!(c.format, Format::PcapNg { sections: 1 });
            let lts: Vec<u32> = c.interfaces.iter().map(|i| i.link_type).collect();
            assert_eq!(lts, [1, 101, 113, 276]);
            assert_eq!(c.interfaces[3].ts_offset_secs, -100);
            assert_eq!(c.packets.len(), 5, "skipped: {}", c.skipped);
            for p in &c.packets {
                check_data_seg(p);
            }
            let ts: Vec<i64> = c.packets.iter().map(|p| p.ts_nanos).collect();
            assert_eq!(
                ts,
                [
                    1_700_000_000_123_456_000,
                    1_700_000_000_123_456_789,
                    1_700_000_000_500_000_000,
                    1_700_000_000_250_000_000,
                    0
                ]
            );
            let ifs: Vec<usize> = c.packets.iter().map(|p| p.interface).collect();
            assert_eq!(ifs, [0, 1, 2, 3, 0]);
            assert_eq!(c.packets[1].comment.as_deref(), Some("on raw"));
            assert_eq!(c.packets[0].comment, None);
        }
    }

    #[test]
    fn pcapng_multiple_sections_reset_interfaces() {
        let ip = data_seg().ipv4();
        let mut a = Ng::new(false);
        a.idb(1, None, None);
        a.pkt(0, 1, &eth(&[], ET_IPV4, &ip));
        let mut b = Ng::new(true);
        b.idb(101, Some(9), None);
        b.pkt(0, 2_000, &ip);
        let file = [a.bytes(), b.bytes()].concat();
        let c = capture::read_bytes("two.pcapng", &file).unwrap();
        assert_eq!(c.format, Format::PcapNg { sections: 2 });
        assert_eq!(c.interfaces.len(), 2);
        assert_eq!(c.interfaces[1].section, 1);
        assert_eq!(c.packets.len(), 2);
        assert_eq!(c.packets[1].interface, 1);
        assert_eq!(c.packets[1].ts_nanos, 2_000);
        assert_eq!(c.packets[1].index, 1);
    }

    #[test]
    fn skip_tally_counts_each_reason() {
        let good = tcp(true, SYN, 1, 0, b"");
        let frag = Seg {
            frag: 0x2000,
            ..Seg::default()
        }
        .ipv4();
        let frag2 = Seg {
            frag: 0x0003,
            ..Seg::default()
        }
        .ipv4();
        let mut bad_ihl = good.clone();
        bad_ihl[0] = 0x44;
        let mut bad_doff = good.clone();
        bad_doff[20 + 12] = 0x40;
        let mut long_doff = good.clone();
        long_doff[20 + 12] = 0xf0;
        let mut lying_len = good.clone();
        lying_len[2..4].copy_from_slice(&200u16.to_be_bytes());
        let short = eth(&[], ET_IPV4, &good[..15]);
        let mut cut = rec(SEC, 0, eth(&[], ET_IPV4, &good[..good.len() - 4]));
        cut.orig_len += 4;
        let recs = vec![
            rec(SEC, 0, eth(&[], ET_IPV4, &good)),                 // 0 ok
            rec(SEC, 0, eth(&[], ET_IPV6, &ipv6())), // 1 non-TCP (IPv6, no next header)
            rec(SEC, 0, eth(&[(0x8100, 1)], ET_ARP, &arp_body())), // 2 arp
            rec(SEC, 0, eth(&[], 0x88cc, &[0; 20])), // 3 other (LLDP)
            rec(SEC, 0, eth(&[], ET_IPV4, &frag)),   // 4 fragment (MF)
            rec(SEC, 0, eth(&[], ET_IPV4, &frag2)),  // 5 fragment (offset)
            cut,                                     // 6 truncated (caplen < orig)
            rec(SEC, 0, short),                      // 7 truncated (IP header cut)
            rec(SEC, 0, eth(&[], ET_IPV4, &udp())),  // 8 non-TCP
            rec(SEC, 0, eth(&[], ET_IPV4, &bad_ihl)), // 9 bad IP header
            rec(SEC, 0, eth(&[], ET_IPV4, &bad_doff)), // 10 bad TCP header
            rec(SEC, 0, eth(&[], ET_IPV4, &long_doff)), // 11 bad TCP header
            rec(SEC, 0, vec![0; 10]),                // 12 truncated ethernet
            rec(SEC, 0, eth(&[], ET_IPV4, &lying_len)), // 13 bad IP header (total length beyond data)
            rec(SEC, 0, eth(&[], ET_IPV4, &good)),      // 14 ok
        ];
        let c = capture::read_bytes("mixed.pcap", &pcap(false, false, 1, &recs)).unwrap();
        let idx: Vec<usize> = c.packets.iter().map(|p| p.index).collect();
        assert_eq!(idx, [0, 14]);
        let s = &c.skipped;
        assert_eq!(
            (
                s.arp,
                s.other_non_ip,
                s.ip_fragment,
                s.truncated,
                s.non_tcp,
                s.bad_ip_header,
                s.bad_tcp_header
            ),
            (1, 1, 2, 3, 2, 2, 2)
        );
        assert_eq!(s.total(), 13);
        assert_eq!(
            s.to_string(),
            "1 ARP, 1 other non-IP, 2 IP fragment, 3 truncated, 2 non-TCP IP, 2 bad IP header, 2 bad TCP header"
        );
        assert_eq!(
            c.summary(),
            format!("mixed.pcap: pcap, 15 packets, 2 TCP, skipped: {s}")
        );
    }

    #[test]
    fn other_link_layer_reasons() {
        // Raw link with IPv6 (no TCP) and garbage, NULL with IPv6 and an unknown family,
        // and an unknown link type in pcapng.
        let ip = data_seg().ipv4();
        let raw = pcap(
            true,
            false,
            101,
            &[
                rec(1, 0, ipv6()),
                rec(1, 0, vec![0x20, 0, 0]),
                rec(1, 0, vec![]),
            ],
        );
        let c = capture::read_bytes("raw.pcap", &raw).unwrap();
        assert_eq!(
            (
                c.skipped.non_tcp,
                c.skipped.bad_ip_header,
                c.skipped.truncated
            ),
            (1, 1, 1)
        );

        let null_file = pcap(
            false,
            false,
            0,
            &[
                rec(1, 0, null(24, false, &ipv6())),
                rec(1, 0, null(30, true, &ipv6())),
                rec(1, 0, null(7, false, &ip)),
            ],
        );
        let c = capture::read_bytes("null.pcap", &null_file).unwrap();
        assert_eq!((c.skipped.non_tcp, c.skipped.other_non_ip), (2, 1));

        let mut ng = Ng::new(false);
        ng.idb(147, None, None);
        ng.idb(9, None, None);
        ng.idb(101, None, None);
        ng.pkt(0, 1, &ip);
        ng.pkt(1, 1, &ip);
        ng.pkt(0, 1, &ip);
        ng.pkt(2, 1, &ip);
        let c = capture::read_bytes("odd.pcapng", &ng.bytes()).unwrap();
        assert_eq!(c.skipped.unknown_link_type, 3);
        assert_eq!(c.skipped.unknown_link_types, [9, 147]);
        assert_eq!(c.skipped.to_string(), "3 unknown link type (9, 147)");
        assert_eq!(c.packets.len(), 1);
        assert_eq!(c.packets[0].index, 3);
    }

    #[test]
    fn ethernet_padding_is_removed_and_checksums_checked() {
        // A bare ACK is 40 bytes of IP; Ethernet pads the frame to 60 bytes.
        let ack = tcp(true, ACK, 5, 6, b"");
        let mut frame = eth(&[], ET_IPV4, &ack);
        frame.resize(60, 0xaa);
        let bad_tcp = Seg {
            corrupt_tcp_checksum: true,
            payload: b"x".to_vec(),
            ..Seg::default()
        }
        .ipv4();
        let mut bad_ip = tcp(true, ACK, 5, 6, b"abc");
        bad_ip[10] ^= 1;
        let file = pcap(
            false,
            false,
            1,
            &[
                rec(1, 0, frame),
                rec(1, 0, eth(&[], ET_IPV4, &bad_tcp)),
                rec(1, 0, eth(&[], ET_IPV4, &bad_ip)),
            ],
        );
        let c = capture::read_bytes("pad.pcap", &file).unwrap();
        assert_eq!(c.packets.len(), 3);
        assert!(c.packets[0].payload.is_empty());
        assert!(c.packets[0].checksum_ok);
        assert!(
            c.packets[1].ip_checksum_ok
                && !c.packets[1].tcp_checksum_ok
                && !c.packets[1].checksum_ok
        );
        assert!(
            !c.packets[2].ip_checksum_ok
                && c.packets[2].tcp_checksum_ok
                && !c.packets[2].checksum_ok
        );
    }

    #[test]
    fn odd_length_payload_checksum_and_etherparse_cross_check() {
        // A packet built by etherparse (independent checksum code), odd payload length.
        let builder = etherparse::PacketBuilder::ipv4([1, 2, 3, 4], [5, 6, 7, 8], 17)
            .tcp(1234, 4321, 77, 1000)
            .syn()
            .ack(99)
            .options_raw(&[2, 4, 5, 0xb4])
            .unwrap();
        let payload = b"odd!!";
        let mut ip = Vec::new();
        builder.write(&mut ip, payload).unwrap();
        let c = capture::read_bytes(
            "ep.pcap",
            &pcap(false, false, 101, &[rec(1, 0, ip.clone())]),
        )
        .unwrap();
        let p = &c.packets[0];
        assert!(p.checksum_ok, "{p:?}");
        assert_eq!(
            (p.src, p.dst, p.ttl),
            (
                Ipv4Addr::new(1, 2, 3, 4).into(),
                Ipv4Addr::new(5, 6, 7, 8).into(),
                17
            )
        );
        assert_eq!(
            (p.src_port, p.dst_port, p.seq, p.ack, p.window),
            (1234, 4321, 77, 99, 1000)
        );
        assert_eq!(p.flags_str(), "SYN|ACK");
        assert_eq!(p.options, [2, 4, 5, 0xb4]);
        assert_eq!(p.payload, payload);
        assert_eq!(p.seg_len(), 6);
        assert_eq!(p.ip_packet(), ip);
        assert_eq!(capture::internet_checksum(&p.ip_header_bytes), 0);
    }

    #[test]
    fn files_written_by_pcap_file_are_read() {
        use pcap_file::pcap::{
            PcapHeader, PcapPacket, PcapTsResolution as TsResolution, PcapWriter,
        };
        use pcap_file::{DataLink, Endianness};
        let conv = conversation(1, 2);
        for (endianness, res) in [
            (Endianness::Big, TsResolution::MicroSecond),
            (Endianness::Little, TsResolution::NanoSecond),
        ] {
            let header = PcapHeader {
                datalink: DataLink::RAW,
                endianness,
                ts_resolution: res,
                ..PcapHeader::default()
            };
            let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
            for (i, p) in conv.iter().enumerate() {
                let ts = Duration::new(u64::from(SEC), 1000 * i as u32 + 7);
                w.write_packet(
                    &PcapPacket::new(ts, p.len() as u32, Cow::Borrowed(&p[..])).unwrap(),
                )
                .unwrap();
            }
            let bytes = w.into_inner();
            let c = capture::read_bytes("pf.pcap", &bytes).unwrap();
            assert_eq!(c.packets.len(), conv.len());
            for (i, p) in c.packets.iter().enumerate() {
                assert_eq!(p.ip_packet(), conv[i]);
                let frac = if matches!(res, TsResolution::NanoSecond) {
                    1000 * i as i64 + 7
                } else {
                    1000 * i as i64
                };
                assert_eq!(p.ts_nanos, i64::from(SEC) * 1_000_000_000 + frac);
            }
        }
    }

    #[test]
    fn read_from_disk_uses_the_path_as_name() {
        let dir = std::env::temp_dir().join(format!("tcpdiff-capture-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("conv.pcap");
        let recs: Vec<Rec> = conversation(5, 6)
            .into_iter()
            .map(|p| rec(SEC, 0, p))
            .collect();
        std::fs::write(&path, pcap(false, false, 101, &recs)).unwrap();
        let c = capture::read(&path).unwrap();
        assert_eq!(c.name, path.display().to_string());
        assert_eq!(c.packets.len(), 8);
        assert_eq!(
            c.packet(3).map(|p| p.payload.as_slice()),
            Some(&b"hello"[..])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Inputs pcap-file refuses or reads differently, read as before through
    /// the workarounds in capture/container.rs and capture/decode.rs (listed
    /// in docs/replay.md, "Capture reader and libraries").
    #[test]
    fn library_strictness_workarounds() {
        let ip = data_seg().ipv4();
        // pcap: a microsecond fraction >= 1 s, a captured length above the snap length.
        let mut big = rec(SEC, 1_500_000, ip.clone());
        big.orig_len = 10; // below the captured length
        let mut file = pcap(false, false, 101, &[big]);
        file[16..20].copy_from_slice(&20u32.to_le_bytes()); // snaplen 20 < 60
        let c = capture::read_bytes("lax.pcap", &file).unwrap();
        assert_eq!(c.packets.len(), 1, "{}", c.summary());
        assert_eq!(
            c.packets[0].ts_nanos,
            (i64::from(SEC) + 1) * 1_000_000_000 + 500_000_000
        );

        let mut ng = Ng::new(false);
        // Picoseconds and 2^-30 s (finer than pcap-file's 1 ns limit), an
        // offset before 1970, a non-zero reserved field, a non-UTF-8 name.
        ng.idb(101, Some(12), None);
        ng.idb(101, Some(0x80 | 30), Some(-2_000_000_000));
        let mut idb = vec![101, 0, 0xff, 0xff, 0, 0, 0, 0];
        idb.extend_from_slice(&ng.opts(&[(2, vec![0xff, 0xfe, b'x'])]));
        ng.block(1, &idb);
        ng.pkt(0, 123_456_789_000, &ip);
        ng.pkt(1, 1 << 30, &ip);
        // A non-UTF-8 comment, and an original length below the captured one.
        let epb_start = ng.out.len();
        ng.epb(2, 5, &ip, 4, Some("x"));
        let comment_at = epb_start + 8 + 20 + ip.len().next_multiple_of(4) + 4;
        ng.out[comment_at] = 0xff;
        // A simple packet block holding less than its original length says
        // (the IP packet is whole: decoded).
        let mut spb = 1000u32.to_le_bytes().to_vec();
        spb.extend_from_slice(&ip);
        spb.resize(4 + ip.len().next_multiple_of(4), 0);
        ng.block(3, &spb);
        let c = capture::read_bytes("lax.pcapng", &ng.bytes()).unwrap();
        assert_eq!(c.interfaces[1].tsresol, 0x80 | 30);
        assert_eq!(c.interfaces[2].name.as_deref(), Some("\u{fffd}\u{fffd}x"));
        assert_eq!(c.total_packets, 4);
        assert_eq!(c.packets.len(), 4, "{}", c.summary());
        assert_eq!(c.packets[0].ts_nanos, 123_456_789);
        assert_eq!(
            c.packets[1].ts_nanos,
            1_000_000_000 - 2_000_000_000_000_000_000
        );
        assert_eq!(c.packets[2].comment.as_deref(), Some("\u{fffd}"));
        for p in &c.packets {
            check_data_seg(p);
        }
        // A section header with an option pcap-file cannot read (shb_os not UTF-8).
        let mut ng = Ng {
            be: true,
            out: Vec::new(),
        };
        let mut shb = vec![0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0];
        shb.extend_from_slice(&[0xff; 8]);
        shb.extend_from_slice(&ng.opts(&[(3, vec![0xc3, 0x28])]));
        ng.block(0x0a0d_0d0a, &shb);
        ng.idb(101, None, None);
        ng.pkt(0, 1, &ip);
        let c = capture::read_bytes("shb.pcapng", &ng.bytes()).unwrap();
        assert_eq!(c.packets.len(), 1);
    }
}
