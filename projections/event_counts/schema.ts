export const EVENT_COUNTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_counts (
  type text PRIMARY KEY,
  count bigint NOT NULL,
  last_tx numeric NOT NULL,
  last_pos bigint NOT NULL
);`;
