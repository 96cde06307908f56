//! The binding tests shared by the Node and the browser runs: the exported functions called
//! as JS would call them, with the real global `fetch` against the local Autopilot emulator
//! (its URL comes from `AUTOPILOT_EMULATOR_URL` at build time; `tests/run.sh` starts it).

use autopilot_export::wasm::{
    check_connection, export_segments, preview, to_csv, validate_connection,
    validate_export_config, validate_run_options,
};
use js_sys::{Array, Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::AbortController;

const KEY: &str = "0123456789abcdef0123456789abcdef";

// A missing URL is a setup mistake the message explains; `env!` would break plain builds.
#[allow(clippy::option_env_unwrap)]
fn emulator() -> &'static str {
    option_env!("AUTOPILOT_EMULATOR_URL")
        .expect("build with AUTOPILOT_EMULATOR_URL set to a running emulator (tests/run.sh does)")
}

fn js(text: &str) -> JsValue {
    JSON::parse(text).expect("valid JSON in test")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn num(v: &JsValue, path: &str) -> f64 {
    let mut cur = v.clone();
    for k in path.split('.') {
        cur = get(&cur, k);
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number"))
}

fn text(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

fn job(prefix: &str, profiles: &str, extra: &str) -> JsValue {
    js(&format!(
        r#"{{"connection": {{"displayName": "Test", "apiKey": "{KEY}", "consent": true, "exportUser": "ops", "baseUrl": "{url}"}},
            "mapping": {{"email": "email", "firstName": "first",
                        "custom": [{{"source": "orders", "name": "Orders", "type": "integer"}}]}},
            "listPrefix": "{prefix}",
            "segments": [{{"name": "A", "profiles": {profiles}}}]{extra}}}"#,
        url = emulator()
    ))
}

fn people(n: usize, tag: &str) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            format!(r#"{{"email": "{tag}{i}@example.com", "first": "P{i}", "orders": "{i}"}}"#)
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// Awaits a promise returned by the package.
async fn settle(p: js_sys::Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

async fn emulator_state() -> JsValue {
    let base = emulator().trim_end_matches("/v1");
    let fetch: Function = Reflect::get(&js_sys::global(), &"fetch".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let resp = JsFuture::from(js_sys::Promise::from(
        fetch
            .call1(
                &JsValue::UNDEFINED,
                &format!("{base}/__emulator/state").into(),
            )
            .unwrap(),
    ))
    .await
    .unwrap();
    let json: Function = Reflect::get(&resp, &"json".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    JsFuture::from(js_sys::Promise::from(json.call0(&resp).unwrap()))
        .await
        .unwrap()
}

async fn total_requests() -> f64 {
    let s = emulator_state().await;
    get(&get(&s, "counters"), "requests")
        .as_f64()
        .unwrap_or(0.0)
}

fn expect_error(e: JsValue, code: &str) -> JsValue {
    assert!(
        e.is_instance_of::<js_sys::Error>(),
        "thrown value is not an Error"
    );
    assert_eq!(text(&e, "name"), "AutopilotExportError");
    assert_eq!(text(&e, "code"), code, "message: {}", text(&e, "message"));
    assert!(!text(&e, "message").contains(KEY));
    e
}

#[wasm_bindgen_test]
fn validate_connection_returns_issues_never_throws() {
    let ok = validate_connection(js(&format!(
        r#"{{"displayName": "x", "apiKey": "{KEY}", "consent": true, "exportUser": "u"}}"#
    )));
    assert_eq!(Array::from(&ok).length(), 0);
    let bad = Array::from(&validate_connection(js(
        r#"{"displayName": "", "apiKey": "k", "consent": false, "exportUser": "u", "baseUrl": "http://example.com"}"#,
    )));
    let codes: Vec<String> = bad.iter().map(|i| text(&i, "code")).collect();
    assert_eq!(
        codes,
        [
            "DISPLAY_NAME_MISSING",
            "API_KEY_IMPLAUSIBLE",
            "CONSENT_REQUIRED",
            "BASE_URL_NOT_HTTPS"
        ]
    );
    assert_eq!(text(&bad.get(3), "path"), "baseUrl");
    for garbage in [
        JsValue::NULL,
        JsValue::from(42),
        JsValue::from_str("x"),
        JsValue::UNDEFINED,
    ] {
        let issues = Array::from(&validate_connection(garbage));
        assert_eq!(issues.length(), 1);
        assert_eq!(text(&issues.get(0), "code"), "TYPE_MISMATCH");
    }
    let wrong_type = Array::from(&validate_connection(js(r#"{"displayName": 5}"#)));
    assert_eq!(text(&wrong_type.get(0), "path"), "displayName");
}

#[wasm_bindgen_test]
fn validate_run_options_names_every_problem() {
    let ok = validate_run_options(js(
        r#"{"maxRequests": 45, "maxInFlight": 6, "fullResync": true}"#,
    ));
    assert_eq!(Array::from(&ok).length(), 0);
    assert_eq!(
        Array::from(&validate_run_options(JsValue::UNDEFINED)).length(),
        0
    );
    let bad = Array::from(&validate_run_options(js(
        r#"{"ratePerSecond": 0, "maxInFlight": 1.5, "maxAtempts": 3, "fullResync": "yes"}"#,
    )));
    let mut got: Vec<(String, String)> = bad
        .iter()
        .map(|i| (text(&i, "path"), text(&i, "code")))
        .collect();
    got.sort();
    let want = [
        ("options.fullResync", "TYPE_MISMATCH"),
        ("options.maxAtempts", "UNKNOWN_FIELD"),
        ("options.maxInFlight", "OPTION_OUT_OF_RANGE"),
        ("options.ratePerSecond", "OPTION_OUT_OF_RANGE"),
    ];
    assert_eq!(
        got,
        want.map(|(p, c)| (p.to_string(), c.to_string())),
        "every problem at once"
    );
}

#[wasm_bindgen_test]
fn validate_export_config_ignores_profiles() {
    let issues = Array::from(&validate_export_config(job("V ", &people(3, "v"), "")));
    assert_eq!(issues.length(), 0);
    let issues = Array::from(&validate_export_config(job(
        "V ",
        "[]",
        r#","cap": 0, "mapping": {"email": ""}"#,
    )));
    let paths: Vec<String> = issues.iter().map(|i| text(&i, "path")).collect();
    assert_eq!(paths, ["mapping.email", "cap"]);
}

/// `null` and `undefined` members read as left out (the core's rule, `crate::read`); NaN
/// and Infinity, which JSON cannot hold, are a type mismatch at their path instead of a
/// silent default.
#[wasm_bindgen_test]
fn null_members_are_absent_and_non_finite_numbers_are_refused() {
    let options =
        js_sys::eval("({ maxRequests: null, ratePerSecond: undefined, fullResync: null })")
            .unwrap();
    let issues = Array::from(&validate_run_options(options));
    assert_eq!(issues.length(), 0, "null and undefined mean absent");
    let j = job("N ", &people(2, "n"), r#","cap": null"#);
    let mapping = get(&j, "mapping");
    Reflect::set(&mapping, &JsValue::from_str("lastName"), &JsValue::NULL).unwrap();
    assert_eq!(Array::from(&validate_export_config(j)).length(), 0);

    let options = js_sys::eval("({ ratePerSecond: NaN })").unwrap();
    let issues = Array::from(&validate_run_options(options));
    assert_eq!(issues.length(), 1);
    assert_eq!(text(&issues.get(0), "path"), "options.ratePerSecond");
    assert_eq!(text(&issues.get(0), "code"), "TYPE_MISMATCH");
    assert!(text(&issues.get(0), "message").contains("not finite"));
    // The issue paths of a job with one value set (`at` picks the object it is set on).
    let paths_with = |at: &dyn Fn(&JsValue) -> JsValue, key: &str, value: f64| -> Vec<String> {
        let j = job("N ", "[]", "");
        Reflect::set(&at(&j), &JsValue::from_str(key), &JsValue::from_f64(value)).unwrap();
        let issues = Array::from(&validate_export_config(j));
        issues.iter().map(|i| text(&i, "path")).collect()
    };
    let first_segment = |j: &JsValue| Array::from(&get(j, "segments")).get(0);
    assert_eq!(
        paths_with(&first_segment, "name", f64::NAN),
        ["segments[0].name"]
    );
    assert_eq!(paths_with(&|j| j.clone(), "cap", f64::INFINITY), ["cap"]);
    // A key that starts with `[` is a key, written as the core's reader writes it; the
    // empty key too.
    assert_eq!(
        paths_with(&|j| get(j, "mapping"), "[x]", f64::NAN),
        ["mapping.[x]"]
    );
    assert_eq!(
        paths_with(&|j| get(j, "mapping"), "", f64::NAN),
        ["mapping."]
    );
    // Nested arrays: indexes follow one another.
    let message = |rows: &str| text(&to_csv(js_sys::eval(rows).unwrap()).unwrap_err(), "message");
    assert!(
        message("[['a', 1], [true, NaN]]").contains("rows[1][1] is a number that is not finite"),
        "{}",
        message("[['a', 1], [true, NaN]]")
    );
}

#[wasm_bindgen_test]
fn preview_counts_objects_csv_and_iterables() {
    let j = job("P ", &people(250, "p"), "");
    // A second segment as CSV bytes, a third as a sync iterable of string chunks.
    let segs: Array = get(&j, "segments").unchecked_into();
    let csv = "email,first,orders\np0@example.com,Zed,1\nbad-email,X,2\n\"q1@Example.com\",\"Q, One\",3\nq1@example.com,dup,4\n";
    let bytes = js_sys::Uint8Array::from(csv.as_bytes());
    let b = js_sys::Object::new();
    Reflect::set(&b, &"csv".into(), &bytes).unwrap();
    segs.push(&js(r#"{"name": "B"}"#));
    Reflect::set(&segs.get(1), &"profiles".into(), &b).unwrap();
    let chunks = Array::of3(
        &"{\"email\":\"r1@x.io\"}\n{\"em".into(),
        &"ail\":\"r2@x.io\"}\n".into(),
        &"[1]\n".into(),
    );
    let nd = js_sys::Object::new();
    Reflect::set(&nd, &"ndjson".into(), &chunks).unwrap();
    segs.push(&js(r#"{"name": "C"}"#));
    Reflect::set(&segs.get(2), &"profiles".into(), &nd).unwrap();
    let s = preview(j, js(r#"{"ratePerSecond": 10}"#)).expect("preview works");
    assert_eq!(num(&s, "totals.profilesIn"), 250.0 + 4.0 + 3.0);
    assert_eq!(num(&s, "totals.uniqueProfiles"), 253.0);
    assert_eq!(num(&s, "totals.memberships"), 254.0);
    assert_eq!(num(&s, "batches"), 3.0);
    // GET /account, GET /lists, 3 × POST /list, 3 × POST /contacts.
    assert_eq!(num(&s, "requests.total"), 3.0 + 5.0);
    assert_eq!(num(&s, "estimatedDurationMs"), 800.0);
    let seg_b = Array::from(&get(&s, "segments")).get(1);
    assert_eq!(num(&seg_b, "invalid"), 1.0);
    assert_eq!(num(&seg_b, "duplicates"), 1.0);
    assert_eq!(num(&seg_b, "invalidByReason.EMAIL_INVALID"), 1.0);
    let seg_c = Array::from(&get(&s, "segments")).get(2);
    assert_eq!(num(&seg_c, "invalidByReason.NOT_AN_OBJECT"), 1.0);
    let rejects = Array::from(&get(&s, "rejects"));
    assert_eq!(rejects.length(), 2);
    assert_eq!(num(&rejects.get(0), "row"), 2.0);
    assert!(
        !JSON::stringify(&s)
            .unwrap()
            .as_string()
            .unwrap()
            .contains("bad-email"),
        "no emails in the summary"
    );
}

#[wasm_bindgen_test]
fn errors_are_real_error_objects_and_do_not_leak() {
    let e = expect_error(
        preview(job("E ", "[]", r#","cap": 1.5"#), JsValue::UNDEFINED).unwrap_err(),
        "CONFIG_INVALID",
    );
    let issues = Array::from(&get(&e, "issues"));
    assert_eq!(text(&issues.get(0), "path"), "cap");
    expect_error(
        preview(job("E ", "42", ""), JsValue::UNDEFINED).unwrap_err(),
        "INPUT_INVALID",
    );
    expect_error(
        preview(JsValue::from(7), JsValue::UNDEFINED).unwrap_err(),
        "CONFIG_INVALID",
    );
    // A cycle or a BigInt in a record does not break the export: only mapped fields are read,
    // and a nested value in a mapped field is left out with a warning.
    let odd = job("E ", r#"[{"email": "c@x.io"}, {"email": "d@x.io"}]"#, "");
    let records: Array = get(
        &get(&odd, "segments").unchecked_into::<Array>().get(0),
        "profiles",
    )
    .unchecked_into();
    let first = records.get(0);
    Reflect::set(&first, &"self".into(), &first).unwrap();
    Reflect::set(&first, &"first".into(), &first).unwrap();
    Reflect::set(
        &records.get(1),
        &"orders".into(),
        &js_sys::BigInt::from(7u64).into(),
    )
    .unwrap();
    let s = preview(odd, JsValue::UNDEFINED).expect("odd values are handled per field");
    assert_eq!(num(&s, "totals.uniqueProfiles"), 2.0);
    let warnings = Array::from(&get(&s, "warnings"));
    assert_eq!(text(&warnings.get(0), "code"), "VALUE_NESTED");
    assert_eq!(text(&warnings.get(0), "field"), "FirstName");

    // Garbage in a loop: linear memory must not grow once warmed up.
    let memory = || {
        wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
    };
    let garbage = [
        JsValue::from(1),
        JsValue::NULL,
        js(r#"{"segments": "x"}"#),
        js(r#"{"connection": {"apiKey": 5}}"#),
        job("G ", "{\"csv\": 5}", ""),
    ];
    for g in garbage.iter().cycle().take(1_000) {
        let _ = preview(g.clone(), JsValue::UNDEFINED);
        let _ = validate_connection(g.clone());
    }
    let before = memory();
    for g in garbage.iter().cycle().take(10_000) {
        assert!(preview(g.clone(), JsValue::UNDEFINED).is_err());
        let _ = validate_connection(g.clone());
    }
    assert_eq!(
        memory(),
        before,
        "wasm memory grew while handling bad input"
    );
}

#[wasm_bindgen_test]
async fn check_connection_good_bad_and_unreachable() {
    let conn = |key: &str, url: &str| {
        js(&format!(
            r#"{{"displayName": "x", "apiKey": "{key}", "consent": true, "exportUser": "u", "baseUrl": "{url}"}}"#
        ))
    };
    let account = settle(check_connection(conn(KEY, emulator()), JsValue::UNDEFINED))
        .await
        .expect("the emulator accepts the key");
    assert!(get(&account, "instanceId").is_string());
    let e = settle(check_connection(
        conn("ffffffffffffffffffffffffffffffff", emulator()),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap_err();
    assert!(!text(&expect_error(e, "AUTH_FAILED"), "message").contains("ffffffff"));
    let e = settle(check_connection(
        conn(KEY, "http://127.0.0.1:9/v1"),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap_err();
    expect_error(e, "NETWORK");
    let before = total_requests().await;
    let mut no_consent = conn(KEY, emulator());
    Reflect::set(&no_consent, &"consent".into(), &JsValue::FALSE).unwrap();
    expect_error(
        settle(check_connection(no_consent.clone(), JsValue::UNDEFINED))
            .await
            .unwrap_err(),
        "CONSENT_REQUIRED",
    );
    no_consent = job("N ", &people(5, "n"), "");
    let conn_obj = get(&no_consent, "connection");
    Reflect::set(&conn_obj, &"consent".into(), &JsValue::FALSE).unwrap();
    expect_error(
        settle(export_segments(no_consent, JsValue::UNDEFINED))
            .await
            .unwrap_err(),
        "CONSENT_REQUIRED",
    );
    assert_eq!(total_requests().await, before, "no request without consent");
}

#[wasm_bindgen_test]
async fn host_callbacks_that_throw_are_warnings_and_the_export_goes_on() {
    let tag = format!("cb{}", (js_sys::Math::random() * 1e9) as u64);
    let j = job(&format!("{tag} "), &people(250, &tag), "");
    let throws = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {
        wasm_bindgen::throw_str("host bug");
    });
    let opts = js(r#"{"ratePerSecond": 50}"#);
    Reflect::set(&opts, &"onProgress".into(), throws.as_ref()).unwrap();
    Reflect::set(&opts, &"onCheckpoint".into(), throws.as_ref()).unwrap();
    let report = settle(export_segments(j, opts))
        .await
        .expect("the export goes on");
    assert_eq!(text(&report, "status"), "succeeded");
    assert_eq!(num(&report, "totals.exported"), 250.0);
    let warnings = Array::from(&get(&report, "warnings"));
    let mut by_field: Vec<(String, f64)> = warnings
        .iter()
        .filter(|w| text(w, "code") == "PROGRESS_CALLBACK_FAILED")
        .map(|w| (text(&w, "field"), get(&w, "count").as_f64().unwrap_or(0.0)))
        .collect();
    by_field.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(by_field.len(), 2, "{by_field:?}");
    assert_eq!(by_field[0].0, "onCheckpoint");
    assert_eq!(by_field[1].0, "onProgress");
    // onCheckpoint after each of the 3 batches; onProgress at the start, per batch, at the end.
    assert_eq!(by_field[0].1, 3.0);
    assert!(by_field[1].1 >= 3.0);
}

#[wasm_bindgen_test]
async fn export_cancel_and_resume_against_the_emulator() {
    let tag = format!("w{}", (js_sys::Math::random() * 1e9) as u64);
    let prefix = format!("{tag} ");
    let j = job(&prefix, &people(600, &tag), "");
    let controller = AbortController::new().unwrap();
    let seen = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let on_progress = {
        let controller = controller.clone();
        let seen = seen.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
            seen.set(seen.get() + 1);
            if get(&p, "batchesDone").as_f64().unwrap_or(0.0) >= 2.0 {
                controller.abort();
            }
        })
    };
    let opts = js(r#"{"ratePerSecond": 20}"#);
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    Reflect::set(&opts, &"onProgress".into(), on_progress.as_ref()).unwrap();
    let report = settle(export_segments(j.clone(), opts))
        .await
        .expect("a cancelled run resolves");
    assert_eq!(text(&report, "status"), "cancelled");
    assert!(seen.get() >= 3);
    let checkpoint = get(&report, "checkpoint");
    let done = num(&report, "totals.exported");
    assert!(
        (200.0..600.0).contains(&done),
        "exported {done} before the cancel"
    );
    let cp_text = JSON::stringify(&checkpoint).unwrap().as_string().unwrap();
    assert!(
        !cp_text.contains('@') && !cp_text.contains(KEY),
        "checkpoint carries no email or key"
    );

    let opts = js(r#"{"ratePerSecond": 20}"#);
    Reflect::set(&opts, &"checkpoint".into(), &checkpoint).unwrap();
    let report = settle(export_segments(j.clone(), opts))
        .await
        .expect("resume works");
    assert_eq!(text(&report, "status"), "succeeded");
    assert_eq!(num(&report, "totals.exported"), 600.0);
    assert!(get(&report, "resumed").as_bool().unwrap());

    let state = emulator_state().await;
    let contacts = Array::from(&get(&state, "contacts"));
    let mine: Vec<JsValue> = contacts
        .iter()
        .filter(|c| text(c, "Email").starts_with(&tag))
        .collect();
    assert_eq!(mine.len(), 600);
    let lists = Array::from(&get(&state, "lists"));
    let list = lists
        .iter()
        .find(|l| text(l, "title") == format!("{prefix}A"))
        .expect("list created once");
    assert_eq!(
        lists
            .iter()
            .filter(|l| text(l, "title") == format!("{prefix}A"))
            .count(),
        1
    );
    let list_id = text(&list, "list_id");
    assert!(list_id.starts_with("contactlist_"));

    // A checkpoint from another job is refused before any request.
    let other = job(&prefix, &people(5, &tag), "");
    let opts = js("{}");
    Reflect::set(&opts, &"checkpoint".into(), &checkpoint).unwrap();
    expect_error(
        settle(export_segments(other, opts)).await.unwrap_err(),
        "CHECKPOINT_MISMATCH",
    );
}

#[wasm_bindgen_test]
async fn bad_key_stops_the_run_with_auth_failed_and_a_report() {
    let j = job("K ", &people(10, "k"), "");
    Reflect::set(
        &get(&j, "connection"),
        &"apiKey".into(),
        &"ffffffffffffffffffffffffffffffff".into(),
    )
    .unwrap();
    let e = expect_error(
        settle(export_segments(j, JsValue::UNDEFINED))
            .await
            .unwrap_err(),
        "AUTH_FAILED",
    );
    let report = get(&e, "report");
    assert_eq!(text(&report, "status"), "failed");
    assert_eq!(
        num(&report, "requests.sent"),
        1.0,
        "stopped at the first 401"
    );
    assert!(!JSON::stringify(&report)
        .unwrap()
        .as_string()
        .unwrap()
        .contains("ffffffff"));
}

/// A JS number reaches Autopilot as the same double, from plain objects and from NDJSON
/// bytes alike (serde_json's default reading had the first two one unit in the last place
/// off: 951956028.4026386, 776537718.7986497).
#[wasm_bindgen_test]
fn numbers_cross_as_the_same_double() {
    let values = ["951956028.4026387", "776537718.7986498", "0.1", "-2.5e-7"];
    let records: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!(r#"{{"email": "n{i}@example.com", "score": {v}}}"#))
        .collect();
    let ndjson = js_sys::Uint8Array::from(records.join("\n").as_bytes());
    let objects = js(&format!("[{}]", records.join(",")));
    let ndjson_source = js("{}");
    Reflect::set(&ndjson_source, &"ndjson".into(), &ndjson).unwrap();
    for profiles in [objects, ndjson_source] {
        let j = js(&format!(
            r#"{{"connection": {{"displayName": "T", "apiKey": "{KEY}", "consent": true, "exportUser": "ops", "baseUrl": "{url}"}},
                "mapping": {{"email": "email", "custom": [{{"source": "score", "name": "Score", "type": "float"}}]}},
                "segments": [{{"name": "N", "profiles": []}}]}}"#,
            url = emulator()
        ));
        let segs: Array = get(&j, "segments").unchecked_into();
        Reflect::set(&segs.get(0), &"profiles".into(), &profiles).unwrap();
        let s = preview(j, js(r#"{"sample": 10}"#)).expect("preview works");
        let sample: Array =
            get(&Array::from(&get(&s, "segments")).get(0), "sample").unchecked_into();
        let mut got: Vec<f64> = sample
            .iter()
            .map(|c| {
                let custom = get(&c, "custom");
                let score = Object::values(custom.unchecked_ref::<Object>()).get(0);
                score.as_f64().expect("the score is a number")
            })
            .collect();
        let mut want: Vec<f64> = values.iter().map(|v| v.parse().unwrap()).collect();
        got.sort_by(f64::total_cmp);
        want.sort_by(f64::total_cmp);
        assert_eq!(got, want);
    }
}

/// The record-crossing contract (`Format::JsonRows` in `src/input/mod.rs`): what JS values of
/// plain-object records become, checked through `preview`'s samples, rejects and warnings.
#[wasm_bindgen_test]
fn plain_objects_cross_as_the_contract_says() {
    let records: Array = js_sys::eval(
        r#"(() => {
          const cyclic = { a: 1 }; cyclic.self = cyclic;
          const proto = { email: 'inherited@example.com' };
          return [
            { email: 'big@example.com', orders: 12345678901234567890n },
            { email: 'date@example.com', first: new Date(Date.UTC(2024, 4, 1)) },
            { email: 'nested@example.com', orders: { n: 1 } },
            { email: 'cycle@example.com', orders: cyclic },
            { email: 'undef@example.com', first: undefined, orders: () => 1 },
            Object.create(proto),
            42,
            null,
            ['array@example.com'],
          ];
        })()"#,
    )
    .unwrap()
    .unchecked_into();
    let j = job("R ", "[]", "");
    let segs: Array = get(&j, "segments").unchecked_into();
    Reflect::set(&segs.get(0), &"profiles".into(), &records).unwrap();
    let s = preview(j, js(r#"{"sample": 10}"#)).expect("preview works");
    let seg = Array::from(&get(&s, "segments")).get(0);
    // BigInt: its digits (too large for an integer field: not coercible, warned).
    // Date: its ISO string as FirstName. Nested and cyclic values: left out with VALUE_NESTED.
    let sample = JSON::stringify(&get(&seg, "sample"))
        .unwrap()
        .as_string()
        .unwrap();
    assert!(
        sample.contains(r#""FirstName":"2024-05-01T00:00:00.000Z""#),
        "{sample}"
    );
    assert!(
        !sample.contains("undef@example.com\",\"FirstName"),
        "{sample}"
    );
    assert_eq!(
        num(&seg, "memberships"),
        5.0,
        "five records are objects with an email"
    );
    assert_eq!(
        num(&seg, "invalidByReason.NOT_AN_OBJECT"),
        3.0,
        "42, null and an array"
    );
    assert_eq!(
        num(&seg, "invalidByReason.EMAIL_MISSING"),
        1.0,
        "an inherited property is not the record's own"
    );
    let warnings = JSON::stringify(&get(&s, "warnings"))
        .unwrap()
        .as_string()
        .unwrap();
    assert!(warnings.contains("VALUE_NESTED"), "{warnings}");
    assert!(warnings.contains("VALUE_NOT_COERCIBLE"), "{warnings}");
}

/// Text at the boundary: names fold in Unicode lower case through the engine's
/// `toLowerCase` (handed to the core at instantiation); a string source refuses a byte
/// encoding; a record whose string is not well-formed UTF-16 is rejected alone.
#[wasm_bindgen_test]
fn unicode_text_at_the_boundary() {
    let j = job(
        "U ",
        "[]",
        r#","segments": [{"name": "Été", "profiles": []}, {"name": "ÉTÉ", "profiles": []}]"#,
    );
    let codes: Vec<String> = Array::from(&validate_export_config(j))
        .iter()
        .map(|i| text(&i, "code"))
        .collect();
    assert!(
        codes.iter().any(|c| c == "SEGMENT_NAME_DUPLICATE"),
        "{codes:?}"
    );

    let j = job(
        "U ",
        r#"{"csv": "ÉMAIL,first\na@b.co,Al\n"}"#,
        r#","mapping": {"email": "émail", "firstName": "first"}"#,
    );
    let s = preview(j, JsValue::UNDEFINED).expect("the header folds to the mapped name");
    assert_eq!(num(&s, "totals.uniqueProfiles"), 1.0);

    let j = job(
        "U ",
        r#"{"csv": "email,first\na@b.co,Zoë\n", "encoding": "windows-1252"}"#,
        "",
    );
    let e = expect_error(preview(j, JsValue::UNDEFINED).unwrap_err(), "INPUT_INVALID");
    assert!(
        text(&e, "message").contains("windows-1252"),
        "{}",
        text(&e, "message")
    );
    assert!(
        text(&e, "message").starts_with("segments[0]"),
        "{}",
        text(&e, "message")
    );

    let j = job(
        "U ",
        r#"[{"email": "a@b.co", "first": "x\ud83d"}, {"email": "c@d.co", "first": "ok"}]"#,
        "",
    );
    let s = preview(j, JsValue::UNDEFINED).expect("one record is rejected, not the source");
    assert_eq!(num(&s, "totals.uniqueProfiles"), 1.0);
    let seg = Array::from(&get(&s, "segments")).get(0);
    assert_eq!(num(&seg, "invalidByReason.INVALID_UTF8"), 1.0);
}
