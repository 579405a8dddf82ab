//! One core, two storages: the same TCP core (tcp-rust) built for
//! lwIP's unit-test options twice, once over `LwipStorage` (lwIP's memp
//! pools, `struct tcp_pcb`/`tcp_seg` in lwIP's layout, tcp.c's globals,
//! lwIP's pbuf.c; linked from lwip-core) and once over the port's own
//! `Pools` and `Pbufs`, driven with the same sequence through the core's
//! public API and its IPv4 input: a listener, a peer's handshake, data in
//! both directions, out-of-order segments (queued on ooseq with their
//! `tcphdr` in the input pbufs), a retransmission by the timer, a close.
//! The IP layer under each is its storage's: on the lwIP side lwIP's own
//! (`ip4_route`, `ip4_output_if` from lwip-core) over a real lwIP netif
//! (`netif_add`: the port's netif's address, mask, gateway and MTU, no
//! broadcast flag, up with its link up, the default netif, index 1 as the
//! port's `NETIF_INDEX`), whose `output` copies each packet lwIP's
//! `ip4_output_if` finished (header, identification, checksum) into a
//! test-owned buffer; on the port's side the port's IPv4 layer and its
//! hooks. Input goes through the core's own IPv4 input emulation
//! (`Tcp::input`) on both (which on the lwIP side finds lwIP's netif by
//! `netif_get_by_index(1)`).
//!
//! After every step: the packets sent (byte for byte), the callbacks
//! (handles compared by generation: the pool indices differ, memp's free
//! list being LIFO), every pcb on the lists field by field, the queues'
//! lengths, the pool, heap and pbuf counts. On the lwIP side the queued
//! segments are also read through the C structures (`seg->tcphdr->seqno`
//! by raw pointer) and checked against the peer's sequence numbers.
//!
//! A C application registers its callbacks itself (`tcp_accept()`,
//! `tcp_recv()`, ... write the C function pointers): for the lwIP side the
//! driver writes them into the C structures where the C application
//! would, so that the core makes the same callbacks to the Rust test
//! application on both sides. One place where the core writes over a
//! C application's registration is worked around and reported (see
//! `register`).
//!
//! `a_planted_seqno_fault_is_found` wraps `LwipStorage` in a storage whose
//! `seg_seqno` is one off for data segments: the comparison must report it.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;
use std::sync::Mutex;

use lwip_tcp_rust::layout::{
    AcceptFnPtr, CLayout, ErrFn, ErrT, LpcbPtr, PbufPtr, PcbPtr, RecvFn, SegPtr, SentFn, TcpHdrPtr,
};
use lwip_tcp_rust::pbuf::{CPbuf, LwipPbufs};
use lwip_tcp_rust::storage::{self as cst, LwipStorage};
use tcp_rust::config::{Config, Profile};
use tcp_rust::pbuf::{PbufStore, RomStore};
use tcp_rust::stack::NETIF_INDEX;
use tcp_rust::storage::{CallbackRepr, IpAddrRepr, IpOf, NetifOf, Pool, Pools, Storage};
use tcp_rust::{
    Callback, Err, Event, Handle, Hooks, List, Netif, Packet, Tcp, TcpApp, TcpPcb, TcpPcbListen,
    TcpSeg, WriteFlags,
};

// ---- the profiles -----------------------------------------------------------

/// lwIP's unit-test options as the library is built for them
/// (`lwip_tcp_rust::opts::CONFIG`: test/unit/lwipopts.h with opt.h's
/// defaults and the runner's `LWIP_DEBUG`), but where the port's own
/// `Pools`/`Pbufs` are smaller than lwIP's: there the profile takes the
/// port's (both sides run the same options; lwIP's pools are larger than
/// they need): `MEMP_NUM_TCP_SEG` 16 (lwIP 40), hence `TCP_SND_QUEUELEN`
/// 16 (lwIP 40) and `TCP_SND_BUF` 8 * 536 (lwIP 12 * 536; init.c's check
/// `TCP_SND_QUEUELEN >= 2 * TCP_SND_BUF / TCP_MSS`), `MEM_SIZE` 16384
/// (lwIP 17000), `PBUF_POOL_SIZE` 39 (lwIP 400), as tests/pbuf_diff.rs.
const fn unit_config() -> Config {
    let base = lwip_tcp_rust::opts::CONFIG;
    let mss = base.tcp_mss;
    let snd_buf = 8 * mss as u32;
    let queuelen = 16u16;
    Config {
        tcp_snd_buf: snd_buf,
        tcp_snd_queuelen: queuelen,
        tcp_sndlowat: tcp_rust::config::tcp_sndlowat_default(snd_buf, mss),
        tcp_sndqueuelowat: tcp_rust::config::tcp_sndqueuelowat_default(queuelen),
        memp_num_tcp_seg: 16,
        pbuf_pool_size: 39,
        mem_size: 16384,
        ..base
    }
}

/// The port's own storage.
struct OverPools;
impl Profile for OverPools {
    const CONFIG: Config = unit_config();
    type Storage = Pools;
}

/// A storage in lwIP's layout over lwIP's pbufs.
trait CStorage: Storage<Layout = CLayout, Pbufs = LwipPbufs> {}
impl CStorage for LwipStorage {}
impl CStorage for Faulty {}

/// The options of a profile over lwIP's pools.
trait Options {
    const CONFIG: Config;
}

/// `unit_config()`.
struct UnitOptions;
impl Options for UnitOptions {
    const CONFIG: Config = unit_config();
}

/// lwIP's pools (or the planted fault's wrapper of them), with options
/// `K` (the comparison's by default).
struct OverC<S, K = UnitOptions>(PhantomData<(S, K)>);
impl<S: CStorage, K: Options> Profile for OverC<S, K> {
    const CONFIG: Config = K::CONFIG;
    type Storage = S;
}

// ---- the hooks and the application -----------------------------------------

const LWIP_IP: [u8; 4] = [192, 168, 0, 1];
const PEER_IP: [u8; 4] = [192, 0, 2, 1];
const ISN: u32 = 0x1000_0000;
const PEER_ISN: u32 = 0x5000_0000;
const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

#[derive(Default)]
struct Hk {
    out: Vec<Vec<u8>>,
    rand: u32,
    events: Vec<Event>,
}

impl RomStore for Hk {
    fn rom_bytes(&self, _: u32) -> &[u8] {
        &[]
    }
}

impl Hooks for Hk {
    fn sys_now(&mut self, clock: u32) -> u32 {
        clock
    }
    fn lwip_rand(&mut self) -> u32 {
        self.rand = self.rand.wrapping_mul(1_103_515_245).wrapping_add(12345);
        self.rand
    }
    fn tcp_isn<A: IpAddrRepr>(&mut self, _: &A, _: u16, _: &A, _: u16) -> u32 {
        ISN
    }
    fn netif_output<B: PbufStore>(&mut self, _now: u32, packet: Packet<'_, B>) {
        let mut v = vec![0; packet.tot_len()];
        packet.copy_to(&*self, &mut v);
        self.out.push(v);
    }
    fn callback_made(&mut self, event: Event) -> u32 {
        self.events.push(event);
        (self.events.len() - 1) as u32
    }
    fn callback_returned(&mut self, token: u32, ret: Err) {
        if let Some(e) = self.events.get_mut(token as usize) {
            e.ret = Some(ret);
        }
    }
    /// Read through `Tcp::asserted` by the tests.
    fn lwip_assert(&mut self, _: &'static tcp_rust::Assertion) {}
}

/// One side of the comparison: a profile, and what its C application (if
/// any) does to the C structures.
trait Side: Profile + Sized + 'static {
    /// Before the stack exists (lwIP's lock held, just reset): the IP
    /// layer's netif, as the port's `netif` is configured.
    fn netif_add(lw: &lwip_core::Lwip, netif: &Netif);
    /// The packets the step sent, in order, as the netif's driver saw
    /// them (IPv4 header on).
    fn packets(t: &mut Tcp<Hk, Self>) -> Vec<Vec<u8>>;
    /// After `tcp_bind` or in `accept`: the C application's `tcp_recv`,
    /// `tcp_sent` and, with `errf`, `tcp_err` on pcb `h`.
    fn register(t: &mut Tcp<Hk, Self>, h: Handle, errf: bool);
    /// After `tcp_listen`: the C application's `tcp_accept`.
    fn register_accept(t: &mut Tcp<Hk, Self>, l: Handle);
    /// The queues of pcb `h` read through the C structures: (unsent,
    /// unacked, ooseq), each segment's `tcphdr->seqno` and `len`. None for
    /// the port's own storage.
    fn c_queues(t: &Tcp<Hk, Self>, h: Handle) -> Option<[Vec<(u32, u16)>; 3]>;
}

impl Side for OverPools {
    fn netif_add(_: &lwip_core::Lwip, _: &Netif) {}
    /// The port's IPv4 layer hands its packets to the hooks.
    fn packets(t: &mut Tcp<Hk, Self>) -> Vec<Vec<u8>> {
        std::mem::take(&mut t.hooks.out)
    }
    fn register(_: &mut Tcp<Hk, Self>, _: Handle, _: bool) {}
    fn register_accept(_: &mut Tcp<Hk, Self>, _: Handle) {}
    fn c_queues(_: &Tcp<Hk, Self>, _: Handle) -> Option<[Vec<(u32, u16)>; 3]> {
        None
    }
}

// The C application's callbacks: the core calls the Rust application
// (TcpApp) wherever a pointer is set; these are never called.
unsafe extern "C" fn c_recv(_: *mut c_void, _: *mut c_void, _: *mut c_void, _: ErrT) -> ErrT {
    unreachable!("the core calls TcpApp::recv")
}
unsafe extern "C" fn c_sent(_: *mut c_void, _: *mut c_void, _: u16) -> ErrT {
    unreachable!("the core calls TcpApp::sent")
}
unsafe extern "C" fn c_err(_: *mut c_void, _: ErrT) {
    unreachable!("the core calls TcpApp::err")
}
unsafe extern "C" fn c_accept(_: *mut c_void, _: *mut c_void, _: ErrT) -> ErrT {
    unreachable!("the core calls TcpApp::accept")
}

/// The packets lwIP's netif sent (`capture`), in order: the test's
/// buffer (one run at a time: lwIP's lock is held).
static CAPTURED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

unsafe extern "C" {
    fn pbuf_copy_partial(p: *const c_void, data: *mut c_void, len: u16, offset: u16) -> u16;
}

/// `netif->output` of the lwIP side's netif (`netif_output_fn`): copies
/// the packet `ip4_output_if` finished (`pbuf_copy_partial`, the whole
/// chain) into `CAPTURED`. The next hop `ipaddr` must be the packet's
/// destination (no gateway in between for the test's addresses: lwIP
/// passes `dest` itself). ERR_OK, as a driver that sent it.
unsafe extern "C" fn capture(_netif: *mut c_void, p: *mut c_void, ipaddr: *const c_void) -> i8 {
    // SAFETY: lwIP hands a live pbuf chain (ip4_output_if's `p`, its IP
    // header in front) and the destination (an ip4_addr_t, 4 bytes) for
    // the call; both are read only.
    let (v, hop) = unsafe {
        // (lwIP's pbufs are not aligned for CPbuf with MEM_ALIGNMENT 1.)
        let tot = ptr::read_unaligned(
            p.cast::<u8>()
                .add(std::mem::offset_of!(CPbuf, tot_len))
                .cast::<u16>(),
        );
        let mut v = vec![0u8; usize::from(tot)];
        let n = pbuf_copy_partial(p, v.as_mut_ptr().cast(), tot, 0);
        v.truncate(usize::from(n));
        (v, ptr::read_unaligned(ipaddr.cast::<[u8; 4]>()))
    };
    if v.get(16..20) != Some(&hop[..]) {
        // A panic cannot unwind out of an extern "C" function: the packet
        // is marked instead and the comparison reports it.
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(b"next hop is not the destination".to_vec());
        return 0;
    }
    CAPTURED.lock().unwrap_or_else(|e| e.into_inner()).push(v);
    0
}

/// The packets captured since the last call.
fn capture_take() -> Vec<Vec<u8>> {
    std::mem::take(&mut *CAPTURED.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The raw `struct tcp_pcb *` at `addr` on one of tcp.c's lists, as C
/// code reaches it (the exported globals, then `next`).
fn c_find_pcb(addr: usize) -> *mut TcpPcb<CLayout> {
    for head in &cst::tcp_pcb_lists[1..] {
        // SAFETY: tcp_pcb_lists' entries are the exported list heads; each
        // list holds pool elements linked by `next` (the storage's
        // contract); the core is not running (we are between its calls or
        // in a callback, holding no reference into the storage).
        let mut p = unsafe { ptr::read(head.0) }.cast::<TcpPcb<CLayout>>();
        while !p.is_null() {
            if p as usize == addr {
                return p;
            }
            // SAFETY: as above.
            p = unsafe { (*p).next }.map_or(ptr::null_mut(), |n| n.0.as_ptr().cast());
        }
    }
    panic!("pcb {addr:#x} is on no list");
}

/// A queue's segments as C reads them: `tcphdr->seqno` (network order for
/// segments the stack built, host order for received ones, which lwIP's
/// tcp_input turned around in place: `received`) and `len`.
fn seg_chain(mut s: Option<SegPtr>, received: bool) -> Vec<(u32, u16)> {
    let mut v = Vec::new();
    while let Some(r) = s {
        let seg = r.0.as_ptr().cast::<TcpSeg<CLayout>>();
        // SAFETY: a queued segment (a pool element) and its tcphdr in its
        // first pbuf, read by value between the core's calls.
        unsafe {
            let h = (*seg).tcphdr.0.expect("tcphdr").as_ptr().cast::<u8>();
            let raw = ptr::read_unaligned(h.add(4).cast::<u32>());
            let seqno = if received { raw } else { u32::from_be(raw) };
            v.push((seqno, (*seg).len));
            s = (*seg).next;
        }
    }
    v
}

impl<S: CStorage + 'static, K: Options + 'static> Side for OverC<S, K> {
    /// A real lwIP netif: `netif_add` with the port's netif's address,
    /// mask and gateway, an init function setting `mtu` and `output`
    /// (`capture`) and no flags (the port's netif has no broadcast flag),
    /// then up, link up and the default (the port's netif routes every
    /// destination but loopback). lwip-core's reset numbers netifs from
    /// 0, so it is index 1, the port's `NETIF_INDEX`; and ip4.c's `ip_id`
    /// starts at 0, as the port's.
    fn netif_add(lw: &lwip_core::Lwip, netif: &Netif) {
        capture_take();
        assert_eq!(lw.ip_id(), 0, "ip4.c's ip_id starts as the port's");
        let n = lw
            .netif_add(&lwip_core::NetifConfig {
                ip: netif.ip,
                netmask: netif.netmask,
                gateway: netif.gateway,
                mtu: netif.mtu,
                flags: 0,
                output: capture,
            })
            .expect("lwIP's netif");
        lw.netif_set_up(n);
        lw.netif_set_link_up(n);
        lw.netif_set_default(n);
        assert_eq!(
            lwip_tcp_rust::ip::get_by_index(NETIF_INDEX).map(|p| p.0),
            Some(n),
            "lwIP's netif is the port's NETIF_INDEX"
        );
    }
    /// What lwIP's `ip4_output_if` gave `netif->output`; the core's own
    /// netif hook is never called here (lwIP's IP layer does not know it).
    fn packets(t: &mut Tcp<Hk, Self>) -> Vec<Vec<u8>> {
        assert!(t.hooks.out.is_empty(), "lwIP's IP layer used the hooks");
        capture_take()
    }
    fn register(t: &mut Tcp<Hk, Self>, h: Handle, errf: bool) {
        let addr = ptr::from_ref(t.pcb(h).expect("a live pcb")) as usize;
        let p = c_find_pcb(addr);
        // SAFETY: an element of the pool on a list, written by value as the
        // C application's tcp_recv/tcp_sent/tcp_err do; no reference into
        // the storage is alive (the one above ended).
        unsafe {
            (*p).recv = RecvFn(Some(c_recv));
            (*p).sent = SentFn(Some(c_sent));
            if errf {
                (*p).errf = ErrFn(Some(c_err));
            }
        }
    }
    fn register_accept(t: &mut Tcp<Hk, Self>, l: Handle) {
        let addr = ptr::from_ref(t.listen_pcb(l).expect("a listener")) as usize;
        // SAFETY: the exported listen list head, then `next` links.
        let mut p = unsafe { ptr::read(&raw const cst::tcp_listen_pcbs.listen_pcbs) }
            .cast::<TcpPcbListen<CLayout>>();
        while p as usize != addr {
            assert!(!p.is_null(), "the listener is on tcp_listen_pcbs");
            // SAFETY: as c_find_pcb.
            p = unsafe { (*p).next }.map_or(ptr::null_mut(), |n: LpcbPtr| n.0.as_ptr().cast());
        }
        // SAFETY: as register: the C application's tcp_accept.
        unsafe { (*p).accept = AcceptFnPtr(Some(c_accept)) };
    }
    fn c_queues(t: &Tcp<Hk, Self>, h: Handle) -> Option<[Vec<(u32, u16)>; 3]> {
        let addr = ptr::from_ref(t.pcb(h).ok()?) as usize;
        let p = c_find_pcb(addr);
        // SAFETY: as c_find_pcb; the queue heads read by value.
        let (unsent, unacked, ooseq) = unsafe { ((*p).unsent, (*p).unacked, (*p).ooseq) };
        Some([
            seg_chain(unsent, false),
            seg_chain(unacked, false),
            seg_chain(ooseq, true),
        ])
    }
}

/// The test application: accepts, reads and acknowledges data, closes on
/// the peer's FIN.
#[derive(Default)]
struct App {
    accepted: Vec<Handle>,
    /// Accepted pcbs whose `errf` the C application sets once `accept`
    /// returned (see `Run::step`).
    errf_pending: Vec<Handle>,
    received: Vec<u8>,
    /// The `tot_len` of each pbuf recv got.
    recv_lens: Vec<u16>,
    /// recv refuses (`ERR_MEM`) this many pbufs first.
    refuse: u32,
    fins: u32,
}

impl<P: Side> TcpApp<Hk, P> for App {
    /// The stack frees recv's pbufs on both sides (this application reads
    /// them during the call).
    const OWNS_RECV_PBUF: bool = false;
    fn accept(&mut self, t: &mut Tcp<Hk, P>, _: Handle, new: Option<Handle>, _: Err) -> Err {
        if let Some(h) = new {
            P::register(t, h, false);
            self.accepted.push(h);
            self.errf_pending.push(h);
        }
        Err::Ok
    }
    fn connected(&mut self, _: &mut Tcp<Hk, P>, _: Handle, _: Err) -> Err {
        Err::Ok
    }
    fn recv(
        &mut self,
        t: &mut Tcp<Hk, P>,
        pcb: Handle,
        p: Option<tcp_rust::stack::PbufOf<P>>,
        err: Err,
    ) -> Err {
        let Some(p) = p else {
            self.fins += 1;
            return if err == Err::Ok {
                t.tcp_close(pcb).unwrap_or(Err::Ok)
            } else {
                Err::Ok
            };
        };
        self.recv_lens.push(t.pbuf_tot_len(p));
        if self.refuse > 0 {
            self.refuse -= 1;
            return Err::Mem;
        }
        let mut v = vec![0; usize::from(t.pbuf_tot_len(p))];
        t.pbuf_copy_partial(p, &mut v, 0);
        self.received.extend_from_slice(&v);
        let _ = t.tcp_recved(pcb, v.len() as u16);
        Err::Ok
    }
    fn sent(&mut self, _: &mut Tcp<Hk, P>, _: Handle, _: u16) -> Err {
        Err::Ok
    }
    fn poll(&mut self, _: &mut Tcp<Hk, P>, _: Handle) -> Err {
        Err::Ok
    }
    fn err(
        &mut self,
        _: &mut Tcp<Hk, P>,
        _: Handle,
        _: tcp_rust::stack::ErrFnOf<P>,
        _: tcp_rust::stack::ArgOf<P>,
        _: Err,
    ) {
    }
}

// ---- segments ---------------------------------------------------------------

fn sum16(mut acc: u32, data: &[u8]) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// An IPv4 packet from the peer (port 4000) to lwIP's port 80.
fn packet(seq: u32, ack: u32, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let thl = 20 + options.len();
    let total = 20 + thl + payload.len();
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&(total as u16).to_be_bytes());
    p.extend_from_slice(&[0, 1, 0, 0, 64, 6, 0, 0]);
    p.extend_from_slice(&PEER_IP);
    p.extend_from_slice(&LWIP_IP);
    let s = !fold(sum16(0, &p[..20]));
    p[10..12].copy_from_slice(&s.to_be_bytes());
    p.extend_from_slice(&4000u16.to_be_bytes());
    p.extend_from_slice(&80u16.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ack.to_be_bytes());
    p.extend_from_slice(&[((thl / 4) as u8) << 4, flags]);
    p.extend_from_slice(&8192u16.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0]);
    p.extend_from_slice(options);
    p.extend_from_slice(payload);
    let mut acc = sum16(0, &p[12..20]);
    acc += 6 + (p.len() - 20) as u32;
    let c = !fold(sum16(acc, &p[20..]));
    p[36..38].copy_from_slice(&c.to_be_bytes());
    p
}

/// (seq, ack, flags, payload length) of an IPv4/TCP packet lwIP sent.
fn parse(p: &[u8]) -> (u32, u32, u8, usize) {
    let t = &p[20..];
    let thl = usize::from(t[12] >> 4) * 4;
    (
        u32::from_be_bytes(t[4..8].try_into().unwrap()),
        u32::from_be_bytes(t[8..12].try_into().unwrap()),
        t[13],
        t.len() - thl,
    )
}

fn data(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

// ---- the driver -----------------------------------------------------------------

/// One step of a scenario.
#[derive(Debug, Clone)]
enum Step {
    /// tcp_new, tcp_bind(port 80), tcp_listen, the application's accept.
    Listen,
    /// A packet from the peer.
    Input(Vec<u8>),
    /// The timers up to this time (ms).
    AdvanceTo(u32),
    /// tcp_write (copy) and tcp_output on the n-th accepted pcb.
    Write(usize, Vec<u8>),
    /// tcp_close on the n-th accepted pcb.
    Close(usize),
}

/// A handle as both sides can agree on it: listen or not, and the
/// allocation's generation (the pool index differs).
fn nh(h: Handle) -> String {
    if h.is_null() {
        return "NULL".into();
    }
    format!(
        "{}#{}",
        if h.is_listen() { "L" } else { "P" },
        h.generation()
    )
}

fn norm_event(e: &Event) -> String {
    let c = match e.callback {
        Callback::Accept { listener, new, err } => {
            format!(
                "accept({}, {}, {err:?})",
                nh(listener),
                new.map_or("None".into(), nh)
            )
        }
        Callback::Connected { pcb, err } => format!("connected({}, {err:?})", nh(pcb)),
        Callback::Recv { pcb, len, err } => format!("recv({}, {len:?}, {err:?})", nh(pcb)),
        Callback::Sent { pcb, len } => format!("sent({}, {len})", nh(pcb)),
        Callback::Poll { pcb } => format!("poll({})", nh(pcb)),
        Callback::Err { pcb, err } => format!("err({}, {err:?})", nh(pcb)),
    };
    format!("t={} {c} -> {:?}", e.time_ms, e.ret)
}

/// Everything compared after a step, as (name, value) rows.
fn snapshot<P: Side>(t: &Tcp<Hk, P>) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut add = |k: String, v: String| rows.push((k, v));
    add("pcbs_used".into(), t.pcbs_used().to_string());
    add("lpcbs_used".into(), t.lpcbs_used().to_string());
    add("segs_used".into(), t.segs_used().to_string());
    add("pool_pbufs_used".into(), t.pool_pbufs_used().to_string());
    add("memp_pbufs_used".into(), t.memp_pbufs_used().to_string());
    add("heap_used".into(), t.heap_used().to_string());
    // lwip_stats.tcp on the lwIP side, the port's counters on the other.
    add("tcp_stats".into(), format!("{:?}", t.tcp_stats()));
    add("mib2_tcp".into(), format!("{:?}", t.mib2_tcp()));
    let mut listed = Vec::new();
    t.for_each_on_list(|h, s, l| listed.push((h, s, l)));
    for (n, (h, s, l)) in listed.into_iter().enumerate() {
        let k = format!("list[{n}] {} on {l:?}", nh(h));
        add(format!("{k}.state"), format!("{s:?}"));
        if h.is_listen() {
            let lp = t.listen_pcb(h).unwrap();
            add(
                format!("{k}.listen"),
                format!(
                    "ip {:?} port {} prio {} so {} ttl {} tos {} netif {}",
                    lp.local_ip.v4(),
                    lp.local_port,
                    lp.prio,
                    lp.so_options,
                    lp.ttl,
                    lp.tos,
                    lp.netif_idx
                ),
            );
            continue;
        }
        let p = t.pcb(h).unwrap();
        macro_rules! fields {
            ($($f:ident),*) => { $( add(format!("{k}.{}", stringify!($f)), format!("{:?}", p.$f)); )* };
        }
        fields!(
            netif_idx,
            so_options,
            tos,
            ttl,
            prio,
            local_port,
            remote_port,
            flags,
            polltmr,
            pollinterval,
            last_timer,
            tmr,
            rcv_nxt,
            rcv_wnd,
            rcv_ann_wnd,
            rcv_ann_right_edge,
            rtime,
            mss,
            rttest,
            rtseq,
            sa,
            sv,
            rto,
            nrtx,
            dupacks,
            lastack,
            cwnd,
            ssthresh,
            rto_end,
            snd_nxt,
            snd_wl1,
            snd_wl2,
            snd_lbb,
            snd_wnd,
            snd_wnd_max,
            snd_buf,
            snd_queuelen,
            unsent_oversize,
            bytes_acked,
            keep_idle,
            persist_cnt,
            persist_backoff,
            persist_probe,
            keep_cnt_sent,
            snd_scale,
            rcv_scale
        );
        add(format!("{k}.local_ip"), format!("{:?}", p.local_ip.v4()));
        add(format!("{k}.remote_ip"), format!("{:?}", p.remote_ip.v4()));
        add(
            format!("{k}.callbacks"),
            format!(
                "recv {} sent {} connected {} poll {} errf {}",
                p.recv.is_set(),
                p.sent.is_set(),
                p.connected.is_set(),
                p.poll.is_set(),
                p.errf.is_set()
            ),
        );
        add(
            format!("{k}.listener"),
            format!("{:?}", t.listener_of(h).unwrap().map(nh)),
        );
        add(
            format!("{k}.queues"),
            format!("{:?}", t.queue_lens(h).unwrap()),
        );
        add(
            format!("{k}.refused"),
            t.refused_bytes(h).unwrap().to_string(),
        );
    }
    rows
}

/// A step's result (as text), the packets sent and the callbacks made.
type Outcome = (String, Vec<Vec<u8>>, Vec<String>);

/// One stack and its application.
struct Run<P: Side> {
    t: Box<Tcp<Hk, P>>,
    app: App,
    listener: Option<Handle>,
}

impl<P: Side> Run<P> {
    fn new(lw: &lwip_core::Lwip) -> Run<P> {
        let netif = Netif {
            ip: LWIP_IP,
            netmask: [255, 255, 255, 0],
            gateway: [192, 168, 0, 2],
            mtu: 1500,
        };
        P::netif_add(lw, &netif);
        Run {
            t: Box::new(Tcp::new(netif, Hk::default()).expect("a stack")),
            app: App::default(),
            listener: None,
        }
    }

    /// Runs a step; returns its results (as text), the packets sent and
    /// the callbacks made.
    fn step(&mut self, s: &Step) -> Outcome {
        let t = &mut self.t;
        let app = &mut self.app;
        let r = match s {
            Step::Listen => {
                let h = t.tcp_new(app).expect("a pcb");
                let b = t.tcp_bind(h, IpAddrRepr::ANY, 80);
                // (tcp_new's pcb is on no list before tcp_bind.)
                P::register(t, h, true);
                let (l, e) = t.tcp_listen_with_backlog_and_err(h, 4).unwrap();
                let l = l.expect("a listener");
                P::register_accept(t, l);
                self.listener = Some(l);
                format!("{b:?} {e:?} {}", nh(l))
            }
            Step::Input(p) => format!("{:?}", t.input(p, app)),
            Step::AdvanceTo(ms) => format!("{:?}", t.advance_to(*ms, app)),
            Step::Write(n, d) => {
                let h = app.accepted[*n];
                let w = t.tcp_write(h, d, WriteFlags::COPY);
                let o = t.tcp_output(h);
                format!("{w:?} {o:?}")
            }
            Step::Close(n) => format!("{:?}", t.tcp_close(app.accepted[*n])),
        };
        // The C application's tcp_err on what it accepted, after accept
        // returned (the core itself writes errf there: see `register`).
        for h in std::mem::take(&mut app.errf_pending) {
            if t.pcb(h).is_ok() {
                P::register(t, h, true);
            }
        }
        let out = P::packets(t);
        let ev = std::mem::take(&mut t.hooks.events)
            .iter()
            .map(norm_event)
            .collect();
        (r, out, ev)
    }
}

/// The first difference between the two sides' steps, if any.
fn compare<A: Side, B: Side>(
    i: usize,
    step: &Step,
    a: (&Run<A>, &Outcome),
    b: (&Run<B>, &Outcome),
) -> Result<(), String> {
    let at = format!("step {i} ({step:?})");
    let at = if at.len() > 120 {
        format!("{}…", &at[..120])
    } else {
        at
    };
    if a.1.0 != b.1.0 {
        return Err(format!("{at}: result {} vs {}", a.1.0, b.1.0));
    }
    if a.1.1.len() != b.1.1.len() {
        return Err(format!("{at}: {} packets vs {}", a.1.1.len(), b.1.1.len()));
    }
    for (k, (pa, pb)) in a.1.1.iter().zip(&b.1.1).enumerate() {
        if pa != pb {
            let off = pa.iter().zip(pb).position(|(x, y)| x != y);
            return Err(format!(
                "{at}: packet {k} differs (first at byte {off:?}): {:?} vs {:?}",
                parse(pa),
                parse(pb)
            ));
        }
    }
    if a.1.2 != b.1.2 {
        return Err(format!("{at}: callbacks {:?} vs {:?}", a.1.2, b.1.2));
    }
    let (sa, sb) = (snapshot(&a.0.t), snapshot(&b.0.t));
    for (ra, rb) in sa.iter().zip(&sb) {
        if ra != rb {
            return Err(format!("{at}: {} = {} vs {} = {}", ra.0, ra.1, rb.0, rb.1));
        }
    }
    if sa.len() != sb.len() {
        return Err(format!("{at}: {} rows vs {}", sa.len(), sb.len()));
    }
    if a.0.app.received != b.0.app.received || a.0.app.fins != b.0.app.fins {
        return Err(format!("{at}: the applications received different data"));
    }
    Ok(())
}

/// What the scenario measured.
#[derive(Debug, Default)]
struct Measured {
    steps: usize,
    packets: usize,
    callbacks: usize,
    rows: usize,
    c_checks: usize,
}

/// The scenario, as steps; `check` runs after each step on the lwIP side
/// (the C structures against the peer's sequence numbers).
fn scenario() -> Vec<Step> {
    let p = PEER_ISN;
    let l = ISN;
    let mss = [2, 4, 0x05, 0xb4]; // MSS 1460: lwIP's 536 is the smaller
    let mut s = vec![
        Step::Listen,
        Step::Input(packet(p, 0, SYN, &mss, &[])),
        Step::Input(packet(p + 1, l + 1, ACK, &[], &[])),
        // In order: delivered, the ACK delayed until the fast timer.
        Step::Input(packet(p + 1, l + 1, ACK | PSH, &[], &data(100, 1))),
        Step::AdvanceTo(250),
        // Out of order: 100 bytes missing, two segments queued on ooseq.
        Step::Input(packet(p + 201, l + 1, ACK, &[], &data(100, 3))),
        Step::Input(packet(p + 301, l + 1, ACK, &[], &data(50, 4))),
        // The hole filled: all 250 bytes delivered.
        Step::Input(packet(p + 101, l + 1, ACK, &[], &data(100, 2))),
        Step::AdvanceTo(500),
        // Data from lwIP: two segments (MSS 536); the first acknowledged.
        Step::Write(0, data(1000, 9)),
        Step::Input(packet(p + 351, l + 1 + 536, ACK, &[], &[])),
        // The second is retransmitted by the timer (RTO).
        Step::AdvanceTo(5000),
        Step::Input(packet(p + 351, l + 1001, ACK, &[], &[])),
        // More out of order, then the peer closes.
        Step::Input(packet(p + 451, l + 1001, ACK, &[], &data(80, 6))),
        Step::Input(packet(p + 351, l + 1001, ACK, &[], &data(100, 5))),
        Step::AdvanceTo(5250),
        Step::Input(packet(p + 531, l + 1001, ACK | FIN, &[], &[])),
        Step::AdvanceTo(5500),
        Step::Input(packet(p + 532, l + 1002, ACK, &[], &[])),
        Step::AdvanceTo(8000),
    ];
    // A second connection, closed by lwIP first, to TIME_WAIT.
    let q = PEER_ISN + 0x10000;
    s.extend([
        Step::Input(packet(q, 0, SYN, &mss, &[])),
        Step::Input(packet(q + 1, l + 1, ACK, &[], &[])),
        Step::Write(1, data(300, 11)),
        Step::Close(1),
        Step::Input(packet(q + 1, l + 302, ACK, &[], &[])),
        Step::Input(packet(q + 1, l + 302, ACK | FIN, &[], &[])),
        Step::AdvanceTo(12000),
        // TIME_WAIT ends after 2 * TCP_MSL.
        Step::AdvanceTo(140_000),
    ]);
    s
}

/// The checks of the C structures on the lwIP side after step `i`.
fn c_checks<P: Side>(i: usize, r: &Run<P>, m: &mut Measured) {
    let Some(&h) = r.app.accepted.first() else {
        return;
    };
    let Some(q) = P::c_queues(&r.t, h) else {
        return;
    };
    let p = PEER_ISN;
    let l = ISN;
    let expect: Option<[Vec<(u32, u16)>; 3]> = match i {
        // Two segments on ooseq, their tcphdr in the input pbufs.
        6 => Some([vec![], vec![], vec![(p + 201, 100), (p + 301, 50)]]),
        7 => Some([vec![], vec![], vec![]]),
        // One full segment sent; Nagle holds the rest while it is
        // unacknowledged.
        9 => Some([vec![(l + 537, 464)], vec![(l + 1, 536)], vec![]]),
        10 => Some([vec![], vec![(l + 537, 464)], vec![]]),
        12 => Some([vec![], vec![], vec![]]),
        13 => Some([vec![], vec![], vec![(p + 451, 80)]]),
        _ => None,
    };
    if let Some(e) = expect {
        assert_eq!(q, e, "step {i}: the C structures' queues");
        m.c_checks += 1;
    }
}

/// Runs the scenario on both sides (under lwIP's lock) and returns the
/// first difference, or what was compared.
fn run_both<A: Side, B: Side>() -> Result<Measured, String> {
    let lw = lwip_core::lock();
    let mut a = Run::<A>::new(&lw);
    let mut b = Run::<B>::new(&lw);
    let mut m = Measured::default();
    for (i, s) in scenario().iter().enumerate() {
        let ra = a.step(s);
        let rb = b.step(s);
        compare(i, s, (&a, &ra), (&b, &rb))?;
        if std::env::var_os("STORAGE_DIFF_TRACE").is_some() {
            let pk: Vec<_> = ra.1.iter().map(|p| parse(p)).collect();
            println!("step {i}: {} {pk:x?} {:?}", ra.0, ra.2);
        }
        if i == 11 {
            // The timer's retransmission: the second segment again.
            let pk: Vec<_> = ra.1.iter().map(|p| parse(p)).collect();
            assert_eq!(pk, [(ISN + 537, PEER_ISN + 351, ACK | PSH, 464)], "the RTO");
        }
        c_checks(i, &a, &mut m);
        c_checks(i, &b, &mut m);
        m.steps += 1;
        m.packets += ra.1.len();
        m.callbacks += ra.2.len();
        m.rows += snapshot(&a.t).len();
    }
    // Each packet took one IP identification on both sides (lwIP's ip_id
    // from 0, as the port's: the packets compared equal).
    assert_eq!(usize::from(lw.ip_id()), m.packets, "ip4.c's ip_id");
    // The scenario did what it says.
    assert_eq!(a.app.received.len(), 530, "all the peer's data");
    assert_eq!(a.app.fins, 2, "both peers closed");
    assert_eq!(a.t.pcbs_used(), 0, "both connections gone");
    let st = a.t.tcp_stats();
    assert!(
        st[0] > 0 && st[1] > 0,
        "lwip_stats.tcp counted xmit and recv: {st:?}"
    );
    // MIB2_STATS (test/unit's options): passive opens, closes from
    // ESTABLISHED, segments out and in.
    let m2 = a.t.mib2_tcp();
    assert!(
        m2[1] > 0 && m2[3] > 0 && m2[4] > 0 && m2[6] > 0,
        "lwip_stats.mib2 counted opens and segments: {m2:?}"
    );
    assert_eq!(a.t.segs_used(), 0);
    Ok(m)
}

/// (c) The core over lwIP's pools and structures behaves as over the
/// port's own, step for step.
#[test]
fn one_core_two_storages() {
    let m = run_both::<OverC<LwipStorage>, OverPools>().unwrap_or_else(|e| panic!("{e}"));
    println!("compared: {m:?}");
    assert!(m.c_checks >= 6, "the C structures were read: {m:?}");
    assert!(m.packets >= 15, "{m:?}");
}

// ---- (e) more than 64 KiB delivered at once -----------------------------------

/// lwIP's unit-test options with a receive window above 64 KiB (window
/// scaling, shift 2), over lwIP's pools (40 segments, 400 pool pbufs):
/// what the port's own `Pools`/`Pbufs` cannot hold, so this runs on the
/// lwIP side only.
struct WideWindow;
impl Options for WideWindow {
    const CONFIG: Config = {
        let base = lwip_tcp_rust::opts::CONFIG;
        let wnd = 80 * 1024;
        Config {
            tcp_wnd: wnd,
            tcp_rcv_scale: 2,
            tcp_wnd_update_threshold: tcp_rust::config::tcp_wnd_update_threshold_default(
                wnd,
                base.tcp_mss,
            ),
            ..base
        }
    };
}

/// A connection with the wide window, and 39 segments of 1,700 bytes
/// queued on ooseq behind a hole of one: returns the run, the 68,000
/// bytes (`seed`), and the segment that fills the hole.
fn ooseq_behind_a_hole(
    lw: &lwip_core::Lwip,
    seed: u8,
) -> (Run<OverC<LwipStorage, WideWindow>>, Vec<u8>, Vec<u8>) {
    let mut r = Run::<OverC<LwipStorage, WideWindow>>::new(lw);
    let p = PEER_ISN;
    // MSS 1460, NOP, window scale 0: lwIP scales its own window by 2.
    let syn_opts = [2, 4, 0x05, 0xb4, 1, 3, 3, 0];
    r.step(&Step::Listen);
    r.step(&Step::Input(packet(p, 0, SYN, &syn_opts, &[])));
    r.step(&Step::Input(packet(p + 1, ISN + 1, ACK, &[], &[])));
    let all = data(40 * SEG as usize, seed);
    let part = |k: u32| &all[(k * SEG) as usize..((k + 1) * SEG) as usize];
    for k in 1..40 {
        let q = packet(p + 1 + k * SEG, ISN + 1, ACK, &[], part(k));
        r.step(&Step::Input(q));
    }
    assert!(r.app.received.is_empty(), "all of it out of order");
    let first = packet(p + 1, ISN + 1, ACK, &[], part(0));
    (r, all, first)
}

/// The segments' length in `ooseq_behind_a_hole`.
const SEG: u32 = 1700;

/// With `TCP_QUEUE_OOSEQ` and `LWIP_WND_SCALE`, the data a segment that
/// fills a hole releases can exceed a pbuf's `u16_t` `tot_len`: lwIP's
/// `tcp_input` hands it to the application in parts (`pbuf_split_64k`),
/// each below 64 KiB. Here 39 segments of 1700 bytes wait on ooseq, then
/// the first fills the hole: 68,000 bytes, delivered as two pbufs, every
/// byte in order, all acknowledged. (Found by ci/lwip-app at 3 % loss: the
/// port delivered one chain whose `tot_len` had wrapped, and lwiperf's
/// "count mismatch" assertion stopped the application.)
#[test]
fn data_past_64k_is_delivered_in_parts() {
    let lw = lwip_core::lock();
    let (mut r, all, first) = ooseq_behind_a_hole(&lw, 5);
    let (p, seg) = (PEER_ISN, SEG);
    let (res, out, _) = r.step(&Step::Input(first));
    assert_eq!(res, "Ok(Ok)");
    assert_eq!(
        r.app
            .recv_lens
            .iter()
            .map(|&n| usize::from(n))
            .sum::<usize>(),
        all.len(),
        "recv's pbufs: {:?}",
        r.app.recv_lens
    );
    assert_eq!(r.app.recv_lens.len(), 2, "two parts: {:?}", r.app.recv_lens);
    assert!(r.app.received == all, "the bytes, in order");
    let last = out.last().map(|q| parse(q)).expect("an ACK");
    assert_eq!(last.1, p + 1 + 40 * seg, "everything acknowledged");
    assert_eq!(r.t.segs_used(), 0, "ooseq emptied");
}

/// The same 68,000 bytes, refused by the application at first: lwIP keeps
/// both parts as the pcb's refused data (the rest concatenated behind the
/// refused part) and `tcp_process_refused_data` hands them over again in
/// parts below 64 KiB, in a loop, when the fast timer retries.
#[test]
fn refused_data_past_64k_is_delivered_in_parts() {
    let lw = lwip_core::lock();
    let (mut r, all, first) = ooseq_behind_a_hole(&lw, 7);
    r.app.refuse = 1;
    r.step(&Step::Input(first));
    assert_eq!(r.app.recv_lens.len(), 1, "one part offered, refused");
    assert!(r.app.received.is_empty());
    // All of it kept: the refused part with the rest behind it, whose
    // head's u16_t tot_len wraps, as lwIP's does (pbuf_cat).
    assert_eq!(
        r.t.refused_bytes(r.app.accepted[0]).unwrap(),
        all.len() % 0x10000,
        "all of it kept"
    );
    r.step(&Step::AdvanceTo(250));
    let lens: Vec<usize> = r.app.recv_lens.iter().map(|&n| usize::from(n)).collect();
    assert_eq!(lens.len(), 3, "refused, then two parts: {lens:?}");
    assert_eq!(lens[0], lens[1], "the same first part again: {lens:?}");
    assert_eq!(lens[1] + lens[2], all.len(), "{lens:?}");
    assert!(r.app.received == all, "the bytes, in order");
    assert_eq!(r.t.refused_bytes(r.app.accepted[0]).unwrap(), 0);
}

// ---- (d) the planted fault --------------------------------------------------------

/// `LwipStorage` with one fault: a data segment's sequence number reads
/// one too high.
struct Faulty(LwipStorage);

impl Storage for Faulty {
    type Layout = CLayout;
    type Pbufs = LwipPbufs;
    const PORT_PBUFS: bool = false;
    const EMPTY: Faulty = Faulty(LwipStorage::EMPTY);
    const MAX_PCBS: usize = LwipStorage::MAX_PCBS;
    const MAX_LISTEN_PCBS: usize = LwipStorage::MAX_LISTEN_PCBS;
    const MAX_SEGS: usize = LwipStorage::MAX_SEGS;
    fn memp_init(&mut self) {
        self.0.memp_init()
    }
    fn memp_used(&self, pool: Pool) -> usize {
        self.0.memp_used(pool)
    }
    fn alloc_pcb(&mut self, limit: usize) -> Option<PcbPtr> {
        self.0.alloc_pcb(limit)
    }
    fn free_pcb(&mut self, r: PcbPtr) {
        self.0.free_pcb(r)
    }
    fn alloc_lpcb(&mut self, limit: usize) -> Option<LpcbPtr> {
        self.0.alloc_lpcb(limit)
    }
    fn free_lpcb(&mut self, r: LpcbPtr) {
        self.0.free_lpcb(r)
    }
    fn alloc_seg(&mut self, limit: usize) -> Option<SegPtr> {
        self.0.alloc_seg(limit)
    }
    fn free_seg(&mut self, r: SegPtr) {
        self.0.free_seg(r)
    }
    fn pcb(&self, r: PcbPtr) -> &TcpPcb<CLayout> {
        self.0.pcb(r)
    }
    fn pcb_mut(&mut self, r: PcbPtr) -> &mut TcpPcb<CLayout> {
        self.0.pcb_mut(r)
    }
    fn lpcb(&self, r: LpcbPtr) -> &TcpPcbListen<CLayout> {
        self.0.lpcb(r)
    }
    fn lpcb_mut(&mut self, r: LpcbPtr) -> &mut TcpPcbListen<CLayout> {
        self.0.lpcb_mut(r)
    }
    fn seg(&self, r: SegPtr) -> &TcpSeg<CLayout> {
        self.0.seg(r)
    }
    fn seg_mut(&mut self, r: SegPtr) -> &mut TcpSeg<CLayout> {
        self.0.seg_mut(r)
    }
    /// THE FAULT.
    fn seg_seqno(&self, r: SegPtr) -> u32 {
        let v = self.0.seg_seqno(r);
        if self.0.seg(r).len > 0 {
            v.wrapping_add(1)
        } else {
            v
        }
    }
    fn seg_set_seqno(&mut self, r: SegPtr, v: u32) {
        self.0.seg_set_seqno(r, v)
    }
    /// THE FAULT, for received segments too.
    fn in_seg_seqno(&self, r: SegPtr) -> u32 {
        let v = self.0.in_seg_seqno(r);
        if self.0.seg(r).len > 0 {
            v.wrapping_add(1)
        } else {
            v
        }
    }
    fn in_seg_set_seqno(&mut self, r: SegPtr, v: u32) {
        self.0.in_seg_set_seqno(r, v)
    }
    fn seg_hdr_flags(&self, r: SegPtr) -> u8 {
        self.0.seg_hdr_flags(r)
    }
    fn seg_set_hdr_flags(&mut self, r: SegPtr, flags: u8) {
        self.0.seg_set_hdr_flags(r, flags)
    }
    fn tcphdr_at(p: PbufPtr) -> TcpHdrPtr {
        LwipStorage::tcphdr_at(p)
    }
    fn list(&self, l: List) -> Option<PcbPtr> {
        self.0.list(l)
    }
    fn set_list(&mut self, l: List, head: Option<PcbPtr>) {
        self.0.set_list(l, head)
    }
    fn listen_pcbs(&self) -> Option<LpcbPtr> {
        self.0.listen_pcbs()
    }
    fn set_listen_pcbs(&mut self, head: Option<LpcbPtr>) {
        self.0.set_listen_pcbs(head)
    }
    fn tcp_ticks(&self) -> u32 {
        self.0.tcp_ticks()
    }
    fn set_tcp_ticks(&mut self, t: u32) {
        self.0.set_tcp_ticks(t)
    }
    fn active_pcbs_changed(&self) -> bool {
        self.0.active_pcbs_changed()
    }
    fn set_active_pcbs_changed(&mut self, v: bool) {
        self.0.set_active_pcbs_changed(v)
    }
    fn tcp_timer_needed(&mut self) {
        self.0.tcp_timer_needed()
    }
    fn tcp_stats_inc(&mut self, s: tcp_rust::storage::TcpStat) {
        self.0.tcp_stats_inc(s)
    }
    fn tcp_stats(&self) -> [u16; tcp_rust::storage::TCP_STATS_COUNTERS] {
        self.0.tcp_stats()
    }
    fn mib2_tcp_inc(&mut self, c: tcp_rust::storage::Mib2Tcp) {
        self.0.mib2_tcp_inc(c)
    }
    fn mib2_tcp(&self) -> [u32; tcp_rust::storage::MIB2_TCP_COUNTERS] {
        self.0.mib2_tcp()
    }
    fn tcp_stats_init(&mut self) {
        self.0.tcp_stats_init()
    }
    fn input_pcb(&self) -> Option<PcbPtr> {
        self.0.input_pcb()
    }
    fn set_input_pcb(&mut self, i: Option<PcbPtr>) {
        self.0.set_input_pcb(i)
    }
    fn netif_reset(&mut self, netif: Netif) {
        self.0.netif_reset(netif)
    }
    fn port_netif(&self) -> Option<Netif> {
        self.0.port_netif()
    }
    fn ip_route(&self, src: &IpOf<Self>, dest: &IpOf<Self>) -> Option<NetifOf<Self>> {
        self.0.ip_route(src, dest)
    }
    fn ip_netif_get_local_ip(&self, n: NetifOf<Self>, dest: &IpOf<Self>) -> Option<IpOf<Self>> {
        self.0.ip_netif_get_local_ip(n, dest)
    }
    fn netif_ip6(&self, n: NetifOf<Self>) -> Option<[u8; 16]> {
        self.0.netif_ip6(n)
    }
    fn netif_set_ip6(&mut self, n: NetifOf<Self>, ip: [u8; 16]) {
        self.0.netif_set_ip6(n, ip)
    }
    fn netif_get_by_index(&self, idx: u8) -> Option<NetifOf<Self>> {
        self.0.netif_get_by_index(idx)
    }
    fn netif_index(&self, n: NetifOf<Self>) -> u8 {
        self.0.netif_index(n)
    }
    fn netif_mtu(&self, n: NetifOf<Self>) -> u16 {
        self.0.netif_mtu(n)
    }
    fn netif_ip4(&self, n: NetifOf<Self>) -> [u8; 4] {
        self.0.netif_ip4(n)
    }
    fn netif_set_ip4(&mut self, n: NetifOf<Self>, ip: [u8; 4]) {
        self.0.netif_set_ip4(n, ip)
    }
    fn ip4_addr_isbroadcast(&self, addr: [u8; 4], n: NetifOf<Self>) -> bool {
        self.0.ip4_addr_isbroadcast(addr, n)
    }
    fn ip_output_if<F: FnOnce(&LwipPbufs, PbufPtr)>(
        &mut self,
        pbufs: &mut LwipPbufs,
        p: PbufPtr,
        src: &IpOf<Self>,
        dest: &IpOf<Self>,
        ttl: u8,
        tos: u8,
        n: NetifOf<Self>,
        out: F,
    ) -> Err {
        self.0.ip_output_if(pbufs, p, src, dest, ttl, tos, n, out)
    }
    fn seg_payload_to_tcphdr(&mut self, pbufs: &mut LwipPbufs, r: SegPtr) -> bool {
        self.0.seg_payload_to_tcphdr(pbufs, r)
    }
    fn pcb_index(&self, r: PcbPtr) -> u8 {
        self.0.pcb_index(r)
    }
    fn pcb_at(&self, idx: u8) -> Option<PcbPtr> {
        self.0.pcb_at(idx)
    }
    fn pcb_alive(&self, r: PcbPtr, generation: u32) -> bool {
        self.0.pcb_alive(r, generation)
    }
    fn pcb_generation(&self, r: PcbPtr) -> u32 {
        self.0.pcb_generation(r)
    }
    fn lpcb_index(&self, r: LpcbPtr) -> u8 {
        self.0.lpcb_index(r)
    }
    fn lpcb_at(&self, idx: u8) -> Option<LpcbPtr> {
        self.0.lpcb_at(idx)
    }
    fn lpcb_alive(&self, r: LpcbPtr, generation: u32) -> bool {
        self.0.lpcb_alive(r, generation)
    }
    fn lpcb_generation(&self, r: LpcbPtr) -> u32 {
        self.0.lpcb_generation(r)
    }
}

/// (d) The comparison finds a storage that reads a wrong sequence number.
#[test]
fn a_planted_seqno_fault_is_found() {
    let e = run_both::<OverC<Faulty>, OverPools>().expect_err("the fault must be found");
    println!("reported: {e}");
    // The first data segment with a sequence number is the first
    // out-of-order one (step 5): its queue is trimmed by the wrong number.
    assert!(e.starts_with("step "), "{e}");
}
