#!/usr/bin/env bash
# Nexus benchmark (issue 5): Nexus vs ASP.NET Core SignalR (Redis backplane) vs bare Kestrel WebSockets.
#
#   bench/run.sh                         full run, all servers and scenarios (about 25 minutes on 2 cores)
#   bench/run.sh --quick                 smoke run with small sizes (about 2 minutes)
#   bench/run.sh --quick --servers bare,signalr   without Nexus
#   bench/run.sh --help                  every option of the load generator
#
# Builds what it needs in Release, starts its own redis-server and each server as child processes
# (all on 127.0.0.x), and writes bench/results/<date>/results.{md,json} plus the servers' logs.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source eng/prerequisites.sh
ensure_redis_server

if [[ " $* " == *" --help "* ]]; then
  dotnet build bench/Nexus.Bench.LoadGen -c Release -v q -nologo >/dev/null
  dotnet bench/Nexus.Bench.LoadGen/bin/Release/net10.0/Nexus.Bench.LoadGen.dll --help 2>&1 || true
  exit 0
fi

# Build only the servers that will run (default: all three).
servers="nexus,signalr,bare"
nexus_dll=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--servers" ]]; then servers="${args[$((i + 1))]}"; fi
  if [[ "${args[$i]}" == "--nexus-dll" ]]; then nexus_dll="${args[$((i + 1))]}"; fi
done
projects=(bench/Nexus.Bench.LoadGen)
[[ ",$servers," == *",nexus,"* && -z "$nexus_dll" ]] && projects+=(Nexus.WsGateway)
[[ ",$servers," == *",signalr,"* ]] && projects+=(bench/Nexus.Bench.SignalRPeer)
[[ ",$servers," == *",bare,"* ]] && projects+=(bench/Nexus.Bench.BarePeer)
for project in "${projects[@]}"; do
  echo "building $project (Release)"
  dotnet build "$project" -c Release -v q -nologo
done

# 10,000 idle connections need as many descriptors in the server and in the load generator.
hard="$(ulimit -Hn)"
if [[ "$hard" == "unlimited" || "$hard" -gt 65535 ]]; then hard=65535; fi
ulimit -n "$hard"
echo "open files limit: $(ulimit -n)"

exec dotnet bench/Nexus.Bench.LoadGen/bin/Release/net10.0/Nexus.Bench.LoadGen.dll --root "$root" "$@"
