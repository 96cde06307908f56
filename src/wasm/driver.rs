//! Drives a [`Run`] with the host's `fetch`, `setTimeout` and `performance.now()`: starts the
//! core's reads while the profiles are being read, then sends what the run hands out, wakes
//! on the earliest of {a request settling, the run's `Wait.until`, the abort signal}, and
//! reports progress. Every decision is the run's.

use super::convert::{internal, to_js};
use super::fetch::{self, Ended};
use super::timer;
use crate::error::{Error, ErrorCode};
use crate::run::{Run, Step, HOST_KEYS};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortController, AbortSignal};

/// Requests in flight and what has settled since the loop last looked.
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

/// Calls `f` once when `signal` aborts.
pub fn on_abort(signal: &AbortSignal, f: &JsValue) {
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"once".into(), &JsValue::TRUE);
    if let Ok(add) =
        Reflect::get(signal, &"addEventListener".into()).and_then(|f| f.dyn_into::<Function>())
    {
        let _ = add.call3(signal, &JsValue::from_str("abort"), f, &opts);
    }
}

/// The transport side of a run: its requests in flight and the abort signal.
pub struct Driver {
    shared: Rc<Shared>,
    controllers: Vec<(u64, AbortController)>,
    signal: Option<AbortSignal>,
    abort_promise: Option<Promise>,
    progress: Option<Function>,
    checkpoints: Option<Function>,
    started: u64,
}

impl Driver {
    /// A driver with the caller's signal, progress and checkpoint callbacks.
    pub fn new(
        signal: Option<AbortSignal>,
        progress: Option<Function>,
        checkpoints: Option<Function>,
    ) -> Self {
        let abort_promise = signal
            .as_ref()
            .map(|s| Promise::new(&mut |resolve, _| on_abort(s, resolve.as_ref())));
        Driver {
            shared: Rc::new(Shared::default()),
            controllers: Vec::new(),
            signal,
            abort_promise,
            progress,
            checkpoints,
            started: 0,
        }
    }

    /// The caller's signal, if any.
    pub fn signal_ref(&self) -> Option<&AbortSignal> {
        self.signal.as_ref()
    }

    /// Requests handed to `fetch` so far.
    pub fn started(&self) -> u64 {
        self.started
    }

    /// Whether the caller aborted.
    pub fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }

    /// Aborts every request in flight.
    pub fn abort_all(&mut self) {
        for (_, c) in self.controllers.drain(..) {
            c.abort();
        }
    }

    /// Calls the progress callback; an exception is recorded on the run, not swallowed.
    pub fn report_progress(&self, run: &mut Run) {
        if let Some(f) = &self.progress {
            let p = to_js(&run.progress(timer::mono_ms()));
            if let Err(e) = f.call1(&JsValue::UNDEFINED, &p) {
                run.callback_failed(HOST_KEYS[1], &fetch::describe(&e));
            }
        }
    }

    /// Hands every settled outcome to the run.
    fn settle(&mut self, run: &mut Run) {
        let finished: Vec<(u64, Ended)> = self.shared.done.borrow_mut().drain(..).collect();
        for (id, ended) in finished {
            self.controllers.retain(|(i, _)| *i != id);
            if let Ended::Outcome(outcome) = ended {
                if run.complete(id, outcome, timer::mono_ms()) {
                    self.report_progress(run);
                    if let Some(f) = &self.checkpoints {
                        let cp = to_js(&run.interim_checkpoint());
                        if let Err(e) = f.call1(&JsValue::UNDEFINED, &cp) {
                            run.callback_failed(HOST_KEYS[3], &fetch::describe(&e));
                        }
                    }
                }
            }
        }
    }

    /// Sends what the run hands out now; returns the run's next step that is not a send.
    pub fn pump(&mut self, run: &mut Run) -> Result<Step, Error> {
        self.settle(run);
        loop {
            match run.next(timer::mono_ms()) {
                Step::Send(req) => {
                    let controller = AbortController::new()
                        .map_err(|_| internal("AbortController is not available"))?;
                    self.controllers.push((req.id, controller.clone()));
                    let shared = self.shared.clone();
                    // Handed to `fetch` now; only the answer is awaited in the background.
                    let started = fetch::start(&req, &controller);
                    self.started += 1;
                    let id = req.id;
                    spawn_local(async move {
                        let ended = started.finish().await;
                        shared.done.borrow_mut().push((id, ended));
                        shared.wake();
                    });
                }
                other => return Ok(other),
            }
        }
    }

    /// Runs the loop until the run is over.
    pub async fn drive(&mut self, run: &mut Run) -> Result<(), Error> {
        self.report_progress(run);
        let mut cancelled = false;
        loop {
            if !cancelled && self.aborted() {
                cancelled = true;
                run.cancel(timer::mono_ms());
                self.abort_all();
            }
            match self.pump(run)? {
                Step::Done => break,
                Step::Send(_) => {}
                Step::Wait { until } => {
                    if !self.shared.done.borrow().is_empty() {
                        continue;
                    }
                    if until.is_none() && self.controllers.is_empty() {
                        return Err(Error::new(
                            ErrorCode::Internal,
                            "the run is waiting for nothing; please report this",
                        ));
                    }
                    let shared = self.shared.clone();
                    let wake = Promise::new(&mut |resolve, _| {
                        *shared.wake.borrow_mut() = Some(resolve);
                    });
                    let race = Array::of1(&wake);
                    let mut _timer = None;
                    if let Some(t) = until {
                        let (p, handle) = timer::sleep(t - timer::mono_ms());
                        race.push(&p);
                        _timer = Some(handle);
                    }
                    if let Some(p) = &self.abort_promise {
                        race.push(p);
                    }
                    let _ = JsFuture::from(Promise::race(&race)).await;
                    self.shared.wake.borrow_mut().take();
                }
            }
        }
        self.report_progress(run);
        Ok(())
    }
}
