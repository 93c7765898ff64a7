//! `Codec::decode` (and the string surface over it) on arbitrary text, under every option set:
//! never a panic.
#![no_main]

use callstate::wire;
use callstate_fuzz::codecs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for c in codecs() {
        let _ = c.decode(&text);
        let _ = c.is_compressed(&text);
        let _ = wire::decode(c, &text);
        let _ = wire::decode_record(c, &text);
        let _ = wire::plan(c, "readReply", &[Some("call_state:CA1"), Some(&text)]);
        let _ = wire::plan(c, "outcome", &[Some("OK"), Some(&text)]);
    }
});
