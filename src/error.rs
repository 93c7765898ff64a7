//! The one error type: every failure a caller can see, with a stable code and a field path.

use std::fmt;

/// What went wrong, with the SPEC §9 code (`code()`) and the field at fault (`path()`).
///
/// One enum for the whole crate, so the bindings have exactly one thing to translate into a
/// JavaScript `CallStateError`. Messages are one line and may change; codes never do.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The stored text is not JSON that `JSON.parse` would accept (BOM, truncation, garbage).
    #[error("invalid JSON: {detail}")]
    InvalidJson {
        /// What the parser reported.
        detail: String,
    },
    /// A field is missing, `null` where required, of the wrong type or out of range.
    #[error("invalid field `{path}`: {reason}")]
    InvalidField {
        /// Dotted path of the field (`""` for the whole value).
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// A date field is present but is not a valid RFC 3339 date.
    #[error("invalid date in `{path}`: {reason}")]
    InvalidDate {
        /// Dotted path of the date field.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// A call SID fails the configured rule (`lenient` or `twilio`).
    #[error("invalid call SID: {reason}")]
    InvalidCallSid {
        /// Why it was refused.
        reason: String,
    },
    /// A stored `schemaVersion`, or a requested migration version, is not one this library reads.
    #[error("unsupported schema version {found}")]
    UnsupportedVersion {
        /// The offending version, as written.
        found: String,
    },
    /// Input, stored value or decompressed value exceeds `maxBytes`.
    #[error("value of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size seen (a lower bound when reading stops early).
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Nesting deeper than 64 levels (the top-level object is depth 1), or a cycle.
    #[error("nesting deeper than {limit} levels")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
    /// A compressed envelope that is not base64 raw DEFLATE of a JSON object, or has extra fields.
    #[error("bad compressed value: {reason}")]
    BadCompression {
        /// Why it was refused.
        reason: String,
    },
    /// An optimistic update lost the race more times than allowed.
    #[error("update conflicted {attempts} times; giving up")]
    Conflict {
        /// How many attempts were made.
        attempts: u32,
    },
    /// A write whose `lastUpdated` is older than the stored state's.
    #[error("stale write: lastUpdated {written} is older than stored {stored}")]
    StaleWrite {
        /// `lastUpdated` of the refused write.
        written: String,
        /// `lastUpdated` of the stored state.
        stored: String,
    },
    /// Redis answered with an error or an unexpected reply.
    #[error("redis: {detail}")]
    Redis {
        /// The client's or server's message.
        detail: String,
    },
}

/// Every code [`Error::code`] gives, in SPEC §9 order (the JS lists are generated from it).
pub(crate) const CODES: [&str; 11] = [
    "INVALID_JSON",
    "INVALID_FIELD",
    "INVALID_DATE",
    "INVALID_CALL_SID",
    "UNSUPPORTED_VERSION",
    "TOO_LARGE",
    "TOO_DEEP",
    "BAD_COMPRESSION",
    "CONFLICT",
    "STALE_WRITE",
    "REDIS",
];

/// At most this many characters of outside text (a stored value, a version, an action name) go
/// into a message: a hostile 10 KB value must not become a 10 KB log line.
const EXCERPT_CHARS: usize = 40;

/// `text` as a message quotes it: its first [`EXCERPT_CHARS`] characters, `…` if there were more.
pub(crate) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// [`excerpt`] in double quotes, `"`, `\\` and ASCII controls escaped as `{:?}` escapes them
/// (other characters as they are: `{:?}`'s Unicode tables stay out of the WASM module).
pub(crate) fn quoted(text: &str) -> String {
    let text = excerpt(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_ascii_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Error {
    /// The stable SPEC §9 code, e.g. `"INVALID_FIELD"`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidJson { .. } => "INVALID_JSON",
            Error::InvalidField { .. } => "INVALID_FIELD",
            Error::InvalidDate { .. } => "INVALID_DATE",
            Error::InvalidCallSid { .. } => "INVALID_CALL_SID",
            Error::UnsupportedVersion { .. } => "UNSUPPORTED_VERSION",
            Error::TooLarge { .. } => "TOO_LARGE",
            Error::TooDeep { .. } => "TOO_DEEP",
            Error::BadCompression { .. } => "BAD_COMPRESSION",
            Error::Conflict { .. } => "CONFLICT",
            Error::StaleWrite { .. } => "STALE_WRITE",
            Error::Redis { .. } => "REDIS",
        }
    }

    /// The field at fault (`jobData.createdDate`), when one is.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::InvalidField { path, .. } | Error::InvalidDate { path, .. } => Some(path),
            Error::InvalidCallSid { .. } => Some("callSid"),
            _ => None,
        }
    }

    pub(crate) fn field(path: impl fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidField { path: path.to_string(), reason: reason.into() }
    }

    pub(crate) fn date(path: impl fmt::Display, reason: impl Into<String>) -> Self {
        Error::InvalidDate { path: path.to_string(), reason: reason.into() }
    }

    pub(crate) fn json(detail: impl fmt::Display) -> Self {
        Error::InvalidJson { detail: detail.to_string() }
    }

    pub(crate) fn compression(reason: impl Into<String>) -> Self {
        Error::BadCompression { reason: reason.into() }
    }

    /// Prefixes the path with a parent field (`createdDate` → `jobData.createdDate`).
    pub(crate) fn within(self, parent: &str) -> Self {
        let join =
            |p: String| if p.is_empty() { parent.to_string() } else { format!("{parent}.{p}") };
        match self {
            Error::InvalidField { path, reason } => {
                Error::InvalidField { path: join(path), reason }
            }
            Error::InvalidDate { path, reason } => Error::InvalidDate { path: join(path), reason },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_per_code() {
        let all = [
            Error::json("EOF while parsing an object at line 1 column 9"),
            Error::field("attemptCount", "must be an integer from 0 to 2147483647"),
            Error::date("jobData.createdDate", "not an RFC 3339 date-time"),
            Error::InvalidCallSid { reason: "must be 2-64 ASCII letters or digits".into() },
            Error::UnsupportedVersion { found: "4".into() },
            Error::TooLarge { size: 2_000_000, limit: 1_048_576 },
            Error::TooDeep { limit: 64 },
            Error::compression("not standard padded base64"),
            Error::Conflict { attempts: 6 },
            Error::StaleWrite {
                written: "2024-03-15T14:30:21.000Z".into(),
                stored: "2024-03-15T14:30:22.000Z".into(),
            },
            Error::Redis { detail: "NOPERM this user has no permissions".into() },
        ];
        let codes: Vec<&str> = all.iter().map(Error::code).collect();
        assert_eq!(codes, CODES, "CODES lists every code, in order");
        let text: Vec<String> = all
            .iter()
            .map(|e| format!("{} [{}] {}", e.code(), e.path().unwrap_or("-"), e))
            .collect();
        insta::assert_snapshot!(text.join("\n"), @r"
        INVALID_JSON [-] invalid JSON: EOF while parsing an object at line 1 column 9
        INVALID_FIELD [attemptCount] invalid field `attemptCount`: must be an integer from 0 to 2147483647
        INVALID_DATE [jobData.createdDate] invalid date in `jobData.createdDate`: not an RFC 3339 date-time
        INVALID_CALL_SID [callSid] invalid call SID: must be 2-64 ASCII letters or digits
        UNSUPPORTED_VERSION [-] unsupported schema version 4
        TOO_LARGE [-] value of 2000000 bytes exceeds the limit of 1048576 bytes
        TOO_DEEP [-] nesting deeper than 64 levels
        BAD_COMPRESSION [-] bad compressed value: not standard padded base64
        CONFLICT [-] update conflicted 6 times; giving up
        STALE_WRITE [-] stale write: lastUpdated 2024-03-15T14:30:21.000Z is older than stored 2024-03-15T14:30:22.000Z
        REDIS [-] redis: NOPERM this user has no permissions
        ");
    }

    #[test]
    fn quoted_is_debug_for_ascii() {
        for text in ["nope", "a\"b\\c", "x\ny\r\t\u{0}\u{1}\u{7f}", "é ok"] {
            assert_eq!(quoted(text), format!("{:?}", excerpt(text)), "{text:?}");
        }
        assert_eq!(quoted(&"x".repeat(50)), format!("\"{}…\"", "x".repeat(40)));
    }
}
