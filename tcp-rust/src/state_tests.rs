//! Per-state tests of the TCP state machine, in smoltcp's style: one
//! fixture per lwIP state (`listen`, `syn_sent`, `syn_rcvd`, `established`,
//! `fin_wait_1`, `fin_wait_2`, `close_wait`, `closing`, `last_ack`,
//! `time_wait`), tests named `<state>_<event>`, each pinning the exact
//! segments emitted (flags, seq, ack, window, payload length), the state
//! reached and the callbacks made.
//!
//! Every expected value is lwIP 2.2.1's (`tcp_in.c` `tcp_process`,
//! `tcp_receive`, `tcp_listen_input`, `tcp_timewait_input`; `tcp.c`
//! `tcp_close_shutdown`, `tcp_shutdown`, `tcp_abandon`, `tcp_slowtmr`),
//! read from the C source and checked by running the same situations on
//! the C engine (tcpdiff scripts, `--engines c,rust`).
//!
//! The peer's SYN carries `mss 1460, nop, wscale 7` and no timestamps, so
//! lwIP's segments carry no options after the handshake and announce
//! `rcv_wnd >> 2` (11680 >> 2 = 2920). lwIP's RSTs always carry the window
//! 0x680b (`tcp_rst_common` byte-swaps `TCP_WND >> TCP_RCV_SCALE` twice).

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::err::Err;
use crate::stack::{ApiError, Callback, Handle, WriteFlags};
use crate::state::{TF_ACK_DELAY, TcpState};
use crate::test_support::*;

/// lwIP's listening port.
const PORT: u16 = 8080;
/// The peer's initial sequence number.
const PEER_ISN: u32 = 1000;
/// The window lwIP announces with nothing buffered: 11680 >> 2.
const WND: u16 = 2920;
/// The window field of every RST lwIP sends.
const RST_WND: u16 = 0x680b;
/// `mss 1460, nop, wscale 7`.
const SYN_OPTS: [u8; 8] = [2, 4, 0x05, 0xb4, 1, 3, 3, 7];

/// A segment as the tests compare it: flags, seq, ack, window, payload
/// length.
type Brief = (u8, u32, u32, u16, usize);

fn brief(s: &Seg) -> Brief {
    (s.flags, s.seq, s.ack, s.wnd, s.payload.len())
}

/// One connection under test.
struct Conn {
    s: Box<T>,
    app: TestApp,
    peer: Peer,
    pcb: Handle,
    listener: Option<Handle>,
}

impl Conn {
    /// The peer sends its next segment (`peer.seq`, acking `peer.ack`).
    fn send(&mut self, flags: u8, payload: &[u8]) {
        let p = self.peer.seg(flags, &[], payload);
        send!(self.s, &mut self.app, p);
    }
    /// The peer sends a segment with explicit seq and ack (its own
    /// sequence state is left as it was).
    fn send_raw(&mut self, seq: u32, ack: u32, flags: u8, payload: &[u8]) {
        let (s0, a0) = (self.peer.seq, self.peer.ack);
        self.peer.seq = seq;
        self.peer.ack = ack;
        let p = self.peer.seg(flags, &[], payload);
        (self.peer.seq, self.peer.ack) = (s0, a0);
        send!(self.s, &mut self.app, p);
    }
    /// What lwIP emitted since the last call; the peer "sees" it.
    fn out(&mut self) -> Vec<Brief> {
        let segs = recv!(self.s);
        for seg in &segs {
            assert!(seg.options.is_empty() || seg.flags & SYN != 0, "{seg:?}");
            self.peer.saw(seg);
        }
        segs.iter().map(brief).collect()
    }
    fn ev(&mut self) -> Vec<(Callback, Option<Err>)> {
        events(&mut self.s)
    }
    fn state(&self) -> TcpState {
        self.s.pcb(self.pcb).expect("pcb alive").state
    }
    fn at(&mut self, ms: u32) {
        self.s.advance_to(ms, &mut self.app).unwrap();
    }
    fn close(&mut self) -> Err {
        self.s.tcp_close(self.pcb).unwrap()
    }
    fn shutdown(&mut self, rx: bool, tx: bool) -> Err {
        self.s.tcp_shutdown(self.pcb, rx, tx).unwrap()
    }
    fn abort(&mut self) {
        self.s.tcp_abort(self.pcb, &mut NullApp).unwrap();
    }
    /// CLOSED: the pcb is freed with everything it held; the handle is
    /// dead.
    fn assert_closed(&mut self) {
        assert!(!self.s.is_valid(self.pcb));
        assert_eq!(
            self.s.tcp_output(self.pcb),
            Err(ApiError::Invalid(self.pcb))
        );
        assert_eq!(self.s.pcbs_used(), 0);
        assert_eq!(self.s.segs_used(), 0);
    }
    fn recv_ev(&self, len: Option<u16>) -> Callback {
        Callback::Recv {
            pcb: self.pcb,
            len,
            err: Err::Ok,
        }
    }
    fn err_ev(&self, err: Err) -> (Callback, Option<Err>) {
        (Callback::Err { pcb: self.pcb, err }, None)
    }
    fn sent_ev(&self, len: u16) -> (Callback, Option<Err>) {
        (Callback::Sent { pcb: self.pcb, len }, Some(Err::Ok))
    }
}

// -- fixtures ------------------------------------------------------------------

fn app() -> TestApp {
    TestApp {
        keep_open_on_fin: true,
        ..TestApp::default()
    }
}

/// LISTEN: a listener on `PORT`.
fn listen() -> Conn {
    let mut s = stack();
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], PORT).unwrap(), Err::Ok);
    let (l, err) = s.tcp_listen_with_backlog_and_err(l, 4).unwrap();
    assert_eq!(err, Err::Ok);
    let l = l.unwrap();
    Conn {
        s,
        app: app(),
        peer: Peer::new(40000, PORT, PEER_ISN),
        pcb: l,
        listener: Some(l),
    }
}

/// SYN_RCVD: the listener got the peer's SYN and sent its SYN-ACK.
fn syn_rcvd() -> Conn {
    let mut c = listen();
    let p = c.peer.seg(SYN, &SYN_OPTS, &[]);
    send!(c.s, &mut c.app, p);
    assert_eq!(c.out(), vec![(SYN | ACK, ISN, PEER_ISN + 1, 11680, 0)]);
    let mut found = None;
    c.s.for_each_listed(|h, st| {
        if st == TcpState::SynRcvd {
            found = Some(h);
        }
    });
    c.pcb = found.unwrap();
    assert!(c.ev().is_empty());
    c
}

/// ESTABLISHED (passive open): the peer acked the SYN-ACK; accepted.
fn established() -> Conn {
    let mut c = syn_rcvd();
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.app.accepted, vec![c.pcb]);
    assert_eq!(c.state(), TcpState::Established);
    c.ev();
    c
}

/// SYN_SENT: `tcp_connect` sent a SYN (seq ISN - 1: lwIP's `tcp_connect`
/// sets `snd_lbb = iss - 1`).
fn syn_sent() -> Conn {
    let mut s = stack();
    let pcb = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_connect(pcb, PEER_IP, 80).unwrap(), Err::Ok);
    let syn = recv!(s);
    assert_eq!(syn.len(), 1);
    assert_eq!((syn[0].flags, syn[0].seq, syn[0].ack), (SYN, ISN - 1, 0));
    let mut peer = Peer::new(80, syn[0].sport, PEER_ISN);
    peer.saw(&syn[0]);
    let c = Conn {
        s,
        app: app(),
        peer,
        pcb,
        listener: None,
    };
    assert_eq!(c.state(), TcpState::SynSent);
    c
}

/// FIN_WAIT_1: `tcp_close` in ESTABLISHED sent a FIN, not yet acked.
fn fin_wait_1() -> Conn {
    let mut c = established();
    assert_eq!(c.close(), Err::Ok);
    assert_eq!(c.out(), vec![(FIN | ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::FinWait1);
    c
}

/// FIN_WAIT_2: the peer acked lwIP's FIN.
fn fin_wait_2() -> Conn {
    let mut c = fin_wait_1();
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::FinWait2);
    assert!(c.ev().is_empty());
    c
}

/// CLOSE_WAIT: the peer's FIN arrived; the application keeps the pcb open.
fn close_wait() -> Conn {
    let mut c = established();
    c.send(FIN | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0)]);
    assert_eq!(c.state(), TcpState::CloseWait);
    assert_eq!(c.ev(), vec![(c.recv_ev(None), Some(Err::Ok))]);
    c
}

/// CLOSING: simultaneous close, the peer's FIN crossed lwIP's.
fn closing() -> Conn {
    let mut c = fin_wait_1();
    c.send_raw(PEER_ISN + 1, ISN + 1, FIN | ACK, &[]);
    c.peer.seq += 1;
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    assert_eq!(c.state(), TcpState::Closing);
    assert_eq!(c.ev(), vec![(c.recv_ev(None), Some(Err::Ok))]);
    c
}

/// LAST_ACK: `tcp_close` in CLOSE_WAIT sent a FIN, not yet acked.
fn last_ack() -> Conn {
    let mut c = close_wait();
    assert_eq!(c.close(), Err::Ok);
    assert_eq!(
        c.out(),
        vec![(FIN | ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0)]
    );
    assert_eq!(c.state(), TcpState::LastAck);
    c
}

/// TIME_WAIT: the peer's FIN arrived in FIN_WAIT_2 and was acked.
fn time_wait() -> Conn {
    let mut c = fin_wait_2();
    c.send(FIN | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    assert_eq!(c.state(), TcpState::TimeWait);
    assert_eq!(c.ev(), vec![(c.recv_ev(None), Some(Err::Ok))]);
    c
}

// -- LISTEN --------------------------------------------------------------------

#[test]
fn listen_syn_creates_syn_rcvd_pcb() {
    let c = syn_rcvd();
    let p = c.s.pcb(c.pcb).unwrap();
    assert_eq!(
        (p.rcv_nxt, p.snd_nxt, p.lastack),
        (PEER_ISN + 1, ISN + 1, ISN)
    );
    assert_eq!(c.s.listener_of(c.pcb).unwrap(), c.listener);
    assert_eq!(
        c.s.listen_pcb(c.listener.unwrap()).unwrap().accepts_pending,
        1
    );
}

#[test]
fn listen_ack_is_reset() {
    // tcp_listen_input: ACK set -> tcp_rst(ackno, seqno + tcplen).
    let mut c = listen();
    c.send_raw(5000, 777, ACK, b"abc");
    assert_eq!(c.out(), vec![(RST | ACK, 777, 5003, RST_WND, 0)]);
    assert_eq!(c.s.pcbs_used(), 0);
}

#[test]
fn listen_rst_and_bare_segments_are_ignored() {
    // RST: ignored. Neither ACK nor SYN (a bare FIN, data): nothing.
    let mut c = listen();
    c.send_raw(5000, 0, RST, &[]);
    c.send_raw(5000, 0, FIN, &[]);
    c.send_raw(5000, 0, PSH, b"x");
    assert!(c.out().is_empty());
    assert_eq!(c.s.pcbs_used(), 0);
    assert!(c.ev().is_empty());
}

#[test]
fn listen_close_frees_listener_then_syn_is_reset() {
    let mut c = listen();
    assert_eq!(c.close(), Err::Ok);
    assert!(!c.s.is_valid(c.pcb));
    assert_eq!(c.s.lpcbs_used(), 0);
    let p = c.peer.seg(SYN, &SYN_OPTS, &[]);
    send!(c.s, &mut c.app, p);
    assert_eq!(c.out(), vec![(RST | ACK, 0, PEER_ISN + 1, RST_WND, 0)]);
}

#[test]
fn listen_shutdown_is_err_conn() {
    let mut c = listen();
    assert_eq!(c.shutdown(false, true), Err::Conn);
    assert_eq!(c.shutdown(true, true), Err::Conn);
    assert!(c.s.is_valid(c.pcb));
}

// -- SYN_SENT ------------------------------------------------------------------

#[test]
fn syn_sent_syn_ack_establishes() {
    let mut c = syn_sent();
    let p = c.peer.seg(SYN | ACK, &SYN_OPTS, &[]);
    send!(c.s, &mut c.app, p);
    assert_eq!(
        c.ev(),
        vec![(
            Callback::Connected {
                pcb: c.pcb,
                err: Err::Ok
            },
            Some(Err::Ok)
        )]
    );
    assert_eq!(c.out(), vec![(ACK, ISN, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::Established);
}

#[test]
fn syn_sent_rst_acking_syn_refuses() {
    // Acceptable only if ackno == snd_nxt: err(ERR_RST), freed, silent.
    let mut c = syn_sent();
    c.send_raw(0, ISN, RST | ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn syn_sent_rst_with_wrong_ack_is_ignored() {
    let mut c = syn_sent();
    c.send_raw(0, ISN + 1, RST | ACK, &[]);
    c.send_raw(0, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::SynSent);
}

#[test]
fn syn_sent_bad_ack_is_reset_and_syn_resent() {
    // "possibly a half-open connection": tcp_rst(ackno, seqno + tcplen),
    // then tcp_rexmit_rto resends the SYN at once.
    let mut c = syn_sent();
    c.send_raw(PEER_ISN, ISN + 500, SYN | ACK, &[]);
    assert_eq!(
        c.out(),
        vec![
            (RST | ACK, ISN + 500, PEER_ISN + 1, RST_WND, 0),
            (SYN, ISN - 1, 0, 11680, 0)
        ]
    );
    assert_eq!(c.state(), TcpState::SynSent);
    assert!(c.ev().is_empty());
}

#[test]
fn syn_sent_bare_syn_is_ignored() {
    // No simultaneous open in lwIP: a SYN without ACK matches neither
    // branch of tcp_process's SYN_SENT case.
    let mut c = syn_sent();
    let p = c.peer.seg(SYN, &SYN_OPTS, &[]);
    send!(c.s, &mut c.app, p);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::SynSent);
}

#[test]
fn syn_sent_close_frees_silently() {
    let mut c = syn_sent();
    assert_eq!(c.close(), Err::Ok);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    c.assert_closed();
}

#[test]
fn syn_sent_shutdown_tx_is_err_conn() {
    let mut c = syn_sent();
    assert_eq!(c.shutdown(false, true), Err::Conn);
    assert_eq!(c.state(), TcpState::SynSent);
    assert!(c.out().is_empty());
}

#[test]
fn syn_sent_abort_sends_rst() {
    // tcp_abandon: RST(snd_nxt, rcv_nxt = 0), err(ERR_ABRT).
    let mut c = syn_sent();
    c.abort();
    assert_eq!(c.out(), vec![(RST | ACK, ISN, 0, RST_WND, 0)]);
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

#[test]
fn syn_sent_gives_up_after_syn_maxrtx() {
    // The SYN is resent every 3 s (rto is not backed off in SYN_SENT);
    // after TCP_SYNMAXRTX (6) resends the next slow tick removes the pcb.
    let mut c = syn_sent();
    let mut resent = Vec::new();
    for t in (500..=18_000).step_by(500) {
        c.at(t);
        for seg in c.out() {
            assert_eq!(seg, (SYN, ISN - 1, 0, 11680, 0));
            resent.push(t);
        }
    }
    assert_eq!(resent, vec![3000, 6000, 9000, 12_000, 15_000, 18_000]);
    assert_eq!(c.state(), TcpState::SynSent);
    assert!(c.ev().is_empty());
    c.at(18_500);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

// -- SYN_RCVD ------------------------------------------------------------------

#[test]
fn syn_rcvd_ack_establishes_and_accepts() {
    let mut c = syn_rcvd();
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::Established);
    assert_eq!(
        c.ev(),
        vec![(
            Callback::Accept {
                listener: c.listener.unwrap(),
                new: Some(c.pcb),
                err: Err::Ok
            },
            Some(Err::Ok)
        )]
    );
    assert_eq!(
        c.s.listen_pcb(c.listener.unwrap()).unwrap().accepts_pending,
        0
    );
}

#[test]
fn syn_rcvd_ack_with_fin_goes_to_close_wait() {
    // tcp_process SYN_RCVD: tcp_receive, then TF_GOT_FIN -> CLOSE_WAIT.
    let mut c = syn_rcvd();
    c.send(FIN | ACK, &[]);
    assert_eq!(c.state(), TcpState::CloseWait);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0)]);
    let ev = c.ev();
    assert_eq!(ev.len(), 2);
    assert!(matches!(ev[0].0, Callback::Accept { .. }));
    assert_eq!(ev[1], (c.recv_ev(None), Some(Err::Ok)));
}

#[test]
fn syn_rcvd_bad_ack_is_reset() {
    let mut c = syn_rcvd();
    c.send_raw(PEER_ISN + 1, ISN + 7, ACK, &[]);
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 7, PEER_ISN + 1, RST_WND, 0)]
    );
    assert_eq!(c.state(), TcpState::SynRcvd);
    assert!(c.ev().is_empty());
}

#[test]
fn syn_rcvd_duplicate_syn_resends_syn_ack() {
    // seqno == rcv_nxt - 1: tcp_rexmit, sent by tcp_input's tcp_output.
    let mut c = syn_rcvd();
    c.send_raw(PEER_ISN, 0, SYN, &[]);
    assert_eq!(c.out(), vec![(SYN | ACK, ISN, PEER_ISN + 1, 11680, 0)]);
    assert_eq!(c.state(), TcpState::SynRcvd);
}

#[test]
fn syn_rcvd_rst_exact_frees_without_callback() {
    // No err callback: the pcb was never accepted (errf is NULL).
    let mut c = syn_rcvd();
    c.send_raw(PEER_ISN + 1, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    c.assert_closed();
    assert_eq!(
        c.s.listen_pcb(c.listener.unwrap()).unwrap().accepts_pending,
        0
    );
}

#[test]
fn syn_rcvd_rst_in_window_gets_challenge_ack() {
    let mut c = syn_rcvd();
    c.send_raw(PEER_ISN + 100, 0, RST, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::SynRcvd);
}

#[test]
fn syn_rcvd_listener_closed_then_ack_aborts() {
    // pcb->listener == NULL -> err = ERR_VAL -> tcp_abort: RST.
    let mut c = syn_rcvd();
    assert_eq!(c.s.tcp_close(c.listener.unwrap()).unwrap(), Err::Ok);
    c.send(ACK, &[]);
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 1, PEER_ISN + 1, RST_WND, 0)]
    );
    assert!(c.ev().is_empty());
    c.assert_closed();
}

#[test]
fn syn_rcvd_expires_after_syn_rcvd_timeout() {
    // SYN-ACK resent at 3, 9 s (rto doubles); removed when
    // tcp_ticks - tmr > TCP_SYN_RCVD_TIMEOUT / 500 = 40, at the 41st tick.
    let mut c = syn_rcvd();
    let mut resent = Vec::new();
    for t in (500..=20_000).step_by(500) {
        c.at(t);
        for seg in c.out() {
            assert_eq!(seg, (SYN | ACK, ISN, PEER_ISN + 1, 11680, 0));
            resent.push(t);
        }
    }
    assert_eq!(resent, vec![3000, 9000]);
    assert_eq!(c.state(), TcpState::SynRcvd);
    c.at(20_500);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    c.assert_closed();
}

// -- ESTABLISHED ---------------------------------------------------------------

#[test]
fn established_data_is_delivered_and_ack_delayed() {
    let mut c = established();
    c.send(PSH | ACK, b"hello");
    assert_eq!(c.app.received, b"hello");
    assert_eq!(c.ev(), vec![(c.recv_ev(Some(5)), Some(Err::Ok))]);
    assert!(c.out().is_empty());
    assert_ne!(c.s.pcb(c.pcb).unwrap().flags & TF_ACK_DELAY, 0);
    c.at(250);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 6, WND - 2, 0)]);
    assert_eq!(c.state(), TcpState::Established);
}

#[test]
fn established_fin_goes_to_close_wait() {
    let c = close_wait();
    assert_eq!(c.app.fins, 1);
}

#[test]
fn established_fin_with_close_on_fin_goes_to_last_ack() {
    // recv(NULL) calls tcp_close: one segment ACKs the FIN and carries
    // lwIP's FIN.
    let mut c = established();
    c.app.keep_open_on_fin = false;
    c.send(FIN | ACK, &[]);
    assert_eq!(
        c.out(),
        vec![(FIN | ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0)]
    );
    assert_eq!(c.state(), TcpState::LastAck);
}

#[test]
fn established_rst_exact_resets() {
    let mut c = established();
    c.send_raw(PEER_ISN + 1, ISN + 1, RST | ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn established_rst_in_window_gets_challenge_ack() {
    // RFC 5961 3.2 in tcp_process: tcp_ack_now, state kept.
    let mut c = established();
    c.send_raw(PEER_ISN + 1001, ISN + 1, RST | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::Established);
}

#[test]
fn established_rst_out_of_window_is_ignored() {
    let mut c = established();
    c.send_raw(PEER_ISN + 1 + 11680 + 1, ISN + 1, RST | ACK, &[]);
    c.send_raw(PEER_ISN, ISN + 1, RST | ACK, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::Established);
}

#[test]
fn established_syn_gets_challenge_ack() {
    // "Cope with new connection attempt after remote end crashed".
    let mut c = established();
    c.send_raw(9999, 0, SYN, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::Established);
}

#[test]
fn established_old_duplicate_is_acked_at_once() {
    let mut c = established();
    c.send(PSH | ACK, b"hello");
    c.ev();
    c.send_raw(PEER_ISN + 1, ISN + 1, PSH | ACK, b"hello");
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 6, WND - 2, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.app.received, b"hello");
}

#[test]
fn established_data_beyond_window_is_acked_and_dropped() {
    let mut c = established();
    c.send_raw(PEER_ISN + 1 + 11680, ISN + 1, PSH | ACK, b"x");
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.s.pcb(c.pcb).unwrap().rcv_nxt, PEER_ISN + 1);
}

#[test]
fn established_ack_of_data_calls_sent() {
    let mut c = established();
    assert_eq!(
        c.s.tcp_write(c.pcb, b"0123456789", WriteFlags::COPY)
            .unwrap(),
        Err::Ok
    );
    assert_eq!(c.s.tcp_output(c.pcb).unwrap(), Err::Ok);
    assert_eq!(c.out(), vec![(PSH | ACK, ISN + 1, PEER_ISN + 1, WND, 10)]);
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.sent_ev(10)]);
    assert_eq!(c.s.pcb(c.pcb).unwrap().lastack, ISN + 11);
}

#[test]
fn established_ack_of_unsent_data_gets_empty_ack() {
    // tcp_receive: ackno beyond snd_nxt, "Out of sequence ACK".
    let mut c = established();
    c.send_raw(PEER_ISN + 1, ISN + 100, ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::Established);
}

#[test]
fn established_close_sends_fin() {
    let c = fin_wait_1();
    assert!(c.s.is_valid(c.pcb));
}

#[test]
fn established_close_with_unread_data_resets() {
    // tcp_close_shutdown: rcv_wnd != TCP_WND_MAX -> RST instead of FIN,
    // pcb freed at once, no callback.
    let mut c = established();
    c.app.refuse_recv = true;
    c.send(PSH | ACK, b"unread");
    assert_eq!(c.s.refused_bytes(c.pcb).unwrap(), 6);
    c.ev();
    c.out();
    assert_eq!(c.close(), Err::Ok);
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 1, PEER_ISN + 7, RST_WND, 0)]
    );
    assert!(c.ev().is_empty());
    c.assert_closed();
}

#[test]
fn established_shutdown_tx_sends_fin_and_keeps_receiving() {
    let mut c = established();
    assert_eq!(c.shutdown(false, true), Err::Ok);
    assert_eq!(c.out(), vec![(FIN | ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::FinWait1);
    c.send(PSH | ACK, b"more");
    assert_eq!(c.app.received, b"more");
    assert_eq!(c.state(), TcpState::FinWait2);
}

#[test]
fn established_shutdown_rx_then_data_aborts() {
    // TF_RXCLOSED: tcp_input frees the data and calls tcp_abort.
    let mut c = established();
    assert_eq!(c.shutdown(true, false), Err::Ok);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::Established);
    c.send(PSH | ACK, b"late");
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 1, PEER_ISN + 5, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

#[test]
fn established_abort_sends_rst() {
    let mut c = established();
    c.abort();
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 1, PEER_ISN + 1, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

// -- FIN_WAIT_1 ----------------------------------------------------------------

#[test]
fn fin_wait_1_ack_of_fin_goes_to_fin_wait_2() {
    let c = fin_wait_2();
    assert_eq!(c.s.pcb(c.pcb).unwrap().lastack, ISN + 2);
}

#[test]
fn fin_wait_1_ack_of_nothing_stays() {
    let mut c = fin_wait_1();
    c.send_raw(PEER_ISN + 1, ISN + 1, ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::FinWait1);
}

#[test]
fn fin_wait_1_fin_acking_fin_goes_to_time_wait() {
    let mut c = fin_wait_1();
    c.send(FIN | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    assert_eq!(c.state(), TcpState::TimeWait);
    assert_eq!(c.ev(), vec![(c.recv_ev(None), Some(Err::Ok))]);
}

#[test]
fn fin_wait_1_fin_without_ack_of_fin_goes_to_closing() {
    let c = closing();
    assert_eq!(c.s.pcb(c.pcb).unwrap().rcv_nxt, PEER_ISN + 2);
}

#[test]
fn fin_wait_1_rst_resets() {
    // The application's err callback is still set after tcp_close.
    let mut c = fin_wait_1();
    c.send_raw(PEER_ISN + 1, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn fin_wait_1_data_after_close_aborts() {
    let mut c = fin_wait_1();
    c.send_raw(PEER_ISN + 1, ISN + 1, PSH | ACK, b"data");
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 2, PEER_ISN + 5, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

#[test]
fn fin_wait_1_fin_is_retransmitted_on_rto() {
    let mut c = fin_wait_1();
    c.at(2500);
    assert!(c.out().is_empty());
    c.at(3000);
    assert_eq!(c.out(), vec![(FIN | ACK, ISN + 1, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::FinWait1);
}

#[test]
fn fin_wait_1_close_and_shutdown_again() {
    // tcp_close_shutdown_fin: "Has already been closed, do nothing";
    // tcp_shutdown(tx) outside SYN_RCVD/ESTABLISHED/CLOSE_WAIT: ERR_CONN.
    let mut c = fin_wait_1();
    assert_eq!(c.close(), Err::Ok);
    assert_eq!(c.shutdown(false, true), Err::Conn);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::FinWait1);
}

#[test]
fn fin_wait_1_abort_sends_rst() {
    let mut c = fin_wait_1();
    c.abort();
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 2, PEER_ISN + 1, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

// -- FIN_WAIT_2 ----------------------------------------------------------------

#[test]
fn fin_wait_2_fin_goes_to_time_wait() {
    let c = time_wait();
    assert_eq!(c.s.pcb(c.pcb).unwrap().rcv_nxt, PEER_ISN + 2);
}

#[test]
fn fin_wait_2_data_after_close_aborts() {
    let mut c = fin_wait_2();
    c.send(PSH | ACK, b"data");
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 2, PEER_ISN + 5, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

#[test]
fn fin_wait_2_rst_resets() {
    let mut c = fin_wait_2();
    c.send_raw(PEER_ISN + 1, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn fin_wait_2_rst_in_window_gets_challenge_ack() {
    let mut c = fin_wait_2();
    c.send_raw(PEER_ISN + 2, 0, RST, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::FinWait2);
}

#[test]
fn fin_wait_2_syn_gets_challenge_ack() {
    let mut c = fin_wait_2();
    c.send_raw(PEER_ISN + 1, 0, SYN, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.state(), TcpState::FinWait2);
}

#[test]
fn fin_wait_2_times_out_after_close() {
    // TF_RXCLOSED: removed when tcp_ticks - tmr > TCP_FIN_WAIT_TIMEOUT /
    // 500 = 40, at the 41st slow tick; err(ERR_ABRT), no RST.
    let mut c = fin_wait_2();
    c.at(20_000);
    assert_eq!(c.state(), TcpState::FinWait2);
    c.at(20_500);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

#[test]
fn fin_wait_2_after_shutdown_tx_does_not_time_out() {
    // "If this PCB is in FIN_WAIT_2 because of SHUT_WR don't let it time
    // out"; data still flows to the application.
    let mut c = established();
    assert_eq!(c.shutdown(false, true), Err::Ok);
    c.out();
    c.send(ACK, &[]);
    assert_eq!(c.state(), TcpState::FinWait2);
    c.at(60_000);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::FinWait2);
    c.send(PSH | ACK, b"late");
    assert_eq!(c.app.received, b"late");
    c.at(60_250);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 5, WND - 1, 0)]);
}

// -- CLOSE_WAIT ----------------------------------------------------------------

#[test]
fn close_wait_close_sends_fin() {
    let c = last_ack();
    assert!(c.s.is_valid(c.pcb));
}

#[test]
fn close_wait_shutdown_tx_sends_fin() {
    let mut c = close_wait();
    assert_eq!(c.shutdown(false, true), Err::Ok);
    assert_eq!(
        c.out(),
        vec![(FIN | ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0)]
    );
    assert_eq!(c.state(), TcpState::LastAck);
}

#[test]
fn close_wait_can_still_send() {
    let mut c = close_wait();
    assert_eq!(
        c.s.tcp_write(c.pcb, b"bye", WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    assert_eq!(c.s.tcp_output(c.pcb).unwrap(), Err::Ok);
    assert_eq!(
        c.out(),
        vec![(PSH | ACK, ISN + 1, PEER_ISN + 2, WND - 1, 3)]
    );
    c.send(ACK, &[]);
    assert_eq!(c.ev(), vec![c.sent_ev(3)]);
    assert_eq!(c.state(), TcpState::CloseWait);
}

#[test]
fn close_wait_retransmitted_fin_is_acked() {
    // tcp_receive: "tcplen > 0 && state < CLOSE_WAIT" is false; the else
    // branch ACKs segments starting outside the window (seqno < rcv_nxt).
    let mut c = close_wait();
    c.send_raw(PEER_ISN + 1, ISN + 1, FIN | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::CloseWait);
}

#[test]
fn close_wait_data_is_ignored() {
    // Same branch, seqno == rcv_nxt (in window): no ACK, no callback, the
    // text is dropped ("Ignore the segment text", RFC 793).
    let mut c = close_wait();
    c.send_raw(PEER_ISN + 2, ISN + 1, PSH | ACK, b"more");
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::CloseWait);
    assert_eq!(c.s.pcb(c.pcb).unwrap().rcv_nxt, PEER_ISN + 2);
}

#[test]
fn close_wait_rst_resets() {
    let mut c = close_wait();
    c.send_raw(PEER_ISN + 2, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn close_wait_abort_sends_rst() {
    let mut c = close_wait();
    c.abort();
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 1, PEER_ISN + 2, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

// -- CLOSING -------------------------------------------------------------------

#[test]
fn closing_ack_of_fin_goes_to_time_wait() {
    let mut c = closing();
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::TimeWait);
}

#[test]
fn closing_ack_of_nothing_stays() {
    let mut c = closing();
    c.send_raw(PEER_ISN + 2, ISN + 1, ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::Closing);
}

#[test]
fn closing_retransmitted_fin_is_acked() {
    // As in CLOSE_WAIT: the text is ignored, the out-of-window start ACKed.
    let mut c = closing();
    c.send_raw(PEER_ISN + 1, ISN + 1, FIN | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::Closing);
}

#[test]
fn closing_rst_resets() {
    let mut c = closing();
    c.send_raw(PEER_ISN + 2, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn closing_abort_sends_rst() {
    let mut c = closing();
    c.abort();
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 2, PEER_ISN + 2, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

// -- LAST_ACK ------------------------------------------------------------------

#[test]
fn last_ack_ack_closes_silently() {
    // TF_CLOSED; the application closed (TF_RXCLOSED): no err callback.
    let mut c = last_ack();
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    c.assert_closed();
}

#[test]
fn last_ack_after_shutdown_tx_ack_closes_with_err_clsd() {
    // Only the tx side was shut: tcp_input_delayed_close calls
    // err(ERR_CLSD) before freeing the pcb.
    let mut c = close_wait();
    assert_eq!(c.shutdown(false, true), Err::Ok);
    c.out();
    c.send(ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Clsd)]);
    c.assert_closed();
}

#[test]
fn last_ack_ack_of_nothing_stays() {
    let mut c = last_ack();
    c.send_raw(PEER_ISN + 2, ISN + 1, ACK, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::LastAck);
}

#[test]
fn last_ack_rst_resets() {
    let mut c = last_ack();
    c.send_raw(PEER_ISN + 2, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Rst)]);
    c.assert_closed();
}

#[test]
fn last_ack_rst_out_of_window_is_ignored() {
    let mut c = last_ack();
    c.send_raw(PEER_ISN + 1, 0, RST, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::LastAck);
}

#[test]
fn last_ack_times_out_after_2msl() {
    // The FIN is retransmitted with backoff (rto 6 ticks doubled each
    // time: 3, 9, 21, 45, 93 s); tcp_slowtmr removes a
    // LAST_ACK pcb when tcp_ticks - tmr > 2 * TCP_MSL / 500 = 240:
    // err(ERR_ABRT), no RST.
    let mut c = last_ack();
    let mut resent = Vec::new();
    for t in (500..=120_000).step_by(500) {
        c.at(t);
        for seg in c.out() {
            assert_eq!(seg, (FIN | ACK, ISN + 1, PEER_ISN + 2, WND - 1, 0));
            resent.push(t);
        }
    }
    assert_eq!(resent, vec![3000, 9000, 21_000, 45_000, 93_000]);
    assert_eq!(c.state(), TcpState::LastAck);
    assert!(c.ev().is_empty());
    c.at(120_500);
    assert!(c.out().is_empty());
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

#[test]
fn last_ack_abort_sends_rst() {
    let mut c = last_ack();
    c.abort();
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 2, PEER_ISN + 2, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![c.err_ev(Err::Abrt)]);
    c.assert_closed();
}

// -- TIME_WAIT -----------------------------------------------------------------

#[test]
fn time_wait_expires_after_2msl() {
    // Removed when tcp_ticks - tmr > 2 * TCP_MSL / 500 = 240; no callback.
    let mut c = time_wait();
    c.at(120_000);
    assert_eq!(c.state(), TcpState::TimeWait);
    c.at(120_500);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    c.assert_closed();
}

#[test]
fn time_wait_rst_and_ack_are_ignored() {
    let mut c = time_wait();
    c.send_raw(PEER_ISN + 2, ISN + 2, RST | ACK, &[]);
    c.send_raw(PEER_ISN + 2, ISN + 2, ACK, &[]);
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::TimeWait);
}

#[test]
fn time_wait_retransmitted_fin_is_acked_and_restarts_timer() {
    let mut c = time_wait();
    c.at(100_000);
    c.send_raw(PEER_ISN + 1, ISN + 2, FIN | ACK, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    assert!(c.ev().is_empty());
    c.at(220_000);
    assert_eq!(c.state(), TcpState::TimeWait);
    c.at(220_500);
    c.assert_closed();
}

#[test]
fn time_wait_syn_in_window_is_reset() {
    let mut c = time_wait();
    c.send_raw(PEER_ISN + 100, 0, SYN, &[]);
    assert_eq!(c.out(), vec![(RST | ACK, 0, PEER_ISN + 101, RST_WND, 0)]);
    assert_eq!(c.state(), TcpState::TimeWait);
}

#[test]
fn time_wait_syn_beyond_window_and_data_are_acked() {
    let mut c = time_wait();
    c.send_raw(PEER_ISN + 900_000, 0, SYN, &[]);
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    c.send_raw(PEER_ISN + 2, ISN + 2, PSH | ACK, b"zz");
    assert_eq!(c.out(), vec![(ACK, ISN + 2, PEER_ISN + 2, WND - 1, 0)]);
    assert!(c.ev().is_empty());
    assert_eq!(c.state(), TcpState::TimeWait);
}

#[test]
fn time_wait_close_is_a_no_op() {
    let mut c = time_wait();
    assert_eq!(c.close(), Err::Ok);
    assert_eq!(c.shutdown(false, true), Err::Conn);
    assert!(c.out().is_empty());
    assert_eq!(c.state(), TcpState::TimeWait);
}

#[test]
fn time_wait_abort_frees_silently() {
    // tcp_abandon on TIME_WAIT: removed and freed, no RST, no callback.
    let mut c = time_wait();
    c.abort();
    assert!(c.out().is_empty());
    assert!(c.ev().is_empty());
    c.assert_closed();
}

// -- CLOSED --------------------------------------------------------------------

#[test]
fn closed_segments_after_terminal_event_get_rst() {
    // After the pcb is freed, only the listener answers: ACK set -> RST.
    let mut c = last_ack();
    c.send(ACK, &[]);
    c.assert_closed();
    c.send_raw(PEER_ISN + 2, ISN + 2, PSH | ACK, b"zz");
    assert_eq!(
        c.out(),
        vec![(RST | ACK, ISN + 2, PEER_ISN + 4, RST_WND, 0)]
    );
    // No listener either: tcp_input's "no PCB match" RST.
    let mut c = syn_sent();
    c.abort();
    c.out();
    c.send_raw(PEER_ISN, ISN, SYN | ACK, &[]);
    assert_eq!(c.out(), vec![(RST | ACK, ISN, PEER_ISN + 1, RST_WND, 0)]);
    // A RST to a closed port is never answered.
    c.send_raw(PEER_ISN, ISN, RST | ACK, &[]);
    assert!(c.out().is_empty());
}

#[test]
fn closed_fresh_pcb_close_and_abort() {
    // CLOSED (tcp_new, never used): tcp_close frees it; tcp_abort frees
    // it without RST but calls err(ERR_ABRT) (tcp_abandon, state CLOSED).
    let mut s = stack();
    let a = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.pcb(a).unwrap().state, TcpState::Closed);
    assert_eq!(s.tcp_close(a).unwrap(), Err::Ok);
    assert!(!s.is_valid(a));
    let b = s.tcp_new(&mut NullApp).unwrap();
    s.tcp_abort(b, &mut NullApp).unwrap();
    assert!(!s.is_valid(b));
    assert!(recv!(s).is_empty());
    assert_eq!(
        events(&mut s),
        vec![(
            Callback::Err {
                pcb: b,
                err: Err::Abrt
            },
            None
        )]
    );
    assert_eq!(s.pcbs_used(), 0);
}
