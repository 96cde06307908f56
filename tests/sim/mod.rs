//! A simulated Autopilot and a simulated clock for driving [`Run`] in native tests.
//!
//! The driver loop ([`Sim::drive`]) calls `run.next(now)`, hands every request to the
//! simulated server, and advances the clock to the earliest of {next server event, the run's
//! `Wait.until`}. A request reaches the server half a base latency after it was sent (the
//! uplink has no jitter, so the server sees the client's spacing), is processed there
//! (rate limit, faults, state changes), and its answer is delivered a full latency plus a
//! seeded jitter after the send — or as `Outcome::Timeout` at `send + timeout_ms` when the
//! answer would be later than that. Requests of an earlier driver generation (a cancelled
//! run) are still processed by the server, but their answers are dropped, as an aborted
//! `fetch` would drop them.
//!
//! Also here: a synthetic data set generator with an independent oracle (expected counts and
//! expected Autopilot store), and plan building through the real [`Planner`].
#![allow(dead_code)]

use autopilot_export::config::{
    ApiKey, Connection, CustomField, ExportConfig, FieldMapping, ListMode, OverCap, SegmentConfig,
};
use autopilot_export::input::{Cell, RowSink};
use autopilot_export::plan::{Plan, Planner};
use autopilot_export::run::{Method, Outcome, Request, Run, Settings, Step};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

/// A contact in a store: (email as sent, fields, list titles).
pub type StoredContact = (String, Map<String, Value>, BTreeSet<String>);
/// A store: lower-cased email → contact.
pub type Store = BTreeMap<String, StoredContact>;

/// The API key used by test configurations.
pub const KEY: &str = "0123456789abcdef0123456789abcdef";
/// Epoch ms at which simulations start (2024-01-01T00:00:00Z).
pub const T0: f64 = 1_704_067_200_000.0;
/// Marker in FirstName making a contact invalid (the whole request is answered 400).
pub const POISON: &str = "POISON";
/// Marker in FirstName making every request that carries the contact fail with 503.
pub const ALWAYS_503: &str = "BROKEN";

// ---------------------------------------------------------------------------------------------
// PRNG

/// SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0xD1B5_4A32_D192_ED03)
    }
    pub fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.u64() % n
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Server configuration and state

/// Behaviour of the simulated server.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Base round trip, ms.
    pub latency_ms: f64,
    /// Uniform extra delay of the answer, `[0, jitter_ms)`.
    pub jitter_ms: f64,
    /// Server rate limit per key (requests/second); 0 = none.
    pub rate_per_second: f64,
    /// Bucket capacity of the rate limit.
    pub burst: f64,
    /// Probability of a 503 (not applied). (`Stats::errors_5xx` counts every 5xx answered.)
    pub p_5xx: f64,
    /// Probability of a dropped connection (`Outcome::Network`); the write is applied with
    /// probability 1/2.
    pub p_drop: f64,
    /// Probability of a slow answer after the client's timeout (write applied).
    pub p_timeout: f64,
    /// Probability of a `200` whose body is not JSON (write applied).
    pub p_bad_body: f64,
    /// Answer 404 to everything (wrong base URL).
    pub not_found: bool,
    /// The first N `POST /list` are applied but answered after the client's timeout.
    pub timeout_first_creates: u32,
    /// Probability that a request starts a 429 burst (it and every request for
    /// `burst_429_ms` get 429).
    pub p_429_burst: f64,
    /// Length of a 429 burst.
    pub burst_429_ms: f64,
    /// Faults (5xx, drops, timeouts, 429 bursts) also on list requests.
    pub faults_on_lists: bool,
    /// `Retry-After` header sent with every 429.
    pub retry_after: Option<String>,
    /// Answer 429 to the first N `POST /contacts` (in arrival order).
    pub force_429_first_contacts: u32,
    /// Answer 401 to every request from the N-th on (0 = every request).
    pub auth_fail_from: Option<u64>,
    /// Lower-cased emails accepted but left out of `email_contact_map` (and not stored).
    pub unconfirmed: HashSet<String>,
    /// Titles of lists that exist before the run.
    pub existing_lists: Vec<String>,
    /// Titles of lists that exist but are missing from the first `hidden_for_gets` answers
    /// of `GET /lists`.
    pub hidden_lists: Vec<String>,
    /// See `hidden_lists` (`u32::MAX` = always hidden).
    pub hidden_for_gets: u32,
    /// Seed of the server's randomness.
    pub seed: u64,
    /// The account's `instanceId` (`GET /account`).
    pub instance_id: String,
    /// Keep the emails of every upsert in the log.
    pub log_emails: bool,
    /// A 400 for a poison contact names its position: "Invalid contact at index N: …".
    pub index_in_400: bool,
    /// Record the run's `etaMs` after every answer (`Drive::etas`).
    pub record_eta: bool,
    /// Answer every `POST /contacts` with this 400 message (a systemic rejection, such as a
    /// custom field whose type differs in the account); `{email}` becomes the first email.
    pub reject_all: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            latency_ms: 250.0,
            jitter_ms: 50.0,
            rate_per_second: 5.0,
            burst: 1.0,
            p_5xx: 0.0,
            p_drop: 0.0,
            p_timeout: 0.0,
            p_bad_body: 0.0,
            not_found: false,
            timeout_first_creates: 0,
            p_429_burst: 0.0,
            burst_429_ms: 2000.0,
            faults_on_lists: true,
            retry_after: None,
            force_429_first_contacts: 0,
            auth_fail_from: None,
            unconfirmed: HashSet::new(),
            existing_lists: Vec::new(),
            hidden_lists: Vec::new(),
            hidden_for_gets: 1,
            seed: 1,
            instance_id: "instance_SIM".into(),
            log_emails: false,
            index_in_400: false,
            reject_all: None,
            record_eta: false,
        }
    }
}

/// One stored contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: String,
    pub email: String,
    pub fields: Map<String, Value>,
    pub lists: BTreeSet<String>,
}

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Pending,
    Status(u16),
    Dropped { applied: bool },
    TimedOut { applied: bool },
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub gen: u32,
    pub id: u64,
    pub method: Method,
    pub path: String,
    pub batch: Option<u32>,
    pub attempt: u32,
    pub contacts: usize,
    /// Lower-cased emails of an upsert (only with `SimConfig::log_emails`).
    pub emails: Vec<String>,
    pub sent_at: f64,
    pub arrived_at: f64,
    pub delivered_at: f64,
    pub fate: Fate,
}

/// Counters of the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub throttled: u64,
    pub errors_5xx: u64,
    pub dropped: u64,
    pub timeouts: u64,
    pub bad_bodies: u64,
    pub bad_requests: u64,
    pub unauthorized: u64,
    pub list_gets: u64,
    pub list_creates: u64,
    pub conflicts: u64,
    pub contact_posts: u64,
    /// Requests that carried the same email twice (must stay 0).
    pub duplicate_in_request: u64,
    /// `POST /contacts` with more than 100 contacts (must stay 0).
    pub oversized: u64,
    /// `DELETE /list/{id}/contact/{id}` requests processed.
    pub removals: u64,
}

#[derive(Debug, Clone)]
enum EvKind {
    Arrive {
        log: usize,
        body: Option<String>,
        timeout_ms: f64,
    },
    Deliver {
        log: usize,
        outcome: Outcome,
    },
}

#[derive(Debug, Clone)]
struct Ev {
    at: f64,
    seq: u64,
    kind: EvKind,
}

impl PartialEq for Ev {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ev {
    // Reversed: BinaryHeap is a max-heap, we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.total_cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}

/// Result of [`Sim::drive`].
#[derive(Debug, Clone, Default)]
pub struct Drive {
    pub cancelled: bool,
    /// Requests in flight when the run was cancelled.
    pub in_flight_at_cancel: usize,
    /// `complete` calls that returned true.
    pub batches_finished: u64,
    /// Progress snapshots taken (one per finished batch).
    pub progress_calls: u64,
    /// With `SimConfig::record_eta`: `(now, etaMs)` after every answer once there is one.
    pub etas: Vec<(f64, f64)>,
}

/// The simulated Autopilot.
#[derive(Debug)]
pub struct Sim {
    pub cfg: SimConfig,
    pub now: f64,
    rng: Rng,
    /// `(list_id, title)` in creation order.
    pub lists: Vec<(String, String)>,
    /// Lower-cased email → contact.
    pub contacts: HashMap<String, Contact>,
    pub stats: Stats,
    pub log: Vec<LogEntry>,
    events: BinaryHeap<Ev>,
    seq: u64,
    gen: u32,
    tokens: f64,
    tokens_at: f64,
    burst_until: f64,
    gets_served: u32,
    contact_posts_seen: u32,
    creates_seen: u32,
    next_person: u64,
    lists_made: u64,
}

impl Sim {
    pub fn new(cfg: SimConfig) -> Self {
        let mut sim = Sim {
            rng: Rng::new(cfg.seed),
            now: T0,
            lists: Vec::new(),
            contacts: HashMap::new(),
            stats: Stats::default(),
            log: Vec::new(),
            events: BinaryHeap::new(),
            seq: 0,
            gen: 0,
            tokens: cfg.burst,
            tokens_at: T0,
            burst_until: f64::NEG_INFINITY,
            gets_served: 0,
            contact_posts_seen: 0,
            creates_seen: 0,
            next_person: 1,
            lists_made: 0,
            cfg,
        };
        let titles: Vec<String> = sim
            .cfg
            .existing_lists
            .iter()
            .chain(&sim.cfg.hidden_lists)
            .cloned()
            .collect();
        for t in titles {
            sim.create_list(&t);
        }
        sim
    }

    fn create_list(&mut self, title: &str) -> String {
        self.lists_made += 1;
        let id = format!("contactlist_{:08X}-SIM", self.lists_made);
        self.lists.push((id.clone(), title.to_string()));
        id
    }

    fn push(&mut self, at: f64, kind: EvKind) {
        self.seq += 1;
        self.events.push(Ev {
            at,
            seq: self.seq,
            kind,
        });
    }

    /// Sends `req` (generation `gen`) at `self.now`.
    fn submit(&mut self, gen: u32, req: Request) {
        let contacts = req
            .body
            .as_deref()
            .map_or(0, |b| b.matches("\"Email\":").count());
        let emails = match (&req.body, self.cfg.log_emails) {
            (Some(b), true) => serde_json::from_str::<Value>(b)
                .ok()
                .and_then(|v| {
                    v.get("contacts")?.as_array().map(|a| {
                        a.iter()
                            .filter_map(|c| c.get("Email")?.as_str().map(str::to_ascii_lowercase))
                            .collect()
                    })
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        self.log.push(LogEntry {
            gen,
            id: req.id,
            method: req.method,
            path: req
                .url
                .strip_prefix(autopilot_export::meta::DEFAULT_BASE_URL)
                .unwrap_or(&req.url)
                .to_string(),
            batch: req.batch,
            attempt: req.attempt,
            contacts,
            emails,
            sent_at: self.now,
            arrived_at: f64::NAN,
            delivered_at: f64::NAN,
            fate: Fate::Pending,
        });
        let log = self.log.len() - 1;
        let at = self.now + self.cfg.latency_ms / 2.0;
        self.push(
            at,
            EvKind::Arrive {
                log,
                body: req.body,
                timeout_ms: req.timeout_ms,
            },
        );
    }

    /// Server side: the request arrives and is processed.
    fn arrive(&mut self, log: usize, body: Option<String>, timeout_ms: f64) {
        self.stats.requests += 1;
        let (method, path, sent_at) = {
            let e = &mut self.log[log];
            e.arrived_at = self.now;
            (e.method, e.path.clone(), e.sent_at)
        };
        let rtt = self.cfg.latency_ms + self.rng.f64() * self.cfg.jitter_ms;
        let is_contacts = path == "/contacts";
        let faults = is_contacts || self.cfg.faults_on_lists;
        let seq = self.stats.requests;

        let answer = |status: u16, body: Value| Outcome::response(status, body.to_string());
        let mut fate_override: Option<Fate> = None;

        let outcome: Outcome = 'decide: {
            if self.cfg.auth_fail_from.is_some_and(|n| seq > n) {
                self.stats.unauthorized += 1;
                break 'decide answer(
                    401,
                    json!({"error": "Unauthorized", "message": "Provided autopilotapikey not valid."}),
                );
            }
            if self.cfg.not_found {
                break 'decide answer(
                    404,
                    json!({"error": "Not Found", "message": "Cannot POST /v2/contacts"}),
                );
            }
            // Rate limit (a rejected request does not use a token).
            let mut throttle = false;
            if self.cfg.rate_per_second > 0.0 {
                let refill = (self.now - self.tokens_at) * self.cfg.rate_per_second / 1000.0;
                self.tokens = (self.tokens + refill).min(self.cfg.burst);
                self.tokens_at = self.now;
                if self.tokens >= 1.0 - 1e-9 {
                    self.tokens -= 1.0;
                } else {
                    throttle = true;
                }
            }
            if faults && self.now < self.burst_until {
                throttle = true;
            } else if faults && self.cfg.p_429_burst > 0.0 && self.rng.f64() < self.cfg.p_429_burst
            {
                self.burst_until = self.now + self.cfg.burst_429_ms;
                throttle = true;
            }
            if is_contacts && self.contact_posts_seen < self.cfg.force_429_first_contacts {
                self.contact_posts_seen += 1;
                throttle = true;
            }
            if throttle {
                self.stats.throttled += 1;
                break 'decide Outcome::Response {
                    status: 429,
                    body:
                        json!({"error": "Too Many Requests", "message": "API rate limit exceeded"})
                            .to_string(),
                    headers: self
                        .cfg
                        .retry_after
                        .iter()
                        .map(|v| ("retry-after".to_string(), v.clone()))
                        .collect(),
                };
            }
            if is_contacts {
                self.contact_posts_seen += 1;
            }
            let u = if faults { self.rng.f64() } else { 1.0 };
            if u < self.cfg.p_5xx {
                self.stats.errors_5xx += 1;
                break 'decide answer(
                    503,
                    json!({"error": "Service Unavailable", "message": "try again"}),
                );
            }
            if u < self.cfg.p_5xx + self.cfg.p_drop {
                let applied = self.rng.f64() < 0.5;
                if applied {
                    let _ = self.process(method, &path, body.as_deref());
                }
                self.stats.dropped += 1;
                fate_override = Some(Fate::Dropped { applied });
                break 'decide Outcome::Network("connection reset by peer".into());
            }
            let mut slow = u < self.cfg.p_5xx + self.cfg.p_drop + self.cfg.p_timeout;
            let garbage = !slow
                && u < self.cfg.p_5xx + self.cfg.p_drop + self.cfg.p_timeout + self.cfg.p_bad_body;
            if path == "/list" && self.creates_seen < self.cfg.timeout_first_creates {
                self.creates_seen += 1;
                slow = true;
            }
            let (status, resp) = self.process(method, &path, body.as_deref());
            if garbage && status == 200 {
                self.stats.bad_bodies += 1;
                break 'decide Outcome::response(200, "<html>Gateway hiccup</html>");
            }
            if slow || rtt >= timeout_ms {
                self.stats.timeouts += 1;
                fate_override = Some(Fate::TimedOut { applied: true });
                break 'decide Outcome::Timeout;
            }
            if status == 400 {
                self.stats.bad_requests += 1;
            }
            if status >= 500 {
                self.stats.errors_5xx += 1;
            }
            answer(status, resp)
        };
        let deliver_at = if outcome == Outcome::Timeout {
            sent_at + timeout_ms
        } else {
            sent_at + rtt
        };
        let fate = fate_override.unwrap_or(match &outcome {
            Outcome::Response { status, .. } => Fate::Status(*status),
            _ => Fate::Pending,
        });
        self.log[log].fate = fate;
        self.log[log].delivered_at = deliver_at;
        self.push(deliver_at, EvKind::Deliver { log, outcome });
    }

    /// Applies a request to the store; returns the status and body.
    fn process(&mut self, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
        let bad = |msg: &str| (400, json!({"error": "Bad Request", "message": msg}));
        if let (Method::Delete, Some(rest)) = (method, path.strip_prefix("/list/")) {
            self.stats.removals += 1;
            let mut parts = rest.split("/contact/");
            let (list, contact) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            if !self.lists.iter().any(|(id, _)| id == list) {
                return (
                    404,
                    json!({"error": "Not Found", "message": "List could not be found."}),
                );
            }
            let Some(c) = self.contacts.values_mut().find(|c| c.id == contact) else {
                return (
                    404,
                    json!({"error": "Not Found", "message": "Contact could not be found."}),
                );
            };
            if c.lists.remove(list) {
                return (200, json!({}));
            }
            return (200, json!({"not_modified": true}));
        }
        match (method, path) {
            (Method::Get, "/account") => (200, json!({"instanceId": self.cfg.instance_id})),
            (Method::Get, "/lists") => {
                self.stats.list_gets += 1;
                self.gets_served += 1;
                let hide = self.gets_served <= self.cfg.hidden_for_gets;
                let lists: Vec<Value> = self
                    .lists
                    .iter()
                    .filter(|(_, t)| !(hide && self.cfg.hidden_lists.contains(t)))
                    .map(|(id, t)| json!({"list_id": id, "title": t}))
                    .collect();
                (200, json!({ "lists": lists }))
            }
            (Method::Post, "/list") => {
                self.stats.list_creates += 1;
                let Some(name) = body
                    .and_then(|b| serde_json::from_str::<Value>(b).ok())
                    .and_then(|v| v.get("name")?.as_str().map(str::to_string))
                else {
                    return bad("name required");
                };
                if self.lists.iter().any(|(_, t)| *t == name) {
                    self.stats.conflicts += 1;
                    return (
                        409,
                        json!({"error": "Conflict", "message": "A list with this name already exists."}),
                    );
                }
                let id = self.create_list(&name);
                (200, json!({ "list_id": id }))
            }
            (Method::Post, "/contacts") => {
                self.stats.contact_posts += 1;
                let Some(v) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
                    return bad("Invalid JSON");
                };
                let Some(items) = v.get("contacts").and_then(Value::as_array) else {
                    return bad("contacts required");
                };
                let items: &Vec<Value> = items;
                if items.len() > 100 {
                    self.stats.oversized += 1;
                    return bad("Too many contacts: at most 100 per request.");
                }
                if let Some(msg) = &self.cfg.reject_all {
                    let first = items
                        .first()
                        .and_then(|c| c.get("Email"))
                        .and_then(Value::as_str);
                    return bad(&msg.replace("{email}", first.unwrap_or("")));
                }
                let mut seen = HashSet::new();
                for (index, c) in items.iter().enumerate() {
                    let email = c.get("Email").and_then(Value::as_str).unwrap_or("");
                    if !seen.insert(email.to_ascii_lowercase()) {
                        self.stats.duplicate_in_request += 1;
                    }
                    let first = c.get("FirstName").and_then(Value::as_str).unwrap_or("");
                    if first.contains(POISON) {
                        if self.cfg.index_in_400 {
                            return bad(&format!("Invalid contact at index {index}: {email}."));
                        }
                        return bad(&format!("Invalid contact data for {email}."));
                    }
                    if let Some(list) = c.get("_autopilot_list") {
                        let known = list
                            .as_str()
                            .is_some_and(|l| self.lists.iter().any(|(id, _)| id == l));
                        if !known {
                            return bad("List not found.");
                        }
                    }
                }
                if items.iter().any(|c| {
                    c.get("FirstName")
                        .and_then(Value::as_str)
                        .is_some_and(|f| f.contains(ALWAYS_503))
                }) {
                    return (
                        503,
                        json!({"error": "Service Unavailable", "message": "broken"}),
                    );
                }
                let mut ids = Vec::new();
                let mut map = Map::new();
                let items = match v {
                    Value::Object(mut o) => match o.remove("contacts") {
                        Some(Value::Array(a)) => a,
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                for c in items {
                    let Value::Object(mut obj) = c else { continue };
                    let email = match obj.remove("Email") {
                        Some(Value::String(e)) => e,
                        _ => String::new(),
                    };
                    let lower = email.to_ascii_lowercase();
                    if self.cfg.unconfirmed.contains(&lower) {
                        continue;
                    }
                    let list = obj.remove("_autopilot_list");
                    let next_person = &mut self.next_person;
                    let entry = self.contacts.entry(lower.clone()).or_insert_with(|| {
                        *next_person += 1;
                        Contact {
                            id: format!("person_00000000-0000-4000-8000-{:012X}", *next_person),
                            email: String::new(),
                            fields: Map::new(),
                            lists: BTreeSet::new(),
                        }
                    });
                    entry.email = email;
                    if let Some(Value::String(l)) = list {
                        entry.lists.insert(l);
                    }
                    if entry.fields.is_empty() {
                        entry.fields = obj;
                    } else {
                        for (k, val) in obj {
                            match (k.as_str(), val) {
                                ("custom", Value::Object(src)) => {
                                    let slot =
                                        entry.fields.entry("custom").or_insert_with(|| json!({}));
                                    if let Some(dst) = slot.as_object_mut() {
                                        dst.extend(src);
                                    }
                                }
                                (_, val) => {
                                    entry.fields.insert(k, val);
                                }
                            }
                        }
                    }
                    ids.push(Value::String(entry.id.clone()));
                    map.insert(lower, Value::String(entry.id.clone()));
                }
                (
                    200,
                    json!({"contact_ids": ids, "email_contact_map": map, "_removeResultKeys": ["proposedContacts"]}),
                )
            }
            _ => (
                404,
                json!({"error": "Not Found", "message": "no such endpoint"}),
            ),
        }
    }

    /// Processes every pending event (server side only; answers are dropped).
    pub fn flush(&mut self) {
        while let Some(ev) = self.events.pop() {
            self.now = self.now.max(ev.at);
            if let EvKind::Arrive {
                log,
                body,
                timeout_ms,
            } = ev.kind
            {
                self.arrive(log, body, timeout_ms);
            }
        }
    }

    /// Drives `run` to its end (or cancels it at `cancel_at`).
    pub fn drive(&mut self, run: &mut Run, cancel_at: Option<f64>) -> Drive {
        self.gen += 1;
        let gen = self.gen;
        let mut out = Drive::default();
        for _ in 0..5_000_000u64 {
            let until = loop {
                match run.next(self.now) {
                    Step::Send(req) => {
                        assert!(req.timeout_ms > 0.0);
                        self.submit(gen, req);
                    }
                    Step::Wait { until } => break until,
                    Step::Done => return out,
                }
            };
            if let Some(u) = until {
                assert!(u > self.now, "Wait.until {u} is not after now {}", self.now);
            }
            let next_ev = self.events.peek().map(|e| e.at);
            let t = match (next_ev, until) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => {
                    panic!("deadlock: the run waits for a response but nothing is in flight")
                }
            };
            if let Some(c) = cancel_at {
                if c <= t {
                    self.now = self.now.max(c);
                    out.in_flight_at_cancel = run.in_flight_ids().len();
                    run.cancel(self.now);
                    out.cancelled = true;
                    assert_eq!(run.next(self.now), Step::Done);
                    return out;
                }
            }
            self.now = self.now.max(t);
            while self.events.peek().is_some_and(|e| e.at <= self.now) {
                let Some(ev) = self.events.pop() else { break };
                match ev.kind {
                    EvKind::Arrive {
                        log,
                        body,
                        timeout_ms,
                    } => self.arrive(log, body, timeout_ms),
                    EvKind::Deliver { log, outcome } => {
                        let (g, id) = (self.log[log].gen, self.log[log].id);
                        if g == gen && run.complete(id, outcome, self.now) {
                            out.batches_finished += 1;
                            let p = run.progress(self.now);
                            assert!(p.batches_done <= p.batches_total);
                            assert!(p.exported + p.failed == p.contacts_done, "{p:?}");
                            out.progress_calls += 1;
                        }
                        if self.cfg.record_eta && g == gen {
                            if let Some(eta) = run.progress(self.now).eta_ms {
                                out.etas.push((self.now, eta));
                            }
                        }
                    }
                }
            }
        }
        panic!("the run did not finish within the iteration bound");
    }

    /// The store as `lower email → (email, fields, list titles)`.
    pub fn snapshot(&self) -> Store {
        let title: HashMap<&str, &str> = self
            .lists
            .iter()
            .map(|(id, t)| (id.as_str(), t.as_str()))
            .collect();
        self.contacts
            .iter()
            .map(|(k, c)| {
                let lists = c
                    .lists
                    .iter()
                    .map(|l| title.get(l.as_str()).copied().unwrap_or("?").to_string())
                    .collect();
                (k.clone(), (c.email.clone(), c.fields.clone(), lists))
            })
            .collect()
    }

    /// Asserts that the store holds exactly `expected` (lower email → (email, fields, list
    /// titles)), without copying it.
    pub fn assert_store(&self, expected: &Store) {
        let title: HashMap<&str, &str> = self
            .lists
            .iter()
            .map(|(id, t)| (id.as_str(), t.as_str()))
            .collect();
        for (k, (email, fields, lists)) in expected {
            let c = self
                .contacts
                .get(k)
                .unwrap_or_else(|| panic!("contact {k} is missing from the store"));
            assert_eq!(&c.email, email, "email of {k}");
            assert_eq!(&c.fields, fields, "fields of {k}");
            let got: BTreeSet<&str> = c
                .lists
                .iter()
                .map(|l| title.get(l.as_str()).copied().unwrap_or("?"))
                .collect();
            let want: BTreeSet<&str> = lists.iter().map(String::as_str).collect();
            assert_eq!(got, want, "lists of {k}");
        }
        assert_eq!(
            self.contacts.len(),
            expected.len(),
            "the store has contacts that were not expected"
        );
    }

    /// Log entries of the `POST /contacts` requests.
    pub fn contact_posts(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().filter(|e| e.path == "/contacts")
    }
}

// ---------------------------------------------------------------------------------------------
// Data sets and plans

/// One input row (CSV-like: every cell is text).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub email: String,
    pub first: String,
    pub last: String,
    pub orders: Option<String>,
}

/// A generated job with its oracle.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub segment_names: Vec<String>,
    pub rows: Vec<Vec<Row>>,
    /// Per segment: rows, invalid, duplicates, memberships.
    pub expected_counts: Vec<[u64; 4]>,
    /// Expected store: lower email → (email as sent, fields, list titles).
    pub expected: Store,
    /// Per segment, lower-cased emails of the memberships in row order, with their row.
    pub members: Vec<Vec<(String, u64)>>,
}

pub const LIST_PREFIX: &str = "CI: ";

/// `n` people over `k` segments: person `i` is in segment `i % k` and in each other segment
/// with probability `overlap`; ~0.5 % invalid rows and ~0.5 % within-segment duplicates
/// (different case, different FirstName: the first occurrence wins). `flag(i)` may put a
/// marker into person `i`'s FirstName.
pub fn synth(
    n: usize,
    k: usize,
    overlap: f64,
    seed: u64,
    flag: &dyn Fn(usize) -> Option<&'static str>,
) -> Dataset {
    let mut rng = Rng::new(seed);
    let mut ds = Dataset {
        segment_names: (0..k).map(|s| format!("Segment {s}")).collect(),
        rows: vec![Vec::new(); k],
        expected_counts: vec![[0; 4]; k],
        members: vec![Vec::new(); k],
        ..Dataset::default()
    };
    let person = |i: usize| {
        let local = if i % 11 == 0 {
            format!("User.{i}")
        } else {
            format!("user.{i}")
        };
        let domain = if i % 13 == 0 {
            format!("Example{}.COM", i % 7)
        } else {
            format!("example{}.com", i % 7)
        };
        let first = match flag(i) {
            Some(m) => format!("{m}-{i}"),
            None => format!("First{i}"),
        };
        Row {
            email: format!("{local}@{domain}"),
            first,
            last: format!("Last {i}"),
            orders: (i % 5 != 0).then(|| (i % 50).to_string()),
        }
    };
    let mut in_segment: Vec<Vec<usize>> = vec![Vec::new(); k];
    for i in 0..n {
        for (s, seg) in in_segment.iter_mut().enumerate() {
            if s == i % k || rng.f64() < overlap {
                seg.push(i);
            }
        }
    }
    let mut seen_global: HashSet<usize> = HashSet::new();
    #[allow(clippy::needless_range_loop)]
    for s in 0..k {
        let mut seen: Vec<usize> = Vec::new();
        let mut rows = Vec::new();
        let title = format!("{LIST_PREFIX}{}", ds.segment_names[s]);
        let counts = &mut ds.expected_counts[s];
        for &i in &in_segment[s] {
            if rng.f64() < 0.005 {
                rows.push(Row {
                    email: format!("not-an-email-{i}"),
                    first: "x".into(),
                    last: "y".into(),
                    orders: None,
                });
                counts[1] += 1;
            }
            if !seen.is_empty() && rng.f64() < 0.005 {
                let j = seen[rng.below(seen.len() as u64) as usize];
                let mut dup = person(j);
                dup.email = dup.email.to_uppercase();
                dup.first = "Duplicate".into();
                rows.push(dup);
                counts[2] += 1;
            }
            let p = person(i);
            rows.push(p.clone());
            counts[3] += 1;
            seen.push(i);
            let row_no = rows.len() as u64;
            let (local, domain) = p.email.split_once('@').unwrap();
            let sent = format!("{local}@{}", domain.to_ascii_lowercase());
            let lower = sent.to_ascii_lowercase();
            ds.members[s].push((lower.clone(), row_no));
            if seen_global.insert(i) {
                let mut fields = Map::new();
                fields.insert("FirstName".into(), Value::String(p.first.clone()));
                fields.insert("LastName".into(), Value::String(p.last.clone()));
                if let Some(o) = &p.orders {
                    fields.insert(
                        "custom".into(),
                        json!({"integer--Orders": o.parse::<i64>().unwrap()}),
                    );
                }
                ds.expected
                    .insert(lower.clone(), (sent, fields, BTreeSet::new()));
            }
            ds.expected.get_mut(&lower).unwrap().2.insert(title.clone());
        }
        counts[0] = rows.len() as u64;
        ds.rows[s] = rows;
    }
    ds
}

/// `expected` without list memberships (for `lists: 'none'`).
pub fn without_lists(expected: &Store) -> Store {
    expected
        .iter()
        .map(|(k, (e, f, _))| (k.clone(), (e.clone(), f.clone(), BTreeSet::new())))
        .collect()
}

/// The configuration of a test job.
pub fn config(ds: &Dataset, lists: ListMode) -> ExportConfig {
    ExportConfig {
        connection: Connection {
            display_name: "Sim".into(),
            api_key: ApiKey::new(KEY),
            consent: true,
            export_user: "tester".into(),
            base_url: None,
        },
        mapping: FieldMapping {
            email: "email".into(),
            first_name: Some("first".into()),
            last_name: Some("last".into()),
            custom: vec![CustomField {
                source: "orders".into(),
                name: "Orders".into(),
                ty: "integer".into(),
                ..CustomField::default()
            }],
            ..FieldMapping::default()
        },
        segments: ds
            .segment_names
            .iter()
            .map(|n| SegmentConfig { name: n.clone() })
            .collect(),
        cap: None,
        over_cap_mode: Some(OverCap::Refuse),
        list_mode: Some(lists),
        list_prefix: LIST_PREFIX.into(),
        ..ExportConfig::default()
    }
}

/// Feeds the rows through the real [`Planner`].
pub fn plan(cfg: &ExportConfig, ds: &Dataset) -> Plan {
    plan_with(cfg, ds, |_, _, _| {})
}

/// [`plan`], calling `after(planner, segment, rows)` once each segment's rows are fed (to add
/// rejects, for example).
pub fn plan_with(
    cfg: &ExportConfig,
    ds: &Dataset,
    mut after: impl FnMut(&mut Planner, usize, &[Row]),
) -> Plan {
    let mut planner = Planner::new(cfg).expect("valid config");
    let fields = planner.fields();
    for (s, rows) in ds.rows.iter().enumerate() {
        planner.begin_segment(s).expect("segment order");
        for (n, r) in rows.iter().enumerate() {
            let cells: Vec<Cell<'_>> = fields
                .iter()
                .map(|f| match f.as_str() {
                    "email" => Cell::Str(&r.email),
                    "first" => Cell::Str(&r.first),
                    "last" => Cell::Str(&r.last),
                    "orders" => r.orders.as_deref().map_or(Cell::Missing, Cell::Str),
                    _ => Cell::Missing,
                })
                .collect();
            planner.row(n as u64 + 1, &cells);
        }
        after(&mut planner, s, rows);
    }
    planner.finish()
}

/// Checks the report's per-segment counts against the oracle and the count invariants.
pub fn assert_counts(report: &autopilot_export::ExportReport, ds: &Dataset) {
    for (s, seg) in report.segments.iter().enumerate() {
        let [rows, invalid, dups, members] = ds.expected_counts[s];
        let c = &seg.counts;
        assert_eq!(
            (c.profiles_in, c.invalid, c.duplicates, c.memberships),
            (rows, invalid, dups, members),
            "segment {s}"
        );
        assert_eq!(
            c.profiles_in,
            c.invalid + c.duplicates + c.over_cap + c.memberships,
            "segment {s}"
        );
    }
    let t = &report.totals;
    let sum = |f: fn(&autopilot_export::report::SegmentCounts) -> u64| {
        report.segments.iter().map(|s| f(&s.counts)).sum::<u64>()
    };
    assert_eq!(t.exported, sum(|c| c.exported));
    assert_eq!(t.failed, sum(|c| c.failed));
    assert_eq!(t.memberships, sum(|c| c.memberships));
    assert_eq!(t.unique_profiles, ds.expected.len() as u64);
}

/// Asserts that the finished report's segment memberships are all accounted for.
pub fn assert_finished_invariants(report: &autopilot_export::ExportReport) {
    for (s, seg) in report.segments.iter().enumerate() {
        assert_eq!(
            seg.counts.memberships,
            seg.counts.exported + seg.counts.failed + seg.counts.unchanged,
            "segment {s}"
        );
        assert_eq!(seg.counts.not_sent, 0, "segment {s}");
    }
    let failed_rejects = report
        .rejects
        .iter()
        .filter(|r| !r.reason.is_input())
        .count() as u64;
    assert_eq!(failed_rejects, report.totals.failed);
    let c = &report.checkpoint;
    assert_eq!(
        c.done,
        if c.batches == 0 {
            vec![]
        } else {
            vec![[0, c.batches - 1]]
        }
    );
}

/// A plan and run for `ds` with default settings plus `f`.
pub fn start(ds: &Dataset, lists: ListMode, f: impl FnOnce(&mut Settings)) -> Run {
    let cfg = config(ds, lists);
    let mut settings = Settings::default();
    f(&mut settings);
    start_with(cfg, ds, settings, None, None)
}

/// A run of `cfg` over `ds` with a checkpoint and a state, the plan attached.
pub fn start_with(
    cfg: ExportConfig,
    ds: &Dataset,
    settings: Settings,
    checkpoint: Option<autopilot_export::report::Checkpoint>,
    state: Option<&[u8]>,
) -> Run {
    let p = plan(&cfg, ds);
    let mut run = Run::new(cfg, settings, checkpoint, state, T0, T0).expect("run starts");
    run.attach(p, T0).expect("plan attaches");
    run
}

/// The batch (of the run's upserts) holding the contact whose email starts with `prefix`.
pub fn batch_with(run: &Run, prefix: &str) -> Option<usize> {
    let (plan, batches) = (run.plan()?, run.batches()?);
    (0..batches.count()).find(|&b| {
        batches.batch(b).iter().any(|m| {
            plan.memberships
                .get(*m as usize)
                .is_some_and(|ms| plan.email(ms).starts_with(prefix))
        })
    })
}

impl Sim {
    /// A person's action in the Autopilot UI: adds the contact `lower_email` to the list
    /// titled `title` (not an API request; not counted).
    pub fn add_by_hand(&mut self, lower_email: &str, title: &str) {
        let id = self
            .lists
            .iter()
            .find(|(_, t)| t == title)
            .map(|(i, _)| i.clone());
        if let (Some(id), Some(c)) = (id, self.contacts.get_mut(lower_email)) {
            c.lists.insert(id);
        }
    }

    /// A person deletes the list titled `title` in the Autopilot UI.
    pub fn delete_list(&mut self, title: &str) {
        let Some(pos) = self.lists.iter().position(|(_, t)| t == title) else {
            return;
        };
        let (id, _) = self.lists.remove(pos);
        for c in self.contacts.values_mut() {
            c.lists.remove(&id);
        }
    }

    /// Log entries of the `DELETE /list/{id}/contact/{id}` requests.
    pub fn removal_requests(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().filter(|e| e.method == Method::Delete)
    }

    /// Log entries of write requests (`POST`, `DELETE`).
    pub fn writes(&self) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().filter(|e| e.method != Method::Get)
    }
}
