import { CHECKPOINT_SCHEMA, ensureProjectionSchema, handleCommand, type AppDeps } from '@pl/application';
import { breachDecider, breachStreamId } from '@pl/domain/breach';
import { SqlEventStore } from '@pl/eventstore';
import { breachRegisterProjection } from '@pl/projections/breach_register';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { expectSameFactsAfterEachCrash, projectToHead, type CrashWorld } from '../../../../test/support/crash-store';
import { createBreachUseCases } from '.';

const aware = '2026-03-02T08:00:00.000Z';
const at = (h: number) => new Date(Date.parse(aware) + h * 3_600_000);
/** 49 h after awareness: each breach's 72 h clock is inside its 24 h warning. */
const NOW = at(49);
const BREACHES = ['7a2b3c40-0000-4000-8000-000000000001', '7a2b3c40-0000-4000-8000-000000000002', '7a2b3c40-0000-4000-8000-000000000003'];

/**
 * Crash test of the breach clocks process manager: a tick interrupted right after each of its
 * appends (deadline warnings), then ticks run again, leaves the log an uninterrupted run leaves
 * (same facts, none twice).
 */
describe.each(SQL_BACKENDS)('breach clocks crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<CrashWorld & { f: FreshDatabase }> {
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
    return { f, store, project, close: async () => { await store.close(); await f.drop(); } };
  }

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    // the clocks job reads the register and appends; nothing else of AppDeps is used by it
    const { facts, appends } = await expectSameFactsAfterEachCrash({ world, tick: (w, store) => createBreachUseCases({ db: w.f.db, store } as unknown as AppDeps).checkClocks(NOW) });
    expect(facts.filter((x) => x.includes('"breach.deadline_warning"'))).toHaveLength(BREACHES.length);
    expect(appends).toBe(BREACHES.length);
  });
});
