//! The footprint probe: what `ci/footprint` measures the port through.
//!
//! A firmware-like user of `tcp-rust`: one `Tcp<ProbeHooks>` with profile
//! "full", a minimal application, and one exported entry point per raw-API
//! call, so that fat LTO keeps every part of the port that a user of the
//! raw API can reach (and drops the rest: nothing here is `std`, there is
//! no formatting, the panic handler loops).
//!
//! The entry points are `#[unsafe(no_mangle)]` Rust-ABI functions named
//! `tcpdiff_probe_*`. Nothing calls them; they exist so that the linker
//! and LTO must keep what they reach. They take the stack by `&mut`
//! (wherever a firmware keeps it) and return the port's own results, so
//! the probe adds next to no code of its own. `TCPDIFF_SIZEOF_TCP` is
//! `size_of::<Tcp<ProbeHooks>>()`, read by `ci/footprint` from the object.
//!
//! Everything that depends on the shape of `Hooks` and `TcpApp` is in the
//! module [`glue`]: adapt it there when those traits change.
#![no_std]
// The only `unsafe` in this crate is the `unsafe(no_mangle)` attribute that
// exporting a symbol needs in edition 2024; there is no unsafe code (and so
// no `forbid(unsafe_code)`, which rejects that attribute too).

use tcp_rust::stack::Netif;
use tcp_rust::{ApiError, Err, Event, Handle, Tcp, TcpState, WriteFlags};

pub use glue::{ProbeApp, ProbeHooks};

/// The one place that knows the `Hooks` and `TcpApp` traits.
pub mod glue {
    use core::hint::black_box;

    use tcp_rust::pbuf::{Pbuf, PbufStore, RomStore};
    use tcp_rust::{Err, Event, Handle, Hooks, Packet, Tcp, TcpApp};

    /// Data an application sends without copying (`tcp_write_ref`): here
    /// one constant page, as flash-resident content would be.
    static PAGE: [u8; 64] = [0x5a; 64];

    /// The platform: a counter for `LWIP_RAND()` and the ISN, and a netif
    /// whose output the optimiser must treat as read (`black_box`), so the
    /// packet building is kept.
    pub struct ProbeHooks {
        /// State of the (trivial) generator.
        pub seed: u32,
    }

    impl RomStore for ProbeHooks {
        fn rom_bytes(&self, key: u32) -> &[u8] {
            if key == 0 { &PAGE } else { &[] }
        }
    }

    impl Hooks for ProbeHooks {
        fn sys_now(&mut self, clock: u32) -> u32 {
            clock
        }
        fn lwip_rand(&mut self) -> u32 {
            self.seed = self.seed.wrapping_add(0x9e37_79b9);
            self.seed
        }
        fn tcp_isn<A: tcp_rust::storage::IpAddrRepr>(
            &mut self,
            _local_ip: &A,
            local_port: u16,
            _remote_ip: &A,
            remote_port: u16,
        ) -> u32 {
            self.seed ^ (u32::from(local_port) << 16 | u32::from(remote_port))
        }
        fn netif_output<B: PbufStore>(&mut self, now_ms: u32, packet: Packet<'_, B>) {
            black_box(now_ms);
            for chunk in packet.chunks(&*self) {
                black_box(chunk);
            }
        }
        fn callback_made(&mut self, event: Event) -> u32 {
            black_box(event);
            0
        }
        fn callback_returned(&mut self, token: u32, ret: Err) {
            black_box((token, ret));
        }
        /// The probe only measures: nothing to report to.
        fn lwip_assert(&mut self, a: &'static tcp_rust::Assertion) {
            black_box(a);
        }
    }

    /// A minimal application: accepts everything, takes all data (the
    /// `tcp_recved` a real one makes), ignores the rest.
    pub struct ProbeApp;

    impl TcpApp<ProbeHooks> for ProbeApp {
    const OWNS_RECV_PBUF: bool = false;
        fn accept(
            &mut self,
            _tcp: &mut Tcp<ProbeHooks>,
            _listener: Handle,
            _new: Option<Handle>,
            _err: Err,
        ) -> Err {
            Err::Ok
        }
        fn connected(&mut self, _tcp: &mut Tcp<ProbeHooks>, _pcb: Handle, _err: Err) -> Err {
            Err::Ok
        }
        fn recv(
            &mut self,
            tcp: &mut Tcp<ProbeHooks>,
            pcb: Handle,
            data: Option<Pbuf>,
            _err: Err,
        ) -> Err {
            match data {
                Some(p) => {
                    let mut head = [0u8; 16];
                    tcp.pbuf_copy_partial(p, &mut head, 0);
                    black_box(&head);
                    let _ = tcp.tcp_recved(pcb, tcp.pbuf_tot_len(p));
                    Err::Ok
                }
                None => tcp.tcp_close(pcb).unwrap_or(Err::Arg),
            }
        }
        fn sent(&mut self, _tcp: &mut Tcp<ProbeHooks>, _pcb: Handle, _len: u16) -> Err {
            Err::Ok
        }
        fn poll(&mut self, _tcp: &mut Tcp<ProbeHooks>, _pcb: Handle) -> Err {
            Err::Ok
        }
        fn err(&mut self, _tcp: &mut Tcp<ProbeHooks>, pcb: Handle, _: bool, _: (), err: Err) {
            black_box((pcb, err));
        }
    }
}

/// `size_of::<Tcp<ProbeHooks>>()`: all of the port's state is in this one
/// value, for ci/footprint to read from the object.
#[unsafe(no_mangle)] // SAFETY: a name no other object defines (tcpdiff_ prefix).
pub static TCPDIFF_SIZEOF_TCP: usize = core::mem::size_of::<Tcp<ProbeHooks>>();

/// The stack as firmware places it: a zeroed `static` (`Tcp::zeroed`, a
/// const fn), configured in place by `Tcp::reset`. Its section shows
/// whether the zeroed stack needs an initial image (`.data`) or none
/// (`.bss`). Never accessed here: the entry points take the stack by
/// reference.
#[unsafe(no_mangle)] // SAFETY: a name no other object defines (tcpdiff_ prefix).
pub static mut TCPDIFF_STACK: Tcp<ProbeHooks> = Tcp::zeroed(ProbeHooks { seed: 0 });

/// The netif every entry point uses.
fn netif(ip: [u8; 4]) -> Netif {
    Netif {
        ip,
        netmask: [255, 255, 255, 0],
        gateway: [ip[0], ip[1], ip[2], 254],
        mtu: 1500,
    }
}

// Each `#[unsafe(no_mangle)]` below: SAFETY: a name no other object defines
// (tcpdiff_probe_ prefix), a Rust-ABI function with no unsafe contract.

/// The stack configured in place, as firmware does: a zeroed `static`
/// (`Tcp::zeroed`, like TCPDIFF_STACK) configured by `Tcp::reset`
/// (lwip_init + netif_add + tcp_init). `Tcp::new`, which returns the stack
/// by value, is the hosted convenience and is not what a firmware links.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_init(tcp: &mut Tcp<ProbeHooks>, ip: [u8; 4], seed: u32) -> bool {
    tcp.hooks.seed = seed;
    tcp.reset(netif(ip)).is_ok()
}

/// `Tcp::reset`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_reset(tcp: &mut Tcp<ProbeHooks>, ip: [u8; 4]) -> Result<(), ApiError> {
    tcp.reset(netif(ip))
}

/// One inbound IPv4 packet (`ip4_input` → `tcp_input`).
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_input(tcp: &mut Tcp<ProbeHooks>, packet: &[u8]) -> Result<Err, ApiError> {
    tcp.input(packet, &mut ProbeApp)
}

/// `tcp_tmr` (what a firmware's 250 ms tick calls).
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_tmr(tcp: &mut Tcp<ProbeHooks>) -> Result<(), ApiError> {
    tcp.tcp_tmr(&mut ProbeApp)
}

/// `tcp_new` and the callback setters a firmware calls on a new pcb.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_tcp_new(tcp: &mut Tcp<ProbeHooks>) -> Option<Handle> {
    let h = tcp.tcp_new(&mut ProbeApp)?;
    let _ = tcp.tcp_recv(h, true);
    let _ = tcp.tcp_sent(h, true);
    let _ = tcp.tcp_err(h, true);
    let _ = tcp.tcp_poll(h, true, 4);
    Some(h)
}

/// `tcp_bind`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_bind(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    ip: [u8; 4],
    port: u16,
) -> Result<Err, ApiError> {
    tcp.tcp_bind(h, ip, port)
}

/// `tcp_listen_with_backlog_and_err` + `tcp_accept`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_listen(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    backlog: u8,
) -> Result<(Option<Handle>, Err), ApiError> {
    let r = tcp.tcp_listen_with_backlog_and_err(h, backlog)?;
    if let Some(l) = r.0 {
        tcp.tcp_accept(l, tcp_rust::AcceptFn::App)?;
    }
    Ok(r)
}

/// `tcp_connect`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_connect(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    ip: [u8; 4],
    port: u16,
) -> Result<Err, ApiError> {
    tcp.tcp_connect(h, ip, port)
}

/// `tcp_write`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_write(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    data: &[u8],
    flags: WriteFlags,
) -> Result<Err, ApiError> {
    tcp.tcp_write(h, data, flags)
}

/// `tcp_write` without `TCP_WRITE_FLAG_COPY` (`tcp_write_ref`: the
/// application's constant page, referenced).
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_write_ref(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    offset: u32,
    len: u16,
    flags: WriteFlags,
) -> Result<Err, ApiError> {
    tcp.tcp_write_ref(h, tcp_rust::pbuf::RomRef { key: 0, offset }, len, flags)
}

/// `tcp_output`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_output(tcp: &mut Tcp<ProbeHooks>, h: Handle) -> Result<Err, ApiError> {
    tcp.tcp_output(h)
}

/// `tcp_recved`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_recved(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    len: u16,
) -> Result<(), ApiError> {
    tcp.tcp_recved(h, len)
}

/// `tcp_close`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_close(tcp: &mut Tcp<ProbeHooks>, h: Handle) -> Result<Err, ApiError> {
    tcp.tcp_close(h)
}

/// `tcp_shutdown`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_shutdown(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    rx: bool,
    tx: bool,
) -> Result<Err, ApiError> {
    tcp.tcp_shutdown(h, rx, tx)
}

/// `tcp_abort`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_abort(tcp: &mut Tcp<ProbeHooks>, h: Handle) -> Result<(), ApiError> {
    tcp.tcp_abort(h, &mut ProbeApp)
}

/// The option setters: `tcp_nagle_disable/enable`, `tcp_setprio`,
/// keepalive, `tcp_bind_netif`, `tcp_backlog_delayed/accepted`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_options(
    tcp: &mut Tcp<ProbeHooks>,
    h: Handle,
    prio: u8,
    on: bool,
) -> Result<(), ApiError> {
    tcp.tcp_nagle(h, on)?;
    tcp.tcp_setprio(h, prio)?;
    tcp.tcp_keepalive(h, on, 7_200_000, 75_000, 9)?;
    tcp.tcp_bind_netif(h, on)?;
    if on {
        tcp.tcp_backlog_delayed(h)
    } else {
        tcp.tcp_backlog_accepted_api(h)
    }
}

/// `tcp_sndbuf`, `tcp_sndqueuelen` and the pcb's state (what an lwIP
/// application reads from `pcb->state`; not a copy of the whole pcb).
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_query(
    tcp: &Tcp<ProbeHooks>,
    h: Handle,
) -> Result<(u32, u32, TcpState), ApiError> {
    Ok((
        tcp.tcp_sndbuf(h)?,
        tcp.tcp_sndqueuelen(h)?,
        tcp.pcb(h)?.state,
    ))
}

/// `netif_set_ipaddr` (`tcp_netif_ip_addr_changed`).
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_set_ipaddr(tcp: &mut Tcp<ProbeHooks>, ip: [u8; 4]) -> Result<(), ApiError> {
    tcp.netif_set_ipaddr(ip, &mut ProbeApp)
}

/// `tcp_txnow`.
#[unsafe(no_mangle)]
pub fn tcpdiff_probe_txnow(tcp: &mut Tcp<ProbeHooks>) -> Result<(), ApiError> {
    tcp.tcp_txnow()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
