# shellcheck shell=bash
# Source me before `cargo fuzz`: Debian's cargo/rustc first on PATH (scripts/setup-fuzz.sh makes
# the links), then the project-local cargo-fuzz; RUSTC_BOOTSTRAP=1 for cargo fuzz's -Z flags.
_cs_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
case ":$PATH:" in
  *":$_cs_root/.tools/debian-rust/bin:"*) ;;
  *) export PATH="$_cs_root/.tools/debian-rust/bin:$_cs_root/.tools/cargo/bin:$PATH" ;;
esac
export RUSTC_BOOTSTRAP=1
unset RUSTUP_TOOLCHAIN RUSTC RUSTDOC RUSTC_WRAPPER _cs_root
