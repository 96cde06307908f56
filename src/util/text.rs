//! Unicode lower case (the folding of header names and segment names, issue 14), without
//! linking Rust's Unicode case tables into the wasm module: in wasm the engine's
//! `String.prototype.toLowerCase` (the same Unicode default case conversion, ECMA-262
//! §22.1.3.28) does it; natively `str::to_lowercase`. The tables cost 17 KB gzip of wasm
//! (measured against the size budget, issue 15). ASCII text never leaves Rust.

/// `s` in Unicode lower case (`ÉMAIL` → `émail`; `Straße` stays, `STRASSE` → `strasse`).
pub fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    lower_unicode(s)
}

#[cfg(not(target_arch = "wasm32"))]
fn lower_unicode(s: &str) -> String {
    s.to_lowercase()
}

#[cfg(target_arch = "wasm32")]
fn lower_unicode(s: &str) -> String {
    String::from(js_sys::JsString::from(s).to_lower_case())
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
