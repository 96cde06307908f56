//! Dialect detection: random CSV text with or without a declared delimiter, fed whole and
//! split at fuzzer-chosen points. Never panics; chunked = whole (sink calls, result,
//! dialect); a declared delimiter is reported as declared; and a detected delimiter reads
//! the file exactly as declaring that delimiter would.
//!
//! Input layout: byte 0 = delimiter option (mod 5: none, `,`, `;`, tab, `|`); byte 1 =
//! projection (mod 3); byte 2 = number n of chunk-size bytes (mod 16); the next n bytes =
//! chunk sizes (each + 1, cycled); the rest = the CSV bytes.
#![no_main]

use autopilot_export::input::{Cell, Format, HeaderInfo, Parser, RowSink, SourceOptions};
use autopilot_export::report::RejectReason;
use autopilot_export::Error;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
enum Event {
    Header(Vec<String>, Vec<usize>, Vec<String>),
    Row(u64, Vec<String>),
    Reject(u64, RejectReason, Option<String>),
}

#[derive(Default)]
struct Recorder(Vec<Event>);

impl RowSink for Recorder {
    fn header(&mut self, h: &HeaderInfo<'_>) -> Result<(), Error> {
        self.0.push(Event::Header(
            h.names.to_vec(),
            h.missing.to_vec(),
            h.duplicates.to_vec(),
        ));
        Ok(())
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
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

type Outcome = (Vec<Event>, Result<(), String>, Option<(String, bool)>);

fn run(fields: &[&str], delimiter: Option<&str>, chunks: &[&[u8]]) -> Outcome {
    let options = SourceOptions {
        delimiter: delimiter.map(String::from),
        encoding: None,
    };
    let fields = fields.iter().map(|s| s.to_string()).collect();
    let mut parser =
        Parser::with_options(Format::Csv, fields, &options, "").expect("valid options");
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
    let dialect = parser.dialect().map(|d| (d.delimiter.clone(), d.detected));
    (sink.0, result, dialect)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let delimiter = [None, Some(","), Some(";"), Some("\t"), Some("|")][data[0] as usize % 5];
    let fields: &[&str] = match data[1] % 3 {
        0 => &["email", "name"],
        1 => &["E-Mail", "a;b"],
        _ => &[],
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
    let whole = run(fields, delimiter, &[input]);
    let split = run(fields, delimiter, &chunks);
    assert_eq!(whole, split, "whole and chunked input differ");
    if let Some((shown, detected)) = &whole.2 {
        assert!([",", ";", "\t", "|"].contains(&shown.as_str()));
        match delimiter {
            Some(d) => assert!(!detected && shown == d, "a declared delimiter is used"),
            None => {
                assert!(detected);
                let declared = run(fields, Some(shown), &[input]);
                assert_eq!(
                    whole.0, declared.0,
                    "detection must read like declaring {shown:?}"
                );
                assert_eq!(whole.1, declared.1);
            }
        }
    }
});
