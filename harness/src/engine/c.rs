//! The C engine: lwIP 2.2.1 itself, through `lwip_c::Stack`.

use std::collections::BTreeMap;

use lwip_c::{App, ErrT, Pcb, Stack, StackConfig, StackError, WriteFlags};

use super::app::{Api, AppState};
use super::{
    CallOutcome, CallbackRecord, CbKind, ConnSnapshot, Engine, EngineError, Leaks, OutPacket,
};
use crate::model::{ApiCall, ScenarioConfig};

/// lwIP's keepalive defaults (opt.h): idle 2 h, interval 75 s, 9 probes.
const KEEP_DEFAULTS: (u32, u32, u32) = (7_200_000, 75_000, 9);

#[derive(Debug, Clone, Copy)]
struct Keep {
    enable: bool,
    idle: u32,
    intvl: u32,
    cnt: u32,
}

/// The C engine.
pub struct CEngine {
    stack: Option<Stack>,
    app: CApp,
    fds: BTreeMap<i32, Pcb>,
    keep: BTreeMap<i32, Keep>,
    next_fd: i32,
    config: ScenarioConfig,
}

struct CApp {
    state: AppState<Pcb>,
}

struct CApi<'a>(&'a mut Stack);

impl Api for CApi<'_> {
    type H = Pcb;
    fn write(&mut self, h: Pcb, data: &[u8], copy: bool, more: bool) -> i8 {
        self.0
            .tcp_write(h, data, WriteFlags { copy, more })
            .map_or(ErrT::Arg.raw(), ErrT::raw)
    }
    fn output(&mut self, h: Pcb) -> i8 {
        self.0.tcp_output(h).map_or(ErrT::Arg.raw(), ErrT::raw)
    }
    fn recved(&mut self, h: Pcb, len: u16) {
        let _ = self.0.tcp_recved(h, len);
    }
    fn close(&mut self, h: Pcb) -> i8 {
        // A close the application already made is not repeated.
        self.0.tcp_close(h).map_or(ErrT::Ok.raw(), ErrT::raw)
    }
    fn abort(&mut self, h: Pcb) {
        let _ = self.0.tcp_abort(h);
    }
}

impl App for CApp {
    fn accept(&mut self, _: &mut Stack, listener: Pcb, new: Option<Pcb>, err: ErrT) -> ErrT {
        ErrT::from_raw(self.state.on_accept(listener, new, err.raw()))
    }
    fn connected(&mut self, _: &mut Stack, _: Pcb, _: ErrT) -> ErrT {
        ErrT::Ok
    }
    fn recv(&mut self, stack: &mut Stack, pcb: Pcb, data: Option<&[u8]>, err: ErrT) -> ErrT {
        ErrT::from_raw(self.state.on_recv(&mut CApi(stack), pcb, data, err.raw()))
    }
    fn sent(&mut self, stack: &mut Stack, pcb: Pcb, len: u16) -> ErrT {
        ErrT::from_raw(self.state.on_sent(&mut CApi(stack), pcb, len))
    }
    fn poll(&mut self, _: &mut Stack, _: Pcb) -> ErrT {
        ErrT::Ok
    }
}

impl Default for CEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl CEngine {
    /// A C engine (the lwIP stack is taken at `reset`).
    pub fn new() -> CEngine {
        CEngine {
            stack: None,
            app: CApp {
                state: AppState::default(),
            },
            fds: BTreeMap::new(),
            keep: BTreeMap::new(),
            next_fd: 3,
            config: ScenarioConfig::default(),
        }
    }

    fn stack(&mut self) -> Result<&mut Stack, EngineError> {
        self.stack
            .as_mut()
            .ok_or_else(|| EngineError::Stimulus("engine used before reset".into()))
    }

    fn pcb(&self, fd: i32) -> Result<Pcb, EngineError> {
        self.fds
            .get(&fd)
            .copied()
            .ok_or_else(|| EngineError::Stimulus(format!("fd {fd} is not open")))
    }
}

fn crashed(e: StackError) -> EngineError {
    match e {
        StackError::Asserted(_) | StackError::Poisoned(_) => EngineError::Crashed(e.to_string()),
        other => EngineError::Stimulus(other.to_string()),
    }
}

fn err_outcome(err: ErrT) -> CallOutcome {
    CallOutcome {
        err: Some(err.raw()),
        value: if err == ErrT::Ok { 0 } else { -1 },
        errno: (err != ErrT::Ok).then(|| err.name()),
    }
}

fn ok_value(value: i64) -> CallOutcome {
    CallOutcome {
        err: None,
        value,
        errno: None,
    }
}

impl Engine for CEngine {
    fn name(&self) -> &str {
        "c"
    }

    fn reset(&mut self, config: &ScenarioConfig) -> Result<(), EngineError> {
        let cfg = StackConfig {
            local_ip: config.local_ip,
            netmask: [255, 255, 255, 0],
            gateway: [
                config.local_ip[0],
                config.local_ip[1],
                config.local_ip[2],
                config.local_ip[3].wrapping_add(1),
            ],
            mtu: config.mtu,
            seed: config.seed,
        };
        match self.stack.as_mut() {
            Some(s) => s.reset(cfg).map_err(crashed)?,
            None => self.stack = Some(Stack::new(cfg).map_err(crashed)?),
        }
        self.app = CApp {
            state: AppState::default(),
        };
        self.fds.clear();
        self.keep.clear();
        self.next_fd = 3;
        self.config = *config;
        Ok(())
    }

    fn advance_to(&mut self, t_us: u64) -> Result<(), EngineError> {
        let t_ms = u32::try_from(t_us / 1000)
            .map_err(|_| EngineError::Stimulus("time beyond 49 days".into()))?;
        let stack = self
            .stack
            .as_mut()
            .ok_or_else(|| EngineError::Stimulus("engine used before reset".into()))?;
        if t_ms < stack.now() {
            return Ok(());
        }
        stack.advance_to(t_ms, &mut self.app).map_err(crashed)
    }

    fn inbound(&mut self, packet: &[u8]) -> Result<(), EngineError> {
        let stack = self
            .stack
            .as_mut()
            .ok_or_else(|| EngineError::Stimulus("engine used before reset".into()))?;
        stack.input(packet, &mut self.app).map_err(crashed)?;
        Ok(())
    }

    fn call(&mut self, call: &ApiCall) -> Result<CallOutcome, EngineError> {
        let remote = (self.config.remote_ip, self.config.remote_port);
        match call {
            ApiCall::Socket => {
                let fd = self.next_fd;
                match self.stack()?.tcp_new().map_err(crashed)? {
                    Some(p) => {
                        self.fds.insert(fd, p);
                        self.next_fd += 1;
                        Ok(ok_value(i64::from(fd)))
                    }
                    None => Ok(CallOutcome {
                        err: None,
                        value: -1,
                        errno: Some("ENOMEM".into()),
                    }),
                }
            }
            ApiCall::Bind { fd, port } => {
                let p = self.pcb(*fd)?;
                Ok(err_outcome(
                    self.stack()?.tcp_bind(p, [0; 4], *port).map_err(crashed)?,
                ))
            }
            ApiCall::Listen { fd, backlog } => {
                let p = self.pcb(*fd)?;
                let (_, err) = self
                    .stack()?
                    .tcp_listen_with_backlog_and_err(p, *backlog)
                    .map_err(crashed)?;
                Ok(err_outcome(err))
            }
            ApiCall::Accept { fd } => {
                self.pcb(*fd)?;
                match self.app.state.accepted.pop_front() {
                    Some(p) => {
                        let nfd = self.next_fd;
                        self.next_fd += 1;
                        self.fds.insert(nfd, p);
                        Ok(ok_value(i64::from(nfd)))
                    }
                    None => Ok(CallOutcome {
                        err: None,
                        value: -1,
                        errno: Some("EAGAIN".into()),
                    }),
                }
            }
            ApiCall::Connect { fd } => {
                let p = self.pcb(*fd)?;
                Ok(err_outcome(
                    self.stack()?
                        .tcp_connect(p, remote.0, remote.1)
                        .map_err(crashed)?,
                ))
            }
            ApiCall::Write {
                fd,
                len,
                copy,
                more,
                output,
            } => {
                let p = self.pcb(*fd)?;
                let len = *len as usize;
                let data = self.app.state.next_tx(p, len);
                let stack = self
                    .stack
                    .as_mut()
                    .ok_or_else(|| EngineError::Stimulus("no stack".into()))?;
                let err = stack
                    .tcp_write(
                        p,
                        &data,
                        WriteFlags {
                            copy: *copy,
                            more: *more,
                        },
                    )
                    .map_err(crashed)?;
                if err == ErrT::Ok {
                    self.app.state.wrote(p, len);
                    if *output {
                        stack.tcp_output(p).map_err(crashed)?;
                    }
                }
                let mut o = err_outcome(err);
                if err == ErrT::Ok {
                    o.value = len as i64;
                }
                Ok(o)
            }
            ApiCall::Output { fd } => {
                let p = self.pcb(*fd)?;
                Ok(err_outcome(self.stack()?.tcp_output(p).map_err(crashed)?))
            }
            ApiCall::Read { fd, len } => {
                let p = self.pcb(*fd)?;
                let stack = self
                    .stack
                    .as_mut()
                    .ok_or_else(|| EngineError::Stimulus("no stack".into()))?;
                match self.app.state.read(&mut CApi(stack), p, *len as usize) {
                    Some(n) => Ok(ok_value(n as i64)),
                    None => Ok(CallOutcome {
                        err: None,
                        value: -1,
                        errno: Some("EAGAIN".into()),
                    }),
                }
            }
            ApiCall::Recved { fd, len } => {
                let p = self.pcb(*fd)?;
                self.stack()?.tcp_recved(p, *len).map_err(crashed)?;
                Ok(ok_value(0))
            }
            ApiCall::Close { fd } => {
                let p = self.pcb(*fd)?;
                let err = self.stack()?.tcp_close(p).map_err(crashed)?;
                if err == ErrT::Ok {
                    self.fds.remove(fd);
                }
                Ok(err_outcome(err))
            }
            ApiCall::Shutdown { fd, rx, tx } => {
                let p = self.pcb(*fd)?;
                Ok(err_outcome(
                    self.stack()?.tcp_shutdown(p, *rx, *tx).map_err(crashed)?,
                ))
            }
            ApiCall::Abort { fd } => {
                let p = self.pcb(*fd)?;
                self.stack()?.tcp_abort(p).map_err(crashed)?;
                self.fds.remove(fd);
                Ok(ok_value(0))
            }
            ApiCall::Nagle { fd, disable } => {
                let p = self.pcb(*fd)?;
                self.stack()?.tcp_nagle(p, *disable).map_err(crashed)?;
                Ok(ok_value(0))
            }
            ApiCall::Keepalive {
                fd,
                enable,
                idle_ms,
                intvl_ms,
                cnt,
            } => {
                let p = self.pcb(*fd)?;
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
                self.stack()?
                    .tcp_keepalive(p, k.enable, k.idle, k.intvl, k.cnt)
                    .map_err(crashed)?;
                Ok(ok_value(0))
            }
            ApiCall::SetPrio { fd, prio } => {
                let p = self.pcb(*fd)?;
                self.stack()?.tcp_setprio(p, *prio).map_err(crashed)?;
                Ok(ok_value(0))
            }
            ApiCall::Poll { fd, interval } => {
                let p = self.pcb(*fd)?;
                self.stack()?.tcp_poll(p, *interval).map_err(crashed)?;
                Ok(ok_value(0))
            }
            ApiCall::Nop { .. } => Ok(ok_value(0)),
            ApiCall::Policy { fd, change } => {
                if *fd < 0 {
                    self.app.state.default.apply(*change);
                } else {
                    let p = self.pcb(*fd)?;
                    let mut pol = self.app.state.policy(p);
                    pol.apply(*change);
                    self.app.state.per_conn.insert(p, pol);
                }
                Ok(ok_value(0))
            }
        }
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

    fn snapshots(&mut self) -> Vec<ConnSnapshot> {
        let Some(s) = self.stack.as_mut() else {
            return Vec::new();
        };
        s.snapshot_all()
            .unwrap_or_default()
            .iter()
            .map(snapshot)
            .collect()
    }

    /// Tears down, then drops the stack: lwIP is process-global, and
    /// another C engine may need it next (`--engines c,c`).
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        let mut s = self
            .stack
            .take()
            .ok_or_else(|| EngineError::Stimulus("engine used before reset".into()))?;
        let a = s.teardown().map_err(crashed)?;
        let in_use = [
            ("tcp_pcb", a.tcp_pcb),
            ("tcp_pcb_listen", a.tcp_pcb_listen),
            ("tcp_seg", a.tcp_seg),
            ("pbuf", a.pbuf),
            ("pbuf_pool", a.pbuf_pool),
            ("heap_bytes", a.heap_used),
        ]
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(k, n)| (k, u64::from(n)))
        .collect();
        Ok(Leaks { in_use })
    }
}

fn record(e: lwip_c::Event) -> CallbackRecord {
    use lwip_c::Callback as C;
    let mut r = CallbackRecord {
        time_ms: e.time_ms,
        kind: CbKind::Poll,
        conn: 0,
        new_conn: None,
        data: None,
        len: None,
        err: None,
        ret: e.ret.map(ErrT::raw),
    };
    match e.callback {
        C::Accept { listener, new, err } => {
            (r.kind, r.conn, r.new_conn, r.err) = (
                CbKind::Accept,
                listener.0,
                new.map(|p| p.0),
                Some(err.raw()),
            )
        }
        C::Connected { pcb, err } => {
            (r.kind, r.conn, r.err) = (CbKind::Connected, pcb.0, Some(err.raw()))
        }
        C::Recv { pcb, data, err } => {
            (r.kind, r.conn, r.data, r.err) = (CbKind::Recv, pcb.0, data, Some(err.raw()))
        }
        C::Sent { pcb, len } => (r.kind, r.conn, r.len) = (CbKind::Sent, pcb.0, Some(len)),
        C::Poll { pcb } => (r.kind, r.conn) = (CbKind::Poll, pcb.0),
        C::Err { pcb, err } => (r.kind, r.conn, r.err) = (CbKind::Err, pcb.0, Some(err.raw())),
    }
    r
}

/// The snapshot fields, in the order reports show them.
fn snapshot(s: &lwip_c::Snapshot) -> ConnSnapshot {
    let ip = |a: [u8; 4]| i64::from(u32::from_be_bytes(a));
    let fields = vec![
        ("list", i64::from(s.list)),
        ("state", i64::from(s.state)),
        ("flags", i64::from(s.flags)),
        ("local_ip", ip(s.local_ip)),
        ("local_port", i64::from(s.local_port)),
        ("remote_ip", ip(s.remote_ip)),
        ("remote_port", i64::from(s.remote_port)),
        ("prio", i64::from(s.prio)),
        ("so_options", i64::from(s.so_options)),
        ("ttl", i64::from(s.ttl)),
        ("tos", i64::from(s.tos)),
        ("mss", i64::from(s.mss)),
        ("snd_nxt", i64::from(s.snd_nxt)),
        ("lastack", i64::from(s.lastack)),
        ("snd_lbb", i64::from(s.snd_lbb)),
        ("snd_wl1", i64::from(s.snd_wl1)),
        ("snd_wl2", i64::from(s.snd_wl2)),
        ("rcv_nxt", i64::from(s.rcv_nxt)),
        ("rcv_wnd", i64::from(s.rcv_wnd)),
        ("rcv_ann_wnd", i64::from(s.rcv_ann_wnd)),
        ("rcv_ann_right_edge", i64::from(s.rcv_ann_right_edge)),
        ("snd_wnd", i64::from(s.snd_wnd)),
        ("snd_wnd_max", i64::from(s.snd_wnd_max)),
        ("cwnd", i64::from(s.cwnd)),
        ("ssthresh", i64::from(s.ssthresh)),
        ("bytes_acked", i64::from(s.bytes_acked)),
        ("rto_end", i64::from(s.rto_end)),
        ("rto", i64::from(s.rto)),
        ("sa", i64::from(s.sa)),
        ("sv", i64::from(s.sv)),
        ("rtime", i64::from(s.rtime)),
        ("rttest", i64::from(s.rttest)),
        ("rtseq", i64::from(s.rtseq)),
        ("nrtx", i64::from(s.nrtx)),
        ("dupacks", i64::from(s.dupacks)),
        ("persist_backoff", i64::from(s.persist_backoff)),
        ("persist_cnt", i64::from(s.persist_cnt)),
        ("persist_probe", i64::from(s.persist_probe)),
        ("keep_cnt_sent", i64::from(s.keep_cnt_sent)),
        ("snd_scale", i64::from(s.snd_scale)),
        ("rcv_scale", i64::from(s.rcv_scale)),
        ("snd_buf", i64::from(s.snd_buf)),
        ("snd_queuelen", i64::from(s.snd_queuelen)),
        ("unsent_segs", i64::from(s.unsent_segs)),
        ("unsent_bytes", i64::from(s.unsent_bytes)),
        ("unacked_segs", i64::from(s.unacked_segs)),
        ("unacked_bytes", i64::from(s.unacked_bytes)),
        ("ooseq_segs", i64::from(s.ooseq_segs)),
        ("ooseq_bytes", i64::from(s.ooseq_bytes)),
        ("refused_bytes", i64::from(s.refused_bytes)),
        ("unsent_oversize", i64::from(s.unsent_oversize)),
        ("tmr", i64::from(s.tmr)),
        ("polltmr", i64::from(s.polltmr)),
        ("pollinterval", i64::from(s.pollinterval)),
        ("backlog", i64::from(s.backlog)),
        ("accepts_pending", i64::from(s.accepts_pending)),
        ("ts_lastacksent", i64::from(s.ts_lastacksent)),
        ("ts_recent", i64::from(s.ts_recent)),
        ("keep_idle", i64::from(s.keep_idle)),
        ("keep_intvl", i64::from(s.keep_intvl)),
        ("keep_cnt", i64::from(s.keep_cnt)),
    ];
    ConnSnapshot { conn: s.id, fields }
}

/// lwIP's name of a `state` value.
pub fn state_name(v: i64) -> &'static str {
    const N: [&str; 11] = [
        "CLOSED",
        "LISTEN",
        "SYN_SENT",
        "SYN_RCVD",
        "ESTABLISHED",
        "FIN_WAIT_1",
        "FIN_WAIT_2",
        "CLOSE_WAIT",
        "CLOSING",
        "LAST_ACK",
        "TIME_WAIT",
    ];
    usize::try_from(v)
        .ok()
        .and_then(|i| N.get(i))
        .copied()
        .unwrap_or("?")
}
