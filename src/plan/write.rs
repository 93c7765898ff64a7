//! A planned write, typed: which keys, which write id, and what kind of write — and the one
//! place its script arguments are laid out.

use crate::codec::{MAX_REV, REV_PREFIX};
use crate::command::{Command, eval, evalsha};
use crate::scripts::{WRITE_SCRIPT, WRITE_SCRIPT_SHA1};
use crate::time::Timestamp;

/// A call's three keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The state key.
    pub state: String,
    /// The key of the call's applied write ids.
    pub ids: String,
    /// The key marking the call ended (writes after it are refused).
    pub end: String,
}

/// A state as a write carries it: the stored text after the revision digits, and what the
/// script reads from the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The value after its rev digits: `,"lastUpdated":…}`.
    pub text: String,
    /// `lastUpdated` of the state, in ms since the epoch.
    pub last_updated: Timestamp,
    /// Seconds the state lives (its stage's TTL).
    pub ttl: u32,
}

/// What a compare-and-set expects to find stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// No value.
    Absent,
    /// A value with this `rev` (above 0) in its prefix.
    Rev(u64),
    /// Exactly this text: a value without a prefixed `rev`, or with rev 0 (two rev-0 values can
    /// differ, so only the text tells them apart).
    Value(String),
}

/// What a write does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    /// Write `body` unless the stored state is newer (`STALE`), or not readable by the script
    /// (`CHECK`: decode it and send a compare-and-set instead).
    Save {
        /// The state written.
        body: Body,
    },
    /// Write `next` (`None`: delete) only if the stored value is what `guard` expects.
    Cas {
        /// What the write expects to find.
        guard: Guard,
        /// The state written, or `None` to delete it.
        next: Option<Body>,
        /// Keep the state key's remaining TTL (a migration's write-back on a plain read).
        keep_ttl: bool,
    },
    /// Mark the call ended; its keys now expire in `keep` seconds at the latest.
    End {
        /// Seconds the call's keys are kept (a TTL only ever shortens).
        keep: u32,
    },
    /// Delete the state, ended or not.
    Del,
}

/// A planned write: what the store sends, by script or by the `WATCH` fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The call's keys.
    pub keys: Keys,
    /// The store's id for this write (random, reused across its retries).
    pub write_id: String,
    /// What it does.
    pub kind: WriteKind,
    /// Seconds the write ids (and a delete's) live: the codec's default TTL.
    pub ids_ttl: u32,
}

impl Write {
    /// The `EVALSHA` command; on a `NOSCRIPT` reply send [`Write::eval`] instead.
    pub fn evalsha(&self) -> Command {
        evalsha(WRITE_SCRIPT_SHA1, self.args())
    }

    /// The same write as `EVAL` with the script text.
    pub fn eval(&self) -> Command {
        eval(&WRITE_SCRIPT, self.args())
    }

    /// The state written, if any.
    pub fn body(&self) -> Option<&Body> {
        match &self.kind {
            WriteKind::Save { body } | WriteKind::Cas { next: Some(body), .. } => Some(body),
            _ => None,
        }
    }

    /// Seconds the keys live after the write.
    pub fn ttl(&self) -> u32 {
        match &self.kind {
            WriteKind::End { keep } => *keep,
            _ => self.body().map_or(self.ids_ttl, |b| b.ttl),
        }
    }

    /// The value this write stores once applied with revision `rev` (`None`: it stores none).
    pub fn value(&self, rev: u64) -> Option<String> {
        self.body().map(|b| format!("{REV_PREFIX}{rev}{}", b.text))
    }

    /// Where the body sits in [`Write::evalsha`]'s command: after verb, script, key count, the
    /// three keys, and the mode ([`Write::args`] lays them out).
    pub const BODY_ARG: usize = 7;

    /// The script's arguments: keys, then mode, body, `lastUpdated`, TTL (`k<n>`: keep the
    /// key's TTL), write id, guard (`''`, `r<rev>` or `v<value>`).
    fn args(&self) -> [String; 9] {
        let (mode, guard, keep_ttl) = match &self.kind {
            WriteKind::Save { .. } => ("save", String::new(), false),
            WriteKind::Cas { guard, keep_ttl, .. } => ("cas", guard_arg(guard), *keep_ttl),
            WriteKind::End { .. } => ("end", String::new(), false),
            WriteKind::Del => ("del", String::new(), false),
        };
        let body = self.body();
        let ttl = self.ttl();
        [
            self.keys.state.clone(),
            self.keys.ids.clone(),
            self.keys.end.clone(),
            mode.into(),
            body.map(|b| b.text.clone()).unwrap_or_default(),
            body.map(|b| b.last_updated.to_iso()).unwrap_or_default(),
            if keep_ttl { format!("k{ttl}") } else { ttl.to_string() },
            self.write_id.clone(),
            guard,
        ]
    }
}

fn guard_arg(guard: &Guard) -> String {
    match guard {
        Guard::Absent => String::new(),
        Guard::Rev(rev) => format!("r{rev}"),
        Guard::Value(v) => format!("v{v}"),
    }
}

impl Guard {
    /// The guard a compare-and-set carries for a value read as `prev`.
    pub fn of(prev: Option<&str>) -> Guard {
        match prev {
            None => Guard::Absent,
            Some(v) => match prefix_rev(v) {
                Some(rev) if rev > 0 => Guard::Rev(rev),
                _ => Guard::Value(v.to_string()),
            },
        }
    }

    /// Whether `cur` (the stored value, if any) is what the guard expects.
    pub fn holds(&self, cur: Option<&str>) -> bool {
        match (self, cur) {
            (Guard::Absent, cur) => cur.is_none(),
            (Guard::Rev(rev), Some(cur)) => prefix_rev(cur) == Some(*rev),
            (Guard::Value(v), Some(cur)) => v == cur,
            (_, None) => false,
        }
    }
}

/// The `rev` in the fixed prefix, if the value has one that counts: canonical digits below
/// [`MAX_REV`], so the next rev is one the codec reads (the script's rule; any other value is
/// compared by its text, and a save must check it).
pub(crate) fn prefix_rev(v: &str) -> Option<u64> {
    let rest = v.strip_prefix(REV_PREFIX)?;
    let digits = rest.find(|c: char| !c.is_ascii_digit())?;
    let text = &rest[..digits];
    let canonical = (1..=16).contains(&digits) && (digits == 1 || !text.starts_with('0'));
    if !canonical || rest.as_bytes()[digits] != b',' {
        return None;
    }
    text.parse().ok().filter(|&rev| rev < MAX_REV)
}

/// The `lastUpdated` right after the prefix, as the script reads it: only after a rev that
/// counts, only closed by its quote, and only in `toISOString()`'s shape (where text order is
/// time order). Anything else is a value a save must check (decode) first.
pub(crate) fn prefix_last_updated(v: &str) -> Option<&str> {
    prefix_rev(v)?;
    let rest = v.strip_prefix(REV_PREFIX)?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix(",\"lastUpdated\":\"")?;
    let lu = &rest[..rest.find('"')?];
    iso_shape(lu).then_some(lu)
}

/// `dddd-dd-ddTdd:dd:dd.dddZ`, the script's pattern.
fn iso_shape(s: &str) -> bool {
    const SHAPE: &[u8; 24] = b"0000-00-00T00:00:00.000Z";
    s.len() == SHAPE.len()
        && s.bytes().zip(SHAPE).all(|(c, &p)| if p == b'0' { c.is_ascii_digit() } else { c == p })
}
