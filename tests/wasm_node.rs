//! wasm-bindgen tests of the JS bindings, run in Node (`wasm-bindgen-test-runner`).
#![cfg(target_arch = "wasm32")]

mod wasm_common;
