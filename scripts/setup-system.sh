#!/usr/bin/env bash
# Debian packages the project needs (SPEC §11 step 1). Idempotent: installs only what is missing,
# and runs `apt-get update` only when something must be installed.
#   - redis-server: we only use the binary; the system service is never started or required.
#   - rustc-web cargo-web rust-web-src (Debian's Rust 1.96, from bookworm-security) + rust-web-llvm
#     (ships /usr/bin/rust-lld -> lld-22, the default wasm32 linker; it is only a *Recommends*) + lld-22.
#   - binutils (objdump), pkg-config, gcc.
#   - valkey-server 8 from bookworm-backports (the suite is added to apt's sources if missing); it
#     coexists with redis-server 7.0, and the store suites and fault matrix run on both.
set -euo pipefail

# Valkey: bookworm-backports, pinned by -t (nothing else is taken from backports).
if ! command -v valkey-server >/dev/null; then
  echo "setup-system: installing valkey-server from bookworm-backports"
  export DEBIAN_FRONTEND=noninteractive
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/bookworm-backports.sources
  fi
  apt-get update -qq
  policy_added=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  apt-get install -y -qq --no-install-recommends -t bookworm-backports valkey-server >/dev/null
  [[ -n "$policy_added" ]] && rm -f /usr/sbin/policy-rc.d
  if command -v systemctl >/dev/null; then systemctl disable -q valkey-server 2>/dev/null || true; fi
fi

PKGS=(redis-server rustc-web cargo-web rust-web-src rust-web-llvm lld-22 binutils pkg-config gcc)
MIN_RUST=1.96   # SPEC §11; bookworm proper only has 1.85, bookworm-security has 1.96

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
# An old rustc-web (1.85 from a stale package list) counts as missing too.
if [[ ${#missing[@]} -eq 0 ]] && ! dpkg --compare-versions \
     "$(dpkg-query -W -f='${Version}' rustc-web)" ge "$MIN_RUST"; then
  missing+=(rustc-web cargo-web rust-web-src rust-web-llvm)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "ok: system packages ($(/usr/bin/rustc --version | cut -d' ' -f1-2), redis $(redis-server --version | grep -o "v=[0-9.]*" | cut -c3-), valkey $(valkey-server --version | grep -o "v=[0-9.]*" | cut -c3-))"
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Keep apt from starting services (redis-server) while installing: policy-rc.d exit 101 = "deny".
# Docker images already ship one; add a temporary one only if it is absent.
tmp_policy=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  tmp_policy=/usr/sbin/policy-rc.d
fi
trap 'if [[ -n "$tmp_policy" ]]; then rm -f "$tmp_policy"; fi' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Never leave redis as a (boot-time) service: tests start their own redis-server on a loopback port.
if command -v systemctl >/dev/null; then systemctl disable -q redis-server 2>/dev/null || true; fi
if [[ -d /run/systemd/system ]]; then systemctl stop redis-server 2>/dev/null || true; fi

/usr/bin/rustc --version
[[ -x /usr/bin/rust-lld ]] || { echo "setup-system: /usr/bin/rust-lld missing" >&2; exit 1; }
echo "ok: system packages installed"
