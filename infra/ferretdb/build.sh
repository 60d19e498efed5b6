#!/usr/bin/env bash
# Builds FerretDB from the pinned Go module, with the patch series in infra/ferretdb/patches
# applied (or without it: --stock, for benchmarks against the unpatched release), into the
# per-user cache, and prints the binary's path on the last line of its output.
#
# The cache key holds the version and a hash of the patches, so a changed patch rebuilds.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../versions.env
source "$repo_root/infra/versions.env"
cache_dir=${ONESTOP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/one-stop}
patch_dir="$repo_root/infra/ferretdb/patches"

say() { printf '\033[1;34m[ferretdb]\033[0m %s\n' "$*" >&2; }

stock=false
[ "${1:-}" != "--stock" ] || stock=true

export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

if $stock; then
  key=stock
else
  key=$(cat "$patch_dir"/*.patch | sha256sum | cut -c1-12)
fi
out="$cache_dir/bin/ferretdb-$FERRETDB_VERSION-$key"

if [ ! -x "$out" ]; then
  say "building FerretDB $FERRETDB_VERSION ($key; first run only, ~2 min)"
  mkdir -p "$cache_dir/bin"
  mod_dir=$(cd "$(mktemp -d)" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp -r "$mod_dir/." "$tmp/src"; chmod -R u+w "$tmp/src"
  # The published module's build/version/version.txt is empty and such a binary panics at start.
  echo "$FERRETDB_VERSION" > "$tmp/src/build/version/version.txt"
  if ! $stock; then
    for p in "$patch_dir"/*.patch; do
      say "applying $(basename "$p")"
      patch -d "$tmp/src" -p1 --quiet --forward < "$p"
    done
  fi
  (cd "$tmp/src" && go build -o "$out.tmp" ./cmd/ferretdb)
  mv "$out.tmp" "$out"
fi
echo "$out"
