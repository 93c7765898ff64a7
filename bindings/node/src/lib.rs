//! The `callstate` native module: exports only. JS ⇄ core conversion lives in [`convert`];
//! defaults and validation live in the core. The public API is built over [`RawCodec`] by the
//! shared shim (`bindings/js`), the same shim that wraps the WASM build.

use callstate::{Codec, CodecOptions, record_json, state_json};
use napi::bindgen_prelude::*;
use napi_derive::napi;

mod convert;

use convert::{JsResult, thrown};

/// A configured codec. Every method takes and returns strings (JSON text where structured),
/// exactly like the WASM build's `RawCodec`; errors are `Error`s with `code` and `path`.
#[napi(js_name = "RawCodec")]
pub struct RawCodec {
    codec: Codec,
}

#[napi]
impl RawCodec {
    /// Builds a codec from `JSON.stringify(options)` (`null` or absent: the defaults).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options_json: Option<String>) -> Result<Self> {
        let options = match options_json {
            Some(text) => CodecOptions::from_json(&text),
            None => Ok(CodecOptions::default()),
        };
        let codec = options.and_then(Codec::new).or_else(|e| thrown(&env, e))?;
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

    /// The TTL after extending `current` by `add` seconds; `null`: leave the key alone.
    #[napi(js_name = "extendedTtl", catch_unwind)]
    pub fn extended_ttl(&self, env: Env, current: f64, add: f64) -> Result<Option<i64>> {
        self.codec.extended_ttl(current, add).js(&env)
    }

    /// The stored value for a state given as JSON text (dates as strings).
    #[napi(catch_unwind)]
    pub fn encode(&self, env: Env, state_json: String) -> Result<String> {
        self.codec.parse_state(&state_json).and_then(|s| self.codec.encode(&s)).js(&env)
    }

    /// The state JSON of a stored value (any version, compressed or not).
    #[napi(catch_unwind)]
    pub fn decode(&self, env: Env, stored: String) -> Result<String> {
        self.codec.decode(&stored).map(|r| state_json(&r.state)).js(&env)
    }

    /// `{state, revision, schemaVersion, migratedFrom}` as JSON text.
    #[napi(js_name = "decodeRecord", catch_unwind)]
    pub fn decode_record(&self, env: Env, stored: String) -> Result<String> {
        self.codec.decode(&stored).map(|r| record_json(&r)).js(&env)
    }

    /// The state JSON of `data_json` migrated from `version` (`v1`, `v2`, `v3`).
    #[napi(catch_unwind)]
    pub fn migrate(&self, env: Env, data_json: String, version: String) -> Result<String> {
        self.codec.migrate(&data_json, &version).map(|s| state_json(&s)).js(&env)
    }

    /// The seed's `compressJobData`: the job record's essential fields, as JSON text.
    #[napi(js_name = "compressJobData", catch_unwind)]
    pub fn compress_job_data(&self, env: Env, job_json: String) -> Result<String> {
        self.codec.compress_job_data(&job_json).js(&env)
    }
}
