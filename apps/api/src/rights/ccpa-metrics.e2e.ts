import { startTestApp, type TestApp } from '../../../../test/support/app';
import { requestStatusWhen } from '../../../../test/support/rights';

/** Issue 19: the CCPA request metrics of 11 CCR § 7102 (the console's Consent screen), through HTTP with requests made through the API. */
describe.each(['pglite', 'postgres'] as const)('CCPA request metrics (%s)', (backend) => {
  let app: TestApp;
  let year: number;
  const ids: Record<string, string> = {};

  const file = async (name: string, request_type: string, jurisdiction: 'GDPR' | 'CCPA') => {
    const r = await app.request('POST', '/data-subject/requests', { user_id: `queue-${name}@example.com`, request_type, jurisdiction });
    expect(r.status).toBe(201);
    ids[name] = r.body.request_id;
    return r.body;
  };

  beforeAll(async () => {
    app = await startTestApp({ backend });
    const first = await file('know-done', 'access', 'CCPA');
    year = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', year: 'numeric' }).format(new Date(first.received_at)));
    await file('know-denied', 'access', 'CCPA');
    await file('know-open', 'access', 'CCPA');
    await file('delete-denied', 'erasure', 'CCPA');
    await file('opt-out', 'opt_out_sale_sharing', 'CCPA');
    await file('gdpr-access', 'access', 'GDPR');
    expect((await app.request('POST', `/data-subject/requests/${ids['know-done']}/verify`, { method: 'data_points', data_points_matched: 3, signed_declaration: true })).status).toBe(200);
    await requestStatusWhen(app, ids['know-done'], (s) => s.verified);
    const done = await app.request('POST', `/data-subject/requests/${ids['know-done']}/complete`, {});
    expect(done.status).toBeLessThan(300);
    for (const name of ['know-denied', 'delete-denied', 'gdpr-access']) {
      expect((await app.request('POST', `/data-subject/requests/${ids[name]}/reject`, { reason: 'identity_not_verified', explanation: 'no match' })).status).toBe(200);
    }
    await requestStatusWhen(app, ids['know-done'], (s) => s.status === 'completed');
  });
  afterAll(() => app?.close());

  it('§ 7102 metrics per CCPA request type for the calendar year, JSON and CSV; GDPR requests are not counted', async () => {
    const r = await app.request('GET', `/data-subject/requests/metrics/ccpa?year=${year}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ year, timezone: 'America/Los_Angeles', disclose_by: `${year + 1}-07-01`, rule: { source: '11 CCR § 7102(a)', applies_when: expect.stringContaining('10,000,000 or more consumers') } });
    expect(r.body.rows.map((x: any) => x.metric)).toEqual(['delete', 'correct', 'know', 'opt_out_sale_sharing', 'limit']);
    const row = (m: string) => r.body.rows.find((x: any) => x.metric === m);
    expect(row('know')).toMatchObject({ request_type: 'access', source: '11 CCR § 7102(a)(1)(C)', received: 3, complied_in_whole_or_in_part: 1, denied: 1, pending: 1, median_days: 0, mean_days: 0 });
    expect(row('delete')).toMatchObject({ received: 1, complied_in_whole_or_in_part: 0, denied: 1, pending: 0 });
    expect(row('opt_out_sale_sharing')).toMatchObject({ received: 1, denied: 0 });
    expect(row('correct')).toMatchObject({ received: 0, median_days: null });

    const csv = await fetch(`${app.url}/data-subject/requests/metrics/ccpa?year=${year}&format=csv`, { headers: { authorization: `Bearer ${app.adminKey}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(['metric', 'request_type', 'received', 'complied_in_whole_or_in_part', 'denied', 'pending', 'median_days', 'mean_days']);
    expect(lines.find((l) => l[0] === 'know')).toEqual(['know', 'access', '3', '1', '1', '1', '0', '0']);
    expect(lines.find((l) => l[0] === 'correct')).toEqual(['correct', 'rectification', '0', '0', '0', '0', '', '']);

    const earlier = await app.request('GET', `/data-subject/requests/metrics/ccpa?year=${year - 1}`);
    expect(earlier.body.rows.every((x: any) => x.received === 0)).toBe(true);
  });

  it('refuses a missing or bad year or format with 400, and a key without rights:manage with 403', async () => {
    for (const q of ['', '?year=abc', '?year=1999', `?year=${year}&format=xml`, `?year=${year}&extra=1`]) {
      const r = await app.request('GET', `/data-subject/requests/metrics/ccpa${q}`);
      expect([q, r.status]).toEqual([q, 400]);
    }
    const auditor = await app.createKey('audit:read', 'consent:read');
    expect((await app.request('GET', `/data-subject/requests/metrics/ccpa?year=${year}`, undefined, auditor)).status).toBe(403);
  });
});
