import { randomUUID } from 'node:crypto';
import { consentStreamId } from '@pl/domain/consent';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { gppString, tcString } from '../../../../test/support/consent-signals';

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

describe('consent routes (HTTP, PGlite)', () => {
  let t: TestApp;
  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
  const base = (over: Record<string, unknown> = {}) => ({
    user_id: 'alice@example.com',
    data_categories: ['user.contact.email'],
    processing_purposes: ['marketing.communications.email'],
    consent_status: 'granted',
    consent_timestamp: iso(-1000),
    legal_basis: 'consent',
    consent_version: 'v3',
    consent_metadata: {
      notice_id: 'newsletter-form',
      notice_version: '3',
      notice_text: 'We will send you our newsletter. You can unsubscribe at any time.',
      privacy_policy_version: '2026-01',
      method: 'checkbox',
      channel: 'web',
      page: '/signup?email=alice@example.com',
      language: 'en',
      ip_address: '203.0.113.9',
      user_agent: 'Mozilla/5.0 (X11; Linux) Firefox/140.0',
      campaign_note: 'met Alice at the fair',
    },
    ...over,
  });
  const validate = (user: string, category: string, purpose: string, key?: string) =>
    t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=${category}&processing_purpose=${purpose}`, undefined, key);

  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite' });
  });
  afterAll(() => t.close());

  it('records a consent with proof, computes a 12-month expiry and validates it', async () => {
    const r = await t.request('POST', '/consent/record', base());
    expect(r.status).toBe(201);
    expect(r.body.consent_id).toMatch(/^[0-9a-f-]{36}$/);
    const months = (Date.parse(r.body.expiry_timestamp) - Date.parse(r.body.consent_timestamp)) / (24 * 3600 * 1000);
    expect(months).toBeGreaterThan(364);
    expect(months).toBeLessThan(367);
    expect(r.body.consent_metadata.notice_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body.consent_metadata.page).toBe('/signup');
    const v = await validate('alice@example.com', 'user.contact.email', 'marketing.communications.email');
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ user_id: 'alice@example.com', processing_allowed: true, legal_basis: 'consent', consent_id: r.body.consent_id, expires_at: r.body.expiry_timestamp, reason: 'consent_given' });
    // a covering parent category does not make a narrower consent cover the parent
    expect((await validate('alice@example.com', 'user.contact', 'marketing.communications.email')).body.processing_allowed).toBe(false);
  });

  it('keeps IP, user agent and free text out of the log in clear; history decrypts only for consent:read-pii', async () => {
    const raw = await t.infra.db.query<{ data: string; stream_id: string }>("SELECT stream_id, data FROM es_events WHERE type = 'consent.given'");
    const all = raw.rows.map((r) => r.stream_id + r.data).join('\n');
    for (const secret of ['203.0.113.9', 'Firefox', 'met Alice', 'alice@example.com', '/signup']) expect(all).not.toContain(secret);
    const pii = await t.createKey('consent:read-pii');
    const reader = await t.createKey('consent:read');
    const h1 = await t.request('GET', `/consent/${encodeURIComponent('alice@example.com')}/history`, undefined, pii);
    expect(h1.status).toBe(200);
    expect(h1.body.personal_fields).toBe('decrypted');
    expect(h1.body.events[0].data.proof.ip_address).toBe('203.0.113.9');
    expect(h1.body.events[0].data.extra).toEqual({ campaign_note: 'met Alice at the fair' });
    const h2 = await t.request('GET', `/consent/${encodeURIComponent('alice@example.com')}/history`, undefined, reader);
    expect(h2.body.personal_fields).toBe('omitted');
    expect(h2.body.events[0].data.proof.ip_address).toBeNull();
    expect(h2.body.events[0].data.proof.method).toBe('checkbox');
    expect(JSON.stringify(h2.body)).not.toContain('203.0.113.9');
    // a read key cannot write
    expect((await t.request('POST', '/consent/record', base(), reader)).status).toBe(403);
  });

  it('withdraws as easily as given: validate answers false at once with the reason', async () => {
    const w = await t.request('POST', '/consent/withdraw', { user_id: 'alice@example.com', data_categories: ['user.contact.email'] });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ affected_consents: 1, data_categories: ['user.contact.email'], processing_cessation_initiated: true });
    expect(Date.parse(w.body.withdrawal_timestamp)).not.toBeNaN();
    const v = await validate('alice@example.com', 'user.contact.email', 'marketing.communications.email');
    expect(v.body).toMatchObject({ processing_allowed: false, legal_basis: null, reason: 'consent_withdrawn' });
    const again = await t.request('POST', '/consent/withdraw', { user_id: 'alice@example.com', data_categories: [] });
    expect(again.body.affected_consents).toBe(0);
    const state = await t.request('GET', `/consent/${encodeURIComponent('alice@example.com')}`);
    expect(state.body.consents).toEqual([expect.objectContaining({ data_category: 'user.contact.email', status: 'withdrawn' })]);
  });

  it('rejects bad input with 400 and the reason, appending nothing', async () => {
    const before = await eventCount();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [base({ data_categories: ['user.nonsense'] }), /unknown data category/],
      [base({ processing_purposes: ['world_domination'] }), /unknown purpose/],
      [{ ...base(), user_id: undefined }, /validation/],
      [base({ consent_timestamp: iso(60 * 60 * 1000) }), /future/],
      [base({ expiry_timestamp: iso(-60 * 60 * 1000) }), /expiry_timestamp must be after/],
      [base({ consent_string: 'CPXnotatcstring' }), /TC string/],
      [base({ consent_string: 'DBABMA~CPX' }), /GPP/],
      [base({ consent_metadata: { note: 'x'.repeat(9000) } }), /at most 8192/],
      [base({ legal_basis: 'contract' }), /catalog/],
      [base({ consent_status: 'maybe' }), /validation/],
      [base({ unexpected: 1 }), /validation/],
    ];
    for (const [body, message] of cases) {
      const r = await t.request('POST', '/consent/record', body);
      expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: expect.objectContaining({ message: expect.stringMatching(message) }) });
    }
    expect((await t.request('POST', '/consent/withdraw', { user_id: 'alice@example.com', data_categories: ['nope.nope'] })).status).toBe(400);
    expect((await t.request('GET', '/consent/validate?data_category=user&processing_purpose=analytics')).status).toBe(400);
    expect((await t.request('GET', '/consent/validate?user_id=a&data_category=user&processing_purpose=nope.nope')).status).toBe(400);
    for (const body of [{ checks: [] }, { checks: [{ user_id: 'a', data_category: 'user', processing_purpose: 'analytics', extra: 1 }] }, { checks: [{ user_id: 'a', data_category: 'user' }] }, { checks: [{ user_id: 'a', data_category: 'user', processing_purpose: 'nope.nope' }] }]) {
      expect((await t.request('POST', '/consent/validate/batch', body)).status).toBe(400);
    }
    expect(await eventCount()).toBe(before);
  });

  it('honours Sec-GPC: 1 as an opt-out of sale and sharing and records a later conflicting consent', async () => {
    const user = 'gpc-user@example.com';
    const r = await t.request('POST', '/consent/record', base({ user_id: user, processing_purposes: ['analytics.reporting'] }), undefined, { 'sec-gpc': '1' });
    expect(r.status).toBe(201);
    expect(r.body.gpc).toMatchObject({ signal_received: true, honored: true, status: 'Opt-Out Request Honored' });
    const ads = await t.request('POST', '/consent/record', base({ user_id: user, processing_purposes: ['marketing.advertising.third_party'] }));
    expect(ads.body.conflicts).toEqual([expect.objectContaining({ consent_id: ads.body.consent_id, purposes: ['marketing.advertising.third_party'], sources: ['gpc'] })]);
    const v = await validate(user, 'user.contact.email', 'marketing.advertising.third_party');
    expect(v.body).toMatchObject({ processing_allowed: false, reason: 'opted_out' });
    expect(v.body.detail).toMatch(/gpc/);
    expect((await validate(user, 'user.contact.email', 'analytics.reporting')).body.processing_allowed).toBe(true);
    const state = await t.request('GET', `/consent/${encodeURIComponent(user)}`);
    expect(state.body.opt_outs.map((o: { kind: string }) => o.kind).sort()).toEqual(['sale', 'sharing']);
    expect(state.body.conflicts).toHaveLength(1);
    // the signal on a withdrawal call counts too
    const other = 'gpc-withdraw@example.com';
    await t.request('POST', '/consent/record', base({ user_id: other, processing_purposes: ['third_party_sharing.sale'] }));
    expect((await validate(other, 'user.contact.email', 'third_party_sharing.sale')).body.processing_allowed).toBe(true);
    const w = await t.request('POST', '/consent/withdraw', { user_id: other, data_categories: ['user.contact.email'], processing_purposes: ['analytics'] }, undefined, { 'sec-gpc': '1' });
    expect(w.body).toMatchObject({ affected_consents: 0, gpc: { honored: true } });
    expect((await validate(other, 'user.contact.email', 'third_party_sharing.sale')).body).toMatchObject({ processing_allowed: false, reason: 'opted_out' });
  });

  it('stores a TC string encrypted with its summary and grants the mapped purposes', async () => {
    const tc = tcString({ purposes: [1, 7], vendors: [755], cmpId: 31 });
    const r = await t.request('POST', '/consent/record', base({ user_id: 'tcf@example.com', data_categories: ['user'], processing_purposes: ['analytics.reporting'], consent_string: tc }));
    expect(r.status).toBe(201);
    expect(r.body.signal).toMatchObject({ kind: 'tcf', tcf: { cmp_id: 31, purpose_consents: [1, 7], vendor_consents: [755], policy_version: 5 } });
    expect(r.body.processing_purposes).toEqual(['analytics.reporting', 'analytics.reporting.ad_performance']);
    const raw = await t.infra.db.query<{ data: string }>("SELECT data FROM es_events WHERE type = 'consent.given' ORDER BY global_position DESC LIMIT 1");
    expect(raw.rows[0].data).not.toContain(tc);
    expect(raw.rows[0].data).toContain('"cmp_id":31');
    expect((await validate('tcf@example.com', 'user.contact.email', 'analytics.reporting.ad_performance')).body.processing_allowed).toBe(true);
  });

  it('turns GPP usca opt-outs and a US Privacy string into CCPA opt-outs', async () => {
    const gpp = gppString('usca', { SaleOptOutNotice: 1, SaleOptOut: 1, SharingOptOut: 1 });
    const r = await t.request('POST', '/consent/record', base({ user_id: 'gpp@example.com', processing_purposes: ['analytics.reporting'], consent_string: gpp }));
    expect(r.status).toBe(201);
    expect((await validate('gpp@example.com', 'user', 'third_party_sharing.sale')).body).toMatchObject({ processing_allowed: false, reason: 'opted_out' });
    await t.request('POST', '/consent/record', base({ user_id: 'usp@example.com', processing_purposes: ['third_party_sharing.sale'], consent_string: '1YYN' }));
    expect((await validate('usp@example.com', 'user.contact.email', 'third_party_sharing.sale')).body).toMatchObject({ processing_allowed: false, reason: 'opted_out' });
  });

  it('never allows an expired consent, then the worker records the expiry', async () => {
    // a few seconds of validity: a loaded machine takes more than one to record and validate
    const expiresAt = Date.now() + 5000;
    const r = await t.request('POST', '/consent/record', base({ user_id: 'short@example.com', expiry_timestamp: new Date(expiresAt).toISOString() }));
    expect(r.status).toBe(201);
    expect((await validate('short@example.com', 'user.contact.email', 'marketing.communications.email')).body.processing_allowed).toBe(true);
    await new Promise((res) => setTimeout(res, Math.max(0, expiresAt - Date.now()) + 100));
    expect((await validate('short@example.com', 'user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: false, reason: 'consent_expired' });
    expect(await t.infra.app.consent.expireDue(new Date())).toBe(1);
    expect(await t.infra.app.consent.expireDue(new Date())).toBeLessThanOrEqual(1);
    const types = (await t.request('GET', `/consent/${encodeURIComponent('short@example.com')}/history`)).body.events.map((e: { type: string }) => e.type);
    expect(types.filter((x: string) => x === 'consent.expired')).toHaveLength(1);
  });

  it('validate and the state agree on expiry: a grant past its expiry, or without an expiry date, is expired in both', async () => {
    const [C, P] = ['user.contact.email', 'marketing.communications.email'];
    const agree = async (user: string) => {
      const [v, s] = [(await validate(user, C, P)).body, (await t.request('GET', `/consent/${encodeURIComponent(user)}`)).body];
      const grant = s.consents.find((g: { data_category: string; processing_purpose: string }) => g.data_category === C && g.processing_purpose === P);
      return { allowed: v.processing_allowed, reason: v.reason, status: grant?.status };
    };
    const expiresAt = Date.now() + 5000;
    expect((await t.request('POST', '/consent/record', base({ user_id: 'agree@example.com', expiry_timestamp: new Date(expiresAt).toISOString() }))).status).toBe(201);
    expect(await agree('agree@example.com')).toEqual({ allowed: true, reason: 'consent_given', status: 'active' });
    await new Promise((res) => setTimeout(res, Math.max(0, expiresAt - Date.now()) + 100));
    expect(await agree('agree@example.com')).toEqual({ allowed: false, reason: 'consent_expired', status: 'expired' });

    // a grant recorded without an expiry date (the API always sets one; an imported or older fact may not)
    const subjectKey = t.infra.pseudonymizer.subject('undated@example.com');
    const at = iso(-60_000);
    const proof = { notice_id: 'n', notice_version: '1', notice_hash: 'a'.repeat(64), privacy_policy_version: '1', method: 'checkbox', channel: 'web', page: null, language: 'en', collected_by: null, ip_address: null, user_agent: null };
    const data = { consent_id: randomUUID(), subject_key: subjectKey, data_categories: [C], processing_purposes: [P], legal_basis: 'consent', consent_version: 'v1', given_at: at, expires_at: {}, renews: [], proof, consent_string: null, signal: null, extra: null };
    const metadata = { event_id: randomUUID(), occurred_at: at, recorded_at: at, actor: 'test', correlation_id: randomUUID(), causation_id: null };
    await t.infra.store.append(consentStreamId(subjectKey), [{ type: 'consent.given', data, metadata }], 'no_stream');
    for (let i = 0; !(await t.request('GET', `/consent/${encodeURIComponent('undated@example.com')}`)).body.known; i++) {
      if (i > 200) throw new Error('the consent projection did not catch up');
      await new Promise((res) => setTimeout(res, 25));
    }
    expect(await agree('undated@example.com')).toEqual({ allowed: false, reason: 'consent_expired', status: 'expired' });
    // the worker has no date to record: it appends nothing for it
    await t.infra.app.consent.expireDue(new Date());
    const types = (await t.request('GET', `/consent/${encodeURIComponent('undated@example.com')}/history`)).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['consent.given']);
    expect(await agree('undated@example.com')).toEqual({ allowed: false, reason: 'consent_expired', status: 'expired' });
  });

  it('consent_status denied records a refusal; withdrawn withdraws', async () => {
    const u = 'status@example.com';
    const d = await t.request('POST', '/consent/record', base({ user_id: u, consent_status: 'denied' }));
    expect(d.status).toBe(201);
    expect(d.body.consent_status).toBe('refused');
    expect((await validate(u, 'user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: false, reason: 'consent_refused' });
    await t.request('POST', '/consent/record', base({ user_id: u }));
    expect((await validate(u, 'user.contact.email', 'marketing.communications.email')).body.processing_allowed).toBe(true);
    const w = await t.request('POST', '/consent/record', base({ user_id: u, consent_status: 'withdrawn' }));
    expect(w.body).toMatchObject({ affected_consents: 1, processing_cessation_initiated: true });
    expect((await validate(u, 'user.contact.email', 'marketing.communications.email')).body.reason).toBe('consent_withdrawn');
  });

  it('after crypto-shredding, history yields no personal field but the consent facts stay readable', async () => {
    const u = 'shred-me@example.com';
    const r = await t.request('POST', '/consent/record', base({ user_id: u }));
    expect(r.status).toBe(201);
    expect(await t.infra.keys.shred(t.infra.pseudonymizer.subject(u))).toBe(1);
    const h = await t.request('GET', `/consent/${encodeURIComponent(u)}/history`);
    const given = h.body.events.find((e: { type: string }) => e.type === 'consent.given');
    expect(given).toMatchObject({ erased: true, data: { consent_id: r.body.consent_id, processing_purposes: ['marketing.communications.email'], proof: { ip_address: null, user_agent: null, page: null, method: 'checkbox' } } });
    expect(given.erased_fields.sort()).toEqual(['extra', 'proof.ip_address', 'proof.page', 'proof.user_agent']);
    expect(h.body.personal_fields).toBe('erased'); // nothing was decrypted, and the response says so
    expect(JSON.stringify(h.body)).not.toContain('203.0.113.9');
    expect((await validate(u, 'user.contact.email', 'marketing.communications.email')).body.processing_allowed).toBe(true);
  });

  it('validates many checks in one batch call, in order', async () => {
    const r = await t.request('POST', '/consent/validate/batch', {
      checks: [
        { user_id: 'tcf@example.com', data_category: 'user.contact', processing_purpose: 'analytics.reporting' },
        { user_id: 'nobody@example.com', data_category: 'personal', processing_purpose: 'contract_necessary' },
        { user_id: 'alice@example.com', data_category: 'user.contact.email', processing_purpose: 'marketing.communications.email' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { processing_allowed: boolean; reason: string }) => [x.processing_allowed, x.reason])).toEqual([
      [true, 'consent_given'],
      [false, 'unknown_subject'],
      [false, 'consent_withdrawn'],
    ]);
    expect(r.body.results[1]).toMatchObject({ data_category: 'user', processing_purpose: 'essential.service', legal_basis: null });
  });
});
