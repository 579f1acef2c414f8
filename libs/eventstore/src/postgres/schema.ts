/**
 * The event log on PostgreSQL and PGlite (same SQL). Each row is stamped with the writing
 * transaction's id; readers only see rows below the oldest in-flight transaction
 * (pg_snapshot_xmin) and order by (transaction_id, global_position), so an out-of-order commit can
 * never be skipped (ARCHITECTURE invariant 4). Data and metadata are stored as text so that the
 * audit chain hashes exactly the stored bytes.
 */
export const EVENT_STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS es_streams (
  stream_id text PRIMARY KEY,
  revision bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS es_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id text NOT NULL,
  revision bigint NOT NULL,
  event_id uuid NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL DEFAULT 1,
  data text NOT NULL,
  metadata text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
  CONSTRAINT es_events_event_id UNIQUE (event_id)
);
CREATE INDEX IF NOT EXISTS es_events_tx_order ON es_events (transaction_id, global_position);
`;
