#!/usr/bin/env bash
# Runs every test of Nexus: the .NET tests (xunit), the TypeScript client's (Node's test runner), the benchmark
# harness's own tests, then the benchmark's correctness smoke (bench/run.sh --quick). Installs what the tests need
# (redis-server, chromium, node) when it is missing.
# Extra arguments go to dotnet test, e.g. ./test.sh --filter FullyQualifiedName~Gateway (the TypeScript tests and the
# smoke are then left out: a filtered run is about .NET tests).
set -euo pipefail
cd "$(dirname "$0")"
source eng/prerequisites.sh
ensure_redis_server
ensure_chromium
ensure_node
# The whole-app tests start the services with --no-build (Aspire), and the TypeScript tests run the built gateway and
# runner, so the solution is built first.
dotnet build Nexus.slnx -c Release --nologo
log=$(mktemp)
status=0

if [ "$#" -eq 0 ]; then
  # npm ci installs exactly package-lock.json (typescript, the only dependency, for development); compile leaves the
  # console's committed copy alone, so the tests can check that it matches this build.
  (cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run --silent compile \
    && NEXUS_TEST_CONFIGURATION=Release npm test --silent) 2>&1 | tee -a "$log" || status=$?
fi

dotnet test Nexus.slnx -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log" || status=$?
# The benchmark harness's own unit tests (scanner, histogram, CPU accounting, what fails a run: issue 16 item 4).
dotnet test bench/Nexus.Bench.Tests -c Release --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log" || status=$?
# One plain closing line that any reader of CI output understands: xunit's "Passed: N" lines and node's "# pass N".
passed=$(awk '/^ *Passed: *[0-9]+/ {s+=$2} /^# pass [0-9]+/ {s+=$3} END {print s+0}' "$log")
failed=$(awk '/^ *Failed: *[0-9]+/ {s+=$2} /^# (fail|cancelled) [0-9]+/ {s+=$3} END {print s+0}' "$log")
skipped=$(awk '/^ *Skipped: *[0-9]+/ {s+=$2} /^# skipped [0-9]+/ {s+=$3} END {print s+0}' "$log")
rm -f "$log"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  status=1
fi
# The benchmark as a correctness smoke (issue 16 item 4): every scenario and server once at tiny sizes; it fails on a
# run that cannot be made or on any missing, duplicated or reordered delivery or unexpected disconnect, never on
# timing (issue 16 item 4; --smoke is the same at smaller sizes, for a faster local check). Not run when
# arguments select tests: they ask for a part of the suite.
if [ "$#" -eq 0 ]; then
  smoke_log=$(mktemp)
  if bench/run.sh --quick 2>&1 | tee "$smoke_log"; then
    smoke="benchmark smoke passed"
  else
    reason=$(grep -m1 -A1 '^BENCHMARK FAILED' "$smoke_log" | sed -n '2s/^ *//p' || true)
    smoke="benchmark smoke FAILED: ${reason:-bench/run.sh --quick exited non-zero, see its output above}"
    status=1
  fi
  rm -f "$smoke_log"
else
  smoke="benchmark smoke not run (test arguments given)"
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped; ${smoke}"
exit "$status"
