//! The refresh diff (DESIGN.md §9): a plan against the sync state of the previous run.
//!
//! A membership (list, contact) is **unchanged** when the state holds it with the same hash
//! of the contact as it would be sent now, **updated** when the state holds it with another
//! hash, **added** when the state does not hold it. Only added and updated memberships are
//! upserted (all of them with `fullResync`). In mirror mode, memberships the state holds
//! whose contact is no longer in the segment are **removed** (one `DELETE` each); members the
//! state does not hold — added by hand, by a journey, by another tool — are never touched.
//! The guard refuses a run that would remove more than `max(10, ratio × placed)` members
//! from one list, `placed` being the memberships the state holds on it.

use super::state::{ContactId, Hashes, SyncState};
use crate::error::WarningCode;
use crate::meta::MIN_REMOVAL_LIMIT;
use crate::plan::Plan;
use crate::report::{RejectReason, Warning};
use serde::Serialize;

/// Counts of what a refresh changes, per segment or in total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Changes {
    /// Memberships the state does not hold: upserted.
    pub added: u64,
    /// Memberships whose contact changed since it was last confirmed: upserted.
    pub updated: u64,
    /// Memberships confirmed earlier exactly as they would be sent now: not sent.
    pub unchanged: u64,
    /// Memberships the exporter placed whose contact left the segment: removed (mirror only).
    pub removed: u64,
}

impl Changes {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Changes) {
        self.added += other.added;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
    }
}

/// One membership to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Segment index.
    pub segment: u32,
    /// Salted email hash of the leaver (its state entry).
    pub email: u64,
    /// Autopilot contact id to remove from the list.
    pub id: ContactId,
}

/// A list the guard refuses to shrink that much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct GuardHit {
    /// Segment index.
    pub segment: u32,
    /// Segment name.
    pub name: String,
    /// Removals the run would make from its list.
    pub removals: u64,
    /// Memberships the exporter had placed on it.
    pub placed: u64,
    /// The most allowed: `max(10, floor(ratio × placed))`.
    pub limit: u64,
}

/// The salted hashes of every planned contact: what a sync state keeps of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactHashes {
    /// Email hash (of the dedupe key) of each contact.
    pub email: Vec<u64>,
    /// Contact hash (of the contact as sent) of each contact.
    pub contact: Vec<u64>,
}

impl ContactHashes {
    /// The hashes of every contact of `plan` with `hashes` (a run computes them while its
    /// reads are out, so that preparing after they answer is quick).
    pub fn of(plan: &Plan, hashes: &Hashes) -> ContactHashes {
        let mut fields = String::new();
        let mut out = ContactHashes {
            email: Vec::with_capacity(plan.contacts.len()),
            contact: Vec::with_capacity(plan.contacts.len()),
        };
        for c in &plan.contacts {
            out.email.push(hashes.email_folding(&c.email));
            fields.clear();
            plan.push_fields(c, &mut fields);
            out.contact.push(hashes.contact(&c.email, &fields));
        }
        out
    }
}

/// How to diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions<'a> {
    /// Compute removals of leavers (mirror mode).
    pub mirror: bool,
    /// Upsert every membership whatever the state says.
    pub full_resync: bool,
    /// Memberships `(segment, row)` not to upsert (failed in an earlier slice of this run).
    pub exclude: Option<&'a crate::util::hash::RowMap>,
    /// Compute [`Diff::email_hashes`] and [`Diff::contact_hashes`] also without a state (to
    /// build the next one). Without a state and without this, they stay empty: a preview
    /// needs only the counts, and hashing every contact is a good part of its time.
    pub keep_hashes: bool,
    /// The contacts' hashes, computed beforehand with the salt of the state (or with
    /// `hashes_salt` without one): used instead of hashing again.
    pub hashes: Option<ContactHashes>,
    /// The job this diff is for: [`Diff::unknown_ids`] counts the unknown ids it left.
    pub job: Option<&'a str>,
}

/// The diff of a plan against a state.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Per segment.
    pub segments: Vec<Changes>,
    /// Indexes into `plan.memberships` to upsert, ascending.
    pub upserts: Vec<u32>,
    /// Memberships excluded by [`DiffOptions::exclude`], per segment.
    pub excluded: Vec<u64>,
    /// Of the `updated`, per segment: unchanged members sent again only because their
    /// Autopilot id is unknown, and left so by [`DiffOptions::job`] (earlier calls of the
    /// same job counted them as exported already).
    pub unknown_ids: Vec<u64>,
    /// The same memberships (indexes into `plan.memberships`, ascending): sent to learn
    /// their ids, not counted again.
    pub relearn: Vec<u32>,
    /// Leavers to remove (mirror mode), by segment then state order.
    pub removals: Vec<Removal>,
    /// Mirror: per segment, the removals held back because rows of the segment could not
    /// be read ([`UNREADABLE`]): a member in such a row would look like a leaver.
    pub held: Vec<u64>,
    /// Memberships the state holds on each segment's list.
    pub placed: Vec<u64>,
    /// Salted email hash of the planned contacts, in plan order: all of them with a state
    /// or [`DiffOptions::keep_hashes`]; otherwise empty here, and during an export a prefix
    /// that the run extends while it waits (the next state's builder hashes the rest).
    pub email_hashes: Vec<u64>,
    /// Contact hash of the planned contacts (as many as [`Diff::email_hashes`]).
    pub contact_hashes: Vec<u64>,
}

/// Reject reasons of rows that could not be read at all: their email is unknown, so a
/// member in such a row cannot be told from one who left.
pub const UNREADABLE: [RejectReason; 3] = [
    RejectReason::InvalidUtf8,
    RejectReason::MalformedRow,
    RejectReason::NotAnObject,
];

/// Rows of segment `s` that could not be read ([`UNREADABLE`]).
pub fn unreadable_rows(plan: &Plan, s: usize) -> u64 {
    plan.invalid_by_reason
        .get(s)
        .map_or(0, |c| UNREADABLE.iter().map(|r| c.get(*r)).sum())
}

impl Diff {
    /// The `REMOVALS_HELD` warning when removals were held back (see [`Diff::held`]).
    pub fn held_warning(&self, plan: &Plan) -> Option<Warning> {
        let total: u64 = self.held.iter().sum();
        if total == 0 {
            return None;
        }
        let segments: Vec<String> = self
            .held
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| {
                let name = plan.segments.get(s).map_or("", |x| x.name.as_str());
                format!(
                    "{n} from '{name}' ({} unreadable row{})",
                    unreadable_rows(plan, s),
                    if unreadable_rows(plan, s) == 1 {
                        ""
                    } else {
                        "s"
                    }
                )
            })
            .collect();
        Some(Warning {
            code: WarningCode::RemovalsHeld,
            field: "membership".into(),
            label: "Removals".into(),
            source: None,
            count: total,
            examples: Vec::new(),
            hint: Some(format!(
                "removals held back: {}. A member in a row that could not be read (INVALID_UTF8, MALFORMED_ROW, NOT_AN_OBJECT) would look like someone who left; fix the file (or its encoding) and the next refresh removes those who really left",
                segments.join(", ")
            )),
        })
    }

    /// A hash of what this diff sends (the upserts' memberships, the removals): a call
    /// resumed in batches mode must find the same to skip the same batches.
    pub fn sends_hash(&self) -> String {
        let mut h = crate::util::hash::StableHasher::new();
        h.write_u64(self.upserts.len() as u64);
        for m in &self.upserts {
            h.write_u64(u64::from(*m));
        }
        h.write_u64(self.removals.len() as u64);
        for r in &self.removals {
            h.write_u64(u64::from(r.segment));
            h.write_u64(r.email);
        }
        h.finish_hex()
    }

    /// Totals over the segments.
    pub fn totals(&self) -> Changes {
        let mut t = Changes::default();
        for s in &self.segments {
            t.add(s);
        }
        t
    }

    /// The lists whose removals exceed the guard at `ratio`.
    pub fn guard(&self, ratio: f64, names: &[String]) -> Vec<GuardHit> {
        self.segments
            .iter()
            .zip(&self.placed)
            .enumerate()
            .filter_map(|(s, (c, placed))| {
                let limit = removal_limit(ratio, *placed);
                (c.removed > limit).then(|| GuardHit {
                    segment: s as u32,
                    name: names.get(s).cloned().unwrap_or_default(),
                    removals: c.removed,
                    placed: *placed,
                    limit,
                })
            })
            .collect()
    }
}

/// `max(10, floor(ratio × placed))`.
pub fn removal_limit(ratio: f64, placed: u64) -> u64 {
    let r = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((r * placed as f64).floor() as u64).max(MIN_REMOVAL_LIMIT)
}

/// Diffs `plan` against `state`; `lists[s]` is the index in `state.lists` of segment `s`'s
/// list (`None`: no base, everything is added). Without a state, everything is added and
/// the hashes are those of `hashes_salt`.
pub fn diff(
    plan: &Plan,
    state: Option<&SyncState>,
    hashes_salt: u64,
    lists: &[Option<usize>],
    opts: DiffOptions<'_>,
) -> Diff {
    let hashes = state.map_or_else(|| Hashes::new(hashes_salt), SyncState::hashes);
    let hashed = state.is_some() || opts.keep_hashes;
    let ContactHashes {
        email: email_hashes,
        contact: contact_hashes,
    } = match opts.hashes {
        Some(h) if h.email.len() == plan.contacts.len() => h,
        _ if hashed => ContactHashes::of(plan, &hashes),
        _ => ContactHashes::default(),
    };
    let segments = plan.segments.len();
    let base = |s: usize| -> Option<&super::state::ListState> {
        let i = (*lists.get(s)?)?;
        state?.lists.get(i)
    };
    let mut out = Diff {
        segments: vec![Changes::default(); segments],
        excluded: vec![0; segments],
        unknown_ids: vec![0; segments],
        held: vec![0; segments],
        placed: (0..segments)
            .map(|s| base(s).map_or(0, |l| l.entries.len() as u64))
            .collect(),
        ..Diff::default()
    };
    // Which entries of each base list are still members (for removals).
    let mut kept: Vec<Vec<bool>> = (0..segments)
        .map(|s| vec![false; base(s).map_or(0, |l| l.entries.len())])
        .collect();
    for (i, m) in plan.memberships.iter().enumerate() {
        let s = m.segment as usize;
        let c = m.contact as usize;
        // Without hashes there is no state: nothing is held.
        let held = match (email_hashes.get(c), contact_hashes.get(c)) {
            (Some(&eh), Some(&ch)) => base(s).and_then(|l| {
                let at = l.entries.binary_search_by_key(&eh, |e| e.email).ok()?;
                let e = l.entries.get(at)?;
                let this_job = opts.job.is_some_and(|j| e.id.is_unknown_of(j));
                // Only a mirror needs the ids (to remove): an unknown one is learnt then.
                let unknown = opts.mirror && e.id.is_unknown();
                Some((at, e.contact == ch, unknown, this_job))
            }),
            _ => None,
        };
        if let Some((at, ..)) = held {
            if let Some(k) = kept.get_mut(s).and_then(|v| v.get_mut(at)) {
                *k = true;
            }
        }
        let Some(counts) = out.segments.get_mut(s) else {
            continue;
        };
        if opts
            .exclude
            .is_some_and(|x| x.contains_key(&(m.segment, m.row)))
        {
            if let Some(e) = out.excluded.get_mut(s) {
                *e += 1;
            }
            continue;
        }
        match held {
            Some((_, true, false, _)) if !opts.full_resync => counts.unchanged += 1,
            // Unchanged, but its Autopilot id is unknown (see `ContactId::unknown`): sent
            // again to learn it, counted as updated.
            Some((_, true, true, this_job)) if !opts.full_resync => {
                counts.updated += 1;
                if this_job {
                    if let Some(u) = out.unknown_ids.get_mut(s) {
                        *u += 1;
                    }
                    out.relearn.push(i as u32);
                }
                out.upserts.push(i as u32);
            }
            // Changed since last confirmed (or re-sent by a full resync).
            Some(_) => {
                counts.updated += 1;
                out.upserts.push(i as u32);
            }
            None => {
                counts.added += 1;
                out.upserts.push(i as u32);
            }
        }
    }
    if opts.mirror {
        for (s, flags) in kept.iter().enumerate() {
            let Some(list) = base(s) else { continue };
            if unreadable_rows(plan, s) > 0 {
                if let Some(h) = out.held.get_mut(s) {
                    *h = flags.iter().filter(|k| !**k).count() as u64;
                }
                continue;
            }
            for (e, _) in list.entries.iter().zip(flags).filter(|(_, k)| !**k) {
                out.removals.push(Removal {
                    segment: s as u32,
                    email: e.email,
                    id: e.id.clone(),
                });
                if let Some(c) = out.segments.get_mut(s) {
                    c.removed += 1;
                }
            }
        }
    }
    out.email_hashes = email_hashes;
    out.contact_hashes = contact_hashes;
    out
}

// The core's writer (crate::write); the keys are serde's.
crate::write::writable_struct!(Changes {
    added: "added",
    updated: "updated",
    unchanged: "unchanged",
    removed: "removed",
});
crate::write::writable_struct!(GuardHit {
    segment: "segment",
    name: "name",
    removals: "removals",
    placed: "placed",
    limit: "limit",
});
