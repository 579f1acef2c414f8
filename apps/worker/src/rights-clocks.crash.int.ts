import { CHECKPOINT_SCHEMA, ensureProjectionSchema, handleCommand } from '@pl/application';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import { SqlEventStore } from '@pl/eventstore';
import { rightsProjection } from '@pl/projections/rights';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { expectSameFactsAfterEachCrash, projectToHead, type CrashWorld } from '../../../test/support/crash-store';
import { tickRightsClocks } from './rights-clocks';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;
const at = (d: number) => new Date(T0.getTime() + d * DAY);
/** Due 1 Apr 2026 (30 days): on day 26 each request is due soon and its task has waited more than a day. */
const NOW = at(26);
const REQUESTS = ['6f1c2a40-0000-4000-8000-000000000001', '6f1c2a40-0000-4000-8000-000000000002', '6f1c2a40-0000-4000-8000-000000000003'];

/**
 * Crash test of the rights clocks process manager: a tick interrupted right after each of its
 * appends (due-soon alerts, task re-sends), then ticks run again, leaves the log an uninterrupted
 * run leaves (same facts, none twice).
 */
describe.each(SQL_BACKENDS)('rights clocks crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<CrashWorld & { f: FreshDatabase }> {
    const f = await open();
    const store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, rightsProjection);
    for (const [i, id] of REQUESTS.entries()) {
      const run = (cmd: RightsCommand) => handleCommand(store, requestDecider, requestStreamId(id), cmd, { actor: 'apikey:test', correlationId: id, now: cmd.now });
      await run({ type: 'ReceiveRequest', requestId: id, subjectKey: `sub_CRASHCLOCKCRASHCLOCKCRASHCLOCK0${i}`, requestType: 'access', jurisdiction: 'GDPR', channel: 'api', openRequests: [], now: at(0) });
      await run({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at(0) });
      await run({ type: 'DispatchTasks', tasks: [{ taskId: `t${i}`, systemId: 'crm', integration: 'kafka', categories: [] }], now: at(0) });
    }
    const project = () => projectToHead(f.db, store, rightsProjection);
    await project();
    return { f, store, project, close: async () => { await store.close(); await f.drop(); } };
  }

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    const { facts, appends } = await expectSameFactsAfterEachCrash({ world, tick: (w, store) => tickRightsClocks({ db: w.f.db, store }, NOW) });
    const alerts = facts.filter((x) => x.includes('"rights.request_due_soon"')).length;
    const resent = facts.filter((x) => x.includes('"rights.task_dispatched"') && x.includes('"attempt":2')).length;
    expect([alerts, resent, appends]).toEqual([REQUESTS.length, REQUESTS.length, 2 * REQUESTS.length]);
  });
});
