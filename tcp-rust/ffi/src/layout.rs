//! The C layout: the field types that make tcp-rust's structures lwIP's.
//!
//! [`CLayout`] is a [`Layout`] whose links are C pointers, whose state is
//! a C `enum tcp_state`, whose addresses are `ip_addr_t`, whose callbacks
//! are lwIP's function pointers. With it, `tcp_rust::TcpPcb<CLayout>` is
//! `struct tcp_pcb` and `tcp_rust::TcpPcbListen<CLayout>` is `struct
//! tcp_pcb_listen`, byte for byte, for the options the library is built
//! for. The fields an option adds or removes (`TCP_LISTEN_BACKLOG`'s
//! `backlog` and `accepts_pending`, `LWIP_CHECKSUM_ON_COPY`'s `chksum`,
//! ...) take their types from the build description ([`crate::opts`]).
//! What every supported build shares: dual-stack (`LWIP_IPV6`),
//! `LWIP_WND_SCALE`, `LWIP_CALLBACK_API`, `TCP_OVERSIZE` and
//! `TCP_QUEUE_OOSEQ`, and no `LWIP_TCP_TIMESTAMPS`, `LWIP_TCP_SACK_OUT`,
//! `LWIP_TCP_KEEPALIVE`, `LWIP_TCP_PCB_NUM_EXT_ARGS` or
//! `LWIP_NETIF_USE_HINTS` (a build with one of those needs its types here
//! first: the layout check reports the missing fields).
//! `tests/layout.rs` checks every size and offset against the host C
//! compiler (unit-test build), ci/lwip-lib against the target's for every
//! build description.
//!
//! These are plain data: nothing here dereferences a pointer or calls a
//! function pointer.

use core::ffi::c_void;
use core::ptr::NonNull;

use tcp_rust::storage::{AcceptRepr, CallbackRepr, IpAddrRepr, Layout, NullValue, StateRepr};
use tcp_rust::{AcceptFn, TcpState};

/// lwIP's `err_t` (`s8_t`).
pub type ErrT = i8;

/// The layout of lwIP's own structures (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CLayout;

impl Layout for CLayout {
    type PcbRef = PcbPtr;
    type LpcbRef = LpcbPtr;
    type SegRef = SegPtr;
    type State = CState;
    type IpAddr = IpAddrT;
    type Arg = CallbackArg;
    type RecvFn = RecvFn;
    type SentFn = SentFn;
    type ConnectedFn = ConnectedFn;
    type PollFn = PollFn;
    type ErrFn = ErrFn;
    type AcceptFn = AcceptFnPtr;
    type Sacks = crate::opts::Sacks;
    type Ts = crate::opts::Ts;
    type Keep = crate::opts::Keep;
    type Backlog = crate::opts::Backlog;
    type Pbuf = PbufPtr;
    type SegOversize = crate::opts::SegOversize;
    type SegChksum = crate::opts::SegChksum;
    type SegChksumSwapped = crate::opts::SegChksumSwapped;
    type TcpHdr = TcpHdrPtr;
    type Netif = NetifPtr;
}

/// `struct tcp_pcb *`, never NULL (a NULL link is `None`).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcbPtr(pub NonNull<c_void>);

/// `struct tcp_pcb_listen *`, never NULL.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LpcbPtr(pub NonNull<c_void>);

/// `struct tcp_seg *`, never NULL.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegPtr(pub NonNull<c_void>);

/// `struct pbuf *`, never NULL.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PbufPtr(pub NonNull<c_void>);

/// `struct netif *`, never NULL (a netif of lwIP's).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetifPtr(pub NonNull<c_void>);

/// `struct tcp_hdr *` (a segment's `tcphdr`): NULL, or the header in the
/// segment's first pbuf.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpHdrPtr(pub Option<NonNull<c_void>>);

impl NullValue for TcpHdrPtr {
    const NULL: TcpHdrPtr = TcpHdrPtr(None);
}

/// The storage of a C enum whose values fit a byte: an `int` on the
/// System V ABI (x86_64), one byte on the ARM EABI's bare-metal
/// toolchains (`arm-none-eabi-gcc` makes enums as small as their values:
/// `-fshort-enums`; measured, and checked by ci/lwip-lib's layout table).
#[cfg(not(target_arch = "arm"))]
pub type CEnum = u32;
/// The storage of a C enum whose values fit a byte (see above).
#[cfg(target_arch = "arm")]
pub type CEnum = u8;

/// `enum tcp_state` as C stores it ([`CEnum`]). C code may write any value
/// there (lwIP's tests write the field directly); one outside the enum
/// reads as `CLOSED`, so that reading never fails.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CState(pub CEnum);

impl StateRepr for CState {
    const CLOSED: CState = CState(TcpState::Closed as CEnum);
    fn get(self) -> TcpState {
        TcpState::ALL
            .get(self.0 as usize)
            .copied()
            .unwrap_or(TcpState::Closed)
    }
    fn of(s: TcpState) -> CState {
        CState(s as CEnum)
    }
}

/// `ip6_addr_t` with `LWIP_IPV6_SCOPES`: four words and a zone.
#[cfg(feature = "lwip-ipv6")]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip6AddrT {
    /// `addr`, network order.
    pub addr: [u32; 4],
    /// `zone`.
    pub zone: u8,
}

/// `ip_addr_t` of a dual-stack build (`LWIP_IPV6`): the address (the IPv4
/// one in the first word) and its type.
#[cfg(feature = "lwip-ipv6")]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpAddrT {
    /// `u_addr` (the union of `ip6` and `ip4`).
    pub u_addr: Ip6AddrT,
    /// `type`: `IPADDR_TYPE_V4` (0), `_V6` (6) or `_ANY` (46).
    pub ty: u8,
}

/// `IPADDR_TYPE_V4`.
#[cfg(feature = "lwip-ipv6")]
pub const IPADDR_TYPE_V4: u8 = 0;
/// `IPADDR_TYPE_V6`.
#[cfg(feature = "lwip-ipv6")]
pub const IPADDR_TYPE_V6: u8 = 6;

#[cfg(feature = "lwip-ipv6")]
impl IpAddrT {
    /// The sixteen bytes of `u_addr`'s words, network order.
    fn bytes16(&self) -> [u8; 16] {
        let mut b = [0; 16];
        for (d, w) in b.chunks_exact_mut(4).zip(self.u_addr.addr) {
            d.copy_from_slice(&w.to_ne_bytes());
        }
        b
    }
}

#[cfg(feature = "lwip-ipv6")]
impl IpAddrRepr for IpAddrT {
    const ANY: IpAddrT = IpAddrT {
        u_addr: Ip6AddrT {
            addr: [0; 4],
            zone: 0,
        },
        ty: IPADDR_TYPE_V4,
    };
    const HAS_V4: bool = true;
    // The core runs IPv4 only over this library (docs/drop-in.md): lwIP's
    // IPv6 TCP is not routed to it yet (`tcp_input` drops IPv6 segments),
    // so the IPv6 paths are compiled out (flash: issue 13's bound).
    const HAS_V6: bool = false;
    /// IPv4 (the core runs IPv4 only here: an `IP_ANY_TYPE` bind from a
    /// dual-stack application, lwIP's apps' usual one, is the IPv4 any
    /// to it, as before the core had types; see `HAS_V6`).
    fn ip_type(&self) -> u8 {
        IPADDR_TYPE_V4
    }
    fn set_type(&mut self, ty: u8) {
        self.ty = ty;
    }
    /// `ip_addr_isany` of an IPv4 address: the IPv4 word.
    fn isany(&self) -> bool {
        self.u_addr.addr[0] == 0
    }
    /// `ip_addr_eq` of IPv4 addresses: the IPv4 word.
    fn addr_eq(&self, other: &IpAddrT) -> bool {
        self.u_addr.addr[0] == other.u_addr.addr[0]
    }
    fn v4(&self) -> [u8; 4] {
        self.u_addr.addr[0].to_ne_bytes()
    }
    fn v6(&self) -> [u8; 16] {
        self.bytes16()
    }
    /// `ip_addr_copy_from_ip4`: the first word and the type; the zone
    /// cleared. (lwIP leaves the other words as they were; here they are
    /// zero, which no IPv4 code reads.)
    fn from_v4(a: [u8; 4]) -> IpAddrT {
        IpAddrT {
            u_addr: Ip6AddrT {
                addr: [u32::from_ne_bytes(a), 0, 0, 0],
                zone: 0,
            },
            ty: IPADDR_TYPE_V4,
        }
    }
    /// The address with no zone (`IP6_NO_ZONE`).
    fn from_ip(a: tcp_rust::IpAddr) -> Option<IpAddrT> {
        let b = a.to_bytes16();
        let w = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Some(IpAddrT {
            u_addr: Ip6AddrT {
                addr: [w(0), w(4), w(8), w(12)],
                zone: 0,
            },
            ty: a.type_code(),
        })
    }
    fn to_ip(&self) -> tcp_rust::IpAddr {
        tcp_rust::IpAddr::from_parts(self.ty, &self.bytes16()).unwrap_or(tcp_rust::IpAddr::Any)
    }
}

/// `ip_addr_t` of an IPv4-only build: `ip4_addr_t`, one word in network
/// order.
#[cfg(not(feature = "lwip-ipv6"))]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpAddrT {
    /// `addr`.
    pub addr: u32,
}

#[cfg(not(feature = "lwip-ipv6"))]
impl IpAddrRepr for IpAddrT {
    const ANY: IpAddrT = IpAddrT { addr: 0 };
    const HAS_V4: bool = true;
    const HAS_V6: bool = false;
    fn ip_type(&self) -> u8 {
        tcp_rust::IpAddr::TYPE_V4
    }
    fn set_type(&mut self, _: u8) {}
    fn isany(&self) -> bool {
        self.addr == 0
    }
    fn addr_eq(&self, other: &IpAddrT) -> bool {
        self.addr == other.addr
    }
    fn v4(&self) -> [u8; 4] {
        self.addr.to_ne_bytes()
    }
    fn v6(&self) -> [u8; 16] {
        [0; 16]
    }
    fn from_ip(a: tcp_rust::IpAddr) -> Option<IpAddrT> {
        match a {
            tcp_rust::IpAddr::V4(a) => Some(IpAddrT::from_v4(a)),
            tcp_rust::IpAddr::Any => Some(IpAddrT::ANY),
            tcp_rust::IpAddr::V6(_) => None,
        }
    }
    fn to_ip(&self) -> tcp_rust::IpAddr {
        tcp_rust::IpAddr::V4(self.v4())
    }
    fn from_v4(a: [u8; 4]) -> IpAddrT {
        IpAddrT {
            addr: u32::from_ne_bytes(a),
        }
    }
}

/// `void *callback_arg`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackArg(pub *mut c_void);

impl NullValue for CallbackArg {
    const NULL: CallbackArg = CallbackArg(core::ptr::null_mut());
}

macro_rules! callback_ptr {
    ($(#[$doc:meta])* $name:ident, fn($($arg:ty),*) $(-> $ret:ty)?) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pub Option<unsafe extern "C" fn($($arg),*) $(-> $ret)?>);

        /// The same pointer (C's `==`).
        impl PartialEq for $name {
            fn eq(&self, other: &$name) -> bool {
                match (self.0, other.0) {
                    (None, None) => true,
                    (Some(a), Some(b)) => core::ptr::fn_addr_eq(a, b),
                    _ => false,
                }
            }
        }

        impl Eq for $name {}

        impl NullValue for $name {
            const NULL: $name = $name(None);
        }

        impl CallbackRepr for $name {
            fn is_set(&self) -> bool {
                self.0.is_some()
            }
            /// The C application registers its own (`tcp_recv()` etc.).
            fn app() -> Option<$name> {
                None
            }
        }
    };
}

callback_ptr!(
    /// `tcp_recv_fn`: `(arg, tpcb, p, err) -> err_t`.
    RecvFn, fn(*mut c_void, *mut c_void, *mut c_void, ErrT) -> ErrT
);
callback_ptr!(
    /// `tcp_sent_fn`: `(arg, tpcb, len) -> err_t`.
    SentFn, fn(*mut c_void, *mut c_void, u16) -> ErrT
);
callback_ptr!(
    /// `tcp_connected_fn`: `(arg, tpcb, err) -> err_t`.
    ConnectedFn, fn(*mut c_void, *mut c_void, ErrT) -> ErrT
);
callback_ptr!(
    /// `tcp_poll_fn`: `(arg, tpcb) -> err_t`.
    PollFn, fn(*mut c_void, *mut c_void) -> ErrT
);
callback_ptr!(
    /// `tcp_err_fn`: `(arg, err)`.
    ErrFn, fn(*mut c_void, ErrT)
);

/// `tcp_accept_fn`: `(arg, newpcb, err) -> err_t`.
pub type AcceptCallback = unsafe extern "C" fn(*mut c_void, *mut c_void, ErrT) -> ErrT;

/// `lpcb->accept`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct AcceptFnPtr(pub Option<AcceptCallback>);

/// The same pointer (C's `==`).
impl PartialEq for AcceptFnPtr {
    fn eq(&self, other: &AcceptFnPtr) -> bool {
        match (self.0, other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => core::ptr::fn_addr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for AcceptFnPtr {}

/// What `tcp_listen` installs where lwIP installs its file-local
/// `tcp_accept_null`: a pointer the core recognises
/// ([`AcceptRepr::kind`] is [`AcceptFn::AcceptNull`]) and runs itself
/// (abort the new pcb, `ERR_ABRT`), as lwIP's does. No C code can name
/// lwIP's (it is `static` in tcp.c), so nothing else calls this one; if
/// something did, it would get `ERR_ABRT` and the pcb would be left to the
/// core. Its body reads a static of its own, so that no other function
/// has the same code and a linker folding identical functions cannot give
/// another function its address.
unsafe extern "C" fn accept_null_marker(_arg: *mut c_void, _new: *mut c_void, _err: ErrT) -> ErrT {
    static ACCEPT_NULL_RESULT: ErrT = tcp_rust::Err::Abrt as ErrT;
    core::hint::black_box(ACCEPT_NULL_RESULT)
}

impl NullValue for AcceptFnPtr {
    const NULL: AcceptFnPtr = AcceptFnPtr(None);
}

impl AcceptRepr for AcceptFnPtr {
    const ACCEPT_NULL: AcceptFnPtr = AcceptFnPtr(Some(accept_null_marker));
    fn kind(&self) -> AcceptFn {
        match self.0 {
            None => AcceptFn::Null,
            Some(f) if core::ptr::fn_addr_eq(f, accept_null_marker as AcceptCallback) => {
                AcceptFn::AcceptNull
            }
            Some(_) => AcceptFn::App,
        }
    }
    /// NULL and `tcp_accept_null`; the application's is a C pointer the
    /// C side registers (`tcp_accept()`).
    fn from_kind(k: AcceptFn) -> Option<AcceptFnPtr> {
        match k {
            AcceptFn::Null => Some(AcceptFnPtr::NULL),
            AcceptFn::AcceptNull => Some(AcceptFnPtr::ACCEPT_NULL),
            AcceptFn::App => None,
        }
    }
}

/// The C structures this layout mirrors, each with the fields checked
/// against the C compiler, in lwIP's order: calls `$m!(c_name, RustType,
/// table_name, [field, ...])` once per structure. A field that C has only
/// under an option is written `field if OPTION`: `OPTION` is both the C
/// macro and a `bool` of [`crate::opts`] (the Rust field exists either way,
/// zero-sized when the option is off); the tables hold `u32::MAX` for it
/// when the option is off, on both sides. The one list both
/// `tests/layout.rs` (offsets and sizes, host C compiler) and
/// [`crate::layout_table`] (offsets in the library's own object, for
/// ci/lwip-lib's check against the target's C compiler) use.
#[macro_export]
macro_rules! for_each_c_struct {
    ($m:ident) => {
        $m!(
            "tcp_pcb",
            tcp_rust::TcpPcb<$crate::layout::CLayout>,
            tcpdiff_layout_tcp_pcb,
            [
                local_ip,
                remote_ip,
                netif_idx,
                so_options,
                tos,
                ttl,
                next,
                callback_arg,
                state,
                prio,
                local_port,
                remote_port,
                flags,
                polltmr,
                pollinterval,
                last_timer,
                tmr,
                rcv_nxt,
                rcv_wnd,
                rcv_ann_wnd,
                rcv_ann_right_edge,
                rcv_sacks if LWIP_TCP_SACK_OUT,
                rtime,
                mss,
                rttest,
                rtseq,
                sa,
                sv,
                rto,
                nrtx,
                dupacks,
                lastack,
                cwnd,
                ssthresh,
                rto_end,
                snd_nxt,
                snd_wl1,
                snd_wl2,
                snd_lbb,
                snd_wnd,
                snd_wnd_max,
                snd_buf,
                snd_queuelen,
                unsent_oversize,
                bytes_acked,
                unsent,
                unacked,
                ooseq,
                refused_data,
                listener,
                sent,
                recv,
                connected,
                poll,
                errf,
                ts_lastacksent if LWIP_TCP_TIMESTAMPS,
                ts_recent if LWIP_TCP_TIMESTAMPS,
                keep_idle,
                keep_intvl if LWIP_TCP_KEEPALIVE,
                keep_cnt if LWIP_TCP_KEEPALIVE,
                persist_cnt,
                persist_backoff,
                persist_probe,
                keep_cnt_sent,
                snd_scale,
                rcv_scale,
            ]
        );
        $m!(
            "tcp_pcb_listen",
            tcp_rust::TcpPcbListen<$crate::layout::CLayout>,
            tcpdiff_layout_tcp_pcb_listen,
            [
                local_ip,
                remote_ip,
                netif_idx,
                so_options,
                tos,
                ttl,
                next,
                callback_arg,
                state,
                prio,
                local_port,
                accept,
                backlog if TCP_LISTEN_BACKLOG,
                accepts_pending if TCP_LISTEN_BACKLOG,
            ]
        );
        $m!(
            "tcp_seg",
            tcp_rust::TcpSeg<$crate::layout::CLayout>,
            tcpdiff_layout_tcp_seg,
            [
                next,
                p,
                len,
                oversize_left if TCP_OVERSIZE_DBGCHECK,
                chksum if LWIP_CHECKSUM_ON_COPY,
                chksum_swapped if LWIP_CHECKSUM_ON_COPY,
                flags,
                tcphdr,
            ]
        );
    };
}
