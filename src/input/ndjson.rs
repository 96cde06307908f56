//! NDJSON: one JSON value per line.
//!
//! A line that lies entirely inside one chunk is parsed in place; only a line split across
//! chunks is copied into the (reused) line buffer.

use super::json::Projection;
use super::RowSink;
use crate::report::RejectReason;

/// Incremental NDJSON parser (the BOM is already stripped by the caller).
pub(super) struct NdjsonParser {
    projection: Projection,
    /// The start of a line whose end has not arrived yet.
    line: Vec<u8>,
    /// Records counted so far (blank lines excluded).
    rows: u64,
}

impl NdjsonParser {
    pub(super) fn new(fields: Vec<String>) -> Self {
        NdjsonParser {
            projection: Projection::new(fields),
            line: Vec::new(),
            rows: 0,
        }
    }

    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    pub(super) fn feed(&mut self, chunk: &[u8], sink: &mut dyn RowSink) {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = rest.split_at(pos);
            if self.line.is_empty() {
                self.line_done(head, sink);
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(head);
                self.line_done(&line, sink);
                line.clear();
                self.line = line;
            }
            rest = tail.get(1..).unwrap_or(&[]);
        }
        self.line.extend_from_slice(rest);
    }

    pub(super) fn finish(&mut self, sink: &mut dyn RowSink) {
        let mut line = std::mem::take(&mut self.line);
        if !line.is_empty() {
            self.line_done(&line, sink);
        }
        line.clear();
        self.line = line;
    }

    /// One complete line, without its `\n`.
    fn line_done(&mut self, line: &[u8], sink: &mut dyn RowSink) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r')) {
            return;
        }
        self.rows += 1;
        let row = self.rows;
        let Ok(text) = std::str::from_utf8(line) else {
            sink.reject(row, RejectReason::InvalidUtf8, None);
            return;
        };
        // `from_str`: the line is valid UTF-8 already, so strings are not checked twice (as
        // JSON documents that are valid UTF-8 are read; tests/bench/README.md: 10 % faster
        // than `from_slice`, 216 against 241 ms, side by side).
        let mut de = serde_json::Deserializer::from_str(text);
        if let Err(e) = self.projection.record(&mut de, row, true, sink) {
            // A lone surrogate escape has no UTF-8 form: the same reason as invalid bytes.
            if super::json_split::has_lone_surrogate(line) {
                sink.reject(row, RejectReason::InvalidUtf8, None);
            } else {
                sink.reject(row, RejectReason::MalformedRow, Some(&e.to_string()));
            }
        }
    }
}
