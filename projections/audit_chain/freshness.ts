import type { SqlExecutor } from '@pl/eventstore';

export interface UncoveredEvent {
  /** `heads_missing`: a head came later than the interval after the event (or none came and it is old); `head_stale`: the event is after the latest head and older than the interval. */
  readonly kind: 'heads_missing' | 'head_stale';
  readonly seq: string;
  readonly position: string;
  readonly recorded_at: string;
  /** The latest time a head covering it should have been signed. */
  readonly due_by: string;
}

const MAX_SEQ = '9223372036854775807';

/**
 * The coverage rule of scheduled heads (docs/audit.md): every chained event recorded at t (the
 * log's own `recorded_at`, on or after `since`) must be covered by a trusted signed head at its
 * seq or later, signed no later than t + interval. Heads are the trusted ones (database and held);
 * the first event breaking the rule, in chain order, or null. SQL backends only.
 */
export async function firstUncoveredEvent(
  db: SqlExecutor,
  heads: ReadonlyArray<{ readonly seq: string; readonly signed_at: string }>,
  intervalMs: number,
  now: Date,
  since: Date | null,
): Promise<UncoveredEvent | null> {
  const ready = await db.query<{ l: string | null; e: string | null }>(`SELECT to_regclass('rm_audit_chain.links')::text AS l, to_regclass('es_events')::text AS e`);
  if (!ready.rows[0]?.l || !ready.rows[0]?.e) return null;
  const sorted = [...heads].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0));
  // a head covers every event at or before its seq: the earliest signing time among heads at or after a segment
  const earliest: number[] = new Array(sorted.length);
  for (let i = sorted.length - 1, min = Infinity; i >= 0; i--) earliest[i] = min = Math.min(min, Date.parse(sorted[i].signed_at));
  const prev: string[] = [];
  const upTo: string[] = [];
  const dueBy: string[] = [];
  let last = '-1';
  sorted.forEach((h, i) => {
    if (h.seq === last) return;
    prev.push(last);
    upTo.push(h.seq);
    dueBy.push(new Date(earliest[i] - intervalMs).toISOString());
    last = h.seq;
  });
  prev.push(last);
  upTo.push(MAX_SEQ);
  dueBy.push(new Date(now.getTime() - intervalMs).toISOString());
  const r = await db.query<{ seq: string; tx: string; pos: string; recorded_at: string; tail: boolean; deadline: string }>(
    `SELECT x.seq::text AS seq, x.tx::text AS tx, x.pos::text AS pos, x.recorded_at, s.up_to = $2::bigint AS tail, s.deadline::text AS deadline
     FROM unnest($3::bigint[], $4::bigint[], $5::timestamptz[]) AS s(prev, up_to, deadline)
     CROSS JOIN LATERAL (
       SELECT l.seq, l.tx, l.pos, to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at
       FROM rm_audit_chain.links l JOIN es_events e ON e.global_position = l.pos
       WHERE l.seq > s.prev AND l.seq <= s.up_to AND e.recorded_at < s.deadline AND ($1::timestamptz IS NULL OR e.recorded_at >= $1::timestamptz)
       ORDER BY l.seq LIMIT 1) x
     ORDER BY x.seq LIMIT 1`,
    [since ? since.toISOString() : null, MAX_SEQ, prev, upTo, dueBy],
  );
  const row = r.rows[0];
  if (!row) return null;
  const due = new Date(Date.parse(row.recorded_at) + intervalMs).toISOString();
  return { kind: row.tail && sorted.length > 0 ? 'head_stale' : 'heads_missing', seq: row.seq, position: `${row.tx}/${row.pos}`, recorded_at: row.recorded_at, due_by: due };
}
