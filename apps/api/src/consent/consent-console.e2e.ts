import { startTestApp, type TestApp } from '../../../../test/support/app';
import { gppString } from '../../../../test/support/consent-signals';

/** Issue 19, the console's Consent screen: counts over time, conflicts between signals, the subject by its key; through HTTP. */
describe.each(['pglite', 'postgres'] as const)('consent metrics and conflicts (%s)', (backend) => {
  let t: TestApp;
  const run = Date.now().toString(36);
  const user = (name: string) => `${name}-${run}@example.com`;
  const today = new Date().toISOString().slice(0, 10);
  const record = (who: string, over: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    t.request('POST', '/consent/record', {
      user_id: who,
      data_categories: ['user.contact.email', 'user.device.cookie_id'],
      processing_purposes: ['analytics.reporting'],
      consent_status: 'granted',
      consent_timestamp: new Date(Date.now() - 1000).toISOString(),
      legal_basis: 'consent',
      consent_version: 'v1',
      ...over,
    }, undefined, headers);
  const key = (who: string) => t.infra.pseudonymizer.subject(who);
  const metrics = async () => (await t.request('GET', `/consent/metrics?from=${today}&to=${today}`)).body.series as Array<{ period: string; purpose: string; kind: string; signal: string | null; count: number }>;
  const countOf = (series: Awaited<ReturnType<typeof metrics>>, purpose: string, kind: string, signal: string | null = null) =>
    series.find((r) => r.purpose === purpose && r.kind === kind && r.signal === signal)?.count ?? 0;
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const v = await read();
      if (ok(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    return read();
  }

  beforeAll(async () => {
    t = await startTestApp({ backend });
  });
  afterAll(() => t?.close());

  it('counts grants per purpose, withdrawals, and opt-outs per signal with the grants they ended, per UTC day and week', async () => {
    const before = await metrics();
    const a = user('counted');
    expect((await record(a, { processing_purposes: ['analytics.reporting', 'marketing.advertising.third_party'] })).status).toBe(201);
    expect((await t.request('POST', '/consent/withdraw', { user_id: a, data_categories: [], processing_purposes: ['analytics.reporting'] })).status).toBe(200);
    // GPC on validate: an opt-out of sale and sharing that ends the advertising grant
    await t.request('GET', `/consent/validate?user_id=${encodeURIComponent(a)}&data_category=user.contact.email&processing_purpose=marketing.advertising.third_party`, undefined, undefined, { 'sec-gpc': '1' });
    const after = await until(metrics, (s) => countOf(s, 'marketing.advertising.third_party', 'opted_out', 'gpc') > countOf(before, 'marketing.advertising.third_party', 'opted_out', 'gpc'));
    const delta = (purpose: string, kind: string, signal: string | null = null) => countOf(after, purpose, kind, signal) - countOf(before, purpose, kind, signal);
    // one per event and purpose: two categories are one grant of the purpose
    expect(delta('analytics.reporting', 'granted')).toBe(1);
    expect(delta('marketing.advertising.third_party', 'granted')).toBe(1);
    expect(delta('analytics.reporting', 'withdrawn')).toBe(1);
    expect(delta('sale', 'opt_out', 'gpc')).toBe(1);
    expect(delta('sharing', 'opt_out', 'gpc')).toBe(1);
    expect(delta('marketing.advertising.third_party', 'opted_out', 'gpc')).toBe(1);
    expect(delta('marketing.advertising.third_party', 'withdrawn')).toBe(0);

    const week = await t.request('GET', `/consent/metrics?from=${today}&to=${today}&bucket=week`);
    expect(week.status).toBe(200);
    const monday = new Date(`${today}T00:00:00Z`);
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    expect(week.body).toMatchObject({ bucket: 'week', timezone: 'UTC' });
    expect(new Set(week.body.series.map((r: { period: string }) => r.period))).toEqual(new Set([monday.toISOString().slice(0, 10)]));
    expect(countOf(week.body.series, 'analytics.reporting', 'granted')).toBe(countOf(after, 'analytics.reporting', 'granted'));
    // a day with nothing counted
    expect((await t.request('GET', '/consent/metrics?from=2021-01-01&to=2021-01-31')).body.series).toEqual([]);
  });

  it('lists standing conflicts by subject key only: GPC vs consent, GPC vs GPP, GPP vs US Privacy; each subject looks up by key', async () => {
    const b = user('gpc-then-sale'); // GPC first, then a consent to sale: GPC prevails (11 CCR § 7025(c)(3))
    expect((await record(b, {}, { 'sec-gpc': '1' })).status).toBe(201);
    expect((await record(b, { processing_purposes: ['third_party_sharing.sale'] })).status).toBe(201);
    const c = user('gpp-vs-usp'); // GPP says "did not opt out" of sale, then US Privacy says opted out
    expect((await record(c, { consent_string: gppString('usca', { SaleOptOutNotice: 1, SaleOptOut: 2, SharingOptOut: 2 }) })).status).toBe(201);
    expect((await record(c, { consent_string: '1YYN' })).status).toBe(201);
    const d = user('gpc-vs-gpp'); // GPP says "did not opt out", the browser sends GPC
    expect((await record(d, { consent_string: gppString('usca', { SaleOptOutNotice: 1, SaleOptOut: 2, SharingOptOut: 2 }) }, { 'sec-gpc': '1' })).status).toBe(201);
    const e = user('agreeing'); // GPP and US Privacy both opted out: no conflict
    expect((await record(e, { consent_string: gppString('usca', { SaleOptOutNotice: 1, SaleOptOut: 1, SharingOptOut: 1 }) })).status).toBe(201);
    expect((await record(e, { consent_string: '1YYN' })).status).toBe(201);

    const mine = (list: Array<{ subject_key: string }>) => list.filter((x) => [b, c, d, e].map(key).includes(x.subject_key));
    const r = await until(() => t.request('GET', '/consent/conflicts?limit=500'), (x) => mine(x.body.conflicts ?? []).length >= 3);
    expect(r.status).toBe(200);
    const got = mine(r.body.conflicts).map((x: any) => [x.subject_key, x.conflict, x.signals.join('+')]).sort();
    expect(got).toEqual([
      [key(b), 'gpc_vs_consent', 'gpc'],
      [key(c), 'gpp_vs_usp', 'gpp+usp'],
      [key(d), 'gpc_vs_signal', 'gpc+gpp'],
    ].sort());
    const bRow = r.body.conflicts.find((x: any) => x.subject_key === key(b));
    expect(bRow).toMatchObject({ purposes: ['third_party_sharing.sale'], opt_outs: ['sale', 'sharing'], reask_allowed_from: null, rule: { prevails: 'opt_out', source: '11 CCR § 7025(c)(3)' } });
    // pseudonymous: no user id anywhere in the list
    for (const who of [b, c, d, e]) expect(JSON.stringify(r.body)).not.toContain(who);

    const only = await t.request('GET', '/consent/conflicts?kind=gpp_vs_usp&limit=500');
    expect(only.body.conflicts.every((x: any) => x.conflict === 'gpp_vs_usp')).toBe(true);
    // pages: newest first, the next page continues after the last row
    const all = (await t.request('GET', '/consent/conflicts?limit=500')).body.conflicts;
    const first = await t.request('GET', '/consent/conflicts?limit=1');
    expect(first.body.conflicts).toEqual([all[0]]);
    const second = await t.request('GET', `/consent/conflicts?limit=1&after=${first.body.next}`);
    expect(second.body.conflicts).toEqual([all[1]]);

    const s = await t.request('GET', `/consent/subjects/${key(b)}`);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ subject_key: key(b), known: true });
    expect(s.body.opt_outs.map((o: { source: string }) => o.source)).toContain('gpc');
    expect(JSON.stringify(s.body)).not.toContain(b);
  });

  it('refuses bad input with 400 and a key without consent:read with 403', async () => {
    for (const q of ['', '?from=2026-01-01', '?from=2026-13-01&to=2026-12-01', '?from=2026-02-01&to=2026-01-01', '?from=2024-01-01&to=2025-12-31', '?from=2026-01-01&to=2026-01-02&bucket=month', '?from=x&to=y']) {
      const r = await t.request('GET', `/consent/metrics${q}`);
      expect([q, r.status]).toEqual([q, 400]);
      expect(r.body.message ?? r.body.detail ?? r.body.title).toBeTruthy();
    }
    expect((await t.request('GET', '/consent/metrics?from=2023-01-01&to=2025-12-31&bucket=week')).status).toBe(200);
    for (const q of ['?kind=other', '?limit=0', '?limit=501', '?after=%25%25', `?after=${Buffer.from('nope').toString('base64url')}`]) {
      expect([q, (await t.request('GET', `/consent/conflicts${q}`)).status]).toEqual([q, 400]);
    }
    expect((await t.request('GET', '/consent/subjects/alice')).status).toBe(400);
    const auditor = await t.createKey('audit:read');
    for (const p of [`/consent/metrics?from=${today}&to=${today}`, '/consent/conflicts', `/consent/subjects/${key('x@example.com')}`]) {
      expect([p, (await t.request('GET', p, undefined, auditor)).status]).toEqual([p, 403]);
    }
  });
});
