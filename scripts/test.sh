#!/usr/bin/env bash
# The test command (`npm test`): boundaries, typecheck, unit, then integration and e2e against the
# machine's PostgreSQL (DATABASE_URL, default the local server), PGlite, and a real Kafka broker
# that this script starts from Maven Central jars and stops afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://$(id -un)@127.0.0.1:5432/test}"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-vm-modules --no-warnings=ExperimentalWarning"
JEST_WORKERS="${JEST_WORKERS:-2}"

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

step "unit"
npx jest --selectProjects unit --maxWorkers="$JEST_WORKERS"

KAFKA_SCRIPT=scripts/kafka/kafka-ci.sh
if [ -f "$KAFKA_SCRIPT" ] && [ -z "${KAFKA_BROKERS:-}" ] && [ "${SKIP_KAFKA:-0}" != "1" ]; then
  step "Kafka broker (KRaft, from Maven Central jars)"
  export KAFKA_PORT="${KAFKA_PORT:-19092}" KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
  trap 'bash "$KAFKA_SCRIPT" stop >/dev/null 2>&1 || true' EXIT
  bash "$KAFKA_SCRIPT" start
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT}"
fi

step "integration (PostgreSQL, PGlite${KAFKA_BROKERS:+, Kafka at $KAFKA_BROKERS})"
npx jest --selectProjects integration --maxWorkers="$JEST_WORKERS"

step "e2e (HTTP)"
npx jest --selectProjects e2e --maxWorkers="$JEST_WORKERS"

step "all tiers passed"
