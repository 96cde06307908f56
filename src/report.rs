//! Run report, progress snapshot, checkpoint and per-row rejects (DESIGN.md §3, §5).
//!
//! Everything here is serialised to JS with camelCase names. None of these types holds an
//! email address or the API key: rejects identify a row by segment, row number and the
//! optional `idField` value only.

use crate::error::{ErrorCode, WarningCode};
use crate::input::Dialect;
use serde::{Deserialize, Serialize};

crate::error::codes! {
    /// Why a profile row (or a contact) was not exported.
    RejectReason {
        /// The email field is absent, null or empty.
        EmailMissing = "EMAIL_MISSING",
        /// The email does not match the WHATWG "valid e-mail address" syntax (or is not text).
        EmailInvalid = "EMAIL_INVALID",
        /// The email contains non-ASCII characters (internationalised addresses are not sent).
        EmailNonAscii = "EMAIL_NON_ASCII",
        /// The email is longer than 254 characters or its local part longer than 64.
        EmailTooLong = "EMAIL_TOO_LONG",
        /// The row is not an object (JSON/NDJSON), e.g. a number or an array.
        NotAnObject = "NOT_AN_OBJECT",
        /// The row is not valid UTF-8 (or not valid in the declared encoding).
        InvalidUtf8 = "INVALID_UTF8",
        /// The row could not be parsed (bad JSON line, wrong number of CSV fields, ...).
        MalformedRow = "MALFORMED_ROW",
        /// Autopilot answered 400 for this contact alone (after bisecting the batch).
        ServerRejected = "SERVER_REJECTED",
        /// Autopilot accepted the request but the email is missing from `email_contact_map`.
        NotConfirmed = "NOT_CONFIRMED",
        /// Every attempt failed (throttled, 5xx, network errors or timeouts).
        RetriesExhausted = "RETRIES_EXHAUSTED",
    }
}

impl RejectReason {
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
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Warning {
    /// Stable code, e.g. `VALUE_NOT_COERCIBLE`, `VALUE_NESTED`.
    pub code: WarningCode,
    /// The Autopilot field concerned as it is sent (e.g. `float--Lifetime--Value`, `Company`).
    pub field: String,
    /// The field as the user named it (`Lifetime Value`, `Company`): what to show first.
    pub label: String,
    /// The profile field (column) the values came from, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How many values.
    pub count: u64,
    /// First few row references as `segment:row`, for finding examples (`segment:0` is the
    /// CSV header).
    pub examples: Vec<String>,
    /// What to do about it (the first hint seen), e.g. "looks like Unix seconds: set format
    /// 'epoch-s' on this custom field".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Counts of one segment. Invariants: `profiles_in = invalid + duplicates + over_cap +
/// memberships`, and at the end of a run `memberships = exported + failed + unchanged +
/// not_sent` (`not_sent` is 0 for a run that finished).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
    /// Contacts of this segment (one per unique profile and list).
    pub memberships: u64,
    /// Confirmed by Autopilot.
    pub exported: u64,
    /// Sent but not confirmed (see rejects).
    pub failed: u64,
    /// Not sent because the sync state shows them confirmed exactly as they are now.
    pub unchanged: u64,
    /// Not sent because the run ended first (failed, cancelled or paused).
    pub not_sent: u64,
    /// Members this exporter had placed who left the segment, removed from its list (mirror).
    pub removed: u64,
}

/// A segment in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
    /// Memberships not sent because they are unchanged since the last confirmed run.
    pub unchanged: u64,
    /// Memberships not sent because the run ended first.
    pub not_sent: u64,
    /// Memberships removed (mirror).
    pub removed: u64,
}

impl Totals {
    /// Adds one segment's counts.
    pub fn add(&mut self, c: &SegmentCounts) {
        self.profiles_in += c.profiles_in;
        self.invalid += c.invalid;
        self.duplicates += c.duplicates;
        self.over_cap += c.over_cap;
        self.memberships += c.memberships;
        self.exported += c.exported;
        self.failed += c.failed;
        self.unchanged += c.unchanged;
        self.not_sent += c.not_sent;
        self.removed += c.removed;
    }
}

/// Request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct RequestCounts {
    /// HTTP requests sent (every attempt).
    pub sent: u64,
    /// Attempts that were retries.
    pub retried: u64,
    /// Answers 429.
    pub throttled: u64,
    /// Attempts that ended in an error: 5xx, 4xx (400s of rejected contacts included), a
    /// network error, a timeout, or a 2xx with an unreadable body.
    pub errors: u64,
    /// Requests caused by splitting bulk upserts answered 400.
    pub bisected: u64,
}

/// Final status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum RunStatus {
    /// Every membership confirmed (or unchanged), every removal done.
    Succeeded,
    /// Finished; some contacts failed or some removals could not be made.
    Partial,
    /// Stopped by an error (e.g. `AUTH_FAILED`), or nothing could be exported.
    Failed,
    /// Cancelled by the caller; resume with the checkpoint and the sync state.
    Cancelled,
    /// Stopped after `maxRequests` requests; continue with the checkpoint and the sync state.
    Paused,
}

/// A segment's list as a checkpoint remembers it, so that a resumed run skips the lists
/// phase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ListRef {
    /// `contactlist_…` id.
    pub id: String,
    /// Whether the run created it.
    pub created: bool,
}

/// Resume state: the job fingerprint, the lists, what is finished, and the counters so far.
/// Holds no email and no key. Pass it back with the report's `syncState`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Checkpoint {
    /// Format version (currently 2).
    pub version: u32,
    /// Hash of the configuration (without key/consent) and of every planned contact.
    pub fingerprint: String,
    /// Hash of the sync state the run started from (empty when it had none).
    pub base: String,
    /// Hash of the sync state of the report this checkpoint belongs to.
    pub state: String,
    /// Per segment, its list once known.
    pub lists: Vec<Option<ListRef>>,
    /// Number of upsert batches of the run.
    pub batches: u32,
    /// Finished batches, as sorted, non-overlapping inclusive ranges `[first, last]`.
    pub done: Vec<[u32; 2]>,
    /// Exported counts per segment so far.
    pub exported: Vec<u64>,
    /// Removed counts per segment so far.
    pub removed: Vec<u64>,
    /// Contacts that failed so far, as `(segment, row, reason)`.
    pub failed: Vec<FailedRef>,
    /// The part of `exported` (per segment) that calls before `base` confirmed: in a diff
    /// against `base` those memberships are unchanged. Resuming a call that itself
    /// continued an earlier one needs it to count them once.
    pub carried_exported: Vec<u64>,
    /// The part of `removed` (per segment) made by calls before `base`.
    pub carried_removed: Vec<u64>,
    /// How many of the first `failed` entries calls before `base` decided (they are left
    /// out of a diff against `base`).
    pub carried_failed: u32,
    /// A hash of what the call's diff sends; a resume in batches mode checks it (empty
    /// before the writes were planned).
    pub sends: String,
    /// The job's tag (chosen by its first call, kept by every call that continues it): the
    /// sync state marks the members this job confirmed without an id with it.
    pub job: String,
    /// A salted hash of the API key the call used (keyed with the sync state's salt; never
    /// the key): a call resumed with the same key skips reading the account again, one
    /// with another key reads it and checks it against the state.
    pub key: String,
    /// Request counters so far.
    pub requests: RequestCounts,
}

/// A failed contact remembered in a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
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
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ReportError {
    /// Stable error code.
    pub code: ErrorCode,
    /// Message.
    pub message: String,
}

/// The run report (JS `ExportReport`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ExportReport {
    /// Outcome.
    pub status: RunStatus,
    /// Connection display name.
    pub display_name: String,
    /// Export user.
    pub export_user: String,
    /// ISO-8601 start time (wall clock).
    pub started_at: String,
    /// ISO-8601 end time (start + the run's monotonic duration).
    pub finished_at: String,
    /// Duration in milliseconds (monotonic clock).
    pub duration_ms: f64,
    /// Whether this run continued from a checkpoint.
    pub resumed: bool,
    /// Totals.
    pub totals: Totals,
    /// Per segment, in job order.
    pub segments: Vec<SegmentReport>,
    /// Request counters (the whole job, a resumed run continues the checkpoint's).
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
    /// What this exporter has confirmed on each list (DESIGN.md §9): store it and pass it
    /// as `syncState` to the next run. Always present once a run started.
    #[serde(with = "serde_bytes")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub sync_state: Vec<u8>,
}

/// The most rejects a report lists; the rest are counted in `rejectsOmitted`.
pub const MAX_REJECTS: usize = 100_000;

/// The phase of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum Phase {
    /// Reading the account and the lists, creating lists.
    Lists,
    /// Sending contacts and removals.
    Contacts,
    /// Finished (any status).
    Done,
}

/// A progress snapshot (JS `Progress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Progress {
    /// Phase.
    pub phase: Phase,
    /// Finished batches (including those done before a resume).
    pub batches_done: u32,
    /// Batches of this run's upserts.
    pub batches_total: u32,
    /// Contacts in finished batches.
    pub contacts_done: u64,
    /// Contacts this run upserts (unchanged ones are not sent).
    pub contacts_total: u64,
    /// Confirmed contacts so far.
    pub exported: u64,
    /// Failed contacts so far.
    pub failed: u64,
    /// Removals finished (mirror).
    pub removals_done: u64,
    /// Removals to make (mirror).
    pub removals_total: u64,
    /// Requests in flight now.
    pub in_flight: u32,
    /// Request counters of the whole job (a resumed run continues the checkpoint's).
    pub requests: RequestCounts,
    /// Milliseconds since this call started.
    pub elapsed_ms: f64,
    /// Contacts finished by this call per second.
    pub contacts_per_second: f64,
    /// Estimated milliseconds to finish (absent until it can be estimated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_ms: Option<f64>,
}

// The core's writer of every answer type here (crate::write); the keys are serde's (a test
// checks the text against serde's).
crate::write::writable_struct!(Reject {
    segment: "segment",
    row: "row",
    id: optional "id",
    reason: "reason",
    detail: optional "detail",
});
crate::write::writable_struct!(Warning {
    code: "code",
    field: "field",
    label: "label",
    source: optional "source",
    count: "count",
    examples: "examples",
    hint: optional "hint",
});
crate::write::writable_struct!(SegmentCounts {
    profiles_in: "profilesIn",
    invalid: "invalid",
    duplicates: "duplicates",
    over_cap: "overCap",
    memberships: "memberships",
    exported: "exported",
    failed: "failed",
    unchanged: "unchanged",
    not_sent: "notSent",
    removed: "removed",
});
crate::write::writable_struct!(SegmentReport {
    name: "name",
    list_title: optional "listTitle",
    list_id: optional "listId",
    list_created: "listCreated",
    dialect: optional "dialect",
    counts: flatten
});
crate::write::writable_struct!(Totals {
    profiles_in: "profilesIn",
    invalid: "invalid",
    duplicates: "duplicates",
    over_cap: "overCap",
    unique_profiles: "uniqueProfiles",
    memberships: "memberships",
    exported: "exported",
    failed: "failed",
    unchanged: "unchanged",
    not_sent: "notSent",
    removed: "removed",
});
crate::write::writable_enum!(RunStatus {
    Succeeded: "succeeded",
    Partial: "partial",
    Failed: "failed",
    Cancelled: "cancelled",
    Paused: "paused",
});
crate::write::writable_struct!(FailedRef {
    segment: "segment",
    row: "row",
    reason: "reason",
    detail: optional "detail",
});
crate::write::writable_struct!(ReportError {
    code: "code",
    message: "message",
});
crate::write::writable_struct!(ExportReport {
    status: "status",
    display_name: "displayName",
    export_user: "exportUser",
    started_at: "startedAt",
    finished_at: "finishedAt",
    duration_ms: "durationMs",
    resumed: "resumed",
    totals: "totals",
    segments: "segments",
    requests: "requests",
    rejects: "rejects",
    rejects_omitted: "rejectsOmitted",
    warnings: "warnings",
    error: optional "error",
    checkpoint: "checkpoint",
    sync_state: bytes "syncState",
});
crate::write::writable_enum!(Phase {
    Lists: "lists",
    Contacts: "contacts",
    Done: "done",
});
crate::write::writable_struct!(Progress {
    phase: "phase",
    batches_done: "batchesDone",
    batches_total: "batchesTotal",
    contacts_done: "contactsDone",
    contacts_total: "contactsTotal",
    exported: "exported",
    failed: "failed",
    removals_done: "removalsDone",
    removals_total: "removalsTotal",
    in_flight: "inFlight",
    requests: "requests",
    elapsed_ms: "elapsedMs",
    contacts_per_second: "contactsPerSecond",
    eta_ms: optional "etaMs",
});

// The core's reader (crate::read) and writer (crate::write) of the checkpoint; the keys are
// serde's (tests check them).
crate::write::readable_writable_struct!(Checkpoint {
    version: "version",
    fingerprint: "fingerprint",
    base: "base",
    state: "state",
    lists: "lists",
    batches: "batches",
    done: "done",
    exported: "exported",
    removed: "removed",
    failed: "failed",
    carried_exported: "carriedExported",
    carried_removed: "carriedRemoved",
    carried_failed: "carriedFailed",
    sends: "sends",
    job: "job",
    key: "key",
    requests: "requests",
});
crate::write::readable_writable_struct!(ListRef {
    id: "id",
    created: "created",
});
crate::write::readable_writable_struct!(RequestCounts {
    sent: "sent",
    retried: "retried",
    throttled: "throttled",
    errors: "errors",
    bisected: "bisected",
});

/// Read by hand: its `reason` has no empty form, so a failed contact without one is
/// refused (with the issue) rather than given a made-up reason.
impl crate::read::Readable for FailedRef {
    const KEYS: &'static [&'static str] = &["segment", "row", "reason", "detail"];

    fn read(r: &mut crate::read::Reader, v: &serde_json::Value) -> Option<Self> {
        let (mut segment, mut row, mut reason, mut detail) = (0, 0, None, None);
        let ok = r.object(v, Self::KEYS, &mut |r, i, v| match i {
            0 => segment = u32::read(r, v).unwrap_or(0),
            1 => row = u64::read(r, v).unwrap_or(0),
            2 => reason = Some(RejectReason::read(r, v)),
            _ => detail = Option::<String>::read(r, v).flatten(),
        });
        match reason {
            _ if !ok => None,
            Some(reason) => Some(FailedRef {
                segment,
                row,
                reason: reason?,
                detail,
            }),
            None => r.missing("reason"),
        }
    }
}
