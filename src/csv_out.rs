//! Every CSV the project writes (rejected rows, reports for spreadsheets): RFC 4180 text, CRLF
//! line ends, and cells that a spreadsheet would
//! read as a formula neutralised (OWASP "CSV Injection": a text cell starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, Sheets and LibreOffice
//! show it as text). Numbers and booleans are written as they are (a negative number is
//! not a formula).

use serde::Deserialize;

/// One cell (JS: a string, a number, a boolean or `null`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum CsvCell {
    /// Text: neutralised when it starts like a formula.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// An empty cell (`null` or `undefined`).
    Empty(()),
}

/// The rows of a JSON document (what JS passes to `toCsv`): arrays of strings, numbers,
/// booleans or `null`. Errors: where the document is not that (`rows[2][0]`). Takes the
/// document, so that its strings move into the cells instead of being copied (the whole
/// table is in memory once, not twice).
pub fn rows_of(value: serde_json::Value) -> Result<Vec<Vec<CsvCell>>, String> {
    use serde_json::Value;
    let Value::Array(rows) = value else {
        return Err("rows is not an array".into());
    };
    rows.into_iter()
        .enumerate()
        .map(|(r, row)| {
            let Value::Array(cells) = row else {
                return Err(format!("rows[{r}] is not an array"));
            };
            cells
                .into_iter()
                .enumerate()
                .map(|(c, cell)| match cell {
                    Value::String(s) => Ok(CsvCell::Text(s)),
                    Value::Number(n) => Ok(CsvCell::Number(n.as_f64().unwrap_or(f64::NAN))),
                    Value::Bool(b) => Ok(CsvCell::Bool(b)),
                    Value::Null => Ok(CsvCell::Empty(())),
                    _ => Err(format!("rows[{r}][{c}] is an array or an object")),
                })
                .collect()
        })
        .collect()
}

/// Whether a spreadsheet would read `text` as a formula (OWASP CSV Injection).
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn cell_text(cell: &CsvCell) -> String {
    match cell {
        CsvCell::Text(t) if looks_like_formula(t) => format!("'{t}"),
        CsvCell::Text(t) => t.clone(),
        CsvCell::Number(n) => crate::util::json::number_text(*n),
        CsvCell::Bool(b) => b.to_string(),
        CsvCell::Empty(()) => String::new(),
    }
}

/// `rows` as CSV text (a header row is just the first row): RFC 4180 (§2: a cell holding a
/// comma, a double quote, CR or LF is quoted, and its quotes doubled), CRLF after every row,
/// and a row with no text written as `""` (one empty cell), as `csv-core`'s writer does.
///
/// Written here instead of with `csv-core`'s writer (the crate still reads every CSV): the
/// writer decides its quoting style at run time, and its `NonNumeric` style links
/// `str::parse::<f64>` and with it 11 KB of powers of five (issue 15, tests/bench/README.md);
/// a test compares the two writers' output.
///
/// ```js
/// import { toCsv } from 'autopilot-export';
/// const text = toCsv([['segment', 'row', 'id'], ['VIP', 3, '=HYPERLINK("http://x")']]);
/// // 'segment,row,id\r\nVIP,3,"\'=HYPERLINK(""http://x"")"\r\n'
/// ```
pub fn to_csv(rows: &[Vec<CsvCell>]) -> String {
    let mut out = String::with_capacity(rows.len() * 64);
    for row in rows {
        let start = out.len();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let text = cell_text(cell);
            if text.contains([',', '"', '\r', '\n']) {
                out.push('"');
                out.push_str(&text.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&text);
            }
        }
        if out.len() == start {
            out.push_str("\"\"");
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `csv-core`'s writer writes for the same cells (CRLF, quoting where necessary).
    fn csv_core(rows: &[Vec<CsvCell>]) -> String {
        use csv_core::{Terminator, WriteResult, WriterBuilder};
        let mut w = WriterBuilder::new().terminator(Terminator::CRLF).build();
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        let put = |out: &mut Vec<u8>, (res, n): (WriteResult, usize), buf: &[u8]| {
            assert_eq!(res, WriteResult::InputEmpty);
            out.extend_from_slice(&buf[..n]);
        };
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    let r = w.delimiter(&mut buf);
                    put(&mut out, r, &buf);
                }
                let text = cell_text(cell);
                let (res, nin, nout) = w.field(text.as_bytes(), &mut buf);
                assert_eq!(nin, text.len());
                put(&mut out, (res, nout), &buf);
            }
            let r = w.terminator(&mut buf);
            put(&mut out, r, &buf);
        }
        let r = w.finish(&mut buf);
        put(&mut out, r, &buf);
        String::from_utf8(out).unwrap() // ok: test
    }

    #[test]
    fn the_same_text_as_csv_cores_writer() {
        let mut r = crate::util::test_rng::XorShift(0x9E37_79B9_7F4A_7C15);
        let mut next = |n: u64| r.below(n);
        let pieces = [
            "a", "", ",", "\"", "\r", "\n", "\r\n", "=", "+", "-1", "@", "\t", " ", "é", "x y",
        ];
        for _ in 0..5_000 {
            let rows: Vec<Vec<CsvCell>> = (0..next(4))
                .map(|_| {
                    (0..next(4))
                        .map(|_| match next(6) {
                            0 => CsvCell::Number(next(2000) as f64 / 8.0 - 100.0),
                            1 => CsvCell::Bool(next(2) == 0),
                            2 => CsvCell::Empty(()),
                            _ => CsvCell::Text(
                                (0..next(4))
                                    .map(|_| pieces[next(pieces.len() as u64) as usize])
                                    .collect(),
                            ),
                        })
                        .collect()
                })
                .collect();
            assert_eq!(to_csv(&rows), csv_core(&rows), "{rows:?}");
        }
        assert_eq!(
            to_csv(&[vec![], vec![t("")], vec![t(""), t("")]]),
            "\"\"\r\n\"\"\r\n,\r\n"
        );
    }

    fn t(s: &str) -> CsvCell {
        CsvCell::Text(s.to_string())
    }

    #[test]
    fn formulas_are_neutralised_and_quoting_is_rfc4180() {
        let csv = to_csv(&[
            vec![t("a"), t("b,c"), t("say \"hi\"")],
            vec![
                t("=HYPERLINK(\"http://evil.example\")"),
                t("+1"),
                t("-2"),
                t("@x"),
            ],
            vec![
                t("\tx"),
                t("\rx"),
                CsvCell::Number(-5.0),
                CsvCell::Bool(true),
                CsvCell::Empty(()),
            ],
            vec![t("line\nbreak"), t("ok")],
        ]);
        assert_eq!(
            csv,
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\
             \"'=HYPERLINK(\"\"http://evil.example\"\")\",'+1,'-2,'@x\r\n\
             '\tx,\"'\rx\",-5,true,\r\n\
             \"line\nbreak\",ok\r\n"
        );
    }
}
