import { startTestApp, type TestApp } from '../support/app';

describe.each(['pglite', 'postgres'] as const)('platform over HTTP (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend });
  });
  afterAll(() => t?.close());

  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);

  it('serves health, metrics and docs without a key', async () => {
    const health = await t.request('GET', '/health', undefined, null);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', ready: true, checks: { event_store: { ok: true }, read_model_db: { ok: true } } });
    const metrics = await t.request('GET', '/metrics', undefined, null);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('pl_http_request_duration_seconds');
    const docs = await t.request('GET', '/docs/openapi.json', undefined, null);
    expect(docs.status).toBe(200);
    expect(docs.body.paths['/demo/lists']).toBeDefined();
    const ui = await fetch(`${t.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('needs a key (401) with the right scope (403)', async () => {
    expect((await t.request('POST', '/demo/lists', { title: 'x' }, null)).status).toBe(401);
    expect((await t.request('POST', '/demo/lists', { title: 'x' }, 'pl_0123456789abcdef.notarealsecretnotarealsecret')).status).toBe(401);
    const readOnly = await t.createKey('audit:read');
    const forbidden = await t.request('POST', '/demo/lists', { title: 'x' }, readOnly);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error: 'forbidden' });
    const writer = await t.createKey('demo:write');
    expect((await t.request('POST', '/demo/lists', { title: 'x' }, writer)).status).toBe(201);
  });

  it('runs a command through the bus to the log and the projection', async () => {
    const opened = await t.request('POST', '/demo/lists', { title: 'groceries' });
    expect(opened.status).toBe(201);
    const id = opened.body.list_id;
    expect((await t.request('POST', `/demo/lists/${id}/items`, { item: 'milk' })).body).toEqual({ list_id: id, items: 1 });
    const closedTwice = await t.request('POST', `/demo/lists/${id}/items`, { item: 'x' });
    expect(closedTwice.status).toBe(201);
    expect((await t.request('POST', `/demo/lists/${id}/close`)).body).toEqual({ list_id: id, status: 'closed' });
    const refused = await t.request('POST', `/demo/lists/${id}/items`, { item: 'late' });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'conflict', message: 'list is closed', details: null });
    for (let i = 0; i < 400; i++) {
      const stats = await t.request('GET', '/demo/lists/stats');
      const closed = stats.body.event_counts.find((c: any) => c.type === 'demo.list_closed');
      if (closed) return expect(closed.count).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('projection never caught up');
  });

  it.each([
    ['malformed JSON', '{"title": ', 400],
    ['unknown field', { title: 'x', extra: 1 }, 400],
    ['wrong type', { title: 42 }, 400],
    ['missing field', {}, 400],
    ['oversized body', { title: 'x'.repeat(300 * 1024) }, 413],
  ])('rejects %s with a clear 4xx and appends nothing', async (_name, body, status) => {
    const before = await eventCount();
    const res = await t.request('POST', '/demo/lists', body);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body).sort()).toEqual(['details', 'error', 'message']);
    expect(res.body.message).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(await eventCount()).toBe(before);
  });

  it('accepts an empty body sent with Content-Type: application/json on a bodiless action', async () => {
    const opened = await t.request('POST', '/demo/lists', { title: 'empty-body' });
    const res = await fetch(`${t.url}/demo/lists/${opened.body.list_id}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ list_id: opened.body.list_id, status: 'closed' });
    const proto = await t.request('POST', '/demo/lists', '{"title":"x","__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
  });

  it('gives validation details by field without echoing values', async () => {
    const res = await t.request('POST', '/demo/lists', { title: 'x', secret_email: 'jane@example.com' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain('jane@example.com');
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'secret_email' })]));
  });
});
