//! Issue 14 ("Real-world files"), input side: each failing case of the issue, fed through
//! the parser into the planner as an export does, with the right value asserted on the
//! planned contacts, rejects, warnings and dialect. Every case is also fed one byte per
//! chunk, which must plan exactly the same.
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::config::{from_json_str, ExportConfig};
use autopilot_export::error::{Error, ErrorCode};
use autopilot_export::input::{Format, Parser, SourceOptions};
use autopilot_export::plan::{Plan, Planner};
use autopilot_export::report::RejectReason;
use autopilot_export::summary::PlanSummary;
use serde_json::{json, Value};

fn config(custom: Value) -> ExportConfig {
    let v = json!({
        "connection": {"displayName": "Test", "apiKey": "0123456789abcdef0123456789abcdef", "consent": true, "exportUser": "ops"},
        "mapping": {"email": "email", "firstName": "first_name", "lastName": "last_name", "custom": custom},
        "segments": [{"name": "S"}],
        "idField": "id"
    });
    from_json_str(&v.to_string()).unwrap()
}

/// Plans one CSV segment from `bytes` cut into `chunk`-byte pieces.
fn plan_chunked(
    cfg: &ExportConfig,
    bytes: &[u8],
    options: &SourceOptions,
    chunk: usize,
) -> Result<Plan, Error> {
    let mut planner = Planner::new(cfg)?;
    planner.begin_segment(0)?;
    let mut parser = Parser::with_options(Format::Csv, planner.fields(), options, "")?;
    for piece in bytes.chunks(chunk.max(1)) {
        parser.feed(piece, &mut planner)?;
    }
    parser.finish(&mut planner)?;
    Ok(planner.finish())
}

/// Plans whole and one byte at a time; both must give the same summary and contacts.
fn plan(cfg: &ExportConfig, bytes: &[u8], options: &SourceOptions) -> Result<Plan, Error> {
    let whole = plan_chunked(cfg, bytes, options, usize::MAX);
    let split = plan_chunked(cfg, bytes, options, 1);
    match (&whole, &split) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.summary(5.0), b.summary(5.0));
            assert_eq!(a.contacts, b.contacts);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("whole {whole:?} and one-byte chunks {split:?} differ"),
    }
    whole
}

/// The planned contacts as JSON objects (`Email` plus the mapped fields).
fn contacts(p: &Plan) -> Vec<Value> {
    p.contacts
        .iter()
        .map(|c| {
            let sep = if c.fields.is_empty() { "" } else { "," };
            let text = format!(
                "{{\"Email\":{}{sep}{}}}",
                serde_json::to_string(&c.email).unwrap(),
                c.fields
            );
            serde_json::from_str(&text).unwrap()
        })
        .collect()
}

fn summary_json(s: &PlanSummary) -> Value {
    serde_json::to_value(s).unwrap()
}

fn opts(delimiter: Option<&str>, encoding: Option<&str>) -> SourceOptions {
    SourceOptions {
        delimiter: delimiter.map(String::from),
        encoding: encoding.map(String::from),
    }
}

// ------------------------------------------------------------- 1: delimiters

#[test]
fn case_1_semicolon_tab_and_pipe_are_detected() {
    let cfg = config(json!([]));
    for (sep, shown) in [(";", ";"), ("\t", "\t"), ("|", "|")] {
        let text =
            format!("email{sep}first_name{sep}last_name\nada@example.com{sep}Ada{sep}Lovelace\n");
        let p = plan(&cfg, text.as_bytes(), &SourceOptions::default()).unwrap();
        assert_eq!(
            contacts(&p),
            vec![json!({"Email": "ada@example.com", "FirstName": "Ada", "LastName": "Lovelace"})],
            "{sep:?}"
        );
        let s = summary_json(&p.summary(5.0));
        assert_eq!(
            s["segments"][0]["dialect"],
            json!({"delimiter": shown, "detected": true, "encoding": "utf-8", "bom": false})
        );
        // The report's segments are these SegmentReports: the dialect is in the report too.
        let report_segment = serde_json::to_value(&p.segments[0]).unwrap();
        assert_eq!(report_segment["dialect"]["delimiter"], shown);
        assert_eq!(report_segment["dialect"]["encoding"], "utf-8");
    }
    // Declared: a comma inside a semicolon file is data.
    let p = plan(
        &cfg,
        b"email;first_name\nada@example.com;Ada, Countess\n",
        &opts(Some(";"), None),
    )
    .unwrap();
    assert_eq!(contacts(&p)[0]["FirstName"], "Ada, Countess");
    assert!(!p.segments[0].dialect.as_ref().unwrap().detected);
}

#[test]
fn case_1_a_missing_email_column_lists_the_columns_and_suggests() {
    let cfg = config(json!([]));
    // Declared the wrong delimiter: the one column found is named, and ';' is suggested.
    let err = plan(
        &cfg,
        b"email;first_name;last_name\nada@example.com;Ada;Lovelace\n",
        &opts(Some(","), None),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InputInvalid);
    assert!(
        err.message.contains("'email;first_name;last_name'"),
        "{}",
        err.message
    );
    assert!(err.message.contains("delimiter: ';'"), "{}", err.message);
    // An unreadable header suggests the encoding.
    let err = plan(&cfg, b"E\xFFmail,x\na,b\n", &SourceOptions::default()).unwrap_err();
    assert!(err.message.contains("encoding"), "{}", err.message);
    // A workbook says "save as CSV".
    let err = plan(
        &cfg,
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
        &SourceOptions::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("save as CSV"), "{}", err.message);
}

// ------------------------------------------------------------- 2: encodings

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

#[test]
fn case_2_utf16le_with_bom_needs_no_option() {
    let cfg = config(json!([]));
    // Excel "Unicode text" is tab-separated UTF-16LE with a BOM.
    let bytes = utf16le("email\tfirst_name\tlast_name\r\nada@example.com\tAda\tMüller\r\n");
    let p = plan(&cfg, &bytes, &SourceOptions::default()).unwrap();
    assert_eq!(
        contacts(&p),
        vec![json!({"Email": "ada@example.com", "FirstName": "Ada", "LastName": "Müller"})]
    );
    let d = p.segments[0].dialect.clone().unwrap();
    assert_eq!(
        (d.delimiter.as_str(), d.encoding.as_str(), d.bom),
        ("\t", "utf-16le", true)
    );
    // UTF-16BE too.
    let mut be = vec![0xFE, 0xFF];
    for unit in "email,last_name\nbob@example.com,Ōno\n".encode_utf16() {
        be.extend_from_slice(&unit.to_be_bytes());
    }
    let p = plan(&cfg, &be, &SourceOptions::default()).unwrap();
    assert_eq!(contacts(&p)[0]["LastName"], "Ōno");
}

#[test]
fn case_2_windows_1252_with_the_option_and_a_warning_without() {
    let cfg = config(json!([]));
    let bytes =
        b"email,first_name,last_name\nada@example.com,Ada,M\xFCller\nbob@example.com,Bob,Smith\n";
    let p = plan(&cfg, bytes, &opts(None, Some("windows-1252"))).unwrap();
    assert_eq!(
        contacts(&p),
        vec![
            json!({"Email": "ada@example.com", "FirstName": "Ada", "LastName": "Müller"}),
            json!({"Email": "bob@example.com", "FirstName": "Bob", "LastName": "Smith"}),
        ]
    );
    assert_eq!(
        p.segments[0].dialect.as_ref().unwrap().encoding,
        "windows-1252"
    );
    // iso-8859-1 is read as windows-1252 (WHATWG).
    let p = plan(&cfg, bytes, &opts(None, Some("ISO-8859-1"))).unwrap();
    assert_eq!(contacts(&p)[0]["LastName"], "Müller");
    // Without the option: the row is rejected as before, and a warning counts it and
    // suggests the encoding.
    let p = plan(&cfg, bytes, &SourceOptions::default()).unwrap();
    assert_eq!(contacts(&p).len(), 1);
    assert_eq!(p.rejects.len(), 1);
    assert_eq!(
        (p.rejects[0].row, p.rejects[0].reason),
        (1, RejectReason::InvalidUtf8)
    );
    let s = summary_json(&p.summary(5.0));
    let w = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "INVALID_UTF8_ROWS")
        .cloned()
        .unwrap();
    assert_eq!(w["count"], 1);
    assert_eq!(w["field"], "segments[0].profiles");
    assert!(w["hint"]
        .as_str()
        .unwrap()
        .contains("encoding: 'windows-1252'"));
}

#[test]
fn unknown_and_unsupported_encodings_are_config_issues() {
    let cfg = config(json!([]));
    for (label, code) in [
        ("klingon", "ENCODING_UNKNOWN"),
        ("shift_jis", "ENCODING_UNSUPPORTED"),
    ] {
        let err = plan(&cfg, b"email\na@b.co\n", &opts(None, Some(label))).unwrap_err();
        assert_eq!(err.code, ErrorCode::ConfigInvalid);
        assert_eq!(err.issues[0].code, code);
        assert_eq!(err.issues[0].path, "encoding");
    }
    let err = plan(&cfg, b"email\na@b.co\n", &opts(Some(":"), None)).unwrap_err();
    assert_eq!(err.issues[0].code, "DELIMITER_INVALID");
}

// ------------------------------------------------------------- 3: ragged rows

#[test]
fn case_3_trailing_separator_header_and_short_rows() {
    let cfg = config(json!([]));
    let p = plan(
        &cfg,
        b"email,first_name,\nada@example.com,Ada\nbob@example.com,Bob,\n",
        &SourceOptions::default(),
    )
    .unwrap();
    assert_eq!(
        contacts(&p),
        vec![
            json!({"Email": "ada@example.com", "FirstName": "Ada"}),
            json!({"Email": "bob@example.com", "FirstName": "Bob"}),
        ]
    );
    assert!(p.rejects.is_empty());
    // Three columns; a row leaves out its empty last cell; another has one extra empty cell;
    // one has an extra cell with content (MALFORMED_ROW with its row number).
    let p = plan(
        &cfg,
        b"email,first_name,last_name\nada@example.com,Ada\nbob@example.com,Bob,Smith,\ncy@example.com,Cy,Young,extra\n",
        &SourceOptions::default(),
    )
    .unwrap();
    assert_eq!(
        contacts(&p),
        vec![
            json!({"Email": "ada@example.com", "FirstName": "Ada"}),
            json!({"Email": "bob@example.com", "FirstName": "Bob", "LastName": "Smith"}),
        ]
    );
    assert_eq!(p.rejects.len(), 1);
    assert_eq!(
        (p.rejects[0].row, p.rejects[0].reason),
        (3, RejectReason::MalformedRow)
    );
}

// ------------------------------------------------------------- 4: duplicate headers

#[test]
fn case_4_duplicate_headers() {
    let cfg = config(json!([]));
    for header in [
        "email,first_name,first_name",
        "email,first_name,First_Name ",
    ] {
        let text = format!("{header}\nada@example.com,,Ada\n");
        let err = plan(&cfg, text.as_bytes(), &SourceOptions::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InputInvalid);
        assert!(
            err.message.contains("'first_name' appears 2 times"),
            "{}",
            err.message
        );
    }
    // Not mapped: a warning naming the column, and the export goes on.
    let p = plan(
        &cfg,
        b"email,note,NOTE\nada@example.com,a,b\n",
        &SourceOptions::default(),
    )
    .unwrap();
    assert_eq!(contacts(&p).len(), 1);
    let w = &p.warnings[0];
    assert_eq!(
        (w.code.as_str(), w.field.as_str(), w.count),
        ("DUPLICATE_COLUMN", "note", 1)
    );
}

// ------------------------------------------------------------- 5: numeric dates

#[test]
fn case_5_numeric_dates_never_become_1970_silently() {
    let values = b"email,first_name,d\na@example.com,A,1711929600\nb@example.com,B,45383\nc@example.com,C,20240401\nd@example.com,D,0\n";
    let with = |format: Option<&str>| {
        let mut field = json!({"source": "d", "name": "Signup", "type": "date"});
        if let Some(f) = format {
            field["format"] = json!(f);
        }
        let p = plan(&config(json!([field])), values, &SourceOptions::default()).unwrap();
        let dates: Vec<Value> = contacts(&p)
            .iter()
            .map(|c| c["custom"]["date--Signup"].clone())
            .collect();
        (dates, summary_json(&p.summary(5.0))["warnings"].clone())
    };
    let (dates, warnings) = with(None);
    assert_eq!(
        dates,
        vec![
            Value::Null,
            Value::Null,
            json!("2024-04-01T00:00:00.000Z"),
            Value::Null
        ]
    );
    let w = &warnings[0];
    assert_eq!(
        (w["code"].as_str(), w["count"].as_u64()),
        (Some("VALUE_NOT_COERCIBLE"), Some(3))
    );
    assert_eq!(w["field"], "date--Signup");
    // The first hint seen is kept: the first row looks like Unix seconds.
    assert!(w["hint"].as_str().unwrap().contains("epoch-s"));
    assert_eq!(w["examples"], json!(["0:1", "0:2", "0:4"]));

    let (dates, _) = with(Some("epoch-s"));
    assert_eq!(
        dates,
        vec![
            json!("2024-04-01T00:00:00.000Z"),
            json!("1970-01-01T12:36:23.000Z"),
            json!("1970-08-23T06:20:01.000Z"),
            json!("1970-01-01T00:00:00.000Z"),
        ]
    );
    let (dates, _) = with(Some("excel-serial"));
    assert_eq!(
        dates,
        vec![
            Value::Null,
            json!("2024-04-01T00:00:00.000Z"),
            Value::Null,
            Value::Null,
        ]
    );
    let (dates, _) = with(Some("epoch-ms"));
    assert_eq!(
        dates,
        vec![
            json!("1970-01-20T19:32:09.600Z"),
            json!("1970-01-01T00:00:45.383Z"),
            json!("1970-01-01T05:37:20.401Z"),
            json!("1970-01-01T00:00:00.000Z"),
        ]
    );
}

#[test]
fn format_and_decimal_options_are_validated() {
    let bad = config_err(json!([
        {"source": "a", "name": "A", "type": "date", "format": "yyyy"},
        {"source": "b", "name": "B", "type": "string", "format": "epoch-s"},
        {"source": "c", "name": "C", "type": "float", "decimal": ";"},
        {"source": "d", "name": "D", "type": "date", "decimal": ","}
    ]));
    let got: Vec<(String, &str)> = bad
        .iter()
        .map(|i| (i.path.clone(), i.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "mapping.custom[0].format".to_string(),
                "CUSTOM_FORMAT_UNKNOWN"
            ),
            (
                "mapping.custom[1].format".to_string(),
                "CUSTOM_FORMAT_NOT_DATE"
            ),
            (
                "mapping.custom[2].decimal".to_string(),
                "CUSTOM_DECIMAL_INVALID"
            ),
            (
                "mapping.custom[3].decimal".to_string(),
                "CUSTOM_DECIMAL_NOT_NUMBER"
            ),
        ]
    );
    // Decimal commas through the whole path (semicolon files usually have them).
    let cfg =
        config(json!([{"source": "spend", "name": "Spend", "type": "float", "decimal": ","}]));
    let p = plan(
        &cfg,
        b"email;spend\na@example.com;1.234,5\nb@example.com;2,25\n",
        &SourceOptions::default(),
    )
    .unwrap();
    let spend: Vec<Value> = contacts(&p)
        .iter()
        .map(|c| c["custom"]["float--Spend"].clone())
        .collect();
    assert_eq!(spend, vec![json!(1234.5), json!(2.25)]);
}

fn config_err(custom: Value) -> Vec<autopilot_export::error::Issue> {
    let v = json!({
        "connection": {"displayName": "Test", "apiKey": "0123456789abcdef0123456789abcdef", "consent": true, "exportUser": "ops"},
        "mapping": {"email": "email", "custom": custom},
        "segments": [{"name": "S"}]
    });
    let cfg: ExportConfig = from_json_str(&v.to_string()).unwrap();
    cfg.validate()
}

#[test]
fn segment_names_fold_unicode_case() {
    let v = json!({
        "connection": {"displayName": "Test", "apiKey": "0123456789abcdef0123456789abcdef", "consent": true, "exportUser": "ops"},
        "mapping": {"email": "email"},
        "segments": [{"name": "ÉTÉ"}, {"name": "été"}]
    });
    let cfg: ExportConfig = from_json_str(&v.to_string()).unwrap();
    let codes: Vec<&str> = cfg.validate().iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, vec!["SEGMENT_NAME_DUPLICATE"]);
}
