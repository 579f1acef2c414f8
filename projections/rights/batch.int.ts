import { randomUUID } from 'node:crypto';
import { ensureProjectionSchema, handleCommand, type CommandContext } from '@pl/application';
import { LOG_START, type RecordedEvent } from '@pl/domain';
import { evolveRequest, initialRequestState, requestDecider, requestStreamId, type RequestState, type RequestType, type RightsCommand, type RightsEvent } from '@pl/domain/rights';
import { SqlEventStore, type SqlExecutor } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { ERASED_SUBJECT } from './index';
const handleRights = (tx: SqlExecutor, ev: readonly RecordedEvent[]) => rightsProjection.handle(tx, ev);
import { rightsProjection } from './index';
import { handleIntoSchema, prng, randomSplit } from '../../test/support/batch-harness';

/**
 * The batched handler against the event-at-a-time handler it replaced (kept below, verbatim, as the
 * oracle): a realistic log of several requests handled one event per call, in one call, in random
 * batches, twice and in overlapping batches gives the same rows, every column, on both backends.
 */

const T0 = new Date('2026-03-02T10:00:00.000Z');
const day = 86_400_000;
const at = (d: number) => new Date(T0.getTime() + d * day);
const iso = (d: number) => at(d).toISOString();
const alice = 'sub_ALICEALICEALICEALICEALICEALICE00';
const bob = 'sub_BOBBOBBOBBOBBOBBOBBOBBOBBOBBOB00';
const carol = 'sub_CAROLCAROLCAROLCAROLCAROLCARO000';
const dave = 'sub_DAVEDAVEDAVEDAVEDAVEDAVEDAVE0000';
const eve = 'sub_EVEEVEEVEEVEEVEEVEEVEEVEEVEEV000';

type Dump = Record<string, Array<Record<string, unknown>>>;
const TABLES: ReadonlyArray<readonly [string, string]> = [
  ['requests', 'request_id'],
  ['tasks', 'task_id'],
  ['timeline', 'request_id, tx, pos'],
  ['releases', 'event_id'],
  ['erasures', 'request_id'],
];


jest.setTimeout(180_000);
describe.each(SQL_BACKENDS)('rights projection, batched handler on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  let log: RecordedEvent[];
  let reference: Dump;
  let schemas = 0;
  const ids = { access: randomUUID(), erasure: randomUUID(), bobs: randomUUID(), carols: randomUUID(), daves: randomUUID(), eves: randomUUID(), alice2: randomUUID() };

  const run = async (id: string, cmd: RightsCommand) => {
    const c: CommandContext = { actor: `apikey:${id.slice(0, 4)}`, correlationId: randomUUID(), now: cmd.now };
    return handleCommand(store, requestDecider, requestStreamId(id), cmd, c);
  };
  const receive = (id: string, subjectKey: string, requestType: RequestType, jurisdiction: 'GDPR' | 'CCPA', d: number): RightsCommand => ({
    type: 'ReceiveRequest', requestId: id, subjectKey, requestType, jurisdiction, channel: 'web_form', openRequests: [], now: at(d),
  });

  const append = (id: string, type: string, data: unknown, d: number) =>
    store.append(requestStreamId(id), [{ type, data, metadata: { event_id: randomUUID(), occurred_at: iso(d), recorded_at: iso(d), actor: 'system', correlation_id: randomUUID(), causation_id: null } }], 'any');

  /** readAll returns events of transactions older than the server's oldest running one (shared server): wait until all are visible. */
  async function wholeLog(): Promise<RecordedEvent[]> {
    const total = Number((await f.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
    for (let i = 0; ; i++) {
      const events = await store.readAll(LOG_START);
      if (events.length === total || i === 600) return events;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Handles `batches` (one transaction each) into a fresh schema with `handler`; returns every table, every column, ordered. */
  async function project(batches: ReadonlyArray<readonly RecordedEvent[]>, handler = handleRights): Promise<Dump> {
    const schema = await handleIntoSchema(f.db, rightsProjection, `rm_rights_t${++schemas}`, handler, batches);
    const out: Dump = {};
    for (const [table, order] of TABLES) out[table] = (await f.db.query(`SELECT * FROM ${schema}.${table} ORDER BY ${order}`)).rows;
    await f.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    return out;
  }

  beforeAll(async () => {
    f = await fresh();
    store = new SqlEventStore(f.db);
    await store.init();
    const { access, erasure, bobs, carols, daves, eves, alice2 } = ids;
    const retained = [{ system_id: 'billing', category: 'user.financial.transaction', reason_code: 'legal_obligation', source: 'GDPR Art. 17(3)(b)', explanation: 'tax', retain_until: '2033-03-04' }];
    // interleaved, as a real log is: several requests of several types and jurisdictions
    await run(access, receive(access, alice, 'access', 'GDPR', 0));
    await run(bobs, receive(bobs, bob, 'access', 'GDPR', 0));
    await run(carols, { ...receive(carols, carol, 'access', 'CCPA', 0), accessScope: 'categories' } as RightsCommand);
    await run(daves, receive(daves, dave, 'opt_out_sale_sharing', 'CCPA', 0)); // no verification: verified_at = received_at
    await run(access, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(1) });
    await run(carols, { type: 'ConfirmReceipt', now: at(1) });
    await run(bobs, { type: 'RequestIdentityInfo', reason: 'the e-mail address does not match', now: at(1) });
    await run(eves, receive(eves, eve, 'restriction', 'GDPR', 1));
    await run(carols, { type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 2 }, now: at(2) });
    await run(erasure, receive(erasure, alice, 'erasure', 'GDPR', 2));
    await run(daves, { type: 'DispatchTasks', tasks: [{ taskId: `${daves}:crm`, systemId: 'crm', integration: 'webhook', categories: ['user.contact'] }], now: at(2) });
    await run(erasure, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(3) });
    await run(access, { type: 'ExtendDeadline', reason: 'complex request: six systems', now: at(3) });
    await run(eves, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(3) });
    await run(erasure, {
      type: 'DispatchTasks',
      tasks: [
        { taskId: `${erasure}:crm`, systemId: 'crm', integration: 'kafka', categories: ['user.contact.email'] },
        { taskId: `${erasure}:billing`, systemId: 'billing', integration: 'manual', categories: [], retained },
      ],
      recipients: ['payment-provider'],
      now: at(3),
    });
    await run(daves, { type: 'RecordTaskResult', taskId: `${daves}:crm`, outcome: 'no_data', now: at(4) }); // completes dave's request
    await run(access, { type: 'RecordDataRelease', releasedTo: 'apikey:test', sections: ['consents', 'receipts'], format: 'json', items: 3, now: at(4) });
    await run(erasure, { type: 'RetryTask', taskId: `${erasure}:billing`, now: at(5) });
    await run(carols, { type: 'ExtendDeadline', reason: 'volume of requests', now: at(5) });
    await run(erasure, { type: 'EscalateTask', taskId: `${erasure}:billing`, reason: 'no answer from billing', now: at(6) });
    await run(carols, { type: 'DispatchTasks', tasks: [{ taskId: `${carols}:crm`, systemId: 'crm', integration: 'kafka', categories: [] }], now: at(6) });
    await run(eves, { type: 'NotifyRestrictionLift', reason: 'accuracy verified', now: at(6) });
    await run(erasure, { type: 'RecordTaskResult', taskId: `${erasure}:crm`, outcome: 'done', recordsAffected: 4, now: at(7) });
    await run(access, { type: 'CompleteRequest', now: at(8) });
    await run(carols, { type: 'RecordTaskResult', taskId: `${carols}:crm`, outcome: 'done', recordsAffected: 2, now: at(8) });
    await run(eves, { type: 'LiftRestriction', now: at(8) });
    // a release after completion: closed_at stays the completion's time
    await run(access, { type: 'RecordDataRelease', releasedTo: 'apikey:dpo', sections: ['receipts'], format: 'json', items: 2, now: at(9) });
    await run(erasure, { type: 'RecordLedgerErasure', dataKeysShredded: 1, readModelsPurged: ['consent'], ground: 'GDPR Art. 17(1)(b)', now: at(9) });
    await run(erasure, { type: 'RecordTaskResult', taskId: `${erasure}:billing`, outcome: 'cannot_comply', reason: 'legal hold', now: at(10) });
    await run(bobs, { type: 'RejectRequest', reason: 'manifestly_unfounded', explanation: 'the tenth identical request this month', now: at(10) });
    // the erased subject comes back: this request is after the erasure and keeps its pseudonym
    await run(alice2, receive(alice2, alice, 'access', 'GDPR', 11));
    await run(alice2, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(11) });
    await run(alice2, { type: 'RecordDataRelease', releasedTo: 'apikey:test', sections: ['consents'], format: 'csv', items: 1, now: at(12) });
    await run(carols, { type: 'FlagDeadlines', now: at(40) });
    await run(alice2, { type: 'FlagDeadlines', now: at(36) });
    await run(alice2, { type: 'FlagDeadlines', now: at(45) });
    await run(eves, { type: 'FlagDeadlines', now: at(45) });
    // events the decider would not write, but a log may hold (older versions, other writers): a task event after the
    // task's result keeps result_at, an event after a rejection keeps rejection_reason and closed_at
    await append(erasure, 'rights.task_escalated', { request_id: erasure, task_id: `${erasure}:billing`, system_id: 'billing', reason: 'late', escalated_at: iso(13) }, 13);
    await append(bobs, 'rights.receipt_confirmed', { request_id: bobs, confirmed_at: iso(13) }, 13);
    log = await wholeLog();
    reference = await project(log.map((e) => [e]), legacyHandleRights);
  });
  afterAll(() => f.drop());

  it('the log covers every per-event column, and the reference rows hold them', async () => {
    const types = new Set(log.map((e) => e.type));
    for (const t of ['rights.identity_verified', 'rights.identity_info_requested', 'rights.receipt_confirmed', 'rights.request_extended', 'rights.task_dispatched',
      'rights.recipient_notified', 'rights.task_escalated', 'rights.task_result_recorded', 'rights.data_released', 'rights.request_completed',
      'rights.request_rejected', 'rights.subject_erased', 'rights.restriction_lift_notified', 'rights.restriction_lifted', 'rights.request_due_soon', 'rights.request_overdue']) {
      expect(types).toContain(t);
    }
    const byId = new Map(reference.requests.map((r) => [r.request_id as string, r]));
    const iso_ = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
    const acc = byId.get(ids.access)!;
    expect([acc.subject_key, acc.status, acc.outcome, acc.extended, acc.extension_reason, acc.verification_method, iso_(acc.verified_at), iso_(acc.closed_at)])
      .toEqual([ERASED_SUBJECT, 'completed', 'completed', true, 'complex request: six systems', 'documents', iso(1), iso(8)]);
    expect(iso_(acc.updated_at)).toBe(iso(9));
    expect(byId.get(ids.carols)).toMatchObject({ extension_reason: 'volume of requests', receipt_confirmed: true, verification_method: 'data_points', verification_level: 'reasonable_degree' });
    expect(byId.get(ids.bobs)).toMatchObject({ status: 'rejected', rejection_reason: 'manifestly_unfounded', outcome: null, verified: false, verified_at: null });
    expect([iso_(byId.get(ids.bobs)!.closed_at), byId.get(ids.bobs)!.receipt_confirmed]).toEqual([iso(10), true]);
    const d = byId.get(ids.daves)!;
    expect([d.verification_method, d.verification_level, iso_(d.verified_at), d.status]).toEqual(['none', 'not_required', iso(0), 'completed']);
    expect(byId.get(ids.eves)).toMatchObject({ restriction: 'lifted' });
    const er = byId.get(ids.erasure)!;
    expect([er.subject_key, er.status, er.ledger_erased, er.tasks_total, er.tasks_open, iso_(er.closed_at)]).toEqual([ERASED_SUBJECT, 'partially_completed', true, 2, 0, iso(10)]);
    expect(byId.get(ids.alice2)).toMatchObject({ subject_key: alice, overdue_flagged: true, due_soon_flagged: true });
    const billing = reference.tasks.find((t) => t.task_id === `${ids.erasure}:billing`)!;
    expect([billing.subject_key, billing.attempt, billing.escalated, billing.status, billing.reason, iso_(billing.dispatched_at), iso_(billing.result_at)])
      .toEqual([ERASED_SUBJECT, 2, true, 'cannot_comply', 'legal hold', iso(5), iso(10)]);
    expect(reference.releases.map((r) => [r.request_id, r.subject_key])).toEqual(expect.arrayContaining([[ids.access, ERASED_SUBJECT], [ids.alice2, alice]]));
    expect(reference.erasures).toEqual([expect.objectContaining({ request_id: ids.erasure, ground: 'GDPR Art. 17(1)(b)', data_keys_shredded: 1 })]);
    expect(reference.timeline).toHaveLength(log.length);
    expect(log.map((e) => e.type).slice(-2)).toEqual(['rights.task_escalated', 'rights.receipt_confirmed']);
    expect(reference.releases).toHaveLength(3);
  });

  it('(a) one event per call gives the rows of the event-at-a-time handler', async () => {
    expect(await project(log.map((e) => [e]))).toEqual(reference);
  });

  it('(b) the whole log in one call gives the same rows, in a handful of statements', async () => {
    expect(await project([log])).toEqual(reference);
    // statements per call: 1 read + at most 6 writes per segment (a segment ends at each erasure), 3 per anonymisation
    const erasures = log.filter((e) => e.type === 'rights.subject_erased').length;
    const upToErasure = log.slice(0, log.findIndex((e) => e.type === 'rights.subject_erased'));
    expect(await statements(upToErasure)).toBeLessThanOrEqual(7);
    expect(await statements(log)).toBeLessThanOrEqual(7 * (erasures + 1) + 3 * erasures);
  });

  it('(c) random batch splits give the same rows', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      expect(await project(randomSplit(log, seed, 2 + seed * 3))).toEqual(reference);
    }
  });

  it('(d) the whole log twice, and overlapping batches, change nothing', async () => {
    expect(await project([log, log])).toEqual(reference);
    const half = Math.floor(log.length / 2);
    expect(await project([log.slice(0, half + 5), log.slice(half - 5), log.slice(3, 20)])).toEqual(reference);
    const next = prng(42);
    const windows: RecordedEvent[][] = [];
    for (let end = 0; end < log.length; ) {
      const start = Math.max(0, end - Math.floor(next() * 6));
      end = Math.min(log.length, end + 1 + Math.floor(next() * 8));
      windows.push(log.slice(start, end));
    }
    expect(await project(windows)).toEqual(reference);
  });

  async function statements(events: readonly RecordedEvent[]): Promise<number> {
    const schema = `rm_rights_t${++schemas}`;
    await ensureProjectionSchema(f.db, rightsProjection, schema);
    let n = 0;
    await f.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('search_path', $1, true)`, [`${schema}, public`]);
      const counting: SqlExecutor = { query: (sql, params, options) => (n++, tx.query(sql, params, options)), exec: (sql) => (n++, tx.exec(sql)) };
      await handleRights(counting, events);
    });
    await f.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    return n;
  }
});

// ---- the event-at-a-time handler this replaced (commit aea96f6), the oracle of the tests above ----

async function legacyHandleRights(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    if (!e.type.startsWith('rights.')) continue;
    const requestId = (e.data as { request_id?: string }).request_id;
    if (!requestId) continue;
    const existing = await tx.query<{ state: RequestState | string; last_tx: string; last_pos: string }>(
      'SELECT state, last_tx::text AS last_tx, last_pos::text AS last_pos FROM requests WHERE request_id = $1',
      [requestId],
    );
    const row = existing.rows[0];
    if (row && (BigInt(row.last_tx) > e.position.tx || (BigInt(row.last_tx) === e.position.tx && BigInt(row.last_pos) >= e.position.pos))) continue;
    const before: RequestState = row ? (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) : initialRequestState();
    const event = { type: e.type, data: e.data } as RightsEvent;
    const state = evolveRequest(before, event);
    if (state.status === 'none' || !state.request) continue;
    await legacyUpsertRequest(tx, state, event, e);
    await tx.query('INSERT INTO timeline (request_id, tx, pos, type, occurred_at, actor) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING', [
      requestId,
      e.position.tx.toString(),
      e.position.pos.toString(),
      e.type,
      e.metadata.occurred_at,
      e.metadata.actor,
    ]);
    if (event.type === 'rights.task_dispatched' || event.type === 'rights.task_result_recorded' || event.type === 'rights.task_escalated') {
      const t = state.tasks[event.data.task_id];
      if (t) await legacyUpsertTask(tx, state, t.task_id, event, e);
    }
    if (event.type === 'rights.data_released') {
      const d = event.data;
      await tx.query(
        'INSERT INTO releases (event_id, request_id, subject_key, released_to, sections, format, items, released_at) VALUES ($1,$2,$3,$4,$5::jsonb,$6,$7,$8) ON CONFLICT DO NOTHING',
        [e.metadata.event_id, d.request_id, d.subject_key, d.released_to, JSON.stringify(d.sections), d.format, d.items, d.released_at],
      );
    }
    if (event.type === 'rights.subject_erased') {
      const d = event.data;
      await tx.query(
        'INSERT INTO erasures (request_id, erased_at, ground, data_keys_shredded, read_models_purged) VALUES ($1,$2,$3,$4,$5::jsonb) ON CONFLICT DO NOTHING',
        [d.request_id, d.erased_at, d.ground, d.erased.data_keys_shredded, JSON.stringify(d.erased.read_models_purged)],
      );
      await tx.query(
        `UPDATE requests SET subject_key = $2, state = jsonb_set(state, '{request,subject_key}', to_jsonb($2::text)) WHERE subject_key = $1`,
        [d.subject_key, ERASED_SUBJECT],
      );
      await tx.query('UPDATE tasks SET subject_key = $2 WHERE subject_key = $1', [d.subject_key, ERASED_SUBJECT]);
      await tx.query('UPDATE releases SET subject_key = $2 WHERE subject_key = $1', [d.subject_key, ERASED_SUBJECT]);
    }
  }
}

async function legacyUpsertRequest(tx: SqlExecutor, s: RequestState, event: RightsEvent, e: RecordedEvent): Promise<void> {
  const r = s.request!;
  const tasks = Object.values(s.tasks);
  const closed = s.status === 'completed' || s.status === 'partially_completed' || s.status === 'rejected';
  const verification = event.type === 'rights.identity_verified' ? event.data : null;
  await tx.query(
    `INSERT INTO requests (request_id, subject_key, request_type, jurisdiction, channel, status, received_at, due_at, confirm_by, receipt_confirmed,
       verification_required, verified, verified_at, verification_method, verification_level, extended, extension_reason, due_soon_flagged,
       overdue_flagged, outcome, rejection_reason, closed_at, restriction, ledger_erased, tasks_total, tasks_open, state, updated_at, last_tx, last_pos)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27::jsonb,$28,$29,$30)
     ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, due_at = EXCLUDED.due_at, receipt_confirmed = EXCLUDED.receipt_confirmed,
       verified = EXCLUDED.verified, verified_at = COALESCE(EXCLUDED.verified_at, requests.verified_at),
       verification_method = COALESCE(EXCLUDED.verification_method, requests.verification_method),
       verification_level = COALESCE(EXCLUDED.verification_level, requests.verification_level), extended = EXCLUDED.extended,
       extension_reason = COALESCE(EXCLUDED.extension_reason, requests.extension_reason), due_soon_flagged = EXCLUDED.due_soon_flagged,
       overdue_flagged = EXCLUDED.overdue_flagged, outcome = COALESCE(EXCLUDED.outcome, requests.outcome),
       rejection_reason = COALESCE(EXCLUDED.rejection_reason, requests.rejection_reason), closed_at = COALESCE(requests.closed_at, EXCLUDED.closed_at),
       restriction = EXCLUDED.restriction, ledger_erased = EXCLUDED.ledger_erased, tasks_total = EXCLUDED.tasks_total, tasks_open = EXCLUDED.tasks_open,
       state = EXCLUDED.state, updated_at = EXCLUDED.updated_at, last_tx = EXCLUDED.last_tx, last_pos = EXCLUDED.last_pos`,
    [
      r.request_id, r.subject_key, r.request_type, r.jurisdiction, r.channel, s.status, r.received_at, s.dueAt, r.confirm_by, s.receiptConfirmed,
      r.verification_required, s.verified,
      verification?.verified_at ?? (r.verification_required ? null : r.received_at),
      verification?.method ?? (r.verification_required ? null : 'none'),
      verification?.level ?? (r.verification_required ? null : 'not_required'),
      s.extended,
      event.type === 'rights.request_extended' ? event.data.reason : null,
      s.alerts.includes(`due_soon@${s.dueAt}`),
      s.alerts.includes(`overdue@${s.dueAt}`),
      closed && s.status !== 'rejected' ? s.status : null,
      event.type === 'rights.request_rejected' ? event.data.reason : null,
      closed ? e.metadata.occurred_at : null,
      s.restriction, s.ledgerErased, tasks.length, tasks.filter((t) => t.status === 'dispatched').length, JSON.stringify(s), e.metadata.occurred_at,
      e.position.tx.toString(), e.position.pos.toString(),
    ],
  );
}

async function legacyUpsertTask(tx: SqlExecutor, s: RequestState, taskId: string, event: RightsEvent, e: RecordedEvent): Promise<void> {
  const t = s.tasks[taskId];
  const r = s.request!;
  const dispatchedAt = event.type === 'rights.task_dispatched' ? event.data.dispatched_at : e.metadata.occurred_at;
  await tx.query(
    `INSERT INTO tasks (task_id, request_id, subject_key, system_id, integration, request_type, categories, retained, status, reason, attempt, escalated, dispatched_at, result_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8::jsonb,$9,$10,$11,$12,$13,$14)
     ON CONFLICT (task_id) DO UPDATE SET retained = EXCLUDED.retained, status = EXCLUDED.status, reason = EXCLUDED.reason, attempt = EXCLUDED.attempt,
       escalated = EXCLUDED.escalated, result_at = COALESCE(EXCLUDED.result_at, tasks.result_at),
       dispatched_at = CASE WHEN $15::boolean THEN EXCLUDED.dispatched_at ELSE tasks.dispatched_at END`,
    [
      t.task_id, r.request_id, r.subject_key, t.system_id, t.integration, r.request_type, JSON.stringify(t.categories), JSON.stringify(t.retained),
      t.status, t.reason, t.attempt, t.escalated, dispatchedAt,
      event.type === 'rights.task_result_recorded' ? event.data.recorded_at : null,
      event.type === 'rights.task_dispatched',
    ],
  );
}
