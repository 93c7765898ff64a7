//! Backup and restore plans, line by line.

use super::*;

fn value(sid: &str, rev: u64) -> String {
    format!(
        r#"{{"schemaVersion":3,"rev":{rev},"lastUpdated":"2024-03-15T14:30:22.000Z","callSid":"{sid}","stage":"ASK_ACTION","attemptCount":0,"language":"es"}}"#
    )
}

fn line(key: &str, pttl: i64, v: &str) -> String {
    Codec::default().backup_line(key, pttl, 1_000_000, v)
}

#[test]
fn restore_never_makes_an_immortal_or_foreign_key() {
    let c = Codec::default();
    let set = |l: &str| match c.plan_restore(l, 1_000_000, false) {
        RestoreStep::Set { set, .. } => set[4].clone(),
        RestoreStep::Invalid(why) => format!("invalid: {why}"),
        RestoreStep::Expired => "expired".into(),
        RestoreStep::Mark { .. } => "mark".into(),
    };
    // No expiry in the backup: the codec's maximum TTL (7200 s), never none.
    assert_eq!(set(&line("call_state:CA1", -1, &value("CA1", 5))), "7200000");
    // An absurd TTL is clamped to the maximum; a normal one is kept.
    assert_eq!(set(&line("call_state:CA1", 1_000_000_000, &value("CA1", 5))), "7200000");
    assert_eq!(set(&line("call_state:CA1", 60_000, &value("CA1", 5))), "60000");
    // Each invalid line says why.
    let why = |l: &str| set(l).strip_prefix("invalid: ").map(str::to_string).unwrap_or_default();
    assert_eq!(
        why(&line("call_state:CA1", 60_000, &value("CA2", 5))),
        "the value's callSid is not the key's"
    );
    let poisoned = value("CA1", (1 << 53) - 1);
    assert_eq!(
        why(&line("call_state:CA1", 60_000, &poisoned)),
        "its rev is at or past 2^53 - 2^20"
    );
    assert_eq!(why(&line("call_state:CA1", -7, &value("CA1", 5))), "pttlMs is below -1");
    assert_eq!(
        why(&line("other:CA1", 60_000, &value("CA1", 5))),
        "the key is not a call state key of this codec"
    );
    assert_eq!(
        why(r#"{"key":"call_state:CA1"}"#),
        "not a backup line ({key, pttlMs, atMs, value} with integer times)"
    );
    assert_eq!(
        why(&line("call_state:CA1", 60_000, "{\"schemaVersion\":9}")),
        "the value does not decode: UNSUPPORTED_VERSION"
    );
    assert_eq!(set(&line_at("call_state:CA1", 10, 0, &value("CA1", 5))), "expired");
}

#[test]
fn restore_writes_values_as_the_codec_does() {
    let c = Codec::default();
    let value_of =
        |v: &str| match c.plan_restore(&line("call_state:CA1", 60_000, v), 1_000_000, true) {
            RestoreStep::Set { set, ended, exists, .. } => {
                assert_eq!(
                    (ended, exists),
                    (
                        vec!["EXISTS".to_string(), "call_state:CA1:end".into()],
                        vec!["EXISTS".to_string(), "call_state:CA1".into()]
                    )
                );
                assert_eq!(set.len(), 5, "replace: no NX");
                set[2].clone()
            }
            other => panic!("{other:?}"),
        };
    // Already as written: kept byte for byte.
    let v = value("CA1", 5);
    assert_eq!(value_of(&v), v);
    // A lastUpdated with an offset (the scripts compare it as text): rewritten, rev kept.
    let offset = v.replace("2024-03-15T14:30:22.000Z", "2024-03-15T16:30:22.000+02:00");
    assert_eq!(value_of(&offset), v);
    let lower = v.replace("2024-03-15T14:30:22.000Z", "2024-03-15t14:30:22.000z");
    assert_eq!(value_of(&lower), v);
}

#[test]
fn backup_reads_and_lines_are_planned_by_the_core() {
    let c = Codec::default();
    let scanned = ["call_state:CA1", "call_state:CA1:w", "call_state:CA2"].map(String::from);
    let (keys, reads) = c.backup_reads(&scanned);
    assert_eq!(keys, ["call_state:CA1", "call_state:CA2"]);
    assert_eq!(reads.len(), 7);
    assert_eq!(reads[1], ["PTTL", "call_state:CA1"]);
    assert_eq!(reads[2], ["PTTL", "call_state:CA1:end"]);
    assert_eq!(reads[6], ["TIME"]);
    // CA1 has ended (its marker follows its line); CA2 vanished between SCAN and GET: no
    // line. TIME is s and µs.
    let v = value("CA1", 5);
    let replies = serde_json::json!([v, 5000, 4000, null, -2, -2, ["1700000000", "250999"]]);
    let lines = c.backup_lines(&keys, &raw(&replies)).unwrap();
    let at = 1_700_000_000_250;
    assert_eq!(
        lines,
        [line_at("call_state:CA1", 5000, at, &v), line_at("call_state:CA1:end", 4000, at, "1")]
    );
    // The marker restores as a marker, with its own TTL.
    match c.plan_restore(&lines[1], at, false) {
        RestoreStep::Mark { set } => {
            assert_eq!(set, ["SET", "call_state:CA1:end", "1", "PX", "4000"])
        }
        other => panic!("{other:?}"),
    }
    let forged = line_at("call_state:CA1:end", 4000, at, "x");
    assert!(matches!(c.plan_restore(&forged, at, false), RestoreStep::Invalid(_)));
    // A reply of the wrong shape is a REDIS error, not a panic.
    let bad = serde_json::json!([v, "x", -2, null, -2, -2, ["1", "2"]]);
    assert_eq!(c.backup_lines(&keys, &raw(&bad)).unwrap_err().code(), "REDIS");
}

#[test]
fn a_raw_read_says_what_is_stored() {
    let c = Codec::default();
    let (key, reads) = c.plan_read("CA1").unwrap();
    assert_eq!(reads, [["GET", key.as_str()], ["PTTL", key.as_str()]]);
    let v = value("CA1", 5);
    let stored = c.stored_of(&key, &raw(&serde_json::json!([v, -1]))).unwrap().unwrap();
    assert_eq!((stored.value, stored.pttl_ms, stored.compressed), (v, -1, false));
    assert_eq!(c.stored_of(&key, &["null", "-2"]).unwrap(), None);
}

fn line_at(key: &str, pttl: i64, at: i64, v: &str) -> String {
    Codec::default().backup_line(key, pttl, at, v)
}

/// A JSON array's items as raw JSON text, as the store hands replies to the core.
fn raw(replies: &serde_json::Value) -> Vec<String> {
    replies.as_array().unwrap().iter().map(|v| v.to_string()).collect()
}
