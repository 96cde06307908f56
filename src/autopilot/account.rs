//! The connection check as a sans-IO exchange: [`check_request`] hands out `GET /v1/account`
//! ([FORMIE] treats a JSON answer with `instanceId` as a valid connection), and
//! [`check_outcome`] turns whatever happened into [`AccountInfo`] or a typed error. The run
//! uses the same call to learn which account a sync state belongs to.

use super::requests::Api;
use super::status::{self, StatusClass};
use crate::config::Connection;
use crate::error::{Error, ErrorCode};
use crate::http::{Outcome, Request};
use serde::Serialize;

/// What call the messages name.
const WHAT: &str = "GET /account";

/// Autopilot's account object (`GET /v1/account`) as it was answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct AccountInfo(pub serde_json::Map<String, serde_json::Value>);

/// Written as its object (crate::write).
impl crate::write::Writable for AccountInfo {
    fn write(&self, out: &mut dyn crate::write::Sink) {
        crate::write::Writable::write(&self.0, out);
    }
}

impl AccountInfo {
    /// The account's `instanceId` (`instance_<UUID>`), when present.
    pub fn instance_id(&self) -> Option<&str> {
        self.0
            .get("instanceId")
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// Options of the connection check as the caller passes them (JS `{ timeoutMs? }`; the
/// `signal` is the host's).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(rename = "CoreCheckOptions")
)]
pub struct CheckOptions {
    /// Abort after this many milliseconds (default: the request timeout's default).
    #[serde(default)]
    pub timeout_ms: Option<f64>,
}

impl CheckOptions {
    /// The timeout in force. Errors: `CONFIG_INVALID` for a number out of bounds.
    pub fn timeout(&self) -> Result<f64, Error> {
        let spec = crate::meta::REQUEST_TIMEOUT_MS;
        match self.timeout_ms {
            None => Ok(crate::meta::DEFAULT_TIMEOUT_MS),
            Some(t) => match spec.check(t, "options.timeoutMs") {
                Some(issue) => Err(Error::from_issues(vec![issue])),
                None => Ok(t),
            },
        }
    }
}

/// Parses a `2xx` account body: a JSON object, else `None`.
pub fn parse_account(body: &str) -> Option<AccountInfo> {
    match crate::util::json_read::parse(body).ok()? {
        serde_json::Value::Object(m) => Some(AccountInfo(m)),
        _ => None,
    }
}

/// The request of a connection check (id 1), aborted after `timeout_ms`.
pub fn check_request(conn: &Connection, timeout_ms: f64) -> Request {
    Api::new(conn, timeout_ms).account(1)
}

/// Interprets the outcome of [`check_request`].
///
/// Errors: `AUTH_FAILED` (401), `API_ERROR` (a redirect — never followed —, 403/404/405 with a
/// hint about the base URL or the key's permission, any other error status), `NETWORK` (no
/// answer, a timeout, or a 2xx that is not a JSON object).
pub fn check_outcome(
    conn: &Connection,
    outcome: Outcome,
    timeout_ms: f64,
) -> Result<AccountInfo, Error> {
    let base = conn.api_base();
    let outcome = outcome.without_key(&conn.api_key);
    let (status, body) = match &outcome {
        Outcome::Timeout => {
            return Err(Error::new(
                ErrorCode::Network,
                // Whole seconds as an integer: `f64`'s `Display` is not linked (see
                // `util::json_read::refuse_json_values`); the timeout is bounded.
                format!(
                    "{base} did not answer within {} s",
                    (timeout_ms / 1000.0).round() as u64
                ),
            ));
        }
        Outcome::Network(m) => {
            let m = super::redact::truncate_chars(&super::redact::redact(m.trim(), None), 300);
            return Err(Error::new(
                ErrorCode::Network,
                format!("could not reach {base}: {m}"),
            ));
        }
        Outcome::Response { status, body, .. } => (*status, body.as_str()),
    };
    match status::classify(status) {
        StatusClass::Success => parse_account(body).ok_or_else(|| {
            Error::new(
                ErrorCode::Network,
                format!("{base}/account did not answer a JSON object: is this the Autopilot API base (it ends in /v1)?"),
            )
        }),
        StatusClass::Redirect => Err(status::redirected(WHAT, &outcome)),
        StatusClass::Unauthorized => Err(status::auth_failed(WHAT)),
        StatusClass::Forbidden | StatusClass::NotFound => {
            Err(status::wrong_place(WHAT, status, body, &base))
        }
        _ => Err(Error::new(
            ErrorCode::ApiError,
            format!(
                "{WHAT} answered {}",
                super::responses::describe_error(status, body, None)
            ),
        )),
    }
}

// The core's reader (crate::read); the key is serde's (a test checks it).
crate::read::readable_struct!(CheckOptions {
    timeout_ms: "timeoutMs"
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ApiKey;

    fn conn() -> Connection {
        Connection {
            api_key: ApiKey::new("0123456789abcdef0123456789abcdef"),
            base_url: Some("http://127.0.0.1:9/v1".into()),
            ..Connection::default()
        }
    }

    #[test]
    fn every_outcome_is_interpreted() {
        let c = conn();
        let req = check_request(&c, 5000.0);
        assert_eq!(req.url, "http://127.0.0.1:9/v1/account");
        let ok = check_outcome(
            &c,
            Outcome::response(200, r#"{"instanceId":"instance_1","x":2}"#),
            5000.0,
        );
        assert_eq!(
            ok.as_ref().ok().and_then(|a| a.instance_id()),
            Some("instance_1")
        );
        let code = |o: Outcome| check_outcome(&c, o, 5000.0).err().map(|e| e.code);
        assert_eq!(
            code(Outcome::response(401, "")),
            Some(ErrorCode::AuthFailed)
        );
        assert_eq!(code(Outcome::response(302, "")), Some(ErrorCode::ApiError));
        assert_eq!(code(Outcome::response(0, "")), Some(ErrorCode::ApiError));
        assert_eq!(code(Outcome::response(404, "")), Some(ErrorCode::ApiError));
        assert_eq!(
            code(Outcome::response(200, "<html>")),
            Some(ErrorCode::Network)
        );
        assert_eq!(code(Outcome::Timeout), Some(ErrorCode::Network));
        let e = check_outcome(
            &c,
            Outcome::Network(format!("refused {}", c.api_key.expose())),
            5000.0,
        )
        .err();
        assert!(e.is_some_and(|e| !e.message.contains(c.api_key.expose())));
    }
}
