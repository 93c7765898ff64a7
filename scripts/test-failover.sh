#!/usr/bin/env bash
# `make failover` (issue 12, "Durability across failover"): a 3-master × 1-replica Redis Cluster on
# loopback, masters killed with kill -9 (and handed over with CLUSTER FAILOVER) under racing updates,
# for ioredis Cluster and node-redis Cluster, with `durability` off and on; prints per client the
# acknowledged updates, lost ones per cell, applied twice, late settles, errors by code. ~2 min on
# 2 cores. Exit 1 if an update acknowledged with durability (or across CLUSTER FAILOVER) was lost,
# or any update was applied twice or settled late. See tests/failover/run.mjs.
#
#   scripts/test-failover.sh [run.mjs options: --client ioredis --only cut-off,cut-durable --server valkey …]
#   CALLSTATE_BACKEND=wasm scripts/test-failover.sh       # the WASM package (default native)
#   FAILOVER_OUT=dir                                       # where results.json goes (target/failover)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
command -v redis-server >/dev/null || { echo "test-failover: redis-server not installed" >&2; exit 1; }

out="${FAILOVER_OUT:-target/failover}"
mkdir -p "$out"
# The cluster's nodes live under this TMPDIR (tests/support/cluster.mjs); node kills them when it
# exits, this catches the ones of a node that was itself killed.
tmp="$(mktemp -d /tmp/callstate-failover.XXXXXX)"
cleanup() {
  while IFS= read -r pidfile; do kill -9 "$(cat "$pidfile")" 2>/dev/null || true; done < <(find "$tmp" -name server.pid 2>/dev/null)
  rm -rf "$tmp"
}
trap cleanup EXIT

start=$SECONDS
status=0
TMPDIR="$tmp" node tests/failover/run.mjs --results "$out/results.json" "$@" || status=$?
echo "test-failover: $((SECONDS - start))s"
exit $status
