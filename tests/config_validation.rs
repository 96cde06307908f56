//! Validation of connections and export configurations: every problem at once, with paths
//! and stable codes.
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::config::{
    api_base_url, custom_key, from_json_str, Connection, CustomType, ExportConfig, DEFAULT_BASE_URL,
};
use autopilot_export::error::ErrorCode;
use serde_json::json;

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn valid() -> serde_json::Value {
    json!({
        "connection": {"displayName": "Marketing", "apiKey": KEY, "consent": true, "exportUser": "ops@example.com"},
        "mapping": {"email": "email", "firstName": "first", "lastName": "last",
                    "fields": {"Company": "company"},
                    "custom": [{"source": "tier", "name": "Loyalty Tier", "type": "string"}]},
        "segments": [{"name": "VIP"}, {"name": "Churn risk"}]
    })
}

fn config(v: serde_json::Value) -> ExportConfig {
    from_json_str(&v.to_string()).expect("deserialises")
}

fn codes(cfg: &ExportConfig) -> Vec<(String, &'static str)> {
    cfg.validate()
        .into_iter()
        .map(|i| (i.path, i.code.as_str()))
        .collect()
}

#[test]
fn a_valid_config_has_no_issues() {
    let cfg = config(valid());
    assert_eq!(codes(&cfg), vec![]);
    assert!(cfg.check().is_ok());
    assert_eq!(cfg.cap(), 100_000);
    assert_eq!(cfg.connection.api_base(), "https://api2.autopilothq.com/v1");
}

#[test]
fn every_problem_is_reported_at_once_with_paths() {
    let cfg = config(json!({
        "connection": {"displayName": " ", "apiKey": "short", "consent": false, "exportUser": "", "baseUrl": "http://api.example.com/v1"},
        "mapping": {"email": "", "fields": {"Compny": "c", "Phone": ""},
                    "custom": [
                        {"source": "a", "name": "", "type": "string"},
                        {"source": "b", "name": "Score", "type": "number"},
                        {"source": "c", "name": "A B", "type": "string"},
                        {"source": "d", "name": "A--B", "type": "integer"}
                    ]},
        "segments": [{"name": "VIP"}, {"name": " vip "}, {"name": ""}],
        "cap": 100001
    }));
    let got = codes(&cfg);
    let expected = vec![
        ("connection.displayName", "DISPLAY_NAME_MISSING"),
        ("connection.apiKey", "API_KEY_IMPLAUSIBLE"),
        ("connection.consent", "CONSENT_REQUIRED"),
        ("connection.exportUser", "EXPORT_USER_MISSING"),
        ("connection.baseUrl", "BASE_URL_NOT_HTTPS"),
        ("mapping.email", "EMAIL_MAPPING_MISSING"),
        ("mapping.fields.Compny", "UNKNOWN_STANDARD_FIELD"),
        ("mapping.fields.Phone", "SOURCE_FIELD_EMPTY"),
        ("mapping.custom[0].name", "CUSTOM_NAME_EMPTY"),
        ("mapping.custom[1].type", "CUSTOM_TYPE_UNKNOWN"),
        ("mapping.custom[3].name", "CUSTOM_NAME_COLLISION"),
        ("segments[1].name", "SEGMENT_NAME_DUPLICATE"),
        ("segments[2].name", "SEGMENT_NAME_EMPTY"),
        ("cap", "CAP_OUT_OF_RANGE"),
    ];
    let got_ref: Vec<(&str, &str)> = got.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    assert_eq!(got_ref, expected);
    let err = cfg.check().unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfigInvalid);
    assert_eq!(err.issues.len(), expected.len());
    assert!(
        err.message.contains("and 13 more issues"),
        "{}",
        err.message
    );
}

#[test]
fn consent_alone_gives_consent_required() {
    let mut v = valid();
    v["connection"]["consent"] = json!(false);
    let err = config(v).check().unwrap_err();
    assert_eq!(err.code, ErrorCode::ConsentRequired);
    assert_eq!(err.issues.len(), 1);
}

#[test]
fn missing_key_and_missing_segments() {
    let mut v = valid();
    v["connection"]["apiKey"] = json!("");
    v["segments"] = json!([]);
    assert_eq!(
        codes(&config(v)),
        vec![
            ("connection.apiKey".to_string(), "API_KEY_MISSING"),
            ("segments".to_string(), "SEGMENTS_EMPTY")
        ]
    );
    let empty: ExportConfig = from_json_str("{}").unwrap();
    let c = codes(&empty);
    for code in [
        "DISPLAY_NAME_MISSING",
        "API_KEY_MISSING",
        "CONSENT_REQUIRED",
        "EXPORT_USER_MISSING",
        "EMAIL_MAPPING_MISSING",
        "SEGMENTS_EMPTY",
    ] {
        assert!(
            c.iter().any(|(_, k)| *k == code),
            "{code} missing from {c:?}"
        );
    }
}

#[test]
fn key_with_spaces_is_implausible_and_whitespace_is_trimmed() {
    let mut v = valid();
    v["connection"]["apiKey"] = json!("0123456789abcdef 0123456789abcdef");
    assert_eq!(
        codes(&config(v.clone())),
        vec![("connection.apiKey".to_string(), "API_KEY_IMPLAUSIBLE")]
    );
    v["connection"]["apiKey"] = json!(format!("  {KEY}\n"));
    let cfg = config(v);
    assert_eq!(codes(&cfg), vec![]);
    assert_eq!(cfg.connection.api_key.expose(), KEY);
}

#[test]
fn base_url_rules() {
    let check = |url: &str| -> Vec<&'static str> {
        let conn: Connection = from_json_str(
            &json!({"displayName": "x", "apiKey": KEY, "consent": true, "exportUser": "u", "baseUrl": url}).to_string(),
        )
        .unwrap();
        conn.validate("")
            .into_iter()
            .map(|i| i.code.as_str())
            .collect()
    };
    for ok in [
        "https://api2.autopilothq.com/v1",
        "https://api2.autopilothq.com/v1/",
        "http://127.0.0.1:8080/v1",
        "http://127.3.4.5/v1",
        "http://localhost:3000/v1",
        "http://[::1]:9000/v1",
        "HTTPS://Example.COM",
        "https://example.com:8443/v1.2/..x",
        "http://127.0.0.1:8080/v1",
    ] {
        assert_eq!(check(ok), Vec::<&str>::new(), "{ok}");
    }
    for (bad, code) in [
        ("http://example.com/v1", "BASE_URL_NOT_HTTPS"),
        ("http://10.0.0.1/v1", "BASE_URL_NOT_HTTPS"),
        ("http://127.0.0.1.evil.com/v1", "BASE_URL_NOT_HTTPS"),
        ("ftp://example.com", "BASE_URL_INVALID"),
        ("example.com/v1", "BASE_URL_INVALID"),
        ("https://", "BASE_URL_INVALID"),
        ("https://user:pw@example.com", "BASE_URL_INVALID"),
        ("https://exa mple.com", "BASE_URL_INVALID"),
        ("https://example.com:99999", "BASE_URL_INVALID"),
        ("https://example.com/v1?x=1", "BASE_URL_INVALID"),
        // fetch reads `\` as `/` and drops tabs: not where it reads, nor written one way.
        ("https://example.com\\v1", "BASE_URL_INVALID"),
        ("http://evil.test\\.127.0.0.1/v1", "BASE_URL_INVALID"),
        ("https://example.com/v1 /", "BASE_URL_INVALID"),
        ("https://example.com/v\t1", "BASE_URL_INVALID"),
        ("http://[::1]x/v1", "BASE_URL_INVALID"),
        ("http://[::1]\\V1", "BASE_URL_INVALID"),
        // fetch resolves these: each would be a second form of one address.
        ("https://example.com:443/v1", "BASE_URL_INVALID"),
        ("http://127.0.0.1:80/v1", "BASE_URL_INVALID"),
        ("https://example.com:08443/v1", "BASE_URL_INVALID"),
        ("https://example.com/v1/../v2", "BASE_URL_INVALID"),
        ("https://example.com/./v1", "BASE_URL_INVALID"),
        ("https://example.com/v1/%2E%2e", "BASE_URL_INVALID"),
    ] {
        assert_eq!(check(bad), vec![code], "{bad}");
    }
}

#[test]
fn field_mapped_twice_and_hints() {
    let mut v = valid();
    v["mapping"]["fields"] = json!({"FirstName": "given", "company": "org", "Email": "mail"});
    let issues = config(v).validate();
    let fm: Vec<_> = issues
        .iter()
        .map(|i| (i.path.as_str(), i.code.as_str()))
        .collect();
    assert_eq!(
        fm,
        vec![
            // (json! sorts keys; the order of the object is kept)
            ("mapping.fields.Email", "UNKNOWN_STANDARD_FIELD"),
            ("mapping.fields.FirstName", "FIELD_MAPPED_TWICE"),
            ("mapping.fields.company", "UNKNOWN_STANDARD_FIELD"),
        ]
    );
    assert!(issues[0].message.contains("mapping.email"));
    assert!(issues[2].message.contains("did you mean 'Company'"));
}

#[test]
fn custom_keys_encode_spaces() {
    assert_eq!(
        custom_key(CustomType::String, "Test Field"),
        "string--Test--Field"
    );
    assert_eq!(
        custom_key(CustomType::Boolean, " Foo Bar "),
        "boolean--Foo--Bar"
    );
    assert_eq!(custom_key(CustomType::Integer, "Age"), "integer--Age");
    assert_eq!(
        custom_key(CustomType::Date, "Last\tOrder"),
        "date--Last--Order"
    );
}

#[test]
fn cap_rules() {
    for (cap, ok) in [
        (json!(1), true),
        (json!(100000), true),
        (json!(0), false),
        (json!(2.5), false),
        (json!(-3), false),
        (json!(100001), false),
    ] {
        let mut v = valid();
        v["cap"] = cap.clone();
        assert_eq!(config(v).validate().is_empty(), ok, "cap {cap}");
    }
    let mut v = valid();
    v["cap"] = json!(250);
    assert_eq!(config(v).cap(), 250);
}

#[test]
fn the_api_base_is_written_one_way() {
    for typed in [
        "https://api.example.test/V1",
        " HTTPS://API.Example.TEST/V1/ ",
        "https://api.example.test/V1//",
    ] {
        assert_eq!(
            api_base_url(Some(typed)),
            "https://api.example.test/V1",
            "{typed:?}"
        );
    }
    assert_eq!(api_base_url(None), DEFAULT_BASE_URL);
    assert_eq!(api_base_url(Some("  ")), DEFAULT_BASE_URL);
    let conn = |url: &str| Connection {
        base_url: Some(url.into()),
        ..Connection::default()
    };
    assert_eq!(
        conn("HTTP://127.0.0.1:8/v1/").api_base(),
        conn("http://127.0.0.1:8/v1").api_base()
    );
}

#[test]
fn id_field_may_not_be_the_email() {
    // A CSV column is found by its name ignoring case: `EMAIL` reads the email column too.
    for id in ["email", "Email", " EMAIL "] {
        let mut v = valid();
        v["idField"] = json!(id);
        assert_eq!(
            codes(&config(v)),
            vec![("idField".to_string(), "ID_FIELD_IS_EMAIL")],
            "{id:?}"
        );
    }
    let mut v = valid();
    v["idField"] = json!("email_id");
    assert!(codes(&config(v)).is_empty());
}

#[test]
fn type_errors_and_unknown_keys_are_config_errors() {
    let err = from_json_str::<ExportConfig>(&json!({"segments": "VIP"}).to_string()).unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfigInvalid);
    assert!(
        err.issues[0].message.contains("invalid type"),
        "{}",
        err.issues[0].message
    );
    let err = from_json_str::<ExportConfig>(&json!({"listPrefx": "x"}).to_string()).unwrap_err();
    assert_eq!(err.issues[0].code, "UNKNOWN_FIELD");
    assert_eq!(err.issues[0].path, "listPrefx");
    assert!(
        err.issues[0].message.contains("'listPrefx'"),
        "{}",
        err.issues[0].message
    );
    let err = from_json_str::<ExportConfig>(&json!({"overCap": "drop"}).to_string()).unwrap_err();
    assert_eq!(err.code, ErrorCode::ConfigInvalid);
}

#[test]
fn an_unknown_key_is_reported_next_to_every_other_problem() {
    let mut v = valid();
    v["mapping"] = json!({"email": "", "frstName": "first", "custom": [{"source": "", "name": "X", "type": "text"}]});
    let err = autopilot_export::config::read_export_config(&v).unwrap_err();
    let got: Vec<(&str, &str)> = err
        .issues
        .iter()
        .map(|i| (i.path.as_str(), i.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("mapping.frstName", "UNKNOWN_FIELD"),
            ("mapping.email", "EMAIL_MAPPING_MISSING"),
            ("mapping.custom[0].source", "SOURCE_FIELD_EMPTY"),
            ("mapping.custom[0].type", "CUSTOM_TYPE_UNKNOWN"),
        ]
    );
}

#[test]
fn api_key_is_redacted_everywhere() {
    let cfg = config(valid());
    let dbg = format!("{cfg:?}");
    assert!(!dbg.contains(KEY), "Debug leaks the key");
    assert!(dbg.contains("[redacted]"));
    assert_eq!(cfg.connection.api_key.to_string(), "[redacted]");
    let mut v = valid();
    v["connection"]["apiKey"] = json!(format!("{KEY} x"));
    for issue in config(v).validate() {
        assert!(!issue.message.contains(KEY) && !issue.path.contains(KEY));
    }
}

#[test]
fn type_errors_carry_the_path() {
    let err = from_json_str::<ExportConfig>(
        &json!({"mapping": {"custom": [{"source": "a", "name": 5}]}}).to_string(),
    )
    .unwrap_err();
    assert_eq!(err.issues[0].path, "mapping.custom[0].name");
    assert_eq!(err.issues[0].code, "TYPE_MISMATCH");
}

#[test]
fn type_error_paths_in_arrays_and_nested_objects() {
    let cases = [
        (
            json!({"segments": [{"name": "a"}, {"name": 7}]}),
            "segments[1].name",
        ),
        (
            json!({"connection": {"consent": "yes"}}),
            "connection.consent",
        ),
        (json!({"overCap": "drop"}), "overCap"),
        (
            json!({"mapping": {"fields": {"Company": 3}}}),
            "mapping.fields.Company",
        ),
        (json!({"segments": {}}), "segments"),
        (json!({"cap": "10"}), "cap"),
    ];
    for (v, path) in cases {
        let err =
            from_json_str::<ExportConfig>(&serde_json::to_string_pretty(&v).unwrap()).unwrap_err();
        assert_eq!(err.issues[0].path, path, "{v}");
        let err = from_json_str::<ExportConfig>(&v.to_string()).unwrap_err();
        assert_eq!(err.issues[0].path, path, "{v} (one line)");
        assert!(
            !err.issues[0].message.contains(" at line "),
            "{}",
            err.issues[0].message
        );
    }
}

#[test]
fn type_errors_do_not_quote_values() {
    let secret = "Secret-API-Key-Zq8Wm3Xv7Ln2Kp9R";
    let err =
        from_json_str::<ExportConfig>(&json!({"connection": {"consent": secret}}).to_string())
            .unwrap_err();
    assert_eq!(err.issues[0].path, "connection.consent");
    assert!(
        !err.message.contains(secret) && !err.issues[0].message.contains(secret),
        "{}",
        err.issues[0].message
    );
    assert!(
        err.issues[0]
            .message
            .contains("invalid type: string, expected a boolean"),
        "{}",
        err.issues[0].message
    );
}

#[test]
fn type_errors_leave_out_numbers_too() {
    let err = from_json_str::<ExportConfig>(
        &json!({"connection": {"apiKey": 1234567890123456u64}}).to_string(),
    )
    .unwrap_err();
    assert_eq!(err.issues[0].path, "connection.apiKey");
    assert!(
        !err.issues[0].message.contains("1234567890123456"),
        "{}",
        err.issues[0].message
    );
    assert!(
        err.issues[0]
            .message
            .starts_with("invalid type: integer, expected"),
        "{}",
        err.issues[0].message
    );
    // Unknown fields keep their name (a key, not a value).
    let err = from_json_str::<ExportConfig>(&json!({"listPrefx": "x"}).to_string()).unwrap_err();
    assert!(
        err.issues[0].message.contains("'listPrefx'"),
        "{}",
        err.issues[0].message
    );
}

#[test]
fn mirror_needs_lists_and_refuse_and_a_ratio_within_bounds() {
    let mut v = valid();
    v["membership"] = json!("mirror");
    assert_eq!(codes(&config(v.clone())), vec![]);
    // Truncating would take the members beyond the cap for leavers.
    v["overCap"] = json!("truncate");
    v["maxRemovalRatio"] = json!(1.5);
    let got = codes(&config(v.clone()));
    assert!(
        got.contains(&("overCap".into(), "MIRROR_WITH_TRUNCATE")),
        "{got:?}"
    );
    assert!(
        got.contains(&("maxRemovalRatio".into(), "OPTION_OUT_OF_RANGE")),
        "{got:?}"
    );
    v["overCap"] = json!("refuse");
    v["maxRemovalRatio"] = json!(0.5);
    v["lists"] = json!("none");
    assert_eq!(
        codes(&config(v.clone())),
        vec![("membership".to_string(), "MIRROR_WITHOUT_LISTS")]
    );
    // The cap's bounds are those metadata() publishes.
    let mut v = valid();
    v["cap"] = json!(100_001);
    let issues = config(v).validate();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].code.as_str(), "CAP_OUT_OF_RANGE");
    let spec = autopilot_export::meta::CAP;
    assert!(
        issues[0].message.contains(&format!("{}", spec.max as u64)),
        "{}",
        issues[0].message
    );
}
