//! Drives the original lwIP C stack and checks what it does byte by byte.
//! Every test ends with `finish`, which tears down and asserts that pools,
//! pbufs and heap are back to their initial counts.

mod common;

use common::*;
use lwip_c::{Callback, ErrT, NullApp, Pcb, Stack, StackConfig, StackError, WriteFlags};

const ISN: u32 = 0x1000_0000;

fn stack_with_isn() -> Stack {
    let mut s = stack();
    s.set_isn_hook(|_| ISN);
    s
}

#[test]
fn passive_open_syn_ack_bytes() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let l = s.tcp_new().unwrap().unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], 8080).unwrap(), ErrT::Ok);
    assert_eq!(
        s.tcp_listen_with_backlog_and_err(l, 4).unwrap(),
        (Some(l), ErrT::Ok)
    );

    let mut peer = Peer::new(40000, 8080, 100);
    s.advance_to(1000, &mut app).unwrap();
    s.input(&peer.seg(SYN, &linux_syn_options(7), &[]), &mut app)
        .unwrap();
    let out = s.take_output();
    assert_eq!(out.len(), 1);
    let mut opts = vec![2, 4, 0x05, 0xb4]; // MSS 1460 (MTU 1500 - 40)
    opts.extend(lwip_ts(1000, 7)); // TSval = sys_now(), TSecr = peer's TSval
    opts.extend([1, 3, 3, 2]); // NOP, WS 2 (TCP_RCV_SCALE)
    opts.extend([1, 1, 4, 2]); // NOP, NOP, SACK permitted
    let expected = Seg {
        src: LWIP_IP,
        dst: PEER_IP,
        ttl: 255, // TCP_TTL
        tos: 0,
        ip_id: 0, // ip_id starts at 0 after reset
        sport: 8080,
        dport: 40000,
        seq: ISN,
        ack: 101,
        flags: SYN | ACK,
        wnd: 11680, // TCP_WND, unscaled in a SYN
        options: opts,
        payload: vec![],
    };
    assert_eq!(
        out[0].bytes,
        expected.bytes(),
        "SYN-ACK bytes\n got {:?}\nwant {:?}",
        Seg::parse(&out[0].bytes),
        expected
    );
    assert_eq!(out[0].time_ms, 1000);
    assert!(
        s.take_events().is_empty(),
        "no callback before the handshake completes"
    );

    // The third ACK completes the handshake: accept(listener, new, ERR_OK).
    peer.saw(&Seg::parse(&out[0].bytes));
    s.input(&peer.seg(ACK, &ts_options(8, 1000), &[]), &mut app)
        .unwrap();
    let new = app.accepted[0];
    assert_eq!(
        s.take_events()
            .iter()
            .map(|e| (&e.callback, e.ret))
            .collect::<Vec<_>>(),
        vec![(
            &Callback::Accept {
                listener: l,
                new: Some(new),
                err: ErrT::Ok
            },
            Some(ErrT::Ok)
        )]
    );
    let snap = s.snapshot(new).unwrap();
    assert_eq!(snap.state_name(), "ESTABLISHED");
    assert_eq!(
        (snap.rcv_nxt, snap.snd_nxt, snap.lastack),
        (101, ISN + 1, ISN + 1)
    );
    assert_eq!((snap.snd_scale, snap.rcv_scale, snap.mss), (7, 2, 1460));
    finish(&mut s);
}

#[test]
fn active_open_syn_bytes_and_connected() {
    let mut s = stack_with_isn();
    let mut app = NullApp;
    let pcb = s.tcp_new().unwrap().unwrap();
    assert_eq!(s.tcp_connect(pcb, PEER_IP, 80).unwrap(), ErrT::Ok);
    let out = out(&mut s);
    assert_eq!(out.len(), 1);
    let syn = &out[0];
    // The local port comes from LWIP_RAND() (seeded); the rest is fixed.
    let local_port = syn.sport;
    assert!(
        (0xc000..=0xffff).contains(&local_port),
        "port {local_port} outside lwIP's range"
    );
    let mut opts = vec![2, 4, 0x05, 0xb4];
    opts.extend(lwip_ts(0, 0));
    opts.extend([1, 3, 3, 2, 1, 1, 4, 2]);
    let expected = Seg {
        src: LWIP_IP,
        dst: PEER_IP,
        ttl: 255,
        tos: 0,
        ip_id: 0,
        sport: local_port,
        dport: 80,
        // tcp_connect sets snd_lbb = iss - 1 and the SYN takes its seqno
        // from snd_lbb: lwIP's active-open SYN carries ISN - 1 (its
        // SYN-ACK in a passive open carries the ISN itself).
        seq: ISN - 1,
        ack: 0,
        flags: SYN,
        wnd: 11680,
        options: opts,
        payload: vec![],
    };
    assert_eq!(*syn, expected);
    assert_eq!(s.snapshot(pcb).unwrap().state_name(), "SYN_SENT");

    let mut peer = Peer::new(80, local_port, 5000);
    peer.saw(syn);
    let mut synack_opts = vec![2, 4, 0x05, 0xb4, 1, 1, 4, 2];
    synack_opts.extend(ts_options(77, 0));
    synack_opts.extend([1, 3, 3, 7]);
    s.advance_to(100, &mut app).unwrap();
    s.input(&peer.seg(SYN | ACK, &synack_opts, &[]), &mut app)
        .unwrap();
    let events = s.take_events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].callback,
        Callback::Connected { pcb, err: ErrT::Ok }
    );
    // The ACK of the SYN-ACK goes out at once, with the timestamp echo.
    let ack = common::out(&mut s);
    assert_eq!(ack.len(), 1);
    assert_eq!((ack[0].flags, ack[0].seq, ack[0].ack), (ACK, ISN, 5001));
    assert_eq!(ack[0].options, lwip_ts(100, 77));
    assert_eq!(
        ack[0].wnd,
        (11680 >> 2) as u16,
        "window scaled by TCP_RCV_SCALE"
    );
    assert_eq!(ack[0].ip_id, 1);
    finish(&mut s);
}

#[test]
fn data_both_ways_and_delayed_ack_from_fast_timer() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40001, 7, 1_000_000);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    s.take_events();

    // 100 bytes in: recv(pcb, data, ERR_OK); the ACK is delayed.
    s.advance_to(1010, &mut app).unwrap();
    let data: Vec<u8> = (0..100u8).collect();
    s.input(&peer.seg(PSH | ACK, &ts_options(3, 0), &data), &mut app)
        .unwrap();
    assert_eq!(app.received, data);
    let ev = s.take_events();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        ev[0].callback,
        Callback::Recv {
            pcb,
            data: Some(data.clone()),
            err: ErrT::Ok
        }
    );
    assert!(out(&mut s).is_empty(), "the ACK must be delayed");
    assert_ne!(s.snapshot(pcb).unwrap().flags & 0x01, 0, "TF_ACK_DELAY set");

    // The fast timer at 1250 ms sends it.
    s.advance_to(1249, &mut app).unwrap();
    assert!(out(&mut s).is_empty());
    s.advance_to(1250, &mut app).unwrap();
    let acks = out(&mut s);
    assert_eq!(acks.len(), 1);
    assert_eq!((acks[0].flags, acks[0].ack), (ACK, 1_000_001 + 100));
    assert!(acks[0].payload.is_empty());

    // 50 bytes out, then acknowledged: sent(pcb, 50).
    assert_eq!(
        s.tcp_write(
            pcb,
            b"hello from lwIP, fifty bytes of payload, exactly.",
            WriteFlags::COPY
        )
        .unwrap(),
        ErrT::Ok
    );
    assert_eq!(s.tcp_output(pcb).unwrap(), ErrT::Ok);
    let segs = out(&mut s);
    assert_eq!(segs.len(), 1);
    assert_eq!(
        segs[0].payload,
        b"hello from lwIP, fifty bytes of payload, exactly."
    );
    assert_eq!(segs[0].flags, PSH | ACK);
    assert_eq!(segs[0].seq, ISN + 1);
    peer.saw(&segs[0]);
    s.input(&peer.seg(ACK, &ts_options(4, 1250), &[]), &mut app)
        .unwrap();
    let ev = s.take_events();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].callback, Callback::Sent { pcb, len: 49 });
    finish(&mut s);
}

#[test]
fn recv_callback_writes_inside_the_input_call() {
    let mut s = stack_with_isn();
    let mut app = TestApp {
        echo: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40002, 7, 9);
    accept_one(&mut s, &mut app, 7, &mut peer);
    s.input(&peer.seg(PSH | ACK, &ts_options(3, 0), b"ping"), &mut app)
        .unwrap();
    // The echo leaves during the same input call, and carries the ACK.
    let segs = out(&mut s);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].payload, b"ping");
    assert_eq!(segs[0].ack, 9 + 1 + 4);
    finish(&mut s);
}

#[test]
fn local_close_through_time_wait_expiry() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40003, 7, 500);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    assert_eq!(s.tcp_close(pcb).unwrap(), ErrT::Ok);
    let fin = out(&mut s);
    assert_eq!(fin.len(), 1);
    assert_eq!((fin[0].flags, fin[0].seq), (FIN | ACK, ISN + 1));
    assert!(matches!(
        s.tcp_write(pcb, b"x", WriteFlags::COPY),
        Err(StackError::Gone(..))
    ));
    peer.saw(&fin[0]);
    s.input(&peer.seg(ACK, &ts_options(5, 0), &[]), &mut app)
        .unwrap();
    let states = |s: &mut Stack| {
        s.snapshot_all()
            .unwrap()
            .iter()
            .map(|x| x.state_name())
            .collect::<Vec<_>>()
    };
    assert_eq!(states(&mut s), vec!["LISTEN", "FIN_WAIT_2"]);
    s.input(&peer.seg(FIN | ACK, &ts_options(6, 0), &[]), &mut app)
        .unwrap();
    let ack = out(&mut s);
    assert_eq!(ack.len(), 1);
    assert_eq!((ack[0].flags, ack[0].ack), (ACK, 502));
    assert_eq!(states(&mut s), vec!["LISTEN", "TIME_WAIT"]);
    // TIME_WAIT lasts 2 * TCP_MSL (120 s) of slow-timer ticks.
    let t0 = s.now();
    s.advance_to(t0 + 119_000, &mut app).unwrap();
    assert_eq!(states(&mut s), vec!["LISTEN", "TIME_WAIT"]);
    s.advance_to(t0 + 121_000, &mut app).unwrap();
    assert_eq!(states(&mut s), vec!["LISTEN"]);
    assert!(out(&mut s).is_empty());
    finish(&mut s);
}

#[test]
fn remote_close_through_last_ack() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40004, 7, 700);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    s.take_events();
    // The peer's FIN: recv(pcb, NULL, ERR_OK); the app closes inside it,
    // so lwIP's FIN leaves in the same input call and acknowledges the FIN.
    s.input(&peer.seg(FIN | ACK, &ts_options(6, 0), &[]), &mut app)
        .unwrap();
    assert_eq!(app.fins, 1);
    let ev = s.take_events();
    assert_eq!(
        ev[0].callback,
        Callback::Recv {
            pcb,
            data: None,
            err: ErrT::Ok
        }
    );
    let fin = out(&mut s);
    assert_eq!(fin.len(), 1);
    assert_eq!((fin[0].flags, fin[0].ack), (FIN | ACK, 702));
    assert_eq!(s.snapshot_all().unwrap()[1].state_name(), "LAST_ACK");
    peer.saw(&fin[0]);
    s.input(&peer.seg(ACK, &ts_options(7, 0), &[]), &mut app)
        .unwrap();
    assert_eq!(
        s.snapshot_all().unwrap().len(),
        1,
        "only the listener is left"
    );
    finish(&mut s);
}

#[test]
fn half_close_then_time_wait_expiry_frees_the_handle() {
    let mut s = stack_with_isn();
    let mut app = TestApp {
        keep_open_on_fin: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40005, 7, 800);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    assert_eq!(s.tcp_shutdown(pcb, false, true).unwrap(), ErrT::Ok);
    let fin = out(&mut s);
    peer.saw(&fin[0]);
    s.input(&peer.seg(FIN | ACK, &ts_options(6, 0), &[]), &mut app)
        .unwrap();
    assert_eq!(s.snapshot(pcb).unwrap().state_name(), "TIME_WAIT");
    let t0 = s.now();
    s.advance_to(t0 + 121_000, &mut app).unwrap();
    // lwIP freed the pcb without telling the application: the handle says so.
    match s.snapshot(pcb) {
        Err(StackError::Gone(p, why)) => assert!(p == pcb && why.contains("freed"), "{why}"),
        other => panic!("expected Gone, got {other:?}"),
    }
    finish(&mut s);
}

#[test]
fn rst_for_segment_to_closed_port() {
    let mut s = stack_with_isn();
    let mut peer = Peer::new(40006, 9999, 12345);
    s.input(&peer.seg(SYN, &linux_syn_options(1), &[]), &mut NullApp)
        .unwrap();
    let out = s.take_output();
    assert_eq!(out.len(), 1);
    let expected = Seg {
        src: LWIP_IP,
        dst: PEER_IP,
        ttl: 255,
        tos: 0,
        ip_id: 0,
        sport: 9999,
        dport: 40006,
        seq: 0,     // the SYN's ack field
        ack: 12346, // the SYN's seq + 1
        flags: RST | ACK,
        // TCP_WND >> TCP_RCV_SCALE is 2920 (0x0b68), but lwIP 2.2.1 swaps it
        // twice: tcp_rst_common() computes PP_HTONS(...) and passes it to
        // tcp_output_alloc_header_common(), which applies lwip_htons() again.
        // On a little-endian host the RST's window field reads 0x680b. A
        // faithful port must send the same bytes.
        wnd: 0x680b,
        options: vec![],
        payload: vec![],
    };
    assert_eq!(out[0].bytes, expected.bytes());
    finish(&mut s);
}

#[test]
fn recv_callback_aborts_and_returns_err_abrt() {
    let mut s = stack_with_isn();
    let mut app = TestApp {
        abort_in_recv: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40007, 7, 42);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    s.take_events();
    s.input(&peer.seg(PSH | ACK, &ts_options(3, 0), b"boom"), &mut app)
        .unwrap();
    // recv returned ERR_ABRT; inside it tcp_abort sent an RST and raised
    // err(ERR_ABRT), logged in order, nested inside recv.
    let ev: Vec<_> = s
        .take_events()
        .into_iter()
        .map(|e| (e.callback, e.ret))
        .collect();
    assert_eq!(
        ev,
        vec![
            (
                Callback::Recv {
                    pcb,
                    data: Some(b"boom".to_vec()),
                    err: ErrT::Ok
                },
                Some(ErrT::Abrt)
            ),
            (
                Callback::Err {
                    pcb,
                    err: ErrT::Abrt
                },
                None
            ),
        ]
    );
    let segs = out(&mut s);
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].flags, RST | ACK);
    assert_eq!(segs[0].seq, ISN + 1);
    assert_eq!(
        segs[0].ack,
        42 + 1 + 4,
        "the RST acknowledges up to rcv_nxt"
    );
    assert!(matches!(s.tcp_output(pcb), Err(StackError::Gone(..))));
    assert_eq!(s.snapshot_all().unwrap().len(), 1);
    finish(&mut s);
}

#[test]
fn tcp_write_err_mem_when_send_buffer_is_full() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40008, 7, 1);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    // TCP_SND_BUF is 4 * 1460 = 5840 bytes.
    assert_eq!(s.tcp_sndbuf(pcb).unwrap(), 5840);
    let chunk = [0x5a; 1000];
    for i in 0..5 {
        assert_eq!(
            s.tcp_write(pcb, &chunk, WriteFlags::COPY).unwrap(),
            ErrT::Ok,
            "write {i}"
        );
    }
    assert_eq!(s.tcp_sndbuf(pcb).unwrap(), 840);
    assert_eq!(
        s.tcp_write(pcb, &chunk, WriteFlags::COPY).unwrap(),
        ErrT::Mem
    );
    let snap = s.snapshot(pcb).unwrap();
    assert_ne!(snap.flags & 0x80, 0, "TF_NAGLEMEMERR set on ERR_MEM");
    assert_eq!(snap.unsent_bytes, 5000);
    assert_eq!(
        s.tcp_write(pcb, &chunk[..840], WriteFlags::COPY).unwrap(),
        ErrT::Ok
    );
    finish(&mut s);
}

#[test]
fn tcp_write_err_mem_when_send_queue_is_full() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let mut peer = Peer::new(40009, 7, 1);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    // Without COPY every write adds a PBUF_ROM and a header pbuf: the
    // queue (TCP_SND_QUEUELEN = 16 pbufs) fills long before the buffer.
    let mut writes = 0;
    loop {
        match s
            .tcp_write(
                pcb,
                b"x",
                WriteFlags {
                    copy: false,
                    more: true,
                },
            )
            .unwrap()
        {
            ErrT::Ok => writes += 1,
            ErrT::Mem => break,
            e => panic!("unexpected {e}"),
        }
        assert!(writes < 100, "ERR_MEM never came");
    }
    assert_eq!(s.tcp_sndbuf(pcb).unwrap(), 5840 - writes);
    assert!(s.tcp_sndqueuelen(pcb).unwrap() <= 16);
    assert!(
        s.tcp_sndqueuelen(pcb).unwrap() > 16 - 2,
        "stopped by the queue length"
    );
    finish(&mut s);
}

#[test]
fn listen_backlog_limits_half_open_connections() {
    let mut s = stack_with_isn();
    let mut app = TestApp::default();
    let l = s.tcp_new().unwrap().unwrap();
    s.tcp_bind(l, [0; 4], 22).unwrap();
    assert_eq!(s.tcp_listen_with_backlog_and_err(l, 1).unwrap().1, ErrT::Ok);
    assert_eq!(s.snapshot(l).unwrap().backlog, 1);
    let mut a = Peer::new(50001, 22, 10);
    let mut b = Peer::new(50002, 22, 20);
    s.input(&a.seg(SYN, &linux_syn_options(1), &[]), &mut app)
        .unwrap();
    let synack_a = out(&mut s);
    assert_eq!(synack_a.len(), 1);
    assert_eq!(s.snapshot(l).unwrap().accepts_pending, 1);
    // B's SYN is dropped: the backlog is full of A.
    let b_syn = b.seg(SYN, &linux_syn_options(1), &[]);
    s.input(&b_syn, &mut app).unwrap();
    assert!(
        out(&mut s).is_empty(),
        "SYN beyond the backlog must be dropped"
    );
    // A completes; B's retransmitted SYN is now answered.
    a.saw(&synack_a[0]);
    s.input(&a.seg(ACK, &ts_options(2, 0), &[]), &mut app)
        .unwrap();
    assert_eq!(app.accepted.len(), 1);
    assert_eq!(s.snapshot(l).unwrap().accepts_pending, 0);
    s.input(&b_syn, &mut app).unwrap();
    let synack_b = out(&mut s);
    assert_eq!(synack_b.len(), 1);
    assert_eq!(synack_b[0].dport, 50002);
    finish(&mut s);
}

#[test]
fn refused_data_is_kept_and_redelivered_by_the_fast_timer() {
    let mut s = stack_with_isn();
    let mut app = TestApp {
        refuse_recv: true,
        ..TestApp::default()
    };
    let mut peer = Peer::new(40010, 7, 3);
    let pcb = accept_one(&mut s, &mut app, 7, &mut peer);
    s.take_events();
    s.input(&peer.seg(PSH | ACK, &ts_options(3, 0), b"later"), &mut app)
        .unwrap();
    assert_eq!(s.snapshot(pcb).unwrap().refused_bytes, 5);
    app.refuse_recv = false;
    s.advance_to(s.now() + 250, &mut app).unwrap();
    assert_eq!(app.received, b"later");
    let recvs = s
        .take_events()
        .iter()
        .filter(|e| matches!(e.callback, Callback::Recv { .. }))
        .count();
    assert_eq!(recvs, 2, "refused once, delivered again by tcp_fasttmr");
    assert_eq!(s.snapshot(pcb).unwrap().refused_bytes, 0);
    finish(&mut s);
}

#[test]
fn lwip_assertion_is_reported_and_poisons_until_reset() {
    let mut s = stack();
    match s.debug_assert() {
        Err(StackError::Asserted(a)) => {
            assert!(a.msg.contains("deliberate assertion"), "{a}");
            assert!(a.file.ends_with("shim.c"), "{a}");
        }
        other => panic!("expected an assertion, got {other:?}"),
    }
    assert!(matches!(s.tcp_new(), Err(StackError::Poisoned(_))));
    s.reset(StackConfig::default()).unwrap();
    assert!(s.tcp_new().unwrap().is_some());
    finish(&mut s);
}

#[test]
fn assertion_inside_lwip_api_misuse() {
    // tcp_recved on a listening pcb: lwIP asserts ("don't call tcp_recved
    // for listen-pcbs"); the report names lwIP's own file and message.
    let mut s = stack();
    let l = s.tcp_new().unwrap().unwrap();
    s.tcp_bind(l, [0; 4], 1).unwrap();
    s.tcp_listen_with_backlog_and_err(l, 1).unwrap();
    match s.tcp_recved(l, 1) {
        Err(StackError::Asserted(a)) => {
            assert!(a.msg.contains("listen-pcbs"), "{a}");
            assert!(a.file.ends_with("tcp.c"), "{a}");
        }
        other => panic!("expected an assertion, got {other:?}"),
    }
    s.reset(StackConfig::default()).unwrap();
    finish(&mut s);
}

#[test]
fn operations_on_listening_pcbs_that_lwip_does_not_check_are_refused() {
    let mut s = stack();
    let l = s.tcp_new().unwrap().unwrap();
    s.tcp_bind(l, [0; 4], 1).unwrap();
    s.tcp_listen_with_backlog_and_err(l, 1).unwrap();
    assert!(matches!(
        s.tcp_write(l, b"x", WriteFlags::COPY),
        Err(StackError::ListenPcb(..))
    ));
    assert!(matches!(
        s.tcp_nagle(l, true),
        Err(StackError::ListenPcb(..))
    ));
    assert!(matches!(
        s.snapshot(Pcb(999)),
        Err(StackError::UnknownHandle(_))
    ));
    finish(&mut s);
}

#[test]
fn out_of_pcbs_tcp_new_returns_none() {
    let mut s = stack();
    let mut made = Vec::new();
    while let Some(p) = s.tcp_new().unwrap() {
        made.push(p);
        assert!(made.len() <= 5, "MEMP_NUM_TCP_PCB is 5");
    }
    assert_eq!(made.len(), 5);
    assert_eq!(s.accounting().tcp_pcb, 5);
    assert!(s.accounting().tcp_pcb_err >= 1);
    finish(&mut s);
}

#[test]
fn bind_port_in_use() {
    let mut s = stack();
    let a = s.tcp_new().unwrap().unwrap();
    let b = s.tcp_new().unwrap().unwrap();
    assert_eq!(s.tcp_bind(a, [0; 4], 5000).unwrap(), ErrT::Ok);
    assert_eq!(s.tcp_bind(b, [0; 4], 5000).unwrap(), ErrT::Use);
    finish(&mut s);
}
