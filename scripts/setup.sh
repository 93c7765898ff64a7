#!/usr/bin/env bash
# One-stop, idempotent machine setup: Debian packages, wasm32 toolchain, zig/cargo-zigbuild.
# Fresh machine: ~10-15 min (mostly `cargo install`); afterwards ~2 s, one "ok: ..." line per step.
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$DIR/setup-system.sh"
"$DIR/setup-wasm.sh" "$@"
"$DIR/setup-zig.sh"
