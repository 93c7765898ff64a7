#!/usr/bin/env bash
# The `callstate` CLI against a real redis-server (bindings/js/test/cli.test.mjs starts its own via
# scripts/redis.sh), then the OpenTelemetry metrics example (examples/otel) on a store run.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
node --test --test-reporter=spec bindings/js/test/cli.test.mjs
if [[ -f examples/otel/test.mjs ]]; then
  [[ -d examples/otel/node_modules/@opentelemetry/sdk-metrics ]] ||
    (cd examples/otel && npm install --no-audit --no-fund --loglevel=error)
  node examples/otel/test.mjs
fi
