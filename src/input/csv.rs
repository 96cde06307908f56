//! CSV records through `csv_core::Reader`, which keeps its state between chunks.
//!
//! Until the header line is complete the bytes are held back, so that the delimiter can be
//! detected from it (see `dialect.rs`) before csv-core reads anything; then they are
//! replayed. Each record is written by `csv-core` into one reusable byte buffer (`out`)
//! with the end offset of every field in `ends`; both grow on demand, so a field is limited
//! only by memory. Nothing is allocated per field or per row once the buffers have grown.
//!
//! Row widths (after the header): a record with fewer fields than the header has columns
//! gets empty values for the missing trailing ones; extra fields are accepted when they are
//! all empty (or spaces/tabs only); any other record is `MALFORMED_ROW`.

use super::decode::{Binary, Decoded, Encoding};
use super::dialect::{self, Dialect};
use super::header::{match_header, Header, HeaderInfo};
use super::{recycle, Cell, RowSink};
use crate::error::{Error, ErrorCode};
use crate::report::RejectReason;
use csv_core::{ReadRecordResult, Reader};

/// Initial size of the record buffer (grows by doubling).
const INITIAL_OUT: usize = 8 * 1024;
/// Initial number of field end slots (grows by doubling).
const INITIAL_ENDS: usize = 32;

/// Bytes held back until the header line is complete, with the scan state.
#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Bytes scanned so far.
    scan: usize,
    in_quotes: bool,
    /// Start of the current line.
    line_start: usize,
}

impl Pending {
    /// The header line (the first line that is not blank; its end is the first CR or LF
    /// outside double quotes), once it is complete.
    fn header_line(&mut self) -> Option<&[u8]> {
        while let Some(&b) = self.bytes.get(self.scan) {
            if b == b'"' {
                self.in_quotes = !self.in_quotes;
            } else if !self.in_quotes && (b == b'\n' || b == b'\r') {
                let line = self.bytes.get(self.line_start..self.scan).unwrap_or(&[]);
                if line.iter().all(|c| matches!(c, b' ' | b'\t' | b'"')) {
                    self.line_start = self.scan + 1;
                } else {
                    return Some(line);
                }
            }
            self.scan += 1;
        }
        None
    }

    /// At the end of the input: the best guess of the header line.
    fn last_line(&self) -> &[u8] {
        let rest = self.bytes.get(self.line_start..).unwrap_or(&[]);
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        rest.get(..end).unwrap_or(rest)
    }
}

/// Incremental CSV parser (the input is already decoded to UTF-8 by the caller).
pub(super) struct CsvParser {
    reader: Reader,
    /// The delimiter in use (declared, or detected once `pending` is done).
    delimiter: u8,
    detected: bool,
    /// `Some` while the delimiter is still to be detected.
    pending: Option<Pending>,
    fields: Vec<String>,
    /// Project every column (the inspector) instead of `fields`.
    all_columns: bool,
    /// Record bytes (fields concatenated, quotes removed); `out_len` of them are used.
    out: Vec<u8>,
    out_len: usize,
    /// Field end offsets into `out`; `ends_len` of them are used.
    ends: Vec<usize>,
    ends_len: usize,
    /// After the header: the columns and the projection.
    header: Option<Header>,
    dialect: Option<Dialect>,
    /// How the bytes were decoded, and their binary-file signature (set by the caller).
    decoded: Decoded,
    binary: Option<Binary>,
    /// Records counted so far (header and blank lines excluded).
    rows: u64,
    /// Reused cell buffer.
    cells: Vec<Cell<'static>>,
    /// Quote characters read since the current record began: an odd count at the end of the
    /// input means a quoted field was never closed.
    quotes: usize,
}

impl CsvParser {
    /// A parser projecting `fields` (every column with `all_columns`), with a declared
    /// delimiter or detection.
    pub(super) fn new(fields: Vec<String>, delimiter: Option<u8>, all_columns: bool) -> Self {
        let cells = Vec::with_capacity(fields.len());
        CsvParser {
            reader: dialect::reader(delimiter.unwrap_or(b',')),
            delimiter: delimiter.unwrap_or(b','),
            detected: delimiter.is_none(),
            pending: delimiter.is_none().then(Pending::default),
            fields,
            all_columns,
            out: vec![0; INITIAL_OUT],
            out_len: 0,
            ends: vec![0; INITIAL_ENDS],
            ends_len: 0,
            header: None,
            dialect: None,
            decoded: Decoded {
                encoding: Encoding::UTF_8,
                bom: false,
            },
            binary: None,
            rows: 0,
            cells,
            quotes: 0,
        }
    }

    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    /// The dialect, once the header was read.
    pub(super) fn dialect(&self) -> Option<&Dialect> {
        self.dialect.as_ref()
    }

    /// Tells the parser how its input was decoded (before each feed and before finish).
    pub(super) fn set_source(&mut self, decoded: Decoded, binary: Option<Binary>) {
        self.decoded = decoded;
        self.binary = binary;
    }

    /// Parses a chunk.
    pub(super) fn feed(&mut self, input: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        let Some(pending) = &mut self.pending else {
            return self.parse(input, sink);
        };
        pending.bytes.extend_from_slice(input);
        let Some(line) = pending.header_line() else {
            return Ok(());
        };
        let delimiter = dialect::detect(line, self.fields.first().map(String::as_str));
        self.replay(delimiter, sink)
    }

    /// Detection is done: configures the reader and parses the held bytes.
    fn replay(&mut self, delimiter: u8, sink: &mut dyn RowSink) -> Result<(), Error> {
        let bytes = self.pending.take().map(|p| p.bytes).unwrap_or_default();
        self.delimiter = delimiter;
        self.reader = dialect::reader(delimiter);
        self.parse(&bytes, sink)
    }

    fn parse(&mut self, mut input: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        while !input.is_empty() {
            let consumed = self.step(input, sink)?;
            input = input.get(consumed..).unwrap_or(&[]);
        }
        Ok(())
    }

    /// Ends the input: flushes a last record without a line terminator.
    pub(super) fn finish(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        if let Some(pending) = &self.pending {
            let delimiter =
                dialect::detect(pending.last_line(), self.fields.first().map(String::as_str));
            self.replay(delimiter, sink)?;
        }
        loop {
            let (res, _, nout, nend) = self.reader.read_record(
                &[],
                self.out.get_mut(self.out_len..).unwrap_or(&mut []),
                self.ends.get_mut(self.ends_len..).unwrap_or(&mut []),
            );
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::End => return Ok(()),
                // csv-core closes an unterminated quoted field silently at the end of the
                // input, with every following line inside it: reject that record instead.
                ReadRecordResult::Record if self.quotes % 2 == 1 && self.header.is_some() => {
                    self.out_len = 0;
                    self.ends_len = 0;
                    self.quotes = 0;
                    self.rows += 1;
                    let detail = "a quoted field is not closed before the end of the input";
                    sink.reject(self.rows, RejectReason::MalformedRow, Some(detail));
                }
                ReadRecordResult::Record => self.record(sink)?,
                ReadRecordResult::OutputFull => grow(&mut self.out),
                ReadRecordResult::OutputEndsFull => grow(&mut self.ends),
                // Cannot happen with empty input; stop rather than loop.
                ReadRecordResult::InputEmpty => return Ok(()),
            }
        }
    }

    /// One call into csv-core; returns the number of input bytes consumed.
    fn step(&mut self, input: &[u8], sink: &mut dyn RowSink) -> Result<usize, Error> {
        let (res, nin, nout, nend) = self.reader.read_record(
            input,
            self.out.get_mut(self.out_len..).unwrap_or(&mut []),
            self.ends.get_mut(self.ends_len..).unwrap_or(&mut []),
        );
        self.out_len += nout;
        self.ends_len += nend;
        self.quotes += input
            .get(..nin)
            .unwrap_or(&[])
            .iter()
            .filter(|&&b| b == b'"')
            .count();
        match res {
            ReadRecordResult::Record => self.record(sink)?,
            ReadRecordResult::OutputFull => grow(&mut self.out),
            ReadRecordResult::OutputEndsFull => grow(&mut self.ends),
            ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
        }
        if nin == 0 && matches!(res, ReadRecordResult::InputEmpty | ReadRecordResult::End) {
            // No progress is possible (should not happen with non-empty input): drop the
            // rest instead of spinning.
            return Ok(input.len());
        }
        Ok(nin)
    }

    /// A complete record is in `out`/`ends`: pass it on and reset the buffers.
    fn record(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        let result = self.dispatch(sink);
        self.out_len = 0;
        self.ends_len = 0;
        self.quotes = 0;
        result
    }

    fn dispatch(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        let bytes = self.out.get(..self.out_len).unwrap_or(&[]);
        let ends = self.ends.get(..self.ends_len).unwrap_or(&[]);
        if is_blank(bytes, ends, self.delimiter, self.quotes) {
            return Ok(());
        }
        let Some(header) = &self.header else {
            return self.read_header(sink);
        };
        self.rows += 1;
        let row = self.rows;
        let width = header.width;
        if ends.len() > width {
            let extra_blank = (width..ends.len()).all(|i| {
                field_bytes(bytes, ends, i)
                    .iter()
                    .all(|&b| b == b' ' || b == b'\t')
            });
            if !extra_blank {
                let detail = format!("expected {} fields, found {}", width, ends.len());
                sink.reject(row, RejectReason::MalformedRow, Some(&detail));
                return Ok(());
            }
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            sink.reject(row, RejectReason::InvalidUtf8, None);
            return Ok(());
        };
        // Valid as a whole is not enough: a field boundary may split a character.
        if !ends.iter().all(|&e| text.is_char_boundary(e)) {
            sink.reject(row, RejectReason::InvalidUtf8, None);
            return Ok(());
        }
        let mut cells = recycle(std::mem::take(&mut self.cells));
        for column in &header.columns {
            cells.push(match column {
                // A missing trailing field is an empty value.
                Some(c) => Cell::Str(field(text, ends, *c)),
                None => Cell::Missing,
            });
        }
        sink.row(row, &cells);
        self.cells = recycle(cells);
        Ok(())
    }

    /// The first record: the header.
    fn read_header(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
        let bytes = self.out.get(..self.out_len).unwrap_or(&[]);
        let ends = self.ends.get(..self.ends_len).unwrap_or(&[]);
        let raw: Vec<Option<String>> = (0..ends.len())
            .map(|i| {
                std::str::from_utf8(field_bytes(bytes, ends, i))
                    .ok()
                    .map(|s| s.trim().to_string())
            })
            .collect();
        let display: Vec<String> = (0..ends.len())
            .map(|i| {
                String::from_utf8_lossy(field_bytes(bytes, ends, i))
                    .trim()
                    .to_string()
            })
            .collect();
        let header = match_header(&raw, display, &self.fields, self.all_columns)
            .map_err(|m| Error::new(ErrorCode::InputInvalid, m))?;
        let dialect = Dialect {
            delimiter: dialect::delimiter_text(self.delimiter),
            detected: self.detected,
            encoding: self.decoded.encoding.name().to_string(),
            bom: self.decoded.bom,
        };
        // NUL characters in the header itself (not anywhere in the file, which would depend
        // on how much was read yet) mean a binary file or UTF-16 without a BOM.
        let binary = self.binary.or_else(|| {
            header
                .names
                .iter()
                .any(|n| n.contains('\0'))
                .then_some(Binary::NulBytes)
        });
        let result = sink.header(&HeaderInfo {
            names: &header.names,
            missing: &header.missing,
            duplicates: &header.duplicates,
            dialect: &dialect,
            binary,
        });
        self.header = Some(header);
        self.dialect = Some(dialect);
        result
    }
}

/// Doubles a buffer (filled with zeros/default values).
fn grow<T: Default + Clone>(buf: &mut Vec<T>) {
    let len = buf.len().max(1).saturating_mul(2);
    buf.resize(len, T::default());
}

/// The `i`-th field of a record whose bytes are `text` and field ends `ends` (empty when
/// the record has fewer fields).
fn field<'t>(text: &'t str, ends: &[usize], i: usize) -> &'t str {
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(text.len()),
        None => 0,
    };
    let end = ends.get(i).copied().unwrap_or(start);
    text.get(start..end).unwrap_or("")
}

/// The `i`-th field as bytes.
fn field_bytes<'t>(bytes: &'t [u8], ends: &[usize], i: usize) -> &'t [u8] {
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(bytes.len()),
        None => 0,
    };
    let end = ends.get(i).copied().unwrap_or(start);
    bytes.get(start..end).unwrap_or(&[])
}

/// A line that holds nothing but spaces or tabs is not a record (csv-core already skips
/// empty lines): one field of them, or, with the tab delimiter, any number of unquoted
/// ones (`quotes`: quote characters in the record).
fn is_blank(bytes: &[u8], ends: &[usize], delimiter: u8, quotes: usize) -> bool {
    (ends.len() <= 1 || (delimiter == b'\t' && quotes == 0))
        && bytes.iter().all(|&b| b == b' ' || b == b'\t')
}
