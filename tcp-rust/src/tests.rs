//! Byte-level tests of the engine, in smoltcp's style: a peer that builds
//! segments (`send!`), the packets the stack emitted (`recv!`), per-state
//! fixtures. Expected values are those the lwip-c tests pin for the C
//! original (lwip-c/tests/stack.rs).

extern crate std;

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::config::Config;
use crate::err::Err;
use crate::stack::{Callback, Handle, Hooks, Netif, NullApp, Tcp, TcpApp, WriteFlags};
use crate::state::{TF_ACK_DELAY, TF_NAGLEMEMERR, TcpState};

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;
const LWIP_IP: [u8; 4] = [192, 168, 0, 1];
const PEER_IP: [u8; 4] = [192, 0, 2, 1];
const ISN: u32 = 0x1000_0000;

#[derive(Default)]
struct TestHooks {
    out: Vec<Vec<u8>>,
    rand: u32,
}

impl Hooks for TestHooks {
    fn lwip_rand(&mut self) -> u32 {
        self.rand = self.rand.wrapping_mul(1_103_515_245).wrapping_add(12345);
        self.rand
    }
    fn tcp_isn(&mut self, _: [u8; 4], _: u16, _: [u8; 4], _: u16) -> u32 {
        ISN
    }
    fn netif_output(&mut self, _now: u32, packet: &[u8]) {
        self.out.push(packet.to_vec());
    }
}

type T = Tcp<TestHooks>;

fn stack() -> Box<T> {
    Box::new(Tcp::new(Config::full(), Netif::default(), TestHooks::default()).unwrap())
}

fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    acc
}
fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Seg {
    src: [u8; 4],
    dst: [u8; 4],
    ttl: u8,
    ip_id: u16,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    wnd: u16,
    options: Vec<u8>,
    payload: Vec<u8>,
}

impl Seg {
    fn bytes(&self) -> Vec<u8> {
        let thl = 20 + self.options.len();
        let total = 20 + thl + self.payload.len();
        let mut p = vec![0x45, 0];
        p.extend_from_slice(&(total as u16).to_be_bytes());
        p.extend_from_slice(&self.ip_id.to_be_bytes());
        p.extend_from_slice(&[0, 0, self.ttl, 6, 0, 0]);
        p.extend_from_slice(&self.src);
        p.extend_from_slice(&self.dst);
        let s = !fold(sum16(0, &p[..20]));
        p[10..12].copy_from_slice(&s.to_be_bytes());
        p.extend_from_slice(&self.sport.to_be_bytes());
        p.extend_from_slice(&self.dport.to_be_bytes());
        p.extend_from_slice(&self.seq.to_be_bytes());
        p.extend_from_slice(&self.ack.to_be_bytes());
        p.extend_from_slice(&[((thl / 4) as u8) << 4, self.flags]);
        p.extend_from_slice(&self.wnd.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 0]);
        p.extend_from_slice(&self.options);
        p.extend_from_slice(&self.payload);
        let mut acc = sum16(0, &p[12..20]);
        acc += 6 + (p.len() - 20) as u32;
        let c = !fold(sum16(acc, &p[20..]));
        p[36..38].copy_from_slice(&c.to_be_bytes());
        p
    }

    fn parse(p: &[u8]) -> Seg {
        assert_eq!(fold(sum16(0, &p[..20])), 0xffff, "IP checksum");
        let mut acc = sum16(0, &p[12..20]);
        acc += 6 + (p.len() - 20) as u32;
        assert_eq!(fold(sum16(acc, &p[20..])), 0xffff, "TCP checksum");
        let t = &p[20..];
        let thl = usize::from(t[12] >> 4) * 4;
        Seg {
            src: p[12..16].try_into().unwrap(),
            dst: p[16..20].try_into().unwrap(),
            ttl: p[8],
            ip_id: u16::from_be_bytes([p[4], p[5]]),
            sport: u16::from_be_bytes([t[0], t[1]]),
            dport: u16::from_be_bytes([t[2], t[3]]),
            seq: u32::from_be_bytes(t[4..8].try_into().unwrap()),
            ack: u32::from_be_bytes(t[8..12].try_into().unwrap()),
            flags: t[13],
            wnd: u16::from_be_bytes([t[14], t[15]]),
            options: t[20..thl].to_vec(),
            payload: t[thl..].to_vec(),
        }
    }

    fn ts_val(&self) -> u32 {
        let o = &self.options;
        let mut i = 0;
        while i < o.len() {
            match o[i] {
                1 => i += 1,
                8 => return u32::from_be_bytes(o[i + 2..i + 6].try_into().unwrap()),
                _ => i += usize::from(o[i + 1].max(2)),
            }
        }
        0
    }
}

struct Peer {
    port: u16,
    lwip_port: u16,
    seq: u32,
    ack: u32,
}

impl Peer {
    fn new(port: u16, lwip_port: u16, isn: u32) -> Peer {
        Peer {
            port,
            lwip_port,
            seq: isn,
            ack: 0,
        }
    }
    fn seg(&mut self, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
        let s = Seg {
            src: PEER_IP,
            dst: LWIP_IP,
            ttl: 64,
            ip_id: 1,
            sport: self.port,
            dport: self.lwip_port,
            seq: self.seq,
            ack: if flags & ACK != 0 { self.ack } else { 0 },
            flags,
            wnd: 65535,
            options: options.to_vec(),
            payload: payload.to_vec(),
        };
        self.seq = self
            .seq
            .wrapping_add(payload.len() as u32)
            .wrapping_add(u32::from(flags & (SYN | FIN) != 0));
        s.bytes()
    }
    fn saw(&mut self, s: &Seg) {
        self.ack = s
            .seq
            .wrapping_add(s.payload.len() as u32)
            .wrapping_add(u32::from(s.flags & (SYN | FIN) != 0));
    }
}

fn linux_syn_options(tsval: u32) -> Vec<u8> {
    let mut o = vec![2, 4, 0x05, 0xb4, 4, 2, 8, 10];
    o.extend_from_slice(&tsval.to_be_bytes());
    o.extend_from_slice(&0u32.to_be_bytes());
    o.extend_from_slice(&[1, 3, 3, 7]);
    o
}

fn ts(val: u32, ecr: u32) -> Vec<u8> {
    let mut o = vec![1, 1, 8, 10];
    o.extend_from_slice(&val.to_be_bytes());
    o.extend_from_slice(&ecr.to_be_bytes());
    o
}

/// Feeds a packet from the peer.
macro_rules! send {
    ($s:expr, $app:expr, $pkt:expr) => {
        assert_eq!($s.input(&$pkt, $app).unwrap(), Err::Ok)
    };
}

/// The parsed packets emitted since the last call.
macro_rules! recv {
    ($s:expr) => {
        core::mem::take(&mut $s.hooks.out)
            .iter()
            .map(|p| Seg::parse(p))
            .collect::<Vec<_>>()
    };
}

fn events(s: &mut T) -> Vec<(Callback, Option<Err>)> {
    let mut v = Vec::new();
    while let Some(e) = s.pop_event() {
        v.push((e.callback, e.ret));
    }
    v
}

#[derive(Default)]
struct TestApp {
    accepted: Vec<Handle>,
    received: Vec<u8>,
    fins: u32,
    abort_in_recv: bool,
    refuse_recv: bool,
    echo: bool,
    keep_open_on_fin: bool,
}

impl TcpApp<TestHooks> for TestApp {
    fn accept(&mut self, _: &mut T, _: Handle, new: Option<Handle>, _: Err) -> Err {
        self.accepted.extend(new);
        Err::Ok
    }
    fn recv(&mut self, t: &mut T, pcb: Handle, data: Option<&[u8]>, _: Err) -> Err {
        let Some(data) = data else {
            self.fins += 1;
            if self.keep_open_on_fin {
                return Err::Ok;
            }
            return t.tcp_close(pcb).unwrap_or(Err::Ok);
        };
        if self.abort_in_recv {
            t.tcp_abort(pcb).unwrap();
            return Err::Abrt;
        }
        if self.refuse_recv {
            return Err::Mem;
        }
        self.received.extend_from_slice(data);
        t.tcp_recved(pcb, data.len() as u16).unwrap();
        if self.echo {
            assert_eq!(t.tcp_write(pcb, data, WriteFlags::COPY).unwrap(), Err::Ok);
            assert_eq!(t.tcp_output(pcb).unwrap(), Err::Ok);
        }
        Err::Ok
    }
}

/// Fixture: a listener on `port` and an ESTABLISHED connection from
/// `peer`; output and events drained.
fn established(s: &mut T, app: &mut TestApp, port: u16, peer: &mut Peer) -> (Handle, Handle) {
    let l = s.tcp_new().unwrap();
    assert_eq!(s.tcp_bind(l, [0; 4], port).unwrap(), Err::Ok);
    let (l, err) = s.tcp_listen_with_backlog_and_err(l, 4).unwrap();
    assert_eq!(err, Err::Ok);
    let l = l.unwrap();
    send!(s, app, peer.seg(SYN, &linux_syn_options(1), &[]));
    let synack = recv!(s);
    assert_eq!(synack.len(), 1);
    peer.saw(&synack[0]);
    send!(s, app, peer.seg(ACK, &ts(2, synack[0].ts_val()), &[]));
    assert!(recv!(s).is_empty());
    events(s);
    (l, *app.accepted.last().unwrap())
}

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
    let l = s.tcp_new().unwrap();
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
    let pcb = s.tcp_new().unwrap();
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
    while s.tcp_write(pcb, b"x", nocopy_more).unwrap() == Err::Ok {
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
    let l = s.tcp_new().unwrap();
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
fn out_of_pcbs_and_bind_in_use() {
    let mut s = stack();
    let mut made = Vec::new();
    while let Some(p) = s.tcp_new() {
        made.push(p);
        assert!(made.len() <= 5);
    }
    assert_eq!(made.len(), 5);
    assert_eq!(s.tcp_bind(made[0], [0; 4], 5000).unwrap(), Err::Ok);
    assert_eq!(s.tcp_bind(made[1], [0; 4], 5000).unwrap(), Err::Use);
    assert_eq!(s.tcp_close(made[0]).unwrap(), Err::Ok);
    assert!(!s.is_valid(made[0]));
    assert!(s.tcp_new().is_some(), "the handle is dead, the slot reused");
}

#[test]
fn syn_rcvd_expires_after_timeout() {
    let mut s = stack();
    let mut app = TestApp::default();
    let l = s.tcp_new().unwrap();
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
