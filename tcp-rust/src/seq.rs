//! TCP sequence-number arithmetic.
//!
//! Port of lwIP's `TCP_SEQ_LT`, `TCP_SEQ_LEQ`, `TCP_SEQ_GT`, `TCP_SEQ_GEQ`
//! and `TCP_SEQ_BETWEEN` (tcp_priv.h) as free functions on `u32`, named
//! after the macros for line-by-line porting.
//!
//! lwIP compares by the sign bit of the wrapping difference:
//! `TCP_SEQ_LT(a,b)` is `((u32_t)(a - b) & 0x80000000u) != 0`, and the other
//! macros are built from it. This is *not* a total order. In particular, when
//! `a` and `b` are exactly 2^31 apart, both `TCP_SEQ_LT(a,b)` and
//! `TCP_SEQ_LT(b,a)` are true, and so both `TCP_SEQ_LEQ(a,b)` and
//! `TCP_SEQ_LEQ(b,a)` are false. The port keeps that behaviour.
//!
//! Nothing here can panic: all arithmetic wraps.

/// Port of lwIP's `TCP_SEQ_LT(a,b)` (tcp_priv.h).
#[inline]
pub const fn tcp_seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) & 0x8000_0000) != 0
}

/// Port of lwIP's `TCP_SEQ_LEQ(a,b)` (tcp_priv.h): `!TCP_SEQ_LT(b,a)`.
#[inline]
pub const fn tcp_seq_leq(a: u32, b: u32) -> bool {
    !tcp_seq_lt(b, a)
}

/// Port of lwIP's `TCP_SEQ_GT(a,b)` (tcp_priv.h): `TCP_SEQ_LT(b,a)`.
#[inline]
pub const fn tcp_seq_gt(a: u32, b: u32) -> bool {
    tcp_seq_lt(b, a)
}

/// Port of lwIP's `TCP_SEQ_GEQ(a,b)` (tcp_priv.h): `TCP_SEQ_LEQ(b,a)`.
#[inline]
pub const fn tcp_seq_geq(a: u32, b: u32) -> bool {
    tcp_seq_leq(b, a)
}

/// Port of lwIP's `TCP_SEQ_BETWEEN(a,b,c)` (tcp_priv.h): "is b<=a<=c?",
/// i.e. `TCP_SEQ_GEQ(a,b) && TCP_SEQ_LEQ(a,c)`.
#[inline]
pub const fn tcp_seq_between(a: u32, b: u32, c: u32) -> bool {
    tcp_seq_geq(a, b) && tcp_seq_leq(a, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: the C macro text evaluated literally.
    fn c_lt(a: u32, b: u32) -> bool {
        (a.wrapping_sub(b) & 0x8000_0000u32) != 0
    }

    #[test]
    fn basic_order() {
        assert!(tcp_seq_lt(1, 2));
        assert!(!tcp_seq_lt(2, 1));
        assert!(!tcp_seq_lt(5, 5));
        assert!(tcp_seq_leq(5, 5));
        assert!(tcp_seq_geq(5, 5));
        assert!(!tcp_seq_gt(5, 5));
        assert!(tcp_seq_gt(2, 1));
        assert!(tcp_seq_geq(2, 1));
        assert!(!tcp_seq_geq(1, 2));
    }

    #[test]
    fn wraparound() {
        let hi = 0xffff_fff0u32;
        let lo = 0x0000_0010u32;
        assert!(tcp_seq_lt(hi, lo));
        assert!(tcp_seq_gt(lo, hi));
        assert!(tcp_seq_leq(hi, lo));
        assert!(tcp_seq_geq(lo, hi));
        assert!(tcp_seq_between(0, hi, lo));
        assert!(tcp_seq_between(u32::MAX, hi, lo));
        assert!(!tcp_seq_between(0x20, hi, lo));
        assert!(tcp_seq_between(hi, hi, lo));
        assert!(tcp_seq_between(lo, hi, lo));
        assert!(tcp_seq_lt(u32::MAX, 0));
        assert!(tcp_seq_gt(0, u32::MAX));
    }

    #[test]
    fn half_space_quirk_is_kept() {
        // Exactly 2^31 apart: lwIP's LT is true both ways, LEQ false both ways.
        let a = 0u32;
        let b = 0x8000_0000u32;
        assert!(tcp_seq_lt(a, b) && tcp_seq_lt(b, a));
        assert!(!tcp_seq_leq(a, b) && !tcp_seq_leq(b, a));
        assert!(tcp_seq_gt(a, b) && tcp_seq_gt(b, a));
        assert!(!tcp_seq_geq(a, b) && !tcp_seq_geq(b, a));
        // One less than 2^31 apart behaves like an order.
        assert!(tcp_seq_lt(0, 0x7fff_ffff) && !tcp_seq_lt(0x7fff_ffff, 0));
    }

    #[test]
    fn matches_macro_definitions_on_samples() {
        let samples = [
            0u32,
            1,
            2,
            0x7fff_fffe,
            0x7fff_ffff,
            0x8000_0000,
            0x8000_0001,
            0xffff_fffe,
            0xffff_ffff,
            12345,
            0xdead_beef,
        ];
        for &a in &samples {
            for &b in &samples {
                assert_eq!(tcp_seq_lt(a, b), c_lt(a, b));
                assert_eq!(tcp_seq_leq(a, b), !c_lt(b, a));
                assert_eq!(tcp_seq_gt(a, b), c_lt(b, a));
                assert_eq!(tcp_seq_geq(a, b), !c_lt(a, b));
                for &c in &samples {
                    assert_eq!(
                        tcp_seq_between(a, b, c),
                        !c_lt(a, b) && !c_lt(c, a),
                        "{a} {b} {c}"
                    );
                }
            }
        }
    }
}
