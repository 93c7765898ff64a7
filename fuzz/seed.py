#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the golden vectors (tests/vectors/*.json).

Every input and stored text the vectors hold becomes a seed: state JSON and stored values for
decode / parse_state / differential, options objects for options, backup lines built around
the stored values for restore, and WATCH-fallback steps with reply arrays (from plans.json's
write kinds and stored values) for decide. Files are named by content hash, so re-running adds
nothing twice. differential_state takes `arbitrary` bytes, not text: libFuzzer grows its own.
Usage: python3 fuzz/seed.py [corpus dir]   (default fuzz/corpus)
"""
import glob
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "corpus")


def put(target, text):
    data = text.encode("utf-8", "surrogatepass")
    name = hashlib.sha1(data).hexdigest()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def cases():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "vectors", "*.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if isinstance(doc, dict):
            yield from (c for c in doc.get("cases", []) if isinstance(c, dict))


stored, states, options = set(), set(), set()
for case in cases():
    op, inp = case.get("op"), case.get("input")
    if isinstance(case.get("options"), dict):
        options.add(compact(case["options"]))
    if op == "codec":
        options.add(inp if isinstance(inp, str) else compact(inp))
    elif op in ("decode", "decodeRecord"):
        if isinstance(inp, str):
            stored.add(inp)
    elif op in ("encode", "roundtrip", "encodeDecode", "migrate", "compressJobData"):
        states.add(inp if isinstance(inp, str) else compact(inp))
        if isinstance(case.get("expect"), str):
            stored.add(case["expect"])

for s in stored | states:
    for target in ("decode", "parse_state", "differential"):
        put(target, s)
for o in options:
    put("options", o)

# restore: each stored value as a backup line of the key its callSid names.
for v in sorted(stored):
    m = re.search(r'"callSid"\s*:\s*"([A-Za-z0-9]{2,64})"', v)
    sid = m.group(1) if m else "CA123abc456def"
    for pttl, at in ((60000, 1000000), (-1, 0), (10**15, -(2**62))):
        put("restore", compact({"key": f"call_state:{sid}", "pttlMs": pttl, "atMs": at, "value": v}) + "\n")

for pttl, v in ((5000, "1"), (-1, "1"), (5000, "0")):
    put("restore", compact({"key": "call_state:CA1:end", "pttlMs": pttl, "atMs": 0, "value": v}) + "\n")

# decide: scripted commands of every kind (the EVALSHA argv the plans hand out, which is all the
# store holds of a step), with reply arrays.
with open(os.path.join(ROOT, "tests", "vectors", "plans.json"), encoding="utf-8") as f:
    plans = json.load(f)
values = {None}
for vec in plans.get("vectors", []):
    st = (vec.get("stored") or {}).get("state")
    if isinstance(st, dict) and isinstance(st.get("value"), str):
        values.add(st["value"])
    elif isinstance(st, str):
        values.add(st)
with open(os.path.join(ROOT, "src", "scripts.rs"), encoding="utf-8") as f:
    sha = dict(re.findall(r'pub const (\w+)_SCRIPT_SHA1: &str = "([0-9a-f]{40})"', f.read()))
keys = ["call_state:CA1", "call_state:CA1:ids", "call_state:CA1:end"]
text = ',"lastUpdated":"2024-03-15T14:31:00.000Z","callSid":"CA1","stage":"ASK_ACTION","attemptCount":2,"language":"es"}'
iso = "2024-03-15T14:31:00.000Z"
writes = [
    ["save", text, iso, "600", "w1", ""],
    ["cas", text, iso, "600", "w1", ""],
    ["cas", "", "", "3600", "w1", "r5"],
    ["cas", text, iso, "k600", "w1", "v{}"],
    ["end", "", "", "60", "w1", ""],
    ["del", "", "", "3600", "w1", ""],
]
for args in writes:
    step = compact(["EVALSHA", sha["WRITE"], "3", *keys, *args])
    for cur in sorted(values, key=lambda v: (v is not None, v or "")):
        for applied, ended in ((None, 0), ("7:1 w0 ", 0), (None, 1)):
            replies = [cur, applied, ended, ["1710513060", "250999"], 300, -1]
            put("decide", step + "\n" + compact(replies))
extend = compact(["EVALSHA", sha["EXTEND"], "3", *keys, "60", "7200"])
for replies in ([0, 300], [1, 300], [0, -2], [0, 7190]):
    put("decide", extend + "\n" + compact(replies))
restore = compact(["EVALSHA", sha["RESTORE"], "3", *keys, text[1:], "5000", "1"])
for replies in ([0, 0], [1, 0], [0, 1]):
    put("decide", restore + "\n" + compact(replies))

for t in sorted(os.listdir(OUT)):
    print(f"{t}: {len(os.listdir(os.path.join(OUT, t)))} seeds")
