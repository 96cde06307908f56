//! The CSV header row: column names, matching projected fields to columns, duplicate names,
//! and the message shown when a needed column is missing.
//!
//! Names are trimmed. Trailing empty names (a header ending with a separator) are not
//! columns. A projected field matches the column with exactly its name, or else the column
//! whose name is equal in Unicode lower case (`util::text::to_lower`: `Straße` = `STRASSE` is
//! not matched, `ÉMAIL` = `émail` is). Two columns whose names are equal in lower case are
//! duplicates: reading one of them is ambiguous, so a projected field that names a
//! duplicated column stops the parse (`INPUT_INVALID`); duplicates nobody reads are only
//! reported.

use super::decode::Binary;
use super::dialect::Dialect;

/// Whether two names match: equal, or equal in Unicode lower case (the CSV header rule, also
/// used by the configuration to refuse an id field that names the email column).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a == b || crate::util::text::to_lower(a) == crate::util::text::to_lower(b)
}

/// What the header row told the parser, passed to [`super::RowSink::header`].
#[derive(Debug, Clone, Copy)]
pub struct HeaderInfo<'a> {
    /// Column names as found (trimmed; bytes that are not valid UTF-8 shown as U+FFFD);
    /// trailing empty names left out.
    pub names: &'a [String],
    /// Indexes (into the projection) of the projected fields the header does not have.
    pub missing: &'a [usize],
    /// Names (as first found) that appear more than once, ignoring case, and that no
    /// projected field reads.
    pub duplicates: &'a [String],
    /// How the file was read.
    pub dialect: &'a Dialect,
    /// The kind of binary file the bytes look like, if any (by the signature of the first
    /// bytes, or NUL characters in the header).
    pub binary: Option<Binary>,
}

/// The header, matched against the projection.
#[derive(Debug, Default)]
pub(super) struct Header {
    /// Number of columns (trailing empty names excluded).
    pub(super) width: usize,
    /// For each projected field, its column.
    pub(super) columns: Vec<Option<usize>>,
    /// Display names of the columns.
    pub(super) names: Vec<String>,
    /// Unread duplicated names.
    pub(super) duplicates: Vec<String>,
    /// Projection indexes of fields without a column.
    pub(super) missing: Vec<usize>,
}

/// Matches `fields` against the header names (`names[i]` is `None` when column `i` is not
/// valid UTF-8; `display[i]` is its lossy text). With `all_columns`, every column is
/// projected (the inspector). Errors with the message for a projected duplicated column.
pub(super) fn match_header(
    names: &[Option<String>],
    display: Vec<String>,
    fields: &[String],
    all_columns: bool,
) -> Result<Header, String> {
    let width = super::dialect::width(names);
    let names = names.get(..width).unwrap_or(names);
    let mut display = display;
    display.truncate(width);
    let folded: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            n.as_deref()
                .filter(|n| !n.is_empty())
                .map(crate::util::text::to_lower)
        })
        .collect();
    let columns: Vec<Option<usize>> = if all_columns {
        (0..width).map(Some).collect()
    } else {
        fields
            .iter()
            .map(|f| {
                names
                    .iter()
                    .position(|n| n.as_deref() == Some(f.as_str()))
                    .or_else(|| {
                        let wanted = crate::util::text::to_lower(f);
                        folded.iter().position(|n| n.as_deref() == Some(&wanted))
                    })
            })
            .collect()
    };
    let mut duplicates = Vec::new();
    for (i, name) in folded.iter().enumerate() {
        let Some(name) = name else { continue };
        if folded
            .get(..i)
            .unwrap_or(&[])
            .iter()
            .any(|n| n.as_ref() == Some(name))
        {
            continue; // reported with its first occurrence
        }
        let group: Vec<usize> = folded
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_ref() == Some(name))
            .map(|(j, _)| j)
            .collect();
        if group.len() < 2 {
            continue;
        }
        let shown = display.get(i).cloned().unwrap_or_default();
        let read = !all_columns && columns.iter().flatten().any(|c| group.contains(c));
        if read {
            let list: Vec<String> = group.iter().map(|j| (j + 1).to_string()).collect();
            return Err(format!(
                "the column '{shown}' appears {} times in the CSV header (columns {}, counting from 1; names are compared ignoring case): rename or remove the extra ones so that it is clear which one to read",
                group.len(),
                list.join(", ")
            ));
        }
        duplicates.push(shown);
    }
    let missing = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_none())
        .map(|(i, _)| i)
        .collect();
    Ok(Header {
        width,
        columns,
        names: display,
        duplicates,
        missing,
    })
}

/// How many names the missing-column message lists.
const NAMES_SHOWN: usize = 5;

/// The explanation for a projected `field` that is not a column (`role` names it, e.g.
/// `email field`): the columns found (the first few), how the file was read, and what to try
/// (the delimiter, the encoding, or saving a workbook as CSV).
pub fn missing_column_message(role: &str, field: &str, header: &HeaderInfo<'_>) -> String {
    let d = header.dialect;
    if let Some(binary) = header.binary {
        return format!(
            "the field '{field}' is not a column of this CSV file: {}",
            binary.message()
        );
    }
    let mut shown: Vec<String> = header
        .names
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| format!("'{}'", n.chars().take(60).collect::<String>()))
        .collect();
    if header.names.len() > NAMES_SHOWN {
        shown.push(format!("and {} more", header.names.len() - NAMES_SHOWN));
    }
    let found = if shown.is_empty() {
        "no columns".to_string()
    } else {
        format!("columns {}", shown.join(", "))
    };
    let delimiter = match d.delimiter.as_str() {
        "\t" => "'\\t' (tab)".to_string(),
        other => format!("'{other}'"),
    };
    let how = format!(
        "read as {} with delimiter {delimiter}{}",
        d.encoding,
        if d.detected { " (detected)" } else { "" }
    );
    let joined = header.names.join("");
    let other_delimiter = super::dialect::DELIMITERS
        .iter()
        .map(|&b| char::from(b))
        .find(|c| joined.contains(*c));
    let hint = if let Some(c) = other_delimiter {
        let c = if c == '\t' {
            "\\t".to_string()
        } else {
            c.to_string()
        };
        format!("the names contain '{c}': if that is the delimiter, set delimiter: '{c}'")
    } else if joined.contains('\u{FFFD}') || !joined.is_ascii() {
        "the names are not plain text in this encoding: set the file's encoding (for example encoding: 'windows-1252', or 'utf-16le' for Excel \"Unicode text\")".to_string()
    } else {
        "check the field name in the mapping, the delimiter (',', ';', '\\t' or '|') and the encoding (for example 'windows-1252')".to_string()
    };
    format!("the {role} '{field}' is not a column of this CSV file (found {found}; {how}): {hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> (Vec<Option<String>>, Vec<String>) {
        (
            list.iter().map(|s| Some(s.to_string())).collect(),
            list.iter().map(|s| s.to_string()).collect(),
        )
    }

    fn fields(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn trailing_empty_names_and_unicode_case() {
        let (n, d) = names(&["ÉMAIL", "first_name", "", ""]);
        let h = match_header(&n, d, &fields(&["émail", "First_Name", "x"]), false).unwrap(); // ok: test
        assert_eq!(h.width, 2);
        assert_eq!(h.columns, vec![Some(0), Some(1), None]);
        assert_eq!(h.missing, vec![2]);
    }

    #[test]
    fn exact_match_first_then_duplicates() {
        let (n, d) = names(&["email", "Name", "name", "x", "X"]);
        let err = match_header(&n, d.clone(), &fields(&["email", "name"]), false).unwrap_err(); // ok: test
        assert!(err.contains("'Name' appears 2 times"), "{err}");
        assert!(err.contains("columns 2, 3"), "{err}");
        let h = match_header(&n, d, &fields(&["email"]), false).unwrap(); // ok: test
        assert_eq!(h.duplicates, vec!["Name".to_string(), "x".to_string()]);
    }

    #[test]
    fn missing_message_lists_columns_and_suggests() {
        let dialect = Dialect {
            delimiter: ",".into(),
            detected: true,
            encoding: "utf-8".into(),
            bom: false,
        };
        let names = vec!["email;first_name;last_name".to_string()];
        let info = HeaderInfo {
            names: &names,
            missing: &[0],
            duplicates: &[],
            dialect: &dialect,
            binary: None,
        };
        let m = missing_column_message("field", "mail", &info);
        assert!(m.contains("'email;first_name;last_name'"), "{m}");
        assert!(m.contains("set delimiter: ';'"), "{m}");
        let names = vec![
            "E\u{FFFD}mail".to_string(),
            "b".into(),
            "c".into(),
            "d".into(),
            "e".into(),
            "f".into(),
        ];
        let info = HeaderInfo {
            names: &names,
            ..info
        };
        let m = missing_column_message("field", "email", &info);
        assert!(m.contains("and 1 more"), "{m}");
        assert!(m.contains("windows-1252"), "{m}");
    }
}
