//! JS ⇄ core conversion for the WASM module: core errors become real JS `Error`s (never a
//! bare string) carrying the SPEC §9 `code` and the field `path`, which the shared shim turns
//! into `CallStateError`.

use wasm_bindgen::JsValue;

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

/// Plan arguments as strings (`null`, `undefined` and non-strings → `None`).
pub(crate) fn strings(args: &[JsValue]) -> Vec<Option<String>> {
    args.iter().map(JsValue::as_string).collect()
}
