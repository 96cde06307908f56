//! Mapping and email rules on random cells and random mappings: never panic; the contact
//! JSON written is always valid JSON whose values have the declared types; email
//! normalisation is idempotent and its results obey the length and ASCII rules; ISO dates
//! round-trip.
//!
//! Input layout: a small byte program. Byte 0: number of standard fields (mod 6); byte 1:
//! number of custom fields (mod 6); then for each field a selector byte (standard field / custom
//! type); the rest is split at 0xFF bytes into text pieces used as names, field names, the
//! email and cell values (a piece's first byte selects the cell kind).
#![no_main]

use autopilot_export::config::{self, CustomType, FieldMapping};
use autopilot_export::email;
use autopilot_export::input::Cell;
use autopilot_export::mapping::{self, Mapper};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const STANDARD: &[&str] = &[
    "FirstName",
    "LastName",
    "Company",
    "Phone",
    "NumberOfEmployees",
    "Twitter",
    "Fax",
    "owner_name",
];
const TYPES: &[&str] = &["string", "integer", "float", "date", "boolean"];

fn check_email(raw: &str) {
    if let Ok(e) = email::normalize(raw) {
        assert!(e.is_ascii(), "a valid email is ASCII");
        assert!(
            e.len() <= email::MAX_LEN,
            "a valid email is at most 254 bytes"
        );
        let (local, domain) = e.split_once('@').expect("a valid email has an @");
        assert!(!local.is_empty() && local.len() <= email::MAX_LOCAL_LEN);
        assert!(domain.contains('.') && !domain.contains('@'));
        assert_eq!(
            domain,
            domain.to_ascii_lowercase(),
            "the domain is sent lower-cased"
        );
        assert_eq!(
            email::normalize(&e),
            Ok(e.clone()),
            "normalisation is idempotent"
        );
        assert_eq!(email::dedupe_key(&e), e.to_ascii_lowercase());
        assert!(email::same_contact(&e, &e.to_ascii_uppercase()));
    }
}

fn check_value(key: &str, v: &Value) {
    let ty = key.split("--").next().unwrap_or("");
    match ty {
        "string" => assert!(v.is_string(), "{key}: {v}"),
        "integer" => {
            let i = v
                .as_i64()
                .unwrap_or_else(|| panic!("{key}: not an integer: {v}"));
            assert!(
                i.unsigned_abs() <= 9_007_199_254_740_991,
                "{key}: beyond 2^53: {i}"
            );
        }
        "float" => assert!(v.as_f64().is_some_and(f64::is_finite), "{key}: {v}"),
        "boolean" => assert!(v.is_boolean(), "{key}: {v}"),
        "date" => {
            let s = v
                .as_str()
                .unwrap_or_else(|| panic!("{key}: not a string: {v}"));
            assert!(
                s.ends_with('Z') && s.contains('T'),
                "{key}: not ISO-8601: {s}"
            );
        }
        _ => panic!("unknown custom key {key}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n_std = (data[0] % 6) as usize;
    let n_custom = (data[1] % 6) as usize;
    let selectors = data.get(2..2 + n_std + n_custom).unwrap_or(&[]);
    let rest = data.get(2 + n_std + n_custom..).unwrap_or(&[]);
    let pieces: Vec<String> = rest
        .split(|&b| b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let piece = |i: usize| {
        pieces
            .get(i % pieces.len().max(1))
            .cloned()
            .unwrap_or_default()
    };

    // Email rules on every piece, and ISO date round trips.
    for p in &pieces {
        check_email(p);
        if let Some(ms) = autopilot_export::util::time::parse_iso_date(p) {
            let s = autopilot_export::util::time::format_iso(ms);
            if s.len() == 24 && s.as_bytes()[0].is_ascii_digit() {
                assert_eq!(
                    autopilot_export::util::time::parse_iso_date(&s),
                    Some(ms),
                    "{p} -> {s} does not read back"
                );
            }
        }
        for ty in [
            CustomType::String,
            CustomType::Integer,
            CustomType::Float,
            CustomType::Date,
            CustomType::Boolean,
        ] {
            let _ = mapping::coerce(Cell::Str(p), ty);
            let _ = mapping::coerce(Cell::Num(p), ty);
        }
    }

    // A random mapping, built as the JSON a host would pass.
    let mut fields = serde_json::Map::new();
    let mut custom = Vec::new();
    for (i, &s) in selectors.iter().enumerate() {
        if i < n_std {
            fields.insert(
                STANDARD[s as usize % STANDARD.len()].to_string(),
                Value::String(piece(i + 1)),
            );
        } else {
            custom.push(serde_json::json!({"source": piece(i + 2), "name": piece(i + 3), "type": TYPES[s as usize % TYPES.len()]}));
        }
    }
    let json =
        serde_json::json!({"email": piece(0), "fields": fields, "custom": custom}).to_string();
    let Ok(m) = config::from_json_str::<FieldMapping>(&json) else {
        return;
    };
    let Ok(mapper) = Mapper::new(&m, None) else {
        return;
    };
    let n = mapper.fields().len();
    let texts: Vec<String> = (0..n).map(|i| piece(i + 5)).collect();
    let cells: Vec<Cell<'_>> = texts
        .iter()
        .map(|t| match t.as_bytes().first().copied().unwrap_or(0) % 8 {
            0 => Cell::Missing,
            1 => Cell::Null,
            2 => Cell::Bool(t.len() % 2 == 0),
            3 => Cell::Num(t),
            4 => Cell::Nested,
            _ => Cell::Str(t),
        })
        .collect();
    let _ = mapper.email(&cells);
    let mut out = String::new();
    let mut warnings = 0;
    mapper.write_fields(&cells, &mut out, &mut |_, _, _| warnings += 1);
    let doc = if out.is_empty() {
        "{\"Email\":\"x@y.z\"}".to_string()
    } else {
        format!("{{\"Email\":\"x@y.z\",{out}}}")
    };
    let v: Value = serde_json::from_str(&doc)
        .unwrap_or_else(|e| panic!("contact JSON is invalid ({e}): {doc}"));
    let obj = v.as_object().expect("an object");
    for (k, val) in obj {
        if k == "custom" {
            let c = val.as_object().expect("custom is an object");
            assert!(!c.is_empty(), "an empty custom object is never sent");
            for (ck, cv) in c {
                check_value(ck, cv);
            }
        } else {
            let s = val
                .as_str()
                .unwrap_or_else(|| panic!("standard field {k} is not a string: {val}"));
            assert!(!s.is_empty(), "empty values are never sent");
        }
    }
});
