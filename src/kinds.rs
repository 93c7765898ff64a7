//! How each kind of field value is read from raw JSON, checked, written, and recognised in
//! the form the codec writes ([`Slot`] for every type a field table row may have).

use crate::error::Error;
use crate::field::{Kind, Rules, Slot, canonical_integer, check_call_sid, plain_string};
use crate::json;
use crate::time::{self, Timestamp};
use crate::values::{Language, Name, Text};

fn required<'a>(raw: Option<&'a str>, path: &str) -> Result<&'a str, Error> {
    raw.ok_or_else(|| Error::field(path, "is required"))
}

/// The call SID (the one `String` field).
impl Slot for String {
    const KIND: Kind = Kind::CallSid;
    fn read(raw: Option<&str>, path: &str, rules: Rules) -> Result<Self, Error> {
        // A non-string, or a lone surrogate, fails the rule like any other bad SID.
        let sid = json::string(required(raw, path)?).unwrap_or_default();
        check_call_sid(&sid, rules.call_sid)?;
        Ok(sid.into_owned())
    }
    fn write(&self, out: &mut String) {
        json::push_string(out, self);
    }
    fn canonical(token: &str, rules: Rules) -> bool {
        plain_string(token).is_some_and(|sid| check_call_sid(sid, rules.call_sid).is_ok())
    }
}

impl Slot for Name {
    const KIND: Kind = Kind::Name;
    fn read(raw: Option<&str>, path: &str, _: Rules) -> Result<Self, Error> {
        json::string(required(raw, path)?)
            .and_then(|s| Name::new(&s))
            .ok_or_else(|| Error::field(path, "must match ^[A-Z][A-Z0-9_]{0,63}$"))
    }
    fn write(&self, out: &mut String) {
        out.push('"');
        out.push_str(self.as_str());
        out.push('"');
    }
    fn canonical(token: &str, _: Rules) -> bool {
        plain_string(token).is_some_and(Name::is_valid)
    }
}

/// Largest count (`attemptCount`): 2^31 − 1.
const MAX_COUNT: u32 = 2_147_483_647;

impl Slot for u32 {
    const KIND: Kind = Kind::Count;
    fn read(raw: Option<&str>, path: &str, _: Rules) -> Result<Self, Error> {
        json::integer(required(raw, path)?, 0.0, f64::from(MAX_COUNT))
            .map(|n| n as u32)
            .ok_or_else(|| Error::field(path, format!("must be an integer from 0 to {MAX_COUNT}")))
    }
    fn write(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
    fn canonical(token: &str, _: Rules) -> bool {
        canonical_integer(token, u64::from(MAX_COUNT))
    }
}

impl Slot for Text {
    const KIND: Kind = Kind::Text;
    fn read(raw: Option<&str>, path: &str, rules: Rules) -> Result<Self, Error> {
        let raw = required(raw, path)?;
        let text = Text::from_raw(raw).ok_or_else(|| Error::field(path, "must be a string"))?;
        // UTF-8 bytes bound UTF-16 units from above, so most strings skip the count.
        match rules.text_limit {
            Some(limit) if raw.len() - 2 > limit && text.utf16_len() > limit => {
                Err(Error::field(path, format!("longer than {limit} UTF-16 code units")))
            }
            _ => Ok(text),
        }
    }
    fn write(&self, out: &mut String) {
        out.push_str(self.as_json());
    }
    fn canonical(token: &str, rules: Rules) -> bool {
        token.starts_with('"')
            && json::is_canonical_string(token)
            && rules
                .text_limit
                .is_none_or(|limit| token.len() - 2 <= limit || json::utf16_len(token) <= limit)
    }
}

impl Slot for Timestamp {
    const KIND: Kind = Kind::Date;
    fn read(raw: Option<&str>, path: &str, _: Rules) -> Result<Self, Error> {
        let s = json::string(required(raw, path)?)
            .ok_or_else(|| Error::date(path, "must be a date"))?;
        Timestamp::parse(&s, path)
    }
    fn write(&self, out: &mut String) {
        out.push('"');
        Timestamp::write(*self, out);
        out.push('"');
    }
    fn canonical(token: &str, _: Rules) -> bool {
        plain_string(token).is_some_and(time::is_iso_form)
    }
}

impl Slot for Language {
    const KIND: Kind = Kind::Language;
    fn read(raw: Option<&str>, path: &str, _: Rules) -> Result<Self, Error> {
        match json::string(required(raw, path)?).as_deref() {
            Some("es") => Ok(Language::Es),
            Some("en") => Ok(Language::En),
            _ => Err(Error::field(path, "must be 'es' or 'en'")),
        }
    }
    fn write(&self, out: &mut String) {
        out.push('"');
        out.push_str(self.as_str());
        out.push('"');
    }
    fn canonical(token: &str, _: Rules) -> bool {
        token == "\"es\"" || token == "\"en\""
    }
}

impl<T: Slot> Slot for Option<T> {
    const KIND: Kind = T::KIND;
    const OPTIONAL: bool = true;
    fn read(raw: Option<&str>, path: &str, rules: Rules) -> Result<Self, Error> {
        raw.map(|raw| T::read(Some(raw), path, rules)).transpose()
    }
    fn present(&self) -> bool {
        self.is_some()
    }
    fn write(&self, out: &mut String) {
        if let Some(v) = self {
            v.write(out);
        }
    }
    fn canonical(token: &str, rules: Rules) -> bool {
        T::canonical(token, rules)
    }
    fn clear(&mut self) {
        *self = None;
    }
}
