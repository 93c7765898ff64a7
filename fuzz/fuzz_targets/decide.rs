//! The `WATCH` fallback's decision: a `Scripted` step deserialized from arbitrary JSON (first
//! line) and `decide` on an arbitrary reply array (the rest): never a panic, through the typed
//! API and the string surface alike.
#![no_main]

use callstate::plan::{FallbackStep, Scripted};
use callstate::wire;
use callstate_fuzz::codecs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (step_json, replies_json) = text.split_once('\n').unwrap_or((&text, "[]"));
    let _ = wire::plan(&codecs()[0], "decide", &[Some(step_json), Some(replies_json)]);
    let _ = wire::plan(&codecs()[0], "fallbackReads", &[Some(step_json)]);
    let Ok(step) = serde_json::from_str::<Scripted>(step_json) else { return };
    let _ = step.evalsha();
    let reads = step.fallback_reads();
    assert_eq!(reads[0][0], "WATCH");
    if let Scripted::Write(w) = &step {
        let _ = w.eval();
        let _ = w.value(u64::MAX);
    }
    let Ok(replies) = serde_json::from_str::<Vec<serde_json::Value>>(replies_json) else {
        return;
    };
    let Ok(decided) = step.decide(&replies) else { return };
    let send = decided.send();
    match &decided {
        FallbackStep::Done { .. } => assert_eq!(send, [["UNWATCH"]]),
        FallbackStep::Exec { commands, .. } => {
            assert_eq!(send.len(), commands.len() + 2);
            assert_eq!((&send[0][0], &send[send.len() - 1][0]), (&"MULTI".into(), &"EXEC".into()));
        }
    }
    let _ = serde_json::to_string(&decided);
});
