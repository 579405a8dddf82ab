//! Replay: captures become scenarios; `tcpdiff replay X` and `tcpdiff run`
//! of `tcpdiff pcap2script X` inject byte-identical stimuli; the remapping
//! is checked packet by packet against the capture; bad input gives a
//! clear error naming the file (exit status 2), never a panic.

mod capture_util;

use std::path::{Path, PathBuf};
use std::process::Command;

use harness::capture::{self, tcp_flags};
use harness::case::{self, Dir};
use harness::engine::by_name;
use harness::replay::{self, ReplayOptions, Role};
use harness::runner::Verdict;
use harness::wire::{Opt, Segment};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn traces() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    v.sort();
    assert!(v.len() >= 25, "traces/ has {} captures", v.len());
    v
}

fn tcpdiff() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tcpdiff"));
    c.current_dir(root());
    c
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tcpdiff-replay-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_replay(path: &Path, role: Role) -> case::CaseRun {
    let rp = replay::from_file(
        path,
        ReplayOptions {
            flow: None,
            role: Some(role),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (sc, warnings) = rp.scenario().unwrap_or_else(|e| panic!("{e}"));
    let (mut a, mut b) = (by_name("c").unwrap(), by_name("c").unwrap());
    case::run_scenario(&rp.name(), &sc, warnings, true, a.as_mut(), b.as_mut())
}

/// Every bundled capture replays on the C engine, in both roles, without
/// a harness error: the script maps, every step runs, no expected call
/// result fails, and lwIP against itself agrees.
#[test]
fn replay_every_trace_on_c_both_roles() {
    for t in traces() {
        for role in [Role::Server, Role::Client] {
            let run = run_replay(&t, role);
            let r = &run.result;
            let what = format!("{} as {role}", t.display());
            assert!(r.input_error.is_none(), "{what}: {:?}", r.input_error);
            assert!(r.failures.is_empty(), "{what}: {:?}", r.failures);
            assert_eq!(r.verdict, Some(Verdict::Same), "{what}");
            let (_, ta, _) = r.traces.as_ref().unwrap();
            assert!(
                ta.steps.iter().all(|s| s.error.is_none()),
                "{what}: a step failed"
            );
            assert!(!run.stimulus().is_empty(), "{what}: nothing injected");
        }
    }
}

/// The injected packets are the peer's captured segments, remapped: same
/// flags, absolute seq, window, payload length and TSval; ack and SACK
/// blocks at the same offsets from the engine's ISN as from the captured
/// endpoint's.
#[test]
fn replay_remaps_seq_ack_sack_against_the_capture() {
    let mut sack_blocks_checked = 0;
    for t in traces() {
        for role in [Role::Server, Role::Client] {
            let cap = capture::read(&t).unwrap();
            let rp = replay::from_capture(
                &cap,
                ReplayOptions {
                    flow: None,
                    role: Some(role),
                },
            )
            .unwrap();
            let run = run_replay(&t, role);
            let pkts = cap.flow_packets(&rp.flow);
            let from = |p: &capture::TcpPacket, e: capture::Endpoint| {
                p.src == e.ip && p.src_port == e.port
            };
            let peer: Vec<_> = pkts.iter().filter(|p| from(p, rp.peer)).collect();
            // The captured endpoint's ISN: its SYN (client) or SYN-ACK (server).
            let ep_isn = pkts
                .iter()
                .find(|p| from(p, rp.endpoint) && p.has(tcp_flags::SYN))
                .map(|p| p.seq);
            // The engine's ISN: its first SYN.
            let engine_isn = run
                .log_a
                .iter()
                .filter(|r| r.dir == Dir::Out)
                .filter_map(|r| Segment::decode(&r.bytes))
                .find(|s| s.flags & tcp_flags::SYN != 0)
                .map(|s| s.seq);
            let injected: Vec<Segment> = run
                .stimulus()
                .iter()
                .map(|b| Segment::decode(b).expect("an IPv4/TCP packet"))
                .collect();
            let what = format!("{} as {role}", t.display());
            assert_eq!(
                injected.len(),
                peer.len(),
                "{what}: one injected packet per peer segment"
            );
            for (i, (c, s)) in peer.iter().zip(&injected).enumerate() {
                let what = format!("{what}, peer segment {i}");
                assert_eq!(s.flags, c.flags, "{what}: flags");
                assert_eq!(s.seq, c.seq, "{what}: seq is the captured one");
                assert_eq!(s.wnd, c.window, "{what}: window");
                assert_eq!(s.payload.len(), c.payload.len(), "{what}: length");
                assert_eq!(
                    (s.sport, s.dport),
                    (c.src_port, c.dst_port),
                    "{what}: ports"
                );
                let (Some(ei), Some(gi)) = (ep_isn, engine_isn) else {
                    continue;
                };
                if c.has(tcp_flags::ACK) {
                    assert_eq!(
                        s.ack.wrapping_sub(gi),
                        c.ack.wrapping_sub(ei),
                        "{what}: ack relative to the ISN"
                    );
                }
                let (co, so) = (
                    harness::wire::parse_options(&c.options),
                    harness::wire::parse_options(&s.options),
                );
                assert_eq!(co.len(), so.len(), "{what}: options");
                for (x, y) in co.iter().zip(&so) {
                    match (x, y) {
                        (Opt::Sack(bx), Opt::Sack(by)) => {
                            let rel = |v: &[(u32, u32)], isn: u32| -> Vec<(u32, u32)> {
                                v.iter()
                                    .map(|(l, r)| (l.wrapping_sub(isn), r.wrapping_sub(isn)))
                                    .collect()
                            };
                            assert_eq!(rel(by, gi), rel(bx, ei), "{what}: SACK blocks");
                            sack_blocks_checked += 1;
                        }
                        (Opt::Ts(vx, _), Opt::Ts(vy, _)) => {
                            assert_eq!(vx, vy, "{what}: the peer's TSval is kept")
                        }
                        (a, b) => assert_eq!(a, b, "{what}: option"),
                    }
                }
            }
        }
    }
    assert!(sack_blocks_checked > 0, "no trace exercised SACK remapping");
}

fn stimulus_in_pcap(path: &Path) -> Vec<Vec<u8>> {
    let cap = capture::read(path).unwrap_or_else(|e| panic!("{e}"));
    cap.packets
        .iter()
        .filter(|p| {
            p.comment
                .as_deref()
                .is_some_and(|c| c.starts_with("stimulus step"))
        })
        .map(|p| p.ip_packet())
        .collect()
}

/// `tcpdiff replay X` and `tcpdiff run` of `tcpdiff pcap2script X` inject
/// byte-identical stimuli (compared in the `--pcap-out` files each writes),
/// and the printed script parses and maps back to the same scenario.
#[test]
fn replay_and_run_of_pcap2script_inject_identical_bytes() {
    let dir = tmp("identical");
    for t in traces() {
        for role in ["server", "client"] {
            let stem = format!("{}-{role}", t.file_stem().unwrap().to_string_lossy());
            let a = dir.join(format!("{stem}-replay.pcapng"));
            let out = tcpdiff()
                .args(["replay", "--role", role, "--pcap-out"])
                .arg(&a)
                .arg(&t)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                t.display(),
                String::from_utf8_lossy(&out.stdout)
            );
            let out = tcpdiff()
                .args(["pcap2script", "--role", role])
                .arg(&t)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", t.display());
            let text = String::from_utf8(out.stdout).unwrap();
            // It is an ordinary script: parses, maps, same scenario.
            let (script, _) = harness::script::parse("x.pkt", &text).unwrap();
            let (sc, _) = harness::from_script::to_scenario(&script).unwrap();
            let rp = replay::from_file(
                &t,
                ReplayOptions {
                    flow: None,
                    role: Some(if role == "server" {
                        Role::Server
                    } else {
                        Role::Client
                    }),
                },
            )
            .unwrap();
            assert_eq!(sc.steps, rp.scenario().unwrap().0.steps, "{}", t.display());
            assert_eq!(sc.config, rp.scenario().unwrap().0.config);
            let pkt = dir.join(format!("{stem}.pkt"));
            std::fs::write(&pkt, &text).unwrap();
            let b = dir.join(format!("{stem}-run.pcapng"));
            let out = tcpdiff()
                .args(["run", "--pcap-out"])
                .arg(&b)
                .arg(&pkt)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "run {}: {}",
                pkt.display(),
                String::from_utf8_lossy(&out.stdout)
            );
            let (sa, sb) = (stimulus_in_pcap(&a), stimulus_in_pcap(&b));
            assert!(!sa.is_empty());
            assert_eq!(sa, sb, "{}: stimuli differ", t.display());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Hand-made captures: a SYN-ACK answered by data etc. is not needed; the
/// replay only needs the SYN. A flow whose SYN was not captured, a missing
/// flow id, and files that are not usable captures give errors naming the
/// file, through the library and the CLI (exit status 2, no panic).
#[test]
fn replay_bad_inputs_give_clear_errors() {
    use capture_util::*;
    let dir = tmp("bad");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let good = std::fs::read(root().join("traces/echo-8rounds.pcapng")).unwrap();
    let pcap_good = std::fs::read(root().join("traces/http-get-100.pcap")).unwrap();
    let mut corrupt = pcap_good.clone();
    // The first record's captured length: absurd.
    corrupt[24 + 8..24 + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let cases: Vec<(PathBuf, &str)> = vec![
        (write("empty.pcap", b""), "empty file"),
        (
            write("truncated.pcapng", &good[..good.len() / 2 + 3]),
            "truncated",
        ),
        (write("corrupt.pcap", &corrupt), "packet 0 at offset 24"),
        (
            write("garbage.pcap", b"this is not a capture at all"),
            "not a pcap or pcapng",
        ),
        (
            write(
                "udp-only.pcap",
                &pcap(false, false, 1, &[rec(1, 0, eth(&[], ET_IPV4, &udp()))]),
            ),
            "no usable TCP packet",
        ),
        (
            write(
                "ipv6-only.pcap",
                &pcap(false, false, 1, &[rec(1, 0, eth(&[], ET_IPV6, &ipv6()))]),
            ),
            "1 non-TCP IP",
        ),
        (
            // Mid-connection: no SYN captured.
            write(
                "no-syn.pcap",
                &pcap(
                    false,
                    false,
                    101,
                    &[
                        rec(1, 0, tcp(true, ACK, 100, 200, b"abc")),
                        rec(1, 10, tcp(false, ACK, 200, 103, b"")),
                    ],
                ),
            ),
            "has a captured SYN",
        ),
    ];
    for (path, want) in &cases {
        let e = replay::from_file(path, ReplayOptions::default())
            .expect_err(&path.display().to_string())
            .to_string();
        assert!(e.contains(&path.display().to_string()), "{e}");
        assert!(e.contains(want), "{}: {e}", path.display());
        for sub in ["replay", "pcap2script"] {
            let out = tcpdiff().arg(sub).arg(path).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{sub} {}: {err}",
                path.display()
            );
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    // A flow that is not there; a flow without SYN named explicitly.
    let t = root().join("traces/http-get-100.pcap");
    let e = replay::from_file(
        &t,
        ReplayOptions {
            flow: Some(7),
            role: None,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("there is no flow 7"), "{e}");
    let e = replay::from_file(
        &cases[6].0,
        ReplayOptions {
            flow: Some(0),
            role: None,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("SYN"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Roles and flows: the default is the server of the first flow with a
/// handshake; `--flow` picks another connection of a multi-connection file.
#[test]
fn replay_flow_and_role_selection() {
    let t = root().join("traces/many-short-5.pcapng");
    let cap = capture::read(&t).unwrap();
    let flows = capture::flows(&cap);
    assert_eq!(flows.len(), 5);
    let rp = replay::from_capture(&cap, ReplayOptions::default()).unwrap();
    assert_eq!((rp.flow.id, rp.role), (0, Role::Server));
    assert_eq!(rp.endpoint, flows[0].server);
    let rp = replay::from_capture(
        &cap,
        ReplayOptions {
            flow: Some(3),
            role: Some(Role::Client),
        },
    )
    .unwrap();
    assert_eq!(rp.flow.id, 3);
    assert_eq!(rp.endpoint, flows[3].client);
    assert!(
        rp.script_text
            .contains(&format!("--remote_port={}", flows[3].server.port))
    );
    assert!(
        rp.script_text
            .contains(&format!("htons({})", flows[3].client.port))
    );
    // A SYN answered by RST: nothing listens, the SYN goes to the port.
    let rp = replay::from_file(
        root().join("traces/closed-port-rst.pcap"),
        ReplayOptions::default(),
    )
    .unwrap();
    assert!(!rp.script_text.contains("listen("), "{}", rp.script_text);
    assert!(
        rp.script_text.contains("41035 > 5999 S"),
        "{}",
        rp.script_text
    );
    let run = run_replay(&root().join("traces/closed-port-rst.pcap"), Role::Server);
    let out: Vec<Segment> = run
        .log_a
        .iter()
        .filter(|r| r.dir == Dir::Out)
        .filter_map(|r| Segment::decode(&r.bytes))
        .collect();
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].flags,
        tcp_flags::RST | tcp_flags::ACK,
        "lwIP refuses like Linux"
    );
}

/// An IPv6 capture (SLL2, raw IP and VLAN-tagged Ethernet, with extension
/// headers): `tcpdiff flows` lists its flow with `[addr]:port` endpoints;
/// `tcpdiff pcap2script` writes an IPv6 script (`--ip_version=ipv6`, the
/// MTU from the MSS + 60), `tcpdiff replay` runs it on lwIP's IPv6 build
/// and skips it, saying why, on engines without IPv6.
#[test]
fn ipv6_flows_are_listed_and_replayed_on_builds_with_ipv6() {
    use capture_util::*;
    let dir = tmp("ipv6");
    for (name, lt) in [("sll2", 276u32), ("raw", 101), ("raw229", 229), ("vlan", 1)] {
        let recs: Vec<Rec> = conversation6(1, 2)
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let frame = match lt {
                    276 => sll2(ET_IPV6, p),
                    1 => eth(&[(0x8100, 7)], ET_IPV6, p),
                    _ => p.clone(),
                };
                rec(1_700_000_000, i as u32, frame)
            })
            .collect();
        let path = dir.join(format!("{name}.pcap"));
        std::fs::write(&path, pcap(false, false, lt, &recs)).unwrap();

        let out = tcpdiff().arg("flows").arg(&path).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(
            stdout.contains(" 0  [2001:db8::1]:40000  [2001:db8::2]:80 "),
            "{stdout}"
        );

        let out = tcpdiff().arg("pcap2script").arg(&path).output().unwrap();
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{script}");
        assert!(
            script.contains("--ip_version=ipv6\n--local_ip=2001:db8::2\n--remote_ip=2001:db8::1\n"),
            "{script}"
        );

        let out = tcpdiff()
            .args(["replay", "--engines", "c:ipv6,c:ipv6"])
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains(": same (c:ipv6 vs c:ipv6"), "{stdout}");

        let out = tcpdiff().arg("replay").arg(&path).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(stdout.contains(": skipped (c vs "), "{stdout}");
        assert!(stdout.contains("an IPv6 script: c has no IPv6"), "{stdout}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The real IPv6 captures (traces/ipv6) replay the same on lwIP's IPv6
/// builds and the port's, the engine in either role.
#[test]
fn ipv6_traces_replay_the_same_in_both_roles_on_lwip_and_the_port() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces/ipv6");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "pcap") {
            continue;
        }
        for engines in ["c:dual,rust:dual", "c:ipv6,rust:ipv6"] {
            for role in ["client", "server"] {
                let out = tcpdiff()
                    .args(["replay", "--engines", engines, "--role", role])
                    .arg(&path)
                    .output()
                    .unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                let (a, b) = engines.split_once(',').unwrap();
                assert_eq!(out.status.code(), Some(0), "{}: {stdout}", path.display());
                assert!(stdout.contains(&format!(": same ({a} vs {b}")), "{stdout}");
            }
        }
        n += 1;
    }
    assert!(n >= 4, "{n} captures");
}
