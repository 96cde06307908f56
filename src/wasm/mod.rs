//! The JS API (DESIGN.md §3): conversion and driving only, no rules.
//!
//! Every exported function converts its structured input *inside* the function, so a bad
//! value becomes a thrown `AutopilotExportError` (a real `Error` with `name`, `code`,
//! `message` and, for validation failures, `issues`) and never traps the module.

mod fetch;
mod source;
mod timer;
mod types;

use crate::config::{self, Connection, ExportConfig};
use crate::error::{Error, ErrorCode, Issue};
use crate::plan::{Plan, Planner};
use crate::report::Checkpoint;
use crate::run::{Method, Outcome, Run, RunOptions, Step};
use fetch::{Ended, HttpRequest};
use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};
use web_sys::{AbortController, AbortSignal};

/// The JS `name` of every error this module throws.
const ERROR_NAME: &str = "AutopilotExportError";

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Converts to a plain JS value through JSON text (`JSON.parse`): smaller code than a
/// per-field bridge, and plain objects, arrays and numbers come out.
fn to_js<T: Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

/// `JSON.stringify`, with `None` for values JSON cannot hold (BigInt, cycles, undefined).
fn json_text(v: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string())
}

/// Builds the thrown `AutopilotExportError`.
fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name(ERROR_NAME);
    let v: JsValue = err.into();
    set(&v, "code", &JsValue::from_str(e.code.as_str()));
    set(&v, "issues", &to_js(&e.issues));
    v
}

/// Reads a configuration value (a `Connection` or an `ExportConfig`) from JS.
fn from_js<T: for<'de> serde::Deserialize<'de>>(v: &JsValue) -> Result<T, Error> {
    if !v.is_object() {
        return Err(config::type_error("", "expected an object"));
    }
    let text = json_text(v).ok_or_else(|| {
        config::type_error("", "the value cannot be read as JSON (BigInt or a cycle?)")
    })?;
    config::from_json_str(&text)
}

/// Splits a job into its configuration and each segment's `profiles` value (which is never
/// walked by the configuration reader).
fn split_job(job: &JsValue) -> Result<(ExportConfig, Vec<JsValue>), Error> {
    if !job.is_object() {
        return Err(config::type_error("", "expected an export job object"));
    }
    let copy: JsValue = Object::assign(&Object::new(), job.unchecked_ref()).into();
    let segments = get(job, "segments");
    let mut profiles = Vec::new();
    if Array::is_array(&segments) {
        let stripped = Array::new();
        for s in Array::from(&segments).iter() {
            if s.is_object() {
                let c: JsValue = Object::assign(&Object::new(), s.unchecked_ref()).into();
                profiles.push(get(&c, "profiles"));
                let _ = Reflect::delete_property(
                    c.unchecked_ref::<Object>(),
                    &JsValue::from_str("profiles"),
                );
                stripped.push(&c);
            } else {
                profiles.push(JsValue::UNDEFINED);
                stripped.push(&s);
            }
        }
        set(&copy, "segments", &stripped);
    }
    let cfg: ExportConfig = from_js(&copy)?;
    Ok((cfg, profiles))
}

fn issues_js(issues: &[Issue]) -> JsValue {
    to_js(&issues)
}

/// Checks a connection without any network request and returns every problem found
/// (an empty array when it is valid).
///
/// ```js
/// import { validateConnection } from 'autopilot-export';
/// const issues = validateConnection({ displayName: 'Marketing', apiKey: key, consent: true, exportUser: 'ops@example.com' });
/// for (const i of issues) console.log(`${i.path}: ${i.message} (${i.code})`);
/// ```
#[wasm_bindgen(js_name = validateConnection, unchecked_return_type = "Issue[]")]
pub fn validate_connection(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
) -> JsValue {
    match from_js::<Connection>(&conn) {
        Ok(c) => issues_js(&c.validate("")),
        Err(e) => issues_js(&e.issues),
    }
}

/// Checks an export configuration (connection, mapping, segments, cap) without any network
/// request and returns every problem found. `segments[].profiles` is ignored.
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
    match split_job(&cfg) {
        Ok((c, _)) => issues_js(&c.validate()),
        Err(e) => issues_js(&e.issues),
    }
}

fn rate_option(options: &JsValue) -> Result<f64, Error> {
    let v = get(options, "ratePerSecond");
    if v.is_undefined() || v.is_null() {
        return Ok(5.0);
    }
    match v.as_f64() {
        Some(r) if r.is_finite() && r > 0.0 && r <= 1000.0 => Ok(r),
        _ => Err(Error::from_issues(vec![Issue::new(
            "options.ratePerSecond",
            "OPTION_OUT_OF_RANGE",
            "ratePerSecond must be a number above 0 and at most 1000",
        )])),
    }
}

fn plan_sync(job: &JsValue, check_connection: bool) -> Result<Plan, Error> {
    let (cfg, profiles) = split_job(job)?;
    let mut planner = if check_connection {
        Planner::new(&cfg)?
    } else {
        Planner::new_unchecked_connection(&cfg)?
    };
    for (i, p) in profiles.iter().enumerate() {
        source::feed_sync(&mut planner, i, p)?;
    }
    Ok(planner.finish())
}

/// Dry run: reads every segment, validates, maps, de-duplicates, applies the cap and plans
/// the batches, without any network request (the connection is not checked). Sources must be
/// synchronous (arrays, bytes, strings or sync iterables); see `previewAsync`.
///
/// ```js
/// import { preview } from 'autopilot-export';
/// const s = preview(job, { ratePerSecond: 5 });
/// console.log(s.totals.uniqueProfiles, s.batches, s.estimatedDurationMs, s.capExceeded);
/// ```
#[wasm_bindgen(js_name = preview, unchecked_return_type = "ExportPlanSummary")]
pub fn preview(
    #[wasm_bindgen(unchecked_param_type = "ExportJob")] job: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PreviewOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let run = || -> Result<JsValue, Error> {
        let rate = rate_option(&options)?;
        Ok(to_js(&plan_sync(&job, false)?.summary(rate)))
    };
    run().map_err(|e| js_error(&e))
}

/// Like `preview`, but also accepts async iterables of chunks.
///
/// ```js
/// import { previewAsync } from 'autopilot-export';
/// const s = await previewAsync({ ...job, segments: [{ name: 'VIP', profiles: { csv: fileStream } }] });
/// ```
#[wasm_bindgen(js_name = previewAsync, unchecked_return_type = "Promise<ExportPlanSummary>")]
pub fn preview_async(
    #[wasm_bindgen(unchecked_param_type = "ExportJob")] job: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PreviewOptions")] options: JsValue,
) -> Promise {
    future_to_promise(dispatch(Op::Preview, job, options))
}

async fn preview_inner(job: JsValue, options: JsValue) -> Result<JsValue, Error> {
    let rate = rate_option(&options)?;
    let (cfg, profiles) = split_job(&job)?;
    let mut planner = Planner::new_unchecked_connection(&cfg)?;
    for (i, p) in profiles.iter().enumerate() {
        source::feed_async(&mut planner, i, p).await?;
    }
    Ok(to_js(&planner.finish().summary(rate)))
}

/// The asynchronous operations. All three go through one future type, so the module carries
/// one copy of the future-to-promise machinery instead of three.
enum Op {
    Preview,
    Check,
    Export,
}

async fn dispatch(op: Op, a: JsValue, b: JsValue) -> Result<JsValue, JsValue> {
    match op {
        Op::Preview => preview_inner(a, b).await.map_err(|e| js_error(&e)),
        Op::Check => check_inner(a, b).await.map_err(|e| js_error(&e)),
        Op::Export => export_inner(a, b).await.map_err(|(e, report)| {
            let v = js_error(&e);
            if let Some(r) = report {
                set(&v, "report", &r);
            }
            v
        }),
    }
}

/// Links the caller's `AbortSignal` (if any) to a new controller.
fn linked_controller(signal: &JsValue) -> Result<AbortController, Error> {
    let controller = AbortController::new()
        .map_err(|_| Error::new(ErrorCode::Internal, "AbortController is not available"))?;
    if let Some(signal) = signal.dyn_ref::<AbortSignal>() {
        if signal.aborted() {
            return Err(Error::new(
                ErrorCode::Aborted,
                "the operation was aborted before it started",
            ));
        }
        if let Ok(abort) = get(&controller, "abort").dyn_into::<Function>() {
            on_abort(signal, &abort.bind0(&controller).into());
        }
    }
    Ok(controller)
}

/// Calls `f` once when `signal` aborts.
fn on_abort(signal: &AbortSignal, f: &JsValue) {
    let opts = Object::new();
    set(&opts, "once", &JsValue::TRUE);
    if let Ok(add) = get(signal, "addEventListener").dyn_into::<Function>() {
        let _ = add.call3(signal, &JsValue::from_str("abort"), f, &opts);
    }
}

/// Verifies the API key with `GET /v1/account` and returns Autopilot's account object.
/// Validates the connection first (no request without consent or with a bad configuration).
///
/// ```js
/// import { checkConnection } from 'autopilot-export';
/// try {
///   const account = await checkConnection(connection, { signal: AbortSignal.timeout(10_000) });
///   console.log('connected to', account.instanceId);
/// } catch (e) {
///   if (e.code === 'AUTH_FAILED') alert('Autopilot rejected this API key');
/// }
/// ```
#[wasm_bindgen(js_name = checkConnection, unchecked_return_type = "Promise<AccountInfo>")]
pub fn check_connection(
    #[wasm_bindgen(unchecked_param_type = "Connection")] conn: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "{ signal?: AbortSignal, timeoutMs?: number }")]
    options: JsValue,
) -> Promise {
    future_to_promise(dispatch(Op::Check, conn, options))
}

async fn check_inner(conn: JsValue, options: JsValue) -> Result<JsValue, Error> {
    let c: Connection = from_js(&conn)?;
    let issues = c.validate("");
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }
    let signal = if options.is_object() {
        get(&options, "signal")
    } else {
        JsValue::UNDEFINED
    };
    let timeout = if options.is_object() {
        get(&options, "timeoutMs").as_f64()
    } else {
        None
    };
    let controller = linked_controller(&signal)?;
    let base = c.api_base();
    let req = HttpRequest {
        method: "GET",
        url: format!("{base}/account"),
        api_key: c.api_key.expose(),
        body: None,
        timeout_ms: timeout
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(30_000.0),
    };
    match fetch::send(req, &controller).await {
        Ended::Aborted => Err(Error::new(
            ErrorCode::Aborted,
            "the connection check was aborted",
        )),
        Ended::Outcome(Outcome::Timeout) => Err(Error::new(
            ErrorCode::Network,
            format!("{base} did not answer in time"),
        )),
        Ended::Outcome(Outcome::Network(m)) => Err(Error::new(
            ErrorCode::Network,
            format!("could not reach {base}: {m}"),
        )),
        Ended::Outcome(Outcome::Response { status, body, .. }) => match status {
            200..=299 => match js_sys::JSON::parse(&body) {
                Ok(v) if v.is_object() => Ok(v),
                _ => Err(Error::new(
                    ErrorCode::Network,
                    format!("{base}/account did not answer JSON: is this the Autopilot API base?"),
                )),
            },
            401 => Err(Error::new(
                ErrorCode::AuthFailed,
                "Autopilot rejected the API key (401 Unauthorized)",
            )),
            _ => Err(Error::new(
                ErrorCode::ApiError,
                format!(
                    "{base}/account answered {}",
                    crate::autopilot::describe_error(status, &body, None)
                ),
            )),
        },
    }
}

/// Reads `RunOptions` (numbers validated; `signal`, `onProgress`, `checkpoint` taken as they are).
fn run_options(
    options: &JsValue,
) -> Result<(RunOptions, JsValue, Option<Function>, Option<Checkpoint>), Error> {
    let mut o = RunOptions {
        rate_per_second: rate_option(options)?,
        ..RunOptions::default()
    };
    o.seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    let mut issues = Vec::new();
    let mut num = |key: &str, lo: f64, hi: f64, integer: bool| -> Option<f64> {
        let v = get(options, key);
        if v.is_undefined() || v.is_null() {
            return None;
        }
        match v.as_f64() {
            Some(n) if n.is_finite() && n >= lo && n <= hi && (!integer || n.fract() == 0.0) => {
                Some(n)
            }
            _ => {
                issues.push(Issue::new(
                    format!("options.{key}"),
                    "OPTION_OUT_OF_RANGE",
                    format!(
                        "{key} must be a {} from {} to {}",
                        if integer { "whole number" } else { "number" },
                        lo as u64,
                        hi as u64
                    ),
                ));
                None
            }
        }
    };
    if let Some(n) = num("maxInFlight", 1.0, 256.0, true) {
        o.max_in_flight = Some(n as u32);
    }
    if let Some(n) = num("requestTimeoutMs", 100.0, 600_000.0, false) {
        o.request_timeout_ms = n;
    }
    if let Some(n) = num("maxAttempts", 1.0, 20.0, true) {
        o.max_attempts = n as u32;
    }
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }
    let signal = get(options, "signal");
    if !(signal.is_undefined() || signal.is_null() || signal.is_instance_of::<AbortSignal>()) {
        return Err(Error::from_issues(vec![Issue::new(
            "options.signal",
            "TYPE_MISMATCH",
            "signal must be an AbortSignal",
        )]));
    }
    let progress = get(options, "onProgress");
    let progress = if progress.is_undefined() || progress.is_null() {
        None
    } else {
        Some(progress.dyn_into::<Function>().map_err(|_| {
            Error::from_issues(vec![Issue::new(
                "options.onProgress",
                "TYPE_MISMATCH",
                "onProgress must be a function",
            )])
        })?)
    };
    let cp = get(options, "checkpoint");
    let checkpoint = if cp.is_undefined() || cp.is_null() {
        None
    } else {
        Some(
            json_text(&cp)
                .and_then(|t| serde_json::from_str::<Checkpoint>(&t).ok())
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::CheckpointMismatch,
                        "the checkpoint is not one this library wrote",
                    )
                })?,
        )
    };
    Ok((o, signal, progress, checkpoint))
}

/// State shared between the run loop and the request tasks.
#[derive(Default)]
struct Shared {
    done: RefCell<Vec<(u64, Ended)>>,
    wake: RefCell<Option<Function>>,
}

impl Shared {
    fn wake(&self) {
        if let Some(f) = self.wake.borrow_mut().take() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Runs an export: validates, reads every segment, plans, then sends the batches through the
/// global `fetch` with pacing, retries, cancel and resume. Resolves with the run report (also
/// when cancelled: status `cancelled` plus a `checkpoint` to pass back as `options.checkpoint`).
/// Throws `AutopilotExportError` before any request for configuration problems
/// (`CONFIG_INVALID`, `CONSENT_REQUIRED`, `CAP_EXCEEDED`, `INPUT_INVALID`,
/// `CHECKPOINT_MISMATCH`), and when the run stops on `AUTH_FAILED` or `API_ERROR` (the error
/// then carries the `report`).
///
/// ```js
/// import { exportSegments } from 'autopilot-export';
/// const controller = new AbortController();
/// const report = await exportSegments(job, {
///   signal: controller.signal,
///   onProgress: (p) => console.log(`${p.contactsDone}/${p.contactsTotal}`),
/// });
/// if (report.status === 'cancelled') saveSomewhere(report.checkpoint);
/// ```
#[wasm_bindgen(js_name = exportSegments, unchecked_return_type = "Promise<ExportReport>")]
pub fn export_segments(
    #[wasm_bindgen(unchecked_param_type = "ExportJob")] job: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RunOptions")] options: JsValue,
) -> Promise {
    future_to_promise(dispatch(Op::Export, job, options))
}

async fn export_inner(job: JsValue, options: JsValue) -> Result<JsValue, (Error, Option<JsValue>)> {
    let (opts, signal, progress, checkpoint) = run_options(&options).map_err(|e| (e, None))?;
    let signal = signal.dyn_into::<AbortSignal>().ok();
    let aborted = || signal.as_ref().is_some_and(|s| s.aborted());
    let (cfg, profiles) = split_job(&job).map_err(|e| (e, None))?;
    let mut planner = Planner::new(&cfg).map_err(|e| (e, None))?;
    for (i, p) in profiles.iter().enumerate() {
        if aborted() {
            return Err((
                Error::new(
                    ErrorCode::Aborted,
                    "the export was aborted while reading the profiles; nothing was sent",
                ),
                None,
            ));
        }
        source::feed_async(&mut planner, i, p)
            .await
            .map_err(|e| (e, None))?;
    }
    if aborted() {
        return Err((
            Error::new(
                ErrorCode::Aborted,
                "the export was aborted before sending; nothing was sent",
            ),
            None,
        ));
    }
    let plan = planner.finish();
    let base = cfg.connection.api_base();
    let key = cfg.connection.api_key.clone();
    let mut run = Run::new(plan, opts, checkpoint, timer::now_ms()).map_err(|e| (e, None))?;

    let shared = Rc::new(Shared::default());
    // Requests in flight and their controllers (a handful: a vector is enough).
    let mut controllers: Vec<(u64, AbortController)> = Vec::new();
    let abort_promise = signal
        .as_ref()
        .map(|s| Promise::new(&mut |resolve, _| on_abort(s, resolve.as_ref())));
    let report_progress = |run: &Run| {
        if let Some(f) = &progress {
            // A throwing callback must not break the export.
            let _ = f.call1(&JsValue::UNDEFINED, &to_js(&run.progress(timer::now_ms())));
        }
    };
    let mut cancelled = false;
    report_progress(&run);
    loop {
        if !cancelled && aborted() {
            cancelled = true;
            run.cancel(timer::now_ms());
            for (_, c) in controllers.drain(..) {
                c.abort();
            }
        }
        let finished: Vec<(u64, Ended)> = shared.done.borrow_mut().drain(..).collect();
        for (id, ended) in finished {
            controllers.retain(|(i, _)| *i != id);
            if let Ended::Outcome(outcome) = ended {
                if run.complete(id, outcome, timer::now_ms()) {
                    report_progress(&run);
                }
            }
        }
        match run.next(timer::now_ms()) {
            Step::Send(req) => {
                let controller = match AbortController::new() {
                    Ok(c) => c,
                    Err(_) => {
                        return Err((
                            Error::new(ErrorCode::Internal, "AbortController is not available"),
                            None,
                        ))
                    }
                };
                controllers.push((req.id, controller.clone()));
                let http = HttpRequest {
                    method: match req.method {
                        Method::Get => "GET",
                        Method::Post => "POST",
                    },
                    url: format!("{base}{}", req.path),
                    api_key: "",
                    body: req.body,
                    timeout_ms: req.timeout_ms,
                };
                let key = key.clone();
                let shared = shared.clone();
                let id = req.id;
                spawn_local(async move {
                    let http = HttpRequest {
                        api_key: key.expose(),
                        ..http
                    };
                    let ended = fetch::send(http, &controller).await;
                    shared.done.borrow_mut().push((id, ended));
                    shared.wake();
                });
            }
            Step::Done => break,
            Step::Wait { until } => {
                if !shared.done.borrow().is_empty() {
                    continue;
                }
                if until.is_none() && controllers.is_empty() {
                    return Err((
                        Error::new(
                            ErrorCode::Internal,
                            "the run is waiting for nothing; please report this",
                        ),
                        None,
                    ));
                }
                let wake = Promise::new(&mut |resolve, _| {
                    *shared.wake.borrow_mut() = Some(resolve);
                });
                let race = Array::of1(&wake);
                let mut _timer = None;
                if let Some(t) = until {
                    let (p, handle) = timer::sleep(t - timer::now_ms());
                    race.push(&p);
                    _timer = Some(handle);
                }
                if let Some(p) = &abort_promise {
                    race.push(p);
                }
                let _ = JsFuture::from(Promise::race(&race)).await;
                shared.wake.borrow_mut().take();
            }
        }
    }
    report_progress(&run);
    let report = to_js(&run.report(timer::now_ms()));
    match run.error() {
        Some(e) => Err((e.clone(), Some(report))),
        None => Ok(report),
    }
}
