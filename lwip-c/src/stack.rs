//! The safe driver over the shim: [`Stack`], [`Pcb`] handles, [`App`].

use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::ErrT;
use crate::det::Seeded;
use crate::ffi;
use lwip_vocab::IpAddr;
use lwip_vocab::{CallbackKind, TcpState};

/// lwIP's fast timer (`tcp_fasttmr`) period: TCP_FAST_INTERVAL.
pub const FAST_TIMER_MS: u32 = 250;
/// lwIP's slow timer (`tcp_slowtmr`) period: TCP_SLOW_INTERVAL.
pub const SLOW_TIMER_MS: u32 = 500;

/// A pcb, as a handle. The number is lwIP's `callback_arg` for the pcb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pcb(pub u32);

impl Pcb {
    /// lwIP's NULL pcb pointer (no pcb has id 0: the shim numbers them from
    /// 1). Calls given it pass NULL to lwIP, whose own argument checks
    /// answer; only the calls whose lwIP function checks its pcb for NULL
    /// may be given it (the others would dereference NULL).
    pub const NULL: Pcb = Pcb(0);
}

impl fmt::Display for Pcb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pcb#{}", self.0)
    }
}

/// Which of lwIP's pcb lists holds a pcb (`Snapshot::list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Not on a list: a new pcb, not yet bound.
    None,
    /// `tcp_listen_pcbs`
    Listen,
    /// `tcp_bound_pcbs`
    Bound,
    /// `tcp_active_pcbs`
    Active,
    /// `tcp_tw_pcbs`
    TimeWait,
}

impl List {
    fn from_raw(v: u8) -> List {
        match u32::from(v) {
            ffi::SHIM_LIST_LISTEN => List::Listen,
            ffi::SHIM_LIST_BOUND => List::Bound,
            ffi::SHIM_LIST_ACTIVE => List::Active,
            ffi::SHIM_LIST_TIME_WAIT => List::TimeWait,
            _ => List::None,
        }
    }
}

impl ffi::shim_snapshot {
    /// The pcb's handle (for a SYN_RCVD pcb not yet accepted: its
    /// listener's, which lwIP copies into it).
    pub fn pcb(&self) -> Pcb {
        Pcb(self.id)
    }

    /// Which list holds it.
    pub fn list_kind(&self) -> List {
        List::from_raw(self.list)
    }

    /// `state`, if it is a value of lwIP's `enum tcp_state`.
    pub fn tcp_state(&self) -> Option<TcpState> {
        TcpState::from_raw(self.state)
    }

    /// lwIP's name for `state` (tcp_state_str), `?` for a value lwIP does
    /// not define.
    pub fn state_name(&self) -> &'static str {
        self.tcp_state().map_or("?", TcpState::name)
    }
}

/// `tcp_write` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteFlags {
    /// TCP_WRITE_FLAG_COPY: lwIP copies the data. Without it lwIP keeps a
    /// reference; the stack then keeps the bytes alive until reset.
    pub copy: bool,
    /// TCP_WRITE_FLAG_MORE: no PSH, more data follows.
    pub more: bool,
}

impl WriteFlags {
    /// TCP_WRITE_FLAG_COPY alone.
    pub const COPY: WriteFlags = WriteFlags {
        copy: true,
        more: false,
    };

    fn raw(self) -> u8 {
        (if self.copy {
            ffi::SHIM_WRITE_FLAG_COPY as u8
        } else {
            0
        }) | (if self.more {
            ffi::SHIM_WRITE_FLAG_MORE as u8
        } else {
            0
        })
    }
}

/// A failed lwIP assertion (LWIP_ASSERT), with lwIP's message and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertInfo {
    /// The assertion's message.
    pub msg: String,
    /// The C file.
    pub file: String,
    /// The line.
    pub line: i32,
}

impl fmt::Display for AssertInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lwIP assertion failed: \"{}\" at {}:{}",
            self.msg, self.file, self.line
        )
    }
}

/// A replacement for the seeded ISNs.
type IsnHook = Box<dyn FnMut(&IsnQuery) -> u32>;

/// One of the application's callbacks, set (true: the shim's, which
/// report to the [`App`]) or cleared (NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackSet {
    /// `tcp_recv(pcb, ...)`; NULL makes lwIP use `tcp_recv_null`.
    Recv(bool),
    /// `tcp_sent(pcb, ...)`.
    Sent(bool),
    /// `tcp_err(pcb, ...)`.
    Err(bool),
    /// `tcp_accept(pcb, ...)`.
    Accept(AcceptFn),
}

/// What a listener's accept callback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptFn {
    /// NULL: lwIP's TCP_EVENT_ACCEPT yields ERR_ARG (the new pcb is aborted).
    Null,
    /// The shim's (the application's), as after listen.
    App,
    /// What tcp_listen installs: lwIP's `tcp_accept_null` (aborts the new
    /// pcb, returns ERR_ABRT).
    LwipDefault,
}

/// What [`Stack::tcp_addrinfo_ptr`] returns: lwIP's err_t, the address
/// and the port (None where a NULL out pointer was passed).
pub type AddrInfo = (ErrT, Option<IpAddr>, Option<u16>);

/// An lwIP `struct pbuf *` from [`Stack::pbuf_alloc`] (or a `next` of
/// one): opaque, compared by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CPbuf(usize);

/// lwIP's `pbuf_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PbufKind {
    /// `PBUF_RAM`.
    Ram,
    /// `PBUF_ROM`.
    Rom,
    /// `PBUF_REF`.
    Ref,
    /// `PBUF_POOL`.
    Pool,
}

impl PbufKind {
    fn code(self) -> u8 {
        (match self {
            PbufKind::Ram => ffi::SHIM_PBUF_RAM,
            PbufKind::Rom => ffi::SHIM_PBUF_ROM,
            PbufKind::Ref => ffi::SHIM_PBUF_REF,
            PbufKind::Pool => ffi::SHIM_PBUF_POOL,
        }) as u8
    }
    fn from_code(c: u8) -> Option<PbufKind> {
        [PbufKind::Ram, PbufKind::Rom, PbufKind::Ref, PbufKind::Pool]
            .into_iter()
            .find(|k| k.code() == c)
    }
}

/// What an lwIP pbuf reads as ([`Stack::pbuf_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PbufState {
    /// `p->next`.
    pub next: Option<CPbuf>,
    /// `p->len`.
    pub len: u16,
    /// `p->tot_len`.
    pub tot_len: u16,
    /// `p->ref`.
    pub refcount: u8,
    /// `p->flags`.
    pub flags: u8,
    /// `p->type_internal` as one of lwIP's four types (None: none of them).
    pub kind: Option<PbufKind>,
    /// RAM/POOL: `(u8_t *)p->payload - (u8_t *)p`; 0 for ROM/REF.
    pub payload_off: u16,
    /// ROM/REF: where the payload points, from the start of the buffer
    /// given to [`Stack::pbuf_alloc_ref`] (negative after a forced header
    /// moved it in front).
    pub rom_at: Option<isize>,
    /// RAM: the heap offset of the pbuf's block data, as
    /// [`Stack::mem_malloc`] names blocks.
    pub heap_off: Option<u16>,
}

/// Errors of the driver (lwIP's own results are [`ErrT`] values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackError {
    /// No such handle was ever made by this stack.
    UnknownHandle(Pcb),
    /// The pcb no longer exists or is no longer the application's; the
    /// string says why (closed, aborted, err callback, freed by lwIP).
    Gone(Pcb, String),
    /// The operation would make lwIP read or write fields a listening pcb
    /// does not have (lwIP does not check this; it would corrupt memory).
    ListenPcb(Pcb, &'static str),
    /// lwIP asserted during this call; the stack is poisoned until reset.
    Asserted(AssertInfo),
    /// lwIP asserted earlier; the stack must be reset.
    Poisoned(AssertInfo),
    /// The call is not allowed from inside a callback.
    Reentrant(&'static str),
    /// The pbuf was not handed out by this stack since its last reset, or
    /// has no references left (freed).
    UnknownPbuf(CPbuf),
    /// Virtual time cannot go backwards.
    TimeWentBack {
        /// Current time.
        now: u32,
        /// Requested time.
        to: u32,
    },
    /// An address of a kind the build does not have (an IPv6 address on a
    /// build without LWIP_IPV6, an IPv4 one without LWIP_IPV4): lwIP's
    /// `ip_addr_t` cannot hold it, so lwIP is not called.
    NoSuchAddressType(IpAddr),
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::UnknownHandle(p) => write!(f, "{p} was never created by this stack"),
            StackError::Gone(p, why) => write!(f, "{p} is gone: {why}"),
            StackError::UnknownPbuf(p) => write!(f, "{p:?} is not a live pbuf of this stack"),
            StackError::ListenPcb(p, op) => write!(f, "{op} on listening {p}"),
            StackError::Asserted(a) => write!(f, "{a}"),
            StackError::Poisoned(a) => {
                write!(f, "stack poisoned by an earlier assertion ({a}); reset it")
            }
            StackError::Reentrant(op) => write!(f, "{op} cannot be called from inside a callback"),
            StackError::NoSuchAddressType(a) => write!(
                f,
                "{a}: the build has no {} (LWIP_{} 0)",
                if a.is_v6() { "IPv6" } else { "IPv4" },
                if a.is_v6() { "IPV6" } else { "IPV4" }
            ),
            StackError::TimeWentBack { now, to } => {
                write!(f, "time cannot go back from {now} ms to {to} ms")
            }
        }
    }
}

impl std::error::Error for StackError {}

/// A callback lwIP made, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// `accept(arg, newpcb, err)`; `new` is None when lwIP reports that it
    /// could not allocate the pcb (err = ERR_MEM).
    Accept {
        /// The listening pcb.
        listener: Pcb,
        /// The new connection.
        new: Option<Pcb>,
        /// lwIP's err argument.
        err: ErrT,
    },
    /// `connected(arg, pcb, err)`.
    Connected {
        /// The pcb.
        pcb: Pcb,
        /// lwIP's err argument.
        err: ErrT,
    },
    /// `recv(arg, pcb, p, err)`; `data` None is the FIN (p == NULL).
    Recv {
        /// The pcb.
        pcb: Pcb,
        /// The pbuf chain's bytes.
        data: Option<Vec<u8>>,
        /// lwIP's err argument.
        err: ErrT,
    },
    /// `sent(arg, pcb, len)`.
    Sent {
        /// The pcb.
        pcb: Pcb,
        /// Bytes newly acknowledged.
        len: u16,
    },
    /// `poll(arg, pcb)`.
    Poll {
        /// The pcb.
        pcb: Pcb,
    },
    /// `err(arg, err)`: the pcb is already freed.
    Err {
        /// The pcb.
        pcb: Pcb,
        /// The reason.
        err: ErrT,
    },
}

impl Callback {
    /// Which callback it is.
    pub fn kind(&self) -> CallbackKind {
        match self {
            Callback::Accept { .. } => CallbackKind::Accept,
            Callback::Connected { .. } => CallbackKind::Connected,
            Callback::Recv { .. } => CallbackKind::Recv,
            Callback::Sent { .. } => CallbackKind::Sent,
            Callback::Poll { .. } => CallbackKind::Poll,
            Callback::Err { .. } => CallbackKind::Err,
        }
    }
}

/// One callback in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Virtual time of the callback.
    pub time_ms: u32,
    /// The callback and its arguments.
    pub callback: Callback,
    /// What the application returned (None for `err`, which returns void).
    pub ret: Option<ErrT>,
}

/// A packet the netif emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// Virtual time of emission.
    pub time_ms: u32,
    /// The whole IP packet (IPv4 or IPv6).
    pub bytes: Vec<u8>,
}

/// What lwIP passes to LWIP_HOOK_TCP_ISN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsnQuery {
    /// Local address.
    pub local_ip: IpAddr,
    /// Local port.
    pub local_port: u16,
    /// Remote address.
    pub remote_ip: IpAddr,
    /// Remote port.
    pub remote_port: u16,
}

/// packetdrill's default local IPv6 address, fd3d:fa7b:d17d::1.
pub const PACKETDRILL_LOCAL_IP6: [u8; 16] = [
    0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
];

/// The netif and the seed. Everything else is the compiled profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackConfig {
    /// The netif's address.
    pub local_ip: [u8; 4],
    /// Its netmask.
    pub netmask: [u8; 4],
    /// Its gateway. The netif is the default route, so every remote
    /// address is reachable through it.
    pub gateway: [u8; 4],
    /// Its IPv6 address (builds with LWIP_IPV6: the netif's address 0,
    /// preferred; all zero: none). IPv4-only builds ignore it, as IPv6-only
    /// builds ignore the three IPv4 fields.
    pub local_ip6: [u8; 16],
    /// Its MTU (TCP_CALCULATE_EFF_SEND_MSS clamps the MSS to MTU - 40 for
    /// IPv4, MTU - 60 for IPv6).
    pub mtu: u16,
    /// Seeds `LWIP_RAND()` (the first local port) and the default ISNs.
    pub seed: u64,
}

impl Default for StackConfig {
    /// packetdrill's defaults: local 192.168.0.1/24 (gateway .2) and
    /// fd3d:fa7b:d17d::1, MTU 1500.
    fn default() -> Self {
        StackConfig {
            local_ip: [192, 168, 0, 1],
            netmask: [255, 255, 255, 0],
            gateway: [192, 168, 0, 2],
            local_ip6: PACKETDRILL_LOCAL_IP6,
            mtu: 1500,
            seed: 1,
        }
    }
}

/// The application: what runs inside lwIP's callbacks. Each method gets the
/// stack back, and may call the raw API on it (write, output, recved,
/// close, abort...), as an lwIP application may. The defaults behave like an
/// lwIP application that set no callback of that kind (for recv: lwIP's
/// `tcp_recv_null`).
///
/// There is no `err` method: `err` returns nothing to lwIP and its pcb is
/// already freed, so the stack only logs it ([`Callback::Err`]); it can
/// happen inside another callback (tcp_abort from recv), where handing the
/// application to itself again would be unsound.
pub trait App {
    /// `accept`: return ERR_OK to keep the connection; anything else makes
    /// lwIP abort it (return ERR_ABRT only after calling tcp_abort).
    fn accept(&mut self, stack: &mut Stack, listener: Pcb, new: Option<Pcb>, err: ErrT) -> ErrT {
        let _ = (stack, listener, new, err);
        ErrT::Ok
    }

    /// `connected`.
    fn connected(&mut self, stack: &mut Stack, pcb: Pcb, err: ErrT) -> ErrT {
        let _ = (stack, pcb, err);
        ErrT::Ok
    }

    /// `recv`: `data` None is the FIN. Returning ERR_OK takes the data (call
    /// tcp_recved when it is consumed); any other value except ERR_ABRT
    /// refuses it and lwIP keeps it as refused data.
    fn recv(&mut self, stack: &mut Stack, pcb: Pcb, data: Option<&[u8]>, err: ErrT) -> ErrT {
        match data {
            Some(d) => {
                let _ = stack.tcp_recved(pcb, u16::try_from(d.len()).unwrap_or(u16::MAX));
                ErrT::Ok
            }
            None if err == ErrT::Ok => stack.tcp_close(pcb).unwrap_or(ErrT::Ok),
            None => ErrT::Ok,
        }
    }

    /// `sent`.
    fn sent(&mut self, stack: &mut Stack, pcb: Pcb, len: u16) -> ErrT {
        let _ = (stack, pcb, len);
        ErrT::Ok
    }

    /// `poll` (only for pcbs given a poll interval with `tcp_poll`).
    fn poll(&mut self, stack: &mut Stack, pcb: Pcb) -> ErrT {
        let _ = (stack, pcb);
        ErrT::Ok
    }
}

/// An application with every default: accepts, consumes and acknowledges
/// all data, closes on FIN.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullApp;

impl App for NullApp {}

#[derive(Debug, Clone)]
struct Entry {
    ptr: *mut ffi::tcp_pcb,
    listen: bool,
    /// Created by tcp_new and not yet seen on a list. Such a pcb can only
    /// be freed by the application (tcp_close, tcp_abort).
    fresh: bool,
    gone: Option<String>,
}

/// One C build of lwIP with the shim: the shim's entry points and the lock
/// over the build's globals. The crate's own build ([`CBuild::linked`]) is
/// linked in; others are shared objects loaded with their own globals
/// ([`crate::loaded`]), so several can be live in one process.
pub struct CBuild {
    name: Cow<'static, str>,
    fns: ffi::ShimFns,
    /// lwIP is global state: one live [`Stack`] per build.
    lock: Mutex<()>,
}

static LINKED: CBuild = CBuild {
    name: Cow::Borrowed("c"),
    fns: ffi::ShimFns::LINKED,
    lock: Mutex::new(()),
};

impl CBuild {
    /// The build compiled into this crate (lwIP's tcp*.c: the `c` engine).
    pub fn linked() -> &'static CBuild {
        &LINKED
    }

    /// A build from its entry points (a loaded shared object's), kept for
    /// the rest of the process.
    pub fn new(name: String, fns: ffi::ShimFns) -> &'static CBuild {
        Box::leak(Box::new(CBuild {
            name: Cow::Owned(name),
            fns,
            lock: Mutex::new(()),
        }))
    }

    /// The name it was given (`c` for the linked build).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The shim's entry points.
    pub fn fns(&self) -> &ffi::ShimFns {
        &self.fns
    }

    /// The compile-time configuration facts the build reports about itself.
    pub fn c_build(&self) -> ffi::shim_build {
        let mut b = ffi::shim_build::default();
        // SAFETY: shim_build_info only writes the struct it is given.
        unsafe { (self.fns.shim_build_info)(&mut b) };
        b
    }

    /// Every compile-time option lwIP's TCP reads, as this build evaluated
    /// it (`shim_tcp_options`).
    pub fn tcp_options(&self) -> ffi::shim_tcp_options {
        let mut o = ffi::shim_tcp_options::default();
        // SAFETY: shim_tcp_options only writes the struct it is given.
        unsafe { (self.fns.shim_tcp_options)(&mut o) };
        o
    }
}

impl fmt::Debug for CBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CBuild").field("name", &self.name).finish()
    }
}

thread_local! {
    /// The stack a call into C was made on; the trampolines' context.
    static CURRENT: Cell<*mut Stack> = const { Cell::new(ptr::null_mut()) };
    /// The application of the outermost input or timer call.
    static APP: Cell<Option<*mut (dyn App + 'static)>> = const { Cell::new(None) };
}

/// The C engine. See the crate docs.
pub struct Stack {
    build: &'static CBuild,
    _lock: MutexGuard<'static, ()>,
    config: StackConfig,
    now: u32,
    next_tick: u32,
    seeded: Seeded,
    isn_hook: Option<IsnHook>,
    handles: BTreeMap<u32, Entry>,
    events: Vec<Event>,
    output: Vec<Emitted>,
    diags: Vec<String>,
    poisoned: Option<AssertInfo>,
    app_busy: bool,
    /// A panic caught inside a callback, resumed once C has unwound.
    panic: Option<Box<dyn Any + Send>>,
    /// Data written without TCP_WRITE_FLAG_COPY, which lwIP references.
    rom: Vec<Box<[u8]>>,
    /// Every pbuf lwIP handed out through [`Stack::pbuf_alloc`] (or as a
    /// `next` of one) since the last reset, with the start of the kept
    /// buffer a ROM/REF pbuf was given and its length ((0, 0) for
    /// RAM/POOL).
    pbufs: HashMap<usize, (usize, usize)>,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("config", &self.config)
            .field("now", &self.now)
            .field("handles", &self.handles.len())
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

impl Stack {
    /// Takes the process-wide lwIP lock (waiting for another live stack to
    /// be dropped) and resets lwIP to a pristine state.
    pub fn new(config: StackConfig) -> Result<Stack, StackError> {
        Stack::new_on(CBuild::linked(), config)
    }

    /// [`Stack::new`] on another build: its lock (waiting for that build's
    /// live stack to be dropped), its lwIP reset.
    pub fn new_on(build: &'static CBuild, config: StackConfig) -> Result<Stack, StackError> {
        let lock = build.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stack = Stack {
            build,
            _lock: lock,
            config,
            now: 0,
            next_tick: FAST_TIMER_MS,
            seeded: Seeded::new(config.seed),
            isn_hook: None,
            handles: BTreeMap::new(),
            events: Vec::new(),
            output: Vec::new(),
            diags: Vec::new(),
            poisoned: None,
            app_busy: false,
            panic: None,
            rom: Vec::new(),
            pbufs: HashMap::new(),
        };
        stack.reset(config)?;
        Ok(stack)
    }

    /// Back to a pristine state: no pcbs, pools and heap reinitialised,
    /// statistics zeroed, clock at 0, generators reseeded, logs cleared.
    /// Clears poisoning. The ISN hook, if any, is kept.
    pub fn reset(&mut self, config: StackConfig) -> Result<(), StackError> {
        let fns = self.fns();
        if self.app_busy {
            return Err(StackError::Reentrant("reset"));
        }
        self.config = config;
        self.now = 0;
        self.next_tick = FAST_TIMER_MS;
        self.seeded = Seeded::new(config.seed);
        self.handles.clear();
        self.events.clear();
        self.output.clear();
        self.diags.clear();
        self.poisoned = None;
        let cfg = ffi::shim_config {
            local_ip: config.local_ip,
            netmask: config.netmask,
            gateway: config.gateway,
            local_ip6: config.local_ip6,
            mtu: config.mtu,
        };
        let ops = ffi::shim_ops {
            output: Some(tr_output),
            rand: Some(tr_rand),
            isn: Some(tr_isn),
            accept: Some(tr_accept),
            connected: Some(tr_connected),
            recv: Some(tr_recv),
            sent: Some(tr_sent),
            poll: Some(tr_poll),
            err: Some(tr_err),
            assert_failed: Some(tr_assert),
            diag: Some(tr_diag),
        };
        // SAFETY: the shim copies both structs; lwIP's memory is rebuilt,
        // so no earlier reference into `rom` survives the call.
        let rc = self.enter(None, || unsafe { (fns.shim_reset)(&cfg, &ops) });
        self.rom.clear();
        self.pbufs.clear();
        rc
    }

    /// Replaces the default ISNs (drawn from the seed) with a function of
    /// the connection, called each time lwIP asks (LWIP_HOOK_TCP_ISN).
    pub fn set_isn_hook(&mut self, hook: impl FnMut(&IsnQuery) -> u32 + 'static) {
        self.isn_hook = Some(Box::new(hook));
    }

    /// The build this stack runs on.
    pub fn build(&self) -> &'static CBuild {
        self.build
    }

    /// The build's entry points.
    fn fns(&self) -> &'static ffi::ShimFns {
        &self.build.fns
    }

    /// The configuration of the last reset.
    pub fn config(&self) -> StackConfig {
        self.config
    }

    /// Current virtual time in milliseconds.
    pub fn now(&self) -> u32 {
        self.now
    }

    /// The assertion that poisoned the stack, if any.
    pub fn poisoned(&self) -> Option<&AssertInfo> {
        self.poisoned.as_ref()
    }

    /// Calls into C with this stack (and the application, for input and
    /// timers) reachable from the trampolines.
    fn enter(
        &mut self,
        app: Option<&mut dyn App>,
        call: impl FnOnce() -> c_int,
    ) -> Result<(), StackError> {
        let app_ptr = app.map(erase);
        let this: *mut Stack = self;
        let prev_stack = CURRENT.with(|c| c.replace(this));
        let prev_app = APP.with(|a| {
            let prev = a.get();
            if app_ptr.is_some() {
                a.set(app_ptr);
            }
            prev
        });
        // `self` is not touched until `call` returns: inside, the
        // trampolines reach the stack only through `this`.
        let rc = call();
        APP.with(|a| a.set(prev_app));
        CURRENT.with(|c| c.set(prev_stack));
        if rc == ffi::SHIM_ASSERTED as c_int {
            if let Some(payload) = self.panic.take() {
                panic::resume_unwind(payload);
            }
            let info = self.poisoned.clone().unwrap_or_else(|| AssertInfo {
                msg: "lwIP state unusable after an earlier assertion".into(),
                file: String::new(),
                line: 0,
            });
            self.poisoned = Some(info.clone());
            return Err(StackError::Asserted(info));
        }
        Ok(())
    }

    /// `a` for the shim, if this build's `ip_addr_t` can hold it
    /// (IPADDR_TYPE_ANY: every build).
    fn ip_to_shim(&self, a: IpAddr) -> Result<ffi::shim_ip, StackError> {
        let o = self.build.tcp_options();
        let ok = match a {
            IpAddr::V4(_) => o.lwip_ipv4 != 0,
            IpAddr::V6(_) => o.lwip_ipv6 != 0,
            IpAddr::Any => true,
        };
        if !ok {
            return Err(StackError::NoSuchAddressType(a));
        }
        Ok(ffi::shim_ip {
            type_: a.type_code(),
            addr: a.to_bytes16(),
        })
    }

    fn check_usable(&self) -> Result<(), StackError> {
        match &self.poisoned {
            Some(a) => Err(StackError::Poisoned(a.clone())),
            None => Ok(()),
        }
    }

    /// The live pcb behind a handle, checked against lwIP's lists.
    fn resolve(&mut self, pcb: Pcb) -> Result<(*mut ffi::tcp_pcb, bool), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        if pcb == Pcb::NULL {
            return Ok((ptr::null_mut(), false));
        }
        let entry = self
            .handles
            .get_mut(&pcb.0)
            .ok_or(StackError::UnknownHandle(pcb))?;
        if let Some(why) = &entry.gone {
            return Err(StackError::Gone(pcb, why.clone()));
        }
        // SAFETY: shim_pcb_listed only compares `ptr` with the pointers on
        // lwIP's lists; it never dereferences a pointer that is not there.
        let listed =
            unsafe { (fns.shim_pcb_listed)(entry.ptr, pcb.0, c_int::from(entry.listen)) } != 0;
        if listed {
            entry.fresh = false;
        } else if !entry.fresh {
            let why = "lwIP freed it (no longer on any pcb list)".to_string();
            entry.gone = Some(why.clone());
            return Err(StackError::Gone(pcb, why));
        }
        Ok((entry.ptr, entry.listen))
    }

    fn resolve_conn(
        &mut self,
        pcb: Pcb,
        op: &'static str,
    ) -> Result<*mut ffi::tcp_pcb, StackError> {
        match self.resolve(pcb)? {
            (_, true) => Err(StackError::ListenPcb(pcb, op)),
            (p, false) => Ok(p),
        }
    }

    fn mark_gone(&mut self, pcb: Pcb, why: &str) {
        if let Some(e) = self.handles.get_mut(&pcb.0)
            && e.gone.is_none()
        {
            e.gone = Some(why.to_string());
        }
    }

    /// Calls a shim function returning an err_t through an out parameter.
    fn call_err(&mut self, call: impl FnOnce(*mut i8) -> c_int) -> Result<ErrT, StackError> {
        let mut err: i8 = 0;
        let out: *mut i8 = &mut err;
        self.enter(None, || call(out))?;
        self.known_err(err, "lwIP returned")
            .map_err(StackError::Asserted)
    }

    /// An err_t the C side handed over (lwIP, or the TCP library in its
    /// place). A value lwIP's err.h does not define makes the stack
    /// unusable, as a failed assertion does: the error names it.
    fn known_err(&mut self, raw: i8, what: &str) -> Result<ErrT, AssertInfo> {
        ErrT::try_from(raw).map_err(|unknown| {
            let info = AssertInfo {
                msg: format!("tcpdiff: {what} {unknown}, a value lwIP's err.h does not define"),
                file: String::new(),
                line: 0,
            };
            self.poisoned = Some(info.clone());
            // SAFETY: sets a flag in the shim (C unwinds to its entry point
            // when a callback returns into it).
            unsafe { (self.fns().shim_poison)() };
            info
        })
    }

    /// `tcp_new()`: None when lwIP is out of pcbs (after trying to kill
    /// lower-priority ones).
    pub fn tcp_new(&mut self) -> Result<Option<Pcb>, StackError> {
        let fns = self.fns();
        // SAFETY: shim_tcp_new writes the out pointers it is given.
        self.adopt_new(|pp, ip| unsafe { (fns.shim_tcp_new)(pp, ip) })
    }

    /// `tcp_new_ip_type(type)` (IPv4 only in this build: the type is not
    /// used, as in lwIP without LWIP_IPV6).
    pub fn tcp_new_ip_type(&mut self, ty: u8) -> Result<Option<Pcb>, StackError> {
        let fns = self.fns();
        // SAFETY: shim_tcp_new_ip_type writes the out pointers it is given.
        self.adopt_new(|pp, ip| unsafe { (fns.shim_tcp_new_ip_type)(ty, pp, ip) })
    }

    /// Runs a shim call that makes a pcb, and keeps its handle.
    fn adopt_new(
        &mut self,
        make: impl FnOnce(*mut *mut ffi::tcp_pcb, *mut u32) -> c_int,
    ) -> Result<Option<Pcb>, StackError> {
        self.check_usable()?;
        let mut p: *mut ffi::tcp_pcb = ptr::null_mut();
        let mut id = 0u32;
        let (pp, ip): (*mut *mut ffi::tcp_pcb, *mut u32) = (&mut p, &mut id);
        self.enter(None, || make(pp, ip))?;
        if p.is_null() {
            return Ok(None);
        }
        self.handles.insert(
            id,
            Entry {
                ptr: p,
                listen: false,
                fresh: true,
                gone: None,
            },
        );
        Ok(Some(Pcb(id)))
    }

    /// `tcp_tcp_get_tcp_addrinfo(pcb, local, &addr, &port)`: the err_t and
    /// the local (`local`) or remote address and port. The remote side of
    /// a listening pcb is refused: lwIP would read `remote_port`, which a
    /// `tcp_pcb_listen` does not have.
    pub fn tcp_addrinfo(
        &mut self,
        pcb: Pcb,
        local: bool,
    ) -> Result<(ErrT, IpAddr, u16), StackError> {
        let (e, ip, port) = self.tcp_addrinfo_ptr(pcb, local, true, true)?;
        Ok((e, ip.unwrap_or(IpAddr::V4([0; 4])), port.unwrap_or(0)))
    }

    /// [`Stack::tcp_addrinfo`] with lwIP's out pointers: `addr`/`port`
    /// false pass NULL (nothing comes back for it).
    pub fn tcp_addrinfo_ptr(
        &mut self,
        pcb: Pcb,
        local: bool,
        addr: bool,
        port_out: bool,
    ) -> Result<AddrInfo, StackError> {
        let fns = self.fns();
        let p = if local {
            self.resolve(pcb)?.0
        } else {
            self.resolve_conn(pcb, "tcp_tcp_get_tcp_addrinfo(remote)")?
        };
        let mut ip = ffi::shim_ip::default();
        let mut port = 0u16;
        let ipp: *mut ffi::shim_ip = if addr { &mut ip } else { ptr::null_mut() };
        let pp: *mut u16 = if port_out { &mut port } else { ptr::null_mut() };
        // SAFETY: `p` is live or NULL (lwIP checks it); `ip` and `port`
        // outlive the call, or they are NULL (the shim checks).
        let err = self
            .call_err(|e| unsafe { (fns.shim_tcp_addrinfo)(p, c_int::from(local), ipp, pp, e) })?;
        Ok((
            err,
            addr.then(|| ip_from_shim(&ip)),
            port_out.then_some(port),
        ))
    }

    /// `tcp_bind(pcb, ip, port)`; port 0 picks a local port.
    pub fn tcp_bind(
        &mut self,
        pcb: Pcb,
        ip: impl Into<IpAddr>,
        port: u16,
    ) -> Result<ErrT, StackError> {
        self.tcp_bind_ptr(pcb, Some(ip.into()), port)
    }

    /// `tcp_bind(pcb, ip, port)` with lwIP's pointer: `ip` None passes
    /// NULL (IP_ANY_TYPE for lwIP).
    pub fn tcp_bind_ptr(
        &mut self,
        pcb: Pcb,
        ip: Option<IpAddr>,
        port: u16,
    ) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        let ip = ip.map(|a| self.ip_to_shim(a)).transpose()?;
        let ipp: *const ffi::shim_ip = match &ip {
            Some(a) => a,
            None => ptr::null(),
        };
        // SAFETY: `p` is a live pcb (resolve) or NULL (lwIP checks it);
        // `ip` outlives the call or is NULL (the shim checks).
        self.call_err(|e| unsafe { (fns.shim_tcp_bind)(p, ipp, port, e) })
    }

    /// `tcp_listen_with_backlog_and_err(pcb, backlog, &err)`. On success
    /// the same handle now names the listening pcb (lwIP freed the old one).
    pub fn tcp_listen_with_backlog_and_err(
        &mut self,
        pcb: Pcb,
        backlog: u8,
    ) -> Result<(Option<Pcb>, ErrT), StackError> {
        let mut err = ErrT::Ok;
        let l = self.listen(pcb, backlog, Some(&mut err))?;
        Ok((l, err))
    }

    /// `tcp_listen_with_backlog(pcb, backlog)`: as
    /// [`Stack::tcp_listen_with_backlog_and_err`], without the error code
    /// (lwIP passes NULL for it).
    pub fn tcp_listen_with_backlog(
        &mut self,
        pcb: Pcb,
        backlog: u8,
    ) -> Result<Option<Pcb>, StackError> {
        self.listen(pcb, backlog, None)
    }

    /// Both listen calls: `err` None calls the one without an err pointer.
    fn listen(
        &mut self,
        pcb: Pcb,
        backlog: u8,
        err: Option<&mut ErrT>,
    ) -> Result<Option<Pcb>, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        let mut l: *mut ffi::tcp_pcb = ptr::null_mut();
        let lp: *mut *mut ffi::tcp_pcb = &mut l;
        match err {
            Some(out) => {
                // SAFETY: `p` is live; the out pointers are valid for the call.
                *out = self.call_err(|e| unsafe { (fns.shim_tcp_listen)(p, backlog, lp, e) })?;
            }
            None => {
                // SAFETY: `p` is live; the out pointer is valid for the
                // call; a NULL err pointer is the shim's documented case.
                self.enter(None, || unsafe {
                    (fns.shim_tcp_listen)(p, backlog, lp, ptr::null_mut())
                })?;
            }
        }
        if l.is_null() {
            return Ok(None);
        }
        if let Some(entry) = self.handles.get_mut(&pcb.0) {
            entry.ptr = l;
            entry.listen = true;
            entry.fresh = false;
        }
        Ok(Some(pcb))
    }

    /// `tcp_connect(pcb, ip, port, connected)`; the connected callback goes
    /// to the application.
    pub fn tcp_connect(
        &mut self,
        pcb: Pcb,
        ip: impl Into<IpAddr>,
        port: u16,
    ) -> Result<ErrT, StackError> {
        self.tcp_connect_ptr(pcb, Some(ip.into()), port, true)
    }

    /// `tcp_connect` with lwIP's pointers: `ip` None passes NULL,
    /// `connected` false a NULL connected callback.
    pub fn tcp_connect_ptr(
        &mut self,
        pcb: Pcb,
        ip: Option<IpAddr>,
        port: u16,
        connected: bool,
    ) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        let ip = ip.map(|a| self.ip_to_shim(a)).transpose()?;
        let ipp: *const ffi::shim_ip = match &ip {
            Some(a) => a,
            None => ptr::null(),
        };
        let cb = c_int::from(connected);
        // SAFETY: `p` is live or NULL (lwIP checks it); `ip` outlives the
        // call or is NULL.
        self.call_err(|e| unsafe { (fns.shim_tcp_connect)(p, ipp, port, cb, e) })
    }

    /// `tcp_write(pcb, data, len, flags)`. Data longer than u16::MAX is an
    /// argument lwIP cannot be given: ERR_ARG without calling lwIP.
    pub fn tcp_write(
        &mut self,
        pcb: Pcb,
        data: &[u8],
        flags: WriteFlags,
    ) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_write")?;
        if p.is_null() {
            // SAFETY: a NULL pcb: lwIP's first check returns ERR_ARG.
            return self.call_err(|e| unsafe {
                (fns.shim_tcp_write)(p, data.as_ptr().cast(), 0, flags.raw(), e)
            });
        }
        let Ok(len) = u16::try_from(data.len()) else {
            return Ok(ErrT::Arg);
        };
        let ptr: *const c_void = if flags.copy {
            data.as_ptr().cast()
        } else {
            // lwIP keeps this pointer in a PBUF_ROM until the data is
            // acknowledged: keep the bytes alive until reset.
            let kept: Box<[u8]> = data.into();
            let ptr = kept.as_ptr().cast();
            self.rom.push(kept);
            ptr
        };
        let raw = flags.raw();
        // SAFETY: `p` is live; `ptr` is valid for `len` bytes for the call
        // (and, without COPY, until reset).
        self.call_err(|e| unsafe { (fns.shim_tcp_write)(p, ptr, len, raw, e) })
    }

    /// `tcp_write(pcb, NULL, len, flags)`: lwIP's check of its data
    /// argument (ERR_ARG).
    pub fn tcp_write_null_arg(
        &mut self,
        pcb: Pcb,
        len: u16,
        flags: WriteFlags,
    ) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_write")?;
        let raw = flags.raw();
        // SAFETY: `p` is live or NULL; lwIP returns ERR_ARG for a NULL
        // `arg` before reading it.
        self.call_err(|e| unsafe { (fns.shim_tcp_write)(p, ptr::null(), len, raw, e) })
    }

    /// `tcp_recv_null(NULL, pcb, NULL, fin_err)`: the FIN form of lwIP's
    /// default recv function, called by the application. ERR_OK with
    /// `fin_err` ERR_OK is a `tcp_close`: the handle is then gone.
    pub fn tcp_recv_null_fin(&mut self, pcb: Pcb, fin_err: ErrT) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_recv_null")?;
        let fe = fin_err.as_raw();
        // SAFETY: `p` is a live connection pcb or NULL (lwIP checks it).
        let err = self.call_err(|e| unsafe { (fns.shim_tcp_recv_null_fin)(p, fe, e) })?;
        if err == ErrT::Ok && fin_err == ErrT::Ok && pcb != Pcb::NULL {
            self.mark_gone(pcb, "closed by the application (tcp_recv_null)");
        }
        Ok(err)
    }

    /// `tcp_process_refused_data(NULL)`: lwIP's argument check (ERR_ARG).
    pub fn tcp_process_refused_data_null(&mut self) -> Result<ErrT, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: lwIP checks the NULL pcb first.
        self.call_err(|e| unsafe { (fns.shim_tcp_process_refused_data_null)(e) })
    }

    /// `tcp_pcb_purge(NULL)`: lwIP's argument check (returns).
    pub fn tcp_pcb_purge_null(&mut self) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: lwIP checks the NULL pcb first.
        self.enter(None, || unsafe { (fns.shim_tcp_pcb_purge_null)() })
    }

    /// `tcp_output(pcb)`.
    pub fn tcp_output(&mut self, pcb: Pcb) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live.
        self.call_err(|e| unsafe { (fns.shim_tcp_output)(p, e) })
    }

    /// `tcp_recved(pcb, len)`.
    pub fn tcp_recved(&mut self, pcb: Pcb, len: u16) -> Result<(), StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live.
        self.enter(None, || unsafe { (fns.shim_tcp_recved)(p, len) })
    }

    /// `tcp_close(pcb)`. After ERR_OK the handle is no longer usable (lwIP
    /// may keep the pcb for FIN_WAIT/TIME_WAIT; callbacks may still come).
    pub fn tcp_close(&mut self, pcb: Pcb) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live.
        let err = self.call_err(|e| unsafe { (fns.shim_tcp_close)(p, e) })?;
        if err == ErrT::Ok {
            self.mark_gone(pcb, "closed by the application (tcp_close)");
        }
        Ok(err)
    }

    /// `tcp_shutdown(pcb, shut_rx, shut_tx)`. Both set and ERR_OK is a
    /// close: the handle is then no longer usable.
    pub fn tcp_shutdown(
        &mut self,
        pcb: Pcb,
        shut_rx: bool,
        shut_tx: bool,
    ) -> Result<ErrT, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live.
        let err = self.call_err(|e| unsafe {
            (fns.shim_tcp_shutdown)(p, c_int::from(shut_rx), c_int::from(shut_tx), e)
        })?;
        if err == ErrT::Ok && shut_rx && shut_tx {
            self.mark_gone(pcb, "closed by the application (tcp_shutdown rx+tx)");
        }
        Ok(err)
    }

    /// `tcp_abort(pcb)`: RST if connected, err callback (logged), freed.
    pub fn tcp_abort(&mut self, pcb: Pcb) -> Result<(), StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live.
        let rc = self.enter(None, || unsafe { (fns.shim_tcp_abort)(p) });
        self.mark_gone(pcb, "aborted by the application (tcp_abort)");
        rc
    }

    /// `tcp_nagle_disable(pcb)` (`disable`) or `tcp_nagle_enable(pcb)`.
    pub fn tcp_nagle(&mut self, pcb: Pcb, disable: bool) -> Result<(), StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_nagle_disable/enable")?;
        // SAFETY: `p` is a live connection pcb.
        self.enter(None, || unsafe {
            (fns.shim_tcp_nagle)(p, c_int::from(disable))
        })
    }

    /// `tcp_setprio(pcb, prio)`.
    pub fn tcp_setprio(&mut self, pcb: Pcb, prio: u8) -> Result<(), StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live; prio is a common field of both pcb kinds.
        self.enter(None, || unsafe { (fns.shim_tcp_setprio)(p, prio) })
    }

    /// SOF_KEEPALIVE on or off, and the pcb's keep_idle, keep_intvl and
    /// keep_cnt (milliseconds, milliseconds, probes).
    pub fn tcp_keepalive(
        &mut self,
        pcb: Pcb,
        enable: bool,
        idle_ms: u32,
        intvl_ms: u32,
        cnt: u32,
    ) -> Result<(), StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "keepalive settings")?;
        // SAFETY: `p` is a live connection pcb.
        self.enter(None, || unsafe {
            (fns.shim_tcp_keepalive)(p, c_int::from(enable), idle_ms, intvl_ms, cnt)
        })
    }

    /// `tcp_poll(pcb, poll, interval)`: poll callbacks every `interval`
    /// slow-timer ticks (500 ms).
    pub fn tcp_poll(&mut self, pcb: Pcb, interval: u8) -> Result<(), StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_poll")?;
        // SAFETY: `p` is a live connection pcb.
        self.enter(None, || unsafe { (fns.shim_tcp_poll)(p, interval) })
    }

    /// `tcp_backlog_delayed(pcb)`.
    pub fn tcp_backlog_delayed(&mut self, pcb: Pcb) -> Result<(), StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_backlog_delayed")?;
        // SAFETY: `p` is a live connection pcb.
        self.enter(None, || unsafe { (fns.shim_tcp_backlog_delayed)(p) })
    }

    /// `tcp_backlog_accepted(pcb)`.
    pub fn tcp_backlog_accepted(&mut self, pcb: Pcb) -> Result<(), StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_backlog_accepted")?;
        // SAFETY: `p` is a live connection pcb.
        self.enter(None, || unsafe { (fns.shim_tcp_backlog_accepted)(p) })
    }

    /// Sets or clears one of the application's callbacks:
    /// `tcp_recv`/`tcp_sent`/`tcp_err(pcb, NULL or the shim's)` on a
    /// connection, `tcp_accept(pcb, ...)` on any pcb (lwIP ignores it on a
    /// pcb that is not listening).
    pub fn tcp_set_callback(&mut self, pcb: Pcb, cb: CallbackSet) -> Result<(), StackError> {
        let fns = self.fns();
        let on = |b: bool| {
            if b {
                ffi::SHIM_CB_APP
            } else {
                ffi::SHIM_CB_NULL
            }
        };
        let (which, how, p) = match cb {
            CallbackSet::Recv(b) => (
                ffi::SHIM_CB_RECV,
                on(b),
                self.resolve_conn(pcb, "tcp_recv")?,
            ),
            CallbackSet::Sent(b) => (
                ffi::SHIM_CB_SENT,
                on(b),
                self.resolve_conn(pcb, "tcp_sent")?,
            ),
            CallbackSet::Err(b) => (ffi::SHIM_CB_ERR, on(b), self.resolve_conn(pcb, "tcp_err")?),
            CallbackSet::Accept(f) => {
                let how = match f {
                    AcceptFn::Null => ffi::SHIM_CB_NULL,
                    AcceptFn::App => ffi::SHIM_CB_APP,
                    AcceptFn::LwipDefault => ffi::SHIM_CB_DEFAULT,
                };
                (ffi::SHIM_CB_ACCEPT, how, self.resolve(pcb)?.0)
            }
        };
        // SAFETY: `p` is a live pcb (a connection for recv/sent/err).
        self.enter(None, || unsafe {
            (fns.shim_tcp_set_callback)(p, which as c_int, how as c_int)
        })
    }

    /// `tcp_bind_netif(pcb, bound ? netif : NULL)`, on any pcb.
    pub fn tcp_bind_netif(&mut self, pcb: Pcb, bound: bool) -> Result<(), StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        // SAFETY: `p` is live; tcp_bind_netif writes a field every pcb has.
        self.enter(None, || unsafe {
            (fns.shim_tcp_bind_netif)(p, c_int::from(bound))
        })
    }

    /// `tcp_txnow()`: every active pcb whose last write failed for lack
    /// of memory (TF_NAGLEMEMERR) sends what it has.
    pub fn tcp_txnow(&mut self) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: tcp_txnow has no preconditions.
        self.enter(None, || unsafe { (fns.shim_tcp_txnow)() })
    }

    /// `tcp_sndbuf(pcb)`.
    pub fn tcp_sndbuf(&mut self, pcb: Pcb) -> Result<u32, StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_sndbuf")?;
        // SAFETY: `p` is a live connection pcb; a plain read.
        Ok(unsafe { (fns.shim_tcp_sndbuf)(p) })
    }

    /// `tcp_sndqueuelen(pcb)`.
    pub fn tcp_sndqueuelen(&mut self, pcb: Pcb) -> Result<u32, StackError> {
        let fns = self.fns();
        let p = self.resolve_conn(pcb, "tcp_sndqueuelen")?;
        // SAFETY: `p` is a live connection pcb; a plain read.
        Ok(unsafe { (fns.shim_tcp_sndqueuelen)(p) })
    }

    /// Injects one inbound IPv4 packet (see shim.h for the IP checks that
    /// run before TCP). Returns what ip4_input returned, or ERR_MEM when
    /// the pbuf pool was empty and the packet was dropped. Packets longer
    /// than 65535 bytes are not IPv4 packets: ERR_ARG, dropped.
    pub fn input(&mut self, packet: &[u8], app: &mut dyn App) -> Result<ErrT, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        if self.app_busy {
            return Err(StackError::Reentrant("input"));
        }
        let Ok(len) = u16::try_from(packet.len()) else {
            return Ok(ErrT::Arg);
        };
        let mut err: i8 = 0;
        let out: *mut i8 = &mut err;
        let data = packet.as_ptr();
        // SAFETY: `data` is valid for `len` bytes, `out` for the call.
        self.enter(Some(app), || unsafe { (fns.shim_input)(data, len, out) })?;
        self.known_err(err, "lwIP returned")
            .map_err(StackError::Asserted)
    }

    /// Advances virtual time to `to_ms`, running lwIP's timers on their
    /// cadence: at every multiple of 250 ms `tcp_fasttmr()`, then at every
    /// multiple of 500 ms `tcp_slowtmr()` (the order of `tcp_tmr()`; time
    /// starts at 0 on reset, so the first slow tick is at 500 ms).
    pub fn advance_to(&mut self, to_ms: u32, app: &mut dyn App) -> Result<(), StackError> {
        self.check_usable()?;
        if self.app_busy {
            return Err(StackError::Reentrant("advance_to"));
        }
        if to_ms < self.now {
            return Err(StackError::TimeWentBack {
                now: self.now,
                to: to_ms,
            });
        }
        while self.next_tick <= to_ms {
            let tick = self.next_tick;
            self.set_time(tick);
            self.fasttmr(app)?;
            if tick.is_multiple_of(SLOW_TIMER_MS) {
                self.slowtmr(app)?;
            }
            self.next_tick = tick.saturating_add(FAST_TIMER_MS);
            if tick == u32::MAX {
                break;
            }
        }
        self.set_time(to_ms);
        Ok(())
    }

    fn set_time(&mut self, t: u32) {
        let fns = self.fns();
        self.now = t;
        // SAFETY: sets a plain variable in the shim.
        unsafe { (fns.shim_set_time)(t) };
    }

    /// `tcp_tmr()` once, now: `tcp_fasttmr`, and `tcp_slowtmr` every other
    /// call (the first call runs it), as an application that drives lwIP's
    /// TCP timer itself does. Independent of [`Stack::advance_to`]'s cadence.
    pub fn tcp_tmr(&mut self, app: &mut dyn App) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: no arguments.
        self.enter(Some(app), || unsafe { (fns.shim_tcp_tmr)() })
    }

    /// Runs `tcp_fasttmr()` once, now (normally [`Stack::advance_to`]
    /// does this on the 250 ms cadence).
    pub fn fasttmr(&mut self, app: &mut dyn App) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: no arguments.
        self.enter(Some(app), || unsafe { (fns.shim_fasttmr)() })
    }

    /// Runs `tcp_slowtmr()` once, now.
    pub fn slowtmr(&mut self, app: &mut dyn App) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: no arguments.
        self.enter(Some(app), || unsafe { (fns.shim_slowtmr)() })
    }

    /// The callbacks since the last call, in order.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The packets emitted since the last call, in order.
    pub fn take_output(&mut self) -> Vec<Emitted> {
        std::mem::take(&mut self.output)
    }

    /// lwIP's LWIP_ERROR diagnostics (API misuse it reported and
    /// handled) since the last call.
    pub fn take_diags(&mut self) -> Vec<String> {
        std::mem::take(&mut self.diags)
    }

    /// A snapshot of one pcb.
    pub fn snapshot(&mut self, pcb: Pcb) -> Result<ffi::shim_snapshot, StackError> {
        let fns = self.fns();
        let (p, _) = self.resolve(pcb)?;
        let mut s = ffi::shim_snapshot::default();
        // SAFETY: `p` is live; `s` is a valid out struct.
        unsafe { (fns.shim_snapshot)(p, &mut s) };
        Ok(s)
    }

    /// Snapshots of every pcb on lwIP's lists: listen, bound, active,
    /// TIME_WAIT, each in list order (new pcbs not yet bound are on none).
    pub fn snapshot_all(&mut self) -> Result<Vec<ffi::shim_snapshot>, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let mut v = vec![ffi::shim_snapshot::default(); 16];
        loop {
            let cap = u32::try_from(v.len()).unwrap_or(u32::MAX);
            // SAFETY: `v` holds `cap` structs.
            let n = unsafe { (fns.shim_snapshot_all)(v.as_mut_ptr(), cap) } as usize;
            if n <= v.len() {
                v.truncate(n);
                return Ok(v);
            }
            v.resize(n, ffi::shim_snapshot::default());
        }
    }

    /// Pool, pbuf and heap use, from lwIP's statistics.
    pub fn accounting(&self) -> ffi::shim_accounting {
        let fns = self.fns();
        let mut a = ffi::shim_accounting::default();
        // SAFETY: reads lwIP's statistics into `a`.
        unsafe { (fns.shim_accounting)(&mut a) };
        a
    }

    /// `netif_set_ipaddr(netif, ip)`: pcbs bound to the old address are
    /// aborted (RST, err callback logged) by `tcp_netif_ip_addr_changed`,
    /// listeners bound to it move to `ip`; then the netif takes `ip`.
    pub fn netif_set_ipaddr(&mut self, ip: [u8; 4]) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        self.ip_to_shim(IpAddr::V4(ip))?;
        // SAFETY: `ip` outlives the call; the netif is the shim's.
        self.enter(None, || unsafe { (fns.shim_netif_set_ipaddr)(ip.as_ptr()) })?;
        self.config.local_ip = ip;
        Ok(())
    }

    /// `mem_malloc(size)` on lwIP's heap, for checking a heap model
    /// against mem.c: the block's data offset from the heap's start, or
    /// `None` when lwIP returned NULL. Only meaningful while TCP holds no
    /// heap memory; free every block with [`Stack::mem_free`] before using
    /// the stack again (the leak check counts them).
    pub fn mem_malloc(&mut self, size: u16) -> Result<Option<u16>, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let mut off = 0u16;
        // SAFETY: mem_malloc has no preconditions; `off` outlives the call.
        self.enter(None, || unsafe { (fns.shim_mem_malloc)(size, &mut off) })?;
        Ok((off != 0xFFFF).then_some(off))
    }

    /// `mem_free()` of a block [`Stack::mem_malloc`] returned. lwIP checks
    /// the block (a wrong offset is counted as illegal, not undefined).
    pub fn mem_free(&mut self, off: u16) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: the offset is inside the heap (mem_free range-checks it).
        self.enter(None, || unsafe { (fns.shim_mem_free)(off) })
    }

    /// `mem_trim()` of a block [`Stack::mem_malloc`] returned, to `size`
    /// bytes (shrinking only, as in lwIP).
    pub fn mem_trim(&mut self, off: u16, size: u16) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: as mem_free; mem_trim range-checks and asserts.
        self.enter(None, || unsafe { (fns.shim_mem_trim)(off, size) })
    }

    // -- lwIP's pbufs (pbuf.c), driven directly ---------------------------
    //
    // For checking a port's pbufs against pbuf.c. Use only while TCP has no
    // pcbs, and free every pbuf before using the stack for TCP again (the
    // leak check counts them). The caller owns one reference per [`CPbuf`]
    // it keeps, by lwIP's rules.

    /// A pbuf pointer from lwIP, checked: handed out since the last reset
    /// and still referenced (a freed pbuf's `ref` is 0 in lwIP's static
    /// pools and heap until it is reused).
    fn live_pbuf(&self, p: CPbuf) -> Result<*mut ffi::pbuf, StackError> {
        let fns = self.fns();
        if !self.pbufs.contains_key(&p.0) {
            return Err(StackError::UnknownPbuf(p));
        }
        let ptr = p.0 as *mut ffi::pbuf;
        let mut st = ffi::shim_pbuf_state::default();
        // SAFETY: lwIP handed this pointer out; it points into lwIP's
        // static pools or heap (MEMP_MEM_MALLOC and MEM_LIBC_MALLOC are
        // off), which stay allocated whatever lwIP did with the pbuf.
        unsafe { (fns.shim_pbuf_read)(ptr, &mut st) };
        if st.ref_ == 0 {
            return Err(StackError::UnknownPbuf(p));
        }
        Ok(ptr)
    }

    fn adopt_pbuf(&mut self, p: *mut ffi::pbuf, rom: Option<(usize, usize)>) -> Option<CPbuf> {
        if p.is_null() {
            return None;
        }
        match rom {
            Some(r) => {
                self.pbufs.insert(p as usize, r);
            }
            None => {
                self.pbufs.entry(p as usize).or_insert((0, 0));
            }
        }
        Some(CPbuf(p as usize))
    }

    /// `pbuf_alloc(layer, length, type)` for [`PbufKind::Ram`] and
    /// [`PbufKind::Pool`] (`layer`: lwIP's `pbuf_layer`, the header room in
    /// bytes). `None` when lwIP returned NULL. A ROM/REF kind gets an
    /// empty buffer: use [`Stack::pbuf_alloc_ref`] to give it bytes.
    pub fn pbuf_alloc(
        &mut self,
        layer: u16,
        length: u16,
        kind: PbufKind,
    ) -> Result<Option<CPbuf>, StackError> {
        let fns = self.fns();
        if matches!(kind, PbufKind::Rom | PbufKind::Ref) {
            return self.pbuf_alloc_ref(length, kind, &[], 0);
        }
        self.check_usable()?;
        let mut p: *mut ffi::pbuf = ptr::null_mut();
        // SAFETY: no ROM payload is passed; `p` outlives the call.
        self.enter(None, || unsafe {
            (fns.shim_pbuf_alloc)(layer, length, kind.code(), ptr::null(), &mut p)
        })?;
        Ok(self.adopt_pbuf(p, Some((0, 0))))
    }

    /// `pbuf_alloc(PBUF_TRANSPORT, length, PBUF_ROM or PBUF_REF)` with the
    /// payload then set `at` bytes into a copy of `data` that the stack
    /// keeps until reset, zero-padded to `at + length` bytes (lwIP may
    /// write it: `pbuf_take` on such a pbuf,
    /// and `pbuf_add_header_force` may move the payload in front of it).
    /// [`PbufState::rom_at`] reads where the payload points in that copy.
    pub fn pbuf_alloc_ref(
        &mut self,
        length: u16,
        kind: PbufKind,
        data: &[u8],
        at: usize,
    ) -> Result<Option<CPbuf>, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let mut bytes = data.to_vec();
        let at = at.min(bytes.len());
        bytes.resize(bytes.len().max(at + usize::from(length)), 0);
        let mut kept: Box<[u8]> = bytes.into();
        let size = kept.len();
        let base = kept.as_mut_ptr();
        let payload = base.wrapping_add(at);
        self.rom.push(kept);
        let mut p: *mut ffi::pbuf = ptr::null_mut();
        let code = match kind {
            PbufKind::Rom => ffi::SHIM_PBUF_ROM,
            _ => ffi::SHIM_PBUF_REF,
        } as u8;
        // SAFETY: `payload` points into a buffer kept (unmoved: boxed) in
        // `self.rom` until reset; lwIP only stores it; `p` outlives the call.
        self.enter(None, || unsafe {
            (fns.shim_pbuf_alloc)(0, length, code, payload, &mut p)
        })?;
        Ok(self.adopt_pbuf(p, Some((base as usize, size))))
    }

    /// `pbuf_free(p)`: how many pbufs lwIP freed.
    pub fn pbuf_free(&mut self, p: CPbuf) -> Result<u8, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        let mut n = 0u8;
        // SAFETY: `ptr` is a live pbuf (checked); `n` outlives the call.
        self.enter(None, || unsafe { (fns.shim_pbuf_free)(ptr, &mut n) })?;
        Ok(n)
    }

    /// `pbuf_ref(p)`.
    pub fn pbuf_ref(&mut self, p: CPbuf) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        // SAFETY: `ptr` is a live pbuf (checked).
        self.enter(None, || unsafe { (fns.shim_pbuf_ref)(ptr) })
    }

    /// `pbuf_clen(p)`.
    pub fn pbuf_clen(&mut self, p: CPbuf) -> Result<u16, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        let mut n = 0u16;
        // SAFETY: `ptr` is a live pbuf (checked); `n` outlives the call.
        self.enter(None, || unsafe { (fns.shim_pbuf_clen)(ptr, &mut n) })?;
        Ok(n)
    }

    /// `pbuf_cat(h, t)` (`t`'s reference passes to `h`'s chain), or
    /// `pbuf_chain(h, t)` (a new reference on `t`) when `take_ref`.
    pub fn pbuf_cat(&mut self, h: CPbuf, t: CPbuf, take_ref: bool) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let hp = self.live_pbuf(h)?;
        let tp = self.live_pbuf(t)?;
        // SAFETY: both are live pbufs (checked); lwIP asserts h != t.
        self.enter(None, || unsafe {
            if take_ref {
                (fns.shim_pbuf_chain)(hp, tp)
            } else {
                (fns.shim_pbuf_cat)(hp, tp)
            }
        })
    }

    /// `pbuf_realloc(p, new_len)`.
    pub fn pbuf_realloc(&mut self, p: CPbuf, new_len: u16) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        // SAFETY: `ptr` is a live pbuf (checked).
        self.enter(None, || unsafe { (fns.shim_pbuf_realloc)(ptr, new_len) })
    }

    /// `pbuf_add_header(p, n)`, or `pbuf_add_header_force(p, n)` when
    /// `force`: whether lwIP moved the payload (its result was 0).
    pub fn pbuf_add_header(&mut self, p: CPbuf, n: u16, force: bool) -> Result<bool, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        let mut ret = 0u8;
        // SAFETY: `ptr` is a live pbuf (checked); `ret` outlives the call.
        self.enter(None, || unsafe {
            (fns.shim_pbuf_add_header)(ptr, n, c_int::from(force), &mut ret)
        })?;
        Ok(ret == 0)
    }

    /// `pbuf_remove_header(p, n)`: whether lwIP moved the payload.
    pub fn pbuf_remove_header(&mut self, p: CPbuf, n: u16) -> Result<bool, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        let mut ret = 0u8;
        // SAFETY: `ptr` is a live pbuf (checked); `ret` outlives the call.
        self.enter(None, || unsafe {
            (fns.shim_pbuf_remove_header)(ptr, n, &mut ret)
        })?;
        Ok(ret == 0)
    }

    /// Refuses a chain with a ROM/REF pbuf whose `len` bytes are not all in
    /// the buffer the stack keeps for it (a forced header moved the payload
    /// in front of it, or a remove_header beyond it): lwIP would read or
    /// write them.
    fn check_rom_chain(&mut self, p: CPbuf) -> Result<(), StackError> {
        let mut cur = Some(p);
        let mut hops = 0usize;
        while let Some(q) = cur {
            let st = self.pbuf_state(q)?;
            if let Some(at) = st.rom_at {
                let (_, size) = self.pbufs.get(&q.0).copied().unwrap_or((0, 0));
                let end = at.saturating_add(st.len as isize);
                if at < 0 || end > isize::try_from(size).unwrap_or(isize::MAX) {
                    return Err(StackError::UnknownPbuf(q));
                }
            }
            hops += 1;
            if hops > self.pbufs.len() {
                return Err(StackError::UnknownPbuf(p));
            }
            cur = st.next;
        }
        Ok(())
    }

    /// `pbuf_copy_partial(p, buf, buf.len(), offset)`: bytes copied.
    pub fn pbuf_copy_partial(
        &mut self,
        p: CPbuf,
        buf: &mut [u8],
        offset: u16,
    ) -> Result<u16, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        self.check_rom_chain(p)?;
        let len = u16::try_from(buf.len()).unwrap_or(u16::MAX);
        let dst = buf.as_mut_ptr();
        let mut n = 0u16;
        // SAFETY: `ptr` is a live pbuf (checked); `dst` holds `len` bytes
        // and lwIP writes at most `len`.
        self.enter(None, || unsafe {
            (fns.shim_pbuf_copy_partial)(ptr, dst, len, offset, &mut n)
        })?;
        Ok(n)
    }

    /// `pbuf_take(p, data, len)`, or `pbuf_take_at(p, data, len, offset)`
    /// when `offset` is given: lwIP's err_t.
    pub fn pbuf_take(
        &mut self,
        p: CPbuf,
        data: &[u8],
        offset: Option<u16>,
    ) -> Result<ErrT, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        let ptr = self.live_pbuf(p)?;
        self.check_rom_chain(p)?;
        let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
        let src = data.as_ptr();
        // SAFETY: `ptr` is a live pbuf (checked); `src` holds `len` bytes,
        // which lwIP only reads.
        self.call_err(|err| unsafe {
            match offset {
                None => (fns.shim_pbuf_take)(ptr, src, len, err),
                Some(off) => (fns.shim_pbuf_take_at)(ptr, src, len, off, err),
            }
        })
    }

    /// What pbuf `p` reads as (no lwIP code runs). Its `next` becomes a
    /// pbuf this stack accepts.
    pub fn pbuf_state(&mut self, p: CPbuf) -> Result<PbufState, StackError> {
        let fns = self.fns();
        let ptr = self.live_pbuf(p)?;
        let mut st = ffi::shim_pbuf_state::default();
        // SAFETY: `ptr` is a live pbuf (checked); `st` outlives the call.
        unsafe { (fns.shim_pbuf_read)(ptr, &mut st) };
        let next = self.adopt_pbuf(st.next.cast_mut(), None);
        let (base, _) = self.pbufs.get(&p.0).copied().unwrap_or((0, 0));
        Ok(PbufState {
            next,
            len: st.len,
            tot_len: st.tot_len,
            refcount: st.ref_,
            flags: st.flags,
            kind: PbufKind::from_code(st.type_),
            payload_off: st.payload_off,
            rom_at: (!st.rom_payload.is_null())
                .then(|| (st.rom_payload as usize).wrapping_sub(base) as isize),
            heap_off: (st.heap_off != 0xFFFF).then_some(st.heap_off),
        })
    }

    /// lwIP's statistics for the pbufs' storage.
    pub fn pbuf_stats(&self) -> ffi::shim_pbuf_stats {
        let fns = self.fns();
        let mut s = ffi::shim_pbuf_stats::default();
        // SAFETY: reads lwIP's statistics into `s`.
        unsafe { (fns.shim_pbuf_stats)(&mut s) };
        s
    }

    /// Closes every new pcb, aborts every active and TIME_WAIT pcb, closes
    /// every listening and bound one (err callbacks are logged), and
    /// returns the accounting afterwards.
    pub fn teardown(&mut self) -> Result<ffi::shim_accounting, StackError> {
        let fns = self.fns();
        self.check_usable()?;
        if self.app_busy {
            return Err(StackError::Reentrant("teardown"));
        }
        let fresh: Vec<Pcb> = self
            .handles
            .iter()
            .filter(|(_, e)| e.fresh && e.gone.is_none())
            .map(|(id, _)| Pcb(*id))
            .collect();
        for pcb in fresh {
            if let Ok((p, false)) = self.resolve(pcb)
                && self.handles.get(&pcb.0).is_some_and(|e| e.fresh)
            {
                // SAFETY: `p` is a live pcb on no list, which tcp_close frees.
                self.call_err(|e| unsafe { (fns.shim_tcp_close)(p, e) })?;
                self.mark_gone(pcb, "closed at teardown");
            }
        }
        // SAFETY: no arguments.
        self.enter(None, || unsafe { (fns.shim_teardown)() })?;
        Ok(self.accounting())
    }

    /// Ok when nothing is allocated: every pool, pbuf and heap count is back
    /// to its value after reset (zero). Call after [`Stack::teardown`].
    pub fn leak_check(&self) -> Result<(), String> {
        let a = self.accounting();
        let used = [
            ("tcp_pcb", a.tcp_pcb),
            ("tcp_pcb_listen", a.tcp_pcb_listen),
            ("tcp_seg", a.tcp_seg),
            ("pbuf", a.pbuf),
            ("pbuf_pool", a.pbuf_pool),
            ("heap bytes", a.heap_used),
        ];
        let leaks: Vec<String> = used
            .iter()
            .filter(|(_, n)| *n != 0)
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(format!("still allocated: {}", leaks.join(", ")))
        }
    }

    /// Test hook: makes lwIP's LWIP_ASSERT fire inside an entry point.
    pub fn debug_assert(&mut self) -> Result<(), StackError> {
        let fns = self.fns();
        self.check_usable()?;
        // SAFETY: no arguments; the shim unwinds to itself.
        self.enter(None, || unsafe { (fns.shim_debug_assert)() })
    }

    /// Runs `f` with the application of the current input or timer call,
    /// unless it is already inside a callback (or there is none).
    fn with_app(&mut self, f: impl FnOnce(&mut Stack, &mut dyn App) -> ErrT) -> Option<ErrT> {
        let fns = self.fns();
        let app = APP.with(|a| a.get())?;
        if self.app_busy {
            return None;
        }
        self.app_busy = true;
        // SAFETY: `app` was erased from a `&mut dyn App` held by the
        // outermost input/timer call, which is still running (we are inside
        // it); `app_busy` makes sure only one `&mut` exists at a time.
        let app = unsafe { &mut *app };
        // A panic must not unwind through lwIP's C frames: catch it, poison
        // the shim so the C unwinds to its entry point, and resume the
        // panic in `enter` once C has returned.
        let result = panic::catch_unwind(AssertUnwindSafe(|| f(self, app)));
        self.app_busy = false;
        match result {
            Ok(ret) => Some(ret),
            Err(payload) => {
                self.poisoned = Some(AssertInfo {
                    msg: "the application panicked inside a callback".into(),
                    file: String::new(),
                    line: 0,
                });
                self.panic = Some(payload);
                // SAFETY: sets a flag in the shim.
                unsafe { (fns.shim_poison)() };
                Some(ErrT::Ok)
            }
        }
    }

    fn push_event(&mut self, callback: Callback, ret: Option<ErrT>) -> usize {
        self.events.push(Event {
            time_ms: self.now,
            callback,
            ret,
        });
        self.events.len() - 1
    }

    fn set_ret(&mut self, idx: usize, ret: ErrT) {
        if let Some(e) = self.events.get_mut(idx) {
            e.ret = Some(ret);
        }
    }

    /// A callback with no application to run it (not reachable through the
    /// public API: they come only from input and timers). lwIP gets ERR_OK.
    fn no_app(&mut self, what: &str) -> ErrT {
        self.diags.push(format!(
            "tcpdiff: {what} callback with no application to run it; returned ERR_OK"
        ));
        ErrT::Ok
    }
}

fn erase<'a>(app: &'a mut dyn App) -> *mut (dyn App + 'static) {
    let p: *mut (dyn App + 'a) = app;
    // SAFETY: only the lifetime changes; the pointer is used only while the
    // borrow it came from is alive (see `Stack::enter`).
    unsafe { std::mem::transmute::<*mut (dyn App + 'a), *mut (dyn App + 'static)>(p) }
}

/// The stack the current call into C was made on.
///
/// SAFETY (callers): only called from trampolines, which C calls only
/// during a `Stack::enter`, so CURRENT points at a live stack whose
/// `&mut` borrow is parked for the duration of the call.
unsafe fn current<'a>() -> &'a mut Stack {
    let p = CURRENT.with(|c| c.get());
    assert!(!p.is_null(), "lwIP callback outside a call into lwIP");
    unsafe { &mut *p }
}

unsafe extern "C" fn tr_output(pkt: *const u8, len: u16) {
    // SAFETY: the shim passes its output buffer and its length.
    let bytes = unsafe { std::slice::from_raw_parts(pkt, usize::from(len)) }.to_vec();
    let s = unsafe { current() };
    s.output.push(Emitted {
        time_ms: s.now,
        bytes,
    });
}

unsafe extern "C" fn tr_rand() -> u32 {
    unsafe { current() }.seeded.rand.next_u32()
}

/// An address the shim gave out. The shim writes only lwIP's three
/// `IPADDR_TYPE_*` codes (`IP_GET_TYPE`, or the one type of a single-stack
/// build).
fn ip_from_shim(a: &ffi::shim_ip) -> IpAddr {
    IpAddr::from_parts(a.type_, &a.addr).unwrap_or(IpAddr::Any)
}

impl ffi::shim_ip {
    /// The `ip_addr_t` this holds (a snapshot's `local_ip`, `remote_ip`).
    pub fn ip(&self) -> IpAddr {
        ip_from_shim(self)
    }
}

unsafe extern "C" fn tr_isn(
    local_ip: *const ffi::shim_ip,
    local_port: u16,
    remote_ip: *const ffi::shim_ip,
    remote_port: u16,
) -> u32 {
    // SAFETY: the shim passes two valid addresses for the call.
    let q = IsnQuery {
        local_ip: ip_from_shim(unsafe { &*local_ip }),
        local_port,
        remote_ip: ip_from_shim(unsafe { &*remote_ip }),
        remote_port,
    };
    let s = unsafe { current() };
    match s.isn_hook.as_mut() {
        Some(hook) => hook(&q),
        None => s.seeded.isn.next_u32(),
    }
}

unsafe extern "C" fn tr_accept(
    listener: u32,
    new_id: u32,
    newpcb: *mut ffi::tcp_pcb,
    err: i8,
) -> i8 {
    let s = unsafe { current() };
    let new = (!newpcb.is_null()).then(|| {
        s.handles.insert(
            new_id,
            Entry {
                ptr: newpcb,
                listen: false,
                fresh: false,
                gone: None,
            },
        );
        Pcb(new_id)
    });
    let Ok(err) = s.known_err(err, "lwIP passed the accept callback") else {
        return ErrT::Ok.as_raw();
    };
    let idx = s.push_event(
        Callback::Accept {
            listener: Pcb(listener),
            new,
            err,
        },
        None,
    );
    let ret = s
        .with_app(|st, app| app.accept(st, Pcb(listener), new, err))
        .unwrap_or_else(|| s.no_app("accept"));
    s.set_ret(idx, ret);
    if let Some(pcb) = new
        && ret != ErrT::Ok
    {
        s.mark_gone(pcb, "accept callback refused it (lwIP aborts it)");
    }
    ret.as_raw()
}

unsafe extern "C" fn tr_connected(id: u32, err: i8) -> i8 {
    let s = unsafe { current() };
    let Ok(err) = s.known_err(err, "lwIP passed the connected callback") else {
        return ErrT::Ok.as_raw();
    };
    let idx = s.push_event(Callback::Connected { pcb: Pcb(id), err }, None);
    let ret = s
        .with_app(|st, app| app.connected(st, Pcb(id), err))
        .unwrap_or_else(|| s.no_app("connected"));
    s.set_ret(idx, ret);
    ret.as_raw()
}

unsafe extern "C" fn tr_recv(id: u32, p: *const c_void, tot_len: u16, err: i8) -> i8 {
    let data = (!p.is_null()).then(|| {
        let mut buf = vec![0u8; usize::from(tot_len)];
        // SAFETY: `p` is the pbuf lwIP passed; `buf` holds tot_len bytes.
        let n = unsafe { (current().fns().shim_pbuf_copy)(p, buf.as_mut_ptr(), tot_len) };
        buf.truncate(usize::from(n));
        buf
    });
    let s = unsafe { current() };
    let Ok(err) = s.known_err(err, "lwIP passed the recv callback") else {
        return ErrT::Ok.as_raw();
    };
    let idx = s.push_event(
        Callback::Recv {
            pcb: Pcb(id),
            data: data.clone(),
            err,
        },
        None,
    );
    let ret = s
        .with_app(|st, app| app.recv(st, Pcb(id), data.as_deref(), err))
        .unwrap_or_else(|| s.no_app("recv"));
    s.set_ret(idx, ret);
    ret.as_raw()
}

unsafe extern "C" fn tr_sent(id: u32, len: u16) -> i8 {
    let s = unsafe { current() };
    let idx = s.push_event(Callback::Sent { pcb: Pcb(id), len }, None);
    let ret = s
        .with_app(|st, app| app.sent(st, Pcb(id), len))
        .unwrap_or_else(|| s.no_app("sent"));
    s.set_ret(idx, ret);
    ret.as_raw()
}

unsafe extern "C" fn tr_poll(id: u32) -> i8 {
    let s = unsafe { current() };
    let idx = s.push_event(Callback::Poll { pcb: Pcb(id) }, None);
    let ret = s
        .with_app(|st, app| app.poll(st, Pcb(id)))
        .unwrap_or_else(|| s.no_app("poll"));
    s.set_ret(idx, ret);
    ret.as_raw()
}

unsafe extern "C" fn tr_err(id: u32, err: i8) {
    let s = unsafe { current() };
    let Ok(err) = s.known_err(err, "lwIP passed the err callback") else {
        return;
    };
    s.push_event(Callback::Err { pcb: Pcb(id), err }, None);
    s.mark_gone(Pcb(id), &format!("err callback ({err})"));
}

fn c_text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: lwIP passes NUL-terminated string literals.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

unsafe extern "C" fn tr_assert(msg: *const c_char, file: *const c_char, line: i32) {
    let info = AssertInfo {
        msg: c_text(msg),
        file: c_text(file),
        line,
    };
    let p = CURRENT.with(|c| c.get());
    if p.is_null() {
        eprintln!("{info}");
        return;
    }
    // SAFETY: as for `current`.
    let s = unsafe { &mut *p };
    if s.poisoned.is_none() {
        s.poisoned = Some(info);
    }
}

unsafe extern "C" fn tr_diag(msg: *const c_char) {
    let text = c_text(msg);
    let p = CURRENT.with(|c| c.get());
    if !p.is_null() {
        // SAFETY: as for `current`.
        unsafe { &mut *p }.diags.push(text);
    }
}
