//! The plans' unit tests: the commands they lay out, and the fallback's decisions (the same
//! decisions across every kind × stored state are `tests/vectors/plans.json`).

use super::*;
use crate::codec::REV_PREFIX;
use crate::scripts::{WRITE_IDS_KEPT, WRITE_SCRIPT, eval_fallback};
use serde_json::json;

fn sample() -> CallState {
    let json = r#"{"callSid":"CA1","stage":"ASK_ACTION","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}"#;
    Codec::default().parse_state(json).unwrap()
}

const TIME: [&str; 2] = ["1700000000", "5"];

/// Replies for a write: stored value, applied (the write ids hold the write's own id; they
/// always hold `w-old`, and no last rev), ended, TTLs of state and ids.
fn replies(cur: Option<&str>, applied: bool, ended: bool, ttls: (i64, i64)) -> Vec<String> {
    let ids = match (applied, ttls.1) {
        (_, -2) if !applied => json!(null),
        (true, _) => json!(":3 w-old w1 w2 "),
        (false, _) => json!(":1 w-old "),
    };
    [json!(cur), ids, json!(ended as i64), json!(TIME), json!(ttls.0), json!(ttls.1)]
        .map(|v| v.to_string())
        .to_vec()
}

/// The write script's reply `[status, value]`.
fn pair(status: &'static str, value: Option<&str>) -> Reply {
    Reply::Pair(status, value.map(str::to_string))
}

fn done(status: &'static str, value: Option<&str>) -> FallbackStep {
    FallbackStep::Done { reply: pair(status, value) }
}

#[test]
fn write_decisions_mirror_the_script() {
    let codec = Codec::default();
    let state = sample();
    let stored = format!("{REV_PREFIX}42{}", codec.body(&state).unwrap().text);
    let s = Some(stored.as_str());
    let save = Scripted::Write(codec.plan_save("CA1", codec.body(&state).unwrap(), "w1").unwrap());
    // A replayed write id changes nothing but the write ids' TTL, set again as it is (so a
    // WAIT after it covers the write it found).
    let touch = FallbackStep::Exec {
        commands: vec![vec!["EXPIRE".into(), "call_state:CA1:ids".into(), "600".into()]],
        reply: pair("DUP", s),
    };
    assert_eq!(save.decide(&replies(s, true, false, (600, 600))).unwrap(), touch);
    assert_eq!(save.decide(&replies(s, true, false, (600, -2))).unwrap(), done("DUP", s));
    // Where the write ids know no last rev, a save writes rev = max(old + 1, TIME µs), then
    // remembers its id and that rev.
    let FallbackStep::Exec { commands, reply } =
        save.decide(&replies(s, false, false, (600, 600))).unwrap()
    else {
        panic!()
    };
    assert_eq!(reply, pair("OK", Some("1700000000000005")));
    assert!(commands[0][2].starts_with(r#"{"schemaVersion":3,"rev":1700000000000005,"#));
    assert_eq!(&commands[0][3..], ["EX", "600"]);
    assert_eq!(
        commands[1],
        ["SET", "call_state:CA1:ids", "1700000000000005:2 w-old w1 ", "EX", "600"]
    );
    // Where they know it, one past it (or past the stored rev), without TIME.
    let mut known = replies(s, false, false, (600, 600));
    known[1] = json!("99:1 w-old ").to_string();
    let FallbackStep::Exec { reply, .. } = save.decide(&known).unwrap() else { panic!() };
    assert_eq!(reply, pair("OK", Some("100")));
    known[1] = json!("7:1 w-old ").to_string();
    let FallbackStep::Exec { reply, .. } = save.decide(&known).unwrap() else { panic!() };
    assert_eq!(reply, pair("OK", Some("43")));
    // Full: the oldest id falls out.
    let full: String = (0..WRITE_IDS_KEPT).map(|i| format!("x{i} ")).collect();
    known[1] = json!(format!("7:{WRITE_IDS_KEPT} {full}")).to_string();
    let FallbackStep::Exec { commands, .. } = save.decide(&known).unwrap() else { panic!() };
    assert!(commands[1][2].starts_with(&format!("43:{WRITE_IDS_KEPT} x1 x2 ")));
    assert!(commands[1][2].ends_with(" w1 "));
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
    let late = Scripted::Write(codec.plan_save("CA1", codec.body(&older).unwrap(), "w4").unwrap());
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
    let FallbackStep::Exec { commands, .. } = del.decide(&replies(s, false, true, (1, 1))).unwrap()
    else {
        panic!()
    };
    assert_eq!(commands[0], ["DEL", "call_state:CA1"]);
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
    assert_eq!(reply, pair("OK", Some("42")));
    assert_eq!(commands[0], ["SET", "call_state:CA1:end", "1", "EX", "300"]);
    assert_eq!(commands[1], ["EXPIRE", "call_state:CA1", "300"]);
    assert_eq!(commands[2], ["SET", "call_state:CA1:ids", ":2 w-old w5 ", "EX", "300"]);
    // 100 s left: the end marker is set, nothing is lengthened.
    let FallbackStep::Exec { commands, .. } =
        end.decide(&replies(Some(&stored), false, false, (100, 100))).unwrap()
    else {
        panic!()
    };
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[1][3], "KEEPTTL");
}

#[test]
fn upgrades_keep_the_ttl() {
    let codec = Codec::default();
    let seed = r#"{"callSid":"CA1","stage":"ASK_ACTION","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z"}"#;
    let w = codec.plan_upgrade("CA1", seed, codec.body(&sample()).unwrap(), "u1").unwrap();
    let cmd = w.evalsha();
    assert_eq!(cmd[9], "k600");
    let step = Scripted::Write(w);
    let FallbackStep::Exec { commands, .. } =
        step.decide(&replies(Some(seed), false, false, (40, -2))).unwrap()
    else {
        panic!()
    };
    assert_eq!(commands[0][3], "KEEPTTL");
}

#[test]
fn extend_falls_back_too() {
    let codec = Codec::default();
    let extend = codec.plan_extend("CA1", 600.0).unwrap();
    assert_eq!(
        extend.fallback_reads()[0],
        ["WATCH", "call_state:CA1", "call_state:CA1:ids", "call_state:CA1:end"]
    );
    assert_eq!(extend.decide(&["1", "100"]).unwrap(), FallbackStep::Done { reply: Reply::Nil });
    assert_eq!(extend.decide(&["0", "-1"]).unwrap(), FallbackStep::Done { reply: Reply::Nil });
    let FallbackStep::Exec { commands, reply } = extend.decide(&["0", "7000"]).unwrap() else {
        panic!()
    };
    assert_eq!(reply, Reply::Int(7200));
    assert_eq!(
        commands,
        [["EXPIRE", "call_state:CA1", "7200"], ["EXPIRE", "call_state:CA1:ids", "7200"]]
    );
}

#[test]
fn save_plan_carries_body_ttl_and_id() {
    let c = Codec::default();
    let w = c.plan_save("CA1", c.body(&sample()).unwrap(), "w1").unwrap();
    assert_eq!(
        (w.keys.state.as_str(), w.keys.ids.as_str(), w.ttl()),
        ("call_state:CA1", "call_state:CA1:ids", 600)
    );
    let body = &w.body().unwrap().text;
    assert!(body.starts_with(r#","lastUpdated":"2024-03-15T14:30:22.000Z","callSid":"CA1""#));
    let cmd = w.evalsha();
    let keys = ["call_state:CA1", "call_state:CA1:ids", "call_state:CA1:end"];
    assert_eq!(
        &cmd[..6],
        ["EVALSHA", crate::scripts::WRITE_SCRIPT_SHA1, "3", keys[0], keys[1], keys[2]]
    );
    assert_eq!(eval_fallback(&cmd).unwrap()[1], *WRITE_SCRIPT);
    assert_eq!(cmd[Write::BODY_ARG], *body);
    assert_eq!(w.value(7).unwrap(), format!("{REV_PREFIX}7{body}"));
}

#[test]
fn a_step_reads_back_from_its_command() {
    let codec = Codec::default();
    let stored = codec.encode(&sample()).unwrap();
    let rev5 = stored.replacen("\"rev\":0", "\"rev\":5", 1);
    let body = || codec.body(&sample()).unwrap();
    let steps = [
        Scripted::Write(codec.plan_save("CA1", body(), "w1").unwrap()),
        Scripted::Write(codec.plan_update("CA1", Some(&stored), None, "w2").unwrap()),
        Scripted::Write(codec.plan_update("CA1", Some(&stored), Some(body()), "w2").unwrap()),
        Scripted::Write(codec.plan_update("CA1", Some(&rev5), Some(body()), "w2").unwrap()),
        Scripted::Write(codec.plan_update("CA1", None, Some(body()), "w2").unwrap()),
        Scripted::Write(codec.plan_upgrade("CA1", &stored, body(), "w2").unwrap()),
        Scripted::Write(codec.plan_end("CA1", 60.0, "w3").unwrap()),
        Scripted::Write(codec.plan_delete("CA1", "w4").unwrap()),
        codec.plan_extend("CA1", 60.0).unwrap(),
        Scripted::Restore {
            keys: keys_of("call_state:CA1".into()),
            value: stored.clone(),
            pttl: 5000,
            nx: true,
        },
    ];
    for step in steps {
        let cmd = step.evalsha();
        let read = Scripted::from_command(&cmd).unwrap();
        // The same command, reads and decisions (a write's `ids_ttl` is not in its arguments
        // where a body's TTL is: it is never read there).
        assert_eq!(read.evalsha(), cmd);
        assert_eq!(read.fallback_reads(), step.fallback_reads());
        let replies = [
            &["null", "null", "0", r#"["1750000000","5"]"#, "-2", "-2"][..],
            &[
                r#""{\"schemaVersion\":3,\"rev\":4,\"x\":1}""#,
                r#""4:1 w0 ""#,
                "0",
                "[1,2]",
                "50",
                "50",
            ],
            &["0", "0"],
            &["0", "100"],
        ];
        for r in replies {
            assert_eq!(read.decide(r).ok(), step.decide(r).ok(), "{cmd:?} {r:?}");
        }
        // Any argument changed to a form the plans do not write: not a step.
        for i in 0..cmd.len() {
            for bad in ["+5", "05", "x", "", "1.0", "2024-03-15T14:30:22Z"] {
                let mut other = cmd.clone();
                other[i] = bad.to_string();
                if let Some(s) = Scripted::from_command(&other) {
                    assert_eq!(s.evalsha(), other, "{other:?}");
                }
            }
        }
        assert_eq!(Scripted::from_command(&cmd[..cmd.len() - 1]), None);
        let mut longer = cmd.clone();
        longer.push("x".into());
        assert_eq!(Scripted::from_command(&longer), None);
    }
    assert_eq!(Scripted::from_command(&["GET", "call_state:CA1"]), None);
    assert_eq!(Scripted::from_command::<&str>(&[]), None);
}

#[test]
fn guards() {
    let v = r#"{"schemaVersion":3,"rev":17,"lastUpdated":"2024-03-15T14:30:22.000Z","x":1}"#;
    assert_eq!(write::prefix_rev(v), Some(17));
    assert_eq!(write::prefix_last_updated(v), Some("2024-03-15T14:30:22.000Z"));
    assert_eq!(write::prefix_rev(r#"{"schemaVersion":3,"rev":,"#), None);
    let seed = r#"{"callSid":"CA1"}"#;
    assert_eq!(Guard::of(Some(seed)), Guard::Value(seed.into()));
    assert_eq!(Guard::of(Some(v)), Guard::Rev(17));
    assert!(Guard::of(Some(v)).holds(Some(v)) && !Guard::of(Some(v)).holds(None));
    // rev 0 (serializeCallState's value, SET by seed-style code): compared by its text.
    let zero = v.replacen("17", "0", 1);
    assert_eq!(Guard::of(Some(&zero)), Guard::Value(zero.clone()));
    assert!(!Guard::of(Some(&zero)).holds(Some(&zero.replace("\"x\":1", "\"x\":2"))));
    assert_eq!(Guard::of(None), Guard::Absent);
}

/// Audit: an argv whose body argument is `''` but whose `lastUpdated` is not. The write script
/// reads `ARGV[2] == ''` as "delete the state" (for a save as for a compare-and-set), so the
/// step read back must either be refused or decide a `DEL` as the script does — never a `SET`
/// of the bare prefix `{"schemaVersion":3,"rev":N` (not JSON: every later read is refused).
#[test]
fn an_empty_body_argument_is_refused_or_deleted_as_the_script_does() {
    let codec = Codec::default();
    let stored = codec.encode(&sample()).unwrap();
    let body = || codec.body(&sample()).unwrap();
    for step in [
        Scripted::Write(codec.plan_save("CA1", body(), "w1").unwrap()),
        Scripted::Write(codec.plan_update("CA1", Some(&stored), Some(body()), "w2").unwrap()),
        Scripted::Write(codec.plan_update("CA1", None, Some(body()), "w2").unwrap()),
    ] {
        let mut cmd = step.evalsha();
        cmd[Write::BODY_ARG] = String::new(); // lastUpdated (BODY_ARG + 1) left as planned
        let Some(read) = Scripted::from_command(&cmd) else { continue };
        let cur = if cmd[6] == "cas" && cmd[11].is_empty() { None } else { Some(stored.as_str()) };
        let decided = read.decide(&replies(cur, false, false, (50, 50))).unwrap();
        let FallbackStep::Exec { commands, .. } = &decided else { panic!("{cmd:?}: {decided:?}") };
        assert_eq!(
            commands[0][..2],
            ["DEL".to_string(), "call_state:CA1".into()],
            "{cmd:?}: {commands:?}"
        );
    }
}

/// Audit: an end argv with a keep of `0` (no plan writes one: `keepSeconds` is at least 1).
/// The script's first write is `SET end 1 EX 0`, an error that aborts it with nothing written;
/// the fallback read back from the same argv queues that SET and then `EXPIRE state 0`, which
/// EXEC runs anyway: the state is deleted and the call is not marked ended. Refused, or no
/// EXPIRE of the state to 0.
#[test]
fn an_end_with_keep_zero_is_refused_or_leaves_the_state() {
    let codec = Codec::default();
    let stored = codec.encode(&sample()).unwrap();
    let mut cmd = Scripted::Write(codec.plan_end("CA1", 60.0, "w3").unwrap()).evalsha();
    cmd[9] = "0".into();
    let Some(read) = Scripted::from_command(&cmd) else { return };
    let decided = read.decide(&replies(Some(&stored), false, false, (500, 400))).unwrap();
    let FallbackStep::Exec { commands, .. } = &decided else { panic!("{decided:?}") };
    let expire: Vec<String> = ["EXPIRE", "call_state:CA1", "0"].map(String::from).to_vec();
    assert!(!commands.contains(&expire), "{cmd:?}: {commands:?}");
}
