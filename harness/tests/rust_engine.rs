//! The Rust engine runs the same scenarios as the C engine and the
//! comparison sees through to the port: agreement where the port is
//! complete, and a divergence the moment the port's observable behaviour
//! changes.

mod engine_pair;

use engine_pair::{both, scenario};
use harness::model::Scenario;
use harness::runner::{Trace, Verdict, compare, run_engine};

/// `both` on profile `profile`: the engines `c:PROFILE` and `rust:PROFILE`.
fn both_on(profile: &str, sc: &Scenario) -> (Trace, Trace) {
    if profile == "full" {
        return both(sc);
    }
    let mut c = harness::engine::by_name(&format!("c:{profile}")).unwrap();
    let a = run_engine(c.as_mut(), sc);
    drop(c);
    let mut r = harness::engine::by_name(&format!("rust:{profile}")).unwrap();
    let b = run_engine(r.as_mut(), sc);
    (a, b)
}

const PASSIVE_DATA_CLOSE: &str = r#"
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0    > S. 0:0(0) ack 1 win 11680 <mss 1460,nop,nop,TS val 100 ecr 100,nop,wscale 2,nop,nop,sackOK>
+0.1  < . 1:1(0) ack 1 win 257 <nop,nop,TS val 200 ecr 100>
+0    accept(3, ..., ...) = 4
+0.1  < P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 300 ecr 100>
+0    read(4, ..., 1000) = 1000
+0    write(4, ..., 3000) = 3000
+0    > . 1:1449(1448) ack 1001 <...>
+0    > . 1449:2897(1448) ack 1001 <...>
+0.1  < . 1001:1001(0) ack 2897 win 257 <nop,nop,TS val 400 ecr 100>
+0    > P. 2897:3001(104) ack 1001 <...>
+0.1  < F. 1001:1001(0) ack 3001 win 257 <nop,nop,TS val 500 ecr 100>
+0    > . 3001:3001(0) ack 1002 <...>
+0    close(4) = 0
+0    > F. 3001:3001(0) ack 1002 <...>
+0.1  < . 1002:1002(0) ack 3002 win 257 <nop,nop,TS val 600 ecr 100>
+1    close(3) = 0
"#;

#[test]
fn data_both_ways_and_close_agree_with_c() {
    let sc = scenario(PASSIVE_DATA_CLOSE);
    let (a, b) = both(&sc);
    assert!(a.failures.is_empty(), "C: {:?}", a.failures);
    assert!(b.failures.is_empty(), "Rust: {:?}", b.failures);
    // The comparison had something to compare.
    let packets: usize = b.steps.iter().map(|s| s.packets.len()).sum();
    let callbacks: usize = b.steps.iter().map(|s| s.callbacks.len()).sum();
    assert_eq!(packets, 6);
    assert!(callbacks >= 4, "accept, recv, sent..., FIN: {callbacks}");
    assert!(b.steps.iter().any(|s| !s.conns().is_empty()));
    assert_eq!(compare(&sc, &a, &b), Verdict::Same);
}

#[test]
fn connection_numbers_follow_the_c_shim() {
    // Listener keeps the socket's number 1; the accepted pcb is 2 and a
    // second socket made afterwards is 3 (connecting: its SYN is not
    // scripted, only the numbering is checked here).
    let sc = scenario(
        r#"
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 11680 <mss 1460>
+0.1  < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
+0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 5
+0    connect(5, ..., ...) = -1 EINPROGRESS
"#,
    );
    let (a, b) = both(&sc);
    assert_eq!(compare(&sc, &a, &b), Verdict::Same);
    let last = b.steps.last().unwrap();
    let mut conns: Vec<u32> = last.conns().iter().map(|s| s.conn).collect();
    conns.sort();
    assert_eq!(conns, vec![1, 2, 3]);
}

#[test]
fn a_freed_connection_reads_as_gone_in_both_engines() {
    // RST frees the pcb: write fails with ENOTCONN, close releases the fd.
    let sc = scenario(
        r#"
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 11680 <mss 1460>
+0.1  < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
+0.1  < R. 1:1(0) ack 1 win 0
+0    write(4, ..., 10) = -1 ENOTCONN
+0    close(4) = 0
"#,
    );
    let (a, b) = both(&sc);
    assert!(a.failures.is_empty(), "C: {:?}", a.failures);
    assert!(b.failures.is_empty(), "Rust: {:?}", b.failures);
    assert_eq!(compare(&sc, &a, &b), Verdict::Same);
}

#[test]
fn every_finding_stops_both_engines_with_the_same_lwip_assertion_or_leak() {
    // corpus/findings holds lwIP's own assertions and leaks reachable from
    // the wire and the API; the port must reach each one at the same step.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/findings");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "pkt") {
            continue;
        }
        // What each finding is: lwIP's assertion message and location, or
        // a leak. A new finding must be named here.
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = match name.as_str() {
            "lwip-assert-persist-after-probe-acked.pkt" => {
                "\"tcp_slowtimr: persist ticking with empty send buffer\" (tcp.c:1241)"
            }
            "lwip-assert-oversize-vs-space.pkt" => {
                "\"inconsistent oversize vs. space\" (tcp_out.c:507)"
            }
            "lwip-assert-mss-local-too-small.pkt" => "\"mss_local is too small\" (tcp_out.c:489)",
            "lwip-assert-mem-trim-last-block.pkt" => "\"invalid next ptr\" (mem.c:777)",
            "lwip-assert-split-above-mss.pkt" => "\"split <= mss\" (tcp_out.c:862)",
            "lwip-assert-split-zero.pkt" => "\"Can't split segment into length 0\" (tcp_out.c:854)",
            "lwip-assert-accept-null-no-pcb.pkt" => "\"tcp_accept_null: invalid pcb\" (tcp.c:784)",
            "lwip-assert-accept-null.pkt" => "\"pcb->listener->accept != NULL\" (tcp_in.c:952)",
            "lwip-assert-ooseq-beyond-window.pkt" => {
                "\"tcp_receive: ooseq tcplen > rcv_wnd\" (tcp_in.c:1585)"
            }
            "lwip-single-pbuf-write-past-block.pkt" => {
                "teardown \"mem_free: illegal memory: non-linked: double free\" (mem.c:648)"
            }
            "lwip-leak-refused-data-in-time-wait.pkt" => "leak",
            "lwip-leak-recv-data-after-sent-abort.pkt" => "leak",
            other => panic!("corpus/findings/{other}: say what it finds here"),
        };
        let sc = scenario(&std::fs::read_to_string(&path).unwrap());
        // On the profile the finding states (`--profiles=`), full by default.
        let profile = sc.profiles.first().map_or("full", String::as_str);
        let (a, b) = both_on(profile, &sc);
        if let Some(msg) = expected.strip_prefix("teardown ") {
            // lwIP stops at teardown (an earlier step corrupted its heap):
            // every step agrees, and both stop with the same assertion.
            assert!(
                a.steps.iter().all(|s| s.error.is_none()),
                "{}",
                path.display()
            );
            let e = a
                .teardown_error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                e.contains("lwIP assertion failed") && e.contains(msg),
                "{}: {e}",
                path.display()
            );
            assert_eq!(a.teardown_error, b.teardown_error, "{}", path.display());
            assert!(
                matches!(compare(&sc, &a, &b), Verdict::Poisoned(_)),
                "{}",
                path.display()
            );
            // Not on full: without LWIP_NETIF_TX_SINGLE_PBUF nothing is
            // overwritten.
            let (fa, fb) = both(&sc);
            assert_eq!((&fa.teardown_error, &fb.teardown_error), (&None, &None));
            n += 1;
            continue;
        }
        if expected == "leak" {
            // An lwIP leak: the same resources stay allocated on both.
            let (la, lb) = (a.leaks.clone().unwrap(), b.leaks.clone().unwrap());
            assert!(!la.in_use.is_empty(), "{}", path.display());
            assert_eq!(la, lb, "{}", path.display());
            assert!(a.steps.iter().all(|s| s.error.is_none()));
            // Every step agrees, pool and heap use included: the leak is
            // the only thing the oracles report.
            match compare(&sc, &a, &b) {
                Verdict::Diverged(d) => {
                    assert_eq!(d.step, None, "{}: {d:?}", path.display());
                    assert_eq!(d.difference.oracle, harness::oracle::Oracle::Leaks);
                }
                other => panic!("{}: {other:?}", path.display()),
            }
            n += 1;
            continue;
        }
        let err = |t: &Trace| {
            t.steps
                .iter()
                .enumerate()
                .find_map(|(i, s)| s.error.as_ref().map(|e| (i, e.to_string())))
        };
        let (ea, eb) = (err(&a), err(&b));
        assert!(
            ea.as_ref().is_some_and(|(_, e)| {
                e.contains("lwIP assertion failed") && e.contains(expected)
            }),
            "{}: {ea:?}",
            path.display()
        );
        assert_eq!(ea, eb, "{}", path.display());
        assert!(
            matches!(compare(&sc, &a, &b), Verdict::Poisoned(_)),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 4, "{n} findings");
}

#[test]
fn connection_only_calls_on_a_listener_are_refused_alike() {
    // lwIP asserts on tcp_output/tcp_recved/tcp_abort of a listening pcb;
    // the shared socket layer refuses them before either stack sees them.
    let sc = scenario(
        r#"
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0    tcp_output(3) = -1 EOPNOTSUPP
+0    tcp_recved(3, 10) = -1 EOPNOTSUPP
+0    tcp_abort(3) = -1 EOPNOTSUPP
+0    write(3, ..., 10) = -1 EOPNOTSUPP
"#,
    );
    let (a, b) = both(&sc);
    assert!(a.failures.is_empty(), "C: {:?}", a.failures);
    assert!(b.failures.is_empty(), "Rust: {:?}", b.failures);
    assert_eq!(compare(&sc, &a, &b), Verdict::Same);
}

#[test]
fn large_ooseq_segment_is_queued_as_lwip_queues_it() {
    // Once a deliberate difference (the port's 5840-byte segment slots);
    // with lwIP's pbufs the 6000-byte out-of-order segment is kept in the
    // pool pbufs it arrived in, as lwIP keeps it.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/scripts/ooseq/segment-over-5840.pkt"
    );
    let sc = scenario(&std::fs::read_to_string(path).unwrap());
    let (a, b) = both(&sc);
    assert!(
        a.failures.is_empty(),
        "lwIP holds every > line: {:?}",
        a.failures
    );
    assert!(b.failures.is_empty(), "so does the port: {:?}", b.failures);
    match compare(&sc, &a, &b) {
        Verdict::Same => {}
        other => panic!("expected the same behaviour, got {other:?}"),
    }
}

/// The port's "full" profile is the C build's, option by option: every
/// value lwIP's TCP reads, as the C compiler evaluated opt.h, lwipopts.h
/// and tcp_priv.h, equals `Config::full()`'s (the port's derived constants,
/// like TCP_SNDLOWAT's formula, are checked against C's own evaluation).
/// tcp.c's private TCP_LOCAL_PORT_RANGE_START/END are not visible to the
/// shim; the `ports/` scripts check the ports lwIP chooses.
#[test]
fn the_ports_full_profile_is_the_c_builds_options() {
    let differ = option_differences(
        &lwip_c::build_info::tcp_options(),
        &tcp_rust::Config::full(),
    );
    assert!(
        differ.is_empty(),
        "the port's full profile differs from the C build: {differ:#?}"
    );
    // The port checks its own profile as lwIP's #error lines do.
    assert_eq!(tcp_rust::Config::full().check(), Ok(()));
}

/// The same for the "minimal" profile: the port's options
/// (harness/src/engine/profiles.rs) against lwIP built with
/// lwip-c/profiles/minimal/lwipopts.h (the `c:minimal` engine's build).
#[test]
fn the_ports_minimal_profile_is_the_c_builds_options() {
    use tcp_rust::config::Profile;
    let build = harness::engine::builds::profile("minimal").unwrap();
    let r = harness::engine::profiles::Minimal::CONFIG;
    let differ = option_differences(&build.tcp_options(), &r);
    assert!(
        differ.is_empty(),
        "the port's minimal profile differs from the C build: {differ:#?}"
    );
    assert_eq!(r.check(), Ok(()));
    // And it is another profile: what it turns off is off in C.
    let c = build.tcp_options();
    assert_eq!(
        (c.lwip_wnd_scale, c.lwip_tcp_timestamps, c.lwip_tcp_sack_out),
        (0, 0, 0)
    );
}

/// The same for every other profile of harness/src/engine/profiles.rs.
#[test]
fn the_ports_other_profiles_are_the_c_builds_options() {
    use tcp_rust::config::Profile;
    for name in harness::engine::profiles::NAMES {
        let r = harness::with_port_profile!(*name, P => P::CONFIG, _ => unreachable!("{name}"));
        let build = harness::engine::builds::profile(name).unwrap();
        let differ = option_differences(&build.tcp_options(), &r);
        assert!(differ.is_empty(), "{name}: {differ:#?}");
        assert_eq!(r.check(), Ok(()), "{name}");
    }
}

/// Every option lwIP's TCP reads on which the C build `c` and the port's
/// options `r` differ.
fn option_differences(c: &lwip_c::ffi::shim_tcp_options, r: &tcp_rust::Config) -> Vec<String> {
    let b = |v: bool| u32::from(v);
    let pairs: [(&str, u32, u32); 48] = [
        ("TCP_MSS", c.tcp_mss, u32::from(r.tcp_mss)),
        ("TCP_WND", c.tcp_wnd, r.tcp_wnd),
        ("TCP_SND_BUF", c.tcp_snd_buf, r.tcp_snd_buf),
        (
            "TCP_SND_QUEUELEN",
            c.tcp_snd_queuelen,
            u32::from(r.tcp_snd_queuelen),
        ),
        ("TCP_SNDLOWAT", c.tcp_sndlowat, r.tcp_sndlowat),
        (
            "TCP_SNDQUEUELOWAT",
            c.tcp_sndqueuelowat,
            u32::from(r.tcp_sndqueuelowat),
        ),
        ("TCP_TTL", c.tcp_ttl, u32::from(r.tcp_ttl)),
        ("TCP_MAXRTX", c.tcp_maxrtx, u32::from(r.tcp_maxrtx)),
        ("TCP_SYNMAXRTX", c.tcp_synmaxrtx, u32::from(r.tcp_synmaxrtx)),
        ("TCP_QUEUE_OOSEQ", c.tcp_queue_ooseq, b(r.tcp_queue_ooseq)),
        (
            "TCP_OOSEQ_MAX_BYTES",
            c.tcp_ooseq_max_bytes,
            r.tcp_ooseq_max_bytes,
        ),
        (
            "TCP_OOSEQ_MAX_PBUFS",
            c.tcp_ooseq_max_pbufs,
            u32::from(r.tcp_ooseq_max_pbufs),
        ),
        (
            "LWIP_TCP_SACK_OUT",
            c.lwip_tcp_sack_out,
            b(r.lwip_tcp_sack_out),
        ),
        (
            "LWIP_TCP_MAX_SACK_NUM",
            c.lwip_tcp_max_sack_num,
            u32::from(r.lwip_tcp_max_sack_num),
        ),
        ("LWIP_WND_SCALE", c.lwip_wnd_scale, b(r.lwip_wnd_scale)),
        ("TCP_RCV_SCALE", c.tcp_rcv_scale, u32::from(r.tcp_rcv_scale)),
        (
            "LWIP_TCP_TIMESTAMPS",
            c.lwip_tcp_timestamps,
            b(r.lwip_tcp_timestamps),
        ),
        (
            "LWIP_TCP_KEEPALIVE",
            c.lwip_tcp_keepalive,
            b(r.lwip_tcp_keepalive),
        ),
        (
            "TCP_LISTEN_BACKLOG",
            c.tcp_listen_backlog,
            b(r.tcp_listen_backlog),
        ),
        (
            "TCP_DEFAULT_LISTEN_BACKLOG",
            c.tcp_default_listen_backlog,
            u32::from(r.tcp_default_listen_backlog),
        ),
        (
            "TCP_WND_UPDATE_THRESHOLD",
            c.tcp_wnd_update_threshold,
            r.tcp_wnd_update_threshold,
        ),
        ("TCP_OVERSIZE", c.tcp_oversize, u32::from(r.tcp_oversize)),
        (
            "TCP_CALCULATE_EFF_SEND_MSS",
            c.tcp_calculate_eff_send_mss,
            b(r.tcp_calculate_eff_send_mss),
        ),
        (
            "LWIP_TCP_RTO_TIME",
            c.lwip_tcp_rto_time,
            r.lwip_tcp_rto_time,
        ),
        (
            "MEMP_NUM_TCP_PCB",
            c.memp_num_tcp_pcb,
            u32::from(r.memp_num_tcp_pcb),
        ),
        (
            "MEMP_NUM_TCP_PCB_LISTEN",
            c.memp_num_tcp_pcb_listen,
            u32::from(r.memp_num_tcp_pcb_listen),
        ),
        (
            "MEMP_NUM_TCP_SEG",
            c.memp_num_tcp_seg,
            u32::from(r.memp_num_tcp_seg),
        ),
        (
            "PBUF_POOL_SIZE",
            c.pbuf_pool_size,
            u32::from(r.pbuf_pool_size),
        ),
        (
            "PBUF_POOL_BUFSIZE",
            c.pbuf_pool_bufsize,
            u32::from(r.pbuf_pool_bufsize),
        ),
        (
            "PBUF_LINK_HLEN",
            c.pbuf_link_hlen,
            u32::from(r.pbuf_link_hlen),
        ),
        (
            "PBUF_LINK_ENCAPSULATION_HLEN",
            c.pbuf_link_encapsulation_hlen,
            u32::from(r.pbuf_link_encapsulation_hlen),
        ),
        ("MEMP_NUM_PBUF", c.memp_num_pbuf, u32::from(r.memp_num_pbuf)),
        ("MEM_SIZE", c.mem_size, r.mem_size),
        ("MEM_ALIGNMENT", c.mem_alignment, u32::from(r.mem_alignment)),
        (
            "sizeof(struct pbuf)",
            c.sizeof_struct_pbuf,
            u32::from(r.sizeof_struct_pbuf),
        ),
        (
            "LWIP_RAND defined",
            c.lwip_rand_defined,
            b(r.lwip_rand_defined),
        ),
        (
            "TCP_KEEPIDLE_DEFAULT",
            c.tcp_keepidle_default,
            r.tcp_keepidle_default,
        ),
        (
            "TCP_KEEPINTVL_DEFAULT",
            c.tcp_keepintvl_default,
            r.tcp_keepintvl_default,
        ),
        (
            "TCP_KEEPCNT_DEFAULT",
            c.tcp_keepcnt_default,
            r.tcp_keepcnt_default,
        ),
        ("TCP_MSL", c.tcp_msl, r.tcp_msl),
        (
            "TCP_FIN_WAIT_TIMEOUT",
            c.tcp_fin_wait_timeout,
            r.tcp_fin_wait_timeout,
        ),
        (
            "TCP_SYN_RCVD_TIMEOUT",
            c.tcp_syn_rcvd_timeout,
            r.tcp_syn_rcvd_timeout,
        ),
        ("TCP_TMR_INTERVAL", c.tcp_tmr_interval, r.tcp_tmr_interval),
        (
            "CHECKSUM_GEN_TCP",
            c.checksum_gen_tcp,
            b(r.checksum_gen_tcp),
        ),
        (
            "CHECKSUM_CHECK_TCP",
            c.checksum_check_tcp,
            b(r.checksum_check_tcp),
        ),
        ("TCP_STATS", c.tcp_stats, b(r.tcp_stats)),
        ("MIB2_STATS", c.mib2_stats, b(r.mib2_stats)),
        (
            "LWIP_NETIF_TX_SINGLE_PBUF",
            c.lwip_netif_tx_single_pbuf,
            b(r.lwip_netif_tx_single_pbuf),
        ),
    ];
    pairs
        .iter()
        .filter(|(_, c, r)| c != r)
        .map(|(n, c, r)| format!("{n}: C {c}, port {r}"))
        .collect()
}

/// Every profile in lwip-c/profiles has the port's options, so that
/// `regress --profiles all` runs each (a new lwipopts.h without them is
/// noticed here, not skipped), or is listed as lwIP-only with its reason,
/// which `rust:NAME` gives.
#[test]
fn every_lwip_c_profile_is_a_port_profile_or_listed_c_only() {
    let mut all: Vec<String> = harness::engine::profiles::ALL
        .iter()
        .chain(harness::engine::profiles::C_ONLY.iter().map(|(n, _)| n))
        .map(|p| p.to_string())
        .collect();
    all.sort();
    assert_eq!(lwip_c::loaded::profile_names(), all);
    for (name, why) in harness::engine::profiles::C_ONLY {
        let err = harness::engine::by_name(&format!("rust:{name}"))
            .err()
            .unwrap_or_else(|| panic!("rust:{name} made an engine"));
        assert!(err.contains(why), "rust:{name}: {err}");
    }
}
