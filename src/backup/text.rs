//! The backup types as JSON text, written and read by hand (issue 15): the NDJSON line, and what
//! the store receives for a read and a restore (shapes pinned by `tests/wire_text.txt`).

use super::{BackupLine, RestoreStep, Stored};
use crate::json::{self, Object, ToJson};
use crate::plan::AsCommand;

impl ToJson for BackupLine {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .field("key", &self.key)
            .field("pttlMs", &self.pttl_ms)
            .field("atMs", &self.at_ms)
            .field("value", &self.value)
            .end();
    }
}

impl BackupLine {
    /// A line as [`ToJson`] writes it: exactly its four members, once each, times as
    /// integers (`None` otherwise).
    pub fn from_json(text: &str) -> Option<BackupLine> {
        let members = json::object(text, "").ok()?;
        let (mut key, mut pttl_ms, mut at_ms, mut value) = (None, None, None, None);
        for (k, v) in members {
            let slot = match json::key_name(k).as_ref() {
                "key" => &mut key,
                "pttlMs" => &mut pttl_ms,
                "atMs" => &mut at_ms,
                "value" => &mut value,
                _ => return None,
            };
            if slot.replace(v).is_some() {
                return None;
            }
        }
        Some(BackupLine {
            key: json::string(key?)?.into_owned(),
            pttl_ms: pttl_ms?.parse().ok()?,
            at_ms: at_ms?.parse().ok()?,
            value: json::string(value?)?.into_owned(),
        })
    }
}

impl ToJson for Stored {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .field("key", &self.key)
            .field("value", &self.value)
            .field("pttlMs", &self.pttl_ms)
            .field("compressed", &self.compressed)
            .end();
    }
}

impl ToJson for RestoreStep {
    fn write_json(&self, out: &mut String) {
        match self {
            RestoreStep::Set { set, guarded, ended, exists } => {
                out.push_str("{\"set\":");
                Object::new(out)
                    .field("set", set)
                    .field("guarded", &AsCommand(guarded))
                    .field("ended", ended)
                    .field("exists", exists)
                    .end();
                out.push('}');
            }
            RestoreStep::Mark { set } => {
                out.push_str("{\"mark\":");
                Object::new(out).field("set", set).end();
                out.push('}');
            }
            RestoreStep::Expired => out.push_str("\"expired\""),
            RestoreStep::Invalid(why) => {
                Object::new(out).field("invalid", why).end();
            }
        }
    }
}
