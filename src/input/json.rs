//! JSON records: the projection visitor shared by NDJSON and JSON, and the JSON-array
//! parser (a file's syntax is checked as a whole before any row is passed on, so a file that
//! is not JSON produces no rows; a mapped value that cannot be read — a number beyond the
//! doubles — is found when its record is read, and refuses the file `INPUT_INVALID` after the
//! rows before it; a host's record document is read in place and may fail after some rows).
//! A record that UTF-8 cannot carry — bytes that are not UTF-8 anywhere in it, or a lone
//! surrogate escape in a mapped value or a key (a value that is not mapped is not read) — is
//! rejected `INVALID_UTF8` and the rest of its document still read, as an NDJSON line is
//! ([`JsonParser::recover`], [`JsonParser::each`]).
//!
//! A record is read with a [`DeserializeSeed`] that compares each top-level key with the
//! projection and skips every other value with [`IgnoredAny`], so no `serde_json::Value`
//! is ever built. A projected value is taken as its JSON text (serde_json's `RawValue`):
//! strings without escapes are borrowed from the input; escaped strings and numbers are
//! written into one reusable scratch string per projected key ([`ValueSeed`]).

use super::{json_split, recycle, Cell, RowSink};
use crate::error::{Error, ErrorCode};
use crate::report::RejectReason;
use crate::util::json_read::read_number;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// A projected value as read from one record; `Num` and `Owned` live in the scratch string
/// of their key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Val<'de> {
    Missing,
    Null,
    Bool(bool),
    Num,
    Borrowed(&'de str),
    Owned,
    Nested,
}

/// The projection, prepared for key lookups.
pub(super) struct Projection {
    /// Distinct projected keys, each with its slot (a handful: looked up linearly).
    keys: Vec<(String, usize)>,
    /// For each projected field (in projection order), its slot.
    slot_of: Vec<usize>,
    /// Whether array records are positional (see `Format::JsonRows`).
    positional: bool,
    /// One scratch string per slot.
    scratch: Vec<String>,
    /// Reused buffers.
    vals: Vec<Val<'static>>,
    cells: Vec<Cell<'static>>,
}

impl Projection {
    pub(super) fn new(fields: Vec<String>) -> Self {
        let mut keys: Vec<(String, usize)> = Vec::new();
        let mut slot_of = Vec::with_capacity(fields.len());
        for f in fields {
            let slot = match keys.iter().find(|(k, _)| *k == f) {
                Some((_, s)) => *s,
                None => {
                    let s = keys.len();
                    keys.push((f, s));
                    s
                }
            };
            slot_of.push(slot);
        }
        let slots = keys.len();
        Projection {
            keys,
            slot_of,
            positional: false,
            scratch: vec![String::new(); slots],
            vals: Vec::with_capacity(slots),
            cells: Vec::with_capacity(slots),
        }
    }

    /// Reads one record from `de` (which must then be checked with `end`, by the caller)
    /// and passes it to `sink` as row `row`. Errors are JSON syntax errors (no content).
    pub(super) fn record<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        de: &mut serde_json::Deserializer<R>,
        row: u64,
        check_end: bool,
        sink: &mut dyn RowSink,
    ) -> Result<(), serde_json::Error> {
        let mut vals = recycle_vals(std::mem::take(&mut self.vals));
        vals.resize(self.keys.len(), Val::Missing);
        let seed = RecordSeed {
            keys: &self.keys,
            scratch: &mut self.scratch,
            vals: &mut vals,
            positional: self.positional.then_some(self.slot_of.as_slice()),
        };
        let outcome = seed.deserialize(&mut *de).and_then(|is_object| {
            if check_end {
                de.end()?;
            }
            Ok(is_object)
        });
        if let Ok(is_object) = outcome {
            self.emit(row, is_object, &vals, sink);
        }
        self.vals = recycle_vals(vals);
        outcome.map(|_| ())
    }

    /// Passes a fully read record to the sink.
    fn emit(&mut self, row: u64, is_object: bool, vals: &[Val<'_>], sink: &mut dyn RowSink) {
        if !is_object {
            sink.reject(row, RejectReason::NotAnObject, None);
            return;
        }
        let mut cells = recycle(std::mem::take(&mut self.cells));
        for &slot in &self.slot_of {
            let scratch = self.scratch.get(slot).map(String::as_str).unwrap_or("");
            cells.push(match vals.get(slot).copied().unwrap_or(Val::Missing) {
                Val::Missing => Cell::Missing,
                Val::Null => Cell::Null,
                Val::Bool(b) => Cell::Bool(b),
                Val::Num => Cell::Num(scratch),
                Val::Borrowed(s) => Cell::Str(s),
                Val::Owned => Cell::Str(scratch),
                Val::Nested => Cell::Nested,
            });
        }
        sink.row(row, &cells);
        self.cells = recycle(cells);
    }
}

/// Like [`recycle`], for projected values.
fn recycle_vals<'b>(mut vals: Vec<Val<'_>>) -> Vec<Val<'b>> {
    vals.clear();
    vals.into_iter().map(|_| Val::Missing).collect()
}

/// Reads one JSON value: an object fills `vals` and yields `true`; anything else is read
/// fully (so syntax errors are still found) and yields `false`.
struct RecordSeed<'p, 'de> {
    keys: &'p [(String, usize)],
    scratch: &'p mut [String],
    vals: &'p mut [Val<'de>],
    /// Positional records: element `i` of an array record is projected field `i`, stored in
    /// slot `positional[i]`. `None`: only objects are records.
    positional: Option<&'p [usize]>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, 'de> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, 'de> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some(found) = map.next_key_seed(KeySeed { keys: self.keys })? {
            let slot = match found {
                Some(slot) => slot,
                None => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            match (self.scratch.get_mut(slot), self.vals.get_mut(slot)) {
                (Some(scratch), Some(val)) => *val = map.next_value_seed(ValueSeed { scratch })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let Some(slots) = self.positional else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(false);
        };
        let mut i = 0;
        loop {
            let slot = slots.get(i).copied();
            i += 1;
            match slot.and_then(|s| self.scratch.get_mut(s).map(|scratch| (s, scratch))) {
                Some((s, scratch)) => match seq.next_element_seed(ValueSeed { scratch })? {
                    Some(v) => {
                        if let Some(val) = self.vals.get_mut(s) {
                            *val = v;
                        }
                    }
                    None => return Ok(true),
                },
                None => {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        return Ok(true);
                    }
                }
            }
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// Reads an object key and looks it up in the projection: `Some(slot)` or `None`.
struct KeySeed<'p> {
    keys: &'p [(String, usize)],
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self
            .keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, slot)| *slot))
    }
}

/// Reads a projected value from its JSON text, which serde_json has checked (and borrowed
/// from the input, so nothing is copied): strings without escapes are borrowed; escaped
/// strings are decoded into the scratch string; numbers are read from their text into the
/// scratch string as serde_json's `Number` writes them (integers with itoa, other numbers
/// with zmij).
///
/// Numbers are read from their text by [`read_number`] (the nearest double, like the CSV
/// path and JS's `JSON.parse`), not by serde_json, whose default reading is one unit in the
/// last place off for some numbers of 16 or more digits (measured: 115,251 of 2,000,000
/// random decimals of up to 20 digits; see [`crate::util::json_read`]).
struct ValueSeed<'p> {
    scratch: &'p mut String,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Val<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        let raw = <&'de RawValue as de::Deserialize<'de>>::deserialize(d)?;
        self.read(raw.get()).map_err(de::Error::custom)
    }
}

impl ValueSeed<'_> {
    /// The value of the JSON text `text` (one checked value, without surrounding space).
    fn read<'de>(self, text: &'de str) -> Result<Val<'de>, String> {
        Ok(match text.as_bytes().first() {
            Some(b'"') => {
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                if !inner.as_bytes().contains(&b'\\') {
                    return Ok(Val::Borrowed(inner));
                }
                // Fails on a lone surrogate escape only (serde_json checked the rest), which
                // the caller rejects as `INVALID_UTF8`.
                *self.scratch = crate::util::json_read::string_of(text)
                    .map_err(|e| crate::util::json_read::bare(&e).to_string())?;
                Val::Owned
            }
            Some(b't') => Val::Bool(true),
            Some(b'f') => Val::Bool(false),
            Some(b'n') => Val::Null,
            Some(b'{' | b'[') => Val::Nested,
            _ => return self.number(text),
        })
    }

    /// A JSON number's text, read by [`read_number`], as serde_json's `Number` writes it.
    fn number<'de>(self, text: &str) -> Result<Val<'de>, String> {
        let n = read_number(text).ok_or("number out of range")?;
        self.scratch.clear();
        n.push_text(self.scratch);
        Ok(Val::Num)
    }
}

/// A JSON array of records: bytes are buffered until `finish`, then the array is streamed
/// element by element.
pub(super) struct JsonParser {
    projection: Projection,
    buf: Vec<u8>,
    rows: u64,
}

impl JsonParser {
    pub(super) fn new(fields: Vec<String>, positional: bool) -> Self {
        let mut projection = Projection::new(fields);
        projection.positional = positional;
        JsonParser {
            projection,
            buf: Vec::new(),
            rows: 0,
        }
    }

    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    pub(super) fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub(super) fn finish(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        let buf = std::mem::take(&mut self.buf);
        self.read(&buf, sink, true)
    }

    /// Reads one whole document without buffering it and without the validation pass (see
    /// [`super::Parser::feed_document`]).
    pub(super) fn document(&mut self, doc: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        self.read(doc, sink, false)
    }

    /// [`JsonParser::parse`], then [`JsonParser::recover`] if it failed.
    fn read(&mut self, buf: &[u8], sink: &mut dyn RowSink, validate: bool) -> Result<(), Error> {
        let before = self.rows;
        self.parse(buf, sink, validate)
            .or_else(|message| self.recover(buf, self.rows - before, sink, message))
            .map_err(|message| Error::new(ErrorCode::InputInvalid, message))
    }

    /// After `buf` failed with `message` once `done` of its records were passed on: when the
    /// record it failed on holds a lone surrogate escape (a JS string that is not well-formed
    /// UTF-16, which `JSON.stringify` writes escaped and UTF-8 cannot carry) and `buf` is JSON
    /// otherwise, that record is rejected `INVALID_UTF8`, as a CSV or NDJSON row that is not
    /// UTF-8 is, and the records after it are read one at a time, likewise. Any other failure
    /// stays `message`; a `buf` that is not JSON is refused with the syntax error.
    fn recover(
        &mut self,
        buf: &[u8],
        done: u64,
        sink: &mut dyn RowSink,
        message: String,
    ) -> Result<(), String> {
        let Some(rest) = json_split::lone_from(buf, done) else {
            return Err(message);
        };
        // Only a document that is JSON but for its lone surrogate escapes (skipping checks
        // the syntax, not surrogate pairs): one that is not JSON produces no rows.
        if let Err(e) = json_split::check_syntax(buf) {
            return Err(format!("JSON input is not valid: {e}"));
        }
        self.each(buf, &rest, sink)
    }

    /// Reads the elements of `buf` at `spans` one at a time: one that UTF-8 cannot carry
    /// (bytes that are not UTF-8, or a lone surrogate escape where it fails the record, as on
    /// an NDJSON line) is rejected `INVALID_UTF8`.
    fn each(
        &mut self,
        buf: &[u8],
        spans: &[std::ops::Range<usize>],
        sink: &mut dyn RowSink,
    ) -> Result<(), String> {
        json_split::read_each(buf, spans, |element| match element {
            Some(one) => self.parse(one.as_bytes(), sink, true),
            None => {
                self.rows += 1;
                sink.reject(self.rows, RejectReason::InvalidUtf8, None);
                Ok(())
            }
        })
    }

    fn parse(&mut self, buf: &[u8], sink: &mut dyn RowSink, validate: bool) -> Result<(), String> {
        let Some(start) = buf.iter().position(|b| !is_json_ws(*b)) else {
            return Ok(()); // empty input: no records
        };
        let first = buf.get(start).copied().unwrap_or(b'[');
        if first != b'[' {
            let (line, column) = line_column(buf, start);
            return Err(match kind_of(first) {
                Some(kind) => format!(
                    "JSON input is not an array of records: found {kind} at line {line} column {column}"
                ),
                None => format!("JSON input is not valid JSON: expected an array at line {line} column {column}"),
            });
        }
        let Ok(text) = std::str::from_utf8(buf) else {
            // Bytes that are not UTF-8 (RFC 8259 §8.1): the syntax is checked as a whole (a
            // broken document yields no rows), then the records are read one at a time and
            // those holding such bytes rejected `INVALID_UTF8`, as a CSV row or an NDJSON line
            // is.
            json_split::check_syntax(buf).map_err(|e| format!("JSON input is not valid: {e}"))?;
            let spans = json_split::element_spans(buf)
                .ok_or_else(|| "JSON input is not an array of records".to_string())?;
            return self.each(buf, &spans, sink);
        };
        // Validate first, so that a broken document yields no rows at all (it is refused
        // as a whole); this pass builds nothing either.
        if validate {
            if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
                return Err(format!("JSON input is not valid: {e}"));
            }
        }
        self.array(text, sink)
    }

    /// Streams the top-level array of `text` to the sink. Read as text, so that strings
    /// are not checked for UTF-8 again, one by one, as they are read.
    fn array(&mut self, text: &str, sink: &mut dyn RowSink) -> Result<(), String> {
        let visitor = ArrayVisitor {
            projection: &mut self.projection,
            rows: &mut self.rows,
            sink,
        };
        let mut de = serde_json::Deserializer::from_str(text);
        de::Deserializer::deserialize_any(&mut de, visitor)
            .and_then(|()| de.end())
            .map_err(|e| format!("JSON input is not valid: {e}"))
    }
}

/// Streams the elements of the top-level array to the sink.
struct ArrayVisitor<'p, 's> {
    projection: &'p mut Projection,
    rows: &'p mut u64,
    sink: &'s mut dyn RowSink,
}

impl<'de> Visitor<'de> for ArrayVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let p = self.projection;
        loop {
            let mut vals = recycle_vals(std::mem::take(&mut p.vals));
            vals.resize(p.keys.len(), Val::Missing);
            let seed = RecordSeed {
                keys: &p.keys,
                scratch: &mut p.scratch,
                vals: &mut vals,
                positional: p.positional.then_some(p.slot_of.as_slice()),
            };
            let next = seq.next_element_seed(seed);
            let done = match next {
                Ok(Some(is_object)) => {
                    *self.rows += 1;
                    p.emit(*self.rows, is_object, &vals, self.sink);
                    false
                }
                Ok(None) => true,
                Err(e) => {
                    p.vals = recycle_vals(vals);
                    return Err(e);
                }
            };
            p.vals = recycle_vals(vals);
            if done {
                return Ok(());
            }
        }
    }

    // The caller checks for `[` first; any other value is refused without echoing it.
    crate::util::json_read::refuse_json_values!('de, "a JSON array of records"; bool, i64, u64, f64, str, unit, map);
}

/// JSON whitespace.
fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// What a JSON value starting with `b` is, if it can be one.
fn kind_of(b: u8) -> Option<&'static str> {
    match b {
        b'{' => Some("an object"),
        b'"' => Some("a string"),
        b'-' | b'0'..=b'9' => Some("a number"),
        b't' | b'f' => Some("a boolean"),
        b'n' => Some("null"),
        _ => None,
    }
}

/// 1-based line and column (in bytes) of `offset`, like serde_json's error positions.
fn line_column(buf: &[u8], offset: usize) -> (usize, usize) {
    let before = buf.get(..offset).unwrap_or(buf);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    (line, column)
}
