//! Bytes → UTF-8 in front of the parsers: byte order marks, UTF-16, declared single-byte
//! encodings (WHATWG Encoding Standard), and the signatures of binary files.
//!
//! Rules (WHATWG Encoding Standard, "decode"): a byte order mark at the very start decides
//! the encoding whatever was declared (`EF BB BF` UTF-8, `FF FE` UTF-16LE, `FE FF` UTF-16BE)
//! and is removed. Without one, the declared encoding is used; without a declaration the
//! bytes are UTF-8. UTF-8 input is passed through unchanged, so that a row with invalid
//! UTF-8 is rejected by the parser (`INVALID_UTF8`) and nothing is replaced silently. Other
//! encodings are decoded without replacement: a byte (sequence) that is invalid in that
//! encoding (an unpaired UTF-16 surrogate, an odd last byte, a byte a single-byte encoding
//! does not map) becomes one `0xFF` byte, which is never valid UTF-8, so its row is
//! rejected `INVALID_UTF8` too.
//!
//! The label table and the single-byte indexes are generated from `encoding_rs` (see
//! `encodings.rs`): `encoding_rs` itself would add about 128 KB gzip to the module (its CJK
//! tables), over the size budget, so the multi-byte legacy encodings (Shift_JIS, GBK, Big5,
//! EUC-KR, ...) are recognised but refused with `ENCODING_UNSUPPORTED`.
//!
//! Decoding is streaming: a chunk may end anywhere (inside a BOM, a UTF-16 code unit or a
//! surrogate pair) and the output is the same as for the whole input.

use super::encodings::{
    FIRST_SINGLE_BYTE, FIRST_UNSUPPORTED, LABEL_IDS, LABEL_NAMES, SINGLE_BYTE, UNSUPPORTED,
    UTF_16BE, UTF_16LE, UTF_8, X_USER_DEFINED,
};
use crate::error::Error;

/// Output buffer size of one decoding step.
const OUT_BUF: usize = 16 * 1024;
/// Raw bytes kept for signature checks.
const HEAD: usize = 16;
/// Raw bytes scanned for NUL bytes.
const NUL_SCAN: usize = 8 * 1024;
/// Stands for a byte sequence that is invalid in the source encoding (never valid UTF-8).
const INVALID: u8 = 0xFF;

/// A character encoding this crate decodes (WHATWG Encoding Standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding(u8);

/// Why an `encoding` label is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelError {
    /// Not a label of the WHATWG Encoding Standard (or one of its "replacement" labels).
    Unknown,
    /// A multi-byte legacy encoding (named) that is not decoded here.
    Unsupported(&'static str),
}

impl Encoding {
    /// UTF-8.
    pub const UTF_8: Encoding = Encoding(UTF_8);

    /// Resolves a label of the WHATWG Encoding Standard (ASCII case and surrounding white
    /// space ignored): `utf-8`, `utf8`, `utf-16le`, `utf-16be`, `windows-1252`, `latin1`,
    /// `iso-8859-1` (which WHATWG reads as windows-1252), `iso-8859-15`, `windows-1250`,
    /// `koi8-r`, `macintosh`, ...
    pub fn for_label(label: &str) -> Result<Encoding, LabelError> {
        let wanted = label
            .trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C'))
            .to_ascii_lowercase();
        let id = LABEL_NAMES
            .split(' ')
            .position(|l| l == wanted)
            .and_then(|i| LABEL_IDS.get(i).copied())
            .ok_or(LabelError::Unknown)?;
        match id.checked_sub(FIRST_UNSUPPORTED) {
            Some(u) => Err(LabelError::Unsupported(
                UNSUPPORTED.get(usize::from(u)).copied().unwrap_or("?"),
            )),
            None => Ok(Encoding(id)),
        }
    }

    /// The lower-case WHATWG name: `utf-8`, `utf-16le`, `windows-1252`, ...
    pub fn name(self) -> &'static str {
        match self.0 {
            UTF_8 => "utf-8",
            UTF_16LE => "utf-16le",
            UTF_16BE => "utf-16be",
            X_USER_DEFINED => "x-user-defined",
            id => self.table(id).map_or("utf-8", |(name, _)| *name),
        }
    }

    fn table(self, id: u8) -> Option<&'static (&'static str, [u16; 128])> {
        SINGLE_BYTE.get(usize::from(id.checked_sub(FIRST_SINGLE_BYTE)?))
    }
}

/// How the bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// The encoding in use.
    pub encoding: Encoding,
    /// Whether the input started with a byte order mark (removed).
    pub bom: bool,
}

/// What is being done with the bytes.
#[derive(Debug)]
enum Mode {
    /// The start of the input is still undecided: these bytes may begin a BOM.
    Sniffing(Vec<u8>),
    /// UTF-8: passed through.
    Pass,
    /// UTF-16: `big_endian`, a byte waiting for its pair, a high surrogate waiting for its
    /// low one.
    Utf16 {
        big_endian: bool,
        byte: Option<u8>,
        high: Option<u16>,
    },
    /// A single-byte encoding: code points of bytes 0x80..=0xFF (0: unmapped).
    SingleByte(&'static [u16; 128]),
    /// x-user-defined: bytes 0x80..=0xFF are U+F780..=U+F7FF.
    UserDefined,
}

/// Receives decoded UTF-8 bytes, how they were decoded, and the binary-file signature of the
/// input, if any.
pub(super) type Emit<'a> = dyn FnMut(&[u8], Decoded, Option<Binary>) -> Result<(), Error> + 'a;

/// The streaming decoder of one source.
#[derive(Debug)]
pub(super) struct Decoder {
    mode: Mode,
    declared: Encoding,
    decided: Decoded,
    out: Vec<u8>,
    /// The first raw bytes, for signature checks.
    head: Vec<u8>,
    /// Raw bytes seen so far (saturating).
    seen: usize,
    /// Whether a NUL byte was found among the first [`NUL_SCAN`] raw bytes.
    nul: bool,
}

impl Decoder {
    /// A decoder for bytes in `declared` (UTF-8 when `None`).
    pub(super) fn new(declared: Option<Encoding>) -> Self {
        let declared = declared.unwrap_or(Encoding::UTF_8);
        Decoder {
            mode: Mode::Sniffing(Vec::with_capacity(3)),
            declared,
            decided: Decoded {
                encoding: declared,
                bom: false,
            },
            out: Vec::new(),
            head: Vec::with_capacity(HEAD),
            seen: 0,
            nul: false,
        }
    }

    /// The encoding in use (final once output was emitted, or after `finish`).
    pub(super) fn decoded(&self) -> Decoded {
        self.decided
    }

    /// The binary-file signature at the start of the raw bytes, if any. Deterministic for
    /// whatever chunking once output was emitted: no signature contains a line break.
    pub(super) fn signature(&self) -> Option<Binary> {
        Binary::from_signature(&self.head)
    }

    /// What kind of binary file the raw bytes look like, if any: a signature, or NUL bytes
    /// among the first 8 KiB (final only at the end of the input).
    pub(super) fn binary(&self) -> Option<Binary> {
        if let Some(kind) = Binary::from_signature(&self.head) {
            return Some(kind);
        }
        let utf16 = matches!(self.decided.encoding.0, UTF_16LE | UTF_16BE);
        (self.nul && !utf16).then_some(Binary::NulBytes)
    }

    /// Decodes `chunk` and passes the UTF-8 output to `emit` (possibly in several pieces),
    /// with how it was decoded and whether the bytes look binary.
    pub(super) fn feed(&mut self, chunk: &[u8], emit: &mut Emit<'_>) -> Result<(), Error> {
        self.observe(chunk);
        let mut rest = chunk;
        let mut replay = Vec::new();
        if let Mode::Sniffing(held) = &mut self.mode {
            let mut sniffed = Sniff::Undecided;
            while let Some((&b, tail)) = rest.split_first() {
                held.push(b);
                rest = tail;
                sniffed = sniff(held);
                if sniffed != Sniff::Undecided {
                    break;
                }
            }
            if sniffed == Sniff::Undecided {
                return Ok(());
            }
            let held = std::mem::take(held);
            if !self.decide(sniffed) {
                replay = held;
            }
        }
        let (decoded, signature) = (self.decided, self.signature());
        let mut emit = |b: &[u8]| emit(b, decoded, signature);
        self.run(&replay, &mut emit)?;
        self.run(rest, &mut emit)
    }

    /// Ends the input: flushes held or incomplete bytes.
    pub(super) fn finish(&mut self, emit: &mut Emit<'_>) -> Result<(), Error> {
        let mut replay = Vec::new();
        if let Mode::Sniffing(held) = &mut self.mode {
            replay = std::mem::take(held);
            self.decide(Sniff::NoBom);
        }
        let (decoded, signature) = (self.decided, self.signature());
        let mut emit = |b: &[u8]| emit(b, decoded, signature);
        self.run(&replay, &mut emit)?;
        if let Mode::Utf16 { byte, high, .. } = &mut self.mode {
            // An odd last byte, or a high surrogate at the very end, is invalid.
            let invalid = usize::from(byte.take().is_some()) + usize::from(high.take().is_some());
            if invalid > 0 {
                emit([INVALID; 2].get(..invalid).unwrap_or(&[]))?;
            }
        }
        Ok(())
    }

    /// Keeps the first raw bytes and looks for NUL bytes near the start.
    fn observe(&mut self, chunk: &[u8]) {
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head
                .extend_from_slice(chunk.get(..take).unwrap_or(&[]));
        }
        if self.seen < NUL_SCAN && !self.nul {
            let scan = (NUL_SCAN - self.seen).min(chunk.len());
            self.nul = chunk.get(..scan).unwrap_or(&[]).contains(&0);
        }
        self.seen = self.seen.saturating_add(chunk.len());
    }

    /// The start is decided: sets the mode. Returns whether a BOM was found (the held bytes
    /// are dropped then, and replayed otherwise).
    fn decide(&mut self, sniffed: Sniff) -> bool {
        let (encoding, bom) = match sniffed {
            Sniff::Utf8Bom => (Encoding(UTF_8), true),
            Sniff::Utf16Le => (Encoding(UTF_16LE), true),
            Sniff::Utf16Be => (Encoding(UTF_16BE), true),
            Sniff::NoBom | Sniff::Undecided => (self.declared, false),
        };
        self.decided = Decoded { encoding, bom };
        self.mode = match encoding.0 {
            UTF_16LE | UTF_16BE => Mode::Utf16 {
                big_endian: encoding.0 == UTF_16BE,
                byte: None,
                high: None,
            },
            X_USER_DEFINED => Mode::UserDefined,
            id => match encoding.table(id) {
                Some((_, table)) => Mode::SingleByte(table),
                None => Mode::Pass,
            },
        };
        bom
    }

    /// Passes or decodes `input`.
    fn run(
        &mut self,
        input: &[u8],
        emit: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if input.is_empty() {
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let result = match &mut self.mode {
            Mode::Sniffing(_) => Ok(()),
            Mode::Pass => emit(input),
            Mode::Utf16 {
                big_endian,
                byte,
                high,
            } => utf16(input, *big_endian, byte, high, &mut out, emit),
            Mode::SingleByte(table) => single_byte(
                input,
                |b| {
                    table
                        .get(usize::from(b & 0x7F))
                        .map_or(0, |off| u16::from(b).wrapping_add(*off))
                },
                &mut out,
                emit,
            ),
            Mode::UserDefined => single_byte(input, |b| 0xF700 + u16::from(b), &mut out, emit),
        };
        self.out = out;
        result
    }
}

/// Appends one code point (a non-surrogate `u16`) as UTF-8.
fn push_char(out: &mut Vec<u8>, unit: u32) {
    match char::from_u32(unit) {
        Some(c) => {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        None => out.push(INVALID),
    }
}

/// Emits `out` when it is nearly full.
fn flush_if_full(
    out: &mut Vec<u8>,
    emit: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    if out.len() + 8 > OUT_BUF {
        emit(out)?;
        out.clear();
    }
    Ok(())
}

/// Decodes UTF-16 code units; state carries across calls.
fn utf16(
    input: &[u8],
    big_endian: bool,
    byte: &mut Option<u8>,
    high: &mut Option<u16>,
    out: &mut Vec<u8>,
    emit: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    for &b in input {
        let Some(first) = byte.take() else {
            *byte = Some(b);
            continue;
        };
        let unit = if big_endian {
            u16::from_be_bytes([first, b])
        } else {
            u16::from_le_bytes([first, b])
        };
        match (high.take(), unit) {
            (Some(h), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                push_char(out, c);
            }
            (pending, _) => {
                if pending.is_some() {
                    out.push(INVALID);
                }
                match unit {
                    0xD800..=0xDBFF => *high = Some(unit),
                    0xDC00..=0xDFFF => out.push(INVALID),
                    _ => push_char(out, u32::from(unit)),
                }
            }
        }
        flush_if_full(out, emit)?;
    }
    if !out.is_empty() {
        emit(out)?;
    }
    Ok(())
}

/// Decodes a single-byte encoding: ASCII as is, other bytes through `map` (0: unmapped).
fn single_byte(
    input: &[u8],
    map: impl Fn(u8) -> u16,
    out: &mut Vec<u8>,
    emit: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    for &b in input {
        if b < 0x80 {
            out.push(b);
        } else {
            match map(b) {
                0 => out.push(INVALID),
                unit => push_char(out, u32::from(unit)),
            }
        }
        flush_if_full(out, emit)?;
    }
    if !out.is_empty() {
        emit(out)?;
    }
    Ok(())
}

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniff {
    Undecided,
    NoBom,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

/// Decides the start of the input from the bytes held so far.
fn sniff(held: &[u8]) -> Sniff {
    match held {
        [0xEF] | [0xEF, 0xBB] | [0xFF] | [0xFE] => Sniff::Undecided,
        [0xEF, 0xBB, 0xBF] => Sniff::Utf8Bom,
        [0xFF, 0xFE] => Sniff::Utf16Le,
        [0xFE, 0xFF] => Sniff::Utf16Be,
        _ => Sniff::NoBom,
    }
}

/// A kind of binary file recognised by its first bytes (or by NUL bytes near the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// `PK\x03\x04`: a ZIP archive, as Excel `.xlsx` and OpenDocument `.ods` workbooks are.
    Zip,
    /// `D0 CF 11 E0 A1 B1 1A E1`: an OLE2 compound file, as Excel 97–2003 `.xls` workbooks are.
    Ole2,
    /// `%PDF-`
    Pdf,
    /// `1F 8B`: gzip.
    Gzip,
    /// A PNG, JPEG or GIF image.
    Image,
    /// NUL bytes among the first 8 KiB of a file that is not UTF-16.
    NulBytes,
}

impl Binary {
    fn from_signature(head: &[u8]) -> Option<Binary> {
        const SIGNATURES: [(&[u8], Binary); 8] = [
            (b"PK\x03\x04", Binary::Zip),
            (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", Binary::Ole2),
            (b"%PDF-", Binary::Pdf),
            (b"\x1F\x8B", Binary::Gzip),
            (b"\x89PNG", Binary::Image),
            (b"\xFF\xD8\xFF", Binary::Image),
            (b"GIF87a", Binary::Image),
            (b"GIF89a", Binary::Image),
        ];
        SIGNATURES
            .iter()
            .find(|(sig, _)| head.starts_with(sig))
            .map(|(_, kind)| *kind)
    }

    /// Stable code: `zip`, `ole2`, `pdf`, `gzip`, `image` or `nul-bytes`.
    pub fn code(self) -> &'static str {
        match self {
            Binary::Zip => "zip",
            Binary::Ole2 => "ole2",
            Binary::Pdf => "pdf",
            Binary::Gzip => "gzip",
            Binary::Image => "image",
            Binary::NulBytes => "nul-bytes",
        }
    }

    /// Why the file cannot be read, with what to do instead.
    pub fn message(self) -> &'static str {
        match self {
            Binary::Zip => "this is a ZIP archive, such as an Excel .xlsx or OpenDocument .ods workbook, not a text file: open it and save as CSV (\"CSV UTF-8\" in Excel)",
            Binary::Ole2 => "this is an Excel 97-2003 .xls workbook (or another Office file), not a text file: open it and save as CSV (\"CSV UTF-8\" in Excel)",
            Binary::Pdf => "this is a PDF document, not a text file: export the data as CSV instead",
            Binary::Gzip => "this is a gzip-compressed file: decompress it first",
            Binary::Image => "this is an image, not a text file: export the data as CSV instead",
            Binary::NulBytes => "this file contains NUL bytes, so it is binary (or UTF-16 without a byte order mark): save it as CSV (\"CSV UTF-8\" in Excel), or set encoding: 'utf-16le'",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label of the generated list (one string, in order, with one id each) resolves to
    /// the encoding encoding_rs gives it, or is refused as the multi-byte encoding it names.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_generated_label_resolves_like_encoding_rs() {
        let labels: Vec<&str> = LABEL_NAMES.split(' ').collect();
        assert_eq!(labels.len(), LABEL_IDS.len());
        assert!(labels.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats"); // ok: test
        for label in labels {
            let theirs = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes())
                .unwrap() // ok: test
                .name()
                .to_ascii_lowercase();
            let ours = match Encoding::for_label(label) {
                Ok(e) => e.name().to_string(),
                Err(LabelError::Unsupported(name)) => name.to_string(),
                Err(e) => panic!("{label}: {e:?}"), // ok: test
            };
            assert_eq!(ours, theirs, "{label}");
        }
    }

    fn decode(declared: Option<&str>, chunks: &[&[u8]]) -> (Vec<u8>, Decoded) {
        let declared = declared.map(|l| Encoding::for_label(l).unwrap()); // ok: test
        let mut d = Decoder::new(declared);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(c, &mut |b, _, _| {
                out.extend_from_slice(b);
                Ok(())
            })
            .unwrap(); // ok: test
        }
        d.finish(&mut |b, _, _| {
            out.extend_from_slice(b);
            Ok(())
        })
        .unwrap(); // ok: test
        (out, d.decoded())
    }

    #[test]
    fn boms_decide_and_are_removed_even_when_split() {
        let (out, d) = decode(None, &[b"\xEF", b"\xBB", b"\xBFa"]);
        assert_eq!(
            (out.as_slice(), d.encoding.name(), d.bom),
            (&b"a"[..], "utf-8", true)
        );
        let (out, d) = decode(None, &[b"\xFF", b"\xFEa", b"\x00\xE9", b"\x00"]);
        assert_eq!(
            (out.as_slice(), d.encoding.name(), d.bom),
            ("aé".as_bytes(), "utf-16le", true)
        );
        let (out, d) = decode(Some("windows-1252"), &[b"\xFE\xFF\x00a"]);
        assert_eq!((out.as_slice(), d.encoding.name()), (&b"a"[..], "utf-16be"));
        let (out, d) = decode(None, &[b"\xEF\xBB"]);
        assert_eq!(
            (out.as_slice(), d.encoding.name(), d.bom),
            (&b"\xEF\xBB"[..], "utf-8", false)
        );
    }

    #[test]
    fn declared_encodings_and_invalid_sequences() {
        let (out, d) = decode(Some(" Latin1 "), &[b"M\xFCller \x80"]);
        assert_eq!(
            (out.as_slice(), d.encoding.name()),
            ("Müller €".as_bytes(), "windows-1252")
        );
        // An unpaired surrogate and an odd last byte become 0xFF; a pair is one character.
        let (out, _) = decode(None, &[b"\xFF\xFE\x00\xD8a\x00\x3D", b"\xD8\x00", b"\xDEb"]);
        let mut expected = vec![INVALID, b'a'];
        expected.extend_from_slice("😀".as_bytes());
        expected.push(INVALID);
        assert_eq!(out, expected);
        // UTF-8 is passed through untouched, invalid bytes included.
        let (out, _) = decode(Some("utf8"), &[b"M\xFCller"]);
        assert_eq!(out, b"M\xFCller");
        assert_eq!(Encoding::for_label("iso-2022-kr"), Err(LabelError::Unknown));
        assert_eq!(Encoding::for_label("klingon"), Err(LabelError::Unknown));
        assert_eq!(
            Encoding::for_label("SJIS"),
            Err(LabelError::Unsupported("shift_jis"))
        );
    }

    #[test]
    fn binary_signatures() {
        let mut d = Decoder::new(None);
        d.feed(b"PK\x03\x04rest", &mut |_, _, _| Ok(())).unwrap(); // ok: test
        assert_eq!(d.binary(), Some(Binary::Zip));
        let mut d = Decoder::new(None);
        d.feed(b"email\n\x00", &mut |_, _, _| Ok(())).unwrap(); // ok: test
        assert_eq!(d.binary(), Some(Binary::NulBytes));
        let mut d = Decoder::new(None);
        d.feed(b"\xFF\xFEe\x00", &mut |_, _, _| Ok(())).unwrap(); // ok: test
        assert_eq!(d.binary(), None);
    }
}
