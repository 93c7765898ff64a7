//! Replays every golden case in `tests/vectors/*.json` against the core.
//!
//! The same files are replayed by the napi and WASM suites; see `tests/vectors/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use callstate::{Codec, CodecOptions, Error, record_json, state_json};
use serde_json::Value;
use serde_json::value::RawValue;

#[path = "support/paths.rs"]
mod paths;
#[path = "support/vectors.rs"]
mod support;
use support::{Case, File, compressed_mismatch, js_state, minify, same_json, stored};

/// Runs `check` on every case of every vector file; the failures, and how many passed.
fn each_case(check: impl Fn(&Case<'_>) -> Result<(), String>) -> (usize, Vec<String>) {
    let mut dir: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors"))
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    dir.sort();
    let (mut passed, mut failures) = (0, Vec::new());
    for path in &dir {
        let text = std::fs::read_to_string(path).expect("readable vector file");
        let file: File<'_> = serde_json::from_str(&text).expect("vector file parses");
        for case in &file.cases {
            let name = format!("{}: {}", path.file_name().unwrap_or_default().display(), case.name);
            match check(case) {
                Ok(()) => passed += 1,
                Err(why) => failures.push(format!("{name}: {why}")),
            }
        }
    }
    (passed, failures)
}

#[test]
fn golden_vectors() {
    let (passed, failures) = each_case(run);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        passed + failures.len(),
        failures.join("\n")
    );
    assert!(passed > 100, "only {passed} cases found");
}

/// Every encode and decode input, and every value encoded from one, through both paths.
#[test]
fn fast_path_agrees_with_full_path() {
    let fast = std::cell::Cell::new(0);
    let (_, failures) = each_case(|case| {
        let options = case.options.map(|o| CodecOptions::from_json(o.get()).and_then(Codec::new));
        let Ok(codec) = options.unwrap_or_else(|| Ok(Codec::default())) else { return Ok(()) };
        let count = |took: bool| fast.set(fast.get() + usize::from(took));
        match case.op.as_str() {
            "encode" | "roundtrip" | "encodeDecode" => {
                let text = js_state(case.input.get());
                count(paths::check_encode(&codec, &text)?);
                let Ok(value) = codec.parse_state(&text).and_then(|s| codec.encode(&s)) else {
                    return Ok(());
                };
                let decoded_fast = paths::check_decode(&codec, &value)?;
                count(decoded_fast);
                if let Some(shim) = paths::shim_text(&value) {
                    if !paths::check_encode(&codec, &shim)? || !decoded_fast {
                        return Err(format!("canonical text not recognised: {shim}"));
                    }
                    count(true);
                }
                Ok(())
            }
            "decode" | "decodeRecord" => {
                count(paths::check_decode(&codec, &stored(case.input.get()))?);
                Ok(())
            }
            _ => Ok(()),
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(fast.get() > 50, "the fast path was taken only {} times", fast.get());
}

fn run(case: &Case<'_>) -> Result<(), String> {
    // The `codec` op's options are its input.
    let options = if case.op == "codec" { Some(case.input) } else { case.options };
    let codec = match options {
        Some(o) => CodecOptions::from_json(o.get()).and_then(Codec::new),
        None => Ok(Codec::default()),
    };
    let result = codec.and_then(|codec| op(&codec, case));
    match (result, &case.error) {
        (Ok(got), None) => {
            let want = case.expect.map(|e| e.get()).unwrap_or("null");
            if same_json(&got, want) { Ok(()) } else { Err(format!("got {got}, want {want}")) }
        }
        (Ok(got), Some(e)) => Err(format!("got {got}, want error {}", e.code)),
        (Err(err), None) => Err(format!("unexpected error {}: {err}", err.code())),
        (Err(err), Some(e)) => {
            if err.code() != e.code {
                return Err(format!("got {} ({err}), want {}", err.code(), e.code));
            }
            match &e.path {
                Some(p) if err.path() != Some(p.as_str()) => {
                    Err(format!("got path {:?}, want {p:?} ({err})", err.path()))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Runs one case's operation; its result is JSON text compared with `expect`.
fn op(codec: &Codec, case: &Case<'_>) -> Result<String, Error> {
    let input = case.input.get();
    let value = || serde_json::from_str::<Value>(input).unwrap_or(Value::Null);
    let text = || value().as_str().unwrap_or_default().to_string();
    let quoted = |s: String| serde_json::to_string(&s).unwrap_or_default();
    Ok(match case.op.as_str() {
        "key" => quoted(codec.state_key(&text())?),
        "stageTtl" => codec.stage_ttl(&text()).to_string(),
        "extendedTtl" => {
            let v = value();
            let n = |i: usize| v[i].as_f64().unwrap_or(f64::NAN);
            match codec.extended_ttl(n(0), n(1))? {
                Some(t) => t.to_string(),
                None => "null".into(),
            }
        }
        "encode" => quoted(codec.encode(&codec.parse_state(&js_state(input))?)?),
        "decode" => state_json(&codec.decode(&stored(input))?.state),
        "decodeRecord" => record_json(&codec.decode(&stored(input))?),
        "migrate" => {
            let args: std::collections::HashMap<&str, &RawValue> =
                serde_json::from_str(input).unwrap_or_default();
            let data = args.get("data").map(|d| js_state(d.get())).unwrap_or_default();
            let version =
                args.get("version").and_then(|v| serde_json::from_str::<String>(v.get()).ok());
            state_json(&codec.migrate(&data, &version.unwrap_or_default())?)
        }
        "compressJobData" => quoted(codec.compress_job_data(&minify(input))?),
        "codec" => "true".into(),
        "encodeDecode" | "roundtrip" => {
            let state = codec.parse_state(&js_state(input))?;
            let value = codec.encode(&state)?;
            if let Some(mismatch) = compressed_mismatch(case, &value) {
                return Ok(mismatch);
            }
            let back = codec.decode(&value)?.state;
            match case.op.as_str() {
                "roundtrip" => (back == state).to_string(),
                _ => state_json(&back),
            }
        }
        other => panic!("unknown op {other}"),
    })
}
