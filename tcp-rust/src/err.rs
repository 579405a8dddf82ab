//! lwIP's error codes.
//!
//! Port of lwIP's `err_t` / `err_enum_t` (err.h).
//!
//! The enum is called [`Err`] after lwIP's `err_t`. Note that importing it
//! shadows the prelude's `Result::Err` in the *type* namespace only; the
//! `Err(..)` constructor and pattern of `Result` keep working, but modules
//! that use both may prefer `use crate::err::Err as LwipErr`.

/// Port of lwIP's `err_enum_t` (err.h); `#[repr(i8)]` like `err_t` (`s8_t`).
///
/// Each variant has the numeric value of the C enumerator it mirrors.
#[repr(i8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Err {
    /// Port of lwIP's `ERR_OK` (0): no error, everything OK.
    Ok = 0,
    /// Port of lwIP's `ERR_MEM` (-1): out of memory error.
    Mem = -1,
    /// Port of lwIP's `ERR_BUF` (-2): buffer error.
    Buf = -2,
    /// Port of lwIP's `ERR_TIMEOUT` (-3): timeout.
    Timeout = -3,
    /// Port of lwIP's `ERR_RTE` (-4): routing problem.
    Rte = -4,
    /// Port of lwIP's `ERR_INPROGRESS` (-5): operation in progress.
    InProgress = -5,
    /// Port of lwIP's `ERR_VAL` (-6): illegal value.
    Val = -6,
    /// Port of lwIP's `ERR_WOULDBLOCK` (-7): operation would block.
    WouldBlock = -7,
    /// Port of lwIP's `ERR_USE` (-8): address in use.
    Use = -8,
    /// Port of lwIP's `ERR_ALREADY` (-9): already connecting.
    Already = -9,
    /// Port of lwIP's `ERR_ISCONN` (-10): connection already established.
    IsConn = -10,
    /// Port of lwIP's `ERR_CONN` (-11): not connected.
    Conn = -11,
    /// Port of lwIP's `ERR_IF` (-12): low-level netif error.
    If = -12,
    /// Port of lwIP's `ERR_ABRT` (-13): connection aborted.
    Abrt = -13,
    /// Port of lwIP's `ERR_RST` (-14): connection reset.
    Rst = -14,
    /// Port of lwIP's `ERR_CLSD` (-15): connection closed.
    Clsd = -15,
    /// Port of lwIP's `ERR_ARG` (-16): illegal argument.
    Arg = -16,
}

/// All variants, in order of descending value (`ERR_OK` first, `ERR_ARG` last).
const ALL: [Err; 17] = [
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

impl Err {
    /// Every error code, `ERR_OK` (0) down to `ERR_ARG` (-16).
    pub const ALL: [Err; 17] = ALL;

    /// Converts a raw `err_t` value; `None` for values lwIP does not define.
    pub fn from_raw(raw: i8) -> Option<Err> {
        // ALL is ordered by value, ERR_OK (0) first: -raw is the index.
        let i = usize::try_from(-i16::from(raw)).ok()?;
        ALL.get(i).copied()
    }

    /// The raw `err_t` value.
    pub const fn as_raw(self) -> i8 {
        self as i8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_err_h() {
        assert_eq!(Err::Ok.as_raw(), 0);
        assert_eq!(Err::Mem.as_raw(), -1);
        assert_eq!(Err::Buf.as_raw(), -2);
        assert_eq!(Err::Timeout.as_raw(), -3);
        assert_eq!(Err::Rte.as_raw(), -4);
        assert_eq!(Err::InProgress.as_raw(), -5);
        assert_eq!(Err::Val.as_raw(), -6);
        assert_eq!(Err::WouldBlock.as_raw(), -7);
        assert_eq!(Err::Use.as_raw(), -8);
        assert_eq!(Err::Already.as_raw(), -9);
        assert_eq!(Err::IsConn.as_raw(), -10);
        assert_eq!(Err::Conn.as_raw(), -11);
        assert_eq!(Err::If.as_raw(), -12);
        assert_eq!(Err::Abrt.as_raw(), -13);
        assert_eq!(Err::Rst.as_raw(), -14);
        assert_eq!(Err::Clsd.as_raw(), -15);
        assert_eq!(Err::Arg.as_raw(), -16);
    }

    #[test]
    fn all_is_ordered_and_round_trips() {
        for (i, e) in Err::ALL.iter().enumerate() {
            let raw = e.as_raw();
            assert_eq!(i8::try_from(i).map(|i| -i), Ok(raw));
            assert_eq!(Err::from_raw(raw), Some(*e));
        }
    }

    #[test]
    fn from_raw_rejects_unknown() {
        for raw in i8::MIN..=i8::MAX {
            let known = (-16..=0).contains(&raw);
            assert_eq!(Err::from_raw(raw).is_some(), known, "{raw}");
        }
    }
}
