import type { BreachDeadline, BreachState } from '@pl/domain/breach';
import { deadlineTimezone } from '@pl/domain/law/breach';
import type { SqlExecutor } from '@pl/eventstore';

export interface DeadlineView extends BreachDeadline {
  /** The zone whose calendar the deadline counts in; null for a duration in hours (the same instant everywhere). */
  readonly deadline_timezone: string | null;
  /** Milliseconds left (negative when overdue); null once met. */
  readonly time_left_ms: number | null;
  readonly time_left_hours: number | null;
  readonly overdue: boolean;
}

export interface BreachRegisterRow {
  readonly breach_id: string;
  readonly status: 'open' | 'closed';
  readonly stage: string;
  readonly aware_at: string;
  readonly detected_at: string;
  readonly source: string | null;
  readonly reporter_role: string;
  readonly description: string;
  readonly systems: string[];
  readonly risk_level: string | null;
  /** Why notified or not (Art. 33(5) documentation). */
  readonly risk_reasons: string[];
  readonly notify_authority: boolean | null;
  readonly notify_subjects: boolean | null;
  readonly subject_exemption: string | null;
  readonly authorities: string[];
  readonly authorities_notified: Record<string, { initial_at: string; phases: number; late: boolean }>;
  readonly ca_residents: number;
  readonly deadlines: DeadlineView[];
  readonly next_due_at: string | null;
  readonly closed_at: string | null;
  readonly reopen_count: number;
  readonly updated_at: string;
}

const T = 'rm_breach_register';
const COLUMNS = `breach_id, status, stage, aware_at, detected_at, source, reporter_role, description, systems, risk_level, notify_authority,
  notify_subjects, subject_exemption, authorities, authorities_notified, ca_residents, deadlines, next_due_at, closed_at, reopen_count, updated_at,
  state->'assessment'->'risk'->'reasons' AS risk_reasons`;

const json = <X>(v: unknown): X => (typeof v === 'string' ? JSON.parse(v) : v) as X;
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

function toRow(r: any, now: Date): BreachRegisterRow {
  const deadlines = json<BreachDeadline[]>(r.deadlines).map((d) => {
    const left = d.met_at ? null : Date.parse(d.due_at) - now.getTime();
    return { ...d, deadline_timezone: deadlineTimezone(d.id), time_left_ms: left, time_left_hours: left === null ? null : Math.round(left / 36_000) / 100, overdue: left !== null && left < 0 };
  });
  return {
    breach_id: r.breach_id,
    status: r.status,
    stage: r.stage,
    aware_at: iso(r.aware_at)!,
    detected_at: iso(r.detected_at)!,
    source: r.source,
    reporter_role: r.reporter_role,
    description: r.description,
    systems: json(r.systems),
    risk_level: r.risk_level,
    risk_reasons: r.risk_reasons ? json<string[]>(r.risk_reasons) : [],
    notify_authority: r.notify_authority,
    notify_subjects: r.notify_subjects,
    subject_exemption: r.subject_exemption,
    authorities: json(r.authorities),
    authorities_notified: json(r.authorities_notified),
    ca_residents: Number(r.ca_residents),
    deadlines,
    next_due_at: iso(r.next_due_at),
    closed_at: iso(r.closed_at),
    reopen_count: Number(r.reopen_count),
    updated_at: iso(r.updated_at)!,
  };
}

export interface ListBreachesFilter {
  readonly status?: 'open' | 'closed';
  readonly limit?: number;
  /** Keyset pagination: the page after this (aware_at, breach_id), from the previous page's last row. */
  readonly after?: BreachPageKey;
}

/** A row's place in the register's order; `aware_at` as the database's exact text (microseconds kept). */
export interface BreachPageKey {
  readonly awareAt: string;
  readonly breachId: string;
}

/**
 * The register, newest awareness first (ties by breach_id), with the time left on every clock at
 * `now`; a page at a time by keyset on (aware_at DESC, breach_id), so page n costs what page 1 does.
 * `next` is the last row's key when the page is full.
 */
export async function listBreaches(db: SqlExecutor, now: Date, filter: ListBreachesFilter = {}): Promise<{ rows: BreachRegisterRow[]; next: BreachPageKey | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const r = await db.query(
    `SELECT ${COLUMNS}, to_json(aware_at)#>>'{}' AS aware_key FROM ${T}.breaches
     WHERE ($1::text IS NULL OR status = $1)
       AND ($2::timestamptz IS NULL OR aware_at < $2::timestamptz OR (aware_at = $2::timestamptz AND breach_id > $3::text))
     ORDER BY breaches.aware_at DESC, breach_id LIMIT $4`,
    [filter.status ?? null, filter.after?.awareAt ?? null, filter.after?.breachId ?? null, limit],
  );
  const last = r.rows.length === limit ? (r.rows[r.rows.length - 1] as { aware_key: string; breach_id: string }) : null;
  return { rows: r.rows.map((row) => toRow(row, now)), next: last ? { awareAt: last.aware_key, breachId: last.breach_id } : null };
}

export async function getBreach(db: SqlExecutor, breachId: string, now: Date): Promise<(BreachRegisterRow & { timeline: TimelineEntry[] }) | null> {
  const r = await db.query(`SELECT ${COLUMNS} FROM ${T}.breaches WHERE breach_id = $1`, [breachId]);
  if (!r.rows.length) return null;
  return { ...toRow(r.rows[0], now), timeline: await breachTimeline(db, breachId) };
}

export interface TimelineEntry {
  readonly event_id: string;
  readonly type: string;
  readonly occurred_at: string;
  readonly actor: string;
  readonly data: Record<string, unknown>;
}

export async function breachTimeline(db: SqlExecutor, breachId: string): Promise<TimelineEntry[]> {
  const r = await db.query(`SELECT event_id, type, occurred_at, actor, data FROM ${T}.breach_timeline WHERE breach_id = $1 ORDER BY tx, pos`, [breachId]);
  return r.rows.map((x: any) => ({ event_id: x.event_id, type: x.type, occurred_at: iso(x.occurred_at)!, actor: x.actor, data: json(x.data) }));
}

export async function breachState(db: SqlExecutor, breachId: string): Promise<BreachState | null> {
  const r = await db.query<{ state: unknown }>(`SELECT state FROM ${T}.breaches WHERE breach_id = $1`, [breachId]);
  return r.rows.length ? json<BreachState>(r.rows[0].state) : null;
}

/** Open breaches with an unmet clock due before `horizon`: the worker checks these. */
export async function breachesWithRunningClocks(db: SqlExecutor, horizon: Date): Promise<string[]> {
  const r = await db.query<{ breach_id: string }>(
    `SELECT breach_id FROM ${T}.breaches WHERE status = 'open' AND next_due_at IS NOT NULL AND next_due_at <= $1 ORDER BY next_due_at`,
    [horizon.toISOString()],
  );
  return r.rows.map((x) => x.breach_id);
}

/**
 * Open breaches by their next unmet deadline: less than `windowMs` away and not yet passed
 * (`pl_breaches_deadline_within_24h`), and passed (`pl_breaches_deadline_overdue`).
 */
export async function breachClockCounts(db: SqlExecutor, now: Date, windowMs: number): Promise<{ due_soon: number; overdue: number }> {
  const r = await db.query<{ due_soon: string; overdue: string }>(
    `SELECT count(*) FILTER (WHERE next_due_at >= $1::timestamptz AND next_due_at < $2::timestamptz)::text AS due_soon,
            count(*) FILTER (WHERE next_due_at < $1::timestamptz)::text AS overdue
     FROM ${T}.breaches WHERE status = 'open' AND next_due_at IS NOT NULL`,
    [now.toISOString(), new Date(now.getTime() + windowMs).toISOString()],
  );
  return { due_soon: Number(r.rows[0].due_soon), overdue: Number(r.rows[0].overdue) };
}

const CSV_COLUMNS = [
  'breach_id', 'status', 'stage', 'aware_at', 'detected_at', 'source', 'reporter_role', 'description', 'systems', 'risk_level',
  'notify_authority', 'notify_subjects', 'subject_exemption', 'authorities', 'authorities_notified', 'ca_residents', 'closed_at', 'reopen_count', 'risk_reasons',
] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join('; ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // Quote always; neutralise spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The whole register as CSV, oldest first: the Art. 33(5) documentation an authority may ask for. */
export async function breachRegisterCsv(db: SqlExecutor, now: Date): Promise<string> {
  const r = await db.query(`SELECT ${COLUMNS} FROM ${T}.breaches ORDER BY aware_at, breach_id`);
  const rows = r.rows.map((row) => toRow(row, now));
  const lines = rows.map((row) =>
    CSV_COLUMNS.map((c) => {
      if (c === 'authorities_notified') return csvCell(Object.entries(row.authorities_notified).map(([a, n]) => `${a} ${n.initial_at}${n.late ? ' (late)' : ''}`));
      return csvCell(row[c]);
    }).join(','),
  );
  return [CSV_COLUMNS.join(','), ...lines].join('\r\n') + '\r\n';
}
