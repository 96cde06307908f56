//! The dry-run summary (`preview`): every count known before sending, what a refresh would
//! change against a sync state, the first contacts of each segment exactly as they would be
//! sent, and — when an export would refuse to send — why, so that a host never shows numbers
//! "to export" for a run that would send nothing.

use crate::config::{ListMode, Membership as MembershipMode, OverCap};
use crate::error::{Error, ErrorCode};
use crate::plan::{Batches, Plan, ReasonCounts};
use crate::report::{Reject, SegmentCounts, Totals, Warning};
use crate::sync::{self, Changes, DiffOptions, GuardHit, SyncState};
use serde::Serialize;

/// How to summarise.
#[derive(Debug, Clone, Default)]
pub struct SummaryOptions<'a> {
    /// Requests per second for the duration estimate.
    pub rate_per_second: f64,
    /// The previous run's sync state (decoded and checked against the base URL).
    pub state: Option<&'a SyncState>,
    /// Contacts per segment to render as they will be sent.
    pub sample: u32,
    /// Upsert everything whatever the state says.
    pub full_resync: bool,
}

/// Why an export of this job would send nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Blocked {
    /// The error `exportSegments` would throw before any write.
    pub code: ErrorCode,
    /// Its message.
    pub message: String,
}

/// Dry-run result (JS `ExportPlanSummary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct PlanSummary {
    /// Per segment.
    pub segments: Vec<SegmentSummary>,
    /// Totals.
    pub totals: Totals,
    /// What a run would change, over all segments (without a state: everything is added).
    pub changes: Changes,
    /// The cap in force.
    pub cap: u64,
    /// Unique valid profiles found, including any beyond the cap.
    pub unique_seen: u64,
    /// Whether `uniqueSeen > cap`.
    pub cap_exceeded: bool,
    /// `refuse` or `truncate`.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"refuse\" | \"truncate\""))]
    pub over_cap: &'static str,
    /// Whether an export would send anything; when `false`, `blocked` says why and every
    /// request count is 0.
    pub would_send: bool,
    /// The error an export would stop with before any write, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
    /// Lists the mirror guard refuses to shrink that much (`REMOVALS_EXCEEDED`).
    pub removal_guard: Vec<GuardHit>,
    /// Upsert batches (≤ 100 contacts each) an export would send.
    pub batches: u64,
    /// Requests an export would make (without retries).
    pub requests: RequestEstimate,
    /// Rate used for the estimate, requests per second.
    pub rate_per_second: f64,
    /// `requests.total / ratePerSecond`, in milliseconds.
    pub estimated_duration_ms: f64,
    /// Rejected rows.
    pub rejects: Vec<Reject>,
    /// Rejected rows not listed.
    pub rejects_omitted: u64,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// One segment of a [`PlanSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct SegmentSummary {
    /// Segment name.
    pub name: String,
    /// List title (per-segment lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_title: Option<String>,
    /// Counts.
    #[serde(flatten)]
    pub counts: SegmentCounts,
    /// Invalid rows per reject reason.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "Partial<Record<RejectReason, number>>")
    )]
    pub invalid_by_reason: ReasonCounts,
    /// What a run would change on this segment's list.
    pub changes: Changes,
    /// Memberships a run would upsert (`changes.added + changes.updated`, 0 when blocked).
    pub to_send: u64,
    /// CSV sources: how the file was read (delimiter, encoding, BOM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<crate::input::Dialect>,
    /// The first contacts of the segment (by row) exactly as a bulk upsert carries them;
    /// `_autopilot_list` only when the list id is known from the sync state.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, unknown>[]"))]
    pub sample: Vec<serde_json::Value>,
    /// Mirror mode: the members this exporter placed on the list (from the sync state) and
    /// the most removals the guard allows from it, `max(10, floor(maxRemovalRatio × placed))`
    /// (`changes.removed` above it blocks the run with `REMOVALS_EXCEEDED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_limit: Option<RemovalLimit>,
}

/// The mirror guard's figures for one list (see [`SegmentSummary::removal_limit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct RemovalLimit {
    /// Members this exporter placed on the list.
    pub placed: u64,
    /// The most removals allowed.
    pub limit: u64,
}

/// Requests an export would make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct RequestEstimate {
    /// `GET /v1/account`, `GET /v1/lists` and a `POST /v1/list` per list to create.
    pub lists: u64,
    /// `POST /v1/contacts` requests.
    pub contacts: u64,
    /// `DELETE /v1/list/{id}/contact/{id}` requests (mirror).
    pub removals: u64,
    /// Sum.
    pub total: u64,
}

impl Plan {
    /// The summary at `rate_per_second`, without a sync state or samples.
    pub fn summary(&self, rate_per_second: f64) -> PlanSummary {
        summarize(
            self,
            &SummaryOptions {
                rate_per_second,
                ..SummaryOptions::default()
            },
        )
    }
}

/// The summary of `plan`. `opts.state` must have been checked against the API base
/// ([`SyncState::check_base`]); the account cannot be checked without a request.
pub fn summarize(plan: &Plan, opts: &SummaryOptions<'_>) -> PlanSummary {
    let config = &plan.config;
    let per_segment = config.lists() == ListMode::PerSegment;
    let titles: Vec<String> = plan
        .segments
        .iter()
        .map(|s| s.list_title.clone().unwrap_or_default())
        .collect();
    let lists = sync::lists_by_title(opts.state, &titles);
    let mirror = config.membership() == MembershipMode::Mirror;
    let d = sync::diff(
        plan,
        opts.state,
        0,
        &lists,
        DiffOptions {
            mirror,
            full_resync: opts.full_resync,
            exclude: None,
            keep_hashes: false,
            hashes: None,
            job: None,
        },
    );
    let names: Vec<String> = plan.segments.iter().map(|s| s.name.clone()).collect();
    let guard = if mirror {
        d.guard(config.max_removal_ratio(), &names)
    } else {
        Vec::new()
    };
    let blocked = plan
        .cap_error()
        .or_else(|| plan.nothing_error())
        .or_else(|| (!guard.is_empty()).then(|| guard_error(&guard, config.max_removal_ratio())))
        .map(|e| Blocked {
            code: e.code,
            message: e.message,
        });
    let would_send = blocked.is_none();
    let upserts = Batches::of(plan, d.upserts.clone());
    let contacts = if would_send {
        upserts.count() as u64
    } else {
        0
    };
    let removals = if would_send {
        d.removals.len() as u64
    } else {
        0
    };
    // Lists to create: segments with upserts whose title the state does not know.
    let creates = if per_segment && would_send {
        d.segments
            .iter()
            .zip(&lists)
            .filter(|(c, l)| c.added + c.updated > 0 && l.is_none())
            .count() as u64
    } else {
        0
    };
    let reads = if would_send {
        1 + u64::from(per_segment)
    } else {
        0
    };
    let list_requests = reads + creates;
    let rate = if opts.rate_per_second.is_finite() && opts.rate_per_second > 0.0 {
        opts.rate_per_second
    } else {
        crate::meta::DEFAULT_RATE
    };
    let total = list_requests + contacts + removals;
    let by_reason = plan
        .invalid_by_reason
        .iter()
        .cloned()
        .chain(std::iter::repeat(ReasonCounts::default()));
    let segments = plan
        .segments
        .iter()
        .zip(by_reason)
        .enumerate()
        .map(|(s, (seg, reasons))| {
            let changes = d.segments.get(s).copied().unwrap_or_default();
            let list_id = lists
                .get(s)
                .copied()
                .flatten()
                .and_then(|i| opts.state?.lists.get(i))
                .map(|l| l.id.as_str())
                .filter(|id| !id.is_empty());
            SegmentSummary {
                name: seg.name.clone(),
                list_title: seg.list_title.clone(),
                counts: seg.counts.clone(),
                invalid_by_reason: reasons,
                dialect: seg.dialect.clone(),
                changes,
                to_send: if would_send {
                    changes.added + changes.updated
                } else {
                    0
                },
                sample: sample(plan, s as u32, opts.sample, list_id),
                removal_limit: mirror.then(|| {
                    let placed = d.placed.get(s).copied().unwrap_or(0);
                    RemovalLimit {
                        placed,
                        limit: sync::removal_limit(config.max_removal_ratio(), placed),
                    }
                }),
            }
        })
        .collect();
    PlanSummary {
        segments,
        totals: plan.totals(),
        changes: d.totals(),
        cap: plan.cap,
        unique_seen: plan.unique_seen,
        cap_exceeded: plan.cap_exceeded(),
        over_cap: match config.over_cap() {
            OverCap::Refuse => "refuse",
            OverCap::Truncate => "truncate",
        },
        would_send,
        blocked,
        removal_guard: guard,
        batches: contacts,
        requests: RequestEstimate {
            lists: list_requests,
            contacts,
            removals,
            total,
        },
        rate_per_second: rate,
        estimated_duration_ms: (total as f64 / rate * 1000.0).round(),
        rejects: plan.rejects.clone(),
        rejects_omitted: plan.rejects_omitted,
        warnings: plan
            .warnings
            .iter()
            .cloned()
            .chain(d.held_warning(plan))
            .collect(),
    }
}

/// The `REMOVALS_EXCEEDED` error for the lists the guard refuses.
pub fn guard_error(hits: &[GuardHit], ratio: f64) -> Error {
    let lists: Vec<String> = hits
        .iter()
        .map(|h| {
            format!(
                "'{}': {} removals of {} members this exporter placed (limit {})",
                h.name, h.removals, h.placed, h.limit
            )
        })
        .collect();
    Error::new(
        ErrorCode::RemovalsExceeded,
        format!(
            "this mirror run would remove more members than allowed (maxRemovalRatio {}, at least 10 per list): {}; nothing was written. If the segments really shrank that much, raise maxRemovalRatio for this run.",
            crate::util::json::number_text(ratio),
            lists.join("; ")
        ),
    )
}

/// The first `n` memberships of `segment` (by row), rendered as sent.
fn sample(plan: &Plan, segment: u32, n: u32, list_id: Option<&str>) -> Vec<serde_json::Value> {
    if n == 0 {
        return Vec::new();
    }
    let of_segment = || plan.memberships.iter().filter(|m| m.segment == segment);
    // Only the memberships up to the n-th smallest row are ordered (a segment can hold
    // 100,000): its rows sorted alone find that row.
    let mut rows: Vec<u64> = of_segment().map(|m| m.row).collect();
    rows.sort_unstable();
    let cut = rows
        .get(n as usize - 1)
        .or(rows.last())
        .copied()
        .unwrap_or(0);
    crate::util::order::by_key(of_segment().filter(|m| m.row <= cut).collect(), |m| m.row)
        .into_iter()
        .take(n as usize)
        .filter_map(|m| plan.contact_json(m, list_id))
        .filter_map(|text| crate::util::json_read::parse(&text).ok())
        .collect()
}

// The core's writer of the summary (crate::write); the keys are serde's (a test checks the
// text against serde's).
crate::write::writable_struct!(Blocked {
    code: "code",
    message: "message",
});
crate::write::writable_struct!(PlanSummary {
    segments: "segments",
    totals: "totals",
    changes: "changes",
    cap: "cap",
    unique_seen: "uniqueSeen",
    cap_exceeded: "capExceeded",
    over_cap: "overCap",
    would_send: "wouldSend",
    blocked: optional "blocked",
    removal_guard: "removalGuard",
    batches: "batches",
    requests: "requests",
    rate_per_second: "ratePerSecond",
    estimated_duration_ms: "estimatedDurationMs",
    rejects: "rejects",
    rejects_omitted: "rejectsOmitted",
    warnings: "warnings",
});
crate::write::writable_struct!(SegmentSummary {
    name: "name",
    list_title: optional "listTitle",
    counts: flatten,
    invalid_by_reason: "invalidByReason",
    changes: "changes",
    to_send: "toSend",
    dialect: optional "dialect",
    sample: "sample",
    removal_limit: optional "removalLimit",
});
crate::write::writable_struct!(RemovalLimit {
    placed: "placed",
    limit: "limit",
});
crate::write::writable_struct!(RequestEstimate {
    lists: "lists",
    contacts: "contacts",
    removals: "removals",
    total: "total",
});
