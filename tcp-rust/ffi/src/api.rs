//! lwIP's TCP API in C: the functions lwIP's other files, its unit tests
//! and lwIP applications take from `tcp.c`, `tcp_in.c` and `tcp_out.c`,
//! exported with `#[unsafe(no_mangle)]` under lwIP's names and
//! signatures, each a thin conversion around the core ([`Stack`]: the
//! core over [`LwipStorage`], lwIP's pools and structures, for the
//! options of [`crate::opts`]).
//!
//! The data symbols (`tcp_active_pcbs`, `tcp_ticks`, …) are
//! [`crate::storage`]'s. The functions exported here are those the rest of
//! lwIP's unit-test build references (measured with `nm`, docs/drop-in.md):
//! `tcp_init`, `tcp_input`, the timers, `tcp_new`/`tcp_new_ip_type`,
//! `tcp_bind`, `tcp_bind_netif`, `tcp_listen_with_backlog(_and_err)`,
//! `tcp_connect`, `tcp_write`, `tcp_output`, `tcp_recved`, `tcp_close`,
//! `tcp_shutdown`, `tcp_abort`, the callback setters and `tcp_arg`,
//! `tcp_setprio`, `tcp_rst`, `tcp_free_ooseq`, `tcp_netif_ip_addr_changed`
//! and `tcp_next_iss`.
//!
//! # One stack, re-entered from callbacks
//!
//! lwIP's TCP is one set of globals; here it is one static [`Stack`]. A C
//! application's callbacks run while the core is inside a call (the core
//! lends itself to the application: `TcpApp`'s `&mut Tcp`), and may call
//! the API again: the exported functions then work on the stack the core
//! lent (`CURRENT`), never on a second reference to the static. A call
//! that reaches the API while the core is busy without having lent itself
//! (C code the core called, such as a netif driver, calling back into TCP)
//! is refused (the function returns as for an invalid pcb), because it
//! would alias the stack.
//!
//! # What a C pointer becomes
//!
//! A `struct tcp_pcb *` is turned into a handle only if it is an element
//! of lwIP's `MEMP_TCP_PCB` (or `MEMP_TCP_PCB_LISTEN`) pool
//! ([`LwipStorage::pcb_from_c`]); anything else (NULL, a freed pcb's
//! stale pointer, memory that is not a pcb) is treated as lwIP treats
//! NULL where lwIP checks for NULL (`LWIP_ERROR`), and otherwise ignored
//! with lwIP's error result. lwIP itself would dereference a bad pointer.
//!
//! # Licence
//!
//! Part of the port of lwIP (© Swedish Institute of Computer Science, BSD
//! 3-clause); `../LICENSE-lwIP` applies.

use core::ffi::c_void;
use core::ptr;

use tcp_rust::config::{Config, Profile};
use tcp_rust::pbuf::RomStore;
use tcp_rust::stack::{ArgOf, ErrFnOf, Netif, PbufOf};
use tcp_rust::storage::{IpAddrRepr, Storage};
use tcp_rust::{ApiError, Err, Event, Handle, Hooks, Packet, Tcp, TcpApp, WriteFlags};

use crate::ip;
use crate::layout::{
    AcceptCallback, AcceptFnPtr, CallbackArg, ConnectedFn, ErrFn, ErrT, IpAddrT, NetifPtr, PbufPtr,
    PollFn, RecvFn, SentFn,
};
use crate::pbuf::RomPtr;
use crate::storage::LwipStorage;

/// The options the library is built for ([`crate::opts`]), as the core's
/// profile over lwIP's own storage.
pub struct Build;

impl Profile for Build {
    const CONFIG: Config = crate::opts::CONFIG;
    type Storage = LwipStorage;
}

/// The core as the library runs it.
pub type Stack = Tcp<LwipHooks, Build>;

/// tcp.c's `static u32_t iss` of `tcp_next_iss` (a build without
/// `LWIP_HOOK_TCP_ISN`).
static mut ISS: u32 = 6510;

/// Port of `tcp_next_iss()` (tcp.c) for a connection from `local`:`lport`
/// to `remote`:`rport`: the build's `LWIP_HOOK_TCP_ISN` if it has one
/// ([`crate::opts::tcp_isn_hook`]), else `iss += tcp_ticks`.
fn next_iss(local: [u8; 4], lport: u16, remote: [u8; 4], rport: u16) -> u32 {
    if let Some(isn) = crate::opts::tcp_isn_hook(local, lport, remote, rport) {
        return isn;
    }
    // SAFETY: lwIP is single-threaded (module docs); ISS and tcp_ticks are
    // read and written by value.
    unsafe {
        let iss =
            ptr::read(&raw const ISS).wrapping_add(ptr::read(&raw const crate::storage::tcp_ticks));
        ptr::write(&raw mut ISS, iss);
        iss
    }
}

/// The hooks below the core in lwIP's build: `LWIP_RAND`, `tcp_next_iss`.
/// The IP layer is the storage's (lwIP's), so the port's netif driver
/// (`netif_output`) is never called; the callback log is the port's
/// harness's and is not kept.
pub struct LwipHooks;

impl RomStore for LwipHooks {
    /// lwIP's `PBUF_ROM` payloads are pointers ([`RomPtr`]), read by
    /// [`crate::pbuf::LwipPbufs`] directly: no keyed buffers.
    fn rom_bytes(&self, _: u32) -> &[u8] {
        &[]
    }
}

impl Hooks for LwipHooks {
    fn lwip_rand(&mut self) -> u32 {
        crate::opts::lwip_rand()
    }
    /// lwIP's `sys_now()` (the port's sys_arch, or the application's).
    fn sys_now(&mut self, _: u32) -> u32 {
        unsafe extern "C" {
            fn sys_now() -> u32;
        }
        // SAFETY: lwIP's clock, a function without arguments.
        unsafe { sys_now() }
    }
    fn tcp_isn<A: IpAddrRepr>(&mut self, local: &A, lport: u16, remote: &A, rport: u16) -> u32 {
        next_iss(local.v4(), lport, remote.v4(), rport)
    }
    fn netif_output<B: tcp_rust::pbuf::PbufStore>(&mut self, _: u32, _: Packet<'_, B>) {}
    fn callback_made(&mut self, _: Event) -> u32 {
        0
    }
    fn callback_returned(&mut self, _: u32, _: Err) {}
    /// `LWIP_PLATFORM_ASSERT(msg)` of the build ([`crate::opts`]), as
    /// lwIP's `LWIP_ASSERT` calls it: the platform learns of the failed
    /// assertion (on most platforms it does not return). If it returns,
    /// the core stays poisoned and refuses every call until `tcp_init`,
    /// where lwIP would go on past the assertion.
    #[inline(never)]
    fn lwip_assert(&mut self, a: &'static tcp_rust::Assertion) {
        crate::opts::platform_assert(a);
    }
}

/// The stack.
static mut STACK: Stack = Tcp::zeroed(LwipHooks);
/// The stack the core lent to the application during a callback (NULL
/// outside callbacks).
static mut CURRENT: *mut Stack = ptr::null_mut();
/// Whether an exported function is working on [`STACK`] (not lent).
static mut BUSY: bool = false;

/// Runs `f` on the stack: the one the core lent to the running callback,
/// or the static one when no call is in progress. None when the core is
/// busy and has not lent itself (module docs).
fn with_stack<R>(f: impl FnOnce(&mut Stack) -> R) -> Option<R> {
    // SAFETY: lwIP is single-threaded. CURRENT, when set, is the `&mut
    // Tcp` the core handed to the application for the callback now
    // running, which the core does not use until the callback returns;
    // the reference made here lives only for `f`. Otherwise BUSY says
    // whether a reference to STACK is alive further up the call stack: if
    // not, this is the only one.
    unsafe {
        let lent = ptr::read(&raw const CURRENT);
        if !lent.is_null() {
            return Some(f(&mut *lent));
        }
        if ptr::read(&raw const BUSY) {
            return None;
        }
        ptr::write(&raw mut BUSY, true);
        let s: *mut Stack = &raw mut STACK;
        let r = f(&mut *s);
        ptr::write(&raw mut BUSY, false);
        Some(r)
    }
}

/// Lends `t` to C code for the duration of `f` (a callback).
fn lend<R>(t: &mut Stack, f: impl FnOnce() -> R) -> R {
    // SAFETY: single-threaded; CURRENT is restored before `t` is used
    // again by the core (nested callbacks save and restore it).
    unsafe {
        let before = ptr::read(&raw const CURRENT);
        ptr::write(&raw mut CURRENT, t as *mut Stack);
        let r = f();
        ptr::write(&raw mut CURRENT, before);
        r
    }
}

/// The application: the C callbacks the pcbs hold, called through their
/// pointers with their `callback_arg`.
struct CApp;

fn err_of(raw: ErrT) -> Err {
    // lwIP's callbacks return err_t values; any other reads as ERR_VAL.
    Err::from_raw(raw).unwrap_or(Err::Val)
}

/// The C pointer of the pcb `h` names (NULL for none).
fn pcb_ptr(t: &Stack, h: Handle) -> *mut c_void {
    t.pcb_of(h).map_or(ptr::null_mut(), |r| r.0.as_ptr())
}

impl TcpApp<LwipHooks, Build> for CApp {
    /// lwIP's contract: a C application frees the pbufs recv hands it.
    const OWNS_RECV_PBUF: bool = true;
    fn accept(&mut self, t: &mut Stack, listener: Handle, new: Option<Handle>, err: Err) -> Err {
        let Ok(l) = t.lpcb_of(listener) else {
            return Err::Arg;
        };
        let AcceptFnPtr(Some(f)) = t.storage().lpcb(l).accept else {
            return Err::Arg;
        };
        // TCP_EVENT_ACCEPT: the new pcb's callback_arg (copied from the
        // listener), or the listener's when there is no new pcb.
        let (arg, np) = match new.and_then(|h| t.pcb_of(h).ok()) {
            Some(r) => (t.storage().pcb(r).callback_arg.0, r.0.as_ptr()),
            None => (t.storage().lpcb(l).callback_arg.0, ptr::null_mut()),
        };
        // SAFETY: `f` is the accept function the C application registered
        // (tcp_accept), called as lwIP calls it.
        err_of(lend(t, || unsafe { f(arg, np, err.as_raw()) }))
    }
    fn connected(&mut self, t: &mut Stack, pcb: Handle, err: Err) -> Err {
        let Ok(r) = t.pcb_of(pcb) else {
            return Err::Arg;
        };
        let p = t.storage().pcb(r);
        let (ConnectedFn(Some(f)), arg) = (p.connected, p.callback_arg.0) else {
            return Err::Ok;
        };
        // SAFETY: the application's connected function, as lwIP calls it.
        err_of(lend(t, || unsafe { f(arg, r.0.as_ptr(), err.as_raw()) }))
    }
    fn recv(&mut self, t: &mut Stack, pcb: Handle, p: Option<PbufOf<Build>>, err: Err) -> Err {
        let Ok(r) = t.pcb_of(pcb) else {
            return Err::Arg;
        };
        let q = t.storage().pcb(r);
        let (RecvFn(Some(f)), arg) = (q.recv, q.callback_arg.0) else {
            return Err::Ok;
        };
        let pb = p.map_or(ptr::null_mut(), |b: PbufPtr| b.0.as_ptr());
        // SAFETY: the application's recv function, as lwIP calls it; the
        // pbuf is handed over as lwIP hands it over.
        err_of(lend(t, || unsafe {
            f(arg, r.0.as_ptr(), pb, err.as_raw())
        }))
    }
    fn sent(&mut self, t: &mut Stack, pcb: Handle, len: u16) -> Err {
        let Ok(r) = t.pcb_of(pcb) else {
            return Err::Arg;
        };
        let q = t.storage().pcb(r);
        let (SentFn(Some(f)), arg) = (q.sent, q.callback_arg.0) else {
            return Err::Ok;
        };
        // SAFETY: the application's sent function, as lwIP calls it.
        err_of(lend(t, || unsafe { f(arg, r.0.as_ptr(), len) }))
    }
    fn poll(&mut self, t: &mut Stack, pcb: Handle) -> Err {
        let Ok(r) = t.pcb_of(pcb) else {
            return Err::Arg;
        };
        let q = t.storage().pcb(r);
        let (PollFn(Some(f)), arg) = (q.poll, q.callback_arg.0) else {
            return Err::Ok;
        };
        // SAFETY: the application's poll function, as lwIP calls it.
        err_of(lend(t, || unsafe { f(arg, r.0.as_ptr()) }))
    }
    fn err(&mut self, t: &mut Stack, _: Handle, errf: ErrFnOf<Build>, arg: ArgOf<Build>, err: Err) {
        let ErrFn(Some(f)) = errf else {
            return;
        };
        // SAFETY: the application's err function and argument, saved from
        // the freed pcb, called as lwIP calls them.
        lend(t, || unsafe { f(arg.0, err.as_raw()) });
    }
}

/// What a C `struct tcp_pcb *` names: a connection's or a listener's
/// handle, or [`Handle::NULL`] for NULL and for anything that is not an
/// element of the pools (module docs).
fn handle(t: &Stack, p: *mut c_void) -> Handle {
    let st = t.storage();
    if let Some(r) = st.pcb_from_c(p) {
        t.handle_of_pcb(r)
    } else if let Some(l) = st.lpcb_from_c(p) {
        t.handle_of_lpcb(l)
    } else {
        Handle::NULL
    }
}

/// The C pointer a handle names (NULL for none).
fn c_ptr(t: &Stack, h: Handle) -> *mut c_void {
    if h.is_listen() {
        t.lpcb_of(h).map_or(ptr::null_mut(), |l| l.0.as_ptr())
    } else {
        pcb_ptr(t, h)
    }
}

/// An `ip_addr_t *` from C: None for NULL, else the address.
///
/// # Safety
/// `a` is NULL or points at a readable `ip_addr_t`.
unsafe fn ip_of<'a>(a: *const IpAddrT) -> Option<&'a IpAddrT> {
    // SAFETY: the caller's.
    unsafe { a.as_ref() }
}

/// An API call's result as the `err_t` C gets: the core's, or, for a call
/// the core refused (an invalid pcb, a call made where the stack cannot
/// be used), `ERR_ARG` as lwIP's `LWIP_ERROR` checks return.
fn ret(r: Option<Result<Err, ApiError>>) -> ErrT {
    match r {
        Some(Ok(e)) => e.as_raw(),
        _ => Err::Arg.as_raw(),
    }
}

// ---- what lwIP's core calls --------------------------------------------------

/// `void tcp_init(void)` (lwip_init): the stack pristine (the storage
/// claims lwIP's TCP pools and tcp.c's globals), `tcp_port` from
/// `LWIP_RAND()`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_init() {
    // lwip_init() calls this with no TCP call in progress. One can be left
    // unfinished by a platform's LWIP_PLATFORM_ASSERT that does not return
    // but jumps elsewhere (a test harness's longjmp): it is abandoned.
    // SAFETY: single-threaded (lwIP's contract), and no reference to the
    // stack is alive at lwip_init().
    unsafe {
        ptr::write(&raw mut CURRENT, ptr::null_mut());
        ptr::write(&raw mut BUSY, false);
    }
    let netif = Netif {
        ip: [0; 4],
        netmask: [0; 4],
        gateway: [0; 4],
        mtu: 0,
    };
    let _ = with_stack(|t| t.reset(netif));
}

/// `void tcp_input(struct pbuf *p, struct netif *inp)` (ip4_input): the
/// segment with `ip_data`'s addresses. A packet that is not IPv4 (the
/// core is IPv4-only: issue 16) is freed.
///
/// # Safety
/// `p` is a live pbuf whose payload is at the TCP header, handed over;
/// `inp` the netif it came in on; `ip_data` describes the packet (as
/// lwIP's `ip4_input` sets it before calling).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_input(p: *mut c_void, inp: *mut c_void) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let Some(pb) = ptr::NonNull::new(p).map(PbufPtr) else {
        return;
    };
    // An IPv6 segment is dropped: the core runs IPv4 only over this
    // library (crate::ip's docs).
    let v6 = ip::current_is_v6();
    let netif = ptr::NonNull::new(inp).map(NetifPtr);
    let done = with_stack(|t| match netif {
        Some(n) if !v6 => {
            let (src, dest) = ip::current_addrs();
            let _ = t.tcp_input_from(pb, src, dest, n, &mut CApp);
        }
        _ => {
            let _ = tcp_rust::pbuf::PbufStore::pbuf_free(&mut crate::pbuf::LwipPbufs::new(), pb);
        }
    });
    if done.is_none() {
        // SAFETY: `p` is ours (handed over) and no other reference to it
        // exists: freed as tcp_input would drop it.
        let _ = tcp_rust::pbuf::PbufStore::pbuf_free(&mut crate::pbuf::LwipPbufs::new(), pb);
    }
}

/// `void tcp_tmr(void)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_tmr() {
    let _ = with_stack(|t| t.tcp_tmr(&mut CApp));
}

/// `void tcp_fasttmr(void)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_fasttmr() {
    let _ = with_stack(|t| t.tcp_fasttmr(&mut CApp));
}

/// `void tcp_slowtmr(void)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_slowtmr() {
    let _ = with_stack(|t| t.tcp_slowtmr(&mut CApp));
}

/// `void tcp_free_ooseq(struct tcp_pcb *pcb)` (pbuf.c's
/// `pbuf_free_ooseq`).
#[unsafe(no_mangle)]
pub extern "C" fn tcp_free_ooseq(pcb: *mut c_void) {
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_free_ooseq_api(h)
    });
}

/// `void tcp_netif_ip_addr_changed(const ip_addr_t *old_addr, const
/// ip_addr_t *new_addr)` (netif.c).
///
/// # Safety
/// Each address is NULL or a readable `ip_addr_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_netif_ip_addr_changed(old: *const IpAddrT, new: *const IpAddrT) {
    // SAFETY: the caller's.
    let (o, n) = unsafe { (ip_of(old), ip_of(new)) };
    let _ = with_stack(|t| t.tcp_netif_ip_addr_changed_api(o, n, &mut CApp));
}

/// `u32_t tcp_next_iss(struct tcp_pcb *pcb)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_next_iss(pcb: *mut c_void) -> u32 {
    if !crate::opts::HOOK_TCP_ISN {
        return next_iss([0; 4], 0, [0; 4], 0);
    }
    // The hook reads the pcb's addresses and ports (tcp.c passes them).
    let ends = with_stack(|t| {
        let h = handle(t, pcb);
        t.pcb(h)
            .map(|p| {
                (
                    p.local_ip.v4(),
                    p.local_port,
                    p.remote_ip.v4(),
                    p.remote_port,
                )
            })
            .ok()
    })
    .flatten()
    .unwrap_or(([0; 4], 0, [0; 4], 0));
    next_iss(ends.0, ends.1, ends.2, ends.3)
}

// ---- the raw API (tcp.h) -------------------------------------------------------

/// `struct tcp_pcb *tcp_new(void)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_new() -> *mut c_void {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    with_stack(|t| {
        let h = t.tcp_new(&mut CApp);
        h.map_or(ptr::null_mut(), |h| pcb_ptr(t, h))
    })
    .unwrap_or(ptr::null_mut())
}

/// `struct tcp_pcb *tcp_new_ip_type(u8_t type)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_new_ip_type(ty: u8) -> *mut c_void {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    with_stack(|t| {
        let h = t.tcp_new_ip_type(ty, &mut CApp);
        h.map_or(ptr::null_mut(), |h| pcb_ptr(t, h))
    })
    .unwrap_or(ptr::null_mut())
}

/// `err_t tcp_bind(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t
/// port)`.
///
/// # Safety
/// `ipaddr` is NULL or a readable `ip_addr_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_bind(pcb: *mut c_void, ipaddr: *const IpAddrT, port: u16) -> ErrT {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    // SAFETY: the caller's.
    let a = unsafe { ip_of(ipaddr) };
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_bind_ptr(h, a, port)
    }))
}

/// `void tcp_bind_netif(struct tcp_pcb *pcb, const struct netif *netif)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_bind_netif(pcb: *mut c_void, netif: *const c_void) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let idx = ptr::NonNull::new(netif.cast_mut()).map_or(0, |n| ip::index(NetifPtr(n)));
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_bind_netif_index(h, idx)
    });
}

/// `struct tcp_pcb *tcp_listen_with_backlog_and_err(struct tcp_pcb *pcb,
/// u8_t backlog, err_t *err)`.
///
/// # Safety
/// `err` is NULL or a writable `err_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_listen_with_backlog_and_err(
    pcb: *mut c_void,
    backlog: u8,
    err: *mut ErrT,
) -> *mut c_void {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let (l, e) = listen(pcb, backlog);
    if !err.is_null() {
        // SAFETY: the caller's.
        unsafe { err.write(e.as_raw()) };
    }
    l
}

/// `struct tcp_pcb *tcp_listen_with_backlog(struct tcp_pcb *pcb, u8_t
/// backlog)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_listen_with_backlog(pcb: *mut c_void, backlog: u8) -> *mut c_void {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    listen(pcb, backlog).0
}

/// `tcp_listen_with_backlog_and_err`'s result and error.
fn listen(pcb: *mut c_void, backlog: u8) -> (*mut c_void, Err) {
    with_stack(|t| {
        let h = handle(t, pcb);
        match t.tcp_listen_with_backlog_and_err(h, backlog) {
            Ok((l, e)) => (l.map_or(ptr::null_mut(), |l| c_ptr(t, l)), e),
            Err(_) => (ptr::null_mut(), Err::Arg),
        }
    })
    .unwrap_or((ptr::null_mut(), Err::Arg))
}

/// `err_t tcp_connect(struct tcp_pcb *pcb, const ip_addr_t *ipaddr, u16_t
/// port, tcp_connected_fn connected)`.
///
/// # Safety
/// `ipaddr` is NULL or a readable `ip_addr_t`; `connected` NULL or a
/// function lwIP may call as `tcp_connected_fn`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_connect(
    pcb: *mut c_void,
    ipaddr: *const IpAddrT,
    port: u16,
    connected: ConnectedFn,
) -> ErrT {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    // SAFETY: the caller's.
    let a = unsafe { ip_of(ipaddr) };
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_connect_ptr(h, a, port, connected)
    }))
}

/// `TCP_WRITE_FLAG_COPY`.
const TCP_WRITE_FLAG_COPY: u8 = 0x01;
/// `TCP_WRITE_FLAG_MORE`.
const TCP_WRITE_FLAG_MORE: u8 = 0x02;

/// `err_t tcp_write(struct tcp_pcb *pcb, const void *dataptr, u16_t len,
/// u8_t apiflags)`.
///
/// # Safety
/// `dataptr` is NULL or `len` readable bytes, which without
/// `TCP_WRITE_FLAG_COPY` stay readable and unchanged until acknowledged
/// (lwIP's contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_write(
    pcb: *mut c_void,
    dataptr: *const c_void,
    len: u16,
    apiflags: u8,
) -> ErrT {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let flags = WriteFlags {
        copy: apiflags & TCP_WRITE_FLAG_COPY != 0,
        more: apiflags & TCP_WRITE_FLAG_MORE != 0,
    };
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        if dataptr.is_null() {
            return t.tcp_write_ptr(h, None, flags);
        }
        if flags.copy {
            // SAFETY: the caller's: `len` readable bytes.
            let data =
                unsafe { core::slice::from_raw_parts(dataptr.cast::<u8>(), usize::from(len)) };
            t.tcp_write_ptr(h, Some(data), flags)
        } else {
            t.tcp_write_ref(h, RomPtr(dataptr.cast::<u8>()), len, flags)
        }
    }))
}

/// `err_t tcp_output(struct tcp_pcb *pcb)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_output(pcb: *mut c_void) -> ErrT {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_output(h)
    }))
}

/// `void tcp_recved(struct tcp_pcb *pcb, u16_t len)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_recved(pcb: *mut c_void, len: u16) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_recved(h, len)
    });
}

/// `err_t tcp_close(struct tcp_pcb *pcb)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_close(pcb: *mut c_void) -> ErrT {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_close(h)
    }))
}

/// `err_t tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_shutdown(pcb: *mut c_void, shut_rx: i32, shut_tx: i32) -> ErrT {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_shutdown(h, shut_rx != 0, shut_tx != 0)
    }))
}

/// `void tcp_abort(struct tcp_pcb *pcb)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_abort(pcb: *mut c_void) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_abort(h, &mut CApp)
    });
}

/// `void tcp_backlog_delayed(struct tcp_pcb *pcb)`: tcp.c has it only in
/// a build with `TCP_LISTEN_BACKLOG` (the feature `tcp-listen-backlog`,
/// which the option sets with it turn on; not exported otherwise, as lwIP
/// does not).
#[cfg(feature = "tcp-listen-backlog")]
#[unsafe(no_mangle)]
pub extern "C" fn tcp_backlog_delayed(pcb: *mut c_void) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_backlog_delayed(h)
    });
}

/// `void tcp_backlog_accepted(struct tcp_pcb *pcb)` (`TCP_LISTEN_BACKLOG`,
/// as [`tcp_backlog_delayed`]).
#[cfg(feature = "tcp-listen-backlog")]
#[unsafe(no_mangle)]
pub extern "C" fn tcp_backlog_accepted(pcb: *mut c_void) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_backlog_accepted_api(h)
    });
}

/// `void tcp_setprio(struct tcp_pcb *pcb, u8_t prio)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_setprio(pcb: *mut c_void, prio: u8) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_setprio(h, prio)
    });
}

/// `void tcp_arg(struct tcp_pcb *pcb, void *arg)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_arg(pcb: *mut c_void, arg: *mut c_void) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_arg(h, CallbackArg(arg))
    });
}

/// `void tcp_recv(struct tcp_pcb *pcb, tcp_recv_fn recv)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_recv(pcb: *mut c_void, recv: RecvFn) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_recv(h, recv)
    });
}

/// `void tcp_sent(struct tcp_pcb *pcb, tcp_sent_fn sent)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_sent(pcb: *mut c_void, sent: SentFn) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_sent(h, sent)
    });
}

/// `void tcp_err(struct tcp_pcb *pcb, tcp_err_fn err)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_err(pcb: *mut c_void, err: ErrFn) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_err(h, err)
    });
}

/// `void tcp_accept(struct tcp_pcb *pcb, tcp_accept_fn accept)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_accept(pcb: *mut c_void, accept: Option<AcceptCallback>) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_accept(h, AcceptFnPtr(accept))
    });
}

/// `void tcp_poll(struct tcp_pcb *pcb, tcp_poll_fn poll, u8_t interval)`.
#[unsafe(no_mangle)]
pub extern "C" fn tcp_poll(pcb: *mut c_void, poll: PollFn, interval: u8) {
    // LWIP_ASSERT_CORE_LOCKED(), as tcp*.c calls it here.
    crate::opts::assert_core_locked();
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_poll(h, poll, interval)
    });
}

/// `void tcp_rst(const struct tcp_pcb *pcb, u32_t seqno, u32_t ackno,
/// const ip_addr_t *local_ip, const ip_addr_t *remote_ip, u16_t
/// local_port, u16_t remote_port)`.
///
/// # Safety
/// The addresses are readable `ip_addr_t`s (lwIP asserts they are not
/// NULL; here a NULL one sends nothing).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_rst(
    pcb: *mut c_void,
    seqno: u32,
    ackno: u32,
    local_ip: *const IpAddrT,
    remote_ip: *const IpAddrT,
    local_port: u16,
    remote_port: u16,
) {
    // SAFETY: the caller's.
    let (Some(l), Some(r)) = (unsafe { ip_of(local_ip) }, unsafe { ip_of(remote_ip) }) else {
        return;
    };
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_rst_api(h, seqno, ackno, l, r, local_port, remote_port)
    });
}

/// `err_t tcp_tcp_get_tcp_addrinfo(struct tcp_pcb *pcb, int local,
/// ip_addr_t *addr, u16_t *port)`: the local (`local` non-zero) or remote
/// address and port, each written where its pointer is not NULL.
///
/// # Safety
/// `addr` is NULL or a writable `ip_addr_t`; `port` NULL or a writable
/// `u16_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_tcp_get_tcp_addrinfo(
    pcb: *mut c_void,
    local: i32,
    addr: *mut IpAddrT,
    port: *mut u16,
) -> ErrT {
    // SAFETY: the caller's: each is NULL or writable, and no other
    // reference to it exists during the call.
    let (addr, port) = unsafe { (addr.as_mut(), port.as_mut()) };
    let got = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_tcp_get_tcp_addrinfo_ptr(h, local != 0, addr, port)
    });
    let Some(Ok(e)) = got else {
        return Err::Arg.as_raw();
    };
    e.as_raw()
}

/// `void tcp_txnow(void)`: `tcp_output` on every pcb whose last write
/// ran out of memory. This and the next three are tcp_priv.h's, exported
/// only with the feature `tcp-priv-exports` (tcpdiff's shim calls them; no
/// lwIP file but tcp*.c does).
#[cfg(feature = "tcp-priv-exports")]
#[unsafe(no_mangle)]
pub extern "C" fn tcp_txnow() {
    let _ = with_stack(|t| t.tcp_txnow());
}

/// `err_t tcp_recv_null(void *arg, struct tcp_pcb *pcb, struct pbuf *p,
/// err_t err)`: the receive function of a pcb whose application set
/// none. Data is acknowledged (`tcp_recved`) and freed; a FIN (`p` NULL,
/// `err` ERR_OK) closes the pcb.
///
/// # Safety
/// `p` is NULL or a live pbuf, handed over.
#[cfg(feature = "tcp-priv-exports")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcp_recv_null(
    _arg: *mut c_void,
    pcb: *mut c_void,
    p: *mut c_void,
    err: ErrT,
) -> ErrT {
    use tcp_rust::pbuf::PbufStore;
    let pb = ptr::NonNull::new(p).map(PbufPtr);
    let mut pbufs = crate::pbuf::LwipPbufs::new();
    let tot_len = pb.map(|b| pbufs.tot_len(b));
    let r = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_recv_null(h, tot_len, err_of(err))
    });
    if let Some(b) = pb
        && !pcb.is_null()
    {
        // `if (p != NULL) { tcp_recved(pcb, p->tot_len); pbuf_free(p); }`,
        // after `LWIP_ERROR(.., pcb != NULL, return ERR_ARG)`.
        let _ = pbufs.pbuf_free(b);
    }
    ret(r)
}

/// `err_t tcp_process_refused_data(struct tcp_pcb *pcb)`: hands the data
/// the application refused earlier to its recv function again.
#[cfg(feature = "tcp-priv-exports")]
#[unsafe(no_mangle)]
pub extern "C" fn tcp_process_refused_data(pcb: *mut c_void) -> ErrT {
    ret(with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_process_refused_data_api(h, &mut CApp)
    }))
}

/// `void tcp_pcb_purge(struct tcp_pcb *pcb)`: frees the pcb's queued
/// segments and refused data (the pcb stays).
#[cfg(feature = "tcp-priv-exports")]
#[unsafe(no_mangle)]
pub extern "C" fn tcp_pcb_purge(pcb: *mut c_void) {
    let _ = with_stack(|t| {
        let h = handle(t, pcb);
        t.tcp_pcb_purge_api(h)
    });
}
