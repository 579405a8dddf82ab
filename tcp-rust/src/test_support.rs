//! Shared helpers for the byte-level tests (`tests.rs`, `state_tests.rs`),
//! in smoltcp's style: a peer that builds segments (`send!`), the packets
//! the stack emitted (`recv!`), the callback log (`events`), fixtures.

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::config::{Full, Profile};
use crate::err::Err;
use crate::pbuf::{PbufStore, RomRef, RomStore};
use crate::stack::{Callback, Event, Handle, Hooks, Netif, Packet, Tcp, TcpApp, WriteFlags};

pub(crate) const FIN: u8 = 0x01;
pub(crate) const SYN: u8 = 0x02;
pub(crate) const RST: u8 = 0x04;
pub(crate) const PSH: u8 = 0x08;
pub(crate) const ACK: u8 = 0x10;
pub(crate) const LWIP_IP: [u8; 4] = [192, 168, 0, 1];
pub(crate) const PEER_IP: [u8; 4] = [192, 0, 2, 1];
pub(crate) const ISN: u32 = 0x1000_0000;

/// An application that accepts everything, consumes data (`tcp_recved`)
/// and closes on the FIN, as `lwip_c::NullApp` does.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct NullApp;

impl<H: Hooks, P: Profile> TcpApp<H, P> for NullApp {
    const OWNS_RECV_PBUF: bool = false;
    fn accept(&mut self, _: &mut Tcp<H, P>, _: Handle, _: Option<Handle>, _: Err) -> Err {
        Err::Ok
    }
    fn connected(&mut self, _: &mut Tcp<H, P>, _: Handle, _: Err) -> Err {
        Err::Ok
    }
    fn recv(
        &mut self,
        tcp: &mut Tcp<H, P>,
        pcb: Handle,
        data: Option<crate::stack::PbufOf<P>>,
        err: Err,
    ) -> Err {
        match data {
            Some(p) => {
                let _ = tcp.tcp_recved(pcb, tcp.pbuf_tot_len(p));
                Err::Ok
            }
            None if err == Err::Ok => tcp.tcp_close(pcb).unwrap_or(Err::Ok),
            None => Err::Ok,
        }
    }
    fn sent(&mut self, _: &mut Tcp<H, P>, _: Handle, _: u16) -> Err {
        Err::Ok
    }
    fn poll(&mut self, _: &mut Tcp<H, P>, _: Handle) -> Err {
        Err::Ok
    }
    fn err(
        &mut self,
        _: &mut Tcp<H, P>,
        _: Handle,
        _: crate::stack::ErrFnOf<P>,
        _: crate::stack::ArgOf<P>,
        _: Err,
    ) {
    }
}

#[derive(Default)]
pub(crate) struct TestHooks {
    pub(crate) out: Vec<Vec<u8>>,
    pub(crate) rand: u32,
    /// The application's buffers for zero-copy writes ([`RomRef::key`] is
    /// the index).
    pub(crate) rom: Vec<Vec<u8>>,
    /// The callbacks made, not yet taken by [`events`].
    pub(crate) events: Vec<Event>,
}

impl RomStore for TestHooks {
    fn rom_bytes(&self, key: u32) -> &[u8] {
        self.rom.get(key as usize).map_or(&[], Vec::as_slice)
    }
}

/// A pbuf chain handed to recv, as bytes.
pub(crate) fn bytes_of<H: Hooks, P: Profile>(t: &Tcp<H, P>, p: crate::stack::PbufOf<P>) -> Vec<u8> {
    let mut v = vec![0; usize::from(t.pbuf_tot_len(p))];
    t.pbuf_copy_partial(p, &mut v, 0);
    v
}

/// A zero-copy write (no `TCP_WRITE_FLAG_COPY`): the bytes go into the
/// hooks' store and the segments reference them.
pub(crate) fn write_ref<P: Profile<Storage = crate::storage::Pools>>(
    t: &mut Tcp<TestHooks, P>,
    pcb: Handle,
    data: &[u8],
    flags: WriteFlags,
) -> Result<Err, crate::stack::ApiError> {
    let key = t.hooks.rom.len() as u32;
    t.hooks.rom.push(data.to_vec());
    t.tcp_write_ref(pcb, RomRef { key, offset: 0 }, data.len() as u16, flags)
}

impl Hooks for TestHooks {
    fn sys_now(&mut self, clock: u32) -> u32 {
        clock
    }
    fn lwip_rand(&mut self) -> u32 {
        self.rand = self.rand.wrapping_mul(1_103_515_245).wrapping_add(12345);
        self.rand
    }
    fn tcp_isn<A: crate::storage::IpAddrRepr>(&mut self, _: &A, _: u16, _: &A, _: u16) -> u32 {
        ISN
    }
    fn netif_output<B: PbufStore>(&mut self, _now: u32, packet: Packet<'_, B>) {
        let mut v = vec![0; packet.tot_len()];
        packet.copy_to(&*self, &mut v);
        self.out.push(v);
    }
    fn callback_made(&mut self, event: Event) -> u32 {
        self.events.push(event);
        (self.events.len() - 1) as u32
    }
    fn callback_returned(&mut self, token: u32, ret: Err) {
        if let Some(e) = self.events.get_mut(token as usize) {
            e.ret = Some(ret);
        }
    }
    /// Read through `Tcp::asserted` by the tests.
    fn lwip_assert(&mut self, _: &'static crate::stack::Assertion) {}
}

pub(crate) type T = Tcp<TestHooks>;

pub(crate) fn stack() -> Box<T> {
    stack_for::<Full>(Netif::default())
}

/// A stack built for profile `P`, on `netif`.
pub(crate) fn stack_for<P: Profile<Storage = crate::storage::Pools>>(
    netif: Netif,
) -> Box<Tcp<TestHooks, P>> {
    Box::new(Tcp::new(netif, TestHooks::default()).unwrap())
}

pub(crate) fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    acc
}
pub(crate) fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seg {
    pub(crate) src: [u8; 4],
    pub(crate) dst: [u8; 4],
    pub(crate) ttl: u8,
    pub(crate) ip_id: u16,
    pub(crate) sport: u16,
    pub(crate) dport: u16,
    pub(crate) seq: u32,
    pub(crate) ack: u32,
    pub(crate) flags: u8,
    pub(crate) wnd: u16,
    pub(crate) options: Vec<u8>,
    pub(crate) payload: Vec<u8>,
}

impl Seg {
    pub(crate) fn bytes(&self) -> Vec<u8> {
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

    pub(crate) fn parse(p: &[u8]) -> Seg {
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

    pub(crate) fn ts_val(&self) -> u32 {
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

pub(crate) struct Peer {
    pub(crate) port: u16,
    pub(crate) lwip_port: u16,
    pub(crate) seq: u32,
    pub(crate) ack: u32,
}

impl Peer {
    pub(crate) fn new(port: u16, lwip_port: u16, isn: u32) -> Peer {
        Peer {
            port,
            lwip_port,
            seq: isn,
            ack: 0,
        }
    }
    pub(crate) fn seg(&mut self, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
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
    pub(crate) fn saw(&mut self, s: &Seg) {
        self.ack = s
            .seq
            .wrapping_add(s.payload.len() as u32)
            .wrapping_add(u32::from(s.flags & (SYN | FIN) != 0));
    }
}

pub(crate) fn linux_syn_options(tsval: u32) -> Vec<u8> {
    let mut o = vec![2, 4, 0x05, 0xb4, 4, 2, 8, 10];
    o.extend_from_slice(&tsval.to_be_bytes());
    o.extend_from_slice(&0u32.to_be_bytes());
    o.extend_from_slice(&[1, 3, 3, 7]);
    o
}

pub(crate) fn ts(val: u32, ecr: u32) -> Vec<u8> {
    let mut o = vec![1, 1, 8, 10];
    o.extend_from_slice(&val.to_be_bytes());
    o.extend_from_slice(&ecr.to_be_bytes());
    o
}

/// Feeds a packet from the peer.
macro_rules! send {
    ($s:expr, $app:expr, $pkt:expr) => {
        assert_eq!($s.input(&$pkt, $app).unwrap(), crate::err::Err::Ok)
    };
}
pub(crate) use send;

/// The parsed packets emitted since the last call.
macro_rules! recv {
    ($s:expr) => {
        core::mem::take(&mut $s.hooks.out)
            .iter()
            .map(|p| crate::test_support::Seg::parse(p))
            .collect::<std::vec::Vec<_>>()
    };
}
pub(crate) use recv;

pub(crate) fn events<P: Profile<Storage = crate::storage::Pools>>(
    s: &mut Tcp<TestHooks, P>,
) -> Vec<(Callback, Option<Err>)> {
    core::mem::take(&mut s.hooks.events)
        .into_iter()
        .map(|e| (e.callback, e.ret))
        .collect()
}

#[derive(Default)]
pub(crate) struct TestApp {
    pub(crate) accepted: Vec<Handle>,
    pub(crate) received: Vec<u8>,
    pub(crate) fins: u32,
    pub(crate) abort_in_recv: bool,
    pub(crate) refuse_recv: bool,
    pub(crate) echo: bool,
    pub(crate) keep_open_on_fin: bool,
    /// `p->flags` of each pbuf chain recv got.
    pub(crate) pbuf_flags: Vec<u8>,
    /// The err callbacks made to the application: (pcb, err).
    pub(crate) errs: Vec<(Handle, Err)>,
}

impl<P: Profile<Storage = crate::storage::Pools>> TcpApp<TestHooks, P> for TestApp {
    const OWNS_RECV_PBUF: bool = false;
    fn accept(&mut self, _: &mut Tcp<TestHooks, P>, _: Handle, new: Option<Handle>, _: Err) -> Err {
        self.accepted.extend(new);
        Err::Ok
    }
    fn recv(
        &mut self,
        t: &mut Tcp<TestHooks, P>,
        pcb: Handle,
        data: Option<crate::stack::PbufOf<P>>,
        _: Err,
    ) -> Err {
        let Some(p) = data else {
            self.fins += 1;
            if self.keep_open_on_fin {
                return Err::Ok;
            }
            return t.tcp_close(pcb).unwrap_or(Err::Ok);
        };
        if self.abort_in_recv {
            t.tcp_abort(pcb, self).unwrap();
            return Err::Abrt;
        }
        if self.refuse_recv {
            return Err::Mem;
        }
        self.pbuf_flags.push(t.pbuf_flags(p));
        let data = bytes_of(t, p);
        let data = &data[..];
        self.received.extend_from_slice(data);
        t.tcp_recved(pcb, data.len() as u16).unwrap();
        if self.echo {
            assert_eq!(t.tcp_write(pcb, data, WriteFlags::COPY).unwrap(), Err::Ok);
            assert_eq!(t.tcp_output(pcb).unwrap(), Err::Ok);
        }
        Err::Ok
    }
    fn connected(&mut self, _: &mut Tcp<TestHooks, P>, _: Handle, _: Err) -> Err {
        Err::Ok
    }
    fn sent(&mut self, _: &mut Tcp<TestHooks, P>, _: Handle, _: u16) -> Err {
        Err::Ok
    }
    fn poll(&mut self, _: &mut Tcp<TestHooks, P>, _: Handle) -> Err {
        Err::Ok
    }
    fn err(&mut self, _: &mut Tcp<TestHooks, P>, pcb: Handle, errf: bool, _: (), err: Err) {
        assert!(errf, "err is made only where errf is set");
        self.errs.push((pcb, err));
    }
}

/// Fixture: a listener on `port` and an ESTABLISHED connection from
/// `peer`; output and events drained.
pub(crate) fn established(
    s: &mut T,
    app: &mut TestApp,
    port: u16,
    peer: &mut Peer,
) -> (Handle, Handle) {
    let l = s.tcp_new(&mut NullApp).unwrap();
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
