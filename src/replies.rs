//! Replies as Redis clients hand them to JS and JS hands them to the core (JSON: strings,
//! integers or their text, `null`, arrays), read by position.

use serde_json::Value;

use crate::error::Error;

/// Replies as clients return them: strings, integers (or their text), `null`, arrays.
pub(crate) struct Replies<'a> {
    replies: &'a [Value],
    what: &'static str,
}

impl<'a> Replies<'a> {
    /// Replies to `what`'s reads (named in errors).
    pub(crate) fn new(replies: &'a [Value], what: &'static str) -> Replies<'a> {
        Replies { replies, what }
    }

    pub(crate) fn get(&self, i: usize) -> Result<&Value, Error> {
        self.replies.get(i).ok_or_else(|| self.bad("missing reply"))
    }

    pub(crate) fn text(&self, i: usize) -> Result<Option<String>, Error> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(self.bad(&format!("expected a string reply, got {}", kind(other)))),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, Error> {
        int_of(self.get(i)?).ok_or_else(|| self.bad("expected an integer reply"))
    }

    pub(crate) fn time(&self, i: usize) -> Result<(u64, u64), Error> {
        match self.get(i)? {
            Value::Array(parts) if parts.len() == 2 => {
                let part = |v: &Value| {
                    int_of(v)
                        .map(|n| u64::try_from(n).unwrap_or(0))
                        .ok_or_else(|| self.bad("expected an integer reply"))
                };
                Ok((part(&parts[0])?, part(&parts[1])?))
            }
            other => Err(self.bad(&format!("expected TIME's two parts, got {}", kind(other)))),
        }
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Replies<'_> {
    fn bad(&self, detail: &str) -> Error {
        Error::Redis { detail: format!("{}: {detail}", self.what) }
    }
}
