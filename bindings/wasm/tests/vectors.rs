//! Replays every golden case in `tests/vectors/*.json` inside the real WASM module
//! (`wasm-pack test --node bindings/wasm`), through the exported `RawCodec`. The op mapping is
//! the one `tests/vectors.rs` (the Rust runner) uses; inputs are handed over as the JS shim
//! hands them (JSON text, Invalid Dates as `"Invalid Date"`), errors are read back from the JS
//! `Error` the module throws (`code`, `path`), which must never be a bare string.
#![cfg(target_arch = "wasm32")]

use callstate_wasm::RawCodec;
use serde_json::Value;
use serde_json::value::RawValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

#[path = "../../../tests/support/vectors.rs"]
mod support;
use support::{Case, File, compressed_mismatch, js_state, minify, same_json, stored};

/// A thrown JS error as the runner sees it.
struct Thrown {
    code: String,
    path: Option<String>,
    message: String,
}

#[wasm_bindgen_test]
fn golden_vectors() {
    let (mut passed, mut failures) = (0, Vec::new());
    for (file, text) in VECTORS {
        let parsed: File<'_> = serde_json::from_str(text).expect("vector file parses");
        for case in &parsed.cases {
            match run(case) {
                Ok(()) => passed += 1,
                Err(why) => failures.push(format!("{file}: {}: {why}", case.name)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        passed + failures.len(),
        failures.join("\n")
    );
    assert!(passed > 100, "only {passed} cases found");
}

#[wasm_bindgen_test]
fn errors_are_error_objects_with_code_and_path() {
    let mut codec = RawCodec::new(None).expect("default codec");
    let err = codec
        .decode(&r#"{"callSid":"CA12","stage":"ASK_ACTION","attemptCount":-1}"#.into())
        .expect_err("must fail");
    assert!(err.is_instance_of::<js_sys::Error>(), "not an Error: {err:?}");
    let t = thrown(err).expect("code");
    assert_eq!((t.code.as_str(), t.path.as_deref()), ("INVALID_FIELD", Some("attemptCount")));
    let err = RawCodec::new(Some("{\"ttl\":{\"stages\":{\"ASK_ACTION\":0}}}".into())).err();
    let t = err.and_then(thrown).expect("options error");
    assert_eq!(t.path.as_deref(), Some("options.ttl.stages.ASK_ACTION"));
}

fn run(case: &Case<'_>) -> Result<(), String> {
    let options = case.options.map(|o| o.get().to_string());
    let result = RawCodec::new(options).and_then(|mut codec| op(&mut codec, case));
    match (result, &case.error) {
        (Ok(got), None) => {
            let want = case.expect.map(|e| e.get()).unwrap_or("null");
            if same_json(&got, want) { Ok(()) } else { Err(format!("got {got}, want {want}")) }
        }
        (Ok(got), Some(e)) => Err(format!("got {got}, want error {}", e.code)),
        (Err(err), want) => {
            let t = thrown(err).ok_or("thrown value is not an Error with a code")?;
            let Some(want) = want else {
                return Err(format!("unexpected error {}: {}", t.code, t.message));
            };
            if t.code != want.code {
                return Err(format!("got {} ({}), want {}", t.code, t.message, want.code));
            }
            match &want.path {
                Some(p) if t.path.as_ref() != Some(p) => {
                    Err(format!("got path {:?}, want {p:?} ({})", t.path, t.message))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Runs one case's operation through `RawCodec`; its result is JSON text compared with `expect`.
fn op(codec: &mut RawCodec, case: &Case<'_>) -> Result<String, JsValue> {
    let input = case.input.get();
    let value = || serde_json::from_str::<Value>(input).unwrap_or(Value::Null);
    let text = || value().as_str().unwrap_or_default().to_string();
    let quoted = |s: String| serde_json::to_string(&s).unwrap_or_default();
    Ok(match case.op.as_str() {
        "key" => quoted(codec.key(&text())?),
        "stageTtl" => codec.stage_ttl(&text()).to_string(),
        "extendedTtl" => {
            let v = value();
            let n = |i: usize| v[i].as_f64().unwrap_or(f64::NAN);
            codec.extended_ttl(n(0), n(1))?
        }
        "encode" => quoted(encode(codec, &js_state(input))?),
        "decode" => decode(codec, &stored(input))?,
        "decodeRecord" => codec.decode_record(&stored(input).as_str().into())?,
        "migrate" => {
            let args: std::collections::HashMap<&str, &RawValue> =
                serde_json::from_str(input).unwrap_or_default();
            let data = args.get("data").map(|d| js_state(d.get())).unwrap_or_default();
            let version =
                args.get("version").and_then(|v| serde_json::from_str::<String>(v.get()).ok());
            codec.migrate(&data, &version.unwrap_or_default())?
        }
        "compressJobData" => quoted(codec.compress_job_data(&minify(input))?),
        "codec" => RawCodec::new(Some(input.to_string())).map(|_| "true".to_string())?,
        "encodeDecode" | "roundtrip" => {
            let stored = encode(codec, &js_state(input))?;
            if let Some(mismatch) = compressed_mismatch(case, &stored) {
                return Ok(mismatch);
            }
            let back = decode(codec, &stored)?;
            if case.op == "encodeDecode" {
                back
            } else {
                // Equal to the input validated as is (migrating from v3 only validates).
                same_json(&back, &codec.migrate(&js_state(input), "v3")?).to_string()
            }
        }
        other => return Err(JsValue::from_str(&format!("unknown op {other}"))),
    })
}

/// `encode` completed as the shim completes it: no text back means the head + the input.
fn encode(codec: &mut RawCodec, json: &str) -> Result<String, JsValue> {
    let value = codec.encode(&json.into())?;
    Ok(value.unwrap_or_else(|| format!("{}{}", callstate::wire::ENCODED_HEAD, &json[1..])))
}

/// `decode` completed as the shim completes it: a number is an offset into the stored text.
fn decode(codec: &mut RawCodec, stored: &str) -> Result<String, JsValue> {
    let value = codec.decode(&stored.into())?;
    match value.as_f64() {
        Some(at) => Ok(format!("{{{}", &stored[at as usize..])),
        None => Ok(value.as_string().unwrap_or_default()),
    }
}

/// The `code`, `path` and `message` of a thrown JS `Error`; `None` for anything else.
fn thrown(err: JsValue) -> Option<Thrown> {
    let error = err.dyn_into::<js_sys::Error>().ok()?;
    let get = |k: &str| js_sys::Reflect::get(&error, &k.into()).ok().and_then(|v| v.as_string());
    Some(Thrown { code: get("code")?, path: get("path"), message: error.message().into() })
}
