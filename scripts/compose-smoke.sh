#!/usr/bin/env bash
# Smoke test of docker-compose.yml: KurrentDB holds the log. Needs a container engine, curl, jq and
# openssl; CI runs it (.github/workflows/eventstoredb.yml). NOT RUN on the machines this was written
# on (no container engine there): the first run of it is the first run of this stack.
#
# Starts the stack, waits until /health is ready on the eventstoredb backend, records a consent,
# reads it back through validate (read-your-writes through the KurrentDB subscription), withdraws it,
# verifies the audit chain, then restarts the worker and checks that the projections catch up again.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-http://localhost:3000}
ENV_FILE=deploy/privacy-ledger.env
if [ ! -f "$ENV_FILE" ]; then
  sed -e "s|^MASTER_KEY=.*|MASTER_KEY=$(openssl rand -base64 32)|" \
      -e "s|^PSEUDONYM_SECRET=.*|PSEUDONYM_SECRET=$(openssl rand -base64 32)|" \
      -e "s|^ADMIN_API_KEY=.*|ADMIN_API_KEY=$(openssl rand -hex 24)|" deploy/privacy-ledger.env.example > "$ENV_FILE"
fi
K=$(sed -n 's/^ADMIN_API_KEY=//p' "$ENV_FILE")
cleanup() {
  status=$?
  [ $status -ne 0 ] && docker compose logs --no-color --tail 200 api worker kurrentdb || true
  docker compose down -v
  exit $status
}
trap cleanup EXIT
docker compose up -d --build

ready() { curl -s "$B/health" | jq -e '.ready == true and .checks.event_store.detail.backend == "eventstoredb"' > /dev/null; }
for i in $(seq 180); do ready && break; sleep 2; done
ready || { echo "not ready on eventstoredb:"; curl -s "$B/health"; exit 1; }

c() { m=$1; p=$2; shift 2; curl -sf -X "$m" -H "Authorization: Bearer $K" -H 'content-type: application/json' "$@" "$B$p"; }
U="smoke-$(openssl rand -hex 4)@example.com"
T=$(date -u +%FT%TZ)
c POST /consent/record -d '{"user_id":"'"$U"'","data_categories":["user.contact.email"],"processing_purposes":["marketing.communications.email"],
  "consent_status":"granted","consent_timestamp":"'"$T"'","legal_basis":"consent","consent_version":"smoke-v1"}' | jq -e '.consent_id' > /dev/null
V="/consent/validate?user_id=$U&data_category=user.contact.email&processing_purpose=marketing.communications.email"
c GET "$V" | jq -e '.processing_allowed == true' > /dev/null
c POST /consent/withdraw -d '{"user_id":"'"$U"'","data_categories":["user.contact.email"],"processing_purposes":["marketing.communications.email"]}' > /dev/null
c GET "$V" | jq -e '.processing_allowed == false' > /dev/null
c GET /audit/verify | jq -e '.ok == true' > /dev/null

# the worker's subscriptions resume from their checkpoints after a restart
docker compose restart worker
for i in $(seq 90); do ready && break; sleep 2; done
ready
echo "compose smoke test passed (KurrentDB log, $(curl -s "$B/health" | jq -c '.checks.event_store.detail'))"
