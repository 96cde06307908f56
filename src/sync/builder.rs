//! The sync state after a run: the base state with exactly what this run confirmed applied
//! (upserts confirmed by `email_contact_map`, removals answered 200/404/`not_modified`), so
//! that a host can store it after any run — succeeded, partial, failed, cancelled, paused.
//! Lists of the base that this run did not touch are carried over unchanged.

use super::diff::Diff;
use super::state::{AccountKind, ContactId, Entry, Hashes, ListState, SyncState};
use crate::plan::Plan;

/// One segment's list in the new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentList {
    /// The list id the run used (`None` when it never became known; `""` without lists).
    pub id: Option<String>,
    /// Its title (empty without lists).
    pub title: String,
    /// Index of the base state's list this one continues (`None`: a new or recreated list).
    pub base: Option<usize>,
}

/// Who the new state belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Salt of every hash.
    pub salt: u64,
    /// Salted hash of the API base.
    pub base: u64,
    /// How the account is identified.
    pub account_kind: AccountKind,
    /// Salted hash of the account identity.
    pub account: u64,
}

/// Collects what a run confirmed and builds the state after it.
#[derive(Debug, Clone, Default)]
pub struct StateBuilder {
    /// Confirmed upserts: index into `plan.memberships` → the contact id.
    upserts: Vec<(u32, ContactId)>,
    /// Confirmed removals: indexes into `diff.removals`.
    removals: Vec<u32>,
}

impl StateBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Membership `m` (index into `plan.memberships`) was confirmed with contact `id`.
    pub fn upserted(&mut self, m: u32, id: ContactId) {
        self.upserts.push((m, id));
    }

    /// Removal `r` (index into `diff.removals`) is done.
    pub fn removed(&mut self, r: u32) {
        self.removals.push(r);
    }

    /// Confirmed upserts so far.
    pub fn upsert_count(&self) -> usize {
        self.upserts.len()
    }

    /// The state after the run. Segments that share a title (every segment of a job
    /// without lists shares the empty one) share one list.
    pub fn build(
        &self,
        base: Option<&SyncState>,
        identity: Identity,
        plan: &Plan,
        diff: &Diff,
        lists: &[SegmentList],
    ) -> SyncState {
        // One output slot per distinct title, in segment order.
        let mut slot_of: Vec<usize> = Vec::with_capacity(lists.len());
        let mut slots: Vec<(&SegmentList, Vec<Entry>)> = Vec::new();
        let mut used = vec![false; base.map_or(0, |b| b.lists.len())];
        for l in lists {
            if let Some(i) = slots.iter().position(|(s, _)| s.title == l.title) {
                slot_of.push(i);
                continue;
            }
            let start = l.base.and_then(|i| base?.lists.get(i));
            if let Some(u) = l.base.and_then(|i| used.get_mut(i)) {
                *u = true;
            }
            slot_of.push(slots.len());
            slots.push((l, start.map(|b| b.entries.clone()).unwrap_or_default()));
        }
        let slot = |segment: u32| slot_of.get(segment as usize).copied();
        let mut gone: Vec<Vec<u64>> = vec![Vec::new(); slots.len()];
        for r in &self.removals {
            if let Some(rm) = diff.removals.get(*r as usize) {
                if let Some(g) = slot(rm.segment).and_then(|i| gone.get_mut(i)) {
                    g.push(rm.email);
                }
            }
        }
        for ((_, entries), g) in slots.iter_mut().zip(&mut gone) {
            if !g.is_empty() {
                g.sort_unstable();
                entries.retain(|e| g.binary_search(&e.email).is_err());
            }
        }
        let hashes = Hashes::new(identity.salt);
        let mut fields = String::new();
        for (m, id) in &self.upserts {
            let Some(ms) = plan.memberships.get(*m as usize) else {
                continue;
            };
            let c = ms.contact as usize;
            let (email, contact) = match (diff.email_hashes.get(c), diff.contact_hashes.get(c)) {
                (Some(&email), Some(&contact)) => (email, contact),
                // Not hashed yet (a run without a base state hashes while it waits): now.
                _ => {
                    let Some(pc) = plan.contacts.get(c) else {
                        continue;
                    };
                    fields.clear();
                    plan.push_fields(pc, &mut fields);
                    (
                        hashes.email_folding(&pc.email),
                        hashes.contact(&pc.email, &fields),
                    )
                }
            };
            if let Some((_, v)) = slot(ms.segment).and_then(|i| slots.get_mut(i)) {
                v.push(Entry {
                    email,
                    contact,
                    id: id.clone(),
                });
            }
        }
        let mut out_lists = Vec::with_capacity(slots.len() + used.len());
        for (l, entries) in slots {
            // Stable: for one email, a confirmed upsert (pushed last) wins over the base. By
            // `order::by_key` (the `u64` sort the module links anyway), not `sort_by_key`,
            // whose stable sort is one more sort in the module: 1.5 KB gzip less, for a few
            // milliseconds per 100,000 entries once per run (measured: tests/bench/README.md,
            // issue 15, the twelfth round).
            let entries = crate::util::order::by_key(entries, |e| e.email);
            let mut dedup: Vec<Entry> = Vec::with_capacity(entries.len());
            for e in entries {
                match dedup.last_mut() {
                    // Autopilot's id of a contact is stable per email: a membership confirmed
                    // without an answer keeps the id the base knew.
                    Some(last)
                        if last.email == e.email && e.id.is_unknown() && !last.id.is_unknown() =>
                    {
                        last.contact = e.contact;
                    }
                    Some(last) if last.email == e.email => *last = e,
                    _ => dedup.push(e),
                }
            }
            let id = match (&l.id, l.base.and_then(|i| base?.lists.get(i))) {
                (Some(id), _) => id.clone(),
                (None, Some(b)) => b.id.clone(),
                (None, None) if dedup.is_empty() => continue,
                (None, None) => String::new(),
            };
            out_lists.push(ListState {
                id,
                title: l.title.clone(),
                entries: dedup,
            });
        }
        if let Some(b) = base {
            for (list, _) in b.lists.iter().zip(&used).filter(|(_, u)| !**u) {
                if !out_lists.iter().any(|l| l.title == list.title) {
                    out_lists.push(list.clone());
                }
            }
        }
        SyncState {
            salt: identity.salt,
            base: identity.base,
            account_kind: identity.account_kind,
            account: identity.account,
            lists: out_lists,
        }
    }
}

/// For each segment, the index of the state's list with its title (`titles[s]`; the empty
/// title for a job without lists), as a preview sees it (no network).
pub fn lists_by_title(state: Option<&SyncState>, titles: &[String]) -> Vec<Option<usize>> {
    titles
        .iter()
        .map(|t| state.and_then(|s| s.lists.iter().position(|l| &l.title == t)))
        .collect()
}
