import { snapshotProjection } from '@pl/application';
import { breachDeadlines, breachDecider, breachStage, type BreachState } from '@pl/domain/breach';
import { BREACH_REGISTER_INDEXES, BREACH_REGISTER_SCHEMA } from './schema';

/**
 * rm_breach_register: the Art. 33(5) register of every breach, with its clocks: each breach's state
 * folded with the breach decider's own evolve, its columns read from that state, and a timeline of
 * its events (`breach.subject_notice_prepared` excepted: one per subject). Version 2: the index on
 * (aware_at DESC, breach_id) the register's pages walk.
 */
export const breachRegisterProjection = snapshotProjection<BreachState>({
  name: 'breach_register',
  version: 2,
  schema: BREACH_REGISTER_SCHEMA,
  indexes: BREACH_REGISTER_INDEXES,
  typePrefixes: ['breach.'],
  decider: breachDecider,
  streamKey: (e) => (e.data as { breach_id?: string } | null)?.breach_id || null,
  exists: (s) => s.status !== 'none',
  snapshot: {
    table: 'breaches',
    key: 'breach_id',
    state: 'state',
    columns: registerColumns,
    fromState: ['status', 'aware_at', 'detected_at', 'source', 'reporter_role', 'description', 'systems', 'authorities_notified', 'overdue', 'closed_at', 'reopen_count'],
  },
  events: [
    {
      table: 'breach_timeline',
      row: (e, _s, breach_id) =>
        e.type === 'breach.subject_notice_prepared'
          ? null
          : { event_id: e.metadata.event_id, breach_id, tx: e.position.tx.toString(), pos: e.position.pos.toString(), type: e.type, occurred_at: e.metadata.occurred_at, actor: e.metadata.actor, data: e.data },
    },
  ],
});

function registerColumns(s: BreachState, last: { metadata: { occurred_at: string } }) {
  const deadlines = breachDeadlines(s);
  const a = s.assessment;
  return {
    stage: breachStage(s),
    risk_level: a?.risk.level ?? null,
    notify_authority: a?.risk.notify_authority ?? null,
    notify_subjects: a?.risk.notify_subjects ?? null,
    subject_exemption: s.exemption?.ground ?? a?.risk.subject_exemption ?? null,
    authorities: a?.authorities ?? [],
    ca_residents: a?.ca_residents ?? 0,
    deadlines,
    next_due_at: s.status === 'open' ? (deadlines.filter((d) => !d.met_at).map((d) => d.due_at).sort()[0] ?? null) : null,
    updated_at: last.metadata.occurred_at,
  };
}
export * from './queries';
