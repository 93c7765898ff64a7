//! A call's applied write ids as one string (exactly once, SPEC §7): the write script reads it
//! with one `GET` and replaces it with one `SET`, and the `WATCH` fallback reads and writes it
//! here, by the same rules.
//!
//! The value is `<rev>:<count> <id> <id> … <id> ` — the last rev a write handed out for the call
//! (empty when unknown), how many ids follow, then the ids oldest first, each followed by a
//! space. A write id never holds a space (see [`write_id`]), so `" <id> "` is found only as that
//! id. A value of any other shape is read as empty (no rev, no ids).

use crate::codec::MAX_REV;
use crate::scripts::WRITE_IDS_KEPT;

/// What separates the ids (and the head from them); never inside a write id.
pub const SEP: char = ' ';

/// The write id as the ids string holds it: `raw` with every byte outside `!`..`~`, and every
/// `%`, written as `%XX` (hex). One-to-one, so two ids stay two ids, and never a space.
pub fn write_id(raw: &str) -> String {
    if valid(raw) && !raw.contains('%') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len() + 8);
    for b in raw.bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('%'); // the empty id: '%' alone is no escape, so no other id writes it
    }
    out
}

/// Whether `id` can sit in the ids string: not empty, printable ASCII, no space.
pub fn valid(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A call's ids string, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppliedIds<'a> {
    /// The last rev a write handed out for the call (counted as a stored rev is: canonical
    /// digits below [`MAX_REV`]); `None` when the string does not know one.
    pub rev: Option<u64>,
    raw: &'a str,
    count: usize,
    /// The ids, oldest first, each followed by [`SEP`].
    list: &'a str,
}

impl<'a> AppliedIds<'a> {
    /// Reads the stored string (`None`: the key is absent), as the script's pattern
    /// `^(%d*):(%d+) (.*)$` with a count of at most [`WRITE_IDS_KEPT`] does.
    pub fn parse(v: Option<&'a str>) -> AppliedIds<'a> {
        let Some(v) = v else { return AppliedIds::default() };
        let empty = AppliedIds { raw: v, ..AppliedIds::default() };
        let Some((head, list)) = v.split_once(SEP) else { return empty };
        let Some((rev, count)) = head.split_once(':') else { return empty };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let count_ok = (1..=3).contains(&count.len()) && digits(count);
        let count = count.parse::<usize>().unwrap_or(usize::MAX);
        if !count_ok || !digits(rev) || count > WRITE_IDS_KEPT {
            return empty;
        }
        AppliedIds { rev: counted(rev), raw: v, count, list }
    }

    /// Whether `id` was applied: `" id "` is in the stored string, as the script looks for it
    /// (in a string of the right shape, only a kept id matches).
    pub fn contains(&self, id: &str) -> bool {
        self.raw.contains(&format!("{SEP}{id}{SEP}"))
    }

    /// The string after applying `id`: the oldest id dropped when [`WRITE_IDS_KEPT`] are kept,
    /// `id` added last, and `rev` as the head (`None`: unknown).
    pub fn with(&self, id: &str, rev: Option<u64>) -> String {
        let mut list = self.list;
        let mut count = self.count;
        if count >= WRITE_IDS_KEPT {
            list = list.split_once(SEP).map_or("", |(_, rest)| rest);
            count = WRITE_IDS_KEPT - 1;
        }
        let rev = rev.map(|r| r.to_string()).unwrap_or_default();
        format!("{rev}:{}{SEP}{list}{id}{SEP}", count + 1)
    }
}

/// Canonical digits (no leading zero) below [`MAX_REV`], as the script counts a rev.
fn counted(d: &str) -> Option<u64> {
    let canonical = (1..=16).contains(&d.len()) && (d.len() == 1 || !d.starts_with('0'));
    canonical.then(|| d.parse().ok()).flatten().filter(|&r| r < MAX_REV)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_ids_are_space_free() {
        assert_eq!(write_id("mh3k2-abc"), "mh3k2-abc");
        assert_eq!(write_id("idem:tok-1"), "idem:tok-1");
        assert_eq!(write_id("idem:a b"), "idem:a%20b");
        assert_eq!(write_id("idem:a%20b"), "idem:a%2520b");
        assert_eq!(write_id("é\n"), "%C3%A9%0A");
        assert_eq!(write_id(""), "%");
        for raw in ["idem:a b", "", "#x", "idem:é", "a\nb", "%"] {
            assert!(valid(&write_id(raw)), "{raw:?}");
        }
    }

    #[test]
    fn the_string_keeps_the_last_ids_and_the_rev() {
        let empty = AppliedIds::parse(None);
        assert_eq!(empty.rev, None);
        let one = empty.with("w1", Some(5));
        assert_eq!(one, "5:1 w1 ");
        let two = AppliedIds::parse(Some(&one)).with("w2", None);
        assert_eq!(two, ":2 w1 w2 ");
        let parsed = AppliedIds::parse(Some(&two));
        assert!(parsed.contains("w1") && parsed.contains("w2") && !parsed.contains("w"));
        assert!(!parsed.contains("2"), "the head is not an id");
        let mut s = AppliedIds::default().with("w-0", Some(1));
        for i in 1..=WRITE_IDS_KEPT {
            s = AppliedIds::parse(Some(&s)).with(&format!("w-{i}"), Some(1 + i as u64));
        }
        let full = AppliedIds::parse(Some(&s));
        assert!(!full.contains("w-0") && full.contains("w-1") && full.contains("w-128"));
        assert_eq!(full.rev, Some(1 + WRITE_IDS_KEPT as u64));
        assert!(s.starts_with(&format!("129:{WRITE_IDS_KEPT} w-1 ")));
        // Any other shape reads as empty.
        for bad in ["not a list", "5:129 a ", "x:1 a ", "5:1", "5:0001 a "] {
            let read = AppliedIds::parse(Some(bad));
            assert_eq!((read.rev, read.count, read.list), (None, 0, ""), "{bad}");
            assert_eq!(read.with("w", Some(7)), "7:1 w ");
        }
        assert_eq!(AppliedIds::parse(Some("042:1 a ")).rev, None);
        assert_eq!(AppliedIds::parse(Some("9007199254740991:1 a ")).rev, None);
    }
}
