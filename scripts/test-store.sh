#!/usr/bin/env bash
# The store suite against a real redis-server (Debian's), started here on a free loopback port and
# stopped on exit; run once per backend (native, WASM) — each run covers ioredis and node-redis.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
dir="$(mktemp -d /tmp/callstate-store.XXXXXX)"
trap 'bash scripts/redis.sh stop "$dir"; rm -rf "$dir"' EXIT
port="$(bash scripts/redis.sh start "$dir")"
for backend in native wasm; do
  echo "store suite: $backend core, redis on 127.0.0.1:$port"
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/store.test.mjs
  # The Lua write script and the core's WATCH/MULTI plan, held to the same answers (300 random cases).
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/plans-differential.test.mjs
  # One test per fault rule of SPEC §7 (each on its own redis-server: pauses, OOM, LOADING, kills).
  CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/store-faults.test.mjs
done
# A 3-master cluster and a kill -9 / restart load (their own servers; once, on the native core —
# the WASM core runs the same plans, and the suite above covers it).
CALLSTATE_BACKEND=native node --test --test-reporter=spec bindings/js/test/store-resilience.test.mjs
