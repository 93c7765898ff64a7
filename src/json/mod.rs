//! Raw JSON helpers: depth scan, object splitting, string tokens kept as written.
//!
//! Values are kept as raw JSON text so unknown fields survive byte for byte and lone
//! surrogates (which `JSON.stringify` writes as `\udXXX` and serde refuses in a `String`)
//! round-trip unchanged.

use std::borrow::Cow;

use crate::error::Error;

mod array;
mod number;
mod out;
mod parse;

pub(crate) use array::{array, nested_array, strings, strings_decode, value_tree};
pub(crate) use out::{Object, ToJson, push_string, to_json};

/// Deepest nesting accepted; the top-level object is depth 1.
pub const MAX_DEPTH: usize = 64;

/// The members of one JSON object, in order, keys and values as raw JSON text.
pub(crate) type RawMembers<'a> = Vec<(&'a str, &'a str)>;

/// Refuses text nested deeper than [`MAX_DEPTH`] with one byte scan that jumps over strings.
pub(crate) fn check_depth(text: &str) -> Result<(), Error> {
    let b = text.as_bytes();
    // Text with no more openers than the limit cannot nest deeper (the usual state has < 10).
    if memchr::memchr2_iter(b'{', b'[', b).take(MAX_DEPTH + 1).count() <= MAX_DEPTH {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(at) = memchr::memchr3(b'"', b'{', b'[', &b[i..]).map(|at| i + at) {
        // Between strings and openers there is only punctuation, numbers and closers.
        let closers = b[i..at].iter().filter(|&&c| c == b'}' || c == b']').count();
        depth = depth.saturating_sub(closers);
        if b[at] == b'"' {
            i = string_end(b, at + 1);
            continue;
        }
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(Error::TooDeep { limit: MAX_DEPTH });
        }
        i = at + 1;
    }
    Ok(())
}

/// The index just past the closing quote of the string whose body starts at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    while let Some(at) = memchr::memchr2(b'"', b'\\', &b[i..]) {
        if b[i + at] == b'"' {
            return i + at + 1;
        }
        i += at + 2; // skip the escaped byte
        if i >= b.len() {
            break;
        }
    }
    b.len()
}

/// Splits JSON text that must hold one object into its raw members.
///
/// Text that is not JSON is `INVALID_JSON`; JSON that is not an object is `INVALID_FIELD` at
/// `path`. Duplicate keys are all returned; callers apply them in order, so the last wins.
pub(crate) fn object<'a>(text: &'a str, path: &str) -> Result<RawMembers<'a>, Error> {
    let mut spans = Vec::new();
    parse::scan(text, usize::MAX, &mut spans).map_err(|fault| match fault {
        parse::Fault::Grammar(e) => Error::json(e),
        parse::Fault::TooDeep => Error::TooDeep { limit: MAX_DEPTH },
    })?;
    members(text, path, &spans)
}

/// [`check_depth`] then [`object`], in one pass over the text: nesting deeper than
/// [`MAX_DEPTH`] anywhere in it is `TOO_DEEP` (before any other error, as the depth scan
/// alone would find it), then as [`object`].
pub(crate) fn checked_object<'a>(text: &'a str, path: &str) -> Result<RawMembers<'a>, Error> {
    let mut spans = Vec::new();
    match parse::scan(text, MAX_DEPTH, &mut spans) {
        Ok(()) => members(text, path, &spans),
        Err(parse::Fault::TooDeep) => Err(Error::TooDeep { limit: MAX_DEPTH }),
        // Text that is not JSON may still nest too deep after the fault: the depth scan decides.
        Err(parse::Fault::Grammar(e)) => check_depth(text).and(Err(Error::json(e))),
    }
}

/// The members of valid JSON `text` from its scan, or `INVALID_FIELD` at `path` when the text
/// is not an object.
fn members<'a>(text: &'a str, path: &str, spans: &[parse::Span]) -> Result<RawMembers<'a>, Error> {
    if text.as_bytes().get(skip_ws(text.as_bytes(), 0)) != Some(&b'{') {
        return Err(Error::field(path, "must be a JSON object"));
    }
    Ok(spans.iter().map(|&(ks, ke, vs, ve)| (&text[ks..ke], &text[vs..ve])).collect())
}

/// Like [`object`], for a raw value found inside another object — text the parser of that
/// object has already validated, so it is split without parsing it again.
pub(crate) fn nested_object<'a>(raw: &'a str, path: &str) -> Result<RawMembers<'a>, Error> {
    if !raw.starts_with('{') {
        return Err(Error::field(path, "must be an object"));
    }
    Ok(split_valid_object(raw))
}

/// The members of an object in text known to be valid JSON (no checks: validity is given).
fn split_valid_object(text: &str) -> RawMembers<'_> {
    let b = text.as_bytes();
    let mut members = Vec::with_capacity(12);
    let mut i = skip_ws(b, 1);
    while b.get(i) == Some(&b'"') {
        let key_end = string_end(b, i + 1);
        let start = skip_ws(b, skip_ws(b, key_end) + 1); // past the `:`
        let end = value_end(b, start);
        members.push((&text[i..key_end], &text[start..end]));
        i = skip_ws(b, end);
        if b.get(i) != Some(&b',') {
            break;
        }
        i = skip_ws(b, i + 1);
    }
    members
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the valid JSON value starting at `i`.
fn value_end(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => string_end(b, i + 1),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j + 1);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let rest = &b[i..];
            i + rest
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len())
        }
    }
}

/// The text of a JSON string token, decoded; `None` if `raw` is not a string or holds a lone
/// surrogate (which no Rust `str` can).
pub(crate) fn string(token: &str) -> Option<Cow<'_, str>> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    char::decode_utf16(utf16_units(inner)).collect::<Result<String, _>>().ok().map(Cow::Owned)
}

/// The text of a JSON string token, decoded, lone surrogates replaced by U+FFFD.
pub(crate) fn string_lossy(token: &str) -> String {
    let inner = token.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(token);
    char::decode_utf16(utf16_units(inner)).map(|c| c.unwrap_or('\u{FFFD}')).collect()
}

/// A JSON string token as `JSON.stringify` writes it: `"`, `\\` and controls escaped (short
/// forms where they exist), lone surrogates as `\udXXX`, everything else raw. Tokens without a
/// backslash are already canonical and are returned as they are.
pub(crate) fn canonical_string(token: &str) -> Cow<'_, str> {
    if is_canonical_string(token) {
        return Cow::Borrowed(token);
    }
    let units = utf16_units(&token[1..token.len() - 1]);
    let mut out = String::with_capacity(token.len());
    out.push('"');
    for item in char::decode_utf16(units) {
        match item {
            Ok(c) => push_char(&mut out, c),
            Err(lone) => out.push_str(&format!("\\u{:04x}", lone.unpaired_surrogate())),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// Whether a JSON string token is already as `JSON.stringify` writes it, so that
/// [`canonical_string`] would return it unchanged (checked without building anything).
pub(crate) fn is_canonical_string(token: &str) -> bool {
    !token.contains('\\') || is_canonical_escaped(token)
}

/// Whether every escape in `token` is one `JSON.stringify` itself writes.
fn is_canonical_escaped(token: &str) -> bool {
    let b = token.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
            Some(b'u') => {
                let hex = token.get(i + 2..i + 6).unwrap_or("");
                let Ok(u) = u16::from_str_radix(hex, 16) else { return false };
                let lower = !hex.bytes().any(|c| c.is_ascii_uppercase());
                let short = matches!(u, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d);
                let lone = (0xD800..0xE000).contains(&u) && !paired(token, i, u);
                if !(lower && ((u < 0x20 && !short) || lone)) {
                    return false;
                }
                i += 6;
            }
            _ => return false,
        }
    }
    true
}

/// Whether the surrogate escape at `i` is half of a valid pair.
fn paired(token: &str, i: usize, u: u16) -> bool {
    let unit = |at: usize| {
        token.get(at..at + 2).filter(|p| *p == "\\u")?;
        u16::from_str_radix(token.get(at + 2..at + 6)?, 16).ok()
    };
    match u {
        0xD800..=0xDBFF => unit(i + 6).is_some_and(|l| (0xDC00..0xE000).contains(&l)),
        _ => i >= 6 && unit(i - 6).is_some_and(|h| (0xD800..0xDC00).contains(&h)),
    }
}

/// The UTF-16 code units of a JSON string body (escapes decoded, lone surrogates kept).
fn utf16_units(inner: &str) -> Vec<u16> {
    let mut units = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
            continue;
        }
        let unit = match chars.next() {
            Some('b') => 0x08,
            Some('f') => 0x0c,
            Some('n') => 0x0a,
            Some('r') => 0x0d,
            Some('t') => 0x09,
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                u16::from_str_radix(&hex, 16).unwrap_or(0xFFFD)
            }
            Some(other) => other as u16, // `"`, `\\`, `/` (the parser allowed no others)
            None => break,
        };
        units.push(unit);
    }
    units
}

fn push_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{08}' => out.push_str("\\b"),
        '\u{0c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push(c),
    }
}

/// An object key's name for matching known fields: the token's body when it has no escapes
/// (nearly always), else decoded; `""` if it cannot be (a lone surrogate is no known name).
pub(crate) fn key_name(token: &str) -> Cow<'_, str> {
    let inner = &token[1..token.len() - 1];
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        return Cow::Borrowed(inner);
    }
    string(token).unwrap_or_default()
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

/// Whether the keys are all different: pairwise for a few, else by their FNV-1a hashes in an
/// open-addressing table (no per-key allocation, no sort: a sort is kilobytes of WASM),
/// comparing the keys themselves only when two hashes collide.
pub(crate) fn distinct(keys: &[&str]) -> bool {
    let n = keys.len();
    if n > 16 && distinct_hashes(keys.iter().map(|k| fnv1a(k) | 1), n) {
        return true;
    }
    // A few keys, or two hashes collided (rare): compare the keys pairwise.
    (1..n).all(|i| keys[..i].iter().all(|k| *k != keys[i]))
}

/// Whether `n` hashes (never 0: 0 marks a free slot) are all different.
fn distinct_hashes(hashes: impl Iterator<Item = u64>, n: usize) -> bool {
    let mask = (n * 2).next_power_of_two() - 1;
    let mut table = vec![0u64; mask + 1];
    for h in hashes {
        let mut i = ((h >> 32) ^ h) as usize & mask;
        loop {
            match table[i] {
                0 => break table[i] = h,
                seen if seen == h => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }
    true
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Whether `raw` is the JSON `null` literal.
pub(crate) fn is_null(raw: &str) -> bool {
    raw == "null"
}

/// A JSON number that is an integral value in `[min, max]`, read as `JSON.parse` reads it
/// (`1.0` and `1e2` are integers; `1e400` is not a finite number).
pub(crate) fn integer(token: &str, min: f64, max: f64) -> Option<i64> {
    if !token.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return None;
    }
    number::integer_in(token, min as u64, max as u64).map(|n| n as i64)
}

/// A decimal number's text (Rust's `f64` grammar) read as `Number()` reads it, when that is an
/// integer from 0 to 2^53 − 1.
pub(crate) fn integer_text(text: &str) -> Option<u64> {
    number::integer_in(text, 0, (1 << 53) - 1)
}

#[cfg(test)]
mod tests;
