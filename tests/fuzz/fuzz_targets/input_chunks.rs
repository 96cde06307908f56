//! CSV / NDJSON / JSON input: the same bytes fed whole and split at fuzzer-chosen points
//! must produce exactly the same sink calls (columns, rows with their cells, rejects with
//! their reasons) and the same result, never panic, and number records 1, 2, 3, ...
//!
//! Input layout: byte 0 = format (mod 3); byte 1 = number n of chunk-size bytes (mod 16);
//! the next n bytes = chunk sizes (each + 1, cycled; none = one byte per chunk); the rest =
//! the profile bytes.
#![no_main]

use autopilot_export::error::ErrorCode;
use autopilot_export::input::{Cell, Format, Parser, RowSink};
use autopilot_export::report::RejectReason;
use autopilot_export::Error;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Event {
    Columns(Vec<usize>),
    Row(u64, Vec<String>),
    Reject(u64, RejectReason, Option<String>),
}

#[derive(Default)]
struct Recorder {
    events: Vec<Event>,
}

impl RowSink for Recorder {
    fn columns(&mut self, missing: &[usize]) -> Result<(), Error> {
        self.events.push(Event::Columns(missing.to_vec()));
        if missing.contains(&0) {
            // Like the planner: no email column stops the parse.
            return Err(Error::new(ErrorCode::InputInvalid, "no email column"));
        }
        Ok(())
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        self.events.push(Event::Row(
            row,
            cells.iter().map(|c| format!("{c:?}")).collect(),
        ));
    }
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        self.events
            .push(Event::Reject(row, reason, detail.map(str::to_string)));
    }
}

fn fields() -> Vec<String> {
    ["email", "name", "Email", "a b", "__proto__"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn run<'a>(
    format: Format,
    chunks: impl Iterator<Item = &'a [u8]>,
) -> (Vec<Event>, Result<(), String>, u64) {
    let mut parser = Parser::new(format, fields());
    let mut sink = Recorder::default();
    let mut result = Ok(());
    for chunk in chunks {
        if let Err(e) = parser.feed(chunk, &mut sink) {
            result = Err(format!("{:?}: {}", e.code, e.message));
            break;
        }
    }
    if result.is_ok() {
        result = parser
            .finish(&mut sink)
            .map_err(|e| format!("{:?}: {}", e.code, e.message));
    }
    (sink.events, result, parser.rows_seen())
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let format = match data[0] % 4 {
        0 => Format::Csv,
        1 => Format::Ndjson,
        2 => Format::Json,
        _ => Format::JsonRows,
    };
    let n = (data[1] % 16) as usize;
    let rest = &data[2..];
    let (sizes, input) = rest.split_at(n.min(rest.len()));
    let whole = run(format, std::iter::once(input));
    let mut chunks = Vec::new();
    let mut i = 0;
    let mut k = 0;
    while i < input.len() {
        let size = sizes
            .get(k % sizes.len().max(1))
            .map_or(1, |&s| s as usize + 1);
        let end = (i + size).min(input.len());
        chunks.push(&input[i..end]);
        i = end;
        k += 1;
    }
    let split = run(format, chunks.into_iter());
    assert_eq!(
        whole.0, split.0,
        "events differ between whole and chunked input"
    );
    assert_eq!(
        whole.1, split.1,
        "results differ between whole and chunked input"
    );
    assert_eq!(whole.2, split.2, "rows_seen differs");
    // Records are numbered 1, 2, 3, ... and rows_seen is the last number.
    let mut expected = 1;
    for e in &whole.0 {
        match e {
            Event::Row(r, cells) => {
                assert_eq!(*r, expected, "row numbers must be consecutive");
                assert_eq!(cells.len(), fields().len(), "one cell per projected field");
                expected += 1;
            }
            Event::Reject(r, _, _) => {
                assert_eq!(*r, expected, "row numbers must be consecutive");
                expected += 1;
            }
            Event::Columns(_) => {}
        }
    }
    if whole.1.is_ok() {
        assert_eq!(
            whole.2,
            expected - 1,
            "rows_seen must equal the last record number"
        );
    }
});
