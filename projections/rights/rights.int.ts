import { randomUUID } from 'node:crypto';
import { handleCommand, rebuildProjection, type CommandContext } from '@pl/application';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import type { SqlEventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { projectWholeLog, projectionFixture } from '../../test/support/project-log';
import { ERASED_SUBJECT, getRequest, listRequests, openRequestsOfSubject, overdueCount, requestsNeedingAlert, requestsOfSubject, rightsProjection } from './index';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const day = 86_400_000;
const at = (d: number) => new Date(T0.getTime() + d * day);
const ctx = (d: number): CommandContext => ({ actor: 'apikey:test', correlationId: randomUUID(), now: at(d) });
const alice = 'sub_ALICEALICEALICEALICEALICEALICE00';
const bob = 'sub_BOBBOBBOBBOBBOBBOBBOBBOBBOBBOB00';


jest.setTimeout(120_000);
describe.each(SQL_BACKENDS)('rights projection on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  const erasure = randomUUID();
  const access = randomUUID();
  const bobs = randomUUID();

  const run = (id: string, cmd: RightsCommand) => handleCommand(store, requestDecider, requestStreamId(id), cmd, ctx((cmd.now.getTime() - T0.getTime()) / day));
  const project = () => projectWholeLog(f.db, store, rightsProjection);
  const dump = async () => {
    const out: Record<string, unknown[]> = {};
    for (const t of ['requests', 'tasks', 'timeline', 'releases', 'erasures']) out[t] = (await f.db.query(`SELECT * FROM rm_rights.${t} ORDER BY 1, 2`)).rows;
    return out;
  };

  beforeAll(async () => {
    ({ f, store } = await projectionFixture(fresh, rightsProjection));
    const receive = (id: string, subjectKey: string, requestType: 'erasure' | 'access', d: number): RightsCommand => ({
      type: 'ReceiveRequest', requestId: id, subjectKey, requestType, jurisdiction: 'GDPR', channel: 'api', openRequests: [], now: at(d),
    });
    await run(access, receive(access, alice, 'access', 0));
    await run(access, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(0) });
    await run(access, { type: 'RecordDataRelease', releasedTo: 'apikey:test', sections: ['consents'], format: 'json', items: 3, now: at(1) });
    await run(access, { type: 'CompleteRequest', now: at(1) });
    await run(erasure, receive(erasure, alice, 'erasure', 2));
    await run(erasure, { type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(2) });
    await run(erasure, {
      type: 'DispatchTasks',
      tasks: [
        { taskId: `${erasure}:crm`, systemId: 'crm', integration: 'kafka', categories: ['user.contact.email'] },
        { taskId: `${erasure}:billing`, systemId: 'billing', integration: 'manual', categories: [], retained: [{ system_id: 'billing', category: 'user.financial.transaction', reason_code: 'legal_obligation', source: 'GDPR Art. 17(3)(b)', explanation: 'tax', retain_until: '2033-03-04' }] },
      ],
      now: at(2),
    });
    await run(erasure, { type: 'RecordTaskResult', taskId: `${erasure}:crm`, outcome: 'done', recordsAffected: 4, now: at(3) });
    await run(bobs, receive(bobs, bob, 'access', 0));
    await project();
  });
  afterAll(() => f.drop());

  it('registers requests with due dates, verification and per-system tasks', async () => {
    const r = await getRequest(f.db, erasure, at(4));
    expect(r).toMatchObject({
      request_id: erasure, subject_key: alice, request_type: 'erasure', status: 'in_progress', verified: true, verification_method: 'documents',
      tasks_total: 2, tasks_open: 1, overdue: false, confirmation_overdue: false, recipients_notified: [],
    });
    expect(new Date(r!.due_at).toISOString()).toBe('2026-04-07T22:59:59.999Z'); // 4 Apr 2026 is Saturday, 6 Apr Easter Monday
    expect(r!.tasks.map((t) => [t.system_id, t.status])).toEqual([['billing', 'dispatched'], ['crm', 'done']].sort());
    expect(r!.tasks.find((t) => t.system_id === 'billing')!.retained).toEqual([expect.objectContaining({ reason_code: 'legal_obligation' })]);
  });

  it('answers duplicate detection and the subject filter without mixing subjects', async () => {
    expect(await openRequestsOfSubject(f.db, alice)).toEqual([{ request_id: erasure, request_type: 'erasure' }]);
    expect((await requestsOfSubject(f.db, bob, at(1))).map((r) => r.request_id)).toEqual([bobs]);
  });

  it('flags overdue requests in queries and finds those needing an alert', async () => {
    expect(await overdueCount(f.db, at(10))).toBe(0);
    expect(await overdueCount(f.db, at(40))).toBe(2); // alice's erasure and bob's access are open
    expect((await listRequests(f.db, { now: at(40), overdue: true })).map((r) => r.request_id).sort()).toEqual([erasure, bobs].sort());
    expect((await requestsNeedingAlert(f.db, at(10), 7 * day)).length).toBe(0);
    expect((await requestsNeedingAlert(f.db, at(26), 7 * day)).map((r) => r.request_id)).toEqual([bobs]);
  });

  it('anonymises the subject after erasure, keeps the accountability facts, and rebuilds identically', async () => {
    await run(erasure, { type: 'RecordLedgerErasure', dataKeysShredded: 1, readModelsPurged: ['consent'], ground: 'GDPR Art. 17(1)(b)', now: at(3) });
    await run(erasure, { type: 'RecordTaskResult', taskId: `${erasure}:billing`, outcome: 'done', recordsAffected: 0, now: at(4) });
    await project();
    const r = await getRequest(f.db, erasure, at(5));
    expect(r).toMatchObject({ subject_key: ERASED_SUBJECT, status: 'partially_completed', outcome: 'partially_completed', ledger_erased: true });
    expect((await getRequest(f.db, access, at(5)))!.subject_key).toBe(ERASED_SUBJECT);
    const all = JSON.stringify(await dump());
    expect(all).not.toContain(alice);
    expect(all).toContain(bob);
    const before = await dump();
    await rebuildProjection(f.db, store, rightsProjection);
    expect(await dump()).toEqual(before);
  });
});
