//! The sans-IO run state machine against a simulated Autopilot whose every answer (success,
//! 409, 429 with or without `Retry-After`, 5xx, 400, timeout after the write, network error,
//! garbage 200, 401, cancel) and whose order of completion are chosen by the fuzzer; the plan
//! is attached at once (after the reads went out, as the wasm host does) or late, after some
//! reads were answered. Optionally the run is a refresh: a previous healthy run of another
//! row set left a sync state, and this run diffs against it (in `mirror` mode with lists, so
//! leavers are removed with `DELETE`).
//!
//! Checks: never panics; always finishes (≤ 200,000 steps); never asks to wait for nothing;
//! every request goes to the API base with the key header; never an email twice in a
//! request, never more than 100 contacts, every contact is one of the plan's memberships and
//! carries its segment's list (a list Autopilot has); no write before the plan is attached
//! and before the account and list reads the run needs were answered, and no account read
//! when the sync state names the account and the checkpoint carries this key; per-segment counts always add up (`memberships =
//! exported + failed + unchanged + notSent`), and a run that ends without error or cancel
//! leaves nothing unsent with every batch in its checkpoint. Then the run is resumed three
//! ways on the server it left (the requests abandoned at its end were applied or not, as
//! the fuzzer chose): from the report's checkpoint with the report's sync state, from the
//! same checkpoint with the state the run started from, and from the last interim
//! checkpoint with the state the run started from. Each resume is accepted, re-sends no
//! membership of a batch its checkpoint marks finished, ends without error with every
//! membership exported, failed or unchanged and every batch done, continues the request
//! counters, and leaves Autopilot holding every membership that did not fail (with the
//! current name) and, on each list, no one outside its segment.
//!
//! Input layout: byte 0 = segments (1 + (b & 3) % 3), refresh shift (bits 2-3: the previous
//! row set starts 1, 5, 20 or 60 rows later), late attach (bit 5), refresh (bit 6), no lists
//! (bit 7); byte 1 = rows per segment (b % 120); then one byte per decision.
#![no_main]

use autopilot_export::config::{self, ExportConfig, DEFAULT_BASE_URL};
use autopilot_export::error::{ErrorCode, WarningCode};
use autopilot_export::input::{Cell, RowSink};
use autopilot_export::plan::{Batches, Plan, Planner};
use autopilot_export::report::{Checkpoint, ExportReport, RunStatus};
use autopilot_export::run::{default_in_flight, Method, Outcome, Request, Run, Settings, Step};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap, HashSet};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const INSTANCE: &str = "instance_00000000-0000-4000-8000-00000000F422";
/// Wall clock (epoch ms) and monotonic clock (ms) at the start.
const WALL0: f64 = 1_700_000_000_000.0;
const MONO0: f64 = 5_000.0;

/// The job: one configuration, the rows of this run, and those of the previous run (refresh).
struct Job {
    cfg: ExportConfig,
    plan: Plan,
    previous: Option<Plan>,
    per_segment: bool,
    late: bool,
}

fn config(segments: usize, no_lists: bool, refresh: bool) -> Option<ExportConfig> {
    let json = json!({
        "connection": {"displayName": "f", "apiKey": KEY, "consent": true, "exportUser": "u"},
        "mapping": {"email": "email", "firstName": "name"},
        "segments": (0..segments).map(|i| json!({"name": format!("S{i}")})).collect::<Vec<_>>(),
        "lists": if no_lists { "none" } else { "per-segment" },
        "membership": if refresh && !no_lists { "mirror" } else { "add" },
        "maxRemovalRatio": 1,
    });
    config::from_json_str(&json.to_string()).ok()
}

/// `rows` rows per segment: person `(r * 7 + s * 13 + offset) % 150`, whose name depends on
/// the generation (a quarter of the people change it from one generation to the next).
fn plan_of(cfg: &ExportConfig, segments: usize, rows: usize, offset: usize, gen: usize) -> Plan {
    let mut planner = Planner::new(cfg).expect("a valid configuration plans");
    let fields = planner.fields();
    for s in 0..segments {
        planner.begin_segment(s).expect("segments in order");
        for r in 0..rows {
            let i = (r * 7 + s * 13 + offset) % 150;
            let email = format!("p{i}@example.com");
            let name = name_of(i, gen);
            let cells: Vec<Cell<'_>> = fields
                .iter()
                .map(|f| match f.as_str() {
                    "email" => Cell::Str(&email),
                    "name" => Cell::Str(name),
                    _ => Cell::Missing,
                })
                .collect();
            planner.row(r as u64 + 1, &cells);
        }
    }
    planner.finish()
}

fn name_of(i: usize, gen: usize) -> &'static str {
    if (i + gen) % 4 == 0 {
        "Bea"
    } else {
        "Al"
    }
}

fn job(data: &[u8]) -> Option<Job> {
    let flags = *data.first()?;
    let segments = 1 + ((flags & 3) % 3) as usize;
    let shift = [1, 5, 20, 60][((flags >> 2) & 3) as usize];
    let late = flags & 0x20 != 0;
    let refresh = flags & 0x40 != 0;
    let no_lists = flags & 0x80 != 0;
    let rows = (*data.get(1)? % 120) as usize;
    let cfg = config(segments, no_lists, refresh)?;
    let plan = plan_of(&cfg, segments, rows, 0, 1);
    let previous = (refresh && rows > 0).then(|| plan_of(&cfg, segments, rows, 7 * shift, 0));
    Some(Job {
        cfg,
        plan,
        previous,
        per_segment: !no_lists,
        late,
    })
}

/// A stored contact.
#[derive(Debug, Clone)]
struct Contact {
    id: String,
    name: Option<String>,
    lists: BTreeSet<String>,
}

/// The simulated Autopilot: applies a request as it arrives and returns its success answer.
#[derive(Debug, Clone, Default)]
struct Server {
    /// `(list_id, title)` in creation order.
    lists: Vec<(String, String)>,
    /// Lower-cased email → contact.
    contacts: HashMap<String, Contact>,
    people: u64,
    /// The memberships of the plan being sent: (lower-cased email, list title or "").
    expected: HashSet<(String, String)>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], s.get(i + 1..i + 3)) {
            (b'%', Some(h)) if u8::from_str_radix(h, 16).is_ok() => {
                out.push(u8::from_str_radix(h, 16).unwrap_or(0));
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("an encoded id decodes to UTF-8")
}

/// The path of a request under the API base, after checking what every request must carry.
fn path_of(req: &Request) -> &str {
    let path = req
        .url
        .strip_prefix(DEFAULT_BASE_URL)
        .unwrap_or_else(|| panic!("a request outside the API base: {}", req.url));
    assert!(
        req.headers
            .iter()
            .any(|(n, v)| n == "autopilotapikey" && v.expose() == KEY),
        "a request without the key header"
    );
    assert!(req.timeout_ms > 0.0, "a request without a timeout");
    assert_eq!(
        req.body.is_some(),
        req.method == Method::Post,
        "a body on a GET/DELETE or none on a POST"
    );
    path
}

impl Server {
    fn title_of(&self, list_id: &str) -> Option<&str> {
        self.lists
            .iter()
            .find(|(id, _)| id == list_id)
            .map(|(_, t)| t.as_str())
    }

    fn list_id(&self, title: &str) -> Option<&str> {
        self.lists
            .iter()
            .find(|(_, t)| t == title)
            .map(|(id, _)| id.as_str())
    }

    /// Applies `req` (as Autopilot would on arrival) and returns the success answer.
    fn apply(&mut self, req: &Request) -> (u16, String) {
        let path = path_of(req);
        if req.method == Method::Delete {
            let rest = path
                .strip_prefix("/list/")
                .unwrap_or_else(|| panic!("unexpected DELETE {path}"));
            let (list, contact) = rest
                .split_once("/contact/")
                .unwrap_or_else(|| panic!("unexpected DELETE {path}"));
            let (list, contact) = (percent_decode(list), percent_decode(contact));
            if self.title_of(&list).is_none() {
                return (
                    404,
                    r#"{"error":"Not Found","message":"List could not be found."}"#.into(),
                );
            }
            let Some(c) = self.contacts.values_mut().find(|c| c.id == contact) else {
                return (
                    404,
                    r#"{"error":"Not Found","message":"Contact could not be found."}"#.into(),
                );
            };
            return if c.lists.remove(&list) {
                (200, "{}".into())
            } else {
                (200, r#"{"not_modified":true}"#.into())
            };
        }
        match (req.method, path) {
            (Method::Get, "/account") => (200, json!({ "instanceId": INSTANCE }).to_string()),
            (Method::Get, "/lists") => {
                let lists: Vec<_> = self
                    .lists
                    .iter()
                    .map(|(id, t)| json!({"list_id": id, "title": t}))
                    .collect();
                (200, json!({ "lists": lists }).to_string())
            }
            (Method::Post, "/list") => {
                let v: Value = serde_json::from_str(req.body.as_deref().unwrap_or(""))
                    .expect("list body is JSON");
                let title = v["name"].as_str().expect("list name").to_string();
                if self.list_id(&title).is_some() {
                    return (
                        409,
                        r#"{"error":"Conflict","message":"exists"}"#.to_string(),
                    );
                }
                let id = format!("contactlist_{:08X}-FUZZ", self.lists.len() + 1);
                self.lists.push((id.clone(), title));
                (200, json!({ "list_id": id }).to_string())
            }
            (Method::Post, "/contacts") => {
                let v: Value = serde_json::from_str(req.body.as_deref().unwrap_or(""))
                    .expect("bulk body is JSON");
                let contacts = v["contacts"].as_array().expect("contacts array");
                assert!(
                    !contacts.is_empty() && contacts.len() <= 100,
                    "bulk of {} contacts",
                    contacts.len()
                );
                let mut map = serde_json::Map::new();
                let mut ids = Vec::new();
                let mut seen = HashSet::new();
                for c in contacts {
                    let e = c["Email"].as_str().expect("Email").to_string();
                    let lower = e.to_ascii_lowercase();
                    assert!(
                        seen.insert(lower.clone()),
                        "the same email twice in one request"
                    );
                    let list = c.get("_autopilot_list").map(|l| {
                        let l = l.as_str().expect("_autopilot_list is a string");
                        let t = self.title_of(l).unwrap_or_else(|| {
                            panic!("a contact names a list Autopilot does not have: {l}")
                        });
                        (l.to_string(), t.to_string())
                    });
                    let title = list.as_ref().map_or("", |(_, t)| t.as_str());
                    assert!(
                        self.expected.contains(&(lower.clone(), title.to_string())),
                        "a contact sent that is not a membership of the plan: {e} on '{title}'"
                    );
                    self.people += 1;
                    let n = self.people;
                    let entry = self.contacts.entry(lower).or_insert_with(|| Contact {
                        id: if n % 3 == 0 {
                            format!("person_{n}")
                        } else {
                            format!("person_00000000-0000-4000-8000-{n:012X}")
                        },
                        name: None,
                        lists: BTreeSet::new(),
                    });
                    if let Some(name) = c.get("FirstName").and_then(Value::as_str) {
                        entry.name = Some(name.to_string());
                    }
                    if let Some((l, _)) = list {
                        entry.lists.insert(l);
                    }
                    ids.push(Value::String(entry.id.clone()));
                    map.insert(e, Value::String(entry.id.clone()));
                }
                (
                    200,
                    json!({ "contact_ids": ids, "email_contact_map": map }).to_string(),
                )
            }
            other => panic!("unexpected request {other:?}"),
        }
    }
}

/// Which reads a run must have answered before it writes.
#[derive(Debug, Clone, Copy)]
struct Reads {
    account: bool,
    /// The account must be answered before any write (a sync state is checked against it);
    /// without a state it only has to be answered before the run succeeds.
    account_first: bool,
    lists: bool,
}

/// What a drive saw.
#[derive(Debug, Default)]
struct Driven {
    /// Upsert batches sent (the run's batch ids).
    batches: HashSet<u32>,
    /// Requests sent.
    sent: u64,
    writes: u64,
    cancelled: bool,
    /// The last checkpoint taken after a finished batch.
    interim: Option<Checkpoint>,
    /// Requests in flight when the run ended (abandoned).
    abandoned: Vec<Request>,
}

/// Attaches the plan (once the host has read its input).
fn attach(run: &mut Run, plan: &mut Option<Plan>, now: f64) {
    let Some(p) = plan.take() else { return };
    let empty = p.memberships.is_empty();
    match run.attach(p, now) {
        Ok(()) => assert!(!empty, "a plan without memberships was attached"),
        Err(e) => {
            assert!(empty, "the plan was refused: {e:?}");
            assert_eq!(e.code, ErrorCode::NothingToExport);
        }
    }
}

/// Drives `run` to the end, attaching `plan` (if not yet attached) at once or late.
#[allow(clippy::too_many_arguments)]
fn drive(
    run: &mut Run,
    mut plan: Option<Plan>,
    server: &mut Server,
    bytes: &mut impl Iterator<Item = u8>,
    now: &mut f64,
    allow_cancel: bool,
    late: bool,
    reads: Reads,
) -> Driven {
    let mut in_flight: Vec<Request> = Vec::new();
    let mut out = Driven::default();
    let (mut account_ok, mut lists_ok) = (false, false);
    for _ in 0..200_000 {
        match run.next(*now) {
            Step::Send(req) => {
                out.sent += 1;
                match (req.method, path_of(&req)) {
                    (Method::Get, "/account") => assert!(
                        reads.account,
                        "GET /account although the sync state and the checkpoint's key name the account"
                    ),
                    (Method::Get, "/lists") => {}
                    (_, path) => {
                        assert!(plan.is_none(), "a write before the plan was attached");
                        assert!(
                            account_ok || !reads.account || !reads.account_first,
                            "a write before GET /account was answered, with a sync state"
                        );
                        assert!(
                            lists_ok || !reads.lists,
                            "a write before GET /lists was answered"
                        );
                        out.writes += 1;
                        if path == "/contacts" {
                            out.batches
                                .insert(req.batch.expect("an upsert names its batch"));
                        }
                    }
                }
                in_flight.push(req);
                continue;
            }
            Step::Done => {
                if plan.is_some() {
                    // The host attaches the plan once its input is read, whatever happened.
                    attach(run, &mut plan, *now);
                    continue;
                }
                if run.report(*now).status == RunStatus::Succeeded {
                    assert!(
                        account_ok || !reads.account,
                        "succeeded without GET /account answered"
                    );
                }
                out.abandoned = in_flight;
                return out;
            }
            Step::Wait { until } => {
                if plan.is_some() {
                    let stuck = in_flight.is_empty() && until.is_none();
                    if !late || stuck || bytes.next().unwrap_or(0) % 4 == 0 {
                        attach(run, &mut plan, *now);
                        continue;
                    }
                }
                let b = bytes.next().unwrap_or(0);
                if in_flight.is_empty() || (until.is_some() && b % 5 == 4) {
                    let until = until.expect("waiting for nothing with nothing in flight");
                    assert!(until >= *now - 1e-6, "asked to wait until the past");
                    *now = until.max(*now);
                    continue;
                }
                let i = (b as usize / 5) % in_flight.len();
                let req = in_flight.swap_remove(i);
                *now += 1.0 + (b % 37) as f64;
                let kind = bytes.next().unwrap_or(0);
                let mut read_ok = false;
                let mut answer = |server: &mut Server| {
                    let (status, body) = server.apply(&req);
                    read_ok = status == 200;
                    Outcome::response(status, body)
                };
                let outcome = match kind {
                    0..=169 => answer(server),
                    170..=184 => Outcome::Response {
                        status: 429,
                        headers: if kind.is_multiple_of(2) {
                            vec![("retry-after".into(), "1".into())]
                        } else {
                            Vec::new()
                        },
                        body: r#"{"error":"Too Many Requests"}"#.into(),
                    },
                    185..=199 => Outcome::response(500 + (kind % 4) as u16, ""),
                    200..=214 => {
                        let _ = server.apply(&req); // applied, answer lost
                        Outcome::Timeout
                    }
                    215..=229 => Outcome::Network("ECONNRESET".into()),
                    230..=239 => {
                        // Applied; the 200 came back garbled (other answers come back as they are).
                        let (status, body) = server.apply(&req);
                        if status == 200 {
                            Outcome::response(200, "<html>oops</html>")
                        } else {
                            Outcome::response(status, body)
                        }
                    }
                    240..=249 => Outcome::response(
                        400,
                        r#"{"error":"Bad Request","message":"Invalid contact"}"#,
                    ),
                    250..=252 if allow_cancel => {
                        run.cancel(*now);
                        out.cancelled = true;
                        assert!(
                            !run.complete(req.id, Outcome::Network("aborted".into()), *now),
                            "an outcome after the cancel was taken"
                        );
                        in_flight.push(req);
                        continue;
                    }
                    253 => Outcome::response(401, r#"{"error":"Unauthorized"}"#),
                    _ => answer(server),
                };
                let taken = !run.is_done();
                let path = path_of(&req);
                if taken && read_ok && req.method == Method::Get {
                    match path {
                        "/account" => account_ok = true,
                        "/lists" => lists_ok = true,
                        _ => {}
                    }
                }
                if run.complete(req.id, outcome, *now) {
                    let p = run.progress(*now);
                    assert!(p.batches_done <= p.batches_total, "{p:?}");
                    assert_eq!(p.exported + p.failed, p.contacts_done, "{p:?}");
                    out.interim = Some(run.interim_checkpoint());
                }
            }
        }
    }
    panic!("the run did not finish within 200,000 steps");
}

/// Per segment, `memberships = exported + failed + unchanged + notSent`; with `complete`,
/// nothing is left unsent.
fn check_counts(r: &ExportReport, complete: bool) {
    for seg in &r.segments {
        let c = &seg.counts;
        assert_eq!(
            c.memberships,
            c.exported + c.failed + c.unchanged + c.not_sent,
            "counts of {} do not add up: {c:?}",
            seg.name
        );
        if complete {
            assert_eq!(c.not_sent, 0, "{} left memberships unsent: {c:?}", seg.name);
        }
    }
}

/// The memberships (indexes into `plan.memberships`) of the finished batches of `cp`.
fn finished(cp: &Checkpoint, batches: Option<&Batches>) -> HashSet<u32> {
    let Some(batches) = batches else {
        assert!(cp.done.is_empty(), "finished batches without batches");
        return HashSet::new();
    };
    cp.done
        .iter()
        .flat_map(|[a, b]| *a..=*b)
        .flat_map(|b| batches.batch(b as usize).iter().copied())
        .collect()
}

/// Autopilot holds every membership that did not fail, with the current name, and no list
/// holds anyone outside its segment.
fn check_store(server: &Server, job: &Job, r: &ExportReport) {
    let plan = &job.plan;
    let failed: HashSet<(u32, u64)> = r
        .rejects
        .iter()
        .filter(|x| !x.reason.is_input())
        .map(|x| (x.segment, x.row))
        .collect();
    let titles: Vec<String> = (0..plan.segments.len())
        .map(|s| job.cfg.list_title(s).unwrap_or_default())
        .collect();
    let mut members: Vec<HashSet<String>> = vec![HashSet::new(); plan.segments.len()];
    for m in &plan.memberships {
        let email = plan.email(m).to_ascii_lowercase();
        members[m.segment as usize].insert(email.clone());
        if failed.contains(&(m.segment, m.row)) {
            continue;
        }
        let c = server
            .contacts
            .get(&email)
            .unwrap_or_else(|| panic!("{email} was not failed but Autopilot does not have it"));
        let i: usize = email[1..email.find('@').unwrap_or(1)].parse().unwrap_or(0);
        assert_eq!(
            c.name.as_deref(),
            Some(name_of(i, 1)),
            "{email} does not have its current name"
        );
        if job.per_segment {
            let list = server
                .list_id(&titles[m.segment as usize])
                .unwrap_or_else(|| panic!("the list of segment {} is missing", m.segment));
            assert!(
                c.lists.contains(list),
                "{email} is not on the list of segment {}",
                m.segment
            );
        }
    }
    if job.per_segment {
        for (s, title) in titles.iter().enumerate() {
            let Some(list) = server.list_id(title) else {
                continue;
            };
            for (email, c) in &server.contacts {
                assert!(
                    !c.lists.contains(list) || members[s].contains(email),
                    "{email} is on the list of segment {s} but not in the segment"
                );
            }
        }
    }
}

fn settings() -> Settings {
    Settings {
        rate_per_second: 1000.0,
        max_in_flight: default_in_flight(1000.0),
        max_attempts: 4,
        ..Settings::default()
    }
}

fn expected(job: &Job, plan: &Plan) -> HashSet<(String, String)> {
    plan.memberships
        .iter()
        .map(|m| {
            let title = if job.per_segment {
                job.cfg.list_title(m.segment as usize).unwrap_or_default()
            } else {
                String::new()
            };
            (plan.email(m).to_ascii_lowercase(), title)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some(job) = job(data) else { return };
    let mut server = Server::default();
    let mut now = MONO0;
    let healthy = || std::iter::repeat(0u8);

    // Refresh: a previous healthy run of another row set leaves the base state.
    let base: Option<Vec<u8>> = job.previous.as_ref().map(|prev| {
        server.expected = expected(&job, prev);
        let mut run = Run::new(job.cfg.clone(), settings(), None, None, WALL0, now)
            .expect("a valid configuration starts");
        let reads = Reads {
            account: true,
            account_first: false,
            lists: job.per_segment,
        };
        let d = drive(
            &mut run,
            Some(prev.clone()),
            &mut server,
            &mut healthy(),
            &mut now,
            false,
            false,
            reads,
        );
        assert!(d.abandoned.is_empty());
        let r = run.report(now);
        assert_eq!(r.status, RunStatus::Succeeded, "{:?}", r.error);
        r.sync_state
    });

    // The fuzzed run.
    server.expected = expected(&job, &job.plan);
    let mut bytes = data.iter().copied().skip(2);
    let mut run = Run::new(
        job.cfg.clone(),
        settings(),
        None,
        base.as_deref(),
        WALL0,
        now,
    )
    .expect("a valid configuration starts");
    let reads = Reads {
        account: true,
        account_first: base.is_some(),
        lists: job.per_segment,
    };
    let d = drive(
        &mut run,
        Some(job.plan.clone()),
        &mut server,
        &mut bytes,
        &mut now,
        true,
        job.late,
        reads,
    );
    let report = run.report(now);
    assert_eq!(report.checkpoint, run.checkpoint());
    let complete = run.error().is_none() && !d.cancelled;
    check_counts(&report, complete);
    if job.plan.memberships.is_empty() {
        // Refused when attached (NOTHING_TO_EXPORT, checked in `attach`), after whatever
        // happened before: nothing was written and the run ended with an error.
        assert_eq!(d.writes, 0, "a write without memberships");
        assert!(
            run.error().is_some(),
            "an empty plan ended without an error"
        );
        return;
    }
    if d.cancelled {
        assert_eq!(report.status, RunStatus::Cancelled);
    }
    let first_batches: Option<Batches> = run.batches().cloned();
    let cp = report.checkpoint.clone();
    assert_eq!(
        cp.batches as usize,
        first_batches.as_ref().map_or(0, Batches::count)
    );
    if base.is_none() && first_batches.is_some() {
        assert_eq!(cp.batches as usize, job.plan.batch_count());
    }
    if complete {
        let all: Vec<[u32; 2]> = if cp.batches == 0 {
            Vec::new()
        } else {
            vec![[0, cp.batches - 1]]
        };
        assert_eq!(
            cp.done, all,
            "a finished run's checkpoint holds every batch"
        );
    }
    // The checkpoint as a host stores it: JSON, no email, no key.
    let text = serde_json::to_string(&cp).expect("the checkpoint serialises");
    assert!(
        !text.contains('@') && !text.contains(KEY),
        "the checkpoint carries an email or the key"
    );
    let cp: Checkpoint = serde_json::from_str(&text).expect("the checkpoint reads back");
    // Requests abandoned at the end reached Autopilot or not.
    for req in &d.abandoned {
        if bytes.next().unwrap_or(0) & 1 == 1 {
            let _ = server.apply(req);
        }
    }

    // Resumes on the server the run left, against a healthy Autopilot.
    let mut resumes: Vec<(&str, Checkpoint, Option<&[u8]>)> = vec![
        ("report's state", cp.clone(), Some(&report.sync_state[..])),
        ("starting state", cp.clone(), base.as_deref()),
    ];
    if let Some(i) = &d.interim {
        resumes.push(("interim checkpoint", i.clone(), base.as_deref()));
    }
    for (how, cp, state) in resumes {
        let mut server = server.clone();
        let mut now = now;
        let mut resumed = Run::new(
            job.cfg.clone(),
            settings(),
            Some(cp.clone()),
            state,
            WALL0,
            now,
        )
        .unwrap_or_else(|e| panic!("resume ({how}) refused: {e:?}"));
        resumed
            .attach(job.plan.clone(), now)
            .unwrap_or_else(|e| panic!("resume ({how}) refused the plan: {e:?}"));
        // The account is read again unless the state names it and the checkpoint's call
        // used this key (the checkpoint's `key`; empty when that call stopped before it
        // knew the account).
        let reads = Reads {
            account: state.is_none() || cp.key.is_empty(),
            account_first: state.is_some(),
            lists: job.per_segment && !cp.lists.iter().all(Option::is_some),
        };
        let sent = drive(
            &mut resumed,
            None,
            &mut server,
            &mut healthy(),
            &mut now,
            false,
            false,
            reads,
        );
        let r = resumed.report(now);
        assert!(
            resumed.error().is_none(),
            "resume ({how}) failed: {:?}",
            r.error
        );
        assert!(r.resumed);
        check_counts(&r, true);
        let done = finished(&cp, first_batches.as_ref());
        let batches = resumed
            .batches()
            .expect("a finished resume has its batches");
        for b in &sent.batches {
            for m in batches.batch(*b as usize) {
                assert!(
                    !done.contains(m),
                    "resume ({how}) re-sent a membership of a finished batch (batch {b})"
                );
            }
        }
        let all: Vec<[u32; 2]> = if batches.count() == 0 {
            Vec::new()
        } else {
            vec![[0, batches.count() as u32 - 1]]
        };
        assert_eq!(
            r.checkpoint.done, all,
            "resume ({how}): a finished run's checkpoint holds every batch"
        );
        assert_eq!(
            r.requests.sent,
            cp.requests.sent + sent.sent,
            "resume ({how}): request counters do not continue"
        );
        assert!(
            !r.warnings
                .iter()
                .any(|w| w.code == WarningCode::RemovalFailed),
            "resume ({how}): a removal failed against a healthy Autopilot"
        );
        check_store(&server, &job, &r);
    }
});
