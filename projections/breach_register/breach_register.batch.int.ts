import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand, type CommandContext } from '@pl/application';
import { LOG_START, comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import { breachDecider, breachStreamId, type BreachCommand, type RiskFactors } from '@pl/domain/breach';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { breachRegisterProjection, getBreach } from './index';
import { applyLog, batchings, projectLog, randomSplit, type Dump } from '../../test/support/batch-harness';

/**
 * The breach register on the generic snapshot projection: the rows a scenario of six breaches through
 * their lifecycle leaves (given/when/then), the same rows whatever the batch boundaries, handled twice
 * or in overlapping batches, on both backends, NUL/lone surrogates stored escaped (invariant 10).
 */
const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const at = (h: number) => new Date(T0 + h * 3_600_000);
const subKey = (i: number) => `sub_${String(i).padStart(32, 'B')}`;

const highRisk: RiskFactors = {
  confidentiality: true,
  integrity: false,
  availability: false,
  categories: ['user.contact.email', 'user.account.credentials'],
  special_categories: [],
  subjects_count: 640,
  records_count: 900,
  identifiability: 'maximum',
  encrypted: false,
  keys_safe: false,
  backup_available: true,
  vulnerable_subjects: false,
  likely_consequences: ['account takeover'],
};

/** Several breaches through their lifecycle, interleaved in time, as (breach, hour, actor, command). */
function scenario(ids: string[]): Array<{ id: string; h: number; actor: string; cmd: BreachCommand }> {
  const [b1, b2, b3, b4, b5, b6] = ids;
  const detect = (id: string, h: number, systems: string[]): BreachCommand => ({
    type: 'DetectBreach',
    breachId: id,
    awareAt: at(h - 1).toISOString(),
    source: 'internal_monitoring',
    description: `incident ${id.slice(0, 8)}${id === ids[2] ? POISON : ''}`,
    reporterRole: 'security_operations',
    systems,
    knownSystems: ['crm', 'billing', 'shop'],
    windowFrom: at(h - 30).toISOString(),
    windowTo: at(h - 2).toISOString(),
    now: at(h),
  });
  const assess = (h: number, extra: Partial<Extract<BreachCommand, { type: 'AssessBreach' }>> = {}): BreachCommand => ({
    type: 'AssessBreach',
    factors: highRisk,
    subjectJurisdictions: { DE: 40, 'US-CA': 600 },
    mainEstablishment: null,
    measuresTaken: ['passwords reset'],
    measuresProposed: ['mfa'],
    contactPoint: 'dpo@example.com',
    now: at(h),
    ...extra,
  });
  const clocks = (h: number): BreachCommand => ({ type: 'CheckClocks', now: at(h) });
  const steps: Array<{ id: string; h: number; actor: string; cmd: BreachCommand }> = [];
  /** add() sets every command's time from its step's hour. */
  const PLACEHOLDER = new Date(0);
  const add = (id: string, h: number, cmd: BreachCommand, actor = 'apikey:dpo') => steps.push({ id, h, actor, cmd: { ...cmd, now: at(h) } as BreachCommand });

  // b1: high risk, EU and California; authority (initial + additional), subjects (EU, US-CA with fan-out), AG, closed, reopened, re-assessed, closed.
  add(b1, 1, detect(b1, 1, ['crm', 'billing']));
  add(b1, 3, assess(3));
  add(b1, 20, { type: 'NotifyAuthority', authority: 'DE', phase: 'initial', reference: 'DE-1', now: PLACEHOLDER });
  add(b1, 26, { type: 'NotifySubjects', jurisdiction: 'EU', noticeId: 'n-eu', channel: 'email', subjectsCount: 40, subjectKeys: [subKey(1), subKey(2), subKey(3)], now: PLACEHOLDER });
  add(b1, 30, { type: 'NotifyAuthority', authority: 'DE', phase: 'additional', reference: 'DE-1b', now: PLACEHOLDER });
  add(b1, 24 * 25, clocks(0), 'worker:breach-clocks');
  add(b1, 24 * 26, { type: 'NotifySubjects', jurisdiction: 'US-CA', noticeId: 'n-ca', channel: 'letter', subjectsCount: 600, subjectKeys: [subKey(4), subKey(5)], now: PLACEHOLDER });
  add(b1, 24 * 36, clocks(0), 'worker:breach-clocks');
  add(b1, 24 * 38, { type: 'NotifyAttorneyGeneral', reference: 'AG-7', now: PLACEHOLDER });
  add(b1, 24 * 39, { type: 'CloseBreach', summary: 'all notified', now: PLACEHOLDER });
  add(b1, 24 * 45, { type: 'ReopenBreach', reason: 'more records found', now: PLACEHOLDER });
  add(b1, 24 * 45 + 2, assess(0, { subjectJurisdictions: { DE: 60, FR: 5, 'US-CA': 600 } }));
  add(b1, 24 * 45 + 20, { type: 'NotifyAuthority', authority: 'FR', phase: 'initial', reference: null, delayReason: 'new facts only now', now: PLACEHOLDER });
  add(b1, 24 * 46, { type: 'CloseBreach', summary: 'closed again', now: PLACEHOLDER });

  // b2: clocks run out before the assessment (warnings, overdue), then judged unlikely (override) and closed.
  add(b2, 2, detect(b2, 2, ['shop']));
  add(b2, 2 + 50, clocks(0), 'worker:breach-clocks');
  add(b2, 2 + 68, clocks(0), 'worker:breach-clocks');
  add(b2, 2 + 80, clocks(0), 'worker:breach-clocks');
  add(b2, 2 + 90, assess(0, { subjectJurisdictions: { AT: 3 }, mainEstablishment: 'AT', override: { level: 'unlikely', reason: 'data was public already' } }));
  add(b2, 2 + 91, { type: 'CloseBreach', summary: 'no risk', now: PLACEHOLDER });

  // b3: only detected, one warning.
  add(b3, 5, detect(b3, 5, ['crm']));
  add(b3, 5 + 60, clocks(0), 'worker:breach-clocks');

  // b4: high risk with an Art. 34(3) exemption, late authority notice, closed and reopened (stays open).
  add(b4, 4, detect(b4, 4, ['billing']));
  add(b4, 10, assess(10, { subjectJurisdictions: { FR: 12 }, mainEstablishment: 'FR', factors: { ...highRisk, subjects_count: 12, records_count: 12 } }));
  add(b4, 4 + 70, clocks(0), 'worker:breach-clocks');
  add(b4, 4 + 75, clocks(0), 'worker:breach-clocks');
  add(b4, 4 + 100, { type: 'NotifyAuthority', authority: 'FR', phase: 'initial', reference: 'CNIL-9', delayReason: 'forensics', now: PLACEHOLDER });
  add(b4, 4 + 101, { type: 'RecordSubjectExemption', ground: 'a', justification: 'data was encrypted at rest', now: PLACEHOLDER });
  add(b4, 4 + 120, { type: 'CloseBreach', summary: 'exempted', now: PLACEHOLDER });
  add(b4, 4 + 200, { type: 'ReopenBreach', reason: 'key may have leaked', now: PLACEHOLDER });
  add(b4, 4 + 260, clocks(0), 'worker:breach-clocks');

  // b5: California only (no EU subjects): the CA clock, its warnings, then the notice.
  add(b5, 6, detect(b5, 6, ['shop', 'crm']));
  add(b5, 8, assess(8, { subjectJurisdictions: { 'US-CA': 20 } }));
  add(b5, 6 + 24 * 24, clocks(0), 'worker:breach-clocks');
  add(b5, 6 + 24 * 29, clocks(0), 'worker:breach-clocks');
  add(b5, 6 + 24 * 29 + 5, { type: 'NotifySubjects', jurisdiction: 'US-CA', noticeId: 'n-ca5', channel: 'email', subjectsCount: 20, subjectKeys: [subKey(9)], now: PLACEHOLDER });

  // b6: assessed as a risk but not a high one (authority yes, subjects no), notified and closed.
  add(b6, 7, detect(b6, 7, ['billing']));
  add(b6, 9, assess(9, { subjectJurisdictions: { DE: 40 }, override: { level: 'risk', reason: 'passwords were hashed' } }));
  add(b6, 30, { type: 'NotifyAuthority', authority: 'DE', phase: 'initial', reference: 'DE-6', now: PLACEHOLDER });
  add(b6, 40, { type: 'CloseBreach', summary: 'authority informed', now: PLACEHOLDER });

  return steps.sort((x, y) => x.h - y.h);
}

const POISON = '\u0000\ud800';
const ESCAPED = '\uFDD00000\uFDD0D800';
const TABLES = [['breaches', 'breach_id'], ['breach_timeline', 'tx, pos, event_id']] as const;

describe.each(SQL_BACKENDS)('breach register (snapshot projection) on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let db: SqlDatabase;
  let store: SqlEventStore;
  let log: RecordedEvent[] = [];
  const ids: string[] = Array.from({ length: 6 }, () => randomUUID());
  let reference: Dump;
  const project = (batches: ReadonlyArray<readonly RecordedEvent[]>) => projectLog(db, breachRegisterProjection, TABLES, batches);

  beforeAll(async () => {
    f = await fresh();
    db = f.db;
    store = new SqlEventStore(db);
    await store.init();
    let last: LogPosition = LOG_START;
    for (const s of scenario(ids)) {
      const ctx: CommandContext = { actor: s.actor, correlationId: randomUUID(), now: at(s.h) };
      const r = await handleCommand(store, breachDecider, breachStreamId(s.id), s.cmd, ctx).catch((e) => {
        throw new Error(`scenario step b${ids.indexOf(s.id) + 1} ${s.cmd.type} at +${s.h} h: ${e.message} ${JSON.stringify(e.details ?? null)}`);
      });
      if (r.appended) last = r.appended.position;
    }
    // Other sessions' open transactions on the shared server can hold the last append back (invariant 4).
    const deadline = Date.now() + 60_000;
    for (;;) {
      log = await store.readAll(LOG_START, { maxCount: 100_000 });
      if (log.length && comparePositions(log[log.length - 1].position, last) >= 0) break;
      if (Date.now() > deadline) throw new Error('appended events never became visible');
      await new Promise((r) => setTimeout(r, 50));
    }
    reference = await project(log.map((e) => [e]));
  }, 180_000);
  afterAll(() => f?.drop(), 60_000);

  const row = (id: string) => JSON.parse(reference.breaches.find((r) => JSON.parse(r).breach_id === id)!);

  it('runs on a log that exercises the whole lifecycle', () => {
    const types = new Set(log.map((e) => e.type));
    for (const t of [
      'breach.detected', 'breach.assessed', 'breach.authority_notified', 'breach.subjects_notified', 'breach.subject_notice_prepared',
      'breach.subject_notice_exemption_recorded', 'breach.attorney_general_notified', 'breach.deadline_warning', 'breach.deadline_overdue',
      'breach.closed', 'breach.reopened',
    ]) expect(types).toContain(t);
    // several events in one transaction (a notice and its fan-out; warnings and overdue facts together)
    expect(log.some((e, i) => i > 0 && e.position.tx === log[i - 1].position.tx)).toBe(true);
  });

  it('given the scenario, each breach has the register row its history implies', () => {
    const [b1, b2, b3, b4, b5, b6] = ids;
    expect(reference.breaches).toHaveLength(6);
    expect(row(b1)).toMatchObject({ status: 'closed', stage: 'closed', reopen_count: 1, next_due_at: null, systems: ['billing', 'crm'], risk_level: 'high', notify_authority: true, notify_subjects: true });
    expect(Object.keys(row(b1).authorities_notified).sort()).toEqual(['DE', 'FR']);
    expect(row(b1).authorities_notified.DE).toMatchObject({ phases: 2 });
    expect(Date.parse(row(b1).closed_at)).toBe(at(24 * 46).getTime());
    expect(row(b2)).toMatchObject({ status: 'closed', risk_level: 'unlikely', notify_authority: false, notify_subjects: false, authorities: [] });
    expect(row(b2).overdue.length).toBeGreaterThan(0);
    expect(row(b3)).toMatchObject({ status: 'open', stage: 'detected', risk_level: null, notify_authority: null, description: `incident ${b3.slice(0, 8)}${ESCAPED}`, authorities: [], ca_residents: 0 });
    expect(Date.parse(row(b3).next_due_at)).toBe(Date.parse(row(b3).aware_at) + 72 * 3_600_000);
    expect(row(b4)).toMatchObject({ status: 'open', stage: 'subjects_notified', subject_exemption: 'a', reopen_count: 1, closed_at: null, authorities: ['FR'] });
    expect(row(b4).authorities_notified.FR).toMatchObject({ late: true });
    expect(row(b5)).toMatchObject({ status: 'open', stage: 'subjects_notified', authorities: [], ca_residents: 20 });
    expect(row(b6)).toMatchObject({ status: 'closed', risk_level: 'risk', notify_authority: true, notify_subjects: false });
    // the timeline: every event but the per-subject notices, in log order, with its data (escaped)
    expect(reference.breach_timeline).toHaveLength(log.filter((e) => e.type !== 'breach.subject_notice_prepared').length);
    expect(reference.breach_timeline.some((t) => JSON.parse(t).data.description === `incident ${b3.slice(0, 8)}${ESCAPED}`)).toBe(true);
  });

  it('a row carries the last event of its breach (updated_at, position)', () => {
    for (const id of ids) {
      const mine = log.filter((e) => e.data.breach_id === id);
      const lastEvent = mine[mine.length - 1];
      expect(Date.parse(row(id).updated_at)).toBe(Date.parse(lastEvent.metadata.occurred_at));
      expect([String(row(id).last_tx), String(row(id).last_pos)]).toEqual([lastEvent.position.tx.toString(), lastEvent.position.pos.toString()]);
      expect(row(id).state.breach_id).toBe(id);
    }
  });

  it('gives the rows of one event at a time whatever the batches: all at once, random splits, twice, overlapping', async () => {
    for (const [how, batches] of batchings(log)) expect({ how, rows: await project(batches) }).toEqual({ how, rows: reference });
  });

  it("runs the register's real path (applyBatch with its checkpoint) to the same rows, and the query reads them", async () => {
    expect(await applyLog(db, breachRegisterProjection, TABLES, randomSplit(log, 7, 25))).toEqual(reference);
    await db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(db, breachRegisterProjection);
    await applyBatch(db, breachRegisterProjection, log, log[log.length - 1].position);
    expect(await getBreach(db, ids[3], at(24 * 30))).toMatchObject({ breach_id: ids[3], stage: 'subjects_notified', subject_exemption: 'a' });
  });
});
