//! Port of lwIP's heap (mem.c, the default build: `MEM_LIBC_MALLOC`,
//! `MEM_USE_POOLS`, `MEM_CUSTOM_ALLOCATOR` and `MEM_OVERFLOW_CHECK` all 0)
//! and of the size arithmetic of `pbuf_alloc(layer, length, PBUF_RAM)`
//! (pbuf.c).
//!
//! Every pbuf lwIP's TCP builds for output is a `PBUF_RAM` pbuf taken from
//! this heap of `MEM_SIZE` bytes: segment data in `tcp_write`, SYN/FIN in
//! `tcp_enqueue_flags`, the remainder in `tcp_split_unsent_seg`, and the
//! short-lived empty ACKs, RSTs, keepalives and zero-window probes. Which of
//! those allocations fail (`ERR_MEM` at the API, an ACK left for the fast
//! timer, a RST not sent) depends on the heap's first-fit layout, so the
//! port keeps that layout exactly: the block headers (`struct mem`) live at
//! the same offsets as in C, in a byte array standing for `ram_heap`, and
//! each block's data (a `struct pbuf` and its payload, see [`crate::pbuf`])
//! lives behind its header, as in C.
//!
//! Offsets are `mem_size_t`, which lwIP makes `u16_t` for `MEM_SIZE` up to
//! 64000; [`MEM_HEAP_CAP`] bounds the heap this port can model.
//!
//! No function here panics: out-of-range offsets read as a used block and
//! writes to them are dropped (they cannot occur for a heap built by
//! [`Heap::mem_init`]).

/// Largest `MEM_SIZE_ALIGNED` the port can model (the `full` profile's
/// `MEM_SIZE`). `Config::check` rejects a larger heap.
pub const MEM_HEAP_CAP: usize = 16384;

/// What `mem_free()` (mem.c) reports with `LWIP_MEM_ILLEGAL_FREE`, an
/// `LWIP_ASSERT` unless the build defines it otherwise; the heap is left
/// as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IllegalFree {
    /// "mem_free: illegal memory: double free": the block is not in use.
    DoubleFree,
    /// "mem_free: illegal memory: non-linked: double free": its
    /// neighbours do not link back to it (`mem_link_valid`).
    NonLinked,
}

impl IllegalFree {
    /// lwIP's assertion: its message and its place in mem.c.
    pub const fn assertion(self) -> &'static crate::stack::Assertion {
        use crate::stack::{Assertion, LwipFile};
        match self {
            IllegalFree::DoubleFree => &Assertion {
                msg: c"mem_free: illegal memory: double free",
                file: LwipFile::Mem,
                line: 639,
            },
            IllegalFree::NonLinked => &Assertion {
                msg: c"mem_free: illegal memory: non-linked: double free",
                file: LwipFile::Mem,
                line: 648,
            },
        }
    }
}

/// lwIP's `MIN_SIZE` (mem.c): the smallest block, before alignment.
pub const MIN_SIZE: u16 = 12;

/// `sizeof(struct mem)` with a 16-bit `mem_size_t`: `next`, `prev` (u16
/// each), `used` (u8), padded to the struct's 2-byte alignment.
const SIZEOF_STRUCT_MEM_RAW: u16 = 6;

/// Room for `ram_heap`: the heap, the `ram_end` header and alignment slack.
const RAM_BYTES: usize = MEM_HEAP_CAP + 2 * 16;

/// A block handed out by [`Heap::mem_malloc`]: the offset of its
/// `struct mem` in the heap (`mem_to_ptr(mem)`). C hands out the address
/// `SIZEOF_STRUCT_MEM` bytes further; the difference is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemPtr(pub u16);

/// lwIP's heap: `ram_heap`, `ram_end`, `lfree` and `lwip_stats.mem`.
#[derive(Clone)]
pub struct Heap {
    /// `ram_heap`: the `struct mem` headers at their offsets.
    ram: [u8; RAM_BYTES],
    /// `lfree`: offset of the lowest free block (or of `ram_end`).
    lfree: u16,
    /// `MEM_SIZE_ALIGNED`: offset of `ram_end`.
    size_aligned: u16,
    /// `SIZEOF_STRUCT_MEM`.
    sizeof_mem: u16,
    /// `MIN_SIZE_ALIGNED`.
    min_size_aligned: u16,
    /// `MEM_ALIGNMENT`.
    alignment: u16,
    /// `lwip_stats.mem.used`: bytes in use, headers included.
    used: u32,
    /// `lwip_stats.mem.max`.
    max: u32,
    /// `lwip_stats.mem.err`: failed allocations.
    err: u32,
}

/// `LWIP_MEM_ALIGN_SIZE(size)` for `alignment` (a power of two), in 32
/// bits as the C macro computes it before any narrowing cast.
const fn align_size(size: u32, alignment: u16) -> u32 {
    let a = alignment as u32;
    size.wrapping_add(a).wrapping_sub(1) & !a.wrapping_sub(1)
}

impl Heap {
    /// An empty heap, not yet initialised (every allocation fails until
    /// [`Heap::mem_init`]). All zero, so that a stack in a `static` lands
    /// in `.bss` and is built without a constant image.
    pub const EMPTY: Heap = Heap {
        ram: [0; RAM_BYTES],
        lfree: 0,
        size_aligned: 0,
        sizeof_mem: 0,
        min_size_aligned: 0,
        alignment: 0,
        used: 0,
        max: 0,
        err: 0,
    };

    /// `SIZEOF_STRUCT_MEM` for `alignment`: `LWIP_MEM_ALIGN_SIZE(sizeof(struct mem))`.
    pub const fn sizeof_struct_mem(alignment: u16) -> u16 {
        align_size(SIZEOF_STRUCT_MEM_RAW as u32, alignment) as u16
    }

    /// Whether a heap of `mem_size` bytes at `alignment` fits the port
    /// (`MEM_SIZE_ALIGNED <= MEM_HEAP_CAP`, alignment a power of two up to
    /// 16).
    pub const fn fits(mem_size: u32, alignment: u16) -> bool {
        alignment != 0
            && alignment.is_power_of_two()
            && alignment <= 16
            && align_size(mem_size, alignment) as usize <= MEM_HEAP_CAP
            && mem_size <= MEM_HEAP_CAP as u32
    }

    /// Port of `mem_init()` (mem.c): one free block spanning the heap,
    /// then the `ram_end` sentinel; statistics cleared as after
    /// `stats_init()`. A size the port cannot model leaves an empty heap.
    pub fn mem_init(&mut self, mem_size: u32, alignment: u16) {
        self.ram = [0; RAM_BYTES];
        self.used = 0;
        self.max = 0;
        self.err = 0;
        self.lfree = 0;
        self.size_aligned = 0;
        if !Heap::fits(mem_size, alignment) {
            return;
        }
        self.alignment = alignment;
        self.sizeof_mem = Heap::sizeof_struct_mem(alignment);
        self.min_size_aligned = align_size(u32::from(MIN_SIZE), alignment) as u16;
        let end = align_size(mem_size, alignment) as u16;
        self.size_aligned = end;
        // mem = ram: next = MEM_SIZE_ALIGNED, prev = 0, used = 0.
        self.set_next(0, end);
        self.set_prev(0, 0);
        self.set_used(0, false);
        // ram_end: used, linked to itself.
        self.set_used(end, true);
        self.set_next(end, end);
        self.set_prev(end, end);
        self.lfree = 0;
    }

    /// `SIZEOF_STRUCT_MEM` of this heap: a block's data starts this many
    /// bytes after its [`MemPtr`].
    pub const fn sizeof_mem(&self) -> u16 {
        self.sizeof_mem
    }

    /// `ram_heap` itself: headers and data.
    pub(crate) fn ram(&self) -> &[u8] {
        &self.ram
    }

    /// `ram_heap` itself, to write a block's data.
    pub(crate) fn ram_mut(&mut self) -> &mut [u8] {
        &mut self.ram
    }

    /// `lwip_stats.mem.used`.
    pub const fn used(&self) -> u32 {
        self.used
    }

    /// `lwip_stats.mem.max`.
    pub const fn max_used(&self) -> u32 {
        self.max
    }

    /// `lwip_stats.mem.err`.
    pub const fn errors(&self) -> u32 {
        self.err
    }

    // -- struct mem fields at an offset --------------------------------------

    fn next(&self, ptr: u16) -> u16 {
        let i = usize::from(ptr);
        match self.ram.get(i..i + 2) {
            Some(b) => u16::from_le_bytes([b[0], b[1]]),
            None => self.size_aligned,
        }
    }

    fn prev(&self, ptr: u16) -> u16 {
        let i = usize::from(ptr) + 2;
        match self.ram.get(i..i + 2) {
            Some(b) => u16::from_le_bytes([b[0], b[1]]),
            None => 0,
        }
    }

    fn is_used(&self, ptr: u16) -> bool {
        self.ram.get(usize::from(ptr) + 4).is_none_or(|u| *u != 0)
    }

    fn set_next(&mut self, ptr: u16, v: u16) {
        let i = usize::from(ptr);
        if let Some(b) = self.ram.get_mut(i..i + 2) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }

    fn set_prev(&mut self, ptr: u16, v: u16) {
        let i = usize::from(ptr) + 2;
        if let Some(b) = self.ram.get_mut(i..i + 2) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }

    fn set_used(&mut self, ptr: u16, used: bool) {
        if let Some(u) = self.ram.get_mut(usize::from(ptr) + 4) {
            *u = u8::from(used);
        }
    }

    /// A free `struct mem` at `ptr2`, linked between `ptr` and `next`
    /// (what mem_malloc's split and both branches of mem_trim write).
    fn link_free_block(&mut self, ptr: u16, ptr2: u16, next: u16) {
        self.set_used(ptr2, false);
        self.set_next(ptr2, next);
        self.set_prev(ptr2, ptr);
        self.set_next(ptr, ptr2);
        if next != self.size_aligned {
            self.set_prev(next, ptr2);
        }
    }

    fn stats_inc_used(&mut self, n: u32) {
        self.used = self.used.wrapping_add(n);
        self.max = self.max.max(self.used);
    }

    fn stats_dec_used(&mut self, n: u32) {
        self.used = self.used.wrapping_sub(n);
    }

    /// Port of `mem_malloc()` (mem.c): first fit from `lfree`, splitting
    /// the block when a header and `MIN_SIZE_ALIGNED` bytes fit behind the
    /// allocation. `None` (and `lwip_stats.mem.err` counted) when no free
    /// block is large enough; `None` without counting for size 0 or a size
    /// over the heap.
    pub fn mem_malloc(&mut self, size_in: u16) -> Option<MemPtr> {
        if size_in == 0 {
            return None;
        }
        // size = (mem_size_t)LWIP_MEM_ALIGN_SIZE(size_in), at least MIN_SIZE_ALIGNED.
        let mut size = align_size(u32::from(size_in), self.alignment) as u16;
        size = size.max(self.min_size_aligned);
        if size > self.size_aligned || size < size_in {
            return None;
        }
        let end = i32::from(self.size_aligned);
        let smem = i32::from(self.sizeof_mem);
        let sz = i32::from(size);
        let mut ptr = self.lfree;
        // `ptr < MEM_SIZE_ALIGNED - size`, in int as C promotes it.
        while i32::from(ptr) < end - sz {
            let next = self.next(ptr);
            let room = i32::from(next) - (i32::from(ptr) + smem);
            if !self.is_used(ptr) && room >= sz {
                if room >= sz + smem + i32::from(self.min_size_aligned) {
                    // Split: a free remainder block behind the allocation.
                    let ptr2 = (i32::from(ptr) + smem + sz) as u16;
                    self.link_free_block(ptr, ptr2, next);
                    self.set_used(ptr, true);
                    self.stats_inc_used((sz + smem) as u32);
                } else {
                    // Near or exact fit: the whole block.
                    self.set_used(ptr, true);
                    self.stats_inc_used(u32::from(next.wrapping_sub(ptr)));
                }
                if ptr == self.lfree {
                    // Find the next free block after it.
                    let mut cur = self.lfree;
                    while self.is_used(cur) && cur != self.size_aligned {
                        cur = self.next(cur);
                    }
                    self.lfree = cur;
                }
                return Some(MemPtr(ptr));
            }
            if next <= ptr {
                break; // a corrupt list cannot occur; never loop forever
            }
            ptr = next;
        }
        self.err = self.err.wrapping_add(1);
        None
    }

    /// Port of `mem_free()` (mem.c): marks the block free, lowers `lfree`
    /// and merges it with free neighbours (`plug_holes`). lwIP's checks
    /// come first, each an `LWIP_MEM_ILLEGAL_FREE` (an `LWIP_ASSERT` by
    /// default) that leaves the heap as it is: a block not in use, and a
    /// block whose links its neighbours do not return (`mem_link_valid`:
    /// what a write past the end of the block before it leaves behind).
    /// mem.c's first two checks, a pointer not aligned or not in the heap,
    /// cannot fail for a [`MemPtr`] (only `mem_malloc` makes them; a
    /// pbuf's block is where its `struct pbuf` is): one outside the heap
    /// is ignored.
    pub fn mem_free(&mut self, m: MemPtr) -> Result<(), IllegalFree> {
        let ptr = m.0;
        if ptr >= self.size_aligned {
            return Ok(());
        }
        if !self.is_used(ptr) {
            return Err(IllegalFree::DoubleFree);
        }
        if !self.mem_link_valid(ptr) {
            return Err(IllegalFree::NonLinked);
        }
        self.set_used(ptr, false);
        self.lfree = self.lfree.min(ptr);
        self.stats_dec_used(u32::from(self.next(ptr).wrapping_sub(ptr)));
        self.plug_holes(ptr);
        Ok(())
    }

    /// Port of `mem_link_valid()` (mem.c): the block's `next` and `prev`
    /// are inside the heap and its neighbours link back to it.
    fn mem_link_valid(&self, ptr: u16) -> bool {
        let end = self.size_aligned;
        let (next, prev) = (self.next(ptr), self.prev(ptr));
        // Read within the heap only (`ram` holds MEM_SIZE_ALIGNED and the
        // ram_end header): next and prev at most `end` here.
        next <= end
            && prev <= end
            && (prev == ptr || self.next(prev) == ptr)
            && (next == end || self.prev(next) == ptr)
    }

    /// Port of `plug_holes()` (mem.c).
    fn plug_holes(&mut self, mem: u16) {
        // Forward: merge with the next block if it is free and not ram_end.
        let nmem = self.next(mem);
        if mem != nmem && !self.is_used(nmem) && nmem != self.size_aligned {
            if self.lfree == nmem {
                self.lfree = mem;
            }
            let nn = self.next(nmem);
            self.set_next(mem, nn);
            if nn != self.size_aligned {
                self.set_prev(nn, mem);
            }
        }
        // Backward: merge into the previous block if it is free.
        let pmem = self.prev(mem);
        if pmem != mem && !self.is_used(pmem) {
            if self.lfree == mem {
                self.lfree = pmem;
            }
            let mn = self.next(mem);
            self.set_next(pmem, mn);
            if mn != self.size_aligned {
                self.set_prev(mn, pmem);
            }
        }
    }

    /// Port of `mem_trim()` (mem.c): shrinks a block to `new_size` data
    /// bytes, giving the tail back when a free block follows or a header
    /// and `MIN_SIZE_ALIGNED` bytes fit. A size lwIP rejects leaves the
    /// block as it is.
    ///
    /// `Err` carries the message of an `LWIP_ASSERT` mem.c fails:
    /// "mem_trim can only shrink memory" for a larger size, and "invalid
    /// next ptr" when the block is the last one before `ram_end` and a free
    /// block would fit behind it (lwIP asserts there although the split
    /// would be sound). The heap is unchanged then.
    pub fn mem_trim(&mut self, m: MemPtr, new_size: u16) -> Result<(), &'static str> {
        let ptr = m.0;
        let mut newsize = align_size(u32::from(new_size), self.alignment) as u16;
        newsize = newsize.max(self.min_size_aligned);
        if newsize > self.size_aligned || newsize < new_size || ptr >= self.size_aligned {
            return Ok(());
        }
        let smem = self.sizeof_mem;
        let next = self.next(ptr);
        let size = next.wrapping_sub(ptr).wrapping_sub(smem);
        if newsize > size {
            return Err("mem_trim can only shrink memory");
        }
        if newsize == size {
            return Ok(());
        }
        let mem2 = next;
        if !self.is_used(mem2) {
            // The next block is free: move its header down.
            let nn = self.next(mem2);
            let ptr2 = ptr + smem + newsize;
            if self.lfree == mem2 {
                self.lfree = ptr2;
            }
            self.link_free_block(ptr, ptr2, nn);
            self.stats_dec_used(u32::from(size - newsize));
        } else if u32::from(newsize) + u32::from(smem) + u32::from(self.min_size_aligned)
            <= u32::from(size)
        {
            // The next block is used, but a free block fits in the tail.
            if next == self.size_aligned {
                return Err("invalid next ptr");
            }
            let ptr2 = ptr + smem + newsize;
            self.lfree = self.lfree.min(ptr2);
            self.link_free_block(ptr, ptr2, next);
            self.stats_dec_used(u32::from(size - newsize));
        }
        Ok(())
    }

    /// The blocks, in address order: `(offset, data bytes, used)`, at most
    /// `out.len()` of them; returns how many were written.
    #[cfg(test)]
    pub fn blocks(&self, out: &mut [(u16, u16, bool)]) -> usize {
        let mut ptr = 0u16;
        let mut n = 0;
        while ptr < self.size_aligned && n < out.len() {
            let next = self.next(ptr);
            if let Some(o) = out.get_mut(n) {
                *o = (
                    ptr,
                    next.wrapping_sub(ptr).wrapping_sub(self.sizeof_mem),
                    self.is_used(ptr),
                );
            }
            n += 1;
            if next <= ptr {
                break;
            }
            ptr = next;
        }
        n
    }
}

/// `pbuf_alloc(layer, length, PBUF_RAM)`'s request to `mem_malloc`
/// (pbuf.c): `LWIP_MEM_ALIGN_SIZE(SIZEOF_STRUCT_PBUF) +
/// LWIP_MEM_ALIGN_SIZE(offset) + LWIP_MEM_ALIGN_SIZE(length)`, truncated to
/// `mem_size_t`; `None` where pbuf_alloc's overflow check (bug #50040)
/// returns NULL.
pub const fn pbuf_ram_alloc_len(
    sizeof_struct_pbuf: u16,
    alignment: u16,
    offset: u16,
    length: u16,
) -> Option<u16> {
    let len_aligned = align_size(length as u32, alignment);
    let payload_len = (align_size(offset as u32, alignment) + len_aligned) as u16;
    let alloc_len = (align_size(sizeof_struct_pbuf as u32, alignment) + payload_len as u32) as u16;
    if (payload_len as u32) < len_aligned || (alloc_len as u32) < len_aligned {
        None
    } else {
        Some(alloc_len)
    }
}

/// Where a `PBUF_RAM` pbuf's payload starts, from the start of its block's
/// data: `LWIP_MEM_ALIGN(p + SIZEOF_STRUCT_PBUF + offset) - p` (pbuf.c),
/// the block's data being aligned.
pub const fn pbuf_ram_payload_offset(sizeof_struct_pbuf: u16, alignment: u16, offset: u16) -> u16 {
    align_size(
        align_size(sizeof_struct_pbuf as u32, alignment) + offset as u32,
        alignment,
    ) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heap() -> Heap {
        let mut h = Heap::EMPTY;
        h.mem_init(16384, 8);
        h
    }

    fn layout(h: &Heap) -> std::vec::Vec<(u16, u16, bool)> {
        let mut b = [(0u16, 0u16, false); 64];
        let n = h.blocks(&mut b);
        b[..n].to_vec()
    }

    /// mem_free's checks (LWIP_MEM_ILLEGAL_FREE): a block freed twice,
    /// and a block whose successor's header was overwritten (a write past
    /// the end of the block before it, as lwIP's tcp_write makes with
    /// LWIP_NETIF_TX_SINGLE_PBUF: corpus/findings). The heap is unchanged
    /// by a refused free.
    #[test]
    fn mem_free_makes_lwips_checks() {
        let mut h = heap();
        let a = h.mem_malloc(16).unwrap();
        let b = h.mem_malloc(16).unwrap();
        assert_eq!(h.mem_free(a), Ok(()));
        let before = layout(&h);
        assert_eq!(h.mem_free(a), Err(IllegalFree::DoubleFree));
        assert_eq!(layout(&h), before);
        // Overwrite b's `prev` (bytes 2..4 of its header) as a write past
        // the end of the block before it would.
        let at = usize::from(b.0) + 2;
        h.ram_mut()[at..at + 2].copy_from_slice(&[0x55, 0x55]);
        assert_eq!(h.mem_free(b), Err(IllegalFree::NonLinked));
        assert_eq!(
            IllegalFree::NonLinked.assertion().message(),
            "mem_free: illegal memory: non-linked: double free"
        );
    }

    #[test]
    fn init_is_one_free_block() {
        let h = heap();
        assert_eq!(layout(&h), vec![(0, 16384 - 8, false)]);
        assert_eq!(h.used(), 0);
    }

    #[test]
    fn malloc_splits_and_counts_headers() {
        let mut h = heap();
        let a = h.mem_malloc(100).unwrap();
        assert_eq!(a, MemPtr(0));
        // 100 aligns to 104; header 8.
        assert_eq!(h.used(), 112);
        let b = h.mem_malloc(1).unwrap();
        assert_eq!(b, MemPtr(112));
        // MIN_SIZE_ALIGNED 16 + 8.
        assert_eq!(h.used(), 136);
        h.mem_free(a).unwrap();
        assert_eq!(h.used(), 24);
        // First fit reuses the hole.
        assert_eq!(h.mem_malloc(50), Some(MemPtr(0)));
    }

    #[test]
    fn near_fit_takes_the_whole_block() {
        let mut h = heap();
        let a = h.mem_malloc(100).unwrap(); // [0, 112)
        let _b = h.mem_malloc(100).unwrap(); // [112, 224)
        h.mem_free(a).unwrap();
        // 88 bytes fit in the 104-byte hole, but a header plus 16 bytes do
        // not fit behind them: the whole hole is taken and counted.
        let c = h.mem_malloc(88).unwrap();
        assert_eq!(c, MemPtr(0));
        assert_eq!(h.used(), 224);
    }

    #[test]
    fn free_merges_both_ways() {
        let mut h = heap();
        let a = h.mem_malloc(40).unwrap();
        let b = h.mem_malloc(40).unwrap();
        let c = h.mem_malloc(40).unwrap();
        h.mem_free(a).unwrap();
        h.mem_free(c).unwrap();
        h.mem_free(b).unwrap();
        assert_eq!(layout(&h), vec![(0, 16384 - 8, false)]);
        assert_eq!(h.used(), 0);
    }

    #[test]
    fn exhaustion_and_the_loop_bound() {
        let mut h = heap();
        // The scan stops at `ptr < MEM_SIZE_ALIGNED - size`: the whole heap
        // cannot be asked for, all but the header can.
        assert!(h.mem_malloc(16384).is_none());
        assert_eq!(h.errors(), 1);
        assert_eq!(h.mem_malloc(16384 - 8), Some(MemPtr(0)));
        assert_eq!(h.used(), 16384);
        assert!(h.mem_malloc(1).is_none());
        assert_eq!(h.errors(), 2);
        assert!(h.mem_malloc(0).is_none());
        assert_eq!(h.errors(), 2);
    }

    #[test]
    fn trim_gives_the_tail_back() {
        let mut h = heap();
        let a = h.mem_malloc(1000).unwrap();
        let b = h.mem_malloc(8).unwrap();
        // Next block used: a new free block fits in the tail.
        h.mem_trim(a, 500).unwrap();
        assert_eq!(
            layout(&h)[..3],
            [(0, 504, true), (512, 488, false), (1008, 16, true)]
        );
        assert_eq!(h.used(), 512 + 24);
        // Next block free: its header moves down.
        h.mem_free(b).unwrap();
        let a2 = h.mem_malloc(8).unwrap();
        assert_eq!(a2, MemPtr(512));
        h.mem_trim(MemPtr(0), 100).unwrap();
        assert_eq!(layout(&h)[..2], [(0, 104, true), (112, 392, false)]);
        // Next block free again: the header moves by 8.
        h.mem_trim(MemPtr(0), 90).unwrap();
        assert_eq!(layout(&h)[..2], [(0, 96, true), (104, 400, false)]);
    }

    #[test]
    fn trim_without_room_changes_nothing() {
        let mut h = heap();
        let x = h.mem_malloc(40).unwrap();
        let _y = h.mem_malloc(40).unwrap();
        let used = h.used();
        // 32 + header + 16 do not fit in 40: nothing to give back.
        h.mem_trim(x, 30).unwrap();
        assert_eq!(layout(&h)[..2], [(0, 40, true), (48, 40, true)]);
        assert_eq!(h.used(), used);
    }

    #[test]
    fn trimming_the_last_block_asserts_as_lwip_does() {
        let mut h = heap();
        let a = h.mem_malloc(16384 - 8).unwrap();
        assert_eq!(h.mem_trim(a, 100), Err("invalid next ptr"));
        assert_eq!(h.used(), 16384);
        assert_eq!(h.mem_trim(a, 16384), Err("mem_trim can only shrink memory"));
        // Less than a header and MIN_SIZE_ALIGNED to give back: no split,
        // no assertion.
        assert_eq!(h.mem_trim(a, 16384 - 8 - 16), Ok(()));
    }

    #[test]
    fn pbuf_sizes() {
        // 64-bit host: struct pbuf is 24 bytes; PBUF_TRANSPORT is 40.
        assert_eq!(pbuf_ram_alloc_len(24, 8, 40, 1460), Some(24 + 40 + 1464));
        assert_eq!(pbuf_ram_alloc_len(24, 8, 20, 20), Some(24 + 24 + 24));
        assert_eq!(pbuf_ram_alloc_len(24, 8, 40, 65535), None);
        // Only the total wraps: 40 + 65472 = 65512 fits, 24 + 65512 does
        // not (pbuf_alloc's second overflow check, bug #50040).
        assert_eq!(pbuf_ram_alloc_len(24, 8, 40, 65472), None);
        assert_eq!(pbuf_ram_alloc_len(24, 8, 40, 65464), Some(65528));
        assert_eq!(pbuf_ram_payload_offset(24, 8, 40), 64);
        assert_eq!(pbuf_ram_payload_offset(24, 8, 0), 24);
        assert_eq!(pbuf_ram_payload_offset(24, 8, 20), 48);
    }
}
