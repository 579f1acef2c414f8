import { randomUUID } from 'node:crypto';
import { rebuildProjection } from '@pl/application';
import { computeDeadline, DEADLINE_RULES } from '@pl/domain/law/deadlines';
import { loadSnapshot } from '@pl/projections/consent';
import { PROJECTIONS } from '../../apps/worker/src/registry';
import { retentionProcessManager } from '../../apps/worker/src/retention.process-manager';
import { startTestApp, type TestApp } from '../support/app';
import { catalogFixtures, requestStatusWhen } from '../support/rights';

/** Personal values that must vanish after erasure (and never appear in clear anywhere). */
const ALICE = 'alice-7781@example.com';
const ALICE_IP = '203.0.113.77';
const ALICE_UA = 'AliceBrowser/9.9 (unique-ua-7781)';
const ALICE_EMAIL = 'alice.private.7781@example.com';
const ALICE_ADDRESS = '77 Secret Lane, Springfield';
const BOB = 'bob-4410@example.com';
const BOB_IP = '198.51.100.44';
const BOB_REFERRAL = 'friend-code-4410';

async function eventually<T>(probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every column of every table in every non-system schema, as text (a pg_dump in spirit). */
async function dumpDatabase(app: TestApp): Promise<string> {
  const cols = await app.infra.db.query<{ table_schema: string; table_name: string; column_name: string }>(
    `SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3`,
  );
  const parts: string[] = [];
  for (const c of cols.rows) {
    const r = await app.infra.db.query<{ v: string | null }>(`SELECT "${c.column_name}"::text AS v FROM "${c.table_schema}"."${c.table_name}"`);
    for (const row of r.rows) if (row.v) parts.push(`${c.table_schema}.${c.table_name}.${c.column_name}=${row.v}`);
  }
  return parts.join('\n');
}

jest.setTimeout(120_000);

describe.each(['pglite', 'postgres'] as const)('data-subject rights end to end (%s)', (backend) => {
  let app: TestApp;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    // billing's webhook host is allow-listed by name; tests resolve no names, so deliveries to it end as name_not_resolved
    app = await startTestApp({ backend, env: { OUTBOUND_ALLOWED_PRIVATE_NETWORKS: 'billing.example' } });
    alice = app.infra.pseudonymizer.subject(ALICE);
    bob = app.infra.pseudonymizer.subject(BOB);
    const consent = (user_id: string, ip: string, extra: Record<string, unknown>) =>
      app.request('POST', '/consent/record', {
        user_id, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], consent_status: 'granted', consent_timestamp: new Date(Date.now() - 60_000).toISOString(),
        legal_basis: 'consent', consent_version: 'v1', consent_metadata: { ip_address: ip, user_agent: ALICE_UA.replace('Alice', user_id === ALICE ? 'Alice' : 'Bob'), method: 'checkbox', ...extra },
      });
    expect((await consent(ALICE, ALICE_IP, { email: ALICE_EMAIL })).status).toBe(201);
    expect((await consent(BOB, BOB_IP, { referral: BOB_REFERRAL })).status).toBe(201);
    await catalogFixtures(app, [
      { user: ALICE, receipts: [['crm', 'user.contact.email', 'marketing'], ['billing', 'user.financial.transaction', 'essential.service.fulfilment'], ['billing', 'user.contact.address', 'essential.service.fulfilment']] },
      { user: BOB, receipts: [['crm', 'user.contact.email', 'marketing']] },
    ]);
  });
  afterAll(() => app?.close());
  const statusWhen = (id: string, ready: (r: any) => boolean) => requestStatusWhen(app, id, ready);

  it('access: never releases before verification, fans out, records every release, and never mixes subjects', async () => {
    const hook = await app.request('POST', '/webhooks/endpoints', { service: 'billing-svc', url: 'https://billing.example/hooks/privacy', topics: ['privacy-ledger.rights.tasks.v1'], system_id: 'billing' });
    expect(hook.status).toBeLessThan(300);
    const created = await app.request('POST', '/data-subject/requests', { user_id: ALICE, request_type: 'access', jurisdiction: 'GDPR', channel: 'web_form' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'received', verified: false, request_type: 'access', subject_key: alice });
    expect(JSON.stringify(created.body)).not.toContain(ALICE);
    const id = created.body.request_id;

    const dup = await app.request('POST', '/data-subject/requests', { user_id: ALICE, request_type: 'access', jurisdiction: 'GDPR' });
    expect(dup.status).toBe(409);

    const early = await app.request('GET', `/data-subject/requests/${id}/report`);
    expect(early.status).toBe(422);
    expect(JSON.stringify(early.body)).not.toContain(ALICE_IP);

    const verified = await app.request('POST', `/data-subject/requests/${id}/verify`, { method: 'documents' });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ verified: true });
    const { tasks } = await statusWhen(id, (r) => r.tasks.length >= 2);
    expect(tasks.map((t: any) => t.system_id).sort()).toEqual(['billing', 'crm']);
    const crm = tasks.find((t: any) => t.system_id === 'crm');
    const billing = tasks.find((t: any) => t.system_id === 'billing');
    expect(billing.categories.sort()).toEqual(['user.contact.address', 'user.financial.transaction']);
    // billing has a webhook; crm has no integration here (no Kafka in this test): a manual task for a human
    expect([crm.integration, billing.integration]).toEqual(['manual', 'webhook']);
    const manual = await app.request('GET', '/data-subject/tasks?integration=manual');
    expect(manual.body.tasks.map((x: any) => x.task_id)).toContain(crm.task_id);
    expect(manual.body.tasks.map((x: any) => x.task_id)).not.toContain(billing.task_id);

    await app.request('POST', `/data-subject/requests/${id}/tasks/${crm.task_id}/result`, { outcome: 'done', data: { 'user.contact.email': ALICE_EMAIL } });
    const last = await app.request('POST', `/data-subject/requests/${id}/tasks/${billing.task_id}/result`, { outcome: 'done', data: { 'user.contact.address': ALICE_ADDRESS } });
    expect(last.body).toMatchObject({ status: 'completed', tasks_open: 0 });

    const report = await app.request('GET', `/data-subject/requests/${id}/report`);
    expect(report.status).toBe(200);
    const r = report.body.report;
    expect(r.consents[0].proof).toMatchObject({ ip_address: ALICE_IP, method: 'checkbox' });
    expect(r.consents[0].extra).toEqual({ email: ALICE_EMAIL });
    expect(r.system_data.map((s: any) => s.system_id).sort()).toEqual(['billing', 'crm']);
    expect(r.purposes.map((p: any) => p.purpose)).toEqual(['essential.service.fulfilment', 'marketing']);
    expect(r.recipients).toEqual([{ recipient: 'payment-provider', third_countries: ['US'] }]);
    expect(JSON.stringify(report.body)).not.toContain(BOB_IP);
    expect(JSON.stringify(report.body)).not.toContain(bob);

    const { events } = await app.infra.store.readStream(`dsr-${id}`);
    const release = events.find((e) => e.type === 'rights.data_released')!;
    expect(release.data).toMatchObject({ request_id: id, subject_key: alice, released_to: expect.stringMatching(/^apikey:/), format: 'json' });
    // the systems' data is encrypted in the log
    const result = events.find((e) => e.type === 'rights.task_data_received')!;
    expect(JSON.stringify(result.data)).not.toContain('@example.com');
    expect(JSON.stringify(result.data)).not.toContain('Secret Lane');
  });

  it('restriction: the consent snapshot is restricted (validate then allows only storage or consented processing, Art. 18(2)) until lifted after a notice', async () => {
    const created = await app.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'restriction', jurisdiction: 'GDPR' });
    const id = created.body.request_id;
    const restricted = async () => !!(await loadSnapshot(app.infra.db, bob))?.restriction;
    expect(await restricted()).toBe(false);
    await app.request('POST', `/data-subject/requests/${id}/verify`, { method: 'documents' });
    expect(await eventually(async () => (await restricted()) || null)).toBe(true);
    const validate = (purpose: string) => app.request('GET', `/consent/validate?user_id=${encodeURIComponent(BOB)}&data_category=user.contact.email&processing_purpose=${purpose}`);
    // Art. 18(2): Bob's consent predates his restriction request, so it does not override it; storage goes on
    expect((await validate('marketing')).body).toMatchObject({ processing_allowed: false, reason: 'processing_restricted' });
    expect((await validate('essential.storage')).body).toMatchObject({ processing_allowed: true, reason: 'storage_under_restriction' });
    expect((await app.request('POST', `/data-subject/requests/${id}/restriction/lift`)).status).toBe(422);
    expect(await restricted()).toBe(true);
    expect((await app.request('POST', `/data-subject/requests/${id}/restriction/notify-lift`, { reason: 'accuracy verified' })).status).toBe(200);
    expect((await app.request('POST', `/data-subject/requests/${id}/restriction/lift`)).status).toBe(200);
    expect(await eventually(async () => ((await restricted()) ? null : 'lifted'))).toBe('lifted');
  });

  it('objection: direct marketing is refused absolutely, other legitimate-interest processing goes on; a 21(1) objection stops it', async () => {
    const dave = `dave-${randomUUID()}`;
    const activity = await app.request('POST', '/governance/activities', {
      activity_id: 'profiling', name: 'Profiling', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
      purposes: [{ purpose: 'marketing.advertising', lawful_basis: 'legitimate_interests' }, { purpose: 'personalization.recommendations', lawful_basis: 'legitimate_interests' }],
      subject_categories: ['customer'], data_categories: ['user.behavior.browsing_history'], systems: ['crm'],
    });
    expect(activity.status).toBe(201);
    const validate = async (purpose: string) =>
      (await app.request('GET', `/consent/validate?user_id=${encodeURIComponent(dave)}&data_category=user.behavior.browsing_history&processing_purpose=${purpose}`)).body;
    await new Promise((r) => setTimeout(r, 1100)); // the validate route caches declared bases for 1 s
    expect(await validate('marketing.advertising')).toMatchObject({ processing_allowed: true, reason: 'declared_basis' });

    const dm = await app.request('POST', '/data-subject/requests', { user_id: dave, request_type: 'objection', jurisdiction: 'GDPR', objection: { scope: 'direct_marketing' } });
    await app.request('POST', `/data-subject/requests/${dm.body.request_id}/verify`, { method: 'documents' });
    expect(await eventually(async () => ((await validate('marketing.advertising')).reason === 'objection' ? validate('marketing.advertising') : null))).toMatchObject({ processing_allowed: false, reason: 'objection' });
    expect(await validate('personalization.recommendations')).toMatchObject({ processing_allowed: true, reason: 'declared_basis' });
    const override = await app.request('POST', `/data-subject/requests/${dm.body.request_id}/objection/override`, { grounds: 'we need the revenue' });
    expect(override.status).toBe(422);
    expect(override.body.message).toMatch(/absolute/);

    // no system holds dave's data: nothing to fan out, the objection request completed on verification
    expect(await statusWhen(dm.body.request_id, (r) => r.status === 'completed')).toMatchObject({ status: 'completed', tasks_total: 0 });
    const second = await app.request('POST', '/data-subject/requests', { user_id: dave, request_type: 'objection', jurisdiction: 'GDPR', objection: { scope: 'legitimate_interests_public_task' } });
    await app.request('POST', `/data-subject/requests/${second.body.request_id}/verify`, { method: 'documents' });
    expect(await eventually(async () => ((await validate('personalization.recommendations')).reason === 'objection' ? validate('personalization.recommendations') : null))).toMatchObject({ processing_allowed: false, reason: 'objection' });
  });

  it('rectification: corrected values encrypted in the ledger, handed to each system for its categories (recorded as a release)', async () => {
    const NEW_EMAIL = 'bob.corrected.4410@example.com';
    const created = await app.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'rectification', jurisdiction: 'GDPR', corrections: { 'user.contact.email': NEW_EMAIL } });
    expect(created.status).toBe(201);
    const id = created.body.request_id;
    const { events } = await app.infra.store.readStream(`dsr-${id}`);
    expect(events.map((e) => e.type)).toEqual(['rights.request_received', 'rights.corrections_provided']);
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(NEW_EMAIL);
    expect((await app.request('POST', `/data-subject/requests/${id}/verify`, { method: 'documents' })).status).toBe(200);
    const verified = await statusWhen(id, (r) => r.tasks.length > 0);
    const task = verified.tasks[0];
    expect(verified.tasks.map((t: any) => [t.system_id, t.categories])).toEqual([['crm', ['user.contact.email']]]);
    expect((await app.request('GET', `/data-subject/requests/${id}/tasks/${task.task_id}/corrections`, undefined, await app.createKey('consent:read'))).status).toBe(403);
    const corr = await app.request('GET', `/data-subject/requests/${id}/tasks/${task.task_id}/corrections`);
    expect(corr.body).toEqual({ request_id: id, task_id: task.task_id, system_id: 'crm', corrections: { 'user.contact.email': NEW_EMAIL } });
    const after = (await app.infra.store.readStream(`dsr-${id}`)).events;
    expect(after.find((e) => e.type === 'rights.data_released')?.data).toMatchObject({ sections: ['corrections'], items: 1 });
    const done = await app.request('POST', `/data-subject/requests/${id}/tasks/${task.task_id}/result`, { outcome: 'done', records_affected: 1 });
    expect(done.body.status).toBe('completed');
    expect((await app.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'rectification', jurisdiction: 'GDPR' })).status).toBe(400);
    const report = await app.request('GET', `/data-subject/access/${encodeURIComponent(BOB)}`);
    expect(report.body.report.rectifications).toEqual([{ request_id: id, corrections: { 'user.contact.email': NEW_EMAIL }, provided_at: expect.any(String) }]);
    expect(JSON.stringify(report.body)).not.toContain(ALICE_IP);
  });

  it('portability: only data provided on consent or contract, as JSON and CSV, each release recorded', async () => {
    const first = await app.request('GET', `/data-subject/portability/${encodeURIComponent(BOB)}`);
    expect(first.status).toBe(200);
    const id = first.body.request_id;
    expect(first.body.export).toMatchObject({ source: 'GDPR Art. 20', portable_categories: ['user.contact.email'], records: [] });
    expect(first.body.export.consents).toHaveLength(1);
    // the extra consent fields Bob gave are his (Art. 20(1)): decrypted in the export, in the log only encrypted
    expect(first.body.export.consents[0].extra).toEqual({ referral: BOB_REFERRAL });
    expect(JSON.stringify((await app.infra.store.readStream(`consent-${bob}`)).events.map((e) => e.data))).not.toContain(BOB_REFERRAL);
    const status = await statusWhen(id, (r) => r.tasks.length > 0);
    const task = status.tasks.find((t: any) => t.system_id === 'crm');
    await app.request('POST', `/data-subject/requests/${id}/tasks/${task.task_id}/result`, { outcome: 'done', data: { 'user.contact.email': 'bob.4410@example.com', 'user.behavior.inferences#segment': 'not provided by bob' } });
    const csv = await fetch(`${app.url}/data-subject/requests/${id}/export?format=csv`, { headers: { authorization: `Bearer ${app.adminKey}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await csv.text()).toBe('system_id,category,field,value\r\ncrm,user.contact.email,user.contact.email,bob.4410@example.com\r\n');
    const { events } = await app.infra.store.readStream(`dsr-${id}`);
    expect(events.filter((e) => e.type === 'rights.data_released').map((e) => e.data.format)).toEqual(['json', 'csv']);
  });

  it('CCPA opt-out of sale/sharing needs no verification and is due in 15 business days', async () => {
    const r = await app.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'opt_out_sale_sharing', jurisdiction: 'CCPA' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ verified: true, verification_level: 'not_required' });
    // California's business days (state holidays), whatever the controller's establishment
    expect(r.body).toMatchObject({ calendar: 'us-ca', establishment: null, calendar_warnings: [] });
    expect(new Date(r.body.due_at).toISOString()).toBe(computeDeadline(DEADLINE_RULES.ccpa_opt_out_sale_sharing, new Date(r.body.received_at), 'us-ca').toISOString());
    expect(await eventually(async () => ((await loadSnapshot(app.infra.db, bob))?.opt_outs.length ? (await loadSnapshot(app.infra.db, bob))!.opt_outs.map((o) => o.kind).sort() : null))).toEqual(['sale', 'sharing']);
    expect((await statusWhen(r.body.request_id, (x) => x.tasks.length > 0)).tasks.map((t: any) => t.system_id)).toEqual(['crm']);
  });

  it('rejects bad input with 400 and changes nothing', async () => {
    expect((await app.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'teleport', jurisdiction: 'GDPR' })).status).toBe(400);
    expect((await app.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'restriction', jurisdiction: 'CCPA' })).status).toBe(400);
    expect((await app.request('GET', `/data-subject/requests/${randomUUID()}`)).status).toBe(404);
  });

  it('concurrent requests of the same type for one subject: exactly one is created', async () => {
    const erin = `erin-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => app.request('POST', '/data-subject/requests', { user_id: erin, request_type: 'access', jurisdiction: 'GDPR' })));
    expect(results.map((r) => r.status).filter((s) => s === 201)).toHaveLength(1);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const list = await app.infra.db.query('SELECT count(*)::int AS n FROM rm_rights.requests WHERE subject_key = $1', [app.infra.pseudonymizer.subject(erin)]);
    expect(list.rows[0].n).toBe(1);
  });

  it('rate limits request creation per subject', async () => {
    const carol = `carol-${randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await app.request('POST', '/data-subject/requests', { user_id: carol, request_type: 'access', jurisdiction: 'GDPR' });
      statuses.push(r.status);
      if (r.status === 201) await app.request('POST', `/data-subject/requests/${r.body.request_id}/reject`, { reason: 'excessive', explanation: 'repeated identical requests' });
    }
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('erasure keeps what the controller\'s declared retention obligation covers, until the end of the financial year plus its period, citing its statute; the data map drops it when the obligation ends', async () => {
    const CAROL = 'carol-5120@example.com';
    expect((await app.request('POST', '/governance/systems', { system_id: 'archive', name: 'archive', owner: 'finance', storage: [{ country: 'GB' }] })).status).toBe(201);
    const obligation = { category: 'user.financial.account', years: 6, counted_from: 'end_of_financial_year', year_end_month: 3, jurisdiction: 'GB', statute: 'Finance Act 1998 Sch. 18 para 21' };
    const bad = await app.request('POST', '/governance/activities', {
      activity_id: 'archiving', name: 'Archiving', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example', retention_obligations: [{ ...obligation, statute: '' }] },
      purposes: [{ purpose: 'essential.legal', lawful_basis: 'legal_obligation' }], subject_categories: ['customer'], data_categories: ['user.financial.account'], systems: ['archive'],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/statute is required/);
    expect((await app.request('POST', '/governance/activities', {
      activity_id: 'archiving', name: 'Archiving', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example', retention_obligations: [obligation] },
      purposes: [{ purpose: 'essential.legal', lawful_basis: 'legal_obligation' }], subject_categories: ['customer'], data_categories: ['user.financial.account'], systems: ['archive'],
    })).status).toBe(201);
    const storedAt = '2026-04-10T09:00:00.000Z';
    expect((await app.request('POST', '/privacy/receipts/batch', { receipts: [{ user_id: CAROL, system_id: 'archive', data_category: 'user.financial.account', processing_purpose: 'essential.legal', stored_at: storedAt }] })).status).toBeLessThan(300);
    const erased = await app.request('POST', '/data-subject/erasure', { user_id: CAROL });
    expect(erased.status).toBe(202);
    const archive = (await statusWhen(erased.body.request_id, (r) => r.tasks.length > 0)).tasks.find((t: any) => t.system_id === 'archive');
    // the record of 10 April 2026 falls in the financial year ending 31 March 2027; six years from then
    expect(archive).toMatchObject({ categories: [], retained: [{ category: 'user.financial.bank_account', reason_code: 'legal_obligation:declared_obligation', source: 'GDPR Art. 17(3)(b); Finance Act 1998 Sch. 18 para 21', retain_until: '2033-03-31', obligation_from: 'catalog' }] });

    // the data map keeps it until the obligation ends; the retention worker then records the end and the map drops it
    const carolMap = () => app.request('GET', `/privacy/data-map/${encodeURIComponent(CAROL)}`).then((r) => r.body);
    const kept = await eventually(async () => (await carolMap()).systems?.[0]?.holdings?.[0]?.retained ?? null);
    expect(kept).toMatchObject({ reason_code: 'legal_obligation:declared_obligation', until: '2033-03-31' });
    // the retention report shows it kept until its obligation ends (the end of 31 March 2033 in London, BST), with the statute
    const report = await app.request('GET', '/governance/retention/report');
    expect(report.body.retained.filter((e: any) => e.system_id === 'archive')).toEqual([
      expect.objectContaining({ delete_after: '2033-03-31T23:00:00.000Z', retained: expect.objectContaining({ source: 'GDPR Art. 17(3)(b); Finance Act 1998 Sch. 18 para 21', until: '2033-03-31' }) }),
    ]);
    expect(report.body.overdue.filter((e: any) => e.system_id === 'archive')).toEqual([]);
    const ended = async () => (await app.infra.store.readStream(`receipts-${app.infra.pseudonymizer.subject(CAROL)}`)).events.filter((e) => e.type === 'catalog.retention_obligation_ended');
    await retentionProcessManager.tick(app.infra, new Date('2033-03-31T22:59:59Z'));
    expect(await ended()).toEqual([]);
    await retentionProcessManager.tick(app.infra, new Date('2033-03-31T23:00:00Z'));
    expect(await eventually(async () => ((await carolMap()).systems.length === 0 ? true : null))).toBe(true);
    expect((await ended()).map((e) => [e.data.system_id, e.data.retained_until, e.data.source, e.data.time_zone, e.data.due_at])).toEqual([
      ['archive', '2033-03-31', 'GDPR Art. 17(3)(b); Finance Act 1998 Sch. 18 para 21', 'Europe/London', '2033-03-31T23:00:00.000Z'],
    ]);
  });

  it('erasure by crypto-shredding: tasks with retained items explained, no personal value left anywhere after a rebuild, accountability facts kept', async () => {
    const before = await dumpDatabase(app);
    expect(before).not.toContain(ALICE); // the raw user id never reaches the database
    expect(before).not.toContain(ALICE_IP); // personal fields are encrypted in the log
    expect(before).toContain(`subject_keys.subject_key=${alice}`);
    // a bookkeeping system that holds only payment records (all retained) and discloses them to a tax advisor
    expect((await app.request('POST', '/governance/systems', { system_id: 'ledger', name: 'ledger', owner: 'finance', storage: [{ country: 'DE' }], recipients: ['tax-advisor'] })).status).toBe(201);
    expect((await app.request('POST', '/governance/activities', {
      activity_id: 'bookkeeping', name: 'Bookkeeping', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
      purposes: [{ purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }], subject_categories: ['customer'], data_categories: ['user.financial.transaction'],
      systems: ['ledger'], recipients: ['auditor'], transfers: [], retention: [{ period: 'P10Y', reason: 'tax law' }],
    })).status).toBe(201);
    expect((await app.request('POST', '/privacy/receipts/batch', { receipts: [{ user_id: ALICE, system_id: 'ledger', data_category: 'user.financial.transaction', processing_purpose: 'essential.service.fulfilment', stored_at: new Date(Date.now() - 60_000).toISOString() }] })).status).toBeLessThan(300);
    const accepted = await app.request('POST', '/data-subject/erasure', { user_id: ALICE });
    expect(accepted.status).toBe(202);
    const erased = { body: await statusWhen(accepted.body.request_id, (r) => r.tasks.length >= 3) };
    // Art. 19: the recipients of what was erased (billing's address data); the ledger's data were all retained, so neither
    // its own recipient nor the bookkeeping activity's is told of an erasure that did not happen there
    expect(erased.body).toMatchObject({ request_type: 'erasure', verified: true, ledger_erased: true, subject_key: 'erased', recipients_notified: ['payment-provider'] });
    const billing = erased.body.tasks.find((t: any) => t.system_id === 'billing');
    expect(billing.categories).toEqual(['user.contact.address']);
    expect(billing.retained).toEqual([expect.objectContaining({ category: 'user.financial.transaction', reason_code: 'legal_obligation:payment_records', source: expect.stringContaining('17(3)(b)') })]);
    const ledger = erased.body.tasks.find((t: any) => t.system_id === 'ledger');
    expect(ledger).toMatchObject({ categories: [], retained: [expect.objectContaining({ category: 'user.financial.transaction', reason_code: 'legal_obligation:payment_records' })] });
    // the data map keeps exactly the retained holdings, with the reason; everything else of the subject is gone
    const map = await eventually(async () => {
      const m = await app.request('GET', `/privacy/data-map/${encodeURIComponent(ALICE)}`);
      return m.body?.systems?.map((x: any) => x.system_id).join() === 'billing,ledger' ? m.body : null;
    });
    expect(map.systems.map((x: any) => [x.system_id, x.holdings.map((h: any) => [h.category, h.retained?.reason_code])])).toEqual([
      ['billing', [['user.financial.transaction', 'legal_obligation:payment_records']]],
      ['ledger', [['user.financial.transaction', 'legal_obligation:payment_records']]],
    ]);
    for (const t of erased.body.tasks) await app.request('POST', `/data-subject/requests/${erased.body.request_id}/tasks/${t.task_id}/result`, { outcome: 'done', records_affected: 1 });
    const done = await app.request('GET', `/data-subject/requests/${erased.body.request_id}`);
    expect(done.body).toMatchObject({ status: 'partially_completed', outcome: 'partially_completed' });

    // exports after erasure: a new access report and a portability CSV carry none of the values
    const access = await app.request('GET', `/data-subject/access/${encodeURIComponent(ALICE)}`);
    expect(access.status).toBe(200);
    const csv = await app.request('GET', `/data-subject/portability/${encodeURIComponent(ALICE)}?format=csv`);
    expect(csv.status).toBe(200);
    const audit = await app.request('GET', '/audit/export');
    expect(audit.status).toBe(200);
    expect(String(audit.body).length).toBeGreaterThan(1000);
    for (const out of [JSON.stringify(access.body), String(csv.body), String(audit.body)]) {
      for (const v of [ALICE_IP, ALICE_UA, ALICE_EMAIL, ALICE_ADDRESS]) expect(out).not.toContain(v);
    }
    // accountability: the consent given at T for marketing is still readable, without its personal fields
    expect(access.body.report.consents[0]).toMatchObject({ purposes: ['marketing'], status: 'withdrawn' });
    expect(access.body.report.consents[0].proof.ip_address).toBeNull();

    // shredding leaves the stored bytes alone: the tamper-evident chain still verifies (invariant 9)
    const chain = await eventually(async () => {
      const v = await app.request('GET', '/audit/verify');
      return v.body?.ok && v.body.checked > 20 ? v.body : null;
    });
    expect(chain.first_break).toBeNull();
    await app.worker!.stop();
    for (const def of PROJECTIONS) await rebuildProjection(app.infra.db, app.infra.store, def);
    app.infra.keys.clearCache();
    const after = await dumpDatabase(app);
    for (const v of [ALICE, ALICE_IP, ALICE_UA, ALICE_EMAIL, ALICE_ADDRESS]) expect(after).not.toContain(v);
    expect(after).not.toContain(`subject_keys.subject_key=${alice}`); // the data key is gone: every past event of the subject is unreadable
    expect(after).toContain(`subject_keys.subject_key=${bob}`);
    // accountability: the request's completion is still in the rebuilt register and timeline
    expect(after).toContain(`rm_rights.requests.request_id=${erased.body.request_id}`);
    const row = await app.infra.db.query(`SELECT subject_key, status FROM rm_rights.requests WHERE request_id = $1`, [erased.body.request_id]);
    expect(row.rows[0]).toEqual({ subject_key: 'erased', status: 'partially_completed' });
    const decoded = await app.infra.codec.decode((await app.infra.store.readStream(`consent-${alice}`)).events);
    expect(decoded[0]).toMatchObject({ type: 'consent.given', erased: true, data: { processing_purposes: ['marketing'], proof: { ip_address: null } } });
  });
});
