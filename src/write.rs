//! Writing the core's answers (reports, progress, checkpoints, summaries, issues, metadata,
//! inspections, suggestions, account details) as plain values, member by member, into a
//! [`Sink`]: the wasm layer's sink builds JS objects, arrays, numbers, strings and
//! `Uint8Array`s directly (no JSON text in between, DESIGN.md §2); the tests' sink writes
//! JSON text.
//!
//! The values are those serde-wasm-bindgen gave with `serialize_maps_as_objects` (issue 10's
//! boundary), key for key and in the same order:
//! - a struct is an object with its members in declaration order; an `Option` member marked
//!   optional is left out when `None`, any other `None` is `undefined` (`null` in JSON text);
//! - numbers are JS numbers (every count stays far below 2^53, where a `u64` would stop
//!   being exact; a JSON integer beyond it, in an account's details or a sample contact,
//!   becomes the nearest number, where serde-wasm-bindgen failed the whole answer);
//! - codes and fieldless enums are their strings; maps are plain objects;
//! - the sync state's bytes are a `Uint8Array` (an array of numbers in JSON text);
//! - a JSON `null` (in an account's details, a sample contact) is `undefined`, as before.
//!
//! Written here instead of with serde's derived `Serialize` driven by serde-wasm-bindgen
//! (measured, issue 15, tests/bench/README.md: 7.0 KB gzip less of what a runtime loads; the
//! derived code is instantiated for the one serializer with every field's type inlined,
//! each type here is compiled once, writing through `dyn Sink`). The types keep
//! `#[derive(Serialize)]` and their `#[serde]` attributes: tsify reads them for the
//! TypeScript types, and a test checks that every type's [`Writable`] gives the JSON text
//! serde gives.

use crate::util::string_map::StringMap;

/// Where a [`Writable`] puts its value: a value is a scalar, or an array (`begin_array`,
/// its elements, `end`), or an object (`begin_object`, `key` then a value for each member,
/// `end`).
pub trait Sink {
    /// No value: `undefined` in JS (`null` in JSON text).
    fn missing(&mut self);
    /// A boolean.
    fn boolean(&mut self, b: bool);
    /// A number (NaN and ±Infinity pass through; JSON text writes them as `null`).
    fn number(&mut self, n: f64);
    /// A string.
    fn string(&mut self, s: &str);
    /// Bytes: a `Uint8Array` in JS.
    fn bytes(&mut self, b: &[u8]);
    /// Starts an array.
    fn begin_array(&mut self);
    /// Starts an object.
    fn begin_object(&mut self);
    /// The key of the object member whose value comes next.
    fn key(&mut self, k: &str);
    /// Ends the innermost array or object.
    fn end(&mut self);
}

/// A value the core hands to the hosts.
pub trait Writable {
    /// Writes the value.
    fn write(&self, out: &mut dyn Sink);
}

/// A struct whose members can also be written into another struct's object (serde's
/// `flatten`); implemented by `writable_struct!` only.
pub trait Members {
    /// Writes the members without the object around them.
    fn write_members(&self, out: &mut dyn Sink);
}

impl<T: Writable + ?Sized> Writable for &T {
    fn write(&self, out: &mut dyn Sink) {
        (**self).write(out);
    }
}

impl Writable for bool {
    fn write(&self, out: &mut dyn Sink) {
        out.boolean(*self);
    }
}

impl Writable for str {
    fn write(&self, out: &mut dyn Sink) {
        out.string(self);
    }
}

impl Writable for String {
    fn write(&self, out: &mut dyn Sink) {
        out.string(self);
    }
}

impl Writable for f64 {
    fn write(&self, out: &mut dyn Sink) {
        out.number(*self);
    }
}

/// Integers as JS numbers (exact below 2^53; every count and index is).
macro_rules! writable_integer {
    ($($t:ty),+) => {$(
        impl Writable for $t {
            fn write(&self, out: &mut dyn Sink) {
                out.number(*self as f64);
            }
        }
    )+};
}
writable_integer!(u32, u64, usize);

impl<T: Writable> Writable for Option<T> {
    fn write(&self, out: &mut dyn Sink) {
        match self {
            Some(v) => v.write(out),
            None => out.missing(),
        }
    }
}

impl<T: Writable> Writable for [T] {
    fn write(&self, out: &mut dyn Sink) {
        out.begin_array();
        for v in self {
            v.write(out);
        }
        out.end();
    }
}

impl<T: Writable> Writable for Vec<T> {
    fn write(&self, out: &mut dyn Sink) {
        self.as_slice().write(out);
    }
}

impl<T: Writable, const N: usize> Writable for [T; N] {
    fn write(&self, out: &mut dyn Sink) {
        self.as_slice().write(out);
    }
}

/// Writes an object of `entries` (key, value), in their order: a map, counts by reason.
/// (Generic over the iterator: through `&mut dyn Iterator` the module measured 740 B gzip
/// more.)
pub fn write_object<'a>(
    out: &mut dyn Sink,
    entries: impl Iterator<Item = (&'a str, &'a dyn Writable)>,
) {
    out.begin_object();
    for (k, v) in entries {
        out.key(k);
        v.write(out);
    }
    out.end();
}

impl Writable for StringMap {
    fn write(&self, out: &mut dyn Sink) {
        write_object(
            out,
            self.0.iter().map(|(k, v)| (k.as_str(), v as &dyn Writable)),
        );
    }
}

impl Writable for serde_json::Map<String, serde_json::Value> {
    fn write(&self, out: &mut dyn Sink) {
        write_object(
            out,
            self.iter().map(|(k, v)| (k.as_str(), v as &dyn Writable)),
        );
    }
}

impl Writable for serde_json::Value {
    fn write(&self, out: &mut dyn Sink) {
        use serde_json::Value;
        match self {
            Value::Null => out.missing(),
            Value::Bool(b) => out.boolean(*b),
            Value::Number(n) => out.number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => out.string(s),
            Value::Array(a) => a.write(out),
            Value::Object(m) => m.write(out),
        }
    }
}

/// Implements [`Writable`] and [`Members`] for a struct: every field with how it is written,
/// in the order listed, which must be the declaration's (serde's order):
/// - `field: "key"`: the member `key`;
/// - `field: optional "key"`: an `Option` left out when `None` (serde's
///   `skip_serializing_if = "Option::is_none"`);
/// - `field: flatten`: a struct's members in place (serde's `flatten`);
/// - `field: bytes "key"`: a `Vec<u8>` as bytes, a `Uint8Array` (serde's `serde_bytes`).
///
/// Every field must be named: a field added to the type and not here does not compile. The
/// order, the keys and the modes are checked against serde's by the tests of this module.
macro_rules! writable_struct {
    ($ty:ty { $($field:ident: $($how:ident)? $($key:literal)?),+ $(,)? }) => {
        impl $crate::write::Writable for $ty {
            fn write(&self, out: &mut dyn $crate::write::Sink) {
                out.begin_object();
                $crate::write::Members::write_members(self, out);
                out.end();
            }
        }
        impl $crate::write::Members for $ty {
            fn write_members(&self, out: &mut dyn $crate::write::Sink) {
                let Self { $($field),+ } = self;
                $($crate::write::writable_struct!(@member out, $field, $($how)?; $($key)?);)+
            }
        }
    };
    (@member $out:ident, $f:ident, ; $key:literal) => {
        $out.key($key);
        $crate::write::Writable::write($f, $out);
    };
    (@member $out:ident, $f:ident, optional; $key:literal) => {
        if let Some(v) = $f {
            $out.key($key);
            $crate::write::Writable::write(v, $out);
        }
    };
    (@member $out:ident, $f:ident, flatten; ) => {
        $crate::write::Members::write_members($f, $out);
    };
    (@member $out:ident, $f:ident, bytes; $key:literal) => {
        $out.key($key);
        $out.bytes($f);
    };
}
pub(crate) use writable_struct;

/// Implements both [`crate::read::Readable`] and [`Writable`] for a struct read and written
/// with the same keys (a checkpoint and its members): `field: "key"` only.
macro_rules! readable_writable_struct {
    ($ty:ty { $($field:ident: $key:literal),+ $(,)? }) => {
        $crate::read::readable_struct!($ty { $($field: $key),+ });
        $crate::write::writable_struct!($ty { $($field: $key),+ });
    };
}
pub(crate) use readable_writable_struct;

/// Implements [`Writable`] for a fieldless enum written as its strings.
macro_rules! writable_enum {
    ($ty:ty { $($variant:ident: $text:literal),+ $(,)? }) => {
        impl $crate::write::Writable for $ty {
            fn write(&self, out: &mut dyn $crate::write::Sink) {
                out.string(match self { $(<$ty>::$variant => $text),+ });
            }
        }
    };
}
pub(crate) use writable_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{from_json_str, ExportConfig};
    use crate::input::{Format, Parser, SourceOptions};
    use crate::plan::Planner;
    use crate::report::{ExportReport, Progress};
    use crate::summary::{summarize, RemovalLimit, SummaryOptions};
    use crate::sync::diff::GuardHit;
    use serde::Serialize;

    /// JSON text of a [`Writable`] (`undefined` written as `null`, bytes as an array of
    /// numbers, a number that is not finite as `null`: what serde_json writes; numbers as JS
    /// writes them, [`crate::util::json::number_text`]). Strings are escaped by
    /// [`crate::util::json::push_json_str`], which also escapes U+2028/U+2029 (serde_json does
    /// not; no test string holds them).
    fn to_json_text(v: &(impl Writable + ?Sized)) -> String {
        use crate::util::json::{number_text, push_json_str};
        /// Writes JSON text; `open` holds, per open array or object, its closing bracket and
        /// whether nothing is in it yet.
        #[derive(Default)]
        struct Text {
            out: String,
            open: Vec<(char, bool)>,
            after_key: bool,
        }
        impl Text {
            /// Puts the separator a value needs here.
            fn next(&mut self) {
                if !std::mem::take(&mut self.after_key) {
                    if let Some((_, empty)) = self.open.last_mut() {
                        if !std::mem::take(empty) {
                            self.out.push(',');
                        }
                    }
                }
            }
            fn scalar(&mut self, text: &str) {
                self.next();
                self.out.push_str(text);
            }
        }
        impl Sink for Text {
            fn missing(&mut self) {
                self.scalar("null");
            }
            fn boolean(&mut self, b: bool) {
                self.scalar(if b { "true" } else { "false" });
            }
            fn number(&mut self, n: f64) {
                let text = if n.is_finite() {
                    number_text(n)
                } else {
                    "null".into()
                };
                self.scalar(&text);
            }
            fn string(&mut self, s: &str) {
                self.next();
                push_json_str(&mut self.out, s);
            }
            fn bytes(&mut self, b: &[u8]) {
                let items: Vec<String> = b.iter().map(u8::to_string).collect();
                self.scalar(&format!("[{}]", items.join(",")));
            }
            fn begin_array(&mut self) {
                self.scalar("[");
                self.open.push((']', true));
            }
            fn begin_object(&mut self) {
                self.scalar("{");
                self.open.push(('}', true));
            }
            fn key(&mut self, k: &str) {
                self.string(k);
                self.out.push(':');
                self.after_key = true;
            }
            fn end(&mut self) {
                if let Some((close, _)) = self.open.pop() {
                    self.out.push(close);
                }
            }
        }
        let mut text = Text::default();
        v.write(&mut text);
        text.out
    }

    /// serde_json's text with numbers as JS writes them (an integral float without `.0`),
    /// which is what [`to_json_text`] writes.
    fn serde_text<T: Serialize>(v: &T) -> String {
        struct JsNumbers;
        impl serde_json::ser::Formatter for JsNumbers {
            fn write_f64<W: ?Sized + std::io::Write>(
                &mut self,
                w: &mut W,
                v: f64,
            ) -> std::io::Result<()> {
                // serde_json hands only finite numbers to its formatter.
                w.write_all(crate::util::json::number_text(v).as_bytes())
            }
        }
        let mut out = Vec::new();
        v.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, JsNumbers,
        ))
        .unwrap(); // ok: test
        String::from_utf8(out).unwrap() // ok: test
    }

    /// The writer gives serde's text: every key, in order, every optional member left out
    /// exactly when serde leaves it out.
    fn same<T: Serialize + Writable>(v: &T) {
        assert_eq!(to_json_text(v), serde_text(v));
    }

    #[test]
    fn the_text_sink_writes_json() {
        let v = serde_json::json!({"b": [1, 2.5, null, true, "x\"y"], "a": {}, "c": []});
        assert_eq!(
            to_json_text(&v),
            r#"{"a":{},"b":[1,2.5,null,true,"x\"y"],"c":[]}"#
        );
        assert_eq!(to_json_text(&Some(f64::NAN)), "null");
        assert_eq!(to_json_text(&None::<u32>), "null");
    }

    fn report(error: bool) -> ExportReport {
        let error = if error {
            r#""error": {"code": "AUTH_FAILED", "message": "401"},"#
        } else {
            ""
        };
        let text = format!(
            r#"{{
            "status": "partial", "displayName": "Marketing", "exportUser": "ops",
            "startedAt": "2026-11-30T00:00:00.000Z", "finishedAt": "2026-11-30T00:00:01.500Z",
            "durationMs": 1500.25, "resumed": true,
            "totals": {{"profilesIn": 10, "invalid": 1, "duplicates": 2, "overCap": 0,
                "uniqueProfiles": 7, "memberships": 8, "exported": 6, "failed": 1,
                "unchanged": 1, "notSent": 0, "removed": 3}},
            "segments": [
                {{"name": "VIP", "listTitle": "VIP list", "listId": "contactlist_1",
                  "listCreated": true,
                  "dialect": {{"delimiter": ";", "detected": true, "encoding": "windows-1252", "bom": false}},
                  "profilesIn": 6, "invalid": 1, "duplicates": 1, "overCap": 0, "memberships": 4,
                  "exported": 3, "failed": 1, "unchanged": 0, "notSent": 0, "removed": 3}},
                {{"name": "Rest", "listCreated": false,
                  "profilesIn": 4, "invalid": 0, "duplicates": 1, "overCap": 0, "memberships": 4,
                  "exported": 3, "failed": 0, "unchanged": 1, "notSent": 0, "removed": 0}}
            ],
            "requests": {{"sent": 9, "retried": 1, "throttled": 1, "errors": 0, "bisected": 2}},
            "rejects": [
                {{"segment": 0, "row": 3, "id": "c-3", "reason": "EMAIL_INVALID", "detail": "no @"}},
                {{"segment": 1, "row": 7, "reason": "SERVER_REJECTED"}}
            ],
            "rejectsOmitted": 4,
            "warnings": [
                {{"code": "VALUE_NOT_COERCIBLE", "field": "FirstName", "label": "First name",
                  "source": "first", "count": 2, "examples": ["row 2", "row 9"], "hint": "shorten"}},
                {{"code": "VALUE_NOT_COERCIBLE", "field": "LastName", "label": "Last name",
                  "count": 1, "examples": []}}
            ],
            {error}
            "checkpoint": {{"version": 2, "fingerprint": "f", "base": "b", "state": "s",
                "lists": [{{"id": "contactlist_1", "created": true}}, null], "batches": 3,
                "done": [[0, 2]], "exported": [3, 3], "removed": [3, 0],
                "failed": [{{"segment": 0, "row": 5, "reason": "SERVER_REJECTED", "detail": "x"}},
                           {{"segment": 1, "row": 6, "reason": "EMAIL_INVALID"}}],
                "carriedExported": [1, 0], "carriedRemoved": [0, 0], "carriedFailed": 1,
                "sends": "h", "job": "j", "key": "k",
                "requests": {{"sent": 9, "retried": 1, "throttled": 1, "errors": 0, "bisected": 2}}}},
            "syncState": [65, 80, 0, 255]
        }}"#
        );
        serde_json::from_str(&text).unwrap() // ok: test
    }

    #[test]
    fn reports_and_progress_are_written_as_serde_writes_them() {
        same(&report(true));
        same(&report(false));
        let mut progress: Progress = serde_json::from_value(serde_json::json!({
            "phase": "contacts", "batchesDone": 2, "batchesTotal": 5, "contactsDone": 200,
            "contactsTotal": 480, "exported": 190, "failed": 10, "removalsDone": 1,
            "removalsTotal": 4, "inFlight": 3,
            "requests": {"sent": 9, "retried": 1, "throttled": 1, "errors": 0, "bisected": 2},
            "elapsedMs": 1234.5, "contactsPerSecond": 162.07, "etaMs": 1700.0
        }))
        .unwrap(); // ok: test
        same(&progress);
        progress.eta_ms = None;
        same(&progress);
        same(&report(true).checkpoint);
    }

    /// What a sink is handed, one line per call.
    #[derive(Default)]
    struct Log(Vec<String>);
    impl Sink for Log {
        fn missing(&mut self) {
            self.0.push("missing".into());
        }
        fn boolean(&mut self, b: bool) {
            self.0.push(format!("boolean {b}"));
        }
        fn number(&mut self, n: f64) {
            self.0.push(format!("number {n:?}"));
        }
        fn string(&mut self, s: &str) {
            self.0.push(format!("string {s}"));
        }
        fn bytes(&mut self, b: &[u8]) {
            self.0.push(format!("bytes {b:?}"));
        }
        fn begin_array(&mut self) {
            self.0.push("[".into());
        }
        fn begin_object(&mut self) {
            self.0.push("{".into());
        }
        fn key(&mut self, k: &str) {
            self.0.push(format!("key {k}"));
        }
        fn end(&mut self) {
            self.0.push("end".into());
        }
    }

    /// The sync state's bytes are bytes (a `Uint8Array` in JS), not an array of numbers.
    #[test]
    fn the_sync_state_is_written_as_bytes() {
        let mut log = Log::default();
        report(false).write(&mut log);
        let at = log.0.iter().position(|l| l == "key syncState").unwrap(); // ok: test
        assert_eq!(log.0[at + 1], "bytes [65, 80, 0, 255]");
        assert_eq!(log.0[at + 2..], ["end"]);
    }

    /// A JSON integer beyond 2^53 (in an account's details, a sample contact) is handed over
    /// as the nearest number; `null` as a missing value.
    #[test]
    fn json_values_are_written_as_numbers_strings_and_missing_values() {
        let v: serde_json::Value =
            serde_json::from_str(r#"[18446744073709551615, -9007199254740993, 0.5, null, "x"]"#)
                .unwrap(); // ok: test
        let mut log = Log::default();
        v.write(&mut log);
        assert_eq!(
            log.0,
            [
                "[",
                "number 1.8446744073709552e19",
                "number -9007199254740992.0",
                "number 0.5",
                "missing",
                "string x",
                "end"
            ]
        );
    }

    #[test]
    fn every_status_and_phase_is_written_as_serde_writes_it() {
        use crate::report::{Phase, RunStatus};
        for v in [
            RunStatus::Succeeded,
            RunStatus::Partial,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::Paused,
        ] {
            same(&v);
        }
        for v in [Phase::Lists, Phase::Contacts, Phase::Done] {
            same(&v);
        }
    }

    /// Plans `segments` (format, text) under `lists`.
    fn plan(lists: &str, segments: &[(Format, &str)]) -> crate::plan::Plan {
        let names: Vec<_> = (0..segments.len())
            .map(|i| serde_json::json!({ "name": format!("S{i}") }))
            .collect();
        let cfg: ExportConfig = from_json_str(
            &serde_json::json!({
                "connection": {"displayName": "T", "apiKey": "0123456789abcdef0123456789abcdef",
                    "consent": true, "exportUser": "ops"},
                "mapping": {"email": "email", "firstName": "first",
                    "custom": [{"source": "score", "name": "Score", "type": "float"}]},
                "segments": names,
                "lists": lists,
                "cap": 3
            })
            .to_string(),
        )
        .unwrap(); // ok: test
        let mut planner = Planner::new(&cfg).unwrap(); // ok: test
        for (i, (format, text)) in segments.iter().enumerate() {
            planner.begin_segment(i).unwrap(); // ok: test
            let mut parser =
                Parser::with_options(*format, planner.fields(), &SourceOptions::default(), "")
                    .unwrap(); // ok: test
            parser.feed(text.as_bytes(), &mut planner).unwrap(); // ok: test
            parser.finish(&mut planner).unwrap(); // ok: test
        }
        planner.finish()
    }

    #[test]
    fn summaries_are_written_as_serde_writes_them() {
        let csv = [
            (
                Format::Csv,
                "email;first;score\na@x.com;Ann;1.5\nbad;Bob;2\na@x.com;Ann;1.5\n;Cy;1\nc@x.com;;x\n",
            ),
            (Format::Csv, "email,first,score\nd@x.com,Dee,3\ne@x.com,Eve,4\n"),
        ];
        let ndjson = [(
            Format::Ndjson,
            "{\"email\":\"a@x.com\",\"score\":2.5}\n{\"email\":\"nope\"}\n",
        )];
        let mut blocked = Vec::new();
        for (lists, segments) in [("per-segment", &csv[..]), ("none", &ndjson[..])] {
            let plan = plan(lists, segments);
            let mut summary = summarize(
                &plan,
                &SummaryOptions {
                    rate_per_second: 4.5,
                    sample: 2,
                    ..SummaryOptions::default()
                },
            );
            assert!(!summary.rejects.is_empty() && !summary.segments[0].sample.is_empty());
            // Present in the first, absent in the second.
            let first = &summary.segments[0];
            assert_eq!(first.list_title.is_some(), lists == "per-segment");
            assert_eq!(first.dialect.is_some(), lists == "per-segment");
            assert!(first.removal_limit.is_none() && summary.removal_guard.is_empty());
            blocked.push(summary.blocked.is_some());
            same(&summary);
            // Every optional member present.
            summary.segments[0].removal_limit = Some(RemovalLimit {
                placed: 12,
                limit: 10,
            });
            summary.removal_guard.push(GuardHit {
                segment: 0,
                name: "A".into(),
                removals: 11,
                placed: 12,
                limit: 10,
            });
            summary.blocked = Some(crate::summary::Blocked {
                code: crate::error::ErrorCode::CapExceeded,
                message: "over".into(),
            });
            same(&summary);
        }
        // `blocked` (the cap) present in one summary as planned, absent in the other.
        assert!(
            blocked.contains(&true) && blocked.contains(&false),
            "{blocked:?}"
        );
        // Several reasons counted, in the order they were first met.
        let reasons = &plan("none", &csv[..1]).summary(5.0).segments[0].invalid_by_reason;
        let text = to_json_text(reasons);
        assert_eq!(text, serde_text(reasons));
        assert!(text.matches(':').count() >= 2, "{text}");
    }

    #[test]
    fn metadata_inspections_suggestions_and_issues_are_written_as_serde_writes_them() {
        same(&crate::meta::metadata());
        let options = SourceOptions::default();
        let mut seen = Vec::new();
        for (format, bytes) in [
            (
                Format::Csv,
                &b"\xEF\xBB\xBFemail;Name;name\na@x.com;Ann;b\n\"x\n"[..],
            ),
            (
                Format::Ndjson,
                b"{\"email\":\"a@x.com\",\"n\":{\"a\":[1,null]}}\nnot json\n",
            ),
            (Format::Json, b"{\"email\": 1}"),
            (Format::Csv, b"PK\x03\x04 a workbook"),
        ] {
            let inspection = crate::input::inspect(bytes, format, &options).unwrap(); // ok: test
            same(&inspection);
            seen.push((
                inspection.dialect.is_some(),
                inspection.binary.is_some(),
                inspection.error.is_some(),
            ));
        }
        // Each optional member present in one inspection and absent in another.
        for i in 0..3 {
            let present = |s: &(bool, bool, bool)| [s.0, s.1, s.2][i];
            assert!(
                seen.iter().any(present) && !seen.iter().all(present),
                "{seen:?}"
            );
        }
        let headers = [
            "E-mail",
            "first_name",
            "Surname",
            "customer id",
            "score",
            "company",
            "phone",
        ]
        .map(String::from);
        let samples = vec![
            vec!["a@x.com".to_string()],
            vec!["Ann".into()],
            vec!["Lee".into()],
            vec!["c-1".into()],
            vec!["1.5".into()],
            vec!["Acme".into()],
            vec!["+1 555 0100".into()],
        ];
        let suggestion = crate::suggest::suggest(&headers, &samples);
        assert!(suggestion.fields.len() >= 2, "{suggestion:?}");
        assert!(
            suggestion.email.is_some()
                && suggestion.first_name.is_some()
                && suggestion.last_name.is_some()
                && suggestion.id_field.is_some(),
            "{suggestion:?}"
        );
        same(&suggestion);
        same(&crate::suggest::suggest(&[], &[]));
        let err = crate::error::Error::from_issues(vec![crate::error::Issue::new(
            "segments[0].name",
            crate::error::IssueCode::TypeMismatch,
            "expected a string",
        )]);
        same(&err.issues);
        let account = crate::autopilot::account::AccountInfo(
            serde_json::from_str(
                r#"{"instanceId": "instance_1", "n": 1.25, "big": 12, "none": null, "list": [{"a": true}]}"#,
            )
            .unwrap(), // ok: test
        );
        same(&account);
    }
}
