import { createClient } from 'redis';
import { startTestApp, type TestApp } from '../support/app';
import { freshPostgres, type FreshDatabase } from '../support/databases';

jest.setTimeout(120_000);

// Redis database 11 is this suite's own; only it is flushed.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/11';

describe('two API instances on one database and one Redis (REDIS_URL)', () => {
  let database: FreshDatabase;
  let a: TestApp;
  let b: TestApp;
  const redis = createClient({ url: REDIS_URL });

  beforeAll(async () => {
    await redis.connect();
    await redis.flushDb();
    database = await freshPostgres();
    // A long key cache TTL: a revoked key refused by the other instance at once comes from the shared cache, not expiry.
    const env = { REDIS_URL, API_KEY_CACHE_TTL_MS: '60000' };
    a = await startTestApp({ database, env, worker: true });
    b = await startTestApp({ database, env, worker: false });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
    await redis.flushDb().catch(() => undefined);
    await redis.quit().catch(() => undefined);
  });

  it('says on /health that limits are kept in Redis', async () => {
    for (const app of [a, b]) {
      const health = await app.request('GET', '/health', undefined, null);
      expect(health.body.checks.shared_store).toEqual({ ok: true, detail: { store: 'redis', reachable: true } });
    }
  });

  it('shares one rate limit between the instances', async () => {
    const key = await a.createKey('demo:write');
    // POST /demo/lists allows 30 per minute per key: a burst of 30, then one every 2 s, whichever instance is asked.
    const started = Date.now();
    const served = { a: 0, b: 0 };
    let last = { status: 201, body: null as any, headers: new Headers() };
    for (let i = 0; i < 100 && last.status === 201; i++) {
      const [name, app] = i % 2 === 0 ? (['a', a] as const) : (['b', b] as const);
      last = await app.request('POST', '/demo/lists', { title: `l${i}` }, key);
      if (last.status === 201) served[name]++;
    }
    expect(last.status).toBe(429);
    expect(last.body).toMatchObject({ error: 'too_many_requests', details: { retry_after_seconds: expect.any(Number) } });
    const total = served.a + served.b;
    // In-process buckets would allow 30 on each instance (about 60 in all).
    expect(total).toBeGreaterThanOrEqual(30);
    expect(total).toBeLessThanOrEqual(30 + Math.ceil((Date.now() - started) / 2000));
    expect(served.a).toBeGreaterThan(10);
    expect(served.b).toBeGreaterThan(10);
    expect((await a.request('POST', '/demo/lists', { title: 'again' }, key)).status).toBe(429);
    expect((await b.request('POST', '/demo/lists', { title: 'again' }, key)).status).toBe(429);
    // another key has its own shared bucket
    const other = await b.createKey('demo:write');
    expect((await a.request('POST', '/demo/lists', { title: 'other key' }, other)).status).toBe(201);
    // the bucket lives in Redis under a hashed name: no key id or address in it
    const names = await redis.keys('pl:rl:*');
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const n of names) expect(n).toMatch(/^pl:rl:[0-9a-f]{32}$/);
  });

  it('refuses a key revoked through one instance on both, well within the cache TTL', async () => {
    const key = await a.createKey('demo:write');
    const id = /^pl_([a-f0-9]{16})\./.exec(key)![1];
    // both instances have verified (and cached) the key
    expect((await a.request('POST', '/demo/lists', { title: 'before' }, key)).status).toBe(201);
    expect((await b.request('POST', '/demo/lists', { title: 'before' }, key)).status).toBe(201);
    const revokedAt = Date.now();
    expect(await a.apiKeys.revoke(id)).toBe(true);
    const onA = await a.request('POST', '/demo/lists', { title: 'after' }, key);
    const onB = await b.request('POST', '/demo/lists', { title: 'after' }, key);
    expect(Date.now() - revokedAt).toBeLessThan(60_000);
    expect([onA.status, onB.status]).toEqual([401, 401]);
    expect(onB.body).toMatchObject({ error: 'unauthorized' });
    // the cache entry holds the secret's hash, never the key itself
    const cached = (await redis.get(`pl:apikey:${id}`)) ?? '';
    expect(cached).not.toContain(key.split('.')[1]);
  });

  it('keeps console sessions in Redis: signed in on one instance, used and signed out on the other', async () => {
    const key = await a.createKey('demo:write');
    const signIn = await a.request('POST', '/auth/session', { api_key: key }, null);
    expect(signIn.status).toBe(201);
    const cookie = /^pl_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1];
    const csrf = signIn.body.csrf_token;
    const onB = await b.request('POST', '/demo/lists', { title: 'from the console' }, null, { cookie: `pl_session=${cookie}`, 'x-csrf-token': csrf });
    expect(onB.status).toBe(201);
    // stored under the id's hash, never the cookie value
    const names = await redis.keys('pl:session:*');
    expect(names.length).toBeGreaterThanOrEqual(1);
    for (const n of names) expect(n).not.toContain(cookie);
    expect((await b.request('DELETE', '/auth/session', undefined, null, { cookie: `pl_session=${cookie}`, 'x-csrf-token': csrf })).status).toBe(204);
    expect((await a.request('GET', '/auth/session', undefined, null, { cookie: `pl_session=${cookie}` })).status).toBe(401);
  });
});
