//! Decimal text to the nearest double: the one place every number the crate reads from text
//! (CSV cells, JSON numbers, `Retry-After`) is turned into an `f64`.
//!
//! With `str::parse` (correctly rounded: Eisel-Lemire, then a big-decimal fallback). Tried
//! and not kept: lexical-parse-float's `compact` build, 7.3 KB gzip less wasm (no table of
//! powers of five), but one unit in the last place off for some inputs of 20 or more digits
//! just above a halfway point (`115093262.2639083042741`; see the tests).

/// The largest integer a double holds with every smaller one (2^53 − 1, JS
/// `Number.MAX_SAFE_INTEGER`): integers up to it are written without a fraction and sent as
/// integers; beyond it a JSON reader may not keep them exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The double nearest to the decimal text `text` (`[+-]digits[.digits][(e|E)[+-]digits]`,
/// digits on at least one side of the point), ties to even (IEEE 754-2008 §4.3.1, what
/// `str::parse` and JS's `Number` give); `None` for other text — `inf`, `NaN` and
/// `infinity`, which `str::parse` takes, included — and for a number beyond the doubles
/// (`1e400`). Underflow gives ±0.
///
/// ```
/// use autopilot_export::util::float::parse_f64;
/// assert_eq!(parse_f64("776537718.798649771"), Some(776537718.7986498));
/// assert_eq!(parse_f64("-.5e1"), Some(-5.0));
/// assert_eq!(parse_f64("1e400"), None);
/// assert_eq!(parse_f64("NaN"), None);
/// ```
pub fn parse_f64(text: &str) -> Option<f64> {
    if text
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
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
