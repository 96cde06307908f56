//! The parts of an absolute `http(s)://` URL that the core shows or checks: its host (without
//! credentials) and what follows it. Not a URL parser (no percent-decoding, no IDNA, no
//! normalisation): only the split of RFC 3986 §3 at `://` and at the first `/`, `?` or `#`.

/// `(scheme, host[:port] without credentials, the rest from the path on)` of an absolute
/// URL; `None` for a relative one.
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
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
    }
}
