import { CHECKPOINT_SCHEMA, ensureProjectionSchema, handleCommand } from '@pl/application';
import { requestDecider, requestStreamId, type RightsCommand } from '@pl/domain/rights';
import { SqlEventStore } from '@pl/eventstore';
import { rightsProjection } from '@pl/projections/rights';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { SimulatedCrash, crashingAfter, factsOf, projectToHead } from '../../../test/support/crash-store';
import { tickRightsClocks } from './rights-clocks';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;
const at = (d: number) => new Date(T0.getTime() + d * DAY);
/** Due 1 Apr 2026 (30 days): on day 26 each request is due soon and its task has waited more than a day. */
const NOW = at(26);
const REQUESTS = ['6f1c2a40-0000-4000-8000-000000000001', '6f1c2a40-0000-4000-8000-000000000002', '6f1c2a40-0000-4000-8000-000000000003'];

type World = { f: FreshDatabase; store: SqlEventStore; project: () => Promise<void> };

/**
 * Crash test of the rights clocks process manager: a tick interrupted right after each of its
 * appends (due-soon alerts, task re-sends), then ticks run again, leaves the log an uninterrupted
 * run leaves (same facts, none twice).
 */
describe.each(SQL_BACKENDS)('rights clocks crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<World> {
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
    return { f, store, project };
  }

  const appended = (r: { flagged: number; retried: number; escalated: number }) => r.flagged + r.retried + r.escalated;

  /** Ticks (projecting between them, as the worker's projections do) until a tick appends nothing. */
  async function tickUntilQuiet(w: World): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await w.project();
      if (appended(await tickRightsClocks({ db: w.f.db, store: w.store }, NOW)) === 0) return;
    }
    throw new Error('the rights clock ticks never settled');
  }

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    const clean = await world();
    await tickUntilQuiet(clean);
    const expected = await factsOf(clean.store);
    await clean.store.close();
    await clean.f.drop();
    const alerts = expected.filter((x) => x.includes('"rights.request_due_soon"')).length;
    const resent = expected.filter((x) => x.includes('"rights.task_dispatched"') && x.includes('"attempt":2')).length;
    expect([alerts, resent]).toEqual([REQUESTS.length, REQUESTS.length]);
    const appends = alerts + resent;

    for (let k = 1; k <= appends; k++) {
      const w = await world();
      const crashing = crashingAfter(w.store, k);
      await expect(tickRightsClocks({ db: w.f.db, store: crashing }, NOW)).rejects.toBeInstanceOf(SimulatedCrash);
      expect(crashing.appends).toBe(k);
      // restarted before the read model caught up: it still lists the alerts and tasks already handled
      await tickRightsClocks({ db: w.f.db, store: w.store }, NOW);
      await tickUntilQuiet(w);
      expect(await factsOf(w.store)).toEqual(expected);
      await w.store.close();
      await w.f.drop();
    }
  });
});
