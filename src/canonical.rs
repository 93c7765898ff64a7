//! The fast path: recognising text that is already exactly what the codec would write.
//!
//! Nearly every state crossing the boundary is canonical — the shim's `JSON.stringify` output
//! with `lastUpdated` first, or a value this library stored. For such text the full path (parse,
//! build a [`CallState`](crate::CallState), write, compare) gives back the input itself, so these
//! checks answer "yes, unchanged" from the parsed members alone, allocating nothing.
//!
//! Each check is sound, never complete: `true` only when the full path would succeed and write
//! exactly this text; anything unusual (an error, a `null` optional field, whitespace, an escape
//! `JSON.stringify` would not write, a duplicate key, another field order) answers `false`, and
//! the caller takes the full path, which also produces the errors. Tests hold the two together.

use crate::codec::{Codec, MAX_REV};
use crate::json::{self, RawMembers};
use crate::state::Name;
use crate::time;
use crate::validate::{self, MAX_TEXT_UNITS};

/// Top-level fields in the order the codec writes them, and whether each is required.
const STATE_FIELDS: [(&str, bool); 10] = [
    ("\"lastUpdated\"", true),
    ("\"callSid\"", true),
    ("\"stage\"", true),
    ("\"attemptCount\"", true),
    ("\"clientId\"", false),
    ("\"jobNumber\"", false),
    ("\"actionType\"", false),
    ("\"actionValue\"", false),
    ("\"jobData\"", false),
    ("\"language\"", true),
];

/// Top-level names the codec reads (as record metadata or for a migration) besides
/// [`STATE_FIELDS`]: never kept verbatim either.
const STATE_RESERVED: [&str; 4] = ["\"schemaVersion\"", "\"rev\"", "\"action\"", "\"compressed\""];

/// `jobData` fields in the order the codec writes them, and whether each is required.
const JOB_FIELDS: [(&str, bool); 6] = [
    ("\"id\"", true),
    ("\"jobNumber\"", true),
    ("\"status\"", true),
    ("\"createdDate\"", false),
    ("\"updatedDate\"", false),
    ("\"scheduledDate\"", false),
];

/// What the plans read from state JSON in encoded form (the string bodies of two fields).
pub(crate) struct Form<'a> {
    /// `lastUpdated`, in `toISOString()` form.
    pub(crate) last_updated: &'a str,
    /// `stage`.
    pub(crate) stage: &'a str,
}

/// `Some` when `Codec::encode(parse_state(text))` is `{"schemaVersion":3,"rev":0,` +
/// `text[1..]`: state JSON already in the form the codec writes.
pub(crate) fn encoded_form<'a>(c: &Codec, text: &'a str) -> Option<Form<'a>> {
    let value_len = text.len() + crate::codec::ENCODED_HEAD.len() - 1;
    let compressing =
        c.options().compression.as_ref().is_some_and(|z| value_len > z.threshold_bytes);
    if value_len > c.options().max_bytes || compressing || json::check_depth(text).is_err() {
        return None;
    }
    let members = json::object(text, "").ok()?;
    if !(laid_out(text, &members) && state_members(c, &members)) {
        return None;
    }
    // The order was checked: lastUpdated, callSid, stage come first.
    Some(Form { last_updated: plain_string(members[0].1)?, stage: plain_string(members[2].1)? })
}

/// For a stored value whose decoded state JSON is `{` + `stored[at..]` (a current, canonical
/// v3 value), `Some(at)`.
pub(crate) fn stored_tail(c: &Codec, stored: &str) -> Option<usize> {
    if stored.len() > c.options().max_bytes || json::check_depth(stored).is_err() {
        return None;
    }
    let members = json::object(stored, "").ok()?;
    let [(version_key, version), (rev_key, rev), ..] = members.as_slice() else { return None };
    let head_ok = *version_key == "\"schemaVersion\""
        && *version == "3"
        && *rev_key == "\"rev\""
        && canonical_integer(rev, MAX_REV);
    (head_ok && laid_out(stored, &members) && state_members(c, &members[2..]))
        .then(|| 1 + version_key.len() + 1 + version.len() + 1 + rev_key.len() + 1 + rev.len() + 1)
}

/// Whether `text` is exactly `{` + members joined by `,` (as `k:v`) + `}`: no whitespace.
fn laid_out(text: &str, members: &RawMembers<'_>) -> bool {
    let inner: usize = members.iter().map(|(k, v)| k.len() + 1 + v.len()).sum();
    text.len() == inner + members.len().saturating_sub(1) + 2
}

fn state_members(c: &Codec, members: &[(&str, &str)]) -> bool {
    let Some(extras) = known_in_order(members, &STATE_FIELDS, |name, value| match name {
        "\"lastUpdated\"" => canonical_date(value),
        "\"callSid\"" => plain_string(value)
            .is_some_and(|sid| validate::call_sid(sid, c.options().call_sid).is_ok()),
        "\"stage\"" | "\"actionType\"" => plain_string(value).is_some_and(Name::is_valid),
        "\"attemptCount\"" => canonical_integer(value, 2_147_483_647),
        "\"jobData\"" => value.starts_with('{') && job_members(value),
        "\"language\"" => value == "\"es\"" || value == "\"en\"",
        _ => canonical_text(value), // clientId, jobNumber, actionValue
    }) else {
        return false;
    };
    kept_fields(extras, &STATE_FIELDS, &STATE_RESERVED)
}

fn job_members(text: &str) -> bool {
    let members = json::nested_object(text, "").unwrap_or_default();
    if !laid_out(text, &members) {
        return false;
    }
    let Some(extras) = known_in_order(&members, &JOB_FIELDS, |name, value| match name {
        "\"id\"" | "\"jobNumber\"" | "\"status\"" => {
            value.starts_with('"') && json::is_canonical_string(value)
        }
        _ => canonical_date(value),
    }) else {
        return false;
    };
    kept_fields(extras, &JOB_FIELDS, &[])
}

/// Walks the known fields in `order` (optional ones may be absent, none may be `null`), each
/// value accepted by `ok`; the members after them, or `None`.
fn known_in_order<'m, 'a>(
    members: &'m [(&'a str, &'a str)],
    order: &[(&str, bool)],
    ok: impl Fn(&str, &str) -> bool,
) -> Option<&'m [(&'a str, &'a str)]> {
    let mut at = 0;
    for &(name, required) in order {
        match members.get(at) {
            Some(&(key, value)) if key == name => {
                if !ok(name, value) {
                    return None;
                }
                at += 1;
            }
            _ if required => return None,
            _ => {}
        }
    }
    Some(&members[at..])
}

/// Kept fields written back as they are: canonical keys, none a known or reserved name (as
/// written: an escaped spelling of one is not canonical), none repeated.
fn kept_fields(extras: &[(&str, &str)], known: &[(&str, bool)], reserved: &[&str]) -> bool {
    let keys_ok = extras.iter().all(|&(key, _)| {
        let named = known.iter().any(|&(name, _)| name == key) || reserved.contains(&key);
        !named && json::is_canonical_string(key)
    });
    keys_ok && json::distinct(&extras.iter().map(|(k, _)| *k).collect::<Vec<_>>())
}

/// The body of a string token without escapes.
fn plain_string(token: &str) -> Option<&str> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// An optional free-text field as the codec writes it: canonical, within the length limit.
fn canonical_text(token: &str) -> bool {
    token.starts_with('"')
        && json::is_canonical_string(token)
        && (token.len() - 2 <= MAX_TEXT_UNITS || json::utf16_len(token) <= MAX_TEXT_UNITS)
}

/// A date exactly as `toISOString()` writes it (and valid).
fn canonical_date(token: &str) -> bool {
    plain_string(token).is_some_and(time::is_iso_form)
}

/// A non-negative integer in its shortest decimal form, at most `max`.
fn canonical_integer(token: &str, max: u64) -> bool {
    let b = token.as_bytes();
    let digits = !b.is_empty() && b.len() <= 16 && b.iter().all(u8::is_ascii_digit);
    digits && (b[0] != b'0' || b.len() == 1) && token.parse::<u64>().is_ok_and(|n| n <= max)
}
