//! The parts of an absolute `http(s)://` URL that the core shows or checks: its host (without
//! credentials) and what follows it. Not a URL parser (no percent-decoding, no IDNA, no
//! normalisation): only the split of RFC 3986 §3 at `://` and at the first `/`, `?` or `#`,
//! and at `\`, which the WHATWG URL Standard (what `fetch` parses with) reads as `/` in
//! `http(s)` URLs: `http://a.test\@127.0.0.1/` goes to `a.test`, so its host is `a.test` here
//! too.

/// `(scheme, host[:port] without credentials, the rest from the path on)` of an absolute
/// URL; `None` for a relative one. The authority ends at the first `/`, `\`, `?` or `#`
/// (WHATWG URL Standard, authority state, for special schemes).
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    Some((scheme, host, tail))
}

/// `host[:port]` of an absolute URL, without credentials (`https://u:p@a.test:8/x` →
/// `a.test:8`).
pub fn host(url: &str) -> Option<&str> {
    split(url).map(|(_, host, _)| host)
}

/// `scheme://host[:port]` of an absolute URL, without credentials.
pub fn origin(url: &str) -> Option<String> {
    split(url).map(|(scheme, host, _)| format!("{scheme}://{host}"))
}

/// `url` with its scheme and host lower-cased (they are case-insensitive: RFC 3986 §3.1,
/// §3.2.2) and without credentials; the path on is kept as is (`HTTPS://Api.Test/V1` →
/// `https://api.test/V1`). A relative `url` is returned as is.
pub fn lower_case_origin(url: &str) -> String {
    match split(url) {
        Some((scheme, host, tail)) => format!(
            "{}://{}{tail}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ),
        None => url.to_string(),
    }
}

/// `url` (absolute, or relative such as a `Location` path) as it may be shown: without
/// credentials, query and fragment (they may carry a token).
pub fn shown(url: &str) -> String {
    let cut = |s: &str| s.split(['?', '#']).next().unwrap_or_default().to_string();
    match split(url) {
        Some((scheme, host, tail)) => format!("{scheme}://{host}{}", cut(tail)),
        None => cut(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_origins_and_shown_urls() {
        let url = "https://u:p@a.test:8/x/y?sig=1#f";
        assert_eq!(host(url), Some("a.test:8"));
        assert_eq!(origin(url).as_deref(), Some("https://a.test:8"));
        assert_eq!(shown(url), "https://a.test:8/x/y");
        assert_eq!(shown("https://a.test?sig=1"), "https://a.test");
        assert_eq!(shown("/cut.csv?sig=zz#f"), "/cut.csv");
        assert_eq!(host("/relative"), None);
        assert_eq!(
            lower_case_origin("HTTPS://Api.Test:8/V1/x"),
            "https://api.test:8/V1/x"
        );
        assert_eq!(lower_case_origin("/Rel"), "/Rel");
    }

    #[test]
    fn a_backslash_ends_the_host_as_fetch_reads_it() {
        // fetch sends this to a.test (path `/@127.0.0.1/x`), not to the loopback host.
        assert_eq!(host("http://a.test\\@127.0.0.1/x"), Some("a.test"));
        assert_eq!(shown("https://a.test\\x?sig=1"), "https://a.test\\x");
        assert_eq!(host("http://u:p@127.0.0.1:8\\x"), Some("127.0.0.1:8"));
    }
}
