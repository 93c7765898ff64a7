//! Backup and restore (SPEC §2): the `SCAN` plan and the NDJSON line format
//! `{ key, pttlMs, atMs, value }`, encoded and checked here.

use serde::{Deserialize, Serialize};

use crate::codec::Codec;
use crate::command::Command;
use crate::keys;

/// One backed-up key, as a line of NDJSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackupLine {
    /// The Redis key.
    pub key: String,
    /// Remaining time to live in ms when read (−1: no expiry).
    pub pttl_ms: i64,
    /// The server's `TIME` when read, in ms since the epoch.
    pub at_ms: i64,
    /// The stored value, as is.
    pub value: String,
}

/// What restoring one line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStep {
    /// Send this `SET` (`PX` remaining TTL, `NX` unless replacing).
    Set(Command),
    /// The key's TTL ran out since the backup.
    Expired,
    /// The line does not parse, names a key outside the prefix, or its value does not decode.
    Invalid,
}

impl Codec {
    /// One `SCAN` step over this codec's keys; `pattern` narrows the SID part (a Redis glob).
    pub fn plan_scan(&self, cursor: &str, pattern: Option<&str>) -> Command {
        let o = self.options();
        let mut glob: String = o
            .key_prefix
            .chars()
            .flat_map(|c| if c == '\\' { vec!['\\', c] } else { vec![c] })
            .collect();
        glob.push_str(if o.hash_tag { "{" } else { "" });
        glob.push_str(pattern.unwrap_or("*"));
        glob.push_str(if o.hash_tag { "}" } else { "" });
        ["SCAN", cursor, "MATCH", &glob, "COUNT", "500"].map(String::from).to_vec()
    }

    /// Whether `key` is a call-state key of this codec (not a write-id key or a stranger).
    pub fn is_state_key(&self, key: &str) -> bool {
        keys::call_sid_of(self.options(), key).is_some()
    }

    /// The NDJSON line (ending in `\n`) for one key read at `at_ms`.
    pub fn backup_line(&self, key: &str, pttl_ms: i64, at_ms: i64, value: &str) -> String {
        let line = BackupLine { key: key.into(), pttl_ms, at_ms, value: value.into() };
        let mut text = serde_json::to_string(&line).unwrap_or_default();
        text.push('\n');
        text
    }

    /// What to do with one backup line at `now_ms` (the restoring caller's clock).
    pub fn plan_restore(&self, line: &str, now_ms: i64, replace: bool) -> RestoreStep {
        let Ok(line) = serde_json::from_str::<BackupLine>(line.trim_end()) else {
            return RestoreStep::Invalid;
        };
        if !self.is_state_key(&line.key) || self.decode(&line.value).is_err() {
            return RestoreStep::Invalid;
        }
        let mut cmd: Command = vec!["SET".into(), line.key, line.value];
        if line.pttl_ms >= 0 {
            let remaining = line.pttl_ms - now_ms.saturating_sub(line.at_ms).max(0);
            if remaining <= 0 {
                return RestoreStep::Expired;
            }
            cmd.extend(["PX".into(), remaining.to_string()]);
        } else if line.pttl_ms != -1 {
            return RestoreStep::Invalid;
        }
        if !replace {
            cmd.push("NX".into());
        }
        RestoreStep::Set(cmd)
    }
}
