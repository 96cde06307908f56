//! `inspect`: what a file holds before it is mapped — column names, row count, how it was
//! read (delimiter, encoding, BOM), rows that are not valid UTF-8, whether it is a binary
//! file (a workbook saved as `.xlsx`, a PDF, ...), and a few sample values per column.
//!
//! The admin page uses it instead of parsing files itself. It streams like the parsers
//! ([`Inspector::feed`] / [`Inspector::finish`]), so a large file is never copied whole
//! (except a JSON array, which the JSON parser buffers too). It applies the same decoding,
//! delimiter detection and row rules as an export, so what it shows is what an export
//! reads.

use super::decode::{Binary, Decoder};
use super::dialect::{Dialect, SourceOptions};
use super::{Cell, Format, HeaderInfo, Parser, RowSink};
use crate::error::Error;
use crate::report::RejectReason;
use serde::de::{self, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use std::fmt;

/// Rows whose values are sampled (the first ones).
pub const SAMPLE_ROWS: usize = 5;
/// Longest sample value kept, in characters.
const SAMPLE_CHARS: usize = 80;
/// Most columns (JSON keys) reported.
const MAX_COLUMNS: usize = 500;

/// A file that is not text (JS `{ kind: "zip", message: "... save as CSV ..." }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct BinaryFile {
    /// `zip` (also `.xlsx`/`.ods`), `ole2` (`.xls`), `pdf`, `gzip`, `image` or `nul-bytes`.
    pub kind: &'static str,
    /// Why it cannot be read, and what to do (for example "save as CSV").
    pub message: &'static str,
}

/// What [`inspect`] found (serialised with camelCase names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Inspection {
    /// `csv`, `ndjson` or `json`.
    pub format: &'static str,
    /// Column names as found (CSV header, trimmed, trailing empty names left out), or the
    /// top-level keys of the sampled JSON records in order of first appearance.
    pub headers: Vec<String>,
    /// Records (CSV header and blank lines not counted), readable or not.
    pub rows: u64,
    /// CSV: delimiter (and whether detected), encoding and BOM. Absent for JSON formats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// The encoding the bytes were read in (lower-case WHATWG name).
    pub encoding: &'static str,
    /// Whether a byte order mark was found (and removed).
    pub bom: bool,
    /// Records that are not valid UTF-8 (or not valid in the declared encoding).
    pub invalid_utf8_rows: u64,
    /// Records that cannot be read otherwise (wrong number of CSV fields, bad JSON line, a
    /// JSON record that is not an object).
    pub malformed_rows: u64,
    /// Names that appear more than once in the CSV header (ignoring case).
    pub duplicate_headers: Vec<String>,
    /// Set when the bytes are not a text file at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<BinaryFile>,
    /// Per column of `headers`: the non-empty values of the first [`SAMPLE_ROWS`] records
    /// (at most 80 characters each; JSON arrays and objects as compact JSON). A JSON value an
    /// export could not read where mapped (a number beyond the doubles, a lone surrogate
    /// escape) is sampled as its JSON text as written (`1e400`, spacing kept) and refuses
    /// nothing here.
    pub samples: Vec<Vec<String>>,
    /// Why the source cannot be read as a whole (a JSON document that is not an array),
    /// when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Inspects a whole source. `CONFIG_INVALID` for invalid options.
pub fn inspect(bytes: &[u8], format: Format, options: &SourceOptions) -> Result<Inspection, Error> {
    let mut inspector = Inspector::new(format, options)?;
    inspector.feed(bytes);
    Ok(inspector.finish())
}

/// Counts and samples, filled by either path.
#[derive(Debug, Default)]
struct Found {
    headers: Vec<String>,
    rows: u64,
    invalid_utf8: u64,
    malformed: u64,
    duplicates: Vec<String>,
    samples: Vec<Vec<String>>,
    error: Option<String>,
}

impl Found {
    /// Adds a sample value for column `i` (the row is among the first ones).
    fn sample(&mut self, i: usize, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if self.samples.len() <= i {
            self.samples.resize(i + 1, Vec::new());
        }
        if let Some(s) = self.samples.get_mut(i) {
            s.push(value.chars().take(SAMPLE_CHARS).collect());
        }
    }

    /// The column index of a JSON key (added when new).
    fn column(&mut self, key: &str) -> Option<usize> {
        if let Some(i) = self.headers.iter().position(|h| h == key) {
            return Some(i);
        }
        if self.headers.len() >= MAX_COLUMNS {
            return None;
        }
        self.headers.push(key.to_string());
        Some(self.headers.len() - 1)
    }

    /// Takes a whole record ([`Record`]): its entries into the headers and samples, or the
    /// `NOT_AN_OBJECT` reject of a record that is not an object.
    fn record(&mut self, record: Record) {
        let Some(entries) = record else {
            return self.reject(RejectReason::NotAnObject);
        };
        for (key, text) in entries {
            if let Some(i) = self.column(&key) {
                self.sample(i, &text);
            }
        }
    }

    fn reject(&mut self, reason: RejectReason) {
        match reason {
            RejectReason::InvalidUtf8 => self.invalid_utf8 += 1,
            _ => self.malformed += 1,
        }
    }
}

impl RowSink for Found {
    fn header(&mut self, header: &HeaderInfo<'_>) -> Result<(), Error> {
        self.headers = header.names.to_vec();
        self.duplicates = header.duplicates.to_vec();
        Ok(())
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        self.rows = row;
        if row <= SAMPLE_ROWS as u64 {
            for (i, cell) in cells.iter().enumerate() {
                if let Cell::Str(s) = cell {
                    self.sample(i, s);
                }
            }
        }
    }
    fn reject(&mut self, row: u64, reason: RejectReason, _: Option<&str>) {
        self.rows = row;
        Found::reject(self, reason);
    }
}

/// How the bytes are read.
enum Path {
    /// CSV: the parser itself, projecting every column.
    Csv(Box<Parser>),
    /// NDJSON: decoded text split into lines here.
    Ndjson { decoder: Decoder, line: Vec<u8> },
    /// JSON: decoded text buffered until the end.
    Json { decoder: Decoder, text: Vec<u8> },
}

/// A streaming inspector: [`Inspector::feed`] each chunk, then [`Inspector::finish`].
pub struct Inspector {
    format: Format,
    path: Path,
    found: Found,
    /// For JSON formats: the binary signature seen by the decoder.
    binary: Option<Binary>,
}

impl fmt::Debug for Inspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspector")
            .field("format", &self.format)
            .field("rows", &self.found.rows)
            .finish_non_exhaustive()
    }
}

impl Inspector {
    /// An inspector for `format` with source options (`CONFIG_INVALID` when invalid).
    /// `Format::JsonRows` (the hosts' positional records, never a file) is read as
    /// `Format::Json`, so its array records count as malformed.
    pub fn new(format: Format, options: &SourceOptions) -> Result<Self, Error> {
        let resolved = options.check(format, "")?;
        let path = match format {
            Format::Csv => Path::Csv(Box::new(Parser::build(format, Vec::new(), resolved, true))),
            Format::Ndjson => Path::Ndjson {
                decoder: Decoder::new(resolved.encoding),
                line: Vec::new(),
            },
            Format::Json | Format::JsonRows => Path::Json {
                decoder: Decoder::new(resolved.encoding),
                text: Vec::new(),
            },
        };
        Ok(Inspector {
            format,
            path,
            found: Found::default(),
            binary: None,
        })
    }

    /// Reads the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) {
        let found = &mut self.found;
        let binary = &mut self.binary;
        match &mut self.path {
            Path::Csv(parser) => {
                if let Err(e) = parser.feed(chunk, found) {
                    found.error.get_or_insert(e.message);
                }
            }
            Path::Ndjson { decoder, line } => {
                let _ = decoder.feed(chunk, &mut |bytes, _, b| {
                    *binary = b;
                    ndjson_lines(line, bytes, found);
                    Ok(())
                });
            }
            Path::Json { decoder, text } => {
                let _ = decoder.feed(chunk, &mut |bytes, _, b| {
                    *binary = b;
                    text.extend_from_slice(bytes);
                    Ok(())
                });
            }
        }
    }

    /// Ends the input and reports.
    pub fn finish(mut self) -> Inspection {
        let found = &mut self.found;
        let binary = &mut self.binary;
        let (dialect, encoding, bom) = match &mut self.path {
            Path::Csv(parser) => {
                if let Err(e) = parser.finish(found) {
                    found.error.get_or_insert(e.message);
                }
                *binary = parser.decoder.binary();
                let (encoding, bom) = parser.encoding();
                (parser.dialect().cloned(), encoding.name(), bom)
            }
            Path::Ndjson { decoder, line } => {
                let _ = decoder.finish(&mut |bytes, _, _| {
                    ndjson_lines(line, bytes, found);
                    Ok(())
                });
                let rest = std::mem::take(line);
                ndjson_line(&rest, found);
                *binary = decoder.binary();
                let d = decoder.decoded();
                (None, d.encoding.name(), d.bom)
            }
            Path::Json { decoder, text } => {
                let _ = decoder.finish(&mut |bytes, _, _| {
                    text.extend_from_slice(bytes);
                    Ok(())
                });
                json_document(text, found);
                *binary = decoder.binary();
                let d = decoder.decoded();
                (None, d.encoding.name(), d.bom)
            }
        };
        let found = self.found;
        let mut samples = found.samples;
        samples.resize(found.headers.len(), Vec::new());
        Inspection {
            format: match self.format {
                Format::Csv => "csv",
                Format::Ndjson => "ndjson",
                Format::Json | Format::JsonRows => "json",
            },
            headers: found.headers,
            rows: found.rows,
            dialect,
            encoding,
            bom,
            invalid_utf8_rows: found.invalid_utf8,
            malformed_rows: found.malformed,
            duplicate_headers: found.duplicates,
            binary: self.binary.map(|b| BinaryFile {
                kind: b.code(),
                message: b.message(),
            }),
            samples,
            error: found.error,
        }
    }
}

/// Splits decoded NDJSON text into lines (the same rules as the NDJSON parser).
fn ndjson_lines(line: &mut Vec<u8>, mut bytes: &[u8], found: &mut Found) {
    while let Some(pos) = bytes.iter().position(|&b| b == b'\n') {
        line.extend_from_slice(bytes.get(..pos).unwrap_or(&[]));
        let done = std::mem::take(line);
        ndjson_line(&done, found);
        *line = done;
        line.clear();
        bytes = bytes.get(pos + 1..).unwrap_or(&[]);
    }
    line.extend_from_slice(bytes);
}

/// One NDJSON line (without its `\n`).
fn ndjson_line(line: &[u8], found: &mut Found) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r')) {
        return;
    }
    found.rows += 1;
    let Ok(text) = std::str::from_utf8(line) else {
        found.reject(RejectReason::InvalidUtf8);
        return;
    };
    let sample = found.rows <= SAMPLE_ROWS as u64;
    let mut de = serde_json::Deserializer::from_str(text);
    let read = de
        .deserialize_any(RecordVisitor { sample })
        .and_then(|record| de.end().map(|()| record));
    if let Ok(record) = read {
        found.record(record);
    } else {
        // As the NDJSON parser does: a lone surrogate escape (in a key, or a string that is
        // the whole line) has no UTF-8 form, the same reason as invalid bytes.
        found.reject(if super::json_split::has_lone_surrogate(line) {
            RejectReason::InvalidUtf8
        } else {
            RejectReason::MalformedRow
        });
    }
}

/// A whole JSON document: an array of records.
fn json_document(text: &[u8], found: &mut Found) {
    if text
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return;
    }
    let read = match std::str::from_utf8(text) {
        Ok(doc) => json_array(doc, found).or_else(|e| {
            // A document that is not JSON is refused with its syntax error (skipping checks
            // the syntax, not surrogate pairs: json_split's module comment); one that is JSON
            // but for lone surrogate escapes is read on.
            super::json_split::check_syntax(text)?;
            recover(text, found).unwrap_or(Err(e))
        }),
        // As the JSON parser reads a document with bytes that are not UTF-8 (`super::json`):
        // its syntax checked as a whole, then record by record, those holding such bytes
        // counted not UTF-8.
        Err(_) => super::json_split::check_syntax(text).and_then(|()| {
            match super::json_split::element_spans(text) {
                Some(spans) => each(text, &spans, found),
                // Not an array: refused as a UTF-8 one is (no record is read).
                None => json_array(&super::json_split::masked(text), found),
            }
        }),
    };
    if let Err(e) = read {
        found
            .error
            .get_or_insert(format!("JSON input is not an array of records: {e}"));
    }
}

/// Reads the JSON array `text` into `found`.
fn json_array(text: &str, found: &mut Found) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_any(ArrayVisitor { found: &mut *found })
        .and_then(|()| de.end())
}

/// As the JSON parser does (`super::json`, `recover`), after [`json_array`] failed on the
/// record after the `found.rows` read in a document that is JSON: when that record holds a
/// lone surrogate escape (in a key: values are read as text), it is counted not UTF-8 and
/// the records after it are read one at a time, likewise. `None` when it holds none;
/// `Some(Err)` when a later record fails otherwise.
fn recover(text: &[u8], found: &mut Found) -> Option<Result<(), serde_json::Error>> {
    let rest = super::json_split::lone_from(text, found.rows)?;
    Some(each(text, &rest, found))
}

/// Reads the elements of `text` at `spans` one at a time into `found`: one that UTF-8
/// cannot carry (bytes that are not UTF-8, or a lone surrogate escape where it fails the
/// record) is counted not UTF-8, as the JSON parser rejects it.
fn each(
    text: &[u8],
    spans: &[std::ops::Range<usize>],
    found: &mut Found,
) -> Result<(), serde_json::Error> {
    super::json_split::read_each(text, spans, |element| match element {
        Some(one) => json_array(one, found),
        None => {
            found.rows += 1;
            found.reject(RejectReason::InvalidUtf8);
            Ok(())
        }
    })
}

/// The top-level array: samples the first records, counts all.
struct ArrayVisitor<'f> {
    found: &'f mut Found,
}

impl<'de> Visitor<'de> for ArrayVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let sample = self.found.rows < SAMPLE_ROWS as u64;
            let Some(record) = seq.next_element_seed(RecordVisitor { sample })? else {
                return Ok(());
            };
            self.found.rows += 1;
            self.found.record(record);
        }
    }
    crate::util::json_read::refuse_json_values!('de, "an array of records"; bool, i64, u64, f64, str, unit, map);
}

/// A record as read: `Some` for an object, with its `(key, sample text)` entries in order
/// when sampled (none otherwise); `None` for any other value (an array, a scalar, `null`),
/// which the parsers reject `NOT_AN_OBJECT`. [`Found::record`] takes it once the caller
/// knows the record is whole (an NDJSON line: nothing after it).
type Record = Option<Vec<(String, String)>>;

/// Reads one record ([`Record`]): an object's keys always (one with a lone surrogate escape
/// fails the record, as it fails the parsers), and with `sample` its entries; any other value
/// is read and skipped. A value the parsers cannot read as a record either (a number beyond
/// the doubles, a lone surrogate escape) fails.
struct RecordVisitor {
    sample: bool,
}

/// One record of the array.
impl<'de> de::DeserializeSeed<'de> for RecordVisitor {
    type Value = Record;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Record, D::Error> {
        d.deserialize_any(self)
    }
}

/// A key read as text and not kept.
struct KeyText;

impl<'de> de::DeserializeSeed<'de> for KeyText {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyText {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        if !self.sample {
            while map.next_key_seed(KeyText)?.is_some() {
                map.next_value::<IgnoredAny>()?;
            }
            return Ok(Some(Vec::new()));
        }
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let raw: &serde_json::value::RawValue = map.next_value()?;
            // A value an export could not read (a number beyond the doubles, a lone
            // surrogate escape, nesting too deep) is sampled as its JSON text as written and
            // refuses nothing: an export reads a value only where it is mapped (`super::json`,
            // `super::ndjson`).
            let text = match crate::util::json_read::parse_raw(raw) {
                Ok(serde_json::Value::Null) => String::new(),
                Ok(serde_json::Value::String(s)) => s,
                Ok(other) => {
                    let mut text = String::new();
                    crate::util::json::push_json_value(&mut text, &other);
                    text
                }
                Err(_) => raw.get().to_string(),
            };
            entries.push((key, text));
        }
        Ok(Some(entries))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Record, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Record, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Record, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Record, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Record, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Record, E> {
        Ok(None)
    }
}

// The core's writer (crate::write); the keys are serde's.
crate::write::writable_struct!(BinaryFile {
    kind: "kind",
    message: "message",
});
crate::write::writable_struct!(Inspection {
    format: "format",
    headers: "headers",
    rows: "rows",
    dialect: optional "dialect",
    encoding: "encoding",
    bom: "bom",
    invalid_utf8_rows: "invalidUtf8Rows",
    malformed_rows: "malformedRows",
    duplicate_headers: "duplicateHeaders",
    binary: optional "binary",
    samples: "samples",
    error: optional "error",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_inspection() {
        let bytes = b"\xEF\xBB\xBFemail;Name;name;\r\na@b.co;Ada;x\r\nb@b.co;Bob\r\n\xFF;;\r\n";
        let i = inspect(bytes, Format::Csv, &SourceOptions::default()).unwrap(); // ok: test
        assert_eq!(i.headers, vec!["email", "Name", "name"]);
        assert_eq!(i.rows, 3);
        assert_eq!(i.invalid_utf8_rows, 1);
        assert_eq!(i.duplicate_headers, vec!["Name"]);
        let d = i.dialect.clone().unwrap(); // ok: test
        assert_eq!((d.delimiter.as_str(), d.detected, d.bom), (";", true, true));
        assert_eq!(
            i.samples,
            vec![vec!["a@b.co", "b@b.co"], vec!["Ada", "Bob"], vec!["x"]]
        );
        assert!(i.binary.is_none());
    }

    #[test]
    fn xlsx_is_refused_with_a_message() {
        let i = inspect(
            b"PK\x03\x04\x14\x00\x06\x00",
            Format::Csv,
            &SourceOptions::default(),
        )
        .unwrap(); // ok: test
        let b = i.binary.unwrap(); // ok: test
        assert_eq!(b.kind, "zip");
        assert!(b.message.contains("save as CSV"));
    }

    #[test]
    fn json_formats_in_chunks() {
        let text = b"{\"email\":\"a@b.co\",\"n\":1}\n\n{\"x\":[1],\"email\":null}\nnot json\n";
        let mut ins = Inspector::new(Format::Ndjson, &SourceOptions::default()).unwrap(); // ok: test
        for c in text.chunks(3) {
            ins.feed(c);
        }
        let i = ins.finish();
        assert_eq!(i.headers, vec!["email", "n", "x"]);
        assert_eq!((i.rows, i.malformed_rows), (3, 1));
        assert_eq!(i.samples, vec![vec!["a@b.co"], vec!["1"], vec!["[1]"]]);
        let i = inspect(
            b"[{\"b\":2,\"a\":1}, 3]",
            Format::Json,
            &SourceOptions::default(),
        )
        .unwrap(); // ok: test
        assert_eq!(
            (i.headers.clone(), i.rows),
            (vec!["b".to_string(), "a".to_string()], 2)
        );
        // Any other JSON value, with bytes that are not UTF-8 in it or not.
        // (serde_json's position: after the value; in an object, where its reading stopped.)
        for (doc, kind, column) in [
            (&b"{}"[..], "object", 2),
            (b" \"\xE9\"", "string", 4),
            (b"{\"\xE9\":1}", "object", 1),
            (b"-1.5", "number", 4),
            (b"null", "null", 4),
        ] {
            let i = inspect(doc, Format::Json, &SourceOptions::default()).unwrap(); // ok: test
            let want = format!(
                "JSON input is not an array of records: invalid type: {kind}, expected an array of records at line 1 column {column}"
            );
            assert_eq!(i.error, Some(want));
            assert_eq!(i.rows, 0);
        }
    }

    #[test]
    fn records_that_are_not_objects_are_malformed_as_the_parsers_reject_them() {
        // The parsers reject these `NOT_AN_OBJECT` (input/mod.rs); counted among the rows that
        // cannot be read, once each, sampled or not.
        let records = [
            r#"{"email":"a@b.co"}"#,
            "5",
            "[1]",
            "null",
            r#""x""#,
            "true",
        ];
        let all: Vec<&str> = records.iter().chain(records.iter()).copied().collect();
        let ndjson = all.iter().map(|r| format!("{r}\n")).collect::<String>();
        let json = format!("[{}]", all.join(", "));
        for (format, text) in [(Format::Ndjson, ndjson), (Format::Json, json)] {
            let i = inspect(text.as_bytes(), format, &SourceOptions::default()).unwrap(); // ok: test
            assert_eq!(i.error, None, "{format:?}");
            assert_eq!((i.rows, i.malformed_rows), (12, 10), "{format:?}");
            assert_eq!(i.samples, vec![vec!["a@b.co"]], "{format:?}"); // the first five rows
        }
        // Trailing text after a scalar line is malformed once, not twice.
        let i = inspect(b"5 x\n", Format::Ndjson, &SourceOptions::default()).unwrap(); // ok: test
        assert_eq!((i.rows, i.malformed_rows), (1, 1));
    }

    /// Rows, invalid-UTF-8 rejects and other rejects as the export's parser counts them,
    /// reading `email` only; `None` when it refuses the source.
    fn parsed_counts(format: Format, bytes: &[u8]) -> Option<(u64, u64, u64)> {
        #[derive(Default)]
        struct Counts(u64, u64, u64);
        impl RowSink for Counts {
            fn row(&mut self, row: u64, _: &[Cell<'_>]) {
                self.0 = row;
            }
            fn reject(&mut self, row: u64, reason: RejectReason, _: Option<&str>) {
                self.0 = row;
                match reason {
                    RejectReason::InvalidUtf8 => self.1 += 1,
                    _ => self.2 += 1,
                }
            }
        }
        let mut parser = Parser::new(format, vec!["email".to_string()]);
        let mut counts = Counts::default();
        parser.feed(bytes, &mut counts).ok()?;
        parser.finish(&mut counts).ok()?;
        Some((counts.0, counts.1, counts.2))
    }

    #[test]
    fn rows_are_counted_as_the_parsers_count_them() {
        // Records an export reads or rejects (`email` mapped, the rest not), in NDJSON and in
        // JSON, among the sampled rows and after them: inspect counts the same rows, invalid
        // UTF-8 rows and other unreadable rows, and refuses what the parser refuses.
        let records = [
            r#"{"email":"a@b.co","big":1e400}"#,
            r#"{"email":"c@b.co","text":"\ud800","n":{"x":[-1e999]}}"#,
            r#"{"\ud800":1,"email":"x@b.co"}"#,
            r#"{"email":"x@b.co","\ud800":1}"#,
            "5",
            "null",
            r#"[1,"a"]"#,
            r#""\ud800""#,
            r#"{"email":"e@b.co"}"#,
            // U+007F stands for a byte that is not UTF-8 (0xE9, below): in a mapped value,
            // another value, a key.
            "{\"email\":\"caf\u{7f}@b.co\"}",
            "{\"email\":\"f@b.co\",\"note\":[\"\u{7f}\"]}",
            "{\"\u{7f}\":1,\"email\":\"g@b.co\"}",
        ];
        let mut cases: Vec<(Format, String)> = Vec::new();
        for n in [1, 5, 6, 12] {
            let many: Vec<&str> = records
                .iter()
                .cycle()
                .skip(n)
                .take(3 * records.len())
                .copied()
                .collect();
            cases.push((
                Format::Ndjson,
                many.iter().map(|r| format!("{r}\n")).collect(),
            ));
            cases.push((Format::Json, format!("[{}]", many.join(",\n"))));
        }
        // NDJSON lines that are not JSON, or hold more than one value.
        cases.push((
            Format::Ndjson,
            "{\"email\":\"a@b.co\"} x\n5 6\nnot json\n{}\n".into(),
        ));
        // Documents the parser refuses.
        cases.push((Format::Json, r#"[{"email":"a@b.co"}, 1e400]"#.into()));
        cases.push((Format::Json, r#"[{"\ud800":1,"b":01}]"#.into()));
        cases.push((Format::Json, "[{\"email\":\"\u{7f}\"}, nope]".into()));
        for (format, text) in cases {
            let bytes: Vec<u8> = text
                .bytes()
                .map(|b| if b == 0x7f { 0xE9 } else { b })
                .collect();
            let i = inspect(&bytes, format, &SourceOptions::default()).unwrap(); // ok: test
            match parsed_counts(format, &bytes) {
                Some(counts) => {
                    assert_eq!(i.error, None, "{text}");
                    assert_eq!(
                        (i.rows, i.invalid_utf8_rows, i.malformed_rows),
                        counts,
                        "{format:?} {text}"
                    );
                }
                None => assert!(i.error.is_some(), "{format:?} {text}"),
            }
        }
    }

    #[test]
    fn sampled_numbers_are_the_nearest_doubles() {
        // serde_json's default reading gives 776537718.7986497 and 951956028.4026386.
        let line = br#"{"n":776537718.798649771,"o":{"m":[951956028.4026387]}}"#;
        for (format, text) in [
            (Format::Ndjson, line.to_vec()),
            (Format::Json, [&b"["[..], line, b"]"].concat()),
        ] {
            let i = inspect(&text, format, &SourceOptions::default()).unwrap(); // ok: test
            assert_eq!(
                i.samples,
                vec![
                    vec!["776537718.7986498"],
                    vec![r#"{"m":[951956028.4026387]}"#]
                ],
                "{format:?}"
            );
        }
    }

    #[test]
    fn values_an_export_cannot_read_are_sampled_as_written_and_refuse_nothing() {
        // Beyond the doubles, alone or nested, and a lone surrogate escape: an export reads
        // them only where they are mapped, so the columns are listed, the records read and the
        // values sampled as written.
        let records = [
            r#"{"email":"a@b.co","big":1e400,"n":{"b":[1,-1e999]}}"#,
            r#"{"email":"c@b.co","text":"\ud800","big":2}"#,
        ];
        let ndjson = format!("{}\n{}\n", records[0], records[1]);
        let json = format!("[\n{},\n{}\n]", records[0], records[1]);
        for (format, text) in [(Format::Ndjson, ndjson), (Format::Json, json)] {
            let i = inspect(text.as_bytes(), format, &SourceOptions::default()).unwrap(); // ok: test
            assert_eq!(i.error, None, "{format:?}");
            assert_eq!(i.headers, vec!["email", "big", "n", "text"], "{format:?}");
            assert_eq!((i.rows, i.malformed_rows, i.invalid_utf8_rows), (2, 0, 0));
            assert_eq!(
                i.samples,
                vec![
                    vec!["a@b.co", "c@b.co"],
                    vec!["1e400", "2"],
                    vec![r#"{"b":[1,-1e999]}"#],
                    vec![r#""\ud800""#]
                ],
                "{format:?}"
            );
        }
        // A lone surrogate escape in a key, before or after other keys, among the sampled
        // records or after them: the record is not UTF-8, as the parsers reject it
        // (`INVALID_UTF8`), not malformed; it adds no header and no sample, and the records
        // after it are read.
        let fine = |n: usize| format!(r#"{{"email":"y{n}@b.co"}}"#);
        let lone_first = r#"{"\ud800":1,"email":"x@b.co","a":1}"#;
        let lone_last = r#"{"email":"x@b.co","a":1,"\ud800":1}"#;
        for lone in [lone_first, lone_last] {
            let many: Vec<String> = (0..6).map(fine).collect();
            let cases = [
                (vec![lone.to_string(), fine(0)], 0),
                (
                    vec![fine(0), lone.to_string(), lone.to_string(), fine(1)],
                    1,
                ),
                ([&many[..], &[lone.to_string(), fine(6)]].concat(), 6),
            ];
            for (records, sampled_before) in cases {
                let ndjson = records.iter().map(|r| format!("{r}\n")).collect::<String>();
                let json = format!("[{}]", records.join(",\n "));
                for (format, text) in [(Format::Ndjson, ndjson), (Format::Json, json)] {
                    let i = inspect(text.as_bytes(), format, &SourceOptions::default()).unwrap(); // ok: test
                    let lone_rows = text.matches("ud800").count() as u64;
                    assert_eq!(i.error, None, "{text}");
                    assert_eq!(
                        (i.rows, i.malformed_rows, i.invalid_utf8_rows),
                        (records.len() as u64, 0, lone_rows),
                        "{text}"
                    );
                    assert_eq!(i.headers, vec!["email"], "{text}");
                    let sampled: Vec<String> = records
                        .iter()
                        .take(SAMPLE_ROWS)
                        .filter(|r| !r.contains("ud800"))
                        .map(|r| r.get(10..r.len() - 2).unwrap_or_default().to_string()) // ok: test
                        .collect();
                    assert_eq!(i.samples.first().map(Vec::len), Some(sampled.len()));
                    assert_eq!(sampled.len(), sampled_before.min(SAMPLE_ROWS - 1) + 1);
                    assert_eq!(i.samples, vec![sampled], "{text}");
                }
            }
        }
        // Any other failure after such a record still refuses the document, and so does a
        // document that is not JSON besides its lone surrogate escape.
        for (text, why) in [
            (format!("[{lone_first}, {}, nope]", fine(0)), "expected"),
            (format!("[{lone_first}, {}] x", fine(0)), "trailing"),
            (format!("[{lone_first}, {{\"a\":}}]"), "expected"),
            (
                format!("[{lone_first}, {}, 1e400]", fine(0)),
                "number out of range",
            ),
        ] {
            let i = inspect(text.as_bytes(), Format::Json, &SourceOptions::default()).unwrap(); // ok: test
            let error = i.error.unwrap_or_default();
            assert!(error.contains(why), "{text}: {error}");
        }
    }
}
