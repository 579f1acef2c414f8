/** One row per event of the log, in chain order; `seq` is 0-based and dense. Plus the index of subject keys. */
export const AUDIT_CHAIN_SCHEMA = `
CREATE TABLE IF NOT EXISTS links (
  seq bigint PRIMARY KEY,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  event_id text NOT NULL,
  content_hash text NOT NULL,
  link text NOT NULL
);
-- the events that name a subject key (stream name, stored data or metadata): a subject's audit history
-- reads these positions instead of searching the whole log (issue 15, defect 3). Looked up by key
-- equality only, so a hash index (AUDIT_CHAIN_INDEXES). No unique constraint is needed: the handler
-- skips every event at or before the chain's head, and the rows commit with the links and the checkpoint.
CREATE TABLE IF NOT EXISTS subjects (
  subject_key text NOT NULL,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  stream_id text NOT NULL
);`;

/**
 * Indexes only readers use: a rebuild builds them after its replay (`ProjectionDefinition.indexes`).
 * `links_position`: one link per log position (read by position; a chain read model created before
 * this held it as a constraint of the same name, which this leaves as it is).
 * Maintained row by row, a B-tree over random keys cost ~3x the rows' own insert in a rebuild (bench:
 * audit_chain rebuild), hence a hash index, and in a rebuild one build over all rows.
 */
export const AUDIT_CHAIN_INDEXES = `
CREATE UNIQUE INDEX IF NOT EXISTS links_position ON links (tx, pos);
CREATE INDEX IF NOT EXISTS subjects_by_key ON subjects USING hash (subject_key);`;
