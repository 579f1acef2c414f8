import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalConsentClient } from '@pl/sdk';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { describeKafka, KAFKA_BROKERS } from '../../messaging/test/kafka-support';

const PSEUDONYM_SECRET = 'test-pseudonym-secret-0123456789'; // test/support/app.ts
const shop = readFileSync(join(__dirname, '../../../examples/manifests/online-shop.yaml'), 'utf8');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** (category, purpose) pairs: contract, legitimate interests, legal obligation, sub-purposes, undeclared, consent-only. */
const PAIRS: Array<[string, string]> = [
  ['user.contact.email', 'essential.service'], // contract (customer-accounts)
  ['user.contact.email', 'essential.service.fulfilment'], // contract
  ['user.contact.email', 'essential.service.security'], // contract (parent purpose) + legitimate interests
  ['user.account.credentials', 'essential.service.security'],
  ['user.device.ip_address', 'essential.service.security'],
  ['user.health', 'essential.service.security'], // category not declared
  ['user.financial', 'essential.service'], // wider than what is declared
  ['user.financial.transaction', 'essential.legal'], // legal obligation (order-payments)
  ['user.financial.account', 'essential.fraud_detection'], // legitimate interests (order-payments)
  ['user.contact.address', 'essential.fraud_detection'],
  ['user.contact.email', 'essential.fraud_detection'], // not declared for this category
  ['user', 'essential.legal'],
  ['user.contact.email', 'essential.vital_interests'],
  ['user.contact.email', 'marketing.communications.email'], // consent only
  ['user.behavior.browsing_history', 'analytics.reporting'], // consent only
];

describeKafka('SDK local mode answers like the server for non-consent purposes (catalog declared bases)', () => {
  let t: TestApp;
  let sdk: LocalConsentClient | null = null;
  let plain: LocalConsentClient | null = null;
  const alice = `alice-${randomUUID()}@example.com`; // consent for marketing email and analytics
  const bob = `bob-${randomUUID()}@example.com`; // the same, then withdrew everything
  const carol = `carol-${randomUUID()}@example.com`; // nothing recorded

  beforeAll(async () => {
    process.env.CONSENT_BASES_CACHE_MS = '0';
    t = await startTestApp({ backend: 'pglite', env: { KAFKA_BROKERS: KAFKA_BROKERS.join(',') } });
    expect((await t.request('POST', '/governance/manifests/apply', { manifest_yaml: shop })).status).toBe(200);
    for (const user of [alice, bob]) {
      const r = await t.request('POST', '/consent/record', {
        user_id: user, data_categories: ['user.contact.email', 'user.behavior.browsing_history'], processing_purposes: ['marketing.communications.email', 'analytics.reporting'],
        consent_status: 'granted', consent_timestamp: new Date(Date.now() - 1000).toISOString(), legal_basis: 'consent', consent_version: 'v1',
      });
      expect(r.status).toBe(201);
    }
    expect((await t.request('POST', '/consent/withdraw', { user_id: bob, data_categories: ['user.contact.email', 'user.behavior.browsing_history'] })).status).toBe(200);
    // the catalog read model is built by the worker: wait until the server itself sees the contract basis
    await until(async () => (await validate(carol, 'user.contact.email', 'essential.service')).processing_allowed === true, 30_000, 'the catalog read model');
  }, 120_000);
  afterAll(async () => {
    delete process.env.CONSENT_BASES_CACHE_MS;
    await sdk?.stop();
    await plain?.stop();
    await t?.close();
  });

  const validate = async (user: string, category: string, purpose: string) => {
    const r = await t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=${category}&processing_purpose=${purpose}`);
    expect(r.status).toBe(200);
    return r.body as { processing_allowed: boolean; legal_basis: string | null; reason: string };
  };

  const sdkSees = (c: LocalConsentClient) => () =>
    c.check(alice, 'user.contact.email', 'marketing.communications.email').allowed &&
    c.check(bob, 'user.contact.email', 'marketing.communications.email').reason === 'consent_withdrawn';

  it('check() and isAllowed() give what GET /consent/validate gives, for every subject and pair', async () => {
    // a service's key: consent:read only (the route gives no catalog detail beyond the bases; catalog:read is refused)
    const serviceKey = await t.createKey('consent:read');
    expect((await t.request('GET', '/governance/activities', undefined, serviceKey)).status).toBe(403);
    const served = await t.request('GET', '/consent/declared-bases', undefined, serviceKey);
    expect(served.status).toBe(200);
    expect(JSON.stringify(served.body)).not.toMatch(/"controller"|"dpo"|"recipients"|@/);
    sdk = new LocalConsentClient({ brokers: KAFKA_BROKERS, pseudonymSecret: PSEUDONYM_SECRET, catalog: { baseUrl: t.url, apiKey: serviceKey, refreshMs: 200 } });
    await sdk.start(60_000);
    expect(sdk.status().catalog).toMatchObject({ rows: expect.any(Number), lastError: null });
    expect(sdk.status().catalog!.rows).toBeGreaterThan(0);
    await until(sdkSees(sdk), 30_000, 'the SDK to see the consents');

    const bases = new Set<string>();
    for (const user of [alice, bob, carol]) {
      for (const [category, purpose] of PAIRS) {
        const server = await validate(user, category, purpose);
        const local = sdk.check(user, category, purpose);
        expect({ user, category, purpose, allowed: local.allowed, legal_basis: local.legal_basis, reason: local.reason }).toEqual({
          user, category, purpose, allowed: server.processing_allowed, legal_basis: server.legal_basis, reason: server.reason,
        });
        expect(sdk.isAllowed(user, category, purpose)).toBe(server.processing_allowed);
        if (server.legal_basis) bases.add(server.legal_basis);
      }
    }
    // the matrix did cover each kind of basis
    expect([...bases].sort()).toEqual(['consent', 'contract', 'legal_obligation', 'legitimate_interests']);
  }, 90_000);

  it('without the catalog, local mode denies what the catalog allows (the gap this closes)', async () => {
    plain = new LocalConsentClient({ brokers: KAFKA_BROKERS, pseudonymSecret: PSEUDONYM_SECRET });
    await plain.start(60_000);
    expect((await validate(carol, 'user.financial.account', 'essential.fraud_detection')).processing_allowed).toBe(true);
    expect(plain.isAllowed(carol, 'user.financial.account', 'essential.fraud_detection')).toBe(false);
    expect(sdk!.isAllowed(carol, 'user.financial.account', 'essential.fraud_detection')).toBe(true);
  }, 60_000);

  it('a catalog change reaches local mode with the refresh: a retired activity stops allowing, a re-declared one allows again', async () => {
    const c = sdk!;
    // warm the per-subject answer cache first: a refresh must drop it
    expect(c.isAllowed(alice, 'user.financial.transaction', 'essential.legal')).toBe(true);
    expect((await t.request('DELETE', '/governance/activities/order-payments')).status).toBe(200);
    await until(async () => (await validate(alice, 'user.financial.transaction', 'essential.legal')).processing_allowed === false, 30_000, 'the server to see the retirement');
    await until(() => !c.isAllowed(alice, 'user.financial.transaction', 'essential.legal'), 10_000, 'the SDK to see the retirement');
    for (const user of [alice, carol]) {
      for (const [category, purpose] of PAIRS) {
        expect({ user, category, purpose, allowed: c.isAllowed(user, category, purpose) }).toEqual({ user, category, purpose, allowed: (await validate(user, category, purpose)).processing_allowed });
      }
    }

    // and back: the deny above is cached for alice (a consent-based answer); the refresh must drop it
    expect(c.check(alice, 'user.financial.transaction', 'essential.legal').reason).toBe('no_consent');
    expect((await t.request('POST', '/governance/manifests/apply', { manifest_yaml: shop })).status).toBe(200);
    await until(async () => (await validate(alice, 'user.financial.transaction', 'essential.legal')).processing_allowed === true, 30_000, 'the server to see the activity again');
    await until(() => c.isAllowed(alice, 'user.financial.transaction', 'essential.legal'), 10_000, 'the SDK to drop its cached deny');
    expect(c.check(alice, 'user.financial.transaction', 'essential.legal')).toMatchObject({ allowed: true, legal_basis: 'legal_obligation', reason: 'declared_basis' });
  }, 90_000);
});
