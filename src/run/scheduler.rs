//! When requests go: the queue of retries and pending work, the requests in flight, the
//! pacer (token bucket on absolute slots, slowed by 429s), the backoff, the request budget
//! of one call (`maxRequests`), and the request counters.

use super::options::Settings;
use super::work::{Task, Work};
use crate::pacing::{Backoff, Pacer};
use crate::report::RequestCounts;

/// A request in flight.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// Its task (with the send counted).
    pub task: Task,
    /// Monotonic send time.
    pub sent_at: f64,
}

/// The run's scheduler.
#[derive(Debug)]
pub struct Scheduler {
    /// Pacing.
    pub pacer: Pacer,
    backoff: Backoff,
    /// Tasks waiting (retries, reads, creates, split parts).
    pub queue: Vec<Task>,
    /// Requests in flight, in send order (a handful: a vector is enough).
    pub in_flight: Vec<(u64, InFlight)>,
    next_id: u64,
    /// Counters of the whole job.
    pub requests: RequestCounts,
    /// Requests sent by this call (what `maxRequests` limits).
    pub sent_this_call: u64,
    max_in_flight: usize,
    budget: Option<u64>,
    max_attempts: u32,
    max_throttled: u32,
}

impl Scheduler {
    /// A scheduler for `settings`, starting at monotonic `now`.
    pub fn new(settings: &Settings, now: f64) -> Self {
        Scheduler {
            pacer: Pacer::new(settings.rate_per_second, settings.burst, now),
            backoff: Backoff::new(settings.seed),
            queue: Vec::new(),
            in_flight: Vec::new(),
            next_id: 1,
            requests: RequestCounts::default(),
            sent_this_call: 0,
            max_in_flight: settings.max_in_flight.max(1) as usize,
            budget: settings.max_requests,
            max_attempts: settings.max_attempts.max(1),
            max_throttled: settings.max_throttled.max(1),
        }
    }

    /// Whether this call's request budget is used up.
    pub fn budget_spent(&self) -> bool {
        self.budget.is_some_and(|b| self.sent_this_call >= b)
    }

    /// Whether the in-flight limit is reached.
    pub fn full(&self) -> bool {
        self.in_flight.len() >= self.max_in_flight
    }

    /// Queues a task.
    pub fn push(&mut self, task: Task) {
        self.queue.push(task);
    }

    /// Whether a task doing `work` is in flight.
    pub fn in_flight_has(&self, work: Work) -> bool {
        self.in_flight.iter().any(|(_, f)| f.task.work == work)
    }

    /// The best queued task that `usable` accepts: the first ready one in [`Work::order`],
    /// else the one ready soonest. Returns its index and when it is ready.
    pub fn pick(&self, now: f64, usable: impl Fn(&Work) -> bool) -> Option<(usize, f64)> {
        let mut ready: Option<(usize, (u8, u32, u32))> = None;
        let mut soonest: Option<(usize, f64)> = None;
        for (i, t) in self.queue.iter().enumerate() {
            if !usable(&t.work) {
                continue;
            }
            if t.not_before <= now {
                let k = t.work.order();
                if ready.is_none_or(|(_, best)| k < best) {
                    ready = Some((i, k));
                }
            } else if soonest.is_none_or(|(_, at)| t.not_before < at) {
                soonest = Some((i, t.not_before));
            }
        }
        ready.map(|(i, _)| (i, now)).or(soonest)
    }

    /// Removes queued task `i`.
    pub fn take(&mut self, i: usize) -> Option<Task> {
        (i < self.queue.len()).then(|| self.queue.swap_remove(i))
    }

    /// Records a send of `task` at `now` (pacing, counters, in-flight set) and returns the
    /// request id and the attempt number.
    pub fn send(&mut self, mut task: Task, now: f64) -> (u64, u32) {
        self.pacer.take(now);
        self.requests.sent += 1;
        self.sent_this_call += 1;
        if task.sends > 0 {
            self.requests.retried += 1;
        } else if matches!(task.work, Work::Upsert { split: true, .. }) {
            self.requests.bisected += 1;
        }
        task.sends += 1;
        let id = self.next_id;
        self.next_id += 1;
        let attempt = task.sends;
        self.in_flight.push((id, InFlight { task, sent_at: now }));
        (id, attempt)
    }

    /// Takes request `id` out of the in-flight set.
    pub fn settle(&mut self, id: u64) -> Option<InFlight> {
        let pos = self.in_flight.iter().position(|(i, _)| *i == id)?;
        Some(self.in_flight.remove(pos).1)
    }

    /// Queues `task` again after an error (`Ok`), or gives it back with the detail for the
    /// report when it has no attempts left (`Err`).
    pub fn retry_error(&mut self, mut task: Task, desc: &str, now: f64) -> Result<(), String> {
        task.errors += 1;
        if task.errors >= self.max_attempts {
            return Err(format!(
                "gave up after {} failed attempts; last: {desc}",
                task.errors
            ));
        }
        task.not_before = now
            + self
                .backoff
                .next_delay_ms(task.errors + task.throttles, None);
        self.queue.push(task);
        Ok(())
    }

    /// The backoff before the next attempt of a task that failed `failures` times.
    pub fn backoff_ms(&mut self, failures: u32) -> f64 {
        self.backoff.next_delay_ms(failures, None)
    }

    /// Whether `task` has attempts left after one more error (counting it).
    pub fn count_error(&self, task: &mut Task) -> bool {
        task.errors += 1;
        task.errors < self.max_attempts
    }

    /// Queues `task` again after a `429` (`Ok`), slowing the pacer; `Err` with the detail
    /// when it was throttled too often.
    pub fn retry_throttled(
        &mut self,
        mut task: Task,
        hint: Option<f64>,
        sent_at: f64,
        now: f64,
    ) -> Result<(), String> {
        self.pacer.throttled(sent_at, now, hint);
        task.throttles += 1;
        if task.throttles >= self.max_throttled {
            return Err(format!(
                "gave up after {} throttled attempts (HTTP 429)",
                task.throttles
            ));
        }
        task.not_before = now
            + self
                .backoff
                .next_delay_ms(task.errors + task.throttles, hint);
        self.queue.push(task);
        Ok(())
    }

    /// Drops everything queued and in flight (the run is over).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.in_flight.clear();
    }
}
