//! Replays `tests/vectors/plans.json` (the write script's contract as data, issue 13) through the
//! core: each write is planned with the `Codec` plan API, then run by the `WATCH` fallback's
//! decision (its reads answered from an in-memory model of the keys, with a fixed server `TIME`),
//! and its commands applied to that model. Replies and the resulting keys and TTLs must be the
//! vector's. `bindings/js/test/plan-vectors.test.mjs` replays the same file through the real Lua
//! and the `WATCH`/`MULTI` fallback on a redis-server.
//!
//! The two functions that call the planning API, [`plan`] and [`fallback`], are the only places
//! to change when that API moves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;

use callstate::plan::Write;
use callstate::plan::{self, FallbackStep, Scripted};
use callstate::{Codec, Error};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The server's `TIME` in this model: seconds and microseconds.
const TIME: (u64, u64) = (1_750_000_000, 123_456);

// ---------------------------------------------------------------- the two adapter functions

/// The vector's write, planned by the core (the `Codec` plan API).
fn plan(codec: &Codec, v: &Vector) -> Result<Write, Error> {
    let w = &v.write;
    let body = |raw: &RawValue| codec.parse_state(raw.get()).and_then(|s| codec.body(&s));
    let (sid, id) = (v.sid.as_str(), w.write_id.as_str());
    match v.kind.as_str() {
        "save" => codec.plan_save(sid, body(w.state.as_deref().expect("save: state"))?, id),
        "update" | "updateDelete" => {
            let next = w.next.as_deref().map(body).transpose()?;
            codec.plan_update(sid, w.prev.as_deref(), next, id)
        }
        "upgrade" => {
            let next = body(w.next.as_deref().expect("upgrade: next"))?;
            codec.plan_upgrade(sid, w.prev.as_deref().expect("upgrade: prev"), next, id)
        }
        "end" => codec.plan_end(sid, w.keep_seconds.expect("end: keepSeconds"), id),
        "delete" => codec.plan_delete(sid, id),
        other => panic!("unknown kind {other}"),
    }
}

/// Runs `w` by the `WATCH` fallback against `redis` (a function answering one command): the
/// core's reads, its decision from their replies (after the `WATCH`), then its commands (the
/// `MULTI`…`EXEC` body). Returns the reply, shaped as the script's.
fn fallback(w: &Write, redis: &mut dyn FnMut(&[String]) -> Value) -> Value {
    let step = Scripted::Write(w.clone());
    let reads = step.fallback_reads();
    assert_eq!(reads[0][0], "WATCH", "the fallback starts with WATCH");
    // Replies cross to the core as raw JSON text, as the store hands them over.
    let replies: Vec<String> = reads.iter().map(|argv| redis(argv).to_string()).collect();
    let reply = match step.decide(&replies[1..]).expect("decide") {
        FallbackStep::Done { reply } => {
            redis(&["UNWATCH".to_string()]);
            reply
        }
        FallbackStep::Exec { commands, reply } => {
            for argv in &commands {
                redis(argv);
            }
            reply
        }
    };
    match reply {
        plan::Reply::Nil => Value::Null,
        plan::Reply::Int(n) => n.into(),
        plan::Reply::Status(s) => s.into(),
        plan::Reply::Pair(status, value) => {
            Value::from(vec![Value::from(status), Value::from(value)])
        }
    }
}

// ---------------------------------------------------------------- the runner

#[test]
fn plan_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/plans.json");
    let text = std::fs::read_to_string(path).expect("plans.json");
    let file: File = serde_json::from_str(&text).expect("plans.json parses");
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for v in &file.vectors {
        kinds.insert(v.kind.as_str());
        // A known gap (the decision differs from the Lua) must still fail, so the list cannot rot.
        match (run(v), file.known_gaps.contains_key(&v.name)) {
            (Err(why), false) => failures.push(format!("{}: {why}", v.name)),
            (Ok(()), true) => {
                failures.push(format!("{}: passes: remove it from knownGaps", v.name))
            }
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} plan vectors failed:\n{}",
        failures.len(),
        file.vectors.len(),
        failures.join("\n")
    );
    assert!(file.vectors.len() >= 100, "only {} vectors", file.vectors.len());
    assert_eq!(kinds.len(), 6, "{kinds:?}");
}

fn run(v: &Vector) -> Result<(), String> {
    let codec = Codec::default();
    let planned = plan(&codec, v);
    let e = &v.expect;
    let w = match (planned, &e.planned_error) {
        (Err(err), Some(code)) if err.code() == code => return Ok(()),
        (Err(err), _) => return Err(format!("planning failed: {} ({err})", err.code())),
        (Ok(_), Some(code)) => return Err(format!("planned, want planning error {code}")),
        (Ok(w), None) => w,
    };
    let mut redis = Model::new(&w, &v.stored);
    let replies: Vec<Value> =
        (0..v.sends).map(|_| fallback(&w, &mut |argv| redis.call(argv))).collect();
    let want = e.replies.as_ref().ok_or("no expect.replies")?;
    if replies.len() != want.len() {
        return Err(format!("{} replies, want {}", replies.len(), want.len()));
    }
    // The rev the write got: from the reply the vector marks `<rev>`, held to its rule.
    let rev = match &e.new_rev {
        None => None,
        Some(rule) => {
            let at = want.iter().position(|r| r.value.as_deref() == Some("<rev>"));
            let got = at.and_then(|i| replies[i][1].as_str()).ok_or("no reply carries <rev>")?;
            let r: u64 = got.parse().map_err(|_| format!("rev {got:?}"))?;
            let old: Option<u64> = rule.old.as_deref().map(|o| o.parse().unwrap());
            let now = TIME.0 * 1_000_000 + TIME.1;
            let rule_rev = old.map_or(now, |o| now.max(o + 1));
            if r != rule_rev {
                return Err(format!("rev {r}, want max(old + 1, TIME) = {rule_rev}"));
            }
            Some(r)
        }
    };
    let sub = |s: &str| match rev {
        Some(r) => s.replace("<rev>", &r.to_string()),
        None => s.to_string(),
    };
    for (i, (got, want)) in replies.iter().zip(want).enumerate() {
        let want = Value::from(vec![
            Value::from(want.status.as_str()),
            Value::from(want.value.as_deref().map(sub)),
        ]);
        if *got != want {
            return Err(format!("reply {}: got {got}, want {want}", i + 1));
        }
    }
    let want_keys = e.keys.as_ref().ok_or("no expect.keys")?.map(&sub);
    let got_keys = redis.snapshot(&w);
    if got_keys != want_keys {
        return Err(format!("keys:\n  got  {got_keys:?}\n  want {want_keys:?}"));
    }
    Ok(())
}

// ---------------------------------------------------------------- the vector file

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    /// Vector names where the decision is known to differ from the Lua, and why.
    known_gaps: BTreeMap<String, String>,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    kind: String,
    sid: String,
    sends: usize,
    stored: Keys,
    write: WriteArgs,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WriteArgs {
    write_id: String,
    state: Option<Box<RawValue>>,
    prev: Option<String>,
    next: Option<Box<RawValue>>,
    keep_seconds: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expect {
    replies: Option<Vec<Reply>>,
    new_rev: Option<NewRev>,
    keys: Option<Keys>,
    planned_error: Option<String>,
}

#[derive(Deserialize)]
struct Reply {
    status: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct NewRev {
    old: Option<String>,
}

/// The three keys of a call: state value, write ids, end marker (`None` = absent).
#[derive(Deserialize, Debug, PartialEq, Eq)]
struct Keys {
    state: Option<Text>,
    ids: Option<Text>,
    end: Option<Text>,
}

#[derive(Deserialize, Debug, PartialEq, Eq)]
struct Text {
    value: String,
    ttl: i64,
}

impl Keys {
    fn map(&self, f: &dyn Fn(&str) -> String) -> Keys {
        let text = |t: &Option<Text>| t.as_ref().map(|t| Text { value: f(&t.value), ttl: t.ttl });
        Keys { state: text(&self.state), ids: text(&self.ids), end: text(&self.end) }
    }
}

// ---------------------------------------------------------------- a model of the Redis keys

/// The keyspace: strings with a TTL in ms (`None`: no expiry). Time does not pass.
struct Model(BTreeMap<String, (Data, Option<i64>)>);

#[derive(Clone, Debug)]
enum Data {
    Str(String),
}

impl Model {
    fn new(w: &Write, k: &Keys) -> Model {
        let ttl = |t: i64| (t >= 0).then_some(t * 1000);
        let mut m = BTreeMap::new();
        if let Some(s) = &k.state {
            m.insert(w.keys.state.clone(), (Data::Str(s.value.clone()), ttl(s.ttl)));
        }
        if let Some(l) = &k.ids {
            m.insert(w.keys.ids.clone(), (Data::Str(l.value.clone()), ttl(l.ttl)));
        }
        if let Some(e) = &k.end {
            m.insert(w.keys.end.clone(), (Data::Str(e.value.clone()), ttl(e.ttl)));
        }
        Model(m)
    }

    fn snapshot(&self, w: &Write) -> Keys {
        let ttl = |t: &Option<i64>| t.map_or(-1, |ms| (ms + 500) / 1000);
        let text =
            |k: &str| self.0.get(k).map(|(Data::Str(v), t)| Text { value: v.clone(), ttl: ttl(t) });
        Keys { state: text(&w.keys.state), ids: text(&w.keys.ids), end: text(&w.keys.end) }
    }

    /// One command, answered as a client returns it (integers as numbers, bulk strings as
    /// strings, nil as `null`). Anything not modelled fails the test.
    fn call(&mut self, argv: &[String]) -> Value {
        let a: Vec<&str> = argv.iter().map(String::as_str).collect();
        let int = |s: &str| s.parse::<i64>().unwrap_or_else(|_| panic!("not an integer: {s}"));
        match a.as_slice() {
            ["WATCH", ..] | ["UNWATCH"] => "OK".into(),
            ["TIME"] => Value::from(vec![TIME.0.to_string(), TIME.1.to_string()]),
            ["GET", k] => match self.0.get(*k) {
                Some((Data::Str(v), _)) => v.as_str().into(),
                None => Value::Null,
            },
            ["EXISTS", keys @ ..] => {
                keys.iter().filter(|k| self.0.contains_key(**k)).count().into()
            }
            ["TTL", k] => {
                self.0.get(*k).map_or(-2, |(_, t)| t.map_or(-1, |ms| (ms + 500) / 1000)).into()
            }
            ["PTTL", k] => self.0.get(*k).map_or(-2, |(_, t)| t.unwrap_or(-1)).into(),
            ["SET", k, v, opts @ ..] => {
                let old = self.0.get(*k).and_then(|e| e.1);
                let ttl = match opts {
                    [] => None,
                    ["EX", s] => Some(int(s) * 1000),
                    ["KEEPTTL"] => old,
                    _ => panic!("SET {opts:?} not modelled"),
                };
                self.0.insert(k.to_string(), (Data::Str(v.to_string()), ttl));
                "OK".into()
            }
            ["EXPIRE", k, s] => self.expire(k, int(s) * 1000),
            ["PEXPIRE", k, ms] => self.expire(k, int(ms)),
            ["PERSIST", k] => match self.0.get_mut(*k) {
                Some(e) if e.1.is_some() => {
                    e.1 = None;
                    1.into()
                }
                _ => 0.into(),
            },
            ["DEL", keys @ ..] => {
                keys.iter().filter(|k| self.0.remove(**k).is_some()).count().into()
            }
            _ => panic!("command not modelled: {argv:?}"),
        }
    }

    fn expire(&mut self, k: &str, ms: i64) -> Value {
        match self.0.get_mut(k) {
            Some(_) if ms <= 0 => {
                self.0.remove(k);
                1.into()
            }
            Some(e) => {
                e.1 = Some(ms);
                1.into()
            }
            None => 0.into(),
        }
    }
}
