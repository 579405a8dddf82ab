//! Test support: lwIP 2.2.1's non-TCP core, compiled from the pinned tree
//! with lwIP's unit-test options (test/unit/lwipopts.h, the unix port's
//! arch headers, test/unit's sys_arch.c), linked into the tests of the
//! C-ABI crate (`lwip-tcp-rust`) so that its storage runs over lwIP's real
//! `pbuf.c`, `mem.c`, `memp.c`, IP layer and netifs.
//!
//! Only ever a dev-dependency: the C-ABI crate's library is linked into an
//! lwIP build that has these files already.
//!
//! What is compiled (build.rs lists it): as lwIP's unit-test runner does
//! (src/Filelists.mk), `COREFILES` without `tcp.c`, `tcp_in.c` and
//! `tcp_out.c` (`init.c`, `def.c`, `dns.c`, `inet_chksum.c`, `ip.c`,
//! `mem.c`, `memp.c`, `netif.c`, `pbuf.c`, `raw.c`, `stats.c`, `sys.c`,
//! `altcp*.c`, `timeouts.c`, `udp.c`), `CORE4FILES` (`acd.c`, `autoip.c`,
//! `dhcp.c`, `etharp.c`, `icmp.c`, `igmp.c`, `ip4_frag.c`, `ip4.c`,
//! `ip4_addr.c`), `CORE6FILES` (`dhcp6.c`, `ethip6.c`, `icmp6.c`,
//! `inet6.c`, `ip6.c`, `ip6_addr.c`, `ip6_frag.c`, `mld6.c`, `nd6.c`),
//! `netif/ethernet.c`, and test/unit's `sys_arch.c`. Not compiled: the
//! API files (netconn, sockets, `tcpip.c`), PPP, 6LoWPAN, the other
//! netif drivers, the apps. `ip4.c`, `netif.c` and `timeouts.c` are
//! compiled through wrappers (c/ip4_reset.c etc.: the file `#include`d as
//! it is, plus a function resetting its file-static state).
//!
//! # Stand-ins
//!
//! `c/standins.c` defines, weakly and for tests only, what those files
//! take from `tcp.c`/`tcp_in.c` and from files not compiled here; a real
//! definition linked in beside them wins (the C-ABI crate's exports):
//!
//! - `tcp_active_pcbs`, `tcp_tw_pcbs`: empty lists (pbuf.c, timeouts.c);
//! - `tcp_free_ooseq`: asserts (never called with no active pcbs);
//! - `tcp_input`: frees the segment and counts it
//!   ([`Lwip::tcp_input_calls`]) (ip4.c, ip6.c);
//! - `tcp_tmr`, `tcp_init`, `tcp_netif_ip_addr_changed`: do nothing
//!   (timeouts.c, init.c, netif.c);
//! - `tcpip_try_callback`: refuses, as a full mailbox would (pbuf.c's
//!   `PBUF_POOL_FREE_OOSEQ`, netif.c);
//! - `tcpip_input`: `ethernet_input` or `ip_input` at once, as tcpip.c's
//!   thread would later (netif.c's loopback netif);
//! - `ppp_init`: nothing (init.c; PPP is not compiled);
//! - `lwip_port_rand`: `rand()`, as lwIP's runner (lwip_unittests.c)
//!   defines it (udp.c, dns.c, dhcp.c, ... through `LWIP_RAND`).
//!
//! lwIP's globals are the process's: every test that touches them holds
//! [`lock`], which also resets the heap, the pools, the statistics, the
//! netif list and ip4.c's `ip_id` ([`Lwip::reset`]).

use std::collections::BTreeMap;
use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::ptr::NonNull;
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
    static mut lwip_core_tcp_input_calls: c_uint;
    /// mem.c's heap (`LWIP_DECLARE_MEMORY_ALIGNED(ram_heap, ...)`).
    static ram_heap: [u8; 0];
    fn lwip_core_reset();
    fn lwip_core_addr_of(name: *const c_char) -> *const std::ffi::c_void;
    fn lwip_core_netif_add(
        ip: u32,
        netmask: u32,
        gw: u32,
        mtu: u16,
        flags: u8,
        output: NetifOutputFn,
    ) -> *mut c_void;
    fn lwip_core_ip4_ip_id() -> u16;
    fn netif_set_default(netif: *mut c_void);
    fn netif_set_up(netif: *mut c_void);
    fn netif_set_link_up(netif: *mut c_void);
}

/// lwIP's `netif_output_fn`: `err_t (*)(struct netif *netif, struct pbuf
/// *p, const ip4_addr_t *ipaddr)`, a netif's IPv4 output (`netif->output`).
pub type NetifOutputFn =
    unsafe extern "C" fn(netif: *mut c_void, p: *mut c_void, ipaddr: *const c_void) -> i8;

/// A netif for [`Lwip::netif_add`]: addresses as their bytes (network
/// order, `[192, 168, 0, 1]`).
#[derive(Clone, Copy)]
pub struct NetifConfig {
    /// The IPv4 address.
    pub ip: [u8; 4],
    /// The netmask.
    pub netmask: [u8; 4],
    /// The gateway.
    pub gateway: [u8; 4],
    /// `netif->mtu`.
    pub mtu: u16,
    /// `netif->flags` as the init function sets them (`NETIF_FLAG_*`;
    /// up and link up come from [`Lwip::netif_set_up`] and
    /// [`Lwip::netif_set_link_up`], as a driver does).
    pub flags: u8,
    /// `netif->output`, which `ip4_output_if` calls with the finished
    /// packet.
    pub output: NetifOutputFn,
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
    /// assertion count zero. Then the IP layer: no netif (the list and
    /// the default emptied without `netif_remove`, netif.c's numbering
    /// back to 0, so the next `netif_add` is index 1; `netif_init()` is
    /// not run, so there is no loopback netif, which lwIP's own
    /// `lwip_init()` adds as index 1 with test/unit's `LWIP_HAVE_LOOPIF`),
    /// ip4.c's `ip_id` 0, no timeout pending (timeouts.c's list, the TCP
    /// timer inactive), `ip_data` zeroed. Pointers handed out before are
    /// dangling.
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

    /// How many segments lwIP's IP layer handed to the stand-in
    /// `tcp_input` (c/standins.c), over the process's life.
    pub fn tcp_input_calls(&self) -> u32 {
        // SAFETY: the lock is held; a plain counter.
        unsafe { lwip_core_tcp_input_calls }
    }

    /// ip4.c's `ip_id`: the identification of the next IPv4 packet
    /// (0 after [`Lwip::reset`]).
    pub fn ip_id(&self) -> u16 {
        // SAFETY: the lock is held; reads a u16 of ip4.c.
        unsafe { lwip_core_ip4_ip_id() }
    }

    /// lwIP's `netif_add(netif, ip, netmask, gw, state, init, ip_input)`
    /// on one of lwip-core's netifs (static memory, four of them, reused
    /// after a reset), with an init function that sets `name` ("lc"),
    /// `mtu`, `flags` and `output` from `cfg`. The netif is lwIP's:
    /// `netif_get_by_index`, `ip4_route` find it. Its index is the
    /// number of netifs added since the reset (netif.c numbers them; the
    /// first is index 1, `num` 0). None when all four are in use or lwIP
    /// refuses.
    pub fn netif_add(&self, cfg: &NetifConfig) -> Option<NonNull<c_void>> {
        let a = |b: [u8; 4]| u32::from_ne_bytes(b);
        // SAFETY: the lock is held; the C side initialises one of its own
        // static netifs and links it into lwIP's list; `output` is a
        // function of the right type, called by lwIP while the lock is
        // held.
        NonNull::new(unsafe {
            lwip_core_netif_add(
                a(cfg.ip),
                a(cfg.netmask),
                a(cfg.gateway),
                cfg.mtu,
                cfg.flags,
                cfg.output,
            )
        })
    }

    /// lwIP's `netif_set_default(n)`: `ip4_route`'s netif for any
    /// destination off every netif's subnet.
    pub fn netif_set_default(&self, n: NonNull<c_void>) {
        // SAFETY: the lock is held; `n` came from `netif_add` since the
        // last reset (the caller's word), a netif on lwIP's list.
        unsafe { netif_set_default(n.as_ptr()) }
    }

    /// lwIP's `netif_set_up(n)` (`NETIF_FLAG_UP`).
    pub fn netif_set_up(&self, n: NonNull<c_void>) {
        // SAFETY: as netif_set_default.
        unsafe { netif_set_up(n.as_ptr()) }
    }

    /// lwIP's `netif_set_link_up(n)` (`NETIF_FLAG_LINK_UP`).
    pub fn netif_set_link_up(&self, n: NonNull<c_void>) {
        // SAFETY: as netif_set_default.
        unsafe { netif_set_link_up(n.as_ptr()) }
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
