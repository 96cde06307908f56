//! Profile sources from JS: arrays of plain objects, CSV / NDJSON / JSON bytes or strings,
//! and (async) iterables of chunks of either. Conversion only: parsing is `crate::input`.

use crate::error::{Error, ErrorCode};
use crate::input::{Cell, Format, Parser, RowSink};
use crate::plan::Planner;
use crate::report::RejectReason;
use js_sys::{Array, ArrayBuffer, Function, Promise, Reflect, Symbol, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bytes are copied into wasm memory in slices of this size, so a large buffer never needs a
/// second full copy.
const SLICE: u32 = 1 << 20;
/// Plain objects yielded one by one are stringified in groups of this many.
const RECORD_GROUP: u32 = 2_000;

fn input_error(segment: usize, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InputInvalid,
        format!("segments[{segment}].profiles: {message}"),
    )
}

/// Forwards rows to the planner with row numbers continued across chunks of records.
struct Offset<'a> {
    inner: &'a mut Planner,
    offset: u64,
    last: u64,
}

impl RowSink for Offset<'_> {
    fn columns(&mut self, missing: &[usize]) -> Result<(), Error> {
        self.inner.columns(missing)
    }
    fn row(&mut self, row: u64, cells: &[Cell<'_>]) {
        self.last = self.last.max(row);
        self.inner.row(self.offset + row, cells);
    }
    fn reject(&mut self, row: u64, reason: RejectReason, detail: Option<&str>) {
        self.last = self.last.max(row);
        self.inner.reject(self.offset + row, reason, detail);
    }
}

enum Mode {
    /// Plain objects: each chunk is a JSON array document of its own.
    Records { next_row: u64, pending: Array },
    /// One byte stream in one format.
    Bytes(Parser),
}

/// Feeds one segment's chunks into the planner.
struct Feeder<'a> {
    planner: &'a mut Planner,
    segment: usize,
    fields: Vec<String>,
    mode: Mode,
    buf: Vec<u8>,
}

impl<'a> Feeder<'a> {
    fn new(planner: &'a mut Planner, segment: usize, format: Option<Format>) -> Self {
        let fields = planner.fields();
        let mode = match format {
            Some(f) => Mode::Bytes(Parser::new(f, fields.clone())),
            None => Mode::Records {
                next_row: 0,
                pending: Array::new(),
            },
        };
        Feeder {
            planner,
            segment,
            fields,
            mode,
            buf: Vec::new(),
        }
    }

    /// One chunk: in records mode an array of records or a single record; in bytes mode a
    /// `Uint8Array`, an `ArrayBuffer` or a string.
    fn item(&mut self, v: &JsValue) -> Result<(), Error> {
        match &mut self.mode {
            Mode::Records { pending, .. } => {
                if Array::is_array(v) {
                    self.flush_records()?;
                    let text = stringify(v).map_err(|e| input_error(self.segment, e))?;
                    self.records_document(&text)
                } else {
                    pending.push(v);
                    if pending.length() >= RECORD_GROUP {
                        self.flush_records()?;
                    }
                    Ok(())
                }
            }
            Mode::Bytes(_) => {
                if let Some(s) = v.as_string() {
                    return self.bytes(s.as_bytes());
                }
                let view = if let Some(u8a) = v.dyn_ref::<Uint8Array>() {
                    u8a.clone()
                } else if let Some(ab) = v.dyn_ref::<ArrayBuffer>() {
                    Uint8Array::new(ab)
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
                    Uint8Array::new_with_byte_offset_and_length(&buf, off as u32, len as u32)
                } else {
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
                    start = end;
                }
                Ok(())
            }
        }
    }

    fn bytes(&mut self, data: &[u8]) -> Result<(), Error> {
        match &mut self.mode {
            Mode::Bytes(p) => p.feed(data, self.planner).map_err(|e| self.context(e)),
            Mode::Records { .. } => Ok(()),
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

    fn records_document(&mut self, text: &str) -> Result<(), Error> {
        let Mode::Records { next_row, .. } = &mut self.mode else {
            return Ok(());
        };
        let mut sink = Offset {
            inner: self.planner,
            offset: *next_row,
            last: 0,
        };
        let mut parser = Parser::new(Format::Json, self.fields.clone());
        parser.feed(text.as_bytes(), &mut sink)?;
        parser.finish(&mut sink)?;
        *next_row += sink.last;
        Ok(())
    }

    fn flush_records(&mut self) -> Result<(), Error> {
        let Mode::Records { pending, .. } = &mut self.mode else {
            return Ok(());
        };
        if pending.length() == 0 {
            return Ok(());
        }
        let group = std::mem::replace(pending, Array::new());
        let text = stringify(&group).map_err(|e| input_error(self.segment, e))?;
        self.records_document(&text)
    }

    fn finish(mut self) -> Result<(), Error> {
        self.flush_records()?;
        if let Mode::Bytes(p) = &mut self.mode {
            p.finish(self.planner).map_err(|e| self.context(e))?;
        }
        Ok(())
    }
}

/// `JSON.stringify`, with a readable error for values JSON cannot hold (BigInt, cycles).
fn stringify(v: &JsValue) -> Result<String, String> {
    match JSON::stringify(v) {
        Ok(s) => s
            .as_string()
            .ok_or_else(|| "the records could not be converted to JSON".to_string()),
        Err(e) => Err(format!(
            "the records could not be converted to JSON ({})",
            crate::wasm::fetch::describe(&e)
        )),
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
}

fn shape(segment: usize, profiles: &JsValue) -> Result<Shape, Error> {
    let bad = || {
        input_error(
            segment,
            "expected an array of objects, { csv | ndjson | json: bytes, string or (async) iterable of chunks }, or an (async) iterable of records",
        )
    };
    if Array::is_array(profiles) {
        return Ok(Shape::Whole(profiles.clone(), None));
    }
    if !profiles.is_object() {
        return Err(bad());
    }
    for (key, format) in [
        ("csv", Format::Csv),
        ("ndjson", Format::Ndjson),
        ("json", Format::Json),
    ] {
        let v = Reflect::get(profiles, &key.into()).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() {
            continue;
        }
        if v.is_string()
            || v.is_instance_of::<Uint8Array>()
            || v.is_instance_of::<ArrayBuffer>()
            || ArrayBuffer::is_view(&v)
        {
            return Ok(Shape::Whole(v, Some(format)));
        }
        return iterable(&v, Some(format)).ok_or_else(bad);
    }
    iterable(profiles, None).ok_or_else(bad)
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

/// Feeds segment `index` synchronously. Async iterables are refused (use the async variant).
pub fn feed_sync(planner: &mut Planner, index: usize, profiles: &JsValue) -> Result<(), Error> {
    planner.begin_segment(index)?;
    match shape(index, profiles)? {
        Shape::Whole(v, format) => {
            let mut f = Feeder::new(planner, index, format);
            f.item(&v)?;
            f.finish()
        }
        Shape::Iter(v, format) => {
            let mut f = Feeder::new(planner, index, format);
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
        Shape::AsyncIter(..) => Err(input_error(
            index,
            "an async iterable needs previewAsync() (exportSegments accepts it)",
        )),
    }
}

/// Feeds segment `index`, awaiting async iterables chunk by chunk.
pub async fn feed_async(
    planner: &mut Planner,
    index: usize,
    profiles: &JsValue,
) -> Result<(), Error> {
    let (v, format) = match shape(index, profiles)? {
        Shape::AsyncIter(v, format) => (v, format),
        _ => return feed_sync(planner, index, profiles),
    };
    planner.begin_segment(index)?;
    let mut f = Feeder::new(planner, index, format);
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
    }
    f.finish()
}
