//! The bad-input corpus: every case gets a typed error (or decodes), never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use callstate::{Codec, CodecOptions};

const SAMPLE: &str = r#"{"callSid":"CA123abc456def","stage":"CONFIRM_JOB","attemptCount":2,"clientId":"ABC123","jobNumber":"456","actionType":"UPDATE_STATUS","actionValue":"COMPLETED","jobData":{"id":"rec123abc","jobNumber":"456","status":"IN_PROGRESS"},"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}"#;

fn code(text: &str) -> &'static str {
    match Codec::default().decode(text) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

#[test]
fn the_seed_example_decodes_as_v3() {
    let r = Codec::default().decode(SAMPLE).expect("seed example decodes");
    assert_eq!((r.schema_version, r.migrated_from, r.revision), (3, None, 0));
    assert_eq!(r.state.last_updated.to_iso(), "2024-03-15T14:30:22.000Z");
}

#[test]
fn malformed_text() {
    assert_eq!(code(""), "INVALID_JSON");
    assert_eq!(code(&SAMPLE[..SAMPLE.len() - 3]), "INVALID_JSON");
    assert_eq!(code(&format!("{SAMPLE}garbage")), "INVALID_JSON");
    assert_eq!(code(&format!("\u{feff}{SAMPLE}")), "INVALID_JSON");
    assert_eq!(code("[1,2]"), "INVALID_FIELD");
    assert_eq!(code("\"text\""), "INVALID_FIELD");
    assert_eq!(code("null"), "INVALID_FIELD");
}

#[test]
fn deep_nesting_is_too_deep_not_a_stack_overflow() {
    for n in [65, 1_000, 100_000] {
        let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let text =
            SAMPLE.replace("\"language\":\"es\"", &format!("\"language\":\"es\",\"x\":{deep}"));
        assert_eq!(code(&text), "TOO_DEEP", "depth {n}");
    }
}

#[test]
fn numbers() {
    let with =
        |n: &str| code(&SAMPLE.replace("\"attemptCount\":2", &format!("\"attemptCount\":{n}")));
    assert_eq!(with("1e400"), "INVALID_FIELD");
    assert_eq!(with("2.5"), "INVALID_FIELD");
    assert_eq!(with("-1"), "INVALID_FIELD");
    assert_eq!(with("2147483648"), "INVALID_FIELD");
    assert_eq!(with("\"2\""), "INVALID_FIELD");
    assert_eq!(with("1e2"), "OK");
    assert_eq!(with("2.0"), "OK");
    let huge = SAMPLE.replace(
        "\"language\":\"es\"",
        "\"language\":\"es\",\"big\":123456789012345678901234567890",
    );
    let r = Codec::default().decode(&huge).expect("huge extra number is kept");
    assert!(callstate::state_json(&r.state).contains("123456789012345678901234567890"));
}

#[test]
fn lone_surrogates_round_trip() {
    let text = SAMPLE.replace("\"ABC123\"", r#""a\ud800b""#);
    let codec = Codec::default();
    let state = codec.decode(&text).expect("lone surrogate in clientId is data");
    let stored = codec.encode(&state.state).expect("encodes");
    assert!(stored.contains(r#""clientId":"a\ud800b""#), "{stored}");
    assert_eq!(code(&SAMPLE.replace("\"CONFIRM_JOB\"", r#""\ud800""#)), "INVALID_FIELD");
    assert_eq!(code(&SAMPLE.replace("\"CA123abc456def\"", r#""CA\udc00""#)), "INVALID_CALL_SID");
}

#[test]
fn duplicate_keys_last_wins() {
    let text = SAMPLE.replace("\"attemptCount\":2", "\"attemptCount\":-5,\"attemptCount\":3");
    let r = Codec::default().decode(&text).expect("last duplicate wins");
    assert_eq!(r.state.attempt_count, 3);
    let text = SAMPLE.replace("\"language\":\"es\"", "\"language\":\"es\",\"x\":1,\"y\":2,\"x\":3");
    let json = callstate::state_json(&Codec::default().decode(&text).expect("decodes").state);
    assert!(json.ends_with(r#""x":3,"y":2}"#), "{json}");
}

#[test]
fn wrong_types() {
    assert_eq!(code(&SAMPLE.replace("\"es\"", "\"fr\"")), "INVALID_FIELD");
    assert_eq!(code(&SAMPLE.replace("\"CONFIRM_JOB\"", "7")), "INVALID_FIELD");
    assert_eq!(code(&SAMPLE.replace("\"ABC123\"", "{}")), "INVALID_FIELD");
    assert_eq!(
        code(&SAMPLE.replace("\"2024-03-15T14:30:22.000Z\"", "\"yesterday\"")),
        "INVALID_DATE"
    );
    assert_eq!(code(&SAMPLE.replace("\"2024-03-15T14:30:22.000Z\"", "null")), "INVALID_FIELD");
    assert_eq!(code(&SAMPLE.replace("\"rec123abc\"", "null")), "INVALID_FIELD");
}

#[test]
fn two_mebibyte_strings_are_too_large() {
    let big = "x".repeat(2 << 20);
    assert_eq!(code(&SAMPLE.replace("\"COMPLETED\"", &format!("\"{big}\""))), "TOO_LARGE");
    let roomy =
        Codec::new(CodecOptions { max_bytes: 4 << 20, ..CodecOptions::default() }).expect("ok");
    let err = roomy
        .decode(&SAMPLE.replace("\"COMPLETED\"", &format!("\"{big}\"")))
        .expect_err("too long");
    assert_eq!((err.code(), err.path()), ("INVALID_FIELD", Some("actionValue")));
}

#[test]
fn decompression_bomb_is_too_large() {
    use base64::Engine;
    let inner = format!("{{\"pad\":\"{}\"}}", "0".repeat(64 << 20));
    let deflated = miniz_oxide::deflate::compress_to_vec(inner.as_bytes(), 9);
    assert!(deflated.len() < 100_000);
    let b64 = base64::engine::general_purpose::STANDARD.encode(deflated);
    let envelope = format!("{{\"schemaVersion\":3,\"rev\":1,\"compressed\":\"{b64}\"}}");
    assert_eq!(code(&envelope), "TOO_LARGE");
}
