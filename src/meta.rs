//! The one definition of every default, bound, list and label that a host shows or needs
//! (DESIGN.md §2 "One definition of everything"). The package exports all of it as
//! [`Metadata`] (`metadata()` in JS); the CLI, the admin page, the extension and the worker
//! read it and keep no copy.
//!
//! Sources: the base URL, the 5 r/s rate and the 100-contact bulk limit are Autopilot's
//! (research notes `autopilot-api.md` §1.1, §1.6, §1.10); the 100,000-profile cap is the
//! connector's (§3.1); the standard fields are Autopilot's field table (§1.4).

use crate::config::CustomType;
use crate::error::{ErrorCode, Issue, IssueCode, WarningCode};
use crate::report::RejectReason;
use serde::Serialize;

/// Autopilot's production API base ([APIARY-LIVE], every client library).
pub const DEFAULT_BASE_URL: &str = "https://api2.autopilothq.com/v1";
/// Most unique profiles one export may send (the connector's limit, [MS-AP]).
pub const MAX_PROFILES: u64 = 100_000;
/// Most contacts in one `POST /v1/contacts`; Autopilot answers 400 above it ([BLOG-BULK]).
pub const MAX_BATCH: usize = 100;
/// Autopilot's documented request rate per API key, requests per second ([APIARY-2015]).
pub const DEFAULT_RATE: f64 = 5.0;
/// Per-request timeout, milliseconds (bulk requests of 100 are the slow ones, [BLOG-TIMEOUT]).
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Attempts per request for 5xx, network errors and timeouts.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;
/// Mirror guard default: a run may remove at most 10 % of the members this exporter placed
/// on a list (and always at least [`MIN_REMOVAL_LIMIT`]).
pub const DEFAULT_MAX_REMOVAL_RATIO: f64 = 0.1;
/// The mirror guard always allows this many removals per list, whatever the ratio.
pub const MIN_REMOVAL_LIMIT: u64 = 10;
/// Contacts per segment that `preview` renders as they will be sent, by default.
pub const DEFAULT_SAMPLE: u32 = 3;

/// A number a caller may set: its bounds, its default and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct NumberSpec {
    /// The key (`ratePerSecond`).
    pub name: &'static str,
    /// Where it is set: `run` (the options of an export call) or `job` (the export job).
    pub scope: &'static str,
    /// A label for people (`Rate`).
    pub label: &'static str,
    /// Unit (`requests/s`, `ms`, `requests`, `profiles`, empty for a ratio).
    pub unit: &'static str,
    /// Default, when there is a fixed one (`maxInFlight`'s depends on the rate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<f64>,
    /// Smallest value allowed (see `min_exclusive`).
    pub min: f64,
    /// Whether `min` itself is excluded (a rate must be above 0).
    pub min_exclusive: bool,
    /// Largest value allowed.
    pub max: f64,
    /// Whether only whole numbers are allowed.
    pub integer: bool,
    /// What it does, in one sentence.
    pub description: &'static str,
}

impl NumberSpec {
    /// Checks `value`; the issue (at `path`) says the allowed range.
    pub fn check(&self, value: f64, path: &str) -> Option<Issue> {
        let low_ok = if self.min_exclusive {
            value > self.min
        } else {
            value >= self.min
        };
        let ok = value.is_finite()
            && low_ok
            && value <= self.max
            && (!self.integer || value.fract() == 0.0);
        (!ok).then(|| {
            let kind = if self.integer {
                "a whole number"
            } else {
                "a number"
            };
            let low = if self.min_exclusive { "above" } else { "from" };
            let unit = if self.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", self.unit)
            };
            Issue::new(
                path,
                IssueCode::OptionOutOfRange,
                format!(
                    "{} must be {kind} {low} {} to {}{unit}",
                    self.name,
                    fmt_num(self.min),
                    fmt_num(self.max)
                ),
            )
        })
    }
}

/// `5` rather than `5.0`, `0.1` as it is.
fn fmt_num(v: f64) -> String {
    crate::util::json::number_text(v)
}

/// `RunOptions.ratePerSecond`.
pub const RATE_PER_SECOND: NumberSpec = NumberSpec {
    scope: "run",
    name: "ratePerSecond",
    label: "Rate",
    unit: "requests/s",
    default: Some(DEFAULT_RATE),
    min: 0.0,
    min_exclusive: true,
    max: 1000.0,
    integer: false,
    description: "Requests per second; Autopilot's documented limit is 5 per API key (raise it only if Autopilot raised yours).",
};
/// `RunOptions.maxInFlight`.
pub const MAX_IN_FLIGHT: NumberSpec = NumberSpec {
    scope: "run",
    name: "maxInFlight",
    label: "Requests in flight",
    unit: "requests",
    default: None,
    min: 1.0,
    min_exclusive: false,
    max: 256.0,
    integer: true,
    description: "Concurrent requests; by default enough to use the whole rate despite latency (the pacing, not this, sets the rate).",
};
/// `RunOptions.requestTimeoutMs`.
pub const REQUEST_TIMEOUT_MS: NumberSpec = NumberSpec {
    scope: "run",
    name: "requestTimeoutMs",
    label: "Request timeout",
    unit: "ms",
    default: Some(DEFAULT_TIMEOUT_MS),
    min: 100.0,
    min_exclusive: false,
    max: 600_000.0,
    integer: false,
    description:
        "Per request, body included; a timed-out upsert is retried (upserts are keyed by email).",
};
/// `RunOptions.maxAttempts`.
pub const MAX_ATTEMPTS: NumberSpec = NumberSpec {
    scope: "run",
    name: "maxAttempts",
    label: "Attempts per request",
    unit: "attempts",
    default: Some(DEFAULT_MAX_ATTEMPTS as f64),
    min: 1.0,
    min_exclusive: false,
    max: 20.0,
    integer: true,
    description:
        "Attempts per request for 5xx, network errors and timeouts (429s are counted apart).",
};
/// `RunOptions.maxRequests`.
pub const MAX_REQUESTS: NumberSpec = NumberSpec {
    scope: "run",
    name: "maxRequests",
    label: "Requests per call",
    unit: "requests",
    default: None,
    min: 1.0,
    min_exclusive: false,
    max: 1e9,
    integer: true,
    description: "Stop cleanly after this many requests with status 'paused' and a checkpoint (one edge-worker slice); the next call continues.",
};
/// `ExportJob.cap`.
pub const CAP: NumberSpec = NumberSpec {
    scope: "job",
    name: "cap",
    label: "Profile limit",
    unit: "profiles",
    default: Some(MAX_PROFILES as f64),
    min: 1.0,
    min_exclusive: false,
    max: MAX_PROFILES as f64,
    integer: true,
    description: "Most unique profiles per export (the connector's limit is 100,000; a contract may set a lower one).",
};
/// `ExportJob.maxRemovalRatio`.
pub const MAX_REMOVAL_RATIO: NumberSpec = NumberSpec {
    scope: "job",
    name: "maxRemovalRatio",
    label: "Largest removal",
    unit: "",
    default: Some(DEFAULT_MAX_REMOVAL_RATIO),
    min: 0.0,
    min_exclusive: false,
    max: 1.0,
    integer: false,
    description: "Mirror guard: a run that would remove more than max(10, ratio × the members this exporter placed) from one list is refused before any write.",
};

/// `PreviewOptions.sample`.
pub const SAMPLE: NumberSpec = NumberSpec {
    scope: "preview",
    name: "sample",
    label: "Sample contacts",
    unit: "contacts",
    default: Some(DEFAULT_SAMPLE as f64),
    min: 0.0,
    min_exclusive: false,
    max: 100.0,
    integer: true,
    description: "Contacts per segment shown in a preview exactly as they will be sent.",
};

/// Every settable number: run options first, then the preview's, then job settings.
pub const NUMBERS: &[NumberSpec] = &[
    RATE_PER_SECOND,
    MAX_IN_FLIGHT,
    REQUEST_TIMEOUT_MS,
    MAX_ATTEMPTS,
    MAX_REQUESTS,
    SAMPLE,
    CAP,
    MAX_REMOVAL_RATIO,
];

/// A value with a label for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Labeled {
    /// The value as the API takes it.
    pub name: &'static str,
    /// A label for people.
    pub label: &'static str,
}

const fn l(name: &'static str, label: &'static str) -> Labeled {
    Labeled { name, label }
}

crate::error::codes! {
    /// Autopilot's standard contact fields a profile field may be mapped to (besides
    /// `Email`, which has its own mapping): [APIARY-2015] field table, [PHP]
    /// `$reservedFields`, [N8N].
    StandardField {
        /// First name.
        FirstName = "FirstName",
        /// Last name.
        LastName = "LastName",
        /// Salutation.
        Salutation = "Salutation",
        /// Company.
        Company = "Company",
        /// Number of employees.
        NumberOfEmployees = "NumberOfEmployees",
        /// Job title.
        Title = "Title",
        /// Industry.
        Industry = "Industry",
        /// Phone.
        Phone = "Phone",
        /// Mobile phone.
        MobilePhone = "MobilePhone",
        /// Fax.
        Fax = "Fax",
        /// Website.
        Website = "Website",
        /// Mailing street.
        MailingStreet = "MailingStreet",
        /// Mailing city.
        MailingCity = "MailingCity",
        /// Mailing state.
        MailingState = "MailingState",
        /// Mailing postal code.
        MailingPostalCode = "MailingPostalCode",
        /// Mailing country.
        MailingCountry = "MailingCountry",
        /// Owner name.
        OwnerName = "owner_name",
        /// Lead source.
        LeadSource = "LeadSource",
        /// Status.
        Status = "Status",
        /// LinkedIn.
        LinkedIn = "LinkedIn",
        /// Twitter.
        Twitter = "Twitter",
    }
}

impl StandardField {
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            StandardField::FirstName => "First name",
            StandardField::LastName => "Last name",
            StandardField::Salutation => "Salutation",
            StandardField::Company => "Company",
            StandardField::NumberOfEmployees => "Number of employees",
            StandardField::Title => "Job title",
            StandardField::Industry => "Industry",
            StandardField::Phone => "Phone",
            StandardField::MobilePhone => "Mobile phone",
            StandardField::Fax => "Fax",
            StandardField::Website => "Website",
            StandardField::MailingStreet => "Mailing street",
            StandardField::MailingCity => "Mailing city",
            StandardField::MailingState => "Mailing state",
            StandardField::MailingPostalCode => "Mailing postal code",
            StandardField::MailingCountry => "Mailing country",
            StandardField::OwnerName => "Owner name",
            StandardField::LeadSource => "Lead source",
            StandardField::Status => "Status",
            StandardField::LinkedIn => "LinkedIn",
            StandardField::Twitter => "Twitter",
        }
    }
}

/// The standard fields with their labels, in Autopilot's order.
pub fn standard_fields() -> Vec<Labeled> {
    StandardField::ALL
        .iter()
        .map(|f| Labeled {
            name: f.as_str(),
            label: f.label(),
        })
        .collect()
}

/// `overCap` values.
pub const OVER_CAP: &[Labeled] = &[
    l("refuse", "Refuse: send nothing"),
    l(
        "truncate",
        "Truncate: send the first profiles up to the limit",
    ),
];
/// `lists` values.
pub const LIST_MODES: &[Labeled] = &[
    l("per-segment", "One Autopilot list per segment"),
    l("none", "No lists: contacts only"),
];
/// `membership` values.
pub const MEMBERSHIP_MODES: &[Labeled] = &[
    l("add", "Add and update members"),
    l(
        "mirror",
        "Mirror: also remove members this exporter added who left the segment",
    ),
];

/// Defaults of the job and the run, for hosts that show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Defaults {
    /// API base URL.
    pub base_url: &'static str,
    /// Requests per second.
    pub rate_per_second: f64,
    /// Per-request timeout, ms.
    pub request_timeout_ms: f64,
    /// Attempts per request.
    pub max_attempts: u32,
    /// Profile limit.
    pub cap: u64,
    /// `overCap`.
    pub over_cap: &'static str,
    /// `lists`.
    pub lists: &'static str,
    /// `membership`.
    pub membership: &'static str,
    /// Mirror guard ratio.
    pub max_removal_ratio: f64,
    /// Contacts per segment in a preview sample.
    pub sample: u32,
}

/// The label of reject reason `r` for people (the page's tables and preview).
fn reject_label(r: RejectReason) -> &'static str {
    match r {
        RejectReason::EmailMissing => "Email missing",
        RejectReason::EmailInvalid => "Email not valid",
        RejectReason::EmailNonAscii => "Email has non-ASCII characters",
        RejectReason::EmailTooLong => "Email too long",
        RejectReason::NotAnObject => "Not a profile object",
        RejectReason::InvalidUtf8 => "Not valid UTF-8 text",
        RejectReason::MalformedRow => "Malformed row",
        RejectReason::ServerRejected => "Rejected by Autopilot",
        RejectReason::NotConfirmed => "Not confirmed by Autopilot",
        RejectReason::RetriesExhausted => "Failed after retries",
    }
}

/// Everything a host reads instead of keeping a copy (JS `metadata()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Metadata {
    /// Package version.
    pub version: &'static str,
    /// Defaults.
    pub defaults: Defaults,
    /// Every settable number with bounds and units.
    pub numbers: Vec<NumberSpec>,
    /// Standard fields with labels.
    pub standard_fields: Vec<Labeled>,
    /// Custom field types ([PHP] `$allowedTypes`, [SDK]) with labels.
    pub custom_types: Vec<Labeled>,
    /// `overCap` values.
    pub over_cap: Vec<Labeled>,
    /// `lists` values.
    pub lists: Vec<Labeled>,
    /// `membership` values.
    pub membership: Vec<Labeled>,
    /// Date formats of custom `date` fields.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateFormat[]"))]
    pub date_formats: Vec<&'static str>,
    /// CSV delimiters (`delimiter` option; detected when absent).
    pub delimiters: Vec<String>,
    /// Most unique profiles per export.
    pub max_profiles: u64,
    /// Most contacts per bulk request.
    pub max_batch: usize,
    /// Every error code.
    pub error_codes: Vec<ErrorCode>,
    /// Every issue code.
    pub issue_codes: Vec<IssueCode>,
    /// Every warning code.
    pub warning_codes: Vec<WarningCode>,
    /// Every reject reason.
    pub reject_reasons: Vec<RejectReason>,
    /// Every reject reason with a label for people (`{ name: 'EMAIL_INVALID', label: 'Email
    /// not valid' }`), in the order of `rejectReasons`.
    pub reject_reason_labels: Vec<Labeled>,
    /// The reject reasons decided by Autopilot after sending (the others are decided
    /// before sending, from the row itself).
    pub server_reject_reasons: Vec<RejectReason>,
    /// Segment source formats with the file name extensions that name them.
    pub formats: Vec<SourceFormat>,
}

/// A segment source format (`{ csv }`, `{ url, format: 'csv' }`) and the file name
/// extensions (lower case, with the dot) a host maps to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct SourceFormat {
    /// `csv`, `ndjson` or `json`.
    pub name: &'static str,
    /// For people.
    pub label: &'static str,
    /// E.g. `[".ndjson", ".jsonl"]`.
    pub extensions: &'static [&'static str],
}

/// The byte formats ([`crate::input::Format::BYTES`]) with labels and extensions.
pub const SOURCE_FORMATS: [SourceFormat; 3] = [
    SourceFormat {
        name: "csv",
        label: "CSV (comma, semicolon, tab or pipe separated)",
        extensions: &[".csv", ".tsv", ".txt"],
    },
    SourceFormat {
        name: "ndjson",
        label: "NDJSON (one JSON object per line)",
        extensions: &[".ndjson", ".jsonl"],
    },
    SourceFormat {
        name: "json",
        label: "JSON (an array of objects)",
        extensions: &[".json"],
    },
];

/// The source format a file name's extension names (case-insensitive), if any.
pub fn format_of_file_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    SOURCE_FORMATS
        .iter()
        .find(|f| f.extensions.iter().any(|e| lower.ends_with(e)))
        .map(|f| f.name)
}

/// The metadata of this build.
pub fn metadata() -> Metadata {
    Metadata {
        version: env!("CARGO_PKG_VERSION"),
        defaults: Defaults {
            base_url: DEFAULT_BASE_URL,
            rate_per_second: DEFAULT_RATE,
            request_timeout_ms: DEFAULT_TIMEOUT_MS,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            cap: MAX_PROFILES,
            over_cap: "refuse",
            lists: "per-segment",
            membership: "add",
            max_removal_ratio: DEFAULT_MAX_REMOVAL_RATIO,
            sample: DEFAULT_SAMPLE,
        },
        numbers: NUMBERS.to_vec(),
        standard_fields: standard_fields(),
        custom_types: CustomType::ALL
            .iter()
            .map(|t| Labeled {
                name: t.as_str(),
                label: t.label(),
            })
            .collect(),
        over_cap: OVER_CAP.to_vec(),
        lists: LIST_MODES.to_vec(),
        membership: MEMBERSHIP_MODES.to_vec(),
        date_formats: crate::util::time::DateFormat::ALL
            .iter()
            .map(|f| f.as_str())
            .collect(),
        delimiters: crate::input::DELIMITERS
            .iter()
            .map(|d| char::from(*d).to_string())
            .collect(),
        max_profiles: MAX_PROFILES,
        max_batch: MAX_BATCH,
        error_codes: ErrorCode::ALL.to_vec(),
        issue_codes: IssueCode::ALL.to_vec(),
        warning_codes: WarningCode::ALL.to_vec(),
        reject_reasons: RejectReason::ALL.to_vec(),
        reject_reason_labels: RejectReason::ALL
            .iter()
            .map(|r| l(r.as_str(), reject_label(*r)))
            .collect(),
        server_reject_reasons: RejectReason::ALL
            .iter()
            .copied()
            .filter(|r| !r.is_input())
            .collect(),
        formats: SOURCE_FORMATS.to_vec(),
    }
}

// The core's writer (crate::write); the keys are serde's.
crate::write::writable_struct!(NumberSpec {
    name: "name",
    scope: "scope",
    label: "label",
    unit: "unit",
    default: optional "default",
    min: "min",
    min_exclusive: "minExclusive",
    max: "max",
    integer: "integer",
    description: "description",
});
crate::write::writable_struct!(Labeled {
    name: "name",
    label: "label",
});
crate::write::writable_struct!(Defaults {
    base_url: "baseUrl",
    rate_per_second: "ratePerSecond",
    request_timeout_ms: "requestTimeoutMs",
    max_attempts: "maxAttempts",
    cap: "cap",
    over_cap: "overCap",
    lists: "lists",
    membership: "membership",
    max_removal_ratio: "maxRemovalRatio",
    sample: "sample",
});
crate::write::writable_struct!(Metadata {
    version: "version",
    defaults: "defaults",
    numbers: "numbers",
    standard_fields: "standardFields",
    custom_types: "customTypes",
    over_cap: "overCap",
    lists: "lists",
    membership: "membership",
    date_formats: "dateFormats",
    delimiters: "delimiters",
    max_profiles: "maxProfiles",
    max_batch: "maxBatch",
    error_codes: "errorCodes",
    issue_codes: "issueCodes",
    warning_codes: "warningCodes",
    reject_reasons: "rejectReasons",
    reject_reason_labels: "rejectReasonLabels",
    server_reject_reasons: "serverRejectReasons",
    formats: "formats",
});
crate::write::writable_struct!(SourceFormat {
    name: "name",
    label: "label",
    extensions: "extensions",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_formats_are_the_byte_formats() {
        let names: Vec<&str> = SOURCE_FORMATS.iter().map(|f| f.name).collect();
        let bytes: Vec<&str> = crate::input::Format::BYTES
            .iter()
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(names, bytes);
        assert_eq!(format_of_file_name("VIP.JSONL"), Some("ndjson"));
        assert_eq!(format_of_file_name("vip.export.csv"), Some("csv"));
        assert_eq!(format_of_file_name("vip.xlsx"), None);
        let server: Vec<RejectReason> = metadata().server_reject_reasons;
        assert_eq!(
            server,
            [
                RejectReason::ServerRejected,
                RejectReason::NotConfirmed,
                RejectReason::RetriesExhausted
            ]
        );
    }

    #[test]
    fn number_specs_check_their_bounds() {
        assert!(RATE_PER_SECOND
            .check(5.0, "options.ratePerSecond")
            .is_none());
        assert!(RATE_PER_SECOND.check(0.0, "x").is_some());
        assert!(RATE_PER_SECOND.check(f64::NAN, "x").is_some());
        let i = MAX_IN_FLIGHT.check(1.5, "options.maxInFlight");
        assert_eq!(
            i.as_ref().map(|i| i.code),
            Some(IssueCode::OptionOutOfRange)
        );
        assert_eq!(
            i.map(|i| i.message),
            Some("maxInFlight must be a whole number from 1 to 256 requests".to_string())
        );
        assert!(MAX_REMOVAL_RATIO.check(0.0, "x").is_none());
        assert!(MAX_REMOVAL_RATIO.check(1.01, "x").is_some());
    }

    #[test]
    fn defaults_agree_with_the_specs() {
        let m = metadata();
        for n in &m.numbers {
            if let Some(d) = n.default {
                assert!(n.check(d, n.name).is_none(), "{}", n.name);
            }
        }
        assert!(m.standard_fields.iter().any(|f| f.name == "Company"));
        assert_eq!(m.custom_types.len(), 5);
    }
}
