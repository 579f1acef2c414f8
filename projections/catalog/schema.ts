/**
 * rm_catalog: the current catalog (entities), the lawful bases declared per purpose and category
 * (activity_bases, for consent validation), and the catalog's own events in log order (history), so
 * that the catalog as of a date is folded from them with the deciders' `evolve` (from-log.ts) without
 * passing over every other event of the log.
 */
export const CATALOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS entities (
  kind text NOT NULL,
  id text NOT NULL,
  parent_id text,
  snapshot jsonb NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_tx numeric NOT NULL,
  last_pos bigint NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS activity_bases (
  activity_id text NOT NULL,
  purpose text NOT NULL,
  category text NOT NULL,
  lawful_basis text NOT NULL,
  basis_detail text,
  PRIMARY KEY (activity_id, purpose, category)
);
CREATE INDEX IF NOT EXISTS activity_bases_purpose ON activity_bases (purpose);
CREATE TABLE IF NOT EXISTS history (
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  stream_id text NOT NULL,
  type text NOT NULL,
  data text NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (tx, pos)
);
CREATE INDEX IF NOT EXISTS history_occurred ON history (occurred_at);
`;

export const CATALOG_EVENT_PREFIXES = ['catalog.system_', 'catalog.data_element_', 'catalog.activity_', 'catalog.processor_record_', 'catalog.flow_'] as const;

export const CATALOG_PROJECTION = 'catalog';
