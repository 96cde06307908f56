//! Hashing (below everything else): the crate's hash map types (for keys that are hashes
//! already, and for memberships by segment and row), an ASCII-case-folding 64-bit hash of
//! emails, a stable 128-bit hash for job fingerprints, and the CRC-32 of stored sync states.
//! None of these is cryptographic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keys of [`U64Map`] are hashes already: the map uses them as they are.
#[derive(Debug, Default, Clone, Copy)]
pub struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `U64Map`; fold anything else in anyway.
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The hash map type of the crate for keys that are hashes already (`u64` keys, `u32`
/// values): every use shares a single instantiation of the map code, which keeps the wasm
/// module small.
pub type U64Map = HashMap<u64, u32, BuildHasherDefault<PreHashed>>;

/// The hash map type of the crate for memberships by `(segment, row)`, with a `u32` each (an
/// index, a contact, or `0` where only presence counts, as a set): every such set and map
/// shares one instantiation of the map code (each other key and value type was one more:
/// 0.6 KB gzip for the four of them; tests/bench/README.md, issue 15, the twelfth round).
/// Hashed with the SipHash the sync state links anyway, with fixed keys, instead of std's
/// `RandomState` (its own SipHash and key setup, 0.2 KB gzip): the keys are row numbers, and
/// std has no randomness to key with on this target either.
pub type RowMap = HashMap<(u32, u64), u32, BuildHasherDefault<siphasher::sip::SipHasher24>>;

/// A fixed (unkeyed) 64-bit hash of `bytes` with ASCII letters folded to lower case
/// (eight bytes at a time, then a final mix). Not for untrusted adversarial keys: it tells
/// emails apart, and equal hashes are always confirmed by comparing the addresses.
pub fn fold_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(c) {
            *d = s.to_ascii_lowercase();
        }
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
    }
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(chunks.remainder()) {
        *d = s.to_ascii_lowercase();
    }
    h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    // Final avalanche (murmur3 fmix64), so the low bits the map uses depend on every byte.
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// CRC-32/ISO-HDLC with the `crc` crate's byte-wise table (`Table<1>`, 1 KB, built at
/// compile time).
const CRC32: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

/// The CRC-32 (IEEE, as in zip and PNG) of `bytes`: the checksum of a stored sync state.
///
/// Byte-wise (a 1 KB table) rather than `crc32fast`'s slice-by-16 (a 16 KB table, 15 KB gzip
/// of the wasm module, measured): a sync state (a few MB at most) is checked once per run,
/// where byte-wise speed (hundreds of MB/s) does not show.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// A stable, fast 128-bit hash (two multiply-rotate lanes over 8-byte words). Not
/// cryptographic: it tells jobs apart, it does not protect anything.
#[derive(Debug)]
pub struct StableHasher {
    a: u64,
    b: u64,
    len: u64,
}

impl Default for StableHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl StableHasher {
    /// A hasher in its initial state.
    pub fn new() -> Self {
        StableHasher {
            a: 0x243F_6A88_85A3_08D3,
            b: 0x1319_8A2E_0370_7344,
            len: 0,
        }
    }
    fn word(&mut self, w: u64) {
        self.a = (self.a ^ w)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
        self.b = (self.b ^ w.rotate_left(17))
            .wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            .rotate_left(31);
    }
    /// Adds a 64-bit word.
    pub fn write_u64(&mut self, v: u64) {
        self.word(v);
        self.len += 8;
    }
    /// Adds a string (its length is mixed in, so `"ab","c"` differs from `"a","bc"`).
    pub fn write_str(&mut self, s: &str) {
        self.write_bytes(s.as_bytes());
    }
    /// Adds bytes (their length is mixed in).
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let mut last = [0u8; 8];
        let rem = chunks.remainder();
        if let Some(dst) = last.get_mut(..rem.len()) {
            dst.copy_from_slice(rem);
        }
        self.word(u64::from_le_bytes(last) ^ (bytes.len() as u64) << 56);
        self.len += bytes.len() as u64;
    }

    /// The 128-bit hash as 32 lower-case hex digits.
    pub fn finish_hex(mut self) -> String {
        let len = self.len;
        self.word(len);
        let (mut a, mut b) = (self.a, self.b);
        a ^= b.rotate_left(13);
        b ^= a.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        format!("{a:016x}{b:016x}")
    }
}

// crc32fast, the reference, is a host-only dev-dependency (Cargo.toml).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_the_ieee_crc() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // The reference: crc32fast (a dev-dependency only).
        let mut bytes = Vec::new();
        let mut x: u32 = 1;
        for n in 0..5000usize {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            bytes.push((x >> 24) as u8);
            if n % 97 == 0 {
                assert_eq!(crc32(&bytes), crc32fast::hash(&bytes), "{n} bytes");
            }
        }
        assert_eq!(crc32(&bytes), crc32fast::hash(&bytes));
    }
}
