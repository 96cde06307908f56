//! The exact step of [`super::parse_f64`]: the double nearest to `D × 10^e` by integer
//! arithmetic, for what the fast steps leave (an exponent outside their table, more than 19
//! significant digits that the truncated mantissa cannot decide, a product too close to a
//! halfway point). It scales the value to a 54-bit quotient, `floor(D × 10^e × 2^s)`, with a
//! remainder, and rounds to nearest, ties to even (IEEE 754-2008 §4.3.1); subnormals by
//! capping `s` at 1075 (the quotient's lowest bit is then 2^−1075, half the smallest
//! subnormal).
//!
//! At most [`MAX_DIGITS`] significant digits are used, with whether a nonzero digit followed:
//! every double, and every point halfway between two, has at most 767 significant digits, so
//! digits beyond the 768th can only say "above" (W. D. Clinger, "How to Read Floating Point
//! Numbers Accurately", PLDI 1990; the same bound as `core::num::dec2flt`'s decimal).
//!
//! Slow (tens of microseconds) and rarely reached: the numbers of customer data have a
//! handful of digits and small exponents, which the fast steps decide.

use std::cmp::Ordering;

/// Significant digits used; more only set the sticky flag.
pub(super) const MAX_DIGITS: usize = 800;

/// A non-negative integer: 32-bit limbs, least significant first, no zero limb at the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Big(Vec<u32>);

impl Big {
    fn small(v: u32) -> Big {
        let mut b = Big(vec![v]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// `self × m + a`.
    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    /// `self × 10^n`.
    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_add(1_000_000_000, 0);
            n -= 9;
        }
        self.mul_add(10u32.pow(n), 0);
    }

    /// `5^n`.
    #[cfg(test)]
    pub(super) fn pow5(mut n: u32) -> Big {
        let mut b = Big::small(1);
        while n >= 13 {
            b.mul_add(1_220_703_125, 0); // 5^13
            n -= 13;
        }
        b.mul_add(5u32.pow(n), 0);
        b
    }

    /// `2^n`.
    #[cfg(test)]
    pub(super) fn pow2(n: u32) -> Big {
        let mut b = Big::small(1);
        b.shl(n);
        b
    }

    /// `self + a`.
    #[cfg(test)]
    pub(super) fn add_small(mut self, a: u32) -> Big {
        self.0.push(0);
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let v = u64::from(*limb) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        self.trim();
        self
    }

    /// The value shifted left or right until it has 128 bits, truncated.
    #[cfg(test)]
    pub(super) fn top128(&self) -> u128 {
        let mut b = self.clone();
        b.shl(128u32.saturating_sub(b.bit_len()));
        let extra = b.bit_len().saturating_sub(128);
        for _ in 0..extra {
            b.shr1();
        }
        b.0.iter()
            .rev()
            .fold(0u128, |acc, limb| (acc << 32) | u128::from(*limb))
    }

    /// `floor(self / d)`.
    #[cfg(test)]
    pub(super) fn div_floor(&self, d: &Big) -> Big {
        self.div_rem(d).0
    }

    /// The number of bits (0 for zero).
    pub(super) fn bit_len(&self) -> u32 {
        match self.0.last() {
            Some(top) => 32 * (self.0.len() as u32 - 1) + (32 - top.leading_zeros()),
            None => 0,
        }
    }

    /// `self × 2^n`.
    fn shl(&mut self, n: u32) {
        let (limbs, bits) = ((n / 32) as usize, n % 32);
        if self.is_zero() {
            return;
        }
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    /// `floor(self / 2)`.
    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.0.iter_mut().rev() {
            let v = (*limb >> 1) | carry;
            carry = *limb << 31;
            *limb = v;
        }
        self.trim();
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self − other`, for `self ≥ other`.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let v = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            *limb = v.rem_euclid(1 << 32) as u32;
        }
        self.trim();
    }

    /// `(floor(self / d), self mod d)` by binary long division (one bit of the quotient at
    /// a time: the quotients here have about 55 bits). `d` is not zero.
    fn div_rem(&self, d: &Big) -> (Big, Big) {
        let mut rem = self.clone();
        let mut quotient = Big(Vec::new());
        if d.is_zero() || rem.cmp(d) == Ordering::Less {
            return (quotient, rem);
        }
        let shift = rem.bit_len() - d.bit_len();
        let mut ds = d.clone();
        ds.shl(shift);
        quotient.0 = vec![0; shift as usize / 32 + 1];
        for i in (0..=shift).rev() {
            if rem.cmp(&ds) != Ordering::Less {
                rem.sub(&ds);
                if let Some(limb) = quotient.0.get_mut(i as usize / 32) {
                    *limb |= 1 << (i % 32);
                }
            }
            ds.shr1();
        }
        quotient.trim();
        (quotient, rem)
    }

    /// The value, when it fits in 64 bits.
    fn to_u64(&self) -> Option<u64> {
        match self.0.as_slice() {
            [] => Some(0),
            [lo] => Some(u64::from(*lo)),
            [lo, hi] => Some(u64::from(*lo) | (u64::from(*hi) << 32)),
            _ => None,
        }
    }
}

/// The double nearest to `D × 10^e` as its bits (sign not set), where `D` is the integer of
/// the decimal digits `digits` (values 0–9, at most [`MAX_DIGITS`], the first not 0) and
/// `sticky` says that nonzero digits followed them (the value is a little above `D × 10^e`).
/// `None` beyond the largest double (it rounds to infinity).
pub(super) fn nearest(digits: &[u8], e: i64, sticky: bool) -> Option<u64> {
    // The decimal exponent of the leading digit: above 10^310 is beyond the doubles; below
    // 10^−330, under half the smallest subnormal (4.9e−324), the value rounds to 0.
    let lead = e.saturating_add(digits.len() as i64 - 1);
    if digits.is_empty() || lead < -330 {
        return Some(0);
    }
    if lead > 310 {
        return None;
    }
    let mut n = Big(Vec::new());
    for chunk in digits.chunks(9) {
        let (mul, add) = chunk
            .iter()
            .fold((1u32, 0u32), |(m, a), d| (m * 10, a * 10 + u32::from(*d)));
        n.mul_add(mul, add);
    }
    let mut d = Big::small(1);
    // `e` is within −1,140..=310 here (`lead` is, and there are at most 800 digits).
    let e = i32::try_from(e).ok()?;
    if e >= 0 {
        n.mul_pow10(e.unsigned_abs());
    } else {
        d.mul_pow10(e.unsigned_abs());
    }
    // The value is within (2^(b−1), 2^(b+1)): scaled by 2^s it is below 2^55, and at least
    // 2^53 unless s was capped (a subnormal).
    let b = i64::from(n.bit_len()) - i64::from(d.bit_len());
    let mut s = (54 - b).min(1075);
    if s >= 0 {
        n.shl(u32::try_from(s).ok()?);
    } else {
        d.shl(u32::try_from(-s).ok()?);
    }
    let (q, rem) = n.div_rem(&d);
    let mut q = q.to_u64()?;
    let mut sticky = sticky || !rem.is_zero();
    if q >= 1 << 54 {
        sticky |= q & 1 == 1;
        q >>= 1;
        s -= 1;
    }
    let half = q & 1 == 1;
    let mut mantissa = q >> 1;
    if half && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
    }
    // A normal double's mantissa (2^52..=2^53, hidden bit included) over the exponent field
    // below its own (a carry to 2^53 moves it up by one); a subnormal (s = 1075) is its
    // mantissa alone.
    let bits = (u64::try_from(1075 - s).ok()? << 52).checked_add(mantissa)?;
    (bits < 0x7FF0_0000_0000_0000).then_some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn exact_values_and_their_edges() {
        let f = |d: &str, e: i64, sticky: bool| nearest(&digits(d), e, sticky).map(f64::from_bits);
        assert_eq!(f("1", 0, false), Some(1.0));
        assert_eq!(f("3", 0, false), Some(3.0));
        assert_eq!(f("15", -1, false), Some(1.5));
        assert_eq!(f("17976931348623157", 292, false), Some(f64::MAX));
        assert_eq!(f("17976931348623159", 292, false), None);
        assert_eq!(f("49406564584124654", -340, false), Some(5e-324));
        assert_eq!(f("22250738585072014", -324, false), Some(f64::MIN_POSITIVE));
        assert_eq!(f("1", -400, false), Some(0.0));
        assert_eq!(f("1", 400, false), None);
        // 2^−1075 exactly, half the smallest subnormal: ties to even (0); above it: up.
        let half_min = "24703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125";
        let e = -324 - (half_min.len() as i64 - 1);
        assert_eq!(f(half_min, e, false).map(f64::to_bits), Some(0));
        assert_eq!(f(half_min, e, true).map(f64::to_bits), Some(1));
    }

    /// Integers of 55 bits times a power of two: the quotient reaches 2^54 and its lowest bit
    /// (dropped by the adjustment) decides the rounding.
    #[test]
    fn the_quotients_lowest_bit_counts() {
        let f = |d: &str, e: i64| nearest(&digits(d), e, false);
        // (2^54 + 3) × 2^280: halfway above 2^54 + 2, so up to the even 2^54 + 4.
        let big = "34996011596528196617966712311069154604036431364848118910032846858977811742627243988289066447994355712";
        assert_eq!(f(big, 0), Some(0x54d0_0000_0000_0001));
        let mut r = crate::util::test_rng::XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..2_000 {
            let x = r.next();
            let odd = (1u64 << 54) | (x & ((1 << 54) - 1)) | 1; // 55 bits, odd
            let k = (x >> 56) as u32 + 64;
            let mut n = Big(vec![odd as u32, (odd >> 32) as u32]);
            n.shl(k);
            let text = big_to_decimal(&n);
            let want: f64 = text.parse().unwrap(); // ok: test
            assert_eq!(f(&text, 0), Some(want.to_bits()), "{text}");
        }
    }

    /// Decimal digits of `n` (tests only: repeated division by 10^9).
    fn big_to_decimal(n: &Big) -> String {
        let mut n = n.clone();
        let mut parts = Vec::new();
        let billion = Big::small(1_000_000_000);
        while !n.is_zero() {
            let (q, r) = n.div_rem(&billion);
            parts.push(r.to_u64().unwrap_or(0)); // ok: test
            n = q;
        }
        let mut s = parts
            .pop()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "0".into());
        for p in parts.iter().rev() {
            s.push_str(&format!("{p:09}"));
        }
        s
    }

    #[test]
    fn big_integers() {
        let mut b = Big::pow5(27);
        assert_eq!(b.to_u64(), Some(7_450_580_596_923_828_125));
        b.shl(40);
        assert_eq!(b.to_u64(), None);
        let (q, r) = b.div_rem(&Big::pow5(25));
        assert_eq!((q.to_u64(), r.is_zero()), (Some(25 << 40), true));
        let (q, r) = Big::pow5(27).div_rem(&Big::small(1 << 20));
        assert_eq!(q.to_u64(), Some(7_450_580_596_923_828_125 >> 20));
        assert_eq!(
            r.to_u64(),
            Some(7_450_580_596_923_828_125 & ((1 << 20) - 1))
        );
        assert_eq!(Big::pow2(100).bit_len(), 101);
        assert_eq!(Big::pow2(130).top128(), 1 << 127);
    }
}
