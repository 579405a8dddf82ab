//! The IPv6 framing of the fuzz targets (`tcp_input6`, `tcp_input6_timed`)
//! and IPv6 sessions (`tcp_session`'s family bit): the framing round-trips
//! and leaves the IPv4 one as it was, the fix-up gives packets etherparse
//! accepts (payload length, TCP checksum over the IPv6 pseudo-header), the
//! committed IPv6 seeds run clean on lwIP's IPv6 builds and are skipped,
//! not findings, on engines without IPv6, and a planted divergence found
//! over IPv6 minimizes to an IPv6 script that reproduces it.

mod fuzzing_ipv6 {
    use std::net::IpAddr;
    use std::path::PathBuf;

    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    use harness::engine::Engine;
    use harness::fuzzing::cli::{self, MinimizeArgs, ReproArgs, Target};
    use harness::fuzzing::drive::{self, FuzzCase, Stim, engines_named};
    use harness::fuzzing::input::{self, Framing, Input, PREFIXES};
    use harness::fuzzing::session;
    use harness::model::{IPV6_LOCAL, IPV6_REMOTE};
    use harness::wire::{Segment, flags as F};
    use proptest::prelude::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn seed_files(target: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("corpus").join(target))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    }

    /// etherparse's reading of an IPv6/TCP packet: (payload length field
    /// right, TCP checksum right).
    fn etherparse_checks(p: &[u8]) -> (bool, bool) {
        let Ok(s) = SlicedPacket::from_ip(p) else {
            return (false, false);
        };
        let Some(NetSlice::Ipv6(ip)) = &s.net else {
            panic!("not IPv6: {:?}", s.net);
        };
        let h = ip.header();
        let Some(TransportSlice::Tcp(t)) = &s.transport else {
            panic!("no TCP: {:?}", s.transport);
        };
        let sum = t.calc_checksum_ipv6(h.source(), h.destination()).unwrap();
        (
            usize::from(h.payload_length()) == p.len() - 40,
            sum == t.checksum(),
        )
    }

    fn seg6(seq: u32, ack: u32, flags: u8, len: usize, urg: u16, flow: u32) -> Vec<u8> {
        Segment {
            src: IpAddr::V6(IPV6_REMOTE),
            dst: IpAddr::V6(IPV6_LOCAL),
            tos: 0,
            ttl: 64,
            ip_id: 0,
            ip_frag: 0,
            flow,
            sport: 40000,
            dport: 8080,
            seq,
            ack,
            flags,
            wnd: 229,
            urg,
            options: vec![1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0],
            payload: vec![0x5a; len],
            checksum: None,
        }
        .encode()
    }

    #[test]
    fn ipv6_framing_round_trips_and_translates_the_prefixes() {
        let inp = Input {
            selector: 5,
            packets: vec![
                (7, seg6(1, 1, F::ACK, 10, 0, 0)),
                (0, vec![0x60]),
                (300, vec![]),
            ],
        };
        for f in [Framing::INPUT6, Framing::INPUT6_TIMED] {
            let bytes = input::encode(&inp, f.timed);
            let back = input::decode(&bytes, f.timed);
            assert_eq!(back.selector, inp.selector);
            let got: Vec<&Vec<u8>> = back.packets.iter().map(|p| &p.1).collect();
            let want: Vec<&Vec<u8>> = inp.packets.iter().map(|p| &p.1).collect();
            assert_eq!(got, want);
            let case = input::to_case_framed(&back, f);
            assert!(case.config.is_ipv6(), "{}", case.name);
            assert!(case.name.starts_with(f.target()), "{}", case.name);
            let raws: Vec<&Vec<u8>> = case
                .steps
                .iter()
                .filter_map(|s| match &s.stim {
                    Stim::Raw(p) => Some(p),
                    _ => None,
                })
                .collect();
            assert_eq!(raws.len(), 3);
            // The whole segment survives the fix-up as it was.
            assert_eq!(raws[0], &inp.packets[0].1);
        }
        // Every prefix translates, and its IPv6 form has the IPv6 addresses.
        for i in 0..PREFIXES.len() {
            let sc = input::prefix_scenario_in(i, true);
            assert_eq!(sc.config.remote_ip, IpAddr::V6(IPV6_REMOTE), "{i}");
            assert_eq!(sc.config.local_ip, IpAddr::V6(IPV6_LOCAL), "{i}");
            assert_eq!(
                sc.config.mtu,
                input::prefix_scenario(i).config.mtu + 20,
                "{i}"
            );
        }
        // Garbage never fails to decode in either framing.
        for f in Framing::ALL {
            let _ = input::to_case_framed(&input::decode(&[0xff, 0xff, 0x60], f.timed), f);
            let _ = input::to_case_framed(&input::decode(&[], f.timed), f);
        }
    }

    /// The IPv4 framing means what it meant: the committed tcp_input seeds
    /// run their IPv4 prefix with their own packets (fixed up by the IPv4
    /// fix-up only), and the IPv4 fix-up leaves IPv6 packets alone.
    #[test]
    fn ipv4_framing_is_unchanged() {
        for f in [Framing::INPUT, Framing::INPUT_TIMED] {
            for p in seed_files(f.target()).iter().take(40) {
                let bytes = std::fs::read(p).unwrap();
                let inp = input::decode(&bytes, f.timed);
                let case = input::to_case(&inp, f.timed);
                assert_eq!(case, input::to_case_framed(&inp, f));
                assert!(!case.config.is_ipv6());
                assert_eq!(
                    case.config,
                    input::prefix_scenario(inp.prefix()).config,
                    "{}",
                    p.display()
                );
                let raws: Vec<Vec<u8>> = case
                    .steps
                    .iter()
                    .filter_map(|s| match &s.stim {
                        Stim::Raw(p) => Some(p.clone()),
                        _ => None,
                    })
                    .collect();
                let want: Vec<Vec<u8>> = inp
                    .packets
                    .iter()
                    .map(|(_, q)| {
                        let mut q = q.clone();
                        q.truncate(input::MAX_PACKET_LEN);
                        if !inp.raw() {
                            input::fix_up(&mut q);
                        }
                        q
                    })
                    .collect();
                assert_eq!(raws, want[..raws.len()], "{}", p.display());
            }
        }
        let p6 = seg6(1, 1, F::ACK, 3, 0, 0x12345);
        let mut q = p6.clone();
        q[4] = 0x77;
        let before = q.clone();
        input::fix_up(&mut q);
        assert_eq!(q, before, "the IPv4 fix-up changed an IPv6 packet");
    }

    #[test]
    fn fix_up6_gives_valid_ipv6_packets() {
        // A segment whose payload length and checksum a mutation broke.
        let mut p = seg6(1, 1, F::ACK | F::PSH, 33, 0, 0xabcde);
        p.truncate(p.len() - 5);
        p[4] = 0x12;
        p[40 + 16] ^= 0x5a;
        assert_ne!(etherparse_checks(&p), (true, true));
        input::fix_up6(&mut p);
        assert_eq!(etherparse_checks(&p), (true, true));
        // The same behind a hop-by-hop header (PadN) and a destination
        // options header: the checksum covers TCP only.
        let base = seg6(1, 1, F::ACK, 20, 0, 0);
        let mut q = base[..40].to_vec();
        q[6] = 0; // hop-by-hop
        q.extend([60, 0, 1, 4, 0, 0, 0, 0]); // next: destination options
        q.extend([6, 0, 1, 4, 0, 0, 0, 0]); // next: TCP
        q.extend(&base[40..]);
        q[40 + 16 + 16] ^= 0xff;
        assert_eq!(input::ip6_tcp_offset(&q), Some(56));
        input::fix_up6(&mut q);
        assert_eq!(etherparse_checks(&q), (true, true));
        // No TCP at the end of the chain: only the length is set.
        let mut r = base.clone();
        r[6] = 17;
        r[40 + 16] ^= 1;
        let before = r.clone();
        input::fix_up6(&mut r);
        assert_eq!(r[40..], before[40..]);
        assert_eq!(input::ip6_tcp_offset(&r), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

        /// Any bytes: the fix-up never panics, and an IPv6 header with a
        /// TCP header after it comes out with a checksum etherparse accepts.
        #[test]
        fn fix_up6_never_panics(mut p in proptest::collection::vec(any::<u8>(), 0..200), tcp in any::<bool>()) {
            if tcp && p.len() >= 60 {
                p[0] = 0x60 | (p[0] & 0x0f);
                p[6] = 6;
                p[40 + 12] = 0x50;
            }
            input::fix_up6(&mut p);
            if tcp && p.len() >= 60 {
                prop_assert_eq!(etherparse_checks(&p), (true, true));
            }
        }
    }

    fn run_clean(target: &str, f: Framing, engines: &str, every: usize) -> usize {
        let mut es = engines_named(engines).unwrap();
        let mut n = 0;
        for p in seed_files(target).iter().step_by(every) {
            let bytes = std::fs::read(p).unwrap();
            let case = input::to_case_framed(&input::decode(&bytes, f.timed), f);
            let r = drive::check(&case, &mut es, true);
            assert!(r.result.skipped.is_none(), "{}: skipped", p.display());
            assert!(
                r.finding.is_none(),
                "{} on {engines}: {}\n{}",
                p.display(),
                r.finding.as_ref().unwrap().describe(),
                harness::report::text(&r.result)
            );
            n += 1;
        }
        n
    }

    /// lwIP's dual-stack build against the port's: every IPv6 seed the
    /// same on every oracle.
    #[test]
    fn ipv6_seeds_run_clean_on_dual() {
        let n = run_clean("tcp_input6", Framing::INPUT6, "c:dual,rust:dual", 1);
        assert!(n > 500, "{n} seeds");
        run_clean(
            "tcp_input6_timed",
            Framing::INPUT6_TIMED,
            "c:dual,rust:dual",
            3,
        );
    }

    /// lwIP's IPv6-only build against the port's.
    #[test]
    fn ipv6_seeds_run_clean_on_ipv6_only() {
        run_clean("tcp_input6", Framing::INPUT6, "c:ipv6,rust:ipv6", 2);
        run_clean(
            "tcp_input6_timed",
            Framing::INPUT6_TIMED,
            "c:ipv6,rust:ipv6",
            5,
        );
    }

    /// The seeds are IPv6 packets that reach TCP: segments to the prefix's
    /// connection with checksums etherparse accepts; and lwIP answers each
    /// state seed over IPv6 as it answers its IPv4 twin (the same flags,
    /// numbers and lengths, on the same dual-stack build).
    #[test]
    fn ipv6_seeds_are_ipv6_segments_that_reach_tcp() {
        let mut es = engines_named("c:dual").unwrap();
        let answers = |case: &FuzzCase, es: &mut Vec<Box<dyn Engine>>| {
            let r = drive::check(case, es, true);
            assert!(r.finding.is_none(), "{}", case.name);
            let run = r.runs[0].as_ref().unwrap();
            run.trace
                .steps
                .iter()
                .flat_map(|s| &s.packets)
                .map(|o| {
                    let s = Segment::decode(&o.bytes).unwrap();
                    (
                        s.version(),
                        s.flags,
                        s.seq,
                        s.ack,
                        s.wnd,
                        s.payload.len(),
                        s.options,
                    )
                })
                .collect::<Vec<_>>()
        };
        let mut compared = 0;
        for p in seed_files("tcp_input6") {
            let bytes = std::fs::read(&p).unwrap();
            let inp = input::decode(&bytes, false);
            assert!(!inp.packets.is_empty(), "{}", p.display());
            for (_, q) in &inp.packets {
                let s = Segment::decode(q).unwrap_or_else(|| panic!("{}", p.display()));
                assert_eq!(s.version(), 6, "{}", p.display());
                assert_eq!(s.src, IpAddr::V6(IPV6_REMOTE));
                assert_eq!(s.dst, IpAddr::V6(IPV6_LOCAL));
                assert_eq!(etherparse_checks(q), (true, true), "{}", p.display());
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let twin = root().join("corpus/tcp_input").join(&name);
            if !name.starts_with("state-") || !twin.exists() {
                continue;
            }
            let v4 = input::decode(&std::fs::read(&twin).unwrap(), false);
            let a6 = answers(&input::to_case_framed(&inp, Framing::INPUT6), &mut es);
            let a4 = answers(&input::to_case(&v4, false), &mut es);
            assert_eq!(a6.len(), a4.len(), "{name}: {a6:?}\n{a4:?}");
            for (x, y) in a6.iter().zip(&a4) {
                assert_eq!((x.0, y.0), (6, 4), "{name}");
                assert_eq!(x.6, y.6, "{name}");
                assert_eq!(
                    (x.1, x.2, x.3, x.4, x.5),
                    (y.1, y.2, y.3, y.4, y.5),
                    "{name}"
                );
            }
            compared += 1;
        }
        assert!(compared > 150, "{compared} state seeds compared");
    }

    /// On engines without IPv6 (the port today, `c`), an IPv6 input is
    /// skipped with the reason: no finding, no panic; the fuzz target's
    /// engine check refuses such engines for the IPv6 targets.
    #[test]
    fn ipv6_inputs_are_skipped_without_ipv6() {
        let p = &seed_files("tcp_input6")[0];
        let bytes = std::fs::read(p).unwrap();
        let case = input::to_case_framed(&input::decode(&bytes, false), Framing::INPUT6);
        for engines in ["c,rust", "c", "c,c:dual"] {
            let mut es = engines_named(engines).unwrap();
            let r = drive::check(&case, &mut es, false);
            assert!(r.finding.is_none(), "{engines}");
            let why = r.result.skipped.as_deref().unwrap_or("");
            assert!(why.contains("has no IPv6"), "{engines}: {why:?}");
        }
        // repro says so (exit 2), on its own and through the target's
        // default engines when the port has none.
        let a = ReproArgs {
            file: p.clone(),
            target: Some(Target::TcpInput6),
            engines: Some("c,rust".into()),
        };
        let (code, out) = cli::repro_with(&a, &mut || engines_named("c,rust"));
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("skipped"), "{out}");
        assert_eq!(cli::detect_target(p), Target::TcpInput6);
        assert_eq!(
            cli::detect_target(&PathBuf::from("fuzz/artifacts/tcp_input6_timed/crash-1")),
            Target::TcpInput6Timed
        );
        assert_eq!(
            cli::detect_target(&PathBuf::from("fuzz/artifacts/tcp_input_timed/crash-1")),
            Target::TcpInputTimed
        );
        // An IPv4 case with raw packets on IPv6-only engines: skipped too
        // (a raw IPv4 packet does not translate).
        let v4 = input::to_case(&input::decode(&[3, 0, 1, 0x45], false), false);
        let mut es = engines_named("c:ipv6,c:ipv6").unwrap();
        let r = drive::check(&v4, &mut es, true);
        assert!(r.finding.is_none());
        assert!(r.result.skipped.is_some());
        // The target's engine check: with IPv6 fine, without refused.
        assert!(drive::all_have_ipv6(&[
            "c:dual".into(),
            "c:ipv6+window".into()
        ]));
        assert!(!drive::all_have_ipv6(&["c:dual".into(), "rust".into()]));
    }

    /// tcp_session: the family bit runs the same session over IPv6; the
    /// committed IPv4 session seeds stay IPv4, the IPv6 ones run on the
    /// dual-stack build with no finding and no refused step, and are
    /// skipped on engines without IPv6.
    #[test]
    fn ipv6_sessions_run() {
        let mut dual = engines_named("c:dual,c:dual").unwrap();
        let mut c_rust = engines_named("c,rust").unwrap();
        let (mut n4, mut n6) = (0, 0);
        for p in seed_files("tcp_session") {
            let bytes = std::fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let sc = session::scenario_of(&bytes).unwrap();
            if name.starts_with("session6-") {
                n6 += 1;
                assert!(sc.config.is_ipv6(), "{name}");
                let case = FuzzCase::from_scenario(&sc);
                let r = drive::check(&case, &mut dual, true);
                assert!(
                    r.finding.is_none(),
                    "{name}: {}",
                    r.finding.unwrap().describe()
                );
                let run = r.runs[0].as_ref().unwrap();
                for (j, s) in run.trace.steps.iter().enumerate() {
                    assert!(s.error.is_none(), "{name} step {j}: {:?}", s.error);
                }
                let r = drive::check(&case, &mut c_rust, true);
                assert!(r.finding.is_none() && r.result.skipped.is_some(), "{name}");
            } else {
                n4 += 1;
                assert!(!sc.config.is_ipv6(), "{name}");
                // The family bit is the only difference.
                let six = session::scenario_of(&session::with_family(&bytes, true)).unwrap();
                let mut want = sc.to_ipv6(false).unwrap();
                want.profiles.clear();
                let actions = |s: &harness::model::Scenario| -> Vec<harness::model::Action> {
                    s.steps.iter().map(|s| s.action.clone()).collect()
                };
                assert_eq!(six.config, want.config, "{name}");
                assert_eq!(actions(&six), actions(&want), "{name}");
            }
        }
        assert!(n4 >= 40 && n6 >= 10, "{n4} IPv4, {n6} IPv6 session seeds");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        /// Any bytes made an IPv6 session: it runs on the dual-stack build
        /// with no refused step, and prints as an IPv6 script that maps
        /// back to the same scenario.
        #[test]
        fn ipv6_sessions_are_valid(bytes in proptest::collection::vec(any::<u8>(), 8..500)) {
            // (Data too short to reach the setup byte has no family bit.)
            if session::setup_byte(&bytes).is_none() { return Ok(()) }
            let bytes = session::with_family(&bytes, true);
            let Some(sc) = session::scenario_of(&bytes) else { return Ok(()) };
            prop_assert!(sc.config.is_ipv6());
            let case = FuzzCase::from_scenario(&sc);
            let mut engines = engines_named("c:dual").unwrap();
            let checked = drive::check(&case, &mut engines, true);
            let run = checked.runs[0].as_ref().unwrap();
            for (j, s) in run.trace.steps.iter().enumerate() {
                prop_assert!(s.error.is_none(), "step {j} ({}): {:?}", sc.steps[j].source, s.error);
            }
            prop_assert!(checked.finding.is_none(), "{}", checked.finding.unwrap().describe());
            let text = harness::fuzzing::toscript::script_text(&case, &[], None).unwrap();
            prop_assert!(text.contains("--ip_version=ipv6"), "{}", text);
            let (script, _) = harness::script::parse("s.pkt", &text).unwrap();
            let (back, _) = harness::from_script::to_scenario(&script).unwrap();
            let mut back_config = back.config;
            back_config.unchecked_outbound = sc.config.unchecked_outbound;
            prop_assert_eq!(back_config, sc.config);
            let acts = |s: &harness::model::Scenario| s.steps.iter().filter(|s| !matches!(s.action, harness::model::Action::Expect(_))).map(|s| (s.at_us, format!("{:?}", s.action))).collect::<Vec<_>>();
            prop_assert_eq!(acts(&back), acts(&sc), "{}", text);
        }
    }

    const PLANTED6: &str = "c:dual,c:dual+window";

    /// A crash file of tcp_input6 as the fuzzer would write it: noise
    /// around one segment with URG|CWR (the planted `+window` fault spoils
    /// the next segment; engine::plant finds the window at IPv4's offset,
    /// so over IPv6 it flips a bit of the source address instead: still a
    /// Segments divergence).
    fn crash_file6(dir: &std::path::Path) -> PathBuf {
        let i = PREFIXES
            .iter()
            .position(|p| p.name == "est-server")
            .unwrap();
        let case = FuzzCase::from_scenario(&input::prefix_scenario_in(i, true));
        let mut c = harness::engine::by_name("c:dual").unwrap();
        let run = drive::run_engine(c.as_mut(), &case);
        let isn = run
            .trace
            .steps
            .iter()
            .flat_map(|s| &s.packets)
            .filter_map(|p| Segment::decode(&p.bytes))
            .find(|s| s.flags & F::SYN != 0)
            .unwrap()
            .seq;
        let a = isn.wrapping_add(1);
        let peer = case.config.remote_isn;
        let s = |rel: u32| peer.wrapping_add(rel);
        let mut bad_sum = seg6(s(1), a, F::ACK, 4, 0, 0);
        bad_sum[4] = 0;
        let packets = vec![
            (0, seg6(s(1), a, F::ACK, 0, 0, 0)),
            (0, vec![0x60, 0, 0, 0]),
            (0, bad_sum),
            (0, seg6(s(1), a, F::ACK | F::PSH, 100, 0, 7)),
            (0, seg6(s(5000), a, F::ACK, 10, 0, 0)),
            (
                0,
                seg6(s(101), a, F::ACK | F::PSH | F::URG | F::CWR, 30, 5, 0),
            ),
            (0, seg6(s(131), a, F::ACK, 0, 0, 0)),
        ];
        let bytes = input::encode(
            &Input {
                selector: i as u8,
                packets,
            },
            false,
        );
        let d = dir.join("tcp_input6");
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("crash-planted6");
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tcpdiff-fuzzing-ipv6-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// repro finds the planted divergence over IPv6; minimize turns it
    /// into an IPv6 script (`--ip_version=ipv6`, symbolic IPv6 segments)
    /// that reproduces it through the script runner.
    #[test]
    fn an_ipv6_finding_minimizes_to_an_ipv6_script() {
        let dir = tempdir();
        let file = crash_file6(&dir);
        let mut make = || engines_named(PLANTED6);
        let (code, out) = cli::repro_with(
            &ReproArgs {
                file: file.clone(),
                target: None,
                engines: Some(PLANTED6.into()),
            },
            &mut make,
        );
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("FINDING [diverged:Segments]"), "{out}");
        let out_pkt = dir.join("case6.pkt");
        let a = MinimizeArgs {
            file,
            output: out_pkt.clone(),
            target: None,
            engines: Some(PLANTED6.into()),
            budget: 4000,
        };
        let (code, text) = cli::minimize_with(&a, &mut make);
        assert_eq!(code, 0);
        let text = text.unwrap();
        assert!(text.contains("--ip_version=ipv6"), "{text}");
        assert!(!text.contains("< raw"), "{text}");
        assert!(text.contains("UW."), "{text}");
        // The script runs and reproduces the divergence.
        let mut e = make().unwrap();
        let mut b = e.pop().unwrap();
        let mut a = e.pop().unwrap();
        let r = harness::case::run_text("case6.pkt", &text, a.as_mut(), b.as_mut());
        assert!(r.result.skipped.is_none() && r.result.input_error.is_none());
        assert_eq!(
            harness::fuzzing::minimize::result_signature(&r.result).as_deref(),
            Some("diverged:Segments"),
            "{}\n{text}",
            harness::report::text(&r.result)
        );
        // And on lwIP against itself the script holds: its `>` lines are
        // lwIP's IPv6 segments.
        let mut e: Vec<Box<dyn Engine>> = engines_named("c:dual,c:dual").unwrap();
        let mut b = e.pop().unwrap();
        let mut a = e.pop().unwrap();
        let r = harness::case::run_text("case6.pkt", &text, a.as_mut(), b.as_mut());
        assert!(
            r.result.failures.is_empty()
                && matches!(r.result.verdict, Some(harness::runner::Verdict::Same)),
            "{}\n{text}",
            harness::report::text(&r.result)
        );
        eprintln!("{text}");
    }
}
