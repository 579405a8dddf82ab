//! Port of lwIP's packet buffers (pbuf.c) for what TCP does with them, and
//! of the two memp pools they come from (memp.c: `MEMP_PBUF` for
//! `PBUF_ROM`/`PBUF_REF` headers, `MEMP_PBUF_POOL` for `PBUF_POOL`
//! buffers).
//!
//! The storage is lwIP's, byte for byte where it shows:
//! - a `PBUF_RAM` pbuf is one block of the `MEM_SIZE` heap ([`Heap`]),
//!   requested with pbuf.c's size arithmetic and holding the `struct pbuf`
//!   and then the payload;
//! - a `PBUF_POOL` pbuf is one element of a pool of `PBUF_POOL_SIZE`
//!   buffers, each a `struct pbuf` followed by `PBUF_POOL_BUFSIZE` bytes;
//! - a `PBUF_ROM`/`PBUF_REF` pbuf is a `struct pbuf` in the `MEMP_PBUF`
//!   pool whose payload is the application's: a [`RomRef`] naming bytes in
//!   the application's own store, read through [`RomStore`] (safe Rust
//!   cannot keep lwIP's raw pointer).
//!
//! A [`Pbuf`] is lwIP's `struct pbuf *`. Its `struct pbuf` is kept in 16
//! bytes at the start of its block or element (`next`, `payload`,
//! `tot_len`, `len`, type, `flags`, `ref`), so a profile's
//! `SIZEOF_STRUCT_PBUF` must be at least 16: the heap layout is C's, the
//! header encoding is this port's.
//!
//! Nothing here panics. A [`Pbuf`] that names no live pbuf reads as an
//! empty one, and writes through it are dropped; the TCP code never makes
//! one (the pools hand out only live pbufs).

use crate::config::Config;
use crate::mem::{Heap, IllegalFree, MemPtr, pbuf_ram_alloc_len, pbuf_ram_payload_offset};

/// Bytes of this port's `struct pbuf` encoding.
pub const PBUF_HDR: usize = 16;
/// Bytes for the `PBUF_POOL` pool: the full profile's 16 buffers of 1536
/// bytes, each behind its `SIZEOF_STRUCT_PBUF` (24, aligned) header room.
/// A profile's `PBUF_POOL_SIZE` × (`SIZEOF_STRUCT_PBUF` +
/// `PBUF_POOL_BUFSIZE`, both aligned) must fit.
pub const PBUF_POOL_BYTES: usize = 16 * (24 + 1536);
/// Capacity of the `PBUF_POOL` pool in buffers (`PBUF_POOL_SIZE` limit).
pub const PBUF_POOL_CAP: usize = MEMP_CAP;
/// Capacity of the `MEMP_PBUF` pool (`MEMP_NUM_PBUF` limit).
pub const MEMP_PBUF_CAP: usize = 16;
/// Most elements a [`Memp`] pool can hold.
pub const MEMP_CAP: usize = 512;

/// `PBUF_FLAG_PUSH` (pbuf.h).
pub const PBUF_FLAG_PUSH: u8 = 0x01;
/// `PBUF_FLAG_TCP_FIN` (pbuf.h).
pub const PBUF_FLAG_TCP_FIN: u8 = 0x20;

/// lwIP's `struct pbuf *`: the region (heap, pbuf pool, `MEMP_PBUF`) in
/// the top two bits, the byte offset of the `struct pbuf` in it below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pbuf(u32);

const TAG_SHIFT: u32 = 30;
const TAG_RAM: u32 = 0;
const TAG_POOL: u32 = 1;
const TAG_ROM: u32 = 2;
const NO_NEXT: u32 = u32::MAX;

// Offsets of the fields in the encoded `struct pbuf`.
const F_NEXT: usize = 0;
const F_PAYLOAD: usize = 4;
const F_TOT_LEN: usize = 8;
const F_LEN: usize = 10;
const F_FLAGS: usize = 13;
const F_REF: usize = 14;

impl Pbuf {
    #[inline]
    const fn new(tag: u32, idx: u32) -> Pbuf {
        Pbuf((tag << TAG_SHIFT) | (idx & ((1 << TAG_SHIFT) - 1)))
    }
    #[inline]
    const fn tag(self) -> u32 {
        self.0 >> TAG_SHIFT
    }
    #[inline]
    const fn idx(self) -> usize {
        (self.0 & ((1 << TAG_SHIFT) - 1)) as usize
    }
}

/// `pbuf_type` (pbuf.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PbufType {
    /// `PBUF_RAM`: header and payload in one heap block.
    Ram,
    /// `PBUF_ROM`: payload is the application's, never written.
    Rom,
    /// `PBUF_REF`: payload is the application's.
    Ref,
    /// `PBUF_POOL`: a buffer of the pbuf pool.
    Pool,
}

impl PbufType {
    /// The type's byte in the encoded header: the types whose payload
    /// lives behind the header (RAM, POOL) below 2.
    const fn code(self) -> u8 {
        match self {
            PbufType::Ram => 0,
            PbufType::Pool => 1,
            PbufType::Rom => 2,
            PbufType::Ref => 3,
        }
    }
    const fn from_code(c: u8) -> PbufType {
        match c {
            1 => PbufType::Pool,
            2 => PbufType::Rom,
            3 => PbufType::Ref,
            _ => PbufType::Ram,
        }
    }
    /// [`PbufType::contiguous`] of an encoded type.
    #[inline]
    const fn code_contiguous(c: u8) -> bool {
        c < 2
    }
    /// `PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS`: the payload lives behind
    /// the header, so headers can be added in front of it.
    #[inline]
    const fn contiguous(self) -> bool {
        matches!(self, PbufType::Ram | PbufType::Pool)
    }
}

/// Bytes of the application's that a `PBUF_ROM`/`PBUF_REF` pbuf points
/// at: `offset` bytes into the buffer the application calls `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RomRef {
    /// The application's name for the buffer.
    pub key: u32,
    /// Offset of the payload in it.
    pub offset: u32,
}

/// Where the application keeps the bytes its zero-copy writes refer to
/// (lwIP's contract: unchanged until acknowledged).
pub trait RomStore {
    /// The buffer `key` (empty if the application knows no such buffer).
    fn rom_bytes(&self, key: u32) -> &[u8];
}

/// A store with no buffers: for pbufs known to be RAM or POOL.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRom;

impl RomStore for NoRom {
    fn rom_bytes(&self, _key: u32) -> &[u8] {
        &[]
    }
}

/// The decoded `struct pbuf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hdr {
    next: u32,
    /// RAM/POOL: offset of the payload from the `struct pbuf`; ROM/REF:
    /// offset in the application's buffer.
    payload: u32,
    tot_len: u16,
    len: u16,
    ty: PbufType,
    flags: u8,
    refcnt: u8,
}

impl Hdr {
    /// What a dangling pbuf reads as.
    const NONE: Hdr = Hdr {
        next: NO_NEXT,
        payload: 0,
        tot_len: 0,
        len: 0,
        ty: PbufType::Ram,
        flags: 0,
        refcnt: 0,
    };

    fn decode(b: &[u8; PBUF_HDR]) -> Hdr {
        Hdr {
            next: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            payload: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            tot_len: u16::from_le_bytes([b[8], b[9]]),
            len: u16::from_le_bytes([b[10], b[11]]),
            ty: PbufType::from_code(b[12]),
            flags: b[13],
            refcnt: b[14],
        }
    }

    fn encode(&self, b: &mut [u8; PBUF_HDR]) {
        b[0..4].copy_from_slice(&self.next.to_le_bytes());
        b[4..8].copy_from_slice(&self.payload.to_le_bytes());
        b[8..10].copy_from_slice(&self.tot_len.to_le_bytes());
        b[10..12].copy_from_slice(&self.len.to_le_bytes());
        b[12] = self.ty.code();
        b[13] = self.flags;
        b[14] = self.refcnt;
        b[15] = 0;
    }
}

const MEMP_WORDS: usize = MEMP_CAP / 64;

/// A memp pool's bookkeeping (memp.c with `MEMP_STATS`): which of its
/// `num` elements (at most [`MEMP_CAP`]) are taken, and its
/// `lwip_stats.memp[]` entry. Elements are handed out lowest index first
/// (which element lwIP's free list returns is not observable; how many
/// are taken is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memp {
    taken: [u64; MEMP_WORDS],
    num: u16,
    used: u16,
    max: u16,
    err: u32,
}

impl Memp {
    /// A pool of no elements (every allocation fails until [`Memp::init`]).
    pub const EMPTY: Memp = Memp {
        taken: [0; MEMP_WORDS],
        num: 0,
        used: 0,
        max: 0,
        err: 0,
    };

    /// `memp_init_pool`: `num` free elements (at most [`MEMP_CAP`]),
    /// statistics cleared.
    pub fn init(&mut self, num: u16) {
        *self = Memp {
            num: num.min(MEMP_CAP as u16),
            ..Memp::EMPTY
        };
    }

    /// `memp_malloc`: a free element's index, or `None` with `err`
    /// counted.
    pub fn alloc(&mut self) -> Option<usize> {
        let found = self
            .taken
            .iter()
            .enumerate()
            .find(|(_, w)| **w != u64::MAX)
            .map(|(k, w)| k * 64 + (!*w).trailing_zeros() as usize);
        let Some(i) = found.filter(|&i| i < usize::from(self.num)) else {
            self.err = self.err.wrapping_add(1);
            return None;
        };
        if let Some(w) = self.taken.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
        self.used += 1;
        self.max = self.max.max(self.used);
        Some(i)
    }

    /// `memp_free`: element `i` back to the pool (an element not taken is
    /// ignored).
    pub fn free(&mut self, i: usize) {
        if self.is_taken(i)
            && let Some(w) = self.taken.get_mut(i / 64)
        {
            *w &= !(1 << (i % 64));
            self.used -= 1;
        }
    }

    /// Whether element `i` is taken.
    pub fn is_taken(&self, i: usize) -> bool {
        self.taken
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// `lwip_stats.memp[]->avail`.
    pub const fn avail(&self) -> u16 {
        self.num
    }
    /// `lwip_stats.memp[]->used`.
    pub const fn used(&self) -> u16 {
        self.used
    }
    /// `lwip_stats.memp[]->max`.
    pub const fn max_used(&self) -> u16 {
        self.max
    }
    /// `lwip_stats.memp[]->err`.
    pub const fn errors(&self) -> u32 {
        self.err
    }
}

/// The pbufs: the heap, the pbuf pool and the `MEMP_PBUF` pool.
#[derive(Clone)]
pub struct Pbufs {
    /// lwIP's heap (`MEM_SIZE`): every `PBUF_RAM` pbuf.
    pub heap: Heap,
    /// `memp_memory_PBUF_POOL_base`.
    pool_mem: [u8; PBUF_POOL_BYTES],
    /// `MEMP_PBUF_POOL`.
    pub pool: Memp,
    /// `memp_memory_PBUF_base`.
    rom_mem: [u8; MEMP_PBUF_CAP * PBUF_HDR],
    /// The application buffer each ROM/REF pbuf points into.
    rom_key: [u32; MEMP_PBUF_CAP],
    /// `MEMP_PBUF`.
    pub rom: Memp,
    sizeof_struct_pbuf: u16,
    alignment: u16,
    /// `PBUF_POOL_BUFSIZE_ALIGNED`.
    pool_bufsize: u16,
    /// Bytes of one pool element: `SIZEOF_STRUCT_PBUF` and
    /// `PBUF_POOL_BUFSIZE`, both aligned (memp.c's element for
    /// `MEMP_PBUF_POOL`).
    pool_elem: usize,
    /// The first `mem_free` lwIP would have stopped at (its
    /// `LWIP_MEM_ILLEGAL_FREE`) since `init`.
    illegal_free: Option<IllegalFree>,
}

/// The pbufs of a chain, head first, as payload slices.
pub struct Chain<'a, R: RomStore> {
    pbufs: &'a Pbufs,
    rom: &'a R,
    next: Option<Pbuf>,
}

impl<'a, R: RomStore> Iterator for Chain<'a, R> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let p = self.next?;
        let (next, payload) = self.pbufs.next_and_payload(self.rom, p);
        self.next = next;
        Some(payload)
    }
}

const fn align(v: u32, a: u16) -> u32 {
    let a = a as u32;
    v.wrapping_add(a).wrapping_sub(1) & !a.wrapping_sub(1)
}

impl Pbufs {
    /// Whether the profile's pbufs fit this build: pools within their
    /// capacities, the heap within [`crate::mem::MEM_HEAP_CAP`], and
    /// `SIZEOF_STRUCT_PBUF` room for the header encoding.
    pub const fn fits(cfg: &Config) -> bool {
        let elem = align(cfg.sizeof_struct_pbuf as u32, cfg.mem_alignment) as usize
            + align(cfg.pbuf_pool_bufsize as u32, cfg.mem_alignment) as usize;
        cfg.pbuf_pool_size as usize <= PBUF_POOL_CAP
            && (cfg.pbuf_pool_size as usize).saturating_mul(elem) <= PBUF_POOL_BYTES
            && cfg.memp_num_pbuf as usize <= MEMP_PBUF_CAP
            && cfg.sizeof_struct_pbuf as usize >= PBUF_HDR
            && Heap::fits(cfg.mem_size, cfg.mem_alignment)
    }

    // -- where a pbuf lives ---------------------------------------------

    /// The heap block of a `PBUF_RAM` pbuf: its `struct pbuf` starts
    /// `SIZEOF_STRUCT_MEM` bytes into the block.
    #[inline]
    fn block(&self, p: Pbuf) -> MemPtr {
        MemPtr(p.idx().wrapping_sub(usize::from(self.heap.sizeof_mem())) as u16)
    }

    /// `p`'s region and the offset of its `struct pbuf` in it.
    #[inline]
    fn loc(&self, p: Pbuf) -> (&[u8], usize) {
        match p.tag() {
            TAG_RAM => (self.heap.ram(), p.idx()),
            TAG_POOL => (&self.pool_mem, p.idx()),
            _ => (&self.rom_mem, p.idx()),
        }
    }

    #[inline]
    fn loc_mut(&mut self, p: Pbuf) -> (&mut [u8], usize) {
        match p.tag() {
            TAG_RAM => (self.heap.ram_mut(), p.idx()),
            TAG_POOL => (&mut self.pool_mem, p.idx()),
            _ => (&mut self.rom_mem, p.idx()),
        }
    }

    /// `p`'s `struct pbuf` bytes (None for a pbuf outside its region).
    #[inline]
    fn raw(&self, p: Pbuf) -> Option<&[u8; PBUF_HDR]> {
        let (region, at) = self.loc(p);
        region.get(at..at + PBUF_HDR)?.try_into().ok()
    }

    #[inline]
    fn raw_mut(&mut self, p: Pbuf) -> Option<&mut [u8; PBUF_HDR]> {
        let (region, at) = self.loc_mut(p);
        region.get_mut(at..at + PBUF_HDR)?.try_into().ok()
    }

    fn hdr(&self, p: Pbuf) -> Hdr {
        self.raw(p).map_or(Hdr::NONE, Hdr::decode)
    }

    fn put(&mut self, p: Pbuf, h: &Hdr) {
        if let Some(b) = self.raw_mut(p) {
            h.encode(b);
        }
    }

    /// One u16 field of `p`'s `struct pbuf` (0 for a dangling pbuf).
    #[inline]
    fn get16(&self, p: Pbuf, off: usize) -> u16 {
        self.raw(p)
            .and_then(|b| b.get(off..off + 2))
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
    }

    #[inline]
    fn set16(&mut self, p: Pbuf, off: usize, v: u16) {
        if let Some(b) = self.raw_mut(p).and_then(|b| b.get_mut(off..off + 2)) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }

    #[inline]
    fn set32(&mut self, p: Pbuf, off: usize, v: u32) {
        if let Some(b) = self.raw_mut(p).and_then(|b| b.get_mut(off..off + 4)) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }

    #[inline]
    fn get8(&self, p: Pbuf, off: usize) -> u8 {
        self.raw(p).and_then(|b| b.get(off)).copied().unwrap_or(0)
    }

    #[inline]
    fn set8(&mut self, p: Pbuf, off: usize, v: u8) {
        if let Some(b) = self.raw_mut(p).and_then(|b| b.get_mut(off)) {
            *b = v;
        }
    }

    /// Port of `pbuf_chain(h, t)` (pbuf.c): [`Pbufs::pbuf_cat`] plus a
    /// reference on `t`.
    pub fn pbuf_chain(&mut self, h: Pbuf, t: Pbuf) {
        self.pbuf_cat(h, t);
        self.pbuf_ref(t);
    }

    /// Port of `pbuf_add_header_force(p, n)` (pbuf.c): as
    /// [`Pbufs::pbuf_add_header`], also moving a ROM/REF payload.
    pub fn pbuf_add_header_force(&mut self, p: Pbuf, n: u16) -> bool {
        self.add_header_impl(p, n, true)
    }

    fn add_header_impl(&mut self, p: Pbuf, n: u16, force: bool) -> bool {
        if n == 0 {
            return true;
        }
        let room = u32::from(self.sizeof_struct_pbuf);
        let Some(b) = self.raw_mut(p) else {
            return false;
        };
        let tot_len = u16::from_le_bytes([b[8], b[9]]);
        let Some(new_tot) = tot_len.checked_add(n) else {
            return false;
        };
        if b[F_REF] == 0 {
            return false;
        }
        let payload = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        if PbufType::code_contiguous(b[12]) {
            // pbuf.c: fails when the new payload would be in front of
            // `(u8_t *)p + SIZEOF_STRUCT_PBUF` (C's struct size, which for
            // RAM and POOL is where this port's payloads start too).
            if payload < room + u32::from(n) {
                return false;
            }
        } else if !force {
            return false;
        }
        // pbuf_add_header_force on a ROM/REF pbuf moves the payload pointer
        // without any bounds check (the application vouches for the bytes
        // in front): the offset may go below 0 of the application's
        // buffer, so it wraps (such a payload then reads as empty here,
        // where C would read outside the buffer).
        let len = u16::from_le_bytes([b[10], b[11]]).wrapping_add(n);
        b[4..8].copy_from_slice(&payload.wrapping_sub(u32::from(n)).to_le_bytes());
        b[8..10].copy_from_slice(&new_tot.to_le_bytes());
        b[10..12].copy_from_slice(&len.to_le_bytes());
        true
    }

    /// Port of `pbuf_take_at(p, data, len, offset)` (pbuf.c). Unlike
    /// `pbuf_take`, it first finds the pbuf holding `offset` with
    /// `pbuf_skip`, which finds none when `offset >= tot_len`: ERR_MEM then,
    /// even for zero bytes.
    pub fn pbuf_take_at(&mut self, p: Pbuf, src: &[u8], offset: u16) -> bool {
        if offset >= self.tot_len(p) {
            return false;
        }
        self.take_from(p, src, offset)
    }

    #[inline]
    fn take_from(&mut self, p: Pbuf, src: &[u8], offset: u16) -> bool {
        if usize::from(self.tot_len(p)) < usize::from(offset) + src.len() {
            return false;
        }
        let mut offset = usize::from(offset);
        let mut done = 0usize;
        let mut cur = Some(p);
        while let Some(q) = cur {
            if done == src.len() {
                break;
            }
            // A ROM/REF pbuf's bytes are the application's: not written
            // (its writable slice is empty), but its `len` source bytes are
            // passed over, so the rest lands where lwIP puts it.
            let (next, l, d) = self.next_and_payload_mut(q);
            cur = next;
            if offset >= l {
                offset -= l;
                continue;
            }
            let n = (l - offset).min(src.len() - done);
            if let (Some(dd), Some(sv)) = (d.get_mut(offset..offset + n), src.get(done..done + n)) {
                dd.copy_from_slice(sv);
            }
            done += n;
            offset = 0;
        }
        true
    }
    /// Bytes between the `struct pbuf` and the payload (RAM/POOL; 0 for
    /// ROM/REF): `(u8_t *)p->payload - (u8_t *)p`.
    pub fn payload_offset(&self, p: Pbuf) -> u16 {
        let h = self.hdr(p);
        if h.ty.contiguous() {
            h.payload as u16
        } else {
            0
        }
    }

    /// `p->next` and `p->payload` (`p->len` bytes) at once.
    #[inline]
    fn next_and_payload<'a, R: RomStore>(
        &'a self,
        rom: &'a R,
        p: Pbuf,
    ) -> (Option<Pbuf>, &'a [u8]) {
        let (region, at) = self.loc(p);
        let Some(b) = region.get(at..at + PBUF_HDR) else {
            return (None, &[]);
        };
        let next = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let next = (next != NO_NEXT).then_some(Pbuf(next));
        let payload = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        let len = usize::from(u16::from_le_bytes([b[10], b[11]]));
        let bytes = if PbufType::code_contiguous(b[12]) {
            let start = at + payload;
            region.get(start..start + len).unwrap_or(&[])
        } else {
            let key = self.rom_key.get(p.idx() / PBUF_HDR).copied().unwrap_or(0);
            rom.rom_bytes(key)
                .get(payload..payload.saturating_add(len))
                .unwrap_or(&[])
        };
        (next, bytes)
    }

    /// `p->next`, `p->len` and `p->payload` (`p->len` bytes, empty for
    /// ROM/REF: the application's) to write, at once.
    #[inline]
    fn next_and_payload_mut(&mut self, p: Pbuf) -> (Option<Pbuf>, usize, &mut [u8]) {
        let (region, at) = self.loc_mut(p);
        let Some(b) = region.get(at..at + PBUF_HDR) else {
            return (None, 0, &mut []);
        };
        let next = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let next = (next != NO_NEXT).then_some(Pbuf(next));
        let len = usize::from(u16::from_le_bytes([b[10], b[11]]));
        if !PbufType::code_contiguous(b[12]) {
            return (next, len, &mut []);
        }
        let start = at + u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        (
            next,
            len,
            region.get_mut(start..start + len).unwrap_or(&mut []),
        )
    }

    /// The heap block of a `PBUF_RAM` pbuf (`None` for other types): where
    /// mem_malloc placed it, for comparing layouts with lwIP's.
    pub fn heap_block(&self, p: Pbuf) -> Option<MemPtr> {
        (p.tag() == TAG_RAM).then_some(self.block(p))
    }
}

/// lwIP's pbuf.c as the TCP code uses it: allocation, chains, reference
/// counts, headers, copies and the fields lwIP's TCP reads and writes
/// (`p->next`, `len`, `tot_len`, `flags`, `payload`). The port's own
/// [`Pbufs`] implements it; a build linked into lwIP implements it over
/// lwIP's `pbuf.c` (docs/drop-in.md).
pub trait PbufStore {
    /// `struct pbuf *` (never NULL: a NULL pbuf is `None`).
    type Pbuf: Copy + Eq + core::fmt::Debug;
    /// Where a `PBUF_ROM` pbuf's payload points: bytes of the
    /// application's, unchanged until acknowledged.
    type Rom: Copy + Eq + core::fmt::Debug;

    /// The store before [`PbufStore::init`]: for the port's own, no pbufs
    /// at all (every allocation fails until then); for a store over lwIP's
    /// pbuf.c, whose pools are lwIP's from `lwip_init()`, the store itself.
    const EMPTY: Self;

    /// `mem_init()` and `memp_init()` for the pbuf pools: everything free,
    /// statistics cleared. A profile that does not [`fit`](Pbufs::fits)
    /// leaves empty pools. A store over lwIP's pbuf.c does nothing here
    /// (`lwip_init()` initialised lwIP's heap and pools).
    fn init(&mut self, cfg: &Config);

    /// Port of `pbuf_alloc(layer, length, type)` (pbuf.c), `layer` being
    /// the header room in bytes (`PBUF_TRANSPORT`, `PBUF_IP`, …: see
    /// [`Config::pbuf_layer_transport`]). A `PBUF_ROM`/`PBUF_REF` pbuf
    /// ignores the layer and points at nothing until
    /// [`PbufStore::set_rom`]; a `PBUF_POOL` request longer than one buffer
    /// is a chain. `None` when the heap or pool is exhausted (counted in
    /// its statistics).
    fn pbuf_alloc(&mut self, layer: u16, length: u16, ty: PbufType) -> Option<Self::Pbuf>;

    /// Points a `PBUF_ROM`/`PBUF_REF` pbuf at the application's bytes
    /// (C: `((struct pbuf_rom *)p)->payload = ptr`).
    fn set_rom(&mut self, p: Self::Pbuf, at: Self::Rom);

    /// Where a `PBUF_ROM`/`PBUF_REF` pbuf's payload is (`None` for other
    /// types).
    fn rom_ref(&self, p: Self::Pbuf) -> Option<Self::Rom>;

    /// Port of `pbuf_free(p)` (pbuf.c): drops one reference from each pbuf
    /// of the chain until one stays referenced, returning the storage of
    /// those that reach zero. Returns how many were freed. A heap block
    /// `mem_free` refuses stops it, as lwIP's assertion there stops lwIP
    /// ([`PbufStore::illegal_free`]).
    fn pbuf_free(&mut self, p: Self::Pbuf) -> u8;

    /// The first heap block `pbuf_free` could not free since `init`, as
    /// lwIP's `mem_free` reports it (`LWIP_MEM_ILLEGAL_FREE`, where lwIP
    /// stops). A store over lwIP's own heap has none: lwIP's `mem_free`
    /// asserts itself.
    fn illegal_free(&self) -> Option<IllegalFree>;

    /// Port of `pbuf_ref(p)` (pbuf.c).
    fn pbuf_ref(&mut self, p: Self::Pbuf);

    /// Port of `pbuf_clen(p)` (pbuf.c): pbufs in the chain.
    fn pbuf_clen(&self, p: Self::Pbuf) -> u16;

    /// Port of `pbuf_cat(h, t)` (pbuf.c): `t` appended to `h`'s chain,
    /// `h`'s reference passed on (no reference is taken).
    fn pbuf_cat(&mut self, h: Self::Pbuf, t: Self::Pbuf);

    /// Port of `pbuf_split_64k(p, &rest)` (pbuf.c, a build with
    /// `TCP_QUEUE_OOSEQ` and `LWIP_WND_SCALE`): cuts `p`'s chain after the
    /// last pbuf whose lengths, summed from the head as a `u16_t`, do not
    /// wrap; returns the rest (`None` when nothing was cut). The front
    /// part's `tot_len`s lose the rest's; the rest keeps its own, and the
    /// head's `PBUF_FLAG_TCP_FIN` is copied to it. No reference changes.
    fn pbuf_split_64k(&mut self, p: Self::Pbuf) -> Option<Self::Pbuf>;

    /// Port of `pbuf_realloc(p, new_len)` (pbuf.c): shrinks the chain to
    /// `new_len` bytes, trimming the heap block of a `PBUF_RAM` last pbuf
    /// (`mem_trim`) and freeing the pbufs behind it. A larger `new_len`
    /// changes nothing. `Err` is the message of the `LWIP_ASSERT` mem_trim
    /// fails (the chain is then left as lwIP leaves it: unchanged).
    fn pbuf_realloc(&mut self, p: Self::Pbuf, new_len: u16) -> Result<(), &'static str>;

    /// Port of `pbuf_add_header(p, n)` (pbuf.c): the payload moves `n`
    /// bytes back into the header room. `false` (nothing changed) when the
    /// room is too small, the length would overflow, or the pbuf's payload
    /// is the application's.
    fn pbuf_add_header(&mut self, p: Self::Pbuf, n: u16) -> bool;

    /// Port of `pbuf_remove_header(p, n)` (pbuf.c): the payload moves `n`
    /// bytes forward. `false` (nothing changed) when `n` exceeds `p->len`.
    fn pbuf_remove_header(&mut self, p: Self::Pbuf, n: u16) -> bool;

    /// Port of `pbuf_copy_partial(p, buf, len, offset)` (pbuf.c), `len`
    /// being `dst.len()`: copies from `offset` bytes into the chain,
    /// returns how many bytes were copied.
    fn pbuf_copy_partial<R: RomStore>(
        &self,
        rom: &R,
        p: Self::Pbuf,
        dst: &mut [u8],
        offset: u16,
    ) -> u16;

    /// Port of `pbuf_take(p, data, len)` (pbuf.c): fills the chain from
    /// its start. `false` (nothing written) when the chain is shorter than
    /// `src`. The payload of a ROM/REF pbuf is not written (the
    /// application's bytes), its `len` bytes of `src` are passed over.
    fn pbuf_take(&mut self, p: Self::Pbuf, src: &[u8]) -> bool;

    /// `p->next`.
    fn next(&self, p: Self::Pbuf) -> Option<Self::Pbuf>;

    /// `p->len`.
    fn len(&self, p: Self::Pbuf) -> u16;

    /// Sets `p->len`.
    fn set_len(&mut self, p: Self::Pbuf, len: u16);

    /// `p->tot_len`.
    fn tot_len(&self, p: Self::Pbuf) -> u16;

    /// Sets `p->tot_len`.
    fn set_tot_len(&mut self, p: Self::Pbuf, tot_len: u16);

    /// `p->flags`.
    fn flags(&self, p: Self::Pbuf) -> u8;

    /// Sets `p->flags`. lwIP's TCP only ORs in `PBUF_FLAG_PUSH` and
    /// `PBUF_FLAG_TCP_FIN`; `PBUF_FLAG_IS_CUSTOM` (0x02) is pbuf.c's own, and
    /// a store over lwIP's pbuf.c keeps it as lwIP set it.
    fn set_flags(&mut self, p: Self::Pbuf, flags: u8);

    /// `p->ref`.
    fn refcount(&self, p: Self::Pbuf) -> u8;

    /// The pbuf's type.
    fn pbuf_type(&self, p: Self::Pbuf) -> PbufType;

    /// `p->payload`, `p->len` bytes of it.
    fn payload<'a, R: RomStore>(&'a self, rom: &'a R, p: Self::Pbuf) -> &'a [u8];

    /// `p->payload`, `p->len` bytes of it, to write (empty for ROM/REF:
    /// the application's bytes are not the stack's to write).
    fn payload_mut(&mut self, p: Self::Pbuf) -> &mut [u8];

    /// The chain's payloads, head first.
    fn chain<'a, R: RomStore>(
        &'a self,
        rom: &'a R,
        p: Self::Pbuf,
    ) -> impl Iterator<Item = &'a [u8]> + 'a;

    /// `MEMP_PBUF` elements in use.
    fn memp_pbuf_used(&self) -> u16;

    /// `MEMP_PBUF_POOL` elements in use.
    fn pool_used(&self) -> u16;

    /// `pbuf_copy_partial(from, (u8_t *)to->payload + at, n, offset)`:
    /// `n` bytes from `offset` into the chain `from`, written into `to`'s
    /// first pbuf at `at` (tcp_split_unsent_seg, tcp_zero_window_probe).
    /// Returns the bytes copied. Both are this store's pbufs, so the bytes
    /// pass through a 64-byte buffer on the way (so `from` and `to` may be
    /// the same chain); a step that does not fit `to`'s payload is counted,
    /// not written. Written once for every store, over its own
    /// `pbuf_copy_partial` and `payload_mut`.
    fn pbuf_copy_partial_pbuf<R: RomStore>(
        &mut self,
        rom: &R,
        from: Self::Pbuf,
        offset: u16,
        n: u16,
        to: Self::Pbuf,
        at: u16,
    ) -> u16 {
        let mut buf = [0u8; 64];
        let mut done: u16 = 0;
        while done < n {
            let k = (n - done).min(buf.len() as u16);
            let Some(b) = buf.get_mut(..usize::from(k)) else {
                break;
            };
            let got = self.pbuf_copy_partial(rom, from, b, offset.wrapping_add(done));
            let start = usize::from(at) + usize::from(done);
            if let (Some(d), Some(sv)) = (
                self.payload_mut(to)
                    .get_mut(start..start + usize::from(got)),
                buf.get(..usize::from(got)),
            ) {
                d.copy_from_slice(sv);
            }
            done += got;
            if got < k {
                break;
            }
        }
        done
    }

    /// The application's bytes a `PBUF_ROM` reference points at: `len`
    /// bytes from `at` (fewer if the application has fewer).
    fn rom_slice<R: RomStore>(rom: &R, at: Self::Rom, len: usize) -> &[u8];

    /// The reference `by` bytes past `at`.
    fn rom_at(at: Self::Rom, by: u16) -> Self::Rom;

    /// `lwip_stats.mem.used`: heap bytes in use, block headers included.
    fn heap_used(&self) -> u32;

    /// `lwip_stats.mem.max`.
    fn heap_max(&self) -> u32;

    /// `lwip_stats.mem.err`: failed heap allocations.
    fn heap_errors(&self) -> u32;
}

impl PbufStore for Pbufs {
    type Pbuf = Pbuf;
    type Rom = RomRef;
    const EMPTY: Pbufs = Pbufs {
        heap: Heap::EMPTY,
        pool_mem: [0; PBUF_POOL_BYTES],
        pool: Memp::EMPTY,
        rom_mem: [0; MEMP_PBUF_CAP * PBUF_HDR],
        rom_key: [0; MEMP_PBUF_CAP],
        rom: Memp::EMPTY,
        sizeof_struct_pbuf: 0,
        alignment: 0,
        pool_bufsize: 0,
        pool_elem: 0,
        illegal_free: None,
    };

    fn init(&mut self, cfg: &Config) {
        self.heap.mem_init(cfg.mem_size, cfg.mem_alignment);
        self.illegal_free = None;
        if Pbufs::fits(cfg) {
            self.pool.init(cfg.pbuf_pool_size);
            self.rom.init(cfg.memp_num_pbuf);
        } else {
            self.pool.init(0);
            self.rom.init(0);
        }
        self.sizeof_struct_pbuf = cfg.sizeof_struct_pbuf;
        self.alignment = cfg.mem_alignment;
        self.pool_bufsize = align(u32::from(cfg.pbuf_pool_bufsize), cfg.mem_alignment) as u16;
        self.pool_elem = align(u32::from(cfg.sizeof_struct_pbuf), cfg.mem_alignment) as usize
            + usize::from(self.pool_bufsize);
    }

    // -- allocation -------------------------------------------------------

    fn pbuf_alloc(&mut self, layer: u16, length: u16, ty: PbufType) -> Option<Pbuf> {
        match ty {
            PbufType::Rom | PbufType::Ref => {
                let i = self.rom.alloc()?;
                let p = Pbuf::new(TAG_ROM, (i * PBUF_HDR) as u32);
                if let Some(k) = self.rom_key.get_mut(i) {
                    *k = 0;
                }
                self.put(p, &Hdr::init(0, length, length, ty));
                Some(p)
            }
            PbufType::Pool => {
                let mut head: Option<Pbuf> = None;
                let mut last: Option<Pbuf> = None;
                let mut rem = length;
                let mut offset = layer;
                loop {
                    let Some(i) = self.pool.alloc() else {
                        if let Some(h) = head {
                            self.pbuf_free(h);
                        }
                        return None;
                    };
                    let q = Pbuf::new(TAG_POOL, (i * self.pool_elem) as u32);
                    let off = align(u32::from(offset), self.alignment);
                    let room = u32::from(self.pool_bufsize).saturating_sub(off);
                    let qlen = u32::from(rem).min(room) as u16;
                    // pbuf.c: payload = LWIP_MEM_ALIGN((u8_t *)q +
                    // SIZEOF_STRUCT_PBUF + offset), q being aligned: C's
                    // struct size, not this port's 16-byte encoding, so
                    // `payload - q` (and the header room) are C's.
                    let payload = align(
                        u32::from(self.sizeof_struct_pbuf) + u32::from(offset),
                        self.alignment,
                    );
                    self.put(q, &Hdr::init(payload, rem, qlen, PbufType::Pool));
                    match last {
                        Some(l) => self.set32(l, F_NEXT, q.0),
                        None => head = Some(q),
                    }
                    last = Some(q);
                    rem -= qlen;
                    offset = 0;
                    if rem == 0 || qlen == 0 {
                        return head;
                    }
                }
            }
            PbufType::Ram => {
                let alloc_len =
                    pbuf_ram_alloc_len(self.sizeof_struct_pbuf, self.alignment, layer, length)?;
                let m = self.heap.mem_malloc(alloc_len)?;
                let p = Pbuf::new(TAG_RAM, u32::from(m.0) + u32::from(self.heap.sizeof_mem()));
                let payload =
                    pbuf_ram_payload_offset(self.sizeof_struct_pbuf, self.alignment, layer);
                self.put(
                    p,
                    &Hdr::init(u32::from(payload), length, length, PbufType::Ram),
                );
                Some(p)
            }
        }
    }

    fn set_rom(&mut self, p: Pbuf, at: RomRef) {
        if p.tag() == TAG_ROM {
            if let Some(k) = self.rom_key.get_mut(p.idx() / PBUF_HDR) {
                *k = at.key;
            }
            self.set32(p, F_PAYLOAD, at.offset);
        }
    }

    fn rom_ref(&self, p: Pbuf) -> Option<RomRef> {
        if p.tag() != TAG_ROM {
            return None;
        }
        Some(RomRef {
            key: self.rom_key.get(p.idx() / PBUF_HDR).copied().unwrap_or(0),
            offset: self.hdr(p).payload,
        })
    }

    fn pbuf_free(&mut self, p: Pbuf) -> u8 {
        let mut count = 0u8;
        let mut cur = Some(p);
        while let Some(q) = cur {
            let Some(b) = self.raw_mut(q) else {
                break;
            };
            if b[F_REF] == 0 {
                // A dangling or already freed pbuf: lwIP asserts.
                break;
            }
            b[F_REF] -= 1;
            if b[F_REF] != 0 {
                break;
            }
            let next = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            cur = (next != NO_NEXT).then_some(Pbuf(next));
            match q.tag() {
                TAG_RAM => {
                    if let Err(e) = self.heap.mem_free(self.block(q)) {
                        self.illegal_free = Some(e);
                        // lwIP stops at the first.
                        break;
                    }
                }
                TAG_POOL => self.pool.free(q.idx() / self.pool_elem.max(1)),
                _ => self.rom.free(q.idx() / PBUF_HDR),
            }
            count = count.wrapping_add(1);
        }
        count
    }

    fn illegal_free(&self) -> Option<IllegalFree> {
        self.illegal_free
    }

    fn pbuf_ref(&mut self, p: Pbuf) {
        let r = self.get8(p, F_REF).wrapping_add(1);
        self.set8(p, F_REF, r);
    }

    fn pbuf_clen(&self, p: Pbuf) -> u16 {
        let mut n = 0u16;
        let mut cur = Some(p);
        while let Some(q) = cur {
            n = n.wrapping_add(1);
            cur = self.next(q);
        }
        n
    }

    fn pbuf_cat(&mut self, h: Pbuf, t: Pbuf) {
        let add = self.tot_len(t);
        let mut p = h;
        loop {
            let hp = self.hdr(p);
            let tot = hp.tot_len.wrapping_add(add);
            if hp.next == NO_NEXT {
                self.set16(p, F_TOT_LEN, tot);
                self.set32(p, F_NEXT, t.0);
                return;
            }
            self.set16(p, F_TOT_LEN, tot);
            p = Pbuf(hp.next);
        }
    }

    fn pbuf_split_64k(&mut self, p: Pbuf) -> Option<Pbuf> {
        let first = self.hdr(p);
        if first.next == NO_NEXT {
            return None;
        }
        let mut front = first.len;
        let mut last = p;
        let mut r = Some(Pbuf(first.next));
        // Continue until the total length (summed as a u16_t) wraps.
        while let Some(q) = r {
            let qh = self.hdr(q);
            if front.wrapping_add(qh.len) < front {
                break;
            }
            front = front.wrapping_add(qh.len);
            last = q;
            r = (qh.next != NO_NEXT).then_some(Pbuf(qh.next));
        }
        self.set32(last, F_NEXT, NO_NEXT);
        let rest = r?;
        let rest_tot = self.hdr(rest).tot_len;
        let mut i = Some(p);
        while let Some(q) = i {
            let qh = self.hdr(q);
            self.set16(q, F_TOT_LEN, qh.tot_len.wrapping_sub(rest_tot));
            i = (qh.next != NO_NEXT).then_some(Pbuf(qh.next));
        }
        if first.flags & PBUF_FLAG_TCP_FIN != 0 {
            let f = self.hdr(rest).flags;
            self.set8(rest, F_FLAGS, f | PBUF_FLAG_TCP_FIN);
        }
        Some(rest)
    }

    fn pbuf_realloc(&mut self, p: Pbuf, new_len: u16) -> Result<(), &'static str> {
        let h = self.hdr(p);
        if new_len >= h.tot_len {
            return Ok(());
        }
        let shrink = h.tot_len - new_len;
        let mut rem = new_len;
        let mut q = p;
        loop {
            let hq = self.hdr(q);
            if rem <= hq.len {
                break;
            }
            rem -= hq.len;
            self.set16(q, F_TOT_LEN, hq.tot_len.wrapping_sub(shrink));
            if hq.next == NO_NEXT {
                break;
            }
            q = Pbuf(hq.next);
        }
        let hq = self.hdr(q);
        if q.tag() == TAG_RAM && rem != hq.len {
            let size = (hq.payload as u16).wrapping_add(rem);
            self.heap.mem_trim(self.block(q), size)?;
        }
        self.put(
            q,
            &Hdr {
                len: rem,
                tot_len: rem,
                next: NO_NEXT,
                ..hq
            },
        );
        if hq.next != NO_NEXT {
            self.pbuf_free(Pbuf(hq.next));
        }
        Ok(())
    }

    fn pbuf_add_header(&mut self, p: Pbuf, n: u16) -> bool {
        self.add_header_impl(p, n, false)
    }

    fn pbuf_remove_header(&mut self, p: Pbuf, n: u16) -> bool {
        if n == 0 {
            return true;
        }
        let Some(b) = self.raw_mut(p) else {
            return false;
        };
        let len = u16::from_le_bytes([b[10], b[11]]);
        if b[F_REF] == 0 || n > len {
            return false;
        }
        // Wrapping: a forced header may have moved a ROM/REF offset below
        // 0 (see add_header_impl).
        let payload = u32::from_le_bytes([b[4], b[5], b[6], b[7]]).wrapping_add(u32::from(n));
        let tot_len = u16::from_le_bytes([b[8], b[9]]).wrapping_sub(n);
        b[4..8].copy_from_slice(&payload.to_le_bytes());
        b[8..10].copy_from_slice(&tot_len.to_le_bytes());
        b[10..12].copy_from_slice(&(len - n).to_le_bytes());
        true
    }

    fn pbuf_copy_partial<R: RomStore>(&self, rom: &R, p: Pbuf, dst: &mut [u8], offset: u16) -> u16 {
        let mut offset = usize::from(offset);
        let mut left = 0usize;
        for s in self.chain(rom, p) {
            if left == dst.len() {
                break;
            }
            if offset != 0 && offset >= s.len() {
                offset -= s.len();
                continue;
            }
            let src = s.get(offset..).unwrap_or(&[]);
            let n = src.len().min(dst.len() - left);
            if let (Some(d), Some(sv)) = (dst.get_mut(left..left + n), src.get(..n)) {
                d.copy_from_slice(sv);
            }
            left += n;
            offset = 0;
        }
        left as u16
    }

    fn pbuf_take(&mut self, p: Pbuf, src: &[u8]) -> bool {
        self.take_from(p, src, 0)
    }

    // -- fields -----------------------------------------------------------

    #[inline]
    fn next(&self, p: Pbuf) -> Option<Pbuf> {
        let n = self
            .raw(p)
            .map_or(NO_NEXT, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        (n != NO_NEXT).then_some(Pbuf(n))
    }

    #[inline]
    fn len(&self, p: Pbuf) -> u16 {
        self.get16(p, F_LEN)
    }

    #[inline]
    fn set_len(&mut self, p: Pbuf, len: u16) {
        self.set16(p, F_LEN, len);
    }

    #[inline]
    fn tot_len(&self, p: Pbuf) -> u16 {
        self.get16(p, F_TOT_LEN)
    }

    #[inline]
    fn set_tot_len(&mut self, p: Pbuf, tot_len: u16) {
        self.set16(p, F_TOT_LEN, tot_len);
    }

    #[inline]
    fn flags(&self, p: Pbuf) -> u8 {
        self.get8(p, F_FLAGS)
    }

    #[inline]
    fn set_flags(&mut self, p: Pbuf, flags: u8) {
        self.set8(p, F_FLAGS, flags);
    }

    #[inline]
    fn refcount(&self, p: Pbuf) -> u8 {
        self.get8(p, F_REF)
    }

    fn pbuf_type(&self, p: Pbuf) -> PbufType {
        self.hdr(p).ty
    }

    fn payload<'a, R: RomStore>(&'a self, rom: &'a R, p: Pbuf) -> &'a [u8] {
        self.next_and_payload(rom, p).1
    }

    fn payload_mut(&mut self, p: Pbuf) -> &mut [u8] {
        let (region, at) = self.loc_mut(p);
        let Some(b) = region.get(at..at + PBUF_HDR) else {
            return &mut [];
        };
        if !PbufType::code_contiguous(b[12]) {
            return &mut [];
        }
        let start = at + u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        let len = usize::from(u16::from_le_bytes([b[10], b[11]]));
        region.get_mut(start..start + len).unwrap_or(&mut [])
    }

    fn chain<'a, R: RomStore>(
        &'a self,
        rom: &'a R,
        p: Pbuf,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        Chain {
            pbufs: self,
            rom,
            next: Some(p),
        }
    }

    fn memp_pbuf_used(&self) -> u16 {
        self.rom.used()
    }

    fn pool_used(&self) -> u16 {
        self.pool.used()
    }

    fn rom_slice<R: RomStore>(rom: &R, at: RomRef, len: usize) -> &[u8] {
        let b = rom
            .rom_bytes(at.key)
            .get(at.offset as usize..)
            .unwrap_or(&[]);
        b.get(..len).unwrap_or(b)
    }

    fn rom_at(at: RomRef, by: u16) -> RomRef {
        RomRef {
            key: at.key,
            offset: at.offset.wrapping_add(u32::from(by)),
        }
    }

    fn heap_used(&self) -> u32 {
        self.heap.used()
    }

    fn heap_max(&self) -> u32 {
        self.heap.max_used()
    }

    fn heap_errors(&self) -> u32 {
        self.heap.errors()
    }
}

impl Hdr {
    const fn init(payload: u32, tot_len: u16, len: u16, ty: PbufType) -> Hdr {
        Hdr {
            next: NO_NEXT,
            payload,
            tot_len,
            len,
            ty,
            flags: 0,
            refcnt: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    struct Store(Vec<Vec<u8>>);
    impl RomStore for Store {
        fn rom_bytes(&self, key: u32) -> &[u8] {
            self.0.get(key as usize).map_or(&[], |v| v.as_slice())
        }
    }

    fn pbufs() -> (Config, std::boxed::Box<Pbufs>) {
        let cfg = Config::full();
        let mut p = std::boxed::Box::new(Pbufs::EMPTY);
        p.init(&cfg);
        (cfg, p)
    }

    fn bytes(p: &Pbufs, q: Pbuf) -> Vec<u8> {
        p.chain(&NoRom, q).flatten().copied().collect()
    }

    #[test]
    fn ram_pbuf_lives_in_the_heap_with_c_sizes() {
        let (cfg, mut p) = pbufs();
        let q = p
            .pbuf_alloc(cfg.pbuf_layer_transport(), 100, PbufType::Ram)
            .unwrap();
        // align(24) + align(40) + align(100) = 24 + 40 + 104 = 168, + header 8.
        assert_eq!(p.heap.used(), 176);
        assert_eq!((p.len(q), p.tot_len(q), p.refcount(q)), (100, 100, 1));
        assert_eq!(p.payload_offset(q), 64);
        assert!(p.pbuf_take(q, &[7; 100]));
        assert_eq!(bytes(&p, q), vec![7; 100]);
        assert!(p.pbuf_add_header(q, 40));
        assert!(!p.pbuf_add_header(q, 41), "no room left in front");
        assert_eq!(p.len(q), 140);
        assert_eq!(p.pbuf_free(q), 1);
        assert_eq!(p.heap.used(), 0);
    }

    #[test]
    fn pool_chain_splits_by_bufsize() {
        let (_, mut p) = pbufs();
        let q = p.pbuf_alloc(0, 4000, PbufType::Pool).unwrap();
        assert_eq!(p.pbuf_clen(q), 3);
        assert_eq!(p.pool_used(), 3);
        let lens: Vec<u16> = p.chain(&NoRom, q).map(|s| s.len() as u16).collect();
        assert_eq!(lens, vec![1536, 1536, 928]);
        let data: Vec<u8> = (0..4000u32).map(|i| i as u8).collect();
        assert!(p.pbuf_take(q, &data));
        assert_eq!(bytes(&p, q), data);
        let mut mid = [0u8; 10];
        assert_eq!(p.pbuf_copy_partial(&NoRom, q, &mut mid, 1530), 10);
        assert_eq!(&mid[..], &data[1530..1540]);
        assert_eq!(p.pbuf_free(q), 3);
        assert_eq!(p.pool_used(), 0);
    }

    #[test]
    fn pool_exhaustion_frees_the_partial_chain() {
        let (_, mut p) = pbufs();
        let held = p.pbuf_alloc(0, 1536 * 14, PbufType::Pool).unwrap();
        assert_eq!(p.pool_used(), 14);
        assert_eq!(p.pbuf_alloc(0, 1536 * 3, PbufType::Pool), None);
        assert_eq!(p.pool_used(), 14);
        assert_eq!(p.pool.errors(), 1);
        p.pbuf_free(held);
        assert_eq!(p.pool_used(), 0);
        assert_eq!(p.pool.max_used(), 16);
    }

    #[test]
    fn rom_payload_is_the_applications() {
        let (_, mut p) = pbufs();
        let store = Store(vec![b"hello world".to_vec(), b"second".to_vec()]);
        let r = p.pbuf_alloc(0, 5, PbufType::Rom).unwrap();
        p.set_rom(r, RomRef { key: 0, offset: 6 });
        assert_eq!(p.payload(&store, r), b"world");
        // A second ROM pbuf (the pool's next element) keeps its own buffer.
        let r2 = p.pbuf_alloc(0, 3, PbufType::Rom).unwrap();
        p.set_rom(r2, RomRef { key: 1, offset: 3 });
        assert_eq!(p.payload(&store, r2), b"ond");
        assert_eq!(p.rom_ref(r2), Some(RomRef { key: 1, offset: 3 }));
        p.pbuf_free(r2);
        assert!(p.payload_mut(r).is_empty());
        assert!(!p.pbuf_add_header(r, 1));
        assert_eq!(p.memp_pbuf_used(), 1);
        let h = p.pbuf_alloc(40, 0, PbufType::Ram).unwrap();
        p.pbuf_cat(h, r);
        assert_eq!((p.tot_len(h), p.pbuf_clen(h)), (5, 2));
        let mut out = [0u8; 5];
        assert_eq!(p.pbuf_copy_partial(&store, h, &mut out, 0), 5);
        assert_eq!(&out, b"world");
        assert_eq!(p.pbuf_free(h), 2);
        assert_eq!((p.memp_pbuf_used(), p.heap.used()), (0, 0));
    }

    /// lwIP's pbuf_split_64k: the cut after the last pbuf whose lengths
    /// from the head still fit a u16_t; the front's tot_lens lose the
    /// rest's, the rest keeps its own and gets the head's FIN flag; no cut
    /// when the chain fits or is one pbuf.
    #[test]
    fn split_64k_cuts_where_the_u16_sum_would_wrap() {
        let (_, mut p) = pbufs();
        let one = p.pbuf_alloc(0, 40_000, PbufType::Rom).unwrap();
        assert_eq!(p.pbuf_split_64k(one), None, "one pbuf");
        let two = p.pbuf_alloc(0, 25_535, PbufType::Rom).unwrap();
        p.pbuf_cat(one, two);
        assert_eq!(p.tot_len(one), 65_535);
        assert_eq!(p.pbuf_split_64k(one), None, "65,535 bytes fit");
        assert_eq!(p.next(one), Some(two), "nothing cut");
        let three = p.pbuf_alloc(0, 1, PbufType::Rom).unwrap();
        let four = p.pbuf_alloc(0, 9, PbufType::Rom).unwrap();
        p.pbuf_cat(one, three);
        p.pbuf_cat(one, four);
        // 65,545 bytes: the head's tot_len wrapped to 9.
        assert_eq!(p.tot_len(one), 9);
        p.set_flags(one, PBUF_FLAG_TCP_FIN | PBUF_FLAG_PUSH);
        assert_eq!(p.pbuf_split_64k(one), Some(three));
        assert_eq!(p.next(two), None, "the front ends at the cut");
        assert_eq!((p.tot_len(one), p.tot_len(two)), (65_535, 25_535));
        assert_eq!(
            (p.tot_len(three), p.tot_len(four)),
            (10, 9),
            "the rest unchanged"
        );
        assert_eq!(p.next(three), Some(four));
        assert_eq!(p.flags(three), PBUF_FLAG_TCP_FIN, "FIN copied, PUSH not");
        assert_eq!(p.flags(one), PBUF_FLAG_TCP_FIN | PBUF_FLAG_PUSH);
        assert_eq!(p.refcount(three), 1, "no reference taken");
        // Without FIN on the head, the rest's flags stay (FIN too).
        let five = p.pbuf_alloc(0, 65_535, PbufType::Rom).unwrap();
        let six = p.pbuf_alloc(0, 1, PbufType::Rom).unwrap();
        p.pbuf_cat(five, six);
        p.set_flags(six, PBUF_FLAG_TCP_FIN);
        assert_eq!(p.pbuf_split_64k(five), Some(six));
        assert_eq!((p.flags(six), p.tot_len(five)), (PBUF_FLAG_TCP_FIN, 65_535));
        // A FIN on both stays set on the rest.
        p.pbuf_cat(five, six);
        p.set_flags(five, PBUF_FLAG_TCP_FIN);
        assert_eq!(p.pbuf_split_64k(five), Some(six));
        assert_eq!(p.flags(six), PBUF_FLAG_TCP_FIN);
        for q in [one, three, five, six] {
            p.pbuf_free(q);
        }
    }

    #[test]
    fn refs_keep_a_chain_alive() {
        let (_, mut p) = pbufs();
        let a = p.pbuf_alloc(0, 10, PbufType::Pool).unwrap();
        let b = p.pbuf_alloc(0, 10, PbufType::Pool).unwrap();
        p.pbuf_chain(a, b);
        assert_eq!(p.refcount(b), 2);
        assert_eq!(p.pbuf_free(a), 1, "b still referenced");
        assert_eq!(p.pool_used(), 1);
        assert_eq!(p.pbuf_free(b), 1);
        assert_eq!(p.pool_used(), 0);
    }

    #[test]
    fn realloc_trims_the_heap_block_and_frees_the_tail() {
        let (_, mut p) = pbufs();
        let a = p.pbuf_alloc(40, 1000, PbufType::Ram).unwrap();
        let b = p.pbuf_alloc(0, 500, PbufType::Ram).unwrap();
        p.pbuf_cat(a, b);
        let before = p.heap.used();
        p.pbuf_realloc(a, 600).unwrap();
        assert_eq!((p.len(a), p.tot_len(a), p.next(a)), (600, 600, None));
        // b freed, a's block trimmed by 400 bytes.
        assert!(p.heap.used() < before - 400);
        p.pbuf_free(a);
        assert_eq!(p.heap.used(), 0);
    }

    #[test]
    fn realloc_within_the_chain_adjusts_tot_len() {
        let (_, mut p) = pbufs();
        let a = p.pbuf_alloc(0, 4000, PbufType::Pool).unwrap();
        p.pbuf_realloc(a, 2000).unwrap();
        assert_eq!(p.pbuf_clen(a), 2);
        assert_eq!((p.tot_len(a), p.len(a)), (2000, 1536));
        let second = p.next(a).unwrap();
        assert_eq!((p.tot_len(second), p.len(second)), (464, 464));
        assert_eq!(p.pool_used(), 2);
    }

    #[test]
    fn headers_move_within_len() {
        let (_, mut p) = pbufs();
        let a = p.pbuf_alloc(0, 60, PbufType::Pool).unwrap();
        assert!(p.pbuf_remove_header(a, 20));
        assert_eq!((p.len(a), p.tot_len(a)), (40, 40));
        assert!(!p.pbuf_remove_header(a, 41));
        assert!(p.pbuf_add_header(a, 20));
        assert!(!p.pbuf_add_header(a, 1), "pool pbuf allocated at layer 0");
    }

    #[test]
    fn copy_between_pbufs_in_steps() {
        let (_, mut p) = pbufs();
        let src = p.pbuf_alloc(0, 200, PbufType::Pool).unwrap();
        let data: Vec<u8> = (0..200u32).map(|i| i as u8).collect();
        assert!(p.pbuf_take(src, &data));
        let dst = p.pbuf_alloc(0, 300, PbufType::Ram).unwrap();
        // 70 bytes from offset 20 to offset 5: two steps of the bounce
        // buffer, nothing written past them.
        assert_eq!(p.pbuf_copy_partial_pbuf(&NoRom, src, 20, 70, dst, 5), 70);
        let out = bytes(&p, dst);
        assert_eq!(&out[5..75], &data[20..90]);
        assert!(out[75..].iter().all(|&b| b == 0));
        // A source shorter than asked: what there is.
        assert_eq!(p.pbuf_copy_partial_pbuf(&NoRom, src, 150, 100, dst, 0), 50);
    }

    #[test]
    fn memp_spans_its_bitmap_words() {
        // 200 elements: the bitmap's first word fills, the next ones serve
        // (the full profile's pools stay within one word).
        let mut m = Memp::EMPTY;
        m.init(200);
        let got: Vec<usize> = (0..200).map(|_| m.alloc().unwrap()).collect();
        assert_eq!(got, (0..200).collect::<Vec<_>>());
        assert_eq!((m.alloc(), m.used(), m.errors()), (None, 200, 1));
        assert!(m.is_taken(64) && m.is_taken(199) && !m.is_taken(200));
        m.free(130);
        m.free(70);
        assert!(!m.is_taken(130) && !m.is_taken(70) && m.is_taken(71));
        assert_eq!((m.used(), m.max_used()), (198, 200));
        assert_eq!(
            (m.alloc(), m.alloc(), m.alloc()),
            (Some(70), Some(130), None)
        );
        m.free(600);
        assert_eq!(m.used(), 200);
        // A pool larger than the bitmap holds is cut to MEMP_CAP.
        m.init(u16::MAX);
        assert_eq!(m.avail(), MEMP_CAP as u16);
    }

    #[test]
    fn memp_counts_like_lwip_stats() {
        let mut m = Memp::EMPTY;
        m.init(3);
        assert_eq!(
            (m.alloc(), m.alloc(), m.alloc(), m.alloc()),
            (Some(0), Some(1), Some(2), None)
        );
        assert_eq!(
            (m.used(), m.max_used(), m.errors(), m.avail()),
            (3, 3, 1, 3)
        );
        m.free(1);
        m.free(1);
        assert_eq!(m.used(), 2);
        assert_eq!(m.alloc(), Some(1));
    }
}
