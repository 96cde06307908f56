//! Run report, progress snapshot, checkpoint and per-row rejects (DESIGN.md §3, §5).
//!
//! Everything here is serialised to JS with camelCase names. None of these types holds an
//! email address or the API key: rejects identify a row by segment, row number and the
//! optional `idField` value only.

use crate::input::Dialect;
use serde::{Deserialize, Serialize};

/// Why a profile row (or a contact) was not exported. Serialised as SCREAMING_SNAKE_CASE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RejectReason {
    /// The email field is absent, null or empty.
    EmailMissing,
    /// The email does not match the WHATWG "valid e-mail address" syntax (or is not text).
    EmailInvalid,
    /// The email contains non-ASCII characters (internationalised addresses are not sent).
    EmailNonAscii,
    /// The email is longer than 254 characters or its local part longer than 64.
    EmailTooLong,
    /// The row is not an object (JSON/NDJSON), e.g. a number or an array.
    NotAnObject,
    /// The row is not valid UTF-8.
    InvalidUtf8,
    /// The row could not be parsed (bad JSON line, wrong number of CSV fields, ...).
    MalformedRow,
    /// Autopilot answered 400 for this contact alone (after bisecting the batch).
    ServerRejected,
    /// Autopilot accepted the request but the email is missing from `email_contact_map`.
    NotConfirmed,
    /// Every attempt failed (throttled, 5xx, network errors or timeouts).
    RetriesExhausted,
}

impl RejectReason {
    /// The reason as its JS string.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::EmailMissing => "EMAIL_MISSING",
            RejectReason::EmailInvalid => "EMAIL_INVALID",
            RejectReason::EmailNonAscii => "EMAIL_NON_ASCII",
            RejectReason::EmailTooLong => "EMAIL_TOO_LONG",
            RejectReason::NotAnObject => "NOT_AN_OBJECT",
            RejectReason::InvalidUtf8 => "INVALID_UTF8",
            RejectReason::MalformedRow => "MALFORMED_ROW",
            RejectReason::ServerRejected => "SERVER_REJECTED",
            RejectReason::NotConfirmed => "NOT_CONFIRMED",
            RejectReason::RetriesExhausted => "RETRIES_EXHAUSTED",
        }
    }

    /// Whether this reason is decided before sending (an invalid row) rather than by the server.
    pub fn is_input(self) -> bool {
        !matches!(
            self,
            RejectReason::ServerRejected
                | RejectReason::NotConfirmed
                | RejectReason::RetriesExhausted
        )
    }
}

/// One rejected row or failed contact. Never carries the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reject {
    /// Segment index (order of `job.segments`).
    pub segment: u32,
    /// Row number within the segment, starting at 1 (CSV header not counted).
    pub row: u64,
    /// The row's `idField` value, when configured and present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why.
    pub reason: RejectReason,
    /// Extra detail (parser or server message), never containing the email or key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A non-fatal problem, counted per code and field (e.g. a custom value that could not be
/// coerced to its type: that field was left out, the contact was still exported). Input
/// warnings: `DUPLICATE_COLUMN` (a CSV header name that appears twice, not mapped; `field` is
/// the name) and `INVALID_UTF8_ROWS` (rows rejected as not UTF-8; `field` is
/// `segments[i].profiles`; the hint suggests the `encoding` option).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable code, e.g. `VALUE_NOT_COERCIBLE`, `VALUE_NESTED`.
    pub code: String,
    /// The Autopilot field concerned (e.g. `integer--Orders`, `Company`).
    pub field: String,
    /// How many values.
    pub count: u64,
    /// First few row references as `segment:row`, for finding examples (`segment:0` is the
    /// CSV header).
    pub examples: Vec<String>,
    /// What the values look like and how to read them (the first hint seen), e.g. "looks
    /// like Unix seconds: set format 'epoch-s' on this custom field".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Counts of one segment. Invariant: `profiles_in = invalid + duplicates + over_cap + memberships`
/// and, at the end of a finished run, `memberships = exported + failed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentCounts {
    /// Rows read.
    pub profiles_in: u64,
    /// Rows rejected before sending.
    pub invalid: u64,
    /// Rows whose email already appeared earlier in this segment (or, without lists, in an
    /// earlier segment).
    pub duplicates: u64,
    /// Valid new profiles beyond the cap (truncate mode; in refuse mode nothing is sent).
    pub over_cap: u64,
    /// Contacts to upsert for this segment.
    pub memberships: u64,
    /// Confirmed by Autopilot.
    pub exported: u64,
    /// Sent but not confirmed (see rejects).
    pub failed: u64,
}

/// A segment in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentReport {
    /// Segment name.
    pub name: String,
    /// Autopilot list title (per-segment lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_title: Option<String>,
    /// Autopilot list id, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_id: Option<String>,
    /// Whether the list was created by this run.
    pub list_created: bool,
    /// CSV sources: how the file was read (delimiter, encoding, BOM). Absent for other
    /// sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// Counts.
    #[serde(flatten)]
    pub counts: SegmentCounts,
}

/// Totals over all segments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Rows read in all segments.
    pub profiles_in: u64,
    /// Rows rejected before sending.
    pub invalid: u64,
    /// Duplicate rows.
    pub duplicates: u64,
    /// Rows beyond the cap.
    pub over_cap: u64,
    /// Unique valid profiles kept (what the cap counts).
    pub unique_profiles: u64,
    /// Contacts to upsert (one per profile and segment list).
    pub memberships: u64,
    /// Confirmed contacts.
    pub exported: u64,
    /// Failed contacts.
    pub failed: u64,
}

/// Request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestCounts {
    /// HTTP requests sent (every attempt).
    pub sent: u64,
    /// Attempts that were retries.
    pub retried: u64,
    /// Answers 429.
    pub throttled: u64,
    /// Attempts that ended in 5xx, a network error or a timeout.
    pub errors: u64,
    /// Requests caused by bisecting batches answered 400.
    pub bisected: u64,
}

/// Final status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every contact confirmed.
    Succeeded,
    /// Finished, some contacts failed.
    Partial,
    /// Stopped by an error (e.g. `AUTH_FAILED`), or nothing could be exported.
    Failed,
    /// Cancelled by the caller; resume with the checkpoint.
    Cancelled,
}

/// Resume state after finished batches: the job fingerprint and which batches are done.
/// Holds no email and no key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// Format version (currently 1).
    pub version: u32,
    /// Hash of the configuration (without key/consent) and of every planned contact.
    pub fingerprint: String,
    /// Number of batches in the plan.
    pub batches: u32,
    /// Finished batches, as sorted, non-overlapping inclusive ranges `[first, last]`.
    pub done: Vec<[u32; 2]>,
    /// Exported counts per segment for the finished batches.
    pub exported: Vec<u64>,
    /// Contacts of finished batches that failed, as `(segment, row, reason)`.
    pub failed: Vec<FailedRef>,
    /// Request counters so far.
    pub requests: RequestCounts,
}

/// A failed contact remembered in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedRef {
    /// Segment index.
    pub segment: u32,
    /// Row number.
    pub row: u64,
    /// Reason.
    pub reason: RejectReason,
    /// Server message, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The error that ended a run, as it appears in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportError {
    /// Stable error code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// The run report (JS `ExportReport`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    /// Outcome.
    pub status: RunStatus,
    /// Connection display name.
    pub display_name: String,
    /// Export user.
    pub export_user: String,
    /// ISO-8601 start time.
    pub started_at: String,
    /// ISO-8601 end time.
    pub finished_at: String,
    /// Wall time in milliseconds.
    pub duration_ms: f64,
    /// Whether this run resumed from a checkpoint.
    pub resumed: bool,
    /// Totals.
    pub totals: Totals,
    /// Per segment, in job order.
    pub segments: Vec<SegmentReport>,
    /// Request counters.
    pub requests: RequestCounts,
    /// Rejected rows and failed contacts (at most [`MAX_REJECTS`]).
    pub rejects: Vec<Reject>,
    /// Rejects not listed because of the limit (they are still counted).
    pub rejects_omitted: u64,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// The error that ended the run, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ReportError>,
    /// Resume state (always present; complete runs have every batch done).
    pub checkpoint: Checkpoint,
}

/// The most rejects a report lists; the rest are counted in `rejectsOmitted`.
pub const MAX_REJECTS: usize = 100_000;

/// The phase of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Reading and creating lists.
    Lists,
    /// Sending contacts.
    Contacts,
    /// Finished (any status).
    Done,
}

/// A progress snapshot (JS `Progress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Phase.
    pub phase: Phase,
    /// Finished batches (including those done before a resume).
    pub batches_done: u32,
    /// Batches in the plan.
    pub batches_total: u32,
    /// Contacts in finished batches.
    pub contacts_done: u64,
    /// Contacts in the plan.
    pub contacts_total: u64,
    /// Confirmed contacts so far.
    pub exported: u64,
    /// Failed contacts so far.
    pub failed: u64,
    /// Requests in flight now.
    pub in_flight: u32,
    /// Request counters.
    pub requests: RequestCounts,
    /// Milliseconds since the run started.
    pub elapsed_ms: f64,
    /// Contacts per second over the run so far.
    pub contacts_per_second: f64,
    /// Estimated milliseconds to finish (absent until it can be estimated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_ms: Option<f64>,
}
