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

  const rows: Record<string, unknown>[] = [];
  const timeline: Record<string, unknown>[] = [];
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
        timeline.push({
          event_id: e.metadata.event_id,
          breach_id: breachId,
          tx: e.position.tx.toString(),
          pos: e.position.pos.toString(),
          type: e.type,
          occurred_at: e.metadata.occurred_at,
          actor: e.metadata.actor,
          data: e.data,
        });
      }
    }
    if (!lastEvent) continue;
    const deadlines = breachDeadlines(state);
    const nextDue = deadlines.filter((d) => !d.met_at).map((d) => d.due_at).sort()[0] ?? null;
    const a = state.assessment;
    rows.push({
      breach_id: breachId,
      status: state.status,
      stage: breachStage(state),
      aware_at: state.aware_at,
      detected_at: state.detected_at,
      source: state.source,
      reporter_role: state.reporter_role,
      description: state.description,
      systems: state.systems,
      risk_level: a?.risk.level ?? null,
      notify_authority: a ? a.risk.notify_authority : null,
      notify_subjects: a ? a.risk.notify_subjects : null,
      subject_exemption: state.exemption?.ground ?? a?.risk.subject_exemption ?? null,
      authorities: a?.authorities ?? [],
      authorities_notified: state.authorities_notified,
      ca_residents: a?.ca_residents ?? 0,
      deadlines,
      next_due_at: state.status === 'open' ? nextDue : null,
      overdue: state.overdue,
      state,
      closed_at: state.closed_at,
      reopen_count: state.reopen_count,
      updated_at: lastEvent.metadata.occurred_at,
      last_tx: lastEvent.position.tx.toString(),
      last_pos: lastEvent.position.pos.toString(),
    });
  }

  if (rows.length) {
    await tx.query(
      `INSERT INTO breaches (breach_id, status, stage, aware_at, detected_at, source, reporter_role, description, systems, risk_level,
         notify_authority, notify_subjects, subject_exemption, authorities, authorities_notified, ca_residents, deadlines, next_due_at,
         overdue, state, closed_at, reopen_count, updated_at, last_tx, last_pos)
       SELECT breach_id, status, stage, aware_at, detected_at, source, reporter_role, description, systems, risk_level,
         notify_authority, notify_subjects, subject_exemption, authorities, authorities_notified, ca_residents, deadlines, next_due_at,
         overdue, state, closed_at, reopen_count, updated_at, last_tx, last_pos
       FROM jsonb_to_recordset($1::jsonb) AS r(breach_id text, status text, stage text, aware_at timestamptz, detected_at timestamptz,
         source text, reporter_role text, description text, systems jsonb, risk_level text, notify_authority boolean, notify_subjects boolean,
         subject_exemption text, authorities jsonb, authorities_notified jsonb, ca_residents integer, deadlines jsonb, next_due_at timestamptz,
         overdue jsonb, state jsonb, closed_at timestamptz, reopen_count integer, updated_at timestamptz, last_tx numeric, last_pos bigint)
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
       SELECT event_id, breach_id, tx, pos, type, occurred_at, actor, data
       FROM jsonb_to_recordset($1::jsonb) AS r(event_id text, breach_id text, tx numeric, pos bigint, type text, occurred_at timestamptz, actor text, data jsonb)
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(timeline)],
    );
  }
}
