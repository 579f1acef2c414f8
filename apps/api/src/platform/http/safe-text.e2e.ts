import { catalogProjection } from '@pl/projections/catalog';
import { consentProjection } from '@pl/projections/consent';
import { eventCountsProjection } from '@pl/projections/event_counts';
import { startTestApp, type TestApp } from '../../../../../test/support/app';

const consent = (over: Record<string, unknown> = {}) => ({
  user_id: 'text-user-1',
  data_categories: ['user.contact.email'],
  processing_purposes: ['marketing.communications.email'],
  consent_status: 'granted',
  consent_timestamp: new Date(Date.now() - 1000).toISOString(),
  legal_basis: 'consent',
  consent_version: 'v3',
  consent_metadata: { method: 'checkbox', channel: 'web', language: 'en' },
  ...over,
});

/** Invariant 10 at the HTTP edge: NUL, lone surrogates and noncharacters get a 400 naming the field, and change nothing. */
describe('text PostgreSQL cannot store, over HTTP (PGlite)', () => {
  let t: TestApp;
  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);

  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite' });
  });
  afterAll(() => t.close());

  it.each([
    ['a NUL in a body field', { consent_version: 'v3\u0000SECRET' }, 'consent_version', /NUL/],
    ['a lone high surrogate in a body field', { consent_version: 'v3\ud800SECRET' }, 'consent_version', /lone UTF-16 surrogate/],
    ['a lone low surrogate in a nested field', { consent_metadata: { method: 'SECRET\udc00' } }, 'consent_metadata.method', /lone UTF-16 surrogate/],
    ['a NUL in an array item', { data_categories: ['user.contact.email', 'SECRET\u0000'] }, 'data_categories.1', /NUL/],
    ['a NUL in an object key', { consent_metadata: { ['SECRET\u0000']: 'x' } }, 'consent_metadata.(key)', /NUL/],
    ['the read models\u2019 escape character', { consent_version: 'v3\ufdd0SECRET' }, 'consent_version', /noncharacter/],
  ])('POST /consent/record refuses %s: 400 naming the field, never the value, nothing appended', async (_, over, field, problem) => {
    const before = await eventCount();
    const r = await t.request('POST', '/consent/record', consent(over));
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(new RegExp(`^${field.replace(/[.()]/g, '\\$&')} `));
    expect(r.body.message).toMatch(problem);
    expect(r.body.details).toEqual([{ field, problems: [expect.stringMatching(problem)] }]);
    expect(JSON.stringify(r.body)).not.toContain('SECRET');
    expect(await eventCount()).toBe(before);
  });

  it('refuses them in query strings and path parameters too', async () => {
    const q = await t.request('GET', '/consent/validate?user_id=SECRET%00&data_category=user.contact.email&processing_purpose=marketing');
    expect(q.status).toBe(400);
    expect(q.body.details).toEqual([{ field: 'user_id', problems: [expect.stringMatching(/NUL/)] }]);
    const p = await t.request('GET', '/consent/SECRET%00');
    expect(p.status).toBe(400);
    expect(p.body.details).toEqual([{ field: 'user_id', problems: [expect.stringMatching(/NUL/)] }]);
    expect(JSON.stringify([q.body, p.body])).not.toContain('SECRET');
  });

  it('refuses a privacy manifest whose YAML escapes make a NUL, naming the field and line', async () => {
    const before = await eventCount();
    const manifest_yaml = 'systems:\n  - system_id: crm\n    name: "CRM\\0SECRET"\n';
    const r = await t.request('POST', '/governance/manifests/apply', { manifest_yaml });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^manifest systems\.0\.name .*NUL/);
    expect(r.body.details).toMatchObject({ field: 'systems.0.name', line: 3 });
    expect(JSON.stringify(r.body)).not.toContain('SECRET');
    expect(await eventCount()).toBe(before);
  });

  it('accepts clean text, astral characters included', async () => {
    const r = await t.request('POST', '/consent/record', consent({ consent_version: 'v3 \u{1F600} déjà' }));
    expect(r.status).toBe(201);
  });
});

/** Invariant 11 for commands: a consent command waiting on a stuck consent read model answers 503 naming it, at once. */
describe('a consent command while the consent projection is stuck (PGlite)', () => {
  it('answers 503 naming the stuck projection and its error class; /health names it too', async () => {
    const broken = { ...consentProjection, handle: async () => Promise.reject(new TypeError('SECRET row value')) };
    const brokenCatalog = { ...catalogProjection, handle: async () => Promise.reject(new RangeError('SECRET')) };
    const t = await startTestApp({
      backend: 'pglite',
      env: { CONSENT_READ_YOUR_WRITES_TIMEOUT_MS: '60000', CATALOG_READ_YOUR_WRITES_TIMEOUT_MS: '60000' },
      worker: { projections: [eventCountsProjection, broken, brokenCatalog], processManagers: [], services: [] },
    });
    try {
      const first = t.request('POST', '/consent/record', consent({ user_id: 'stuck-user' }));
      const started = Date.now();
      const r = await first;
      expect(r.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.body).toMatchObject({ error: 'service_unavailable', details: { projection: 'consent', stuck: true, error_class: 'TypeError' } });
      expect(r.body.message).toMatch(/consent is stuck/);
      const health = await t.request('GET', '/health', undefined, null);
      expect(health.status).toBe(503);
      expect(health.body.checks.projections.detail.find((p: any) => p.projection === 'consent').stuck).toMatchObject({ error_class: 'TypeError' });
      expect(JSON.stringify([r.body, health.body])).not.toContain('SECRET');
      // a second command answers at once
      const again = Date.now();
      const second = await t.request('POST', '/consent/withdraw', { user_id: 'stuck-user', data_categories: ['user.contact.email'], processing_purposes: ['marketing.communications.email'] });
      expect(second.status).toBe(503);
      expect(second.body.details).toMatchObject({ projection: 'consent', stuck: true });
      expect(Date.now() - again).toBeLessThan(2_000);
      // deny by default: validate does not answer from a read model that may be missing a withdrawal
      const v = await t.request('GET', '/consent/validate?user_id=stuck-user&data_category=user.contact.email&processing_purpose=marketing.communications.email');
      expect(v.status).toBe(503);
      expect(v.body.details).toMatchObject({ projection: 'consent', stuck: true });
      // a catalog write waits on the catalog read model: stuck is a 503 naming it, not "not yet current"
      const system = await t.request('POST', '/governance/systems', { system_id: 'erp', name: 'ERP', owner: 'ops', storage: [{ country: 'DE' }] });
      expect(system.status).toBe(503);
      expect(system.body.details).toMatchObject({ projection: 'catalog', stuck: true, error_class: 'RangeError' });
    } finally {
      await t.close();
    }
  });
});
