//! Schema versions (SPEC §4): detecting a stored value's version and the v1 → v2 → v3 steps.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::json;
use crate::validate::TopLevel;
use crate::values::Name;

/// The current storage format version.
pub const CURRENT_VERSION: u8 = 3;

/// The version of a stored value, as detected (an unversioned seed-shaped value is 3).
pub(crate) fn detect(t: &TopLevel<'_>) -> Result<u8, Error> {
    match t.schema_version {
        Some(raw) => match json::integer(raw, 1.0, 3.0) {
            Some(v) => Ok(v as u8),
            None => Err(Error::UnsupportedVersion { found: crate::error::excerpt(raw) }),
        },
        None if t.field("language").is_none_or(json::is_null) => Ok(1),
        None if t.action.is_some() => Ok(2),
        None => Ok(3),
    }
}

/// A migration version named by a caller (`'v1'`, `'v2'`, `'v3'`).
pub(crate) fn requested(version: &str) -> Result<u8, Error> {
    match version {
        "v1" => Ok(1),
        "v2" => Ok(2),
        "v3" => Ok(3),
        other => Err(Error::UnsupportedVersion { found: crate::error::excerpt(other) }),
    }
}

/// Runs the steps from `version` up to v3 on the slots; returns the `actionType` the v2 step
/// derived, if it ran and had to derive one.
pub(crate) fn upgrade(
    t: &mut TopLevel<'_>,
    version: u8,
    action_map: &BTreeMap<String, String>,
) -> Result<Option<Name>, Error> {
    if version <= 1 && t.field("language").is_none_or(json::is_null) {
        t.set_field("language", SPANISH);
    }
    if version > 2 {
        return Ok(None);
    }
    let Some(action) = t.action.take() else { return Ok(None) };
    if t.field("actionType").is_some_and(|raw| !json::is_null(raw)) || json::is_null(action) {
        return Ok(None);
    }
    let old = json::string(action).ok_or_else(|| Error::field("action", "must be a string"))?;
    let mapped = match action_map.get(old.as_ref()) {
        Some(m) => m.clone(),
        None => normalize(&old),
    };
    Name::new(&mapped).map(Some).ok_or_else(|| {
        Error::field(
            "action",
            format!("cannot map {} to an action type", crate::error::quoted(&old)),
        )
    })
}

/// The default `map(action)`: trimmed, upper-cased, runs of non-alphanumerics → `_`.
pub fn normalize(action: &str) -> String {
    let mut out = String::with_capacity(action.len());
    for c in action.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// The raw JSON `"es"`, the v1 step's default language.
const SPANISH: &str = "\"es\"";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_old_actions() {
        assert_eq!(normalize("  update status! "), "UPDATE_STATUS_");
        assert_eq!(normalize("reschedule"), "RESCHEDULE");
        assert_eq!(normalize("a--b"), "A_B");
    }
}
