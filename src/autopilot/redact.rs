//! Keeping personal data and secrets out of what a server said, before it goes into a
//! report, an error or a log.

/// Removes personal data from a server message so that it can go into a report: every
/// email-like token (`local@domain`, also URL-encoded `local%40domain`) becomes `[email]`,
/// `email` itself (any case) too, and long runs of hex digits (which could be a key) become
/// `[redacted]`. Control characters become spaces.
pub fn redact(text: &str, email: Option<&str>) -> String {
    let mut s = text.to_string();
    if let Some(e) = email.map(str::trim).filter(|e| !e.is_empty()) {
        s = replace_ignore_ascii_case(&s, e, "[email]");
    }
    let s = redact_email_like(&s);
    let s = redact_hex_runs(&s);
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn replace_ignore_ascii_case(haystack: &str, needle: &str, with: &str) -> String {
    let lower_h = haystack.to_ascii_lowercase();
    let lower_n = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(haystack.len());
    let mut pos = 0;
    while let Some(found) = lower_h.get(pos..).and_then(|h| h.find(&lower_n)) {
        let start = pos + found;
        out.push_str(haystack.get(pos..start).unwrap_or(""));
        out.push_str(with);
        pos = start + lower_n.len();
    }
    out.push_str(haystack.get(pos..).unwrap_or(""));
    out
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-\"".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'[' || b == b']' || b == b':'
}

/// Replaces `x@y` / `x%40y` tokens by `[email]`.
fn redact_email_like(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0; // bytes of `s` already handled
    let mut i = 0;
    while i < bytes.len() {
        let at_len = if bytes.get(i) == Some(&b'@') {
            1
        } else if bytes
            .get(i..i + 3)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"%40"))
        {
            3
        } else {
            0
        };
        if at_len == 0 {
            i += 1;
            continue;
        }
        let mut l = i;
        while l > copied && bytes.get(l - 1).is_some_and(|&b| is_local_byte(b)) {
            l -= 1;
        }
        let mut r = i + at_len;
        while bytes.get(r).is_some_and(|&b| is_domain_byte(b)) {
            r += 1;
        }
        // Trailing dots belong to the sentence, not the address.
        while r > i + at_len && bytes.get(r - 1) == Some(&b'.') {
            r -= 1;
        }
        out.push_str(s.get(copied..l).unwrap_or(""));
        out.push_str("[email]");
        copied = r;
        i = r.max(i + 1);
    }
    out.push_str(s.get(copied..).unwrap_or(""));
    out
}

/// Replaces runs of 24 or more hex digits by `[redacted]`.
fn redact_hex_runs(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
            let start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
                i += 1;
            }
            if i - start >= 24 {
                out.push_str(s.get(copied..start).unwrap_or(""));
                out.push_str("[redacted]");
                copied = i;
            }
        } else {
            i += 1;
        }
    }
    out.push_str(s.get(copied..).unwrap_or(""));
    out
}

/// `s` cut to at most `max` characters (with `…` when cut).
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((cut, _)) => {
            let mut out = s.get(..cut).unwrap_or("").to_string();
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_emails_and_keys() {
        assert_eq!(
            redact("bad contact Ada.L+x@Example.COM.", None),
            "bad contact [email]."
        );
        assert_eq!(redact("see ada%40example.com&y", None), "see [email]&y");
        // Conservative: characters allowed in a local part are taken along.
        assert_eq!(redact("to=ada@example.com", None), "[email]");
        assert_eq!(
            redact(
                "weird \"ada lovelace\"@example.com",
                Some("\"ada lovelace\"@example.com")
            ),
            "weird [email]"
        );
        assert_eq!(
            redact("key 0123456789abcdef0123456789abcdef bad", None),
            "key [redacted] bad"
        );
        assert_eq!(
            redact("list contactlist_11944F3C-F91F-48AD", None),
            "list contactlist_11944F3C-F91F-48AD"
        );
        assert_eq!(redact("line\nbreak @ é", None), "line break [email] é");
        assert!(!redact("a@b c@d e@", Some("x")).contains('@'));
        assert_eq!(truncate_chars("ééé", 2), "éé…");
    }
}
