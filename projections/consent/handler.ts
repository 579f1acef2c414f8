import { comparePositions, consent, type RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

type Row = { subject_key: string; snapshot: consent.ConsentSnapshot | string; last_tx: string; last_pos: string };

/**
 * Folds each subject's new events into its snapshot with the decider's own `evolve` (so the read
 * model and the SDK agree with the command side). Idempotent: events at or before the subject's last
 * (tx, pos) are skipped. Deterministic: no wall clock.
 */
export async function handleConsent(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const bySubject = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    if (!e.streamId.startsWith('consent-')) continue;
    const sub = e.streamId.slice('consent-'.length);
    const list = bySubject.get(sub) ?? [];
    list.push(e);
    bySubject.set(sub, list);
  }
  if (!bySubject.size) return;
  const keys = [...bySubject.keys()];
  const existing = await tx.query<Row>('SELECT subject_key, snapshot, last_tx::text AS last_tx, last_pos::text AS last_pos FROM consent_subjects WHERE subject_key = ANY($1)', [keys]);
  const current = new Map(existing.rows.map((r) => [r.subject_key, r]));
  for (const [sub, list] of bySubject) {
    const row = current.get(sub);
    let state: consent.ConsentState = row ? (typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot) : consent.initialConsentState();
    let last = row ? { tx: BigInt(row.last_tx), pos: BigInt(row.last_pos) } : null;
    let changed = false;
    for (const e of list) {
      if (last && comparePositions(e.position, last) <= 0) continue;
      state = consent.evolve(state, { type: e.type, data: e.data } as consent.ConsentEvent);
      last = e.position;
      changed = true;
    }
    if (!changed || !last) continue;
    await tx.query(
      `INSERT INTO consent_subjects (subject_key, snapshot, last_tx, last_pos) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (subject_key) DO UPDATE SET snapshot = EXCLUDED.snapshot, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
      [sub, JSON.stringify(state), last.tx.toString(), last.pos.toString()],
    );
    await tx.query('DELETE FROM consent_grants WHERE subject_key = $1', [sub]);
    const grants = Object.values(state.grants);
    if (grants.length) {
      const params: unknown[] = [sub];
      const values = grants.map((g) => {
        const b = params.length;
        params.push(g.category, g.purpose, g.consent_id, g.status, g.legal_basis, g.consent_version, g.given_at, g.expires_at, g.ended_at);
        return `($1, ${Array.from({ length: 9 }, (_, i) => `$${b + i + 1}`).join(', ')})`;
      });
      await tx.query(
        `INSERT INTO consent_grants (subject_key, category, purpose, consent_id, status, legal_basis, consent_version, given_at, expires_at, ended_at) VALUES ${values.join(', ')}`,
        params,
      );
    }
  }
}
