//! TCP sequence-number arithmetic.
//!
//! Port of lwIP's `TCP_SEQ_LT`, `TCP_SEQ_LEQ`, `TCP_SEQ_GT`, `TCP_SEQ_GEQ`
//! and `TCP_SEQ_BETWEEN` (tcp_priv.h), both as free functions on `u32`
//! (named after the macros, for line-by-line porting) and as methods on
//! [`SeqNo`].
//!
//! lwIP compares by the sign bit of the wrapping difference:
//! `TCP_SEQ_LT(a,b)` is `((u32_t)(a - b) & 0x80000000u) != 0`, and the other
//! macros are built from it. This is *not* a total order. In particular, when
//! `a` and `b` are exactly 2^31 apart, both `TCP_SEQ_LT(a,b)` and
//! `TCP_SEQ_LT(b,a)` are true, and so both `TCP_SEQ_LEQ(a,b)` and
//! `TCP_SEQ_LEQ(b,a)` are false. The port keeps that behaviour, which is why
//! [`SeqNo`] does not implement `PartialOrd`/`Ord`.
//!
//! Nothing here can panic: all arithmetic wraps.

use core::fmt;
use core::ops::{Add, AddAssign, Sub, SubAssign};

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

/// A TCP sequence (or acknowledgement) number; lwIP keeps these in plain
/// `u32_t` fields. All arithmetic wraps modulo 2^32.
///
/// Comparisons follow lwIP's macros exactly (see the [module docs](self));
/// there is deliberately no `PartialOrd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNo(pub u32);

impl SeqNo {
    /// Port of lwIP's `TCP_SEQ_LT(self, other)` (tcp_priv.h).
    #[inline]
    pub const fn lt(self, other: SeqNo) -> bool {
        tcp_seq_lt(self.0, other.0)
    }

    /// Port of lwIP's `TCP_SEQ_LEQ(self, other)` (tcp_priv.h).
    #[inline]
    pub const fn leq(self, other: SeqNo) -> bool {
        tcp_seq_leq(self.0, other.0)
    }

    /// Port of lwIP's `TCP_SEQ_GT(self, other)` (tcp_priv.h).
    #[inline]
    pub const fn gt(self, other: SeqNo) -> bool {
        tcp_seq_gt(self.0, other.0)
    }

    /// Port of lwIP's `TCP_SEQ_GEQ(self, other)` (tcp_priv.h).
    #[inline]
    pub const fn geq(self, other: SeqNo) -> bool {
        tcp_seq_geq(self.0, other.0)
    }

    /// Port of lwIP's `TCP_SEQ_BETWEEN(self, lo, hi)` (tcp_priv.h):
    /// `lo <= self <= hi` in sequence space.
    #[inline]
    pub const fn between(self, lo: SeqNo, hi: SeqNo) -> bool {
        tcp_seq_between(self.0, lo.0, hi.0)
    }

    /// `self + n` modulo 2^32.
    #[inline]
    #[must_use]
    pub const fn wrapping_add(self, n: u32) -> SeqNo {
        SeqNo(self.0.wrapping_add(n))
    }

    /// `self - n` modulo 2^32.
    #[inline]
    #[must_use]
    pub const fn wrapping_sub(self, n: u32) -> SeqNo {
        SeqNo(self.0.wrapping_sub(n))
    }

    /// `self - other` modulo 2^32, as lwIP computes `(u32_t)(a - b)`
    /// (e.g. `ackno - pcb->lastack`).
    #[inline]
    pub const fn distance_from(self, other: SeqNo) -> u32 {
        self.0.wrapping_sub(other.0)
    }

    /// `self - other` as a signed 32-bit value (the wrapping difference
    /// reinterpreted as `s32_t`, as lwIP does in e.g. `(s32_t)(a - b)`).
    /// Negative exactly when [`SeqNo::lt`] is true.
    #[inline]
    pub const fn signed_diff(self, other: SeqNo) -> i32 {
        i32::from_ne_bytes(self.0.wrapping_sub(other.0).to_ne_bytes())
    }
}

impl From<u32> for SeqNo {
    fn from(v: u32) -> SeqNo {
        SeqNo(v)
    }
}

impl From<SeqNo> for u32 {
    fn from(s: SeqNo) -> u32 {
        s.0
    }
}

/// Wrapping addition.
impl Add<u32> for SeqNo {
    type Output = SeqNo;
    #[inline]
    fn add(self, rhs: u32) -> SeqNo {
        self.wrapping_add(rhs)
    }
}

/// Wrapping addition.
impl AddAssign<u32> for SeqNo {
    #[inline]
    fn add_assign(&mut self, rhs: u32) {
        *self = self.wrapping_add(rhs);
    }
}

/// Wrapping subtraction of a length.
impl Sub<u32> for SeqNo {
    type Output = SeqNo;
    #[inline]
    fn sub(self, rhs: u32) -> SeqNo {
        self.wrapping_sub(rhs)
    }
}

/// Wrapping subtraction of a length.
impl SubAssign<u32> for SeqNo {
    #[inline]
    fn sub_assign(&mut self, rhs: u32) {
        *self = self.wrapping_sub(rhs);
    }
}

/// Wrapping difference `self - rhs` as `u32` (see [`SeqNo::distance_from`]).
impl Sub<SeqNo> for SeqNo {
    type Output = u32;
    #[inline]
    fn sub(self, rhs: SeqNo) -> u32 {
        self.distance_from(rhs)
    }
}

impl fmt::Display for SeqNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
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

        let s = SeqNo(u32::MAX);
        assert_eq!(s + 1, SeqNo(0));
        assert_eq!(s.wrapping_add(17), SeqNo(16));
        assert_eq!(SeqNo(0) - 1, SeqNo(u32::MAX));
        assert_eq!(SeqNo(5).wrapping_sub(10), SeqNo(u32::MAX - 4));
        assert_eq!(SeqNo(3) - SeqNo(u32::MAX), 4);
        assert_eq!(SeqNo(3).signed_diff(SeqNo(u32::MAX)), 4);
        assert_eq!(SeqNo(u32::MAX).signed_diff(SeqNo(3)), -4);
        let mut m = SeqNo(u32::MAX - 1);
        m += 3;
        assert_eq!(m, SeqNo(1));
        m -= 2;
        assert_eq!(m, SeqNo(u32::MAX));
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
        assert!(SeqNo(a).lt(SeqNo(b)) && SeqNo(b).lt(SeqNo(a)));
        assert_eq!(SeqNo(b).signed_diff(SeqNo(a)), i32::MIN);
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
                let (sa, sb) = (SeqNo(a), SeqNo(b));
                assert_eq!(tcp_seq_lt(a, b), c_lt(a, b));
                assert_eq!(tcp_seq_leq(a, b), !c_lt(b, a));
                assert_eq!(tcp_seq_gt(a, b), c_lt(b, a));
                assert_eq!(tcp_seq_geq(a, b), !c_lt(a, b));
                assert_eq!(sa.lt(sb), tcp_seq_lt(a, b));
                assert_eq!(sa.leq(sb), tcp_seq_leq(a, b));
                assert_eq!(sa.gt(sb), tcp_seq_gt(a, b));
                assert_eq!(sa.geq(sb), tcp_seq_geq(a, b));
                assert_eq!(sa.signed_diff(sb) < 0, tcp_seq_lt(a, b));
                for &c in &samples {
                    assert_eq!(
                        tcp_seq_between(a, b, c),
                        !c_lt(a, b) && !c_lt(c, a),
                        "{a} {b} {c}"
                    );
                    assert_eq!(SeqNo(a).between(sb, SeqNo(c)), tcp_seq_between(a, b, c));
                }
            }
        }
    }
}
