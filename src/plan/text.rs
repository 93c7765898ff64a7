//! The plan types as JSON text, written by hand (issue 15: no serde derive in the plan/wire
//! layer): outcomes, fallback decisions and error classes as the store reads them
//! (`tests/wire_text.txt` pins them); and a scripted step read back from its `EVALSHA` argv,
//! which is all the store holds of a step (the `WATCH` fallback hands it back).

use super::Outcome;
use super::classify::ErrorClass;
use super::fallback::{FallbackStep, Reply, Scripted};
use super::write::{Body, Guard, Keys, Write, WriteKind};
use crate::json::{Object, ToJson};
use crate::time::Timestamp;

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

/// A scripted step as the store receives it: `{command}`, its `EVALSHA` argv (all the `WATCH`
/// fallback needs: `fallbackReads` and `decide` read the step back from it).
pub(crate) struct AsCommand<'a>(pub(crate) &'a Scripted);

impl ToJson for AsCommand<'_> {
    fn write_json(&self, out: &mut String) {
        Object::new(out).field("command", &self.0.evalsha()).end();
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
                // Every TTL a plan writes is at least 1 s (the script aborts on `EX 0`, part way
                // through an end, where MULTI would run the rest).
                let ttl: u32 =
                    ttl.strip_prefix('k').unwrap_or(ttl).parse().ok().filter(|&t| t > 0)?;
                let body = match (*text, *last_updated) {
                    ("", "") => None,
                    // The script reads an empty body as "delete", whatever else comes with it;
                    // no plan writes one with a `lastUpdated`.
                    ("", _) => return None,
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
                // Restores clamp the TTL into (0, ttl.max]: `PX` 0 is a script error.
                pttl: pttl.parse().ok().filter(|&ms: &i64| ms > 0)?,
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
