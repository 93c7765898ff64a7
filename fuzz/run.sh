#!/usr/bin/env bash
# Runs the fuzz targets (one libFuzzer process at a time per lane, --jobs lanes, under nice -n 19),
# each for --seconds, on fuzz/corpus/<target> plus seeds made from tests/vectors (fuzz/seed.py,
# read-only, under fuzz/target/seeds). Prints each target's seconds and executions (libFuzzer's
# final stats). Exits non-zero if any target found a crash (saved under fuzz/artifacts/<target>).
# Usage: fuzz/run.sh [--seconds N] [--jobs N] [--cmin | --cmin-only] [target ...]   (default: all, 60 s)
#   --scratch: fuzz a copy of the corpus (under target/), leaving the committed one as it is
#           (make fuzz-smoke, in make test)
#   --jobs N: N targets at a time (default 1; make fuzz-smoke uses 2, one per core)
#   --cmin: afterwards minimize each target's corpus (libFuzzer -merge=1, as cargo fuzz cmin),
#           keeping only inputs that add coverage beyond the seeds (those are rebuilt every run).
set -euo pipefail
FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ")"
seconds=60 jobs=1 cmin="" scratch="" targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --cmin) cmin=1; shift ;;
    --cmin-only) cmin=only; shift ;;
    --scratch) scratch=1; shift ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=(decode parse_state options restore decide differential differential_state)

bash "$ROOT/scripts/setup-fuzz.sh"
# shellcheck source=env.sh
source "$FUZZ/env.sh"
cd "$FUZZ"
nice -n 19 cargo fuzz build -s none >/dev/null 2>&1 || nice -n 19 cargo fuzz build -s none
rm -rf target/seeds && python3 seed.py target/seeds >/dev/null

# The corpus of $1 merged over its seeds, less the seeds: what the fuzzer found beyond them,
# by edges only (-use_counters=0), in inputs of at most KEEP_MAX bytes (default 1024), so the
# committed corpus stays small (a few hundred KB for all targets).
minimize() {
  local t="$1" tmp="target/cmin-$1"
  find "corpus/$t" -type f -size +"${KEEP_MAX:-1024}"c -delete
  rm -rf "$tmp" && mkdir -p "$tmp" && cp "target/seeds/$t"/* "$tmp"/ 2>/dev/null || true
  nice -n 19 "target/x86_64-unknown-linux-gnu/release/$t" -merge=1 -use_counters=0 -timeout=10 \
    -rss_limit_mb=2048 "$tmp" "corpus/$t" >"target/cmin-$t.log" 2>&1 || return 0
  for f in "target/seeds/$t"/*; do rm -f "$tmp/$(basename "$f")"; done
  rm -rf "corpus/$t" && mv "$tmp" "corpus/$t"
}

# One target: fuzz it, print its line; returns non-zero on a crash (the input is kept).
fuzz_one() {
  local t="$1" log work start status took cpu execs cov
  mkdir -p "corpus/$t" "target/seeds/$t" "artifacts/$t"
  if [[ "$cmin" == only ]]; then minimize "$t"; echo "cmin $t: $(ls "corpus/$t" | wc -l) files"; return 0; fi
  log="target/fuzz-$t.log"
  work="corpus/$t"
  if [[ -n "$scratch" ]]; then
    work="target/scratch/$t"; rm -rf "$work"; mkdir -p "$work"; cp "corpus/$t"/* "$work"/ 2>/dev/null || true
  fi
  start=$(date +%s)
  status=0
  # CPU seconds (user + sys) beside the wall time: under nice the fuzzer gets what the machine
  # leaves, and -max_total_time counts wall time.
  TIMEFORMAT=%0U+%0S
  { time nice -n 19 cargo fuzz run -s none "$t" "$work" "target/seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?; } 2>"target/cpu-$t"
  took=$(( $(date +%s) - start ))
  cpu=$(( $(tr -d '\n' <"target/cpu-$t") ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -o 'cov: [0-9]*' || true)
  echo "fuzz $t: ${took}s (cpu ${cpu}s), ${execs} executions, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files"
  if [[ $status -ne 0 ]]; then
    grep -E -A12 "panicked|deadly signal|ERROR: libFuzzer" "$log" | head -40 >&2 || tail -40 "$log" >&2
    ls -1 "artifacts/$t" >&2
  fi
  if [[ -n "$cmin" ]]; then minimize "$t"; fi
  return "$status"
}

# --jobs N lanes, each taking every Nth target in turn (one libFuzzer process per lane).
failed=()
rm -f target/lane-*.failed
for ((lane = 0; lane < jobs; lane++)); do
  (
    for ((i = lane; i < ${#targets[@]}; i += jobs)); do
      fuzz_one "${targets[$i]}" || echo "${targets[$i]}" >>"target/lane-$lane.failed"
    done
  ) &
done
wait
for f in target/lane-*.failed; do [[ -f "$f" ]] && mapfile -t -O "${#failed[@]}" failed <"$f"; done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in ${failed[*]} (inputs under fuzz/artifacts/; replay: cargo fuzz run -s none TARGET FILE)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
