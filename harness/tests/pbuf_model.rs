//! The port's pbufs (tcp-rust/src/pbuf.rs) against lwIP's pbuf.c itself:
//! random sequences of pbuf_alloc (RAM, POOL, ROM, REF at any layer),
//! pbuf_free, pbuf_ref, pbuf_clen, pbuf_cat, pbuf_chain, pbuf_realloc,
//! pbuf_add_header(_force), pbuf_remove_header, pbuf_take(_at) and
//! pbuf_copy_partial run on both, over a set of live handles (each one
//! reference, by lwIP's rules). After every operation the result must be
//! the same, and so must every live chain, pbuf by pbuf (len, tot_len,
//! ref, flags, type, payload offset, where a ROM/REF payload points, the
//! heap offset of a RAM pbuf's block), its bytes, and the MEMP_PBUF_POOL,
//! MEMP_PBUF and heap statistics. An lwIP assertion (mem_trim's "invalid
//! next ptr" under pbuf_realloc) must be the port's error too.
//!
//! Only what lwIP allows is generated: lengths change (realloc, headers,
//! cat onto) only at chain heads no pbuf links to, so every tot_len stays
//! true; cat/chain join two disjoint chains; nothing is taken into a chain
//! holding ROM/REF pbufs (lwIP would write the application's bytes, which
//! the port by design never does: see docs/lwip-mapping.md); POOL layers
//! stay below PBUF_POOL_BUFSIZE (at or above it lwIP asserts or points the
//! payload outside the buffer).

use lwip_c::{CPbuf, ErrT, PbufKind, Stack, StackConfig, StackError};
use proptest::prelude::*;
use std::collections::HashSet;
use tcp_rust::config::Config;
use tcp_rust::mem::Heap;
use tcp_rust::pbuf::{Pbuf, PbufStore, PbufType, Pbufs, RomRef, RomStore};

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
    /// Append the second chain to the first: pbuf_chain if true, else
    /// pbuf_cat (the second handle is then given up).
    Cat(usize, usize, bool),
    /// New length as a fraction (1/256) of tot_len; above 256 enlarges.
    Realloc(usize, u16),
    AddHeader(usize, u16, bool),
    RemoveHeader(usize, u16),
    /// Fill the whole chain with bytes from this seed.
    Take(usize, u8),
    /// pbuf_take_at: offset and length as fractions (1/256) of tot_len.
    TakeAt(usize, u16, u16, u8),
    /// pbuf_copy_partial: offset and length as fractions of tot_len.
    Copy(usize, u16, u16),
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
    let layer = prop_oneof![Just(0u16), Just(20), Just(40), 0u16..200, 1400u16..1529];
    let len = prop_oneof![
        4 => 0u16..600,
        3 => 600u16..3200,
        1 => 3200u16..17000,
        1 => 17000u16..30000,
        // A RAM pbuf of exactly the whole heap (24 + 16352 = MEM_SIZE less
        // one block header), the block just before ram_end: shrinking it
        // makes mem_trim assert "invalid next ptr".
        1 => Just(16352u16),
    ];
    prop_oneof![
        6 => (layer, len, kind()).prop_map(|(layer, len, kind)| Op::Alloc { layer, len, kind }),
        3 => any::<usize>().prop_map(Op::Free),
        1 => any::<usize>().prop_map(Op::Ref),
        1 => any::<usize>().prop_map(Op::Clen),
        2 => (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(a, b, c)| Op::Cat(a, b, c)),
        2 => (any::<usize>(), 0u16..300).prop_map(|(i, f)| Op::Realloc(i, f)),
        2 => (any::<usize>(), prop_oneof![0u16..80, Just(1528), Just(1529)], any::<bool>())
            .prop_map(|(i, n, f)| Op::AddHeader(i, n, f)),
        2 => (any::<usize>(), prop_oneof![0u16..80, 1000u16..2000])
            .prop_map(|(i, n)| Op::RemoveHeader(i, n)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, s)| Op::Take(i, s)),
        2 => (any::<usize>(), 0u16..300, 0u16..300, any::<u8>())
            .prop_map(|(i, o, l, s)| Op::TakeAt(i, o, l, s)),
        1 => (any::<usize>(), 0u16..300, 0u16..300).prop_map(|(i, o, l)| Op::Copy(i, o, l)),
    ]
}

/// The application's buffers behind ROM/REF pbufs, for the port.
struct Store(Vec<Vec<u8>>);

impl RomStore for Store {
    fn rom_bytes(&self, key: u32) -> &[u8] {
        self.0.get(key as usize).map_or(&[], Vec::as_slice)
    }
}

/// Room kept in front of a ROM/REF payload for forced headers.
const ROM_FRONT: usize = 64;

fn frac(v: u16, f: u16) -> u16 {
    ((u32::from(v) * u32::from(f)) / 256).min(u32::from(u16::MAX)) as u16
}

fn pattern(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn ty_name(t: PbufType) -> PbufKind {
    match t {
        PbufType::Ram => PbufKind::Ram,
        PbufType::Rom => PbufKind::Rom,
        PbufType::Ref => PbufKind::Ref,
        PbufType::Pool => PbufKind::Pool,
    }
}

struct Model {
    cfg: Config,
    c: Stack,
    r: Box<Pbufs>,
    store: Store,
    /// (C pbuf, port pbuf): one reference each.
    live: Vec<(CPbuf, Pbuf)>,
    /// Pbufs whose payload shows bytes never written (a header added in
    /// front of what was taken): stale memory on both sides, not compared.
    dirty: HashSet<CPbuf>,
}

type Res<T> = Result<T, TestCaseError>;

impl Model {
    fn new() -> Model {
        let cfg = Config::full();
        let mut r = Box::new(Pbufs::EMPTY);
        r.init(&cfg);
        Model {
            cfg,
            c: Stack::new(StackConfig::default()).expect("C stack"),
            r,
            store: Store(Vec::new()),
            live: Vec::new(),
            dirty: HashSet::new(),
        }
    }

    /// The C chain from `p`, pbuf by pbuf.
    fn c_chain(&mut self, p: CPbuf) -> Vec<(CPbuf, lwip_c::PbufState)> {
        let mut out = Vec::new();
        let mut cur = Some(p);
        while let Some(q) = cur {
            let st = self.c.pbuf_state(q).expect("pbuf_state");
            out.push((q, st));
            cur = st.next;
            assert!(out.len() < 200, "C chain loops");
        }
        out
    }

    /// C pbufs some live chain links to (not chain heads).
    fn linked(&mut self) -> HashSet<CPbuf> {
        let heads: Vec<CPbuf> = self.live.iter().map(|h| h.0).collect();
        let mut s = HashSet::new();
        for h in heads {
            for (_, st) in self.c_chain(h) {
                if let Some(n) = st.next {
                    s.insert(n);
                }
            }
        }
        s
    }

    fn has_rom(&mut self, p: CPbuf) -> bool {
        self.c_chain(p)
            .iter()
            .any(|(_, st)| matches!(st.kind, Some(PbufKind::Rom | PbufKind::Ref)))
    }

    fn compare(&mut self, n: usize, o: &Op) -> Res<()> {
        let hdr = Heap::sizeof_struct_mem(self.cfg.mem_alignment);
        for k in 0..self.live.len() {
            let (c, r) = self.live[k];
            let chain = self.c_chain(c);
            let mut rp = Some(r);
            for (i, (_, st)) in chain.iter().enumerate() {
                let Some(q) = rp else {
                    prop_assert!(
                        false,
                        "op {} {:?}: handle {} port chain ends at {}",
                        n,
                        o,
                        k,
                        i
                    );
                    unreachable!();
                };
                let port = (
                    self.r.len(q),
                    self.r.tot_len(q),
                    self.r.refcount(q),
                    self.r.flags(q),
                    Some(ty_name(self.r.pbuf_type(q))),
                    self.r.payload_offset(q),
                    self.r
                        .rom_ref(q)
                        .map(|rr| rr.offset as i32 as isize - ROM_FRONT as isize),
                    self.r.heap_block(q).map(|b| b.0 + hdr),
                );
                let cside = (
                    st.len,
                    st.tot_len,
                    st.refcount,
                    st.flags,
                    st.kind,
                    st.payload_off,
                    st.rom_at.map(|a| a - ROM_FRONT as isize),
                    st.heap_off,
                );
                prop_assert_eq!(
                    cside,
                    port,
                    "op {} {:?}: handle {} pbuf {}: (len, tot_len, ref, flags, type, payload off, rom at, heap off) C vs port",
                    n,
                    o,
                    k,
                    i
                );
                rp = self.r.next(q);
            }
            prop_assert!(
                rp.is_none(),
                "op {} {:?}: handle {}: port chain longer",
                n,
                o,
                k
            );
            // The bytes (once every pbuf's were written).
            if chain.iter().any(|(q, _)| self.dirty.contains(q)) {
                continue;
            }
            let tot = usize::from(chain[0].1.tot_len);
            let mut cb = vec![0u8; tot];
            match self.c.pbuf_copy_partial(c, &mut cb, 0) {
                Ok(cn) => {
                    let mut rb = vec![0u8; tot];
                    let rn = self.r.pbuf_copy_partial(&self.store, r, &mut rb, 0);
                    prop_assert_eq!(cn, rn, "op {} {:?}: handle {}: bytes copied", n, o, k);
                    prop_assert!(cb == rb, "op {} {:?}: handle {}: bytes differ", n, o, k);
                }
                // A ROM/REF payload moved outside its buffer: not read.
                Err(StackError::UnknownPbuf(_)) => {}
                Err(e) => prop_assert!(false, "copy_partial: {}", e),
            }
        }
        let s = self.c.pbuf_stats();
        let cstats = (
            (s.pool_used, s.pool_max, s.pool_err),
            (s.pbuf_used, s.pbuf_max, s.pbuf_err),
            (s.mem_used, s.mem_max, s.mem_err),
        );
        let p = &self.r;
        let rstats = (
            (
                u32::from(p.pool.used()),
                u32::from(p.pool.max_used()),
                p.pool.errors(),
            ),
            (
                u32::from(p.rom.used()),
                u32::from(p.rom.max_used()),
                p.rom.errors(),
            ),
            (p.heap.used(), p.heap.max_used(), p.heap.errors()),
        );
        prop_assert_eq!(
            cstats,
            rstats,
            "op {} {:?}: (pool, MEMP_PBUF, heap) (used, max, err)",
            n,
            o
        );
        Ok(())
    }

    /// Runs one op; `Ok(false)` ends the case (both sides asserted).
    fn step(&mut self, n: usize, o: &Op) -> Res<bool> {
        let nl = self.live.len();
        match *o {
            Op::Alloc { layer, len, kind } => {
                let (c, r) = match kind {
                    Kind::Ram | Kind::Pool => {
                        let (ck, rk) = match kind {
                            Kind::Ram => (PbufKind::Ram, PbufType::Ram),
                            _ => (PbufKind::Pool, PbufType::Pool),
                        };
                        (
                            self.c.pbuf_alloc(layer, len, ck).expect("pbuf_alloc"),
                            self.r.pbuf_alloc(layer, len, rk),
                        )
                    }
                    Kind::Rom | Kind::Ref => {
                        let (ck, rk) = match kind {
                            Kind::Rom => (PbufKind::Rom, PbufType::Rom),
                            _ => (PbufKind::Ref, PbufType::Ref),
                        };
                        let data = pattern(layer as u8, ROM_FRONT + usize::from(len));
                        let c = self
                            .c
                            .pbuf_alloc_ref(len, ck, &data, ROM_FRONT)
                            .expect("pbuf_alloc_ref");
                        let r = self.r.pbuf_alloc(layer, len, rk);
                        if let Some(r) = r {
                            let key = self.store.0.len() as u32;
                            self.store.0.push(data);
                            self.r.set_rom(
                                r,
                                RomRef {
                                    key,
                                    offset: ROM_FRONT as u32,
                                },
                            );
                        }
                        (c, r)
                    }
                };
                prop_assert_eq!(c.is_some(), r.is_some(), "op {}: {:?}: Some/None", n, o);
                if let (Some(c), Some(r)) = (c, r) {
                    self.live.push((c, r));
                    // Fill it (a fresh payload is stale memory).
                    self.dirty.remove(&c);
                    if matches!(kind, Kind::Ram | Kind::Pool) {
                        let data = pattern(len as u8 ^ 0x5A, usize::from(len));
                        let ce = self.c.pbuf_take(c, &data, None).expect("pbuf_take");
                        prop_assert_eq!(ce, ErrT::Ok);
                        prop_assert!(self.r.pbuf_take(r, &data));
                    }
                }
            }
            Op::Free(i) if nl > 0 => {
                let (c, r) = self.live.remove(i % nl);
                let cn = self.c.pbuf_free(c).expect("pbuf_free");
                let rn = self.r.pbuf_free(r);
                prop_assert_eq!(cn, rn, "op {}: {:?}: pbufs freed", n, o);
            }
            Op::Ref(i) if nl > 0 => {
                let h = self.live[i % nl];
                self.c.pbuf_ref(h.0).expect("pbuf_ref");
                self.r.pbuf_ref(h.1);
                self.live.push(h);
            }
            Op::Clen(i) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                let cn = self.c.pbuf_clen(c).expect("pbuf_clen");
                prop_assert_eq!(cn, self.r.pbuf_clen(r), "op {}: {:?}", n, o);
            }
            Op::Cat(i, j, chain) if nl > 1 => {
                let (a, b) = (i % nl, j % nl);
                let (h, t) = (self.live[a], self.live[b]);
                let linked = self.linked();
                let hc: HashSet<CPbuf> = self.c_chain(h.0).into_iter().map(|x| x.0).collect();
                let tc: HashSet<CPbuf> = self.c_chain(t.0).into_iter().map(|x| x.0).collect();
                if linked.contains(&h.0) || linked.contains(&t.0) || !hc.is_disjoint(&tc) {
                    return Ok(true);
                }
                self.c.pbuf_cat(h.0, t.0, chain).expect("pbuf_cat");
                if chain {
                    self.r.pbuf_chain(h.1, t.1);
                } else {
                    self.r.pbuf_cat(h.1, t.1);
                    self.live.remove(b);
                }
            }
            Op::Realloc(i, f) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&c) {
                    return Ok(true);
                }
                let new = frac(self.r.tot_len(r), f);
                let rr = self.r.pbuf_realloc(r, new);
                match (self.c.pbuf_realloc(c, new), rr) {
                    (Ok(()), Ok(())) => {}
                    (Err(StackError::Asserted(a)), Err(msg)) => {
                        prop_assert_eq!(a.msg, msg);
                        return Ok(false);
                    }
                    (cr, rr) => {
                        prop_assert!(false, "op {}: {:?}: C {:?}, port {:?}", n, o, cr, rr)
                    }
                }
            }
            Op::AddHeader(i, k, force) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&c) {
                    return Ok(true);
                }
                let cr = self.c.pbuf_add_header(c, k, force).expect("add_header");
                let rr = if force {
                    self.r.pbuf_add_header_force(r, k)
                } else {
                    self.r.pbuf_add_header(r, k)
                };
                prop_assert_eq!(cr, rr, "op {}: {:?}: moved", n, o);
                let own = self.c.pbuf_state(c).expect("pbuf_state").kind;
                if cr && k > 0 && matches!(own, Some(PbufKind::Ram | PbufKind::Pool)) {
                    self.dirty.insert(c);
                }
            }
            Op::RemoveHeader(i, k) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.linked().contains(&c) {
                    return Ok(true);
                }
                let cr = self.c.pbuf_remove_header(c, k).expect("remove_header");
                prop_assert_eq!(cr, self.r.pbuf_remove_header(r, k), "op {}: {:?}", n, o);
            }
            Op::Take(i, seed) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.has_rom(c) {
                    return Ok(true);
                }
                // Sometimes one byte too many (lwIP refuses).
                let extra = usize::from(seed % 8 == 0);
                let data = pattern(seed, usize::from(self.r.tot_len(r)) + extra);
                let ce = self.c.pbuf_take(c, &data, None).expect("pbuf_take");
                let re = self.r.pbuf_take(r, &data);
                prop_assert_eq!(ce == ErrT::Ok, re, "op {}: {:?}", n, o);
                if re {
                    for (q, _) in self.c_chain(c) {
                        self.dirty.remove(&q);
                    }
                }
            }
            Op::TakeAt(i, fo, fl, seed) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                if self.has_rom(c) {
                    return Ok(true);
                }
                let tot = self.r.tot_len(r);
                let off = frac(tot, fo);
                let data = pattern(seed, usize::from(frac(tot, fl)));
                let ce = self.c.pbuf_take(c, &data, Some(off)).expect("pbuf_take_at");
                let re = self.r.pbuf_take_at(r, &data, off);
                prop_assert_eq!(ce == ErrT::Ok, re, "op {}: {:?}: C {:?}", n, o, ce);
            }
            Op::Copy(i, fo, fl) if nl > 0 => {
                let (c, r) = self.live[i % nl];
                let tot = self.r.tot_len(r);
                let off = frac(tot, fo);
                let len = usize::from(frac(tot, fl));
                let mut cb = vec![0u8; len];
                let mut rb = vec![0u8; len];
                if self.c_chain(c).iter().any(|(q, _)| self.dirty.contains(q)) {
                    return Ok(true);
                }
                if let Ok(cn) = self.c.pbuf_copy_partial(c, &mut cb, off) {
                    let rn = self.r.pbuf_copy_partial(&self.store, r, &mut rb, off);
                    prop_assert_eq!(cn, rn, "op {}: {:?}: copied", n, o);
                    prop_assert!(cb == rb, "op {}: {:?}: bytes", n, o);
                }
            }
            _ => return Ok(true),
        }
        self.compare(n, o)?;
        Ok(true)
    }

    fn finish(&mut self) -> Res<()> {
        while let Some((c, r)) = self.live.pop() {
            let cn = self.c.pbuf_free(c).expect("pbuf_free");
            prop_assert_eq!(cn, self.r.pbuf_free(r), "final free");
        }
        let s = self.c.pbuf_stats();
        prop_assert_eq!((s.pool_used, s.pbuf_used, s.mem_used), (0, 0, 0));
        prop_assert_eq!(
            (self.r.pool.used(), self.r.rom.used(), self.r.heap.used()),
            (0, 0, 0)
        );
        Ok(())
    }
}

/// Runs `ops` on both; `Ok(true)` when an assertion on both sides ended
/// the case.
fn run(ops: &[Op]) -> Res<bool> {
    let mut m = Model::new();
    for (n, o) in ops.iter().enumerate() {
        if !m.step(n, o)? {
            return Ok(true);
        }
    }
    m.finish()?;
    Ok(false)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
    #[test]
    fn port_pbufs_match_pbuf_c(ops in proptest::collection::vec(op(), 1..80)) {
        run(&ops)?;
    }
}

fn alloc(layer: u16, len: u16, kind: Kind) -> Op {
    Op::Alloc { layer, len, kind }
}

/// A RAM pbuf holding the whole heap is the block before ram_end; shrinking
/// it asserts in mem_trim ("invalid next ptr") on both sides.
#[test]
fn realloc_of_the_last_heap_block_asserts_on_both() {
    let ops = [alloc(0, 16352, Kind::Ram), Op::Realloc(0, 1)];
    assert!(run(&ops).unwrap(), "mem_trim's assertion was not reached");
    // With a block behind it (the heap not full), the same shrink splits.
    let ops = [alloc(0, 8000, Kind::Ram), Op::Realloc(0, 1), Op::Free(0)];
    assert!(!run(&ops).unwrap());
}

/// Pool, MEMP_PBUF and heap exhaustion: a POOL chain that cannot be
/// completed is freed again (pool.err counted once), ROM/REF headers run
/// out at MEMP_NUM_PBUF, the heap at MEM_SIZE.
#[test]
fn exhaustion_matches_pbuf_c() {
    let mut ops = vec![
        alloc(40, 1536 * 10, Kind::Pool),
        alloc(0, 1536 * 7, Kind::Pool),
        alloc(0, 1536 * 5, Kind::Pool),
        alloc(54, 1536 * 6, Kind::Pool),
    ];
    for i in 0..17u16 {
        ops.push(alloc(
            0,
            i * 10,
            if i % 2 == 0 { Kind::Rom } else { Kind::Ref },
        ));
    }
    for _ in 0..6 {
        ops.push(alloc(40, 3000, Kind::Ram));
    }
    // Join what is left and shrink it across kinds.
    ops.push(Op::Cat(0, 1, false));
    ops.push(Op::Cat(0, 2, true));
    ops.push(Op::Realloc(0, 100));
    ops.push(Op::Take(0, 7));
    ops.push(Op::Copy(0, 3, 200));
    assert!(!run(&ops).unwrap());
}
