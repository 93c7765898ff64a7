//! The Lua scripts the plans send, their SHA1s for `EVALSHA`, and the commands that carry them.
//! What each script does, and why it reads the fixed prefix, is in [`crate::plan`]; the same
//! logic in Rust, for the `WATCH`/`MULTI` fallback, is [`crate::plan::fallback`].

use std::sync::LazyLock;

use crate::command::Command;

/// How many applied write ids are remembered per call (SPEC §7, exactly once). A retry or a
/// resent command is recognised as long as fewer than this many other writes to the same call
/// landed in between: an IVR call writes a few times a minute, a racing load a few hundred
/// times a second. (8 was too few: under `CLIENT KILL` with 8 racing writers an id fell out of
/// the list before its retry, and the retry applied the update a second time.)
pub const WRITE_IDS_KEPT: usize = 128;

/// The write script: save (blind, stale-checked), compare-and-set, end or delete, exactly once.
/// Its list length is spliced from [`WRITE_IDS_KEPT`].
pub static WRITE_SCRIPT: LazyLock<String> =
    LazyLock::new(|| WRITE_SCRIPT_TEMPLATE.replace("{LAST_ID}", &(WRITE_IDS_KEPT - 1).to_string()));

const WRITE_SCRIPT_TEMPLATE: &str = r#"-- callstate write v7. KEYS: state, write ids, end marker.
-- ARGV: mode (save|cas|end|del), body after the rev digits ('' = delete), lastUpdated,
--       ttl (seconds; 'k'..n keeps the state's TTL), write id,
--       guard ('' = absent, 'r'..rev, 'v'..whole value)
local cur = redis.call('GET', KEYS[1])
if redis.call('LPOS', KEYS[2], ARGV[5]) then
  -- Touch the write ids (same TTL) so a WAIT after a duplicate covers the write it found:
  -- Valkey 8 advances a connection's replication offset only for commands that propagate.
  local t = redis.call('PTTL', KEYS[2])
  if t > 0 then redis.call('PEXPIRE', KEYS[2], t) end
  return {'DUP', cur}
end
if ARGV[1] ~= 'del' and redis.call('EXISTS', KEYS[3]) == 1 then return {'ENDED', cur} end
-- A prefixed rev counts only in its canonical form below 2^53-1 (so rev + 1 is one a double
-- holds and the codec reads); any other value is compared by its text, and a save must CHECK it.
local rev = string.match(cur or '', '^{"schemaVersion":3,"rev":(%d+),')
if rev and (#rev > 16 or (#rev > 1 and string.sub(rev, 1, 1) == '0')
    or tonumber(rev) >= 9007199254740991) then rev = nil end
if ARGV[1] == 'cas' then
  local g, ok = ARGV[6], false
  if g == '' then ok = not cur
  elseif string.sub(g, 1, 1) == 'r' then ok = rev == string.sub(g, 2)
  else ok = cur == string.sub(g, 2) end
  if not ok then return {'CONFLICT', cur} end
elseif ARGV[1] == 'save' and cur then
  -- lastUpdated is compared as text, which orders as time only in toISOString()'s form.
  local lu = rev and string.match(cur, '^{"schemaVersion":3,"rev":%d+,"lastUpdated":"([^"]*)"')
  if not (lu and string.match(lu, '^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$')) then
    return {'CHECK', cur}
  end
  if ARGV[3] < lu then return {'STALE', lu} end
end
local keep = string.sub(ARGV[4], 1, 1) == 'k'
local ttl = keep and string.sub(ARGV[4], 2) or ARGV[4]
local nrev = rev or '0'
redis.call('LPUSH', KEYS[2], ARGV[5])
redis.call('LTRIM', KEYS[2], 0, {LAST_ID})
if ARGV[1] == 'end' then
  redis.call('SET', KEYS[3], '1', 'EX', ttl)
  for i = 1, 2 do
    local t = redis.call('TTL', KEYS[i])
    if t == -1 or t > tonumber(ttl) then redis.call('EXPIRE', KEYS[i], ttl) end
  end
else
  local t = redis.call('TIME')
  local n = tonumber(t[1]) * 1000000 + tonumber(t[2])
  if rev and tonumber(rev) + 1 > n then n = tonumber(rev) + 1 end
  nrev = string.format('%.0f', n)
  if ARGV[2] == '' then redis.call('DEL', KEYS[1])
  elseif keep then redis.call('SET', KEYS[1], '{"schemaVersion":3,"rev":' .. nrev .. ARGV[2], 'KEEPTTL')
  else redis.call('SET', KEYS[1], '{"schemaVersion":3,"rev":' .. nrev .. ARGV[2], 'EX', ttl) end
  redis.call('EXPIRE', KEYS[2], ttl)
end
return {'OK', nrev}
"#;

/// SHA1 of [`WRITE_SCRIPT`], for `EVALSHA` (checked by a test).
pub const WRITE_SCRIPT_SHA1: &str = "f69c9f668d3c97a44218a3ba48bad6f07f7d614e";

/// The extend script: `TTL`, the SPEC §6 rule, `EXPIRE`, in one step.
pub const EXTEND_SCRIPT: &str = r#"-- callstate extend v2. KEYS: state, write ids, end marker. ARGV: add, max
if redis.call('EXISTS', KEYS[3]) == 1 then return false end
local cur = redis.call('TTL', KEYS[1])
if cur <= 0 then return false end
local n = math.max(math.min(cur + tonumber(ARGV[1]), tonumber(ARGV[2])), cur)
redis.call('EXPIRE', KEYS[1], n)
redis.call('EXPIRE', KEYS[2], n)
return n
"#;

/// SHA1 of [`EXTEND_SCRIPT`] (checked by a test).
pub const EXTEND_SCRIPT_SHA1: &str = "df0167d0de6d7db4b2114d72998b66390cc20a2c";

/// The `EVAL` form of an `EVALSHA` command this module planned (after a `NOSCRIPT` reply).
pub fn eval_fallback(command: &[String]) -> Option<Command> {
    let script = match command.get(1)?.as_str() {
        WRITE_SCRIPT_SHA1 => WRITE_SCRIPT.as_str(),
        EXTEND_SCRIPT_SHA1 => EXTEND_SCRIPT,
        _ => return None,
    };
    (command.first()? == "EVALSHA").then(|| {
        let mut cmd = command.to_vec();
        cmd[0] = "EVAL".into();
        cmd[1] = script.into();
        cmd
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_hashes_match_their_text() {
        assert_eq!(
            sha1_smol::Sha1::from(WRITE_SCRIPT.as_str()).digest().to_string(),
            WRITE_SCRIPT_SHA1
        );
        assert_eq!(sha1_smol::Sha1::from(EXTEND_SCRIPT).digest().to_string(), EXTEND_SCRIPT_SHA1);
    }

    #[test]
    fn the_write_id_list_length_comes_from_rust() {
        let trim = format!("redis.call('LTRIM', KEYS[2], 0, {})", WRITE_IDS_KEPT - 1);
        assert!(WRITE_SCRIPT.contains(&trim), "{trim}");
        assert!(!WRITE_SCRIPT.contains("{LAST_ID}"));
    }
}
