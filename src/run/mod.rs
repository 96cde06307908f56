//! The export run: a sans-IO state machine (DESIGN.md §5, §9).
//!
//! A [`Run`] decides which request goes next, when, and what each answer means. It never
//! performs I/O and never reads a clock: the driver passes a **monotonic** time (`now`, in
//! milliseconds, e.g. `performance.now()`) into every call — the wall-clock time given to
//! [`Run::new`] only stamps the report — sends the complete [`Request`]s it is handed, and
//! feeds back their [`Outcome`]s.
//!
//! # Driving a run
//!
//! ```text
//! run = Run::new(config, settings, checkpoint, state_bytes, wall_now, now)?  // CONFIG_INVALID, STATE_MISMATCH, CHECKPOINT_MISMATCH
//! send what run.next(now) hands out (the account and lists reads) while reading the input
//! run.attach(plan, now)?                              // CAP_EXCEEDED, NOTHING_TO_EXPORT, CHECKPOINT_MISMATCH
//! loop {
//!     match run.next(now) {
//!         Step::Send(req) => start(req),              // fetch exactly as described, redirect: 'manual',
//!                                                     // abort after req.timeout_ms; when it settles:
//!                                                     //   if run.complete(req.id, outcome, now) { onProgress(run.progress(now)) }
//!         Step::Wait { until } => sleep until `until` (if any) OR until a request settles,
//!         Step::Done => break,
//!     }
//!     if signal.aborted { run.cancel(now); abort everything in flight; break }
//! }
//! report = run.report(now)                            // run.error() tells AUTH_FAILED etc.
//! ```
//!
//! Call [`Run::next`] again after every `Send` (several requests may go at once, up to the
//! in-flight limit) until it returns `Wait` or `Done`. Each request gets exactly one
//! [`Run::complete`] call; outcomes of unknown ids (after a cancel or a fatal error) are
//! ignored.
//!
//! # What it does
//!
//! 1. **Reads** (while the input is read; for a resume, once its checkpoint matched the
//!    plan): with per-segment lists `GET /lists` (first: it is on the way to the first
//!    upsert), and `GET /account` (which account the key belongs to: the sync state is bound
//!    to it). A resumed run takes both from its checkpoint and sync state.
//! 2. **Prepare** (once the plan is attached and the reads answered — without a sync state,
//!    the account is not awaited here, only before the run ends): the sync state is
//!    checked against the account (`STATE_MISMATCH`), each segment's state list is matched to
//!    its Autopilot list (a list that no longer exists makes all its memberships new again),
//!    the refresh diff is computed ([`crate::sync::diff`]), the mirror guard checked
//!    (`REMOVALS_EXCEEDED`) — all before any write. Missing lists are created only for
//!    segments with contacts to send.
//! 3. **Writes**: bulk upserts of the added and updated memberships in the minimum number of
//!    requests (each contact carries its segment's `_autopilot_list`; a batch leaves as soon
//!    as its lists are known), then one `DELETE` per leaver (mirror). Paced by a token bucket
//!    with several requests in flight so the whole rate is used despite latency.
//! 4. **Errors**: `429`, `408`, `5xx`, network errors and timeouts are retried with
//!    exponential backoff and jitter, honouring `Retry-After`; a `429` also slows the bucket.
//!    `401` stops the run (`AUTH_FAILED`); a redirect (never followed), `403`, `404`, `405`
//!    and other `4xx` stop it with `API_ERROR`. `400`/`413`/`422` on an upsert split it (at
//!    the index the answer names, else in halves) until single contacts fail with
//!    `SERVER_REJECTED`; when 10 isolated contacts in a row fail with the same message and
//!    nothing succeeds in between, the rejection is systemic and the run stops with
//!    `API_ERROR` quoting it, without splitting the rest. A removal answered `404` or
//!    `not_modified` counts as done.
//! 5. **Budget**: with `maxRequests`, the run stops sending after that many requests, lets
//!    the requests in flight finish, and ends with status `paused`.
//! 6. **Cancel**: no new requests; requests in flight are abandoned (the driver aborts them).
//!
//! # Resuming
//!
//! A report carries a [`Checkpoint`] and the `syncState` it belongs to. Given both, a new run
//! of the same job diffs against that state — which holds everything confirmed so far — and
//! sends exactly what is left; counts carry over. Given a checkpoint with the state the
//! interrupted run *started* from (or no state, for a run that had none), it skips the
//! batches the checkpoint marks finished. Anything else is `CHECKPOINT_MISMATCH`.
//!
//! # Counting and status
//!
//! `requests.sent` counts every send (retries included), `retried` the retries, `throttled`
//! the `429`s, `errors` the answers and failures that were not successes or 429s (4xx
//! included), `bisected` the sends of split parts. Per segment, at the end,
//! `memberships = exported + failed + unchanged + notSent`. Status: `failed` when an error
//! ended the run, or when nothing was exported and something failed; `cancelled` after
//! [`Run::cancel`]; `paused` when the budget ended it with work left; else `succeeded` if
//! nothing failed, `partial` otherwise.

mod classify;
mod ledger;
mod lists;
mod options;
mod report;
mod scheduler;
mod work;

pub use crate::http::{HeaderValue, Method, Outcome, Request};
pub use options::{
    default_in_flight, options_error, PreviewOptions, PreviewSettings, Resumption, RunOptions,
    Settings, HOST_KEYS,
};
pub use work::{BatchId, RemovalId, SegmentId, Work};

use crate::autopilot::{self, Api};
use crate::config::{ExportConfig, ListMode, Membership};
use crate::error::{Error, ErrorCode};
use crate::plan::{Batches, Fingerprinter, Plan};
use crate::report::{Checkpoint, Phase, RejectReason, Warning};
use crate::sync::{
    self, AccountKind, ContactHashes, Diff, DiffOptions, Hashes, Identity, SyncState,
};
use crate::util::hash::RowMap;
use classify::{Class, Parsed};
use ledger::{Carried, Ledger};
use lists::{Lists, Slot};
use scheduler::Scheduler;
use work::Task;

/// Version of the [`Checkpoint`] format written and accepted.
pub const CHECKPOINT_VERSION: u32 = 2;
/// Isolated contacts failing in a row with the same message that make a rejection systemic.
pub const SYSTEMIC_REJECTIONS: u32 = 10;

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this request now, then call [`Run::next`] again.
    Send(Request),
    /// Nothing to send now: wait until `until` (monotonic ms) or until a request in flight
    /// settles, whichever comes first. `until: None` means only a settling request (or
    /// [`Run::attach`]) can unblock the run.
    Wait {
        /// When to call [`Run::next`] again at the latest.
        until: Option<f64>,
    },
    /// The run is over (finished, failed, cancelled or paused): take [`Run::report`].
    Done,
}

/// How a checkpoint is taken up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    /// No checkpoint.
    Fresh,
    /// Skip the checkpoint's finished batches (the state given is the one the run started from).
    Batches,
    /// Diff against the state given (the one the checkpoint belongs to): what is left.
    State,
}

/// Where the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Reading the account and the lists, waiting for the plan.
    Reading,
    /// Creating lists, upserting, removing.
    Writing,
    /// Over.
    Done,
}

/// The account step.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Account {
    /// `GET /account` queued or in flight.
    Pending,
    /// Answered: the `instanceId`, if the answer had one.
    Known(Option<String>),
    /// Not needed: the identity comes from the sync state.
    Skipped,
}

/// What the run writes, once prepared.
#[derive(Debug)]
struct Writes {
    diff: Diff,
    ledger: Ledger,
    /// Per segment: the index of the base state's list it continues.
    base_lists: Vec<Option<usize>>,
    /// Per segment: memberships not sent because unchanged.
    unchanged: Vec<u64>,
}

/// One export run. See the [module documentation](self).
#[derive(Debug)]
pub struct Run {
    api: Api,
    config: ExportConfig,
    settings: Settings,
    wall0: f64,
    mono0: f64,
    sched: Scheduler,
    account: Account,
    lists: Lists,
    per_segment: bool,
    base: Option<SyncState>,
    identity: Option<Identity>,
    /// The contacts' hashes, computed when the plan is attached (taken by `prepare`).
    hashes: Option<ContactHashes>,
    /// The fingerprint under way (see `background`).
    fingerprinting: Option<Fingerprinter>,
    checkpoint: Option<Checkpoint>,
    resume: Resume,
    base_hash: String,
    /// What this call took over from the calls before the state it started from.
    carried: Carried,
    /// The job's tag (see [`Checkpoint::job`]).
    job: String,
    plan: Option<Plan>,
    fingerprint: String,
    writes: Option<Writes>,
    warnings: Vec<Warning>,
    /// Isolated single-contact rejections in a row with the same message.
    isolations: (u32, Option<String>),
    stage: Stage,
    cancelled: bool,
    error: Option<Error>,
    finished_at: Option<f64>,
}

/// Background work (see `Run::background`) is done only in waits at least this long (ms).
const BACKGROUND_GAP_MS: f64 = 8.0;

/// The checkpoint's `key`: a salted hash of the API key (see [`Checkpoint::key`]).
fn key_hash(salt: u64, key: &str) -> String {
    format!("{:016x}", Hashes::new(salt).account(AccountKind::Key, key))
}

fn mismatch(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::CheckpointMismatch, message)
}

/// A stable hash of state bytes (empty for none), as checkpoints name states.
fn state_hash(bytes: Option<&[u8]>) -> String {
    match bytes {
        None => String::new(),
        Some(b) => {
            let mut h = crate::util::hash::StableHasher::new();
            h.write_bytes(b);
            h.finish_hex()
        }
    }
}

impl Run {
    /// Starts a run of `config` at monotonic `now` (wall clock `wall_now`, epoch ms, for the
    /// report). `state` is the previous run's `syncState`; `checkpoint` resumes an
    /// interrupted run.
    ///
    /// Errors: `CONFIG_INVALID` / `CONSENT_REQUIRED` for a bad configuration;
    /// `STATE_MISMATCH` for a state that is damaged, of another version or of another API
    /// base; `CHECKPOINT_MISMATCH` for a checkpoint of another version or another state.
    /// Nothing is sent in any of these cases.
    pub fn new(
        config: ExportConfig,
        settings: Settings,
        checkpoint: Option<Checkpoint>,
        state: Option<&[u8]>,
        wall_now: f64,
        now: f64,
    ) -> Result<Run, Error> {
        config.check()?;
        let base = state.map(SyncState::decode).transpose()?;
        if let Some(b) = &base {
            b.check_base(&config.connection.api_base())?;
        }
        let given = state_hash(state);
        let resume = match &checkpoint {
            None => Resume::Fresh,
            Some(cp) if cp.version != CHECKPOINT_VERSION => {
                return Err(mismatch(format!(
                    "unsupported checkpoint version {} (this library writes {CHECKPOINT_VERSION})",
                    cp.version
                )))
            }
            Some(cp) if cp.state == given && !cp.state.is_empty() => Resume::State,
            Some(cp) if cp.base == given => Resume::Batches,
            Some(_) => {
                return Err(mismatch(
                    "the checkpoint belongs to another sync state: pass the checkpoint together with the syncState of the same report",
                ))
            }
        };
        let per_segment = config.lists() == ListMode::PerSegment;
        let titles: Vec<String> = (0..config.segments.len())
            .map(|i| {
                if per_segment {
                    config.list_title(i).unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .collect();
        let mut lists = Lists::new(titles);
        let mut sched = Scheduler::new(&settings, now);
        if let Some(cp) = &checkpoint {
            sched.requests = cp.requests.clone();
            if per_segment {
                for (slot, l) in lists.slots.iter_mut().zip(&cp.lists) {
                    if let Some(l) = l {
                        *slot = Slot::Known {
                            id: l.id.clone(),
                            created: l.created,
                        };
                    }
                }
            }
        }
        // The lists read first: it is on the way to the first upsert (`GET /lists`, then
        // `POST /list`), while the account is only awaited alongside it.
        if per_segment && !lists.settled() {
            sched.push(Task::new(Work::FetchLists, now));
        }
        // A resumed call skips reading the account again when the key is the one the
        // checkpoint's call used (the state says which account that was).
        let same_key = match (&base, &checkpoint) {
            (Some(b), Some(cp)) => {
                !cp.key.is_empty() && cp.key == key_hash(b.salt, config.connection.api_key.expose())
            }
            _ => false,
        };
        let account = if same_key && resume != Resume::Fresh {
            Account::Skipped
        } else {
            sched.push(Task::new(Work::Account, now));
            Account::Pending
        };
        let identity = match (&base, account == Account::Skipped) {
            (Some(b), true) => Some(Identity {
                salt: b.salt,
                base: b.base,
                account_kind: b.account_kind,
                account: b.account,
            }),
            _ => None,
        };
        // The job's tag: a job's first call chooses it, the calls that continue it keep it.
        let job = match &checkpoint {
            Some(cp) if !cp.job.is_empty() => cp.job.clone(),
            _ => {
                let mut h = crate::util::hash::StableHasher::new();
                h.write_u64(settings.seed);
                h.write_u64(wall_now.to_bits());
                h.finish_hex().chars().take(8).collect()
            }
        };
        Ok(Run {
            api: Api::new(&config.connection, settings.request_timeout_ms),
            config,
            wall0: wall_now,
            mono0: now,
            sched,
            account,
            lists,
            per_segment,
            base,
            identity,
            hashes: None,
            fingerprinting: None,
            checkpoint,
            resume,
            base_hash: given,
            carried: Carried::default(),
            job,
            plan: None,
            fingerprint: String::new(),
            writes: None,
            warnings: Vec::new(),
            isolations: (0, None),
            stage: Stage::Reading,
            cancelled: false,
            error: None,
            finished_at: None,
            settings,
        })
    }

    /// Hands over the plan (all profiles read). Errors, with nothing written:
    /// `CAP_EXCEEDED` (more unique profiles than the cap, `overCap: 'refuse'`),
    /// `NOTHING_TO_EXPORT` (no valid membership) — the run keeps the plan, so that its
    /// report shows what was read —, and `CHECKPOINT_MISMATCH` (a checkpoint of another
    /// job; the plan is not kept, and [`Run::plan`] stays `None`).
    pub fn attach(&mut self, plan: Plan, now: f64) -> Result<(), Error> {
        if let Some(e) = plan.cap_error().or_else(|| plan.nothing_error()) {
            // The report still shows what was read (counts, rejects with their reasons).
            self.plan = Some(plan);
            self.fail(e.clone(), now);
            return Err(e);
        }
        // With a checkpoint the fingerprint is compared now; else it is hashed while the run
        // waits between sends (see `background`).
        let fingerprint = if self.checkpoint.is_some() {
            plan.fingerprint()
        } else {
            self.fingerprinting = Some(plan.fingerprinter());
            String::new()
        };
        if let Some(cp) = &self.checkpoint {
            let problem = if cp.fingerprint != fingerprint {
                Some("the checkpoint was made for a different export job (configuration or profiles differ)".to_string())
            } else if cp.exported.len() != plan.segments.len() {
                Some(format!(
                    "the checkpoint has {} segments, this job has {}",
                    cp.exported.len(),
                    plan.segments.len()
                ))
            } else {
                None
            };
            if let Some(p) = problem {
                let e = mismatch(p);
                self.fail(e.clone(), now);
                return Err(e);
            }
        }
        self.fingerprint = fingerprint;
        if self.stage == Stage::Reading && self.base.is_some() {
            // The diff against the base needs them: hashed now, while the reads are out,
            // rather than after they answer. Without a base they are only written into the
            // next state: hashed while the run waits between sends (see `background`).
            self.hashes = Some(ContactHashes::of(&plan, &Hashes::new(self.salt())));
        }
        self.plan = Some(plan);
        // Prepares now if the reads have answered.
        self.advance(now);
        Ok(())
    }

    /// The salt of the state this run writes: the base state's, or a new one from the seed.
    fn salt(&self) -> u64 {
        self.base
            .as_ref()
            .map_or(self.settings.seed ^ 0xA5A5_5A5A_C3C3_3C3C, |b| b.salt)
    }

    /// The wall-clock time (epoch ms) at monotonic `now`.
    fn wall(&self, now: f64) -> f64 {
        self.wall0 + (now - self.mono0)
    }

    /// Whether the reads the preparation needs have answered: the lists, and the account
    /// when there is a sync state to check against it. Without one, the account only names
    /// the state this run writes: it is awaited before the run ends, not before the first
    /// write (it is read alongside the lists, one pacing interval after them).
    fn reads_done(&self) -> bool {
        (self.account != Account::Pending || self.base.is_none())
            && (!self.per_segment || self.lists.found.is_some() || self.lists.settled())
    }

    /// Sets the identity of the state this run writes from the account (checked against the
    /// base), once the account has answered.
    fn settle_identity(&mut self) -> Result<(), Error> {
        if self.identity.is_some() || self.account == Account::Pending {
            return Ok(());
        }
        let instance = match &self.account {
            Account::Known(i) => i.clone(),
            _ => None,
        };
        let key = self.config.connection.api_key.expose().to_string();
        if let Some(b) = &self.base {
            if b.memberships() > 0 {
                b.check_account(instance.as_deref(), &key)?;
            }
        }
        let salt = self.salt();
        let h = Hashes::new(salt);
        let (kind, identity) = match &instance {
            Some(i) => (AccountKind::Instance, i.as_str()),
            None => (AccountKind::Key, key.as_str()),
        };
        self.identity = Some(Identity {
            salt,
            base: h.base(&self.config.connection.api_base()),
            account_kind: kind,
            account: h.account(kind, identity),
        });
        Ok(())
    }

    /// Computes what to write (see the module documentation, step 2).
    fn prepare(&mut self, now: f64) -> Result<(), Error> {
        if self.plan.is_none() {
            return Ok(());
        }
        // Identity of the state this run writes, checked against the base (later, when the
        // account answers, if there is no base).
        self.settle_identity()?;
        let Some(plan) = self.plan.as_ref() else {
            return Ok(());
        };
        let salt = self.salt();
        // Each segment's base list: the state's list of that title, if it still exists.
        let base_lists: Vec<Option<usize>> = self
            .lists
            .titles
            .iter()
            .enumerate()
            .map(|(s, title)| {
                let b = self.base.as_ref()?;
                let i = b.lists.iter().position(|l| &l.title == title)?;
                if !self.per_segment {
                    return Some(i);
                }
                let state_id = b.lists.get(i).map(|l| l.id.as_str())?;
                let current = self.lists.id(s).map(str::to_string).or_else(|| {
                    let found = self.lists.found.as_ref()?;
                    autopilot::find_list(found, title).map(str::to_string)
                });
                (current.as_deref() == Some(state_id)).then_some(i)
            })
            .collect();
        // What earlier calls of this job did that the state given already holds: their
        // confirmed memberships are unchanged in this diff, their failed ones are left out.
        let carried = match (&self.checkpoint, self.resume) {
            (Some(cp), Resume::State) => Carried::all_of(cp),
            (Some(cp), Resume::Batches) => Carried::before_base(cp)?,
            _ => Carried::none(plan.segments.len()),
        };
        let carried_failed = self
            .checkpoint
            .as_ref()
            .and_then(|cp| cp.failed.get(..carried.failed as usize))
            .unwrap_or_default();
        let exclude: RowMap = carried_failed
            .iter()
            .map(|f| ((f.segment, f.row), 0))
            .collect();
        let mirror = self.config.membership() == Membership::Mirror;
        let diff = sync::diff(
            plan,
            self.base.as_ref(),
            salt,
            &base_lists,
            DiffOptions {
                mirror,
                full_resync: self.settings.full_resync,
                exclude: Some(&exclude),
                keep_hashes: false,
                hashes: self.hashes.take().filter(|_| salt == self.salt()),
                job: Some(&self.job),
            },
        );
        if mirror {
            let names: Vec<String> = plan.segments.iter().map(|s| s.name.clone()).collect();
            let hits = diff.guard(self.config.max_removal_ratio(), &names);
            if !hits.is_empty() {
                return Err(crate::summary::guard_error(
                    &hits,
                    self.config.max_removal_ratio(),
                ));
            }
        }
        let batches = Batches::of(plan, diff.upserts.clone());
        let mut ledger = Ledger::new(
            plan,
            batches,
            diff.removals.len(),
            &self.job,
            diff.relearn.clone(),
        );
        let mut unchanged: Vec<u64> = diff.segments.iter().map(|c| c.unchanged).collect();
        // Memberships confirmed by earlier calls are unchanged now — except those confirmed
        // without an id, which go out again to learn it —; they count as exported, not as
        // unchanged.
        for ((u, e), again) in unchanged
            .iter_mut()
            .zip(&carried.exported)
            .zip(&diff.unknown_ids)
        {
            *u = u.saturating_sub(e.saturating_sub(*again));
        }
        ledger.carry(&carried.exported, &carried.removed, carried_failed.to_vec());
        if let (Some(cp), Resume::Batches) = (&self.checkpoint, self.resume) {
            // A checkpoint of a call stopped before its batches were planned holds none.
            if cp.batches != 0 || !cp.done.is_empty() {
                if !cp.sends.is_empty() && cp.sends != diff.sends_hash() {
                    return Err(mismatch(
                        "the checkpoint's call would send other contacts than this one (another fullResync option, or another sync state): pass the options and the syncState it was made with",
                    ));
                }
                if cp.batches as usize != ledger.batch_count() {
                    return Err(mismatch(format!(
                        "the checkpoint has {} batches, this job has {}",
                        cp.batches,
                        ledger.batch_count()
                    )));
                }
                restore_batches(plan, &mut ledger, cp, &carried)?;
            }
        }
        self.carried = carried;
        if self.per_segment {
            let mut needs = vec![false; plan.segments.len()];
            for b in 0..ledger.batch_count() {
                if ledger.is_done(b) {
                    continue;
                }
                for m in ledger.batches.batch(b) {
                    if let Some(n) = plan
                        .memberships
                        .get(*m as usize)
                        .and_then(|ms| needs.get_mut(ms.segment as usize))
                    {
                        *n = true;
                    }
                }
            }
            for (s, need) in needs.into_iter().enumerate() {
                if need {
                    self.lists.need(s, &mut self.sched, now);
                } else {
                    self.lists.not_needed(s);
                }
            }
        }
        self.writes = Some(Writes {
            diff,
            ledger,
            base_lists,
            unchanged,
        });
        self.stage = Stage::Writing;
        Ok(())
    }

    /// Moves the run along: prepares once it can, ends it when everything is finished.
    fn advance(&mut self, now: f64) {
        if self.stage == Stage::Reading && self.plan.is_some() && self.reads_done() {
            if let Err(e) = self.prepare(now) {
                self.fail(e, now);
                return;
            }
        }
        if self.stage == Stage::Writing {
            let complete = self.writes.as_ref().is_some_and(|w| w.ledger.complete());
            // The account read may still be out (see `reads_done`): it names the state.
            if complete && self.sched.in_flight.is_empty() && self.account != Account::Pending {
                self.finish(now);
            }
        }
    }

    /// What to do next at monotonic `now`. Call repeatedly until it returns something other
    /// than [`Step::Send`].
    pub fn next(&mut self, now: f64) -> Step {
        let step = self.step(now);
        if let Step::Wait { until } = step {
            // Only when the next send is not due soon: a slice takes a millisecond or two.
            if self.stage == Stage::Writing && until.is_none_or(|u| u - now >= BACKGROUND_GAP_MS) {
                self.background();
            }
        }
        step
    }

    /// Work the run does while it waits between sends, a slice at a time (a few ms), so
    /// that neither the first writes nor the end of the run wait for it: the fingerprint
    /// (when no checkpoint needed it at once), then the contacts' hashes for the next sync
    /// state (when no base state needed them for the diff). Whatever is left when it is
    /// needed is done then.
    fn background(&mut self) {
        const SLICE: usize = 1_000;
        let Some(plan) = self.plan.as_ref() else {
            return;
        };
        if let Some(f) = self.fingerprinting.as_mut() {
            if plan.fingerprint_step(f, SLICE) {
                if let Some(f) = self.fingerprinting.take() {
                    self.fingerprint = f.finish();
                }
            }
            return;
        }
        let salt = self.salt();
        if let Some(w) = self.writes.as_mut() {
            let d = &mut w.diff;
            let done = d.email_hashes.len().min(d.contact_hashes.len());
            if done < plan.contacts.len() && d.email_hashes.len() == d.contact_hashes.len() {
                let h = Hashes::new(salt);
                let mut fields = String::new();
                for c in plan.contacts.iter().skip(done).take(SLICE) {
                    d.email_hashes.push(h.email_folding(&c.email));
                    fields.clear();
                    plan.push_fields(c, &mut fields);
                    d.contact_hashes.push(h.contact(&c.email, &fields));
                }
            }
        }
    }

    /// The job's fingerprint (finished now if it was still being hashed).
    fn fingerprint(&self) -> String {
        match (&self.fingerprinting, &self.plan) {
            (Some(_), Some(plan)) => plan.fingerprint(),
            _ => self.fingerprint.clone(),
        }
    }

    fn step(&mut self, now: f64) -> Step {
        self.advance(now);
        if self.stage == Stage::Done {
            return Step::Done;
        }
        if self.sched.budget_spent() {
            if self.sched.in_flight.is_empty() {
                self.finish(now);
                return Step::Done;
            }
            return Step::Wait { until: None };
        }
        if self.sched.full() {
            return Step::Wait { until: None };
        }
        let writing = self.stage == Stage::Writing;
        let lists_ready =
            |s: &Lists, seg: u32| -> bool { !self.per_segment || s.id(seg as usize).is_some() };
        // A queued task (retries, reads, creates, split parts, removals retried). The reads
        // go while the input is read, except for a resume: its checkpoint is checked against
        // the plan first (a checkpoint of another job sends nothing at all).
        let reads = self.plan.is_some() || self.checkpoint.is_none();
        let queued = self.sched.pick(now, |w| {
            writing || (reads && matches!(w, Work::Account | Work::FetchLists))
        });
        let queued_ready = queued.filter(|(_, at)| *at <= now);
        let (task, ready_at) = if let Some((i, at)) = queued_ready {
            match self.sched.take(i) {
                Some(t) => (t, at),
                None => return Step::Wait { until: Some(now) },
            }
        } else if let Some(w) = self.writes.as_mut().filter(|_| writing) {
            let plan = self.plan.as_ref();
            let lists = &self.lists;
            let fresh = w.ledger.peek_fresh().filter(|b| {
                w_batch_ready(plan, &w.ledger, b.0 as usize, |seg| lists_ready(lists, seg))
            });
            if let Some(b) = fresh {
                let size = w.ledger.start(b);
                (
                    Task::new(
                        Work::Upsert {
                            batch: b,
                            lo: 0,
                            hi: size,
                            split: false,
                        },
                        now,
                    ),
                    now,
                )
            } else if let Some(r) = next_removal(w) {
                (Task::new(Work::Remove(r), now), now)
            } else if let Some((_, at)) = queued {
                return Step::Wait { until: Some(at) };
            } else {
                return self.idle(now);
            }
        } else if let Some((_, at)) = queued {
            return Step::Wait { until: Some(at) };
        } else {
            return self.idle(now);
        };
        let at = ready_at.max(self.sched.pacer.ready_at());
        if at > now {
            // Not yet: put it back (a fresh batch keeps its place: it is started again).
            self.sched.push(Task {
                not_before: task.not_before.max(ready_at),
                ..task
            });
            return Step::Wait { until: Some(at) };
        }
        match self.request(task, now) {
            Ok(req) => Step::Send(req),
            Err(e) => {
                self.fail(e, now);
                Step::Done
            }
        }
    }

    /// Nothing to send and nothing queued.
    fn idle(&mut self, now: f64) -> Step {
        if !self.sched.in_flight.is_empty() || self.plan.is_none() {
            return Step::Wait { until: None };
        }
        if self.stage == Stage::Writing
            && self
                .lists
                .slots
                .iter()
                .any(|s| matches!(s, Slot::Creating | Slot::Conflict | Slot::Verify(_)))
        {
            return Step::Wait { until: None };
        }
        self.fail(
            Error::new(
                ErrorCode::Internal,
                "the run has nothing to send and nothing in flight; please report this",
            ),
            now,
        );
        Step::Done
    }

    /// Builds the request of `task` and records the send.
    fn request(&mut self, task: Task, now: f64) -> Result<Request, Error> {
        let work = task.work;
        let internal =
            |what: &str| Error::new(ErrorCode::Internal, format!("{what}; please report this"));
        let (mut req, batch) = match work {
            Work::Account => (self.api.account(0), None),
            Work::FetchLists => (self.api.lists(0), None),
            Work::CreateList(s) => (self.api.create_list(0, self.lists.title(s)), None),
            Work::Upsert { batch, lo, hi, .. } => {
                let (plan, w) = self
                    .plan
                    .as_ref()
                    .zip(self.writes.as_ref())
                    .ok_or_else(|| internal("an upsert before the plan"))?;
                let items = w
                    .ledger
                    .batches
                    .batch(batch.0 as usize)
                    .get(lo as usize..hi as usize)
                    .ok_or_else(|| internal("an upsert part outside its batch"))?;
                let ids: Vec<Option<String>> = (0..plan.segments.len())
                    .map(|s| self.lists.id(s).map(str::to_string))
                    .collect();
                let body = plan
                    .body(
                        items
                            .iter()
                            .filter_map(|m| plan.memberships.get(*m as usize)),
                        &ids,
                    )
                    .filter(|_| items.len() <= crate::meta::MAX_BATCH)
                    .ok_or_else(|| internal("an empty or oversized upsert"))?;
                (self.api.upsert(0, body), Some(batch.0))
            }
            Work::Remove(r) => {
                let w = self
                    .writes
                    .as_ref()
                    .ok_or_else(|| internal("a removal before the plan"))?;
                let rm = w
                    .diff
                    .removals
                    .get(r.0 as usize)
                    .ok_or_else(|| internal("an unknown removal"))?;
                let list = w
                    .base_lists
                    .get(rm.segment as usize)
                    .copied()
                    .flatten()
                    .and_then(|i| self.base.as_ref()?.lists.get(i))
                    .ok_or_else(|| internal("a removal without its list"))?;
                (self.api.remove(0, &list.id, &rm.id.to_text()), None)
            }
        };
        let (id, attempt) = self.sched.send(task, now);
        req.id = id;
        req.attempt = attempt;
        req.batch = batch;
        Ok(req)
    }

    /// Ends the run now (any status).
    fn finish(&mut self, now: f64) {
        if self.stage == Stage::Done {
            return;
        }
        self.stage = Stage::Done;
        self.finished_at = Some(now);
        self.sched.clear();
    }

    fn fail(&mut self, error: Error, now: f64) {
        if self.error.is_none() {
            self.error = Some(error);
        }
        self.finish(now);
    }

    /// Takes the outcome of request `id` at monotonic `now`. Returns `true` when an upsert
    /// batch finished (a good moment for a progress callback). Outcomes of unknown or
    /// abandoned requests are ignored (`false`).
    pub fn complete(&mut self, id: u64, outcome: Outcome, now: f64) -> bool {
        if self.stage == Stage::Done {
            return false;
        }
        let Some(flight) = self.sched.settle(id) else {
            return false;
        };
        let outcome = outcome.without_key(self.api.key());
        let class = classify::classify(
            &flight.task.work,
            outcome,
            self.settings.request_timeout_ms,
            self.api.base(),
            self.wall(now),
        );
        match class {
            Class::Throttled(_) => self.sched.requests.throttled += 1,
            Class::Retryable(_) | Class::Rejected(..) | Class::Conflict | Class::Fatal(_) => {
                self.sched.requests.errors += 1
            }
            Class::Ok(_) | Class::Gone => {}
        }
        let task = flight.task;
        let sent_at = flight.sent_at;
        let result = match task.work {
            Work::Account => self.on_read(task, class, sent_at, now),
            Work::FetchLists => self.on_read(task, class, sent_at, now),
            Work::CreateList(s) => self
                .lists
                .on_create(s, task, class, sent_at, &mut self.sched, now)
                .map(|()| false),
            Work::Upsert { batch, lo, hi, .. } => {
                self.on_upsert(batch, lo, hi, task, class, sent_at, now)
            }
            Work::Remove(r) => self.on_remove(r, task, class, sent_at, now).map(|()| false),
        };
        match result {
            Ok(finished) => {
                if self.stage == Stage::Reading {
                    // Prepares as soon as the last read answers, here rather than in the
                    // next `next`: preparing takes time (the diff of every contact), and the
                    // driver asks for the first writes with a clock read after it.
                    self.advance(now);
                }
                finished
            }
            Err(e) => {
                self.fail(e, now);
                false
            }
        }
    }

    /// `GET /account` or `GET /lists` ended.
    fn on_read(&mut self, task: Task, class: Class, sent_at: f64, now: f64) -> Result<bool, Error> {
        let what = if task.work == Work::Account {
            "the Autopilot account"
        } else {
            "the Autopilot lists"
        };
        let gave_up =
            |d: String| Error::new(ErrorCode::Network, format!("could not read {what}: {d}"));
        match class {
            Class::Ok(Parsed::Account(info)) => {
                self.sched.pacer.succeeded();
                self.account = Account::Known(info.instance_id().map(str::to_string));
                if self.stage != Stage::Reading {
                    // Prepared without it (no base state): it names the state now.
                    self.settle_identity()?;
                }
            }
            Class::Ok(Parsed::Lists(lists)) => {
                self.sched.pacer.succeeded();
                self.lists.on_lists(lists, &mut self.sched, now)?;
            }
            Class::Ok(_) | Class::Gone => {}
            Class::Throttled(hint) => self
                .sched
                .retry_throttled(task, hint, sent_at, now)
                .map_err(gave_up)?,
            Class::Retryable(desc) => self.sched.retry_error(task, &desc, now).map_err(gave_up)?,
            Class::Rejected(status, body) => {
                return Err(autopilot::status::stopped(task.work.what(), status, &body))
            }
            Class::Conflict => return Err(autopilot::status::stopped(task.work.what(), 409, "")),
            Class::Fatal(e) => return Err(e),
        }
        Ok(false)
    }

    #[allow(clippy::too_many_arguments)]
    fn on_upsert(
        &mut self,
        batch: BatchId,
        lo: u32,
        hi: u32,
        task: Task,
        class: Class,
        sent_at: f64,
        now: f64,
    ) -> Result<bool, Error> {
        let (Some(plan), Some(w)) = (self.plan.as_ref(), self.writes.as_mut()) else {
            return Ok(false);
        };
        let items: Vec<u32> = w
            .ledger
            .batches
            .batch(batch.0 as usize)
            .get(lo as usize..hi as usize)
            .map(<[u32]>::to_vec)
            .unwrap_or_default();
        let fail_part = |ledger: &mut Ledger, reason: RejectReason, detail: Option<String>| {
            for m in &items {
                ledger.fail(plan, *m, reason, detail.clone());
            }
            ledger.part_done(batch)
        };
        match class {
            Class::Ok(Parsed::Bulk(resp)) => {
                self.sched.pacer.succeeded();
                self.isolations = (0, None);
                for m in &items {
                    let Some(ms) = plan.memberships.get(*m as usize) else {
                        continue;
                    };
                    let email = plan.email(ms);
                    if resp.confirms(email) {
                        let id = resp.contact_id(email).map(sync::ContactId::parse);
                        w.ledger.confirm(plan, *m, id);
                    } else {
                        w.ledger.fail(
                            plan,
                            *m,
                            RejectReason::NotConfirmed,
                            Some("Autopilot accepted the request but did not confirm this contact (missing from email_contact_map)".into()),
                        );
                    }
                }
                Ok(w.ledger.part_done(batch))
            }
            Class::Ok(_) | Class::Gone => Ok(false),
            Class::Throttled(hint) => match self.sched.retry_throttled(task, hint, sent_at, now) {
                Ok(()) => Ok(false),
                Err(d) => Ok(fail_part(
                    &mut w.ledger,
                    RejectReason::RetriesExhausted,
                    Some(d),
                )),
            },
            Class::Retryable(desc) => match self.sched.retry_error(task, &desc, now) {
                Ok(()) => Ok(false),
                Err(d) => Ok(fail_part(
                    &mut w.ledger,
                    RejectReason::RetriesExhausted,
                    Some(d),
                )),
            },
            Class::Rejected(_, body) if hi.saturating_sub(lo) > 1 => {
                // Split at the contact the answer names, else in halves.
                let n = hi - lo;
                let parts: Vec<(u32, u32)> = match autopilot::rejected_index(&body) {
                    Some(i) if (i as u32) < n => {
                        let at = lo + i as u32;
                        [(lo, at), (at, at + 1), (at + 1, hi)]
                            .into_iter()
                            .filter(|(a, b)| a < b)
                            .collect()
                    }
                    _ => {
                        let mid = lo + n / 2;
                        vec![(lo, mid), (mid, hi)]
                    }
                };
                w.ledger.split(batch, parts.len() as u32);
                for (a, b) in parts {
                    self.sched.push(Task::new(
                        Work::Upsert {
                            batch,
                            lo: a,
                            hi: b,
                            split: true,
                        },
                        now,
                    ));
                }
                Ok(false)
            }
            Class::Rejected(status, body) => {
                let email = items
                    .first()
                    .and_then(|m| plan.memberships.get(*m as usize))
                    .map(|ms| plan.email(ms).to_string());
                let detail = autopilot::describe_error(status, &body, email.as_deref());
                let finished = fail_part(
                    &mut w.ledger,
                    RejectReason::ServerRejected,
                    Some(detail.clone()),
                );
                let same = self.isolations.1.as_deref() == Some(detail.as_str());
                self.isolations = (
                    if same { self.isolations.0 + 1 } else { 1 },
                    Some(detail.clone()),
                );
                if self.isolations.0 >= SYSTEMIC_REJECTIONS {
                    let left: u64 = w.ledger.open_per_segment(plan).iter().sum();
                    return Err(Error::new(
                        ErrorCode::ApiError,
                        format!(
                            "Autopilot rejected {SYSTEMIC_REJECTIONS} contacts in a row, each sent alone, with the same answer: {detail}. That looks like a problem of the whole account or mapping (for example a custom field whose type differs in Autopilot), not of single contacts, so the run stopped without splitting the rest: {left} contact{} were not sent.",
                            if left == 1 { "" } else { "s" }
                        ),
                    ));
                }
                Ok(finished)
            }
            Class::Conflict => Err(autopilot::status::stopped("POST /contacts", 409, "")),
            Class::Fatal(e) => Err(e),
        }
    }

    fn on_remove(
        &mut self,
        r: RemovalId,
        task: Task,
        class: Class,
        sent_at: f64,
        now: f64,
    ) -> Result<(), Error> {
        let Some(w) = self.writes.as_mut() else {
            return Ok(());
        };
        let segment = w.diff.removals.get(r.0 as usize).map_or(0, |x| x.segment);
        match class {
            Class::Ok(_) | Class::Gone => {
                self.sched.pacer.succeeded();
                w.ledger.removal(r, segment, true, None);
            }
            Class::Throttled(hint) => {
                if let Err(d) = self.sched.retry_throttled(task, hint, sent_at, now) {
                    w.ledger.removal(r, segment, false, Some(d));
                }
            }
            Class::Retryable(desc) => {
                if let Err(d) = self.sched.retry_error(task, &desc, now) {
                    w.ledger.removal(r, segment, false, Some(d));
                }
            }
            Class::Rejected(status, body) => {
                w.ledger.removal(
                    r,
                    segment,
                    false,
                    Some(autopilot::describe_error(status, &body, None)),
                );
            }
            Class::Conflict => {
                w.ledger
                    .removal(r, segment, false, Some("HTTP 409".to_string()));
            }
            Class::Fatal(e) => return Err(e),
        }
        Ok(())
    }

    /// Stops the run: no new requests; requests in flight are abandoned (the driver should
    /// abort them; their outcomes are ignored). Does nothing once the run is over.
    pub fn cancel(&mut self, now: f64) {
        if self.stage == Stage::Done {
            return;
        }
        self.cancelled = true;
        self.finish(now);
    }

    /// Records that host callback `callback` (`onProgress`, `onCheckpoint`) threw `message`
    /// (redacted): one `PROGRESS_CALLBACK_FAILED` warning per callback, counted.
    pub fn callback_failed(&mut self, callback: &str, message: &str) {
        let msg = autopilot::truncate_chars(&autopilot::redact(message, None), 200);
        let msg = msg.replace(self.api.key().expose(), "[redacted]");
        match self.warnings.iter_mut().find(|w| {
            w.code == crate::error::WarningCode::ProgressCallbackFailed && w.field == callback
        }) {
            Some(w) => w.count += 1,
            None => self.warnings.push(Warning {
                code: crate::error::WarningCode::ProgressCallbackFailed,
                field: callback.into(),
                label: callback.into(),
                source: None,
                hint: Some(format!("the {callback} callback threw: {msg}")),
                count: 1,
                examples: Vec::new(),
            }),
        }
    }

    /// Ids of the requests in flight (ascending).
    pub fn in_flight_ids(&self) -> Vec<u64> {
        self.sched.in_flight.iter().map(|(id, _)| *id).collect()
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        match self.stage {
            Stage::Done => Phase::Done,
            Stage::Reading => Phase::Lists,
            Stage::Writing if !self.lists.settled() && self.per_segment => Phase::Lists,
            Stage::Writing => Phase::Contacts,
        }
    }

    /// Whether the run is over (finished, failed, cancelled or paused).
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// Whether the plan is attached (the driver may then stop reading input).
    pub fn has_plan(&self) -> bool {
        self.plan.is_some()
    }

    /// The error that ended the run, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The plan being sent (once attached).
    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// The upsert batches of this run (once prepared): membership indexes per batch.
    pub fn batches(&self) -> Option<&Batches> {
        self.writes.as_ref().map(|w| &w.ledger.batches)
    }

    /// The refresh diff of this run (once prepared).
    pub fn diff(&self) -> Option<&Diff> {
        self.writes.as_ref().map(|w| &w.diff)
    }
}

/// Whether every segment of batch `b` has its list (per-segment lists).
fn w_batch_ready(
    plan: Option<&Plan>,
    ledger: &Ledger,
    b: usize,
    known: impl Fn(u32) -> bool,
) -> bool {
    let Some(plan) = plan else { return false };
    ledger
        .batches
        .batch(b)
        .iter()
        .filter_map(|m| plan.memberships.get(*m as usize))
        .all(|ms| known(ms.segment))
}

/// The next removal to send. A member whose Autopilot id is unknown (confirmed by a call
/// resumed from an interim checkpoint, see [`sync::ContactId::unknown`]) cannot be
/// removed: that removal fails at once, with the reason, and the run goes on.
fn next_removal(w: &mut Writes) -> Option<RemovalId> {
    loop {
        let r = w.ledger.next_removal()?;
        let Some(rm) = w.diff.removals.get(r.0 as usize) else {
            return Some(r);
        };
        if !rm.id.is_unknown() {
            return Some(r);
        }
        w.ledger.untrack(r);
    }
}

/// Takes over a checkpoint's finished batches (batches mode): their memberships count as
/// confirmed, unless the checkpoint lists them as failed.
fn restore_batches(
    plan: &Plan,
    ledger: &mut Ledger,
    cp: &Checkpoint,
    carried: &Carried,
) -> Result<(), Error> {
    let batches = ledger.batch_count();
    let mut previous: Option<u32> = None;
    let mut done: Vec<usize> = Vec::new();
    for &[first, last] in &cp.done {
        if first > last || last as usize >= batches || previous.is_some_and(|p| first <= p) {
            return Err(mismatch("the checkpoint's finished batches are malformed"));
        }
        previous = Some(last);
        done.extend(first as usize..=last as usize);
    }
    // The failures of this checkpoint's own call (the carried ones come first).
    let own = cp.failed.get(carried.failed as usize..).unwrap_or_default();
    // Each failure by `(segment, row)`, as its index in `own`.
    let mut refs = RowMap::default();
    for (i, f) in (0u32..).zip(own) {
        if f.reason.is_input() || refs.insert((f.segment, f.row), i).is_some() {
            return Err(mismatch(
                "the checkpoint's failed contacts do not match its finished batches",
            ));
        }
    }
    let before = ledger.exported.clone();
    for b in done {
        let items: Vec<u32> = ledger.batches.batch(b).to_vec();
        for m in items {
            let Some(ms) = plan.memberships.get(m as usize) else {
                continue;
            };
            match refs
                .remove(&(ms.segment, ms.row))
                .and_then(|i| own.get(i as usize))
            {
                Some(f) => ledger.fail(plan, m, f.reason, f.detail.clone()),
                None => ledger.confirm(plan, m, None),
            }
        }
        ledger.restore_done(b);
    }
    // Failures left belong to batches the call left unfinished (parts of a split batch):
    // those batches go out again and decide them anew. Anything else is not this job's.
    if !refs.is_empty() {
        let open: RowMap = (0..batches)
            .filter(|b| !ledger.is_done(*b))
            .flat_map(|b| ledger.batches.batch(b).to_vec())
            .filter_map(|m| plan.memberships.get(m as usize))
            .map(|ms| ((ms.segment, ms.row), 0))
            .collect();
        if refs.keys().any(|k| !open.contains_key(k)) {
            return Err(mismatch(
                "the checkpoint's failed contacts do not match its finished batches",
            ));
        }
    }
    // The checkpoint also counts contacts confirmed in batches left unfinished, but no more
    // than those batches hold.
    let unfinished = ledger.open_per_segment(plan);
    let consistent = ledger
        .exported
        .iter()
        .zip(&before)
        .zip(cp.exported.iter().zip(&carried.exported))
        .zip(&unfinished)
        .all(|(((now, was), (theirs, carried)), open)| {
            let mine = now - was;
            let theirs = theirs.checked_sub(*carried);
            theirs.is_some_and(|t| mine <= t && t <= mine + open)
        });
    if !consistent || cp.exported.len() != ledger.exported.len() {
        return Err(mismatch(
            "the checkpoint's counts do not match its finished batches",
        ));
    }
    ledger.finished_this_call = 0;
    Ok(())
}
