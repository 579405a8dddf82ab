//! Where the stack's pcbs, listen pcbs and segments live: lwIP's `memp`
//! pools for `MEMP_TCP_PCB`, `MEMP_TCP_PCB_LISTEN` and `MEMP_TCP_SEG`,
//! behind one trait.
//!
//! The TCP code names an element by its index in its pool (a `u8`, as
//! lwIP's pools are arrays of `MEMP_NUM_*` elements) and reaches it only
//! through [`Storage`]: allocation (`memp_malloc`), release (`memp_free`),
//! the element itself, and the pools' statistics. [`Pools`] is the port's
//! own storage, arrays inside the stack (for the harness, the fuzzers and
//! a Rust firmware); a build linked into lwIP implements the same trait
//! over lwIP's own `memp.c` pools (docs/drop-in.md), so that the TCP logic
//! exists once.
//!
//! A profile names its storage ([`crate::Profile::Storage`]); a profile
//! whose `MEMP_NUM_*` exceed the storage's capacities does not compile
//! ([`crate::config::checked`]).

use core::fmt::Debug;

use crate::err::Err;
use crate::ip4::{PortAddr, PortIp, PortNetif};
use crate::options::TcpSackRange;
use crate::pbuf::{Pbuf, PbufStore, Pbufs};
use crate::stack::{List, MAX_SACKS, NETIF_INDEX, Netif, TcpPcb, TcpPcbListen, TcpSeg};
use crate::state::TcpState;

/// lwIP's pools that hold TCP's structures (`memp_t`, memp_std.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// `MEMP_TCP_PCB`: `struct tcp_pcb`.
    TcpPcb,
    /// `MEMP_TCP_PCB_LISTEN`: `struct tcp_pcb_listen`.
    TcpPcbListen,
    /// `MEMP_TCP_SEG`: `struct tcp_seg`.
    TcpSeg,
}

/// What the C-typed fields of lwIP's TCP structures are in one build: a
/// marker type whose associated types the structures ([`TcpPcb`],
/// [`TcpPcbListen`], [`TcpSeg`]) are built from. For the port's own
/// storage ([`PortLayout`]) a link is a pool index and the state a
/// [`TcpState`]; for lwIP's pools a link is a C pointer and the state a C
/// enum, so that the structures have `struct tcp_pcb`'s layout.
pub trait Layout: Copy + Eq + Debug {
    /// `struct tcp_pcb *` (never NULL: a link is `Option<PcbRef>`).
    type PcbRef: Copy + Eq + Debug;
    /// `struct tcp_pcb_listen *`.
    type LpcbRef: Copy + Eq + Debug;
    /// `struct tcp_seg *`.
    type SegRef: Copy + Eq + Debug;
    /// `enum tcp_state` as the structures store it.
    type State: StateRepr;
    /// `ip_addr_t` as the structures store it.
    type IpAddr: IpAddrRepr;
    /// `void *callback_arg`.
    type Arg: Copy + Eq + Debug + NullValue;
    /// `tcp_recv_fn recv`.
    type RecvFn: CallbackRepr;
    /// `tcp_sent_fn sent`.
    type SentFn: CallbackRepr;
    /// `tcp_connected_fn connected`.
    type ConnectedFn: CallbackRepr;
    /// `tcp_poll_fn poll`.
    type PollFn: CallbackRepr;
    /// `tcp_err_fn errf`.
    type ErrFn: CallbackRepr;
    /// `tcp_accept_fn accept` (listen pcbs).
    type AcceptFn: AcceptRepr;
    /// `struct tcp_sack_range rcv_sacks[LWIP_TCP_MAX_SACK_NUM]`
    /// (`LWIP_TCP_SACK_OUT`; [`Absent`] without).
    type Sacks: SackTable;
    /// `ts_lastacksent`, `ts_recent` (`LWIP_TCP_TIMESTAMPS`).
    type Ts: OptField<u32>;
    /// `keep_intvl`, `keep_cnt` (`LWIP_TCP_KEEPALIVE`).
    type Keep: OptField<u32>;
    /// A listen pcb's `accepts_pending`, `backlog` (`TCP_LISTEN_BACKLOG`).
    type Backlog: OptField<u8>;
    /// `struct pbuf *` (never NULL).
    type Pbuf: Copy + Eq + Debug;
    /// A segment's `oversize_left` (`TCP_OVERSIZE_DBGCHECK`; [`Absent`]
    /// without).
    type SegOversize: OptField<u16>;
    /// A segment's `chksum` (`TCP_CHECKSUM_ON_COPY`; [`Absent`] without).
    type SegChksum: OptField<u16>;
    /// A segment's `chksum_swapped` (`TCP_CHECKSUM_ON_COPY`).
    type SegChksumSwapped: OptField<u8>;
    /// A segment's `struct tcp_hdr *tcphdr`: where its TCP header is,
    /// whose sequence number and flags the TCP code reads and writes
    /// through [`Storage::seg_seqno`] and its siblings. lwIP's is a pointer
    /// into the segment's first pbuf; the port's own ([`PortTcpHdr`]) holds
    /// the two fields themselves, and the port writes the whole header when
    /// the segment goes out.
    type TcpHdr: Copy + Eq + Debug + NullValue;
    /// `struct netif *` (never NULL): a netif of the IP layer below.
    type Netif: Copy + Eq + Debug;
}

/// A value a zeroed structure holds (NULL for a pointer).
pub trait NullValue {
    /// That value.
    const NULL: Self;
}

impl NullValue for () {
    const NULL: () = ();
}

impl NullValue for bool {
    const NULL: bool = false;
}

/// How a structure stores one of lwIP's callback pointers.
pub trait CallbackRepr: Copy + Eq + Debug + NullValue {
    /// `pcb->cb != NULL`.
    fn is_set(&self) -> bool;
    /// The application's callback where the port's API registers it: for
    /// the port's own layout, whose application is one [`crate::TcpApp`]
    /// object, "the application's" (`true`); None for a layout whose
    /// application registers C function pointers itself.
    fn app() -> Option<Self>;
}

impl CallbackRepr for bool {
    fn is_set(&self) -> bool {
        *self
    }
    fn app() -> Option<bool> {
        Some(true)
    }
}

/// What the port's API registers where lwIP's harness shim registers its
/// callback (tcp_new's recv, sent and err, tcp_connect's connected): the
/// application's ([`CallbackRepr::app`]), or NULL in a layout without one
/// (a C application registers its own).
pub fn app_or_null<T: CallbackRepr>() -> T {
    T::app().unwrap_or(T::NULL)
}

/// How a listen pcb stores `accept`.
pub trait AcceptRepr: Copy + Eq + Debug + NullValue {
    /// `tcp_accept_null`, which `tcp_listen` installs.
    const ACCEPT_NULL: Self;
    /// Which callback it is.
    fn kind(&self) -> crate::stack::AcceptFn;
    /// The callback of that kind, where the port names it (as
    /// [`CallbackRepr::app`]: a C layout has no value for "the
    /// application's").
    fn from_kind(k: crate::stack::AcceptFn) -> Option<Self>;
}

impl NullValue for crate::stack::AcceptFn {
    const NULL: crate::stack::AcceptFn = crate::stack::AcceptFn::Null;
}

impl AcceptRepr for crate::stack::AcceptFn {
    const ACCEPT_NULL: crate::stack::AcceptFn = crate::stack::AcceptFn::AcceptNull;
    fn kind(&self) -> crate::stack::AcceptFn {
        *self
    }
    fn from_kind(k: crate::stack::AcceptFn) -> Option<crate::stack::AcceptFn> {
        Some(k)
    }
}

/// A field lwipopts.h may compile out: the value, or [`Absent`] where the
/// build has no such field. The code that uses it runs only when the option
/// is on; [`Absent`] reads as the type's default and ignores writes, as a
/// field that does not exist.
pub trait OptField<T>: Copy + Eq + Debug + NullValue {
    /// Whether the build has the field.
    const PRESENT: bool;
    /// The value.
    fn get(&self) -> T;
    /// Stores `v`.
    fn set(&mut self, v: T);
}

macro_rules! present_field {
    ($t:ty) => {
        impl NullValue for $t {
            const NULL: $t = 0;
        }

        impl OptField<$t> for $t {
            const PRESENT: bool = true;
            fn get(&self) -> $t {
                *self
            }
            fn set(&mut self, v: $t) {
                *self = v;
            }
        }
    };
}

present_field!(u8);
present_field!(u16);
present_field!(u32);

/// A field the build compiles out: no bytes in the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Absent;

impl NullValue for Absent {
    const NULL: Absent = Absent;
}

impl<T: Default> OptField<T> for Absent {
    const PRESENT: bool = false;
    fn get(&self) -> T {
        T::default()
    }
    fn set(&mut self, _: T) {}
}

/// `rcv_sacks`: the SACK ranges, as a slice (empty where the build has
/// none).
pub trait SackTable: Copy + Eq + Debug + NullValue {
    /// The ranges.
    fn ranges(&self) -> &[TcpSackRange];
    /// The ranges, to change.
    fn ranges_mut(&mut self) -> &mut [TcpSackRange];
}

/// `rcv_sacks[LWIP_TCP_MAX_SACK_NUM]`, of any length a layout gives it.
impl<const N: usize> NullValue for [TcpSackRange; N] {
    const NULL: [TcpSackRange; N] = [TcpSackRange { left: 0, right: 0 }; N];
}

impl<const N: usize> SackTable for [TcpSackRange; N] {
    fn ranges(&self) -> &[TcpSackRange] {
        self
    }
    fn ranges_mut(&mut self) -> &mut [TcpSackRange] {
        self
    }
}

impl SackTable for Absent {
    fn ranges(&self) -> &[TcpSackRange] {
        &[]
    }
    fn ranges_mut(&mut self) -> &mut [TcpSackRange] {
        &mut []
    }
}

/// How a structure stores `enum tcp_state`. A value the C side may have
/// written is read through [`StateRepr::get`], which never fails.
pub trait StateRepr: Copy + Eq + Debug {
    /// `CLOSED`, what a zeroed structure holds.
    const CLOSED: Self;
    /// The state stored.
    fn get(self) -> TcpState;
    /// `s`, stored.
    fn of(s: TcpState) -> Self;
}

impl StateRepr for TcpState {
    const CLOSED: TcpState = TcpState::Closed;
    fn get(self) -> TcpState {
        self
    }
    fn of(s: TcpState) -> TcpState {
        s
    }
}

/// How a structure stores `ip_addr_t`, with the operations of lwIP's
/// ip_addr.h macros that the TCP code uses. lwIP has three shapes of it,
/// by build: IPv4-only (`ip4_addr_t`, four bytes: `[u8; 4]` here),
/// IPv6-only (`ip6_addr_t`: [`crate::ip6::Ip6Addr`]) and dual-stack (a
/// union and a type: [`crate::ip6::IpAddrDual`]); the TCP code is written
/// once over this trait, and a build's constants fold away what its shape
/// cannot hold (an IPv4-only build compiles no IPv6 path).
pub trait IpAddrRepr: Copy + Eq + Debug {
    /// A zeroed `ip_addr_t`: 0.0.0.0 of type IPv4 (`IP4_ADDR_ANY`) where
    /// the build has IPv4, `::` in an IPv6-only build.
    const ANY: Self;
    /// `LWIP_IPV4` for this shape.
    const HAS_V4: bool;
    /// `LWIP_IPV6` for this shape.
    const HAS_V6: bool;
    /// `LWIP_IPV4 && LWIP_IPV6`: the dual-stack shape, whose addresses
    /// carry a type.
    const DUAL: bool = Self::HAS_V4 && Self::HAS_V6;
    /// `IP_GET_TYPE(addr)`: `IPADDR_TYPE_V4` (0), `_V6` (6) or `_ANY` (46).
    fn ip_type(&self) -> u8;
    /// `IP_SET_TYPE_VAL(addr, ty)` (dual-stack only: elsewhere the type
    /// is fixed and nothing changes).
    fn set_type(&mut self, ty: u8);
    /// `ip_addr_isany(addr)`: the IPv6 address is `::` for an IPv6 one,
    /// otherwise the IPv4 word is 0.0.0.0 (also for `IPADDR_TYPE_ANY`).
    fn isany(&self) -> bool;
    /// `ip_addr_eq(a, b)`: the same type and the same address of that
    /// type.
    fn addr_eq(&self, other: &Self) -> bool;
    /// The IPv4 address held (`ip_2_ip4`), in network order.
    fn v4(&self) -> [u8; 4];
    /// The IPv6 address held (`ip_2_ip6`), in network order (zeros where
    /// the build has no IPv6).
    fn v6(&self) -> [u8; 16];
    /// `a`, stored as `ip_addr_copy_from_ip4` stores it.
    fn from_v4(a: [u8; 4]) -> Self;
    /// An address as this build stores it; None for a version the build
    /// does not have. `IP_ANY_TYPE` is 0.0.0.0 in an IPv4-only build and
    /// `::` in an IPv6-only one, as lwIP defines it there.
    fn from_ip(a: lwip_vocab::IpAddr) -> Option<Self>;
    /// The address as a value.
    fn to_ip(&self) -> lwip_vocab::IpAddr;
    /// `IP_IS_V6(addr)`.
    #[inline]
    fn is_v6(&self) -> bool {
        Self::HAS_V6 && self.ip_type() == lwip_vocab::IpAddr::TYPE_V6
    }
    /// `IP_IS_ANY_TYPE_VAL(addr)` (false where the build is not
    /// dual-stack).
    #[inline]
    fn is_any_type(&self) -> bool {
        Self::DUAL && self.ip_type() == lwip_vocab::IpAddr::TYPE_ANY
    }
}

impl IpAddrRepr for [u8; 4] {
    const ANY: [u8; 4] = [0; 4];
    const HAS_V4: bool = true;
    const HAS_V6: bool = false;
    fn ip_type(&self) -> u8 {
        lwip_vocab::IpAddr::TYPE_V4
    }
    fn set_type(&mut self, _: u8) {}
    fn isany(&self) -> bool {
        *self == [0; 4]
    }
    fn addr_eq(&self, other: &[u8; 4]) -> bool {
        self == other
    }
    fn v4(&self) -> [u8; 4] {
        *self
    }
    fn v6(&self) -> [u8; 16] {
        [0; 16]
    }
    fn from_v4(a: [u8; 4]) -> [u8; 4] {
        a
    }
    fn from_ip(a: lwip_vocab::IpAddr) -> Option<[u8; 4]> {
        match a {
            lwip_vocab::IpAddr::V4(a) => Some(a),
            lwip_vocab::IpAddr::Any => Some([0; 4]),
            lwip_vocab::IpAddr::V6(_) => None,
        }
    }
    fn to_ip(&self) -> lwip_vocab::IpAddr {
        lwip_vocab::IpAddr::V4(*self)
    }
}

/// The layout of the port's own storage ([`Pools`]): links are pool
/// indices; addresses are of shape `A` (IPv4-only by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortLayout<A = [u8; 4]>(core::marker::PhantomData<A>);

impl<A: PortAddr> Layout for PortLayout<A> {
    type PcbRef = u8;
    type LpcbRef = u8;
    type SegRef = u8;
    type State = TcpState;
    type IpAddr = A;
    type Arg = ();
    type RecvFn = bool;
    type SentFn = bool;
    type ConnectedFn = bool;
    type PollFn = bool;
    type ErrFn = bool;
    type AcceptFn = crate::stack::AcceptFn;
    type Sacks = [TcpSackRange; MAX_SACKS];
    type Ts = u32;
    type Keep = u32;
    type Backlog = u8;
    type Pbuf = Pbuf;
    type SegOversize = u16;
    type SegChksum = Absent;
    type SegChksumSwapped = Absent;
    type TcpHdr = PortTcpHdr;
    type Netif = PortNetif;
}

/// The port's `seg->tcphdr`: the header fields the TCP code reads back
/// from a segment it holds, kept in the segment. The port writes a
/// segment's header into its pbuf when the segment goes out
/// (`tcp_output_segment`), from these and the pcb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortTcpHdr {
    /// `tcphdr->seqno`, in host order.
    pub seqno: u32,
    /// `TCPH_FLAGS(tcphdr)`.
    pub flags: u8,
}

impl NullValue for PortTcpHdr {
    const NULL: PortTcpHdr = PortTcpHdr { seqno: 0, flags: 0 };
}

/// A connection pcb's name in storage `S`.
pub type PcbRef<S> = <<S as Storage>::Layout as Layout>::PcbRef;
/// A listen pcb's name in storage `S`.
pub type LpcbRef<S> = <<S as Storage>::Layout as Layout>::LpcbRef;
/// A segment's name in storage `S`.
pub type SegRef<S> = <<S as Storage>::Layout as Layout>::SegRef;
/// A pbuf's name in storage `S`.
pub type PbufRef<S> = <<S as Storage>::Layout as Layout>::Pbuf;
/// A segment's `tcphdr` in storage `S`.
pub type TcpHdrOf<S> = <<S as Storage>::Layout as Layout>::TcpHdr;
/// A netif's name in storage `S`.
pub type NetifOf<S> = <<S as Storage>::Layout as Layout>::Netif;
/// `ip_addr_t` in storage `S`.
pub type IpOf<S> = <<S as Storage>::Layout as Layout>::IpAddr;

/// The counters of lwIP's `struct stats_proto` (stats.h) that the TCP
/// code increments (`TCP_STATS_INC(tcp.X)`), in the structure's order
/// (the discriminant is the counter's index in `lwip_stats.tcp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum TcpStat {
    /// `xmit`: segments handed to the IP layer.
    Xmit = 0,
    /// `recv`: segments `tcp_input` got.
    Recv = 1,
    /// `drop`: segments dropped.
    Drop = 3,
    /// `chkerr`: bad checksums.
    ChkErr = 4,
    /// `lenerr`: bad lengths.
    LenErr = 5,
    /// `memerr`: out of memory.
    MemErr = 6,
    /// `proterr`: protocol errors (broadcast/multicast destination, no
    /// pcb).
    ProtErr = 8,
    /// `err`: other errors (no room for the TCP header).
    Err = 10,
    /// `cachehit`: the demultiplexed pcb was already at its list's head.
    CacheHit = 11,
}

/// The number of counters in `struct stats_proto` (`xmit` ... `cachehit`).
pub const TCP_STATS_COUNTERS: usize = 12;

/// The TCP counters of lwIP's `struct stats_mib2` (stats.h) that the TCP
/// code increments (`MIB2_STATS_INC(mib2.X)`), nine consecutive `u32_t`
/// in the structure's order (the discriminant is the counter's index from
/// `tcpactiveopens`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Mib2Tcp {
    /// `tcpactiveopens`: `tcp_connect` sent a SYN.
    ActiveOpens = 0,
    /// `tcppassiveopens`: a listener made a pcb for a SYN.
    PassiveOpens = 1,
    /// `tcpattemptfails`: closed in SYN_SENT, or sent a FIN in SYN_RCVD.
    AttemptFails = 2,
    /// `tcpestabresets`: sent a FIN in ESTABLISHED or CLOSE_WAIT.
    EstabResets = 3,
    /// `tcpoutsegs`: segments sent for the first time.
    OutSegs = 4,
    /// `tcpretranssegs`: `tcp_rexmit`.
    RetransSegs = 5,
    /// `tcpinsegs`: segments `tcp_input` got.
    InSegs = 6,
    /// `tcpinerrs`: segments `tcp_input` dropped.
    InErrs = 7,
    /// `tcpoutrsts`: RSTs sent.
    OutRsts = 8,
}

/// The number of TCP counters in `struct stats_mib2`.
pub const MIB2_TCP_COUNTERS: usize = 9;

/// lwIP's TCP pools, as the TCP code uses them. A reference is one
/// [`Storage`] handed out (`alloc_*`) and not yet freed; the element
/// accessors never panic on another (they may return any element), and a
/// debug build asserts.
///
/// Pools are indexed `0..MEMP_NUM_*` for the Rust API's handles
/// ([`crate::Handle`]): `*_index` and `*_at` convert, and `*_generation`
/// tells allocations of one element apart.
pub trait Storage {
    /// The structures' field types.
    type Layout: Layout;
    /// The pbufs (pbuf.c, with mem.c's heap and memp.c's pbuf pools).
    type Pbufs: PbufStore<Pbuf = <Self::Layout as Layout>::Pbuf>;
    /// Whether [`Storage::Pbufs`] is the port's own [`Pbufs`], whose
    /// capacities a profile must fit ([`crate::config::fits_storage`]);
    /// lwIP's pool and heap sizes are its build's.
    const PORT_PBUFS: bool;
    /// Every pool empty and not yet initialised (before `memp_init`):
    /// nothing is handed out until [`Storage::memp_init`].
    const EMPTY: Self;
    /// Most elements of [`Pool::TcpPcb`] (a profile's `MEMP_NUM_TCP_PCB`
    /// may not exceed it).
    const MAX_PCBS: usize;
    /// Most elements of [`Pool::TcpPcbListen`].
    const MAX_LISTEN_PCBS: usize;
    /// Most elements of [`Pool::TcpSeg`].
    const MAX_SEGS: usize;

    /// `memp_init()`: every element free, allocation possible.
    fn memp_init(&mut self);
    /// `lwip_stats.memp[pool]->used`: elements in use.
    fn memp_used(&self, pool: Pool) -> usize;

    /// `memp_malloc(MEMP_TCP_PCB)`, the pool holding `limit` elements
    /// (`MEMP_NUM_TCP_PCB`): a pcb whose contents are left as they were
    /// (as lwIP's), or None when all are in use or before `memp_init`.
    fn alloc_pcb(&mut self, limit: usize) -> Option<PcbRef<Self>>;
    /// `memp_free(MEMP_TCP_PCB, pcb)`.
    fn free_pcb(&mut self, r: PcbRef<Self>);
    /// `memp_malloc(MEMP_TCP_PCB_LISTEN)`, as [`Storage::alloc_pcb`].
    fn alloc_lpcb(&mut self, limit: usize) -> Option<LpcbRef<Self>>;
    /// `memp_free(MEMP_TCP_PCB_LISTEN, lpcb)`.
    fn free_lpcb(&mut self, r: LpcbRef<Self>);
    /// `memp_malloc(MEMP_TCP_SEG)`, as [`Storage::alloc_pcb`].
    fn alloc_seg(&mut self, limit: usize) -> Option<SegRef<Self>>;
    /// `memp_free(MEMP_TCP_SEG, seg)`.
    fn free_seg(&mut self, r: SegRef<Self>);

    /// The connection pcb `r`.
    fn pcb(&self, r: PcbRef<Self>) -> &TcpPcb<Self::Layout>;
    /// The connection pcb `r`, to change.
    fn pcb_mut(&mut self, r: PcbRef<Self>) -> &mut TcpPcb<Self::Layout>;
    /// The listen pcb `r`.
    fn lpcb(&self, r: LpcbRef<Self>) -> &TcpPcbListen<Self::Layout>;
    /// The listen pcb `r`, to change.
    fn lpcb_mut(&mut self, r: LpcbRef<Self>) -> &mut TcpPcbListen<Self::Layout>;
    /// The segment `r`.
    fn seg(&self, r: SegRef<Self>) -> &TcpSeg<Self::Layout>;
    /// The segment `r`, to change.
    fn seg_mut(&mut self, r: SegRef<Self>) -> &mut TcpSeg<Self::Layout>;

    /// `ntohl(seg->tcphdr->seqno)` of segment `r`.
    fn seg_seqno(&self, r: SegRef<Self>) -> u32;
    /// `seg->tcphdr->seqno = htonl(v)`.
    fn seg_set_seqno(&mut self, r: SegRef<Self>, v: u32);
    /// `seg->tcphdr->seqno` of a received (out-of-sequence) segment:
    /// lwIP's `tcp_input` turned the received header's sequence number to
    /// host byte order in place, and the queue keeps that header.
    fn in_seg_seqno(&self, r: SegRef<Self>) -> u32;
    /// `seg->tcphdr->seqno = v` for a received segment (host order).
    fn in_seg_set_seqno(&mut self, r: SegRef<Self>, v: u32);
    /// `TCPH_FLAGS(seg->tcphdr)` of segment `r`.
    fn seg_hdr_flags(&self, r: SegRef<Self>) -> u8;
    /// `TCPH_FLAGS_SET(seg->tcphdr, flags)`.
    fn seg_set_hdr_flags(&mut self, r: SegRef<Self>, flags: u8);
    /// `(struct tcp_hdr *)p->payload`: the header at pbuf `p`'s payload,
    /// as `tcp_create_segment` and `tcp_input` take it.
    fn tcphdr_at(p: PbufRef<Self>) -> TcpHdrOf<Self>;

    /// The head of list `l`: `tcp_bound_pcbs`, `tcp_active_pcbs` or
    /// `tcp_tw_pcbs`. lwIP's are C globals its other files and tests read
    /// and write between calls (`TCP_REG`), so the lists are the
    /// storage's, read and written one value at a time.
    fn list(&self, l: List) -> Option<PcbRef<Self>>;
    /// Sets the head of list `l`.
    fn set_list(&mut self, l: List, head: Option<PcbRef<Self>>);
    /// `tcp_listen_pcbs.listen_pcbs`.
    fn listen_pcbs(&self) -> Option<LpcbRef<Self>>;
    /// Sets `tcp_listen_pcbs.listen_pcbs`.
    fn set_listen_pcbs(&mut self, head: Option<LpcbRef<Self>>);
    /// `tcp_ticks`.
    fn tcp_ticks(&self) -> u32;
    /// Sets `tcp_ticks`.
    fn set_tcp_ticks(&mut self, t: u32);
    /// `tcp_active_pcbs_changed != 0`.
    fn active_pcbs_changed(&self) -> bool;
    /// Sets `tcp_active_pcbs_changed` (1 or 0).
    fn set_active_pcbs_changed(&mut self, v: bool);
    /// `TCP_STATS_INC(tcp.s)`: one more in `lwip_stats.tcp` (a
    /// `STAT_COUNTER`, `u16_t`, wrapping).
    fn tcp_stats_inc(&mut self, s: TcpStat);
    /// `lwip_stats.tcp`'s counters, in `struct stats_proto`'s order.
    fn tcp_stats(&self) -> [u16; TCP_STATS_COUNTERS];
    /// `stats_init()` for `lwip_stats.tcp` and `lwip_stats.mib2`'s TCP
    /// counters (the stack's reset): the port's own storage zeroes its
    /// counters; lwIP's are zeroed by lwIP's `lwip_init()`, not by TCP.
    fn tcp_stats_init(&mut self);
    /// `MIB2_STATS_INC(mib2.c)`: one more in `lwip_stats.mib2`'s TCP
    /// counters (`u32_t`, wrapping).
    fn mib2_tcp_inc(&mut self, c: Mib2Tcp);
    /// `lwip_stats.mib2`'s TCP counters, from `tcpactiveopens`.
    fn mib2_tcp(&self) -> [u32; MIB2_TCP_COUNTERS];
    /// `tcp_timer_needed()` (timeouts.c), which lwIP's `TCP_REG` calls
    /// after putting a pcb on a list: lwIP's timeouts start the TCP timer
    /// again if it stopped (it stops when no pcb is active or in
    /// TIME_WAIT).
    fn tcp_timer_needed(&mut self);
    /// `tcp_input_pcb`.
    fn input_pcb(&self) -> Option<PcbRef<Self>>;
    /// Sets `tcp_input_pcb`.
    fn set_input_pcb(&mut self, i: Option<PcbRef<Self>>);

    // The IP layer and the netifs below TCP: the port's own IPv4 layer
    // (crate::ip4, one netif) or lwIP's (ip.c, ip4.c, netif.c).

    /// `netif_add` of the port's own netif (address, mask, gateway, MTU)
    /// and ip4.c's state back to the start. A storage over lwIP's netifs
    /// ignores it: lwIP's are lwIP's application's (`netif_add`).
    fn netif_reset(&mut self, netif: Netif);
    /// The port's own netif as configured (None over lwIP's netifs).
    fn port_netif(&self) -> Option<Netif>;
    /// `ip_route(src, dest)`: the netif a packet from `src` to `dest`
    /// leaves by (`ip4_route_src` or `ip6_route`, by `dest`'s type), None
    /// without a route.
    fn ip_route(&self, src: &IpOf<Self>, dest: &IpOf<Self>) -> Option<NetifOf<Self>>;
    /// `ip_netif_get_local_ip(n, dest)`: the source address for `dest`
    /// through `n` (the netif's IPv4 address, or
    /// `ip6_select_source_address`), None when there is none.
    fn ip_netif_get_local_ip(&self, n: NetifOf<Self>, dest: &IpOf<Self>) -> Option<IpOf<Self>>;
    /// `netif_get_by_index(idx)`.
    fn netif_get_by_index(&self, idx: u8) -> Option<NetifOf<Self>>;
    /// `netif_get_index(n)`.
    fn netif_index(&self, n: NetifOf<Self>) -> u8;
    /// `n->mtu`.
    fn netif_mtu(&self, n: NetifOf<Self>) -> u16;
    /// `*netif_ip4_addr(n)`, in network order.
    fn netif_ip4(&self, n: NetifOf<Self>) -> [u8; 4];
    /// `netif_set_ipaddr`'s store of the port's netif's new address (lwIP's
    /// netif.c stores its own and calls `tcp_netif_ip_addr_changed`).
    fn netif_set_ip4(&mut self, n: NetifOf<Self>, ip: [u8; 4]);
    /// `netif_ip6_addr(n, 0)` when valid (None: no valid IPv6 address, or
    /// a build without IPv6).
    fn netif_ip6(&self, n: NetifOf<Self>) -> Option<[u8; 16]>;
    /// `netif_ip6_addr_set(n, 0, ip)` and its state preferred (all zero:
    /// none) on the port's own netif; nothing where the build has no IPv6
    /// or the netifs are lwIP's (its application sets them).
    fn netif_set_ip6(&mut self, n: NetifOf<Self>, ip: [u8; 16]);
    /// `ip4_addr_isbroadcast(addr, n)`.
    fn ip4_addr_isbroadcast(&self, addr: [u8; 4], n: NetifOf<Self>) -> bool;
    /// `ip_output_if(p, src, dest, ttl, tos, IP_PROTO_TCP, n)`. `out` is
    /// the port's netif output (its driver: the stack's hooks), which the
    /// port's IP layer calls with the finished packet; lwIP's calls
    /// `n->output` (`output_ip6`) itself and not `out`.
    #[allow(clippy::too_many_arguments)]
    fn ip_output_if<F: FnOnce(&Self::Pbufs, PbufRef<Self>)>(
        &mut self,
        pbufs: &mut Self::Pbufs,
        p: PbufRef<Self>,
        src: &IpOf<Self>,
        dest: &IpOf<Self>,
        ttl: u8,
        tos: u8,
        n: NetifOf<Self>,
        out: F,
    ) -> Err;
    /// tcp_output_segment's `seg->p->payload = seg->tcphdr` (with `len`
    /// and `tot_len` grown back by as much): after lwIP's IP layer sent a
    /// segment its payload starts at the IP header it added. Returns
    /// whether it had (lwIP's `len != 0`: the segment went to the IP layer
    /// before, and `tcpoutsegs` does not count it again). The port's IPv4
    /// layer takes its header off again, so nothing moves there; its
    /// storage remembers which segments it sent.
    fn seg_payload_to_tcphdr(&mut self, pbufs: &mut Self::Pbufs, r: SegRef<Self>) -> bool;

    /// Pcb `r`'s index in its pool.
    fn pcb_index(&self, r: PcbRef<Self>) -> u8;
    /// The pcb at index `idx` of its pool (None out of range).
    fn pcb_at(&self, idx: u8) -> Option<PcbRef<Self>>;
    /// Whether pcb `r` is in use and its allocation is the one
    /// `generation` names ([`Storage::pcb_generation`]).
    fn pcb_alive(&self, r: PcbRef<Self>, generation: u32) -> bool;
    /// A number that differs for every allocation of a pcb, kept after it
    /// is freed (a handle names the allocation, not the element).
    fn pcb_generation(&self, r: PcbRef<Self>) -> u32;
    /// Listen pcb `r`'s index in its pool.
    fn lpcb_index(&self, r: LpcbRef<Self>) -> u8;
    /// The listen pcb at index `idx` of its pool (None out of range).
    fn lpcb_at(&self, idx: u8) -> Option<LpcbRef<Self>>;
    /// As [`Storage::pcb_alive`], for listen pcbs.
    fn lpcb_alive(&self, r: LpcbRef<Self>, generation: u32) -> bool;
    /// As [`Storage::pcb_generation`], for listen pcbs.
    fn lpcb_generation(&self, r: LpcbRef<Self>) -> u32;
}

/// Capacity of the port's connection-pcb pool.
pub const MAX_PCBS: usize = 8;
/// Capacity of the port's listen-pcb pool.
pub const MAX_LISTEN_PCBS: usize = 8;
/// Capacity of the port's segment pool.
pub const MAX_SEGS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Slot<T: Copy> {
    used: bool,
    generation: u32,
    v: T,
}

/// tcp.c's globals, for the port's own storage.
#[derive(Debug, Clone, Copy)]
struct PortGlobals {
    /// `tcp_bound_pcbs`, `tcp_active_pcbs`, `tcp_tw_pcbs` (by [`List`]).
    lists: [Option<u8>; 3],
    listen_pcbs: Option<u8>,
    tcp_ticks: u32,
    active_pcbs_changed: bool,
    input_pcb: Option<u8>,
    /// `lwip_stats.tcp` (stats.c's, zeroed by `stats_init`).
    tcp_stats: [u16; TCP_STATS_COUNTERS],
    /// `lwip_stats.mib2`'s TCP counters.
    mib2_tcp: [u32; MIB2_TCP_COUNTERS],
    /// Bit `i`: segment `i` went to the IP layer since it was allocated
    /// (lwIP's `seg->p->payload != seg->tcphdr`).
    seg_sent: u64,
}

/// Segment `i`'s bit in [`PortGlobals::seg_sent`].
#[inline]
const fn seg_bit<const N: usize>(i: u8) -> u64 {
    const { assert!(N <= 64) };
    1 << (slot::<N>(i) as u32)
}

/// The port's own pools: arrays of [`MAX_PCBS`], [`MAX_LISTEN_PCBS`] and
/// `SEGS` (by default [`MAX_SEGS`]; a power of two up to 64) elements
/// inside the stack, of which a profile uses the first `MEMP_NUM_*`.
#[derive(Debug, Clone)]
pub struct Pools<const SEGS: usize = MAX_SEGS, A: PortAddr = [u8; 4]> {
    ready: bool,
    next_gen: u32,
    globals: PortGlobals,
    ip: PortIp<A>,
    pcbs: [Slot<TcpPcb<PortLayout<A>>>; MAX_PCBS],
    lpcbs: [Slot<TcpPcbListen<PortLayout<A>>>; MAX_LISTEN_PCBS],
    segs: [Slot<TcpSeg<PortLayout<A>>>; SEGS],
}

/// The array position of pool index `i` in a pool of `N` slots. Pool
/// indices come from the pool's allocator and from the lists that hold
/// what it handed out, so `i < N` always; `N` is a power of two and the
/// index is taken modulo it, which costs one AND and lets the compiler drop
/// the bounds check (the port never panics). An index out of range would
/// be a bug in the port: the debug assertion stops tests and fuzzing on it.
#[inline]
const fn slot<const N: usize>(i: u8) -> usize {
    const { assert!(N.is_power_of_two()) };
    debug_assert!((i as usize) < N, "pool index out of range");
    i as usize % N
}

/// `memp_malloc` on one of [`Pools`]' arrays: the lowest free slot among
/// the first `limit`, marked used, with its index; None before `memp_init`
/// (`ready`) or when all `limit` are in use. Slots in use are always among
/// the first `limit`, since each allocation takes the lowest free one.
#[inline]
fn take_free<T: Copy>(
    ready: bool,
    slots: &mut [Slot<T>],
    limit: usize,
) -> Option<(u8, &mut Slot<T>)> {
    if !ready {
        return None;
    }
    let (i, s) = slots
        .iter_mut()
        .take(limit)
        .enumerate()
        .find(|(_, s)| !s.used)?;
    let i = u8::try_from(i).ok()?;
    s.used = true;
    Some((i, s))
}

#[inline]
fn release<T: Copy>(slots: &mut [Slot<T>], i: u8) {
    if let Some(s) = slots.get_mut(usize::from(i)) {
        s.used = false;
    }
}

#[inline]
fn count_used<T: Copy>(slots: &[Slot<T>]) -> usize {
    slots.iter().filter(|s| s.used).count()
}

#[inline]
fn alive_at<T: Copy>(slots: &[Slot<T>], i: u8, generation: u32) -> bool {
    slots
        .get(usize::from(i))
        .is_some_and(|s| s.used && s.generation == generation)
}

#[inline]
fn generation_at<T: Copy>(slots: &[Slot<T>], i: u8) -> u32 {
    slots.get(usize::from(i)).map_or(0, |s| s.generation)
}

impl<const SEGS: usize, A: PortAddr> Storage for Pools<SEGS, A> {
    type Layout = PortLayout<A>;
    type Pbufs = Pbufs;
    const PORT_PBUFS: bool = true;
    const EMPTY: Pools<SEGS, A> = Pools {
        ready: false,
        next_gen: 0,
        globals: PortGlobals {
            lists: [None; 3],
            listen_pcbs: None,
            tcp_ticks: 0,
            active_pcbs_changed: false,
            input_pcb: None,
            tcp_stats: [0; TCP_STATS_COUNTERS],
            mib2_tcp: [0; MIB2_TCP_COUNTERS],
            seg_sent: 0,
        },
        ip: PortIp::EMPTY,
        pcbs: [Slot {
            used: false,
            generation: 0,
            v: TcpPcb::ZERO,
        }; MAX_PCBS],
        lpcbs: [Slot {
            used: false,
            generation: 0,
            v: TcpPcbListen::ZERO,
        }; MAX_LISTEN_PCBS],
        segs: [Slot {
            used: false,
            generation: 0,
            v: TcpSeg::ZERO,
        }; SEGS],
    };
    const MAX_PCBS: usize = MAX_PCBS;
    const MAX_LISTEN_PCBS: usize = MAX_LISTEN_PCBS;
    const MAX_SEGS: usize = SEGS;

    #[inline]
    fn memp_init(&mut self) {
        for s in &mut self.pcbs {
            s.used = false;
        }
        for s in &mut self.lpcbs {
            s.used = false;
        }
        for s in &mut self.segs {
            s.used = false;
        }
        self.ready = true;
    }

    #[inline]
    fn memp_used(&self, pool: Pool) -> usize {
        match pool {
            Pool::TcpPcb => count_used(&self.pcbs),
            Pool::TcpPcbListen => count_used(&self.lpcbs),
            Pool::TcpSeg => count_used(&self.segs),
        }
    }

    #[inline]
    fn alloc_pcb(&mut self, limit: usize) -> Option<u8> {
        let (i, s) = take_free(self.ready, &mut self.pcbs, limit)?;
        self.next_gen = self.next_gen.wrapping_add(1);
        s.generation = self.next_gen;
        Some(i)
    }

    #[inline]
    fn free_pcb(&mut self, i: u8) {
        release(&mut self.pcbs, i);
    }

    #[inline]
    fn alloc_lpcb(&mut self, limit: usize) -> Option<u8> {
        let (i, s) = take_free(self.ready, &mut self.lpcbs, limit)?;
        self.next_gen = self.next_gen.wrapping_add(1);
        s.generation = self.next_gen;
        Some(i)
    }

    #[inline]
    fn free_lpcb(&mut self, i: u8) {
        release(&mut self.lpcbs, i);
    }

    #[inline]
    fn alloc_seg(&mut self, limit: usize) -> Option<u8> {
        let i = take_free(self.ready, &mut self.segs, limit).map(|(i, _)| i)?;
        self.globals.seg_sent &= !seg_bit::<SEGS>(i);
        Some(i)
    }

    #[inline]
    fn free_seg(&mut self, i: u8) {
        release(&mut self.segs, i);
    }

    #[inline]
    fn pcb(&self, i: u8) -> &TcpPcb<PortLayout<A>> {
        &self.pcbs[slot::<MAX_PCBS>(i)].v
    }

    #[inline]
    fn pcb_mut(&mut self, i: u8) -> &mut TcpPcb<PortLayout<A>> {
        &mut self.pcbs[slot::<MAX_PCBS>(i)].v
    }

    #[inline]
    fn lpcb(&self, i: u8) -> &TcpPcbListen<PortLayout<A>> {
        &self.lpcbs[slot::<MAX_LISTEN_PCBS>(i)].v
    }

    #[inline]
    fn lpcb_mut(&mut self, i: u8) -> &mut TcpPcbListen<PortLayout<A>> {
        &mut self.lpcbs[slot::<MAX_LISTEN_PCBS>(i)].v
    }

    #[inline]
    fn seg(&self, i: u8) -> &TcpSeg<PortLayout<A>> {
        &self.segs[slot::<SEGS>(i)].v
    }

    #[inline]
    fn seg_mut(&mut self, i: u8) -> &mut TcpSeg<PortLayout<A>> {
        &mut self.segs[slot::<SEGS>(i)].v
    }

    #[inline]
    fn seg_seqno(&self, i: u8) -> u32 {
        self.seg(i).tcphdr.seqno
    }

    #[inline]
    fn seg_set_seqno(&mut self, i: u8, v: u32) {
        self.seg_mut(i).tcphdr.seqno = v;
    }

    #[inline]
    fn in_seg_seqno(&self, i: u8) -> u32 {
        self.seg(i).tcphdr.seqno
    }

    #[inline]
    fn in_seg_set_seqno(&mut self, i: u8, v: u32) {
        self.seg_mut(i).tcphdr.seqno = v;
    }

    #[inline]
    fn seg_hdr_flags(&self, i: u8) -> u8 {
        self.seg(i).tcphdr.flags
    }

    #[inline]
    fn seg_set_hdr_flags(&mut self, i: u8, flags: u8) {
        self.seg_mut(i).tcphdr.flags = flags;
    }

    #[inline]
    fn tcphdr_at(_: Pbuf) -> PortTcpHdr {
        PortTcpHdr::NULL
    }

    #[inline]
    fn list(&self, l: List) -> Option<u8> {
        self.globals.lists[l as usize]
    }

    #[inline]
    fn set_list(&mut self, l: List, head: Option<u8>) {
        self.globals.lists[l as usize] = head;
    }

    #[inline]
    fn listen_pcbs(&self) -> Option<u8> {
        self.globals.listen_pcbs
    }

    #[inline]
    fn set_listen_pcbs(&mut self, head: Option<u8>) {
        self.globals.listen_pcbs = head;
    }

    #[inline]
    fn tcp_ticks(&self) -> u32 {
        self.globals.tcp_ticks
    }

    #[inline]
    fn set_tcp_ticks(&mut self, t: u32) {
        self.globals.tcp_ticks = t;
    }

    #[inline]
    fn active_pcbs_changed(&self) -> bool {
        self.globals.active_pcbs_changed
    }

    #[inline]
    fn set_active_pcbs_changed(&mut self, v: bool) {
        self.globals.active_pcbs_changed = v;
    }

    #[inline]
    fn tcp_stats_inc(&mut self, s: TcpStat) {
        if let Some(c) = self.globals.tcp_stats.get_mut(s as usize) {
            *c = c.wrapping_add(1);
        }
    }

    #[inline]
    fn tcp_stats(&self) -> [u16; TCP_STATS_COUNTERS] {
        self.globals.tcp_stats
    }

    fn tcp_stats_init(&mut self) {
        self.globals.tcp_stats = [0; TCP_STATS_COUNTERS];
        self.globals.mib2_tcp = [0; MIB2_TCP_COUNTERS];
    }

    #[inline]
    fn mib2_tcp_inc(&mut self, c: Mib2Tcp) {
        if let Some(n) = self.globals.mib2_tcp.get_mut(c as usize) {
            *n = n.wrapping_add(1);
        }
    }

    #[inline]
    fn mib2_tcp(&self) -> [u32; MIB2_TCP_COUNTERS] {
        self.globals.mib2_tcp
    }

    /// Nothing to start: the port's own stack has no timeouts of its own;
    /// whoever drives it runs the timers ([`crate::Tcp::advance_to`]), as
    /// the harness's C engine runs lwIP's.
    #[inline]
    fn tcp_timer_needed(&mut self) {}

    #[inline]
    fn input_pcb(&self) -> Option<u8> {
        self.globals.input_pcb
    }

    #[inline]
    fn set_input_pcb(&mut self, i: Option<u8>) {
        self.globals.input_pcb = i;
    }

    fn netif_reset(&mut self, netif: Netif) {
        self.ip.reset(netif);
    }

    fn port_netif(&self) -> Option<Netif> {
        Some(self.ip.netif)
    }

    #[inline]
    fn ip_route(&self, src: &A, dest: &A) -> Option<PortNetif> {
        self.ip.ip_route(src, dest)
    }

    #[inline]
    fn ip_netif_get_local_ip(&self, _: PortNetif, dest: &A) -> Option<A> {
        self.ip.local_ip(dest)
    }

    #[inline]
    fn netif_get_by_index(&self, idx: u8) -> Option<PortNetif> {
        self.ip.get_by_index(idx)
    }

    #[inline]
    fn netif_index(&self, _: PortNetif) -> u8 {
        NETIF_INDEX
    }

    #[inline]
    fn netif_mtu(&self, _: PortNetif) -> u16 {
        self.ip.netif.mtu
    }

    #[inline]
    fn netif_ip4(&self, _: PortNetif) -> [u8; 4] {
        self.ip.netif.ip
    }

    fn netif_set_ip4(&mut self, _: PortNetif, ip: [u8; 4]) {
        self.ip.netif.ip = ip;
    }

    #[inline]
    fn netif_ip6(&self, _: PortNetif) -> Option<[u8; 16]> {
        A::ip6_get(&self.ip.ip6)
    }

    fn netif_set_ip6(&mut self, _: PortNetif, ip: [u8; 16]) {
        A::ip6_set(&mut self.ip.ip6, ip);
    }

    #[inline]
    fn ip4_addr_isbroadcast(&self, addr: [u8; 4], _: PortNetif) -> bool {
        PortIp::<A>::addr_isbroadcast(addr)
    }

    #[inline]
    fn ip_output_if<F: FnOnce(&Pbufs, Pbuf)>(
        &mut self,
        pbufs: &mut Pbufs,
        p: Pbuf,
        src: &A,
        dest: &A,
        ttl: u8,
        tos: u8,
        _: PortNetif,
        out: F,
    ) -> Err {
        self.ip.output_if(pbufs, p, src, dest, ttl, tos, out)
    }

    #[inline]
    fn seg_payload_to_tcphdr(&mut self, _: &mut Pbufs, i: u8) -> bool {
        // Called by tcp_output_segment right before the segment goes to the
        // IP layer (which always has room for its header).
        let sent = self.globals.seg_sent & seg_bit::<SEGS>(i) != 0;
        self.globals.seg_sent |= seg_bit::<SEGS>(i);
        sent
    }

    #[inline]
    fn pcb_index(&self, i: u8) -> u8 {
        i
    }

    #[inline]
    fn pcb_at(&self, idx: u8) -> Option<u8> {
        (usize::from(idx) < MAX_PCBS).then_some(idx)
    }

    #[inline]
    fn pcb_alive(&self, i: u8, generation: u32) -> bool {
        alive_at(&self.pcbs, i, generation)
    }

    #[inline]
    fn pcb_generation(&self, i: u8) -> u32 {
        generation_at(&self.pcbs, i)
    }

    #[inline]
    fn lpcb_index(&self, i: u8) -> u8 {
        i
    }

    #[inline]
    fn lpcb_at(&self, idx: u8) -> Option<u8> {
        (usize::from(idx) < MAX_LISTEN_PCBS).then_some(idx)
    }

    #[inline]
    fn lpcb_alive(&self, i: u8, generation: u32) -> bool {
        alive_at(&self.lpcbs, i, generation)
    }

    #[inline]
    fn lpcb_generation(&self, i: u8) -> u32 {
        generation_at(&self.lpcbs, i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handle layer's contract: indices map to references only inside
    /// the pools, a reference is alive only in use and with the generation
    /// of its allocation, and each allocation gets a new generation.
    #[test]
    fn pools_index_and_generation_contract() {
        let mut st = <Pools>::EMPTY;
        assert_eq!(st.alloc_pcb(MAX_PCBS), None, "nothing before memp_init");
        st.memp_init();
        assert_eq!(st.pcb_at(MAX_PCBS as u8 - 1), Some(MAX_PCBS as u8 - 1));
        assert_eq!(st.pcb_at(MAX_PCBS as u8), None);
        assert_eq!(
            st.lpcb_at(MAX_LISTEN_PCBS as u8 - 1),
            Some(MAX_LISTEN_PCBS as u8 - 1)
        );
        assert_eq!(st.lpcb_at(MAX_LISTEN_PCBS as u8), None);

        let a = st.alloc_pcb(2).expect("a pcb");
        let ga = st.pcb_generation(a);
        assert!(st.pcb_alive(a, ga));
        assert!(!st.pcb_alive(a, ga.wrapping_add(1)));
        let b = st.alloc_pcb(2).expect("a second pcb");
        assert_ne!(a, b);
        assert_eq!(st.alloc_pcb(2), None, "the limit is MEMP_NUM_TCP_PCB");
        assert_eq!(st.memp_used(Pool::TcpPcb), 2);
        st.free_pcb(a);
        assert!(!st.pcb_alive(a, ga), "freed");
        assert_eq!(st.pcb_generation(a), ga, "kept after the free");
        let c = st.alloc_pcb(2).expect("the freed slot again");
        assert_eq!(c, a);
        assert_ne!(
            st.pcb_generation(c),
            ga,
            "a new allocation, a new generation"
        );
        assert!(
            !st.pcb_alive(MAX_PCBS as u8, 0),
            "out of range is never alive"
        );

        let l = st.alloc_lpcb(1).expect("a listen pcb");
        let gl = st.lpcb_generation(l);
        assert!(st.lpcb_alive(l, gl));
        assert_eq!(st.alloc_lpcb(1), None);
        st.free_lpcb(l);
        assert!(!st.lpcb_alive(l, gl));
        assert_eq!(st.memp_used(Pool::TcpPcbListen), 0);

        let s = st.alloc_seg(1).expect("a segment");
        assert_eq!(st.memp_used(Pool::TcpSeg), 1);
        st.free_seg(s);
        assert_eq!(st.memp_used(Pool::TcpSeg), 0);
    }

    /// A field the build compiles out holds nothing and reads as zero.
    #[test]
    fn absent_fields_read_as_default_and_ignore_writes() {
        let mut a = Absent;
        OptField::<u32>::set(&mut a, 7);
        assert_eq!(OptField::<u32>::get(&a), 0);
        assert_eq!(core::mem::size_of::<Absent>(), 0);
        assert!(SackTable::ranges(&a).is_empty());
        assert!(SackTable::ranges_mut(&mut a).is_empty());
    }
}
