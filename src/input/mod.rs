//! Profile sources: CSV bytes, NDJSON bytes and JSON arrays, fed in chunks of any size.
//!
//! A [`Parser`] is created with the list of profile fields the mapping needs (the
//! *projection*); for each record it calls [`RowSink::row`] with one [`Cell`] per projected
//! field, in projection order, so no other column is ever copied. Rows that cannot be read
//! go to [`RowSink::reject`] with a reason; the rest of the input is kept.
//!
//! The parser is push-based and sans-IO: the host calls [`Parser::feed`] with each chunk as
//! it arrives and [`Parser::finish`] at the end. Splitting the same bytes into chunks of any
//! sizes (even one byte, or inside a multi-byte character, a UTF-16 code unit, a CRLF, a
//! quoted field, the header line or a byte order mark) produces exactly the same sequence
//! of sink calls.
//!
//! Bytes are decoded first (`decode.rs`): a UTF-8 BOM is removed, a UTF-16LE/BE BOM selects
//! UTF-16, and a declared `encoding` (WHATWG label; [`SourceOptions`]) selects a
//! single-byte encoding such as windows-1252; otherwise the bytes are UTF-8 and a row with
//! invalid UTF-8 is rejected. This applies to every byte format (JSON text is UTF-8 by
//! RFC 8259, but a BOM or an `encoding` option is honoured there too).
//!
//! Format rules:
//! - **CSV** (RFC 4180, parsed by `csv-core`): the first record is the header. The
//!   delimiter is `,` `;` tab or `|`: declared, or detected from the header line
//!   (`dialect.rs`). Header names are trimmed; trailing empty names are not columns; a
//!   projected field matches the column with exactly its name, or else the one equal in
//!   Unicode lower case; a name that appears twice (ignoring case) stops the parse
//!   (`INPUT_INVALID`) when a projected field reads it (`header.rs`). Records end with
//!   CRLF, LF or a lone CR. Lines that are empty or hold only spaces/tabs are not records.
//!   A record with fewer fields than the header gets empty values for the missing trailing
//!   ones; extra fields are accepted when all empty; otherwise it is `MALFORMED_ROW`. A
//!   record with invalid UTF-8 is `INVALID_UTF8`.
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
mod decode;
mod dialect;
mod encodings;
mod header;
pub(crate) use header::same_name;
mod inspect;
mod json;
mod json_split;
mod ndjson;

pub use decode::{Binary, Encoding, LabelError};
pub use dialect::{Dialect, SourceOptions, DELIMITERS};
pub use header::{missing_column_message, HeaderInfo};
pub use inspect::{inspect, BinaryFile, Inspection, Inspector, SAMPLE_ROWS};

use crate::error::{Error, ErrorCode};
use crate::report::RejectReason;
use decode::{Decoded, Decoder};
use std::fmt;

/// The format of a byte source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV with a header row (CRLF, LF or CR; delimiter `,` `;` tab or `|`,
    /// declared or detected; see the module documentation).
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    Json,
    /// One JSON array of *positional* records: how plain JS objects cross into wasm (only the
    /// mapped values are copied). **The record-crossing contract** — the host encodes each
    /// record, and makes no other decision:
    ///
    /// - a record that is a plain object (not `null`, not an array) → an array of the values
    ///   of its own properties named by the projection, in projection order, `null` for an
    ///   absent one, each value as `JSON.stringify` writes it (a `Date` becomes its ISO
    ///   string, `undefined`, functions and symbols `null`), a `BigInt` as its decimal digits
    ///   in a string;
    /// - any other record → `0`;
    /// - a value JSON cannot hold (a cycle, a `toJSON` that throws) → `{}`.
    ///
    /// Here, an element that is not an array is `NOT_AN_OBJECT`; an object or array value is
    /// nested (left out with `VALUE_NESTED`); everything else is read as in JSON records.
    JsonRows,
}

impl Format {
    /// The formats a byte source can declare, with the key that holds its bytes in JS
    /// (`{ csv: bytes }`) and names it in a URL source (`{ url, format: 'csv' }`).
    pub const BYTES: [(Format, &'static str); 3] = [
        (Format::Csv, "csv"),
        (Format::Ndjson, "ndjson"),
        (Format::Json, "json"),
    ];

    /// The byte format named `name` (`csv`, `ndjson`, `json`).
    pub fn named(name: &str) -> Option<Format> {
        Self::BYTES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(f, _)| *f)
    }
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
    /// CSV only, once, after the header row: what it holds and how the file was read.
    /// Returning an error stops the parse. The default passes `header.missing` to
    /// [`RowSink::columns`].
    fn header(&mut self, header: &HeaderInfo<'_>) -> Result<(), Error> {
        self.columns(header.missing)
    }
    /// CSV only, once, after the header row (through the default [`RowSink::header`]): the
    /// indexes (into the projection) of fields that the header does not have. Returning an
    /// error stops the parse.
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
    fn feed(
        &mut self,
        bytes: &[u8],
        decoded: Decoded,
        binary: Option<Binary>,
        sink: &mut dyn RowSink,
    ) -> Result<(), Error> {
        match self {
            Inner::Csv(p) => {
                p.set_source(decoded, binary);
                p.feed(bytes, sink)
            }
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
    decoder: Decoder,
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
    /// A parser projecting `fields` (profile field names) from each record, with default
    /// options (delimiter detected, UTF-8 unless a BOM says UTF-16).
    pub fn new(format: Format, fields: Vec<String>) -> Self {
        Self::build(format, fields, dialect::Resolved::default(), false)
    }

    /// A parser with source options; `CONFIG_INVALID` when they are invalid (issue paths
    /// start with `prefix`, e.g. `segments[0].profiles.`).
    pub fn with_options(
        format: Format,
        fields: Vec<String>,
        options: &SourceOptions,
        prefix: &str,
    ) -> Result<Self, Error> {
        let resolved = options.check(format, prefix)?;
        Ok(Self::build(format, fields, resolved, false))
    }

    /// The parser; `all_columns` projects every CSV column (for the inspector).
    fn build(
        format: Format,
        fields: Vec<String>,
        options: dialect::Resolved,
        all_columns: bool,
    ) -> Self {
        let inner = match format {
            Format::Csv => Inner::Csv(Box::new(csv::CsvParser::new(
                fields,
                options.delimiter,
                all_columns,
            ))),
            Format::Ndjson => Inner::Ndjson(ndjson::NdjsonParser::new(fields)),
            Format::Json => Inner::Json(json::JsonParser::new(fields, false)),
            Format::JsonRows => Inner::Json(json::JsonParser::new(fields, true)),
        };
        Parser {
            format,
            decoder: Decoder::new(options.encoding),
            inner,
            state: State::Open,
        }
    }

    /// The format this parser reads.
    pub fn format(&self) -> Format {
        self.format
    }

    /// CSV: how the file is read (delimiter, encoding, BOM), once the header row was read.
    /// `None` for the JSON formats.
    pub fn dialect(&self) -> Option<&Dialect> {
        match &self.inner {
            Inner::Csv(p) => p.dialect(),
            _ => None,
        }
    }

    /// The encoding in use and whether a BOM was removed (final once the first bytes were
    /// seen).
    pub fn encoding(&self) -> (Encoding, bool) {
        let d = self.decoder.decoded();
        (d.encoding, d.bom)
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
        let inner = &mut self.inner;
        let result = self.decoder.feed(chunk, &mut |bytes, decoded, binary| {
            inner.feed(bytes, decoded, binary, sink)
        });
        if let Err(e) = &result {
            self.state = State::Failed(e.clone());
        }
        result
    }

    /// [`Format::JsonRows`] only: reads one complete document — the JSON text the host wrote
    /// for a group of records — and ends the input. The text is read in place: not copied,
    /// not decoded (it is UTF-8 JSON by the record-crossing contract; serde_json still checks
    /// every string), and rows are passed on as they are read (a document that turns out
    /// broken fails with `INPUT_INVALID` after some of its rows). Any other parser or state:
    /// `INTERNAL`.
    pub fn feed_document(&mut self, doc: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        let result = match (&self.state, self.format, &mut self.inner) {
            (State::Open, Format::JsonRows, Inner::Json(p)) => p.document(doc, sink),
            _ => Err(Error::new(
                ErrorCode::Internal,
                "input parser: feed_document needs a new JsonRows parser",
            )),
        };
        self.state = match &result {
            Ok(()) => State::Finished,
            Err(e) => State::Failed(e.clone()),
        };
        result
    }

    /// Ends the input; the last record (without a final newline) is passed to `sink`.
    pub fn finish(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        match &self.state {
            State::Open => {}
            State::Finished => return Ok(()),
            State::Failed(e) => return Err(e.clone()),
        }
        let inner = &mut self.inner;
        let mut result = self
            .decoder
            .finish(&mut |bytes, decoded, binary| inner.feed(bytes, decoded, binary, sink));
        if result.is_ok() {
            if let Inner::Csv(p) = &mut self.inner {
                let d = self.decoder.decoded();
                p.set_source(d, self.decoder.signature());
            }
            result = self.inner.finish(sink);
        }
        self.state = match &result {
            Ok(()) => State::Finished,
            Err(e) => State::Failed(e.clone()),
        };
        result
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
    fn recycle_keeps_capacity() {
        let s = String::from("x");
        let mut v: Vec<Cell<'_>> = Vec::with_capacity(16);
        v.push(Cell::Str(&s));
        let w: Vec<Cell<'static>> = recycle(v);
        assert!(w.is_empty());
        assert!(w.capacity() >= 16);
    }
}
