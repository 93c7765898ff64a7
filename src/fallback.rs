//! The `WATCH`/`MULTI` fallback (SPEC §7) and the one rule for Redis errors.
//!
//! Where scripting is refused, every scripted step the store sends — a write, a TTL extension,
//! a keep-TTL — runs instead as `WATCH` and reads ([`Scripted::fallback_reads`]), a decision made
//! here from their replies ([`Scripted::decide`]), then `MULTI` … `EXEC`. The decisions are the
//! scripts' logic in Rust and answer in the scripts' reply shapes, so the store reads a script
//! reply and a fallback reply the same way. An `EXEC` that returns nil (a watched key changed)
//! is not an outcome: the store runs the step again from `WATCH`.
//!
//! [`classify`] says what a Redis error reply means for the store: retry it, fall back from
//! scripting, resend as `EVAL`, or give up.

use serde_json::Value;

use crate::command::Command;
use crate::error::Error;
use crate::plan::{Write, WriteMode, prefix_last_updated, prefix_rev};
use crate::scripts::{EXTEND_SCRIPT_SHA1, KEEP_TTL_SCRIPT_SHA1, WRITE_IDS_KEPT};

/// A scripted step, read back from the command the store was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// The write script.
    Write(Write),
    /// The extend script: keys, then the seconds to add and the maximum TTL.
    Extend {
        /// State, write-id and end-marker keys.
        keys: [String; 3],
        /// Seconds to add.
        add: i64,
        /// The TTL cap.
        max: i64,
    },
    /// The keep-TTL script: put `pttl` back on the state key while it holds `value`.
    KeepTtl {
        /// The state key.
        key: String,
        /// The value the key must still hold.
        value: String,
        /// Milliseconds, or negative for no expiry.
        pttl: i64,
    },
}

/// What the fallback does after its reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum FallbackStep {
    /// Nothing to write: `UNWATCH`, and `reply` is the step's reply.
    Done {
        /// The reply, shaped as the script's.
        reply: Value,
    },
    /// Send `MULTI`, these commands, `EXEC`; when `EXEC` answers (not nil), `reply` is the
    /// step's reply.
    Exec {
        /// The queued commands.
        commands: Vec<Command>,
        /// The reply, shaped as the script's.
        reply: Value,
    },
}

/// What a Redis error reply means for the store (SPEC §7, "Faults").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorClass {
    /// The script is not cached on the server: send the same step as `EVAL`.
    NoScript,
    /// Scripting is refused here (ACL `NOPERM`, an unknown command, scripting disabled): use
    /// the `WATCH` fallback, and try scripting again later.
    ScriptingRefused,
    /// Transient (`LOADING`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, a dropped or refused
    /// connection): the step's outcome is unknown; retry it within the deadline with the same
    /// write id.
    Retry,
    /// `MOVED`/`ASK` on the store's own `WATCH` connection (a resharding): retry as [`Retry`],
    /// after sending the step's `probe` through the cluster client so that it follows the
    /// redirection and refreshes its slot map (it never saw this reply).
    ///
    /// [`Retry`]: ErrorClass::Retry
    Moved,
    /// Anything else (`OOM`, `BUSY`, `WRONGTYPE`, …): the method fails with `REDIS`; nothing
    /// changes about how the next method is sent.
    Fail,
}

/// Classifies a Redis client's error message (the server's reply text, or the client's own
/// connection error).
pub fn classify(message: &str) -> ErrorClass {
    let m = message.trim_start();
    let upper = m.to_ascii_uppercase();
    let word = upper.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
    match word {
        "NOSCRIPT" if !upper.contains("DISABLED") => return ErrorClass::NoScript,
        "NOPERM" => return ErrorClass::ScriptingRefused,
        "LOADING" | "TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" => return ErrorClass::Retry,
        "MOVED" | "ASK" => return ErrorClass::Moved,
        "OOM" | "BUSY" | "BUSYKEY" | "EXECABORT" | "WRONGTYPE" => return ErrorClass::Fail,
        _ => {}
    }
    if upper.contains("SCRIPTING IS DISABLED")
        || upper.contains("NOSCRIPT")
        || upper.starts_with("ERR UNKNOWN COMMAND")
        || (upper.contains("UNKNOWN COMMAND")
            && (upper.contains("EVAL") || upper.contains("SCRIPT")))
    {
        return ErrorClass::ScriptingRefused;
    }
    const CONNECTION: [&str; 15] = [
        "ECONNRESET",
        "ECONNREFUSED",
        "ECONNABORTED",
        "EPIPE",
        "ETIMEDOUT",
        "EHOSTUNREACH",
        "CONNECTION IS CLOSED",
        "SOCKET CLOSED",
        "CLIENT IS CLOSED",
        "SOCKET IS NOT OPEN",
        "STREAM ISN'T WRITEABLE",
        "CONNECTION LOST",
        "CLIENT IS OFFLINE",
        "DISCONNECTS CLIENT",
        "CONNECTION TIMEOUT",
    ];
    // ioredis Cluster gives up redirecting (MOVED/CLUSTERDOWN during a failover) with this.
    if upper.starts_with("TOO MANY CLUSTER REDIRECTIONS") {
        return ErrorClass::Retry;
    }
    if CONNECTION.iter().any(|c| upper.contains(c)) {
        return ErrorClass::Retry;
    }
    ErrorClass::Fail
}

impl Scripted {
    /// The step a planned `EVALSHA`/`EVAL` command stands for, if it is one of ours.
    pub fn from_command(cmd: &[String]) -> Option<Scripted> {
        if let Some(w) = Write::from_command(cmd) {
            return Some(Scripted::Write(w));
        }
        let [verb, sha, n, key, ids, end, a, b] = cmd else { return None };
        (matches!(verb.as_str(), "EVALSHA" | "EVAL") && n == "3").then_some(())?;
        let sha = if verb == "EVAL" { crate::scripts::sha_of(sha)? } else { sha.as_str() };
        match sha {
            EXTEND_SCRIPT_SHA1 => Some(Scripted::Extend {
                keys: [key.clone(), ids.clone(), end.clone()],
                add: a.parse().ok()?,
                max: b.parse().ok()?,
            }),
            KEEP_TTL_SCRIPT_SHA1 => Some(Scripted::KeepTtl {
                key: key.clone(),
                value: a.clone(),
                pttl: b.parse().ok()?,
            }),
            _ => None,
        }
    }

    /// `WATCH`, then the reads whose replies [`Scripted::decide`] takes, in order.
    pub fn fallback_reads(&self) -> Vec<Command> {
        let cmd = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Command>();
        match self {
            Scripted::Write(w) => vec![
                cmd(&["WATCH", &w.key, &w.ids_key, &w.end_key]),
                cmd(&["GET", &w.key]),
                cmd(&["LPOS", &w.ids_key, &w.write_id]),
                cmd(&["EXISTS", &w.end_key]),
                cmd(&["TIME"]),
                cmd(&["TTL", &w.key]),
                cmd(&["TTL", &w.ids_key]),
            ],
            Scripted::Extend { keys: [key, ids, end], .. } => {
                vec![cmd(&["WATCH", key, ids, end]), cmd(&["EXISTS", end]), cmd(&["TTL", key])]
            }
            Scripted::KeepTtl { key, .. } => vec![cmd(&["WATCH", key]), cmd(&["GET", key])],
        }
    }

    /// The script's logic in Rust, from the replies to [`Scripted::fallback_reads`] after the
    /// `WATCH` (JSON: strings, integers, `null`, arrays, as the client returned them).
    pub fn decide(&self, replies: &[Value]) -> Result<FallbackStep, Error> {
        let r = Replies(replies);
        match self {
            Scripted::Write(w) => decide_write(
                w,
                r.text(0)?,
                !r.0.get(1).is_none_or(Value::is_null),
                r.int(2)? == 1,
                r.time(3)?,
                (r.int(4)?, r.int(5)?),
            ),
            Scripted::Extend { keys: [key, ids, _], add, max } => {
                let (ended, cur) = (r.int(0)? == 1, r.int(1)?);
                if ended || cur <= 0 {
                    return Ok(FallbackStep::Done { reply: Value::Null });
                }
                let n = (cur.saturating_add(*add)).min(*max).max(cur);
                let expire = |k: &String| vec!["EXPIRE".into(), k.clone(), n.to_string()];
                Ok(FallbackStep::Exec { commands: vec![expire(key), expire(ids)], reply: n.into() })
            }
            Scripted::KeepTtl { key, value, pttl } => {
                if r.text(0)?.as_deref() != Some(value.as_str()) {
                    return Ok(FallbackStep::Done { reply: 0.into() });
                }
                let command = if *pttl < 0 {
                    vec!["PERSIST".into(), key.clone()]
                } else {
                    vec!["PEXPIRE".into(), key.clone(), pttl.to_string()]
                };
                Ok(FallbackStep::Exec { commands: vec![command], reply: 1.into() })
            }
        }
    }
}

/// The write script's logic: `cur` the stored value, `applied` whether the write id is among
/// the applied ones, `ended` the end marker, `time` the server's `TIME` (s, µs), `ttls` the
/// `TTL`s of the state and write-id keys.
fn decide_write(
    w: &Write,
    cur: Option<String>,
    applied: bool,
    ended: bool,
    time: (u64, u64),
    ttls: (i64, i64),
) -> Result<FallbackStep, Error> {
    let done = |status: &str, value: Option<String>| {
        Ok(FallbackStep::Done { reply: Value::from(vec![Value::from(status), Value::from(value)]) })
    };
    if applied {
        // As the script: touch the write ids so a WAIT after a duplicate covers what it found.
        let reply = Value::from(vec![Value::from("DUP"), Value::from(cur)]);
        if ttls.1 <= 0 {
            return Ok(FallbackStep::Done { reply });
        }
        let touch = vec!["EXPIRE".into(), w.ids_key.clone(), ttls.1.to_string()];
        return Ok(FallbackStep::Exec { commands: vec![touch], reply });
    }
    if ended && w.mode != WriteMode::Del {
        return done("ENDED", cur);
    }
    let rev = cur.as_deref().and_then(prefix_rev);
    match w.mode {
        WriteMode::Cas => {
            if !w.guard.holds(cur.as_deref()) {
                return done("CONFLICT", cur);
            }
        }
        WriteMode::Save => {
            if let Some(stored) = cur.as_deref() {
                match prefix_last_updated(stored) {
                    None => return done("CHECK", cur),
                    Some(lu) if w.last_updated.as_str() < lu => {
                        return done("STALE", Some(lu.into()));
                    }
                    Some(_) => {}
                }
            }
        }
        WriteMode::End | WriteMode::Del => {}
    }
    let ttl = w.ttl.to_string();
    let kept = (WRITE_IDS_KEPT - 1).to_string();
    let mut commands: Vec<Command> = vec![
        vec!["LPUSH".into(), w.ids_key.clone(), w.write_id.clone()],
        vec!["LTRIM".into(), w.ids_key.clone(), "0".into(), kept],
    ];
    let new_rev = if w.mode == WriteMode::End {
        // The end marker, and TTLs that only ever shorten (the write-id list exists after LPUSH).
        commands.push(vec!["SET".into(), w.end_key.clone(), "1".into(), "EX".into(), ttl.clone()]);
        let longer = |t: i64| t > i64::from(w.ttl);
        if cur.is_some() && (ttls.0 == -1 || longer(ttls.0)) {
            commands.push(vec!["EXPIRE".into(), w.key.clone(), ttl.clone()]);
        }
        if ttls.1 < 0 || longer(ttls.1) {
            commands.push(vec!["EXPIRE".into(), w.ids_key.clone(), ttl]);
        }
        rev.unwrap_or(0)
    } else {
        let now = time.0.saturating_mul(1_000_000).saturating_add(time.1);
        let new_rev = rev.map_or(now, |r| now.max(r + 1));
        commands.push(match w.value(new_rev) {
            None => vec!["DEL".into(), w.key.clone()],
            Some(value) if w.keep_ttl => vec!["SET".into(), w.key.clone(), value, "KEEPTTL".into()],
            Some(value) => vec!["SET".into(), w.key.clone(), value, "EX".into(), ttl.clone()],
        });
        commands.push(vec!["EXPIRE".into(), w.ids_key.clone(), ttl]);
        new_rev
    };
    let reply = Value::from(vec![Value::from("OK"), Value::from(new_rev.to_string())]);
    Ok(FallbackStep::Exec { commands, reply })
}

/// Replies as clients return them: strings, integers (or their text), `null`, arrays.
struct Replies<'a>(&'a [Value]);

impl Replies<'_> {
    fn get(&self, i: usize) -> Result<&Value, Error> {
        self.0.get(i).ok_or_else(|| bad("missing reply"))
    }

    fn text(&self, i: usize) -> Result<Option<String>, Error> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(bad(&format!("expected a string reply, got {}", kind(other)))),
        }
    }

    fn int(&self, i: usize) -> Result<i64, Error> {
        int_of(self.get(i)?)
    }

    fn time(&self, i: usize) -> Result<(u64, u64), Error> {
        match self.get(i)? {
            Value::Array(parts) if parts.len() == 2 => {
                let part = |v: &Value| int_of(v).map(|n| u64::try_from(n).unwrap_or(0));
                Ok((part(&parts[0])?, part(&parts[1])?))
            }
            other => Err(bad(&format!("expected TIME's two parts, got {}", kind(other)))),
        }
    }
}

fn int_of(v: &Value) -> Result<i64, Error> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| bad("expected an integer reply")),
        Value::String(s) => s.parse().map_err(|_| bad("expected an integer reply")),
        other => Err(bad(&format!("expected an integer reply, got {}", kind(other)))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn bad(what: &str) -> Error {
    Error::Redis { detail: format!("WATCH fallback: {what}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Codec, REV_PREFIX};
    use crate::state::CallState;
    use crate::time::Timestamp;
    use serde_json::json;

    fn sample() -> CallState {
        let json = r#"{"callSid":"CA1","stage":"ASK_ACTION","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}"#;
        Codec::default().parse_state(json).unwrap()
    }

    const TIME: [&str; 2] = ["1700000000", "5"];

    /// Replies for a write: stored value, applied, ended, TTLs of state and ids.
    fn replies(cur: Option<&str>, applied: bool, ended: bool, ttls: (i64, i64)) -> Vec<Value> {
        vec![
            json!(cur),
            if applied { json!(0) } else { json!(null) },
            json!(ended as i64),
            json!(TIME),
            json!(ttls.0),
            json!(ttls.1),
        ]
    }

    fn done(status: &str, value: Option<&str>) -> FallbackStep {
        FallbackStep::Done { reply: json!([status, value]) }
    }

    #[test]
    fn classify_reads_the_reply_not_the_wrapper() {
        use ErrorClass::*;
        for (m, class) in [
            ("LOADING Redis is loading the dataset in memory", Retry),
            ("TRYAGAIN Multiple keys request during rehashing of slot", Retry),
            ("CLUSTERDOWN The cluster is down", Retry),
            ("MASTERDOWN Link with MASTER is down", Retry),
            ("MOVED 3999 127.0.0.1:6381", Moved),
            ("ASK 3999 127.0.0.1:6381", Moved),
            (
                "Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down",
                Retry,
            ),
            ("Connection is closed.", Retry),
            ("Socket closed unexpectedly", Retry),
            ("read ECONNRESET", Retry),
            ("connect ECONNREFUSED 127.0.0.1:6379", Retry),
            ("Stream isn't writeable and enableOfflineQueue options is false", Retry),
            ("NOSCRIPT No matching script. Please use EVAL.", NoScript),
            ("NOPERM User app has no permissions to run the 'evalsha' command", ScriptingRefused),
            ("ERR unknown command 'EVALSHA', with args beginning with: ", ScriptingRefused),
            ("ERR scripting is disabled", ScriptingRefused),
            ("OOM command not allowed when used memory > 'maxmemory'.", Fail),
            ("BUSY Redis is busy running a script. You can only call SCRIPT KILL", Fail),
            ("EXECABORT Transaction discarded because of previous errors.", Fail),
            ("WRONGTYPE Operation against a key holding the wrong kind of value", Fail),
        ] {
            assert_eq!(classify(m), class, "{m}");
        }
    }

    #[test]
    fn write_decisions_mirror_the_script() {
        let codec = Codec::default();
        let state = sample();
        let stored = format!(
            "{REV_PREFIX}42{}",
            codec.plan_save("CA1", codec.body(&state).unwrap(), "x").unwrap().body
        );
        let s = Some(stored.as_str());
        let save =
            Scripted::Write(codec.plan_save("CA1", codec.body(&state).unwrap(), "w1").unwrap());
        // A replayed write id changes nothing but the write ids' TTL, set again as it is (so a
        // WAIT after it covers the write it found).
        let touch = FallbackStep::Exec {
            commands: vec![vec!["EXPIRE".into(), "call_state:CA1:w".into(), "600".into()]],
            reply: json!(["DUP", s]),
        };
        assert_eq!(save.decide(&replies(s, true, false, (600, 600))).unwrap(), touch);
        assert_eq!(save.decide(&replies(s, true, false, (600, -2))).unwrap(), done("DUP", s));
        // A save writes rev = max(old + 1, TIME µs), then remembers its id.
        let FallbackStep::Exec { commands, reply } =
            save.decide(&replies(s, false, false, (600, 600))).unwrap()
        else {
            panic!()
        };
        assert_eq!(reply, json!(["OK", "1700000000000005"]));
        assert_eq!(commands[0], ["LPUSH", "call_state:CA1:w", "w1"]);
        assert_eq!(commands[1][3], (WRITE_IDS_KEPT - 1).to_string());
        assert!(commands[2][2].starts_with(r#"{"schemaVersion":3,"rev":1700000000000005,"#));
        assert_eq!(&commands[2][3..], ["EX", "600"]);
        // A compare on a changed rev conflicts and carries the value now.
        let cas = Scripted::Write(
            codec.plan_update("CA1", s, Some(codec.body(&state).unwrap()), "w2").unwrap(),
        );
        let moved = stored.replacen("42", "43", 1);
        assert_eq!(
            cas.decide(&replies(Some(&moved), false, false, (1, 1))).unwrap(),
            done("CONFLICT", Some(&moved))
        );
        assert!(matches!(
            cas.decide(&replies(s, false, false, (1, 1))).unwrap(),
            FallbackStep::Exec { .. }
        ));
        // An older save is stale; a seed-written value must be checked first.
        let mut older = state.clone();
        older.last_updated = Timestamp::parse("2024-03-15T14:30:21.000Z", "").unwrap();
        let late =
            Scripted::Write(codec.plan_save("CA1", codec.body(&older).unwrap(), "w4").unwrap());
        assert_eq!(
            late.decide(&replies(s, false, false, (1, 1))).unwrap(),
            done("STALE", Some("2024-03-15T14:30:22.000Z"))
        );
        let seed = r#"{"callSid":"CA1","stage":"ASK_ACTION","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}"#;
        assert_eq!(
            save.decide(&replies(Some(seed), false, false, (1, 1))).unwrap(),
            done("CHECK", Some(seed))
        );
        // After endCall every write is refused but a delete.
        assert_eq!(save.decide(&replies(s, false, true, (1, 1))).unwrap(), done("ENDED", s));
        let del = Scripted::Write(codec.plan_delete("CA1", "w6").unwrap());
        let FallbackStep::Exec { commands, .. } =
            del.decide(&replies(s, false, true, (1, 1))).unwrap()
        else {
            panic!()
        };
        assert_eq!(commands[2], ["DEL", "call_state:CA1"]);
    }

    #[test]
    fn end_only_shortens_ttls() {
        let codec = Codec::default();
        let stored = format!("{REV_PREFIX}42,\"x\":1}}");
        let end = Scripted::Write(codec.plan_end("CA1", 300.0, "w5").unwrap());
        let FallbackStep::Exec { commands, reply } =
            end.decide(&replies(Some(&stored), false, false, (3600, 3600))).unwrap()
        else {
            panic!()
        };
        assert_eq!(reply, json!(["OK", "42"]));
        assert_eq!(commands[2], ["SET", "call_state:CA1:end", "1", "EX", "300"]);
        assert_eq!(commands[3], ["EXPIRE", "call_state:CA1", "300"]);
        assert_eq!(commands[4], ["EXPIRE", "call_state:CA1:w", "300"]);
        // 100 s left: the end marker is set, nothing is lengthened.
        let FallbackStep::Exec { commands, .. } =
            end.decide(&replies(Some(&stored), false, false, (100, 100))).unwrap()
        else {
            panic!()
        };
        assert_eq!(commands.len(), 3);
    }

    #[test]
    fn upgrades_keep_the_ttl() {
        let codec = Codec::default();
        let seed = r#"{"callSid":"CA1","stage":"ASK_ACTION","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z"}"#;
        let w = codec.plan_upgrade("CA1", seed, codec.body(&sample()).unwrap(), "u1").unwrap();
        let cmd = w.evalsha();
        assert_eq!(cmd[9], "k600");
        let step = Scripted::from_command(&cmd).unwrap();
        let FallbackStep::Exec { commands, .. } =
            step.decide(&replies(Some(seed), false, false, (40, -2))).unwrap()
        else {
            panic!()
        };
        assert_eq!(commands[2][3], "KEEPTTL");
    }

    #[test]
    fn extend_and_keep_ttl_fall_back_too() {
        let codec = Codec::default();
        let extend = Scripted::from_command(&codec.plan_extend("CA1", 600.0).unwrap()).unwrap();
        assert_eq!(
            extend.fallback_reads()[0],
            ["WATCH", "call_state:CA1", "call_state:CA1:w", "call_state:CA1:end"]
        );
        assert_eq!(
            extend.decide(&[json!(1), json!(100)]).unwrap(),
            FallbackStep::Done { reply: Value::Null }
        );
        assert_eq!(
            extend.decide(&[json!(0), json!(-1)]).unwrap(),
            FallbackStep::Done { reply: Value::Null }
        );
        let FallbackStep::Exec { commands, reply } =
            extend.decide(&[json!(0), json!(7000)]).unwrap()
        else {
            panic!()
        };
        assert_eq!(reply, json!(7200));
        assert_eq!(
            commands,
            [["EXPIRE", "call_state:CA1", "7200"], ["EXPIRE", "call_state:CA1:w", "7200"]]
        );
        let keep =
            Scripted::from_command(&codec.plan_keep_ttl("call_state:CA1", "v", 1500).unwrap())
                .unwrap();
        assert_eq!(keep.decide(&[json!("other")]).unwrap(), FallbackStep::Done { reply: json!(0) });
        let FallbackStep::Exec { commands, .. } = keep.decide(&[json!("v")]).unwrap() else {
            panic!()
        };
        assert_eq!(commands, [["PEXPIRE", "call_state:CA1", "1500"]]);
    }
}
