//! JSON text writing (below everything else): string literals escaped exactly as JSON
//! requires (RFC 8259 §7), plus U+2028/U+2029 for JS consumers; whole values as compact
//! text; numbers as text for people and files.

/// A finite number as text for people and files: whole numbers up to 2^53 − 1 without a
/// fraction (`5`, not `5.0`), others in the shortest form that reads back exactly (`0.1`,
/// `1e21`), as serde_json writes numbers (with its float writer, zmij), not with `f64`'s
/// `Display`. Not finite: empty.
pub fn number_text(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() <= super::float::MAX_SAFE_INTEGER {
        return (v as i64).to_string();
    }
    zmij::Buffer::new().format_finite(v).to_owned()
}

use std::fmt::Write as _;

/// Appends `s` as a JSON string literal.
pub fn push_json_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Copy runs of bytes that need no escape in one go; escape the rest. U+2028 and U+2029
    // (E2 80 A8 / E2 80 A9) are escaped too, for JS consumers of the text.
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = clean_prefix(bytes);
    while let Some(&b) = bytes.get(i) {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => Some(""),
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                Some("")
            }
            _ => None,
        };
        let Some(esc) = escape else {
            i += 1;
            continue;
        };
        out.push_str(s.get(run..i).unwrap_or(""));
        if esc.is_empty() {
            // A control character, or U+2028/U+2029: \u escape of the character at i.
            let c = s
                .get(i..)
                .and_then(|t| t.chars().next())
                .unwrap_or('\u{fffd}');
            let _ = write!(out, "\\u{:04x}", c as u32);
            i += c.len_utf8();
        } else {
            out.push_str(esc);
            i += 1;
        }
        run = i;
    }
    out.push_str(s.get(run..).unwrap_or(""));
    out.push('"');
}

/// Appends `v` as compact JSON text: the text serde_json's `Display` of a value writes
/// (integers with itoa, other numbers with zmij, as `serde_json::Number` does), but for
/// U+2028/U+2029, which [`push_json_str`] escapes. Written here rather than with
/// `Value::to_string`, whose serializer-based compact and pretty writers it pulled into the
/// module (this and one serde_json reader instead of two: 5.6 KB gzip less, measured;
/// tests/bench/README.md).
pub fn push_json_value(out: &mut String, v: &serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match crate::util::json_read::JsonNumber::of(n) {
            Some(n) => n.push_text(out),
            None => out.push_str("null"),
        },
        Value::String(s) => push_json_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_str(out, key);
                out.push(':');
                push_json_value(out, item);
            }
            out.push('}');
        }
    }
}

/// The length of the longest prefix of `bytes`, in whole 8-byte words, with no byte that
/// may need an escape (a control character, `"`, `\\`, or 0xE2, the first byte of U+2028
/// and U+2029): most values are copied without looking at each byte.
fn clean_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A high bit for each zero byte of `x` (exact whether any is zero).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut n = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        // Bytes below 0x20 (ASCII ones only; bytes from 0x80 have the high bit set).
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        if control | zero(x ^ (ONES * 0x22)) | zero(x ^ (ONES * 0x5C)) | zero(x ^ (ONES * 0xE2))
            != 0
        {
            break;
        }
        n += 8;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_match_serde_json() {
        for s in [
            "",
            "plain",
            "a\"b\\c",
            "line\nbreak\ttab\r",
            "\u{1}\u{1f}",
            "caf\u{e9} \u{1F600}",
            "x\u{2028}y\u{2029}z",
            "\u{e2}\u{80}",
            "a long value without escapes, then a \"quote\"",
            "0123456789abcdef\u{2028}0123456789abcdef\u{7f}\u{1f}0123456789",
            "12345678\\2345678\n2345678\u{e2}\u{82}\u{ac}",
        ] {
            let mut out = String::new();
            push_json_str(&mut out, s);
            let back: String = serde_json::from_str(&out).unwrap(); // ok: test
            assert_eq!(back, s, "{out}");
            assert!(!out.contains('\u{2028}') && !out.contains('\u{2029}'));
        }
    }

    #[test]
    fn json_values_read_back_as_serde_json_writes_them() {
        for text in [
            "null",
            "[true,false,0,-7,18446744073709551615,-9223372036854775808]",
            "[1.5,1e300,-0.000001,2.0,0.1]",
            r#"{"a":"x\"y","b":[{"c":null}],"d":{}}"#,
            r#"["caf\u00e9 \u2028","\u0001"]"#,
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap(); // ok: test
            let mut out = String::new();
            push_json_value(&mut out, &v);
            let back: serde_json::Value = serde_json::from_str(&out).unwrap(); // ok: test
            assert_eq!(back, v, "{out}");
            // The same text as serde_json's, but for U+2028/U+2029, which are escaped here.
            if !text.contains("2028") {
                assert_eq!(out, v.to_string());
            }
        }
    }

    // proptest is a host-only dev-dependency (Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_string_round_trips(s in "(?s).{0,40}", pad in 0usize..9) {
            // Padding moves the escapes across the 8-byte words of the fast path.
            let s = format!("{}{s}", "x".repeat(pad));
            let mut out = String::new();
            push_json_str(&mut out, &s);
            let back: String = serde_json::from_str(&out).unwrap(); // ok: test
            proptest::prop_assert_eq!(back, s);
            let separators = out.contains('\u{2028}') || out.contains('\u{2029}');
            proptest::prop_assert!(!separators, "raw U+2028/U+2029 in {}", out);
            proptest::prop_assert!(!out.bytes().any(|b| b < 0x20), "control in {}", out);
        }
    }
}
