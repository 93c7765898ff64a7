//! Backup and restore (SPEC §2): the `SCAN` plan and the NDJSON line format
//! `{ key, pttlMs, atMs, value }`, encoded and checked here.

use crate::codec::{Codec, REV_PREFIX, Record, write_stored};
use crate::command::Command;
use crate::error::Error;
use crate::json;
use crate::keys;
use crate::plan::write::{prefix_last_updated, prefix_rev};
use crate::plan::{Scripted, keys_of};
use crate::replies::Replies;

/// The first `rev` a restore refuses (2^53 − 2^20): a value at or past it would leave too little
/// room below 2^53 for the revisions the store writes after it (SPEC §2).
pub const MAX_RESTORED_REV: u64 = (1 << 53) - (1 << 20);

/// One backed-up key, as a line of NDJSON.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A call's value as it is stored, undecoded, with its remaining TTL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The state key.
    pub key: String,
    /// The stored value.
    pub value: String,
    /// The key's remaining TTL in ms (`PTTL`: −1 for none).
    pub pttl_ms: i64,
    /// Whether the value is a compressed envelope (SPEC §8).
    pub compressed: bool,
}

/// The value of an end marker.
const END_MARK: &str = "1";

/// `GET` and `PTTL` of a key.
fn key_reads(key: &str) -> [Command; 2] {
    [vec!["GET".into(), key.into()], vec!["PTTL".into(), key.into()]]
}

/// What restoring one line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStep {
    /// A valid line whose key has time left.
    Set {
        /// The `SET` (`PX` remaining TTL, `NX` unless replacing), sent as it is only when the
        /// caller restores ended calls too.
        set: Command,
        /// The same `SET` refused for a call that has ended, checked in the same step (the
        /// restore script, or its `WATCH` fallback): what a restore sends by default. The store
        /// gets its `EVALSHA` command, from which the fallback reads the step back.
        guarded: Box<Scripted>,
        /// `EXISTS` of the call's end marker: a call that has ended is not brought back (unless
        /// the caller says so).
        ended: Command,
        /// `EXISTS` of the key, for a dry run (what `NX` would keep).
        exists: Command,
    },
    /// An ended call's end marker: send this `SET` (`PX` remaining TTL).
    Mark {
        /// The `SET`.
        set: Command,
    },
    /// The key's TTL ran out since the backup.
    Expired,
    /// The line is not one to restore, and why: it does not parse, names a key outside the
    /// prefix, or its value does not decode, holds another call's `callSid`, or a `rev` at or
    /// past [`MAX_RESTORED_REV`].
    Invalid(String),
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
        self.call_sid_of(key).is_some()
    }

    /// The call SID a state key of this codec holds (`None` for any other key).
    pub fn call_sid_of<'k>(&self, key: &'k str) -> Option<&'k str> {
        keys::call_sid_of(self.options(), key)
    }

    /// The reads that back up a page of `SCAN` keys: `GET` and `PTTL` of each state key among
    /// them (others skipped) and `PTTL` of its end marker, then one `TIME` — read after them, so the remaining TTL a restore
    /// computes errs on the short side. The keys read are returned beside the commands.
    pub fn backup_reads(&self, scanned: &[String]) -> (Vec<String>, Vec<Command>) {
        let keys: Vec<String> = scanned.iter().filter(|k| self.is_state_key(k)).cloned().collect();
        let mut reads: Vec<Command> = Vec::with_capacity(keys.len() * 3 + 1);
        for key in &keys {
            reads.extend(key_reads(key));
            reads.push(vec!["PTTL".into(), keys::end_key(key)]);
        }
        reads.push(vec!["TIME".into()]);
        (keys, reads)
    }

    /// The NDJSON lines for `keys` from the replies to [`Codec::backup_reads`] (each as raw JSON
    /// text, as the client returned it): a state line per
    /// key (none for a key gone between `SCAN` and `GET`), and after it, for a call that has ended,
    /// a line for its end marker (value `"1"`), so a restore cannot bring an ended call back to
    /// life.
    pub fn backup_lines<S: AsRef<str>>(
        &self,
        keys: &[String],
        replies: &[S],
    ) -> Result<Vec<String>, Error> {
        let replies: Vec<&str> = replies.iter().map(AsRef::as_ref).collect();
        let r = Replies::new(&replies, "backup");
        let (s, us) = r.time(keys.len() * 3)?;
        let at_ms = i64::try_from(s.saturating_mul(1000).saturating_add(us / 1000)).unwrap_or(0);
        let mut lines = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let Some(value) = r.text(3 * i)? else { continue };
            lines.push(self.backup_line(key, r.int(3 * i + 1)?, at_ms, &value));
            // An ended call's marker follows its state, so a restore brings back both, in order.
            let end_pttl = r.int(3 * i + 2)?;
            if end_pttl != -2 {
                lines.push(self.backup_line(&keys::end_key(key), end_pttl, at_ms, END_MARK));
            }
        }
        Ok(lines)
    }

    /// One call's stored value and remaining TTL: the reads ([`Codec::stored_of`] reads their
    /// replies) and the call's state key.
    pub fn plan_read(&self, call_sid: &str) -> Result<(String, Vec<Command>), Error> {
        let key = self.state_key(call_sid)?;
        let reads = key_reads(&key).to_vec();
        Ok((key, reads))
    }

    /// What [`Codec::plan_read`]'s replies (raw JSON text) say: `None` when there is no value.
    pub fn stored_of<S: AsRef<str>>(
        &self,
        key: &str,
        replies: &[S],
    ) -> Result<Option<Stored>, Error> {
        let replies: Vec<&str> = replies.iter().map(AsRef::as_ref).collect();
        let r = Replies::new(&replies, "read");
        let Some(value) = r.text(0)? else { return Ok(None) };
        let pttl_ms = r.int(1)?;
        let compressed = self.is_compressed(&value);
        Ok(Some(Stored { key: key.to_string(), value, pttl_ms, compressed }))
    }

    /// The NDJSON line (ending in `\n`) for one key read at `at_ms`.
    pub fn backup_line(&self, key: &str, pttl_ms: i64, at_ms: i64, value: &str) -> String {
        let line = BackupLine { key: key.into(), pttl_ms, at_ms, value: value.into() };
        let mut text = json::to_json(&line);
        text.push('\n');
        text
    }

    /// What to do with one backup line at `now_ms` (the restoring caller's clock). A line is
    /// checked before its expiry (SPEC §2): the key is one of this codec's, its value decodes,
    /// holds the key's `callSid` and a `rev` below [`MAX_RESTORED_REV`]. The TTL set is the
    /// remaining one clamped to `(0, ttl.max]`; a line without expiry gets `ttl.max`, so a
    /// restore never makes a key that lives for ever.
    pub fn plan_restore(&self, line: &str, now_ms: i64, replace: bool) -> RestoreStep {
        let invalid = |why: &str| RestoreStep::Invalid(why.to_string());
        let Some(line) = BackupLine::from_json(line.trim_end()) else {
            return invalid("not a backup line ({key, pttlMs, atMs, value} with integer times)");
        };
        if let Some(state_key) = line.key.strip_suffix(":end").filter(|k| self.is_state_key(k)) {
            if line.value != END_MARK {
                return invalid("an end marker's value is not \"1\"");
            }
            return match self.remaining_ms(&line, now_ms) {
                Err(why) => invalid(why),
                Ok(None) => RestoreStep::Expired,
                Ok(Some(ttl)) => RestoreStep::Mark {
                    set: vec![
                        "SET".into(),
                        keys::end_key(state_key),
                        END_MARK.into(),
                        "PX".into(),
                        ttl.to_string(),
                    ],
                },
            };
        }
        let Some(sid) = keys::call_sid_of(self.options(), &line.key) else {
            return invalid("the key is not a call state key of this codec");
        };
        let value = match self.decode(&line.value) {
            Err(e) => {
                return RestoreStep::Invalid(format!("the value does not decode: {}", e.code()));
            }
            Ok(r) if r.state.call_sid != sid => {
                return invalid("the value's callSid is not the key's");
            }
            Ok(r) if r.revision >= MAX_RESTORED_REV => {
                return invalid("its rev is at or past 2^53 - 2^20");
            }
            Ok(r) => match self.written_form(&r, &line.value) {
                Ok(value) => value,
                Err(e) => {
                    return RestoreStep::Invalid(format!(
                        "the value does not encode: {}",
                        e.code()
                    ));
                }
            },
        };
        let ttl = match self.remaining_ms(&line, now_ms) {
            Err(why) => return invalid(why),
            Ok(None) => return RestoreStep::Expired,
            Ok(Some(ttl)) => ttl,
        };
        let step = Scripted::Restore {
            keys: keys_of(line.key.clone()),
            value: value.clone(),
            pttl: ttl,
            nx: !replace,
        };
        let guarded = Box::new(step);
        let mut set: Command =
            vec!["SET".into(), line.key.clone(), value, "PX".into(), ttl.to_string()];
        if !replace {
            set.push("NX".into());
        }
        let ended = vec!["EXISTS".into(), keys::end_key(&line.key)];
        RestoreStep::Set { set, guarded, ended, exists: vec!["EXISTS".into(), line.key] }
    }

    /// The TTL to set in ms, as text: the remaining one clamped to `(0, ttl.max]` (`None`: it
    /// ran out since the backup).
    fn remaining_ms(&self, line: &BackupLine, now_ms: i64) -> Result<Option<i64>, &'static str> {
        let max_ms = i64::from(self.options().ttl.max) * 1000;
        let remaining = match line.pttl_ms {
            -1 => max_ms,
            p if p >= 0 => p.saturating_sub(now_ms.saturating_sub(line.at_ms).max(0)),
            _ => return Err("pttlMs is below -1"),
        };
        Ok((remaining > 0).then(|| remaining.min(max_ms)))
    }

    /// The value to restore: `stored` as it is (SPEC §2), unless the scripts would read its
    /// prefix and find it out of form — a `rev` and then no `lastUpdated` in `toISOString()`'s
    /// shape (an offset, a lowercase `t`, another field order) — in which case it is rewritten
    /// as this codec writes it, `rev` kept, whole (never trimmed the way compression may). Older
    /// versions and compressed envelopes stay as they are: the scripts `CHECK` those.
    fn written_form(&self, record: &Record, stored: &str) -> Result<String, Error> {
        let read_by_scripts = stored.starts_with(REV_PREFIX) && !self.is_compressed(stored);
        if !read_by_scripts
            || (prefix_rev(stored).is_some() && prefix_last_updated(stored).is_some())
        {
            return Ok(stored.to_string());
        }
        let mut value = String::with_capacity(stored.len() + 16);
        write_stored(&mut value, &record.state, record.revision);
        if value.len() > self.options().max_bytes {
            return Err(Error::TooLarge { size: value.len(), limit: self.options().max_bytes });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
mod text;
