# Sourced by run.sh, test.sh and .ci/run: installs what Nexus needs on a fresh Debian machine.

# True when a container runtime's daemon answers (docker, or ASPIRE_CONTAINER_RUNTIME's tool), as the AppHost checks.
container_runtime_answers() {
  local runtime="${ASPIRE_CONTAINER_RUNTIME:-docker}"
  command -v "$runtime" >/dev/null 2>&1 || return 1
  timeout 5 "$runtime" info >/dev/null 2>&1
}

ensure_redis_server() {
  if command -v redis-server >/dev/null 2>&1; then
    return
  fi
  echo "redis-server not found: installing it (apt-get install -y redis-server)" >&2
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  # Debian starts a system-wide redis on 6379; Nexus runs its own, so leave the system one alone.
}

# run.sh: the AppHost runs Redis as a container when a runtime answers, else as a local redis-server process.
ensure_redis_for_apphost() {
  if container_runtime_answers; then
    return
  fi
  ensure_redis_server
}

# The console's browser tests drive Debian's chromium through Playwright (ExecutablePath
# /usr/bin/chromium): Playwright's own browser download is never used.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    return
  fi
  echo "chromium not found: installing it (apt-get install -y chromium)" >&2
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

# The TypeScript client (clients/typescript) is built and tested with Node.js 20 or later and npm.
ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return
  fi
  echo "node or npm not found: installing them (apt-get install -y nodejs npm)" >&2
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
}
