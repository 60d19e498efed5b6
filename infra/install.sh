#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, idempotently:
#   - Debian packages (only when a tool is missing),
#   - nats-server and (patched) FerretDB built with `go` into a per-user cache and linked into
#     .local/bin,
#   - pnpm and the workspace's npm dependencies.
# Re-running it is cheap: built binaries are reused from ONESTOP_CACHE_DIR.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$repo_root/infra/versions.env"

cache_dir=${ONESTOP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/one-stop}
bin_dir="$repo_root/.local/bin"
mkdir -p "$cache_dir/bin" "$bin_dir"

say() { printf '\033[1;34m[install]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[install] %s\033[0m\n' "$*" >&2; exit 1; }

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ "$apt_updated" -eq 0 ]; then $sudo apt-get update -qq; apt_updated=1; fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

need_tools() {
  local missing=()
  command -v git >/dev/null || missing+=(git)
  command -v curl >/dev/null || missing+=(curl)
  command -v patch >/dev/null || missing+=(patch)
  command -v go >/dev/null || missing+=(golang-go)
  command -v node >/dev/null || missing+=(nodejs npm)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

check_node() {
  local have; have=$(node -p 'process.versions.node')
  node -e "const [a,b,c]=process.argv.slice(1).map(v=>v.split('.').map(Number));
    const ok=a[0]!==b[0]?a[0]>b[0]:a[1]!==b[1]?a[1]>b[1]:a[2]>=b[2]; process.exit(ok?0:1)" \
    "$have" "$NODE_MIN_VERSION" _ \
    || die "Node.js $have is too old: $NODE_MIN_VERSION or newer is required"
}

# Debian's Go may be older than the servers need; GOTOOLCHAIN=auto lets `go` fetch the
# toolchain named in their go.mod from the Go module proxy.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

build_nats() {
  local out="$cache_dir/bin/nats-server-$NATS_SERVER_VERSION"
  if [ ! -x "$out" ]; then
    say "building nats-server $NATS_SERVER_VERSION (first run only, ~2 min)"
    local tmp; tmp=$(mktemp -d)
    GOBIN="$tmp" go install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION"
    mv "$tmp/nats-server" "$out"; rm -rf "$tmp"
  fi
  ln -sf "$out" "$bin_dir/nats-server"
}

# FerretDB from the pinned module with the patch series in infra/ferretdb/patches applied
# (see infra/ferretdb/README.md); the cache key holds the patches' hash.
# The stock release is built too (ferretdb-stock): the upgrade test opens a database it wrote,
# and `pnpm bench:store` measures it beside the patched build.
build_ferretdb() {
  local out
  out=$(bash "$repo_root/infra/ferretdb/build.sh" | tail -n 1)
  ln -sf "$out" "$bin_dir/ferretdb"
  out=$(bash "$repo_root/infra/ferretdb/build.sh" --stock | tail -n 1)
  ln -sf "$out" "$bin_dir/ferretdb-stock"
}

install_pnpm() {
  if ! command -v pnpm >/dev/null || [ "$(pnpm -v)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo npm install -g --silent "pnpm@$PNPM_VERSION"
  fi
}

need_tools
check_node
build_nats
build_ferretdb
"$bin_dir/nats-server" --version >/dev/null || die "nats-server does not run"
"$bin_dir/ferretdb" --version >/dev/null || die "ferretdb does not run"
install_pnpm
say "pnpm install"
frozen=false; [ -z "${CI:-}" ] || frozen=true
(cd "$repo_root" && pnpm install --frozen-lockfile="$frozen" --reporter=append-only | tail -n 3)
say "ready: $("$bin_dir/nats-server" --version), ferretdb $FERRETDB_VERSION, pnpm $(pnpm -v), node $(node -v)"
