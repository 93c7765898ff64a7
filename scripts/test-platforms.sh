#!/usr/bin/env bash
# `make test-platforms` (issue 16; after `make build-all`): each platform's `.node` where it can run,
# checked where it cannot, and the packages as each kind of user installs them. Not in `make test`
# (the CI run has no time left for it); `make test` runs only the `packaging` step (see Makefile).
#   linux-x64-gnu     the JS codec suite + golden vectors on this machine's Node
#   linux-arm64-gnu   the same suites on an arm64 Node 22 under qemu-user (glibc sysroot from Debian)
#   linux-x64-musl    the same suites on a musl Node 22 (musl 1.2.5), in a mount namespace where
#                     /lib/ld-musl-*.so.1 and /usr/bin/ldd are musl's, as on Alpine
#   linux-arm64-musl  ELF aarch64, links only the musl libc, exports the registration symbol; then
#                     the same suites on a musl arm64 Node 22 under qemu-user
#   darwin            static, x64 and arm64: Mach-O dylib for the CPU, exports the registration symbol, imports
#                     only libSystem and N-API (llvm-objdump --macho, llvm-nm); built, never run here
#   packaging         npm pack of every package: os/cpu/libc/files; `npm install` of callstate with
#                     npm's --os/--cpu/--libc picks the right optional package (darwin, linux gnu
#                     and musl), and for win32 none, where the loader ends on callstate-wasm
#   bun               Bun: golden vectors on the native module; store round trip with ioredis
#   deno              Deno 2: golden vectors and store round trip on callstate-wasm, then on the
#                     native module through Deno's N-API
# Each step prints one result line; the run fails if any step failed. All of it is offline but
# for the registries (scripts/setup-platforms.sh fetches the runtimes once).
# Usage: scripts/test-platforms.sh [step...]   (default: all, in the order above)
# Env: CALLSTATE_UNBUILT_OK=1 lets `packaging` check a platform package whose .node is not built
# (make test-packaging, on a machine where only make build ran).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ALL=(linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl darwin packaging bun deno)
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=("${ALL[@]}")
t0=$SECONDS

needs_tools=0
for s in "${steps[@]}"; do [[ "$s" == packaging || "$s" == linux-x64-gnu ]] || needs_tools=1; done
if [[ $needs_tools == 1 ]]; then
  eval "$(bash scripts/setup-platforms.sh)"
fi
S="$(mktemp -d)"
cleanup() { [[ -f "$S/redis/redis.pid" ]] && bash scripts/redis.sh stop "$S/redis"; rm -rf "$S"; }
trap cleanup EXIT
VERSION="$(node -p "require('./bindings/node/package.json').version")"
suite=(bindings/js/test/vectors.test.mjs bindings/js/test/codec.test.mjs)

need_node_file() {
  [[ -f "bindings/node/callstate.$1.node" && -f "npm/$1/callstate.$1.node" ]] ||
    { echo "test-platforms: callstate.$1.node missing; run make build-all" >&2; return 1; }
}

# which <node command...>: "<platform> <arch> <backend> <the .node files mapped>" from require('callstate').
which_core() {
  "$@" -e '
    const cs = require(process.argv[1]);
    const so = process.report.getReport().sharedObjects.filter((f) => f.endsWith(".node")).map((f) => require("path").basename(f));
    console.log(process.platform, process.arch, cs[Symbol.for("callstate.backend")], so.join(","));' "$ROOT/bindings/node"
}

# run_suite <platform> <node command...>: the suite on that Node, and a check that it ran on the
# platform's own .node (not the WASM fallback, not another build).
run_suite() {
  local p="$1"; shift
  need_node_file "$p"
  local got os arch
  got="$(which_core "$@")"
  os="${p%%-*}"; arch="$(cut -d- -f2 <<<"$p")"
  if [[ "$got" != "$os $arch native callstate.$p.node" ]]; then
    echo "test-platforms: $p: require('callstate') gave: $got" >&2
    return 1
  fi
  echo "  loads: $got"
  CALLSTATE_BACKEND=native CALLSTATE_FORCE_WASM= "$@" --test --test-reporter=dot "${suite[@]}"
}

step_linux-x64-gnu() { run_suite linux-x64-gnu node; }

step_linux-arm64-gnu() {
  # qemu is called by name (no binfmt here), so a child process (node --test runs each file in one,
  # the loader tests spawn process.execPath) must exec the wrapper: a preload points execPath at it.
  printf 'process.execPath = %s;\n' "$(node -p 'JSON.stringify(process.argv[1])' "$NODE_ARM64")" > "$S/execpath.cjs"
  NODE_OPTIONS="--require $S/execpath.cjs" run_suite linux-arm64-gnu "$NODE_ARM64"
}

step_linux-x64-musl() { run_suite linux-x64-musl "$NODE_MUSL"; }

step_linux-arm64-musl() {
  local f=npm/linux-arm64-musl/callstate.linux-arm64-musl.node
  need_node_file linux-arm64-musl
  local h needed
  h="$(llvm-readobj-22 --file-headers "$f")"
  grep -q 'Machine: EM_AARCH64' <<<"$h" && grep -q 'Type: SharedObject' <<<"$h" || { echo "$f: not an aarch64 shared object" >&2; return 1; }
  needed="$(llvm-readobj-22 --needed-libs "$f" | sed -n 's/^ *\(lib[^ ]*\)$/\1/p' | sort | tr '\n' ' ')"
  [[ "$needed" == "libc.so " ]] || { echo "$f: needs $needed (want only musl's libc.so)" >&2; return 1; }
  llvm-nm-22 -D --defined-only "$f" | grep -qw napi_register_module_v1 || { echo "$f: no napi_register_module_v1" >&2; return 1; }
  ! llvm-nm-22 -D "$f" | grep -q '@GLIBC' || { echo "$f: has glibc-versioned symbols" >&2; return 1; }
  echo "  $f: ELF aarch64 shared object, needs only $needed, exports napi_register_module_v1"
  # Then run, as linux-arm64-gnu is: a musl arm64 Node under qemu.
  printf 'process.execPath = %s;\n' "$(node -p 'JSON.stringify(process.argv[1])' "$NODE_ARM64_MUSL_CHILD")" > "$S/execpath-musl.cjs"
  NODE_OPTIONS="--require $S/execpath-musl.cjs" run_suite linux-arm64-musl "$NODE_ARM64_MUSL"
}

step_darwin() {
  local p cpu f
  for p in darwin-x64 darwin-arm64; do
    need_node_file "$p"
    f="npm/$p/callstate.$p.node"
    [[ $p == darwin-x64 ]] && cpu=X86_64 || cpu=ARM64
    local hdr dylibs undef bad
    hdr="$(llvm-objdump-22 --macho --private-header "$f")"
    grep -Eq "MH_MAGIC_64 +$cpu .* DYLIB " <<<"$hdr" || { echo "$f: not a $cpu Mach-O dylib:"$'\n'"$hdr" >&2; return 1; }
    # The dylibs it loads (--dylibs-used lists the module's own install name too: left out).
    dylibs="$(llvm-objdump-22 --macho --dylibs-used "$f" | tail -n +2 | awk '{print $1}' |
      grep -vxF "$(llvm-objdump-22 --macho --dylib-id "$f" | tail -n 1)" | tr '\n' ' ')"
    [[ "$dylibs" == "/usr/lib/libSystem.B.dylib " ]] || { echo "$f: links $dylibs (want only libSystem)" >&2; return 1; }
    llvm-nm-22 -g --defined-only "$f" | grep -qw _napi_register_module_v1 || { echo "$f: no _napi_register_module_v1" >&2; return 1; }
    # Every undefined symbol is libSystem's (two-level namespace) or N-API's (looked up in the host).
    undef="$(llvm-nm-22 -m -u "$f")"
    # (N-API symbols carry no library: flat lookup in the process that loads the module.)
    bad="$(grep -v '(from libSystem)' <<<"$undef" | grep -Ev '\(undefined\) external _(napi|node_api)_[A-Za-z0-9_]+( \(dynamically looked up\))?$' || true)"
    [[ -z "$bad" ]] || { echo "$f: unexpected imports:"$'\n'"$bad" >&2; return 1; }
    echo "  $f: Mach-O 64 $cpu dylib, links only libSystem, exports _napi_register_module_v1," \
      "imports $(grep -c '(from libSystem)' <<<"$undef") libSystem + $(grep -Ec 'external _(napi|node_api)_' <<<"$undef") N-API symbols (not run here)"
  done
}

# --- the packed tarballs, and scratch projects that install them as users do
pack_all() {
  [[ -d "$S/packs" ]] && return 0
  mkdir -p "$S/packs"
  local d
  for d in bindings/wasm bindings/node npm/*/; do
    (cd "$d" && npm pack --silent --pack-destination "$S/packs" >/dev/null)
  done
}
# project <dir> [extra package.json fields]: a scratch project depending on callstate (and
# callstate-wasm), with every one of our packages resolved to its tarball (npm `overrides`): the
# registry is never asked, and npm still applies os/cpu/libc to the optional dependencies.
project() {
  local dir="$1"
  mkdir -p "$dir"
  node -e '
    const [dir, packs, v] = process.argv.slice(1); const fs = require("fs");
    const names = fs.readdirSync(packs).filter((f) => f.endsWith(`-${v}.tgz`)).map((f) => f.slice(0, -`-${v}.tgz`.length));
    const file = (n) => `file:${packs}/${n}-${v}.tgz`;
    const overrides = Object.fromEntries(names.filter((n) => n !== "callstate").map((n) => [n, file(n)]));
    fs.writeFileSync(`${dir}/package.json`, JSON.stringify({ name: "scratch", private: true,
      dependencies: { callstate: file("callstate"), "callstate-wasm": file("callstate-wasm") }, overrides }, null, 2));
  ' "$dir" "$S/packs" "$VERSION"
}

step_packaging() {
  pack_all
  local p tgz pj files want_os want_cpu want_libc unbuilt=()
  for p in npm/*/; do
    p="$(basename "$p")"
    tgz="$S/packs/callstate-$p-$VERSION.tgz"
    local node_file="package/callstate.$p.node"
    if [[ ! -f "npm/$p/callstate.$p.node" ]]; then
      # make test's subset on a machine without make build-all: the package is checked without it.
      [[ "${CALLSTATE_UNBUILT_OK:-}" == 1 ]] || { need_node_file "$p"; return 1; }
      node_file=""
      unbuilt+=("$p")
    fi
    pj="$(tar xzf "$tgz" -O package/package.json)"
    files="$(tar tzf "$tgz" | tr '\n' ' ')"
    want_os="${p%%-*}"; want_cpu="$(cut -d- -f2 <<<"$p")"
    case "$p" in *-gnu) want_libc=glibc ;; *-musl) want_libc=musl ;; *) want_libc="" ;; esac
    node -e '
      const [p, os, cpu, libc, files, nodeFile] = process.argv.slice(1); const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b); const bad = [];
      if (!eq(j.os, [os])) bad.push(`os ${j.os}`);
      if (!eq(j.cpu, [cpu])) bad.push(`cpu ${j.cpu}`);
      if (!eq(j.libc, libc ? [libc] : undefined)) bad.push(`libc ${j.libc}`);
      const node = `callstate.${p}.node`;
      if (j.main !== node || !eq(j.files, [node])) bad.push(`main/files ${j.main} ${j.files}`);
      const want = [nodeFile, "package/README.md", "package/package.json"].filter(Boolean).sort().join();
      if (files.split(" ").filter(Boolean).sort().join() !== want) bad.push(`tarball holds ${files}`);
      if (bad.length) { console.error(`test-platforms: callstate-${p}: ${bad.join("; ")}`); process.exit(1); }' \
      "$p" "$want_os" "$want_cpu" "$want_libc" "$files" "$node_file" <<<"$pj"
    # The tarball carries the binary that was built and checked.
    [[ -z "$node_file" ]] || cmp -s <(tar xzf "$tgz" -O "package/callstate.$p.node") "npm/$p/callstate.$p.node" ||
      { echo "callstate-$p: stale .node in the tarball" >&2; return 1; }
  done
  echo "  every platform tarball: os/cpu/libc/main/files right, holds only its .node${unbuilt[*]:+ (not built, checked without it: ${unbuilt[*]})}"

  # npm's own choice of optional package for each user's machine.
  local os cpu libc want got
  while read -r os cpu libc want; do
    local dir="$S/install-$os-$cpu-$libc"
    project "$dir"
    local flags=(--os="$os" --cpu="$cpu")
    [[ "$libc" != - ]] && flags+=(--libc="$libc")
    (cd "$dir" && npm install --offline --no-audit --no-fund --loglevel=error "${flags[@]}" >/dev/null)
    got="$(find "$dir/node_modules" -maxdepth 1 -name 'callstate-*' ! -name callstate-wasm -printf '%f\n' | sort | xargs echo)"
    [[ "$got" == "$want" ]] || { echo "test-platforms: npm install ${flags[*]} chose '$got', want '$want'" >&2; return 1; }
    echo "  npm install ${flags[*]}: ${got:-no platform package}"
  done <<EOF
linux x64 glibc callstate-linux-x64-gnu 
linux arm64 glibc callstate-linux-arm64-gnu 
linux x64 musl callstate-linux-x64-musl 
linux arm64 musl callstate-linux-arm64-musl 
darwin arm64 - callstate-darwin-arm64 
darwin x64 - callstate-darwin-x64 
win32 x64 - 
EOF

  # Windows, as a Windows user gets it: no platform package was installed (above); the loader,
  # with process.platform reported as win32, tries callstate-win32-x64-msvc and ends on WASM.
  local win="$S/install-win32-x64--"
  printf "Object.defineProperty(process, 'platform', { value: 'win32' });\n" > "$S/win32.cjs"
  got="$(cd "$win" && node --require "$S/win32.cjs" -e '
    const cs = require("callstate"); const s = { callSid: "CA1", stage: "ASK_ACTION", attemptCount: 0, lastUpdated: new Date(0), language: "en" };
    require("assert").deepEqual(cs.deserializeCallState(cs.serializeCallState(s)), s);
    console.log(process.platform, cs[Symbol.for("callstate.backend")]);')"
  [[ "$got" == "win32 wasm" ]] || { echo "test-platforms: win32 install ran on '$got'" >&2; return 1; }
  # The candidates tried, from the cause chain when the WASM package is missing too.
  rm -rf "$win/node_modules/callstate-wasm"
  got="$(cd "$win" && node --require "$S/win32.cjs" -e '
    try { require("callstate"); } catch (e) { const c = []; for (let x = e.cause; x; x = x.cause) c.push(x.message.split(":")[0]); console.log(c.join(" > ")); }')"
  [[ "$got" == "callstate-win32-x64-msvc > callstate-wasm/raw > ../wasm (repository)" ]] ||
    { echo "test-platforms: win32 candidates: '$got'" >&2; return 1; }
  echo "  win32 x64: no platform package; require('callstate') runs on callstate-wasm (tried: $got)"
}

# --- Bun and Deno on the installed tarballs, against a private redis-server
redis_port() {
  [[ -f "$S/redis/port" ]] || bash scripts/redis.sh start "$S/redis" >/dev/null
  cat "$S/redis/port"
}
runtime_project() {
  local dir="$S/runtimes"
  [[ -d "$dir/node_modules" ]] && return 0
  pack_all
  project "$dir"
  # ioredis as the examples pin it; this machine's platform package comes with callstate.
  (cd "$dir" && npm install --offline --no-audit --no-fund --loglevel=error >/dev/null &&
    npm install --no-save --no-audit --no-fund --loglevel=error ioredis@5.11.1 >/dev/null)
  cat > "$dir/roundtrip.mjs" <<'EOF'
// The store on a real redis-server through ioredis: save, get, 10 racing updates, the stored
// value read back by the codec, delete. Prints "<package> on <backend>: store ok".
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
const require = createRequire(import.meta.url);
const [pkg, want] = [process.env.CALLSTATE_PKG, process.env.CALLSTATE_WANT];
const cs = require(pkg);
const Redis = require('ioredis');
const backend = cs[Symbol.for('callstate.backend')];
assert.equal(backend, want, `${pkg} runs on ${backend}`);
const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT) });
const store = cs.createCallStateStore(redis, { onRedisError: 'throw' });
const id = `CA${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const state = { callSid: id, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es' };
await store.saveCallState(id, state);
const got = await store.getCallState(id);
assert.ok(got.lastUpdated instanceof Date);
assert.deepEqual({ ...got }, state);
await Promise.all(Array.from({ length: 10 }, () => store.updateCallState(id, (s) => s && { ...s, attemptCount: s.attemptCount + 1 }, { maxRetries: 50 })));
assert.equal((await store.getCallState(id)).attemptCount, 10);
assert.equal(cs.deserializeCallState(await redis.get(`call_state:${id}`)).attemptCount, 10);
await store.deleteCallState(id);
assert.equal(await store.getCallState(id), null);
await store.close();
await redis.quit();
console.log(`${pkg} on ${backend}: store ok`);
EOF
}

step_bun() {
  runtime_project
  local dir="$S/runtimes" port
  port="$(redis_port)"
  # The vectors as node:test files, through `bun test` (which runs node:test suites).
  CALLSTATE_TEST_INSTALL="$dir" CALLSTATE_BACKEND=native "$BUN" test "$ROOT/bindings/js/test/vectors.test.mjs" 2>&1 | tail -n 4
  (cd "$dir" && CALLSTATE_PKG=callstate CALLSTATE_WANT=native REDIS_PORT="$port" "$BUN" roundtrip.mjs)
}

step_deno() {
  runtime_project
  local dir="$S/runtimes" port
  port="$(redis_port)"
  local perms=(--allow-read --allow-env --allow-net=127.0.0.1 --allow-sys)
  CALLSTATE_TEST_INSTALL="$dir" CALLSTATE_BACKEND=wasm NO_COLOR=1 "$DENO" test -q "${perms[@]}" --no-check "$ROOT/bindings/js/test/vectors.test.mjs" | tail -n 3 | sed "/^$/d"
  (cd "$dir" && CALLSTATE_PKG=callstate-wasm CALLSTATE_WANT=wasm REDIS_PORT="$port" "$DENO" run "${perms[@]}" roundtrip.mjs)
  # The native module: Deno loads N-API addons from node_modules with --allow-ffi.
  CALLSTATE_TEST_INSTALL="$dir" CALLSTATE_BACKEND=native NO_COLOR=1 "$DENO" test -q "${perms[@]}" --allow-ffi --no-check "$ROOT/bindings/js/test/vectors.test.mjs" | tail -n 3 | sed "/^$/d"
  (cd "$dir" && CALLSTATE_PKG=callstate CALLSTATE_WANT=native REDIS_PORT="$port" "$DENO" run "${perms[@]}" --allow-ffi roundtrip.mjs)
}

failed=()
results=()
for s in "${steps[@]}"; do
  declare -F "step_$s" >/dev/null || { echo "test-platforms: unknown step $s (one of: ${ALL[*]})" >&2; exit 2; }
  echo "== test-platforms: $s"
  start=$SECONDS
  # errexit holds inside the step only when the subshell is not itself a condition.
  set +e
  (set -e; "step_$s")
  rc=$?
  set -e
  if [[ $rc == 0 ]]; then
    results+=("$(printf '%-17s ok     %4d s' "$s" $((SECONDS - start)))")
  else
    results+=("$(printf '%-17s FAILED %4d s' "$s" $((SECONDS - start)))")
    failed+=("$s")
  fi
done
echo "== test-platforms: $((SECONDS - t0)) s"
printf '  %s\n' "${results[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test-platforms: failed: ${failed[*]}" >&2
  exit 1
fi
