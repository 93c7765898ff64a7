//! The plan types as JSON text, written and read by hand (issue 15: no serde derive in the
//! plan/wire layer): what the store receives beside each command, and the `step` it hands back
//! for the `WATCH` fallback, read by the core's own JSON scanner.
//!
//! The shapes are the ones the serde derives wrote (`tests/wire_text.txt` pins them): a step
//! is `{"script":…}` with its fields, a write's kind `{"kind":…}`, a guard
//! `{"kind":…,"expect":…}`, a body's `lastUpdated` in ms since the epoch.

use super::Outcome;
use super::classify::ErrorClass;
use super::fallback::{FallbackStep, Reply, Scripted};
use super::write::{Body, Guard, Keys, Write, WriteKind};
use crate::json::{self, Object, RawMembers, ToJson};
use crate::time::Timestamp;

impl ToJson for Keys {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .field("state", &self.state)
            .field("ids", &self.ids)
            .field("end", &self.end)
            .end();
    }
}

impl ToJson for Body {
    fn write_json(&self, out: &mut String) {
        Object::new(out)
            .field("text", &self.text)
            .field("lastUpdated", &self.last_updated.millis())
            .field("ttl", &self.ttl)
            .end();
    }
}

impl ToJson for Guard {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            Guard::Absent => o.field("kind", "absent"),
            Guard::Rev(rev) => o.field("kind", "rev").field("expect", rev),
            Guard::Value(v) => o.field("kind", "value").field("expect", v),
        };
        o.end();
    }
}

impl ToJson for WriteKind {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            WriteKind::Save { body } => o.field("kind", "save").field("body", body),
            WriteKind::Cas { guard, next, keep_ttl } => o
                .field("kind", "cas")
                .field("guard", guard)
                .field("next", next)
                .field("keepTtl", keep_ttl),
            WriteKind::End { keep } => o.field("kind", "end").field("keep", keep),
            WriteKind::Del => o.field("kind", "del"),
        };
        o.end();
    }
}

impl ToJson for Scripted {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            Scripted::Write(w) => o
                .field("script", "write")
                .field("keys", &w.keys)
                .field("writeId", &w.write_id)
                .field("kind", &w.kind)
                .field("idsTtl", &w.ids_ttl),
            Scripted::Extend { keys, add, max } => {
                o.field("script", "extend").field("keys", keys).field("add", add).field("max", max)
            }
            Scripted::Restore { keys, value, pttl, nx } => o
                .field("script", "restore")
                .field("keys", keys)
                .field("value", value)
                .field("pttl", pttl)
                .field("nx", nx),
        };
        o.end();
    }
}

impl ToJson for Outcome {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            Outcome::Written { rev } => o.field("kind", "written").field("rev", rev),
            Outcome::Duplicate { stored } => o.field("kind", "duplicate").field("stored", stored),
            Outcome::Conflict { current } => o.field("kind", "conflict").field("current", current),
            Outcome::Stale { stored } => o.field("kind", "stale").field("stored", stored),
            Outcome::Ended { stored } => o.field("kind", "ended").field("stored", stored),
            Outcome::Check { stored } => o.field("kind", "check").field("stored", stored),
        };
        o.end();
    }
}

impl ToJson for Reply {
    fn write_json(&self, out: &mut String) {
        match self {
            Reply::Nil => out.push_str("null"),
            Reply::Int(n) => n.write_json(out),
            Reply::Status(s) => s.write_json(out),
            Reply::Pair(status, value) => (status, value).write_json(out),
        }
    }
}

/// The decision with what to send after the reads ([`FallbackStep::send`]) beside it.
impl ToJson for FallbackStep {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        match self {
            FallbackStep::Done { reply } => o.field("step", "done").field("reply", reply),
            FallbackStep::Exec { commands, reply } => {
                o.field("step", "exec").field("commands", commands).field("reply", reply)
            }
        };
        o.field("send", &self.send()).end();
    }
}

impl ToJson for ErrorClass {
    fn write_json(&self, out: &mut String) {
        let name = match self {
            ErrorClass::NoScript => "noScript",
            ErrorClass::ScriptingRefused => "scriptingRefused",
            ErrorClass::Retry => "retry",
            ErrorClass::Moved => "moved",
            ErrorClass::Fail => "fail",
        };
        name.write_json(out);
    }
}

impl Scripted {
    /// A step as the plans wrote it (the store hands it back for the `WATCH` fallback), in any
    /// member order, unknown members ignored; `None` when it is not one (a member missing,
    /// repeated or of the wrong type).
    pub fn from_json(text: &str) -> Option<Scripted> {
        let m = Members(json::object(text, "step").ok()?);
        let keys = keys(m.one("keys")?)?;
        Some(match json::string(m.one("script")?)?.as_ref() {
            "write" => Scripted::Write(Write {
                keys,
                write_id: text_of(m.one("writeId")?)?,
                kind: kind(m.one("kind")?)?,
                ids_ttl: m.one("idsTtl")?.parse().ok()?,
            }),
            "extend" => Scripted::Extend {
                keys,
                add: m.one("add")?.parse().ok()?,
                max: m.one("max")?.parse().ok()?,
            },
            "restore" => Scripted::Restore {
                keys,
                value: text_of(m.one("value")?)?,
                pttl: m.one("pttl")?.parse().ok()?,
                nx: boolean(m.one("nx")?)?,
            },
            _ => return None,
        })
    }
}

impl Scripted {
    /// The step whose `EVALSHA` command `cmd` is (the plans hand out only the command; the
    /// `WATCH` fallback reads the step back from it). `None` unless `cmd` is exactly
    /// [`Scripted::evalsha`] of the step read: every argument in the form the plans write it.
    pub fn from_command<S: AsRef<str>>(cmd: &[S]) -> Option<Scripted> {
        use crate::scripts::{EXTEND_SCRIPT_SHA1, RESTORE_SCRIPT_SHA1, WRITE_SCRIPT_SHA1};
        let a: Vec<&str> = cmd.iter().map(AsRef::as_ref).collect();
        let ["EVALSHA", sha, "3", state, ids, end, args @ ..] = a.as_slice() else { return None };
        let keys = Keys { state: (*state).into(), ids: (*ids).into(), end: (*end).into() };
        let step = match (*sha, args) {
            (WRITE_SCRIPT_SHA1, [mode, text, last_updated, ttl, write_id, guard]) => {
                let keep_ttl = ttl.starts_with('k');
                let ttl: u32 = ttl.strip_prefix('k').unwrap_or(ttl).parse().ok()?;
                let body = match (*text, *last_updated) {
                    ("", "") => None,
                    (text, iso) => Some(Body {
                        text: text.into(),
                        last_updated: Timestamp::parse(iso, "lastUpdated").ok()?,
                        ttl,
                    }),
                };
                let kind = match (*mode, body) {
                    ("save", Some(body)) => WriteKind::Save { body },
                    ("cas", next) => WriteKind::Cas { guard: guard_of(guard)?, next, keep_ttl },
                    ("end", None) => WriteKind::End { keep: ttl },
                    ("del", None) => WriteKind::Del,
                    _ => return None,
                };
                // A write's arguments carry one TTL: the body's, the end's keep, or (for a
                // write that stores nothing) the write ids'; the others are not read.
                Scripted::Write(Write { keys, write_id: (*write_id).into(), kind, ids_ttl: ttl })
            }
            (EXTEND_SCRIPT_SHA1, [add, max]) => {
                Scripted::Extend { keys, add: add.parse().ok()?, max: max.parse().ok()? }
            }
            (RESTORE_SCRIPT_SHA1, [value, pttl, nx]) => Scripted::Restore {
                keys,
                value: (*value).into(),
                pttl: pttl.parse().ok()?,
                nx: *nx == "1",
            },
            _ => return None,
        };
        (step.evalsha() == a).then_some(step)
    }
}

/// A write's guard argument: `''`, `r<rev>` or `v<value>`.
fn guard_of(arg: &str) -> Option<Guard> {
    Some(match arg.split_at_checked(1) {
        None => Guard::Absent,
        Some(("r", rev)) => Guard::Rev(rev.parse().ok()?),
        Some(("v", value)) => Guard::Value(value.into()),
        Some(_) => return None,
    })
}

/// An object's members, looked up by name.
struct Members<'a>(RawMembers<'a>);

impl<'a> Members<'a> {
    /// The value of the member `name`, at most once (`Some(None)`: absent).
    fn at_most_one(&self, name: &str) -> Option<Option<&'a str>> {
        let mut found = self.0.iter().filter(|(k, _)| json::key_name(k) == name).map(|(_, v)| *v);
        let first = found.next();
        found.next().is_none().then_some(first)
    }

    /// The value of the member `name`, exactly once.
    fn one(&self, name: &str) -> Option<&'a str> {
        self.at_most_one(name)?
    }

    /// The members of a nested object.
    fn nested(raw: &'a str) -> Option<Members<'a>> {
        json::nested_object(raw, "").ok().map(Members)
    }
}

fn text_of(raw: &str) -> Option<String> {
    json::string(raw).map(|s| s.into_owned())
}

fn boolean(raw: &str) -> Option<bool> {
    match raw {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn keys(raw: &str) -> Option<Keys> {
    let m = Members::nested(raw)?;
    Some(Keys {
        state: text_of(m.one("state")?)?,
        ids: text_of(m.one("ids")?)?,
        end: text_of(m.one("end")?)?,
    })
}

fn body(raw: &str) -> Option<Body> {
    let m = Members::nested(raw)?;
    Some(Body {
        text: text_of(m.one("text")?)?,
        last_updated: Timestamp::from_millis(m.one("lastUpdated")?.parse().ok()?)?,
        ttl: m.one("ttl")?.parse().ok()?,
    })
}

fn guard(raw: &str) -> Option<Guard> {
    let m = Members::nested(raw)?;
    Some(match json::string(m.one("kind")?)?.as_ref() {
        "absent" => Guard::Absent,
        "rev" => Guard::Rev(m.one("expect")?.parse().ok()?),
        "value" => Guard::Value(text_of(m.one("expect")?)?),
        _ => return None,
    })
}

fn kind(raw: &str) -> Option<WriteKind> {
    let m = Members::nested(raw)?;
    Some(match json::string(m.one("kind")?)?.as_ref() {
        "save" => WriteKind::Save { body: body(m.one("body")?)? },
        "cas" => WriteKind::Cas {
            guard: guard(m.one("guard")?)?,
            next: match m.at_most_one("next")?.filter(|v| !json::is_null(v)) {
                Some(raw) => Some(body(raw)?),
                None => None,
            },
            keep_ttl: boolean(m.one("keepTtl")?)?,
        },
        "end" => WriteKind::End { keep: m.one("keep")?.parse().ok()? },
        "del" => WriteKind::Del,
        _ => return None,
    })
}
