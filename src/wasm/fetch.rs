//! Performs one exchange the core hands out ([`crate::http::Request`]) over the global
//! `fetch` (never `window.fetch`): method, URL, headers and body exactly as given, redirects
//! never followed (`redirect: 'manual'`), the whole exchange (body included) aborted after
//! the request's timeout through an `AbortController`. It returns the status, the response
//! headers the core asked for and the body text; it interprets nothing.

use crate::http::{Outcome, Request};
use crate::wasm::timer::Timer;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, RequestRedirect, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

/// How one exchange ended, from the transport's point of view.
#[derive(Debug)]
pub enum Ended {
    /// A response, a network error or a timeout.
    Outcome(Outcome),
    /// Aborted by the caller (cancel); the outcome does not matter any more.
    Aborted,
}

/// The abort reason used for timeouts (tells a timeout from a cancel without a closure).
const TIMEOUT_REASON: &str = "autopilot-export: request timed out";

/// Sends `req`; `controller` lets the caller abort it (cancel).
pub async fn send(req: &Request, controller: &AbortController) -> Ended {
    start(req, controller).finish().await
}

/// An exchange whose request has been handed to `fetch`.
pub struct Started {
    response: Result<Promise, JsValue>,
    response_headers: &'static [&'static str],
    controller: AbortController,
    timer: Option<Timer>,
}

/// Hands `req` to the global `fetch` now (not at the next turn of the event loop, so that a
/// request goes out while the caller keeps working, e.g. reading the profiles), with its
/// timeout running; [`Started::finish`] awaits the outcome.
pub fn start(req: &Request, controller: &AbortController) -> Started {
    let abort = Reflect::get(controller, &JsValue::from_str("abort"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .map(|f| JsValue::from(f.bind1(controller, &JsValue::from_str(TIMEOUT_REASON))));
    let (response, timer) = match abort {
        Some(abort) => (
            request(req, controller),
            Some(Timer::call_after(&abort, req.timeout_ms)),
        ),
        None => (
            Err(JsValue::from_str("AbortController.abort is missing")),
            None,
        ),
    };
    Started {
        response,
        response_headers: req.response_headers,
        controller: controller.clone(),
        timer,
    }
}

impl Started {
    /// How the exchange ended.
    pub async fn finish(self) -> Ended {
        let Started {
            response,
            response_headers,
            controller,
            timer,
        } = self;
        if timer.is_none() {
            return Ended::Outcome(Outcome::Network("AbortController.abort is missing".into()));
        }
        let result = match response {
            Ok(p) => exchange(p, response_headers).await,
            Err(e) => Err(e),
        };
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
}

/// Calls `fetch` with the request exactly as described.
fn request(req: &Request, controller: &AbortController) -> Result<Promise, JsValue> {
    let headers = Headers::new()?;
    for (name, value) in &req.headers {
        headers.set(name, value.expose())?;
    }
    let init = RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = &req.body {
        init.set_body(&JsValue::from_str(body));
    }
    global_fetch(&req.url, &init)
}

/// The outcome of a `fetch` call: the status, the response headers the core asked for, the
/// body text.
async fn exchange(response: Promise, response_headers: &[&str]) -> Result<Outcome, JsValue> {
    let response: Response = JsFuture::from(response).await?.dyn_into()?;
    let mut wanted = Vec::new();
    for name in response_headers {
        if let Ok(Some(v)) = response.headers().get(name) {
            wanted.push((name.to_string(), v));
        }
    }
    let text = JsFuture::from(response.text()?).await?;
    Ok(Outcome::Response {
        status: response.status(),
        headers: wanted,
        body: text.as_string().unwrap_or_default(),
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
    text.chars()
        .take(crate::autopilot::MAX_MESSAGE_CHARS)
        .collect()
}
