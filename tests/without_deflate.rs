//! The core built without its `deflate` feature (WASM's opt-out): compressed values still read,
//! a `compression` option is a typed error. Run by `make test-rust` as
//! `cargo test --no-default-features --test without_deflate`; with the feature on, empty.
#![cfg(not(feature = "deflate"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

/// Built without `deflate` (`cargo test --no-default-features --lib compress`, run by
/// `make test-rust`): compressed values still read; a `compression` option is a typed error.
#[test]
fn without_deflate_reads_but_refuses_to_write() {
    let e = callstate::wire::codec(r#"{"compression":{"thresholdBytes":10}}"#).err();
    let e = e.as_ref().map(|e| (e.code(), e.path().map(str::to_owned), e.to_string()));
    insta::assert_debug_snapshot!(e, @r#"
    Some(
        (
            "INVALID_FIELD",
            Some(
                "options.compression",
            ),
            "invalid field `options.compression`: this build cannot write compressed values (built without the `deflate` feature)",
        ),
    )
    "#);
    let codec = callstate::wire::codec("").unwrap();
    let record = callstate::wire::decode_record(&codec, STORED).unwrap();
    assert!(record.contains(r#""callSid":"CA123abc456def""#), "{record}");
}

/// An envelope from tests/vectors/compression.json (`envelope-read-by-compression-codec`).
const STORED: &str = "{\"schemaVersion\":3,\"rev\":3,\"compressed\":\"bZBPb4MwDMW/i890CoHukBsFNjGtgCD0sAsK4HVM/BMxk6aq333JkHba0X7PPz/7Brr9wFFdcNX9PIHwHFjxCwRzYFCaqqVThB0I4Iz7B+Yd3KN0feExwfkDY+wNHGjVMJS9NYWByz3VtP7xscN3I2lSV7RClj4lxbl+yU6mq4hwXCict4lAcEMYepwosYjgFBqGMX3OTbqNDa6maXh2rCWTUX4vlljlUSDjupSBrMo/8aKGbd93zl9jGUc7KFKkQNzgN+SK7Z7y3yUmMW3alEla50X2XMRlCXf7jem67ceghvsP\"}";
