#!/usr/bin/env bash
# Runs every test of Nexus. Installs what the tests need (redis-server, chromium) when it is missing.
# Extra arguments go to dotnet test, e.g. ./test.sh --filter FullyQualifiedName~Gateway
set -euo pipefail
cd "$(dirname "$0")"
source eng/prerequisites.sh
ensure_redis_server
ensure_chromium
# The whole-app tests start the services with --no-build (Aspire), so the solution is built first.
dotnet build Nexus.slnx -c Release --nologo
log=$(mktemp)
status=0
dotnet test Nexus.slnx -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line that any reader of CI output understands.
passed=$(awk '/^ *Passed: *[0-9]+/ {s+=$2} END {print s+0}' "$log")
failed=$(awk '/^ *Failed: *[0-9]+/ {s+=$2} END {print s+0}' "$log")
skipped=$(awk '/^ *Skipped: *[0-9]+/ {s+=$2} END {print s+0}' "$log")
rm -f "$log"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  status=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
