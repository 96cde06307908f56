//! Connection and export configuration, and their validation (DESIGN.md §1, §3, §6).
//!
//! Reading ([`crate::read`]) is lenient about *missing* values (they default to empty) so
//! that [`ExportConfig::validate`] can report every problem at once, each with a JSON path
//! and a stable code; a member of the wrong JSON type is a `TYPE_MISMATCH` issue at its path
//! and is read as left out. An array element of the wrong type leaves no document to
//! validate: the reading issues are then all there is.

use crate::error::{AddIssue, Error, Issue, IssueCode};
use crate::util::time::DateFormat;
use serde::{Deserialize, Deserializer};
use std::fmt;

pub use crate::meta::{DEFAULT_BASE_URL, MAX_PROFILES};

/// The Autopilot API key. It is only ever written into the `autopilotapikey` header:
/// `Debug` and `Display` print `[redacted]`, and it is not serialisable.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key (surrounding white space, e.g. from a paste, is removed).
    pub fn new(key: impl AsRef<str>) -> Self {
        ApiKey(key.as_ref().trim().to_string())
    }
    /// The key, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether no key was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for ApiKey {
    /// A string, or `null`/`undefined` (what `process.env.X` gives for an unset variable),
    /// which is read as an empty key and reported as `API_KEY_MISSING` by validation.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(d).map(|k| ApiKey::new(k.unwrap_or_default()))
    }
}

/// How to reach Autopilot and who runs the export (JS `Connection`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Connection {
    /// Name shown to people for this connection.
    pub display_name: String,
    /// The Autopilot API key (never echoed back). An unset environment variable
    /// (`undefined`) is reported as `API_KEY_MISSING`.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "string | undefined"))]
    pub api_key: ApiKey,
    /// The "I agree" of the data-privacy notice. Without it no request is ever sent.
    pub consent: bool,
    /// Who runs the exports; recorded on each run report.
    pub export_user: String,
    /// API base; default [`DEFAULT_BASE_URL`]. `http://` only for loopback hosts.
    #[serde(default)]
    pub base_url: Option<String>,
}

/// The API base a connection uses, written one way: `base_url` trimmed, without trailing
/// `/`, scheme and host lower-cased (RFC 3986 §3.1, §3.2.2); [`DEFAULT_BASE_URL`] when
/// unset or blank. Requests go to it, the sync state and the checkpoint are bound to it, and
/// hosts file connections under it, so `HTTPS://API.example/v1/` and `https://api.example/v1`
/// are one connection. It does not validate (see [`Connection::validate`]).
///
/// ```js
/// import { apiBaseUrl } from 'autopilot-export';
/// apiBaseUrl('HTTP://127.0.0.1:8080/v1/'); // 'http://127.0.0.1:8080/v1'
/// apiBaseUrl(undefined);                   // the default: metadata().defaults.baseUrl
/// ```
pub fn api_base_url(base_url: Option<&str>) -> String {
    match base_url.map(str::trim) {
        Some(u) if !u.is_empty() => crate::util::url::lower_case_origin(u.trim_end_matches('/')),
        _ => DEFAULT_BASE_URL.to_string(),
    }
}

impl Connection {
    /// This connection's API base ([`api_base_url`]).
    pub fn api_base(&self) -> String {
        api_base_url(self.base_url.as_deref())
    }

    /// Every problem of this connection. `prefix` is prepended to paths (`"connection."`
    /// inside an export config, `""` on its own).
    pub fn validate(&self, prefix: &str) -> Vec<Issue> {
        let mut issues = Vec::new();
        let p = |field: &str| format!("{prefix}{field}");
        if self.display_name.trim().is_empty() {
            issues.add(
                p("displayName"),
                IssueCode::DisplayNameMissing,
                "a display name is required",
            );
        }
        let key = self.api_key.expose();
        if key.is_empty() {
            issues.add(
                p("apiKey"),
                IssueCode::ApiKeyMissing,
                "an Autopilot API key is required",
            );
        } else if !(16..=128).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
            issues.add(
                p("apiKey"),
                IssueCode::ApiKeyImplausible,
                "this does not look like an Autopilot API key (expected 16-128 visible ASCII characters without spaces, usually 32 hex digits)",
            );
        }
        if !self.consent {
            issues.add(
                p("consent"),
                IssueCode::ConsentRequired,
                "the data-privacy notice must be agreed to (consent: true) before any data is sent",
            );
        }
        if self.export_user.trim().is_empty() {
            issues.add(
                p("exportUser"),
                IssueCode::ExportUserMissing,
                "an export user is required",
            );
        }
        if let Some(url) = &self.base_url {
            if let Err((code, msg)) = check_base_url(url.trim()) {
                issues.add(p("baseUrl"), code, msg);
            }
        }
        issues
    }
}

/// Checks an API base URL: `https://host[:port][/path]`, or `http://` for loopback hosts.
fn check_base_url(url: &str) -> Result<(), (IssueCode, String)> {
    let invalid = |why: &str| {
        (
            IssueCode::BaseUrlInvalid,
            format!("not a usable URL: {why}"),
        )
    };
    // `fetch` drops tabs and line breaks and reads `\` as `/` (WHATWG URL Standard): such a
    // URL would not go where it reads, nor be written one way (`api_base_url`).
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(invalid(
            "spaces, control characters and backslashes are not allowed",
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("expected https://host/..."))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(invalid("the scheme must be https"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(invalid("credentials in the URL are not allowed"));
    }
    let path = &rest[authority.len()..];
    if path.contains(['?', '#']) {
        return Err(invalid("a query or fragment is not allowed"));
    }
    // `fetch` resolves dot segments (also percent-encoded ones; WHATWG URL Standard, path
    // state): the URL would not be written one way (`api_base_url`).
    let dot = |s: &str| {
        let s = s.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    };
    if path.split('/').any(dot) {
        return Err(invalid("'.' and '..' path segments are not allowed"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| invalid("unclosed IPv6 bracket"))?;
        if h.is_empty()
            || !h
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(invalid("bad IPv6 address"));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| invalid("bad IPv6 address"))?,
            ),
        };
        (format!("[{}]", h.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if let Some(p) = port {
        if p.is_empty()
            || p.len() > 5
            || p.starts_with('0')
            || !p.bytes().all(|b| b.is_ascii_digit())
            || p.parse::<u32>().map_or(true, |n| n > 65535)
        {
            return Err(invalid("bad port"));
        }
        // `fetch` drops the scheme's default port: written, it would give a second form.
        if (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
            return Err(invalid(
                "leave out the scheme's default port (:443 for https, :80 for http)",
            ));
        }
    }
    if !host.starts_with('[') {
        let ok_label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if host.is_empty() || host.len() > 253 || !host.split('.').all(ok_label) {
            return Err(invalid("bad host name"));
        }
    }
    if scheme == "http" && !is_loopback(&host) {
        return Err((
            IssueCode::BaseUrlNotHttps,
            "the base URL must use https:// (http:// is only allowed for loopback hosts such as 127.0.0.1 or localhost)".to_string(),
        ));
    }
    Ok(())
}

/// Whether `url` (`scheme://host[:port]/...`) points at a loopback host (127.0.0.0/8,
/// `localhost` and its subdomains, `[::1]`): the hosts where `http://` is allowed, and where
/// a browser page can reach a local emulator. `false` for anything that is not such a URL.
///
/// ```js
/// import { isLoopbackUrl } from 'autopilot-export';
/// isLoopbackUrl('http://127.0.0.1:8080/v1'); // true
/// ```
pub fn is_loopback_url(url: &str) -> bool {
    let Some(authority) = crate::util::url::host(url.trim()) else {
        return false;
    };
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]"))
    } else {
        authority.split(':').next().map(str::to_string)
    };
    host.is_some_and(|h| is_loopback(&h.to_ascii_lowercase()))
}

/// Whether `host` (lower-case, IPv6 in brackets) is a loopback host.
fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.first() == Some(&"127")
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// The type of an Autopilot custom field (the `<type>` of `<type>--<Name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify, serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum CustomType {
    /// `string--Name`
    String,
    /// `integer--Name`
    Integer,
    /// `float--Name`
    Float,
    /// `date--Name` (ISO-8601 string)
    Date,
    /// `boolean--Name`
    Boolean,
}

impl CustomType {
    /// Every type, in the order hosts list them.
    pub const ALL: [CustomType; 5] = [
        CustomType::String,
        CustomType::Integer,
        CustomType::Float,
        CustomType::Date,
        CustomType::Boolean,
    ];
    /// Parses `string|integer|float|date|boolean`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            CustomType::String => "Text",
            CustomType::Integer => "Whole number",
            CustomType::Float => "Number",
            CustomType::Date => "Date",
            CustomType::Boolean => "Yes/no",
        }
    }
    /// The key prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomType::String => "string",
            CustomType::Integer => "integer",
            CustomType::Float => "float",
            CustomType::Date => "date",
            CustomType::Boolean => "boolean",
        }
    }
}

/// The Autopilot `custom` key for a field: `<type>--<Name>` with each white-space character
/// of the (trimmed) name replaced by `--`.
pub fn custom_key(ty: CustomType, name: &str) -> String {
    let mut key = String::with_capacity(name.len() + 10);
    key.push_str(ty.as_str());
    key.push_str("--");
    for c in name.trim().chars() {
        if c.is_whitespace() {
            key.push_str("--");
        } else {
            key.push(c);
        }
    }
    key
}

/// One typed custom field: profile field `source` → Autopilot custom field `name` of `type`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct CustomField {
    /// Profile field to read.
    pub source: String,
    /// Autopilot custom field name (spaces allowed; they are sent as `--`).
    pub name: String,
    /// `string | integer | float | date | boolean`.
    #[serde(rename = "type")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "CustomType"))]
    pub ty: String,
    /// Date fields only: how values that are not ISO 8601 are read: `epoch-ms`, `epoch-s`,
    /// `excel-serial`, `dd/mm/yyyy`, `mm/dd/yyyy` or `dd.mm.yyyy` (see
    /// [`crate::util::time::DateFormat`]).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateFormat"))]
    pub format: Option<String>,
    /// Integer and float fields only: the decimal mark, `.` (default) or `,`. With `,`, the
    /// digits may be grouped by threes with `.`, a space, a no-break space or `'`.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\".\" | \",\""))]
    pub decimal: Option<String>,
}

/// How the values of one custom field are read (its `format` and `decimal` options).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ValueFormat {
    /// The declared date format (date fields).
    pub date: Option<DateFormat>,
    /// Whether the decimal mark is a comma (integer and float fields).
    pub decimal_comma: bool,
}

/// Data matching: which profile field feeds which Autopilot field (JS `mapping`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct FieldMapping {
    /// Profile field holding the email (required).
    pub email: String,
    /// Profile field for `FirstName`.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Profile field for `LastName`.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Autopilot standard field → profile field (sent in the order of the Autopilot names:
    /// the document is read as a JSON object, which keeps no order).
    #[serde(default, deserialize_with = "ordered_pairs")]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "Partial<Record<StandardField, string>>")
    )]
    pub fields: Vec<(String, String)>,
    /// Typed custom fields.
    #[serde(default)]
    pub custom: Vec<CustomField>,
}

/// A target of the mapping, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A standard field (`FirstName`, `Company`, ...).
    Standard(&'static str),
    /// A custom field: the full `custom` key, its type and how its values are read.
    Custom(String, CustomType, ValueFormat),
}

impl FieldMapping {
    /// Every problem of this mapping; paths start with `prefix` (e.g. `"mapping."`).
    pub fn validate(&self, prefix: &str) -> Vec<Issue> {
        let mut issues = Vec::new();
        self.targets(prefix, &mut issues);
        issues
    }

    /// The validated `(source field, target)` pairs in a stable order (first name, last
    /// name, standard fields, custom fields). Problems are appended to `issues`; entries
    /// with problems are left out.
    pub fn targets(&self, prefix: &str, issues: &mut Vec<Issue>) -> Vec<(String, Target)> {
        let p = |field: &str| format!("{prefix}{field}");
        if self.email.trim().is_empty() {
            issues.add(
                p("email"),
                IssueCode::EmailMappingMissing,
                "the profile field holding the email is required",
            );
        }
        let mut out: Vec<(String, Target)> = Vec::new();
        // Autopilot field name (lower-cased for collisions) -> path that first claimed it.
        let mut claimed: Vec<(String, String)> = Vec::new();
        let mut claim = |issues: &mut Vec<Issue>, target_name: &str, path: String| -> bool {
            let k = target_name.to_ascii_lowercase();
            if let Some((_, first)) = claimed.iter().find(|(c, _)| *c == k) {
                issues.add(
                    path,
                    IssueCode::FieldMappedTwice,
                    format!("Autopilot field '{target_name}' is already mapped by {first}"),
                );
                false
            } else {
                claimed.push((k, path));
                true
            }
        };
        claim(issues, "Email", p("email"));
        let named = [
            ("firstName", "FirstName", &self.first_name),
            ("lastName", "LastName", &self.last_name),
        ];
        for (field, target, source) in named {
            if let Some(src) = source {
                if src.trim().is_empty() {
                    issues.add(
                        p(field),
                        IssueCode::SourceFieldEmpty,
                        "the profile field name is empty",
                    );
                } else if claim(issues, target, p(field)) {
                    out.push((src.clone(), Target::Standard(target)));
                }
            }
        }
        for (name, src) in &self.fields {
            let path = p(&format!("fields.{name}"));
            let Some(std) =
                crate::meta::StandardField::parse(name).map(crate::meta::StandardField::as_str)
            else {
                let hint = if name.eq_ignore_ascii_case("email") {
                    " (the email is mapped with mapping.email)".to_string()
                } else if let Some(close) = crate::meta::StandardField::ALL
                    .iter()
                    .map(|f| f.as_str())
                    .find(|f| f.eq_ignore_ascii_case(name))
                {
                    format!(" (did you mean '{close}'?)")
                } else {
                    String::new()
                };
                issues.add(
                    path,
                    IssueCode::UnknownStandardField,
                    format!("'{name}' is not an Autopilot standard field{hint}"),
                );
                continue;
            };
            if src.trim().is_empty() {
                issues.add(
                    path,
                    IssueCode::SourceFieldEmpty,
                    "the profile field name is empty",
                );
            } else if claim(issues, std, path) {
                out.push((src.clone(), Target::Standard(std)));
            }
        }
        for (i, cf) in self.custom.iter().enumerate() {
            let base = format!("custom[{i}]");
            let mut ok = true;
            if cf.source.trim().is_empty() {
                issues.add(
                    p(&format!("{base}.source")),
                    IssueCode::SourceFieldEmpty,
                    "the profile field name is empty",
                );
                ok = false;
            }
            let name = cf.name.trim();
            if name.is_empty() {
                issues.add(
                    p(&format!("{base}.name")),
                    IssueCode::CustomNameEmpty,
                    "the custom field needs a name",
                );
                ok = false;
            } else if name.chars().any(char::is_control) || name.len() > 200 {
                issues.add(
                    p(&format!("{base}.name")),
                    IssueCode::CustomNameInvalid,
                    "a custom field name must be at most 200 bytes without control characters",
                );
                ok = false;
            }
            let ty = CustomType::parse(cf.ty.trim());
            if ty.is_none() {
                issues.add(
                    p(&format!("{base}.type")),
                    IssueCode::CustomTypeUnknown,
                    format!(
                        "unknown custom field type '{}': use {}",
                        cf.ty,
                        // As `String`s: the module's one `join` (issue 15).
                        CustomType::ALL.map(|t| t.as_str().to_string()).join(", ")
                    ),
                );
                ok = false;
            }
            let mut value_format = ValueFormat::default();
            if let Some(f) = &cf.format {
                let path = p(&format!("{base}.format"));
                match DateFormat::parse(f.trim()) {
                    _ if ty.is_some_and(|t| t != CustomType::Date) => {
                        issues.add(
                            path,
                            IssueCode::CustomFormatNotDate,
                            "a format applies to date fields only",
                        );
                        ok = false;
                    }
                    Some(df) => value_format.date = Some(df),
                    None => {
                        issues.add(
                            path,
                            IssueCode::CustomFormatUnknown,
                            format!(
                                "unknown date format: use {}",
                                DateFormat::ALL
                                    .iter()
                                    .map(|f| f.as_str().to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                        ok = false;
                    }
                }
            }
            if let Some(d) = &cf.decimal {
                let path = p(&format!("{base}.decimal"));
                if ty.is_some_and(|t| !matches!(t, CustomType::Integer | CustomType::Float)) {
                    issues.add(
                        path,
                        IssueCode::CustomDecimalNotNumber,
                        "a decimal mark applies to integer and float fields only",
                    );
                    ok = false;
                } else {
                    match d.as_str() {
                        "." => {}
                        "," => value_format.decimal_comma = true,
                        _ => {
                            issues.add(
                                path,
                                IssueCode::CustomDecimalInvalid,
                                "the decimal mark must be '.' or ','",
                            );
                            ok = false;
                        }
                    }
                }
            }
            if let (true, Some(ty)) = (ok, ty) {
                // The Autopilot name after `--` encoding; two names that encode alike collide,
                // whatever their types (one Autopilot field cannot have two types).
                let encoded = custom_key(ty, name);
                let encoded_name = &encoded[ty.as_str().len() + 2..];
                let key = format!("custom:{}", encoded_name.to_ascii_lowercase());
                if let Some((_, first)) = claimed.iter().find(|(c, _)| *c == key) {
                    issues.add(
                        p(&format!("{base}.name")),
                        IssueCode::CustomNameCollision,
                        format!("custom field '{name}' is sent as '{encoded_name}', which {first} already uses"),
                    );
                } else {
                    claimed.push((key, p(&format!("{base}.name"))));
                    out.push((cf.source.clone(), Target::Custom(encoded, ty, value_format)));
                }
            }
        }
        out
    }
}

/// What `mapping.fields` holds, for its type errors.
const FIELD_PAIRS: &str = "an object of Autopilot field name -> profile field name";

/// Deserialises a JSON object of strings into pairs, in the deserializer's order (key
/// order from a `serde_json::Value`), as [`StringMap`](crate::util::string_map::StringMap)
/// reads one (a key given twice in the text is one entry, with the last value, as in the
/// core's reading; a type error says "a map of strings"): serde's reading of `mapping.fields`,
/// kept for the derive that tsify and the tests use; the core reads it with `read_pairs`.
fn ordered_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    crate::util::string_map::StringMap::deserialize(d).map(|m| m.0)
}

/// What to do when there are more unique profiles than the cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum OverCap {
    /// Send nothing; fail with `CAP_EXCEEDED` and the counts.
    #[default]
    Refuse,
    /// Keep the first `cap` unique profiles (segments in order, rows in order).
    Truncate,
}

/// How segments are represented in Autopilot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum ListMode {
    /// One Autopilot list per segment, found by title or created.
    #[default]
    PerSegment,
    /// Only upsert the contacts.
    None,
}

/// What a run does with a segment's list besides upserting its members (DESIGN.md §9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum Membership {
    /// Add and update members; never remove anyone (the default).
    #[default]
    Add,
    /// Also remove the members this exporter placed on the list (held by the sync state)
    /// who have left the segment. Members placed by anyone else are never touched.
    Mirror,
}

/// One selected segment (its profiles are passed separately).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct SegmentConfig {
    /// Segment name; with per-segment lists, the list title is `listPrefix + name`.
    pub name: String,
}

/// Everything about an export except the profiles themselves (JS `ExportJob` minus
/// `segments[].profiles`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ExportConfig {
    /// Where and as whom.
    pub connection: Connection,
    /// Data matching.
    pub mapping: FieldMapping,
    /// Selected segments, in export order.
    pub segments: Vec<SegmentConfig>,
    /// Maximum unique profiles (default and maximum 100,000).
    #[serde(default)]
    pub cap: Option<f64>,
    /// Behaviour above the cap (default `refuse`; see [`ExportConfig::over_cap`]).
    #[serde(default, rename = "overCap")]
    pub over_cap_mode: Option<OverCap>,
    /// Lists per segment, or none (default `per-segment`; see [`ExportConfig::lists`]).
    #[serde(default, rename = "lists")]
    pub list_mode: Option<ListMode>,
    /// Prefix of list titles.
    #[serde(default)]
    pub list_prefix: String,
    /// Profile field identifying rejected rows in reports (never the email).
    #[serde(default)]
    pub id_field: Option<String>,
    /// `add` (default) or `mirror` (also remove leavers this exporter placed; needs lists;
    /// see [`ExportConfig::membership`]).
    #[serde(default, rename = "membership")]
    pub membership_mode: Option<Membership>,
    /// Mirror guard: the most a run may remove from one list, as a fraction of the members
    /// this exporter had placed on it (the limit is `max(10, ratio × placed)`); 0 to 1,
    /// default [`crate::meta::DEFAULT_MAX_REMOVAL_RATIO`].
    #[serde(default)]
    pub max_removal_ratio: Option<f64>,
}

impl ExportConfig {
    /// Behaviour above the cap.
    pub fn over_cap(&self) -> OverCap {
        self.over_cap_mode.unwrap_or_default()
    }

    /// How segments are represented in Autopilot.
    pub fn lists(&self) -> ListMode {
        self.list_mode.unwrap_or_default()
    }

    /// `add` or `mirror`.
    pub fn membership(&self) -> Membership {
        self.membership_mode.unwrap_or_default()
    }

    /// The effective cap (validated by [`ExportConfig::validate`]).
    pub fn cap(&self) -> u64 {
        match self.cap {
            Some(c)
                if c.is_finite() && c >= 1.0 && c.fract() == 0.0 && c <= MAX_PROFILES as f64 =>
            {
                c as u64
            }
            _ => MAX_PROFILES,
        }
    }

    /// The mirror guard's ratio in force.
    pub fn max_removal_ratio(&self) -> f64 {
        match self.max_removal_ratio {
            Some(r) if (0.0..=1.0).contains(&r) => r,
            _ => crate::meta::DEFAULT_MAX_REMOVAL_RATIO,
        }
    }

    /// The Autopilot list title of segment `i`.
    pub fn list_title(&self, i: usize) -> Option<String> {
        let s = self.segments.get(i)?;
        Some(format!("{}{}", self.list_prefix, s.name.trim()))
    }

    /// Every problem of this configuration, connection included.
    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = self.connection.validate("connection.");
        self.mapping.targets("mapping.", &mut issues);
        if self.segments.is_empty() {
            issues.add(
                "segments",
                IssueCode::SegmentsEmpty,
                "select at least one segment",
            );
        }
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, s) in self.segments.iter().enumerate() {
            let name = s.name.trim();
            let path = format!("segments[{i}].name");
            if name.is_empty() {
                issues.add(
                    path,
                    IssueCode::SegmentNameEmpty,
                    "every segment needs a name",
                );
                continue;
            }
            if name.chars().any(char::is_control) || self.list_prefix.len() + name.len() > 250 {
                issues.add(
                    path.clone(),
                    IssueCode::SegmentNameInvalid,
                    "a segment name (with the list prefix) must be at most 250 bytes without control characters",
                );
            }
            // Unicode lower case: `ÉTÉ` and `été` are the same list.
            let folded = crate::util::text::to_lower(name);
            match seen.iter().find(|(n, _)| *n == folded).map(|(_, i)| *i) {
                Some(first) => issues.add(
                    path,
                    IssueCode::SegmentNameDuplicate,
                    format!("segment name '{name}' is also used by segments[{first}]"),
                ),
                None => {
                    seen.push((folded, i));
                }
            }
        }
        if let Some(i) = self.cap.and_then(|c| crate::meta::CAP.check(c, "cap")) {
            issues.push(Issue {
                code: IssueCode::CapOutOfRange,
                ..i
            });
        }
        if self.list_prefix.chars().any(char::is_control) {
            issues.add(
                "listPrefix",
                IssueCode::ListPrefixInvalid,
                "the list prefix must not contain control characters",
            );
        }
        if self.membership() == Membership::Mirror && self.lists() == ListMode::None {
            issues.add(
                "membership",
                IssueCode::MirrorWithoutLists,
                "membership 'mirror' needs per-segment lists (lists: 'per-segment'): without lists there is nothing to remove anyone from",
            );
        }
        if let Some(i) = self
            .max_removal_ratio
            .and_then(|r| crate::meta::MAX_REMOVAL_RATIO.check(r, "maxRemovalRatio"))
        {
            issues.push(i);
        }
        if self.membership() == Membership::Mirror && self.over_cap() == OverCap::Truncate {
            issues.add(
                "overCap",
                IssueCode::MirrorWithTruncate,
                "membership 'mirror' needs overCap: 'refuse': with 'truncate', the members beyond the cap would be taken for people who left and removed from their lists",
            );
        }
        if let Some(id) = &self.id_field {
            if id.trim().is_empty() {
                issues.add(
                    "idField",
                    IssueCode::SourceFieldEmpty,
                    "the id field name is empty",
                );
            } else if crate::input::same_name(id.trim(), self.mapping.email.trim()) {
                // Names equal ignoring case read the same CSV column (input::header).
                issues.add(
                    "idField",
                    IssueCode::IdFieldIsEmail,
                    "the id field must not be the email field, in any letter case: a CSV column is found by its name ignoring case (reports never carry emails)",
                );
            }
        }
        issues
    }

    /// Validates and returns the error to throw, if any.
    pub fn check(&self) -> Result<(), Error> {
        let issues = self.validate();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::from_issues(issues))
        }
    }
}

/// Reads a document (a connection, a configuration, a mapping) from JSON text; a value of
/// the wrong type or an unknown key is a `CONFIG_INVALID` error whose issues carry the JSON
/// paths (see [`crate::read`]). Semantic problems are [`ExportConfig::validate`]'s.
pub fn from_json_str<T: crate::read::Readable>(text: &str) -> Result<T, Error> {
    crate::read::from_json_str(text, "").strict()
}

/// Reads an export configuration from a JSON value and validates it: unknown keys and every
/// semantic problem are reported together (`Err` with all the issues).
pub fn read_export_config(value: &serde_json::Value) -> Result<ExportConfig, Error> {
    let (cfg, mut issues) = crate::read::read::<ExportConfig>(value, "").lenient()?;
    issues.extend(cfg.validate());
    if issues.is_empty() {
        Ok(cfg)
    } else {
        Err(Error::from_issues(issues))
    }
}

// The core's reader of these types (crate::read); the keys are serde's (a test checks them).
crate::read::readable_struct!(Connection {
    display_name: "displayName",
    api_key: "apiKey",
    consent: "consent",
    export_user: "exportUser",
    base_url: "baseUrl",
});
crate::read::readable_struct!(CustomField {
    source: "source",
    name: "name",
    ty: "type",
    format: "format",
    decimal: "decimal",
});
crate::read::readable_struct!(FieldMapping {
    email: "email",
    first_name: "firstName",
    last_name: "lastName",
    fields: "fields" => read_pairs,
    custom: "custom",
});
crate::read::readable_enum!(OverCap {
    Refuse: "refuse",
    Truncate: "truncate",
});
crate::read::readable_enum!(ListMode {
    PerSegment: "per-segment",
    None: "none",
});
crate::read::readable_enum!(Membership {
    Add: "add",
    Mirror: "mirror",
});
crate::read::readable_struct!(SegmentConfig { name: "name" });
crate::read::readable_struct!(ExportConfig {
    connection: "connection",
    mapping: "mapping",
    segments: "segments",
    cap: "cap",
    over_cap_mode: "overCap",
    list_mode: "lists",
    list_prefix: "listPrefix",
    id_field: "idField",
    membership_mode: "membership",
    max_removal_ratio: "maxRemovalRatio",
});

/// A string, or left out (`null`/`undefined`: what `process.env.X` gives for an unset
/// variable), which is an empty key that validation reports as `API_KEY_MISSING`.
impl crate::read::Readable for ApiKey {
    fn read(r: &mut crate::read::Reader, v: &serde_json::Value) -> Option<Self> {
        String::read(r, v).map(ApiKey::new)
    }
}

/// `mapping.fields`: an object of strings as pairs (in key order: a JSON object keeps none;
/// [`FieldMapping::targets`] sends them in the order of the Autopilot names); an entry that
/// is not a string is left out (with its issue).
fn read_pairs(r: &mut crate::read::Reader, v: &serde_json::Value) -> Option<Vec<(String, String)>> {
    r.string_entries(v, FIELD_PAIRS)
}
