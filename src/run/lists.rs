//! The lists phase: finding each segment's Autopilot list by title (`GET /lists`) and
//! creating the missing ones (`POST /list`) — only for segments that will receive at least
//! one contact.
//!
//! A `409` on create (the title exists after all) reads the lists again and takes the id; if
//! the list is still not listed, the run fails with `API_ERROR`. A create that fails
//! ambiguously (timeout, network error, 5xx) is checked with another `GET /lists` before it is
//! retried, so a create that was applied is never repeated.

use super::classify::{Class, Parsed};
use super::scheduler::Scheduler;
use super::work::{SegmentId, Task, Work};
use crate::autopilot::{self, ListEntry};
use crate::error::{Error, ErrorCode};

/// Where a segment's list stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    /// Not resolved yet (waiting for `GET /lists`, or for the plan to tell whether it is needed).
    Pending,
    /// Id known.
    Known {
        /// `contactlist_…`.
        id: String,
        /// Whether this run (or the run it resumes) created it.
        created: bool,
    },
    /// A create is queued or in flight.
    Creating,
    /// The create answered 409: waiting for a newer `GET /lists` to find it.
    Conflict,
    /// The create failed ambiguously: waiting for a `GET /lists` before retrying it.
    Verify(Task),
    /// Not listed and not needed (no contact to send): no list is created.
    Unneeded,
}

/// Every segment's list.
#[derive(Debug)]
pub struct Lists {
    /// Per segment.
    pub slots: Vec<Slot>,
    /// Per segment, the title to find or create.
    pub titles: Vec<String>,
    /// The last `GET /lists` answer, once there is one.
    pub found: Option<Vec<ListEntry>>,
    /// A conflict or ambiguous create happened while a read was in flight: read again.
    fetch_again: bool,
}

impl Lists {
    /// Lists for segments with these titles, all pending.
    pub fn new(titles: Vec<String>) -> Self {
        Lists {
            slots: vec![Slot::Pending; titles.len()],
            titles,
            found: None,
            fetch_again: false,
        }
    }

    /// The id of segment `s`'s list, when known.
    pub fn id(&self, s: usize) -> Option<&str> {
        match self.slots.get(s) {
            Some(Slot::Known { id, .. }) => Some(id),
            _ => None,
        }
    }

    /// Whether every slot is settled (known or unneeded).
    pub fn settled(&self) -> bool {
        self.slots
            .iter()
            .all(|s| matches!(s, Slot::Known { .. } | Slot::Unneeded))
    }

    /// The title of segment `s`.
    pub fn title(&self, s: SegmentId) -> &str {
        self.titles.get(s.0 as usize).map_or("", String::as_str)
    }

    /// Asks for a `GET /lists` not before `not_before` (or after the one in flight).
    pub fn request_fetch(&mut self, sched: &mut Scheduler, not_before: f64) {
        if sched.queue.iter().any(|t| t.work == Work::FetchLists) {
            return;
        }
        if sched.in_flight_has(Work::FetchLists) {
            self.fetch_again = true;
            return;
        }
        sched.push(Task::new(Work::FetchLists, not_before));
    }

    /// Segment `s` needs its list: create it if it is not listed.
    pub fn need(&mut self, s: usize, sched: &mut Scheduler, now: f64) {
        if let Some(slot) = self.slots.get_mut(s) {
            if *slot == Slot::Pending {
                *slot = Slot::Creating;
                sched.push(Task::new(Work::CreateList(SegmentId(s as u32)), now));
            }
        }
    }

    /// Segment `s` needs no list: if it is not listed, none is created.
    pub fn not_needed(&mut self, s: usize) {
        if let Some(slot) = self.slots.get_mut(s) {
            if *slot == Slot::Pending {
                *slot = Slot::Unneeded;
            }
        }
    }

    /// A `GET /lists` answered: take the ids found, resolve conflicts and ambiguous creates.
    pub fn on_lists(
        &mut self,
        lists: Vec<ListEntry>,
        sched: &mut Scheduler,
        now: f64,
    ) -> Result<(), Error> {
        // A conflict or ambiguous create that happened while this read was in flight needs a
        // newer read: leave those for it.
        let resolve = !self.fetch_again;
        for (s, slot) in self.slots.iter_mut().enumerate() {
            if matches!(slot, Slot::Known { .. }) {
                continue;
            }
            let title = self.titles.get(s).map_or("", String::as_str);
            if let Some(id) = autopilot::find_list(&lists, title) {
                *slot = Slot::Known {
                    id: id.to_string(),
                    created: false,
                };
                let w = Work::CreateList(SegmentId(s as u32));
                sched.queue.retain(|t| t.work != w);
                continue;
            }
            match std::mem::replace(slot, Slot::Pending) {
                Slot::Conflict if resolve => {
                    return Err(Error::new(
                        ErrorCode::ApiError,
                        format!("Autopilot answered 409 (exists) when creating the list '{title}', but GET /lists does not show a list with that title; the run stopped."),
                    ));
                }
                Slot::Verify(mut task) if resolve => {
                    *slot = Slot::Creating;
                    task.not_before = now;
                    sched.push(task);
                }
                other => *slot = other,
            }
        }
        self.found = Some(lists);
        if self.fetch_again {
            self.fetch_again = false;
            sched.push(Task::new(Work::FetchLists, now));
        }
        Ok(())
    }

    /// A `POST /list` for segment `s` ended (`class`). `Err` ends the run.
    pub fn on_create(
        &mut self,
        s: SegmentId,
        task: Task,
        class: Class,
        sent_at: f64,
        sched: &mut Scheduler,
        now: f64,
    ) -> Result<(), Error> {
        let si = s.0 as usize;
        let title = self.title(s).to_string();
        let known = self.id(si).is_some();
        let fail = |detail: String| {
            Error::new(
                ErrorCode::Network,
                format!("could not create the Autopilot list '{title}': {detail}"),
            )
        };
        match class {
            Class::Ok(Parsed::Created(id)) => {
                sched.pacer.succeeded();
                if let Some(slot) = self.slots.get_mut(si) {
                    match slot {
                        Slot::Known { id: k, .. } if *k != id => {}
                        _ => *slot = Slot::Known { id, created: true },
                    }
                }
                Ok(())
            }
            Class::Ok(_) | Class::Gone => Ok(()),
            Class::Fatal(e) => Err(e),
            // The list was found meanwhile (e.g. by a read after another create's 409).
            _ if known => Ok(()),
            Class::Throttled(hint) => sched
                .retry_throttled(task, hint, sent_at, now)
                .map_err(fail),
            Class::Retryable(desc) => {
                let mut task = task;
                if !sched.count_error(&mut task) {
                    return Err(fail(format!(
                        "gave up after {} failed attempts; last: {desc}",
                        task.errors
                    )));
                }
                let at = now + sched.backoff_ms(task.errors + task.throttles);
                if let Some(slot) = self.slots.get_mut(si) {
                    *slot = Slot::Verify(task);
                }
                self.request_fetch(sched, at);
                Ok(())
            }
            Class::Conflict => {
                if let Some(slot) = self.slots.get_mut(si) {
                    *slot = Slot::Conflict;
                }
                self.request_fetch(sched, now);
                Ok(())
            }
            Class::Rejected(status, body) => Err(Error::new(
                ErrorCode::ApiError,
                format!(
                    "could not create the Autopilot list '{title}': {}; the run stopped.",
                    autopilot::describe_error(status, &body, None)
                ),
            )),
        }
    }
}
