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
/// The number of ids it keeps is spliced from [`WRITE_IDS_KEPT`]; the ids string's shape is
/// [`crate::plan::ids`]'s.
pub static WRITE_SCRIPT: LazyLock<String> =
    LazyLock::new(|| WRITE_SCRIPT_TEMPLATE.replace("{KEPT}", &WRITE_IDS_KEPT.to_string()));

const WRITE_SCRIPT_TEMPLATE: &str = r#"-- callstate write v8. KEYS: state, write ids, end marker.
-- ARGV: mode (save|cas|end|del), body after the rev digits ('' = delete), lastUpdated,
--       ttl (seconds; 'k'..n keeps the state's TTL), write id (never a space),
--       guard ('' = absent, 'r'..rev, 'v'..whole value)
-- The write ids are one string: '<last rev handed out>:<count> <id> ... <id> ' (oldest first).
local cur = redis.call('GET', KEYS[1])
local ids = redis.call('GET', KEYS[2])
if ids and string.find(ids, ' ' .. ARGV[5] .. ' ', 1, true) then
  -- Touch the write ids (same TTL) so a WAIT after a duplicate covers the write it found:
  -- Valkey 8 advances a connection's replication offset only for commands that propagate.
  local t = redis.call('PTTL', KEYS[2])
  if t > 0 then redis.call('PEXPIRE', KEYS[2], t) end
  return {'DUP', cur}
end
if ARGV[1] ~= 'del' and redis.call('EXISTS', KEYS[3]) == 1 then return {'ENDED', cur} end
-- A rev counts only in its canonical form below 2^53-1 (so rev + 1 is one a double holds and
-- the codec reads); a stored value with any other is compared by its text, and a save must CHECK it.
local function counted(d)
  if d and (#d > 16 or #d == 0 or (#d > 1 and string.sub(d, 1, 1) == '0')
      or tonumber(d) >= 9007199254740991) then return nil end
  return d
end
local rev = counted(string.match(cur or '', '^{"schemaVersion":3,"rev":(%d+),'))
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
-- The ids string read: the last rev handed out (h), the count, where the ids start (at); any
-- other shape is empty. The oldest id falls out when {KEPT} are kept.
local h, n, at, list = nil, 0, nil, ''
if ids then
  local hh, nn, p = string.match(ids, '^(%d*):(%d%d?%d?) ()')
  if nn and tonumber(nn) <= {KEPT} then h, n, at = counted(hh), tonumber(nn), p end
end
if at and n >= {KEPT} then
  local p = string.find(ids, ' ', at, true)
  at = p and p + 1
  n = {KEPT} - 1
end
if at then list = string.sub(ids, at) end
local nrev = rev or '0'
if ARGV[1] == 'end' then
  redis.call('SET', KEYS[3], '1', 'EX', ttl)
  local t = redis.call('TTL', KEYS[1])
  if t == -1 or t > tonumber(ttl) then redis.call('EXPIRE', KEYS[1], ttl) end
  t = redis.call('TTL', KEYS[2])
  local v = (h or '') .. ':' .. (n + 1) .. ' ' .. list .. ARGV[5] .. ' '
  if t < 0 or t > tonumber(ttl) then redis.call('SET', KEYS[2], v, 'EX', ttl)
  else redis.call('SET', KEYS[2], v, 'KEEPTTL') end
else
  -- The next rev: one past the last handed out (kept with the ids, so past a delete too), or
  -- where the ids do not know it (a new call), max(rev + 1, server TIME in µs).
  local r
  if h then
    r = math.max(tonumber(h), tonumber(rev or '0')) + 1
  else
    local t = redis.call('TIME')
    r = tonumber(t[1]) * 1000000 + tonumber(t[2])
    if rev and tonumber(rev) + 1 > r then r = tonumber(rev) + 1 end
  end
  nrev = string.format('%.0f', r)
  if ARGV[2] == '' then redis.call('DEL', KEYS[1])
  elseif keep then redis.call('SET', KEYS[1], '{"schemaVersion":3,"rev":' .. nrev .. ARGV[2], 'KEEPTTL')
  else redis.call('SET', KEYS[1], '{"schemaVersion":3,"rev":' .. nrev .. ARGV[2], 'EX', ttl) end
  redis.call('SET', KEYS[2], nrev .. ':' .. (n + 1) .. ' ' .. list .. ARGV[5] .. ' ', 'EX', ttl)
end
return {'OK', nrev}
"#;

/// SHA1 of [`WRITE_SCRIPT`], for `EVALSHA` (checked by a test).
pub const WRITE_SCRIPT_SHA1: &str = "39ba68c47e178cc590c396de93f7adb12b5e2216";

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

/// The restore script: put a backed-up value back unless the call has ended meanwhile — the
/// end-marker check and the `SET` in one step, so an `endCall` landing between them cannot be
/// undone by a restore. Replies `OK`, `EXISTS` (kept: `NX`) or `ENDED`.
pub const RESTORE_SCRIPT: &str = r#"-- callstate restore v1. KEYS: state, write ids, end marker. ARGV: value, pttl ms, nx
if redis.call('EXISTS', KEYS[3]) == 1 then return 'ENDED' end
if ARGV[3] == '1' then
  if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 'OK' end
  return 'EXISTS'
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'OK'
"#;

/// SHA1 of [`RESTORE_SCRIPT`] (checked by a test).
pub const RESTORE_SCRIPT_SHA1: &str = "f1d1975ad35b14be317f2db9eba745f99096679e";

/// The `EVAL` form of an `EVALSHA` command this module planned (after a `NOSCRIPT` reply).
pub fn eval_fallback(command: &[String]) -> Option<Command> {
    let script = match command.get(1)?.as_str() {
        WRITE_SCRIPT_SHA1 => WRITE_SCRIPT.as_str(),
        EXTEND_SCRIPT_SHA1 => EXTEND_SCRIPT,
        RESTORE_SCRIPT_SHA1 => RESTORE_SCRIPT,
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
        let restore = sha1_smol::Sha1::from(RESTORE_SCRIPT).digest().to_string();
        assert_eq!(restore, RESTORE_SCRIPT_SHA1);
    }

    #[test]
    fn the_number_of_write_ids_kept_comes_from_rust() {
        let trim = format!("if at and n >= {} then", WRITE_IDS_KEPT);
        assert!(WRITE_SCRIPT.contains(&trim), "{trim}");
        assert!(!WRITE_SCRIPT.contains("{KEPT}"));
    }
}
