//! Compression (SPEC §8): raw DEFLATE + standard base64 inside a v3 envelope, bounded inflate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::Error;

/// DEFLATE level used for writes (miniz's default balance of speed and size).
#[cfg(feature = "deflate")]
const LEVEL: u8 = 6;

/// The base64 of the raw-DEFLATE bytes of `json`.
#[cfg(feature = "deflate")]
pub(crate) fn deflate_base64(json: &str) -> String {
    STANDARD.encode(miniz_oxide::deflate::compress_to_vec(json.as_bytes(), LEVEL))
}

/// Without the `deflate` feature no codec has a `compression` option (see `options`), so
/// nothing asks for a compressed write; this keeps the encoder's call sites in one shape.
#[cfg(not(feature = "deflate"))]
pub(crate) fn deflate_base64(_json: &str) -> String {
    String::new()
}

/// Whether this build can write compressed values (the `deflate` feature).
pub(crate) const CAN_DEFLATE: bool = cfg!(feature = "deflate");

/// Inverts [`deflate_base64`], refusing output over `limit` bytes before allocating it.
pub(crate) fn inflate_base64(b64: &str, limit: usize) -> Result<String, Error> {
    // Base64 is 4 chars per 3 bytes; deflate cannot expand less than ~1032:1.
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| Error::compression("`compressed` is not standard padded base64"))?;
    let inflated =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, limit).map_err(|e| {
            match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    Error::TooLarge { size: limit.saturating_add(1), limit }
                }
                _ => Error::compression("`compressed` is not raw DEFLATE data"),
            }
        })?;
    String::from_utf8(inflated).map_err(|_| Error::compression("inflated bytes are not UTF-8"))
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "deflate")]
    #[test]
    fn round_trip_and_bomb() {
        use super::*;
        let text = "{\"a\":\"".to_string() + &"x".repeat(10_000) + "\"}";
        let b64 = deflate_base64(&text);
        assert!(b64.len() < 200);
        assert_eq!(inflate_base64(&b64, 20_000).as_deref(), Ok(text.as_str()));
        assert!(matches!(inflate_base64(&b64, 5_000), Err(Error::TooLarge { .. })));
        assert!(matches!(inflate_base64("!!", 5_000), Err(Error::BadCompression { .. })));
    }
}
