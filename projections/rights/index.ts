import { snapshotProjection } from '@pl/application';
import type { RecordedEvent } from '@pl/domain';
import { requestDecider, type RequestState, type RightsEvent } from '@pl/domain/rights';
import type { SqlExecutor } from '@pl/eventstore';
import { RIGHTS_INDEXES, RIGHTS_SCHEMA, RIGHTS_SUMMARIES } from './schema';

/** The placeholder that replaces an erased subject's pseudonym in this read model. */
export const ERASED_SUBJECT = 'erased';

/**
 * rm_rights: data-subject requests with due dates and overdue flags, per-system tasks, a timeline,
 * releases and erasures. Each request's state is folded with the request decider's own evolve; the
 * register row and its tasks are read from that state. After `rights.subject_erased` every row of
 * that subject is anonymised: the accountability facts stay, the pseudonym goes.
 */
export const rightsProjection = snapshotProjection<RequestState>({
  name: 'rights',
  // 4: taxonomy keys read in their canonical fideslang form (catalog/taxonomy-aliases.ts)
  // 5: indexes for the console's queue (due date, id) and the § 7102 metrics (jurisdiction, receipt)
  // 6: request_metrics, the § 7102 counts kept by statement triggers on requests
  version: 6,
  schema: RIGHTS_SCHEMA,
  indexes: RIGHTS_INDEXES,
  summaries: RIGHTS_SUMMARIES,
  typePrefixes: ['rights.'],
  decider: requestDecider,
  streamKey: (e) => (e.data as { request_id?: string } | null)?.request_id || null,
  exists: (s) => s.status !== 'none' && s.request !== null,
  snapshot: { table: 'requests', key: 'request_id', state: 'state', columns: requestColumns },
  derived: [{ table: 'tasks', key: 'request_id', rows: taskRows }],
  events: [
    {
      table: 'timeline',
      row: (e, _s, request_id) => ({ request_id, tx: e.position.tx.toString(), pos: e.position.pos.toString(), type: e.type, occurred_at: e.metadata.occurred_at, actor: e.metadata.actor }),
    },
    { table: 'releases', row: (e) => (e.type === 'rights.data_released' ? releaseRow(e) : null) },
    { table: 'erasures', row: (e) => (e.type === 'rights.subject_erased' ? erasureRow(e) : null) },
  ],
  acrossStreams: (e) => (e.type === 'rights.subject_erased' ? (tx) => anonymiseSubject(tx, (e.data as { subject_key: string }).subject_key) : null),
});

function requestColumns(s: RequestState, last: RecordedEvent) {
  const r = s.request!;
  const tasks = Object.values(s.tasks);
  const verification = s.verification ?? (r.verification_required ? null : { verified_at: r.received_at, method: 'none', level: 'not_required' });
  return {
    subject_key: r.subject_key,
    request_type: r.request_type,
    jurisdiction: r.jurisdiction,
    channel: r.channel,
    status: s.status,
    received_at: r.received_at,
    due_at: s.dueAt,
    confirm_by: r.confirm_by,
    receipt_confirmed: s.receiptConfirmed,
    verification_required: r.verification_required,
    verified: s.verified,
    verified_at: verification?.verified_at ?? null,
    verification_method: verification?.method ?? null,
    verification_level: verification?.level ?? null,
    extended: s.extended,
    extension_reason: s.extensionReason,
    due_soon_flagged: s.alerts.includes(`due_soon@${s.dueAt}`),
    overdue_flagged: s.alerts.includes(`overdue@${s.dueAt}`),
    outcome: s.status === 'completed' || s.status === 'partially_completed' ? s.status : null,
    rejection_reason: s.rejectionReason,
    closed_at: s.closedAt,
    restriction: s.restriction,
    ledger_erased: s.ledgerErased,
    tasks_total: tasks.length,
    tasks_open: tasks.filter((t) => t.status === 'dispatched').length,
    updated_at: last.metadata.occurred_at,
  };
}

function taskRows(s: RequestState) {
  const r = s.request!;
  return Object.values(s.tasks).map((t) => ({
    task_id: t.task_id, request_id: r.request_id, subject_key: r.subject_key, system_id: t.system_id, integration: t.integration, request_type: r.request_type,
    categories: t.categories, retained: t.retained, status: t.status, reason: t.reason, attempt: t.attempt, escalated: t.escalated,
    dispatched_at: t.dispatched_at, result_at: t.result_at,
  }));
}

function releaseRow(e: RecordedEvent) {
  const d = (e as unknown as Extract<RightsEvent, { type: 'rights.data_released' }>).data;
  return { event_id: e.metadata.event_id, request_id: d.request_id, subject_key: d.subject_key, released_to: d.released_to, sections: d.sections, format: d.format, items: d.items, released_at: d.released_at };
}

function erasureRow(e: RecordedEvent) {
  const d = (e as unknown as Extract<RightsEvent, { type: 'rights.subject_erased' }>).data;
  return { request_id: d.request_id, erased_at: d.erased_at, ground: d.ground, data_keys_shredded: d.erased.data_keys_shredded, read_models_purged: d.erased.read_models_purged };
}

export async function anonymiseSubject(tx: SqlExecutor, subjectKey: string): Promise<void> {
  await tx.query(
    `UPDATE requests SET subject_key = $2, state = jsonb_set(state, '{request,subject_key}', to_jsonb($2::text)) WHERE subject_key = $1`,
    [subjectKey, ERASED_SUBJECT],
  );
  await tx.query('UPDATE tasks SET subject_key = $2 WHERE subject_key = $1', [subjectKey, ERASED_SUBJECT]);
  await tx.query('UPDATE releases SET subject_key = $2 WHERE subject_key = $1', [subjectKey, ERASED_SUBJECT]);
}
export * from './queries';
