//! Planning: random segments of rows (emails from a small pool of case variants, invalid
//! ones, parser rejects), random cap, overCap and list mode. Never panics, and the plan obeys
//! DESIGN.md §4: per-segment counts add up; at most 100 contacts per batch, never the same
//! email twice in one batch, the minimum number of batches; every membership exactly once;
//! at most `cap` contacts; request bodies are valid JSON; the fingerprint is deterministic.
//!
//! Input layout: byte 0 = cap (1 + b % 250); byte 1 = flags (bit 0 truncate, bit 1 no lists,
//! bits 2-3 number of segments - 1); then 2 bytes per row: 0xFE starts the next segment,
//! otherwise b0 picks the email (or a reject), b1 the name.
#![no_main]

use autopilot_export::config::{self, ExportConfig};
use autopilot_export::input::{Cell, RowSink};
use autopilot_export::plan::{Plan, Planner, MAX_BATCH};
use autopilot_export::report::RejectReason;
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};

const BASES: &[&str] = &[
    "ada@example.com",
    "bob@example.org",
    "carl@x.io",
    "dan@sub.example.com",
    "eve@example.com",
    "fay@example.net",
    "gus@example.com",
    "hal@example.com",
    "ivy@example.com",
    "joe@example.com",
    "kim@example.com",
    "lee@example.com",
];

fn email_of(b: u8, extra: u8) -> String {
    let base = BASES[(b as usize) % BASES.len()];
    match (b / 16) % 8 {
        0 => base.to_uppercase(),
        1 => format!(" {base}\t"),
        2 => format!("{}{}", base[..1].to_uppercase(), &base[1..]),
        3 => format!("u{extra}.{base}"),
        4 => ["", "not-an-email", "a@b", "jürgen@example.de", "\u{a0}"][(extra % 5) as usize]
            .to_string(),
        _ => base.to_string(),
    }
}

fn build(data: &[u8]) -> Option<(Plan, usize, u64)> {
    let cap = 1 + (*data.first()? as u64) % 250;
    let flags = *data.get(1)?;
    let segments = 1 + ((flags >> 2) & 3) as usize;
    let json = serde_json::json!({
        "connection": {"displayName": "f", "apiKey": "0123456789abcdef0123456789abcdef", "consent": true, "exportUser": "u"},
        "mapping": {"email": "email", "firstName": "name", "custom": [{"source": "name", "name": "N", "type": "integer"}]},
        "segments": (0..segments).map(|i| serde_json::json!({"name": format!("S{i}")})).collect::<Vec<_>>(),
        "cap": cap,
        "overCap": if flags & 1 == 1 { "truncate" } else { "refuse" },
        "lists": if flags & 2 == 2 { "none" } else { "per-segment" },
    });
    let cfg: ExportConfig = config::from_json_str(&json.to_string()).ok()?;
    let mut planner = Planner::new_unchecked_connection(&cfg).ok()?;
    let fields = planner.fields();
    let mut seg = 0;
    planner.begin_segment(0).ok()?;
    let mut row = 0u64;
    for pair in data.get(2..)?.chunks(2) {
        let (b0, b1) = (pair[0], *pair.get(1).unwrap_or(&0));
        if b0 == 0xFE {
            if seg + 1 < segments {
                seg += 1;
                planner.begin_segment(seg).ok()?;
                row = 0;
            }
            continue;
        }
        row += 1;
        if b0 == 0xFD {
            planner.reject(row, RejectReason::MalformedRow, Some("fuzz"));
            continue;
        }
        let email = email_of(b0, b1);
        let name = format!("{b1}");
        let cells: Vec<Cell<'_>> = fields
            .iter()
            .map(|f| match f.as_str() {
                "email" => Cell::Str(&email),
                _ if b1 % 7 == 0 => Cell::Missing,
                _ => Cell::Str(&name),
            })
            .collect();
        planner.row(row, &cells);
    }
    // Segments not reached are still begun (each is fed once, in order).
    for s in seg + 1..segments {
        planner.begin_segment(s).ok()?;
    }
    Some((planner.finish(), segments, cap))
}

fuzz_target!(|data: &[u8]| {
    let Some((plan, segments, cap)) = build(data) else {
        return;
    };
    let per_segment = data[1] & 2 == 0;
    assert_eq!(plan.segments.len(), segments);
    let mut members = 0;
    for s in &plan.segments {
        let c = &s.counts;
        assert_eq!(
            c.profiles_in,
            c.invalid + c.duplicates + c.over_cap + c.memberships,
            "counts of {} do not add up: {c:?}",
            s.name
        );
        members += c.memberships;
    }
    assert_eq!(members as usize, plan.memberships.len());
    assert!(
        plan.contacts.len() as u64 <= cap,
        "more contacts than the cap"
    );
    assert!(plan.unique_seen >= plan.contacts.len() as u64);
    assert_eq!(plan.cap_exceeded(), plan.unique_seen > cap);
    // Batches: ≤ 100, no email twice, minimum count, every membership once.
    let m = plan.memberships.len();
    let mut per_contact: HashMap<u32, usize> = HashMap::new();
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let mut total = 0;
    for b in 0..plan.batch_count() {
        let batch = plan.batch(b);
        assert!(
            !batch.is_empty() && batch.len() <= MAX_BATCH,
            "batch {b} has {} contacts",
            batch.len()
        );
        let mut emails = HashSet::new();
        for x in batch {
            assert!(
                emails.insert(plan.email(x).to_ascii_lowercase()),
                "the same email twice in batch {b}"
            );
            assert!(
                seen.insert((x.contact, x.segment)),
                "a membership appears twice"
            );
            *per_contact.entry(x.contact).or_default() += 1;
        }
        total += batch.len();
        let body = plan
            .body(batch, &vec![Some("contactlist_1".to_string()); segments])
            .expect("a non-empty batch of planned contacts has a body");
        let v: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}"));
        assert_eq!(v["contacts"].as_array().map(Vec::len), Some(batch.len()));
    }
    assert_eq!(total, m);
    let k = per_contact.values().copied().max().unwrap_or(0);
    let minimum = if m == 0 {
        0
    } else {
        m.div_ceil(MAX_BATCH).max(k)
    };
    assert_eq!(
        plan.batch_count(),
        minimum,
        "not the minimum number of batches"
    );
    if !per_segment {
        assert!(k <= 1, "without lists a contact is sent once");
    }
    assert!(k <= segments);
    // Deterministic fingerprint; the summary never panics.
    let again = build(data).expect("same input builds again").0;
    assert_eq!(plan.fingerprint(), again.fingerprint());
    let _ = plan.summary(5.0);
});
