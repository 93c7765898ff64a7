#!/usr/bin/env bash
# Fuzzing toolchain (issue 14), for the fuzz make targets only (never `make build`). Idempotent.
#   - Debian's rustc/cargo (scripts/setup-system.sh installs them), used through .tools/debian-rust/bin
#     with RUSTC_BOOTSTRAP=1: cargo fuzz passes nightly-only -Z flags (sancov, -Zsanitizer).
#   - cargo-fuzz from crates.io (--locked) into .tools/cargo.
#   - g++: libfuzzer-sys builds libFuzzer's C++ sources.
# Sanitizer: none. Debian's rustc ships no ASan runtime (librustc-stable_rt.asan.a), so
# `-s address` fails to link; the core has no unsafe code (`unsafe_code = "deny"`), and the fuzz
# profile keeps debug assertions and overflow checks on, so a bug shows as a panic.
# Source fuzz/env.sh afterwards (fuzz/run.sh does) for PATH and RUSTC_BOOTSTRAP.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
CARGO_FUZZ_VERSION="${CARGO_FUZZ_VERSION:-0.13.2}"

if [[ ! -x /usr/bin/rustc || ! -x /usr/bin/cargo ]]; then
  "$ROOT/scripts/setup-system.sh"
fi
if ! command -v g++ >/dev/null; then
  echo "setup-fuzz: installing g++"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ >/dev/null
fi
mkdir -p "$TOOLS/debian-rust/bin"
for b in cargo rustc rustdoc; do ln -sfn "/usr/bin/$b" "$TOOLS/debian-rust/bin/$b"; done

# shellcheck source=../fuzz/env.sh
source "$ROOT/fuzz/env.sh"
if [[ "$(cargo fuzz --version 2>/dev/null | cut -d' ' -f2)" != "$CARGO_FUZZ_VERSION" ]]; then
  echo "setup-fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (~1 min)"
  cargo install -q --locked --root "$TOOLS/cargo" cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
echo "ok: fuzz toolchain ($(rustc --version | cut -d' ' -f1-2) with RUSTC_BOOTSTRAP=1, $(cargo fuzz --version), sanitizer none)"
