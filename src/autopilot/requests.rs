//! Complete requests for every Autopilot call the exporter makes (research notes
//! `autopilot-api.md` §1.2 auth header, §1.3 endpoints, §1.6 bulk upsert). The key goes only
//! into the `autopilotapikey` header, as a [`HeaderValue::Secret`] that `Debug` never prints.

use crate::config::{ApiKey, Connection};
use crate::http::{HeaderValue, Method, Request};
use crate::util::json::push_json_str;

/// The request header carrying the API key (raw key, no scheme) [APIARY-2015], [N8N].
pub const API_KEY_HEADER: &str = "autopilotapikey";
/// `GET`: account information, `{"instanceId", ...}` [FORMIE], [TORCH].
pub const PATH_ACCOUNT: &str = "/account";
/// `GET`: every list, `{"lists":[{"list_id","title"}]}` [RUBY-VCR], [N8N].
pub const PATH_LISTS: &str = "/lists";
/// `POST` `{"name": title}`: creates a list, `{"list_id"}`; `409` if the title exists
/// [APIARY-2015].
pub const PATH_LIST: &str = "/list";
/// `POST` `{"contacts":[...]}` (at most 100): bulk upsert keyed by email [BLOG-BULK].
pub const PATH_CONTACTS: &str = "/contacts";
/// Response headers the exporter reads: a throttle hint, and where a redirect pointed (for
/// the error message only; redirects are never followed).
pub const RESPONSE_HEADERS: &[&str] = &["retry-after", "location"];

/// What a path segment leaves as it is: RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`); every other byte of its UTF-8 is `%XX`.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` as a path segment ([`PATH_SEGMENT`]). Ids are always encoded: a client mock shows
/// `contactlist_Sunset Contacts` (§1.8).
fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string()
}

/// Builds requests against one API base with one key.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    key: ApiKey,
    timeout_ms: f64,
}

impl Api {
    /// Requests to `conn`'s API base (without a trailing slash) with its key, each aborted
    /// after `timeout_ms`.
    pub fn new(conn: &Connection, timeout_ms: f64) -> Self {
        Api {
            base: conn.api_base(),
            key: conn.api_key.clone(),
            timeout_ms,
        }
    }

    /// The API base these requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The key (for redacting it from answers).
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    fn request(&self, id: u64, method: Method, path: &str, body: Option<String>) -> Request {
        let mut headers = vec![
            (
                API_KEY_HEADER.to_string(),
                HeaderValue::Secret(self.key.clone()),
            ),
            ("accept".to_string(), HeaderValue::Text("application/json")),
        ];
        if body.is_some() {
            headers.push((
                "content-type".to_string(),
                HeaderValue::Text("application/json"),
            ));
        }
        Request {
            id,
            method,
            url: format!("{}{path}", self.base),
            headers,
            body,
            timeout_ms: self.timeout_ms,
            response_headers: RESPONSE_HEADERS,
            attempt: 1,
            batch: None,
        }
    }

    /// `GET /account`.
    pub fn account(&self, id: u64) -> Request {
        self.request(id, Method::Get, PATH_ACCOUNT, None)
    }

    /// `GET /lists`.
    pub fn lists(&self, id: u64) -> Request {
        self.request(id, Method::Get, PATH_LISTS, None)
    }

    /// `POST /list` `{"name": title}`.
    pub fn create_list(&self, id: u64, title: &str) -> Request {
        let mut body = String::with_capacity(title.len() + 12);
        body.push_str("{\"name\":");
        push_json_str(&mut body, title);
        body.push('}');
        self.request(id, Method::Post, PATH_LIST, Some(body))
    }

    /// `POST /contacts` with a body built by the plan (`{"contacts":[...]}`, ≤ 100).
    pub fn upsert(&self, id: u64, body: String) -> Request {
        self.request(id, Method::Post, PATH_CONTACTS, Some(body))
    }

    /// `DELETE /list/{list_id}/contact/{contact_id}`: removes a membership, never the
    /// contact ([TORCH], [N8N], [PHP]); both ids are percent-encoded.
    pub fn remove(&self, id: u64, list_id: &str, contact_id: &str) -> Request {
        let path = format!(
            "{PATH_LIST}/{}/contact/{}",
            segment(list_id),
            segment(contact_id)
        );
        self.request(id, Method::Delete, &path, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_unreserved_characters_only() {
        for (s, want) in [
            ("", ""),
            (
                "contactlist_Sunset Contacts",
                "contactlist_Sunset%20Contacts",
            ),
            (
                "person_9EAF39E4-9AEC-4134-964A-D9D8D54162E7",
                "person_9EAF39E4-9AEC-4134-964A-D9D8D54162E7",
            ),
            ("a/b?c#d%e~f.g_h", "a%2Fb%3Fc%23d%25e~f.g_h"),
            ("caf\u{e9} \u{0}\u{7f}", "caf%C3%A9%20%00%7F"),
        ] {
            assert_eq!(segment(s), want, "{s}");
        }
    }

    fn api() -> Api {
        let conn = Connection {
            api_key: ApiKey::new("0123456789abcdef0123456789abcdef"),
            base_url: Some("https://example.test/v1/".into()),
            ..Connection::default()
        };
        Api::new(&conn, 1000.0)
    }

    #[test]
    fn requests_are_complete() {
        let r = api().create_list(3, "VIP \"gold\"");
        assert_eq!(r.url, "https://example.test/v1/list");
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.body.as_deref(), Some(r#"{"name":"VIP \"gold\""}"#));
        let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["autopilotapikey", "accept", "content-type"]);
        assert!(!format!("{r:?}").contains("0123456789abcdef"));
        let g = api().lists(1);
        assert!(g.body.is_none() && g.headers.len() == 2);
    }

    #[test]
    fn removal_paths_are_encoded() {
        let r = api().remove(1, "contactlist_Sunset Contacts", "person_A/B?c");
        assert_eq!(
            r.url,
            "https://example.test/v1/list/contactlist_Sunset%20Contacts/contact/person_A%2FB%3Fc"
        );
        assert_eq!(r.method, Method::Delete);
    }
}
