#!/usr/bin/env bash
# `make demo` (after `make build`): one IVR call end to end, printed as a call transcript.
# Installs the Twilio Functions example from the packed packages (examples/install.sh), then
# examples/twilio-ivr/local/demo.mjs starts its own redis-server and twilio-run on free loopback
# ports, plays the call's webhooks (a wrong digit retried, a status callback racing the last
# <Gather> action, Twilio retrying that action with the same I-Twilio-Idempotency-Token, the
# final "completed" status callback ending the call) and stops both. Exits 0 only if the call ended in the expected state.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash examples/install.sh examples/twilio-ivr >&2
if [[ "$(node -p "typeof require('./examples/twilio-ivr/node_modules/callstate').createCallStateStore")" != function ]]; then
  echo "demo: the installed callstate package does not export createCallStateStore yet" >&2
  exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/callstate-demo.XXXXXX")"
# demo.mjs stops what it starts; this trap is the last resort if it is killed. The work folder
# (twilio-run.log, redis.log) is kept when the call did not end as expected.
cleanup() {
  local rc=$?
  if [[ -f "$WORK/twilio-run.pid" ]]; then kill "$(cat "$WORK/twilio-run.pid")" 2>/dev/null || true; fi
  bash scripts/redis.sh stop "$WORK/redis" 2>/dev/null || true
  if [[ $rc == 0 ]]; then rm -rf "$WORK"; else echo "demo: logs kept in $WORK" >&2; fi
}
trap cleanup EXIT
node examples/twilio-ivr/local/demo.mjs "$WORK"
