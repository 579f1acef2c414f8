#!/usr/bin/env bash
# The test command (`npm test`): boundaries, typecheck, unit, then integration and e2e against the
# machine's PostgreSQL (DATABASE_URL, default the local server), PGlite, and a real Kafka broker
# that this script starts from Maven Central jars and stops afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://$(id -un)@127.0.0.1:5432/test}"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-vm-modules --no-warnings=ExperimentalWarning"
# Unit tests run on both cores. Integration and e2e suites run one at a time by default: on PostgreSQL
# a reader only sees events below the oldest transaction open anywhere on the server (invariant 4),
# so suites running side by side slow each other's subscribers down; one at a time keeps them quick.
JEST_WORKERS="${JEST_WORKERS:-2}"
JEST_IO_WORKERS="${JEST_IO_WORKERS:-1}"

step() { printf '\n=== %s ===\n' "$*"; }

step "PostgreSQL at ${DATABASE_URL%%\?*}"
if ! node -e "const {Client}=require('pg');const c=new Client({connectionString:process.env.DATABASE_URL});c.connect().then(()=>c.end()).catch(e=>{console.error(e.message);process.exit(1)})"; then
  echo "PostgreSQL not reachable; trying to start the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  sleep 2
  node -e "const {Client}=require('pg');const c=new Client({connectionString:process.env.DATABASE_URL});c.connect().then(()=>c.end())"
fi

step "boundaries (dependency-cruiser)"
npm run -s lint:boundaries

step "typecheck"
npm run -s typecheck

RESULTS_DIR="$(mktemp -d)"
FAILED_TIERS=()
tier() {  # tier <name> <jest project> <workers>: runs every tier even after a failure, so one run shows everything
  local name="$1" project="$2" workers="$3"
  if ! npx jest --selectProjects "$project" --maxWorkers="$workers" --json --outputFile="$RESULTS_DIR/$name.json"; then
    FAILED_TIERS+=("$name")
  fi
}

step "unit"
tier unit unit "$JEST_WORKERS"

KAFKA_SCRIPT=scripts/kafka/kafka-ci.sh
if [ -f "$KAFKA_SCRIPT" ] && [ -z "${KAFKA_BROKERS:-}" ] && [ "${SKIP_KAFKA:-0}" != "1" ]; then
  step "Kafka broker (KRaft, from Maven Central jars)"
  export KAFKA_PORT="${KAFKA_PORT:-19092}" KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
  # This run owns the broker: another run's start or EXIT trap on the same port leaves it alone.
  export KAFKA_CI_OWNER=$$
  trap 'bash "$KAFKA_SCRIPT" stop >/dev/null 2>&1 || true' EXIT
  bash "$KAFKA_SCRIPT" start
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT}"
fi

step "integration (PostgreSQL, PGlite${KAFKA_BROKERS:+, Kafka at $KAFKA_BROKERS})"
tier integration integration "$JEST_IO_WORKERS"

step "build (dist/, used by the e2e tier's start-up test)"
npm run -s build

step "e2e (HTTP)"
tier e2e e2e "$JEST_IO_WORKERS"

step "summary"
node -e '
  const fs = require("fs"), dir = process.argv[1];
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(dir)) {
    const r = JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    console.log(`${f.replace(".json", "").padEnd(12)} ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped (${r.numTotalTestSuites} suites)`);
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$RESULTS_DIR"
if [ ${#FAILED_TIERS[@]} -gt 0 ]; then
  echo "failed tiers: ${FAILED_TIERS[*]}"
  exit 1
fi
