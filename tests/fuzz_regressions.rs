//! What the fuzzers (fuzz/, issue 14) found, kept in the normal suite: the minimized corpora of
//! the text targets replayed through the same differential checks (fuzz/src/lib.rs, shared
//! verbatim), and one test per crash or mismatch found, with its minimized input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub,
    dead_code
)]

#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

/// Every input of `fuzz/corpus/<target>` through both checks, under every fuzz option set.
fn replay(target: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return 0 };
    let mut n = 0;
    for entry in entries {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for c in checks::codecs() {
            checks::check_state_text(c, &text);
            checks::check_stored_text(c, &text);
        }
        n += 1;
    }
    n
}

#[test]
fn the_fuzz_corpora_pass_the_differential_checks() {
    let n: usize = ["differential", "decode", "parse_state"].iter().map(|t| replay(t)).sum();
    assert!(n > 0, "no corpus under fuzz/corpus");
}
