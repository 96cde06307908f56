//! Parsing Autopilot's answers (research notes `autopilot-api.md` §1.6–§1.9): lists, created
//! lists, bulk upserts (`email_contact_map` with the contact ids), error bodies,
//! `Retry-After`, and the short redacted description of an error answer.
//!
//! Parsing is lenient about extra members and strict about the members the exporter relies
//! on: a `200` whose body lacks them is treated by the run like a `5xx` (retried).

use super::redact::{redact, truncate_chars};
use crate::util::hash::{fold_hash, U64Map};
use crate::util::json_read::parse;
use serde_json::Value;

/// The longest server message kept (after redaction), in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;

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
    let v = parse(body).ok()?;
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
    let v = parse(body).ok()?;
    let id = v.get("list_id")?.as_str()?;
    (!id.is_empty()).then(|| id.to_string())
}

/// What a `POST /v1/contacts` success confirms: which addresses, and their Autopilot
/// contact ids (`email_contact_map`, [RUBY-VCR], [PHP]).
#[derive(Debug, Clone, Default)]
pub struct BulkResponse {
    /// Case-folded hashes of the keys of `email_contact_map` → index into `ids` (Autopilot's
    /// key casing is not documented, so the exporter compares case-insensitively).
    confirmed: U64Map,
    /// The contact ids, as Autopilot sent them (empty when the value was not a string).
    ids: Vec<String>,
}

impl BulkResponse {
    /// Whether `email` (any case) is confirmed.
    pub fn confirms(&self, email: &str) -> bool {
        // A 64-bit hash stands for the key: a false match needs a collision between two
        // addresses of one response (about 1 in 10^17).
        self.confirmed
            .contains_key(&fold_hash(email.trim().as_bytes()))
    }

    /// The Autopilot contact id of `email` (any case), when confirmed with one.
    pub fn contact_id(&self, email: &str) -> Option<&str> {
        let i = *self.confirmed.get(&fold_hash(email.trim().as_bytes()))?;
        self.ids
            .get(i as usize)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
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
/// `email_contact_map` object (an empty JSON array is accepted as an empty map). Emails are
/// matched case-insensitively; were two keys of the map the same email in different case
/// (the exporter sends each email once per request, so Autopilot has no reason to), the id
/// of the key last in byte order is kept (`serde_json::Map` is ordered by key).
pub fn parse_bulk_response(body: &str) -> Option<BulkResponse> {
    let v = parse(body).ok()?;
    let mut out = BulkResponse::default();
    match v.get("email_contact_map")? {
        Value::Object(map) => {
            for (k, id) in map {
                let i = out.ids.len() as u32;
                out.ids
                    .push(id.as_str().map(str::to_string).unwrap_or_default());
                out.confirmed.insert(fold_hash(k.trim().as_bytes()), i);
            }
        }
        Value::Array(a) if a.is_empty() => {}
        _ => return None,
    }
    Some(out)
}

/// The position of the offending contact when a `400` to a bulk upsert names it
/// ("Invalid contact at index 7: …"): the first number after the word `index` in the
/// message. The research notes document no such message for Autopilot (§1.6 open question
/// 3); the emulator sends it, and a server that does not simply gets halving.
pub fn rejected_index(body: &str) -> Option<usize> {
    let parsed = parse_error_body(body);
    let msg = parsed.message.or(parsed.error)?;
    let lower = msg.to_ascii_lowercase();
    let at = lower.find("index")?;
    let digits: String = lower
        .get(at + 5..)?
        .trim_start_matches([' ', ':', '#', '='])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether a `DELETE /v1/list/{id}/contact/{id}` answer says the contact was not a member
/// (`{"not_modified": true}`, [TORCH], [N8N], [PHP]).
pub fn not_modified(body: &str) -> bool {
    parse(body)
        .ok()
        .is_some_and(|v| matches!(v.get("not_modified"), Some(Value::Bool(true))))
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
    let Ok(v) = parse(body) else {
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
        let secs = crate::util::float::parse_f64(v)?;
        return (secs >= 0.0).then_some(secs * 1000.0);
    }
    let at = crate::util::time::parse_http_date(v)?;
    Some((at - now_ms).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_bodies_and_responses() {
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
        let r = parse_bulk_response(
            r#"{"email_contact_map":{"ada@x.io":"person_2","Ada@x.io":"person_1"}}"#,
        )
        .unwrap(); // ok: test
        assert_eq!(r.contact_id("ADA@x.io"), Some("person_2"));
    }

    #[test]
    fn bulk_ids_removals_and_rejected_index() {
        let r = parse_bulk_response(
            r#"{"email_contact_map":{"Ada@Example.com":"person_1","b@x.io":7}}"#,
        )
        .unwrap(); // ok: test
        assert_eq!(r.contact_id("ada@example.com"), Some("person_1"));
        assert_eq!(r.contact_id("b@x.io"), None);
        assert!(r.confirms("b@x.io"));
        assert!(not_modified(r#"{"not_modified":true}"#));
        assert!(!not_modified("{}"));
        assert!(!not_modified("nope"));
        let body = r#"{"error":"Bad Request","message":"Invalid contact at index 7: bad"}"#;
        assert_eq!(rejected_index(body), Some(7));
        assert_eq!(rejected_index(r#"{"message":"Index: 12"}"#), Some(12));
        assert_eq!(rejected_index(r#"{"message":"Invalid contact"}"#), None);
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
}
