//! Replays every golden case in `tests/vectors/*.json` against the core.
//!
//! The same files are replayed by the napi and WASM suites; see `tests/vectors/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use callstate::{Codec, CodecOptions, Error, record_json, state_json};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

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
    error: Option<ExpectedError>,
    expect_compressed: Option<bool>,
}

#[derive(Deserialize)]
struct ExpectedError {
    code: String,
    path: Option<String>,
}

#[test]
fn golden_vectors() {
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
            match run(case) {
                Ok(()) => passed += 1,
                Err(why) => failures.push(format!("{name}: {why}")),
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
        "encodeDecode" => {
            let state = codec.parse_state(&js_state(input))?;
            let value = codec.encode(&state)?;
            let compressed = value.contains("\"compressed\":\"") && !value.contains("\"callSid\"");
            if case.expect_compressed.is_some_and(|want| want != compressed) {
                return Ok(format!("\"compressed = {compressed}\""));
            }
            state_json(&codec.decode(&value)?.state)
        }
        "roundtrip" => {
            let state = codec.parse_state(&js_state(input))?;
            let value = codec.encode(&state)?;
            let compressed = value.contains("\"compressed\":\"") && !value.contains("\"callSid\"");
            if case.expect_compressed.is_some_and(|want| want != compressed) {
                return Ok(format!("\"compressed = {compressed}\""));
            }
            let back = codec.decode(&value)?.state;
            (back == state).to_string()
        }
        other => panic!("unknown op {other}"),
    })
}

/// A stored value given as a JSON string in the vector.
fn stored(input: &str) -> String {
    serde_json::from_str::<String>(input).unwrap_or_else(|_| {
        // Lone surrogates: keep the escapes, unquote by hand.
        let inner = &input[1..input.len() - 1];
        unescape_keep_surrogates(inner)
    })
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

/// Compares JSON texts as values, lone surrogate escapes compared as written.
fn same_json(a: &str, b: &str) -> bool {
    let parse = |t: &str| serde_json::from_str::<Value>(&mark_lone_surrogates(t)).ok();
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Rewrites each lone `\uD8xx`-`\uDFxx` escape as literal text (`\\udXXX`), lower-cased.
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

/// Unescapes a JSON string body, keeping lone surrogate escapes as `\udXXX` text.
fn unescape_keep_surrogates(inner: &str) -> String {
    let marked = mark_lone_surrogates(inner);
    serde_json::from_str::<String>(&format!("\"{marked}\"")).unwrap_or_default()
}
