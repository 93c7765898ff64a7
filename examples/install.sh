#!/usr/bin/env bash
# Installs the examples the way a user would: the packages as `npm pack` makes them, never the
# source folders. Packs bindings/wasm (callstate-wasm), bindings/node (callstate) and
# npm/linux-x64-gnu (its native module) into target/packs/, then runs `npm install` in each
# example folder given (default: all) with those tarballs standing in for the registry versions
# its package.json names. Idempotent: an example is reinstalled only when its package.json, the
# tarballs or Node's version changed. Needs `make build` first (scripts/demo.sh and
# scripts/test-runtimes.sh are run by make targets that depend on it).
# Usage: examples/install.sh [example-dir...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKS="$ROOT/target/packs"
mkdir -p "$PACKS"

# --- the tarballs (npm pack is deterministic: same files, same bytes)
for dir in bindings/wasm bindings/node npm/linux-x64-gnu; do
  [[ -f "$ROOT/$dir/package.json" ]] || { echo "install: $dir missing; run make build" >&2; exit 1; }
  stamp="$PACKS/.${dir//\//_}"
  h="$(cd "$ROOT/$dir" && find . -type f ! -path './node_modules/*' ! -path './target/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$h" ]]; then
    (cd "$PACKS" && npm pack --silent "$ROOT/$dir" >/dev/null)
    echo "$h" > "$stamp"
  fi
done
version="$(node -p "require('$ROOT/bindings/node/package.json').version")"
WASM_TGZ="$PACKS/callstate-wasm-$version.tgz"
NODE_TGZ="$PACKS/callstate-$version.tgz"
NATIVE_TGZ="$PACKS/callstate-linux-x64-gnu-$version.tgz"

# --- each example
dirs=("$@")
if [[ ${#dirs[@]} -eq 0 ]]; then
  for p in "$ROOT"/examples/*/package.json; do
    [[ -f "$p" ]] && dirs+=("$(dirname "$p")")
  done
fi
for dir in "${dirs[@]}"; do
  dir="$(cd "$dir" && pwd)"
  name="${dir#"$ROOT"/}"
  # Which of our packages it uses decides which tarballs it gets.
  uses="$(node -e '
    const p = require(process.argv[1]); const d = { ...p.dependencies, ...p.devDependencies };
    console.log(("callstate" in d ? "node " : "") + ("callstate-wasm" in d ? "wasm" : ""));' "$dir/package.json")"
  tgz=()
  if [[ "$uses" == *node* ]]; then tgz+=("$WASM_TGZ" "$NATIVE_TGZ" "$NODE_TGZ");
  elif [[ "$uses" == *wasm* ]]; then tgz+=("$WASM_TGZ"); fi
  stamp="$dir/node_modules/.callstate-install"
  h="$( { node --version; cat "$dir/package.json"; [[ ${#tgz[@]} -gt 0 ]] && sha256sum "${tgz[@]}"; } | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$h" ]]; then
    echo "ok: $name installed"
    continue
  fi
  echo "install: $name (npm install${tgz:+ with the packed callstate tarballs})"
  # A rebuilt tarball keeps its version number: drop the old copies so npm unpacks the new ones.
  rm -rf "$dir"/node_modules/callstate "$dir"/node_modules/callstate-wasm "$dir"/node_modules/callstate-linux-x64-gnu
  # --no-save/--no-package-lock: package.json keeps naming the registry versions (what a deployed
  # service installs); here the tarballs stand in for them.
  (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "${tgz[@]}")
  echo "$h" > "$stamp"
done
