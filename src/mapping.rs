//! Profile record → Autopilot contact (DESIGN.md §4, research notes §1.4).
//!
//! A [`Mapper`] is compiled once from a validated [`FieldMapping`]. It names the profile
//! fields it needs ([`Mapper::fields`], the projection handed to the input parsers) and turns
//! one record's cells into the JSON members of a contact: PascalCase standard fields and a
//! `custom` object keyed `<type>--<Name>`, with values coerced to their declared type.
//! Empty values are left out; a value that cannot be coerced is left out and reported as a
//! warning; unmapped fields are never read.

use crate::config::{CustomType, FieldMapping, Target};
use crate::email;
use crate::error::{Error, ErrorCode};
use crate::input::Cell;
use crate::report::RejectReason;
use std::fmt::Write as _;

/// Warning code: a value could not be coerced to its field's type.
pub const WARN_NOT_COERCIBLE: &str = "VALUE_NOT_COERCIBLE";
/// Warning code: an array or object where a single value belongs.
pub const WARN_NESTED: &str = "VALUE_NESTED";

/// A compiled mapping.
#[derive(Debug, Clone)]
pub struct Mapper {
    fields: Vec<String>,
    id_index: Option<usize>,
    standard: Vec<(usize, &'static str)>,
    custom: Vec<(usize, String, CustomType)>,
}

impl Mapper {
    /// Compiles `mapping` (and the optional `id_field`). Fails with `CONFIG_INVALID` when the
    /// mapping has problems.
    pub fn new(mapping: &FieldMapping, id_field: Option<&str>) -> Result<Self, Error> {
        let mut issues = Vec::new();
        let targets = mapping.targets("mapping.", &mut issues);
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        let mut fields: Vec<String> = vec![mapping.email.clone()];
        let mut index_of = |name: &str| -> usize {
            match fields.iter().position(|f| f == name) {
                Some(i) => i,
                None => {
                    fields.push(name.to_string());
                    fields.len() - 1
                }
            }
        };
        let mut standard = Vec::new();
        let mut custom = Vec::new();
        for (source, target) in targets {
            let i = index_of(&source);
            match target {
                Target::Standard(name) => standard.push((i, name)),
                Target::Custom(key, ty) => custom.push((i, key, ty)),
            }
        }
        let id_index = id_field.filter(|f| !f.trim().is_empty()).map(&mut index_of);
        Ok(Mapper {
            fields,
            id_index,
            standard,
            custom,
        })
    }

    /// The profile fields to read, in cell order. The email field is always first.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The normalised email of a record, or why it is rejected.
    pub fn email(&self, cells: &[Cell<'_>]) -> Result<String, RejectReason> {
        match cells.first().copied().unwrap_or(Cell::Missing) {
            Cell::Missing | Cell::Null => Err(RejectReason::EmailMissing),
            Cell::Str(s) => email::normalize(s),
            Cell::Bool(_) | Cell::Num(_) | Cell::Nested => Err(RejectReason::EmailInvalid),
        }
    }

    /// The record's `idField` value as text, if configured and present.
    pub fn id(&self, cells: &[Cell<'_>]) -> Option<String> {
        let cell = cells.get(self.id_index?)?;
        match *cell {
            Cell::Str(s) if !s.trim().is_empty() => Some(s.trim().chars().take(200).collect()),
            Cell::Num(n) => Some(n.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Appends the contact's JSON members other than `Email` to `out` (comma-separated,
    /// without braces; nothing when no mapped value is present). `warn(code, field)` is called
    /// for each value left out because it could not be coerced.
    pub fn write_fields(
        &self,
        cells: &[Cell<'_>],
        out: &mut String,
        warn: &mut dyn FnMut(&'static str, &str),
    ) {
        let cell = |i: usize| cells.get(i).copied().unwrap_or(Cell::Missing);
        for &(i, name) in &self.standard {
            match standard_text(cell(i)) {
                Ok(Some(text)) => {
                    if !out.is_empty() {
                        out.push(',');
                    }
                    push_json_str(out, name);
                    out.push(':');
                    push_json_str(out, &text);
                }
                Ok(None) => {}
                Err(code) => warn(code, name),
            }
        }
        let mut opened = false;
        for (i, key, ty) in &self.custom {
            match coerce(cell(*i), *ty) {
                Ok(Some(value)) => {
                    if !opened {
                        if !out.is_empty() {
                            out.push(',');
                        }
                        out.push_str("\"custom\":{");
                        opened = true;
                    } else {
                        out.push(',');
                    }
                    push_json_str(out, key);
                    out.push(':');
                    out.push_str(&value);
                }
                Ok(None) => {}
                Err(code) => warn(code, key),
            }
        }
        if opened {
            out.push('}');
        }
    }
}

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

/// The text of a standard field: trimmed strings, numbers and booleans as text.
fn standard_text(cell: Cell<'_>) -> Result<Option<String>, &'static str> {
    match cell {
        Cell::Missing | Cell::Null => Ok(None),
        Cell::Str(s) => {
            let t = s.trim();
            Ok((!t.is_empty()).then(|| t.to_string()))
        }
        Cell::Num(n) => Ok(Some(n.to_string())),
        Cell::Bool(b) => Ok(Some(b.to_string())),
        Cell::Nested => Err(WARN_NESTED),
    }
}

/// Coerces a cell to `ty` and returns the JSON text of the value; `Ok(None)` for empty
/// values, `Err(code)` when it cannot be coerced.
pub fn coerce(cell: Cell<'_>, ty: CustomType) -> Result<Option<String>, &'static str> {
    let text = match cell {
        Cell::Missing | Cell::Null => return Ok(None),
        Cell::Nested => return Err(WARN_NESTED),
        Cell::Bool(b) => {
            return match ty {
                CustomType::Boolean => Ok(Some(b.to_string())),
                CustomType::String => Ok(Some(format!("\"{b}\""))),
                _ => Err(WARN_NOT_COERCIBLE),
            }
        }
        Cell::Num(n) => n.trim(),
        Cell::Str(s) => s.trim(),
    };
    if text.is_empty() {
        return Ok(None);
    }
    let is_num = matches!(cell, Cell::Num(_));
    match ty {
        CustomType::String => {
            let mut out = String::with_capacity(text.len() + 2);
            push_json_str(&mut out, text);
            Ok(Some(out))
        }
        CustomType::Integer => parse_integer(text)
            .map(|i| Some(i.to_string()))
            .ok_or(WARN_NOT_COERCIBLE),
        CustomType::Float => parse_number(text)
            .map(|f| Some(format_float(f)))
            .ok_or(WARN_NOT_COERCIBLE),
        CustomType::Boolean => parse_bool(text)
            .map(|b| Some(b.to_string()))
            .ok_or(WARN_NOT_COERCIBLE),
        CustomType::Date => {
            let ms = if is_num || is_integer_text(text) {
                parse_integer(text).filter(|ms| (MIN_EPOCH_MS..=MAX_EPOCH_MS).contains(ms))
            } else {
                parse_iso_date(text)
            };
            ms.map(|ms| Some(format!("\"{}\"", format_iso(ms))))
                .ok_or(WARN_NOT_COERCIBLE)
        }
    }
}

/// Latest date accepted: 9999-12-31T23:59:59.999Z.
const MAX_EPOCH_MS: i64 = 253_402_300_799_999;
/// Earliest date accepted: 0000-01-01T00:00:00.000Z.
const MIN_EPOCH_MS: i64 = -62_167_219_200_000;
/// Largest integer sent (2^53 - 1: the largest one every JSON reader keeps exactly).
const MAX_SAFE_INT: f64 = 9_007_199_254_740_991.0;

fn is_integer_text(s: &str) -> bool {
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

fn parse_number(s: &str) -> Option<f64> {
    // Rust's float parser also takes "inf"/"NaN"; only plain decimal notation is a number here.
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        || !s.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn parse_integer(s: &str) -> Option<i64> {
    if is_integer_text(s) {
        if let Ok(i) = s.parse::<i64>() {
            return (i.unsigned_abs() <= MAX_SAFE_INT as u64).then_some(i);
        }
        return None;
    }
    let f = parse_number(s)?;
    (f.fract() == 0.0 && f.abs() <= MAX_SAFE_INT).then_some(f as i64)
}

fn parse_bool(s: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "1", "yes"];
    const FALSE: [&str; 3] = ["false", "0", "no"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(true)
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(false)
    } else {
        None
    }
}

fn format_float(f: f64) -> String {
    // serde_json writes the shortest text that reads back to the same f64.
    serde_json::Number::from_f64(f).map_or_else(|| "0".to_string(), |n| n.to_string())
}

/// Parses an ISO-8601 date (`YYYY-MM-DD`) or date-time (`YYYY-MM-DDTHH:MM[:SS[.fff]]` with an
/// optional `Z` or `±HH:MM` offset; a space may replace the `T`; no offset means UTC) into
/// epoch milliseconds.
pub fn parse_iso_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if b.len() == 10 {
        return Some(ms);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut sec = 0;
    let mut frac_ms = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1..i + 3)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return None;
            }
            let digits = &s[start..end.min(start + 3)];
            frac_ms = digits.parse::<i64>().ok()? * 10_i64.pow(3 - digits.len() as u32);
            i = end;
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let offset_min = match &b[i..] {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [a, b2, b':', c, d2] | [a, b2, c, d2] => {
                    let t = [*a, *b2, *c, *d2];
                    if !t.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    (
                        i64::from(t[0] - b'0') * 10 + i64::from(t[1] - b'0'),
                        i64::from(t[2] - b'0') * 10 + i64::from(t[3] - b'0'),
                    )
                }
                [a, b2] if a.is_ascii_digit() && b2.is_ascii_digit() => {
                    (i64::from(a - b'0') * 10 + i64::from(b2 - b'0'), 0)
                }
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    ms += ((h * 60 + mi - offset_min) * 60 + sec.min(59)) * 1000 + frac_ms;
    (MIN_EPOCH_MS..=MAX_EPOCH_MS).contains(&ms).then_some(ms)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ` (years 0000–9999).
pub fn format_iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Fixed-width digits, written directly (this runs once per date value).
    let mut out = String::with_capacity(24);
    push_digits(&mut out, y, 4);
    for (sep, v, width) in [
        ('-', m, 2),
        ('-', d, 2),
        ('T', rem / 3_600_000, 2),
        (':', rem / 60_000 % 60, 2),
        (':', rem / 1000 % 60, 2),
        ('.', rem % 1000, 3),
    ] {
        out.push(sep);
        push_digits(&mut out, v, width);
    }
    out.push('Z');
    out
}

/// Appends the last `width` decimal digits of `v` (≥ 0), zero-padded.
fn push_digits(out: &mut String, v: i64, width: u32) {
    for p in (0..width).rev() {
        let digit = (v / 10_i64.pow(p) % 10) as u8;
        out.push(char::from(b'0' + digit));
    }
}

/// An error for a mapping that cannot be compiled (used by callers that have no issues list).
pub fn mapping_error(message: &str) -> Error {
    Error::new(ErrorCode::ConfigInvalid, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CustomField;

    fn mapping() -> FieldMapping {
        FieldMapping {
            email: "email".into(),
            first_name: Some("first".into()),
            last_name: None,
            fields: vec![("Company".to_string(), "org".to_string())]
                .into_iter()
                .collect(),
            custom: vec![
                CustomField {
                    source: "tier".into(),
                    name: "Loyalty Tier".into(),
                    ty: "string".into(),
                },
                CustomField {
                    source: "orders".into(),
                    name: "Orders".into(),
                    ty: "integer".into(),
                },
                CustomField {
                    source: "last".into(),
                    name: "Last Order".into(),
                    ty: "date".into(),
                },
                CustomField {
                    source: "vip".into(),
                    name: "VIP".into(),
                    ty: "boolean".into(),
                },
                CustomField {
                    source: "spend".into(),
                    name: "Spend".into(),
                    ty: "float".into(),
                },
            ],
        }
    }

    fn fields_of(m: &Mapper, cells: &[Cell<'_>]) -> (String, Vec<(String, String)>) {
        let mut out = String::new();
        let mut warnings = Vec::new();
        m.write_fields(cells, &mut out, &mut |c, f| {
            warnings.push((c.to_string(), f.to_string()))
        });
        (out, warnings)
    }

    #[test]
    fn projection_has_email_first_and_no_unmapped_fields() {
        let m = Mapper::new(&mapping(), Some("id")).unwrap(); // ok: test
        assert_eq!(
            m.fields(),
            ["email", "first", "org", "tier", "orders", "last", "vip", "spend", "id"]
        );
    }

    #[test]
    fn writes_standard_and_typed_custom_fields() {
        let m = Mapper::new(&mapping(), None).unwrap(); // ok: test
        let cells = [
            Cell::Str("a@example.com"),
            Cell::Str(" Ada "),
            Cell::Str("Analytical \"Engines\""),
            Cell::Str("gold"),
            Cell::Str("7"),
            Cell::Str("2024-05-01"),
            Cell::Str("yes"),
            Cell::Num("12.5"),
        ];
        let (out, warnings) = fields_of(&m, &cells);
        assert!(warnings.is_empty());
        assert_eq!(
            out,
            r#""FirstName":"Ada","Company":"Analytical \"Engines\"","custom":{"string--Loyalty--Tier":"gold","integer--Orders":7,"date--Last--Order":"2024-05-01T00:00:00.000Z","boolean--VIP":true,"float--Spend":12.5}"#
        );
        let json: serde_json::Value = serde_json::from_str(&format!("{{{out}}}")).unwrap(); // ok: test
        assert_eq!(json["custom"]["integer--Orders"], 7);
    }

    #[test]
    fn empty_values_are_left_out_and_bad_ones_warned() {
        let m = Mapper::new(&mapping(), None).unwrap(); // ok: test
        let cells = [
            Cell::Str("a@example.com"),
            Cell::Str("   "),
            Cell::Null,
            Cell::Missing,
            Cell::Str("seven"),
            Cell::Str("2024-02-30"),
            Cell::Str("maybe"),
            Cell::Nested,
        ];
        let (out, warnings) = fields_of(&m, &cells);
        assert_eq!(out, "");
        assert_eq!(
            warnings,
            vec![
                (
                    WARN_NOT_COERCIBLE.to_string(),
                    "integer--Orders".to_string()
                ),
                (
                    WARN_NOT_COERCIBLE.to_string(),
                    "date--Last--Order".to_string()
                ),
                (WARN_NOT_COERCIBLE.to_string(), "boolean--VIP".to_string()),
                (WARN_NESTED.to_string(), "float--Spend".to_string()),
            ]
        );
    }

    #[test]
    fn email_cell_rules() {
        let m = Mapper::new(&mapping(), None).unwrap(); // ok: test
        assert_eq!(m.email(&[Cell::Str("A@B.CO")]), Ok("A@b.co".into()));
        assert_eq!(m.email(&[Cell::Missing]), Err(RejectReason::EmailMissing));
        assert_eq!(m.email(&[Cell::Null]), Err(RejectReason::EmailMissing));
        assert_eq!(m.email(&[Cell::Num("5")]), Err(RejectReason::EmailInvalid));
        assert_eq!(m.email(&[]), Err(RejectReason::EmailMissing));
    }

    #[test]
    fn integer_coercion() {
        let c = |s| coerce(Cell::Str(s), CustomType::Integer);
        assert_eq!(c("42"), Ok(Some("42".into())));
        assert_eq!(c(" -3 "), Ok(Some("-3".into())));
        assert_eq!(c("4.0"), Ok(Some("4".into())));
        assert_eq!(c("1e3"), Ok(Some("1000".into())));
        assert_eq!(c("4.5"), Err(WARN_NOT_COERCIBLE));
        assert_eq!(c("9007199254740992"), Err(WARN_NOT_COERCIBLE));
        assert_eq!(c("NaN"), Err(WARN_NOT_COERCIBLE));
        assert_eq!(c("inf"), Err(WARN_NOT_COERCIBLE));
        assert_eq!(
            coerce(Cell::Num("12"), CustomType::Integer),
            Ok(Some("12".into()))
        );
        assert_eq!(
            coerce(Cell::Bool(true), CustomType::Integer),
            Err(WARN_NOT_COERCIBLE)
        );
    }

    #[test]
    fn float_boolean_string_coercion() {
        assert_eq!(
            coerce(Cell::Str("3"), CustomType::Float),
            Ok(Some("3.0".into()))
        );
        assert_eq!(
            coerce(Cell::Str("-0.25"), CustomType::Float),
            Ok(Some("-0.25".into()))
        );
        assert_eq!(
            coerce(Cell::Str("1,5"), CustomType::Float),
            Err(WARN_NOT_COERCIBLE)
        );
        for t in ["true", "TRUE", "1", "yes", "Yes"] {
            assert_eq!(
                coerce(Cell::Str(t), CustomType::Boolean),
                Ok(Some("true".into())),
                "{t}"
            );
        }
        for f in ["false", "0", "no", "NO"] {
            assert_eq!(
                coerce(Cell::Str(f), CustomType::Boolean),
                Ok(Some("false".into())),
                "{f}"
            );
        }
        assert_eq!(
            coerce(Cell::Num("1"), CustomType::Boolean),
            Ok(Some("true".into()))
        );
        assert_eq!(
            coerce(Cell::Num("2"), CustomType::Boolean),
            Err(WARN_NOT_COERCIBLE)
        );
        assert_eq!(
            coerce(Cell::Num("2"), CustomType::String),
            Ok(Some("\"2\"".into()))
        );
        assert_eq!(
            coerce(Cell::Bool(false), CustomType::String),
            Ok(Some("\"false\"".into()))
        );
        assert_eq!(
            coerce(Cell::Str("a\u{1}b"), CustomType::String),
            Ok(Some("\"a\\u0001b\"".into()))
        );
    }

    #[test]
    fn date_coercion() {
        let d = |s| coerce(Cell::Str(s), CustomType::Date);
        assert_eq!(
            d("2024-05-01"),
            Ok(Some("\"2024-05-01T00:00:00.000Z\"".into()))
        );
        assert_eq!(
            d("2024-02-29T13:45"),
            Ok(Some("\"2024-02-29T13:45:00.000Z\"".into()))
        );
        assert_eq!(
            d("2024-05-01T10:00:00+02:00"),
            Ok(Some("\"2024-05-01T08:00:00.000Z\"".into()))
        );
        assert_eq!(
            d("2024-05-01 23:30:00.5-0130"),
            Ok(Some("\"2024-05-02T01:00:00.500Z\"".into()))
        );
        assert_eq!(
            d("1999-12-31T23:59:59.999Z"),
            Ok(Some("\"1999-12-31T23:59:59.999Z\"".into()))
        );
        assert_eq!(
            d("1714521600000"),
            Ok(Some("\"2024-05-01T00:00:00.000Z\"".into()))
        );
        assert_eq!(
            coerce(Cell::Num("0"), CustomType::Date),
            Ok(Some("\"1970-01-01T00:00:00.000Z\"".into()))
        );
        assert_eq!(
            coerce(Cell::Num("-86400000"), CustomType::Date),
            Ok(Some("\"1969-12-31T00:00:00.000Z\"".into()))
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-05-01T24:00",
            "05/01/2024",
            "2024-05-01T10:00+2",
            "yesterday",
            "2024-05-01Txx",
        ] {
            assert_eq!(d(bad), Err(WARN_NOT_COERCIBLE), "{bad}");
        }
    }

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

    #[test]
    fn iso_round_trip_over_many_days() {
        for day in (-719_000..2_900_000).step_by(997) {
            let ms = day * 86_400_000 + 12_345_678;
            let text = format_iso(ms);
            assert_eq!(parse_iso_date(&text), Some(ms), "{text}");
        }
    }
}
