import { randomUUID } from 'node:crypto';
import { CHECKPOINT_SCHEMA, ensureProjectionSchema, handleCommand, type AppDeps } from '@pl/application';
import { breachDecider, breachStreamId } from '@pl/domain/breach';
import { SqlEventStore } from '@pl/eventstore';
import { breachRegisterProjection } from '@pl/projections/breach_register';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { projectToHead } from '../../../../test/support/crash-store';
import { createBreachUseCases } from '.';

const aware = '2026-03-02T08:00:00.000Z';
const at = (h: number) => new Date(Date.parse(aware) + h * 3_600_000);

describe.each(SQL_BACKENDS)('breach clocks (the worker job checkClocks) on %s', (_name, fresh) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  let breaches: ReturnType<typeof createBreachUseCases>;
  const id = randomUUID();

  const project = () => projectToHead(f.db, store, breachRegisterProjection);
  async function clockEvents(): Promise<Array<{ type: string; threshold: number | null }>> {
    const { events } = await store.readStream(breachStreamId(id));
    return events.filter((e) => e.type.startsWith('breach.deadline_')).map((e) => ({ type: e.type, threshold: e.data.threshold_hours ?? null }));
  }
  async function tick(h: number): Promise<void> {
    await breaches.checkClocks(at(h));
    await project();
  }

  beforeAll(async () => {
    f = await fresh();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, breachRegisterProjection);
    // the clocks need the log and the register only
    breaches = createBreachUseCases({ db: f.db, store } as unknown as AppDeps);
    await handleCommand(
      store,
      breachDecider,
      breachStreamId(id),
      {
        type: 'DetectBreach',
        breachId: id,
        awareAt: aware,
        source: 'processor',
        description: 'processor reported a misdirected export',
        reporterRole: 'privacy_office',
        systems: ['crm'],
        knownSystems: ['crm'],
        now: at(1),
      },
      { actor: 'test', correlationId: randomUUID(), now: at(1) },
    );
    await project();
  }, 120_000);
  afterAll(() => f.drop(), 60_000);

  it('warns 24 h and 6 h before the 72 h deadline and once overdue, each exactly once', async () => {
    await tick(40);
    expect(await clockEvents()).toEqual([]);
    await tick(49);
    expect(await clockEvents()).toEqual([{ type: 'breach.deadline_warning', threshold: 24 }]);
    await tick(49.5);
    await tick(50);
    expect(await clockEvents()).toHaveLength(1);
    await tick(66.5);
    await tick(66.6);
    expect(await clockEvents()).toEqual([
      { type: 'breach.deadline_warning', threshold: 24 },
      { type: 'breach.deadline_warning', threshold: 6 },
    ]);
    await tick(72.1);
    await tick(80);
    expect((await clockEvents()).map((e) => e.type)).toEqual(['breach.deadline_warning', 'breach.deadline_warning', 'breach.deadline_overdue']);
    const row = (await f.db.query(`SELECT overdue FROM rm_breach_register.breaches WHERE breach_id = $1`, [id])).rows[0];
    expect(typeof row.overdue === 'string' ? JSON.parse(row.overdue) : row.overdue).toEqual(['gdpr_art33_authority']);
  });

  it('ticks repeated concurrently (crash and restart, two workers) emit each warning once', async () => {
    const other = randomUUID();
    await handleCommand(
      store,
      breachDecider,
      breachStreamId(other),
      { type: 'DetectBreach', breachId: other, awareAt: aware, source: 'other', description: 'lost laptop', reporterRole: 'it_support', systems: ['crm'], knownSystems: ['crm'], now: at(1) },
      { actor: 'test', correlationId: randomUUID(), now: at(1) },
    );
    await project();
    await Promise.all([breaches.checkClocks(at(49)), breaches.checkClocks(at(49)), breaches.checkClocks(at(49.2))]);
    const { events } = await store.readStream(breachStreamId(other));
    expect(events.filter((e) => e.type === 'breach.deadline_warning').map((e) => e.data.threshold_hours)).toEqual([24]);
  });
});
