//! Decoding: random bytes with a random `encoding` option (none, UTF-8, UTF-16LE/BE, single-
//! byte encodings, unknown and unsupported labels) in any byte format, fed whole and split at
//! fuzzer-chosen points: never panics, and chunked = whole for the sink calls, the result,
//! the encoding and BOM reported, the CSV dialect, and the inspector's whole report.
//!
//! Input layout: byte 0 = encoding option (index into `LABELS`, mod its length); byte 1 =
//! format (mod 3); byte 2 = number n of chunk-size bytes (mod 16); the next n bytes = chunk
//! sizes (each + 1, cycled; none = one byte per chunk); the rest = the source bytes.
#![no_main]

use autopilot_export::input::{Cell, Format, Inspector, Parser, RowSink, SourceOptions};
use autopilot_export::report::RejectReason;
use libfuzzer_sys::fuzz_target;

const LABELS: [Option<&str>; 14] = [
    None,
    Some("utf-8"),
    Some("utf-16le"),
    Some("UTF-16BE"),
    Some("windows-1252"),
    Some("latin1"),
    Some("koi8-u"),
    Some("x-mac-cyrillic"),
    Some("iso-8859-8-i"),
    Some("x-user-defined"),
    Some("ibm866"),
    Some(" windows-1251 "),
    Some("shift_jis"),
    Some("no-such-encoding"),
];

#[derive(Debug, PartialEq)]
enum Event {
    Header(Vec<String>, Vec<usize>, Vec<String>, String),
    Row(u64, Vec<String>),
    Reject(u64, RejectReason, Option<String>),
}

#[derive(Default)]
struct Recorder(Vec<Event>);

impl RowSink for Recorder {
    fn header(
        &mut self,
        h: &autopilot_export::input::HeaderInfo<'_>,
    ) -> Result<(), autopilot_export::Error> {
        self.0.push(Event::Header(
            h.names.to_vec(),
            h.missing.to_vec(),
            h.duplicates.to_vec(),
            format!("{:?}", h.dialect),
        ));
        Ok(())
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        // Decoded text is always valid UTF-8 here (it is a &str); keep it.
        self.0.push(Event::Row(
            row,
            cells.iter().map(|c| format!("{c:?}")).collect(),
        ));
    }
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        self.0
            .push(Event::Reject(row, reason, detail.map(str::to_string)));
    }
}

fn fields() -> Vec<String> {
    ["email", "name", "é"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

type Outcome = (Vec<Event>, Result<(), String>, String, String);

fn run<'a>(format: Format, options: &SourceOptions, chunks: &[&'a [u8]]) -> Option<Outcome> {
    let mut parser = Parser::with_options(format, fields(), options, "").ok()?;
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
    let (encoding, bom) = parser.encoding();
    Some((
        sink.0,
        result,
        format!("{}:{bom}", encoding.name()),
        format!("{:?}", parser.dialect()),
    ))
}

fn inspect(format: Format, options: &SourceOptions, chunks: &[&[u8]]) -> Option<String> {
    let mut inspector = Inspector::new(format, options).ok()?;
    for chunk in chunks {
        inspector.feed(chunk);
    }
    Some(format!("{:?}", inspector.finish()))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let options = SourceOptions {
        delimiter: None,
        encoding: LABELS[data[0] as usize % LABELS.len()].map(String::from),
    };
    let format = match data[1] % 3 {
        0 => Format::Csv,
        1 => Format::Ndjson,
        _ => Format::Json,
    };
    let n = (data[2] % 16) as usize;
    let rest = &data[3..];
    let (sizes, input) = rest.split_at(n.min(rest.len()));
    let mut chunks = Vec::new();
    let (mut i, mut k) = (0, 0);
    while i < input.len() {
        let size = sizes
            .get(k % sizes.len().max(1))
            .map_or(1, |&s| s as usize + 1);
        let end = (i + size).min(input.len());
        chunks.push(&input[i..end]);
        i = end;
        k += 1;
    }
    let whole = run(format, &options, &[input]);
    let split = run(format, &options, &chunks);
    assert_eq!(whole.is_some(), split.is_some());
    if let (Some(whole), Some(split)) = (whole, split) {
        assert_eq!(
            whole.0, split.0,
            "events differ between whole and chunked input"
        );
        assert_eq!(whole.1, split.1, "results differ");
        assert_eq!(whole.2, split.2, "encoding or BOM differs");
        assert_eq!(whole.3, split.3, "dialect differs");
    }
    assert_eq!(
        inspect(format, &options, &[input]),
        inspect(format, &options, &chunks),
        "inspection differs between whole and chunked input"
    );
});
