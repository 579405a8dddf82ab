//! `LwipPbufs` (the store over lwIP's real pbuf.c, mem.c and memp.c, linked
//! from lwip-core with lwIP's unit-test options) against the port's own
//! `Pbufs`: the same random sequence of PbufStore operations on both —
//! pbuf_alloc (RAM, POOL, ROM, REF at any layer), pbuf_free, pbuf_ref,
//! pbuf_clen, pbuf_cat, pbuf_realloc, pbuf_add_header, pbuf_remove_header,
//! pbuf_take, pbuf_copy_partial, pbuf_copy_partial_pbuf, set_flags,
//! set_len/set_tot_len — over a set of live handles (each one reference,
//! by lwIP's rules). After every operation the results must be equal, and
//! so must every live chain, pbuf by pbuf (len, tot_len, ref, flags, type,
//! `payload - p`, where a ROM/REF payload points, the heap offset of a RAM
//! pbuf's block, which pbufs are shared between chains), its bytes (by
//! pbuf_copy_partial, by `chain`, by `payload`), and the statistics
//! (heap used/max/err, MEMP_PBUF and MEMP_PBUF_POOL used).
//!
//! The port is configured as lwIP's unit-test build as far as it can hold
//! it: MEM_ALIGNMENT 1, SIZEOF_STRUCT_PBUF 24, PBUF_POOL_BUFSIZE 610,
//! MEMP_NUM_PBUF 16 are the same; MEM_SIZE (17000 in lwIP) is the port's
//! largest heap, 16384, and PBUF_POOL_SIZE (400) the most 634-byte
//! elements its pool holds, 39. Below those limits both heaps place every
//! block at the same offset and both pools count the same, so a case is
//! compared until lwIP's heap holds a block ending within 64 bytes of the
//! port's MEM_SIZE (the near-fit and end-of-heap rules of mem.c may then
//! differ) or lwIP's pool has more than 39 buffers taken; from there on
//! the two may legitimately differ and the case ends (counted, printed).
//!
//! Only what lwIP allows is generated (as harness/tests/pbuf_model.rs):
//! lengths change (realloc, headers, cat onto, set_len) only at chain
//! heads no pbuf links to, so every tot_len stays true; cat joins two
//! disjoint chains; nothing is taken into a chain holding ROM/REF pbufs
//! (the trait leaves the application's bytes unwritten, which the
//! model does not follow: `take_over_a_rom_pbuf_*` below); set_flags never
//! sets PBUF_FLAG_IS_CUSTOM (`set_flags_never_makes_a_custom_pbuf`); POOL
//! layers stay
//! below PBUF_POOL_BUFSIZE (at or above it lwIP asserts; LwipPbufs
//! refuses: `pool_layer_without_room_*`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use lwip_tcp_rust::layout::PbufPtr;
use lwip_tcp_rust::pbuf::{LwipPbufs, RomPtr, as_raw};
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner};
use tcp_rust::config::Config;
use tcp_rust::mem::{Heap, pbuf_ram_alloc_len};
use tcp_rust::pbuf::{Pbuf, PbufStore, PbufType, Pbufs, RomRef, RomStore};

/// The port's heap (lwIP's is 17000: see the module docs).
const PORT_MEM_SIZE: u32 = 16384;
/// lwIP's MEM_SIZE (test/unit/lwipopts.h): a larger request fails on
/// both without an error counted.
const LWIP_MEM_SIZE: usize = 17000;
/// The port's pool, in 634-byte elements (lwIP's has 400).
const PORT_POOL_SIZE: u16 = 39;
/// Room kept in front of a ROM/REF payload.
const ROM_FRONT: usize = 64;

/// The port configured as lwIP's unit-test build (see the module docs).
fn port_config() -> Config {
    let mut cfg = Config::full();
    cfg.mem_size = PORT_MEM_SIZE;
    cfg.mem_alignment = 1;
    cfg.sizeof_struct_pbuf = 24;
    cfg.pbuf_pool_size = PORT_POOL_SIZE;
    cfg.pbuf_pool_bufsize = 610;
    cfg.memp_num_pbuf = 16;
    assert!(Pbufs::fits(&cfg), "the port cannot hold this configuration");
    cfg
}

/// The lwIP side: LwipPbufs, or a wrapper around it (the planted fault).
trait CSide: PbufStore<Pbuf = PbufPtr, Rom = RomPtr> {
    fn lwip(&self) -> &LwipPbufs;
}

impl CSide for LwipPbufs {
    fn lwip(&self) -> &LwipPbufs {
        self
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Ram,
    Pool,
    Rom,
    Ref,
}

#[derive(Debug, Clone)]
enum Op {
    Alloc {
        layer: u16,
        len: u16,
        kind: Kind,
    },
    /// Handle index (mod the number live), for every op below.
    Free(usize),
    Ref(usize),
    Clen(usize),
    /// pbuf_cat(first, second): the second handle is given up; with
    /// `true`, pbuf_chain (cat, then a reference on the second: kept).
    Cat(usize, usize, bool),
    /// New length as a fraction (1/256) of tot_len; above 256 enlarges.
    Realloc(usize, u16),
    AddHeader(usize, u16),
    RemoveHeader(usize, u16),
    /// Fill the chain from this seed (one byte too many when seed % 8 == 0).
    Take(usize, u8),
    /// pbuf_copy_partial: offset and length as fractions of tot_len.
    Copy(usize, u16, u16),
    /// pbuf_copy_partial_pbuf(from, offset, n, to, at): offset as a
    /// fraction of from's tot_len, n and at of to's first len.
    CopyPbuf(usize, u16, usize, u16, u16),
    SetFlags(usize, u8),
    /// set_len and set_tot_len of a lone pbuf to a fraction (≤ 1) of len.
    Shrink(usize, u16),
    /// pbuf_split_64k: the rest (of a chain longer than 65535 bytes,
    /// which ROM/REF pbufs of up to 30000 bytes make) becomes a handle.
    Split64k(usize),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Ram),
        3 => Just(Kind::Pool),
        1 => Just(Kind::Rom),
        1 => Just(Kind::Ref),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let layer = prop_oneof![
        Just(0u16),
        Just(14),
        Just(54),
        Just(74),
        0u16..200,
        540u16..610
    ];
    let len = prop_oneof![
        8 => 0u16..600,
        4 => 600u16..2400,
        1 => 2400u16..8000,
        1 => 16000u16..30000,
    ];
    prop_oneof![
        6 => (layer, len, kind()).prop_map(|(layer, len, kind)| Op::Alloc { layer, len, kind }),
        3 => any::<usize>().prop_map(Op::Free),
        1 => any::<usize>().prop_map(Op::Ref),
        1 => any::<usize>().prop_map(Op::Clen),
        2 => (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(a, b, c)| Op::Cat(a, b, c)),
        2 => (any::<usize>(), 0u16..300).prop_map(|(i, f)| Op::Realloc(i, f)),
        2 => (any::<usize>(), prop_oneof![0u16..80, 600u16..700])
            .prop_map(|(i, n)| Op::AddHeader(i, n)),
        2 => (any::<usize>(), prop_oneof![0u16..80, 500u16..2000])
            .prop_map(|(i, n)| Op::RemoveHeader(i, n)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, s)| Op::Take(i, s)),
        1 => (any::<usize>(), 0u16..300, 0u16..300).prop_map(|(i, o, l)| Op::Copy(i, o, l)),
        1 => (any::<usize>(), 0u16..300, any::<usize>(), 0u16..257, 0u16..257)
            .prop_map(|(i, o, j, n, a)| Op::CopyPbuf(i, o, j, n, a)),
        // Never PBUF_FLAG_IS_CUSTOM (0x02): LwipPbufs keeps lwIP's bit
        // (`set_flags_never_makes_a_custom_pbuf`).
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, f)| Op::SetFlags(i, f & !0x02)),
        1 => (any::<usize>(), 0u16..257).prop_map(|(i, f)| Op::Shrink(i, f)),
        2 => any::<usize>().prop_map(Op::Split64k),
    ]
}

/// The application's buffers behind ROM/REF pbufs: the port names them by
/// key, lwIP by address (the same bytes).
struct Store(Vec<Vec<u8>>);

impl RomStore for Store {
    fn rom_bytes(&self, key: u32) -> &[u8] {
        self.0.get(key as usize).map_or(&[], Vec::as_slice)
    }
}

fn frac(v: u16, f: u16) -> u16 {
    ((u32::from(v) * u32::from(f)) / 256).min(u32::from(u16::MAX)) as u16
}

fn pattern(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

type Res<T> = Result<T, TestCaseError>;

/// How a step ended.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Go,
    /// lwIP went past what the port can hold: stop comparing.
    Capacity,
}

struct Model<C: CSide> {
    lw: lwip_core::Lwip,
    c: C,
    r: Box<Pbufs>,
    store: Store,
    /// (lwIP pbuf, port pbuf): one reference each.
    live: Vec<(PbufPtr, Pbuf)>,
    /// Port pbufs whose payload shows bytes never written (a fresh header
    /// room): stale memory on both sides, not compared.
    dirty: HashSet<Pbuf>,
    /// Operations compared so far.
    compared: usize,
}

impl<C: CSide> Model<C> {
    fn new(c: C) -> Model<C> {
        let lw = lwip_core::lock();
        lw.set_fatal_asserts(false);
        let mut r = Box::new(Pbufs::EMPTY);
        r.init(&port_config());
        Model {
            lw,
            c,
            r,
            store: Store(Vec::new()),
            live: Vec::new(),
            dirty: HashSet::new(),
            compared: 0,
        }
    }

    fn r_chain(&self, p: Pbuf) -> Vec<Pbuf> {
        let mut out = vec![p];
        while let Some(n) = self.r.next(*out.last().unwrap()) {
            out.push(n);
            assert!(out.len() < 500, "port chain loops");
        }
        out
    }

    /// Port pbufs some live chain links to (not chain heads).
    fn linked(&self) -> HashSet<Pbuf> {
        let mut s = HashSet::new();
        for &(_, h) in &self.live {
            s.extend(self.r_chain(h).into_iter().skip(1));
        }
        s
    }

    fn has_rom(&self, p: Pbuf) -> bool {
        self.r_chain(p)
            .iter()
            .any(|&q| matches!(self.r.pbuf_type(q), PbufType::Rom | PbufType::Ref))
    }

    /// Offset of a C RAM pbuf in lwIP's heap.
    fn c_heap_off(&self, p: PbufPtr) -> usize {
        (as_raw(p) as usize).wrapping_sub(self.lw.heap_base() as usize)
    }

    /// Whether lwIP's state went past what the port holds: more pool
    /// buffers than the port's pool, or a heap block of a live chain ending
    /// within 64 bytes of the port's MEM_SIZE.
    fn beyond_port(&self) -> bool {
        self.c.pool_used() > PORT_POOL_SIZE
            || self.live.iter().any(|&(c, _)| self.c_chain_beyond(c))
    }

    fn c_chain_beyond(&self, c: PbufPtr) -> bool {
        let smem = usize::from(Heap::sizeof_struct_mem(1));
        let mut cur = Some(c);
        while let Some(q) = cur {
            if self.c.pbuf_type(q) == PbufType::Ram {
                let block = self.c_heap_off(q) - smem;
                // SAFETY: a live RAM pbuf's block header (struct mem, whose
                // first field is `next`, a u16 offset) lies `smem` bytes
                // before it in lwIP's heap.
                let next = unsafe {
                    std::ptr::read_unaligned(self.lw.heap_base().add(block).cast::<u16>())
                };
                if usize::from(next) + 64 > PORT_MEM_SIZE as usize {
                    return true;
                }
            }
            cur = self.c.next(q);
        }
        false
    }

    fn compare(&self, n: usize, o: &Op) -> Res<()> {
        let smem = usize::from(Heap::sizeof_struct_mem(1));
        // Which lwIP pbuf each port pbuf is: one to one over every chain.
        let mut pair: HashMap<Pbuf, PbufPtr> = HashMap::new();
        let mut back: HashMap<usize, Pbuf> = HashMap::new();
        for (k, &(c, r)) in self.live.iter().enumerate() {
            let rc = self.r_chain(r);
            let mut cq = Some(c);
            for (i, &q) in rc.iter().enumerate() {
                let Some(cp) = cq else {
                    prop_assert!(false, "op {n} {o:?}: handle {k}: lwIP chain ends at {i}");
                    unreachable!();
                };
                prop_assert_eq!(
                    *pair.entry(q).or_insert(cp),
                    cp,
                    "op {} {:?}: handle {} pbuf {}: not the same pbuf as before",
                    n,
                    o,
                    k,
                    i
                );
                prop_assert_eq!(
                    *back.entry(as_raw(cp) as usize).or_insert(q),
                    q,
                    "op {} {:?}: sharing",
                    n,
                    o
                );
                let ty = self.r.pbuf_type(q);
                let port = (
                    self.r.len(q),
                    self.r.tot_len(q),
                    self.r.refcount(q),
                    self.r.flags(q),
                    ty,
                    self.r.payload_offset(q),
                    self.r.rom_ref(q).map(|rr| rr.offset as usize),
                    self.r.heap_block(q).map(|b| usize::from(b.0) + smem),
                );
                let c_rom = self.c.rom_ref(cp).map(|p| {
                    let key = self.r.rom_ref(q).map_or(0, |rr| rr.key as usize);
                    let base = self.store.0.get(key).map_or(0, |v| v.as_ptr() as usize);
                    (p.0 as usize).wrapping_sub(base)
                });
                let cside = (
                    self.c.len(cp),
                    self.c.tot_len(cp),
                    self.c.refcount(cp),
                    self.c.flags(cp),
                    self.c.pbuf_type(cp),
                    self.c.lwip().payload_offset(cp),
                    c_rom,
                    (self.c.pbuf_type(cp) == PbufType::Ram).then(|| self.c_heap_off(cp)),
                );
                prop_assert_eq!(
                    cside,
                    port,
                    "op {} {:?}: handle {} pbuf {}: (len, tot_len, ref, flags, type, payload off, rom at, heap off) lwIP vs port",
                    n,
                    o,
                    k,
                    i
                );
                if !self.dirty.contains(&q) {
                    prop_assert_eq!(
                        self.c.payload(&self.store, cp),
                        self.r.payload(&self.store, q),
                        "op {} {:?}: handle {} pbuf {}: payload",
                        n,
                        o,
                        k,
                        i
                    );
                }
                cq = self.c.next(cp);
            }
            prop_assert!(cq.is_none(), "op {n} {o:?}: handle {k}: lwIP chain longer");
            prop_assert_eq!(
                self.c.pbuf_clen(c),
                self.r.pbuf_clen(r),
                "op {} {:?}: clen",
                n,
                o
            );
            if rc.iter().any(|q| self.dirty.contains(q)) {
                continue;
            }
            let tot = usize::from(self.r.tot_len(r));
            let mut cb = vec![0u8; tot];
            let mut rb = vec![0u8; tot];
            let cn = self.c.pbuf_copy_partial(&self.store, c, &mut cb, 0);
            let rn = self.r.pbuf_copy_partial(&self.store, r, &mut rb, 0);
            prop_assert_eq!(cn, rn, "op {} {:?}: handle {}: bytes copied", n, o, k);
            prop_assert!(cb == rb, "op {n} {o:?}: handle {k}: bytes differ");
            let cc: Vec<u8> = self.c.chain(&self.store, c).flatten().copied().collect();
            let rr: Vec<u8> = self.r.chain(&self.store, r).flatten().copied().collect();
            prop_assert!(cc == rr, "op {n} {o:?}: handle {k}: chain() differs");
        }
        let cs = (
            self.c.heap_used(),
            self.c.heap_max(),
            self.c.heap_errors(),
            self.c.memp_pbuf_used(),
            self.c.pool_used(),
        );
        let rs = (
            self.r.heap_used(),
            self.r.heap_max(),
            self.r.heap_errors(),
            self.r.memp_pbuf_used(),
            self.r.pool_used(),
        );
        prop_assert_eq!(
            cs,
            rs,
            "op {} {:?}: (heap used, max, err, MEMP_PBUF used, pool used) lwIP vs port",
            n,
            o
        );
        prop_assert_eq!(
            self.lw.assert_count(),
            0,
            "op {} {:?}: lwIP asserted: {:?}",
            n,
            o,
            self.lw.last_assert()
        );
        Ok(())
    }

    fn step(&mut self, n: usize, o: &Op) -> Res<Step> {
        let nl = self.live.len();
        match *o {
            Op::Alloc { layer, len, kind } => {
                let ty = match kind {
                    Kind::Ram => PbufType::Ram,
                    Kind::Pool => PbufType::Pool,
                    Kind::Rom => PbufType::Rom,
                    Kind::Ref => PbufType::Ref,
                };
                // A request the port's heap is too small for, but lwIP's
                // 17000 bytes are not (mem_malloc returns before counting an
                // error when the size exceeds the heap).
                let ram_len = pbuf_ram_alloc_len(24, 1, layer, len).map_or(0, usize::from);
                if ty == PbufType::Ram
                    && ram_len + 6 + 64 > PORT_MEM_SIZE as usize
                    && ram_len <= LWIP_MEM_SIZE
                {
                    return Ok(Step::Capacity);
                }
                let c = self.c.pbuf_alloc(layer, len, ty);
                let r = self.r.pbuf_alloc(layer, len, ty);
                // lwIP's new pbuf counts for the port's capacity too.
                if c.is_some_and(|c| self.c_chain_beyond(c)) || self.beyond_port() {
                    return Ok(Step::Capacity);
                }
                prop_assert_eq!(c.is_some(), r.is_some(), "op {}: {:?}: Some/None", n, o);
                if let (Some(c), Some(r)) = (c, r) {
                    self.live.push((c, r));
                    if matches!(kind, Kind::Rom | Kind::Ref) {
                        let data = pattern(layer as u8, ROM_FRONT + usize::from(len));
                        let key = self.store.0.len() as u32;
                        let at = RomPtr(data[ROM_FRONT..].as_ptr());
                        self.store.0.push(data);
                        self.c.set_rom(c, at);
                        self.r.set_rom(
                            r,
                            RomRef {
                                key,
                                offset: ROM_FRONT as u32,
                            },
                        );
                    } else {
                        let data = pattern(len as u8 ^ 0x5A, usize::from(len));
                        prop_assert!(self.c.pbuf_take(c, &data));
                        prop_assert!(self.r.pbuf_take(r, &data));
                    }
                }
            }
            Op::Free(i) if nl > 0 => {
                let (c, r) = self.live.remove(i % nl);
                let cn = self.c.pbuf_free(c);
                let rn = self.r.pbuf_free(r);
                prop_assert_eq!(cn, rn, "op {}: {:?}: pbufs freed", n, o);
            }
            Op::Ref(i) if nl > 0 => {
                let h = self.live[i % nl];
                self.c.pbuf_ref(h.0);
                self.r.pbuf_ref(h.1);
                self.live.push(h);
            }
            Op::Clen(i) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                prop_assert_eq!(
                    self.c.pbuf_clen(c),
                    self.r.pbuf_clen(r),
                    "op {}: {:?}",
                    n,
                    o
                );
            }
            Op::Cat(i, j, chain) if nl > 1 => {
                let (a, b) = (i % nl, j % nl);
                let (h, t) = (self.live[a], self.live[b]);
                let linked = self.linked();
                let hc: HashSet<Pbuf> = self.r_chain(h.1).into_iter().collect();
                let tc: HashSet<Pbuf> = self.r_chain(t.1).into_iter().collect();
                if linked.contains(&h.1) || linked.contains(&t.1) || !hc.is_disjoint(&tc) {
                    return Ok(Step::Go);
                }
                self.c.pbuf_cat(h.0, t.0);
                self.r.pbuf_cat(h.1, t.1);
                if chain {
                    self.c.pbuf_ref(t.0);
                    self.r.pbuf_ref(t.1);
                } else {
                    self.live.remove(b);
                }
            }
            Op::Realloc(i, f) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&r) {
                    return Ok(Step::Go);
                }
                let new = frac(self.r.tot_len(r), f);
                let cr = self.c.pbuf_realloc(c, new);
                let rr = self.r.pbuf_realloc(r, new);
                prop_assert_eq!(cr, rr, "op {}: {:?}", n, o);
            }
            Op::Split64k(i) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&r) {
                    return Ok(Step::Go);
                }
                let cr = self.c.pbuf_split_64k(c);
                let rr = self.r.pbuf_split_64k(r);
                prop_assert_eq!(cr.is_some(), rr.is_some(), "op {}: {:?}: a rest", n, o);
                if let (Some(c2), Some(r2)) = (cr, rr) {
                    // The rest carries the reference the cut link held.
                    self.live.push((c2, r2));
                    SPLITS.fetch_add(1, Ordering::Relaxed);
                }
            }
            Op::AddHeader(i, k) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&r) {
                    return Ok(Step::Go);
                }
                let cr = self.c.pbuf_add_header(c, k);
                let rr = self.r.pbuf_add_header(r, k);
                prop_assert_eq!(cr, rr, "op {}: {:?}: moved", n, o);
                if rr && k > 0 {
                    self.dirty.insert(r);
                }
            }
            Op::RemoveHeader(i, k) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&r) {
                    return Ok(Step::Go);
                }
                let cr = self.c.pbuf_remove_header(c, k);
                prop_assert_eq!(cr, self.r.pbuf_remove_header(r, k), "op {}: {:?}", n, o);
            }
            Op::Take(i, seed) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.has_rom(r) {
                    return Ok(Step::Go);
                }
                let extra = usize::from(seed % 8 == 0);
                let data = pattern(seed, usize::from(self.r.tot_len(r)) + extra);
                let ce = self.c.pbuf_take(c, &data);
                let re = self.r.pbuf_take(r, &data);
                prop_assert_eq!(ce, re, "op {}: {:?}", n, o);
                if re {
                    for q in self.r_chain(r) {
                        self.dirty.remove(&q);
                    }
                }
            }
            Op::Copy(i, fo, fl) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.r_chain(r).iter().any(|q| self.dirty.contains(q)) {
                    return Ok(Step::Go);
                }
                let tot = self.r.tot_len(r);
                let off = frac(tot, fo);
                let len = usize::from(frac(tot, fl));
                let mut cb = vec![0u8; len];
                let mut rb = vec![0u8; len];
                let cn = self.c.pbuf_copy_partial(&self.store, c, &mut cb, off);
                let rn = self.r.pbuf_copy_partial(&self.store, r, &mut rb, off);
                prop_assert_eq!(cn, rn, "op {}: {:?}: copied", n, o);
                prop_assert!(cb == rb, "op {n}: {o:?}: bytes");
            }
            Op::CopyPbuf(i, fo, j, fnn, fa) if nl > 0 => {
                let (cf, rf) = self.live[i % nl];
                let (ct, rt) = self.live[j % nl];
                let tl = self.r.len(rt);
                let at = frac(tl, fa);
                let cnt = frac(tl - at, fnn);
                let off = frac(self.r.tot_len(rf), fo);
                let from_dirty = self.r_chain(rf).iter().any(|q| self.dirty.contains(q));
                let cn = self
                    .c
                    .pbuf_copy_partial_pbuf(&self.store, cf, off, cnt, ct, at);
                let rn = self
                    .r
                    .pbuf_copy_partial_pbuf(&self.store, rf, off, cnt, rt, at);
                prop_assert_eq!(cn, rn, "op {}: {:?}: copied", n, o);
                if from_dirty {
                    self.dirty.insert(rt);
                }
            }
            Op::SetFlags(i, f) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                self.c.set_flags(c, f);
                self.r.set_flags(r, f);
            }
            Op::Shrink(i, f) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&r) || self.r.next(r).is_some() {
                    return Ok(Step::Go);
                }
                let new = frac(self.r.len(r), f.min(256));
                self.c.set_len(c, new);
                self.c.set_tot_len(c, new);
                self.r.set_len(r, new);
                self.r.set_tot_len(r, new);
            }
            _ => return Ok(Step::Go),
        }
        if self.beyond_port() {
            return Ok(Step::Capacity);
        }
        self.compare(n, o)?;
        self.compared += 1;
        Ok(Step::Go)
    }

    fn finish(&mut self) -> Res<()> {
        while let Some((c, r)) = self.live.pop() {
            let cn = self.c.pbuf_free(c);
            prop_assert_eq!(cn, self.r.pbuf_free(r), "final free");
        }
        prop_assert_eq!(
            (
                self.c.heap_used(),
                self.c.memp_pbuf_used(),
                self.c.pool_used()
            ),
            (0, 0, 0)
        );
        prop_assert_eq!(
            (
                self.r.heap_used(),
                self.r.memp_pbuf_used(),
                self.r.pool_used()
            ),
            (0, 0, 0)
        );
        Ok(())
    }
}

/// Runs `ops` on both: whether the case ended at the port's capacity, and
/// how many operations were compared.
fn run_on<C: CSide>(c: C, ops: &[Op]) -> Res<(bool, usize)> {
    let mut m = Model::new(c);
    for (n, o) in ops.iter().enumerate() {
        if m.step(n, o)? == Step::Capacity {
            return Ok((true, m.compared));
        }
    }
    m.finish()?;
    Ok((false, m.compared))
}

fn run(ops: &[Op]) -> Res<bool> {
    run_on(LwipPbufs::new(), ops).map(|r| r.0)
}

const CASES_RUN: u32 = 2000;

/// Splits that cut a chain (`Op::Split64k` with a rest), in any test.
static SPLITS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn lwip_pbufs_match_the_ports_pbufs() {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: CASES_RUN,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let (cases, compared, at_capacity) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let result = runner.run(&proptest::collection::vec(op(), 1..80), |ops| {
        let (cap, n) = run_on(LwipPbufs::new(), &ops)?;
        cases.fetch_add(1, Ordering::Relaxed);
        compared.fetch_add(n, Ordering::Relaxed);
        at_capacity.fetch_add(usize::from(cap), Ordering::Relaxed);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "pbuf_diff: {} cases, {} operations compared, {} cases ended at the port's capacity; \
         chains cut by pbuf_split_64k (all tests so far): {}",
        cases.into_inner(),
        compared.into_inner(),
        at_capacity.into_inner(),
        SPLITS.load(Ordering::Relaxed)
    );
}

fn alloc(layer: u16, len: u16, kind: Kind) -> Op {
    Op::Alloc { layer, len, kind }
}

/// Directed: every operation on chains of every kind, MEMP_PBUF exhausted
/// (16 on both), the heap filled short of the port's end.
#[test]
fn exhaustion_and_chains_match() {
    let mut ops = vec![
        alloc(74, 3000, Kind::Pool),
        alloc(0, 1200, Kind::Pool),
        alloc(54, 5000, Kind::Ram),
    ];
    for i in 0..17u16 {
        ops.push(alloc(
            0,
            i * 10,
            if i % 2 == 0 { Kind::Rom } else { Kind::Ref },
        ));
    }
    for _ in 0..3 {
        ops.push(alloc(74, 2500, Kind::Ram));
    }
    ops.extend([
        Op::Cat(0, 1, false),
        Op::Cat(0, 2, true),
        Op::Cat(0, 5, false),
        Op::Realloc(0, 100),
        Op::Copy(0, 3, 200),
        Op::CopyPbuf(0, 10, 1, 128, 30),
        Op::RemoveHeader(0, 20),
        Op::AddHeader(0, 20),
        Op::SetFlags(0, 0x21),
        Op::Shrink(3, 100),
        Op::Realloc(3, 50),
        Op::Free(0),
    ]);
    assert!(!run(&ops).unwrap(), "ended at the port's capacity");
}

/// A chain longer than 65535 bytes (three ROM pbufs of 30000: its
/// `tot_len`s wrap) is cut by both `pbuf_split_64k`s after the second
/// pbuf, with the same `tot_len`s and the FIN flag copied to the rest;
/// then both are cut no further.
#[test]
fn a_chain_past_64k_is_split_the_same() {
    let before = SPLITS.load(Ordering::Relaxed);
    let rom = Op::Alloc {
        layer: 0,
        len: 30000,
        kind: Kind::Rom,
    };
    let ops = [
        rom.clone(),
        rom.clone(),
        rom,
        Op::Cat(0, 1, false),
        Op::Cat(0, 1, false),
        Op::SetFlags(0, 0x20),
        Op::Split64k(0),
        Op::Split64k(0),
        Op::Split64k(1),
        Op::Copy(0, 100, 200),
        Op::Free(1),
        Op::Free(0),
    ];
    assert!(!run(&ops).unwrap(), "ended at the port's capacity");
    assert!(SPLITS.load(Ordering::Relaxed) > before, "no chain was cut");
}

/// PBUF_FLAG_IS_CUSTOM is lwIP's own: LwipPbufs keeps it as lwIP set it,
/// the port stores any byte. (A random set_flags(0x02) once made lwIP's
/// pbuf_free call a custom free function through NULL: found by the test
/// above before LwipPbufs kept the bit.)
#[test]
fn set_flags_never_makes_a_custom_pbuf() {
    let _lw = lwip_core::lock();
    let mut c = LwipPbufs::new();
    let mut r = Box::new(Pbufs::EMPTY);
    r.init(&port_config());
    let cp = c.pbuf_alloc(0, 10, PbufType::Ram).unwrap();
    let rp = r.pbuf_alloc(0, 10, PbufType::Ram).unwrap();
    c.set_flags(cp, 0x23);
    r.set_flags(rp, 0x23);
    assert_eq!((c.flags(cp), r.flags(rp)), (0x21, 0x23), "(lwIP, port)");
    assert_eq!(c.pbuf_free(cp), 1);
    assert_eq!(c.heap_used(), 0);
}

/// pbuf_take over a chain holding a ROM pbuf: neither store writes the
/// application's bytes, and both pass over the source bytes that fall on
/// the ROM pbuf, so the bytes after it land where lwIP's pbuf_take puts
/// them. (This test found the port's Pbufs skipping the ROM pbuf without
/// consuming any, which put the ROM pbuf's bytes in the next pbuf and
/// dropped the source's tail; the core does not reach it, as it takes
/// only into fresh RAM/POOL chains.)
#[test]
fn take_over_a_rom_pbuf_consumes_its_span_in_both_stores() {
    let _lw = lwip_core::lock();
    let mut c = LwipPbufs::new();
    let mut r = Box::new(Pbufs::EMPTY);
    r.init(&port_config());
    let app = vec![0xEEu8; 4];
    let store = Store(vec![app.clone()]);
    let (ch, ct) = (
        c.pbuf_alloc(0, 4, PbufType::Rom).unwrap(),
        c.pbuf_alloc(0, 4, PbufType::Ram).unwrap(),
    );
    c.set_rom(ch, RomPtr(store.0[0].as_ptr()));
    c.pbuf_cat(ch, ct);
    let (rh, rt) = (
        r.pbuf_alloc(0, 4, PbufType::Rom).unwrap(),
        r.pbuf_alloc(0, 4, PbufType::Ram).unwrap(),
    );
    r.set_rom(rh, RomRef { key: 0, offset: 0 });
    r.pbuf_cat(rh, rt);
    let src = [1, 2, 3, 4, 5, 6, 7, 8];
    assert!(c.pbuf_take(ch, &src));
    assert!(r.pbuf_take(rh, &src));
    assert_eq!(store.0[0], app, "the application's bytes are not written");
    assert_eq!(c.payload(&store, ct), &[5, 6, 7, 8], "lwIP's positions");
    assert_eq!(r.payload(&store, rt), &[5, 6, 7, 8], "the port: the same");
    c.pbuf_free(ch);
}

/// A PBUF_POOL request whose layer leaves no room in the first buffer
/// (PBUF_POOL_BUFSIZE 610 here): lwIP's pbuf_alloc would assert, so
/// LwipPbufs refuses it; the port's Pbufs returns a chain whose first
/// pbuf is empty.
#[test]
fn pool_layer_without_room_is_refused_by_lwip_pbufs() {
    let lw = lwip_core::lock();
    let mut c = LwipPbufs::new();
    let mut r = Box::new(Pbufs::EMPTY);
    r.init(&port_config());
    assert!(c.pbuf_alloc(609, 10, PbufType::Pool).is_some());
    assert_eq!(c.pbuf_alloc(610, 10, PbufType::Pool), None);
    assert_eq!(lw.assert_count(), 0);
    let p = r.pbuf_alloc(610, 10, PbufType::Pool).unwrap();
    assert_eq!((r.len(p), r.tot_len(p)), (0, 10));
}

/// The planted fault: LwipPbufs with tot_len reported one too large for a
/// pbuf that has a next one. The differential test must fail on it.
struct Planted(LwipPbufs);

impl CSide for Planted {
    fn lwip(&self) -> &LwipPbufs {
        &self.0
    }
}

impl PbufStore for Planted {
    type Pbuf = PbufPtr;
    type Rom = RomPtr;
    const EMPTY: Planted = Planted(LwipPbufs::new());
    fn init(&mut self, cfg: &Config) {
        self.0.init(cfg)
    }
    fn pbuf_alloc(&mut self, layer: u16, length: u16, ty: PbufType) -> Option<PbufPtr> {
        self.0.pbuf_alloc(layer, length, ty)
    }
    fn set_rom(&mut self, p: PbufPtr, at: RomPtr) {
        self.0.set_rom(p, at)
    }
    fn rom_ref(&self, p: PbufPtr) -> Option<RomPtr> {
        self.0.rom_ref(p)
    }
    fn pbuf_free(&mut self, p: PbufPtr) -> u8 {
        self.0.pbuf_free(p)
    }
    fn illegal_free(&self) -> Option<tcp_rust::mem::IllegalFree> {
        self.0.illegal_free()
    }
    fn pbuf_ref(&mut self, p: PbufPtr) {
        self.0.pbuf_ref(p)
    }
    fn pbuf_clen(&self, p: PbufPtr) -> u16 {
        self.0.pbuf_clen(p)
    }
    fn pbuf_cat(&mut self, h: PbufPtr, t: PbufPtr) {
        self.0.pbuf_cat(h, t)
    }
    fn pbuf_realloc(&mut self, p: PbufPtr, new_len: u16) -> Result<(), &'static str> {
        self.0.pbuf_realloc(p, new_len)
    }
    fn pbuf_split_64k(&mut self, p: PbufPtr) -> Option<PbufPtr> {
        self.0.pbuf_split_64k(p)
    }
    fn pbuf_add_header(&mut self, p: PbufPtr, n: u16) -> bool {
        self.0.pbuf_add_header(p, n)
    }
    fn pbuf_remove_header(&mut self, p: PbufPtr, n: u16) -> bool {
        self.0.pbuf_remove_header(p, n)
    }
    fn pbuf_copy_partial<R: RomStore>(
        &self,
        rom: &R,
        p: PbufPtr,
        dst: &mut [u8],
        offset: u16,
    ) -> u16 {
        self.0.pbuf_copy_partial(rom, p, dst, offset)
    }
    fn pbuf_take(&mut self, p: PbufPtr, src: &[u8]) -> bool {
        self.0.pbuf_take(p, src)
    }
    fn next(&self, p: PbufPtr) -> Option<PbufPtr> {
        self.0.next(p)
    }
    fn len(&self, p: PbufPtr) -> u16 {
        self.0.len(p)
    }
    fn set_len(&mut self, p: PbufPtr, len: u16) {
        self.0.set_len(p, len)
    }
    /// The fault.
    fn tot_len(&self, p: PbufPtr) -> u16 {
        let t = self.0.tot_len(p);
        if self.0.next(p).is_some() {
            t.wrapping_add(1)
        } else {
            t
        }
    }
    fn set_tot_len(&mut self, p: PbufPtr, tot_len: u16) {
        self.0.set_tot_len(p, tot_len)
    }
    fn flags(&self, p: PbufPtr) -> u8 {
        self.0.flags(p)
    }
    fn set_flags(&mut self, p: PbufPtr, flags: u8) {
        self.0.set_flags(p, flags)
    }
    fn refcount(&self, p: PbufPtr) -> u8 {
        self.0.refcount(p)
    }
    fn pbuf_type(&self, p: PbufPtr) -> PbufType {
        self.0.pbuf_type(p)
    }
    fn payload<'a, R: RomStore>(&'a self, rom: &'a R, p: PbufPtr) -> &'a [u8] {
        self.0.payload(rom, p)
    }
    fn payload_mut(&mut self, p: PbufPtr) -> &mut [u8] {
        self.0.payload_mut(p)
    }
    fn chain<'a, R: RomStore>(
        &'a self,
        rom: &'a R,
        p: PbufPtr,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.0.chain(rom, p)
    }
    fn memp_pbuf_used(&self) -> u16 {
        self.0.memp_pbuf_used()
    }
    fn pool_used(&self) -> u16 {
        self.0.pool_used()
    }
    fn pbuf_copy_partial_pbuf<R: RomStore>(
        &mut self,
        rom: &R,
        from: PbufPtr,
        offset: u16,
        n: u16,
        to: PbufPtr,
        at: u16,
    ) -> u16 {
        self.0.pbuf_copy_partial_pbuf(rom, from, offset, n, to, at)
    }
    fn rom_slice<R: RomStore>(rom: &R, at: RomPtr, len: usize) -> &[u8] {
        LwipPbufs::rom_slice(rom, at, len)
    }
    fn rom_at(at: RomPtr, by: u16) -> RomPtr {
        LwipPbufs::rom_at(at, by)
    }
    fn heap_used(&self) -> u32 {
        self.0.heap_used()
    }
    fn heap_max(&self) -> u32 {
        self.0.heap_max()
    }
    fn heap_errors(&self) -> u32 {
        self.0.heap_errors()
    }
}

/// The differential test has teeth: on the planted fault it fails, and
/// the failure names tot_len.
#[test]
fn a_planted_tot_len_fault_is_found() {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&proptest::collection::vec(op(), 1..80), |ops| {
        run_on(Planted(LwipPbufs::new()), &ops).map(|_| ())
    });
    match result {
        Err(TestError::Fail(why, ops)) => {
            assert!(why.message().contains("tot_len"), "{why}");
            eprintln!("planted fault found; minimal case: {ops:?}\n{why}");
        }
        other => panic!("the planted fault was not found: {other:?}"),
    }
}
