//! The sync state: what this exporter has confirmed on each Autopilot list (DESIGN.md §9),
//! and its binary format.
//!
//! A state holds, per list (id and title), one [`Entry`] per membership the exporter
//! confirmed: a salted hash of the email's dedupe key, a hash of the contact exactly as last
//! sent, and the Autopilot contact id from `email_contact_map`. It holds **no email and no
//! key**, and is bound to one account: a salted hash of the API base and a salted hash of the
//! account's `instanceId` (from `GET /v1/account`; a salted hash of the key only when an
//! account answers without one). The salt is random per state and kept across refreshes.
//! The hashes are SipHash-2-4 keyed with the salt: pseudonymous, not secret — an attacker
//! holding a state and a list of candidate emails can test them.
//!
//! # Format (version 1), little-endian
//!
//! ```text
//! "APXS"              magic, 4 bytes
//! version             u8 = 1
//! flags               u8 = 0 (reserved)
//! salt                u64
//! base                u64   salted hash of the API base URL (config::api_base_url)
//! account kind        u8    1 = instanceId, 2 = key (fallback)
//! account             u64   salted hash of the instanceId (or the key)
//! lists               u32, then per list:
//!   id                u16 length + UTF-8
//!   title             u16 length + UTF-8
//!   entries           u32, then per entry, sorted by email hash (30 bytes):
//!     email           u64   salted hash of the lower-cased email
//!     contact         6 bytes  low 48 bits of the salted hash of the contact as sent
//!     id              16 bytes the UUID of `person_<UUID>` (upper-case hex), or
//!                     FF×12 + u32 index into the other-ids table
//! other ids           u32, then u16 length + UTF-8 each (ids not of the `person_<UUID>` form)
//! checksum            u32   CRC-32 (IEEE) of every byte before it
//! ```
//!
//! 30 bytes per membership plus a few bytes per list: under the 32-byte budget. CRC-32
//! detects every single-byte corruption (and every burst of up to 32 bits); a damaged,
//! truncated, foreign or newer state is [`ErrorCode::StateMismatch`], never a panic.

use crate::error::{Error, ErrorCode};
use siphasher::sip::SipHasher24;
use std::hash::Hasher;

/// Format version written and read.
pub const STATE_VERSION: u8 = 1;
const MAGIC: &[u8; 4] = b"APXS";
/// Bytes of one entry.
pub const ENTRY_BYTES: usize = 30;
/// Marker of an id stored in the other-ids table.
const OTHER_MARK: [u8; 12] = [0xFF; 12];
/// Largest length of an id or title written (longer ones cannot come from Autopilot).
const MAX_TEXT: usize = u16::MAX as usize;

/// How the account of a state was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// By its `instanceId` (survives a rotated key).
    Instance,
    /// By the API key (the account answered without an `instanceId`).
    Key,
}

/// An Autopilot contact id, stored compactly when it has the usual form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContactId {
    /// `person_<UUID>` with an upper-case UUID: its 16 bytes.
    Uuid([u8; 16]),
    /// Any other id, as it was sent.
    Other(String),
}

impl ContactId {
    /// The id of a membership job `job` confirmed without an answer to read it from: a
    /// call resumed from an interim checkpoint skips the batches finished before, whose
    /// answers it never saw. Stored as the other id `?<job>` (no Autopilot id starts with
    /// `?`). Only removals need ids: in mirror mode the job's next call from a full state,
    /// or else the next refresh, sends the membership again to learn it, and it cannot be
    /// removed from its list before that.
    pub fn unknown(job: &str) -> ContactId {
        ContactId::Other(format!("?{job}"))
    }

    /// Whether this is an unknown id ([`ContactId::unknown`]; an empty one too).
    pub fn is_unknown(&self) -> bool {
        matches!(self, ContactId::Other(s) if s.is_empty() || s.starts_with('?'))
    }

    /// Whether this is an unknown id of job `job`.
    pub fn is_unknown_of(&self, job: &str) -> bool {
        matches!(self, ContactId::Other(s) if s.strip_prefix('?') == Some(job))
    }

    /// Parses an id as Autopilot sent it.
    pub fn parse(id: &str) -> ContactId {
        Self::uuid_of(id).map_or_else(|| ContactId::Other(id.to_string()), ContactId::Uuid)
    }

    fn uuid_of(id: &str) -> Option<[u8; 16]> {
        let hex = id.strip_prefix("person_")?;
        let b = hex.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
            return None;
        }
        let mut out = [0u8; 16];
        let mut digits = b.iter().filter(|&&c| c != b'-');
        for byte in out.iter_mut() {
            let hi = upper_hex(*digits.next()?)?;
            let lo = upper_hex(*digits.next()?)?;
            *byte = hi << 4 | lo;
        }
        // Ids whose bytes would read as the other-ids marker go to the table instead.
        (out.get(..12) != Some(&OTHER_MARK[..])).then_some(out)
    }

    /// The id as Autopilot knows it.
    pub fn to_text(&self) -> String {
        match self {
            ContactId::Other(s) => s.clone(),
            ContactId::Uuid(b) => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                let mut s = String::with_capacity(43);
                s.push_str("person_");
                for (i, byte) in b.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        s.push('-');
                    }
                    for nibble in [byte >> 4, byte & 15] {
                        s.push(char::from(*HEX.get(nibble as usize).unwrap_or(&b'0')));
                    }
                }
                s
            }
        }
    }
}

fn upper_hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// One membership the exporter confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Salted hash of the lower-cased email.
    pub email: u64,
    /// Low 48 bits of the salted hash of the contact as last sent.
    pub contact: u64,
    /// Autopilot's contact id.
    pub id: ContactId,
}

/// One Autopilot list of a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    /// `contactlist_…` id (empty for the contacts of a job without lists).
    pub id: String,
    /// Title when it was last written.
    pub title: String,
    /// Entries sorted by `email`, no two with the same `email`.
    pub entries: Vec<Entry>,
}

impl ListState {
    /// The entry of `email`, if any.
    pub fn find(&self, email: u64) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&email, |e| e.email)
            .ok()
            .and_then(|i| self.entries.get(i))
    }
}

/// A decoded sync state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    /// Salt of every hash in this state.
    pub salt: u64,
    /// Salted hash of the API base.
    pub base: u64,
    /// How the account is identified.
    pub account_kind: AccountKind,
    /// Salted hash of the account identity.
    pub account: u64,
    /// Lists, in the order written.
    pub lists: Vec<ListState>,
}

/// The hashes of one state: everything the exporter compares is keyed by the state's salt.
#[derive(Debug, Clone, Copy)]
pub struct Hashes {
    salt: u64,
}

impl Hashes {
    /// Hashes salted with `salt`.
    pub fn new(salt: u64) -> Self {
        Hashes { salt }
    }

    fn sip(&self, domain: u64, parts: &[&[u8]]) -> u64 {
        let mut h = SipHasher24::new_with_keys(self.salt, domain);
        for p in parts {
            h.write(p);
            h.write_u8(0xFF);
        }
        h.finish()
    }

    /// Hash of an email's dedupe key (the whole address, lower-cased by the caller).
    pub fn email(&self, lower_email: &str) -> u64 {
        self.sip(1, &[lower_email.as_bytes()])
    }

    /// [`Hashes::email`] of `email` lower-cased (ASCII), without a lower-cased copy.
    pub fn email_folding(&self, email: &str) -> u64 {
        let mut h = SipHasher24::new_with_keys(self.salt, 1);
        let mut buf = [0u8; 64];
        for chunk in email.as_bytes().chunks(buf.len()) {
            let part = buf.get_mut(..chunk.len()).unwrap_or_default();
            part.copy_from_slice(chunk);
            part.make_ascii_lowercase();
            h.write(part);
        }
        h.write_u8(0xFF);
        h.finish()
    }

    /// 48-bit hash of a contact as sent: the email as sent and the other JSON members.
    pub fn contact(&self, email: &str, fields: &str) -> u64 {
        self.sip(2, &[email.as_bytes(), fields.as_bytes()]) & 0xFFFF_FFFF_FFFF
    }

    /// Hash of an API base URL as [`crate::config::api_base_url`] writes it.
    pub fn base(&self, base_url: &str) -> u64 {
        self.sip(3, &[base_url.as_bytes()])
    }

    /// Hash of an account identity (`instanceId`, or the key as the fallback).
    pub fn account(&self, kind: AccountKind, identity: &str) -> u64 {
        let domain = match kind {
            AccountKind::Instance => 4,
            AccountKind::Key => 5,
        };
        self.sip(domain, &[identity.as_bytes()])
    }
}

fn mismatch(why: impl Into<String>) -> Error {
    Error::new(
        ErrorCode::StateMismatch,
        format!("the sync state cannot be used: {}", why.into()),
    )
}

impl SyncState {
    /// An empty state for `base_url` (as [`crate::config::api_base_url`] writes it) and an
    /// account identity.
    pub fn new(salt: u64, base_url: &str, kind: AccountKind, identity: &str) -> Self {
        let h = Hashes::new(salt);
        SyncState {
            salt,
            base: h.base(base_url),
            account_kind: kind,
            account: h.account(kind, identity),
            lists: Vec::new(),
        }
    }

    /// The hashes of this state.
    pub fn hashes(&self) -> Hashes {
        Hashes::new(self.salt)
    }

    /// Memberships held, over every list.
    pub fn memberships(&self) -> usize {
        self.lists.iter().map(|l| l.entries.len()).sum()
    }

    /// The list with this title, if any.
    pub fn list_by_title(&self, title: &str) -> Option<&ListState> {
        self.lists.iter().find(|l| l.title == title)
    }

    /// Checks that this state was written for `base_url` (as
    /// [`crate::config::api_base_url`] writes it), before any request.
    pub fn check_base(&self, base_url: &str) -> Result<(), Error> {
        if self.hashes().base(base_url) == self.base {
            Ok(())
        } else {
            Err(mismatch(format!(
                "it was written for another API base URL than {base_url}; nothing was sent (run without it, or with fullResync, to start a new state)"
            )))
        }
    }

    /// Checks that this state was written for the account that answered `GET /account`
    /// (`instance_id`), or, for a state identified by key, for `key`.
    pub fn check_account(&self, instance_id: Option<&str>, key: &str) -> Result<(), Error> {
        let h = self.hashes();
        let same = match (self.account_kind, instance_id) {
            (AccountKind::Instance, Some(i)) => h.account(AccountKind::Instance, i) == self.account,
            (AccountKind::Key, _) => h.account(AccountKind::Key, key) == self.account,
            (AccountKind::Instance, None) => false,
        };
        if same {
            Ok(())
        } else {
            Err(mismatch(
                "it was written for another Autopilot account; nothing was written (run without it to start a new state for this account)",
            ))
        }
    }

    /// The binary form (see the module documentation).
    pub fn encode(&self) -> Vec<u8> {
        let entries = self.memberships();
        let mut out = Vec::with_capacity(32 + entries * ENTRY_BYTES + self.lists.len() * 64);
        out.extend_from_slice(MAGIC);
        out.push(STATE_VERSION);
        out.push(0);
        out.extend_from_slice(&self.salt.to_le_bytes());
        out.extend_from_slice(&self.base.to_le_bytes());
        out.push(match self.account_kind {
            AccountKind::Instance => 1,
            AccountKind::Key => 2,
        });
        out.extend_from_slice(&self.account.to_le_bytes());
        out.extend_from_slice(&(self.lists.len() as u32).to_le_bytes());
        let mut others: Vec<&str> = Vec::new();
        for list in &self.lists {
            push_text(&mut out, &list.id);
            push_text(&mut out, &list.title);
            out.extend_from_slice(&(list.entries.len() as u32).to_le_bytes());
            for e in &list.entries {
                out.extend_from_slice(&e.email.to_le_bytes());
                out.extend_from_slice(e.contact.to_le_bytes().get(..6).unwrap_or(&[0; 6]));
                match &e.id {
                    ContactId::Uuid(b) => out.extend_from_slice(b),
                    ContactId::Other(s) => {
                        out.extend_from_slice(&OTHER_MARK);
                        out.extend_from_slice(&(others.len() as u32).to_le_bytes());
                        others.push(s);
                    }
                }
            }
        }
        out.extend_from_slice(&(others.len() as u32).to_le_bytes());
        for s in others {
            push_text(&mut out, s);
        }
        let crc = crate::util::hash::crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads a state. Errors (`STATE_MISMATCH`): not a state of this library, an unknown
    /// version, a failed checksum, a truncated or malformed body.
    pub fn decode(bytes: &[u8]) -> Result<SyncState, Error> {
        if bytes.get(..4) != Some(&MAGIC[..]) {
            return Err(mismatch("it is not a sync state written by this library"));
        }
        match bytes.get(4) {
            Some(&STATE_VERSION) => {}
            Some(v) => {
                return Err(mismatch(format!(
                    "it has format version {v}, this library reads version {STATE_VERSION}"
                )))
            }
            None => return Err(mismatch("it is truncated")),
        }
        let body_len = bytes
            .len()
            .checked_sub(4)
            .ok_or_else(|| mismatch("it is truncated"))?;
        let (body, crc) = bytes.split_at(body_len);
        let crc = u32::from_le_bytes(crc.try_into().map_err(|_| mismatch("it is truncated"))?);
        if crate::util::hash::crc32(body) != crc {
            return Err(mismatch(
                "its checksum does not match (the stored bytes are damaged)",
            ));
        }
        let mut r = Reader { bytes: body, at: 6 };
        let salt = r.u64()?;
        let base = r.u64()?;
        let account_kind = match r.u8()? {
            1 => AccountKind::Instance,
            2 => AccountKind::Key,
            _ => return Err(mismatch("it is malformed (account kind)")),
        };
        let account = r.u64()?;
        let list_count = r.u32()? as usize;
        let mut lists = Vec::with_capacity(list_count.min(1024));
        let mut pending_other: Vec<(usize, usize, u32)> = Vec::new();
        for li in 0..list_count {
            let id = r.text()?;
            let title = r.text()?;
            let n = r.u32()? as usize;
            if n.saturating_mul(ENTRY_BYTES) > r.remaining() {
                return Err(mismatch("it is truncated"));
            }
            let mut entries = Vec::with_capacity(n);
            let mut last: Option<u64> = None;
            for ei in 0..n {
                let email = r.u64()?;
                if last.is_some_and(|l| l >= email) {
                    return Err(mismatch("it is malformed (entries out of order)"));
                }
                last = Some(email);
                let mut c = [0u8; 8];
                c.get_mut(..6)
                    .ok_or_else(|| mismatch("it is malformed"))?
                    .copy_from_slice(r.take(6)?);
                let raw = r.take(16)?;
                let id = if raw.get(..12) == Some(&OTHER_MARK[..]) {
                    let idx = raw
                        .get(12..16)
                        .and_then(|b| b.try_into().ok())
                        .map(u32::from_le_bytes)
                        .ok_or_else(|| mismatch("it is malformed"))?;
                    pending_other.push((li, ei, idx));
                    ContactId::Other(String::new())
                } else {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(raw);
                    ContactId::Uuid(b)
                };
                entries.push(Entry {
                    email,
                    contact: u64::from_le_bytes(c),
                    id,
                });
            }
            lists.push(ListState { id, title, entries });
        }
        let other_count = r.u32()? as usize;
        let mut others = Vec::with_capacity(other_count.min(r.remaining() / 2));
        for _ in 0..other_count {
            others.push(r.text()?);
        }
        if r.remaining() != 0 {
            return Err(mismatch("it is malformed (trailing bytes)"));
        }
        for (li, ei, idx) in pending_other {
            let text = others
                .get(idx as usize)
                .cloned()
                .ok_or_else(|| mismatch("it is malformed (contact id table)"))?;
            if let Some(e) = lists.get_mut(li).and_then(|l| l.entries.get_mut(ei)) {
                e.id = ContactId::Other(text);
            }
        }
        Ok(SyncState {
            salt,
            base,
            account_kind,
            account,
            lists,
        })
    }
}

fn push_text(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(MAX_TEXT);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let t = s.get(..end).unwrap_or("");
    out.extend_from_slice(&(t.len() as u16).to_le_bytes());
    out.extend_from_slice(t.as_bytes());
}

/// A bounds-checked cursor over the body.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| mismatch("it is truncated"))?;
        let s = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| mismatch("it is truncated"))?;
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        self.take(1)?
            .first()
            .copied()
            .ok_or_else(|| mismatch("it is truncated"))
    }
    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(
            self.take(4)?
                .try_into()
                .map_err(|_| mismatch("it is truncated"))?,
        ))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(
            self.take(8)?
                .try_into()
                .map_err(|_| mismatch("it is truncated"))?,
        ))
    }
    fn text(&mut self) -> Result<String, Error> {
        let n = u16::from_le_bytes(
            self.take(2)?
                .try_into()
                .map_err(|_| mismatch("it is truncated"))?,
        ) as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| mismatch("it is malformed (text)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_folding_is_the_email_hash_of_the_lower_cased_address() {
        let h = Hashes::new(0x1234_5678_9ABC_DEF0);
        let long = format!("{}@Example.COM", "Ab".repeat(70));
        for e in ["", "a@b.co", "Ada.Lovelace@EXAMPLE.com", long.as_str()] {
            assert_eq!(h.email_folding(e), h.email(&e.to_ascii_lowercase()), "{e}");
        }
    }

    fn sample() -> SyncState {
        let mut s = SyncState::new(
            42,
            &crate::config::api_base_url(Some("https://API.example/v1/")),
            AccountKind::Instance,
            "instance_1",
        );
        let h = s.hashes();
        let mut entries: Vec<Entry> = (0..50)
            .map(|i| Entry {
                email: h.email(&format!("p{i}@example.com")),
                contact: h.contact(&format!("p{i}@example.com"), "\"FirstName\":\"P\""),
                id: if i % 7 == 0 {
                    ContactId::parse(&format!("person_AP2-{i:08x}"))
                } else {
                    ContactId::parse(&format!("person_{:08X}-0000-4000-8000-{:012X}", i, i * 3))
                },
            })
            .collect();
        entries.sort_by_key(|e| e.email);
        s.lists.push(ListState {
            id: "contactlist_1".into(),
            title: "VIP".into(),
            entries,
        });
        s.lists.push(ListState {
            id: String::new(),
            title: String::new(),
            entries: Vec::new(),
        });
        s
    }

    #[test]
    fn round_trips_and_stays_compact() {
        let s = sample();
        let bytes = s.encode();
        assert_eq!(SyncState::decode(&bytes).ok(), Some(s.clone()));
        // Size with Autopilot's usual ids, over three lists of 1,000.
        let mut big = SyncState::new(1, "https://x.test/v1", AccountKind::Key, "k");
        let h = big.hashes();
        for l in 0..3 {
            let mut entries: Vec<Entry> = (0..1000u64)
                .map(|i| Entry {
                    email: h.email(&format!("p{i}@x.test")),
                    contact: 7,
                    id: ContactId::Uuid([i as u8; 16]),
                })
                .collect();
            entries.sort_by_key(|e| e.email);
            big.lists.push(ListState {
                id: format!("contactlist_{l}"),
                title: format!("Segment {l}"),
                entries,
            });
        }
        let per = big.encode().len() as f64 / big.memberships() as f64;
        assert!(per <= 30.1, "{per} bytes per membership");
        assert!(s.check_base("https://api.example/v1").is_ok());
        assert!(s
            .check_base(&crate::config::api_base_url(Some(
                " HTTPS://Api.Example/v1//"
            )))
            .is_ok());
        assert!(s.check_base("https://api.example/v2").is_err());
        assert!(s.check_account(Some("instance_1"), "k").is_ok());
        assert!(s.check_account(Some("instance_2"), "k").is_err());
    }

    #[test]
    fn base_hashes_of_earlier_states_still_match() {
        // Written by the code before `config::api_base_url` (which hashed its own
        // normalisation of the trimmed base): a state on disk must still be accepted.
        let h = Hashes::new(42);
        for (typed, hash) in [
            ("HTTPS://Api.Example:8443/V1/", 0x13a6_6bd3_8c5a_e43d_u64),
            ("http://[::1]:9000/v1", 0x6261_0bbc_c3ad_c567),
            (" https://Api.Example.test/V1// ", 0x2837_4a83_223c_b54d),
        ] {
            let base = crate::config::api_base_url(Some(typed));
            assert_eq!(h.base(&base), hash, "{typed}");
        }
    }

    #[test]
    fn contact_ids_round_trip() {
        for id in [
            "person_9EAF39E4-9AEC-4134-964A-D9D8D54162E7",
            "person_AP2-1d2c",
            "person_9eaf39e4-9aec-4134-964a-d9d8d54162e7",
            "person_FFFFFFFF-FFFF-FFFF-FFFF-FFFF00000001",
            "",
        ] {
            assert_eq!(ContactId::parse(id).to_text(), id);
        }
        assert!(matches!(
            ContactId::parse("person_9EAF39E4-9AEC-4134-964A-D9D8D54162E7"),
            ContactId::Uuid(_)
        ));
    }

    #[test]
    fn every_single_byte_corruption_is_a_mismatch() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut b = bytes.clone();
                if let Some(x) = b.get_mut(i) {
                    *x ^= flip;
                }
                let e = SyncState::decode(&b).err().map(|e| e.code);
                assert_eq!(e, Some(ErrorCode::StateMismatch), "byte {i} ^ {flip:#x}");
            }
        }
        for n in 0..bytes.len() {
            assert!(SyncState::decode(bytes.get(..n).unwrap_or(&[])).is_err()); // ok: test
        }
    }
}
