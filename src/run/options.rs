//! Run and preview options as the caller passes them (JS `RunOptions`, `PreviewOptions`),
//! read once, checked against the bounds of [`crate::meta`], and resolved into [`Settings`].
//!
//! Unknown keys are issues (`UNKNOWN_FIELD`) reported next to every other problem; every
//! number is checked by its [`crate::meta::NumberSpec`] (`OPTION_OUT_OF_RANGE`); paths start
//! with `options.`. `signal` and `onProgress` are JS objects that the host's driver takes
//! before the rest reaches the core.

use crate::error::{Error, Issue};
use crate::meta::{
    self, NumberSpec, MAX_ATTEMPTS, MAX_IN_FLIGHT, MAX_REQUESTS, RATE_PER_SECOND,
    REQUEST_TIMEOUT_MS, SAMPLE,
};
use crate::report::Checkpoint;
use serde::Deserialize;

/// Keys of `RunOptions` / `PreviewOptions` whose values are JS objects the host's driver
/// takes itself before the rest is read here: the abort signal, the progress callback, the
/// sync state bytes (a `Uint8Array`, handed over as bytes) and the checkpoint callback
/// (called with [`crate::run::Run::interim_checkpoint`] after every finished batch).
pub const HOST_KEYS: [&str; 4] = ["signal", "onProgress", "syncState", "onCheckpoint"];

/// `exportSegments` options as the caller passes them (minus `signal` and `onProgress`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(rename = "CoreRunOptions")
)]
pub struct RunOptions {
    /// Requests per second (default 5).
    #[serde(default)]
    pub rate_per_second: Option<f64>,
    /// Concurrent requests (default: enough to use the whole rate).
    #[serde(default)]
    pub max_in_flight: Option<f64>,
    /// Per-request timeout in ms (default 30000).
    #[serde(default)]
    pub request_timeout_ms: Option<f64>,
    /// Attempts per request for 5xx, network errors and timeouts (default 6).
    #[serde(default)]
    pub max_attempts: Option<f64>,
    /// Stop cleanly after this many requests (status `paused` + checkpoint).
    #[serde(default)]
    pub max_requests: Option<f64>,
    /// Upsert every membership whatever the sync state says (removals still apply).
    #[serde(default)]
    pub full_resync: Option<bool>,
    /// Resume a previous run of the same job.
    #[serde(default)]
    pub checkpoint: Option<Checkpoint>,
    /// The `syncState` of the previous run's report.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub sync_state: Option<serde_bytes::ByteBuf>,
}

/// `preview` options as the caller passes them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(rename = "CorePreviewOptions")
)]
pub struct PreviewOptions {
    /// Rate for the duration estimate (default 5).
    #[serde(default)]
    pub rate_per_second: Option<f64>,
    /// The previous run's sync state: the preview then shows what a refresh would change.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub sync_state: Option<serde_bytes::ByteBuf>,
    /// Contacts per segment to render as they will be sent (default 3, at most 100).
    #[serde(default)]
    pub sample: Option<f64>,
    /// Preview a full resync.
    #[serde(default)]
    pub full_resync: Option<bool>,
    /// Accepted and checked like `RunOptions.maxInFlight`, so that one options object
    /// serves `preview` and `exportSegments`; a preview sends nothing.
    #[serde(default)]
    pub max_in_flight: Option<f64>,
    /// Accepted and checked like `RunOptions.requestTimeoutMs` (see `maxInFlight`).
    #[serde(default)]
    pub request_timeout_ms: Option<f64>,
    /// Accepted and checked like `RunOptions.maxAttempts` (see `maxInFlight`).
    #[serde(default)]
    pub max_attempts: Option<f64>,
    /// Accepted and checked like `RunOptions.maxRequests` (see `maxInFlight`).
    #[serde(default)]
    pub max_requests: Option<f64>,
    /// Accepted (read like `RunOptions.checkpoint`) and not used (see `maxInFlight`).
    #[serde(default)]
    pub checkpoint: Option<Checkpoint>,
}

/// The error for options that could not be read: a checkpoint that is not the object this
/// library writes is `CHECKPOINT_MISMATCH` (whatever is wrong inside it), anything else
/// `CONFIG_INVALID` with its issues.
pub fn options_error(issues: Vec<Issue>) -> Error {
    match issues.iter().find(|i| {
        let rest = i.path.strip_prefix("options.checkpoint");
        rest.is_some_and(|r| r.is_empty() || r.starts_with('.'))
    }) {
        Some(i) => Error::new(
            crate::error::ErrorCode::CheckpointMismatch,
            format!(
                "the checkpoint is not one this library wrote ({}: {})",
                i.path, i.message
            ),
        ),
        None => Error::from_issues(issues),
    }
}

/// Resolved tuning of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Requests per second.
    pub rate_per_second: f64,
    /// Most requests in flight.
    pub max_in_flight: u32,
    /// Per-request timeout, ms.
    pub request_timeout_ms: f64,
    /// Most sends of one request that end in an error.
    pub max_attempts: u32,
    /// Most `429` answers one request may get before it is given up.
    pub max_throttled: u32,
    /// Token bucket capacity (1: requests evenly spread).
    pub burst: u32,
    /// Most requests of this call (`None`: no limit).
    pub max_requests: Option<u64>,
    /// Upsert everything whatever the state says.
    pub full_resync: bool,
    /// Seed of the backoff jitter and of a new state's salt (the host passes randomness).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rate_per_second: meta::DEFAULT_RATE,
            max_in_flight: default_in_flight(meta::DEFAULT_RATE),
            request_timeout_ms: meta::DEFAULT_TIMEOUT_MS,
            max_attempts: meta::DEFAULT_MAX_ATTEMPTS,
            max_throttled: 50,
            burst: 1,
            max_requests: None,
            full_resync: false,
            seed: 0x5EED_A070_911E_7000,
        }
    }
}

/// Enough requests in flight to use the whole rate with sub-second latency:
/// `clamp(ceil(rate) + 1, 2, 64)`.
pub fn default_in_flight(rate: f64) -> u32 {
    (rate.ceil() + 1.0).clamp(2.0, 64.0) as u32
}

/// What a run needs besides its settings: the checkpoint and the sync state bytes.
pub type Resumption = (Option<Checkpoint>, Option<Vec<u8>>);

/// What a preview needs: rate, sync state bytes, sample size, full resync.
pub type PreviewSettings = (f64, Option<Vec<u8>>, u32, bool);

/// Checks `value` against `spec`, collecting an issue at `options.<name>`.
fn number(spec: &NumberSpec, value: Option<f64>, issues: &mut Vec<Issue>) -> Option<f64> {
    let v = value?;
    match spec.check(v, &format!("options.{}", spec.name)) {
        Some(issue) => {
            issues.push(issue);
            None
        }
        None => Some(v),
    }
}

/// The run numbers (`ratePerSecond`, `maxInFlight`, `requestTimeoutMs`, `maxAttempts`,
/// `maxRequests`) checked against their specs; a bad one is `None` with an issue.
fn run_numbers(values: [Option<f64>; 5], issues: &mut Vec<Issue>) -> [Option<f64>; 5] {
    let specs = [
        &RATE_PER_SECOND,
        &MAX_IN_FLIGHT,
        &REQUEST_TIMEOUT_MS,
        &MAX_ATTEMPTS,
        &MAX_REQUESTS,
    ];
    let mut out = [None; 5];
    for ((o, spec), v) in out.iter_mut().zip(specs).zip(values) {
        *o = number(spec, v, issues);
    }
    out
}

impl RunOptions {
    fn numbers(&self, issues: &mut Vec<Issue>) -> [Option<f64>; 5] {
        run_numbers(
            [
                self.rate_per_second,
                self.max_in_flight,
                self.request_timeout_ms,
                self.max_attempts,
                self.max_requests,
            ],
            issues,
        )
    }

    /// The out-of-range numbers as issues (`OPTION_OUT_OF_RANGE` at `options.<name>`), so
    /// that they are reported next to the job's issues before anything runs.
    pub fn issues(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        self.numbers(&mut issues);
        issues
    }

    /// The settings in force (`seed` from the host), the checkpoint and the state bytes.
    /// Errors: `CONFIG_INVALID` with an issue per bad number.
    pub fn resolve(self, seed: u64) -> Result<(Settings, Resumption), Error> {
        let mut issues = Vec::new();
        let [rate, in_flight, timeout, attempts, budget] = self.numbers(&mut issues);
        let rate = rate.unwrap_or(meta::DEFAULT_RATE);
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        let settings = Settings {
            rate_per_second: rate,
            max_in_flight: in_flight.map_or_else(|| default_in_flight(rate), |n| n as u32),
            request_timeout_ms: timeout.unwrap_or(meta::DEFAULT_TIMEOUT_MS),
            max_attempts: attempts.map_or(meta::DEFAULT_MAX_ATTEMPTS, |n| n as u32),
            max_requests: budget.map(|n| n as u64),
            full_resync: self.full_resync.unwrap_or(false),
            seed,
            ..Settings::default()
        };
        Ok((
            settings,
            (
                self.checkpoint,
                self.sync_state.map(serde_bytes::ByteBuf::into_vec),
            ),
        ))
    }
}

impl PreviewOptions {
    /// `(rate, state bytes, sample size, full resync)`. Errors: `CONFIG_INVALID`.
    pub fn resolve(self) -> Result<PreviewSettings, Error> {
        let mut issues = Vec::new();
        let [rate, ..] = run_numbers(
            [
                self.rate_per_second,
                self.max_in_flight,
                self.request_timeout_ms,
                self.max_attempts,
                self.max_requests,
            ],
            &mut issues,
        );
        let rate = rate.unwrap_or(meta::DEFAULT_RATE);
        let sample =
            number(&SAMPLE, self.sample, &mut issues).map_or(meta::DEFAULT_SAMPLE, |n| n as u32);
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        Ok((
            rate,
            self.sync_state.map(serde_bytes::ByteBuf::into_vec),
            sample,
            self.full_resync.unwrap_or(false),
        ))
    }
}

// The core's reader of these types (crate::read); the keys are serde's (a test checks them).
crate::read::readable_struct!(RunOptions {
    rate_per_second: "ratePerSecond",
    max_in_flight: "maxInFlight",
    request_timeout_ms: "requestTimeoutMs",
    max_attempts: "maxAttempts",
    max_requests: "maxRequests",
    full_resync: "fullResync",
    checkpoint: "checkpoint",
    sync_state: "syncState",
});
crate::read::readable_struct!(PreviewOptions {
    rate_per_second: "ratePerSecond",
    sync_state: "syncState",
    sample: "sample",
    full_resync: "fullResync",
    max_in_flight: "maxInFlight",
    request_timeout_ms: "requestTimeoutMs",
    max_attempts: "maxAttempts",
    max_requests: "maxRequests",
    checkpoint: "checkpoint",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IssueCode;

    #[test]
    fn only_the_checkpoint_and_what_is_inside_it_are_checkpoint_mismatches() {
        use crate::error::ErrorCode;
        let error = |text: &str| {
            let r: crate::read::Read<RunOptions> = crate::read::from_json_str(text, "options");
            options_error(r.issues)
        };
        let code = |text: &str| error(text).code;
        assert_eq!(code(r#"{"checkpoint": 5}"#), ErrorCode::CheckpointMismatch);
        assert_eq!(
            code(r#"{"checkpoint": {"done": [[1]]}}"#),
            ErrorCode::CheckpointMismatch
        );
        assert_eq!(
            code(r#"{"checkpoint": {"lists": 1}}"#),
            ErrorCode::CheckpointMismatch
        );
        // A misspelt option that starts like it is an unknown key, not a checkpoint.
        let e = error(r#"{"checkpoints": {}}"#);
        assert_eq!(e.code, ErrorCode::ConfigInvalid);
        assert_eq!(e.issues.len(), 1);
        assert_eq!(e.issues[0].path, "options.checkpoints");
        assert_eq!(e.issues[0].code, IssueCode::UnknownField);
    }

    #[test]
    fn one_set_of_bounds_and_codes() {
        let r: crate::read::Read<RunOptions> = crate::read::from_json_str(
            r#"{"ratePerSecond": 0, "maxInFlight": 300, "maxAtempts": 3}"#,
            "options",
        );
        let (opts, mut issues) = r.lenient().unwrap(); // ok: test
        if let Err(e) = opts.resolve(1) {
            issues.extend(e.issues);
        }
        let got: Vec<(&str, IssueCode)> =
            issues.iter().map(|i| (i.path.as_str(), i.code)).collect();
        assert_eq!(
            got,
            [
                ("options.maxAtempts", IssueCode::UnknownField),
                ("options.ratePerSecond", IssueCode::OptionOutOfRange),
                ("options.maxInFlight", IssueCode::OptionOutOfRange),
            ]
        );
    }

    #[test]
    fn defaults() {
        let (s, (cp, st)) = RunOptions::default().resolve(7).unwrap(); // ok: test
        assert_eq!(s.rate_per_second, 5.0);
        assert_eq!(s.max_in_flight, 6);
        assert_eq!(s.seed, 7);
        assert!(cp.is_none() && st.is_none());
    }
}
