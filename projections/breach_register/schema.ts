export const BREACH_REGISTER_SCHEMA = `
CREATE TABLE IF NOT EXISTS breaches (
  breach_id text PRIMARY KEY,
  status text NOT NULL,
  stage text NOT NULL,
  aware_at timestamptz NOT NULL,
  detected_at timestamptz NOT NULL,
  source text,
  reporter_role text NOT NULL,
  description text NOT NULL,
  systems jsonb NOT NULL,
  risk_level text,
  notify_authority boolean,
  notify_subjects boolean,
  subject_exemption text,
  authorities jsonb NOT NULL DEFAULT '[]',
  authorities_notified jsonb NOT NULL DEFAULT '{}',
  ca_residents integer NOT NULL DEFAULT 0,
  deadlines jsonb NOT NULL DEFAULT '[]',
  next_due_at timestamptz,
  overdue jsonb NOT NULL DEFAULT '[]',
  state jsonb NOT NULL,
  closed_at timestamptz,
  reopen_count integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL,
  last_tx numeric NOT NULL,
  last_pos bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS breach_timeline (
  event_id text PRIMARY KEY,
  breach_id text NOT NULL,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor text NOT NULL,
  data jsonb NOT NULL
);
`;

/** Indexes only readers use (a rebuild builds them after its replay; see `ProjectionDefinition.indexes`). */
export const BREACH_REGISTER_INDEXES = `
CREATE INDEX IF NOT EXISTS breaches_open_due ON breaches (next_due_at) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS breaches_register_order ON breaches (aware_at DESC, breach_id);
CREATE INDEX IF NOT EXISTS breach_timeline_breach ON breach_timeline (breach_id, tx, pos);`;
