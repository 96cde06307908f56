//! What an HTTP status from Autopilot means to the exporter (research notes
//! `autopilot-api.md` §1.9, §1.10), and the messages people read about it.
//!
//! Every message names the request (`GET /lists`), the status with Autopilot's own error
//! text (redacted), and what to do; it is written once here, so the admin page, the CLI and a
//! report say the same thing.

use super::responses::{describe_error, parse_error_body};
use crate::error::{Error, ErrorCode};
use crate::http::Outcome;

/// A status, sorted by what the exporter does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx.
    Success,
    /// 3xx, or 0 (a browser's opaque redirect): never followed, ends the request.
    Redirect,
    /// 401: the key was rejected; stops everything.
    Unauthorized,
    /// 403: no permission, or not the Autopilot API.
    Forbidden,
    /// 404 / 405: the base URL is wrong (or, for a membership removal, already gone).
    NotFound,
    /// 429: throttled; slow down and retry.
    Throttled,
    /// 408, 5xx and any status outside the known classes: retry with backoff.
    Retryable,
    /// 400 / 413 / 422: the request's content was refused (bisect a bulk upsert).
    Rejected,
    /// 409: conflict (a list with that title exists).
    Conflict,
    /// Any other 4xx: stops the run.
    OtherClientError,
}

/// The class of `status`.
pub fn classify(status: u16) -> StatusClass {
    match status {
        0 | 300..=399 => StatusClass::Redirect,
        200..=299 => StatusClass::Success,
        401 => StatusClass::Unauthorized,
        403 => StatusClass::Forbidden,
        404 | 405 => StatusClass::NotFound,
        429 => StatusClass::Throttled,
        408 | 500..=599 => StatusClass::Retryable,
        400 | 413 | 422 => StatusClass::Rejected,
        409 => StatusClass::Conflict,
        402..=499 => StatusClass::OtherClientError,
        _ => StatusClass::Retryable,
    }
}

/// The error for a 401 on `what` (`GET /lists`).
pub fn auth_failed(what: &str) -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        format!(
            "Autopilot rejected the API key (HTTP 401 on {what}). Check the key under Settings → Autopilot API in Autopilot; a regenerated key replaces the old one at once."
        ),
    )
}

/// The error for a redirect answer to `what`: redirects are never followed, so that the key
/// and the contacts cannot travel to another origin.
pub fn redirected(what: &str, outcome: &Outcome) -> Error {
    let (status, to) = match outcome {
        Outcome::Response { status, .. } => (*status, outcome.header("location")),
        _ => (0, None),
    };
    let answered = if status == 0 {
        "answered with a redirect (hidden by the browser)".to_string()
    } else {
        let target = to
            .and_then(crate::util::url::origin)
            .map(|o| format!(" to {o}"))
            .unwrap_or_default();
        format!("answered HTTP {status}, a redirect{target}")
    };
    Error::new(
        ErrorCode::ApiError,
        format!(
            "{what} {answered}. Redirects are never followed, so that the API key cannot reach another site: set the base URL to the API's final address (Autopilot's is {}).",
            crate::meta::DEFAULT_BASE_URL
        ),
    )
}

/// The error for a 403, 404 or 405 on `what`: a wrong base URL or a missing permission.
pub fn wrong_place(what: &str, status: u16, body: &str, base: &str) -> Error {
    let hint = match status {
        403 => format!(
            "the key may not have permission for this, or {base} is not the Autopilot API (Autopilot's is {})",
            crate::meta::DEFAULT_BASE_URL
        ),
        _ => format!(
            "{base} does not look like the Autopilot API: check the base URL (Autopilot's is {}; it must end in /v1)",
            crate::meta::DEFAULT_BASE_URL
        ),
    };
    Error::new(
        ErrorCode::ApiError,
        format!(
            "{what} answered {}: {hint}.",
            describe_error(status, body, None)
        ),
    )
}

/// The error for any other answer that stops the operation.
pub fn stopped(what: &str, status: u16, body: &str) -> Error {
    Error::new(
        ErrorCode::ApiError,
        format!(
            "Autopilot answered {} to {what}; the run stopped.",
            describe_error(status, body, None)
        ),
    )
}

/// A retry hint from a `429` body in the Ortto style (`try-in-seconds`), in milliseconds.
pub fn body_retry_hint_ms(body: &str) -> Option<f64> {
    parse_error_body(body).retry_in_seconds.map(|s| s * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify(200), StatusClass::Success);
        assert_eq!(classify(0), StatusClass::Redirect);
        assert_eq!(classify(307), StatusClass::Redirect);
        assert_eq!(classify(401), StatusClass::Unauthorized);
        assert_eq!(classify(404), StatusClass::NotFound);
        assert_eq!(classify(429), StatusClass::Throttled);
        assert_eq!(classify(503), StatusClass::Retryable);
        assert_eq!(classify(400), StatusClass::Rejected);
        assert_eq!(classify(418), StatusClass::OtherClientError);
        assert_eq!(classify(600), StatusClass::Retryable);
    }

    #[test]
    fn messages_say_what_to_do_once() {
        let e = auth_failed("GET /account");
        assert_eq!(e.code, ErrorCode::AuthFailed);
        assert_eq!(e.message.matches("rejected").count(), 1);
        let r = redirected(
            "GET /lists",
            &Outcome::Response {
                status: 302,
                headers: vec![("location".into(), "https://evil.example/steal?k=1".into())],
                body: String::new(),
            },
        );
        assert!(r
            .message
            .contains("HTTP 302, a redirect to https://evil.example."));
        assert!(!r.message.contains("steal"));
        let w = wrong_place("GET /account", 404, "", "https://x.test/v2");
        assert!(w.message.contains("must end in /v1"), "{}", w.message);
        let f = wrong_place("GET /account", 403, "", "https://x.test/v1");
        assert!(f.message.contains("permission"), "{}", f.message);
    }
}
