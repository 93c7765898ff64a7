# shellcheck shell=bash
# Source me (bash/zsh) before any wasm build:   source scripts/env-wasm.sh
# Puts first on PATH: Debian's cargo/rustc/rustdoc (whose sysroot has std for wasm32, built by
# scripts/setup-wasm.sh), then the project-local wasm-bindgen / wasm-bindgen-test-runner / wasm-pack,
# then npm binaryen's wasm-opt. Native (non-wasm) builds should keep using the default toolchain.
# Also exports CALLSTATE_TOOLS (the .tools folder). Safe to source more than once.
# E0463 "can't find crate for `std`" = std was rebuilt after that target dir was filled (setup-wasm.sh
# clears target/wasm32-unknown-unknown of this repo itself): delete <target>/wasm32-unknown-unknown.
_cs_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export CALLSTATE_TOOLS="$_cs_root/.tools"
case ":$PATH:" in
  *":$CALLSTATE_TOOLS/debian-rust/bin:"*) ;;
  *) export PATH="$CALLSTATE_TOOLS/debian-rust/bin:$CALLSTATE_TOOLS/cargo/bin:$CALLSTATE_TOOLS/node/node_modules/.bin:$PATH" ;;
esac
# Make sure nothing routes cargo/rustc back to rustup's toolchain.
unset RUSTUP_TOOLCHAIN RUSTC RUSTDOC RUSTC_WRAPPER _cs_root
