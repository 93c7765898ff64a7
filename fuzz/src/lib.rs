//! Shared pieces of the fuzz targets: the option sets every target runs under, and the
//! differential checks (full path vs fast path, encode → decode round trips).
//!
//! A failed check panics, which libFuzzer reports as a crash with the input that caused it.

use std::sync::OnceLock;

use callstate::wire::{self, ENCODED_HEAD, StateText};
use callstate::{CallState, Codec, Error, state_json};

/// The option sets the targets run each input under (JS options objects, as JSON text).
pub const OPTION_SETS: &[&str] = &[
    "",
    r#"{"callSid":"twilio","hashTag":true,"keyPrefix":"t:"}"#,
    r#"{"compression":{"thresholdBytes":64}}"#,
    r#"{"compression":{"thresholdBytes":32,"keepJobFields":true},"maxBytes":4096}"#,
    r#"{"compression":{"thresholdBytes":0,"keepJobFields":["notes","createdDate"]},"actionTypeMap":{"update":"UPDATE_STATUS","x":"Y"}}"#,
    r#"{"maxBytes":300,"ttl":{"default":5,"max":9,"stages":{"ASK_ACTION":7}}}"#,
];

/// One codec per [`OPTION_SETS`] entry, built once.
pub fn codecs() -> &'static [Codec] {
    static CODECS: OnceLock<Vec<Codec>> = OnceLock::new();
    CODECS.get_or_init(|| {
        OPTION_SETS
            .iter()
            .map(|o| wire::codec(o).unwrap_or_else(|e| panic!("fuzz option set {o}: {e}")))
            .collect()
    })
}

/// Whether a codec drops `jobData` fields from values it compresses (then a round trip through
/// a compressed value is not the identity, only idempotent).
pub fn lossy(c: &Codec) -> bool {
    c.options().compression.as_ref().is_some_and(|z| z.keep_job_fields.is_some())
}

/// `text` taken as state JSON: the fast encode (`wire::encode`) agrees with the full one, and
/// a state that encodes decodes back identically.
pub fn check_state_text(c: &Codec, text: &str) {
    let full = c.parse_state(text).and_then(|s| c.encode(&s).map(|v| (s, v)));
    match (wire::encode(c, text), &full) {
        (Ok(None), Ok((_, value))) => {
            let tail = text.get(1..).unwrap_or_else(|| panic!("fast path took {text:?}"));
            assert_eq!(value, &format!("{ENCODED_HEAD}{tail}"), "fast encode of {text:?}");
        }
        (Ok(Some(fast)), Ok((_, value))) => assert_eq!(&fast, value, "encode of {text:?}"),
        (Err(a), Err(b)) => assert_eq!(&a, b, "encode errors of {text:?}"),
        (fast, full) => panic!("fast and full encode disagree on {text:?}: {fast:?} vs {full:?}"),
    }
    let Ok((state, value)) = full else { return };
    check_encoded(c, &state, &value);
    // The JS-facing form of the state reads back as the same state.
    let js = state_json(&state);
    match c.parse_state(&js) {
        Ok(back) => assert_eq!(back, state, "state_json {js:?} read back differently"),
        Err(e) => panic!("state_json {js:?} of an encodable state is refused: {e:?}"),
    }
    check_stored_text(c, &value);
}

/// `text` taken as a stored value: the fast decode (`wire::decode`) agrees with the full one,
/// and a decoded state encodes and decodes back identically.
pub fn check_stored_text(c: &Codec, text: &str) {
    let full = c.decode(text);
    match (wire::decode(c, text), &full) {
        (Ok(StateText::Tail(at)), Ok(r)) => {
            let tail = text.get(at..).unwrap_or_else(|| panic!("tail {at} of {text:?}"));
            assert_eq!(format!("{{{tail}"), state_json(&r.state), "fast decode of {text:?}");
            assert_eq!(r.migrated_from, None, "fast decode of an old value {text:?}");
        }
        (Ok(StateText::Json(j)), Ok(r)) => assert_eq!(j, state_json(&r.state)),
        (Err(a), Err(b)) => assert_eq!(&a, b, "decode errors of {text:?}"),
        (fast, full) => panic!("fast and full decode disagree on {text:?}: {fast:?} vs {full:?}"),
    }
    let Ok(record) = full else { return };
    match c.encode(&record.state) {
        Ok(value) => check_encoded(c, &record.state, &value),
        // A migrated or decompressed value may be too large to write back; nothing else.
        Err(Error::TooLarge { .. }) => {}
        Err(e) => panic!("decoded state of {text:?} does not encode: {e:?}"),
    }
}

/// `value` is `c.encode(state)`: it decodes back to `state` at rev 0, v3.
fn check_encoded(c: &Codec, state: &CallState, value: &str) {
    let back = match c.decode(value) {
        Ok(r) => r,
        Err(e) => panic!("encoded value {value:?} does not decode: {e:?}"),
    };
    assert_eq!((back.revision, back.schema_version, back.migrated_from), (0, 3, None));
    if lossy(c) && c.is_compressed(value) {
        // Trimmed: encoding what came back is a fixed point.
        let again = c.encode(&back.state).and_then(|v| c.decode(&v));
        assert_eq!(again.map(|r| r.state), Ok(back.state), "trimmed round trip of {value:?}");
    } else {
        assert_eq!(&back.state, state, "round trip through {value:?}");
    }
}
