import { comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import { breachDeadlines, breachStage, evolveBreach, initialBreachState, type BreachEvent, type BreachState } from '@pl/domain/breach';
import type { SqlExecutor } from '@pl/eventstore';

type Row = { breach_id: string; state: BreachState | string; last_tx: string; last_pos: string };

/**
 * Folds each breach's events into one register row (the decider's own evolve, so the register and the
 * decider agree) plus a timeline row per event (but `breach.subject_notice_prepared`, one per subject).
 * Idempotent: an event at or before the row's (tx, pos) is skipped. Deterministic: times come from the
 * events, never the wall clock.
 *
 * Batched: the batch is grouped by breach, the existing rows are read with one statement, each breach
 * is folded in memory and written with one upsert for all breaches and one insert for all timeline
 * rows. The row is the one the event-at-a-time fold would leave: every column from the state after the
 * breach's last applied event, `updated_at` and (last_tx, last_pos) from that event.
 * Rows travel as one JSON array of positional arrays (no repeated keys); the columns that are plain
 * copies of the state (status, times, systems, risk, ...) are read from the state in SQL, so the
 * server parses each value once (that parse is most of the cost of a rebuild).
 */
export async function handleBreachRegister(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  const byBreach = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    if (!e.type.startsWith('breach.')) continue;
    const breachId = (e.data as { breach_id?: string } | null)?.breach_id;
    if (!breachId) continue;
    const list = byBreach.get(breachId);
    if (list) list.push(e);
    else byBreach.set(breachId, [e]);
  }
  if (!byBreach.size) return;

  const existing = await tx.query<Row>(
    'SELECT breach_id, state, last_tx::text AS last_tx, last_pos::text AS last_pos FROM breaches WHERE breach_id = ANY($1::text[])',
    [[...byBreach.keys()]],
  );
  const current = new Map(existing.rows.map((r) => [r.breach_id, r]));

  const rows: unknown[][] = [];
  const timeline: unknown[][] = [];
  for (const [breachId, list] of byBreach) {
    const row = current.get(breachId);
    let state: BreachState = row ? (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) : initialBreachState();
    let last: LogPosition | null = row ? { tx: BigInt(row.last_tx), pos: BigInt(row.last_pos) } : null;
    let lastEvent: RecordedEvent | null = null;
    for (const e of list) {
      if (last && comparePositions(e.position, last) <= 0) continue;
      const next = evolveBreach(state, { type: e.type, data: e.data } as BreachEvent);
      // An event that leaves no breach (nothing detected yet) is not applied: no row, no timeline entry.
      if (next.status === 'none') continue;
      state = next;
      last = e.position;
      lastEvent = e;
      if (e.type !== 'breach.subject_notice_prepared') {
        timeline.push([e.metadata.event_id, breachId, e.position.tx.toString(), e.position.pos.toString(), e.type, e.metadata.occurred_at, e.metadata.actor, e.data]);
      }
    }
    if (!lastEvent) continue;
    const deadlines = breachDeadlines(state);
    const nextDue = deadlines.filter((d) => !d.met_at).map((d) => d.due_at).sort()[0] ?? null;
    const a = state.assessment;
    rows.push([
      breachId,
      breachStage(state),
      state.exemption?.ground ?? a?.risk.subject_exemption ?? null,
      deadlines,
      state.status === 'open' ? nextDue : null,
      state,
      lastEvent.metadata.occurred_at,
      lastEvent.position.tx.toString(),
      lastEvent.position.pos.toString(),
    ]);
  }

  if (rows.length) {
    await tx.query(
      `INSERT INTO breaches (breach_id, status, stage, aware_at, detected_at, source, reporter_role, description, systems, risk_level,
         notify_authority, notify_subjects, subject_exemption, authorities, authorities_notified, ca_residents, deadlines, next_due_at,
         overdue, state, closed_at, reopen_count, updated_at, last_tx, last_pos)
       SELECT r->>0, s->>'status', r->>1, (s->>'aware_at')::timestamptz, (s->>'detected_at')::timestamptz, s->>'source', s->>'reporter_role',
         s->>'description', s->'systems', s->'assessment'->'risk'->>'level', (s->'assessment'->'risk'->>'notify_authority')::boolean,
         (s->'assessment'->'risk'->>'notify_subjects')::boolean, r->>2, coalesce(s->'assessment'->'authorities', '[]'::jsonb), s->'authorities_notified',
         coalesce((s->'assessment'->>'ca_residents')::integer, 0), r->3, (r->>4)::timestamptz, s->'overdue', s, (s->>'closed_at')::timestamptz,
         (s->>'reopen_count')::integer, (r->>6)::timestamptz, (r->>7)::numeric, (r->>8)::bigint
       FROM jsonb_array_elements($1::jsonb) AS e(r), LATERAL (SELECT r->5 AS s) AS x
       ON CONFLICT (breach_id) DO UPDATE SET status = EXCLUDED.status, stage = EXCLUDED.stage, aware_at = EXCLUDED.aware_at,
         detected_at = EXCLUDED.detected_at, source = EXCLUDED.source, reporter_role = EXCLUDED.reporter_role, description = EXCLUDED.description,
         systems = EXCLUDED.systems, risk_level = EXCLUDED.risk_level, notify_authority = EXCLUDED.notify_authority,
         notify_subjects = EXCLUDED.notify_subjects, subject_exemption = EXCLUDED.subject_exemption, authorities = EXCLUDED.authorities,
         authorities_notified = EXCLUDED.authorities_notified, ca_residents = EXCLUDED.ca_residents, deadlines = EXCLUDED.deadlines,
         next_due_at = EXCLUDED.next_due_at, overdue = EXCLUDED.overdue, state = EXCLUDED.state, closed_at = EXCLUDED.closed_at,
         reopen_count = EXCLUDED.reopen_count, updated_at = EXCLUDED.updated_at, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
      [JSON.stringify(rows)],
    );
  }
  if (timeline.length) {
    await tx.query(
      `INSERT INTO breach_timeline (event_id, breach_id, tx, pos, type, occurred_at, actor, data)
       SELECT r->>0, r->>1, (r->>2)::numeric, (r->>3)::bigint, r->>4, (r->>5)::timestamptz, r->>6, r->7 FROM jsonb_array_elements($1::jsonb) AS e(r)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(timeline)],
    );
  }
}
