//! The core's pbufs over lwIP's own `pbuf.c`: [`LwipPbufs`] implements
//! [`tcp_rust::pbuf::PbufStore`] by calling lwIP's functions (`pbuf_alloc`,
//! `pbuf_free`, `pbuf_ref`, `pbuf_clen`, `pbuf_cat`, `pbuf_realloc`,
//! `pbuf_add_header`, `pbuf_remove_header`, `pbuf_copy_partial`,
//! `pbuf_take`) and by reading and writing `struct pbuf`'s fields through
//! [`CPbuf`], its `#[repr(C)]` mirror. The handle is the layout's
//! [`PbufPtr`] (`struct pbuf *`), a `PBUF_ROM`/`PBUF_REF` payload a
//! [`RomPtr`] (the application's `const void *`).
//!
//! # The build this is written for
//!
//! Every supported build ([`crate::opts`]) has `LWIP_PBUF_REF_T` `u8_t`,
//! no `LWIP_PBUF_CUSTOM_DATA`, `LWIP_STATS` with `MEM_STATS` and
//! `MEMP_STATS`, the same statistics before `mem` in `struct stats_`,
//! `STAT_COUNTER` `u16_t`, and `LWIP_DEBUG` (which gives `struct
//! stats_mem` and `struct memp_desc` a name pointer first); `mem_size_t`
//! (`u16_t` or `u32_t` by `MEM_SIZE`) is the build description's.
//! `tests/pbuf_layout.rs` checks every size and offset here against the
//! host C compiler for lwIP's unit-test build, ci/lwip-lib's facts against
//! the target's for every build.
//!
//! # Statistics
//!
//! [`PbufStore::heap_used`], [`heap_max`](PbufStore::heap_max) and
//! [`heap_errors`](PbufStore::heap_errors) read `lwip_stats.mem.used`,
//! `.max` and `.err`; [`memp_pbuf_used`](PbufStore::memp_pbuf_used) and
//! [`pool_used`](PbufStore::pool_used) the `used` of `MEMP_PBUF`'s and
//! `MEMP_PBUF_POOL`'s statistics (through the pools' descriptors
//! `memp_PBUF` and `memp_PBUF_POOL`, which memp.c exports). lwIP keeps
//! them as `STAT_COUNTER`/`mem_size_t` (16 bits here): `heap_errors`
//! wraps at 65536 where the port's count does not. A build without
//! `MEM_STATS` or `MEMP_STATS` has no such counters; this module does not
//! fit it (the mirrors would be wrong, and the layout test says so).
//!
//! # What lwIP initialises
//!
//! lwIP's `lwip_init()` runs `mem_init()` and `memp_init()`; the heap and
//! pool sizes are its build's. [`PbufStore::init`] therefore does nothing
//! (running `mem_init()` again would forget every pbuf lwIP's other
//! modules hold), and [`PbufStore::EMPTY`] is the same zero-sized store:
//! lwIP's pools exist from `lwip_init()` on, not from this store's `init`.
//!
//! # Safety contract
//!
//! The trait's methods are safe; what makes them sound is what the C side
//! of the drop-in must guarantee before a pointer becomes a [`PbufPtr`]
//! (docs/drop-in.md, stage 3, "References the C side hands the core"):
//!
//! 1. every [`PbufPtr`] passed to a method points at a live `struct pbuf`
//!    of lwIP's `pbuf.c` (allocated by `pbuf_alloc`, its reference count
//!    not yet down to zero), every pbuf its `next` links reach is live, and
//!    a `PBUF_RAM`/`PBUF_POOL` pbuf's `payload` has `len` bytes of its own
//!    buffer behind it (what `pbuf.c` maintains as long as the fields are
//!    changed only as lwIP's TCP changes them);
//! 2. a `PBUF_ROM`/`PBUF_REF` pbuf's `payload` is NULL or points at `len`
//!    bytes the application keeps readable and unchanged until the pbuf is
//!    freed (lwIP's contract for `tcp_write` without
//!    `TCP_WRITE_FLAG_COPY`), and a [`RomPtr`] given to
//!    [`PbufStore::rom_slice`] likewise for the length asked;
//! 3. one `LwipPbufs` is in use per lwIP instance, and no C code runs while
//!    a slice this store returned is alive (the C side calls into the core
//!    and lwIP calls back only between the core's uses of the store).
//!
//! The store cannot check (1) for a pointer anyone built: [`PbufPtr`]'s
//! field is public. The core itself only ever holds pointers this store
//! returned (`pbuf_alloc`, `next`) or the C side handed it.
//!
//! # Where this differs from the port's `Pbufs`
//!
//! Measured by `tests/pbuf_diff.rs` (docs/drop-in.md has the numbers):
//! - [`PbufStore::pbuf_realloc`] returns `Ok` always: lwIP's `pbuf_realloc`
//!   returns nothing, and where `mem_trim` fails an `LWIP_ASSERT` the
//!   build's `LWIP_PLATFORM_ASSERT` runs (it aborts in lwIP's own ports).
//! - [`PbufStore::pbuf_take`] over a chain holding `PBUF_ROM`/`PBUF_REF`
//!   pbufs: lwIP's `pbuf_take` would write the application's bytes; this
//!   store, as the trait says, writes none of them, but it still consumes
//!   the source bytes that fall on them (the bytes after them go where
//!   lwIP puts them), as the port's `Pbufs` does.
//! - [`PbufStore::set_flags`] leaves `PBUF_FLAG_IS_CUSTOM` (0x02) as it
//!   is. For lwIP that bit means "a `struct pbuf_custom`": `pbuf_free`
//!   then calls the function pointer stored behind the `struct pbuf`,
//!   which a plain pbuf does not have (found by `tests/pbuf_diff.rs`: a
//!   random `set_flags(0x02)` made lwIP's `pbuf_free` jump to NULL). The
//!   port's `Pbufs` stores all eight bits; lwIP's TCP only ever ORs in
//!   `PBUF_FLAG_PUSH` and `PBUF_FLAG_TCP_FIN`, so the core never differs.
//! - A `PBUF_POOL` request whose layer leaves no room in the first buffer
//!   (`offset >= PBUF_POOL_BUFSIZE`, where lwIP asserts and would point
//!   the payload past the buffer) is refused (`None`) here.

#[cfg(feature = "lwip-debug")]
use core::ffi::c_char;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use tcp_rust::config::Config;
use tcp_rust::pbuf::{PbufStore, PbufType, RomStore};

use crate::layout::PbufPtr;

/// `LWIP_PBUF_REF_T` (opt.h's default `u8_t`).
pub type PbufRefT = u8;
pub use crate::opts::MemSizeT;
/// `STAT_COUNTER` (`u16_t` without `LWIP_STATS_LARGE`).
pub type StatCounter = u16;

/// `struct pbuf` (pbuf.h).
#[repr(C)]
#[derive(Debug)]
pub struct CPbuf {
    /// `next`: the next pbuf of the chain, or NULL.
    pub next: *mut CPbuf,
    /// `payload`.
    pub payload: *mut c_void,
    /// `tot_len`: this pbuf's and every following pbuf's `len`.
    pub tot_len: u16,
    /// `len`.
    pub len: u16,
    /// `type_internal`: the allocation source and the `PBUF_TYPE_FLAG_*`.
    pub type_internal: u8,
    /// `flags` (`PBUF_FLAG_*`).
    pub flags: u8,
    /// `ref`.
    pub ref_: PbufRefT,
    /// `if_idx`.
    pub if_idx: u8,
}

/// `PBUF_RAM` (`pbuf_type`).
pub const PBUF_RAM: u32 = 0x0280;
/// `PBUF_ROM`.
pub const PBUF_ROM: u32 = 0x0001;
/// `PBUF_REF`.
pub const PBUF_REF: u32 = 0x0041;
/// `PBUF_POOL`.
pub const PBUF_POOL: u32 = 0x0182;
/// `PBUF_FLAG_IS_CUSTOM`: the pbuf is a `struct pbuf_custom`, freed
/// through its `custom_free_function`.
pub const PBUF_FLAG_IS_CUSTOM: u8 = 0x02;
/// `PBUF_TYPE_ALLOC_SRC_MASK`.
pub const PBUF_TYPE_ALLOC_SRC_MASK: u8 = 0x0F;
/// `PBUF_TYPE_FLAG_DATA_VOLATILE`: set for `PBUF_REF`.
pub const PBUF_TYPE_FLAG_DATA_VOLATILE: u8 = 0x40;
/// `PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS`: `PBUF_RAM`, `PBUF_POOL`.
pub const PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS: u8 = 0x80;
const SRC_HEAP: u8 = 0x00;
const SRC_MEMP_PBUF: u8 = 0x01;
const SRC_MEMP_PBUF_POOL: u8 = 0x02;

/// `struct stats_mem` (with `LWIP_DEBUG` or `LWIP_STATS_DISPLAY`: the
/// name first; the feature `lwip-debug`).
#[repr(C)]
#[derive(Debug)]
pub struct StatsMem {
    /// `name`.
    #[cfg(feature = "lwip-debug")]
    pub name: *const c_char,
    /// `err`: failed allocations.
    pub err: StatCounter,
    /// `avail`.
    pub avail: MemSizeT,
    /// `used`.
    pub used: MemSizeT,
    /// `max`.
    pub max: MemSizeT,
    /// `illegal`.
    pub illegal: StatCounter,
}

/// `struct stats_` up to `mem`: the statistics before it (which ones
/// depends on the options: their bytes are the build description's
/// `STATS_MEM_OFFSET`), then `mem` at its alignment (ci/lwip-lib checks
/// the offset against the C compiler's). `lwip_stats` is longer; only this
/// prefix is read.
#[repr(C)]
#[derive(Debug)]
pub struct StatsPrefix {
    /// `link`, `etharp`, ..., `tcp`, as the build has them.
    pub before_mem: [u8; crate::opts::STATS_MEM_OFFSET],
    /// `mem`: the heap.
    pub mem: StatsMem,
}

/// `struct memp_desc` (memp_priv.h; with `LWIP_DEBUG`, `MEMP_STATS`, not
/// `MEMP_MEM_MALLOC`).
#[repr(C)]
#[derive(Debug)]
pub struct MempDesc {
    /// `desc` (with `LWIP_DEBUG`, `MEMP_OVERFLOW_CHECK` or
    /// `LWIP_STATS_DISPLAY`; the feature `lwip-debug`).
    #[cfg(feature = "lwip-debug")]
    pub desc: *const c_char,
    /// `stats`.
    pub stats: *mut StatsMem,
    /// `size`: element size.
    pub size: u16,
    /// `num`: elements.
    pub num: u16,
    /// `base`.
    pub base: *mut u8,
    /// `tab`: the free list.
    pub tab: *mut *mut c_void,
}

unsafe extern "C" {
    fn pbuf_alloc(layer: u32, length: u16, ty: u32) -> *mut CPbuf;
    fn pbuf_free(p: *mut CPbuf) -> u8;
    fn pbuf_ref(p: *mut CPbuf);
    fn pbuf_clen(p: *const CPbuf) -> u16;
    fn pbuf_cat(head: *mut CPbuf, tail: *mut CPbuf);
    fn pbuf_realloc(p: *mut CPbuf, size: u16);
    /// pbuf.c has it in a build with `TCP_QUEUE_OOSEQ` and
    /// `LWIP_WND_SCALE` (every build description's); the core calls it
    /// only then.
    fn pbuf_split_64k(p: *mut CPbuf, rest: *mut *mut CPbuf);
    fn pbuf_add_header(p: *mut CPbuf, header_size_increment: usize) -> u8;
    fn pbuf_remove_header(p: *mut CPbuf, header_size: usize) -> u8;
    fn pbuf_copy_partial(p: *const CPbuf, dataptr: *mut c_void, len: u16, offset: u16) -> u16;
    fn pbuf_take(buf: *mut CPbuf, dataptr: *const c_void, len: u16) -> i8;
    /// stats.c's `struct stats_ lwip_stats` (its prefix; C writes it).
    static mut lwip_stats: StatsPrefix;
    /// memp.c's descriptor of `MEMP_PBUF` (`LWIP_MEMPOOL_DECLARE`).
    static memp_PBUF: MempDesc;
    /// memp.c's descriptor of `MEMP_PBUF_POOL`.
    static memp_PBUF_POOL: MempDesc;
}

/// `&lwip_stats.tcp.<counter k>`: the `k`-th `u16_t` of `struct
/// stats_proto tcp` (`xmit` is 0, `cachehit` 11), at the build
/// description's `offsetof(struct stats_, tcp)`. Only a pointer: no
/// reference to `lwip_stats` is made.
pub fn tcp_stats_counter(k: usize) -> *mut StatCounter {
    (&raw mut lwip_stats)
        .cast::<u8>()
        .wrapping_add(crate::opts::TCP_STATS_OFFSET)
        .cast::<StatCounter>()
        .wrapping_add(k.min(tcp_rust::storage::TCP_STATS_COUNTERS - 1))
}

/// `&lwip_stats.mib2.<TCP counter k>`: the `k`-th of the nine `u32_t`
/// from `tcpactiveopens`, at the build description's
/// `offsetof(struct stats_, mib2.tcpactiveopens)` (only with
/// `MIB2_STATS`). Only a pointer: no reference to `lwip_stats` is made.
pub fn mib2_tcp_counter(k: usize) -> *mut u32 {
    (&raw mut lwip_stats)
        .cast::<u8>()
        .wrapping_add(crate::opts::MIB2_TCP_OFFSET)
        .cast::<u32>()
        .wrapping_add(k.min(tcp_rust::storage::MIB2_TCP_COUNTERS - 1))
}

/// Where a `PBUF_ROM`/`PBUF_REF` payload points: the application's bytes
/// (`const void *`; NULL for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RomPtr(pub *const u8);

/// lwIP's pbufs as the core's pbuf store (see the module docs). Zero-sized:
/// the pbufs, heap and pools are lwIP's globals.
#[derive(Debug, PartialEq, Eq)]
pub struct LwipPbufs {
    _private: (),
}

/// The `struct pbuf *` of a handle.
#[inline]
pub fn as_raw(p: PbufPtr) -> *mut CPbuf {
    p.0.as_ptr().cast()
}

#[inline]
fn handle(p: *mut CPbuf) -> Option<PbufPtr> {
    NonNull::new(p.cast::<c_void>()).map(PbufPtr)
}

/// `pbuf_type` for `pbuf_alloc`.
const fn type_code(ty: PbufType) -> u32 {
    match ty {
        PbufType::Ram => PBUF_RAM,
        PbufType::Rom => PBUF_ROM,
        PbufType::Ref => PBUF_REF,
        PbufType::Pool => PBUF_POOL,
    }
}

/// The type a `type_internal` byte says. An application's custom source
/// (`PBUF_TYPE_ALLOC_SRC_MASK_APP_MIN` and above) reads as `PBUF_REF`:
/// its payload is not the stack's to write.
const fn type_of(type_internal: u8) -> PbufType {
    match type_internal & PBUF_TYPE_ALLOC_SRC_MASK {
        SRC_HEAP => PbufType::Ram,
        SRC_MEMP_PBUF_POOL => PbufType::Pool,
        SRC_MEMP_PBUF if type_internal & PBUF_TYPE_FLAG_DATA_VOLATILE == 0 => PbufType::Rom,
        _ => PbufType::Ref,
    }
}

/// `len` bytes at `payload` (none when NULL or empty).
///
/// # Safety
/// A non-NULL `payload` points at `len` readable bytes that nothing writes
/// for `'a`.
#[inline]
unsafe fn bytes<'a>(payload: *const c_void, len: u16) -> &'a [u8] {
    if payload.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: the caller's guarantee; `len` fits isize.
    unsafe { core::slice::from_raw_parts(payload.cast::<u8>(), usize::from(len)) }
}

impl LwipPbufs {
    /// The store (the same as [`PbufStore::EMPTY`]).
    pub const fn new() -> LwipPbufs {
        LwipPbufs { _private: () }
    }

    /// `(u8_t *)p->payload - (u8_t *)p` of a `PBUF_RAM`/`PBUF_POOL` pbuf
    /// (0 for `PBUF_ROM`/`PBUF_REF`), as the port's `Pbufs::payload_offset`.
    pub fn payload_offset(&self, p: PbufPtr) -> u16 {
        let q = as_raw(p);
        // SAFETY: contract (1): `q` is a live pbuf; only its fields are
        // read.
        let (ti, payload) = unsafe { ((*q).type_internal, (*q).payload) };
        if ti & PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS == 0 {
            return 0;
        }
        (payload as usize).wrapping_sub(q as usize) as u16
    }

    /// Whether a chain holds a pbuf whose payload is the application's.
    fn has_app_payload(&self, p: PbufPtr) -> bool {
        let mut cur = Some(p);
        while let Some(q) = cur {
            if !matches!(self.pbuf_type(q), PbufType::Ram | PbufType::Pool) {
                return true;
            }
            cur = self.next(q);
        }
        false
    }

    /// `PBUF_POOL_BUFSIZE_ALIGNED`, from the pool's element size
    /// (`LWIP_MEM_ALIGN_SIZE(SIZEOF_STRUCT_PBUF + PBUF_POOL_BUFSIZE_ALIGNED)`;
    /// exact for `MEM_ALIGNMENT` 1, an upper bound otherwise).
    fn pool_bufsize(&self) -> usize {
        // SAFETY: memp.c's descriptor is a constant object; `size` is
        // read by value.
        let size = unsafe { memp_PBUF_POOL.size };
        usize::from(size).saturating_sub(core::mem::size_of::<CPbuf>())
    }

    fn memp_used(desc: &MempDesc) -> u16 {
        if desc.stats.is_null() {
            return 0;
        }
        // SAFETY: a descriptor's `stats` points at its pool's `struct
        // stats_mem` (memp.c, `MEMP_STATS`), a static object; read by
        // value.
        let used = unsafe { ptr::read(&raw const (*desc.stats).used) };
        // A pool's count fits memp's u16_t element count (mem_size_t is
        // u16_t or u32_t, by build: a conversion in some builds only).
        #[allow(clippy::useless_conversion)]
        u16::try_from(used).unwrap_or(u16::MAX)
    }
}

impl Default for LwipPbufs {
    fn default() -> LwipPbufs {
        LwipPbufs::new()
    }
}

/// A chain's payloads, head first.
pub struct LwipChain<'a> {
    next: *mut CPbuf,
    _store: PhantomData<&'a LwipPbufs>,
}

impl<'a> Iterator for LwipChain<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let q = self.next;
        if q.is_null() {
            return None;
        }
        // SAFETY: contract (1), (2) and (3): `q` is a live pbuf of the
        // chain, its payload `len` readable bytes, nothing writes them
        // while the store is borrowed for 'a.
        unsafe {
            self.next = (*q).next;
            Some(bytes((*q).payload, (*q).len))
        }
    }
}

impl PbufStore for LwipPbufs {
    type Pbuf = PbufPtr;
    type Rom = RomPtr;

    const EMPTY: LwipPbufs = LwipPbufs::new();

    /// Nothing: lwIP's `lwip_init()` initialised its heap and pools with
    /// its own build's sizes (see the module docs).
    fn init(&mut self, _cfg: &Config) {}

    fn pbuf_alloc(&mut self, layer: u16, length: u16, ty: PbufType) -> Option<PbufPtr> {
        if ty == PbufType::Pool && usize::from(layer) >= self.pool_bufsize() {
            return None;
        }
        // SAFETY: pbuf_alloc takes any layer, length and a valid
        // pbuf_type; it returns NULL or a new pbuf (chain) with one
        // reference.
        handle(unsafe { pbuf_alloc(u32::from(layer), length, type_code(ty)) })
    }

    fn set_rom(&mut self, p: PbufPtr, at: RomPtr) {
        if matches!(self.pbuf_type(p), PbufType::Rom | PbufType::Ref) {
            // SAFETY: contract (1); a ROM/REF pbuf's payload is the
            // application's pointer (`((struct pbuf_rom *)p)->payload =`),
            // which contract (2) makes the application's promise.
            unsafe { (*as_raw(p)).payload = at.0.cast_mut().cast() };
        }
    }

    fn rom_ref(&self, p: PbufPtr) -> Option<RomPtr> {
        if !matches!(self.pbuf_type(p), PbufType::Rom | PbufType::Ref) {
            return None;
        }
        // SAFETY: contract (1); reads the field.
        Some(RomPtr(unsafe { (*as_raw(p)).payload }.cast_const().cast()))
    }

    fn pbuf_free(&mut self, p: PbufPtr) -> u8 {
        // SAFETY: contract (1): a live pbuf whose reference the caller
        // gives up.
        unsafe { pbuf_free(as_raw(p)) }
    }

    fn illegal_free(&self) -> Option<tcp_rust::mem::IllegalFree> {
        // lwIP's own mem_free checks and asserts.
        None
    }

    fn pbuf_ref(&mut self, p: PbufPtr) {
        // SAFETY: contract (1).
        unsafe { pbuf_ref(as_raw(p)) }
    }

    fn pbuf_clen(&self, p: PbufPtr) -> u16 {
        // SAFETY: contract (1): walks a chain of live pbufs.
        unsafe { pbuf_clen(as_raw(p)) }
    }

    fn pbuf_cat(&mut self, h: PbufPtr, t: PbufPtr) {
        // SAFETY: contract (1) for both; the caller passes on its
        // reference to `t` (the trait's pbuf_cat).
        unsafe { pbuf_cat(as_raw(h), as_raw(t)) }
    }

    fn pbuf_split_64k(&mut self, p: PbufPtr) -> Option<PbufPtr> {
        let mut rest: *mut CPbuf = ptr::null_mut();
        // SAFETY: contract (1); pbuf_split_64k relinks and rewrites the
        // tot_len of the chain's own pbufs and writes `rest`, a local.
        unsafe { pbuf_split_64k(as_raw(p), &raw mut rest) };
        handle(rest)
    }

    /// lwIP's `pbuf_realloc`; always `Ok` (see the module docs).
    fn pbuf_realloc(&mut self, p: PbufPtr, new_len: u16) -> Result<(), &'static str> {
        // SAFETY: contract (1); pbuf_realloc shrinks within the chain,
        // frees the pbufs behind the new end and trims a RAM pbuf's block.
        unsafe { pbuf_realloc(as_raw(p), new_len) };
        Ok(())
    }

    fn pbuf_add_header(&mut self, p: PbufPtr, n: u16) -> bool {
        // SAFETY: contract (1); pbuf_add_header moves the payload back
        // only into the pbuf's own header room (RAM/POOL) and refuses
        // ROM/REF.
        unsafe { pbuf_add_header(as_raw(p), usize::from(n)) == 0 }
    }

    fn pbuf_remove_header(&mut self, p: PbufPtr, n: u16) -> bool {
        // SAFETY: contract (1); pbuf_remove_header refuses n > len.
        unsafe { pbuf_remove_header(as_raw(p), usize::from(n)) == 0 }
    }

    /// lwIP's `pbuf_copy_partial`, `len` being `dst.len()` (at most
    /// 65535: a chain holds no more). `_rom` is unused: a ROM/REF payload
    /// is the application's pointer itself.
    fn pbuf_copy_partial<R: RomStore>(
        &self,
        _rom: &R,
        p: PbufPtr,
        dst: &mut [u8],
        offset: u16,
    ) -> u16 {
        let len = u16::try_from(dst.len()).unwrap_or(u16::MAX);
        // SAFETY: contract (1) and (2) for the chain read; pbuf_copy_partial
        // writes at most `len` bytes at `dst`, which has that many.
        unsafe { pbuf_copy_partial(as_raw(p), dst.as_mut_ptr().cast::<c_void>(), len, offset) }
    }

    /// lwIP's `pbuf_take` for a chain of RAM/POOL pbufs. For a chain that
    /// holds ROM/REF pbufs, the same walk here, writing none of their
    /// bytes (see the module docs).
    fn pbuf_take(&mut self, p: PbufPtr, src: &[u8]) -> bool {
        let Ok(len) = u16::try_from(src.len()) else {
            return false;
        };
        if !self.has_app_payload(p) {
            // SAFETY: contract (1): a chain of live RAM/POOL pbufs, each
            // payload `len` writable bytes of its own buffer; pbuf_take
            // reads `len` bytes of `src` and writes no more than tot_len.
            return unsafe { pbuf_take(as_raw(p), src.as_ptr().cast::<c_void>(), len) } == 0;
        }
        if self.tot_len(p) < len {
            return false;
        }
        let mut rest = src;
        let mut cur = Some(p);
        while let Some(q) = cur {
            if rest.is_empty() {
                break;
            }
            let n = usize::from(self.len(q)).min(rest.len());
            let (head, tail) = rest.split_at(n);
            if let Some(d) = self.payload_mut(q).get_mut(..n) {
                d.copy_from_slice(head);
            }
            rest = tail;
            cur = self.next(q);
        }
        true
    }

    #[inline]
    fn next(&self, p: PbufPtr) -> Option<PbufPtr> {
        // SAFETY: contract (1); reads the field.
        handle(unsafe { (*as_raw(p)).next })
    }

    #[inline]
    fn len(&self, p: PbufPtr) -> u16 {
        // SAFETY: contract (1); reads the field.
        unsafe { (*as_raw(p)).len }
    }

    /// Sets `p->len`. The caller keeps it within the pbuf's buffer
    /// (contract (1)), as lwIP's TCP does.
    #[inline]
    fn set_len(&mut self, p: PbufPtr, len: u16) {
        // SAFETY: contract (1); writes the field.
        unsafe { (*as_raw(p)).len = len }
    }

    #[inline]
    fn tot_len(&self, p: PbufPtr) -> u16 {
        // SAFETY: contract (1); reads the field.
        unsafe { (*as_raw(p)).tot_len }
    }

    #[inline]
    fn set_tot_len(&mut self, p: PbufPtr, tot_len: u16) {
        // SAFETY: contract (1); writes the field.
        unsafe { (*as_raw(p)).tot_len = tot_len }
    }

    #[inline]
    fn flags(&self, p: PbufPtr) -> u8 {
        // SAFETY: contract (1); reads the field.
        unsafe { (*as_raw(p)).flags }
    }

    /// Sets `p->flags`, all but `PBUF_FLAG_IS_CUSTOM`, which stays as
    /// lwIP set it (see the module docs). lwIP's TCP only ever ORs in
    /// `PBUF_FLAG_PUSH` and `PBUF_FLAG_TCP_FIN`.
    #[inline]
    fn set_flags(&mut self, p: PbufPtr, flags: u8) {
        let q = as_raw(p);
        // SAFETY: contract (1); reads and writes the field.
        unsafe {
            (*q).flags = (flags & !PBUF_FLAG_IS_CUSTOM) | ((*q).flags & PBUF_FLAG_IS_CUSTOM);
        }
    }

    #[inline]
    fn refcount(&self, p: PbufPtr) -> u8 {
        // SAFETY: contract (1); reads the field.
        unsafe { (*as_raw(p)).ref_ }
    }

    #[inline]
    fn pbuf_type(&self, p: PbufPtr) -> PbufType {
        // SAFETY: contract (1); reads the field.
        type_of(unsafe { (*as_raw(p)).type_internal })
    }

    /// `p->payload`, `p->len` bytes (a ROM/REF pbuf's are the
    /// application's; `_rom` is unused).
    fn payload<'a, R: RomStore>(&'a self, _rom: &'a R, p: PbufPtr) -> &'a [u8] {
        let q = as_raw(p);
        // SAFETY: contract (1), (2), (3): `len` readable bytes at
        // `payload`, unchanged while the store is borrowed.
        unsafe { bytes((*q).payload, (*q).len) }
    }

    fn payload_mut(&mut self, p: PbufPtr) -> &mut [u8] {
        let q = as_raw(p);
        // SAFETY: contract (1); reads the fields.
        let (ti, payload, len) = unsafe { ((*q).type_internal, (*q).payload, (*q).len) };
        if !matches!(type_of(ti), PbufType::Ram | PbufType::Pool) || payload.is_null() || len == 0 {
            return &mut [];
        }
        // SAFETY: contract (1): a RAM/POOL payload is `len` bytes of the
        // pbuf's own buffer; contract (3) and `&mut self`: no other slice
        // of this store is alive.
        unsafe { core::slice::from_raw_parts_mut(payload.cast::<u8>(), usize::from(len)) }
    }

    fn chain<'a, R: RomStore>(
        &'a self,
        _rom: &'a R,
        p: PbufPtr,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        LwipChain {
            next: as_raw(p),
            _store: PhantomData,
        }
    }

    fn memp_pbuf_used(&self) -> u16 {
        // SAFETY: memp.c's exported descriptor, a constant object.
        LwipPbufs::memp_used(unsafe { &memp_PBUF })
    }

    fn pool_used(&self) -> u16 {
        // SAFETY: memp.c's exported descriptor, a constant object.
        LwipPbufs::memp_used(unsafe { &memp_PBUF_POOL })
    }

    fn rom_slice<R: RomStore>(_rom: &R, at: RomPtr, len: usize) -> &[u8] {
        if at.0.is_null() || len == 0 {
            return &[];
        }
        // SAFETY: contract (2): the application keeps `len` bytes at `at`
        // readable and unchanged while its reference is queued.
        unsafe { core::slice::from_raw_parts(at.0, len) }
    }

    fn rom_at(at: RomPtr, by: u16) -> RomPtr {
        RomPtr(at.0.wrapping_add(usize::from(by)))
    }

    /// `lwip_stats.mem.used`.
    // mem_size_t is u16_t or u32_t, by build.
    #[allow(clippy::useless_conversion)]
    fn heap_used(&self) -> u32 {
        // SAFETY: stats.c's `lwip_stats`, whose prefix StatsPrefix mirrors
        // (tests/pbuf_layout.rs); read by value, no reference kept.
        u32::from(unsafe { ptr::read(&raw const lwip_stats.mem.used) })
    }

    /// `lwip_stats.mem.max`.
    #[allow(clippy::useless_conversion)]
    fn heap_max(&self) -> u32 {
        // SAFETY: as heap_used.
        u32::from(unsafe { ptr::read(&raw const lwip_stats.mem.max) })
    }

    /// `lwip_stats.mem.err` (a 16-bit counter in lwIP: wraps at 65536).
    fn heap_errors(&self) -> u32 {
        // SAFETY: as heap_used.
        u32::from(unsafe { ptr::read(&raw const lwip_stats.mem.err) })
    }
}
