//! Seed corpora, made from the script corpus and the traces so they stay
//! in step with them (`tcpdiff seeds`), and the libFuzzer dictionary.
//!
//! - `tcp_input` / `tcp_input_timed`: the inbound packets a script or a
//!   trace replay injects (as lwIP received them in a run of the C engine),
//!   readdressed to the prefix's connection (peer 192.0.2.1:40000, lwIP
//!   192.168.0.1, port 8080 or the client's port) behind the `listen` or
//!   `syn-sent` prefix; the timed variant keeps the gaps between them.
//!   Plus, for every prefix state, a handful of segments that fit it (an
//!   ACK, data, out-of-order data, a duplicate ACK, a window probe, a FIN,
//!   a RST, a SYN, a SACK), numbered from the ISN the engine really chose.
//! - `tcp_session`: `arbitrary` byte strings whose sessions differ in role
//!   and in the states, callbacks and packet counts they reach on lwIP
//!   (deterministic: a fixed generator).
//! - `script_parse`: the dialect examples and one script per corpus group.
//! - `pcap_read`: the small traces.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::case::{Dir, Recorder};
use crate::engine::Engine;
use crate::engine::c::CEngine;
use crate::model::{Action, ApiCall, IPV6_LOCAL, IPV6_REMOTE, ScenarioConfig};
use crate::wire::{Opt, Segment, encode_options, flags as F};

use super::drive::{self, FlowInfo, FuzzCase};
use super::input::{self, Framing, Input, PREFIXES, fix_up};

/// One seed file.
#[derive(Debug, Clone)]
pub struct Seed {
    /// Target directory name (`tcp_input`, ...).
    pub target: &'static str,
    /// File name.
    pub name: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// Most packets kept from one script or trace.
const MAX_SEED_PACKETS: usize = 24;

fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p, exts));
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| exts.contains(&x))
        {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn slug(base: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(base).unwrap_or(p);
    let s = rel
        .with_extension("")
        .to_string_lossy()
        .replace(['/', '\\'], "-");
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The engine's port in a prefix's connection, after running it on lwIP.
fn prefix_flow(i: usize) -> FlowInfo {
    prefix_flow_on(&mut CEngine::new(), i, false)
}

/// The engine's port and ISN in prefix `i`'s connection (translated to
/// IPv6 if `ipv6`), after running it on `engine`.
fn prefix_flow_on(engine: &mut dyn Engine, i: usize, ipv6: bool) -> FlowInfo {
    let case = FuzzCase::from_scenario(&input::prefix_scenario_in(i, ipv6));
    let run = drive::run_engine(engine, &case);
    // The flow as it is after the last step: learn from every packet.
    let mut f = run.flows.last().copied().unwrap_or_default();
    for s in &run.trace.steps {
        for p in &s.packets {
            if let Some(seg) = Segment::decode(&p.bytes)
                && seg.dport == case.config.remote_port
            {
                f.local_port = Some(seg.sport);
                if seg.flags & F::SYN != 0 {
                    f.local_isn = Some(seg.seq);
                }
            }
        }
    }
    f
}

/// Inbound packets (time µs, bytes) of a scenario run on lwIP, readdressed
/// to the default configuration with the engine's port `dport`.
fn recorded_inbound(case: &FuzzCase, dport: u16) -> Vec<(u64, Vec<u8>)> {
    let mut c = CEngine::new();
    let mut rec = Recorder::new(&mut c);
    let sc = case.view();
    let _ = crate::runner::run_engine(&mut rec, &sc);
    let d = ScenarioConfig::default();
    rec.log
        .iter()
        .filter(|r| r.dir == Dir::In)
        .take(MAX_SEED_PACKETS)
        .filter_map(|r| {
            let mut s = Segment::decode(&r.bytes)?;
            s.src = d.remote_ip;
            s.dst = d.local_ip;
            if s.sport == case.config.remote_port {
                s.sport = d.remote_port;
            }
            s.dport = dport;
            s.checksum = None;
            let mut b = s.encode();
            fix_up(&mut b);
            Some((r.time_us, b))
        })
        .collect()
}

fn framed(prefix: usize, pkts: &[(u64, Vec<u8>)], timed: bool) -> Vec<u8> {
    let mut last = 0u64;
    let packets = pkts
        .iter()
        .map(|(t, p)| {
            let d = if timed {
                (t.saturating_sub(last) / 1000).min(u64::from(input::MAX_DELAY_MS - 1)) as u32
            } else {
                0
            };
            last = *t;
            (d, p.clone())
        })
        .collect();
    input::encode(
        &Input {
            selector: prefix as u8,
            packets,
        },
        timed,
    )
}

/// Seeds from one scenario (a script's or a replay's).
fn scenario_seeds(name: &str, case: &FuzzCase, flows: &[FlowInfo], out: &mut Vec<Seed>) {
    let client = case.steps.iter().any(|s| {
        matches!(
            s.stim,
            drive::Stim::Model(Action::Call {
                call: ApiCall::Connect { .. },
                ..
            })
        )
    });
    let prefix = usize::from(client);
    let dport = if client {
        flows[1].local_port.unwrap_or(49153)
    } else {
        8080
    };
    let pkts = recorded_inbound(case, dport);
    if pkts.is_empty() {
        return;
    }
    // The prefix already did socket/bind/listen or socket/connect, at time 0.
    out.push(Seed {
        target: "tcp_input",
        name: format!("{name}.bin"),
        bytes: framed(prefix, &pkts, false),
    });
    out.push(Seed {
        target: "tcp_input_timed",
        name: format!("{name}.bin"),
        bytes: framed(prefix, &pkts, true),
    });
}

/// Segments that fit prefix `i`'s state.
fn state_seeds(i: usize, f: FlowInfo, out: &mut Vec<Seed>) {
    let d = ScenarioConfig::default();
    let (Some(port), Some(isn)) = (f.local_port, f.local_isn) else {
        // Listening: a SYN with the usual options, and a bare ACK.
        let syn = seg(
            8080,
            0,
            0,
            F::SYN,
            29200,
            0,
            &[
                Opt::Mss(1460),
                Opt::SackOk,
                Opt::Ts(1000, 0),
                Opt::Nop,
                Opt::WScale(7),
            ],
        );
        let ack = seg(8080, 1, 1, F::ACK, 229, 0, &[]);
        push_state(i, "syn", vec![syn], out);
        push_state(i, "stray-ack", vec![ack], out);
        return;
    };
    let _ = d;
    let client = PREFIXES[i].name.contains("client") || PREFIXES[i].name == "syn-sent";
    // Relative numbers: the peer's next byte is 1 past its SYN (+1 after a
    // FIN in the closing prefixes); acks are relative to the engine's ISN.
    let peer = match PREFIXES[i].name {
        "close-wait" | "last-ack" | "closing" | "time-wait" => 2,
        "est-server-data" => 101,
        _ => 1,
    };
    let a = |rel: u32| isn.wrapping_add(rel);
    let s = |rel: u32| rel;
    let mk = |seq: u32, ack: u32, fl: u8, win: u16, len: usize, o: &[Opt]| {
        seg(port, s(seq), a(ack), fl, win, len, o)
    };
    if PREFIXES[i].name == "syn-sent" {
        push_state(
            i,
            "syn-ack",
            vec![mk(
                0,
                1,
                F::SYN | F::ACK,
                65535,
                0,
                &[
                    Opt::Mss(1460),
                    Opt::SackOk,
                    Opt::Ts(5000, 0),
                    Opt::Nop,
                    Opt::WScale(7),
                ],
            )],
            out,
        );
        push_state(
            i,
            "syn-ack-bad-ack",
            vec![mk(0, 7, F::SYN | F::ACK, 65535, 0, &[])],
            out,
        );
        push_state(
            i,
            "rst-ack",
            vec![mk(0, 1, F::RST | F::ACK, 0, 0, &[])],
            out,
        );
        push_state(
            i,
            "simultaneous-syn",
            vec![mk(0, 0, F::SYN, 5840, 0, &[Opt::Mss(536)])],
            out,
        );
        return;
    }
    if PREFIXES[i].name == "syn-rcvd" {
        push_state(i, "ack", vec![mk(1, 1, F::ACK, 229, 0, &[])], out);
        push_state(
            i,
            "ack-data",
            vec![mk(1, 1, F::ACK | F::PSH, 229, 100, &[])],
            out,
        );
        push_state(
            i,
            "dup-syn",
            vec![mk(0, 0, F::SYN, 29200, 0, &[Opt::Mss(1460)])],
            out,
        );
        push_state(i, "rst", vec![mk(1, 0, F::RST, 0, 0, &[])], out);
        return;
    }
    let sent: u32 = match PREFIXES[i].name {
        "est-server-data" => 1 + 3000,
        "est-client-data" => 1 + 4000,
        "zero-window" => 1 + 1000,
        "est-client-no-opts" => 1 + 100,
        "fin-wait-1" | "fin-wait-2" | "closing" | "time-wait" | "last-ack" => 2,
        _ => 1,
    };
    let ts = PREFIXES[i].name.contains("-ts") || PREFIXES[i].name == "est-client-data";
    let o = |v: u32| -> Vec<Opt> {
        if ts {
            vec![Opt::Nop, Opt::Nop, Opt::Ts(6000 + v, 300)]
        } else {
            vec![]
        }
    };
    let _ = client;
    push_state(
        i,
        "ack-all",
        vec![mk(peer, sent, F::ACK, 229, 0, &o(1))],
        out,
    );
    push_state(
        i,
        "data",
        vec![mk(peer, 1, F::ACK | F::PSH, 229, 200, &o(2))],
        out,
    );
    push_state(
        i,
        "ooseq-then-fill",
        vec![
            mk(peer + 1000, 1, F::ACK, 229, 500, &o(3)),
            mk(peer, 1, F::ACK, 229, 1000, &o(4)),
        ],
        out,
    );
    push_state(
        i,
        "dupacks",
        vec![
            mk(peer, 1461.min(sent), F::ACK, 229, 0, &o(5)),
            mk(peer, 1461.min(sent), F::ACK, 229, 0, &o(6)),
            mk(peer, 1461.min(sent), F::ACK, 229, 0, &o(7)),
            mk(peer, 1461.min(sent), F::ACK, 229, 0, &o(8)),
        ],
        out,
    );
    push_state(
        i,
        "sack",
        vec![mk(
            peer,
            1,
            F::ACK,
            229,
            0,
            &[
                Opt::Nop,
                Opt::Nop,
                Opt::Sack(vec![(a(1461), a(sent.max(1462)))]),
            ],
        )],
        out,
    );
    push_state(
        i,
        "zero-window",
        vec![mk(peer, sent, F::ACK, 0, 0, &o(9))],
        out,
    );
    push_state(
        i,
        "fin",
        vec![mk(peer, sent, F::FIN | F::ACK, 229, 0, &o(10))],
        out,
    );
    push_state(
        i,
        "data-fin",
        vec![mk(peer, sent, F::FIN | F::PSH | F::ACK, 229, 50, &o(11))],
        out,
    );
    push_state(i, "rst", vec![mk(peer, 0, F::RST, 0, 0, &[])], out);
    push_state(
        i,
        "rst-out-of-window",
        vec![mk(peer + 50000, 0, F::RST, 0, 0, &[])],
        out,
    );
    push_state(
        i,
        "syn",
        vec![mk(peer + 7, 0, F::SYN, 29200, 0, &[Opt::Mss(1460)])],
        out,
    );
    push_state(
        i,
        "old-data",
        vec![mk(peer.wrapping_sub(1), 1, F::ACK, 229, 1, &o(12))],
        out,
    );
}

fn seg(dport: u16, seq_rel: u32, ack: u32, fl: u8, win: u16, len: usize, o: &[Opt]) -> Vec<u8> {
    let d = ScenarioConfig::default();
    let s = Segment {
        src: d.remote_ip,
        dst: d.local_ip,
        tos: 0,
        ttl: 64,
        ip_id: 1,
        ip_frag: 0,
        flow: 0,
        sport: d.remote_port,
        dport,
        seq: d.remote_isn.wrapping_add(seq_rel),
        ack: if fl & F::ACK != 0 || fl & F::RST != 0 {
            ack
        } else {
            0
        },
        flags: fl,
        wnd: win,
        urg: 0,
        options: encode_options(o),
        payload: crate::engine::app::pattern(u64::from(seq_rel), len),
        checksum: None,
    };
    s.encode()
}

fn push_state(i: usize, what: &str, pkts: Vec<Vec<u8>>, out: &mut Vec<Seed>) {
    let name = format!("state-{}-{what}.bin", PREFIXES[i].name);
    let timed: Vec<(u64, Vec<u8>)> = pkts
        .iter()
        .enumerate()
        .map(|(k, p)| (k as u64 * 100_000, p.clone()))
        .collect();
    out.push(Seed {
        target: "tcp_input",
        name: name.clone(),
        bytes: framed(i, &timed, false),
    });
    out.push(Seed {
        target: "tcp_input_timed",
        name,
        bytes: framed(i, &timed, true),
    });
}

/// An IPv4 packet of a seed as the IPv6 framing's packet: the same TCP
/// segment from packetdrill's IPv6 peer to lwIP's IPv6 address (TOS as the
/// traffic class, TTL as the hop limit), fixed up. None if it is not TCP.
fn packet_to_ipv6(p: &[u8]) -> Option<Vec<u8>> {
    let mut s = Segment::decode(p)?;
    s.src = IpAddr::V6(IPV6_REMOTE);
    s.dst = IpAddr::V6(IPV6_LOCAL);
    s.ip_id = 0;
    s.ip_frag = 0;
    s.checksum = None;
    let mut b = s.encode();
    input::fix_up6(&mut b);
    Some(b)
}

/// A `tcp_input`/`tcp_input_timed` seed as the same seed of the IPv6
/// framing (`tcp_input6`/`tcp_input6_timed`): same selector, delays and
/// segments, each packet made IPv6 ([`packet_to_ipv6`]).
fn to_ipv6_seed(seed: &Seed) -> Option<Seed> {
    let framing = Framing::ALL
        .into_iter()
        .find(|f| !f.ipv6 && f.target() == seed.target)?;
    let inp = input::decode(&seed.bytes, framing.timed);
    let packets: Vec<(u32, Vec<u8>)> = inp
        .packets
        .iter()
        .filter_map(|(d, p)| Some((*d, packet_to_ipv6(p)?)))
        .collect();
    if packets.is_empty() {
        return None;
    }
    let v6 = Framing {
        ipv6: true,
        ..framing
    };
    Some(Seed {
        target: v6.target(),
        name: seed.name.clone(),
        bytes: input::encode(
            &Input {
                selector: inp.selector,
                packets,
            },
            v6.timed,
        ),
    })
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// `tcp_session` seeds: byte strings whose sessions reach different things
/// (over IPv4: the address family bit of each session's setup byte
/// cleared; `session_seeds6` has the IPv6 ones).
pub fn session_seeds(tries: usize, keep: usize) -> Vec<Seed> {
    session_seeds_on(
        &mut || Ok(Box::new(CEngine::new())),
        false,
        0x7cd1_ff5e_ed00_0001,
        tries,
        keep,
    )
    .unwrap_or_default()
}

/// `tcp_session` seeds over IPv6 (the family bit set), run on lwIP's
/// dual-stack build (`c:dual`), named `session6-NNN.bin`.
pub fn session_seeds6(tries: usize, keep: usize) -> Result<Vec<Seed>, String> {
    session_seeds_on(
        &mut || crate::engine::by_name("c:dual"),
        true,
        0x6cd1_ff5e_ed00_0006,
        tries,
        keep,
    )
}

fn session_seeds_on(
    make: &mut dyn FnMut() -> Result<Box<dyn Engine>, String>,
    ipv6: bool,
    seed: u64,
    tries: usize,
    keep: usize,
) -> Result<Vec<Seed>, String> {
    let mut rng = Rng(seed);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut c = make()?;
    for _ in 0..tries {
        if out.len() >= keep {
            break;
        }
        let len = 96 + (rng.next() % 400) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let bytes = super::session::with_family(&bytes, ipv6);
        let Some(sc) = super::session::scenario_of(&bytes) else {
            continue;
        };
        if sc.config.is_ipv6() != ipv6 {
            continue;
        }
        let case = FuzzCase::from_scenario(&sc);
        let run = drive::run_engine(c.as_mut(), &case);
        if run.trace.steps.iter().any(|s| s.error.is_some()) {
            continue;
        }
        let mut states = BTreeSet::new();
        let mut cbs = BTreeSet::new();
        let mut pkts = 0;
        for s in &run.trace.steps {
            pkts += s.packets.len();
            for sn in s.conns() {
                states.insert(sn.get("state").unwrap_or(-1));
            }
            for cb in &s.callbacks {
                cbs.insert(format!("{:?}", cb.kind));
            }
        }
        let client = matches!(
            sc.steps.get(1).map(|s| &s.action),
            Some(Action::Call {
                call: ApiCall::Connect { .. },
                ..
            })
        );
        let sig = format!("{client}:{states:?}:{cbs:?}:{}", pkts.min(8));
        if seen.insert(sig) {
            out.push(Seed {
                target: "tcp_session",
                name: format!(
                    "session{}-{:03}.bin",
                    if ipv6 { "6" } else { "" },
                    out.len()
                ),
                bytes,
            });
        }
    }
    Ok(out)
}

/// Every seed, from the script corpus under `scripts`, the dialect
/// examples under `dialect` and the captures under `traces`.
pub fn all_seeds(scripts: &Path, dialect: &Path, traces: &Path) -> (Vec<Seed>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let flows: Vec<FlowInfo> = (0..PREFIXES.len()).map(prefix_flow).collect();
    for (i, f) in flows.iter().enumerate() {
        state_seeds(i, *f, &mut out);
    }
    // The IPv6 framing's prefixes run on lwIP's dual-stack build: their
    // ports and ISNs number the IPv6 seeds, which are the IPv4 ones made
    // IPv6 (`to_ipv6_seed`).
    let flows6: Option<Vec<FlowInfo>> = match crate::engine::by_name("c:dual") {
        Ok(mut e) => Some(
            (0..PREFIXES.len())
                .map(|i| prefix_flow_on(e.as_mut(), i, true))
                .collect(),
        ),
        Err(e) => {
            notes.push(format!("c:dual: {e}; no tcp_input6 seeds"));
            None
        }
    };
    let mut v6 = Vec::new();
    if let Some(flows6) = &flows6 {
        for (i, f) in flows6.iter().enumerate() {
            state_seeds(i, *f, &mut v6);
        }
    }
    for p in files(scripts, &["pkt"]) {
        let Ok(text) = fs::read_to_string(&p) else {
            continue;
        };
        let name = format!("script-{}", slug(scripts, &p));
        let Ok((script, _)) = crate::script::parse(&name, &text) else {
            notes.push(format!("{}: does not parse; skipped", p.display()));
            continue;
        };
        let Ok((sc, _)) = crate::from_script::to_scenario(&script) else {
            notes.push(format!("{}: does not map; skipped", p.display()));
            continue;
        };
        let case = FuzzCase::from_scenario(&sc);
        scenario_seeds(&name, &case, &flows, &mut out);
        if let Some(flows6) = &flows6 {
            scenario_seeds(&name, &case, flows6, &mut v6);
        }
    }
    let mut groups = BTreeSet::new();
    for p in files(scripts, &["pkt"])
        .into_iter()
        .chain(files(dialect, &["pkt"]))
    {
        let group = p.parent().map(|d| d.to_path_buf());
        if p.starts_with(scripts) && !groups.insert(group) {
            continue;
        }
        if let Ok(bytes) = fs::read(&p) {
            let base = if p.starts_with(scripts) {
                scripts
            } else {
                dialect
            };
            out.push(Seed {
                target: "script_parse",
                name: format!("{}.pkt", slug(base, &p)),
                bytes,
            });
        }
    }
    for p in files(traces, &["pcap", "pcapng"]) {
        let name = format!("trace-{}", slug(traces, &p));
        if let Ok(bytes) = fs::read(&p)
            && bytes.len() <= 16 * 1024
        {
            out.push(Seed {
                target: "pcap_read",
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
            });
        }
        match crate::replay::from_file(&p, Default::default()).and_then(|r| r.scenario()) {
            Ok((sc, _)) => {
                let case = FuzzCase::from_scenario(&sc);
                scenario_seeds(&name, &case, &flows, &mut out);
                if let Some(flows6) = &flows6 {
                    scenario_seeds(&name, &case, flows6, &mut v6);
                }
            }
            Err(e) => notes.push(format!("{}: no replay ({e}); skipped", p.display())),
        }
    }
    out.extend(v6.iter().filter_map(to_ipv6_seed));
    out.extend(session_seeds(4000, 48));
    match session_seeds6(4000, 24) {
        Ok(v) => out.extend(v),
        Err(e) => notes.push(format!("c:dual: {e}; no IPv6 tcp_session seeds")),
    }
    (out, notes)
}

/// The libFuzzer dictionary: TCP option bytes, flag combinations, and the
/// numbers the prefix states use (the engine's ISNs, the peer's ISN).
pub fn dictionary() -> String {
    let mut d = String::new();
    let _ = writeln!(
        d,
        "# tcpdiff libFuzzer dictionary (written by `tcpdiff seeds`)."
    );
    let _ = writeln!(d, "# TCP options");
    for (n, v) in [
        ("opt_eol", "\\x00"),
        ("opt_nop", "\\x01"),
        ("opt_mss_1460", "\\x02\\x04\\x05\\xb4"),
        ("opt_mss_536", "\\x02\\x04\\x02\\x18"),
        ("opt_mss_0", "\\x02\\x04\\x00\\x00"),
        ("opt_mss_short", "\\x02\\x03\\x05"),
        ("opt_wscale_7", "\\x03\\x03\\x07"),
        ("opt_wscale_14", "\\x03\\x03\\x0e"),
        ("opt_wscale_15", "\\x03\\x03\\x0f"),
        ("opt_sackok", "\\x04\\x02"),
        ("opt_sack_1", "\\x05\\x0a"),
        ("opt_sack_3", "\\x05\\x1a"),
        ("opt_ts", "\\x08\\x0a"),
        ("opt_len_0", "\\x02\\x00"),
        ("opt_len_1", "\\x08\\x01"),
        ("opt_nopnop", "\\x01\\x01"),
        ("opt_nopnopts", "\\x01\\x01\\x08\\x0a"),
        ("opt_md5", "\\x13\\x12"),
        ("opt_fastopen", "\\x22\\x02"),
        ("opt_unknown", "\\xfd\\x04"),
    ] {
        let _ = writeln!(d, "{n}=\"{v}\"");
    }
    let _ = writeln!(d, "# flag bytes");
    for (n, v) in [
        ("fl_fin", 0x01),
        ("fl_syn", 0x02),
        ("fl_rst", 0x04),
        ("fl_psh", 0x08),
        ("fl_ack", 0x10),
        ("fl_urg", 0x20),
        ("fl_ece", 0x40),
        ("fl_cwr", 0x80),
        ("fl_synack", 0x12),
        ("fl_finack", 0x11),
        ("fl_rstack", 0x14),
        ("fl_pshack", 0x18),
        ("fl_finpshack", 0x19),
        ("fl_synfin", 0x03),
        ("fl_synrst", 0x06),
        ("fl_all", 0xff),
    ] {
        let _ = writeln!(d, "{n}=\"\\x{v:02x}\"");
    }
    let _ = writeln!(d, "# data offsets (TCP header length << 4)");
    for (n, v) in [
        ("doff_5", 0x50u8),
        ("doff_6", 0x60),
        ("doff_8", 0x80),
        ("doff_15", 0xf0),
        ("doff_4", 0x40),
    ] {
        let _ = writeln!(d, "{n}=\"\\x{v:02x}\"");
    }
    let _ = writeln!(d, "# IPv4 header start, protocol TCP, addresses, ports");
    let _ = writeln!(d, "ip_ver_ihl=\"\\x45\\x00\"");
    let _ = writeln!(d, "ip_ttl_tcp=\"\\x40\\x06\"");
    let _ = writeln!(d, "ip_df=\"\\x40\\x00\"");
    let _ = writeln!(d, "ip_mf=\"\\x20\\x00\"");
    let _ = writeln!(d, "ip_peer=\"\\xc0\\x00\\x02\\x01\"");
    let _ = writeln!(d, "ip_lwip=\"\\xc0\\xa8\\x00\\x01\"");
    let _ = writeln!(d, "port_40000=\"\\x9c\\x40\"");
    let _ = writeln!(d, "port_8080=\"\\x1f\\x90\"");
    let _ = writeln!(d, "# windows");
    for (n, v) in [
        ("win_0", 0u16),
        ("win_1", 1),
        ("win_229", 229),
        ("win_65535", 65535),
        ("win_11680", 11680),
    ] {
        let b = v.to_be_bytes();
        let _ = writeln!(d, "{n}=\"\\x{:02x}\\x{:02x}\"", b[0], b[1]);
    }
    let _ = writeln!(
        d,
        "# IPv6 (tcp_input6): version/class/flow, payload length, next header and hop limit, addresses, extension headers"
    );
    let _ = writeln!(d, "ip6_ver=\"\\x60\\x00\\x00\\x00\"");
    let _ = writeln!(d, "ip6_flow=\"\\x60\\x01\\x23\\x45\"");
    let _ = writeln!(d, "ip6_tcp_hlim=\"\\x06\\x40\"");
    let hex = |b: &[u8]| b.iter().map(|x| format!("\\x{x:02x}")).collect::<String>();
    let _ = writeln!(d, "ip6_peer=\"{}\"", hex(&IPV6_REMOTE.octets()));
    let _ = writeln!(d, "ip6_lwip=\"{}\"", hex(&IPV6_LOCAL.octets()));
    for (n, v) in [
        ("ip6_nh_hopopts", 0u8),
        ("ip6_nh_routing", 43),
        ("ip6_nh_fragment", 44),
        ("ip6_nh_destopts", 60),
        ("ip6_nh_none", 59),
    ] {
        let _ = writeln!(d, "{n}=\"\\x{v:02x}\"");
    }
    // An empty options header (PadN filling its 8 bytes) before TCP.
    let _ = writeln!(
        d,
        "ip6_ext_padn_tcp=\"\\x06\\x00\\x01\\x04\\x00\\x00\\x00\\x00\""
    );
    let _ = writeln!(d, "# sequence numbers: the peer's ISN and the engine's, +1");
    let mut nums = BTreeSet::new();
    let peer = ScenarioConfig::default().remote_isn;
    nums.insert(("peer_isn_1".to_string(), peer.wrapping_add(1)));
    for i in 0..PREFIXES.len() {
        if let Some(isn) = prefix_flow(i).local_isn {
            nums.insert(("lwip_isn_1".to_string(), isn.wrapping_add(1)));
            nums.insert(("lwip_isn".to_string(), isn));
        }
    }
    for (k, (n, v)) in nums.iter().enumerate() {
        let b = v.to_be_bytes();
        let _ = writeln!(
            d,
            "{n}_{k}=\"\\x{:02x}\\x{:02x}\\x{:02x}\\x{:02x}\"",
            b[0], b[1], b[2], b[3]
        );
    }
    d
}
