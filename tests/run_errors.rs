//! Error handling of the run against the simulated Autopilot: bisection of 400s, 401/404,
//! unconfirmed contacts, exhausted retries, the lists phase (existing lists, 409, ambiguous
//! creates), Retry-After, throttling, the cap, and report invariants.
#![cfg(not(target_arch = "wasm32"))]

mod sim;

use autopilot_export::config::{ListMode, OverCap};
use autopilot_export::error::ErrorCode;
use autopilot_export::report::{RejectReason, RunStatus};
use autopilot_export::run::{Outcome, Run, RunOptions, Settings, Step};
use sim::{Fate, Sim, SimConfig, T0};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The expected store when the memberships `failed` (segment, row) were not delivered.
/// With `lists == false` (lists: 'none'), contacts carry no list.
fn expected_without(ds: &sim::Dataset, failed: &HashSet<(u32, u64)>, lists_on: bool) -> sim::Store {
    let mut lists: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (s, members) in ds.members.iter().enumerate() {
        for (email, row) in members {
            if !failed.contains(&(s as u32, *row)) {
                let l = lists.entry(email).or_default();
                if lists_on {
                    l.insert(format!("{}{}", sim::LIST_PREFIX, ds.segment_names[s]));
                }
            }
        }
    }
    lists
        .into_iter()
        .map(|(email, l)| {
            let (sent, fields, _) = ds.expected[email].clone();
            (email.to_string(), (sent, fields, l))
        })
        .collect()
}

/// Like `Sim::assert_store(expected_without(..))`, but memberships that failed with
/// `RETRIES_EXHAUSTED` may or may not have been applied.
fn assert_store_allowing(server: &Sim, ds: &sim::Dataset, report: &autopilot_export::ExportReport) {
    let failed: HashMap<(u32, u64), RejectReason> = report
        .rejects
        .iter()
        .filter(|r| !r.reason.is_input())
        .map(|r| ((r.segment, r.row), r.reason))
        .collect();
    let mut definite: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut maybe: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (s, members) in ds.members.iter().enumerate() {
        let title = format!("{}{}", sim::LIST_PREFIX, ds.segment_names[s]);
        for (email, row) in members {
            match failed.get(&(s as u32, *row)) {
                None => definite.entry(email).or_default().insert(title.clone()),
                Some(RejectReason::RetriesExhausted) => {
                    maybe.entry(email).or_default().insert(title.clone())
                }
                Some(_) => false,
            };
        }
    }
    let snap = server.snapshot();
    for (email, (sent, fields, lists)) in &snap {
        let (want_sent, want_fields, _) = &ds.expected[email.as_str()];
        assert_eq!((sent, fields), (want_sent, want_fields), "{email}");
        let lo = definite.get(email.as_str()).cloned().unwrap_or_default();
        let mut hi = lo.clone();
        hi.extend(maybe.get(email.as_str()).cloned().unwrap_or_default());
        assert!(
            lo.is_subset(lists) && lists.is_subset(&hi),
            "{email}: lists {lists:?}, expected {lo:?} plus maybe {hi:?}"
        );
    }
    for email in definite.keys() {
        assert!(
            snap.contains_key(*email),
            "{email} is missing from the store"
        );
    }
}

fn failed_refs(report: &autopilot_export::ExportReport) -> HashSet<(u32, u64)> {
    report
        .rejects
        .iter()
        .filter(|r| !r.reason.is_input())
        .map(|r| (r.segment, r.row))
        .collect()
}

/// Row of person `i` in segment `s`.
fn row_of(ds: &sim::Dataset, s: usize, i: usize) -> u64 {
    let needle = format!("user.{i}@");
    ds.members[s]
        .iter()
        .find(|(e, _)| e.starts_with(&needle))
        .map(|(_, r)| *r)
        .expect("person in segment")
}

#[test]
fn poison_contacts_are_isolated_by_bisection() {
    let poison = [7usize, 42, 93];
    let ds = sim::synth(100, 1, 0.0, 3, &|i| {
        poison.contains(&i).then_some(sim::POISON)
    });
    let mut run = sim::start(&ds, ListMode::None, |_| {});
    let mut server = Sim::new(SimConfig::default());
    server.drive(&mut run, None);
    let report = run.report(server.now);
    let batches = run.batches().expect("prepared");
    assert_eq!(batches.count(), 1);
    assert_eq!(batches.batch(0).len(), 100);

    assert_eq!(report.status, RunStatus::Partial);
    assert_eq!(report.totals.exported, 97);
    assert_eq!(report.totals.failed, 3);
    let failed: Vec<_> = report
        .rejects
        .iter()
        .filter(|r| !r.reason.is_input())
        .collect();
    let rows: BTreeSet<u64> = failed.iter().map(|r| r.row).collect();
    assert_eq!(rows, poison.iter().map(|&i| row_of(&ds, 0, i)).collect());
    for r in &failed {
        assert_eq!(r.reason, RejectReason::ServerRejected);
        let detail = r.detail.as_deref().unwrap_or("");
        assert_eq!(
            detail,
            "HTTP 400 Bad Request: Invalid contact data for [email]."
        );
    }
    // Every upsert after the first was caused by bisecting; the other request is GET /account.
    let posts = server.contact_posts().count() as u64;
    assert_eq!(report.requests.bisected, posts - 1);
    assert_eq!(report.requests.sent, posts + 1);
    // The 400s are errors in the counters.
    assert_eq!(report.requests.errors, server.stats.bad_requests);
    println!("3 poison contacts in 100: {posts} requests");
    assert!(
        posts <= 1 + 2 * 3 * 7,
        "bisection is logarithmic per poison contact: {posts}"
    );
    server.assert_store(&expected_without(&ds, &failed_refs(&report), false));
    sim::assert_finished_invariants(&report);
}

#[test]
fn unauthorized_stops_the_run_at_once() {
    // At the very first request (GET /account).
    let ds = sim::synth(500, 2, 0.3, 4, &|_| None);
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    let mut server = Sim::new(SimConfig {
        auth_fail_from: Some(0),
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    assert_eq!(server.stats.requests, 1);
    let e = run.error().expect("an error");
    assert_eq!(e.code, ErrorCode::AuthFailed);
    assert!(!e.message.contains(sim::KEY));
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        report.error.as_ref().map(|e| e.code.as_str()),
        Some("AUTH_FAILED")
    );

    // In the middle of the upserts, with several requests in flight.
    let ds = sim::synth(5000, 1, 0.0, 5, &|_| None);
    let mut run = sim::start(&ds, ListMode::None, |o| o.max_in_flight = 8);
    let mut server = Sim::new(SimConfig {
        auth_fail_from: Some(20),
        latency_ms: 900.0,
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    assert_eq!(run.error().map(|e| e.code), Some(ErrorCode::AuthFailed));
    assert!(run.is_done() && run.in_flight_ids().is_empty());
    assert_eq!(run.next(server.now + 60_000.0), Step::Done);
    let first_401 = server
        .log
        .iter()
        .filter(|e| e.fate == Fate::Status(401))
        .map(|e| e.delivered_at)
        .fold(f64::INFINITY, f64::min);
    assert!(first_401.is_finite());
    let after: Vec<_> = server
        .log
        .iter()
        .filter(|e| e.sent_at >= first_401)
        .collect();
    assert!(
        after.is_empty(),
        "requests sent after the 401 arrived: {}",
        after.len()
    );
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        report
            .checkpoint
            .done
            .iter()
            .map(|[a, b]| b - a + 1)
            .sum::<u32>(),
        19,
        "the batches answered before the 401 are in the checkpoint (request 1 read the account)"
    );
    // Answers of the abandoned requests are ignored.
    assert!(!run.complete(25, Outcome::response(200, "{}"), server.now));
}

#[test]
fn not_found_stops_with_api_error() {
    let ds = sim::synth(300, 1, 0.0, 6, &|_| None);
    let mut run = sim::start(&ds, ListMode::None, |_| {});
    let mut server = Sim::new(SimConfig {
        not_found: true,
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    let e = run.error().expect("an error");
    assert_eq!(e.code, ErrorCode::ApiError);
    assert!(e.message.contains("base URL"), "{}", e.message);
    assert_eq!(server.stats.requests, 1);
    assert_eq!(run.report(server.now).status, RunStatus::Failed);
}

#[test]
fn contacts_missing_from_the_map_are_not_confirmed() {
    let ds = sim::synth(250, 2, 0.5, 7, &|_| None);
    let missing: Vec<String> = ds.expected.keys().step_by(60).cloned().collect();
    let mut server = Sim::new(SimConfig {
        unconfirmed: missing.iter().cloned().collect(),
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Partial);
    let expected_failed: u64 = ds
        .members
        .iter()
        .flatten()
        .filter(|(e, _)| missing.contains(e))
        .count() as u64;
    assert!(expected_failed >= missing.len() as u64);
    assert_eq!(report.totals.failed, expected_failed);
    assert!(report
        .rejects
        .iter()
        .filter(|r| !r.reason.is_input())
        .all(|r| r.reason == RejectReason::NotConfirmed));
    assert_eq!(
        report.totals.exported,
        report.totals.memberships - expected_failed
    );
    server.assert_store(&expected_without(&ds, &failed_refs(&report), true));
    sim::assert_finished_invariants(&report);
}

#[test]
fn exhausted_retries_fail_the_batch_and_the_run_continues() {
    let ds = sim::synth(1000, 1, 0.0, 8, &|i| (i == 5).then_some(sim::ALWAYS_503));
    let mut run = sim::start(&ds, ListMode::None, |_| {});
    let mut server = Sim::new(SimConfig::default());
    server.drive(&mut run, None);
    let report = run.report(server.now);
    let broken_batch = sim::batch_with(&run, "user.5@").unwrap();
    let size = run.batches().unwrap().batch(broken_batch).len() as u64;
    assert_eq!(report.status, RunStatus::Partial);
    assert_eq!(report.totals.failed, size);
    assert_eq!(report.totals.exported, report.totals.memberships - size);
    let attempts = server
        .contact_posts()
        .filter(|e| e.batch == Some(broken_batch as u32))
        .count();
    assert_eq!(attempts, 6, "max_attempts sends");
    for r in report.rejects.iter().filter(|r| !r.reason.is_input()) {
        assert_eq!(r.reason, RejectReason::RetriesExhausted);
        assert!(
            r.detail
                .as_deref()
                .unwrap_or("")
                .contains("gave up after 6 failed attempts; last: HTTP 503"),
            "{:?}",
            r.detail
        );
    }
    assert_eq!(report.requests.errors, 6);
    assert_eq!(report.requests.retried, 5);
    // Batches after the broken one were delivered.
    assert!(broken_batch + 1 < run.batches().unwrap().count());
    server.assert_store(&expected_without(&ds, &failed_refs(&report), false));
}

#[test]
fn lists_phase_creates_only_missing_lists() {
    let ds = sim::synth(400, 3, 0.3, 9, &|_| None);
    let titles: Vec<String> = ds
        .segment_names
        .iter()
        .map(|n| format!("{}{n}", sim::LIST_PREFIX))
        .collect();
    let mut server = Sim::new(SimConfig {
        existing_lists: vec![titles[0].clone(), "Unrelated".into()],
        ..SimConfig::default()
    });
    let existing_id = server.lists[0].0.clone();
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(server.stats.list_gets, 1);
    assert_eq!(server.stats.list_creates, 2);
    assert_eq!(server.lists.len(), 4);
    assert_eq!(
        report.segments[0].list_id.as_deref(),
        Some(existing_id.as_str())
    );
    assert!(!report.segments[0].list_created);
    #[allow(clippy::needless_range_loop)]
    for s in 1..3 {
        assert!(report.segments[s].list_created);
        let id = report.segments[s].list_id.clone().unwrap();
        assert_eq!(
            server
                .lists
                .iter()
                .find(|(_, t)| *t == titles[s])
                .map(|(i, _)| i.clone()),
            Some(id)
        );
    }
    server.assert_store(&ds.expected);
}

#[test]
fn conflict_on_create_reads_the_lists_again() {
    let ds = sim::synth(400, 3, 0.3, 10, &|_| None);
    let titles: Vec<String> = ds
        .segment_names
        .iter()
        .map(|n| format!("{}{n}", sim::LIST_PREFIX))
        .collect();
    // Segment 1's list exists but the first GET /lists does not show it.
    let mut server = Sim::new(SimConfig {
        hidden_lists: vec![titles[1].clone()],
        hidden_for_gets: 1,
        ..SimConfig::default()
    });
    let hidden_id = server.lists[0].0.clone();
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert_eq!(server.stats.conflicts, 1);
    assert_eq!(server.stats.list_gets, 2);
    assert_eq!(server.lists.len(), 3, "no duplicate list");
    assert_eq!(
        report.segments[1].list_id.as_deref(),
        Some(hidden_id.as_str())
    );
    assert!(!report.segments[1].list_created);
    assert!(report.segments[0].list_created && report.segments[2].list_created);
    server.assert_store(&ds.expected);

    // Still not listed after the 409: the run fails with a clear error, no contact is sent.
    let mut server = Sim::new(SimConfig {
        hidden_lists: vec![titles[1].clone()],
        hidden_for_gets: u32::MAX,
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    server.drive(&mut run, None);
    let e = run.error().expect("an error");
    assert_eq!(e.code, ErrorCode::ApiError);
    assert!(
        e.message.contains(&titles[1]) && e.message.contains("409"),
        "{}",
        e.message
    );
    assert_eq!(server.stats.contact_posts, 0);
    assert_eq!(run.report(server.now).status, RunStatus::Failed);
}

#[test]
fn ambiguous_create_is_verified_before_it_is_retried() {
    let ds = sim::synth(300, 2, 0.3, 11, &|_| None);
    // The first create is applied but its answer comes after the client's timeout.
    let mut server = Sim::new(SimConfig {
        timeout_first_creates: 1,
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::PerSegment, |o| o.request_timeout_ms = 2000.0);
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert_eq!(
        server.stats.list_creates, 2,
        "the timed-out create is not repeated"
    );
    assert_eq!(
        server.stats.list_gets, 2,
        "the lists are read again instead"
    );
    assert_eq!(server.lists.len(), 2);
    assert_eq!(report.requests.errors, 1);
    server.assert_store(&ds.expected);
}

#[test]
fn retry_after_is_honoured() {
    let ds = sim::synth(500, 1, 0.0, 12, &|_| None);
    let mut server = Sim::new(SimConfig {
        force_429_first_contacts: 1,
        retry_after: Some("3".into()),
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::None, |_| {});
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.requests.throttled, 1);
    assert_eq!(
        server.stats.list_gets + server.stats.list_creates,
        0,
        "no list requests without lists"
    );
    let throttled = server
        .log
        .iter()
        .find(|e| e.fate == Fate::Status(429))
        .unwrap();
    let later: Vec<_> = server
        .log
        .iter()
        .filter(|e| e.sent_at > throttled.sent_at)
        .collect();
    // Requests already in flight aside, nothing is sent until Retry-After has passed.
    let resumed_at = later
        .iter()
        .filter(|e| e.sent_at >= throttled.delivered_at)
        .map(|e| e.sent_at)
        .fold(f64::INFINITY, f64::min);
    assert!(
        resumed_at >= throttled.delivered_at + 3000.0,
        "sent {} ms after the 429",
        resumed_at - throttled.delivered_at
    );
    let retry = server
        .log
        .iter()
        .find(|e| e.batch == throttled.batch && e.attempt == 2)
        .unwrap();
    assert!(
        retry.sent_at >= throttled.delivered_at + 3000.0
            && retry.sent_at <= throttled.delivered_at + 3300.0 + 200.0
    );
    server.assert_store(&sim::without_lists(&ds.expected));
}

#[test]
fn throttling_slows_the_bucket_down() {
    // The server allows 4 requests/second, the run is told 5.
    let ds = sim::synth(3000, 1, 0.0, 13, &|_| None);
    let mut server = Sim::new(SimConfig {
        rate_per_second: 4.0,
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::None, |_| {});
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded);
    let r = &report.requests;
    println!(
        "client 5 r/s vs server 4 r/s: {} requests, {} throttled, {:.1} s",
        r.sent,
        r.throttled,
        report.duration_ms / 1000.0
    );
    assert!(r.throttled > 0);
    assert!(
        r.throttled * 4 < r.sent,
        "the bucket adapts: {} of {} throttled",
        r.throttled,
        r.sent
    );
    server.assert_store(&sim::without_lists(&ds.expected));
}

#[test]
fn bad_bodies_are_retried_like_server_errors() {
    let ds = sim::synth(2000, 2, 0.3, 14, &|_| None);
    let mut server = Sim::new(SimConfig {
        p_bad_body: 0.1,
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert!(server.stats.bad_bodies > 0);
    assert_eq!(report.requests.errors, server.stats.bad_bodies);
    server.assert_store(&ds.expected);
}

#[test]
fn cap_exceeded_in_refuse_mode_sends_nothing() {
    let ds = sim::synth(120, 2, 0.3, 15, &|_| None);
    let mut config = sim::config(&ds, ListMode::PerSegment);
    config.cap = Some(100.0);
    let mut run = Run::new(config.clone(), Settings::default(), None, None, T0, T0).unwrap();
    let err = run.attach(sim::plan(&config, &ds), T0).unwrap_err();
    assert_eq!(err.code, ErrorCode::CapExceeded);
    assert_eq!(run.next(T0), Step::Done, "nothing is sent");
    assert!(
        err.message.contains("120") && err.message.contains("100"),
        "{}",
        err.message
    );

    // Truncate: the first 100 unique profiles are sent.
    config.over_cap_mode = Some(OverCap::Truncate);
    let plan = sim::plan(&config, &ds);
    assert_eq!(plan.contacts.len(), 100);
    let mut run = Run::new(config.clone(), Settings::default(), None, None, T0, T0).unwrap();
    run.attach(plan, T0).unwrap();
    let mut server = Sim::new(SimConfig::default());
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(server.contacts.len(), 100);
    assert_eq!(report.totals.unique_profiles, 100);
    assert_eq!(report.totals.exported, report.totals.memberships);
    assert!(report.totals.over_cap > 0);
}

#[test]
fn invalid_options_are_config_errors() {
    for opts in [
        RunOptions {
            rate_per_second: Some(0.0),
            ..RunOptions::default()
        },
        RunOptions {
            rate_per_second: Some(f64::NAN),
            ..RunOptions::default()
        },
        RunOptions {
            max_in_flight: Some(0.0),
            ..RunOptions::default()
        },
        RunOptions {
            max_attempts: Some(0.0),
            ..RunOptions::default()
        },
        RunOptions {
            request_timeout_ms: Some(-1.0),
            ..RunOptions::default()
        },
        RunOptions {
            max_requests: Some(2.5),
            ..RunOptions::default()
        },
    ] {
        let e = opts.resolve(1).unwrap_err();
        assert_eq!(e.code, ErrorCode::ConfigInvalid);
        assert_eq!(e.issues.len(), 1);
        assert!(e.issues[0].path.starts_with("options."), "{:?}", e.issues);
    }
}

#[test]
fn report_invariants_hold_under_random_faults() {
    for seed in 0..8u64 {
        let mut rng = sim::Rng::new(seed);
        let poison: HashSet<usize> = (0..3).map(|_| rng.below(1500) as usize).collect();
        let broken = rng.below(1500) as usize;
        let ds = sim::synth(1500, 3, 0.35, 300 + seed, &|i| {
            if poison.contains(&i) {
                Some(sim::POISON)
            } else if i == broken {
                Some(sim::ALWAYS_503)
            } else {
                None
            }
        });
        let unconfirmed: HashSet<String> = ds
            .expected
            .keys()
            .skip(rng.below(100) as usize)
            .step_by(400)
            .cloned()
            .collect();
        let mut server = Sim::new(SimConfig {
            seed,
            p_5xx: 0.06,
            p_drop: 0.03,
            p_timeout: 0.02,
            p_bad_body: 0.01,
            p_429_burst: 0.01,
            burst: 2.0,
            unconfirmed,
            ..SimConfig::default()
        });
        let mut run = sim::start(&ds, ListMode::PerSegment, |o| {
            o.seed = seed;
            o.max_attempts = 4;
            o.request_timeout_ms = 5000.0;
        });
        let d = server.drive(&mut run, None);
        let report = run.report(server.now);
        assert_eq!(
            report.status,
            RunStatus::Partial,
            "seed {seed}: {:?}",
            report.error
        );
        sim::assert_counts(&report, &ds);
        sim::assert_finished_invariants(&report);
        assert_eq!(d.batches_finished, run.batches().unwrap().count() as u64);
        assert_eq!(d.progress_calls, d.batches_finished);
        let r = &report.requests;
        assert_eq!(r.sent, server.stats.requests);
        assert_eq!(r.throttled, server.stats.throttled);
        assert_eq!(
            r.errors,
            server.stats.errors_5xx
                + server.stats.dropped
                + server.stats.timeouts
                + server.stats.bad_bodies
                + server.stats.bad_requests
        );
        assert!(report
            .rejects
            .iter()
            .any(|r| r.reason == RejectReason::ServerRejected));
        assert!(report
            .rejects
            .iter()
            .any(|r| r.reason == RejectReason::NotConfirmed));
        assert!(report
            .rejects
            .iter()
            .any(|r| r.reason == RejectReason::RetriesExhausted));
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            !json.contains('@'),
            "seed {seed}: the report carries an email"
        );
        // A contact whose retries ran out may still have been applied by an attempt whose
        // answer was lost (timeout, dropped connection): it may or may not be in the store.
        assert_store_allowing(&server, &ds, &report);
        let p = run.progress(server.now);
        assert_eq!(
            (p.batches_done, p.exported, p.failed),
            (
                p.batches_total,
                report.totals.exported,
                report.totals.failed
            )
        );
    }
}
