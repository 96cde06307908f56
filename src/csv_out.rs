//! Every CSV the project writes (rejected rows, reports for spreadsheets): RFC 4180 text
//! (quoted as `csv-core`'s writer quotes, see [`to_csv`]), CRLF line ends, and cells that a spreadsheet would
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
/// booleans or `null`. Errors: where the document is not that (`rows[2][0]`).
pub fn rows_of(value: &serde_json::Value) -> Result<Vec<Vec<CsvCell>>, String> {
    use serde_json::Value;
    let Value::Array(rows) = value else {
        return Err("rows is not an array".into());
    };
    rows.iter()
        .enumerate()
        .map(|(r, row)| {
            let Value::Array(cells) = row else {
                return Err(format!("rows[{r}] is not an array"));
            };
            cells
                .iter()
                .enumerate()
                .map(|(c, cell)| match cell {
                    Value::String(s) => Ok(CsvCell::Text(s.clone())),
                    Value::Number(n) => Ok(CsvCell::Number(n.as_f64().unwrap_or(f64::NAN))),
                    Value::Bool(b) => Ok(CsvCell::Bool(*b)),
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

/// `rows` as CSV text (a header row is just the first row): a cell holding `,`, `"`, CR or
/// LF is quoted, with its quotes doubled (RFC 4180 §2); a row with no text at all is written
/// as `""`, so that it reads back as one empty cell rather than as a blank line. This is the
/// text `csv-core`'s writer gives with its default (`Necessary`) quoting, which the tests
/// check byte for byte.
///
/// Written here rather than with `csv-core`'s writer: that writer also links `str::parse`
/// for `f64` (for its `NonNumeric` quoting, which this crate never uses), whose 11 KB table
/// of powers of five measured 10.7 KB gzip of wasm.
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

    /// `csv-core`'s writer (default quoting, CRLF), the reference of [`to_csv`].
    fn reference(rows: &[Vec<CsvCell>]) -> String {
        use csv_core::{Terminator, WriteResult, WriterBuilder};
        let mut w = WriterBuilder::new().terminator(Terminator::CRLF).build();
        let mut out = Vec::new();
        let mut buf = vec![0u8; 4096];
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    let (_, n) = w.delimiter(&mut buf);
                    out.extend_from_slice(&buf[..n]);
                }
                let text = cell_text(cell);
                let (res, nin, n) = w.field(text.as_bytes(), &mut buf);
                assert_eq!((res, nin), (WriteResult::InputEmpty, text.len()));
                out.extend_from_slice(&buf[..n]);
            }
            let (_, n) = w.terminator(&mut buf);
            out.extend_from_slice(&buf[..n]);
        }
        let (_, n) = w.finish(&mut buf);
        out.extend_from_slice(&buf[..n]);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_text_as_csv_cores_writer() {
        let pieces = [
            "", "a", ",", "\"", "\r", "\n", "\r\n", " ", "=1", "é", "'", "\t",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut y = x;
            let mut next = |n: u64| {
                let v = y % n;
                y /= n;
                v as usize
            };
            let rows: Vec<Vec<CsvCell>> = (0..next(4))
                .map(|_| {
                    (0..next(4))
                        .map(|_| match next(6) {
                            0 => CsvCell::Empty(()),
                            1 => CsvCell::Number(-1.5),
                            2 => CsvCell::Bool(false),
                            _ => t(&(0..next(4)).map(|_| pieces[next(12)]).collect::<String>()),
                        })
                        .collect()
                })
                .collect();
            assert_eq!(to_csv(&rows), reference(&rows), "{rows:?}");
        }
        // A row with no text at all, alone or among others.
        let rows = vec![
            vec![],
            vec![t("")],
            vec![t(""), t("")],
            vec![CsvCell::Empty(())],
        ];
        assert_eq!(to_csv(&rows), "\"\"\r\n\"\"\r\n,\r\n\"\"\r\n");
        assert_eq!(to_csv(&rows), reference(&rows));
    }
}
