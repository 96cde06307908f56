//! Transport over the global `fetch` (never `window.fetch`), with a per-request timeout
//! through an `AbortController`.

use crate::run::Outcome;
use crate::wasm::timer::Timer;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

/// One HTTP exchange to send.
#[derive(Debug)]
pub struct HttpRequest<'a> {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// The API key for the `autopilotapikey` header.
    pub api_key: &'a str,
    /// JSON body.
    pub body: Option<String>,
    /// Timeout in milliseconds (covers the whole exchange, body included).
    pub timeout_ms: f64,
}

/// How one exchange ended, from the transport's point of view.
#[derive(Debug)]
pub enum Ended {
    /// A response, a network error or a timeout.
    Outcome(Outcome),
    /// Aborted by the caller (cancel); the outcome does not matter any more.
    Aborted,
}

/// Sends `req`; `controller` lets the caller abort it (cancel).
pub async fn send(req: HttpRequest<'_>, controller: &AbortController) -> Ended {
    // On timeout the timer calls `controller.abort(TIMEOUT_REASON)`: the reason tells a
    // timeout from a cancel without any Rust closure (nothing to leak when the timer is cleared).
    let abort = Reflect::get(controller, &JsValue::from_str("abort"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .map(|f| JsValue::from(f.bind1(controller, &JsValue::from_str(TIMEOUT_REASON))));
    let Some(abort) = abort else {
        return Ended::Outcome(Outcome::Network("AbortController.abort is missing".into()));
    };
    let timer = Timer::call_after(&abort, req.timeout_ms);
    let result = exchange(&req, controller).await;
    drop(timer);
    let signal = controller.signal();
    match result {
        Ok(outcome) => Ended::Outcome(outcome),
        Err(_)
            if signal.aborted()
                && signal.reason().as_string().as_deref() == Some(TIMEOUT_REASON) =>
        {
            Ended::Outcome(Outcome::Timeout)
        }
        Err(_) if signal.aborted() => Ended::Aborted,
        Err(e) => Ended::Outcome(Outcome::Network(describe(&e))),
    }
}

/// The abort reason used for timeouts.
const TIMEOUT_REASON: &str = "autopilot-export: request timed out";

async fn exchange(req: &HttpRequest<'_>, controller: &AbortController) -> Result<Outcome, JsValue> {
    let headers = Headers::new()?;
    headers.set("autopilotapikey", req.api_key)?;
    headers.set("accept", "application/json")?;
    let init = RequestInit::new();
    init.set_method(req.method);
    if let Some(body) = &req.body {
        headers.set("content-type", "application/json")?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    init.set_signal(Some(&controller.signal()));
    let response: Response = JsFuture::from(global_fetch(&req.url, &init)?)
        .await?
        .dyn_into()?;
    let status = response.status();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let text = JsFuture::from(response.text()?).await?;
    let mut body = text.as_string().unwrap_or_default();
    // A server that echoes the key (in an error message, say) must not put it into a
    // report, an error or a log: the key is removed from every answer right here.
    if !req.api_key.is_empty() && body.contains(req.api_key) {
        body = body.replace(req.api_key, "[redacted]");
    }
    Ok(Outcome::Response {
        status,
        body,
        retry_after,
    })
}

/// A short description of a thrown JS value (`TypeError: fetch failed (ECONNREFUSED)`).
pub fn describe(e: &JsValue) -> String {
    let get = |v: &JsValue, k: &str| {
        Reflect::get(v, &JsValue::from_str(k))
            .ok()
            .and_then(|x| x.as_string())
    };
    let mut text = match (get(e, "name"), get(e, "message")) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        (None, Some(m)) => m,
        _ => e.as_string().unwrap_or_else(|| "unknown error".into()),
    };
    if let Ok(cause) = Reflect::get(e, &JsValue::from_str("cause")) {
        if let Some(code) = get(&cause, "code").or_else(|| get(&cause, "message")) {
            text.push_str(&format!(" ({code})"));
        }
    }
    text.chars().take(300).collect()
}
