//! What a request does ([`Work`]), with its retry state ([`Task`]), and typed indexes.

/// Index of a segment (order of `job.segments`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SegmentId(pub u32);

/// Index of an upsert batch of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BatchId(pub u32);

/// Index of a removal (into the diff's removals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RemovalId(pub u32);

/// What a request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// `GET /account`: which account the key belongs to (for the sync state).
    Account,
    /// `GET /lists`.
    FetchLists,
    /// `POST /list` for a segment's list.
    CreateList(SegmentId),
    /// Items `lo..hi` of a batch; `split` when it is part of a rejected request.
    Upsert {
        /// The batch.
        batch: BatchId,
        /// First item (offset in the batch).
        lo: u32,
        /// One past the last item.
        hi: u32,
        /// Whether this part comes from splitting a rejected request.
        split: bool,
    },
    /// `DELETE /list/{id}/contact/{id}`.
    Remove(RemovalId),
}

impl Work {
    /// The call, as messages name it.
    pub fn what(&self) -> &'static str {
        match self {
            Work::Account => "GET /account",
            Work::FetchLists => "GET /lists",
            Work::CreateList(_) => "POST /list",
            Work::Upsert { .. } => "POST /contacts",
            Work::Remove(_) => "DELETE /list/{id}/contact/{id}",
        }
    }

    /// Order among ready tasks: reads (the lists first: they are on the way to the first
    /// upsert), then list creation, then upserts by batch, then removals.
    pub fn order(&self) -> (u8, u32, u32) {
        match *self {
            Work::FetchLists => (0, 0, 0),
            Work::Account => (0, 1, 0),
            Work::CreateList(s) => (1, s.0, 0),
            Work::Upsert { batch, lo, .. } => (2, batch.0, lo),
            Work::Remove(r) => (3, r.0, 0),
        }
    }
}

/// A request with its retry state.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// What it does.
    pub work: Work,
    /// Sends so far.
    pub sends: u32,
    /// Sends that ended in an error (5xx, network, timeout, unreadable body).
    pub errors: u32,
    /// Sends answered 429.
    pub throttles: u32,
    /// Not before this time (monotonic ms).
    pub not_before: f64,
}

impl Task {
    /// A fresh task that may go at `not_before`.
    pub fn new(work: Work, not_before: f64) -> Self {
        Task {
            work,
            sends: 0,
            errors: 0,
            throttles: 0,
            not_before,
        }
    }
}
