//! Scheduled refreshes (DESIGN.md §9, issue 11): the sync state a run leaves behind, the diff
//! of the next run against it, and the new state built from what that run confirmed.
//!
//! - [`state`]: the state and its versioned, checksummed binary format.
//! - [`diff`]: added / updated / unchanged / removed, the upserts and removals, the guard.
//! - [`builder`]: the state after a run: the base with every confirmed change applied.

pub mod builder;
pub mod diff;
pub mod state;

pub use builder::{lists_by_title, Identity, SegmentList, StateBuilder};
pub use diff::{diff, removal_limit, Changes, ContactHashes, Diff, DiffOptions, GuardHit, Removal};
pub use state::{AccountKind, ContactId, Entry, Hashes, ListState, SyncState, STATE_VERSION};
