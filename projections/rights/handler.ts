import type { RecordedEvent } from '@pl/domain';
import { evolveRequest, initialRequestState, type RequestState, type RightsEvent } from '@pl/domain/rights';
import type { SqlExecutor } from '@pl/eventstore';

/** The placeholder that replaces an erased subject's pseudonym in this read model. */
export const ERASED_SUBJECT = 'erased';

/**
 * Folds each request's events with the decider's own evolve into one register row, its tasks, a
 * timeline and the releases. Idempotent (events at or before the row's (tx, pos) are skipped) and
 * deterministic (times from the events). After `rights.subject_erased` every row of that subject is
 * anonymised: the accountability facts stay, the pseudonym goes.
 */
export async function handleRights(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    if (!e.type.startsWith('rights.')) continue;
    const requestId = (e.data as { request_id?: string }).request_id;
    if (!requestId) continue;
    const existing = await tx.query<{ state: RequestState | string; last_tx: string; last_pos: string }>(
      'SELECT state, last_tx::text AS last_tx, last_pos::text AS last_pos FROM requests WHERE request_id = $1',
      [requestId],
    );
    const row = existing.rows[0];
    if (row && (BigInt(row.last_tx) > e.position.tx || (BigInt(row.last_tx) === e.position.tx && BigInt(row.last_pos) >= e.position.pos))) continue;
    const before: RequestState = row ? (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) : initialRequestState();
    const event = { type: e.type, data: e.data } as RightsEvent;
    const state = evolveRequest(before, event);
    if (state.status === 'none' || !state.request) continue;
    await upsertRequest(tx, state, event, e);
    await tx.query('INSERT INTO timeline (request_id, tx, pos, type, occurred_at, actor) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING', [
      requestId,
      e.position.tx.toString(),
      e.position.pos.toString(),
      e.type,
      e.metadata.occurred_at,
      e.metadata.actor,
    ]);
    if (event.type === 'rights.task_dispatched' || event.type === 'rights.task_result_recorded' || event.type === 'rights.task_escalated') {
      const t = state.tasks[event.data.task_id];
      if (t) await upsertTask(tx, state, t.task_id, event, e);
    }
    if (event.type === 'rights.data_released') {
      const d = event.data;
      await tx.query(
        'INSERT INTO releases (event_id, request_id, subject_key, released_to, sections, format, items, released_at) VALUES ($1,$2,$3,$4,$5::jsonb,$6,$7,$8) ON CONFLICT DO NOTHING',
        [e.metadata.event_id, d.request_id, d.subject_key, d.released_to, JSON.stringify(d.sections), d.format, d.items, d.released_at],
      );
    }
    if (event.type === 'rights.subject_erased') {
      const d = event.data;
      await tx.query(
        'INSERT INTO erasures (request_id, erased_at, ground, data_keys_shredded, read_models_purged) VALUES ($1,$2,$3,$4,$5::jsonb) ON CONFLICT DO NOTHING',
        [d.request_id, d.erased_at, d.ground, d.erased.data_keys_shredded, JSON.stringify(d.erased.read_models_purged)],
      );
      await anonymiseSubject(tx, d.subject_key);
    }
  }
}

export async function anonymiseSubject(tx: SqlExecutor, subjectKey: string): Promise<void> {
  await tx.query(
    `UPDATE requests SET subject_key = $2, state = jsonb_set(state, '{request,subject_key}', to_jsonb($2::text)) WHERE subject_key = $1`,
    [subjectKey, ERASED_SUBJECT],
  );
  await tx.query('UPDATE tasks SET subject_key = $2 WHERE subject_key = $1', [subjectKey, ERASED_SUBJECT]);
  await tx.query('UPDATE releases SET subject_key = $2 WHERE subject_key = $1', [subjectKey, ERASED_SUBJECT]);
}

async function upsertRequest(tx: SqlExecutor, s: RequestState, event: RightsEvent, e: RecordedEvent): Promise<void> {
  const r = s.request!;
  const tasks = Object.values(s.tasks);
  const closed = s.status === 'completed' || s.status === 'partially_completed' || s.status === 'rejected';
  const verification = event.type === 'rights.identity_verified' ? event.data : null;
  await tx.query(
    `INSERT INTO requests (request_id, subject_key, request_type, jurisdiction, channel, status, received_at, due_at, confirm_by, receipt_confirmed,
       verification_required, verified, verified_at, verification_method, verification_level, extended, extension_reason, due_soon_flagged,
       overdue_flagged, outcome, rejection_reason, closed_at, restriction, ledger_erased, tasks_total, tasks_open, state, updated_at, last_tx, last_pos)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27::jsonb,$28,$29,$30)
     ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, due_at = EXCLUDED.due_at, receipt_confirmed = EXCLUDED.receipt_confirmed,
       verified = EXCLUDED.verified, verified_at = COALESCE(EXCLUDED.verified_at, requests.verified_at),
       verification_method = COALESCE(EXCLUDED.verification_method, requests.verification_method),
       verification_level = COALESCE(EXCLUDED.verification_level, requests.verification_level), extended = EXCLUDED.extended,
       extension_reason = COALESCE(EXCLUDED.extension_reason, requests.extension_reason), due_soon_flagged = EXCLUDED.due_soon_flagged,
       overdue_flagged = EXCLUDED.overdue_flagged, outcome = COALESCE(EXCLUDED.outcome, requests.outcome),
       rejection_reason = COALESCE(EXCLUDED.rejection_reason, requests.rejection_reason), closed_at = COALESCE(requests.closed_at, EXCLUDED.closed_at),
       restriction = EXCLUDED.restriction, ledger_erased = EXCLUDED.ledger_erased, tasks_total = EXCLUDED.tasks_total, tasks_open = EXCLUDED.tasks_open,
       state = EXCLUDED.state, updated_at = EXCLUDED.updated_at, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
    [
      r.request_id,
      r.subject_key,
      r.request_type,
      r.jurisdiction,
      r.channel,
      s.status,
      r.received_at,
      s.dueAt,
      r.confirm_by,
      s.receiptConfirmed,
      r.verification_required,
      s.verified,
      verification?.verified_at ?? (r.verification_required ? null : r.received_at),
      verification?.method ?? (r.verification_required ? null : 'none'),
      verification?.level ?? (r.verification_required ? null : 'not_required'),
      s.extended,
      event.type === 'rights.request_extended' ? event.data.reason : null,
      s.alerts.includes(`due_soon@${s.dueAt}`),
      s.alerts.includes(`overdue@${s.dueAt}`),
      closed && s.status !== 'rejected' ? s.status : null,
      event.type === 'rights.request_rejected' ? event.data.reason : null,
      closed ? e.metadata.occurred_at : null,
      s.restriction,
      s.ledgerErased,
      tasks.length,
      tasks.filter((t) => t.status === 'dispatched').length,
      JSON.stringify(s),
      e.metadata.occurred_at,
      e.position.tx.toString(),
      e.position.pos.toString(),
    ],
  );
}

async function upsertTask(tx: SqlExecutor, s: RequestState, taskId: string, event: RightsEvent, e: RecordedEvent): Promise<void> {
  const t = s.tasks[taskId];
  const r = s.request!;
  const dispatchedAt = event.type === 'rights.task_dispatched' ? event.data.dispatched_at : e.metadata.occurred_at;
  await tx.query(
    `INSERT INTO tasks (task_id, request_id, subject_key, system_id, integration, request_type, categories, retained, status, reason, attempt, escalated, dispatched_at, result_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8::jsonb,$9,$10,$11,$12,$13,$14)
     ON CONFLICT (task_id) DO UPDATE SET retained = EXCLUDED.retained, status = EXCLUDED.status, reason = EXCLUDED.reason, attempt = EXCLUDED.attempt,
       escalated = EXCLUDED.escalated, result_at = COALESCE(EXCLUDED.result_at, tasks.result_at),
       dispatched_at = CASE WHEN $15::boolean THEN EXCLUDED.dispatched_at ELSE tasks.dispatched_at END`,
    [
      t.task_id,
      r.request_id,
      r.subject_key,
      t.system_id,
      t.integration,
      r.request_type,
      JSON.stringify(t.categories),
      JSON.stringify(t.retained),
      t.status,
      t.reason,
      t.attempt,
      t.escalated,
      dispatchedAt,
      event.type === 'rights.task_result_recorded' ? event.data.recorded_at : null,
      event.type === 'rights.task_dispatched',
    ],
  );
}
