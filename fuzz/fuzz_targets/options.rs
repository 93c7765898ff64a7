//! `CodecOptions::from_json` and `wire::codec` on arbitrary text; a codec that builds keeps
//! its promises: keys name their SID, an encodable state decodes back, TTLs stay in range.
#![no_main]

use callstate::{CodecOptions, wire};
use libfuzzer_sys::fuzz_target;

const STATE: &str = r#"{"lastUpdated":"2024-03-15T14:30:22.000Z","callSid":"CA0123456789abcdef0123456789abcdef","stage":"ASK_ACTION","attemptCount":2,"jobData":{"id":"r","jobNumber":"4","status":"S","notes":"n"},"language":"es"}"#;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = CodecOptions::from_json(&text);
    let Ok(c) = wire::codec(&text) else { return };
    if !text.is_empty() {
        assert_eq!(parsed.as_ref().ok(), Some(c.options()), "from_json vs codec on {text:?}");
    }
    for sid in ["CA0123456789abcdef0123456789abcdef", "CA1"] {
        if let Ok(key) = c.state_key(sid) {
            assert!(c.is_state_key(&key), "{key:?} from {text:?}");
            assert_eq!(c.call_sid_of(&key), Some(sid), "{key:?} from {text:?}");
        }
    }
    for stage in ["ASK_ACTION", "NEW", "", "__proto__"] {
        assert!(c.stage_ttl(stage) >= 1, "{stage} under {text:?}");
    }
    let max = i64::from(c.options().ttl.max);
    if let Ok(Some(t)) = c.extended_ttl(30.0, 1e9) {
        assert!(t <= max.max(30), "extended to {t} past {max} under {text:?}");
    }
    callstate_fuzz::check_state_text(&c, STATE);
    let _ = wire::plan(&c, "restoreLineMax", &[]);
    let _ = wire::plan(&c, "keys", &[Some("CA1")]);
    let _ = c.plan_scan("0", None);
});
