#!/usr/bin/env bash
# `make test-runtimes` (part of `make test`, after `make build`): the packages in the runtimes
# they are for, each installed from the packed tarballs (examples/install.sh):
#   twilio-ivr  the Functions IVR under twilio-run + redis-server: the demo's call, races
#   worker      callstate-wasm in workerd (Miniflare): bundle, start-up cost, webhooks
#   browser     callstate-wasm's ESM build in headless Debian Chromium: every golden vector
# (CommonJS/ESM projects on the tarballs, FORCE_WASM and TypeScript: scripts/test-js.sh step 3.)
# Installs what is missing (Debian's chromium, the examples' npm packages); idempotent, and
# fast when warm. Usage: scripts/test-runtimes.sh [twilio-ivr|worker|browser ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
suites=("$@")
[[ ${#suites[@]} -gt 0 ]] || suites=(twilio-ivr worker browser)

# --- Debian's Chromium for the browser check (puppeteer-core never downloads a browser)
if [[ " ${suites[*]} " == *" browser "* ]] && ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q '^install ok installed$'; then
  echo "test-runtimes: installing chromium (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# --- the examples' npm packages, with our packages from `npm pack`
dirs=()
for s in "${suites[@]}"; do
  case "$s" in
    twilio-ivr|worker|browser) dirs+=("examples/$s") ;;
    *) echo "test-runtimes: unknown suite $s" >&2; exit 2 ;;
  esac
done
PUPPETEER_SKIP_DOWNLOAD=1 bash examples/install.sh "${dirs[@]}"

# --- the suites, one after the other (each starts and stops its own servers)
failed=()
for s in "${suites[@]}"; do
  echo "== test-runtimes: $s"
  start=$SECONDS
  if (cd "examples/$s" && node --test --test-reporter=spec test/*.test.mjs); then
    echo "== test-runtimes: $s ok ($((SECONDS - start)) s)"
  else
    echo "== test-runtimes: $s FAILED" >&2
    failed+=("$s")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test-runtimes: failed: ${failed[*]}" >&2
  exit 1
fi
echo "test-runtimes: ok (${suites[*]})"
