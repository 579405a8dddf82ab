//! Engines: one adapter per TCP implementation, behind one trait (in the
//! spirit of wasmtime's `DiffEngine`). The harness owns stimulus, the
//! application's behaviour ([`app`]), normalisation and comparison; an
//! engine only executes and reports what it saw.

pub mod app;
pub mod builds;
pub mod c;
pub mod plant;
pub mod profiles;
pub mod rust;
pub mod snapshot;
pub mod sockets;

pub use snapshot::PcbSnapshot;

use lwip_vocab::RawErr;
use serde::Serialize;
use std::fmt;

use crate::model::{ApiCall, ScenarioConfig};

/// A packet an engine emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutPacket {
    /// Virtual time of emission (µs).
    pub time_us: u64,
    /// The whole IPv4 packet.
    pub bytes: Vec<u8>,
}

/// Which callback: lwIP's six (`lwip_vocab::CallbackKind`).
pub use lwip_vocab::CallbackKind as CbKind;

/// Serialises a callback kind as its variant name (`"Accept"`), as the
/// reports always wrote it (lwip-vocab has no serde, see its Cargo.toml).
fn serialize_kind<S: serde::Serializer>(k: &CbKind, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{k:?}"))
}

/// One callback with its arguments and return value. Connections are
/// numbered in the order the engine created them (tcp_new and accepted
/// pcbs share one numbering), so both engines' numbers are comparable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackRecord {
    /// Virtual time (ms).
    pub time_ms: u32,
    /// Which callback.
    #[serde(serialize_with = "serialize_kind")]
    pub kind: CbKind,
    /// The connection (accept: the listener).
    pub conn: u32,
    /// accept: the new connection (None when lwIP passes NULL).
    pub new_conn: Option<u32>,
    /// recv: the data (None for FIN).
    pub data: Option<Vec<u8>>,
    /// sent: bytes acknowledged.
    pub len: Option<u16>,
    /// The err argument (accept, connected, recv, err).
    pub err: Option<i8>,
    /// What the application returned (None for err).
    pub ret: Option<i8>,
}

impl fmt::Display for CallbackRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}(conn {}", self.kind, self.conn)?;
        if let Some(n) = self.new_conn {
            write!(f, ", new conn {n}")?;
        }
        if self.kind == CbKind::Accept && self.new_conn.is_none() {
            write!(f, ", NULL")?;
        }
        match &self.data {
            Some(d) => write!(f, ", {} bytes", d.len())?,
            None if self.kind == CbKind::Recv => write!(f, ", NULL (FIN)")?,
            None => {}
        }
        if let Some(l) = self.len {
            write!(f, ", len {l}")?;
        }
        if let Some(err) = self.err {
            write!(f, ", {}", RawErr(err))?;
        }
        write!(f, ")")?;
        if let Some(r) = self.ret {
            write!(f, " -> {}", RawErr(r))?;
        }
        write!(f, " @{}ms", self.time_ms)
    }
}

/// A connection's state: the typed pcb snapshot ([`snapshot`]), by the
/// name the engines and oracles have always used.
pub type ConnSnapshot = PcbSnapshot;

/// The result of an API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallOutcome {
    /// lwIP's err_t, for calls that return one.
    pub err: Option<i8>,
    /// The socket-style value: an fd, a byte count, 0, or -1.
    pub value: i64,
    /// An error name for -1 results (EAGAIN, or the err_t's name).
    pub errno: Option<String>,
    /// An address the call reports (`tcp_tcp_get_tcp_addrinfo`:
    /// `a.b.c.d:port`), compared like the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
}

/// Resource accounting at teardown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leaks {
    /// Resource and count still in use after teardown (empty: no leak).
    pub in_use: Vec<(&'static str, u64)>,
}

/// Why an engine cannot make an observation (after a failed assertion
/// the stack is not inspected; an engine that has no such counters says
/// so). It is a reported value: the oracles compare it like any other
/// observation and never skip it (see [`crate::oracle`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unobservable(pub String);

impl fmt::Display for Unobservable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not observable: {}", self.0)
    }
}

/// An observation, or the engine's reason it cannot make it.
pub type Observed<T> = Result<T, Unobservable>;

/// Pool and heap use: resource name (lwIP's `lwip_stats` names) and count.
pub type Resources = Vec<(&'static str, u64)>;

/// The names of `lwip_stats.tcp`'s twelve counters (`struct stats_proto`,
/// in its order), as both engines report them among their resources: what
/// lwIP's TCP counts with `TCP_STATS_INC` (segments sent and received,
/// drops, checksum, length and protocol errors, memory errors, demux cache
/// hits), so a port that drops, sends or fails where lwIP does not is
/// named at the step.
pub const TCP_STATS: [&str; 12] = [
    "tcp.xmit",
    "tcp.recv",
    "tcp.fw",
    "tcp.drop",
    "tcp.chkerr",
    "tcp.lenerr",
    "tcp.memerr",
    "tcp.rterr",
    "tcp.proterr",
    "tcp.opterr",
    "tcp.err",
    "tcp.cachehit",
];

/// The names of `lwip_stats.mib2`'s nine TCP counters (`struct
/// stats_mib2`, in its order; `MIB2_STATS`, SNMP's MIB-II), as both
/// engines report them among their resources: connections opened actively
/// and passively, failed attempts, resets of established connections,
/// segments sent (first transmissions), retransmitted and received, input
/// errors and RSTs sent.
pub const MIB2_TCP: [&str; 9] = [
    "mib2.tcpactiveopens",
    "mib2.tcppassiveopens",
    "mib2.tcpattemptfails",
    "mib2.tcpestabresets",
    "mib2.tcpoutsegs",
    "mib2.tcpretranssegs",
    "mib2.tcpinsegs",
    "mib2.tcpinerrs",
    "mib2.tcpoutrsts",
];

/// An engine could not carry out a step: the stimulus does not fit what
/// the engine can do (an unknown descriptor), or the engine itself failed
/// (an lwIP assertion, a panic in the port).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EngineError {
    /// The stimulus is invalid for this engine state (e.g. unknown fd).
    Stimulus(String),
    /// The engine failed (assertion, crash).
    Crashed(String),
}

/// The error of an engine asked to act before `reset`.
pub const NOT_RESET: &str = "engine used before reset";

impl EngineError {
    /// An engine asked to act before `reset` (a driver's bug).
    pub fn not_reset() -> EngineError {
        EngineError::Stimulus(NOT_RESET.into())
    }

    /// Whether the engine itself failed (an lwIP assertion, a panic in
    /// the port), not the stimulus.
    pub fn is_crash(&self) -> bool {
        matches!(self, EngineError::Crashed(_))
    }

    /// The same error, its message prefixed with `what` (where it
    /// happened: "reset").
    pub fn during(self, what: &str) -> EngineError {
        match self {
            EngineError::Stimulus(s) => EngineError::Stimulus(format!("{what}: {s}")),
            EngineError::Crashed(s) => EngineError::Crashed(format!("{what}: {s}")),
        }
    }
}

/// Serialises an error by its text (the reports' JSON keeps the message
/// people read).
pub fn serialize_error<S: serde::Serializer>(
    e: &Option<EngineError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Stimulus(s) => write!(f, "invalid stimulus: {s}"),
            EngineError::Crashed(s) => write!(f, "engine failure: {s}"),
        }
    }
}

/// A TCP implementation under test. Calls come in this order: `reset`,
/// then per step `advance_to` and at most one of `inbound` / `call`, then
/// `take_*`, `snapshots` and `resources`; at the end `teardown`.
///
/// No method has a default body: a wrapper that forgot to forward an
/// observation would otherwise pass it off as "nothing to compare".
pub trait Engine {
    /// Short name for reports (`c`, `rust`).
    fn name(&self) -> &str;
    /// Back to a pristine state for a new scenario.
    fn reset(&mut self, config: &ScenarioConfig) -> Result<(), EngineError>;
    /// Advance virtual time, running timers on their cadence.
    fn advance_to(&mut self, t_us: u64) -> Result<(), EngineError>;
    /// Inject one IPv4 packet.
    fn inbound(&mut self, packet: &[u8]) -> Result<(), EngineError>;
    /// Make an API call.
    fn call(&mut self, call: &ApiCall) -> Result<CallOutcome, EngineError>;
    /// Packets emitted since the last call.
    fn take_packets(&mut self) -> Vec<OutPacket>;
    /// Callbacks since the last call.
    fn take_callbacks(&mut self) -> Vec<CallbackRecord>;
    /// Every connection's state (an empty list: no connection), or why
    /// the engine cannot say.
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>>;
    /// What the stack has allocated now, by pool: pcbs, listen pcbs,
    /// segments, ROM/REF pbufs, pool pbufs and heap bytes (lwIP's
    /// `lwip_stats` names), or why the engine cannot say. No default:
    /// every engine and every wrapper states what it observes.
    fn resources(&mut self) -> Observed<Resources>;
    /// Release everything and report what is still allocated.
    fn teardown(&mut self) -> Result<Leaks, EngineError>;
}

/// An engine by name (`c`, `rust`, `rust-ffi`, `lib:PATH`, `c@DIR`: see
/// [`builds`]), optionally with a planted fault (`rust+resources`, see
/// [`plant`]).
pub fn by_name(spec: &str) -> Result<Box<dyn Engine>, String> {
    let (name, fault) = match spec.split_once('+') {
        Some((n, f)) => (n, Some(f)),
        None => (spec, None),
    };
    let e: Box<dyn Engine> = match name {
        "c" | "lwip" | "lwip-c" => Box::new(c::CEngine::new()),
        "rust" | "tcp-rust" => Box::new(rust::RustEngine::new()),
        "rust-ffi" => Box::new(c::CEngine::on(builds::rust_ffi()?)),
        _ if name.starts_with("lib:") => {
            Box::new(c::CEngine::on(builds::tcp_library(&name["lib:".len()..])?))
        }
        _ if name.starts_with("c@") => {
            Box::new(c::CEngine::on(builds::lwip_tree(&name["c@".len()..])?))
        }
        "c:full" => Box::new(c::CEngine::new()),
        "rust:full" => Box::new(rust::RustEngine::new()),
        _ if name.starts_with("c:") => {
            Box::new(c::CEngine::on(builds::profile(&name["c:".len()..])?))
        }
        _ if name.starts_with("rust:") => {
            let profile = &name["rust:".len()..];
            crate::with_port_profile!(profile, P => Box::new(rust::RustEngine::<P>::on()),
            _ => return Err(match profiles::C_ONLY.iter().find(|(n, _)| *n == profile) {
                Some((_, why)) => format!("no profile '{profile}' for the port: {why}"),
                None => format!(
                    "no profile '{profile}' for the port (rust:PROFILE takes: full, {})",
                    profiles::NAMES.join(", ")
                ),
            }))
        }
        _ => {
            return Err(format!(
                "no engine '{name}' (known: {})",
                ENGINE_NAMES.join(", ")
            ));
        }
    };
    match fault {
        None => Ok(e),
        Some(f) => Ok(Box::new(plant::Planted::new(e, f)?)),
    }
}

/// The lwipopts profile an engine named `name` runs: PROFILE for
/// `c:PROFILE`, `rust:PROFILE`, `lib:PATH:PROFILE` and `c@DIR:PROFILE`,
/// `full` for every other engine (`c`, `rust`, `rust-ffi`, `lib:PATH`,
/// `c@DIR` are built for it). A planted fault (`+FAULT`) does not change
/// it.
pub fn profile_of(name: &str) -> &str {
    let base = name.split_once('+').map_or(name, |(n, _)| n);
    if let Some(spec) = base
        .strip_prefix("lib:")
        .or_else(|| base.strip_prefix("c@"))
    {
        return builds::split_profile(spec).1.unwrap_or("full");
    }
    match base.split_once(':') {
        Some(("c" | "rust", p)) if !p.is_empty() => p,
        _ => "full",
    }
}

/// Names `by_name` accepts (and `lib:PATH`, `c@DIR`).
pub const ENGINE_NAMES: &[&str] = &["c", "rust", "rust-ffi"];

/// Every engine form `by_name` accepts, with what it is (`tcpdiff
/// engines`).
pub const ENGINES: &[(&str, &str)] = &[
    (
        "c",
        "lwIP's tcp.c, tcp_in.c and tcp_out.c, linked into tcpdiff (profile full)",
    ),
    (
        "rust",
        "the port (tcp-rust) through its Rust adapter, over its own storage",
    ),
    (
        "rust-ffi",
        "the port's C static library (tcp-rust/ffi/staticlib, opts-full) linked into lwIP in place of tcp*.c, through the C shim; built with cargo when named",
    ),
    (
        "lib:PATH",
        "a static library implementing lwIP's TCP API, linked into lwIP in place of tcp*.c, with the full profile (or lib:PATH:PROFILE, a library compiled for PROFILE)",
    ),
    (
        "c:PROFILE",
        "lwIP's tcp*.c with lwip-c/profiles/PROFILE/lwipopts.h (full, minimal, no-ooseq, ooseq-limited, lwip-unit, lwip-fuzz, or a directory holding an lwipopts.h), loaded as a shared object",
    ),
    (
        "rust:PROFILE",
        "the port with PROFILE's options (full, minimal, no-ooseq, ooseq-limited, lwip-unit, lwip-fuzz) over its own storage",
    ),
    (
        "c@DIR",
        "the lwIP tree DIR, TCP included (a fork, a patch, a release), with the full profile (or c@DIR:PROFILE) and the shim",
    ),
];

/// A virtual time in µs as the millisecond clock both stacks keep
/// (`sys_now()`, a `u32`).
pub fn clock_ms(t_us: u64) -> Result<u32, EngineError> {
    u32::try_from(t_us / 1000).map_err(|_| EngineError::Stimulus("time beyond 49 days".into()))
}

/// The gateway both engines give their netif: the next address up.
pub fn gateway_of(ip: [u8; 4]) -> [u8; 4] {
    [ip[0], ip[1], ip[2], ip[3].wrapping_add(1)]
}

/// What one engine did in one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepObs {
    /// Packets emitted during the step (timers included).
    pub packets: Vec<OutPacket>,
    /// The call's result, for call steps.
    pub outcome: Option<CallOutcome>,
    /// Callbacks during the step.
    pub callbacks: Vec<CallbackRecord>,
    /// Every connection's state after the step.
    pub snapshots: Observed<Vec<ConnSnapshot>>,
    /// Pool and heap use after the step ([`Engine::resources`]).
    pub resources: Observed<Resources>,
    /// The engine could not carry out the step.
    #[serde(serialize_with = "serialize_error")]
    pub error: Option<EngineError>,
}

impl Default for StepObs {
    /// Nothing yet: state and resources are "not taken" (an oracle reports
    /// that, should a driver forget [`observe`]).
    fn default() -> StepObs {
        let not_taken = || Unobservable("not taken by the driver".into());
        StepObs {
            packets: Vec::new(),
            outcome: None,
            callbacks: Vec::new(),
            snapshots: Err(not_taken()),
            resources: Err(not_taken()),
            error: None,
        }
    }
}

impl StepObs {
    /// The connections' state, for reports and statistics (none when the
    /// engine could not observe it; the state oracle reports that case).
    pub fn conns(&self) -> &[ConnSnapshot] {
        self.snapshots.as_deref().unwrap_or(&[])
    }
}
