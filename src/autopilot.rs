//! Wire format of the Autopilot (legacy Journeys) REST API used by the exporter
//! (research notes `autopilot-api.md` §1): paths, request bodies, response and error-body
//! parsing, `Retry-After` parsing, and [`redact`] for server messages.
//!
//! Paths are relative to the API base, which already ends in `/v1`
//! (`https://api2.autopilothq.com/v1` by default). Every request carries the key in the
//! [`API_KEY_HEADER`] header — that is the transport's job; nothing here sees the key.
//!
//! Parsing is lenient about extra members and strict about the members the exporter relies
//! on: a `200` whose body lacks them is treated by the run like a `5xx` (retried).

use crate::util::hash::{fold_hash, U64Map};
use crate::util::json::push_json_str;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The request header carrying the API key (raw key, no scheme).
pub const API_KEY_HEADER: &str = "autopilotapikey";
/// `GET`: account information (`checkConnection`).
pub const PATH_ACCOUNT: &str = "/account";
/// `GET`: every list, `{"lists":[{"list_id","title"}]}`.
pub const PATH_LISTS: &str = "/lists";
/// `POST` `{"name": title}`: creates a list, `{"list_id"}`; `409` if the title exists.
pub const PATH_LIST: &str = "/list";
/// `POST` `{"contacts":[...]}` (at most 100): bulk upsert keyed by email.
pub const PATH_CONTACTS: &str = "/contacts";

/// The longest server message kept (after redaction), in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// A JSON value as far as response parsing needs it: a small stand-in for
/// `serde_json::Value` (objects keep their order in a vector; no map type is pulled in).
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Num(f64),
    Object(Vec<(String, Value)>),
    Array(Vec<Value>),
    Other,
}

impl Value {
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
                Ok(Value::Str(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Num(v as f64))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
                Ok(Value::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Value::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    out.push((k, map.next_value()?));
                }
                Ok(Value::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The body of `POST /v1/list`: `{"name": title}`.
pub fn create_list_body(title: &str) -> String {
    let mut out = String::with_capacity(title.len() + 12);
    out.push_str("{\"name\":");
    push_json_str(&mut out, title);
    out.push('}');
    out
}

/// One Autopilot list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// `contactlist_…` id.
    pub list_id: String,
    /// Title (what the exporter matches segment list titles against, exactly).
    pub title: String,
}

/// Parses a `GET /v1/lists` body. `None` when it is not `{"lists":[...]}`; entries without a
/// string `list_id` and `title` are skipped.
pub fn parse_lists(body: &str) -> Option<Vec<ListEntry>> {
    let v: Value = serde_json::from_str(body).ok()?;
    let lists = v.get("lists")?.as_array()?;
    Some(
        lists
            .iter()
            .filter_map(|l| {
                let list_id = l.get("list_id")?.as_str()?;
                let title = l.get("title")?.as_str()?;
                (!list_id.is_empty()).then(|| ListEntry {
                    list_id: list_id.to_string(),
                    title: title.to_string(),
                })
            })
            .collect(),
    )
}

/// The id of the list in `lists` whose title is exactly `title` (the first, if several).
pub fn find_list<'a>(lists: &'a [ListEntry], title: &str) -> Option<&'a str> {
    lists
        .iter()
        .find(|l| l.title == title)
        .map(|l| l.list_id.as_str())
}

/// Parses a `POST /v1/list` success body: the new `list_id` (`None` if absent or empty).
pub fn parse_created_list(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let id = v.get("list_id")?.as_str()?;
    (!id.is_empty()).then(|| id.to_string())
}

/// What a `POST /v1/contacts` success confirms.
#[derive(Debug, Clone, Default)]
pub struct BulkResponse {
    /// Case-folded hashes of the keys of `email_contact_map` (Autopilot's key casing is not
    /// documented, so the exporter compares case-insensitively).
    confirmed: U64Map,
}

impl BulkResponse {
    /// Whether `email` (any case) is confirmed.
    pub fn confirms(&self, email: &str) -> bool {
        // A 64-bit hash stands for the key: a false match needs a collision between two
        // addresses of one response (about 1 in 10^17).
        self.confirmed
            .contains_key(&fold_hash(email.trim().as_bytes()))
    }

    /// How many distinct addresses the response confirms.
    pub fn len(&self) -> usize {
        self.confirmed.len()
    }

    /// Whether the response confirms nothing.
    pub fn is_empty(&self) -> bool {
        self.confirmed.is_empty()
    }
}

/// Parses a `POST /v1/contacts` success body. `None` unless it is an object with an
/// `email_contact_map` object (an empty JSON array is accepted as an empty map).
pub fn parse_bulk_response(body: &str) -> Option<BulkResponse> {
    let v: Value = serde_json::from_str(body).ok()?;
    let confirmed = match v.get("email_contact_map")? {
        Value::Object(map) => map
            .iter()
            .map(|(k, _)| (fold_hash(k.trim().as_bytes()), 0))
            .collect(),
        Value::Array(a) if a.is_empty() => U64Map::default(),
        _ => return None,
    };
    Some(BulkResponse { confirmed })
}

/// An Autopilot error body `{"error": "...", "message": "..."}` (both optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorBody {
    /// The `error` member (e.g. `Bad Request`).
    pub error: Option<String>,
    /// The `message` member (e.g. `Provided autopilotapikey not valid.`).
    pub message: Option<String>,
    /// A retry hint in seconds from an Ortto-style body
    /// (`{"error":{"message":…,"try-in-seconds":10}}`), if present.
    pub retry_in_seconds: Option<f64>,
}

/// Parses an error body leniently (anything unreadable gives an empty [`ErrorBody`]).
pub fn parse_error_body(body: &str) -> ErrorBody {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return ErrorBody::default();
    };
    let text = |x: Option<&Value>| x.and_then(Value::as_str).map(str::to_string);
    let mut out = ErrorBody {
        error: text(v.get("error")),
        message: text(v.get("message")),
        retry_in_seconds: None,
    };
    if let Some(inner) = v.get("error").filter(|e| e.is_object()) {
        out.error = text(inner.get("code"));
        if out.message.is_none() {
            out.message = text(inner.get("message"));
        }
        out.retry_in_seconds = inner
            .get("try-in-seconds")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && *s >= 0.0);
    }
    out
}

/// A short, redacted description of an error answer: `HTTP 400 Bad Request: <message>`.
/// The message comes from the error body (`message`, else `error`), passes through
/// [`redact`] (removing `email` and anything email-like), and is cut to
/// [`MAX_MESSAGE_CHARS`].
pub fn describe_error(status: u16, body: &str, email: Option<&str>) -> String {
    let parsed = parse_error_body(body);
    let mut out = format!("HTTP {status}");
    if let Some(e) = parsed
        .error
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        out.push(' ');
        out.push_str(&redact(e, email));
    }
    if let Some(m) = parsed
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        out.push_str(": ");
        out.push_str(&redact(m, email));
    }
    truncate_chars(&out, MAX_MESSAGE_CHARS)
}

/// Parses a `Retry-After` header value into a delay in milliseconds from `now_ms` (epoch
/// milliseconds): delta-seconds (`"3"`, also `"1.5"`), or an IMF-fixdate
/// (`"Sun, 06 Nov 1994 08:49:37 GMT"`; a date in the past gives 0). `None` if unreadable.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = v.parse().ok()?;
        return (secs.is_finite() && secs >= 0.0).then_some(secs * 1000.0);
    }
    let at = crate::util::time::parse_http_date(v)?;
    Some((at - now_ms).max(0.0))
}

/// Removes personal data from a server message so that it can go into a report: every
/// email-like token (`local@domain`, also URL-encoded `local%40domain`) becomes `[email]`,
/// `email` itself (any case) too, and long runs of hex digits (which could be a key) become
/// `[redacted]`. Control characters become spaces.
pub fn redact(text: &str, email: Option<&str>) -> String {
    let mut s = text.to_string();
    if let Some(e) = email.map(str::trim).filter(|e| !e.is_empty()) {
        s = replace_ignore_ascii_case(&s, e, "[email]");
    }
    let s = redact_email_like(&s);
    let s = redact_hex_runs(&s);
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn replace_ignore_ascii_case(haystack: &str, needle: &str, with: &str) -> String {
    let lower_h = haystack.to_ascii_lowercase();
    let lower_n = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(haystack.len());
    let mut pos = 0;
    while let Some(found) = lower_h.get(pos..).and_then(|h| h.find(&lower_n)) {
        let start = pos + found;
        out.push_str(haystack.get(pos..start).unwrap_or(""));
        out.push_str(with);
        pos = start + lower_n.len();
    }
    out.push_str(haystack.get(pos..).unwrap_or(""));
    out
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-\"".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'[' || b == b']' || b == b':'
}

/// Replaces `x@y` / `x%40y` tokens by `[email]`.
fn redact_email_like(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0; // bytes of `s` already handled
    let mut i = 0;
    while i < bytes.len() {
        let at_len = if bytes.get(i) == Some(&b'@') {
            1
        } else if bytes
            .get(i..i + 3)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"%40"))
        {
            3
        } else {
            0
        };
        if at_len == 0 {
            i += 1;
            continue;
        }
        let mut l = i;
        while l > copied && bytes.get(l - 1).is_some_and(|&b| is_local_byte(b)) {
            l -= 1;
        }
        let mut r = i + at_len;
        while bytes.get(r).is_some_and(|&b| is_domain_byte(b)) {
            r += 1;
        }
        // Trailing dots belong to the sentence, not the address.
        while r > i + at_len && bytes.get(r - 1) == Some(&b'.') {
            r -= 1;
        }
        out.push_str(s.get(copied..l).unwrap_or(""));
        out.push_str("[email]");
        copied = r;
        i = r.max(i + 1);
    }
    out.push_str(s.get(copied..).unwrap_or(""));
    out
}

/// Replaces runs of 24 or more hex digits by `[redacted]`.
fn redact_hex_runs(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
            let start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            if i - start >= 24 {
                out.push_str(s.get(copied..start).unwrap_or(""));
                out.push_str("[redacted]");
                copied = i;
            }
        } else {
            i += 1;
        }
    }
    out.push_str(s.get(copied..).unwrap_or(""));
    out
}

/// `s` cut to at most `max` characters (with `…` when cut).
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((cut, _)) => {
            let mut out = s.get(..cut).unwrap_or("").to_string();
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_bodies_and_responses() {
        assert_eq!(
            create_list_body("VIP \"gold\""),
            r#"{"name":"VIP \"gold\""}"#
        );
        let lists = parse_lists(r#"{"lists":[{"list_id":"contactlist_1","title":"A"},{"title":"no id"},{"list_id":"contactlist_2","title":"B"}]}"#).unwrap(); // ok: test
        assert_eq!(lists.len(), 2);
        assert_eq!(find_list(&lists, "B"), Some("contactlist_2"));
        assert_eq!(find_list(&lists, "b"), None);
        assert!(parse_lists(r#"{"nope":[]}"#).is_none());
        assert!(parse_lists("<html>").is_none());
        assert_eq!(
            parse_created_list(r#"{"list_id":"contactlist_9","name":"x"}"#).as_deref(),
            Some("contactlist_9")
        );
        assert_eq!(parse_created_list(r#"{"list_id":""}"#), None);
    }

    #[test]
    fn bulk_response_is_case_insensitive_and_strict_about_the_map() {
        let r = parse_bulk_response(r#"{"contact_ids":["person_1"],"email_contact_map":{"Ada@Example.com":"person_1"},"_removeResultKeys":[]}"#).unwrap(); // ok: test
        assert!(r.confirms("ada@example.com"));
        assert!(r.confirms("ADA@example.com"));
        assert!(!r.confirms("bob@example.com"));
        assert!(parse_bulk_response(r#"{"contact_ids":["person_1"]}"#).is_none());
        assert!(parse_bulk_response(r#"{"email_contact_map":[]}"#)
            .unwrap() // ok: test
            .is_empty());
        assert!(parse_bulk_response("").is_none());
    }

    #[test]
    fn error_bodies() {
        let e = parse_error_body(
            r#"{"error":"Unauthorized","message":"Provided autopilotapikey not valid."}"#,
        );
        assert_eq!(e.error.as_deref(), Some("Unauthorized"));
        assert_eq!(
            e.message.as_deref(),
            Some("Provided autopilotapikey not valid.")
        );
        let o = parse_error_body(
            r#"{"error":{"code":"rate-limit","message":"rate limit","try-in-seconds":10}}"#,
        );
        assert_eq!(o.retry_in_seconds, Some(10.0));
        assert_eq!(o.message.as_deref(), Some("rate limit"));
        assert_eq!(parse_error_body("not json"), ErrorBody::default());
        assert_eq!(
            describe_error(
                400,
                r#"{"error":"Bad Request","message":"Invalid contact ada@example.com."}"#,
                None
            ),
            "HTTP 400 Bad Request: Invalid contact [email]."
        );
    }

    #[test]
    fn retry_after() {
        assert_eq!(parse_retry_after("3", 0.0), Some(3000.0));
        assert_eq!(parse_retry_after(" 1.5 ", 0.0), Some(1500.0));
        assert_eq!(parse_retry_after("soon", 0.0), None);
        assert_eq!(parse_retry_after("-1", 0.0), None);
        // 1994-11-06T08:49:37Z = 784111777 s.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_770_000.0),
            Some(7000.0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_790_000.0),
            Some(0.0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 CET", 0.0),
            None
        );
    }

    #[test]
    fn redaction_removes_emails_and_keys() {
        assert_eq!(
            redact("bad contact Ada.L+x@Example.COM.", None),
            "bad contact [email]."
        );
        assert_eq!(redact("see ada%40example.com&y", None), "see [email]&y");
        // Conservative: characters allowed in a local part are taken along.
        assert_eq!(redact("to=ada@example.com", None), "[email]");
        assert_eq!(
            redact(
                "weird \"ada lovelace\"@example.com",
                Some("\"ada lovelace\"@example.com")
            ),
            "weird [email]"
        );
        assert_eq!(
            redact("key 0123456789abcdef0123456789abcdef bad", None),
            "key [redacted] bad"
        );
        assert_eq!(
            redact("list contactlist_11944F3C-F91F-48AD", None),
            "list contactlist_11944F3C-F91F-48AD"
        );
        assert_eq!(redact("line\nbreak @ é", None), "line break [email] é");
        assert!(!redact("a@b c@d e@", Some("x")).contains('@'));
        assert_eq!(truncate_chars("ééé", 2), "éé…");
    }
}
