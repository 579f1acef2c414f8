import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { startTestApp, type TestApp } from '../../../../../test/support/app';
import { consentRecordBody } from '../../../../../test/support/consent-body';

/** Idempotency-Key over HTTP (issue 14, defect 2; draft-ietf-httpapi-idempotency-key-header). */
describe.each([['pglite'], ['postgres']] as const)('Idempotency-Key on command routes (HTTP, %s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend });
  });
  afterAll(() => t.close());

  const consent = (user_id: string, over: Record<string, unknown> = {}) => consentRecordBody(user_id, { consent_metadata: { method: 'checkbox', ip_address: '203.0.113.77' }, ...over });
  const record = (body: unknown, key?: string, apiKey?: string) =>
    t.request('POST', '/consent/record', body, apiKey, key ? { 'idempotency-key': key } : {});
  /** Event types of one subject's consent stream. */
  const factsOf = async (user: string) =>
    (await t.infra.store.readStream(`consent-${t.infra.pseudonymizer.subject(user)}`)).events.map((e) => e.type);
  /** Writes a whole request on a raw socket and closes it at once: a client that timed out. */
  const sendAndHangUp = (path: string, body: unknown, key: string) =>
    new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(t.url);
      const json = JSON.stringify(body);
      const socket = connect(Number(port), hostname, () => {
        socket.end(
          `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${t.adminKey}\r\nIdempotency-Key: ${key}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
          () => {
            socket.destroy();
            resolve();
          },
        );
      });
      socket.once('error', reject);
    });
  const waitFor = async (ok: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 30_000; !(await ok()); ) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);

  it('without a key a retry is a second consent (a consent.renewed): the defect the key removes', async () => {
    const user = `nokey-${randomUUID()}@example.com`;
    const body = consent(user);
    const [a, b] = [await record(body), await record(body)];
    expect(b.body.consent_id).not.toBe(a.body.consent_id);
    expect(await factsOf(user)).toEqual(['consent.given', 'consent.renewed']);
  });

  it('a retry with the same key and payload gets the first answer again and records nothing', async () => {
    const user = `retry-${randomUUID()}@example.com`;
    const key = randomUUID();
    const body = consent(user);
    const first = await record(body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await eventCount();
    // the same payload with its keys in another order is the same request
    const second = await record(Object.fromEntries(Object.entries(body).reverse()), `"${key}"`);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await eventCount()).toBe(before);
    expect(await factsOf(user)).toEqual(['consent.given']);
  });

  it('a retry after the client timed out gets the consent that was recorded, not a new one', async () => {
    const user = `timeout-${randomUUID()}@example.com`;
    const key = randomUUID();
    const body = consent(user);
    const doneBefore = (await t.infra.db.query("SELECT 1 FROM idempotency_keys WHERE state = 'done' AND created_at >= now() - interval '1 minute'")).rowCount;
    // the client sends the whole request and hangs up before the answer arrives; the server carries on
    await sendAndHangUp('/consent/record', body, key);
    await waitFor(async () => (await t.infra.db.query("SELECT 1 FROM idempotency_keys WHERE state = 'done' AND created_at >= now() - interval '1 minute'")).rowCount > doneBefore);
    const retry = await record(body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const events = (await t.infra.store.readStream(`consent-${t.infra.pseudonymizer.subject(user)}`)).events;
    expect(events.map((e) => e.type)).toEqual(['consent.given']);
    expect(retry.body.consent_id).toBe(events[0].data.consent_id);
    expect(retry.body.events).toEqual([{ event_id: events[0].metadata.event_id, type: 'consent.given' }]);
  });

  it('the same key with another payload is refused with 422 and records nothing', async () => {
    const user = `reuse-${randomUUID()}@example.com`;
    const key = randomUUID();
    expect((await record(consent(user), key)).status).toBe(201);
    const before = await eventCount();
    const other = await record(consent(user, { consent_version: 'v2' }), key);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: 'idempotency_key_reused', details: { header: 'Idempotency-Key' } });
    expect(other.headers.get('link')).toContain('rel="describedby"');
    // another route with the same key is another request too
    const elsewhere = await t.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['user.contact.email'] }, undefined, { 'idempotency-key': key });
    expect(elsewhere.status).toBe(422);
    expect(await eventCount()).toBe(before);
    expect(await factsOf(user)).toEqual(['consent.given']);
  });

  it('concurrent requests with one key: one runs, the others get 409 or its answer, and the log has one fact', async () => {
    const user = `concurrent-${randomUUID()}@example.com`;
    const key = randomUUID();
    const body = consent(user);
    const answers = await Promise.all(Array.from({ length: 6 }, () => record(body, key)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.body).toMatchObject({ error: 'idempotency_key_in_use' });
      expect(a.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.consent_id)).size).toBe(1);
    expect(await factsOf(user)).toEqual(['consent.given']);
    const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } })).text();
    expect(metrics).toMatch(/pl_idempotency_requests_total\{outcome="run"\} [1-9]/);
  });

  it('keys are scoped per API key: another caller with the same key runs its own request', async () => {
    const user = `scoped-${randomUUID()}@example.com`;
    const key = randomUUID();
    const other = await t.createKey('consent:write');
    const a = await record(consent(user), key);
    const b = await record(consent(user), key, other);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(await factsOf(user)).toEqual(['consent.given', 'consent.renewed']);
  });

  it('replays a refusal too (a 4xx the request earned), and refuses a malformed key with 400 doing nothing', async () => {
    const key = randomUUID();
    const bad = { ...consent(`refused-${randomUUID()}@example.com`), legal_basis: 'legitimate_interest' };
    const first = await record(bad, key);
    expect(first.status).toBe(400);
    const second = await record(bad, key);
    expect(second.status).toBe(400);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');

    const before = await eventCount();
    const malformed = await record(consent(`malformed-${randomUUID()}@example.com`), 'short');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'invalid', details: { field: 'Idempotency-Key' } });
    expect(await eventCount()).toBe(before);
  });

  it('keeps the stored answer sealed: the table holds neither the key nor the personal data of the answer', async () => {
    const user = `sealed-${randomUUID()}@example.com`;
    const key = randomUUID();
    const r = await record(consent(user), key);
    const rows = await t.infra.db.query<{ row: string }>("SELECT row_to_json(k)::text AS row FROM idempotency_keys k");
    const all = rows.rows.map((x) => x.row).join('\n');
    expect(all).not.toContain(key);
    expect(all).not.toContain(user);
    expect(all).not.toContain('203.0.113.77');
    expect(all).not.toContain(r.body.consent_id);
    const positions = await t.infra.db.query<{ positions: string[]; state: string }>('SELECT positions, state FROM idempotency_keys ORDER BY created_at DESC LIMIT 1');
    expect(positions.rows[0]).toEqual({ positions: [r.body.position], state: 'done' });
  });

  it('an expired key is forgotten: the same key then runs as a new request', async () => {
    const user = `expired-${randomUUID()}@example.com`;
    const key = randomUUID();
    const body = consent(user);
    const first = await record(body, key);
    // time passes beyond IDEMPOTENCY_KEY_TTL_HOURS
    await t.infra.db.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE created_at >= now() - interval '1 minute'");
    const again = await record(body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.consent_id).not.toBe(first.body.consent_id);
    expect(await factsOf(user)).toEqual(['consent.given', 'consent.renewed']);
  });

  it('works on every command method: a bodiless DELETE replays its answer', async () => {
    const key = randomUUID();
    const first = await t.request('DELETE', '/webhooks/endpoints/crm-idem', undefined, undefined, { 'idempotency-key': key });
    const again = await t.request('DELETE', '/webhooks/endpoints/crm-idem', undefined, undefined, { 'idempotency-key': key });
    expect([first.status, again.status]).toEqual([404, 404]);
    expect(again.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // GET is not a command: the header changes nothing there
    const get = await t.request('GET', '/webhooks/endpoints', undefined, undefined, { 'idempotency-key': 'short' });
    expect(get.status).toBe(200);
  });

  it('runs on every command route of the app and on no read: a malformed key is refused by each command before it does anything', async () => {
    const doc = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'idem-probe') })));
    const commands = ops.filter((o) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(o.method));
    expect(commands.length).toBeGreaterThanOrEqual(45);
    const before = await eventCount();
    const notRefused: string[] = [];
    for (const o of commands) {
      const r = await t.request(o.method, o.path, o.method === 'DELETE' ? undefined : {}, undefined, { 'idempotency-key': 'short' });
      if (r.status !== 400 || (r.body as { details?: { field?: string } }).details?.field !== 'Idempotency-Key') notRefused.push(`${o.method} ${o.path}: ${r.status}`);
    }
    expect(notRefused).toEqual([]);
    expect(await eventCount()).toBe(before);
    // reads ignore the header (the interceptor is not bound to them)
    const reads = ops.filter((o) => o.method === 'GET' && !o.path.includes('idem-probe'));
    for (const o of reads) expect({ read: o.path, refusedForTheKey: (await t.request('GET', o.path, undefined, undefined, { 'idempotency-key': 'short' })).body?.details?.field === 'Idempotency-Key' }).toEqual({ read: o.path, refusedForTheKey: false });
  });

  it('documents the header, 409 and 422 on every command operation of the OpenAPI document, and on no query', async () => {
    const doc = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>> };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ label: `${method} ${path}`, method, op })));
    const commands = ops.filter((o) => ['post', 'put', 'patch', 'delete'].includes(o.method));
    expect(commands.length).toBeGreaterThanOrEqual(45);
    const has = (o: (typeof ops)[number]) => !!o.op.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header');
    expect(commands.filter((o) => !has(o) || !o.op.responses['409'] || !o.op.responses['422']).map((o) => o.label)).toEqual([]);
    expect(ops.filter((o) => o.method === 'get' && has(o)).map((o) => o.label)).toEqual([]);
  });
});
