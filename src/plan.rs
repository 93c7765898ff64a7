//! Redis command plans (SPEC §7): the exact argument arrays and Lua scripts for every store
//! operation, and readers for their replies. Nothing here sends anything.
//!
//! Every write goes through one script, [`WRITE_SCRIPT`]. It reads `rev` (and `lastUpdated`)
//! from the fixed prefix every value this library writes starts with —
//! `{"schemaVersion":3,"rev":N,"lastUpdated":"…",` — so it never re-encodes the value; it
//! sets the new `rev` to `max(old + 1, server TIME in µs)` and remembers the write id, so a
//! resent write is applied once. [`Write::decide`] is the same logic in Rust, for the
//! `WATCH`/`MULTI` fallback where scripting is refused.

use crate::canonical::Form;
use crate::codec::{Codec, REV_PREFIX};
use crate::command::{eval, evalsha};
use crate::error::Error;
use crate::keys;
pub use crate::scripts::{
    EXTEND_SCRIPT, EXTEND_SCRIPT_SHA1, KEEP_TTL_SCRIPT, KEEP_TTL_SCRIPT_SHA1, WRITE_IDS_KEPT,
    WRITE_SCRIPT, WRITE_SCRIPT_SHA1, eval_fallback,
};
use crate::state::CallState;
use crate::time::Timestamp;

pub use crate::command::Command;

/// A state as a write carries it: the stored text after the revision digits, and what the
/// plans read from the state ([`Codec::body`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    text: String,
    last_updated: Timestamp,
    ttl: u32,
}

/// A planned write: what the store sends, by script or by the `WATCH` fallback. Its
/// [`Write::evalsha`] command carries every field, so the command alone stands for the write
/// ([`Write::from_command`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The state key.
    pub key: String,
    /// The key of the call's applied write ids.
    pub ids_key: String,
    /// The key marking the call ended (writes after it are refused).
    pub end_key: String,
    /// `save` (blind, stale-checked on the server), `cas` (compare on `guard`) or `end`.
    pub mode: WriteMode,
    /// The value after its rev digits (`,"lastUpdated":…}`), or empty to delete.
    pub body: String,
    /// `lastUpdated` of the value written, `toISOString` form (empty for a delete).
    pub last_updated: String,
    /// The TTL to set, in seconds (an `end` only ever shortens it).
    pub ttl: u32,
    /// Keep the state key's remaining TTL instead of setting `ttl` (a migration's write-back
    /// on a plain read); the write ids still expire in `ttl`.
    pub keep_ttl: bool,
    /// The store's id for this write (random, reused across its retries).
    pub write_id: String,
    /// What a `cas` expects to find (ignored by the other modes).
    pub guard: Guard,
}

/// What a compare-and-set expects to find stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// No value.
    Absent,
    /// A value with this `rev` (above 0) in its prefix.
    Rev(u64),
    /// Exactly this text: a value without a prefixed `rev`, or with rev 0 (two rev-0 values can
    /// differ, so only the text tells them apart).
    Value(String),
}

impl Guard {
    /// The guard a `cas` write carries for a value read as `prev`.
    pub fn of(prev: Option<&str>) -> Guard {
        match prev {
            None => Guard::Absent,
            Some(v) => match prefix_rev(v) {
                Some(rev) if rev > 0 => Guard::Rev(rev),
                _ => Guard::Value(v.to_string()),
            },
        }
    }

    /// Whether `cur` (the stored value, if any) is what the guard expects.
    pub fn holds(&self, cur: Option<&str>) -> bool {
        match (self, cur) {
            (Guard::Absent, cur) => cur.is_none(),
            (Guard::Rev(rev), Some(cur)) => prefix_rev(cur) == Some(*rev),
            (Guard::Value(v), Some(cur)) => v == cur,
            (_, None) => false,
        }
    }

    /// As the script's argument: `''`, `r<rev>` or `v<value>`.
    fn arg(&self) -> String {
        match self {
            Guard::Absent => String::new(),
            Guard::Rev(rev) => format!("r{rev}"),
            Guard::Value(v) => format!("v{v}"),
        }
    }

    /// From the script's argument.
    fn parse(arg: &str) -> Option<Guard> {
        match arg.as_bytes().first() {
            None => Some(Guard::Absent),
            Some(b'r') => arg[1..].parse().ok().map(Guard::Rev),
            Some(b'v') => Some(Guard::Value(arg[1..].to_string())),
            Some(_) => None,
        }
    }
}

/// Whether a write compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Write unless the stored state is newer (`STALE_WRITE`).
    Save,
    /// Write only if the stored value is still the one read.
    Cas,
    /// Mark the call ended and shorten its TTL to `ttl` (Twilio's final status callback).
    End,
    /// Delete the state, ended or not.
    Del,
}

/// What a write did, read from the script's reply (or decided by [`Write::decide`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
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

impl Codec {
    /// `GET` of a call's state.
    pub fn plan_get(&self, call_sid: &str) -> Result<Command, Error> {
        Ok(vec!["GET".into(), self.state_key(call_sid)?])
    }

    /// Deletes a call's state, exactly once: a resent delete (a client resending after a
    /// reconnect) is recognised by its write id and cannot remove a state written since. Its
    /// write ids stay until they expire, so a resent earlier write is still recognised too.
    pub fn plan_delete(&self, call_sid: &str, write_id: &str) -> Result<Write, Error> {
        self.write(call_sid, None, WriteMode::Del, Guard::Absent, write_id)
    }

    /// The atomic TTL extension; the reply is the new TTL or nil.
    pub fn plan_extend(&self, call_sid: &str, add: f64) -> Result<Command, Error> {
        self.extended_ttl(1.0, add)?; // validates `add`
        let key = self.state_key(call_sid)?;
        let (ids, end) = (keys::write_ids_key(&key), keys::end_key(&key));
        let max = self.options().ttl.max.to_string();
        Ok(evalsha(EXTEND_SCRIPT_SHA1, [key, ids, end, (add as i64).to_string(), max]))
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

    /// Restores `pttl_ms` (negative: no expiry) on the state key `key`, only while it holds
    /// `value` ([`KEEP_TTL_SCRIPT`]). `key` must be one of this codec's state keys.
    pub fn plan_keep_ttl(&self, key: &str, value: &str, pttl_ms: i64) -> Result<Command, Error> {
        if !self.is_state_key(key) {
            return Err(Error::field("key", "not a call state key of this codec"));
        }
        let pttl = if pttl_ms < 0 { "-1".to_string() } else { pttl_ms.max(1).to_string() };
        let (ids, end) = (keys::write_ids_key(key), keys::end_key(key));
        Ok(evalsha(KEEP_TTL_SCRIPT_SHA1, [key.to_string(), ids, end, value.to_string(), pttl]))
    }

    /// A blind save of `state`, refused on the server if the stored state is newer.
    pub fn plan_save(&self, call_sid: &str, state: Body, write_id: &str) -> Result<Write, Error> {
        self.write(call_sid, Some(state), WriteMode::Save, Guard::Absent, write_id)
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
        let mut w = self.write(call_sid, None, WriteMode::End, Guard::Absent, write_id)?;
        w.ttl = keep_seconds as u32;
        Ok(w)
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
        self.write(call_sid, next, WriteMode::Cas, Guard::of(prev), write_id)
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
        w.keep_ttl = true;
        Ok(w)
    }

    fn write(
        &self,
        call_sid: &str,
        state: Option<Body>,
        mode: WriteMode,
        guard: Guard,
        write_id: &str,
    ) -> Result<Write, Error> {
        let key = self.state_key(call_sid)?;
        let (body, last_updated, ttl) = match state {
            None => (String::new(), String::new(), self.options().ttl.default),
            Some(b) => (b.text, b.last_updated.to_iso(), b.ttl),
        };
        let (ids_key, end_key) = (keys::write_ids_key(&key), keys::end_key(&key));
        let write_id = write_id.into();
        let keep_ttl = false;
        Ok(Write {
            key,
            ids_key,
            end_key,
            mode,
            body,
            last_updated,
            ttl,
            keep_ttl,
            write_id,
            guard,
        })
    }

    fn last_updated_of(&self, stored: &str) -> Result<Timestamp, Error> {
        match prefix_last_updated(stored) {
            Some(iso) => Timestamp::parse(iso, "lastUpdated"),
            None => Ok(self.decode(stored)?.state.last_updated),
        }
    }
}

impl Write {
    /// The `EVALSHA` command; on a `NOSCRIPT` reply send [`Write::eval`] instead.
    pub fn evalsha(&self) -> Command {
        evalsha(WRITE_SCRIPT_SHA1, self.args())
    }

    /// The same write as `EVAL` with the script text.
    pub fn eval(&self) -> Command {
        eval(&WRITE_SCRIPT, self.args())
    }

    /// The write an [`Write::evalsha`] (or [`Write::eval`]) command was planned from; `None`
    /// for any other command.
    pub fn from_command(command: &[String]) -> Option<Write> {
        let [
            verb,
            script,
            n,
            key,
            ids_key,
            end_key,
            mode,
            body,
            last_updated,
            ttl,
            write_id,
            guard,
        ] = command
        else {
            return None;
        };
        let ours = match verb.as_str() {
            "EVALSHA" => script == WRITE_SCRIPT_SHA1,
            "EVAL" => *script == *WRITE_SCRIPT,
            _ => false,
        };
        let mode = match mode.as_str() {
            "save" => WriteMode::Save,
            "cas" => WriteMode::Cas,
            "end" => WriteMode::End,
            "del" => WriteMode::Del,
            _ => return None,
        };
        (ours && n == "3").then_some(())?;
        Some(Write {
            key: key.clone(),
            ids_key: ids_key.clone(),
            end_key: end_key.clone(),
            mode,
            body: body.clone(),
            last_updated: last_updated.clone(),
            ttl: ttl.strip_prefix('k').unwrap_or(ttl).parse().ok()?,
            keep_ttl: ttl.starts_with('k'),
            write_id: write_id.clone(),
            guard: Guard::parse(guard)?,
        })
    }

    /// Reads the script's reply `[status, value]`.
    pub fn outcome(status: &str, value: Option<String>) -> Result<Outcome, Error> {
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
                return Err(Error::Redis { detail: format!("unexpected write reply {other:?}") });
            }
        })
    }

    /// The value this write stores once applied with revision `rev` (`None`: it deletes).
    pub fn value(&self, rev: u64) -> Option<String> {
        (!self.body.is_empty()).then(|| format!("{REV_PREFIX}{rev}{}", self.body))
    }

    /// Where the body sits in [`Write::evalsha`]'s command (after verb, script, key count and
    /// the three keys, then the mode).
    pub const BODY_ARG: usize = 7;

    fn args(&self) -> [String; 9] {
        let mode = match self.mode {
            WriteMode::Save => "save",
            WriteMode::Cas => "cas",
            WriteMode::End => "end",
            WriteMode::Del => "del",
        };
        [
            self.key.clone(),
            self.ids_key.clone(),
            self.end_key.clone(),
            mode.into(),
            self.body.clone(),
            self.last_updated.clone(),
            if self.keep_ttl { format!("k{}", self.ttl) } else { self.ttl.to_string() },
            self.write_id.clone(),
            self.guard.arg(),
        ]
    }
}

/// The `rev` in the fixed prefix, if the value has it.
pub(crate) fn prefix_rev(v: &str) -> Option<u64> {
    let rest = v.strip_prefix(REV_PREFIX)?;
    let digits = rest.find(|c: char| !c.is_ascii_digit())?;
    if digits == 0 || rest.as_bytes()[digits] != b',' {
        return None;
    }
    rest[..digits].parse().ok()
}

/// The `lastUpdated` right after the prefix, as the script reads it.
pub(crate) fn prefix_last_updated(v: &str) -> Option<&str> {
    let rest = v.strip_prefix(REV_PREFIX)?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix(",\"lastUpdated\":\"")?;
    rest.split('"').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CallState {
        let json = r#"{"callSid":"CA1","stage":"ASK_ACTION","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}"#;
        Codec::default().parse_state(json).unwrap()
    }

    #[test]
    fn save_plan_carries_body_ttl_and_id() {
        let w = {
            let c = Codec::default();
            c.plan_save("CA1", c.body(&sample()).unwrap(), "w1")
        }
        .unwrap();
        assert_eq!(
            (w.key.as_str(), w.ids_key.as_str(), w.ttl),
            ("call_state:CA1", "call_state:CA1:w", 600)
        );
        assert!(w.body.starts_with(r#","lastUpdated":"2024-03-15T14:30:22.000Z","callSid":"CA1""#));
        let cmd = w.evalsha();
        let keys = ["call_state:CA1", "call_state:CA1:w", "call_state:CA1:end"];
        assert_eq!(&cmd[..6], ["EVALSHA", WRITE_SCRIPT_SHA1, "3", keys[0], keys[1], keys[2]]);
        assert_eq!(eval_fallback(&cmd).unwrap()[1], *WRITE_SCRIPT);
    }

    #[test]
    fn the_body_is_where_the_store_looks_for_it() {
        let codec = Codec::default();
        let w = codec.plan_save("CA1", codec.body(&sample()).unwrap(), "w1").unwrap();
        assert_eq!(w.evalsha()[Write::BODY_ARG], w.body);
        assert_eq!(w.value(7).unwrap(), format!("{REV_PREFIX}7{}", w.evalsha()[Write::BODY_ARG]));
    }

    #[test]
    fn keep_ttl_is_planned_for_state_keys_only() {
        let codec = Codec::default();
        let cmd = codec.plan_keep_ttl("call_state:CA1", "v", 1500).unwrap();
        assert_eq!(&cmd[..4], ["EVALSHA", KEEP_TTL_SCRIPT_SHA1, "3", "call_state:CA1"]);
        assert_eq!(&cmd[6..], ["v", "1500"]);
        assert_eq!(codec.plan_keep_ttl("call_state:CA1", "v", -1).unwrap()[7], "-1");
        assert_eq!(codec.plan_keep_ttl("call_state:CA1", "v", 0).unwrap()[7], "1");
        assert!(codec.plan_keep_ttl("other:CA1", "v", 10).is_err());
        assert_eq!(eval_fallback(&cmd).unwrap()[1], KEEP_TTL_SCRIPT);
    }

    #[test]
    fn a_write_command_stands_for_its_write() {
        let codec = Codec::default();
        let stored = codec.encode(&sample()).unwrap();
        for w in [
            codec.plan_save("CA1", codec.body(&sample()).unwrap(), "w1").unwrap(),
            codec.plan_update("CA1", Some(&stored), None, "w2").unwrap(),
            codec.plan_end("CA1", 60.0, "w3").unwrap(),
        ] {
            assert_eq!(Write::from_command(&w.evalsha()), Some(w.clone()));
            assert_eq!(Write::from_command(&w.eval()), Some(w));
        }
        let extend = codec.plan_extend("CA1", 60.0).unwrap();
        assert_eq!(Write::from_command(&extend), None);
        assert_eq!(Write::from_command(&codec.plan_get("CA1").unwrap()), None);
    }

    #[test]
    fn prefix_readers() {
        let v = r#"{"schemaVersion":3,"rev":17,"lastUpdated":"2024-03-15T14:30:22.000Z","x":1}"#;
        assert_eq!(prefix_rev(v), Some(17));
        assert_eq!(prefix_last_updated(v), Some("2024-03-15T14:30:22.000Z"));
        assert_eq!(prefix_rev(r#"{"schemaVersion":3,"rev":,"#), None);
        let seed = r#"{"callSid":"CA1"}"#;
        assert_eq!(Guard::of(Some(seed)), Guard::Value(seed.into()));
        assert_eq!(Guard::of(Some(v)), Guard::Rev(17));
        assert!(Guard::of(Some(v)).holds(Some(v)) && !Guard::of(Some(v)).holds(None));
        // rev 0 (serializeCallState's value, SET by seed-style code): compared by its text.
        let zero = v.replacen("17", "0", 1);
        assert_eq!(Guard::of(Some(&zero)), Guard::Value(zero.clone()));
        assert!(!Guard::of(Some(&zero)).holds(Some(&zero.replace("\"x\":1", "\"x\":2"))));
        assert_eq!(Guard::of(None), Guard::Absent);
        for g in [Guard::Absent, Guard::Rev(17), Guard::Value(zero)] {
            assert_eq!(Guard::parse(&g.arg()), Some(g));
        }
    }
}
