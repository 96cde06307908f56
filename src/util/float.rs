//! Decimal text to the nearest double: the one place every number the crate reads from text
//! (CSV cells, JSON numbers, `Retry-After`) is turned into an `f64`.
//!
//! Correctly rounded (IEEE 754-2008 §4.3.1, what `str::parse` and JS's `Number` give), in
//! three steps: Clinger's exact fast path (at most 2^53 and a power of ten up to 10^22, one
//! rounding); Eisel-Lemire (`lemire`, a 128-bit product with a truncated power of five) for
//! exponents −64..=64; and an exact big-integer step (`exact`) for the rest.
//!
//! Written here rather than calling `str::parse`: its Eisel-Lemire table covers every
//! exponent (11 KB of powers of five that do not compress, 10.7 KB of the module's gzip
//! size); this one covers the exponents of customer data (2 KB) and leaves the rest to the
//! exact step (issue 15, tests/bench/README.md). The tests compare it with `str::parse` on
//! every kind of input. Tried before and not kept: lexical-parse-float's `compact` build (and
//! minimal-lexical's), one unit in the last place off for some inputs of 20 or more digits
//! just above a halfway point (`115093262.2639083042741`; see the tests).

mod exact;
mod lemire;

/// The largest integer a double holds with every smaller one (2^53 − 1, JS
/// `Number.MAX_SAFE_INTEGER`): integers up to it are written without a fraction and sent as
/// integers; beyond it a JSON reader may not keep them exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Powers of ten a double holds exactly (Clinger's fast path).
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The double nearest to the decimal text `text` (`[+-]digits[.digits][(e|E)[+-]digits]`,
/// digits on at least one side of the point), ties to even (IEEE 754-2008 §4.3.1, what
/// `str::parse` and JS's `Number` give); `None` for other text — `inf`, `NaN` and
/// `infinity` included — and for a number beyond the doubles (`1e400`). Underflow gives ±0.
///
/// ```
/// use autopilot_export::util::float::parse_f64;
/// assert_eq!(parse_f64("776537718.798649771"), Some(776537718.7986498));
/// assert_eq!(parse_f64("-.5e1"), Some(-5.0));
/// assert_eq!(parse_f64("1e400"), None);
/// assert_eq!(parse_f64("NaN"), None);
/// ```
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, body) = match bytes.first() {
        Some(b'-') => (true, bytes.get(1..)?),
        Some(b'+') => (false, bytes.get(1..)?),
        _ => (false, bytes),
    };
    let int_len = body.iter().take_while(|b| b.is_ascii_digit()).count();
    let (int_digits, rest) = body.split_at(int_len);
    let (frac_digits, rest) = match rest.split_first() {
        Some((b'.', after)) => {
            after.split_at(after.iter().take_while(|b| b.is_ascii_digit()).count())
        }
        _ => (&[][..], rest),
    };
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let exp = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', after)) => exponent(after)?,
        Some(_) => return None,
    };
    // The significant digits (from the first nonzero one): the first 19 as an integer, and
    // whether a nonzero digit follows them. The last digit's place is 10^(exp − fraction
    // digits).
    let mut sig = Significand::default();
    sig.scan(int_digits);
    sig.scan(frac_digits);
    let bits = if sig.count == 0 {
        0
    } else {
        let last_place = exp - frac_digits.len() as i64;
        let digits = int_digits.iter().chain(frac_digits).map(|b| b - b'0');
        nearest(&sig, digits.skip_while(|d| *d == 0), last_place)?
    };
    let v = f64::from_bits(bits);
    Some(if negative { -v } else { v })
}

/// The significant digits as read in one pass.
#[derive(Default)]
struct Significand {
    /// The first (up to) 19 significant digits as an integer.
    w: u64,
    /// How many digits `w` holds.
    kept: usize,
    /// How many significant digits there are.
    count: usize,
    /// Whether a nonzero digit follows the ones in `w`.
    truncated: bool,
}

impl Significand {
    fn scan(&mut self, digits: &[u8]) {
        for b in digits {
            let d = b - b'0';
            if self.count == 0 && d == 0 {
                continue;
            }
            self.count += 1;
            if self.kept < 19 {
                self.w = self.w * 10 + u64::from(d);
                self.kept += 1;
            } else if d != 0 {
                self.truncated = true;
            }
        }
    }
}

/// The exponent after `e`: `[+-]digits`, saturated far beyond any double's.
fn exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', after)) => (true, after),
        Some((b'+', after)) => (false, after),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| (acc * 10 + i64::from(d - b'0')).min(1 << 40));
    Some(if negative { -v } else { v })
}

/// The bits of the double nearest to the significant digits `digits` (read into `sig`)
/// times 10^`last_place`; `None` beyond the doubles.
fn nearest(
    sig: &Significand,
    digits: impl Iterator<Item = u8> + Clone,
    last_place: i64,
) -> Option<u64> {
    let (w, truncated) = (sig.w, sig.truncated);
    let q = last_place.saturating_add((sig.count - sig.kept) as i64);
    if !truncated && w <= 1 << 53 {
        if let Some(p) = usize::try_from(q.unsigned_abs())
            .ok()
            .and_then(|i| EXACT_POW10.get(i))
        {
            // Both exact: one rounding.
            let v = if q >= 0 { w as f64 * p } else { w as f64 / p };
            return Some(v.to_bits());
        }
    }
    if let Ok(q) = i32::try_from(q) {
        let fast = lemire::nearest(w, q);
        // With digits cut off, the value is between `w` and `w + 1` (times 10^q).
        if fast.is_some() && (!truncated || fast == lemire::nearest(w + 1, q)) {
            return fast;
        }
    }
    let first: Vec<u8> = digits.clone().take(exact::MAX_DIGITS).collect();
    let sticky = digits.skip(exact::MAX_DIGITS).any(|d| d != 0);
    let place = last_place.saturating_add((sig.count - first.len()) as i64);
    exact::nearest(&first, place, sticky)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_only() {
        for (t, v) in [
            ("0", 0.0),
            ("+1", 1.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("1E5", 1e5),
            ("1e-400", 0.0),
            ("4.9e-324", 4.9e-324),
            ("1.7976931348623157e308", f64::MAX),
        ] {
            assert_eq!(parse_f64(t), Some(v), "{t}");
        }
        assert_eq!(parse_f64("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        for t in [
            "",
            ".",
            "e5",
            "1e",
            "--1",
            "1.2.3",
            "inf",
            "-Infinity",
            "NaN",
            "1e400",
            "1.7976931348623159e308",
            " 1",
            "1,5",
            "0x10",
        ] {
            assert_eq!(parse_f64(t), None, "{t}");
        }
    }

    /// What `str::parse` gives (the reference), with this function's rules for other text.
    fn reference(t: &str) -> Option<u64> {
        if t.bytes()
            .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
        {
            return None;
        }
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(f64::to_bits)
    }

    fn check(t: &str) {
        assert_eq!(parse_f64(t).map(f64::to_bits), reference(t), "{t}");
    }

    use crate::util::test_rng::XorShift as Rng;

    /// Text from the grammar's characters: the same numbers and the same refusals.
    #[test]
    fn the_grammar_is_str_parses() {
        let mut r = Rng(0x2545_F491_4F6C_DD1D);
        let alphabet = b"0123456789+-.eE";
        for _ in 0..200_000 {
            let len = r.below(10) as usize;
            let t: String = (0..len)
                .map(|_| char::from(alphabet[r.below(alphabet.len() as u64) as usize]))
                .collect();
            check(&t);
        }
        for t in [
            "1_0", "0x1", "1e1.5", "1.5.", "+-1", "e", "-e1", "1e+-1", "١",
        ] {
            check(t);
        }
    }

    /// Random significands of 1 to 25 digits, the point anywhere, exponents across the
    /// doubles and beyond: every step (Clinger, Eisel-Lemire within its table and outside
    /// it, the exact step) against `str::parse`.
    #[test]
    fn random_numbers_are_str_parses() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..100_000 {
            let n = 1 + r.below(25) as usize;
            let mut digits: String = (0..n)
                .map(|_| char::from(b'0' + r.below(10) as u8))
                .collect();
            if i % 3 == 0 {
                let point = r.below(n as u64 + 1) as usize;
                digits.insert(point, '.');
            }
            let e = match i % 4 {
                0 => String::new(),
                1 => format!("e{}", r.below(60) as i64 - 30),
                2 => format!("e{}", r.below(700) as i64 - 350),
                _ => format!("E+{}", r.below(40)),
            };
            let sign = ["", "-", "+"][r.below(3) as usize];
            check(&format!("{sign}{digits}{e}"));
        }
    }

    /// Exact decimal text of a double (it has at most 767 significant digits).
    fn exact(x: f64) -> (Vec<u8>, i64) {
        let t = format!("{x:.799e}");
        let (m, e) = t.split_once('e').unwrap(); // ok: test
        let digits: Vec<u8> = m
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        (digits, e.parse::<i64>().unwrap() - 799) // ok: test
    }

    /// `(a + b) / 2` of two decimals with the same exponent, as digits (one more place).
    fn midpoint(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut sum = vec![0u8; a.len() + 1];
        let mut carry = 0;
        for i in (0..a.len()).rev() {
            let s = a[i] + b[i] + carry;
            sum[i + 1] = s % 10;
            carry = s / 10;
        }
        sum[0] = carry;
        // Halve, with one more digit for the remainder.
        let mut out = Vec::with_capacity(sum.len() + 1);
        let mut rem = 0;
        for d in sum.iter().chain(std::iter::once(&0)) {
            let v = rem * 10 + d;
            out.push(v / 2);
            rem = v % 2;
        }
        out
    }

    /// The points halfway between random doubles and the next ones (normal and
    /// subnormal), exactly, and a little above and below: ties to even, and the digits after
    /// the 800th still count.
    #[test]
    fn halfway_points_round_as_str_parse_rounds() {
        let mut r = Rng(0xD1B5_4A32_D192_ED03);
        for i in 0..600 {
            let bits = match i % 3 {
                0 => r.below(0x7FEF_FFFF_FFFF_FFFF),
                1 => r.below(1 << 52),
                _ => (0x3FF0_0000_0000_0000 + r.below(1 << 58)).min(0x7FEF_FFFF_FFFF_FFFF),
            };
            let (a, ea) = exact(f64::from_bits(bits));
            let (b, eb) = exact(f64::from_bits(bits + 1));
            assert_eq!(ea, eb);
            let mid = midpoint(&a, &b);
            let text = |d: &[u8], tail: &str| {
                let s: String = d.iter().map(|d| char::from(b'0' + d)).collect();
                format!("{s}{tail}e{}", ea - 1 - tail.len() as i64)
            };
            check(&text(&mid, ""));
            check(&text(&mid, &format!("{}1", "0".repeat(100))));
            let mut below = mid.clone();
            if let Some(pos) = below.iter().rposition(|d| *d > 0) {
                below[pos] -= 1;
                check(&text(&below, "9"));
            }
        }
    }

    /// A long run of digits (a 1 MB cell) is read without its size mattering.
    #[test]
    fn very_long_numbers() {
        let long = format!("0.{}1e{}", "0".repeat(1_000_000), 1_000_001);
        assert_eq!(parse_f64(&long), Some(1.0));
        check(&format!("1{}", "0".repeat(400)));
        check(&format!("{}.5", "9".repeat(2_000)));
        check("1e99999999999999999999999");
        // Exponents near the ends of `i32` (the fast steps take `q` as an `i32`).
        for t in [
            "1e2147483584",
            "1e2147483647",
            "10e2147483646",
            "0.1e2147483648",
            "1e-2147483648",
            "1e-2147483649",
            "123.456e-2147483600",
        ] {
            check(t);
        }
        check("1e-99999999999999999999999");
        check("0e99999999999999999999999");
    }

    /// Inputs just above a halfway point between two doubles (found by a review against
    /// exact fractions): a parser that is not correctly rounded gives the lower neighbour.
    #[test]
    fn near_halfway_inputs_round_to_the_nearest() {
        for (t, nearest) in [
            ("115093262.2639083042741", 115093262.26390831),
            ("106577411.828829772771", 106577411.82882978),
            ("10217071010856850639e92", 1.0217071010856851e111),
        ] {
            assert_eq!(parse_f64(t), Some(nearest), "{t}");
        }
    }
}
