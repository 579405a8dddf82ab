//! The stack: tcp.c's state (its pools, lists and `tcp_ticks` through the
//! profile's storage; `tcp_timer_ctr`, `tcp_port` here), handles, the hooks
//! the caller provides (output, the callback log), and the entries from the
//! IP layer below: the port's own IPv4 input (`ip4_input`'s checks, then
//! `tcp_input`) and [`Tcp::tcp_input_from`] for an IP layer that is lwIP's.
//! Output goes through the storage's IP layer ([`crate::ip4`] for the
//! port's own).
//!
//! The TCP functions themselves live in [`crate::tcp`] (tcp.c),
//! [`crate::tcp_in`] (tcp_in.c) and [`crate::tcp_out`] (tcp_out.c), each an
//! `impl` block on [`Tcp`].

use core::marker::PhantomData;

use crate::config::{Config, Full, Profile};
use crate::err::Err;
use crate::pbuf::{PbufStore, PbufType, Pbufs, RomStore};
use crate::state::{TcpFlags, TcpState};
use crate::storage::{
    CallbackRepr, IpAddrRepr, IpOf, Layout, LpcbRef, NetifOf, NullValue, PbufRef, PcbRef, Pool,
    PortLayout, SegRef, StateRepr, Storage, TcpHdrOf,
};
use crate::wire::{IP_HLEN, IP_MF, IP_OFFMASK, IP_PROTO_TCP, inet_chksum};
pub use lwip_vocab::CallbackKind;

/// Capacity of the SACK table (`LWIP_TCP_MAX_SACK_NUM` limit).
pub const MAX_SACKS: usize = 8;

/// The layout of profile `P`'s storage ([`Profile::Storage`]).
pub type LayoutOf<P> = <<P as Profile>::Storage as Storage>::Layout;
/// A connection pcb's name in profile `P`'s storage.
pub type PcbOf<P> = PcbRef<<P as Profile>::Storage>;
/// `ip_addr_t` in profile `P`'s storage.
pub type IpAddrOf<P> = IpOf<<P as Profile>::Storage>;
/// A listen pcb's name in profile `P`'s storage.
pub type LpcbOf<P> = LpcbRef<<P as Profile>::Storage>;
/// A segment's name in profile `P`'s storage.
pub type SegOf<P> = SegRef<<P as Profile>::Storage>;

/// A pbuf's name in profile `P`'s storage.
pub type PbufOf<P> = PbufRef<<P as Profile>::Storage>;
/// Profile `P`'s pbuf store.
pub type PbufsOf<P> = <<P as Profile>::Storage as Storage>::Pbufs;
/// Where a `PBUF_ROM` pbuf of profile `P`'s store points.
pub type RomOf<P> = <PbufsOf<P> as PbufStore>::Rom;
/// `tcp_err_fn` in profile `P`'s layout.
pub type ErrFnOf<P> = <LayoutOf<P> as Layout>::ErrFn;
/// `tcp_recv_fn` in profile `P`'s layout.
pub type RecvFnOf<P> = <LayoutOf<P> as Layout>::RecvFn;
/// `tcp_sent_fn` in profile `P`'s layout.
pub type SentFnOf<P> = <LayoutOf<P> as Layout>::SentFn;
/// `tcp_connected_fn` in profile `P`'s layout.
pub type ConnectedFnOf<P> = <LayoutOf<P> as Layout>::ConnectedFn;
/// `tcp_poll_fn` in profile `P`'s layout.
pub type PollFnOf<P> = <LayoutOf<P> as Layout>::PollFn;
/// `tcp_accept_fn` in profile `P`'s layout.
pub type AcceptFnOf<P> = <LayoutOf<P> as Layout>::AcceptFn;
/// `callback_arg` in profile `P`'s layout.
pub type ArgOf<P> = <LayoutOf<P> as Layout>::Arg;

/// lwIP's `TCP_PRIO_NORMAL` (tcp.h).
pub const TCP_PRIO_NORMAL: u8 = 64;
/// lwIP's `TCP_PRIO_MAX` (tcp.h).
pub const TCP_PRIO_MAX: u8 = 127;
/// lwIP's `SOF_REUSEADDR` (ip.h).
pub const SOF_REUSEADDR: u8 = 0x04;
/// lwIP's `SOF_KEEPALIVE` (ip.h).
pub const SOF_KEEPALIVE: u8 = 0x08;
/// lwIP's `SOF_INHERITED` (ip.h).
pub const SOF_INHERITED: u8 = SOF_REUSEADDR | SOF_KEEPALIVE;

/// The single netif (the default route for every destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Netif {
    /// Its address.
    pub ip: [u8; 4],
    /// Its netmask.
    pub netmask: [u8; 4],
    /// Its gateway.
    pub gateway: [u8; 4],
    /// Its MTU.
    pub mtu: u16,
}

#[cfg(test)]
impl Default for Netif {
    /// packetdrill's defaults (as `lwip_c::StackConfig::default()`).
    fn default() -> Netif {
        Netif {
            ip: [192, 168, 0, 1],
            netmask: [255, 255, 255, 0],
            gateway: [192, 168, 0, 2],
            mtu: 1500,
        }
    }
}

/// What the platform provides: `LWIP_RAND()`, `LWIP_HOOK_TCP_ISN`, the
/// netif's output (one whole IPv4 packet per call, as the pbuf chain lwIP
/// hands to `netif->output`), and, as a [`RomStore`], the bytes the
/// application's zero-copy writes refer to ([`Tcp::tcp_write_ref`]).
pub trait Hooks: RomStore {
    /// `LWIP_RAND()`.
    fn lwip_rand(&mut self) -> u32;
    /// `sys_now()`, which lwIP's TCP reads for the timestamp option's
    /// value (`tcp_build_timestamp_option`). `clock` is the stack's own
    /// virtual time ([`Tcp::advance_to`]): a driver whose clock that is
    /// returns it; lwIP's build returns lwIP's `sys_now()`.
    fn sys_now(&mut self, clock: u32) -> u32;
    /// `LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port)`,
    /// the addresses as the build stores them ([`IpAddrRepr::v4`],
    /// [`IpAddrRepr::to_ip`]).
    fn tcp_isn<A: IpAddrRepr>(
        &mut self,
        local_ip: &A,
        local_port: u16,
        remote_ip: &A,
        remote_port: u16,
    ) -> u32;
    /// The netif emitted `packet` at virtual time `now_ms`. The packet's
    /// pbufs are the stack's: read them during the call
    /// ([`Packet::copy_to`] or [`Packet::chunks`], with `self` as the
    /// [`RomStore`]).
    fn netif_output<B: PbufStore>(&mut self, now_ms: u32, packet: Packet<'_, B>);
    /// lwIP is making `event.callback` (its `ret` is None): for the
    /// platform's log of callbacks. Returns a token for
    /// [`Hooks::callback_returned`]. Callbacks nest (an application's call
    /// inside one can make another), and `err` never returns.
    fn callback_made(&mut self, event: Event) -> u32;
    /// The callback `token` names returned `ret`.
    fn callback_returned(&mut self, token: u32, ret: Err);
    /// An `LWIP_ASSERT` failed: the stack is poisoned (it refuses every
    /// call until reset) and the platform hears of it as lwIP's
    /// `LWIP_PLATFORM_ASSERT(msg)` would tell it. A driver that reads
    /// [`Tcp::asserted`] needs nothing here; the C library calls its
    /// build's `LWIP_PLATFORM_ASSERT` (which on most platforms does not
    /// return).
    fn lwip_assert(&mut self, a: &'static Assertion);
}

/// An outbound IPv4 packet: lwIP's pbuf chain as `netif->output` gets it
/// (IP header, TCP header and options in the first pbuf, the data in the
/// chain behind it).
#[derive(Clone, Copy)]
pub struct Packet<'a, B: PbufStore = Pbufs> {
    pbufs: &'a B,
    p: B::Pbuf,
}

impl<'a, B: PbufStore> Packet<'a, B> {
    /// `p->tot_len`: the packet's bytes.
    pub fn tot_len(&self) -> usize {
        usize::from(self.pbufs.tot_len(self.p))
    }
    /// The chain's payloads, head first.
    pub fn chunks<'b, R: RomStore>(&'b self, rom: &'b R) -> impl Iterator<Item = &'b [u8]> + 'b {
        self.pbufs.chain(rom, self.p)
    }
    /// Copies the packet into `out` (`pbuf_copy_partial`); returns the
    /// bytes copied.
    pub fn copy_to<R: RomStore>(&self, rom: &R, out: &mut [u8]) -> usize {
        usize::from(self.pbufs.pbuf_copy_partial(rom, self.p, out, 0))
    }
}

/// A pcb, as a handle: pool, index and generation. A handle whose pcb was
/// freed never becomes valid again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle {
    listen: bool,
    idx: u8,
    generation: u32,
}

impl Handle {
    /// lwIP's NULL pcb pointer: names no pcb, ever. The raw-API functions
    /// whose lwIP original checks its pcb argument (`LWIP_ERROR(...,
    /// pcb != NULL, ...)` or `if (pcb != NULL)`) check for it at the same
    /// place and return what lwIP returns; the others report it as an
    /// invalid handle.
    pub const NULL: Handle = Handle {
        listen: false,
        idx: u8::MAX,
        generation: 0,
    };
    /// Whether it is [`Handle::NULL`].
    pub fn is_null(&self) -> bool {
        *self == Handle::NULL
    }
    /// Whether it names a listening pcb (`struct tcp_pcb_listen`).
    pub const fn is_listen(&self) -> bool {
        self.listen
    }
    /// Index in its pool.
    #[cfg(test)]
    pub const fn index(&self) -> u8 {
        self.idx
    }
    /// Generation (unique per allocation).
    pub const fn generation(&self) -> u32 {
        self.generation
    }
}

/// Errors of the API layer (lwIP's own results are [`Err`] values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiError {
    /// The handle names no live pcb (never made, or freed).
    Invalid(Handle),
    /// The operation is not allowed on a listening pcb (lwIP asserts or
    /// would touch fields a `tcp_pcb_listen` does not have).
    ListenPcb(Handle),
    /// `tcp_write` without `TCP_WRITE_FLAG_COPY` on a byte slice: lwIP
    /// would keep a pointer to the caller's bytes; use
    /// [`Tcp::tcp_write_ref`] for data in the application's store.
    NeedsRef(Handle),
    /// `input`, the timers, `reset`, `tcp_txnow` or `netif_set_ipaddr`
    /// called from inside a callback.
    Reentrant,
    /// An `LWIP_ASSERT` of lwIP's failed (the port checks those that input
    /// can reach). As the C driver does, the stack is then unusable until
    /// [`Tcp::reset`]: every later input and timer call returns this too.
    Asserted(&'static Assertion),
}

/// An `LWIP_ASSERT` of lwIP's that failed. [`ApiError::Asserted`] holds a
/// reference to one (a constant per assertion site), which keeps
/// `ApiError` two words: every API call's result then comes back in
/// registers (docs/PERFORMANCE.md, "Footprint").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assertion {
    /// lwIP's message, NUL-terminated as `LWIP_ASSERT` hands it to
    /// `LWIP_PLATFORM_ASSERT` ([`Assertion::message`] as text).
    pub msg: &'static core::ffi::CStr,
    /// The file of lwIP 2.2.1 that asserts it.
    pub file: LwipFile,
    /// The line there (`__LINE__`).
    pub line: u16,
}

/// The lwIP 2.2.1 source files the port's assertions come from (a byte
/// in each [`Assertion`], where two more pointers would cost flash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LwipFile {
    /// `tcp.c`.
    Tcp,
    /// `tcp_in.c`.
    TcpIn,
    /// `tcp_out.c`.
    TcpOut,
    /// `mem.c`.
    Mem,
}

impl LwipFile {
    /// The file name, NUL-terminated as `__FILE__`.
    pub fn name(self) -> &'static core::ffi::CStr {
        match self {
            LwipFile::Tcp => c"tcp.c",
            LwipFile::TcpIn => c"tcp_in.c",
            LwipFile::TcpOut => c"tcp_out.c",
            LwipFile::Mem => c"mem.c",
        }
    }
}

impl Assertion {
    /// lwIP's message.
    pub fn message(&self) -> &'static str {
        self.msg.to_str().unwrap_or("")
    }

    /// The file, as text.
    pub fn file_name(&self) -> &'static str {
        self.file.name().to_str().unwrap_or("")
    }
}

/// A callback lwIP made, with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// `accept(arg, newpcb, err)`.
    Accept {
        /// The listener.
        listener: Handle,
        /// The new pcb (None with ERR_MEM).
        new: Option<Handle>,
        /// err argument.
        err: Err,
    },
    /// `connected(arg, pcb, err)`.
    Connected {
        /// The pcb.
        pcb: Handle,
        /// err argument.
        err: Err,
    },
    /// `recv(arg, pcb, p, err)`: `len` None is the FIN (p == NULL).
    Recv {
        /// The pcb.
        pcb: Handle,
        /// `p->tot_len`, None for NULL.
        len: Option<u16>,
        /// err argument.
        err: Err,
    },
    /// `sent(arg, pcb, len)`.
    Sent {
        /// The pcb.
        pcb: Handle,
        /// Bytes acknowledged.
        len: u16,
    },
    /// `poll(arg, pcb)`.
    Poll {
        /// The pcb.
        pcb: Handle,
    },
    /// `err(arg, err)`: the pcb is already freed; logged, not delivered.
    Err {
        /// The pcb.
        pcb: Handle,
        /// The reason.
        err: Err,
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

/// One logged callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Virtual time.
    pub time_ms: u32,
    /// The callback.
    pub callback: Callback,
    /// What the application returned (None for `err`).
    pub ret: Option<Err>,
}

/// `tcp_write` flags (`TCP_WRITE_FLAG_COPY`, `TCP_WRITE_FLAG_MORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteFlags {
    /// `TCP_WRITE_FLAG_COPY`: the data is copied into `PBUF_RAM` pbufs.
    /// Without it the segments reference the application's bytes
    /// (`PBUF_ROM`), which only [`Tcp::tcp_write_ref`] can name.
    pub copy: bool,
    /// `TCP_WRITE_FLAG_MORE`.
    pub more: bool,
}

impl WriteFlags {
    /// `TCP_WRITE_FLAG_COPY` alone.
    pub const COPY: WriteFlags = WriteFlags {
        copy: true,
        more: false,
    };
}

/// The application: what runs inside lwIP's callbacks. Each method gets the
/// stack back and may call the raw API on it. Every method is required: an
/// application states what each of its callbacks does.
pub trait TcpApp<H: Hooks, P: Profile = Full> {
    /// Whether `recv`'s pbuf becomes the application's when `recv` returns
    /// `ERR_OK` or `ERR_ABRT` (lwIP's contract: a C application frees it),
    /// or stays the stack's, which then frees it on the application's
    /// behalf (the port's own applications read it during the call).
    const OWNS_RECV_PBUF: bool;
    /// `accept`.
    fn accept(
        &mut self,
        tcp: &mut Tcp<H, P>,
        listener: Handle,
        new: Option<Handle>,
        err: Err,
    ) -> Err;
    /// `connected`.
    fn connected(&mut self, tcp: &mut Tcp<H, P>, pcb: Handle, err: Err) -> Err;
    /// `recv`: `p` None is the FIN. When the callback returns `ERR_OK` or
    /// `ERR_ABRT` the pbuf chain is the application's
    /// ([`TcpApp::OWNS_RECV_PBUF`]) or the stack frees it (then read it
    /// during the call: [`Tcp::pbuf_copy_partial`]); otherwise the stack
    /// keeps it as refused data.
    fn recv(&mut self, tcp: &mut Tcp<H, P>, pcb: Handle, p: Option<PbufOf<P>>, err: Err) -> Err;
    /// `sent`.
    fn sent(&mut self, tcp: &mut Tcp<H, P>, pcb: Handle, len: u16) -> Err;
    /// `poll`.
    fn poll(&mut self, tcp: &mut Tcp<H, P>, pcb: Handle) -> Err;
    /// `err`: pcb `pcb` is gone (freed before the call, its handle no
    /// longer valid) for reason `err`; `errf` and `arg` are what the pcb
    /// held (a C application's function and argument; for the port's own
    /// layout, "the application's" and nothing).
    fn err(&mut self, tcp: &mut Tcp<H, P>, pcb: Handle, errf: ErrFnOf<P>, arg: ArgOf<P>, err: Err);
}

/// Port of lwIP's `struct tcp_pcb` (tcp.h): lwIP's field names in lwIP's
/// order, `#[repr(C)]`, the C-typed fields as layout `L` says (pool
/// indices and "is set" flags for the port's own storage, C pointers for
/// lwIP's: then this is `struct tcp_pcb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
#[allow(missing_docs)]
pub struct TcpPcb<L: Layout = PortLayout> {
    pub local_ip: L::IpAddr,
    pub remote_ip: L::IpAddr,
    /// `netif_idx`: the netif `tcp_bind_netif` bound the pcb to
    /// ([`NETIF_NO_INDEX`]: none).
    pub netif_idx: u8,
    pub so_options: u8,
    pub tos: u8,
    pub ttl: u8,
    pub next: Option<L::PcbRef>,
    /// `callback_arg` (the port's own layout has none: its application
    /// is one object, which gets the pcb's handle).
    pub callback_arg: L::Arg,
    /// `state` (read with [`TcpPcb::state`], written with
    /// [`TcpPcb::set_state`]).
    pub state: L::State,
    pub prio: u8,
    pub local_port: u16,
    pub remote_port: u16,
    pub flags: TcpFlags,
    pub polltmr: u8,
    pub pollinterval: u8,
    pub last_timer: u8,
    pub tmr: u32,
    pub rcv_nxt: u32,
    pub rcv_wnd: u32,
    pub rcv_ann_wnd: u32,
    pub rcv_ann_right_edge: u32,
    pub rcv_sacks: L::Sacks,
    pub rtime: i16,
    pub mss: u16,
    pub rttest: u32,
    pub rtseq: u32,
    pub sa: i16,
    pub sv: i16,
    pub rto: i16,
    pub nrtx: u8,
    pub dupacks: u8,
    pub lastack: u32,
    pub cwnd: u32,
    pub ssthresh: u32,
    pub rto_end: u32,
    pub snd_nxt: u32,
    pub snd_wl1: u32,
    pub snd_wl2: u32,
    pub snd_lbb: u32,
    pub snd_wnd: u32,
    pub snd_wnd_max: u32,
    pub snd_buf: u32,
    pub snd_queuelen: u16,
    pub unsent_oversize: u16,
    pub bytes_acked: u32,
    pub unsent: Option<L::SegRef>,
    pub unacked: Option<L::SegRef>,
    pub ooseq: Option<L::SegRef>,
    /// `refused_data`.
    pub refused_data: Option<L::Pbuf>,
    pub listener: Option<L::LpcbRef>,
    /// `sent` (set: [`crate::storage::CallbackRepr::is_set`]).
    pub sent: L::SentFn,
    /// `recv` (not set: `tcp_recv_null`).
    pub recv: L::RecvFn,
    pub connected: L::ConnectedFn,
    pub poll: L::PollFn,
    pub errf: L::ErrFn,
    pub ts_lastacksent: L::Ts,
    pub ts_recent: L::Ts,
    pub keep_idle: u32,
    pub keep_intvl: L::Keep,
    pub keep_cnt: L::Keep,
    pub persist_cnt: u8,
    pub persist_backoff: u8,
    pub persist_probe: u8,
    pub keep_cnt_sent: u8,
    pub snd_scale: u8,
    pub rcv_scale: u8,
}

impl<L: Layout> TcpPcb<L> {
    /// All zero, as `memset(pcb, 0, sizeof)` in `tcp_alloc`.
    pub const ZERO: TcpPcb<L> = TcpPcb {
        local_ip: L::IpAddr::ANY,
        remote_ip: L::IpAddr::ANY,
        netif_idx: NETIF_NO_INDEX,
        so_options: 0,
        tos: 0,
        ttl: 0,
        next: None,
        callback_arg: L::Arg::NULL,
        state: L::State::CLOSED,
        prio: 0,
        local_port: 0,
        remote_port: 0,
        flags: 0,
        polltmr: 0,
        pollinterval: 0,
        last_timer: 0,
        tmr: 0,
        rcv_nxt: 0,
        rcv_wnd: 0,
        rcv_ann_wnd: 0,
        rcv_ann_right_edge: 0,
        rcv_sacks: L::Sacks::NULL,
        rtime: 0,
        mss: 0,
        rttest: 0,
        rtseq: 0,
        sa: 0,
        sv: 0,
        rto: 0,
        nrtx: 0,
        dupacks: 0,
        lastack: 0,
        cwnd: 0,
        ssthresh: 0,
        rto_end: 0,
        snd_nxt: 0,
        snd_wl1: 0,
        snd_wl2: 0,
        snd_lbb: 0,
        snd_wnd: 0,
        snd_wnd_max: 0,
        snd_buf: 0,
        snd_queuelen: 0,
        unsent_oversize: 0,
        bytes_acked: 0,
        unsent: None,
        unacked: None,
        ooseq: None,
        refused_data: None,
        listener: None,
        sent: L::SentFn::NULL,
        recv: L::RecvFn::NULL,
        connected: L::ConnectedFn::NULL,
        poll: L::PollFn::NULL,
        errf: L::ErrFn::NULL,
        ts_lastacksent: L::Ts::NULL,
        ts_recent: L::Ts::NULL,
        keep_idle: 0,
        keep_intvl: L::Keep::NULL,
        keep_cnt: L::Keep::NULL,
        persist_cnt: 0,
        persist_backoff: 0,
        persist_probe: 0,
        keep_cnt_sent: 0,
        snd_scale: 0,
        rcv_scale: 0,
    };

    /// `pcb->state`.
    pub fn state(&self) -> TcpState {
        self.state.get()
    }

    /// `pcb->state = s`.
    pub fn set_state(&mut self, s: TcpState) {
        self.state = L::State::of(s);
    }
}

/// Port of lwIP's `struct tcp_pcb_listen` (tcp.h), as [`TcpPcb`]: the
/// fields both share (`IP_PCB`, `TCP_PCB_COMMON`) first, in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
#[allow(missing_docs)]
pub struct TcpPcbListen<L: Layout = PortLayout> {
    pub local_ip: L::IpAddr,
    pub remote_ip: L::IpAddr,
    /// `netif_idx`: the netif `tcp_bind_netif` bound the pcb to
    /// ([`NETIF_NO_INDEX`]: none).
    pub netif_idx: u8,
    pub so_options: u8,
    pub tos: u8,
    pub ttl: u8,
    pub next: Option<L::LpcbRef>,
    pub callback_arg: L::Arg,
    /// `state` ([`TcpPcbListen::state`]).
    pub state: L::State,
    pub prio: u8,
    pub local_port: u16,
    /// `lpcb->accept`.
    pub accept: L::AcceptFn,
    pub backlog: L::Backlog,
    pub accepts_pending: L::Backlog,
}

/// `NETIF_NO_INDEX` (netif.h): a pcb bound to no netif.
pub const NETIF_NO_INDEX: u8 = 0;
/// `netif_get_index()` of the one netif (its `num` 0, plus one).
pub const NETIF_INDEX: u8 = 1;

/// What a listener's accept callback is (`lpcb->accept`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptFn {
    /// NULL: `TCP_EVENT_ACCEPT` yields ERR_ARG (the new pcb is aborted).
    Null,
    /// The application's ([`TcpApp::accept`]).
    App,
    /// `tcp_accept_null` (tcp.c), what `tcp_listen` installs: aborts the
    /// new pcb and returns ERR_ABRT.
    AcceptNull,
}

impl<L: Layout> TcpPcbListen<L> {
    pub(crate) const ZERO: TcpPcbListen<L> = TcpPcbListen {
        local_ip: L::IpAddr::ANY,
        remote_ip: L::IpAddr::ANY,
        netif_idx: NETIF_NO_INDEX,
        so_options: 0,
        tos: 0,
        ttl: 0,
        next: None,
        callback_arg: L::Arg::NULL,
        state: L::State::CLOSED,
        prio: 0,
        local_port: 0,
        accept: L::AcceptFn::NULL,
        accepts_pending: L::Backlog::NULL,
        backlog: L::Backlog::NULL,
    };

    /// `lpcb->state`.
    pub fn state(&self) -> TcpState {
        self.state.get()
    }

    /// `lpcb->state = s`.
    pub fn set_state(&mut self, s: TcpState) {
        self.state = L::State::of(s);
    }
}

/// Port of lwIP's `struct tcp_seg` (tcp_priv.h), in its field order
/// (`#[repr(C)]`). `p` is the segment's pbuf chain: for an outbound segment
/// its payload starts at the TCP header (`tcphdr`), options and data
/// follow; for an out-of-sequence one it is the inbound packet's chain
/// (shared with it, `pbuf_ref`), payload at the data. The header's
/// sequence number and flags are read and written through the storage
/// ([`crate::storage::Storage::seg_seqno`] and its siblings), which
/// knows what `tcphdr` is in its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct TcpSeg<L: Layout = PortLayout> {
    /// `next`.
    pub next: Option<L::SegRef>,
    /// `p` (NULL once `tcp_receive` handed the data on).
    pub p: Option<L::Pbuf>,
    /// `len`: data length (no SYN/FIN).
    pub len: u16,
    /// `oversize_left` (`TCP_OVERSIZE_DBGCHECK`): the room left in the
    /// last pbuf, as `pcb->unsent_oversize` for the last unsent segment.
    pub oversize_left: L::SegOversize,
    /// `chksum` (`TCP_CHECKSUM_ON_COPY`): the port computes a segment's
    /// checksum when it goes out and leaves this 0, as a segment whose
    /// data was not checksummed on copy has it.
    pub chksum: L::SegChksum,
    /// `chksum_swapped` (`TCP_CHECKSUM_ON_COPY`), 0 likewise.
    pub chksum_swapped: L::SegChksumSwapped,
    /// `flags`: `TF_SEG_OPTS_*`.
    pub flags: u8,
    /// `tcphdr`.
    pub tcphdr: L::TcpHdr,
}

impl<L: Layout> TcpSeg<L> {
    pub(crate) const ZERO: TcpSeg<L> = TcpSeg {
        next: None,
        p: None,
        len: 0,
        oversize_left: NullValue::NULL,
        chksum: NullValue::NULL,
        chksum_swapped: NullValue::NULL,
        flags: 0,
        tcphdr: NullValue::NULL,
    };
}

/// [`InputGlobals`] in profile `P`'s terms.
pub(crate) type InputOf<P> = InputGlobals<
    PbufOf<P>,
    TcpHdrOf<<P as Profile>::Storage>,
    NetifOf<<P as Profile>::Storage>,
    IpAddrOf<P>,
>;

/// tcp_in.c's file-scope globals for the segment being processed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InputGlobals<Pb, H, N, A> {
    /// `ip_current_src_addr()`.
    pub(crate) src_ip: A,
    /// `ip_current_dest_addr()`.
    pub(crate) dest_ip: A,
    pub(crate) src_port: u16,
    pub(crate) dest_port: u16,
    pub(crate) seqno: u32,
    pub(crate) ackno: u32,
    pub(crate) wnd: u16,
    pub(crate) flags: u8,
    pub(crate) tcplen: u16,
    /// Header length in bytes.
    pub(crate) hdrlen: usize,
    /// `inseg.p`: the packet's chain, payload at the data.
    pub(crate) inseg_p: Option<Pb>,
    /// `inseg.len`.
    pub(crate) inseg_len: u16,
    /// `TCPH_FLAGS(inseg.tcphdr)` (may lose FIN when trimmed).
    pub(crate) inseg_flags: u8,
    /// `inseg.tcphdr`: the header in the packet's first pbuf, which an
    /// out-of-sequence copy of the segment keeps (`tcp_seg_copy`).
    pub(crate) tcphdr: H,
    /// `ip_current_input_netif()`: the netif the packet came in on.
    pub(crate) netif: Option<N>,
    pub(crate) recv_flags: u8,
    pub(crate) recv_acked: u32,
    /// `recv_data`.
    pub(crate) recv_data: Option<Pb>,
}

impl<Pb, H: NullValue, N, A: IpAddrRepr> InputGlobals<Pb, H, N, A> {
    const ZERO: InputGlobals<Pb, H, N, A> = InputGlobals {
        src_ip: A::ANY,
        dest_ip: A::ANY,
        src_port: 0,
        dest_port: 0,
        seqno: 0,
        ackno: 0,
        wnd: 0,
        flags: 0,
        tcplen: 0,
        hdrlen: 0,
        inseg_p: None,
        inseg_len: 0,
        inseg_flags: 0,
        tcphdr: NullValue::NULL,
        netif: None,
        recv_flags: 0,
        recv_acked: 0,
        recv_data: None,
    };
}

/// What ip4_input reads from an IPv4 header (`iphdr` in the first pbuf).
#[derive(Debug, Clone, Copy)]
struct Ip4Hdr {
    /// `IPH_HL_BYTES`.
    hlen: usize,
    /// `IPH_LEN`.
    len: u16,
    /// `IPH_OFFSET`.
    offset: u16,
    /// `IPH_PROTO`.
    proto: u8,
    src: [u8; 4],
    dest: [u8; 4],
    /// `inet_chksum(iphdr, hlen) == 0` (false when the header is not all
    /// in the first pbuf, which ip4_input drops first).
    chksum_ok: bool,
}

impl Ip4Hdr {
    /// The fields of a version-4 header of at least 20 bytes in `first`.
    fn read(first: &[u8]) -> Option<Ip4Hdr> {
        let b: &[u8; IP_HLEN] = first.get(..IP_HLEN)?.try_into().ok()?;
        if b[0] >> 4 != 4 {
            return None;
        }
        let hlen = usize::from(b[0] & 0x0f) * 4;
        Some(Ip4Hdr {
            hlen,
            len: u16::from_be_bytes([b[2], b[3]]),
            offset: u16::from_be_bytes([b[6], b[7]]),
            proto: b[9],
            src: [b[12], b[13], b[14], b[15]],
            dest: [b[16], b[17], b[18], b[19]],
            chksum_ok: first.get(..hlen).is_some_and(|h| inet_chksum(h) == 0),
        })
    }
}

/// The stack: lwIP's TCP globals and pools, built for profile `P` (its
/// options are constants, as lwipopts.h's are to lwIP). See the module docs.
pub struct Tcp<H: Hooks, P: Profile = Full> {
    /// The platform hooks.
    pub hooks: H,
    pub(crate) profile: PhantomData<fn() -> P>,
    /// The pcb, listen-pcb and segment pools (`memp`), tcp.c's globals and
    /// the IP layer below, as the profile places them.
    pub(crate) st: P::Storage,
    pub(crate) now: u32,
    pub(crate) tcp_timer_ctr: u8,
    /// `tcp_timer` (tcp.c): `tcp_tmr`'s phase (slow timer on odd counts).
    pub(crate) tcp_timer: u8,
    pub(crate) tcp_port: u16,
    /// The message of the `LWIP_ASSERT` that failed, if one did.
    pub(crate) asserted: Option<&'static Assertion>,
    /// lwIP's heap (`MEM_SIZE`, every `PBUF_RAM` pbuf), the pbuf pool and
    /// the `MEMP_PBUF` pool.
    pub(crate) pbufs: PbufsOf<P>,
    pub(crate) inp: InputOf<P>,
    /// The TCP header and options of the segment being processed
    /// (`tcphdr`, `tcphdr_opt1`/`opt2`), read from the packet's pbufs.
    pub(crate) inp_hdr: [u8; 60],
    pub(crate) depth: u32,
}

impl<H: Hooks, P: Profile> Tcp<H, P> {
    /// A stack with nothing configured, every pool empty and every byte
    /// zero (apart from what `hooks` holds): what lwIP's globals are before
    /// `lwip_init()`. It can initialise a `static` (which then lands in
    /// `.bss`) or be built in place; [`Tcp::reset`] then configures it.
    /// Every other call fails or does nothing until then.
    pub const fn zeroed(hooks: H) -> Tcp<H, P> {
        // A profile the port cannot build stops the build here.
        let _ = crate::config::checked::<P>();
        Tcp {
            hooks,
            profile: PhantomData,
            st: P::Storage::EMPTY,
            now: 0,
            tcp_timer_ctr: 0,
            tcp_timer: 0,
            tcp_port: 0,
            pbufs: <PbufsOf<P> as PbufStore>::EMPTY,
            inp: InputGlobals::ZERO,
            inp_hdr: [0; 60],
            depth: 0,
            asserted: None,
        }
    }

    /// A pristine stack (as after `lwip_init()` and `netif_add`), with
    /// `tcp_init` drawing the first local port from `LWIP_RAND()`:
    /// [`Tcp::zeroed`] then [`Tcp::reset`], returned by value (into the
    /// caller's slot). On a small target, place [`Tcp::zeroed`] in a
    /// `static` and call `reset` instead.
    pub fn new(netif: Netif, hooks: H) -> Result<Tcp<H, P>, ApiError> {
        // Built where it is returned: one value, configured in place.
        let mut r = Ok(Tcp::zeroed(hooks));
        if let Ok(t) = &mut r
            && let Err(e) = t.reset(netif)
        {
            r = Err(e);
        }
        r
    }

    /// Back to pristine: no pcbs, clock 0, counters zeroed, logs cleared,
    /// then `tcp_init()` (which calls `LWIP_RAND()` once when the profile
    /// says `LWIP_RAND` is defined).
    pub fn reset(&mut self, netif: Netif) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        self.st.netif_reset(netif);
        self.now = 0;
        self.st.set_tcp_ticks(0);
        self.tcp_timer_ctr = 0;
        self.tcp_timer = 0;
        self.tcp_port = P::CONFIG.tcp_local_port_range_start;
        self.st.set_active_pcbs_changed(false);
        self.st.set_list(List::Bound, None);
        self.st.set_listen_pcbs(None);
        self.st.set_list(List::Active, None);
        self.st.set_list(List::TimeWait, None);
        self.st.set_input_pcb(None);
        self.st.tcp_stats_init();
        self.st.memp_init();
        self.pbufs.init(&P::CONFIG);
        self.inp = InputGlobals::ZERO;
        self.asserted = None;
        self.tcp_init();
        Ok(())
    }

    /// `TCP_STATS_INC(tcp.s)` (nothing without `TCP_STATS`). Inline: over
    /// the port's own storage an increment is one instruction (the
    /// storage over lwIP's keeps its own out of line).
    #[inline]
    pub(crate) fn tcp_stat(&mut self, s: crate::storage::TcpStat) {
        if P::CONFIG.tcp_stats {
            self.st.tcp_stats_inc(s);
        }
    }

    /// `MIB2_STATS_INC(mib2.c)` (nothing without `MIB2_STATS`).
    #[inline]
    pub(crate) fn mib2_stat(&mut self, c: crate::storage::Mib2Tcp) {
        if P::CONFIG.mib2_stats {
            self.st.mib2_tcp_inc(c);
        }
    }

    /// `lwip_stats.mib2`'s TCP counters (`tcpactiveopens`,
    /// `tcppassiveopens`, `tcpattemptfails`, `tcpestabresets`,
    /// `tcpoutsegs`, `tcpretranssegs`, `tcpinsegs`, `tcpinerrs`,
    /// `tcpoutrsts`), as lwIP keeps them (`u32_t`, wrapping).
    pub fn mib2_tcp(&self) -> [u32; crate::storage::MIB2_TCP_COUNTERS] {
        self.st.mib2_tcp()
    }

    /// `lwip_stats.tcp`'s counters (`xmit`, `recv`, `fw`, `drop`,
    /// `chkerr`, `lenerr`, `memerr`, `rterr`, `proterr`, `opterr`, `err`,
    /// `cachehit`), as lwIP keeps them (`u16_t`, wrapping).
    pub fn tcp_stats(&self) -> [u16; crate::storage::TCP_STATS_COUNTERS] {
        self.st.tcp_stats()
    }

    /// Port of lwIP's `tcp_init()` (tcp.c).
    fn tcp_init(&mut self) {
        if P::CONFIG.lwip_rand_defined {
            let r = self.hooks.lwip_rand();
            // LWIP_RAND() is converted to u16_t by the macro's argument use.
            self.tcp_port = P::CONFIG.tcp_ensure_local_port_range(r as u16);
        }
    }

    /// The profile's options.
    pub const fn config(&self) -> Config {
        P::CONFIG
    }

    /// The port's netif (None over lwIP's netifs).
    #[cfg(test)]
    pub fn netif(&self) -> Option<Netif> {
        self.st.port_netif()
    }

    /// `sys_now()`.
    pub fn now(&self) -> u32 {
        self.now
    }

    // -- handles ------------------------------------------------------------

    pub(crate) fn conn_handle(&self, i: PcbOf<P>) -> Handle {
        Handle {
            listen: false,
            idx: self.st.pcb_index(i),
            generation: self.st.pcb_generation(i),
        }
    }

    pub(crate) fn listen_handle(&self, l: LpcbOf<P>) -> Handle {
        Handle {
            listen: true,
            idx: self.st.lpcb_index(l),
            generation: self.st.lpcb_generation(l),
        }
    }

    /// The handle of connection pcb `r`, a reference its storage handed
    /// out (for lwIP's storage: a `struct tcp_pcb *` the C side passed, which
    /// the storage checked).
    pub fn handle_of_pcb(&self, r: PcbOf<P>) -> Handle {
        self.conn_handle(r)
    }

    /// The handle of listening pcb `l`.
    pub fn handle_of_lpcb(&self, l: LpcbOf<P>) -> Handle {
        self.listen_handle(l)
    }

    /// The live connection pcb `h` names (lwIP's storage: its
    /// `struct tcp_pcb *`).
    pub fn pcb_of(&self, h: Handle) -> Result<PcbOf<P>, ApiError> {
        self.resolve_conn(h)
    }

    /// The live listening pcb `h` names.
    pub fn lpcb_of(&self, h: Handle) -> Result<LpcbOf<P>, ApiError> {
        self.resolve_listen(h)
    }

    /// The profile's storage: the pools, tcp.c's globals, the IP layer.
    pub fn storage(&self) -> &P::Storage {
        &self.st
    }

    /// The live connection pcb a handle names.
    pub(crate) fn resolve_conn(&self, h: Handle) -> Result<PcbOf<P>, ApiError> {
        if h.listen {
            return if self.resolve_listen(h).is_ok() {
                Err(ApiError::ListenPcb(h))
            } else {
                Err(ApiError::Invalid(h))
            };
        }
        match self.st.pcb_at(h.idx) {
            Some(i) if self.conn_alive(i, h.generation) => Ok(i),
            _ => Err(ApiError::Invalid(h)),
        }
    }

    /// The live listening pcb a handle names.
    pub(crate) fn resolve_listen(&self, h: Handle) -> Result<LpcbOf<P>, ApiError> {
        if !h.listen {
            return Err(ApiError::Invalid(h));
        }
        match self.st.lpcb_at(h.idx) {
            Some(l) if self.st.lpcb_alive(l, h.generation) => Ok(l),
            _ => Err(ApiError::Invalid(h)),
        }
    }

    /// Whether the handle names a live pcb.
    #[cfg(test)]
    pub fn is_valid(&self, h: Handle) -> bool {
        if h.listen {
            self.resolve_listen(h).is_ok()
        } else {
            self.resolve_conn(h).is_ok()
        }
    }

    pub(crate) fn conn_alive(&self, i: PcbOf<P>, generation: u32) -> bool {
        self.st.pcb_alive(i, generation)
    }

    /// A copy of a connection pcb's state.
    pub fn pcb(&self, h: Handle) -> Result<&TcpPcb<LayoutOf<P>>, ApiError> {
        let i = self.resolve_conn(h)?;
        Ok(self.pcb_ref(i))
    }

    /// A listening pcb's state.
    pub fn listen_pcb(&self, h: Handle) -> Result<&TcpPcbListen<LayoutOf<P>>, ApiError> {
        let i = self.resolve_listen(h)?;
        Ok(self.lpcb_ref(i))
    }

    /// Bytes on the unsent queue of a pcb.
    #[cfg(test)]
    pub fn unsent_bytes(&self, h: Handle) -> Result<u32, ApiError> {
        let i = self.resolve_conn(h)?;
        let mut n = 0u32;
        let mut s = self.pcb_ref(i).unsent;
        while let Some(si) = s {
            n = n.wrapping_add(u32::from(self.seg_ref(si).len));
            s = self.seg_ref(si).next;
        }
        Ok(n)
    }

    /// Segments and data bytes on a pcb's queues, in the order unsent,
    /// unacked, ooseq (what a walk of `pcb->unsent` etc. counts).
    pub fn queue_lens(&self, h: Handle) -> Result<[(u32, u32); 3], ApiError> {
        let i = self.resolve_conn(h)?;
        let p = self.pcb_ref(i);
        let count = |head: Option<SegOf<P>>| {
            let (mut segs, mut bytes) = (0u32, 0u32);
            let mut s = head;
            while let Some(si) = s {
                segs = segs.wrapping_add(1);
                bytes = bytes.wrapping_add(u32::from(self.seg_ref(si).len));
                s = self.seg_ref(si).next;
            }
            (segs, bytes)
        };
        Ok([count(p.unsent), count(p.unacked), count(p.ooseq)])
    }

    /// The handle of a connection pcb's listener (`pcb->listener`), for a
    /// pcb a listener made and that is not yet accepted.
    pub fn listener_of(&self, h: Handle) -> Result<Option<Handle>, ApiError> {
        let i = self.resolve_conn(h)?;
        Ok(self.pcb_ref(i).listener.map(|l| self.listen_handle(l)))
    }

    /// Bytes of refused data a pcb holds.
    pub fn refused_bytes(&self, h: Handle) -> Result<usize, ApiError> {
        let i = self.resolve_conn(h)?;
        Ok(self
            .pcb_ref(i)
            .refused_data
            .map_or(0, |p| usize::from(self.pbufs.tot_len(p))))
    }

    /// Every pcb on lwIP's lists, in lwIP's order: listen, bound, active,
    /// TIME_WAIT. Calls `f(handle, state)` for each.
    pub fn for_each_listed(&self, mut f: impl FnMut(Handle, TcpState)) {
        self.for_each_on_list(|h, st, _| f(h, st));
    }

    /// As [`Tcp::for_each_listed`], also naming the list (`None`: the
    /// listening pcbs, `tcp_listen_pcbs`).
    pub fn for_each_on_list(&self, mut f: impl FnMut(Handle, TcpState, Option<List>)) {
        let mut l = self.st.listen_pcbs();
        while let Some(i) = l {
            f(self.listen_handle(i), TcpState::Listen, None);
            l = self.lpcb_ref(i).next;
        }
        for (list, head) in [
            (List::Bound, self.st.list(List::Bound)),
            (List::Active, self.st.list(List::Active)),
            (List::TimeWait, self.st.list(List::TimeWait)),
        ] {
            let mut p = head;
            while let Some(i) = p {
                f(self.conn_handle(i), self.pcb_ref(i).state(), Some(list));
                p = self.pcb_ref(i).next;
            }
        }
    }

    // -- pool access (never panics; see `slot`) ---------------------------

    pub(crate) fn pcb_ref(&self, i: PcbOf<P>) -> &TcpPcb<LayoutOf<P>> {
        self.st.pcb(i)
    }

    pub(crate) fn p(&mut self, i: PcbOf<P>) -> &mut TcpPcb<LayoutOf<P>> {
        self.st.pcb_mut(i)
    }

    pub(crate) fn lpcb_ref(&self, i: LpcbOf<P>) -> &TcpPcbListen<LayoutOf<P>> {
        self.st.lpcb(i)
    }

    pub(crate) fn lp(&mut self, i: LpcbOf<P>) -> &mut TcpPcbListen<LayoutOf<P>> {
        self.st.lpcb_mut(i)
    }

    pub(crate) fn seg_ref(&self, i: SegOf<P>) -> &TcpSeg<LayoutOf<P>> {
        self.st.seg(i)
    }

    pub(crate) fn sg(&mut self, i: SegOf<P>) -> &mut TcpSeg<LayoutOf<P>> {
        self.st.seg_mut(i)
    }

    /// `ntohl(seg->tcphdr->seqno)`.
    pub(crate) fn seg_seqno(&self, i: SegOf<P>) -> u32 {
        self.st.seg_seqno(i)
    }

    /// `seg->tcphdr->seqno = htonl(v)`.
    pub(crate) fn seg_set_seqno(&mut self, i: SegOf<P>, v: u32) {
        self.st.seg_set_seqno(i, v);
    }

    /// `seg->tcphdr->seqno` of a received segment (host order there).
    pub(crate) fn in_seg_seqno(&self, i: SegOf<P>) -> u32 {
        self.st.in_seg_seqno(i)
    }

    /// `seg->tcphdr->seqno = v` of a received segment.
    pub(crate) fn in_seg_set_seqno(&mut self, i: SegOf<P>, v: u32) {
        self.st.in_seg_set_seqno(i, v);
    }

    /// `TCPH_FLAGS(seg->tcphdr)`.
    pub(crate) fn seg_hdr_flags(&self, i: SegOf<P>) -> u8 {
        self.st.seg_hdr_flags(i)
    }

    /// `TCPH_FLAGS_SET(seg->tcphdr, flags)`.
    pub(crate) fn seg_set_hdr_flags(&mut self, i: SegOf<P>, flags: u8) {
        self.st.seg_set_hdr_flags(i, flags);
    }

    /// `TCP_TCPLEN(seg)`: the segment's length in sequence space.
    pub(crate) fn seg_tcplen(&self, i: SegOf<P>) -> u32 {
        Self::tcp_tcplen(self.seg_ref(i).len, self.seg_hdr_flags(i))
    }

    /// `memp_malloc(MEMP_TCP_PCB)` (not zeroed: `tcp_alloc` initialises
    /// it).
    pub(crate) fn memp_alloc_pcb(&mut self) -> Option<PcbOf<P>> {
        self.st.alloc_pcb(usize::from(P::CONFIG.memp_num_tcp_pcb))
    }

    /// `memp_free(MEMP_TCP_PCB, pcb)` (tcp_free).
    pub(crate) fn memp_free_pcb(&mut self, i: PcbOf<P>) {
        self.st.free_pcb(i);
    }

    /// `memp_malloc(MEMP_TCP_PCB_LISTEN)` (tcp_listen initialises it).
    pub(crate) fn memp_alloc_lpcb(&mut self) -> Option<LpcbOf<P>> {
        self.st
            .alloc_lpcb(usize::from(P::CONFIG.memp_num_tcp_pcb_listen))
    }

    /// `memp_free(MEMP_TCP_PCB_LISTEN, lpcb)`.
    pub(crate) fn memp_free_lpcb(&mut self, i: LpcbOf<P>) {
        self.st.free_lpcb(i);
    }

    /// `memp_malloc(MEMP_TCP_SEG)`, the segment zeroed.
    pub(crate) fn memp_alloc_seg(&mut self) -> Option<SegOf<P>> {
        let i = self.st.alloc_seg(usize::from(P::CONFIG.memp_num_tcp_seg))?;
        *self.st.seg_mut(i) = TcpSeg::ZERO;
        Some(i)
    }

    /// Number of segments in use (`MEMP_TCP_SEG` stats).
    pub fn segs_used(&self) -> usize {
        self.st.memp_used(Pool::TcpSeg)
    }

    /// Number of connection pcbs in use (`MEMP_TCP_PCB` stats).
    pub fn pcbs_used(&self) -> usize {
        self.st.memp_used(Pool::TcpPcb)
    }

    /// Number of listening pcbs in use (`MEMP_TCP_PCB_LISTEN` stats).
    pub fn lpcbs_used(&self) -> usize {
        self.st.memp_used(Pool::TcpPcbListen)
    }

    /// `PBUF_ROM` pbufs in use (`MEMP_PBUF` stats).
    pub fn memp_pbufs_used(&self) -> usize {
        usize::from(self.pbufs.memp_pbuf_used())
    }

    /// Pool pbufs in use (`MEMP_PBUF_POOL` stats).
    pub fn pool_pbufs_used(&self) -> usize {
        usize::from(self.pbufs.pool_used())
    }

    /// Heap bytes in use, block headers included (`lwip_stats.mem.used`).
    pub fn heap_used(&self) -> u32 {
        self.pbufs.heap_used()
    }

    /// `lwip_stats.mem.max`: the most heap bytes ever in use.
    pub fn heap_max(&self) -> u32 {
        self.pbufs.heap_max()
    }

    /// `lwip_stats.mem.err`: failed heap allocations.
    pub fn heap_errors(&self) -> u32 {
        self.pbufs.heap_errors()
    }

    /// `pbuf_copy_partial(p, dst, dst.len(), offset)` (pbuf.c) on a pbuf
    /// the stack handed to the application (recv): returns the bytes
    /// copied.
    pub fn pbuf_copy_partial(&self, p: PbufOf<P>, dst: &mut [u8], offset: u16) -> u16 {
        self.pbufs.pbuf_copy_partial(&self.hooks, p, dst, offset)
    }

    /// `p->tot_len` of a pbuf the stack handed to the application.
    pub fn pbuf_tot_len(&self, p: PbufOf<P>) -> u16 {
        self.pbufs.tot_len(p)
    }

    /// `p->flags` of a pbuf the stack handed to the application
    /// (`PBUF_FLAG_PUSH`: the segment carried PSH).
    pub fn pbuf_flags(&self, p: PbufOf<P>) -> u8 {
        self.pbufs.flags(p)
    }

    /// `pbuf_alloc(layer, length, PBUF_RAM)`.
    pub(crate) fn pbuf_alloc_ram(&mut self, layer: u16, length: u16) -> Option<PbufOf<P>> {
        self.pbufs.pbuf_alloc(layer, length, PbufType::Ram)
    }

    /// `pbuf_free(p)`: a heap block lwIP's `mem_free` would refuse
    /// (`LWIP_MEM_ILLEGAL_FREE`) stops the stack with lwIP's assertion.
    pub(crate) fn pbuf_free(&mut self, p: PbufOf<P>) -> u8 {
        let n = self.pbufs.pbuf_free(p);
        if let Some(e) = self.pbufs.illegal_free() {
            let _ = self.lwip_assert_failed(e.assertion());
        }
        n
    }

    /// `pbuf_realloc(p, new_len)`; an `LWIP_ASSERT` mem_trim fails
    /// poisons the stack as lwIP's would stop it.
    pub(crate) fn pbuf_realloc(&mut self, p: PbufOf<P>, new_len: u16) {
        if let Err(msg) = self.pbufs.pbuf_realloc(p, new_len) {
            let a = if msg == "invalid next ptr" {
                &Assertion {
                    msg: c"invalid next ptr",
                    file: crate::stack::LwipFile::Mem,
                    line: 777,
                }
            } else {
                &Assertion {
                    msg: c"mem_trim can only shrink memory",
                    file: crate::stack::LwipFile::Mem,
                    line: 727,
                }
            };
            let _ = self.lwip_assert_failed(a);
        }
    }

    // -- lists (TCP_REG / TCP_RMV) -----------------------------------------

    /// Port of lwIP's `TCP_REG` (tcp_priv.h): push front, then
    /// `tcp_timer_needed()` (`TCP_REG_ACTIVE` then sets
    /// `tcp_active_pcbs_changed`).
    pub(crate) fn tcp_reg(&mut self, l: List, i: PcbOf<P>) {
        let head = self.st.list(l);
        self.p(i).next = head;
        self.st.set_list(l, Some(i));
        self.st.tcp_timer_needed();
        if l == List::Active {
            self.st.set_active_pcbs_changed(true);
        }
    }

    /// Port of lwIP's `TCP_RMV` (tcp_priv.h). Like C, the removed pcb's
    /// `next` is left as is.
    pub(crate) fn tcp_rmv(&mut self, l: List, i: PcbOf<P>) {
        let head = self.st.list(l);
        if head == Some(i) {
            let n = self.pcb_ref(i).next;
            self.st.set_list(l, n);
        } else {
            let mut cur = head;
            while let Some(c) = cur {
                let n = self.pcb_ref(c).next;
                if n == Some(i) {
                    let nn = self.pcb_ref(i).next;
                    self.p(c).next = nn;
                    break;
                }
                cur = n;
            }
        }
        if l == List::Active {
            self.st.set_active_pcbs_changed(true);
        }
    }

    /// `TCP_REG(&tcp_listen_pcbs.pcbs, lpcb)`.
    pub(crate) fn tcp_reg_listen(&mut self, i: LpcbOf<P>) {
        let head = self.st.listen_pcbs();
        self.lp(i).next = head;
        self.st.set_listen_pcbs(Some(i));
        self.st.tcp_timer_needed();
    }

    pub(crate) fn tcp_rmv_listen(&mut self, i: LpcbOf<P>) {
        if self.st.listen_pcbs() == Some(i) {
            self.st.set_listen_pcbs(self.lpcb_ref(i).next);
            return;
        }
        let mut cur = self.st.listen_pcbs();
        while let Some(c) = cur {
            let n = self.lpcb_ref(c).next;
            if n == Some(i) {
                let nn = self.lpcb_ref(i).next;
                self.lp(c).next = nn;
                return;
            }
            cur = n;
        }
    }

    // -- events --------------------------------------------------------------

    /// A callback is being made: logged through the hooks (None after a
    /// failed assertion: lwIP makes no more callbacks then).
    pub(crate) fn ev_push(&mut self, callback: Callback) -> Option<u32> {
        if self.asserted.is_some() {
            return None;
        }
        Some(self.hooks.callback_made(Event {
            time_ms: self.now,
            callback,
            ret: None,
        }))
    }

    /// The callback [`Tcp::ev_push`] logged returned `ret`. A callback in
    /// which a nested call asserted still returns (the C driver unwinds
    /// only lwIP's frames of that nested call), so its value is logged;
    /// lwIP then stops when the callback returns.
    pub(crate) fn ev_ret(&mut self, token: Option<u32>, ret: Err) {
        if let Some(t) = token {
            self.hooks.callback_returned(t, ret);
        }
    }

    /// `LWIP_ASSERT(msg, cond)` failed: the stack is poisoned; the caller
    /// returns the error at once, as C's assertion leaves the function.
    #[cold]
    #[inline(never)]
    pub(crate) fn lwip_assert_failed(&mut self, a: &'static Assertion) -> ApiError {
        self.asserted = Some(a);
        self.hooks.lwip_assert(a);
        ApiError::Asserted(a)
    }

    /// The failed `LWIP_ASSERT` (message, C location), if one failed since
    /// the reset.
    pub fn asserted(&self) -> Option<&'static Assertion> {
        self.asserted
    }

    /// `TCP_EVENT_ERR` (tcp_priv.h): `errf(arg, err)` for a freed pcb
    /// whose `errf` was set (the pcb's `errf` and `callback_arg`, saved
    /// before it was freed), logged and made to `app`.
    #[cold]
    pub(crate) fn tcp_event_err<A: TcpApp<H, P>>(
        &mut self,
        app: &mut A,
        errf: ErrFnOf<P>,
        arg: ArgOf<P>,
        h: Handle,
        err: Err,
    ) {
        if errf.is_set() {
            self.ev_push(Callback::Err { pcb: h, err });
            self.call_app(app, |a, t| a.err(t, h, errf, arg, err));
        }
    }

    // -- IP ------------------------------------------------------------------

    /// `ip_output_if(p, src, dest, ttl, tos, IP_PROTO_TCP, n)` through the
    /// storage's IP layer; the port's own gives the packet to the hooks
    /// (`netif_output`), unless an `LWIP_ASSERT` failed (lwIP has left the
    /// call then: longjmp in the C driver, nothing more goes out).
    pub(crate) fn ip_output_if(
        &mut self,
        p: PbufOf<P>,
        src: &IpOf<P::Storage>,
        dest: &IpOf<P::Storage>,
        ttl: u8,
        tos: u8,
        n: NetifOf<P::Storage>,
    ) -> Err {
        let (hooks, now, asserted) = (&mut self.hooks, self.now, self.asserted);
        self.st
            .ip_output_if(&mut self.pbufs, p, src, dest, ttl, tos, n, |pbufs, p| {
                if asserted.is_none() {
                    hooks.netif_output(now, Packet { pbufs, p });
                }
            })
    }

    /// `ip4_addr_ismulticast`.
    pub(crate) fn ip4_addr_ismulticast(addr: [u8; 4]) -> bool {
        addr[0] & 0xf0 == 0xe0
    }

    /// Injects one inbound IPv4 packet: `ip4_input`'s checks (see
    /// lwip-c's shim.h), then [`Tcp::tcp_input`]. Returns `ERR_OK`
    /// (ip4_input's value), `ERR_MEM` when the pbuf pool cannot hold the
    /// packet, `ERR_ARG` beyond 65535 bytes.
    pub fn input<A: TcpApp<H, P>>(&mut self, packet: &[u8], app: &mut A) -> Result<Err, ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        let Ok(len) = u16::try_from(packet.len()) else {
            return Ok(Err::Arg);
        };
        // The netif driver: pbuf_alloc(PBUF_RAW, len, PBUF_POOL) (a chain
        // when the packet is longer than PBUF_POOL_BUFSIZE), the bytes
        // copied in.
        let Some(p) = self.pbufs.pbuf_alloc(0, len, PbufType::Pool) else {
            return Ok(Err::Mem);
        };
        self.pbufs.pbuf_take(p, packet);
        // ip_input(): in a dual-stack build ip6_input for version 6 and
        // ip4_input for anything else; otherwise the build's one.
        let ip = <IpAddrOf<P>>::HAS_V4;
        let ip6 = <IpAddrOf<P>>::HAS_V6;
        if ip6 && (!ip || packet.first().is_some_and(|b| b >> 4 == 6)) {
            self.ip6_input(p, app);
        } else {
            self.ip4_input(p, app);
        }
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        Ok(Err::Ok)
    }

    /// Port of `ip4_input()` (ip4.c) for this build (see lwip-c's
    /// shim.h): the packet `p` is freed when it is dropped, else its
    /// payload moves past the IP header and it goes to `tcp_input`.
    fn ip4_input<A: TcpApp<H, P>>(&mut self, p: PbufOf<P>, app: &mut A) {
        // The header is read from the first pbuf (`iphdr = p->payload`).
        let hdr = Ip4Hdr::read(self.pbufs.payload(&self.hooks, p));
        if hdr.is_some_and(|h| self.ip4_accept(p, &h)) {
            self.tcp_input(p, app);
        } else {
            self.pbuf_free(p);
        }
    }

    /// Port of `ip6_input()` (ip6.c) for this build ([`crate::ip6::input_checks`],
    /// lwip-c's shim.h): the packet `p` is freed when it is dropped, else
    /// it is trimmed to its payload length, its payload moves past the IPv6
    /// and extension headers, and it goes to `tcp_input`.
    fn ip6_input<A: TcpApp<H, P>>(&mut self, p: PbufOf<P>, app: &mut A) {
        let n = self.st.netif_get_by_index(NETIF_INDEX);
        let checks = match n {
            Some(n) => crate::ip6::input_checks(
                self.pbufs.payload(&self.hooks, p),
                self.pbufs.tot_len(p),
                self.st.netif_ip6(n),
            ),
            None => crate::ip6::Ip6Input::Drop,
        };
        let crate::ip6::Ip6Input::Tcp {
            trimmed,
            hlen_tot,
            src,
            dest,
        } = checks
        else {
            self.pbuf_free(p);
            return;
        };
        let (Some(src), Some(dest)) = (
            <IpAddrOf<P>>::from_ip(lwip_vocab::IpAddr::V6(src)),
            <IpAddrOf<P>>::from_ip(lwip_vocab::IpAddr::V6(dest)),
        ) else {
            self.pbuf_free(p);
            return;
        };
        // pbuf_realloc(p, IP6_HLEN + IP6H_PLEN), unconditionally as ip6.c
        // calls it (it only ever shrinks).
        self.pbuf_realloc(p, trimmed);
        self.inp.src_ip = src;
        self.inp.dest_ip = dest;
        self.inp.netif = n;
        if self.pbufs.pbuf_remove_header(p, hlen_tot) {
            self.tcp_input(p, app);
        } else {
            self.pbuf_free(p);
        }
    }

    /// ip4_input's checks on `p`, whose first pbuf starts with `hdr`:
    /// whether it goes to TCP (the payload then past the IP header, the
    /// addresses in `inp`).
    fn ip4_accept(&mut self, p: PbufOf<P>, hdr: &Ip4Hdr) -> bool {
        // Trim the pbuf to the IP total length, then the checks.
        if hdr.len < self.pbufs.tot_len(p) {
            self.pbuf_realloc(p, hdr.len);
        }
        if hdr.hlen > usize::from(self.pbufs.len(p))
            || usize::from(hdr.len) > usize::from(self.pbufs.tot_len(p))
            || hdr.hlen < IP_HLEN
            || !hdr.chksum_ok
        {
            return false;
        }
        let (src, dest) = (hdr.src, hdr.dest);
        // The netif the packet came in on: the port's one.
        let Some(n) = self.st.netif_get_by_index(NETIF_INDEX) else {
            return false;
        };
        let ip = self.st.netif_ip4(n);
        // Multicast destinations are accepted by the netif without IGMP
        // (tcp_input drops them); unicast must be ours or a broadcast.
        let accept = if Self::ip4_addr_ismulticast(dest) {
            ip != [0; 4]
        } else {
            dest == ip || self.st.ip4_addr_isbroadcast(dest, n)
        };
        if !accept || self.st.ip4_addr_isbroadcast(src, n) || Self::ip4_addr_ismulticast(src) {
            return false;
        }
        if hdr.offset & (IP_OFFMASK | IP_MF) != 0 || hdr.proto != IP_PROTO_TCP {
            return false;
        }
        self.inp.src_ip = IpAddrRepr::from_v4(src);
        self.inp.dest_ip = IpAddrRepr::from_v4(dest);
        self.inp.netif = Some(n);
        self.pbufs.pbuf_remove_header(p, hdr.hlen as u16)
    }

    /// Runs an application callback with the stack re-entrant.
    pub(crate) fn call_app<A: TcpApp<H, P>, R>(
        &mut self,
        app: &mut A,
        f: impl FnOnce(&mut A, &mut Tcp<H, P>) -> R,
    ) -> R {
        self.depth = self.depth.saturating_add(1);
        let r = f(app, self);
        self.depth = self.depth.saturating_sub(1);
        r
    }
}

/// The connection-pcb lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// `tcp_bound_pcbs`.
    Bound,
    /// `tcp_active_pcbs`.
    Active,
    /// `tcp_tw_pcbs`.
    TimeWait,
}
