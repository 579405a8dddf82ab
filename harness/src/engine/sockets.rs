//! The socket layer every engine shares: file descriptors over raw-API
//! handles, the keepalive options a socket accumulates, and the mapping of
//! each [`ApiCall`] onto lwIP's raw API (documented in
//! `docs/lwip-mapping.md`). An engine only says how to make each raw-API
//! call on its stack ([`RawStack`]); what a call *means* is written once
//! here, so the engines cannot drift apart in the harness itself.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;

use lwip_vocab::{IpAddr, RawErr};

use super::app::{Api, AppState, ERR_ARG, ERR_OK};
use super::{CallOutcome, EngineError};
use crate::model::{ApiCall, CbFn, CbSlot, NULL_FD, NullArg};

/// lwIP's keepalive defaults (opt.h): idle 2 h, interval 75 s, 9 probes.
pub const KEEP_DEFAULTS: (u32, u32, u32) = (7_200_000, 75_000, 9);

/// Why a raw-API call could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawError {
    /// The handle's pcb was freed by lwIP (RST, abort, timeout...).
    Gone,
    /// The operation is not possible on a listening pcb (lwIP would touch
    /// fields a `tcp_pcb_listen` does not have).
    Listen(&'static str),
    /// The engine failed: an assertion, a poisoned stack.
    Crashed(String),
    /// Anything else the driver refused (re-entrancy, bad config).
    Other(String),
}

/// lwIP's raw API as one engine provides it. Results are raw `err_t`
/// values.
pub trait RawStack {
    /// A pcb handle.
    type H: Copy + Eq + Hash + Ord;
    /// The handle that is lwIP's NULL pcb pointer.
    fn null_handle(&self) -> Self::H;
    /// `tcp_bind(pcb, ip or NULL, port)`.
    fn tcp_bind_ptr(&mut self, h: Self::H, ip: Option<IpAddr>, port: u16) -> Result<i8, RawError>;
    /// `tcp_connect(pcb, ip or NULL, port, connected or NULL)`.
    fn tcp_connect_ptr(
        &mut self,
        h: Self::H,
        ip: Option<IpAddr>,
        port: u16,
        connected: bool,
    ) -> Result<i8, RawError>;
    /// `tcp_write(pcb, NULL, len, flags)`.
    fn tcp_write_null_arg(
        &mut self,
        h: Self::H,
        len: u16,
        copy: bool,
        more: bool,
    ) -> Result<i8, RawError>;
    /// `tcp_tcp_get_tcp_addrinfo(pcb, local, addr or NULL, port or NULL)`.
    #[allow(clippy::type_complexity)]
    fn tcp_addrinfo_ptr(
        &mut self,
        h: Self::H,
        local: bool,
        addr: bool,
        port: bool,
    ) -> Result<(i8, Option<IpAddr>, Option<u16>), RawError>;
    /// `tcp_recv_null(NULL, pcb, NULL, err)`.
    fn tcp_recv_null_fin(&mut self, h: Self::H, err: i8) -> Result<i8, RawError>;
    /// `tcp_process_refused_data(NULL)`.
    fn tcp_process_refused_data_null(&mut self) -> Result<i8, RawError>;
    /// `tcp_pcb_purge(NULL)`.
    fn tcp_pcb_purge_null(&mut self) -> Result<(), RawError>;
    /// `tcp_new()`; None when out of pcbs.
    fn tcp_new(&mut self) -> Result<Option<Self::H>, RawError>;
    /// `tcp_bind(pcb, IP_ANY, port)`.
    fn tcp_bind(&mut self, h: Self::H, ip: IpAddr, port: u16) -> Result<i8, RawError>;
    /// `tcp_listen_with_backlog_and_err` (`with_err`; the err comes back) or
    /// `tcp_listen_with_backlog` (no err): the listening pcb's handle (None
    /// on failure).
    fn tcp_listen(
        &mut self,
        h: Self::H,
        backlog: u8,
        with_err: bool,
    ) -> Result<(Option<Self::H>, Option<i8>), RawError>;
    /// `tcp_connect`.
    fn tcp_connect(&mut self, h: Self::H, ip: IpAddr, port: u16) -> Result<i8, RawError>;
    /// `tcp_write`.
    fn tcp_write(
        &mut self,
        h: Self::H,
        data: &[u8],
        copy: bool,
        more: bool,
    ) -> Result<i8, RawError>;
    /// `tcp_output`.
    fn tcp_output(&mut self, h: Self::H) -> Result<i8, RawError>;
    /// `tcp_recved`.
    fn tcp_recved(&mut self, h: Self::H, len: u16) -> Result<(), RawError>;
    /// `tcp_close`.
    fn tcp_close(&mut self, h: Self::H) -> Result<i8, RawError>;
    /// `tcp_shutdown`.
    fn tcp_shutdown(&mut self, h: Self::H, rx: bool, tx: bool) -> Result<i8, RawError>;
    /// `tcp_abort`.
    fn tcp_abort(&mut self, h: Self::H) -> Result<(), RawError>;
    /// `tcp_nagle_disable` / `tcp_nagle_enable`.
    fn tcp_nagle(&mut self, h: Self::H, disable: bool) -> Result<(), RawError>;
    /// `SO_KEEPALIVE` in `so_options` plus `keep_idle/intvl/cnt`.
    fn tcp_keepalive(
        &mut self,
        h: Self::H,
        enable: bool,
        idle_ms: u32,
        intvl_ms: u32,
        cnt: u32,
    ) -> Result<(), RawError>;
    /// `tcp_setprio`.
    fn tcp_setprio(&mut self, h: Self::H, prio: u8) -> Result<(), RawError>;
    /// `tcp_poll(pcb, poll, interval)`.
    fn tcp_poll(&mut self, h: Self::H, interval: u8) -> Result<(), RawError>;
    /// `tcp_backlog_delayed` (`delayed`) or `tcp_backlog_accepted`.
    fn tcp_backlog(&mut self, h: Self::H, delayed: bool) -> Result<(), RawError>;
    /// `tcp_recv`/`tcp_sent`/`tcp_err`/`tcp_accept(pcb, fn)`.
    fn tcp_set_callback(&mut self, h: Self::H, slot: CbSlot, to: CbFn) -> Result<(), RawError>;
    /// `tcp_new_ip_type(type)`; None when out of pcbs.
    fn tcp_new_ip_type(&mut self, ty: u8) -> Result<Option<Self::H>, RawError>;
    /// `tcp_tcp_get_tcp_addrinfo(pcb, local, &addr, &port)`: err, address, port.
    fn tcp_addrinfo(&mut self, h: Self::H, local: bool) -> Result<(i8, IpAddr, u16), RawError>;
    /// `tcp_bind_netif(pcb, netif or NULL)`.
    fn tcp_bind_netif(&mut self, h: Self::H, bound: bool) -> Result<(), RawError>;
    /// `tcp_txnow()`.
    fn tcp_txnow(&mut self) -> Result<(), RawError>;
    /// `tcp_sndbuf(pcb)`.
    fn tcp_sndbuf(&mut self, h: Self::H) -> Result<u32, RawError>;
    /// `tcp_sndqueuelen(pcb)`.
    fn tcp_sndqueuelen(&mut self, h: Self::H) -> Result<u32, RawError>;
    /// `netif_set_ipaddr(netif, ip)` on the single netif.
    fn netif_set_ipaddr(&mut self, ip: [u8; 4]) -> Result<(), RawError>;
}

/// The raw API as the application sees it inside callbacks. A call on a
/// pcb that is gone is dropped: `tcp_close` then reports `ERR_OK` (the
/// application already let go of it), the others `ERR_ARG`.
pub struct AsApi<'a, S>(pub &'a mut S);

impl<S: RawStack> Api for AsApi<'_, S> {
    type H = S::H;
    fn write(&mut self, h: S::H, data: &[u8], copy: bool, more: bool) -> i8 {
        self.0.tcp_write(h, data, copy, more).unwrap_or(ERR_ARG)
    }
    fn output(&mut self, h: S::H) -> i8 {
        self.0.tcp_output(h).unwrap_or(ERR_ARG)
    }
    fn recved(&mut self, h: S::H, len: u16) {
        let _ = self.0.tcp_recved(h, len);
    }
    fn close(&mut self, h: S::H) -> i8 {
        self.0.tcp_close(h).unwrap_or(0)
    }
    fn abort(&mut self, h: S::H) {
        let _ = self.0.tcp_abort(h);
    }
    fn connect_new(&mut self, ip: IpAddr, port: u16) -> Option<S::H> {
        let h = self.0.tcp_new().ok()??;
        if self.0.tcp_connect(h, ip, port).ok()? == ERR_OK {
            Some(h)
        } else {
            let _ = self.0.tcp_close(h);
            None
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Keep {
    enable: bool,
    idle: u32,
    intvl: u32,
    cnt: u32,
}

/// File descriptors (from 3 up, as packetdrill's first socket) over pcb
/// handles.
#[derive(Debug)]
pub struct Sockets<H> {
    /// Open descriptors.
    pub fds: BTreeMap<i32, H>,
    /// Descriptors whose pcb the application gave up without closing the
    /// descriptor (`tcp_shutdown(pcb, 1, 1)` is `tcp_close` for lwIP):
    /// calls on them act as on a freed pcb.
    released: BTreeSet<i32>,
    /// Descriptors naming a listening pcb.
    listeners: BTreeSet<i32>,
    keep: BTreeMap<i32, Keep>,
    next_fd: i32,
}

impl<H> Default for Sockets<H> {
    fn default() -> Self {
        Sockets {
            fds: BTreeMap::new(),
            released: BTreeSet::new(),
            listeners: BTreeSet::new(),
            keep: BTreeMap::new(),
            next_fd: 3,
        }
    }
}

fn err_outcome(err: i8) -> CallOutcome {
    CallOutcome {
        err: Some(err),
        value: if err == ERR_OK { 0 } else { -1 },
        errno: (err != ERR_OK).then(|| err_name(err)),
        addr: None,
    }
}

fn err_name(err: i8) -> String {
    RawErr(err).to_string()
}

fn value(v: i64) -> CallOutcome {
    CallOutcome {
        err: None,
        value: v,
        errno: None,
        addr: None,
    }
}

fn errno(e: &str) -> CallOutcome {
    CallOutcome {
        err: None,
        value: -1,
        errno: Some(e.into()),
        addr: None,
    }
}

impl<H: Copy + Eq + Hash + Ord> Sockets<H> {
    fn new_fd(&mut self, h: H) -> i32 {
        let fd = self.next_fd;
        self.next_fd += 1;
        self.fds.insert(fd, h);
        fd
    }

    /// Carries out one call. `remote` is the peer's address and port (the
    /// only one a scenario talks to).
    pub fn call<S: RawStack<H = H>>(
        &mut self,
        s: &mut S,
        app: &mut AppState<H>,
        call: &ApiCall,
        remote: (IpAddr, u16),
    ) -> Result<CallOutcome, EngineError> {
        // Connections the application opened inside callbacks get the
        // next descriptors, in the order they were opened.
        while let Some(h) = app.opened.pop_front() {
            self.new_fd(h);
        }
        let fd = call_fd(call);
        let given_up = |f: i32| self.fds.get(&f).is_some_and(|h| app.given_up.contains(h));
        let result = match fd {
            Some(f) if self.released.contains(&f) || given_up(f) => Err(RawError::Gone),
            // lwIP asserts ("don't call ... for listen-pcbs") on these; the
            // application is refused before lwIP sees them, on both engines.
            Some(f) if self.listeners.contains(&f) => match call {
                ApiCall::Output { .. } => Err(RawError::Listen("tcp_output")),
                ApiCall::Recved { .. } => Err(RawError::Listen("tcp_recved")),
                ApiCall::Abort { .. } => Err(RawError::Listen("tcp_abort")),
                _ => self.call_inner(s, app, call, remote),
            },
            _ => self.call_inner(s, app, call, remote),
        };
        match result {
            Ok(o) => Ok(o),
            // A pcb lwIP freed under the application (RST, abort, timer):
            // close releases the descriptor and returns 0, as a socket's
            // close after a reset does; anything else fails with ENOTCONN.
            Err(RawError::Gone) => {
                if let ApiCall::Close { fd } = call {
                    self.fds.remove(fd);
                    self.keep.remove(fd);
                    self.released.remove(fd);
                    Ok(value(0))
                } else {
                    Ok(errno("ENOTCONN"))
                }
            }
            // An operation lwIP only allows on connections, on a listener.
            Err(RawError::Listen(_)) => Ok(errno("EOPNOTSUPP")),
            Err(RawError::Crashed(m)) => Err(EngineError::Crashed(m)),
            Err(RawError::Other(m)) => Err(EngineError::Stimulus(match fd {
                Some(fd) => format!("fd {fd}: {m}"),
                None => m,
            })),
        }
    }

    fn call_inner<S: RawStack<H = H>>(
        &mut self,
        s: &mut S,
        app: &mut AppState<H>,
        call: &ApiCall,
        remote: (IpAddr, u16),
    ) -> Result<CallOutcome, RawError> {
        let null = s.null_handle();
        let pcb = |fd: &i32| {
            if *fd == NULL_FD {
                return Ok(null);
            }
            self.fds
                .get(fd)
                .copied()
                .ok_or_else(|| RawError::Other("not open".into()))
        };
        Ok(match call {
            ApiCall::Socket => match s.tcp_new()? {
                Some(h) => value(i64::from(self.new_fd(h))),
                None => errno("ENOMEM"),
            },
            ApiCall::NewIpType { ty } => match s.tcp_new_ip_type(*ty)? {
                Some(h) => value(i64::from(self.new_fd(h))),
                None => errno("ENOMEM"),
            },
            ApiCall::AddrInfo { fd, local } => {
                let (err, ip, port) = s.tcp_addrinfo(pcb(fd)?, *local)?;
                CallOutcome {
                    addr: Some(addr_port(ip, port)),
                    ..err_outcome(err)
                }
            }
            ApiCall::Bind { fd, ip, port } => err_outcome(s.tcp_bind(pcb(fd)?, *ip, *port)?),
            ApiCall::Listen {
                fd,
                backlog,
                with_err,
            } => {
                let (l, err) = s.tcp_listen(pcb(fd)?, *backlog, *with_err)?;
                let ok = l.is_some();
                if let Some(l) = l {
                    self.fds.insert(*fd, l);
                    self.listeners.insert(*fd);
                }
                match err {
                    Some(e) => err_outcome(e),
                    None => value(if ok { 0 } else { -1 }),
                }
            }
            // The application's own timer call needs the application: the
            // engines run it (they hold it), not this socket layer.
            ApiCall::Tmr => {
                return Err(RawError::Other(
                    "tcp_tmr is run by the engine, which holds the application".into(),
                ));
            }
            ApiCall::Accept { fd } => {
                pcb(fd)?;
                match app.accepted.pop_front() {
                    Some(h) => value(i64::from(self.new_fd(h))),
                    None => errno("EAGAIN"),
                }
            }
            ApiCall::Connect { fd } => err_outcome(s.tcp_connect(pcb(fd)?, remote.0, remote.1)?),
            ApiCall::Write {
                fd,
                len,
                copy,
                more,
                output,
            } => {
                let h = pcb(fd)?;
                let len = *len as usize;
                let data = app.next_tx(h, len);
                let err = s.tcp_write(h, &data, *copy, *more)?;
                if err == ERR_OK {
                    app.wrote(h, len);
                    if *output {
                        s.tcp_output(h)?;
                    }
                }
                let mut o = err_outcome(err);
                if err == ERR_OK {
                    o.value = len as i64;
                }
                o
            }
            ApiCall::Output { fd } => err_outcome(s.tcp_output(pcb(fd)?)?),
            ApiCall::Read { fd, len } => {
                let h = pcb(fd)?;
                match app.read(&mut AsApi(s), h, *len as usize) {
                    Some(n) => value(n as i64),
                    None => errno("EAGAIN"),
                }
            }
            ApiCall::Recved { fd, len } => {
                s.tcp_recved(pcb(fd)?, *len)?;
                value(0)
            }
            ApiCall::Close { fd } => {
                let err = s.tcp_close(pcb(fd)?)?;
                if err == ERR_OK {
                    self.fds.remove(fd);
                    self.keep.remove(fd);
                    self.listeners.remove(fd);
                }
                err_outcome(err)
            }
            ApiCall::Shutdown { fd, rx, tx } => {
                let err = s.tcp_shutdown(pcb(fd)?, *rx, *tx)?;
                if err == ERR_OK && *rx && *tx {
                    self.released.insert(*fd);
                }
                err_outcome(err)
            }
            ApiCall::Abort { fd } => {
                s.tcp_abort(pcb(fd)?)?;
                self.fds.remove(fd);
                self.keep.remove(fd);
                value(0)
            }
            ApiCall::Nagle { fd, disable } => {
                s.tcp_nagle(pcb(fd)?, *disable)?;
                value(0)
            }
            ApiCall::Keepalive {
                fd,
                enable,
                idle_ms,
                intvl_ms,
                cnt,
            } => {
                let h = pcb(fd)?;
                let k = self.keep.entry(*fd).or_insert(Keep {
                    enable: false,
                    idle: KEEP_DEFAULTS.0,
                    intvl: KEEP_DEFAULTS.1,
                    cnt: KEEP_DEFAULTS.2,
                });
                k.enable = enable.unwrap_or(k.enable);
                k.idle = idle_ms.unwrap_or(k.idle);
                k.intvl = intvl_ms.unwrap_or(k.intvl);
                k.cnt = cnt.unwrap_or(k.cnt);
                let k = *k;
                s.tcp_keepalive(h, k.enable, k.idle, k.intvl, k.cnt)?;
                value(0)
            }
            ApiCall::SetPrio { fd, prio } => {
                s.tcp_setprio(pcb(fd)?, *prio)?;
                value(0)
            }
            ApiCall::Poll { fd, interval } => {
                s.tcp_poll(pcb(fd)?, *interval)?;
                value(0)
            }
            ApiCall::Backlog { fd, delayed } => {
                s.tcp_backlog(pcb(fd)?, *delayed)?;
                value(0)
            }
            ApiCall::SetCallback { fd, slot, to } => {
                s.tcp_set_callback(pcb(fd)?, *slot, *to)?;
                value(0)
            }
            ApiCall::BindNetif { fd, bound } => {
                s.tcp_bind_netif(pcb(fd)?, *bound)?;
                value(0)
            }
            ApiCall::TxNow => {
                s.tcp_txnow()?;
                value(0)
            }
            ApiCall::SndBuf { fd } => value(i64::from(s.tcp_sndbuf(pcb(fd)?)?)),
            ApiCall::SndQueuelen { fd } => value(i64::from(s.tcp_sndqueuelen(pcb(fd)?)?)),
            ApiCall::NetifSetIpaddr { ip } => {
                s.netif_set_ipaddr(*ip)?;
                value(0)
            }
            ApiCall::NullArg { fd, arg } => {
                let h = pcb(fd)?;
                match *arg {
                    NullArg::BindAddr { port } => err_outcome(s.tcp_bind_ptr(h, None, port)?),
                    NullArg::ConnectAddr => {
                        err_outcome(s.tcp_connect_ptr(h, None, remote.1, true)?)
                    }
                    NullArg::ConnectedFn => {
                        err_outcome(s.tcp_connect_ptr(h, Some(remote.0), remote.1, false)?)
                    }
                    NullArg::WriteData { len } => {
                        err_outcome(s.tcp_write_null_arg(h, len, true, false)?)
                    }
                    NullArg::AddrInfo { local, addr, port } => {
                        let (err, ip, p) = s.tcp_addrinfo_ptr(h, local, addr, port)?;
                        let ip = ip.map_or("NULL".to_string(), |ip| ip.to_string());
                        let p = p.map_or("NULL".to_string(), |p| p.to_string());
                        CallOutcome {
                            addr: Some(format!("{ip}:{p}")),
                            ..err_outcome(err)
                        }
                    }
                }
            }
            ApiCall::RecvNull { fd, err } => {
                let e = s.tcp_recv_null_fin(pcb(fd)?, *err)?;
                // ERR_OK with ERR_OK is tcp_close: the descriptor is released.
                if e == ERR_OK && *err == ERR_OK && *fd != NULL_FD {
                    self.fds.remove(fd);
                    self.keep.remove(fd);
                }
                err_outcome(e)
            }
            ApiCall::ProcessRefusedDataNull => err_outcome(s.tcp_process_refused_data_null()?),
            ApiCall::PcbPurgeNull => {
                s.tcp_pcb_purge_null()?;
                value(0)
            }
            ApiCall::Nop { .. } => value(0),
            ApiCall::Policy { fd, change } => {
                if *fd < 0 {
                    app.default.apply(*change);
                } else {
                    let h = pcb(fd)?;
                    let mut pol = app.policy(h);
                    pol.apply(*change);
                    app.per_conn.insert(h, pol);
                }
                value(0)
            }
        })
    }
}

/// The descriptor a call names, if any.
fn call_fd(call: &ApiCall) -> Option<i32> {
    match call {
        ApiCall::Socket
        | ApiCall::NewIpType { .. }
        | ApiCall::Nop { .. }
        | ApiCall::NetifSetIpaddr { .. }
        | ApiCall::TxNow
        | ApiCall::ProcessRefusedDataNull
        | ApiCall::PcbPurgeNull
        | ApiCall::Tmr => None,
        ApiCall::Bind { fd, .. }
        | ApiCall::Listen { fd, .. }
        | ApiCall::Accept { fd }
        | ApiCall::Connect { fd }
        | ApiCall::Write { fd, .. }
        | ApiCall::Output { fd }
        | ApiCall::Read { fd, .. }
        | ApiCall::Recved { fd, .. }
        | ApiCall::Close { fd }
        | ApiCall::Shutdown { fd, .. }
        | ApiCall::Abort { fd }
        | ApiCall::Nagle { fd, .. }
        | ApiCall::Keepalive { fd, .. }
        | ApiCall::SetPrio { fd, .. }
        | ApiCall::Poll { fd, .. }
        | ApiCall::Backlog { fd, .. }
        | ApiCall::SetCallback { fd, .. }
        | ApiCall::AddrInfo { fd, .. }
        | ApiCall::BindNetif { fd, .. }
        | ApiCall::SndBuf { fd }
        | ApiCall::SndQueuelen { fd }
        | ApiCall::NullArg { fd, .. }
        | ApiCall::RecvNull { fd, .. }
        | ApiCall::Policy { fd, .. } => Some(*fd),
    }
}

/// `ip:port` as the reports write it, `[ip]:port` for IPv6.
fn addr_port(ip: IpAddr, port: u16) -> String {
    if ip.is_v6() {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}
