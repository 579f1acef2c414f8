import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/app';
import { tcString } from '../support/consent-signals';

/**
 * The main user journey through HTTP only, as an operator would walk it with curl (docs/walkthrough.md):
 * catalog -> receipts -> consent (TCF string, Sec-GPC) -> validate -> withdraw -> validate false ->
 * erasure request -> verification -> task results -> completion -> no personal value anywhere in the
 * database -> audit chain verifies and its export holds no personal value.
 */

// Personal values of the journey's subject: none may survive erasure anywhere in the database.
const USER = 'journey.user.5521@example.com';
const EMAIL = 'journey.private.5521@example.net';
const IP = '198.51.100.217';
const UA = 'JourneyBrowser/5.5 (unique-ua-5521)';
// A second subject who is not erased: still pseudonymous everywhere, never in clear.
const OTHER = 'other.user.9930@example.org';

const MANIFEST = readFileSync(join(__dirname, '../../examples/manifests/online-shop.yaml'), 'utf8');

jest.setTimeout(180_000);

async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every column of every base table in every non-system schema, as text. */
async function dumpDatabase(t: TestApp): Promise<string> {
  const cols = await t.infra.db.query<{ table_schema: string; table_name: string; column_name: string }>(
    `SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3`,
  );
  expect(cols.rows.length).toBeGreaterThan(20);
  const parts: string[] = [];
  for (const c of cols.rows) {
    const r = await t.infra.db.query<{ v: string | null }>(`SELECT "${c.column_name}"::text AS v FROM "${c.table_schema}"."${c.table_name}"`);
    for (const row of r.rows) if (row.v) parts.push(`${c.table_schema}.${c.table_name}.${c.column_name}=${row.v}`);
  }
  return parts.join('\n');
}

describe.each(['pglite', 'postgres'] as const)('user journey over HTTP (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend });
  });
  afterAll(() => t?.close());

  it('catalog -> receipts -> consent -> withdraw -> erasure -> nothing personal left -> audit verifies', async () => {
    // 1. The catalog from the example manifest.
    const applied = await t.request('POST', '/governance/manifests/apply', { manifest_yaml: MANIFEST });
    expect(applied.status).toBe(200);
    const systems = await t.request('GET', '/governance/systems');
    expect(systems.body.systems.map((s: { system_id: string }) => s.system_id).sort()).toEqual(['accounts-db', 'billing-db', 'newsletter', 'shop-web', 'web-analytics']);
    const reapplied = await t.request('POST', '/governance/manifests/apply', { manifest_yaml: MANIFEST });
    expect(reapplied.status).toBe(200);
    expect(reapplied.body.appended).toBe(0);

    // 2. Processing receipts reported by the systems.
    const stored_at = new Date(Date.now() - 60_000).toISOString();
    const receipts = [
      ['accounts-db', 'user.contact.email', 'essential.service'],
      ['accounts-db', 'user.name', 'essential.service'],
      ['newsletter', 'user.contact.email', 'marketing.communications.email'],
      ['web-analytics', 'user.device.ip_address', 'analytics.reporting'],
      ['billing-db', 'user.financial.transaction', 'essential.legal'],
    ].map(([system_id, data_category, processing_purpose]) => ({ user_id: USER, system_id, data_category, processing_purpose, stored_at }));
    receipts.push({ user_id: OTHER, system_id: 'accounts-db', data_category: 'user.contact.email', processing_purpose: 'essential.service', stored_at });
    const batch = await t.request('POST', '/privacy/receipts/batch', { receipts });
    expect(batch.status).toBeLessThan(300);
    const unknownSystem = await t.request('POST', '/privacy/receipts', { ...receipts[0], system_id: 'no-such-system' });
    expect(unknownSystem.status).toBe(400);
    const map = await eventually('data map', async () => {
      const r = await t.request('GET', `/privacy/data-map/${encodeURIComponent(USER)}`);
      // The data map joins the catalog read model, which may lag the manifest apply under load.
      return r.body.systems?.length === 4 && r.body.lawful_bases?.length === 3 ? r.body : null;
    });
    expect(map.lawful_bases).toEqual(['consent', 'contract', 'legal_obligation']);

    // 3. Consent: a newsletter opt-in with proof (IP, user agent, a free-form e-mail), an analytics consent from a TCF string,
    // and an advertising consent sent with Sec-GPC: 1 (an opt-out of sale/sharing that wins).
    const base = { user_id: USER, consent_status: 'granted', consent_timestamp: new Date(Date.now() - 30_000).toISOString(), legal_basis: 'consent', consent_version: 'v1' };
    const newsletter = await t.request('POST', '/consent/record', {
      ...base,
      data_categories: ['user.contact.email', 'user.name'],
      processing_purposes: ['marketing.communications.email'],
      consent_metadata: { ip_address: IP, user_agent: UA, method: 'double_opt_in', confirmation_sent_to: EMAIL },
    });
    expect(newsletter.status).toBe(201);
    expect(newsletter.body.consent_id).toEqual(expect.any(String));
    const tcf = await t.request('POST', '/consent/record', {
      ...base,
      data_categories: ['user.device.ip_address', 'user.behavior.browsing_history'],
      processing_purposes: ['analytics.reporting'],
      consent_string: tcString({ purposes: [1, 7, 8, 9, 10] }),
    });
    expect(tcf.status).toBe(201);
    expect(tcf.body.signal.kind).toBe('tcf');
    expect(tcf.body.processing_purposes).toEqual(expect.arrayContaining(['analytics.reporting']));
    const gpc = await t.request(
      'POST',
      '/consent/record',
      { ...base, data_categories: ['user.behavior.browsing_history'], processing_purposes: ['marketing.advertising.third_party'] },
      undefined,
      { 'Sec-GPC': '1' },
    );
    expect(gpc.status).toBe(201);
    expect(gpc.body.gpc).toMatchObject({ signal_received: true, honored: true });

    const validate = (category: string, purpose: string) =>
      t.request('GET', `/consent/validate?user_id=${encodeURIComponent(USER)}&data_category=${category}&processing_purpose=${purpose}`);
    expect((await validate('user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: true, reason: 'consent_given' });
    expect((await validate('user.device.ip_address', 'analytics.reporting')).body).toMatchObject({ processing_allowed: true, legal_basis: 'consent' });
    expect((await validate('user.behavior.browsing_history', 'marketing.advertising.third_party')).body).toMatchObject({ processing_allowed: false, reason: 'opted_out' });
    // No consent, but the catalog declares contract for this purpose.
    expect((await validate('user.contact.email', 'essential.service')).body).toMatchObject({ processing_allowed: true, legal_basis: 'contract' });
    expect((await validate('user.health', 'research')).body).toMatchObject({ processing_allowed: false, reason: 'no_consent' });

    // 4. Withdrawal, then validate says no.
    const withdrawn = await t.request('POST', '/consent/withdraw', { user_id: USER, data_categories: ['user.contact.email'], processing_purposes: ['marketing.communications.email'] });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.affected_consents).toBe(1);
    expect((await validate('user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: false, reason: 'consent_withdrawn' });
    const batchCheck = await t.request('POST', '/consent/validate/batch', {
      checks: [
        { user_id: USER, data_category: 'user.device.ip_address', processing_purpose: 'analytics.reporting' },
        { user_id: USER, data_category: 'user.contact.email', processing_purpose: 'marketing.communications.email' },
      ],
    });
    expect(batchCheck.body).toMatchObject({ allowed: 1, denied: 1 });
    const history = await t.request('GET', `/consent/${encodeURIComponent(USER)}/history`);
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).toContain(IP); // readable to an authorised caller before erasure

    // 5a. An access request: verified, each system answers (one with the e-mail it holds), the report gathers it.
    const access = await t.request('POST', '/data-subject/requests', { user_id: USER, request_type: 'access', jurisdiction: 'GDPR' });
    expect(access.status).toBe(201);
    const accessId = access.body.request_id as string;
    expect((await t.request('GET', `/data-subject/requests/${accessId}/report`)).status).toBeGreaterThanOrEqual(400); // nothing released before verification
    expect((await t.request('POST', `/data-subject/requests/${accessId}/verify`, { method: 'data_points', data_points_matched: 2 })).status).toBe(200);
    const accessTasks = await eventually('access tasks', async () => {
      const r = await t.request('GET', `/data-subject/requests/${accessId}`);
      return r.body.tasks?.length >= 4 ? (r.body.tasks as Array<{ task_id: string; system_id: string }>) : null;
    });
    for (const task of accessTasks) {
      const data = task.system_id === 'accounts-db' ? { email: EMAIL } : {};
      expect((await t.request('POST', `/data-subject/requests/${accessId}/tasks/${task.task_id}/result`, { outcome: 'done', records_affected: 1, data })).status).toBe(200);
    }
    const report = await eventually('access report', async () => {
      const r = await t.request('GET', `/data-subject/requests/${accessId}/report`);
      return r.status === 200 ? r.body.report : null;
    });
    expect(JSON.stringify(report.system_data)).toContain(EMAIL);
    expect(report.receipts.length).toBe(5);
    expect(JSON.stringify(report)).not.toContain(t.infra.pseudonymizer.subject(OTHER));

    // 5b. An erasure request, verified, run through every system's task.
    const created = await t.request('POST', '/data-subject/requests', { user_id: USER, request_type: 'erasure', jurisdiction: 'GDPR' });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('received');
    const id = created.body.request_id as string;
    // Account authentication is refused for a subject not flagged as an account holder.
    const notVerified = await t.request('POST', `/data-subject/requests/${id}/verify`, { method: 'account_authentication' });
    expect(notVerified.status).toBe(422);
    const verified = await t.request('POST', `/data-subject/requests/${id}/verify`, { method: 'data_points', data_points_matched: 2 });
    expect(verified.status).toBe(200);
    expect(verified.body.verified).toBe(true);
    const tasks = await eventually('erasure tasks', async () => {
      const r = await t.request('GET', `/data-subject/requests/${id}`);
      return r.body.tasks?.length >= 4 ? (r.body.tasks as Array<{ task_id: string; system_id: string; retained: unknown[] }>) : null;
    });
    expect(tasks.map((x) => x.system_id).sort()).toEqual(['accounts-db', 'billing-db', 'newsletter', 'web-analytics']);
    // Invoices are kept under a legal obligation (Art. 17(3)(b)).
    expect(tasks.find((x) => x.system_id === 'billing-db')!.retained).toEqual([expect.objectContaining({ category: 'user.financial.transaction' })]);
    for (const task of tasks) {
      const r = await t.request('POST', `/data-subject/requests/${id}/tasks/${task.task_id}/result`, { outcome: 'done', records_affected: 1 });
      expect(r.status).toBe(200);
    }
    const done = await eventually('request closed', async () => {
      const r = await t.request('GET', `/data-subject/requests/${id}`);
      return r.body.closed_at ? r.body : null;
    });
    expect(['completed', 'partially_completed']).toContain(done.status);
    expect(done.tasks_open).toBe(0);
    expect(done.ledger_erased).toBe(true);
    // The access report of before is no longer readable in clear either.
    expect(JSON.stringify((await t.request('GET', `/data-subject/requests/${accessId}/report`)).body)).not.toContain(EMAIL);

    // 6. After erasure: consents withdrawn, validate false, the data map empty, history without the personal fields.
    expect((await validate('user.device.ip_address', 'analytics.reporting')).body).toMatchObject({ processing_allowed: false });
    await eventually('data map emptied', async () => {
      const r = await t.request('GET', `/privacy/data-map/${encodeURIComponent(USER)}`);
      return r.body.systems?.filter((s: { system_id: string }) => s.system_id !== 'billing-db').length === 0;
    });
    const after = await t.request('GET', `/consent/${encodeURIComponent(USER)}/history`);
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body)).not.toContain(IP);
    expect(JSON.stringify(after.body)).not.toContain(UA);
    expect(JSON.stringify(after.body)).not.toContain(EMAIL);

    // 7. No personal value of the subject anywhere in the database, in clear, in any table of any schema.
    const dump = await dumpDatabase(t);
    expect(dump).toContain(t.infra.pseudonymizer.subject(OTHER)); // the scan sees the data at all
    for (const value of [USER, EMAIL, IP, UA, OTHER]) expect(dump).not.toContain(value);
    expect(dump).not.toMatch(/journey\.(user|private)\.5521/);

    // 8. The audit chain verifies and its export holds no personal value either.
    const verify = await t.request('GET', '/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, first_break: null });
    expect(Number(verify.body.checked)).toBeGreaterThan(40);
    const exported = await fetch(`${t.url}/audit/export`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(exported.status).toBe(200);
    const ndjson = await exported.text();
    expect(ndjson.split('\n').filter(Boolean).length).toBeGreaterThan(40);
    for (const value of [USER, EMAIL, IP, UA, OTHER]) expect(ndjson).not.toContain(value);
  });

  it('breach: record, assess from the receipts in scope, drafts, notify the authority; audit still verifies', async () => {
    const refused = await t.request('POST', '/breaches', {
      aware_at: new Date(Date.now() - 3_600_000).toISOString(), source: 'internal_monitoring', description: `reported by ${EMAIL}`, reporter_role: 'security_operations', systems: ['accounts-db'],
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).not.toContain(EMAIL);
    const detected = await t.request('POST', '/breaches', {
      aware_at: new Date(Date.now() - 3_600_000).toISOString(), source: 'internal_monitoring', description: 'Misconfigured bucket exposed an accounts-db export',
      reporter_role: 'security_operations', systems: ['accounts-db'], window_from: new Date(Date.now() - 86_400_000).toISOString(), window_to: new Date().toISOString(),
    });
    expect(detected.status).toBe(201);
    const id = detected.body.breach_id as string;
    expect(detected.body.deadlines).toEqual([expect.objectContaining({ id: 'gdpr_art33_authority', source: 'GDPR Art. 33(1)', overdue: false })]);
    const assessed = await t.request('POST', `/breaches/${id}/assessment`, {
      factors: { confidentiality: true, integrity: false, availability: false, identifiability: 'maximum', encrypted: false, keys_safe: false, backup_available: true, vulnerable_subjects: false, likely_consequences: ['phishing'] },
      main_establishment: 'DE', measures_taken: ['bucket made private'], measures_proposed: ['rotate credentials'], contact_point: 'Data Protection Officer, dpo@shop.example', use_scope: true,
    });
    expect(assessed.status).toBe(200);
    expect(assessed.body.assessment).toMatchObject({ notify_authority: true, authorities: ['DE'] });
    // OTHER's e-mail receipt in accounts-db is in the window (the erased subject's receipts are gone).
    expect(assessed.body.assessment.factors.subjects_count).toBeGreaterThanOrEqual(1);
    const drafts = await t.request('GET', `/breaches/${id}/drafts`);
    expect(drafts.status).toBe(200);
    expect(drafts.body.authority.text).toContain('GDPR Art. 33');
    expect(drafts.body.authority.text).toContain('user.contact.email');
    const notified = await t.request('POST', `/breaches/${id}/authority-notifications`, { authority: 'DE', phase: 'initial' });
    expect(notified.status).toBeLessThan(300);
    expect(notified.body.stage).toBe('authority_notified');
    expect((await t.request('GET', '/audit/verify')).body).toMatchObject({ ok: true, first_break: null });
  });
});
