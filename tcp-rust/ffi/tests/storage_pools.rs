//! `LwipStorage` over lwIP's real memp.c (linked from lwip-core with
//! lwIP's unit-test options): its constants against the C compiler (the
//! `memp_t` values, the capacities, the pool geometry, the TCP header,
//! tcp.c's globals), allocation and free sequences against memp's
//! statistics, the pool arithmetic (index ↔ pointer, the checked
//! constructors rejecting what is not an element), the generations, the
//! one-owner claim, the segment header in the segment's pbuf, and the
//! exported globals being the ones C code sees.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::mem::{offset_of, size_of};
use std::ptr::{self, NonNull};

use lwip_tcp_rust::layout::{CLayout, PcbPtr, TcpHdrPtr};
use lwip_tcp_rust::pbuf::{CPbuf, LwipPbufs, MempDesc};
use lwip_tcp_rust::storage::{
    self as st, LPCB_STRIDE, LwipStorage, MEM_ALIGNMENT, MEMP_NUM_TCP_PCB, MEMP_NUM_TCP_PCB_LISTEN,
    MEMP_NUM_TCP_SEG, MEMP_SIZE, MEMP_TCP_PCB, MEMP_TCP_PCB_LISTEN, MEMP_TCP_SEG, PCB_STRIDE,
    PoolGeometry, SEG_STRIDE, TCP_FLAGS, TCP_HLEN,
};
use tcp_rust::pbuf::{PbufStore, PbufType};
use tcp_rust::storage::{NullValue, Pool, Storage};
use tcp_rust::{List, TcpPcb, TcpPcbListen, TcpSeg};

/// The size of what `p` points at (a static's, without reading it).
fn size_of_pointee<T>(_: *const T) -> usize {
    size_of::<T>()
}

fn fact(f: &BTreeMap<String, u64>, k: &str) -> u64 {
    *f.get(k)
        .unwrap_or_else(|| panic!("lwip-core has no fact {k}"))
}

unsafe extern "C" {
    static memp_TCP_PCB: MempDesc;
    static memp_TCP_PCB_LISTEN: MempDesc;
    static memp_TCP_SEG: MempDesc;
}

fn desc(pool: Pool) -> &'static MempDesc {
    // SAFETY: memp.c's constant descriptors.
    unsafe {
        match pool {
            Pool::TcpPcb => &memp_TCP_PCB,
            Pool::TcpPcbListen => &memp_TCP_PCB_LISTEN,
            Pool::TcpSeg => &memp_TCP_SEG,
        }
    }
}

/// memp's own count of a pool's elements in use, read independently of
/// the storage (the descriptor's statistics), and its error count.
fn stats(pool: Pool) -> (u16, u16) {
    let d = desc(pool);
    // SAFETY: the descriptor's statistics, a static object, read by value.
    unsafe {
        (
            ptr::read(&raw const (*d.stats).used),
            ptr::read(&raw const (*d.stats).err),
        )
    }
}

/// (a) The constants are the C compiler's for this build.
#[test]
fn constants_are_the_c_builds() {
    let f = lwip_core::facts();
    assert_eq!(fact(&f, "MEMP_TCP_PCB"), u64::from(MEMP_TCP_PCB));
    assert_eq!(
        fact(&f, "MEMP_TCP_PCB_LISTEN"),
        u64::from(MEMP_TCP_PCB_LISTEN)
    );
    assert_eq!(fact(&f, "MEMP_TCP_SEG"), u64::from(MEMP_TCP_SEG));
    assert_eq!(fact(&f, "MEMP_NUM_TCP_PCB"), MEMP_NUM_TCP_PCB as u64);
    assert_eq!(
        fact(&f, "MEMP_NUM_TCP_PCB_LISTEN"),
        MEMP_NUM_TCP_PCB_LISTEN as u64
    );
    assert_eq!(fact(&f, "MEMP_NUM_TCP_SEG"), MEMP_NUM_TCP_SEG as u64);
    assert_eq!(
        fact(&f, "MEMP_OVERFLOW_CHECK"),
        0,
        "memp_malloc is a function"
    );
    assert_eq!(fact(&f, "MEMP_MEM_MALLOC"), 0, "the pools are arrays");
    assert_eq!(fact(&f, "MEMP_SIZE"), MEMP_SIZE as u64);
    assert_eq!(fact(&f, "MEM_ALIGNMENT"), MEM_ALIGNMENT as u64);
    assert_eq!(
        fact(&f, "MEMP_SIZE") + fact(&f, "MEMP_ALIGN_SIZE tcp_pcb"),
        PCB_STRIDE as u64
    );
    assert_eq!(
        fact(&f, "MEMP_SIZE") + fact(&f, "MEMP_ALIGN_SIZE tcp_pcb_listen"),
        LPCB_STRIDE as u64
    );
    assert_eq!(
        fact(&f, "MEMP_SIZE") + fact(&f, "MEMP_ALIGN_SIZE tcp_seg"),
        SEG_STRIDE as u64
    );
    assert_eq!(
        fact(&f, "sizeof tcp_pcb"),
        size_of::<TcpPcb<CLayout>>() as u64
    );
    assert_eq!(
        fact(&f, "sizeof tcp_pcb_listen"),
        size_of::<TcpPcbListen<CLayout>>() as u64
    );
    assert_eq!(
        fact(&f, "sizeof tcp_seg"),
        size_of::<TcpSeg<CLayout>>() as u64
    );
    assert_eq!(fact(&f, "sizeof tcp_hdr"), TCP_HLEN as u64);
    assert_eq!(fact(&f, "tcp_hdr.seqno"), 4);
    assert_eq!(fact(&f, "sizeof tcp_hdr.seqno"), 4);
    assert_eq!(fact(&f, "tcp_hdr._hdrlen_rsvd_flags"), 12);
    assert_eq!(fact(&f, "sizeof tcp_hdr._hdrlen_rsvd_flags"), 2);
    assert_eq!(fact(&f, "TCP_FLAGS"), u64::from(TCP_FLAGS));
    // tcp.c's globals: sizes as exported here.
    assert_eq!(fact(&f, "NUM_TCP_PCB_LISTS"), 4);
    {
        assert_eq!(
            fact(&f, "sizeof tcp_pcb_lists"),
            size_of_pointee(&raw const st::tcp_pcb_lists) as u64
        );
        assert_eq!(
            fact(&f, "sizeof tcp_listen_pcbs_t"),
            size_of_pointee(&raw const st::tcp_listen_pcbs) as u64
        );
        assert_eq!(
            fact(&f, "sizeof tcp_ticks"),
            size_of_pointee(&raw const st::tcp_ticks) as u64
        );
        assert_eq!(
            fact(&f, "sizeof tcp_active_pcbs_changed"),
            size_of_pointee(&raw const st::tcp_active_pcbs_changed) as u64
        );
    }
    // The descriptor mirror is the one pbuf_layout checks; its fields:
    assert_eq!(
        fact(&f, "memp_desc.size"),
        offset_of!(MempDesc, size) as u64
    );
    assert_eq!(
        fact(&f, "memp_desc.base"),
        offset_of!(MempDesc, base) as u64
    );
}

/// (a) The pools' geometry from memp.c's descriptors, and `memp_t`'s
/// values naming those descriptors in C's `memp_pools[]`.
#[test]
fn pool_geometry_is_memps() {
    let _lw = lwip_core::lock();
    for (pool, name, stride, num, ty) in [
        (
            Pool::TcpPcb,
            c"memp_TCP_PCB",
            PCB_STRIDE,
            MEMP_NUM_TCP_PCB,
            "memp_pools[MEMP_TCP_PCB]",
        ),
        (
            Pool::TcpPcbListen,
            c"memp_TCP_PCB_LISTEN",
            LPCB_STRIDE,
            MEMP_NUM_TCP_PCB_LISTEN,
            "memp_pools[MEMP_TCP_PCB_LISTEN]",
        ),
        (
            Pool::TcpSeg,
            c"memp_TCP_SEG",
            SEG_STRIDE,
            MEMP_NUM_TCP_SEG,
            "memp_pools[MEMP_TCP_SEG]",
        ),
    ] {
        let d = desc(pool);
        let cname = name;
        let name = name.to_str().unwrap();
        assert_eq!(
            lwip_core::c_addr_of(cname),
            ptr::from_ref(d).cast::<c_void>(),
            "{name}: the descriptor C sees"
        );
        let ty_c = std::ffi::CString::new(ty).unwrap();
        assert_eq!(
            lwip_core::c_addr_of(&ty_c),
            ptr::from_ref(d).cast::<c_void>(),
            "{ty}: memp_malloc(type) uses this descriptor"
        );
        let g = PoolGeometry::of(pool);
        assert_eq!(g.stride, stride, "{name}");
        assert_eq!(g.num, num, "{name}");
        assert_eq!(g.first, d.base, "{name}: MEM_ALIGNMENT 1, MEMP_SIZE 0");
        assert_eq!(usize::from(d.size), stride, "{name}: desc.size");
        // Measured: memp hands out exactly these addresses (all of them,
        // last first: memp_init_pool pushes each onto the free list).
        let mut got = Vec::new();
        let tyv = match pool {
            Pool::TcpPcb => MEMP_TCP_PCB,
            Pool::TcpPcbListen => MEMP_TCP_PCB_LISTEN,
            Pool::TcpSeg => MEMP_TCP_SEG,
        };
        for _ in 0..num {
            // SAFETY: memp_malloc of a valid memp_t; freed below.
            let p = unsafe { memp_malloc(tyv) };
            assert!(!p.is_null());
            got.push(g.index_of(p).expect("an element"));
        }
        // SAFETY: as above.
        assert!(unsafe { memp_malloc(tyv) }.is_null(), "{name}: full");
        let want: Vec<usize> = (0..num).rev().collect();
        assert_eq!(got, want, "{name}: memp's order");
    }
}

unsafe extern "C" {
    fn memp_malloc(ty: std::ffi::c_uint) -> *mut c_void;
    fn memp_free(ty: std::ffi::c_uint, mem: *mut c_void);
}

/// (a) The globals this crate exports are the ones C code references
/// (lwip-core's weak stand-in `tcp_active_pcbs` is overridden), and
/// `tcp_pcb_lists` holds tcp.c's four heads in tcp.c's order.
#[test]
fn the_exported_globals_are_the_ones_c_sees() {
    assert_eq!(
        lwip_core::c_addr_of(c"tcp_active_pcbs"),
        (&raw const st::tcp_active_pcbs).cast::<c_void>(),
        "C's tcp_active_pcbs is the crate's, not the weak stand-in"
    );
    let heads: Vec<*mut *mut c_void> = st::tcp_pcb_lists.iter().map(|h| h.0).collect();
    assert_eq!(
        heads,
        vec![
            (&raw mut st::tcp_listen_pcbs).cast::<*mut c_void>(),
            &raw mut st::tcp_bound_pcbs,
            &raw mut st::tcp_active_pcbs,
            &raw mut st::tcp_tw_pcbs,
        ]
    );
}

/// (b) Allocation and free through the storage, against memp's
/// statistics; index ↔ pointer; generations; the limit.
#[test]
fn allocation_follows_memp() {
    let _lw = lwip_core::lock();
    let mut s = LwipStorage::EMPTY;
    assert!(!s.is_claimed());
    assert_eq!(
        s.alloc_pcb(MEMP_NUM_TCP_PCB),
        None,
        "nothing before memp_init"
    );
    s.memp_init();
    assert!(s.is_claimed());
    let g = PoolGeometry::of(Pool::TcpPcb);
    let mut pcbs = Vec::new();
    for n in 1..=MEMP_NUM_TCP_PCB {
        let r = s.alloc_pcb(MEMP_NUM_TCP_PCB).expect("a pcb");
        assert_eq!(s.memp_used(Pool::TcpPcb), n);
        assert_eq!(stats(Pool::TcpPcb).0 as usize, n);
        let i = s.pcb_index(r);
        assert_eq!(g.index_of(r.0.as_ptr()), Some(usize::from(i)));
        assert_eq!(s.pcb_at(i), Some(r), "index ↔ pointer");
        assert!(s.pcb_alive(r, s.pcb_generation(r)));
        pcbs.push(r);
    }
    assert_eq!(s.alloc_pcb(MEMP_NUM_TCP_PCB), None, "the pool is full");
    assert_eq!(stats(Pool::TcpPcb).1, 0, "the limit, not memp, refused");
    assert_eq!(s.pcb_at(MEMP_NUM_TCP_PCB as u8), None);
    // Generations: distinct per allocation, kept after the free.
    let gens: Vec<u32> = pcbs.iter().map(|&r| s.pcb_generation(r)).collect();
    assert_eq!(gens, vec![1, 2, 3, 4, 5]);
    let a = pcbs[2];
    let ga = s.pcb_generation(a);
    s.free_pcb(a);
    assert_eq!(s.memp_used(Pool::TcpPcb), MEMP_NUM_TCP_PCB - 1);
    assert!(!s.pcb_alive(a, ga));
    assert_eq!(s.pcb_generation(a), ga);
    let b = s.alloc_pcb(MEMP_NUM_TCP_PCB).expect("the freed one");
    assert_eq!(b, a, "memp's free list is LIFO");
    assert_ne!(s.pcb_generation(b), ga);
    assert!(!s.pcb_alive(b, ga), "an old handle stays dead");
    for r in pcbs {
        s.free_pcb(r);
    }
    assert_eq!(s.memp_used(Pool::TcpPcb), 0);
    assert_eq!(stats(Pool::TcpPcb).0, 0);

    // A profile's limit below the pool's size.
    let x = s.alloc_pcb(1).expect("one");
    assert_eq!(s.alloc_pcb(1), None);
    s.free_pcb(x);

    // Listen pcbs share the generation counter (as the port's Pools).
    let l = s.alloc_lpcb(MEMP_NUM_TCP_PCB_LISTEN).expect("a listen pcb");
    assert_eq!(s.lpcb_generation(l), 8);
    assert_eq!(s.memp_used(Pool::TcpPcbListen), 1);
    assert_eq!(s.lpcb_at(s.lpcb_index(l)), Some(l));
    assert!(s.lpcb_alive(l, 8));
    s.free_lpcb(l);
    assert!(!s.lpcb_alive(l, 8));
    assert_eq!(stats(Pool::TcpPcbListen).0, 0);

    // Segments: the whole pool, then memp is empty.
    let segs: Vec<_> = (0..MEMP_NUM_TCP_SEG)
        .map(|_| s.alloc_seg(MEMP_NUM_TCP_SEG).expect("a segment"))
        .collect();
    assert_eq!(s.memp_used(Pool::TcpSeg), MEMP_NUM_TCP_SEG);
    assert_eq!(s.alloc_seg(MEMP_NUM_TCP_SEG), None);
    for r in segs {
        s.free_seg(r);
    }
    assert_eq!(stats(Pool::TcpSeg).0, 0);
}

/// (b) The checked constructors take pool elements only.
#[test]
fn pointers_that_are_not_elements_are_rejected() {
    let _lw = lwip_core::lock();
    let mut s = LwipStorage::EMPTY;
    let g = PoolGeometry::of(Pool::TcpPcb);
    let first = g.first.cast::<c_void>();
    assert_eq!(s.pcb_from_c(first), None, "not before the claim");
    s.memp_init();
    for i in 0..MEMP_NUM_TCP_PCB {
        let e = g.element(i).unwrap();
        assert_eq!(s.pcb_from_c(e.as_ptr()), Some(PcbPtr(e)));
    }
    let lg = PoolGeometry::of(Pool::TcpPcbListen);
    let sg = PoolGeometry::of(Pool::TcpSeg);
    let mut local = 0u64;
    for (what, p) in [
        ("NULL", ptr::null_mut()),
        ("one byte before", first.wrapping_byte_sub(1)),
        ("misaligned", first.wrapping_byte_add(1)),
        ("inside an element", first.wrapping_byte_add(8)),
        (
            "between elements",
            first.wrapping_byte_add(PCB_STRIDE + PCB_STRIDE / 2),
        ),
        (
            "one past the pool",
            first.wrapping_byte_add(PCB_STRIDE * MEMP_NUM_TCP_PCB),
        ),
        ("a listen pcb", lg.first.cast()),
        ("a segment", sg.first.cast()),
        ("the stack", (&raw mut local).cast()),
    ] {
        assert_eq!(s.pcb_from_c(p), None, "pcb_from_c: {what}");
    }
    assert!(s.lpcb_from_c(lg.first.cast()).is_some());
    assert_eq!(s.lpcb_from_c(first), None, "a pcb is not a listen pcb");
    assert_eq!(
        s.lpcb_from_c(
            lg.first
                .wrapping_byte_add(LPCB_STRIDE * MEMP_NUM_TCP_PCB_LISTEN)
                .cast()
        ),
        None
    );
    assert!(
        s.seg_from_c(sg.first.wrapping_byte_add(SEG_STRIDE).cast())
            .is_some()
    );
    assert_eq!(s.seg_from_c(sg.first.wrapping_byte_add(4).cast()), None);
    assert_eq!(s.seg_from_c(first), None);
    // A reference that is no element is never alive, whatever generation.
    let bogus = PcbPtr(NonNull::new(first.wrapping_byte_add(1)).unwrap());
    assert!(!s.pcb_alive(bogus, 0));
    assert_eq!(s.pcb_generation(bogus), 0);
    let _ = &mut local;
}

/// (b) What the generations do not see: C freeing a pcb with memp_free
/// behind the storage's back (documented in the module docs).
#[test]
fn a_free_behind_the_storages_back_is_not_seen() {
    let _lw = lwip_core::lock();
    let mut s = LwipStorage::EMPTY;
    s.memp_init();
    let r = s.alloc_pcb(MEMP_NUM_TCP_PCB).unwrap();
    let gr = s.pcb_generation(r);
    // SAFETY: r is an element this test allocated; the storage is not
    // used for it again apart from the queries below.
    unsafe { memp_free(MEMP_TCP_PCB, r.0.as_ptr()) };
    assert_eq!(s.memp_used(Pool::TcpPcb), 0, "memp's count is the truth");
    assert!(
        s.pcb_alive(r, gr),
        "the storage still believes it is in use"
    );
}

/// (b) One owner: a second storage gets nothing while the first holds
/// the pools; dropping the first releases them; claiming clears the
/// globals.
#[test]
fn one_storage_owns_the_pools_and_globals() {
    let _lw = lwip_core::lock();
    let mut a = LwipStorage::EMPTY;
    a.memp_init();
    a.set_tcp_ticks(7);
    let r = a.alloc_pcb(MEMP_NUM_TCP_PCB).unwrap();
    a.set_list(List::Active, Some(r));
    // SAFETY: the exported globals, read by value (one thread).
    unsafe {
        assert_eq!(ptr::read(&raw const st::tcp_ticks), 7);
        assert_eq!(ptr::read(&raw const st::tcp_active_pcbs), r.0.as_ptr());
    }
    {
        let mut b = LwipStorage::EMPTY;
        b.memp_init();
        assert!(!b.is_claimed());
        assert_eq!(b.alloc_pcb(MEMP_NUM_TCP_PCB), None);
        assert_eq!(b.list(List::Active), None);
        assert_eq!(b.tcp_ticks(), 0);
        b.set_tcp_ticks(99);
        assert_eq!(b.pcb_from_c(r.0.as_ptr()), None);
    }
    assert_eq!(a.tcp_ticks(), 7, "b's write was ignored");
    assert_eq!(a.list(List::Active), Some(r));
    a.free_pcb(r);
    drop(a);
    let mut c = LwipStorage::EMPTY;
    c.memp_init();
    assert!(c.is_claimed());
    assert_eq!(c.tcp_ticks(), 0);
    assert_eq!(c.list(List::Active), None, "cleared on claiming");
    // The C side's writes are what the storage reads.
    // SAFETY: the exported global, written by value (one thread).
    unsafe { ptr::write(&raw mut st::tcp_ticks, 1234) };
    assert_eq!(c.tcp_ticks(), 1234);
}

/// (b) The segment header is lwIP's `struct tcp_hdr` in the segment's
/// first pbuf, in network order; NULL or a header outside the pbuf reads
/// 0 and takes no writes.
#[test]
fn segment_headers_live_in_the_pbuf() {
    let _lw = lwip_core::lock();
    let mut s = LwipStorage::EMPTY;
    s.memp_init();
    let mut pb = LwipPbufs::new();
    let p = pb.pbuf_alloc(54, 100, PbufType::Ram).unwrap();
    assert!(pb.pbuf_add_header(p, TCP_HLEN as u16));
    let seg = s.alloc_seg(MEMP_NUM_TCP_SEG).unwrap();
    // memp's element holds whatever it held: set every field first (as
    // the core's memp_alloc_seg does) before the header is read.
    {
        let g = s.seg_mut(seg);
        *g = TcpSeg {
            next: None,
            p: Some(p),
            len: 100,
            oversize_left: 0,
            chksum: 0,
            chksum_swapped: 0,
            flags: 0,
            tcphdr: TcpHdrPtr::NULL,
        };
    }
    assert_eq!(s.seg_seqno(seg), 0, "tcphdr NULL reads 0");
    s.seg_set_seqno(seg, 5); // ignored
    s.seg_mut(seg).tcphdr = LwipStorage::tcphdr_at(p);
    pb.payload_mut(p)[..TCP_HLEN].fill(0);
    pb.payload_mut(p)[12] = 0x50; // header length 5 words
    s.seg_set_seqno(seg, 0x0102_0304);
    s.seg_set_hdr_flags(seg, 0x19);
    assert_eq!(&pb.payload_mut(p)[4..8], &[1, 2, 3, 4], "network order");
    assert_eq!(&pb.payload_mut(p)[12..14], &[0x50, 0x19]);
    assert_eq!(s.seg_seqno(seg), 0x0102_0304);
    assert_eq!(s.seg_hdr_flags(seg), 0x19);
    // TCPH_FLAGS masks with TCP_FLAGS; TCPH_FLAGS_SET keeps the rest.
    pb.payload_mut(p)[13] = 0xd2;
    assert_eq!(s.seg_hdr_flags(seg), 0x12);
    s.seg_set_hdr_flags(seg, 0x01);
    assert_eq!(&pb.payload_mut(p)[12..14], &[0x50, 0xc1]);
    // The C struct sees the same (seg->tcphdr->seqno).
    let raw = seg.0.as_ptr().cast::<TcpSeg<CLayout>>();
    // SAFETY: the segment is a pool element this test holds; its tcphdr
    // points at 20 bytes of p's buffer; read by value.
    let seqno = unsafe {
        let h = (*raw).tcphdr.0.unwrap().as_ptr().cast::<u8>();
        u32::from_be(ptr::read_unaligned(h.add(4).cast::<u32>()))
    };
    assert_eq!(seqno, 0x0102_0304);
    // A tcphdr outside the first pbuf: read 0, writes ignored.
    let q = pb.pbuf_alloc(0, 10, PbufType::Ram).unwrap();
    let outside = LwipStorage::tcphdr_at(q);
    s.seg_mut(seg).tcphdr = outside;
    assert_eq!(s.seg_seqno(seg), 0);
    s.seg_set_seqno(seg, 0xdead_beef);
    assert_ne!(&pb.payload_mut(q)[..4], &[0xde, 0xad, 0xbe, 0xef]);
    // Into the struct pbuf itself: refused too.
    s.seg_mut(seg).tcphdr = TcpHdrPtr(NonNull::new(p.0.as_ptr()));
    assert_eq!(s.seg_seqno(seg), 0);
    assert!(size_of::<CPbuf>() >= TCP_HLEN);
    s.seg_mut(seg).p = None;
    s.free_seg(seg);
    pb.pbuf_free(p);
    pb.pbuf_free(q);
    assert_eq!(s.memp_used(Pool::TcpSeg), 0);
}
