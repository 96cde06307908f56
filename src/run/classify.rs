//! What an outcome means for the request it answers: parsed success, throttled, retryable,
//! rejected content, conflict, already gone, or fatal (with the error that ends the run).

use super::work::Work;
use crate::autopilot::account::{parse_account, AccountInfo};
use crate::autopilot::status::{self, StatusClass};
use crate::autopilot::{self, BulkResponse, ListEntry, MAX_MESSAGE_CHARS};
use crate::error::Error;
use crate::http::Outcome;

/// A success body, parsed for the request it answers.
#[derive(Debug)]
pub enum Parsed {
    /// `GET /account`.
    Account(AccountInfo),
    /// `GET /lists`.
    Lists(Vec<ListEntry>),
    /// `POST /list`: the new id.
    Created(String),
    /// `POST /contacts`.
    Bulk(BulkResponse),
    /// `DELETE …/contact/…`: done (`not_modified` counts as already removed).
    Removed,
}

/// How an outcome is to be handled.
#[derive(Debug)]
pub enum Class {
    /// Success.
    Ok(Parsed),
    /// 429, with the server's hint in ms.
    Throttled(Option<f64>),
    /// Retry with backoff (5xx, 408, network, timeout, unreadable 2xx).
    Retryable(String),
    /// 400/413/422: the content was refused (status, body).
    Rejected(u16, String),
    /// 409.
    Conflict,
    /// 404 on a removal: the list or the contact is gone, so the membership is too.
    Gone,
    /// Ends the run.
    Fatal(Error),
}

/// Sorts `outcome` of `work` (the key is already scrubbed from it). `base` names the API
/// base in messages; `wall_now` (epoch ms) reads HTTP-date `Retry-After` values.
pub fn classify(
    work: &Work,
    outcome: Outcome,
    timeout_ms: f64,
    base: &str,
    wall_now: f64,
) -> Class {
    let what = work.what();
    let (status, body) = match &outcome {
        Outcome::Timeout => {
            return Class::Retryable(format!("no answer within {} ms", timeout_ms.round() as u64))
        }
        Outcome::Network(msg) => {
            let msg =
                autopilot::truncate_chars(&autopilot::redact(msg.trim(), None), MAX_MESSAGE_CHARS);
            return Class::Retryable(if msg.is_empty() {
                "network error".to_string()
            } else {
                format!("network error: {msg}")
            });
        }
        Outcome::Response { status, body, .. } => (*status, body.as_str()),
    };
    match status::classify(status) {
        StatusClass::Success => {
            let parsed = match work {
                Work::Account => parse_account(body).map(Parsed::Account),
                Work::FetchLists => autopilot::parse_lists(body).map(Parsed::Lists),
                Work::CreateList(_) => autopilot::parse_created_list(body).map(Parsed::Created),
                Work::Upsert { .. } => autopilot::parse_bulk_response(body).map(Parsed::Bulk),
                Work::Remove(_) => Some(Parsed::Removed),
            };
            match parsed {
                Some(p) => Class::Ok(p),
                None => Class::Retryable(format!("HTTP {status} with an unexpected body")),
            }
        }
        StatusClass::Redirect => Class::Fatal(status::redirected(what, &outcome)),
        StatusClass::Unauthorized => Class::Fatal(status::auth_failed(what)),
        StatusClass::NotFound if matches!(work, Work::Remove(_)) && status == 404 => Class::Gone,
        StatusClass::Forbidden | StatusClass::NotFound => {
            Class::Fatal(status::wrong_place(what, status, body, base))
        }
        StatusClass::Throttled => {
            let hint = outcome
                .header("retry-after")
                .and_then(|v| autopilot::parse_retry_after(v, wall_now))
                .or_else(|| status::body_retry_hint_ms(body));
            Class::Throttled(hint)
        }
        StatusClass::Retryable => Class::Retryable(autopilot::describe_error(status, body, None)),
        StatusClass::Rejected => Class::Rejected(status, body.to_string()),
        StatusClass::Conflict => Class::Conflict,
        StatusClass::OtherClientError => Class::Fatal(status::stopped(what, status, body)),
    }
}
