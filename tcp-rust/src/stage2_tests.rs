//! Byte-level tests of the stage-2 ports: `tcp_keepalive`,
//! `tcp_zero_window_probe`, `tcp_split_unsent_seg`, the keepalive and
//! persist branches of `tcp_slowtmr`, and the retransmission paths (RTO
//! backoff and giving up, fast retransmit, SYN retransmission).
//!
//! Every expected value is lwIP 2.2.1's, read from tcp.c / tcp_out.c and
//! checked against the C engine with the matching corpus scripts
//! (`corpus/scripts/{keepalive,zero-window,retransmission}/s2-*.pkt`, all
//! "same" with `tcpdiff run --engines c,rust`).
//!
//! The peer's SYN carries `mss 1460, nop, wscale 7` (no timestamps unless
//! a test says so): lwIP announces `rcv_wnd >> 2` = 2920 and its segments
//! carry no options.

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::err::Err;
use crate::pbuf::PbufStore;
use crate::stack::{Callback, Handle, WriteFlags};
use crate::state::{TF_INFR, TcpState};
use crate::test_support::*;

const PORT: u16 = 8080;
const PEER_PORT: u16 = 40000;
const PEER_ISN: u32 = 1000;
const WND: u16 = 2920;
const RST_WND: u16 = 0x680b;
/// `mss 1460, nop, wscale 7`.
const SYN_OPTS: [u8; 8] = [2, 4, 0x05, 0xb4, 1, 3, 3, 7];

/// (flags, seq, ack, window, payload length).
type Brief = (u8, u32, u32, u16, usize);

struct Conn {
    s: Box<T>,
    app: TestApp,
    peer: Peer,
    pcb: Handle,
}

impl Conn {
    /// A segment from the peer with window field `wnd` (`peer.seq`, acking
    /// `peer.ack`).
    fn send_wnd(&mut self, flags: u8, wnd: u16, payload: &[u8]) {
        let opts: &[u8] = if flags & SYN != 0 { &SYN_OPTS } else { &[] };
        let seg = Seg {
            src: PEER_IP,
            dst: LWIP_IP,
            ttl: 64,
            ip_id: 1,
            sport: PEER_PORT,
            dport: PORT,
            seq: self.peer.seq,
            ack: if flags & ACK != 0 { self.peer.ack } else { 0 },
            flags,
            wnd,
            options: opts.to_vec(),
            payload: payload.to_vec(),
        };
        self.peer.seq = self
            .peer
            .seq
            .wrapping_add(payload.len() as u32)
            .wrapping_add(u32::from(flags & (SYN | FIN) != 0));
        send!(self.s, &mut self.app, seg.bytes());
    }
    /// The peer acks `ack` (absolute) with window field `wnd`.
    fn ack(&mut self, ack: u32, wnd: u16) {
        self.peer.ack = ack;
        self.send_wnd(ACK, wnd, &[]);
    }
    fn out(&mut self) -> Vec<Seg> {
        recv!(self.s)
    }
    fn brief(&mut self) -> Vec<Brief> {
        self.out()
            .iter()
            .map(|s| (s.flags, s.seq, s.ack, s.wnd, s.payload.len()))
            .collect()
    }
    fn at(&mut self, ms: u32) {
        self.s.advance_to(ms, &mut self.app).unwrap();
    }
    fn write(&mut self, data: &[u8], flags: WriteFlags) {
        let r = if flags.copy {
            self.s.tcp_write(self.pcb, data, flags)
        } else {
            write_ref(&mut self.s, self.pcb, data, flags)
        };
        assert_eq!(r.unwrap(), Err::Ok);
    }
    /// A segment's pbuf chain: (pbufs, PBUF_ROM ones, each `len` past the
    /// TCP header and options of the first).
    fn chain(&self, seg: u8) -> (usize, usize, Vec<u16>) {
        let sg = *self.s.seg_ref(seg);
        let hdr = 20
            + u16::from(crate::options::lwip_tcp_opt_length(
                &self.s.config(),
                sg.flags,
            ));
        let (mut n, mut rom, mut lens) = (0, 0, Vec::new());
        let mut q = sg.p;
        while let Some(p) = q {
            let l = self.s.pbufs.len(p);
            lens.push(if n == 0 { l - hdr } else { l });
            n += 1;
            if self.s.pbufs.pbuf_type(p) == crate::pbuf::PbufType::Rom {
                rom += 1;
            }
            q = self.s.pbufs.next(p);
        }
        (n, rom, lens)
    }
    fn output(&mut self) {
        assert_eq!(self.s.tcp_output(self.pcb).unwrap(), Err::Ok);
    }
    fn p(&self) -> crate::stack::TcpPcb {
        *self.s.pcb(self.pcb).unwrap()
    }
    fn ev(&mut self) -> Vec<(Callback, Option<Err>)> {
        events(&mut self.s)
    }
}

/// Passive open at time 0 (tcp_ticks 0), peer window field `wnd` (scaled
/// by 128) on the handshake's ACK. Output and events drained.
fn established(wnd: u16) -> Conn {
    let mut s = stack();
    let l = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], PORT).unwrap(), Err::Ok);
    let (l, err) = s.tcp_listen_with_backlog_and_err(l, 4).unwrap();
    assert_eq!(err, Err::Ok);
    let mut c = Conn {
        s,
        app: TestApp::default(),
        peer: Peer::new(PEER_PORT, PORT, PEER_ISN),
        pcb: l.unwrap(),
    };
    c.send_wnd(SYN, 29200, &[]);
    let synack = c.out();
    assert_eq!(synack.len(), 1);
    c.peer.saw(&synack[0]);
    c.send_wnd(ACK, wnd, &[]);
    assert!(c.out().is_empty());
    c.pcb = *c.app.accepted.last().unwrap();
    c.ev();
    c
}

fn err_ev(pcb: Handle) -> (Callback, Option<Err>) {
    (
        Callback::Err {
            pcb,
            err: Err::Abrt,
        },
        None,
    )
}

const COPY: WriteFlags = WriteFlags::COPY;
const NOCOPY: WriteFlags = WriteFlags {
    copy: false,
    more: false,
};

// -- keepalive ---------------------------------------------------------------

#[test]
fn keepalive_probe_bytes_then_rst_and_err() {
    let mut c = established(229);
    c.s.tcp_keepalive(c.pcb, true, 1000, 500, 2).unwrap();
    // tmr = 0: probes at ticks 3 (> 1000/500) and 4 (> 1500/500).
    c.at(1000);
    assert!(c.out().is_empty());
    c.at(1500);
    let o = c.out();
    assert_eq!(o.len(), 1);
    let probe = &o[0];
    // seq snd_nxt - 1, ACK only, no options, no data, pcb's TTL.
    assert_eq!(
        (probe.flags, probe.seq, probe.ack, probe.wnd),
        (ACK, ISN, PEER_ISN + 1, WND)
    );
    assert!(probe.options.is_empty() && probe.payload.is_empty());
    assert_eq!((probe.ttl, probe.src, probe.dst), (255, LWIP_IP, PEER_IP));
    assert_eq!((probe.sport, probe.dport), (PORT, PEER_PORT));
    assert_eq!(c.p().keep_cnt_sent, 1);
    c.at(2000);
    assert_eq!(c.brief(), vec![(ACK, ISN, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.p().keep_cnt_sent, 2);
    // Tick 5 > (1000 + 2 * 500) / 500: tcp_rst(snd_nxt, rcv_nxt), err.
    let h = c.pcb;
    c.at(2500);
    assert_eq!(
        c.brief(),
        vec![(RST | ACK, ISN + 1, PEER_ISN + 1, RST_WND, 0)]
    );
    assert_eq!(c.ev(), vec![err_ev(h)]);
    assert!(!c.s.is_valid(h));
}

#[test]
fn keepalive_probe_has_no_timestamp_option() {
    let mut s = stack();
    let mut app = TestApp::default();
    let mut peer = Peer::new(PEER_PORT, PORT, PEER_ISN);
    let (_, h) = established_ts(&mut s, &mut app, &mut peer);
    s.tcp_keepalive(h, true, 1000, 500, 2).unwrap();
    s.advance_to(1500, &mut app).unwrap();
    let o = recv!(s);
    assert_eq!(o.len(), 1);
    // LWIP_TCP_OPT_LENGTH_SEGMENT(0, pcb): a bare 20-byte header.
    assert!(o[0].options.is_empty());
    assert_eq!((o[0].flags, o[0].seq), (ACK, ISN));
}

fn established_ts(s: &mut T, app: &mut TestApp, peer: &mut Peer) -> (Handle, Handle) {
    crate::test_support::established(s, app, PORT, peer)
}

#[test]
fn keepalive_count_resets_on_input() {
    let mut c = established(229);
    c.s.tcp_keepalive(c.pcb, true, 1000, 500, 2).unwrap();
    c.at(1500);
    assert_eq!(c.out().len(), 1);
    assert_eq!(c.p().keep_cnt_sent, 1);
    // The peer answers at tick 3: tmr = 3, keep_cnt_sent = 0.
    c.ack(ISN + 1, 229);
    assert_eq!((c.p().keep_cnt_sent, c.p().tmr), (0, 3));
    // Next probe when tcp_ticks - 3 > 2: tick 6.
    c.at(2500);
    assert!(c.out().is_empty());
    c.at(3000);
    assert_eq!(c.brief(), vec![(ACK, ISN, PEER_ISN + 1, WND, 0)]);
}

#[test]
fn keepalive_only_when_enabled_and_synchronised() {
    let mut c = established(229);
    c.s.tcp_keepalive(c.pcb, false, 1000, 500, 2).unwrap();
    c.at(10_000);
    assert!(c.out().is_empty());
    assert!(c.s.is_valid(c.pcb));
    assert_eq!(c.p().keep_cnt_sent, 0);
}

// -- zero window / persist -------------------------------------------------------

#[test]
fn zero_window_probe_bytes_and_backoff() {
    let mut c = established(0);
    c.write(b"abcdefghij", COPY);
    c.output();
    assert!(c.out().is_empty());
    // tcp_output started the persist timer.
    let p = c.p();
    assert_eq!(
        (p.persist_backoff, p.persist_cnt, p.persist_probe),
        (1, 0, 0)
    );
    c.at(1000);
    assert!(c.out().is_empty());
    assert_eq!(c.p().persist_cnt, 2);
    c.at(1500);
    let o = c.out();
    assert_eq!(o.len(), 1);
    // One byte of the unsent head, ACK only (no PSH), no options.
    assert_eq!(
        (o[0].flags, o[0].seq, o[0].ack, o[0].wnd),
        (ACK, ISN + 1, PEER_ISN + 1, WND)
    );
    assert_eq!(o[0].payload, b"a".to_vec());
    assert!(o[0].options.is_empty());
    let p = c.p();
    assert_eq!(
        (p.persist_backoff, p.persist_cnt, p.persist_probe),
        (2, 0, 1)
    );
    assert_eq!(p.snd_nxt, ISN + 2);
    // Still unsent, nothing in flight.
    assert_eq!(c.s.queue_lens(c.pcb).unwrap()[..2], [(1, 10), (0, 0)]);
    // tcp_persist_backoff[1] = 6 ticks later.
    c.at(4000);
    assert!(c.out().is_empty());
    c.at(4500);
    assert_eq!(c.brief(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 1)]);
    assert_eq!(c.p().persist_probe, 2);
    // The window opens: everything goes, the persist timer stops.
    c.ack(ISN + 1, 229);
    assert_eq!(c.brief(), vec![(PSH | ACK, ISN + 1, PEER_ISN + 1, WND, 10)]);
    assert_eq!(c.p().persist_backoff, 0);
}

#[test]
fn persist_gives_up_after_maxrtx_probes_without_rst() {
    let mut c = established(0);
    c.write(b"x", COPY);
    c.output();
    let h = c.pcb;
    let mut probes = 0;
    let mut t = 0;
    while c.s.is_valid(h) && t < 1_000_000 {
        t += 500;
        c.at(t);
        for s in c.out() {
            assert_eq!((s.flags, s.payload.len()), (ACK, 1));
            probes += 1;
        }
    }
    // 12 probes (TCP_MAXRTX), removed on the tick after the last: 455 s.
    assert_eq!((probes, t), (12, 455_000));
    assert_eq!(c.ev(), vec![err_ev(h)]);
}

#[test]
fn split_unsent_seg_rom_chain() {
    let mut c = established(0);
    // Three no-copy writes: one segment, header pbuf + three PBUF_ROM.
    for _ in 0..3 {
        c.write(&[7u8; 300], NOCOPY);
    }
    let i = c.pcb.index();
    let head = c.p().unsent.unwrap();
    let sg = *c.s.seg_ref(head);
    assert_eq!(sg.len, 900);
    assert_eq!(c.chain(head), (4, 3, vec![0, 300, 300, 300]));
    assert_eq!((c.p().snd_queuelen, c.s.memp_pbufs_used()), (4, 3));
    assert_eq!(c.s.tcp_split_unsent_seg(i, 900), Err::Ok);
    assert_eq!(c.s.seg_ref(head).len, 900);
    assert_eq!(c.s.tcp_split_unsent_seg(i, 512), Err::Ok);
    let a = *c.s.seg_ref(head);
    let b = *c.s.seg_ref(a.next.unwrap());
    // pbuf_realloc kept the header pbuf, the first reference and 212
    // bytes of the second; the third PBUF_ROM pbuf is freed.
    assert_eq!(a.len, 512);
    assert_eq!(c.chain(head), (3, 2, vec![0, 300, 212]));
    assert_eq!((b.len, b.tcphdr.seqno), (388, ISN + 513));
    assert_eq!(c.chain(a.next.unwrap()), (1, 0, vec![388]));
    // Both keep PSH: TCPH_SET_FLAG only ORs.
    assert_eq!((a.tcphdr.flags & PSH, b.tcphdr.flags), (PSH, PSH));
    assert_eq!((c.p().snd_queuelen, c.s.memp_pbufs_used()), (4, 2));
    assert_eq!(c.p().unsent_oversize, 0);
    // The window opens: the head goes; Nagle holds the short remainder
    // (data in flight) until the head is acked.
    c.ack(ISN + 1, 229);
    let mut o = c.out();
    assert_eq!(o.len(), 1);
    assert_eq!((o[0].seq, o[0].payload.len()), (ISN + 1, 512));
    c.ack(ISN + 513, 229);
    o.extend(c.out());
    assert_eq!(o.len(), 2);
    assert_eq!((o[1].seq, o[1].payload.len()), (ISN + 513, 388));
    assert!(o.iter().all(|s| s.payload.iter().all(|&x| x == 7)));
    // Acked segments give their pbufs back: 4 - 3 (head), then - 1.
    assert_eq!((c.p().snd_queuelen, c.s.memp_pbufs_used()), (1, 0));
}

#[test]
fn split_unsent_seg_moves_fin_and_keeps_it() {
    let mut c = established(0);
    c.write(&[1u8; 100], COPY);
    assert_eq!(c.s.tcp_close(c.pcb).unwrap(), Err::Ok);
    let i = c.pcb.index();
    let head = c.p().unsent.unwrap();
    assert_eq!(c.s.seg_ref(head).tcphdr.flags, PSH | FIN);
    assert_eq!(c.s.tcp_split_unsent_seg(i, 40), Err::Ok);
    let a = *c.s.seg_ref(head);
    let b = *c.s.seg_ref(a.next.unwrap());
    assert_eq!((a.len, a.tcphdr.flags), (40, PSH | FIN));
    assert_eq!(
        (b.len, b.tcphdr.flags, b.tcphdr.seqno),
        (60, PSH | FIN, ISN + 41)
    );
    // One more segment on the queue: 1 + 1.
    assert_eq!(c.p().snd_queuelen, 2);
}

#[test]
fn split_unsent_seg_without_unsent_is_err_mem() {
    let mut c = established(229);
    assert_eq!(c.s.tcp_split_unsent_seg(c.pcb.index(), 10), Err::Mem);
}

#[test]
fn persist_split_sends_the_head() {
    let mut c = established(229);
    c.write(&[5u8; 100], COPY);
    c.output();
    assert_eq!(c.out().len(), 1);
    // ACK of new data with the window shrunk to 4 << 7 = 512.
    c.ack(ISN + 101, 4);
    c.write(&[6u8; 1000], COPY);
    c.output();
    assert!(c.out().is_empty());
    assert_eq!(c.p().persist_backoff, 1);
    // Three ticks on (0.5, 1.0, 1.5 s): split at 512 and send.
    c.at(1500);
    assert_eq!(
        c.brief(),
        vec![(PSH | ACK, ISN + 101, PEER_ISN + 1, WND, 512)]
    );
    let p = c.p();
    assert_eq!(
        (p.persist_backoff, p.snd_nxt, p.snd_queuelen),
        (0, ISN + 613, 2)
    );
    c.ack(ISN + 613, 229);
    assert_eq!(
        c.brief(),
        vec![(PSH | ACK, ISN + 613, PEER_ISN + 1, WND, 488)]
    );
}

// -- retransmission ---------------------------------------------------------------

#[test]
fn rto_backoff_sequence_and_give_up() {
    let mut c = established(229);
    // Sent at 0.3 s while tcp_ticks is 0: no RTT sample (rto stays 6).
    c.at(300);
    c.write(&[9u8; 100], COPY);
    c.output();
    assert_eq!(c.out().len(), 1);
    let h = c.pcb;
    let mut rexmits = Vec::new();
    let mut rtos = Vec::new();
    let mut t = 0;
    while c.s.is_valid(h) {
        t += 500;
        c.at(t);
        for s in c.out() {
            assert_eq!((s.flags, s.seq, s.payload.len()), (PSH | ACK, ISN + 1, 100));
            rexmits.push(t);
            rtos.push(c.p().rto);
        }
    }
    // rto = 6 << tcp_backoff[nrtx], the table ending in 7s.
    assert_eq!(
        rtos,
        vec![12, 24, 48, 96, 192, 384, 768, 768, 768, 768, 768, 768]
    );
    assert_eq!(
        rexmits,
        vec![
            3000, 9000, 21000, 45000, 93000, 189000, 381000, 765000, 1149000, 1533000, 1917000,
            2301000
        ]
    );
    // Removed on the next tick (nrtx 12 = TCP_MAXRTX): no RST, err(ERR_ABRT).
    assert_eq!(t, 2_301_500);
    assert_eq!(c.ev(), vec![err_ev(h)]);
}

#[test]
fn rto_timeout_halves_ssthresh_and_resets_cwnd() {
    let mut c = established(229);
    c.write(&[9u8; 2920], COPY);
    c.output();
    assert_eq!(c.out().len(), 2);
    assert_eq!(c.p().cwnd, 4380);
    c.at(3000);
    // Go-back-N: the first segment again (cwnd = mss lets one out).
    assert_eq!(c.brief(), vec![(ACK, ISN + 1, PEER_ISN + 1, WND, 1460)]);
    let p = c.p();
    // ssthresh = max(min(cwnd, snd_wnd) / 2, 2 * mss) = 2920.
    assert_eq!(
        (p.ssthresh, p.cwnd, p.nrtx, p.rtime, p.rto),
        (2920, 1460, 1, 0, 12)
    );
    assert_eq!(p.rto_end, ISN + 2921);
    assert_eq!(c.s.queue_lens(c.pcb).unwrap()[..2], [(1, 1460), (1, 1460)]);
    // The ACK of the first resets nrtx and rto; slow start after RTO: +1 mss.
    c.ack(ISN + 1461, 229);
    // The retransmission was timed (rttest = 6, the tick it left on) and
    // the ACK comes on the same tick: m = 0, sa = 0, sv = 6 + (0 - 6 / 4)
    // = 5, rto = 5.
    let p = c.p();
    assert_eq!((p.nrtx, p.sa, p.sv, p.rto, p.cwnd), (0, 0, 5, 5, 2920));
    assert_eq!(
        c.brief(),
        vec![(PSH | ACK, ISN + 1461, PEER_ISN + 1, WND, 1460)]
    );
}

#[test]
fn fast_retransmit_after_three_dupacks() {
    let mut c = established(229);
    c.write(&[3u8; 5840], COPY);
    c.output();
    let first = c.out();
    assert_eq!(first.len(), 3);
    for _ in 0..2 {
        c.ack(ISN + 1, 229);
        assert!(c.out().is_empty());
    }
    assert_eq!(c.p().dupacks, 2);
    c.ack(ISN + 1, 229);
    let o = c.out();
    assert_eq!(o.len(), 2);
    // The retransmission carries the same bytes as the original.
    assert_eq!(o[0].payload, first[0].payload);
    assert_eq!((o[0].flags, o[0].seq), (ACK, ISN + 1));
    assert_eq!((o[1].flags, o[1].seq), (PSH | ACK, ISN + 4381));
    let p = c.p();
    assert_eq!((p.ssthresh, p.cwnd, p.dupacks, p.nrtx), (2920, 7300, 3, 1));
    assert_ne!(p.flags & TF_INFR, 0);
    // A fourth inflates cwnd, no second retransmission.
    c.ack(ISN + 1, 229);
    assert!(c.out().is_empty());
    assert_eq!(c.p().cwnd, 8760);
    // Partial ACK: out of recovery, cwnd = ssthresh.
    c.ack(ISN + 1461, 229);
    let p = c.p();
    assert_eq!(
        (p.cwnd, p.dupacks, p.nrtx, p.flags & TF_INFR),
        (2920, 0, 0, 0)
    );
}

#[test]
fn syn_retransmits_until_synmaxrtx() {
    let mut s = stack();
    let mut app = TestApp::default();
    let h = s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(s.tcp_connect(h, PEER_IP, PEER_PORT).unwrap(), Err::Ok);
    assert_eq!(recv!(s).len(), 1);
    let mut syns = Vec::new();
    let mut t = 0;
    while s.is_valid(h) {
        t += 500;
        s.advance_to(t, &mut app).unwrap();
        for seg in recv!(s) {
            // tcp_connect queues the SYN at snd_lbb = iss - 1.
            assert_eq!((seg.flags, seg.seq), (SYN, ISN - 1));
            syns.push(t);
        }
    }
    // No backoff in SYN_SENT: every 6 ticks; removed at nrtx 6.
    assert_eq!(syns, vec![3000, 6000, 9000, 12000, 15000, 18000]);
    assert_eq!(t, 18_500);
    let ev = events(&mut s);
    assert_eq!(ev.last(), Some(&err_ev(h)));
}

#[test]
fn keepalive_free_fn_returns_ok_and_touches_only_the_edge() {
    let mut c = established(229);
    let before = c.p();
    assert_eq!(
        crate::tcp_out::tcp_keepalive(&mut c.s, c.pcb.index()),
        Err::Ok
    );
    let after = c.p();
    assert_eq!(after.rcv_ann_right_edge, after.rcv_nxt + after.rcv_ann_wnd);
    assert_eq!(
        (after.snd_nxt, after.keep_cnt_sent, after.ts_lastacksent),
        (before.snd_nxt, before.keep_cnt_sent, before.ts_lastacksent)
    );
    assert_eq!(c.brief(), vec![(ACK, ISN, PEER_ISN + 1, WND, 0)]);
    assert_eq!(c.p().state, TcpState::Established);
}

#[test]
fn zero_copy_writes_extend_a_rom_pbuf_only_within_one_buffer() {
    // tcp_write without COPY extends the last PBUF_ROM pbuf when the new
    // data starts where it ends in the same buffer (lwIP: `p->payload +
    // p->len == arg`); data in another buffer gets a pbuf of its own.
    use crate::pbuf::RomRef;
    let mut c = established(0);
    c.s.hooks.rom = (0..4u8).map(|k| vec![k; 600]).collect(); // key k: bytes k
    let w = |c: &mut Conn, key: u32, offset: u32, len: u16| {
        let r =
            c.s.tcp_write_ref(c.pcb, RomRef { key, offset }, len, NOCOPY);
        assert_eq!(r.unwrap(), Err::Ok);
    };
    w(&mut c, 1, 0, 100); // a segment: RAM header pbuf + ROM (buffer 1)
    w(&mut c, 2, 0, 100); // chained: ROM (buffer 2)
    w(&mut c, 2, 100, 50); // extends it: buffer 2 again, contiguous
    let head = c.p().unsent.unwrap();
    assert_eq!(c.chain(head), (3, 2, vec![0, 100, 150]));
    w(&mut c, 3, 150, 10); // buffer 3: a new pbuf although the offset follows
    assert_eq!(c.chain(head), (4, 3, vec![0, 100, 150, 10]));
    assert_eq!((c.p().snd_queuelen, c.s.memp_pbufs_used()), (4, 3));
    // The bytes that go out are the buffers'.
    c.ack(ISN + 1, 65535);
    c.output();
    let out = c.out();
    assert_eq!(out.len(), 1);
    let mut want = vec![1u8; 100];
    want.extend([2u8; 150]);
    want.extend([3u8; 10]);
    assert_eq!(out[0].payload, want);
}

#[test]
fn split_unsent_seg_at_a_pbuf_boundary() {
    let mut c = established(0);
    for _ in 0..3 {
        c.write(&[7u8; 300], NOCOPY);
    }
    let i = c.pcb.index();
    let head = c.p().unsent.unwrap();
    // pbuf_realloc's `while (rem_len > q->len)`: a split exactly at the end
    // of the first reference keeps it whole and frees both later ones.
    assert_eq!(c.s.tcp_split_unsent_seg(i, 300), Err::Ok);
    let a = *c.s.seg_ref(head);
    assert_eq!(a.len, 300);
    assert_eq!(c.chain(head), (2, 1, vec![0, 300]));
    assert_eq!((c.p().snd_queuelen, c.s.memp_pbufs_used()), (3, 1));
}

#[test]
fn split_unsent_seg_out_of_segments_changes_nothing() {
    let mut c = established(0);
    c.write(&[1u8; 1000], COPY);
    let i = c.pcb.index();
    let before = c.p();
    let head = c.p().unsent.unwrap();
    // Exhaust MEMP_TCP_SEG: tcp_create_segment fails, "goto memerr".
    while c.s.memp_alloc_seg().is_some() {}
    assert_eq!(c.s.tcp_split_unsent_seg(i, 512), Err::Mem);
    assert_eq!(c.p(), before);
    let a = *c.s.seg_ref(head);
    assert_eq!((a.len, a.next), (1000, None));
    assert_eq!(c.chain(head), (1, 0, vec![1000]));
}

// -- tcp_netif_ip_addr_changed -----------------------------------------------

#[test]
fn netif_address_change_aborts_pcbs_on_it_and_moves_its_listeners() {
    let mut c = established(WND);
    // A listener bound to the netif's own address, and a bound pcb.
    let l2 = c.s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(c.s.tcp_bind(l2, LWIP_IP, 9090).unwrap(), Err::Ok);
    let (l2, err) = c.s.tcp_listen_with_backlog_and_err(l2, 1).unwrap();
    assert_eq!(err, Err::Ok);
    let l2 = l2.unwrap();
    let b = c.s.tcp_new(&mut NullApp).unwrap();
    assert_eq!(c.s.tcp_bind(b, LWIP_IP, 7070).unwrap(), Err::Ok);
    let p = c.p();
    // Same address: nothing happens.
    c.s.netif_set_ipaddr(LWIP_IP, &mut NullApp).unwrap();
    assert!(c.out().is_empty());
    assert!(c.s.pcb(c.pcb).is_ok());

    c.s.netif_set_ipaddr([10, 0, 0, 1], &mut NullApp).unwrap();
    // tcp_abort of the connection: a RST from the old address.
    let out = c.out();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].src, out[0].flags, out[0].seq, out[0].ack, out[0].wnd),
        (LWIP_IP, RST | ACK, p.snd_nxt, p.rcv_nxt, RST_WND)
    );
    // Err callbacks: the active list first, then the bound one.
    assert_eq!(c.ev(), vec![err_ev(c.pcb), err_ev(b)]);
    assert!(c.s.pcb(c.pcb).is_err());
    assert!(c.s.pcb(b).is_err());
    // The listener now listens on the new address; the netif has it.
    assert_eq!(c.s.lpcb_ref(l2.index()).local_ip, [10, 0, 0, 1]);
    assert_eq!(c.s.netif().unwrap().ip, [10, 0, 0, 1]);
    // The peer's next segment, to the old address, is dropped.
    c.send_wnd(ACK, WND, b"x");
    assert!(c.out().is_empty());
}

#[test]
fn split_unsent_seg_asserts_as_lwip_does() {
    // (u16_t)snd_wnd can be 0, and the window can exceed the MSS: lwIP's
    // LWIP_ASSERTs in tcp_split_unsent_seg then stop the stack.
    let mut c = established(0);
    c.write(&[7u8; 900], COPY);
    let i = c.pcb.index();
    assert_eq!(c.s.tcp_split_unsent_seg(i, 0), Err::Val);
    assert_eq!(
        c.s.asserted(),
        Some(&crate::Assertion {
            msg: c"Can't split segment into length 0",
            file: crate::stack::LwipFile::TcpOut,
            line: 854
        })
    );
    let mut c = established(0);
    c.write(&[7u8; 900], COPY);
    let i = c.pcb.index();
    // A 900-byte segment; then the MSS drops below it (lwIP takes an MSS
    // option from any segment's tcp_parseopt).
    c.s.p(i).mss = 500;
    assert_eq!(c.s.tcp_split_unsent_seg(i, 900), Err::Ok);
    assert_eq!(c.s.tcp_split_unsent_seg(i, 500), Err::Ok);
    assert!(c.s.asserted().is_none());
    let mut c = established(0);
    c.write(&[7u8; 900], COPY);
    c.s.p(i).mss = 500;
    assert_eq!(c.s.tcp_split_unsent_seg(i, 501), Err::Mem);
    assert_eq!(
        c.s.asserted(),
        Some(&crate::Assertion {
            msg: c"split <= mss",
            file: crate::stack::LwipFile::TcpOut,
            line: 862
        })
    );
}
