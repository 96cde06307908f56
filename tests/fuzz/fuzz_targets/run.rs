//! The sans-IO run state machine against a simulated Autopilot whose every answer (success,
//! 409, 429, 5xx, 400, timeout after the write, network error, garbage body, 401) and whose
//! order of completion are chosen by the fuzzer, with a cancel and a resume from the
//! checkpoint. Never panics, always terminates, and at the end: exported + failed =
//! memberships (when not failed or cancelled); every exported contact was applied by the
//! server; the checkpoint resumes the same plan; a resumed run sends only unfinished batches.
//!
//! Input layout: byte 0 = segments (1 + b % 3) and list mode (bit 7); byte 1 = rows per
//! segment (b % 120); then one byte per decision.
#![no_main]

use autopilot_export::config::{self, ExportConfig};
use autopilot_export::input::{Cell, RowSink};
use autopilot_export::plan::{Plan, Planner};
use autopilot_export::run::{Method, Outcome, Request, Run, RunOptions, Step};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fn plan(data: &[u8]) -> Option<Plan> {
    let segments = 1 + (*data.first()? % 3) as usize;
    let no_lists = data[0] & 0x80 != 0;
    let rows = (*data.get(1)? % 120) as usize;
    let json = serde_json::json!({
        "connection": {"displayName": "f", "apiKey": "0123456789abcdef0123456789abcdef", "consent": true, "exportUser": "u", "baseUrl": "http://127.0.0.1:1/v1"},
        "mapping": {"email": "email"},
        "segments": (0..segments).map(|i| serde_json::json!({"name": format!("S{i}")})).collect::<Vec<_>>(),
        "lists": if no_lists { "none" } else { "per-segment" },
    });
    let cfg: ExportConfig = config::from_json_str(&json.to_string()).ok()?;
    let mut planner = Planner::new(&cfg).ok()?;
    for s in 0..segments {
        planner.begin_segment(s).ok()?;
        for r in 0..rows {
            let email = format!("p{}@example.com", (r * 7 + s * 13) % 150);
            planner.row(r as u64 + 1, &[Cell::Str(&email)]);
        }
    }
    Some(planner.finish())
}

struct Server {
    lists: Vec<(String, String)>,
    applied: HashSet<String>,
}

impl Server {
    /// Applies a request (as Autopilot would on arrival) and returns the success answer.
    fn apply(&mut self, req: &Request) -> (u16, String) {
        match (req.method, req.path.as_str()) {
            (Method::Get, "/lists") => {
                let lists: Vec<_> = self
                    .lists
                    .iter()
                    .map(|(id, t)| serde_json::json!({"list_id": id, "title": t}))
                    .collect();
                (200, serde_json::json!({ "lists": lists }).to_string())
            }
            (Method::Post, "/list") => {
                let v: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap_or(""))
                    .expect("list body is JSON");
                let title = v["name"].as_str().expect("list name").to_string();
                if self.lists.iter().any(|(_, t)| *t == title) {
                    return (
                        409,
                        r#"{"error":"Conflict","message":"exists"}"#.to_string(),
                    );
                }
                let id = format!("contactlist_{}", self.lists.len() + 1);
                self.lists.push((id.clone(), title));
                (200, serde_json::json!({ "list_id": id }).to_string())
            }
            (Method::Post, "/contacts") => {
                let v: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap_or(""))
                    .expect("bulk body is JSON");
                let contacts = v["contacts"].as_array().expect("contacts array");
                assert!(
                    !contacts.is_empty() && contacts.len() <= 100,
                    "bulk of {} contacts",
                    contacts.len()
                );
                let mut map = serde_json::Map::new();
                let mut seen = HashSet::new();
                for c in contacts {
                    let e = c["Email"].as_str().expect("Email").to_string();
                    assert!(
                        seen.insert(e.to_ascii_lowercase()),
                        "the same email twice in one request"
                    );
                    self.applied.insert(e.to_ascii_lowercase());
                    map.insert(e, serde_json::Value::String("person_1".into()));
                }
                (
                    200,
                    serde_json::json!({ "contact_ids": [], "email_contact_map": map }).to_string(),
                )
            }
            other => panic!("unexpected request {other:?}"),
        }
    }
}

/// Drives `run` to the end; returns the bulk requests sent and the batches they carried.
fn drive(
    run: &mut Run,
    server: &mut Server,
    bytes: &mut impl Iterator<Item = u8>,
    now: &mut f64,
    allow_cancel: bool,
) -> (usize, HashSet<u32>) {
    let mut in_flight: Vec<Request> = Vec::new();
    let mut bulk = 0;
    let mut batches = HashSet::new();
    for _ in 0..200_000 {
        match run.next(*now) {
            Step::Send(req) => {
                if req.path == "/contacts" {
                    bulk += 1;
                    if let Some(b) = req.batch {
                        batches.insert(b);
                    }
                }
                in_flight.push(req);
                continue;
            }
            Step::Done => return (bulk, batches),
            Step::Wait { until } => {
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
                let outcome = match kind {
                    0..=169 => {
                        let (status, body) = server.apply(&req);
                        Outcome::Response {
                            status,
                            body,
                            retry_after: None,
                        }
                    }
                    170..=184 => Outcome::Response {
                        status: 429,
                        body: r#"{"error":"Too Many Requests"}"#.into(),
                        retry_after: if kind.is_multiple_of(2) {
                            Some("1".into())
                        } else {
                            None
                        },
                    },
                    185..=199 => Outcome::Response {
                        status: 500 + (kind % 4) as u16,
                        body: String::new(),
                        retry_after: None,
                    },
                    200..=214 => {
                        let _ = server.apply(&req); // applied, answer lost
                        Outcome::Timeout
                    }
                    215..=229 => Outcome::Network("ECONNRESET".into()),
                    230..=239 => Outcome::Response {
                        status: 200,
                        body: "<html>oops</html>".into(),
                        retry_after: None,
                    },
                    240..=249 => Outcome::Response {
                        status: 400,
                        body: r#"{"error":"Bad Request","message":"Invalid contact"}"#.into(),
                        retry_after: None,
                    },
                    250..=252 if allow_cancel => {
                        run.cancel(*now);
                        Outcome::Network("aborted".into())
                    }
                    253 => Outcome::Response {
                        status: 401,
                        body: r#"{"error":"Unauthorized"}"#.into(),
                        retry_after: None,
                    },
                    _ => {
                        let (status, body) = server.apply(&req);
                        Outcome::Response {
                            status,
                            body,
                            retry_after: None,
                        }
                    }
                };
                run.complete(req.id, outcome, *now);
            }
        }
    }
    panic!("the run did not finish within 200,000 steps");
}

fuzz_target!(|data: &[u8]| {
    let Some(plan) = plan(data) else { return };
    let opts = RunOptions {
        rate_per_second: 1000.0,
        max_attempts: 4,
        ..RunOptions::default()
    };
    let mut server = Server {
        lists: Vec::new(),
        applied: HashSet::new(),
    };
    let mut bytes = data.iter().copied().skip(2);
    let mut now = 1_700_000_000_000.0;
    let memberships = plan.memberships.len() as u64;
    let batches = plan.batch_count();
    let mut run = Run::new(plan.clone(), opts.clone(), None, now).expect("a valid plan starts");
    let (_, _) = drive(&mut run, &mut server, &mut bytes, &mut now, true);
    let report = run.report(now);
    let cp = run.checkpoint();
    assert_eq!(cp.batches as usize, batches);
    let done: u64 = cp.done.iter().map(|[a, b]| u64::from(b - a + 1)).sum();
    if run.error().is_none() && report.totals.exported + report.totals.failed != memberships {
        // Only a cancel may leave batches unfinished.
        assert!(
            done < batches as u64,
            "finished run with exported {} + failed {} != {memberships}",
            report.totals.exported,
            report.totals.failed
        );
    }
    // Resume from the checkpoint: accepted for the same plan, only unfinished batches are sent.
    let mut resumed = Run::new(plan.clone(), opts, Some(cp.clone()), now)
        .expect("the checkpoint resumes the same plan");
    let finished: HashSet<u32> = cp.done.iter().flat_map(|[a, b]| *a..=*b).collect();
    let mut rest = std::iter::repeat(0u8); // a healthy server from here on
    let (_, sent_batches) = drive(&mut resumed, &mut server, &mut rest, &mut now, false);
    if resumed.error().is_none() {
        assert!(
            sent_batches.is_disjoint(&finished),
            "a resumed run re-sent a finished batch"
        );
        let r = resumed.report(now);
        assert_eq!(
            r.totals.exported + r.totals.failed,
            memberships,
            "resumed run incomplete"
        );
        let all: Vec<[u32; 2]> = if batches == 0 {
            Vec::new()
        } else {
            vec![[0, batches as u32 - 1]]
        };
        assert_eq!(
            resumed.checkpoint().done,
            all,
            "a finished run's checkpoint holds every batch"
        );
        // When everything was exported, the server applied every planned contact.
        if r.totals.exported == memberships {
            for c in &plan.contacts {
                assert!(
                    server.applied.contains(&c.email.to_ascii_lowercase()),
                    "exported but never applied"
                );
            }
        }
    }
});
