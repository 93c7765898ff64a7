//! Redis keys (SPEC §5): prefix + SID, optionally hash-tagged for Redis Cluster.

use crate::error::Error;
use crate::field;
use crate::options::CodecOptions;

/// The key holding a call's state.
pub(crate) fn state_key(o: &CodecOptions, call_sid: &str) -> Result<String, Error> {
    field::check_call_sid(call_sid, o.call_sid)?;
    let mut key = String::with_capacity(o.key_prefix.len() + call_sid.len() + 2);
    key.push_str(&o.key_prefix);
    if o.hash_tag {
        key.push('{');
        key.push_str(call_sid);
        key.push('}');
    } else {
        key.push_str(call_sid);
    }
    Ok(key)
}

/// The key holding the ids of the last writes applied to a call (exactly-once, SPEC §7) as one
/// string (`plan::ids`); in the same cluster slot as the state key when `hashTag` is on. (Before
/// write script v8 they were a list at `<key>:w`: a new name, so a list left there by an older
/// version is never read as a string, and expires on its own.)
pub(crate) fn write_ids_key(state_key: &str) -> String {
    format!("{state_key}:ids")
}

/// The key whose presence marks a call ended (`endCall`); same slot as the state key.
pub(crate) fn end_key(state_key: &str) -> String {
    format!("{state_key}:end")
}

/// The SID in `key`, if `key` is a state key of these options.
pub(crate) fn call_sid_of<'k>(o: &CodecOptions, key: &'k str) -> Option<&'k str> {
    let rest = key.strip_prefix(o.key_prefix.as_str())?;
    let sid = if o.hash_tag { rest.strip_prefix('{')?.strip_suffix('}')? } else { rest };
    field::check_call_sid(sid, o.call_sid).ok().map(|()| sid)
}

/// The Redis Cluster slot of `key` (CRC16/XMODEM of its hash tag, or of the whole key, mod
/// 16384), so the store can reach the node that owns a call's keys for a `WATCH` transaction.
pub fn cluster_slot(key: &str) -> u16 {
    let bytes = key.as_bytes();
    let tagged = bytes.iter().position(|&b| b == b'{').and_then(|open| {
        let close = bytes[open + 1..].iter().position(|&b| b == b'}')?;
        (close > 0).then(|| &bytes[open + 1..open + 1 + close])
    });
    crc16(tagged.unwrap_or(bytes)) % 16384
}

/// The key a command is routed by in a Redis Cluster: `EVAL`/`EVALSHA`'s first key (none with
/// zero keys), none for commands without keys (`MULTI`, `EXEC`, `UNWATCH`, `TIME`, `WAIT`,
/// `SCAN`, …), else the first argument.
pub fn first_key(argv: &[String]) -> Option<&str> {
    let verb = argv.first()?.to_ascii_uppercase();
    match verb.as_str() {
        "EVAL" | "EVALSHA" => {
            (argv.get(2)?.parse::<u32>().ok()? > 0).then(|| argv.get(3).map(String::as_str))?
        }
        "MULTI" | "EXEC" | "DISCARD" | "UNWATCH" | "TIME" | "WAIT" | "SCAN" | "PING" | "INFO" => {
            None
        }
        _ => argv.get(1).map(String::as_str),
    }
}

/// CRC16/XMODEM (polynomial 0x1021, initial 0), as Redis Cluster uses it.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_redis() {
        // Values from `CLUSTER KEYSLOT` on redis-server 7.0.
        assert_eq!(cluster_slot("123456789"), 12739);
        assert_eq!(cluster_slot("foo"), 12182);
        assert_eq!(cluster_slot("call_state:{CA1}"), cluster_slot("CA1"));
        assert_eq!(cluster_slot("call_state:{CA1}:w"), cluster_slot("call_state:{CA1}:end"));
        assert_eq!(cluster_slot("a{}b"), cluster_slot("a{}b"));
        assert_ne!(cluster_slot("a{}b"), cluster_slot(""));
    }

    #[test]
    fn commands_route_by_their_first_key() {
        let argv = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(first_key(&argv(&["EVALSHA", "abc", "3", "k1", "k2", "k3", "x"])), Some("k1"));
        assert_eq!(first_key(&argv(&["EVAL", "return 1", "0"])), None);
        assert_eq!(first_key(&argv(&["GET", "k"])), Some("k"));
        assert_eq!(first_key(&argv(&["MULTI"])), None);
        assert_eq!(first_key(&argv(&["WAIT", "1", "100"])), None);
    }
}
