//! # autopilot-export
//!
//! Export customer segments (unified customer profiles) to the **Autopilot** email-marketing
//! platform through its REST API. One Rust core, compiled to WebAssembly, runs in browsers,
//! Node, Deno, Bun and Cloudflare workerd.
//!
//! The core is **sans-IO**: it validates the configuration ([`config`]), maps profile records
//! to Autopilot contacts ([`mapping`], [`email`]), reads CSV / NDJSON / JSON input in chunks
//! ([`input`]), plans de-duplicated, capped batches of at most 100 contacts ([`plan`]), and
//! drives an export as a state machine ([`run`]) that hands out requests and takes back their
//! outcomes together with the current time. It never performs I/O and never reads a clock;
//! the thin `wasm` layer (wasm32 only) does that with the host's `fetch` and `setTimeout`.
//!
//! Module map (every rule of the export lives here; hosts read [`meta`] and keep no copy):
//! - [`config`], [`read`]: `Connection`, `ExportConfig`, `FieldMapping` as JS passes them,
//!   read with paths and codes (unknown keys included); validation.
//! - [`meta`]: defaults, bounds, labels and lists (`metadata()` in JS).
//! - [`email`]: syntax check, normalisation, dedupe key.
//! - [`mapping`]: record → contact JSON with typed custom fields.
//! - [`input`]: push parsers for CSV, NDJSON and JSON arrays; dialects, encodings, inspect.
//! - [`plan`]: dedupe, cap, memberships, batches.
//! - [`summary`], [`suggest`]: the dry-run summary (`preview`); mapping suggestions.
//! - [`pacing`]: token bucket and retry backoff.
//! - [`http`], [`autopilot`]: requests and outcomes; the Autopilot wire format.
//! - [`sync`]: the sync state of refreshes (format, diff, removal guard).
//! - [`run`]: the export state machine (reads, lists, upserts, removals).
//! - [`report`]: report, progress, checkpoint, rejects.
//! - [`write`]: every answer to the hosts written member by member (JS objects in wasm).
//! - [`download`], [`csv_out`]: URL source rules; CSV written for people (rejects).
//! - [`error`]: the error type and its stable codes.
//! - [`util`]: hashing, JSON writing, dates (imports nothing from the crate).
#![deny(missing_docs)]
// Doc comments cite the research notes by tag (`[PHP]`, `[TORCH]`, …, see
// ../shared/research/autopilot-api.md): citations, not intra-doc links (the tags also reach the .d.ts).
#![allow(rustdoc::broken_intra_doc_links)]
#![forbid(unsafe_code)]
// A panic in wasm is a trap that kills the module instance for the host: nothing that can
// fire on input-derived data outside tests (DESIGN.md §2).
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod autopilot;
pub mod config;
pub mod csv_out;
pub mod download;
pub mod email;
pub mod error;
pub mod http;
pub mod input;
pub mod mapping;
pub mod meta;
pub mod pacing;
pub mod plan;
pub mod read;
pub mod report;
pub mod run;
pub mod suggest;
pub mod summary;
pub mod sync;
pub mod util;
pub mod write;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use config::{Connection, ExportConfig, FieldMapping};
pub use error::{Error, ErrorCode, Issue};
pub use plan::{Plan, Planner};
pub use report::{Checkpoint, ExportReport, Progress};
pub use summary::PlanSummary;
