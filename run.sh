#!/usr/bin/env bash
# Brings up the whole Nexus app: Redis, gateway, runner, front door (YARP proxy) and the Aspire dashboard.
# Stop it with Ctrl+C (or SIGTERM when backgrounded). Extra arguments go to the AppHost,
# e.g. ./run.sh --Nexus:Gateway:Replicas=2
set -euo pipefail
cd "$(dirname "$0")"
source eng/prerequisites.sh
ensure_redis_for_apphost

# Aspire starts every service with --no-build, so the solution is built first.
dotnet build Nexus.slnx --nologo -v quiet

cat <<'INFO'

  Nexus is starting (the whole app is healthy after 15-30 s):
    Dashboard   http://localhost:18888
    Front door  http://localhost:5080    WebSocket: ws://localhost:5080/ws?user=alice
    Redis       redis-cli -p 6380        (fixed in development; see Nexus.AppHost/appsettings.json)

INFO
exec dotnet run --project Nexus.AppHost --no-build --launch-profile http -- "$@"
