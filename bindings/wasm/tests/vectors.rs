//! Replays every golden case in `tests/vectors/*.json` inside the real WASM module
//! (`wasm-pack test --node bindings/wasm`), through the exported `RawCodec`. The op mapping is
//! the one `tests/vectors.rs` (the Rust runner) uses; inputs are handed over as the JS shim
//! hands them (JSON text, Invalid Dates as `"Invalid Date"`), errors are read back from the JS
//! `Error` the module throws (`code`, `path`), which must never be a bare string.
#![cfg(target_arch = "wasm32")]

use callstate_wasm::RawCodec;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    cases: Vec<Case<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case<'a> {
    name: String,
    op: String,
    #[serde(borrow)]
    options: Option<&'a RawValue>,
    #[serde(borrow)]
    input: &'a RawValue,
    #[serde(borrow)]
    expect: Option<&'a RawValue>,
    error: Option<Expected>,
    expect_compressed: Option<bool>,
}

#[derive(Deserialize)]
struct Expected {
    code: String,
    path: Option<String>,
}

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
    let codec = RawCodec::new(None).expect("default codec");
    let err = codec
        .decode(r#"{"callSid":"CA12","stage":"ASK_ACTION","attemptCount":-1}"#)
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
    let result = RawCodec::new(options).and_then(|codec| op(&codec, case));
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
fn op(codec: &RawCodec, case: &Case<'_>) -> Result<String, JsValue> {
    let input = case.input.get();
    let value = || serde_json::from_str::<Value>(input).unwrap_or(Value::Null);
    let text = || value().as_str().unwrap_or_default().to_string();
    let quoted = |s: String| serde_json::to_string(&s).unwrap_or_default();
    let envelope = |v: &str| v.contains("\"compressed\":\"") && !v.contains("\"callSid\"");
    Ok(match case.op.as_str() {
        "key" => quoted(codec.key(&text())?),
        "stageTtl" => codec.stage_ttl(&text()).to_string(),
        "extendedTtl" => {
            let v = value();
            let n = |i: usize| v[i].as_f64().unwrap_or(f64::NAN);
            codec.extended_ttl(n(0), n(1))?
        }
        "encode" => quoted(codec.encode(&js_state(input))?),
        "decode" => codec.decode(&stored(input))?,
        "decodeRecord" => codec.decode_record(&stored(input))?,
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
            let stored = codec.encode(&js_state(input))?;
            let compressed = envelope(&stored);
            if case.expect_compressed.is_some_and(|want| want != compressed) {
                return Ok(format!("\"compressed = {compressed}\""));
            }
            let back = codec.decode(&stored)?;
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

/// The `code`, `path` and `message` of a thrown JS `Error`; `None` for anything else.
fn thrown(err: JsValue) -> Option<Thrown> {
    let error = err.dyn_into::<js_sys::Error>().ok()?;
    let get = |k: &str| js_sys::Reflect::get(&error, &k.into()).ok().and_then(|v| v.as_string());
    Some(Thrown { code: get("code")?, path: get("path"), message: error.message().into() })
}

/// A stored value given as a JSON string in the vector (lone surrogate escapes kept).
fn stored(input: &str) -> String {
    serde_json::from_str::<String>(input)
        .unwrap_or_else(|_| unescape_keep_surrogates(&input[1..input.len() - 1]))
}

/// A state as the JS shim hands it over: minified, Invalid Dates as `"Invalid Date"`.
fn js_state(input: &str) -> String {
    minify(input).replace(r#"{"$date":"invalid"}"#, r#""Invalid Date""#)
}

/// Strips whitespace outside strings.
fn minify(text: &str) -> String {
    let (mut out, mut in_str, mut esc) = (String::with_capacity(text.len()), false, false);
    for c in text.chars() {
        if in_str {
            out.push(c);
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_str = c == '"';
            out.push(c);
        }
    }
    out
}

/// Compares JSON texts as values (numbers as numbers, lone surrogate escapes as written).
fn same_json(a: &str, b: &str) -> bool {
    let parse = |t: &str| serde_json::from_str::<Value>(&mark_lone_surrogates(t)).ok().map(numbers);
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Every number as an `f64`, so `100` and `100.0` compare equal (as in JS).
fn numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| serde_json::json!(f)),
        Value::Array(a) => Value::Array(a.into_iter().map(numbers).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, numbers(v))).collect()),
        other => other,
    }
}

/// Rewrites each lone `\uD800`-`\uDFFF` escape as literal text (`\\udxxx`), lower-cased.
fn mark_lone_surrogates(t: &str) -> String {
    let b = t.as_bytes();
    let hex_at = |i: usize| -> Option<u16> {
        (b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u'))
            .then(|| t.get(i + 2..i + 6).and_then(|h| u16::from_str_radix(h, 16).ok()))
            .flatten()
    };
    let (mut out, mut i) = (String::with_capacity(t.len()), 0);
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'\\') {
            out.push_str("\\\\");
            i += 2;
            continue;
        }
        match hex_at(i) {
            Some(0xD800..=0xDBFF) if matches!(hex_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                out.push_str(&t[i..i + 12]);
                i += 12;
            }
            Some(h @ 0xD800..=0xDFFF) => {
                out.push_str(&format!("\\\\u{h:04x}"));
                i += 6;
            }
            _ => {
                let c = t[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Unescapes a JSON string body, keeping lone surrogate escapes as `\udxxx` text.
fn unescape_keep_surrogates(inner: &str) -> String {
    let marked = mark_lone_surrogates(inner);
    serde_json::from_str::<String>(&format!("\"{marked}\"")).unwrap_or_default()
}
