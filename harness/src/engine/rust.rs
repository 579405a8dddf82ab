//! The Rust engine: the port in `tcp-rust`, driven exactly as the C engine
//! drives lwIP. The same seeded generators feed `LWIP_RAND()` and the ISN
//! hook ([`lwip_c::det::Seeded`]), connections get the numbers the C shim
//! gives them (one counter for `tcp_new` and accepted pcbs; a listener
//! keeps its socket's number; a pcb not yet accepted shows its
//! listener's), and the application is the shared [`AppState`].

use std::collections::{HashMap, VecDeque};

use lwip_vocab::IpAddr;

use lwip_c::det::Seeded;
use tcp_rust::config::{Full, Profile};
use tcp_rust::ip4::PortAddr;
use tcp_rust::pbuf::Pbufs;
use tcp_rust::pbuf::{Pbuf, PbufStore, RomRef, RomStore};
use tcp_rust::storage::{IpAddrRepr, PortLayout};
use tcp_rust::{
    AcceptFn, ApiError, Err, Handle, Hooks, List, Netif, Packet, Tcp, TcpApp, TcpState, WriteFlags,
};

use super::app::{AppState, lwip_err};
use super::snapshot::{LISTENER_ONLY, NOT_IN_BUILD, NOT_ON_LISTENER};

/// An address as the profile's `ip_addr_t` holds it; refused (before the
/// port sees it, as the C engine refuses it) where the build lacks its
/// version. IP_ANY_TYPE is the build's any where it is not dual-stack.
fn port_ip<A: IpAddrRepr>(a: IpAddr) -> Result<A, RawError> {
    A::from_ip(a).ok_or_else(|| {
        let what = if a.is_v6() {
            "IPv6 (LWIP_IPV6 0)"
        } else {
            "IPv4 (LWIP_IPV4 0)"
        };
        RawError::Other(format!("{a}: the build has no {what}"))
    })
}
use super::sockets::{AsApi, RawError, RawStack, Sockets};
use super::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources, Unobservable,
};
use crate::model::{ApiCall, CbFn, CbSlot, ScenarioConfig};

/// The platform under the port: seeded `LWIP_RAND()` and ISNs, the
/// netif's output and the callback log collected, and the application's
/// buffers for zero-copy writes (kept until reset, as the C engine keeps
/// them).
struct RHooks {
    seeded: Seeded,
    out: Vec<OutPacket>,
    events: Vec<tcp_rust::Event>,
    rom: Vec<Vec<u8>>,
}

impl RomStore for RHooks {
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn rom_bytes(&self, key: u32) -> &[u8] {
        self.rom.get(key as usize).map_or(&[], Vec::as_slice)
    }
}

impl Hooks for RHooks {
    fn sys_now(&mut self, clock: u32) -> u32 {
        clock
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn lwip_rand(&mut self) -> u32 {
        self.seeded.rand.next_u32()
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn tcp_isn<A: IpAddrRepr>(&mut self, _: &A, _: u16, _: &A, _: u16) -> u32 {
        self.seeded.isn.next_u32()
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn netif_output<B: PbufStore>(&mut self, now_ms: u32, packet: Packet<'_, B>) {
        let mut bytes = vec![0; packet.tot_len()];
        packet.copy_to(&*self, &mut bytes);
        self.out.push(OutPacket {
            time_us: u64::from(now_ms) * 1000,
            bytes,
        });
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn callback_made(&mut self, event: tcp_rust::Event) -> u32 {
        self.events.push(event);
        (self.events.len() - 1) as u32
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn callback_returned(&mut self, token: u32, ret: Err) {
        if let Some(e) = self.events.get_mut(token as usize) {
            e.ret = Some(ret);
        }
    }
    /// The engine reads `Tcp::asserted` after every call, as the C
    /// engine's shim catches lwIP's LWIP_PLATFORM_ASSERT.
    fn lwip_assert(&mut self, _: &'static tcp_rust::Assertion) {}
}

type Stack<P = Full> = Tcp<RHooks, P>;

/// A profile the Rust engine runs: the port's options over its own
/// storage ([`tcp_rust::config::Full`], or another of
/// [`super::profiles`]).
pub trait PortProfile:
    Profile<Storage: tcp_rust::storage::Storage<Layout = PortLayout<Self::Addr>, Pbufs = Pbufs>>
    + 'static
{
    /// The profile's name (`lwip-c/profiles/NAME`).
    const NAME: &'static str;
    /// Its `ip_addr_t` (IPv4-only, IPv6-only or dual-stack).
    type Addr: PortAddr;
}

impl PortProfile for Full {
    const NAME: &'static str = "full";
    type Addr = [u8; 4];
}

/// The application, plus the connection numbering the C shim does in its
/// trampolines.
struct RApp {
    state: AppState<Handle>,
    ids: HashMap<Handle, u32>,
    next_id: u32,
    /// Data handed to recv, in order, for the callback records (the port's
    /// event log keeps only the length).
    rx_log: VecDeque<(Handle, Vec<u8>)>,
}

impl RApp {
    fn new() -> RApp {
        RApp {
            state: AppState::default(),
            ids: HashMap::new(),
            next_id: 0,
            rx_log: VecDeque::new(),
        }
    }

    /// Numbers the pcbs the application opened inside a callback (the C
    /// shim numbers them in shim_tcp_new).
    fn number_opened(&mut self, before: usize) {
        let new: Vec<Handle> = self.state.opened.iter().skip(before).copied().collect();
        for h in new {
            self.assign(h);
        }
    }

    fn assign(&mut self, h: Handle) -> u32 {
        self.next_id += 1;
        self.ids.insert(h, self.next_id);
        self.next_id
    }
}

/// The raw layer's error for an [`ApiError`] of the call `op` (lwIP's
/// name for it: the port's errors do not repeat what was called).
fn raw(op: &'static str) -> impl Fn(ApiError) -> RawError {
    move |e| match e {
        ApiError::Invalid(_) => RawError::Gone,
        ApiError::ListenPcb(_) => RawError::Listen(op),
        ApiError::Reentrant => RawError::Other(format!("{op} called from a callback")),
        ApiError::NeedsRef(_) => RawError::Other("tcp_write without COPY on a slice".into()),
        ApiError::Asserted(a) => RawError::Crashed(assertion(a)),
    }
}

/// The application for the raw API calls made through [`RawStack`]
/// (which has no application): `tcp_process_refused_data(NULL)`, where
/// lwIP returns ERR_ARG before any callback, so none of these runs (each
/// answers as an application that accepts everything would), and the
/// calls that can make the err callback of a pcb they free (`tcp_abort`,
/// `tcp_new` killing a pcb, `netif_set_ipaddr`). The stack logs that
/// callback ([`tcp_rust::Hooks::callback_made`]), which is what the
/// harness observes; the shim's `tr_err` only records it too.
struct NoApp;

impl<P: PortProfile> TcpApp<RHooks, P> for NoApp {
    const OWNS_RECV_PBUF: bool = false;
    fn accept(&mut self, _: &mut Stack<P>, _: Handle, _: Option<Handle>, _: Err) -> Err {
        Err::Ok
    }
    fn connected(&mut self, _: &mut Stack<P>, _: Handle, _: Err) -> Err {
        Err::Ok
    }
    fn recv(&mut self, _: &mut Stack<P>, _: Handle, _: Option<Pbuf>, _: Err) -> Err {
        Err::Ok
    }
    fn sent(&mut self, _: &mut Stack<P>, _: Handle, _: u16) -> Err {
        Err::Ok
    }
    fn poll(&mut self, _: &mut Stack<P>, _: Handle) -> Err {
        Err::Ok
    }
    fn err(&mut self, _: &mut Stack<P>, _: Handle, _: bool, _: (), _: Err) {}
}

impl<P: PortProfile> RawStack for Stack<P> {
    type H = Handle;
    fn null_handle(&self) -> Handle {
        Handle::NULL
    }
    fn tcp_bind_ptr(&mut self, h: Handle, ip: Option<IpAddr>, port: u16) -> Result<i8, RawError> {
        let ip: Option<P::Addr> = ip.map(port_ip).transpose()?;
        Tcp::tcp_bind_ptr(self, h, ip.as_ref(), port)
            .map(Err::as_raw)
            .map_err(raw("tcp_bind"))
    }
    fn tcp_connect_ptr(
        &mut self,
        h: Handle,
        ip: Option<IpAddr>,
        port: u16,
        connected: bool,
    ) -> Result<i8, RawError> {
        let ip = ip.map(port_ip).transpose()?;
        Tcp::tcp_connect_ptr(self, h, ip.as_ref(), port, connected)
            .map(Err::as_raw)
            .map_err(raw("tcp_connect"))
    }
    fn tcp_write_null_arg(
        &mut self,
        h: Handle,
        _len: u16,
        copy: bool,
        more: bool,
    ) -> Result<i8, RawError> {
        Tcp::tcp_write_ptr(self, h, None, WriteFlags { copy, more })
            .map(Err::as_raw)
            .map_err(raw("tcp_write"))
    }
    fn tcp_addrinfo_ptr(
        &mut self,
        h: Handle,
        local: bool,
        addr: bool,
        port: bool,
    ) -> Result<(i8, Option<IpAddr>, Option<u16>), RawError> {
        let (mut ip, mut p) = (<P::Addr as IpAddrRepr>::ANY, 0);
        let e = Tcp::tcp_tcp_get_tcp_addrinfo_ptr(
            self,
            h,
            local,
            addr.then_some(&mut ip),
            port.then_some(&mut p),
        )
        .map_err(raw("tcp_tcp_get_tcp_addrinfo"))?;
        Ok((e.as_raw(), addr.then(|| ip.to_ip()), port.then_some(p)))
    }
    fn tcp_recv_null_fin(&mut self, h: Handle, err: i8) -> Result<i8, RawError> {
        Tcp::tcp_recv_null(self, h, None, lwip_err(err))
            .map(Err::as_raw)
            .map_err(raw("tcp_recv_null"))
    }
    fn tcp_process_refused_data_null(&mut self) -> Result<i8, RawError> {
        Tcp::tcp_process_refused_data_api(self, Handle::NULL, &mut NoApp)
            .map(Err::as_raw)
            .map_err(raw("tcp_process_refused_data"))
    }
    fn tcp_pcb_purge_null(&mut self) -> Result<(), RawError> {
        Tcp::tcp_pcb_purge_api(self, Handle::NULL).map_err(raw("tcp_pcb_purge"))
    }
    fn tcp_new(&mut self) -> Result<Option<Handle>, RawError> {
        Ok(Tcp::tcp_new(self, &mut NoApp))
    }
    fn tcp_bind(&mut self, h: Handle, ip: IpAddr, port: u16) -> Result<i8, RawError> {
        Tcp::tcp_bind(self, h, port_ip(ip)?, port)
            .map(Err::as_raw)
            .map_err(raw("tcp_bind"))
    }
    fn tcp_listen(
        &mut self,
        h: Handle,
        backlog: u8,
        with_err: bool,
    ) -> Result<(Option<Handle>, Option<i8>), RawError> {
        if with_err {
            let (l, e) = self
                .tcp_listen_with_backlog_and_err(h, backlog)
                .map_err(raw("tcp_listen"))?;
            Ok((l, Some(e.as_raw())))
        } else {
            let l = self
                .tcp_listen_with_backlog(h, backlog)
                .map_err(raw("tcp_listen"))?;
            Ok((l, None))
        }
    }
    fn tcp_connect(&mut self, h: Handle, ip: IpAddr, port: u16) -> Result<i8, RawError> {
        Tcp::tcp_connect(self, h, port_ip(ip)?, port)
            .map(Err::as_raw)
            .map_err(raw("tcp_connect"))
    }
    fn tcp_write(
        &mut self,
        h: Handle,
        data: &[u8],
        copy: bool,
        more: bool,
    ) -> Result<i8, RawError> {
        let flags = WriteFlags { copy, more };
        let r = if copy {
            Tcp::tcp_write(self, h, data, flags)
        } else {
            // lwIP keeps a pointer to the bytes: the application keeps
            // them (in its store, until reset) and writes by reference.
            let Ok(len) = u16::try_from(data.len()) else {
                return Ok(Err::Arg.as_raw());
            };
            let key = self.hooks.rom.len() as u32;
            self.hooks.rom.push(data.to_vec());
            Tcp::tcp_write_ref(self, h, RomRef { key, offset: 0 }, len, flags)
        };
        r.map(Err::as_raw).map_err(raw("tcp_write"))
    }
    fn tcp_output(&mut self, h: Handle) -> Result<i8, RawError> {
        Tcp::tcp_output(self, h)
            .map(Err::as_raw)
            .map_err(raw("tcp_output"))
    }
    fn tcp_recved(&mut self, h: Handle, len: u16) -> Result<(), RawError> {
        Tcp::tcp_recved(self, h, len).map_err(raw("tcp_recved"))
    }
    fn tcp_close(&mut self, h: Handle) -> Result<i8, RawError> {
        Tcp::tcp_close(self, h)
            .map(Err::as_raw)
            .map_err(raw("tcp_close"))
    }
    fn tcp_shutdown(&mut self, h: Handle, rx: bool, tx: bool) -> Result<i8, RawError> {
        Tcp::tcp_shutdown(self, h, rx, tx)
            .map(Err::as_raw)
            .map_err(raw("tcp_shutdown"))
    }
    fn tcp_abort(&mut self, h: Handle) -> Result<(), RawError> {
        Tcp::tcp_abort(self, h, &mut NoApp).map_err(raw("tcp_abort"))
    }
    fn tcp_nagle(&mut self, h: Handle, disable: bool) -> Result<(), RawError> {
        Tcp::tcp_nagle(self, h, disable).map_err(raw("tcp_nagle"))
    }
    fn tcp_keepalive(
        &mut self,
        h: Handle,
        enable: bool,
        idle_ms: u32,
        intvl_ms: u32,
        cnt: u32,
    ) -> Result<(), RawError> {
        Tcp::tcp_keepalive(self, h, enable, idle_ms, intvl_ms, cnt).map_err(raw("keepalive"))
    }
    fn tcp_setprio(&mut self, h: Handle, prio: u8) -> Result<(), RawError> {
        Tcp::tcp_setprio(self, h, prio).map_err(raw("tcp_setprio"))
    }
    fn tcp_poll(&mut self, h: Handle, interval: u8) -> Result<(), RawError> {
        Tcp::tcp_poll(self, h, true, interval).map_err(raw("tcp_poll"))
    }
    fn tcp_backlog(&mut self, h: Handle, delayed: bool) -> Result<(), RawError> {
        if delayed {
            Tcp::tcp_backlog_delayed(self, h).map_err(raw("tcp_backlog_delayed"))
        } else {
            Tcp::tcp_backlog_accepted_api(self, h).map_err(raw("tcp_backlog_accepted"))
        }
    }
    fn tcp_set_callback(&mut self, h: Handle, slot: CbSlot, to: CbFn) -> Result<(), RawError> {
        let on = to == CbFn::App;
        let slot_op = match slot {
            CbSlot::Recv => "tcp_recv",
            CbSlot::Sent => "tcp_sent",
            CbSlot::Err => "tcp_err",
            CbSlot::Accept => "tcp_accept",
        };
        match slot {
            CbSlot::Recv => Tcp::tcp_recv(self, h, on),
            CbSlot::Sent => Tcp::tcp_sent(self, h, on),
            CbSlot::Err => Tcp::tcp_err(self, h, on),
            CbSlot::Accept => Tcp::tcp_accept(
                self,
                h,
                match to {
                    CbFn::Null => AcceptFn::Null,
                    CbFn::App => AcceptFn::App,
                    CbFn::AcceptNull => AcceptFn::AcceptNull,
                },
            ),
        }
        .map_err(raw(slot_op))
    }
    fn tcp_new_ip_type(&mut self, ty: u8) -> Result<Option<Handle>, RawError> {
        Ok(Tcp::tcp_new_ip_type(self, ty, &mut NoApp))
    }
    fn tcp_addrinfo(&mut self, h: Handle, local: bool) -> Result<(i8, IpAddr, u16), RawError> {
        Tcp::tcp_tcp_get_tcp_addrinfo(self, h, local)
            .map(|(e, ip, port)| (e.as_raw(), ip.to_ip(), port))
            .map_err(raw("tcp_tcp_get_tcp_addrinfo"))
    }
    fn tcp_bind_netif(&mut self, h: Handle, bound: bool) -> Result<(), RawError> {
        Tcp::tcp_bind_netif(self, h, bound).map_err(raw("tcp_bind_netif"))
    }
    fn tcp_txnow(&mut self) -> Result<(), RawError> {
        Tcp::tcp_txnow(self).map_err(raw("tcp_txnow"))
    }
    fn tcp_sndbuf(&mut self, h: Handle) -> Result<u32, RawError> {
        Tcp::tcp_sndbuf(self, h).map_err(raw("tcp_sndbuf"))
    }
    fn tcp_sndqueuelen(&mut self, h: Handle) -> Result<u32, RawError> {
        Tcp::tcp_sndqueuelen(self, h).map_err(raw("tcp_sndqueuelen"))
    }
    fn netif_set_ipaddr(&mut self, ip: [u8; 4]) -> Result<(), RawError> {
        Tcp::netif_set_ipaddr(self, ip, &mut NoApp).map_err(raw("netif_set_ipaddr"))
    }
}

impl<P: PortProfile> TcpApp<RHooks, P> for RApp {
    const OWNS_RECV_PBUF: bool = false;
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn accept(&mut self, _: &mut Stack<P>, listener: Handle, new: Option<Handle>, err: Err) -> Err {
        if let Some(n) = new {
            self.assign(n);
        }
        lwip_err(self.state.on_accept(listener, new, err.as_raw()))
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn connected(&mut self, tcp: &mut Stack<P>, pcb: Handle, err: Err) -> Err {
        let before = self.state.opened.len();
        let r = self.state.on_connected(&mut AsApi(tcp), pcb, err.as_raw());
        self.number_opened(before);
        lwip_err(r)
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn recv(&mut self, tcp: &mut Stack<P>, pcb: Handle, p: Option<Pbuf>, err: Err) -> Err {
        let data = p.map(|p| {
            let mut d = vec![0; usize::from(tcp.pbuf_tot_len(p))];
            tcp.pbuf_copy_partial(p, &mut d, 0);
            d
        });
        if let Some(d) = &data {
            self.rx_log.push_back((pcb, d.clone()));
        }
        lwip_err(
            self.state
                .on_recv(&mut AsApi(tcp), pcb, data.as_deref(), err.as_raw()),
        )
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn sent(&mut self, tcp: &mut Stack<P>, pcb: Handle, len: u16) -> Err {
        lwip_err(self.state.on_sent(&mut AsApi(tcp), pcb, len))
    }
    #[inline(never)] // ci/cpu attributes its cost to the harness
    fn poll(&mut self, tcp: &mut Stack<P>, pcb: Handle) -> Err {
        let before = self.state.opened.len();
        let r = self.state.on_poll(&mut AsApi(tcp), pcb);
        self.number_opened(before);
        lwip_err(r)
    }
    /// The stack logged the callback (the observation); the sockets
    /// layer does nothing on err, as the shim's `tr_err` only records it.
    fn err(&mut self, _: &mut Stack<P>, _: Handle, _: bool, _: (), _: Err) {}
}

/// The Rust engine, on the options of profile `P`.
pub struct RustEngine<P: PortProfile = Full> {
    name: String,
    tcp: Option<Box<Stack<P>>>,
    app: RApp,
    sockets: Sockets<Handle>,
    config: ScenarioConfig,
}

impl Default for RustEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl RustEngine {
    /// A Rust engine on the full profile (the stack is made at `reset`).
    pub fn new() -> RustEngine {
        RustEngine::on()
    }
}

impl<P: PortProfile> RustEngine<P> {
    /// A Rust engine on profile `P`, named `rust` (full) or `rust:NAME`.
    pub fn on() -> RustEngine<P> {
        RustEngine {
            name: if P::NAME == "full" {
                "rust".to_string()
            } else {
                format!("rust:{}", P::NAME)
            },
            tcp: None,
            app: RApp::new(),
            sockets: Sockets::default(),
            config: ScenarioConfig::default(),
        }
    }
}

/// The port's state, if it may be read: after a failed assertion the C
/// stack is not inspected, and neither is this one.
fn inspectable<P: PortProfile>(tcp: Option<&Stack<P>>) -> Observed<&Stack<P>> {
    let t = tcp.ok_or_else(|| Unobservable(super::NOT_RESET.into()))?;
    match t.asserted() {
        Some(a) => Err(Unobservable(format!("after {}", assertion(a)))),
        None => Ok(t),
    }
}

/// The connection number of a handle, as the C shim's `callback_arg`: a
/// pcb not yet accepted carries its listener's.
fn id_of<P: PortProfile>(app: &RApp, tcp: &Stack<P>, h: Handle) -> u32 {
    if let Some(id) = app.ids.get(&h) {
        return *id;
    }
    match tcp.listener_of(h) {
        Ok(Some(l)) => app.ids.get(&l).copied().unwrap_or(0),
        _ => 0,
    }
}

fn api_failure(e: ApiError) -> EngineError {
    match e {
        ApiError::Asserted(a) => EngineError::Crashed(assertion(a)),
        ApiError::Reentrant
        | ApiError::NeedsRef(_)
        | ApiError::Invalid(_)
        | ApiError::ListenPcb(..) => EngineError::Stimulus(format!("{e:?}")),
    }
}

/// An lwIP assertion the port checks, worded as the C engine words lwIP's.
fn assertion(a: &tcp_rust::Assertion) -> String {
    format!(
        "lwIP assertion failed: \"{}\" ({}:{})",
        a.message(),
        a.file_name(),
        a.line
    )
}

impl<P: PortProfile> Engine for RustEngine<P> {
    fn name(&self) -> &str {
        &self.name
    }

    fn reset(&mut self, config: &ScenarioConfig) -> Result<(), EngineError> {
        // The netif as the C engine configures lwIP's: the scenario's
        // address, and packetdrill's default of the other version.
        let (ip, ip6) = match config.local_ip {
            std::net::IpAddr::V4(a) => (a.octets(), lwip_c::PACKETDRILL_LOCAL_IP6),
            std::net::IpAddr::V6(a) => (crate::model::IPV4_LOCAL, a.octets()),
        };
        let has = if config.is_ipv6() {
            <P::Addr as IpAddrRepr>::HAS_V6
        } else {
            <P::Addr as IpAddrRepr>::HAS_V4
        };
        if !has {
            let what = if config.is_ipv6() {
                "IPv6 (LWIP_IPV6 0)"
            } else {
                "IPv4 (LWIP_IPV4 0)"
            };
            return Err(EngineError::Stimulus(format!(
                "a scenario over {}: the port's build {} has no {what}",
                config.local_ip,
                P::NAME
            )));
        }
        let netif = Netif {
            ip,
            netmask: [255, 255, 255, 0],
            gateway: super::gateway_of(ip),
            mtu: config.mtu,
        };
        match self.tcp.as_deref_mut() {
            Some(t) => {
                t.hooks = RHooks {
                    seeded: Seeded::new(config.seed),
                    out: Vec::new(),
                    events: Vec::new(),
                    rom: Vec::new(),
                };
                t.reset(netif).map_err(api_failure)?;
                t.netif_ip6_addr_set(ip6, &mut NoApp).map_err(api_failure)?;
            }
            None => {
                let hooks = RHooks {
                    seeded: Seeded::new(config.seed),
                    out: Vec::new(),
                    events: Vec::new(),
                    rom: Vec::new(),
                };
                let mut t = Tcp::new(netif, hooks).map_err(api_failure)?;
                t.netif_ip6_addr_set(ip6, &mut NoApp).map_err(api_failure)?;
                self.tcp = Some(Box::new(t));
            }
        }
        self.app = RApp::new();
        self.app.state.remote = (config.remote_ip.into(), config.remote_port);
        self.sockets = Sockets::default();
        self.config = *config;
        Ok(())
    }

    fn advance_to(&mut self, t_us: u64) -> Result<(), EngineError> {
        let t_ms = super::clock_ms(t_us)?;
        let tcp = self.tcp.as_deref_mut().ok_or_else(EngineError::not_reset)?;
        if t_ms < tcp.now() {
            return Ok(());
        }
        tcp.advance_to(t_ms, &mut self.app).map_err(api_failure)
    }

    fn inbound(&mut self, packet: &[u8]) -> Result<(), EngineError> {
        let tcp = self.tcp.as_deref_mut().ok_or_else(EngineError::not_reset)?;
        tcp.input(packet, &mut self.app).map_err(api_failure)?;
        Ok(())
    }

    fn call(&mut self, call: &ApiCall) -> Result<CallOutcome, EngineError> {
        let remote = (self.config.remote_ip.into(), self.config.remote_port);
        let tcp = self.tcp.as_deref_mut().ok_or_else(EngineError::not_reset)?;
        // The listening pcb keeps the socket's number (lwIP copies
        // callback_arg from the pcb it replaces).
        let listen_id = match call {
            ApiCall::Listen { fd, .. } => self
                .sockets
                .fds
                .get(fd)
                .and_then(|h| self.app.ids.get(h))
                .copied(),
            _ => None,
        };
        if let ApiCall::Tmr = call {
            tcp.tcp_tmr(&mut self.app).map_err(api_failure)?;
            return Ok(CallOutcome {
                err: None,
                value: 0,
                errno: None,
                addr: None,
            });
        }
        let before = self.sockets.fds.clone();
        let o = self.sockets.call(tcp, &mut self.app.state, call, remote)?;
        match call {
            // tcp_new numbers the new pcb, as shim_tcp_new does.
            ApiCall::Socket | ApiCall::NewIpType { .. } => {
                let new: Vec<Handle> = self
                    .sockets
                    .fds
                    .iter()
                    .filter(|(fd, _)| !before.contains_key(fd))
                    .map(|(_, h)| *h)
                    .collect();
                for h in new {
                    self.app.assign(h);
                }
            }
            ApiCall::Listen { fd, .. } => {
                if let (Some(id), Some(l)) = (listen_id, self.sockets.fds.get(fd)) {
                    self.app.ids.insert(*l, id);
                }
            }
            _ => {}
        }
        Ok(o)
    }

    fn take_packets(&mut self) -> Vec<OutPacket> {
        match self.tcp.as_deref_mut() {
            Some(t) => std::mem::take(&mut t.hooks.out),
            None => Vec::new(),
        }
    }

    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        let Some(t) = self.tcp.as_deref_mut() else {
            return Vec::new();
        };
        let events = std::mem::take(&mut t.hooks.events);
        let t: &Stack<P> = t;
        events
            .into_iter()
            .map(|e| record(&mut self.app, t, e))
            .collect()
    }

    fn resources(&mut self) -> Observed<Resources> {
        let t = inspectable(self.tcp.as_deref())?;
        let mut r = in_use(t).to_vec();
        r.extend([
            ("heap_max", u64::from(t.heap_max())),
            ("heap_err", u64::from(t.heap_errors())),
        ]);
        r.extend(
            super::TCP_STATS
                .iter()
                .zip(t.tcp_stats())
                .map(|(k, n)| (*k, u64::from(n))),
        );
        r.extend(
            super::MIB2_TCP
                .iter()
                .zip(t.mib2_tcp())
                .map(|(k, n)| (*k, u64::from(n))),
        );
        Ok(r)
    }

    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        let t = inspectable(self.tcp.as_deref())?;
        let mut listed = Vec::new();
        t.for_each_on_list(|h, _, l| listed.push((h, l)));
        // A pcb a listener made carries the listener's number until it is
        // accepted, even if the listener goes first (lwIP copied
        // callback_arg): remember it while the listener is known.
        for (h, _) in &listed {
            if !h.is_listen() && !self.app.ids.contains_key(h) {
                let id = id_of(&self.app, t, *h);
                if id != 0 {
                    self.app.ids.insert(*h, id);
                }
            }
        }
        let mut out = Vec::new();
        for (h, l) in listed {
            // The shim's list numbers (SHIM_LIST_*).
            let list = match l {
                None => 1,
                Some(List::Bound) => 2,
                Some(List::Active) => 3,
                Some(List::TimeWait) => 4,
            };
            out.push(snapshot_of(t, h, id_of(&self.app, t, h), list)?);
        }
        Ok(out)
    }

    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        // As the C driver: close every pcb made and never put on a list,
        // abort active and TIME_WAIT pcbs, close listening and bound ones.
        let fds: Vec<Handle> = self.sockets.fds.values().copied().collect();
        let t = self.tcp.as_deref_mut().ok_or_else(EngineError::not_reset)?;
        // A stopped stack is not torn down, as lwIP's is not.
        if let Some(a) = t.asserted() {
            return Err(EngineError::Crashed(assertion(a)));
        }
        for h in fds {
            if !h.is_listen()
                && let Ok(p) = t.pcb(h)
                && p.state == TcpState::Closed
                && p.local_port == 0
            {
                let _ = t.tcp_close(h);
            }
        }
        let mut listed = Vec::new();
        t.for_each_listed(|h, st| listed.push((h, st)));
        for (h, st) in &listed {
            if !h.is_listen() && *st != TcpState::Closed {
                let _ = t.tcp_abort(*h, &mut NoApp);
            }
        }
        for (h, st) in &listed {
            if h.is_listen() || *st == TcpState::Closed {
                let _ = t.tcp_close(*h);
            }
        }
        // An lwIP assertion on the way (mem_free's checks) stops it, as it
        // stops lwIP's teardown.
        if let Some(a) = t.asserted() {
            return Err(EngineError::Crashed(assertion(a)));
        }
        t.hooks.events.clear();
        t.hooks.out.clear();
        let in_use = in_use(t).into_iter().filter(|(_, n)| *n != 0).collect();
        Ok(Leaks { in_use })
    }
}

/// The port's pool and heap use, by the names the C engine reports.
fn in_use<P: PortProfile>(t: &Stack<P>) -> [(&'static str, u64); 6] {
    [
        ("tcp_pcb", t.pcbs_used() as u64),
        ("tcp_pcb_listen", t.lpcbs_used() as u64),
        ("tcp_seg", t.segs_used() as u64),
        ("pbuf", t.memp_pbufs_used() as u64),
        ("pbuf_pool", t.pool_pbufs_used() as u64),
        ("heap_bytes", u64::from(t.heap_used())),
    ]
}

/// A logged callback as a record, numbered as the C shim numbers it.
fn record<P: PortProfile>(app: &mut RApp, t: &Stack<P>, e: tcp_rust::Event) -> CallbackRecord {
    {
        use tcp_rust::Callback as C;
        let mut r = CallbackRecord {
            time_ms: e.time_ms,
            kind: e.callback.kind(),
            conn: 0,
            new_conn: None,
            data: None,
            len: None,
            err: None,
            ret: e.ret.map(Err::as_raw),
        };
        match e.callback {
            C::Accept { listener, new, err } => {
                r.conn = id_of(app, t, listener);
                r.new_conn = new.map(|n| app.ids.get(&n).copied().unwrap_or(0));
                r.err = Some(err.as_raw());
            }
            C::Connected { pcb, err } | C::Err { pcb, err } => {
                (r.conn, r.err) = (id_of(app, t, pcb), Some(err.as_raw()))
            }
            C::Recv { pcb, len, err } => {
                r.conn = id_of(app, t, pcb);
                r.err = Some(err.as_raw());
                if let Some(n) = len {
                    r.data = Some(match app.rx_log.pop_front() {
                        Some((h, d)) if h == pcb && d.len() == usize::from(n) => d,
                        // The port logged a recv the application did not
                        // see: show its length with unknown (zero) bytes.
                        _ => vec![0; usize::from(n)],
                    });
                }
            }
            C::Sent { pcb, len } => (r.conn, r.len) = (id_of(app, t, pcb), Some(len)),
            C::Poll { pcb } => r.conn = id_of(app, t, pcb),
        }
        r
    }
}

/// The port's pcb as the typed snapshot, every field named, in the C
/// engine's terms (see `c::snapshot` and [`super::snapshot`]). A pcb
/// the port lists but cannot read is an unobservable snapshot, reported
/// as such.
fn snapshot_of<P: PortProfile>(
    t: &Stack<P>,
    h: Handle,
    conn: u32,
    list: i64,
) -> Observed<ConnSnapshot> {
    let ip = |a: P::Addr| super::snapshot::ip_fields(a.to_ip())[0];
    let ip_fields = |a: P::Addr| super::snapshot::ip_fields(a.to_ip());
    // A field the profile's options compile out of lwIP's pcb shows
    // NOT_IN_BUILD, as lwIP's snapshot does.
    let c = &P::CONFIG;
    fn built<T: Into<i64>>(present: bool, v: T) -> i64 {
        if present { v.into() } else { NOT_IN_BUILD }
    }
    if h.is_listen() {
        let l = t
            .listen_pcb(h)
            .map_err(|e| Unobservable(format!("listed listening pcb {h:?}: {e:?}")))?;
        return Ok(ConnSnapshot {
            conn,
            list,
            state: l.state as i64,
            flags: NOT_ON_LISTENER,
            local_ip: ip(l.local_ip),
            local_port: i64::from(l.local_port),
            remote_ip: NOT_ON_LISTENER,
            remote_port: NOT_ON_LISTENER,
            prio: i64::from(l.prio),
            so_options: i64::from(l.so_options),
            ttl: i64::from(l.ttl),
            tos: i64::from(l.tos),
            netif_idx: i64::from(l.netif_idx),
            mss: NOT_ON_LISTENER,
            snd_nxt: NOT_ON_LISTENER,
            lastack: NOT_ON_LISTENER,
            snd_lbb: NOT_ON_LISTENER,
            snd_wl1: NOT_ON_LISTENER,
            snd_wl2: NOT_ON_LISTENER,
            rcv_nxt: NOT_ON_LISTENER,
            rcv_wnd: NOT_ON_LISTENER,
            rcv_ann_wnd: NOT_ON_LISTENER,
            rcv_ann_right_edge: NOT_ON_LISTENER,
            snd_wnd: NOT_ON_LISTENER,
            snd_wnd_max: NOT_ON_LISTENER,
            cwnd: NOT_ON_LISTENER,
            ssthresh: NOT_ON_LISTENER,
            bytes_acked: NOT_ON_LISTENER,
            rto_end: NOT_ON_LISTENER,
            rto: NOT_ON_LISTENER,
            sa: NOT_ON_LISTENER,
            sv: NOT_ON_LISTENER,
            rtime: NOT_ON_LISTENER,
            rttest: NOT_ON_LISTENER,
            rtseq: NOT_ON_LISTENER,
            nrtx: NOT_ON_LISTENER,
            dupacks: NOT_ON_LISTENER,
            persist_backoff: NOT_ON_LISTENER,
            persist_cnt: NOT_ON_LISTENER,
            persist_probe: NOT_ON_LISTENER,
            keep_cnt_sent: NOT_ON_LISTENER,
            snd_scale: NOT_ON_LISTENER,
            rcv_scale: NOT_ON_LISTENER,
            snd_buf: NOT_ON_LISTENER,
            snd_queuelen: NOT_ON_LISTENER,
            unsent_segs: NOT_ON_LISTENER,
            unsent_bytes: NOT_ON_LISTENER,
            unacked_segs: NOT_ON_LISTENER,
            unacked_bytes: NOT_ON_LISTENER,
            ooseq_segs: NOT_ON_LISTENER,
            ooseq_bytes: NOT_ON_LISTENER,
            refused_bytes: NOT_ON_LISTENER,
            unsent_oversize: NOT_ON_LISTENER,
            tmr: NOT_ON_LISTENER,
            polltmr: NOT_ON_LISTENER,
            pollinterval: NOT_ON_LISTENER,
            backlog: built(c.tcp_listen_backlog, l.backlog),
            accepts_pending: built(c.tcp_listen_backlog, l.accepts_pending),
            ts_lastacksent: NOT_ON_LISTENER,
            ts_recent: NOT_ON_LISTENER,
            keep_idle: NOT_ON_LISTENER,
            keep_intvl: NOT_ON_LISTENER,
            keep_cnt: NOT_ON_LISTENER,
            local_ip_type: ip_fields(l.local_ip)[1],
            local_ip6_hi: ip_fields(l.local_ip)[2],
            local_ip6_lo: ip_fields(l.local_ip)[3],
            // A listener has no remote address (the shim reports zeros).
            remote_ip_type: 0,
            remote_ip6_hi: 0,
            remote_ip6_lo: 0,
        });
    }
    let p = t
        .pcb(h)
        .map_err(|e| Unobservable(format!("listed pcb {h:?}: {e:?}")))?;
    let q = t.queue_lens(h).unwrap_or_default();
    let refused = t.refused_bytes(h).unwrap_or(0) as i64;
    Ok(ConnSnapshot {
        conn,
        list,
        state: p.state as i64,
        flags: i64::from(p.flags),
        local_ip: ip(p.local_ip),
        local_port: i64::from(p.local_port),
        remote_ip: ip(p.remote_ip),
        remote_port: i64::from(p.remote_port),
        prio: i64::from(p.prio),
        so_options: i64::from(p.so_options),
        ttl: i64::from(p.ttl),
        tos: i64::from(p.tos),
        netif_idx: i64::from(p.netif_idx),
        mss: i64::from(p.mss),
        snd_nxt: i64::from(p.snd_nxt),
        lastack: i64::from(p.lastack),
        snd_lbb: i64::from(p.snd_lbb),
        snd_wl1: i64::from(p.snd_wl1),
        snd_wl2: i64::from(p.snd_wl2),
        rcv_nxt: i64::from(p.rcv_nxt),
        rcv_wnd: i64::from(p.rcv_wnd),
        rcv_ann_wnd: i64::from(p.rcv_ann_wnd),
        rcv_ann_right_edge: i64::from(p.rcv_ann_right_edge),
        snd_wnd: i64::from(p.snd_wnd),
        snd_wnd_max: i64::from(p.snd_wnd_max),
        cwnd: i64::from(p.cwnd),
        ssthresh: i64::from(p.ssthresh),
        bytes_acked: i64::from(p.bytes_acked),
        rto_end: i64::from(p.rto_end),
        rto: i64::from(p.rto),
        sa: i64::from(p.sa),
        sv: i64::from(p.sv),
        rtime: i64::from(p.rtime),
        rttest: i64::from(p.rttest),
        rtseq: i64::from(p.rtseq),
        nrtx: i64::from(p.nrtx),
        dupacks: i64::from(p.dupacks),
        persist_backoff: i64::from(p.persist_backoff),
        persist_cnt: i64::from(p.persist_cnt),
        persist_probe: i64::from(p.persist_probe),
        keep_cnt_sent: i64::from(p.keep_cnt_sent),
        snd_scale: built(c.lwip_wnd_scale, p.snd_scale),
        rcv_scale: built(c.lwip_wnd_scale, p.rcv_scale),
        snd_buf: i64::from(p.snd_buf),
        snd_queuelen: i64::from(p.snd_queuelen),
        unsent_segs: i64::from(q[0].0),
        unsent_bytes: i64::from(q[0].1),
        unacked_segs: i64::from(q[1].0),
        unacked_bytes: i64::from(q[1].1),
        ooseq_segs: built(c.tcp_queue_ooseq, q[2].0),
        ooseq_bytes: built(c.tcp_queue_ooseq, q[2].1),
        refused_bytes: refused,
        unsent_oversize: built(c.tcp_oversize != 0, p.unsent_oversize),
        tmr: i64::from(p.tmr),
        polltmr: i64::from(p.polltmr),
        pollinterval: i64::from(p.pollinterval),
        backlog: LISTENER_ONLY,
        accepts_pending: LISTENER_ONLY,
        ts_lastacksent: built(c.lwip_tcp_timestamps, p.ts_lastacksent),
        ts_recent: built(c.lwip_tcp_timestamps, p.ts_recent),
        keep_idle: i64::from(p.keep_idle),
        keep_intvl: built(c.lwip_tcp_keepalive, p.keep_intvl),
        keep_cnt: built(c.lwip_tcp_keepalive, p.keep_cnt),
        local_ip_type: ip_fields(p.local_ip)[1],
        local_ip6_hi: ip_fields(p.local_ip)[2],
        local_ip6_lo: ip_fields(p.local_ip)[3],
        remote_ip_type: ip_fields(p.remote_ip)[1],
        remote_ip6_hi: ip_fields(p.remote_ip)[2],
        remote_ip6_lo: ip_fields(p.remote_ip)[3],
    })
}
