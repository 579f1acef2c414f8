/**
 * The zone of the § 7102 counts kept in request_metrics: California's, the CCPA clocks' own
 * (`ccpaMetricsTimezone()`, which `schema.spec.ts` checks this equals). Written out rather than asked at
 * load: asking builds the CCPA deadline basis, which loads the holiday library at start (issue 14, idle memory).
 */
export const METRICS_TIMEZONE = 'America/Los_Angeles';

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


/** A request row's § 7102 group (the columns of request_metrics but `n`): the triggers and a rebuild's fill both read this one definition. */
const METRICS_GROUP =
  `jurisdiction, extract(year FROM received_at AT TIME ZONE '${METRICS_TIMEZONE}')::integer AS year, request_type, status, ` +
  `COALESCE((closed_at AT TIME ZONE '${METRICS_TIMEZONE}')::date - (received_at AT TIME ZONE '${METRICS_TIMEZONE}')::date, -1) AS days`;
const sqlLiteral = (s: string) => s.replace(/'/g, "''");

/**
 * What only readers use (`ProjectionDefinition.indexes`): the queue's and the metrics' indexes, and the
 * triggers keeping request_metrics. A rebuild creates them after its replay, once RIGHTS_SUMMARIES has
 * counted the replayed requests in one statement.
 */
export const RIGHTS_INDEXES = `
CREATE INDEX IF NOT EXISTS requests_open_due ON requests (due_at) WHERE status IN ('received', 'verified', 'in_progress');
CREATE INDEX IF NOT EXISTS requests_due ON requests (due_at, request_id);
CREATE INDEX IF NOT EXISTS requests_jurisdiction_received ON requests (jurisdiction, received_at);
CREATE INDEX IF NOT EXISTS tasks_open ON tasks (system_id) WHERE status = 'dispatched';
-- The schema is qualified from the trigger's table: a rebuild fills a shadow schema, then renames it.
-- One statement per changed statement, not per row: the rows a statement inserted, updated or deleted
-- (its transition tables) are grouped and their +1/-1 summed into request_metrics at once.
CREATE OR REPLACE FUNCTION request_metrics_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  grouped text := 'SELECT ${sqlLiteral(METRICS_GROUP)}, %s AS d FROM %s';
  delta text;
BEGIN
  delta := CASE TG_OP
    WHEN 'INSERT' THEN format(grouped, '1', 'new_rows')
    WHEN 'DELETE' THEN format(grouped, '-1', 'old_rows')
    ELSE format(grouped, '-1', 'old_rows') || ' UNION ALL ' || format(grouped, '1', 'new_rows')
  END;
  EXECUTE format('INSERT INTO %I.request_metrics AS m SELECT jurisdiction, year, request_type, status, days, sum(d)::integer FROM (%s) delta '
    || 'GROUP BY jurisdiction, year, request_type, status, days HAVING sum(d) <> 0 '
    || 'ON CONFLICT (jurisdiction, year, request_type, status, days) DO UPDATE SET n = m.n + EXCLUDED.n', TG_TABLE_SCHEMA, delta);
  -- a group counted down to nothing leaves no row: the table is the same whatever the batches (a rebuild's digest equals the live one's)
  IF TG_OP <> 'INSERT' THEN
    EXECUTE format('DELETE FROM %I.request_metrics WHERE n = 0', TG_TABLE_SCHEMA);
  END IF;
  RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS requests_metrics ON requests;
DROP FUNCTION IF EXISTS request_metrics_count();
DROP TRIGGER IF EXISTS requests_metrics_insert ON requests;
DROP TRIGGER IF EXISTS requests_metrics_update ON requests;
DROP TRIGGER IF EXISTS requests_metrics_delete ON requests;
CREATE TRIGGER requests_metrics_insert AFTER INSERT ON requests REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION request_metrics_apply();
CREATE TRIGGER requests_metrics_update AFTER UPDATE ON requests REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION request_metrics_apply();
CREATE TRIGGER requests_metrics_delete AFTER DELETE ON requests REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION request_metrics_apply();`;

/** A rebuild's § 7102 counts: every request counted once, grouped as the triggers group (no zero rows, as the triggers leave none). */
export const RIGHTS_SUMMARIES = `
INSERT INTO request_metrics (jurisdiction, year, request_type, status, days, n)
SELECT jurisdiction, year, request_type, status, days, count(*)::integer FROM (SELECT ${METRICS_GROUP} FROM requests) r
GROUP BY jurisdiction, year, request_type, status, days`;
