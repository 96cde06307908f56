//! One error type with stable codes (DESIGN.md §3), and every code family of the crate as an
//! enum: [`ErrorCode`] (what a function throws), [`IssueCode`] (one validation problem),
//! [`WarningCode`] (a counted, non-fatal problem). Reject reasons live with the report
//! ([`crate::report::RejectReason`]).
//!
//! Every enum serialises to its `SCREAMING_SNAKE_CASE` string, lists all its values
//! (`ALL`, read by [`crate::meta`]) and becomes a string-literal union in the package's
//! TypeScript declarations. Messages never contain the API key: the key lives in
//! [`crate::config::ApiKey`], whose `Debug`/`Display` redact it.

use serde::Serialize;
use std::fmt;

pub(crate) use crate::util::codes::codes;

codes! {
    /// Stable, machine-readable error codes. The JS API exposes them as `error.code`.
    ErrorCode {
        /// The connection, export configuration or options have problems; see `issues`.
        ConfigInvalid = "CONFIG_INVALID",
        /// The privacy notice was not agreed to (`consent !== true`); nothing was sent.
        ConsentRequired = "CONSENT_REQUIRED",
        /// More unique profiles than the cap, with `overCap: 'refuse'`; nothing was written.
        CapExceeded = "CAP_EXCEEDED",
        /// Autopilot rejected the API key (HTTP 401); the run stopped at once.
        AuthFailed = "AUTH_FAILED",
        /// A profile source could not be read at all (a JSON document that is not an array, a
        /// CSV without the email column, a failed or partial download).
        InputInvalid = "INPUT_INVALID",
        /// A checkpoint was given for a different job (or is corrupt).
        CheckpointMismatch = "CHECKPOINT_MISMATCH",
        /// A sync state was written for another account or base URL, fails its checksum, or
        /// has an unknown version; nothing was written.
        StateMismatch = "STATE_MISMATCH",
        /// A mirror run would remove more members from a list than `maxRemovalRatio` allows;
        /// nothing was written.
        RemovalsExceeded = "REMOVALS_EXCEEDED",
        /// No valid membership remains (every row rejected, or empty sources); nothing was
        /// written and no list was created.
        NothingToExport = "NOTHING_TO_EXPORT",
        /// The server could not be reached, or answered something unusable.
        Network = "NETWORK",
        /// The caller aborted the operation.
        Aborted = "ABORTED",
        /// Autopilot answered an error that ends the operation (other than 401), including
        /// a redirect (never followed) and a systemic rejection of every contact.
        ApiError = "API_ERROR",
        /// A bug or an impossible state inside the library; please report it.
        Internal = "INTERNAL",
    }
}

codes! {
    /// Stable codes of validation [`Issue`]s.
    IssueCode {
        /// `connection.displayName` is empty.
        DisplayNameMissing = "DISPLAY_NAME_MISSING",
        /// `connection.apiKey` is empty or absent (e.g. an unset environment variable).
        ApiKeyMissing = "API_KEY_MISSING",
        /// The key is not 16–128 visible ASCII characters.
        ApiKeyImplausible = "API_KEY_IMPLAUSIBLE",
        /// `connection.consent` is not `true`.
        ConsentRequired = "CONSENT_REQUIRED",
        /// `connection.exportUser` is empty.
        ExportUserMissing = "EXPORT_USER_MISSING",
        /// `connection.baseUrl` is not a usable URL.
        BaseUrlInvalid = "BASE_URL_INVALID",
        /// `connection.baseUrl` is `http://` for a host that is not loopback.
        BaseUrlNotHttps = "BASE_URL_NOT_HTTPS",
        /// `mapping.email` is empty.
        EmailMappingMissing = "EMAIL_MAPPING_MISSING",
        /// A profile field name is empty.
        SourceFieldEmpty = "SOURCE_FIELD_EMPTY",
        /// Two mappings target the same Autopilot field.
        FieldMappedTwice = "FIELD_MAPPED_TWICE",
        /// `mapping.fields` names something that is not an Autopilot standard field.
        UnknownStandardField = "UNKNOWN_STANDARD_FIELD",
        /// A custom field has no name.
        CustomNameEmpty = "CUSTOM_NAME_EMPTY",
        /// A custom field name is too long or has control characters.
        CustomNameInvalid = "CUSTOM_NAME_INVALID",
        /// A custom field type is not one of the custom types.
        CustomTypeUnknown = "CUSTOM_TYPE_UNKNOWN",
        /// Two custom field names are sent as the same Autopilot key.
        CustomNameCollision = "CUSTOM_NAME_COLLISION",
        /// No segment is selected.
        SegmentsEmpty = "SEGMENTS_EMPTY",
        /// A segment has no name.
        SegmentNameEmpty = "SEGMENT_NAME_EMPTY",
        /// A segment name is too long or has control characters.
        SegmentNameInvalid = "SEGMENT_NAME_INVALID",
        /// Two segments have the same name (ignoring case).
        SegmentNameDuplicate = "SEGMENT_NAME_DUPLICATE",
        /// `cap` is not a whole number in range.
        CapOutOfRange = "CAP_OUT_OF_RANGE",
        /// `listPrefix` has control characters.
        ListPrefixInvalid = "LIST_PREFIX_INVALID",
        /// `idField` is the email field (in any letter case: a CSV column is found ignoring case).
        IdFieldIsEmail = "ID_FIELD_IS_EMAIL",
        /// `membership: 'mirror'` with `lists: 'none'` (there is no list to mirror).
        MirrorWithoutLists = "MIRROR_WITHOUT_LISTS",
        /// `membership: 'mirror'` with `overCap: 'truncate'` (the members beyond the cap
        /// would be taken for leavers and removed).
        MirrorWithTruncate = "MIRROR_WITH_TRUNCATE",
        /// `delimiter` is given for a source that is not CSV.
        DelimiterNotCsv = "DELIMITER_NOT_CSV",
        /// `delimiter` is not one of `,` `;` tab `|`.
        DelimiterInvalid = "DELIMITER_INVALID",
        /// `encoding` is not a WHATWG Encoding Standard label.
        EncodingUnknown = "ENCODING_UNKNOWN",
        /// `encoding` names a multi-byte encoding this library does not decode.
        EncodingUnsupported = "ENCODING_UNSUPPORTED",
        /// A custom field's `format` is set on a field that is not a date.
        CustomFormatNotDate = "CUSTOM_FORMAT_NOT_DATE",
        /// A custom field's `format` is not one of the date formats.
        CustomFormatUnknown = "CUSTOM_FORMAT_UNKNOWN",
        /// A custom field's `decimal` is set on a field that is not a number.
        CustomDecimalNotNumber = "CUSTOM_DECIMAL_NOT_NUMBER",
        /// A custom field's `decimal` is not `.` or `,`.
        CustomDecimalInvalid = "CUSTOM_DECIMAL_INVALID",
        /// A URL segment source is not `https://` (or loopback `http://`), or has a bad header.
        SourceUrlInvalid = "SOURCE_URL_INVALID",
        /// A URL segment source's format is not `csv`, `ndjson` or `json`.
        SourceFormatUnknown = "SOURCE_FORMAT_UNKNOWN",
        /// A number (option or job setting) is outside its bounds, or not whole where it must be.
        OptionOutOfRange = "OPTION_OUT_OF_RANGE",
        /// A value has the wrong type (a string where a number belongs, ...).
        TypeMismatch = "TYPE_MISMATCH",
        /// A key this library does not know (a typo never passes silently).
        UnknownField = "UNKNOWN_FIELD",
    }
}

codes! {
    /// Stable codes of [`crate::report::Warning`]s: counted, non-fatal problems.
    WarningCode {
        /// A value could not be coerced to its field's type; it was left out.
        ValueNotCoercible = "VALUE_NOT_COERCIBLE",
        /// An array or object where a single value belongs; it was left out.
        ValueNested = "VALUE_NESTED",
        /// A host callback (`onProgress`, `onCheckpoint`: the warning's `field`) threw; the
        /// export went on.
        ProgressCallbackFailed = "PROGRESS_CALLBACK_FAILED",
        /// A CSV header names a column more than once (ignoring case); the column is not mapped.
        DuplicateColumn = "DUPLICATE_COLUMN",
        /// Rows were not valid UTF-8 (or the declared encoding): a hint suggests an encoding.
        InvalidUtf8Rows = "INVALID_UTF8_ROWS",
        /// Removals (mirror) that failed after every attempt; the members stay on the list
        /// and the next refresh tries again.
        RemovalFailed = "REMOVAL_FAILED",
        /// Mirror: a segment had rows that could not be read (`INVALID_UTF8`,
        /// `MALFORMED_ROW`, `NOT_AN_OBJECT`), so who left it cannot be told: its removals
        /// are held back this run.
        RemovalsHeld = "REMOVALS_HELD",
    }
}

/// One validation problem: where it is (a JSON path such as `mapping.custom[2].type`),
/// a stable code, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Issue {
    /// JSON path of the offending value, relative to the object passed in
    /// (`connection.baseUrl`, `segments[1].name`; options: `options.ratePerSecond`).
    pub path: String,
    /// Stable code, e.g. `BASE_URL_NOT_HTTPS`.
    pub code: IssueCode,
    /// Human-readable explanation (never contains the API key).
    pub message: String,
}

impl Issue {
    /// Builds an issue.
    pub fn new(path: impl Into<String>, code: IssueCode, message: impl Into<String>) -> Self {
        Issue::of(path.into(), code, message.into())
    }

    /// Out of line: built in place at every call, the module measured 1.3 KB gzip more
    /// (tests/bench/README.md, issue 15).
    #[inline(never)]
    fn of(path: String, code: IssueCode, message: String) -> Self {
        Issue {
            path,
            code,
            message,
        }
    }
}

/// Adds issues to a list: `issues.add(path, code, message)`.
///
/// Out of line (`push_issue`): the validation rules add issues at some forty places, and an
/// `Issue` built and pushed in place at each made the module larger (measured with
/// [`Issue::new`] out of line: 2.3 KB gzip less together; tests/bench/README.md, issue 15).
pub trait AddIssue {
    /// Appends the issue `code` at `path` with `message`.
    fn add(&mut self, path: impl Into<String>, code: IssueCode, message: impl Into<String>);
}

impl AddIssue for Vec<Issue> {
    fn add(&mut self, path: impl Into<String>, code: IssueCode, message: impl Into<String>) {
        push_issue(self, path.into(), code, message.into());
    }
}

#[inline(never)]
fn push_issue(issues: &mut Vec<Issue>, path: String, code: IssueCode, message: String) {
    issues.push(Issue::of(path, code, message));
}

/// The library's error: a stable code, a message, and validation issues where relevant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Error {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable message (never contains the API key).
    pub message: String,
    /// Validation issues (non-empty for `CONFIG_INVALID`, possibly for `CONSENT_REQUIRED`).
    pub issues: Vec<Issue>,
}

/// The issues without those that follow a type mismatch at the same path: a member of the
/// wrong type is read as absent so that the rest of the document is checked too
/// ([`crate::read::read`]), and "missing" or "empty" at that path would say it twice.
pub fn one_per_path(issues: Vec<Issue>) -> Vec<Issue> {
    let wrong: Vec<String> = issues
        .iter()
        .filter(|i| i.code == IssueCode::TypeMismatch)
        .map(|i| i.path.clone())
        .collect();
    // A list, not a hash set: a set of strings was one more instantiation of the hash table
    // in the module, 0.7 KB gzip (tests/bench/README.md, issue 15, the twelfth round); the
    // paths with a type mismatch are as few as the members of the wrong type.
    let mut seen_type: Vec<String> = Vec::new();
    issues
        .into_iter()
        .filter(|i| {
            if !wrong.contains(&i.path) {
                return true;
            }
            let first = i.code == IssueCode::TypeMismatch && !seen_type.contains(&i.path);
            if first {
                seen_type.push(i.path.clone());
            }
            first
        })
        .collect()
}

impl Error {
    /// An error without issues (not inlined: some forty call sites, measured 336 B gzip less;
    /// issue 15).
    #[inline(never)]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            issues: Vec::new(),
        }
    }

    /// `CONFIG_INVALID` with one `TYPE_MISMATCH` issue at `path`: a value of the wrong type
    /// where the caller hands one over (an option, an argument).
    pub fn type_mismatch(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_issues(vec![Issue::new(path, IssueCode::TypeMismatch, message)])
    }

    /// A validation error carrying its issues. When every issue is about consent the code
    /// is `CONSENT_REQUIRED`, otherwise `CONFIG_INVALID`.
    pub fn from_issues(issues: Vec<Issue>) -> Self {
        let issues = one_per_path(issues);
        let consent_only =
            !issues.is_empty() && issues.iter().all(|i| i.code == IssueCode::ConsentRequired);
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

// The core's writer of issues (crate::write); the keys are serde's. (An `Error` reaches JS as
// a thrown `AutopilotExportError` built from its parts.)
crate::write::writable_struct!(Issue {
    path: "path",
    code: "code",
    message: "message",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_strings() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
        }
        for c in IssueCode::ALL {
            assert_eq!(IssueCode::parse(c.as_str()), Some(*c));
        }
        for c in WarningCode::ALL {
            assert_eq!(WarningCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
        assert_eq!(
            serde_json::to_string(&IssueCode::UnknownField)
                .ok()
                .as_deref(),
            Some("\"UNKNOWN_FIELD\"")
        );
    }
}
