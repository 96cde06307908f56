//! Profile sources from JS: arrays of plain objects, CSV / NDJSON / JSON bytes or strings,
//! (async) iterables of chunks of either, and URL sources streamed with the runtime's fetch.
//! Conversion only: parsing is `crate::input`, the record-crossing contract is
//! `crate::input::Format::JsonRows`, the download rules `crate::download`.

use crate::download::UrlSource;
use crate::error::{Error, ErrorCode};
use crate::input::{Cell, Format, Parser, RowSink, SourceOptions};
use crate::plan::Planner;
use crate::report::RejectReason;
use js_sys::{Array, ArrayBuffer, Function, Promise, Reflect, Symbol, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bytes are copied into wasm memory in slices of this size, so a large buffer never needs a
/// second full copy.
const SLICE: u32 = 1 << 20;
/// Plain objects are projected (and copied into wasm memory) in groups of this many.
const RECORD_GROUP: u32 = 2_000;

fn input_error(segment: usize, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InputInvalid,
        format!("segments[{segment}].profiles: {message}"),
    )
}

// Encodes plain-object records as positional rows, exactly as the contract of
// `crate::input::Format::JsonRows` says, as UTF-8 bytes (the JS ships verbatim, so it
// carries no comments).
#[wasm_bindgen(inline_js = r#"
const own = Object.prototype.hasOwnProperty;
const big = (k, v) => (typeof v === 'bigint' ? v.toString() : v);
const utf8 = new TextEncoder();
function one(v) { try { return JSON.stringify(v, big) ?? 'null'; } catch { return '{}'; } }
function text(out) {
  try { return JSON.stringify(out); } catch {}
  return '[' + out.map((row) => (row === 0 ? '0' : '[' + row.map(one).join(',') + ']')).join(',') + ']';
}
export function projectRecords(records, fields) {
  const n = fields.length;
  const out = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r === null || typeof r !== 'object' || Array.isArray(r)) { out[i] = 0; continue; }
    const row = new Array(n);
    for (let j = 0; j < n; j++) row[j] = own.call(r, fields[j]) ? r[fields[j]] : null;
    out[i] = row;
  }
  return utf8.encode(text(out));
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = projectRecords, catch)]
    fn project_records(records: &Array, fields: &Array) -> Result<Uint8Array, JsValue>;
}

/// Forwards a slice's rows to the planner with row numbers continued across slices.
struct Offset<'a> {
    inner: &'a mut Planner,
    offset: u64,
}

impl RowSink for Offset<'_> {
    fn columns(&mut self, missing: &[usize]) -> Result<(), Error> {
        self.inner.columns(missing)
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        self.inner.row(self.offset + row, cells);
    }
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        self.inner.reject(self.offset + row, reason, detail);
    }
}

/// Feeds one segment's chunks into the planner.
struct Feeder<'a> {
    planner: &'a mut Planner,
    /// Called between slices of input (the export sends its reads meanwhile); `true` asks
    /// for a turn of the event loop (taken where the feeding can await, see `feed_async`).
    tick: &'a mut dyn FnMut() -> bool,
    /// A turn of the event loop was asked for.
    pause_wanted: bool,
    segment: usize,
    /// Plain-object records are projected in JS into positional rows, one JSON text per
    /// slice; `next_row` numbers them across slices. Bytes go through `parser`.
    records: bool,
    next_row: u64,
    parser: Parser,
    /// What a string chunk meets ([`SourceOptions::check_text`]).
    text: Result<(), Error>,
    names: Vec<String>,
    fields: Array,
    pending: Array,
    buf: Vec<u8>,
}

impl<'a> Feeder<'a> {
    fn new(
        planner: &'a mut Planner,
        tick: &'a mut dyn FnMut() -> bool,
        segment: usize,
        format: Option<Format>,
        options: &SourceOptions,
    ) -> Result<Self, Error> {
        let names = planner.fields();
        let fields: Array = names.iter().map(|f| JsValue::from_str(f)).collect();
        let parser = Parser::with_options(
            format.unwrap_or(Format::JsonRows),
            names.clone(),
            options,
            &format!("segments[{segment}].profiles."),
        )?;
        Ok(Feeder {
            planner,
            tick,
            pause_wanted: false,
            segment,
            records: format.is_none(),
            text: options.check_text(),
            next_row: 0,
            parser,
            names,
            fields,
            pending: Array::new(),
            buf: Vec::new(),
        })
    }

    /// One chunk: with records, an array of records or a single record; with bytes, a
    /// `Uint8Array`, an `ArrayBuffer` (or a view) or a string.
    fn item(&mut self, v: &JsValue) -> Result<(), Error> {
        if self.records {
            if Array::is_array(v) {
                self.flush_records()?;
                return self.project(v.unchecked_ref());
            }
            self.pending.push(v);
            if self.pending.length() >= RECORD_GROUP {
                self.flush_records()?;
            }
            return Ok(());
        }
        if let Some(s) = v.as_string() {
            self.text.clone().map_err(|e| self.context(e))?;
            return self.bytes(s.as_bytes());
        }
        let Some(view) = self.view(v) else {
            return Err(input_error(
                self.segment,
                "a chunk must be a Uint8Array, an ArrayBuffer or a string",
            ));
        };
        let len = view.length();
        let mut start = 0;
        while start < len {
            let end = (start + SLICE).min(len);
            let mut buf = std::mem::take(&mut self.buf);
            buf.resize((end - start) as usize, 0);
            view.subarray(start, end).copy_to(&mut buf);
            let r = self.bytes(&buf);
            self.buf = buf;
            r?;
            self.tick();
            start = end;
        }
        Ok(())
    }

    /// Between slices of input.
    fn tick(&mut self) {
        if (self.tick)() {
            self.pause_wanted = true;
        }
    }

    /// Takes a turn of the event loop if one was asked for.
    async fn pause_if_wanted(&mut self) {
        if std::mem::take(&mut self.pause_wanted) {
            super::timer::pause().await;
        }
    }

    /// Feeds a whole source piece by piece (record groups, byte slices), taking the turns of
    /// the event loop asked for in between.
    async fn whole(&mut self, v: &JsValue) -> Result<(), Error> {
        if self.records && Array::is_array(v) {
            let records: &Array = v.unchecked_ref();
            let len = records.length();
            let mut start = 0;
            while start < len {
                let end = (start + RECORD_GROUP).min(len);
                self.item(&records.slice(start, end))?;
                self.pause_if_wanted().await;
                start = end;
            }
            return Ok(());
        }
        if !self.records {
            if let Some(s) = v.as_string() {
                self.text.clone().map_err(|e| self.context(e))?;
                for chunk in s.as_bytes().chunks(SLICE as usize) {
                    self.bytes(chunk)?;
                    self.tick();
                    self.pause_if_wanted().await;
                }
                return Ok(());
            }
            if let Some(view) = self.view(v) {
                let len = view.length();
                let mut start = 0;
                while start < len {
                    let end = (start + SLICE).min(len);
                    self.item(&view.subarray(start, end).into())?;
                    self.pause_if_wanted().await;
                    start = end;
                }
                return Ok(());
            }
        }
        self.item(v)
    }

    fn bytes(&mut self, data: &[u8]) -> Result<(), Error> {
        let r = self.parser.feed(data, self.planner);
        r.map_err(|e| self.context(e))
    }

    /// The bytes of a `Uint8Array`, an `ArrayBuffer` or another view, as a `Uint8Array`.
    fn view(&self, v: &JsValue) -> Option<Uint8Array> {
        if let Some(u8a) = v.dyn_ref::<Uint8Array>() {
            Some(u8a.clone())
        } else if let Some(ab) = v.dyn_ref::<ArrayBuffer>() {
            Some(Uint8Array::new(ab))
        } else if ArrayBuffer::is_view(v) {
            let buf = Reflect::get(v, &"buffer".into()).unwrap_or(JsValue::UNDEFINED);
            let off = Reflect::get(v, &"byteOffset".into())
                .ok()
                .and_then(|x| x.as_f64())
                .unwrap_or(0.0);
            let len = Reflect::get(v, &"byteLength".into())
                .ok()
                .and_then(|x| x.as_f64())
                .unwrap_or(0.0);
            Some(Uint8Array::new_with_byte_offset_and_length(
                &buf, off as u32, len as u32,
            ))
        } else {
            None
        }
    }

    fn context(&self, mut e: Error) -> Error {
        if e.code == ErrorCode::InputInvalid
            && !e.message.starts_with("segments[")
            && !e.message.starts_with("segment '")
        {
            e.message = format!("segments[{}].profiles: {}", self.segment, e.message);
        }
        e
    }

    /// Projects `records` in slices of [`RECORD_GROUP`] (only one slice's text is in memory
    /// at a time, however long the array) and plans each slice's positional rows.
    fn project(&mut self, records: &Array) -> Result<(), Error> {
        let len = records.length();
        let mut start = 0;
        while start < len {
            let end = (start + RECORD_GROUP).min(len);
            let slice = if start == 0 && end == len {
                records.clone()
            } else {
                records.slice(start, end)
            };
            let text = project_records(&slice, &self.fields).map_err(|e| {
                let why = crate::wasm::fetch::describe(&e);
                input_error(
                    self.segment,
                    format!("the records could not be read ({why})"),
                )
            })?;
            // Copied into wasm memory as it is (no zero-filled buffer first).
            let text = text.to_vec();
            let mut rows = Parser::new(Format::JsonRows, self.names.clone());
            let mut sink = Offset {
                inner: self.planner,
                offset: self.next_row,
            };
            let fed = rows.feed_document(&text, &mut sink);
            fed.map_err(|e| self.context(e))?;
            self.next_row += rows.rows_seen();
            self.tick();
            start = end;
        }
        Ok(())
    }

    fn flush_records(&mut self) -> Result<(), Error> {
        if self.pending.length() == 0 {
            return Ok(());
        }
        let group = std::mem::replace(&mut self.pending, Array::new());
        self.project(&group)
    }

    fn finish(mut self) -> Result<(), Error> {
        self.flush_records()?;
        let r = self.parser.finish(self.planner);
        r.map_err(|e| self.context(e))
    }
}

/// What a segment's `profiles` value is.
enum Shape {
    /// A chunk fed as it is (an array of records, or bytes/string with a format).
    Whole(JsValue, Option<Format>),
    /// A sync iterable of chunks.
    Iter(JsValue, Option<Format>),
    /// An async iterable of chunks.
    AsyncIter(JsValue, Option<Format>),
    /// A URL the runtime's fetch streams.
    Url(UrlSource),
}

/// Reads a core document from `v` or gives its issues as `CONFIG_INVALID`.
fn read_spec<T: crate::read::Readable>(v: &JsValue, segment: usize) -> Result<T, Error> {
    super::convert::read(v, &format!("segments[{segment}].profiles")).strict()
}

/// Problems of a segment's source description that can be seen without reading it: a URL
/// source's url, format and headers; a byte source's options; unknown keys.
pub fn source_issues(segment: usize, profiles: &JsValue) -> Vec<crate::error::Issue> {
    match shape(segment, profiles) {
        Ok((_, options)) => {
            let format = Format::BYTES
                .iter()
                .find(|(_, k)| !super::convert::get(profiles, k).is_undefined())
                .map_or(Format::Csv, |(f, _)| *f);
            options.validate(format, &format!("segments[{segment}].profiles."))
        }
        Err(e) if e.code == ErrorCode::ConfigInvalid => e.issues,
        Err(_) => Vec::new(),
    }
}

/// The shape of `profiles` and its byte source options (read by the core, which reports an
/// unknown key next to them).
fn shape(segment: usize, profiles: &JsValue) -> Result<(Shape, SourceOptions), Error> {
    let bad = || {
        input_error(
            segment,
            "expected an array of objects, { csv | ndjson | json: bytes, string or (async) iterable of chunks }, { url, format }, or an (async) iterable of records",
        )
    };
    if Array::is_array(profiles) {
        return Ok((
            Shape::Whole(profiles.clone(), None),
            SourceOptions::default(),
        ));
    }
    if !profiles.is_object() {
        return Err(bad());
    }
    if !super::convert::get(profiles, "url").is_undefined() {
        let src: UrlSource = read_spec(profiles, segment)?;
        let issues = src.validate(&format!("segments[{segment}].profiles."));
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        let options = src.options();
        return Ok((Shape::Url(src), options));
    }
    for (format, key) in Format::BYTES {
        let v = super::convert::get(profiles, key);
        if v.is_undefined() {
            continue;
        }
        let options: SourceOptions =
            read_spec(&super::convert::without(profiles, &[key]), segment)?;
        if v.is_string()
            || v.is_instance_of::<Uint8Array>()
            || v.is_instance_of::<ArrayBuffer>()
            || ArrayBuffer::is_view(&v)
        {
            return Ok((Shape::Whole(v, Some(format)), options));
        }
        return iterable(&v, Some(format))
            .map(|s| (s, options))
            .ok_or_else(bad);
    }
    iterable(profiles, None)
        .map(|s| (s, SourceOptions::default()))
        .ok_or_else(bad)
}

fn iterable(v: &JsValue, format: Option<Format>) -> Option<Shape> {
    let has = |sym: Symbol| {
        Reflect::get(v, &sym)
            .map(|f| f.is_function())
            .unwrap_or(false)
    };
    if has(Symbol::async_iterator()) {
        Some(Shape::AsyncIter(v.clone(), format))
    } else if has(Symbol::iterator()) {
        Some(Shape::Iter(v.clone(), format))
    } else {
        None
    }
}

/// The iterator object of `v` for `sym`, and its `next` method.
fn iterator_of(v: &JsValue, sym: Symbol) -> Result<(JsValue, Function), JsValue> {
    let f: Function = Reflect::get(v, &sym)?.dyn_into()?;
    let it = f.call0(v)?;
    let next: Function = Reflect::get(&it, &"next".into())?.dyn_into()?;
    Ok((it, next))
}

fn step(result: &JsValue) -> Option<JsValue> {
    let done = Reflect::get(result, &"done".into())
        .map(|d| d.is_truthy())
        .unwrap_or(true);
    (!done).then(|| Reflect::get(result, &"value".into()).unwrap_or(JsValue::UNDEFINED))
}

/// Feeds segment `index` synchronously, calling `tick` between slices of input. Async
/// iterables and URLs are refused (use the async variant).
pub fn feed_sync(
    planner: &mut Planner,
    tick: &mut dyn FnMut() -> bool,
    index: usize,
    profiles: &JsValue,
) -> Result<(), Error> {
    planner.begin_segment(index)?;
    let (shape, options) = shape(index, profiles)?;
    match shape {
        Shape::Whole(v, format) => {
            let mut f = Feeder::new(planner, tick, index, format, &options)?;
            f.item(&v)?;
            f.finish()
        }
        Shape::Iter(v, format) => {
            let mut f = Feeder::new(planner, tick, index, format, &options)?;
            let (it, next) = iterator_of(&v, Symbol::iterator())
                .map_err(|e| input_error(index, crate::wasm::fetch::describe(&e)))?;
            loop {
                let r = next
                    .call0(&it)
                    .map_err(|e| input_error(index, crate::wasm::fetch::describe(&e)))?;
                match step(&r) {
                    Some(chunk) => f.item(&chunk)?,
                    None => break,
                }
            }
            f.finish()
        }
        Shape::AsyncIter(..) | Shape::Url(_) => Err(input_error(
            index,
            "an async iterable or a URL needs previewAsync() (exportSegments accepts it)",
        )),
    }
}

/// Feeds segment `index`, awaiting async iterables chunk by chunk and streaming URLs
/// (aborted with `signal`), calling `tick` between slices of input.
pub async fn feed_async(
    planner: &mut Planner,
    tick: &mut dyn FnMut() -> bool,
    index: usize,
    profiles: &JsValue,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<(), Error> {
    let (shape, options) = shape(index, profiles)?;
    let (v, format) = match shape {
        Shape::AsyncIter(v, format) => (v, format),
        Shape::Url(src) => {
            planner.begin_segment(index)?;
            let mut f = Feeder::new(planner, tick, index, src.parsed_format(), &options)?;
            super::download::stream(index, &src, signal, |chunk| f.item(chunk)).await?;
            return f.finish();
        }
        Shape::Whole(v, format) => {
            planner.begin_segment(index)?;
            let mut f = Feeder::new(planner, tick, index, format, &options)?;
            f.whole(&v).await?;
            return f.finish();
        }
        Shape::Iter(..) => return feed_sync(planner, tick, index, profiles),
    };
    planner.begin_segment(index)?;
    let mut f = Feeder::new(planner, tick, index, format, &options)?;
    let (it, next) = iterator_of(&v, Symbol::async_iterator())
        .map_err(|e| input_error(index, crate::wasm::fetch::describe(&e)))?;
    loop {
        let r = next
            .call0(&it)
            .map_err(|e| input_error(index, crate::wasm::fetch::describe(&e)))?;
        let r = JsFuture::from(Promise::resolve(&r))
            .await
            .map_err(|e| input_error(index, crate::wasm::fetch::describe(&e)))?;
        match step(&r) {
            Some(chunk) => f.item(&chunk)?,
            None => break,
        }
        f.pause_if_wanted().await;
    }
    f.finish()
}
