import type { consent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

const parse = (v: unknown): consent.ConsentSnapshot => (typeof v === 'string' ? JSON.parse(v) : (v as consent.ConsentSnapshot));

/** Before the worker has created rm_consent (fresh install) nobody has consented: deny by default. */
const noTableYet = <T>(fallback: T) => (e: unknown): T => {
  if ((e as { code?: string }).code === '42P01') return fallback;
  throw e;
};

/** The hot path: one primary-key lookup. Null when the subject has no consent stream. */
export async function loadSnapshot(db: SqlExecutor, subjectKey: string): Promise<consent.ConsentSnapshot | null> {
  const r = await db
    .query<{ snapshot: unknown }>('SELECT snapshot FROM rm_consent.consent_subjects WHERE subject_key = $1', [subjectKey], { name: 'consent_snapshot' })
    .catch(noTableYet({ rows: [], rowCount: 0 }));
  return r.rows.length ? parse(r.rows[0].snapshot) : null;
}

export async function loadSnapshots(db: SqlExecutor, subjectKeys: readonly string[]): Promise<Map<string, consent.ConsentSnapshot>> {
  const out = new Map<string, consent.ConsentSnapshot>();
  if (!subjectKeys.length) return out;
  const r = await db
    .query<{ subject_key: string; snapshot: unknown }>('SELECT subject_key, snapshot FROM rm_consent.consent_subjects WHERE subject_key = ANY($1)', [[...new Set(subjectKeys)]], {
      name: 'consent_snapshots',
    })
    .catch(noTableYet({ rows: [], rowCount: 0 }));
  for (const row of r.rows) out.set(row.subject_key, parse(row.snapshot));
  return out;
}

export interface GrantRow {
  category: string;
  purpose: string;
  consent_id: string;
  status: string;
  legal_basis: string;
  consent_version: string;
  given_at: string;
  expires_at: string | null;
  ended_at: string | null;
}

export async function grantsOf(db: SqlExecutor, subjectKey: string): Promise<GrantRow[]> {
  const r = await db.query<GrantRow>(
    `SELECT category, purpose, consent_id, status, legal_basis, consent_version,
            to_char(given_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS given_at,
            to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at,
            to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ended_at
       FROM rm_consent.consent_grants WHERE subject_key = $1 ORDER BY category, purpose`,
    [subjectKey],
  );
  return r.rows;
}

/** Subjects holding an active grant whose expiry has passed (the expiry worker's work list). */
export async function subjectsDueForExpiry(db: SqlExecutor, now: Date, limit = 500): Promise<string[]> {
  const r = await db.query<{ subject_key: string }>(
    `SELECT DISTINCT subject_key FROM (
       SELECT subject_key FROM rm_consent.consent_grants WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2
     ) due`,
    [now.toISOString(), limit],
  );
  return r.rows.map((row) => row.subject_key);
}
