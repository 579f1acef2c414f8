import { ccpaMetricsTimezone } from '@pl/domain/law/ccpa-metrics';

/** The zone of the § 7102 counts kept in request_metrics (California's, the CCPA clocks' own). */
export const METRICS_TIMEZONE = ccpaMetricsTimezone();
if (!/^[A-Za-z0-9_/+-]+$/.test(METRICS_TIMEZONE)) throw new Error(`unexpected time zone name for the § 7102 counts: ${METRICS_TIMEZONE}`);

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
-- 11 CCR § 7102 counts, kept as requests change: per jurisdiction, calendar year of receipt and days
-- from receipt to closing (-1 while open), both in ${METRICS_TIMEZONE} days, request type and status.
-- The metrics route sums a year's ~1,500 rows instead of grouping its requests (issue 19: 100,000).
CREATE TABLE IF NOT EXISTS request_metrics (
  jurisdiction text NOT NULL,
  year integer NOT NULL,
  request_type text NOT NULL,
  status text NOT NULL,
  days integer NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (jurisdiction, year, request_type, status, days)
);
-- The schema is qualified from the trigger's table: a rebuild fills a shadow schema, then renames it.
CREATE OR REPLACE FUNCTION request_metrics_count() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  old_year integer; old_days integer; new_year integer; new_days integer;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_year := extract(year FROM OLD.received_at AT TIME ZONE '${METRICS_TIMEZONE}')::integer;
    old_days := COALESCE((OLD.closed_at AT TIME ZONE '${METRICS_TIMEZONE}')::date - (OLD.received_at AT TIME ZONE '${METRICS_TIMEZONE}')::date, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_year := extract(year FROM NEW.received_at AT TIME ZONE '${METRICS_TIMEZONE}')::integer;
    new_days := COALESCE((NEW.closed_at AT TIME ZONE '${METRICS_TIMEZONE}')::date - (NEW.received_at AT TIME ZONE '${METRICS_TIMEZONE}')::date, -1);
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.jurisdiction = NEW.jurisdiction AND old_year = new_year AND OLD.request_type = NEW.request_type AND OLD.status = NEW.status AND old_days = new_days THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    EXECUTE format('UPDATE %I.request_metrics SET n = n - 1 WHERE jurisdiction = $1 AND year = $2 AND request_type = $3 AND status = $4 AND days = $5', TG_TABLE_SCHEMA)
      USING OLD.jurisdiction, old_year, OLD.request_type, OLD.status, old_days;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    EXECUTE format('INSERT INTO %I.request_metrics AS m VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (jurisdiction, year, request_type, status, days) DO UPDATE SET n = m.n + 1', TG_TABLE_SCHEMA)
      USING NEW.jurisdiction, new_year, NEW.request_type, NEW.status, new_days;
  END IF;
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS requests_metrics ON requests;
CREATE TRIGGER requests_metrics AFTER INSERT OR UPDATE OR DELETE ON requests FOR EACH ROW EXECUTE FUNCTION request_metrics_count();
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
