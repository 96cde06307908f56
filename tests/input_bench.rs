//! Throughput of the input parsers (prints numbers; never asserts on time).
//!
//! Run: `cargo test --release --test input_bench -- --ignored --nocapture`
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::error::Error;
use autopilot_export::input::{Cell, Format, Parser, RowSink};
use autopilot_export::report::RejectReason;
use std::time::Instant;

/// Counts rows and bytes of projected text, so the work cannot be optimised away.
#[derive(Default)]
struct Count {
    rows: u64,
    rejects: u64,
    bytes: usize,
}

impl RowSink for Count {
    fn columns(&mut self, _: &[usize]) -> Result<(), Error> {
        Ok(())
    }
    fn row(&mut self, _: u64, cells: &[Cell<'_>]) {
        self.rows += 1;
        for c in cells {
            if let Cell::Str(s) | Cell::Num(s) = c {
                self.bytes += s.len();
            }
        }
    }
    fn reject(&mut self, _: u64, _: RejectReason, _: Option<&str>) {
        self.rejects += 1;
    }
}

const ROWS: usize = 100_000;

fn csv_input() -> Vec<u8> {
    let mut s =
        String::from("id,email,first_name,last_name,company,city,country,phone,notes,score\n");
    for i in 0..ROWS {
        s.push_str(&format!(
            "{i},user{i}@example.com,First{i},Last{i},\"Company {i}, Inc.\",Springfield,US,+1-555-{:04},\"some notes about customer {i}\",{}\n",
            i % 10_000,
            i % 100
        ));
    }
    s.into_bytes()
}

fn ndjson_input() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..ROWS {
        s.push_str(&format!(
            "{{\"id\":{i},\"email\":\"user{i}@example.com\",\"first_name\":\"First{i}\",\"last_name\":\"Last{i}\",\"company\":\"Company {i}, Inc.\",\"city\":\"Springfield\",\"country\":\"US\",\"phone\":\"+1-555-{:04}\",\"notes\":\"some notes about customer {i}\",\"score\":{}}}\n",
            i % 10_000,
            i % 100
        ));
    }
    s.into_bytes()
}

fn time(name: &str, format: Format, input: &[u8]) {
    let fields: Vec<String> = ["email", "first_name", "last_name", "score"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut best = f64::MAX;
    let mut sink = Count::default();
    for _ in 0..5 {
        sink = Count::default();
        let start = Instant::now();
        let mut parser = Parser::new(format, fields.clone());
        for chunk in input.chunks(64 * 1024) {
            parser.feed(chunk, &mut sink).unwrap();
        }
        parser.finish(&mut sink).unwrap();
        best = best.min(start.elapsed().as_secs_f64());
    }
    assert_eq!(sink.rows, ROWS as u64);
    assert_eq!(sink.rejects, 0);
    println!(
        "{name}: {ROWS} rows, {:.1} MB, best of 5: {:.1} ms ({:.0} MB/s)",
        input.len() as f64 / 1e6,
        best * 1e3,
        input.len() as f64 / 1e6 / best
    );
}

#[test]
#[ignore = "benchmark; run with --release --ignored --nocapture"]
fn input_throughput() {
    time("csv", Format::Csv, &csv_input());
    let nd = ndjson_input();
    time("ndjson", Format::Ndjson, &nd);
    let mut json = b"[".to_vec();
    for (i, line) in nd
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        if i > 0 {
            json.push(b',');
        }
        json.extend_from_slice(line);
    }
    json.push(b']');
    time("json", Format::Json, &json);
}
