//! Email syntax check, normalisation and dedupe key (DESIGN.md §4).
//!
//! Valid means: the WHATWG HTML "valid e-mail address" syntax, at most 254 characters (local
//! part at most 64), and a domain with at least one dot and labels of 1–63 characters.
//! Addresses with non-ASCII characters get their own reason. The address is sent with its
//! domain lower-cased and its local part as given; the dedupe key is the whole address
//! lower-cased.

use crate::report::RejectReason;

/// The longest address accepted.
pub const MAX_LEN: usize = 254;
/// The longest local part accepted.
pub const MAX_LOCAL_LEN: usize = 64;

/// Checks and normalises `raw` (surrounding white space is ignored). Returns the address to
/// send, or the reason it is rejected.
///
/// ```
/// use autopilot_export::email::normalize;
/// assert_eq!(normalize(" Ada.Lovelace@Example.COM "), Ok("Ada.Lovelace@example.com".to_string()));
/// assert!(normalize("no-at-sign").is_err());
/// ```
pub fn normalize(raw: &str) -> Result<String, RejectReason> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(RejectReason::EmailMissing);
    }
    if !s.is_ascii() {
        return Err(RejectReason::EmailNonAscii);
    }
    // One pass over the bytes (this runs for every row): the local part up to the first
    // `@`, then the domain's labels.
    let bytes = s.as_bytes();
    let at = bytes
        .iter()
        .position(|&b| b == b'@')
        .ok_or(RejectReason::EmailInvalid)?;
    let (local, domain) = (
        bytes.get(..at).unwrap_or(&[]),
        bytes.get(at + 1..).unwrap_or(&[]),
    );
    if local.is_empty() || !local.iter().copied().all(is_local_byte) {
        return Err(RejectReason::EmailInvalid);
    }
    if !domain_ok(domain) {
        return Err(RejectReason::EmailInvalid);
    }
    if s.len() > MAX_LEN || local.len() > MAX_LOCAL_LEN {
        return Err(RejectReason::EmailTooLong);
    }
    let mut out = s.to_string();
    if let Some(d) = out.get_mut(at + 1..) {
        d.make_ascii_lowercase();
    }
    Ok(out)
}

/// A domain with at least one dot whose labels all pass [`is_label`] (one pass).
fn domain_ok(domain: &[u8]) -> bool {
    let mut labels = 0;
    let mut start = 0;
    for (i, &b) in domain.iter().enumerate() {
        if b == b'.' {
            if !is_label(domain.get(start..i).unwrap_or(&[])) {
                return false;
            }
            labels += 1;
            start = i + 1;
        }
    }
    labels > 0 && is_label(domain.get(start..).unwrap_or(&[]))
}

/// The dedupe key of a normalised address: the whole address lower-cased.
pub fn dedupe_key(normalized: &str) -> String {
    normalized.to_ascii_lowercase()
}

/// Whether two normalised addresses are the same contact (same dedupe key).
pub fn same_contact(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b)
}

fn is_label(b: &[u8]) -> bool {
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.first() != Some(&b'-')
        && b.last() != Some(&b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use RejectReason::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(normalize("ada@example.com"), Ok("ada@example.com".into()));
        assert_eq!(
            normalize("\tAda@EXAMPLE.Co.Uk\n"),
            Ok("Ada@example.co.uk".into())
        );
        assert_eq!(
            normalize("a.b+tag@sub-domain.example.org"),
            Ok("a.b+tag@sub-domain.example.org".into())
        );
        assert_eq!(
            normalize("o'brien@example.ie"),
            Ok("o'brien@example.ie".into())
        );
        assert_eq!(
            normalize("x!#$%&*/=?^_`{|}~-@a1.b2"),
            Ok("x!#$%&*/=?^_`{|}~-@a1.b2".into())
        );
    }

    #[test]
    fn rejects_with_reasons() {
        assert_eq!(normalize(""), Err(EmailMissing));
        assert_eq!(normalize("   "), Err(EmailMissing));
        assert_eq!(normalize("ada"), Err(EmailInvalid));
        assert_eq!(normalize("ada@localhost"), Err(EmailInvalid));
        assert_eq!(normalize("@example.com"), Err(EmailInvalid));
        assert_eq!(normalize("ada@@example.com"), Err(EmailInvalid));
        assert_eq!(normalize("a b@example.com"), Err(EmailInvalid));
        assert_eq!(normalize("ada@-example.com"), Err(EmailInvalid));
        assert_eq!(normalize("ada@example-.com"), Err(EmailInvalid));
        assert_eq!(normalize("ada@example..com"), Err(EmailInvalid));
        assert_eq!(normalize("ada@example.com."), Err(EmailInvalid));
        assert_eq!(normalize("\"ada\"@example.com"), Err(EmailInvalid));
        assert_eq!(normalize("jürgen@example.de"), Err(EmailNonAscii));
        assert_eq!(normalize("ada@bücher.de"), Err(EmailNonAscii));
    }

    #[test]
    fn length_limits() {
        let local64 = "a".repeat(64);
        assert!(normalize(&format!("{local64}@example.com")).is_ok());
        assert_eq!(
            normalize(&format!("a{local64}@example.com")),
            Err(EmailTooLong)
        );
        let label63 = "b".repeat(63);
        assert!(normalize(&format!("a@{label63}.com")).is_ok());
        assert_eq!(normalize(&format!("a@{label63}b.com")), Err(EmailInvalid));
        // 254 total is fine, 255 is not.
        let domain = format!(
            "{}.{}.{}.{}",
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(60)
        );
        let ok = format!("a@{domain}");
        assert_eq!(ok.len(), 254);
        assert!(normalize(&ok).is_ok());
        assert_eq!(normalize(&format!("ab@{domain}")), Err(EmailTooLong));
    }

    #[test]
    fn dedupe_key_is_whole_address_lower_cased() {
        let a = normalize("Ada@Example.com").unwrap(); // ok: test
        let b = normalize("ada@EXAMPLE.COM").unwrap(); // ok: test
        assert_ne!(a, b, "local part is sent as given");
        assert_eq!(dedupe_key(&a), dedupe_key(&b));
        assert!(same_contact(&a, &b));
        assert!(!same_contact(&a, "ada@example.org"));
    }

    /// The rules as first written (split on `@` and `.`): the one-pass version must agree.
    #[cfg(not(target_arch = "wasm32"))]
    fn reference(raw: &str) -> Result<String, RejectReason> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(EmailMissing);
        }
        if !s.is_ascii() {
            return Err(EmailNonAscii);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailInvalid)?;
        if local.is_empty() || !local.bytes().all(is_local_byte) {
            return Err(EmailInvalid);
        }
        if !domain.contains('.') || !domain.split('.').all(|l| is_label(l.as_bytes())) {
            return Err(EmailInvalid);
        }
        if s.len() > MAX_LEN || local.len() > MAX_LOCAL_LEN {
            return Err(EmailTooLong);
        }
        let mut out = s.to_string();
        if let Some(d) = out.get_mut(local.len() + 1..) {
            d.make_ascii_lowercase();
        }
        Ok(out)
    }

    // proptest is a host-only dev-dependency (Cargo.toml).
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn one_pass_agrees_with_the_reference(s in "[ a-zA-Z0-9.@_+-]{0,24}|.{0,12}") {
            proptest::prop_assert_eq!(normalize(&s), reference(&s));
        }
    }
}
