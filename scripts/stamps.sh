# shellcheck shell=bash
# Hash stamps for scripts/build.sh and scripts/build-all.sh (sourced; $STAMPS is the stamp folder).
# hash_of <extra text> <paths...>: one hash over the files' contents (sorted) and the extra text.
hash_of() {
  local extra="$1"; shift
  { printf '%s\n' "$extra"; find "$@" -type f ! -path '*/node_modules/*' -print0 | sort -z | xargs -0 sha256sum; } |
    sha256sum | cut -d' ' -f1
}
# fresh <stamp> <hash>: the artefact was last built from these inputs.
fresh() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
