//! `CodecOptions`: the SPEC §2 option shape, its defaults, and strict parsing with full paths.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::error::Error;
use crate::json::{self, RawMembers};
use crate::values::Name;

/// How call SIDs are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallSidRule {
    /// 2–64 ASCII letters or digits (the seed's `CA123abc456def` passes).
    #[default]
    Lenient,
    /// Exactly Twilio's form, `^CA[0-9a-fA-F]{32}$`.
    Twilio,
}

/// TTL policy overrides, in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtlOptions {
    /// TTL of a stage not listed (default 3600, the seed's `DEFAULT_TTL`).
    pub default: u32,
    /// Cap for `extended_ttl` (default 7200, the seed's `ACTIVE_CALL_TTL`).
    pub max: u32,
    /// Per-stage TTLs; the seed's table unless overridden.
    pub stages: BTreeMap<String, u32>,
}

/// Which `jobData` fields survive in a compressed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepJobFields {
    /// The seed's essentials: `id`, `jobNumber`, `status` and the three dates.
    Essentials,
    /// These names, plus `id`, `jobNumber`, `status` always.
    Named(Vec<String>),
}

/// Compression settings; absent means off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compression {
    /// Values whose JSON is longer than this are stored compressed (when that is smaller).
    pub threshold_bytes: usize,
    /// Lossy, opt-in: drop other `jobData` fields from values that get compressed.
    pub keep_job_fields: Option<KeepJobFields>,
}

/// Everything configurable about a codec (SPEC §2 `CodecOptions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecOptions {
    /// Key prefix, default `"call_state:"`.
    pub key_prefix: String,
    /// Call SID rule, default lenient.
    pub call_sid: CallSidRule,
    /// Wrap the SID in `{}` so every key of a call shares a cluster slot.
    pub hash_tag: bool,
    /// TTL policy.
    pub ttl: TtlOptions,
    /// Old v2 `action` values mapped to `actionType`.
    pub action_type_map: BTreeMap<String, String>,
    /// Compression; `None` is off.
    pub compression: Option<Compression>,
    /// Size limit for JSON written, stored values read and decompressed values (default 1 MiB).
    pub max_bytes: usize,
}

/// Seconds a call's state lives when its stage has no entry (the seed's `DEFAULT_TTL`).
pub const DEFAULT_TTL: u32 = 3600;
/// The cap for extensions of active calls (the seed's `ACTIVE_CALL_TTL`).
pub const ACTIVE_CALL_TTL: u32 = 7200;
/// Default `maxBytes`.
pub const DEFAULT_MAX_BYTES: usize = 1_048_576;

const SEED_STAGES: [(&str, u32); 5] = [
    ("COLLECT_CLIENT_ID", 300),
    ("COLLECT_JOB_NUMBER", 300),
    ("CONFIRM_JOB", 600),
    ("ASK_ACTION", 600),
    ("EXECUTE_ACTION", 1800),
];
const MAX_SECONDS: f64 = 2_147_483_647.0;

impl Default for CodecOptions {
    fn default() -> Self {
        CodecOptions {
            key_prefix: "call_state:".into(),
            call_sid: CallSidRule::Lenient,
            hash_tag: false,
            ttl: TtlOptions {
                default: DEFAULT_TTL,
                max: ACTIVE_CALL_TTL,
                stages: by_insert(SEED_STAGES.iter().map(|(s, t)| (s.to_string(), *t))),
            },
            action_type_map: BTreeMap::new(),
            compression: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl CodecOptions {
    /// Parses the JS options object (as JSON text); unknown names and bad values are
    /// `INVALID_FIELD` at `options.<path>`. Members are checked in key order (the last of a
    /// repeated name wins), so the error reported for several bad names is the same whatever
    /// their order in the text.
    pub fn from_json(text: &str) -> Result<CodecOptions, Error> {
        let mut o = CodecOptions::default();
        // Text a JSON value tree refuses (not JSON, a lone surrogate, a number beyond f64,
        // nesting past 127 levels) is no object.
        if !json::value_tree(text) {
            return Err(field("", "must be an object"));
        }
        if text.trim_matches(JSON_SPACE) == "null" {
            return Ok(o);
        }
        let members = json::object(text, "").map_err(|_| field("", "must be an object"))?;
        for (name, v) in by_name(members) {
            if json::is_null(v) {
                continue;
            }
            let name = name.as_ref();
            match name {
                "keyPrefix" => o.key_prefix = string(v, name)?,
                "callSid" => {
                    o.call_sid = match json::string(v).as_deref() {
                        Some("lenient") => CallSidRule::Lenient,
                        Some("twilio") => CallSidRule::Twilio,
                        _ => return Err(field(name, "must be 'lenient' or 'twilio'")),
                    }
                }
                "hashTag" => {
                    o.hash_tag = match v {
                        "true" => true,
                        "false" => false,
                        _ => return Err(field(name, "must be a boolean")),
                    }
                }
                "ttl" => parse_ttl(v, &mut o.ttl)?,
                "actionTypeMap" => o.action_type_map = parse_action_map(v)?,
                "compression" => o.compression = Some(parse_compression(v)?),
                "maxBytes" => o.max_bytes = count(v, name, 1.0, 1e12)? as usize,
                _ => return Err(field(name, "unknown option")),
            }
        }
        o.validate()?;
        Ok(o)
    }

    /// Checks values that a Rust caller may have set directly.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |c: char| c.is_whitespace() || c.is_control() || "*?[]{}".contains(c);
        if self.key_prefix.is_empty() || self.key_prefix.chars().any(bad) {
            return Err(field(
                "keyPrefix",
                "must be non-empty, without whitespace, control characters or *?[]{}",
            ));
        }
        if let Some(stage) = self.ttl.stages.keys().find(|s| Name::new(s).is_none()) {
            return Err(field(format!("ttl.stages.{stage}"), "not a valid stage name"));
        }
        if let Some((k, _)) = self.action_type_map.iter().find(|(_, v)| Name::new(v).is_none()) {
            return Err(field(format!("actionTypeMap.{k}"), "not a valid action type"));
        }
        Ok(())
    }
}

fn field(path: impl std::fmt::Display, reason: &str) -> Error {
    let path = path.to_string();
    Error::field(if path.is_empty() { "options".into() } else { format!("options.{path}") }, reason)
}

/// JSON's whitespace.
const JSON_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// An object's members by decoded name, in name order, the last of a repeated name winning.
fn by_name(members: RawMembers<'_>) -> BTreeMap<Cow<'_, str>, &str> {
    by_insert(members.into_iter().map(|(k, v)| (json::string(k).unwrap_or_default(), v)))
}

/// A map by inserting each pair in turn (the last of a repeated key wins), as `collect` does
/// but without its sort (a sort per key type is kilobytes of WASM).
fn by_insert<K: Ord, V>(pairs: impl Iterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

fn string(v: &str, path: &str) -> Result<String, Error> {
    json::string(v).map(Cow::into_owned).ok_or_else(|| field(path, "must be a string"))
}

fn count(v: &str, path: &str, min: f64, max: f64) -> Result<u64, Error> {
    match json::integer(v, min, max) {
        Some(n) => Ok(n as u64),
        // Integers in the message: formatting an f64 would pull float printing into the WASM.
        None => {
            Err(field(path, &format!("must be an integer from {} to {}", min as u64, max as u64)))
        }
    }
}

fn object<'a>(v: &'a str, path: &str) -> Result<BTreeMap<Cow<'a, str>, &'a str>, Error> {
    match json::nested_object(v, "") {
        Ok(members) => Ok(by_name(members)),
        Err(_) => Err(field(path, "must be an object")),
    }
}

fn parse_ttl(v: &str, ttl: &mut TtlOptions) -> Result<(), Error> {
    for (name, v) in object(v, "ttl")? {
        let path = format!("ttl.{name}");
        match name.as_ref() {
            _ if json::is_null(v) => {}
            "default" => ttl.default = count(v, &path, 1.0, MAX_SECONDS)? as u32,
            "max" => ttl.max = count(v, &path, 1.0, MAX_SECONDS)? as u32,
            "stages" => {
                for (stage, secs) in object(v, &path)? {
                    let p = format!("ttl.stages.{stage}");
                    ttl.stages
                        .insert(stage.into_owned(), count(secs, &p, 1.0, MAX_SECONDS)? as u32);
                }
            }
            _ => return Err(field(path, "unknown option")),
        }
    }
    Ok(())
}

fn parse_action_map(v: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut map = BTreeMap::new();
    for (k, v) in object(v, "actionTypeMap")? {
        let value = string(v, &format!("actionTypeMap.{k}"))?;
        map.insert(k.into_owned(), value);
    }
    Ok(map)
}

fn parse_compression(v: &str) -> Result<Compression, Error> {
    if !crate::compress::CAN_DEFLATE {
        // Reading compressed values works in every build; writing needs the DEFLATE encoder.
        return Err(field(
            "compression",
            "this build cannot write compressed values (built without the `deflate` feature)",
        ));
    }
    let mut threshold = None;
    let mut keep = None;
    for (name, v) in object(v, "compression")? {
        let path = format!("compression.{name}");
        match name.as_ref() {
            "thresholdBytes" => threshold = Some(count(v, &path, 0.0, 1e12)? as usize),
            "keepJobFields" => {
                keep = match (v, json::nested_array(v)) {
                    ("null", _) => None,
                    ("true", _) => Some(KeepJobFields::Essentials),
                    (_, Some(names)) => Some(KeepJobFields::Named(
                        names
                            .iter()
                            .enumerate()
                            .map(|(i, n)| string(n, &format!("{path}.{i}")))
                            .collect::<Result<_, _>>()?,
                    )),
                    _ => return Err(field(path, "must be true or a list of field names")),
                }
            }
            _ => return Err(field(path, "unknown option")),
        }
    }
    let threshold_bytes =
        threshold.ok_or_else(|| field("compression.thresholdBytes", "is required"))?;
    Ok(Compression { threshold_bytes, keep_job_fields: keep })
}
