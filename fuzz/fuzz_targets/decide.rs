//! The `WATCH` fallback's decision: a `Scripted` step read from arbitrary JSON (first line) and
//! `decide` on an arbitrary reply array (the rest): never a panic, through the typed API and the
//! string surface alike (which reads the step as the typed API does).
#![no_main]

use callstate::plan::{FallbackStep, Scripted};
use callstate::wire;
use callstate_fuzz::codecs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (step_json, replies_json) = text.split_once('\n').unwrap_or((&text, "[]"));
    let _ = wire::plan(&codecs()[0], "decide", &[Some(step_json), Some(replies_json)]);
    let Some(step) = Scripted::from_json(step_json) else { return };
    let reads = wire::plan(&codecs()[0], "fallbackReads", &[Some(step_json)]);
    assert_eq!(reads.ok(), Some(serde_json::to_string(&step.fallback_reads()).unwrap()));
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
    let replies: Vec<String> = replies.iter().map(|r| r.to_string()).collect();
    let Ok(decided) = step.decide(&replies) else { return };
    let send = decided.send();
    match &decided {
        FallbackStep::Done { .. } => assert_eq!(send, [["UNWATCH"]]),
        FallbackStep::Exec { commands, .. } => {
            assert_eq!(send.len(), commands.len() + 2);
            assert_eq!((&send[0][0], &send[send.len() - 1][0]), (&"MULTI".into(), &"EXEC".into()));
        }
    }
});
