#!/usr/bin/env bash
# Builds both npm package folders (SPEC §1 packaging contract):
#   bindings/node      `callstate`: loader + shared shim/types; the napi module goes to
#   npm/linux-x64-gnu  `callstate-linux-x64-gnu` (glibc 2.17 baseline, cargo zigbuild) and, as the
#                      local build, beside bindings/node/index.js
#   bindings/wasm      `callstate-wasm`: one wasm-pack build per target in wasm-pack.toml, wasm-opt'd
# Idempotent and fast when nothing changed: each artefact is rebuilt only when the hash of its
# inputs (sources, manifests, lockfile, toolchain versions, wasm-pack.toml) differs from its stamp.
# Env: CALLSTATE_SKIP_SETUP=1 skips the toolchain setup scripts (make build runs them first anyway).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMPS="$ROOT/target/callstate-build"
mkdir -p "$STAMPS"
# One build at a time in this checkout (make targets and helpers may start several at once).
exec 9>"$STAMPS/lock"
flock 9
TRIPLE=x86_64-unknown-linux-gnu
PLATFORM=linux-x64-gnu
NODE_FILE="callstate.$PLATFORM.node"

log() { printf 'build: %s\n' "$*"; }

# --- toolchains (each script is idempotent and prints one "ok:" line when there is nothing to do)
if [[ "${CALLSTATE_SKIP_SETUP:-}" != 1 ]]; then
  bash scripts/setup-system.sh
  bash scripts/setup-wasm.sh
  bash scripts/setup-zig.sh
fi

# shellcheck source=stamps.sh
source scripts/stamps.sh

# --- versions: the npm packages carry the Cargo workspace version (every platform package under
# npm/, built here or by scripts/build-all.sh)
version="$(awk -F'"' '/^\[workspace.package\]/{w=1} w && /^version *=/{print $2; exit}' Cargo.toml)"
node -e '
  const [v, ...files] = process.argv.slice(1); let bad = 0;
  for (const f of files) {
    const p = require(require("path").resolve(f)); const deps = { ...p.dependencies, ...p.optionalDependencies };
    for (const [n, got] of [[p.name, p.version], ...Object.entries(deps).filter(([d]) => d.startsWith("callstate"))])
      if (got !== v) { console.error(`build: ${f}: ${n} is ${got}, Cargo.toml says ${v}`); bad = 1; }
  }
  // Every platform package under npm/ is an optional dependency of callstate, and only those.
  const opt = Object.keys(require(require("path").resolve(files[0])).optionalDependencies || {}).sort();
  const dirs = files.filter((f) => f.startsWith("npm/")).map((f) => require(require("path").resolve(f)).name).sort();
  if (opt.join() !== dirs.join()) { console.error(`build: ${files[0]} optionalDependencies ${opt} differ from npm/: ${dirs}`); bad = 1; }
  process.exit(bad);' "$version" bindings/node/package.json bindings/wasm/package.json npm/*/package.json

# --- 1. the napi module, glibc 2.17 baseline
core_inputs=(src Cargo.toml Cargo.lock scripts/build.sh)
h="$(hash_of "$(rustc --version) $(cat .tools/zig-verified 2>/dev/null)" "${core_inputs[@]}" bindings/node/src bindings/node/Cargo.toml bindings/node/build.rs)"
if fresh napi "$h" && [[ -f "npm/$PLATFORM/$NODE_FILE" && -f "bindings/node/$NODE_FILE" ]]; then
  log "napi module up to date"
else
  log "napi module: cargo zigbuild --release --target $TRIPLE.2.17"
  (
    source scripts/env-zig.sh
    # Stripped (the dynamic symbol table stays): the .node ships in an npm package.
    CARGO_PROFILE_RELEASE_STRIP=symbols cargo zigbuild -q --release -p callstate-node --target "$TRIPLE.2.17"
  )
  so="target/$TRIPLE/release/libcallstate_node.so"
  max="$(objdump -T "$so" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
  if [[ "$(printf '%s\n' "$max" GLIBC_2.17 | sort -V | tail -1)" != GLIBC_2.17 ]]; then
    echo "build: $so needs $max; the baseline is GLIBC_2.17" >&2
    exit 1
  fi
  # Copy then rename: a process that has the old .node mapped keeps its file (no SIGBUS).
  for dest in "npm/$PLATFORM/$NODE_FILE" "bindings/node/$NODE_FILE"; do
    cp "$so" "$dest.tmp" && mv -f "$dest.tmp" "$dest"
  done
  log "napi module: $(stat -c %s "$so") bytes, highest symbol $max"
  echo "$h" > "$STAMPS/napi"
fi

# --- 2. the WASM package, one wasm-pack build per target of wasm-pack.toml
# The matrix as shell words: crate, out-name, wasm-pack args, profile env, wasm-opt args, targets.
eval "$(python3 - <<'PY'
import shlex, tomllib
m = tomllib.load(open("wasm-pack.toml", "rb"))
q = lambda xs: " ".join(shlex.quote(str(x)) for x in xs)
print(f"W_CRATE={shlex.quote(m['crate'])}; W_NAME={shlex.quote(m['out-name'])}")
print(f"W_PACK_ARGS=({q(m.get('wasm-pack-args', []))})")
env = [f"CARGO_PROFILE_RELEASE_{k.upper().replace('-', '_')}={v}" for k, v in m.get("profile", {}).items()]
print(f"W_PROFILE_ENV=({q(env)})")
print(f"W_OPT_ARGS=({q(m['wasm-opt']['args'])})")
bs = m.get("build-std")
print(f"W_STD_ENV=({q(['RUSTC_BOOTSTRAP=1', 'RUSTFLAGS=' + bs['rustflags']] if bs else [])})")
print(f"W_CARGO_ARGS=({q(['-Zbuild-std=' + bs['crates']] if bs else [])})")
print(f"W_TARGETS=({q(t['name'] + ':' + t['out-dir'] + ':' + t['package-type'] for t in m['target'])})")
PY
)"
# The same cargo profile for `wasm-pack test` (scripts/test-js.sh), so it reuses these artefacts.
printf 'export %q\n' "${W_PROFILE_ENV[@]}" > "$STAMPS/wasm-profile.env"
h="$(hash_of "$(/usr/bin/rustc --version) $(.tools/cargo/bin/wasm-bindgen --version 2>/dev/null) $(.tools/node/node_modules/.bin/wasm-opt --version 2>/dev/null)" \
  "${core_inputs[@]}" "$W_CRATE/src" "$W_CRATE/Cargo.toml" "$W_CRATE/build.rs" wasm-pack.toml)"
outs_present=1
for t in "${W_TARGETS[@]}"; do
  IFS=: read -r _ out _ <<<"$t"
  [[ -f "$W_CRATE/$out/$W_NAME.js" ]] || outs_present=0
done
if fresh wasm "$h" && [[ $outs_present == 1 ]]; then
  log "wasm package up to date"
else
  (
    source scripts/env-wasm.sh
    for t in "${W_TARGETS[@]}"; do
      IFS=: read -r target out type <<<"$t"
      log "wasm: wasm-pack --target $target -> $W_CRATE/$out"
      rm -rf "${W_CRATE:?}/$out"
      env "${W_PROFILE_ENV[@]}" "${W_STD_ENV[@]}" wasm-pack --log-level warn build "$W_CRATE" --release --target "$target" \
        --out-dir "$out" --out-name "$W_NAME" --no-pack --no-opt --no-gitignore "${W_PACK_ARGS[@]}" -- "${W_CARGO_ARGS[@]}"
      wasm="$W_CRATE/$out/${W_NAME}_bg.wasm"
      # The same optimisation keeping the name section, for twiggy (bench/findings.md); not shipped.
      [[ "$target" == web ]] && wasm-opt "${W_OPT_ARGS[@]}" -g "$wasm" -o "$STAMPS/${W_NAME}.names.wasm"
      wasm-opt "${W_OPT_ARGS[@]}" "$wasm" -o "$wasm"
      # The folder's module type for Node (web's glue is ESM in a .js file); drop wasm-pack's extras.
      rm -f "$W_CRATE/$out/README.md" "$W_CRATE/$out/.gitignore"
      printf '{ "type": "%s" }\n' "$type" > "$W_CRATE/$out/package.json"
      log "wasm: $(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped"
    done
  )
  # One module for every target when wasm-bindgen made them identical (0.2.130 does): the
  # nodejs glue then reads the web build's file, and the package ships the module once.
  node_out="" web_out=""
  for t in "${W_TARGETS[@]}"; do
    IFS=: read -r target out _ <<<"$t"
    [[ "$target" == nodejs ]] && node_out="$out"
    [[ "$target" == web ]] && web_out="$out"
  done
  if [[ -n "$node_out" && -n "$web_out" ]] &&
     cmp -s "$W_CRATE/$node_out/${W_NAME}_bg.wasm" "$W_CRATE/$web_out/${W_NAME}_bg.wasm"; then
    glue="$W_CRATE/$node_out/$W_NAME.js"
    rel="$(python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$W_CRATE/$web_out" "$W_CRATE/$node_out")"
    from="\${__dirname}/${W_NAME}_bg.wasm"
    [[ "$(grep -c "$from" "$glue")" == 1 ]] || { echo "build: $glue: wasm path line not found" >&2; exit 1; }
    sed -i "s#$from#\${__dirname}/$rel/${W_NAME}_bg.wasm#" "$glue"
    rm "$W_CRATE/$node_out/${W_NAME}_bg.wasm"
    log "wasm: $node_out shares $web_out/${W_NAME}_bg.wasm (identical module)"
  elif [[ -n "$node_out" && -n "$web_out" ]]; then
    log "wasm: warning: the targets' modules differ (sources changed mid-build?); both are shipped"
  fi
  echo "$h" > "$STAMPS/wasm"
fi

# --- 3. the shared JS (shim + the store compiled from TypeScript, ESM entry, types) into both
[[ -x node_modules/.bin/tsc ]] || npm ci --no-audit --no-fund --loglevel=error
# One tsc run compiles the store and the CLI (bindings/js/cli/*.ts → target/js/cli/, ES modules
# that build.mjs ships as the `callstate` package's cli/ folder, its `bin`).
if [[ ! -f target/js/store.js || ! -f target/js/cli/main.js ||
      -n "$(find bindings/js/store.ts bindings/js/index.d.ts bindings/js/tsconfig.json bindings/js/cli -newer target/js/store.js)" ]]; then
  node_modules/.bin/tsc -p bindings/js/tsconfig.json
fi
node bindings/js/build.mjs bindings/node "$W_CRATE"
log "ok: bindings/node (callstate), npm/$PLATFORM, $W_CRATE (callstate-wasm)"
