//! The validated value types the field tables hold: names, text kept as its JSON token, the
//! caller's language, and unknown fields kept verbatim.

/// The caller's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Spanish, the seed's default.
    Es,
    /// English.
    En,
}

impl Language {
    /// The wire form, `"es"` or `"en"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::En => "en",
        }
    }
}

/// A stage or action type name: `^[A-Z][A-Z0-9_]{0,63}$`, an open set owned by the user's FSM.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    /// Validates `s` as a stage or action type name.
    pub fn new(s: &str) -> Option<Name> {
        Name::is_valid(s).then(|| Name(s.to_string()))
    }

    /// Whether `s` is a valid name.
    pub fn is_valid(s: &str) -> bool {
        let b = s.as_bytes();
        (1..=64).contains(&b.len())
            && b[0].is_ascii_uppercase()
            && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A string field kept as its JSON token, so any JS string (lone surrogates included)
/// round-trips unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(Box<str>);

impl Text {
    /// A text holding `s`.
    pub fn new(s: &str) -> Text {
        let mut token = String::with_capacity(s.len() + 2);
        crate::json::push_string(&mut token, s);
        Text(token.into_boxed_str())
    }

    /// Wraps a raw JSON string token, rewritten as `JSON.stringify` would write it when it
    /// holds other escapes; `None` if `raw` is not a string.
    pub(crate) fn from_raw(token: &str) -> Option<Text> {
        token.starts_with('"').then(|| Text(crate::json::canonical_string(token).into()))
    }

    /// The value, with any lone surrogate replaced by U+FFFD (Rust strings cannot hold one).
    pub fn to_string_lossy(&self) -> String {
        token_lossy(&self.0)
    }

    /// The JSON string token, quotes and escapes as written.
    pub fn as_json(&self) -> &str {
        &self.0
    }

    /// Length in UTF-16 code units, as JavaScript's `length` counts.
    pub fn utf16_len(&self) -> usize {
        crate::json::utf16_len(&self.0)
    }
}

/// Fields kept verbatim, in first-seen order with unique keys, held as one text: `key:value`
/// members joined by `,` (keys as canonical JSON string tokens, values as written), so writing
/// them back is one copy and keeping them costs no allocation per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    text: String,
    /// Per member: where it starts in `text`, where its `:` is, where it ends.
    spans: Vec<(usize, usize, usize)>,
}

impl Fields {
    /// The kept fields, as (key token, raw JSON value) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans
            .iter()
            .map(|&(start, colon, end)| (&self.text[start..colon], &self.text[colon + 1..end]))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The members as JSON object text without braces: `"a":1,"b":2`.
    pub(crate) fn as_members(&self) -> &str {
        &self.text
    }

    /// Appends a field (key as a canonical string token); call [`Fields::dedup`] once all are in.
    pub(crate) fn push(&mut self, key: &str, value: &str) {
        if self.text.capacity() == 0 {
            self.text.reserve(4 * (key.len() + value.len()) + 64);
        }
        if !self.text.is_empty() {
            self.text.push(',');
        }
        let start = self.text.len();
        self.text.push_str(key);
        let colon = self.text.len();
        self.text.push(':');
        self.text.push_str(value);
        self.spans.push((start, colon, self.text.len()));
    }

    /// Keeps the fields whose key token `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let kept: Vec<(&str, &str)> = self.iter().filter(|(k, _)| keep(k)).collect();
        *self = Fields::from_pairs(&kept);
    }

    /// Resolves repeated keys as `JSON.parse` does: first position, last value. The merge runs
    /// only when a duplicate exists ([`crate::json::distinct`] finds out without allocating
    /// per key).
    pub(crate) fn dedup(&mut self) {
        let keys: Vec<&str> = self.iter().map(|(k, _)| k).collect();
        if crate::json::distinct(&keys) {
            return;
        }
        let mut merged: Vec<(&str, &str)> = Vec::with_capacity(keys.len());
        for (k, v) in self.iter() {
            match merged.iter_mut().find(|(seen, _)| *seen == k) {
                Some(slot) => slot.1 = v,
                None => merged.push((k, v)),
            }
        }
        *self = Fields::from_pairs(&merged);
    }

    fn from_pairs(pairs: &[(&str, &str)]) -> Fields {
        let mut fields = Fields::default();
        for (k, v) in pairs {
            fields.push(k, v);
        }
        fields
    }
}

/// A JSON string token's value, lone surrogates replaced by U+FFFD.
pub(crate) fn token_lossy(token: &str) -> String {
    crate::json::string_lossy(token)
}
