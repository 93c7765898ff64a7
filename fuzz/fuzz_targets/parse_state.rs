//! `Codec::parse_state`, `migrate`, `compress_job_data` and the write plans built from state
//! JSON, on arbitrary text under every option set: never a panic.
#![no_main]

use callstate::wire;
use callstate_fuzz::codecs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for c in codecs() {
        let _ = c.parse_state(&text);
        let _ = wire::encode(c, &text);
        for v in ["v1", "v2", "v3", "v4", ""] {
            let _ = c.migrate(&text, v);
        }
        let _ = c.compress_job_data(&text);
        let _ = wire::plan(c, "save", &[Some("CA123abc456def"), Some(&text), Some("w1")]);
        let _ = wire::plan(c, "update", &[Some("CA1"), Some(&text), Some(&text), Some("w2")]);
        let _ = wire::plan(c, "upgrade", &[Some("CA1"), Some(&text), Some(&text), Some("w3")]);
    }
});
