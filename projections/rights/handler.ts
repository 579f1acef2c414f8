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
 *
 * Batched: the existing rows of the batch's requests are read in one statement, the events are
 * folded in memory in the order given, and each table is written with one statement, with the same
 * column semantics as handling one event at a time (COALESCE columns keep the last non-null value,
 * `closed_at` the first, insert-only columns the first event's). At an applied `rights.subject_erased`
 * the pending writes are flushed and the subject is anonymised before the rest of the batch is
 * folded from freshly read rows, so the result is that of the sequential handling.
 */
export async function handleRights(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  let rest = events.filter((e) => e.type.startsWith('rights.') && (e.data as { request_id?: string } | null)?.request_id);
  while (rest.length) {
    const segment = new Segment(await loadRows(tx, rest));
    let i = 0;
    let erased: string | null = null;
    while (i < rest.length && erased === null) erased = segment.apply(rest[i++]);
    await segment.flush(tx);
    if (erased !== null) await anonymiseSubject(tx, erased);
    rest = rest.slice(i);
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

interface Loaded {
  state: RequestState;
  lastTx: bigint;
  lastPos: bigint;
}

async function loadRows(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<Map<string, Loaded>> {
  const ids = [...new Set(events.map((e) => (e.data as { request_id: string }).request_id))];
  const r = await tx.query<{ request_id: string; state: RequestState | string; last_tx: string; last_pos: string }>(
    'SELECT request_id, state, last_tx::text AS last_tx, last_pos::text AS last_pos FROM requests WHERE request_id = ANY($1::text[])',
    [ids],
  );
  const out = new Map<string, Loaded>();
  for (const row of r.rows) {
    out.set(row.request_id, {
      state: typeof row.state === 'string' ? JSON.parse(row.state) : row.state,
      lastTx: BigInt(row.last_tx),
      lastPos: BigInt(row.last_pos),
    });
  }
  return out;
}

/** One pending `requests` row: what the batch's statement writes for a request. */
interface RequestRow {
  // insert-only columns (not changed on conflict): the first applied event's values
  request_id: string;
  subject_key: string;
  request_type: string;
  jurisdiction: string;
  channel: string;
  received_at: string;
  confirm_by: string | null;
  verification_required: boolean;
  // overwritten on conflict: the last applied event's values
  status: string;
  due_at: string | null;
  receipt_confirmed: boolean;
  verified: boolean;
  extended: boolean;
  due_soon_flagged: boolean;
  overdue_flagged: boolean;
  restriction: string;
  ledger_erased: boolean;
  tasks_total: number;
  tasks_open: number;
  state: RequestState;
  updated_at: string;
  last_tx: string;
  last_pos: string;
  // COALESCE(new, old) on conflict: the last non-null value of the batch
  verified_at: string | null;
  verification_method: string | null;
  verification_level: string | null;
  extension_reason: string | null;
  outcome: string | null;
  rejection_reason: string | null;
  // COALESCE(old, new) on conflict: the first non-null value of the batch
  closed_at: string | null;
}

/** One pending `tasks` row. */
interface TaskRow {
  // insert-only: the first applied event's values
  task_id: string;
  request_id: string;
  subject_key: string;
  system_id: string;
  integration: string;
  request_type: string;
  categories: unknown;
  // overwritten: the last event's
  retained: unknown;
  status: string;
  reason: string | null;
  attempt: number;
  escalated: boolean;
  // the last `rights.task_dispatched`'s dispatched_at (then `dispatched` is true), else the inserting event's value
  dispatched_at: string;
  dispatched: boolean;
  // COALESCE(new, old): the last non-null
  result_at: string | null;
}

/** The pending writes of the events folded since the last flush. */
class Segment {
  private readonly requests = new Map<string, RequestRow>();
  private readonly tasks = new Map<string, TaskRow>();
  private readonly timeline: Array<{ request_id: string; tx: string; pos: string; type: string; occurred_at: string; actor: string }> = [];
  private readonly releases: Array<Record<string, unknown>> = [];
  private readonly erasures: Array<Record<string, unknown>> = [];

  constructor(private readonly rows: Map<string, Loaded>) {}

  /** Folds one event; returns the subject key when it is an applied `rights.subject_erased` (the caller flushes and anonymises). */
  apply(e: RecordedEvent): string | null {
    const requestId = (e.data as { request_id: string }).request_id;
    const row = this.rows.get(requestId);
    if (row && (row.lastTx > e.position.tx || (row.lastTx === e.position.tx && row.lastPos >= e.position.pos))) return null;
    const before = row ? row.state : initialRequestState();
    const event = { type: e.type, data: e.data } as RightsEvent;
    const state = evolveRequest(before, event);
    if (state.status === 'none' || !state.request) return null;
    this.rows.set(requestId, { state, lastTx: e.position.tx, lastPos: e.position.pos });
    this.request(state, event, e);
    this.timeline.push({
      request_id: requestId,
      tx: e.position.tx.toString(),
      pos: e.position.pos.toString(),
      type: e.type,
      occurred_at: e.metadata.occurred_at,
      actor: e.metadata.actor,
    });
    if (event.type === 'rights.task_dispatched' || event.type === 'rights.task_result_recorded' || event.type === 'rights.task_escalated') {
      if (state.tasks[event.data.task_id]) this.task(state, event.data.task_id, event, e);
    }
    if (event.type === 'rights.data_released') {
      const d = event.data;
      this.releases.push({
        event_id: e.metadata.event_id, request_id: d.request_id, subject_key: d.subject_key, released_to: d.released_to,
        sections: d.sections, format: d.format, items: d.items, released_at: d.released_at,
      });
    }
    if (event.type === 'rights.subject_erased') {
      const d = event.data;
      this.erasures.push({
        request_id: d.request_id, erased_at: d.erased_at, ground: d.ground, data_keys_shredded: d.erased.data_keys_shredded,
        read_models_purged: d.erased.read_models_purged,
      });
      return d.subject_key;
    }
    return null;
  }

  private request(s: RequestState, event: RightsEvent, e: RecordedEvent): void {
    const r = s.request!;
    const tasks = Object.values(s.tasks);
    const closed = s.status === 'completed' || s.status === 'partially_completed' || s.status === 'rejected';
    const verification = event.type === 'rights.identity_verified' ? event.data : null;
    const verifiedAt = verification?.verified_at ?? (r.verification_required ? null : r.received_at);
    const method = verification?.method ?? (r.verification_required ? null : 'none');
    const level = verification?.level ?? (r.verification_required ? null : 'not_required');
    const extensionReason = event.type === 'rights.request_extended' ? event.data.reason : null;
    const outcome = closed && s.status !== 'rejected' ? s.status : null;
    const rejectionReason = event.type === 'rights.request_rejected' ? event.data.reason : null;
    const closedAt = closed ? e.metadata.occurred_at : null;
    const latest = {
      status: s.status,
      due_at: s.dueAt,
      receipt_confirmed: s.receiptConfirmed,
      verified: s.verified,
      extended: s.extended,
      due_soon_flagged: s.alerts.includes(`due_soon@${s.dueAt}`),
      overdue_flagged: s.alerts.includes(`overdue@${s.dueAt}`),
      restriction: s.restriction,
      ledger_erased: s.ledgerErased,
      tasks_total: tasks.length,
      tasks_open: tasks.filter((t) => t.status === 'dispatched').length,
      state: s,
      updated_at: e.metadata.occurred_at,
      last_tx: e.position.tx.toString(),
      last_pos: e.position.pos.toString(),
    };
    const prev = this.requests.get(r.request_id);
    if (!prev) {
      this.requests.set(r.request_id, {
        request_id: r.request_id,
        subject_key: r.subject_key,
        request_type: r.request_type,
        jurisdiction: r.jurisdiction,
        channel: r.channel,
        received_at: r.received_at,
        confirm_by: r.confirm_by,
        verification_required: r.verification_required,
        ...latest,
        verified_at: verifiedAt,
        verification_method: method,
        verification_level: level,
        extension_reason: extensionReason,
        outcome,
        rejection_reason: rejectionReason,
        closed_at: closedAt,
      });
      return;
    }
    Object.assign(prev, latest);
    prev.verified_at = verifiedAt ?? prev.verified_at;
    prev.verification_method = method ?? prev.verification_method;
    prev.verification_level = level ?? prev.verification_level;
    prev.extension_reason = extensionReason ?? prev.extension_reason;
    prev.outcome = outcome ?? prev.outcome;
    prev.rejection_reason = rejectionReason ?? prev.rejection_reason;
    prev.closed_at = prev.closed_at ?? closedAt;
  }

  private task(s: RequestState, taskId: string, event: RightsEvent, e: RecordedEvent): void {
    const t = s.tasks[taskId];
    const r = s.request!;
    const dispatched = event.type === 'rights.task_dispatched';
    const dispatchedAt = event.type === 'rights.task_dispatched' ? event.data.dispatched_at : e.metadata.occurred_at;
    const resultAt = event.type === 'rights.task_result_recorded' ? event.data.recorded_at : null;
    const prev = this.tasks.get(taskId);
    if (!prev) {
      this.tasks.set(taskId, {
        task_id: t.task_id, request_id: r.request_id, subject_key: r.subject_key, system_id: t.system_id, integration: t.integration,
        request_type: r.request_type, categories: t.categories, retained: t.retained, status: t.status, reason: t.reason, attempt: t.attempt,
        escalated: t.escalated, dispatched_at: dispatchedAt, dispatched, result_at: resultAt,
      });
      return;
    }
    prev.retained = t.retained;
    prev.status = t.status;
    prev.reason = t.reason;
    prev.attempt = t.attempt;
    prev.escalated = t.escalated;
    prev.result_at = resultAt ?? prev.result_at;
    if (dispatched) {
      prev.dispatched_at = dispatchedAt;
      prev.dispatched = true;
    }
  }

  async flush(tx: SqlExecutor): Promise<void> {
    if (this.requests.size) {
      await tx.query(
        `INSERT INTO requests (request_id, subject_key, request_type, jurisdiction, channel, status, received_at, due_at, confirm_by, receipt_confirmed,
           verification_required, verified, verified_at, verification_method, verification_level, extended, extension_reason, due_soon_flagged,
           overdue_flagged, outcome, rejection_reason, closed_at, restriction, ledger_erased, tasks_total, tasks_open, state, updated_at, last_tx, last_pos)
         SELECT request_id, subject_key, request_type, jurisdiction, channel, status, received_at, due_at, confirm_by, receipt_confirmed,
           verification_required, verified, verified_at, verification_method, verification_level, extended, extension_reason, due_soon_flagged,
           overdue_flagged, outcome, rejection_reason, closed_at, restriction, ledger_erased, tasks_total, tasks_open, state, updated_at, last_tx, last_pos
         FROM jsonb_to_recordset($1::jsonb) AS b(request_id text, subject_key text, request_type text, jurisdiction text, channel text, status text,
           received_at timestamptz, due_at timestamptz, confirm_by timestamptz, receipt_confirmed boolean, verification_required boolean, verified boolean,
           verified_at timestamptz, verification_method text, verification_level text, extended boolean, extension_reason text, due_soon_flagged boolean,
           overdue_flagged boolean, outcome text, rejection_reason text, closed_at timestamptz, restriction text, ledger_erased boolean, tasks_total integer,
           tasks_open integer, state jsonb, updated_at timestamptz, last_tx numeric, last_pos bigint)
         ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, due_at = EXCLUDED.due_at, receipt_confirmed = EXCLUDED.receipt_confirmed,
           verified = EXCLUDED.verified, verified_at = COALESCE(EXCLUDED.verified_at, requests.verified_at),
           verification_method = COALESCE(EXCLUDED.verification_method, requests.verification_method),
           verification_level = COALESCE(EXCLUDED.verification_level, requests.verification_level), extended = EXCLUDED.extended,
           extension_reason = COALESCE(EXCLUDED.extension_reason, requests.extension_reason), due_soon_flagged = EXCLUDED.due_soon_flagged,
           overdue_flagged = EXCLUDED.overdue_flagged, outcome = COALESCE(EXCLUDED.outcome, requests.outcome),
           rejection_reason = COALESCE(EXCLUDED.rejection_reason, requests.rejection_reason), closed_at = COALESCE(requests.closed_at, EXCLUDED.closed_at),
           restriction = EXCLUDED.restriction, ledger_erased = EXCLUDED.ledger_erased, tasks_total = EXCLUDED.tasks_total, tasks_open = EXCLUDED.tasks_open,
           state = EXCLUDED.state, updated_at = EXCLUDED.updated_at, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
        [JSON.stringify([...this.requests.values()])],
      );
    }
    if (this.timeline.length) {
      await tx.query(
        `INSERT INTO timeline (request_id, tx, pos, type, occurred_at, actor)
         SELECT request_id, tx, pos, type, occurred_at, actor
         FROM jsonb_to_recordset($1::jsonb) AS b(request_id text, tx numeric, pos bigint, type text, occurred_at timestamptz, actor text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(this.timeline)],
      );
    }
    // `dispatched_at` follows the last `rights.task_dispatched`: one statement for the tasks the batch
    // dispatched (overwrite), one for the others (keep the stored value; an insert takes the event's)
    for (const dispatched of [true, false]) {
      const rows = [...this.tasks.values()].filter((t) => t.dispatched === dispatched);
      if (!rows.length) continue;
      await tx.query(
        `INSERT INTO tasks (task_id, request_id, subject_key, system_id, integration, request_type, categories, retained, status, reason, attempt, escalated, dispatched_at, result_at)
         SELECT task_id, request_id, subject_key, system_id, integration, request_type, categories, retained, status, reason, attempt, escalated, dispatched_at, result_at
         FROM jsonb_to_recordset($1::jsonb) AS b(task_id text, request_id text, subject_key text, system_id text, integration text, request_type text,
           categories jsonb, retained jsonb, status text, reason text, attempt integer, escalated boolean, dispatched_at timestamptz, result_at timestamptz)
         ON CONFLICT (task_id) DO UPDATE SET retained = EXCLUDED.retained, status = EXCLUDED.status, reason = EXCLUDED.reason, attempt = EXCLUDED.attempt,
           escalated = EXCLUDED.escalated, result_at = COALESCE(EXCLUDED.result_at, tasks.result_at),
           dispatched_at = ${dispatched ? 'EXCLUDED.dispatched_at' : 'tasks.dispatched_at'}`,
        [JSON.stringify(rows)],
      );
    }
    if (this.releases.length) {
      await tx.query(
        `INSERT INTO releases (event_id, request_id, subject_key, released_to, sections, format, items, released_at)
         SELECT event_id, request_id, subject_key, released_to, sections, format, items, released_at
         FROM jsonb_to_recordset($1::jsonb) AS b(event_id text, request_id text, subject_key text, released_to text, sections jsonb, format text,
           items integer, released_at timestamptz)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(this.releases)],
      );
    }
    if (this.erasures.length) {
      await tx.query(
        `INSERT INTO erasures (request_id, erased_at, ground, data_keys_shredded, read_models_purged)
         SELECT request_id, erased_at, ground, data_keys_shredded, read_models_purged
         FROM jsonb_to_recordset($1::jsonb) AS b(request_id text, erased_at timestamptz, ground text, data_keys_shredded integer, read_models_purged jsonb)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(this.erasures)],
      );
    }
  }
}
