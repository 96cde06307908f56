//! Property tests of the input parsers: random documents fed in random chunk splits give
//! exactly the sink calls of one whole chunk, and those calls match a model of the
//! document.
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::error::Error;
use autopilot_export::input::{Cell, Dialect, Format, Parser, RowSink, SourceOptions};
use autopilot_export::report::RejectReason;
use proptest::prelude::*;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum C {
    Missing,
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Nested,
}

#[derive(Debug, Clone, PartialEq)]
enum Call {
    Columns(Vec<usize>),
    Row(u64, Vec<C>),
    Reject(u64, RejectReason, Option<String>),
}

#[derive(Default)]
struct Rec(Vec<Call>);

impl RowSink for Rec {
    fn columns(&mut self, missing: &[usize]) -> Result<(), Error> {
        self.0.push(Call::Columns(missing.to_vec()));
        Ok(())
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        let cells = cells
            .iter()
            .map(|c| match *c {
                Cell::Missing => C::Missing,
                Cell::Null => C::Null,
                Cell::Bool(b) => C::Bool(b),
                Cell::Num(n) => C::Num(n.to_string()),
                Cell::Str(s) => C::Str(s.to_string()),
                Cell::Nested => C::Nested,
            })
            .collect();
        self.0.push(Call::Row(row, cells));
    }
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        self.0
            .push(Call::Reject(row, reason, detail.map(str::to_string)));
    }
}

/// Feeds `input` cut into pieces of the given sizes (cycled; empty pieces included).
fn parse(
    format: Format,
    proj: &[String],
    input: &[u8],
    sizes: &[usize],
) -> (Vec<Call>, Result<(), Error>) {
    let mut parser = Parser::new(format, proj.to_vec());
    let mut sink = Rec::default();
    // Pieces of size 0 feed empty chunks; a cycle of only zeros would never end, so one
    // piece of "everything left" closes every cycle then.
    let mut sizes = sizes.to_vec();
    if !sizes.is_empty() && sizes.iter().all(|&s| s == 0) {
        sizes.push(usize::MAX);
    }
    let sizes = sizes.as_slice();
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let size = if sizes.is_empty() {
            rest.len()
        } else {
            sizes[i % sizes.len()]
        };
        i += 1;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        if let Err(e) = parser.feed(chunk, &mut sink) {
            return (sink.0, Err(e));
        }
        rest = tail;
    }
    let result = parser.finish(&mut sink);
    (sink.0, result)
}

fn sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![3 => 1usize..4, 2 => 0usize..40, 1 => 40usize..400],
        1..24,
    )
}

// ---------------------------------------------------------------- CSV

/// Field text rich in CSV specials and multi-byte characters.
fn csv_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'e'),
            1 => Just(','),
            1 => Just('"'),
            1 => Just('\n'),
            1 => Just('\r'),
            1 => Just(' '),
            1 => Just('é'),
            1 => Just('€'),
            1 => Just('😀'),
            1 => Just('\u{FEFF}'),
        ],
        0..8,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

#[derive(Debug, Clone)]
struct CsvDoc {
    header: Vec<String>,
    records: Vec<Vec<String>>,
    bytes: Vec<u8>,
    /// Model: the calls expected from the document, for the projection below.
    expected: Vec<Call>,
    proj: Vec<String>,
}

fn encode_field(out: &mut Vec<u8>, field: &str, force_quote: bool) {
    let needs = field.is_empty() && force_quote
        || field.contains([',', '"', '\n', '\r'])
        || field.trim_matches([' ', '\t']).is_empty() && !field.is_empty();
    if needs || force_quote {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

fn csv_doc() -> impl Strategy<Value = CsvDoc> {
    let header =
        prop::sample::subsequence(vec!["email", "Name", "id", "note", "zip"], 2..=5).prop_shuffle();
    (header, any::<bool>())
        .prop_flat_map(|(header, bom)| {
            let width = header.len();
            let records = prop::collection::vec(
                (
                    prop::collection::vec(csv_text(), width),
                    prop::collection::vec(any::<bool>(), width),
                    0usize..3,
                ),
                0..12,
            );
            (
                Just(header),
                Just(bom),
                records,
                any::<bool>(),
                prop::sample::subsequence(vec!["email", "name", "ID", "missing", "zip"], 0..=5),
            )
        })
        .prop_map(|(header, bom, records, final_newline, proj)| {
            let header: Vec<String> = header.into_iter().map(String::from).collect();
            let proj: Vec<String> = proj.into_iter().map(String::from).collect();
            let ends = [&b"\n"[..], b"\r\n", b"\r"];
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(b"\xEF\xBB\xBF");
            }
            bytes.extend_from_slice(header.join(",").as_bytes());
            bytes.extend_from_slice(ends[0]);
            let n = records.len();
            let mut recs = Vec::new();
            for (i, (fields, quotes, end)) in records.into_iter().enumerate() {
                for (j, (f, q)) in fields.iter().zip(&quotes).enumerate() {
                    if j > 0 {
                        bytes.push(b',');
                    }
                    encode_field(&mut bytes, f, *q);
                }
                if i + 1 < n || final_newline {
                    bytes.extend_from_slice(ends[end]);
                }
                recs.push(fields);
            }
            // Model.
            let columns: Vec<Option<usize>> = proj
                .iter()
                .map(|p| {
                    header.iter().position(|h| h == p).or_else(|| {
                        header
                            .iter()
                            .position(|h| h.to_lowercase() == p.to_lowercase())
                    })
                })
                .collect();
            let mut expected = vec![Call::Columns(
                columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.is_none())
                    .map(|(i, _)| i)
                    .collect(),
            )];
            for (i, r) in recs.iter().enumerate() {
                let cells = columns
                    .iter()
                    .map(|c| match c {
                        Some(c) => C::Str(r[*c].clone()),
                        None => C::Missing,
                    })
                    .collect();
                expected.push(Call::Row(i as u64 + 1, cells));
            }
            CsvDoc {
                header,
                records: recs,
                bytes,
                expected,
                proj,
            }
        })
}

/// Byte-order marks, doubled or cut short, to put in front of a document.
fn bom_prefix() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\xEF\xBB\xBF",
        b"\xEF\xBB",
        b"\xEF",
        b"\xEF\xBB\xBF\xEF",
    ])
}

/// Random damage: extra/missing fields and invalid UTF-8 bytes spliced in.
fn damage(bytes: &[u8], edits: &[(usize, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(at, b) in edits {
        let at = if out.is_empty() {
            0
        } else {
            at % (out.len() + 1)
        };
        out.insert(at, b);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, max_shrink_iters: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_matches_model_and_any_chunking(doc in csv_doc(), sizes in sizes()) {
        let whole = parse(Format::Csv, &doc.proj, &doc.bytes, &[]);
        prop_assert_eq!(&whole.1, &Ok(()));
        prop_assert_eq!(&whole.0, &doc.expected, "header {:?} records {:?}", doc.header, doc.records);
        let split = parse(Format::Csv, &doc.proj, &doc.bytes, &sizes);
        prop_assert_eq!(&split, &whole);
        let bytes1 = parse(Format::Csv, &doc.proj, &doc.bytes, &[1]);
        prop_assert_eq!(&bytes1, &whole);
    }

    #[test]
    fn csv_damaged_any_chunking(
        doc in csv_doc(),
        edits in prop::collection::vec((any::<usize>(), prop::sample::select(vec![b',', b'"', b'\n', b'\r', 0xFF, 0xC3, 0xA9, 0xEF, 0xBB, 0xBF])), 0..6),
        prefix in bom_prefix(),
        sizes in sizes(),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(damage(&doc.bytes, &edits));
        let whole = parse(Format::Csv, &doc.proj, &bytes, &[]);
        prop_assert_eq!(&whole.1, &Ok(()));
        let split = parse(Format::Csv, &doc.proj, &bytes, &sizes);
        prop_assert_eq!(&split, &whole);
        // Rows are numbered 1, 2, 3, ... with nothing skipped.
        let numbers: Vec<u64> = whole.0.iter().filter_map(|c| match c {
            Call::Row(n, _) | Call::Reject(n, _, _) => Some(*n),
            Call::Columns(_) => None,
        }).collect();
        prop_assert_eq!(numbers, (1..).take(whole.0.len().saturating_sub(1)).collect::<Vec<u64>>());
    }
}

// ---------------------------------------------------------------- JSON / NDJSON

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-c\"\\\\\u{e9}\u{1F600}\n\t/]{0,6}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["email", "Email", "name", "__proto__", "constructor", "x", "\u{e9}", "a\"b"]).prop_map(String::from),
        1 => "[a-z\u{e9}\\\\]{0,4}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A record as written: an object with possibly repeated keys, or another value.
#[derive(Debug, Clone)]
enum Rec2 {
    Object(Vec<(String, Value)>),
    Other(Value),
}

fn record() -> impl Strategy<Value = Rec2> {
    prop_oneof![
        5 => prop::collection::vec((key(), json_value()), 0..6).prop_map(Rec2::Object),
        1 => json_value().prop_filter("not an object", |v| !v.is_object()).prop_map(Rec2::Other),
    ]
}

fn write_record(r: &Rec2, pretty_ws: bool) -> String {
    match r {
        Rec2::Object(kv) => {
            let sep = if pretty_ws { " , " } else { "," };
            let body: Vec<String> = kv
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        serde_json::to_string(k).unwrap(),
                        serde_json::to_string(v).unwrap()
                    )
                })
                .collect();
            format!("{{{}}}", body.join(sep))
        }
        Rec2::Other(v) => serde_json::to_string(v).unwrap(),
    }
}

fn model_cells(r: &Rec2, proj: &[String]) -> Option<Vec<C>> {
    let Rec2::Object(kv) = r else { return None };
    Some(
        proj.iter()
            .map(|p| match kv.iter().rev().find(|(k, _)| k == p) {
                None => C::Missing,
                Some((_, v)) => {
                    // Numbers: the value written, read back as the nearest double (serde_json
                    // writes the shortest text that reads back exactly), not as serde_json
                    // reads it back (one unit in the last place off for some).
                    match v {
                        Value::Null => C::Null,
                        Value::Bool(b) => C::Bool(*b),
                        Value::Number(n) => C::Num(n.to_string()),
                        Value::String(s) => C::Str(s.clone()),
                        Value::Array(_) | Value::Object(_) => C::Nested,
                    }
                }
            })
            .collect(),
    )
}

fn model_calls(records: &[Rec2], proj: &[String]) -> Vec<Call> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| match model_cells(r, proj) {
            Some(cells) => Call::Row(i as u64 + 1, cells),
            None => Call::Reject(i as u64 + 1, RejectReason::NotAnObject, None),
        })
        .collect()
}

fn projection() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "email",
            "name",
            "__proto__",
            "constructor",
            "\u{e9}",
            "a\"b",
            "absent",
        ])
        .prop_map(String::from),
        0..6,
    )
}

/// NDJSON line kinds: a record, a blank line, garbage, invalid UTF-8.
#[derive(Debug, Clone)]
enum Line {
    Record(Rec2),
    Blank(String),
    Garbage(String),
    Bad,
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        8 => record().prop_map(Line::Record),
        1 => "[ \t\r]{0,3}".prop_map(Line::Blank),
        1 => "[{}\\[\\]\":,a1]{1,6}".prop_map(Line::Garbage),
        1 => Just(Line::Bad),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, max_shrink_iters: 256, ..ProptestConfig::default() })]

    #[test]
    fn ndjson_matches_model_and_any_chunking(
        lines in prop::collection::vec((line(), any::<bool>(), any::<bool>()), 0..10),
        bom in any::<bool>(),
        final_newline in any::<bool>(),
        proj in projection(),
        sizes in sizes(),
    ) {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let mut expected = Vec::new();
        let mut n = 0u64;
        let mut exact = true;
        for (i, (l, crlf, ws)) in lines.iter().enumerate() {
            match l {
                Line::Record(r) => {
                    n += 1;
                    bytes.extend_from_slice(write_record(r, *ws).as_bytes());
                    let mut call = model_calls(std::slice::from_ref(r), &proj);
                    if let Some(Call::Row(k, _) | Call::Reject(k, _, _)) = call.first_mut() {
                        *k = n;
                    }
                    expected.extend(call);
                }
                Line::Blank(s) => bytes.extend_from_slice(s.as_bytes()),
                Line::Garbage(s) => {
                    // Garbage may happen to be valid JSON: the model only checks the rest.
                    n += 1;
                    exact = false;
                    bytes.extend_from_slice(s.as_bytes());
                }
                Line::Bad => {
                    n += 1;
                    bytes.extend_from_slice(b"{\"email\":\"\xFF\"}");
                    expected.push(Call::Reject(n, RejectReason::InvalidUtf8, None));
                }
            }
            if i + 1 < lines.len() || final_newline {
                bytes.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
        }
        let whole = parse(Format::Ndjson, &proj, &bytes, &[]);
        prop_assert_eq!(&whole.1, &Ok(()));
        if exact {
            prop_assert_eq!(&whole.0, &expected);
        } else {
            let calls = &whole.0;
            prop_assert_eq!(calls.len() as u64, n);
            for e in &expected {
                prop_assert!(calls.contains(e), "missing {:?}", e);
            }
        }
        let split = parse(Format::Ndjson, &proj, &bytes, &sizes);
        prop_assert_eq!(&split, &whole);
        let bytes1 = parse(Format::Ndjson, &proj, &bytes, &[1]);
        prop_assert_eq!(&bytes1, &whole);
    }

    #[test]
    fn json_matches_model_and_any_chunking(
        records in prop::collection::vec((record(), any::<bool>()), 0..10),
        bom in any::<bool>(),
        proj in projection(),
        sizes in sizes(),
    ) {
        let mut text = String::from(if bom { "\u{FEFF}" } else { "" });
        text.push_str(" [\n");
        let written: Vec<String> = records.iter().map(|(r, ws)| write_record(r, *ws)).collect();
        text.push_str(&written.join(",\r\n"));
        text.push_str("]\n");
        let recs: Vec<Rec2> = records.into_iter().map(|(r, _)| r).collect();
        let expected = model_calls(&recs, &proj);
        let whole = parse(Format::Json, &proj, text.as_bytes(), &[]);
        prop_assert_eq!(&whole.1, &Ok(()));
        prop_assert_eq!(&whole.0, &expected);
        let split = parse(Format::Json, &proj, text.as_bytes(), &sizes);
        prop_assert_eq!(&split, &whole);
    }

    #[test]
    fn json_garbage_never_panics_and_chunking_is_invariant(
        bytes in prop::collection::vec(prop::sample::select(b"[]{}\",:0-1e.tnul \n\r\\a\xEF\xBB\xBF\xFF".to_vec()), 0..40),
        prefix in bom_prefix(),
        sizes in sizes(),
    ) {
        let proj = vec!["a".to_string()];
        let bytes = [prefix, &bytes[..]].concat();
        for format in [Format::Csv, Format::Ndjson, Format::Json] {
            let whole = parse(format, &proj, &bytes, &[]);
            let split = parse(format, &proj, &bytes, &sizes);
            prop_assert_eq!(&split, &whole);
        }
    }
}

// ---------------------------------------------------------------- dialects and encodings

/// How a document's text is turned into bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Enc {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    /// Declared `utf-16le`, no BOM.
    Utf16LeDeclared,
    /// Declared `windows-1252` (the text is made encodable first).
    Windows1252,
}

impl Enc {
    fn all() -> Vec<Enc> {
        vec![
            Enc::Utf8,
            Enc::Utf8Bom,
            Enc::Utf16LeBom,
            Enc::Utf16BeBom,
            Enc::Utf16LeDeclared,
            Enc::Windows1252,
        ]
    }

    /// The `encoding` option, the name the dialect shows, and whether it has a BOM.
    fn option(self) -> (Option<&'static str>, &'static str, bool) {
        match self {
            Enc::Utf8 => (None, "utf-8", false),
            Enc::Utf8Bom => (None, "utf-8", true),
            Enc::Utf16LeBom => (None, "utf-16le", true),
            Enc::Utf16BeBom => (Some("windows-1252"), "utf-16be", true),
            Enc::Utf16LeDeclared => (Some("utf-16le"), "utf-16le", false),
            Enc::Windows1252 => (Some("cp1252"), "windows-1252", false),
        }
    }

    fn encode(self, text: &str) -> Vec<u8> {
        let utf16 = |big: bool, bom: bool| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(if big { b"\xFE\xFF" } else { b"\xFF\xFE" });
            }
            for u in text.encode_utf16() {
                out.extend_from_slice(&if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            out
        };
        match self {
            Enc::Utf8 => text.as_bytes().to_vec(),
            Enc::Utf8Bom => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            Enc::Utf16LeBom => utf16(false, true),
            Enc::Utf16BeBom => utf16(true, true),
            Enc::Utf16LeDeclared => utf16(false, false),
            Enc::Windows1252 => {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
                assert!(!unmappable, "{text:?}");
                bytes.into_owned()
            }
        }
    }
}

/// Characters windows-1252 cannot hold, replaced by ones it can (same in the model).
fn cp1252_safe(s: &str) -> String {
    s.replace('😀', "ü").replace('\u{FEFF}', "ß")
}

fn parse_with(
    options: &SourceOptions,
    proj: &[String],
    input: &[u8],
    sizes: &[usize],
) -> (Vec<Call>, Result<(), Error>, Option<Dialect>) {
    let mut parser = Parser::with_options(Format::Csv, proj.to_vec(), options, "").unwrap();
    let mut sink = Rec::default();
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(usize::MAX)
            .max(1);
        i += 1;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        if let Err(e) = parser.feed(chunk, &mut sink) {
            return (sink.0, Err(e), parser.dialect().cloned());
        }
        rest = tail;
    }
    let result = parser.finish(&mut sink);
    (sink.0, result, parser.dialect().cloned())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, max_shrink_iters: 256, ..ProptestConfig::default() })]

    /// Every delimiter (declared or detected) and every encoding: the same records as the
    /// model, the dialect shown, and chunked = whole (chunks split BOMs, UTF-16 code units
    /// and surrogate pairs).
    #[test]
    fn csv_every_dialect_and_encoding(
        doc in csv_doc(),
        delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        declare in any::<bool>(),
        enc in prop::sample::select(Enc::all()),
        sizes in sizes(),
    ) {
        let map = |s: &str| if enc == Enc::Windows1252 { cp1252_safe(s) } else { s.to_string() };
        let d = char::from(delimiter);
        let mut text = doc.header.join(&d.to_string());
        text.push('\n');
        for r in &doc.records {
            let fields: Vec<String> = r.iter().map(|f| {
                let f = map(f);
                let quote = f.contains([d, '"', '\n', '\r'])
                    || (!f.is_empty() && f.trim_matches([' ', '\t']).is_empty())
                    // A tab-separated line of nothing but tabs and spaces is blank unless
                    // something in it is quoted.
                    || r.iter().all(|x| x.trim_matches([' ', '\t']).is_empty());
                if quote { format!("\"{}\"", f.replace('"', "\"\"")) } else { f }
            }).collect();
            text.push_str(&fields.join(&d.to_string()));
            text.push_str("\r\n");
        }
        let expected: Vec<Call> = doc.expected.iter().map(|c| match c {
            Call::Row(n, cells) => Call::Row(*n, cells.iter().map(|x| match x {
                C::Str(s) => C::Str(map(s)),
                other => other.clone(),
            }).collect()),
            other => other.clone(),
        }).collect();
        let (encoding, name, bom) = enc.option();
        let options = SourceOptions {
            delimiter: declare.then(|| d.to_string()),
            encoding: encoding.map(String::from),
        };
        let bytes = enc.encode(&text);
        let whole = parse_with(&options, &doc.proj, &bytes, &[]);
        prop_assert_eq!(&whole.1, &Ok(()));
        prop_assert_eq!(&whole.0, &expected, "text {:?}", text);
        let dialect = whole.2.clone().unwrap();
        let shown = d.to_string();
        prop_assert_eq!(
            (dialect.delimiter.as_str(), dialect.detected, dialect.encoding.as_str(), dialect.bom),
            (shown.as_str(), !declare, name, bom)
        );
        let split = parse_with(&options, &doc.proj, &bytes, &sizes);
        prop_assert_eq!(&split.0, &whole.0);
        prop_assert_eq!(&split.2, &whole.2);
        let ones = parse_with(&options, &doc.proj, &bytes, &[1]);
        prop_assert_eq!(&ones.0, &whole.0);
    }

    /// Random bytes with any delimiter and encoding option: chunked = whole, no panic.
    #[test]
    fn csv_random_bytes_any_options_any_chunking(
        bytes in prop::collection::vec(prop::sample::select(b"ab,;|\t\"\n\r \x00\xFF\xFE\xEF\xBB\xBF\xD8\xDC\xFC".to_vec()), 0..60),
        delimiter in prop::sample::select(vec![None, Some(","), Some(";"), Some("\t"), Some("|")]),
        encoding in prop::sample::select(vec![None, Some("utf-8"), Some("utf-16le"), Some("utf-16be"), Some("windows-1252"), Some("koi8-u"), Some("x-user-defined")]),
        sizes in sizes(),
    ) {
        let proj = vec!["a".to_string(), "b".to_string()];
        let options = SourceOptions {
            delimiter: delimiter.map(String::from),
            encoding: encoding.map(String::from),
        };
        let whole = parse_with(&options, &proj, &bytes, &[]);
        let split = parse_with(&options, &proj, &bytes, &sizes);
        prop_assert_eq!(&split.0, &whole.0);
        prop_assert_eq!(&split.1, &whole.1);
        prop_assert_eq!(&split.2, &whole.2);
    }

    /// NDJSON and JSON in UTF-16 with a BOM read like their UTF-8 text, in any chunks.
    #[test]
    fn json_formats_in_utf16_equal_utf8(
        records in prop::collection::vec((record(), any::<bool>()), 0..6),
        big_endian in any::<bool>(),
        proj in projection(),
        sizes in sizes(),
    ) {
        let written: Vec<String> = records.iter().map(|(r, ws)| write_record(r, *ws)).collect();
        let enc = if big_endian { Enc::Utf16BeBom } else { Enc::Utf16LeBom };
        for (format, text) in [
            (Format::Ndjson, written.join("\n")),
            (Format::Json, format!("[{}]", written.join(","))),
        ] {
            let utf8 = parse(format, &proj, text.as_bytes(), &[]);
            let bytes = enc.encode(&text);
            let options = SourceOptions::default();
            let mut parser = Parser::with_options(format, proj.clone(), &options, "").unwrap();
            let mut sink = Rec::default();
            for chunk in bytes.chunks(sizes[0].max(1)) {
                parser.feed(chunk, &mut sink).unwrap();
            }
            let result = parser.finish(&mut sink);
            prop_assert_eq!(&(sink.0, result), &utf8);
        }
    }
}
