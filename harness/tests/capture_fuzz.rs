//! No input makes the reader (or the flow code on its output) panic.

mod capture_util;

/// Test names start with `capture_` so `cargo test -p harness capture` selects them.
mod capture_fuzz {
    use super::capture_util::*;
    use harness::capture::{self, FlowTable};
    use proptest::prelude::*;

    /// Valid captures of every kind to mutate.
    fn seeds() -> Vec<Vec<u8>> {
        let conv = conversation(1, 2);
        let mut v = Vec::new();
        for (be, nanos, lt) in [
            (false, false, 1u32),
            (true, true, 113),
            (false, true, 276),
            (true, false, 0),
            (false, false, 101),
        ] {
            let recs: Vec<Rec> = conv
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let frame = match lt {
                        1 => eth(&[(0x8100, 3)], ET_IPV4, p),
                        113 => sll(ET_IPV4, p),
                        276 => sll2(ET_IPV4, p),
                        0 => null(2, be, p),
                        _ => p.clone(),
                    };
                    rec(i as u32, 0, frame)
                })
                .collect();
            v.push(pcap(be, nanos, lt, &recs));
        }
        for be in [false, true] {
            let mut ng = Ng::new(be);
            ng.idb(1, None, None);
            ng.idb(101, Some(9), Some(5));
            ng.idb(108, Some(0x80 | 30), None);
            for (i, p) in conv.iter().enumerate() {
                match i % 4 {
                    0 => ng.epb(
                        0,
                        i as u64,
                        &eth(&[], ET_IPV4, p),
                        p.len() as u32 + 14,
                        Some("comment"),
                    ),
                    1 => ng.pkt(1, i as u64, p),
                    2 => ng.pkt(2, i as u64, &null(2, true, p)),
                    _ => ng.spb(&eth(&[], ET_IPV4, p)),
                };
            }
            v.push(ng.bytes());
        }
        // IPv6 (extension headers) on a VLAN, SLL2 and raw IP.
        for (lt, be) in [(1u32, false), (276, true), (229, false)] {
            let recs: Vec<Rec> = conversation6(1, 2)
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let frame = match lt {
                        1 => eth(&[(0x88a8, 1), (0x8100, 3)], ET_IPV6, p),
                        276 => sll2(ET_IPV6, p),
                        _ => p.clone(),
                    };
                    rec(i as u32, 0, frame)
                })
                .collect();
            v.push(pcap(be, false, lt, &recs));
        }
        let mut w = capture::PcapngWriter::new(Vec::new()).unwrap();
        for p in &conv {
            w.write_packet(7, p, Some("note")).unwrap();
        }
        v.push(w.finish().unwrap());
        v
    }

    fn exercise(bytes: &[u8]) {
        if let Ok(c) = capture::read_bytes("fuzz", bytes) {
            let flows = capture::flows(&c);
            let _ = FlowTable(&flows).to_string();
            let _ = capture::default_flow(&flows);
            let _ = c.summary();
            for f in &flows {
                let _ = c.flow_packets(f);
            }
            let _ = c.require_tcp().map_err(|e| e.to_string());
        }
    }

    #[test]
    fn seeds_are_valid() {
        for s in seeds() {
            let c = capture::read_bytes("seed", &s).unwrap();
            assert_eq!(c.packets.len(), 8, "{}", c.summary());
        }
    }

    #[test]
    fn every_truncation_of_every_seed() {
        for s in seeds() {
            for n in 0..=s.len() {
                exercise(&s[..n]);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The frame decoder alone, on every link type it knows (and one it
        /// does not), with random bytes after a plausible start.
        #[test]
        fn decode_frame_random(
            lt in prop::sample::select(vec![0u32, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147]),
            start in prop::sample::select(vec![
                vec![], vec![0x60], vec![0x45], vec![0x86, 0xdd], vec![0x81, 0x00],
                vec![2, 0, 0, 0], vec![0, 0, 0, 30],
            ]),
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
            orig_len in any::<u32>(),
        ) {
            let frame = [start, bytes].concat();
            let _ = capture::decode_frame(lt, &frame, orig_len);
        }

        #[test]
        fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            exercise(&bytes);
        }

        #[test]
        fn random_bytes_after_a_magic(which in 0usize..6, bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let magic: [&[u8]; 6] = [
                &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0],
                &[0xa1, 0xb2, 0x3c, 0x4d, 0, 2],
                &[0x0a, 0x0d, 0x0d, 0x0a],
                &[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0],
                &[0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c, 0x1a, 0x2b, 0x3c, 0x4d, 0, 1],
                &[0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
            ];
            let mut file = magic[which].to_vec();
            file.extend_from_slice(&bytes);
            exercise(&file);
        }

        #[test]
        fn mutated_seeds(
            seed in 0usize..11,
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 0..8),
            sets in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
            cut in any::<prop::sample::Index>(),
            do_cut in any::<bool>(),
        ) {
            let seeds = seeds();
            let mut file = seeds[seed % seeds.len()].clone();
            for (i, bit) in &flips {
                let i = i.index(file.len());
                file[i] ^= 1 << bit;
            }
            for (i, v) in &sets {
                let i = i.index(file.len());
                file[i] = *v;
            }
            if do_cut {
                let n = cut.index(file.len() + 1);
                file.truncate(n);
            }
            exercise(&file);
        }
    }
}
