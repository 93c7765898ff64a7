//! Property tests: encode → decode is the identity on valid states; decode never panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use callstate::{Codec, CodecOptions, Compression};

#[path = "support/paths.rs"]
mod paths;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any JSON value of bounded size and depth (the extra fields users may store).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "\\PC{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn iso_date() -> impl Strategy<Value = String> {
    // 0001-01-01 .. 9999-12-31, millisecond precision.
    (-62_135_596_800_000i64..253_402_300_799_999).prop_map(|ms| {
        callstate::Timestamp::from_millis(ms).map(|t| t.to_iso()).unwrap_or_default()
    })
}

prop_compose! {
    fn valid_state()(
        sid in "[A-Za-z0-9]{2,64}",
        stage in "[A-Z][A-Z0-9_]{0,63}",
        attempts in 0u32..=i32::MAX as u32,
        client_id in proptest::option::of("\\PC{0,40}"),
        job_number in proptest::option::of("[0-9]{1,10}"),
        action_type in proptest::option::of("[A-Z][A-Z0-9_]{0,20}"),
        action_value in proptest::option::of("\\PC{0,40}"),
        job in proptest::option::of((
            "\\PC{0,12}", "\\PC{0,12}", "\\PC{0,12}",
            proptest::option::of(iso_date()),
            prop::collection::btree_map("x[a-z]{1,6}", any_json(), 0..4),
        )),
        last_updated in iso_date(),
        english in any::<bool>(),
        extra in prop::collection::btree_map("z[a-zA-Z_]{0,8}", any_json(), 0..4),
    ) -> Value {
        let mut s = json!({
            "callSid": sid, "stage": stage, "attemptCount": attempts,
            "lastUpdated": last_updated, "language": if english { "en" } else { "es" },
        });
        let o = s.as_object_mut().expect("object literal");
        for (k, v) in [("clientId", client_id), ("jobNumber", job_number),
                       ("actionType", action_type), ("actionValue", action_value)] {
            if let Some(v) = v { o.insert(k.into(), json!(v)); }
        }
        if let Some((id, number, status, created, more)) = job {
            let mut j = json!({"id": id, "jobNumber": number, "status": status});
            let jo = j.as_object_mut().expect("object literal");
            if let Some(c) = created { jo.insert("createdDate".into(), json!(c)); }
            jo.extend(more);
            o.insert("jobData".into(), j);
        }
        o.extend(extra);
        s
    }
}

fn codecs() -> [Codec; 2] {
    let compressed = CodecOptions {
        compression: Some(Compression { threshold_bytes: 64, keep_job_fields: None }),
        ..CodecOptions::default()
    };
    [Codec::default(), Codec::new(compressed).expect("valid options")]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn encode_then_decode_is_identity(state in valid_state()) {
        let text = state.to_string();
        for codec in codecs() {
            let parsed = codec.parse_state(&text).expect("valid state");
            let stored = codec.encode(&parsed).expect("encodes");
            let record = codec.decode(&stored).expect("decodes");
            prop_assert_eq!(&record.state, &parsed);
            prop_assert_eq!(record.migrated_from, None);
            let back: Value = serde_json::from_str(&callstate::state_json(&record.state)).expect("json");
            prop_assert_eq!(&back, &state);
            // The fast path agrees with the full one, and takes canonical text.
            paths::check_encode(&codec, &text).map_err(TestCaseError::fail)?;
            paths::check_decode(&codec, &stored).map_err(TestCaseError::fail)?;
            if let Some(shim) = paths::shim_text(&stored) {
                prop_assert!(paths::check_encode(&codec, &shim).map_err(TestCaseError::fail)?);
                prop_assert!(paths::check_decode(&codec, &stored).map_err(TestCaseError::fail)?);
            }
        }
    }

    #[test]
    fn fast_path_agrees_on_edited_values(state in valid_state(), v in any_json(), i in 0usize..16, front in any::<bool>()) {
        const NAMES: [&str; 16] = ["lastUpdated", "callSid", "stage", "attemptCount", "clientId",
            "jobNumber", "actionType", "actionValue", "jobData", "language", "schemaVersion", "rev",
            "action", "compressed", "__proto__", "zz"];
        let codec = Codec::default();
        let stored = codec.encode(&codec.parse_state(&state.to_string()).expect("valid")).expect("encodes");
        let member = format!("\"{}\":{v}", NAMES[i]);
        // One member added at the end, or right after the head (`…"rev":0,`).
        let edited = if front {
            let at = stored.find("\"lastUpdated\"").expect("prefix");
            format!("{}{member},{}", &stored[..at], &stored[at..])
        } else {
            format!("{},{member}}}", &stored[..stored.len() - 1])
        };
        paths::check_decode(&codec, &edited).map_err(TestCaseError::fail)?;
        if let Some(shim) = paths::shim_text(&edited) {
            paths::check_encode(&codec, &shim).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn decode_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Codec::default().decode(&text);
    }

    #[test]
    fn decode_never_panics_on_json(v in any_json(), state in valid_state(), key in "[a-zA-Z]{1,12}") {
        let codec = Codec::default();
        let _ = codec.decode(&v.to_string());
        // A valid state with one field replaced by arbitrary JSON.
        let mut s = state;
        s.as_object_mut().expect("object").insert(key, v);
        let _ = codec.decode(&s.to_string());
        // On arbitrary values the fast path still never disagrees with the full one.
        paths::check_encode(&codec, &s.to_string()).map_err(TestCaseError::fail)?;
        paths::check_decode(&codec, &s.to_string()).map_err(TestCaseError::fail)?;
    }
}
