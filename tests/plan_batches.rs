//! Planning: dedupe, cap, memberships and batches, including property tests of the plan
//! invariants on random inputs.
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::config::{from_json_str, ExportConfig};
use autopilot_export::error::ErrorCode;
use autopilot_export::input::{Cell, Format, Parser, RowSink};
use autopilot_export::plan::{assign_by_contact, Plan, Planner, MAX_BATCH};
use autopilot_export::report::RejectReason;
use proptest::prelude::*;
use serde_json::json;
use std::collections::{HashMap, HashSet};

fn config(segments: usize, extra: serde_json::Value) -> ExportConfig {
    let mut v = json!({
        "connection": {"displayName": "Test", "apiKey": "0123456789abcdef0123456789abcdef", "consent": true, "exportUser": "ops"},
        "mapping": {"email": "email", "firstName": "first",
                    "custom": [{"source": "orders", "name": "Orders", "type": "integer"}]},
        "segments": (0..segments).map(|i| json!({"name": format!("S{i}")})).collect::<Vec<_>>(),
        "idField": "id"
    });
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in extra {
            obj.insert(k.clone(), val.clone());
        }
    }
    from_json_str(&v.to_string()).unwrap()
}

/// Feeds `segments[i]` = list of (email, first, orders, id) rows.
fn plan(cfg: &ExportConfig, segments: &[Vec<(&str, &str, &str, &str)>]) -> Plan {
    let mut p = Planner::new(cfg).unwrap();
    assert_eq!(p.fields(), ["email", "first", "orders", "id"]);
    for (i, rows) in segments.iter().enumerate() {
        p.begin_segment(i).unwrap();
        for (n, (e, f, o, id)) in rows.iter().enumerate() {
            p.row(
                n as u64 + 1,
                &[Cell::Str(e), Cell::Str(f), Cell::Str(o), Cell::Str(id)],
            );
        }
    }
    p.finish()
}

fn check_invariants(p: &Plan) {
    let mut seen = HashSet::new();
    let mut per_contact: HashMap<u32, usize> = HashMap::new();
    for b in 0..p.batch_count() {
        let batch = p.batch(b);
        assert!(
            !batch.is_empty() && batch.len() <= MAX_BATCH,
            "batch {b} has {}",
            batch.len()
        );
        let mut emails = HashSet::new();
        for m in batch {
            assert!(
                emails.insert(p.email(m).to_ascii_lowercase()),
                "email twice in batch {b}"
            );
            assert!(seen.insert((m.contact, m.segment)), "membership twice");
            *per_contact.entry(m.contact).or_default() += 1;
        }
    }
    let memberships = p.memberships.len();
    assert_eq!(seen.len(), memberships);
    let k = per_contact.values().copied().max().unwrap_or(0);
    let min = memberships.div_ceil(MAX_BATCH).max(k);
    assert_eq!(p.batch_count(), min, "not the minimum number of batches");
    for s in &p.segments {
        let c = &s.counts;
        assert_eq!(
            c.profiles_in,
            c.invalid + c.duplicates + c.over_cap + c.memberships,
            "{}",
            s.name
        );
    }
    let t = p.totals();
    assert_eq!(t.memberships as usize, memberships);
    assert!(t.unique_profiles <= p.cap);
    assert_eq!(t.unique_profiles as usize, p.contacts.len());
    let keys: HashSet<String> = p
        .contacts
        .iter()
        .map(|c| c.email.to_ascii_lowercase())
        .collect();
    assert_eq!(keys.len(), p.contacts.len(), "a contact is stored twice");
}

#[test]
fn dedupe_within_and_across_segments() {
    let cfg = config(2, json!({}));
    let p = plan(
        &cfg,
        &[
            vec![
                ("Ada@Example.com", "Ada", "3", "1"),
                ("ada@example.COM", "Other", "9", "2"),
                ("bad", "", "", "3"),
                ("", "", "", "4"),
            ],
            vec![
                ("ADA@example.com", "Late", "1", "5"),
                ("bob@example.com", "Bob", "", "6"),
                ("bob@example.com", "", "", "7"),
            ],
        ],
    );
    check_invariants(&p);
    assert_eq!(p.contacts.len(), 2);
    assert_eq!(p.contacts[0].email, "Ada@example.com");
    assert_eq!(
        p.fields(&p.contacts[0]),
        r#""FirstName":"Ada","custom":{"integer--Orders":3}"#,
        "first occurrence wins"
    );
    let c0 = &p.segments[0].counts;
    assert_eq!(
        (c0.profiles_in, c0.invalid, c0.duplicates, c0.memberships),
        (4, 2, 1, 1)
    );
    let c1 = &p.segments[1].counts;
    assert_eq!(
        (c1.profiles_in, c1.invalid, c1.duplicates, c1.memberships),
        (3, 0, 1, 2)
    );
    assert_eq!(p.batch_count(), 2, "Ada is in both lists, so two batches");
    let reasons: Vec<_> = p
        .rejects
        .iter()
        .map(|r| (r.segment, r.row, r.id.as_deref(), r.reason))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (0, 3, Some("3"), RejectReason::EmailInvalid),
            (0, 4, Some("4"), RejectReason::EmailMissing)
        ]
    );
    let body = p.body(
        p.batch(0),
        &[Some("contactlist_A".into()), Some("contactlist_B".into())],
    );
    let v: serde_json::Value = serde_json::from_str(body.as_deref().unwrap()).unwrap();
    assert!(v["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["_autopilot_list"].is_string()));
}

#[test]
fn without_lists_a_profile_is_sent_once() {
    let cfg = config(2, json!({"lists": "none"}));
    let p = plan(
        &cfg,
        &[
            vec![("a@x.io", "", "", "")],
            vec![("A@x.io", "", "", ""), ("b@x.io", "", "", "")],
        ],
    );
    check_invariants(&p);
    assert_eq!(p.memberships.len(), 2);
    assert_eq!(p.segments[1].counts.duplicates, 1);
    assert_eq!(p.batch_count(), 1);
    assert!(p.segments.iter().all(|s| s.list_title.is_none()));
    let body = p.body(p.batch(0), &[None, None]);
    assert_eq!(
        body,
        Some(r#"{"contacts":[{"Email":"a@x.io"},{"Email":"b@x.io"}]}"#.to_string())
    );
}

#[test]
fn cap_refuse_and_truncate() {
    let rows: Vec<Vec<(String, String, String, String)>> = vec![
        (0..6)
            .map(|i| {
                (
                    format!("u{i}@x.io"),
                    String::new(),
                    String::new(),
                    String::new(),
                )
            })
            .collect(),
        (4..10)
            .map(|i| {
                (
                    format!("u{i}@x.io"),
                    String::new(),
                    String::new(),
                    String::new(),
                )
            })
            .collect(),
    ];
    let as_ref: Vec<Vec<(&str, &str, &str, &str)>> = rows
        .iter()
        .map(|s| {
            s.iter()
                .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
                .collect()
        })
        .collect();

    let p = plan(&config(2, json!({"cap": 8})), &as_ref);
    check_invariants(&p);
    assert!(p.cap_exceeded());
    assert_eq!(p.unique_seen, 10);
    let err = p.cap_error().expect("refuse mode refuses");
    assert_eq!(err.code, ErrorCode::CapExceeded);
    assert!(
        err.message
            .contains("10 unique profiles exceed the cap of 8"),
        "{}",
        err.message
    );

    let p = plan(
        &config(2, json!({"cap": 8, "overCap": "truncate"})),
        &as_ref,
    );
    check_invariants(&p);
    assert!(p.cap_error().is_none());
    let kept: Vec<_> = p.contacts.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(
        kept,
        ["u0@x.io", "u1@x.io", "u2@x.io", "u3@x.io", "u4@x.io", "u5@x.io", "u6@x.io", "u7@x.io"]
    );
    assert_eq!(p.segments[1].counts.over_cap, 2);
    assert_eq!(
        p.segments[1].counts.memberships, 4,
        "u4..u7 (u4, u5 already kept)"
    );
    let s = p.summary(5.0);
    assert!(s.cap_exceeded && s.would_send);
}

#[test]
fn batches_are_minimal_for_100k_over_3_segments() {
    let cfg = config(3, json!({}));
    let mut planner = Planner::new(&cfg).unwrap();
    let mut emails = Vec::new();
    for i in 0..100_000 {
        emails.push(format!("user{i}@example.com"));
    }
    for s in 0..3 {
        planner.begin_segment(s).unwrap();
        let mut row = 0;
        for (i, e) in emails.iter().enumerate() {
            // Segment s holds every profile whose index is not ≡ s (mod 3): overlaps everywhere.
            if i % 3 != s {
                row += 1;
                planner.row(
                    row,
                    &[Cell::Str(e), Cell::Missing, Cell::Missing, Cell::Missing],
                );
            }
        }
    }
    let p = planner.finish();
    check_invariants(&p);
    assert_eq!(p.contacts.len(), 100_000);
    assert_eq!(p.memberships.len(), 200_000);
    assert_eq!(p.batch_count(), 2_000);
    // In segment order: the first batches need only the first segment's list.
    let segments: Vec<u32> = (0..p.batch_count())
        .map(|b| p.batch(b).iter().map(|m| m.segment).max().unwrap_or(0))
        .collect();
    assert!(p.batch(0).iter().all(|m| m.segment == 0));
    assert!(segments.windows(2).all(|w| w[0] <= w[1]));
    let s = p.summary(5.0);
    // GET /account, GET /lists, 3 × POST /list, 2,000 × POST /contacts.
    assert_eq!(s.requests.lists, 5);
    assert_eq!(s.requests.total, 2_005);
    assert_eq!(s.estimated_duration_ms, 401_000.0);
}

#[test]
fn batches_in_order_unless_a_contact_would_be_twice_in_one() {
    // (contact, segment): in order, batch 0 holds 0@0 and 1@0, batch 1 holds 0@1.
    let mut items = vec![(0u32, 0u32), (1, 0), (0, 1)];
    let starts = assign_by_contact(&mut items, |x| x.0);
    assert_eq!(starts, [0, 2, 3]);
    assert_eq!(items, [(0, 0), (1, 0), (0, 1)]);
    // In order, batch 0 would hold contact 0 twice: dealt round-robin by contact instead.
    let mut items = vec![(0u32, 0u32), (0, 1), (1, 1)];
    let starts = assign_by_contact(&mut items, |x| x.0);
    assert_eq!(starts, [0, 2, 3]);
    assert_eq!(items, [(0, 0), (1, 1), (0, 1)]);
}

#[test]
fn fingerprint_changes_with_the_job_only() {
    let cfg = config(1, json!({}));
    let rows = vec![vec![("a@x.io", "A", "1", ""), ("b@x.io", "B", "2", "")]];
    let a = plan(&cfg, &rows).fingerprint();
    assert_eq!(a, plan(&cfg, &rows).fingerprint());
    assert_eq!(a.len(), 32);
    let other = vec![vec![("a@x.io", "A", "1", ""), ("b@x.io", "B", "3", "")]];
    assert_ne!(a, plan(&cfg, &other).fingerprint());
    let mut cfg2 = cfg.clone();
    cfg2.list_prefix = "CDP ".into();
    assert_ne!(a, plan(&cfg2, &rows).fingerprint());
    let mut cfg3 = cfg.clone();
    cfg3.connection.api_key =
        autopilot_export::config::ApiKey::new("ffffffffffffffffffffffffffffffff");
    assert_eq!(
        a,
        plan(&cfg3, &rows).fingerprint(),
        "the key is not part of the job"
    );
}

#[test]
fn csv_missing_email_column_is_an_input_error() {
    let cfg = config(1, json!({}));
    let mut planner = Planner::new(&cfg).unwrap();
    planner.begin_segment(0).unwrap();
    let mut parser = Parser::new(Format::Csv, planner.fields());
    let err = parser
        .feed(b"mail,first\nx@y.io,X\n", &mut planner)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InputInvalid);
    assert!(err.message.contains("'email'"), "{}", err.message);
}

#[test]
fn segments_must_be_fed_in_order() {
    let cfg = config(2, json!({}));
    let mut planner = Planner::new(&cfg).unwrap();
    assert!(planner.begin_segment(1).is_err());
    planner.begin_segment(0).unwrap();
    assert!(planner.begin_segment(0).is_err());
    planner.begin_segment(1).unwrap();
    assert!(planner.begin_segment(2).is_err());
}

#[test]
fn invalid_config_is_refused_before_planning() {
    let mut cfg = config(1, json!({}));
    cfg.connection.consent = false;
    assert_eq!(
        Planner::new(&cfg).unwrap_err().code,
        ErrorCode::ConsentRequired
    );
    // Preview does not need a working connection.
    assert!(Planner::new_unchecked_connection(&cfg).is_ok());
}

fn arb_rows() -> impl Strategy<Value = Vec<Vec<(u16, bool, u8)>>> {
    // (profile id, upper-case variant, validity kind) per row, 1..4 segments.
    prop::collection::vec(
        prop::collection::vec((0u16..400, any::<bool>(), 0u8..10), 0..400),
        1..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn plan_invariants_hold(segments in arb_rows(), cap in 1u32..500, truncate in any::<bool>(), lists in any::<bool>()) {
        let extra = json!({"cap": cap, "overCap": if truncate {"truncate"} else {"refuse"}, "lists": if lists {"per-segment"} else {"none"}});
        let cfg = config(segments.len(), extra);
        let rows: Vec<Vec<(String, String, String, String)>> = segments.iter().map(|s| s.iter().map(|&(id, upper, kind)| {
            let email = match kind {
                0 => String::new(),
                1 => format!("user{id}@invalid"),
                _ if upper => format!("User{id}@Example.COM"),
                _ => format!("user{id}@example.com"),
            };
            (email, format!("N{id}"), id.to_string(), id.to_string())
        }).collect()).collect();
        let as_ref: Vec<Vec<(&str, &str, &str, &str)>> = rows.iter().map(|s| s.iter().map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str())).collect()).collect();
        let p = plan(&cfg, &as_ref);
        check_invariants(&p);
        // Unique valid profiles, computed independently.
        let mut unique = Vec::new();
        let mut set = HashSet::new();
        for s in &segments { for &(id, _, kind) in s { if kind >= 2 && set.insert(id) { unique.push(id); } } }
        prop_assert_eq!(p.unique_seen, unique.len() as u64);
        let kept = unique.len().min(cap as usize);
        prop_assert_eq!(p.contacts.len(), kept);
        for (c, id) in p.contacts.iter().zip(&unique) {
            prop_assert_eq!(c.email.to_ascii_lowercase(), format!("user{id}@example.com"));
        }
        let kept_ids: HashSet<u16> = unique.iter().take(kept).copied().collect();
        let mut expected_memberships = 0;
        let mut any_seen = HashSet::new();
        for s in &segments {
            let mut in_segment = HashSet::new();
            for &(id, _, kind) in s {
                if kind >= 2 && kept_ids.contains(&id) && in_segment.insert(id) && (lists || any_seen.insert(id)) {
                    expected_memberships += 1;
                }
            }
        }
        prop_assert_eq!(p.memberships.len(), expected_memberships);
        // Beyond the cap: once per segment with lists, once in all without (the rest of its
        // rows are duplicates, which the sum invariant above then checks).
        let mut over_seen = HashSet::new();
        for (i, s) in segments.iter().enumerate() {
            let mut in_segment = HashSet::new();
            let mut over = 0u64;
            for &(id, _, kind) in s {
                if kind >= 2 && !kept_ids.contains(&id) && in_segment.insert(id) && (lists || over_seen.insert(id)) {
                    over += 1;
                }
            }
            prop_assert_eq!(p.segments[i].counts.over_cap, over, "segment {}", i);
        }
    }
}

#[test]
fn invalid_by_reason_is_exact_per_segment() {
    let cfg = config(2, json!({}));
    let p = plan(
        &cfg,
        &[
            vec![
                ("bad", "", "", ""),
                ("", "", "", ""),
                ("x@y", "", "", ""),
                ("ok@x.io", "", "", ""),
            ],
            vec![("jürgen@x.de", "", "", "")],
        ],
    );
    let s = p.summary(5.0);
    assert_eq!(p.invalid_by_reason[0].get(RejectReason::EmailInvalid), 2);
    assert_eq!(p.invalid_by_reason[0].get(RejectReason::EmailMissing), 1);
    assert_eq!(p.invalid_by_reason[1].get(RejectReason::EmailNonAscii), 1);
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(
        v["segments"][0]["invalidByReason"],
        json!({"EMAIL_INVALID": 2, "EMAIL_MISSING": 1})
    );
    assert_eq!(
        v["segments"][1]["invalidByReason"],
        json!({"EMAIL_NON_ASCII": 1})
    );
}
