//! The `callstate` native module: exports only. JS ⇄ core conversion lives in [`convert`];
//! defaults and validation live in the core. The public API is built over [`RawCodec`] by the
//! shared shim (`bindings/js`), the same shim that wraps the WASM build.

use callstate::{Codec, wire};
use napi::JsString;
use napi::bindgen_prelude::*;
use napi_derive::napi;

mod convert;

use convert::JsResult;

/// A configured codec. Every method takes strings (JSON text where structured) and returns
/// strings — or, on the fast path, nothing (`encode`) or an offset (`decode`) — exactly like the
/// WASM build's `RawCodec`; errors are `Error`s with `code` and `path`.
#[napi(js_name = "RawCodec")]
pub struct RawCodec {
    codec: Codec,
}

#[napi]
impl RawCodec {
    /// Builds a codec from `JSON.stringify(options)` (`null` or absent: the defaults).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options_json: Option<String>) -> Result<Self> {
        let codec = wire::codec(options_json.as_deref().unwrap_or_default()).js(&env)?;
        Ok(RawCodec { codec })
    }

    /// The Redis key of a call's state.
    #[napi(catch_unwind)]
    pub fn key(&self, env: Env, call_sid: String) -> Result<String> {
        self.codec.state_key(&call_sid).js(&env)
    }

    /// Seconds a state in `stage` lives.
    #[napi(js_name = "stageTtl", catch_unwind)]
    pub fn stage_ttl(&self, stage: String) -> u32 {
        self.codec.stage_ttl(&stage)
    }

    /// The TTL after extending `current` by `add` seconds, as JSON (`null`: leave the key alone).
    #[napi(js_name = "extendedTtl", catch_unwind)]
    pub fn extended_ttl(&self, env: Env, current: f64, add: f64) -> Result<String> {
        wire::extended_ttl(&self.codec, current, add).js(&env)
    }

    /// The stored value for a state given as JSON text (dates as strings), or `null` when it
    /// is `wire::ENCODED_HEAD` + the input after its `{` (see `callstate::wire::encode`).
    #[napi(catch_unwind)]
    pub fn encode<'e>(&self, env: &'e Env, state_json: String) -> Result<Option<JsString<'e>>> {
        let value = wire::encode(&self.codec, &state_json).js(env)?;
        value.map(|text| convert::text(env, text)).transpose()
    }

    /// The state JSON of a stored value (any version, compressed or not), or the offset `k`
    /// when it is `'{' + stored.slice(k)` (see `callstate::wire::decode`).
    #[napi(catch_unwind)]
    pub fn decode<'e>(&self, env: &'e Env, stored: String) -> Result<Either<u32, JsString<'e>>> {
        convert::state_text(env, wire::decode(&self.codec, &stored).js(env)?)
    }

    /// `{state, revision, schemaVersion, migratedFrom}` as JSON text.
    #[napi(js_name = "decodeRecord", catch_unwind)]
    pub fn decode_record<'e>(&self, env: &'e Env, stored: String) -> Result<JsString<'e>> {
        convert::text(env, wire::decode_record(&self.codec, &stored).js(env)?)
    }

    /// The state JSON of `data_json` migrated from `version` (`v1`, `v2`, `v3`).
    #[napi(catch_unwind)]
    pub fn migrate(&self, env: Env, data_json: String, version: String) -> Result<String> {
        wire::migrate(&self.codec, &data_json, &version).js(&env)
    }

    /// The seed's `compressJobData`: the job record's essential fields, as JSON text.
    #[napi(js_name = "compressJobData", catch_unwind)]
    pub fn compress_job_data(&self, env: Env, job_json: String) -> Result<String> {
        self.codec.compress_job_data(&job_json).js(&env)
    }

    /// A store plan by operation name, as JSON (see `callstate::wire::plan`).
    #[napi(catch_unwind)]
    pub fn plan(&self, env: Env, op: String, args: Vec<Option<String>>) -> Result<String> {
        wire::plan(&self.codec, &op, &convert::args(&args)).js(&env)
    }
}
