//! The `WATCH`/`MULTI` fallback (SPEC §7).
//!
//! Where scripting is refused, every scripted step the store sends — a write or a TTL extension —
//! runs instead as `WATCH` and reads ([`Scripted::fallback_reads`]), a decision made
//! here from their replies ([`Scripted::decide`]), then `MULTI` … `EXEC`. The decisions are the
//! scripts' logic in Rust and answer in the scripts' reply shapes, so the store reads a script
//! reply and a fallback reply the same way; `tests/vectors/plans.json` holds both to the same
//! answers. An `EXEC` that returns nil (a watched key changed) is not an outcome: the store runs
//! the step again from `WATCH`.

use super::ids::{self, AppliedIds};
use super::write::{Keys, Write, WriteKind, prefix_last_updated, prefix_rev};
use crate::command::Command;
use crate::error::Error;
use crate::replies::Replies;

/// A scripted step as the store carries it beside its command (the plans hand both out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// The write script.
    Write(Write),
    /// The extend script: add seconds to the state's TTL, up to `max`.
    Extend {
        /// The call's keys.
        keys: Keys,
        /// Seconds to add.
        add: i64,
        /// The TTL cap.
        max: i64,
    },
    /// The restore script: `SET` a backed-up value unless the call has ended.
    Restore {
        /// The call's keys.
        keys: Keys,
        /// The value to set.
        value: String,
        /// Its TTL in ms.
        pttl: i64,
        /// Keep an existing value (`NX`).
        nx: bool,
    },
}

/// A step's reply, shaped as its script's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// nil.
    Nil,
    /// An integer (the extend script's new TTL).
    Int(i64),
    /// A status (the restore script's `OK`, `EXISTS`, `ENDED`).
    Status(&'static str),
    /// The write script's `[status, value]`.
    Pair(&'static str, Option<String>),
}

/// What the fallback does after its reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FallbackStep {
    /// Nothing to write: `UNWATCH`, and `reply` is the step's reply.
    Done {
        /// The reply, shaped as the script's.
        reply: Reply,
    },
    /// Send `MULTI`, these commands, `EXEC`; when `EXEC` answers (not nil), `reply` is the
    /// step's reply.
    Exec {
        /// The queued commands.
        commands: Vec<Command>,
        /// The reply, shaped as the script's.
        reply: Reply,
    },
}

impl FallbackStep {
    /// Everything to send after the reads, in order: `UNWATCH`, or `MULTI`, the commands and
    /// `EXEC` (whose nil reply means a watched key changed: run the step again from `WATCH`).
    pub fn send(&self) -> Vec<Command> {
        match self {
            FallbackStep::Done { .. } => vec![cmd(&["UNWATCH"])],
            FallbackStep::Exec { commands, .. } => {
                let mut all = Vec::with_capacity(commands.len() + 2);
                all.push(cmd(&["MULTI"]));
                all.extend(commands.iter().cloned());
                all.push(cmd(&["EXEC"]));
                all
            }
        }
    }
}

fn cmd(parts: &[&str]) -> Command {
    parts.iter().map(|p| p.to_string()).collect()
}

impl Scripted {
    /// The step's keys.
    pub fn keys(&self) -> &Keys {
        match self {
            Scripted::Write(w) => &w.keys,
            Scripted::Extend { keys, .. } | Scripted::Restore { keys, .. } => keys,
        }
    }

    /// `WATCH`, then the reads whose replies [`Scripted::decide`] takes, in order.
    pub fn fallback_reads(&self) -> Vec<Command> {
        let Keys { state, ids, end } = self.keys();
        match self {
            Scripted::Write(_) => vec![
                cmd(&["WATCH", state, ids, end]),
                cmd(&["GET", state]),
                cmd(&["GET", ids]),
                cmd(&["EXISTS", end]),
                cmd(&["TIME"]),
                cmd(&["TTL", state]),
                cmd(&["TTL", ids]),
            ],
            Scripted::Extend { .. } => {
                vec![cmd(&["WATCH", state, ids, end]), cmd(&["EXISTS", end]), cmd(&["TTL", state])]
            }
            Scripted::Restore { .. } => {
                vec![cmd(&["WATCH", state, end]), cmd(&["EXISTS", end]), cmd(&["EXISTS", state])]
            }
        }
    }

    /// The script's logic in Rust, from the replies to [`Scripted::fallback_reads`] after the
    /// `WATCH`, each as raw JSON text (strings, integers, `null`, arrays, as the client
    /// returned them).
    pub fn decide<S: AsRef<str>>(&self, replies: &[S]) -> Result<FallbackStep, Error> {
        let replies: Vec<&str> = replies.iter().map(AsRef::as_ref).collect();
        let r = Replies::new(&replies, "WATCH fallback");
        match self {
            Scripted::Write(w) => decide_write(
                w,
                &Found {
                    cur: r.text(0)?,
                    ids: r.text(1)?,
                    ended: r.int(2)? == 1,
                    time: r.time(3)?,
                    ttls: (r.int(4)?, r.int(5)?),
                },
            ),
            Scripted::Extend { keys, add, max } => {
                let (ended, cur) = (r.int(0)? == 1, r.int(1)?);
                if ended || cur <= 0 {
                    return Ok(FallbackStep::Done { reply: Reply::Nil });
                }
                let n = (cur.saturating_add(*add)).min(*max).max(cur);
                let expire = |k: &str| cmd(&["EXPIRE", k, &n.to_string()]);
                let commands = vec![expire(&keys.state), expire(&keys.ids)];
                Ok(FallbackStep::Exec { commands, reply: Reply::Int(n) })
            }
            Scripted::Restore { keys, value, pttl, nx } => {
                if r.int(0)? == 1 {
                    return Ok(FallbackStep::Done { reply: Reply::Status("ENDED") });
                }
                if *nx && r.int(1)? == 1 {
                    return Ok(FallbackStep::Done { reply: Reply::Status("EXISTS") });
                }
                let set = cmd(&["SET", &keys.state, value, "PX", &pttl.to_string()]);
                Ok(FallbackStep::Exec { commands: vec![set], reply: Reply::Status("OK") })
            }
        }
    }
}

/// What a write's reads found: the stored value, the write ids string, the end marker, the
/// server's `TIME` (s, µs), and the `TTL`s of the state and write-id keys.
struct Found {
    cur: Option<String>,
    ids: Option<String>,
    ended: bool,
    time: (u64, u64),
    ttls: (i64, i64),
}

fn reply(status: &'static str, value: Option<String>) -> Reply {
    Reply::Pair(status, value)
}

/// The write script's logic.
fn decide_write(w: &Write, found: &Found) -> Result<FallbackStep, Error> {
    let Found { cur, ttls, .. } = found;
    let done = |status: &'static str, value: Option<String>| {
        Ok(FallbackStep::Done { reply: reply(status, value) })
    };
    // The plans make every write id one the ids string can hold; a step handed back from JS
    // is checked again.
    if !ids::valid(&w.write_id) {
        return Err(Error::field("writeId", "not a write id a plan handed out"));
    }
    let applied = AppliedIds::parse(found.ids.as_deref());
    if applied.contains(&w.write_id) {
        // As the script: touch the write ids so a WAIT after a duplicate covers what it found.
        let reply = reply("DUP", cur.clone());
        if ttls.1 <= 0 {
            return Ok(FallbackStep::Done { reply });
        }
        let touch = cmd(&["EXPIRE", &w.keys.ids, &ttls.1.to_string()]);
        return Ok(FallbackStep::Exec { commands: vec![touch], reply });
    }
    if found.ended && w.kind != WriteKind::Del {
        return done("ENDED", cur.clone());
    }
    let rev = cur.as_deref().and_then(prefix_rev);
    match &w.kind {
        WriteKind::Cas { guard, .. } if !guard.holds(cur.as_deref()) => {
            return done("CONFLICT", cur.clone());
        }
        WriteKind::Save { body } => {
            if let Some(stored) = cur.as_deref() {
                let Some(lu) = prefix_last_updated(stored) else {
                    return done("CHECK", cur.clone());
                };
                // Both texts are in `toISOString()`'s fixed shape, where text order is time
                // order: compared as the script compares them.
                if body.last_updated.to_iso().as_str() < lu {
                    return done("STALE", Some(lu.into()));
                }
            }
        }
        _ => {}
    }
    let ttl = w.ttl();
    let ttl_text = ttl.to_string();
    let longer = |t: i64| t > i64::from(ttl);
    let mut commands = Vec::new();
    let new_rev = if let WriteKind::End { .. } = w.kind {
        // The end marker, and TTLs that only ever shorten.
        commands.push(cmd(&["SET", &w.keys.end, "1", "EX", &ttl_text]));
        if cur.is_some() && (ttls.0 == -1 || longer(ttls.0)) {
            commands.push(cmd(&["EXPIRE", &w.keys.state, &ttl_text]));
        }
        let value = applied.with(&w.write_id, applied.rev);
        commands.push(if ttls.1 < 0 || longer(ttls.1) {
            cmd(&["SET", &w.keys.ids, &value, "EX", &ttl_text])
        } else {
            cmd(&["SET", &w.keys.ids, &value, "KEEPTTL"])
        });
        rev.unwrap_or(0)
    } else {
        // One past the last rev handed out; where the ids do not know it, max(rev + 1, TIME).
        let new_rev = match applied.rev {
            Some(last) => last.max(rev.unwrap_or(0)) + 1,
            None => {
                let now = found.time.0.saturating_mul(1_000_000).saturating_add(found.time.1);
                rev.map_or(now, |r| now.max(r + 1))
            }
        };
        let keep_ttl = matches!(w.kind, WriteKind::Cas { keep_ttl: true, .. });
        commands.push(match w.value(new_rev) {
            None => cmd(&["DEL", &w.keys.state]),
            Some(value) if keep_ttl => cmd(&["SET", &w.keys.state, &value, "KEEPTTL"]),
            Some(value) => cmd(&["SET", &w.keys.state, &value, "EX", &ttl_text]),
        });
        let value = applied.with(&w.write_id, Some(new_rev));
        commands.push(cmd(&["SET", &w.keys.ids, &value, "EX", &ttl_text]));
        new_rev
    };
    Ok(FallbackStep::Exec { commands, reply: reply("OK", Some(new_rev.to_string())) })
}
