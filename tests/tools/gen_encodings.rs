//! Writes `src/input/encodings.rs` from encoding_rs (the WHATWG Encoding Standard): every
//! label with its encoding, and the index of each single-byte encoding. A standalone program,
//! not part of the build: put it as `src/main.rs` of a scratch crate that depends on
//! `encoding_rs = "=0.8.44"`, then
//!
//! ```sh
//! cargo run -- ~/.cargo/registry/src/*/encoding_rs-0.8.44/src/lib.rs > src/input/encodings.rs
//! ```
//!
//! (it reads the label list, `LABELS_SORTED`, from encoding_rs's source, since encoding_rs
//! does not export it), and run `cargo fmt`.
use encoding_rs::*;
use std::fmt::Write;
fn main() {
    let src = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let start = src.find("static LABELS_SORTED").unwrap();
    let end = src[start..].find("];").unwrap() + start;
    let mut labels: Vec<String> = src[start..end].lines().skip(1).filter_map(|l| {
        let l = l.trim();
        l.strip_prefix('"').and_then(|l| l.strip_suffix("\",")).map(String::from)
    }).collect();
    labels.sort();
    assert_eq!(labels.len(), 228);
    // encodings
    let mut single: Vec<&'static Encoding> = Vec::new();
    let mut unsupported: Vec<&'static Encoding> = Vec::new();
    let mut rows = Vec::new();
    for l in &labels {
        let Some(e) = Encoding::for_label_no_replacement(l.as_bytes()) else { continue };
        let id: u8 = if e == UTF_8 { 0 } else if e == UTF_16LE { 1 } else if e == UTF_16BE { 2 } else if e == X_USER_DEFINED { 3 }
        else if e.is_single_byte() {
            let i = single.iter().position(|x| *x == e).unwrap_or_else(|| { single.push(e); single.len() - 1 });
            4 + i as u8
        } else {
            let i = unsupported.iter().position(|x| *x == e).unwrap_or_else(|| { unsupported.push(e); unsupported.len() - 1 });
            200 + i as u8
        };
        rows.push((l.clone(), id));
    }
    let mut out = String::new();
    writeln!(out, "//! Generated from encoding_rs 0.8.44 (the WHATWG Encoding Standard): every encoding label,").unwrap();
    writeln!(out, "//! and the index of each single-byte encoding for bytes 0x80..=0xFF.").unwrap();
    writeln!(out, "//! Do not edit by hand: written by `tests/tools/gen_encodings.rs` (see its header);").unwrap();
    writeln!(out, "//! `tests/input_encodings.rs` checks every byte of every table, and `input::decode`'s tests").unwrap();
    writeln!(out, "//! every label, against encoding_rs.").unwrap();
    writeln!(out, "//!").unwrap();
    writeln!(out, "//! Written for size (issue 15; tests/bench/README.md): the labels as one string and an id").unwrap();
    writeln!(out, "//! each, not a table of string references, and each table entry as its code point's offset").unwrap();
    writeln!(out, "//! from the byte (mod 2^16), where runs of consecutive code points repeat one value.").unwrap();
    writeln!(out).unwrap();
    writeln!(out, "/// Encoding id of UTF-8.\npub(super) const UTF_8: u8 = 0;\n/// Encoding id of UTF-16LE.\npub(super) const UTF_16LE: u8 = 1;\n/// Encoding id of UTF-16BE.\npub(super) const UTF_16BE: u8 = 2;\n/// Encoding id of x-user-defined (bytes 0x80..=0xFF map to U+F780..=U+F7FF).\npub(super) const X_USER_DEFINED: u8 = 3;\n/// Id of the first single-byte table in [`SINGLE_BYTE`].\npub(super) const FIRST_SINGLE_BYTE: u8 = 4;\n/// Id of the first encoding in [`UNSUPPORTED`].\npub(super) const FIRST_UNSUPPORTED: u8 = 200;").unwrap();
    writeln!(out).unwrap();
    writeln!(out, "/// Every WHATWG label (lower case, sorted, separated by one space); the \"replacement\" labels").unwrap();
    writeln!(out, "/// are left out.").unwrap();
    let names: Vec<&str> = rows.iter().map(|(l, _)| { assert!(!l.contains(' ')); l.as_str() }).collect();
    writeln!(out, "pub(super) const LABEL_NAMES: &str = {:?};\n", names.join(" ")).unwrap();
    writeln!(out, "/// The encoding id of each label of [`LABEL_NAMES`], in order.").unwrap();
    writeln!(out, "pub(super) const LABEL_IDS: [u8; {}] = [", rows.len()).unwrap();
    for (_, id) in &rows { writeln!(out, "    {},", id).unwrap(); }
    writeln!(out, "];\n").unwrap();
    writeln!(out, "/// The single-byte encodings: WHATWG name (lower case) and, for each byte `b` of 0x80..=0xFF, the").unwrap();
    writeln!(out, "/// offset of its code point from `b`: the code point is `b.wrapping_add(offset)`, and a code").unwrap();
    writeln!(out, "/// point of 0 (the offset `0 − b`) marks a byte the encoding does not map.").unwrap();
    writeln!(out, "pub(super) const SINGLE_BYTE: [(&str, [u16; 128]); {}] = [", single.len()).unwrap();
    for e in &single {
        // An unmapped byte: the offset that gives 0.
        let mut table: [u16; 128] = std::array::from_fn(|i| 0u16.wrapping_sub(0x80 + i as u16));
        for b in 0x80u8..=0xFF {
            let mut d = e.new_decoder_without_bom_handling();
            let mut s = String::new();
            s.reserve(8);
            let (r, _) = d.decode_to_string_without_replacement(&[b], &mut s, true);
            if r == DecoderResult::InputEmpty {
                let mut cs = s.chars();
                let c = cs.next().unwrap(); assert!(cs.next().is_none());
                assert!(c as u32 <= 0xFFFF && c as u32 != 0);
                table[(b - 0x80) as usize] = (c as u32 as u16).wrapping_sub(u16::from(b));
            }
        }
        writeln!(out, "    (\n        {:?},\n        [", e.name().to_ascii_lowercase()).unwrap();
        for chunk in table.chunks(8) {
            let s: Vec<String> = chunk.iter().map(|v| format!("0x{:04X}", v)).collect();
            writeln!(out, "            {},", s.join(", ")).unwrap();
        }
        writeln!(out, "        ],\n    ),").unwrap();
    }
    writeln!(out, "];\n").unwrap();
    writeln!(out, "/// Multi-byte legacy encodings (CJK) that are recognised but not decoded (their tables alone").unwrap();
    writeln!(out, "/// would add over 100 KB gzip to the module): WHATWG names, lower case.").unwrap();
    writeln!(out, "pub(super) const UNSUPPORTED: [&str; {}] = [", unsupported.len()).unwrap();
    for e in &unsupported { writeln!(out, "    {:?},", e.name().to_ascii_lowercase()).unwrap(); }
    writeln!(out, "];").unwrap();
    print!("{out}");
}
