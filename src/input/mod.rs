//! Profile sources: CSV bytes, NDJSON bytes and JSON arrays, fed in chunks of any size.
//!
//! A [`Parser`] is created with the list of profile fields the mapping needs (the
//! *projection*); for each record it calls [`RowSink::row`] with one [`Cell`] per projected
//! field, in projection order, so no other column is ever copied. Rows that cannot be read
//! go to [`RowSink::reject`] with a reason; the rest of the input is kept.
//!
//! The parser is push-based and sans-IO: the host calls [`Parser::feed`] with each chunk as
//! it arrives and [`Parser::finish`] at the end. Splitting the same bytes into chunks of any
//! sizes (even one byte, or inside a multi-byte character, a CRLF, a quoted field or the
//! UTF-8 BOM) produces exactly the same sequence of sink calls.
//!
//! Format rules:
//! - **CSV** (RFC 4180, parsed by `csv-core`): the first record is the header; an optional
//!   UTF-8 BOM is stripped; header names are trimmed; a projected field matches the first
//!   header column with exactly its name, or else the first one that matches
//!   case-insensitively. Records end with CRLF, LF or a lone CR. Lines that are empty or
//!   hold only spaces/tabs are not records. A record whose field count differs from the
//!   header's is rejected as `MALFORMED_ROW`; one with invalid UTF-8 as `INVALID_UTF8`.
//! - **NDJSON**: one JSON value per line (LF or CRLF); blank lines are skipped; a line that
//!   is not UTF-8 is `INVALID_UTF8`, not JSON `MALFORMED_ROW`, not an object
//!   `NOT_AN_OBJECT`.
//! - **JSON**: one array of records, buffered until [`Parser::finish`] and then streamed
//!   element by element; a document that is not an array (or not JSON) is an
//!   `INPUT_INVALID` error.
//!
//! For JSON records only top-level keys are compared (exactly, no paths); when a key
//! appears twice, the last value wins.

mod csv;
mod json;
mod ndjson;

use crate::error::{Error, ErrorCode};
use crate::report::RejectReason;
use std::fmt;

/// The format of a byte source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV with a header row (optional UTF-8 BOM, CRLF or LF).
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    Json,
    /// One JSON array of *positional* records: each record is an array holding the values of
    /// the projected fields in projection order (`null` when absent); any other element is
    /// not a record (`NOT_AN_OBJECT`). This is the compact layout the JS binding produces from
    /// plain objects, so only the mapped values cross into wasm.
    JsonRows,
}

/// One projected value of a record, borrowed from the parser's buffers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// The field is absent from the record (or the CSV header).
    Missing,
    /// JSON `null`.
    Null,
    /// JSON boolean.
    Bool(bool),
    /// JSON number, as text: integers in plain decimal (`"42"`, `"-7"`), other numbers in
    /// serde_json's shortest round-trip form (`"1500.0"` for `1.5e3`, `"1e+300"`).
    Num(&'a str),
    /// Text (a CSV field is always text).
    Str(&'a str),
    /// A JSON array or object (never sent; the mapping warns).
    Nested,
}

/// Receives records from a [`Parser`].
pub trait RowSink {
    /// CSV only, once, after the header row: the indexes (into the projection) of fields
    /// that the header does not have. Returning an error stops the parse.
    fn columns(&mut self, missing: &[usize]) -> Result<(), Error> {
        let _ = missing;
        Ok(())
    }
    /// One readable record; `row` counts records from 1 (header and blank lines not counted).
    fn row(&mut self, row: u64, cells: &[Cell<'_>]);
    /// One unreadable record; `detail` never contains record content.
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>);
}

/// The parser of one format.
enum Inner {
    Csv(Box<csv::CsvParser>),
    Ndjson(ndjson::NdjsonParser),
    Json(json::JsonParser),
}

impl Inner {
    fn feed(&mut self, bytes: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        match self {
            Inner::Csv(p) => p.feed(bytes, sink),
            Inner::Ndjson(p) => {
                p.feed(bytes, sink);
                Ok(())
            }
            Inner::Json(p) => {
                p.feed(bytes);
                Ok(())
            }
        }
    }

    fn finish(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        match self {
            Inner::Csv(p) => p.finish(sink),
            Inner::Ndjson(p) => {
                p.finish(sink);
                Ok(())
            }
            Inner::Json(p) => p.finish(sink),
        }
    }

    fn rows(&self) -> u64 {
        match self {
            Inner::Csv(p) => p.rows(),
            Inner::Ndjson(p) => p.rows(),
            Inner::Json(p) => p.rows(),
        }
    }
}

/// Whether the parser can still take input.
#[derive(Debug)]
enum State {
    Open,
    Finished,
    Failed(Error),
}

/// A push parser for one segment's bytes.
///
/// Create it with [`Parser::new`], call [`Parser::feed`] for each chunk and
/// [`Parser::finish`] once at the end. After an error, every later call returns the same
/// error; after `finish`, `feed` is an error and `finish` does nothing.
///
/// Its `Debug` output shows the format, the state and the row count, never buffered input.
pub struct Parser {
    format: Format,
    bom: BomStrip,
    inner: Inner,
    state: State,
}

impl fmt::Debug for Parser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("format", &self.format)
            .field("rows_seen", &self.rows_seen())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Parser {
    /// A parser projecting `fields` (profile field names) from each record.
    pub fn new(format: Format, fields: Vec<String>) -> Self {
        let inner = match format {
            Format::Csv => Inner::Csv(Box::new(csv::CsvParser::new(fields))),
            Format::Ndjson => Inner::Ndjson(ndjson::NdjsonParser::new(fields)),
            Format::Json => Inner::Json(json::JsonParser::new(fields, false)),
            Format::JsonRows => Inner::Json(json::JsonParser::new(fields, true)),
        };
        Parser {
            format,
            bom: BomStrip::default(),
            inner,
            state: State::Open,
        }
    }

    /// The format this parser reads.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Records seen so far (rows and rejects; the CSV header and blank lines not counted).
    /// This is also the number of the last record passed to the sink.
    pub fn rows_seen(&self) -> u64 {
        self.inner.rows()
    }

    /// Feeds the next chunk; records completed by it are passed to `sink`.
    pub fn feed(&mut self, chunk: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        match &self.state {
            State::Open => {}
            State::Finished => {
                return Err(Error::new(
                    ErrorCode::Internal,
                    "input parser: feed called after finish",
                ))
            }
            State::Failed(e) => return Err(e.clone()),
        }
        let (replay, rest) = self.bom.strip(chunk);
        let mut result = Ok(());
        if !replay.is_empty() {
            result = self.inner.feed(replay, sink);
        }
        if result.is_ok() && !rest.is_empty() {
            result = self.inner.feed(rest, sink);
        }
        if let Err(e) = &result {
            self.state = State::Failed(e.clone());
        }
        result
    }

    /// Ends the input; the last record (without a final newline) is passed to `sink`.
    pub fn finish(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        match &self.state {
            State::Open => {}
            State::Finished => return Ok(()),
            State::Failed(e) => return Err(e.clone()),
        }
        let replay = self.bom.finish();
        let mut result = Ok(());
        if !replay.is_empty() {
            result = self.inner.feed(replay, sink);
        }
        if result.is_ok() {
            result = self.inner.finish(sink);
        }
        self.state = match &result {
            Ok(()) => State::Finished,
            Err(e) => State::Failed(e.clone()),
        };
        result
    }
}

/// The UTF-8 byte order mark.
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// Strips a UTF-8 BOM at the very start of the input, even when it is split across chunks.
#[derive(Debug, Default)]
struct BomStrip {
    /// How many BOM bytes have been held back so far.
    matched: usize,
    /// Whether the start of the input has been decided.
    done: bool,
}

impl BomStrip {
    /// Returns the held-back bytes to replay first (a BOM prefix that turned out not to be a
    /// BOM) and the rest of `chunk` to parse.
    fn strip<'c>(&mut self, mut chunk: &'c [u8]) -> (&'static [u8], &'c [u8]) {
        if self.done {
            return (&[], chunk);
        }
        while let Some((&b, rest)) = chunk.split_first() {
            if BOM.get(self.matched) == Some(&b) {
                self.matched += 1;
                chunk = rest;
                if self.matched == BOM.len() {
                    self.done = true;
                    return (&[], chunk);
                }
            } else {
                self.done = true;
                return (BOM.get(..self.matched).unwrap_or(&[]), chunk);
            }
        }
        (&[], chunk)
    }

    /// At the end of input: the held-back bytes that must still be parsed.
    fn finish(&mut self) -> &'static [u8] {
        if self.done {
            return &[];
        }
        self.done = true;
        BOM.get(..self.matched).unwrap_or(&[])
    }
}

/// Empties a vector of cells and gives its allocation a new lifetime, so the buffer can be
/// reused from row to row without allocating (the in-place `collect` keeps the buffer).
fn recycle<'b>(mut cells: Vec<Cell<'_>>) -> Vec<Cell<'b>> {
    cells.clear();
    cells.into_iter().map(|_| Cell::Missing).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_strip_split_and_partial() {
        let mut b = BomStrip::default();
        assert_eq!(b.strip(b"\xEF"), (&b""[..], &b""[..]));
        assert_eq!(b.strip(b"\xBB"), (&b""[..], &b""[..]));
        assert_eq!(b.strip(b"\xBFab"), (&b""[..], &b"ab"[..]));
        assert_eq!(b.strip(b"\xEF"), (&b""[..], &b"\xEF"[..]));

        let mut b = BomStrip::default();
        assert_eq!(b.strip(b"\xEF\xBB"), (&b""[..], &b""[..]));
        assert_eq!(b.strip(b"x"), (&b"\xEF\xBB"[..], &b"x"[..]));

        let mut b = BomStrip::default();
        assert_eq!(b.strip(b"\xEF"), (&b""[..], &b""[..]));
        assert_eq!(b.finish(), &b"\xEF"[..]);
        assert_eq!(b.finish(), &b""[..]);
    }

    #[test]
    fn recycle_keeps_capacity() {
        let s = String::from("x");
        let mut v: Vec<Cell<'_>> = Vec::with_capacity(16);
        v.push(Cell::Str(&s));
        let w: Vec<Cell<'static>> = recycle(v);
        assert!(w.is_empty());
        assert!(w.capacity() >= 16);
    }
}
