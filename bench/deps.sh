#!/usr/bin/env bash
# The bench's npm dependencies (mitata, zod 4, ioredis), pinned by bench/package-lock.json.
# Idempotent: `npm ci` runs only when the lockfile changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
stamp=node_modules/.callstate-bench-lock
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
