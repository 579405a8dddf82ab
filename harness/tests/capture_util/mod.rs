//! Tiny builders of IPv4/TCP packets, link-layer framings and pcap/pcapng
//! files for the capture tests. Independent of the library's own code.
#![allow(dead_code)]

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// Internet checksum, written independently of the library.
pub fn cksum(parts: &[&[u8]]) -> u16 {
    let mut bytes = Vec::new();
    for p in parts {
        bytes.extend_from_slice(p);
    }
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    let mut sum: u32 = 0;
    for pair in bytes.chunks(2) {
        sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A segment description; `ipv4()` turns it into an IPv4 datagram.
#[derive(Clone, Debug)]
pub struct Seg {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub options: Vec<u8>,
    pub payload: Vec<u8>,
    pub ttl: u8,
    pub tos: u8,
    pub id: u16,
    /// IP flags + fragment offset field.
    pub frag: u16,
    /// IP protocol (6 = TCP: header built; otherwise payload carried as is).
    pub proto: u8,
    pub corrupt_tcp_checksum: bool,
}

impl Default for Seg {
    fn default() -> Self {
        Seg {
            src: [10, 0, 0, 1],
            dst: [10, 0, 0, 2],
            sport: 40000,
            dport: 80,
            seq: 1000,
            ack: 0,
            flags: SYN,
            window: 65535,
            options: Vec::new(),
            payload: Vec::new(),
            ttl: 64,
            tos: 0,
            id: 1,
            frag: 0x4000,
            proto: 6,
            corrupt_tcp_checksum: false,
        }
    }
}

impl Seg {
    /// The TCP segment (or, for another protocol, the payload as is), with
    /// its checksum over a pseudo-header of `src` and `dst` (4 or 16 bytes).
    fn l4(&self, src: &[u8], dst: &[u8]) -> Vec<u8> {
        if self.proto != 6 {
            return self.payload.clone();
        }
        assert!(self.options.len().is_multiple_of(4));
        let doff = (20 + self.options.len()) / 4;
        let mut t = Vec::new();
        t.extend_from_slice(&self.sport.to_be_bytes());
        t.extend_from_slice(&self.dport.to_be_bytes());
        t.extend_from_slice(&self.seq.to_be_bytes());
        t.extend_from_slice(&self.ack.to_be_bytes());
        t.push((doff as u8) << 4);
        t.push(self.flags);
        t.extend_from_slice(&self.window.to_be_bytes());
        t.extend_from_slice(&[0, 0, 0, 0]);
        t.extend_from_slice(&self.options);
        t.extend_from_slice(&self.payload);
        let len = (t.len() as u16).to_be_bytes();
        let pseudo = [src, dst, &[0, 6], &len[..]].concat();
        let mut c = cksum(&[&pseudo, &t]);
        if self.corrupt_tcp_checksum {
            c ^= 0x5555;
        }
        t[16..18].copy_from_slice(&c.to_be_bytes());
        t
    }

    pub fn ipv4(&self) -> Vec<u8> {
        let l4 = self.l4(&self.src, &self.dst);
        let total = (20 + l4.len()) as u16;
        let mut h = vec![0x45, self.tos];
        h.extend_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&self.id.to_be_bytes());
        h.extend_from_slice(&self.frag.to_be_bytes());
        h.push(self.ttl);
        h.push(self.proto);
        h.extend_from_slice(&[0, 0]);
        h.extend_from_slice(&self.src);
        h.extend_from_slice(&self.dst);
        let c = cksum(&[&h]);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h.extend_from_slice(&l4);
        h
    }
}

/// `n` in 2001:db8::/64.
pub fn v6(n: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    a[15] = n;
    a
}

/// IPv6 extension header types the tests use.
pub const HOP_BY_HOP: u8 = 0;
pub const DEST_OPTS: u8 = 60;
pub const FRAGMENT: u8 = 44;

impl Seg {
    /// The segment over IPv6 from 2001:db8::`src[3]` to 2001:db8::`dst[3]`,
    /// after the given extension headers (each 8 bytes: a PadN option, or a
    /// fragment header saying "first fragment, more follow").
    pub fn ipv6(&self, exts: &[u8]) -> Vec<u8> {
        let (src, dst) = (v6(self.src[3]), v6(self.dst[3]));
        let l4 = self.l4(&src, &dst);
        let mut ext_bytes = Vec::new();
        for (i, &t) in exts.iter().enumerate() {
            let next = exts.get(i + 1).copied().unwrap_or(self.proto);
            if t == FRAGMENT {
                ext_bytes.extend_from_slice(&[next, 0, 0, 1, 0, 0, 0, 7]);
            } else {
                ext_bytes.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
            }
        }
        let first = exts.first().copied().unwrap_or(self.proto);
        let plen = (ext_bytes.len() + l4.len()) as u16;
        let mut h = vec![0x60 | (self.tos >> 4), self.tos << 4, 0, 0];
        h.extend_from_slice(&plen.to_be_bytes());
        h.push(first);
        h.push(self.ttl);
        h.extend_from_slice(&src);
        h.extend_from_slice(&dst);
        h.extend_from_slice(&ext_bytes);
        h.extend_from_slice(&l4);
        h
    }
}

/// [`tcp`] over IPv6 (2001:db8::1 and 2001:db8::2) after `exts`.
pub fn tcp6(
    from_client: bool,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &[u8],
    exts: &[u8],
) -> Vec<u8> {
    seg(from_client, flags, seq, ack, payload).ipv6(exts)
}

/// [`conversation`] over IPv6: a hop-by-hop header on the SYN, destination
/// options on the data segments, none on the rest.
pub fn conversation6(isn_c: u32, isn_s: u32) -> Vec<Vec<u8>> {
    let (h, d) = (&[HOP_BY_HOP][..], &[DEST_OPTS][..]);
    vec![
        tcp6(true, SYN, isn_c, 0, b"", h),
        tcp6(false, SYN | ACK, isn_s, isn_c + 1, b"", &[]),
        tcp6(true, ACK, isn_c + 1, isn_s + 1, b"", &[]),
        tcp6(true, PSH | ACK, isn_c + 1, isn_s + 1, b"hello", d),
        tcp6(
            false,
            PSH | ACK,
            isn_s + 1,
            isn_c + 6,
            b"world!",
            &[HOP_BY_HOP, DEST_OPTS],
        ),
        tcp6(true, FIN | ACK, isn_c + 6, isn_s + 7, b"", &[]),
        tcp6(false, FIN | ACK, isn_s + 7, isn_c + 7, b"", &[]),
        tcp6(true, ACK, isn_c + 7, isn_s + 8, b"", &[]),
    ]
}

/// A TCP segment between 10.0.0.1:40000 (a) and 10.0.0.2:80 (b).
pub fn tcp(from_client: bool, flags: u8, seq: u32, ack: u32, payload: &[u8]) -> Vec<u8> {
    seg(from_client, flags, seq, ack, payload).ipv4()
}

/// The [`Seg`] from a (`from_client`) or b.
pub fn seg(from_client: bool, flags: u8, seq: u32, ack: u32, payload: &[u8]) -> Seg {
    let mut s = Seg {
        flags,
        seq,
        ack,
        payload: payload.to_vec(),
        ..Seg::default()
    };
    if !from_client {
        std::mem::swap(&mut s.src, &mut s.dst);
        std::mem::swap(&mut s.sport, &mut s.dport);
    }
    s
}

/// A UDP datagram (checksum 0) in IPv4.
pub fn udp() -> Vec<u8> {
    let mut u = vec![0x13, 0x88, 0x00, 0x35, 0, 12, 0, 0];
    u.extend_from_slice(b"dns?");
    Seg {
        proto: 17,
        payload: u,
        ..Seg::default()
    }
    .ipv4()
}

/// A minimal IPv6 packet (no payload).
pub fn ipv6() -> Vec<u8> {
    let mut v = vec![0x60, 0, 0, 0, 0, 0, 59, 64];
    v.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    v
}

/// An ARP request body.
pub fn arp_body() -> Vec<u8> {
    let mut v = vec![0, 1, 8, 0, 6, 4, 0, 1];
    v.extend_from_slice(&[2, 0, 0, 0, 0, 1, 10, 0, 0, 1]);
    v.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
    v
}

pub const ET_IPV4: u16 = 0x0800;
pub const ET_IPV6: u16 = 0x86dd;
pub const ET_ARP: u16 = 0x0806;

/// Ethernet II framing with the given VLAN tags (TPID, VID), outermost first.
pub fn eth(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
    for (tpid, vid) in tags {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&vid.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Linux cooked v1.
pub fn sll(proto: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    f.extend_from_slice(&proto.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Linux cooked v2.
pub fn sll2(proto: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = proto.to_be_bytes().to_vec();
    f.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// BSD NULL with the family in the given byte order.
pub fn null(family: u32, big_endian: bool, payload: &[u8]) -> Vec<u8> {
    let mut f = if big_endian {
        family.to_be_bytes()
    } else {
        family.to_le_bytes()
    }
    .to_vec();
    f.extend_from_slice(payload);
    f
}

/// A pcap record.
#[derive(Clone, Debug)]
pub struct Rec {
    pub sec: u32,
    pub frac: u32,
    pub data: Vec<u8>,
    pub orig_len: u32,
}

pub fn rec(sec: u32, frac: u32, data: Vec<u8>) -> Rec {
    let orig_len = data.len() as u32;
    Rec {
        sec,
        frac,
        data,
        orig_len,
    }
}

/// A classic pcap file.
pub fn pcap(big_endian: bool, nanos: bool, link_type: u32, recs: &[Rec]) -> Vec<u8> {
    let w32 = |v: &mut Vec<u8>, x: u32| {
        v.extend_from_slice(&if big_endian {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        })
    };
    let w16 = |v: &mut Vec<u8>, x: u16| {
        v.extend_from_slice(&if big_endian {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        })
    };
    let mut v = Vec::new();
    w32(&mut v, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    w16(&mut v, 2);
    w16(&mut v, 4);
    w32(&mut v, 0);
    w32(&mut v, 0);
    w32(&mut v, 262_144);
    w32(&mut v, link_type);
    for r in recs {
        w32(&mut v, r.sec);
        w32(&mut v, r.frac);
        w32(&mut v, r.data.len() as u32);
        w32(&mut v, r.orig_len);
        v.extend_from_slice(&r.data);
    }
    v
}

/// A pcapng file under construction.
pub struct Ng {
    pub be: bool,
    pub out: Vec<u8>,
}

impl Ng {
    /// New file starting with a section header.
    pub fn new(be: bool) -> Ng {
        let mut ng = Ng {
            be,
            out: Vec::new(),
        };
        ng.shb();
        ng
    }

    fn u16b(&self, x: u16) -> [u8; 2] {
        if self.be {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    }

    fn u32b(&self, x: u32) -> [u8; 4] {
        if self.be {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        }
    }

    /// Options area from (code, value) pairs, with the end marker.
    pub fn opts(&self, opts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut v = Vec::new();
        if opts.is_empty() {
            return v;
        }
        for (code, val) in opts {
            v.extend_from_slice(&self.u16b(*code));
            v.extend_from_slice(&self.u16b(val.len() as u16));
            v.extend_from_slice(val);
            while !v.len().is_multiple_of(4) {
                v.push(0);
            }
        }
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    /// Append a block; returns its offset.
    pub fn block(&mut self, block_type: u32, body: &[u8]) -> usize {
        let off = self.out.len();
        let total = (body.len() + 12) as u32;
        let (t, l) = (self.u32b(block_type), self.u32b(total));
        self.out.extend_from_slice(&t);
        self.out.extend_from_slice(&l);
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(&l);
        off
    }

    pub fn shb(&mut self) -> usize {
        let mut b = self.u32b(0x1a2b_3c4d).to_vec();
        b.extend_from_slice(&self.u16b(1));
        b.extend_from_slice(&self.u16b(0));
        b.extend_from_slice(&[0xff; 8]);
        self.block(0x0a0d_0d0a, &b)
    }

    /// Interface with optional if_tsresol / if_tsoffset.
    pub fn idb(&mut self, link_type: u16, tsresol: Option<u8>, tsoffset: Option<i64>) -> usize {
        let mut b = self.u16b(link_type).to_vec();
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&self.u32b(0));
        let mut o = Vec::new();
        if let Some(r) = tsresol {
            o.push((9u16, vec![r]));
        }
        if let Some(off) = tsoffset {
            o.push((
                14u16,
                if self.be {
                    off.to_be_bytes()
                } else {
                    off.to_le_bytes()
                }
                .to_vec(),
            ));
        }
        b.extend_from_slice(&self.opts(&o));
        self.block(1, &b)
    }

    /// Enhanced packet block with a raw timestamp in interface units.
    pub fn epb(
        &mut self,
        iface: u32,
        ts: u64,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
    ) -> usize {
        let mut b = self.u32b(iface).to_vec();
        b.extend_from_slice(&self.u32b((ts >> 32) as u32));
        b.extend_from_slice(&self.u32b(ts as u32));
        b.extend_from_slice(&self.u32b(data.len() as u32));
        b.extend_from_slice(&self.u32b(orig_len));
        b.extend_from_slice(data);
        while !b.len().is_multiple_of(4) {
            b.push(0);
        }
        if let Some(c) = comment {
            b.extend_from_slice(&self.opts(&[(1, c.as_bytes().to_vec())]));
        }
        self.block(6, &b)
    }

    /// EPB with orig_len = captured length.
    pub fn pkt(&mut self, iface: u32, ts: u64, data: &[u8]) -> usize {
        self.epb(iface, ts, data, data.len() as u32, None)
    }

    pub fn spb(&mut self, data: &[u8]) -> usize {
        let mut b = self.u32b(data.len() as u32).to_vec();
        b.extend_from_slice(data);
        while !b.len().is_multiple_of(4) {
            b.push(0);
        }
        self.block(3, &b)
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.out.clone()
    }
}

/// A complete handshake, one data segment each way, and FIN close, as IPv4 datagrams.
pub fn conversation(isn_c: u32, isn_s: u32) -> Vec<Vec<u8>> {
    vec![
        tcp(true, SYN, isn_c, 0, b""),
        tcp(false, SYN | ACK, isn_s, isn_c + 1, b""),
        tcp(true, ACK, isn_c + 1, isn_s + 1, b""),
        tcp(true, PSH | ACK, isn_c + 1, isn_s + 1, b"hello"),
        tcp(false, PSH | ACK, isn_s + 1, isn_c + 6, b"world!"),
        tcp(true, FIN | ACK, isn_c + 6, isn_s + 7, b""),
        tcp(false, FIN | ACK, isn_s + 7, isn_c + 7, b""),
        tcp(true, ACK, isn_c + 7, isn_s + 8, b""),
    ]
}
