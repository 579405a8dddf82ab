//! The core's storage over lwIP's own pools and tcp.c's globals:
//! [`LwipStorage`] implements [`tcp_rust::storage::Storage`] with the C
//! layout ([`CLayout`]) and lwIP's pbufs ([`LwipPbufs`]), so that the
//! core's `TcpPcb`, `TcpPcbListen` and `TcpSeg` are lwIP's `struct
//! tcp_pcb`, `struct tcp_pcb_listen` and `struct tcp_seg` in lwIP's
//! `memp` pools, linked by C pointers, and its lists and clocks are the C
//! globals tcp.c defines, which this module exports under lwIP's names.
//!
//! # The build this is written for
//!
//! The build description ([`crate::opts`]) gives the TCP pools' `memp_t`
//! values (`MEMP_TCP_PCB`, `_LISTEN`, `_SEG`: memp_std.h's order, which
//! depends on the options), their sizes (`MEMP_NUM_TCP_PCB`, ...),
//! `MEMP_SIZE` (0 without `MEMP_OVERFLOW_CHECK`: an element starts the
//! pool's slot) and `MEM_ALIGNMENT` (an element's size is its structure's
//! rounded up to it). For lwIP's unit-test build: 1, 2, 3; 5, 8 and 40;
//! 0; 1. `tests/storage_pools.rs` checks these against the host C compiler
//! for that build, ci/lwip-lib against the target's for every build. At
//! run time [`Storage::memp_init`] also compares them with
//! memp.c's descriptors (`memp_TCP_PCB` etc.) and refuses a pool that
//! differs.
//!
//! # Allocation and names
//!
//! Elements come from lwIP's `memp_malloc(MEMP_TCP_PCB)` (and
//! `_LISTEN`, `_SEG`) and go back with `memp_free`; the counts
//! ([`Storage::memp_used`]) are memp's statistics (`used` of the pool's
//! `struct stats_mem`, through its descriptor). A profile's `limit`
//! (`MEMP_NUM_*` of its [`tcp_rust::Config`]) below the pool's size is
//! honoured: an allocation with `limit` elements in use fails without
//! asking memp (and without counting an error in memp's statistics, which
//! memp would).
//!
//! A reference ([`PcbPtr`], [`LpcbPtr`], [`SegPtr`]) is the element's C
//! pointer. Where it is an element of its pool is arithmetic on the pool's
//! geometry ([`PoolGeometry`]: the first element, the stride, the count):
//! [`LwipStorage::pcb_from_c`], [`LwipStorage::lpcb_from_c`] and
//! [`LwipStorage::seg_from_c`] turn a raw pointer from C into a reference
//! only if it is one (docs/drop-in.md, "References the C side hands the
//! core"); `pcb_index`/`pcb_at` convert between an element and its index.
//!
//! memp has no generations, so this storage keeps, per pcb and listen pcb
//! slot, whether it handed the element out and a generation (one counter
//! for both pools, as the port's `Pools`), and per segment slot whether it
//! is in use. What that detects: a handle to a pcb the core freed
//! (`pcb_alive` false), a reuse of the element (a new generation), a
//! double free through the storage (refused; a debug build asserts). What
//! it does not detect: C code that frees an element with `memp_free`
//! itself (the storage still counts it as in use, so a stale handle stays
//! "alive" and the element may be handed out by memp again while the
//! storage believes it is the old one), or that allocates one with
//! `memp_malloc` and hands it to the core (the storage never handed it
//! out: its handle is never alive, and the storage refuses to free it).
//! lwIP's TCP does neither; its unit tests use `tcp_new`.
//!
//! # One owner
//!
//! lwIP's pools and tcp.c's globals exist once per process. A storage
//! works on them only after its [`Storage::memp_init`] has claimed them (an
//! atomic flag; dropping the storage releases it), so at most one storage
//! at a time reads or writes them. A storage without the claim
//! ([`Storage::EMPTY`], or one whose `memp_init` found them claimed or the
//! pools not as this module expects) allocates nothing, reads its lists
//! as empty and its clocks as 0, ignores writes to them, and its element
//! accessors return spare elements of its own. On claiming, `memp_init`
//! clears the globals (the lists NULL, `tcp_ticks` 0), as a new stack has
//! them; it does not run lwIP's `memp_init` (lwIP's `lwip_init()` did: a
//! second run would forget every element lwIP's other modules hold), so
//! elements a previous owner left allocated stay allocated.
//!
//! # Safety contract
//!
//! The [`Storage`] methods are safe; they return `&`/`&mut` references
//! into lwIP's pool memory. This is sound because:
//!
//! 1. **Only pool elements are dereferenced.** Every reference a method
//!    takes is checked to be an element of its pool (in range, on an
//!    element boundary) before it is dereferenced; any other reference
//!    (one built from any pointer: the types' fields are public) makes the
//!    accessor return the storage's spare element instead (the trait
//!    allows "any element"; a debug build asserts). The pool's elements
//!    are properly aligned for the Rust structures (checked when the pool
//!    is claimed) and every bit pattern is a valid value of them (plain
//!    integers, raw and nullable C pointers, nullable function pointers).
//! 2. **Exclusive access.** At most one storage holds the claim, and it
//!    hands out references only through `&self`/`&mut self`, so Rust's
//!    borrow rules order its own accesses. lwIP is single-threaded (one
//!    thread, or the tcpip thread, runs all of lwIP's core, as lwIP
//!    requires), and no C code runs while a reference from this storage
//!    lives: the core calls C only through the pbuf store (`pbuf.c`, which
//!    touches no TCP structure synchronously: `PBUF_POOL_FREE_OOSEQ` defers
//!    `tcp_free_ooseq` to a callback), through the hooks, and through the
//!    application callbacks, which it makes with `&mut Tcp` handed over
//!    (`call_app`), so no reference into the storage survives into a
//!    callback. The C side writes structure fields and globals only
//!    between calls into the core, or from those callbacks.
//! 3. **The C side keeps the structures consistent.** Between calls, the
//!    C side may write any field (lwIP's tests do), but a link (`next`,
//!    `unsent`, `unacked`, `ooseq`, `listener`, the list heads) holds NULL
//!    or an element of the right pool, a segment's `p` and a pcb's
//!    `refused_data` NULL or a live pbuf ([`crate::pbuf`]'s contract), and
//!    a segment's `tcphdr` NULL or a pointer into its first pbuf. Links are
//!    not checked when read; they are checked, as any reference, when the
//!    core dereferences them (point 1), so a wrong link gives wrong
//!    behaviour, never a reference outside the pools.
//! 4. **Segment headers.** [`Storage::seg_seqno`] and its siblings read
//!    and write the 20-byte `struct tcp_hdr` at the segment's `tcphdr` by
//!    raw pointer, after checking that it lies within the segment's first
//!    pbuf, a pbuf whose data follows its `struct pbuf` (`PBUF_RAM` or
//!    `PBUF_POOL`): between the end of the `struct pbuf` and the end of its
//!    payload (`payload + len`); where it does not, or `tcphdr` or `p` is
//!    NULL, they read 0 and ignore the write (the core always sets
//!    `tcphdr` from `p`'s payload: `tcp_create_segment`, `tcp_input`).
//!    What the storage cannot check: that the core holds no slice of that
//!    pbuf's payload ([`tcp_rust::pbuf::PbufStore::payload`]) while it
//!    reads or writes the header through the storage; the core reads and
//!    writes the two in separate statements (`tcp_output_segment` reads the
//!    sequence number and flags before it borrows the payload), and a
//!    change that overlapped them would be unsound here.
//!
//! # tcp.c's globals
//!
//! This module exports, with `#[unsafe(no_mangle)]` and lwIP's types,
//! `tcp_bound_pcbs`, `tcp_active_pcbs`, `tcp_tw_pcbs` (`struct tcp_pcb *`),
//! `tcp_listen_pcbs` (`union tcp_listen_pcbs_t`), `tcp_ticks` (`u32_t`),
//! `tcp_active_pcbs_changed` (`u8_t`), `tcp_input_pcb` and
//! `tcp_pcb_lists` (`struct tcp_pcb ** const [4]`: `&tcp_listen_pcbs.pcbs`,
//! `&tcp_bound_pcbs`, `&tcp_active_pcbs`, `&tcp_tw_pcbs`, tcp.c's order).
//! The storage reads and writes them one value at a time through raw
//! pointers; no reference to them is ever made.

use core::ffi::c_void;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, Ordering};

use tcp_rust::storage::{IpAddrRepr, NullValue, Pool, StateRepr, Storage};
use tcp_rust::{Err, List, Netif, TcpPcb, TcpPcbListen, TcpSeg};

use crate::ip;
use crate::layout::{
    AcceptFnPtr, CLayout, CState, CallbackArg, IpAddrT, LpcbPtr, NetifPtr, PbufPtr, PcbPtr, SegPtr,
    TcpHdrPtr,
};
use crate::pbuf::{CPbuf, LwipPbufs, MempDesc, PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS, as_raw};

pub use crate::opts::{
    MEM_ALIGNMENT, MEMP_SIZE, MEMP_TCP_PCB, MEMP_TCP_PCB_LISTEN, MEMP_TCP_SEG, MempT,
    lwip_mem_align_size,
};
/// `MEMP_NUM_TCP_PCB` of this build ([`crate::opts`]).
pub const MEMP_NUM_TCP_PCB: usize = crate::opts::CONFIG.memp_num_tcp_pcb as usize;
/// `MEMP_NUM_TCP_PCB_LISTEN`.
pub const MEMP_NUM_TCP_PCB_LISTEN: usize = crate::opts::CONFIG.memp_num_tcp_pcb_listen as usize;
/// `MEMP_NUM_TCP_SEG`.
pub const MEMP_NUM_TCP_SEG: usize = crate::opts::CONFIG.memp_num_tcp_seg as usize;
/// The distance between two `MEMP_TCP_PCB` elements: `MEMP_SIZE +
/// MEMP_ALIGN_SIZE(sizeof(struct tcp_pcb))`.
pub const PCB_STRIDE: usize = MEMP_SIZE + lwip_mem_align_size(size_of::<TcpPcb<CLayout>>());
/// The same for `MEMP_TCP_PCB_LISTEN`.
pub const LPCB_STRIDE: usize = MEMP_SIZE + lwip_mem_align_size(size_of::<TcpPcbListen<CLayout>>());
/// The same for `MEMP_TCP_SEG`.
pub const SEG_STRIDE: usize = MEMP_SIZE + lwip_mem_align_size(size_of::<TcpSeg<CLayout>>());
/// `sizeof(struct tcp_hdr)` (`TCP_HLEN`).
pub const TCP_HLEN: usize = 20;
/// `TCP_FLAGS` (prot/tcp.h): the flag bits of `_hdrlen_rsvd_flags`.
pub const TCP_FLAGS: u16 = 0x3f;
/// Offset of `seqno` in `struct tcp_hdr`.
const HDR_SEQNO: usize = 4;
/// Offset of `_hdrlen_rsvd_flags` in `struct tcp_hdr`.
const HDR_FLAGS: usize = 12;

unsafe extern "C" {
    /// timeouts.c (or the application's, without `LWIP_TIMERS`).
    fn tcp_timer_needed();
    fn memp_malloc(ty: MempT) -> *mut c_void;
    fn memp_free(ty: MempT, mem: *mut c_void);
    /// memp.c's descriptor of `MEMP_TCP_PCB` (`LWIP_MEMPOOL_DECLARE`): a
    /// constant object.
    static memp_TCP_PCB: MempDesc;
    /// memp.c's descriptor of `MEMP_TCP_PCB_LISTEN`.
    static memp_TCP_PCB_LISTEN: MempDesc;
    /// memp.c's descriptor of `MEMP_TCP_SEG`.
    static memp_TCP_SEG: MempDesc;
}

/// The descriptor of pool `pool`.
fn desc(pool: Pool) -> &'static MempDesc {
    // SAFETY: memp.c's descriptors are `const struct memp_desc` objects
    // that live for the program and are never written: a shared reference
    // to one is sound.
    unsafe {
        match pool {
            Pool::TcpPcb => &memp_TCP_PCB,
            Pool::TcpPcbListen => &memp_TCP_PCB_LISTEN,
            Pool::TcpSeg => &memp_TCP_SEG,
        }
    }
}

/// Where a pool's elements are: memp.c's arithmetic on its descriptor
/// (`memp_init_pool`: the first element at `LWIP_MEM_ALIGN(base) +
/// MEMP_SIZE`, the next `MEMP_SIZE + size` bytes on, `num` of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGeometry {
    /// The first element (C's pointer, with its provenance).
    pub first: *mut u8,
    /// Bytes from one element to the next.
    pub stride: usize,
    /// Elements.
    pub num: usize,
}

impl PoolGeometry {
    /// Pool `pool`'s geometry, from memp.c's descriptor.
    pub fn of(pool: Pool) -> PoolGeometry {
        let d = desc(pool);
        let base = d.base;
        // LWIP_MEM_ALIGN(base): up to the next multiple of MEM_ALIGNMENT.
        let addr = base as usize;
        let pad = addr.next_multiple_of(MEM_ALIGNMENT) - addr;
        PoolGeometry {
            first: base.wrapping_add(pad + MEMP_SIZE),
            stride: MEMP_SIZE + usize::from(d.size),
            num: usize::from(d.num),
        }
    }

    /// The index of the element at `p`, if `p` is one.
    pub fn index_of(&self, p: *const c_void) -> Option<usize> {
        let off = (p as usize).checked_sub(self.first as usize)?;
        if self.stride == 0 || !off.is_multiple_of(self.stride) {
            return None;
        }
        let i = off / self.stride;
        (i < self.num).then_some(i)
    }

    /// The element at index `i` (None out of range).
    pub fn element(&self, i: usize) -> Option<NonNull<c_void>> {
        if i >= self.num {
            return None;
        }
        NonNull::new(self.first.wrapping_add(i * self.stride).cast())
    }
}

/// The index of the element at `p` in `pool`, with the stride and count
/// this module was written for (checked against the pool when claimed).
#[inline]
fn index_in<const STRIDE: usize, const NUM: usize>(pool: Pool, p: *const c_void) -> Option<usize> {
    let first = PoolGeometry::of(pool).first as usize;
    let off = (p as usize).checked_sub(first)?;
    if !off.is_multiple_of(STRIDE) {
        return None;
    }
    let i = off / STRIDE;
    (i < NUM).then_some(i)
}

/// Whether pool `pool` is what this module expects: `num` elements of
/// `stride` bytes, the first aligned for a Rust structure of alignment
/// `align` (and so every one: `stride` is a multiple of it).
fn pool_fits(pool: Pool, stride: usize, num: usize, align: usize) -> bool {
    let g = PoolGeometry::of(pool);
    g.stride == stride
        && g.num == num
        && stride.is_multiple_of(align)
        && (g.first as usize).is_multiple_of(align)
}

/// Whether some storage holds lwIP's pools and tcp.c's globals (see "One
/// owner" in the module docs).
static CLAIMED: AtomicBool = AtomicBool::new(false);

// ---- tcp.c's globals, exported -------------------------------------------

/// tcp.c's `struct tcp_pcb *tcp_bound_pcbs`.
#[unsafe(no_mangle)]
pub static mut tcp_bound_pcbs: *mut c_void = ptr::null_mut();
/// tcp.c's `struct tcp_pcb *tcp_active_pcbs`.
#[unsafe(no_mangle)]
pub static mut tcp_active_pcbs: *mut c_void = ptr::null_mut();
/// tcp.c's `struct tcp_pcb *tcp_tw_pcbs`.
#[unsafe(no_mangle)]
pub static mut tcp_tw_pcbs: *mut c_void = ptr::null_mut();
/// tcp_in.c's `struct tcp_pcb *tcp_input_pcb`.
#[unsafe(no_mangle)]
pub static mut tcp_input_pcb: *mut c_void = ptr::null_mut();
/// tcp.c's `u32_t tcp_ticks`.
#[unsafe(no_mangle)]
pub static mut tcp_ticks: u32 = 0;
/// tcp.c's `u8_t tcp_active_pcbs_changed`.
#[unsafe(no_mangle)]
pub static mut tcp_active_pcbs_changed: u8 = 0;

/// tcp_priv.h's `union tcp_listen_pcbs_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union TcpListenPcbsT {
    /// `struct tcp_pcb_listen *listen_pcbs`.
    pub listen_pcbs: *mut c_void,
    /// `struct tcp_pcb *pcbs`.
    pub pcbs: *mut c_void,
}

/// tcp.c's `union tcp_listen_pcbs_t tcp_listen_pcbs`.
#[unsafe(no_mangle)]
pub static mut tcp_listen_pcbs: TcpListenPcbsT = TcpListenPcbsT {
    listen_pcbs: ptr::null_mut(),
};

/// One entry of `tcp_pcb_lists`: `struct tcp_pcb **`, the address of a
/// list head.
#[repr(transparent)]
#[derive(Debug)]
pub struct PcbListHead(pub *mut *mut c_void);

// SAFETY: the entries are constant addresses of the list heads; sharing
// the addresses between threads is harmless (who reads or writes a head
// through one is bound by lwIP's single-threading, as for the heads).
unsafe impl Sync for PcbListHead {}

/// tcp.c's `struct tcp_pcb ** const tcp_pcb_lists[]`: the listen list (as
/// `tcp_listen_pcbs.pcbs`), bound, active, TIME_WAIT.
#[unsafe(no_mangle)]
pub static tcp_pcb_lists: [PcbListHead; 4] = [
    PcbListHead((&raw mut tcp_listen_pcbs).cast::<*mut c_void>()),
    PcbListHead(&raw mut tcp_bound_pcbs),
    PcbListHead(&raw mut tcp_active_pcbs),
    PcbListHead(&raw mut tcp_tw_pcbs),
];

/// The head of connection list `l`.
fn list_head(l: List) -> *mut *mut c_void {
    match l {
        List::Bound => &raw mut tcp_bound_pcbs,
        List::Active => &raw mut tcp_active_pcbs,
        List::TimeWait => &raw mut tcp_tw_pcbs,
    }
}

// ---- the storage ------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Slot {
    used: bool,
    generation: u32,
}

const FREE: Slot = Slot {
    used: false,
    generation: 0,
};

/// The core's storage over lwIP's pools and tcp.c's globals (see the
/// module docs).
#[derive(Debug)]
pub struct LwipStorage {
    /// This storage holds the claim ([`CLAIMED`]) and the pools fit.
    ready: bool,
    next_gen: u32,
    pcbs: [Slot; MEMP_NUM_TCP_PCB],
    lpcbs: [Slot; MEMP_NUM_TCP_PCB_LISTEN],
    segs: [bool; MEMP_NUM_TCP_SEG],
    /// What an accessor returns for a reference that is not an element.
    spare_pcb: TcpPcb<CLayout>,
    spare_lpcb: TcpPcbListen<CLayout>,
    spare_seg: TcpSeg<CLayout>,
}

/// A zeroed `struct tcp_pcb_listen`.
const LPCB_ZERO: TcpPcbListen<CLayout> = TcpPcbListen {
    local_ip: IpAddrT::ANY,
    remote_ip: IpAddrT::ANY,
    netif_idx: 0,
    so_options: 0,
    tos: 0,
    ttl: 0,
    next: None,
    callback_arg: CallbackArg::NULL,
    state: CState::CLOSED,
    prio: 0,
    local_port: 0,
    accept: AcceptFnPtr::NULL,
    backlog: NullValue::NULL,
    accepts_pending: NullValue::NULL,
};

/// A zeroed `struct tcp_seg`.
const SEG_ZERO: TcpSeg<CLayout> = TcpSeg {
    next: None,
    p: None,
    len: 0,
    oversize_left: NullValue::NULL,
    chksum: NullValue::NULL,
    chksum_swapped: NullValue::NULL,
    flags: 0,
    tcphdr: TcpHdrPtr::NULL,
};

impl Drop for LwipStorage {
    /// Releases the claim on lwIP's pools and globals, if held.
    fn drop(&mut self) {
        if self.ready {
            CLAIMED.store(false, Ordering::Release);
        }
    }
}

impl LwipStorage {
    /// Whether this storage holds lwIP's pools and globals.
    pub fn is_claimed(&self) -> bool {
        self.ready
    }

    /// `p` as a pcb reference, if it is an element of `MEMP_TCP_PCB` (and
    /// this storage holds the pools): the check for a `struct tcp_pcb *`
    /// the C side hands the core. Whether the pcb is in use is not checked
    /// ([`Storage::pcb_alive`] tells, for a handle).
    pub fn pcb_from_c(&self, p: *mut c_void) -> Option<PcbPtr> {
        if !self.ready {
            return None;
        }
        index_in::<PCB_STRIDE, MEMP_NUM_TCP_PCB>(Pool::TcpPcb, p)?;
        NonNull::new(p).map(PcbPtr)
    }

    /// As [`LwipStorage::pcb_from_c`], for `MEMP_TCP_PCB_LISTEN`.
    pub fn lpcb_from_c(&self, p: *mut c_void) -> Option<LpcbPtr> {
        if !self.ready {
            return None;
        }
        index_in::<LPCB_STRIDE, MEMP_NUM_TCP_PCB_LISTEN>(Pool::TcpPcbListen, p)?;
        NonNull::new(p).map(LpcbPtr)
    }

    /// As [`LwipStorage::pcb_from_c`], for `MEMP_TCP_SEG`.
    pub fn seg_from_c(&self, p: *mut c_void) -> Option<SegPtr> {
        if !self.ready {
            return None;
        }
        index_in::<SEG_STRIDE, MEMP_NUM_TCP_SEG>(Pool::TcpSeg, p)?;
        NonNull::new(p).map(SegPtr)
    }

    fn pcb_slot(&self, r: PcbPtr) -> Option<usize> {
        if !self.ready {
            return None;
        }
        index_in::<PCB_STRIDE, MEMP_NUM_TCP_PCB>(Pool::TcpPcb, r.0.as_ptr())
    }

    fn lpcb_slot(&self, r: LpcbPtr) -> Option<usize> {
        if !self.ready {
            return None;
        }
        index_in::<LPCB_STRIDE, MEMP_NUM_TCP_PCB_LISTEN>(Pool::TcpPcbListen, r.0.as_ptr())
    }

    fn seg_slot(&self, r: SegPtr) -> Option<usize> {
        if !self.ready {
            return None;
        }
        index_in::<SEG_STRIDE, MEMP_NUM_TCP_SEG>(Pool::TcpSeg, r.0.as_ptr())
    }

    fn next_generation(&mut self) -> u32 {
        self.next_gen = self.next_gen.wrapping_add(1);
        self.next_gen
    }

    /// Where segment `r`'s `struct tcp_hdr` is, if it lies in the
    /// segment's first pbuf (safety contract, point 4).
    fn hdr(&self, r: SegPtr) -> Option<*mut u8> {
        let s = self.seg(r);
        let (h, p) = (s.tcphdr.0?, s.p?);
        let q = as_raw(p);
        // SAFETY: the segment's `p` is a live pbuf (contract, point 3, and
        // crate::pbuf's contract (1)); only its fields are read.
        let (ti, payload, len) = unsafe { ((*q).type_internal, (*q).payload, (*q).len) };
        if ti & PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS == 0 {
            return None;
        }
        let start = (q as usize).checked_add(size_of::<CPbuf>())?;
        let end = (payload as usize).checked_add(usize::from(len))?;
        let at = h.as_ptr() as usize;
        (at >= start && at.checked_add(TCP_HLEN)? <= end).then_some(h.as_ptr().cast::<u8>())
    }

    fn read_hdr<const N: usize>(&self, r: SegPtr, at: usize) -> Option<[u8; N]> {
        let h = self.hdr(r)?;
        // SAFETY: `h` is the start of TCP_HLEN bytes within the buffer of
        // a live pbuf (hdr's check), and `at + N` is within TCP_HLEN; no
        // reference to those bytes is alive (contract, points 2 and 4).
        Some(unsafe { ptr::read_unaligned(h.add(at).cast::<[u8; N]>()) })
    }

    fn write_hdr<const N: usize>(&mut self, r: SegPtr, at: usize, v: [u8; N]) {
        if let Some(h) = self.hdr(r) {
            // SAFETY: as read_hdr; the bytes are the pbuf's own buffer
            // (PBUF_RAM or PBUF_POOL), writable.
            unsafe { ptr::write_unaligned(h.add(at).cast::<[u8; N]>(), v) }
        }
    }
}

/// A connection-list pointer read from C, as a reference.
#[inline]
fn pcb_link(p: *mut c_void) -> Option<PcbPtr> {
    NonNull::new(p).map(PcbPtr)
}

impl Storage for LwipStorage {
    type Layout = CLayout;
    type Pbufs = LwipPbufs;
    const PORT_PBUFS: bool = false;
    const EMPTY: LwipStorage = LwipStorage {
        ready: false,
        next_gen: 0,
        pcbs: [FREE; MEMP_NUM_TCP_PCB],
        lpcbs: [FREE; MEMP_NUM_TCP_PCB_LISTEN],
        segs: [false; MEMP_NUM_TCP_SEG],
        spare_pcb: TcpPcb::ZERO,
        spare_lpcb: LPCB_ZERO,
        spare_seg: SEG_ZERO,
    };
    const MAX_PCBS: usize = MEMP_NUM_TCP_PCB;
    const MAX_LISTEN_PCBS: usize = MEMP_NUM_TCP_PCB_LISTEN;
    const MAX_SEGS: usize = MEMP_NUM_TCP_SEG;

    /// Claims lwIP's pools and globals (if not yet held and the pools are
    /// as this module expects), clears the globals on claiming, and marks
    /// every slot free (see the module docs: lwIP's own `memp_init` is not
    /// run).
    fn memp_init(&mut self) {
        if !self.ready {
            let fits = pool_fits(
                Pool::TcpPcb,
                PCB_STRIDE,
                MEMP_NUM_TCP_PCB,
                align_of::<TcpPcb<CLayout>>(),
            ) && pool_fits(
                Pool::TcpPcbListen,
                LPCB_STRIDE,
                MEMP_NUM_TCP_PCB_LISTEN,
                align_of::<TcpPcbListen<CLayout>>(),
            ) && pool_fits(
                Pool::TcpSeg,
                SEG_STRIDE,
                MEMP_NUM_TCP_SEG,
                align_of::<TcpSeg<CLayout>>(),
            );
            if !fits
                || CLAIMED
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
            {
                return;
            }
            self.ready = true;
            for l in [List::Bound, List::Active, List::TimeWait] {
                self.set_list(l, None);
            }
            self.set_listen_pcbs(None);
            self.set_input_pcb(None);
            self.set_tcp_ticks(0);
            self.set_active_pcbs_changed(false);
        }
        for s in &mut self.pcbs {
            s.used = false;
        }
        for s in &mut self.lpcbs {
            s.used = false;
        }
        self.segs = [false; MEMP_NUM_TCP_SEG];
    }

    /// `used` of the pool's memp statistics (`MEMP_STATS`).
    fn memp_used(&self, pool: Pool) -> usize {
        let stats = desc(pool).stats;
        if stats.is_null() {
            return 0;
        }
        // SAFETY: a descriptor's `stats` points at its pool's `struct
        // stats_mem` (memp.c, `MEMP_STATS`), a static object; read by
        // value, no reference kept.
        let used = unsafe { ptr::read(&raw const (*stats).used) };
        // mem_size_t is u16_t or u32_t: either fits usize on lwIP's targets.
        used as usize
    }

    fn alloc_pcb(&mut self, limit: usize) -> Option<PcbPtr> {
        if !self.ready || self.memp_used(Pool::TcpPcb) >= limit {
            return None;
        }
        // SAFETY: memp_malloc takes any memp_t below MEMP_MAX and returns
        // NULL or an element of that pool no one else holds.
        let p = unsafe { memp_malloc(MEMP_TCP_PCB) };
        let r = pcb_link(p)?;
        let Some(i) = self.pcb_slot(r) else {
            debug_assert!(false, "memp_malloc(MEMP_TCP_PCB) outside the pool");
            return None;
        };
        let generation = self.next_generation();
        if let Some(s) = self.pcbs.get_mut(i) {
            debug_assert!(!s.used, "memp handed out a pcb in use");
            *s = Slot {
                used: true,
                generation,
            };
        }
        Some(r)
    }

    fn free_pcb(&mut self, r: PcbPtr) {
        let Some(s) = self.pcb_slot(r).and_then(|i| self.pcbs.get_mut(i)) else {
            debug_assert!(false, "free_pcb: not a pcb of the pool");
            return;
        };
        if !s.used {
            debug_assert!(false, "free_pcb: not in use (double free?)");
            return;
        }
        s.used = false;
        // SAFETY: `r` is an element of MEMP_TCP_PCB that this storage got
        // from memp_malloc and has not freed since.
        unsafe { memp_free(MEMP_TCP_PCB, r.0.as_ptr()) }
    }

    fn alloc_lpcb(&mut self, limit: usize) -> Option<LpcbPtr> {
        if !self.ready || self.memp_used(Pool::TcpPcbListen) >= limit {
            return None;
        }
        // SAFETY: as alloc_pcb.
        let p = unsafe { memp_malloc(MEMP_TCP_PCB_LISTEN) };
        let r = NonNull::new(p).map(LpcbPtr)?;
        let Some(i) = self.lpcb_slot(r) else {
            debug_assert!(false, "memp_malloc(MEMP_TCP_PCB_LISTEN) outside the pool");
            return None;
        };
        let generation = self.next_generation();
        if let Some(s) = self.lpcbs.get_mut(i) {
            debug_assert!(!s.used, "memp handed out a listen pcb in use");
            *s = Slot {
                used: true,
                generation,
            };
        }
        Some(r)
    }

    fn free_lpcb(&mut self, r: LpcbPtr) {
        let Some(s) = self.lpcb_slot(r).and_then(|i| self.lpcbs.get_mut(i)) else {
            debug_assert!(false, "free_lpcb: not a listen pcb of the pool");
            return;
        };
        if !s.used {
            debug_assert!(false, "free_lpcb: not in use (double free?)");
            return;
        }
        s.used = false;
        // SAFETY: as free_pcb, for MEMP_TCP_PCB_LISTEN.
        unsafe { memp_free(MEMP_TCP_PCB_LISTEN, r.0.as_ptr()) }
    }

    fn alloc_seg(&mut self, limit: usize) -> Option<SegPtr> {
        if !self.ready || self.memp_used(Pool::TcpSeg) >= limit {
            return None;
        }
        // SAFETY: as alloc_pcb.
        let p = unsafe { memp_malloc(MEMP_TCP_SEG) };
        let r = NonNull::new(p).map(SegPtr)?;
        let Some(i) = self.seg_slot(r) else {
            debug_assert!(false, "memp_malloc(MEMP_TCP_SEG) outside the pool");
            return None;
        };
        if let Some(s) = self.segs.get_mut(i) {
            debug_assert!(!*s, "memp handed out a segment in use");
            *s = true;
        }
        Some(r)
    }

    fn free_seg(&mut self, r: SegPtr) {
        let Some(s) = self.seg_slot(r).and_then(|i| self.segs.get_mut(i)) else {
            debug_assert!(false, "free_seg: not a segment of the pool");
            return;
        };
        if !*s {
            debug_assert!(false, "free_seg: not in use (double free?)");
            return;
        }
        *s = false;
        // SAFETY: as free_pcb, for MEMP_TCP_SEG.
        unsafe { memp_free(MEMP_TCP_SEG, r.0.as_ptr()) }
    }

    fn pcb(&self, r: PcbPtr) -> &TcpPcb<CLayout> {
        if self.pcb_slot(r).is_none() {
            debug_assert!(false, "pcb: not an element of MEMP_TCP_PCB");
            return &self.spare_pcb;
        }
        // SAFETY: an element of the pool this storage holds, aligned
        // (checked when claimed), any bytes a valid TcpPcb<CLayout>;
        // shared for the borrow of `self` (contract, points 1 and 2).
        unsafe { &*r.0.as_ptr().cast::<TcpPcb<CLayout>>() }
    }

    fn pcb_mut(&mut self, r: PcbPtr) -> &mut TcpPcb<CLayout> {
        if self.pcb_slot(r).is_none() {
            debug_assert!(false, "pcb_mut: not an element of MEMP_TCP_PCB");
            return &mut self.spare_pcb;
        }
        // SAFETY: as pcb; exclusive for the borrow of `self`, which is
        // the only storage holding the pools (contract, point 2).
        unsafe { &mut *r.0.as_ptr().cast::<TcpPcb<CLayout>>() }
    }

    fn lpcb(&self, r: LpcbPtr) -> &TcpPcbListen<CLayout> {
        if self.lpcb_slot(r).is_none() {
            debug_assert!(false, "lpcb: not an element of MEMP_TCP_PCB_LISTEN");
            return &self.spare_lpcb;
        }
        // SAFETY: as pcb, for MEMP_TCP_PCB_LISTEN.
        unsafe { &*r.0.as_ptr().cast::<TcpPcbListen<CLayout>>() }
    }

    fn lpcb_mut(&mut self, r: LpcbPtr) -> &mut TcpPcbListen<CLayout> {
        if self.lpcb_slot(r).is_none() {
            debug_assert!(false, "lpcb_mut: not an element of MEMP_TCP_PCB_LISTEN");
            return &mut self.spare_lpcb;
        }
        // SAFETY: as pcb_mut, for MEMP_TCP_PCB_LISTEN.
        unsafe { &mut *r.0.as_ptr().cast::<TcpPcbListen<CLayout>>() }
    }

    fn seg(&self, r: SegPtr) -> &TcpSeg<CLayout> {
        if self.seg_slot(r).is_none() {
            debug_assert!(false, "seg: not an element of MEMP_TCP_SEG");
            return &self.spare_seg;
        }
        // SAFETY: as pcb, for MEMP_TCP_SEG.
        unsafe { &*r.0.as_ptr().cast::<TcpSeg<CLayout>>() }
    }

    fn seg_mut(&mut self, r: SegPtr) -> &mut TcpSeg<CLayout> {
        if self.seg_slot(r).is_none() {
            debug_assert!(false, "seg_mut: not an element of MEMP_TCP_SEG");
            return &mut self.spare_seg;
        }
        // SAFETY: as pcb_mut, for MEMP_TCP_SEG.
        unsafe { &mut *r.0.as_ptr().cast::<TcpSeg<CLayout>>() }
    }

    /// `lwip_ntohl(seg->tcphdr->seqno)`; 0 where the header is not in the
    /// segment's first pbuf (contract, point 4).
    fn seg_seqno(&self, r: SegPtr) -> u32 {
        self.read_hdr::<4>(r, HDR_SEQNO)
            .map_or(0, u32::from_be_bytes)
    }

    /// `seg->tcphdr->seqno = lwip_htonl(v)`; ignored where the header is
    /// not in the segment's first pbuf.
    fn seg_set_seqno(&mut self, r: SegPtr, v: u32) {
        self.write_hdr(r, HDR_SEQNO, v.to_be_bytes());
    }

    /// A received segment's `seg->tcphdr->seqno`, which lwIP's tcp_input
    /// turned to host byte order in place (`tcphdr->seqno = seqno =
    /// lwip_ntohl(tcphdr->seqno)`); 0 where the header is not in the
    /// segment's first pbuf.
    fn in_seg_seqno(&self, r: SegPtr) -> u32 {
        self.read_hdr::<4>(r, HDR_SEQNO)
            .map_or(0, u32::from_ne_bytes)
    }

    /// `seg->tcphdr->seqno = v` in host order (a received segment's:
    /// tcp_receive's `inseg.tcphdr->seqno = seqno`).
    fn in_seg_set_seqno(&mut self, r: SegPtr, v: u32) {
        self.write_hdr(r, HDR_SEQNO, v.to_ne_bytes());
    }

    /// `TCPH_FLAGS(seg->tcphdr)`: the low six bits (`TCP_FLAGS`) of
    /// `_hdrlen_rsvd_flags`; 0 where the header is not in the segment's
    /// first pbuf.
    fn seg_hdr_flags(&self, r: SegPtr) -> u8 {
        self.read_hdr::<2>(r, HDR_FLAGS)
            .map_or(0, |b| (u16::from_be_bytes(b) & TCP_FLAGS) as u8)
    }

    /// `TCPH_FLAGS_SET(seg->tcphdr, flags)`: the header length and the
    /// bits above `TCP_FLAGS` kept, `flags` ORed in (unmasked, as lwIP's
    /// macro does); ignored where the header is not in the segment's first
    /// pbuf.
    fn seg_set_hdr_flags(&mut self, r: SegPtr, flags: u8) {
        if let Some(b) = self.read_hdr::<2>(r, HDR_FLAGS) {
            let v = (u16::from_be_bytes(b) & !TCP_FLAGS) | u16::from(flags);
            self.write_hdr(r, HDR_FLAGS, v.to_be_bytes());
        }
    }

    /// lwIP's netifs are lwIP's application's (`netif_add`): the port's
    /// netif description is not used.
    fn netif_reset(&mut self, _: Netif) {}

    fn port_netif(&self) -> Option<Netif> {
        None
    }

    fn ip_route(&self, src: &IpAddrT, dest: &IpAddrT) -> Option<NetifPtr> {
        ip::ip_route(src, dest)
    }

    fn ip_netif_get_local_ip(&self, n: NetifPtr, dest: &IpAddrT) -> Option<IpAddrT> {
        ip::local_ip(n, dest)
    }

    fn netif_get_by_index(&self, idx: u8) -> Option<NetifPtr> {
        ip::get_by_index(idx)
    }

    fn netif_index(&self, n: NetifPtr) -> u8 {
        ip::index(n)
    }

    fn netif_mtu(&self, n: NetifPtr) -> u16 {
        ip::mtu(n)
    }

    fn netif_ip4(&self, n: NetifPtr) -> [u8; 4] {
        ip::ip4_addr(n)
    }

    /// lwIP's `netif_set_ipaddr` stores its netif's address itself (and
    /// calls `tcp_netif_ip_addr_changed`): nothing to store here.
    fn netif_set_ip4(&mut self, _: NetifPtr, _: [u8; 4]) {}

    /// lwIP's `ip6_input` checks the netif's addresses itself; the core
    /// asks only for the port's own netif.
    fn netif_ip6(&self, _: NetifPtr) -> Option<[u8; 16]> {
        None
    }

    /// lwIP's application sets its netifs' IPv6 addresses (netif.c).
    fn netif_set_ip6(&mut self, _: NetifPtr, _: [u8; 16]) {}

    fn ip4_addr_isbroadcast(&self, addr: [u8; 4], n: NetifPtr) -> bool {
        ip::isbroadcast(addr, n)
    }

    /// lwIP's `ip4_output_if`/`ip6_output_if`; `out` (the port's driver) is not called:
    /// lwIP's calls `n->output`.
    fn ip_output_if<F: FnOnce(&LwipPbufs, PbufPtr)>(
        &mut self,
        _: &mut LwipPbufs,
        p: PbufPtr,
        src: &IpAddrT,
        dest: &IpAddrT,
        ttl: u8,
        tos: u8,
        n: NetifPtr,
        _: F,
    ) -> Err {
        ip::output_if(p, src, dest, ttl, tos, n)
    }

    /// tcp_output_segment's `seg->p->payload = seg->tcphdr`, `len` and
    /// `tot_len` less by as much as the payload moves (the IP header
    /// lwIP's `ip4_output_if` left in front of it). Nothing moves where
    /// the header is not in the segment's first pbuf at or after the
    /// payload (contract, point 4).
    fn seg_payload_to_tcphdr(&mut self, _: &mut LwipPbufs, r: SegPtr) -> bool {
        let s = self.seg(r);
        let (Some(h), Some(p)) = (s.tcphdr.0, s.p) else {
            return false;
        };
        let q = as_raw(p);
        // SAFETY: the segment's `p` is a live pbuf (contract, point 3);
        // its fields are read.
        let (payload, len, tot_len) = unsafe { ((*q).payload, (*q).len, (*q).tot_len) };
        // lwIP's `len`: a u16_t, so a header before the payload (never:
        // the payload only moves back) or too far after it is not 0.
        let Some(by) = (h.as_ptr() as usize).checked_sub(payload as usize) else {
            return true;
        };
        let Ok(by) = u16::try_from(by) else {
            return true;
        };
        if by == 0 {
            return false;
        }
        if by > len || self.hdr(r).is_none() {
            return true;
        }
        // SAFETY: as above; the fields are written (no reference to the
        // pbuf is alive: contract, point 2), the new payload being the
        // header inside the same buffer (hdr's check).
        unsafe {
            (*q).len = len - by;
            (*q).tot_len = tot_len.wrapping_sub(by);
            (*q).payload = h.as_ptr();
        }
        true
    }

    /// `(struct tcp_hdr *)p->payload`.
    fn tcphdr_at(p: PbufPtr) -> TcpHdrPtr {
        // SAFETY: `p` is a live pbuf (crate::pbuf's contract (1)); reads
        // the field.
        TcpHdrPtr(NonNull::new(unsafe { (*as_raw(p)).payload }))
    }

    fn list(&self, l: List) -> Option<PcbPtr> {
        if !self.ready {
            return None;
        }
        // SAFETY: one of tcp.c's list heads (exported above), read by
        // value; this storage holds the globals and lwIP is
        // single-threaded (contract, point 2).
        pcb_link(unsafe { ptr::read(list_head(l)) })
    }

    fn set_list(&mut self, l: List, head: Option<PcbPtr>) {
        if self.ready {
            let v = head.map_or(ptr::null_mut(), |p| p.0.as_ptr());
            // SAFETY: as list; written by value.
            unsafe { ptr::write(list_head(l), v) }
        }
    }

    fn listen_pcbs(&self) -> Option<LpcbPtr> {
        if !self.ready {
            return None;
        }
        // SAFETY: as list; the union's members are both one pointer.
        NonNull::new(unsafe { ptr::read(&raw const tcp_listen_pcbs.listen_pcbs) }).map(LpcbPtr)
    }

    fn set_listen_pcbs(&mut self, head: Option<LpcbPtr>) {
        if self.ready {
            let v = head.map_or(ptr::null_mut(), |p| p.0.as_ptr());
            // SAFETY: as set_list.
            unsafe { ptr::write(&raw mut tcp_listen_pcbs.listen_pcbs, v) }
        }
    }

    fn tcp_ticks(&self) -> u32 {
        if !self.ready {
            return 0;
        }
        // SAFETY: as list.
        unsafe { ptr::read(&raw const tcp_ticks) }
    }

    fn set_tcp_ticks(&mut self, t: u32) {
        if self.ready {
            // SAFETY: as set_list.
            unsafe { ptr::write(&raw mut tcp_ticks, t) }
        }
    }

    fn active_pcbs_changed(&self) -> bool {
        if !self.ready {
            return false;
        }
        // SAFETY: as list.
        unsafe { ptr::read(&raw const tcp_active_pcbs_changed) != 0 }
    }

    fn set_active_pcbs_changed(&mut self, v: bool) {
        if self.ready {
            // SAFETY: as set_list.
            unsafe { ptr::write(&raw mut tcp_active_pcbs_changed, u8::from(v)) }
        }
    }

    /// `lwip_stats.tcp.<s>++` (stats.c's `lwip_stats`, at the build
    /// description's `TCP_STATS_OFFSET`: twelve `u16_t` counters). Out of
    /// line: 22 call sites (inlined, 446 B more on thumbv7em).
    #[inline(never)]
    fn tcp_stats_inc(&mut self, s: tcp_rust::storage::TcpStat) {
        if !self.ready {
            return;
        }
        let at = crate::pbuf::tcp_stats_counter(s as usize);
        // SAFETY: `at` points into stats.c's `lwip_stats` (a static
        // object), at one of `struct stats_proto tcp`'s u16_t counters
        // (ci/lwip-lib checks the offset); read and written by value,
        // single-threaded (lwIP's contract).
        unsafe { ptr::write(at, ptr::read(at).wrapping_add(1)) }
    }

    fn tcp_stats(&self) -> [u16; tcp_rust::storage::TCP_STATS_COUNTERS] {
        let mut out = [0; tcp_rust::storage::TCP_STATS_COUNTERS];
        for (k, o) in out.iter_mut().enumerate() {
            // SAFETY: as tcp_stats_inc; read by value.
            *o = unsafe { ptr::read(crate::pbuf::tcp_stats_counter(k)) };
        }
        out
    }

    /// Nothing: lwIP's `stats_init()` (in `lwip_init()`) zeroes
    /// `lwip_stats`; TCP does not.
    fn tcp_stats_init(&mut self) {}

    /// `lwip_stats.mib2.<c>++` (at the build description's
    /// `MIB2_TCP_OFFSET`; the core calls it only with `MIB2_STATS`). Out of
    /// line, as `tcp_stats_inc`.
    #[inline(never)]
    fn mib2_tcp_inc(&mut self, c: tcp_rust::storage::Mib2Tcp) {
        if !self.ready || !crate::opts::CONFIG.mib2_stats {
            return;
        }
        let at = crate::pbuf::mib2_tcp_counter(c as usize);
        // SAFETY: `at` points into stats.c's `lwip_stats`, at one of
        // `struct stats_mib2`'s TCP u32_t counters (MIB2_STATS is on, and
        // ci/lwip-lib checks the offset); read and written by value,
        // single-threaded (lwIP's contract).
        unsafe { ptr::write(at, ptr::read(at).wrapping_add(1)) }
    }

    fn mib2_tcp(&self) -> [u32; tcp_rust::storage::MIB2_TCP_COUNTERS] {
        let mut out = [0; tcp_rust::storage::MIB2_TCP_COUNTERS];
        if crate::opts::CONFIG.mib2_stats {
            for (k, o) in out.iter_mut().enumerate() {
                // SAFETY: as mib2_tcp_inc; read by value.
                *o = unsafe { ptr::read(crate::pbuf::mib2_tcp_counter(k)) };
            }
        }
        out
    }

    /// timeouts.c's `tcp_timer_needed()`.
    fn tcp_timer_needed(&mut self) {
        if self.ready {
            // SAFETY: a C function without arguments; it only schedules
            // lwIP's TCP timer (sys_timeout) and calls nothing of TCP's.
            unsafe { tcp_timer_needed() }
        }
    }

    fn input_pcb(&self) -> Option<PcbPtr> {
        if !self.ready {
            return None;
        }
        // SAFETY: as list.
        pcb_link(unsafe { ptr::read(&raw const tcp_input_pcb) })
    }

    fn set_input_pcb(&mut self, i: Option<PcbPtr>) {
        if self.ready {
            let v = i.map_or(ptr::null_mut(), |p| p.0.as_ptr());
            // SAFETY: as set_list.
            unsafe { ptr::write(&raw mut tcp_input_pcb, v) }
        }
    }

    fn pcb_index(&self, r: PcbPtr) -> u8 {
        let i = self.pcb_slot(r);
        debug_assert!(i.is_some(), "pcb_index: not an element of MEMP_TCP_PCB");
        i.map_or(0, |i| i as u8)
    }

    fn pcb_at(&self, idx: u8) -> Option<PcbPtr> {
        if !self.ready {
            return None;
        }
        PoolGeometry::of(Pool::TcpPcb)
            .element(usize::from(idx))
            .map(PcbPtr)
    }

    fn pcb_alive(&self, r: PcbPtr, generation: u32) -> bool {
        self.pcb_slot(r)
            .and_then(|i| self.pcbs.get(i))
            .is_some_and(|s| s.used && s.generation == generation)
    }

    fn pcb_generation(&self, r: PcbPtr) -> u32 {
        self.pcb_slot(r)
            .and_then(|i| self.pcbs.get(i))
            .map_or(0, |s| s.generation)
    }

    fn lpcb_index(&self, r: LpcbPtr) -> u8 {
        let i = self.lpcb_slot(r);
        debug_assert!(
            i.is_some(),
            "lpcb_index: not an element of MEMP_TCP_PCB_LISTEN"
        );
        i.map_or(0, |i| i as u8)
    }

    fn lpcb_at(&self, idx: u8) -> Option<LpcbPtr> {
        if !self.ready {
            return None;
        }
        PoolGeometry::of(Pool::TcpPcbListen)
            .element(usize::from(idx))
            .map(LpcbPtr)
    }

    fn lpcb_alive(&self, r: LpcbPtr, generation: u32) -> bool {
        self.lpcb_slot(r)
            .and_then(|i| self.lpcbs.get(i))
            .is_some_and(|s| s.used && s.generation == generation)
    }

    fn lpcb_generation(&self, r: LpcbPtr) -> u32 {
        self.lpcb_slot(r)
            .and_then(|i| self.lpcbs.get(i))
            .map_or(0, |s| s.generation)
    }
}
