//! What every Rust runner of `tests/vectors/*.json` shares: the case format and the helpers
//! that hand inputs over as the JS shim would and compare results as JSON values. Included by
//! `tests/vectors.rs` (the core) and `bindings/wasm/tests/vectors.rs` (inside the WASM module).

#![allow(dead_code)]

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

#[derive(Deserialize)]
pub(crate) struct File<'a> {
    #[serde(borrow)]
    pub(crate) cases: Vec<Case<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Case<'a> {
    pub(crate) name: String,
    pub(crate) op: String,
    #[serde(borrow)]
    pub(crate) options: Option<&'a RawValue>,
    #[serde(borrow)]
    pub(crate) input: &'a RawValue,
    #[serde(borrow)]
    pub(crate) expect: Option<&'a RawValue>,
    pub(crate) error: Option<Expected>,
    pub(crate) expect_compressed: Option<bool>,
}

#[derive(Deserialize)]
pub(crate) struct Expected {
    pub(crate) code: String,
    pub(crate) path: Option<String>,
}

/// A stored value given as a JSON string in the vector (lone surrogate escapes kept).
pub(crate) fn stored(input: &str) -> String {
    serde_json::from_str::<String>(input)
        .unwrap_or_else(|_| unescape_keep_surrogates(&input[1..input.len() - 1]))
}

/// A state as the JS shim hands it over: minified, Invalid Dates as `"Invalid Date"`.
pub(crate) fn js_state(input: &str) -> String {
    minify(input).replace(r#"{"$date":"invalid"}"#, r#""Invalid Date""#)
}

/// Strips whitespace outside strings.
pub(crate) fn minify(text: &str) -> String {
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
pub(crate) fn same_json(a: &str, b: &str) -> bool {
    let parse = |t: &str| serde_json::from_str::<Value>(&mark_lone_surrogates(t)).ok().map(numbers);
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Every number as an `f64`, so `100` and `100.0` compare equal (as in JS).
pub(crate) fn numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| serde_json::json!(f)),
        Value::Array(a) => Value::Array(a.into_iter().map(numbers).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, numbers(v))).collect()),
        other => other,
    }
}

/// Rewrites each lone `\uD800`-`\uDFFF` escape as literal text (`\\udxxx`), lower-cased.
pub(crate) fn mark_lone_surrogates(t: &str) -> String {
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
pub(crate) fn unescape_keep_surrogates(inner: &str) -> String {
    let marked = mark_lone_surrogates(inner);
    serde_json::from_str::<String>(&format!("\"{marked}\"")).unwrap_or_default()
}

/// For a case with `expectCompressed`: the mismatch, as a result that fails the comparison.
pub(crate) fn compressed_mismatch(case: &Case<'_>, value: &str) -> Option<String> {
    let compressed = value.contains("\"compressed\":\"") && !value.contains("\"callSid\"");
    case.expect_compressed
        .is_some_and(|want| want != compressed)
        .then(|| format!("\"compressed = {compressed}\""))
}
