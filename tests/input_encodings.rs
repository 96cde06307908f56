//! The decoder against encoding_rs (the reference; a dev-dependency only, never linked into
//! the module): every label of the generated table resolves to the encoding encoding_rs
//! gives it, every byte of every single-byte encoding decodes to the same character, and
//! random UTF-16 bytes in random chunks decode like encoding_rs (with our invalid marker in
//! place of U+FFFD). Observed through the public parser API: NDJSON lines carrying one JSON
//! string each.
#![cfg(not(target_arch = "wasm32"))]

use autopilot_export::input::{Cell, Encoding, Format, LabelError, Parser, RowSink, SourceOptions};
use autopilot_export::report::RejectReason;
use proptest::prelude::*;

/// Labels known to encoding_rs 0.8 (WHATWG), with the replacement labels, for the
/// completeness check: the generated table has every one of these that decodes.
const SAMPLE_LABELS: [&str; 16] = [
    "utf-8",
    "unicode-1-1-utf-8",
    "utf-16",
    "utf-16le",
    "utf-16be",
    "latin1",
    "iso-8859-1",
    "ascii",
    "cp1252",
    "l2",
    "iso-8859-15",
    "koi8-r",
    "macintosh",
    "windows-1258",
    "x-user-defined",
    "dos-874",
];

#[test]
fn labels_resolve_like_encoding_rs() {
    for label in SAMPLE_LABELS {
        let ours = Encoding::for_label(label).unwrap();
        let theirs = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes()).unwrap();
        assert_eq!(ours.name(), theirs.name().to_ascii_lowercase(), "{label}");
    }
    for label in [
        "shift_jis",
        "gbk",
        "big5",
        "euc-kr",
        "euc-jp",
        "iso-2022-jp",
        "gb18030",
    ] {
        let theirs = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes()).unwrap();
        assert_eq!(
            Encoding::for_label(label),
            Err(LabelError::Unsupported(Box::leak(
                theirs.name().to_ascii_lowercase().into_boxed_str()
            ))),
            "{label}"
        );
    }
    for label in [
        "iso-2022-kr",
        "hz-gb-2312",
        "replacement",
        "utf-7",
        "",
        "klingon",
    ] {
        assert_eq!(
            Encoding::for_label(label),
            Err(LabelError::Unknown),
            "{label}"
        );
    }
    assert_eq!(Encoding::for_label("  UTF8\t").unwrap().name(), "utf-8");
}

/// Collects each NDJSON record's `v` string, or `None` for a rejected line.
#[derive(Default)]
struct Strings(Vec<Option<String>>);

impl RowSink for Strings {
    fn row(&mut self, _: u64, cells: &[Cell<'_>]) {
        self.0.push(match cells.first() {
            Some(Cell::Str(s)) => Some(s.to_string()),
            _ => None,
        });
    }
    fn reject(&mut self, _: u64, _: RejectReason, _: Option<&str>) {
        self.0.push(None);
    }
}

fn decode_lines(bytes: &[u8], encoding: &str, sizes: &[usize]) -> Vec<Option<String>> {
    let options = SourceOptions {
        delimiter: None,
        encoding: Some(encoding.to_string()),
    };
    let mut p = Parser::with_options(Format::Ndjson, vec!["v".into()], &options, "").unwrap();
    let mut sink = Strings::default();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(usize::MAX)
            .max(1);
        i += 1;
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        p.feed(chunk, &mut sink).unwrap();
        rest = tail;
    }
    p.finish(&mut sink).unwrap();
    sink.0
}

#[test]
fn every_single_byte_encoding_decodes_every_byte_like_encoding_rs() {
    let mut names = std::collections::BTreeSet::new();
    for label in [
        "ibm866",
        "iso-8859-2",
        "iso-8859-3",
        "iso-8859-4",
        "iso-8859-5",
        "iso-8859-6",
        "iso-8859-7",
        "iso-8859-8",
        "iso-8859-8-i",
        "iso-8859-10",
        "iso-8859-13",
        "iso-8859-14",
        "iso-8859-15",
        "iso-8859-16",
        "koi8-r",
        "koi8-u",
        "macintosh",
        "windows-874",
        "windows-1250",
        "windows-1251",
        "windows-1252",
        "windows-1253",
        "windows-1254",
        "windows-1255",
        "windows-1256",
        "windows-1257",
        "windows-1258",
        "x-mac-cyrillic",
        "x-user-defined",
    ] {
        let theirs = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
        names.insert(theirs.name());
        for b in 0x80u8..=0xFF {
            // One JSON string per line: `{"v":"<byte>"}`.
            let line = [&b"{\"v\":\""[..], &[b], b"\"}\n"].concat();
            let got = decode_lines(&line, label, &[]);
            let mut decoder = theirs.new_decoder_without_bom_handling();
            let mut s = String::with_capacity(16);
            let (result, _) = decoder.decode_to_string_without_replacement(&[b], &mut s, true);
            let expected = match result {
                encoding_rs::DecoderResult::InputEmpty if !s.chars().any(|c| c < ' ') => Some(s),
                // U+0000-U+001F are not allowed raw in a JSON string (the line is malformed
                // either way); unmapped bytes are rejected as invalid.
                _ => None,
            };
            assert_eq!(got, vec![expected], "{label} byte {b:#04x}");
        }
    }
    // Every single-byte encoding of the standard is covered (28 plus x-user-defined).
    assert_eq!(names.len(), 29);
}

/// encoding_rs's UTF-16 decoding with replacement, for comparison.
fn reference_utf16(bytes: &[u8], big_endian: bool) -> String {
    let e = if big_endian {
        encoding_rs::UTF_16BE
    } else {
        encoding_rs::UTF_16LE
    };
    let (text, _) = e.decode_without_bom_handling(bytes);
    text.into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random UTF-16 code units (surrogates, odd lengths included) in random chunks decode
    /// like encoding_rs; chunked = whole.
    #[test]
    fn utf16_matches_encoding_rs(
        units in prop::collection::vec(prop_oneof![
            4 => 0x20u16..0x7F,
            1 => 0xD800u16..0xDC00,
            1 => 0xDC00u16..0xE000,
            1 => 0x80u16..0xD800,
            1 => 0xE000u16..=0xFFFF,
        ], 0..40),
        odd in any::<bool>(),
        big_endian in any::<bool>(),
        sizes in prop::collection::vec(1usize..7, 1..8),
    ) {
        // Keep the value free of '"', '\\' and control characters so that it is one JSON
        // string: replace those units.
        // U+FFFD itself is replaced too, so that it only ever stands for an invalid sequence.
        let units: Vec<u16> = units.into_iter().map(|u| if matches!(u, 0x22 | 0x5C | 0xFFFD) { 0x41 } else { u }).collect();
        let mut body = Vec::new();
        for u in &units {
            body.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        if odd {
            body.push(0x41);
        }
        let wrap = |text: &str| -> Vec<u8> {
            let mut out = Vec::new();
            for u in text.encode_utf16() {
                out.extend_from_slice(&if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            out
        };
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        bytes.extend(wrap("{\"v\":\""));
        bytes.extend_from_slice(&body);
        // An odd byte swallows the first byte of the closing quote: the line is then never a
        // valid record, which both sides agree on below.
        bytes.extend(wrap("\"}"));
        let whole = decode_lines(&bytes, "utf-8", &[]);
        let split = decode_lines(&bytes, "utf-8", &sizes);
        prop_assert_eq!(&whole, &split);
        let reference = reference_utf16(bytes.get(2..).unwrap(), big_endian);
        let expected: Option<String> = match serde_json::from_str::<serde_json::Value>(&reference) {
            Ok(v) if !reference.contains('\u{FFFD}') => v["v"].as_str().map(String::from),
            _ => None,
        };
        prop_assert_eq!(whole, vec![expected]);
    }
}
