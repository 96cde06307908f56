//! Streams a URL segment source with the global `fetch` (never following a redirect),
//! handing each chunk on as it arrives; the download rules (status, completeness, the
//! messages) are `crate::download`'s. Aborted by the caller's signal or the core's timeout.

use super::driver::on_abort;
use super::fetch::describe;
use super::timer::Timer;
use crate::download::{self, UrlSource};
use crate::error::{Error, ErrorCode};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit,
    RequestRedirect, Response,
};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

/// `ABORTED` when `signal` was aborted before the download started (its abort event has
/// fired already: listening for it would wait for ever).
fn aborted_before(signal: Option<&AbortSignal>) -> Option<Error> {
    signal.is_some_and(AbortSignal::aborted).then(|| {
        Error::new(
            ErrorCode::Aborted,
            "the export was aborted before the profiles were downloaded; nothing was written",
        )
    })
}

/// Downloads `src` (segment `segment`), calling `sink` with each chunk. Errors: `INPUT_INVALID`
/// for a failed or partial download, `ABORTED` when `signal` aborted; `sink`'s errors.
pub async fn stream(
    segment: usize,
    src: &UrlSource,
    signal: Option<&AbortSignal>,
    mut sink: impl FnMut(&JsValue) -> Result<(), Error>,
) -> Result<(), Error> {
    let req = src.request(0);
    let controller = AbortController::new()
        .map_err(|_| super::convert::internal("AbortController is not available"))?;
    if let Some(s) = signal {
        if let Ok(abort) =
            Reflect::get(&controller, &"abort".into()).and_then(|f| f.dyn_into::<Function>())
        {
            on_abort(s, &abort.bind0(&controller).into());
        }
    }
    let abort: JsValue = Reflect::get(&controller, &"abort".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .map(|f| f.bind0(&controller).into())
        .unwrap_or(JsValue::UNDEFINED);
    if let Some(e) = aborted_before(signal) {
        return Err(e);
    }
    let _timer = Timer::call_after(&abort, req.timeout_ms);
    let aborted = || {
        signal.is_some_and(AbortSignal::aborted).then(|| {
            Error::new(
                ErrorCode::Aborted,
                "the export was aborted while downloading the profiles; nothing was written",
            )
        })
    };
    let fail = |received: u64, e: JsValue| {
        aborted().unwrap_or_else(|| download::broken(segment, received, &describe(&e), &req))
    };
    let headers = Headers::new().map_err(|e| fail(0, e))?;
    for (name, value) in &req.headers {
        // The runtime's message would quote the value (often a token): not passed on.
        headers
            .set(name, value.expose())
            .map_err(|_| fail(0, JsValue::from_str("a header value was refused")))?;
    }
    let init = RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&controller.signal()));
    let promise = global_fetch(&req.url, &init).map_err(|e| fail(0, e))?;
    let response: Response = JsFuture::from(promise)
        .await
        .and_then(|r| r.dyn_into())
        .map_err(|e| fail(0, e))?;
    let head: Vec<(String, String)> = req
        .response_headers
        .iter()
        .filter_map(|name| {
            let value = response.headers().get(name).ok().flatten()?;
            Some((name.to_string(), value))
        })
        .collect();
    download::check_status(segment, response.status(), &head)?;
    let Some(body) = response.body() else {
        return download::check_complete(segment, &head, 0);
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut received: u64 = 0;
    loop {
        let step = JsFuture::from(reader.read())
            .await
            .map_err(|e| fail(received, e))?;
        let done = Reflect::get(&step, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        let chunk = Reflect::get(&step, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(bytes) = chunk.dyn_ref::<Uint8Array>() {
            received += u64::from(bytes.length());
        }
        sink(&chunk)?;
    }
    download::check_complete(segment, &head, received)
}
