//! The `WATCH` fallback's decision: a `Scripted` step read back from an arbitrary argv (first
//! line, a JSON array of strings: the store hands the fallback the `EVALSHA` command it was
//! planned) and `decide` on an arbitrary reply array (the rest): never a panic, through the typed
//! API and the string surface alike (which reads the step as the typed API does); a step read
//! back writes exactly the command it was read from.
#![no_main]

use callstate::plan::{FallbackStep, Scripted};
use callstate::wire;
use callstate_fuzz::codecs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (command_json, replies_json) = text.split_once('\n').unwrap_or((&text, "[]"));
    let _ = wire::plan(&codecs()[0], "decide", &[Some(command_json), Some(replies_json)]);
    let Ok(command) = serde_json::from_str::<Vec<String>>(command_json) else { return };
    let Some(step) = Scripted::from_command(&command) else { return };
    assert_eq!(step.evalsha(), command);
    let reads = wire::plan(&codecs()[0], "fallbackReads", &[Some(command_json)]);
    assert_eq!(reads.ok(), Some(serde_json::to_string(&step.fallback_reads()).unwrap()));
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
