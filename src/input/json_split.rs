//! The byte spans of a JSON array's elements, whether a JSON text holds a lone UTF-16
//! surrogate escape, and the syntax check of a document that is not UTF-8: what
//! [`super::json`] and [`super::inspect`] need to go on, record by record, after a document
//! failed on (or holds) a record that UTF-8 cannot carry.
//!
//! Written here rather than taken from serde_json: serde_json gives no element offsets, and
//! its skipping reader does not check surrogate pairs (the failure comes from the reading
//! that builds the string). The scans are linear and never panic.

use std::ops::Range;

/// The spans of the elements of the top-level JSON array `doc` (surrounding whitespace
/// excluded); `None` when `doc` is not an array whose strings and brackets are balanced.
/// Values are not checked, only delimited.
pub(super) fn element_spans(doc: &[u8]) -> Option<Vec<Range<usize>>> {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let open = doc.iter().position(|b| !ws(b))?;
    if doc.get(open) != Some(&b'[') {
        return None;
    }
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut start: Option<usize> = None;
    let mut last = 0usize; // the end of the element's last non-whitespace byte
    let mut i = open + 1;
    while let Some(&b) = doc.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            last = i + 1;
            i += 1;
            continue;
        }
        match b {
            b',' | b']' if depth == 0 => {
                match start.take() {
                    Some(s) => spans.push(s..last),
                    // `[]` is an empty array; `[,` or `,,` is not JSON.
                    None if b == b']' && spans.is_empty() => {}
                    None => return None,
                }
                if b == b']' {
                    return doc
                        .get(i + 1..)
                        .is_some_and(|rest| rest.iter().all(ws))
                        .then_some(spans);
                }
            }
            _ if ws(&b) => {}
            _ => {
                start.get_or_insert(i);
                match b {
                    b'"' => in_string = true,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => depth = depth.checked_sub(1)?,
                    _ => {}
                }
                last = i + 1;
            }
        }
        i += 1;
    }
    None
}

/// The spans of `doc`'s elements from the `done`-th on, when that element (the one a reading
/// of the array failed on, after `done` were read) holds a lone surrogate escape: what is
/// left to read record by record ([`read_each`]). `None` otherwise, or when `doc`'s
/// elements cannot be delimited.
pub(super) fn lone_from(doc: &[u8], done: u64) -> Option<Vec<Range<usize>>> {
    let mut spans = element_spans(doc)?;
    let done = usize::try_from(done).ok().filter(|d| *d < spans.len())?;
    let failed = spans.get(done).and_then(|r| doc.get(r.clone()));
    if !failed.is_some_and(has_lone_surrogate) {
        return None;
    }
    spans.drain(..done);
    Some(spans)
}

/// Calls `each` for the elements of `doc` at `spans`, in order, with the element alone as a
/// one-element array (`[element]`, to read as a document), and with `None` for one that UTF-8
/// cannot carry, to reject: one whose bytes are not UTF-8, or one whose reading failed and
/// that holds a lone surrogate escape (as an NDJSON line is rejected). Stops at the first
/// other error.
pub(super) fn read_each<E>(
    doc: &[u8],
    spans: &[Range<usize>],
    mut each: impl FnMut(Option<&str>) -> Result<(), E>,
) -> Result<(), E> {
    let mut one = String::new();
    for span in spans {
        let element = doc.get(span.clone()).unwrap_or_default();
        if let Ok(text) = std::str::from_utf8(element) {
            one.clear();
            one.push('[');
            one.push_str(text);
            one.push(']');
            match each(Some(&one)) {
                Err(_) if has_lone_surrogate(element) => {}
                read => {
                    read?;
                    continue;
                }
            }
        }
        each(None)?;
    }
    Ok(())
}

/// Checks that `doc` is one JSON value (RFC 8259 §2), as serde_json's skipping reader does:
/// the syntax only, not what the strings hold (surrogate pairs, UTF-8). A byte that is not
/// UTF-8 counts as one `?`: a character inside a string, an error outside one, as it is to the
/// grammar; the positions in an error are the bytes' (line, and column in bytes).
///
/// Every JSON text is read by serde_json's `&str` reader: its byte reader (`from_slice`) would
/// compile serde_json's parser a second time (the bytes: tests/bench/README.md, the ninth
/// round of issue 15).
pub(super) fn check_syntax(doc: &[u8]) -> Result<(), serde_json::Error> {
    serde_json::from_str::<serde::de::IgnoredAny>(&masked(doc)).map(drop)
}

/// `doc` as text, each byte that is not UTF-8 replaced by one `?` (the same length, so the
/// same positions): what [`check_syntax`] reads. A document that is not UTF-8 is copied for
/// it (the copy lives while the syntax is checked: twice the document's size at the peak);
/// a UTF-8 one is borrowed.
pub(super) fn masked(doc: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(doc) {
        Ok(text) => text.into(),
        Err(_) => doc
            .utf8_chunks()
            .fold(String::with_capacity(doc.len()), |mut s, chunk| {
                s.push_str(chunk.valid());
                s.extend(std::iter::repeat_n('?', chunk.invalid().len()));
                s
            })
            .into(),
    }
}

/// Whether the JSON text `text` has a `\uD800`–`\uDFFF` escape that is not half of a pair
/// (a high surrogate followed at once by a low one): the escape `JSON.stringify` writes for a
/// JS string that is not well-formed UTF-16, which has no UTF-8 form.
pub(super) fn has_lone_surrogate(text: &[u8]) -> bool {
    let unit = |at: usize| -> Option<u16> {
        let hex = text.get(at..at + 6)?;
        if hex.get(..2)? != b"\\u" {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(hex.get(2..)?).ok()?, 16).ok()
    };
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) => match unit(i + 6) {
                Some(0xDC00..=0xDFFF) => i += 12,
                _ => return true,
            },
            Some(0xDC00..=0xDFFF) => return true,
            Some(_) => i += 6,
            None => i += 2, // another escape (`\\`, `\"`, `\n`, ...)
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &str) -> Option<Vec<&str>> {
        element_spans(doc.as_bytes()).map(|v| v.into_iter().map(|r| &doc[r]).collect())
    }

    #[test]
    fn elements_are_delimited_whatever_they_hold() {
        assert_eq!(texts("[]"), Some(vec![]));
        assert_eq!(texts(" [ ] \n"), Some(vec![]));
        assert_eq!(
            texts(r#"[ ["a,]", {"k": [1, 2]}] , 0, "x\"]," ,null]"#),
            Some(vec![r#"["a,]", {"k": [1, 2]}]"#, "0", r#""x\"],""#, "null"])
        );
        for bad in [
            "", "{}", "[", "[1,", "[1,,2]", "[,1]", "[1]]", "[1] x", "[\"a]", "[}]",
        ] {
            assert_eq!(texts(bad), None, "{bad:?}");
        }
    }

    /// [`check_syntax`]'s outcome and serde_json's byte reader's (what it replaced), as text.
    fn both(doc: &[u8]) -> (Result<(), String>, Result<(), String>) {
        let ours = check_syntax(doc).map_err(|e| e.to_string());
        let bytes = serde_json::from_slice::<serde::de::IgnoredAny>(doc)
            .map(drop)
            .map_err(|e| e.to_string());
        (ours, bytes)
    }

    /// As serde_json's byte reader checks it (the reader this replaced): the same outcome,
    /// with the same message and position.
    #[test]
    fn syntax_is_checked_with_each_byte_not_utf8_as_one_character() {
        for doc in [
            &b"[\"caf\xE9\"]"[..],
            b"{\"\xFF\xFE\":[\"\xC3\"]}",
            b" [\"\xED\xA0\x80\"] ",
            b"[\xE9]",
            b"[\"\\\xE9\"]",
            b"[\"\xE9\xE9\",]",
            b"{\xE9:1}",
            b"[\"\xE9\x01\"]",
            b"[1]\n\xF0\x9F",
            b"[\"\xF0\x9F\x98\"] x",
        ] {
            let (ours, bytes) = both(doc);
            assert_eq!(ours, bytes, "{}", String::from_utf8_lossy(doc));
        }
        assert!(check_syntax(b"[\"caf\xE9\"]").is_ok());
        assert!(check_syntax(b"[\xE9]").is_err());
    }

    // proptest is a host-only dev-dependency (Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Documents from JSON's punctuation, a few letters and digits, and bytes that are
        /// not UTF-8 (lone lead and continuation bytes, a cut four-byte sequence, an encoded
        /// surrogate), with well-formed ones among them.
        #[test]
        fn syntax_is_checked_as_serde_json_checks_bytes(doc in proptest::collection::vec(
            proptest::sample::select(&b"[]{}\",:\\ \n1e-.tnulrfa\x01\xE9\xC3\xA9\xFF\xF0\x9F\x98\xED\xA0\x80"[..]),
            0..48,
        )) {
            let (ours, bytes) = both(&doc);
            proptest::prop_assert_eq!(ours, bytes);
        }

        /// Arrays of strings holding such bytes, with one byte of any kind put in anywhere.
        #[test]
        fn syntax_of_arrays_of_strings_is_checked_as_serde_json_checks_bytes(
            strings in proptest::collection::vec(proptest::collection::vec(
                proptest::sample::select(&b"ab \x01\xE9\xC3\xA9\xFF\xF0\x9F\x98"[..]),
                0..6,
            ), 0..5),
            at in 0usize..64,
            put in proptest::sample::select(&b"[]{}\",:\\ 1\xE9\xA9\xFF"[..]),
            with_put in proptest::bool::ANY,
        ) {
            let mut doc = vec![b'['];
            for (i, s) in strings.iter().enumerate() {
                if i > 0 {
                    doc.push(b',');
                }
                doc.push(b'"');
                doc.extend_from_slice(s);
                doc.push(b'"');
            }
            doc.push(b']');
            if with_put {
                doc.insert(at % (doc.len() + 1), put);
            }
            let (ours, bytes) = both(&doc);
            proptest::prop_assert_eq!(ours, bytes);
        }
    }

    #[test]
    fn lone_surrogates_are_found_and_pairs_and_other_escapes_are_not() {
        for lone in [
            r#""\ud83d""#,
            r#""x\udc00y""#,
            r#""\ud83d\u0041""#,
            r#""\uDBFF""#,
        ] {
            assert!(has_lone_surrogate(lone.as_bytes()), "{lone}");
        }
        for fine in [
            r#""\ud83d\ude00""#,
            r#""\\ud83d""#,
            r#""\u00e9\n\"""#,
            "\"😀\"",
            r#""\u""#,
        ] {
            assert!(!has_lone_surrogate(fine.as_bytes()), "{fine}");
        }
    }
}
