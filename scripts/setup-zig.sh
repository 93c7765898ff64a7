#!/usr/bin/env bash
# glibc-2.17-baseline native builds (SPEC §11 step 6): zig from PyPI (`ziglang`, in a project-local
# venv, linked as .tools/bin/zig) + cargo-zigbuild in .tools/cargo. Idempotent; the first run proves
# `cargo zigbuild --target x86_64-unknown-linux-gnu.2.17` on a throwaway cdylib (highest symbol GLIBC_2.17).
# Use: source scripts/env-zig.sh; cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.17
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
ZIG_VERSION="${ZIG_VERSION:-0.17.1}"
ZIGBUILD_VERSION="${ZIGBUILD_VERSION:-0.24.1}"
STAMP="$TOOLS/zig-verified"    # holds "zig <version> zigbuild <version>" once the check passed

# zig: python -m venv + pip (the wheel ships the whole zig toolchain).
if [[ ! -x "$TOOLS/zig-venv/bin/python" ]] || ! "$TOOLS/zig-venv/bin/python" -m ziglang version 2>/dev/null | grep -qx "$ZIG_VERSION"; then
  python3 -m venv "$TOOLS/zig-venv"
  "$TOOLS/zig-venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ZIG_VERSION"
fi
mkdir -p "$TOOLS/bin"
ln -sfn "$(echo "$TOOLS"/zig-venv/lib/python3*/site-packages/ziglang/zig)" "$TOOLS/bin/zig"

# cargo-zigbuild (built with the default cargo on PATH).
[[ "$("$TOOLS/cargo/bin/cargo-zigbuild" --version 2>/dev/null | cut -d' ' -f2)" == "$ZIGBUILD_VERSION" ]] ||
  cargo install -q --root "$TOOLS/cargo" cargo-zigbuild --version "$ZIGBUILD_VERSION"

WANT="zig $ZIG_VERSION zigbuild $ZIGBUILD_VERSION"
if [[ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/src"
  printf '[package]\nname = "zigcheck"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n' > "$tmp/Cargo.toml"
  # Threads need pthread_create (GLIBC_2.34 in a plain build here), Instant needs clock_gettime (2.17).
  printf '#[no_mangle]\npub extern "C" fn zigcheck(n: u64) -> u64 {\n  let t = std::time::Instant::now();\n  std::thread::spawn(move || n + 1).join().unwrap() + t.elapsed().as_nanos() as u64 * 0\n}\n' > "$tmp/src/lib.rs"
  ( cd "$tmp" && PATH="$TOOLS/bin:$TOOLS/cargo/bin:$PATH" cargo zigbuild -q --release --target x86_64-unknown-linux-gnu.2.17 )
  so="$tmp/target/x86_64-unknown-linux-gnu/release/libzigcheck.so"
  max="$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
  [[ "$max" == GLIBC_2.17 ]] || { echo "setup-zig: expected max GLIBC_2.17, got $max" >&2; exit 1; }
  echo "$WANT" > "$STAMP"
fi
echo "ok: zig $ZIG_VERSION + cargo-zigbuild $ZIGBUILD_VERSION (glibc 2.17 build verified); use: source scripts/env-zig.sh"
