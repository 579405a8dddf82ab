//! lwIP's connection states: `enum tcp_state` (tcpbase.h).

use core::fmt;

/// lwIP's `enum tcp_state` (tcpbase.h), with the same numeric values
/// (`CLOSED = 0` … `TIME_WAIT = 10`).
///
/// The variant names are the C enumerators in Rust case; [`TcpState::name`]
/// is the C enumerator itself, as `tcp_state_str` (tcp.c) spells it.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TcpState {
    /// lwIP's `CLOSED` (0).
    Closed = 0,
    /// lwIP's `LISTEN` (1).
    Listen = 1,
    /// lwIP's `SYN_SENT` (2).
    SynSent = 2,
    /// lwIP's `SYN_RCVD` (3).
    SynRcvd = 3,
    /// lwIP's `ESTABLISHED` (4).
    Established = 4,
    /// lwIP's `FIN_WAIT_1` (5).
    FinWait1 = 5,
    /// lwIP's `FIN_WAIT_2` (6).
    FinWait2 = 6,
    /// lwIP's `CLOSE_WAIT` (7).
    CloseWait = 7,
    /// lwIP's `CLOSING` (8).
    Closing = 8,
    /// lwIP's `LAST_ACK` (9).
    LastAck = 9,
    /// lwIP's `TIME_WAIT` (10).
    TimeWait = 10,
}

impl TcpState {
    /// Every state, in numeric order (the value is the index).
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

    /// Converts a raw `enum tcp_state` value; `None` for values lwIP does
    /// not define.
    pub fn from_raw(raw: u8) -> Option<TcpState> {
        TcpState::ALL.get(usize::from(raw)).copied()
    }

    /// The raw value.
    pub const fn as_raw(self) -> u8 {
        self as u8
    }

    /// lwIP's name for it (`tcp_state_str`, tcp.c): `"SYN_RCVD"`.
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
}

impl From<TcpState> for u8 {
    fn from(s: TcpState) -> u8 {
        s.as_raw()
    }
}

impl TryFrom<u8> for TcpState {
    type Error = UnknownState;

    fn try_from(raw: u8) -> Result<TcpState, UnknownState> {
        TcpState::from_raw(raw).ok_or(UnknownState(raw))
    }
}

impl fmt::Display for TcpState {
    /// lwIP's name (`SYN_RCVD`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A raw `enum tcp_state` value that tcpbase.h does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownState(pub u8);

impl fmt::Display for UnknownState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tcp_state({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_ordered_and_round_trips() {
        for (i, s) in TcpState::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.as_raw()), i, "{s}");
            assert_eq!(TcpState::from_raw(s.as_raw()), Some(*s));
            assert_eq!(TcpState::try_from(u8::from(*s)), Ok(*s));
        }
        for raw in 11..=u8::MAX {
            assert_eq!(TcpState::try_from(raw), Err(UnknownState(raw)));
        }
    }

    #[test]
    fn names() {
        assert_eq!(TcpState::SynRcvd.to_string(), "SYN_RCVD");
        assert_eq!(TcpState::FinWait2.name(), "FIN_WAIT_2");
        assert_eq!(UnknownState(11).to_string(), "tcp_state(11)");
        let names: std::collections::BTreeSet<_> = TcpState::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), TcpState::ALL.len());
    }
}
