//! TTL policy (SPEC §6): per-stage lifetimes and safe extensions.

use crate::error::Error;
use crate::options::TtlOptions;

/// Seconds a state in `stage` lives.
pub(crate) fn stage_ttl(o: &TtlOptions, stage: &str) -> u32 {
    o.stages.get(stage).copied().unwrap_or(o.default)
}

/// The TTL after extending `current` (Redis `TTL`'s answer) by `add` seconds: `None` when the
/// key is missing or has no expiry, never above `max`, never below `current`.
pub(crate) fn extended_ttl(o: &TtlOptions, current: f64, add: f64) -> Result<Option<i64>, Error> {
    if !(add.is_finite() && add.fract() == 0.0 && (1.0..=2_147_483_647.0).contains(&add)) {
        return Err(Error::field("additionalSeconds", "must be a positive integer"));
    }
    if !(current.is_finite() && current.fract() == 0.0) {
        return Err(Error::field("currentTtl", "must be an integer"));
    }
    if current <= 0.0 {
        return Ok(None);
    }
    let (current, add) = (current as i64, add as i64);
    Ok(Some((current + add).min(i64::from(o.max)).max(current)))
}
