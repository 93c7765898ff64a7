#!/usr/bin/env python3
"""Writes tests/vectors/plans.json: the write script's contract as data (issue 13, "Plan vectors
held to Lua"). Standard library only:

    python3 tests/vectors/generate_plans.py      # rewrites plans.json, prints the vector count

Three runners replay the file and must agree with it and so with each other:
  - tests/plan_vectors.rs: the core's plan + WATCH-fallback decision, on an in-memory model of the
    keys with a fixed server TIME;
  - bindings/js/test/plan-vectors.test.mjs: the REAL Lua (EVALSHA) on a redis-server, and the
    WATCH/MULTI fallback (the core's reads and decision, then MULTI/EXEC) on the same server.

Where the expectations come from: `lua_write` below is a line-by-line reading of the write script
(src/scripts.rs, WRITE_SCRIPT v8) over a dict of keys, written from the Lua text and SPEC §7, not
from the Rust. On top of it, EXPECTED_STATUS is a hand-written table of the first reply's status
for every grid cell: generation stops if the model disagrees with it, so neither a slip in the
model nor one in the table reaches the file unnoticed. The new `rev` is one past the last rev
the write ids string keeps (a known number); where it keeps none, it depends on the server's
TIME, so it is written as `<rev>` with the rule in `newRev` (see DESCRIPTION), never as a number
that cannot be known; a rev ahead of any clock (year 2100) gives a known `old + 1`.
"""

import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'plans.json')

SID = 'CAplanvec1'
WRITE_ID = 'w1'
PREFIX = '{"schemaVersion":3,"rev":'
WRITE_IDS_KEPT = 128            # src/scripts.rs, spliced into the Lua's `if n >= 128`
DEFAULT_TTL = 3600              # a delete (and an update to null) sets the write ids' TTL to this
STAGE_TTL = 600                 # ASK_ACTION, the stage of every state written here
KEEP_SECONDS = 300              # endCall's keepSeconds
AHEAD = 4102444800000000        # a rev ahead of any server clock (2100-01-01 in µs)

DESCRIPTION = (
    'Plan vectors: the write script (src/scripts.rs WRITE_SCRIPT) as data. Written by '
    'generate_plans.py; replayed by tests/plan_vectors.rs (core plan + WATCH-fallback decision on a '
    'model of the keys) and bindings/js/test/plan-vectors.test.mjs (the real Lua and the WATCH/MULTI '
    'fallback on a redis-server). Each vector: set up `stored` (absent keys are null; ttl -1 = no '
    'expiry), plan the `write` with the default codec for call SID `sid`, send it `sends` times '
    '(2 = the same write, same write id, resent after the first reply), and compare every reply '
    'with `expect.replies` and the keys afterwards with `expect.keys` (TTLs in seconds, -1 = none; '
    'a real server may be 1 s below). The write ids key holds one string (src/plan/ids.rs): '
    '`<last rev handed out>:<count> <id> … <id> `, oldest first. `expect.plannedError` instead: '
    'planning the write fails with that error code and nothing is sent. A new rev is one past the '
    'larger of the stored rev and the last rev the write ids keep; where they keep none, `<rev>` in '
    'an expected string stands for the rev the write got, R, which must satisfy '
    'R = max(newRev.old + 1, T) where T is the server TIME in µs when the write ran (newRev.old '
    'null: the stored value had no prefixed rev, R = T). The state '
    'a write carries is given as JSON in the codec\'s own field order. `knownGaps`: vectors where '
    'the core\'s WATCH-fallback decision is known to differ from the Lua (the vector holds the Lua\'s '
    'answer); runners of the decision must fail exactly these. `cases` is empty: the '
    'codec runners read every file here as {cases}, and there are no codec cases in this one.'
)

NOTES = [
    'kinds: save = plan_save (blind, stale-checked on the server); update = plan_update (cas on the '
    'value read, `prev`); updateDelete = plan_update with next null; upgrade = plan_upgrade (cas '
    'that keeps the state key\'s TTL); end = plan_end (endCall, keepSeconds); delete = plan_delete.',
    'states: absent (nothing stored); current (a v3 value, rev 1700000000000042); stale (the same '
    'stored value, but the write was planned from an older read: rev …41 for update/upgrade, an '
    'older lastUpdated for save); rev0 (a v3 value with rev 0: compared by its text); '
    'rev0Other (rev 0 stored, the cas read a different rev-0 text); ahead (a rev ahead of the clock: '
    'the new rev is old + 1); ended (end marker present); foreign (the seed\'s unversioned JSON, no '
    'expiry); v2 (a schemaVersion 2 value); newer (schemaVersion 4); duplicate (the write id already '
    'in the ids); duplicateEnded (both); fullIds (the ids already hold as many ids as are '
    'kept, 128: the oldest falls out); deleted (no state, the ids keep the last rev: a re-create '
    'continues from it, ABA); restoredLower (a stored rev below the last handed out: the next is '
    'past the last); idsNoRev (ids that keep no rev: TIME); idsGarbage (a write-ids value of another '
    'shape: read as empty); revLeadingZero, revBeyondExact, revBeyondU64 (prefixed revs the '
    'codec refuses on decode: 042, 2^53 + 1, above u64; save and update only, first sends only).',
    'omitted cells: end × stale and delete × stale (neither carries a guard nor a lastUpdated, so the '
    'cell is the current cell); rev0Other only for update, updateDelete and upgrade (the only kinds '
    'that compare text); fullIds only for save and end (the trim is the same for every '
    'kind; two are enough to pin it); retry of a plannedError cell (nothing is sent).',
    'update × newer and upgrade × newer are refused when planned (UNSUPPORTED_VERSION: the plan '
    'reads the previous lastUpdated, SPEC §4 "never overwritten"); updateDelete × newer plans '
    '(no next state, nothing to compare) and the script deletes the value. The store never gets '
    'there (it decodes the value first and fails), but the plan alone does not refuse it.',
    'the delete script answers OK with a fresh rev even when nothing was stored (it stores that '
    'rev only in the write ids, so a re-create continues past it); a delete of an ended call '
    'removes the state but leaves the end marker.',
]


def st(minute, attempt):
    """State JSON as the codec writes it (lastUpdated first): the text a write carries."""
    return ('{"lastUpdated":"2024-03-15T14:%02d:00.000Z","callSid":"%s","stage":"ASK_ACTION",'
            '"attemptCount":%d,"language":"es"}' % (minute, SID, attempt))


def v3(rev, minute, attempt):
    return PREFIX + str(rev) + ',' + st(minute, attempt)[1:]


CUR_REV = 1700000000000042
CUR = v3(CUR_REV, 30, 1)
OLDER_READ = v3(CUR_REV - 1, 29, 0)      # what a stale update read before CUR was written
REV0 = v3(0, 30, 1)
REV0_OTHER = v3(0, 30, 7)                # another rev-0 text: same rev, not the same value
AHEAD_VALUE = v3(AHEAD, 30, 1)
FOREIGN = ('{"callSid":"%s","stage":"ASK_ACTION","attemptCount":1,'
           '"lastUpdated":"2024-03-15T14:30:00.000Z","language":"es"}' % SID)
V2 = ('{"schemaVersion":2,"callSid":"%s","stage":"EXECUTE_ACTION","attemptCount":1,'
      '"lastUpdated":"2024-03-15T14:30:00.000Z","language":"es","action":"pay bill"}' % SID)
NEWER = ('{"schemaVersion":4,"rev":7,"lastUpdated":"2024-03-15T14:30:00.000Z","callSid":"%s",'
         '"stage":"ASK_ACTION","attemptCount":1,"language":"es"}' % SID)
BEYOND_EXACT = 9007199254740993      # 2^53 + 1: a double cannot hold it
BEYOND_U64 = 123456789012345678901   # above u64::MAX
# A lastUpdated that decodes but is not in toISOString()'s form: an offset, a lowercase t. The
# script compares lastUpdated as text, which orders as time only in that form, so a save CHECKs.
LU_OFFSET = CUR.replace('2024-03-15T14:30:00.000Z', '2024-03-15T16:30:00.000+02:00')
LU_LOWER_T = CUR.replace('2024-03-15T14:30:00.000Z', '2024-03-15t14:30:00.000Z')
TRUNCATED = PREFIX + '%d,"lastUpdated":"2024-03-15T14:30:00.000Z' % CUR_REV   # no closing quote
REV_MAX = v3(2 ** 53 - 1, 30, 1)   # rev + 1 would be past what a double holds: not a rev
FULL_IDS = ['w-%03d' % i for i in range(WRITE_IDS_KEPT)]   # as many as are kept, oldest first
NEXT = st(31, 2)       # the state written by save/update/upgrade (newer than everything stored)
OLDER = st(29, 2)      # a save older than the stored state (the stale save)


def ids_value(rev, ids):
    """The write ids string (src/plan/ids.rs): last rev handed out ('' unknown), count, ids."""
    return '%s:%d %s' % ('' if rev is None else rev, len(ids), ''.join(i + ' ' for i in ids))


def keyset(state=None, state_ttl=None, ids=None, ids_ttl=None, end_ttl=None, last=None):
    """`last`: the last rev the write ids keep (None: they keep none)."""
    if isinstance(ids, list):
        ids = ids_value(last, ids)
    return {
        'state': None if state is None else {'value': state, 'ttl': state_ttl},
        'ids': None if ids is None else {'value': ids, 'ttl': ids_ttl},
        'end': None if end_ttl is None else {'value': '1', 'ttl': end_ttl},
    }


# The stored keys of each state, and what the write read (`prev`) for update/upgrade.
C = CUR_REV
STATES = {
    'absent': (keyset(), None),
    'current': (keyset(CUR, 1000, ['w-old'], 1000, last=C), CUR),
    'stale': (keyset(CUR, 1000, ['w-old'], 1000, last=C), OLDER_READ),
    'rev0': (keyset(REV0, 100, ['w-old'], 100), REV0),
    'rev0Other': (keyset(REV0, 100, ['w-old'], 100, last=C), REV0_OTHER),
    'ahead': (keyset(AHEAD_VALUE, 1000, ['w-old'], 1000), AHEAD_VALUE),
    'ended': (keyset(CUR, 1000, ['w-old'], 1000, end_ttl=200, last=C), CUR),
    'foreign': (keyset(FOREIGN, -1), FOREIGN),
    'v2': (keyset(V2, 2000, ['w-old'], 2000, last=C), V2),
    'newer': (keyset(NEWER, 1000), NEWER),
    'duplicate': (keyset(CUR, 1000, ['w-old', WRITE_ID], 1000, last=C), CUR),
    'duplicateEnded': (keyset(CUR, 1000, ['w-old', WRITE_ID], 1000, end_ttl=200, last=C), CUR),
    'fullIds': (keyset(CUR, 1000, FULL_IDS, 1000, last=C), CUR),
    'deleted': (keyset(None, None, ['w-old'], 1000, last=C), None),
    'restoredLower': (keyset(CUR, 1000, ['w-old'], 1000, last=C + 100), CUR),
    'idsNoRev': (keyset(CUR, 1000, ['w-old'], 1000), CUR),
    'idsGarbage': (keyset(CUR, 1000, 'not a list', 1000), CUR),
    # Prefixed revs the codec itself refuses (SPEC §4: a rev that is not a non-negative integer up
    # to MAX_REV is INVALID_FIELD; a leading zero is not JSON), which the script still reads.
    'revLeadingZero': (keyset(v3('042', 30, 1), 1000, ['w-old'], 1000), v3('042', 30, 1)),
    'revBeyondExact': (keyset(v3(BEYOND_EXACT, 30, 1), 1000, ['w-old'], 1000), v3(BEYOND_EXACT, 30, 1)),
    'revBeyondU64': (keyset(v3(BEYOND_U64, 30, 1), 1000, ['w-old'], 1000), v3(BEYOND_U64, 30, 1)),
    'luOffset': (keyset(LU_OFFSET, 1000, ['w-old'], 1000), LU_OFFSET),
    'luLowerT': (keyset(LU_LOWER_T, 1000, ['w-old'], 1000), LU_LOWER_T),
    'truncated': (keyset(TRUNCATED, 1000, ['w-old'], 1000), TRUNCATED),
    'revMax': (keyset(REV_MAX, 1000, ['w-old'], 1000), REV_MAX),
}
# First sends only for these (their retries add nothing).
NO_RETRY = {'revLeadingZero', 'revBeyondExact', 'revBeyondU64', 'luOffset', 'luLowerT', 'truncated',
            'revMax'}

# Where the core's WATCH-fallback decision (Rust) answers differently from the real Lua. The
# vectors hold the Lua's answer; the runners of the decision (tests/plan_vectors.rs and the WATCH
# path of plan-vectors.test.mjs) must FAIL exactly these, and fail when one passes (so the list
# cannot rot). Found by these vectors; see each reason.
KNOWN_GAPS = {}   # none since write script v7 (v5 had 5: revs the codec refuses)
KINDS = ['save', 'update', 'updateDelete', 'upgrade', 'end', 'delete']

# The first reply's status, written by hand from reading the Lua (None: the cell is omitted;
# 'PLAN:<code>': planning fails). Checked against lua_write below.
EXPECTED_STATUS = {
    #  state            save     update      updateDelete upgrade          end      delete
    'absent':         ('OK',    'OK',       'OK',        'CONFLICT',      'OK',    'OK'),
    'current':        ('OK',    'OK',       'OK',        'OK',            'OK',    'OK'),
    'stale':          ('STALE', 'CONFLICT', 'CONFLICT',  'CONFLICT',      None,    None),
    'rev0':           ('OK',    'OK',       'OK',        'OK',            'OK',    'OK'),
    'rev0Other':      (None,    'CONFLICT', 'CONFLICT',  'CONFLICT',      None,    None),
    'ahead':          ('OK',    'OK',       'OK',        'OK',            'OK',    'OK'),
    'ended':          ('ENDED', 'ENDED',    'ENDED',     'ENDED',         'ENDED', 'OK'),
    'foreign':        ('CHECK', 'OK',       'OK',        'OK',            'OK',    'OK'),
    'v2':             ('CHECK', 'OK',       'OK',        'OK',            'OK',    'OK'),
    'newer':          ('CHECK', 'PLAN:UNSUPPORTED_VERSION', 'OK', 'PLAN:UNSUPPORTED_VERSION', 'OK', 'OK'),
    'duplicate':      ('DUP',   'DUP',      'DUP',       'DUP',           'DUP',   'DUP'),
    'duplicateEnded': ('DUP',   'DUP',      'DUP',       'DUP',           'DUP',   'DUP'),
    'fullIds':        ('OK',    None,       None,        None,            'OK',    None),
    'deleted':        ('OK',    'OK',       'OK',        'CONFLICT',      'OK',    'OK'),
    'restoredLower':  ('OK',    'OK',       None,        None,            'OK',    'OK'),
    'idsNoRev':       ('OK',    'OK',       None,        None,            'OK',    'OK'),
    'idsGarbage':     ('OK',    None,       None,        None,            'OK',    None),
    'revLeadingZero': ('CHECK', 'PLAN:INVALID_JSON', None, None,          None,    None),
    'revBeyondExact': ('CHECK', 'PLAN:INVALID_FIELD', None, None,         None,    None),
    'revBeyondU64':   ('CHECK', 'PLAN:INVALID_FIELD', None, None,         None,    None),
    'luOffset':       ('CHECK', 'OK',       None,        None,            None,    None),
    'luLowerT':       ('CHECK', 'OK',       None,        None,            None,    None),
    'truncated':      ('CHECK', 'PLAN:INVALID_JSON', None, None,          None,    None),
    'revMax':         ('CHECK', 'OK',       None,        None,            None,    None),
}


def write_of(kind, state):
    """The write's arguments as the plan API takes them, and the script's ARGV it plans."""
    prev = STATES[state][1]
    if kind == 'save':
        text = OLDER if state == 'stale' else NEXT
        return ({'writeId': WRITE_ID, 'state': json.loads(text)},
                ('save', ',' + text[1:], lu_of(text), str(STAGE_TTL), ''))
    if kind in ('update', 'updateDelete', 'upgrade'):
        if kind == 'upgrade' and prev is None:
            prev = FOREIGN          # a value was read, then it vanished
        nxt = None if kind == 'updateDelete' else NEXT
        args = {'writeId': WRITE_ID, 'prev': prev, 'next': None if nxt is None else json.loads(nxt)}
        if nxt is None:
            argv = ('cas', '', '', str(DEFAULT_TTL), guard(prev))
        else:
            ttl = ('k' if kind == 'upgrade' else '') + str(STAGE_TTL)
            argv = ('cas', ',' + nxt[1:], lu_of(nxt), ttl, guard(prev))
        return args, argv
    if kind == 'end':
        return ({'writeId': WRITE_ID, 'keepSeconds': KEEP_SECONDS},
                ('end', '', '', str(KEEP_SECONDS), ''))
    if kind == 'delete':
        return {'writeId': WRITE_ID}, ('del', '', '', str(DEFAULT_TTL), '')
    raise ValueError(kind)


def lu_of(text):
    return json.loads(text)['lastUpdated']


MAX_REV = 2 ** 53 - 1


def prefix_rev(value):
    """The script's rev: the prefixed digits, counted only in canonical form up to MAX_REV."""
    m = re.match(r'\{"schemaVersion":3,"rev":(\d+),', value or '')
    rev = m and m.group(1)
    if rev is None or len(rev) > 16 or (len(rev) > 1 and rev[0] == '0') or int(rev) >= MAX_REV:
        return None
    return rev


def guard(prev):
    """SPEC §7: a value with a prefixed rev above 0 is compared by rev, any other by its text."""
    if prev is None:
        return ''
    rev = prefix_rev(prev)
    if rev is not None and int(rev) > 0:
        return 'r' + rev
    return 'v' + prev


def planned_error(kind, state):
    """The plan's own checks (not the script's): update/upgrade read prev's lastUpdated."""
    prev = STATES[state][1]
    if kind in ('update', 'upgrade') and prev is not None:
        if prev.startswith('{"schemaVersion":4'):
            return 'UNSUPPORTED_VERSION'
        if state == 'revLeadingZero':
            return 'INVALID_JSON'       # 042 is not a JSON number: the plan decodes prev, and fails
        if state in ('revBeyondExact', 'revBeyondU64'):
            return 'INVALID_FIELD'      # rev above MAX_REV
        if state == 'truncated':
            return 'INVALID_JSON'       # the plan decodes prev, which is cut off
    return None


def counted(d):
    """The script's `counted`: canonical digits below MAX_REV, else None."""
    if d is None or len(d) == 0 or len(d) > 16 or (len(d) > 1 and d[0] == '0') or int(d) >= MAX_REV:
        return None
    return d


def lua_write(db, argv):
    """WRITE_SCRIPT v8, line by line, on db = {'state'|'ids'|'end': {...} | None}. The new rev is
    symbolic ('<rev>') only where the write ids keep no rev and the old rev is not ahead of any
    clock. Returns [status, value]."""
    mode, body, lu, ttl_arg, g = argv
    S, I, E = db['state'], db['ids'], db['end']
    cur = S and S['value']
    ids = I and I['value']
    # if ids and string.find(ids, ' ' .. ARGV[5] .. ' ', 1, true) then  touch ; return {'DUP', cur}
    if ids is not None and (' ' + WRITE_ID + ' ') in ids:
        return ['DUP', cur]
    # if ARGV[1] ~= 'del' and EXISTS KEYS[3] == 1 then return {'ENDED', cur}
    if mode != 'del' and E:
        return ['ENDED', cur]
    rev = prefix_rev(cur)
    if mode == 'cas':
        if g == '':
            ok = cur is None
        elif g[0] == 'r':
            ok = rev == g[1:]
        else:
            ok = cur == g[1:]
        if not ok:
            return ['CONFLICT', cur]
    elif mode == 'save' and cur is not None:
        m = rev is not None and re.match(r'\{"schemaVersion":3,"rev":\d+,"lastUpdated":"([^"]*)"', cur)
        if m and not re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', m.group(1)):
            m = None                    # not toISOString()'s shape: text order is not time order
        if not m:
            return ['CHECK', cur]
        if lu < m.group(1):
            return ['STALE', m.group(1)]
    keep = ttl_arg.startswith('k')
    ttl = int(ttl_arg[1:] if keep else ttl_arg)
    # The ids string read: '^(%d*):(%d%d?%d?) (.*)$' with a count <= 128, else empty.
    h, n, lst = None, 0, ''
    if ids is not None:
        m = re.fullmatch(r'(\d*):(\d{1,3}) (.*)', ids, re.S)
        if m and int(m.group(2)) <= WRITE_IDS_KEPT:
            h, n, lst = counted(m.group(1)), int(m.group(2)), m.group(3)
    if n >= WRITE_IDS_KEPT:             # the oldest id falls out
        p = lst.find(' ')
        lst = lst[p + 1:] if p >= 0 else ''
        n = WRITE_IDS_KEPT - 1
    lst = lst + WRITE_ID + ' '
    nrev = rev or '0'
    if mode == 'end':
        db['end'] = {'value': '1', 'ttl': ttl}
        if S and (S['ttl'] == -1 or S['ttl'] > ttl):   # TTL only ever shortens
            S['ttl'] = ttl
        v = '%s:%d %s' % (h or '', n + 1, lst)
        t = I['ttl'] if I else -2
        db['ids'] = {'value': v, 'ttl': ttl if (t < 0 or t > ttl) else t}
    else:
        if h is not None:
            nrev = '%.0f' % (max(float(h), float(rev or '0')) + 1)
        elif rev is not None and int(rev) >= AHEAD:
            # n = max(TIME µs, rev + 1), in doubles as Lua numbers are
            nrev = '%.0f' % (float(rev) + 1)
        else:
            nrev = '<rev>'
        if body == '':
            db['state'] = None
        elif keep:
            db['state'] = {'value': PREFIX + nrev + body, 'ttl': S['ttl'] if S else -1}
        else:
            db['state'] = {'value': PREFIX + nrev + body, 'ttl': ttl}
        db['ids'] = {'value': '%s:%d %s' % (nrev, n + 1, lst), 'ttl': ttl}
    return ['OK', nrev]


def vector(kind, state, sends):
    stored, _ = STATES[state]
    args, argv = write_of(kind, state)
    name = '%s-%s-%s' % (kebab(kind), kebab(state), 'retry' if sends == 2 else 'first')
    v = {'name': name, 'kind': kind, 'state': state, 'sid': SID, 'sends': sends,
         'stored': stored, 'write': args}
    want = EXPECTED_STATUS[state][KINDS.index(kind)]
    err = planned_error(kind, state)
    if err:
        assert want == 'PLAN:' + err, (name, want, err)
        v['expect'] = {'plannedError': err}
        return v
    db = json.loads(json.dumps(stored))
    replies = [lua_write(db, argv) for _ in range(sends)]
    assert replies[0][0] == want, (name, replies[0], want)
    if sends == 2:
        # A resend after an applied write is a duplicate; after a refusal, the same refusal.
        assert replies[1][0] == ('DUP' if want in ('OK', 'DUP') else want), (name, replies)
    expect = {'replies': [{'status': s, 'value': val} for s, val in replies]}
    if '<rev>' in json.dumps(replies) + json.dumps(db):
        rev = prefix_rev(stored['state'] and stored['state']['value'])
        expect['newRev'] = {'old': rev}
    expect['keys'] = db
    v['expect'] = expect
    return v


def pretty(doc):
    """One vector per block, one field per line, values compact: readable and diffable."""
    dump = lambda x: json.dumps(x, ensure_ascii=False)
    out = ['{"description": ' + dump(doc['description']) + ',', ' "notes": [']
    out.append(',\n'.join('  ' + dump(n) for n in doc['notes']))
    out.append(' ],')
    out.append(' "knownGaps": {')
    out.append(',\n'.join('  %s: %s' % (dump(k), dump(r)) for k, r in doc['knownGaps'].items()))
    out.append(' },')
    out.append(' "vectors": [')
    blocks = []
    for v in doc['vectors']:
        head = ', '.join('%s: %s' % (dump(k), dump(v[k])) for k in ('name', 'kind', 'state', 'sid', 'sends'))
        lines = ['  {' + head + ',']
        lines.append('   "stored": ' + dump(v['stored']) + ',')
        lines.append('   "write": ' + dump(v['write']) + ',')
        e = v['expect']
        inner = [dump(k) + ': ' + dump(e[k]) for k in e]
        lines.append('   "expect": {' + (',\n              '.join(inner)) + '}}')
        blocks.append('\n'.join(lines))
    out.append(',\n'.join(blocks))
    out.append(' ],')
    # The codec runners (tests/vectors.rs, the napi/WASM/browser ones) read every *.json here as
    # {cases: [...]}: this file has none for them, so they need no list of files to skip.
    out.append(' "cases": []}')
    text = '\n'.join(out) + '\n'
    assert json.loads(text) == json.loads(json.dumps(doc))
    return text


def kebab(s):
    return re.sub(r'([A-Z])', lambda m: '-' + m.group(1).lower(), s)


def main():
    vectors = []
    extra = []
    for kind in KINDS:
        for state in STATES:
            if EXPECTED_STATUS[state][KINDS.index(kind)] is None:
                continue
            for sends in (1, 2):
                v = vector(kind, state, sends)
                if sends == 2 and ('plannedError' in v['expect'] or state in NO_RETRY):
                    continue
                vectors.append(v)
    # Beside the grid: an equal lastUpdated is not stale (SPEC §7), and a plan that refuses a
    # next state older than the value read (the script never sees it).
    same = vector('save', 'current', 1)
    same['name'] = 'save-current-same-last-updated-first'
    args, argv = ({'writeId': WRITE_ID, 'state': json.loads(st(30, 5))},
                  ('save', ',' + st(30, 5)[1:], lu_of(st(30, 5)), str(STAGE_TTL), ''))
    same['write'] = args
    db = json.loads(json.dumps(same['stored']))
    reply = lua_write(db, argv)
    assert reply == ['OK', str(CUR_REV + 1)], reply     # one past the last rev the ids keep
    same['expect'] = {'replies': [{'status': 'OK', 'value': reply[1]}], 'keys': db}
    extra.append(same)
    older = vector('update', 'current', 1)
    older['name'] = 'update-current-next-older-than-prev-first'
    older['write'] = {'writeId': WRITE_ID, 'prev': CUR, 'next': json.loads(OLDER)}
    older['expect'] = {'plannedError': 'STALE_WRITE'}
    extra.append(older)
    vectors += extra
    names = [v['name'] for v in vectors]
    assert len(names) == len(set(names)), 'duplicate names'
    assert set(KNOWN_GAPS) <= set(names), set(KNOWN_GAPS) - set(names)
    doc = {'description': DESCRIPTION, 'notes': NOTES, 'knownGaps': KNOWN_GAPS, 'vectors': vectors,
           'cases': []}
    text = pretty(doc)
    with open(OUT, 'w', encoding='utf-8', newline='\n') as fh:
        fh.write(text)
    print('plans.json: %d vectors, %d bytes' % (len(vectors), len(text.encode('utf-8'))))


if __name__ == '__main__':
    main()
