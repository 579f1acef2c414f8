/**
 * rm_data_map: per subject (pseudonymous key), which system holds which category for which purpose,
 * from processing receipts: first and last time stored (retention runs from the last), and the
 * retention expiry already recorded. `receipts` keeps each receipt for breach scoping by time window.
 * After a subject's erasure only the holdings the erasure analysis retained stay (Art. 17(3)), with
 * the legal reason (`retained_*`); every other holding and receipt of the subject is deleted. When a
 * system reports an erasure task done, the categories it erased leave its holdings (`erasure_tasks`
 * keeps each open erasure task until its result; then the row goes).
 */
export const DATA_MAP_SCHEMA = `
CREATE TABLE IF NOT EXISTS holdings (
  subject_key text NOT NULL,
  system_id text NOT NULL,
  category text NOT NULL,
  purpose text NOT NULL,
  first_stored_at timestamptz NOT NULL,
  last_stored_at timestamptz NOT NULL,
  receipts bigint NOT NULL,
  expired_for timestamptz,
  expired_recorded_at timestamptz,
  retained_reason text,
  retained_source text,
  retained_until text,
  retained_since timestamptz,
  PRIMARY KEY (subject_key, system_id, category, purpose)
);
CREATE TABLE IF NOT EXISTS receipts (
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  subject_key text NOT NULL,
  system_id text NOT NULL,
  category text NOT NULL,
  purpose text NOT NULL,
  stored_at timestamptz NOT NULL,
  PRIMARY KEY (tx, pos)
);
-- open erasure tasks (category-scoped or full): when the system answers done, its erased categories leave the map
CREATE TABLE IF NOT EXISTS erasure_tasks (
  task_id text PRIMARY KEY,
  subject_key text NOT NULL,
  system_id text NOT NULL,
  categories text[] NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_subject ON receipts (subject_key);
`;

/** Indexes only readers use (a rebuild builds them after its replay; see `ProjectionDefinition.indexes`). */
export const DATA_MAP_INDEXES = `
CREATE INDEX IF NOT EXISTS holdings_system ON holdings (system_id);
CREATE INDEX IF NOT EXISTS holdings_last ON holdings (last_stored_at);
CREATE INDEX IF NOT EXISTS receipts_system_time ON receipts (system_id, stored_at);`;
