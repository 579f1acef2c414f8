import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pl/application';
import { DomainError } from '@pl/domain';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import { SqlEventStore } from '@pl/eventstore';
import { freshPglite, type FreshDatabase } from '../../../test/support/databases';
import { rightsResultRecorder } from './rights-results';


jest.setTimeout(120_000);
describe('rights results from the results topic (PGlite)', () => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const id = randomUUID();
  const now = new Date('2026-03-02T10:00:00Z');
  const run = (cmd: RightsCommand) => handleCommand(store, requestDecider, requestStreamId(id), cmd, { actor: 'apikey:test', correlationId: randomUUID(), now });
  const result = (over: Record<string, unknown> = {}) => ({
    result_id: randomUUID(), request_id: id, task_id: 't-crm', system_id: 'crm', outcome: 'done' as const, records_affected: 2, reason: null, data: null, reported_at: now.toISOString(), ...over,
  });

  beforeAll(async () => {
    f = await freshPglite();
    store = new SqlEventStore(f.db);
    await store.init();
    await run({ type: 'ReceiveRequest', requestId: id, subjectKey: 'sub_RESULTSRESULTSRESULTSRESULTS0000', requestType: 'erasure', jurisdiction: 'GDPR', channel: 'api', dataCategories: ['user.contact'], openRequests: [], now });
    await run({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now });
    await run({ type: 'DispatchTasks', tasks: [{ taskId: 't-crm', systemId: 'crm', integration: 'kafka', categories: ['user.contact.email'] }, { taskId: 't-ads', systemId: 'ads', integration: 'kafka', categories: ['user.contact.email'] }], now });
  });
  afterAll(() => f.drop());

  it('records results, ignores repeats, refuses answers to another system\'s task, and completes the request', async () => {
    const record = rightsResultRecorder({ store, clock: () => now });
    await record(result());
    await record(result());
    await expect(record(result({ task_id: 't-ads' }))).rejects.toBeInstanceOf(DomainError);
    await expect(record(result({ outcome: 'no_data' }))).rejects.toMatchObject({ code: 'conflict' });
    await record(result({ task_id: 't-ads', system_id: 'ads', outcome: 'cannot_comply', reason: 'backup tapes: deleted on next restore (11 CCR § 7022(d))' }));
    const types = (await store.readStream(requestStreamId(id))).events.map((e) => e.type);
    expect(types.filter((t) => t === 'rights.task_result_recorded')).toHaveLength(2);
    expect(types[types.length - 1]).toBe('rights.request_completed');
    const done = (await store.readStream(requestStreamId(id))).events.at(-1)!;
    expect(done.data).toMatchObject({ outcome: 'partially_completed', reasons: [{ system_id: 'ads', reason: expect.stringContaining('backup') }] });
    expect(done.metadata.actor).toBe('service:ads');
  });
});
