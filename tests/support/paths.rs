//! The fast path (`callstate::wire`, which answers "unchanged" for canonical text) held against
//! the full path (`Codec::parse_state` + `encode`, `Codec::decode` + `state_json`): same value,
//! same state, same error code, for every input the tests have.

use callstate::wire::{self, ENCODED_HEAD, StateText};
use callstate::{Codec, state_json};

/// `wire::encode` agrees with `encode(parse_state(text))`; `Ok(true)` if it took the fast path.
pub(crate) fn check_encode(c: &Codec, text: &str) -> Result<bool, String> {
    let full = c.parse_state(text).and_then(|s| c.encode(&s));
    match (wire::encode(c, text), full) {
        (Ok(None), Ok(v)) if v == format!("{ENCODED_HEAD}{}", &text[1..]) => Ok(true),
        (Ok(Some(fast)), Ok(v)) if fast == v => Ok(false),
        (Err(a), Err(b)) if a.code() == b.code() && a.path() == b.path() => Ok(false),
        (fast, full) => Err(format!("encode {text}: fast {fast:?}, full {full:?}")),
    }
}

/// `wire::decode` agrees with `state_json(decode(stored))`; `Ok(true)` if it took the fast path.
pub(crate) fn check_decode(c: &Codec, stored: &str) -> Result<bool, String> {
    let full = c.decode(stored);
    match (wire::decode(c, stored), &full) {
        (Ok(StateText::Tail(at)), Ok(r))
            if r.migrated_from.is_none()
                && state_json(&r.state) == format!("{{{}", &stored[at..]) =>
        {
            Ok(true)
        }
        (Ok(StateText::Json(json)), Ok(r)) if json == state_json(&r.state) => Ok(false),
        (Err(a), Err(b)) if a.code() == b.code() && a.path() == b.path() => Ok(false),
        (fast, _) => Err(format!("decode {stored}: fast {fast:?}, full {full:?}")),
    }
}

/// The text the shim sends for the state stored as `value` (`lastUpdated` first), if plain
/// (not a compressed envelope).
pub(crate) fn shim_text(value: &str) -> Option<String> {
    let rest = value.strip_prefix(ENCODED_HEAD)?;
    rest.starts_with("\"lastUpdated\"").then(|| format!("{{{rest}"))
}
