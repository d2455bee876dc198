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
dotnet test Nexus.slnx -c Release --no-build --logger "console;verbosity=normal" "$@"
