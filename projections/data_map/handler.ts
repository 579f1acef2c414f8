import type { RecordedEvent } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';

type Receipt = { position: RecordedEvent['position']; subject_key: string; system_id: string; category: string; purpose: string; stored_at: string };
const ORDERED_TYPES = new Set(['catalog.retention_expired', 'catalog.retention_obligation_ended', 'rights.subject_erased', 'rights.task_result_recorded']);
type Retained = { system_id: string; category: string; reason_code: string; source: string; retain_until: string | null };

/**
 * Idempotent and batched: the receipts of a run of `catalog.processing_recorded` events are inserted
 * with one statement (ON CONFLICT on the log position does nothing), and only the receipts actually
 * inserted are added to the holdings, grouped, in the same statement; so re-handling an event
 * changes nothing and a rebuild over a million receipts is a few hundred statements. Events of other
 * types are rare and applied one at a time, in log order, after the run before them.
 * Erasure (`rights.subject_erased`) deletes the subject's holdings and receipts except those the
 * erasure analysis retained under a legal exception (schemaVersion 2 `retained`), which keep the
 * reason; a v1 erasure is upcast with nothing retained. When the retention obligation of a kept
 * holding ends (`catalog.retention_obligation_ended`), the holding and its receipts go.
 */
export async function handleDataMap(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  let run: Receipt[] = [];
  for (const e of events) {
    const d = e.data as any;
    if (e.type === 'catalog.processing_recorded') {
      run.push({ position: e.position, subject_key: d.subject_key, system_id: d.system_id, category: d.category, purpose: d.purpose, stored_at: d.stored_at });
      continue;
    }
    if (e.type === 'rights.task_dispatched') {
      // only erasure tasks matter here, and recording one touches no holding: the run goes on
      if (d.request_type === 'erasure' && Array.isArray(d.categories) && d.categories.length) {
        await tx.query('INSERT INTO erasure_tasks (task_id, subject_key, system_id, categories) VALUES ($1, $2, $3, $4) ON CONFLICT (task_id) DO NOTHING', [d.task_id, d.subject_key, d.system_id, d.categories]);
      }
      continue;
    }
    if (e.type === 'rights.task_result_recorded' && d.outcome !== 'done') {
      // the task is answered without erasing anything: only its open-task row goes, no holding changes
      await tx.query('DELETE FROM erasure_tasks WHERE task_id = $1', [d.task_id]);
      continue;
    }
    if (!ORDERED_TYPES.has(e.type)) continue;
    await addReceipts(tx, run);
    run = [];
    if (e.type === 'rights.task_result_recorded') {
      await erasureDone(tx, d.task_id);
    } else if (e.type === 'catalog.retention_obligation_ended') {
      await obligationEnded(tx, d);
    } else if (e.type === 'catalog.retention_expired') {
      await tx.query(
        `UPDATE holdings SET expired_for = $5, expired_recorded_at = $6
         WHERE subject_key = $1 AND system_id = $2 AND category = $3 AND purpose = $4 AND (expired_for IS NULL OR expired_for < $5)`,
        [d.subject_key, d.system_id, d.category, d.purpose, d.last_stored_at, e.metadata.occurred_at],
      );
    } else {
      await eraseSubject(tx, d.subject_key, (d.retained ?? []) as Retained[], d.erased_at ?? e.metadata.occurred_at);
    }
  }
  await addReceipts(tx, run);
}

async function addReceipts(tx: SqlExecutor, run: readonly Receipt[]): Promise<void> {
  if (!run.length) return;
  await tx.query(
    `WITH inserted AS (
       INSERT INTO receipts (tx, pos, subject_key, system_id, category, purpose, stored_at)
       SELECT * FROM unnest($1::numeric[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
       ON CONFLICT DO NOTHING
       RETURNING subject_key, system_id, category, purpose, stored_at
     )
     INSERT INTO holdings AS h (subject_key, system_id, category, purpose, first_stored_at, last_stored_at, receipts)
     SELECT subject_key, system_id, category, purpose, min(stored_at), max(stored_at), count(*) FROM inserted
     GROUP BY subject_key, system_id, category, purpose
     ON CONFLICT (subject_key, system_id, category, purpose) DO UPDATE SET
       first_stored_at = LEAST(h.first_stored_at, EXCLUDED.first_stored_at),
       last_stored_at = GREATEST(h.last_stored_at, EXCLUDED.last_stored_at),
       receipts = h.receipts + EXCLUDED.receipts`,
    [
      run.map((r) => r.position.tx.toString()),
      run.map((r) => r.position.pos.toString()),
      run.map((r) => r.subject_key),
      run.map((r) => r.system_id),
      run.map((r) => r.category),
      run.map((r) => r.purpose),
      run.map((r) => r.stored_at),
    ],
  );
}

async function eraseSubject(tx: SqlExecutor, subjectKey: string, items: readonly Retained[], erasedAt: string): Promise<void> {
  // one reason per (system, category): the first the analysis gave (deterministic)
  const first = new Map<string, Retained>();
  for (const r of items) if (!first.has(`${r.system_id}\u0000${r.category}`)) first.set(`${r.system_id}\u0000${r.category}`, r);
  const retained = [...first.values()];
  const systems = retained.map((r) => r.system_id);
  const categories = retained.map((r) => r.category);
  const kept = `EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS k(system_id, category) WHERE k.system_id = t.system_id AND k.category = t.category)`;
  await tx.query(`DELETE FROM holdings t WHERE subject_key = $1 AND NOT ${kept}`, [subjectKey, systems, categories]);
  await tx.query(`DELETE FROM receipts t WHERE subject_key = $1 AND NOT ${kept}`, [subjectKey, systems, categories]);
  await tx.query('DELETE FROM erasure_tasks WHERE subject_key = $1', [subjectKey]);
  if (!retained.length) return;
  await tx.query(
    `UPDATE holdings t SET retained_reason = k.reason_code, retained_source = k.source, retained_until = k.retain_until, retained_since = $6
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $7::text[]) AS k(system_id, category, reason_code, source, retain_until)
     WHERE t.subject_key = $1 AND k.system_id = t.system_id AND k.category = t.category`,
    [subjectKey, systems, categories, retained.map((r) => r.reason_code), retained.map((r) => r.source), erasedAt, retained.map((r) => r.retain_until)],
  );
}

/** A system reported an erasure task done: the categories it erased leave its holdings (retained ones stay); the open task goes. */
async function erasureDone(tx: SqlExecutor, taskId: string): Promise<void> {
  const scope = `FROM erasure_tasks k WHERE k.task_id = $1 AND t.subject_key = k.subject_key AND t.system_id = k.system_id AND t.category = ANY(k.categories)`;
  await tx.query(`DELETE FROM receipts t WHERE EXISTS (SELECT 1 ${scope} AND NOT EXISTS (
    SELECT 1 FROM holdings h WHERE h.subject_key = t.subject_key AND h.system_id = t.system_id AND h.category = t.category AND h.purpose = t.purpose AND h.retained_reason IS NOT NULL))`, [taskId]);
  await tx.query(`DELETE FROM holdings t WHERE t.retained_reason IS NULL AND EXISTS (SELECT 1 ${scope})`, [taskId]);
  await tx.query('DELETE FROM erasure_tasks WHERE task_id = $1', [taskId]);
}

/** The obligation that kept this holding after the erasure `retained_since` ended: it leaves the map (a later erasure's retention stays). */
async function obligationEnded(tx: SqlExecutor, d: { subject_key: string; system_id: string; category: string; purpose: string; retained_since: string }): Promise<void> {
  const key = [d.subject_key, d.system_id, d.category, d.purpose, d.retained_since];
  await tx.query(
    `DELETE FROM receipts t WHERE EXISTS (SELECT 1 FROM holdings h WHERE h.subject_key = $1 AND h.system_id = $2 AND h.category = $3 AND h.purpose = $4 AND h.retained_since = $5::timestamptz
       AND t.subject_key = h.subject_key AND t.system_id = h.system_id AND t.category = h.category AND t.purpose = h.purpose)`,
    key,
  );
  await tx.query('DELETE FROM holdings WHERE subject_key = $1 AND system_id = $2 AND category = $3 AND purpose = $4 AND retained_since = $5::timestamptz', key);
}
