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
CREATE INDEX IF NOT EXISTS consent_grants_due ON consent_grants (expires_at) WHERE status = 'active';
`;
