import { randomUUID } from 'node:crypto';
import { ensureProjectionSchema, handleCommand, storableEvent, type CommandContext } from '@pl/application';
import { LOG_START, type RecordedEvent } from '@pl/domain';
import { RIGHTS_PERSONAL_FIELDS, requestDecider, requestStreamId, type RequestType, type RightsCommand } from '@pl/domain/rights';
import { SqlEventStore, type SqlExecutor } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { ERASED_SUBJECT, rightsProjection } from './index';
import { applyLog, batchings, personalFieldEvents, projectLog, randomSplit, withPersonalFields, type Dump } from '../../test/support/batch-harness';

/**
 * rm_rights on the generic snapshot projection: the rows a realistic log of several requests leaves
 * (given/when/then, every per-event column), the same rows whatever the batch boundaries, handled
 * twice or in overlapping batches, on both backends; NUL/lone surrogates stored escaped (invariant
 * 10); the same rows whatever the personal fields hold (encrypted, shredded).
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

const POISON = '\u0000\ud800';
const ESCAPED = '\uFDD00000\uFDD0D800';
const TABLES: ReadonlyArray<readonly [string, string]> = [
  ['requests', 'request_id'],
  ['tasks', 'task_id'],
  ['timeline', 'request_id, tx, pos'],
  ['releases', 'event_id'],
  ['erasures', 'request_id'],
];


jest.setTimeout(180_000);
describe.each(SQL_BACKENDS)('rm_rights (snapshot projection) on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  let log: RecordedEvent[];
  let reference: Dump;
  const ids = { access: randomUUID(), erasure: randomUUID(), bobs: randomUUID(), carols: randomUUID(), daves: randomUUID(), eves: randomUUID(), alice2: randomUUID(), rect: randomUUID() };

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

  const project = (batches: ReadonlyArray<readonly RecordedEvent[]>) => projectLog(f.db, rightsProjection, TABLES, batches);
  const rowsOf = (dump: Dump, table: string) => dump[table].map((r) => JSON.parse(r) as Record<string, unknown>);

  beforeAll(async () => {
    f = await fresh();
    store = new SqlEventStore(f.db);
    await store.init();
    const { access, erasure, bobs, carols, daves, eves, alice2, rect } = ids;
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
    await run(rect, { ...receive(rect, eve, 'rectification', 'GDPR', 1), corrections: { 'user.contact.email': 'eve@example.org' } } as RightsCommand);
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
    await run(carols, { type: 'ExtendDeadline', reason: `volume of requests${POISON}`, now: at(5) });
    await run(erasure, { type: 'EscalateTask', taskId: `${erasure}:billing`, reason: 'no answer from billing', now: at(6) });
    await run(carols, { type: 'DispatchTasks', tasks: [{ taskId: `${carols}:crm`, systemId: 'crm', integration: 'kafka', categories: [] }], now: at(6) });
    await run(eves, { type: 'NotifyRestrictionLift', reason: 'accuracy verified', now: at(6) });
    await run(erasure, { type: 'RecordTaskResult', taskId: `${erasure}:crm`, outcome: 'done', recordsAffected: 4, now: at(7) });
    await run(access, { type: 'CompleteRequest', now: at(8) });
    await run(carols, { type: 'RecordTaskResult', taskId: `${carols}:crm`, outcome: 'done', recordsAffected: 2, data: { email: 'carol@example.com' }, now: at(8) });
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
    reference = await project(log.map((e) => [e]));
  });
  afterAll(() => f.drop());

  it('given the log, the register, tasks, releases, erasures and timeline hold what happened to each request', async () => {
    const types = new Set(log.map((e) => e.type));
    for (const t of ['rights.identity_verified', 'rights.identity_info_requested', 'rights.receipt_confirmed', 'rights.request_extended', 'rights.task_dispatched',
      'rights.recipient_notified', 'rights.task_escalated', 'rights.task_result_recorded', 'rights.data_released', 'rights.request_completed',
      'rights.request_rejected', 'rights.subject_erased', 'rights.restriction_lift_notified', 'rights.restriction_lifted', 'rights.request_due_soon', 'rights.request_overdue',
      'rights.corrections_provided', 'rights.task_data_received']) {
      expect(types).toContain(t);
    }
    const requests = rowsOf(reference, 'requests');
    const byId = new Map(requests.map((r) => [r.request_id as string, r]));
    const iso_ = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
    const acc = byId.get(ids.access)!;
    expect([acc.subject_key, acc.status, acc.outcome, acc.extended, acc.extension_reason, acc.verification_method, iso_(acc.verified_at), iso_(acc.closed_at)])
      .toEqual([ERASED_SUBJECT, 'completed', 'completed', true, 'complex request: six systems', 'documents', iso(1), iso(8)]);
    // a release after completion: updated_at moves on, closed_at stays the completion's time
    expect(iso_(acc.updated_at)).toBe(iso(9));
    expect(byId.get(ids.carols)).toMatchObject({ extension_reason: `volume of requests${ESCAPED}`, receipt_confirmed: true, verification_method: 'data_points', verification_level: 'reasonable_degree', tasks_total: 1, tasks_open: 0 });
    expect(byId.get(ids.bobs)).toMatchObject({ status: 'rejected', rejection_reason: 'manifestly_unfounded', outcome: null, verified: false, verified_at: null });
    // an event after the rejection (one the decider would not write) keeps rejection_reason and closed_at
    expect([iso_(byId.get(ids.bobs)!.closed_at), byId.get(ids.bobs)!.receipt_confirmed]).toEqual([iso(10), true]);
    const d = byId.get(ids.daves)!;
    expect([d.verification_method, d.verification_level, iso_(d.verified_at), d.status]).toEqual(['none', 'not_required', iso(0), 'completed']);
    expect(byId.get(ids.eves)).toMatchObject({ restriction: 'lifted', subject_key: eve });
    expect(byId.get(ids.rect)).toMatchObject({ request_type: 'rectification', status: 'received', verified: false, subject_key: eve });
    const er = byId.get(ids.erasure)!;
    expect([er.subject_key, er.status, er.ledger_erased, er.tasks_total, er.tasks_open, iso_(er.closed_at)]).toEqual([ERASED_SUBJECT, 'partially_completed', true, 2, 0, iso(10)]);
    // the erased subject comes back: the later request keeps its pseudonym
    expect(byId.get(ids.alice2)).toMatchObject({ subject_key: alice, overdue_flagged: true, due_soon_flagged: true, status: 'verified' });
    expect((acc.state as { request: { subject_key: string } }).request.subject_key).toBe(ERASED_SUBJECT);
    const tasks = rowsOf(reference, 'tasks');
    const billing = tasks.find((t) => t.task_id === `${ids.erasure}:billing`)!;
    // retried (attempt 2, dispatched again at day 5), escalated, then a result; an escalation after the result keeps result_at
    expect([billing.subject_key, billing.attempt, billing.escalated, billing.status, billing.reason, iso_(billing.dispatched_at), iso_(billing.result_at)])
      .toEqual([ERASED_SUBJECT, 2, true, 'cannot_comply', 'legal hold', iso(5), iso(10)]);
    expect(tasks.map((t) => [t.task_id, t.status])).toEqual(expect.arrayContaining([[`${ids.daves}:crm`, 'no_data'], [`${ids.carols}:crm`, 'done'], [`${ids.erasure}:crm`, 'done']]));
    expect(tasks).toHaveLength(4);
    expect(rowsOf(reference, 'releases').map((r) => [r.request_id, r.subject_key, r.format])).toEqual(
      expect.arrayContaining([[ids.access, ERASED_SUBJECT, 'json'], [ids.access, ERASED_SUBJECT, 'json'], [ids.alice2, alice, 'csv']]),
    );
    expect(reference.releases).toHaveLength(3);
    expect(rowsOf(reference, 'erasures')).toEqual([expect.objectContaining({ request_id: ids.erasure, ground: 'GDPR Art. 17(1)(b)', data_keys_shredded: 1, read_models_purged: ['consent'] })]);
    expect(reference.timeline).toHaveLength(log.length);
    expect(log.map((e) => e.type).slice(-2)).toEqual(['rights.task_escalated', 'rights.receipt_confirmed']);
  });

  it('gives the rows of one event at a time whatever the batches: all at once, random splits, twice, overlapping', async () => {
    for (const [how, batches] of batchings(log, [1, 2, 3, 4, 5, 6])) expect({ how, rows: await project(batches) }).toEqual({ how, rows: reference });
  });

  it('runs the real batch path (applyBatch with its checkpoint) to the same rows', async () => {
    expect(await applyLog(f.db, rightsProjection, TABLES, randomSplit(log, 7, 9))).toEqual(reference);
  });

  it('writes a whole batch in a handful of statements: one read and one per table, again after each erasure', async () => {
    const erasures = log.filter((e) => e.type === 'rights.subject_erased').length;
    const upToErasure = log.slice(0, log.findIndex((e) => e.type === 'rights.subject_erased'));
    // read, requests upsert, tasks delete + insert, timeline, releases, erasures
    expect(await statements(upToErasure)).toBeLessThanOrEqual(7);
    expect(await statements(log)).toBeLessThanOrEqual(7 * (erasures + 1) + 3 * erasures);
  });

  it('gives the same rows whatever the personal fields hold (other ciphertext, shredded key): the fold reads none of them', async () => {
    expect(personalFieldEvents(log, RIGHTS_PERSONAL_FIELDS, null)).toBe(7);
    for (const marker of [null, { v: 1, alg: 'AES-256-GCM', ct: 'AAAA' }, 'erased']) {
      expect(await project([withPersonalFields(log, RIGHTS_PERSONAL_FIELDS, marker)])).toEqual(reference);
    }
    expect(JSON.stringify(reference)).not.toMatch(/eve@example\.org|carol@example\.com/);
  });

  async function statements(events: readonly RecordedEvent[]): Promise<number> {
    const schema = `rm_rights_count_${process.pid}`;
    await f.db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await ensureProjectionSchema(f.db, rightsProjection, schema);
    let n = 0;
    await f.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('search_path', $1, true)`, [`${schema}, public`]);
      const counting: SqlExecutor = { query: (sql, params, options) => (n++, tx.query(sql, params, options)), exec: (sql) => (n++, tx.exec(sql)) };
      await rightsProjection.handle(counting, events.map(storableEvent));
    });
    await f.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    return n;
  }
});
