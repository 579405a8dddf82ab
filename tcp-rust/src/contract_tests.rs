//! Tests with an application that breaks lwIP's callback contract (a
//! callback returns `ERR_ABRT` exactly when it aborted its pcb), and tests
//! of configuration-dependent arms the full profile cannot reach.
//!
//! The port checks both `err == ERR_ABRT` and whether the pcb is still
//! alive after every callback, so that neither half of a broken contract
//! lets it work on a freed pcb. The expectations are lwIP's: after a
//! callback returns `ERR_ABRT` tcp_in.c/tcp.c go to `aborted:` (or return)
//! without touching the pcb again in that call, and after a real abort
//! nothing more is sent or called back for the pcb.

use std::vec::Vec;

use crate::err::Err;

use crate::stack::{Callback, Handle, WriteFlags};
use crate::state::TcpState;
use crate::test_support::*;
use crate::{Config, Netif, Profile, Tcp};

/// What a callback of [`Breaker`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// Keeps the contract: recv consumes data and keeps the pcb open on a
    /// FIN; everything returns ERR_OK.
    #[default]
    Plain,
    /// `tcp_abort(pcb)` and then returns ERR_OK (breaks the contract).
    AbortOk,
    /// Returns ERR_ABRT without aborting (breaks the contract).
    AbrtOnly,
    /// recv only: refuses the data (ERR_MEM), keeping the contract.
    Refuse,
    /// recv only: takes the data (ERR_OK) without `tcp_recved`.
    Hold,
}

#[derive(Default)]
struct Breaker {
    accept: Mode,
    connected: Mode,
    recv_data: Mode,
    recv_fin: Mode,
    sent: Mode,
    poll: Mode,
    accepted: Vec<Handle>,
}

fn act<P: Profile<Storage = crate::storage::Pools>>(
    t: &mut Tcp<TestHooks, P>,
    pcb: Handle,
    m: Mode,
) -> Err {
    match m {
        Mode::Plain => Err::Ok,
        Mode::AbortOk => {
            t.tcp_abort(pcb, &mut NullApp).unwrap();
            Err::Ok
        }
        Mode::AbrtOnly => Err::Abrt,
        Mode::Refuse => Err::Mem,
        Mode::Hold => Err::Ok,
    }
}

impl<P: Profile<Storage = crate::storage::Pools>> crate::stack::TcpApp<TestHooks, P> for Breaker {
    const OWNS_RECV_PBUF: bool = false;
    fn accept(&mut self, t: &mut Tcp<TestHooks, P>, _: Handle, new: Option<Handle>, _: Err) -> Err {
        let new = new.unwrap();
        self.accepted.push(new);
        act(t, new, self.accept)
    }
    fn connected(&mut self, t: &mut Tcp<TestHooks, P>, pcb: Handle, _: Err) -> Err {
        act(t, pcb, self.connected)
    }
    fn recv(
        &mut self,
        t: &mut Tcp<TestHooks, P>,
        pcb: Handle,
        data: Option<crate::stack::PbufOf<P>>,
        _: Err,
    ) -> Err {
        match data {
            None => act(t, pcb, self.recv_fin),
            Some(p) => {
                if self.recv_data == Mode::Plain {
                    t.tcp_recved(pcb, t.pbuf_tot_len(p)).unwrap();
                }
                act(t, pcb, self.recv_data)
            }
        }
    }
    fn sent(&mut self, t: &mut Tcp<TestHooks, P>, pcb: Handle, _: u16) -> Err {
        act(t, pcb, self.sent)
    }
    fn poll(&mut self, t: &mut Tcp<TestHooks, P>, pcb: Handle) -> Err {
        act(t, pcb, self.poll)
    }
    fn err(&mut self, _: &mut Tcp<TestHooks, P>, _: Handle, _: bool, _: (), _: Err) {}
}

/// The kinds of the callbacks logged since the last call: 'A'ccept,
/// 'C'onnected, 'R'ecv with data, 'F' recv(NULL), 'S'ent, 'P'oll, 'E'rr.
fn kinds<P: Profile<Storage = crate::storage::Pools>>(
    s: &mut Tcp<TestHooks, P>,
) -> std::string::String {
    events(s)
        .iter()
        .map(|(c, _)| match c {
            Callback::Accept { .. } => 'A',
            Callback::Connected { .. } => 'C',
            Callback::Recv { len: Some(_), .. } => 'R',
            Callback::Recv { len: None, .. } => 'F',
            Callback::Sent { .. } => 'S',
            Callback::Poll { .. } => 'P',
            Callback::Err { .. } => 'E',
        })
        .collect()
}

/// An ESTABLISHED connection (passive open) whose lwIP side has sent
/// `b"ping"` that the peer has not acknowledged yet; output and events
/// drained. The peer's `ack` covers the data.
fn established_with_unacked(port: u16, peer: &mut Peer) -> (std::boxed::Box<T>, Handle) {
    let mut s = stack();
    let mut app = TestApp::default();
    let (_, pcb) = established(&mut s, &mut app, port, peer);
    assert_eq!(
        s.tcp_write(pcb, b"ping", WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    assert_eq!(s.tcp_output(pcb).unwrap(), Err::Ok);
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].payload, b"ping");
    peer.saw(&out[0]);
    events(&mut s);
    (s, pcb)
}

/// The abort's RST is the only segment out, and the pcb is freed.
fn assert_aborted_by_one_rst(s: &mut T, pcb: Handle) {
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags & RST, RST);
    assert!(!s.is_valid(pcb));
    assert_eq!(s.pcbs_used(), 0);
}
// -- tcp_input_rest: the sent callback ------------------------------------------

/// tcp_in.c: `TCP_EVENT_SENT(pcb, acked16, err); if (err == ERR_ABRT) goto
/// aborted;` — a sent callback that aborts (even returning ERR_OK) ends the
/// segment's processing: the data it carried is not passed to recv and
/// nothing but the abort's RST goes out.
#[test]
fn sent_that_aborts_but_returns_ok_ends_the_input() {
    let mut peer = Peer::new(41001, 7, 100);
    let (mut s, pcb) = established_with_unacked(7, &mut peer);
    let mut app = Breaker {
        sent: Mode::AbortOk,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(5, 0), b"data"));
    assert_eq!(kinds(&mut s), "SE");
    assert_aborted_by_one_rst(&mut s, pcb);
    assert_eq!(s.segs_used(), 0);
}

/// As above with a sent callback that returns ERR_ABRT without aborting:
/// lwIP goes to `aborted:` all the same, so no recv callback and no ACK;
/// the pcb stays (ESTABLISHED, the data was accepted by tcp_receive).
#[test]
fn sent_that_returns_abrt_without_aborting_ends_the_input() {
    let mut peer = Peer::new(41002, 7, 100);
    let (mut s, pcb) = established_with_unacked(7, &mut peer);
    let mut app = Breaker {
        sent: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(5, 0), b"data"));
    assert_eq!(kinds(&mut s), "S");
    assert!(recv!(s).is_empty());
    let p = s.pcb(pcb).unwrap();
    assert_eq!(p.state, TcpState::Established);
    assert_eq!(p.rcv_nxt, peer.seq);
}

// -- tcp_input_rest: recv with data ---------------------------------------------

/// `TCP_EVENT_RECV(pcb, recv_data, ERR_OK, err); if (err == ERR_ABRT) goto
/// aborted;`: a recv that aborts ends the input, so the FIN in the same
/// segment is not reported (no recv(NULL)) and only the RST goes out.
#[test]
fn recv_that_aborts_but_returns_ok_ends_the_input() {
    let mut peer = Peer::new(41003, 7, 100);
    let (mut s, pcb) = established_with_unacked(7, &mut peer);
    let mut app = Breaker {
        recv_data: Mode::AbortOk,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(FIN | PSH | ACK, &ts(5, 0), b"data"));
    assert_eq!(kinds(&mut s), "SRE");
    assert_aborted_by_one_rst(&mut s, pcb);
    assert_eq!(s.pool_pbufs_used(), 0);
}

/// A recv that returns ERR_ABRT without aborting: lwIP goes to `aborted:`,
/// so neither the FIN's recv(NULL) nor the ACK of data and FIN happens in
/// this call; the pcb stays, in CLOSE_WAIT (tcp_process saw the FIN), with
/// nothing refused (lwIP keeps no refused_data after ERR_ABRT).
#[test]
fn recv_that_returns_abrt_without_aborting_ends_the_input() {
    let mut peer = Peer::new(41004, 7, 100);
    let (mut s, pcb) = established_with_unacked(7, &mut peer);
    let mut app = Breaker {
        recv_data: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(FIN | PSH | ACK, &ts(5, 0), b"data"));
    assert_eq!(kinds(&mut s), "SR");
    assert!(recv!(s).is_empty());
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::CloseWait);
    assert_eq!(s.refused_bytes(pcb).unwrap(), 0);
}

// -- tcp_input_rest: the FIN's recv(NULL) ---------------------------------------

/// `TCP_EVENT_CLOSED(pcb, err); if (err == ERR_ABRT) goto aborted;`: a
/// recv(NULL) that aborts ends the input; the FIN is not ACKed, only the
/// abort's RST goes out.
#[test]
fn fin_recv_that_aborts_but_returns_ok_ends_the_input() {
    let mut peer = Peer::new(41005, 7, 100);
    let (mut s, pcb) = established_with_unacked(7, &mut peer);
    let mut app = Breaker {
        recv_fin: Mode::AbortOk,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(FIN | ACK, &ts(5, 0), &[]));
    assert_eq!(kinds(&mut s), "SFE");
    assert_aborted_by_one_rst(&mut s, pcb);
}

/// A recv(NULL) returning ERR_ABRT without aborting: no ACK of the FIN in
/// this call (lwIP's tcp_output at the end of tcp_input is skipped).
#[test]
fn fin_recv_that_returns_abrt_without_aborting_ends_the_input() {
    let mut peer = Peer::new(41006, 7, 100);
    let (mut s, pcb) = established_with_unacked(7, &mut peer);
    let mut app = Breaker {
        recv_fin: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(FIN | ACK, &ts(5, 0), &[]));
    assert_eq!(kinds(&mut s), "SF");
    assert!(recv!(s).is_empty());
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::CloseWait);
}

// -- tcp_process: the connected callback ----------------------------------------

/// An active open up to the SYN-ACK: the pcb, and the peer that has seen
/// the SYN.
fn syn_sent(s: &mut T, write_first: bool) -> (Handle, Peer) {
    let pcb = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_connect(pcb, PEER_IP, 80).unwrap(), Err::Ok);
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    let mut peer = Peer::new(80, out[0].sport, 5000);
    peer.saw(&out[0]);
    if write_first {
        // tcp_write_checks allows SYN_SENT; the data waits on unsent.
        assert_eq!(
            s.tcp_write(pcb, b"early", WriteFlags::COPY).unwrap(),
            Err::Ok
        );
        assert!(recv!(s).is_empty());
    }
    (pcb, peer)
}

/// SYN_SENT in tcp_process: `TCP_EVENT_CONNECTED(pcb, ERR_OK, err); if (err
/// == ERR_ABRT) return ERR_ABRT;` comes before `tcp_ack_now(pcb)`, and
/// tcp_input does nothing more after ERR_ABRT: a connected callback that
/// returns ERR_ABRT without aborting gets no ACK of the SYN-ACK sent.
#[test]
fn connected_that_returns_abrt_without_aborting_sends_no_ack() {
    let mut s = stack();
    let (pcb, mut peer) = syn_sent(&mut s, false);
    let mut app = Breaker {
        connected: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(SYN | ACK, &[2, 4, 0x05, 0xb4], &[]));
    assert_eq!(kinds(&mut s), "C");
    assert!(recv!(s).is_empty());
    let p = s.pcb(pcb).unwrap();
    assert_eq!(p.state, TcpState::Established);
    assert_eq!(p.flags & crate::state::TF_ACK_NOW, 0);
}

/// As above with data written in SYN_SENT: tcp_input's `if (err !=
/// ERR_ABRT)` skips the tcp_output that would send it, so nothing goes out.
#[test]
fn connected_that_returns_abrt_without_aborting_sends_no_data() {
    let mut s = stack();
    let (pcb, mut peer) = syn_sent(&mut s, true);
    let mut app = Breaker {
        connected: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(SYN | ACK, &[2, 4, 0x05, 0xb4], &[]));
    assert_eq!(kinds(&mut s), "C");
    assert!(recv!(s).is_empty());
    assert_eq!(s.unsent_bytes(pcb).unwrap(), 5);
    // Keeping the contract, the same exchange sends the data (with the ACK).
    let mut s = stack();
    let (_, mut peer) = syn_sent(&mut s, true);
    send!(
        s,
        &mut Breaker::default(),
        peer.seg(SYN | ACK, &[2, 4, 0x05, 0xb4], &[])
    );
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].payload, b"early");
}

// -- tcp_process: the accept callback -------------------------------------------

/// SYN_RCVD in tcp_process: `if (err != ERR_OK) { if (err != ERR_ABRT)
/// tcp_abort(pcb); return ERR_ABRT; }` — an accept that returns ERR_ABRT is
/// taken at its word: lwIP does not abort the pcb (no RST), it is left as
/// it is (ESTABLISHED).
#[test]
fn accept_that_returns_abrt_without_aborting_is_not_aborted() {
    let mut s = stack();
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], 7).unwrap(), Err::Ok);
    s.tcp_listen_with_backlog(l, 4).unwrap().unwrap();
    let mut app = Breaker {
        accept: Mode::AbrtOnly,
        ..Breaker::default()
    };
    let mut peer = Peer::new(41008, 7, 100);
    send!(s, &mut app, peer.seg(SYN, &[2, 4, 0x05, 0xb4], &[]));
    let synack = recv!(s);
    assert_eq!(synack.len(), 1);
    peer.saw(&synack[0]);
    send!(s, &mut app, peer.seg(ACK, &[], &[]));
    assert_eq!(kinds(&mut s), "A");
    assert!(recv!(s).is_empty(), "no RST");
    let pcb = app.accepted[0];
    assert_eq!(s.pcb(pcb).unwrap().state, TcpState::Established);
}

// -- tcp_input / tcp_process_refused_data: refused data offered again ---------

/// A connection whose recv refused `b"kept"` (ERR_MEM); the lwIP side has
/// unacknowledged `b"ping"` outstanding.
fn with_refused(port: u16, peer: &mut Peer, fin: bool) -> (std::boxed::Box<T>, Handle) {
    let (mut s, pcb) = established_with_unacked(port, peer);
    let mut app = Breaker {
        recv_data: Mode::Refuse,
        ..Breaker::default()
    };
    // The peer does not acknowledge "ping" yet.
    let ack = peer.ack;
    peer.ack = ack.wrapping_sub(4);
    let flags = if fin { FIN | PSH | ACK } else { PSH | ACK };
    send!(s, &mut app, peer.seg(flags, &ts(5, 0), b"kept"));
    peer.ack = ack;
    assert_eq!(kinds(&mut s), "R");
    assert_eq!(s.refused_bytes(pcb).unwrap(), 4);
    // The ACK for "kept" alone is delayed (tcp_ack); a FIN is ACKed at
    // once (tcp_ack_now), refused data or not.
    assert_eq!(recv!(s).len(), usize::from(fin));
    (s, pcb)
}

/// tcp_input: `if ((tcp_process_refused_data(pcb) == ERR_ABRT) || ...) goto
/// aborted;` with tcp_process_refused_data returning ERR_ABRT when recv
/// does: a recv that returns ERR_ABRT without aborting makes lwIP drop the
/// incoming ACK unprocessed (no sent callback) and the refused data.
#[test]
fn refused_data_recv_that_returns_abrt_drops_the_segment() {
    let mut peer = Peer::new(41009, 7, 100);
    let (mut s, pcb) = with_refused(7, &mut peer, false);
    let mut app = Breaker {
        recv_data: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(ACK, &ts(6, 0), &[]));
    assert_eq!(kinds(&mut s), "R");
    assert!(recv!(s).is_empty());
    assert_eq!(s.refused_bytes(pcb).unwrap(), 0);
    // "ping" is still unacknowledged: the ACK was not processed.
    let p = s.pcb(pcb).unwrap();
    assert_ne!(p.lastack, peer.ack);
}

/// As above with a recv that aborts and returns ERR_OK: the pcb is gone,
/// so the segment is dropped: its data is neither delivered nor ACKed.
#[test]
fn refused_data_recv_that_aborts_but_returns_ok_drops_the_segment() {
    let mut peer = Peer::new(41010, 7, 100);
    let (mut s, pcb) = with_refused(7, &mut peer, false);
    let mut app = Breaker {
        recv_data: Mode::AbortOk,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(PSH | ACK, &ts(6, 0), b"more"));
    assert_eq!(kinds(&mut s), "RE");
    // tcp_pcb_remove (from tcp_abort) sends the ACK delayed for "kept"
    // (tcp_input_pcb is not yet set while refused data is offered), then
    // tcp_abandon the RST; "more" is neither delivered nor acknowledged.
    let out = recv!(s);
    assert_eq!(out.len(), 2);
    assert_eq!((out[0].flags, out[0].ack), (ACK, peer.seq.wrapping_sub(4)));
    assert_eq!(out[1].flags & RST, RST);
    assert!(!s.is_valid(pcb));
    assert_eq!(s.pcbs_used(), 0);
    assert_eq!(s.pool_pbufs_used(), 0);
}

/// tcp_process_refused_data with a refused FIN: `TCP_EVENT_CLOSED(pcb,
/// err); if (err == ERR_ABRT) return ERR_ABRT;` — a recv(NULL) returning
/// ERR_ABRT without aborting makes tcp_input drop the incoming ACK (no sent
/// callback, no output).
#[test]
fn refused_fin_recv_that_returns_abrt_drops_the_segment() {
    let mut peer = Peer::new(41011, 7, 100);
    let (mut s, pcb) = with_refused(7, &mut peer, true);
    let mut app = Breaker {
        recv_fin: Mode::AbrtOnly,
        ..Breaker::default()
    };
    send!(s, &mut app, peer.seg(ACK, &ts(6, 0), &[]));
    assert_eq!(kinds(&mut s), "RF");
    assert!(recv!(s).is_empty());
    assert_ne!(s.pcb(pcb).unwrap().lastack, peer.ack);
}

// -- tcp_slowtmr: the poll callback ---------------------------------------------

/// tcp_slowtmr: `TCP_EVENT_POLL(prev, err); ... if (err == ERR_OK)
/// tcp_output(prev);` — a poll that returns ERR_ABRT without aborting gets
/// no tcp_output, so data waiting on unsent stays there; the next poll
/// returning ERR_OK sends it.
#[test]
fn poll_that_returns_abrt_without_aborting_gets_no_output() {
    let mut s = stack();
    let mut setup = TestApp::default();
    let mut peer = Peer::new(41012, 7, 100);
    let (_, pcb) = established(&mut s, &mut setup, 7, &mut peer);
    s.tcp_poll(pcb, true, 1).unwrap();
    assert_eq!(
        s.tcp_write(pcb, b"wait", WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    let mut app = Breaker {
        poll: Mode::AbrtOnly,
        ..Breaker::default()
    };
    let slow = s.config().tcp_slow_interval();
    let t = (s.now() / slow + 1) * slow;
    s.advance_to(t, &mut app).unwrap();
    assert_eq!(kinds(&mut s), "P");
    assert!(recv!(s).is_empty());
    assert_eq!(s.unsent_bytes(pcb).unwrap(), 4);
    s.advance_to(t + slow, &mut Breaker::default()).unwrap();
    assert_eq!(kinds(&mut s), "P");
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].payload, b"wait");
}

// -- Arms the full profile cannot take, with another Config ---------------------

/// A listener on `port`, a handshake with `syn_options` (the peer's SYN),
/// and the accepted pcb; output and events drained.
fn accept_one<P: Profile<Storage = crate::storage::Pools>>(
    s: &mut Tcp<TestHooks, P>,
    port: u16,
    peer: &mut Peer,
    syn_options: &[u8],
    app: &mut Breaker,
) -> Handle {
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], port).unwrap(), Err::Ok);
    s.tcp_listen_with_backlog(l, 4).unwrap().unwrap();
    send!(s, app, peer.seg(SYN, syn_options, &[]));
    let synack = recv!(s);
    assert_eq!(synack.len(), 1);
    peer.saw(&synack[0]);
    send!(s, app, peer.seg(ACK, &[], &[]));
    assert!(recv!(s).is_empty());
    events(s);
    *app.accepted.last().unwrap()
}

/// tcp.c tcp_update_rcv_ann_wnd: the window is advertised anew once the
/// right edge can move by `LWIP_MIN(TCP_WND / 2, pcb->mss)`. With TCP_WND
/// 2000 and an MSS of 1460 that is 1000: 1200 bytes received (the edge
/// kept, 800 announced) and then `tcp_recved(1200)` move the edge by 1200,
/// at least 1000, so tcp_recved's inflation is 1200, above
/// TCP_WND_UPDATE_THRESHOLD (opt.h: MIN(TCP_WND / 4, 4 * TCP_MSS) = 500),
/// and lwIP sends the window update (2000) at once.
#[test]
fn window_update_threshold_is_half_the_window_when_below_the_mss() {
    struct Wnd2000;
    impl Profile for Wnd2000 {
        const CONFIG: Config = Config {
            tcp_wnd: 2000,
            tcp_wnd_update_threshold: 500,
            ..Config::full()
        };
        type Storage = crate::storage::Pools;
    }
    let mut s = stack_for::<Wnd2000>(Netif::default());
    let mut app = Breaker {
        recv_data: Mode::Hold,
        ..Breaker::default()
    };
    let mut peer = Peer::new(41020, 7, 100);
    // MSS 1460 only: no window scaling, no timestamps.
    let pcb = accept_one(&mut s, 7, &mut peer, &[2, 4, 0x05, 0xb4], &mut app);
    assert_eq!(s.pcb(pcb).unwrap().mss, 1460);
    send!(s, &mut app, peer.seg(PSH | ACK, &[], &[7u8; 1200]));
    assert_eq!(kinds(&mut s), "R");
    assert!(recv!(s).is_empty(), "the first segment's ACK is delayed");
    assert_eq!(s.pcb(pcb).unwrap().rcv_ann_wnd, 800);
    s.tcp_recved(pcb, 1200).unwrap();
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].flags, out[0].ack, out[0].wnd),
        (ACK, peer.seq, 2000)
    );
}

/// tcp_in.c SYN_RCVD: `pcb->cwnd = LWIP_TCP_CALC_INITIAL_CWND(pcb->mss)`,
/// `LWIP_MIN(4U * (mss), LWIP_MAX(2U * (mss), 4380U))`: with an MSS of
/// 2500 (TCP_MSS 2500, a 9000-byte MTU) that is min(10000, max(5000,
/// 4380)) = 5000, so tcp_output sends both 2500-byte segments of a
/// 5000-byte write at once.
#[test]
fn initial_cwnd_is_twice_an_mss_above_2190() {
    struct Mss2500;
    impl Profile for Mss2500 {
        const CONFIG: Config = Config {
            tcp_mss: 2500,
            tcp_snd_buf: 5000,
            ..Config::full()
        };
        type Storage = crate::storage::Pools;
    }
    let netif = Netif {
        mtu: 9000,
        ..Netif::default()
    };
    let mut s = stack_for::<Mss2500>(netif);
    let mut app = Breaker::default();
    let mut peer = Peer::new(41021, 7, 100);
    let pcb = accept_one(&mut s, 7, &mut peer, &[2, 4, 0x09, 0xc4], &mut app);
    let p = s.pcb(pcb).unwrap();
    assert_eq!((p.mss, p.cwnd), (2500, 5000));
    let data = [5u8; 5000];
    assert_eq!(s.tcp_write(pcb, &data, WriteFlags::COPY).unwrap(), Err::Ok);
    assert_eq!(s.tcp_output(pcb).unwrap(), Err::Ok);
    let out = recv!(s);
    let lens: Vec<usize> = out.iter().map(|o| o.payload.len()).collect();
    assert_eq!(lens, [2500, 2500]);
}

/// `seg` (an IPv4 packet without options) with `n` bytes of IP NOP options
/// inserted after the fixed header; the TCP checksum stays valid.
fn with_ip_options(seg: &[u8], n: usize) -> Vec<u8> {
    let mut p = seg[..20].to_vec();
    p.extend(std::iter::repeat_n(1u8, n));
    p.extend_from_slice(&seg[20..]);
    p[0] = 0x40 | ((20 + n) / 4) as u8;
    let total = p.len() as u16;
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p[10..12].copy_from_slice(&[0, 0]);
    let c = !fold(sum16(0, &p[..20 + n]));
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p
}

/// Profile full with 48-byte pool pbufs (300 of them) and a 536-byte MSS
/// (TCP_WND and TCP_SND_BUF scaled down so that `Config::check` passes).
struct SmallPoolPbufs;
impl Profile for SmallPoolPbufs {
    const CONFIG: Config = Config {
        pbuf_pool_bufsize: 48,
        pbuf_pool_size: 300,
        tcp_mss: 536,
        tcp_wnd: 2144,
        tcp_snd_buf: 1072,
        tcp_sndlowat: 1071,
        tcp_wnd_update_threshold: 536,
        tcp_oversize: 536,
        ..Config::full()
    };
    type Storage = crate::storage::Pools;
}

/// With PBUF_POOL_BUFSIZE 48 the first pool pbuf holds 48 bytes of a
/// packet. ip4_input drops a packet whose IP header does not fit in it
/// (`iphdr_hlen > p->len`: 60 > 48), and tcp_input one whose TCP header
/// does not (`p->len < TCP_HLEN`: a 40-byte IP header leaves 8 bytes), both
/// silently; the same SYN without IP options gets its SYN-ACK.
#[test]
fn headers_must_fit_in_the_first_pool_pbuf() {
    let mut s = stack_for::<SmallPoolPbufs>(Netif::default());
    let mut app = Breaker::default();
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], 7).unwrap(), Err::Ok);
    s.tcp_listen_with_backlog(l, 4).unwrap().unwrap();
    let syn = Peer::new(41022, 7, 100).seg(SYN, &[], &[]);
    send!(s, &mut app, with_ip_options(&syn, 40));
    assert!(recv!(s).is_empty(), "IP header past the first pbuf");
    send!(s, &mut app, with_ip_options(&syn, 20));
    assert!(recv!(s).is_empty(), "TCP header past the first pbuf");
    assert!(events(&mut s).is_empty());
    assert_eq!(s.pool_pbufs_used(), 0);
    send!(s, &mut app, syn);
    let out = recv!(s);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, SYN | ACK);
}

/// With PBUF_POOL_BUFSIZE 48 a TCP header's options can straddle the first
/// pool pbuf (tcp_input's `tcphdr_opt1`/`tcphdr_opt2` path: the first pbuf
/// left empty, the options' rest taken from the front of the next), and
/// tcp_receive's trim of data already received can run through several
/// pbufs. Each must come out as if the packet were one buffer.
#[test]
fn options_and_trims_across_small_pool_pbufs() {
    use crate::pbuf::PBUF_FLAG_PUSH;
    use crate::test_support::TestApp;
    // The same SYN with 4 bytes of IP options (its 20 bytes of TCP options
    // then start 44 bytes in: 4 in the first pbuf, 16 in the next) and
    // without: the same SYN-ACK.
    let synack = |ip_opts: usize| {
        let mut s = stack_for::<SmallPoolPbufs>(Netif::default());
        let mut app = TestApp::default();
        let l = s.tcp_new(&mut NullApp).unwrap();
        assert_eq!(s.tcp_bind(l, [0; 4], 7).unwrap(), Err::Ok);
        s.tcp_listen_with_backlog(l, 4).unwrap().unwrap();
        let mut peer = Peer::new(41023, 7, 100);
        let syn = peer.seg(SYN, &linux_syn_options(55), &[]);
        send!(s, &mut app, with_ip_options(&syn, ip_opts));
        let out = recv!(s);
        assert_eq!(out.len(), 1);
        (s, app, peer, out[0].clone())
    };
    let (_, _, _, plain) = synack(0);
    let (mut s, mut app, mut peer, split) = synack(4);
    assert_eq!((split.flags, &split.options), (SYN | ACK, &plain.options));
    assert_eq!(split.ts_val(), plain.ts_val());
    peer.saw(&split);
    // The handshake's ACK, then 100 bytes whose timestamp option straddles
    // (12 option bytes: 4 in the first pbuf, 8 in the next) and whose data
    // runs over three more pbufs.
    send!(s, &mut app, peer.seg(ACK, &ts(56, split.ts_val()), &[]));
    let pcb = *app.accepted.last().unwrap();
    let data: Vec<u8> = (0..100u8).collect();
    let seg = peer.seg(ACK | PSH, &ts(57, split.ts_val()), &data);
    send!(s, &mut app, with_ip_options(&seg, 4));
    assert_eq!(app.received, data);
    assert_eq!(app.pbuf_flags, vec![PBUF_FLAG_PUSH]);
    // A pure ACK whose options end the packet exactly: the rest of them
    // fill the second pbuf (its len equals the options' second part). It
    // acknowledges our 10 bytes.
    s.hooks.out.clear();
    assert_eq!(
        s.tcp_write(pcb, &[9; 10], WriteFlags::COPY).unwrap(),
        Err::Ok
    );
    assert_eq!(s.tcp_output(pcb).unwrap(), Err::Ok);
    let ours = recv!(s);
    assert_eq!(ours.len(), 1);
    peer.saw(&ours[0]);
    events(&mut s);
    let ack = peer.seg(ACK, &ts(58, ours[0].ts_val()), &[]);
    let ack = with_ip_options(&ack, 4);
    assert_eq!(ack.len(), 48 + 8);
    send!(s, &mut app, ack);
    assert_eq!(
        events(&mut s),
        vec![(Callback::Sent { pcb, len: 10 }, Some(Err::Ok))]
    );
    // 160 bytes of which the first 60 were received already: the trim
    // runs past the first pbuf (8 data bytes) and the second (48) into the
    // third. Only the 100 new bytes arrive.
    let more: Vec<u8> = (100..200u8).collect();
    let mut overlap = data[40..].to_vec();
    overlap.extend_from_slice(&more);
    peer.seq = peer.seq.wrapping_sub(60);
    let seg = peer.seg(ACK, &[], &overlap);
    send!(s, &mut app, seg);
    let mut want = data.clone();
    want.extend_from_slice(&more);
    assert_eq!(app.received, want);
    assert_eq!(app.pbuf_flags, vec![PBUF_FLAG_PUSH, 0]);
}

/// tcp_out.c tcp_pbuf_prealloc: with TCP_WRITE_FLAG_MORE a segment's pbuf
/// is allocated `LWIP_MIN(max_length, LWIP_MEM_ALIGN_SIZE(length +
/// TCP_OVERSIZE))` long. With TCP_OVERSIZE 1 and MEM_ALIGNMENT 8, 8 bytes
/// get a 16-byte pbuf: 8 bytes of oversize (`pcb->unsent_oversize`), which
/// tcp_write fills with the next 8 bytes instead of chaining a second pbuf.
#[test]
fn oversize_is_the_aligned_length_plus_tcp_oversize() {
    struct Oversize1;
    impl Profile for Oversize1 {
        const CONFIG: Config = Config {
            tcp_oversize: 1,
            ..Config::full()
        };
        type Storage = crate::storage::Pools;
    }
    let mut s = stack_for::<Oversize1>(Netif::default());
    let mut app = Breaker::default();
    let mut peer = Peer::new(41023, 7, 100);
    let pcb = accept_one(&mut s, 7, &mut peer, &[2, 4, 0x05, 0xb4], &mut app);
    let more = WriteFlags {
        copy: true,
        more: true,
    };
    assert_eq!(s.tcp_write(pcb, &[1u8; 8], more).unwrap(), Err::Ok);
    assert_eq!(s.pcb(pcb).unwrap().unsent_oversize, 8);
    assert_eq!(s.tcp_sndqueuelen(pcb).unwrap(), 1);
    assert_eq!(s.tcp_write(pcb, &[2u8; 8], more).unwrap(), Err::Ok);
    assert_eq!(s.pcb(pcb).unwrap().unsent_oversize, 0);
    assert_eq!(s.tcp_sndqueuelen(pcb).unwrap(), 1, "no second pbuf");
    assert_eq!(s.unsent_bytes(pcb).unwrap(), 16);
    assert!(recv!(s).is_empty());
}

// -- The heap (mem.c), MEM_SIZE 16384, MEM_ALIGNMENT 8 --------------------------
//
// SIZEOF_STRUCT_MEM is 8 (two u16 and a u8, aligned), MIN_SIZE_ALIGNED 16.
// A block is `(offset of its struct mem, data bytes, used)`.

use crate::mem::{Heap, MemPtr};

fn heap() -> Heap {
    let mut h = Heap::EMPTY;
    h.mem_init(16384, 8);
    h
}

/// Every block, in address order.
fn blocks(h: &Heap) -> Vec<(u16, u16, bool)> {
    let mut b = [(0u16, 0u16, false); 64];
    let n = h.blocks(&mut b);
    b[..n].to_vec()
}

fn malloc(h: &mut Heap, size: u16, at: u16) -> MemPtr {
    let m = h.mem_malloc(size);
    assert_eq!(m, Some(MemPtr(at)), "mem_malloc({size})");
    m.unwrap()
}

/// mem_malloc's split of a hole in the middle: `if (mem2->next !=
/// MEM_SIZE_ALIGNED) ptr_to_mem(mem2->next)->prev = ptr2;`, so the block
/// after the hole points back to the new free remainder, and freeing it
/// later merges backwards into that remainder (plug_holes).
#[test]
fn heap_split_hole_links_the_next_block_back() {
    let mut h = heap();
    let _a = malloc(&mut h, 16, 0);
    let b = malloc(&mut h, 40, 24);
    let c = malloc(&mut h, 16, 72);
    h.mem_free(b).unwrap();
    let _x = malloc(&mut h, 8, 24); // MIN_SIZE_ALIGNED; 16 + 8 + 16 fit in 40
    assert_eq!(
        blocks(&h),
        [
            (0, 16, true),
            (24, 16, true),
            (48, 16, false),
            (72, 16, true),
            (96, 16384 - 96 - 8, false)
        ]
    );
    h.mem_free(c).unwrap();
    assert_eq!(
        blocks(&h),
        [(0, 16, true), (24, 16, true), (48, 16384 - 48 - 8, false)]
    );
}

/// plug_holes' forward merge: `if (nmem->next != MEM_SIZE_ALIGNED)
/// ptr_to_mem(nmem->next)->prev = mem_to_ptr(mem);` — the block after the
/// merged pair points back to its start, so freeing it merges into it.
#[test]
fn heap_forward_merge_links_the_next_block_back() {
    let mut h = heap();
    let _p = malloc(&mut h, 16, 0);
    let m = malloc(&mut h, 16, 24);
    let n = malloc(&mut h, 16, 48);
    let q = malloc(&mut h, 16, 72);
    h.mem_free(n).unwrap();
    h.mem_free(m).unwrap();
    assert_eq!(
        blocks(&h),
        [
            (0, 16, true),
            (24, 40, false),
            (72, 16, true),
            (96, 16384 - 96 - 8, false)
        ]
    );
    h.mem_free(q).unwrap();
    assert_eq!(blocks(&h), [(0, 16, true), (24, 16384 - 24 - 8, false)]);
}

/// plug_holes' backward merge: `if (mem->next != MEM_SIZE_ALIGNED)
/// ptr_to_mem(mem->next)->prev = mem_to_ptr(pmem);`.
#[test]
fn heap_backward_merge_links_the_next_block_back() {
    let mut h = heap();
    let p = malloc(&mut h, 16, 0);
    let m = malloc(&mut h, 16, 24);
    let q = malloc(&mut h, 16, 48);
    let _s = malloc(&mut h, 16, 72);
    h.mem_free(p).unwrap();
    h.mem_free(m).unwrap();
    h.mem_free(q).unwrap();
    assert_eq!(
        blocks(&h),
        [(0, 64, false), (72, 16, true), (96, 16384 - 96 - 8, false)]
    );
}

/// `lfree` moves only as mem.c moves it: plug_holes sets it to the merged
/// block only when it was on the block merged away (`if (lfree == nmem)`,
/// `if (lfree == mem)`), and mem_trim only when it was on the moved free
/// header (`if (lfree == mem2)`). A lower free block keeps it, so the next
/// first fit lands there.
#[test]
fn heap_lfree_stays_on_the_lowest_free_block() {
    // Forward merge of two free blocks above lfree.
    let mut h = heap();
    let l = malloc(&mut h, 16, 0);
    let _u = malloc(&mut h, 16, 24);
    let m = malloc(&mut h, 16, 48);
    let n = malloc(&mut h, 16, 72);
    let _q = malloc(&mut h, 16, 96);
    h.mem_free(l).unwrap();
    h.mem_free(n).unwrap();
    h.mem_free(m).unwrap();
    assert_eq!(h.mem_malloc(16), Some(MemPtr(0)));

    // Backward merge above lfree.
    let mut h = heap();
    let l = malloc(&mut h, 16, 0);
    let _u = malloc(&mut h, 16, 24);
    let p = malloc(&mut h, 16, 48);
    let m = malloc(&mut h, 16, 72);
    let _q = malloc(&mut h, 16, 96);
    h.mem_free(l).unwrap();
    h.mem_free(p).unwrap();
    h.mem_free(m).unwrap();
    assert_eq!(h.mem_malloc(16), Some(MemPtr(0)));

    // mem_trim moving the header of a free block above lfree.
    let mut h = heap();
    let l = malloc(&mut h, 16, 0);
    let a = malloc(&mut h, 40, 24);
    h.mem_free(l).unwrap();
    assert_eq!(h.mem_trim(a, 16), Ok(()));
    assert_eq!(
        blocks(&h)[..3],
        [(0, 16, false), (24, 16, true), (48, 16384 - 48 - 8, false)]
    );
    assert_eq!(h.mem_malloc(16), Some(MemPtr(0)));
}

/// mem_trim: `if (newsize < MIN_SIZE_ALIGNED) newsize = MIN_SIZE_ALIGNED;`
/// (4 bytes keep 16, and 16 + 8 + 16 fit in 40: a free block at 24), and
/// `if (newsize == size) return rmem;` with no assertion.
#[test]
fn heap_trim_to_below_min_size_and_to_the_same_size() {
    let mut h = heap();
    let a = malloc(&mut h, 40, 0);
    let _b = malloc(&mut h, 16, 48);
    let c = malloc(&mut h, 40, 72);
    let _d = malloc(&mut h, 16, 120);
    assert_eq!(h.mem_trim(c, 40), Ok(()));
    assert_eq!(h.mem_trim(a, 4), Ok(()));
    assert_eq!(
        blocks(&h)[..6],
        [
            (0, 16, true),
            (24, 16, false),
            (48, 16, true),
            (72, 40, true),
            (120, 16, true),
            (144, 16384 - 144 - 8, false)
        ]
    );
}

/// mem_malloc: `if ((size > MEM_SIZE_ALIGNED) || (size < size_in)) return
/// NULL;` comes before the search, so such a request is not counted in
/// `lwip_stats.mem.err` (a failed search is).
#[test]
fn heap_request_above_the_heap_is_not_an_error() {
    let mut h = heap();
    assert_eq!(h.mem_malloc(20000), None);
    assert_eq!(h.mem_malloc(65535), None);
    assert_eq!(h.errors(), 0);
}

/// `MEM_STATS_INC_USED`: `mem.max` follows the high-water mark of
/// `mem.used` (data plus headers).
#[test]
fn heap_max_is_the_high_water_mark() {
    let mut h = heap();
    let a = malloc(&mut h, 100, 0);
    assert_eq!((h.used(), h.max_used()), (112, 112));
    h.mem_free(a).unwrap();
    assert_eq!((h.used(), h.max_used()), (0, 112));
    let _b = malloc(&mut h, 16, 0);
    let _c = malloc(&mut h, 200, 24);
    assert_eq!((h.used(), h.max_used()), (24 + 208, 24 + 208));
}

/// The last bytes of the heap are usable: 16344 bytes leave a 24-byte free
/// block at 16352 (a header at 16352 and ram_end at 16384), which takes a
/// 16-byte request whole.
#[test]
fn heap_last_block_before_ram_end() {
    let mut h = heap();
    let _a = malloc(&mut h, 16344, 0);
    let _b = malloc(&mut h, 16, 16352);
    assert_eq!(h.used(), 16384);
    assert_eq!(blocks(&h), [(0, 16344, true), (16352, 24, true)]);
}

/// The backward merge works at any offset: freeing the block after a free
/// one high in the heap merges the two and the rest into one free block.
#[test]
fn heap_backward_merge_high_in_the_heap() {
    let mut h = heap();
    let _a = malloc(&mut h, 9000, 0);
    let b = malloc(&mut h, 16, 9008);
    let c = malloc(&mut h, 16, 9032);
    h.mem_free(b).unwrap();
    h.mem_free(c).unwrap();
    assert_eq!(
        blocks(&h),
        [(0, 9000, true), (9008, 16384 - 9008 - 8, false)]
    );
}

// ---- data past 64 KiB (TCP_QUEUE_OOSEQ && LWIP_WND_SCALE) ------------------

/// The full profile with an 80 KiB receive window (scaled by 2), no
/// checksum check (the segments below carry their payload in REF pbufs,
/// whose bytes the test does not sum) and no PBUF_POOL (init.c's check
/// wants a pool that holds the window; the port's cannot, so the segments
/// come in RAM and REF pbufs).
struct WideWindow;
impl Profile for WideWindow {
    const CONFIG: Config = Config {
        tcp_wnd: 80 * 1024,
        tcp_wnd_update_threshold: 4 * 1460,
        checksum_check_tcp: false,
        pbuf_pool_size: 0,
        ..Config::full()
    };
    type Storage = crate::storage::Pools;
}

/// A segment from `peer` (`flags`, sequence `seq`, `options`) whose
/// payload, if any, is `len` bytes of the hooks' buffer 0 from `offset`,
/// as a chain: the TCP header in a RAM pbuf, the payload in a REF pbuf
/// (what lets 64 KiB of data exist in the port's small pools). Goes
/// straight to `tcp_input`.
fn input_ref(
    s: &mut Tcp<TestHooks, WideWindow>,
    app: &mut TestApp,
    peer: &Peer,
    (flags, seq, options): (u8, u32, &[u8]),
    (offset, len): (u32, u16),
) {
    use crate::pbuf::{PbufStore, PbufType, RomRef};
    use crate::storage::Storage;
    let seg = Seg {
        src: PEER_IP,
        dst: LWIP_IP,
        ttl: 64,
        ip_id: 1,
        sport: peer.port,
        dport: peer.lwip_port,
        seq,
        ack: if flags & ACK != 0 { peer.ack } else { 0 },
        flags,
        wnd: 65535,
        options: options.to_vec(),
        payload: Vec::new(),
    };
    let hdr = &seg.bytes()[20..];
    let h = s
        .pbufs
        .pbuf_alloc(0, hdr.len() as u16, PbufType::Ram)
        .unwrap();
    assert!(s.pbufs.pbuf_take(h, hdr));
    if len > 0 {
        let r = s.pbufs.pbuf_alloc(0, len, PbufType::Ref).unwrap();
        s.pbufs.set_rom(r, RomRef { key: 0, offset });
        s.pbufs.pbuf_cat(h, r);
    }
    let n = s.st.netif_get_by_index(crate::stack::NETIF_INDEX).unwrap();
    s.tcp_input_from(h, PEER_IP, LWIP_IP, n, app).unwrap();
}

/// Fixture: an ESTABLISHED connection with the wide window, then three
/// segments of 30,000, 30,000 and 10,000 bytes (70,000: more than a
/// pbuf's `u16_t` `tot_len` counts), the last two first (ooseq), then the
/// first, which releases all of it. Returns the stack, the application,
/// the bytes and the peer's next sequence number.
fn deliver_70000(app: &mut TestApp) -> (Box<Tcp<TestHooks, WideWindow>>, Vec<u8>, u32) {
    let mut s = stack_for::<WideWindow>(Netif::default());
    let mut peer = Peer::new(4000, 80, 0x5000_0000);
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], 80).unwrap(), Err::Ok);
    let (l, _) = s.tcp_listen_with_backlog_and_err(l, 4).unwrap();
    assert!(l.is_some());
    let all: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    s.hooks.rom.push(all.clone());
    // MSS 1460, window scale 0: lwIP scales its own window by 2.
    let isn = peer.seq;
    input_ref(
        &mut s,
        app,
        &peer,
        (SYN, isn, &[2, 4, 0x05, 0xb4, 1, 3, 3, 0]),
        (0, 0),
    );
    let synack = recv!(s);
    assert_eq!(synack.len(), 1, "a SYN-ACK");
    peer.saw(&synack[0]);
    let base = isn + 1;
    input_ref(&mut s, app, &peer, (ACK, base, &[]), (0, 0));
    let _ = recv!(s);
    events(&mut s);
    input_ref(
        &mut s,
        app,
        &peer,
        (ACK, base + 30_000, &[]),
        (30_000, 30_000),
    );
    input_ref(
        &mut s,
        app,
        &peer,
        (ACK, base + 60_000, &[]),
        (60_000, 10_000),
    );
    assert!(app.received.is_empty(), "out of order");
    input_ref(&mut s, app, &peer, (ACK, base, &[]), (0, 30_000));
    (s, all, base + 70_000)
}

/// The `tot_len` of each recv callback made since the last look.
fn recv_lens(s: &mut Tcp<TestHooks, WideWindow>) -> Vec<Option<u16>> {
    events(s)
        .into_iter()
        .filter_map(|e| match e.0 {
            Callback::Recv { len, .. } => Some(len),
            _ => None,
        })
        .collect()
}

/// lwIP's `tcp_input` hands data past 64 KiB to the application in parts
/// (`pbuf_split_64k`): here two recv calls, 60,000 then 10,000 bytes
/// (the split falls between whole pbufs), every byte in order.
#[test]
fn data_past_64k_is_delivered_in_two_parts() {
    let mut app = TestApp::default();
    let (mut s, all, end) = deliver_70000(&mut app);
    let lens = recv_lens(&mut s);
    assert_eq!(lens, [Some(60_000), Some(10_000)], "two parts");
    assert_eq!(app.received.len(), all.len());
    assert!(app.received == all, "the bytes, in order");
    s.tcp_fasttmr(&mut app).unwrap();
    let out = recv!(s);
    assert_eq!(out.last().map(|o| o.ack), Some(end), "all acknowledged");
}

/// Refused at first, the 70,000 bytes stay as refused data (the rest
/// behind the refused part) and go over again in parts when the fast
/// timer retries: 60,000, then 10,000.
#[test]
fn refused_data_past_64k_is_handed_over_in_parts() {
    let mut app = TestApp {
        refuse_recv: true,
        ..TestApp::default()
    };
    let (mut s, all, _) = deliver_70000(&mut app);
    assert!(app.received.is_empty());
    let h = app.accepted[0];
    // The chain is whole; its head's u16_t tot_len wraps, as lwIP's.
    assert_eq!(s.refused_bytes(h).unwrap(), 70_000 % 0x10000);
    events(&mut s);
    app.refuse_recv = false;
    s.tcp_fasttmr(&mut app).unwrap();
    assert_eq!(recv_lens(&mut s), [Some(60_000), Some(10_000)], "two parts");
    assert!(app.received == all, "the bytes, in order");
    assert_eq!(s.refused_bytes(h).unwrap(), 0);
}
