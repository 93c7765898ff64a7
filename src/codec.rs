//! The codec: `CallState` ⇄ the stored Redis value (v3, optionally compressed), and records.

use crate::compress;
use crate::error::Error;
use crate::field::{self, Rules, Table};
use crate::json;
use crate::keys;
use crate::migrate::{self, CURRENT_VERSION};
use crate::options::{CodecOptions, KeepJobFields};
use crate::state::{CallState, Fields, JobRecord};
use crate::ttl;
use crate::validate::TopLevel;

/// A decoded stored value: the state plus the record metadata kept out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The validated, migrated state.
    pub state: CallState,
    /// The stored `rev` (0 where the value has none).
    pub revision: u64,
    /// The version detected in the stored value (1, 2 or 3).
    pub schema_version: u8,
    /// `Some(version)` when the value was migrated up from an older version.
    pub migrated_from: Option<u8>,
}

/// A configured codec: build once (at cold start), reuse for every call.
#[derive(Debug, Clone, Default)]
pub struct Codec {
    options: CodecOptions,
}

/// Largest `rev` a JS number holds exactly (2^53 − 1).
pub const MAX_REV: u64 = 9_007_199_254_740_991;

impl Codec {
    /// A codec with `options`, after checking them.
    pub fn new(options: CodecOptions) -> Result<Codec, Error> {
        options.validate()?;
        Ok(Codec { options })
    }

    /// The options in force.
    pub fn options(&self) -> &CodecOptions {
        &self.options
    }

    /// The Redis key of a call's state (`call_state:CA…`).
    pub fn state_key(&self, call_sid: &str) -> Result<String, Error> {
        keys::state_key(&self.options, call_sid)
    }

    /// Seconds a state in `stage` lives.
    pub fn stage_ttl(&self, stage: &str) -> u32 {
        ttl::stage_ttl(&self.options.ttl, stage)
    }

    /// The TTL after extending `current` by `add` (SPEC §6); `None` = leave the key alone.
    pub fn extended_ttl(&self, current: f64, add: f64) -> Result<Option<i64>, Error> {
        ttl::extended_ttl(&self.options.ttl, current, add)
    }

    /// Validates a state given as JSON (dates as RFC 3339 strings); `schemaVersion` and `rev`
    /// are record metadata and ignored.
    pub fn parse_state(&self, json_text: &str) -> Result<CallState, Error> {
        self.check_size(json_text.len() / 2)?;
        let t = TopLevel::new(json::checked_object(json_text, "")?)?;
        t.into_state(self.options.call_sid, None)
    }

    /// The Redis value for `state` (v3, `rev` 0; compressed when configured and smaller).
    pub fn encode(&self, state: &CallState) -> Result<String, Error> {
        let mut plain = String::with_capacity(capacity(state));
        write_stored(&mut plain, state, 0);
        self.check_size(plain.len())?;
        let Some(c) = &self.options.compression else { return Ok(plain) };
        if plain.len() <= c.threshold_bytes {
            return Ok(plain);
        }
        let envelope = match &c.keep_job_fields {
            None => envelope(0, &compress::deflate_base64(&plain)),
            Some(keep) => {
                let mut inner = String::with_capacity(plain.len());
                write_stored(&mut inner, &trimmed(state, keep), 0);
                envelope(0, &compress::deflate_base64(&inner))
            }
        };
        Ok(if envelope.len() < plain.len() { envelope } else { plain })
    }

    /// The value for `state` without its `{"schemaVersion":3,"rev":0` head: what the write
    /// script appends to the revision it picks.
    pub(crate) fn encode_body(&self, state: &CallState) -> Result<String, Error> {
        let mut value = self.encode(state)?;
        // Invariant: `encode` writes plain values and envelopes alike as REV_PREFIX, then "0",
        // both ASCII, so this offset is in bounds and on a char boundary.
        Ok(value.split_off(REV_PREFIX.len() + 1))
    }

    /// Decodes any stored value (v1, v2, unversioned seed, v3; compressed or not).
    pub fn decode(&self, stored: &str) -> Result<Record, Error> {
        self.check_size(stored.len())?;
        let t = TopLevel::new(json::checked_object(stored, "")?)?;
        if t.compressed.is_none() || t.field("callSid").is_some() {
            return self.decode_plain(t, None);
        }
        let rev = revision(&t)?;
        check_envelope(&t)?;
        let b64 = t
            .compressed
            .and_then(json::string)
            .ok_or_else(|| Error::compression("`compressed` must be a string"))?;
        let inner = compress::inflate_base64(&b64, self.options.max_bytes)?;
        let members = json::checked_object(&inner, "").map_err(|e| match e {
            Error::TooDeep { .. } => e,
            _ => Error::compression("compressed data is not a JSON object"),
        })?;
        let inner = TopLevel::new(members)?;
        if inner.compressed.is_some() && inner.field("callSid").is_none() {
            return Err(Error::compression("nested envelope"));
        }
        self.decode_plain(inner, Some(rev))
    }

    /// Whether `stored` is a compressed envelope (`{"schemaVersion":3,"rev":N,"compressed":…}`).
    pub fn is_compressed(&self, stored: &str) -> bool {
        if stored.len() > self.options.max_bytes {
            return false;
        }
        let members = json::checked_object(stored, "").unwrap_or_default();
        let named = |name: &str| members.iter().any(|(k, _)| json::key_name(k) == name);
        named("compressed") && !named("callSid")
    }

    /// Migrates a plain object (as `JSON.parse` gives it) from `version` (`'v1'`, `'v2'`,
    /// `'v3'`) and validates it.
    pub fn migrate(&self, data_json: &str, version: &str) -> Result<CallState, Error> {
        let version = migrate::requested(version)?;
        self.check_size(data_json.len())?;
        let mut t = TopLevel::new(json::checked_object(data_json, "")?)?;
        let action_type = migrate::upgrade(&mut t, version, &self.options.action_type_map)?;
        t.into_state(self.options.call_sid, action_type)
    }

    /// The seed's `compressJobData`: the record's essential fields only, as JSON.
    pub fn compress_job_data(&self, job_json: &str) -> Result<String, Error> {
        self.check_size(job_json.len())?;
        json::check_depth(job_json)?;
        let wrapped = format!("{{\"jobData\":{job_json}}}");
        let members = json::object(&wrapped, "")?;
        let (_, raw) = members.last().ok_or_else(|| Error::field("", "must be an object"))?;
        let rules = Rules { call_sid: self.options.call_sid, text_limit: None };
        let mut job: JobRecord = field::read_nested(raw, "jobData", rules)?;
        // The essentials: the required fields, nothing else.
        job.keep_optional(&|_| false);
        job.extra = Fields::default();
        let mut out = String::with_capacity(64);
        out.push('{');
        job.write_members(&mut out);
        out.push('}');
        Ok(out)
    }

    fn decode_plain(&self, mut t: TopLevel<'_>, outer_rev: Option<u64>) -> Result<Record, Error> {
        let schema_version = migrate::detect(&t)?;
        let revision = match outer_rev {
            Some(rev) => rev,
            None => revision(&t)?,
        };
        let action_type = migrate::upgrade(&mut t, schema_version, &self.options.action_type_map)?;
        let state = t.into_state(self.options.call_sid, action_type)?;
        let migrated_from = (schema_version < CURRENT_VERSION).then_some(schema_version);
        Ok(Record { state, revision, schema_version, migrated_from })
    }

    fn check_size(&self, size: usize) -> Result<(), Error> {
        let limit = self.options.max_bytes;
        if size > limit { Err(Error::TooLarge { size, limit }) } else { Ok(()) }
    }
}

/// The state as JSON for JavaScript (`JSON.parse` then `Date`s): the stored v3 form without its
/// `schemaVersion` and `rev`, so it is the tail of the stored text after `"rev":N,`.
pub fn state_json(state: &CallState) -> String {
    let mut out = String::with_capacity(capacity(state));
    out.push('{');
    write_body(&mut out, state);
    out
}

/// A record as JSON for JavaScript: `{state, revision, schemaVersion, migratedFrom}`.
pub fn record_json(r: &Record) -> String {
    let mut out = String::with_capacity(300);
    out.push_str("{\"state\":{");
    write_body(&mut out, &r.state);
    out.push_str(&format!(",\"revision\":{},\"schemaVersion\":{}", r.revision, r.schema_version));
    match r.migrated_from {
        Some(v) => out.push_str(&format!(",\"migratedFrom\":{v}}}")),
        None => out.push_str(",\"migratedFrom\":null}"),
    }
    out
}

/// Room for a state's text: its kept fields plus the known ones at their usual sizes.
fn capacity(s: &CallState) -> usize {
    let job_extra = s.job_data.as_ref().map_or(0, |j| j.extra.as_members().len());
    448 + s.extra.as_members().len() + job_extra
}

/// The prefix every value this library writes starts with, up to the revision digits.
pub(crate) const REV_PREFIX: &str = "{\"schemaVersion\":3,\"rev\":";

/// The head of a value [`crate::wire::encode`] leaves to the caller (a state not yet written by
/// the store: rev 0): `{"schemaVersion":3,"rev":0,`. Checked against [`REV_PREFIX`] by a test.
pub const ENCODED_HEAD: &str = "{\"schemaVersion\":3,\"rev\":0,";

/// Writes the stored v3 form: metadata and `lastUpdated` first, where scripts read them.
pub(crate) fn write_stored(out: &mut String, state: &CallState, rev: u64) {
    out.push_str(REV_PREFIX);
    out.push_str(&rev.to_string());
    out.push(',');
    write_body(out, state);
}

/// The state's members (`lastUpdated` first) and the closing `}`.
fn write_body(out: &mut String, s: &CallState) {
    s.write_members(out);
    out.push('}');
}

fn envelope(rev: u64, b64: &str) -> String {
    format!("{REV_PREFIX}{rev},\"compressed\":\"{b64}\"}}")
}

fn trimmed(state: &CallState, keep: &KeepJobFields) -> CallState {
    let mut s = state.clone();
    if let Some(job) = &mut s.job_data {
        match keep {
            KeepJobFields::Essentials => job.extra = Fields::default(),
            KeepJobFields::Named(names) => {
                let kept = |n: &str| names.iter().any(|k| k == n);
                job.extra.retain(|k| kept(&crate::values::token_lossy(k)));
                job.keep_optional(&kept);
            }
        }
    }
    s
}

fn revision(t: &TopLevel<'_>) -> Result<u64, Error> {
    match t.rev {
        None => Ok(0),
        Some(raw) => json::integer(raw, 0.0, MAX_REV as f64)
            .map(|n| n as u64)
            .ok_or_else(|| Error::field("rev", "must be a non-negative integer")),
    }
}

fn check_envelope(t: &TopLevel<'_>) -> Result<(), Error> {
    if let Some(raw) = t.schema_version.filter(|raw| json::integer(raw, 3.0, 3.0).is_none()) {
        return Err(Error::UnsupportedVersion { found: crate::error::excerpt(raw) });
    }
    if t.has_state_fields() || t.action.is_some() || !t.extra.is_empty() {
        return Err(Error::compression(
            "envelope has fields besides schemaVersion, rev, compressed",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoded_head_is_the_prefix_at_rev_0() {
        assert_eq!(ENCODED_HEAD, format!("{REV_PREFIX}0,"));
    }
}
