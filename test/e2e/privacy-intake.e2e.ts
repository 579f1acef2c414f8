import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app';
import { privacyEvents } from '../support/privacy-events';

const USER = 'pia-intake-5512@example.com';
const TICKET = 'ticket-5512-secret';
const DAY = 24 * 3600_000;

const event = privacyEvents({ user_id: USER, event_data: { ticket: TICKET } });

/** Events of a type in the log, straight from the store (the truth, not a read model). */
async function logged(app: TestApp, type: string): Promise<Array<{ streamId: string; data: any; metadata: any }>> {
  const r = await app.infra.db.query(`SELECT stream_id AS "streamId", data, metadata FROM es_events WHERE type = $1 ORDER BY global_position`, [type]);
  return r.rows.map((x: any) => ({ streamId: x.streamId, data: JSON.parse(x.data), metadata: JSON.parse(x.metadata) }));
}

describe.each(['pglite', 'postgres'] as const)('POST /privacy/events on %s (issue 16: privacy event intake)', (backend) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ backend });
    const manifest = readFileSync(join(__dirname, '../../examples/manifests/online-shop.yaml'), 'utf8');
    expect((await app.request('POST', '/governance/manifests/apply', { manifest_yaml: manifest })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('records one event and a batch as processing-log entries, collapses repeats, and shows them in the data map and the Art. 15 report', async () => {
    const one = event();
    const first = await app.request('POST', '/privacy/events', one);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ event_id: one.event_id, event_type: 'data_accessed', outcome: 'recorded', ledger: { stream: 'processing', position: expect.any(String) } });
    expect((await app.request('POST', '/privacy/events', one)).body).toMatchObject({ outcome: 'duplicate' });

    const batch = [event({ event_type: 'data_modified' }), event({ event_type: 'data_exported', data_categories: ['personal'], processing_purposes: ['contract_necessary'], event_data: {} }), one];
    const b = await app.request('POST', '/privacy/events', { events: [...batch, batch[0]] });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ recorded: 2, duplicates: 2, refused: 0 });
    expect(b.body.results.map((r: any) => r.outcome)).toEqual(['recorded', 'recorded', 'duplicate', 'duplicate']);
    // a JSON array is a batch too
    expect((await app.request('POST', '/privacy/events', [one])).body.results[0].outcome).toBe('duplicate');

    const facts = await logged(app, 'intake.processing_logged');
    expect(facts.map((f) => f.data.source_event_id).sort()).toEqual([one.event_id, batch[0].event_id, batch[1].event_id].sort());
    // pseudonymous stream and key, event_data encrypted, no clear user id anywhere in the stored rows
    expect(new Set(facts.map((f) => f.streamId)).size).toBe(1);
    expect(facts[0].streamId).toMatch(/^processing-sub_/);
    expect(JSON.stringify(facts)).not.toContain(USER);
    expect(JSON.stringify(facts)).not.toContain(TICKET);
    expect(facts.find((f) => f.data.action === 'exported')!.data).toMatchObject({ categories: ['user'], purposes: ['essential.service'], details: null });

    const map = await app.request('GET', `/privacy/data-map/${encodeURIComponent(USER)}`);
    expect(map.status).toBe(200);
    expect(map.body.processing_log.map((p: any) => [p.service_name, p.action])).toEqual([['support-desk', 'accessed'], ['support-desk', 'modified'], ['support-desk', 'exported']]);
    expect(JSON.stringify(map.body.processing_log)).not.toContain(TICKET);

    const report = await app.request('GET', `/data-subject/access/${encodeURIComponent(USER)}`);
    expect(report.status).toBe(200);
    const log = report.body.report.processing_log;
    expect(log).toHaveLength(3);
    expect(log[0]).toEqual({ service_name: 'support-desk', action: 'accessed', categories: ['user.contact.phone_number'], purposes: ['essential.service'], legal_basis: 'contract', at: expect.any(String), details: { ticket: TICKET } });
    expect(report.body.report.categories).toContain('user.contact.phone_number');
  });

  it('records its keys under today\'s taxonomy: a purpose whose meaning changed keeps today\'s meaning on every read, an alias is stored canonical', async () => {
    const e = event({ data_categories: ['user.contact.phone'], processing_purposes: ['third_party_sharing'] });
    expect((await app.request('POST', '/privacy/events', e)).body).toMatchObject({ outcome: 'recorded' });
    const stored = (await logged(app, 'intake.processing_logged')).find((f) => f.data.source_event_id === e.event_id)!;
    // stamped, so a reader does not take it for an event of the taxonomy before fideslang
    expect(stored.metadata.taxonomy_version).toEqual(expect.any(String));
    expect(stored.data).toMatchObject({ categories: ['user.contact.phone_number'], purposes: ['third_party_sharing'] });
    const read = (await app.infra.store.readStream(stored.streamId)).events.find((x) => x.data.source_event_id === e.event_id)!;
    // fideslang's third_party_sharing (any sharing), not the old taxonomy's meaning (a sale)
    expect(read.data).toMatchObject({ categories: ['user.contact.phone_number'], purposes: ['third_party_sharing'] });
  });

  it('refuses a malformed batch whole (400, every problem by index, no value echoed) and records nothing', async () => {
    const before = (await logged(app, 'intake.processing_logged')).length;
    const bad = [event(), event({ event_type: 'data_sold', user_id: 'leak-me-77@example.com' }), event({ timestamp: 'yesterday' }), { ...event(), extra: 1 }];
    const r = await app.request('POST', '/privacy/events', bad);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('3 privacy events are malformed; nothing was recorded');
    expect(r.body.details.problems).toEqual([
      { field: 'events[1].event_type', problems: [expect.stringMatching(/^event_type must be one of consent_given, /)] },
      { field: 'events[2].timestamp', problems: ['timestamp must be an ISO 8601 date-time'] },
      { field: 'events[3].extra', problems: ['extra is not a field of a privacy event'] },
    ]);
    expect(JSON.stringify(r.body)).not.toContain('leak-me');
    expect((await app.request('POST', '/privacy/events', { events: [] })).status).toBe(400);
    expect((await app.request('POST', '/privacy/events', 'null')).status).toBe(400);
    expect((await logged(app, 'intake.processing_logged')).length).toBe(before);
    // a rule of the ledger refuses one event of a batch, with its reason; the others are recorded
    const unknown = event({ data_categories: ['user.contact.phone_number', 'user.no_such_category'] });
    const mixed = await app.request('POST', '/privacy/events', [unknown, event()]);
    expect(mixed.body.results.map((x: any) => x.outcome)).toEqual(['refused', 'recorded']);
    expect(mixed.body.results[0].reason).toMatch(/^data_categories\[1\]: unknown data category/);
  });

  it('consent events go through the consent rules; a repeat records nothing; expiry follows the ledger', async () => {
    const user = 'consent-intake-8821';
    const given = event({ event_type: 'consent_given', user_id: user, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], legal_basis: 'consent', event_data: { consent_version: 'v7', ip_address: '198.51.100.9' } });
    const r = await app.request('POST', '/privacy/events', given);
    expect(r.body).toMatchObject({ outcome: 'recorded', ledger: { consent_id: expect.any(String) } });
    expect((await app.request('POST', '/privacy/events', given)).body.outcome).toBe('duplicate');
    const q = `/consent/validate?user_id=${user}&data_category=user.contact.email&processing_purpose=marketing`;
    expect((await app.request('GET', q)).body.processing_allowed).toBe(true);
    const consents = (await logged(app, 'consent.given')).filter((e) => e.metadata.source_event_id === given.event_id);
    expect(consents).toHaveLength(1);
    expect(JSON.stringify(consents)).not.toContain('198.51.100.9');

    // a special category needs explicit consent (Art. 9(2)(a)): the reason says what to send
    const health = await app.request('POST', '/privacy/events', event({ event_type: 'consent_given', user_id: user, data_categories: ['user.health'], processing_purposes: ['marketing'], legal_basis: 'consent' }));
    expect(health.body.outcome).toBe('refused');
    expect(health.body.reason).toMatch(/explicit/);

    const withdrawn = event({ event_type: 'consent_withdrawn', user_id: user, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], legal_basis: 'consent', event_data: {} });
    expect((await app.request('POST', '/privacy/events', withdrawn)).body).toMatchObject({ outcome: 'recorded', ledger: { affected_consents: 1 } });
    expect((await app.request('POST', '/privacy/events', withdrawn)).body.outcome).toBe('duplicate');
    expect((await app.request('GET', q)).body.processing_allowed).toBe(false);
    // nothing is due by the ledger's own records: an expiry report expires nothing
    const expired = await app.request('POST', '/privacy/events', event({ event_type: 'consent_expired', user_id: user, data_categories: [], processing_purposes: [], legal_basis: 'consent', event_data: {} }));
    expect(expired.body).toMatchObject({ outcome: 'recorded', ledger: { expired: 0, position: null } });
  });

  it('breach_detected opens a breach in detected state, once', async () => {
    const b = event({ event_type: 'breach_detected', service_name: 'billing-db', data_categories: ['user.financial'], user_id: 'system', event_data: { description: 'unexpected export of invoices', source: 'internal_monitoring' } });
    const r = await app.request('POST', '/privacy/events', b);
    expect(r.body).toMatchObject({ outcome: 'recorded', ledger: { breach_id: expect.any(String), status: 'open', stage: 'detected' } });
    const again = await app.request('POST', '/privacy/events', b);
    expect(again.body).toMatchObject({ outcome: 'duplicate', ledger: { breach_id: r.body.ledger.breach_id } });
    const view = await app.request('GET', `/breaches/${r.body.ledger.breach_id}`);
    expect(view.status).toBe(200);
    expect([view.body.status, view.body.stage]).toEqual(['open', 'detected']);
    expect(view.body.systems).toEqual(['billing-db']);
    // an unregistered system is refused by the breach rules
    const unknown = await app.request('POST', '/privacy/events', event({ event_type: 'breach_detected', service_name: 'no-such-system', event_data: { description: 'x' } }));
    expect(unknown.body.outcome).toBe('refused');
  });

  it('retention_expired feeds the retention process: holdings the catalog says are due are recorded expired, once', async () => {
    const user = 'retention-intake-3301';
    const stored = new Date(Date.now() - 40 * DAY).toISOString();
    const receipt = await app.request('POST', '/privacy/receipts', { user_id: user, system_id: 'web-analytics', data_category: 'user.device.ip_address', processing_purpose: 'analytics.reporting', stored_at: stored });
    expect(receipt.status).toBe(201);
    const report = event({ event_type: 'retention_expired', user_id: user, service_name: 'web-analytics', data_categories: ['user.device'], processing_purposes: [], legal_basis: 'consent', event_data: {} });
    const r = await app.request('POST', '/privacy/events', report);
    expect(r.body).toMatchObject({ outcome: 'recorded', ledger: { retention_expired: 1 } });
    expect((await app.request('POST', '/privacy/events', report)).body).toMatchObject({ outcome: 'duplicate', ledger: { retention_expired: 0 } });
    const expired = (await logged(app, 'catalog.retention_expired')).filter((e) => e.data.system_id === 'web-analytics' && e.data.last_stored_at === stored);
    expect(expired).toHaveLength(1);
    expect(expired[0].data).toMatchObject({ category: 'user.device.ip_address', period: 'P30D' });
  });

  it('asks for the scope of each event\'s own route', async () => {
    const receiptsOnly = await app.createKey('receipts:write');
    expect((await app.request('POST', '/privacy/events', event(), receiptsOnly)).status).toBe(200);
    const consent = await app.request('POST', '/privacy/events', event({ event_type: 'consent_given', legal_basis: 'consent', processing_purposes: ['marketing'] }), receiptsOnly);
    expect(consent.status).toBe(403);
    expect(consent.body.message).toMatch(/consent:write/);
    expect((await app.request('POST', '/privacy/events', event(), await app.createKey('catalog:read'))).status).toBe(403);
  });

  it('GET /catalog/elements/{id}/lineage: upstream and downstream systems, flows and activities, now and as of a past date', async () => {
    const now = await app.request('GET', '/catalog/elements/email/lineage?system_id=accounts-db');
    expect(now.status).toBe(200);
    expect(now.body.upstream.systems.map((s: any) => s.system_id)).toEqual(['shop-web']);
    expect(now.body.downstream.systems.map((s: any) => s.system_id)).toEqual(['newsletter']);
    expect(now.body.downstream.flows.map((f: any) => f.flow_id)).toEqual(['accounts-to-newsletter']);
    expect(now.body.activities.map((a: any) => a.activity_id)).toContain('customer-accounts');
    const iban = await app.request('GET', '/catalog/elements/iban/lineage');
    expect(iban.body.downstream.recipients.map((r: any) => r.name)).toEqual(['PayFast Payments Ltd']);
    expect((await app.request('GET', '/catalog/elements/email/lineage?system_id=accounts-db&as_of=2020-01-01T00:00:00Z')).status).toBe(404);
    expect((await app.request('GET', '/catalog/elements/email/lineage?as_of=yesterday')).status).toBe(400);
    expect((await app.request('GET', '/catalog/elements/nope/lineage')).status).toBe(404);
  });
});

