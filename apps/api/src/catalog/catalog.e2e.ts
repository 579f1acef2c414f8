import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_START } from '@pl/domain';
import { storedEventCount } from '@pl/projections/catalog/int-helpers';
import { startTestApp, type TestApp } from '../../../../test/support/app';

const shop = readFileSync(join(__dirname, '../../../../examples/manifests/online-shop.yaml'), 'utf8');

const BAD_INPUT: Array<[string, string, string, unknown, number, RegExp]> = [
    ['system with an unknown country', 'POST', '/governance/systems', { system_id: 'erp', name: 'ERP', owner: 'ops', storage: [{ country: 'XX' }] }, 400, /ISO 3166/],
    ['system with an extra field', 'POST', '/governance/systems', { system_id: 'erp', name: 'ERP', owner: 'ops', storage: [{ country: 'DE' }], colour: 'red' }, 400, /validation/],
    ['system already registered', 'POST', '/governance/systems', { system_id: 'billing-db', name: 'B', owner: 'o', storage: [{ country: 'DE' }] }, 409, /already exists/],
    ['element with an unknown taxonomy key', 'POST', '/governance/systems/billing-db/elements', { element_id: 'shoe', name: 'shoe_size', category: 'user.shoe_size' }, 400, /unknown data category/],
    [
      'activity referencing an unknown system',
      'POST',
      '/governance/activities',
      { activity_id: 'ghost', name: 'G', controller: { name: 'C', contact: 'c@x' }, purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }], subject_categories: ['customer'], data_categories: ['user'], systems: ['nope'] },
      400,
      /systems\[0\] is not a registered system/,
    ],
    [
      'lawful basis outside Art. 6(1)',
      'POST',
      '/governance/activities',
      { activity_id: 'ghost', name: 'G', controller: { name: 'C', contact: 'c@x' }, purposes: [{ purpose: 'essential.service', lawful_basis: 'business_need' }], subject_categories: ['customer'], data_categories: ['user'], systems: ['billing-db'] },
      400,
      /Art\. 6\(1\)/,
    ],
    [
      'activity transfer with a mechanism that is not one (no echo of it)',
      'POST',
      '/governance/activities',
      {
        activity_id: 'ghost', name: 'G', controller: { name: 'C', contact: 'c@x' }, purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }], subject_categories: ['customer'], data_categories: ['user'], systems: ['billing-db'],
        transfers: [{ country: 'US', recipient: 'R', mechanism: { type: 'pinky_swear' } }],
      },
      400,
      /^transfers\[0\]\.mechanism\.type must be one of none, adequacy, scc(?!.*pinky)/,
    ],
    ['flow to an unknown country code', 'POST', '/governance/flows', { flow_id: 'f-x', source_system: 'billing-db', recipient: { name: 'R' }, categories: ['user'], destination_country: 'EU' }, 400, /ISO 3166/],
    ['malformed manifest', 'POST', '/governance/manifests/apply', { manifest_yaml: 'systems:\n  - system_id: a\n    storage: [{ country: DE }\n' }, 400, /line \d+/],
    ['receipt for an unknown system', 'POST', '/privacy/receipts', { user_id: 'u1', system_id: 'nope', data_category: 'user.contact.email', processing_purpose: 'essential.service', stored_at: '2026-01-01T00:00:00Z' }, 400, /not a registered system/],
    ['receipt with an unknown purpose', 'POST', '/privacy/receipts', { user_id: 'u1', system_id: 'billing-db', data_category: 'user.contact.email', processing_purpose: 'fun', stored_at: '2026-01-01T00:00:00Z' }, 400, /unknown purpose/],
  ];

describe('catalog API (systems, activities, RoPA, receipts, data map)', () => {
  let app: TestApp;
  const events = () => storedEventCount(app.infra.db);

  beforeAll(async () => {
    app = await startTestApp({ backend: 'pglite' });
  });
  afterAll(async () => app?.close());

  it('needs catalog:manage to write and catalog:read to read', async () => {
    const reader = await app.createKey('catalog:read');
    const r = await app.request('POST', '/governance/systems', { system_id: 'x', name: 'X', owner: 'o', storage: [{ country: 'DE' }] }, reader);
    expect(r.status).toBe(403);
    expect((await app.request('GET', '/governance/systems', undefined, reader)).status).toBe(200);
    expect((await app.request('GET', '/governance/systems', undefined, null)).status).toBe(401);
    const writer = await app.createKey('receipts:write');
    expect((await app.request('GET', '/governance/ropa', undefined, writer)).status).toBe(403);
  });

  it('applies a manifest once; the same manifest again appends nothing', async () => {
    const first = await app.request('POST', '/governance/manifests/apply', { manifest_yaml: shop });
    expect(first.status).toBe(200);
    expect(first.body.appended).toBeGreaterThan(20);
    const n = await events();
    const second = await app.request('POST', '/governance/manifests/apply', { manifest_yaml: shop });
    expect(second.body).toMatchObject({ appended: 0 });
    expect(await events()).toBe(n);
    const sys = await app.request('GET', '/governance/systems/billing-db');
    expect(sys.status).toBe(200);
    expect(sys.body.elements.map((e: any) => e.element_id)).toContain('iban');
  });

  it.each(BAD_INPUT)('%s: %s %s -> %s, nothing appended', async (_name, method, path, body, status, message) => {
    const n = await events();
    const r = await app.request(method, path, body);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error: expect.any(String), message: expect.stringMatching(message) });
    expect(JSON.stringify(r.body)).not.toMatch(/stack|at Object\./);
    expect(await events()).toBe(n);
  });

  it('apply refuses a manifest with an invalid entry, naming its line', async () => {
    const n = await events();
    const r = await app.request('POST', '/governance/manifests/apply', { manifest_yaml: shop.replace('destination_country: GB', 'destination_country: UK') });
    expect(r.status).toBe(400);
    const line = shop.split('\n').findIndex((l) => l.includes('destination_country: GB')) + 1;
    expect(r.body.details.findings).toEqual([expect.objectContaining({ code: 'unknown_country', line })]);
    expect(await events()).toBe(n);
  });

  it('a batch with one bad receipt appends nothing', async () => {
    const n = await events();
    const r = await app.request('POST', '/privacy/receipts/batch', {
      receipts: [
        { user_id: 'carol', system_id: 'accounts-db', data_category: 'user.contact.email', processing_purpose: 'essential.service', stored_at: '2026-01-01T00:00:00Z' },
        { user_id: 'dave', system_id: 'accounts-db', data_category: 'user.mood', processing_purpose: 'essential.service', stored_at: '2026-01-01T00:00:00Z' },
      ],
    });
    expect(r.status).toBe(400);
    expect(await events()).toBe(n);
  });

  it('records receipts under a pseudonym and serves the data map', async () => {
    const key = await app.createKey('receipts:write');
    const one = await app.request('POST', '/privacy/receipts', { user_id: 'alice@example.com', system_id: 'accounts-db', data_category: 'user.contact.email', processing_purpose: 'contract_necessary', stored_at: '2026-01-10T08:00:00Z' }, key);
    expect(one.status).toBe(201);
    expect(one.body.processing_purpose).toBe('essential.service');
    const batch = await app.request(
      'POST',
      '/privacy/receipts/batch',
      {
        receipts: [
          { user_id: 'alice@example.com', system_id: 'billing-db', data_category: 'user.financial.transaction', processing_purpose: 'essential.legal', stored_at: '2026-01-11T08:00:00Z' },
          { user_id: 'bob', system_id: 'web-analytics', data_category: 'user.device.ip_address', processing_purpose: 'analytics.reporting', stored_at: '2026-01-12T08:00:00Z' },
        ],
      },
      key,
    );
    expect(batch.status).toBe(201);
    expect(batch.body.receipts.map((r: any) => r.receipt_id)).toEqual([expect.any(String), expect.any(String)]);
    const log = JSON.stringify((await app.infra.store.readAll(LOG_START)).map((e) => [e.streamId, e.data, e.metadata]));
    expect(log).not.toContain('alice@example.com');
    const map = await app.request('GET', `/privacy/data-map/${encodeURIComponent('alice@example.com')}`);
    expect(map.status).toBe(200);
    expect(map.body.categories).toEqual(['user.contact.email', 'user.financial.transaction']);
    expect(map.body.lawful_bases).toEqual(['contract', 'legal_obligation']);
    const billing = map.body.systems.find((s: any) => s.system_id === 'billing-db').holdings[0];
    expect(billing).toMatchObject({ retention: 'P7Y', delete_after: '2033-01-11T08:00:00.000Z', activity_id: 'order-payments' });
    const nobody = await app.request('GET', '/privacy/data-map/nobody');
    expect(nobody.body.systems).toEqual([]);
  });

  it('exports Article 30 records as JSON and CSV, as of a date', async () => {
    const json = await app.request('GET', '/governance/ropa?view=controller&format=json');
    expect(json.status).toBe(200);
    expect(json.body.records.map((r: any) => r.activity_id)).toEqual(['customer-accounts', 'newsletter-marketing', 'order-payments', 'web-analytics']);
    const before = await app.request('GET', '/governance/ropa?as_of=2020-01-01T00:00:00Z');
    expect(before.body.records).toEqual([]);
    const csv = await app.request('GET', '/governance/ropa?format=csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(String(csv.body).split('\r\n')[0]).toMatch(/^activity_id,name,controller/);
    expect(String(csv.body)).toContain('order-payments');
    const processor = await app.request('GET', '/governance/ropa?view=processor');
    expect(processor.body).toMatchObject({ view: 'processor', records: [] });
    expect((await app.request('GET', '/governance/ropa?as_of=yesterday')).status).toBe(400);
    // change an activity after T: the answer for T stays the same
    const t = new Date().toISOString();
    const atT = await app.request('GET', `/governance/ropa?as_of=${t}`);
    await new Promise((r) => setTimeout(r, 5));
    const current = (await app.request('GET', '/governance/activities/order-payments')).body;
    const { status: _s, dpia: _d, findings: _f, ...input } = current;
    const put = await app.request('PUT', '/governance/activities/order-payments', { ...input, retention: [{ period: 'P10Y', reason: 'changed' }], description: 'changed later' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ changed: true, events: ['catalog.activity_updated'], read_model_current: true });
    expect((await app.request('GET', `/governance/ropa?as_of=${t}`)).body).toEqual(atT.body);
    const after = await app.request('GET', '/governance/ropa');
    expect(after.body.records.find((r: any) => r.activity_id === 'order-payments').retention).toEqual([{ category: null, period: 'P10Y', reason: 'changed' }]);
    const same = await app.request('PUT', '/governance/activities/order-payments', { ...input, retention: [{ period: 'P10Y', reason: 'changed' }], description: 'changed later' });
    expect(same.body).toMatchObject({ changed: false, events: [] });
    expect((await app.request('GET', '/governance/ropa?view=auditor')).status).toBe(400);
  });

  it('dashboard, DPIA screening, transfer assessments, evaluate', async () => {
    const d = await app.request('GET', '/governance/dashboard');
    expect(d.status).toBe(200);
    expect(d.body.counts).toMatchObject({ systems: 5, activities: 4, flows: 4 });
    expect(d.body.activities_needing_dpia.map((a: any) => a.activity_id)).toContain('web-analytics');
    expect(d.body.retention.overdue).toBeGreaterThanOrEqual(1);
    expect(d.body.activity_errors).toEqual([]);
    const health = {
      activity_id: 'health-survey',
      name: 'Health survey',
      controller: { name: 'Shop GmbH', contact: 'privacy@shop.example' },
      purposes: [{ purpose: 'research', lawful_basis: 'consent' }],
      subject_categories: ['customer'],
      data_categories: ['user.health'],
      systems: ['billing-db'],
    };
    expect((await app.request('POST', '/governance/activities', health)).status).toBe(201);
    const a = await app.request('GET', '/governance/activities/health-survey');
    expect(a.body.findings.filter((f: any) => f.severity === 'error').map((f: any) => f.code)).toEqual(['special_category_without_art9_condition', 'no_retention_limit', 'consent_without_consent_check']);
    const d2 = await app.request('GET', '/governance/dashboard');
    expect(d2.body.activity_errors.map((e: any) => e.activity_id)).toEqual(['health-survey', 'health-survey', 'health-survey']);
    // A transfer declared in an activity is assessed like a flow: "Privacy Shield" as free text is an error finding.
    const shielded = { ...health, activity_id: 'us-support', data_categories: ['user.contact.email'], art9_condition: undefined, purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' }], retention: [{ period: 'P1Y' }], transfers: [{ country: 'US', recipient: 'Support Desk Inc', safeguard: 'Privacy Shield' }] };
    expect((await app.request('POST', '/governance/activities', shielded)).status).toBe(201);
    const us = await app.request('GET', '/governance/activities/us-support');
    expect(us.body.findings).toContainEqual(expect.objectContaining({ severity: 'error', code: 'transfer_without_safeguard', message: expect.stringMatching(/C-311\/18/) }));
    const dpia = await app.request('GET', '/governance/activities/web-analytics/dpia');
    expect(dpia.body).toMatchObject({ outcome: 'consider', criteria_met: [expect.objectContaining({ number: 5 })] });
    const flow = await app.request('GET', '/governance/flows/accounts-to-newsletter/assessment?at=2026-06-01T00:00:00Z');
    expect(flow.body).toMatchObject({ allowed: true, basis: 'art46:scc' });
    expect((await app.request('GET', '/governance/activities/nope')).status).toBe(404);
    const ev = await app.request('POST', '/governance/manifests/evaluate', { manifest_yaml: readFileSync(join(__dirname, '../../../../examples/manifests/bad/non-compliant.yaml'), 'utf8') });
    expect(ev.body.ok).toBe(false);
  });
});

describe('catalog bad input on PostgreSQL: 4xx and nothing appended', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ backend: 'postgres' });
    expect((await app.request('POST', '/governance/manifests/apply', { manifest_yaml: shop })).status).toBe(200);
  });
  afterAll(async () => app?.close());

  it.each(BAD_INPUT)('%s: %s %s -> %s', async (_name, method, path, body, status, message) => {
    const n = await storedEventCount(app.infra.db);
    const r = await app.request(method, path, body);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error: expect.any(String), message: expect.stringMatching(message) });
    expect(await storedEventCount(app.infra.db)).toBe(n);
  });
});

describe('catalog writes while its read model lags (worker stopped)', () => {
  let app: TestApp;
  const saved = process.env.CATALOG_READ_YOUR_WRITES_TIMEOUT_MS;
  beforeAll(async () => {
    process.env.CATALOG_READ_YOUR_WRITES_TIMEOUT_MS = '300';
    app = await startTestApp({ backend: 'pglite' });
    await app.worker!.stop(); // projections stop: the catalog read model lags every write from now on
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.CATALOG_READ_YOUR_WRITES_TIMEOUT_MS;
    else process.env.CATALOG_READ_YOUR_WRITES_TIMEOUT_MS = saved;
    await app?.close();
  });

  it('the write is recorded and the answer says reads do not show it yet', async () => {
    const r = await app.request('POST', '/governance/systems', { system_id: 'crm', name: 'CRM', owner: 'ops', storage: [{ country: 'DE' }] });
    expect([r.status, r.status === 201 ? null : r.body]).toEqual([201, null]);
    expect(r.body).toMatchObject({ changed: true, events: ['catalog.system_registered'], read_model_current: false });
    const { events } = await app.infra.store.readStream('catalog-system-crm');
    expect(events.map((e) => e.type)).toEqual(['catalog.system_registered']);
  });
});
