#!/usr/bin/env bash
# Parked sessions (issue 13): Redis memory per session parked on an approval, and the runner's CPU while they wait.
#
#   bench/parked.sh                      10,000 parked sessions, 30 s idle windows (about 2 minutes on 2 cores)
#   bench/parked.sh --approve            then approve them all and time the resumes
#   bench/parked.sh --sessions 1000 --idle-seconds 10
#
# Builds the runner and the benchmark in Release, starts its own redis-server and the runner as child processes on
# 127.0.0.1, and writes bench/results/parked-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source eng/prerequisites.sh
ensure_redis_server
for project in Nexus.AgentRunner bench/Nexus.Bench.Parked; do
  echo "building $project (Release)"
  dotnet build "$project" -c Release -v q -nologo
done
exec dotnet bench/Nexus.Bench.Parked/bin/Release/net10.0/Nexus.Bench.Parked.dll --root "$root" "$@"
