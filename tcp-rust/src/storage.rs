//! Where the stack's pcbs, listen pcbs and segments live: lwIP's `memp`
//! pools for `MEMP_TCP_PCB`, `MEMP_TCP_PCB_LISTEN` and `MEMP_TCP_SEG`,
//! behind one trait.
//!
//! The TCP code names an element by its index in its pool (a `u8`, as
//! lwIP's pools are arrays of `MEMP_NUM_*` elements) and reaches it only
//! through [`Storage`]: allocation (`memp_malloc`), release (`memp_free`),
//! the element itself, and the pools' statistics. [`Pools`] is the port's
//! own storage, arrays inside the stack (for the harness, the fuzzers and
//! a Rust firmware); a build linked into lwIP implements the same trait
//! over lwIP's own `memp.c` pools (docs/drop-in.md), so that the TCP logic
//! exists once.
//!
//! A profile names its storage ([`crate::Profile::Storage`]); a profile
//! whose `MEMP_NUM_*` exceed the storage's capacities does not compile
//! ([`crate::config::checked`]).

use crate::stack::{TcpPcb, TcpPcbListen, TcpSeg};

/// lwIP's pools that hold TCP's structures (`memp_t`, memp_std.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// `MEMP_TCP_PCB`: `struct tcp_pcb`.
    TcpPcb,
    /// `MEMP_TCP_PCB_LISTEN`: `struct tcp_pcb_listen`.
    TcpPcbListen,
    /// `MEMP_TCP_SEG`: `struct tcp_seg`.
    TcpSeg,
}

/// lwIP's TCP pools, as the TCP code uses them. Indices are those
/// [`Storage::memp_malloc`] handed out and not yet freed; the element
/// accessors never panic on another (they may return any element), and a
/// debug build asserts.
pub trait Storage {
    /// Every pool empty and not yet initialised (before `memp_init`):
    /// nothing is handed out until [`Storage::memp_init`].
    const EMPTY: Self;
    /// Most elements of [`Pool::TcpPcb`] (a profile's `MEMP_NUM_TCP_PCB`
    /// may not exceed it).
    const MAX_PCBS: usize;
    /// Most elements of [`Pool::TcpPcbListen`].
    const MAX_LISTEN_PCBS: usize;
    /// Most elements of [`Pool::TcpSeg`].
    const MAX_SEGS: usize;

    /// `memp_init()`: every element free, allocation possible.
    fn memp_init(&mut self);
    /// `memp_malloc(pool)`, the pool holding `limit` elements (the
    /// profile's `MEMP_NUM_*`): the index of an element taken from it, its
    /// contents left as they were (as lwIP's), or None when all `limit`
    /// are in use or before `memp_init`.
    fn memp_malloc(&mut self, pool: Pool, limit: usize) -> Option<u8>;
    /// `memp_free(pool, element)`.
    fn memp_free(&mut self, pool: Pool, i: u8);
    /// `lwip_stats.memp[pool]->used`: elements in use.
    fn memp_used(&self, pool: Pool) -> usize;
    /// Whether element `i` is in use (false for an index out of range).
    fn in_use(&self, pool: Pool, i: u8) -> bool;
    /// A number that differs for every allocation of a connection or
    /// listen pcb, kept after the element is freed (the Rust API's handles
    /// carry it: a handle names the allocation, not the element).
    fn generation(&self, pool: Pool, i: u8) -> u32;

    /// The connection pcb at `i`.
    fn pcb(&self, i: u8) -> &TcpPcb;
    /// The connection pcb at `i`, to change.
    fn pcb_mut(&mut self, i: u8) -> &mut TcpPcb;
    /// The listen pcb at `i`.
    fn lpcb(&self, i: u8) -> &TcpPcbListen;
    /// The listen pcb at `i`, to change.
    fn lpcb_mut(&mut self, i: u8) -> &mut TcpPcbListen;
    /// The segment at `i`.
    fn seg(&self, i: u8) -> &TcpSeg;
    /// The segment at `i`, to change.
    fn seg_mut(&mut self, i: u8) -> &mut TcpSeg;
}

/// Capacity of the port's connection-pcb pool.
pub const MAX_PCBS: usize = 8;
/// Capacity of the port's listen-pcb pool.
pub const MAX_LISTEN_PCBS: usize = 8;
/// Capacity of the port's segment pool.
pub const MAX_SEGS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Slot<T: Copy> {
    used: bool,
    generation: u32,
    v: T,
}

/// The port's own pools: arrays of [`MAX_PCBS`], [`MAX_LISTEN_PCBS`] and
/// [`MAX_SEGS`] elements inside the stack, of which a profile uses the
/// first `MEMP_NUM_*`.
#[derive(Debug, Clone)]
pub struct Pools {
    ready: bool,
    next_gen: u32,
    pcbs: [Slot<TcpPcb>; MAX_PCBS],
    lpcbs: [Slot<TcpPcbListen>; MAX_LISTEN_PCBS],
    segs: [Slot<TcpSeg>; MAX_SEGS],
}

/// The array position of pool index `i` in a pool of `N` slots. Pool
/// indices come from the pool's allocator and from the lists that hold
/// what it handed out, so `i < N` always; `N` is a power of two and the
/// index is taken modulo it, which costs one AND and lets the compiler drop
/// the bounds check (the port never panics). An index out of range would
/// be a bug in the port: the debug assertion stops tests and fuzzing on it.
const fn slot<const N: usize>(i: u8) -> usize {
    const { assert!(N.is_power_of_two()) };
    debug_assert!((i as usize) < N, "pool index out of range");
    i as usize % N
}

/// `memp_malloc` on one of [`Pools`]' arrays: the lowest free slot among
/// the first `limit`, marked used, with its index; None before `memp_init`
/// (`ready`) or when all `limit` are in use. Slots in use are always among
/// the first `limit`, since each allocation takes the lowest free one.
fn take_free<T: Copy>(
    ready: bool,
    slots: &mut [Slot<T>],
    limit: usize,
) -> Option<(u8, &mut Slot<T>)> {
    if !ready {
        return None;
    }
    let (i, s) = slots
        .iter_mut()
        .take(limit)
        .enumerate()
        .find(|(_, s)| !s.used)?;
    let i = u8::try_from(i).ok()?;
    s.used = true;
    Some((i, s))
}

fn release<T: Copy>(slots: &mut [Slot<T>], i: u8) {
    if let Some(s) = slots.get_mut(usize::from(i)) {
        s.used = false;
    }
}

fn count_used<T: Copy>(slots: &[Slot<T>]) -> usize {
    slots.iter().filter(|s| s.used).count()
}

fn used_at<T: Copy>(slots: &[Slot<T>], i: u8) -> bool {
    slots.get(usize::from(i)).is_some_and(|s| s.used)
}

fn generation_at<T: Copy>(slots: &[Slot<T>], i: u8) -> u32 {
    slots.get(usize::from(i)).map_or(0, |s| s.generation)
}

impl Storage for Pools {
    const EMPTY: Pools = Pools {
        ready: false,
        next_gen: 0,
        pcbs: [Slot {
            used: false,
            generation: 0,
            v: TcpPcb::ZERO,
        }; MAX_PCBS],
        lpcbs: [Slot {
            used: false,
            generation: 0,
            v: TcpPcbListen::ZERO,
        }; MAX_LISTEN_PCBS],
        segs: [Slot {
            used: false,
            generation: 0,
            v: TcpSeg::ZERO,
        }; MAX_SEGS],
    };
    const MAX_PCBS: usize = MAX_PCBS;
    const MAX_LISTEN_PCBS: usize = MAX_LISTEN_PCBS;
    const MAX_SEGS: usize = MAX_SEGS;

    fn memp_init(&mut self) {
        for s in &mut self.pcbs {
            s.used = false;
        }
        for s in &mut self.lpcbs {
            s.used = false;
        }
        for s in &mut self.segs {
            s.used = false;
        }
        self.ready = true;
    }

    fn memp_malloc(&mut self, pool: Pool, limit: usize) -> Option<u8> {
        let (i, generation) = match pool {
            Pool::TcpPcb => {
                take_free(self.ready, &mut self.pcbs, limit).map(|(i, s)| (i, &mut s.generation))?
            }
            Pool::TcpPcbListen => take_free(self.ready, &mut self.lpcbs, limit)
                .map(|(i, s)| (i, &mut s.generation))?,
            Pool::TcpSeg => return take_free(self.ready, &mut self.segs, limit).map(|(i, _)| i),
        };
        self.next_gen = self.next_gen.wrapping_add(1);
        *generation = self.next_gen;
        Some(i)
    }

    fn memp_free(&mut self, pool: Pool, i: u8) {
        match pool {
            Pool::TcpPcb => release(&mut self.pcbs, i),
            Pool::TcpPcbListen => release(&mut self.lpcbs, i),
            Pool::TcpSeg => release(&mut self.segs, i),
        }
    }

    fn memp_used(&self, pool: Pool) -> usize {
        match pool {
            Pool::TcpPcb => count_used(&self.pcbs),
            Pool::TcpPcbListen => count_used(&self.lpcbs),
            Pool::TcpSeg => count_used(&self.segs),
        }
    }

    fn in_use(&self, pool: Pool, i: u8) -> bool {
        match pool {
            Pool::TcpPcb => used_at(&self.pcbs, i),
            Pool::TcpPcbListen => used_at(&self.lpcbs, i),
            Pool::TcpSeg => used_at(&self.segs, i),
        }
    }

    fn generation(&self, pool: Pool, i: u8) -> u32 {
        match pool {
            Pool::TcpPcb => generation_at(&self.pcbs, i),
            Pool::TcpPcbListen => generation_at(&self.lpcbs, i),
            Pool::TcpSeg => generation_at(&self.segs, i),
        }
    }

    fn pcb(&self, i: u8) -> &TcpPcb {
        &self.pcbs[slot::<MAX_PCBS>(i)].v
    }

    fn pcb_mut(&mut self, i: u8) -> &mut TcpPcb {
        &mut self.pcbs[slot::<MAX_PCBS>(i)].v
    }

    fn lpcb(&self, i: u8) -> &TcpPcbListen {
        &self.lpcbs[slot::<MAX_LISTEN_PCBS>(i)].v
    }

    fn lpcb_mut(&mut self, i: u8) -> &mut TcpPcbListen {
        &mut self.lpcbs[slot::<MAX_LISTEN_PCBS>(i)].v
    }

    fn seg(&self, i: u8) -> &TcpSeg {
        &self.segs[slot::<MAX_SEGS>(i)].v
    }

    fn seg_mut(&mut self, i: u8) -> &mut TcpSeg {
        &mut self.segs[slot::<MAX_SEGS>(i)].v
    }
}
