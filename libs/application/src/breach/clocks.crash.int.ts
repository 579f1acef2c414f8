import { CHECKPOINT_SCHEMA, ensureProjectionSchema, handleCommand, type AppDeps } from '@pl/application';
import { LOG_START } from '@pl/domain';
import { breachDecider, breachStreamId } from '@pl/domain/breach';
import type { EventStore } from '@pl/eventstore';
import { SqlEventStore } from '@pl/eventstore';
import { breachRegisterProjection } from '@pl/projections/breach_register';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { SimulatedCrash, crashingAfter, factsOf, projectToHead } from '../../../../test/support/crash-store';
import { createBreachUseCases } from '.';

const aware = '2026-03-02T08:00:00.000Z';
const at = (h: number) => new Date(Date.parse(aware) + h * 3_600_000);
/** 49 h after awareness: each breach's 72 h clock is inside its 24 h warning. */
const NOW = at(49);
const BREACHES = ['7a2b3c40-0000-4000-8000-000000000001', '7a2b3c40-0000-4000-8000-000000000002', '7a2b3c40-0000-4000-8000-000000000003'];

type World = { f: FreshDatabase; store: SqlEventStore; project: () => Promise<void> };

/** The clocks job on this store (it reads the register and appends; nothing else of AppDeps is used by it). */
const checkClocks = (w: World, store: EventStore, now: Date) => createBreachUseCases({ db: w.f.db, store } as unknown as AppDeps).checkClocks(now);

/**
 * Crash test of the breach clocks process manager: a tick interrupted right after each of its
 * appends (deadline warnings), then ticks run again, leaves the log an uninterrupted run leaves
 * (same facts, none twice).
 */
describe.each(SQL_BACKENDS)('breach clocks crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<World> {
    const f = await open();
    const store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, breachRegisterProjection);
    for (const id of BREACHES) {
      await handleCommand(
        store,
        breachDecider,
        breachStreamId(id),
        { type: 'DetectBreach', breachId: id, awareAt: aware, source: 'processor', description: 'processor reported a misdirected export', reporterRole: 'privacy_office', systems: ['crm'], knownSystems: ['crm'], now: at(1) },
        { actor: 'test', correlationId: id, now: at(1) },
      );
    }
    const project = () => projectToHead(f.db, store, breachRegisterProjection);
    await project();
    return { f, store, project };
  }

  const logLength = async (store: EventStore) => (await store.readAll(LOG_START)).length;

  /** Ticks (projecting between them, as the worker's projections do) until a tick appends nothing. */
  async function tickUntilQuiet(w: World): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await w.project();
      const before = await logLength(w.store);
      await checkClocks(w, w.store, NOW);
      if ((await logLength(w.store)) === before) return;
    }
    throw new Error('the breach clock ticks never settled');
  }

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    const clean = await world();
    await tickUntilQuiet(clean);
    const expected = await factsOf(clean.store);
    await clean.store.close();
    await clean.f.drop();
    const appends = expected.filter((x) => x.includes('"breach.deadline_warning"')).length;
    expect(appends).toBe(BREACHES.length);

    for (let k = 1; k <= appends; k++) {
      const w = await world();
      const crashing = crashingAfter(w.store, k);
      await expect(checkClocks(w, crashing, NOW)).rejects.toBeInstanceOf(SimulatedCrash);
      expect(crashing.appends).toBe(k);
      // restarted before the read model caught up: it still lists the clocks already warned about
      await checkClocks(w, w.store, NOW);
      await tickUntilQuiet(w);
      expect(await factsOf(w.store)).toEqual(expected);
      await w.store.close();
      await w.f.drop();
    }
  });
});
