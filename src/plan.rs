//! Segments → per-row outcome → dedupe → cap → memberships → batches (DESIGN.md §4).
//!
//! A [`Planner`] receives each segment's records in order (it is the [`RowSink`] the input
//! parsers feed) and keeps only what the batches need: for every unique valid profile its
//! normalised email and the pre-rendered JSON of its mapped fields, and for every
//! segment the memberships (profile, row). Nothing else of the input is retained.
//! [`Planner::finish`] produces a [`Plan`]: batches of at most 100 contacts, never the same
//! email twice in one batch, in the minimum number of requests.

use crate::config::{ExportConfig, ListMode, OverCap};
use crate::error::{Error, ErrorCode, WarningCode};
use crate::input::{missing_column_message, Cell, HeaderInfo, RowSink};
use crate::mapping::Mapper;
use crate::report::{
    Reject, RejectReason, SegmentCounts, SegmentReport, Totals, Warning, MAX_REJECTS,
};
use crate::util::hash::{fold_hash, StableHasher, U64Map};
use crate::util::json::push_json_str;
use serde::Serialize;
use std::collections::HashMap;

pub use crate::meta::MAX_BATCH;
/// Examples kept per warning.
const WARNING_EXAMPLES: usize = 5;
/// Warning code: a CSV header name appears twice (ignoring case) and is not mapped.
pub const WARN_DUPLICATE_COLUMN: WarningCode = WarningCode::DuplicateColumn;
/// Warning code: rows of a segment were rejected as not valid UTF-8.
pub const WARN_INVALID_UTF8_ROWS: WarningCode = WarningCode::InvalidUtf8Rows;

/// One unique valid profile, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedContact {
    /// The address as sent (domain lower-cased).
    pub email: String,
    /// The mapped values in the compact form of [`Mapper::write_values`] (the JSON members
    /// after `Email` are [`Plan::fields`]).
    pub values: Box<str>,
    /// The `idField` value of its first row, when configured and present (for reports).
    pub id: Option<Box<str>>,
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
    /// The compiled mapping (renders [`PlannedContact::values`]).
    mapper: Mapper,
}

impl Plan {
    /// A contact's JSON members after `Email` (comma-separated, no braces; empty when none).
    pub fn fields(&self, c: &PlannedContact) -> String {
        let mut out = String::new();
        self.push_fields(c, &mut out);
        out
    }

    /// Appends [`Plan::fields`] of `c` to `out`.
    pub fn push_fields(&self, c: &PlannedContact, out: &mut String) {
        self.mapper.render(&c.values, out);
    }

    /// Appends `{"Email":…,<fields>[,"_autopilot_list":…]}`.
    fn push_contact(&self, out: &mut String, c: &PlannedContact, list: Option<&str>) {
        out.push_str("{\"Email\":");
        push_json_str(out, &c.email);
        if !c.values.is_empty() {
            out.push(',');
            self.mapper.render(&c.values, out);
        }
        if let Some(list) = list {
            out.push_str(",\"_autopilot_list\":");
            push_json_str(out, list);
        }
        out.push('}');
    }

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
        (self.cap_exceeded() && self.config.over_cap() == OverCap::Refuse).then(|| {
            Error::new(
                ErrorCode::CapExceeded,
                format!(
                    "{} unique profiles exceed the cap of {}; nothing was sent (set overCap: 'truncate' to send the first {})",
                    self.unique_seen, self.cap, self.cap
                ),
            )
        })
    }

    /// The error to raise before any write when no valid membership remains (every row
    /// rejected, or empty sources): a run then sends nothing and creates no list.
    pub fn nothing_error(&self) -> Option<Error> {
        self.memberships.is_empty().then(|| {
            let t = self.totals();
            Error::new(
                ErrorCode::NothingToExport,
                format!(
                    "nothing to export: {} row{} read, {} rejected, no valid profile with an email remains; nothing was sent and no list was created (see the rejects for the reasons)",
                    t.profiles_in,
                    if t.profiles_in == 1 { "" } else { "s" },
                    t.invalid
                ),
            )
        })
    }

    /// The contact of a membership.
    pub fn contact(&self, m: &Membership) -> Option<&PlannedContact> {
        self.contacts.get(m.contact as usize)
    }

    /// The email (as sent) of a membership.
    pub fn email(&self, m: &Membership) -> &str {
        self.contacts
            .get(m.contact as usize)
            .map_or("", |c| c.email.as_str())
    }

    /// The JSON body of `POST /v1/contacts` for `items` (at most [`MAX_BATCH`]); the list id
    /// of each membership's segment (`list_ids[segment]`) goes inside each contact as
    /// `_autopilot_list` when present ([FORMIE] #258: inside, not beside). `None` when `items`
    /// is empty or names a contact the plan does not have: a broken invariant, which the run
    /// turns into an `INTERNAL` error rather than sending a wrong request.
    pub fn body<'a>(
        &self,
        items: impl IntoIterator<Item = &'a Membership>,
        list_ids: &[Option<String>],
    ) -> Option<String> {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("{\"contacts\":[");
        let mut n = 0;
        for m in items {
            if n > 0 {
                out.push(',');
            }
            let c = self.contacts.get(m.contact as usize)?;
            let list = list_ids.get(m.segment as usize).and_then(Option::as_deref);
            self.push_contact(&mut out, c, list);
            n += 1;
        }
        out.push_str("]}");
        (n > 0).then_some(out)
    }

    /// One contact exactly as it is sent in a bulk upsert, as JSON text.
    pub fn contact_json(&self, m: &Membership, list_id: Option<&str>) -> Option<String> {
        let c = self.contacts.get(m.contact as usize)?;
        let mut out = String::with_capacity(c.email.len() + 2 * c.values.len() + 64);
        self.push_contact(&mut out, c, list_id);
        Some(out)
    }

    /// Totals before sending (exported/failed are zero).
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            unique_profiles: self.contacts.len() as u64,
            ..Totals::default()
        };
        for s in &self.segments {
            t.add(&s.counts);
        }
        t
    }

    /// A stable hash of the configuration that shapes requests (not the key, not consent) and of
    /// every planned contact and batch: equal for the same job, different otherwise.
    pub fn fingerprint(&self) -> String {
        let mut f = self.fingerprinter();
        while !self.fingerprint_step(&mut f, usize::MAX) {}
        f.finish()
    }

    /// [`Plan::fingerprint`] in steps (a run hashes while it waits): the configuration and
    /// the batches now, the memberships with [`Plan::fingerprint_step`].
    pub fn fingerprinter(&self) -> Fingerprinter {
        let mut h = StableHasher::new();
        let c = &self.config;
        h.write_str(&c.connection.api_base());
        h.write_str(match c.lists() {
            ListMode::PerSegment => "per-segment",
            ListMode::None => "none",
        });
        h.write_str(match c.membership() {
            crate::config::Membership::Add => "add",
            crate::config::Membership::Mirror => "mirror",
        });
        h.write_u64(self.cap);
        for s in &self.segments {
            h.write_str(&s.name);
            h.write_str(s.list_title.as_deref().unwrap_or(""));
        }
        h.write_u64(self.batch_count() as u64);
        for (i, start) in self.batch_starts.iter().enumerate() {
            h.write_u64(i as u64 ^ u64::from(*start) << 32);
        }
        Fingerprinter {
            hasher: h,
            next: 0,
            fields: String::new(),
        }
    }

    /// Hashes up to `n` more memberships into `f`; `true` once all are.
    pub fn fingerprint_step(&self, f: &mut Fingerprinter, n: usize) -> bool {
        let rest = self.memberships.get(f.next..).unwrap_or(&[]);
        for m in rest.iter().take(n) {
            f.hasher.write_u64(u64::from(m.segment) << 48 ^ m.row);
            if let Some(ct) = self.contacts.get(m.contact as usize) {
                f.hasher.write_str(&ct.email);
                f.fields.clear();
                self.mapper.render(&ct.values, &mut f.fields);
                f.hasher.write_str(&f.fields);
            }
            f.next += 1;
        }
        f.next >= self.memberships.len()
    }
}

/// A [`Plan::fingerprint`] under way (see [`Plan::fingerprinter`]).
#[derive(Debug)]
pub struct Fingerprinter {
    hasher: StableHasher,
    next: usize,
    fields: String,
}

impl Fingerprinter {
    /// The fingerprint (of what was hashed).
    pub fn finish(self) -> String {
        self.hasher.finish_hex()
    }
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

/// An object of counts keyed by reason, in the order the reasons were first counted.
impl crate::write::Writable for ReasonCounts {
    fn write(&self, out: &mut dyn crate::write::Sink) {
        let entries = self
            .0
            .iter()
            .map(|(r, n)| (r.as_str(), n as &dyn crate::write::Writable));
        crate::write::write_object(out, entries);
    }
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
    /// Profiles beyond the cap, counted exactly without keeping them (see [`BeyondCap`]).
    over_cap: BeyondCap,
    memberships: Vec<Membership>,
    segments: Vec<SegmentReport>,
    current: Option<u32>,
    rejects: Vec<Reject>,
    rejects_omitted: u64,
    invalid_by_reason: Vec<ReasonCounts>,
    warnings: Vec<Warning>,
    /// Wire key → (the field as the user named it, the profile field it is read from).
    labels: Vec<(String, String, String)>,
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
        let per_segment = config.lists() == ListMode::PerSegment;
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
            over_cap: BeyondCap::default(),
            memberships: Vec::new(),
            segments,
            current: None,
            rejects: Vec::new(),
            rejects_omitted: 0,
            invalid_by_reason: vec![ReasonCounts::default(); config.segments.len()],
            warnings: Vec::new(),
            labels: field_labels(config),
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
        self.settle_over_cap();
        self.current = Some(index as u32);
        Ok(())
    }

    /// Counts the current segment's profiles beyond the cap into its report.
    fn settle_over_cap(&mut self) {
        let per_segment = self.per_segment;
        let (over_cap, duplicates) = self.over_cap.settle(per_segment);
        if let Some(c) = self.counts() {
            c.over_cap += over_cap;
            c.duplicates += duplicates;
        }
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

    fn warn(&mut self, code: WarningCode, field: &str, row: u64, hint: Option<&str>) {
        let segment = self.current.unwrap_or(0);
        // One warning per (code, field): at most a few dozen, so a linear search is enough.
        let i = match self
            .warnings
            .iter()
            .position(|w| w.code == code && w.field == field)
        {
            Some(i) => i,
            None => {
                let (label, source) = self
                    .labels
                    .iter()
                    .find(|(k, _, _)| k == field)
                    .map(|(_, l, s)| (l.clone(), Some(s.clone())))
                    .unwrap_or_else(|| (field.to_string(), None));
                self.warnings.push(Warning {
                    code,
                    field: field.to_string(),
                    label,
                    source,
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
    pub fn finish(mut self) -> Plan {
        self.settle_over_cap();
        let Planner {
            config,
            mapper,
            contacts,
            mut memberships,
            segments,
            rejects,
            rejects_omitted,
            invalid_by_reason,
            warnings,
            cap,
            index,
            over_cap,
            ..
        } = self;
        drop(index);
        let unique_seen = contacts.len() as u64 + over_cap.unique();
        drop(over_cap);
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
            mapper,
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
                    // Counted when the segment ends (as over the cap, or as a duplicate).
                    self.over_cap.push(hash);
                    return;
                }
                let mut fields = std::mem::take(&mut self.scratch);
                fields.clear();
                let mut warned: Vec<(WarningCode, String, Option<&'static str>)> = Vec::new();
                self.mapper
                    .write_values(cells, &mut fields, &mut |code, field, hint| {
                        warned.push((code, field.to_string(), hint))
                    });
                for (code, field, hint) in warned {
                    self.warn(code, &field, row, hint);
                }
                let i = self.contacts.len() as u32;
                let id = self.mapper.id(cells).map(String::into_boxed_str);
                self.contacts.push(PlannedContact {
                    email,
                    values: fields.as_str().into(),
                    id,
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

/// The profiles beyond the cap, as dedupe-key hashes: exact counts with 8 bytes per row
/// beyond the cap (a million-row source stays well within the memory goal), where a hash
/// map from hash to last segment took about 40.
///
/// The current segment's hashes are appended as they come; when the segment ends they are
/// sorted and counted against those of the earlier segments, which stay sorted and
/// de-duplicated in front: a profile is over the cap once per segment with per-segment
/// lists (once in all without lists), every other row of it is a duplicate — what the
/// planner counted row by row before, since segments come in order.
#[derive(Debug, Default)]
struct BeyondCap {
    /// Sorted, distinct hashes of the settled segments, then the current segment's rows.
    hashes: Vec<u64>,
    /// Where the current segment's rows start.
    current: usize,
}

impl BeyondCap {
    fn push(&mut self, hash: u64) {
        self.hashes.push(hash);
    }

    /// Ends the current segment: `(over the cap, duplicates)` among its rows.
    fn settle(&mut self, per_segment: bool) -> (u64, u64) {
        let split = self.current.min(self.hashes.len());
        let rows = (self.hashes.len() - split) as u64;
        if rows == 0 {
            return (0, 0);
        }
        let (earlier, segment) = self.hashes.split_at_mut(split);
        segment.sort_unstable();
        let mut distinct = 0u64;
        let mut new = 0u64;
        let mut last = None;
        for &h in segment.iter() {
            if last == Some(h) {
                continue;
            }
            last = Some(h);
            distinct += 1;
            if earlier.binary_search(&h).is_err() {
                new += 1;
            }
        }
        let over = if per_segment { distinct } else { new };
        // Not shrunk: a smaller copy would only add to the peak.
        self.hashes.sort_unstable();
        self.hashes.dedup();
        self.current = self.hashes.len();
        (over, rows - over)
    }

    /// Distinct profiles beyond the cap in the settled segments.
    fn unique(&self) -> u64 {
        self.current as u64
    }
}

/// The labels of a mapping's targets: wire key → (the name the user gave, profile field).
fn field_labels(config: &ExportConfig) -> Vec<(String, String, String)> {
    let m = &config.mapping;
    let mut out = Vec::new();
    let label_of = |name: &str| -> String {
        match crate::meta::StandardField::parse(name) {
            Some(f) => f.label().to_string(),
            None => name.to_string(),
        }
    };
    for (target, source) in [("FirstName", &m.first_name), ("LastName", &m.last_name)] {
        if let Some(src) = source {
            out.push((target.to_string(), label_of(target), src.clone()));
        }
    }
    for (target, source) in &m.fields {
        out.push((target.clone(), label_of(target), source.clone()));
    }
    for cf in &m.custom {
        if let Some(ty) = crate::config::CustomType::parse(cf.ty.trim()) {
            out.push((
                crate::config::custom_key(ty, &cf.name),
                cf.name.trim().to_string(),
                cf.source.clone(),
            ));
        }
    }
    out
}

/// Orders `memberships` into batches and returns the batch start offsets (plus the end).
pub fn assign_batches(memberships: &mut Vec<Membership>) -> Vec<u32> {
    assign_by_contact(memberships, |m| m.contact)
}

/// Orders `items` (memberships, or indexes of memberships) into batches by their contact and
/// returns the batch start offsets (plus the end).
///
/// With `M` items and a contact in at most `k` of them, it makes `B = max(ceil(M / 100), k)`
/// batches — the minimum, since one batch never carries the same email twice — of
/// `floor(M/B)` or `ceil(M/B) ≤ 100` items each:
///
/// - **in order** when that puts no contact twice in one batch: items come segment by
///   segment, so the first batches hold only the first segment's memberships and can leave
///   as soon as that segment's list is known (the other lists are created meanwhile);
/// - otherwise **round-robin**: items grouped by contact and dealt so that item `j` of that
///   order goes to batch `j mod B`; a contact's items (consecutive, at most `k ≤ B`) land in
///   distinct batches.
pub fn assign_by_contact<T: Copy>(items: &mut Vec<T>, contact_of: impl Fn(&T) -> u32) -> Vec<u32> {
    let m = items.len();
    if m == 0 {
        return vec![0];
    }
    // Items per contact (k is the largest count): O(m).
    let contacts = items
        .iter()
        .map(|x| contact_of(x) as usize + 1)
        .max()
        .unwrap_or(0);
    let mut start = vec![0usize; contacts + 1];
    for x in items.iter() {
        if let Some(c) = start.get_mut(contact_of(x) as usize + 1) {
            *c += 1;
        }
    }
    let k = start.iter().copied().max().unwrap_or(1).max(1);
    let b = m.div_ceil(MAX_BATCH).max(k);
    // In order: batch `i` takes the next `floor(m/b)` items, one more for the first `m % b`.
    let size = |i: usize| m / b + usize::from(i < m % b);
    let mut in_order = Vec::with_capacity(b + 1);
    let mut last_batch = vec![u32::MAX; contacts];
    let mut at = 0;
    'chunks: for i in 0..b {
        in_order.push(at as u32);
        for x in items.get(at..at + size(i)).unwrap_or(&[]) {
            match last_batch.get_mut(contact_of(x) as usize) {
                Some(last) if *last != i as u32 => *last = i as u32,
                _ => {
                    in_order.clear();
                    break 'chunks;
                }
            }
        }
        at += size(i);
    }
    drop(last_batch);
    if !in_order.is_empty() {
        in_order.push(m as u32);
        return in_order;
    }
    // Round-robin. Group by contact with a counting sort on the contact index (items arrive
    // in segment order, so each group stays in segment order): O(m).
    let mut acc = 0;
    for c in start.iter_mut() {
        acc += *c;
        *c = acc;
    }
    let mut grouped = items.clone();
    for x in items.iter() {
        if let Some(pos) = start.get_mut(contact_of(x) as usize) {
            if let Some(slot) = grouped.get_mut(*pos) {
                *slot = *x;
            }
            *pos += 1;
        }
    }
    let mut out = Vec::with_capacity(m);
    let mut starts = Vec::with_capacity(b + 1);
    for batch in 0..b {
        starts.push(out.len() as u32);
        out.extend(grouped.iter().skip(batch).step_by(b).copied());
    }
    starts.push(out.len() as u32);
    *items = out;
    starts
}

/// Upsert batches over a selection of a plan's memberships (what a refresh sends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batches {
    /// Indexes into [`Plan::memberships`], in batch order.
    pub items: Vec<u32>,
    /// Start offsets of the batches in `items`, plus the final length.
    pub starts: Vec<u32>,
}

impl Batches {
    /// Batches of the memberships `selected` (indexes into `plan.memberships`), in the
    /// minimum number of requests.
    pub fn of(plan: &Plan, mut selected: Vec<u32>) -> Batches {
        let starts = assign_by_contact(&mut selected, |i| {
            plan.memberships.get(*i as usize).map_or(0, |m| m.contact)
        });
        Batches {
            items: selected,
            starts,
        }
    }

    /// Number of batches.
    pub fn count(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The membership indexes of batch `i` (empty when out of range).
    pub fn batch(&self, i: usize) -> &[u32] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}
