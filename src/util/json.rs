//! JSON text writing (below everything else): string literals escaped exactly as JSON
//! requires (RFC 8259 §7), plus U+2028/U+2029 for JS consumers.

/// A finite number as text for people and files: whole numbers below 2^53 without a
/// fraction (`5`, not `5.0`), others in the shortest form that reads back exactly (`0.1`,
/// `1e21`), as serde_json writes numbers — not `f64`'s `Display`, whose formatting tables
/// weigh about 14 KB of wasm (measured). Not finite: empty.
pub fn number_text(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        return (v as i64).to_string();
    }
    serde_json::Number::from_f64(v).map_or_else(String::new, |n| n.to_string())
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
    let mut i = 0;
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
        ] {
            let mut out = String::new();
            push_json_str(&mut out, s);
            let back: String = serde_json::from_str(&out).unwrap(); // ok: test
            assert_eq!(back, s, "{out}");
            assert!(!out.contains('\u{2028}') && !out.contains('\u{2029}'));
        }
    }
}
