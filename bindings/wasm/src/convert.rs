//! JS ⇄ core conversion for the WASM module: core errors become real JS `Error`s (never a
//! bare string) carrying the SPEC §9 `code` and the field `path`, which the shared shim turns
//! into `CallStateError`.

use callstate::wire::StateText;
use js_sys::JsString;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    /// The runtime's `TextEncoder` (every supported runtime has one).
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    /// Writes `source` as UTF-8 straight into `dest` (a view of this module's memory).
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, source: &JsString, dest: &mut [u8]) -> EncodeIntoResult;

    /// What `encodeInto` reports.
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> u32;
}

/// Reads JS strings into the module's memory with one native `encodeInto`, not wasm-bindgen's
/// per-character copy loop (measured 16× slower for a 514-byte state, 40× for 6.4 KB).
pub(crate) struct Utf8Reader {
    encoder: TextEncoder,
    bytes: Vec<u8>,
}

/// Buffers above this size are released after use rather than kept by the codec.
const KEEP_BYTES: usize = 256 * 1024;

impl Utf8Reader {
    /// A reader with an empty buffer.
    pub(crate) fn new() -> Utf8Reader {
        Utf8Reader { encoder: TextEncoder::new(), bytes: Vec::new() }
    }

    /// `text` as UTF-8 (lone surrogates, which the shim escapes beforehand, would become U+FFFD).
    pub(crate) fn read(&mut self, text: &JsString) -> &str {
        if self.bytes.len() > KEEP_BYTES {
            self.bytes = Vec::new();
        }
        // A UTF-16 unit is at most 3 UTF-8 bytes.
        let room = text.length() as usize * 3;
        if self.bytes.len() < room {
            self.bytes.resize(room, 0);
        }
        let written = self.encoder.encode_into(text, &mut self.bytes[..room]).written() as usize;
        // encodeInto writes whole UTF-8 sequences only.
        std::str::from_utf8(&self.bytes[..written.min(room)]).unwrap_or_default()
    }
}

/// Converts a core result into a wasm-bindgen result, building the JS error on failure.
pub(crate) trait JsResult<T> {
    /// The value, or a JS `Error` with `code` and `path` to throw.
    fn js(self) -> Result<T, JsValue>;
}

impl<T> JsResult<T> for Result<T, callstate::Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| error(&e))
    }
}

/// A JS `Error` for `e`: `message` is the core's one-line text, `code` the stable code, and
/// `path` the field at fault (absent when none is).
pub(crate) fn error(e: &callstate::Error) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    // Own data properties on a fresh Error object: `Reflect.set` cannot fail here.
    let _ = js_sys::Reflect::set(&error, &"code".into(), &e.code().into());
    if let Some(path) = e.path() {
        let _ = js_sys::Reflect::set(&error, &"path".into(), &path.into());
    }
    error.into()
}

/// Plan arguments as strings (`null`, `undefined` and non-strings → `None`), read by `input`.
pub(crate) fn strings(input: &mut Utf8Reader, args: &[JsValue]) -> Vec<Option<String>> {
    args.iter().map(|a| a.dyn_ref::<JsString>().map(|s| input.read(s).to_owned())).collect()
}

/// [`StateText`] for JS: the offset as a number, or the JSON as a string.
pub(crate) fn state_text(state: StateText) -> JsValue {
    match state {
        StateText::Tail(at) => JsValue::from_f64(at as f64),
        StateText::Json(json) => JsValue::from_str(&json),
    }
}
