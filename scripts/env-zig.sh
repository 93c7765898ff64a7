# shellcheck shell=bash
# Source me before native glibc-2.17 builds:   source scripts/env-zig.sh
# Adds .tools/bin (zig) and .tools/cargo/bin (cargo-zigbuild) to PATH; keeps the default (rustup)
# toolchain for cargo/rustc. Then: cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.17
_cs_tools="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)/.tools"
case ":$PATH:" in
  *":$_cs_tools/bin:"*) ;;
  *) export PATH="$_cs_tools/bin:$_cs_tools/cargo/bin:$PATH" ;;
esac
unset _cs_tools
