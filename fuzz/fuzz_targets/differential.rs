//! Differential: arbitrary text taken as state JSON and as a stored value, under every option
//! set. The fast paths (`wire::encode`, `wire::decode`) agree with the full codec, and any
//! state that encodes decodes back identically (see `callstate_fuzz::check_*`).
#![no_main]

use callstate_fuzz::{check_state_text, check_stored_text, codecs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for c in codecs() {
        check_state_text(c, text);
        check_stored_text(c, text);
    }
});
