//! JSON text reading with numbers as the nearest double — what `str::parse` (the CSV path)
//! and JS's `JSON.parse` give — instead of serde_json's default reading, which is one unit in
//! the last place off for some numbers of 16 or more digits, even for text serde_json wrote
//! itself (measured: 178,193 of 2,000,000 doubles between 1e-5 and 1e15 did not read back).
//! serde_json's `float_roundtrip` feature fixes that too, and measured 14.6 KB gzip more wasm.
//!
//! serde_json checks the text and hands over each value's text (`RawValue`); the numbers are
//! read here.

use serde::de;
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

/// A JSON number read from its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsonNumber {
    /// An integer within `u64`.
    Unsigned(u64),
    /// A negative integer within `i64` (not `-0`).
    Negative(i64),
    /// Any other number: the nearest double, finite.
    Float(f64),
}

impl JsonNumber {
    /// The kind of `n`, a number serde_json holds (`None`: not finite, which JSON has not).
    pub fn of(n: &Number) -> Option<JsonNumber> {
        match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Some(JsonNumber::Unsigned(u)),
            (None, Some(i)) => Some(JsonNumber::Negative(i)),
            _ => n.as_f64().filter(|f| f.is_finite()).map(JsonNumber::Float),
        }
    }

    /// Appends the number's text as serde_json's `Number` writes it: integers with itoa,
    /// other numbers in the shortest form that reads back exactly, with zmij.
    pub fn push_text(self, out: &mut String) {
        match self {
            JsonNumber::Unsigned(n) => out.push_str(itoa::Buffer::new().format(n)),
            JsonNumber::Negative(n) => out.push_str(itoa::Buffer::new().format(n)),
            JsonNumber::Float(f) => out.push_str(zmij::Buffer::new().format_finite(f)),
        }
    }

    /// The number as a `serde_json::Value`.
    pub fn to_value(self) -> Value {
        match self {
            JsonNumber::Unsigned(n) => Value::Number(n.into()),
            JsonNumber::Negative(n) => Value::Number(n.into()),
            JsonNumber::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        }
    }
}

/// Reads the text of one JSON number (already checked against the JSON grammar, RFC 8259 §6)
/// as serde_json sorts numbers: an integer within `u64`, or a negative one within `i64` but
/// `-0`, stays an integer; any other number is the nearest double. `None`: beyond the doubles
/// (`1e400`), which serde_json refuses too.
///
/// ```
/// use autopilot_export::util::json_read::{read_number, JsonNumber};
/// assert_eq!(read_number("776537718.798649771"), Some(JsonNumber::Float(776537718.7986498)));
/// assert_eq!(read_number("-12"), Some(JsonNumber::Negative(-12)));
/// assert_eq!(read_number("1e400"), None);
/// ```
pub fn read_number(text: &str) -> Option<JsonNumber> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    // (`u64::from_str` would also take a `+`.)
    if let Some(m) = digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse::<u64>().ok())
        .flatten()
    {
        if !negative {
            return Some(JsonNumber::Unsigned(m));
        }
        if m != 0 {
            if let Some(n) = 0i64.checked_sub_unsigned(m) {
                return Some(JsonNumber::Negative(n));
            }
        }
    }
    crate::util::float::parse_f64(text).map(JsonNumber::Float)
}

/// Parses JSON text (one value, surrounding whitespace allowed) into a value whose numbers
/// are read by [`read_number`]; duplicate keys: the last wins, as with serde_json.
///
/// Errors: serde_json's, for text that is not one JSON value (with its position), and, without
/// a position, for a string with a lone surrogate escape, a number beyond the doubles or
/// containers nested 128 levels deep.
///
/// ```
/// let v = autopilot_export::util::json_read::parse(r#"{"n": 776537718.798649771}"#);
/// assert_eq!(v.ok().and_then(|v| v["n"].as_f64()), Some(776537718.7986498));
/// ```
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let raw: &RawValue = serde_json::from_str(text)?;
    value_of(raw, 0)
}

/// Like [`parse`], for one value serde_json has already checked and handed over as its text
/// (a `&RawValue` member of a document being read); its nesting is counted from the value.
/// Errors carry no position: the reader of the document adds its own.
pub fn parse_raw(raw: &RawValue) -> Result<Value, serde_json::Error> {
    value_of(raw, 0)
}

/// Containers nested this deep are refused, as serde_json refuses them (its recursion limit;
/// skipping a value, as `RawValue` does, has none). Each level's text is read once more by
/// the level below it, so reading costs at most this many times a plain parse.
const MAX_DEPTH: u32 = 128;

/// `e`'s message without its position: a position found inside a value's own text is not a
/// position in the document; the reader of the document adds its own.
pub(crate) fn bare(e: &serde_json::Error) -> serde_json::Error {
    let text = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    de::Error::custom(text.strip_suffix(&at).unwrap_or(&text))
}

/// The value of one checked JSON value's text, `depth` containers deep.
fn value_of(raw: &RawValue, depth: u32) -> Result<Value, serde_json::Error> {
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'{' | b'[') if depth + 1 >= MAX_DEPTH => {
            return Err(de::Error::custom("recursion limit exceeded"))
        }
        Some(b'{' | b'[') => {
            let mut de = serde_json::Deserializer::from_str(text);
            de::Deserializer::deserialize_any(&mut de, Container { depth: depth + 1 })
                .map_err(|e| bare(&e))?
        }
        Some(b'"') => Value::String(string_of(text).map_err(|e| bare(&e))?),
        Some(b't') => Value::Bool(true),
        Some(b'f') => Value::Bool(false),
        Some(b'n') => Value::Null,
        _ => match read_number(text) {
            Some(n) => n.to_value(),
            None => return Err(de::Error::custom("number out of range")),
        },
    })
}

/// The `visit_*` methods of a serde `Visitor` for the JSON values it does not take, among
/// those serde_json's `deserialize_any` hands over (`bool`, `i64`, `u64`, `f64`, `str`,
/// `unit`, `seq`, `map`): each refuses its value with `invalid type: {kind}, expected
/// {expected}` (the kind only, never the value), through `de::Error::custom`.
///
/// Written out instead of serde's defaults, which call `Error::invalid_type`: its message
/// writes the value, a float through `f64`'s `Display` (grisu and dragon, about 19 KB of
/// code), which nothing else links while no visitor of a JSON reading keeps a default
/// (issue 15: tests/bench/README.md, the eleventh round).
macro_rules! refuse_json_values {
    ($de:lifetime, $expected:literal; $($kind:ident),+) => {
        $($crate::util::json_read::refuse_json_values!(@one $de, $expected, $kind);)+
    };
    (@one $de:lifetime, $expected:literal, bool) => {
        $crate::util::json_read::refuse_json_values!(@scalar visit_bool, bool, "boolean", $expected);
    };
    (@one $de:lifetime, $expected:literal, i64) => {
        $crate::util::json_read::refuse_json_values!(@scalar visit_i64, i64, "number", $expected);
    };
    (@one $de:lifetime, $expected:literal, u64) => {
        $crate::util::json_read::refuse_json_values!(@scalar visit_u64, u64, "number", $expected);
    };
    (@one $de:lifetime, $expected:literal, f64) => {
        $crate::util::json_read::refuse_json_values!(@scalar visit_f64, f64, "number", $expected);
    };
    (@one $de:lifetime, $expected:literal, str) => {
        $crate::util::json_read::refuse_json_values!(@scalar visit_str, &str, "string", $expected);
    };
    (@one $de:lifetime, $expected:literal, unit) => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Err(E::custom(concat!("invalid type: null, expected ", $expected)))
        }
    };
    (@one $de:lifetime, $expected:literal, seq) => {
        fn visit_seq<A: serde::de::SeqAccess<$de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(serde::de::Error::custom(concat!("invalid type: array, expected ", $expected)))
        }
    };
    (@one $de:lifetime, $expected:literal, map) => {
        fn visit_map<A: serde::de::MapAccess<$de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(serde::de::Error::custom(concat!("invalid type: object, expected ", $expected)))
        }
    };
    // A value handed over as one argument of type `$ty`.
    (@scalar $method:ident, $ty:ty, $kind:literal, $expected:literal) => {
        fn $method<E: serde::de::Error>(self, _: $ty) -> Result<Self::Value, E> {
            Err(E::custom(concat!("invalid type: ", $kind, ", expected ", $expected)))
        }
    };
}
pub(crate) use refuse_json_values;

/// Reads one JSON string's text (quotes and escapes) into its value: serde_json's reading of a
/// `String`, without its `invalid_type` (see [`refuse_json_values`]).
pub(crate) fn string_of(text: &str) -> Result<String, serde_json::Error> {
    struct Text;
    impl<'de> de::Visitor<'de> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<String, E> {
            Ok(s.to_string())
        }
        fn visit_string<E: de::Error>(self, s: String) -> Result<String, E> {
            Ok(s)
        }
        refuse_json_values!('de, "a string"; bool, i64, u64, f64, unit, seq, map);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let s = de::Deserializer::deserialize_any(&mut de, Text)?;
    de.end()?;
    Ok(s)
}

/// Reads an object or an array whose members are read by [`value_of`] from their text.
struct Container {
    depth: u32,
}

impl<'de> de::Visitor<'de> for Container {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or an array")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some((k, v)) = members.next_entry::<String, &RawValue>()? {
            map.insert(k, value_of(v, self.depth).map_err(de::Error::custom)?);
        }
        Ok(Value::Object(map))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = items.next_element::<&RawValue>()? {
            out.push(value_of(v, self.depth).map_err(de::Error::custom)?);
        }
        Ok(Value::Array(out))
    }

    refuse_json_values!('de, "an object or an array"; bool, i64, u64, f64, str, unit);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_read_as_serde_json_reads_them_and_other_values_refused_unechoed() {
        for text in [
            r#""""#,
            r#""abc""#,
            r#""a\"b\\c\u00e9\ud83d\ude00\n""#,
            "\"é😀\"",
        ] {
            let theirs: String = serde_json::from_str(text).unwrap(); // ok: test
            assert_eq!(string_of(text).ok(), Some(theirs), "{text}");
        }
        assert!(string_of(r#""\ud800""#).is_err());
        assert!(string_of(r#""a" x"#).is_err());
        for (text, kind) in [
            ("951956028.4026387", "number"),
            ("-7", "number"),
            ("true", "boolean"),
            ("null", "null"),
            ("[1.5]", "array"),
            (r#"{"k":2.5}"#, "object"),
        ] {
            let e = string_of(text).unwrap_err().to_string(); // ok: test
            assert!(
                e.starts_with(&format!(
                    "invalid type: {kind}, expected a string at line 1"
                )),
                "{e}"
            );
            assert!(!e.contains('5') && !e.contains("true"), "{e}");
        }
    }

    #[test]
    fn numbers_are_sorted_as_serde_json_sorts_them() {
        use JsonNumber::*;
        assert_eq!(read_number("0"), Some(Unsigned(0)));
        assert_eq!(
            read_number("18446744073709551615"),
            Some(Unsigned(u64::MAX))
        );
        assert_eq!(
            read_number("18446744073709551616"),
            Some(Float(1.8446744073709552e19))
        );
        assert_eq!(
            read_number("-9223372036854775808"),
            Some(Negative(i64::MIN))
        );
        assert_eq!(
            read_number("-9223372036854775809"),
            Some(Float(-9.223372036854776e18))
        );
        assert!(matches!(read_number("-0"), Some(Float(z)) if z == 0.0 && z.is_sign_negative()));
        assert_eq!(read_number("1e2"), Some(Float(100.0)));
        assert_eq!(read_number("1e-400"), Some(Float(0.0)));
        assert_eq!(read_number("-1e400"), None);
        assert_eq!(read_number("-+5"), None);
        // The same kinds as serde_json's own reading, for integers.
        for t in [
            "0",
            "7",
            "-7",
            "-0",
            "18446744073709551615",
            "-9223372036854775808",
            "2.5",
        ] {
            let theirs: Value = serde_json::from_str(t).unwrap(); // ok: test
            let ours = parse(t).unwrap(); // ok: test
            assert_eq!(
                (ours.is_u64(), ours.is_i64(), ours.is_f64()),
                (theirs.is_u64(), theirs.is_i64(), theirs.is_f64()),
                "{t}"
            );
            assert_eq!(ours, theirs, "{t}");
        }
    }

    #[test]
    fn text_serde_json_wrote_reads_back_exactly() {
        // Doubles between 1e-5 and 1e15 (xorshift, fixed seed), written by serde_json.
        let mut r = crate::util::test_rng::XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let x = r.next();
            let f = ((x >> 12) as f64 / (1u64 << 52) as f64) * 10f64.powi((x % 20) as i32 - 5);
            let text = serde_json::to_string(&serde_json::json!({ "a": [f, { "b": f }] })).unwrap(); // ok: test
            let v = parse(&text).unwrap(); // ok: test
            assert_eq!(v["a"][0].as_f64(), Some(f), "{text}");
            assert_eq!(v["a"][1]["b"].as_f64(), Some(f), "{text}");
        }
    }

    #[test]
    fn structure_strings_and_errors() {
        let v =
            parse(r#" {"k": "a\u00e9\"", "k2": [true, false, null, {}], "k": "last"} "#).unwrap(); // ok: test
        assert_eq!(
            v,
            serde_json::json!({"k": "last", "k2": [true, false, null, {}]})
        );
        assert!(parse("[1,").is_err());
        assert!(parse(r#"["\ud800"]"#).is_err());
        assert!(parse("[1e400]").is_err());
        assert!(parse("{} {}").is_err());
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for n in [127, 128] {
            let theirs = serde_json::from_str::<Value>(&nested(n)).is_ok();
            assert_eq!(parse(&nested(n)).is_ok(), theirs, "{n} levels");
        }
        assert!(parse(&nested(127)).is_ok());
        // Refused, not a stack overflow.
        assert!(parse(&nested(100_000)).is_err());
    }
}
