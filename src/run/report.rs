//! What a run tells: the progress snapshot, the report, the checkpoint and the next sync
//! state (built from exactly what was confirmed).

use super::ledger::Carried;
use super::{Resume, Run, Stage, CHECKPOINT_VERSION};
use crate::report::{
    Checkpoint, ExportReport, ListRef, Progress, Reject, ReportError, RunStatus, SegmentReport,
    Totals, Warning, MAX_REJECTS,
};
use crate::sync::{AccountKind, Hashes, Identity, SegmentList, SyncState};
use crate::util::time::format_iso;

impl Run {
    /// A progress snapshot at monotonic `now`.
    pub fn progress(&self, now: f64) -> Progress {
        let elapsed_ms = (now - self.mono0).max(0.0);
        let (
            batches_done,
            batches_total,
            contacts_total,
            finished,
            exported,
            failed,
            rem_done,
            rem_total,
        ) = match &self.writes {
            Some(w) => (
                w.ledger.done_count,
                w.ledger.batch_count() as u32,
                (w.ledger.batches.items.len() - w.ledger.relearn_count()) as u64,
                w.ledger.finished_this_call,
                w.ledger.exported.iter().sum(),
                w.ledger.failed_count.iter().sum(),
                w.ledger.removals_finished(),
                w.ledger.removal_count() as u64,
            ),
            None => (0, 0, 0, 0, 0, 0, 0, 0),
        };
        // Contacts finished, counting batches restored from a checkpoint and, when resuming
        // from a sync state, what earlier calls of the job finished.
        let carried = self.carried.exported.iter().sum::<u64>() + u64::from(self.carried.failed);
        let contacts_total = contacts_total + carried;
        let contacts_done = match &self.writes {
            Some(w) => {
                let open: u64 = self
                    .plan
                    .as_ref()
                    .map_or(0, |p| w.ledger.open_per_segment(p).iter().sum());
                contacts_total.saturating_sub(open)
            }
            None => carried,
        };
        let per_second = if elapsed_ms > 0.0 {
            finished as f64 * 1000.0 / elapsed_ms
        } else {
            0.0
        };
        // What is left is requests (open upsert batches and removals), paced at the rate:
        // the ETA divides them by the rate, or by the rate observed so far once it is lower
        // (throttling, latency).
        let remaining_requests = u64::from(batches_total.saturating_sub(batches_done))
            + rem_total.saturating_sub(rem_done);
        let sent = self.sched.requests.sent as f64;
        let rate = self.settings.rate_per_second;
        let observed = if elapsed_ms >= 2_000.0 && sent > 0.0 {
            sent * 1000.0 / elapsed_ms
        } else {
            rate
        };
        let eta_ms = if self.stage == Stage::Done {
            Some(0.0)
        } else if self.writes.is_none() {
            None
        } else {
            Some((remaining_requests as f64 * 1000.0 / observed.min(rate)).round())
        };
        Progress {
            phase: self.phase(),
            batches_done,
            batches_total,
            contacts_done,
            contacts_total,
            exported,
            failed,
            removals_done: rem_done,
            removals_total: rem_total,
            in_flight: self.sched.in_flight.len() as u32,
            requests: self.sched.requests.clone(),
            elapsed_ms,
            contacts_per_second: per_second,
            eta_ms,
        }
    }

    /// The status the run ended with (provisional — `cancelled` — while it is still going).
    pub fn status(&self) -> RunStatus {
        let (exported, failed, removal_failures, complete) = match &self.writes {
            Some(w) => (
                w.ledger.exported.iter().sum::<u64>(),
                w.ledger.failed_count.iter().sum::<u64>(),
                w.ledger.removal_failures.0 + w.ledger.untracked,
                w.ledger.complete(),
            ),
            None => (0, 0, 0, false),
        };
        if self.error.is_some() {
            RunStatus::Failed
        } else if self.cancelled || self.stage != Stage::Done {
            RunStatus::Cancelled
        } else if !complete {
            RunStatus::Paused
        } else if failed == 0 && removal_failures == 0 {
            RunStatus::Succeeded
        } else if exported == 0 && failed > 0 {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        }
    }

    /// The identity of the state this run writes (a new one keyed by the key when the run
    /// ended before the account answered).
    fn state_identity(&self) -> Identity {
        if let Some(i) = self.identity {
            return i;
        }
        if let Some(b) = &self.base {
            return Identity {
                salt: b.salt,
                base: b.base,
                account_kind: b.account_kind,
                account: b.account,
            };
        }
        let salt = self.settings.seed ^ 0xA5A5_5A5A_C3C3_3C3C;
        let h = Hashes::new(salt);
        Identity {
            salt,
            base: h.base(&self.config.connection.api_base()),
            account_kind: AccountKind::Key,
            account: h.account(AccountKind::Key, self.config.connection.api_key.expose()),
        }
    }

    /// The sync state after this run: the base with everything confirmed applied.
    pub fn sync_state(&self) -> SyncState {
        let identity = self.state_identity();
        match (&self.plan, &self.writes) {
            (Some(plan), Some(w)) => {
                let lists: Vec<SegmentList> = self
                    .lists
                    .titles
                    .iter()
                    .enumerate()
                    .map(|(s, title)| SegmentList {
                        id: if self.per_segment {
                            self.lists.id(s).map(str::to_string)
                        } else {
                            Some(String::new())
                        },
                        title: title.clone(),
                        base: w.base_lists.get(s).copied().flatten(),
                    })
                    .collect();
                w.ledger
                    .confirmed
                    .build(self.base.as_ref(), identity, plan, &w.diff, &lists)
            }
            _ => {
                let mut s = self.base.clone().unwrap_or(SyncState {
                    salt: identity.salt,
                    base: identity.base,
                    account_kind: identity.account_kind,
                    account: identity.account,
                    lists: Vec::new(),
                });
                if s.memberships() == 0 {
                    s.salt = identity.salt;
                    s.base = identity.base;
                    s.account_kind = identity.account_kind;
                    s.account = identity.account;
                }
                s
            }
        }
    }

    /// The report an error carries (`AutopilotExportError.report`): what was read and done —
    /// but none for `CHECKPOINT_MISMATCH`, whose checkpoint must not replace the one the
    /// host stored.
    pub fn error_report(&self, now: f64) -> Option<ExportReport> {
        let foreign = self
            .error
            .as_ref()
            .is_some_and(|e| e.code == crate::error::ErrorCode::CheckpointMismatch);
        (!foreign).then(|| self.report(now))
    }

    /// A checkpoint taken while the run goes on (after a finished batch), cheap to make:
    /// without the new sync state (`state` is empty). It resumes with the sync state this run
    /// *started* from (the batches it marks finished are skipped), so a host that stores it
    /// after every batch re-sends at most what was in flight when it was stopped.
    pub fn interim_checkpoint(&self) -> Checkpoint {
        let mut cp = self.checkpoint_for(&[]);
        cp.state = String::new();
        cp
    }

    /// Resume state for `state_bytes` (the encoded [`Run::sync_state`]).
    fn checkpoint_for(&self, state_bytes: &[u8]) -> Checkpoint {
        let segments = self.config.segments.len();
        let sends = match (&self.writes, &self.checkpoint, self.resume) {
            (Some(w), ..) => w.diff.sends_hash(),
            (None, Some(cp), Resume::Batches) => cp.sends.clone(),
            _ => String::new(),
        };
        let (done, batches, exported, removed, failed, carried) = match &self.writes {
            Some(w) => (
                w.ledger.done_ranges(),
                w.ledger.batch_count() as u32,
                w.ledger.exported.clone(),
                w.ledger.removed.clone(),
                w.ledger.failed.clone(),
                self.carried.clone(),
            ),
            // Stopped before its writes were planned: what the checkpoint given said,
            // relative to the state this call started from.
            None => match (&self.checkpoint, self.resume) {
                (Some(cp), Resume::Batches) => (
                    cp.done.clone(),
                    cp.batches,
                    cp.exported.clone(),
                    cp.removed.clone(),
                    cp.failed.clone(),
                    Carried::before_base(cp).unwrap_or_else(|_| Carried::none(segments)),
                ),
                (Some(cp), Resume::State) => (
                    Vec::new(),
                    0,
                    cp.exported.clone(),
                    cp.removed.clone(),
                    cp.failed.clone(),
                    Carried::all_of(cp),
                ),
                _ => (
                    Vec::new(),
                    0,
                    vec![0; segments],
                    vec![0; segments],
                    Vec::new(),
                    Carried::none(segments),
                ),
            },
        };
        // Checkpoints name the state the call started from: resumed with it, the diff gives
        // this call's batches again.
        let base = self.base_hash.clone();
        Checkpoint {
            version: CHECKPOINT_VERSION,
            fingerprint: self.fingerprint(),
            base,
            state: super::state_hash(Some(state_bytes)),
            lists: (0..segments)
                .map(|s| match self.lists.slots.get(s) {
                    Some(super::Slot::Known { id, created }) if self.per_segment => Some(ListRef {
                        id: id.clone(),
                        created: *created,
                    }),
                    _ => None,
                })
                .collect(),
            batches,
            done,
            exported,
            removed,
            failed,
            carried_exported: carried.exported,
            carried_removed: carried.removed,
            carried_failed: carried.failed,
            sends,
            job: self.job.clone(),
            key: self.identity.map_or_else(String::new, |i| {
                super::key_hash(i.salt, self.config.connection.api_key.expose())
            }),
            requests: self.sched.requests.clone(),
        }
    }

    /// The checkpoint of the report at this point (computes the sync state).
    pub fn checkpoint(&self) -> Checkpoint {
        self.checkpoint_for(&self.sync_state().encode())
    }

    /// The run report at monotonic `now` (meant for after [`super::Step::Done`]; before that
    /// it describes the run so far, with status `cancelled`). Covers the whole job when
    /// resumed.
    pub fn report(&self, now: f64) -> ExportReport {
        let finished = self.finished_at.unwrap_or(now);
        let state_bytes = self.sync_state().encode();
        let checkpoint = self.checkpoint_for(&state_bytes);
        let mut totals = Totals::default();
        let mut segments: Vec<SegmentReport> = Vec::new();
        let open = match (&self.plan, &self.writes) {
            (Some(p), Some(w)) => w.ledger.open_per_segment(p),
            _ => Vec::new(),
        };
        if let Some(plan) = &self.plan {
            totals.unique_profiles = plan.contacts.len() as u64;
            for (s, seg) in plan.segments.iter().enumerate() {
                let mut seg = seg.clone();
                let c = &mut seg.counts;
                match &self.writes {
                    Some(w) => {
                        c.exported = w.ledger.exported.get(s).copied().unwrap_or(0);
                        c.failed = w.ledger.failed_count.get(s).copied().unwrap_or(0);
                        c.removed = w.ledger.removed.get(s).copied().unwrap_or(0);
                        c.unchanged = w.unchanged.get(s).copied().unwrap_or(0);
                        c.not_sent = open.get(s).copied().unwrap_or(0);
                    }
                    None => c.not_sent = c.memberships,
                }
                if self.per_segment {
                    seg.list_id = self.lists.id(s).map(str::to_string);
                    seg.list_created = matches!(
                        self.lists.slots.get(s),
                        Some(super::Slot::Known { created: true, .. })
                    );
                }
                totals.add(&seg.counts);
                segments.push(seg);
            }
        }
        let mut rejects: Vec<Reject> = self
            .plan
            .as_ref()
            .map(|p| p.rejects.clone())
            .unwrap_or_default();
        let mut rejects_omitted = self.plan.as_ref().map_or(0, |p| p.rejects_omitted);
        if let (Some(plan), Some(w)) = (&self.plan, &self.writes) {
            let contact_of: crate::util::hash::RowMap =
                if w.ledger.failed.is_empty() || plan.config.id_field.is_none() {
                    crate::util::hash::RowMap::default()
                } else {
                    plan.memberships
                        .iter()
                        .map(|m| ((m.segment, m.row), m.contact))
                        .collect()
                };
            // By (segment, row): by row, then (stable) by segment.
            let by_row = crate::util::order::by_key(w.ledger.failed.iter().collect(), |f| f.row);
            for f in crate::util::order::by_key(by_row, |f| u64::from(f.segment)) {
                if rejects.len() < MAX_REJECTS {
                    rejects.push(Reject {
                        segment: f.segment,
                        row: f.row,
                        id: contact_of
                            .get(&(f.segment, f.row))
                            .and_then(|c| plan.contacts.get(*c as usize))
                            .and_then(|c| c.id.as_deref())
                            .map(str::to_string),
                        reason: f.reason,
                        detail: f.detail.clone(),
                    });
                } else {
                    rejects_omitted += 1;
                }
            }
        }
        let mut warnings: Vec<Warning> = self
            .plan
            .as_ref()
            .map(|p| p.warnings.clone())
            .unwrap_or_default();
        warnings.extend(self.warnings.iter().cloned());
        if let (Some(w), Some(plan)) = (&self.writes, &self.plan) {
            warnings.extend(w.diff.held_warning(plan));
        }
        if let Some(n) = self
            .writes
            .as_ref()
            .map(|w| w.ledger.untracked)
            .filter(|n| *n > 0)
        {
            warnings.push(Warning {
                code: crate::error::WarningCode::RemovalFailed,
                field: "membership".into(),
                label: "Removals".into(),
                source: None,
                hint: Some("members who left their segment could not be removed: their Autopilot contact ids are unknown (they were confirmed by a run resumed from an interim checkpoint and left before a refresh learnt the ids). Remove them from their lists by hand: they are no longer tracked, and no later run removes them".into()),
                count: n,
                examples: Vec::new(),
            });
        }
        if let Some(w) = &self.writes {
            let (n, why) = &w.ledger.removal_failures;
            if *n > 0 {
                warnings.push(Warning {
                    code: crate::error::WarningCode::RemovalFailed,
                    field: "membership".into(),
                    label: "Removals".into(),
                    source: None,
                    hint: why.clone().map(|w| {
                        format!(
                            "{w}; the members stay on their lists and the next refresh tries again"
                        )
                    }),
                    count: *n,
                    examples: Vec::new(),
                });
            }
        }
        let c = &self.config.connection;
        ExportReport {
            status: self.status(),
            display_name: c.display_name.clone(),
            export_user: c.export_user.clone(),
            started_at: format_iso(self.wall0 as i64),
            finished_at: format_iso(self.wall(finished) as i64),
            duration_ms: (finished - self.mono0).max(0.0),
            resumed: self.checkpoint.is_some(),
            totals,
            segments,
            requests: self.sched.requests.clone(),
            rejects,
            rejects_omitted,
            warnings,
            error: self.error.as_ref().map(|e| ReportError {
                code: e.code,
                message: e.message.clone(),
            }),
            checkpoint,
            sync_state: state_bytes,
        }
    }
}
