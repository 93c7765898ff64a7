//! The wire text, pinned (issue 15): every `wire::plan` operation's JSON as the JS store reads it,
//! byte for byte, against `tests/wire_text.txt` — the text the serde derives wrote before the
//! plan/wire layer wrote its JSON by hand. Scripted commands handed out are fed back
//! (`fallbackReads`, `decide`), as the store does. `CALLSTATE_BLESS=1 cargo test --test wire_text` rewrites the file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::useless_format,
    clippy::collapsible_if,
    missing_docs
)]

use callstate::wire;

const STATE: &str = r#"{"lastUpdated":"2024-03-15T14:31:00.000Z","callSid":"CAwire1","stage":"ASK_ACTION","attemptCount":2,"language":"es"}"#;
const REWRITTEN: &str = r#"{"callSid":"CAwire1","stage":"CONFIRM_JOB","attemptCount":0,"lastUpdated":"2024-03-15T14:32:00.000Z","language":"en","x":"a\u0001\"\\é\u2028"}"#;
const STORED: &str = r#"{"schemaVersion":3,"rev":7,"lastUpdated":"2024-03-15T14:30:00.000Z","callSid":"CAwire1","stage":"ASK_ACTION","attemptCount":2,"language":"es"}"#;
const OLD: &str = r#"{"schemaVersion":2,"callSid":"CAwire1","stage":"ASK_ACTION","attemptCount":2,"lastUpdated":"2024-03-15T14:30:00.000Z"}"#;

fn run(out: &mut String, c: &callstate::Codec, op: &str, args: &[Option<&str>]) -> Option<String> {
    let r = wire::plan(c, op, args);
    let line = match &r {
        Ok(text) => text.clone(),
        Err(e) => format!("ERR {} {} {}", e.code(), e.path().unwrap_or("-"), e),
    };
    out.push_str(&format!("{op} {args:?}\n  {line}\n"));
    r.ok()
}

/// A plan's scripted command, as the store hands it to the `WATCH` fallback.
fn command_of(plan: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(plan).unwrap();
    let command = v.get("command").or_else(|| v.pointer("/set/guarded/command")).unwrap();
    serde_json::to_string(command).unwrap()
}

/// The options parser's answers: the options, or the error's code, path and message.
fn options(o: &mut String) {
    let deep = format!("{{\"ttl\":{}1{}}}", "[".repeat(130), "]".repeat(130));
    let cases = [
        "",
        "null",
        " null ",
        "{}",
        "[]",
        "5",
        "\"x\"",
        "{",
        "{} x",
        "{\"keyPrefix\":\"\\ud800\"}",
        r#"{"keyPrefix":"ivr:","callSid":"twilio","hashTag":true,"ttl":{"default":1200,"max":86400,"stages":{"CONFIRM_JOB":900}},"actionTypeMap":{"upd":"UPDATE_STATUS"},"maxBytes":2048}"#,
        r#"{"compression":{"thresholdBytes":2048,"keepJobFields":true}}"#,
        r#"{"compression":{"thresholdBytes":2048,"keepJobFields":["notes","x\u00e9"]}}"#,
        r#"{"compression":{"thresholdBytes":2048,"keepJobFields":null}}"#,
        r#"{"compression":{"thresholdBytes":null}}"#,
        r#"{"compression":null,"ttl":null,"keyPrefix":null}"#,
        r#"{"ttl":{"default":null,"max":null,"stages":null}}"#,
        r#"{"ttl":{"stages":{"ASK_ACTION":null}}}"#,
        r#"{"zzz":1,"aaa":2}"#,
        r#"{"maxBytes":0,"keyPrefix":5}"#,
        r#"{"keyPrefix":"a:","keyPrefix":"b:"}"#,
        r#"{"keyPrefix":5,"keyPrefix":"b:"}"#,
        r#"{"k\u0065yPrefix":"e:"}"#,
        r#"{"maxBytes":1e400}"#,
        r#"{"keyPrefix":5,"maxBytes":1e400}"#,
        r#"{"maxBytes":1e3,"ttl":{"default":1.0e2,"max":-0}}"#,
        r#"{"maxBytes":1000000000001}"#,
        r#"{"maxBytes":1000000000000}"#,
        r#"{"ttl":{"stages":{"ZED":1,"ask":2,"ALPHA":0}}}"#,
        r#"{"actionTypeMap":{"b":"bad value","a":"OK_A"}}"#,
        r#"{"actionTypeMap":{"upd":5}}"#,
        r#"{"compression":{"thresholdBytes":10,"keepJobFields":["notes",5]}}"#,
        r#"{"compression":{"level":9,"thresholdBytes":-1}}"#,
        r#"{"compression":{"thresholdBytes":10,"keepJobFields":false}}"#,
        r#"{"compression":true}"#,
        r#"{"callSid":"strict"}"#,
        r#"{"callSid":null,"hashTag":null,"maxBytes":null,"actionTypeMap":null}"#,
        r#"{"hashTag":"true"}"#,
        r#"{"ttl":600}"#,
        r#"{"ttl":{"stages":[1]}}"#,
        r#" { "maxBytes" : 12 } "#,
        &deep,
    ];
    let nests: Vec<String> =
        (125..=129).map(|n| format!("{{\"ttl\":{}1{}}}", "[".repeat(n), "]".repeat(n))).collect();
    for text in cases.iter().copied().chain(nests.iter().map(String::as_str)) {
        let r = callstate::CodecOptions::from_json(text);
        let line = match r {
            Ok(opts) => format!("{opts:?}"),
            Err(e) => format!("ERR {} {} {}", e.code(), e.path().unwrap_or("-"), e),
        };
        o.push_str(&format!("options {text:?}\n  {line}\n"));
    }
}

fn all() -> String {
    let mut out = String::new();
    let o = &mut out;
    options(o);
    let codecs = [
        "",
        r#"{"hashTag":true,"callSid":"lenient","keyPrefix":"cs:"}"#,
        r#"{"compression":{"thresholdBytes":10}}"#,
    ];
    for opts in codecs {
        o.push_str(&format!("== codec {opts}\n"));
        let c = wire::codec(opts).unwrap();
        let c = &c;
        let sid = Some("CAwire1");
        for (op, args) in [
            ("get", vec![sid]),
            ("keys", vec![sid]),
            ("keys", vec![Some("bad sid!")]),
            ("applied", vec![sid]),
            ("wasApplied", vec![None, Some("w1")]),
            ("wasApplied", vec![Some("5:1 w1 w2 "), Some("w1")]),
            ("wait", vec![Some("1"), Some("100")]),
            ("reset", vec![]),
            ("classify", vec![Some("NOSCRIPT x")]),
            ("classify", vec![Some("NOPERM x")]),
            ("classify", vec![Some("LOADING")]),
            ("classify", vec![Some("MOVED 1 a:1")]),
            ("classify", vec![Some("OOM")]),
            ("probe", vec![Some(r#"["GET","k"]"#)]),
            ("probe", vec![Some(r#"["EVALSHA","s","3","k\u00e9\n","b","c"]"#)]),
            ("probe", vec![Some("nope")]),
            ("probe", vec![Some("[]")]),
            ("probe", vec![Some(r#"["GET","\ud800"]"#)]),
            ("probe", vec![Some(r#" [ "GET" , "k" ] "#)]),
            ("route", vec![Some(r#"["GET","call_state:{CAwire1}"]"#)]),
            ("route", vec![Some("[1]")]),
            ("outcome", vec![Some("OK"), Some("12")]),
            ("outcome", vec![Some("OK"), None]),
            ("outcome", vec![Some("DUP"), None]),
            ("outcome", vec![Some("DUP"), Some("v")]),
            ("outcome", vec![Some("CONFLICT"), Some("v\"")]),
            ("outcome", vec![Some("STALE"), Some("2024")]),
            ("outcome", vec![Some("CHECK"), Some("x")]),
            ("outcome", vec![Some("ENDED"), None]),
            ("outcome", vec![Some("WHAT"), None]),
            ("evalFallback", vec![Some(r#"["EVALSHA","nope","3"]"#)]),
            ("evalFallback", vec![Some("{")]),
            ("scan", vec![Some("0"), None]),
            ("scan", vec![Some("17"), Some("CA*")]),
            ("callSidOf", vec![Some("call_state:CAwire1")]),
            ("callSidOf", vec![Some("cs:{CAwire1}")]),
            ("callSidOf", vec![Some("other")]),
            ("hashTag", vec![]),
            ("tables", vec![]),
            ("conflict", vec![Some("6")]),
            ("restoreLineMax", vec![]),
            (
                "backupReads",
                vec![Some(r#"["call_state:CAwire1","call_state:CAwire1:ids","cs:{CAwire2}","x"]"#)],
            ),
            ("backupReads", vec![Some("[1]")]),
            ("backupReads", vec![Some("{}")]),
            ("backupReads", vec![Some(r#"["\ud800"]"#)]),
            ("backupReads", vec![Some(r#"["call_state:CAwire1"] x"#)]),
            ("read", vec![sid]),
            ("read", vec![Some("!")]),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"[null,-2]"#)]),
            (
                "readReply",
                vec![
                    Some("call_state:CAwire1"),
                    Some(&format!("[{},5000]", serde_json::to_string(STORED).unwrap())),
                ],
            ),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"["x","12"]"#)]),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"[1,2]"#)]),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"["x",true]"#)]),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"["x"]"#)]),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"{"a":1}"#)]),
            ("readReply", vec![Some("call_state:CAwire1"), Some(r#"["\ud800",1]"#)]),
            ("nope", vec![]),
            ("extend", vec![sid, Some("60")]),
            ("extend", vec![sid, Some("0.5")]),
            ("delete", vec![sid, Some("w1")]),
            ("save", vec![sid, Some(STATE), Some("w2")]),
            ("save", vec![sid, Some(REWRITTEN), Some("w2")]),
            ("save", vec![sid, Some("{"), Some("w2")]),
            ("end", vec![sid, Some("30"), Some("w3")]),
            ("end", vec![sid, Some("0"), Some("w3")]),
            ("update", vec![sid, None, Some(STATE), Some("w4")]),
            ("update", vec![sid, Some(STORED), Some(STATE), Some("w4")]),
            ("update", vec![sid, Some(STORED), None, Some("w4")]),
            ("update", vec![sid, Some(OLD), Some(REWRITTEN), Some("w4")]),
            ("upgrade", vec![sid, Some(OLD), Some(STATE), Some("w5")]),
        ] {
            let Some(plan) = run(o, c, op, &args) else { continue };
            if !plan.contains("\"command\"") {
                continue;
            }
            let step = command_of(&plan);
            run(o, c, "fallbackReads", &[Some(&step)]);
            let stored = serde_json::to_string(STORED).unwrap();
            let old = serde_json::to_string(OLD).unwrap();
            for replies in [
                format!(r#"[null,null,0,["1750000000","123456"],-2,-2]"#),
                format!(r#"[{stored},"7:1 w0 ",0,["1750000000","123456"],500,500]"#),
                format!(r#"[{stored},"7:1 w1 w2 w3 w4 w5 ",0,["1750000000","123456"],500,500]"#),
                format!(r#"[{old},null,1,[1750000000,123456],-1,-2]"#),
                format!(r#"[{stored},null,0,[1,2],"-1","40"]"#),
                format!(r#"[0,100]"#),
                format!(r#"[1,100]"#),
                format!(r#"["0","7000"]"#),
                format!(r#"[1,2,3]"#),
                format!(r#"[0,0]"#),
                format!(r#"[true]"#),
                format!(r#"[{stored},null,0,"x",1,1]"#),
                format!(r#"{{}}"#),
            ] {
                run(o, c, "decide", &[Some(&step), Some(&replies)]);
            }
        }
        for step in [
            "{}",
            "[]",
            "nope",
            "[1,2]",
            r#"["EVALSHA","df0167d0de6d7db4b2114d72998b66390cc20a2c","3","a","b","c","5","10"]"#,
            r#"["EVALSHA","df0167d0de6d7db4b2114d72998b66390cc20a2c","3","a","b","c","5.5","10"]"#,
            r#"["EVALSHA","df0167d0de6d7db4b2114d72998b66390cc20a2c","3","a","b","c","+5","10"]"#,
            r#"["EVAL","df0167d0de6d7db4b2114d72998b66390cc20a2c","3","a","b","c","5","10"]"#,
            r#"["EVALSHA","f1d1975ad35b14be317f2db9eba745f99096679e","3","a","b","c","v","10","1"]"#,
            r#"["EVALSHA","f1d1975ad35b14be317f2db9eba745f99096679e","3","a","b","c","v","10","yes"]"#,
            r#"["EVALSHA","f1d1975ad35b14be317f2db9eba745f99096679e","3","a","b","c","v","10","1","extra"]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","del","","","5","w1",""]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","del","","","5","w 1",""]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","cas","","","k5","w1","vzz"]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","cas",",\"x\":1}","1970-01-01T00:00:01.000Z","9","w1",""]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","cas",",\"x\":1}","1970-01-01T00:00:01Z","9","w1",""]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","cas","","","5","w1","r3"]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","cas","","","-5","w1","r3"]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","cas","","","5","w1","x3"]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","save","","","5","w1",""]"#,
            r#"["EVALSHA","39ba68c47e178cc590c396de93f7adb12b5e2216","3","a","b","c","end","","","60","w1",""]"#,
            r#"["EVALSHA","0000000000000000000000000000000000000000","3","a","b","c","end","","","60","w1",""]"#,
        ] {
            run(o, c, "fallbackReads", &[Some(step)]);
            run(
                o,
                c,
                "decide",
                &[Some(step), Some(r#"[null,null,0,["1750000000","123456"],-2,-2]"#)],
            );
            run(o, c, "decide", &[Some(step), Some(r#"[0,0]"#)]);
        }
        // Backup lines and restore.
        let keys = r#"["call_state:CAwire1","call_state:CAwire2"]"#;
        let stored = serde_json::to_string(STORED).unwrap();
        for replies in [
            format!(r#"[{stored},5000,4000,null,-2,-2,["1700000000","250999"]]"#),
            format!(r#"[{stored},-1,-2,"x\u0001é",-1,-2,["1700000000","250999"]]"#),
            format!(r#"[{stored},"x",-2,null,-2,-2,["1","2"]]"#),
            format!(r#"[1]"#),
        ] {
            if let Some(lines) = run(o, c, "backupLines", &[Some(keys), Some(&replies)]) {
                let lines: Vec<String> = serde_json::from_str(&lines).unwrap();
                for line in lines {
                    for now in ["1700000001000", "1800000000000"] {
                        for replace in ["0", "1"] {
                            if let Some(step) =
                                run(o, c, "restore", &[Some(&line), Some(now), Some(replace)])
                            {
                                if step.contains("\"command\"") {
                                    let s = command_of(&step);
                                    run(o, c, "fallbackReads", &[Some(&s)]);
                                    for r in ["[0,0]", "[1,0]", "[0,1]", "[\"0\",\"1\"]"] {
                                        run(o, c, "decide", &[Some(&s), Some(r)]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for line in [
            "{}",
            "x",
            r#"{"key":"call_state:CAwire1","pttlMs":5,"atMs":1,"value":"v","more":1}"#,
            r#"{"key":"call_state:CAwire1","pttlMs":5.5,"atMs":1,"value":"v"}"#,
            r#"{"key":"call_state:CAwire1","pttlMs":-3,"atMs":1,"value":"v"}"#,
            r#"{"key":"other","pttlMs":5,"atMs":1,"value":"v"}"#,
        ] {
            run(o, c, "restore", &[Some(line), Some("2"), Some("0")]);
        }
        // A clock that is not a whole number of ms (JS `String(n)` of NaN, 1e21, 1.5, -5, none)
        // is refused, never read as some other time.
        let line = r#"{"key":"call_state:CAwire1","pttlMs":600000,"atMs":1,"value":"v"}"#;
        for now in ["NaN", "1e+21", "1.5", "-5", "", "Infinity"] {
            run(o, c, "restore", &[Some(line), Some(now), Some("0")]);
        }
        for (cur, add) in [(100.0, 50.0), (-2.0, 5.0), (1.5, 5.0), (7000.0, 1000.0), (5.0, 0.0)] {
            let r = wire::extended_ttl(c, cur, add);
            o.push_str(&format!("extendedTtl {cur} {add}\n  {:?}\n", r.map_err(|e| e.code())));
        }
    }
    out
}

#[test]
fn wire_text_is_pinned() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wire_text.txt");
    let now = all();
    if std::env::var("CALLSTATE_BLESS").as_deref() == Ok("1") {
        std::fs::write(path, &now).unwrap();
    }
    let pinned = std::fs::read_to_string(path).expect("tests/wire_text.txt");
    if pinned != now {
        let (a, b): (Vec<_>, Vec<_>) = (pinned.lines().collect(), now.lines().collect());
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        panic!(
            "wire text differs at line {}:\n pinned: {}\n    now: {}",
            at + 1,
            a.get(at).unwrap_or(&""),
            b.get(at).unwrap_or(&"")
        );
    }
}
