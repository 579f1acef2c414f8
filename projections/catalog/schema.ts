/**
 * rm_catalog: the current catalog (entities) and the lawful bases declared per purpose and category
 * (activity_bases, for consent validation). The catalog as of a past date is folded from the log
 * (from-log.ts), not kept here.
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
`;

export const CATALOG_EVENT_PREFIXES = ['catalog.system_', 'catalog.data_element_', 'catalog.activity_', 'catalog.processor_record_', 'catalog.flow_'] as const;

export const CATALOG_PROJECTION = 'catalog';
