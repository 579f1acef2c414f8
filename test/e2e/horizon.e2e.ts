import { Client } from 'pg';
import { eventCountsProjection } from '@pl/projections/event_counts';
import { startTestApp, type TestApp } from '../support/app';
import { freshPostgres, type FreshDatabase } from '../support/databases';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

const worker = { projections: [eventCountsProjection], processManagers: [], eventProcessManagers: [], services: [] };

describe('/health and /metrics name the transaction holding the PostgreSQL log horizon back', () => {
  let t: TestApp;
  let other: FreshDatabase;
  let holder: Client;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', worker, env: { READY_MAX_HORIZON_HOLD_MS: '1500' } });
    other = await freshPostgres('pl_horizon_other');
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await t?.close();
    await other?.drop();
  });

  it('reports pid, database, application name, state and age of an open transaction in another database, not ready past the limit; clears when it ends', async () => {
    expect((await t.request('POST', '/demo/lists', { title: 'before' })).status).toBe(201);
    holder = new Client({ connectionString: other.url!, application_name: 'horizon-e2e' });
    await holder.connect();
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await holder.query('BEGIN');
    await holder.query("CREATE TABLE t AS SELECT 'jane.doe@example.com'::text AS who");

    const held = await eventually(
      () => t.request('GET', '/health', undefined, null),
      (r) => r.body.checks.event_store_horizon?.detail?.holder?.pid === pid && r.body.checks.event_store_horizon.ok === false,
    );
    expect(held.status).toBe(503);
    const check = held.body.checks.event_store_horizon;
    expect(check).toMatchObject({
      ok: false,
      detail: { applicable: true, held_back: true, limit_s: 1.5, sees_all_sessions: true, holder: { pid, database: other.name, application_name: 'horizon-e2e', state: 'idle in transaction' } },
    });
    expect(check.detail.held_for_s).toBeGreaterThan(1.5);
    expect(check.detail.holder.transaction_age_s).toBeGreaterThan(1.5);
    const metrics = (await t.request('GET', '/metrics', undefined, null)).body as string;
    const series = new RegExp(`pl_event_store_horizon_holder_seconds\\{pid="${pid}",database="${other.name}",application_name="horizon-e2e",state="idle in transaction"\\} ([0-9.]+)`).exec(metrics);
    expect(Number(series?.[1])).toBeGreaterThan(1.5);
    expect(Number(/^pl_event_store_horizon_held_seconds ([0-9.]+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1.5);
    for (const text of [JSON.stringify(held.body), metrics]) expect(text).not.toMatch(/jane|CREATE TABLE/);

    await holder.query('COMMIT');
    const cleared = await eventually(
      () => t.request('GET', '/health', undefined, null),
      (r) => r.status === 200 && r.body.checks.event_store_horizon.detail.holder?.pid !== pid,
    );
    expect(cleared.body.checks.event_store_horizon).toMatchObject({ ok: true, detail: { applicable: true } });
    expect((await t.request('GET', '/metrics', undefined, null)).body as string).not.toContain(`pid="${pid}"`);
  });

  it('counts the lag in events on PostgreSQL: behind, caught up and since in /health, the new gauges in /metrics', async () => {
    expect((await t.request('POST', '/demo/lists', { title: 'after' })).status).toBe(201);
    const health = await eventually(
      () => t.request('GET', '/health', undefined, null),
      (r) => r.status === 200 && r.body.checks.projections.detail.find((p: any) => p.projection === 'event_counts')?.caught_up === true,
    );
    expect(health.body.checks.projections.detail.find((p: any) => p.projection === 'event_counts')).toMatchObject({ behind: 0, caught_up: true, positions: 0, since: expect.any(String), stuck: null });
    const metrics = (await t.request('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/pl_projection_lag_events\{projection="event_counts"\} 0/);
    expect(metrics).toMatch(/pl_projection_caught_up\{projection="event_counts"\} 1/);
    expect(metrics).toMatch(/pl_projection_behind_seconds\{projection="event_counts"\} 0/);
    expect(metrics).toMatch(/pl_projection_lag_positions\{projection="event_counts"\} 0/);
  });
});

describe('on PGlite the horizon check answers "not applicable"', () => {
  it('says why; the held gauge stays 0 and no holder is named', async () => {
    const t = await startTestApp({ backend: 'pglite', worker });
    try {
      const health = await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.status === 200);
      expect(health.body.checks.event_store_horizon).toEqual({ ok: true, detail: { applicable: false, reason: expect.stringMatching(/PGlite is one session/) } });
      const metrics = (await t.request('GET', '/metrics', undefined, null)).body as string;
      expect(metrics).toMatch(/^pl_event_store_horizon_held_seconds 0$/m);
      expect(metrics).not.toMatch(/^pl_event_store_horizon_holder_seconds\{/m);
    } finally {
      await t.close();
    }
  });
});
