//! Profile record → Autopilot contact (DESIGN.md §4, research notes §1.4).
//!
//! A [`Mapper`] is compiled once from a validated [`FieldMapping`]. It names the profile
//! fields it needs ([`Mapper::fields`], the projection handed to the input parsers) and turns
//! one record's cells into the JSON members of a contact: PascalCase standard fields and a
//! `custom` object keyed `<type>--<Name>`, with values coerced to their declared type.
//! Empty values are left out; a value that cannot be coerced is left out and reported as a
//! warning (with a hint when the value looks like a known format); unmapped fields are never
//! read.
//!
//! Dates (custom fields of type `date`): ISO 8601 extended (`2024-04-01`,
//! `2024-04-01T12:30:00+02:00`, ...) and basic (`20240401`, `20240401T123000Z`) forms; with
//! a `format` option also that format (Unix milliseconds or seconds, Excel serial dates,
//! day/month/year). Without one, a number (or all-digit text) is Unix milliseconds only
//! between 1980-01-01 and 2100-01-01; any other number is left out with a hint naming the
//! format it looks like (so `0` never becomes 1970-01-01).
//!
//! Numbers: plain decimal notation with a `.` decimal point (no grouping: `1,234` is refused
//! because it means 1.234 in half of Europe). With `decimal: ','` the decimal mark is a
//! comma and digits may be grouped by threes with `.`, a space, a no-break space or `'`
//! (`1.234,5`, `1 234,5`); a `.` is then never a decimal point.

use crate::config::{CustomType, FieldMapping, Target, ValueFormat};
use crate::email;
use crate::error::{Error, ErrorCode, WarningCode};
use crate::input::Cell;
use crate::report::RejectReason;
use crate::util::float::{parse_f64, MAX_SAFE_INTEGER};
use crate::util::json::push_json_str;
use crate::util::time::{
    numeric_date, parse_day_month_year, parse_iso_basic, parse_iso_date, push_iso, DateFormat,
    MAX_PLAUSIBLE_MS, MIN_PLAUSIBLE_MS,
};

/// Warning code: a value could not be coerced to its field's type.
pub const WARN_NOT_COERCIBLE: WarningCode = WarningCode::ValueNotCoercible;
/// Warning code: an array or object where a single value belongs.
pub const WARN_NESTED: WarningCode = WarningCode::ValueNested;

/// Why a value was left out: a warning code and, when the value looks like a known format,
/// a hint naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uncoercible {
    /// [`WARN_NOT_COERCIBLE`] or [`WARN_NESTED`].
    pub code: WarningCode,
    /// What the value looks like, and the option that reads it.
    pub hint: Option<&'static str>,
}

impl Uncoercible {
    const fn plain(code: WarningCode) -> Self {
        Uncoercible { code, hint: None }
    }
    const fn hinted(hint: &'static str) -> Self {
        Uncoercible {
            code: WARN_NOT_COERCIBLE,
            hint: Some(hint),
        }
    }
}

/// Hints for numbers left out of date fields without a `format`.
const HINT_EPOCH_S: &str = "looks like Unix seconds: set format 'epoch-s' on this custom field";
const HINT_EXCEL: &str =
    "looks like an Excel serial date: set format 'excel-serial' on this custom field";
const HINT_BASIC: &str = "looks like ISO 8601 basic YYYYMMDD but is not a valid date";
const HINT_ZERO: &str = "0 is not read as a date (it would be 1970-01-01)";
const HINT_EPOCH_MS: &str = "a number is read as Unix milliseconds only between 1980-01-01 and 2100-01-01: set format 'epoch-ms', 'epoch-s' or 'excel-serial' to read it otherwise";

/// A compiled mapping.
#[derive(Debug, Clone)]
pub struct Mapper {
    fields: Vec<String>,
    id_index: Option<usize>,
    standard: Vec<Standard>,
    custom: Vec<Custom>,
}

/// A standard field of the mapping: its cell, its wire name, and `"<name>":` as written.
#[derive(Debug, Clone)]
struct Standard {
    cell: usize,
    name: &'static str,
    prefix: String,
}

/// A custom field of the mapping: its cell, its wire key, type and format, and `"<key>":`.
#[derive(Debug, Clone)]
struct Custom {
    cell: usize,
    key: String,
    ty: CustomType,
    format: ValueFormat,
    prefix: String,
}

/// `"<key>":`, the start of a JSON member.
fn member_prefix(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 3);
    push_json_str(&mut out, key);
    out.push(':');
    out
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
            let cell = index_of(&source);
            match target {
                Target::Standard(name) => standard.push(Standard {
                    cell,
                    name,
                    prefix: member_prefix(name),
                }),
                Target::Custom(key, ty, format) => custom.push(Custom {
                    cell,
                    prefix: member_prefix(&key),
                    key,
                    ty,
                    format,
                }),
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
            Cell::Str(s) => {
                let t = s.trim();
                if t.is_empty() {
                    None
                } else if t.len() <= MAX_ID_CHARS {
                    // At most as many characters as bytes: nothing to cut.
                    Some(t.to_string())
                } else {
                    Some(t.chars().take(MAX_ID_CHARS).collect())
                }
            }
            Cell::Num(n) => Some(n.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Appends the contact's JSON members other than `Email` to `out` (comma-separated,
    /// without braces; nothing when no mapped value is present). `warn(code, field, hint)` is
    /// called for each value left out because it could not be coerced.
    pub fn write_fields(
        &self,
        cells: &[Cell<'_>],
        out: &mut String,
        warn: &mut dyn FnMut(WarningCode, &str, Option<&'static str>),
    ) {
        let mut values = String::new();
        self.write_values(cells, &mut values, warn);
        self.render(&values, out);
    }

    /// Appends the contact's mapped values to `out` in the compact form a plan keeps: the
    /// JSON text of each target's value (standard fields, then custom fields, in mapping
    /// order; empty when left out), separated by [`VALUE_SEP`], without the trailing empty
    /// ones. [`Mapper::render`] turns it into the JSON members; the names are not repeated
    /// in every contact (they were about half of a plan's memory). `warn` as in
    /// [`Mapper::write_fields`].
    pub fn write_values(
        &self,
        cells: &[Cell<'_>],
        out: &mut String,
        warn: &mut dyn FnMut(WarningCode, &str, Option<&'static str>),
    ) {
        let start = out.len();
        let cell = |i: usize| cells.get(i).copied().unwrap_or(Cell::Missing);
        for (n, f) in self.standard.iter().enumerate() {
            if n > 0 {
                out.push(VALUE_SEP);
            }
            // The text of a standard field: trimmed strings, numbers and booleans as text.
            let text = match cell(f.cell) {
                Cell::Missing | Cell::Null => continue,
                Cell::Str(s) => s.trim(),
                Cell::Num(n) => n,
                Cell::Bool(b) => bool_text(b),
                Cell::Nested => {
                    warn(WARN_NESTED, f.name, None);
                    continue;
                }
            };
            if !text.is_empty() {
                push_json_str(out, text);
            }
        }
        for (n, f) in self.custom.iter().enumerate() {
            if n > 0 || !self.standard.is_empty() {
                out.push(VALUE_SEP);
            }
            let mark = out.len();
            if let Err(e) = write_value(cell(f.cell), f.ty, &f.format, out) {
                out.truncate(mark);
                warn(e.code, &f.key, e.hint);
            }
        }
        while out.len() > start && out.ends_with(VALUE_SEP) {
            out.pop();
        }
    }

    /// Appends the JSON members (comma-separated, without braces) of `values`, the compact
    /// form written by [`Mapper::write_values`] with this mapping: standard fields by name,
    /// custom fields inside a `custom` object.
    pub fn render(&self, values: &str, out: &mut String) {
        if values.is_empty() {
            return;
        }
        let standard = self.standard.len();
        let mut first = true;
        let mut opened = false;
        for (i, v) in values.split(VALUE_SEP).enumerate() {
            if v.is_empty() {
                continue;
            }
            let prefix = if i < standard {
                if !first {
                    out.push(',');
                }
                self.standard.get(i).map(|f| f.prefix.as_str())
            } else {
                if opened {
                    out.push(',');
                } else {
                    if !first {
                        out.push(',');
                    }
                    out.push_str("\"custom\":{");
                    opened = true;
                }
                self.custom.get(i - standard).map(|f| f.prefix.as_str())
            };
            first = false;
            out.push_str(prefix.unwrap_or("\"\":"));
            out.push_str(v);
        }
        if opened {
            out.push('}');
        }
    }
}

/// Separates the values of one contact in the compact form of [`Mapper::write_values`]: a
/// character JSON text never holds unescaped.
pub const VALUE_SEP: char = '\u{1}';

/// The longest `idField` value kept, in characters.
const MAX_ID_CHARS: usize = 200;

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Coerces a cell to `ty` with default options and returns the JSON text of the value;
/// `Ok(None)` for empty values, `Err(code)` when it cannot be coerced.
pub fn coerce(cell: Cell<'_>, ty: CustomType) -> Result<Option<String>, WarningCode> {
    coerce_with(cell, ty, &ValueFormat::default()).map_err(|e| e.code)
}

/// Coerces a cell to `ty`, reading it as `format` says, and returns the JSON text of the
/// value; `Ok(None)` for empty values.
pub fn coerce_with(
    cell: Cell<'_>,
    ty: CustomType,
    format: &ValueFormat,
) -> Result<Option<String>, Uncoercible> {
    let mut out = String::new();
    Ok(write_value(cell, ty, format, &mut out)?.then_some(out))
}

/// Appends the JSON text of a cell coerced to `ty` (read as `format` says) to `out`:
/// `Ok(true)` when written, `Ok(false)` (nothing written) for an empty value.
fn write_value(
    cell: Cell<'_>,
    ty: CustomType,
    format: &ValueFormat,
    out: &mut String,
) -> Result<bool, Uncoercible> {
    let not_coercible = Uncoercible::plain(WARN_NOT_COERCIBLE);
    let text = match cell {
        Cell::Missing | Cell::Null => return Ok(false),
        Cell::Nested => return Err(Uncoercible::plain(WARN_NESTED)),
        Cell::Bool(b) => {
            return match ty {
                CustomType::Boolean => {
                    out.push_str(bool_text(b));
                    Ok(true)
                }
                CustomType::String => {
                    out.push('"');
                    out.push_str(bool_text(b));
                    out.push('"');
                    Ok(true)
                }
                _ => Err(not_coercible),
            }
        }
        Cell::Num(n) => n.trim(),
        Cell::Str(s) => s.trim(),
    };
    if text.is_empty() {
        return Ok(false);
    }
    let is_num = matches!(cell, Cell::Num(_));
    let number = |text: &str| {
        if format.decimal_comma && !is_num {
            parse_decimal_comma(text)
        } else {
            parse_f64(text)
        }
    };
    match ty {
        CustomType::String => push_json_str(out, text),
        CustomType::Integer => {
            let i = integer_of(text, number(text)).ok_or(not_coercible)?;
            push_i64(out, i);
        }
        CustomType::Float => {
            let f = number(text).ok_or(not_coercible)?;
            push_float(out, f);
        }
        CustomType::Boolean => out.push_str(bool_text(parse_bool(text).ok_or(not_coercible)?)),
        CustomType::Date => {
            let ms = date_ms(text, is_num, format.date)?;
            out.push('"');
            push_iso(out, ms);
            out.push('"');
        }
    }
    Ok(true)
}

/// Epoch milliseconds of a date value (see the module documentation).
fn date_ms(text: &str, is_num: bool, format: Option<DateFormat>) -> Result<i64, Uncoercible> {
    let not_coercible = Uncoercible::plain(WARN_NOT_COERCIBLE);
    let numeric = is_num || parse_f64(text).is_some();
    match format {
        Some(f) if f.is_numeric() && numeric => {
            return parse_f64(text)
                .and_then(|v| numeric_date(v, f))
                .ok_or(not_coercible)
        }
        Some(f) if !f.is_numeric() => {
            if let Some(ms) = parse_day_month_year(text, f) {
                return Ok(ms);
            }
        }
        _ => {}
    }
    if let Some(ms) = parse_iso_date(text).or_else(|| parse_iso_basic(text)) {
        return Ok(ms);
    }
    if format.is_some() || !numeric {
        return Err(not_coercible);
    }
    // A number without a declared format.
    if is_integer_text(text) && text.len() == 8 {
        return Err(Uncoercible::hinted(HINT_BASIC));
    }
    let Some(v) = parse_f64(text) else {
        return Err(not_coercible);
    };
    if v.fract() == 0.0 && (MIN_PLAUSIBLE_MS as f64..MAX_PLAUSIBLE_MS as f64).contains(&v) {
        return Ok(v as i64);
    }
    let hint = if v == 0.0 {
        HINT_ZERO
    } else if (MIN_PLAUSIBLE_MS as f64 / 1000.0..MAX_PLAUSIBLE_MS as f64 / 1000.0).contains(&v) {
        HINT_EPOCH_S
    } else if (18_264.0..73_051.0).contains(&v) {
        // 1950-01-01 to 2100-01-01 in Excel's 1900 date system.
        HINT_EXCEL
    } else {
        HINT_EPOCH_MS
    };
    Err(Uncoercible::hinted(hint))
}

/// Parses a number written with a decimal comma: an optional sign, digits optionally
/// grouped by threes with one kind of separator (`.`, space, U+00A0, U+202F or `'`), and an
/// optional `,` with at least one digit after it. No exponent.
fn parse_decimal_comma(s: &str) -> Option<f64> {
    let (sign, body) = match s.strip_prefix(['-', '+']) {
        Some(rest) => (s.get(..1).unwrap_or(""), rest),
        None => ("", s),
    };
    let (int, frac) = match body.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let separator = int.chars().find(|c| !c.is_ascii_digit());
    let mut digits = String::with_capacity(s.len());
    match separator {
        None => digits.push_str(int),
        Some(sep) => {
            if !matches!(sep, '.' | ' ' | '\u{A0}' | '\u{202F}' | '\'') {
                return None;
            }
            for (n, group) in int.split(sep).enumerate() {
                let ok = group.bytes().all(|b| b.is_ascii_digit())
                    && if n == 0 {
                        (1..=3).contains(&group.len())
                    } else {
                        group.len() == 3
                    };
                if !ok {
                    return None;
                }
                digits.push_str(group);
            }
        }
    }
    if digits.is_empty() {
        return None;
    }
    let text = match frac {
        Some(f) => format!("{sign}{digits}.{f}"),
        None => format!("{sign}{digits}"),
    };
    parse_f64(&text)
}

fn is_integer_text(s: &str) -> bool {
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// An integer from its text (plain digits, kept exact) or from the number it reads as
/// (`4.0`, `1e3`, `1.000` with a decimal comma), within ±(2^53 - 1).
fn integer_of(s: &str, number: Option<f64>) -> Option<i64> {
    if is_integer_text(s) {
        if let Ok(i) = s.parse::<i64>() {
            return (i.unsigned_abs() <= MAX_SAFE_INTEGER as u64).then_some(i);
        }
        return None;
    }
    let f = number?;
    (f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER).then_some(f as i64)
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

/// Appends `f` as JSON: serde_json's shortest text that reads back to the same `f64`
/// (`f` is finite: the parsers refuse the rest; `0` otherwise, as before).
fn push_float(out: &mut String, f: f64) {
    if f.is_finite() {
        out.push_str(zmij::Buffer::new().format_finite(f));
    } else {
        out.push('0');
    }
}

/// Appends `i` in decimal (itoa: serde_json's integer writer, without `fmt`).
fn push_i64(out: &mut String, i: i64) {
    out.push_str(itoa::Buffer::new().format(i));
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
                    ..CustomField::default()
                },
                CustomField {
                    source: "orders".into(),
                    name: "Orders".into(),
                    ty: "integer".into(),
                    ..CustomField::default()
                },
                CustomField {
                    source: "last".into(),
                    name: "Last Order".into(),
                    ty: "date".into(),
                    ..CustomField::default()
                },
                CustomField {
                    source: "vip".into(),
                    name: "VIP".into(),
                    ty: "boolean".into(),
                    ..CustomField::default()
                },
                CustomField {
                    source: "spend".into(),
                    name: "Spend".into(),
                    ty: "float".into(),
                    ..CustomField::default()
                },
            ],
        }
    }

    fn fields_of(m: &Mapper, cells: &[Cell<'_>]) -> (String, Vec<(WarningCode, String)>) {
        let mut out = String::new();
        let mut warnings = Vec::new();
        m.write_fields(cells, &mut out, &mut |c, f, _| {
            warnings.push((c, f.to_string()))
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
    fn compact_values_render_as_the_members() {
        let m = Mapper::new(&mapping(), None).unwrap(); // ok: test
        let render = |cells: &[Cell<'_>]| {
            let mut values = String::new();
            m.write_values(cells, &mut values, &mut |_, _, _| {});
            let mut out = String::new();
            m.render(&values, &mut out);
            (values, out)
        };
        // Standard fields only, with a gap; custom fields only; a trailing gap; nothing.
        let (values, out) = render(&[Cell::Str("a@x.io"), Cell::Missing, Cell::Str("Org")]);
        assert_eq!(values, "\u{1}\"Org\"");
        assert_eq!(out, r#""Company":"Org""#);
        let cells = [
            Cell::Str("a@x.io"),
            Cell::Null,
            Cell::Null,
            Cell::Missing,
            Cell::Str("3"),
            Cell::Missing,
            Cell::Bool(false),
        ];
        let (values, out) = render(&cells);
        assert_eq!(values, "\u{1}\u{1}\u{1}3\u{1}\u{1}false");
        assert_eq!(
            out,
            r#""custom":{"integer--Orders":3,"boolean--VIP":false}"#
        );
        let (values, out) = render(&[Cell::Str("a@x.io"), Cell::Str("Ada")]);
        assert_eq!(
            (values.as_str(), out.as_str()),
            ("\"Ada\"", r#""FirstName":"Ada""#)
        );
        assert_eq!(
            render(&[Cell::Str("a@x.io")]),
            (String::new(), String::new())
        );
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
                (WARN_NOT_COERCIBLE, "integer--Orders".to_string()),
                (WARN_NOT_COERCIBLE, "date--Last--Order".to_string()),
                (WARN_NOT_COERCIBLE, "boolean--VIP".to_string()),
                (WARN_NESTED, "float--Spend".to_string()),
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
        // Issue 14: numbers are epoch milliseconds only from 1980 to 2100 (0 and negative
        // numbers were 1970-01-01 and earlier before).
        assert_eq!(
            coerce(Cell::Num("0"), CustomType::Date),
            Err(WARN_NOT_COERCIBLE)
        );
        assert_eq!(
            coerce(Cell::Num("-86400000"), CustomType::Date),
            Err(WARN_NOT_COERCIBLE)
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

    fn date_with(text: &str, format: Option<&str>) -> Result<Option<String>, Uncoercible> {
        let format = ValueFormat {
            date: format.and_then(DateFormat::parse),
            decimal_comma: false,
        };
        coerce_with(Cell::Str(text), CustomType::Date, &format)
    }

    fn iso(s: &str) -> Result<Option<String>, Uncoercible> {
        Ok(Some(format!("\"{s}\"")))
    }

    /// Issue 14, case 5: the four values with each format, and without one.
    #[test]
    fn issue_14_numeric_dates() {
        let day = "2024-04-01T00:00:00.000Z";
        // Without a format: only ISO 8601 basic is a date; the others are left out with a hint.
        assert_eq!(date_with("20240401", None), iso(day));
        let hint = |v: &str| date_with(v, None).unwrap_err().hint.unwrap_or(""); // ok: test
        assert!(hint("1711929600").contains("epoch-s"));
        assert!(hint("45383").contains("excel-serial"));
        assert!(hint("0").contains("1970"));
        assert!(hint("20241301").contains("YYYYMMDD"));
        assert_eq!(
            coerce_with(
                Cell::Num("1711929600"),
                CustomType::Date,
                &ValueFormat::default()
            )
            .unwrap_err() // ok: test
            .code,
            WARN_NOT_COERCIBLE
        );
        assert_eq!(date_with("1711929600000", None), iso(day));
        // epoch-s
        assert_eq!(date_with("1711929600", Some("epoch-s")), iso(day));
        assert_eq!(
            date_with("45383", Some("epoch-s")),
            iso("1970-01-01T12:36:23.000Z")
        );
        assert_eq!(
            date_with("20240401", Some("epoch-s")),
            iso("1970-08-23T06:20:01.000Z")
        );
        assert_eq!(
            date_with("0", Some("epoch-s")),
            iso("1970-01-01T00:00:00.000Z")
        );
        // epoch-ms
        assert_eq!(
            date_with("1711929600", Some("epoch-ms")),
            iso("1970-01-20T19:32:09.600Z")
        );
        assert_eq!(
            date_with("0", Some("epoch-ms")),
            iso("1970-01-01T00:00:00.000Z")
        );
        // excel-serial
        assert_eq!(date_with("45383", Some("excel-serial")), iso(day));
        assert_eq!(
            date_with("45383.75", Some("excel-serial")),
            iso("2024-04-01T18:00:00.000Z")
        );
        assert!(date_with("0", Some("excel-serial")).is_err());
        assert_eq!(
            date_with("1711929600", Some("excel-serial"))
                .unwrap_err()
                .code, // ok: test
            WARN_NOT_COERCIBLE
        );
        // day/month/year formats; ISO values are still read.
        assert_eq!(date_with("01/04/2024", Some("dd/mm/yyyy")), iso(day));
        assert_eq!(date_with("04/01/2024", Some("mm/dd/yyyy")), iso(day));
        assert_eq!(date_with("1.4.2024", Some("dd.mm.yyyy")), iso(day));
        assert_eq!(date_with("2024-04-01", Some("dd/mm/yyyy")), iso(day));
        assert_eq!(date_with("20240401", Some("dd.mm.yyyy")), iso(day));
        assert!(date_with("0", Some("dd/mm/yyyy")).is_err());
        assert_eq!(
            date_with("20240401T123000Z", None),
            iso("2024-04-01T12:30:00.000Z")
        );
        assert_eq!(
            date_with("20240401T1230+0200", None),
            iso("2024-04-01T10:30:00.000Z")
        );
    }

    #[test]
    fn decimal_comma_numbers() {
        let comma = ValueFormat {
            date: None,
            decimal_comma: true,
        };
        let f = |s| coerce_with(Cell::Str(s), CustomType::Float, &comma);
        let i = |s| coerce_with(Cell::Str(s), CustomType::Integer, &comma);
        assert_eq!(f("1,5"), Ok(Some("1.5".into())));
        assert_eq!(f("-1.234,56"), Ok(Some("-1234.56".into())));
        assert_eq!(f("1 234 567,8"), Ok(Some("1234567.8".into())));
        assert_eq!(f("1\u{A0}234,8"), Ok(Some("1234.8".into())));
        assert_eq!(f("1'234"), Ok(Some("1234.0".into())));
        assert_eq!(i("1.234"), Ok(Some("1234".into())));
        assert_eq!(i("12,0"), Ok(Some("12".into())));
        for bad in [
            "1.5",
            "1,2,3",
            "1.23,4",
            "12.34.567",
            "1e3",
            "1,",
            ",5",
            "1.234 567",
            "",
        ] {
            if bad.is_empty() {
                assert_eq!(f(bad), Ok(None));
            } else {
                assert!(f(bad).is_err(), "{bad}");
            }
        }
        // A JSON number is a number whatever the mark.
        assert_eq!(
            coerce_with(Cell::Num("2.5"), CustomType::Float, &comma),
            Ok(Some("2.5".into()))
        );
        // Default: a comma is never accepted.
        assert_eq!(
            coerce(Cell::Str("1,234"), CustomType::Float),
            Err(WARN_NOT_COERCIBLE)
        );
    }
}
