import { Writable } from 'node:stream';
import { Client } from 'pg';
import type { ProjectionDefinition } from '@pl/application';
import { SqlEventStore } from '@pl/eventstore';
import { KafkaRelay, createKafka } from '@pl/messaging';
import { eventCountsProjection } from '@pl/projections/event_counts';
import { createLogger } from '../../apps/common/logger';
import { ApiKeyStore } from '../../apps/api/src/platform/auth/api-keys';
import { auditSigningProcessManager } from '../../apps/worker/src/audit-signing';
import { startWorker } from '../../apps/worker/src/worker';
import { startTestApp, type TestApp } from '../support/app';
import { ADMIN_DATABASE_URL, freshPglite } from '../support/databases';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(100);
  }
}

function logCapture(level = 'debug') {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(level, 'test', stream), text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

const expectErrorShape = (body: any) => {
  expect(Object.keys(body).sort()).toEqual(['details', 'error', 'message']);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+|node_modules|stack/);
};

describe('rate limiting, key cache, logs, metrics (PGlite)', () => {
  const logs = logCapture();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', logger: logs.logger, env: { API_KEY_CACHE_TTL_MS: '1500', BODY_LIMIT_BYTES: '4096' } });
  });
  afterAll(() => t?.close());

  it('limits @RateLimit routes per API key with 429 in the error shape and Retry-After', async () => {
    const a = await t.createKey('demo:write');
    const b = await t.createKey('demo:write');
    // the demo route allows 30 per minute: a burst of 30, then one more every 2 s
    const started = Date.now();
    let allowed = 0;
    let status = 201;
    while (status === 201 && allowed < 100) {
      status = (await t.request('POST', '/demo/lists', { title: `l${allowed}` }, a)).status;
      if (status === 201) allowed++;
    }
    expect(status).toBe(429);
    expect(allowed).toBeGreaterThanOrEqual(30);
    expect(allowed).toBeLessThanOrEqual(30 + Math.ceil((Date.now() - started) / 2000));
    const limited = await t.request('POST', '/demo/lists', { title: 'again' }, a);
    expect(limited.status).toBe(429);
    expectErrorShape(limited.body);
    expect(limited.body).toMatchObject({ error: 'too_many_requests', details: { retry_after_seconds: expect.any(Number) } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another key has its own bucket; unlimited routes are not affected
    expect((await t.request('POST', '/demo/lists', { title: 'other key' }, b)).status).toBe(201);
    const listId = (await t.request('POST', '/demo/lists', { title: 'by b' }, b)).body.list_id;
    expect((await t.request('POST', `/demo/lists/${listId}/items`, { item: 'x' }, a)).status).toBe(201);
  });

  it('makes a revocation from another process effective within the key cache TTL', async () => {
    const key = await t.createKey('demo:write');
    expect((await t.request('GET', '/demo/lists/stats', undefined, key)).status).toBe(200);
    const cachedAt = Date.now();
    // the CLI revokes through its own store, so the API's cache is not cleared
    const cli = new ApiKeyStore(t.infra.db);
    expect(await cli.revoke(key.slice(3, 19))).toBe(true);
    const during = await t.request('GET', '/demo/lists/stats', undefined, key);
    if (Date.now() - cachedAt < 1400) expect(during.status).toBe(200);
    await sleep(Math.max(0, cachedAt + 1600 - Date.now()));
    const after = await t.request('GET', '/demo/lists/stats', undefined, key);
    expect(after.status).toBe(401);
    expectErrorShape(after.body);
    expect(after.body.error).toBe('unauthorized');
  });

  it('revokes at once through the API process store', async () => {
    const key = await t.createKey('demo:write');
    expect((await t.request('GET', '/demo/lists/stats', undefined, key)).status).toBe(200);
    await t.apiKeys.revoke(key.slice(3, 19));
    expect((await t.request('GET', '/demo/lists/stats', undefined, key)).status).toBe(401);
  });

  it('requires a bearer key on every documented route but the deliberately public ones', async () => {
    // Public by design besides /health, /metrics, /docs (which are not in the document); signing in to the console takes the key in the body,
    // the console asks which sign-ins are on before anyone is signed in, and a person signing in through OpenID Connect holds no key
    // (the login and callback answer 404 when no provider is configured, as here):
    const PUBLIC = new Set(['GET /audit/public-key', 'POST /auth/session', 'GET /auth/methods', 'GET /auth/oidc/login', 'GET /auth/oidc/callback']);
    const doc = (await t.request('GET', '/docs/openapi.json', undefined, null)).body;
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    );
    expect(routes.length).toBeGreaterThan(3);
    const open: string[] = [];
    for (const r of routes) {
      const url = r.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const res = await t.request(r.method, url, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}, null);
      if (PUBLIC.has(`${r.method} ${r.path}`)) continue;
      if (res.status !== 401) open.push(`${r.method} ${r.path} -> ${res.status}`);
      else expectErrorShape(res.body);
    }
    expect(open).toEqual([]);
  });

  it('applies BODY_LIMIT_BYTES: 413 above it, validation below it', async () => {
    const over = await t.request('POST', '/demo/lists', { title: 'x'.repeat(5000) });
    expect(over.status).toBe(413);
    expectErrorShape(over.body);
    expect(over.body.error).toBe('payload_too_large');
    const under = await t.request('POST', '/demo/lists', { title: 'x'.repeat(3000) });
    expect(under.status).toBe(400);
    expect(under.body.details).toEqual([expect.objectContaining({ field: 'title' })]);
  });

  it('renders 401, 404 and 415 in the error shape', async () => {
    const missing = await t.request('GET', '/demo/lists/stats', undefined, null);
    expect(missing.status).toBe(401);
    expectErrorShape(missing.body);
    const unknown = await t.request('GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body);
    const res = await fetch(`${t.url}/demo/lists`, { method: 'POST', headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/xml' }, body: '<title>x</title>' });
    expect(res.status).toBe(415);
    expectErrorShape(await res.json());
  });

  it('logs route patterns only: no ids, e-mails or query strings from the URL', async () => {
    const listId = (await t.request('POST', '/demo/lists', { title: 'logs' })).body.list_id;
    await t.request('POST', `/demo/lists/${listId}/items?user_id=jane-4711`, { item: 'x' });
    await t.request('GET', '/subjects/jane@example.com/consents?email=jane@example.com');
    const requests = logs.lines().filter((l) => l.msg === 'request');
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'POST', route: '/demo/lists/:id/items', status: 201 }),
        expect.objectContaining({ method: 'GET', route: 'unmatched', status: 404 }),
      ]),
    );
    for (const secret of [listId, 'jane@example.com', 'jane-4711', t.adminKey]) expect(logs.text()).not.toContain(secret);
  });

  it('exposes HTTP histograms by route pattern and projection lag in /metrics', async () => {
    await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.status === 200);
    const text = (await t.request('GET', '/metrics', undefined, null)).body as string;
    expect(text).toMatch(/pl_http_request_duration_seconds_bucket\{[^}]*method="POST",route="\/demo\/lists\/:id\/items",status="201"/);
    expect(text).toMatch(/pl_projection_lag_positions\{projection="event_counts"\} \d+/);
    expect(text).not.toContain('jane');
  });
});

describe('readiness (PGlite)', () => {
  it('is not ready while a projection lags beyond READY_MAX_PROJECTION_LAG, and says which', async () => {
    const failing: ProjectionDefinition = {
      name: 'always_failing',
      version: 1,
      schema: 'CREATE TABLE IF NOT EXISTS nothing (id int)',
      handle: async () => {
        throw new Error('handler bug');
      },
    };
    const t = await startTestApp({
      backend: 'pglite',
      env: { READY_MAX_PROJECTION_LAG: '0' },
      worker: { projections: [eventCountsProjection, failing], processManagers: [], services: [] },
    });
    try {
      expect((await t.request('POST', '/demo/lists', { title: 'x' })).status).toBe(201);
      const health = await eventually(
        () => t.request('GET', '/health', undefined, null),
        (r) => r.body.checks.projections.detail.find((p: any) => p.projection === 'event_counts')?.behind === 0,
      );
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'not_ready', ready: false, live: true, checks: { event_store: { ok: true }, read_model_db: { ok: true }, projections: { ok: false } } });
      expect(health.body.checks.projections.detail).toEqual(
        expect.arrayContaining([expect.objectContaining({ projection: 'event_counts', behind: 0 }), expect.objectContaining({ projection: 'always_failing', behind: expect.any(Number) })]),
      );
      expect(health.body.checks.projections.detail.find((p: any) => p.projection === 'always_failing').behind).toBeGreaterThan(0);
      // invariant 11: a handler that keeps failing is named as stuck, with its error class and never its message
      const stuck = await eventually(
        () => t.request('GET', '/health', undefined, null),
        (r) => r.body.checks.projections.detail.find((p: any) => p.projection === 'always_failing')?.stuck !== null,
      );
      expect(stuck.body.checks.projections.detail.find((p: any) => p.projection === 'always_failing').stuck).toMatchObject({ error_class: 'Error', failures: expect.any(Number) });
      expect(stuck.body.checks.projections.detail.find((p: any) => p.projection === 'event_counts').stuck).toBeNull();
      expect(JSON.stringify(stuck.body)).not.toContain('handler bug');
      const metrics = (await t.request('GET', '/metrics', undefined, null)).body as string;
      expect(metrics).toMatch(/pl_projection_lag_positions\{projection="always_failing"\} [1-9]/);
      expect(metrics).toMatch(/pl_projection_stuck\{projection="always_failing"\} 1/);
      expect(metrics).toMatch(/pl_projection_stuck\{projection="event_counts"\} 0/);
      expect(metrics).toMatch(/pl_projection_failures_total\{projection="always_failing",error_class="Error"\} [1-9]/);
      expect((await t.request('GET', '/health/live', undefined, null)).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('is not ready while a process manager keeps failing, naming it with its error class; one error log line', async () => {
    let failing = true;
    const logs = logCapture();
    const pm = {
      name: 'always_failing_pm',
      intervalMs: 30,
      tick: async () => {
        if (failing) throw new SyntaxError('SECRET value');
      },
    };
    const t = await startTestApp({ backend: 'pglite', logger: logs.logger, worker: { projections: [eventCountsProjection], processManagers: [pm], services: [] } });
    try {
      const health = await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.body.checks.process_managers?.ok === false);
      expect(health.status).toBe(503);
      expect(health.body.checks.process_managers.detail).toEqual([expect.objectContaining({ name: 'always_failing_pm', stuck: expect.objectContaining({ errorClass: 'SyntaxError' }) })]);
      await new Promise((r) => setTimeout(r, 300));
      const stuckLines = logs.lines().filter((l) => l.level === 50 && l.projection === 'process_manager:always_failing_pm');
      expect(stuckLines).toEqual([expect.objectContaining({ err_class: 'SyntaxError' })]);
      expect(logs.text()).not.toContain('SECRET');
      failing = false;
      await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.body.checks.process_managers?.ok === true);
      expect(logs.lines().filter((l) => l.projection === 'process_manager:always_failing_pm' && l.level === 30)).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('the audit signing manager, refused while heads are missing, logs once per change of state however many ticks fail (invariant 11)', async () => {
    const logs = logCapture();
    const tenHoursOn = () => new Date(Date.now() + 10 * 3_600_000);
    // the real manager, ten hours on: the events are older than the hour's head interval and no head was ever signed
    const pm = { ...auditSigningProcessManager, intervalMs: 30, tick: (infra: Parameters<typeof auditSigningProcessManager.tick>[0]) => auditSigningProcessManager.tick(infra, tenHoursOn()) };
    const t = await startTestApp({ backend: 'pglite', logger: logs.logger, env: { AUDIT_HEAD_INTERVAL_MS: '3600000' }, worker: { processManagers: [pm], services: [] } });
    try {
      expect((await t.request('POST', '/demo/lists', { title: 'heads' })).status).toBe(201);
      const health = await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.body.checks.process_managers?.ok === false);
      expect(health.body.checks.process_managers.detail).toEqual([expect.objectContaining({ name: 'audit-signing', failures: expect.any(Number), stuck: expect.objectContaining({ errorClass: 'HeadContinuityError' }) })]);
      await expect(auditSigningProcessManager.tick(t.infra, tenHoursOn())).rejects.toMatchObject({ reason: 'heads_missing' });
      const failures = health.body.checks.process_managers.detail[0].failures;
      await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.body.checks.process_managers.detail[0].failures >= failures + 10);
      // one line per change of state: the first refusal (debug), then stuck (error); none for the ten and more refusals after
      expect(logs.lines().filter((l) => l.projection === 'process_manager:audit-signing').map((l) => [l.level, l.err_class])).toEqual([
        [20, 'HeadContinuityError'],
        [50, 'HeadContinuityError'],
      ]);
      expect((await t.request('GET', '/metrics', undefined, null)).body as string).toMatch(/pl_process_manager_runs_total\{process_manager="audit-signing",outcome="error"\} \d+/);
    } finally {
      await t.close();
    }
  });

  it('without an in-process worker, reads the lag from the checkpoints a worker elsewhere wrote', async () => {
    const t = await startTestApp({ backend: 'pglite', worker: false, env: { READY_MAX_PROJECTION_LAG: '0' } });
    try {
      expect((await t.request('GET', '/health', undefined, null)).status).toBe(200);
      // a worker outside the API process (not known to it) projects, then stops
      const worker = await startWorker(t.infra, { projections: [eventCountsProjection], processManagers: [], eventProcessManagers: [], services: [] });
      const first = await t.request('POST', '/demo/lists', { title: 'x' });
      expect(first.status).toBe(201);
      await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.status === 200 && r.body.checks.projections.detail.length === 1);
      await worker.stop();
      expect((await t.request('POST', '/demo/lists', { title: 'y' })).status).toBe(201);
      const health = await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.status === 503);
      expect(health.status).toBe(503);
      expect(health.body.checks.projections).toMatchObject({ ok: false, detail: [{ projection: 'event_counts', behind: 1 }] });
    } finally {
      await t.close();
    }
  });

  it('reports a worker service (Kafka relay) that cannot reach its broker as not ready', async () => {
    // The relay keeps its own checkpoint; an in-memory log of its own is enough when no broker answers.
    const relayDb = await freshPglite();
    const relayStore = new SqlEventStore(relayDb.db);
    await relayStore.init();
    let relay: KafkaRelay | null = null;
    const t = await startTestApp({
      backend: 'pglite',
      worker: {
        projections: [],
        processManagers: [],
        services: [
          {
            name: 'kafka_relay',
            start: async () => {
              relay = new KafkaRelay(relayDb.db, relayStore, {
                kafka: createKafka({ brokers: ['127.0.0.1:1'], clientId: 'health-test', connectionTimeoutMs: 200, retry: { retries: 0 } }),
                backoff: { initialMs: 50, maxMs: 200 },
              });
              relay.start();
            },
            stop: async () => relay?.stop(),
            status: () => {
              const s = relay!.status();
              return { ready: s.ready || s.state === 'standby', detail: s };
            },
          },
        ],
      },
    });
    try {
      const health = await t.request('GET', '/health', undefined, null);
      expect(health.status).toBe(503);
      expect(health.body.checks.kafka_relay).toMatchObject({ ok: false, detail: { ready: false } });
      expect(health.body.checks.event_store.ok).toBe(true);
    } finally {
      await t.close();
      await relayStore.close();
      await relayDb.drop();
    }
  });
});

describe('readiness and errors when PostgreSQL goes away (PostgreSQL)', () => {
  let t: TestApp;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: ADMIN_DATABASE_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', worker: { processManagers: [], services: [] } });
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await t?.close();
  });

  it('answers 503 not ready (and 500 without internals on writes) while the database refuses connections, and recovers', async () => {
    expect((await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.status === 200)).status).toBe(200);
    await admin(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${t.database.name}'`);
    const down = await t.request('GET', '/health', undefined, null);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ready: false, checks: { event_store: { ok: false }, read_model_db: { ok: false } } });
    expect(JSON.stringify(down.body)).not.toContain(t.database.name);
    expect((await t.request('GET', '/health/live', undefined, null)).status).toBe(200);
    const write = await t.request('POST', '/demo/lists', { title: 'while down' });
    expect(write.status).toBeGreaterThanOrEqual(500);
    expectErrorShape(write.body);
    expect(JSON.stringify(write.body)).not.toContain(t.database.name);
    await admin(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS true`);
    const up = await eventually(() => t.request('GET', '/health', undefined, null), (r) => r.status === 200);
    expect(up.status).toBe(200);
    expect((await t.request('POST', '/demo/lists', { title: 'after' })).status).toBe(201);
  });
});
