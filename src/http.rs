//! One HTTP exchange as the core hands it to a driver, and how it ended (DESIGN.md §2).
//!
//! The core builds **complete** requests — method, absolute URL, every header (the API key
//! included), body, timeout, and the response headers it wants back — and interprets every
//! [`Outcome`]. A driver (the wasm layer's `fetch`, a simulated server in tests, a Durable
//! Object) performs the exchange exactly as described and reports what happened; it holds no
//! protocol knowledge. Drivers must never follow redirects (`redirect: 'manual'`): the core
//! turns a 3xx (or a browser's opaque redirect, status 0) into an error, so that the key and
//! the contacts never travel to another origin.

use crate::config::ApiKey;
use std::fmt;

/// HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET` (no body).
    Get,
    /// `POST` with a JSON body.
    Post,
    /// `DELETE` (no body).
    Delete,
}

impl Method {
    /// `"GET"`, `"POST"` or `"DELETE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A header value: plain text, the API key, or a caller's value such as a source's bearer
/// token (`Debug` prints neither of the last two).
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Plain text.
    Text(&'static str),
    /// The API key.
    Secret(ApiKey),
    /// A value the caller gave (may be a credential).
    Private(String),
}

impl HeaderValue {
    /// The value to put on the wire.
    pub fn expose(&self) -> &str {
        match self {
            HeaderValue::Text(t) => t,
            HeaderValue::Secret(k) => k.expose(),
            HeaderValue::Private(v) => v,
        }
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderValue::Text(t) => write!(f, "{t:?}"),
            HeaderValue::Secret(_) | HeaderValue::Private(_) => f.write_str("[redacted]"),
        }
    }
}

/// A request the driver must send now, exactly as described.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Identifies the request when its outcome is handed back (unique within a run, from 1).
    pub id: u64,
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Every request header, in order (lower-case names).
    pub headers: Vec<(String, HeaderValue)>,
    /// Body text (JSON), if any.
    pub body: Option<String>,
    /// Abort the exchange and report [`Outcome::Timeout`] after this many milliseconds
    /// (response body included).
    pub timeout_ms: f64,
    /// Response headers the core wants back (lower-case names).
    pub response_headers: &'static [&'static str],
    /// 1 for the first send of this work, 2 for its first retry, ... (informational).
    pub attempt: u32,
    /// The upsert batch this request belongs to, if any (informational).
    pub batch: Option<u32>,
}

/// How an exchange ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An HTTP answer (any status). Status `0` stands for a response the runtime hides (a
    /// browser's `opaqueredirect` under `redirect: 'manual'`).
    Response {
        /// HTTP status.
        status: u16,
        /// The requested response headers that were present (lower-case names).
        headers: Vec<(String, String)>,
        /// Response body as text (empty if none).
        body: String,
    },
    /// The connection failed (the message is redacted before it reaches a report).
    Network(String),
    /// No complete answer within the request's `timeout_ms` (the driver aborted it).
    Timeout,
}

impl Outcome {
    /// A response without headers (tests and simulations).
    pub fn response(status: u16, body: impl Into<String>) -> Outcome {
        Outcome::Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The value of response header `name` (lower-case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        match self {
            Outcome::Response { headers, .. } => headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }

    /// This outcome with every occurrence of `key` in the body and in a network error message
    /// replaced by `[redacted]`: a server that echoes the key (in an error message, say)
    /// must not put it into a report, an error or a log.
    pub fn without_key(self, key: &ApiKey) -> Outcome {
        let k = key.expose();
        if k.is_empty() {
            return self;
        }
        let scrub = |s: String| {
            if s.contains(k) {
                s.replace(k, "[redacted]")
            } else {
                s
            }
        };
        match self {
            Outcome::Response {
                status,
                headers,
                body,
            } => Outcome::Response {
                status,
                headers: headers.into_iter().map(|(n, v)| (n, scrub(v))).collect(),
                body: scrub(body),
            },
            Outcome::Network(m) => Outcome::Network(scrub(m)),
            Outcome::Timeout => Outcome::Timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_never_printed_and_is_scrubbed_from_answers() {
        let key = ApiKey::new("0123456789abcdef0123456789abcdef");
        let v = HeaderValue::Secret(key.clone());
        assert_eq!(format!("{v:?}"), "[redacted]");
        assert_eq!(v.expose(), key.expose());
        let o = Outcome::Response {
            status: 401,
            headers: vec![("x".into(), key.expose().into())],
            body: format!("bad key {}", key.expose()),
        }
        .without_key(&key);
        assert_eq!(o.header("x"), Some("[redacted]"));
        assert!(matches!(o, Outcome::Response { ref body, .. } if body == "bad key [redacted]"));
        let n = Outcome::Network(format!("x {}", key.expose())).without_key(&key);
        assert_eq!(n, Outcome::Network("x [redacted]".into()));
    }
}
