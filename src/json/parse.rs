//! The JSON grammar (RFC 8259: what `JSON.parse` accepts), checked in one pass that builds
//! nothing but the top-level object's member spans (issue 15: the core's own scanner instead of
//! serde_json's parser; one pass for grammar, nesting and members). Nesting is kept on a heap
//! stack, so deep text cannot exhaust the call stack; `max_depth` limits it.

/// Why text was refused by [`scan`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Not JSON: a one-line description with its line and column.
    Grammar(String),
    /// Nested deeper than the limit given (before any grammar error).
    TooDeep,
}

/// A member of the top-level object as byte ranges: the key token (quotes included), then the
/// value's raw text (no whitespace around it).
pub(crate) type Span = (usize, usize, usize, usize);

/// Checks that `text` is exactly one JSON value, whitespace around it allowed. Strings may hold
/// lone surrogate escapes (`JSON.parse` accepts them; a caller that needs a `String` decodes).
/// The error is a one-line description with its line and column.
pub(crate) fn validate(text: &str) -> Result<(), String> {
    scan(text, usize::MAX, &mut Vec::new()).map_err(|fault| match fault {
        Fault::Grammar(e) => e,
        Fault::TooDeep => unreachable!("no nesting limit"),
    })
}

/// [`validate`], refusing containers nested deeper than `max_depth` (the outermost is depth 1)
/// at the first opener past it, and pushing the members of a top-level object onto `members`
/// in order (duplicates included), so that nothing walks the text again to split it.
pub(crate) fn scan(text: &str, max_depth: usize, members: &mut Vec<Span>) -> Result<(), Fault> {
    let b = text.as_bytes();
    let at = |i: usize, what: &str| Err(Fault::Grammar(position(b, i, what)));
    // Open containers, innermost last: `[` or `{`.
    let mut open: Vec<u8> = Vec::new();
    // The top-level member being read: its key's span once read, then its value's start.
    let mut key: Option<(usize, usize)> = None;
    let mut member: Option<(usize, usize, usize)> = None;
    let mut i = 0;
    'value: loop {
        i = skip_ws(b, i);
        if let Some((ks, ke)) = key.take() {
            member = Some((ks, ke, i));
        }
        match b.get(i) {
            None => return at(i, eof(open.last())),
            Some(&c @ (b'{' | b'[')) => {
                if open.len() >= max_depth {
                    return Err(Fault::TooDeep);
                }
                i = skip_ws(b, i + 1);
                let close = if c == b'{' { b'}' } else { b']' };
                if b.get(i) == Some(&close) {
                    i += 1;
                } else {
                    open.push(c);
                    if c == b'{' {
                        let start = i;
                        let (end, next) = key_colon(b, i)?;
                        if open.len() == 1 {
                            key = Some((start, end));
                        }
                        i = next;
                    }
                    continue 'value;
                }
            }
            Some(b'"') => i = string(b, i)?,
            Some(b'-' | b'0'..=b'9') => i = number(b, i)?,
            Some(b't') => i = literal(b, i, b"true")?,
            Some(b'f') => i = literal(b, i, b"false")?,
            Some(b'n') => i = literal(b, i, b"null")?,
            Some(_) => return at(i, "expected value"),
        }
        // After a value: close containers, or go on to the next member or item.
        loop {
            if open.len() == 1
                && let Some((ks, ke, vs)) = member.take()
            {
                members.push((ks, ke, vs, i));
            }
            i = skip_ws(b, i);
            let Some(&container) = open.last() else {
                return if i == b.len() { Ok(()) } else { at(i, "trailing characters") };
            };
            let close = if container == b'[' { b']' } else { b'}' };
            match b.get(i) {
                None => return at(i, eof(Some(&container))),
                Some(&c) if c == close => {
                    open.pop();
                    i += 1;
                }
                Some(b',') => {
                    // A trailing comma is then "expected value" or "key must be a string".
                    let next = skip_ws(b, i + 1);
                    i = next;
                    if container == b'{' {
                        let (end, after) = key_colon(b, next)?;
                        if open.len() == 1 {
                            key = Some((next, end));
                        }
                        i = after;
                    }
                    continue 'value;
                }
                Some(_) if container == b'[' => return at(i, "expected `,` or `]`"),
                Some(_) => return at(i, "expected `,` or `}`"),
            }
        }
    }
}

impl From<String> for Fault {
    fn from(e: String) -> Fault {
        Fault::Grammar(e)
    }
}

/// What running out of text means inside `container`.
fn eof(container: Option<&u8>) -> &'static str {
    match container {
        None => "EOF while parsing a value",
        Some(b'[') => "EOF while parsing a list",
        Some(_) => "EOF while parsing an object",
    }
}

/// `what` with the line and column of byte `i` (at the end of the text: of the last byte), as
/// serde_json words it.
fn position(b: &[u8], i: usize, what: &str) -> String {
    let before = &b[..i.min(b.len())];
    let line = 1 + before.iter().filter(|&&c| c == b'\n').count();
    let column = before.len() - before.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
    format!("{what} at line {line} column {}", column + usize::from(i < b.len()))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// An object key at `i` and its `:`: the index after the key's closing quote, and after the `:`.
fn key_colon(b: &[u8], i: usize) -> Result<(usize, usize), Fault> {
    let grammar = |i: usize, what: &str| Fault::Grammar(position(b, i, what));
    match b.get(i) {
        Some(b'"') => {}
        None => return Err(grammar(i, "EOF while parsing an object")),
        Some(_) => return Err(grammar(i, "key must be a string")),
    }
    let end = string(b, i)?;
    let i = skip_ws(b, end);
    match b.get(i) {
        Some(b':') => Ok((end, i + 1)),
        None => Err(grammar(i, "EOF while parsing an object")),
        Some(_) => Err(grammar(i, "expected `:`")),
    }
}

/// The string token at `i` (its opening quote); the index after its closing quote.
fn string(b: &[u8], mut i: usize) -> Result<usize, String> {
    i += 1;
    loop {
        match b.get(i) {
            None => return Err(position(b, i, "EOF while parsing a string")),
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => match b.get(i + 2..i + 6) {
                    None => return Err(position(b, b.len(), "EOF while parsing a string")),
                    Some(hex) if !hex.iter().all(u8::is_ascii_hexdigit) => {
                        return Err(position(b, i + 5, "invalid escape"));
                    }
                    Some(_) => i += 6,
                },
                None => return Err(position(b, i + 1, "EOF while parsing a string")),
                Some(_) => return Err(position(b, i + 1, "invalid escape")),
            },
            Some(&c) if c < 0x20 => {
                return Err(position(
                    b,
                    i - 1,
                    "control character (\\u0000-\\u001F) found while parsing a string",
                ));
            }
            Some(_) => {
                // Jump to the next quote, backslash or control byte.
                i += 1;
                while b.get(i).is_some_and(|&c| c >= 0x20 && c != b'"' && c != b'\\') {
                    i += 1;
                }
            }
        }
    }
}

/// The number token at `i`: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?.
fn number(b: &[u8], mut i: usize) -> Result<usize, String> {
    let digits = |mut j: usize| {
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    if b[i] == b'-' {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => {
            i += 1;
            if b.get(i).is_some_and(u8::is_ascii_digit) {
                return Err(position(b, i, "invalid number"));
            }
        }
        Some(b'1'..=b'9') => i = digits(i + 1),
        _ => return Err(position(b, i, "invalid number")),
    }
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return Err(position(b, end, "invalid number"));
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return Err(position(b, end, "invalid number"));
        }
        i = end;
    }
    Ok(i)
}

/// The literal `word` at `i`.
fn literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize, String> {
    for (k, &c) in word.iter().enumerate() {
        match b.get(i + k) {
            Some(&got) if got == c => {}
            None => return Err(position(b, i + k, "EOF while parsing a value")),
            Some(_) => return Err(position(b, i + k, "expected ident")),
        }
    }
    Ok(i + word.len())
}
