//! The example scripts in `corpus/dialect/` parse, snapshot and round-trip.

// Wrapped in `mod script` so that `cargo test -p harness script` selects these tests.
mod script {
    use std::path::PathBuf;

    use harness::script::{
        Direction, EventKind, Expr, Script, TcpFlags, TcpOption, TcpOptions, Time, parse, print,
    };

    fn corpus_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/dialect")
    }

    fn load(name: &str) -> (String, String) {
        let path = corpus_dir().join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        (format!("corpus/dialect/{name}"), text)
    }

    fn parse_ok(name: &str) -> Script {
        let (path, text) = load(name);
        match parse(&path, &text) {
            Ok((script, warnings)) => {
                assert!(warnings.is_empty(), "unexpected warnings: {warnings:?}");
                script
            }
            Err(e) => panic!("{e}"),
        }
    }

    fn all_scripts() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
            .expect("corpus/dialect exists")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pkt"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn corpus_has_enough_scripts() {
        assert!(all_scripts().len() >= 8, "{:?}", all_scripts());
    }

    #[test]
    fn every_script_parses_and_round_trips() {
        for name in all_scripts() {
            let script = parse_ok(&name);
            let printed = print(&script);
            let (again, warnings) = parse(&script.path, &printed)
                .unwrap_or_else(|e| panic!("{name}: reparse: {e}\n{printed}"));
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
            assert_eq!(
                again.without_positions(),
                script.without_positions(),
                "{name}:\n{printed}"
            );
            // Printing is a fixed point after one round.
            assert_eq!(print(&again), printed, "{name}");
        }
    }

    #[test]
    fn snapshot_passive_open_ts() {
        insta::assert_debug_snapshot!(parse_ok("passive_open_ts.pkt"));
    }

    #[test]
    fn snapshot_lwip_raw_api() {
        insta::assert_debug_snapshot!(parse_ok("lwip_raw_api.pkt"));
    }

    #[test]
    fn snapshot_blocking_and_structs() {
        insta::assert_debug_snapshot!(parse_ok("blocking_and_structs.pkt"));
    }

    #[test]
    fn snapshot_options_misc_json() {
        let script = parse_ok("options_misc.pkt");
        let json = serde_json::to_string_pretty(&script).expect("serialize");
        let back: Script = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, script);
        insta::assert_snapshot!(json);
    }

    #[test]
    fn snapshot_printed_flag_matrix() {
        insta::assert_snapshot!(print(&parse_ok("flag_matrix.pkt")));
    }

    #[test]
    fn header_options_and_commands() {
        let s = parse_ok("passive_open_ts.pkt");
        assert_eq!(
            s.options,
            vec![
                ("tolerance_usecs".to_string(), Some("10000".to_string())),
                ("ip_version".to_string(), Some("ipv4".to_string())),
                ("local_ip".to_string(), Some("192.168.0.1".to_string())),
                ("remote_ip".to_string(), Some("192.0.2.1".to_string())),
                ("verbose".to_string(), None),
            ]
        );
        assert_eq!(
            s.init_command.as_deref(),
            Some("sysctl -q net.ipv4.tcp_timestamps=1\n sysctl -q net.ipv4.tcp_sack=1")
        );
        let c = parse_ok("commands_and_python.pkt");
        assert_eq!(
            c.cleanup_command.as_deref(),
            Some("/tmp/sysctl_restore_${PPID}.sh")
        );
        let kinds: Vec<&EventKind> = c.events.iter().map(|e| &e.kind).collect();
        assert!(kinds.contains(&&EventKind::Command("sysctl -q net.ipv4.tcp_sack=0".into())));
        assert!(kinds.contains(&&EventKind::Code(
            "assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd".into()
        )));
        assert!(
            kinds
                .iter()
                .any(|k| matches!(k, EventKind::Code(t) if t.starts_with("\nimport os\n")))
        );
        assert!(kinds.contains(&&EventKind::Command(
            "echo \"done \\`date\\`\" > /dev/null".into()
        )));
    }

    #[test]
    fn times() {
        let s = parse_ok("time_forms.pkt");
        let times: Vec<Time> = s.events.iter().map(|e| e.time).collect();
        assert_eq!(
            times,
            vec![
                Time::Absolute(0),
                Time::Absolute(500_000),
                Time::Absolute(750_000),
                Time::Relative(1_000_000),
                Time::Relative(250),
                Time::Any,
                Time::Range {
                    start: 2_500_000,
                    end: 3_000_000,
                    relative: false
                },
                Time::Range {
                    start: 0,
                    end: 200_000,
                    relative: true
                },
                Time::Relative(100_000),
                Time::Absolute(10_000_000),
            ]
        );
        // Positions point at the time token.
        assert_eq!((s.events[0].line, s.events[0].col), (2, 1));
        assert_eq!((s.events[8].line, s.events[8].col), (10, 1));
    }

    #[test]
    fn flags_bits() {
        let s = parse_ok("flag_matrix.pkt");
        let flags: Vec<(String, u16, Option<u8>)> = s
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Packet(p) => Some((p.flags.raw.clone(), p.flags.bits, p.flags.ace)),
                _ => None,
            })
            .collect();
        let get = |raw: &str| {
            flags
                .iter()
                .find(|f| f.0 == raw)
                .cloned()
                .unwrap_or_else(|| panic!("{raw}"))
        };
        assert_eq!(get("S").1, TcpFlags::SYN);
        assert_eq!(get("S.").1, TcpFlags::SYN | TcpFlags::ACK);
        assert_eq!(get("P.").1, TcpFlags::PSH | TcpFlags::ACK);
        assert_eq!(get("F.").1, TcpFlags::FIN | TcpFlags::ACK);
        assert_eq!(get("R").1, TcpFlags::RST);
        assert_eq!(get(".").1, TcpFlags::ACK);
        assert_eq!(get("-").1, 0);
        assert_eq!(get("FPU").1, TcpFlags::FIN | TcpFlags::PSH | TcpFlags::URG);
        assert_eq!(
            get("SEWA").1,
            TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR | TcpFlags::AE
        );
        assert_eq!(
            get(".5"),
            (
                ".5".into(),
                TcpFlags::ACK | TcpFlags::ECE | TcpFlags::AE,
                Some(5)
            )
        );
        assert_eq!(get("P.5").2, Some(5));
        assert_eq!(
            get("F5.").1,
            TcpFlags::FIN | TcpFlags::ACK | TcpFlags::ECE | TcpFlags::AE
        );
    }

    #[test]
    fn sack_and_timestamps() {
        let s = parse_ok("sack_recovery.pkt");
        let sacks: Vec<Vec<(u32, u32)>> = s
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Packet(p) => match &p.options {
                    Some(TcpOptions::List(l)) => l.iter().find_map(|o| match o {
                        TcpOption::Sack(b) => Some(b.clone()),
                        _ => None,
                    }),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        assert_eq!(sacks[0], vec![(1001, 2001)]);
        assert_eq!(sacks[3], vec![(1, 1001), (5001, 6001), (7001, 8001)]);
        assert_eq!(sacks[4], vec![(4294967000, 4294967295)]);

        let p = parse_ok("passive_open_ts.pkt");
        let EventKind::Packet(syn) = &p.events[4].kind else {
            panic!("{:?}", p.events[4])
        };
        assert_eq!(syn.direction, Direction::In);
        assert_eq!(syn.win, Some(29200));
        assert_eq!(
            syn.options,
            Some(TcpOptions::List(vec![
                TcpOption::Mss(1460),
                TcpOption::SackOk,
                TcpOption::Timestamp { val: 1000, ecr: 0 },
                TcpOption::Nop,
                TcpOption::WScale(7),
            ]))
        );
    }

    #[test]
    fn lwip_lines_are_calls() {
        let s = parse_ok("lwip_raw_api.pkt");
        let calls: Vec<_> = s
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Call(c) => Some(c),
                _ => None,
            })
            .collect();
        let write = calls
            .iter()
            .find(|c| c.name == "tcp_write")
            .expect("tcp_write");
        assert_eq!(
            write.args,
            vec![
                Expr::Int(6),
                Expr::Int(1000),
                Expr::Or(vec![Expr::Word("COPY".into()), Expr::Word("MORE".into())]),
            ]
        );
        assert_eq!(write.ret, Some(Expr::Word("ERR_OK".into())));
        let recved = calls
            .iter()
            .find(|c| c.name == "tcp_recved")
            .expect("tcp_recved");
        assert_eq!(recved.ret, None);
        let app = calls.iter().find(|c| c.name == "tcp_app").expect("tcp_app");
        let kw: Vec<(&str, &Expr)> = app.args.iter().filter_map(Expr::as_assign).collect();
        assert_eq!(kw[0], ("accept", &Expr::Word("ERR_OK".into())));
        assert_eq!(
            kw[2],
            ("sent", &Expr::Call("WRITE".into(), vec![Expr::Int(100)]))
        );
    }

    #[test]
    fn syscall_errno_and_note() {
        let s = parse_ok("active_open_nonblocking.pkt");
        let EventKind::Call(c) = &s.events[3].kind else {
            panic!()
        };
        assert_eq!(c.name, "connect");
        assert_eq!(c.ret, Some(Expr::Int(-1)));
        assert_eq!(c.errno.as_deref(), Some("EINPROGRESS"));
        assert_eq!(c.note.as_deref(), Some("Operation now in progress"));
        let EventKind::Call(fl) = &s.events[1].kind else {
            panic!()
        };
        assert_eq!(fl.ret, Some(Expr::Hex(2)));
        assert_eq!(fl.errno, None);
        assert_eq!(fl.note.as_deref(), Some("flags O_RDWR"));
        let blocking = s.events.iter().find_map(|e| match &e.kind {
            EventKind::Call(c) if c.end_time.is_some() => Some(c.clone()),
            _ => None,
        });
        assert_eq!(
            blocking.map(|c| (c.name, c.end_time)),
            Some(("read".into(), Some(1_500_000)))
        );
    }
}
