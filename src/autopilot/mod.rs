//! The Autopilot (legacy Journeys) REST API v1 as the exporter uses it (research notes
//! `autopilot-api.md` §1): every byte on the wire is defined here.
//!
//! - [`requests`]: complete requests (method, URL, headers with the key, body) for each call.
//! - [`responses`]: parsing of answers (lists, bulk upserts with contact ids, error bodies,
//!   `Retry-After`).
//! - [`status`]: what a status means for the exporter, and the messages people read.
//! - [`account`]: the connection check, a sans-IO exchange (request + interpretation).
//! - [`redact`]: personal data and secrets out of server messages.
//!
//! Paths are relative to the API base, which ends in `/v1` (Autopilot's production base by
//! default, [`crate::meta::DEFAULT_BASE_URL`]).

pub mod account;
pub mod redact;
pub mod requests;
pub mod responses;
pub mod status;

pub use redact::{redact, truncate_chars};
pub use requests::Api;
pub use responses::{
    describe_error, find_list, not_modified, parse_bulk_response, parse_created_list,
    parse_error_body, parse_lists, parse_retry_after, rejected_index, BulkResponse, ErrorBody,
    ListEntry, MAX_MESSAGE_CHARS,
};
