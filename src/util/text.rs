//! Unicode lower case (the folding of header names and segment names, issue 14), without
//! linking Rust's Unicode case tables into the wasm module: the host may hand over its own
//! Unicode lower case ([`set_host_lower_case`]); the wasm layer hands over the engine's
//! `String.prototype.toLowerCase` (the same Unicode default case conversion, ECMA-262
//! §22.1.3.28) when the module is instantiated. Natively, without a host function,
//! `str::to_lowercase`. The tables cost 17 KB gzip of wasm (measured against the size
//! budget, issue 15). ASCII text never leaves Rust.

use std::sync::OnceLock;

/// The host's Unicode lower case, once set.
static HOST_LOWER_CASE: OnceLock<fn(&str) -> String> = OnceLock::new();

/// Makes `f` (a Unicode default lower case conversion) the one [`to_lower`] uses for
/// non-ASCII text. The first call wins; later calls change nothing.
pub fn set_host_lower_case(f: fn(&str) -> String) {
    let _ = HOST_LOWER_CASE.set(f);
}

/// `s` in Unicode lower case (`ÉMAIL` → `émail`; `Straße` stays, `STRASSE` → `strasse`).
pub fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    match HOST_LOWER_CASE.get() {
        Some(f) => f(s),
        None => without_host(s),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn without_host(s: &str) -> String {
    s.to_lowercase()
}

/// In wasm the wasm layer always sets the engine's function at instantiation (a wasm test
/// folds `ÉMAIL` through the package); this fallback, ASCII letters only, keeps the
/// Unicode tables out of the module.
#[cfg(target_arch = "wasm32")]
fn without_host(s: &str) -> String {
    s.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_unicode_and_ascii() {
        assert_eq!(to_lower("ÉMAIL"), "émail");
        assert_eq!(to_lower("First_Name"), "first_name");
        assert_eq!(to_lower("ÉTÉ"), to_lower("été"));
        assert_ne!(to_lower("Straße"), to_lower("STRASSE"));
    }
}
