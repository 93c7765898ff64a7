#!/usr/bin/env python3
"""Writes tests/vectors/*.json, the golden cases that the Rust, napi and WASM runners replay.

Standard library only:  python3 tests/vectors/generate.py

The cases are written by hand below (large inputs are built by small helpers). Every case is then
replayed against `ref_*`, a small model of SPEC.md §3-§9 kept in this file, and generation stops on
any disagreement, so a typo in a hand-written expectation cannot reach the files. The model is not
the implementation: it exists only to cross-check these expectations.

Where SPEC.md leaves a choice open, the case carries a "note" saying what was chosen; README.md in
this folder lists them all.
"""

import base64
import binascii
import datetime
import json
import math
import os
import random
import re
import sys
import unicodedata
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


# ============================================================== JSON text as JavaScript writes it

class Raw(str):
    """JSON text placed verbatim in a stored value (number spellings such as 1e2, 1.0, 1e400)."""


class Pairs(list):
    """A JSON object given as (key, value) pairs, so a stored value can repeat a key."""


def js_string(s, readable=False):
    """`JSON.stringify(s)`: escapes `"`, `\\`, controls (\\b \\f \\n \\r \\t or \\u00xx) and lone
    surrogates (\\udxxx, lower-case hex); everything else is written raw. readable=True (vector
    files only, never a stored value) also escapes invisible characters such as U+FEFF and U+00A0."""
    out = ['"']
    prev_high = False
    for ch in s:
        o = ord(ch)
        if prev_high and 0xDC00 <= o <= 0xDFFF:
            raise ValueError("a high+low surrogate pair written as two code points is ambiguous")
        prev_high = 0xD800 <= o <= 0xDBFF
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF or (readable and ch in INVISIBLE):
            out.append('\\u%04x' % o)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


INVISIBLE = set(map(chr, range(0x7F, 0xA1))) | set('\u00ad\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u2060\ufeff')
SHORT_ESCAPES = {'\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


def js_number(v):
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        raise ValueError("non-finite number")
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    r = repr(v)
    if 'e' in r:
        raise ValueError("pick a number JavaScript and Python spell alike: %r" % v)
    return r


def dumps(v, spaced=False, readable=False):
    """Compact JSON text exactly as `JSON.stringify` writes it (spaced=True: readable form)."""
    colon, comma = (': ', ', ') if spaced else (':', ',')
    if isinstance(v, Raw):
        return str(v)
    if v is None:
        return 'null'
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if isinstance(v, (int, float)):
        return js_number(v)
    if isinstance(v, str):
        return js_string(v, readable)
    if isinstance(v, (Pairs, dict)):
        items = v if isinstance(v, Pairs) else v.items()
        return '{' + comma.join(js_string(k, readable) + colon + dumps(x, spaced, readable)
                                for k, x in items) + '}'
    if isinstance(v, list):
        return '[' + comma.join(dumps(x, spaced, readable) for x in v) + ']'
    raise TypeError(type(v))


def pretty(v, level=0):
    """Readable JSON for the vector files: containers that fit on a line stay on it."""
    flat = dumps(v, spaced=True, readable=True)
    if (not isinstance(v, (dict, list)) or not v or len(flat) + 2 * level <= 112
            or (len(v) == 1 and depth(v) > 8)):
        return flat
    pad = '  ' * (level + 1)
    if isinstance(v, dict):
        body = [pad + js_string(k, True) + ': ' + pretty(x, level + 1) for k, x in v.items()]
        return '{\n' + ',\n'.join(body) + '\n' + '  ' * level + '}'
    body = [pad + pretty(x, level + 1) for x in v]
    return '[\n' + ',\n'.join(body) + '\n' + '  ' * level + ']'


def depth(v):
    """Nesting depth; a top-level object is depth 1 (SPEC §8)."""
    if isinstance(v, dict):
        return 1 + max([depth(x) for x in v.values()], default=0)
    if isinstance(v, list):
        return 1 + max([depth(x) for x in v], default=0)
    return 0


def utf16_len(s):
    return sum(2 if ord(c) > 0xFFFF else 1 for c in s)


def utf8_len(s):
    return len(s.encode('utf-8', 'surrogatepass'))


# ============================================================== reference model (SPEC §2-§9)

STAGE_RE = re.compile(r'[A-Z][A-Z0-9_]{0,63}')
LENIENT_SID_RE = re.compile(r'[A-Za-z0-9]{2,64}')
TWILIO_SID_RE = re.compile(r'CA[0-9a-fA-F]{32}')
DATE_RE = re.compile(r'([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})'
                     r'(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})')
STAGE_TTL = {'COLLECT_CLIENT_ID': 300, 'COLLECT_JOB_NUMBER': 300, 'CONFIRM_JOB': 600,
             'ASK_ACTION': 600, 'EXECUTE_ACTION': 1800}
DEFAULT_TTL, ACTIVE_CALL_TTL, DEFAULT_MAX_BYTES, MAX_DEPTH = 3600, 7200, 1048576, 64
KNOWN = ('callSid', 'stage', 'attemptCount', 'clientId', 'jobNumber', 'actionType', 'actionValue',
         'jobData', 'lastUpdated', 'language')
JOB_REQUIRED = ('id', 'jobNumber', 'status')
JOB_DATES = ('createdDate', 'updatedDate', 'scheduledDate')
INVALID_DATE_MARK = {'$date': 'invalid'}
INT32_MAX = 2 ** 31 - 1


class RefError(Exception):
    def __init__(self, code, path=None, all_errors=None):
        super().__init__(code, path)
        self.code, self.path = code, path
        self.all = all_errors or [(code, path)]


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def js_num_value(v):
    """The number `JSON.parse` gives (a double)."""
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def integral_in(v, lo, hi):
    if not is_num(v):
        return False
    f = js_num_value(v)
    return math.isfinite(f) and f.is_integer() and lo <= f <= hi


def iso_from_ms(ms):
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    if not 1 <= t.year <= 9999:
        raise ValueError("keep dates inside years 0001-9999")
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (t.year, t.month, t.day, t.hour, t.minute, t.second,
                                                   t.microsecond // 1000)


def parse_date(s):
    """RFC 3339 (T/t, Z/z or ±hh:mm), to `toISOString` form, digits past ms truncated; else None."""
    m = DATE_RE.fullmatch(s)
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    try:
        day = datetime.date(y, mo, d)
    except ValueError:
        return None
    if h > 23 or mi > 59 or se > 59:
        return None
    tz = m.group(8)
    offset = 0
    if tz not in ('Z', 'z'):
        oh, om = int(tz[1:3]), int(tz[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * (1 if tz[0] == '+' else -1)
    ms = int(((m.group(7) or '') + '000')[:3])
    days = (day - datetime.date(1970, 1, 1)).days
    return iso_from_ms((((days * 24 + h) * 60 + mi) * 60 + se) * 1000 + ms - offset * 60000)


def positive_int(v):
    return integral_in(v, 1, 2 ** 53 - 1)


def bad_prefix_char(c):
    return c.isspace() or unicodedata.category(c) == 'Cc' or c in '*?[]{}\ufeff'


class Opts:
    """CodecOptions, checked strictly (SPEC §2)."""

    def __init__(self, o):
        o = {} if o is None else o
        fail = lambda path: RefError('INVALID_FIELD', 'options.' + path)  # noqa: E731
        for k in o:
            if k not in ('keyPrefix', 'callSid', 'hashTag', 'ttl', 'actionTypeMap', 'compression',
                         'maxBytes'):
                raise fail(k)
        self.prefix = o.get('keyPrefix', 'call_state:')
        if not isinstance(self.prefix, str) or not self.prefix or any(map(bad_prefix_char, self.prefix)):
            raise fail('keyPrefix')
        rule = o.get('callSid', 'lenient')
        if rule not in ('lenient', 'twilio'):
            raise fail('callSid')
        self.sid_re = TWILIO_SID_RE if rule == 'twilio' else LENIENT_SID_RE
        self.hash_tag = o.get('hashTag', False)
        if not isinstance(self.hash_tag, bool):
            raise fail('hashTag')
        ttl = o.get('ttl', {})
        if not isinstance(ttl, dict):
            raise fail('ttl')
        for k in ttl:
            if k not in ('default', 'max', 'stages'):
                raise fail('ttl.' + k)
        self.default_ttl = ttl.get('default', DEFAULT_TTL)
        self.max_ttl = ttl.get('max', ACTIVE_CALL_TTL)
        for k, v in (('default', self.default_ttl), ('max', self.max_ttl)):
            if not positive_int(v):
                raise fail('ttl.' + k)
        self.stages = ttl.get('stages', {})
        if not isinstance(self.stages, dict):
            raise fail('ttl.stages')
        for k, v in self.stages.items():
            if not STAGE_RE.fullmatch(k) or not positive_int(v):
                raise fail('ttl.stages.' + k)
        self.action_map = o.get('actionTypeMap', {})
        if not isinstance(self.action_map, dict):
            raise fail('actionTypeMap')
        for k, v in self.action_map.items():
            if not isinstance(v, str):
                raise fail('actionTypeMap.' + k)
        self.compression = o.get('compression')
        self.keep = None
        if self.compression is not None:
            c = self.compression
            if not isinstance(c, dict):
                raise fail('compression')
            for k in c:
                if k not in ('thresholdBytes', 'keepJobFields'):
                    raise fail('compression.' + k)
            if not integral_in(c.get('thresholdBytes'), 0, 2 ** 53 - 1):
                raise fail('compression.thresholdBytes')
            self.threshold = int(c['thresholdBytes'])
            if 'keepJobFields' in c:
                kj = c['keepJobFields']
                if kj is True:
                    self.keep = set(JOB_REQUIRED) | set(JOB_DATES)
                elif isinstance(kj, list) and all(isinstance(x, str) for x in kj):
                    self.keep = set(JOB_REQUIRED) | set(kj)
                else:
                    raise fail('compression.keepJobFields')
        self.max_bytes = o.get('maxBytes', DEFAULT_MAX_BYTES)
        if not positive_int(self.max_bytes):
            raise fail('maxBytes')


def check_sid(sid, o, path):
    if sid is None:
        return ('INVALID_FIELD', path)
    if not isinstance(sid, str) or not o.sid_re.fullmatch(sid):
        return ('INVALID_CALL_SID', path)
    return None


def validate(d, o, mode):
    """SPEC §3 on a plain object; mode 'encode' (dates are ISO strings the runner turns into Dates,
    or the Invalid Date marker) or 'stored' (dates are stored text). Returns the state in seed order."""
    errs = []
    out = {}

    def date(v, path, required):
        if v is None:
            if required:
                errs.append(('INVALID_FIELD', path))
            return None
        if mode == 'encode':
            if v == INVALID_DATE_MARK:
                errs.append(('INVALID_DATE', path))
                return None
            assert isinstance(v, str) and parse_date(v), "encode inputs hold valid ISO dates: %r" % v
        if isinstance(v, str) and parse_date(v):
            return parse_date(v)
        errs.append(('INVALID_DATE', path))
        return None

    e = check_sid(d.get('callSid'), o, 'callSid')
    if e:
        errs.append(e)
    else:
        out['callSid'] = d['callSid']
    v = d.get('stage')
    if isinstance(v, str) and STAGE_RE.fullmatch(v):
        out['stage'] = v
    else:
        errs.append(('INVALID_FIELD', 'stage'))
    v = d.get('attemptCount')
    if integral_in(v, 0, INT32_MAX):
        out['attemptCount'] = int(js_num_value(v))
    else:
        errs.append(('INVALID_FIELD', 'attemptCount'))
    for f in ('clientId', 'jobNumber', 'actionType', 'actionValue'):
        v = d.get(f)
        if v is None:
            continue
        ok = isinstance(v, str) and (STAGE_RE.fullmatch(v) if f == 'actionType' else utf16_len(v) <= 1024)
        if ok:
            out[f] = v
        else:
            errs.append(('INVALID_FIELD', f))
    jd = d.get('jobData')
    if jd is not None:
        if not isinstance(jd, dict):
            errs.append(('INVALID_FIELD', 'jobData'))
        else:
            job = {}
            for f in JOB_REQUIRED:
                if isinstance(jd.get(f), str):
                    job[f] = jd[f]
                else:
                    errs.append(('INVALID_FIELD', 'jobData.' + f))
            for f in JOB_DATES:
                r = date(jd.get(f), 'jobData.' + f, False)
                if r:
                    job[f] = r
            for k, x in jd.items():
                if k not in JOB_REQUIRED and k not in JOB_DATES:
                    job[k] = x
            out['jobData'] = job
    r = date(d.get('lastUpdated'), 'lastUpdated', True)
    if r:
        out['lastUpdated'] = r
    if d.get('language') in ('es', 'en'):
        out['language'] = d['language']
    else:
        errs.append(('INVALID_FIELD', 'language'))
    for k, x in d.items():
        if k not in KNOWN:
            out[k] = x
    if errs:
        raise RefError(errs[0][0], errs[0][1], errs)
    return out


def canonical_text(state):
    """The v3 stored value, in the implementation's fixed key order."""
    p = Pairs([('schemaVersion', 3), ('rev', 0), ('lastUpdated', state['lastUpdated']),
               ('callSid', state['callSid']), ('stage', state['stage']),
               ('attemptCount', state['attemptCount'])])
    for f in ('clientId', 'jobNumber', 'actionType', 'actionValue', 'jobData'):
        if f in state:
            p.append((f, state[f]))
    p.append(('language', state['language']))
    p.extend((k, x) for k, x in state.items() if k not in KNOWN)
    return dumps(p)


def raw_deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def envelope(inner_text, rev=0, level=9):
    b64 = base64.b64encode(raw_deflate(inner_text.encode('utf-8', 'surrogatepass'), level)).decode()
    return '{"schemaVersion":3,"rev":%d,"compressed":"%s"}' % (rev, b64)


def ref_encode(state_in, o):
    """-> (stored text, compressed?)"""
    if depth(state_in) > MAX_DEPTH:
        raise RefError('TOO_DEEP')
    data = {k: x for k, x in state_in.items() if k not in ('schemaVersion', 'rev')}
    state = validate(data, o, 'encode')
    text = canonical_text(state)
    if utf8_len(text) > o.max_bytes:
        raise RefError('TOO_LARGE')
    if o.compression is not None and utf8_len(text) > o.threshold:
        small = state
        if o.keep is not None and 'jobData' in state:
            small = dict(state)
            small['jobData'] = {k: x for k, x in state['jobData'].items() if k in o.keep}
        inner = canonical_text(small)
        # the decision must not depend on the DEFLATE implementation: check several levels
        # and demand a clear margin either way
        sizes = [len(envelope(inner, 0, lvl)) for lvl in (1, 6, 9)]
        plain = utf8_len(text)
        if all(s < plain * 0.92 for s in sizes):
            return envelope(inner), True
        assert all(s > plain * 1.04 for s in sizes), "compression decision too close: %r vs %d" % (sizes, plain)
    return text, False


def normalize_action(a):
    return re.sub(r'[^A-Za-z0-9]+', '_', a.strip().upper())


def step_v1(d):
    if d.get('language') is None:
        d['language'] = 'es'


def step_v2(d, o):
    if 'action' not in d:
        return
    a = d.pop('action')
    if d.get('actionType') is None and a is not None:
        if not isinstance(a, str):
            raise RefError('INVALID_FIELD', 'action')
        d['actionType'] = o.action_map[a] if a in o.action_map else normalize_action(a)


def read_rev(v):
    if not integral_in(v['rev'], 0, 2 ** 53 - 1):
        raise RefError('INVALID_FIELD', 'rev')
    return int(js_num_value(v['rev']))


def reject_constant(name):
    raise ValueError(name)


def parse_json(text):
    return json.loads(text, parse_constant=reject_constant)


def decode_object(v, o, outer_rev):
    if 'schemaVersion' in v:
        if not integral_in(v['schemaVersion'], 1, 3):
            raise RefError('UNSUPPORTED_VERSION')
        version = int(v['schemaVersion'])
    elif v.get('language') is None:
        version = 1
    elif v.get('action') is not None:
        version = 2
    else:
        version = 3
    if outer_rev is not None:
        rev = outer_rev
    else:
        rev = read_rev(v) if 'rev' in v else 0
    data = {k: x for k, x in v.items() if k not in ('schemaVersion', 'rev')}
    if version == 1:
        step_v1(data)
    if version <= 2:
        step_v2(data, o)
    state = validate(data, o, 'stored')
    return {'state': state, 'revision': rev, 'schemaVersion': version,
            'migratedFrom': version if version < 3 else None}


def inflate(c, o):
    bad = RefError('BAD_COMPRESSION')
    if not isinstance(c, str):
        raise bad
    try:
        raw = binascii.a2b_base64(c.encode('ascii'), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        raise bad
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(raw, o.max_bytes + 1)
    except zlib.error:
        raise bad
    if len(out) > o.max_bytes:
        raise RefError('TOO_LARGE')
    if not d.eof or d.unused_data:
        raise bad
    try:
        inner = parse_json(out.decode('utf-8'))
    except ValueError:
        raise bad
    if depth(inner) > MAX_DEPTH:
        raise RefError('TOO_DEEP')
    if not isinstance(inner, dict) or ('compressed' in inner and 'callSid' not in inner):
        raise bad
    return inner


def ref_decode_record(text, o):
    if utf8_len(text) > o.max_bytes:
        raise RefError('TOO_LARGE')
    try:
        v = parse_json(text)
    except ValueError:
        raise RefError('INVALID_JSON')
    if depth(v) > MAX_DEPTH:
        raise RefError('TOO_DEEP')
    if not isinstance(v, dict):
        raise RefError('INVALID_FIELD', '')
    if 'compressed' in v and 'callSid' not in v:
        if set(v) - {'schemaVersion', 'rev', 'compressed'}:
            raise RefError('BAD_COMPRESSION')
        if v.get('schemaVersion') != 3:
            raise RefError('UNSUPPORTED_VERSION')
        rev = read_rev(v)
        return decode_object(inflate(v['compressed'], o), o, rev)
    return decode_object(v, o, None)


def ref_migrate(inp, o):
    data = dict(inp['data'])
    version = inp['version']
    if version == 'v1':
        step_v1(data)
        step_v2(data, o)
    elif version == 'v2':
        step_v2(data, o)
    elif version != 'v3':
        raise RefError('UNSUPPORTED_VERSION')
    return validate(data, o, 'stored')


def ref_key(sid, o):
    if check_sid(sid, o, None):
        raise RefError('INVALID_CALL_SID')
    return o.prefix + ('{' + sid + '}' if o.hash_tag else sid)


def ref_stage_ttl(stage, o):
    if stage in o.stages:
        return o.stages[stage]
    return STAGE_TTL.get(stage, o.default_ttl)


def ref_extended_ttl(inp, o):
    current, add = inp
    if not positive_int(add):
        raise RefError('INVALID_FIELD')
    if current <= 0:
        return None
    return max(current, min(current + add, o.max_ttl))


def ref_compress_job_data(job, o):
    state = validate(dict(MIN, jobData=job), o, 'encode')['jobData']
    return dumps(Pairs([(k, state[k]) for k in JOB_REQUIRED]))


def run(case):
    """-> ('ok', value, compressed) | raises RefError"""
    op, inp = case['op'], case['input']
    if op == 'codec':
        Opts(inp)
        return True, None
    o = Opts(case.get('options'))
    if op == 'key':
        return ref_key(inp, o), None
    if op == 'stageTtl':
        return ref_stage_ttl(inp, o), None
    if op == 'extendedTtl':
        return ref_extended_ttl(inp, o), None
    if op == 'encode':
        return ref_encode(inp, o)
    if op == 'decode':
        return ref_decode_record(inp, o)['state'], None
    if op == 'decodeRecord':
        return ref_decode_record(inp, o), None
    if op == 'migrate':
        return ref_migrate(inp, o), None
    if op == 'compressJobData':
        return ref_compress_job_data(inp, o), None
    if op in ('roundtrip', 'encodeDecode'):
        text, compressed = ref_encode(inp, o)
        back = ref_decode_record(text, o)['state']
        if op == 'roundtrip':
            return same(back, validate(dict(inp), o, 'encode')) and same(back, inp), compressed
        return back, compressed
    raise ValueError(op)


def same(a, b):
    """JSON equality: objects compare without order, true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if is_num(a) and is_num(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


# ============================================================== building blocks for cases

T0 = '2024-03-15T14:30:22.000Z'
SID = 'CA123abc456def'
HEX32 = '9f1b2c3d4e5f60718293a4b5c6d7e8f9'
TW_SID = 'CA' + HEX32
DROP = object()
SEED_JOB = {'id': 'rec123abc', 'jobNumber': '456', 'status': 'IN_PROGRESS'}
SEED = {'callSid': SID, 'stage': 'CONFIRM_JOB', 'attemptCount': 2, 'clientId': 'ABC123',
        'jobNumber': '456', 'actionType': 'UPDATE_STATUS', 'actionValue': 'COMPLETED',
        'jobData': SEED_JOB, 'lastUpdated': T0, 'language': 'es'}
# hand-written: the seed's example value as this library writes it
SEED_V3 = ('{"schemaVersion":3,"rev":0,"lastUpdated":"2024-03-15T14:30:22.000Z",'
           '"callSid":"CA123abc456def","stage":"CONFIRM_JOB","attemptCount":2,"clientId":"ABC123",'
           '"jobNumber":"456","actionType":"UPDATE_STATUS","actionValue":"COMPLETED",'
           '"jobData":{"id":"rec123abc","jobNumber":"456","status":"IN_PROGRESS"},"language":"es"}')
MIN = {'callSid': SID, 'stage': 'COLLECT_CLIENT_ID', 'attemptCount': 0, 'lastUpdated': T0,
       'language': 'es'}
MIN_V3 = ('{"schemaVersion":3,"rev":0,"lastUpdated":"2024-03-15T14:30:22.000Z",'
          '"callSid":"CA123abc456def","stage":"COLLECT_CLIENT_ID","attemptCount":0,"language":"es"}')
MIN_V3_HEAD = MIN_V3[:-len(',"language":"es"}')]   # ...,"attemptCount":0


def st(base=None, **kw):
    """A state: `base` (default MIN) with fields replaced, added or DROPped; known fields in the
    seed's order, other fields after them in the order given."""
    merged = dict(MIN if base is None else base)
    for k, v in kw.items():
        if v is DROP:
            merged.pop(k, None)
        else:
            merged[k] = v
    ordered = {k: merged[k] for k in KNOWN if k in merged}
    ordered.update((k, v) for k, v in merged.items() if k not in KNOWN)
    return ordered


def v3(base=None, sv=3, rev=0, **kw):
    """Stored value text: {"schemaVersion":sv,"rev":rev, ...state}; sv/rev DROP to leave them out."""
    p = Pairs()
    if sv is not DROP:
        p.append(('schemaVersion', sv))
    if rev is not DROP:
        p.append(('rev', rev))
    p.extend(st(base, **kw).items())
    return dumps(p)


def unversioned(base=None, **kw):
    return v3(base, sv=DROP, rev=DROP, **kw)


def job(**kw):
    """The seed's jobData with fields replaced, added or DROPped."""
    d = {**SEED_JOB, **kw}
    return {k: v for k, v in d.items() if v is not DROP}


def nested_arrays(n):
    """n levels of arrays: [[...[0]...]]"""
    v = [0]
    for _ in range(n - 1):
        v = [v]
    return v


def nested_objects(n):
    v = {'a': 0}
    for _ in range(n - 1):
        v = {'a': v}
    return v


RNG = random.Random(20241125)
PRINTABLE = [chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\']


def noise(n):
    """Incompressible printable ASCII (deterministic)."""
    return ''.join(RNG.choice(PRINTABLE) for _ in range(n))


HISTORY = [{'at': '2024-03-%02dT09:00:00.000Z' % (1 + i % 28), 'status': 'IN_PROGRESS',
            'note': 'Technician en route; customer notified by SMS'} for i in range(40)]


def padded_state(target_len, field='pad', base=None, fill='x'):
    """A state whose canonical v3 text is exactly target_len UTF-8 bytes (padding one extra field)."""
    s = st(base, **{field: ''})
    size = utf8_len(canonical_text(validate(s, Opts({}), 'encode')))
    s[field] = fill * (target_len - size)
    assert utf8_len(canonical_text(validate(s, Opts({}), 'encode'))) == target_len
    return s


# ============================================================== the cases

FILES = {}
NOTSET = object()


def add(file, name, op, inp, expect=NOTSET, error=None, options=None, note=None, **extra):
    c = {'name': name, 'op': op}
    if options is not None:
        c['options'] = options
    c['input'] = inp
    if error is not None:
        c['error'] = {'code': error[0]}
        if len(error) > 1:
            c['error']['path'] = error[1]
    else:
        assert expect is not NOTSET, name
        c['expect'] = expect
    c.update(extra)
    if note:
        c['note'] = note
    FILES.setdefault(file, [])
    FILES[file].append(c)


REF = object()   # expect computed by the model (large programmatic cases); shown in the file

# ------------------------------------------------------------------------------------ keys

F = 'keys'
L64 = 'CA' + 'x1' * 31
add(F, 'key-seed-example', 'key', SID, 'call_state:CA123abc456def')
add(F, 'key-seed-short-sid', 'key', 'CAshortid', 'call_state:CAshortid')
add(F, 'key-lenient-two-chars', 'key', 'CA', 'call_state:CA')
add(F, 'key-lenient-64-chars', 'key', L64, 'call_state:' + L64)
add(F, 'key-lenient-65-chars-rejected', 'key', L64 + 'Z', error=('INVALID_CALL_SID',))
add(F, 'key-lenient-one-char-rejected', 'key', 'C', error=('INVALID_CALL_SID',))
add(F, 'key-empty-rejected', 'key', '', error=('INVALID_CALL_SID',))
add(F, 'key-lenient-never-recased', 'key', 'ca123ABC', 'call_state:ca123ABC')
add(F, 'key-lenient-any-alnum-no-ca-prefix', 'key', '0042', 'call_state:0042')
for nm, sid in [('space', 'CA123 abc'), ('underscore', 'CA_123'),
                ('glob-star', 'CA*'), ('braces', 'CA{x}'), ('trailing-newline', 'CA123\n'),
                ('non-ascii-letter', 'CAé123'), ('fullwidth-digits', 'CA１２３')]:
    add(F, 'key-rejects-' + nm, 'key', sid, error=('INVALID_CALL_SID',))
TW = {'callSid': 'twilio'}
add(F, 'key-twilio-lowercase-hex', 'key', TW_SID, 'call_state:' + TW_SID, options=TW)
add(F, 'key-twilio-mixed-case-hex-never-recased', 'key', 'CA9F1B2C3D4E5F60718293a4b5c6d7e8f9',
    'call_state:CA9F1B2C3D4E5F60718293a4b5c6d7e8f9', options=TW)
add(F, 'key-twilio-rejects-seed-sid', 'key', SID, error=('INVALID_CALL_SID',), options=TW)
add(F, 'key-twilio-rejects-lowercase-ca', 'key', 'ca' + HEX32, error=('INVALID_CALL_SID',), options=TW)
add(F, 'key-twilio-rejects-31-hex-digits', 'key', TW_SID[:-1], error=('INVALID_CALL_SID',), options=TW)
add(F, 'key-twilio-rejects-33-hex-digits', 'key', TW_SID + 'a', error=('INVALID_CALL_SID',), options=TW)
add(F, 'key-twilio-rejects-non-hex-digit', 'key', 'CAg' + HEX32[1:], error=('INVALID_CALL_SID',), options=TW)
add(F, 'key-twilio-rejects-other-sid-prefix', 'key', 'PN' + HEX32, error=('INVALID_CALL_SID',), options=TW)
add(F, 'key-custom-prefix', 'key', SID, 'ivr:prod:CA123abc456def', options={'keyPrefix': 'ivr:prod:'})
add(F, 'key-non-ascii-prefix-allowed', 'key', SID, 'état:CA123abc456def', options={'keyPrefix': 'état:'})
add(F, 'key-hashtag', 'key', SID, 'call_state:{CA123abc456def}', options={'hashTag': True})
add(F, 'key-hashtag-false', 'key', SID, 'call_state:CA123abc456def', options={'hashTag': False})
add(F, 'key-hashtag-custom-prefix', 'key', SID, 'ivr:{CA123abc456def}',
    options={'keyPrefix': 'ivr:', 'hashTag': True})
add(F, 'key-hashtag-twilio', 'key', TW_SID, 'call_state:{' + TW_SID + '}',
    options={'hashTag': True, 'callSid': 'twilio'})
add(F, 'key-hashtag-rejects-invalid-sid', 'key', 'CA}{', error=('INVALID_CALL_SID',),
    options={'hashTag': True})

# ------------------------------------------------------------------------------------ ttl

F = 'ttl'
for stage, secs in [('COLLECT_CLIENT_ID', 300), ('COLLECT_JOB_NUMBER', 300), ('CONFIRM_JOB', 600),
                    ('ASK_ACTION', 600), ('EXECUTE_ACTION', 1800), ('GREETING', 3600),
                    ('WAITING_FOR_SUPERVISOR', 3600)]:
    add(F, 'stage-ttl-' + stage.lower().replace('_', '-'), 'stageTtl', stage, secs)
add(F, 'stage-ttl-table-is-case-sensitive', 'stageTtl', 'Confirm_Job', 3600)
O = {'ttl': {'stages': {'CONFIRM_JOB': 900, 'WAIT_FOR_AGENT': 5400}}}
add(F, 'stage-ttl-override-table-stage', 'stageTtl', 'CONFIRM_JOB', 900, options=O)
add(F, 'stage-ttl-override-leaves-other-stages', 'stageTtl', 'ASK_ACTION', 600, options=O)
add(F, 'stage-ttl-override-custom-stage', 'stageTtl', 'WAIT_FOR_AGENT', 5400, options=O)
O = {'ttl': {'default': 1200, 'stages': {'HOLD': 60}}}
add(F, 'stage-ttl-default-override', 'stageTtl', 'GREETING', 1200, options=O)
add(F, 'stage-ttl-default-override-keeps-table', 'stageTtl', 'COLLECT_CLIENT_ID', 300, options=O)
add(F, 'stage-ttl-stage-override-beats-default', 'stageTtl', 'HOLD', 60, options=O)
for nm, inp, out in [('missing-key', [-2, 60], None), ('no-expiry-never-gets-one', [-1, 60], None),
                     ('zero-is-expired', [0, 60], None), ('one-second-left', [1, 60], 61),
                     ('adds', [300, 600], 900), ('capped-at-7200', [7000, 1000], 7200),
                     ('reaching-cap-exactly', [7199, 1], 7200), ('at-cap-stays', [7200, 60], 7200),
                     ('never-shortens', [8000, 10], 8000),
                     ('huge-add-capped', [100, 2147483647], 7200)]:
    add(F, 'extended-ttl-' + nm, 'extendedTtl', inp, out)
add(F, 'extended-ttl-custom-max', 'extendedTtl', [7000, 1000], 8000, options={'ttl': {'max': 86400}})
add(F, 'extended-ttl-small-max-caps', 'extendedTtl', [500, 200], 600, options={'ttl': {'max': 600}})
add(F, 'extended-ttl-small-max-never-shortens', 'extendedTtl', [900, 60], 900, options={'ttl': {'max': 600}})
add(F, 'extended-ttl-max-independent-of-default', 'extendedTtl', [7000, 1000], 7200,
    options={'ttl': {'default': 10000}})
for nm, add_s in [('zero', 0), ('negative', -5), ('fractional', 1.5)]:
    add(F, 'extended-ttl-rejects-add-' + nm, 'extendedTtl', [300, add_s], error=('INVALID_FIELD',))

# ------------------------------------------------------------------------------------ encode

F = 'encode'
add(F, 'encode-seed-example', 'encode', SEED, SEED_V3)
add(F, 'encode-minimal', 'encode', MIN, MIN_V3)
add(F, 'encode-input-key-order-ignored', 'encode',
    {'language': 'en', 'zExtra': 1, 'attemptCount': 1,
     'jobData': {'status': 'OPEN', 'id': 'r1', 'jobNumber': '7'}, 'stage': 'ASK_ACTION',
     'lastUpdated': T0, 'actionType': 'CANCEL', 'callSid': SID, 'aExtra': 'a'},
    '{"schemaVersion":3,"rev":0,"lastUpdated":"2024-03-15T14:30:22.000Z","callSid":"CA123abc456def",'
    '"stage":"ASK_ACTION","attemptCount":1,"actionType":"CANCEL","jobData":{"id":"r1","jobNumber":"7",'
    '"status":"OPEN"},"language":"en","zExtra":1,"aExtra":"a"}')
add(F, 'encode-null-optionals-not-written', 'encode',
    st(clientId=None, jobNumber=None, actionType=None, actionValue=None, jobData=None), MIN_V3)
add(F, 'encode-empty-string-optional-written', 'encode', st(clientId=''),
    MIN_V3_HEAD + ',"clientId":"","language":"es"}')
add(F, 'encode-jobdata-canonical-order-and-extras', 'encode',
    st(jobData={'notes': 'gate code 4411', 'scheduledDate': '2024-03-20T08:00:00.000Z', 'status': 'SCHEDULED',
                'history': [{'s': 'NEW'}, {'s': 'SCHEDULED'}], 'createdDate': '2024-03-01T10:00:00.000Z',
                'id': 'rec9', 'updatedDate': '2024-03-14T16:45:10.250Z', 'jobNumber': '9001', 'priority': 3}),
    MIN_V3_HEAD + ',"jobData":{"id":"rec9","jobNumber":"9001","status":"SCHEDULED",'
    '"createdDate":"2024-03-01T10:00:00.000Z","updatedDate":"2024-03-14T16:45:10.250Z",'
    '"scheduledDate":"2024-03-20T08:00:00.000Z","notes":"gate code 4411",'
    '"history":[{"s":"NEW"},{"s":"SCHEDULED"}],"priority":3},"language":"es"}')
add(F, 'encode-jobdata-null-date-not-written', 'encode',
    st(jobData=job(createdDate='2024-03-01T10:00:00.000Z', updatedDate=None, scheduledDate=None)),
    MIN_V3_HEAD + ',"jobData":{"id":"rec123abc","jobNumber":"456","status":"IN_PROGRESS",'
    '"createdDate":"2024-03-01T10:00:00.000Z"},"language":"es"}')
add(F, 'encode-unknown-fields-kept-in-input-order', 'encode',
    st(zeta=1, twilio={'from': '+15551234567', 'digits': [1, 2, 3], 'ok': True, 'none': None,
                       'ratio': 2.5, 'neg': -7, 'empty': {}, 'list': []}, alpha='last'),
    MIN_V3_HEAD + ',"language":"es","zeta":1,"twilio":{"from":"+15551234567","digits":[1,2,3],'
    '"ok":true,"none":null,"ratio":2.5,"neg":-7,"empty":{},"list":[]},"alpha":"last"}')
add(F, 'encode-unknown-field-null-written', 'encode', st(pending=None),
    MIN_V3_HEAD + ',"language":"es","pending":null}',
    note='Choice: "null is absent" (SPEC §3) is read as applying to the CallState fields; an unknown '
         'field is kept verbatim, so its null is written.')
add(F, 'encode-ignores-caller-schemaversion-and-rev', 'encode', st(schemaVersion=1, rev=99), MIN_V3)
add(F, 'encode-ignores-caller-garbage-schemaversion', 'encode', st(schemaVersion='x', rev=-1), MIN_V3)
add(F, 'encode-string-escapes-like-json-stringify', 'encode',
    st(actionValue='q"b\\s/n\nt\tr\rb\bf\fc\x01\x1f del\x7f ls\u2028ps\u2029 é 😀'),
    MIN_V3_HEAD + ',"actionValue":"q\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fc\\u0001\\u001f del\x7f ls\u2028ps\u2029 é 😀",'
    '"language":"es"}',
    note='Only " \\ and U+0000-U+001F are escaped (short forms where JSON has them, else \\u00xx in '
         'lower case); DEL, U+2028/U+2029, / and non-ASCII are written raw.')
add(F, 'encode-non-ascii-raw-utf8', 'encode', st(clientId='José Ñúñez 東京 😀'),
    MIN_V3_HEAD + ',"clientId":"José Ñúñez 東京 😀","language":"es"}')
add(F, 'encode-unknown-stage-allowed', 'encode', st(stage='WAITING_FOR_SUPERVISOR'),
    MIN_V3.replace('COLLECT_CLIENT_ID', 'WAITING_FOR_SUPERVISOR'))
add(F, 'encode-stage-64-chars', 'encode', st(stage='S' * 64), MIN_V3.replace('COLLECT_CLIENT_ID', 'S' * 64))
add(F, 'encode-stage-single-letter', 'encode', st(stage='Z'), MIN_V3.replace('COLLECT_CLIENT_ID', 'Z'))
add(F, 'encode-attempt-count-max', 'encode', st(attemptCount=INT32_MAX),
    MIN_V3.replace('"attemptCount":0', '"attemptCount":2147483647'))
add(F, 'encode-language-en', 'encode', st(language='en'), MIN_V3.replace('"es"', '"en"'))
add(F, 'encode-custom-action-type', 'encode', st(actionType='RESCHEDULE_2'),
    MIN_V3_HEAD + ',"actionType":"RESCHEDULE_2","language":"es"}')
add(F, 'encode-twilio-sid-with-twilio-rule', 'encode', st(callSid=TW_SID), MIN_V3.replace(SID, TW_SID),
    options=TW)
for nm, kw, err in [
        ('missing-callsid', dict(callSid=DROP), ('INVALID_FIELD', 'callSid')),
        ('null-callsid', dict(callSid=None), ('INVALID_FIELD', 'callSid')),
        ('callsid-with-space', dict(callSid='CA 123'), ('INVALID_CALL_SID', 'callSid')),
        ('missing-stage', dict(stage=DROP), ('INVALID_FIELD', 'stage')),
        ('lowercase-stage', dict(stage='confirm_job'), ('INVALID_FIELD', 'stage')),
        ('stage-65-chars', dict(stage='S' * 65), ('INVALID_FIELD', 'stage')),
        ('missing-attempt-count', dict(attemptCount=DROP), ('INVALID_FIELD', 'attemptCount')),
        ('negative-attempt-count', dict(attemptCount=-1), ('INVALID_FIELD', 'attemptCount')),
        ('fractional-attempt-count', dict(attemptCount=2.5), ('INVALID_FIELD', 'attemptCount')),
        ('string-attempt-count', dict(attemptCount='2'), ('INVALID_FIELD', 'attemptCount')),
        ('attempt-count-2-pow-31', dict(attemptCount=2 ** 31), ('INVALID_FIELD', 'attemptCount')),
        ('missing-lastupdated', dict(lastUpdated=DROP), ('INVALID_FIELD', 'lastUpdated')),
        ('null-lastupdated', dict(lastUpdated=None), ('INVALID_FIELD', 'lastUpdated')),
        ('missing-language', dict(language=DROP), ('INVALID_FIELD', 'language')),
        ('language-fr', dict(language='fr'), ('INVALID_FIELD', 'language')),
        ('clientid-number', dict(clientId=123), ('INVALID_FIELD', 'clientId')),
        ('lowercase-action-type', dict(actionType='update_status'), ('INVALID_FIELD', 'actionType'))]:
    add(F, 'encode-rejects-' + nm, 'encode', st(**kw), error=err)
add(F, 'encode-twilio-rule-rejects-seed-sid', 'encode', SEED, error=('INVALID_CALL_SID', 'callSid'),
    options=TW)

# ------------------------------------------------------------------------------------ decode

F = 'decode'
SEED_STORED_BY_SEED = dumps(SEED)   # what the seed's own JSON.stringify writes
add(F, 'decode-seed-written-value', 'decode', SEED_STORED_BY_SEED, SEED)
add(F, 'decode-seed-example-pretty-printed', 'decode',
    '{\n  "callSid": "CA123abc456def",\n  "stage": "CONFIRM_JOB", \n  "attemptCount": 2,\n'
    '  "clientId": "ABC123",\n  "jobNumber": "456",  \n  "actionType": "UPDATE_STATUS",\n'
    '  "actionValue": "COMPLETED",\n  "jobData": {\n    "id": "rec123abc",\n    "jobNumber": "456", \n'
    '    "status": "IN_PROGRESS"\n  },\n  "lastUpdated": "2024-03-15T14:30:22.000Z",\n'
    '  "language": "es"\n}\n', SEED)
add(F, 'decode-v3-canonical', 'decode', SEED_V3, SEED)
add(F, 'decode-never-returns-schemaversion-or-rev', 'decode', v3(SEED, rev=42), SEED)
add(F, 'decode-null-optionals-are-absent', 'decode',
    v3(clientId=None, jobNumber=None, actionType=None, actionValue=None, jobData=None), MIN)
add(F, 'decode-unknown-top-level-fields-kept', 'decode',
    v3(writerVersion='2.4.0', flags={'vip': True, 'tags': ['a', 'b'], 'n': None}, score=-12.25),
    st(writerVersion='2.4.0', flags={'vip': True, 'tags': ['a', 'b'], 'n': None}, score=-12.25))
add(F, 'decode-surrounding-whitespace-allowed', 'decode', ' \t\r\n' + MIN_V3 + '\n\t ', MIN)
add(F, 'decode-escaped-characters-unescaped-before-validation', 'decode',
    MIN_V3.replace('"CA123', '"\\u0043\\u0041123').replace('COLLECT_CLIENT', 'COLLECT\\u005fCLIENT'), MIN)
add(F, 'decode-escaped-slash-and-unicode-in-extras', 'decode',
    v3(url=Raw('"https:\\/\\/example.com\\/a"'), name=Raw('"Jos\\u00e9 \\u6771"')),
    st(url='https://example.com/a', name='José 東'))
add(F, 'decode-duplicate-key-last-wins', 'decode',
    dumps(Pairs([('schemaVersion', 3), ('rev', 0), ('stage', 'GREETING'), *MIN.items(), ('stage', 'ASK_ACTION')])),
    st(stage='ASK_ACTION'))
add(F, 'decode-duplicate-key-invalid-then-valid', 'decode',
    dumps(Pairs([('attemptCount', 'x'), *MIN.items(), ('attemptCount', 2)])), st(attemptCount=2),
    note='Validation sees only the value JSON.parse keeps (the last).')
add(F, 'decode-duplicate-key-valid-then-invalid', 'decode',
    dumps(Pairs([*MIN.items(), ('attemptCount', -1)])), error=('INVALID_FIELD', 'attemptCount'))
add(F, 'decode-duplicate-unknown-field-last-wins', 'decode',
    dumps(Pairs([*MIN.items(), ('x', 1), ('x', {'y': 2})])), st(x={'y': 2}))
# attemptCount, read as JSON.parse reads numbers
for nm, raw, val in [('1.0', '1.0', 1), ('1e2', '1e2', 100), ('1.5e1', '1.5e1', 15),
                     ('zero', '0', 0), ('int32-max', '2147483647', INT32_MAX)]:
    add(F, 'decode-attempt-count-' + nm.replace('.', '-').lower(), 'decode', v3(attemptCount=Raw(raw)),
        st(attemptCount=val))
for nm, raw in [('negative', '-1'), ('fractional', '2.5'), ('string', '"2"'), ('2-pow-31', '2147483648'),
                ('1e400', '1e400'), ('true', 'true'), ('null', 'null')]:
    add(F, 'decode-rejects-attempt-count-' + nm, 'decode', v3(attemptCount=Raw(raw)),
        error=('INVALID_FIELD', 'attemptCount'),
        note='1e400 is Infinity for JSON.parse: an invalid field, not invalid JSON.' if nm == '1e400' else None)
add(F, 'decode-rejects-missing-attempt-count', 'decode', v3(attemptCount=DROP),
    error=('INVALID_FIELD', 'attemptCount'))
# callSid
add(F, 'decode-lenient-short-sid', 'decode', v3(callSid='CAshortid'), st(callSid='CAshortid'))
add(F, 'decode-twilio-rule-rejects-short-sid', 'decode', v3(callSid='CAshortid'),
    error=('INVALID_CALL_SID', 'callSid'), options=TW)
add(F, 'decode-twilio-rule-accepts-twilio-sid', 'decode', v3(callSid=TW_SID), st(callSid=TW_SID), options=TW)
add(F, 'decode-rejects-missing-callsid', 'decode', v3(callSid=DROP), error=('INVALID_FIELD', 'callSid'))
add(F, 'decode-rejects-null-callsid', 'decode', v3(callSid=None), error=('INVALID_FIELD', 'callSid'))
add(F, 'decode-rejects-numeric-callsid', 'decode', v3(callSid=12345), error=('INVALID_CALL_SID', 'callSid'),
    note='Choice: a present callSid that fails its rule, whatever its type, is INVALID_CALL_SID; '
         'missing or null is INVALID_FIELD (SPEC §3 "missing required field").')
add(F, 'decode-rejects-callsid-with-glob-char', 'decode', v3(callSid='CA12*'), error=('INVALID_CALL_SID', 'callSid'))
# stage, actionType
add(F, 'decode-unknown-stage-allowed', 'decode', v3(stage='POST_CALL_SURVEY_2'), st(stage='POST_CALL_SURVEY_2'))
add(F, 'decode-stage-64-chars', 'decode', v3(stage='A' + '_' * 63), st(stage='A' + '_' * 63))
for nm, stage in [('lowercase', 'ask_action'), ('65-chars', 'A' * 65), ('leading-digit', '1ST'),
                  ('hyphen', 'ASK-ACTION'), ('trailing-newline', 'ASK_ACTION\n'), ('number', 3)]:
    add(F, 'decode-rejects-stage-' + nm, 'decode', v3(stage=stage), error=('INVALID_FIELD', 'stage'))
add(F, 'decode-rejects-null-stage', 'decode', v3(stage=None), error=('INVALID_FIELD', 'stage'))
add(F, 'decode-action-type-64-chars', 'decode', v3(actionType='X' * 64), st(actionType='X' * 64))
for nm, at in [('lowercase', 'update_status'), ('65-chars', 'X' * 65), ('trailing-newline', 'CANCEL\n')]:
    add(F, 'decode-rejects-action-type-' + nm, 'decode', v3(actionType=at), error=('INVALID_FIELD', 'actionType'))
# optional strings
for f, bad in [('clientId', 123), ('jobNumber', True), ('actionValue', {}), ('clientId', ['A'])]:
    add(F, 'decode-rejects-%s-%s' % (f.lower(), type(bad).__name__.replace('dict', 'object').replace('list', 'array')),
        'decode', v3(**{f: bad}), error=('INVALID_FIELD', f))
# language
add(F, 'decode-language-en', 'decode', v3(language='en'), st(language='en'))
for nm, lang in [('fr', 'fr'), ('uppercase-en', 'EN'), ('region-tag', 'es-MX')]:
    add(F, 'decode-rejects-language-' + nm, 'decode', v3(language=lang), error=('INVALID_FIELD', 'language'))
add(F, 'decode-v3-rejects-missing-language', 'decode', v3(language=DROP), error=('INVALID_FIELD', 'language'),
    note='Only unversioned values are migrated (SPEC §4); a v3 value must have language.')
add(F, 'decode-v3-rejects-null-language', 'decode', v3(language=None), error=('INVALID_FIELD', 'language'))
# lastUpdated presence (formats are in dates.json)
add(F, 'decode-rejects-missing-lastupdated', 'decode', v3(lastUpdated=DROP), error=('INVALID_FIELD', 'lastUpdated'))
add(F, 'decode-rejects-null-lastupdated', 'decode', v3(lastUpdated=None), error=('INVALID_FIELD', 'lastUpdated'))
add(F, 'decode-rejects-lastupdated-1970-never-substituted', 'decode', v3(lastUpdated='garbage'),
    error=('INVALID_DATE', 'lastUpdated'))

# ------------------------------------------------------------------------------------ dates

F = 'dates'
for nm, raw, iso in [
        ('canonical', '2024-03-15T14:30:22.123Z', '2024-03-15T14:30:22.123Z'),
        ('no-fraction', '2024-03-15T14:30:22Z', '2024-03-15T14:30:22.000Z'),
        ('one-digit-fraction', '2024-03-15T14:30:22.1Z', '2024-03-15T14:30:22.100Z'),
        ('microseconds-truncated', '2024-03-15T14:30:22.123456Z', '2024-03-15T14:30:22.123Z'),
        ('truncated-not-rounded', '2024-03-15T14:30:22.999999999Z', '2024-03-15T14:30:22.999Z'),
        ('offset-plus-0530', '2024-03-15T20:00:22.123+05:30', '2024-03-15T14:30:22.123Z'),
        ('offset-minus-0800', '2024-03-15T06:30:22-08:00', '2024-03-15T14:30:22.000Z'),
        ('offset-minus-0000', '2024-03-15T14:30:22-00:00', '2024-03-15T14:30:22.000Z'),
        ('offset-with-truncation', '2024-03-15T20:00:22.1239+05:30', '2024-03-15T14:30:22.123Z'),
        ('offset-crosses-leap-day', '2024-03-01T02:00:00+05:30', '2024-02-29T20:30:00.000Z'),
        ('offset-crosses-year', '2023-12-31T20:00:00-05:00', '2024-01-01T01:00:00.000Z'),
        ('offset-max-hours', '2024-03-15T23:59:59+23:59', '2024-03-15T00:00:59.000Z'),
        ('lowercase-t-and-z', '2024-03-15t14:30:22.000z', '2024-03-15T14:30:22.000Z'),
        ('leap-day', '2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'),
        ('epoch', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'),
        ('before-epoch-truncated', '1969-12-31T23:59:59.9999Z', '1969-12-31T23:59:59.999Z'),
        ('year-1', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'),
        ('year-9999', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z')]:
    add(F, 'date-read-' + nm, 'decode', v3(lastUpdated=raw), st(lastUpdated=iso))
add(F, 'date-read-jobdata-dates-normalized', 'decode',
    v3(jobData=job(createdDate='2024-03-01T10:00:00+01:00', updatedDate='2024-03-14t16:45:10.25z',
                   scheduledDate='2024-03-20T08:00:00.000123-04:00')),
    st(jobData=job(createdDate='2024-03-01T09:00:00.000Z', updatedDate='2024-03-14T16:45:10.250Z',
                   scheduledDate='2024-03-20T12:00:00.000Z')))
add(F, 'date-read-jobdata-null-dates-absent', 'decode',
    v3(jobData=job(createdDate=None, updatedDate=None, scheduledDate=None)), st(jobData=job()))
for nm, raw in [('space-instead-of-t', '2024-03-15 14:30:22.000Z'),
                ('no-timezone', '2024-03-15T14:30:22.000'),
                ('date-only', '2024-03-15'),
                ('no-seconds', '2024-03-15T14:30Z'),
                ('offset-without-colon', '2024-03-15T20:00:22+0530'),
                ('offset-hours-only', '2024-03-15T20:00:22+05'),
                ('offset-hour-24', '2024-03-15T14:30:22+24:00'),
                ('empty-string', ''),
                ('words', 'not a date'),
                ('http-date', 'Fri, 15 Mar 2024 14:30:22 GMT'),
                ('non-leap-feb-29', '2023-02-29T00:00:00Z'),
                ('april-31', '2024-04-31T00:00:00Z'),
                ('month-13', '2024-13-01T00:00:00Z'),
                ('hour-24', '2024-03-15T24:00:00Z'),
                ('fraction-without-digits', '2024-03-15T14:30:22.Z'),
                ('comma-fraction', '2024-03-15T14:30:22,123Z'),
                ('single-digit-month', '2024-3-15T14:30:22Z'),
                ('extended-year', '+002024-03-15T14:30:22.000Z'),
                ('fullwidth-digits', '２０２４-03-15T14:30:22Z'),
                ('trailing-newline', '2024-03-15T14:30:22.000Z\n')]:
    add(F, 'date-rejects-' + nm, 'decode', v3(lastUpdated=raw), error=('INVALID_DATE', 'lastUpdated'))
add(F, 'date-rejects-epoch-number', 'decode', v3(lastUpdated=1710513022000), error=('INVALID_DATE', 'lastUpdated'),
    note='Choice: a date field present with a non-string value is "not a valid date" (INVALID_DATE), '
         'not INVALID_FIELD.')
for f in JOB_DATES:
    add(F, 'date-rejects-jobdata-' + f.lower(), 'decode', v3(jobData=job(**{f: '2024-03-15 10:00:00Z'})),
        error=('INVALID_DATE', 'jobData.' + f))
# writing
add(F, 'date-write-milliseconds', 'encode', st(lastUpdated='2024-03-15T14:30:22.007Z'),
    MIN_V3.replace('22.000Z', '22.007Z'))
add(F, 'date-write-before-epoch', 'encode', st(lastUpdated='1969-12-31T23:59:59.999Z'),
    MIN_V3.replace(T0, '1969-12-31T23:59:59.999Z'))
add(F, 'date-write-rejects-invalid-lastupdated', 'encode', st(lastUpdated=INVALID_DATE_MARK),
    error=('INVALID_DATE', 'lastUpdated'))
for f in JOB_DATES:
    add(F, 'date-write-rejects-invalid-jobdata-' + f.lower(), 'encode',
        st(jobData=job(**{f: INVALID_DATE_MARK})), error=('INVALID_DATE', 'jobData.' + f))

# ------------------------------------------------------------------------------------ migrate

F = 'migrate'
V1_DATA = {'callSid': SID, 'stage': 'ASK_ACTION', 'attemptCount': 1, 'clientId': 'ABC123',
           'lastUpdated': T0}
M = lambda data, version: {'data': data, 'version': version}  # noqa: E731
NORMALIZE_NOTE = ('SPEC §4 taken literally: trim, upper-case, every run of non-alphanumerics -> "_"; '
                  'the trailing "!" therefore becomes a trailing "_" (nothing says to strip it).')
add(F, 'migrate-v1-adds-language-es', 'migrate', M(V1_DATA, 'v1'), st(V1_DATA, language='es'))
add(F, 'migrate-v1-keeps-language-en', 'migrate', M(st(V1_DATA, language='en'), 'v1'),
    st(V1_DATA, language='en'))
add(F, 'migrate-v1-null-language-becomes-es', 'migrate', M(st(V1_DATA, language=None), 'v1'),
    st(V1_DATA, language='es'), note="Choice: null counts as missing, as in the seed's `data.language || 'es'`.")
add(F, 'migrate-v1-then-v2-when-action-present', 'migrate', M(st(V1_DATA, action='update status'), 'v1'),
    st(V1_DATA, actionType='UPDATE_STATUS', language='es'))
add(F, 'migrate-v2-default-normalization', 'migrate',
    M(st(V1_DATA, language='es', action='update status!'), 'v2'),
    st(V1_DATA, actionType='UPDATE_STATUS_', language='es'), note=NORMALIZE_NOTE)
add(F, 'migrate-v2-normalizes-spaces-and-punctuation', 'migrate',
    M(st(V1_DATA, language='es', action='  mark-as   done '), 'v2'),
    st(V1_DATA, actionType='MARK_AS_DONE', language='es'))
add(F, 'migrate-v2-keeps-actiontype-drops-action', 'migrate',
    M(st(V1_DATA, language='es', action='cancel', actionType='RESCHEDULE'), 'v2'),
    st(V1_DATA, actionType='RESCHEDULE', language='es'))
add(F, 'migrate-v2-null-actiontype-uses-action', 'migrate',
    M(st(V1_DATA, language='es', action='cancel', actionType=None), 'v2'),
    st(V1_DATA, actionType='CANCEL', language='es'), note='Choice: a null actionType is absent (SPEC §3), so the map applies.')
ATM = {'actionTypeMap': {'upd': 'UPDATE_STATUS', 'update status!': 'UPDATE_STATUS'}}
add(F, 'migrate-v2-action-type-map', 'migrate', M(st(V1_DATA, language='es', action='update status!'), 'v2'),
    st(V1_DATA, actionType='UPDATE_STATUS', language='es'), options=ATM)
add(F, 'migrate-v2-action-type-map-miss-normalizes', 'migrate',
    M(st(V1_DATA, language='es', action='cancel job'), 'v2'),
    st(V1_DATA, actionType='CANCEL_JOB', language='es'), options=ATM)
add(F, 'migrate-v2-action-type-map-exact-key', 'migrate', M(st(V1_DATA, language='es', action=' upd'), 'v2'),
    st(V1_DATA, actionType='UPD', language='es'), options=ATM,
    note='The map is looked up with the action as stored (no trim); a miss falls back to normalization.')
add(F, 'migrate-v2-without-action-unchanged', 'migrate', M(st(V1_DATA, language='en'), 'v2'),
    st(V1_DATA, language='en'))
add(F, 'migrate-v2-does-not-add-language', 'migrate', M(st(V1_DATA, action='cancel'), 'v2'),
    error=('INVALID_FIELD', 'language'))
add(F, 'migrate-v2-normalized-action-must-be-valid', 'migrate',
    M(st(V1_DATA, language='es', action='2nd visit'), 'v2'), error=('INVALID_FIELD',),
    note='"2nd visit" normalizes to "2ND_VISIT", which fails the actionType pattern; path left open.')
add(F, 'migrate-v3-validates-only', 'migrate', M(SEED, 'v3'), SEED)
add(F, 'migrate-v3-keeps-unknown-fields', 'migrate', M(st(SEED, extra={'k': [1, 'two']}), 'v3'),
    st(SEED, extra={'k': [1, 'two']}))
add(F, 'migrate-v3-normalizes-dates', 'migrate',
    M(st(SEED, lastUpdated='2024-03-15T20:00:22.5+05:30'), 'v3'), st(SEED, lastUpdated='2024-03-15T14:30:22.500Z'))
add(F, 'migrate-v3-rejects-missing-language', 'migrate', M(V1_DATA, 'v3'), error=('INVALID_FIELD', 'language'))
add(F, 'migrate-v1-rejects-invalid-date', 'migrate', M(st(V1_DATA, lastUpdated='yesterday'), 'v1'),
    error=('INVALID_DATE', 'lastUpdated'))
add(F, 'migrate-v1-rejects-missing-lastupdated', 'migrate', M(st(V1_DATA, lastUpdated=DROP), 'v1'),
    error=('INVALID_FIELD', 'lastUpdated'))
for nm, ver in [('v4', 'v4'), ('uppercase-v1', 'V1'), ('bare-number', '1'), ('empty', '')]:
    add(F, 'migrate-unsupported-version-' + nm, 'migrate', M(SEED, ver), error=('UNSUPPORTED_VERSION',))

# ------------------------------------------------------------------------------------ versions

F = 'versions'
R = lambda state, rev=0, sv=3: {'state': state, 'revision': rev, 'schemaVersion': sv,  # noqa: E731
                                'migratedFrom': sv if sv < 3 else None}
V1_STORED = unversioned(V1_DATA, language=DROP)
add(F, 'record-v3', 'decodeRecord', SEED_V3, R(SEED))
add(F, 'record-v3-revision', 'decodeRecord', v3(SEED, rev=42), R(SEED, 42))
add(F, 'record-v3-revision-microseconds', 'decodeRecord', v3(SEED, rev=1732550400123456), R(SEED, 1732550400123456))
add(F, 'record-v3-revision-1e2', 'decodeRecord', v3(SEED, rev=Raw('1e2')), R(SEED, 100))
add(F, 'record-v3-without-rev-is-revision-0', 'decodeRecord', v3(SEED, rev=DROP), R(SEED))
add(F, 'record-seed-shape-is-v3', 'decodeRecord', SEED_STORED_BY_SEED, R(SEED))
add(F, 'record-v1-unversioned-no-language', 'decodeRecord', V1_STORED, R(st(V1_DATA, language='es'), 0, 1))
add(F, 'record-v2-unversioned-action', 'decodeRecord', unversioned(SEED, actionType=DROP, action='update status'),
    R(SEED, 0, 2))
add(F, 'record-v2-default-normalization', 'decodeRecord',
    unversioned(SEED, actionType=DROP, action='update status!'), R(st(SEED, actionType='UPDATE_STATUS_'), 0, 2),
    note=NORMALIZE_NOTE)
add(F, 'record-v2-keeps-actiontype-drops-action', 'decodeRecord',
    unversioned(SEED, action='cancel'), R(SEED, 0, 2))
add(F, 'record-v2-action-type-map', 'decodeRecord', unversioned(SEED, actionType=DROP, action='upd'),
    R(SEED, 0, 2), options=ATM)
add(F, 'record-v1-with-action-is-v1', 'decodeRecord', unversioned(V1_DATA, action='cancel job'),
    R(st(V1_DATA, actionType='CANCEL_JOB', language='es'), 0, 1),
    note='Choice: no schemaVersion, no language and an action is detected as 1 (the older); both steps run.')
add(F, 'record-schemaversion-1-chain', 'decodeRecord',
    v3(V1_DATA, sv=1, rev=5, language=DROP, action='update-status'),
    R(st(V1_DATA, actionType='UPDATE_STATUS', language='es'), 5, 1))
add(F, 'record-schemaversion-1-keeps-language', 'decodeRecord', v3(V1_DATA, sv=1, language='en'),
    R(st(V1_DATA, language='en'), 0, 1))
add(F, 'record-schemaversion-2-maps-action', 'decodeRecord', v3(SEED, sv=2, rev=9, actionType=DROP, action='Update Status'),
    R(SEED, 9, 2))
add(F, 'record-schemaversion-2-without-action', 'decodeRecord', v3(SEED, sv=2), R(SEED, 0, 2))
add(F, 'record-schemaversion-2-does-not-add-language', 'decodeRecord', v3(SEED, sv=2, language=DROP),
    error=('INVALID_FIELD', 'language'),
    note='Choice: the chain from 2 runs only the v2 step (action); adding language is the v1 step.')
add(F, 'record-schemaversion-3-written-as-3-0', 'decodeRecord', v3(SEED, sv=Raw('3.0')), R(SEED),
    note='JSON.parse reads 3.0 as 3 (SPEC §3 number rule).')
add(F, 'decode-v1-migrated', 'decode', V1_STORED, st(V1_DATA, language='es'))
add(F, 'decode-v2-never-returns-action', 'decode', unversioned(SEED, actionType=DROP, action='update status'), SEED)
add(F, 'record-v1-null-language-is-v1', 'decodeRecord', unversioned(V1_DATA, language=None),
    R(st(V1_DATA, language='es'), 0, 1), note='Choice: "no language" includes language: null.')
for nm, raw in [('0', '0'), ('negative', '-1'), ('4', '4'), ('string-3', '"3"'), ('null', 'null'),
                ('2-5', '2.5'), ('true', 'true'), ('1e400', '1e400')]:
    add(F, 'record-unsupported-schemaversion-' + nm, 'decodeRecord', v3(SEED, sv=Raw(raw)),
        error=('UNSUPPORTED_VERSION',))
add(F, 'decode-unsupported-schemaversion', 'decode', v3(SEED, sv=7), error=('UNSUPPORTED_VERSION',))
for nm, raw in [('negative', '-1'), ('fractional', '1.5'), ('string', '"5"'), ('true', 'true'),
                ('null', 'null')]:
    add(F, 'record-rejects-rev-' + nm, 'decodeRecord', v3(SEED, rev=Raw(raw)), error=('INVALID_FIELD', 'rev'),
        note='Choice: rev is record metadata, not an optional field, so null is invalid too.' if nm == 'null' else None)

# ------------------------------------------------------------------------------------ compression

F = 'compression'
COMP = {'compression': {'thresholdBytes': 512}}
SEED_INNER = SEED_V3


def env_with(inner_text, rev=0):
    return envelope(inner_text, rev)


add(F, 'envelope-read-by-default-codec', 'decodeRecord', env_with(SEED_V3, 7), R(SEED, 7))
add(F, 'envelope-read-by-compression-codec', 'decode', env_with(SEED_V3, 3), SEED, options=COMP)
add(F, 'envelope-outer-rev-authoritative', 'decodeRecord', env_with(v3(SEED, rev=99), 5), R(SEED, 5))
add(F, 'envelope-inner-invalid-rev-ignored', 'decodeRecord', env_with(v3(SEED, rev=-3), 5), R(SEED, 5),
    note='"an inner rev is ignored" read as: not even validated.')
add(F, 'envelope-inner-state-validated', 'decode', env_with(v3(SEED, stage=DROP)), error=('INVALID_FIELD', 'stage'))
add(F, 'envelope-outer-rev-invalid', 'decodeRecord',
    env_with(SEED_V3).replace('"rev":0', '"rev":-1'), error=('INVALID_FIELD', 'rev'))
add(F, 'envelope-with-extra-field', 'decode', env_with(SEED_V3)[:-1] + ',"note":"x"}', error=('BAD_COMPRESSION',))
add(F, 'value-with-callsid-and-compressed-is-not-envelope', 'decode', v3(SEED, compressed='abc'),
    st(SEED, compressed='abc'), note='An envelope has a "compressed" key and no callSid (SPEC §8).')


def b64_variant(pred):
    """A seed-derived envelope whose base64 text satisfies pred."""
    for i in range(1000):
        e = env_with(v3(SEED, n=i))
        b = json.loads(e)['compressed']
        if pred(b):
            return e, b
    raise AssertionError('no variant')


e, b = b64_variant(lambda b: b.endswith('=') and ('+' in b or '/' in b))
add(F, 'envelope-bad-base64-characters', 'decode', e.replace(b, '!!' + b[2:]), error=('BAD_COMPRESSION',))
add(F, 'envelope-unpadded-base64', 'decode', e.replace(b, b.rstrip('=')), error=('BAD_COMPRESSION',))
add(F, 'envelope-url-safe-base64', 'decode', e.replace(b, b.replace('+', '-').replace('/', '_')),
    error=('BAD_COMPRESSION',))
add(F, 'envelope-base64-with-line-break', 'decode', e.replace(b, b[:76] + '\\n' + b[76:]), error=('BAD_COMPRESSION',))
add(F, 'envelope-base64-with-space', 'decode', e.replace(b, b[:40] + ' ' + b[40:]), error=('BAD_COMPRESSION',))


def gzip_bytes(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def env_raw(data, rev=0):
    return '{"schemaVersion":3,"rev":%d,"compressed":"%s"}' % (rev, base64.b64encode(data).decode())


add(F, 'envelope-not-deflate', 'decode', env_raw(b'hello world'), error=('BAD_COMPRESSION',))
add(F, 'envelope-zlib-wrapped-not-raw-deflate', 'decode', env_raw(zlib.compress(SEED_V3.encode())),
    error=('BAD_COMPRESSION',))
add(F, 'envelope-gzip-not-raw-deflate', 'decode',
    env_raw(gzip_bytes(SEED_V3.encode())), error=('BAD_COMPRESSION',))
add(F, 'envelope-truncated-deflate', 'decode', env_raw(raw_deflate(SEED_V3.encode())[:-8]), error=('BAD_COMPRESSION',))
add(F, 'envelope-empty-compressed', 'decode', env_raw(b''), error=('BAD_COMPRESSION',))
add(F, 'envelope-compressed-not-a-string', 'decode', '{"schemaVersion":3,"rev":0,"compressed":12345}',
    error=('BAD_COMPRESSION',))
add(F, 'envelope-inflates-to-array', 'decode', env_raw(raw_deflate(b'[1,2,3]')), error=('BAD_COMPRESSION',))
add(F, 'envelope-inflates-to-string', 'decode', env_raw(raw_deflate(b'"text"')), error=('BAD_COMPRESSION',))
add(F, 'envelope-inflates-to-non-json', 'decode', env_raw(raw_deflate(b'not json at all')), error=('BAD_COMPRESSION',))
add(F, 'envelope-inflates-to-invalid-utf8', 'decode', env_raw(raw_deflate(b'{"a":"\xff\xfe"}')),
    error=('BAD_COMPRESSION',))
# writing
BIG = st(SEED, jobData=job(history=HISTORY))          # ~4 KB, compresses well
BIG_TEXT = canonical_text(validate(BIG, Opts({}), 'encode'))
BIG_LEN = utf8_len(BIG_TEXT)
add(F, 'compress-below-threshold-plain', 'encode', SEED, SEED_V3, options={'compression': {'thresholdBytes': 1000}})
add(F, 'compress-threshold-equal-to-size-plain', 'encode', BIG, BIG_TEXT,
    options={'compression': {'thresholdBytes': BIG_LEN}},
    note='"exceeds the threshold" is strictly greater: a value of exactly thresholdBytes bytes stays plain.')
add(F, 'compress-one-byte-over-threshold', 'roundtrip', BIG, True, options={'compression': {'thresholdBytes': BIG_LEN - 1}},
    expectCompressed=True)
add(F, 'compress-large-value', 'roundtrip', BIG, True, options=COMP, expectCompressed=True)
NOISY = st(SEED, blob=noise(4000))
add(F, 'compress-not-smaller-stays-plain', 'encode', NOISY, REF, options=COMP,
    note='4000 random printable characters: the envelope would be larger, so the plain value is stored.')
add(F, 'compress-roundtrip-keeps-proto-keys-and-escapes', 'roundtrip',
    st(BIG, extra={'__proto__': {'polluted': True}, 's': 'é"\\😀\x01'}), True, options=COMP, expectCompressed=True)
KJ = lambda keep: {'compression': {'thresholdBytes': 512, 'keepJobFields': keep}}  # noqa: E731
DATED_JOB = job(createdDate='2024-03-01T10:00:00.000Z', updatedDate='2024-03-14T16:45:10.250Z',
                notes='gate code 4411', history=HISTORY)
add(F, 'keep-job-fields-true-trims-compressed-value', 'encodeDecode', st(SEED, jobData=DATED_JOB),
    st(SEED, jobData=job(createdDate='2024-03-01T10:00:00.000Z', updatedDate='2024-03-14T16:45:10.250Z')),
    options=KJ(True), expectCompressed=True)
add(F, 'keep-job-fields-list-keeps-named-and-essentials', 'encodeDecode', st(SEED, jobData=DATED_JOB),
    st(SEED, jobData=job(notes='gate code 4411')), options=KJ(['notes']), expectCompressed=True,
    note='SPEC §8 literally: a list keeps the named fields plus id, jobNumber, status "always"; '
         'dates are kept only when named (they are kept by `true`).')
add(F, 'keep-job-fields-not-applied-below-threshold', 'encode', st(SEED, jobData=job(notes='n')),
    SEED_V3.replace('"IN_PROGRESS"}', '"IN_PROGRESS","notes":"n"}'), options=KJ(True))
add(F, 'keep-job-fields-plain-untrimmed-when-not-smaller', 'encode',
    st(SEED, jobData=job(status=noise(3000), dropped='x')), REF, options=KJ(True),
    note='Trimmed and compressed is still larger than the plain untrimmed value, so the plain, '
         'untrimmed value is stored (jobData.dropped survives).')
add(F, 'keep-job-fields-trimmed-compressed-beats-plain', 'encodeDecode',
    st(SEED, jobData=job(blob=noise(3000))), SEED, options=KJ(True), expectCompressed=True,
    note='Without keepJobFields this value would stay plain (noise does not compress); trimmed, it '
         'compresses below the plain untrimmed size.')

# ------------------------------------------------------------------------------------ limits

F = 'limits'
MB = {'maxBytes': 1000}
S1000 = padded_state(1000)
add(F, 'max-bytes-encode-exactly-at-limit', 'encode', S1000, REF, options=MB)
add(F, 'max-bytes-encode-one-over', 'encode', padded_state(1001), error=('TOO_LARGE',), options=MB)
add(F, 'max-bytes-counts-utf8-bytes', 'encode', st(actionValue='é' * 500), error=('TOO_LARGE',), options=MB,
    note='500 UTF-16 units but 1000 UTF-8 bytes in actionValue alone: maxBytes counts bytes.')
add(F, 'max-bytes-decode-exactly-at-limit', 'decode', canonical_text(validate(S1000, Opts({}), 'encode')),
    S1000, options=MB)
add(F, 'max-bytes-decode-one-over', 'decode', canonical_text(validate(padded_state(1001), Opts({}), 'encode')),
    error=('TOO_LARGE',), options=MB)
add(F, 'max-bytes-checked-before-compression', 'encode', BIG, error=('TOO_LARGE',),
    options={'maxBytes': 2048, 'compression': {'thresholdBytes': 512}},
    note='maxBytes bounds the uncompressed JSON written, even when it would compress below the limit.')
BOMB_INNER = SEED_V3[:-1] + ',"pad":"' + '0' * (10 * 1024 * 1024) + '"}'
add(F, 'decompression-bomb-default-limit', 'decode', envelope(BOMB_INNER), error=('TOO_LARGE',),
    note='About 14 KB stored, 10 MiB inflated; must stop at 1 MiB + 1 byte, before allocating the rest.')
MB2 = {'maxBytes': 2048}
INNER_AT = canonical_text(validate(padded_state(2048), Opts({}), 'encode'))
INNER_OVER = canonical_text(validate(padded_state(2049), Opts({}), 'encode'))
add(F, 'decompressed-exactly-at-limit', 'decodeRecord', envelope(INNER_AT, 4), R(padded_state(2048), 4), options=MB2)
add(F, 'decompressed-one-over-limit', 'decode', envelope(INNER_OVER), error=('TOO_LARGE',), options=MB2)
add(F, 'depth-64-arrays-ok', 'decode', v3(deep=nested_arrays(63)), st(deep=nested_arrays(63)),
    note='The top-level object is depth 1, so 63 nested arrays under it make depth 64.')
add(F, 'depth-65-arrays-too-deep', 'decode', v3(deep=nested_arrays(64)), error=('TOO_DEEP',))
add(F, 'depth-64-objects-ok', 'decode', v3(deep=nested_objects(63)), st(deep=nested_objects(63)))
add(F, 'depth-65-objects-too-deep', 'decode', v3(deep=nested_objects(64)), error=('TOO_DEEP',))
add(F, 'depth-65-inside-jobdata-too-deep', 'decode', v3(jobData=job(x=nested_arrays(63))), error=('TOO_DEEP',))
add(F, 'depth-64-inside-jobdata-ok', 'decode', v3(jobData=job(x=nested_arrays(62))), st(jobData=job(x=nested_arrays(62))))
add(F, 'depth-brackets-inside-strings-do-not-count', 'decode',
    v3(s='[' * 100 + '{' * 100, t='\\"[[[[' + '"[' * 80), st(s='[' * 100 + '{' * 100, t='\\"[[[[' + '"[' * 80))
add(F, 'depth-65-inside-envelope-too-deep', 'decode', envelope(v3(deep=nested_arrays(64))), error=('TOO_DEEP',))
add(F, 'depth-64-encode-ok', 'encode', st(deep=nested_objects(63)), REF)
add(F, 'depth-65-encode-too-deep', 'encode', st(deep=nested_arrays(64)), error=('TOO_DEEP',))
A1024 = 'a' * 1024
add(F, 'text-1024-ascii-ok', 'encode', st(clientId=A1024), MIN_V3_HEAD + ',"clientId":"%s","language":"es"}' % A1024)
add(F, 'text-1025-ascii-rejected', 'encode', st(clientId=A1024 + 'b'), error=('INVALID_FIELD', 'clientId'))
add(F, 'text-512-astral-is-1024-units-ok', 'decode', v3(jobNumber='😀' * 512), st(jobNumber='😀' * 512))
add(F, 'text-512-astral-plus-one-rejected', 'decode', v3(jobNumber='😀' * 512 + '1'),
    error=('INVALID_FIELD', 'jobNumber'))
add(F, 'text-1023-ascii-plus-astral-rejected', 'encode', st(actionValue='a' * 1023 + '😀'),
    error=('INVALID_FIELD', 'actionValue'), note='An astral character counts 2 UTF-16 units: 1025 in all.')
add(F, 'text-1024-two-byte-chars-ok', 'decode', v3(actionValue='é' * 1024), st(actionValue='é' * 1024),
    note='2048 UTF-8 bytes but 1024 UTF-16 units: the limit counts UTF-16 units.')
add(F, 'text-1024-escaped-chars-ok', 'decode', MIN_V3[:-1] + ',"clientId":"' + '\\u0041' * 1024 + '"}',
    st(clientId='A' * 1024), note='6144 bytes of escapes in the stored text, 1024 units once read.')
add(F, 'text-limit-not-applied-to-jobdata', 'decode', v3(jobData=job(status='S' * 3000)),
    st(jobData=job(status='S' * 3000)), note='SPEC §3 limits clientId, jobNumber and actionValue only.')

# ------------------------------------------------------------------------------------ options

F = 'options'
add(F, 'codec-no-options', 'codec', {}, True)
add(F, 'codec-all-options', 'codec',
    {'keyPrefix': 'ivr:', 'callSid': 'twilio', 'hashTag': True,
     'ttl': {'default': 1200, 'max': 86400, 'stages': {'CONFIRM_JOB': 900}},
     'actionTypeMap': {'upd': 'UPDATE_STATUS'},
     'compression': {'thresholdBytes': 2048, 'keepJobFields': ['notes']}, 'maxBytes': 65536}, True)
add(F, 'codec-keep-job-fields-true', 'codec', {'compression': {'thresholdBytes': 2048, 'keepJobFields': True}}, True)
add(F, 'codec-lenient-rule', 'codec', {'callSid': 'lenient'}, True)
for nm, opts, path in [
        ('unknown-name', {'keyprefix': 'x:'}, 'options.keyprefix'),
        ('unknown-ttl-name', {'ttl': {'defualt': 600}}, 'options.ttl.defualt'),
        ('unknown-compression-name', {'compression': {'thresholdBytes': 10, 'level': 9}}, 'options.compression.level'),
        ('ttl-stage-not-a-stage-name', {'ttl': {'stages': {'ask_action': 600}}}, 'options.ttl.stages.ask_action'),
        ('ttl-stage-zero', {'ttl': {'stages': {'ASK_ACTION': 0}}}, 'options.ttl.stages.ASK_ACTION'),
        ('ttl-stage-fractional', {'ttl': {'stages': {'ASK_ACTION': 1.5}}}, 'options.ttl.stages.ASK_ACTION'),
        ('ttl-default-zero', {'ttl': {'default': 0}}, 'options.ttl.default'),
        ('ttl-max-zero', {'ttl': {'max': 0}}, 'options.ttl.max'),
        ('ttl-not-object', {'ttl': 600}, 'options.ttl'),
        ('key-prefix-empty', {'keyPrefix': ''}, 'options.keyPrefix'),
        ('key-prefix-space', {'keyPrefix': 'call state:'}, 'options.keyPrefix'),
        ('key-prefix-tab', {'keyPrefix': 'call_state:\t'}, 'options.keyPrefix'),
        ('key-prefix-no-break-space', {'keyPrefix': 'call\u00a0state:'}, 'options.keyPrefix'),
        ('key-prefix-nul', {'keyPrefix': 'cs\x00:'}, 'options.keyPrefix'),
        ('key-prefix-star', {'keyPrefix': 'cs*:'}, 'options.keyPrefix'),
        ('key-prefix-brackets', {'keyPrefix': 'cs[1]:'}, 'options.keyPrefix'),
        ('key-prefix-open-brace', {'keyPrefix': 'cs{'}, 'options.keyPrefix'),
        ('key-prefix-number', {'keyPrefix': 5}, 'options.keyPrefix'),
        ('callsid-rule-unknown', {'callSid': 'strict'}, 'options.callSid'),
        ('hashtag-string', {'hashTag': 'true'}, 'options.hashTag'),
        ('action-type-map-array', {'actionTypeMap': [['upd', 'UPDATE_STATUS']]}, 'options.actionTypeMap'),
        ('compression-missing-threshold', {'compression': {}}, 'options.compression.thresholdBytes'),
        ('compression-negative-threshold', {'compression': {'thresholdBytes': -1}}, 'options.compression.thresholdBytes'),
        ('compression-fractional-threshold', {'compression': {'thresholdBytes': 10.5}},
         'options.compression.thresholdBytes'),
        ('compression-keep-job-fields-false', {'compression': {'thresholdBytes': 10, 'keepJobFields': False}},
         'options.compression.keepJobFields'),
        ('compression-not-object', {'compression': True}, 'options.compression'),
        ('max-bytes-zero', {'maxBytes': 0}, 'options.maxBytes'),
        ('max-bytes-fractional', {'maxBytes': 1.5}, 'options.maxBytes'),
        ('max-bytes-string', {'maxBytes': '1048576'}, 'options.maxBytes')]:
    note = None
    if nm == 'ttl-stage-not-a-stage-name':
        note = ('Choice: ttl.stages keys must match the stage pattern; the SPEC §2 typo example '
                '(options.ttl.stages.ASK_ACTION) is read as fixing the full-path format.')
    if nm == 'key-prefix-no-break-space':
        note = 'U+00A0 is whitespace (JavaScript \\s, Rust char::is_whitespace).'
    add(F, 'codec-rejects-' + nm, 'codec', opts, error=('INVALID_FIELD', path), note=note)
add(F, 'codec-rejects-action-type-map-non-string-value', 'codec', {'actionTypeMap': {'upd': 5}},
    error=('INVALID_FIELD',), note='Path left open (options.actionTypeMap or options.actionTypeMap.upd).')
add(F, 'codec-rejects-keep-job-fields-non-string-entry', 'codec',
    {'compression': {'thresholdBytes': 10, 'keepJobFields': ['notes', 5]}}, error=('INVALID_FIELD',),
    note='Path left open (options.compression.keepJobFields or ....keepJobFields.1).')

# ------------------------------------------------------------------------------------ errors

F = 'errors'
for nm, text in [('empty', ''), ('whitespace-only', '  \n'), ('bom', '\ufeff' + MIN_V3),
                 ('trailing-garbage', MIN_V3 + 'x'), ('truncated', MIN_V3[:-5]), ('single-quotes', MIN_V3.replace('"', "'")),
                 ('trailing-comma', MIN_V3[:-1] + ',}'), ('comment', '/* c */' + MIN_V3),
                 ('nan-literal', MIN_V3[:-1] + ',"x":NaN}'), 
                 ('leading-zero-number', MIN_V3.replace('"attemptCount":0', '"attemptCount":01')),
                 ('hex-number', MIN_V3.replace('"attemptCount":0', '"attemptCount":0x1')),
                 ('raw-newline-in-string', MIN_V3.replace('COLLECT_CLIENT_ID', 'COLLECT\nCLIENT')),
                 ('invalid-escape', MIN_V3[:-1] + ',"x":"\\x41"}'),
                 ('leading-no-break-space', '\u00a0' + MIN_V3), ('unquoted-key', MIN_V3[:-1] + ',x:1}')]:
    add(F, 'invalid-json-' + nm, 'decode', text, error=('INVALID_JSON',),
        note='JSON.parse refuses a BOM; the core must not strip it.' if nm == 'bom' else None)
for nm, text in [('null', 'null'), ('array', '[]'), ('array-of-state', '[' + MIN_V3 + ']'), ('string', '"state"'),
                 ('number', '42'), ('true', 'true')]:
    add(F, 'not-an-object-' + nm, 'decode', text, error=('INVALID_FIELD', ''))
add(F, 'not-an-object-record', 'decodeRecord', 'false', error=('INVALID_FIELD', ''))

# ------------------------------------------------------------------------------------ proto

F = 'proto'
add(F, 'proto-decode-top-level-keys-are-data', 'decode',
    v3(**{'__proto__': {'polluted': True}, 'constructor': {'prototype': {'polluted': True}}, 'prototype': 5}),
    st(**{'__proto__': {'polluted': True}, 'constructor': {'prototype': {'polluted': True}}, 'prototype': 5}))
add(F, 'proto-decode-inside-jobdata', 'decode', v3(jobData=job(**{'__proto__': {'isAdmin': True}, 'constructor': 'x'})),
    st(jobData=job(**{'__proto__': {'isAdmin': True}, 'constructor': 'x'})))
add(F, 'proto-decode-nested-in-extras', 'decode',
    v3(meta={'a': [{'__proto__': {'polluted': 1}}], 'constructor': {'prototype': {'x': 1}}}),
    st(meta={'a': [{'__proto__': {'polluted': 1}}], 'constructor': {'prototype': {'x': 1}}}))
add(F, 'proto-decode-null-and-array-values', 'decode', v3(**{'__proto__': None, 'prototype': [1, 2]}),
    st(**{'__proto__': None, 'prototype': [1, 2]}))
add(F, 'proto-decode-duplicate-last-wins', 'decode',
    dumps(Pairs([*MIN.items(), ('__proto__', {'a': 1}), ('__proto__', {'b': 2})])), st(**{'__proto__': {'b': 2}}))
add(F, 'proto-does-not-supply-missing-stage', 'decode', v3(stage=DROP, **{'__proto__': {'stage': 'CONFIRM_JOB'}}),
    error=('INVALID_FIELD', 'stage'), note='A field inside "__proto__" is never read as a field of the state.')
add(F, 'proto-does-not-supply-language', 'decodeRecord',
    unversioned(V1_DATA, **{'__proto__': {'language': 'en'}}),
    R(st(V1_DATA, language='es', **{'__proto__': {'language': 'en'}}), 0, 1))
add(F, 'proto-encode-top-level', 'encode', st(**{'__proto__': {'polluted': True}, 'constructor': 'c'}),
    MIN_V3_HEAD + ',"language":"es","__proto__":{"polluted":true},"constructor":"c"}')
add(F, 'proto-encode-inside-jobdata', 'encode', st(jobData=job(**{'__proto__': {'isAdmin': True}})),
    MIN_V3_HEAD + ',"jobData":{"id":"rec123abc","jobNumber":"456","status":"IN_PROGRESS",'
    '"__proto__":{"isAdmin":true}},"language":"es"}')
add(F, 'proto-encode-nested', 'encode', st(meta={'prototype': {'__proto__': []}}),
    MIN_V3_HEAD + ',"language":"es","meta":{"prototype":{"__proto__":[]}}}')
add(F, 'proto-migrate-keeps-keys', 'migrate', M(st(V1_DATA, **{'__proto__': {'x': 1}}), 'v1'),
    st(V1_DATA, language='es', **{'__proto__': {'x': 1}}))
add(F, 'proto-roundtrip', 'roundtrip', st(SEED, **{'__proto__': {'p': 1}}, jobData=job(prototype={'constructor': 2})),
    True, expectCompressed=False)

# ------------------------------------------------------------------------------------ surrogates

F = 'surrogates'
add(F, 'surrogate-encode-lone-high-in-clientid', 'encode', st(clientId='a\ud800b'),
    MIN_V3_HEAD + ',"clientId":"a\\ud800b","language":"es"}')
add(F, 'surrogate-encode-lone-low-in-actionvalue', 'encode', st(actionValue='\udfff'),
    MIN_V3_HEAD + ',"actionValue":"\\udfff","language":"es"}')
add(F, 'surrogate-encode-reversed-pair', 'encode', st(actionValue='\ude00\ud83d'),
    MIN_V3_HEAD + ',"actionValue":"\\ude00\\ud83d","language":"es"}')
add(F, 'surrogate-encode-high-then-ascii', 'encode', st(clientId='\ud83dA'),
    MIN_V3_HEAD + ',"clientId":"\\ud83dA","language":"es"}')
add(F, 'surrogate-encode-valid-pair-raw', 'encode', st(clientId='😀'),
    MIN_V3_HEAD + ',"clientId":"😀","language":"es"}',
    note='In this file the input may spell it "\\ud83d\\ude00"; it is one astral character, written raw.')
add(F, 'surrogate-encode-jobdata-and-extras', 'encode',
    st(jobData=job(status='\udbff', **{'\udc00k': ['\ud800']}), **{'x\ud801': '\udc01'}),
    MIN_V3_HEAD + ',"jobData":{"id":"rec123abc","jobNumber":"456","status":"\\udbff","\\udc00k":["\\ud800"]},'
    '"language":"es","x\\ud801":"\\udc01"}')
add(F, 'surrogate-decode-lone-high-in-clientid', 'decode', v3(clientId='a\ud800b'), st(clientId='a\ud800b'))
add(F, 'surrogate-decode-lone-in-actionvalue-and-jobdata', 'decode',
    v3(actionValue='\udfff\udfff', jobData=job(id='\ud800')), st(actionValue='\udfff\udfff', jobData=job(id='\ud800')))
add(F, 'surrogate-decode-lone-in-extra-key-and-value', 'decode', v3(**{'k\ud800': {'\udc00': '\ud801x'}}),
    st(**{'k\ud800': {'\udc00': '\ud801x'}}))
add(F, 'surrogate-decode-escaped-pair-is-one-character', 'decode',
    v3(clientId=Raw('"\\ud83d\\ude00"')), st(clientId='😀'))
add(F, 'surrogate-decode-uppercase-hex-escape', 'decode', v3(clientId=Raw('"\\uD800"')), st(clientId='\ud800'),
    note='The stored text spells it \\uD800; it reads as the same lone surrogate (encode would write \\ud800).')
add(F, 'surrogate-1024-lone-surrogates-ok', 'decode', v3(clientId='\ud800' * 1024), st(clientId='\ud800' * 1024))
add(F, 'surrogate-1025-lone-surrogates-rejected', 'decode', v3(clientId='\ud800' * 1025),
    error=('INVALID_FIELD', 'clientId'))
add(F, 'surrogate-decode-callsid-rejected', 'decode', v3(callSid='CA\ud800'), error=('INVALID_CALL_SID', 'callSid'))
add(F, 'surrogate-decode-stage-rejected', 'decode', v3(stage='ASK\udc00'), error=('INVALID_FIELD', 'stage'))
add(F, 'surrogate-encode-callsid-rejected', 'encode', st(callSid='CA\ud800'), error=('INVALID_CALL_SID', 'callSid'))
add(F, 'surrogate-encode-stage-rejected', 'encode', st(stage='ASK\udc00'), error=('INVALID_FIELD', 'stage'))
add(F, 'surrogate-encode-action-type-rejected', 'encode', st(actionType='\ud800'), error=('INVALID_FIELD', 'actionType'))
add(F, 'surrogate-roundtrip', 'roundtrip',
    st(SEED, clientId='\ud800', actionValue='x\udfffy', jobData=job(notes='\ude00\ud83d'), extra=['\udbff']), True,
    expectCompressed=False)
add(F, 'surrogate-compressed-roundtrip', 'roundtrip',
    st(BIG, clientId='\ud800 lone', extra={'s': 'é\ude00😀\x01'}), True, options=COMP, expectCompressed=True)
add(F, 'surrogate-compress-job-data', 'compressJobData', job(status='\udfff', other='\ud800'),
    '{"id":"rec123abc","jobNumber":"456","status":"\\udfff"}')
add(F, 'surrogate-migrate-v1', 'migrate', M(st(V1_DATA, clientId='\ud800'), 'v1'),
    st(V1_DATA, clientId='\ud800', language='es'))

# ------------------------------------------------------------------------------------ job_data

F = 'job_data'
add(F, 'jobdata-required-only', 'decode', v3(jobData=job()), st(jobData=job()))
add(F, 'jobdata-empty-strings-allowed', 'decode', v3(jobData={'id': '', 'jobNumber': '', 'status': ''}),
    st(jobData={'id': '', 'jobNumber': '', 'status': ''}))
add(F, 'jobdata-extras-verbatim', 'decode',
    v3(jobData=job(customer={'name': 'Ana', 'phones': ['+34 600 000 000']}, amount=149.99, tags=[], open=True,
                   nothing=None)),
    st(jobData=job(customer={'name': 'Ana', 'phones': ['+34 600 000 000']}, amount=149.99, tags=[], open=True,
                   nothing=None)))
add(F, 'jobdata-null-is-absent', 'decode', v3(jobData=None), MIN)
for f in JOB_REQUIRED:
    add(F, 'jobdata-rejects-missing-' + f.lower(), 'decode', v3(jobData=job(**{f: DROP})),
        error=('INVALID_FIELD', 'jobData.' + f))
add(F, 'jobdata-rejects-null-status', 'decode', v3(jobData=job(status=None)), error=('INVALID_FIELD', 'jobData.status'))
add(F, 'jobdata-rejects-numeric-id', 'decode', v3(jobData=job(id=123)), error=('INVALID_FIELD', 'jobData.id'))
add(F, 'jobdata-rejects-numeric-jobnumber', 'encode', st(jobData=job(jobNumber=456)),
    error=('INVALID_FIELD', 'jobData.jobNumber'))
add(F, 'jobdata-encode-rejects-missing-id', 'encode', st(jobData=job(id=DROP)), error=('INVALID_FIELD', 'jobData.id'))
for nm, val in [('array', [SEED_JOB]), ('string', 'rec123abc'), ('number', 7), ('false', False)]:
    add(F, 'jobdata-rejects-' + nm, 'decode', v3(jobData=val), error=('INVALID_FIELD', 'jobData'))
add(F, 'compress-job-data-seed-example', 'compressJobData', SEED_JOB,
    '{"id":"rec123abc","jobNumber":"456","status":"IN_PROGRESS"}')
add(F, 'compress-job-data-drops-extras-and-dates', 'compressJobData',
    {'history': HISTORY[:2], 'status': 'DONE', 'createdDate': '2024-03-01T10:00:00.000Z', 'jobNumber': '9',
     'notes': 'x', 'id': 'r9'}, '{"id":"r9","jobNumber":"9","status":"DONE"}')
add(F, 'compress-job-data-escapes', 'compressJobData', {'id': 'a"b\\c', 'jobNumber': '№ 7\n', 'status': 'ÉTAT 😀'},
    '{"id":"a\\"b\\\\c","jobNumber":"№ 7\\n","status":"ÉTAT 😀"}')
add(F, 'compress-job-data-rejects-missing-id', 'compressJobData', {'jobNumber': '1', 'status': 'OPEN'},
    error=('INVALID_FIELD',),
    note="Choice: the JobRecord is validated (the seed would write {\"jobNumber\":..}); path left open.")


# ============================================================== check and write

DESCRIPTIONS = {
    'keys': 'SPEC §3 callSid rules and §5 keys: op "key" = codec.generateStateKey(input). Lenient (default) '
            'sids are 2-64 ASCII letters/digits, "twilio" sids match ^CA[0-9a-fA-F]{32}$, never re-cased; '
            'keyPrefix and hashTag options. Errors are INVALID_CALL_SID (path not fixed by SPEC).',
    'ttl': 'SPEC §6: op "stageTtl" = getStageTTL(input); op "extendedTtl" = codec.extendedTtl(input[0], '
           'input[1]) -> number or null. Table 300/300/600/600/1800, else 3600; ttl.stages / ttl.default / '
           'ttl.max options; null when current <= 0; min(current+add, max) but never below current; add must '
           'be a positive integer (INVALID_FIELD).',
    'encode': 'SPEC §2-§3 writing: op "encode" = serializeCallState(input); expect is the exact stored text. '
              'Input dates are ISO strings the runner turns into Date objects ({"$date":"invalid"} = new Date(NaN)). '
              'Key order: schemaVersion, rev, lastUpdated, callSid, stage, attemptCount, clientId?, jobNumber?, '
              'actionType?, actionValue?, jobData?, language, then unknown fields in input order. Validation '
              'errors carry the field path.',
    'decode': 'SPEC §3 reading: op "decode" = deserializeCallState(input) where input is the exact stored text; '
              'expect is the CallState with dates as toISOString strings, no schemaVersion/rev keys, '
              'null/absent optional fields absent. Numbers in validated fields read as JSON.parse reads them.',
    'dates': 'SPEC §3 dates: reading accepts RFC 3339 only (T or t, Z or z or ±hh:mm; any fraction, truncated '
             'to ms; offsets converted to UTC) and returns toISOString form; anything else is INVALID_DATE with '
             'the field path. Writing uses toISOString; an Invalid Date is INVALID_DATE, never 1970.',
    'migrate': 'SPEC §2 and §4: op "migrate" = migrateCallState(input.data, input.version). "v1": language '
               'defaults to "es", then the v2 step if an action field is present; "v2": action -> actionType via '
               'actionTypeMap or normalization (trim, upper-case, runs of non-alphanumerics -> "_"), action '
               'dropped, an existing actionType wins; "v3": validation only; anything else UNSUPPORTED_VERSION.',
    'versions': 'SPEC §4 stored versions: op "decodeRecord" = codec.decodeRecord(input) -> {state, revision, '
                'schemaVersion, migratedFrom}. Unversioned seed-shaped values are v3 (migratedFrom null, '
                'revision 0); unversioned without language are v1, with action v2; schemaVersion 1/2 run the '
                'chain; any other schemaVersion is UNSUPPORTED_VERSION; a rev that is not a non-negative integer '
                'is INVALID_FIELD (path rev).',
    'compression': 'SPEC §8 compression. Envelopes {"schemaVersion":3,"rev":N,"compressed":"<standard padded '
                   'base64 of raw DEFLATE of the full v3 value>"} are built by generate.py (zlib, wbits=-15) and '
                   'read by every codec. Writing: exact bytes of a compressed value depend on the DEFLATE '
                   'implementation, so op "roundtrip" checks decode(encode(input)) equals input (expect true) and '
                   'op "encodeDecode" checks decode(encode(input)) equals expect (keepJobFields trims jobData); '
                   'both may carry "expectCompressed": whether the stored text is an envelope (it is exactly when '
                   'JSON.parse(stored) has a "compressed" key and no "callSid"). Plain results use op "encode".',
    'limits': 'SPEC §3 and §8 limits: maxBytes (default 1048576) bounds the JSON written, the stored text read '
              'and the inflated size (TOO_LARGE, counted in UTF-8 bytes); nesting deeper than 64 (top-level '
              'object = depth 1) is TOO_DEEP; clientId, jobNumber, actionValue are at most 1024 UTF-16 units.',
    'options': 'SPEC §2 options: op "codec" = new CallStateCodec(input); expect true, or INVALID_FIELD with the '
               'full option path ("options.ttl.stages.ASK_ACTION"). Unknown names are errors at any depth.',
    'errors': 'SPEC §3 and §9 text-level errors: anything JSON.parse refuses (BOM included) is INVALID_JSON; valid '
              'JSON that is not an object is INVALID_FIELD with path "". Other codes are covered where their '
              'rule lives: INVALID_FIELD/INVALID_DATE (decode, dates, encode, job_data), INVALID_CALL_SID (keys, '
              'decode), UNSUPPORTED_VERSION (versions, migrate), TOO_LARGE/TOO_DEEP (limits), BAD_COMPRESSION '
              '(compression). CONFLICT, STALE_WRITE and REDIS are store-level and not in these files.',
    'proto': 'SPEC §3: keys named __proto__, constructor, prototype are ordinary own data properties anywhere '
             '(top level, jobData, nested unknown fields) and never change a prototype. JS runners: copy inputs '
             'only with JSON.parse / structuredClone / spread (never Object.assign or assignment, which run the '
             '__proto__ setter), compare own properties, and also assert that every object in a result has '
             'Object.prototype as its prototype and that ({}).polluted is undefined after the file.',
    'surrogates': 'SPEC §3 and §12: lone surrogates round-trip in every string except where a pattern applies '
                  '(callSid, stage, actionType). How to read this file: in "input" of encode/roundtrip/migrate/'
                  'compressJobData and in "expect" of decode, a JSON escape such as "\\ud800" in this file stands '
                  'for a JS string holding the lone surrogate U+D800 (valid JSON text; JSON.parse yields exactly '
                  'that; serde_json cannot hold it in a String, so the Rust runner must read such vectors with its '
                  'own surrogate-preserving representation). In decode "input" and encode "expect" (stored text) '
                  'the six characters \\ud800 are part of the text, written "\\\\ud800" in this file. '
                  'JSON.stringify writes a lone surrogate as \\udxxx in lower case.',
    'job_data': 'SPEC §3 jobData: an optional object with required strings id, jobNumber, status (INVALID_FIELD '
                'jobData.<name>), optional dates, every other field kept verbatim; null is absent; any other '
                'type is INVALID_FIELD jobData. Op "compressJobData" = compressJobData(input): JSON.stringify of '
                '{id, jobNumber, status} only (the seed\'s semantics); input dates are ISO strings to turn into Dates.',
}

ORDER = ['keys', 'ttl', 'encode', 'decode', 'dates', 'migrate', 'versions', 'compression', 'limits', 'options',
         'errors', 'proto', 'surrogates', 'job_data']


def check(case):
    name = case['name']
    try:
        got, compressed = run(case)
    except RefError as e:
        if 'error' not in case:
            raise AssertionError('%s: model raised %s %r, case expects a value' % (name, e.code, e.path))
        want = case['error']
        assert e.code == want['code'], '%s: model says %s, case says %s' % (name, e.code, want['code'])
        if 'path' in want:
            assert e.path == want['path'], '%s: model path %r, case path %r' % (name, e.path, want['path'])
        assert len(set(e.all)) == 1, '%s: more than one fault %r' % (name, e.all)
        return
    assert 'error' not in case, '%s: model gave %r, case expects error %r' % (name, got, case['error'])
    if case['expect'] is REF:
        case['expect'] = got
    assert same(got, case['expect']), '%s:\n model: %r\n  case: %r' % (name, got, case['expect'])
    if case['op'] == 'roundtrip':
        assert got is True
    if 'expectCompressed' in case:
        assert compressed == case['expectCompressed'], '%s: compressed=%r' % (name, compressed)


def unknown_field_values(state):
    for k, x in state.items():
        if k not in KNOWN:
            yield x
    if isinstance(state.get('jobData'), dict):
        for k, x in state['jobData'].items():
            if k not in JOB_REQUIRED and k not in JOB_DATES:
                yield x


def main():
    assert sys.version_info >= (3, 11), 'needs Python 3.11+ (binascii strict_mode)'
    names = set()
    total = 0
    for f in ORDER:
        for c in FILES[f]:
            assert re.fullmatch(r'[a-z0-9]+(-[a-z0-9]+)*', c['name']), c['name']
            assert c['name'] not in names, 'duplicate name ' + c['name']
            names.add(c['name'])
            check(c)
            if c['op'] in ('encode', 'roundtrip', 'encodeDecode') and isinstance(c['input'], dict):
                # a runner may carry unknown fields as raw text: keep their file text canonical
                for x in unknown_field_values(c['input']):
                    assert not INVISIBLE & set(dumps(x)), c['name']
        doc = {'description': DESCRIPTIONS[f], 'cases': FILES[f]}
        text = pretty(doc) + '\n'
        back = json.loads(text)
        assert same(back, json.loads(json.dumps(doc))), f
        path = os.path.join(HERE, f + '.json')
        with open(path, 'w', encoding='utf-8', newline='\n') as fh:
            fh.write(text)
        size = len(text.encode('utf-8'))
        assert size < 300 * 1024, '%s is %d bytes' % (f, size)
        total += len(FILES[f])
        print('%-12s %4d cases %8d bytes' % (f + '.json', len(FILES[f]), size))
    assert set(FILES) == set(ORDER)
    print('%-12s %4d cases' % ('total', total))


if __name__ == '__main__':
    main()
