#!/usr/bin/env bash
# The store suite against a real redis-server (Debian's), started here on a free loopback port and
# stopped on exit; run once per backend (native, WASM) — each run covers ioredis and node-redis.
# Then the same suite on a valkey-server 8, and the cluster suite (3 masters) on Redis and Valkey.
# Each server also replays tests/vectors/plans.json (plan-vectors.test.mjs) on both backends.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis && -d node_modules/zod && -d node_modules/valibot ]] || npm ci --no-audit --no-fund --loglevel=error
command -v valkey-server >/dev/null && command -v valkey-cli >/dev/null \
  || { echo "valkey-server/valkey-cli not found: run scripts/setup.sh (bookworm-backports)" >&2; exit 1; }
dir="$(mktemp -d /tmp/callstate-store.XXXXXX)"
vdir="$(mktemp -d /tmp/callstate-store-valkey.XXXXXX)"
trap 'bash scripts/redis.sh stop "$dir"; CALLSTATE_SERVER=valkey bash scripts/redis.sh stop "$vdir"; rm -rf "$dir" "$vdir"' EXIT
port="$(CALLSTATE_SERVER=redis bash scripts/redis.sh start "$dir")"
vport="$(CALLSTATE_SERVER=valkey bash scripts/redis.sh start "$vdir")"
for backend in native wasm; do
  echo "store suite: $backend core, redis on 127.0.0.1:$port"
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/store.test.mjs
  # The Lua write script and the core's WATCH/MULTI plan, held to the same answers (300 random cases).
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/plans-differential.test.mjs
  # tests/vectors/plans.json through the real Lua and the WATCH fallback (tests/plan_vectors.rs: the core alone).
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/plan-vectors.test.mjs
  # The fallback reads each step back from its EVALSHA argv: argvs the plans write, mutated, run
  # through the real Lua and the fallback must leave the same keys (4000 argvs, ~4 s); and the two
  # argvs the fault-path audit found the fallback ran differently (now refused).
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/lua-vs-watch.test.mjs bindings/js/test/fallback-argv.test.mjs
  # The user's own fields (issue 14): the store's `schema` (zod, valibot, an async one) refuses a bad
  # field on write (nothing written) and on read (before fn runs).
  REDIS_PORT="$port" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/store-schema.test.mjs
  # One test per fault rule of SPEC §7 (each on its own redis-server: pauses, OOM, LOADING, kills).
  CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/store-faults.test.mjs
done
# A 3-master cluster and a kill -9 / restart load (their own servers; once, on the native core —
# the WASM core runs the same plans, and the suite above covers it).
CALLSTATE_BACKEND=native node --test --test-reporter=spec bindings/js/test/store-resilience.test.mjs
# Valkey 8, single node: the same suite and the script/WATCH-plan differential on both backends
# (~8 s each).
for backend in native wasm; do
  printf "\nstore suite: %s core, valkey on 127.0.0.1:%s\n" "$backend" "$vport"
  REDIS_PORT="$vport" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/store.test.mjs
  REDIS_PORT="$vport" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/plans-differential.test.mjs
  REDIS_PORT="$vport" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/plan-vectors.test.mjs
  REDIS_PORT="$vport" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot bindings/js/test/lua-vs-watch.test.mjs bindings/js/test/fallback-argv.test.mjs
done
# The store suite on a 3-master Cluster (the file starts its own, tests/support/cluster.mjs): ioredis
# Cluster and node-redis Cluster, script and no-Lua modes; × {redis 7, valkey 8} × {native, WASM}
# (~15 s each). --test-force-exit: a client a failing test leaves open must not hang `make test`;
# the last test of the file fails on any connection left open.
for server in redis valkey; do
  for backend in native wasm; do
    printf "\ncluster store suite: %s core, 3-master %s cluster\n" "$backend" "$server"
    CALLSTATE_SERVER="$server" CALLSTATE_BACKEND="$backend" node --test --test-reporter=dot --test-force-exit bindings/js/test/store-cluster.test.mjs
  done
done
