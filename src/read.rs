//! Reading configuration documents (a job, a connection, run options) from a JSON value —
//! made from a JS value by the wasm layer, from JSON text by tests and tools — with every
//! problem reported as an [`Issue`] that carries a JSON path.
//!
//! - A key the target type does not know becomes an [`IssueCode::UnknownField`] issue and
//!   does **not** stop reading, so it is reported next to every other problem of the same
//!   document once the caller validates what was read.
//! - A key the type requires but the document leaves out is read as the empty form of its
//!   type (`""`, `false`, `0`, `[]`, a struct of empty members, `None`), so that validation
//!   reports it as the specific problem it is (`EMAIL_MAPPING_MISSING`, ...) rather than as a
//!   serde "missing field" error. This is why required members (required in the TypeScript
//!   types too) need no `#[serde(default)]`; an enum member must be an `Option`.
//! - A member whose value is `null` is read as left out (JS callers use `null` and
//!   `undefined` alike); an unknown key with `null` is not reported.
//! - A value of the wrong type stops reading (serde has no way to go on) and becomes one
//!   [`IssueCode::TypeMismatch`] issue at its path, together with the unknown keys seen before
//!   it. The value itself is never quoted in the message: it could be a secret put into the
//!   wrong field.
//!
//! Written here rather than with `serde_ignored` + `serde_path_to_error` (which do the same
//! as deserializer wrappers): measured in the wasm module, those two wrap every visitor of
//! every configuration type and cost 98 KB before `wasm-opt` (31 KB + 67 KB of a 614 KB
//! module), against a few KB for this one deserializer over `serde_json::Value`.

use crate::error::{Error, Issue, IssueCode};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// A deserialisation error with the path where it happened.
#[derive(Debug)]
pub struct ReadError {
    message: String,
    path: Option<String>,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ReadError {
            message: msg.to_string(),
            path: None,
        }
    }
    // The value is never quoted: it could be a secret in the wrong field.
    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let kind = match unexp {
            de::Unexpected::Bool(_) => "boolean",
            de::Unexpected::Unsigned(_) | de::Unexpected::Signed(_) => "integer",
            de::Unexpected::Float(_) => "floating point",
            de::Unexpected::Str(_) | de::Unexpected::Char(_) => "string",
            de::Unexpected::Seq => "sequence",
            de::Unexpected::Map => "map",
            de::Unexpected::Unit | de::Unexpected::Option => "null",
            _ => "value",
        };
        Self::custom(format_args!("invalid type: {kind}, expected {exp}"))
    }
    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::invalid_type(unexp, exp)
    }
}

/// Stands for a member the document leaves out (compared by address).
static ABSENT: Value = Value::Null;

/// Reads one value at `path`, noting unknown keys in `unknown`; the object members at the
/// paths in `skip` (wrong types found by an earlier attempt) are read as left out.
struct ValueDe<'a> {
    value: &'a Value,
    path: String,
    unknown: &'a RefCell<Vec<String>>,
    skip: &'a [String],
}

impl<'a> ValueDe<'a> {
    // The helpers below are not generic and kept out of line, so that the code instantiated
    // for each configuration type's visitor stays small (the wasm module's size).
    #[inline(never)]
    fn at(&self, value: &'a Value, step: &str) -> ValueDe<'a> {
        let path = if step.starts_with('[') || self.path.is_empty() {
            format!("{}{step}", self.path)
        } else {
            format!("{}.{step}", self.path)
        };
        ValueDe {
            value,
            path,
            unknown: self.unknown,
            skip: self.skip,
        }
    }

    /// The element `i` of an array (its path ends with `[i]`).
    #[inline(never)]
    fn item(&self, value: &'a Value, i: usize) -> ValueDe<'a> {
        self.at(value, &format!("[{i}]"))
    }

    /// Whether this member is left out of the document.
    fn absent(&self) -> bool {
        std::ptr::eq(self.value, &ABSENT)
    }

    /// Gives an error without a path this value's path.
    fn locate<T>(&self, r: Result<T, ReadError>) -> Result<T, ReadError> {
        r.map_err(|e| attach(e, &self.path))
    }

    /// The members of `obj` to read (all, or those in `only`), noting the others as
    /// unknown. Not generic, so that it is compiled once.
    /// With `only` (a struct's fields), the known members left out are given as absent.
    #[inline(never)]
    fn members(
        &self,
        obj: Option<&'a Map<String, Value>>,
        only: Option<&'static [&'static str]>,
    ) -> Vec<(&'a str, &'a Value)> {
        let mut out = Vec::with_capacity(obj.map_or(0, Map::len));
        for (k, v) in obj.into_iter().flatten() {
            let known = only.is_none_or(|fields| fields.contains(&k.as_str()));
            // `null` means left out (JS callers use `null` and `undefined` alike), and so
            // does a member a type mismatch put in `skip`: a struct's field is read as left
            // out, a map's entry and an unknown key with `null` are dropped.
            let skipped = known && !self.skip.is_empty() && self.skip.contains(&self.at(v, k).path);
            if v.is_null() || skipped {
                if only.is_some() && known {
                    out.push((k.as_str(), &ABSENT));
                }
                continue;
            }
            if known {
                out.push((k.as_str(), v));
            } else {
                let path = self.at(v, k).path;
                self.unknown.borrow_mut().push(path);
            }
        }
        for f in only.into_iter().flatten() {
            if !obj.is_some_and(|o| o.contains_key(*f)) {
                out.push((f, &ABSENT));
            }
        }
        out
    }

    fn map<V: Visitor<'a>>(
        &self,
        obj: Option<&'a Map<String, Value>>,
        only: Option<&'static [&'static str]>,
        v: V,
    ) -> Result<V::Value, ReadError> {
        let members = self.members(obj, only);
        v.visit_map(Entries {
            de: self,
            entries: members.into_iter(),
            value: None,
        })
        .map_err(|e| attach(e, &self.path))
    }
}

/// Gives an error without a path the path `at` (not generic: compiled once).
#[inline(never)]
fn attach(mut e: ReadError, at: &str) -> ReadError {
    if e.path.is_none() {
        e.path = Some(at.to_string());
    }
    e
}

/// Map access over an object's members.
struct Entries<'a, 'b> {
    de: &'b ValueDe<'a>,
    entries: std::vec::IntoIter<(&'a str, &'a Value)>,
    value: Option<(&'a str, &'a Value)>,
}

impl<'a> de::MapAccess<'a> for Entries<'a, '_> {
    type Error = ReadError;
    fn next_key_seed<K: de::DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ReadError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some((k, v));
                seed.deserialize(k.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: de::DeserializeSeed<'a>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ReadError> {
        let (k, v) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value without a key"))?;
        let sub = self.de.at(v, k);
        let path = sub.path.clone();
        seed.deserialize(sub).map_err(|e| attach(e, &path))
    }
}

/// Sequence access over an array.
struct Items<'a, 'b> {
    de: &'b ValueDe<'a>,
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
}

impl<'a> de::SeqAccess<'a> for Items<'a, '_> {
    type Error = ReadError;
    fn next_element_seed<T: de::DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ReadError> {
        match self.items.next() {
            Some((i, v)) => {
                let sub = self.de.item(v, i);
                let path = sub.path.clone();
                seed.deserialize(sub)
                    .map(Some)
                    .map_err(|e| attach(e, &path))
            }
            None => Ok(None),
        }
    }
}

impl ValueDe<'_> {
    /// What the value is, for a type error.
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self.value {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => de::Unexpected::Unsigned(u),
                (_, Some(i)) => de::Unexpected::Signed(i),
                _ => de::Unexpected::Float(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(_) => de::Unexpected::Str(""),
            Value::Array(_) => de::Unexpected::Seq,
            Value::Object(_) => de::Unexpected::Map,
        }
    }

    /// The type error for this value where `expected` belongs. Each typed method below calls
    /// its visitor once and otherwise ends here, so that a visitor's other methods are not
    /// instantiated (measured: about a third of this module's size in the wasm build).
    #[inline(never)]
    fn wrong(&self, expected: &dyn de::Expected) -> ReadError {
        attach(
            de::Error::invalid_type(self.unexpected(), expected),
            &self.path,
        )
    }
}

impl<'a> de::Deserializer<'a> for ValueDe<'a> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        if self.absent() {
            return v.visit_none();
        }
        let r = match self.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => v.visit_u64(u),
                (_, Some(i), _) => v.visit_i64(i),
                (_, _, Some(f)) => v.visit_f64(f),
                _ => Err(de::Error::custom("a number out of range")),
            },
            Value::String(s) => v.visit_str(s),
            Value::Array(a) => v.visit_seq(Items {
                de: &self,
                items: a.iter().enumerate(),
            }),
            Value::Object(o) => return self.map(Some(o), None, v),
        };
        self.locate(r)
    }

    fn deserialize_option<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, ReadError> {
        match self.value {
            _ if self.absent() => self.map(None, Some(fields), v),
            Value::Object(o) => self.map(Some(o), Some(fields), v),
            _ => Err(self.wrong(&v)),
        }
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, ReadError> {
        match self.value {
            Value::String(s) => {
                let r = v.visit_enum(s.as_str().into_deserializer());
                self.locate(r)
            }
            _ => Err(self.wrong(&v)),
        }
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        self.deserialize_byte_buf(v)
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        if self.absent() {
            return v.visit_byte_buf(Vec::new());
        }
        let bytes: Option<Vec<u8>> = match self.value {
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect(),
            _ => None,
        };
        match bytes {
            Some(b) => {
                let r = v.visit_byte_buf(b);
                self.locate(r)
            }
            None => Err(self.wrong(&v)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, ReadError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_str<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.value {
            _ if self.absent() => v.visit_str(""),
            Value::String(s) => {
                let r = v.visit_str(s);
                self.locate(r)
            }
            _ => Err(self.wrong(&v)),
        }
    }

    fn deserialize_string<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        self.deserialize_str(v)
    }

    fn deserialize_bool<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.value {
            _ if self.absent() => v.visit_bool(false),
            Value::Bool(b) => v.visit_bool(*b),
            _ => Err(self.wrong(&v)),
        }
    }

    fn deserialize_u64<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.value {
            _ if self.absent() => v.visit_u64(0),
            Value::Number(n) if n.as_u64().is_some() => {
                let r = v.visit_u64(n.as_u64().unwrap_or(0));
                self.locate(r)
            }
            _ => Err(self.wrong(&v)),
        }
    }

    fn deserialize_u32<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        self.deserialize_u64(v)
    }

    fn deserialize_f64<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.value {
            _ if self.absent() => v.visit_f64(0.0),
            Value::Number(n) => v.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            _ => Err(self.wrong(&v)),
        }
    }

    fn deserialize_seq<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        let items: &[Value] = match self.value {
            _ if self.absent() => &[],
            Value::Array(a) => a,
            _ => return Err(self.wrong(&v)),
        };
        let r = v.visit_seq(Items {
            de: &self,
            items: items.iter().enumerate(),
        });
        self.locate(r)
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, v: V) -> Result<V::Value, ReadError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'a>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.value {
            _ if self.absent() => self.map(None, None, v),
            Value::Object(o) => self.map(Some(o), None, v),
            _ => Err(self.wrong(&v)),
        }
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'a>>
        i8 i16 i32 i64 i128 u8 u16 u128 f32 char
        unit unit_struct tuple_struct identifier ignored_any
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

/// Most members left out after type mismatches before reading gives up (a document with
/// more wrong types than that reports the first ones).
const MAX_TYPE_ERRORS: usize = 16;

/// Deepest nesting of a document read from the host (a cycle or an absurd document ends
/// there, with an issue, instead of in a trap).
pub const MAX_DEPTH: u32 = 64;

/// Reads a `T` from `value`; paths in issues start with `prefix` (`""` for the document
/// root, `"options"` for run options). After a type mismatch of an object member, reads
/// again without that member, so that every other problem is reported too: the value is
/// then the document without the wrong members (absent ones read as empty), and its
/// validation may find more at those paths — [`crate::error::one_per_path`] keeps the type
/// mismatch.
pub fn read<T: DeserializeOwned>(value: &Value, prefix: &str) -> Read<T> {
    let mut out = None;
    let issues = retry_without_wrong_members(prefix, &mut |skip| {
        let r = read_once::<T>(value, prefix, skip);
        let ok = r.value.is_some();
        out = r.value;
        (ok, r.issues)
    });
    Read { value: out, issues }
}

/// One reading of the document with some members left out: whether it gave a value, and
/// its issues.
type Attempt<'a> = dyn FnMut(&[String]) -> (bool, Vec<Issue>) + 'a;

/// The retry loop of [`read`], not generic (one copy in the module): `attempt` reads the
/// document with the members at the given paths read as left out, and says whether it gave
/// a value, with its issues. Stops when a mismatch is the document itself or an array
/// element, which reading again finds a second time.
fn retry_without_wrong_members(prefix: &str, attempt: &mut Attempt<'_>) -> Vec<Issue> {
    let (ok, mut issues) = attempt(&[]);
    if ok {
        return issues;
    }
    let mut skip: Vec<String> = Vec::new();
    for _ in 0..MAX_TYPE_ERRORS {
        let Some(path) = issues
            .last()
            .filter(|i| i.code == IssueCode::TypeMismatch)
            .map(|i| i.path.clone())
        else {
            break;
        };
        // The document itself, or a path left out already: an array element (only object
        // members can be left out; leaving out an element would shift the indexes after it).
        if path == prefix || skip.contains(&path) {
            break;
        }
        skip.push(path);
        let (ok, next) = attempt(&skip);
        for i in next {
            if !issues.iter().any(|x| x.path == i.path && x.code == i.code) {
                issues.push(i);
            }
        }
        if ok {
            break;
        }
    }
    issues
}

fn read_once<T: DeserializeOwned>(value: &Value, prefix: &str, skip: &[String]) -> Read<T> {
    let unknown = RefCell::new(Vec::new());
    let result = T::deserialize(ValueDe {
        value,
        path: prefix.to_string(),
        unknown: &unknown,
        skip,
    });
    let (value, error) = match result {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    Read {
        value,
        issues: issues_of(unknown.into_inner(), error, prefix),
    }
}

/// The issues of one reading: the unknown keys, then the type mismatch (not generic:
/// compiled once for every document type).
#[inline(never)]
fn issues_of(unknown: Vec<String>, error: Option<ReadError>, prefix: &str) -> Vec<Issue> {
    let mut issues: Vec<Issue> = unknown
        .into_iter()
        .map(|path| {
            let key = path.rsplit(['.', '[']).next().unwrap_or(&path).to_string();
            Issue::new(
                path,
                IssueCode::UnknownField,
                format!("'{key}' is not a setting this library knows (check the spelling)"),
            )
        })
        .collect();
    if let Some(e) = error {
        issues.push(Issue::new(
            e.path.unwrap_or_else(|| prefix.to_string()),
            IssueCode::TypeMismatch,
            e.message,
        ));
    }
    issues
}

/// Reads a `T` from JSON text (tests, tools and the CLI's files; the package reads JS
/// values through [`read`]).
pub fn from_json_str<T: DeserializeOwned>(text: &str, prefix: &str) -> Read<T> {
    match crate::util::json_read::parse(text.as_bytes()) {
        Ok(v) => read(&v, prefix),
        Err(e) => Read {
            value: None,
            issues: vec![Issue::new(
                prefix,
                IssueCode::TypeMismatch,
                format!("not a JSON document ({})", crate::util::json_read::bare(&e)),
            )],
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

    /// `(path, code)` of each issue, in order.
    fn paths_and_codes(issues: &[Issue]) -> Vec<(&str, IssueCode)> {
        issues.iter().map(|i| (i.path.as_str(), i.code)).collect()
    }

    #[test]
    fn null_members_are_read_as_left_out() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct WithMap {
            name: String,
            tags: std::collections::BTreeMap<String, String>,
        }
        let r: Read<WithMap> =
            from_json_str(r#"{"name":null,"tags":{"a":"x","b":null},"gone":null}"#, "");
        let (doc, issues) = r.lenient().unwrap(); // ok: test
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(doc.name, "");
        assert_eq!(doc.tags.keys().collect::<Vec<_>>(), ["a"]);
        // `null` inside an array is not a member: still a type mismatch for a string.
        let r: Read<Vec<String>> = from_json_str(r#"["a",null]"#, "");
        assert_eq!(r.issues.len(), 1);
        assert_eq!(r.issues[0].path, "[1]");
        // Members of objects inside arrays too.
        let r: Read<Doc> = from_json_str(r#"{"flag":null,"items":[{"name":null}]}"#, "");
        let (doc, issues) = r.lenient().unwrap(); // ok: test
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(
            doc.items,
            [Inner {
                name: String::new()
            }]
        );
    }

    #[test]
    fn wrong_members_are_found_whatever_their_keys_hold() {
        #[derive(Debug, Deserialize)]
        struct Tags {
            #[allow(dead_code)]
            tags: std::collections::BTreeMap<String, String>,
        }
        // Keys with '.' and '[' are left out by their exact path, each reported once.
        let r: Read<Tags> = from_json_str(r#"{"tags":{"a.b":5,"c[0]":6,"d":"ok"}}"#, "");
        let got = paths_and_codes(&r.issues);
        assert_eq!(
            got,
            [
                ("tags.a.b", IssueCode::TypeMismatch),
                ("tags.c[0]", IssueCode::TypeMismatch)
            ]
        );
        assert!(r.value.is_some());
        // An unknown key spelt like the path of a wrong member is still reported.
        let r: Read<Doc> = from_json_str(r#"{"flag":1,"flag.x":true}"#, "");
        let got = paths_and_codes(&r.issues);
        assert!(got.contains(&("flag", IssueCode::TypeMismatch)), "{got:?}");
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
        let got = paths_and_codes(&issues);
        assert_eq!(
            got,
            [
                ("flga", IssueCode::UnknownField),
                ("items[1].nmae", IssueCode::UnknownField)
            ]
        );
    }

    #[test]
    fn a_type_mismatch_has_a_path_and_the_rest_is_still_read() {
        let r: Read<Doc> = from_json_str(
            r#"{"items":[{"name":"a"},{"name":"secret-123"}], "x": 1, "flag": "secret-xyz"}"#,
            "options",
        );
        let mismatch = r
            .issues
            .iter()
            .find(|i| i.code == IssueCode::TypeMismatch)
            .unwrap(); // ok: test
        assert_eq!(mismatch.path, "options.flag");
        assert!(!mismatch.message.contains("secret"), "{}", mismatch.message);
        assert!(r.issues.iter().any(|i| i.path == "options.x"));
        // Read without the wrong member: the rest is there for the other checks.
        let doc = r.value.unwrap(); // ok: test
        assert!(!doc.flag);
        assert_eq!(doc.items.len(), 2);

        // Several wrong members, one inside an array element: each is reported.
        let r: Read<Doc> = from_json_str(r#"{"flag":1,"items":[{"name":5},{"name":"b"}]}"#, "");
        let got = paths_and_codes(&r.issues);
        assert_eq!(
            got,
            [
                ("flag", IssueCode::TypeMismatch),
                ("items[0].name", IssueCode::TypeMismatch)
            ]
        );
        assert_eq!(
            r.issues.get(1).map(|i| i.message.as_str()),
            Some("invalid type: integer, expected a string")
        );
        assert_eq!(r.value.map(|d| d.items.len()), Some(2));

        // An array element of the wrong type cannot be left out (the indexes after it would
        // shift): no value.
        let r: Read<Doc> = from_json_str(r#"{"items":[1,{"name":"b"}],"flag":"x"}"#, "");
        assert!(r.value.is_none());
        assert!(
            r.issues
                .iter()
                .any(|i| i.path == "items[0]" && i.code == IssueCode::TypeMismatch),
            "{:?}",
            r.issues
        );
    }

    #[test]
    fn one_issue_per_wrong_member() {
        use crate::error::{one_per_path, Issue};
        let issues = vec![
            Issue::new("a", IssueCode::TypeMismatch, "wrong type"),
            Issue::new("b", IssueCode::UnknownField, "x"),
            Issue::new("a", IssueCode::UnknownField, "missing"),
            Issue::new("c", IssueCode::OptionOutOfRange, "1"),
            Issue::new("c", IssueCode::OptionOutOfRange, "2"),
        ];
        let got: Vec<(String, IssueCode)> = one_per_path(issues)
            .into_iter()
            .map(|i| (i.path, i.code))
            .collect();
        assert_eq!(
            got,
            [
                ("a".to_string(), IssueCode::TypeMismatch),
                ("b".to_string(), IssueCode::UnknownField),
                ("c".to_string(), IssueCode::OptionOutOfRange),
                ("c".to_string(), IssueCode::OptionOutOfRange)
            ]
        );
    }
}
