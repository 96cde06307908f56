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
use crate::error::{Error, ErrorCode, WarningCode};
use crate::input::Cell;
use crate::report::RejectReason;
use crate::util::json::push_json_str;
use crate::util::time::{format_iso, parse_iso_date, MAX_EPOCH_MS, MIN_EPOCH_MS};

/// Warning code: a value could not be coerced to its field's type.
pub const WARN_NOT_COERCIBLE: WarningCode = WarningCode::ValueNotCoercible;
/// Warning code: an array or object where a single value belongs.
pub const WARN_NESTED: WarningCode = WarningCode::ValueNested;

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
        warn: &mut dyn FnMut(WarningCode, &str),
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

/// The text of a standard field: trimmed strings, numbers and booleans as text.
fn standard_text(cell: Cell<'_>) -> Result<Option<String>, WarningCode> {
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
pub fn coerce(cell: Cell<'_>, ty: CustomType) -> Result<Option<String>, WarningCode> {
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

    fn fields_of(m: &Mapper, cells: &[Cell<'_>]) -> (String, Vec<(WarningCode, String)>) {
        let mut out = String::new();
        let mut warnings = Vec::new();
        m.write_fields(cells, &mut out, &mut |c, f| {
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
}
