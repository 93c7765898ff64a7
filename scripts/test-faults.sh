#!/usr/bin/env bash
# The fault matrix (issue 11): every fault × client (ioredis, node-redis) × mode (script, nolua) on
# real redis-servers started here, once per backend (native, then WASM, two processes), then the
# harness self-test and the linearizability checker (tools/histcheck) over both histories, and one
# combined report. Exit 1 if any cell lost, doubled, wrote late, settled late, erred, crashed or is
# not linearizable. Bounded: ~1.5 min per backend on 2 cores (2.5 s of load per cell).
#
#   scripts/test-faults.sh [run.mjs options: --only f1,f2 --client … --mode … --seconds N --soak N]
#   scripts/test-faults.sh --soak 300                     # soak: all faults at random, 300 s per backend
#   FAULTS_BACKENDS="native" scripts/test-faults.sh      # one backend only
#   CALLSTATE_PKG_ROOT=dir                                # test package folders other than bindings/
#   FAULTS_OUT=dir                                        # where histories/results stay (target/faults)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
command -v redis-server >/dev/null || { echo "test-faults: redis-server not installed" >&2; exit 1; }

out="${FAULTS_OUT:-target/faults}"
mkdir -p "$out"
dir="$(mktemp -d /tmp/callstate-faults.XXXXXX)"
cleanup() {
  # run.mjs kills its servers on exit; this catches the ones of a run.mjs that was itself killed.
  while IFS= read -r pidfile; do kill -9 "$(cat "$pidfile")" 2>/dev/null || true; done < <(find "$dir" -name redis.pid 2>/dev/null)
  rm -rf "$dir"
}
trap cleanup EXIT

# Build the checker first, so that its compile time never overlaps a cell's timing.
if [[ -f tools/histcheck/Cargo.toml ]]; then
  cargo build --release -q -p histcheck || echo "test-faults: tools/histcheck does not build: linearizable=n/a"
else
  echo "test-faults: tools/histcheck does not exist yet: linearizable=n/a"
fi

results=()
for backend in ${FAULTS_BACKENDS:-native wasm}; do
  start=$SECONDS
  rm -f "$out/results-$backend.json"
  # Exit status 1 = failing cells: the combined report below says which; keep going.
  node tests/faults/run.mjs --backend "$backend" --no-check --dir "$dir/$backend" \
    --history "$out/history-$backend.json" --results "$out/results-$backend.json" "$@" || true
  echo "test-faults: $backend backend took $((SECONDS - start))s"
  results+=("$out/results-$backend.json")
done

status=0
# The checks themselves: a clean recorded history passes, corrupted copies of it are caught.
backends="${FAULTS_BACKENDS:-native wasm}"
node tests/faults/selftest.mjs "$out/history-${backends%% *}.json" || status=1
node tests/faults/report.mjs "${results[@]}" || status=1
exit $status
