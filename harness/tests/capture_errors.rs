//! Broken files give clear errors naming file, packet index and offset;
//! captures without TCP give a clear `NoTcp` error on the replay path.

mod capture_util;

/// Test names start with `capture_` so `cargo test -p harness capture` selects them.
mod capture_errors {
    use super::capture_util::*;
    use harness::capture::{self, CaptureError, FormatProblem};

    fn err(name: &str, bytes: &[u8]) -> CaptureError {
        match capture::read_bytes(name, bytes) {
            Ok(c) => panic!("{name}: expected an error, got {}", c.summary()),
            Err(e) => e,
        }
    }

    fn ng_with_packets(n: usize) -> (Ng, Vec<usize>) {
        let mut ng = Ng::new(false);
        ng.idb(101, None, None);
        let offs = conversation(1, 2)
            .iter()
            .take(n)
            .map(|p| ng.pkt(0, 10, p))
            .collect();
        (ng, offs)
    }

    #[test]
    fn empty_file() {
        let e = err("empty.pcap", b"");
        assert!(matches!(e, CaptureError::Empty { .. }));
        assert_eq!(e.to_string(), "empty.pcap: empty file, not a capture");

        let dir =
            std::env::temp_dir().join(format!("tcpdiff-capture-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.pcapng");
        std::fs::write(&path, b"").unwrap();
        let e = capture::read(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: empty file, not a capture", path.display())
        );
        let missing = dir.join("missing.pcap");
        let e = capture::read(&missing).unwrap_err();
        assert!(matches!(e, CaptureError::Io { .. }));
        assert!(
            e.to_string()
                .starts_with(&format!("{}: cannot read file: ", missing.display())),
            "{e}"
        );
        assert_eq!(e.file(), missing.display().to_string());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_magic() {
        let mut file = pcap(false, false, 1, &[rec(1, 0, tcp(true, SYN, 1, 0, b""))]);
        file[..4].copy_from_slice(b"GIF8");
        let e = err("corrupt.pcap", &file);
        assert_eq!(
            e.to_string(),
            "corrupt.pcap: packet 0 at offset 0: unrecognised magic number 0x38464947: not a pcap or pcapng file"
        );
        assert!(matches!(
            e,
            CaptureError::Malformed {
                packet: 0,
                offset: 0,
                problem: FormatProblem::BadMagic(0x3846_4947),
                ..
            }
        ));
        assert_eq!(
            err("tiny", b"\xd4\xc3").to_string(),
            "tiny: packet 0 at offset 0: truncated file header (needs 4 bytes, 2 left)"
        );
        assert_eq!(
            err("modified.pcap", &[0x34, 0xcd, 0xb2, 0xa1, 0, 0]).to_string(),
            "modified.pcap: packet 0 at offset 0: unsupported format: modified (Kuznetzov) pcap; convert it with editcap -F pcap"
        );
    }

    #[test]
    fn truncated_pcap() {
        let recs: Vec<Rec> = conversation(1, 2)
            .into_iter()
            .map(|p| rec(1, 0, p))
            .collect();
        let file = pcap(true, false, 101, &recs);
        assert_eq!(
            err("h.pcap", &file[..10]).to_string(),
            "h.pcap: packet 0 at offset 0: truncated pcap file header (needs 24 bytes, 10 left)"
        );
        // Records: 24-byte header, then 16 + 40 (SYN), 16 + 40 (SYN-ACK), ...
        assert_eq!(
            err("r.pcap", &file[..24 + 56 + 5]).to_string(),
            "r.pcap: packet 1 at offset 80: truncated packet record header (needs 16 bytes, 5 left)"
        );
        assert_eq!(
            err("d.pcap", &file[..24 + 56 + 30]).to_string(),
            "d.pcap: packet 1 at offset 80: truncated packet record (needs 56 bytes, 30 left)"
        );
        // Exactly at a record boundary is fine.
        let c = capture::read_bytes("ok.pcap", &file[..24 + 56]).unwrap();
        assert_eq!(c.packets.len(), 1);
        // A record claiming 4 GiB.
        let mut huge = file[..24 + 56].to_vec();
        huge[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            err("huge.pcap", &huge).to_string(),
            "huge.pcap: packet 0 at offset 24: truncated packet record (needs 4294967311 bytes, 56 left)"
        );
        let mut v = file.clone();
        v[4..6].copy_from_slice(&7u16.to_be_bytes());
        assert_eq!(
            err("v.pcap", &v).to_string(),
            "v.pcap: packet 0 at offset 0: unsupported pcap version 7.4"
        );
    }

    #[test]
    fn truncated_pcapng_mid_block() {
        let (ng, offs) = ng_with_packets(4);
        let file = ng.bytes();
        // Packet 2 is the ACK (40 bytes of IP): EPB = 12 + 20 + 40 = 72 bytes.
        let cut = offs[2] + 40;
        let e = err("cut.pcapng", &file[..cut]);
        assert_eq!(
            e.to_string(),
            format!(
                "cut.pcapng: packet 2 at offset {}: truncated enhanced packet block (needs 72 bytes, 40 left)",
                offs[2]
            )
        );
        assert!(matches!(e, CaptureError::Malformed { packet: 2, .. }));
        // Cut inside the block header.
        let e = err("cut.pcapng", &file[..offs[3] + 5]);
        assert_eq!(
            e.to_string(),
            format!(
                "cut.pcapng: packet 3 at offset {}: truncated block header (needs 8 bytes, 5 left)",
                offs[3]
            )
        );
        // Cut inside the section header.
        assert_eq!(
            err("s.pcapng", &file[..20]).to_string(),
            "s.pcapng: packet 0 at offset 0: truncated section header block (needs 28 bytes, 20 left)"
        );
        assert_eq!(
            err("s.pcapng", &file[..10]).to_string(),
            "s.pcapng: packet 0 at offset 0: truncated section header block (needs 28 bytes, 10 left)"
        );
    }

    #[test]
    fn inconsistent_pcapng_blocks() {
        let (ng, offs) = ng_with_packets(2);
        let file = ng.bytes();
        let o = offs[1];

        let mut bad_trailer = file.clone();
        let end = file.len();
        bad_trailer[end - 4..].copy_from_slice(&68u32.to_le_bytes());
        assert_eq!(
            err("t.pcapng", &bad_trailer).to_string(),
            format!(
                "t.pcapng: packet 1 at offset {o}: enhanced packet block length mismatch (header says 72, trailer says 68)"
            )
        );

        let mut odd_len = file.clone();
        odd_len[o + 4..o + 8].copy_from_slice(&13u32.to_le_bytes());
        assert_eq!(
            err("l.pcapng", &odd_len).to_string(),
            format!(
                "l.pcapng: packet 1 at offset {o}: invalid enhanced packet block length 13 (must be a multiple of 4 and at least 12)"
            )
        );

        let mut caplen = file.clone();
        caplen[o + 8 + 12..o + 8 + 16].copy_from_slice(&400u32.to_le_bytes());
        assert_eq!(
            err("c.pcapng", &caplen).to_string(),
            format!(
                "c.pcapng: packet 1 at offset {o}: enhanced packet block: captured length 400 exceeds the block body (40 bytes available)"
            )
        );

        let mut iface = file.clone();
        iface[o + 8..o + 12].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(
            err("i.pcapng", &iface).to_string(),
            format!(
                "i.pcapng: packet 1 at offset {o}: enhanced packet block refers to interface 3, but the section describes 1 interface(s)"
            )
        );

        let mut bom = file.clone();
        bom[8..12].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(
            err("b.pcapng", &bom).to_string(),
            "b.pcapng: packet 0 at offset 0: bad byte-order magic 0x04030201 in section header block"
        );

        let mut version = file.clone();
        version[12..14].copy_from_slice(&2u16.to_le_bytes());
        assert_eq!(
            err("v.pcapng", &version).to_string(),
            "v.pcapng: packet 0 at offset 0: unsupported pcapng version 2.0"
        );

        // Packet before any interface.
        let mut ng = Ng::new(true);
        let off = ng.pkt(0, 1, &tcp(true, SYN, 1, 0, b""));
        assert_eq!(
            err("n.pcapng", &ng.bytes()).to_string(),
            format!(
                "n.pcapng: packet 0 at offset {off}: enhanced packet block refers to interface 0, but the section describes 0 interface(s)"
            )
        );

        // An option running past its block.
        let mut ng = Ng::new(false);
        ng.idb(101, None, None);
        let mut body = vec![0u8; 20];
        body[12] = 0; // caplen 0
        body.extend_from_slice(&[1, 0, 0x40, 0, b'a', b'b', b'c', b'd']);
        let off = ng.block(6, &body);
        assert_eq!(
            err("o.pcapng", &ng.bytes()).to_string(),
            format!(
                "o.pcapng: packet 0 at offset {off}: enhanced packet block: option 1 of length 64 overruns the block (4 bytes left)"
            )
        );

        // A bad if_tsresol.
        let mut ng = Ng::new(false);
        let mut idb = vec![101, 0, 0, 0, 0, 0, 0, 0];
        idb.extend_from_slice(&ng.opts(&[(9, vec![6, 6])]));
        let off = ng.block(1, &idb);
        assert_eq!(
            err("r.pcapng", &ng.bytes()).to_string(),
            format!(
                "r.pcapng: packet 0 at offset {off}: interface description block: invalid if_tsresol option (length 2, expected 1)"
            )
        );
    }

    #[test]
    fn unknown_blocks_are_skipped() {
        let (mut ng, _) = ng_with_packets(1);
        ng.block(5, &[0; 12]); // interface statistics
        ng.block(0x0bad, &[1, 2, 3, 4]); // unknown
        ng.pkt(0, 1, &tcp(false, SYN | ACK, 2, 2, b""));
        let c = capture::read_bytes("u.pcapng", &ng.bytes()).unwrap();
        assert_eq!(c.total_packets, 2);
        assert_eq!(c.packets.len(), 2);
    }

    #[test]
    fn capture_without_tcp() {
        let recs = vec![
            rec(1, 0, eth(&[], ET_ARP, &arp_body())),
            rec(1, 0, eth(&[], ET_IPV4, &udp())),
            rec(1, 0, eth(&[], ET_IPV4, &udp())),
            rec(1, 0, eth(&[], ET_IPV6, &ipv6())),
        ];
        let c = capture::read_bytes("udp.pcap", &pcap(false, false, 1, &recs)).unwrap();
        assert_eq!(c.total_packets, 4);
        assert!(c.packets.is_empty());
        assert!(capture::flows(&c).is_empty());
        assert_eq!((c.skipped.arp, c.skipped.non_tcp), (1, 3));
        let e = c.require_tcp().unwrap_err();
        assert_eq!(
            e.to_string(),
            "udp.pcap: no usable TCP packet among 4 packets (skipped: 1 ARP, 3 non-TCP IP)"
        );
        match e {
            CaptureError::NoTcp { total, skipped, .. } => {
                assert_eq!(total, 4);
                assert_eq!(skipped.total(), 4);
            }
            other => panic!("unexpected {other:?}"),
        }
        // A header-only pcap: zero packets, also NoTcp.
        let c = capture::read_bytes("hdr.pcap", &pcap(false, true, 1, &[])).unwrap();
        assert_eq!(
            c.require_tcp().unwrap_err().to_string(),
            "hdr.pcap: no usable TCP packet among 0 packets (skipped: none)"
        );
        // With TCP it passes through.
        let c = capture::read_bytes(
            "t.pcap",
            &pcap(false, false, 101, &[rec(1, 0, tcp(true, SYN, 1, 0, b""))]),
        )
        .unwrap();
        assert_eq!(c.require_tcp().unwrap().packets.len(), 1);
    }
}
