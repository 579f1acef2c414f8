import type { SqlExecutor } from '@pl/eventstore';
import type { RequestMetricsGroup } from '@pl/domain/law/ccpa-metrics';
import type { OpenRequestRef, RequestType } from '@pl/domain/rights';
import { METRICS_TIMEZONE } from './schema';

const OPEN_STATUSES = `('received', 'verified', 'in_progress')`;

export interface RequestRow {
  readonly request_id: string;
  readonly subject_key: string;
  readonly request_type: RequestType;
  readonly jurisdiction: string;
  readonly channel: string;
  readonly status: string;
  readonly received_at: string;
  readonly due_at: string;
  readonly confirm_by: string | null;
  readonly receipt_confirmed: boolean;
  readonly verification_required: boolean;
  readonly verified: boolean;
  readonly verified_at: string | null;
  readonly verification_method: string | null;
  readonly verification_level: string | null;
  readonly extended: boolean;
  readonly extension_reason: string | null;
  readonly outcome: string | null;
  readonly rejection_reason: string | null;
  readonly closed_at: string | null;
  readonly restriction: string;
  readonly ledger_erased: boolean;
  readonly tasks_total: number;
  readonly tasks_open: number;
  readonly due_soon_flagged: boolean;
  readonly overdue_flagged: boolean;
  /** Open and past its due date at the time asked. */
  readonly overdue: boolean;
  /** CCPA: receipt not confirmed by the 10th business day (11 CCR § 7021(a)). */
  readonly confirmation_overdue: boolean;
  /** Art. 19: recipients told of the rectification, erasure or restriction (the subject may ask who they are). */
  readonly recipients_notified: string[];
  /** Holiday calendar of the due dates (law/holidays.ts) and, for GDPR, the establishment it comes from (Art. 56). */
  readonly calendar: string | null;
  readonly establishment: { country: string; region: string | null } | null;
  readonly month_counting: string | null;
  /** Why a fallback calendar was used; empty when the establishment's calendar was known. */
  readonly calendar_warnings: string[];
}

export interface TaskRow {
  readonly task_id: string;
  readonly request_id: string;
  readonly system_id: string;
  readonly integration: string;
  readonly request_type: string;
  readonly categories: string[];
  readonly retained: unknown[];
  readonly status: string;
  readonly reason: string | null;
  readonly attempt: number;
  readonly escalated: boolean;
  readonly dispatched_at: string;
  readonly result_at: string | null;
}

const REQUEST_COLUMNS = `request_id, subject_key, request_type, jurisdiction, channel, status, to_json(received_at)#>>'{}' AS received_at,
  to_json(due_at)#>>'{}' AS due_at, to_json(confirm_by)#>>'{}' AS confirm_by, receipt_confirmed, verification_required, verified,
  to_json(verified_at)#>>'{}' AS verified_at, verification_method, verification_level, extended, extension_reason, outcome, rejection_reason,
  to_json(closed_at)#>>'{}' AS closed_at, restriction, ledger_erased, tasks_total, tasks_open, due_soon_flagged, overdue_flagged,
  (status IN ${OPEN_STATUSES} AND due_at < $1::timestamptz) AS overdue,
  (confirm_by IS NOT NULL AND NOT receipt_confirmed AND status <> 'rejected' AND confirm_by < $1::timestamptz) AS confirmation_overdue,
  COALESCE(state->'recipientsNotified', '[]'::jsonb) AS recipients_notified,
  state->'request'->>'calendar' AS calendar, COALESCE(state->'request'->'establishment', 'null'::jsonb) AS establishment,
  state->'request'->>'month_counting' AS month_counting, COALESCE(state->'request'->'calendar_warnings', '[]'::jsonb) AS calendar_warnings`;

const TASK_COLUMNS = `task_id, request_id, system_id, integration, request_type, categories, retained, status, reason, attempt, escalated,
  to_json(dispatched_at)#>>'{}' AS dispatched_at, to_json(result_at)#>>'{}' AS result_at`;

export async function getRequest(db: SqlExecutor, requestId: string, now: Date): Promise<(RequestRow & { tasks: TaskRow[] }) | null> {
  const r = await db.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM rm_rights.requests WHERE request_id = $2`, [now.toISOString(), requestId]);
  if (!r.rows.length) return null;
  const t = await db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM rm_rights.tasks WHERE request_id = $1 ORDER BY dispatched_at, system_id`, [requestId]);
  return { ...r.rows[0], tasks: t.rows };
}

/** Open requests of a subject, for duplicate detection (passed into ReceiveRequest). */
export async function openRequestsOfSubject(db: SqlExecutor, subjectKey: string): Promise<OpenRequestRef[]> {
  const r = await db.query<OpenRequestRef>(`SELECT request_id, request_type FROM rm_rights.requests WHERE subject_key = $1 AND status IN ${OPEN_STATUSES}`, [subjectKey]);
  return r.rows;
}

export async function requestsOfSubject(db: SqlExecutor, subjectKey: string, now: Date, since?: Date): Promise<RequestRow[]> {
  const r = await db.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM rm_rights.requests WHERE subject_key = $2 AND ($3::timestamptz IS NULL OR received_at >= $3::timestamptz) ORDER BY received_at, request_id`,
    [now.toISOString(), subjectKey, since?.toISOString() ?? null],
  );
  return r.rows;
}

export interface RequestListQuery {
  readonly now: Date;
  readonly status?: string;
  readonly overdue?: boolean;
  /** Only open requests (received, verified, in progress), or only closed ones. */
  readonly open?: boolean;
  /** Only open requests not yet overdue that are due within this many ms (as dueSoonCount counts them). */
  readonly dueWithinMs?: number;
  readonly requestType?: string;
  readonly jurisdiction?: string;
  /** Keyset pagination: the page after this (due_at, request_id), from the previous page's last row. */
  readonly after?: { readonly dueAt: string; readonly requestId: string };
  readonly limit?: number;
}

/**
 * Requests by due date, filtered; pages by keyset on (due_at, request_id), so page n costs what page 1 does.
 * ORDER BY names the table's column: a bare `due_at` is the text output column, sorted after a scan of every row.
 */
export async function listRequests(db: SqlExecutor, q: RequestListQuery): Promise<RequestRow[]> {
  const r = await db.query<RequestRow>(
    `SELECT ${REQUEST_COLUMNS} FROM rm_rights.requests
     WHERE ($2::text IS NULL OR status = $2) AND ($3::boolean IS NULL OR (status IN ${OPEN_STATUSES} AND due_at < $1::timestamptz) = $3)
       AND ($5::text IS NULL OR request_type = $5) AND ($6::text IS NULL OR jurisdiction = $6)
       AND ($7::timestamptz IS NULL OR (due_at, request_id) > ($7::timestamptz, $8::text))
       AND ($9::boolean IS NULL OR (status IN ${OPEN_STATUSES}) = $9)
       AND ($10::timestamptz IS NULL OR (status IN ${OPEN_STATUSES} AND due_at >= $1::timestamptz AND due_at < $10::timestamptz))
     ORDER BY requests.due_at, request_id LIMIT $4`,
    [
      q.now.toISOString(), q.status ?? null, q.overdue ?? null, q.limit ?? 100, q.requestType ?? null, q.jurisdiction ?? null, q.after?.dueAt ?? null, q.after?.requestId ?? null,
      q.open ?? null, q.dueWithinMs === undefined ? null : new Date(q.now.getTime() + q.dueWithinMs).toISOString(),
    ],
  );
  return r.rows;
}

/**
 * Requests of `jurisdiction` received in a calendar year of `timezone`, by type, status and days from receipt to closing (11 CCR § 7102).
 * In the zone the projection counts in (METRICS_TIMEZONE, California's), the year's rows of request_metrics, which a
 * trigger keeps as requests change (a few hundred rows, not the year's requests: issue 19's 300 ms at 100,000 requests);
 * in any other zone the requests themselves are grouped.
 */
export async function requestMetricsGroups(db: SqlExecutor, jurisdiction: string, year: number, timezone: string): Promise<RequestMetricsGroup[]> {
  if (timezone !== METRICS_TIMEZONE) return requestMetricsGroupsScanned(db, jurisdiction, year, timezone);
  const kept = await db.query<RequestMetricsGroup>(
    'SELECT request_type, status, NULLIF(days, -1) AS days, n FROM rm_rights.request_metrics WHERE jurisdiction = $1 AND year = $2 AND n > 0',
    [jurisdiction, year],
  );
  return kept.rows;
}

/**
 * The same groups read from the requests themselves (any zone). The year's bounds are sub-selects, computed once: as
 * bare make_timestamptz calls (stable, not immutable) they were evaluated for every row.
 */
export async function requestMetricsGroupsScanned(db: SqlExecutor, jurisdiction: string, year: number, timezone: string): Promise<RequestMetricsGroup[]> {
  const r = await db.query<RequestMetricsGroup>(
    `SELECT request_type, status, ((closed_at AT TIME ZONE $3)::date - (received_at AT TIME ZONE $3)::date) AS days, count(*)::int AS n
     FROM rm_rights.requests
     WHERE jurisdiction = $4 AND received_at >= (SELECT make_timestamptz($1, 1, 1, 0, 0, 0, $3)) AND received_at < (SELECT make_timestamptz($2, 1, 1, 0, 0, 0, $3))
     GROUP BY 1, 2, 3`,
    [year, year + 1, timezone, jurisdiction],
  );
  return r.rows;
}

/** Open requests (received, verified or in progress). */
export async function openCount(db: SqlExecutor): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM rm_rights.requests WHERE status IN ${OPEN_STATUSES}`);
  return Number(r.rows[0].n);
}

/** A request's history from the log, oldest first: what happened, when and by whom (PII-free). */
export async function requestTimeline(db: SqlExecutor, requestId: string): Promise<Array<{ type: string; occurred_at: string; actor: string }>> {
  const r = await db.query<{ type: string; occurred_at: string; actor: string }>(
    `SELECT type, to_json(occurred_at)#>>'{}' AS occurred_at, actor FROM rm_rights.timeline WHERE request_id = $1 ORDER BY tx, pos`,
    [requestId],
  );
  return r.rows;
}

/** Open requests whose due date is within `soonMs` of now, or past it: candidates for the deadline process manager. */
export async function requestsNeedingAlert(db: SqlExecutor, now: Date, soonMs: number): Promise<Array<{ request_id: string }>> {
  const r = await db.query<{ request_id: string }>(
    `SELECT request_id FROM rm_rights.requests
     WHERE status IN ${OPEN_STATUSES} AND (
       (due_at < $1::timestamptz AND NOT overdue_flagged) OR (due_at - ($2::bigint * interval '1 millisecond') <= $1::timestamptz AND NOT due_soon_flagged AND due_at >= $1::timestamptz))
     ORDER BY due_at LIMIT 1000`,
    [now.toISOString(), soonMs],
  );
  return r.rows;
}

export async function overdueCount(db: SqlExecutor, now: Date): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM rm_rights.requests WHERE status IN ${OPEN_STATUSES} AND due_at < $1::timestamptz`, [now.toISOString()]);
  return Number(r.rows[0].n);
}

/** Open requests not yet overdue whose due date is less than `windowMs` away (`pl_rights_requests_due_soon`). */
export async function dueSoonCount(db: SqlExecutor, now: Date, windowMs: number): Promise<number> {
  const r = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM rm_rights.requests WHERE status IN ${OPEN_STATUSES} AND due_at >= $1::timestamptz AND due_at < $2::timestamptz`,
    [now.toISOString(), new Date(now.getTime() + windowMs).toISOString()],
  );
  return Number(r.rows[0].n);
}

/** Requests a subject filed since `since` (rate limiting of request creation). */
/**
 * When the subject's window of `limit` requests since `since` frees a slot: the `limit`-th newest
 * request's time (plus the window, by the caller); null while fewer than `limit` were received.
 */
export async function nthNewestRequestSince(db: SqlExecutor, subjectKey: string, since: Date, limit: number): Promise<Date | null> {
  const r = await db.query<{ ms: string }>(
    `SELECT (extract(epoch FROM received_at) * 1000)::bigint::text AS ms FROM rm_rights.requests
     WHERE subject_key = $1 AND received_at >= $2::timestamptz ORDER BY received_at DESC OFFSET $3 LIMIT 1`,
    [subjectKey, since.toISOString(), limit - 1],
  );
  return r.rows.length ? new Date(Number(r.rows[0].ms)) : null;
}

export interface OpenTaskRef {
  readonly task_id: string;
  readonly request_id: string;
  readonly system_id: string;
  readonly integration: string;
  readonly attempt: number;
  readonly escalated: boolean;
}

/** Tasks without a result whose last dispatch is older than `before` (follow-up: retry or escalate). */
export async function openTasksOlderThan(db: SqlExecutor, before: Date): Promise<OpenTaskRef[]> {
  const r = await db.query<OpenTaskRef>(
    `SELECT task_id, request_id, system_id, integration, attempt, escalated FROM rm_rights.tasks WHERE status = 'dispatched' AND dispatched_at < $1::timestamptz ORDER BY dispatched_at LIMIT 1000`,
    [before.toISOString()],
  );
  return r.rows;
}

export async function releasesOfRequest(db: SqlExecutor, requestId: string): Promise<Array<{ released_to: string; sections: string[]; format: string; items: number; released_at: string }>> {
  const r = await db.query(
    `SELECT released_to, sections, format, items, to_json(released_at)#>>'{}' AS released_at FROM rm_rights.releases WHERE request_id = $1 ORDER BY released_at`,
    [requestId],
  );
  return r.rows;
}

/** Tasks without a result, e.g. the manual ones a person must carry out (systems with no integration), oldest first. */
export async function openTasks(db: SqlExecutor, q: { integration?: string; systemId?: string; limit?: number } = {}): Promise<TaskRow[]> {
  const r = await db.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM rm_rights.tasks WHERE status = 'dispatched' AND ($1::text IS NULL OR integration = $1) AND ($2::text IS NULL OR system_id = $2)
     ORDER BY dispatched_at, task_id LIMIT $3`,
    [q.integration ?? null, q.systemId ?? null, q.limit ?? 100],
  );
  return r.rows;
}
