//! Request pacing and retry backoff (DESIGN.md §5). Sans-IO: every function takes the current
//! time (`now_ms`, milliseconds on any monotonic-enough scale; the run uses epoch ms) and
//! never reads a clock or sleeps.
//!
//! - [`Pacer`]: a token bucket on **absolute send slots**. Each send books the next slot at
//!   `previous slot + 1/rate`, so a driver that wakes a little late (a timer firing a few
//!   milliseconds after the slot) does not push every later request back: there is no drift
//!   accumulating over a long run. Only when the driver is later than a small slack (10 % of an
//!   interval) — i.e. the bucket was idle — does the grid restart at the current time. The
//!   capacity (burst) is 1 by default, so requests are spread evenly. After a `429` the
//!   effective rate drops (×0.5, floor 0.1 of the configured rate, at most once per round
//!   trip) and sending pauses for an interval or for the server's `Retry-After`; each success
//!   then raises the rate again by 5 % of the configured rate.
//! - [`Backoff`]: exponential backoff with "equal jitter" (half fixed, half random), base 1 s,
//!   cap 30 s, from a deterministic [`SplitMix64`] seeded by the caller, so a run is
//!   reproducible in tests.

/// Lowest fraction of the configured rate the pacer slows down to after `429`s.
pub const MIN_RATE_FACTOR: f64 = 0.1;
/// Factor applied to the rate after a `429`.
pub const THROTTLE_FACTOR: f64 = 0.5;
/// Fraction of the configured rate regained after each success.
pub const RECOVERY_STEP: f64 = 0.05;
/// Lateness (as a fraction of the interval) up to which the slot grid is kept.
const SLACK: f64 = 0.1;
/// Longest `Retry-After` honoured, in milliseconds (a longer one is clamped).
pub const MAX_RETRY_AFTER_MS: f64 = 300_000.0;

/// Token bucket pacing on absolute send slots, with a rate factor lowered by throttling.
#[derive(Debug, Clone)]
pub struct Pacer {
    rate: f64,
    capacity: f64,
    factor: f64,
    /// Theoretical arrival time: the slot after the last booked one.
    tat: f64,
    /// No send before this time (after a `429`).
    pause_until: f64,
    /// Time of the last rate cut: `429`s for requests sent before it do not cut again.
    last_cut: f64,
}

impl Pacer {
    /// A pacer at `rate_per_second` (non-finite or non-positive → the default rate) with a bucket of
    /// `capacity` requests (at least 1). The first send may go at `now_ms`.
    pub fn new(rate_per_second: f64, capacity: u32, now_ms: f64) -> Self {
        let rate = if rate_per_second.is_finite() && rate_per_second > 0.0 {
            rate_per_second
        } else {
            crate::meta::DEFAULT_RATE
        };
        Pacer {
            rate,
            capacity: f64::from(capacity.max(1)),
            factor: 1.0,
            tat: now_ms,
            pause_until: f64::NEG_INFINITY,
            last_cut: f64::NEG_INFINITY,
        }
    }

    /// The configured rate (requests per second).
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The current fraction of the configured rate (1 when not throttled).
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// The current interval between sends, in milliseconds.
    pub fn interval_ms(&self) -> f64 {
        1000.0 / (self.rate * self.factor)
    }

    /// The earliest time the next request may be sent.
    pub fn ready_at(&self) -> f64 {
        let bucket = self.tat - (self.capacity - 1.0) * self.interval_ms();
        bucket.max(self.pause_until)
    }

    /// Whether a request may be sent at `now_ms`.
    pub fn is_ready(&self, now_ms: f64) -> bool {
        self.ready_at() <= now_ms
    }

    /// Books a send at `now_ms` (call only when [`Pacer::is_ready`]).
    pub fn take(&mut self, now_ms: f64) {
        let interval = self.interval_ms();
        if self.tat < now_ms - SLACK * interval {
            // Idle (or woken much later than the slot): restart the grid now.
            self.tat = now_ms;
        }
        self.tat += interval;
    }

    /// A request sent at `sent_ms` was answered `429` at `now_ms`; `retry_after_ms` is the
    /// server's hint. Cuts the rate (once per round trip), and pauses all sending for one new
    /// interval or the hint, whichever is longer.
    pub fn throttled(&mut self, sent_ms: f64, now_ms: f64, retry_after_ms: Option<f64>) {
        if sent_ms >= self.last_cut {
            self.factor = (self.factor * THROTTLE_FACTOR).max(MIN_RATE_FACTOR);
            self.last_cut = now_ms;
        }
        let hint = retry_after_ms
            .filter(|d| d.is_finite() && *d > 0.0)
            .map_or(0.0, |d| d.min(MAX_RETRY_AFTER_MS));
        let pause = self.interval_ms().max(hint);
        self.pause_until = self.pause_until.max(now_ms + pause);
    }

    /// A request succeeded: regain some rate.
    pub fn succeeded(&mut self) {
        self.factor = (self.factor + RECOVERY_STEP).min(1.0);
    }
}

/// SplitMix64: a tiny, fast, deterministic PRNG (for jitter, not for secrets).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Exponential backoff with jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Delay before the first retry (before jitter), in milliseconds.
    pub base_ms: f64,
    /// Largest delay (before jitter), in milliseconds.
    pub cap_ms: f64,
    rng: SplitMix64,
}

impl Backoff {
    /// Base 1 s, cap 30 s, jitter from `seed`.
    pub fn new(seed: u64) -> Self {
        Backoff {
            base_ms: 1000.0,
            cap_ms: 30_000.0,
            rng: SplitMix64::new(seed),
        }
    }

    /// The delay before retry number `failures` (1 for the first retry): `d = min(cap, base ·
    /// 2^(failures-1))`, then a uniform value in `[d/2, d)`.
    pub fn delay_ms(&mut self, failures: u32) -> f64 {
        let exp = failures.saturating_sub(1).min(30) as i32;
        let d = (self.base_ms * 2f64.powi(exp)).min(self.cap_ms);
        d / 2.0 + self.rng.next_f64() * d / 2.0
    }

    /// The delay when the server sent `Retry-After` (`hint_ms`, clamped to
    /// [`MAX_RETRY_AFTER_MS`]): the hint plus up to 10 % (at most 1 s) of jitter, so that
    /// retries of several throttled requests do not all land on the same instant.
    pub fn retry_after_delay_ms(&mut self, hint_ms: f64) -> f64 {
        let h = if hint_ms.is_finite() {
            hint_ms.clamp(0.0, MAX_RETRY_AFTER_MS)
        } else {
            0.0
        };
        h + self.rng.next_f64() * (h * 0.1).min(1000.0)
    }

    /// The delay for a retry after `failures` failures, honouring `retry_after_ms` when given
    /// (never earlier than the hint).
    pub fn next_delay_ms(&mut self, failures: u32, retry_after_ms: Option<f64>) -> f64 {
        match retry_after_ms {
            Some(h) if h.is_finite() && h >= 0.0 => self.retry_after_delay_ms(h),
            _ => self.delay_ms(failures),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_absolute_and_do_not_drift() {
        let mut p = Pacer::new(5.0, 1, 0.0);
        let mut now = 0.0;
        for i in 0..100 {
            assert!(p.is_ready(now), "slot {i}");
            p.take(now);
            // The driver wakes 3 ms late every time.
            now = p.ready_at() + 3.0;
        }
        // 100 sends booked on the 200 ms grid: the next slot is exactly 100 intervals later.
        assert_eq!(p.ready_at(), 100.0 * 200.0);
    }

    #[test]
    fn idle_bucket_restarts_the_grid_and_caps_the_burst() {
        let mut p = Pacer::new(5.0, 1, 0.0);
        p.take(0.0);
        assert_eq!(p.ready_at(), 200.0);
        // Idle for 10 s: one send now, the next one an interval later (capacity 1).
        p.take(10_000.0);
        assert!(!p.is_ready(10_000.0));
        assert_eq!(p.ready_at(), 10_200.0);
        let mut b = Pacer::new(5.0, 3, 0.0);
        b.take(0.0);
        b.take(0.0);
        b.take(0.0);
        assert!(!b.is_ready(0.0));
        assert_eq!(b.ready_at(), 200.0);
    }

    #[test]
    fn throttle_cuts_once_per_round_trip_and_recovers() {
        let mut p = Pacer::new(5.0, 1, 0.0);
        p.take(0.0);
        p.throttled(0.0, 250.0, None);
        assert_eq!(p.factor(), 0.5);
        // Another 429 for a request sent before the cut: no second cut.
        p.throttled(100.0, 260.0, None);
        assert_eq!(p.factor(), 0.5);
        assert!(p.ready_at() >= 250.0 + 400.0);
        p.throttled(700.0, 900.0, Some(5000.0));
        assert_eq!(p.factor(), 0.25);
        assert!(p.ready_at() >= 5900.0);
        for _ in 0..100 {
            p.throttled(f64::INFINITY, 1e9, None);
        }
        assert_eq!(p.factor(), MIN_RATE_FACTOR);
        for _ in 0..18 {
            p.succeeded();
        }
        assert_eq!(p.factor(), 1.0);
    }

    #[test]
    fn backoff_grows_caps_and_jitters_deterministically() {
        let mut a = Backoff::new(7);
        let mut b = Backoff::new(7);
        for f in 1..12 {
            let d = a.delay_ms(f);
            assert_eq!(d, b.delay_ms(f));
            let full = (1000.0 * 2f64.powi(f as i32 - 1)).min(30_000.0);
            assert!(d >= full / 2.0 && d < full, "failure {f}: {d}");
        }
        let r = a.next_delay_ms(3, Some(3000.0));
        assert!((3000.0..3300.0).contains(&r));
        let clamped = a.retry_after_delay_ms(1e12);
        assert!((MAX_RETRY_AFTER_MS..=MAX_RETRY_AFTER_MS + 1000.0).contains(&clamped));
    }
}
