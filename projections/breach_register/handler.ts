import type { RecordedEvent } from '@pl/domain';
import { breachDeadlines, breachStage, evolveBreach, initialBreachState, type BreachEvent, type BreachState } from '@pl/domain/breach';
import type { SqlExecutor } from '@pl/eventstore';

/**
 * Folds each breach's events into one register row (the decider's own evolve, so the register and the
 * decider agree) plus a timeline row per event. Idempotent: an event at or before the row's (tx, pos)
 * is skipped. Deterministic: times come from the events, never the wall clock.
 */
export async function handleBreachRegister(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    if (!e.type.startsWith('breach.')) continue;
    const breachId = (e.data as { breach_id?: string }).breach_id;
    if (!breachId) continue;
    const existing = await tx.query<{ state: BreachState; last_tx: string; last_pos: string }>(
      'SELECT state, last_tx::text AS last_tx, last_pos::text AS last_pos FROM breaches WHERE breach_id = $1',
      [breachId],
    );
    const row = existing.rows[0];
    if (row && (BigInt(row.last_tx) > e.position.tx || (BigInt(row.last_tx) === e.position.tx && BigInt(row.last_pos) >= e.position.pos))) continue;
    const before = row ? (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) : initialBreachState();
    const state = evolveBreach(before, { type: e.type, data: e.data } as BreachEvent);
    if (state.status === 'none') continue;
    const deadlines = breachDeadlines(state);
    const nextDue = deadlines.filter((d) => !d.met_at).map((d) => d.due_at).sort()[0] ?? null;
    const a = state.assessment;
    await tx.query(
      `INSERT INTO breaches (breach_id, status, stage, aware_at, detected_at, source, reporter_role, description, systems, risk_level,
         notify_authority, notify_subjects, subject_exemption, authorities, authorities_notified, ca_residents, deadlines, next_due_at,
         overdue, state, closed_at, reopen_count, updated_at, last_tx, last_pos)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10,$11,$12,$13,$14::jsonb,$15::jsonb,$16,$17::jsonb,$18,$19::jsonb,$20::jsonb,$21,$22,$23,$24,$25)
       ON CONFLICT (breach_id) DO UPDATE SET status = EXCLUDED.status, stage = EXCLUDED.stage, aware_at = EXCLUDED.aware_at,
         detected_at = EXCLUDED.detected_at, source = EXCLUDED.source, reporter_role = EXCLUDED.reporter_role, description = EXCLUDED.description,
         systems = EXCLUDED.systems, risk_level = EXCLUDED.risk_level, notify_authority = EXCLUDED.notify_authority,
         notify_subjects = EXCLUDED.notify_subjects, subject_exemption = EXCLUDED.subject_exemption, authorities = EXCLUDED.authorities,
         authorities_notified = EXCLUDED.authorities_notified, ca_residents = EXCLUDED.ca_residents, deadlines = EXCLUDED.deadlines,
         next_due_at = EXCLUDED.next_due_at, overdue = EXCLUDED.overdue, state = EXCLUDED.state, closed_at = EXCLUDED.closed_at,
         reopen_count = EXCLUDED.reopen_count, updated_at = EXCLUDED.updated_at, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
      [
        breachId,
        state.status,
        breachStage(state),
        state.aware_at,
        state.detected_at,
        state.source,
        state.reporter_role,
        state.description,
        JSON.stringify(state.systems),
        a?.risk.level ?? null,
        a ? a.risk.notify_authority : null,
        a ? a.risk.notify_subjects : null,
        state.exemption?.ground ?? (a?.risk.subject_exemption ?? null),
        JSON.stringify(a?.authorities ?? []),
        JSON.stringify(state.authorities_notified),
        a?.ca_residents ?? 0,
        JSON.stringify(deadlines),
        state.status === 'open' ? nextDue : null,
        JSON.stringify(state.overdue),
        JSON.stringify(state),
        state.closed_at,
        state.reopen_count,
        e.metadata.occurred_at,
        e.position.tx.toString(),
        e.position.pos.toString(),
      ],
    );
    if (e.type !== 'breach.subject_notice_prepared') {
      await tx.query(
        `INSERT INTO breach_timeline (event_id, breach_id, tx, pos, type, occurred_at, actor, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb)
         ON CONFLICT (event_id) DO NOTHING`,
        [e.metadata.event_id, breachId, e.position.tx.toString(), e.position.pos.toString(), e.type, e.metadata.occurred_at, e.metadata.actor, JSON.stringify(e.data)],
      );
    }
  }
}
