//! Cancel, checkpoint and resume against the simulated Autopilot.
#![cfg(not(target_arch = "wasm32"))]

mod sim;

use autopilot_export::config::ListMode;
use autopilot_export::error::ErrorCode;
use autopilot_export::report::{Checkpoint, RunStatus};
use autopilot_export::run::{Run, Settings, Step};
use sim::{Rng, Sim, SimConfig, T0};
use std::collections::BTreeSet;

/// Runs `ds` uninterrupted on a fresh server and returns its store.
fn uninterrupted(ds: &sim::Dataset, cfg: &SimConfig) -> Sim {
    let mut run = sim::start(ds, ListMode::PerSegment, |_| {});
    let mut server = Sim::new(cfg.clone());
    server.drive(&mut run, None);
    assert_eq!(run.report(server.now).status, RunStatus::Succeeded);
    server
}

/// How a cancelled run is resumed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Checkpoint and sync state of the cancelled run's report: diff against what it confirmed.
    State,
    /// Checkpoint alone (a host that keeps no state): skip the finished batches.
    Batches,
}

/// Cancels a run of `ds` at `cancel_after_ms`, resumes it from the (JSON round-tripped)
/// checkpoint on the same server, and checks the outcome. Returns (re-sent batches (batches
/// mode) or re-sent contacts beyond what was unconfirmed (state mode), in flight at the
/// cancel, the server).
fn cancel_and_resume(
    ds: &sim::Dataset,
    cfg: &SimConfig,
    cancel_after_ms: f64,
    seed: u64,
    mode: Mode,
) -> (usize, usize, Sim) {
    let config = sim::config(ds, ListMode::PerSegment);
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let mut server = Sim::new(cfg.clone());
    let mut first = sim::start_with(config.clone(), ds, settings.clone(), None, None);
    let d1 = server.drive(&mut first, Some(T0 + cancel_after_ms));
    assert!(d1.cancelled, "the run ended before the cancel point");
    let r1 = first.report(server.now);
    assert_eq!(r1.status, RunStatus::Cancelled);
    assert!(first.in_flight_ids().is_empty());
    // Late answers of abandoned requests are ignored.
    assert!(!first.complete(1, autopilot_export::run::Outcome::Timeout, server.now));
    assert_eq!(first.next(server.now), Step::Done);
    let json = serde_json::to_string(&r1.checkpoint).unwrap();
    assert!(!json.contains('@'), "checkpoint carries an email: {json}");
    // Read back by the core's reader, as the package reads a checkpoint handed over.
    let cp: Checkpoint = autopilot_export::read::from_json_str(&json, "")
        .strict()
        .unwrap();
    assert_eq!(cp, first.checkpoint());
    let done_at_cancel = cp.done.iter().map(|[a, b]| b - a + 1).sum::<u32>();
    let state = (mode == Mode::State).then(|| r1.sync_state.clone());

    let p = sim::plan(&config, ds);
    let mut second = Run::new(
        config,
        Settings {
            seed: seed + 1,
            ..settings
        },
        Some(cp),
        state.as_deref(),
        T0,
        server.now,
    )
    .unwrap();
    second.attach(p, server.now).unwrap();
    let posts_before = server.contact_posts().count();
    server.drive(&mut second, None);
    server.flush();
    if mode == Mode::Batches {
        assert!(second.progress(server.now).batches_done >= done_at_cancel);
    }
    let report = second.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert!(report.resumed);
    assert_eq!(report.totals.exported, report.totals.memberships);
    assert_eq!(report.totals.unchanged, 0);
    sim::assert_counts(&report, ds);
    sim::assert_finished_invariants(&report);
    assert_eq!(
        report.requests.sent, server.stats.requests,
        "request counters cover both runs"
    );
    server.assert_store(&ds.expected);
    assert_eq!(
        server.lists.len(),
        ds.segment_names.len(),
        "no duplicate lists"
    );
    let resent = match mode {
        Mode::Batches => {
            let batches = |gen: u32| -> BTreeSet<u32> {
                server
                    .contact_posts()
                    .filter(|e| e.gen == gen)
                    .filter_map(|e| e.batch)
                    .collect()
            };
            batches(1).intersection(&batches(2)).count()
        }
        Mode::State => {
            // The second run sends exactly the memberships the first did not confirm.
            let sent2: usize = server
                .contact_posts()
                .skip(posts_before)
                .filter(|e| e.gen == 2 && e.attempt == 1)
                .map(|e| e.contacts)
                .sum();
            let left = (r1.totals.memberships - r1.totals.exported - r1.totals.failed) as usize;
            assert!(sent2 <= left, "sent {sent2} > {left} left after the cancel");
            // Contacts the first run sent without a confirmation (in flight at the cancel).
            let unconfirmed = r1.totals.not_sent as usize
                - (r1.totals.memberships as usize - first_sent_contacts(&server));
            sent2.saturating_sub(left - unconfirmed.min(left))
        }
    };
    (resent, d1.in_flight_at_cancel, server)
}

/// Distinct memberships the first run put on the wire (first attempts).
fn first_sent_contacts(server: &Sim) -> usize {
    server
        .contact_posts()
        .filter(|e| e.gen == 1 && e.attempt == 1 && e.contacts > 0)
        .map(|e| e.contacts)
        .sum::<usize>()
}

#[test]
fn cancel_at_a_random_point_and_resume_20_seeds() {
    let mut rng = Rng::new(99);
    let mut total_resent = 0;
    for seed in 0..20u64 {
        let ds = sim::synth(
            1500 + rng.below(1000) as usize,
            3,
            0.4,
            1000 + seed,
            &|_| None,
        );
        let cfg = SimConfig {
            seed: 500 + seed,
            jitter_ms: 100.0,
            ..SimConfig::default()
        };
        let baseline = uninterrupted(&ds, &cfg);
        // Somewhere in the run, including the lists phase.
        let duration = baseline.now - T0;
        let cancel_after = rng.f64() * duration * 0.95;
        let mode = if seed % 2 == 0 {
            Mode::State
        } else {
            Mode::Batches
        };
        let (resent, in_flight, resumed) = cancel_and_resume(&ds, &cfg, cancel_after, seed, mode);
        println!("seed {seed} ({mode:?}): cancel at {cancel_after:.0} ms of {duration:.0}: re-sent {resent}, {in_flight} in flight at the cancel");
        // Batches mode counts re-sent batches, state mode re-sent contacts (≤ 100 per request).
        let bound = if mode == Mode::Batches {
            in_flight
        } else {
            100 * in_flight
        };
        assert!(
            resent <= bound,
            "seed {seed}: re-sent {resent} > {bound} (requests in flight at the cancel: {in_flight})"
        );
        // The resumed store equals the uninterrupted one (lists compared by title).
        assert!(
            baseline.snapshot() == resumed.snapshot(),
            "seed {seed}: stores differ"
        );
        total_resent += resent;
    }
    println!("re-sent batches over 20 seeds: {total_resent}");
}

#[test]
fn cancel_and_resume_under_faults() {
    for seed in 0..5u64 {
        let ds = sim::synth(2000, 3, 0.3, 77 + seed, &|_| None);
        let cfg = SimConfig {
            seed: 900 + seed,
            p_5xx: 0.05,
            p_drop: 0.03,
            p_timeout: 0.03,
            p_bad_body: 0.01,
            p_429_burst: 0.01,
            burst: 2.0,
            ..SimConfig::default()
        };
        let cancel_after = 1000.0 + 1700.0 * seed as f64;
        // The bound on re-sent batches does not hold here (batches waiting for a retry are
        // also unfinished); the store and the counts must still be exact.
        let mode = if seed % 2 == 0 {
            Mode::State
        } else {
            Mode::Batches
        };
        cancel_and_resume(&ds, &cfg, cancel_after, seed, mode);
    }
}

#[test]
fn resume_of_a_finished_job_sends_nothing() {
    let ds = sim::synth(800, 2, 0.5, 5, &|_| None);
    let config = sim::config(&ds, ListMode::PerSegment);
    let mut server = Sim::new(SimConfig::default());
    let mut run = sim::start_with(config.clone(), &ds, Settings::default(), None, None);
    server.drive(&mut run, None);
    let done = run.report(server.now);
    let before = server.stats.clone();
    for state in [None, Some(done.sync_state.as_slice())] {
        let mut again = Run::new(
            config.clone(),
            Settings::default(),
            Some(done.checkpoint.clone()),
            state,
            T0,
            server.now,
        )
        .unwrap();
        again.attach(sim::plan(&config, &ds), server.now).unwrap();
        server.drive(&mut again, None);
        let report = again.report(server.now);
        assert_eq!(report.status, RunStatus::Succeeded);
        assert!(report.resumed);
        assert_eq!(report.totals.exported, report.totals.memberships);
        for (seg, was) in report.segments.iter().zip(&done.segments) {
            assert_eq!(seg.list_id, was.list_id);
            assert_eq!(seg.list_created, was.list_created);
        }
    }
    // The checkpoint holds the lists; with the state the account is known too. Without the
    // state (a host that keeps none), only the account is read again.
    assert_eq!(server.stats.list_gets, before.list_gets);
    assert_eq!(server.stats.contact_posts, before.contact_posts);
    assert_eq!(server.stats.requests, before.requests + 1);
}

#[test]
fn checkpoint_has_no_email() {
    // Failures of every kind, so that failed refs with server messages are in the checkpoint.
    let ds = sim::synth(600, 2, 0.5, 8, &|i| match i {
        3 | 250 => Some(sim::POISON),
        400 => Some(sim::ALWAYS_503),
        _ => None,
    });
    let mut unconfirmed = std::collections::HashSet::new();
    unconfirmed.insert(ds.expected.keys().nth(10).unwrap().clone());
    let mut server = Sim::new(SimConfig {
        unconfirmed,
        ..SimConfig::default()
    });
    let mut run = sim::start(&ds, ListMode::PerSegment, |o| o.max_attempts = 2);
    server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Partial);
    assert!(report
        .checkpoint
        .failed
        .iter()
        .any(|f| f.detail.as_deref().is_some_and(|d| d.contains("[email]"))));
    let cp = serde_json::to_string(&run.checkpoint()).unwrap();
    assert!(!cp.contains('@'), "{cp}");
    assert!(!cp.contains(sim::KEY));
    let full = serde_json::to_string(&report).unwrap();
    assert!(!full.contains('@'), "the report carries an email");
    assert!(!full.contains(sim::KEY));
}

#[test]
fn checkpoint_for_another_job_is_a_mismatch() {
    let ds = sim::synth(900, 3, 0.4, 21, &|_| None);
    let config = sim::config(&ds, ListMode::PerSegment);
    let mut server = Sim::new(SimConfig::default());
    let mut run = sim::start_with(config.clone(), &ds, Settings::default(), None, None);
    server.drive(&mut run, Some(T0 + 3000.0));
    let cp = run.checkpoint();
    assert!(!cp.done.is_empty());
    let code = |cp: Checkpoint, cfg: &autopilot_export::ExportConfig, ds: &sim::Dataset| {
        let mut r = match Run::new(cfg.clone(), Settings::default(), Some(cp), None, T0, T0) {
            Ok(r) => r,
            Err(e) => return e.code,
        };
        if let Err(e) = r.attach(sim::plan(cfg, ds), T0) {
            return e.code;
        }
        let mut server = Sim::new(SimConfig::default());
        server.drive(&mut r, None);
        r.error().map_or(ErrorCode::Internal, |e| e.code)
    };

    // The same job resumes.
    let mut same = Run::new(
        config.clone(),
        Settings::default(),
        Some(cp.clone()),
        None,
        T0,
        T0,
    )
    .unwrap();
    assert!(same.attach(sim::plan(&config, &ds), T0).is_ok());
    // Other profiles.
    let other = sim::synth(900, 3, 0.4, 22, &|_| None);
    assert_eq!(
        code(
            cp.clone(),
            &sim::config(&other, ListMode::PerSegment),
            &other
        ),
        ErrorCode::CheckpointMismatch
    );
    // Same profiles, other list mode.
    assert_eq!(
        code(cp.clone(), &sim::config(&ds, ListMode::None), &ds),
        ErrorCode::CheckpointMismatch
    );
    // A state the checkpoint does not belong to.
    let mut other_state = Run::new(
        config.clone(),
        Settings::default(),
        Some(cp.clone()),
        Some(&run.report(server.now).sync_state[..]),
        T0,
        T0,
    );
    assert!(other_state.is_ok(), "its own state is accepted");
    let foreign = {
        let mut r = sim::start(&ds, ListMode::PerSegment, |s| s.seed = 4242);
        Sim::new(SimConfig::default()).drive(&mut r, None);
        r.report(T0).sync_state
    };
    other_state = Run::new(
        config.clone(),
        Settings::default(),
        Some(cp.clone()),
        Some(&foreign),
        T0,
        T0,
    );
    assert_eq!(
        other_state.err().map(|e| e.code),
        Some(ErrorCode::CheckpointMismatch)
    );
    // Tampered or malformed checkpoints.
    let tamper: [fn(&mut Checkpoint); 8] = [
        |c| c.version = 1,
        |c| c.fingerprint.push('0'),
        |c| c.batches += 1,
        |c| c.done.push([c.batches, c.batches]),
        |c| c.done.insert(0, [0, 0]),
        |c| c.exported.pop().map_or((), drop),
        |c| c.exported[0] += 1_000_000,
        |c: &mut Checkpoint| {
            c.failed.push(autopilot_export::report::FailedRef {
                segment: 0,
                row: 999_999,
                reason: autopilot_export::report::RejectReason::ServerRejected,
                detail: None,
            })
        },
    ];
    for (i, t) in tamper.iter().enumerate() {
        let mut bad = cp.clone();
        t(&mut bad);
        assert_eq!(
            code(bad, &config, &ds),
            ErrorCode::CheckpointMismatch,
            "tamper #{i}"
        );
    }
}
