//! Timers over the global `setTimeout` / `clearTimeout` (never `window`), and the two
//! clocks: `performance.now()` (monotonic: pacing, timeouts, durations) and `Date.now()`
//! (wall clock: only the report's timestamps).

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &JsValue, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

// A turn of the event loop without a timer's clamp (browsers wait 4 ms for nested
// timeouts): a message to oneself where `MessageChannel` exists (every supported runtime),
// else `setTimeout(0)`.
#[wasm_bindgen(inline_js = r#"
export function turn() {
  if (typeof MessageChannel !== 'function') return new Promise((r) => setTimeout(r, 0));
  return new Promise((r) => {
    const c = new MessageChannel();
    c.port1.onmessage = () => { c.port1.close(); r(); };
    c.port2.postMessage(0);
  });
}
"#)]
extern "C" {
    fn turn() -> Promise;
}

/// Lets the host's event loop run once (network I/O, answers of requests in flight) before
/// the caller goes on.
pub async fn pause() {
    let _ = wasm_bindgen_futures::JsFuture::from(turn()).await;
}

/// Monotonic milliseconds (the host's `performance.now()`).
pub fn mono_ms() -> f64 {
    performance_now()
}

/// Milliseconds since the Unix epoch (the host's `Date.now()`).
pub fn wall_ms() -> f64 {
    js_sys::Date::now()
}

/// A pending timer; clearing it on drop keeps hosts (e.g. Node) from waiting for it.
#[derive(Debug)]
pub struct Timer {
    id: JsValue,
}

impl Timer {
    /// Calls `f` (a JS function) after `ms` milliseconds.
    pub fn call_after(f: &JsValue, ms: f64) -> Timer {
        Timer {
            id: set_timeout(f, ms.clamp(0.0, 2_147_483_647.0)),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// A promise resolved after `ms` milliseconds, with the timer that resolves it (drop the
/// timer to cancel).
pub fn sleep(ms: f64) -> (Promise, Timer) {
    let mut timer = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        timer = Some(Timer::call_after(resolve.as_ref(), ms));
    });
    // `Promise::new` runs the executor synchronously, so the timer is always set.
    let timer = timer.unwrap_or(Timer {
        id: JsValue::UNDEFINED,
    });
    (promise, timer)
}
