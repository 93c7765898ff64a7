//! The machinery behind the field tables in [`crate::state`]: what a field's value type does
//! (read and check its raw JSON, write it, recognise the form it writes), and the [`table!`]
//! macro that turns one table into a record type with its reader, writer and canonical check.
//!
//! Readers and writers walk the table in order, so the order fields are validated in is the
//! order they are written in, and a new field is one row.

use crate::error::Error;
use crate::json::{self, RawMembers};
use crate::options::CallSidRule;
use crate::values::Fields;

/// What a field holds (the generated JS lists name it, to know which fields are dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A call SID, checked by the codec's [`CallSidRule`].
    CallSid,
    /// A stage or action type name.
    Name,
    /// A count, `0..=2^31-1`.
    Count,
    /// Free text (bounded where the record says so).
    Text,
    /// A date, written as `toISOString()` writes it.
    Date,
    /// `"es"` or `"en"`.
    Language,
    /// A nested record with its own table.
    Record,
}

/// One row of a field table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// The name as a JSON string token, as the codec writes it.
    pub token: &'static str,
    /// Whether a value must have it (an optional field may be absent or `null`).
    pub required: bool,
    /// What it holds.
    pub kind: Kind,
    /// Its TypeScript type in the generated `.d.ts`, where not the kind's usual one.
    pub ts: &'static str,
    /// Its documentation (the row's doc comment), for the generated `.d.ts`.
    pub doc: &'static str,
}

/// Most fields a table may have (its readers keep their slots on the stack).
pub(crate) const MAX_FIELDS: usize = 16;

/// A table's raw values by position, `None` where absent.
pub(crate) type Slots<'a> = [Option<&'a str>; MAX_FIELDS];

/// What a field's check depends on besides its value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    /// The codec's call SID rule.
    pub(crate) call_sid: CallSidRule,
    /// The longest free text, in UTF-16 code units (`None`: unbounded).
    pub(crate) text_limit: Option<usize>,
}

/// A field's value type.
pub(crate) trait Slot: Sized {
    /// What it holds.
    const KIND: Kind;
    /// Whether it may be absent.
    const OPTIONAL: bool = false;
    /// The value from its raw JSON (`None`: absent or `null`), errors naming `path`.
    fn read(raw: Option<&str>, path: &str, rules: Rules) -> Result<Self, Error>;
    /// Whether the writer writes it.
    fn present(&self) -> bool {
        true
    }
    /// Appends the value's JSON.
    fn write(&self, out: &mut String);
    /// Whether `token` is exactly what [`Slot::write`] writes for a valid value.
    fn canonical(token: &str, rules: Rules) -> bool;
    /// Drops an optional value (a required one stays).
    fn clear(&mut self) {}
}

/// A record type generated from a table by [`table!`].
pub(crate) trait Table: Sized + 'static {
    /// The rows, in the order fields are read, checked and written.
    const FIELDS: &'static [Field];
    /// Top-level names that are never kept verbatim besides [`Table::FIELDS`].
    const RESERVED: &'static [&'static str];
    /// The free-text bound of this record's text fields.
    const TEXT_LIMIT: Option<usize>;
    /// Each field's [`Slot::canonical`], by position.
    const CHECKS: &'static [fn(&str, Rules) -> bool];
    /// The field written first, ahead of table order (the state's `lastUpdated`, where the
    /// scripts read it); the others follow in table order.
    const FIRST: Option<usize>;
    /// Each field's writer, by position: appends `"name":value` and says whether it did.
    const WRITERS: &'static [fn(&Self, &mut String) -> bool];
    /// Reads every field from its slot, in table order.
    fn from_slots(slots: &Slots<'_>, extra: Fields, rules: Rules) -> Result<Self, Error>;
    /// Appends the members (`"name":value,…` in [`written_order`], then the kept fields),
    /// without braces.
    fn write_members(&self, out: &mut String) {
        let start = out.len();
        for i in written_order::<Self>() {
            let at = out.len();
            if at > start {
                out.push(',');
            }
            if !(Self::WRITERS[i])(self, out) {
                out.truncate(at);
            }
        }
        if !self.extra().is_empty() {
            if out.len() > start {
                out.push(',');
            }
            out.push_str(self.extra().as_members());
        }
    }
    /// The fields kept verbatim.
    fn extra(&self) -> &Fields;
    /// Drops the optional fields `keep` does not name.
    fn keep_optional(&mut self, keep: &dyn Fn(&str) -> bool);
}

/// Field positions in the order they are written: [`Table::FIRST`], then the rest in table
/// order.
pub(crate) fn written_order<T: Table>() -> impl Iterator<Item = usize> {
    T::FIRST.into_iter().chain((0..T::FIELDS.len()).filter(|&i| Some(i) != T::FIRST))
}

/// The position of the field named `name` (usable in constants).
pub(crate) const fn index_of(fields: &[Field], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < fields.len() {
        let (a, b) = (fields[i].name.as_bytes(), name.as_bytes());
        let mut same = a.len() == b.len();
        let mut j = 0;
        while same && j < a.len() {
            same = a[j] == b[j];
            j += 1;
        }
        if same {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The position of the field named `name`, where the table has one.
pub(crate) fn position(fields: &[Field], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.name == name)
}

/// Sorts `members` into the table's slots (the last of a repeated key wins) and kept fields;
/// `other` gets first refusal of names not in the table.
pub(crate) fn sort<'a, T: Table>(
    members: RawMembers<'a>,
    mut other: impl FnMut(&str, &'a str) -> bool,
) -> Result<(Slots<'a>, Fields), Error> {
    let mut slots: Slots<'a> = [None; MAX_FIELDS];
    let mut extra = Fields::default();
    for (key, value) in members {
        let name = json::key_name(key);
        match position(T::FIELDS, &name) {
            Some(i) => slots[i] = Some(value),
            None if other(&name, value) => {}
            None => {
                if !key.starts_with('"') {
                    return Err(Error::json("object key is not a string"));
                }
                extra.push(&json::canonical_string(key), value);
            }
        }
    }
    extra.dedup();
    Ok((slots, extra))
}

/// A record from a nested object's raw JSON, errors named from `path`.
pub(crate) fn read_nested<T: Table>(raw: &str, path: &str, rules: Rules) -> Result<T, Error> {
    let read = || {
        let (slots, extra) = sort::<T>(json::nested_object(raw, "")?, |_, _| false)?;
        T::from_slots(&slots, extra, Rules { text_limit: T::TEXT_LIMIT, ..rules })
    };
    read().map_err(|e| e.within(path))
}

/// Whether `members` are exactly what `T`'s writer writes: its fields in table order (optional
/// ones may be absent, none `null`), each in canonical form, then kept fields with canonical,
/// distinct keys that are neither known nor reserved.
pub(crate) fn canonical_members<T: Table>(members: &[(&str, &str)], rules: Rules) -> bool {
    let rules = Rules { text_limit: T::TEXT_LIMIT, ..rules };
    let mut at = 0;
    for (field, check) in written_order::<T>().map(|i| (&T::FIELDS[i], T::CHECKS[i])) {
        match members.get(at) {
            Some(&(key, value)) if key == field.token => {
                if !check(value, rules) {
                    return false;
                }
                at += 1;
            }
            _ if field.required => return false,
            _ => {}
        }
    }
    let extras = &members[at..];
    let keys_ok = extras.iter().all(|&(key, _)| {
        let named = T::FIELDS.iter().any(|f| f.token == key) || T::RESERVED.contains(&key);
        !named && json::is_canonical_string(key)
    });
    keys_ok && json::distinct(&extras.iter().map(|(k, _)| *k).collect::<Vec<_>>())
}

/// Whether `text` is exactly `{` + members joined by `,` (as `k:v`) + `}`: no whitespace.
pub(crate) fn laid_out(text: &str, members: &[(&str, &str)]) -> bool {
    let inner: usize = members.iter().map(|(k, v)| k.len() + 1 + v.len()).sum();
    text.len() == inner + members.len().saturating_sub(1) + 2
}

/// Checks a call SID against `rule`.
pub(crate) fn check_call_sid(sid: &str, rule: CallSidRule) -> Result<(), Error> {
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

/// The body of a string token without escapes.
pub(crate) fn plain_string(token: &str) -> Option<&str> {
    let inner = token.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// A non-negative integer in its shortest decimal form, at most `max`.
pub(crate) fn canonical_integer(token: &str, max: u64) -> bool {
    let b = token.as_bytes();
    let digits = !b.is_empty() && b.len() <= 16 && b.iter().all(u8::is_ascii_digit);
    digits && (b[0] != b'0' || b.len() == 1) && token.parse::<u64>().is_ok_and(|n| n <= max)
}

/// A record type and its [`Table`] from one table: a row per field, `member: Type = "name"`,
/// in the order the fields are read, checked and written. `Option<T>` rows are optional; `as
/// "Type"` names the field's TypeScript type where the kind's usual one is not it; a row's doc
/// comment is its documentation in Rust and in the generated `.d.ts`.
macro_rules! table {
    (@first $fields:expr) => { None };
    (@first $fields:expr, $first:literal) => {
        match $crate::field::index_of($fields, $first) {
            Some(i) => Some(i),
            None => panic!("the first field is not in the table"),
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $record:ident (
            text limit: $limit:expr, reserved: $reserved:expr $(, first: $first:literal)?
        ) {
            $( $(#[doc = $doc:literal])* $member:ident: $ty:ty = $name:literal $(as $ts:literal)?, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $record {
            $( $(#[doc = $doc])* pub $member: $ty, )*
            /// Fields this version does not know, kept verbatim (a newer writer's data survives).
            pub extra: $crate::values::Fields,
        }

        impl $crate::field::Table for $record {
            const FIELDS: &'static [$crate::field::Field] = &[$(
                $crate::field::Field {
                    name: $name,
                    token: concat!("\"", $name, "\""),
                    required: !<$ty as $crate::field::Slot>::OPTIONAL,
                    kind: <$ty as $crate::field::Slot>::KIND,
                    ts: concat!("" $(, $ts)?),
                    doc: concat!($($doc, "\n",)*).trim_ascii(),
                },
            )*];
            const RESERVED: &'static [&'static str] = $reserved;
            const TEXT_LIMIT: Option<usize> = $limit;
            const CHECKS: &'static [fn(&str, $crate::field::Rules) -> bool] =
                &[$( <$ty as $crate::field::Slot>::canonical, )*];
            const FIRST: Option<usize> = table!(@first Self::FIELDS $(, $first)?);
            const WRITERS: &'static [fn(&Self, &mut String) -> bool] = &[$(
                |s: &$record, out: &mut String| {
                    let present = $crate::field::Slot::present(&s.$member);
                    if present {
                        out.push_str(concat!("\"", $name, "\":"));
                        $crate::field::Slot::write(&s.$member, out);
                    }
                    present
                },
            )*];

            fn from_slots(
                slots: &$crate::field::Slots<'_>,
                extra: $crate::values::Fields,
                rules: $crate::field::Rules,
            ) -> Result<Self, $crate::error::Error> {
                let mut at = slots.iter().map(|raw| raw.filter(|r| !$crate::json::is_null(r)));
                Ok($record {
                    $( $member: <$ty as $crate::field::Slot>::read(at.next().flatten(), $name, rules)?, )*
                    extra,
                })
            }

            fn extra(&self) -> &$crate::values::Fields {
                &self.extra
            }

            fn keep_optional(&mut self, keep: &dyn Fn(&str) -> bool) {
                $(
                    if !keep($name) {
                        $crate::field::Slot::clear(&mut self.$member);
                    }
                )*
            }
        }

        const _: () = assert!(
            <$record as $crate::field::Table>::FIELDS.len() <= $crate::field::MAX_FIELDS
        );

        impl $crate::field::Slot for $record {
            const KIND: $crate::field::Kind = $crate::field::Kind::Record;
            fn read(
                raw: Option<&str>,
                path: &str,
                rules: $crate::field::Rules,
            ) -> Result<Self, $crate::error::Error> {
                let raw = raw.ok_or_else(|| $crate::error::Error::field(path, "is required"))?;
                $crate::field::read_nested(raw, path, rules)
            }
            fn write(&self, out: &mut String) {
                out.push('{');
                $crate::field::Table::write_members(self, out);
                out.push('}');
            }
            fn canonical(token: &str, rules: $crate::field::Rules) -> bool {
                let members = $crate::json::nested_object(token, "").unwrap_or_default();
                token.starts_with('{')
                    && $crate::field::laid_out(token, &members)
                    && $crate::field::canonical_members::<$record>(&members, rules)
            }
        }
    };
}
pub(crate) use table;
