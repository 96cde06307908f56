//! Values across the boundary (DESIGN.md §2, issue 10): Rust → JS written by the core
//! ([`crate::write`]) into JS objects, arrays, numbers, strings and `Uint8Array`s built here
//! directly (no JSON text round trip; the values are those serde-wasm-bindgen gave, which the
//! core's writer replaced for size, issue 15), JS → Rust through [`crate::read`] so that an
//! unknown key or a wrong type is an issue with a path, and the core's errors as thrown
//! `AutopilotExportError`s.
//!
//! Documents are read through a `serde_json::Value` made here by walking the JS value (own
//! enumerable keys, like `JSON.stringify`), so that the core sees every key — serde-wasm-
//! bindgen's struct reader looks up only the fields a type knows, and unknown keys would pass
//! unseen. `undefined` members become `null`, which the reader ([`crate::read`]) takes for
//! "absent" (what `JSON.stringify` and `process.env` give callers); NaN and ±Infinity are a
//! type mismatch at their path. Integral numbers become integers.

use crate::error::{Error, ErrorCode};
use crate::read::{Read, Readable};
use crate::write::{Sink, Writable};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// The error every function of the package throws (DESIGN.md §3), a real class so that
// `instanceof` and TypeScript narrowing work. The package's entries re-export both names
// (pkg-template/build.sh finds this snippet). `isAutopilotExportError` also recognises an
// error of another copy of the package.
#[wasm_bindgen(inline_js = r#"
export class AutopilotExportError extends Error {
  constructor(code, message, issues, report) {
    super(message);
    this.name = 'AutopilotExportError';
    this.code = code;
    this.issues = issues;
    if (report !== undefined) this.report = report;
  }
}
export function isAutopilotExportError(e) {
  return e instanceof AutopilotExportError || (e instanceof Error && e.name === 'AutopilotExportError' && typeof e.code === 'string');
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = AutopilotExportError)]
    type JsExportError;
    #[wasm_bindgen(constructor, js_class = "AutopilotExportError")]
    fn new(code: &str, message: &str, issues: &JsValue, report: &JsValue) -> JsExportError;
}

#[wasm_bindgen]
extern "C" {
    /// An object whose members are set by `obj[key] = value` (no `Reflect.set` call).
    #[wasm_bindgen(extends = Object)]
    type JsObject;
    #[wasm_bindgen(method, indexing_setter)]
    fn set(this: &JsObject, key: &JsValue, value: JsValue);
}

/// Builds the JS value a [`Writable`] writes: `undefined` for a missing value, plain objects
/// and arrays, numbers, strings, booleans, `Uint8Array` for bytes.
#[derive(Default)]
struct JsSink {
    /// The open arrays and objects, innermost last.
    open: Vec<Open>,
    /// The value once the outermost one is complete.
    done: JsValue,
    /// Every key of this call with its JS string, made once: a report lists up to 100,000
    /// rejects of five members each (measured: a key made per member doubled the time of
    /// such an answer). Looked up from the most recent: an array's objects repeat the keys
    /// just written, and a call usually has a few dozen keys (a linear search measured as
    /// fast as a `HashMap`, which costs 1 KB gzip more).
    keys: Vec<(String, JsValue)>,
}

/// An array or object being written.
enum Open {
    Array(js_sys::Array),
    /// The object, and the index in `JsSink::keys` of its next member's key (`usize::MAX`
    /// until a key is given: a value without a key, which no writer hands over, is dropped).
    Object(JsObject, usize),
}

impl JsSink {
    /// Puts `v` where it belongs: the next element or member of the innermost container, or
    /// the result.
    fn put(&mut self, v: JsValue) {
        match self.open.last() {
            None => self.done = v,
            Some(Open::Array(a)) => {
                a.push(&v);
            }
            Some(Open::Object(o, key)) => {
                if let Some((_, k)) = self.keys.get(*key) {
                    o.set(k, v);
                }
            }
        }
    }
}

impl Sink for JsSink {
    fn missing(&mut self) {
        self.put(JsValue::UNDEFINED);
    }
    fn boolean(&mut self, b: bool) {
        self.put(JsValue::from_bool(b));
    }
    fn number(&mut self, n: f64) {
        self.put(JsValue::from_f64(n));
    }
    fn string(&mut self, s: &str) {
        self.put(JsValue::from_str(s));
    }
    fn bytes(&mut self, b: &[u8]) {
        self.put(js_sys::Uint8Array::from(b).into());
    }
    fn begin_array(&mut self) {
        self.open.push(Open::Array(js_sys::Array::new()));
    }
    fn begin_object(&mut self) {
        self.open
            .push(Open::Object(Object::new().unchecked_into(), usize::MAX));
    }
    fn key(&mut self, k: &str) {
        let index = match self.keys.iter().rposition(|(text, _)| text == k) {
            Some(i) => i,
            None => {
                self.keys.push((k.to_string(), JsValue::from_str(k)));
                self.keys.len() - 1
            }
        };
        if let Some(Open::Object(_, key)) = self.open.last_mut() {
            *key = index;
        }
    }
    fn end(&mut self) {
        match self.open.pop() {
            Some(Open::Array(a)) => self.put(a.into()),
            Some(Open::Object(o, _)) => self.put(o.into()),
            None => {}
        }
    }
}

/// `value` as a plain JS value, written by the core ([`crate::write`]).
pub fn to_js(value: &dyn Writable) -> JsValue {
    let mut sink = JsSink::default();
    value.write(&mut sink);
    sink.done
}

/// The thrown error for `e`, with the report of a run that had started.
pub fn js_error(e: &Error, report: Option<&JsValue>) -> JsValue {
    let undefined = JsValue::UNDEFINED;
    JsExportError::new(
        e.code.as_str(),
        &e.message,
        &to_js(&e.issues),
        report.unwrap_or(&undefined),
    )
    .into()
}

/// What in a JS value has no JSON form: `what` it is, and where (`segments[0].cap`, empty for
/// the value itself).
pub struct NotJson {
    /// What the value is ("a function", "a number that is not finite (NaN or Infinity)").
    pub what: String,
    /// Where, below the value given to [`value_of`] (empty for that value itself, and for
    /// the member `""` of it).
    pub path: String,
    /// Whether a step was put before the value itself yet.
    below: bool,
    /// Whether the outermost step so far is an array index (`[0]...`).
    index_first: bool,
}

impl NotJson {
    fn new(what: impl Into<String>) -> Self {
        NotJson {
            what: what.into(),
            path: String::new(),
            below: false,
            index_first: false,
        }
    }

    /// The same problem one level further out, under the member `key` (the core's reader
    /// writes paths the same way: `a.key`, `a.[x]` for a key that starts with `[`).
    fn under_key(mut self, key: &str) -> Self {
        self.path = match (self.below, self.index_first) {
            (false, _) => key.to_string(),
            (true, true) => format!("{key}{}", self.path),
            (true, false) => format!("{key}.{}", self.path),
        };
        self.below = true;
        self.index_first = false;
        self
    }

    /// The same problem under the array index `i`.
    fn under_index(mut self, i: usize) -> Self {
        self.path = match (self.below, self.index_first) {
            (false, _) => format!("[{i}]"),
            (true, true) => format!("[{i}]{}", self.path),
            (true, false) => format!("[{i}].{}", self.path),
        };
        self.below = true;
        self.index_first = true;
        self
    }

    /// The same problem under `prefix`, a path that starts with a key
    /// (`segments[0].profiles`; `""`, the document root, changes nothing).
    pub fn under(self, prefix: &str) -> Self {
        if prefix.is_empty() {
            self
        } else {
            self.under_key(prefix)
        }
    }
}

/// `v` as a JSON value; `Err` names what cannot be one (a function, a symbol, a number that
/// is not finite, a cycle) and where.
pub fn value_of(v: &JsValue, depth: u32) -> Result<serde_json::Value, NotJson> {
    use serde_json::Value;
    if depth > crate::read::MAX_DEPTH {
        return Err(NotJson::new("nested too deeply (a cycle?)"));
    }
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(
            if n.fract() == 0.0 && n.abs() <= crate::util::float::MAX_SAFE_INTEGER {
                Value::from(n as i64)
            } else {
                // NaN and ±Infinity have no JSON form; read as `null` they would mean "absent"
                // and silently give the default.
                Value::Number(
                    serde_json::Number::from_f64(n).ok_or_else(|| {
                        NotJson::new("a number that is not finite (NaN or Infinity)")
                    })?,
                )
            },
        );
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if v.is_bigint() {
        return i64::try_from(v.clone())
            .map(Value::from)
            .map_err(|_| NotJson::new("a BigInt out of range"));
    }
    if v.is_function() || v.is_symbol() {
        return Err(NotJson::new(format!(
            "a {}",
            v.js_typeof().as_string().unwrap_or_default()
        )));
    }
    if let Some(a) = v.dyn_ref::<js_sys::Array>() {
        return a
            .iter()
            .enumerate()
            .map(|(i, x)| value_of(&x, depth + 1).map_err(|e| e.under_index(i)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Some(u) = v.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(Value::Array(
            u.to_vec().into_iter().map(Value::from).collect(),
        ));
    }
    let mut map = serde_json::Map::new();
    for entry in Object::entries(v.unchecked_ref()).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        if let Some(k) = pair.get(0).as_string() {
            let value = value_of(&pair.get(1), depth + 1).map_err(|e| e.under_key(&k))?;
            map.insert(k, value);
        }
    }
    Ok(Value::Object(map))
}

/// Reads options of type `T` from `v`, which may be absent (`undefined`/`null`).
pub fn read_options<T: Readable>(v: &JsValue, prefix: &str) -> Read<T> {
    if v.is_undefined() || v.is_null() {
        return read(&js_sys::Object::new().into(), prefix);
    }
    read(v, prefix)
}

/// Hands the core the engine's Unicode lower case (`String.prototype.toLowerCase`), so that
/// header and segment names fold in full Unicode without Rust's case tables in the module
/// (`crate::util::text`). Done where every job and option document is read, which comes
/// before any folding; after the first call it changes nothing.
fn hand_over_lower_case() {
    crate::util::text::set_host_lower_case(|s| {
        String::from(js_sys::JsString::from(s).to_lower_case())
    });
}

/// Reads a document of type `T` from `v`, which must be an object (paths in issues start
/// with `prefix`).
pub fn read<T: Readable>(v: &JsValue, prefix: &str) -> Read<T> {
    hand_over_lower_case();
    match document(v, prefix) {
        Ok(value) => crate::read::read(&value, prefix),
        Err(issue) => Read {
            value: None,
            issues: vec![issue],
        },
    }
}

/// `v` as a JSON document (the reader takes its `null` members for left out), or the issue
/// why it cannot be one, at the path of the offending value (not generic: compiled once for
/// every document type).
#[inline(never)]
fn document(v: &JsValue, prefix: &str) -> Result<serde_json::Value, crate::error::Issue> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(crate::error::Issue::new(
            prefix,
            crate::error::IssueCode::TypeMismatch,
            "expected an object",
        ));
    }
    value_of(v, 0).map_err(|e| {
        let e = e.under(prefix);
        crate::error::Issue::new(
            e.path,
            crate::error::IssueCode::TypeMismatch,
            format!(
                "the value cannot be read: it holds {}; use plain objects, strings, finite numbers and booleans",
                e.what
            ),
        )
    })
}

/// `obj[key]`, or `undefined`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A shallow copy of `obj` without `keys` (the originals are left untouched).
pub fn without(obj: &JsValue, keys: &[&str]) -> JsValue {
    if !obj.is_object() {
        return obj.clone();
    }
    let copy: JsValue = Object::assign(&Object::new(), obj.unchecked_ref()).into();
    for k in keys {
        let _ = Reflect::delete_property(copy.unchecked_ref::<Object>(), &JsValue::from_str(k));
    }
    copy
}

/// `CONFIG_INVALID` for a value that is not an object where one belongs.
pub fn not_an_object(what: &str) -> Error {
    Error::type_mismatch("", format!("expected {what} object"))
}

/// An internal error (a JS facility missing).
pub fn internal(what: &str) -> Error {
    Error::new(ErrorCode::Internal, what.to_string())
}
