//! Scheduled refreshes against the simulated Autopilot (issue 11): a refresh sends only the
//! changes and removes exactly the leavers the exporter placed, a no-change refresh writes
//! nothing, the mirror guard and foreign states refuse before any write, a list deleted in
//! Autopilot is recreated and filled again, and cancel/resume of a refresh ends exactly where
//! an uninterrupted refresh does.
#![cfg(not(target_arch = "wasm32"))]

mod sim;

use autopilot_export::config::{ExportConfig, ListMode, Membership};
use autopilot_export::error::ErrorCode;
use autopilot_export::report::{Checkpoint, ExportReport, RunStatus};
use autopilot_export::run::{Run, Settings, Step};
use autopilot_export::summary::{summarize, SummaryOptions};
use autopilot_export::sync::SyncState;
use serde_json::{json, Map, Value};
use sim::{Dataset, Rng, Row, Sim, SimConfig, Store, LIST_PREFIX, T0};
use std::collections::{BTreeSet, HashSet};

/// One person of a population: their first name and the segments they are in.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    first: String,
    segments: BTreeSet<usize>,
}

fn email(i: usize) -> String {
    format!("user.{i}@example{}.com", i % 7)
}

/// `n` people over `k` segments: person `i` is in segment `i % k` and in each other segment
/// with probability `overlap`.
fn population(n: usize, k: usize, overlap: f64, seed: u64) -> Vec<Person> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| Person {
            first: format!("First{i}"),
            segments: (0..k)
                .filter(|&s| s == i % k || rng.f64() < overlap)
                .collect(),
        })
        .collect()
}

fn row(i: usize, p: &Person) -> Row {
    Row {
        email: email(i),
        first: p.first.clone(),
        last: format!("Last {i}"),
        orders: Some((i % 50).to_string()),
    }
}

fn fields(i: usize, p: &Person) -> Map<String, Value> {
    let mut f = Map::new();
    f.insert("FirstName".into(), Value::String(p.first.clone()));
    f.insert("LastName".into(), Value::String(format!("Last {i}")));
    f.insert("custom".into(), json!({"integer--Orders": (i % 50) as i64}));
    f
}

fn title(s: usize) -> String {
    format!("{LIST_PREFIX}Segment {s}")
}

/// The rows of a population (people without segments are not in any file).
fn dataset(people: &[Person], k: usize) -> Dataset {
    let mut ds = Dataset {
        segment_names: (0..k).map(|s| format!("Segment {s}")).collect(),
        rows: vec![Vec::new(); k],
        ..Dataset::default()
    };
    for (i, p) in people.iter().enumerate() {
        for &s in &p.segments {
            ds.rows[s].push(row(i, p));
        }
    }
    ds
}

/// What Autopilot holds after refreshes of `runs` (in order), in mirror mode: every contact
/// ever sent with its latest fields, on exactly the lists of the last run.
fn expected_mirror(runs: &[&[Person]]) -> Store {
    let mut store = Store::new();
    for (r, people) in runs.iter().enumerate() {
        let last = r + 1 == runs.len();
        for (i, p) in people.iter().enumerate() {
            if p.segments.is_empty() {
                if let Some(c) = store.get_mut(&email(i)) {
                    c.2.clear();
                }
                continue;
            }
            let lists: BTreeSet<String> = p.segments.iter().map(|&s| title(s)).collect();
            store.insert(email(i), (email(i), fields(i, p), lists));
        }
        if last {
            for (i, _) in people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.segments.is_empty())
            {
                if let Some(c) = store.get_mut(&email(i)) {
                    c.2.clear();
                }
            }
        }
    }
    store
}

fn config(k: usize, mirror: bool) -> ExportConfig {
    let mut cfg = sim::config(&dataset(&[], k), ListMode::PerSegment);
    if mirror {
        cfg.membership_mode = Some(Membership::Mirror);
    }
    cfg
}

/// Runs `people` against `server` with `state`; returns the report.
fn refresh(
    server: &mut Sim,
    cfg: &ExportConfig,
    people: &[Person],
    k: usize,
    state: Option<&[u8]>,
    seed: u64,
) -> (Run, ExportReport) {
    let ds = dataset(people, k);
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let mut run = Run::new(cfg.clone(), settings, None, state, T0, server.now).expect("starts");
    run.attach(sim::plan(cfg, &ds), server.now)
        .expect("attaches");
    server.drive(&mut run, None);
    let report = run.report(server.now);
    (run, report)
}

/// A first full export of `n` people over `k` segments (`overlap` and `seed` as for
/// [`population`]), mirroring or not, on a default server: the people, the configuration,
/// the server after it and its report.
fn first_export(
    n: usize,
    k: usize,
    overlap: f64,
    seed: u64,
    mirror: bool,
) -> (Vec<Person>, ExportConfig, Sim, ExportReport) {
    let people = population(n, k, overlap, seed);
    let cfg = config(k, mirror);
    let mut server = Sim::new(SimConfig::default());
    let (_, r1) = refresh(&mut server, &cfg, &people, k, None, 1);
    (people, cfg, server, r1)
}

/// Changes 1 % of the people's names, takes 1 % of the memberships away (people who leave
/// every segment, so that the unique count stays within the cap) and adds as many new people
/// as left. Returns the new population and (changed memberships, new memberships, leavers).
fn one_percent(people: &[Person], k: usize, seed: u64) -> (Vec<Person>, u64, u64, u64) {
    let mut rng = Rng::new(seed);
    let mut next = people.to_vec();
    let n = people.len();
    let mut changed = 0u64;
    let mut touched: HashSet<usize> = HashSet::new();
    while touched.len() < n / 100 {
        let i = rng.below(n as u64) as usize;
        if touched.insert(i) {
            next[i].first = format!("Renamed{i}");
        }
    }
    let mut leavers = 0u64;
    let mut left: HashSet<usize> = HashSet::new();
    let memberships: u64 = people.iter().map(|p| p.segments.len() as u64).sum();
    while leavers < memberships / 100 {
        let i = rng.below(n as u64) as usize;
        if touched.contains(&i) || left.contains(&i) {
            continue;
        }
        leavers += next[i].segments.len() as u64;
        next[i].segments.clear();
        left.insert(i);
    }
    for i in &touched {
        changed += next[*i].segments.len() as u64;
    }
    let mut added = 0u64;
    for j in 0..left.len() {
        let p = Person {
            first: format!("New{j}"),
            segments: [j % k].into_iter().collect(),
        };
        added += p.segments.len() as u64;
        next.push(p);
    }
    (next, changed, added, leavers)
}

#[test]
fn a_one_percent_refresh_sends_only_the_changes_and_removes_exactly_the_leavers() {
    let k = 3;
    let people = population(100_000, k, 0.2, 1);
    let cfg = config(k, true);
    let mut server = Sim::new(SimConfig {
        log_emails: true,
        ..SimConfig::default()
    });
    let (_, r1) = refresh(&mut server, &cfg, &people, k, None, 1);
    assert_eq!(r1.status, RunStatus::Succeeded, "{:?}", r1.error);
    let memberships = r1.totals.memberships;
    let per = r1.sync_state.len() as f64 / memberships as f64;
    println!(
        "state: {} bytes for {memberships} memberships = {per:.2} bytes each",
        r1.sync_state.len()
    );
    assert!(per <= 32.0, "{per} bytes per membership");

    let (next, changed, added, leavers) = one_percent(&people, k, 2);
    let posts_before = server.contact_posts().count();
    let log_before = server.log.len();
    let (_, r2) = refresh(&mut server, &cfg, &next, k, Some(&r1.sync_state), 2);
    assert_eq!(r2.status, RunStatus::Succeeded, "{:?}", r2.error);
    let upserts = server.contact_posts().count() - posts_before;
    let bound = (changed + added).div_ceil(100) + 3;
    println!("refresh: {changed} changed + {added} new memberships, {leavers} leavers: {upserts} upserts (bound {bound}), {} removals", server.removal_requests().count());
    assert!(upserts as u64 <= bound, "{upserts} upserts > {bound}");
    assert_eq!(
        server.removal_requests().count() as u64,
        leavers,
        "one removal per leaver"
    );
    assert_eq!(r2.totals.removed, leavers);
    assert_eq!(r2.totals.exported, changed + added);
    assert_eq!(
        r2.totals.unchanged,
        r2.totals.memberships - changed - added,
        "every other membership is unchanged"
    );
    // No unchanged contact was sent.
    let renamed: HashSet<String> = next
        .iter()
        .enumerate()
        .filter(|(i, p)| *i >= people.len() || p.first != people[*i].first)
        .map(|(i, _)| email(i))
        .collect();
    for e in server.log[log_before..]
        .iter()
        .flat_map(|e| e.emails.iter())
    {
        assert!(renamed.contains(e), "{e} was sent but did not change");
    }
    server.assert_store(&expected_mirror(&[&people, &next]));

    // A refresh with nothing changed writes nothing.
    let writes = server.writes().count();
    let (_, r3) = refresh(&mut server, &cfg, &next, k, Some(&r2.sync_state), 3);
    assert_eq!(r3.status, RunStatus::Succeeded);
    assert_eq!(
        server.writes().count(),
        writes,
        "a no-change refresh writes nothing"
    );
    assert_eq!(r3.totals.unchanged, r3.totals.memberships);
    assert_eq!(r3.requests.sent, 2, "GET /account and GET /lists only");
}

#[test]
fn mirror_never_removes_members_it_did_not_place_and_add_mode_removes_nobody() {
    let k = 2;
    let people = population(2_000, k, 0.3, 4);
    let mut server = Sim::new(SimConfig::default());
    let (_, r1) = refresh(&mut server, &config(k, true), &people, k, None, 1);
    assert_eq!(r1.status, RunStatus::Succeeded);
    // Someone adds person 1 (in segment 1 only) to segment 0's list by hand.
    assert!(!people[1].segments.contains(&0));
    server.add_by_hand(&email(1), &title(0));
    // Person 2 leaves segment 0 (where the exporter placed them).
    let mut next = people.clone();
    assert!(next[2].segments.remove(&0));
    // Add mode removes nobody, and keeps the leaver in the state.
    let (_, r2) = refresh(
        &mut server,
        &config(k, false),
        &next,
        k,
        Some(&r1.sync_state),
        2,
    );
    assert_eq!((r2.status, r2.totals.removed), (RunStatus::Succeeded, 0));
    assert_eq!(server.removal_requests().count(), 0);
    // Mirror removes exactly the leaver; the member added by hand stays.
    let (_, r3) = refresh(
        &mut server,
        &config(k, true),
        &next,
        k,
        Some(&r2.sync_state),
        3,
    );
    assert_eq!((r3.status, r3.totals.removed), (RunStatus::Succeeded, 1));
    assert_eq!(server.removal_requests().count(), 1);
    let snap = server.snapshot();
    assert!(
        snap[&email(1)].2.contains(&title(0)),
        "the member added by hand was removed"
    );
    assert!(
        !snap[&email(2)].2.contains(&title(0)),
        "the leaver is still on the list"
    );
}

#[test]
fn the_guard_refuses_mass_removals_before_any_write() {
    let k = 2;
    let (people, cfg, mut server, r1) = first_export(3_000, k, 0.0, 5, true);
    // A broken export: most of segment 0 is missing.
    let mut next = people.clone();
    for p in next.iter_mut().step_by(3) {
        p.segments.remove(&0);
    }
    let writes = server.writes().count();
    // The preview shows the same refusal with each list's figures.
    let state = SyncState::decode(&r1.sync_state).expect("the state reads back");
    let summary = summarize(
        &sim::plan(&cfg, &dataset(&next, k)),
        &SummaryOptions {
            rate_per_second: 5.0,
            state: Some(&state),
            sample: 0,
            full_resync: false,
        },
    );
    assert_eq!(
        summary.blocked.as_ref().map(|b| b.code),
        Some(ErrorCode::RemovalsExceeded)
    );
    let hits: Vec<_> = summary
        .removal_guard
        .iter()
        .map(|h| (h.segment, h.removals, h.placed, h.limit))
        .collect();
    assert_eq!(hits, [(0, 500, 1500, 150)]);
    let limits: Vec<_> = summary
        .segments
        .iter()
        .map(|s| {
            (
                s.changes.removed,
                s.removal_limit.map(|l| (l.placed, l.limit)),
            )
        })
        .collect();
    assert_eq!(limits, [(500, Some((1500, 150))), (0, Some((1500, 150)))]);
    let (run, r2) = refresh(&mut server, &cfg, &next, k, Some(&r1.sync_state), 2);
    let e = run.error().expect("refused");
    assert_eq!(e.code, ErrorCode::RemovalsExceeded);
    assert!(e.message.contains("Segment 0"), "{}", e.message);
    assert_eq!(r2.status, RunStatus::Failed);
    assert_eq!(server.writes().count(), writes, "nothing written");
    assert_eq!(r2.sync_state, r1.sync_state, "the state is unchanged");
    // The same removals pass with a higher ratio.
    let mut wide = cfg.clone();
    wide.max_removal_ratio = Some(0.5);
    let (_, r3) = refresh(&mut server, &wide, &next, k, Some(&r1.sync_state), 3);
    assert_eq!(r3.status, RunStatus::Succeeded, "{:?}", r3.error);
    assert_eq!(r3.totals.removed, 500);
}

/// The ETA counts what is left in requests, removals included: in a refresh that only
/// removes, it is never 0 before the end and is close to the time the run then takes.
#[test]
fn the_eta_counts_pending_removals() {
    let k = 1;
    let (people, cfg, mut server, r1) = first_export(1_000, k, 0.0, 8, true);
    let mut next = people.clone();
    for p in next.iter_mut().take(60) {
        p.segments.clear();
    }
    server.cfg.record_eta = true;
    let start = server.now;
    let ds = dataset(&next, k);
    let mut run = Run::new(
        cfg.clone(),
        Settings::default(),
        None,
        Some(&r1.sync_state),
        T0,
        start,
    )
    .expect("starts");
    run.attach(sim::plan(&cfg, &ds), start).expect("attaches");
    let drive = server.drive(&mut run, None);
    let report = run.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert_eq!((report.totals.removed, report.totals.exported), (60, 0));
    let end = server.now;
    let open: Vec<&(f64, f64)> = drive.etas.iter().filter(|(t, _)| *t < end).collect();
    assert!(open.len() >= 50, "{} samples", open.len());
    for (t, eta) in &open[..open.len() - 1] {
        assert!(*eta > 0.0, "eta 0 at {t} with removals left");
    }
    // After the first removals: within a factor of 2 of the time actually left.
    for (t, eta) in open.iter().skip(5).take(open.len() - 10) {
        let left = end - t;
        assert!(
            *eta > left / 2.0 && *eta < left * 2.0,
            "eta {eta} ms at {t}, {left} ms actually left"
        );
    }
}

/// Mirror: a segment with a row that could not be read holds its removals back (a member
/// in that row would look like a leaver), says so in the preview and the report, and keeps
/// the leavers in the state; the next clean refresh removes them.
#[test]
fn unreadable_rows_hold_a_segments_removals_back() {
    use autopilot_export::input::RowSink;
    use autopilot_export::report::RejectReason;
    let k = 2;
    let (people, cfg, mut server, r1) = first_export(600, k, 0.0, 21, true);
    let mut next = people.clone();
    for p in next.iter_mut().take(20) {
        p.segments.clear(); // 10 leave each segment
    }
    // Segment 0's file now has a row that cannot be read.
    let ds = dataset(&next, k);
    let plan = sim::plan_with(&cfg, &ds, |planner, s, rows| {
        if s == 0 {
            planner.reject(rows.len() as u64 + 1, RejectReason::InvalidUtf8, None);
        }
    });
    let state = SyncState::decode(&r1.sync_state).expect("reads back");
    let summary = summarize(
        &plan,
        &SummaryOptions {
            rate_per_second: 5.0,
            state: Some(&state),
            sample: 0,
            full_resync: false,
        },
    );
    let removed: Vec<u64> = summary.segments.iter().map(|s| s.changes.removed).collect();
    assert_eq!(removed, [0, 10], "segment 0's removals are held back");
    let held = |w: &[autopilot_export::report::Warning]| {
        w.iter()
            .find(|w| w.code == autopilot_export::error::WarningCode::RemovalsHeld)
            .map(|w| (w.count, w.hint.clone().unwrap_or_default()))
    };
    let (count, hint) = held(&summary.warnings).expect("the preview says so");
    assert_eq!(count, 10);
    assert!(
        hint.contains("10 from 'Segment 0' (1 unreadable row)"),
        "{hint}"
    );

    let mut run = started(
        &server,
        &cfg,
        plan,
        Settings::default(),
        None,
        Some(&r1.sync_state),
    );
    server.drive(&mut run, None);
    let r2 = run.report(server.now);
    assert_eq!(r2.totals.removed, 10);
    assert_eq!(held(&r2.warnings).map(|(n, _)| n), Some(10));
    assert_eq!(server.removal_requests().count(), 10);
    // The state still holds segment 0's leavers: a clean refresh removes them.
    let (_, r3) = refresh(&mut server, &cfg, &next, k, Some(&r2.sync_state), 3);
    assert_eq!(r3.status, RunStatus::Succeeded);
    assert_eq!(r3.totals.removed, 10);
    assert!(held(&r3.warnings).is_none());
    assert_eq!(server.removal_requests().count(), 20);
}

/// A refresh of `n` people (1 segment) whose every `step`-th person changed, after a first
/// full export: the server, the configuration, the changed dataset, the first report, and the
/// refresh's run cut 1.5 simulated seconds in (some batches finished, others not).
fn a_cut_refresh(
    n: usize,
    seed: u64,
    step: usize,
) -> (Sim, ExportConfig, Dataset, ExportReport, Run) {
    let k = 1;
    let (people, cfg, mut server, r1) = first_export(n, k, 0.0, seed, false);
    let mut next = people.clone();
    for p in next.iter_mut().step_by(step) {
        p.first.push('!');
    }
    let ds = dataset(&next, k);
    let plan = sim::plan(&cfg, &ds);
    let mut run = started(
        &server,
        &cfg,
        plan,
        Settings::default(),
        None,
        Some(&r1.sync_state),
    );
    server.drive(&mut run, Some(server.now + 1_500.0));
    (server, cfg, ds, r1, run)
}

/// A run of `cfg` over `plan`, started now on `server` with `settings`, from `checkpoint`
/// and `state`, with its plan attached (not driven).
fn started(
    server: &Sim,
    cfg: &ExportConfig,
    plan: autopilot_export::plan::Plan,
    settings: Settings,
    checkpoint: Option<Checkpoint>,
    state: Option<&[u8]>,
) -> Run {
    let mut run =
        Run::new(cfg.clone(), settings, checkpoint, state, T0, server.now).expect("the run starts");
    run.attach(plan, server.now).expect("the plan attaches");
    run
}

/// Resumes `checkpoint` against `state` with `cfg` and `settings`, driven to its end.
fn resume(
    server: &mut Sim,
    cfg: &ExportConfig,
    ds: &Dataset,
    settings: Settings,
    checkpoint: Checkpoint,
    state: &[u8],
) -> Run {
    let plan = sim::plan(cfg, ds);
    let mut resumed = started(server, cfg, plan, settings, Some(checkpoint), Some(state));
    server.drive(&mut resumed, None);
    resumed
}

/// A checkpoint resumed with other refresh options (here `fullResync`) would skip other
/// batches than it finished: refused with `CHECKPOINT_MISMATCH`, nothing written, and no
/// report (its checkpoint must not replace the stored one).
#[test]
fn a_checkpoint_resumed_with_other_options_is_refused_without_a_report() {
    let (mut server, cfg, ds, r1, run) = a_cut_refresh(1_500, 31, 4);
    let interim = run.interim_checkpoint();
    assert!(!interim.done.is_empty(), "a batch finished before the cut");
    server.flush();
    let writes = server.writes().count();
    let settings = Settings {
        full_resync: true,
        ..Settings::default()
    };
    let resumed = resume(&mut server, &cfg, &ds, settings, interim, &r1.sync_state);
    let e = resumed.error().expect("refused");
    assert_eq!(e.code, ErrorCode::CheckpointMismatch);
    assert!(e.message.contains("fullResync"), "{}", e.message);
    assert_eq!(server.writes().count(), writes, "nothing written");
    assert!(resumed.error_report(server.now).is_none());
}

/// A resumed call skips reading the account only with the key the checkpoint's call used:
/// resumed with another key (another account's), it reads the account and refuses the
/// state of the first one before any write.
#[test]
fn a_resume_with_another_key_reads_the_account_again() {
    let (mut server, cfg, ds, _, run) = a_cut_refresh(2_000, 41, 3);
    let cut = run.report(server.now);
    assert_eq!(cut.status, RunStatus::Cancelled);
    assert!(!cut.checkpoint.key.is_empty());
    assert!(!cut.checkpoint.key.contains(sim::KEY));
    server.flush();
    let account_reads = |s: &Sim| {
        s.log
            .iter()
            .filter(|e| e.path.ends_with("/account"))
            .count()
    };

    // Another account behind another key.
    let mut other = cfg.clone();
    other.connection.api_key =
        autopilot_export::config::ApiKey::new("fedcba9876543210fedcba9876543210");
    server.cfg.instance_id = "instance_OTHER".into();
    let (reads, writes) = (account_reads(&server), server.writes().count());
    let settings = Settings::default();
    let resumed = resume(
        &mut server,
        &other,
        &ds,
        settings,
        cut.checkpoint.clone(),
        &cut.sync_state,
    );
    assert_eq!(
        resumed.error().map(|e| e.code),
        Some(ErrorCode::StateMismatch)
    );
    assert_eq!(account_reads(&server), reads + 1);
    assert_eq!(server.writes().count(), writes, "nothing written");

    // The same key: no account read, and the refresh completes.
    server.cfg.instance_id = SimConfig::default().instance_id;
    let reads = account_reads(&server);
    let resumed = resume(
        &mut server,
        &cfg,
        &ds,
        Settings::default(),
        cut.checkpoint,
        &cut.sync_state,
    );
    assert_eq!(resumed.report(server.now).status, RunStatus::Succeeded);
    assert_eq!(account_reads(&server), reads);
}

#[test]
fn a_state_of_another_account_or_base_url_is_refused_before_any_write() {
    let k = 1;
    let (people, cfg, mut server, r1) = first_export(500, k, 0.0, 6, true);
    // Another account behind the same base URL (another key).
    let mut other = Sim::new(SimConfig {
        instance_id: "instance_OTHER".into(),
        ..SimConfig::default()
    });
    let (run, _) = refresh(&mut other, &cfg, &people, k, Some(&r1.sync_state), 2);
    assert_eq!(run.error().map(|e| e.code), Some(ErrorCode::StateMismatch));
    assert_eq!(other.writes().count(), 0, "nothing written");
    // The same account with a rotated key: no re-send.
    let mut rotated = cfg.clone();
    rotated.connection.api_key =
        autopilot_export::config::ApiKey::new("fedcba9876543210fedcba9876543210");
    let writes = server.writes().count();
    let (_, r2) = refresh(&mut server, &rotated, &people, k, Some(&r1.sync_state), 3);
    assert_eq!(r2.status, RunStatus::Succeeded);
    assert_eq!(server.writes().count(), writes);
    // Another base URL: refused before any request at all.
    let mut moved = cfg.clone();
    moved.connection.base_url = Some("https://api.example.test/v1".into());
    let e = Run::new(
        moved,
        Settings::default(),
        None,
        Some(&r1.sync_state),
        T0,
        T0,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::StateMismatch);
    // A damaged state.
    let mut bad = r1.sync_state.clone();
    bad[40] ^= 1;
    let e = Run::new(cfg.clone(), Settings::default(), None, Some(&bad), T0, T0).unwrap_err();
    assert_eq!(e.code, ErrorCode::StateMismatch);
}

#[test]
fn a_list_deleted_in_autopilot_is_recreated_and_filled_again() {
    let k = 2;
    let (people, cfg, mut server, r1) = first_export(1_000, k, 0.3, 7, true);
    let members0 = r1.segments[0].counts.memberships;
    server.delete_list(&title(0));
    let (_, r2) = refresh(&mut server, &cfg, &people, k, Some(&r1.sync_state), 2);
    assert_eq!(r2.status, RunStatus::Succeeded, "{:?}", r2.error);
    assert!(r2.segments[0].list_created);
    assert_eq!(
        r2.segments[0].counts.exported, members0,
        "all its memberships sent again"
    );
    assert_eq!(r2.segments[1].counts.exported, 0);
    assert_eq!(r2.totals.removed, 0);
    server.assert_store(&expected_mirror(&[&people]));
}

#[test]
fn cancel_and_resume_of_a_refresh_ends_exactly_like_an_uninterrupted_one() {
    let k = 3;
    let people = population(3_000, k, 0.3, 8);
    let cfg = config(k, true);
    let mut rng = Rng::new(9);
    for seed in 0..20u64 {
        let (next, ..) = one_percent(&people, k, 100 + seed);
        // Reference: an uninterrupted refresh.
        let mut reference = Sim::new(SimConfig::default());
        let (_, base) = refresh(&mut reference, &cfg, &people, k, None, seed);
        let start = reference.now;
        let (_, done) = refresh(&mut reference, &cfg, &next, k, Some(&base.sync_state), seed);
        assert_eq!(done.status, RunStatus::Succeeded);
        let duration = reference.now - start;

        // Interrupted at a random point, then resumed with the checkpoint and the state.
        let mut server = Sim::new(SimConfig::default());
        let (_, base) = refresh(&mut server, &cfg, &people, k, None, seed);
        let ds = dataset(&next, k);
        let settings = |seed| Settings {
            seed,
            ..Settings::default()
        };
        let plan = sim::plan(&cfg, &ds);
        let mut first = started(
            &server,
            &cfg,
            plan,
            settings(seed),
            None,
            Some(&base.sync_state),
        );
        let cancel_at = server.now + rng.f64() * duration;
        server.drive(&mut first, Some(cancel_at));
        let cut = first.report(server.now);
        assert!(matches!(
            cut.status,
            RunStatus::Cancelled | RunStatus::Succeeded
        ));
        let second = resume(
            &mut server,
            &cfg,
            &ds,
            settings(seed + 1),
            cut.checkpoint.clone(),
            &cut.sync_state,
        );
        server.flush();
        let end = second.report(server.now);
        assert_eq!(
            end.status,
            RunStatus::Succeeded,
            "seed {seed}: {:?}",
            end.error
        );
        assert!(
            reference.snapshot() == server.snapshot(),
            "seed {seed}: stores differ"
        );
        assert_eq!(
            (
                end.totals.exported,
                end.totals.removed,
                end.totals.unchanged
            ),
            (
                done.totals.exported,
                done.totals.removed,
                done.totals.unchanged
            ),
            "seed {seed}"
        );
        // The next refresh from the resumed state writes nothing.
        let writes = server.writes().count();
        let (_, after) = refresh(&mut server, &cfg, &next, k, Some(&end.sync_state), seed);
        assert_eq!(after.status, RunStatus::Succeeded);
        assert_eq!(
            server.writes().count(),
            writes,
            "seed {seed}: the resumed state is complete"
        );
    }
}

/// The first run of a job over `people`; `interrupted`: cut at a third of the way and
/// resumed from the interim checkpoint (its state then holds unknown ids). Deterministic.
fn first_run(
    server: &mut Sim,
    cfg: &ExportConfig,
    people: &[Person],
    k: usize,
    seed: u64,
    interrupted: bool,
) -> ExportReport {
    if !interrupted {
        return refresh(server, cfg, people, k, None, seed).1;
    }
    let ds = dataset(people, k);
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let mut run = Run::new(cfg.clone(), settings.clone(), None, None, T0, server.now).unwrap();
    run.attach(sim::plan(cfg, &ds), server.now).unwrap();
    server.drive(&mut run, Some(server.now + 5_000.0));
    let interim = run.interim_checkpoint();
    server.flush();
    let mut rest = Run::new(cfg.clone(), settings, Some(interim), None, T0, server.now).unwrap();
    rest.attach(sim::plan(cfg, &ds), server.now).unwrap();
    server.drive(&mut rest, None);
    server.flush();
    let report = rest.report(server.now);
    assert_eq!(report.status, RunStatus::Succeeded);
    report
}

/// A host that can be killed (a service worker, a Durable Object) keeps only the interim
/// checkpoint of each batch and the state the call *started* from; one that was told to
/// stop keeps the report's checkpoint and state. Any chain of the two ends like an
/// uninterrupted refresh: the same store and totals. Members confirmed by batches an
/// interim resume skipped have an unknown Autopilot id: the job's next call from a full
/// state sends them again (to learn the ids), and what is left when the job ends is sent
/// again by the next refresh — only that; the refresh after it writes nothing.
#[test]
fn chains_of_interim_and_full_checkpoints_end_exactly() {
    let k = 2;
    let people = population(2_500, k, 0.3, 12);
    let cfg = config(k, true);
    let mut rng = Rng::new(13);
    for seed in 0..12u64 {
        let (next, ..) = one_percent(&people, k, 300 + seed);
        let mut next = next;
        // More changes, so that a refresh has several batches to interrupt.
        for p in next.iter_mut().step_by(9) {
            p.first.push_str(" (changed)");
        }
        // Odd seeds start from a state that already holds unknown ids of an earlier job
        // (its first run was interrupted and resumed from an interim checkpoint).
        let interrupted_base = seed % 2 == 1;
        let mut reference = Sim::new(SimConfig::default());
        let base = first_run(&mut reference, &cfg, &people, k, seed, interrupted_base);
        let start = reference.now;
        // (Another seed than the first run's: a job's tag comes from its seed.)
        let (_, done) = refresh(
            &mut reference,
            &cfg,
            &next,
            k,
            Some(&base.sync_state),
            seed + 500,
        );
        // Leavers whose ids the interrupted first run never learnt cannot be removed.
        let untracked = done
            .warnings
            .iter()
            .any(|w| w.code == autopilot_export::error::WarningCode::RemovalFailed);
        assert_eq!(
            done.status,
            if untracked {
                RunStatus::Partial
            } else {
                RunStatus::Succeeded
            },
            "seed {seed}"
        );
        assert!(interrupted_base || !untracked);
        let duration = reference.now - start;

        let mut server = Sim::new(SimConfig::default());
        let base = first_run(&mut server, &cfg, &people, k, seed, interrupted_base);
        let ds = dataset(&next, k);
        // (checkpoint, state) the next call starts from.
        let mut resume: (Option<Checkpoint>, Vec<u8>) = (None, base.sync_state.clone());
        let mut kinds = String::new();
        let mut calls = 0;
        let end = loop {
            calls += 1;
            let mut run = Run::new(
                cfg.clone(),
                Settings {
                    seed: seed * 100 + calls,
                    ..Settings::default()
                },
                resume.0.clone(),
                Some(&resume.1),
                T0,
                server.now,
            )
            .unwrap_or_else(|e| panic!("seed {seed}, call {calls} ({kinds}): {e:?}"));
            run.attach(sim::plan(&cfg, &ds), server.now)
                .unwrap_or_else(|e| panic!("seed {seed}, call {calls} ({kinds}): {e:?}"));
            let last = calls > 5;
            let cut = (!last).then(|| server.now + rng.f64() * duration / 3.0);
            server.drive(&mut run, cut);
            let report = run.report(server.now);
            if std::env::var("CHAIN_DEBUG").is_ok() {
                println!(
                    "seed {seed} call {calls}: {:?} exported {} unchanged {} upsert requests so far {}",
                    report.status,
                    report.totals.exported,
                    report.totals.unchanged,
                    server.contact_posts().count()
                );
            }
            if report.status != RunStatus::Cancelled {
                break report;
            }
            if rng.f64() < 0.6 {
                // Killed: the last interim checkpoint and the state this call started from.
                kinds.push('i');
                resume.0 = Some(run.interim_checkpoint());
            } else {
                kinds.push('f');
                resume = (Some(report.checkpoint.clone()), report.sync_state.clone());
            }
            server.flush();
        };
        server.flush();
        assert_eq!(
            end.status, done.status,
            "seed {seed} ({kinds}): {:?}",
            end.error
        );
        assert!(
            reference.snapshot() == server.snapshot(),
            "seed {seed} ({kinds}): stores differ"
        );
        assert_eq!(
            (
                end.totals.exported,
                end.totals.removed,
                end.totals.unchanged,
                end.totals.failed
            ),
            (
                done.totals.exported,
                done.totals.removed,
                done.totals.unchanged,
                0
            ),
            "seed {seed} ({kinds})"
        );
        // The next refresh re-sends only memberships confirmed before an interim resume.
        let unknown: u64 = SyncState::decode(&end.sync_state)
            .expect("the state reads back")
            .lists
            .iter()
            .flat_map(|l| &l.entries)
            .filter(|e| e.id.is_unknown())
            .count() as u64;
        if !kinds.ends_with('i') {
            assert_eq!(unknown, 0, "seed {seed} ({kinds}): re-sent within the job");
        }
        let (_, after) = refresh(&mut server, &cfg, &next, k, Some(&end.sync_state), seed);
        assert_eq!(after.status, RunStatus::Succeeded);
        assert_eq!(
            (after.totals.exported, after.totals.removed),
            (unknown, 0),
            "seed {seed} ({kinds}): only the members of unknown id are sent again"
        );
        let writes = server.writes().count();
        let (_, third) = refresh(&mut server, &cfg, &next, k, Some(&after.sync_state), seed);
        assert_eq!(third.status, RunStatus::Succeeded);
        assert_eq!(server.writes().count(), writes, "seed {seed} ({kinds})");
        println!("seed {seed}: calls {calls} ({kinds}), {unknown} memberships of unknown id");
    }
}

#[test]
fn a_budget_pauses_the_run_and_the_slices_add_up() {
    let k = 2;
    let people = population(5_000, k, 0.4, 10);
    let cfg = config(k, true);
    let ds = dataset(&people, k);
    let mut server = Sim::new(SimConfig::default());
    let (mut checkpoint, mut state): (
        Option<autopilot_export::report::Checkpoint>,
        Option<Vec<u8>>,
    ) = (None, None);
    let mut slices = 0;
    let report = loop {
        slices += 1;
        assert!(slices < 100, "too many slices");
        let before = server.stats.requests;
        let settings = Settings {
            max_requests: Some(15),
            ..Settings::default()
        };
        let mut run = Run::new(
            cfg.clone(),
            settings,
            checkpoint.clone(),
            state.as_deref(),
            T0,
            server.now,
        )
        .unwrap();
        run.attach(sim::plan(&cfg, &ds), server.now).unwrap();
        server.drive(&mut run, None);
        assert!(
            server.stats.requests - before <= 15,
            "slice {slices} sent more than its budget"
        );
        let r = run.report(server.now);
        if r.status != RunStatus::Paused {
            break r;
        }
        checkpoint = Some(r.checkpoint.clone());
        state = Some(r.sync_state.clone());
        assert_eq!(run.next(server.now), Step::Done);
    };
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.error);
    assert!(slices > 3);
    assert_eq!(report.totals.exported, report.totals.memberships);
    assert_eq!(
        server.stats.list_gets, 1,
        "the lists are read once, not per slice"
    );
    server.assert_store(&expected_mirror(&[&people]));
    sim::assert_finished_invariants(&report);
}
