import { randomUUID } from 'node:crypto';
import { LocalConsentClient, RemoteConsentClient } from '@pl/sdk';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { describeKafka, KAFKA_BROKERS } from '../../../../libs/messaging/test/kafka-support';

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const PSEUDONYM_SECRET = 'test-pseudonym-secret-0123456789'; // the one test/support/app.ts configures

const record = (user: string, over: Record<string, unknown> = {}) => ({
  user_id: user,
  data_categories: ['user.contact.email'],
  processing_purposes: ['marketing.communications.email'],
  consent_status: 'granted',
  consent_timestamp: iso(-1000),
  legal_basis: 'consent',
  consent_version: 'v1',
  consent_metadata: { method: 'checkbox', ip_address: '203.0.113.9', user_agent: 'Mozilla/5.0' },
  ...over,
});

async function eventually(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

describeKafka('propagation end to end: API -> log -> relay -> Kafka -> SDK', () => {
  let t: TestApp;
  let local: LocalConsentClient;
  let remote: RemoteConsentClient;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', env: { KAFKA_BROKERS: KAFKA_BROKERS.join(',') } });
    await eventually(async () => (await t.request('GET', '/health', undefined, null)).body.checks?.kafka_relay?.ok === true, 30_000);
    local = new LocalConsentClient({ brokers: KAFKA_BROKERS, pseudonymSecret: PSEUDONYM_SECRET });
    await local.start();
    remote = new RemoteConsentClient({ baseUrl: t.url, apiKey: t.adminKey, ttlMs: 60_000, pseudonymSecret: PSEUDONYM_SECRET, invalidation: { brokers: KAFKA_BROKERS } });
    await remote.start();
  }, 90_000);
  afterAll(async () => {
    await remote?.stop();
    await local?.stop();
    await t?.close();
  });

  it('a withdrawal reaches the local cache and invalidates the remote cache; both answer like the server', async () => {
    const user = `user-${randomUUID()}@example.com`;
    expect(local.isAllowed(user, 'user.contact.email', 'marketing.communications.email')).toBe(false);
    expect((await t.request('POST', '/consent/record', record(user))).status).toBe(201);
    await eventually(() => local.isAllowed(user, 'user.contact.email', 'marketing.communications.email'));
    expect(await remote.isAllowed(user, 'user.contact.email', 'marketing.communications.email')).toBe(true);

    expect((await t.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['user.contact.email'] })).status).toBe(200);
    await eventually(() => !local.isAllowed(user, 'user.contact.email', 'marketing.communications.email'));
    // the remote answer was cached for 60 s: only the consent event can have dropped it
    await eventually(async () => !(await remote.isAllowed(user, 'user.contact.email', 'marketing.communications.email')));
    expect(remote.stats().invalidations).toBeGreaterThan(0);

    for (const [c, p] of [['user.contact.email', 'marketing.communications.email'], ['user.contact', 'analytics'], ['user.contact.email', 'marketing']]) {
      const server = (await t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=${c}&processing_purpose=${p}`)).body;
      const mine = local.check(user, c, p);
      expect({ allowed: mine.allowed, reason: mine.reason }).toEqual({ allowed: server.processing_allowed, reason: server.reason });
    }
    // the compacted topic carried no personal data: the snapshot has the pseudonym only
    expect(JSON.stringify(local.snapshot(user))).not.toContain('@example.com');
    expect(JSON.stringify(local.snapshot(user))).not.toContain('203.0.113.9');
  }, 60_000);

  it('an expired consent is denied locally as on the server, before any expiry event', async () => {
    const user = `user-${randomUUID()}@example.com`;
    expect((await t.request('POST', '/consent/record', record(user, { expiry_timestamp: iso(1500) }))).status).toBe(201);
    await eventually(() => local.isAllowed(user, 'user.contact.email', 'marketing.communications.email'));
    await new Promise((r) => setTimeout(r, 1600));
    expect(local.check(user, 'user.contact.email', 'marketing.communications.email')).toMatchObject({ allowed: false, reason: 'consent_expired' });
    const server = (await t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=user.contact.email&processing_purpose=marketing.communications.email`)).body;
    expect(server).toMatchObject({ processing_allowed: false, reason: 'consent_expired' });
  }, 60_000);

  it('health reports the relay ready and the local client reports its lag', async () => {
    const h = await t.request('GET', '/health', undefined, null);
    expect(h.body.checks.kafka_relay).toMatchObject({ ok: true, detail: { state: 'running', ready: true } });
    await eventually(() => local.status().lagMessages === 0);
    expect(local.status()).toMatchObject({ ready: true, lagMessages: 0 });
  }, 30_000);
});

describe('propagation with the broker unreachable', () => {
  it('the API keeps serving and /health reports the relay not ready', async () => {
    const t = await startTestApp({ backend: 'pglite', env: { KAFKA_BROKERS: '127.0.0.1:1' } });
    try {
      expect((await t.request('POST', '/consent/record', record('bob@example.com'))).status).toBe(201);
      const v = await t.request('GET', '/consent/validate?user_id=bob%40example.com&data_category=user.contact.email&processing_purpose=marketing.communications.email');
      expect(v.body.processing_allowed).toBe(true);
      expect((await t.request('GET', '/health', undefined, null)).status).toBe(503);
      await eventually(async () => (await t.request('GET', '/health', undefined, null)).body.checks.kafka_relay.detail.lastError !== null, 30_000);
      const h = await t.request('GET', '/health', undefined, null);
      expect(h.status).toBe(503);
      expect(h.body.checks.kafka_relay.detail).toMatchObject({ ready: false, state: expect.stringMatching(/retrying|connecting/) });
      expect(h.body.checks.kafka_relay.ok).toBe(false);
      expect(h.body.checks.kafka_relay.detail.lastError).toMatch(/connect|ECONNREFUSED/i);
    } finally {
      await t.close();
    }
  }, 60_000);
});
