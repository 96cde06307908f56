//! The export run: a sans-IO state machine (DESIGN.md §5).
//!
//! A [`Run`] owns a [`Plan`] and decides which request goes next, when, and what each answer
//! means. It never performs I/O and never reads a clock: the driver passes the current time
//! (`now_ms`, epoch milliseconds — the report's `startedAt`/`finishedAt` are formatted from
//! these values) into every call, sends the requests it is handed, and feeds back their
//! outcomes.
//!
//! # Driving a run
//!
//! ```text
//! run = Run::new(plan, options, checkpoint, now())?        // CAP_EXCEEDED, CHECKPOINT_MISMATCH, CONFIG_INVALID
//! loop {
//!     match run.next(now()) {
//!         Step::Send(req) => start(req),                    // fetch(base + req.path), header autopilotapikey,
//!                                                           // abort after req.timeout_ms; when it settles:
//!                                                           //   if run.complete(req.id, outcome, now()) { onProgress(run.progress(now())) }
//!                                                           //   and wake this loop
//!         Step::Wait { until } => sleep until `until` (if any) OR until any started request settles,
//!         Step::Done => break,
//!     }
//!     if signal.aborted { run.cancel(now()); abort every id of the in-flight set; break }
//! }
//! report = run.report(now())                                // run.error() tells AUTH_FAILED etc.
//! ```
//!
//! Call [`Run::next`] again after every `Send` (several requests may go at once, up to the
//! in-flight limit) until it returns `Wait` or `Done`. Each request must get exactly one
//! [`Run::complete`] call (a response, a network error or a timeout); outcomes for unknown ids
//! (e.g. after a cancel or a fatal error) are ignored.
//!
//! # What it does
//!
//! 1. **Lists** (per-segment lists only): `GET /lists`; each segment's list title is matched
//!    exactly; `POST /list` creates only the missing ones (in parallel). A `409` on create
//!    (the title exists after all) reads the lists again and takes the id; if the list is
//!    still not listed, the run fails with `API_ERROR`. A create that fails ambiguously
//!    (timeout, network error, 5xx) is checked with another `GET /lists` before it is retried,
//!    so a create that was applied is never repeated.
//! 2. **Contacts**: one `POST /contacts` per batch (each contact carries its segment's
//!    `_autopilot_list`), paced by a token bucket ([`Pacer`]) with several requests in flight
//!    so the whole rate is used despite latency. A contact whose email is missing from the
//!    answer's `email_contact_map` (compared case-insensitively) fails with `NOT_CONFIRMED`.
//!    A `200` whose body is not the expected JSON is retried like a `5xx`.
//! 3. **Errors**: `429`, `408`, `5xx`, network errors and timeouts are retried with exponential
//!    backoff and jitter ([`Backoff`]), honouring `Retry-After`; a `429` also slows the bucket
//!    down. `max_attempts` bounds the sends of one request that end in an error; `429`s do not
//!    count against it but are bounded separately by `max_throttled`. An upsert that runs out
//!    of attempts fails its contacts with `RETRIES_EXHAUSTED` and the run goes on; a lists
//!    request that runs out fails the run (`NETWORK`). `401` stops the run at once with
//!    `AUTH_FAILED`; `403`, `404` and `405` (wrong base URL or missing permission) stop it with
//!    `API_ERROR`, as does any other unexpected `4xx`. `400`, `413` and `422` on an upsert
//!    bisect it: both halves are sent as separate requests, recursively, until single contacts
//!    answered `400` fail with `SERVER_REJECTED` (with the server's redacted message) and the
//!    rest are delivered.
//! 4. **Checkpoint**: which batches are finished, and their per-segment results; a new run of
//!    the same job given the checkpoint skips them (the lists phase runs again and finds the
//!    lists).
//! 5. **Cancel**: no new requests; requests in flight are abandoned (the driver aborts them);
//!    the report is `cancelled` and its checkpoint holds only finished batches, so a resume
//!    re-sends at most the batches that were in flight or waiting for a retry at the cancel.
//!
//! # Counting and status
//!
//! - `requests.sent` counts every send (retries included), `retried` the sends that were
//!   retries, `throttled` the `429` answers, `errors` the `5xx`/`408`/network/timeout outcomes
//!   and `2xx` answers with an unreadable body, `bisected` the first sends of halves of
//!   rejected requests. Resumed runs continue the counters of the checkpoint.
//! - Exported/failed counts, progress and checkpoint cover **finished batches** only (a batch
//!   is finished when every contact in it is confirmed or failed).
//! - A contact that failed with `RETRIES_EXHAUSTED` may still have been applied by an attempt
//!   whose answer was lost (timeout, dropped connection); it is reported as failed because
//!   the run cannot confirm it.
//! - A list that a lost `POST /list` created and a later `GET /lists` found is reported with
//!   `listCreated: false` (the run cannot tell who created it).
//! - Status: `failed` when an error ended the run, or when nothing was exported and something
//!   failed; `cancelled` after [`Run::cancel`]; else `succeeded` if nothing failed, `partial`
//!   otherwise. Rejected input rows do not make a run partial.
//! - Failed contacts appear in `rejects` (segment, row, reason, redacted detail) after the
//!   plan's rejected rows; their `id` is absent because the plan does not keep `idField`
//!   values of valid rows.

use crate::autopilot::{self, ListEntry};
use crate::config::ListMode;
use crate::error::{Error, ErrorCode, Issue};
use crate::pacing::{Backoff, Pacer};
use crate::plan::Plan;
use crate::report::{
    Checkpoint, ExportReport, FailedRef, Phase, Progress, Reject, RejectReason, ReportError,
    RequestCounts, RunStatus, MAX_REJECTS,
};
use crate::util::hash::U64Map;
use crate::util::time::format_iso;

/// Version of the [`Checkpoint`] format written and accepted.
pub const CHECKPOINT_VERSION: u32 = 1;
/// Highest `rate_per_second` accepted.
pub const MAX_RATE: f64 = 1000.0;

/// Tuning of one run (JS `RunOptions` minus `signal`, `onProgress` and `checkpoint`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Requests per second (default 5, Autopilot's documented limit per key).
    pub rate_per_second: f64,
    /// Most requests in flight; default `clamp(ceil(rate) + 1, 2, 64)`, enough to use the
    /// whole rate with sub-second latency.
    pub max_in_flight: Option<u32>,
    /// Per-request timeout handed to the driver, in milliseconds (default 30 000).
    pub request_timeout_ms: f64,
    /// Most sends of one request that end in an error (5xx, network, timeout, bad body);
    /// default 6.
    pub max_attempts: u32,
    /// Most `429` answers one request may get before it is given up (default 50).
    pub max_throttled: u32,
    /// Token bucket capacity (burst), default 1: requests evenly spread.
    pub burst: u32,
    /// Seed of the backoff jitter (runs are reproducible for a given seed).
    pub seed: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            rate_per_second: 5.0,
            max_in_flight: None,
            request_timeout_ms: 30_000.0,
            max_attempts: 6,
            max_throttled: 50,
            burst: 1,
            seed: 0x5EED_A070_911E_7000,
        }
    }
}

impl RunOptions {
    /// Every problem of these options (paths as in the JS `RunOptions`).
    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        if !(self.rate_per_second.is_finite()
            && self.rate_per_second > 0.0
            && self.rate_per_second <= MAX_RATE)
        {
            issues.push(Issue::new(
                "ratePerSecond",
                "RATE_INVALID",
                format!(
                    "ratePerSecond must be a number above 0 and at most {}",
                    MAX_RATE as u32
                ),
            ));
        }
        if matches!(self.max_in_flight, Some(n) if n == 0 || n > 1024) {
            issues.push(Issue::new(
                "maxInFlight",
                "MAX_IN_FLIGHT_INVALID",
                "maxInFlight must be a whole number from 1 to 1024",
            ));
        }
        if !(self.request_timeout_ms.is_finite() && self.request_timeout_ms >= 1.0) {
            issues.push(Issue::new(
                "requestTimeoutMs",
                "TIMEOUT_INVALID",
                "requestTimeoutMs must be a number of milliseconds, at least 1",
            ));
        }
        if self.max_attempts == 0 {
            issues.push(Issue::new(
                "maxAttempts",
                "MAX_ATTEMPTS_INVALID",
                "maxAttempts must be at least 1",
            ));
        }
        if self.max_throttled == 0 {
            issues.push(Issue::new(
                "maxThrottled",
                "MAX_THROTTLED_INVALID",
                "maxThrottled must be at least 1",
            ));
        }
        if self.burst == 0 {
            issues.push(Issue::new(
                "burst",
                "BURST_INVALID",
                "burst must be at least 1",
            ));
        }
        issues
    }

    /// The in-flight limit in force.
    pub fn effective_max_in_flight(&self) -> u32 {
        match self.max_in_flight {
            Some(n) if n > 0 => n,
            _ => {
                let r = if self.rate_per_second.is_finite() {
                    self.rate_per_second.ceil()
                } else {
                    5.0
                };
                (r + 1.0).clamp(2.0, 64.0) as u32
            }
        }
    }
}

/// HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET` (no body).
    Get,
    /// `POST` with a JSON body (`Content-Type: application/json`).
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request the driver must send now.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Identifies the request in [`Run::complete`] (unique within the run, from 1).
    pub id: u64,
    /// Method.
    pub method: Method,
    /// Path relative to the API base (which ends in `/v1`): `/lists`, `/list` or `/contacts`.
    pub path: String,
    /// JSON body (`POST` only).
    pub body: Option<String>,
    /// 1 for the first send of this request, 2 for its first retry, ...
    pub attempt: u32,
    /// Abort the request (and report [`Outcome::Timeout`]) after this many milliseconds.
    pub timeout_ms: f64,
    /// The plan batch this upsert belongs to (`None` for list requests). Informational.
    pub batch: Option<u32>,
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An HTTP answer (any status).
    Response {
        /// HTTP status.
        status: u16,
        /// Response body as text (empty if none).
        body: String,
        /// The `Retry-After` header, if present.
        retry_after: Option<String>,
    },
    /// The connection failed (the message is redacted before it reaches a report).
    Network(String),
    /// No answer within the request's `timeout_ms` (the driver aborted it).
    Timeout,
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this request now, then call [`Run::next`] again.
    Send(Request),
    /// Nothing to send now: wait until `until` (epoch ms) or until any request in flight
    /// settles, whichever comes first. `until: None` means only a settling request can unblock
    /// the run.
    Wait {
        /// When to call [`Run::next`] again at the latest.
        until: Option<f64>,
    },
    /// The run is over (finished, failed or cancelled): take [`Run::report`].
    Done,
}

/// What a request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    FetchLists,
    CreateList(u32),
    /// Memberships `lo..hi` of batch `batch`; `bisect` when it is half of a rejected request.
    Upsert {
        batch: u32,
        lo: u32,
        hi: u32,
        bisect: bool,
    },
}

/// A request with its retry state.
#[derive(Debug, Clone)]
struct Task {
    work: Work,
    sends: u32,
    errors: u32,
    throttles: u32,
    not_before: f64,
}

impl Task {
    fn new(work: Work, not_before: f64) -> Self {
        Task {
            work,
            sends: 0,
            errors: 0,
            throttles: 0,
            not_before,
        }
    }
}

#[derive(Debug, Clone)]
struct InFlight {
    task: Task,
    sent_at: f64,
}

/// Where a segment's list stands in the lists phase.
#[derive(Debug, Clone)]
enum ListState {
    /// Waiting for the first `GET /lists`.
    Pending,
    /// Id known.
    Known,
    /// A create is queued or in flight.
    Creating,
    /// Create answered 409: waiting for a `GET /lists` to find it.
    Conflict,
    /// Create failed ambiguously: waiting for a `GET /lists` before retrying this task.
    Verify(Task),
}

/// Results of the parts of a batch still being sent.
#[derive(Debug, Clone, Default)]
struct BatchAcc {
    open: u32,
    exported: Vec<u64>,
    failed: Vec<FailedRef>,
}

/// A success body, parsed for the request it answers.
enum Parsed {
    Lists(Vec<ListEntry>),
    Created(String),
    Bulk(autopilot::BulkResponse),
}

/// How an outcome is to be handled.
enum Class {
    Ok(Parsed),
    Throttled(Option<f64>),
    Retryable(String),
    Rejected(u16, String),
    Conflict,
    Fatal(Error),
}

/// One export run. See the [module documentation](self).
#[derive(Debug)]
pub struct Run {
    plan: Plan,
    fingerprint: String,
    options: RunOptions,
    max_in_flight: usize,
    pacer: Pacer,
    backoff: Backoff,
    phase: Phase,
    started_at: f64,
    finished_at: Option<f64>,
    resumed: bool,
    cancelled: bool,
    error: Option<Error>,
    next_id: u64,
    /// Requests in flight, in the order they were sent (a handful: a vector is enough).
    in_flight: Vec<(u64, InFlight)>,
    queue: Vec<Task>,
    next_batch: usize,
    done: Vec<bool>,
    done_count: u32,
    done_contacts: u64,
    contacts_done_this_run: u64,
    /// Per batch in progress: what its requests confirmed so far (indexed by batch).
    accs: Vec<Option<BatchAcc>>,
    exported: Vec<u64>,
    failed_count: Vec<u64>,
    failed: Vec<FailedRef>,
    requests: RequestCounts,
    list_ids: Vec<Option<String>>,
    list_created: Vec<bool>,
    list_state: Vec<ListState>,
    fetch_again: bool,
}

fn mismatch(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::CheckpointMismatch, message)
}

impl Run {
    /// The accumulator slot of `batch`.
    fn acc_slot(&mut self, batch: u32) -> Option<&mut Option<BatchAcc>> {
        self.accs.get_mut(batch as usize)
    }

    /// The accumulator of `batch`, if it is in progress.
    fn acc_mut(&mut self, batch: u32) -> Option<&mut BatchAcc> {
        self.acc_slot(batch).and_then(Option::as_mut)
    }

    /// Starts the accumulator of `batch`.
    fn set_acc(&mut self, batch: u32, acc: BatchAcc) {
        let i = batch as usize;
        if self.accs.len() <= i {
            self.accs.resize_with(i + 1, || None);
        }
        if let Some(slot) = self.accs.get_mut(i) {
            *slot = Some(acc);
        }
    }

    /// Starts a run of `plan` at `now_ms`.
    ///
    /// Errors: `CONFIG_INVALID` for bad options; `CAP_EXCEEDED` when the plan has more unique
    /// profiles than the cap in `refuse` mode (nothing is ever sent); `CHECKPOINT_MISMATCH`
    /// when `checkpoint` was made for another job (fingerprint or batch count differ) or is
    /// malformed.
    pub fn new(
        plan: Plan,
        options: RunOptions,
        checkpoint: Option<Checkpoint>,
        now_ms: f64,
    ) -> Result<Run, Error> {
        let issues = options.validate();
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        if let Some(e) = plan.cap_error() {
            return Err(e);
        }
        let fingerprint = plan.fingerprint();
        let batches = plan.batch_count();
        let segments = plan.segments.len();
        let per_segment = plan.config.lists == ListMode::PerSegment && segments > 0;
        let mut run = Run {
            fingerprint,
            max_in_flight: options.effective_max_in_flight() as usize,
            pacer: Pacer::new(options.rate_per_second, options.burst, now_ms),
            backoff: Backoff::new(options.seed),
            options,
            phase: if per_segment {
                Phase::Lists
            } else {
                Phase::Contacts
            },
            started_at: now_ms,
            finished_at: None,
            resumed: false,
            cancelled: false,
            error: None,
            next_id: 1,
            in_flight: Vec::new(),
            queue: Vec::new(),
            next_batch: 0,
            done: vec![false; batches],
            done_count: 0,
            done_contacts: 0,
            contacts_done_this_run: 0,
            accs: Vec::new(),
            exported: vec![0; segments],
            failed_count: vec![0; segments],
            failed: Vec::new(),
            requests: RequestCounts::default(),
            list_ids: vec![None; segments],
            list_created: vec![false; segments],
            list_state: vec![
                if per_segment {
                    ListState::Pending
                } else {
                    ListState::Known
                };
                segments
            ],
            fetch_again: false,
            plan,
        };
        if let Some(cp) = checkpoint {
            run.restore(cp)?;
        }
        if per_segment {
            run.queue.push(Task::new(Work::FetchLists, now_ms));
        }
        Ok(run)
    }

    /// Checks a checkpoint against the plan and takes over its finished batches.
    fn restore(&mut self, cp: Checkpoint) -> Result<(), Error> {
        if cp.version != CHECKPOINT_VERSION {
            return Err(mismatch(format!(
                "unsupported checkpoint version {} (expected {CHECKPOINT_VERSION})",
                cp.version
            )));
        }
        if cp.fingerprint != self.fingerprint {
            return Err(mismatch("the checkpoint was made for a different export job (configuration or profiles differ)"));
        }
        let batches = self.done.len();
        if cp.batches as usize != batches {
            return Err(mismatch(format!(
                "the checkpoint has {} batches, this job has {batches}",
                cp.batches
            )));
        }
        let segments = self.exported.len();
        if cp.exported.len() != segments {
            return Err(mismatch(format!(
                "the checkpoint has {} segments, this job has {segments}",
                cp.exported.len()
            )));
        }
        let mut previous: Option<u32> = None;
        for &[first, last] in &cp.done {
            if first > last || last as usize >= batches || previous.is_some_and(|p| first <= p) {
                return Err(mismatch("the checkpoint's finished batches are malformed"));
            }
            previous = Some(last);
            for b in first..=last {
                if let Some(d) = self.done.get_mut(b as usize) {
                    *d = true;
                }
            }
        }
        // Per-segment memberships of the finished batches must be exactly exported + failed.
        let mut members = vec![0u64; segments];
        // (segment, row) packed into one key: rows stay far below 2^40.
        let key = |segment: u32, row: u64| u64::from(segment) << 40 ^ row;
        let mut done_refs = U64Map::default();
        let need_refs = !cp.failed.is_empty();
        for (b, _) in self.done.iter().enumerate().filter(|(_, d)| **d) {
            let batch = self.plan.batch(b);
            self.done_count += 1;
            self.done_contacts += batch.len() as u64;
            for m in batch {
                if let Some(c) = members.get_mut(m.segment as usize) {
                    *c += 1;
                }
                if need_refs {
                    done_refs.insert(key(m.segment, m.row), 0);
                }
            }
        }
        let mut failed_count = vec![0u64; segments];
        for f in &cp.failed {
            if f.reason.is_input() || done_refs.remove(&key(f.segment, f.row)).is_none() {
                return Err(mismatch(
                    "the checkpoint's failed contacts do not match its finished batches",
                ));
            }
            if let Some(c) = failed_count.get_mut(f.segment as usize) {
                *c += 1;
            }
        }
        let consistent = members
            .iter()
            .zip(&cp.exported)
            .zip(&failed_count)
            .all(|((m, e), f)| e.checked_add(*f) == Some(*m));
        if !consistent {
            return Err(mismatch(
                "the checkpoint's counts do not match its finished batches",
            ));
        }
        self.exported = cp.exported;
        self.failed_count = failed_count;
        self.failed = cp.failed;
        self.requests = cp.requests;
        self.resumed = true;
        Ok(())
    }

    /// What to do next at `now_ms`. Call repeatedly until it returns something other than
    /// [`Step::Send`].
    pub fn next(&mut self, now_ms: f64) -> Step {
        self.advance_phase(now_ms);
        if self.phase == Phase::Done {
            return Step::Done;
        }
        if self.in_flight.len() >= self.max_in_flight {
            return Step::Wait { until: None };
        }
        let Some((pick, ready)) = self.pick(now_ms) else {
            if self.in_flight.is_empty() {
                self.fail(
                    Error::new(
                        ErrorCode::Internal,
                        "the run has nothing to send and nothing in flight",
                    ),
                    now_ms,
                );
                return Step::Done;
            }
            return Step::Wait { until: None };
        };
        let at = ready.max(self.pacer.ready_at());
        if at > now_ms {
            return Step::Wait { until: Some(at) };
        }
        let task = match pick {
            Pick::Queued(i) => {
                if i < self.queue.len() {
                    self.queue.swap_remove(i)
                } else {
                    return Step::Wait {
                        until: Some(now_ms),
                    };
                }
            }
            Pick::Fresh(b) => {
                self.next_batch = b + 1;
                let size = self.plan.batch(b).len() as u32;
                self.set_acc(
                    b as u32,
                    BatchAcc {
                        open: 1,
                        exported: vec![0; self.exported.len()],
                        failed: Vec::new(),
                    },
                );
                Task::new(
                    Work::Upsert {
                        batch: b as u32,
                        lo: 0,
                        hi: size,
                        bisect: false,
                    },
                    now_ms,
                )
            }
        };
        self.pacer.take(now_ms);
        Step::Send(self.send(task, now_ms))
    }

    /// Records `task` as sent and builds its request.
    fn send(&mut self, mut task: Task, now_ms: f64) -> Request {
        let (method, path, body, batch) = match task.work {
            Work::FetchLists => (Method::Get, autopilot::PATH_LISTS, None, None),
            Work::CreateList(s) => {
                let title = self.title(s);
                (
                    Method::Post,
                    autopilot::PATH_LIST,
                    Some(autopilot::create_list_body(&title)),
                    None,
                )
            }
            Work::Upsert { batch, lo, hi, .. } => {
                let items = self
                    .plan
                    .batch(batch as usize)
                    .get(lo as usize..hi as usize)
                    .unwrap_or(&[]);
                (
                    Method::Post,
                    autopilot::PATH_CONTACTS,
                    Some(self.plan.body(items, &self.list_ids)),
                    Some(batch),
                )
            }
        };
        self.requests.sent += 1;
        if task.sends > 0 {
            self.requests.retried += 1;
        } else if matches!(task.work, Work::Upsert { bisect: true, .. }) {
            self.requests.bisected += 1;
        }
        task.sends += 1;
        let id = self.next_id;
        self.next_id += 1;
        let attempt = task.sends;
        self.in_flight.push((
            id,
            InFlight {
                task,
                sent_at: now_ms,
            },
        ));
        Request {
            id,
            method,
            path: path.to_string(),
            body,
            attempt,
            timeout_ms: self.options.request_timeout_ms,
            batch,
        }
    }

    /// The list title of segment `s`.
    fn title(&self, s: u32) -> String {
        self.plan
            .segments
            .get(s as usize)
            .map(|seg| seg.list_title.clone().unwrap_or_else(|| seg.name.clone()))
            .unwrap_or_default()
    }

    /// The next task to send and the time it is ready: queued tasks that are ready first (list
    /// requests, then the lowest batch), then a fresh batch, else the queued task ready
    /// soonest.
    fn pick(&mut self, now_ms: f64) -> Option<(Pick, f64)> {
        let key = |t: &Task| match t.work {
            Work::FetchLists => (0u8, 0u32, 0u32),
            Work::CreateList(s) => (1, s, 0),
            Work::Upsert { batch, lo, .. } => (2, batch, lo),
        };
        let mut ready: Option<(usize, (u8, u32, u32))> = None;
        let mut soonest: Option<(usize, f64)> = None;
        for (i, t) in self.queue.iter().enumerate() {
            if t.not_before <= now_ms {
                let k = key(t);
                if ready.is_none_or(|(_, best)| k < best) {
                    ready = Some((i, k));
                }
            } else if soonest.is_none_or(|(_, at)| t.not_before < at) {
                soonest = Some((i, t.not_before));
            }
        }
        if let Some((i, _)) = ready {
            return Some((Pick::Queued(i), now_ms));
        }
        if self.phase == Phase::Contacts {
            while self.done.get(self.next_batch).copied() == Some(true) {
                self.next_batch += 1;
            }
            if self.next_batch < self.done.len() {
                return Some((Pick::Fresh(self.next_batch), now_ms));
            }
        }
        soonest.map(|(i, at)| (Pick::Queued(i), at))
    }

    /// Moves from the lists phase to contacts once every list id is known, and ends the run
    /// when every batch is finished.
    fn advance_phase(&mut self, now_ms: f64) {
        if self.phase == Phase::Lists && self.list_ids.iter().all(Option::is_some) {
            self.phase = Phase::Contacts;
            self.queue.retain(|t| matches!(t.work, Work::Upsert { .. }));
            self.fetch_again = false;
        }
        if self.phase == Phase::Contacts && self.done_count as usize >= self.done.len() {
            self.finish(now_ms);
        }
    }

    fn finish(&mut self, now_ms: f64) {
        self.phase = Phase::Done;
        self.finished_at = Some(now_ms);
        self.in_flight.clear();
        self.queue.clear();
        self.accs.iter_mut().for_each(|a| *a = None);
    }

    fn fail(&mut self, error: Error, now_ms: f64) {
        if self.error.is_none() {
            self.error = Some(error);
        }
        self.finish(now_ms);
    }

    /// Takes the outcome of request `id` at `now_ms`. Returns `true` when a batch finished
    /// (a good moment for a progress callback and a checkpoint). Outcomes of unknown or
    /// abandoned requests are ignored (`false`).
    pub fn complete(&mut self, id: u64, outcome: Outcome, now_ms: f64) -> bool {
        if self.phase == Phase::Done {
            return false;
        }
        let Some(pos) = self.in_flight.iter().position(|(i, _)| *i == id) else {
            return false;
        };
        let (_, InFlight { task, sent_at }) = self.in_flight.remove(pos);
        let class = self.classify(&task, outcome, now_ms);
        match class {
            Class::Throttled(_) => self.requests.throttled += 1,
            Class::Retryable(_) => self.requests.errors += 1,
            _ => {}
        }
        match task.work {
            Work::FetchLists => {
                self.on_fetch(task, class, sent_at, now_ms);
                false
            }
            Work::CreateList(s) => {
                self.on_create(s, task, class, sent_at, now_ms);
                false
            }
            Work::Upsert { batch, lo, hi, .. } => {
                self.on_upsert(batch, lo, hi, task, class, sent_at, now_ms)
            }
        }
    }

    /// Sorts an outcome into what the run does with it.
    fn classify(&self, task: &Task, outcome: Outcome, now_ms: f64) -> Class {
        let (status, body, retry_after) = match outcome {
            Outcome::Timeout => {
                return Class::Retryable(format!(
                    "no answer within {} ms",
                    self.options.request_timeout_ms.round() as u64
                ))
            }
            Outcome::Network(msg) => {
                let msg = autopilot::truncate_chars(
                    &autopilot::redact(msg.trim(), None),
                    autopilot::MAX_MESSAGE_CHARS,
                );
                return Class::Retryable(if msg.is_empty() {
                    "network error".to_string()
                } else {
                    format!("network error: {msg}")
                });
            }
            Outcome::Response {
                status,
                body,
                retry_after,
            } => (status, body, retry_after),
        };
        let what = match task.work {
            Work::FetchLists => "GET /lists",
            Work::CreateList(_) => "POST /list",
            Work::Upsert { .. } => "POST /contacts",
        };
        match status {
            200..=299 => {
                let parsed = match task.work {
                    Work::FetchLists => autopilot::parse_lists(&body).map(Parsed::Lists),
                    Work::CreateList(_) => autopilot::parse_created_list(&body).map(Parsed::Created),
                    Work::Upsert { .. } => autopilot::parse_bulk_response(&body).map(Parsed::Bulk),
                };
                match parsed {
                    Some(p) => Class::Ok(p),
                    None => Class::Retryable(format!("HTTP {status} with an unexpected body")),
                }
            }
            401 => Class::Fatal(Error::new(
                ErrorCode::AuthFailed,
                format!("Autopilot rejected the API key (HTTP 401 on {what}); the run stopped. Check the key of the connection."),
            )),
            403..=405 => Class::Fatal(Error::new(
                ErrorCode::ApiError,
                format!(
                    "Autopilot answered {} to {what}; the run stopped. Check the base URL (it must end in /v1) and the key's permissions.",
                    autopilot::describe_error(status, &body, None)
                ),
            )),
            429 => {
                let hint = retry_after
                    .as_deref()
                    .and_then(|v| autopilot::parse_retry_after(v, now_ms))
                    .or_else(|| autopilot::parse_error_body(&body).retry_in_seconds.map(|s| s * 1000.0));
                Class::Throttled(hint)
            }
            408 | 500..=599 => Class::Retryable(autopilot::describe_error(status, &body, None)),
            400 | 413 | 422 => Class::Rejected(status, body),
            409 => Class::Conflict,
            402..=499 => Class::Fatal(Error::new(
                ErrorCode::ApiError,
                format!("Autopilot answered {} to {what}; the run stopped.", autopilot::describe_error(status, &body, None)),
            )),
            _ => Class::Retryable(format!("unexpected HTTP status {status}")),
        }
    }

    /// Queues `task` for a retry after an error (`Ok`), or gives it back when it has no
    /// attempts left (`Err`, with the detail for the report).
    fn retry_error(
        &mut self,
        mut task: Task,
        desc: &str,
        now_ms: f64,
    ) -> Result<(), (Task, String)> {
        task.errors += 1;
        if task.errors >= self.options.max_attempts {
            let detail = format!(
                "gave up after {} failed attempts; last: {desc}",
                task.errors
            );
            return Err((task, detail));
        }
        task.not_before = now_ms
            + self
                .backoff
                .next_delay_ms(task.errors + task.throttles, None);
        self.queue.push(task);
        Ok(())
    }

    /// Queues `task` for a retry after a `429` (`Ok`), or gives it back when it was throttled
    /// too often (`Err`).
    fn retry_throttled(
        &mut self,
        mut task: Task,
        hint: Option<f64>,
        sent_at: f64,
        now_ms: f64,
    ) -> Result<(), (Task, String)> {
        self.pacer.throttled(sent_at, now_ms, hint);
        task.throttles += 1;
        if task.throttles >= self.options.max_throttled {
            let detail = format!(
                "gave up after {} throttled attempts (HTTP 429)",
                task.throttles
            );
            return Err((task, detail));
        }
        task.not_before = now_ms
            + self
                .backoff
                .next_delay_ms(task.errors + task.throttles, hint);
        self.queue.push(task);
        Ok(())
    }

    fn on_fetch(&mut self, task: Task, class: Class, sent_at: f64, now_ms: f64) {
        if self.phase != Phase::Lists {
            // A late read after every list was found: only a fatal answer still matters.
            if let Class::Fatal(e) = class {
                self.fail(e, now_ms);
            }
            return;
        }
        let gave_up = match class {
            Class::Ok(Parsed::Lists(lists)) => {
                self.pacer.succeeded();
                self.on_lists(&lists, now_ms);
                return;
            }
            Class::Ok(_) => return,
            Class::Throttled(hint) => self.retry_throttled(task, hint, sent_at, now_ms),
            Class::Retryable(desc) => self.retry_error(task, &desc, now_ms),
            Class::Rejected(status, body) => {
                let msg = format!(
                    "Autopilot answered {} to GET /lists; the run stopped.",
                    autopilot::describe_error(status, &body, None)
                );
                return self.fail(Error::new(ErrorCode::ApiError, msg), now_ms);
            }
            Class::Conflict => {
                return self.fail(
                    Error::new(
                        ErrorCode::ApiError,
                        "Autopilot answered HTTP 409 to GET /lists; the run stopped.",
                    ),
                    now_ms,
                )
            }
            Class::Fatal(e) => return self.fail(e, now_ms),
        };
        if let Err((_, detail)) = gave_up {
            self.fail(
                Error::new(
                    ErrorCode::Network,
                    format!("could not read the Autopilot lists: {detail}"),
                ),
                now_ms,
            );
        }
    }

    /// A `GET /lists` answered: take the ids found, queue creates for lists still missing,
    /// resolve conflicts and ambiguous creates.
    fn on_lists(&mut self, lists: &[ListEntry], now_ms: f64) {
        // A conflict or ambiguous create that happened while this read was in flight needs a
        // newer read: leave those for it.
        let resolve = !self.fetch_again;
        for s in 0..self.list_ids.len() {
            if self.list_ids.get(s).is_some_and(Option::is_some) {
                continue;
            }
            let title = self.title(s as u32);
            if let Some(id) = autopilot::find_list(lists, &title) {
                if let Some(slot) = self.list_ids.get_mut(s) {
                    *slot = Some(id.to_string());
                }
                if let Some(st) = self.list_state.get_mut(s) {
                    *st = ListState::Known;
                }
                self.queue.retain(|t| t.work != Work::CreateList(s as u32));
                continue;
            }
            let state = self.list_state.get(s).cloned().unwrap_or(ListState::Known);
            match state {
                ListState::Pending => {
                    self.set_list_state(s, ListState::Creating);
                    self.queue
                        .push(Task::new(Work::CreateList(s as u32), now_ms));
                }
                ListState::Conflict if resolve => {
                    let msg = format!(
                        "Autopilot answered 409 (exists) when creating the list '{title}', but GET /lists does not show a list with that title; the run stopped."
                    );
                    return self.fail(Error::new(ErrorCode::ApiError, msg), now_ms);
                }
                ListState::Verify(mut task) if resolve => {
                    self.set_list_state(s, ListState::Creating);
                    task.not_before = now_ms;
                    self.queue.push(task);
                }
                _ => {}
            }
        }
        if self.fetch_again {
            self.fetch_again = false;
            self.queue.push(Task::new(Work::FetchLists, now_ms));
        }
    }

    fn set_list_state(&mut self, s: usize, state: ListState) {
        if let Some(st) = self.list_state.get_mut(s) {
            *st = state;
        }
    }

    /// Asks for a `GET /lists` not before `not_before` (or after the one in flight).
    fn request_fetch(&mut self, not_before: f64) {
        if self.queue.iter().any(|t| t.work == Work::FetchLists) {
            return;
        }
        if self
            .in_flight
            .iter()
            .any(|(_, f)| f.task.work == Work::FetchLists)
        {
            self.fetch_again = true;
            return;
        }
        self.queue.push(Task::new(Work::FetchLists, not_before));
    }

    fn on_create(&mut self, s: u32, task: Task, class: Class, sent_at: f64, now_ms: f64) {
        let si = s as usize;
        let title = self.title(s);
        let known = self.list_ids.get(si).is_some_and(Option::is_some);
        let fail_detail = match class {
            Class::Ok(Parsed::Created(id)) => {
                self.pacer.succeeded();
                if let (Some(slot), Some(created)) =
                    (self.list_ids.get_mut(si), self.list_created.get_mut(si))
                {
                    if slot.is_none() || slot.as_deref() == Some(id.as_str()) {
                        *slot = Some(id);
                        *created = true;
                    }
                }
                self.set_list_state(si, ListState::Known);
                return;
            }
            Class::Ok(_) => return,
            Class::Fatal(e) => return self.fail(e, now_ms),
            // The list was found meanwhile (e.g. by a read after another create's 409).
            _ if known => return,
            Class::Throttled(hint) => self
                .retry_throttled(task, hint, sent_at, now_ms)
                .err()
                .map(|(_, d)| d),
            Class::Retryable(desc) => self.ambiguous_create(si, task, &desc, now_ms),
            Class::Conflict => {
                self.set_list_state(si, ListState::Conflict);
                self.request_fetch(now_ms);
                None
            }
            Class::Rejected(status, body) => {
                let msg = format!(
                    "could not create the Autopilot list '{title}': {}; the run stopped.",
                    autopilot::describe_error(status, &body, None)
                );
                return self.fail(Error::new(ErrorCode::ApiError, msg), now_ms);
            }
        };
        if let Some(detail) = fail_detail {
            self.fail(
                Error::new(
                    ErrorCode::Network,
                    format!("could not create the Autopilot list '{title}': {detail}"),
                ),
                now_ms,
            );
        }
    }

    /// A create failed in a way that may have created the list: read the lists (after a
    /// backoff) before retrying it. Returns the failure detail when out of attempts.
    fn ambiguous_create(
        &mut self,
        s: usize,
        mut task: Task,
        desc: &str,
        now_ms: f64,
    ) -> Option<String> {
        task.errors += 1;
        if task.errors >= self.options.max_attempts {
            return Some(format!(
                "gave up after {} failed attempts; last: {desc}",
                task.errors
            ));
        }
        let at = now_ms
            + self
                .backoff
                .next_delay_ms(task.errors + task.throttles, None);
        self.set_list_state(s, ListState::Verify(task));
        self.request_fetch(at);
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn on_upsert(
        &mut self,
        batch: u32,
        lo: u32,
        hi: u32,
        task: Task,
        class: Class,
        sent_at: f64,
        now_ms: f64,
    ) -> bool {
        match class {
            Class::Ok(Parsed::Bulk(resp)) => {
                self.pacer.succeeded();
                let items = self
                    .plan
                    .batch(batch as usize)
                    .get(lo as usize..hi as usize)
                    .unwrap_or(&[]);
                let mut exported = vec![0u64; self.exported.len()];
                let mut failed = Vec::new();
                for m in items {
                    if resp.confirms(self.plan.email(m)) {
                        if let Some(e) = exported.get_mut(m.segment as usize) {
                            *e += 1;
                        }
                    } else {
                        failed.push(FailedRef {
                            segment: m.segment,
                            row: m.row,
                            reason: RejectReason::NotConfirmed,
                            detail: Some("Autopilot accepted the request but did not confirm this contact (missing from email_contact_map)".into()),
                        });
                    }
                }
                if let Some(acc) = self.acc_mut(batch) {
                    for (a, e) in acc.exported.iter_mut().zip(exported) {
                        *a += e;
                    }
                    acc.failed.extend(failed);
                }
                self.part_done(batch)
            }
            Class::Ok(_) => false,
            Class::Throttled(hint) => match self.retry_throttled(task, hint, sent_at, now_ms) {
                Ok(()) => false,
                Err((_, detail)) => {
                    self.fail_part(batch, lo, hi, RejectReason::RetriesExhausted, Some(detail))
                }
            },
            Class::Retryable(desc) => match self.retry_error(task, &desc, now_ms) {
                Ok(()) => false,
                Err((_, detail)) => {
                    self.fail_part(batch, lo, hi, RejectReason::RetriesExhausted, Some(detail))
                }
            },
            Class::Rejected(status, body) => {
                if hi.saturating_sub(lo) > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if let Some(acc) = self.acc_mut(batch) {
                        acc.open += 1;
                    }
                    self.queue.push(Task::new(
                        Work::Upsert {
                            batch,
                            lo,
                            hi: mid,
                            bisect: true,
                        },
                        now_ms,
                    ));
                    self.queue.push(Task::new(
                        Work::Upsert {
                            batch,
                            lo: mid,
                            hi,
                            bisect: true,
                        },
                        now_ms,
                    ));
                    false
                } else {
                    let email = self
                        .plan
                        .batch(batch as usize)
                        .get(lo as usize)
                        .map(|m| self.plan.email(m).to_string());
                    let detail = autopilot::describe_error(status, &body, email.as_deref());
                    self.fail_part(batch, lo, hi, RejectReason::ServerRejected, Some(detail))
                }
            }
            Class::Conflict => {
                self.fail(
                    Error::new(
                        ErrorCode::ApiError,
                        "Autopilot answered HTTP 409 to POST /contacts; the run stopped.",
                    ),
                    now_ms,
                );
                false
            }
            Class::Fatal(e) => {
                self.fail(e, now_ms);
                false
            }
        }
    }

    /// Fails every contact of part `lo..hi` of `batch` and closes the part.
    fn fail_part(
        &mut self,
        batch: u32,
        lo: u32,
        hi: u32,
        reason: RejectReason,
        detail: Option<String>,
    ) -> bool {
        let items = self
            .plan
            .batch(batch as usize)
            .get(lo as usize..hi as usize)
            .unwrap_or(&[]);
        if let Some(Some(acc)) = self.accs.get_mut(batch as usize) {
            acc.failed.extend(items.iter().map(|m| FailedRef {
                segment: m.segment,
                row: m.row,
                reason,
                detail: detail.clone(),
            }));
        }
        self.part_done(batch)
    }

    /// Closes one part of `batch`; when it was the last, the batch is finished (`true`).
    fn part_done(&mut self, batch: u32) -> bool {
        let Some(acc) = self.acc_mut(batch) else {
            return false;
        };
        acc.open = acc.open.saturating_sub(1);
        if acc.open > 0 {
            return false;
        }
        let Some(acc) = self.acc_slot(batch).and_then(Option::take) else {
            return false;
        };
        let Some(d) = self.done.get_mut(batch as usize) else {
            return false;
        };
        if *d {
            return false;
        }
        *d = true;
        let size = self.plan.batch(batch as usize).len() as u64;
        self.done_count += 1;
        self.done_contacts += size;
        self.contacts_done_this_run += size;
        for (total, e) in self.exported.iter_mut().zip(&acc.exported) {
            *total += e;
        }
        for f in &acc.failed {
            if let Some(c) = self.failed_count.get_mut(f.segment as usize) {
                *c += 1;
            }
        }
        self.failed.extend(acc.failed);
        true
    }

    /// Stops the run: no new requests; requests in flight are abandoned (the driver should
    /// abort them; their outcomes are ignored). The report's status is `cancelled` and its
    /// checkpoint holds the finished batches. Does nothing once the run is done.
    pub fn cancel(&mut self, now_ms: f64) {
        if self.phase == Phase::Done {
            return;
        }
        self.cancelled = true;
        self.finish(now_ms);
    }

    /// Ids of the requests in flight (ascending).
    pub fn in_flight_ids(&self) -> Vec<u64> {
        self.in_flight.iter().map(|(id, _)| *id).collect()
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the run is over (finished, failed or cancelled).
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The error that ended the run, if one did (`AUTH_FAILED`, `API_ERROR`, `NETWORK`, ...).
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The plan being sent.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// A progress snapshot at `now_ms`.
    pub fn progress(&self, now_ms: f64) -> Progress {
        let elapsed_ms = (now_ms - self.started_at).max(0.0);
        let contacts_total = self.plan.memberships.len() as u64;
        let per_second = if elapsed_ms > 0.0 {
            self.contacts_done_this_run as f64 * 1000.0 / elapsed_ms
        } else {
            0.0
        };
        let remaining = contacts_total.saturating_sub(self.done_contacts);
        let eta_ms = if self.phase == Phase::Done {
            Some(0.0)
        } else if per_second > 0.0 {
            Some(remaining as f64 / per_second * 1000.0)
        } else {
            None
        };
        Progress {
            phase: self.phase,
            batches_done: self.done_count,
            batches_total: self.done.len() as u32,
            contacts_done: self.done_contacts,
            contacts_total,
            exported: self.exported.iter().sum(),
            failed: self.failed_count.iter().sum(),
            in_flight: self.in_flight.len() as u32,
            requests: self.requests.clone(),
            elapsed_ms,
            contacts_per_second: per_second,
            eta_ms,
        }
    }

    /// Resume state: the job fingerprint, finished batches (as ranges), their per-segment
    /// results and the request counters. No email, no key.
    pub fn checkpoint(&self) -> Checkpoint {
        let mut done: Vec<[u32; 2]> = Vec::new();
        for (b, _) in self.done.iter().enumerate().filter(|(_, d)| **d) {
            let b = b as u32;
            match done.last_mut() {
                Some(r) if r[1].checked_add(1) == Some(b) => r[1] = b,
                _ => done.push([b, b]),
            }
        }
        Checkpoint {
            version: CHECKPOINT_VERSION,
            fingerprint: self.fingerprint.clone(),
            batches: self.done.len() as u32,
            done,
            exported: self.exported.clone(),
            failed: self.failed.clone(),
            requests: self.requests.clone(),
        }
    }

    /// The status the run ended with (provisional — `cancelled` — while it is still going).
    pub fn status(&self) -> RunStatus {
        let exported: u64 = self.exported.iter().sum();
        let failed: u64 = self.failed_count.iter().sum();
        if self.error.is_some() {
            RunStatus::Failed
        } else if self.cancelled || self.phase != Phase::Done {
            RunStatus::Cancelled
        } else if failed == 0 {
            RunStatus::Succeeded
        } else if exported == 0 {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        }
    }

    /// The run report at `now_ms` (meant for after [`Step::Done`]; before that it describes
    /// the run so far, with status `cancelled`). Covers the whole job when resumed.
    pub fn report(&self, now_ms: f64) -> ExportReport {
        let finished = self.finished_at.unwrap_or(now_ms);
        let mut totals = self.plan.totals();
        totals.exported = self.exported.iter().sum();
        totals.failed = self.failed_count.iter().sum();
        let segments = self
            .plan
            .segments
            .iter()
            .enumerate()
            .map(|(s, seg)| {
                let mut seg = seg.clone();
                seg.counts.exported = self.exported.get(s).copied().unwrap_or(0);
                seg.counts.failed = self.failed_count.get(s).copied().unwrap_or(0);
                seg.list_id = self.list_ids.get(s).cloned().flatten();
                seg.list_created = self.list_created.get(s).copied().unwrap_or(false);
                seg
            })
            .collect();
        let mut rejects: Vec<Reject> = self.plan.rejects.clone();
        let mut rejects_omitted = self.plan.rejects_omitted;
        let mut failed: Vec<&FailedRef> = self.failed.iter().collect();
        failed.sort_unstable_by_key(|f| (f.segment, f.row));
        for f in failed {
            if rejects.len() < MAX_REJECTS {
                rejects.push(Reject {
                    segment: f.segment,
                    row: f.row,
                    id: None,
                    reason: f.reason,
                    detail: f.detail.clone(),
                });
            } else {
                rejects_omitted += 1;
            }
        }
        let c = &self.plan.config.connection;
        ExportReport {
            status: self.status(),
            display_name: c.display_name.clone(),
            export_user: c.export_user.clone(),
            started_at: format_iso(self.started_at as i64),
            finished_at: format_iso(finished as i64),
            duration_ms: (finished - self.started_at).max(0.0),
            resumed: self.resumed,
            totals,
            segments,
            requests: self.requests.clone(),
            rejects,
            rejects_omitted,
            warnings: self.plan.warnings.clone(),
            error: self.error.as_ref().map(|e| ReportError {
                code: e.code.as_str().to_string(),
                message: e.message.clone(),
            }),
            checkpoint: self.checkpoint(),
        }
    }
}

/// Which task [`Run::pick`] chose.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Queued(usize),
    Fresh(usize),
}
