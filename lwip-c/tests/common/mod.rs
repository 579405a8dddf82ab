//! Test support: an independent IPv4/TCP packet builder and parser (so the
//! tests check lwIP's bytes against values computed here, not by lwIP), a
//! peer that tracks sequence numbers, and an application with knobs.
#![allow(dead_code)]

use lwip_c::{App, ErrT, Pcb, Stack, StackConfig};

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

pub const LWIP_IP: [u8; 4] = [192, 168, 0, 1];
pub const PEER_IP: [u8; 4] = [192, 0, 2, 1];

/// The Internet checksum (RFC 1071) over `data`, folded, not inverted.
pub fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

/// `acc` folded to 16 bits (one's complement carries added back).
pub fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// A TCP segment inside an IPv4 packet, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub ttl: u8,
    pub tos: u8,
    pub ip_id: u16,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub wnd: u16,
    pub options: Vec<u8>,
    pub payload: Vec<u8>,
}

impl Seg {
    /// The packet's bytes, with both checksums computed here.
    pub fn bytes(&self) -> Vec<u8> {
        assert_eq!(self.options.len() % 4, 0, "options must be padded");
        let thl = 20 + self.options.len();
        let total = 20 + thl + self.payload.len();
        let mut p = Vec::with_capacity(total);
        p.extend_from_slice(&[0x45, self.tos]);
        p.extend_from_slice(&(total as u16).to_be_bytes());
        p.extend_from_slice(&self.ip_id.to_be_bytes());
        p.extend_from_slice(&[0, 0, self.ttl, 6, 0, 0]);
        p.extend_from_slice(&self.src);
        p.extend_from_slice(&self.dst);
        let ipsum = !fold(sum16(0, &p[..20]));
        p[10..12].copy_from_slice(&ipsum.to_be_bytes());
        p.extend_from_slice(&self.sport.to_be_bytes());
        p.extend_from_slice(&self.dport.to_be_bytes());
        p.extend_from_slice(&self.seq.to_be_bytes());
        p.extend_from_slice(&self.ack.to_be_bytes());
        p.extend_from_slice(&[((thl / 4) as u8) << 4, self.flags]);
        p.extend_from_slice(&self.wnd.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 0]);
        p.extend_from_slice(&self.options);
        p.extend_from_slice(&self.payload);
        let sum = tcp_sum(&p[12..16], &p[16..20], &p[20..]);
        p[36..38].copy_from_slice(&(!sum).to_be_bytes());
        p
    }

    /// Parses a packet, checking both checksums and every length.
    pub fn parse(p: &[u8]) -> Seg {
        assert!(p.len() >= 40, "short packet: {p:02x?}");
        assert_eq!(p[0], 0x45, "IPv4 without options expected");
        let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
        assert_eq!(total, p.len(), "IP total length");
        assert_eq!(fold(sum16(0, &p[..20])), 0xffff, "IP header checksum");
        assert_eq!(p[9], 6, "protocol TCP");
        let tcp = &p[20..];
        assert_eq!(tcp_sum(&p[12..16], &p[16..20], tcp), 0xffff, "TCP checksum");
        let thl = usize::from(tcp[12] >> 4) * 4;
        Seg {
            src: p[12..16].try_into().unwrap(),
            dst: p[16..20].try_into().unwrap(),
            ttl: p[8],
            tos: p[1],
            ip_id: u16::from_be_bytes([p[4], p[5]]),
            sport: u16::from_be_bytes([tcp[0], tcp[1]]),
            dport: u16::from_be_bytes([tcp[2], tcp[3]]),
            seq: u32::from_be_bytes(tcp[4..8].try_into().unwrap()),
            ack: u32::from_be_bytes(tcp[8..12].try_into().unwrap()),
            flags: tcp[13],
            wnd: u16::from_be_bytes([tcp[14], tcp[15]]),
            options: tcp[20..thl].to_vec(),
            payload: tcp[thl..].to_vec(),
        }
    }
}

fn tcp_sum(src: &[u8], dst: &[u8], seg: &[u8]) -> u16 {
    let mut acc = sum16(0, src);
    acc = sum16(acc, dst);
    acc += 6 + seg.len() as u32;
    fold(sum16(acc, seg))
}

/// The remote end: tracks its own sequence number and what it acknowledges.
#[derive(Debug, Clone)]
pub struct Peer {
    pub ip: [u8; 4],
    pub port: u16,
    pub lwip_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub wnd: u16,
    pub ip_id: u16,
}

impl Peer {
    pub fn new(port: u16, lwip_port: u16, isn: u32) -> Peer {
        Peer {
            ip: PEER_IP,
            port,
            lwip_port,
            seq: isn,
            ack: 0,
            wnd: 65535,
            ip_id: 1,
        }
    }

    /// A segment from the peer; advances its sequence number by the
    /// payload and SYN/FIN.
    pub fn seg(&mut self, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
        let s = Seg {
            src: self.ip,
            dst: LWIP_IP,
            ttl: 64,
            tos: 0,
            ip_id: self.ip_id,
            sport: self.port,
            dport: self.lwip_port,
            seq: self.seq,
            ack: if flags & ACK != 0 { self.ack } else { 0 },
            flags,
            wnd: self.wnd,
            options: options.to_vec(),
            payload: payload.to_vec(),
        };
        self.ip_id = self.ip_id.wrapping_add(1);
        self.seq = self
            .seq
            .wrapping_add(payload.len() as u32)
            .wrapping_add(u32::from(flags & SYN != 0))
            .wrapping_add(u32::from(flags & FIN != 0));
        s.bytes()
    }

    /// Takes note of what lwIP sent: acknowledges all of it.
    pub fn saw(&mut self, s: &Seg) {
        let end = s
            .seq
            .wrapping_add(s.payload.len() as u32)
            .wrapping_add(u32::from(s.flags & SYN != 0))
            .wrapping_add(u32::from(s.flags & FIN != 0));
        if end.wrapping_sub(self.ack) as i32 > 0 || self.ack == 0 {
            self.ack = end;
        }
    }
}

/// Linux-style SYN options: MSS 1460, SACK permitted, TS val/ecr, NOP, WS 7.
pub fn linux_syn_options(tsval: u32) -> Vec<u8> {
    let mut o = vec![2, 4, 0x05, 0xb4, 4, 2, 8, 10];
    o.extend_from_slice(&tsval.to_be_bytes());
    o.extend_from_slice(&0u32.to_be_bytes());
    o.extend_from_slice(&[1, 3, 3, 7]);
    o
}

/// Timestamp option as Linux sends it on data segments: NOP NOP TS.
pub fn ts_options(val: u32, ecr: u32) -> Vec<u8> {
    let mut o = vec![1, 1, 8, 10];
    o.extend_from_slice(&val.to_be_bytes());
    o.extend_from_slice(&ecr.to_be_bytes());
    o
}

/// What lwIP puts in a segment that carries only a timestamp option.
pub fn lwip_ts(val: u32, ecr: u32) -> Vec<u8> {
    ts_options(val, ecr)
}

/// The parsed packets emitted since the last call.
pub fn out(stack: &mut Stack) -> Vec<Seg> {
    stack
        .take_output()
        .iter()
        .map(|e| Seg::parse(&e.bytes))
        .collect()
}

/// An application with knobs, recording what it saw.
#[derive(Debug, Default)]
pub struct TestApp {
    pub accepted: Vec<Pcb>,
    pub received: Vec<u8>,
    pub fins: u32,
    /// Call tcp_abort inside recv and return ERR_ABRT.
    pub abort_in_recv: bool,
    /// Return ERR_MEM from recv (lwIP keeps the data as refused).
    pub refuse_recv: bool,
    /// Write this back (and tcp_output) from inside recv.
    pub echo: bool,
    /// Do not close on FIN.
    pub keep_open_on_fin: bool,
}

impl App for TestApp {
    fn accept(&mut self, _: &mut Stack, _: Pcb, new: Option<Pcb>, _: ErrT) -> ErrT {
        self.accepted.extend(new);
        ErrT::Ok
    }

    fn recv(&mut self, stack: &mut Stack, pcb: Pcb, data: Option<&[u8]>, _: ErrT) -> ErrT {
        let Some(data) = data else {
            self.fins += 1;
            if self.keep_open_on_fin {
                return ErrT::Ok;
            }
            // lwIP reports the FIN even after the application closed the
            // pcb (its callbacks stay set): then there is nothing to close.
            return stack.tcp_close(pcb).unwrap_or(ErrT::Ok);
        };
        if self.abort_in_recv {
            stack.tcp_abort(pcb).unwrap();
            return ErrT::Abrt;
        }
        if self.refuse_recv {
            return ErrT::Mem;
        }
        self.received.extend_from_slice(data);
        stack.tcp_recved(pcb, data.len() as u16).unwrap();
        if self.echo {
            assert_eq!(
                stack
                    .tcp_write(pcb, data, lwip_c::WriteFlags::COPY)
                    .unwrap(),
                ErrT::Ok
            );
            assert_eq!(stack.tcp_output(pcb).unwrap(), ErrT::Ok);
        }
        ErrT::Ok
    }
}

pub fn stack() -> Stack {
    Stack::new(StackConfig::default()).unwrap()
}

/// Every test ends here: tear down and prove nothing leaked.
pub fn finish(stack: &mut Stack) {
    stack.teardown().unwrap();
    if let Err(leak) = stack.leak_check() {
        panic!("leak after teardown: {leak}");
    }
}

/// A listener on `port` and an established connection from `peer`,
/// accepted by `app`. Returns the accepted pcb; output is drained.
pub fn accept_one(stack: &mut Stack, app: &mut TestApp, port: u16, peer: &mut Peer) -> Pcb {
    let l = stack.tcp_new().unwrap().unwrap();
    assert_eq!(stack.tcp_bind(l, [0; 4], port).unwrap(), ErrT::Ok);
    let (l, err) = stack.tcp_listen_with_backlog_and_err(l, 4).unwrap();
    assert_eq!(err, ErrT::Ok);
    l.unwrap();
    let syn = peer.seg(SYN, &linux_syn_options(1), &[]);
    stack.input(&syn, app).unwrap();
    let synack = out(stack);
    assert_eq!(synack.len(), 1);
    peer.saw(&synack[0]);
    let ack = peer.seg(ACK, &ts_options(2, synack[0].options_ts_val()), &[]);
    stack.input(&ack, app).unwrap();
    assert!(out(stack).is_empty());
    *app.accepted.last().expect("accepted")
}

impl Seg {
    /// TSval of the segment's timestamp option (0 if none).
    pub fn options_ts_val(&self) -> u32 {
        let o = &self.options;
        let mut i = 0;
        while i < o.len() {
            match o[i] {
                0 => break,
                1 => i += 1,
                8 if i + 10 <= o.len() => {
                    return u32::from_be_bytes(o[i + 2..i + 6].try_into().unwrap());
                }
                _ => i += usize::from(o.get(i + 1).copied().unwrap_or(1).max(2)),
            }
        }
        0
    }
}
