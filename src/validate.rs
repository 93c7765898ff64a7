//! Validation: raw JSON members → `CallState`, each failure naming its field. The fields and
//! their checks come from the tables in [`crate::state`]; this module adds the record metadata
//! a stored value carries around the state (`schemaVersion`, `rev`, a compressed envelope, and
//! v2's `action`).

use crate::error::Error;
use crate::field::{self, Rules, Slots, Table};
use crate::json::RawMembers;
use crate::options::CallSidRule;
use crate::state::{CallState, Fields, Name};

/// Longest optional free-text field of a call state, in UTF-16 code units.
pub const MAX_TEXT_UNITS: usize = 1024;

const _: () = assert!(matches!(CallState::TEXT_LIMIT, Some(MAX_TEXT_UNITS)));

/// The last value of each top-level field, by table position, the record metadata, and the
/// rest kept verbatim.
pub(crate) struct TopLevel<'a> {
    fields: Slots<'a>,
    pub(crate) schema_version: Option<&'a str>,
    pub(crate) rev: Option<&'a str>,
    pub(crate) action: Option<&'a str>,
    pub(crate) compressed: Option<&'a str>,
    pub(crate) extra: Fields,
}

impl<'a> TopLevel<'a> {
    /// Sorts members into the table's slots and the metadata (last wins), and verbatim extras.
    pub(crate) fn new(members: RawMembers<'a>) -> Result<TopLevel<'a>, Error> {
        let (mut schema_version, mut rev, mut action, mut compressed) = (None, None, None, None);
        let (fields, extra) = field::sort::<CallState>(members, |name, value| {
            let slot = match name {
                "schemaVersion" => &mut schema_version,
                "rev" => &mut rev,
                "action" => &mut action,
                "compressed" => &mut compressed,
                _ => return false,
            };
            *slot = Some(value);
            true
        })?;
        Ok(TopLevel { fields, schema_version, rev, action, compressed, extra })
    }

    /// The raw value of the state field `name`, if present.
    pub(crate) fn field(&self, name: &str) -> Option<&'a str> {
        field::position(CallState::FIELDS, name).and_then(|i| self.fields[i])
    }

    /// Sets the raw value of the state field `name` (a migration's default).
    pub(crate) fn set_field(&mut self, name: &str, raw: &'a str) {
        if let Some(i) = field::position(CallState::FIELDS, name) {
            self.fields[i] = Some(raw);
        }
    }

    /// Whether any state field is present (an envelope must have none).
    pub(crate) fn has_state_fields(&self) -> bool {
        self.fields.iter().any(Option::is_some)
    }

    /// Validates the slots into a state; `action` and `compressed`, when not consumed by a
    /// migration, are kept as ordinary fields. `action_type` is a migration's derived one.
    pub(crate) fn into_state(
        self,
        rule: CallSidRule,
        action_type: Option<Name>,
    ) -> Result<CallState, Error> {
        let mut extra = self.extra;
        for (key, raw) in [("\"action\"", self.action), ("\"compressed\"", self.compressed)] {
            if let Some(raw) = raw {
                extra.push(key, raw);
            }
        }
        let rules = Rules { call_sid: rule, text_limit: CallState::TEXT_LIMIT };
        let mut state = CallState::from_slots(&self.fields, extra, rules)?;
        if action_type.is_some() {
            state.action_type = action_type;
        }
        Ok(state)
    }
}
