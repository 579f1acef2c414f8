import { randomUUID } from 'node:crypto';
import { ensureProjectionSchema, handleCommand, type CommandContext } from '@pl/application';
import { LOG_START, comparePositions, type LogPosition, type RecordedEvent } from '@pl/domain';
import { breachDeadlines, breachDecider, breachStage, breachStreamId, evolveBreach, initialBreachState, type BreachCommand, type BreachEvent, type BreachState, type RiskFactors } from '@pl/domain/breach';
import { SqlEventStore, type SqlDatabase, type SqlExecutor } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { breachRegisterProjection } from './index';
import { handleIntoSchema, randomSplit, tableRows, type BatchHandler } from '../../test/support/batch-harness';

/**
 * The batched handler must leave exactly the rows the event-at-a-time fold leaves, whatever the batch
 * boundaries, and handling a batch again (or an overlapping one) must change nothing. The reference
 * below is the event-at-a-time handler the register used before it was batched (one SELECT, one upsert
 * and one timeline insert per event); every column of both tables is compared, in order.
 */
async function referenceHandleBreachRegister(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
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
    breach_id: id,
    aware_at: at(h - 1).toISOString(),
    source: 'internal_monitoring',
    description: `incident ${id.slice(0, 8)}`,
    reporter_role: 'security_operations',
    systems,
    known_systems: ['crm', 'billing', 'shop'],
    window_from: at(h - 30).toISOString(),
    window_to: at(h - 2).toISOString(),
    now: at(h).toISOString(),
  });
  const assess = (h: number, extra: Partial<Extract<BreachCommand, { type: 'AssessBreach' }>> = {}): BreachCommand => ({
    type: 'AssessBreach',
    factors: highRisk,
    subject_jurisdictions: { DE: 40, 'US-CA': 600 },
    main_establishment: null,
    measures_taken: ['passwords reset'],
    measures_proposed: ['mfa'],
    contact_point: 'dpo@example.com',
    now: at(h).toISOString(),
    ...extra,
  });
  const clocks = (h: number): BreachCommand => ({ type: 'CheckClocks', now: at(h).toISOString() });
  const steps: Array<{ id: string; h: number; actor: string; cmd: BreachCommand }> = [];
  const add = (id: string, h: number, cmd: BreachCommand, actor = 'apikey:dpo') => steps.push({ id, h, actor, cmd: { ...cmd, now: at(h).toISOString() } as BreachCommand });

  // b1: high risk, EU and California; authority (initial + additional), subjects (EU, US-CA with fan-out), AG, closed, reopened, re-assessed, closed.
  add(b1, 1, detect(b1, 1, ['crm', 'billing']));
  add(b1, 3, assess(3));
  add(b1, 20, { type: 'NotifyAuthority', authority: 'DE', phase: 'initial', reference: 'DE-1', now: '' });
  add(b1, 26, { type: 'NotifySubjects', jurisdiction: 'EU', notice_id: 'n-eu', channel: 'email', subjects_count: 40, subject_keys: [subKey(1), subKey(2), subKey(3)], now: '' });
  add(b1, 30, { type: 'NotifyAuthority', authority: 'DE', phase: 'additional', reference: 'DE-1b', now: '' });
  add(b1, 24 * 25, clocks(0), 'worker:breach-clocks');
  add(b1, 24 * 26, { type: 'NotifySubjects', jurisdiction: 'US-CA', notice_id: 'n-ca', channel: 'letter', subjects_count: 600, subject_keys: [subKey(4), subKey(5)], now: '' });
  add(b1, 24 * 36, clocks(0), 'worker:breach-clocks');
  add(b1, 24 * 38, { type: 'NotifyAttorneyGeneral', reference: 'AG-7', now: '' });
  add(b1, 24 * 39, { type: 'CloseBreach', summary: 'all notified', now: '' });
  add(b1, 24 * 45, { type: 'ReopenBreach', reason: 'more records found', now: '' });
  add(b1, 24 * 45 + 2, assess(0, { subject_jurisdictions: { DE: 60, FR: 5, 'US-CA': 600 } }));
  add(b1, 24 * 45 + 20, { type: 'NotifyAuthority', authority: 'FR', phase: 'initial', reference: null, delay_reason: 'new facts only now', now: '' });
  add(b1, 24 * 46, { type: 'CloseBreach', summary: 'closed again', now: '' });

  // b2: clocks run out before the assessment (warnings, overdue), then judged unlikely (override) and closed.
  add(b2, 2, detect(b2, 2, ['shop']));
  add(b2, 2 + 50, clocks(0), 'worker:breach-clocks');
  add(b2, 2 + 68, clocks(0), 'worker:breach-clocks');
  add(b2, 2 + 80, clocks(0), 'worker:breach-clocks');
  add(b2, 2 + 90, assess(0, { subject_jurisdictions: { AT: 3 }, main_establishment: 'AT', override: { level: 'unlikely', reason: 'data was public already' } }));
  add(b2, 2 + 91, { type: 'CloseBreach', summary: 'no risk', now: '' });

  // b3: only detected, one warning.
  add(b3, 5, detect(b3, 5, ['crm']));
  add(b3, 5 + 60, clocks(0), 'worker:breach-clocks');

  // b4: high risk with an Art. 34(3) exemption, late authority notice, closed and reopened (stays open).
  add(b4, 4, detect(b4, 4, ['billing']));
  add(b4, 10, assess(10, { subject_jurisdictions: { FR: 12 }, main_establishment: 'FR', factors: { ...highRisk, subjects_count: 12, records_count: 12 } }));
  add(b4, 4 + 70, clocks(0), 'worker:breach-clocks');
  add(b4, 4 + 75, clocks(0), 'worker:breach-clocks');
  add(b4, 4 + 100, { type: 'NotifyAuthority', authority: 'FR', phase: 'initial', reference: 'CNIL-9', delay_reason: 'forensics', now: '' });
  add(b4, 4 + 101, { type: 'RecordSubjectExemption', ground: 'a', justification: 'data was encrypted at rest', now: '' });
  add(b4, 4 + 120, { type: 'CloseBreach', summary: 'exempted', now: '' });
  add(b4, 4 + 200, { type: 'ReopenBreach', reason: 'key may have leaked', now: '' });
  add(b4, 4 + 260, clocks(0), 'worker:breach-clocks');

  // b5: California only (no EU subjects): the CA clock, its warnings, then the notice.
  add(b5, 6, detect(b5, 6, ['shop', 'crm']));
  add(b5, 8, assess(8, { subject_jurisdictions: { 'US-CA': 20 } }));
  add(b5, 6 + 24 * 24, clocks(0), 'worker:breach-clocks');
  add(b5, 6 + 24 * 29, clocks(0), 'worker:breach-clocks');
  add(b5, 6 + 24 * 29 + 5, { type: 'NotifySubjects', jurisdiction: 'US-CA', notice_id: 'n-ca5', channel: 'email', subjects_count: 20, subject_keys: [subKey(9)], now: '' });

  // b6: assessed as a risk but not a high one (authority yes, subjects no), notified and closed.
  add(b6, 7, detect(b6, 7, ['billing']));
  add(b6, 9, assess(9, { subject_jurisdictions: { DE: 40 }, override: { level: 'risk', reason: 'passwords were hashed' } }));
  add(b6, 30, { type: 'NotifyAuthority', authority: 'DE', phase: 'initial', reference: 'DE-6', now: '' });
  add(b6, 40, { type: 'CloseBreach', summary: 'authority informed', now: '' });

  return steps.sort((x, y) => x.h - y.h);
}

describe.each(SQL_BACKENDS)('breach register batched handler on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let db: SqlDatabase;
  let store: SqlEventStore;
  let log: RecordedEvent[] = [];
  const ids: string[] = Array.from({ length: 6 }, () => randomUUID());
  let schemaNo = 0;

  const handle = breachRegisterProjection.handle;

  const newSchema = async () => {
    const schema = `rm_breach_batch_${schemaNo++}`;
    await ensureProjectionSchema(db, breachRegisterProjection, schema);
    return schema;
  };
  const build = (handler: BatchHandler, batches: ReadonlyArray<readonly RecordedEvent[]>) =>
    handleIntoSchema(db, breachRegisterProjection, `rm_breach_batch_${schemaNo++}`, handler, batches);
  /** Every column of both tables, as canonical jsonb text, in a total order. */
  const dump = async (schema: string) => ({
    breaches: await tableRows(db, schema, 'breaches', 'breach_id'),
    timeline: await tableRows(db, schema, 'breach_timeline', 'tx, pos, event_id'),
  });

  let reference: { breaches: string[]; timeline: string[] };

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
    reference = await dump(await build(referenceHandleBreachRegister, log.map((e) => [e])));
  }, 180_000);
  afterAll(() => f?.drop(), 60_000);

  it('runs on a log that exercises the whole lifecycle', () => {
    const types = new Set(log.map((e) => e.type));
    for (const t of [
      'breach.detected', 'breach.assessed', 'breach.authority_notified', 'breach.subjects_notified', 'breach.subject_notice_prepared',
      'breach.subject_notice_exemption_recorded', 'breach.attorney_general_notified', 'breach.deadline_warning', 'breach.deadline_overdue',
      'breach.closed', 'breach.reopened',
    ]) expect(types).toContain(t);
    // several events in one transaction (a notice and its fan-out; warnings and overdue facts together)
    expect(log.some((e, i) => i > 0 && e.position.tx === log[i - 1].position.tx)).toBe(true);
    expect(reference.breaches).toHaveLength(ids.length);
    // the register's columns take different values across breaches (a swapped column would show)
    const rows = reference.breaches.map((r) => JSON.parse(r));
    expect(new Set(rows.map((r) => `${r.risk_level}/${r.notify_authority}/${r.notify_subjects}`)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(rows.map((r) => r.stage)).size).toBeGreaterThanOrEqual(3);
    expect(rows.some((r) => r.aware_at !== r.detected_at && r.closed_at && r.reopen_count > 0 && r.subject_exemption === null)).toBe(true);
    expect(rows.some((r) => r.subject_exemption !== null && r.status === 'open' && r.reopen_count > 0)).toBe(true);
    expect(rows.some((r) => r.status === 'open' && r.next_due_at !== null)).toBe(true);
    expect(reference.timeline).toHaveLength(log.filter((e) => e.type !== 'breach.subject_notice_prepared').length);
  });

  it('the reference rows carry the last event of each breach (updated_at, position) and its state', () => {
    for (const id of ids) {
      const mine = log.filter((e) => e.data.breach_id === id);
      const lastEvent = mine[mine.length - 1];
      const row = JSON.parse(reference.breaches.find((r) => JSON.parse(r).breach_id === id)!);
      expect(Date.parse(row.updated_at)).toBe(Date.parse(lastEvent.metadata.occurred_at));
      expect([String(row.last_tx), String(row.last_pos)]).toEqual([lastEvent.position.tx.toString(), lastEvent.position.pos.toString()]);
      const state = mine.reduce((s, e) => evolveBreach(s, { type: e.type, data: e.data } as BreachEvent), initialBreachState());
      expect(row.state).toEqual(JSON.parse(JSON.stringify(state)));
      expect(row.reopen_count).toBe(state.reopen_count);
    }
  });

  it('(a) one event per call gives the reference rows', async () => {
    expect(await dump(await build(handle, log.map((e) => [e])))).toEqual(reference);
  });

  it('(b) the whole log in one call gives the reference rows', async () => {
    expect(await dump(await build(handle, [log]))).toEqual(reference);
  });

  it.each([1, 2, 3, 4, 5])('(c) random batch split (seed %i) gives the reference rows', async (seed) => {
    expect(await dump(await build(handle, randomSplit(log, seed, 1 + seed * 4)))).toEqual(reference);
  });

  it('(d) handling the log twice, and overlapping batches, change nothing', async () => {
    const twice = await build(handle, [log, log]);
    expect(await dump(twice)).toEqual(reference);
    const third = Math.floor(log.length / 3);
    const overlapping = await build(handle, [log.slice(0, 2 * third), log.slice(third), log.slice(third, third + 5), log.map((e) => e).reverse().slice(0, 7)]);
    expect(await dump(overlapping)).toEqual(reference);
    // one event per call, then everything again in random batches
    const perEvent = await build(handle, [...log.map((e) => [e]), ...randomSplit(log, 42, 9)]);
    expect(await dump(perEvent)).toEqual(reference);
  });

  it('runs the register\'s real rebuild path (applyBatch with its type filter) to the same rows', async () => {
    const schema = await newSchema();
    const { applyBatch, CHECKPOINT_SCHEMA } = await import('@pl/application');
    await db.exec(CHECKPOINT_SCHEMA);
    for (const b of randomSplit(log, 7, 25)) await applyBatch(db, breachRegisterProjection, b, b[b.length - 1].position, schema, `${schema}_cp`);
    expect(await dump(schema)).toEqual(reference);
  });
});
