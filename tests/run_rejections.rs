//! Rejections after sending (issue 14): a systemic 400 stops the run early instead of
//! bisecting everything, a 400 that names the offending index is split there, every reject
//! after sending carries the `idField` value, and a run with nothing to send ends
//! `NOTHING_TO_EXPORT` without creating a list.
#![cfg(not(target_arch = "wasm32"))]

mod sim;

use autopilot_export::config::ListMode;
use autopilot_export::error::ErrorCode;
use autopilot_export::report::{RejectReason, RunStatus};
use autopilot_export::run::{Run, Settings, Step, SYSTEMIC_REJECTIONS};
use sim::{Sim, SimConfig, T0};

/// The case of the bug report: 686 contacts, every one answered 400 with the same message.
/// Before: 1,367 requests (every batch bisected down to single contacts) and "0 errors".
#[test]
fn systemic_rejections_stop_early_with_api_error() {
    let ds = sim::synth(686, 1, 0.0, 14, &|_| None);
    let mut run = sim::start(&ds, ListMode::PerSegment, |_| {});
    let mut server = Sim::new(SimConfig {
        reject_all: Some("Invalid value for custom field integer--Orders of {email}".into()),
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    let report = run.report(server.now);

    assert_eq!(report.status, RunStatus::Failed);
    let e = run.error().expect("the run stopped with an error");
    assert_eq!(e.code, ErrorCode::ApiError);
    assert!(
        e.message
            .contains("Invalid value for custom field integer--Orders of [email]"),
        "the message quotes Autopilot's answer: {}",
        e.message
    );
    assert!(
        !e.message.contains("@example"),
        "emails are stripped: {}",
        e.message
    );
    assert!(e.message.contains("were not sent"), "{}", e.message);

    let posts = server.contact_posts().count() as u64;
    println!(
        "systemic 400 on {} memberships: {posts} POST /contacts, {} requests in all (before: 1,367)",
        report.totals.memberships, report.requests.sent
    );
    // Bisection of a batch of 100 to single contacts takes 2 * 100 - 1 requests; the run
    // stops after SYSTEMIC_REJECTIONS isolations, so well under two batches' worth.
    assert!(posts < 200, "{posts} requests");
    // The 400s are errors in the counters.
    assert_eq!(report.requests.errors, server.stats.bad_requests);
    assert!(report.requests.errors >= u64::from(SYSTEMIC_REJECTIONS));
    // Nothing was exported; what was not sent is reported.
    assert_eq!(report.totals.exported, 0);
    let failed_rejects = report
        .rejects
        .iter()
        .filter(|r| r.reason == RejectReason::ServerRejected)
        .count() as u64;
    assert_eq!(failed_rejects, u64::from(SYSTEMIC_REJECTIONS));
    assert_eq!(report.totals.failed, failed_rejects);
    assert_eq!(
        report.totals.not_sent,
        report.totals.memberships - report.totals.failed,
        "every membership is failed or not sent"
    );
    assert!(report.totals.not_sent > 600);
    assert!(run.is_done() && run.in_flight_ids().is_empty());
    assert_eq!(run.next(server.now + 60_000.0), Step::Done);
}

/// Single contacts that fail with different messages are not systemic: every poison contact
/// is isolated and the rest is delivered.
#[test]
fn different_rejections_are_not_systemic() {
    let poison: Vec<usize> = (0..30).map(|i| i * 7 + 3).collect();
    let ds = sim::synth(300, 1, 0.0, 15, &|i| {
        poison.contains(&i).then_some(sim::POISON)
    });
    let mut run = sim::start(&ds, ListMode::None, |_| {});
    let mut server = Sim::new(SimConfig {
        index_in_400: true,
        ..SimConfig::default()
    });
    server.drive(&mut run, None);
    let report = run.report(server.now);
    // Every message names another index, and successes come in between.
    assert!(run.error().is_none(), "{:?}", run.error());
    assert_eq!(report.status, RunStatus::Partial);
    assert_eq!(report.totals.failed, poison.len() as u64);
    assert_eq!(report.totals.exported + report.totals.failed, 300);
}

/// A 400 naming the index splits there: one poison contact in a batch of 100 costs the
/// request itself plus three (before, the contact, after), where halving needs ~14.
#[test]
fn a_rejected_index_splits_at_that_contact() {
    let count = |index_in_400: bool| {
        let ds = sim::synth(100, 1, 0.0, 3, &|i| (i == 37).then_some(sim::POISON));
        let mut run = sim::start(&ds, ListMode::None, |_| {});
        let mut server = Sim::new(SimConfig {
            index_in_400,
            ..SimConfig::default()
        });
        server.drive(&mut run, None);
        let report = run.report(server.now);
        assert_eq!(run.batches().map(|b| b.count()), Some(1));
        assert_eq!(report.totals.failed, 1);
        assert_eq!(report.totals.exported, report.totals.memberships - 1);
        let posts = server.contact_posts().count() as u64;
        assert_eq!(report.requests.bisected, posts - 1);
        posts
    };
    let (named, halved) = (count(true), count(false));
    println!(
        "one poison contact in 100: {named} requests with the index named, {halved} by halving"
    );
    assert_eq!(named, 4);
    assert!(halved > named);
}

/// Rejects after sending carry the `idField` value, like rejects before sending: for
/// `SERVER_REJECTED`, `NOT_CONFIRMED` and `RETRIES_EXHAUSTED` (one run per kind of fault).
#[test]
fn rejects_after_sending_carry_the_id() {
    type Flag = dyn Fn(usize) -> Option<&'static str>;
    let faults: [(RejectReason, &Flag, bool); 3] = [
        (
            RejectReason::ServerRejected,
            &|i| matches!(i, 5 | 77).then_some(sim::POISON),
            false,
        ),
        (RejectReason::NotConfirmed, &|_| None, true),
        (
            RejectReason::RetriesExhausted,
            &|i| (i == 130).then_some(sim::ALWAYS_503),
            false,
        ),
    ];
    for (reason, flag, unconfirmed) in faults {
        let ds = sim::synth(200, 2, 0.2, 21, flag);
        let mut cfg = sim::config(&ds, ListMode::PerSegment);
        cfg.id_field = Some("last".into());
        let settings = Settings {
            max_attempts: 2,
            ..Settings::default()
        };
        let plan = sim::plan(&cfg, &ds);
        let mut run = Run::new(cfg, settings, None, None, T0, T0).expect("run starts");
        run.attach(plan, T0).expect("plan attaches");
        let mut server = Sim::new(SimConfig {
            unconfirmed: if unconfirmed {
                ds.expected.keys().step_by(50).cloned().collect()
            } else {
                Default::default()
            },
            ..SimConfig::default()
        });
        server.drive(&mut run, None);
        let report = run.report(server.now);
        assert_eq!(report.status, RunStatus::Partial, "{reason:?}");
        let after: Vec<_> = report
            .rejects
            .iter()
            .filter(|r| !r.reason.is_input())
            .collect();
        assert!(!after.is_empty(), "{reason:?}");
        assert_eq!(after.len() as u64, report.totals.failed, "{reason:?}");
        for r in after {
            assert_eq!(r.reason, reason);
            let row = &ds.rows[r.segment as usize][r.row as usize - 1];
            assert_eq!(
                r.id.as_deref(),
                Some(row.last.as_str()),
                "{reason:?} of segment {} row {}",
                r.segment,
                r.row
            );
        }
    }
}

/// Every row rejected: the run refuses with `NOTHING_TO_EXPORT` and writes nothing (no list
/// is created); before, it reported `succeeded` with 0 exported and an empty list.
#[test]
fn nothing_to_export_is_a_failure_that_creates_no_list() {
    let mut ds = sim::synth(20, 2, 0.0, 9, &|_| None);
    for rows in &mut ds.rows {
        for r in rows.iter_mut() {
            r.email = format!("not an email {}", r.last);
        }
    }
    let cfg = sim::config(&ds, ListMode::PerSegment);
    let plan = sim::plan(&cfg, &ds);
    let mut run = Run::new(cfg, Settings::default(), None, None, T0, T0).expect("run starts");
    let e = run.attach(plan, T0).expect_err("nothing to export");
    assert_eq!(e.code, ErrorCode::NothingToExport);
    assert!(
        e.message.contains("20 rows read, 20 rejected"),
        "{}",
        e.message
    );
    let mut server = Sim::new(SimConfig::default());
    server.drive(&mut run, None);
    assert_eq!(server.stats.list_creates, 0);
    assert_eq!(server.stats.contact_posts, 0);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        report.error.as_ref().map(|e| e.code.as_str()),
        Some("NOTHING_TO_EXPORT")
    );
    assert_eq!(report.totals.invalid, 20);
    assert!(report.segments.iter().all(|s| !s.list_created));
}
