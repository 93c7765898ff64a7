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
use crate::field::{self, Rules, Table, canonical_integer, laid_out, plain_string};
use crate::json;
use crate::state::CallState;

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
    if value_len > c.options().max_bytes || compressing {
        return None;
    }
    let members = json::checked_object(text, "").ok()?;
    if !(laid_out(text, &members) && state_members(c, &members)) {
        return None;
    }
    let value = |name: &str| members.iter().find(|(k, _)| json::key_name(k) == name).map(|m| m.1);
    Some(Form {
        last_updated: plain_string(value("lastUpdated")?)?,
        stage: plain_string(value("stage")?)?,
    })
}

/// For a stored value whose decoded state JSON is `{` + `stored[at..]` (a current, canonical
/// v3 value), `Some(at)`.
pub(crate) fn stored_tail(c: &Codec, stored: &str) -> Option<usize> {
    if stored.len() > c.options().max_bytes {
        return None;
    }
    let members = json::checked_object(stored, "").ok()?;
    let [(version_key, version), (rev_key, rev), ..] = members.as_slice() else { return None };
    let head_ok = *version_key == "\"schemaVersion\""
        && *version == "3"
        && *rev_key == "\"rev\""
        && canonical_integer(rev, MAX_REV);
    (head_ok && laid_out(stored, &members) && state_members(c, &members[2..]))
        .then(|| 1 + version_key.len() + 1 + version.len() + 1 + rev_key.len() + 1 + rev.len() + 1)
}

fn state_members(c: &Codec, members: &[(&str, &str)]) -> bool {
    let rules = Rules { call_sid: c.options().call_sid, text_limit: CallState::TEXT_LIMIT };
    field::canonical_members::<CallState>(members, rules)
}
