//! PcapngWriter: round trip through our reader, pcap-file's reader and,
//! when installed, tshark.

mod capture_util;

/// Test names start with `capture_` so `cargo test -p harness capture` selects them.
mod capture_writer {
    use std::process::Command;
    use std::time::Duration;

    use super::capture_util::*;
    use harness::capture::{self, Format, PcapngWriter};
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption;
    use pcap_file::pcapng::blocks::opt_common::CommonOption;
    use pcap_file::pcapng::{Block, PcapNgReader};

    const T0: i64 = 1_700_000_000_000_000;

    type Sample = Vec<(i64, Vec<u8>, Option<&'static str>)>;

    fn sample() -> (Sample, Vec<u8>) {
        let conv = conversation(1000, 2000);
        let comments = [
            Some("client SYN"),
            None,
            Some("C and Rust agree: état ✓"),
            Some("line one\nline two"),
            Some(""),
            Some("x"),
            Some("abc"),
            Some("abcd"),
        ];
        let pkts: Vec<(i64, Vec<u8>, Option<&str>)> = conv
            .into_iter()
            .zip(comments)
            .enumerate()
            .map(|(i, (p, c))| (T0 + 1_000_017 * i as i64, p, c))
            .collect();
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        for (ts, p, c) in &pkts {
            w.write_packet(*ts, p, *c).unwrap();
        }
        assert_eq!(w.packets_written(), 8);
        let bytes = w.finish().unwrap();
        (pkts, bytes)
    }

    #[test]
    fn round_trip_with_our_reader() {
        let (pkts, bytes) = sample();
        assert_eq!(bytes.len() % 4, 0);
        let c = capture::read_bytes("w.pcapng", &bytes).unwrap();
        assert_eq!(c.format, Format::PcapNg { sections: 1 });
        assert_eq!(c.interfaces.len(), 1);
        assert_eq!(
            (c.interfaces[0].link_type, c.interfaces[0].tsresol),
            (101, 6)
        );
        assert_eq!(c.packets.len(), pkts.len());
        for (p, (ts, ip, comment)) in c.packets.iter().zip(&pkts) {
            assert_eq!(p.ts_micros, *ts);
            assert_eq!(&p.ip_packet(), ip);
            assert!(p.checksum_ok);
            let expected = comment.filter(|c| !c.is_empty());
            assert_eq!(p.comment.as_deref(), expected);
        }
        assert_eq!(capture::flows(&c).len(), 1);
    }

    #[test]
    fn round_trip_with_pcap_file() {
        let (pkts, bytes) = sample();
        let mut r = PcapNgReader::new(&bytes[..]).unwrap();
        let mut epbs = Vec::new();
        let mut idbs = 0;
        while let Some(block) = r.next_block() {
            let (block, _state) = block.unwrap();
            match block {
                Block::InterfaceDescription(idb) => {
                    idbs += 1;
                    assert_eq!(idb.linktype, pcap_file::DataLink::RAW);
                    assert_eq!(idb.ts_resolution().to_u8(), 6);
                }
                Block::EnhancedPacket(epb) => {
                    let comments: Vec<String> = epb
                        .options
                        .iter()
                        .filter_map(|o| match o {
                            EnhancedPacketOption::Common(CommonOption::Comment(c)) => {
                                Some(c.to_string())
                            }
                            _ => None,
                        })
                        .collect();
                    epbs.push((
                        epb.interface_id,
                        epb.timestamp,
                        epb.original_len,
                        epb.data.to_vec(),
                        comments,
                    ));
                }
                Block::SectionHeader(_) => {}
                other => panic!("unexpected block {other:?}"),
            }
        }
        assert_eq!(idbs, 1);
        assert_eq!(epbs.len(), pkts.len());
        for ((iface, ts, orig, data, comments), (t, ip, c)) in epbs.iter().zip(&pkts) {
            assert_eq!(*iface, 0);
            assert_eq!(*ts, Duration::from_micros(*t as u64));
            assert_eq!(*orig as usize, ip.len());
            assert_eq!(data, ip);
            let expected: Vec<String> = c
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .into_iter()
                .collect();
            assert_eq!(comments, &expected);
        }
    }

    #[test]
    fn writer_rejects_unrepresentable_input() {
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        let e = w
            .write_packet(-1, &tcp(true, SYN, 1, 0, b""), None)
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        let long = "c".repeat(70_000);
        let e = w
            .write_packet(0, &tcp(true, SYN, 1, 0, b""), Some(&long))
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        w.write_packet(0, &tcp(true, SYN, 1, 0, b""), Some(&long[..65_535]))
            .unwrap();
        let bytes = w.finish().unwrap();
        let c = capture::read_bytes("long.pcapng", &bytes).unwrap();
        assert_eq!(c.total_packets, 1);
        assert_eq!(c.packets[0].comment.as_ref().map(String::len), Some(65_535));
    }

    /// tshark's view of the comments, if tshark is installed.
    #[test]
    fn tshark_sees_comments_if_installed() {
        if Command::new("tshark").arg("--version").output().is_err() {
            eprintln!("tshark not installed; skipping");
            return;
        }
        let (pkts, bytes) = sample();
        let dir =
            std::env::temp_dir().join(format!("tcpdiff-capture-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("annotated.pcapng");
        std::fs::write(&path, &bytes).unwrap();
        let mut got = None;
        for field in ["frame.comment", "pkt_comment"] {
            let out = Command::new("tshark")
                .arg("-r")
                .arg(&path)
                .args([
                    "-T",
                    "fields",
                    "-E",
                    "occurrence=a",
                    "-E",
                    "aggregator=|",
                    "-e",
                    field,
                ])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            if out.status.success() && stdout.lines().any(|l| !l.is_empty()) {
                got = Some(stdout);
                break;
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
        let got = got.expect("tshark showed no comments with frame.comment or pkt_comment");
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), pkts.len(), "{got}");
        for (line, (_, _, c)) in lines.iter().zip(&pkts) {
            // tshark escapes the newline in field output as \n.
            let expected = c.unwrap_or("").replace('\n', "\\n");
            assert_eq!(*line, expected, "{got}");
        }
    }
}
