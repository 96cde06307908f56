//! Throughput and fault tolerance of the run against the simulated Autopilot (100,000
//! profiles, 3 segments, 5 requests/second, 250 ms latency).
#![cfg(not(target_arch = "wasm32"))]

mod sim;

use autopilot_export::config::ListMode;
use autopilot_export::report::RunStatus;
use sim::{Fate, Sim, SimConfig};

const PEOPLE: usize = 100_000;

#[test]
fn healthy_run_uses_the_whole_rate_without_429() {
    let ds = sim::synth(PEOPLE, 3, 0.4, 11, &|_| None);
    let mut run = sim::start(&ds, ListMode::PerSegment, |o| o.seed = 1);
    let mut server = Sim::new(SimConfig {
        latency_ms: 250.0,
        jitter_ms: 50.0,
        rate_per_second: 5.0,
        burst: 1.0,
        seed: 2,
        ..SimConfig::default()
    });
    let d = server.drive(&mut run, None);
    let report = run.report(server.now);
    let batches = run.batches().unwrap().count() as u64;

    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert_eq!(server.stats.throttled, 0);
    assert_eq!(report.requests.throttled, 0);
    assert_eq!(report.requests.retried, 0);
    let requests = server.stats.requests;
    assert_eq!(requests, report.requests.sent);
    assert_eq!(
        requests,
        2 + 3 + batches,
        "GET /account + GET /lists + 3 creates + one POST per batch"
    );
    let floor_s = requests as f64 / 5.0;
    let elapsed_s = report.duration_ms / 1000.0;
    let ratio = elapsed_s / floor_s;
    println!("healthy: {requests} requests, elapsed {elapsed_s:.3} s, floor {floor_s:.3} s, ratio {ratio:.5}");
    assert!(
        ratio <= 1.02,
        "elapsed {elapsed_s} s vs floor {floor_s} s: ratio {ratio}"
    );

    assert_eq!(report.totals.exported, report.totals.memberships);
    assert_eq!(report.totals.unique_profiles, PEOPLE as u64);
    assert_eq!(d.batches_finished, batches);
    sim::assert_counts(&report, &ds);
    sim::assert_finished_invariants(&report);
    assert_eq!(server.stats.duplicate_in_request, 0);
    assert_eq!(server.stats.oversized, 0);
    assert!(server.contact_posts().all(|e| e.contacts <= 100));
    server.assert_store(&ds.expected);
    for seg in &report.segments {
        assert!(seg.list_created && seg.list_id.is_some());
    }
}

#[test]
fn faulty_run_confirms_every_contact_with_exact_counts() {
    let ds = sim::synth(PEOPLE, 3, 0.4, 12, &|_| None);
    let mut run = sim::start(&ds, ListMode::PerSegment, |o| o.seed = 3);
    let mut server = Sim::new(SimConfig {
        latency_ms: 250.0,
        jitter_ms: 50.0,
        rate_per_second: 5.0,
        burst: 2.0,
        p_5xx: 0.05,
        p_drop: 0.02,
        p_timeout: 0.02,
        p_429_burst: 0.004,
        burst_429_ms: 1500.0,
        seed: 4,
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    let report = run.report(server.now);
    let batches = run.batches().unwrap().count();
    let st = &server.stats;
    println!(
        "faulty: {} requests ({} throttled, {} 5xx, {} dropped, {} timeouts), simulated {:.1} s",
        st.requests,
        st.throttled,
        st.errors_5xx,
        st.dropped,
        st.timeouts,
        report.duration_ms / 1000.0
    );
    assert!(
        st.throttled > 0 && st.errors_5xx > 0 && st.dropped > 0 && st.timeouts > 0,
        "faults were injected: {st:?}"
    );
    assert!(server
        .log
        .iter()
        .any(|e| e.fate == Fate::Dropped { applied: true }));
    assert!(server
        .log
        .iter()
        .any(|e| e.fate == Fate::Dropped { applied: false }));

    assert_eq!(
        report.status,
        RunStatus::Succeeded,
        "{:?} {:?}",
        report.error,
        report.rejects.iter().find(|r| !r.reason.is_input())
    );
    assert_eq!(report.totals.failed, 0);
    assert_eq!(report.totals.exported, report.totals.memberships);
    sim::assert_counts(&report, &ds);
    sim::assert_finished_invariants(&report);
    server.assert_store(&ds.expected);
    assert_eq!(st.duplicate_in_request, 0);

    // Request counters are exact.
    let r = &report.requests;
    assert_eq!(r.sent, st.requests);
    assert_eq!(r.throttled, st.throttled);
    assert_eq!(r.errors, st.errors_5xx + st.dropped + st.timeouts);
    let first_attempts = server.log.iter().filter(|e| e.attempt == 1).count() as u64;
    assert_eq!(r.sent - r.retried, first_attempts);
    assert_eq!(
        server.contact_posts().filter(|e| e.attempt == 1).count(),
        batches,
        "one first attempt per batch"
    );
    assert_eq!(r.bisected, 0);
    // Exactly three lists, each created once.
    assert_eq!(server.lists.len(), 3);
}

#[test]
fn the_first_upsert_leaves_after_the_lists_phase_only() {
    // Without a sync state, nothing waits for the account read (one pacing interval after
    // the lists read), and the first batches hold only the first segment's memberships: the
    // first upsert goes as soon as GET /lists and the first POST /list have answered.
    let ds = sim::synth(10_000, 3, 0.4, 21, &|_| None);
    let mut run = sim::start(&ds, ListMode::PerSegment, |o| {
        o.seed = 5;
        o.rate_per_second = 100.0;
        o.max_in_flight = 64;
    });
    let latency = 250.0;
    let mut server = Sim::new(SimConfig {
        latency_ms: latency,
        jitter_ms: 0.0,
        rate_per_second: 100.0,
        burst: 1.0,
        seed: 6,
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    let first_upsert = server
        .contact_posts()
        .map(|e| e.sent_at)
        .fold(f64::MAX, f64::min);
    let t0 = server
        .log
        .iter()
        .map(|e| e.sent_at)
        .fold(f64::MAX, f64::min);
    assert!(
        first_upsert - t0 <= 2.0 * latency + 1.0,
        "first upsert {} ms after the first request (the lists phase is {} ms)",
        first_upsert - t0,
        2.0 * latency
    );
    // The state still names the account (it answered before the end).
    let state = autopilot_export::sync::SyncState::decode(&report.sync_state).expect("a state");
    assert_eq!(
        state.account_kind,
        autopilot_export::sync::AccountKind::Instance
    );
}

#[test]
fn a_state_written_before_the_background_hashing_ends_is_exact() {
    // A run without a base state hashes its contacts for the next state while it waits
    // between sends; one that stops early (here after a few requests) writes the state with
    // the rest hashed then. Every entry must hold the hash of its contact as sent.
    let ds = sim::synth(60_000, 2, 0.4, 31, &|_| None);
    let mut run = sim::start(&ds, ListMode::PerSegment, |o| {
        o.seed = 7;
        o.max_requests = Some(8);
        o.rate_per_second = 1000.0;
        o.max_in_flight = 16;
    });
    let mut server = Sim::new(SimConfig {
        latency_ms: 50.0,
        rate_per_second: 1000.0,
        seed: 8,
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Paused, "{:?}", report.error);
    let state = autopilot_export::sync::SyncState::decode(&report.sync_state).expect("a state");
    let plan = run.plan().expect("a plan");
    let h = state.hashes();
    let by_email: std::collections::HashMap<u64, u64> = plan
        .contacts
        .iter()
        .map(|c| {
            let email = h.email(&c.email.to_ascii_lowercase());
            (email, h.contact(&c.email, &plan.fields(c)))
        })
        .collect();
    let entries: Vec<_> = state.lists.iter().flat_map(|l| &l.entries).collect();
    assert!(entries.len() > 100, "{} entries", entries.len());
    for e in entries {
        assert_eq!(by_email.get(&e.email), Some(&e.contact));
    }
}
