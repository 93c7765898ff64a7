//! The string surface both JS bindings forward verbatim: JSON text in, JSON text out (or, for
//! text already in written form, no text back: [`encode`], [`decode`]).
//!
//! Keeping it here (not in each binding) means the napi and WASM packages cannot drift: a
//! binding converts its arguments to `&str`/numbers, calls one of these, and hands the text back
//! for the shared JS shim to `JSON.parse`.

use crate::canonical;
use crate::codec::{Codec, record_json, state_json};
use crate::error::Error;
use crate::field::{Field, Kind, Table};
use crate::json::{self, Object, ToJson, to_json};
use crate::keys;
use crate::options::CodecOptions;
use crate::plan::{self, AsCommand, Outcome, Scripted, Write};
use crate::scripts;
use crate::state::{CallState, JobRecord};

/// A codec from the JS options object as JSON text (`"null"` or `""` for defaults).
pub fn codec(options_json: &str) -> Result<Codec, Error> {
    if options_json.is_empty() {
        return Ok(Codec::default());
    }
    Codec::new(CodecOptions::from_json(options_json)?)
}

pub use crate::codec::ENCODED_HEAD;

/// `serializeCallState`: a state as JSON (dates as strings) → the Redis value, or `None` when
/// the fast path (`canonical`) recognises the input as already in the stored form (`lastUpdated`
/// first, then the fields as the codec writes them): the value is then [`ENCODED_HEAD`] followed
/// by `state_json` after its `{`. That is the common case, so the text need not cross back.
pub fn encode(c: &Codec, state_json: &str) -> Result<Option<String>, Error> {
    if canonical::encoded_form(c, state_json).is_some() {
        return Ok(None);
    }
    // Compression configured but not smaller: the plain value may still be the input itself,
    // which only the written value shows (the fast path cannot tell without compressing).
    let value = c.encode(&c.parse_state(state_json)?)?;
    let same = value.len() + 1 == ENCODED_HEAD.len() + state_json.len()
        && value.starts_with(ENCODED_HEAD)
        && value.as_bytes()[ENCODED_HEAD.len()..] == state_json.as_bytes()[1..];
    Ok((!same).then_some(value))
}

/// The state JSON [`decode`] gives back.
#[derive(Debug, PartialEq, Eq)]
pub enum StateText {
    /// `{` followed by the stored text from this byte offset (the stored head before it is
    /// ASCII, so the offset is also a UTF-16 index): a current value (not migrated) that
    /// needs no rewriting.
    Tail(usize),
    /// The state JSON from the full decode (the fast path did not recognise the value).
    Json(String),
}

/// `deserializeCallState`: the Redis value → the state as JSON.
pub fn decode(c: &Codec, stored: &str) -> Result<StateText, Error> {
    if let Some(at) = canonical::stored_tail(c, stored) {
        return Ok(StateText::Tail(at));
    }
    Ok(StateText::Json(state_json(&c.decode(stored)?.state)))
}

/// `decodeRecord`: the Redis value → `{state, revision, schemaVersion, migratedFrom}` JSON.
pub fn decode_record(c: &Codec, stored: &str) -> Result<String, Error> {
    Ok(record_json(&c.decode(stored)?))
}

/// `migrateCallState`: a plain object as JSON and a version → the state as JSON.
pub fn migrate(c: &Codec, data_json: &str, version: &str) -> Result<String, Error> {
    Ok(state_json(&c.migrate(data_json, version)?))
}

/// `extendedTtl`: the new TTL as JSON (`null` = leave alone).
pub fn extended_ttl(c: &Codec, current: f64, add: f64) -> Result<String, Error> {
    Ok(to_json(&c.extended_ttl(current, add)?))
}

/// A store plan, by operation name, as JSON. `args` are the operation's string arguments:
///
/// | op | args | result |
/// |---|---|---|
/// | `get` | sid | argv |
/// | `delete` | sid, write id | a planned write: `{command, state, stored, compressed}` (see `planned`) |
/// | `keys` | sid | `{key, ids, end}`: the state, write-id and end-marker keys |
/// | `extend` | sid, seconds | `{command}` |
/// | `save` | sid, state JSON, write id | a planned write: `{command, state, stored, compressed}` (see `planned`) |
/// | `update` | sid, previous value or null, next state JSON or null, write id | a planned write: `{command, state, stored, compressed}` (see `planned`) |
/// | `upgrade` | sid, previous value, next state JSON, write id | a planned write (keeps the TTL) |
/// | `applied` | sid | argv: `GET` of the call's write ids (its reply goes to `wasApplied`) |
/// | `wasApplied` | the reply to `applied` (or null), write id | bool: the write id was applied |
/// | `wait` | replicas, timeout ms | argv (`WAIT`) |
/// | `reset` | — | `[DISCARD, UNWATCH]`: what ends a failed transaction on a connection |
/// | `classify` | a client's error message | [`plan::ErrorClass`] |
/// | `route` | argv JSON | `{key, slot}`: the key a cluster routes it by and its slot, or `null` |
/// | `probe` | argv JSON | argv: a keyed read (`EXISTS`) a cluster client routes as it would the command |
/// | `end` | sid, keep seconds, write id | a planned write: `{command, state, stored, compressed}` (see `planned`) |
/// | `outcome` | status, value or null | [`plan::Outcome`] |
/// | `fallbackReads` | a plan's scripted `command` (`EVALSHA` …) as JSON | argv list (`WATCH` first) |
/// | `decide` | a plan's scripted `command` as JSON, JSON array of the replies after `WATCH` | [`plan::FallbackStep`] as `{step, reply, commands?, send}` |
/// | `evalFallback` | argv JSON | argv or null |
/// | `scan` | cursor, pattern or null | argv |
/// | `callSidOf` | key | the call SID of a state key of this codec, or `null` |
/// | `hashTag` | — | bool: whether every key of a call shares a cluster slot |
/// | `backupReads` | JSON array of scanned keys | `{keys, reads}`: the state keys among them, and `GET`/`PTTL` of each then `TIME` |
/// | `backupLines` | JSON of `keys`, JSON array of the replies to `reads` | the NDJSON lines |
/// | `read` | sid | `{key, reads}`: `GET` and `PTTL` of the call's state key |
/// | `readReply` | key, JSON array of the replies to `reads` | `{key, value, pttlMs, compressed}` or `null` |
/// | `restore` | line, now (whole ms, else INVALID_FIELD at `now`), replace (`"1"`/`"0"`) | [`crate::RestoreStep`]: `{set: {set, ended, exists}}`, `"expired"` or `{invalid: reason}` |
/// | `tables` | — | `{state, stateFirst, job, errorCodes, …}`: the field tables, error codes and TTL defaults the JS copies are generated from |
/// | `conflict` | attempts | always the `CONFLICT` error: an update gave up after that many conflicts |
/// | `restoreLineMax` | — | the longest backup line restore reads (UTF-16 units): `maxBytes` × 2 + 1 KiB |
pub fn plan(c: &Codec, op: &str, args: &[Option<&str>]) -> Result<String, Error> {
    let arg = |i: usize| args.get(i).copied().flatten();
    let s = |i: usize| arg(i).unwrap_or_default();
    // A number argument (JS `String(n)`): its value when it reads as an integer (every use of
    // `num` refuses anything else: NaN), or, for `whole`, its integer part (saturating).
    let num = |i: usize| json::integer_text(s(i)).map_or(f64::NAN, |n| n as f64);
    let whole = |i: usize| {
        let (negative, digits) = s(i).strip_prefix('-').map_or((false, s(i)), |d| (true, d));
        let digits = digits.bytes().take_while(u8::is_ascii_digit);
        let v = digits.fold(0i64, |v, c| v.saturating_mul(10).saturating_add(i64::from(c - b'0')));
        if negative { -v } else { v }
    };
    // An argv array (anything else: none).
    let argv = |i: usize| json::strings(s(i)).unwrap_or_default();
    // The step a scripted command runs (the store holds only the command).
    let scripted = |i: usize| {
        Scripted::from_command(&argv(i))
            .ok_or_else(|| Error::field("command", "not a command a plan handed out"))
    };
    let out = match op {
        "get" => to_json(&c.plan_get(s(0))?),
        "keys" => {
            let key = c.state_key(s(0))?;
            let mut out = String::new();
            let (ids, end) = (keys::write_ids_key(&key), keys::end_key(&key));
            Object::new(&mut out).field("key", &key).field("ids", &ids).field("end", &end).end();
            out
        }
        "delete" => planned(c.plan_delete(s(0), s(1))?, None),
        "extend" => to_json(&AsCommand(&c.plan_extend(s(0), num(1))?)),
        "save" => {
            let (body, state) = body(c, s(1))?;
            planned(c.plan_save(s(0), body, s(2))?, state)
        }
        "end" => planned(c.plan_end(s(0), num(1), s(2))?, None),
        "update" => {
            let (next, state) = arg(2).map(|n| body(c, n)).transpose()?.unzip();
            planned(c.plan_update(s(0), arg(1), next, s(3))?, state.flatten())
        }
        "upgrade" => {
            let (next, state) = body(c, s(2))?;
            planned(c.plan_upgrade(s(0), s(1), next, s(3))?, state)
        }
        "applied" => to_json(&["GET".to_string(), keys::write_ids_key(&c.state_key(s(0))?)]),
        "wasApplied" => {
            let ids = plan::ids::AppliedIds::parse(arg(0));
            to_json(&ids.contains(&plan::ids::write_id(s(1))))
        }
        "wait" => to_json(&["WAIT", s(0), s(1)]),
        "reset" => to_json(&[["DISCARD"], ["UNWATCH"]]),
        "classify" => to_json(&plan::classify(s(0))),
        "probe" => to_json(&keys::first_key(&argv(0)).map(|key| ["EXISTS", key])),
        "route" => match keys::first_key(&argv(0)) {
            None => "null".into(),
            Some(key) => {
                let mut out = String::new();
                let slot = keys::cluster_slot(key);
                Object::new(&mut out).field("key", key).field("slot", &slot).end();
                out
            }
        },
        "outcome" => to_json(&Outcome::read(s(0), arg(1).map(str::to_string))?),
        "fallbackReads" => to_json(&scripted(0)?.fallback_reads()),
        "decide" => {
            let replies = values(s(1))?;
            to_json(&scripted(0)?.decide(&replies)?)
        }
        "evalFallback" => to_json(&scripts::eval_fallback(&argv(0))),
        "scan" => to_json(&c.plan_scan(s(0), arg(1))),
        "callSidOf" => to_json(&c.call_sid_of(s(0))),
        "hashTag" => to_json(&c.options().hash_tag),
        "tables" => tables(),
        "conflict" => {
            let attempts = u32::try_from(whole(0).max(0)).unwrap_or(u32::MAX);
            return Err(Error::Conflict { attempts });
        }
        "restoreLineMax" => to_json(&c.options().max_bytes.saturating_mul(2).saturating_add(1024)),
        "backupReads" => {
            let (keys, reads) = c.backup_reads(&strings(s(0))?);
            let mut out = String::new();
            Object::new(&mut out).field("keys", &keys).field("reads", &reads).end();
            out
        }
        "backupLines" => to_json(&c.backup_lines(&strings(s(0))?, &values(s(1))?)?),
        "read" => {
            let (key, reads) = c.plan_read(s(0))?;
            let mut out = String::new();
            Object::new(&mut out).field("key", &key).field("reads", &reads).end();
            out
        }
        "readReply" => to_json(&c.stored_of(s(0), &values(s(1))?)?),
        "restore" => {
            // The caller's clock: a whole number of ms (a NaN, an Invalid Date or 1e21 would
            // read as some other time, and bring long-expired lines back with their full TTL).
            let now = json::integer_text(s(1))
                .ok_or_else(|| Error::field("now", "must be a time in ms (a whole number)"))?;
            to_json(&c.plan_restore(s(0), now as i64, s(2) == "1"))
        }
        other => {
            return Err(Error::field(
                "op",
                format!("unknown plan {}", crate::error::quoted(other)),
            ));
        }
    };
    Ok(out)
}

/// A planned write as the store receives it: `{command, state, stored, compressed}` — the
/// `EVALSHA` command (the `WATCH` fallback reads the typed write back from it);
/// the state JSON as the write stores it, when that differs from the JSON given; the value
/// stored once the write is applied with revision `rev`, as `[head, i]`: `head + rev +
/// command[i]` (`null` when it stores no value: a delete, an end); and whether the value is
/// stored compressed (SPEC §8).
fn planned(w: Write, state: Option<String>) -> String {
    let body = w.body();
    let stored = body.map(|_| (crate::codec::REV_PREFIX, Write::BODY_ARG));
    let compressed = body.is_some_and(|b| b.text.starts_with(",\"compressed\":\""));
    let command = w.evalsha();
    let mut out = String::new();
    Object::new(&mut out)
        .field("command", &command)
        .field("state", &state)
        .field("stored", &stored)
        .field("compressed", &compressed)
        .end();
    out
}

/// State JSON as a write body, taken as it is when already in encoded form, and the state JSON
/// as stored when it had to be rewritten.
fn body(c: &Codec, json: &str) -> Result<(plan::Body, Option<String>), Error> {
    match canonical::encoded_form(c, json) {
        Some(form) => Ok((c.body_of_form(json, &form)?, None)),
        None => {
            let state = c.parse_state(json)?;
            Ok((c.body(&state)?, Some(state_json(&state))))
        }
    }
}

/// The facts the JS shim and types keep copies of, generated from this at build time:
/// `{state, stateFirst, job, errorCodes, defaultTtl, activeCallTtl, encodedHead}`.
fn tables() -> String {
    let mut out = String::new();
    Object::new(&mut out)
        .field("state", CallState::FIELDS)
        .field("stateFirst", &CallState::FIRST.map(|i| CallState::FIELDS[i].name))
        .field("job", JobRecord::FIELDS)
        .field("errorCodes", &crate::error::CODES)
        .field("defaultTtl", &crate::options::DEFAULT_TTL)
        .field("activeCallTtl", &crate::options::ACTIVE_CALL_TTL)
        .field("encodedHead", ENCODED_HEAD)
        .end();
    out
}

/// A field table row: `{name, required, kind, ts?, doc}` (`ts` only where set).
impl ToJson for Field {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::new(out);
        o.field("name", self.name).field("required", &self.required).field("kind", &self.kind);
        if !self.ts.is_empty() {
            o.field("ts", self.ts);
        }
        o.field("doc", self.doc).end();
    }
}

impl ToJson for Kind {
    fn write_json(&self, out: &mut String) {
        let name = match self {
            Kind::CallSid => "callSid",
            Kind::Name => "name",
            Kind::Count => "count",
            Kind::Text => "text",
            Kind::Date => "date",
            Kind::Language => "language",
            Kind::Record => "record",
        };
        name.write_json(out);
    }
}

fn strings(text: &str) -> Result<Vec<String>, Error> {
    json::strings(text).ok_or_else(|| Error::field("keys", "not a JSON array of strings"))
}

/// A JSON array of replies, each as raw JSON text (strings that a `String` cannot hold — a lone
/// surrogate — refuse the array, as a parse into strings would).
fn values(text: &str) -> Result<Vec<&str>, Error> {
    json::array(text)
        .filter(|items| items.iter().all(|item| json::strings_decode(item)))
        .ok_or_else(|| Error::field("replies", "not a JSON array"))
}
