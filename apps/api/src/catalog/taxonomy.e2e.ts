import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../../test/support/app';

/** Issue 18 over HTTP: the fideslang taxonomy and its versions, aliases stored canonically, custom keys that cannot hide Art. 9 data. */
describe('taxonomy (HTTP, PGlite)', () => {
  let t: TestApp;
  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
  const record = (user: string, over: Record<string, unknown>) =>
    t.request('POST', '/consent/record', {
      user_id: user, data_categories: ['user.contact.email'], processing_purposes: ['analytics.reporting'], consent_status: 'granted',
      consent_timestamp: new Date(Date.now() - 1000).toISOString(), legal_basis: 'consent', consent_version: 'v1', ...over,
    });

  describe('without custom key declarations', () => {
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t?.close());

    it('names the taxonomy and fideslang versions on the taxonomy route and in the RoPA export', async () => {
      const tax = await t.request('GET', '/governance/taxonomy');
      expect(tax.status).toBe(200);
      expect(tax.body).toMatchObject({ taxonomy_version: '2026-12-02.2', fideslang_version: '3.1.2', fideslang_source: expect.stringContaining('ethyca/fideslang') });
      expect(tax.body.data_categories).toContainEqual(expect.objectContaining({ key: 'user.health_and_medical', origin: 'fideslang', gdpr_art9: true, cpra_sensitive: true }));
      expect(tax.body.purposes).toContainEqual(expect.objectContaining({ key: 'third_party_sharing', origin: 'fideslang', ccpa_sale_or_sharing: null, note: expect.stringMatching(/1798\.140\(ad\)/) }));
      expect(tax.body.aliases.data_categories['user.contact.phone']).toBe('user.contact.phone_number');
      const ropa = await t.request('GET', '/governance/ropa');
      expect(ropa.body).toMatchObject({ taxonomy_version: '2026-12-02.2', fideslang_version: '3.1.2' });
    });

    it('accepts an older key and a fideslang key alike and stores the fideslang key', async () => {
      const r = await record('alias@example.com', { data_categories: ['user.contact.phone'], processing_purposes: ['personalization'] });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ data_categories: ['user.contact.phone_number'], processing_purposes: ['personalize'] });
      const v = await t.request('GET', '/consent/validate?user_id=alias%40example.com&data_category=user.contact.phone&processing_purpose=personalize.content');
      expect(v.body).toMatchObject({ processing_allowed: true });
    });

    it('refuses an undeclared custom category with the reason and records nothing', async () => {
      const before = await eventCount();
      const r = await record('custom@example.com', { data_categories: ['custom.health_and_medical'] });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/undeclared custom key: declare it with its parent taxonomy key/);
      expect(JSON.stringify(r.body)).not.toContain('custom.health_and_medical');
      expect(await eventCount()).toBe(before);
    });
  });

  describe('with custom.health_and_medical declared under user.health_and_medical', () => {
    beforeAll(async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'pl-taxonomy-')), 'custom-keys.yaml');
      writeFileSync(file, 'data_categories:\n  - { key: custom.health_and_medical, parent: user.health_and_medical }\n');
      t = await startTestApp({ env: { TAXONOMY_CUSTOM_KEYS_FILE: file } });
    });
    afterAll(() => t?.close());

    it('applies the Art. 9 checks: a plain consent is refused, an explicit one recorded', async () => {
      const before = await eventCount();
      const plain = await record('custom@example.com', { data_categories: ['custom.health_and_medical'] });
      expect(plain.status).toBe(400);
      expect(JSON.stringify(plain.body)).toMatch(/explicit_consent_method/);
      expect(await eventCount()).toBe(before);
      const explicit = await record('custom@example.com', { data_categories: ['custom.health_and_medical'], legal_basis: 'explicit_consent', explicit_consent_method: 'two_stage_verification' });
      expect(explicit.status).toBe(201);
      expect((await t.request('GET', '/governance/taxonomy')).body.custom_keys.data_categories).toEqual([{ key: 'custom.health_and_medical', label: 'custom.health_and_medical', parent: 'user.health_and_medical' }]);
    });
  });
});
