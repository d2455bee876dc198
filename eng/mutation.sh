#!/usr/bin/env bash
# Mutation testing (issue 16 item 3) with Stryker.NET, the repository's local .NET tool (.config/dotnet-tools.json).
#   eng/mutation.sh            the gateway's Connections/, Fanout/ and JsonRpc/
#   eng/mutation.sh approvals  the runner's Approvals/
# Extra arguments go to dotnet-stryker (e.g. --since:main, --concurrency 2). The whole-app, browser and container
# tests are filtered out (eng/stryker/*.json): each mutant re-runs only the tests that cover it, and those would
# start the whole app for every one. Needs redis-server, as the tests do. Reports: <project>/StrykerOutput/.
# Scores and the triage of what survived: docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/prerequisites.sh
ensure_redis_server
target=${1:-gateway}
[ $# -gt 0 ] && shift
case "$target" in
  gateway) project=Nexus.WsGateway ;;
  approvals) project=Nexus.AgentRunner ;;
  *) echo "usage: eng/mutation.sh [gateway|approvals] [stryker options]" >&2; exit 2 ;;
esac
dotnet tool restore
cd "$project"
dotnet dotnet-stryker --config-file "../eng/stryker/$target.json" "$@"
