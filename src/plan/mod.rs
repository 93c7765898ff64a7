//! Redis command plans (SPEC §7): the exact argument arrays and Lua scripts for every store
//! operation, and readers for their replies. Nothing here sends anything.
//!
//! Every write goes through one script, [`WRITE_SCRIPT`](crate::scripts::WRITE_SCRIPT). It reads
//! `rev` (and `lastUpdated`) from the fixed prefix every value this library writes starts with —
//! `{"schemaVersion":3,"rev":N,"lastUpdated":"…",` — so it never re-encodes the value; it sets
//! the new `rev` one past the last rev handed out for the call (kept with the write ids, so past
//! a delete too; where none is kept, `max(old + 1, server TIME in µs)`) and remembers the write
//! id ([`ids`]), so a resent write is applied once. [`fallback`] is the same logic in Rust, for the `WATCH`/`MULTI`
//! fallback where scripting is refused; [`classify`] is what an error reply means.

pub mod classify;
pub mod fallback;
pub mod ids;
#[cfg(test)]
mod tests;
mod text;
pub mod write;

use crate::canonical::Form;
use crate::codec::Codec;
use crate::command::Command;
use crate::error::Error;
use crate::keys;
use crate::state::CallState;
use crate::time::Timestamp;
pub use classify::{ErrorClass, classify};
pub use fallback::{FallbackStep, Reply, Scripted};
pub(crate) use text::AsCommand;
use write::prefix_last_updated;
pub use write::{Body, Guard, Keys, Write, WriteKind};

/// What a write did, read from the script's reply (or decided by [`Write::decide`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written with this new `rev`.
    Written {
        /// The revision now stored.
        rev: u64,
    },
    /// This write id was applied before; nothing written. The stored value now.
    Duplicate {
        /// The stored value, if any.
        stored: Option<String>,
    },
    /// The stored value changed since it was read; retry from `current` (the value the
    /// script found, `null` = absent).
    Conflict {
        /// The stored value now.
        current: Option<String>,
    },
    /// The stored state is newer (`lastUpdated`) than the write.
    Stale {
        /// `lastUpdated` of the stored state.
        stored: String,
    },
    /// The call was ended (`endCall`); nothing written.
    Ended {
        /// The stored value, if any.
        stored: Option<String>,
    },
    /// A save found a value whose `lastUpdated` the script cannot read (older format or
    /// compressed): decode it, then send a `cas` write planned from it.
    Check {
        /// The stored value.
        stored: String,
    },
}

impl Outcome {
    /// Reads the write script's reply `[status, value]` (or the fallback's, shaped alike).
    pub fn read(status: &str, value: Option<String>) -> Result<Outcome, Error> {
        let missing =
            || Error::Redis { detail: format!("write script reply {status} without value") };
        Ok(match status {
            "OK" => {
                Outcome::Written { rev: value.and_then(|v| v.parse().ok()).ok_or_else(missing)? }
            }
            "DUP" => Outcome::Duplicate { stored: value },
            "CONFLICT" => Outcome::Conflict { current: value },
            "STALE" => Outcome::Stale { stored: value.ok_or_else(missing)? },
            "CHECK" => Outcome::Check { stored: value.ok_or_else(missing)? },
            "ENDED" => Outcome::Ended { stored: value },
            other => {
                return Err(Error::Redis {
                    detail: format!("unexpected write reply {}", crate::error::quoted(other)),
                });
            }
        })
    }
}

impl Codec {
    /// `GET` of a call's state.
    pub fn plan_get(&self, call_sid: &str) -> Result<Command, Error> {
        Ok(vec!["GET".into(), self.state_key(call_sid)?])
    }

    /// Deletes a call's state, exactly once: a resent delete (a client resending after a
    /// reconnect) is recognised by its write id and cannot remove a state written since. Its
    /// write ids stay until they expire, so a resent earlier write is still recognised too.
    pub fn plan_delete(&self, call_sid: &str, write_id: &str) -> Result<Write, Error> {
        self.write(call_sid, WriteKind::Del, write_id)
    }

    /// The atomic TTL extension; the reply is the new TTL or nil.
    pub fn plan_extend(&self, call_sid: &str, add: f64) -> Result<Scripted, Error> {
        self.extended_ttl(1.0, add)?; // validates `add`
        let keys = self.keys(call_sid)?;
        Ok(Scripted::Extend { keys, add: add as i64, max: i64::from(self.options().ttl.max) })
    }

    /// A call's three keys.
    pub fn keys(&self, call_sid: &str) -> Result<Keys, Error> {
        Ok(keys_of(self.state_key(call_sid)?))
    }

    /// `state` as a write carries it.
    pub fn body(&self, state: &CallState) -> Result<Body, Error> {
        Ok(Body {
            text: self.encode_body(state)?,
            last_updated: state.last_updated,
            ttl: self.stage_ttl(state.stage.as_str()),
        })
    }

    /// State JSON that is already in encoded form (see `canonical`) as a write carries it,
    /// taken as it is.
    pub(crate) fn body_of_form(&self, state_json: &str, form: &Form<'_>) -> Result<Body, Error> {
        Ok(Body {
            text: format!(",{}", &state_json[1..]),
            last_updated: Timestamp::parse(form.last_updated, "lastUpdated")?,
            ttl: self.stage_ttl(form.stage),
        })
    }

    /// A blind save of `state`, refused on the server if the stored state is newer.
    pub fn plan_save(&self, call_sid: &str, state: Body, write_id: &str) -> Result<Write, Error> {
        self.write(call_sid, WriteKind::Save { body: state }, write_id)
    }

    /// Ends a call: its state (if any) and write ids now expire in `keep_seconds`, and every
    /// later write is refused (`Outcome::Ended`).
    pub fn plan_end(
        &self,
        call_sid: &str,
        keep_seconds: f64,
        write_id: &str,
    ) -> Result<Write, Error> {
        if !(keep_seconds.fract() == 0.0 && (1.0..=2_147_483_647.0).contains(&keep_seconds)) {
            return Err(Error::field("keepSeconds", "must be a positive integer"));
        }
        self.write(call_sid, WriteKind::End { keep: keep_seconds as u32 }, write_id)
    }

    /// A compare-and-set from `prev` (the stored value read, or `None` if absent) to `next`
    /// (`None` deletes). `STALE_WRITE` if `next` is older than `prev`'s state.
    pub fn plan_update(
        &self,
        call_sid: &str,
        prev: Option<&str>,
        next: Option<Body>,
        write_id: &str,
    ) -> Result<Write, Error> {
        if let (Some(prev), Some(next)) = (prev, &next) {
            let stored = self.last_updated_of(prev)?;
            if next.last_updated < stored {
                return Err(Error::StaleWrite {
                    written: next.last_updated.to_iso(),
                    stored: stored.to_iso(),
                });
            }
        }
        let kind = WriteKind::Cas { guard: Guard::of(prev), next, keep_ttl: false };
        self.write(call_sid, kind, write_id)
    }

    /// Writes back the v3 upgrade `next` of an older value `prev` found by a plain read: a
    /// compare-and-set like [`Codec::plan_update`] that keeps the key's remaining TTL (a read
    /// must not reset a call's expiry to its stage's).
    pub fn plan_upgrade(
        &self,
        call_sid: &str,
        prev: &str,
        next: Body,
        write_id: &str,
    ) -> Result<Write, Error> {
        let mut w = self.plan_update(call_sid, Some(prev), Some(next), write_id)?;
        if let WriteKind::Cas { keep_ttl, .. } = &mut w.kind {
            *keep_ttl = true;
        }
        Ok(w)
    }

    fn write(&self, call_sid: &str, kind: WriteKind, write_id: &str) -> Result<Write, Error> {
        let keys = self.keys(call_sid)?;
        let ids_ttl = self.options().ttl.default;
        Ok(Write { keys, write_id: ids::write_id(write_id), kind, ids_ttl })
    }

    fn last_updated_of(&self, stored: &str) -> Result<Timestamp, Error> {
        match prefix_last_updated(stored) {
            Some(iso) => Timestamp::parse(iso, "lastUpdated"),
            None => Ok(self.decode(stored)?.state.last_updated),
        }
    }
}

impl Scripted {
    /// The `EVALSHA` command the store sends for this step.
    pub fn evalsha(&self) -> Command {
        use crate::command::evalsha;
        use crate::scripts::{EXTEND_SCRIPT_SHA1, RESTORE_SCRIPT_SHA1};
        let Keys { state, ids, end } = self.keys().clone();
        match self {
            Scripted::Write(w) => w.evalsha(),
            Scripted::Extend { add, max, .. } => {
                evalsha(EXTEND_SCRIPT_SHA1, [state, ids, end, add.to_string(), max.to_string()])
            }
            Scripted::Restore { value, pttl, nx, .. } => {
                let nx = if *nx { "1" } else { "0" }.to_string();
                evalsha(RESTORE_SCRIPT_SHA1, [state, ids, end, value.clone(), pttl.to_string(), nx])
            }
        }
    }
}

/// A call's three keys, from its state key.
pub(crate) fn keys_of(state: String) -> Keys {
    Keys { ids: keys::write_ids_key(&state), end: keys::end_key(&state), state }
}
