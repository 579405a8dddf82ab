//! The C engine: lwIP 2.2.1 itself, through `lwip_c::Stack`.

use lwip_c::{
    AcceptFn, App, CBuild, CallbackSet, ErrT, IpAddr, Pcb, Stack, StackConfig, StackError,
    WriteFlags,
};

use super::app::{AppState, lwip_err};
use super::snapshot::ip_fields;
use super::sockets::{AsApi, RawError, RawStack, Sockets};
use super::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources, Unobservable,
};
use std::net::IpAddr as NetIp;

use crate::model::{ApiCall, CbFn, CbSlot, ScenarioConfig};

/// The C engine: lwIP over one C build (its own TCP, or a TCP library in
/// its place: [`super::builds`]).
pub struct CEngine {
    build: &'static CBuild,
    stack: Option<Stack>,
    app: CApp,
    sockets: Sockets<Pcb>,
    config: ScenarioConfig,
}

struct CApp {
    state: AppState<Pcb>,
}

fn raw(e: StackError) -> RawError {
    match e {
        StackError::Gone(..) => RawError::Gone,
        StackError::ListenPcb(_, op) => RawError::Listen(op),
        StackError::Asserted(a) | StackError::Poisoned(a) => RawError::Crashed(assertion(&a)),
        other => RawError::Other(other.to_string()),
    }
}

impl RawStack for Stack {
    type H = Pcb;
    fn null_handle(&self) -> Pcb {
        Pcb::NULL
    }
    fn tcp_bind_ptr(&mut self, h: Pcb, ip: Option<IpAddr>, port: u16) -> Result<i8, RawError> {
        Stack::tcp_bind_ptr(self, h, ip, port)
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_connect_ptr(
        &mut self,
        h: Pcb,
        ip: Option<IpAddr>,
        port: u16,
        connected: bool,
    ) -> Result<i8, RawError> {
        Stack::tcp_connect_ptr(self, h, ip, port, connected)
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_write_null_arg(
        &mut self,
        h: Pcb,
        len: u16,
        copy: bool,
        more: bool,
    ) -> Result<i8, RawError> {
        Stack::tcp_write_null_arg(self, h, len, WriteFlags { copy, more })
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_addrinfo_ptr(
        &mut self,
        h: Pcb,
        local: bool,
        addr: bool,
        port: bool,
    ) -> Result<(i8, Option<IpAddr>, Option<u16>), RawError> {
        let (e, ip, p) = Stack::tcp_addrinfo_ptr(self, h, local, addr, port).map_err(raw)?;
        Ok((e.as_raw(), ip, p))
    }
    fn tcp_recv_null_fin(&mut self, h: Pcb, err: i8) -> Result<i8, RawError> {
        Stack::tcp_recv_null_fin(self, h, lwip_err(err))
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_process_refused_data_null(&mut self) -> Result<i8, RawError> {
        Stack::tcp_process_refused_data_null(self)
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_pcb_purge_null(&mut self) -> Result<(), RawError> {
        Stack::tcp_pcb_purge_null(self).map_err(raw)
    }
    fn tcp_new(&mut self) -> Result<Option<Pcb>, RawError> {
        Stack::tcp_new(self).map_err(raw)
    }
    fn tcp_bind(&mut self, h: Pcb, ip: IpAddr, port: u16) -> Result<i8, RawError> {
        Stack::tcp_bind(self, h, ip, port)
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_listen(
        &mut self,
        h: Pcb,
        backlog: u8,
        with_err: bool,
    ) -> Result<(Option<Pcb>, Option<i8>), RawError> {
        if with_err {
            let (l, e) = self
                .tcp_listen_with_backlog_and_err(h, backlog)
                .map_err(raw)?;
            Ok((l, Some(e.as_raw())))
        } else {
            let l = self.tcp_listen_with_backlog(h, backlog).map_err(raw)?;
            Ok((l, None))
        }
    }
    fn tcp_connect(&mut self, h: Pcb, ip: IpAddr, port: u16) -> Result<i8, RawError> {
        Stack::tcp_connect(self, h, ip, port)
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_write(&mut self, h: Pcb, data: &[u8], copy: bool, more: bool) -> Result<i8, RawError> {
        Stack::tcp_write(self, h, data, WriteFlags { copy, more })
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_output(&mut self, h: Pcb) -> Result<i8, RawError> {
        Stack::tcp_output(self, h).map(ErrT::as_raw).map_err(raw)
    }
    fn tcp_recved(&mut self, h: Pcb, len: u16) -> Result<(), RawError> {
        Stack::tcp_recved(self, h, len).map_err(raw)
    }
    fn tcp_close(&mut self, h: Pcb) -> Result<i8, RawError> {
        Stack::tcp_close(self, h).map(ErrT::as_raw).map_err(raw)
    }
    fn tcp_shutdown(&mut self, h: Pcb, rx: bool, tx: bool) -> Result<i8, RawError> {
        Stack::tcp_shutdown(self, h, rx, tx)
            .map(ErrT::as_raw)
            .map_err(raw)
    }
    fn tcp_abort(&mut self, h: Pcb) -> Result<(), RawError> {
        Stack::tcp_abort(self, h).map_err(raw)
    }
    fn tcp_nagle(&mut self, h: Pcb, disable: bool) -> Result<(), RawError> {
        Stack::tcp_nagle(self, h, disable).map_err(raw)
    }
    fn tcp_keepalive(
        &mut self,
        h: Pcb,
        enable: bool,
        idle_ms: u32,
        intvl_ms: u32,
        cnt: u32,
    ) -> Result<(), RawError> {
        Stack::tcp_keepalive(self, h, enable, idle_ms, intvl_ms, cnt).map_err(raw)
    }
    fn tcp_setprio(&mut self, h: Pcb, prio: u8) -> Result<(), RawError> {
        Stack::tcp_setprio(self, h, prio).map_err(raw)
    }
    fn tcp_poll(&mut self, h: Pcb, interval: u8) -> Result<(), RawError> {
        Stack::tcp_poll(self, h, interval).map_err(raw)
    }
    fn tcp_backlog(&mut self, h: Pcb, delayed: bool) -> Result<(), RawError> {
        if delayed {
            Stack::tcp_backlog_delayed(self, h).map_err(raw)
        } else {
            Stack::tcp_backlog_accepted(self, h).map_err(raw)
        }
    }
    fn tcp_set_callback(&mut self, h: Pcb, slot: CbSlot, to: CbFn) -> Result<(), RawError> {
        let on = to == CbFn::App;
        let cb = match slot {
            CbSlot::Recv => CallbackSet::Recv(on),
            CbSlot::Sent => CallbackSet::Sent(on),
            CbSlot::Err => CallbackSet::Err(on),
            CbSlot::Accept => CallbackSet::Accept(match to {
                CbFn::Null => AcceptFn::Null,
                CbFn::App => AcceptFn::App,
                CbFn::AcceptNull => AcceptFn::LwipDefault,
            }),
        };
        Stack::tcp_set_callback(self, h, cb).map_err(raw)
    }
    fn tcp_new_ip_type(&mut self, ty: u8) -> Result<Option<Pcb>, RawError> {
        Stack::tcp_new_ip_type(self, ty).map_err(raw)
    }
    fn tcp_addrinfo(&mut self, h: Pcb, local: bool) -> Result<(i8, IpAddr, u16), RawError> {
        let (e, ip, port) = Stack::tcp_addrinfo(self, h, local).map_err(raw)?;
        Ok((e.as_raw(), ip, port))
    }
    fn tcp_bind_netif(&mut self, h: Pcb, bound: bool) -> Result<(), RawError> {
        Stack::tcp_bind_netif(self, h, bound).map_err(raw)
    }
    fn tcp_txnow(&mut self) -> Result<(), RawError> {
        Stack::tcp_txnow(self).map_err(raw)
    }
    fn tcp_sndbuf(&mut self, h: Pcb) -> Result<u32, RawError> {
        Stack::tcp_sndbuf(self, h).map_err(raw)
    }
    fn tcp_sndqueuelen(&mut self, h: Pcb) -> Result<u32, RawError> {
        Stack::tcp_sndqueuelen(self, h).map_err(raw)
    }
    fn netif_set_ipaddr(&mut self, ip: [u8; 4]) -> Result<(), RawError> {
        Stack::netif_set_ipaddr(self, ip).map_err(raw)
    }
}

impl App for CApp {
    fn accept(&mut self, _: &mut Stack, listener: Pcb, new: Option<Pcb>, err: ErrT) -> ErrT {
        lwip_err(self.state.on_accept(listener, new, err.as_raw()))
    }
    fn connected(&mut self, stack: &mut Stack, pcb: Pcb, err: ErrT) -> ErrT {
        lwip_err(
            self.state
                .on_connected(&mut AsApi(stack), pcb, err.as_raw()),
        )
    }
    fn recv(&mut self, stack: &mut Stack, pcb: Pcb, data: Option<&[u8]>, err: ErrT) -> ErrT {
        lwip_err(
            self.state
                .on_recv(&mut AsApi(stack), pcb, data, err.as_raw()),
        )
    }
    fn sent(&mut self, stack: &mut Stack, pcb: Pcb, len: u16) -> ErrT {
        lwip_err(self.state.on_sent(&mut AsApi(stack), pcb, len))
    }
    fn poll(&mut self, stack: &mut Stack, pcb: Pcb) -> ErrT {
        lwip_err(self.state.on_poll(&mut AsApi(stack), pcb))
    }
}

impl Default for CEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl CEngine {
    /// A C engine on lwIP's own TCP (the lwIP stack is taken at `reset`).
    pub fn new() -> CEngine {
        CEngine::on(CBuild::linked())
    }

    /// A C engine on `build`, named as the build is.
    pub fn on(build: &'static CBuild) -> CEngine {
        CEngine {
            build,
            stack: None,
            app: CApp {
                state: AppState::default(),
            },
            sockets: Sockets::default(),
            config: ScenarioConfig::default(),
        }
    }

    /// The stack, if its state may be read: after a failed assertion
    /// lwIP's state is not inspected.
    fn inspectable(&mut self) -> Observed<&mut Stack> {
        let s = self
            .stack
            .as_mut()
            .ok_or_else(|| Unobservable(super::NOT_RESET.into()))?;
        match s.poisoned() {
            Some(a) => Err(Unobservable(format!("after {}", assertion(a)))),
            None => Ok(s),
        }
    }
}

/// An lwIP assertion as both engines report it: the message and lwIP's
/// file:line (the Rust port names the same C location).
pub(crate) fn assertion(a: &lwip_c::AssertInfo) -> String {
    let file = a.file.rsplit('/').next().unwrap_or(&a.file);
    format!("lwIP assertion failed: \"{}\" ({file}:{})", a.msg, a.line)
}

fn crashed(e: StackError) -> EngineError {
    match e {
        StackError::Asserted(a) | StackError::Poisoned(a) => EngineError::Crashed(assertion(&a)),
        other => EngineError::Stimulus(other.to_string()),
    }
}

impl Engine for CEngine {
    fn name(&self) -> &str {
        self.build.name()
    }

    fn reset(&mut self, config: &ScenarioConfig) -> Result<(), EngineError> {
        let o = self.build.tcp_options();
        let (has, what) = match config.local_ip {
            NetIp::V4(_) => (o.lwip_ipv4 != 0, "IPv4 (LWIP_IPV4 0)"),
            NetIp::V6(_) => (o.lwip_ipv6 != 0, "IPv6 (LWIP_IPV6 0)"),
        };
        if !has {
            return Err(EngineError::Stimulus(format!(
                "a scenario over {}: the build {} has no {what}",
                config.local_ip,
                self.build.name()
            )));
        }
        // The netif has the scenario's address of its version, and
        // packetdrill's default of the other (a dual-stack build has both).
        let (local_ip, local_ip6) = match config.local_ip {
            NetIp::V4(a) => (a.octets(), lwip_c::PACKETDRILL_LOCAL_IP6),
            NetIp::V6(a) => (crate::model::IPV4_LOCAL, a.octets()),
        };
        let cfg = StackConfig {
            local_ip,
            netmask: [255, 255, 255, 0],
            gateway: super::gateway_of(local_ip),
            local_ip6,
            mtu: config.mtu,
            seed: config.seed,
        };
        match self.stack.as_mut() {
            Some(s) => s.reset(cfg).map_err(crashed)?,
            None => self.stack = Some(Stack::new_on(self.build, cfg).map_err(crashed)?),
        }
        self.app = CApp {
            state: AppState::default(),
        };
        self.app.state.remote = (config.remote_ip.into(), config.remote_port);
        self.sockets = Sockets::default();
        self.config = *config;
        Ok(())
    }

    fn advance_to(&mut self, t_us: u64) -> Result<(), EngineError> {
        let t_ms = super::clock_ms(t_us)?;
        let stack = self.stack.as_mut().ok_or_else(EngineError::not_reset)?;
        if t_ms < stack.now() {
            return Ok(());
        }
        stack.advance_to(t_ms, &mut self.app).map_err(crashed)
    }

    fn inbound(&mut self, packet: &[u8]) -> Result<(), EngineError> {
        let stack = self.stack.as_mut().ok_or_else(EngineError::not_reset)?;
        stack.input(packet, &mut self.app).map_err(crashed)?;
        Ok(())
    }

    fn call(&mut self, call: &ApiCall) -> Result<CallOutcome, EngineError> {
        let remote = (self.config.remote_ip.into(), self.config.remote_port);
        let stack = self.stack.as_mut().ok_or_else(EngineError::not_reset)?;
        if let ApiCall::Tmr = call {
            stack.tcp_tmr(&mut self.app).map_err(crashed)?;
            return Ok(CallOutcome {
                err: None,
                value: 0,
                errno: None,
                addr: None,
            });
        }
        self.sockets.call(stack, &mut self.app.state, call, remote)
    }

    fn take_packets(&mut self) -> Vec<OutPacket> {
        let Some(s) = self.stack.as_mut() else {
            return Vec::new();
        };
        s.take_output()
            .into_iter()
            .map(|e| OutPacket {
                time_us: u64::from(e.time_ms) * 1000,
                bytes: e.bytes,
            })
            .collect()
    }

    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        let Some(s) = self.stack.as_mut() else {
            return Vec::new();
        };
        s.take_events().into_iter().map(record).collect()
    }

    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        let s = self.inspectable()?;
        let all = s
            .snapshot_all()
            .map_err(|e| Unobservable(format!("lwIP's pcb lists: {e}")))?;
        Ok(all.iter().map(snapshot).collect())
    }

    fn resources(&mut self) -> Observed<Resources> {
        let a = self.inspectable()?.accounting();
        let mut r = in_use(&a).to_vec();
        r.extend([
            ("heap_max", u64::from(a.heap_max)),
            ("heap_err", u64::from(a.heap_err)),
        ]);
        r.extend(
            super::TCP_STATS
                .iter()
                .zip(a.tcp_stats)
                .map(|(k, n)| (*k, u64::from(n))),
        );
        r.extend(
            super::MIB2_TCP
                .iter()
                .zip(a.mib2_tcp)
                .map(|(k, n)| (*k, u64::from(n))),
        );
        Ok(r)
    }

    /// Tears down, then drops the stack: lwIP is process-global, and
    /// another C engine may need it next (`--engines c,c`).
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        let mut s = self.stack.take().ok_or_else(EngineError::not_reset)?;
        let a = s.teardown().map_err(crashed)?;
        let in_use = in_use(&a).into_iter().filter(|(_, n)| *n != 0).collect();
        Ok(Leaks { in_use })
    }
}

/// lwIP's pool and heap use, by the names `Engine::resources` and the
/// leak report use.
fn in_use(a: &lwip_c::Accounting) -> [(&'static str, u64); 6] {
    [
        ("tcp_pcb", u64::from(a.tcp_pcb)),
        ("tcp_pcb_listen", u64::from(a.tcp_pcb_listen)),
        ("tcp_seg", u64::from(a.tcp_seg)),
        ("pbuf", u64::from(a.pbuf)),
        ("pbuf_pool", u64::from(a.pbuf_pool)),
        ("heap_bytes", u64::from(a.heap_used)),
    ]
}

fn record(e: lwip_c::Event) -> CallbackRecord {
    use lwip_c::Callback as C;
    let mut r = CallbackRecord {
        time_ms: e.time_ms,
        kind: e.callback.kind(),
        conn: 0,
        new_conn: None,
        data: None,
        len: None,
        err: None,
        ret: e.ret.map(ErrT::as_raw),
    };
    match e.callback {
        C::Accept { listener, new, err } => {
            (r.conn, r.new_conn, r.err) = (listener.0, new.map(|p| p.0), Some(err.as_raw()))
        }
        C::Connected { pcb, err } | C::Err { pcb, err } => {
            (r.conn, r.err) = (pcb.0, Some(err.as_raw()))
        }
        C::Recv { pcb, data, err } => (r.conn, r.data, r.err) = (pcb.0, data, Some(err.as_raw())),
        C::Sent { pcb, len } => (r.conn, r.len) = (pcb.0, Some(len)),
        C::Poll { pcb } => r.conn = pcb.0,
    }
    r
}

/// The typed snapshot of lwIP's pcb, every field named (see
/// [`super::snapshot`]: the shim reports 0 for a field the pcb kind does
/// not have).
pub(crate) fn snapshot(s: &lwip_c::Snapshot) -> ConnSnapshot {
    let [local_ip, local_ip_type, local_ip6_hi, local_ip6_lo] = ip_fields(s.local_ip.ip());
    let [remote_ip, remote_ip_type, remote_ip6_hi, remote_ip6_lo] = ip_fields(s.remote_ip.ip());
    ConnSnapshot {
        conn: s.id,
        list: i64::from(s.list),
        state: i64::from(s.state),
        flags: i64::from(s.flags),
        local_ip,
        local_port: i64::from(s.local_port),
        remote_ip,
        remote_port: i64::from(s.remote_port),
        prio: i64::from(s.prio),
        so_options: i64::from(s.so_options),
        ttl: i64::from(s.ttl),
        tos: i64::from(s.tos),
        netif_idx: i64::from(s.netif_idx),
        mss: i64::from(s.mss),
        snd_nxt: i64::from(s.snd_nxt),
        lastack: i64::from(s.lastack),
        snd_lbb: i64::from(s.snd_lbb),
        snd_wl1: i64::from(s.snd_wl1),
        snd_wl2: i64::from(s.snd_wl2),
        rcv_nxt: i64::from(s.rcv_nxt),
        rcv_wnd: i64::from(s.rcv_wnd),
        rcv_ann_wnd: i64::from(s.rcv_ann_wnd),
        rcv_ann_right_edge: i64::from(s.rcv_ann_right_edge),
        snd_wnd: i64::from(s.snd_wnd),
        snd_wnd_max: i64::from(s.snd_wnd_max),
        cwnd: i64::from(s.cwnd),
        ssthresh: i64::from(s.ssthresh),
        bytes_acked: i64::from(s.bytes_acked),
        rto_end: i64::from(s.rto_end),
        rto: i64::from(s.rto),
        sa: i64::from(s.sa),
        sv: i64::from(s.sv),
        rtime: i64::from(s.rtime),
        rttest: i64::from(s.rttest),
        rtseq: i64::from(s.rtseq),
        nrtx: i64::from(s.nrtx),
        dupacks: i64::from(s.dupacks),
        persist_backoff: i64::from(s.persist_backoff),
        persist_cnt: i64::from(s.persist_cnt),
        persist_probe: i64::from(s.persist_probe),
        keep_cnt_sent: i64::from(s.keep_cnt_sent),
        snd_scale: i64::from(s.snd_scale),
        rcv_scale: i64::from(s.rcv_scale),
        snd_buf: i64::from(s.snd_buf),
        snd_queuelen: i64::from(s.snd_queuelen),
        unsent_segs: i64::from(s.unsent_segs),
        unsent_bytes: i64::from(s.unsent_bytes),
        unacked_segs: i64::from(s.unacked_segs),
        unacked_bytes: i64::from(s.unacked_bytes),
        ooseq_segs: i64::from(s.ooseq_segs),
        ooseq_bytes: i64::from(s.ooseq_bytes),
        refused_bytes: i64::from(s.refused_bytes),
        unsent_oversize: i64::from(s.unsent_oversize),
        tmr: i64::from(s.tmr),
        polltmr: i64::from(s.polltmr),
        pollinterval: i64::from(s.pollinterval),
        backlog: i64::from(s.backlog),
        accepts_pending: i64::from(s.accepts_pending),
        ts_lastacksent: i64::from(s.ts_lastacksent),
        ts_recent: i64::from(s.ts_recent),
        keep_idle: i64::from(s.keep_idle),
        keep_intvl: i64::from(s.keep_intvl),
        keep_cnt: i64::from(s.keep_cnt),
        local_ip_type,
        local_ip6_hi,
        local_ip6_lo,
        remote_ip_type,
        remote_ip6_hi,
        remote_ip6_lo,
    }
}
