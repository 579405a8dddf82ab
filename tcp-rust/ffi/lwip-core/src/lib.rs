//! Test support: lwIP 2.2.1's non-TCP core, compiled from the pinned tree
//! with lwIP's unit-test options (test/unit/lwipopts.h, the unix port's
//! arch headers, test/unit's sys_arch.c), linked into the tests of the
//! C-ABI crate (`lwip-tcp-rust`) so that its storage runs over lwIP's real
//! `pbuf.c`, `mem.c` and `memp.c`.
//!
//! Only ever a dev-dependency: the C-ABI crate's library is linked into an
//! lwIP build that has these files already.
//!
//! What is compiled: build.rs lists it (`def.c`, `inet_chksum.c`, `mem.c`,
//! `memp.c`, `pbuf.c`, `stats.c`, `ip4_addr.c`, `ip6_addr.c`), plus
//! `c/standins.c`: weak, test-only definitions of `tcp_active_pcbs`
//! (empty), `tcp_free_ooseq` (asserts) and `tcpip_try_callback` (refuses,
//! as a full mailbox would), which `pbuf.c` references for
//! `PBUF_POOL_FREE_OOSEQ`. A real definition linked in beside them wins.
//!
//! lwIP's globals are the process's: every test that touches them holds
//! [`lock`], which also resets the heap, the pools and the statistics.

use std::collections::BTreeMap;
use std::ffi::{CStr, c_char, c_int, c_uint};
use std::sync::{Mutex, MutexGuard};

include!(concat!(env!("OUT_DIR"), "/lwip_dir.rs"));

#[repr(C)]
struct Fact {
    name: *const c_char,
    value: u64,
}

unsafe extern "C" {
    static lwip_core_facts: [Fact; 0];
    static lwip_core_fact_count: c_uint;
    static mut lwip_core_assert_fatal: c_int;
    static mut lwip_core_assert_count: c_uint;
    static mut lwip_core_assert_last: *const c_char;
    static mut lwip_core_tcpip_try_callback_calls: c_uint;
    /// mem.c's heap (`LWIP_DECLARE_MEMORY_ALIGNED(ram_heap, ...)`).
    static ram_heap: [u8; 0];
    fn lwip_core_reset();
    fn lwip_core_addr_of(name: *const c_char) -> *const std::ffi::c_void;
}

/// The C compiler's sizes, offsets and option values for this build
/// (c/support.c's table): `"pbuf.len"` is `offsetof(struct pbuf, len)`,
/// `"sizeof pbuf.len"` its size, `"MEM_SIZE"` the option.
pub fn facts() -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    // SAFETY: c/support.c defines lwip_core_facts with
    // lwip_core_fact_count elements, each name a string literal; both are
    // constant.
    unsafe {
        let base = (&raw const lwip_core_facts).cast::<Fact>();
        for i in 0..lwip_core_fact_count as usize {
            let f = &*base.add(i);
            let name = CStr::from_ptr(f.name).to_string_lossy().into_owned();
            m.insert(name, f.value);
        }
    }
    m
}

/// The address C code's reference to `name` resolves to in this link
/// (c/support.c's `lwip_core_addr_of`): `"tcp_active_pcbs"` (the weak
/// stand-in, or the definition that overrides it), `"memp_TCP_PCB"`,
/// `"memp_TCP_PCB_LISTEN"`, `"memp_TCP_SEG"` (memp.c's descriptors) and
/// `"memp_pools[MEMP_TCP_PCB]"` etc. (what `memp_malloc(type)` uses). NULL
/// for another name.
pub fn c_addr_of(name: &CStr) -> *const std::ffi::c_void {
    // SAFETY: `name` is a NUL-terminated string; the function compares it
    // and returns an address, touching nothing else.
    unsafe { lwip_core_addr_of(name.as_ptr()) }
}

static LOCK: Mutex<()> = Mutex::new(());

/// Exclusive use of lwIP's globals (heap, pools, statistics, the
/// assertion hook), reset on taking it. Dropping it restores fatal
/// assertions.
pub struct Lwip {
    _guard: MutexGuard<'static, ()>,
}

/// Takes lwIP's globals (waiting for any other test that holds them) and
/// resets them ([`Lwip::reset`]). A test that panicked while holding them
/// does not poison them: the reset makes them new.
pub fn lock() -> Lwip {
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let l = Lwip { _guard: guard };
    l.set_fatal_asserts(true);
    l.reset();
    l
}

impl Lwip {
    /// `lwip_stats` cleared, `stats_init()`, `mem_init()`, `memp_init()`:
    /// every pbuf, heap block and pool element free, statistics zero,
    /// assertion count zero. Pointers handed out before are dangling.
    pub fn reset(&self) {
        // SAFETY: the lock is held, so no other thread is inside lwIP; the
        // reset only writes lwIP's own globals.
        unsafe { lwip_core_reset() };
    }

    /// `true` (the default): an lwIP assertion prints and aborts the
    /// process, as in lwIP's unit-test runner. `false`: it is counted
    /// ([`Lwip::assert_count`], [`Lwip::last_assert`]) and lwIP goes on
    /// past it, so its state afterwards is what lwIP's code does after a
    /// failed assertion, which no real build reaches.
    pub fn set_fatal_asserts(&self, fatal: bool) {
        // SAFETY: the lock is held; a plain int the hook reads.
        unsafe { lwip_core_assert_fatal = c_int::from(fatal) };
    }

    /// Assertions failed since the last reset (non-fatal mode).
    pub fn assert_count(&self) -> u32 {
        // SAFETY: the lock is held; a plain counter.
        unsafe { lwip_core_assert_count }
    }

    /// The last failed assertion's message.
    pub fn last_assert(&self) -> Option<&'static str> {
        // SAFETY: the lock is held; the hook stores LWIP_ASSERT's message,
        // a string literal, or NULL.
        unsafe {
            let p = lwip_core_assert_last;
            (!p.is_null()).then(|| CStr::from_ptr(p).to_str().unwrap_or("(not UTF-8)"))
        }
    }

    /// How often pbuf.c asked the stand-in `tcpip_try_callback` to run
    /// `pbuf_free_ooseq_callback` (PBUF_POOL exhausted), over the
    /// process's life.
    pub fn tcpip_try_callback_calls(&self) -> u32 {
        // SAFETY: the lock is held; a plain counter.
        unsafe { lwip_core_tcpip_try_callback_calls }
    }

    /// mem.c's `ram_heap`: with `MEM_ALIGNMENT` 1 also `ram`, the start of
    /// the heap (a block's offset is its address less this).
    pub fn heap_base(&self) -> *const u8 {
        (&raw const ram_heap).cast::<u8>()
    }
}

impl Drop for Lwip {
    fn drop(&mut self) {
        self.set_fatal_asserts(true);
    }
}
