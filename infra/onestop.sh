#!/usr/bin/env bash
# The project's two commands on a fresh machine:
#   bash infra/onestop.sh demo   install everything, start NATS + FerretDB + every service,
#                                load demo dossiers, print the URLs; Ctrl-C stops it all
#   bash infra/onestop.sh test   install everything, then build, type-check and run the whole
#                                test suite (unit + integration against real NATS and FerretDB)
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
export TURBO_TELEMETRY_DISABLED=1

case "${1:-}" in
  demo)
    bash infra/install.sh
    # node directly (not through pnpm) so that Ctrl-C ends with a clean exit code.
    cd infra && exec node --conditions=onestop:source --import tsx demo.ts
    ;;
  test)
    bash infra/install.sh
    pnpm check                                           # biome: formatting and lint rules
    pnpm build
    pnpm lint                                            # tsc --noEmit everywhere, buf lint
    pnpm --filter @onestop/contracts proto:breaking      # contracts vs the main branch
    pnpm test
    ;;
  *)
    echo "usage: bash infra/onestop.sh demo|test" >&2
    exit 2
    ;;
esac
