import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, handleCommand, readCheckpoint } from '@pl/application';
import { LOG_START } from '@pl/domain';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import { SqlEventStore } from '@pl/eventstore';
import { getRequest, rightsProjection } from '@pl/projections/rights';
import { freshPglite, type FreshDatabase } from '../../../test/support/databases';
import { processMetrics } from '../../common/metrics';
import { rightsClocksProcessManager, tickRightsClocks } from './rights-clocks';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;
const at = (d: number) => new Date(T0.getTime() + d * DAY);


jest.setTimeout(120_000);
describe('rights clocks process manager (PGlite)', () => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const id = randomUUID();
  const run = (cmd: RightsCommand) => handleCommand(store, requestDecider, requestStreamId(id), cmd, { actor: 'apikey:test', correlationId: randomUUID(), now: cmd.now });
  async function project(): Promise<void> {
    const cp = await readCheckpoint(f.db, rightsProjection.name);
    const events = await store.readAll(cp?.position ?? LOG_START);
    if (events.length) await applyBatch(f.db, rightsProjection, events, events[events.length - 1].position);
  }
  const typesOf = async () => (await store.readStream(requestStreamId(id))).events.map((e) => e.type);

  beforeAll(async () => {
    f = await freshPglite();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, rightsProjection);
    await run({ type: 'ReceiveRequest', requestId: id, subjectKey: 'sub_CLOCKCLOCKCLOCKCLOCKCLOCKCLOCK00', requestType: 'access', jurisdiction: 'GDPR', channel: 'api', openRequests: [], now: at(0) });
    await run({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(0) });
    await run({ type: 'DispatchTasks', tasks: [{ taskId: 't1', systemId: 'crm', integration: 'kafka', categories: [] }], now: at(0) });
    await project();
  });
  afterAll(() => f.drop());

  it('raises due-soon once, then overdue once, re-sends silent tasks and escalates after three sends', async () => {
    expect(await tickRightsClocks({ db: f.db, store }, at(0.5))).toEqual({ flagged: 0, retried: 0, escalated: 0 });
    expect(await tickRightsClocks({ db: f.db, store }, at(1.5))).toEqual({ flagged: 0, retried: 1, escalated: 0 });
    await project();
    expect(await tickRightsClocks({ db: f.db, store }, at(2))).toEqual({ flagged: 0, retried: 0, escalated: 0 });
    expect(await tickRightsClocks({ db: f.db, store }, at(3))).toEqual({ flagged: 0, retried: 1, escalated: 0 });
    await project();
    expect(await tickRightsClocks({ db: f.db, store }, at(4.5))).toEqual({ flagged: 0, retried: 0, escalated: 1 });
    await project();
    expect(await tickRightsClocks({ db: f.db, store }, at(5))).toEqual({ flagged: 0, retried: 0, escalated: 0 });
    // due 2 Apr 2026: due soon from 26 Mar
    expect((await tickRightsClocks({ db: f.db, store }, at(25))).flagged).toBe(1);
    // the projection has not caught up: the tick runs again, the decider refuses to repeat the alert
    expect((await tickRightsClocks({ db: f.db, store }, at(25.5))).flagged).toBe(0);
    await project();
    expect((await tickRightsClocks({ db: f.db, store }, at(26))).flagged).toBe(0);
    expect((await tickRightsClocks({ db: f.db, store }, at(32))).flagged).toBe(1);
    await project();
    expect((await tickRightsClocks({ db: f.db, store }, at(33))).flagged).toBe(0);
    expect((await typesOf()).filter((t) => t === 'rights.request_due_soon' || t === 'rights.request_overdue')).toEqual(['rights.request_due_soon', 'rights.request_overdue']);
    const r = await getRequest(f.db, id, at(33));
    expect(r).toMatchObject({ overdue: true, overdue_flagged: true, due_soon_flagged: true });
    expect(r!.tasks[0]).toMatchObject({ attempt: 3, escalated: true, status: 'dispatched' });
  });

  it('exports the numbers of overdue and due-soon requests as metrics', async () => {
    const metricsText = () => processMetrics().registry.metrics();
    // due 2 Apr 2026: 20 days left, then 3 days left (inside the 7-day window), then past due
    await rightsClocksProcessManager.tick({ db: f.db, store } as any, at(11));
    expect(await metricsText()).toMatch(/^pl_rights_requests_due_soon 0$/m);
    expect(await metricsText()).toMatch(/^pl_rights_requests_overdue 0$/m);
    await rightsClocksProcessManager.tick({ db: f.db, store } as any, at(28));
    expect(await metricsText()).toMatch(/^pl_rights_requests_due_soon 1$/m);
    expect(await metricsText()).toMatch(/^pl_rights_requests_overdue 0$/m);
    await rightsClocksProcessManager.tick({ db: f.db, store } as any, at(40));
    expect(await metricsText()).toMatch(/^pl_rights_requests_due_soon 0$/m);
    expect(await metricsText()).toMatch(/^pl_rights_requests_overdue 1$/m);
  });
});
