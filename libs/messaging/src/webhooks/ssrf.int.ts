import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqlEventStore } from '@pl/eventstore';
import { SecretBox, TOPICS, WebhookDeliverer, WebhookDispatcher, listDeliveries, registerEndpoint } from '@pl/messaging';
import { nodeRequest, OutboundPolicy, type RequestFn } from '@pl/outbound';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { answers, noDnsInTests } from '../../../../test/support/outbound';
import { appendTo, newEvent } from '../../test/kafka-support';

// ARCHITECTURE invariant 14. Every socket here goes to 127.0.0.1 (allow-listed explicitly); private and
// link-local destinations only ever come from injected resolvers, and `opened` proves no request
// was started for them.
describe.each(SQL_BACKENDS)('webhooks never reach internal addresses (%s)', (_name, fresh) => {
  let db: FreshDatabase;
  let store: SqlEventStore;
  let dispatcher: WebhookDispatcher;
  let deliverer: WebhookDeliverer | null = null;
  const servers: Server[] = [];
  const box = new SecretBox(randomBytes(32));
  const opened: string[] = [];
  const recording: RequestFn = (o) => (opened.push(`${o.hostname}:${o.port}`), nodeRequest(o));

  beforeEach(async () => {
    db = await fresh();
    store = new SqlEventStore(db.db);
    await store.init();
    dispatcher = new WebhookDispatcher(db.db, store);
    await dispatcher.start();
    opened.length = 0;
  });
  afterEach(async () => {
    await deliverer?.stop();
    deliverer = null;
    await dispatcher.stop();
    for (const s of servers.splice(0)) (s.closeAllConnections(), s.close());
    await store.close();
    await db.drop();
  });

  async function receiver(answer: (res: ServerResponse) => void): Promise<{ port: number; hits: IncomingMessage[] }> {
    const hits: IncomingMessage[] = [];
    const server = createServer((req, res) => (hits.push(req), req.resume(), req.on('end', () => answer(res))));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, hits };
  }

  async function oneEventThenDeliver(policy: OutboundPolicy): Promise<void> {
    const subject = `sub_${randomBytes(24).toString('base64url')}`;
    const { position } = await appendTo(store, `consent-${subject}`, newEvent('consent.given', { subject_key: subject, category: 'contact', purpose: 'p' }));
    await dispatcher.waitFor(position);
    deliverer = new WebhookDeliverer(db.db, box, { policy, request: recording, pollMs: 20, timeoutMs: 1000, maxAttempts: 2, backoff: { initialMs: 20, maxMs: 40 } });
    await deliverer.start();
  }

  const register = (policy: OutboundPolicy, url: string) => registerEndpoint(db.db, box, { service: 'crm', url, topics: [TOPICS.consentEvents] }, policy);
  const endpoints = async () => (await db.db.query('SELECT service FROM webhook_endpoints')).rows;

  it('refuses at registration: literal internal addresses in every spelling, and names resolving to them; the address is not echoed', async () => {
    const strict = OutboundPolicy.fromSetting(null, noDnsInTests);
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:22/', 'http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://[::ffff:7f00:1]/', 'http://[::ffff:127.0.0.1]/', 'http://[fd00::1]/', 'http://100.64.0.1/', 'http://[64:ff9b::a00:5]/']) {
      await expect(register(strict, url)).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('OUTBOUND_ALLOWED_PRIVATE_NETWORKS') });
    }
    for (const address of ['169.254.169.254', '10.0.0.5', 'fd00::1']) {
      const refused = await register(OutboundPolicy.fromSetting(null, answers([address])), 'https://hooks.example.com/in').catch((e: Error) => e);
      expect(refused).toMatchObject({ code: 'invalid', message: expect.stringMatching(/resolves to a loopback, link-local, private or reserved address/) });
      expect((refused as Error).message).not.toContain(address);
    }
    await expect(register(strict, 'https://unknown.example/in')).rejects.toMatchObject({ code: 'invalid', message: 'url host name does not resolve' });
    expect(await endpoints()).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('re-checks at delivery after DNS resolution: a name rebound to an internal address is refused before any connection, and the log says refused_destination', async () => {
    const got = await receiver((res) => res.writeHead(204).end());
    const resolver = answers(['127.0.0.1'], ['169.254.169.254']);
    const policy = OutboundPolicy.fromSetting('127.0.0.1/32', resolver);
    await register(policy, `http://hooks.test:${got.port}/in`);
    expect(resolver.calls).toBe(1);
    await oneEventThenDeliver(policy);
    await waitUntil(async () => (await listDeliveries(db.db, { status: 'dead' })).length === 1);
    const [d] = await listDeliveries(db.db);
    expect(d).toMatchObject({ status: 'dead', attempts: 2, last_status_code: null, last_error: 'refused_destination' });
    expect(d.attempt_log.map((a) => a.error)).toEqual(['refused_destination', 'refused_destination']);
    expect(opened).toEqual([]);
    expect(got.hits).toEqual([]);
    expect(deliverer!.status()).toMatchObject({ refused: 2, delivered: 0 });
  });

  it('connects to the vetted address under the registered name (the allow-listed positive path)', async () => {
    const got = await receiver((res) => res.writeHead(204).end());
    const policy = OutboundPolicy.fromSetting('127.0.0.1/32', answers(['127.0.0.1']));
    await register(policy, `http://hooks.test:${got.port}/in`);
    await oneEventThenDeliver(policy);
    await waitUntil(async () => (await listDeliveries(db.db, { status: 'delivered' })).length === 1);
    expect(opened).toEqual([`hooks.test:${got.port}`]);
    // the receiver listens on 127.0.0.1 only: the name reached it through the pinned address, with its own Host header
    expect(got.hits.map((h) => h.headers.host)).toEqual([`hooks.test:${got.port}`]);
  });

  it('does not follow a redirect to the metadata address; connection failures are a class, not the socket error', async () => {
    const redirecting = await receiver((res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/' }).end());
    const policy = OutboundPolicy.fromSetting('127.0.0.1/32', noDnsInTests);
    await register(policy, `http://127.0.0.1:${redirecting.port}/in`);
    await oneEventThenDeliver(policy);
    await waitUntil(async () => (await listDeliveries(db.db, { status: 'dead' })).length === 1);
    expect((await listDeliveries(db.db))[0]).toMatchObject({ last_status_code: 302, last_error: 'http_302' });
    expect(opened).toEqual([`127.0.0.1:${redirecting.port}`, `127.0.0.1:${redirecting.port}`]);
    expect(redirecting.hits).toHaveLength(2);

    // an endpoint that refuses connections: the log says connection_failed, never ECONNREFUSED or the address
    const closed = await receiver(() => undefined);
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    await register(policy, `http://127.0.0.1:${closed.port}/in`);
    await db.db.query(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()`);
    await waitUntil(async () => (await listDeliveries(db.db, { status: 'dead' })).some((d) => d.last_error === 'connection_failed'));
    // rows written before outcome classes existed are shown as classes too
    const [{ id }] = await listDeliveries(db.db);
    await db.db.query(`INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, 99, NULL, 'TypeError: ECONNREFUSED 10.0.0.5:22', 3)`, [id]);
    const shown = JSON.stringify(await listDeliveries(db.db));
    expect(shown).not.toMatch(/ECONN|10\.0\.0\.5|127\.0\.0\.1|TypeError/);
    expect((await listDeliveries(db.db))[0].attempt_log.at(-1)).toMatchObject({ attempt: 99, error: 'connection_failed' });
  });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
