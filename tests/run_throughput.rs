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
