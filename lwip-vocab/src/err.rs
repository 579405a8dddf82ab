//! lwIP's error codes: `err_t` / `err_enum_t` (err.h).

use core::fmt;

/// lwIP's `err_enum_t` (err.h); `#[repr(i8)]` like `err_t` (`s8_t`).
///
/// Each variant has the numeric value of the C enumerator it mirrors. The
/// enum is called `Err` after lwIP's `err_t`. Importing it shadows the
/// prelude's `Result::Err` in the *type* namespace only; the `Err(..)`
/// constructor and pattern of `Result` keep working, but modules that use
/// both may prefer `use lwip_vocab::Err as LwipErr`.
///
/// A raw value comes in through [`Err::from_raw`] or `TryFrom<i8>`, which
/// say explicitly when lwIP defines no such value ([`UnknownErr`]);
/// [`RawErr`] names a raw value either way.
#[repr(i8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Err {
    /// lwIP's `ERR_OK` (0): no error, everything OK.
    Ok = 0,
    /// lwIP's `ERR_MEM` (-1): out of memory error.
    Mem = -1,
    /// lwIP's `ERR_BUF` (-2): buffer error.
    Buf = -2,
    /// lwIP's `ERR_TIMEOUT` (-3): timeout.
    Timeout = -3,
    /// lwIP's `ERR_RTE` (-4): routing problem.
    Rte = -4,
    /// lwIP's `ERR_INPROGRESS` (-5): operation in progress.
    InProgress = -5,
    /// lwIP's `ERR_VAL` (-6): illegal value.
    Val = -6,
    /// lwIP's `ERR_WOULDBLOCK` (-7): operation would block.
    WouldBlock = -7,
    /// lwIP's `ERR_USE` (-8): address in use.
    Use = -8,
    /// lwIP's `ERR_ALREADY` (-9): already connecting.
    Already = -9,
    /// lwIP's `ERR_ISCONN` (-10): connection already established.
    IsConn = -10,
    /// lwIP's `ERR_CONN` (-11): not connected.
    Conn = -11,
    /// lwIP's `ERR_IF` (-12): low-level netif error.
    If = -12,
    /// lwIP's `ERR_ABRT` (-13): connection aborted.
    Abrt = -13,
    /// lwIP's `ERR_RST` (-14): connection reset.
    Rst = -14,
    /// lwIP's `ERR_CLSD` (-15): connection closed.
    Clsd = -15,
    /// lwIP's `ERR_ARG` (-16): illegal argument.
    Arg = -16,
}

impl Err {
    /// Every error code, in order of descending value: `ERR_OK` (0) first,
    /// `ERR_ARG` (-16) last, so `-value` is the index.
    pub const ALL: [Err; 17] = [
        Err::Ok,
        Err::Mem,
        Err::Buf,
        Err::Timeout,
        Err::Rte,
        Err::InProgress,
        Err::Val,
        Err::WouldBlock,
        Err::Use,
        Err::Already,
        Err::IsConn,
        Err::Conn,
        Err::If,
        Err::Abrt,
        Err::Rst,
        Err::Clsd,
        Err::Arg,
    ];

    /// Converts a raw `err_t` value; `None` for values lwIP does not define.
    pub fn from_raw(raw: i8) -> Option<Err> {
        // ALL is ordered by value, ERR_OK (0) first: -raw is the index.
        let i = usize::try_from(-i16::from(raw)).ok()?;
        Err::ALL.get(i).copied()
    }

    /// The raw `err_t` value.
    pub const fn as_raw(self) -> i8 {
        self as i8
    }

    /// lwIP's name for it, the enumerator of err.h (`"ERR_MEM"`).
    pub const fn name(self) -> &'static str {
        match self {
            Err::Ok => "ERR_OK",
            Err::Mem => "ERR_MEM",
            Err::Buf => "ERR_BUF",
            Err::Timeout => "ERR_TIMEOUT",
            Err::Rte => "ERR_RTE",
            Err::InProgress => "ERR_INPROGRESS",
            Err::Val => "ERR_VAL",
            Err::WouldBlock => "ERR_WOULDBLOCK",
            Err::Use => "ERR_USE",
            Err::Already => "ERR_ALREADY",
            Err::IsConn => "ERR_ISCONN",
            Err::Conn => "ERR_CONN",
            Err::If => "ERR_IF",
            Err::Abrt => "ERR_ABRT",
            Err::Rst => "ERR_RST",
            Err::Clsd => "ERR_CLSD",
            Err::Arg => "ERR_ARG",
        }
    }

    /// From lwIP's name (`"ERR_MEM"`); `None` for any other text.
    pub fn from_name(name: &str) -> Option<Err> {
        Err::ALL.iter().copied().find(|e| e.name() == name)
    }

    /// The errno that lwIP's `err_to_errno()` (api/err.c,
    /// `err_to_errno_table`) gives for it, by name (`"ENOMEM"`); `None`
    /// for `ERR_OK` (0 there) and `ERR_IF` (-1 there, no errno).
    pub const fn errno_name(self) -> Option<&'static str> {
        Some(match self {
            Err::Ok | Err::If => return None,
            Err::Mem => "ENOMEM",
            Err::Buf => "ENOBUFS",
            Err::Timeout | Err::WouldBlock => "EWOULDBLOCK",
            Err::Rte => "EHOSTUNREACH",
            Err::InProgress => "EINPROGRESS",
            Err::Val => "EINVAL",
            Err::Use => "EADDRINUSE",
            Err::Already => "EALREADY",
            Err::IsConn => "EISCONN",
            Err::Conn | Err::Clsd => "ENOTCONN",
            Err::Abrt => "ECONNABORTED",
            Err::Rst => "ECONNRESET",
            Err::Arg => "EIO",
        })
    }
}

impl From<Err> for i8 {
    fn from(e: Err) -> i8 {
        e.as_raw()
    }
}

impl TryFrom<i8> for Err {
    type Error = UnknownErr;

    fn try_from(raw: i8) -> Result<Err, UnknownErr> {
        Err::from_raw(raw).ok_or(UnknownErr(raw))
    }
}

impl fmt::Display for Err {
    /// lwIP's name (`ERR_MEM`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A raw `err_t` value that err.h does not define (only an application, or
/// a TCP implementation that is not lwIP's, could make one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnknownErr(pub i8);

impl fmt::Display for UnknownErr {
    /// `err_t(-40)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "err_t({})", self.0)
    }
}

/// A raw `err_t` value as it was observed, defined by err.h or not. Its
/// `Display` is lwIP's name (`ERR_MEM`), or `err_t(-40)` for a value lwIP
/// does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawErr(pub i8);

impl RawErr {
    /// The value, if lwIP defines it.
    pub fn known(self) -> Result<Err, UnknownErr> {
        Err::try_from(self.0)
    }
}

impl fmt::Display for RawErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known() {
            Ok(e) => e.fmt(f),
            Err(u) => u.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_err_h() {
        let expected: [(Err, i8); 17] = [
            (Err::Ok, 0),
            (Err::Mem, -1),
            (Err::Buf, -2),
            (Err::Timeout, -3),
            (Err::Rte, -4),
            (Err::InProgress, -5),
            (Err::Val, -6),
            (Err::WouldBlock, -7),
            (Err::Use, -8),
            (Err::Already, -9),
            (Err::IsConn, -10),
            (Err::Conn, -11),
            (Err::If, -12),
            (Err::Abrt, -13),
            (Err::Rst, -14),
            (Err::Clsd, -15),
            (Err::Arg, -16),
        ];
        for (e, v) in expected {
            assert_eq!(e.as_raw(), v, "{e}");
            assert_eq!(i8::from(e), v, "{e}");
        }
    }

    #[test]
    fn all_is_ordered_and_round_trips() {
        for (i, e) in Err::ALL.iter().enumerate() {
            let raw = e.as_raw();
            assert_eq!(i8::try_from(i).map(|i| -i), Ok(raw));
            assert_eq!(Err::from_raw(raw), Some(*e));
            assert_eq!(Err::try_from(raw), Ok(*e));
            assert_eq!(Err::from_name(e.name()), Some(*e));
        }
    }

    #[test]
    fn unknown_values_are_explicit() {
        for raw in i8::MIN..=i8::MAX {
            let known = (-16..=0).contains(&raw);
            assert_eq!(Err::from_raw(raw).is_some(), known, "{raw}");
            assert_eq!(Err::try_from(raw).is_ok(), known, "{raw}");
            if !known {
                assert_eq!(Err::try_from(raw), Result::Err(UnknownErr(raw)));
            }
        }
        assert_eq!(Err::from_name("ERR_NOPE"), None);
        assert_eq!(Err::from_name("err_mem"), None);
    }

    #[test]
    fn names_and_display() {
        assert_eq!(Err::Abrt.name(), "ERR_ABRT");
        assert_eq!(Err::InProgress.to_string(), "ERR_INPROGRESS");
        assert_eq!(RawErr(-1).to_string(), "ERR_MEM");
        assert_eq!(RawErr(-40).to_string(), "err_t(-40)");
        assert_eq!(RawErr(3).to_string(), "err_t(3)");
        assert_eq!(UnknownErr(-17).to_string(), "err_t(-17)");
        let names: std::collections::BTreeSet<_> = Err::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(names.len(), Err::ALL.len());
    }

    #[test]
    fn errno_of_err_to_errno() {
        assert_eq!(Err::Ok.errno_name(), None);
        assert_eq!(Err::If.errno_name(), None);
        assert_eq!(Err::Mem.errno_name(), Some("ENOMEM"));
        assert_eq!(Err::Timeout.errno_name(), Some("EWOULDBLOCK"));
        assert_eq!(Err::Clsd.errno_name(), Some("ENOTCONN"));
        assert_eq!(Err::Arg.errno_name(), Some("EIO"));
    }
}
