//! Reading configuration documents (a job, a connection, run options, a checkpoint) from a
//! JSON value — made from a JS value by the wasm layer, from JSON text by tests and tools —
//! with every problem reported as an [`Issue`] that carries a JSON path.
//!
//! - A key the target type does not know becomes an [`IssueCode::UnknownField`] issue and
//!   does **not** stop reading, so it is reported next to every other problem of the same
//!   document once the caller validates what was read.
//! - A key the type requires but the document leaves out is read as the empty form of its
//!   type (`""`, `false`, `0`, `[]`, a struct of empty members, `None`), so that validation
//!   reports it as the specific problem it is (`EMAIL_MAPPING_MISSING`, ...) rather than as a
//!   "missing field" error. An enum member is an `Option`; the one member without an empty
//!   form (a checkpoint's `failed[].reason`) is a type mismatch when it is left out.
//! - A member whose value is `null` is read as left out (JS callers use `null` and
//!   `undefined` alike); an unknown key with `null` is not reported.
//! - A value of the wrong type becomes one [`IssueCode::TypeMismatch`] issue at its path and
//!   reading goes on. An object member (a field, a map entry) of the wrong type is read as
//!   left out, so that the rest of the document is checked too; an array element or the
//!   document itself of the wrong type, or an element that gives no value (a failed contact
//!   without its reason), leaves no value (leaving an element out would shift the indexes
//!   after it). The value itself is never quoted in the message: it could be a
//!   secret put into the wrong field.
//! - Issues come in the order of the document's keys (a JSON object read here keeps no
//!   order: its members are sorted), an object's unknown keys before its members' issues.
//!
//! Written here instead of with serde's derived `Deserialize` (measured, issue 15,
//! tests/bench/README.md: 15.1 KB gzip less of what a runtime loads; the wasm module lost
//! 44 KB raw of its 634 KB, where this reader takes about 18 KB). Serde instantiates, for
//! every type, a visitor, its field enum, an `Option` slot per field and the drop code of
//! every early return; this reader walks every object
//! through one non-generic loop ([`Reader::object`]) and a type only maps a member's index
//! to its field (the crate's `readable_struct!` macro). The configuration types keep
//! `#[derive(Deserialize)]` and their `#[serde]` attributes: those are what tsify reads for
//! the TypeScript types, and a test checks that every type's [`Readable::KEYS`] are serde's
//! names.

use crate::error::{AddIssue, Error, Issue, IssueCode};
use crate::util::string_map::StringMap;
use serde_json::Value;

/// A type read from a JSON value by [`Reader`].
///
/// `v` is the value (a member the document leaves out, or one that is `null`, is not read:
/// it keeps its empty form). The result is `None` when `v` has the wrong type, or lacks a
/// member that has no empty form; the [`Reader`] holds the issue then.
pub trait Readable: Sized {
    /// The keys a struct reads, or the strings an enum takes (empty for other types).
    const KEYS: &'static [&'static str] = &[];

    /// Reads `v` at the reader's current path.
    fn read(r: &mut Reader, v: &Value) -> Option<Self>;
}

/// The state of one reading: the current path and the issues so far.
#[derive(Debug, Default)]
pub struct Reader {
    path: String,
    issues: Vec<Issue>,
    /// Whether the value being read is an object member (left out when of the wrong type).
    member: bool,
    /// A value could not be read at all (an array element or the document itself).
    broken: bool,
}

impl Reader {
    fn new(prefix: &str) -> Self {
        Reader {
            path: prefix.to_string(),
            ..Reader::default()
        }
    }

    /// Appends the member `key` to the path (`a.key`, or `key` at the root); returns what
    /// [`Reader::leave`] restores.
    #[inline(never)]
    fn enter_key(&mut self, key: &str) -> (usize, bool) {
        let back = (self.path.len(), self.member);
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        self.member = true;
        back
    }

    /// Appends the array index `i` to the path (`a[i]`).
    #[inline(never)]
    fn enter_index(&mut self, i: usize) -> (usize, bool) {
        let back = (self.path.len(), self.member);
        self.path.push('[');
        self.path.push_str(itoa::Buffer::new().format(i));
        self.path.push(']');
        self.member = false;
        back
    }

    fn leave(&mut self, (len, member): (usize, bool)) {
        self.path.truncate(len);
        self.member = member;
    }

    /// A `TYPE_MISMATCH` issue at the current path: `v` where `expected` belongs. Always
    /// `None` (what the reading of `v` gives).
    pub fn mismatch<T>(&mut self, v: &Value, expected: &str) -> Option<T> {
        self.push_mismatch(v, expected);
        None
    }

    /// A `TYPE_MISMATCH` issue at the current path with `message` (which must not quote the
    /// value). Always `None`.
    pub fn refuse<T>(&mut self, message: String) -> Option<T> {
        self.push_refusal(message);
        None
    }

    // Not generic, so that they are compiled once (the wasm module's size).
    #[cold]
    #[inline(never)]
    fn push_mismatch(&mut self, v: &Value, expected: &str) {
        let kind = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "floating point",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "sequence",
            Value::Object(_) => "map",
        };
        self.push_refusal(format!("invalid type: {kind}, expected {expected}"));
    }

    #[cold]
    #[inline(never)]
    fn push_refusal(&mut self, message: String) {
        self.broken |= !self.member;
        self.issues
            .add(self.path.clone(), IssueCode::TypeMismatch, message);
    }

    /// Reads an object: `field(reader, i, value)` for each member whose key is `keys[i]` and
    /// whose value is not `null`, after an `UNKNOWN_FIELD` issue for each other key (with a
    /// value that is not `null`). `false` (with the issue) when `v` is not an object. A member
    /// left out (or `null`) is not read: the caller's value keeps its empty form.
    #[inline(never)]
    pub fn object(
        &mut self,
        v: &Value,
        keys: &[&str],
        field: &mut dyn FnMut(&mut Reader, usize, &Value),
    ) -> bool {
        let Value::Object(obj) = v else {
            self.push_mismatch(v, "an object");
            return false;
        };
        for (k, v) in obj {
            if !v.is_null() && !keys.contains(&k.as_str()) {
                let back = self.enter_key(k);
                self.issues.add(
                    self.path.clone(),
                    IssueCode::UnknownField,
                    format!("'{k}' is not a setting this library knows (check the spelling)"),
                );
                self.leave(back);
            }
        }
        for (k, v) in obj {
            if let Some(i) = keys
                .iter()
                .position(|key| key == k)
                .filter(|_| !v.is_null())
            {
                let back = self.enter_key(k);
                field(self, i, v);
                self.leave(back);
            }
        }
        true
    }

    /// Reads an object of strings (any keys) as `(key, value)` pairs, in key order; a member
    /// that is `null` is left out, one of another type too (with its issue). `None` (with the
    /// issue: `expected` is what the object holds) when `v` is not an object.
    #[inline(never)]
    pub fn string_entries(&mut self, v: &Value, expected: &str) -> Option<Vec<(String, String)>> {
        let Value::Object(obj) = v else {
            return self.mismatch(v, expected);
        };
        let mut out = Vec::with_capacity(obj.len());
        for (k, v) in obj.iter().filter(|(_, v)| !v.is_null()) {
            let back = self.enter_key(k);
            if let Some(s) = String::read(self, v) {
                out.push((k.clone(), s));
            }
            self.leave(back);
        }
        Some(out)
    }

    /// Reads an array: `item(reader, i, value)` for each element (`null` ones too). `None`
    /// (with the issue) when `v` is not an array.
    #[inline(never)]
    pub fn items(
        &mut self,
        v: &Value,
        item: &mut dyn FnMut(&mut Reader, usize, &Value),
    ) -> Option<()> {
        let Value::Array(items) = v else {
            return self.mismatch(v, "a sequence");
        };
        for (i, v) in items.iter().enumerate() {
            let back = self.enter_index(i);
            item(self, i, v);
            self.leave(back);
        }
        Some(())
    }

    /// A `TYPE_MISMATCH` issue for the member `key`, which the document leaves out and which
    /// has no empty form. Always `None`.
    #[cold]
    pub fn missing<T>(&mut self, key: &str) -> Option<T> {
        let back = self.enter_key(key);
        self.push_refusal("missing, and it has no default".to_string());
        self.leave(back);
        None
    }
}

/// Implements [`Readable`] for a struct with `Default`: each field with its JSON key, read by
/// the field type's [`Readable`] or, after `=>`, by a function `fn(&mut Reader, &Value) ->
/// Option<T>`. A field left out, or of the wrong type, keeps its default.
macro_rules! readable_struct {
    ($ty:ty { $($field:ident: $key:literal $(=> $with:path)?),+ $(,)? }) => {
        impl $crate::read::Readable for $ty {
            const KEYS: &'static [&'static str] = &[$($key),+];

            fn read(
                r: &mut $crate::read::Reader,
                v: &serde_json::Value,
            ) -> Option<Self> {
                let mut out = <$ty>::default();
                let ok = r.object(v, Self::KEYS, &mut |r, i, v| {
                    let mut k = 0;
                    $(
                        if i == k {
                            if let Some(x) = $crate::read::readable_struct!(@read r, v $(, $with)?) {
                                out.$field = x;
                            }
                            return;
                        }
                        k += 1;
                    )+
                    let _ = k;
                });
                ok.then_some(out)
            }
        }
    };
    (@read $r:ident, $v:ident) => { $crate::read::Readable::read($r, $v) };
    (@read $r:ident, $v:ident, $with:path) => { $with($r, $v) };
}
pub(crate) use readable_struct;

/// Implements [`Readable`] for a fieldless enum read from its strings.
macro_rules! readable_enum {
    ($ty:ty { $($variant:ident: $text:literal),+ $(,)? }) => {
        impl $crate::read::Readable for $ty {
            const KEYS: &'static [&'static str] = &[$($text),+];

            fn read(
                r: &mut $crate::read::Reader,
                v: &serde_json::Value,
            ) -> Option<Self> {
                const ALL: &[$ty] = &[$(<$ty>::$variant),+];
                $crate::read::one_of(r, v, Self::KEYS).and_then(|i| ALL.get(i).copied())
            }
        }
    };
}
pub(crate) use readable_enum;

/// The index of the string `v` among `texts` (`None`, with the issue, for any other value).
#[inline(never)]
pub fn one_of(r: &mut Reader, v: &Value, texts: &[&str]) -> Option<usize> {
    if let Some(i) = v.as_str().and_then(|s| texts.iter().position(|t| *t == s)) {
        return Some(i);
    }
    let list: Vec<String> = texts.iter().map(|t| format!("'{t}'")).collect();
    let expected = format!("one of {}", list.join(", "));
    match v {
        Value::String(_) => r.refuse(format!("unknown value, expected {expected}")),
        other => r.mismatch(other, &expected),
    }
}

impl Readable for String {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => r.mismatch(other, "a string"),
        }
    }
}

impl Readable for bool {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            other => r.mismatch(other, "a boolean"),
        }
    }
}

impl Readable for u64 {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) if n.is_u64() => n.as_u64(),
            other => r.mismatch(other, "u64"),
        }
    }
}

impl Readable for u32 {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => r.mismatch(v, "u32"),
        }
    }
}

impl Readable for f64 {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) => n.as_f64(),
            other => r.mismatch(other, "f64"),
        }
    }
}

/// `null` (an array element; a `null` member is not read) is `None`; a value of the wrong
/// type gives no value (with the issue).
impl<T: Readable> Readable for Option<T> {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            // A value that gives nothing is not taken for `null` (an array element then
            // leaves the document without a value; a member keeps its default, `None`).
            v => T::read(r, v).map(Some),
        }
    }
}

impl<T: Readable> Readable for Vec<T> {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        let mut out = Vec::new();
        r.items(v, &mut |r, _, v| match T::read(r, v) {
            Some(x) => out.push(x),
            // Left out, the elements after it would shift: the document has no value.
            None => r.broken = true,
        })?;
        Some(out)
    }
}

/// A pair of integers (`[first, last]`).
impl Readable for [u32; 2] {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        match v {
            Value::Array(a) if a.len() == 2 => {
                let mut pair = [0; 2];
                r.items(v, &mut |r, i, x| {
                    if let (Some(n), Some(slot)) = (u32::read(r, x), pair.get_mut(i)) {
                        *slot = n;
                    }
                })?;
                Some(pair)
            }
            other => r.mismatch(other, "an array of length 2"),
        }
    }
}

/// A map of strings; an entry of another type is left out (with the issue).
impl Readable for StringMap {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        // In key order (a `serde_json::Map`'s), each key once.
        r.string_entries(v, "a map of strings").map(StringMap)
    }
}

/// Bytes, as an array of integers from 0 to 255 (the wasm layer hands a `Uint8Array` over
/// that way).
impl Readable for serde_bytes::ByteBuf {
    fn read(r: &mut Reader, v: &Value) -> Option<Self> {
        let bytes: Option<Vec<u8>> = v.as_array().and_then(|a| {
            a.iter()
                .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect()
        });
        match bytes {
            Some(b) => Some(serde_bytes::ByteBuf::from(b)),
            None => r.mismatch(v, "byte array"),
        }
    }
}

/// What reading a document gave: the value (unless an array element or the document itself
/// had the wrong type, or an element gave no value) and the issues found while reading
/// (unknown keys, type mismatches).
#[derive(Debug)]
pub struct Read<T> {
    /// The document, `None` when a part of it that cannot be left out could not be read.
    pub value: Option<T>,
    /// Unknown keys and type mismatches, with paths under the reader's prefix.
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
    /// at all: callers validate the value and report its problems together with `issues`.
    pub fn lenient(self) -> Result<(T, Vec<Issue>), Error> {
        match self.value {
            Some(v) => Ok((v, self.issues)),
            None => Err(Error::from_issues(self.issues)),
        }
    }
}

/// Deepest nesting of a document read from the host (a cycle or an absurd document ends
/// there, with an issue, instead of in a trap).
pub const MAX_DEPTH: u32 = 64;

/// Reads a `T` from `value`; paths in issues start with `prefix` (`""` for the document
/// root, `"options"` for run options). Members of the wrong type are read as left out, so
/// the value's validation may find more at their paths — [`crate::error::one_per_path`]
/// keeps the type mismatch.
///
/// ```
/// use autopilot_export::config::Connection;
/// use autopilot_export::read::read;
/// let doc = serde_json::json!({ "displayName": "Shop", "consent": "yes", "colour": 1 });
/// let r = read::<Connection>(&doc, "connection");
/// let got: Vec<_> = r.issues.iter().map(|i| (i.path.as_str(), i.code.as_str())).collect();
/// assert_eq!(got, [("connection.colour", "UNKNOWN_FIELD"), ("connection.consent", "TYPE_MISMATCH")]);
/// assert_eq!(r.value.map(|c| c.display_name), Some("Shop".to_string()));
/// ```
pub fn read<T: Readable>(value: &Value, prefix: &str) -> Read<T> {
    let mut r = Reader::new(prefix);
    let value = T::read(&mut r, value).filter(|_| !r.broken);
    Read {
        value,
        issues: r.issues,
    }
}

/// Reads a `T` from JSON text (tests, tools and the CLI's files; the package reads JS
/// values through [`read`]).
pub fn from_json_str<T: Readable>(text: &str, prefix: &str) -> Read<T> {
    match crate::util::json_read::parse(text) {
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

    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        name: String,
    }
    readable_struct!(Inner { name: "name" });

    #[derive(Debug, Default, PartialEq)]
    struct Doc {
        flag: bool,
        items: Vec<Inner>,
    }
    readable_struct!(Doc {
        flag: "flag",
        items: "items"
    });

    #[derive(Debug, Default)]
    struct WithMap {
        name: String,
        tags: StringMap,
    }
    readable_struct!(WithMap {
        name: "name",
        tags: "tags"
    });

    /// `(path, code)` of each issue, in order.
    fn paths_and_codes(issues: &[Issue]) -> Vec<(&str, IssueCode)> {
        issues.iter().map(|i| (i.path.as_str(), i.code)).collect()
    }

    #[test]
    fn null_members_are_read_as_left_out() {
        let r: Read<WithMap> =
            from_json_str(r#"{"name":null,"tags":{"a":"x","b":null},"gone":null}"#, "");
        let (doc, issues) = r.lenient().unwrap(); // ok: test
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(doc.name, "");
        assert_eq!(doc.tags.iter().collect::<Vec<_>>(), [("a", "x")]);
        // `null` inside an array is not a member: still a type mismatch for a string.
        let r: Read<Vec<String>> = from_json_str(r#"["a",null]"#, "");
        assert!(r.value.is_none());
        assert_eq!(r.issues.len(), 1);
        assert_eq!(r.issues[0].path, "[1]");
        assert_eq!(r.issues[0].message, "invalid type: null, expected a string");
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
        // Keys with '.' and '[' are reported by their exact path, each once.
        let r: Read<WithMap> = from_json_str(r#"{"tags":{"a.b":5,"c[0]":6,"d":"ok","[1]":7}}"#, "");
        let got = paths_and_codes(&r.issues);
        assert_eq!(
            got,
            [
                ("tags.[1]", IssueCode::TypeMismatch),
                ("tags.a.b", IssueCode::TypeMismatch),
                ("tags.c[0]", IssueCode::TypeMismatch)
            ]
        );
        let doc = r.value.unwrap(); // ok: test
        assert_eq!(doc.tags.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["d"]);
        // An unknown key spelt like the path of a wrong member is still reported.
        let r: Read<Doc> = from_json_str(r#"{"flag":1,"flag.x":true}"#, "");
        let got = paths_and_codes(&r.issues);
        assert_eq!(
            got,
            [
                ("flag.x", IssueCode::UnknownField),
                ("flag", IssueCode::TypeMismatch)
            ]
        );
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
        assert_eq!(
            issues[0].message,
            "'flga' is not a setting this library knows (check the spelling)"
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
        // shift): no value, and the rest is still checked.
        let r: Read<Doc> = from_json_str(r#"{"items":[1,{"name":"b"}],"flag":"x"}"#, "");
        assert!(r.value.is_none());
        assert_eq!(
            paths_and_codes(&r.issues),
            [
                ("flag", IssueCode::TypeMismatch),
                ("items[0]", IssueCode::TypeMismatch)
            ]
        );
        // The document itself neither.
        let r: Read<Doc> = from_json_str("[]", "options");
        assert!(r.value.is_none());
        assert_eq!(
            paths_and_codes(&r.issues),
            [("options", IssueCode::TypeMismatch)]
        );
        assert_eq!(
            r.issues[0].message,
            "invalid type: sequence, expected an object"
        );
    }

    #[test]
    fn numbers_are_read_within_their_type() {
        let r: Read<Vec<u32>> = from_json_str("[0, 4294967295]", "");
        assert_eq!(r.value, Some(vec![0, u32::MAX]));
        for bad in ["[4294967296]", "[-1]", "[1.5]", "[\"1\"]"] {
            let r: Read<Vec<u32>> = from_json_str(bad, "");
            assert!(r.value.is_none(), "{bad}");
            assert_eq!(
                paths_and_codes(&r.issues),
                [("[0]", IssueCode::TypeMismatch)]
            );
        }
        let r: Read<Vec<f64>> = from_json_str("[1, -2.5, 1e300]", "");
        assert_eq!(r.value, Some(vec![1.0, -2.5, 1e300]));
        let r: Read<Vec<[u32; 2]>> = from_json_str("[[1, 2], [3]]", "");
        assert!(r.value.is_none());
        assert_eq!(
            r.issues[0].message,
            "invalid type: sequence, expected an array of length 2"
        );
        let r: Read<Vec<serde_bytes::ByteBuf>> = from_json_str("[[0, 255], [256]]", "");
        assert!(r.value.is_none());
        assert_eq!(
            paths_and_codes(&r.issues),
            [("[1]", IssueCode::TypeMismatch)]
        );
    }

    #[test]
    fn enums_take_their_strings_only() {
        use crate::config::OverCap;
        let r: Read<Vec<Option<OverCap>>> = from_json_str(r#"["truncate", null]"#, "");
        assert_eq!(r.value, Some(vec![Some(OverCap::Truncate), None]));
        let r: Read<Vec<OverCap>> = from_json_str(r#"["secret-drop", 1]"#, "");
        assert!(r.value.is_none());
        let messages: Vec<&str> = r.issues.iter().map(|i| i.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown value, expected one of 'refuse', 'truncate'",
                "invalid type: integer, expected one of 'refuse', 'truncate'"
            ]
        );
    }

    #[test]
    fn a_failed_contact_without_its_reason_leaves_no_checkpoint() {
        use crate::report::Checkpoint;
        for failed in [
            r#"{"segment":0,"row":1}"#,
            r#"{"segment":0,"row":1,"reason":null}"#,
            r#"{"segment":0,"row":1,"reason":"secret-reason"}"#,
        ] {
            let text = format!(r#"{{"failed":[{failed}]}}"#);
            let r: Read<Checkpoint> = from_json_str(&text, "options.checkpoint");
            assert!(r.value.is_none(), "{failed}");
            assert_eq!(
                paths_and_codes(&r.issues),
                [(
                    "options.checkpoint.failed[0].reason",
                    IssueCode::TypeMismatch
                )],
                "{failed}"
            );
            assert!(
                !r.issues[0].message.contains("secret"),
                "{}",
                r.issues[0].message
            );
        }
    }

    #[test]
    fn a_member_after_an_array_is_still_a_member() {
        #[derive(Debug, Default)]
        struct Later {
            items: Vec<Inner>,
            zed: bool,
        }
        readable_struct!(Later {
            items: "items",
            zed: "zed"
        });
        // `zed` is read after the array's elements: its mismatch leaves it out, not the value.
        let r: Read<Later> = from_json_str(r#"{"items":[{"name":"a"}],"zed":1}"#, "");
        assert_eq!(
            paths_and_codes(&r.issues),
            [("zed", IssueCode::TypeMismatch)]
        );
        let doc = r.value.unwrap(); // ok: test
        assert_eq!(doc.items.len(), 1);
        assert!(!doc.zed);
    }

    #[test]
    fn leaving_a_member_restores_the_element_context() {
        let mut r = Reader::new("options");
        let element = r.enter_index(0);
        let member = r.enter_key("x");
        r.push_refusal("member".to_string());
        assert!(!r.broken, "a member of the wrong type is left out");
        r.leave(member);
        assert_eq!(r.path, "options[0]");
        r.push_refusal("element".to_string());
        assert!(r.broken, "an element of the wrong type breaks the document");
        r.leave(element);
        assert_eq!(r.path, "options");
    }

    #[test]
    fn filled_documents_read_as_serde_reads_them() {
        use crate::autopilot::account::CheckOptions;
        use crate::config::ExportConfig;
        use crate::report::{Checkpoint, FailedRef, ListRef, RejectReason, RequestCounts};
        use crate::run::{PreviewOptions, RunOptions};
        use serde_json::json;
        /// The document read by this reader and by serde's derive, which must agree (every
        /// value below is distinct, so a key paired with the wrong field shows).
        fn both<T: Readable + for<'de> serde::Deserialize<'de> + std::fmt::Debug>(
            doc: Value,
        ) -> (T, T) {
            let ours = read::<T>(&doc, "").strict().unwrap(); // ok: test
            let serde = serde_json::from_value::<T>(doc).unwrap(); // ok: test
            assert_eq!(format!("{ours:?}"), format!("{serde:?}"));
            (ours, serde)
        }
        let (ours, serde) = both::<ExportConfig>(json!({
            "connection": {"displayName": "Shop", "apiKey": "k-0123456789abcdef", "consent": true,
                "exportUser": "ann", "baseUrl": "http://127.0.0.1:9/v1"},
            "mapping": {"email": "mail", "firstName": "fn", "lastName": "ln",
                "fields": {"Company": "co", "Phone": "ph"},
                "custom": [{"source": "age", "name": "Age", "type": "integer",
                    "format": "epoch-ms", "decimal": ","}]},
            "segments": [{"name": "VIP"}, {"name": "All"}],
            "cap": 500, "overCap": "truncate", "lists": "none", "listPrefix": "AE ",
            "idField": "id", "membership": "mirror", "maxRemovalRatio": 0.25
        }));
        assert_eq!(
            ours.connection.api_key.expose(),
            serde.connection.api_key.expose()
        );
        assert_eq!(ours.connection.api_key.expose(), "k-0123456789abcdef");
        assert_eq!(ours.mapping.fields.len(), 2);

        let checkpoint = Checkpoint {
            version: 2,
            fingerprint: "fp".into(),
            base: "base".into(),
            state: "state".into(),
            lists: vec![
                Some(ListRef {
                    id: "contactlist_1".into(),
                    created: true,
                }),
                None,
            ],
            batches: 9,
            done: vec![[0, 3], [5, 5]],
            exported: vec![4, 5],
            removed: vec![1, 6],
            failed: vec![FailedRef {
                segment: 1,
                row: 7,
                reason: RejectReason::ALL[RejectReason::ALL.len() - 1],
                detail: Some("detail".into()),
            }],
            carried_exported: vec![2, 3],
            carried_removed: vec![8, 1],
            carried_failed: 1,
            sends: "sends".into(),
            job: "job".into(),
            key: "key".into(),
            requests: RequestCounts {
                sent: 10,
                retried: 2,
                throttled: 1,
                errors: 3,
                bisected: 4,
            },
        };
        let cp = serde_json::to_value(&checkpoint).unwrap(); // ok: test
        let (ours, serde) = both::<RunOptions>(json!({
            "ratePerSecond": 7, "maxInFlight": 3, "requestTimeoutMs": 1000, "maxAttempts": 4,
            "maxRequests": 99, "fullResync": true, "syncState": [1, 2, 255], "checkpoint": cp
        }));
        assert_eq!(ours, serde);
        assert_eq!(ours.checkpoint, Some(checkpoint));
        let (ours, serde) = both::<PreviewOptions>(json!({
            "ratePerSecond": 6, "syncState": [3], "sample": 5, "fullResync": false,
            "maxInFlight": 2, "requestTimeoutMs": 900, "maxAttempts": 8, "maxRequests": 11,
            "checkpoint": cp
        }));
        assert_eq!(ours, serde);
        let (ours, serde) = both::<CheckOptions>(json!({"timeoutMs": 1234}));
        assert_eq!(ours, serde);
        let (ours, serde) = both::<crate::download::UrlSource>(json!({
            "url": "https://files.test/a.csv", "format": "csv",
            "headers": {"authorization": "Bearer t", "x-a": "b"},
            "delimiter": ";", "encoding": "windows-1252"
        }));
        assert_eq!(ours, serde);
        let (ours, serde) =
            both::<crate::input::SourceOptions>(json!({"delimiter": "|", "encoding": "utf-16le"}));
        assert_eq!(ours, serde);
    }

    /// The names serde's derive gives a struct's fields or an enum's variants (what tsify
    /// writes into the TypeScript types), captured from its call of the deserializer.
    fn serde_names<T: for<'de> serde::Deserialize<'de>>() -> Vec<&'static str> {
        use serde::de::{self, Visitor};
        struct Names(std::cell::RefCell<Vec<&'static str>>);
        impl<'de> de::Deserializer<'de> for &Names {
            type Error = de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(de::Error::custom("not a struct or an enum"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0.borrow_mut().extend(fields);
                Err(de::Error::custom("captured"))
            }
            fn deserialize_enum<V: Visitor<'de>>(
                self,
                _: &'static str,
                variants: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0.borrow_mut().extend(variants);
                Err(de::Error::custom("captured"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
                identifier ignored_any
            }
        }
        let names = Names(Default::default());
        let _ = T::deserialize(&names);
        names.0.into_inner()
    }

    #[test]
    fn every_type_reads_the_keys_of_its_typescript_type() {
        use crate::autopilot::account::CheckOptions;
        use crate::config::*;
        use crate::report::*;
        use crate::run::{PreviewOptions, RunOptions};
        fn check<T: Readable + for<'de> serde::Deserialize<'de>>(name: &str) {
            let serde = serde_names::<T>();
            assert!(!serde.is_empty(), "{name}: serde gave no names");
            assert_eq!(T::KEYS, serde.as_slice(), "{name}");
        }
        check::<Connection>("Connection");
        check::<CustomField>("CustomField");
        check::<FieldMapping>("FieldMapping");
        check::<SegmentConfig>("SegmentConfig");
        check::<ExportConfig>("ExportConfig");
        check::<OverCap>("OverCap");
        check::<ListMode>("ListMode");
        check::<Membership>("Membership");
        check::<RunOptions>("RunOptions");
        check::<PreviewOptions>("PreviewOptions");
        check::<CheckOptions>("CheckOptions");
        check::<crate::download::UrlSource>("UrlSource");
        check::<crate::input::SourceOptions>("SourceOptions");
        check::<Checkpoint>("Checkpoint");
        check::<ListRef>("ListRef");
        check::<FailedRef>("FailedRef");
        check::<RequestCounts>("RequestCounts");
        // Code enums read their own strings.
        assert!(RejectReason::KEYS
            .iter()
            .zip(RejectReason::ALL)
            .all(|(k, c)| *k == c.as_str()));
        assert_eq!(RejectReason::KEYS.len(), RejectReason::ALL.len());
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
