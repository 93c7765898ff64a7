#!/usr/bin/env bash
# wasm32 toolchain, offline-capable (SPEC §11 steps 2-5). Idempotent; needs setup-system.sh first.
#   a) try rustup's wasm32 target (a bonus for rustup users; nothing below depends on it)
#   b) build Debian rustc's std for wasm32 once (stamp keyed on `/usr/bin/rustc --version`)
#   c) .tools/debian-rust/bin: links to Debian's cargo/rustc, put first on PATH by scripts/env-wasm.sh
#   d) wasm-bindgen-cli (version = Cargo.lock's wasm-bindgen, else $WASM_BINDGEN_VERSION / $1)
#   e) wasm-pack, twiggy   f) npm `binaryen` (wasm-opt); never Debian's binaryen, it breaks modules
# Usage: scripts/setup-wasm.sh [wasm-bindgen-version]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
WASM_PACK_VERSION="${WASM_PACK_VERSION:-0.15.1}"
BINARYEN_VERSION="${BINARYEN_VERSION:-132.0.0}"
TWIGGY_VERSION="${TWIGGY_VERSION:-0.8.0}"
T=wasm32-unknown-unknown

# --- d0) which wasm-bindgen: Cargo.lock wins, so the CLI always matches the library in use.
V="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' "$ROOT/Cargo.lock" 2>/dev/null || true)"
V="${V:-${1:-${WASM_BINDGEN_VERSION:-0.2.130}}}"

# --- a) rustup target: harmless if it fails (offline machines); tried once, then remembered.
mkdir -p "$TOOLS"
if command -v rustup >/dev/null && [[ ! -e "$TOOLS/rustup-wasm-tried" ]]; then
  timeout 60 rustup target add "$T" >/dev/null 2>&1 || echo "setup-wasm: rustup target add failed (fine, using Debian's rustc)"
  touch "$TOOLS/rustup-wasm-tried"
fi

# --- c) link folder: Debian's toolchain, for wasm builds only.
mkdir -p "$TOOLS/debian-rust/bin"
for b in cargo rustc rustdoc rust-lld; do ln -sfn "/usr/bin/$b" "$TOOLS/debian-rust/bin/$b"; done

# --- b) std for wasm32 in Debian's sysroot.
SYSLIB="$(/usr/bin/rustc --print sysroot)/lib/rustlib/$T/lib"
STAMP="$SYSLIB/.callstate-std-stamp"
WANT="$(/usr/bin/rustc --version) embed-bitcode=yes"
if [[ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]]; then
  echo "setup-wasm: building std for $T with $(/usr/bin/rustc --version) (~1 min)"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/src" && : > "$tmp/src/lib.rs"
  printf '[package]\nname = "stdbuild_dummy"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' > "$tmp/Cargo.toml"
  # -Cembed-bitcode=yes: without it every LTO build fails ("Can't find section .llvmbc").
  ( cd "$tmp" && PATH="$TOOLS/debian-rust/bin:$PATH" RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
      CARGO_TARGET_DIR="$tmp/target" cargo build -q --release --target "$T" -Zbuild-std=std,panic_abort,test )
  mkdir -p "$SYSLIB" && rm -f "$SYSLIB"/lib*.rlib
  find "$tmp/target/$T/release/deps" -name 'lib*.rlib' ! -name 'libstdbuild_dummy-*' -exec cp {} "$SYSLIB/" \;
  echo "$WANT" > "$STAMP"
  # Artifacts built against the old std would fail with E0463 ("can't find crate for `std`").
  rm -rf "$ROOT/target/$T"
fi

# --- d) wasm-bindgen-cli, e) wasm-pack: project-local cargo root (built with whatever cargo is on PATH).
have() { [[ "$("$TOOLS/cargo/bin/$1" --version 2>/dev/null | cut -d' ' -f2)" == "$2" ]]; }
have wasm-bindgen "$V"                || cargo install -q --root "$TOOLS/cargo" wasm-bindgen-cli --version "$V"
have wasm-pack "$WASM_PACK_VERSION"   || cargo install -q --root "$TOOLS/cargo" wasm-pack --version "$WASM_PACK_VERSION"
# twiggy: the module's size profile (`twiggy top`/`dominators` on target/callstate-build/
# callstate_wasm.names.wasm, which scripts/build.sh writes; bench/findings.md). ~2 min once, so
# only when asked (CALLSTATE_TWIGGY=1: `make wasm-profile`), not on every fresh CI machine.
twiggy_note="twiggy on request"
if [[ "${CALLSTATE_TWIGGY:-}" == 1 ]]; then
  have twiggy "$TWIGGY_VERSION"       || cargo install -q --root "$TOOLS/cargo" twiggy --version "$TWIGGY_VERSION"
  twiggy_note="twiggy $TWIGGY_VERSION"
fi

# --- f) binaryen's wasm-opt from npm.
if [[ "$("$TOOLS/node/node_modules/.bin/wasm-opt" --version 2>/dev/null | cut -d' ' -f3)" != "${BINARYEN_VERSION%%.*}" ]]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/node" "binaryen@$BINARYEN_VERSION" >/dev/null
fi

echo "ok: wasm toolchain (Debian $(/usr/bin/rustc --version | cut -d' ' -f2) + std for $T, wasm-bindgen $V, wasm-pack $WASM_PACK_VERSION, $twiggy_note, binaryen $BINARYEN_VERSION); use: source scripts/env-wasm.sh"
