//! The ledger of a run's writes: the upsert batches (which are finished, which parts are
//! open), the outcome of every membership sent (confirmed or failed, counted once even when a
//! batch is sent again after a resume), and every removal. What it confirms also feeds the
//! next sync state ([`StateBuilder`]).

use super::work::{BatchId, RemovalId};
use crate::error::Error;
use crate::plan::{Batches, Plan};
use crate::report::{Checkpoint, FailedRef, RejectReason};
use crate::sync::{ContactId, StateBuilder};

/// What one call of a job takes over from the calls before the sync state it started from
/// (their work is in that state already): exported and removed counts per segment, and
/// how many of the checkpoint's first failed contacts they decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Carried {
    /// Exported per segment.
    pub exported: Vec<u64>,
    /// Removed per segment.
    pub removed: Vec<u64>,
    /// The first `failed` entries of the checkpoint.
    pub failed: u32,
}

impl Carried {
    /// Nothing carried, over `segments` segments.
    pub fn none(segments: usize) -> Carried {
        Carried {
            exported: vec![0; segments],
            removed: vec![0; segments],
            failed: 0,
        }
    }

    /// Resuming with the state of the checkpoint's own report: everything it counts is in
    /// that state.
    pub fn all_of(cp: &Checkpoint) -> Carried {
        Carried {
            exported: cp.exported.clone(),
            removed: cp.removed.clone(),
            failed: cp.failed.len() as u32,
        }
    }

    /// Resuming with the state the checkpoint's call started from: what that call carried.
    /// Errors: `CHECKPOINT_MISMATCH` when the carried part is not within the totals.
    pub fn before_base(cp: &Checkpoint) -> Result<Carried, Error> {
        let within = |carried: &[u64], total: &[u64]| {
            carried.is_empty()
                || (carried.len() == total.len() && carried.iter().zip(total).all(|(c, t)| c <= t))
        };
        if !within(&cp.carried_exported, &cp.exported)
            || !within(&cp.carried_removed, &cp.removed)
            || cp.carried_failed as usize > cp.failed.len()
        {
            return Err(super::mismatch(
                "the checkpoint's carried counts exceed its totals",
            ));
        }
        Ok(Carried {
            exported: if cp.carried_exported.is_empty() {
                vec![0; cp.exported.len()]
            } else {
                cp.carried_exported.clone()
            },
            removed: if cp.carried_removed.is_empty() {
                vec![0; cp.removed.len()]
            } else {
                cp.carried_removed.clone()
            },
            failed: cp.carried_failed,
        })
    }
}

/// Outcome of one membership or removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Not finished.
    Open,
    /// Confirmed (upsert) or done (removal).
    Done,
    /// Failed.
    Failed,
}

/// The run's writes.
#[derive(Debug)]
pub struct Ledger {
    /// The upsert batches (indexes into `plan.memberships`).
    pub batches: Batches,
    /// Per batch: finished.
    done: Vec<bool>,
    /// Per batch in progress: open parts.
    open: Vec<u32>,
    /// Finished batches.
    pub done_count: u32,
    /// The next batch never sent.
    next_batch: usize,
    /// Per membership of the plan.
    marks: Vec<Mark>,
    /// Per segment: confirmed / failed memberships, carried counts included.
    pub exported: Vec<u64>,
    /// Per segment: failed memberships, carried included.
    pub failed_count: Vec<u64>,
    /// Failed memberships with their reasons, carried included.
    pub failed: Vec<FailedRef>,
    /// Memberships finished by this call (confirmed or failed).
    pub finished_this_call: u64,
    /// Per removal.
    removal_marks: Vec<Mark>,
    /// The next removal never sent.
    next_removal: usize,
    /// Per segment: removals done, carried included.
    pub removed: Vec<u64>,
    /// Removals that failed, and the last reason.
    pub removal_failures: (u64, Option<String>),
    /// Leavers that could not be removed because their Autopilot id is unknown; they are
    /// no longer tracked (dropped from the next state).
    pub untracked: u64,
    /// What this call confirmed, for the next state.
    pub confirmed: StateBuilder,
    /// The job's tag, for the ids of memberships confirmed without one.
    job: String,
    /// Memberships sent again only to learn their ids (ascending): an earlier call of the
    /// job counted them, so their outcome counts nothing (a failure leaves them as they
    /// were: on the list, id unknown).
    relearn: Vec<u32>,
}

impl Ledger {
    /// A ledger for `batches` of `plan`, with `removals` removals.
    pub fn new(
        plan: &Plan,
        batches: Batches,
        removals: usize,
        job: &str,
        relearn: Vec<u32>,
    ) -> Self {
        let segments = plan.segments.len();
        let n = batches.count();
        Ledger {
            done: vec![false; n],
            open: vec![0; n],
            done_count: 0,
            next_batch: 0,
            marks: vec![Mark::Open; plan.memberships.len()],
            exported: vec![0; segments],
            failed_count: vec![0; segments],
            failed: Vec::new(),
            finished_this_call: 0,
            removal_marks: vec![Mark::Open; removals],
            next_removal: 0,
            removed: vec![0; segments],
            removal_failures: (0, None),
            untracked: 0,
            confirmed: StateBuilder::new(),
            job: job.to_string(),
            relearn,
            batches,
        }
    }

    /// Number of batches.
    pub fn batch_count(&self) -> usize {
        self.done.len()
    }

    /// Memberships sent only to learn their ids (not counted as contacts of this run).
    pub fn relearn_count(&self) -> usize {
        self.relearn.len()
    }

    /// Number of removals.
    pub fn removal_count(&self) -> usize {
        self.removal_marks.len()
    }

    /// Removals finished (done or failed).
    pub fn removals_finished(&self) -> u64 {
        self.removal_marks
            .iter()
            .filter(|m| **m != Mark::Open)
            .count() as u64
    }

    /// Whether every batch and every removal is finished.
    pub fn complete(&self) -> bool {
        self.done_count as usize >= self.done.len()
            && self.removal_marks.iter().all(|m| *m != Mark::Open)
    }

    /// Whether batch `b` is finished.
    pub fn is_done(&self, b: usize) -> bool {
        self.done.get(b).copied().unwrap_or(true)
    }

    /// Marks batch `b` finished without sending it (resumed from a checkpoint): its
    /// memberships count as confirmed unless `failed` lists them.
    pub fn restore_done(&mut self, b: usize) {
        if let Some(d) = self.done.get_mut(b) {
            if !*d {
                *d = true;
                self.done_count += 1;
            }
        }
    }

    /// Takes over counts of earlier calls of the same run (state-mode resume).
    pub fn carry(&mut self, exported: &[u64], removed: &[u64], failed: Vec<FailedRef>) {
        for (a, b) in self.exported.iter_mut().zip(exported) {
            *a += b;
        }
        for (a, b) in self.removed.iter_mut().zip(removed) {
            *a += b;
        }
        for f in &failed {
            if let Some(c) = self.failed_count.get_mut(f.segment as usize) {
                *c += 1;
            }
        }
        self.failed.extend(failed);
    }

    /// The next batch never sent and not finished, if any (batches go in order).
    pub fn peek_fresh(&mut self) -> Option<BatchId> {
        while self.next_batch < self.done.len() && self.is_done(self.next_batch) {
            self.next_batch += 1;
        }
        let b = self.next_batch;
        (b < self.done.len()).then_some(BatchId(b as u32))
    }

    /// Batch `b` goes out whole: one open part.
    pub fn start(&mut self, b: BatchId) -> u32 {
        if let Some(o) = self.open.get_mut(b.0 as usize) {
            *o = 1;
        }
        if self.next_batch == b.0 as usize {
            self.next_batch += 1;
        }
        self.batches.batch(b.0 as usize).len() as u32
    }

    /// One open part of `b` became `parts` parts.
    pub fn split(&mut self, b: BatchId, parts: u32) {
        if let Some(o) = self.open.get_mut(b.0 as usize) {
            *o += parts.saturating_sub(1);
        }
    }

    /// The next removal never sent, if any.
    pub fn next_removal(&mut self) -> Option<RemovalId> {
        let r = self.next_removal;
        (r < self.removal_marks.len()).then(|| {
            self.next_removal += 1;
            RemovalId(r as u32)
        })
    }

    /// Closes open membership `m` as `to`; its segment and row, or `None` when it was not
    /// open (an outcome arrives once per membership, whatever retries and splits did).
    fn close(&mut self, plan: &Plan, m: u32, to: Mark) -> Option<(u32, u64)> {
        let mark = self.marks.get_mut(m as usize)?;
        if *mark != Mark::Open {
            return None;
        }
        *mark = to;
        self.finished_this_call += 1;
        plan.memberships
            .get(m as usize)
            .map(|ms| (ms.segment, ms.row))
    }

    /// Membership `m` (index into `plan.memberships`) was confirmed with contact `id`
    /// (`None`: confirmed by an earlier call whose answer this one never saw).
    pub fn confirm(&mut self, plan: &Plan, m: u32, id: Option<ContactId>) {
        let Some((segment, _)) = self.close(plan, m, Mark::Done) else {
            return;
        };
        if self.relearn.binary_search(&m).is_ok() {
            if let Some(id) = id {
                self.confirmed.upserted(m, id);
            }
            return;
        }
        if let Some(e) = self.exported.get_mut(segment as usize) {
            *e += 1;
        }
        self.confirmed
            .upserted(m, id.unwrap_or_else(|| ContactId::unknown(&self.job)));
    }

    /// Membership `m` failed.
    pub fn fail(&mut self, plan: &Plan, m: u32, reason: RejectReason, detail: Option<String>) {
        if self.relearn.binary_search(&m).is_ok() {
            self.close(plan, m, Mark::Done);
            return;
        }
        let Some((segment, row)) = self.close(plan, m, Mark::Failed) else {
            return;
        };
        if let Some(c) = self.failed_count.get_mut(segment as usize) {
            *c += 1;
        }
        self.failed.push(FailedRef {
            segment,
            row,
            reason,
            detail,
        });
    }

    /// Closes one part of batch `b`; `true` when it was the last (the batch is finished).
    pub fn part_done(&mut self, b: BatchId) -> bool {
        let i = b.0 as usize;
        let Some(o) = self.open.get_mut(i) else {
            return false;
        };
        *o = o.saturating_sub(1);
        if *o > 0 {
            return false;
        }
        match self.done.get_mut(i) {
            Some(d) if !*d => {
                *d = true;
                self.done_count += 1;
                true
            }
            _ => false,
        }
    }

    /// Removal `r` ended: `Some(segment)` when done, else failed with `why`.
    pub fn removal(&mut self, r: RemovalId, segment: u32, done: bool, why: Option<String>) {
        let Some(mark) = self.removal_marks.get_mut(r.0 as usize) else {
            return;
        };
        if *mark != Mark::Open {
            return;
        }
        if done {
            *mark = Mark::Done;
            if let Some(c) = self.removed.get_mut(segment as usize) {
                *c += 1;
            }
            self.confirmed.removed(r.0);
        } else {
            *mark = Mark::Failed;
            self.removal_failures.0 += 1;
            self.removal_failures.1 = why;
        }
    }

    /// Removal `r` cannot be made (the member's Autopilot id is unknown): it fails, and the
    /// member is dropped from the next state — no later run could remove it either.
    pub fn untrack(&mut self, r: RemovalId) {
        let Some(mark) = self.removal_marks.get_mut(r.0 as usize) else {
            return;
        };
        if *mark != Mark::Open {
            return;
        }
        *mark = Mark::Failed;
        self.untracked += 1;
        self.confirmed.removed(r.0);
    }

    /// Memberships of `selected` (the run's upserts) still open, per segment.
    pub fn open_per_segment(&self, plan: &Plan) -> Vec<u64> {
        let mut out = vec![0u64; plan.segments.len()];
        for m in &self.batches.items {
            if self.marks.get(*m as usize) == Some(&Mark::Open)
                && self.relearn.binary_search(m).is_err()
            {
                if let Some(c) = plan
                    .memberships
                    .get(*m as usize)
                    .and_then(|ms| out.get_mut(ms.segment as usize))
                {
                    *c += 1;
                }
            }
        }
        out
    }

    /// The finished batches as sorted inclusive ranges.
    pub fn done_ranges(&self) -> Vec<[u32; 2]> {
        let mut out: Vec<[u32; 2]> = Vec::new();
        for (b, _) in self.done.iter().enumerate().filter(|(_, d)| **d) {
            let b = b as u32;
            match out.last_mut() {
                Some([_, last]) if last.checked_add(1) == Some(b) => *last = b,
                _ => out.push([b, b]),
            }
        }
        out
    }
}
