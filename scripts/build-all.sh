#!/usr/bin/env bash
# `make build-all` (issue 16): the napi module for the five platforms beside the host one that
# scripts/build.sh makes (linux-x64-gnu), all on this x86_64 Debian machine, offline but for the
# package registries. Each goes to npm/<platform>/callstate.<platform>.node (the platform package)
# and beside bindings/node/index.js (the local build the loader tries first, which
# scripts/test-platforms.sh runs the JS suites on).
#   linux-arm64-gnu   aarch64-unknown-linux-gnu.2.17  glibc 2.17 baseline (highest symbol checked)
#   linux-x64-musl    x86_64-unknown-linux-musl       -C target-feature=-crt-static (a musl cdylib
#   linux-arm64-musl  aarch64-unknown-linux-musl        must link libc dynamically, Node's own)
#   darwin-x64        x86_64-apple-darwin             no SDK: zig's libSystem stubs, and napi-build's
#   darwin-arm64      aarch64-apple-darwin              `-undefined dynamic_lookup` for the napi_* symbols
# How (SPEC §11): rustup has none of these std libraries and nothing may be downloaded but from the
# registries, so std is built from source for each target (Debian's rustc-web + rust-web-src,
# RUSTC_BOOTSTRAP=1 cargo zigbuild -Zbuild-std=std,panic_abort), and zig (PyPI) links. Stripped
# (the dynamic symbol table stays). Hash-stamped like build.sh: a platform is rebuilt only when
# its inputs or the toolchain changed. Prints each platform's size and build time. (rustc warns
# that `xcrun` is missing for the darwin targets: expected, zig links without an SDK.)
# Usage: scripts/build-all.sh [platform...]   (default: all five; make build-all runs make build first)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMPS="$ROOT/target/callstate-build"
mkdir -p "$STAMPS"
exec 9>"$STAMPS/lock-all"
flock 9

declare -A TRIPLE=(
  [linux-arm64-gnu]=aarch64-unknown-linux-gnu.2.17
  [linux-x64-musl]=x86_64-unknown-linux-musl
  [linux-arm64-musl]=aarch64-unknown-linux-musl
  [darwin-x64]=x86_64-apple-darwin
  [darwin-arm64]=aarch64-apple-darwin
)
ALL=(linux-arm64-gnu linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64)
platforms=("$@")
[[ ${#platforms[@]} -gt 0 ]] || platforms=("${ALL[@]}")
for p in "${platforms[@]}"; do
  [[ -n "${TRIPLE[$p]:-}" ]] || { echo "build-all: unknown platform $p (one of: ${ALL[*]})" >&2; exit 2; }
done

log() { printf 'build-all: %s\n' "$*"; }
[[ "${CALLSTATE_SKIP_SETUP:-}" == 1 ]] || { bash scripts/setup-system.sh; bash scripts/setup-zig.sh; }
[[ -d /usr/lib/rustlib/src/rust/library ]] || { echo "build-all: Debian's rust-web-src is missing (scripts/setup-system.sh)" >&2; exit 1; }

# shellcheck source=stamps.sh
source scripts/stamps.sh
inputs=(src Cargo.toml Cargo.lock scripts/build-all.sh bindings/node/src bindings/node/Cargo.toml bindings/node/build.rs)
toolchain="$(/usr/bin/rustc --version) $(cat .tools/zig-verified 2>/dev/null)"

for p in "${platforms[@]}"; do
  triple="${TRIPLE[$p]}"
  base="${triple%.2.17}"                    # cargo's target folder has no glibc suffix
  node_file="callstate.$p.node"
  h="$(hash_of "$toolchain $triple" "${inputs[@]}")"
  if fresh "napi-$p" "$h" && [[ -f "npm/$p/$node_file" && -f "bindings/node/$node_file" ]]; then
    log "$p up to date ($(stat -c %s "npm/$p/$node_file") bytes)"
    continue
  fi
  log "$p: cargo zigbuild --release --target $triple -Zbuild-std=std,panic_abort"
  start=$SECONDS
  (
    # Debian's toolchain first (its sysroot has the std sources), zig and cargo-zigbuild after.
    export PATH="$ROOT/.tools/debian-rust/bin:$ROOT/.tools/bin:$ROOT/.tools/cargo/bin:$PATH"
    unset RUSTUP_TOOLCHAIN RUSTC RUSTDOC RUSTC_WRAPPER
    [[ "$p" == *-musl ]] && export "CARGO_TARGET_$(tr a-z- A-Z_ <<<"$base")_RUSTFLAGS=-C target-feature=-crt-static"
    RUSTC_BOOTSTRAP=1 CARGO_PROFILE_RELEASE_STRIP=symbols \
      cargo zigbuild -q --release -p callstate-node --target "$triple" -Zbuild-std=std,panic_abort
  )
  secs=$((SECONDS - start))
  case "$p" in darwin-*) so="target/$base/release/libcallstate_node.dylib" ;; *) so="target/$base/release/libcallstate_node.so" ;; esac
  note=""
  if [[ "$p" == linux-*-gnu ]]; then
    max="$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
    if [[ "$(printf '%s\n' "$max" GLIBC_2.17 | sort -V | tail -1)" != GLIBC_2.17 ]]; then
      echo "build-all: $so needs $max; the baseline is GLIBC_2.17" >&2
      exit 1
    fi
    note=", highest symbol $max"
  fi
  # Copy then rename: a process that has the old .node mapped keeps its file (no SIGBUS).
  for dest in "npm/$p/$node_file" "bindings/node/$node_file"; do
    cp "$so" "$dest.tmp" && mv -f "$dest.tmp" "$dest"
  done
  printf '%s\t%s\t%s\n' "$p" "$(stat -c %s "$so")" "$secs" > "$STAMPS/napi-$p.built"
  log "$p: $(stat -c %s "$so") bytes in $secs s$note"
  echo "$h" > "$STAMPS/napi-$p"
done

# The table (bench/findings.md keeps it by hand): platform, stripped size, last build time.
printf '%-18s %10s %8s\n' platform bytes "build s"
for p in linux-x64-gnu "${ALL[@]}"; do
  f="npm/$p/callstate.$p.node"
  [[ -f "$f" ]] || continue
  t="$(cut -f3 "$STAMPS/napi-$p.built" 2>/dev/null || echo -)"
  printf '%-18s %10s %8s\n' "$p" "$(stat -c %s "$f")" "$t"
done
