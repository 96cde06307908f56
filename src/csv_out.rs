//! Every CSV the project writes (rejected rows, reports for spreadsheets): RFC 4180 text
//! (quoting by `csv-core`'s writer), CRLF line ends, and cells that a spreadsheet would
//! read as a formula neutralised (OWASP "CSV Injection": a text cell starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, Sheets and LibreOffice
//! show it as text). Numbers and booleans are written as they are (a negative number is
//! not a formula).

use csv_core::{Terminator, WriteResult, WriterBuilder};
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

/// `rows` as CSV text (a header row is just the first row).
///
/// ```js
/// import { toCsv } from 'autopilot-export';
/// const text = toCsv([['segment', 'row', 'id'], ['VIP', 3, '=HYPERLINK("http://x")']]);
/// // 'segment,row,id\r\nVIP,3,"\'=HYPERLINK(""http://x"")"\r\n'
/// ```
pub fn to_csv(rows: &[Vec<CsvCell>]) -> String {
    let mut w = WriterBuilder::new().terminator(Terminator::CRLF).build();
    let mut out: Vec<u8> = Vec::with_capacity(rows.len() * 64);
    let mut buf = vec![0u8; 1024];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                push(&mut out, &mut buf, |b| w.delimiter(b));
            }
            let text = cell_text(cell);
            let mut input = text.as_bytes();
            loop {
                let (res, nin, nout) = w.field(input, &mut buf);
                out.extend_from_slice(buf.get(..nout).unwrap_or(&[]));
                input = input.get(nin..).unwrap_or(&[]);
                if res == WriteResult::InputEmpty {
                    break;
                }
            }
        }
        // The terminator (like a delimiter) also closes a quoted field.
        push(&mut out, &mut buf, |b| w.terminator(b));
    }
    push(&mut out, &mut buf, |b| w.finish(b));
    String::from_utf8(out).unwrap_or_default()
}

/// Runs a writer step that only needs output room, until it is done.
fn push(
    out: &mut Vec<u8>,
    buf: &mut [u8],
    mut step: impl FnMut(&mut [u8]) -> (WriteResult, usize),
) {
    loop {
        let (res, n) = step(buf);
        out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        if res == WriteResult::InputEmpty {
            return;
        }
    }
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
}
