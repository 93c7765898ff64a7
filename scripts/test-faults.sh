#!/usr/bin/env bash
# The fault matrix (issues 11, 12): every fault × client (ioredis, node-redis) × mode (script, nolua)
# on real servers started here — redis-server once per backend (native, then WASM, two processes),
# then valkey-server on the native backend — then the harness self-test and the linearizability
# checker (tools/histcheck) over every history, and one combined report (a `server` column tells
# redis and valkey lines apart). Exit 1 if any cell lost, doubled, wrote late, settled late, erred,
# crashed or is not linearizable. Faults: pause sleep kill oom loading kill9 acl on one server, and
# reshard on a 3-master Cluster (tests/support/cluster.mjs). Bounded: ~1.7 min per Redis backend
# (2.5 s of load per cell), ~1.4 min for Valkey (2 s per cell), ~5 min in all on 2 cores.
#
#   scripts/test-faults.sh [run.mjs options: --only f1,f2 --client … --mode … --seconds N --soak N]
#   scripts/test-faults.sh --soak 300                     # soak: all faults at random, 300 s per backend (Redis only)
#   FAULTS_BACKENDS="native" scripts/test-faults.sh      # Redis backends (default: native wasm)
#   FAULTS_VALKEY_BACKENDS="native wasm"                  # Valkey backends (default: native; "" = no Valkey pass)
#   FAULTS_VALKEY_SECONDS=2                               # load per Valkey cell (a --seconds given wins)
#   CALLSTATE_PKG_ROOT=dir                                # test package folders other than bindings/
#   FAULTS_OUT=dir                                        # where histories/results stay (target/faults)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
command -v redis-server >/dev/null || { echo "test-faults: redis-server not installed" >&2; exit 1; }

soak=0
for a in "$@"; do [[ "$a" == --soak* ]] && soak=1; done
# The soak runs on Redis only unless FAULTS_VALKEY_BACKENDS says otherwise.
if (( soak )); then valkey_backends="${FAULTS_VALKEY_BACKENDS-}"; else valkey_backends="${FAULTS_VALKEY_BACKENDS-native}"; fi
if [[ -n "$valkey_backends" ]] && ! command -v valkey-server >/dev/null; then
  echo "test-faults: valkey-server not installed (scripts/setup.sh installs it; FAULTS_VALKEY_BACKENDS= skips the Valkey pass)" >&2
  exit 1
fi

out="${FAULTS_OUT:-target/faults}"
mkdir -p "$out"
dir="$(mktemp -d /tmp/callstate-faults.XXXXXX)"
cleanup() {
  # run.mjs kills its servers on exit; this catches the ones of a run.mjs that was itself killed
  # (single servers write redis.pid, Cluster nodes server.pid).
  while IFS= read -r pidfile; do kill -9 "$(cat "$pidfile")" 2>/dev/null || true; done \
    < <(find "$dir" \( -name redis.pid -o -name server.pid \) 2>/dev/null)
  rm -rf "$dir"
}
trap cleanup EXIT

# Build the checker first, so that its compile time never overlaps a cell's timing.
if [[ -f tools/histcheck/Cargo.toml ]]; then
  cargo build --release -q -p histcheck || echo "test-faults: tools/histcheck does not build: linearizable=n/a"
else
  echo "test-faults: tools/histcheck does not exist yet: linearizable=n/a"
fi

total=$SECONDS
results=()
histories=()
# pass <server> <backend> [run.mjs options…]
pass() {
  local server=$1 backend=$2; shift 2
  local tag="$server-$backend" start=$SECONDS
  [[ "$server" == redis ]] && tag="$backend" # the Redis files keep their names
  rm -f "$out/results-$tag.json"
  # Exit status 1 = failing cells: the combined report below says which; keep going.
  node tests/faults/run.mjs --server "$server" --backend "$backend" --no-check --dir "$dir/$tag" \
    --history "$out/history-$tag.json" --results "$out/results-$tag.json" "$@" || true
  echo "test-faults: $server/$backend took $((SECONDS - start))s"
  results+=("$out/results-$tag.json")
  histories+=("$out/history-$tag.json")
}
for backend in ${FAULTS_BACKENDS:-native wasm}; do pass redis "$backend" "$@"; done
for backend in $valkey_backends; do pass valkey "$backend" --seconds "${FAULTS_VALKEY_SECONDS:-2}" "$@"; done

status=0
# The checks themselves: a clean recorded history passes, corrupted copies of it are caught.
node tests/faults/selftest.mjs "${histories[0]}" || status=1
node tests/faults/report.mjs "${results[@]}" || status=1
echo "test-faults: $((SECONDS - total))s in all"
exit $status
