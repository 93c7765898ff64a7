//! Reading JSON arrays (argv arrays, reply arrays, key lists) as raw items, the way
//! [`super::object`] reads objects: validated once, then split by the scanner.

use super::{parse, skip_ws, string, value_end};

/// The items of JSON text that must hold one array, as raw JSON text; `None` if the text is not
/// JSON or not an array.
pub(crate) fn array(text: &str) -> Option<Vec<&str>> {
    parse::validate(text).ok()?;
    nested_array(&text[skip_ws(text.as_bytes(), 0)..])
}

/// The items of an array found inside text the parser has validated (`None` if `raw` is not an
/// array).
pub(crate) fn nested_array(raw: &str) -> Option<Vec<&str>> {
    if !raw.starts_with('[') {
        return None;
    }
    let b = raw.as_bytes();
    let mut items = Vec::new();
    let mut i = skip_ws(b, 1);
    while i < b.len() && b[i] != b']' {
        let end = value_end(b, i);
        items.push(&raw[i..end]);
        i = skip_ws(b, end);
        if b.get(i) != Some(&b',') {
            break;
        }
        i = skip_ws(b, i + 1);
    }
    Some(items)
}

/// A JSON array of strings, decoded (`None`: not JSON, not an array, an item that is not a
/// string, or a string with a lone surrogate).
pub(crate) fn strings(text: &str) -> Option<Vec<String>> {
    array(text)?.into_iter().map(|item| string(item).map(|s| s.into_owned())).collect()
}

/// Whether every string token in valid JSON `raw` (at any depth) decodes: has no lone surrogate
/// (what a `String` can hold).
pub(crate) fn strings_decode(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'"', &b[i..]).map(|at| i + at) {
        let end = super::string_end(b, at + 1);
        if string(&raw[at..end]).is_none() {
            return false;
        }
        i = end;
    }
    true
}

/// Whether valid JSON `text` is one a JSON value tree holds: every string decodes (no lone
/// surrogate), every number is finite as an `f64`, and nesting stays under 128 levels (the
/// options parser's contract from when it parsed into `serde_json::Value`).
pub(crate) fn value_tree(text: &str) -> bool {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => {
                let end = super::string_end(b, i + 1);
                if string(&text[i..end]).is_none() {
                    return false;
                }
                i = end;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth >= 128 {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let end = value_end(b, i);
                if !super::number::finite(&text[i..end]) {
                    return false;
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    true
}
