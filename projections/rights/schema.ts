/** rm_rights: the register of data-subject requests, their per-system tasks, and releases of data. PII-free. */
export const RIGHTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS requests (
  request_id text PRIMARY KEY,
  subject_key text NOT NULL,
  request_type text NOT NULL,
  jurisdiction text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,
  received_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  confirm_by timestamptz,
  receipt_confirmed boolean NOT NULL DEFAULT false,
  verification_required boolean NOT NULL,
  verified boolean NOT NULL,
  verified_at timestamptz,
  verification_method text,
  verification_level text,
  extended boolean NOT NULL DEFAULT false,
  extension_reason text,
  due_soon_flagged boolean NOT NULL DEFAULT false,
  overdue_flagged boolean NOT NULL DEFAULT false,
  outcome text,
  rejection_reason text,
  closed_at timestamptz,
  restriction text NOT NULL DEFAULT 'none',
  ledger_erased boolean NOT NULL DEFAULT false,
  tasks_total integer NOT NULL DEFAULT 0,
  tasks_open integer NOT NULL DEFAULT 0,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  last_tx numeric NOT NULL,
  last_pos bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_subject ON requests (subject_key, status);
CREATE INDEX IF NOT EXISTS requests_open_due ON requests (due_at) WHERE status IN ('received', 'verified', 'in_progress');
CREATE INDEX IF NOT EXISTS requests_due ON requests (due_at, request_id);
CREATE INDEX IF NOT EXISTS requests_jurisdiction_received ON requests (jurisdiction, received_at);
CREATE TABLE IF NOT EXISTS tasks (
  task_id text PRIMARY KEY,
  request_id text NOT NULL,
  subject_key text NOT NULL,
  system_id text NOT NULL,
  integration text NOT NULL,
  request_type text NOT NULL,
  categories jsonb NOT NULL,
  retained jsonb NOT NULL,
  status text NOT NULL,
  reason text,
  attempt integer NOT NULL,
  escalated boolean NOT NULL,
  dispatched_at timestamptz NOT NULL,
  result_at timestamptz
);
CREATE INDEX IF NOT EXISTS tasks_request ON tasks (request_id);
CREATE INDEX IF NOT EXISTS tasks_open ON tasks (system_id) WHERE status = 'dispatched';
CREATE INDEX IF NOT EXISTS tasks_subject ON tasks (subject_key);
CREATE TABLE IF NOT EXISTS timeline (
  request_id text NOT NULL,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor text NOT NULL,
  PRIMARY KEY (request_id, tx, pos)
);
CREATE TABLE IF NOT EXISTS releases (
  event_id text PRIMARY KEY,
  request_id text NOT NULL,
  subject_key text NOT NULL,
  released_to text NOT NULL,
  sections jsonb NOT NULL,
  format text NOT NULL,
  items integer NOT NULL,
  released_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS releases_subject ON releases (subject_key);
CREATE TABLE IF NOT EXISTS erasures (
  request_id text PRIMARY KEY,
  erased_at timestamptz NOT NULL,
  ground text NOT NULL,
  data_keys_shredded integer NOT NULL,
  read_models_purged jsonb NOT NULL
);`;
