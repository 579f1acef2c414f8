/** NOTIFY channel: deliveries became due (enqueued, or dead ones put back); the deliverer wakes on it. */
export const DELIVERIES_DUE_CHANNEL = 'webhook_deliveries_due';

export const WEBHOOK_SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  service text PRIMARY KEY,
  url text NOT NULL,
  topics text[] NOT NULL,
  system_id text,
  secret_sealed text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- a rotation keeps the replaced secret signing (as a second Standard Webhooks signature) until previous_valid_until
ALTER TABLE webhook_endpoints ADD COLUMN IF NOT EXISTS previous_secret_sealed text;
ALTER TABLE webhook_endpoints ADD COLUMN IF NOT EXISTS previous_valid_until timestamptz;
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id bigserial PRIMARY KEY,
  service text NOT NULL REFERENCES webhook_endpoints(service) ON DELETE CASCADE,
  event_id text NOT NULL,
  topic text NOT NULL,
  event_type text NOT NULL,
  message_key text NOT NULL,
  headers jsonb NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (service, event_id, topic)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_key ON webhook_deliveries (service, message_key, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE TABLE IF NOT EXISTS webhook_attempts (
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);`;
