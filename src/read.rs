//! Reading configuration documents (a job, a connection, run options) from any serde
//! deserializer — serde-wasm-bindgen over a JS value in the package, serde_json in tests and
//! tools — with every problem reported as an [`Issue`] that carries a JSON path.
//!
//! - A key the target type does not know becomes an [`IssueCode::UnknownField`] issue and
//!   does **not** stop reading (found with `serde_ignored`), so it is reported next to every
//!   other problem of the same document once the caller validates what was read.
//! - A value of the wrong type stops reading (serde has no way to go on) and becomes one
//!   [`IssueCode::TypeMismatch`] issue at its path (found with `serde_path_to_error`), together
//!   with the unknown keys seen before it. The value itself is never quoted in the message:
//!   it could be a secret put into the wrong field.

use crate::error::{Error, Issue, IssueCode};
use serde::de::DeserializeOwned;
use serde::Deserializer;

/// The JS-style path (`mapping.custom[2].name`) of a key that `serde_ignored` reported.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    match path {
        serde_ignored::Path::Root => String::new(),
        serde_ignored::Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        serde_ignored::Path::Map { parent, key } => {
            let p = ignored_path(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        serde_ignored::Path::Some { parent }
        | serde_ignored::Path::NewtypeStruct { parent }
        | serde_ignored::Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// Joins a path `prefix` (e.g. `options`) and a path relative to the document.
fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty() || path == ".") {
        (true, _) => path.trim_start_matches('.').to_string(),
        (false, true) => prefix.to_string(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// serde quotes the offending value (``invalid type: string "…", expected a boolean``); the
/// value is left out of the message.
fn without_quoted_values(detail: &str) -> String {
    let start = [detail.find(" \""), detail.find(" `")]
        .into_iter()
        .flatten()
        .min();
    match (start, detail.rfind(", expected")) {
        (Some(a), Some(b)) if a < b && detail.starts_with("invalid ") => {
            format!(
                "{}{}",
                detail.get(..a).unwrap_or(""),
                detail.get(b..).unwrap_or("")
            )
        }
        _ => detail.to_string(),
    }
}

/// What reading a document gave: the value (when every value had the right type) and the
/// issues found while reading (unknown keys; a type mismatch).
#[derive(Debug)]
pub struct Read<T> {
    /// The document, `None` after a type mismatch.
    pub value: Option<T>,
    /// Unknown keys and the type mismatch, with paths under the reader's prefix.
    pub issues: Vec<Issue>,
}

impl<T> Read<T> {
    /// The value when nothing at all was wrong, else a `CONFIG_INVALID` error with the issues.
    pub fn strict(self) -> Result<T, Error> {
        match (self.value, self.issues.is_empty()) {
            (Some(v), true) => Ok(v),
            (_, _) => Err(Error::from_issues(self.issues)),
        }
    }

    /// The value and the issues, or a `CONFIG_INVALID` error when the value could not be read
    /// at all (wrong types): callers validate the value and report its problems together
    /// with `issues`.
    pub fn lenient(self) -> Result<(T, Vec<Issue>), Error> {
        match self.value {
            Some(v) => Ok((v, self.issues)),
            None => Err(Error::from_issues(self.issues)),
        }
    }
}

/// Reads a `T` from `de`; paths in issues start with `prefix` (`""` for the document root,
/// `"options"` for run options).
pub fn read<'de, T: DeserializeOwned, D: Deserializer<'de>>(de: D, prefix: &str) -> Read<T> {
    let mut unknown: Vec<String> = Vec::new();
    let mut note = |p: serde_ignored::Path<'_>| unknown.push(ignored_path(&p));
    let result = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(de, &mut note));
    let mut issues: Vec<Issue> = unknown
        .into_iter()
        .map(|path| {
            let full = join(prefix, &path);
            let key = path.rsplit(['.', '[']).next().unwrap_or(&path).to_string();
            Issue::new(
                full,
                IssueCode::UnknownField,
                format!("'{key}' is not a setting this library knows (check the spelling)"),
            )
        })
        .collect();
    match result {
        Ok(v) => Read {
            value: Some(v),
            issues,
        },
        Err(e) => {
            let path = join(prefix, &e.path().to_string());
            let detail = e.inner().to_string();
            // serde_json appends " at line L column C", meaningless to a JS caller.
            let detail = detail.split(" at line ").next().unwrap_or(&detail);
            issues.push(Issue::new(
                path,
                IssueCode::TypeMismatch,
                without_quoted_values(detail),
            ));
            Read {
                value: None,
                issues,
            }
        }
    }
}

/// Reads a `T` from JSON text (tests, tools and the CLI's files use this; the package reads
/// JS values directly).
pub fn from_json_str<T: DeserializeOwned>(text: &str, prefix: &str) -> Read<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let out = read(&mut de, prefix);
    match (out.value, de.end()) {
        (Some(v), Ok(())) => Read {
            value: Some(v),
            issues: out.issues,
        },
        (value, Err(_)) => {
            let mut issues = out.issues;
            issues.push(Issue::new(
                prefix,
                IssueCode::TypeMismatch,
                "trailing characters after the JSON document",
            ));
            Read {
                value: value.filter(|_| false),
                issues,
            }
        }
        (None, Ok(())) => Read {
            value: None,
            issues: out.issues,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        #[serde(default)]
        name: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Doc {
        #[serde(default)]
        flag: bool,
        #[serde(default)]
        items: Vec<Inner>,
    }

    #[test]
    fn unknown_keys_are_issues_that_do_not_stop_reading() {
        let r: Read<Doc> = from_json_str(
            r#"{"flag":true,"flga":1,"items":[{"name":"a"},{"nmae":"b"}]}"#,
            "",
        );
        let (doc, issues) = r.lenient().unwrap(); // ok: test
        assert!(doc.flag);
        assert_eq!(doc.items.len(), 2);
        let got: Vec<(&str, IssueCode)> =
            issues.iter().map(|i| (i.path.as_str(), i.code)).collect();
        assert_eq!(
            got,
            [
                ("flga", IssueCode::UnknownField),
                ("items[1].nmae", IssueCode::UnknownField)
            ]
        );
    }

    #[test]
    fn a_type_mismatch_has_a_path_and_no_value() {
        let r: Read<Doc> = from_json_str(r#"{"items":[{"name":"a"},{"name":"secret-123"}], "x": 1, "flag": "secret-xyz"}"#, "options");
        assert!(r.value.is_none());
        let last = r.issues.last().unwrap(); // ok: test
        assert_eq!(last.path, "options.flag");
        assert_eq!(last.code, IssueCode::TypeMismatch);
        assert!(!last.message.contains("secret"), "{}", last.message);
        assert!(r.issues.iter().any(|i| i.path == "options.x"));
        let r: Read<Doc> = from_json_str(r#"{"items":[{"name":5}]}"#, "");
        assert_eq!(r.issues.first().map(|i| i.path.as_str()), Some("items[0].name"));
    }
}
