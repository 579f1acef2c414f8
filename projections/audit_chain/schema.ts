/** One row per event of the log, in chain order; `seq` is 0-based and dense. */
export const AUDIT_CHAIN_SCHEMA = `
CREATE TABLE IF NOT EXISTS links (
  seq bigint PRIMARY KEY,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  event_id text NOT NULL,
  content_hash text NOT NULL,
  link text NOT NULL,
  CONSTRAINT links_position UNIQUE (tx, pos)
);`;
