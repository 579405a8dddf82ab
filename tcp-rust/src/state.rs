//! Connection states, PCB flags and TCP header flag bits.
//!
//! - [`TcpState`]: port of lwIP's `enum tcp_state` (tcpbase.h).
//! - [`TcpFlags`] and the `TF_*` constants: port of lwIP's `tcpflags_t` and
//!   the `pcb->flags` bits (tcp.h), plus the input-processing `recv_flags`
//!   bits `TF_RESET`, `TF_CLOSED`, `TF_GOT_FIN` (tcp_priv.h).
//! - `TCP_FIN` … `TCP_CWR`, `TCP_FLAGS`: the header flag bits (prot/tcp.h),
//!   as raw `u8` constants because a segment may carry any combination
//!   (e.g. SYN+FIN).

use core::fmt;

/// Port of lwIP's `enum tcp_state` (tcpbase.h), with the same numeric
/// values (`CLOSED = 0` … `TIME_WAIT = 10`).
///
/// The variant names are the C enumerators in Rust case; [`TcpState::name`]
/// returns the C spelling (lwIP's `tcp_state_str[]`).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TcpState {
    /// Port of lwIP's `CLOSED` (0).
    Closed = 0,
    /// Port of lwIP's `LISTEN` (1).
    Listen = 1,
    /// Port of lwIP's `SYN_SENT` (2).
    SynSent = 2,
    /// Port of lwIP's `SYN_RCVD` (3).
    SynRcvd = 3,
    /// Port of lwIP's `ESTABLISHED` (4).
    Established = 4,
    /// Port of lwIP's `FIN_WAIT_1` (5).
    FinWait1 = 5,
    /// Port of lwIP's `FIN_WAIT_2` (6).
    FinWait2 = 6,
    /// Port of lwIP's `CLOSE_WAIT` (7).
    CloseWait = 7,
    /// Port of lwIP's `CLOSING` (8).
    Closing = 8,
    /// Port of lwIP's `LAST_ACK` (9).
    LastAck = 9,
    /// Port of lwIP's `TIME_WAIT` (10).
    TimeWait = 10,
}

impl TcpState {
    /// Every state, in numeric order.
    pub const ALL: [TcpState; 11] = [
        TcpState::Closed,
        TcpState::Listen,
        TcpState::SynSent,
        TcpState::SynRcvd,
        TcpState::Established,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::CloseWait,
        TcpState::Closing,
        TcpState::LastAck,
        TcpState::TimeWait,
    ];

    /// Converts a raw `enum tcp_state` value; `None` above `TIME_WAIT` (10).
    pub const fn from_raw(raw: u8) -> Option<TcpState> {
        Some(match raw {
            0 => TcpState::Closed,
            1 => TcpState::Listen,
            2 => TcpState::SynSent,
            3 => TcpState::SynRcvd,
            4 => TcpState::Established,
            5 => TcpState::FinWait1,
            6 => TcpState::FinWait2,
            7 => TcpState::CloseWait,
            8 => TcpState::Closing,
            9 => TcpState::LastAck,
            10 => TcpState::TimeWait,
            _ => return None,
        })
    }

    /// The raw `enum tcp_state` value.
    pub const fn as_raw(self) -> u8 {
        self as u8
    }

    /// Port of lwIP's `tcp_state_str[]` / `tcp_debug_state_str` (tcp.c):
    /// the C enumerator name, e.g. `"SYN_RCVD"`.
    pub const fn name(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRcvd => "SYN_RCVD",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN_WAIT_1",
            TcpState::FinWait2 => "FIN_WAIT_2",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST_ACK",
            TcpState::TimeWait => "TIME_WAIT",
        }
    }

    /// Port of lwIP's `TCP_STATE_IS_CLOSING(state)` (tcpbase.h):
    /// `state >= FIN_WAIT_1` (depends on the numeric ordering, as in C).
    pub const fn is_closing(self) -> bool {
        self.as_raw() >= TcpState::FinWait1.as_raw()
    }
}

/// Prints the C name (`tcp_state_str[]`), e.g. `ESTABLISHED`.
impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<u8> for TcpState {
    type Error = u8;
    /// Fails with the raw value if it is above `TIME_WAIT` (10).
    fn try_from(raw: u8) -> Result<TcpState, u8> {
        TcpState::from_raw(raw).ok_or(raw)
    }
}

// ---------------------------------------------------------------------------
// pcb->flags
// ---------------------------------------------------------------------------

/// Port of lwIP's `tcpflags_t` (tcp.h): the type of `pcb->flags`.
///
/// lwIP 2.2.1 defines it as `u16_t` unconditionally.
pub type TcpFlags = u16;

/// Port of lwIP's `TCP_ALLFLAGS` (tcp.h).
pub const TCP_ALLFLAGS: TcpFlags = 0xffff;

/// Port of lwIP's `TF_ACK_DELAY` (tcp.h): delayed ACK.
pub const TF_ACK_DELAY: TcpFlags = 0x01;
/// Port of lwIP's `TF_ACK_NOW` (tcp.h): immediate ACK.
pub const TF_ACK_NOW: TcpFlags = 0x02;
/// Port of lwIP's `TF_INFR` (tcp.h): in fast recovery.
pub const TF_INFR: TcpFlags = 0x04;
/// Port of lwIP's `TF_CLOSEPEND` (tcp.h): `tcp_close` failed to enqueue the
/// FIN (retried in `tcp_tmr`).
pub const TF_CLOSEPEND: TcpFlags = 0x08;
/// Port of lwIP's `TF_RXCLOSED` (tcp.h): rx closed by `tcp_shutdown`.
pub const TF_RXCLOSED: TcpFlags = 0x10;
/// Port of lwIP's `TF_FIN` (tcp.h): connection was closed locally (FIN
/// segment enqueued).
pub const TF_FIN: TcpFlags = 0x20;
/// Port of lwIP's `TF_NODELAY` (tcp.h): Nagle algorithm disabled.
pub const TF_NODELAY: TcpFlags = 0x40;
/// Port of lwIP's `TF_NAGLEMEMERR` (tcp.h): Nagle enabled, memerr, try to
/// output to prevent the delayed ACK from happening.
pub const TF_NAGLEMEMERR: TcpFlags = 0x80;
/// Port of lwIP's `TF_WND_SCALE` (tcp.h): window scale option enabled.
/// (Defined in C only `#if LWIP_WND_SCALE`.)
pub const TF_WND_SCALE: TcpFlags = 0x0100;
/// Port of lwIP's `TF_BACKLOGPEND` (tcp.h): this connection pcb has
/// increased the backlog on its listener. (C: only `#if TCP_LISTEN_BACKLOG`.)
pub const TF_BACKLOGPEND: TcpFlags = 0x0200;
/// Port of lwIP's `TF_TIMESTAMP` (tcp.h): timestamp option enabled.
/// (C: only `#if LWIP_TCP_TIMESTAMPS`.)
pub const TF_TIMESTAMP: TcpFlags = 0x0400;
/// Port of lwIP's `TF_RTO` (tcp.h): RTO timer has fired, in-flight data
/// moved to unsent and being retransmitted.
pub const TF_RTO: TcpFlags = 0x0800;
/// Port of lwIP's `TF_SACK` (tcp.h): selective ACKs enabled.
/// (C: only `#if LWIP_TCP_SACK_OUT`.)
pub const TF_SACK: TcpFlags = 0x1000;

/// Every `pcb->flags` bit defined by lwIP 2.2.1, with its C name.
pub const TF_NAMES: [(TcpFlags, &str); 13] = [
    (TF_ACK_DELAY, "TF_ACK_DELAY"),
    (TF_ACK_NOW, "TF_ACK_NOW"),
    (TF_INFR, "TF_INFR"),
    (TF_CLOSEPEND, "TF_CLOSEPEND"),
    (TF_RXCLOSED, "TF_RXCLOSED"),
    (TF_FIN, "TF_FIN"),
    (TF_NODELAY, "TF_NODELAY"),
    (TF_NAGLEMEMERR, "TF_NAGLEMEMERR"),
    (TF_WND_SCALE, "TF_WND_SCALE"),
    (TF_BACKLOGPEND, "TF_BACKLOGPEND"),
    (TF_TIMESTAMP, "TF_TIMESTAMP"),
    (TF_RTO, "TF_RTO"),
    (TF_SACK, "TF_SACK"),
];

// ---------------------------------------------------------------------------
// recv_flags (tcp_in.c), not pcb->flags
// ---------------------------------------------------------------------------

/// Port of lwIP's `TF_RESET` (tcp_priv.h): input-processing flag (lwIP's
/// `recv_flags` in tcp_in.c, *not* `pcb->flags`): connection was reset.
pub const TF_RESET: u8 = 0x08;
/// Port of lwIP's `TF_CLOSED` (tcp_priv.h): input-processing flag
/// (`recv_flags`): connection was successfully closed.
pub const TF_CLOSED: u8 = 0x10;
/// Port of lwIP's `TF_GOT_FIN` (tcp_priv.h): input-processing flag
/// (`recv_flags`): connection was closed by the remote end.
pub const TF_GOT_FIN: u8 = 0x20;

// ---------------------------------------------------------------------------
// TCP header flags (prot/tcp.h)
// ---------------------------------------------------------------------------

/// Port of lwIP's `TCP_FIN` (prot/tcp.h).
pub const TCP_FIN: u8 = 0x01;
/// Port of lwIP's `TCP_SYN` (prot/tcp.h).
pub const TCP_SYN: u8 = 0x02;
/// Port of lwIP's `TCP_RST` (prot/tcp.h).
pub const TCP_RST: u8 = 0x04;
/// Port of lwIP's `TCP_PSH` (prot/tcp.h).
pub const TCP_PSH: u8 = 0x08;
/// Port of lwIP's `TCP_ACK` (prot/tcp.h).
pub const TCP_ACK: u8 = 0x10;
/// Port of lwIP's `TCP_URG` (prot/tcp.h).
pub const TCP_URG: u8 = 0x20;
/// Port of lwIP's `TCP_ECE` (prot/tcp.h).
pub const TCP_ECE: u8 = 0x40;
/// Port of lwIP's `TCP_CWR` (prot/tcp.h).
pub const TCP_CWR: u8 = 0x80;
/// Port of lwIP's `TCP_FLAGS` (prot/tcp.h): the "valid" header flags
/// (FIN..URG). `TCPH_FLAGS` masks with this, so lwIP never sees ECE/CWR.
pub const TCP_FLAGS: u8 = 0x3f;

/// Formats TCP header flag bits like `SYN|ACK` (C-order FIN, SYN, RST, PSH,
/// ACK, URG, ECE, CWR; `-` when none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HdrFlagsDisplay(pub u8);

impl fmt::Display for HdrFlagsDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(u8, &str); 8] = [
            (TCP_FIN, "FIN"),
            (TCP_SYN, "SYN"),
            (TCP_RST, "RST"),
            (TCP_PSH, "PSH"),
            (TCP_ACK, "ACK"),
            (TCP_URG, "URG"),
            (TCP_ECE, "ECE"),
            (TCP_CWR, "CWR"),
        ];
        let mut first = true;
        for (bit, name) in NAMES {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// Formats `pcb->flags` bits with their lwIP names, e.g.
/// `TF_ACK_NOW|TF_NODELAY` (`-` when none; unknown bits as hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcbFlagsDisplay(pub TcpFlags);

impl fmt::Display for PcbFlagsDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        let mut first = true;
        for (bit, name) in TF_NAMES {
            if rest & bit != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
                rest &= !bit;
            }
        }
        if rest != 0 {
            if !first {
                f.write_str("|")?;
            }
            write!(f, "{rest:#06x}")?;
            first = false;
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn state_values_and_names() {
        let names = [
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
        for (i, s) in TcpState::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.as_raw()), i);
            assert_eq!(TcpState::from_raw(s.as_raw()), Some(*s));
            assert_eq!(TcpState::try_from(s.as_raw()), Ok(*s));
            assert_eq!(Some(&s.name()), names.get(i));
            assert_eq!(s.to_string(), s.name());
        }
        assert_eq!(TcpState::TimeWait.as_raw(), 10);
        assert_eq!(TcpState::from_raw(11), None);
        assert_eq!(TcpState::try_from(255), Err(255));
    }

    #[test]
    fn closing_predicate() {
        for s in TcpState::ALL {
            assert_eq!(s.is_closing(), s.as_raw() >= 5, "{s}");
        }
        assert!(!TcpState::Established.is_closing());
        assert!(TcpState::FinWait1.is_closing());
        assert!(TcpState::TimeWait.is_closing());
    }

    #[test]
    fn pcb_flag_values() {
        assert_eq!(TF_ACK_DELAY, 0x0001);
        assert_eq!(TF_ACK_NOW, 0x0002);
        assert_eq!(TF_INFR, 0x0004);
        assert_eq!(TF_CLOSEPEND, 0x0008);
        assert_eq!(TF_RXCLOSED, 0x0010);
        assert_eq!(TF_FIN, 0x0020);
        assert_eq!(TF_NODELAY, 0x0040);
        assert_eq!(TF_NAGLEMEMERR, 0x0080);
        assert_eq!(TF_WND_SCALE, 0x0100);
        assert_eq!(TF_BACKLOGPEND, 0x0200);
        assert_eq!(TF_TIMESTAMP, 0x0400);
        assert_eq!(TF_RTO, 0x0800);
        assert_eq!(TF_SACK, 0x1000);
        // All distinct single bits.
        let mut acc: TcpFlags = 0;
        for (bit, _) in TF_NAMES {
            assert_eq!(bit.count_ones(), 1);
            assert_eq!(acc & bit, 0);
            acc |= bit;
        }
        assert_eq!(acc, 0x1fff);
        assert_eq!((TF_RESET, TF_CLOSED, TF_GOT_FIN), (0x08, 0x10, 0x20));
    }

    #[test]
    fn header_flag_values() {
        assert_eq!(
            [
                TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR
            ],
            [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]
        );
        assert_eq!(TCP_FLAGS, 0x3f);
        assert_eq!(HdrFlagsDisplay(TCP_SYN | TCP_FIN).to_string(), "FIN|SYN");
        assert_eq!(HdrFlagsDisplay(TCP_SYN | TCP_ACK).to_string(), "SYN|ACK");
        assert_eq!(HdrFlagsDisplay(0).to_string(), "-");
        assert_eq!(
            PcbFlagsDisplay(TF_ACK_NOW | TF_NODELAY).to_string(),
            "TF_ACK_NOW|TF_NODELAY"
        );
        assert_eq!(
            PcbFlagsDisplay(TF_SACK | 0x8000).to_string(),
            "TF_SACK|0x8000"
        );
        assert_eq!(PcbFlagsDisplay(0).to_string(), "-");
    }
}
