#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine, idempotently:
#   - Debian packages (only when a tool is missing),
#   - nats-server, (patched) FerretDB and the object store (versitygw) built with `go` into a
#     per-user cache and linked into .local/bin,
#   - Keycloak (the local OpenID Connect provider) from Maven Central, pre-built into the same cache
#     and linked as .local/keycloak, with the Java it runs on as .local/keycloak-java,
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
  command -v mvn >/dev/null || missing+=(maven)        # brings a Java too (Debian's default JRE)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v chromium >/dev/null || missing+=(chromium)  # the console's browser test (playwright-core drives it)
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

# The local S3-compatible object store: Versity Gateway (POSIX backend) from its Go module, cached
# by version like nats-server (~4 min on two cores the first time).
build_versitygw() {
  local out="$cache_dir/bin/versitygw-$VERSITYGW_VERSION"
  if [ ! -x "$out" ]; then
    say "building versitygw $VERSITYGW_VERSION (first run only, ~4 min)"
    local tmp; tmp=$(mktemp -d)
    GOBIN="$tmp" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
    mv "$tmp/versitygw" "$out"; rm -rf "$tmp"
  fi
  ln -sf "$out" "$bin_dir/versitygw"
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

# The Java for Keycloak: KEYCLOAK_JAVA_HOME if set, else the newest of JAVA_HOME, the `java` on PATH
# and /usr/lib/jvm/*. Keycloak 26 needs 17 and recommends 21+; on 25 we also train an AOT cache.
java_prop() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n "s/^ *$2 = //p"; }
find_keycloak_java() {
  if [ -n "${KEYCLOAK_JAVA_HOME:-}" ]; then echo "$KEYCLOAK_JAVA_HOME"; return; fi
  local best="" best_major=0 candidate major candidates=("${JAVA_HOME:-}")
  if command -v java >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
  for candidate in /usr/lib/jvm/*/; do candidates+=("${candidate%/}"); done
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    major=$(java_prop "$candidate" java.specification.version | cut -d. -f1)
    [ -n "$major" ] || continue
    if [ "$major" -gt "$best_major" ]; then best=$(readlink -f "$candidate"); best_major=$major; fi
  done
  [ "$best_major" -ge 17 ] && echo "$best"
}

# The pinned keycloak-quarkus-dist, unpacked and pre-built (`kc.sh build`, so that start-up skips the
# Quarkus augmentation) into the cache, keyed by version and build options.
install_keycloak() {
  kc_java=$(find_keycloak_java) || true
  [ -n "$kc_java" ] || { apt_install default-jre-headless; kc_java=$(find_keycloak_java) || true; }
  [ -n "$kc_java" ] || die "Keycloak needs Java 17 or newer (21+ recommended): set KEYCLOAK_JAVA_HOME"
  local key out
  key=$(printf '%s\n' "$KEYCLOAK_VERSION" "$KEYCLOAK_BUILD_OPTIONS" | sha256sum | cut -c1-8)
  out="$cache_dir/keycloak-$KEYCLOAK_VERSION-$key"
  if [ ! -f "$out/.onestop-built" ]; then
    say "fetching Keycloak $KEYCLOAK_VERSION from Maven Central (first run only, ~165 MB)"
    local tmp; tmp=$(mktemp -d "$cache_dir/.keycloak-XXXXXX")
    # A repository of our own in the cache: the zip is deleted once unpacked, the plugins stay.
    mvn -q -B -Dmaven.repo.local="$cache_dir/m2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -DoutputDirectory="$tmp" \
      || die "could not fetch org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION"
    unzip -q "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" -d "$tmp"
    rm -rf "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" "$cache_dir/m2/org/keycloak"
    say "pre-building Keycloak $KEYCLOAK_VERSION ($KEYCLOAK_BUILD_OPTIONS, Java $(java_prop "$kc_java" java.version))"
    # shellcheck disable=SC2086 # the options are words
    JAVA_HOME="$kc_java" "$tmp/keycloak-$KEYCLOAK_VERSION/bin/kc.sh" build $KEYCLOAK_BUILD_OPTIONS \
      >"$tmp/build.log" 2>&1 || { tail -n 20 "$tmp/build.log" >&2; die "kc.sh build failed"; }
    touch "$tmp/keycloak-$KEYCLOAK_VERSION/.onestop-built"
    rm -rf "$out"; mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$out"; rm -rf "$tmp"
  fi
  ln -sfn "$out" "$repo_root/.local/keycloak"
  ln -sfn "$kc_java" "$repo_root/.local/keycloak-java"
}

# Start-up speed only (packages/devservers/src/keycloak.ts uses them when present): a template
# database with the realm imported, keyed by the realm file's hash, and on Java 25+ a JVM AOT cache
# trained on one start (keyed by the exact Java). One Keycloak start, after the npm dependencies.
prepare_keycloak() {
  local dist="$repo_root/.local/keycloak" hash java_id aot=""
  hash=$(sha256sum "$repo_root/infra/keycloak/onestop-realm.json" | cut -c1-16)
  java_id="$kc_java $(java_prop "$kc_java" java.runtime.version)"
  if [ "$(java_prop "$kc_java" java.specification.version | cut -d. -f1)" -ge 25 ] \
    && [ "$(cat "$dist/onestop.aot.java" 2>/dev/null)" != "$java_id" ]; then aot="--aot"; fi
  if [ -n "$aot" ] || [ "$(cat "$dist/onestop-template/realm.sha256" 2>/dev/null)" != "$hash" ]; then
    say "preparing Keycloak: realm template${aot:+ and AOT cache} (first run only, ~1 min)"
    (cd "$repo_root/infra" && node --conditions=onestop:source --import tsx keycloak/prepare.ts $aot) \
      || die "Keycloak did not start: see the log named above"
    [ -z "$aot" ] || printf '%s\n' "$java_id" >"$dist/onestop.aot.java"
  fi
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
build_versitygw
install_keycloak
"$bin_dir/nats-server" --version >/dev/null || die "nats-server does not run"
"$bin_dir/ferretdb" --version >/dev/null || die "ferretdb does not run"
"$bin_dir/versitygw" --version >/dev/null || die "versitygw does not run"
install_pnpm
say "pnpm install"
frozen=false; [ -z "${CI:-}" ] || frozen=true
(cd "$repo_root" && pnpm install --frozen-lockfile="$frozen" --reporter=append-only | tail -n 3)
prepare_keycloak
say "ready: $("$bin_dir/nats-server" --version), ferretdb $FERRETDB_VERSION, keycloak $KEYCLOAK_VERSION (java $(java_prop "$kc_java" java.version)), pnpm $(pnpm -v), node $(node -v)"
