//! Segments → per-row outcome → dedupe → cap → memberships → batches (DESIGN.md §4).
//!
//! A [`Planner`] receives each segment's records in order (it is the [`RowSink`] the input
//! parsers feed) and keeps only what the batches need: for every unique valid profile its
//! normalised email and the pre-rendered JSON of its mapped fields, and for every
//! segment the memberships (profile, row). Nothing else of the input is retained.
//! [`Planner::finish`] produces a [`Plan`]: batches of at most 100 contacts, never the same
//! email twice in one batch, in the minimum number of requests.

use crate::config::{ExportConfig, ListMode, OverCap};
use crate::error::{Error, ErrorCode};
use crate::input::{missing_column_message, Cell, HeaderInfo, RowSink};
use crate::mapping::Mapper;
use crate::report::{
    Reject, RejectReason, SegmentCounts, SegmentReport, Totals, Warning, MAX_REJECTS,
};
use crate::util::hash::{fold_hash, StableHasher, U64Map};
use crate::util::json::push_json_str;
use serde::Serialize;
use std::collections::HashMap;

/// Most contacts in one `POST /v1/contacts` (Autopilot answers 400 above it).
pub const MAX_BATCH: usize = 100;
/// Examples kept per warning.
const WARNING_EXAMPLES: usize = 5;
/// Warning code: a CSV header name appears twice (ignoring case) and is not mapped.
pub const WARN_DUPLICATE_COLUMN: &str = "DUPLICATE_COLUMN";
/// Warning code: rows of a segment were rejected as not valid UTF-8.
pub const WARN_INVALID_UTF8_ROWS: &str = "INVALID_UTF8_ROWS";

/// One unique valid profile, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedContact {
    /// The address as sent (domain lower-cased).
    pub email: String,
    /// JSON members after `Email` (comma-separated, no braces; empty when none).
    pub fields: String,
}

/// One contact in one segment's list: what a batch carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Membership {
    /// Index into [`Plan::contacts`].
    pub contact: u32,
    /// Segment index.
    pub segment: u32,
    /// Row number of this profile in that segment (from 1).
    pub row: u64,
}

/// The result of planning: what will be sent, and every count known before sending.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Configuration the plan was made for.
    pub config: ExportConfig,
    /// Unique profiles, in first-occurrence order.
    pub contacts: Vec<PlannedContact>,
    /// Memberships, grouped into batches: batch `i` is `memberships[batch_starts[i]..batch_starts[i+1]]`.
    pub memberships: Vec<Membership>,
    /// Start offsets of the batches in `memberships`, plus the final length.
    pub batch_starts: Vec<u32>,
    /// Per-segment names, list titles and counts.
    pub segments: Vec<SegmentReport>,
    /// Rejected rows (up to [`MAX_REJECTS`]).
    pub rejects: Vec<Reject>,
    /// Rejected rows not listed.
    pub rejects_omitted: u64,
    /// Invalid rows per segment and reason (exact, even beyond the listed rejects).
    pub invalid_by_reason: Vec<ReasonCounts>,
    /// Warnings (e.g. values that could not be coerced).
    pub warnings: Vec<Warning>,
    /// Unique valid profiles seen, including those beyond the cap.
    pub unique_seen: u64,
    /// The cap in force.
    pub cap: u64,
}

impl Plan {
    /// Number of upsert batches.
    pub fn batch_count(&self) -> usize {
        self.batch_starts.len().saturating_sub(1)
    }

    /// The memberships of batch `i` (empty when out of range).
    pub fn batch(&self, i: usize) -> &[Membership] {
        match (self.batch_starts.get(i), self.batch_starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.memberships.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Whether more unique profiles were found than the cap allows.
    pub fn cap_exceeded(&self) -> bool {
        self.unique_seen > self.cap
    }

    /// The error to raise before sending when the cap is exceeded in `refuse` mode.
    pub fn cap_error(&self) -> Option<Error> {
        (self.cap_exceeded() && self.config.over_cap == OverCap::Refuse).then(|| {
            Error::new(
                ErrorCode::CapExceeded,
                format!(
                    "{} unique profiles exceed the cap of {}; nothing was sent (set overCap: 'truncate' to send the first {})",
                    self.unique_seen, self.cap, self.cap
                ),
            )
        })
    }

    /// The email (as sent) of a membership.
    pub fn email(&self, m: &Membership) -> &str {
        self.contacts
            .get(m.contact as usize)
            .map_or("", |c| c.email.as_str())
    }

    /// The JSON body of `POST /v1/contacts` for `items`; `list_ids[segment]` is put inside each
    /// contact as `_autopilot_list` when present.
    pub fn body(&self, items: &[Membership], list_ids: &[Option<String>]) -> String {
        let mut out = String::with_capacity(items.len() * 160 + 16);
        out.push_str("{\"contacts\":[");
        for (n, m) in items.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let Some(c) = self.contacts.get(m.contact as usize) else {
                continue;
            };
            out.push_str("{\"Email\":");
            push_json_str(&mut out, &c.email);
            if !c.fields.is_empty() {
                out.push(',');
                out.push_str(&c.fields);
            }
            if let Some(Some(list)) = list_ids.get(m.segment as usize) {
                out.push_str(",\"_autopilot_list\":");
                push_json_str(&mut out, list);
            }
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    /// Totals before sending (exported/failed are zero).
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            unique_profiles: self.contacts.len() as u64,
            ..Totals::default()
        };
        for s in &self.segments {
            t.profiles_in += s.counts.profiles_in;
            t.invalid += s.counts.invalid;
            t.duplicates += s.counts.duplicates;
            t.over_cap += s.counts.over_cap;
            t.memberships += s.counts.memberships;
            t.exported += s.counts.exported;
            t.failed += s.counts.failed;
        }
        t
    }

    /// A stable hash of the configuration that shapes requests (not the key, not consent) and of
    /// every planned contact and batch: equal for the same job, different otherwise.
    pub fn fingerprint(&self) -> String {
        let mut h = StableHasher::new();
        let c = &self.config;
        h.write_str(&c.connection.api_base());
        h.write_str(match c.lists {
            ListMode::PerSegment => "per-segment",
            ListMode::None => "none",
        });
        h.write_u64(self.cap);
        for s in &self.segments {
            h.write_str(&s.name);
            h.write_str(s.list_title.as_deref().unwrap_or(""));
        }
        h.write_u64(self.batch_count() as u64);
        for (i, w) in self.batch_starts.windows(2).enumerate() {
            h.write_u64(i as u64 ^ u64::from(w[0]) << 32);
        }
        for m in &self.memberships {
            h.write_u64(u64::from(m.segment) << 48 ^ m.row);
            if let Some(ct) = self.contacts.get(m.contact as usize) {
                h.write_str(&ct.email);
                h.write_str(&ct.fields);
            }
        }
        h.finish_hex()
    }

    /// A dry-run summary at `rate_per_second` requests per second.
    pub fn summary(&self, rate_per_second: f64) -> PlanSummary {
        let per_segment = self.config.lists == ListMode::PerSegment;
        let list_requests = if per_segment {
            1 + self.segments.len() as u64
        } else {
            0
        };
        let contact_requests = self.batch_count() as u64;
        let rate = if rate_per_second.is_finite() && rate_per_second > 0.0 {
            rate_per_second
        } else {
            5.0
        };
        let by_reason = self
            .invalid_by_reason
            .iter()
            .cloned()
            .chain(std::iter::repeat(ReasonCounts::default()));
        PlanSummary {
            segments: self
                .segments
                .iter()
                .zip(by_reason)
                .map(|(s, reasons)| SegmentSummary {
                    name: s.name.clone(),
                    list_title: s.list_title.clone(),
                    counts: s.counts.clone(),
                    invalid_by_reason: reasons,
                    dialect: s.dialect.clone(),
                })
                .collect(),
            totals: self.totals(),
            cap: self.cap,
            unique_seen: self.unique_seen,
            cap_exceeded: self.cap_exceeded(),
            over_cap: match self.config.over_cap {
                OverCap::Refuse => "refuse",
                OverCap::Truncate => "truncate",
            },
            would_send: !(self.cap_exceeded() && self.config.over_cap == OverCap::Refuse),
            batches: contact_requests,
            requests: RequestEstimate {
                lists: list_requests,
                contacts: contact_requests,
                total: list_requests + contact_requests,
            },
            rate_per_second: rate,
            estimated_duration_ms: ((list_requests + contact_requests) as f64 / rate * 1000.0)
                .round(),
            rejects: self.rejects.clone(),
            rejects_omitted: self.rejects_omitted,
            warnings: self.warnings.clone(),
        }
    }
}

/// Dry-run result (JS `ExportPlanSummary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSummary {
    /// Per segment.
    pub segments: Vec<SegmentSummary>,
    /// Totals.
    pub totals: Totals,
    /// The cap in force.
    pub cap: u64,
    /// Unique valid profiles found, including any beyond the cap.
    pub unique_seen: u64,
    /// Whether `uniqueSeen > cap`.
    pub cap_exceeded: bool,
    /// `refuse` or `truncate`.
    pub over_cap: &'static str,
    /// Whether an export would send anything (false when the cap refuses it).
    pub would_send: bool,
    /// Upsert batches (≤ 100 contacts each).
    pub batches: u64,
    /// Requests an export would make (without retries).
    pub requests: RequestEstimate,
    /// Rate used for the estimate.
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
pub struct SegmentSummary {
    /// Segment name.
    pub name: String,
    /// List title (per-segment lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_title: Option<String>,
    /// Counts.
    #[serde(flatten)]
    pub counts: SegmentCounts,
    /// Invalid rows per reason code.
    pub invalid_by_reason: ReasonCounts,
    /// CSV sources: how the file was read (delimiter, encoding, BOM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<crate::input::Dialect>,
}

/// Counts per reject reason, serialised as an object `{ "EMAIL_INVALID": 3, ... }` in the
/// order reasons were first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReasonCounts(pub Vec<(RejectReason, u64)>);

impl ReasonCounts {
    /// Counts one more `reason`.
    pub fn add(&mut self, reason: RejectReason) {
        match self.0.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.0.push((reason, 1)),
        }
    }
    /// The count of `reason`.
    pub fn get(&self, reason: RejectReason) -> u64 {
        self.0
            .iter()
            .find(|(r, _)| *r == reason)
            .map_or(0, |(_, n)| *n)
    }
}

impl Serialize for ReasonCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(r, n)| (r.as_str(), n)))
    }
}

/// Requests an export would make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEstimate {
    /// `GET /v1/lists` plus at most one `POST /v1/list` per segment.
    pub lists: u64,
    /// `POST /v1/contacts` requests.
    pub contacts: u64,
    /// Sum.
    pub total: u64,
}

/// Builds a [`Plan`] from records fed segment by segment.
#[derive(Debug)]
pub struct Planner {
    config: ExportConfig,
    mapper: Mapper,
    cap: u64,
    per_segment: bool,
    contacts: Vec<PlannedContact>,
    /// dedupe-key hash → contact index (probing on the rare hash collision).
    index: U64Map,
    /// Last segment each kept contact was seen in (for within-segment duplicates).
    last_segment: Vec<u32>,
    /// dedupe-key hash of profiles beyond the cap → last segment seen in.
    over_cap_seen: U64Map,
    memberships: Vec<Membership>,
    segments: Vec<SegmentReport>,
    current: Option<u32>,
    rejects: Vec<Reject>,
    rejects_omitted: u64,
    invalid_by_reason: Vec<ReasonCounts>,
    warnings: Vec<Warning>,

    scratch: String,
}

impl Planner {
    /// A planner for `config`, which must be valid (`CONFIG_INVALID` / `CONSENT_REQUIRED`
    /// otherwise).
    pub fn new(config: &ExportConfig) -> Result<Self, Error> {
        config.check()?;
        Self::build(config)
    }

    /// Like [`Planner::new`] but only the mapping, segments and cap are checked, not the
    /// connection: used by `preview`, which sends nothing.
    pub fn new_unchecked_connection(config: &ExportConfig) -> Result<Self, Error> {
        let issues: Vec<_> = config
            .validate()
            .into_iter()
            .filter(|i| !i.path.starts_with("connection."))
            .collect();
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        Self::build(config)
    }

    /// The planner for a configuration already validated.
    fn build(config: &ExportConfig) -> Result<Self, Error> {
        let mapper = Mapper::new(&config.mapping, config.id_field.as_deref())?;
        let per_segment = config.lists == ListMode::PerSegment;
        let segments = config
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentReport {
                name: s.name.trim().to_string(),
                list_title: if per_segment {
                    config.list_title(i)
                } else {
                    None
                },
                ..SegmentReport::default()
            })
            .collect();
        Ok(Planner {
            cap: config.cap(),
            config: config.clone(),
            mapper,
            per_segment,
            contacts: Vec::new(),
            index: HashMap::default(),
            last_segment: Vec::new(),
            over_cap_seen: HashMap::default(),
            memberships: Vec::new(),
            segments,
            current: None,
            rejects: Vec::new(),
            rejects_omitted: 0,
            invalid_by_reason: vec![ReasonCounts::default(); config.segments.len()],
            warnings: Vec::new(),
            scratch: String::new(),
        })
    }

    /// The profile fields the input parsers must extract (email first).
    pub fn fields(&self) -> Vec<String> {
        self.mapper.fields().to_vec()
    }

    /// Starts segment `index`; segments must be fed in order, each once.
    pub fn begin_segment(&mut self, index: usize) -> Result<(), Error> {
        let expected = self.current.map_or(0, |c| c as usize + 1);
        if index != expected || index >= self.segments.len() {
            return Err(Error::new(
                ErrorCode::Internal,
                format!("segments must be fed in order: expected segment {expected}, got {index}"),
            ));
        }
        self.current = Some(index as u32);
        Ok(())
    }

    /// The name of the current segment.
    fn segment_name(&self) -> &str {
        self.current
            .and_then(|c| self.segments.get(c as usize))
            .map_or("", |s| s.name.as_str())
    }

    fn counts(&mut self) -> Option<&mut SegmentCounts> {
        let c = self.current? as usize;
        self.segments.get_mut(c).map(|s| &mut s.counts)
    }

    fn push_reject(
        &mut self,
        row: u64,
        reason: RejectReason,
        id: Option<String>,
        detail: Option<String>,
    ) {
        let segment = self.current.unwrap_or(0);
        if let Some(counts) = self.invalid_by_reason.get_mut(segment as usize) {
            counts.add(reason);
        }
        if self.rejects.len() < MAX_REJECTS {
            self.rejects.push(Reject {
                segment,
                row,
                id,
                reason,
                detail,
            });
        } else {
            self.rejects_omitted += 1;
        }
    }

    fn warn(&mut self, code: &'static str, field: &str, row: u64, hint: Option<&str>) {
        let segment = self.current.unwrap_or(0);
        // One warning per (code, field): at most a few dozen, so a linear search is enough.
        let i = match self
            .warnings
            .iter()
            .position(|w| w.code == code && w.field == field)
        {
            Some(i) => i,
            None => {
                self.warnings.push(Warning {
                    code: code.to_string(),
                    field: field.to_string(),
                    count: 0,
                    examples: Vec::new(),
                    hint: None,
                });
                self.warnings.len() - 1
            }
        };
        if let Some(w) = self.warnings.get_mut(i) {
            if w.hint.is_none() {
                w.hint = hint.map(str::to_string);
            }
            w.count += 1;
            if w.examples.len() < WARNING_EXAMPLES {
                w.examples.push(format!("{segment}:{row}"));
            }
        }
    }

    /// Puts contact `i` in `segment`'s list (row `row` of that segment).
    fn add_membership(&mut self, contact: u32, segment: u32, row: u64) {
        self.memberships.push(Membership {
            contact,
            segment,
            row,
        });
        if let Some(c) = self.counts() {
            c.memberships += 1;
        }
    }

    /// Finds the contact with this (normalised) email, if kept.
    fn find(&self, email: &str, hash: u64) -> Result<u32, u64> {
        let mut h = hash;
        loop {
            match self.index.get(&h) {
                None => return Err(h),
                Some(&i)
                    if self
                        .contacts
                        .get(i as usize)
                        .is_some_and(|c| crate::email::same_contact(&c.email, email)) =>
                {
                    return Ok(i)
                }
                Some(_) => h = h.wrapping_add(0x9E37_79B9_7F4A_7C15),
            }
        }
    }

    /// Ends the input and builds the plan. The cap is not enforced here: see
    /// [`Plan::cap_error`].
    pub fn finish(self) -> Plan {
        let Planner {
            config,
            contacts,
            mut memberships,
            segments,
            rejects,
            rejects_omitted,
            invalid_by_reason,
            warnings,
            cap,
            index,
            over_cap_seen,
            ..
        } = self;
        drop(index);
        let unique_seen = contacts.len() as u64 + over_cap_seen.len() as u64;
        drop(over_cap_seen);
        let batch_starts = assign_batches(&mut memberships);
        Plan {
            config,
            contacts,
            memberships,
            batch_starts,
            segments,
            rejects,
            rejects_omitted,
            invalid_by_reason,
            warnings,
            unique_seen,
            cap,
        }
    }
}

impl RowSink for Planner {
    fn header(&mut self, header: &HeaderInfo<'_>) -> Result<(), Error> {
        let segment = self.current.unwrap_or(0);
        if let Some(s) = self.segments.get_mut(segment as usize) {
            s.dialect = Some(header.dialect.clone());
        }
        for name in header.duplicates {
            let hint = "the name appears more than once in the CSV header (ignoring case); it is not mapped, so nothing is read from it";
            self.warn(WARN_DUPLICATE_COLUMN, name, 0, Some(hint));
        }
        if header.missing.contains(&0) {
            let field = self.mapper.fields().first().cloned().unwrap_or_default();
            return Err(Error::new(
                ErrorCode::InputInvalid,
                format!(
                    "segment '{}': {}",
                    self.segment_name(),
                    missing_column_message("email field", &field, header)
                ),
            ));
        }
        Ok(())
    }

    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        let Some(segment) = self.current else { return };
        if let Some(c) = self.counts() {
            c.profiles_in += 1;
        }
        let email = match self.mapper.email(cells) {
            Ok(e) => e,
            Err(reason) => {
                if let Some(c) = self.counts() {
                    c.invalid += 1;
                }
                let id = self.mapper.id(cells);
                self.push_reject(row, reason, id, None);
                return;
            }
        };
        let hash = fold_hash(email.as_bytes());
        match self.find(&email, hash) {
            Ok(i) => {
                let last = self.last_segment.get(i as usize).copied();
                if last == Some(segment) || !self.per_segment {
                    if let Some(c) = self.counts() {
                        c.duplicates += 1;
                    }
                } else {
                    if let Some(l) = self.last_segment.get_mut(i as usize) {
                        *l = segment;
                    }
                    self.add_membership(i, segment, row);
                }
            }
            Err(slot) => {
                if self.contacts.len() as u64 >= self.cap {
                    let seen = self.over_cap_seen.insert(hash, segment);
                    let dup = seen == Some(segment) || (seen.is_some() && !self.per_segment);
                    if let Some(c) = self.counts() {
                        if dup {
                            c.duplicates += 1;
                        } else {
                            c.over_cap += 1;
                        }
                    }
                    return;
                }
                let mut fields = std::mem::take(&mut self.scratch);
                fields.clear();
                let mut warned: Vec<(&'static str, String, Option<&'static str>)> = Vec::new();
                self.mapper
                    .write_fields(cells, &mut fields, &mut |code, field, hint| {
                        warned.push((code, field.to_string(), hint))
                    });
                for (code, field, hint) in warned {
                    self.warn(code, &field, row, hint);
                }
                let i = self.contacts.len() as u32;
                self.contacts.push(PlannedContact {
                    email,
                    fields: fields.as_str().into(),
                });
                self.scratch = fields;
                self.index.insert(slot, i);
                self.last_segment.push(segment);
                self.add_membership(i, segment, row);
            }
        }
    }

    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        if self.current.is_none() {
            return;
        }
        if let Some(c) = self.counts() {
            c.profiles_in += 1;
            c.invalid += 1;
        }
        if reason == RejectReason::InvalidUtf8 {
            let segment = self.current.unwrap_or(0);
            let encoding = self
                .segments
                .get(segment as usize)
                .and_then(|s| s.dialect.as_ref())
                .map_or("utf-8", |d| d.encoding.as_str());
            let hint = if encoding == "utf-8" {
                "these rows are not valid UTF-8: if the file was saved by Excel or another Windows program, set encoding: 'windows-1252' on this source".to_string()
            } else {
                format!("these rows are not valid {encoding}: check the source's encoding option")
            };
            self.warn(
                WARN_INVALID_UTF8_ROWS,
                &format!("segments[{segment}].profiles"),
                row,
                Some(&hint),
            );
        }
        self.push_reject(row, reason, None, detail.map(str::to_string));
    }
}

/// Orders `memberships` into batches and returns the batch start offsets (plus the end).
///
/// With `M` memberships and a profile in at most `k` segments, it makes
/// `B = max(ceil(M / 100), k)` batches — the minimum, since one batch never carries the same
/// email twice. Memberships are grouped by profile and dealt round-robin: membership `j` of
/// that order goes to batch `j mod B`, so a profile's memberships (consecutive, at most
/// `k ≤ B`) land in distinct batches, and every batch gets `floor(M/B)` or `ceil(M/B) ≤ 100`.
pub fn assign_batches(memberships: &mut Vec<Membership>) -> Vec<u32> {
    let m = memberships.len();
    if m == 0 {
        return vec![0];
    }
    // Group by profile with a counting sort on the contact index (memberships arrive in
    // segment order, so each group stays in segment order): O(m), and no sort code.
    let contacts = memberships
        .iter()
        .map(|x| x.contact as usize + 1)
        .max()
        .unwrap_or(0);
    let mut start = vec![0usize; contacts + 1];
    for x in memberships.iter() {
        if let Some(c) = start.get_mut(x.contact as usize + 1) {
            *c += 1;
        }
    }
    let mut k = 1;
    for i in 1..start.len() {
        k = k.max(start[i]);
        start[i] += start[i - 1];
    }
    let mut grouped = memberships.clone();
    for x in memberships.iter() {
        if let Some(pos) = start.get_mut(x.contact as usize) {
            if let Some(slot) = grouped.get_mut(*pos) {
                *slot = *x;
            }
            *pos += 1;
        }
    }
    *memberships = grouped;
    let b = m.div_ceil(MAX_BATCH).max(k);
    let mut out = Vec::with_capacity(m);
    let mut starts = Vec::with_capacity(b + 1);
    for batch in 0..b {
        starts.push(out.len() as u32);
        out.extend(memberships.iter().skip(batch).step_by(b).copied());
    }
    starts.push(out.len() as u32);
    *memberships = out;
    starts
}
