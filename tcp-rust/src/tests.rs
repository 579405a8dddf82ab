//! Byte-level tests of the engine, in smoltcp's style: a peer that builds
//! segments (`send!`), the packets the stack emitted (`recv!`), per-state
//! fixtures (helpers in `test_support.rs`). Expected values are those the
//! lwip-c tests pin for the C original (lwip-c/tests/stack.rs).

use std::vec;
use std::vec::Vec;

use crate::err::Err;
use crate::stack::{Callback, Handle, WriteFlags};
use crate::state::{TF_ACK_DELAY, TF_NAGLEMEMERR, TcpState};
use crate::test_support::NullApp;
use crate::test_support::*;
use crate::{Config, Netif, Profile};

#[test]
fn rst_for_segment_to_closed_port() {
    let mut s = stack();
    let mut peer = Peer::new(40006, 9999, 12345);
    send!(s, &mut NullApp, peer.seg(SYN, &linux_syn_options(1), &[]));
    let out = core::mem::take(&mut s.hooks.out);
    assert_eq!(out.len(), 1);
    let expected = Seg {
        src: LWIP_IP,
        dst: PEER_IP,
        ttl: 255,
        ip_id: 0,
        sport: 9999,
        dport: 40006,
        seq: 0,
        ack: 12346,
        flags: RST | ACK,
        wnd: 0x680b, // lwIP's double byte swap of 2920
        options: vec![],
        payload: vec![],
    };
    assert_eq!(out[0], expected.bytes());
}

/// Without LWIP_WND_SCALE tcp_rst puts `PP_HTONS(TCP_WND)` through
/// `lwip_htons` again: opt.h's TCP_WND 2144 (0x0860) goes out as 0x6008.
#[test]
fn rst_window_without_window_scaling() {
    struct OptH;
    impl Profile for OptH {
        const CONFIG: Config = Config::opt_h_defaults();
        type Storage = crate::storage::Pools;
    }
    let mut s = stack_for::<OptH>(Netif::default());
    let mut peer = Peer::new(40006, 9999, 12345);
    send!(s, &mut NullApp, peer.seg(SYN, &[], &[]));
    let out = core::mem::take(&mut s.hooks.out);
    assert_eq!(out.len(), 1);
    let rst = Seg::parse(&out[0]);
    assert_eq!((rst.flags, rst.wnd), (RST | ACK, 0x6008));
}

#[test]
fn ip_checks_drop_silently() {
    let mut s = stack();
    let mut peer = Peer::new(1, 2, 3);
    let good = peer.seg(SYN, &[], &[]);
    let mut bad_sum = good.clone();
    bad_sum[10] ^= 1;
    let mut frag = good.clone();
    frag[6] = 0x20; // MF
    let mut other_dst = good.clone();
    other_dst[19] = 9;
    let mut bad_tcp = good.clone();
    bad_tcp[30] ^= 1;
    for p in [
        bad_sum,
        frag,
        other_dst,
        bad_tcp,
        vec![],
        vec![0x45],
        good[..30].to_vec(),
    ] {
        assert_eq!(s.input(&p, &mut NullApp).unwrap(), Err::Ok);
    }
    assert!(recv!(s).is_empty());
    send!(s, &mut NullApp, good);
    assert_eq!(recv!(s).len(), 1, "the intact packet gets its RST");
}

#[test]
fn passive_open_syn_ack_bytes_and_accept() {
    let mut s = stack();
    let mut app = TestApp::default();
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], 8080).unwrap(), Err::Ok);
    let (l, err) = s.tcp_listen_with_backlog_and_err(l, 4).unwrap();
    assert_eq!(err, Err::Ok);
    let l = l.unwrap();
    let mut peer = Peer::new(40000, 8080, 100);
    s.advance_to(1000, &mut app).unwrap();
    send!(s, &mut app, peer.seg(SYN, &linux_syn_options(7), &[]));
    let out = recv!(s);
    let mut opts = vec![2, 4, 0x05, 0xb4];
    opts.extend(ts(1000, 7));
    opts.extend([1, 3, 3, 2, 1, 1, 4, 2]);
    let expected = Seg {
        src: LWIP_IP,
        dst: PEER_IP,
        ttl: 255,
        ip_id: 0,
        sport: 8080,
        dport: 40000,
        seq: ISN,
        ack: 101,
        flags: SYN | ACK,
        wnd: 11680,
        options: opts,
        payload: vec![],
    };
    assert_eq!(out, vec![expected]);
    assert!(events(&mut s).is_empty());
    peer.saw(&out[0]);
    send!(s, &mut app, peer.seg(ACK, &ts(8, 1000), &[]));
    let new = app.accepted[0];
    assert_eq!(
        events(&mut s),
        vec![(
            Callback::Accept {
                listener: l,
                new: Some(new),
                err: Err::Ok
            },
            Some(Err::Ok)
        )]
    );
    let p = s.pcb(new).unwrap();
    assert_eq!(p.state, TcpState::Established);
    assert_eq!((p.rcv_nxt, p.snd_nxt, p.lastack), (101, ISN + 1, ISN + 1));
    assert_eq!((p.snd_scale, p.rcv_scale, p.mss), (7, 2, 1460));
}

#[test]
fn active_open_syn_bytes_and_connected() {
    let mut s = stack();
    let mut app = NullApp;
    let pcb = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_connect(pcb, PEER_IP, 80).unwrap(), Err::Ok);
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    let syn = &out[0];
    assert!((0xc000..=0xffff).contains(&syn.sport));
    let mut opts = vec![2, 4, 0x05, 0xb4];
    opts.extend(ts(0, 0));
    opts.extend([1, 3, 3, 2, 1, 1, 4, 2]);
    assert_eq!(
        (
            syn.seq,
            syn.ack,
            syn.flags,
            syn.wnd,
            &syn.options,
            syn.ip_id
        ),
        (ISN - 1, 0, SYN, 11680, &opts, 0)
    );
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::SynSent);
    let mut peer = Peer::new(80, syn.sport, 5000);
    peer.saw(syn);
    let mut o = vec![2, 4, 0x05, 0xb4, 1, 1, 4, 2];
    o.extend(ts(77, 0));
    o.extend([1, 3, 3, 7]);
    s.advance_to(100, &mut app).unwrap();
    send!(s, &mut app, peer.seg(SYN | ACK, &o, &[]));
    let ev = events(&mut s);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].0, Callback::Connected { pcb, err: Err::Ok });
    let ack = recv!(s);
    assert_eq!(ack.len(), 1);
    assert_eq!((ack[0].flags, ack[0].seq, ack[0].ack), (ACK, ISN, 5001));
    assert_eq!(ack[0].options, ts(100, 77));
    assert_eq!(ack[0].wnd, (11680 >> 2) as u16);
    assert_eq!(ack[0].ip_id, 1);
}

#[test]
fn data_both_ways_and_delayed_ack_from_fast_timer() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40001, 7, 1_000_000);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    s.advance_to(1010, &mut app).unwrap();
    let data: Vec<u8> = (0..100u8).collect();
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(3, 0), &data));
    assert_eq!(app.received, data);
    assert_eq!(
        events(&mut s),
        vec![(
            Callback::Recv {
                pcb,
                len: Some(100),
                err: Err::Ok
            },
            Some(Err::Ok)
        )]
    );
    assert!(recv!(s).is_empty(), "the ACK is delayed");
    assert_ne!(s.pcb(pcb).unwrap().flags & TF_ACK_DELAY, 0);
    s.advance_to(1249, &mut app).unwrap();
    assert!(recv!(s).is_empty());
    s.advance_to(1250, &mut app).unwrap();
    let acks = recv!(s);
    assert_eq!(acks.len(), 1);
    assert_eq!((acks[0].flags, acks[0].ack), (ACK, 1_000_001 + 100));
    let msg = b"hello from lwIP, fifty bytes of payload, exactly.";
    assert_eq!(s.tcp_write(pcb, msg, WriteFlags::COPY).unwrap(), Err::Ok);
    assert_eq!(s.tcp_output(pcb).unwrap(), Err::Ok);
    let segs = recv!(s);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].payload, msg);
    assert_eq!((segs[0].flags, segs[0].seq), (PSH | ACK, ISN + 1));
    peer.saw(&segs[0]);
    send!(s, &mut app, peer.seg(ACK, &ts(4, 1250), &[]));
    assert_eq!(events(&mut s)[0].0, Callback::Sent { pcb, len: 49 });
}

#[test]
fn recv_callback_writes_inside_the_input_call() {
    let mut s = stack();
    let mut app = TestApp {
        echo: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40002, 7, 9);
    established(&mut s, &mut app, 7, &mut peer);
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(3, 0), b"ping"));
    let segs = recv!(s);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].payload, b"ping");
    assert_eq!(segs[0].ack, 9 + 1 + 4);
}

#[test]
fn local_close_through_time_wait_expiry() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40003, 7, 500);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    assert_eq!(s.tcp_close(pcb).unwrap(), Err::Ok);
    let fin = recv!(s);
    assert_eq!(fin.len(), 1);
    assert_eq!((fin[0].flags, fin[0].seq), (FIN | ACK, ISN + 1));
    peer.saw(&fin[0]);
    send!(s, &mut app, peer.seg(ACK, &ts(5, 0), &[]));
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::FinWait2);
    send!(s, &mut app, peer.seg(FIN | ACK, &ts(6, 0), &[]));
    let ack = recv!(s);
    assert_eq!(ack.len(), 1);
    assert_eq!((ack[0].flags, ack[0].ack), (ACK, 502));
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::TimeWait);
    let t0 = s.now();
    s.advance_to(t0 + 119_000, &mut app).unwrap();
    assert!(s.is_valid(pcb));
    s.advance_to(t0 + 121_000, &mut app).unwrap();
    assert!(!s.is_valid(pcb), "TIME_WAIT expired after 2*MSL");
    assert!(recv!(s).is_empty());
    assert_eq!(s.pcbs_used(), 0);
}

#[test]
fn remote_close_through_last_ack() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40004, 7, 700);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    send!(s, &mut app, peer.seg(FIN | ACK, &ts(6, 0), &[]));
    assert_eq!(app.fins, 1);
    assert_eq!(
        events(&mut s)[0].0,
        Callback::Recv {
            pcb,
            len: None,
            err: Err::Ok
        }
    );
    let fin = recv!(s);
    assert_eq!(fin.len(), 1);
    assert_eq!((fin[0].flags, fin[0].ack), (FIN | ACK, 702));
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::LastAck);
    peer.saw(&fin[0]);
    send!(s, &mut app, peer.seg(ACK, &ts(7, 0), &[]));
    assert!(!s.is_valid(pcb));
    assert_eq!(s.segs_used(), 0);
}

#[test]
fn recv_callback_aborts_and_returns_err_abrt() {
    let mut s = stack();
    let mut app = TestApp {
        abort_in_recv: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40007, 7, 42);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(3, 0), b"boom"));
    assert_eq!(
        events(&mut s),
        vec![
            (
                Callback::Recv {
                    pcb,
                    len: Some(4),
                    err: Err::Ok
                },
                Some(Err::Abrt)
            ),
            (
                Callback::Err {
                    pcb,
                    err: Err::Abrt
                },
                None
            ),
        ]
    );
    let segs = recv!(s);
    assert_eq!(segs.len(), 1);
    assert_eq!(
        (segs[0].flags, segs[0].seq, segs[0].ack),
        (RST | ACK, ISN + 1, 47)
    );
    assert!(s.tcp_output(pcb).is_err());
    // The err callback reached the application too, inside its own recv
    // (tcp_abort was called with it).
    assert_eq!(app.errs, vec![(pcb, Err::Abrt)]);
}

/// `TCP_EVENT_ERR` reaches the application, with the freed pcb's handle,
/// for a RST from the peer, for `tcp_abort`, and not at all once the
/// application unset `errf`.
#[test]
fn err_callbacks_reach_the_application() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40008, 7, 42);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    send!(s, &mut app, peer.seg(RST, &[], &[]));
    assert!(!s.is_valid(pcb));
    assert_eq!(app.errs, vec![(pcb, Err::Rst)]);

    let mut s = stack();
    let mut app = TestApp::default();
    let (_, pcb) = established(&mut s, &mut app, 7, &mut Peer::new(40009, 7, 42));
    s.tcp_abort(pcb, &mut app).unwrap();
    assert_eq!(app.errs, vec![(pcb, Err::Abrt)]);

    let mut s = stack();
    let mut app = TestApp::default();
    let (_, pcb) = established(&mut s, &mut app, 7, &mut Peer::new(40010, 7, 42));
    s.tcp_err(pcb, false).unwrap();
    s.tcp_abort(pcb, &mut app).unwrap();
    assert!(app.errs.is_empty(), "no errf, no err callback");
}

#[test]
fn tcp_write_err_mem_when_send_buffer_is_full() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40008, 7, 1);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    assert_eq!(s.tcp_sndbuf(pcb).unwrap(), 5840);
    let chunk = [0x5a; 1000];
    for _ in 0..5 {
        assert_eq!(s.tcp_write(pcb, &chunk, WriteFlags::COPY).unwrap(), Err::Ok);
    }
    assert_eq!(s.tcp_sndbuf(pcb).unwrap(), 840);
    assert_eq!(
        s.tcp_write(pcb, &chunk, WriteFlags::COPY).unwrap(),
        Err::Mem
    );
    assert_ne!(s.pcb(pcb).unwrap().flags & TF_NAGLEMEMERR, 0);
    assert_eq!(s.unsent_bytes(pcb).unwrap(), 5000);
    assert_eq!(
        s.tcp_write(pcb, &chunk[..840], WriteFlags::COPY).unwrap(),
        Err::Ok
    );
}

#[test]
fn tcp_write_err_mem_when_send_queue_is_full() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40009, 7, 1);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    let mut writes = 0;
    let nocopy_more = WriteFlags {
        copy: false,
        more: true,
    };
    while write_ref(&mut s, pcb, b"x", nocopy_more).unwrap() == Err::Ok {
        writes += 1;
        assert!(writes < 100);
    }
    assert_eq!(s.tcp_sndbuf(pcb).unwrap(), 5840 - writes);
    let q = s.tcp_sndqueuelen(pcb).unwrap();
    assert!(q <= 16 && q > 14, "{q}");
}

#[test]
fn listen_backlog_limits_half_open_connections() {
    let mut s = stack();
    let mut app = TestApp::default();
    let l = s.tcp_new(&mut NullApp).unwrap();
    s.tcp_bind(l, [0; 4], 22).unwrap();
    let l = s.tcp_listen_with_backlog_and_err(l, 1).unwrap().0.unwrap();
    let mut a = Peer::new(50001, 22, 10);
    let mut b = Peer::new(50002, 22, 20);
    send!(s, &mut app, a.seg(SYN, &linux_syn_options(1), &[]));
    let synack_a = recv!(s);
    assert_eq!(synack_a.len(), 1);
    assert_eq!(s.listen_pcb(l).unwrap().accepts_pending, 1);
    let b_syn = b.seg(SYN, &linux_syn_options(1), &[]);
    send!(s, &mut app, b_syn);
    assert!(recv!(s).is_empty());
    a.saw(&synack_a[0]);
    send!(s, &mut app, a.seg(ACK, &ts(2, 0), &[]));
    assert_eq!(app.accepted.len(), 1);
    assert_eq!(s.listen_pcb(l).unwrap().accepts_pending, 0);
    send!(s, &mut app, b_syn);
    let synack_b = recv!(s);
    assert_eq!(synack_b.len(), 1);
    assert_eq!(synack_b[0].dport, 50002);
}

#[test]
fn refused_data_is_kept_and_redelivered_by_the_fast_timer() {
    let mut s = stack();
    let mut app = TestApp {
        refuse_recv: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40010, 7, 3);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(3, 0), b"later"));
    assert_eq!(s.refused_bytes(pcb).unwrap(), 5);
    app.refuse_recv = false;
    let t = s.now() + 250;
    s.advance_to(t, &mut app).unwrap();
    assert_eq!(app.received, b"later");
    let recvs = events(&mut s)
        .iter()
        .filter(|e| matches!(e.0, Callback::Recv { .. }))
        .count();
    assert_eq!(recvs, 2);
    assert_eq!(s.refused_bytes(pcb).unwrap(), 0);
}

#[test]
fn process_refused_data_called_by_the_application() {
    // tcp_process_refused_data(pcb) as an application may call it: refused
    // data goes to the recv callback again; without refused data nothing
    // happens (lwIP's callers check first).
    let mut s = stack();
    let mut app = TestApp {
        refuse_recv: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40011, 7, 3);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    assert_eq!(
        s.tcp_process_refused_data_api(pcb, &mut app).unwrap(),
        Err::Ok
    );
    assert!(events(&mut s).is_empty(), "nothing refused, no callback");
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(3, 0), b"again"));
    assert_eq!(s.refused_bytes(pcb).unwrap(), 5);
    app.refuse_recv = false;
    assert_eq!(
        s.tcp_process_refused_data_api(pcb, &mut app).unwrap(),
        Err::Ok
    );
    assert_eq!(app.received, b"again");
    assert_eq!(s.refused_bytes(pcb).unwrap(), 0);
    let null = s.tcp_process_refused_data_api(crate::stack::Handle::NULL, &mut app);
    assert_eq!(null.unwrap(), Err::Arg);
}

#[test]
fn pcb_purge_called_by_the_application() {
    // tcp_pcb_purge(pcb) frees a live pcb's queued segments (here: unsent
    // data: written, not yet output).
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40012, 7, 3);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    assert_eq!(
        s.tcp_write(pcb, &[1; 100], WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    assert!(s.segs_used() > 0);
    s.tcp_pcb_purge_api(pcb).unwrap();
    assert_eq!(s.segs_used(), 0);
    assert_eq!(s.tcp_pcb_purge_api(crate::stack::Handle::NULL), Ok(()));
}

#[test]
fn out_of_pcbs_and_bind_in_use() {
    let mut s = stack();
    let mut made = Vec::new();
    while let Some(p) = s.tcp_new(&mut NullApp) {
        made.push(p);
        assert!(made.len() <= 5);
    }
    assert_eq!(made.len(), 5);
    assert_eq!(s.tcp_bind(made[0], [0; 4], 5000).unwrap(), Err::Ok);
    assert_eq!(s.tcp_bind(made[1], [0; 4], 5000).unwrap(), Err::Use);
    assert_eq!(s.tcp_close(made[0]).unwrap(), Err::Ok);
    assert!(!s.is_valid(made[0]));
    assert!(
        s.tcp_new(&mut NullApp).is_some(),
        "the handle is dead, the slot reused"
    );
}

#[test]
fn syn_rcvd_expires_after_timeout() {
    let mut s = stack();
    let mut app = TestApp::default();
    let l = s.tcp_new(&mut NullApp).unwrap();
    s.tcp_bind(l, [0; 4], 80).unwrap();
    s.tcp_listen_with_backlog_and_err(l, 2).unwrap();
    let mut a = Peer::new(50001, 80, 10);
    send!(s, &mut app, a.seg(SYN, &linux_syn_options(1), &[]));
    assert_eq!(s.pcbs_used(), 1);
    s.advance_to(30_000, &mut app).unwrap();
    assert_eq!(
        s.pcbs_used(),
        0,
        "SYN_RCVD removed after TCP_SYN_RCVD_TIMEOUT"
    );
}

#[test]
fn input_takes_packets_up_to_the_ipv4_limit() {
    // A 65,535-byte packet is a packet (the pool is too small for it:
    // ERR_MEM, as pbuf_alloc fails); one byte more is not IPv4 (ERR_ARG).
    let mut s = stack();
    let mut app = NullApp;
    assert_eq!(s.input(&vec![0u8; 0xffff], &mut app).unwrap(), Err::Mem);
    assert_eq!(s.input(&vec![0u8; 0x1_0000], &mut app).unwrap(), Err::Arg);
}

#[test]
fn profiles_fit_up_to_the_ports_storage() {
    // Each storage limit of the port at its capacity (a valid profile that
    // fits) and one past it (valid for lwIP, refused by `fits_storage`, so
    // `config::checked` stops its build; see the compile_fail examples
    // there).
    use crate::config::fits_storage;
    use crate::pbuf::{MEMP_PBUF_CAP, PBUF_HDR, PBUF_POOL_BYTES};
    use crate::stack::MAX_SACKS;
    use crate::storage::{MAX_LISTEN_PCBS, MAX_PCBS, MAX_SEGS, Pools};
    type Edit = fn(&mut Config, u32);
    let limits: [(&str, Edit, usize); 6] = [
        ("pcbs", |c, n| c.memp_num_tcp_pcb = n as u16, MAX_PCBS),
        (
            "listen pcbs",
            |c, n| c.memp_num_tcp_pcb_listen = n as u16,
            MAX_LISTEN_PCBS,
        ),
        ("segments", |c, n| c.memp_num_tcp_seg = n as u16, MAX_SEGS),
        (
            "PBUF_POOL_SIZE",
            |c, n| c.pbuf_pool_size = n as u16,
            PBUF_POOL_BYTES / (PBUF_HDR + 1536),
        ),
        (
            "MEMP_NUM_PBUF",
            |c, n| c.memp_num_pbuf = n as u16,
            MEMP_PBUF_CAP,
        ),
        (
            "SACK blocks",
            |c, n| c.lwip_tcp_max_sack_num = n as u8,
            MAX_SACKS,
        ),
    ];
    assert!(fits_storage::<Pools>(&Config::full()));
    for (what, edit, cap) in limits {
        let mut at = Config::full();
        edit(&mut at, cap as u32);
        assert_eq!(
            at.check(),
            Ok(()),
            "{what}: the profile at the cap is valid"
        );
        assert!(fits_storage::<Pools>(&at), "{what} at the cap");
        let mut over = Config::full();
        edit(&mut over, cap as u32 + 1);
        assert_eq!(
            over.check(),
            Ok(()),
            "{what}: the profile past the cap is valid"
        );
        assert!(!fits_storage::<Pools>(&over), "{what} past the cap");
    }
}

#[test]
fn ephemeral_ports_run_out_and_the_search_resumes_where_it_stopped() {
    // tcp_new_port with a three-port range (END itself is never used) and
    // no LWIP_RAND, so the search starts at TCP_LOCAL_PORT_RANGE_START:
    // three binds to port 0 take 0xc001, 0xc002, 0xc000; the fourth finds
    // every port in use after END - START + 1 = 4 tries and tcp_bind fails
    // with ERR_BUF, leaving tcp_port at 0xc001 (the fourth try).
    struct FourPorts;
    impl Profile for FourPorts {
        const CONFIG: Config = Config {
            tcp_local_port_range_start: 0xc000,
            tcp_local_port_range_end: 0xc003,
            lwip_rand_defined: false,
            ..Config::full()
        };
        type Storage = crate::storage::Pools;
    }
    let mut s = stack_for::<FourPorts>(Netif::default());
    let mut pcbs = Vec::new();
    for want in [0xc001, 0xc002, 0xc000] {
        let h = s.tcp_new(&mut NullApp).unwrap();
        assert_eq!(s.tcp_bind(h, [0; 4], 0).unwrap(), Err::Ok);
        assert_eq!(s.pcb(h).unwrap().local_port, want);
        pcbs.push(h);
    }
    let h = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(h, [0; 4], 0).unwrap(), Err::Buf);
    // Free 0xc001 and 0xc000: the search goes on from 0xc001, so it passes
    // 0xc002 (in use) and takes 0xc000, not 0xc001.
    assert_eq!(s.tcp_close(pcbs[0]).unwrap(), Err::Ok);
    assert_eq!(s.tcp_close(pcbs[2]).unwrap(), Err::Ok);
    assert_eq!(s.tcp_bind(h, [0; 4], 0).unwrap(), Err::Ok);
    assert_eq!(s.pcb(h).unwrap().local_port, 0xc000);
}

#[test]
fn every_callback_reaches_the_hooks_log() {
    // 70 poll callbacks (tcp_poll interval 1: every slow tick) in one
    // advance: the stack keeps no log of its own, each goes to
    // Hooks::callback_made with its return value.
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40010, 7001, 5000);
    let (_l, pcb) = established(&mut s, &mut app, 7001, &mut peer);
    s.tcp_poll(pcb, true, 1).unwrap();
    events(&mut s);
    s.advance_to(70 * 500 + 100, &mut app).unwrap();
    let ev = events(&mut s);
    assert_eq!(ev.len(), 70);
    assert!(
        ev.iter()
            .all(|e| *e == (Callback::Poll { pcb }, Some(Err::Ok)))
    );
}

#[test]
fn a_zeroed_stack_does_nothing_until_reset_then_is_new() {
    // Tcp::zeroed is what a `static` holds (all zero, no configuration):
    // every pool is empty, so nothing is allocated and nothing goes out.
    let mut z: Box<T> = Box::new(T::zeroed(TestHooks::default()));
    let mut app = TestApp::default();
    let syn = Peer::new(40011, 7002, 6000).seg(SYN, &[], &[]);
    assert_eq!(z.input(&syn, &mut app), Ok(Err::Mem), "no pbuf pool yet");
    assert_eq!(z.tcp_new(&mut NullApp), None, "no pcb pool yet");
    assert!(z.hooks.out.is_empty() && events(&mut z).is_empty());
    assert_eq!(
        (z.pool_pbufs_used(), z.memp_pbufs_used(), z.heap_used()),
        (0, 0, 0)
    );
    // Configured in place, it behaves as Tcp::new's stack: the same
    // handshake leaves the same pcb.
    z.reset(Netif::default()).unwrap();
    let mut n = stack();
    let mut app_n = TestApp::default();
    let mut peer = Peer::new(40011, 7002, 6000);
    let mut peer_n = Peer::new(40011, 7002, 6000);
    let (_, a) = established(&mut z, &mut app, 7002, &mut peer);
    let (_, b) = established(&mut n, &mut app_n, 7002, &mut peer_n);
    assert_eq!(z.pcb(a).unwrap(), n.pcb(b).unwrap());
}

#[test]
fn api_results_are_two_words() {
    // ApiError is a handle or one reference (an Assertion), so that every
    // API call's result comes back in registers on x86_64 (flash: see
    // docs/PERFORMANCE.md, "Footprint").
    use crate::stack::ApiError;
    let word = core::mem::size_of::<usize>();
    assert!(core::mem::size_of::<ApiError>() <= 2 * word);
    assert!(core::mem::size_of::<Result<u8, ApiError>>() <= 2 * word);
    assert!(core::mem::size_of::<Result<Err, ApiError>>() <= 2 * word);
}

/// `tcp_input_from` (lwIP's `tcp_input(p, inp)`, as an IP layer below
/// calls it) takes the TCP segment with its addresses and netif: the same
/// SYN answered byte for byte as through the port's own IPv4 input, and a
/// segment for another netif's listener (`tcp_bind_netif`) refused with a
/// RST, as lwIP's `tcp_input` skips pcbs bound to another netif.
#[test]
fn tcp_input_from_an_ip_layer_below() {
    use crate::ip4::PortNetif;
    use crate::pbuf::{PbufStore, PbufType};
    let listen = |s: &mut Box<T>, port: u16| {
        let l = s.tcp_new(&mut NullApp).unwrap();
        assert_eq!(s.tcp_bind(l, [0; 4], port).unwrap(), Err::Ok);
        s.tcp_listen_with_backlog_and_err(l, 4).unwrap().0.unwrap()
    };
    let syn = Peer::new(40011, 8080, 100).seg(SYN, &linux_syn_options(7), &[]);
    let (mut a, mut b) = (stack(), stack());
    listen(&mut a, 8080);
    listen(&mut b, 8080);
    send!(a, &mut NullApp, syn);
    let tcp = &syn[20..];
    let p = b
        .pbufs
        .pbuf_alloc(0, tcp.len() as u16, PbufType::Pool)
        .unwrap();
    assert!(b.pbufs.pbuf_take(p, tcp));
    b.tcp_input_from(p, PEER_IP, LWIP_IP, PortNetif, &mut NullApp)
        .unwrap();
    let (out_a, out_b) = (recv!(a), recv!(b));
    assert_eq!(out_a.len(), 1);
    assert_eq!(out_a, out_b);
    assert_eq!(b.pool_pbufs_used(), a.pool_pbufs_used());

    // A listener bound to a netif index that is not the input netif's.
    let mut c = stack();
    let l = listen(&mut c, 8080);
    c.lp(c.resolve_listen(l).unwrap()).netif_idx = 2;
    send!(c, &mut NullApp, syn);
    let out = recv!(c);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, RST | ACK);
}

/// The conversions the C side's pointers go through: a live handle's pcb
/// and back, for connections and listeners; a freed one names nothing.
/// `tcp_arg` takes both kinds and NULL, and reports a freed handle.
#[test]
fn handles_and_pcbs_convert_both_ways() {
    let mut s = stack();
    let mut app = TestApp::default();
    let (l, pcb) = established(&mut s, &mut app, 7, &mut Peer::new(40012, 7, 42));
    let other = s.tcp_new(&mut NullApp).unwrap();
    let (i, j) = (s.pcb_of(pcb).unwrap(), s.pcb_of(other).unwrap());
    assert_ne!(i, j);
    assert_eq!((s.handle_of_pcb(i), s.handle_of_pcb(j)), (pcb, other));
    let li = s.lpcb_of(l).unwrap();
    assert_eq!(s.handle_of_lpcb(li), l);
    assert!(s.pcb_of(l).is_err() && s.lpcb_of(pcb).is_err());
    for h in [Handle::NULL, l, pcb] {
        assert_eq!(s.tcp_arg(h, ()), Ok(()));
    }
    s.tcp_abort(other, &mut app).unwrap();
    assert_eq!(s.pcb_of(other), Err(crate::ApiError::Invalid(other)));
    assert_eq!(s.tcp_arg(other, ()), Err(crate::ApiError::Invalid(other)));
}

/// The entries lwIP's other files and tests call besides the raw API:
/// `tcp_free_ooseq` (pbuf.c, when the pool runs dry), `tcp_rst` with and
/// without a pcb, `tcp_netif_ip_addr_changed` (netif.c; NULL addresses
/// are "any").
#[test]
fn entries_for_lwips_other_files() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40013, 7, 42);
    let (_, pcb) = established(&mut s, &mut app, 7, &mut peer);
    // A segment past a hole goes to ooseq; tcp_free_ooseq drops it.
    peer.seq = peer.seq.wrapping_add(100);
    send!(s, &mut app, peer.seg(ACK, &ts(3, 0), b"later"));
    assert_eq!(recv!(s).len(), 1, "the ACK for the hole");
    assert_eq!(s.segs_used(), 1);
    s.tcp_free_ooseq_api(pcb).unwrap();
    assert_eq!(s.segs_used(), 0);
    assert!(s.tcp_free_ooseq_api(Handle::NULL).is_err());

    // tcp_rst: for the pcb, and without one (routed).
    s.tcp_rst_api(pcb, 5, 6, &LWIP_IP, &PEER_IP, 7, 40013)
        .unwrap();
    s.tcp_rst_api(Handle::NULL, 7, 8, &LWIP_IP, &PEER_IP, 7, 40014)
        .unwrap();
    let out = recv!(s);
    let got: Vec<_> = out
        .iter()
        .map(|o| (o.flags, o.seq, o.ack, o.dport))
        .collect();
    assert_eq!(
        got,
        vec![(RST | ACK, 5, 6, 40013), (RST | ACK, 7, 8, 40014)]
    );
    // No route to a loopback address: nothing goes out.
    s.tcp_rst_api(Handle::NULL, 7, 8, &LWIP_IP, &[127, 0, 0, 1], 7, 1)
        .unwrap();
    assert!(recv!(s).is_empty());

    // The address changes: nothing for "any" (NULL), then the pcb on the
    // old address is aborted (RST, err).
    s.tcp_netif_ip_addr_changed_api(None, Some(&[10, 0, 0, 9]), &mut app)
        .unwrap();
    assert!(s.pcb_of(pcb).is_ok());
    s.tcp_netif_ip_addr_changed_api(Some(&LWIP_IP), None, &mut app)
        .unwrap();
    assert!(s.pcb_of(pcb).is_err());
    assert_eq!(app.errs, vec![(pcb, Err::Abrt)]);
    assert_eq!(recv!(s)[0].flags, RST | ACK);
}

/// `TCP_OVERSIZE_DBGCHECK` (lwIP built with `LWIP_DEBUG`, as its unit-test
/// runner is): every segment keeps `oversize_left`, which follows
/// `pcb->unsent_oversize` for the last unsent segment through tcp_write's
/// three phases (phase 2's chained pbuf adds its room, phase 1 uses it up
/// to an exact fill), goes to 0 when the segment is sent, and becomes
/// `unsent_oversize` again when an RTO puts unacked segments in front of an
/// empty unsent queue; tcp_write asserts the two agree.
#[test]
fn oversize_left_follows_unsent_oversize_with_the_debug_check() {
    use crate::stack::SegOf;
    struct Dbg;
    impl Profile for Dbg {
        const CONFIG: Config = Config {
            tcp_oversize_dbgcheck: true,
            ..Config::full()
        };
        type Storage = crate::storage::Pools;
    }
    type D = crate::Tcp<TestHooks, Dbg>;
    let mut s = stack_for::<Dbg>(Netif::default());
    let mut app = TestApp::default();
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], 7).unwrap(), Err::Ok);
    let _l = s.tcp_listen_with_backlog_and_err(l, 4).unwrap().0.unwrap();
    let mut peer = Peer::new(40015, 7, 42);
    send!(s, &mut app, peer.seg(SYN, &linux_syn_options(1), &[]));
    let synack = recv!(s);
    peer.saw(&synack[0]);
    send!(s, &mut app, peer.seg(ACK, &ts(2, synack[0].ts_val()), &[]));
    let pcb = *app.accepted.last().unwrap();
    assert!(recv!(s).is_empty());
    let last = |s: &D| -> SegOf<Dbg> {
        let mut l = s.pcb_ref(s.pcb_of(pcb).unwrap()).unsent.unwrap();
        while let Some(n) = s.seg_ref(l).next {
            l = n;
        }
        l
    };
    let left = |s: &D| s.seg_ref(last(s)).oversize_left;
    let unsent_oversize = |s: &D| s.pcb(pcb).unwrap().unsent_oversize;
    let copy_more = WriteFlags {
        copy: true,
        more: true,
    };
    // No Nagle, no MORE: the first segment's pbuf has no room.
    s.tcp_nagle(pcb, true).unwrap();
    assert_eq!(
        s.tcp_write(pcb, &[1; 100], WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    assert_eq!((left(&s), unsent_oversize(&s)), (0, 0));
    // Phase 2 chains a pbuf with room (MORE): its room is recorded.
    assert_eq!(s.tcp_write(pcb, &[2; 50], copy_more).unwrap(), Err::Ok);
    let room = unsent_oversize(&s);
    assert!(room > 0);
    assert_eq!(left(&s), room);
    // Phase 1 fills exactly that room.
    assert_eq!(
        s.tcp_write(pcb, &vec![3; usize::from(room)], WriteFlags::COPY)
            .unwrap(),
        Err::Ok
    );
    assert_eq!((left(&s), unsent_oversize(&s)), (0, 0));
    // A new segment with room (MORE) behind it.
    assert_eq!(s.tcp_write(pcb, &[4; 10], copy_more).unwrap(), Err::Ok);
    let room = unsent_oversize(&s);
    assert!(room > 0);
    assert_eq!(left(&s), room);
    // The first segment goes, the second stays unsent (Nagle again: data
    // in flight and a short segment); the sent one's oversize_left is 0.
    s.tcp_nagle(pcb, false).unwrap();
    assert_eq!(s.tcp_output(pcb).unwrap(), Err::Ok);
    let first = recv!(s);
    assert_eq!(first.len(), 1);
    let p = s.pcb_ref(s.pcb_of(pcb).unwrap());
    let sent = p.unacked.unwrap();
    assert!(p.unsent.is_some());
    assert_eq!(s.seg_ref(sent).oversize_left, 0);
    // An RTO with unsent not empty leaves unsent_oversize alone, and the
    // next write (which asserts the two agree) goes on into the room.
    s.advance_to(5_000, &mut app).unwrap();
    let again = recv!(s);
    assert!(
        again
            .iter()
            .any(|o| o.seq == first[0].seq && o.payload == first[0].payload),
        "the RTO resent the first"
    );
    assert_eq!(unsent_oversize(&s), room);
    assert_eq!(
        s.tcp_write(pcb, &[5; 5], WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    assert_eq!((left(&s), unsent_oversize(&s)), (room - 5, room - 5));
    // A mismatch is lwIP's assertion.
    let i = s.pcb_of(pcb).unwrap();
    s.p(i).unsent_oversize += 1;
    assert!(matches!(
        s.tcp_write(pcb, &[6; 1], WriteFlags::COPY),
        Err(crate::ApiError::Asserted(a))
            if a.message() == "unsent_oversize mismatch (pcb vs. last_unsent)"
    ));
}

/// lwIP's `lwip_stats.tcp` starts from zero with the stack (`stats_init`
/// in `lwip_init`): a reset zeroes the port's counters, which a handshake
/// had moved.
#[test]
fn reset_zeroes_the_tcp_and_mib2_statistics() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(4000, 80, 0x5000_0000);
    established(&mut s, &mut app, 80, &mut peer);
    let st = s.tcp_stats();
    assert!(st[0] > 0 && st[1] > 0, "xmit and recv counted: {st:?}");
    // MIB2_STATS (the full profile): a passive open, segments in and out.
    let m2 = s.mib2_tcp();
    assert!(
        m2[1] == 1 && m2[4] > 0 && m2[6] > 0,
        "tcppassiveopens, tcpoutsegs and tcpinsegs counted: {m2:?}"
    );
    s.reset(Netif::default()).unwrap();
    assert_eq!(s.tcp_stats(), [0; crate::storage::TCP_STATS_COUNTERS]);
    assert_eq!(s.mib2_tcp(), [0; crate::storage::MIB2_TCP_COUNTERS]);
}
