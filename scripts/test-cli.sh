#!/usr/bin/env bash
# The `callstate` CLI against a real redis-server (bindings/js/test/cli.test.mjs starts its own via
# scripts/redis.sh) and a 3-master Cluster (bindings/js/test/cli-cluster.test.mjs), then the
# OpenTelemetry metrics example (examples/otel) on a store run, with the package installed from its
# tarball (its `callstate` bin included).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/ioredis && -d node_modules/redis ]] || npm ci --no-audit --no-fund --loglevel=error
node --test --test-reporter=spec bindings/js/test/cli.test.mjs
# `--cluster --hash-tag` on a real 3-master Cluster (the file starts its own), with both clients
# (CALLSTATE_REDIS_CLIENT=ioredis|redis), on Redis 7 and Valkey 8 (~15 s each).
for server in redis valkey; do
  CALLSTATE_SERVER="$server" node --test --test-reporter=spec --test-force-exit bindings/js/test/cli-cluster.test.mjs
done
# As a user installs it: the packed tarballs (examples/install.sh), so the `bin` is checked too.
bash examples/install.sh examples/otel
node examples/otel/test.mjs
