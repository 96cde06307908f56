//! The JS API (DESIGN.md §3): conversion and driving only, no rules.
//!
//! Every exported function reads its input *inside* the function, so a bad value becomes a
//! thrown `AutopilotExportError` (a real `Error` subclass with `name`, `code`, `message`,
//! `issues`, and `report` once a run had started) and never traps the module.

mod alloc;
mod convert;
mod download;
mod driver;
mod fetch;
mod source;
mod timer;
mod types;

use crate::autopilot::account::{self, CheckOptions};
use crate::config::{self, Connection, ExportConfig};
use crate::error::{Error, ErrorCode, Issue};
use crate::plan::{Plan, Planner};
use crate::run::{PreviewOptions, Run, RunOptions, HOST_KEYS};
use crate::summary::{summarize, SummaryOptions};
use crate::sync::SyncState;
use convert::{get, js_error, not_an_object, read, read_options, to_js, without};
use driver::Driver;
use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{AbortController, AbortSignal};

/// Splits a job into the configuration (read by the core) and each segment's `profiles`
/// value (never walked by the configuration reader).
fn split_job(job: &JsValue) -> Result<(JsValue, Vec<JsValue>), Error> {
    if !job.is_object() {
        return Err(not_an_object("an export job"));
    }
    let segments = get(job, "segments");
    let mut profiles = Vec::new();
    let copy = without(job, &[]);
    if Array::is_array(&segments) {
        let stripped = Array::new();
        for s in Array::from(&segments).iter() {
            profiles.push(get(&s, "profiles"));
            stripped.push(&without(&s, &["profiles"]));
        }
        let _ = js_sys::Reflect::set(&copy, &"segments".into(), &stripped);
    }
    Ok((copy, profiles))
}

/// The sync state bytes of an options object (`Uint8Array` or `ArrayBuffer`).
fn state_bytes(options: &JsValue) -> Result<Option<Vec<u8>>, Error> {
    let v = get(options, HOST_KEYS[2]);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(Some(a.to_vec()));
    }
    if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(Some(Uint8Array::new(b).to_vec()));
    }
    Err(Error::type_mismatch(
        format!("options.{}", HOST_KEYS[2]),
        "syncState must be the Uint8Array of a previous report's syncState",
    ))
}

/// Checks a connection without any network request and returns every problem found
/// (an empty array when it is valid).
///
/// ```js
/// import { validateConnection } from 'autopilot-export';
/// const issues = validateConnection({ displayName: 'Marketing', apiKey: process.env.AUTOPILOT_API_KEY, consent: true, exportUser: 'ops@example.com' });
/// for (const i of issues) console.log(`${i.path}: ${i.message} (${i.code})`);
/// ```
#[wasm_bindgen(js_name = validateConnection, unchecked_return_type = "Issue[]")]
pub fn validate_connection(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
) -> JsValue {
    let issues = match read::<Connection>(&conn, "").lenient() {
        Ok((c, mut issues)) => {
            issues.extend(c.validate(""));
            issues
        }
        Err(e) => e.issues,
    };
    to_js(&crate::error::one_per_path(issues))
}

/// Checks the options of `exportSegments` (and of `preview`, which accepts the same) without
/// running anything and returns every problem found: unknown keys (`UNKNOWN_FIELD`), wrong
/// types (`TYPE_MISMATCH`), numbers out of the bounds of `metadata().numbers`
/// (`OPTION_OUT_OF_RANGE`), a checkpoint this library did not write. `signal`, `onProgress`,
/// `onCheckpoint` and `syncState` are the host's and not looked at. For hosts that store
/// options to use later (a scheduled destination).
///
/// ```js
/// import { validateRunOptions } from 'autopilot-export';
/// const issues = validateRunOptions({ maxRequests: 45, maxInFlight: 6 }); // []
/// validateRunOptions({ ratePerSecond: 0 }); // [{ path: 'options.ratePerSecond', code: 'OPTION_OUT_OF_RANGE', ... }]
/// ```
#[wasm_bindgen(js_name = validateRunOptions, unchecked_return_type = "Issue[]")]
pub fn validate_run_options(
    #[wasm_bindgen(unchecked_param_type = "RunOptions")] options: JsValue,
) -> JsValue {
    let issues =
        match read_options::<RunOptions>(&without(&options, &HOST_KEYS), "options").lenient() {
            Ok((opts, mut issues)) => {
                issues.extend(opts.issues());
                issues
            }
            Err(e) => e.issues,
        };
    to_js(&crate::error::one_per_path(issues))
}

/// Checks an export configuration (connection, mapping, segments, cap, membership) without
/// any network request and returns every problem found. Of `segments[].profiles`, only the
/// description is checked (a URL source's url/format/headers, a byte source's options), never
/// the data.
///
/// ```js
/// import { validateExportConfig } from 'autopilot-export';
/// const issues = validateExportConfig(job);
/// if (issues.length) showProblems(issues); // each has path, code, message
/// ```
#[wasm_bindgen(js_name = validateExportConfig, unchecked_return_type = "Issue[]")]
pub fn validate_export_config(
    #[wasm_bindgen(unchecked_param_type = "ExportConfig")] cfg: JsValue,
) -> JsValue {
    let issues = match split_job(&cfg) {
        Ok((c, profiles)) => {
            let mut issues = match read::<ExportConfig>(&c, "").lenient() {
                Ok((c, mut issues)) => {
                    issues.extend(c.validate());
                    issues
                }
                Err(e) => e.issues,
            };
            for (i, p) in profiles.iter().enumerate().filter(|(_, p)| p.is_object()) {
                issues.extend(source::source_issues(i, p));
            }
            issues
        }
        Err(e) => e.issues,
    };
    to_js(&crate::error::one_per_path(issues))
}

/// Reads and validates a job's configuration (every problem at once).
fn job_config(
    job: &JsValue,
    check_connection: bool,
) -> Result<(ExportConfig, Vec<JsValue>), Error> {
    let (c, profiles) = split_job(job)?;
    let (cfg, mut issues) = read::<ExportConfig>(&c, "").lenient()?;
    issues.extend(
        cfg.validate()
            .into_iter()
            .filter(|i| check_connection || !i.path.starts_with("connection.")),
    );
    if issues.is_empty() {
        Ok((cfg, profiles))
    } else {
        Err(Error::from_issues(issues))
    }
}

/// Preview options: (rate, state bytes, sample, full resync).
/// The preview's settings and job: the issues of the options and of the job together.
fn preview_setup(
    job: &JsValue,
    options: &JsValue,
) -> Result<(crate::run::PreviewSettings, ExportConfig, Vec<JsValue>), Error> {
    let bytes = state_bytes(options)?;
    let (opts, mut issues) =
        read_options::<PreviewOptions>(&without(options, &HOST_KEYS), "options")
            .lenient()
            .map_err(|e| crate::run::options_error(e.issues))?;
    let settings = opts.resolve().map_err(|e| issues.extend(e.issues));
    match (job_config(job, false), settings) {
        (Ok((cfg, profiles)), Ok((rate, _, sample, full))) if issues.is_empty() => {
            Ok(((rate, bytes, sample, full), cfg, profiles))
        }
        (Err(e), _) if issues.is_empty() => Err(e),
        (job, _) => {
            issues.extend(job.err().map(|e| e.issues).unwrap_or_default());
            Err(crate::run::options_error(issues))
        }
    }
}

/// The summary of `plan` against the optional state.
fn summary_js(
    plan: &Plan,
    rate: f64,
    bytes: Option<Vec<u8>>,
    sample: u32,
    full: bool,
) -> Result<JsValue, Error> {
    let state = bytes.as_deref().map(SyncState::decode).transpose()?;
    if let Some(s) = &state {
        s.check_base(&plan.config.connection.api_base())?;
    }
    Ok(to_js(&summarize(
        plan,
        &SummaryOptions {
            rate_per_second: rate,
            state: state.as_ref(),
            sample,
            full_resync: full,
        },
    )))
}

/// Dry run: reads every segment, validates, maps, de-duplicates, applies the cap, plans the
/// batches and — given the previous run's `syncState` — shows what a refresh would change,
/// without any network request (the connection is not checked). Sources must be synchronous
/// (arrays, bytes, strings or sync iterables); see `previewAsync` for streams and URLs.
///
/// ```js
/// import { preview } from 'autopilot-export';
/// const s = preview(job, { syncState: lastReport.syncState });
/// console.log(s.changes, s.batches, s.estimatedDurationMs, s.segments[0].sample);
/// ```
#[wasm_bindgen(js_name = preview, unchecked_return_type = "ExportPlanSummary")]
pub fn preview(
    #[wasm_bindgen(unchecked_param_type = "ExportJob")] job: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PreviewOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let go = || -> Result<JsValue, Error> {
        let ((rate, bytes, sample, full), cfg, profiles) = preview_setup(&job, &options)?;
        let mut planner = Planner::new_unchecked_connection(&cfg)?;
        for (i, p) in profiles.iter().enumerate() {
            source::feed_sync(&mut planner, &mut || false, i, p)?;
        }
        summary_js(&planner.finish(), rate, bytes, sample, full)
    };
    go().map_err(|e| js_error(&e, None))
}

/// Like `preview`, but also accepts async iterables of chunks and URL sources.
///
/// ```js
/// import { previewAsync } from 'autopilot-export';
/// const s = await previewAsync({ ...job, segments: [{ name: 'VIP', profiles: { url: 'https://cdp.example/vip.csv', format: 'csv' } }] });
/// ```
#[wasm_bindgen(js_name = previewAsync, unchecked_return_type = "Promise<ExportPlanSummary>")]
pub fn preview_async(
    #[wasm_bindgen(unchecked_param_type = "ExportJob")] job: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PreviewOptions")] options: JsValue,
) -> Promise {
    future_to_promise(dispatch(Op::Preview, job, options))
}

async fn preview_inner(job: JsValue, options: JsValue) -> Result<JsValue, Error> {
    let ((rate, bytes, sample, full), cfg, profiles) = preview_setup(&job, &options)?;
    let mut planner = Planner::new_unchecked_connection(&cfg)?;
    for (i, p) in profiles.iter().enumerate() {
        source::feed_async(&mut planner, &mut || false, i, p, None).await?;
    }
    summary_js(&planner.finish(), rate, bytes, sample, full)
}

/// The asynchronous operations share one future type (one copy of the future machinery).
enum Op {
    Preview,
    Check,
    Export,
}

async fn dispatch(op: Op, a: JsValue, b: JsValue) -> Result<JsValue, JsValue> {
    match op {
        Op::Preview => preview_inner(a, b).await.map_err(|e| js_error(&e, None)),
        Op::Check => check_inner(a, b).await.map_err(|e| js_error(&e, None)),
        Op::Export => export_inner(a, b)
            .await
            .map_err(|(e, report)| js_error(&e, report.as_ref())),
    }
}

/// The caller's `signal` (an `AbortSignal` or absent).
fn signal_of(options: &JsValue) -> Result<Option<AbortSignal>, Error> {
    let s = get(options, HOST_KEYS[0]);
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    s.dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| Error::type_mismatch("options.signal", "signal must be an AbortSignal"))
}

/// Verifies the API key with `GET /v1/account` and returns Autopilot's account object.
/// Validates the connection first (no request without consent or with a bad configuration);
/// never follows a redirect.
///
/// ```js
/// import { checkConnection } from 'autopilot-export';
/// try {
///   const account = await checkConnection(connection, { signal: AbortSignal.timeout(10_000) });
///   console.log('connected to', account.instanceId);
/// } catch (e) {
///   if (e.code === 'AUTH_FAILED') alert(e.message);
/// }
/// ```
#[wasm_bindgen(js_name = checkConnection, unchecked_return_type = "Promise<AccountInfo>")]
pub fn check_connection(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: JsValue,
) -> Promise {
    future_to_promise(dispatch(Op::Check, conn, options))
}

async fn check_inner(conn: JsValue, options: JsValue) -> Result<JsValue, Error> {
    let (c, mut issues) = read::<Connection>(&conn, "").lenient()?;
    issues.extend(c.validate(""));
    let opts = read_options::<CheckOptions>(&without(&options, &HOST_KEYS[..1]), "options");
    let opts = match opts.lenient() {
        Ok((o, more)) => {
            issues.extend(more);
            o
        }
        Err(e) => return Err(e),
    };
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }
    let timeout = opts.timeout()?;
    let signal = signal_of(&options)?;
    if signal.as_ref().is_some_and(AbortSignal::aborted) {
        return Err(Error::new(
            ErrorCode::Aborted,
            "the connection check was aborted before it started",
        ));
    }
    let controller = AbortController::new()
        .map_err(|_| convert::internal("AbortController is not available"))?;
    if let Some(s) = &signal {
        if let Ok(abort) = get(&controller, "abort").dyn_into::<Function>() {
            driver::on_abort(s, &abort.bind0(&controller).into());
        }
    }
    let req = account::check_request(&c, timeout);
    match fetch::send(&req, &controller).await {
        fetch::Ended::Aborted => Err(Error::new(
            ErrorCode::Aborted,
            "the connection check was aborted",
        )),
        fetch::Ended::Outcome(o) => account::check_outcome(&c, o, timeout).map(|a| to_js(&a)),
    }
}

/// Runs an export: validates, starts the account and lists reads, reads every segment, plans,
/// diffs against the previous run's `syncState`, then sends the changes through the global
/// `fetch` with pacing, retries, cancel, resume and a request budget. Resolves with the run
/// report (also when cancelled or paused: pass its `checkpoint` and `syncState` to the next
/// call). Throws `AutopilotExportError` before any write for configuration problems
/// (`CONFIG_INVALID`, `CONSENT_REQUIRED`, `CAP_EXCEEDED`, `INPUT_INVALID`, `NOTHING_TO_EXPORT`,
/// `CHECKPOINT_MISMATCH`, `STATE_MISMATCH`, `REMOVALS_EXCEEDED`), and when the run stops on
/// `AUTH_FAILED`, `API_ERROR` or `NETWORK` (the error then carries the `report`).
///
/// ```js
/// import { exportSegments } from 'autopilot-export';
/// const report = await exportSegments(job, {
///   syncState: await load('state'),
///   onProgress: (p) => console.log(`${p.contactsDone}/${p.contactsTotal}`),
/// });
/// await save('state', report.syncState);
/// ```
#[wasm_bindgen(js_name = exportSegments, unchecked_return_type = "Promise<ExportReport>")]
pub fn export_segments(
    #[wasm_bindgen(unchecked_param_type = "ExportJob")] job: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RunOptions")] options: JsValue,
) -> Promise {
    future_to_promise(dispatch(Op::Export, job, options))
}

/// Turns of the event loop taken after a request was handed to `fetch` while the profiles
/// are read: enough for it to leave (connect, write); its answer waits for the plan anyway.
const TURNS_PER_SEND: u32 = 2;

async fn export_inner(job: JsValue, options: JsValue) -> Result<JsValue, (Error, Option<JsValue>)> {
    let plain = |e: Error| (e, None);
    let signal = signal_of(&options).map_err(plain)?;
    let callback = |key: &str| -> Result<Option<Function>, Error> {
        let f = get(&options, key);
        if f.is_undefined() || f.is_null() {
            return Ok(None);
        }
        f.dyn_into::<Function>().map(Some).map_err(|_| {
            Error::type_mismatch(
                format!("options.{key}"),
                format!("{key} must be a function"),
            )
        })
    };
    let progress = callback(HOST_KEYS[1]).map_err(plain)?;
    let checkpoints = callback(HOST_KEYS[3]).map_err(plain)?;
    let bytes = state_bytes(&options).map_err(plain)?;
    let (opts, mut issues) = read_options::<RunOptions>(&without(&options, &HOST_KEYS), "options")
        .lenient()
        .map_err(|e| plain(crate::run::options_error(e.issues)))?;
    issues.extend(opts.issues());
    let (cfg, profiles) = match job_config(&job, true) {
        Ok(x) if issues.is_empty() => x,
        Ok(_) => return Err(plain(crate::run::options_error(issues))),
        Err(e) if issues.is_empty() => return Err(plain(e)),
        Err(e) => {
            issues.extend(e.issues);
            return Err(plain(crate::run::options_error(issues)));
        }
    };
    let seed = (js_sys::Math::random() * crate::util::float::MAX_SAFE_INTEGER) as u64;
    let (settings, (checkpoint, _)) = opts.resolve(seed).map_err(plain)?;
    let mut driver = Driver::new(signal, progress, checkpoints);
    if driver.aborted() {
        return Err(plain(Error::new(
            ErrorCode::Aborted,
            "the export was aborted before it started; nothing was sent",
        )));
    }
    let mut planner = Planner::new(&cfg).map_err(plain)?;
    let mut run = Run::new(
        cfg,
        settings,
        checkpoint,
        bytes.as_deref(),
        timer::wall_ms(),
        timer::mono_ms(),
    )
    .map_err(plain)?;
    // The reads go out while the profiles are read.
    let read_all = async {
        driver.pump(&mut run)?;
        let signal = driver.signal_ref().cloned();
        let mut seen = 0;
        let mut owed = 0;
        for (i, p) in profiles.iter().enumerate() {
            // Between slices of input: send what is due (the second read waits a pacing
            // interval; the input may take longer to read), and after a send let the event
            // loop run a little, so that the request really leaves (most hosts do network
            // I/O on the thread that runs this).
            let mut tick = || {
                let _ = driver.pump(&mut run);
                if driver.started() != seen {
                    seen = driver.started();
                    owed = TURNS_PER_SEND;
                }
                let turn = owed > 0;
                owed = owed.saturating_sub(1);
                turn
            };
            source::feed_async(&mut planner, &mut tick, i, p, signal.as_ref()).await?;
            if driver.aborted() {
                return Err(Error::new(
                    ErrorCode::Aborted,
                    "the export was aborted while reading the profiles; nothing was written",
                ));
            }
        }
        Ok::<(), Error>(())
    };
    if let Err(e) = read_all.await {
        driver.abort_all();
        return Err(plain(e));
    }
    if let Err(e) = run.attach(planner.finish(), timer::mono_ms()) {
        driver.abort_all();
        let report = run.error_report(timer::mono_ms()).map(|r| to_js(&r));
        return Err((e, report));
    }
    driver.drive(&mut run).await.map_err(plain)?;
    match run.error() {
        Some(e) => Err((
            e.clone(),
            run.error_report(timer::mono_ms()).map(|r| to_js(&r)),
        )),
        None => Ok(to_js(&run.report(timer::mono_ms()))),
    }
}

/// Every default, bound, list and label the package uses, for hosts that show or need them
/// (the CLI, the admin page, the extension and the worker keep no copy).
///
/// ```js
/// import { metadata } from 'autopilot-export';
/// const m = metadata();
/// rateInput.value = m.defaults.ratePerSecond; // 5
/// for (const f of m.standardFields) addOption(f.name, f.label);
/// ```
#[wasm_bindgen(js_name = metadata, unchecked_return_type = "Metadata")]
pub fn metadata() -> JsValue {
    to_js(&crate::meta::metadata())
}

/// The API base a connection with this `baseUrl` uses, written one way (trimmed, no trailing
/// `/`, scheme and host lower-cased; the default when unset or blank): the core's rule
/// (`config::api_base_url`), for hosts that show the address or file connections under it.
///
/// ```js
/// import { apiBaseUrl } from 'autopilot-export';
/// const id = `${apiBaseUrl(connection.baseUrl)}#${account.instanceId}`;
/// ```
///
/// Throws an `AutopilotExportError` (`CONFIG_INVALID`, issue `TYPE_MISMATCH` at `baseUrl`)
/// for anything but a string, `undefined` or `null`.
#[wasm_bindgen(js_name = apiBaseUrl)]
pub fn api_base_url(
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] base_url: JsValue,
) -> Result<String, JsValue> {
    if base_url.is_undefined() || base_url.is_null() {
        return Ok(config::api_base_url(None));
    }
    match base_url.as_string() {
        Some(url) => Ok(config::api_base_url(Some(&url))),
        None => Err(js_error(
            &Error::type_mismatch(
                "baseUrl",
                "the base URL must be a string (or undefined for the default)",
            ),
            None,
        )),
    }
}

/// Whether `url` points at a loopback host (127.0.0.0/8, `localhost`, `[::1]`).
///
/// ```js
/// import { isLoopbackUrl } from 'autopilot-export';
/// if (!isLoopbackUrl(baseUrl)) explainCors();
/// ```
#[wasm_bindgen(js_name = isLoopbackUrl)]
pub fn is_loopback_url(url: &str) -> bool {
    config::is_loopback_url(url)
}

/// Rows as CSV text (RFC 4180, CRLF), with every cell a spreadsheet would read as a formula
/// neutralised (OWASP CSV Injection).
///
/// ```js
/// import { toCsv } from 'autopilot-export';
/// download(toCsv([['segment', 'row', 'id'], ...rejects.map((r) => [r.segment, r.row, r.id ?? null])]));
/// ```
#[wasm_bindgen(js_name = toCsv)]
pub fn to_csv(
    #[wasm_bindgen(unchecked_param_type = "(string | number | boolean | null)[][]")] rows: JsValue,
) -> Result<String, JsValue> {
    let value = convert::value_of(&rows, 0).map_err(|e| {
        let e = e.under("rows");
        format!("{} is {}", e.path, e.what)
    });
    let rows = value.and_then(crate::csv_out::rows_of).map_err(|e| {
        js_error(
            &Error::type_mismatch(
                "",
                format!("rows must be arrays of strings, numbers, booleans or null ({e})"),
            ),
            None,
        )
    })?;
    Ok(crate::csv_out::to_csv(&rows))
}

/// What a file holds, before any export (the admin page's first look at a dropped file):
/// headers, row count, detected dialect and encoding, invalid rows, duplicate headers,
/// sampled values per column, and — for a file that is not text (an `.xlsx`, a PDF, NUL
/// bytes) — a `binary` entry whose message suggests saving it as CSV.
///
/// ```js
/// import { inspect } from 'autopilot-export';
/// const info = inspect(new Uint8Array(await file.arrayBuffer()), 'csv');
/// if (info.binary) alert(info.binary.message);
/// ```
#[wasm_bindgen(js_name = inspect, unchecked_return_type = "Inspection")]
pub fn inspect(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer | string")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"csv\" | \"ndjson\" | \"json\"")] format: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "SourceOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let go = || -> Result<JsValue, Error> {
        let format = crate::input::Format::named(format).ok_or_else(|| {
            Error::from_issues(vec![Issue::new(
                "format",
                crate::error::IssueCode::SourceFormatUnknown,
                "the format must be 'csv', 'ndjson' or 'json'",
            )])
        })?;
        let opts: crate::input::SourceOptions = read_options(&options, "options").strict()?;
        let mut inspector = crate::input::Inspector::new(format, &opts)?;
        if let Some(s) = bytes.as_string() {
            opts.check_text()?;
            inspector.feed(s.as_bytes());
        } else if let Some(b) = bytes.dyn_ref::<Uint8Array>() {
            inspector.feed(&b.to_vec());
        } else if let Some(b) = bytes.dyn_ref::<js_sys::ArrayBuffer>() {
            inspector.feed(&Uint8Array::new(b).to_vec());
        } else {
            return Err(not_an_object("a Uint8Array, ArrayBuffer or string"));
        }
        Ok(to_js(&inspector.finish()))
    };
    go().map_err(|e| js_error(&e, None))
}

/// Mapping suggestions for a file's columns (from `inspect`): the email, first and last name,
/// standard fields and an id column by their names, and every other column as a custom field
/// whose type is guessed by the export's own coercion rules from the sampled values.
///
/// ```js
/// import { inspect, suggestMapping } from 'autopilot-export';
/// const info = inspect(bytes, 'csv');
/// const s = suggestMapping(info.headers, info.samples);
/// // { email: 'Email', firstName: 'first_name', fields: { Company: 'company' }, custom: [{ source, name, type, samples }] }
/// ```
#[wasm_bindgen(js_name = suggestMapping, unchecked_return_type = "Suggestion")]
pub fn suggest_mapping(
    #[wasm_bindgen(unchecked_param_type = "string[]")] headers: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[][]")] samples: JsValue,
) -> Result<JsValue, JsValue> {
    let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let value = |v: &JsValue| convert::value_of(v, 0).ok();
    let h = value(&headers).and_then(|v| strings(&v));
    let s = value(&samples).and_then(|v| {
        v.as_array()?
            .iter()
            .map(strings)
            .collect::<Option<Vec<Vec<String>>>>()
    });
    let (Some(h), Some(s)) = (h, s) else {
        return Err(js_error(
            &not_an_object("headers (string[]) and samples (string[][])"),
            None,
        ));
    };
    Ok(to_js(&crate::suggest::suggest(&h, &s)))
}

/// Downloads a URL segment source whole, with the same rules as an export (https, or http on
/// loopback; no redirect; complete or `INPUT_INVALID`), for hosts that keep the bytes — an
/// edge worker that stores a segment once and exports it in slices.
///
/// ```js
/// import { downloadSource } from 'autopilot-export';
/// const bytes = await downloadSource({ url: 'https://cdp.example/vip.csv', format: 'csv', headers: { authorization: `Bearer ${env.CDP_TOKEN}` } });
/// ```
#[wasm_bindgen(js_name = downloadSource, unchecked_return_type = "Promise<Uint8Array>")]
pub fn download_source(
    #[wasm_bindgen(unchecked_param_type = "UrlSource")] source: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal }")] options: JsValue,
) -> Promise {
    future_to_promise(async move {
        let go = async {
            let src: crate::download::UrlSource = read(&source, "").strict()?;
            let issues = src.validate("");
            if !issues.is_empty() {
                return Err(Error::from_issues(issues));
            }
            let signal = signal_of(&options)?;
            let parts = js_sys::Array::new();
            download::stream(0, &src, signal.as_ref(), |chunk| {
                parts.push(chunk);
                Ok(())
            })
            .await?;
            let total: u32 = parts
                .iter()
                .map(|p| p.unchecked_into::<Uint8Array>().length())
                .sum();
            let out = Uint8Array::new_with_length(total);
            let mut at = 0;
            for p in parts.iter() {
                let p: Uint8Array = p.unchecked_into();
                out.set(&p, at);
                at += p.length();
            }
            Ok::<JsValue, Error>(out.into())
        };
        go.await.map_err(|e| js_error(&e, None))
    })
}
