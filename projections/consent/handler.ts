import { comparePositions, consent, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

type Row = { subject_key: string; snapshot: consent.ConsentSnapshot | string; last_tx: string; last_pos: string };

/**
 * Folds each subject's new events into its snapshot with the decider's own `evolve` (so the read
 * model and the SDK agree with the command side). Idempotent: events at or before the subject's last
 * (tx, pos) are skipped. Deterministic: no wall clock.
 *
 * Batched: the existing snapshots are read with one statement; the changed subjects are written with
 * one upsert of their snapshots, one DELETE of their grant rows and one INSERT of their current grants
 * (a handful of statements per batch, whatever the number of subjects).
 */
export async function handleConsent(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const bySubject = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    if (!e.streamId.startsWith('consent-')) continue;
    const sub = e.streamId.slice('consent-'.length);
    const list = bySubject.get(sub);
    if (list) list.push(e);
    else bySubject.set(sub, [e]);
  }
  if (!bySubject.size) return;
  const existing = await tx.query<Row>(
    'SELECT subject_key, snapshot, last_tx::text AS last_tx, last_pos::text AS last_pos FROM consent_subjects WHERE subject_key = ANY($1::text[])',
    [[...bySubject.keys()]],
  );
  const current = new Map(existing.rows.map((r) => [r.subject_key, r]));
  const subjects: Array<{ subject_key: string; snapshot: consent.ConsentState; last_tx: string; last_pos: string }> = [];
  const grants: Array<consent.Grant & { subject_key: string }> = [];
  for (const [sub, list] of bySubject) {
    const row = current.get(sub);
    let state: consent.ConsentState = row ? (typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot) : consent.initialConsentState();
    let last: LogPosition | null = row ? { tx: BigInt(row.last_tx), pos: BigInt(row.last_pos) } : null;
    let changed = false;
    for (const e of list) {
      if (last && comparePositions(e.position, last) <= 0) continue;
      state = consent.evolve(state, { type: e.type, data: e.data } as consent.ConsentEvent);
      last = e.position;
      changed = true;
    }
    if (!changed || !last) continue;
    subjects.push({ subject_key: sub, snapshot: state, last_tx: last.tx.toString(), last_pos: last.pos.toString() });
    for (const g of Object.values(state.grants)) grants.push({ ...g, subject_key: sub });
  }
  if (!subjects.length) return;
  await tx.query(
    `INSERT INTO consent_subjects (subject_key, snapshot, last_tx, last_pos)
     SELECT subject_key, snapshot, last_tx, last_pos FROM jsonb_to_recordset($1::jsonb) AS r(subject_key text, snapshot jsonb, last_tx numeric, last_pos bigint)
     ON CONFLICT (subject_key) DO UPDATE SET snapshot = EXCLUDED.snapshot, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
    [JSON.stringify(subjects)],
  );
  await tx.query('DELETE FROM consent_grants WHERE subject_key = ANY($1::text[])', [subjects.map((s) => s.subject_key)]);
  if (grants.length) {
    await tx.query(
      `INSERT INTO consent_grants (subject_key, category, purpose, consent_id, status, legal_basis, consent_version, given_at, expires_at, ended_at)
       SELECT subject_key, category, purpose, consent_id, status, legal_basis, consent_version, given_at, expires_at, ended_at
       FROM jsonb_to_recordset($1::jsonb) AS r(subject_key text, category text, purpose text, consent_id text, status text, legal_basis text,
         consent_version text, given_at timestamptz, expires_at timestamptz, ended_at timestamptz)`,
      [JSON.stringify(grants)],
    );
  }
}
