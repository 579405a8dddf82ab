use std::fmt;

/// lwIP's `err_t` (lwip/err.h), as returned by the raw API and passed to
/// and returned from callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrT {
    /// ERR_OK (0)
    Ok,
    /// ERR_MEM (-1): out of memory.
    Mem,
    /// ERR_BUF (-2): buffer error.
    Buf,
    /// ERR_TIMEOUT (-3)
    Timeout,
    /// ERR_RTE (-4): routing problem.
    Rte,
    /// ERR_INPROGRESS (-5)
    InProgress,
    /// ERR_VAL (-6): illegal value.
    Val,
    /// ERR_WOULDBLOCK (-7)
    WouldBlock,
    /// ERR_USE (-8): address in use.
    Use,
    /// ERR_ALREADY (-9)
    Already,
    /// ERR_ISCONN (-10)
    IsConn,
    /// ERR_CONN (-11): not connected.
    Conn,
    /// ERR_IF (-12): low-level netif error.
    If,
    /// ERR_ABRT (-13): connection aborted.
    Abrt,
    /// ERR_RST (-14): connection reset.
    Rst,
    /// ERR_CLSD (-15): connection closed.
    Clsd,
    /// ERR_ARG (-16): illegal argument.
    Arg,
    /// A value lwIP does not define (only an application could make one).
    Other(i8),
}

const TABLE: [(ErrT, i8, &str); 17] = [
    (ErrT::Ok, 0, "ERR_OK"),
    (ErrT::Mem, -1, "ERR_MEM"),
    (ErrT::Buf, -2, "ERR_BUF"),
    (ErrT::Timeout, -3, "ERR_TIMEOUT"),
    (ErrT::Rte, -4, "ERR_RTE"),
    (ErrT::InProgress, -5, "ERR_INPROGRESS"),
    (ErrT::Val, -6, "ERR_VAL"),
    (ErrT::WouldBlock, -7, "ERR_WOULDBLOCK"),
    (ErrT::Use, -8, "ERR_USE"),
    (ErrT::Already, -9, "ERR_ALREADY"),
    (ErrT::IsConn, -10, "ERR_ISCONN"),
    (ErrT::Conn, -11, "ERR_CONN"),
    (ErrT::If, -12, "ERR_IF"),
    (ErrT::Abrt, -13, "ERR_ABRT"),
    (ErrT::Rst, -14, "ERR_RST"),
    (ErrT::Clsd, -15, "ERR_CLSD"),
    (ErrT::Arg, -16, "ERR_ARG"),
];

impl ErrT {
    /// The `err_t` value.
    pub fn raw(self) -> i8 {
        match self {
            ErrT::Other(v) => v,
            e => TABLE.iter().find(|t| t.0 == e).map_or(0, |t| t.1),
        }
    }

    /// From an `err_t` value.
    pub fn from_raw(v: i8) -> ErrT {
        TABLE
            .iter()
            .find(|t| t.1 == v)
            .map_or(ErrT::Other(v), |t| t.0)
    }

    /// lwIP's name for it (`ERR_MEM`), or the number for an unknown value.
    pub fn name(self) -> String {
        match TABLE.iter().find(|t| t.0 == self) {
            Some(t) => t.2.to_string(),
            None => format!("err_t({})", self.raw()),
        }
    }

    /// From lwIP's name (`ERR_MEM`).
    pub fn from_name(name: &str) -> Option<ErrT> {
        TABLE.iter().find(|t| t.2 == name).map(|t| t.0)
    }
}

impl fmt::Display for ErrT {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_value() {
        for v in i8::MIN..=i8::MAX {
            assert_eq!(ErrT::from_raw(v).raw(), v);
        }
        assert_eq!(ErrT::from_raw(-13), ErrT::Abrt);
        assert_eq!(ErrT::from_name("ERR_ABRT"), Some(ErrT::Abrt));
        assert_eq!(ErrT::Other(-40).to_string(), "err_t(-40)");
    }
}
