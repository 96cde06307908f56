//! The options of a byte source (`delimiter`, `encoding`), their validation, the detected
//! [`Dialect`] of a CSV file, and delimiter detection from the header line.
//!
//! Detection (when no `delimiter` is given): the header line is split with each candidate
//! (`,` `;` tab `|`, quotes respected, as the parser would); the candidate whose split
//! contains the preferred column (the email field) wins, and among those, or when none has
//! it, the one that yields the most columns (trailing empty names not counted). Ties go to
//! the earlier candidate, so a one-column header is read with `,`.

use super::decode::{Encoding, LabelError};
use super::Format;
use crate::error::{AddIssue, Error, ErrorCode, Issue, IssueCode};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};
use serde::{Deserialize, Serialize};

/// The delimiters accepted by the `delimiter` option and tried by detection, in tie order.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Options of a byte source, next to its bytes (JS `{ csv, delimiter?, encoding? }`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct SourceOptions {
    /// CSV only: `,` `;` `\t` (a tab character) or `|`; detected from the header when absent.
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "\",\" | \";\" | \"\\t\" | \"|\"")
    )]
    pub delimiter: Option<String>,
    /// A WHATWG Encoding Standard label (`utf-8`, `utf-16le`, `utf-16be`, `windows-1252`,
    /// `iso-8859-1`, ...). A byte order mark still wins (WHATWG "decode"). Absent: UTF-8, or
    /// UTF-16 when the bytes start with a UTF-16 BOM.
    #[serde(default)]
    pub encoding: Option<String>,
}

/// Options checked and resolved.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Resolved {
    pub(super) delimiter: Option<u8>,
    pub(super) encoding: Option<Encoding>,
}

impl SourceOptions {
    /// Every problem of these options for a source of `format`; paths start with `prefix`
    /// (e.g. `segments[0].profiles.`). Codes: `DELIMITER_INVALID`, `DELIMITER_NOT_CSV`,
    /// `ENCODING_UNKNOWN`, `ENCODING_UNSUPPORTED`.
    pub fn validate(&self, format: Format, prefix: &str) -> Vec<Issue> {
        let mut issues = Vec::new();
        self.resolve(format, prefix, &mut issues);
        issues
    }

    /// The resolved options, or `CONFIG_INVALID` with every issue.
    pub(super) fn check(&self, format: Format, prefix: &str) -> Result<Resolved, Error> {
        let mut issues = Vec::new();
        let resolved = self.resolve(format, prefix, &mut issues);
        if issues.is_empty() {
            Ok(resolved)
        } else {
            Err(Error::from_issues(issues))
        }
    }

    /// For a source given as text (a JS string: already decoded): `INPUT_INVALID` when these
    /// options declare an encoding other than UTF-8, which cannot apply to text (applied to
    /// the text's UTF-8 bytes it would turn `Zoë` into `ZoÃ«` without a trace). Unknown or
    /// unsupported labels are left to [`SourceOptions::validate`].
    pub fn check_text(&self) -> Result<(), Error> {
        match self.encoding.as_deref().map(Encoding::for_label) {
            Some(Ok(e)) if e != Encoding::UTF_8 => Err(Error::new(
                ErrorCode::InputInvalid,
                format!(
                    "the profiles are a string, text that is already decoded, so the encoding '{}' cannot apply: pass the file's bytes (a Uint8Array) with it, or the string without it",
                    e.name()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn resolve(&self, format: Format, prefix: &str, issues: &mut Vec<Issue>) -> Resolved {
        let mut resolved = Resolved::default();
        if let Some(d) = &self.delimiter {
            let path = format!("{prefix}delimiter");
            if format != Format::Csv {
                issues.add(
                    path,
                    IssueCode::DelimiterNotCsv,
                    "a delimiter applies to CSV sources only",
                );
            } else {
                match d.as_bytes() {
                    [b] if DELIMITERS.contains(b) => resolved.delimiter = Some(*b),
                    _ => issues.add(
                        path,
                        IssueCode::DelimiterInvalid,
                        "the delimiter must be one of ',', ';', '\\t' (a tab character) or '|'",
                    ),
                }
            }
        }
        if let Some(label) = &self.encoding {
            let path = format!("{prefix}encoding");
            match Encoding::for_label(label) {
                Ok(e) => resolved.encoding = Some(e),
                Err(LabelError::Unknown) => issues.add(
                    path,
                    IssueCode::EncodingUnknown,
                    "not an encoding label of the WHATWG Encoding Standard: use for example 'utf-8', 'windows-1252', 'iso-8859-1', 'iso-8859-15', 'utf-16le' or 'utf-16be'",
                ),
                Err(LabelError::Unsupported(name)) => issues.add(
                    path,
                    IssueCode::EncodingUnsupported,
                    format!("the multi-byte encoding '{name}' is not decoded by this library: save the file as UTF-8 (\"CSV UTF-8\" in Excel)"),
                ),
            }
        }
        resolved
    }
}

/// How a CSV source was read (JS `{ delimiter: ";", encoding: "utf-8", bom: false }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Dialect {
    /// The field delimiter: `,` `;` `\t` or `|`.
    pub delimiter: String,
    /// Whether the delimiter was detected (`false`: given by the `delimiter` option).
    pub detected: bool,
    /// The lower-case WHATWG name of the encoding (`utf-8`, `utf-16le`, `windows-1252`, ...).
    pub encoding: String,
    /// Whether the bytes started with a byte order mark (removed).
    pub bom: bool,
}

/// Splits one CSV line with `delimiter` as the parser would: names trimmed, invalid UTF-8
/// read as U+FFFD. `None` entries are names that are not valid UTF-8.
///
/// With csv-core's `read_record`, which the parser uses, not its `read_field` (a second
/// reader in the module: 0.6 KB gzip; tests/bench/README.md, issue 15).
pub(super) fn split_line(line: &[u8], delimiter: u8) -> Vec<Option<String>> {
    let mut reader = reader(delimiter);
    // A field's text is never longer than its bytes, and a line has at most one field more
    // than bytes: one call fills these (they grow otherwise).
    let mut out = vec![0u8; line.len()];
    let mut ends = vec![0usize; line.len() + 1];
    let (mut input, mut nout, mut nends) = (line, 0, 0);
    loop {
        let (res, nin, o, e) = reader.read_record(
            input,
            out.get_mut(nout..).unwrap_or_default(),
            ends.get_mut(nends..).unwrap_or_default(),
        );
        input = input.get(nin..).unwrap_or_default();
        nout += o;
        nends += e;
        match res {
            // Called again: with no input left, the reader ends the record.
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => out.resize(out.len() * 2 + 1, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2 + 1, 0),
            ReadRecordResult::Record | ReadRecordResult::End => break,
        }
    }
    let mut start = 0;
    ends.get(..nends)
        .unwrap_or_default()
        .iter()
        .map(|&end| {
            let name = name_of(out.get(start..end).unwrap_or_default());
            start = end;
            name
        })
        .collect()
}

fn name_of(bytes: &[u8]) -> Option<String> {
    std::str::from_utf8(bytes)
        .ok()
        .map(|s| s.trim().to_string())
}

/// A csv-core reader for `delimiter` that never strips a BOM itself (the decoder does).
pub(super) fn reader(delimiter: u8) -> Reader {
    let mut reader = ReaderBuilder::new().delimiter(delimiter).build();
    // csv-core strips a BOM only when its first call sees all three bytes; a first call with
    // an empty output buffer consumes nothing and turns that off, so a BOM-like start of the
    // decoded text is data whatever the chunking.
    let _ = reader.read_record(b"x", &mut [], &mut []);
    reader
}

/// The number of header columns: trailing empty names are not columns.
pub(super) fn width(names: &[Option<String>]) -> usize {
    names
        .iter()
        .rposition(|n| n.as_deref() != Some(""))
        .map_or(0, |i| i + 1)
}

/// Chooses the delimiter of a header line (see the module documentation).
pub(super) fn detect(line: &[u8], prefer: Option<&str>) -> u8 {
    let mut best: Option<((bool, usize), u8)> = None;
    for d in DELIMITERS {
        let names = split_line(line, d);
        let width = width(&names);
        let has = prefer.is_some_and(|p| {
            names
                .get(..width)
                .unwrap_or(&[])
                .iter()
                .flatten()
                .any(|n| super::header::same_name(n, p))
        });
        let score = (has, width);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, d));
        }
    }
    best.map_or(b',', |(_, d)| d)
}

/// The delimiter as the text `Dialect` shows.
pub(super) fn delimiter_text(d: u8) -> String {
    char::from(d).to_string()
}

// The core's reader (crate::read); the keys are serde's (a test checks them).
crate::read::readable_struct!(SourceOptions {
    delimiter: "delimiter",
    encoding: "encoding",
});

// The core's writer (crate::write); the keys are serde's.
crate::write::writable_struct!(Dialect {
    delimiter: "delimiter",
    detected: "detected",
    encoding: "encoding",
    bom: "bom",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// `split_line` as first written, with csv-core's `read_field`: the reference.
    #[cfg(not(target_arch = "wasm32"))]
    fn split_line_by_fields(line: &[u8], delimiter: u8) -> Vec<Option<String>> {
        let mut reader = reader(delimiter);
        let mut names = Vec::new();
        let mut field = Vec::new();
        let mut buf = [0u8; 1024];
        let mut input = line;
        loop {
            let (res, nin, nout) = reader.read_field(input, &mut buf);
            input = input.get(nin..).unwrap_or(&[]);
            field.extend_from_slice(buf.get(..nout).unwrap_or(&[]));
            match res {
                csv_core::ReadFieldResult::InputEmpty if !input.is_empty() => {}
                csv_core::ReadFieldResult::InputEmpty => {
                    // End of the line: one more call with no input ends the last field.
                    let (res, _, nout) = reader.read_field(&[], &mut buf);
                    field.extend_from_slice(buf.get(..nout).unwrap_or(&[]));
                    if matches!(res, csv_core::ReadFieldResult::Field { .. }) {
                        names.push(name_of(&field));
                    }
                    return names;
                }
                csv_core::ReadFieldResult::OutputFull => {}
                csv_core::ReadFieldResult::Field { record_end } => {
                    names.push(name_of(&field));
                    field.clear();
                    if record_end {
                        return names;
                    }
                }
                csv_core::ReadFieldResult::End => return names,
            }
        }
    }

    /// A field longer than the reference's 1 KB buffer, and a line of only delimiters.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn long_fields_and_empty_ones() {
        let long = format!("\"{}\"\"\",b", "x ".repeat(3_000));
        for line in [long.as_str(), ",,,,", "", "\"", "a\rb"] {
            let names = split_line(line.as_bytes(), b',');
            assert_eq!(
                names,
                split_line_by_fields(line.as_bytes(), b','),
                "{line:.40}"
            );
        }
        assert_eq!(split_line(long.as_bytes(), b',').len(), 2);
    }

    // proptest is a host-only dev-dependency (Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Lines from the characters that matter (delimiters, quotes, line ends, spaces,
        /// bytes that are not UTF-8): the same names as the reading field by field.
        #[test]
        fn lines_split_as_field_by_field(
            line in proptest::collection::vec(proptest::sample::select(&b"a,;|\t\" \r\n\xE9\xC3\xA9"[..]), 0..40),
            d in proptest::sample::select(&DELIMITERS[..]),
        ) {
            proptest::prop_assert_eq!(split_line(&line, d), split_line_by_fields(&line, d));
        }
    }

    #[test]
    fn detection_prefers_the_email_column_then_the_most_columns() {
        assert_eq!(detect(b"email;first_name;last_name", Some("email")), b';');
        assert_eq!(detect(b"email\tfirst\tlast", Some("email")), b'\t');
        assert_eq!(detect(b"email|first|last", Some("email")), b'|');
        assert_eq!(detect(b"email,first,last", Some("email")), b',');
        // Quotes respected: the semicolon is inside a quoted name.
        assert_eq!(detect(b"email,\"last; first\"", Some("email")), b',');
        // "a;b" splits into more columns with ';' but only ',' yields the email column.
        assert_eq!(detect(b"E-Mail,x;y;z", Some("e-mail")), b',');
        assert_eq!(detect(b"only", Some("email")), b',');
        assert_eq!(detect(b"a;b;c,d", None), b';');
        assert_eq!(detect(b"email,first,", Some("email")), b',');
    }

    #[test]
    fn split_and_width() {
        let names = split_line(b" email ,\"first, name\",,", b',');
        assert_eq!(
            names,
            vec![
                Some("email".to_string()),
                Some("first, name".to_string()),
                Some(String::new()),
                Some(String::new())
            ]
        );
        assert_eq!(width(&names), 2);
        assert_eq!(
            split_line(b"a,\xFF", b','),
            vec![Some("a".to_string()), None]
        );
    }

    #[test]
    fn options_are_validated_with_paths_and_codes() {
        let o = SourceOptions {
            delimiter: Some("::".into()),
            encoding: Some("klingon".into()),
        };
        let codes: Vec<_> = o
            .validate(Format::Csv, "segments[0].profiles.")
            .into_iter()
            .map(|i| (i.path, i.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (
                    "segments[0].profiles.delimiter".to_string(),
                    "DELIMITER_INVALID"
                ),
                (
                    "segments[0].profiles.encoding".to_string(),
                    "ENCODING_UNKNOWN"
                ),
            ]
        );
        let o = SourceOptions {
            delimiter: Some(";".into()),
            encoding: Some("shift_jis".into()),
        };
        let codes: Vec<_> = o
            .validate(Format::Ndjson, "")
            .into_iter()
            .map(|i| i.code)
            .collect();
        assert_eq!(
            codes,
            vec![IssueCode::DelimiterNotCsv, IssueCode::EncodingUnsupported]
        );
        let ok = SourceOptions {
            delimiter: Some("\t".into()),
            encoding: Some("ISO-8859-1".into()),
        };
        assert!(ok.validate(Format::Csv, "").is_empty());
    }
}
