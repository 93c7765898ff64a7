//! Timestamps at millisecond precision, written as `toISOString()` writes them.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use crate::error::Error;

/// An instant at millisecond precision, years 0000–9999 (what RFC 3339 can write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The instant `ms` milliseconds after the Unix epoch, if RFC 3339 can write it.
    pub fn from_millis(ms: i64) -> Option<Timestamp> {
        DateTime::from_timestamp_millis(ms)
            .filter(|d| (0..=9999).contains(&d.year()))
            .map(Timestamp)
    }

    /// Milliseconds since the Unix epoch (what `Date.prototype.getTime` returns).
    pub fn millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The chrono value.
    pub fn datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Reads RFC 3339 (`T`/`t`, `Z`/`z` or an offset; no space), truncating past milliseconds.
    ///
    /// `path` names the field for the error.
    pub fn parse(s: &str, path: &str) -> Result<Timestamp, Error> {
        if let Some(t) = iso_fast(s.as_bytes()) {
            return Ok(t);
        }
        if s.as_bytes().get(10) != Some(&b'T') && s.as_bytes().get(10) != Some(&b't') {
            return Err(Error::date(path, "not an RFC 3339 date-time"));
        }
        let parsed = DateTime::parse_from_rfc3339(s)
            .map_err(|_| Error::date(path, "not an RFC 3339 date-time"))?;
        let ms = parsed.timestamp_millis();
        Timestamp::from_millis(ms).ok_or_else(|| Error::date(path, "year outside 0000-9999"))
    }

    /// Appends the `toISOString()` form, `2024-03-15T14:30:22.000Z`.
    pub fn write(self, out: &mut String) {
        let d = self.0;
        let (y, mo, da) = (d.year() as u32, d.month(), d.day());
        let (h, mi, s, ms) = (d.hour(), d.minute(), d.second(), d.timestamp_subsec_millis());
        let mut buf = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut v: u32| {
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y);
        put(5, 2, mo);
        put(8, 2, da);
        put(11, 2, h);
        put(14, 2, mi);
        put(17, 2, s);
        put(20, 3, ms);
        // Only ASCII digits and punctuation were written, so the bytes are UTF-8.
        if let Ok(text) = std::str::from_utf8(&buf) {
            out.push_str(text);
        }
    }

    /// The `toISOString()` form.
    pub fn to_iso(self) -> String {
        let mut s = String::with_capacity(24);
        self.write(&mut s);
        s
    }
}

/// Whether `s` is a valid date in the exact `toISOString()` form (so it is written back as is).
pub(crate) fn is_iso_form(s: &str) -> bool {
    iso_fast(s.as_bytes()).is_some()
}

/// Parses the exact 24-byte `toISOString()` form without a general parser.
fn iso_fast(b: &[u8]) -> Option<Timestamp> {
    if b.len() != 24 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'.' || b[23] != b'Z' {
        return None;
    }
    let num = |at: usize, width: usize| -> Option<u32> {
        b[at..at + width]
            .iter()
            .try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
    let time = date.and_hms_milli_opt(num(11, 2)?, num(14, 2)?, num(17, 2)?, num(20, 3)?)?;
    Some(Timestamp(time.and_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Result<String, String> {
        Timestamp::parse(s, "lastUpdated").map(Timestamp::to_iso).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_rfc3339_and_writes_iso() {
        assert_eq!(iso("2024-03-15T14:30:22.000Z").as_deref(), Ok("2024-03-15T14:30:22.000Z"));
        assert_eq!(iso("2024-03-15T20:00:22+05:30").as_deref(), Ok("2024-03-15T14:30:22.000Z"));
        assert_eq!(iso("2024-03-15t14:30:22.123999z").as_deref(), Ok("2024-03-15T14:30:22.123Z"));
        assert!(iso("2024-03-15 14:30:22Z").is_err());
        assert!(iso("2024-03-15T14:30:22").is_err());
        assert!(iso("2024-02-30T14:30:22.000Z").is_err());
        assert!(iso("0000-01-01T00:00:00+01:00").is_err());
    }
}
