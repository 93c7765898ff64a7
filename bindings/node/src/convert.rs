//! JS ⇄ core conversion for the napi module: core errors become JS `Error`s carrying the
//! SPEC §9 `code` and the field `path`, which the shared shim turns into `CallStateError`.

use callstate::wire::StateText;
use napi::JsString;
use napi::bindgen_prelude::*;

/// Converts a core result into a napi result, building the JS error on failure.
pub(crate) trait JsResult<T> {
    /// The value, or a thrown JS `Error` with `code` and `path`.
    fn js(self, env: &Env) -> Result<T>;
}

impl<T> JsResult<T> for std::result::Result<T, callstate::Error> {
    fn js(self, env: &Env) -> Result<T> {
        self.or_else(|e| thrown(env, e))
    }
}

/// A JS `Error` for `e`: `message` is the core's one-line text, `code` the stable code, and
/// `path` the field at fault (absent when none is).
fn thrown<T>(env: &Env, e: callstate::Error) -> Result<T> {
    let mut error = env.create_error(Error::new(Status::GenericFailure, e.to_string()))?;
    error.set_named_property("code", e.code())?;
    if let Some(path) = e.path() {
        error.set_named_property("path", path)?;
    }
    Err(Error::from(error.to_unknown()))
}

/// A JS string for JSON text from the core. ASCII text (nearly every stored value) is created
/// as Latin-1, a copy with no UTF-8 decoding; other text as UTF-8.
pub(crate) fn text(env: &Env, text: String) -> Result<JsString<'_>> {
    if text.is_ascii() {
        env.create_string_latin1(text.as_bytes())
    } else {
        env.create_string(&text)
    }
}

/// [`wire::StateText`] for JS: the offset as a number, or the JSON as a string.
pub(crate) fn state_text(env: &Env, state: StateText) -> Result<Either<u32, JsString<'_>>> {
    match state {
        // A stored value is under `maxBytes` (≤ 4 GiB), so the offset fits.
        StateText::Tail(at) => Ok(Either::A(u32::try_from(at).unwrap_or(u32::MAX))),
        StateText::Json(json) => text(env, json).map(Either::B),
    }
}

/// Plan arguments as the core takes them (`null`/`undefined` → `None`).
pub(crate) fn args(args: &[Option<String>]) -> Vec<Option<&str>> {
    args.iter().map(Option::as_deref).collect()
}
