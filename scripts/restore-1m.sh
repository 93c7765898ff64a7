#!/usr/bin/env bash
# The CLI restores a 1 000 000-line backup in bounded memory (issue 14): writes an NDJSON backup
# of N calls (default 1 000 000; every 1000th line invalid), restores it with `callstate restore`
# into its own redis-server, and prints the CLI's peak RSS (GNU time's %M) with the file's size.
# Not part of `make test` (a few minutes); `make restore-1m` runs it. Needs `time` (apt: time).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${N:-1000000}"
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes \
  --pidfile "$dir/redis.pid" >/dev/null
trap 'kill "$(cat "$dir/redis.pid")" 2>/dev/null; rm -rf "$dir"' EXIT

# The file, streamed out: values as the codec writes them, a rev, an hour of TTL left.
node -e '
  const { serializeCallState } = require("./bindings/node");
  const { createWriteStream } = require("node:fs");
  const [file, n] = [process.argv[1], Number(process.argv[2])];
  const out = createWriteStream(file);
  const at = Date.now();
  let i = 0;
  (function more() {
    while (i < n) {
      const sid = `CArss${i}`;
      const line = i % 1000 === 999 ? "not a backup line" : JSON.stringify({ key: `rss:${sid}`, pttlMs: 3_600_000, atMs: at,
        value: serializeCallState({ callSid: sid, stage: "ASK_ACTION", attemptCount: i % 3, lastUpdated: new Date(at),
          language: "es", clientId: `C${i}` }).replace("\"rev\":0", "\"rev\":7") });
      i++;
      if (!out.write(line + "\n")) return out.once("drain", more);
    }
    out.end();
  })();' "$dir/backup.ndjson" "$N"

bytes="$(stat -c %s "$dir/backup.ndjson")"
start="$(date +%s)"
/usr/bin/time -f '%M' -o "$dir/rss" node bindings/node/cli/main.js restore "$dir/backup.ndjson" \
  --prefix rss: --url "redis://127.0.0.1:$port" --quiet > "$dir/report"
secs=$(( $(date +%s) - start ))
keys="$(redis-cli -p "$port" DBSIZE)"
echo "restore-1m: $N lines ($((bytes / 1048576)) MiB) in ${secs} s; $keys keys restored"
head -1 "$dir/report"
echo "restore-1m: CLI peak RSS $(( $(tail -1 "$dir/rss") / 1024 )) MiB"
