//! lwIP's TCP API as the library exports it (`tcp-rust/ffi/src/api.rs`),
//! called as C calls it, over lwIP's real non-TCP core (lwip-core): a
//! listener and a client on one stack, on two netifs (each pcb bound to
//! its own with `tcp_bind_netif`, so that lwIP's IP layer does not take a
//! packet to its own address to its loopback queue), whose output queues
//! each packet, which the test then hands to lwIP's own `ip4_input` on the
//! netif that owns the destination (and so to the exported `tcp_input`,
//! through `ip_data`).
//! The application is C-shaped: `extern "C"` callbacks registered with
//! `tcp_accept`, `tcp_recv`, `tcp_sent`, `tcp_err`, taking their state
//! from `callback_arg`, calling the API from inside the callbacks (the
//! stack lent to them), freeing the pbufs recv hands them.
//!
//! Checked: the handshake (connected, accept), data both ways byte for
//! byte with `tcp_recved` and sent callbacks, a close from each side (the
//! FIN as recv(NULL)), an abort's err callback with the pcb's argument,
//! and lwIP's TCP pools and pbufs all free at the end. (ci/lwip-unit runs
//! lwIP's own tests on the same API; this one runs in `cargo test`.)

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Mutex;

use lwip_tcp_rust::api;
use lwip_tcp_rust::layout::{ConnectedFn, ErrFn, ErrT, IpAddrT, RecvFn, SentFn};
use lwip_tcp_rust::pbuf::LwipPbufs;
use tcp_rust::pbuf::PbufStore;
use tcp_rust::storage::{IpAddrRepr, Pool, Storage};

/// The server's netif's address, and the client's.
const IP: [u8; 4] = [10, 0, 0, 1];
const CLIENT_IP: [u8; 4] = [10, 0, 1, 1];
const PORT: u16 = 7000;

unsafe extern "C" {
    fn ip4_input(p: *mut c_void, inp: *mut c_void) -> i8;
    fn pbuf_alloc(layer: u32, length: u16, ty: u32) -> *mut c_void;
    fn pbuf_copy_partial(p: *const c_void, buf: *mut c_void, len: u16, offset: u16) -> u16;
    fn pbuf_take(p: *mut c_void, data: *const c_void, len: u16) -> i8;
    fn pbuf_free(p: *mut c_void) -> u8;
    /// timeouts.c: the time to the next timeout, 0xffffffff for none.
    fn sys_timeouts_sleeptime() -> u32;
    /// timeouts.c: runs the timeouts that are due (NO_SYS).
    fn sys_check_timeouts();
    /// test/unit's sys_arch.c: what `sys_now()` returns.
    static mut lwip_sys_now: u32;
}

/// `PBUF_RAW` and `PBUF_POOL` (pbuf.h).
const PBUF_RAW: u32 = 0;
const PBUF_POOL: u32 = 0x182;

/// Packets the netif sent, waiting to be input.
static WIRE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// `netif->output`: queue a copy (lwIP keeps its pbuf).
unsafe extern "C" fn output(_: *mut c_void, p: *mut c_void, _: *const c_void) -> i8 {
    let mut v = vec![0u8; 65535];
    // SAFETY: lwIP hands a live pbuf chain for the call; it is read only.
    let n = unsafe { pbuf_copy_partial(p, v.as_mut_ptr().cast(), 65535, 0) };
    v.truncate(usize::from(n));
    WIRE.lock().unwrap_or_else(|e| e.into_inner()).push(v);
    0
}

/// Delivers what is on the wire (and what that makes the stack send),
/// each packet in a `PBUF_POOL` chain through lwIP's `ip4_input` on the
/// netif whose address is its destination.
fn deliver(netifs: &[([u8; 4], NonNull<c_void>)]) -> usize {
    let mut n = 0;
    loop {
        let pkts = std::mem::take(&mut *WIRE.lock().unwrap_or_else(|e| e.into_inner()));
        if pkts.is_empty() {
            return n;
        }
        for pkt in pkts {
            n += 1;
            let netif = netifs
                .iter()
                .find(|(ip, _)| pkt.get(16..20) == Some(&ip[..]))
                .expect("a packet for one of the netifs")
                .1;
            // SAFETY: lwIP's pbuf_alloc and pbuf_take on a new chain, which
            // ip4_input then owns (lwIP's contract for netif input).
            unsafe {
                let p = pbuf_alloc(PBUF_RAW, pkt.len() as u16, PBUF_POOL);
                assert!(!p.is_null(), "a pool pbuf for the packet");
                assert_eq!(pbuf_take(p, pkt.as_ptr().cast(), pkt.len() as u16), 0);
                ip4_input(p, netif.as_ptr());
            }
        }
    }
}

/// A netif of lwIP's at `ip`/24 whose output goes on the wire, up with its
/// link up.
fn add_netif(lw: &lwip_core::Lwip, ip: [u8; 4]) -> NonNull<c_void> {
    let n = lw
        .netif_add(&lwip_core::NetifConfig {
            ip,
            netmask: [255, 255, 255, 0],
            gateway: [0; 4],
            mtu: 1500,
            flags: 0,
            output,
        })
        .expect("a netif");
    lw.netif_set_up(n);
    lw.netif_set_link_up(n);
    n
}

/// What the C application saw, per pcb (its `callback_arg`).
#[derive(Default)]
struct Conn {
    pcb: usize,
    connected: u32,
    received: Vec<u8>,
    fins: u32,
    sent: u32,
    errs: Vec<ErrT>,
    /// Bytes to write back from inside recv (an echo).
    echo: bool,
}

static ACCEPTED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn conn<'a>(arg: *mut c_void) -> &'a mut Conn {
    // SAFETY: every callback_arg the test sets is a leaked Box<Conn>,
    // used by one callback at a time (lwIP is single-threaded).
    unsafe { &mut *arg.cast::<Conn>() }
}

unsafe extern "C" fn on_connected(arg: *mut c_void, pcb: *mut c_void, err: ErrT) -> ErrT {
    assert_eq!(err, 0);
    let c = conn(arg);
    c.connected += 1;
    c.pcb = pcb as usize;
    0
}

unsafe extern "C" fn on_recv(arg: *mut c_void, pcb: *mut c_void, p: *mut c_void, _: ErrT) -> ErrT {
    let c = conn(arg);
    if p.is_null() {
        c.fins += 1;
        // The application closes its side on the peer's FIN.
        return api::tcp_close(pcb);
    }
    let mut buf = vec![0u8; 65535];
    // SAFETY: recv hands the application this pbuf chain; it frees it.
    let n = unsafe {
        let n = pbuf_copy_partial(p, buf.as_mut_ptr().cast(), 65535, 0);
        pbuf_free(p);
        n
    };
    buf.truncate(usize::from(n));
    c.received.extend_from_slice(&buf);
    api::tcp_recved(pcb, n);
    if c.echo {
        // SAFETY: `buf` lives for the call; TCP_WRITE_FLAG_COPY copies it.
        let e = unsafe { api::tcp_write(pcb, buf.as_ptr().cast(), n, 1) };
        assert_eq!(e, 0);
        assert_eq!(api::tcp_output(pcb), 0);
    }
    0
}

unsafe extern "C" fn on_sent(arg: *mut c_void, _: *mut c_void, _: u16) -> ErrT {
    conn(arg).sent += 1;
    0
}

unsafe extern "C" fn on_err(arg: *mut c_void, err: ErrT) {
    conn(arg).errs.push(err);
}

unsafe extern "C" fn on_accept(_: *mut c_void, newpcb: *mut c_void, err: ErrT) -> ErrT {
    assert_eq!(err, 0);
    let c = Box::into_raw(Box::new(Conn {
        pcb: newpcb as usize,
        echo: true,
        ..Conn::default()
    }));
    api::tcp_arg(newpcb, c.cast());
    api::tcp_recv(newpcb, RecvFn(Some(on_recv)));
    api::tcp_sent(newpcb, SentFn(Some(on_sent)));
    api::tcp_err(newpcb, ErrFn(Some(on_err)));
    ACCEPTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(c as usize);
    0
}

#[test]
fn a_c_application_over_lwips_ip_layer() {
    let lw = lwip_core::lock();
    let (a, b) = (add_netif(&lw, IP), add_netif(&lw, CLIENT_IP));
    // Nothing another test left on the wire.
    WIRE.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let netif = [(IP, a), (CLIENT_IP, b)];
    let netif = &netif[..];
    api::tcp_init();
    let any = IpAddrT::from_v4([0; 4]);
    let me = IpAddrT::from_v4(IP);

    // The server: bind, listen, accept.
    let l = api::tcp_new();
    assert!(!l.is_null());
    // SAFETY: `any` is a valid ip_addr_t for the call.
    assert_eq!(unsafe { api::tcp_bind(l, &any, PORT) }, 0);
    api::tcp_bind_netif(l, a.as_ptr());
    let l = api::tcp_listen_with_backlog(l, 1);
    assert!(!l.is_null());
    api::tcp_accept(l, Some(on_accept));

    // The client: connect to the listener.
    let client = Box::into_raw(Box::new(Conn::default()));
    let c = api::tcp_new();
    api::tcp_bind_netif(c, b.as_ptr());
    api::tcp_arg(c, client.cast());
    api::tcp_recv(c, RecvFn(Some(on_recv)));
    api::tcp_sent(c, SentFn(Some(on_sent)));
    api::tcp_err(c, ErrFn(Some(on_err)));
    // SAFETY: `me` is a valid ip_addr_t; on_connected has the type lwIP calls.
    assert_eq!(
        unsafe { api::tcp_connect(c, &me, PORT, ConnectedFn(Some(on_connected))) },
        0
    );
    assert_eq!(deliver(netif), 3, "SYN, SYN-ACK, ACK");
    let cl = conn(client.cast());
    assert_eq!((cl.connected, cl.pcb), (1, c as usize));
    // tcp_tcp_get_tcp_addrinfo (tcp.h; altcp_tcp.c's getters): each end's
    // address and port, only where the pointer is not NULL; ERR_VAL for a
    // NULL pcb.
    let (mut addr, mut port) = (IpAddrT::from_v4([9; 4]), 0u16);
    // SAFETY: writable out values for the calls.
    unsafe {
        assert_eq!(api::tcp_tcp_get_tcp_addrinfo(c, 0, &mut addr, &mut port), 0);
        assert_eq!((addr.v4(), port), (IP, PORT));
        assert_eq!(api::tcp_tcp_get_tcp_addrinfo(c, 1, &mut addr, &mut port), 0);
        assert_eq!(addr.v4(), CLIENT_IP);
        assert_ne!(port, PORT);
        let local_port = port;
        let mut untouched = IpAddrT::from_v4([9; 4]);
        port = 0;
        assert_eq!(
            api::tcp_tcp_get_tcp_addrinfo(c, 1, std::ptr::null_mut(), &mut port),
            0
        );
        assert_eq!((untouched.v4(), port), ([9; 4], local_port));
        assert_eq!(
            api::tcp_tcp_get_tcp_addrinfo(std::ptr::null_mut(), 1, &mut untouched, &mut port),
            -6
        );
        assert_eq!(untouched.v4(), [9; 4]);
    }
    let accepted = ACCEPTED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(accepted.len(), 1);
    let server = conn(accepted[0] as *mut c_void);

    // Data: the client writes, the server echoes from inside recv.
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    // SAFETY: `data` outlives the transfer; copied (TCP_WRITE_FLAG_COPY).
    assert_eq!(
        unsafe { api::tcp_write(c, data.as_ptr().cast(), data.len() as u16, 1) },
        0
    );
    assert_eq!(api::tcp_output(c), 0);
    deliver(netif);
    assert_eq!(server.received, data);
    assert_eq!(cl.received, data, "the echo");
    assert!(cl.sent > 0 && server.sent > 0, "sent callbacks");

    // The client closes; the server closes on the FIN (inside recv).
    assert_eq!(api::tcp_close(c), 0);
    deliver(netif);
    assert_eq!((server.fins, cl.fins), (1, 1));

    // A second connection, aborted by the client: the server's err
    // callback gets ERR_RST with its own argument.
    let c2 = api::tcp_new();
    api::tcp_bind_netif(c2, b.as_ptr());
    let client2 = Box::into_raw(Box::new(Conn::default()));
    api::tcp_arg(c2, client2.cast());
    api::tcp_err(c2, ErrFn(Some(on_err)));
    // SAFETY: as above.
    assert_eq!(
        unsafe { api::tcp_connect(c2, &me, PORT, ConnectedFn(Some(on_connected))) },
        0
    );
    deliver(netif);
    let accepted = ACCEPTED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(accepted.len(), 2);
    api::tcp_abort(c2);
    assert_eq!(
        conn(client2.cast()).errs,
        vec![-13],
        "ERR_ABRT to the aborting side"
    );
    deliver(netif);
    assert_eq!(
        conn(accepted[1] as *mut c_void).errs,
        vec![-14],
        "ERR_RST to the peer"
    );

    // The listener goes; lwIP's TCP pools are empty again (TIME_WAIT
    // pcbs aside: the first connection's client is in TIME_WAIT).
    assert_eq!(api::tcp_close(l), 0);
    let used = |pool| {
        let st = lwip_tcp_rust::storage::LwipStorage::EMPTY;
        st.memp_used(pool)
    };
    assert_eq!(used(Pool::TcpPcbListen), 0);
    assert!(used(Pool::TcpPcb) <= 1, "at most the TIME_WAIT pcb");
    assert_eq!(used(Pool::TcpSeg), 0);
    assert_eq!(LwipPbufs::new().pool_used(), 0, "no pool pbuf held");
    drop(lw);
}

/// lwIP's TCP timer runs only while TCP asks for it: tcp.c's `TCP_REG`
/// calls timeouts.c's `tcp_timer_needed()` whenever it puts a pcb on a
/// list, and the timer stops itself when no pcb is active or in
/// TIME_WAIT. Here nothing drives the stack's timers but lwIP's own
/// timeouts (`sys_check_timeouts`, as a NO_SYS main loop calls it, or the
/// tcpip thread): a connection's SYN is lost, and lwIP's timeouts must
/// retransmit it. (The example application on the port stalled at 3 %
/// loss before the library called `tcp_timer_needed()`: ci/lwip-app.)
#[test]
fn lwips_timeouts_run_the_tcp_timer_of_a_new_connection() {
    let lw = lwip_core::lock();
    let n = add_netif(&lw, CLIENT_IP);
    api::tcp_init();
    WIRE.lock().unwrap_or_else(|e| e.into_inner()).clear();
    // SAFETY: timeouts.c's functions; lwip_core's lock serialises them.
    let sleeptime = || unsafe { sys_timeouts_sleeptime() };
    assert_eq!(sleeptime(), u32::MAX, "no timeout pending without pcbs");

    let c = api::tcp_new();
    api::tcp_bind_netif(c, n.as_ptr());
    let me = IpAddrT::from_v4(IP);
    // SAFETY: `me` is a valid ip_addr_t; no connected callback.
    assert_eq!(
        unsafe { api::tcp_connect(c, &me, PORT, ConnectedFn(None)) },
        0
    );
    assert!(
        sleeptime() <= 250,
        "the TCP timer is scheduled: {}",
        sleeptime()
    );
    let syns = |w: &mut Vec<Vec<u8>>| std::mem::take(w).len();
    assert_eq!(
        syns(&mut WIRE.lock().unwrap_or_else(|e| e.into_inner())),
        1,
        "the SYN"
    );
    // The SYN is lost. lwIP's timeouts alone, 250 ms at a time, for 4 s:
    // the first retransmission (RTO 3 s) must come.
    let mut resent = 0;
    for _ in 0..16 {
        // SAFETY: test/unit's clock, read by sys_now(); single-threaded
        // under the lock.
        unsafe { lwip_sys_now = lwip_sys_now.wrapping_add(250) };
        // SAFETY: as above.
        unsafe { sys_check_timeouts() };
        resent += syns(&mut WIRE.lock().unwrap_or_else(|e| e.into_inner()));
    }
    assert_eq!(resent, 1, "the SYN retransmitted by lwIP's timer");
    api::tcp_abort(c);
    // The abort's RST stays off the wire the other test reads.
    WIRE.lock().unwrap_or_else(|e| e.into_inner()).clear();
    drop(lw);
}
