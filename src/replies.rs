//! Replies as Redis clients hand them to JS and JS hands them to the core (JSON: strings,
//! integers or their text, `null`, arrays), read by position from their raw JSON text.

use crate::error::Error;
use crate::json;

/// Replies as clients return them, each as raw JSON text: strings, integers (or their text),
/// `null`, arrays.
pub(crate) struct Replies<'a> {
    replies: &'a [&'a str],
    what: &'static str,
}

impl<'a> Replies<'a> {
    /// Replies to `what`'s reads (named in errors).
    pub(crate) fn new(replies: &'a [&'a str], what: &'static str) -> Replies<'a> {
        Replies { replies, what }
    }

    fn get(&self, i: usize) -> Result<&'a str, Error> {
        self.replies.get(i).copied().ok_or_else(|| self.bad("missing reply"))
    }

    pub(crate) fn text(&self, i: usize) -> Result<Option<String>, Error> {
        let raw = self.get(i)?;
        if json::is_null(raw) {
            return Ok(None);
        }
        match json::string(raw) {
            Some(s) => Ok(Some(s.into_owned())),
            None => Err(self.bad(&format!("expected a string reply, got {}", kind(raw)))),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, Error> {
        int_of(self.get(i)?).ok_or_else(|| self.bad("expected an integer reply"))
    }

    pub(crate) fn time(&self, i: usize) -> Result<(u64, u64), Error> {
        let raw = self.get(i)?;
        match json::nested_array(raw) {
            Some(parts) if parts.len() == 2 => {
                let part = |v: &str| {
                    int_of(v)
                        .map(|n| u64::try_from(n).unwrap_or(0))
                        .ok_or_else(|| self.bad("expected an integer reply"))
                };
                Ok((part(parts[0])?, part(parts[1])?))
            }
            _ => Err(self.bad(&format!("expected TIME's two parts, got {}", kind(raw)))),
        }
    }

    fn bad(&self, detail: &str) -> Error {
        Error::Redis { detail: format!("{}: {detail}", self.what) }
    }
}

/// An integer reply: a JSON integer in `i64` range, or a string holding one.
fn int_of(raw: &str) -> Option<i64> {
    match raw.as_bytes().first()? {
        b'"' => json::string(raw)?.parse().ok(),
        _ => raw.parse().ok(),
    }
}

/// What a raw JSON value is, for messages.
fn kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'n') => "nil",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}
