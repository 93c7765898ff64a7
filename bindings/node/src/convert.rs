//! JS ⇄ core conversion for the napi module: core errors become JS `Error`s carrying the
//! SPEC §9 `code` and the field `path`, which the shared shim turns into `CallStateError`.

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

/// Plan arguments as the core takes them (`null`/`undefined` → `None`).
pub(crate) fn args(args: &[Option<String>]) -> Vec<Option<&str>> {
    args.iter().map(Option::as_deref).collect()
}
