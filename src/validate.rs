//! Validation: raw JSON members → `CallState` / `JobRecord`, each failure naming its field.

use crate::error::Error;
use crate::json::{self, RawMembers};
use crate::options::CallSidRule;
use crate::state::{CallState, Fields, JobRecord, Language, Name, Text};
use crate::time::Timestamp;

/// Longest optional free-text field, in UTF-16 code units.
pub const MAX_TEXT_UNITS: usize = 1024;
const MAX_ATTEMPTS: f64 = 2_147_483_647.0;

/// Checks a call SID against `rule`.
pub(crate) fn call_sid(sid: &str, rule: CallSidRule) -> Result<(), Error> {
    let b = sid.as_bytes();
    let (ok, reason) = match rule {
        CallSidRule::Lenient => (
            (2..=64).contains(&b.len()) && b.iter().all(u8::is_ascii_alphanumeric),
            "must be 2-64 ASCII letters or digits",
        ),
        CallSidRule::Twilio => (
            b.len() == 34 && b.starts_with(b"CA") && b[2..].iter().all(u8::is_ascii_hexdigit),
            "must match ^CA[0-9a-fA-F]{32}$",
        ),
    };
    if ok { Ok(()) } else { Err(Error::InvalidCallSid { reason: reason.into() }) }
}

/// The last value of each known top-level field, and the rest kept verbatim.
#[derive(Default)]
pub(crate) struct TopLevel<'a> {
    pub(crate) call_sid: Option<&'a str>,
    pub(crate) stage: Option<&'a str>,
    pub(crate) attempt_count: Option<&'a str>,
    pub(crate) client_id: Option<&'a str>,
    pub(crate) job_number: Option<&'a str>,
    pub(crate) action_type: Option<&'a str>,
    pub(crate) action_value: Option<&'a str>,
    pub(crate) job_data: Option<&'a str>,
    pub(crate) last_updated: Option<&'a str>,
    pub(crate) language: Option<&'a str>,
    pub(crate) schema_version: Option<&'a str>,
    pub(crate) rev: Option<&'a str>,
    pub(crate) action: Option<&'a str>,
    pub(crate) compressed: Option<&'a str>,
    pub(crate) extra: Fields,
}

impl<'a> TopLevel<'a> {
    /// Sorts members into known slots (last wins) and verbatim extras.
    pub(crate) fn new(members: RawMembers<'a>) -> Result<TopLevel<'a>, Error> {
        let mut t = TopLevel::default();
        for (key, value) in members {
            let slot = match json::key_name(key).as_ref() {
                "callSid" => &mut t.call_sid,
                "stage" => &mut t.stage,
                "attemptCount" => &mut t.attempt_count,
                "clientId" => &mut t.client_id,
                "jobNumber" => &mut t.job_number,
                "actionType" => &mut t.action_type,
                "actionValue" => &mut t.action_value,
                "jobData" => &mut t.job_data,
                "lastUpdated" => &mut t.last_updated,
                "language" => &mut t.language,
                "schemaVersion" => &mut t.schema_version,
                "rev" => &mut t.rev,
                "action" => &mut t.action,
                "compressed" => &mut t.compressed,
                _ => {
                    t.extra.push(&key_text(key)?, value);
                    continue;
                }
            };
            *slot = Some(value);
        }
        t.extra.dedup();
        Ok(t)
    }

    /// Validates the slots into a state; `action` and `compressed`, when not consumed by a
    /// migration, are kept as ordinary fields.
    pub(crate) fn into_state(
        self,
        rule: CallSidRule,
        action_type: Option<Name>,
    ) -> Result<CallState, Error> {
        let call_sid = match present(self.call_sid) {
            None => return Err(Error::field("callSid", "is required")),
            Some(raw) => {
                // A non-string, or a lone surrogate, fails the rule like any other bad SID.
                let sid = json::string(raw).unwrap_or_default();
                call_sid(&sid, rule)?;
                sid.into_owned()
            }
        };
        let stage = name(required(self.stage, "stage")?, "stage")?;
        let attempt_count =
            json::integer(required(self.attempt_count, "attemptCount")?, 0.0, MAX_ATTEMPTS)
                .ok_or_else(|| {
                    Error::field("attemptCount", "must be an integer from 0 to 2147483647")
                })?;
        let action_type = match action_type {
            Some(n) => Some(n),
            None => present(self.action_type).map(|raw| name(raw, "actionType")).transpose()?,
        };
        let job_data = present(self.job_data).map(job_record_at).transpose()?;
        let language = match json::string(required(self.language, "language")?).as_deref() {
            Some("es") => Language::Es,
            Some("en") => Language::En,
            _ => return Err(Error::field("language", "must be 'es' or 'en'")),
        };
        let mut extra = self.extra;
        for (key, raw) in [("\"action\"", self.action), ("\"compressed\"", self.compressed)] {
            if let Some(raw) = raw {
                extra.push(key, raw);
            }
        }
        Ok(CallState {
            call_sid,
            stage,
            attempt_count: attempt_count as u32,
            client_id: optional_text(self.client_id, "clientId")?,
            job_number: optional_text(self.job_number, "jobNumber")?,
            action_type,
            action_value: optional_text(self.action_value, "actionValue")?,
            job_data,
            last_updated: date(required(self.last_updated, "lastUpdated")?, "lastUpdated")?,
            language,
            extra,
        })
    }
}

/// A `Name` (stage or action type) from a raw value.
pub(crate) fn name(raw: &str, path: &str) -> Result<Name, Error> {
    json::string(raw)
        .and_then(|s| Name::new(&s))
        .ok_or_else(|| Error::field(path, "must match ^[A-Z][A-Z0-9_]{0,63}$"))
}

/// A `JobRecord` from a raw value, errors named from `jobData`.
pub(crate) fn job_record_at(raw: &str) -> Result<JobRecord, Error> {
    job_record(raw).map_err(|e| e.within("jobData"))
}

fn job_record(raw: &str) -> Result<JobRecord, Error> {
    let members = json::nested_object(raw, "")?;
    let mut slots: [Option<&str>; 6] = [None; 6];
    let mut extra = Fields::default();
    for (key, value) in members {
        let i = match json::key_name(key).as_ref() {
            "id" => 0,
            "jobNumber" => 1,
            "status" => 2,
            "createdDate" => 3,
            "updatedDate" => 4,
            "scheduledDate" => 5,
            _ => {
                extra.push(&key_text(key)?, value);
                continue;
            }
        };
        slots[i] = Some(value);
    }
    extra.dedup();
    let text = |raw: Option<&str>, path: &str| -> Result<Text, Error> {
        Text::from_raw(required(raw, path)?).ok_or_else(|| Error::field(path, "must be a string"))
    };
    let opt_date = |raw: Option<&str>, path: &str| present(raw).map(|r| date(r, path)).transpose();
    Ok(JobRecord {
        id: text(slots[0], "id")?,
        job_number: text(slots[1], "jobNumber")?,
        status: text(slots[2], "status")?,
        created_date: opt_date(slots[3], "createdDate")?,
        updated_date: opt_date(slots[4], "updatedDate")?,
        scheduled_date: opt_date(slots[5], "scheduledDate")?,
        extra,
    })
}

fn present(raw: Option<&str>) -> Option<&str> {
    raw.filter(|r| !json::is_null(r))
}

fn required<'a>(raw: Option<&'a str>, path: &str) -> Result<&'a str, Error> {
    present(raw).ok_or_else(|| Error::field(path, "is required"))
}

fn optional_text(raw: Option<&str>, path: &str) -> Result<Option<Text>, Error> {
    let Some(raw) = present(raw) else { return Ok(None) };
    let text = Text::from_raw(raw).ok_or_else(|| Error::field(path, "must be a string"))?;
    // UTF-8 bytes bound UTF-16 units from above, so most strings skip the count.
    if raw.len() - 2 > MAX_TEXT_UNITS && text.utf16_len() > MAX_TEXT_UNITS {
        return Err(Error::field(path, "longer than 1024 UTF-16 code units"));
    }
    Ok(Some(text))
}

fn date(raw: &str, path: &str) -> Result<Timestamp, Error> {
    let s = json::string(raw).ok_or_else(|| Error::date(path, "must be a date"))?;
    Timestamp::parse(&s, path)
}

fn key_text(key: &str) -> Result<std::borrow::Cow<'_, str>, Error> {
    let token = key;
    if !token.starts_with('"') {
        return Err(Error::json("object key is not a string"));
    }
    Ok(json::canonical_string(token))
}
