//! Differential, structured: `arbitrary` builds near-valid state JSON (a valid state, then
//! edits: fields set to pooled or arbitrary values, removed, reordered, `null`ed, spaced,
//! escaped, with or without a stored head), so the checks of `differential` run deep in the
//! canonical fast path instead of at the first syntax error.
#![no_main]

use arbitrary::Arbitrary;
use callstate_fuzz::{check_state_text, check_stored_text, codecs};
use libfuzzer_sys::fuzz_target;

/// Names the codec knows (and a few it reserves or must never trip on).
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "lastUpdated", "callSid", "stage", "attemptCount", "clientId", "jobNumber", "actionType",
    "actionValue", "jobData", "language", "schemaVersion", "rev", "action", "compressed",
    "__proto__", "id", "status", "createdDate", "updatedDate", "scheduledDate", "notes",
    "constructor", "lastUpdated\u{0}", "",
];

/// Raw JSON tokens the codec treats specially.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "null", "true", "false", "0", "-0", "1", "2", "3", "1e0", "2147483647", "2147483648",
    "9007199254740991", "9007199254740992", "18446744073709551616", "1.5", "-1", "042",
    "\"\"", "\"CA123abc456def\"", "\"CA0123456789abcdef0123456789abcdef\"", "\"ASK_ACTION\"",
    "\"CONFIRM_JOB\"", "\"es\"", "\"en\"", "\"fr\"", "\"UPDATE_STATUS\"", "\"update\"",
    "\"2024-03-15T14:30:22.000Z\"", "\"2024-03-15T14:30:22Z\"", "\"2024-03-15t14:30:22.000z\"",
    "\"2024-03-15T15:30:22.000+01:00\"", "\"+275760-09-13T00:00:00.000Z\"",
    "\"-271821-04-20T00:00:00.000Z\"", "\"1970-01-01T00:00:00.000Z\"", "\"2024-02-30T00:00:00.000Z\"",
    "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"", "\"\\u2028\"", "\"\\u0000\"",
    "\"\\/\"", "\"\\u0041\"", "\"\u{1F600}\"", "\"\u{2028}\"", "\"a\\\"b\"", "\"x\\ty\"", "{}", "[]",
    "[1,[2,[3]]]", "{\"a\":{\"b\":{}}}", "\"eJzLSM3JyVcozy/KSQEAGgQEXQ==\"",
];

#[derive(Arbitrary, Debug)]
enum Val {
    Token(u8),
    Str(String),
    Int(i64),
    Float(f64),
    Arr(Vec<Val>),
    Obj(Vec<(Key, Val)>),
}

#[derive(Arbitrary, Debug)]
enum Key {
    Known(u8),
    Any(String),
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Set(Key, Val),
    SetJob(Key, Val),
    Remove(u8),
    Swap(u8, u8),
    Null(u8),
    Duplicate(u8),
}

#[derive(Arbitrary, Debug)]
struct Doc {
    edits: Vec<Edit>,
    head: Option<(u8, u64)>,
    spaces: bool,
    escape_non_ascii: bool,
    long_text: Option<(u8, u16)>,
}

fn key(k: &Key) -> String {
    match k {
        Key::Known(i) => NAMES[*i as usize % NAMES.len()].to_string(),
        Key::Any(s) => s.clone(),
    }
}

fn string(s: &str, escape: bool) -> String {
    if !escape {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let mut out = String::from("\"");
    for u in s.encode_utf16() {
        match u {
            0x20..=0x7e if u != 0x22 && u != 0x5c => out.push(u as u8 as char),
            _ => out.push_str(&format!("\\u{u:04x}")),
        }
    }
    out.push('"');
    out
}

fn write(v: &Val, escape: bool, depth: u32, out: &mut String) {
    match v {
        Val::Token(i) => out.push_str(TOKENS[*i as usize % TOKENS.len()]),
        Val::Str(s) => out.push_str(&string(s, escape)),
        Val::Int(n) => out.push_str(&n.to_string()),
        Val::Float(f) if f.is_finite() => out.push_str(&f.to_string()),
        Val::Float(_) => out.push_str("1e400"),
        Val::Arr(items) if depth < 80 => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, escape, depth + 1, out);
            }
            out.push(']');
        }
        Val::Obj(members) if depth < 80 => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&string(&key(k), escape));
                out.push(':');
                write(item, escape, depth + 1, out);
            }
            out.push('}');
        }
        _ => out.push_str("null"),
    }
}

fn object(members: &[(String, String)], spaces: bool) -> String {
    let (comma, colon) = if spaces { (", ", ": ") } else { (",", ":") };
    let body: Vec<String> = members.iter().map(|(k, v)| format!("{k}{colon}{v}")).collect();
    format!("{{{}}}", body.join(comma))
}

fn pick<T>(v: &mut [T], i: u8) -> Option<&mut T> {
    let n = v.len();
    (n > 0).then(|| &mut v[i as usize % n])
}

fn text(doc: &Doc) -> String {
    let q = |s: &str| string(s, doc.escape_non_ascii);
    let mut job: Vec<(String, String)> =
        [("id", "\"rec123abc\""), ("jobNumber", "\"456\""), ("status", "\"IN_PROGRESS\"")]
            .iter()
            .map(|(k, v)| (q(k), v.to_string()))
            .collect();
    let mut top: Vec<(String, String)> = [
        ("lastUpdated", "\"2024-03-15T14:30:22.000Z\""),
        ("callSid", "\"CA0123456789abcdef0123456789abcdef\""),
        ("stage", "\"CONFIRM_JOB\""),
        ("attemptCount", "2"),
        ("clientId", "\"ABC123\""),
        ("actionType", "\"UPDATE_STATUS\""),
        ("jobData", ""),
        ("language", "\"es\""),
    ]
    .iter()
    .map(|(k, v)| (q(k), v.to_string()))
    .collect();
    for edit in &doc.edits {
        let mut v = String::new();
        match edit {
            Edit::Set(k, val) => {
                write(val, doc.escape_non_ascii, 0, &mut v);
                let k = q(&key(k));
                match top.iter_mut().find(|m| m.0 == k) {
                    Some(m) => m.1 = v,
                    None => top.push((k, v)),
                }
            }
            Edit::SetJob(k, val) => {
                write(val, doc.escape_non_ascii, 0, &mut v);
                let k = q(&key(k));
                match job.iter_mut().find(|m| m.0 == k) {
                    Some(m) => m.1 = v,
                    None => job.push((k, v)),
                }
            }
            Edit::Remove(i) => {
                if !top.is_empty() {
                    top.remove(*i as usize % top.len());
                }
            }
            Edit::Swap(a, b) => {
                let n = top.len();
                if n > 0 {
                    top.swap(*a as usize % n, *b as usize % n);
                }
            }
            Edit::Null(i) => {
                if let Some(m) = pick(&mut top, *i) {
                    m.1 = "null".into();
                }
            }
            Edit::Duplicate(i) => {
                if let Some(m) = pick(&mut top, *i).map(|m| m.clone()) {
                    top.push(m);
                }
            }
        }
    }
    if let Some((i, n)) = doc.long_text
        && let Some(m) = pick(&mut top, i)
    {
        m.1 = q(&"é".repeat(n as usize % 1100));
    }
    let job_text = object(&job, doc.spaces);
    for m in &mut top {
        if m.1.is_empty() {
            m.1 = job_text.clone();
        }
    }
    if let Some((version, rev)) = doc.head {
        top.insert(0, (q("rev"), rev.to_string()));
        top.insert(0, (q("schemaVersion"), (version % 5).to_string()));
    }
    object(&top, doc.spaces)
}

fuzz_target!(|doc: Doc| {
    let text = text(&doc);
    for c in codecs() {
        check_state_text(c, &text);
        check_stored_text(c, &text);
    }
});
