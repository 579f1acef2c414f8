import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../../test/support/app';

const shop = readFileSync(join(__dirname, '../../../../examples/manifests/online-shop.yaml'), 'utf8');

/** Invariant 8 with a real catalog: non-consent bases count only where an activity declares them. */
describe('validate against the catalog (online-shop manifest)', () => {
  let t: TestApp;
  const validate = (user: string, category: string, purpose: string) =>
    t.request('GET', `/consent/validate?user_id=${user}&data_category=${category}&processing_purpose=${purpose}`);
  const eventually = async <T>(f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
    for (let i = 0; ; i++) {
      const v = await f();
      if (ok(v) || i > 100) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    process.env.CONSENT_BASES_CACHE_MS = '0';
    t = await startTestApp({ backend: 'pglite' });
    const r = await t.request('POST', '/governance/manifests/apply', { manifest_yaml: shop });
    expect(r.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    delete process.env.CONSENT_BASES_CACHE_MS;
    await t?.close();
  });

  it('allows a declared contract basis for a covered category, with the basis named', async () => {
    const v = await eventually(() => validate('bob', 'user.contact.email', 'essential.service'), (x) => x.body.processing_allowed === true);
    expect(v.body).toMatchObject({ processing_allowed: true, legal_basis: 'contract', reason: 'declared_basis' });
    expect((await validate('bob', 'user.contact.email', 'essential.service.fulfilment')).body.legal_basis).toBe('contract');
    expect((await validate('bob', 'user', 'essential.legal')).body.processing_allowed).toBe(false);
  });

  it('never a blanket allow: an undeclared category or purpose is denied, and consent-based purposes need a consent', async () => {
    expect((await validate('bob', 'user.financial', 'essential.service')).body).toMatchObject({ processing_allowed: false, legal_basis: null });
    expect((await validate('bob', 'user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: false, reason: 'unknown_subject' });
    expect((await validate('bob', 'user.contact.email', 'essential.vital_interests')).body.processing_allowed).toBe(false);
  });

  it('a declared parent purpose covers its sub-purposes; the most compelling basis is named; only declared categories count', async () => {
    // customer-accounts declares essential.service (contract) and essential.service.security (legitimate interests)
    const v = await validate('carol', 'user.contact.email', 'essential.service.security');
    expect(v.body).toMatchObject({ processing_allowed: true, legal_basis: 'contract' });
    expect((await validate('carol', 'user.health', 'essential.service.security')).body.processing_allowed).toBe(false);
  });
});
