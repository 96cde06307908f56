//! Example-based tests of the input parsers: exact sequences of sink calls for CSV, NDJSON
//! and JSON sources, each also checked under one-byte chunking.
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::error::{Error, ErrorCode};
use autopilot_export::input::{Cell, Format, Parser, RowSink};
use autopilot_export::report::RejectReason;

/// An owned copy of a [`Cell`].
#[derive(Debug, Clone, PartialEq)]
enum C {
    Missing,
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Nested,
}

/// One recorded sink call.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Columns(Vec<usize>),
    Row(u64, Vec<C>),
    Reject(u64, RejectReason, Option<String>),
}

#[derive(Default)]
struct Rec {
    calls: Vec<Call>,
    fail_columns: bool,
}

impl RowSink for Rec {
    fn columns(&mut self, missing: &[usize]) -> Result<(), Error> {
        self.calls.push(Call::Columns(missing.to_vec()));
        if self.fail_columns && !missing.is_empty() {
            return Err(Error::new(ErrorCode::InputInvalid, "email column missing"));
        }
        Ok(())
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        let cells = cells
            .iter()
            .map(|c| match *c {
                Cell::Missing => C::Missing,
                Cell::Null => C::Null,
                Cell::Bool(b) => C::Bool(b),
                Cell::Num(n) => C::Num(n.to_string()),
                Cell::Str(s) => C::Str(s.to_string()),
                Cell::Nested => C::Nested,
            })
            .collect();
        self.calls.push(Call::Row(row, cells));
    }
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        self.calls
            .push(Call::Reject(row, reason, detail.map(str::to_string)));
    }
}

fn fields(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Feeds `chunks` then finishes; returns the calls and the first error.
fn run_chunks(format: Format, proj: &[&str], chunks: &[&[u8]]) -> (Vec<Call>, Result<(), Error>) {
    let mut parser = Parser::new(format, fields(proj));
    let mut sink = Rec::default();
    for chunk in chunks {
        if let Err(e) = parser.feed(chunk, &mut sink) {
            return (sink.calls, Err(e));
        }
    }
    let result = parser.finish(&mut sink);
    (sink.calls, result)
}

/// Parses `input` whole and asserts that one-byte chunks give the same calls.
fn run(format: Format, proj: &[&str], input: &[u8]) -> (Vec<Call>, Result<(), Error>) {
    let whole = run_chunks(format, proj, &[input]);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let split = run_chunks(format, proj, &bytes);
    assert_eq!(whole, split, "one-byte chunks differ from one chunk");
    whole
}

/// Like [`run`], expecting success.
fn calls(format: Format, proj: &[&str], input: &[u8]) -> Vec<Call> {
    let (calls, result) = run(format, proj, input);
    assert_eq!(result, Ok(()));
    calls
}

fn s(v: &str) -> C {
    C::Str(v.to_string())
}
fn n(v: &str) -> C {
    C::Num(v.to_string())
}
fn row(i: u64, cells: Vec<C>) -> Call {
    Call::Row(i, cells)
}
fn rej(i: u64, reason: RejectReason) -> Call {
    Call::Reject(i, reason, None)
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_quotes_commas_and_embedded_newlines() {
    let input = b"id,email,name\n\
        1,a@x.io,\"Doe, Jane\"\n\
        2,b@x.io,\"say \"\"hi\"\"\"\n\
        3,\"c@x.io\",\"two\nlines\r\nhere\"\n";
    assert_eq!(
        calls(Format::Csv, &["email", "name", "id"], input),
        vec![
            Call::Columns(vec![]),
            row(1, vec![s("a@x.io"), s("Doe, Jane"), s("1")]),
            row(2, vec![s("b@x.io"), s("say \"hi\""), s("2")]),
            row(3, vec![s("c@x.io"), s("two\nlines\r\nhere"), s("3")]),
        ]
    );
}

#[test]
fn csv_line_endings_lf_crlf_cr_and_no_final_newline() {
    let expected = vec![
        Call::Columns(vec![]),
        row(1, vec![s("a@x.io"), s("")]),
        row(2, vec![s("b@x.io"), s("Bo")]),
    ];
    for input in [
        &b"email,name\na@x.io,\nb@x.io,Bo\n"[..],
        b"email,name\r\na@x.io,\r\nb@x.io,Bo\r\n",
        b"email,name\ra@x.io,\rb@x.io,Bo\r",
        b"email,name\na@x.io,\r\nb@x.io,Bo",
        b"email,name\r\na@x.io,\rb@x.io,Bo\r\n",
    ] {
        assert_eq!(
            calls(Format::Csv, &["email", "name"], input),
            expected,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn csv_bom_is_stripped_whatever_the_split() {
    let input = b"\xEF\xBB\xBFemail,name\nx@y.io,Al\n";
    let expected = vec![Call::Columns(vec![]), row(1, vec![s("x@y.io"), s("Al")])];
    assert_eq!(calls(Format::Csv, &["email", "name"], input), expected);
    for cut in 0..=input.len() {
        let (a, b) = input.split_at(cut);
        let (got, result) = run_chunks(Format::Csv, &["email", "name"], &[a, b]);
        assert_eq!(result, Ok(()));
        assert_eq!(got, expected, "split at {cut}");
    }
    // A partial BOM is data; a second BOM is not stripped (it stays in the first name).
    assert_eq!(
        calls(Format::Csv, &["email"], b"\xEF\xBBemail\nx\n"),
        vec![Call::Columns(vec![0])]
            .into_iter()
            .chain([row(1, vec![C::Missing])])
            .collect::<Vec<_>>()
    );
    assert_eq!(
        calls(
            Format::Csv,
            &["email"],
            b"\xEF\xBB\xBF\xEF\xBB\xBFemail\nx\n"
        ),
        vec![Call::Columns(vec![0]), row(1, vec![C::Missing])]
    );
    // Only a BOM, or a BOM prefix: no rows, no error.
    assert_eq!(calls(Format::Csv, &["email"], b"\xEF\xBB\xBF"), vec![]);
    assert_eq!(
        calls(Format::Csv, &["email"], b"\xEF\xBB"),
        vec![Call::Columns(vec![0])]
    );
}

#[test]
fn csv_missing_column_is_reported_and_missing_in_rows() {
    assert_eq!(
        calls(
            Format::Csv,
            &["email", "phone", "name", "zip"],
            b"name,email\nAl,a@x.io\n"
        ),
        vec![
            Call::Columns(vec![1, 3]),
            row(1, vec![s("a@x.io"), C::Missing, s("Al"), C::Missing]),
        ]
    );
}

#[test]
fn csv_columns_error_stops_the_parse() {
    let mut parser = Parser::new(Format::Csv, fields(&["email"]));
    let mut sink = Rec {
        fail_columns: true,
        ..Rec::default()
    };
    let err = parser.feed(b"name\nAl\nBo\n", &mut sink).unwrap_err();
    assert_eq!(err.code, ErrorCode::InputInvalid);
    assert_eq!(sink.calls, vec![Call::Columns(vec![0])]);
    // The error sticks; no row is ever delivered.
    assert_eq!(parser.feed(b"Cy\n", &mut sink), Err(err.clone()));
    assert_eq!(parser.finish(&mut sink), Err(err));
    assert_eq!(sink.calls, vec![Call::Columns(vec![0])]);
}

#[test]
fn csv_header_is_trimmed_and_matched_case_insensitively_exact_first() {
    assert_eq!(
        calls(
            Format::Csv,
            &["email", "First Name", "Id"],
            b" EMAIL ,first name,id,Ident\nA@x.io,Al,1,2\n"
        ),
        vec![
            Call::Columns(vec![]),
            row(1, vec![s("A@x.io"), s("Al"), s("1")])
        ]
    );
    // Issue 14: a projected name that appears twice, also as a case-insensitive twin, is
    // ambiguous and stops the parse (it was "first match wins" before).
    for header in [
        &b"email,email\n a@x.io ,b@x.io\n"[..],
        b"email,x,Email\na,b,c\n",
    ] {
        let (calls, result) = run(Format::Csv, &["email"], header);
        assert_eq!(calls, vec![]);
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::InputInvalid);
        assert!(err.message.contains("appears 2 times"), "{}", err.message);
    }
    // A duplicate nobody reads is passed on to the sink (the planner warns) and reading goes on.
    assert_eq!(
        calls(Format::Csv, &["email"], b"email,note,Note\na@x.io,1,2\n"),
        vec![Call::Columns(vec![]), row(1, vec![s("a@x.io")])]
    );
    // Issue 14: case folding is Unicode lower case (it was ASCII only).
    assert_eq!(
        calls(Format::Csv, &["Ébène"], b"\xC3\x89B\xC3\x88NE\nx\n"),
        vec![Call::Columns(vec![]), row(1, vec![s("x")])]
    );
    assert_eq!(
        calls(Format::Csv, &["Ébène"], b"\xC3\x89b\xC3\xA8ne\nx\n"),
        vec![Call::Columns(vec![]), row(1, vec![s("x")])]
    );
}

#[test]
fn csv_field_count_mismatch_rejects_that_row_only() {
    // Issue 14: a short row gets empty trailing values (it was MALFORMED_ROW); extra cells
    // are accepted when empty; extra cells with content stay MALFORMED_ROW.
    let input =
        b"email,name,id\na@x.io,Al,1\nb@x.io,Bo\nc@x.io,Cy,3,extra\nd@x.io,Di,4\ne@x.io,Ed,5,, \n";
    assert_eq!(
        calls(Format::Csv, &["email", "id"], input),
        vec![
            Call::Columns(vec![]),
            row(1, vec![s("a@x.io"), s("1")]),
            row(2, vec![s("b@x.io"), s("")]),
            Call::Reject(
                3,
                RejectReason::MalformedRow,
                Some("expected 3 fields, found 4".into())
            ),
            row(4, vec![s("d@x.io"), s("4")]),
            row(5, vec![s("e@x.io"), s("5")]),
        ]
    );
}

#[test]
fn csv_invalid_utf8_row_is_kept_apart_from_good_rows() {
    let input = b"email,note\n\
        a@x.io,ok\n\
        b@x.io,caf\xE9\n\
        \xFF@x.io,fine\n\
        c@x.io,caf\xC3\xA9\n\
        d@x.io\xC3,\xA9\n\
        e@x.io,\xF0\x9F\x98\x80\n";
    assert_eq!(
        calls(Format::Csv, &["email"], input),
        vec![
            Call::Columns(vec![]),
            row(1, vec![s("a@x.io")]),
            // Invalid UTF-8 in a column that is not projected still rejects the row.
            rej(2, RejectReason::InvalidUtf8),
            rej(3, RejectReason::InvalidUtf8),
            row(4, vec![s("c@x.io")]),
            // A character split by a delimiter is invalid in both fields.
            rej(5, RejectReason::InvalidUtf8),
            row(6, vec![s("e@x.io")]),
        ]
    );
    // Invalid UTF-8 in the header is tolerated (names are read lossily).
    assert_eq!(
        calls(Format::Csv, &["email", "x"], b"email,\xFFx\na@x.io,1\n"),
        vec![
            Call::Columns(vec![1]),
            row(1, vec![s("a@x.io"), C::Missing])
        ]
    );
}

#[test]
fn csv_header_only_empty_and_blank_inputs() {
    assert_eq!(calls(Format::Csv, &["email"], b""), vec![]);
    assert_eq!(calls(Format::Csv, &["email"], b"\n\r\n\r"), vec![]);
    assert_eq!(
        calls(Format::Csv, &["email"], b"email"),
        vec![Call::Columns(vec![])]
    );
    assert_eq!(
        calls(Format::Csv, &["email"], b"email\r\n"),
        vec![Call::Columns(vec![])]
    );
    assert_eq!(
        calls(Format::Csv, &["email", "name"], b"email\n\n\n"),
        vec![Call::Columns(vec![1])]
    );
}

#[test]
fn csv_blank_and_whitespace_lines_are_not_records() {
    let input = b"\n  \nemail,name\n\na@x.io,Al\n \t \r\n\r\nb@x.io,Bo\n\n";
    assert_eq!(
        calls(Format::Csv, &["name"], input),
        vec![
            Call::Columns(vec![]),
            row(1, vec![s("Al")]),
            row(2, vec![s("Bo")])
        ]
    );
    // A quoted empty field is a real value in a multi-column file.
    assert_eq!(
        calls(Format::Csv, &["a", "b"], b"a,b\n\"\",\"\"\n"),
        vec![Call::Columns(vec![]), row(1, vec![s(""), s("")])]
    );
}

#[test]
fn csv_unterminated_quote_at_end_of_input_rejects_that_record() {
    // Without the check, the open field would swallow every later line (here: carl) silently.
    let calls_ = calls(
        Format::Csv,
        &["a", "b"],
        b"a,b\nx,ok\nbob,\"Bob\ncarl,Carl\n",
    );
    assert_eq!(calls_.len(), 3, "{calls_:?}");
    assert_eq!(calls_[1], row(1, vec![s("x"), s("ok")]));
    assert!(
        matches!(
            &calls_[2],
            Call::Reject(2, RejectReason::MalformedRow, Some(_))
        ),
        "{calls_:?}"
    );
    // A closed quote with quotes inside is fine at the end of the input.
    assert_eq!(
        calls(Format::Csv, &["a", "b"], b"a,b\n1,\"say \"\"hi\"\"\""),
        vec![Call::Columns(vec![]), row(1, vec![s("1"), s("say \"hi\"")])]
    );
}

#[test]
fn csv_ten_megabyte_field() {
    let big: String = "abcdefghij".repeat(1024 * 1024);
    let mut input = Vec::with_capacity(big.len() + 64);
    input.extend_from_slice(b"id,email,blob\n1,a@x.io,\"");
    input.extend_from_slice(big.as_bytes());
    input.extend_from_slice(b"\"\n2,b@x.io,small\n");
    let expected = vec![
        Call::Columns(vec![]),
        row(1, vec![s("a@x.io"), s(&big)]),
        row(2, vec![s("b@x.io"), s("small")]),
    ];
    for chunk in [input.len(), 65_536, 4_099] {
        let chunks: Vec<&[u8]> = input.chunks(chunk).collect();
        let (got, result) = run_chunks(Format::Csv, &["email", "blob"], &chunks);
        assert_eq!(result, Ok(()));
        assert!(
            got == expected,
            "10 MB field mismatch with chunk size {chunk}"
        );
    }
}

#[test]
fn csv_rows_seen_and_feed_after_finish() {
    let mut parser = Parser::new(Format::Csv, fields(&["email"]));
    let mut sink = Rec::default();
    parser.feed(b"email\na\n\nb", &mut sink).unwrap();
    assert_eq!(parser.rows_seen(), 1);
    parser.finish(&mut sink).unwrap();
    assert_eq!(parser.rows_seen(), 2);
    assert_eq!(parser.format(), Format::Csv);
    assert_eq!(
        parser.feed(b"c\n", &mut sink).unwrap_err().code,
        ErrorCode::Internal
    );
    assert_eq!(parser.finish(&mut sink), Ok(()));
    assert_eq!(sink.calls.len(), 3);
}

#[test]
fn csv_empty_projection_still_counts_rows() {
    assert_eq!(
        calls(Format::Csv, &[], b"a\n1\n2\n"),
        vec![Call::Columns(vec![]), row(1, vec![]), row(2, vec![])]
    );
}

// ---------------------------------------------------------------- NDJSON

#[test]
fn ndjson_values_blank_lines_crlf_and_final_line() {
    let input = b"\xEF\xBB\xBF{\"email\":\"a@x.io\",\"n\":42,\"f\":1.5e3,\"b\":true,\"z\":null,\"o\":{\"k\":[1]},\"a\":[]}\r\n\
        \n   \r\n\t\n\
        {\"email\":\"esc\\u00e9\\\"q\",\"n\":-7,\"f\":0.1}\n\
        {\"other\":1}";
    assert_eq!(
        calls(
            Format::Ndjson,
            &["email", "n", "f", "b", "z", "o", "a"],
            input
        ),
        vec![
            row(
                1,
                vec![
                    s("a@x.io"),
                    n("42"),
                    n("1500.0"),
                    C::Bool(true),
                    C::Null,
                    C::Nested,
                    C::Nested
                ]
            ),
            row(
                2,
                vec![
                    s("esc\u{e9}\"q"),
                    n("-7"),
                    n("0.1"),
                    C::Missing,
                    C::Missing,
                    C::Missing,
                    C::Missing
                ]
            ),
            row(3, vec![C::Missing; 7]),
        ]
    );
}

#[test]
fn ndjson_bad_lines_are_rejected_without_content() {
    let input = b"{\"email\":\"a@x.io\"}\n\
        {\"email\":\"secret@x.io\",\n\
        42\n\
        [1,2]\n\
        \"secret@x.io\"\n\
        null\n\
        {\"email\":\"caf\xE9\"}\n\
        {\"email\":\"b@x.io\"} trailing\n\
        [1,\n\
        {\"email\":\"c@x.io\"}\n";
    let got = calls(Format::Ndjson, &["email"], input);
    assert_eq!(got.len(), 10);
    assert_eq!(got[0], row(1, vec![s("a@x.io")]));
    match &got[1] {
        Call::Reject(2, RejectReason::MalformedRow, Some(detail)) => {
            assert!(detail.contains("line 1 column"), "{detail}");
            assert!(!detail.contains("secret"), "{detail}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(got[2], rej(3, RejectReason::NotAnObject));
    assert_eq!(got[3], rej(4, RejectReason::NotAnObject));
    assert_eq!(got[4], rej(5, RejectReason::NotAnObject));
    assert_eq!(got[5], rej(6, RejectReason::NotAnObject));
    assert_eq!(got[6], rej(7, RejectReason::InvalidUtf8));
    match &got[7] {
        Call::Reject(8, RejectReason::MalformedRow, Some(detail)) => {
            assert!(detail.contains("trailing characters"), "{detail}");
            assert!(!detail.contains("trailing\""), "{detail}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // An invalid array is malformed, not "not an object".
    assert!(matches!(
        &got[8],
        Call::Reject(9, RejectReason::MalformedRow, Some(_))
    ));
    assert_eq!(got[9], row(10, vec![s("c@x.io")]));
}

#[test]
fn ndjson_duplicate_keys_last_wins_and_proto_keys_are_plain() {
    let input = br#"{"email":"first@x.io","__proto__":{"a":1},"constructor":"c","email":"last@x.io","Email":"no"}
{"__proto__":"p","toString":5}
"#;
    assert_eq!(
        calls(
            Format::Ndjson,
            &["email", "__proto__", "constructor", "toString", "email"],
            input
        ),
        vec![
            row(
                1,
                vec![
                    s("last@x.io"),
                    C::Nested,
                    s("c"),
                    C::Missing,
                    s("last@x.io")
                ]
            ),
            row(2, vec![C::Missing, s("p"), C::Missing, n("5"), C::Missing]),
        ]
    );
}

#[test]
fn ndjson_empty_and_blank_inputs() {
    assert_eq!(calls(Format::Ndjson, &["email"], b""), vec![]);
    assert_eq!(
        calls(Format::Ndjson, &["email"], b"\xEF\xBB\xBF\n \r\n\t"),
        vec![]
    );
}

#[test]
fn ndjson_deep_nesting_is_a_malformed_row_not_a_crash() {
    let mut line = "[".repeat(10_000);
    line.push('\n');
    line.push_str("{\"email\":\"a\"}\n");
    let got = calls(Format::Ndjson, &["email"], line.as_bytes());
    assert!(
        matches!(
            &got[0],
            Call::Reject(1, RejectReason::MalformedRow, Some(_))
        ),
        "{got:?}"
    );
    assert_eq!(got[1], row(2, vec![s("a")]));
    let mut obj = "{\"email\":".repeat(5_000);
    obj.push('1');
    let got = calls(Format::Ndjson, &["email"], obj.as_bytes());
    assert!(
        matches!(
            &got[0],
            Call::Reject(1, RejectReason::MalformedRow, Some(_))
        ),
        "{got:?}"
    );
}

#[test]
fn ndjson_big_numbers() {
    let input = b"{\"a\":18446744073709551615,\"b\":-9223372036854775808,\"c\":123456789012345678901234567890,\"d\":1e300}\n";
    assert_eq!(
        calls(Format::Ndjson, &["a", "b", "c", "d"], input),
        vec![row(
            1,
            vec![
                n("18446744073709551615"),
                n("-9223372036854775808"),
                n("1.2345678901234568e+29"),
                n("1e+300")
            ]
        )]
    );
}

/// A JSON number is read as the nearest double, like the CSV path's `str::parse` and JS's
/// `JSON.parse`: serde_json's default reading is one unit in the last place off for some
/// numbers of 16 or more digits (its `float_roundtrip` feature costs 14.6 KB gzip).
#[test]
fn json_and_ndjson_numbers_are_read_as_the_nearest_double() {
    // Read one unit in the last place off by serde_json's default reading.
    let off = [
        "776537718.798649771",
        "795083914.291675857",
        "8509978905653523653e-3",
    ];
    let mut texts: Vec<String> = off.iter().map(|t| t.to_string()).collect();
    // And random decimals of 1 to 19 digits with exponents -40..40 (xorshift, fixed seed).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let digits = (x % 19 + 1) as u32;
        let mantissa = (x >> 3) % 10u64.pow(digits);
        let point = (x >> 50) as u32 % (digits + 1);
        let m = mantissa.to_string();
        let (int, frac) = m.split_at(m.len().saturating_sub(point as usize));
        let int = if int.is_empty() { "0" } else { int };
        let sign = if x & 2 == 0 { "" } else { "-" };
        let exp = (x >> 40) % 80;
        let e = exp as i64 - 40;
        texts.push(match point {
            0 => format!("{sign}{int}e{e}"),
            p => format!("{sign}{int}.{frac:0>p$}e{e}", p = p as usize),
        });
    }
    let nearest = |t: &str| {
        zmij::Buffer::new()
            .format_finite(t.parse::<f64>().unwrap())
            .to_string()
    };
    let ndjson: String = texts.iter().map(|t| format!("{{\"n\":{t}}}\n")).collect();
    let json = format!(
        "[{}]",
        texts
            .iter()
            .map(|t| format!("{{\"n\":{t}}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (format, input) in [(Format::Ndjson, ndjson), (Format::Json, json)] {
        let (got, result) = run_chunks(format, &["n"], &[input.as_bytes()]);
        assert_eq!(result, Ok(()));
        assert_eq!(got.len(), texts.len());
        for (i, (call, t)) in got.iter().zip(&texts).enumerate() {
            assert_eq!(
                call,
                &row(i as u64 + 1, vec![n(&nearest(t))]),
                "{format:?} {t}"
            );
        }
    }
}

// ---------------------------------------------------------------- JSON

#[test]
fn json_array_with_non_objects_proto_keys_and_duplicates() {
    let input = br#"  [
  {"email": "a@x.io", "__proto__": {"polluted": true}, "constructor": "x", "email": "A2@x.io"},
  42, "secret", null, [1, {"email": "nested@x.io"}], true,
  {"name": "No Email", "age": 30.25},
  {}
] "#;
    assert_eq!(
        calls(
            Format::Json,
            &["email", "__proto__", "constructor", "age"],
            input
        ),
        vec![
            row(1, vec![s("A2@x.io"), C::Nested, s("x"), C::Missing]),
            rej(2, RejectReason::NotAnObject),
            rej(3, RejectReason::NotAnObject),
            rej(4, RejectReason::NotAnObject),
            rej(5, RejectReason::NotAnObject),
            rej(6, RejectReason::NotAnObject),
            row(7, vec![C::Missing, C::Missing, C::Missing, n("30.25")]),
            row(8, vec![C::Missing; 4]),
        ]
    );
}

#[test]
fn json_not_an_array_is_input_invalid_without_content() {
    for (input, needle) in [
        (
            &br#"{"email":"secret@x.io"}"#[..],
            "found an object at line 1 column 1",
        ),
        (b"\n  \"secret@x.io\"", "found a string at line 2 column 3"),
        (b"42", "found a number"),
        (b"null", "found null"),
        (b"true", "found a boolean"),
        (b"secret", "not valid JSON"),
    ] {
        let (got, result) = run(Format::Json, &["email"], input);
        assert_eq!(got, vec![]);
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::InputInvalid);
        assert!(err.message.contains(needle), "{}", err.message);
        assert!(!err.message.contains("secret"), "{}", err.message);
    }
}

#[test]
fn json_invalid_document_is_refused_whole() {
    for input in [
        &br#"[{"email":"a@x.io"}, {"email":"secret@x.io",}]"#[..],
        br#"[{"email":"a@x.io"}"#,
        br#"[{"email":"a@x.io"}] [{"email":"secret@x.io"}]"#,
        // Bytes that are not UTF-8 do not make a broken document readable.
        b"[{\"email\":\"caf\xE9\"},{\"email\":\"secret@x.io\",}]",
    ] {
        let (got, result) = run(Format::Json, &["email"], input);
        assert_eq!(got, vec![], "no row from a refused document");
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::InputInvalid);
        assert!(err.message.contains("line 1 column"), "{}", err.message);
        assert!(!err.message.contains("secret"), "{}", err.message);
    }
    // A number beyond the doubles in a mapped value refuses the document; in a field that
    // is not mapped it is never looked at. Found when its record is read: the records before
    // it have been passed on (the run then fails as a whole).
    let far = b"[{\"email\":\"a@x.io\"},{\"email\":\"b@x.io\",\"tags\":1e400}]";
    let (got, result) = run(Format::Json, &["email", "tags"], far);
    assert_eq!(got, vec![row(1, vec![s("a@x.io"), C::Missing])]);
    assert_eq!(result.unwrap_err().code, ErrorCode::InputInvalid);
    assert_eq!(
        calls(Format::Json, &["email"], far),
        vec![row(1, vec![s("a@x.io")]), row(2, vec![s("b@x.io")])]
    );
}

/// A record holding bytes that are not UTF-8 (RFC 8259 §8.1), in any value or key, mapped or
/// not, nested or not, is rejected `INVALID_UTF8` and the rest of the document read, as a CSV
/// row or an NDJSON line is; with a lone surrogate escape in another record, in the host's
/// record document too. A syntax error is still found in the whole document first, at the
/// position serde_json gives (line, and column in bytes, counting each invalid byte once).
#[test]
fn json_records_with_bytes_not_utf8_are_rejected_and_the_rest_read() {
    let doc = b"[{\"email\":\"a@x.io\"},{\"email\":\"caf\xE9@x.io\"},\n\
        {\"email\":\"b@x.io\",\"tags\":[\"\xFF\xFE\"]},{\"email\":\"c@x.io\",\"n\xC3\":1},\n\
        {\"email\":\"d@x.io\",\"tags\":\"x\\ud83d\"},{\"email\":\"e@x.io\",\"tags\":[\"\xC3\xA9\"]}]";
    let want = |tags: bool| {
        let cells = |email: &str, t: C| {
            if tags {
                vec![s(email), t]
            } else {
                vec![s(email)]
            }
        };
        vec![
            row(1, cells("a@x.io", C::Missing)),
            rej(2, RejectReason::InvalidUtf8),
            rej(3, RejectReason::InvalidUtf8),
            rej(4, RejectReason::InvalidUtf8),
            if tags {
                rej(5, RejectReason::InvalidUtf8)
            } else {
                row(5, cells("d@x.io", C::Missing))
            },
            row(6, cells("e@x.io", C::Nested)),
        ]
    };
    assert_eq!(calls(Format::Json, &["email", "tags"], doc), want(true));
    assert_eq!(calls(Format::Json, &["email"], doc), want(false));

    let rows =
        b"[[\"a@x.io\"],[\"caf\xE9@x.io\"],[\"b@x.io\",\"x\\udc00\"],[\"c@x.io\",\"\xC3\xA9\"]]";
    let mut parser = Parser::new(Format::JsonRows, fields(&["email", "tags"]));
    let mut sink = Rec::default();
    assert_eq!(parser.feed_document(rows, &mut sink), Ok(()));
    assert_eq!(
        sink.calls,
        vec![
            row(1, vec![s("a@x.io"), C::Missing]),
            rej(2, RejectReason::InvalidUtf8),
            rej(3, RejectReason::InvalidUtf8),
            row(4, vec![s("c@x.io"), s("\u{e9}")]),
        ]
    );

    // The syntax error after two invalid bytes on the first line: column 18 is the `x`.
    let broken = b"[{\"email\":\"a\xE9\xE9\"} x]";
    assert_eq!(broken.iter().position(|&b| b == b'x'), Some(17));
    let (got, result) = run(Format::Json, &["email"], broken);
    assert_eq!(got, vec![]);
    let err = result.unwrap_err();
    assert_eq!(err.code, ErrorCode::InputInvalid);
    assert!(err.message.ends_with("line 1 column 18"), "{}", err.message);
    // Not an array at all.
    let (got, result) = run(Format::Json, &["email"], b"{\"email\":\"\xE9\"}");
    assert_eq!(got, vec![]);
    assert_eq!(result.unwrap_err().code, ErrorCode::InputInvalid);
}

#[test]
fn json_empty_bom_and_whitespace() {
    assert_eq!(calls(Format::Json, &["email"], b""), vec![]);
    assert_eq!(calls(Format::Json, &["email"], b" \r\n\t"), vec![]);
    assert_eq!(calls(Format::Json, &["email"], b"\xEF\xBB\xBF"), vec![]);
    assert_eq!(calls(Format::Json, &["email"], b"[]"), vec![]);
    assert_eq!(
        calls(Format::Json, &["email"], b"\xEF\xBB\xBF[{\"email\":\"a\"}]"),
        vec![row(1, vec![s("a")])]
    );
}

#[test]
fn json_error_sticks_after_finish() {
    let mut parser = Parser::new(Format::Json, fields(&["email"]));
    let mut sink = Rec::default();
    parser.feed(b"{}", &mut sink).unwrap();
    let err = parser.finish(&mut sink).unwrap_err();
    assert_eq!(err.code, ErrorCode::InputInvalid);
    assert_eq!(parser.finish(&mut sink), Err(err));
}

#[test]
fn parser_debug_shows_no_buffered_input() {
    for format in [Format::Csv, Format::Ndjson, Format::Json] {
        let mut parser = Parser::new(format, fields(&["email"]));
        let mut sink = Rec::default();
        parser
            .feed(b"email\n{\"email\":\"secret@x.io", &mut sink)
            .unwrap();
        let debug = format!("{parser:?}");
        assert!(debug.contains("Parser"), "{debug}");
        assert!(!debug.contains("secret"), "{debug}");
    }
}

#[test]
fn json_rows_are_positional_records() {
    let got = calls(
        Format::JsonRows,
        &["email", "first", "n"],
        br#"[["a@x.io","Al",3],0,["b@x.io",null],[null,{"x":1},[1],"extra"],"s"]"#,
    );
    assert_eq!(
        got,
        vec![
            row(1, vec![s("a@x.io"), s("Al"), C::Num("3".into())]),
            Call::Reject(2, RejectReason::NotAnObject, None),
            row(3, vec![s("b@x.io"), C::Null, C::Missing]),
            row(4, vec![C::Null, C::Nested, C::Nested]),
            Call::Reject(5, RejectReason::NotAnObject, None),
        ]
    );
}

/// A record holding a lone surrogate escape (what `JSON.stringify` writes for a JS string
/// that is not well-formed UTF-16) is rejected `INVALID_UTF8`, and the records after it are
/// still read: in a JSON file, in the host's record document (`feed_document`, positional)
/// and on an NDJSON line. A surrogate pair and an escaped backslash are ordinary text.
#[test]
fn lone_surrogates_reject_their_record_and_the_rest_is_read() {
    let want = vec![
        rej(1, RejectReason::InvalidUtf8),
        row(2, vec![s("c@d.co"), C::Missing]),
        rej(3, RejectReason::InvalidUtf8),
        row(4, vec![s("g@h.co"), s("ok \u{1F600} \\ud83d")]),
    ];
    let json = br#"[{"email":"a@b.co","fn":"x\ud83d"}, {"email":"c@d.co"}, {"email":"e@f.co","fn":"\udc00"}, {"email":"g@h.co","fn":"ok \ud83d\ude00 \\ud83d"}]"#;
    assert_eq!(calls(Format::Json, &["email", "fn"], json), want);

    let rows = br#"[["a@b.co","x\ud83d"],["c@d.co"],["e@f.co","\udc00"],["g@h.co","ok \ud83d\ude00 \\ud83d"]]"#;
    let mut parser = Parser::new(Format::JsonRows, fields(&["email", "fn"]));
    let mut sink = Rec::default();
    assert_eq!(parser.feed_document(rows, &mut sink), Ok(()));
    assert_eq!(sink.calls, want);
    assert_eq!(parser.rows_seen(), 4);

    let ndjson = "{\"email\":\"a@b.co\",\"fn\":\"x\\ud83d\"}\n{\"email\":\"c@d.co\"}\n{\"email\":\"e@f.co\",\"fn\":\"\\udc00\"}\n{\"email\":\"g@h.co\",\"fn\":\"ok \\ud83d\\ude00 \\\\ud83d\"}\n";
    assert_eq!(
        calls(Format::Ndjson, &["email", "fn"], ndjson.as_bytes()),
        want
    );

    // Anything else that breaks a document still refuses it, also in the record that holds
    // the lone surrogate escape (a document that is not JSON produces no rows), and so does
    // a lone surrogate escape in a key, which is read whether mapped or not.
    for (doc, rows) in [
        (&br#"[{"email":"a@b.co"}, {"email": tru}]"#[..], 0),
        (br#"[{"email":"a@b.co","fn":"\ud800","b":01}]"#, 0),
        (br#"[{"email":"a@b.co"}, {"\ud800":1,"b":01}]"#, 0),
        (br#"[{"email":"a@b.co"}, {"\ud800":1}]"#, 2),
    ] {
        let (got, result) = run(Format::Json, &["email", "fn"], doc);
        let text = String::from_utf8_lossy(doc);
        if rows == 0 {
            assert_eq!(got, vec![], "{text}");
            assert_eq!(
                result.map_err(|e| e.code),
                Err(ErrorCode::InputInvalid),
                "{text}"
            );
        } else {
            assert_eq!(got.len(), rows, "{text}");
            assert_eq!(
                got.last(),
                Some(&rej(2, RejectReason::InvalidUtf8)),
                "{text}"
            );
        }
    }
}
