//! CSV records through `csv_core::Reader`, which keeps its state between chunks.
//!
//! Each record is written by `csv-core` into one reusable byte buffer (`out`) with the end
//! offset of every field in `ends`; both grow on demand, so a field is limited only by
//! memory. Nothing is allocated per field or per row once the buffers have grown.

use super::{recycle, Cell, RowSink};
use crate::error::Error;
use crate::report::RejectReason;
use csv_core::{ReadRecordResult, Reader};

/// Initial size of the record buffer (grows by doubling).
const INITIAL_OUT: usize = 8 * 1024;
/// Initial number of field end slots (grows by doubling).
const INITIAL_ENDS: usize = 32;

/// Incremental CSV parser (the BOM is already stripped by the caller).
pub(super) struct CsvParser {
    reader: Reader,
    fields: Vec<String>,
    /// Record bytes (fields concatenated, quotes removed); `out_len` of them are used.
    out: Vec<u8>,
    out_len: usize,
    /// Field end offsets into `out`; `ends_len` of them are used.
    ends: Vec<usize>,
    ends_len: usize,
    /// After the header: for each projected field, its column index.
    header: Option<Header>,
    /// Records counted so far (header and blank lines excluded).
    rows: u64,
    /// Reused cell buffer.
    cells: Vec<Cell<'static>>,
    /// Quote characters read since the current record began: an odd count at the end of the
    /// input means a quoted field was never closed.
    quotes: usize,
}

/// What the header row told us.
struct Header {
    /// Number of header columns: every record must have exactly this many fields.
    width: usize,
    /// For each projected field, the header column holding it.
    columns: Vec<Option<usize>>,
}

impl CsvParser {
    pub(super) fn new(fields: Vec<String>) -> Self {
        let mut reader = Reader::new();
        // csv-core strips a BOM itself, but only when its first call sees all three bytes;
        // the caller strips it chunk-independently instead. A first call with an empty
        // output buffer consumes nothing and turns csv-core's own stripping off, so that a
        // second BOM is handled the same way whatever the chunking.
        let _ = reader.read_record(b"x", &mut [], &mut []);
        let cells = Vec::with_capacity(fields.len());
        CsvParser {
            reader,
            fields,
            out: vec![0; INITIAL_OUT],
            out_len: 0,
            ends: vec![0; INITIAL_ENDS],
            ends_len: 0,
            header: None,
            rows: 0,
            cells,
            quotes: 0,
        }
    }

    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    /// Parses a non-empty chunk (an empty one would mean end of input to csv-core).
    pub(super) fn feed(&mut self, mut input: &[u8], sink: &mut dyn RowSink) -> Result<(), Error> {
        while !input.is_empty() {
            let consumed = self.step(input, sink)?;
            input = input.get(consumed..).unwrap_or(&[]);
        }
        Ok(())
    }

    /// Ends the input: flushes a last record without a line terminator.
    pub(super) fn finish(&mut self, sink: &mut dyn RowSink) -> Result<(), Error> {
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
        if is_blank(bytes, ends) {
            return Ok(());
        }
        let Some(header) = &self.header else {
            let header = read_header(bytes, ends, &self.fields);
            let missing: Vec<usize> = header
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_none())
                .map(|(i, _)| i)
                .collect();
            self.header = Some(header);
            return sink.columns(&missing);
        };
        self.rows += 1;
        let row = self.rows;
        if ends.len() != header.width {
            let detail = format!("expected {} fields, found {}", header.width, ends.len());
            sink.reject(row, RejectReason::MalformedRow, Some(&detail));
            return Ok(());
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
                Some(c) => Cell::Str(field(text, ends, *c)),
                None => Cell::Missing,
            });
        }
        sink.row(row, &cells);
        self.cells = recycle(cells);
        Ok(())
    }
}

/// Doubles a buffer (filled with zeros/default values).
fn grow<T: Default + Clone>(buf: &mut Vec<T>) {
    let len = buf.len().max(1).saturating_mul(2);
    buf.resize(len, T::default());
}

/// The `i`-th field of a record whose bytes are `text` and field ends `ends`.
fn field<'t>(text: &'t str, ends: &[usize], i: usize) -> &'t str {
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(i).copied().unwrap_or(start);
    text.get(start..end).unwrap_or("")
}

/// The `i`-th field as bytes.
fn field_bytes<'t>(bytes: &'t [u8], ends: &[usize], i: usize) -> &'t [u8] {
    let start = match i.checked_sub(1) {
        Some(p) => ends.get(p).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(i).copied().unwrap_or(start);
    bytes.get(start..end).unwrap_or(&[])
}

/// A line that holds nothing but spaces or tabs is not a record (csv-core already skips
/// empty lines).
fn is_blank(bytes: &[u8], ends: &[usize]) -> bool {
    ends.len() <= 1 && bytes.iter().all(|&b| b == b' ' || b == b'\t')
}

/// Matches the projection against the header row.
fn read_header(bytes: &[u8], ends: &[usize], fields: &[String]) -> Header {
    let names: Vec<String> = (0..ends.len())
        // A header name that is not valid UTF-8 cannot equal a mapped field name: it is
        // kept as an empty name.
        .map(|i| {
            std::str::from_utf8(field_bytes(bytes, ends, i))
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .collect();
    let mut lower: Option<Vec<String>> = None;
    let columns = fields
        .iter()
        .map(|f| {
            if let Some(i) = names.iter().position(|n| n == f) {
                return Some(i);
            }
            let lower =
                lower.get_or_insert_with(|| names.iter().map(|n| n.to_ascii_lowercase()).collect());
            let wanted = f.to_ascii_lowercase();
            lower.iter().position(|n| *n == wanted)
        })
        .collect();
    Header {
        width: ends.len(),
        columns,
    }
}
