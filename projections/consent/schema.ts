/**
 * rm_consent: the current consent state per subject for the validate hot path (one primary-key
 * lookup returns the whole PII-free snapshot), and one row per subject/category/purpose for
 * listings and the expiry worker. History is read from the subject's stream, not from here.
 */
export const CONSENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS consent_subjects (
  subject_key text PRIMARY KEY,
  snapshot jsonb NOT NULL,
  last_tx numeric NOT NULL,
  last_pos bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS consent_grants (
  subject_key text NOT NULL,
  category text NOT NULL,
  purpose text NOT NULL,
  consent_id text NOT NULL,
  status text NOT NULL,
  legal_basis text NOT NULL,
  consent_version text NOT NULL,
  given_at timestamptz NOT NULL,
  expires_at timestamptz,
  ended_at timestamptz,
  PRIMARY KEY (subject_key, category, purpose)
);
-- Counts over time (issue 19, the console's Consent charts): per UTC day of the event's own time,
-- purpose (for opt-outs: the opt-out's kind) and kind; signal is the opt-out's source, '' otherwise.
CREATE TABLE IF NOT EXISTS consent_counts (
  day date NOT NULL,
  purpose text NOT NULL,
  kind text NOT NULL,
  signal text NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (day, purpose, kind, signal)
);
-- Each subject's latest reading of each opt-out signal (gpc, gpp, usp): true = opted out of sale.
CREATE TABLE IF NOT EXISTS consent_signals (
  subject_key text NOT NULL,
  signal text NOT NULL,
  sale_opt_out boolean,
  read_at timestamptz NOT NULL,
  PRIMARY KEY (subject_key, signal)
);
-- Standing conflicts between an opt-out and a consent the opt-out prevails over (from the state).
CREATE TABLE IF NOT EXISTS consent_conflicts (
  subject_key text NOT NULL,
  conflict text NOT NULL,
  signal text NOT NULL,
  consent_id text NOT NULL,
  purposes text[] NOT NULL,
  opt_outs text[] NOT NULL,
  since timestamptz NOT NULL,
  expires_at timestamptz,
  reask_allowed_from timestamptz,
  PRIMARY KEY (subject_key, conflict, signal, consent_id)
);
`;

/** Indexes only readers use (a rebuild builds them after its replay; see `ProjectionDefinition.indexes`). */
export const CONSENT_INDEXES = `
CREATE INDEX IF NOT EXISTS consent_grants_due ON consent_grants (expires_at) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS consent_signals_by_signal ON consent_signals (signal, sale_opt_out);
CREATE INDEX IF NOT EXISTS consent_conflicts_since ON consent_conflicts (since, subject_key);`;
