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

export interface ConsentCountRow {
  period: string;
  purpose: string;
  kind: string;
  signal: string | null;
  count: number;
}

/**
 * Counts per period (UTC day, or ISO week starting Monday) x purpose x kind x signal between two UTC
 * dates inclusive, from rm_consent.consent_counts (one row per day, purpose, kind and signal).
 */
export async function consentCounts(db: SqlExecutor, from: string, to: string, bucket: 'day' | 'week'): Promise<ConsentCountRow[]> {
  const period = bucket === 'week' ? `date_trunc('week', day::timestamp)::date` : 'day';
  const r = await db
    .query<{ period: string; purpose: string; kind: string; signal: string; count: string }>(
      `SELECT to_char(${period}, 'YYYY-MM-DD') AS period, purpose, kind, signal, sum(n)::text AS count
         FROM rm_consent.consent_counts WHERE day BETWEEN $1::date AND $2::date
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
      [from, to],
    )
    .catch(noTableYet({ rows: [], rowCount: 0 }));
  return r.rows.map((x) => ({ period: x.period, purpose: x.purpose, kind: x.kind, signal: x.signal || null, count: Number(x.count) }));
}

export interface SignalConflictRow {
  subject_key: string;
  conflict: string;
  signals: string[];
  consent_id: string | null;
  purposes: string[];
  opt_outs: string[];
  since: string;
  reask_allowed_from: string | null;
}

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The subjects' current conflicts between signals (pseudonymous: subject keys only), newest first, a
 * page at a time (`after` = the last row's since|subject_key|conflict|signals):
 * - gpc_vs_consent / opt_out_vs_consent: a consent to sale/sharing recorded while an opt-out stood,
 *   still active, the opt-out prevailing (consent_conflicts, from the state);
 * - gpc_vs_signal: a GPC opt-out stands while the subject's latest GPP or US Privacy string says
 *   "did not opt out" of sale;
 * - gpp_vs_usp: the latest GPP and US Privacy strings disagree on the opt-out of sale.
 */
export async function signalConflicts(
  db: SqlExecutor,
  opts: { now: Date; kind?: string; limit: number; after?: { since: string; key: string } },
): Promise<SignalConflictRow[]> {
  const r = await db
    .query<SignalConflictRow>(
      `SELECT * FROM (
         SELECT subject_key, conflict, ARRAY[signal] AS signals, consent_id, purposes, opt_outs, ${iso('since')} AS since, ${iso('reask_allowed_from')} AS reask_allowed_from
           FROM rm_consent.consent_conflicts WHERE expires_at > $1
         UNION ALL
         SELECT g.subject_key, 'gpc_vs_signal', ARRAY['gpc', o.signal], NULL, ARRAY[]::text[], ARRAY['sale']::text[], ${iso('greatest(g.read_at, o.read_at)')}, NULL
           FROM rm_consent.consent_signals g JOIN rm_consent.consent_signals o ON o.subject_key = g.subject_key AND o.signal IN ('gpp', 'usp') AND o.sale_opt_out = false
          WHERE g.signal = 'gpc'
         UNION ALL
         SELECT p.subject_key, 'gpp_vs_usp', ARRAY['gpp', 'usp'], NULL, ARRAY[]::text[], ARRAY['sale']::text[], ${iso('greatest(p.read_at, u.read_at)')}, NULL
           FROM rm_consent.consent_signals p JOIN rm_consent.consent_signals u ON u.subject_key = p.subject_key AND u.signal = 'usp' AND u.sale_opt_out <> p.sale_opt_out
          WHERE p.signal = 'gpp'
       ) c
       WHERE ($2::text IS NULL OR conflict = $2)
         AND ($3::text IS NULL OR (since, subject_key || '|' || conflict || '|' || array_to_string(signals, '+')) < ($3, $4))
       ORDER BY since DESC, subject_key || '|' || conflict || '|' || array_to_string(signals, '+') DESC
       LIMIT $5`,
      [opts.now.toISOString(), opts.kind ?? null, opts.after?.since ?? null, opts.after?.key ?? '', opts.limit],
    )
    .catch(noTableYet({ rows: [], rowCount: 0 }));
  return r.rows;
}

export const conflictCursorKey = (c: SignalConflictRow): string => `${c.subject_key}|${c.conflict}|${c.signals.join('+')}`;
