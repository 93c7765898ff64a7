//! Redis keys (SPEC §5): prefix + SID, optionally hash-tagged for Redis Cluster.

use crate::error::Error;
use crate::options::CodecOptions;
use crate::validate;

/// The key holding a call's state.
pub(crate) fn state_key(o: &CodecOptions, call_sid: &str) -> Result<String, Error> {
    validate::call_sid(call_sid, o.call_sid)?;
    let mut key = String::with_capacity(o.key_prefix.len() + call_sid.len() + 2);
    key.push_str(&o.key_prefix);
    if o.hash_tag {
        key.push('{');
        key.push_str(call_sid);
        key.push('}');
    } else {
        key.push_str(call_sid);
    }
    Ok(key)
}

/// The key holding the ids of the last writes applied to a call (exactly-once, SPEC §7);
/// in the same cluster slot as the state key when `hashTag` is on.
pub(crate) fn write_ids_key(state_key: &str) -> String {
    format!("{state_key}:w")
}

/// The key whose presence marks a call ended (`endCall`); same slot as the state key.
pub(crate) fn end_key(state_key: &str) -> String {
    format!("{state_key}:end")
}

/// The SID in `key`, if `key` is a state key of these options.
pub(crate) fn call_sid_of<'k>(o: &CodecOptions, key: &'k str) -> Option<&'k str> {
    let rest = key.strip_prefix(o.key_prefix.as_str())?;
    let sid = if o.hash_tag { rest.strip_prefix('{')?.strip_suffix('}')? } else { rest };
    validate::call_sid(sid, o.call_sid).ok().map(|()| sid)
}
