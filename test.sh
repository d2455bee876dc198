#!/usr/bin/env bash
# Runs every test of Nexus. Installs what the tests need (redis-server, chromium) when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
source eng/prerequisites.sh
ensure_redis_server
ensure_chromium
dotnet build Nexus.slnx -c Release
dotnet test Nexus.slnx -c Release --no-build --logger "console;verbosity=normal" "$@"
