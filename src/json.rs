//! Raw JSON helpers: depth scan, object splitting, string tokens kept as written.
//!
//! Values are kept as `RawValue` text so unknown fields survive byte for byte and lone
//! surrogates (which `JSON.stringify` writes as `\udXXX` and serde refuses in a `String`)
//! round-trip unchanged.

use std::borrow::Cow;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::Error;

/// Deepest nesting accepted; the top-level object is depth 1.
pub const MAX_DEPTH: usize = 64;

/// The members of one JSON object, in order, keys and values as raw JSON text.
pub(crate) type RawMembers<'a> = Vec<(&'a RawValue, &'a RawValue)>;

/// Refuses text nested deeper than [`MAX_DEPTH`] with one byte scan (string-aware).
pub(crate) fn check_depth(text: &str) -> Result<(), Error> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::TooDeep { limit: MAX_DEPTH });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Splits JSON text that must hold one object into its raw members.
///
/// Text that is not JSON is `INVALID_JSON`; JSON that is not an object is `INVALID_FIELD` at
/// `path`. Duplicate keys are all returned; callers apply them in order, so the last wins.
pub(crate) fn object<'a>(text: &'a str, path: &str) -> Result<RawMembers<'a>, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let members = match de.deserialize_map(MembersVisitor) {
        Ok(members) => members,
        Err(e) if e.is_data() => return Err(Error::field(path, "must be a JSON object")),
        Err(e) => return Err(Error::json(e)),
    };
    de.end().map_err(Error::json)?;
    Ok(members)
}

/// Like [`object`], for a raw value found inside another object.
pub(crate) fn nested_object<'a>(raw: &'a RawValue, path: &str) -> Result<RawMembers<'a>, Error> {
    if !raw.get().starts_with('{') {
        return Err(Error::field(path, "must be an object"));
    }
    object(raw.get(), path)
}

/// The text of a JSON string token, decoded; `None` if `raw` is not a string or holds a lone
/// surrogate (which no Rust `str` can).
pub(crate) fn string(raw: &RawValue) -> Option<Cow<'_, str>> {
    let token = raw.get();
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(token).ok().map(Cow::Owned)
}

/// Length in UTF-16 code units of a raw JSON string token (escapes counted as what they encode).
pub(crate) fn utf16_len(token: &str) -> usize {
    let inner = &token[1..token.len().saturating_sub(1)];
    let mut units = 0;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if chars.next() == Some('u') {
                chars.nth(3);
            }
            units += 1;
        } else {
            units += c.len_utf16();
        }
    }
    units
}

/// Whether `raw` is the JSON `null` literal.
pub(crate) fn is_null(raw: &RawValue) -> bool {
    raw.get() == "null"
}

/// A JSON number that is an integral value in `[min, max]`, read as `JSON.parse` reads it
/// (`1.0` and `1e2` are integers; `1e400` is not a finite number).
pub(crate) fn integer(raw: &RawValue, min: f64, max: f64) -> Option<i64> {
    let token = raw.get();
    if !token.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return None;
    }
    let n: f64 = token.parse().ok()?;
    (n.is_finite() && n.fract() == 0.0 && n >= min && n <= max).then_some(n as i64)
}

/// Writes `s` as a JSON string token the way `JSON.stringify` does.
pub(crate) fn push_string(out: &mut String, s: &str) {
    // serde_json escapes exactly as JSON.stringify does for well-formed strings.
    match serde_json::to_string(s) {
        Ok(token) => out.push_str(&token),
        Err(_) => out.push_str("\"\""), // unreachable: serializing a str cannot fail
    }
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = RawMembers<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(key) = map.next_key::<&'de RawValue>()? {
            members.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(check_depth(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(check_depth(&deep), Err(Error::TooDeep { limit: 64 }));
        assert!(check_depth(&format!("\"{}\"", "[".repeat(100))).is_ok());
        assert!(check_depth(r#"{"a":"\"[[[[","b":1}"#).is_ok());
    }

    #[test]
    fn utf16_units_of_escapes_and_astral() {
        assert_eq!(utf16_len(r#""abc""#), 3);
        assert_eq!(utf16_len(r#""\ud800x""#), 2);
        assert_eq!(utf16_len("\"😀\""), 2);
        assert_eq!(utf16_len(r#""\n\"""#), 2);
    }

    #[test]
    fn integers_as_json_parse_reads_them() {
        let n = |s: &str| integer(&serde_json::from_str::<Box<RawValue>>(s).unwrap(), 0.0, 10.0);
        assert_eq!(n("1.0"), Some(1));
        assert_eq!(n("1e1"), Some(10));
        assert_eq!(n("2.5"), None);
        assert_eq!(n("-1"), None);
        assert_eq!(n("1e400"), None);
        assert_eq!(n("\"2\""), None);
    }
}
