import { Client } from 'pg';
import { LOG_START } from '@pl/domain';
import { freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { eventually } from '../../../../test/support/eventually';
import { SqlEventStore } from './sql-event-store';
import { visibilityHorizon } from './visibility-horizon';

const event = (i: number) => ({
  type: 'test.happened',
  data: { i },
  metadata: { event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, occurred_at: '2026-01-01T00:00:00.000Z', recorded_at: '2026-01-01T00:00:00.000Z', actor: 'test', correlation_id: 'c', causation_id: null },
});

describe('PostgreSQL visibility horizon (invariant 4 made visible)', () => {
  let log: FreshDatabase;
  let other: FreshDatabase;
  let store: SqlEventStore;
  let holder: Client;

  beforeAll(async () => {
    log = await freshPostgres('pl_horizon_log');
    other = await freshPostgres('pl_horizon_other');
    store = new SqlEventStore(log.db, { notify: false });
    await store.init();
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await store.close();
    await log.drop();
    await other.drop();
  });

  it('names the session in another database whose open transaction hides new events, how long, and nothing it ran; clears at its end', async () => {
    await store.append('s-1', [event(1)], 'no_stream');
    // other suites on this server hold the horizon for moments too
    await eventually(() => store.readAll(LOG_START), (es) => es.length === 1);
    holder = new Client({ connectionString: other.url!, application_name: 'horizon-holder' });
    await holder.connect();
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await holder.query('BEGIN');
    // a transaction id is what holds the horizon; the literal stands for personal data in query text
    await holder.query("CREATE TABLE t AS SELECT 'jane.doe@example.com'::text AS who, pg_current_xact_id() AS x");

    await store.append('s-2', [event(2)], 'no_stream');
    expect((await store.readAll(LOG_START)).map((e) => e.streamId)).toEqual(['s-1']);
    expect(await store.countAfter(LOG_START, 100)).toBe(1);

    await new Promise((r) => setTimeout(r, 1200));
    const held = await eventually(() => visibilityHorizon(log.db), (h) => h.applicable && h.holder?.pid === pid);
    expect(held).toMatchObject({ applicable: true, holder: { pid, database: other.name, application_name: 'horizon-holder', state: 'idle in transaction', backend_type: 'client backend' } });
    if (!held.applicable || !held.holder) throw new Error('unreachable');
    expect(held.holder.transaction_age_s).toBeGreaterThanOrEqual(1.2);
    expect(held.held_for_s).toBe(held.holder.transaction_age_s);
    expect(held.sees_all_sessions).toBe(true);
    expect(Object.keys(held.holder).sort()).toEqual(['application_name', 'backend_type', 'database', 'pid', 'state', 'transaction_age_s']);
    expect(JSON.stringify(held)).not.toMatch(/jane|CREATE|root/);

    await holder.query('COMMIT');
    const cleared = await eventually(() => visibilityHorizon(log.db), (h) => h.applicable && h.holder?.pid !== pid);
    expect(cleared.applicable && cleared.holder?.pid).not.toBe(pid);
    expect((await eventually(() => store.readAll(LOG_START), (es) => es.length === 2)).map((e) => e.streamId)).toEqual(['s-1', 's-2']);
    expect(await store.countAfter(LOG_START, 100)).toBe(2);
  });

  it('a read-only transaction holds no transaction id and is not reported', async () => {
    const reader = new Client({ connectionString: other.url!, application_name: 'horizon-reader' });
    await reader.connect();
    try {
      const pid = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query('SELECT count(*) FROM pg_class');
      await new Promise((r) => setTimeout(r, 300));
      const h = await visibilityHorizon(log.db);
      expect(h.applicable && h.holder?.pid).not.toBe(pid);
      await store.append('s-3', [event(3)], 'no_stream');
      expect((await eventually(() => store.readAll(LOG_START), (es) => es.length === 3)).map((e) => e.streamId)).toContain('s-3');
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
  });

  it('countAfter counts the visible events after a position, up to the limit', async () => {
    const all = await store.readAll(LOG_START);
    expect(await store.countAfter(LOG_START, 1000)).toBe(all.length);
    expect(await store.countAfter(all[0].position, 1000)).toBe(all.length - 1);
    expect(await store.countAfter(all[all.length - 1].position, 1000)).toBe(0);
    expect(await store.countAfter(LOG_START, 2)).toBe(2);
  });
});
