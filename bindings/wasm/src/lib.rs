//! The `callstate-wasm` module: exports only. JS ⇄ core conversion lives in [`convert`];
//! defaults and validation live in the core. The public API is built over [`RawCodec`] by the
//! shared shim (`bindings/js`), the same shim that wraps the napi build.
//!
//! States cross as strings both ways (SPEC §12): JSON text in (read by one `encodeInto`, see
//! [`convert`]), JSON text out, `JSON.parse` on the JS side. A panic here traps (`RuntimeError: unreachable`): a JS exception, never an abort.

use callstate::{Codec, wire};
use js_sys::JsString;
use wasm_bindgen::prelude::*;

mod convert;

/// Test-only, not part of any API (the shim never calls it, no type names it): panics, which
/// in the shipped build (`panic = "immediate-abort"`) is a WebAssembly trap. The JS suite calls
/// it to check that the shim turns a trap into a `CallStateError`.
#[doc(hidden)]
#[wasm_bindgen(js_name = __callstateTestTrap)]
#[allow(clippy::panic)]
pub fn test_trap() {
    panic!("test-only trap");
}

use convert::JsResult;

/// A configured codec. Every method takes strings (JSON text where structured) and returns
/// strings — or, on the fast path, nothing (`encode`) or an offset (`decode`) — exactly like the
/// napi build's `RawCodec`; errors are `Error`s with `code` and `path`.
#[wasm_bindgen(js_name = RawCodec)]
pub struct RawCodec {
    codec: Codec,
    input: convert::Utf8Reader,
}

#[wasm_bindgen(js_class = RawCodec)]
impl RawCodec {
    /// Builds a codec from `JSON.stringify(options)` (`null` or absent: the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: Option<String>) -> Result<RawCodec, JsValue> {
        let codec = wire::codec(options_json.as_deref().unwrap_or_default()).js()?;
        Ok(RawCodec { codec, input: convert::Utf8Reader::new() })
    }

    /// The Redis key of a call's state.
    pub fn key(&self, call_sid: &str) -> Result<String, JsValue> {
        self.codec.state_key(call_sid).js()
    }

    /// Seconds a state in `stage` lives.
    #[wasm_bindgen(js_name = stageTtl)]
    pub fn stage_ttl(&self, stage: &str) -> u32 {
        self.codec.stage_ttl(stage)
    }

    /// The TTL after extending `current` by `add` seconds, as JSON (`null`: leave the key alone).
    #[wasm_bindgen(js_name = extendedTtl)]
    pub fn extended_ttl(&self, current: f64, add: f64) -> Result<String, JsValue> {
        wire::extended_ttl(&self.codec, current, add).js()
    }

    /// The stored value for a state given as JSON text (dates as strings), or `undefined` when
    /// it is `wire::ENCODED_HEAD` + the input after its `{` (see `callstate::wire::encode`).
    pub fn encode(&mut self, state_json: &JsString) -> Result<Option<String>, JsValue> {
        wire::encode(&self.codec, self.input.read(state_json)).js()
    }

    /// The state JSON of a stored value (any version, compressed or not), or the offset `k`
    /// when it is `'{' + stored.slice(k)` (see `callstate::wire::decode`).
    pub fn decode(&mut self, stored: &JsString) -> Result<JsValue, JsValue> {
        wire::decode(&self.codec, self.input.read(stored)).js().map(convert::state_text)
    }

    /// `{state, revision, schemaVersion, migratedFrom}` as JSON text.
    #[wasm_bindgen(js_name = decodeRecord)]
    pub fn decode_record(&mut self, stored: &JsString) -> Result<String, JsValue> {
        wire::decode_record(&self.codec, self.input.read(stored)).js()
    }

    /// The state JSON of `data_json` migrated from `version` (`v1`, `v2`, `v3`).
    pub fn migrate(&self, data_json: &str, version: &str) -> Result<String, JsValue> {
        wire::migrate(&self.codec, data_json, version).js()
    }

    /// The seed's `compressJobData`: the job record's essential fields, as JSON text.
    #[wasm_bindgen(js_name = compressJobData)]
    pub fn compress_job_data(&self, job_json: &str) -> Result<String, JsValue> {
        self.codec.compress_job_data(job_json).js()
    }

    /// A store plan by operation name, as JSON (see `callstate::wire::plan`); `args` holds
    /// strings and `null`s.
    pub fn plan(&mut self, op: &str, args: Vec<JsValue>) -> Result<String, JsValue> {
        let args = convert::strings(&mut self.input, &args);
        wire::plan(&self.codec, op, &args.iter().map(Option::as_deref).collect::<Vec<_>>()).js()
    }
}
