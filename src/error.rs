//! One error type with stable codes (DESIGN.md §3).
//!
//! Every failure that reaches a caller is an [`Error`]: a stable [`ErrorCode`], a human
//! message, and — for validation failures — the list of [`Issue`]s. Messages never contain
//! the API key: the key lives in [`crate::config::ApiKey`], whose `Debug`/`Display` redact it.

use serde::Serialize;
use std::fmt;

/// Stable, machine-readable error codes. The JS API exposes them as `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The connection or export configuration has problems; see `issues`.
    ConfigInvalid,
    /// The privacy notice was not agreed to (`consent !== true`); nothing was sent.
    ConsentRequired,
    /// More unique profiles than the cap, with `overCap: 'refuse'`; nothing was sent.
    CapExceeded,
    /// Autopilot rejected the API key (HTTP 401); the run stopped at once.
    AuthFailed,
    /// A profile source could not be read at all (for example a JSON document that is not an array).
    InputInvalid,
    /// A checkpoint was given for a different job (or is corrupt).
    CheckpointMismatch,
    /// The server could not be reached, or answered something unusable.
    Network,
    /// The caller aborted the operation.
    Aborted,
    /// Autopilot answered an error that ends the operation (other than 401).
    ApiError,
    /// A bug or an impossible state inside the library; please report it.
    Internal,
}

impl ErrorCode {
    /// The code as the string the JS API uses (`"CONFIG_INVALID"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ConfigInvalid => "CONFIG_INVALID",
            ErrorCode::ConsentRequired => "CONSENT_REQUIRED",
            ErrorCode::CapExceeded => "CAP_EXCEEDED",
            ErrorCode::AuthFailed => "AUTH_FAILED",
            ErrorCode::InputInvalid => "INPUT_INVALID",
            ErrorCode::CheckpointMismatch => "CHECKPOINT_MISMATCH",
            ErrorCode::Network => "NETWORK",
            ErrorCode::Aborted => "ABORTED",
            ErrorCode::ApiError => "API_ERROR",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation problem: where it is (a JSON path such as `mapping.custom[2].type`),
/// a stable code, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// JSON path of the offending value, relative to the object passed in
    /// (`connection.baseUrl`, `segments[1].name`, ...).
    pub path: String,
    /// Stable code, e.g. `BASE_URL_NOT_HTTPS`.
    pub code: &'static str,
    /// Human-readable explanation (never contains the API key).
    pub message: String,
}

impl Issue {
    /// Builds an issue.
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Issue {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

/// The library's error: a stable code, a message, and validation issues where relevant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Error {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable message (never contains the API key).
    pub message: String,
    /// Validation issues (non-empty for `CONFIG_INVALID`, possibly for `CONSENT_REQUIRED`).
    pub issues: Vec<Issue>,
}

impl Error {
    /// An error without issues.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            issues: Vec::new(),
        }
    }

    /// A validation error carrying its issues. When every issue is about consent the code
    /// is `CONSENT_REQUIRED`, otherwise `CONFIG_INVALID`.
    pub fn from_issues(issues: Vec<Issue>) -> Self {
        let consent_only =
            !issues.is_empty() && issues.iter().all(|i| i.code == "CONSENT_REQUIRED");
        let code = if consent_only {
            ErrorCode::ConsentRequired
        } else {
            ErrorCode::ConfigInvalid
        };
        let message = match issues.as_slice() {
            [] => "configuration is invalid".to_string(),
            [one] => format!("{}: {}", one.path, one.message),
            [first, rest @ ..] => format!(
                "{}: {} (and {} more issue{})",
                first.path,
                first.message,
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
        };
        Error {
            code,
            message,
            issues,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
