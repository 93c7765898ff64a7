#!/usr/bin/env bash
# The `callstate` CLI against a real redis-server (bindings/js/test/cli.test.mjs starts its own via
# scripts/redis.sh), then the OpenTelemetry metrics example (examples/otel) on a store run, with
# the package installed from its tarball (its `callstate` bin included).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
node --test --test-reporter=spec bindings/js/test/cli.test.mjs
# As a user installs it: the packed tarballs (examples/install.sh), so the `bin` is checked too.
bash examples/install.sh examples/otel
node examples/otel/test.mjs
