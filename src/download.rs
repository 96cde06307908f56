//! Segment sources at a URL (DESIGN.md §10, issue 11): `{ url, format, headers? }`, where
//! an unattended host (cron, the extension, the edge worker) reads a segment export as the
//! customer-data platform writes it. The host streams the body with its own `fetch` into the
//! parsers; the rules are here: which URLs are allowed, the request to make, and when a
//! download counts as complete. A failed or partial download aborts the run before any
//! write — never a refresh computed from half a file, which would look like mass leavers.

use crate::config::is_loopback_url;
use crate::error::{AddIssue, Error, ErrorCode, Issue, IssueCode};
use crate::http::{HeaderValue, Method, Request};
use crate::input::Format;
use crate::util::string_map::StringMap;
use serde::Deserialize;

/// A source at a URL as the caller describes it (JS `{ url, format, headers?, delimiter?,
/// encoding? }`; `delimiter`/`encoding` are the byte source options of [`crate::input`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct UrlSource {
    /// `https://…` (or `http://` on a loopback host).
    pub url: String,
    /// `csv`, `ndjson` or `json`.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "\"csv\" | \"ndjson\" | \"json\"")
    )]
    pub format: String,
    /// Request headers (e.g. `authorization: Bearer …`), sent as given.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, string>"))]
    pub headers: StringMap,
    /// CSV delimiter (see the byte source options).
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "\",\" | \";\" | \"\\t\" | \"|\"")
    )]
    pub delimiter: Option<String>,
    /// Text encoding label (see the byte source options).
    #[serde(default)]
    pub encoding: Option<String>,
}

/// Longest time a download may take, in milliseconds (a segment export of 100,000 rows is
/// tens of megabytes).
pub const DOWNLOAD_TIMEOUT_MS: f64 = 600_000.0;

impl UrlSource {
    /// The format, when it is one of the byte formats.
    pub fn parsed_format(&self) -> Option<Format> {
        Format::named(&self.format)
    }

    /// The byte source options (`delimiter`, `encoding`) of this source.
    pub fn options(&self) -> crate::input::SourceOptions {
        crate::input::SourceOptions {
            delimiter: self.delimiter.clone(),
            encoding: self.encoding.clone(),
        }
    }

    /// Every problem of this source; paths start with `prefix` (`segments[0].profiles.`).
    pub fn validate(&self, prefix: &str) -> Vec<Issue> {
        let mut issues = Vec::new();
        let url = self.url.trim();
        let scheme_ok =
            url.starts_with("https://") || (url.starts_with("http://") && is_loopback_url(url));
        if url.is_empty() || !scheme_ok || url.contains(char::is_whitespace) {
            issues.add(
                format!("{prefix}url"),
                IssueCode::SourceUrlInvalid,
                "the source URL must be https:// (http:// only for loopback hosts such as 127.0.0.1): the profiles are personal data",
            );
        }
        if self.parsed_format().is_none() {
            issues.add(
                format!("{prefix}format"),
                IssueCode::SourceFormatUnknown,
                "the format of a URL source must be 'csv', 'ndjson' or 'json'",
            );
        }
        for (name, value) in self.headers.iter() {
            let ok =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !ok {
                issues.add(
                    format!("{prefix}headers.{name}"),
                    IssueCode::SourceUrlInvalid,
                    "a header name has letters, digits and '-' only",
                );
            } else if !header_value_ok(value) {
                // The value is never quoted: it is often a token (`authorization`).
                issues.add(
                    format!("{prefix}headers.{name}"),
                    IssueCode::SourceUrlInvalid,
                    "a header value has visible characters, spaces and tabs only (no line breaks, no control characters, nothing above U+00FF)",
                );
            }
        }
        issues
    }

    /// The `GET` request of this source (never redirected: a redirect is a failed download).
    pub fn request(&self, id: u64) -> Request {
        Request {
            id,
            method: Method::Get,
            url: self.url.trim().to_string(),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), HeaderValue::Private(v.to_string())))
                .collect(),
            body: None,
            timeout_ms: DOWNLOAD_TIMEOUT_MS,
            response_headers: &[CONTENT_LENGTH, CONTENT_ENCODING, LOCATION],
            attempt: 1,
            batch: None,
        }
    }
}

/// Whether `v` is a header value `fetch` accepts: HTAB, SP, visible ASCII and obs-text
/// (U+0080–U+00FF, one byte each in a JS `ByteString`) (RFC 9110 §5.5 field-value; the Fetch
/// standard's header value; leading and trailing whitespace, which it strips, is allowed).
/// Anything else makes the runtime throw an error that quotes the value.
fn header_value_ok(v: &str) -> bool {
    v.chars()
        .all(|c| matches!(c, '\t' | ' '..='~' | '\u{80}'..='\u{ff}'))
}

/// Response headers the checks read (`Request::response_headers` of a download).
pub const CONTENT_LENGTH: &str = "content-length";
/// See [`CONTENT_LENGTH`].
pub const CONTENT_ENCODING: &str = "content-encoding";
/// See [`CONTENT_LENGTH`].
pub const LOCATION: &str = "location";

/// The value of response header `name` among `headers` (as the runtime gave them).
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn failed(segment: usize, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InputInvalid,
        format!("segments[{segment}].profiles: the download failed: {why}; nothing was written"),
    )
}

/// Checks the status of a download's response (`headers`: those of
/// `Request::response_headers` the response had).
pub fn check_status(
    segment: usize,
    status: u16,
    headers: &[(String, String)],
) -> Result<(), Error> {
    let location = header(headers, LOCATION);
    match status {
        200..=299 => Ok(()),
        0 | 300..=399 => Err(failed(
            segment,
            format!(
                "the server answered a redirect{}, which is not followed: use the final URL",
                location
                    .map(|l| format!(" to {}", crate::util::url::shown(l)))
                    .unwrap_or_default()
            ),
        )),
        401 | 403 => Err(failed(
            segment,
            format!("HTTP {status}: check the source's authorization header"),
        )),
        _ => Err(failed(segment, format!("HTTP {status}"))),
    }
}

/// Checks that a download is complete: `received` bytes against the announced length. A
/// body sent with a `Content-Encoding` (gzip, br) reaches the caller decoded, while its
/// `Content-Length` counts the encoded bytes (RFC 9110 §8.6): it is not compared then.
pub fn check_complete(
    segment: usize,
    headers: &[(String, String)],
    received: u64,
) -> Result<(), Error> {
    let encoded = header(headers, CONTENT_ENCODING)
        .is_some_and(|e| !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity"));
    if encoded {
        return Ok(());
    }
    match header(headers, CONTENT_LENGTH).and_then(|a| a.trim().parse::<u64>().ok()) {
        Some(n) if n != received => Err(failed(
            segment,
            format!("{received} of {n} bytes arrived (the connection ended early)"),
        )),
        _ => Ok(()),
    }
}

/// The error of a download of `request` that broke off (`why`: the runtime's message, which
/// may quote the URL; shown [`without_secrets`], the request's header values included).
pub fn broken(segment: usize, received: u64, why: &str, request: &Request) -> Error {
    let secrets: Vec<&str> = request.headers.iter().map(|(_, v)| v.expose()).collect();
    let why = without_secrets(why, &secrets);
    failed(
        segment,
        format!("the connection broke after {received} bytes ({why})"),
    )
}

/// `text` with every http(s) URL in it cut to scheme, host and path (credentials, query and
/// fragment left out: a redirect's `Location` or a runtime's message may carry a signed
/// token) and each of `secrets` (a source's header values) replaced by `[secret]`.
pub fn without_secrets(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let next_url = |t: &str| {
        [t.find("http://"), t.find("https://")]
            .into_iter()
            .flatten()
            .min()
    };
    while let Some(at) = next_url(rest) {
        let (before, url_on) = rest.split_at(at);
        out.push_str(before);
        let end = url_on
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ',' | ';' | ')')
            })
            .unwrap_or(url_on.len());
        let (url, after) = url_on.split_at(end);
        out.push_str(&crate::util::url::shown(url));
        rest = after;
    }
    out.push_str(rest);
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, "[secret]");
    }
    out
}

// The core's reader (crate::read); the keys are serde's (a test checks them).
crate::read::readable_struct!(UrlSource {
    url: "url",
    format: "format",
    headers: "headers",
    delimiter: "delimiter",
    encoding: "encoding",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn head(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn status_and_completeness() {
        assert!(check_status(0, 200, &[]).is_ok());
        let e = check_status(1, 302, &head(&[("location", "https://elsewhere/x")])).unwrap_err(); // ok: test
        assert_eq!(e.code, ErrorCode::InputInvalid);
        assert!(
            e.message.contains("redirect to https://elsewhere/x"),
            "{}",
            e.message
        );
        assert!(check_status(0, 403, &[])
            .unwrap_err()
            .message
            .contains("authorization")); // ok: test
        assert!(check_complete(0, &head(&[("content-length", "10")]), 10).is_ok());
        let e = check_complete(2, &head(&[("Content-Length", "10")]), 7).unwrap_err(); // ok: test
        assert!(e.message.contains("7 of 10 bytes"), "{}", e.message);
        assert!(check_complete(0, &[], 7).is_ok());
    }

    #[test]
    fn an_encoded_body_is_not_held_to_its_encoded_length() {
        // fetch hands the body over decoded; Content-Length counts the gzip bytes.
        let gz = head(&[("content-length", "1000"), ("content-encoding", "gzip")]);
        assert!(check_complete(0, &gz, 15_000).is_ok());
        let identity = head(&[("content-length", "1000"), ("content-encoding", "identity")]);
        assert!(check_complete(0, &identity, 15_000).is_err());
    }

    #[test]
    fn header_values_that_fetch_would_refuse_are_issues_that_never_quote_the_value() {
        let source = |value: &str| UrlSource {
            url: "https://example.test/p.csv".into(),
            format: "csv".into(),
            headers: StringMap(vec![("authorization".to_string(), value.to_string())]),
            ..UrlSource::default()
        };
        for ok in ["Bearer abc", " padded\t", "caf\u{e9}", ""] {
            assert!(source(ok).validate("p.").is_empty(), "{ok:?}");
        }
        for bad in [
            "Bearer SECRET\nx",
            "SECRET\r",
            "SECRET\0",
            "SECRET\u{100}",
            "SECRET\u{1F600}",
        ] {
            let issues = source(bad).validate("p.");
            assert_eq!(issues.len(), 1, "{bad:?}");
            assert_eq!(issues[0].path, "p.headers.authorization"); // ok: test
            assert!(
                !issues[0].message.contains("SECRET"),
                "{}",
                issues[0].message
            ); // ok: test
        }
    }

    #[test]
    fn plain_http_only_to_a_host_fetch_reads_as_loopback() {
        let source = |url: &str| UrlSource {
            url: url.into(),
            format: "csv".into(),
            ..UrlSource::default()
        };
        for ok in [
            "https://files.test/p.csv",
            "http://127.0.0.1:8080/p.csv",
            "http://localhost/p.csv",
            "http://127.0.0.1\\p.csv",
        ] {
            assert!(source(ok).validate("p.").is_empty(), "{ok:?}");
        }
        // fetch ends the host at `\\` (WHATWG URL Standard): these go to files.test over
        // plain HTTP, with the source's headers (often a bearer token).
        for bad in [
            "http://files.test\\@127.0.0.1/p.csv",
            "http://files.test\\@localhost:8080/p.csv",
            "http://files.test/@127.0.0.1/p.csv",
            "http://127.0.0.1@files.test/p.csv",
        ] {
            let issues = source(bad).validate("p.");
            assert_eq!(issues.len(), 1, "{bad:?}");
            assert_eq!(issues[0].code, IssueCode::SourceUrlInvalid); // ok: test
        }
    }

    #[test]
    fn messages_carry_no_url_token_credentials_or_header_value() {
        let text = "error sending request for url (https://user:pw@files.test/p.csv?sig=abc#x): Bearer TOKEN-1 refused; see http://h.test/a?b";
        let out = without_secrets(text, &["Bearer TOKEN-1", ""]);
        assert_eq!(
            out,
            "error sending request for url (https://files.test/p.csv): [secret] refused; see http://h.test/a"
        );
        let e = check_status(
            0,
            307,
            &head(&[("location", "https://cdn.test/f.csv?X-Sig=zz")]),
        )
        .unwrap_err(); // ok: test
        assert!(
            e.message.contains("redirect to https://cdn.test/f.csv,"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("zz"), "{}", e.message);
        let e = check_status(0, 302, &head(&[("location", "/cut.csv?sig=zz#f")])).unwrap_err(); // ok: test
        assert!(e.message.contains("redirect to /cut.csv,"), "{}", e.message);
    }
}
