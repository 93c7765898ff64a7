//! `Codec::plan_restore` on arbitrary backup lines: never a panic, and a line it restores is
//! one of this codec's keys with a value that decodes to that call, a rev with room left, and
//! a TTL in (0, ttl.max] (an end marker: `"1"` under a state key's `:end`, the same TTL rule).
#![no_main]

use callstate::{BackupLine, Codec, MAX_RESTORED_REV, RestoreStep};
use callstate_fuzz::codecs;
use libfuzzer_sys::fuzz_target;

const NOWS: [i64; 5] = [0, 1_000_000, 1_700_000_000_000, i64::MIN, i64::MAX];

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    for c in codecs() {
        for (i, now) in NOWS.into_iter().enumerate() {
            let step = c.plan_restore(&line, now, i % 2 == 0);
            check(c, &line, now, i % 2 == 0, &step);
            // The line format is stable: the same line written again restores the same way.
            if let Some(parsed) = BackupLine::from_json(line.trim_end()) {
                let again = c.backup_line(&parsed.key, parsed.pttl_ms, parsed.at_ms, &parsed.value);
                assert_eq!(c.plan_restore(&again, now, i % 2 == 0), step, "{line:?}");
            }
        }
    }
});

fn check(c: &Codec, line: &str, now: i64, replace: bool, step: &RestoreStep) {
    let max_ms = i64::from(c.options().ttl.max) * 1000;
    let px_ok = |px: &str| px.parse::<i64>().is_ok_and(|px| px > 0 && px <= max_ms);
    match step {
        RestoreStep::Set { set, ended, exists, .. } => {
            assert_eq!(set.len(), if replace { 5 } else { 6 }, "{set:?} from {line:?}");
            assert_eq!((set[0].as_str(), set[3].as_str()), ("SET", "PX"), "{line:?}");
            assert!(px_ok(&set[4]), "PX {set:?} (max {max_ms}) at {now} from {line:?}");
            let sid = c.call_sid_of(&set[1]).unwrap_or_else(|| panic!("foreign key {line:?}"));
            let record = c.decode(&set[2]).unwrap_or_else(|e| panic!("{e:?}: {line:?}"));
            assert_eq!(record.state.call_sid, sid, "{line:?}");
            assert!(record.revision < MAX_RESTORED_REV, "{line:?}");
            assert_eq!(exists, &["EXISTS", set[1].as_str()], "{line:?}");
            assert_eq!(ended, &["EXISTS", &format!("{}:end", set[1])], "{line:?}");
        }
        RestoreStep::Mark { set } => {
            assert_eq!(set.len(), 5, "{set:?} from {line:?}");
            assert_eq!((set[0].as_str(), set[2].as_str(), set[3].as_str()), ("SET", "1", "PX"));
            let key = set[1].strip_suffix(":end").unwrap_or_else(|| panic!("{set:?} {line:?}"));
            assert!(c.is_state_key(key), "{set:?} from {line:?}");
            assert!(px_ok(&set[4]), "PX {set:?} (max {max_ms}) at {now} from {line:?}");
        }
        RestoreStep::Expired | RestoreStep::Invalid(_) => {}
    }
}
