import { startTestApp, type TestApp } from '../../../../test/support/app';
import { requestStatusWhen } from '../../../../test/support/rights';

/** The consent law over HTTP: GPC on validate, restriction, special categories, children. */
describe('consent law (HTTP, PGlite)', () => {
  let t: TestApp;
  const eventCount = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
  const record = (user: string, over: Record<string, unknown> = {}) =>
    t.request('POST', '/consent/record', {
      user_id: user,
      data_categories: ['user.contact.email'],
      processing_purposes: ['marketing.communications.email'],
      consent_status: 'granted',
      consent_timestamp: new Date(Date.now() - 1000).toISOString(),
      legal_basis: 'consent',
      consent_version: 'v1',
      ...over,
    });
  const validate = (user: string, category: string, purpose: string, headers: Record<string, string> = {}) =>
    t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=${category}&processing_purpose=${purpose}`, undefined, undefined, headers);

  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite' });
  });
  afterAll(() => t.close());

  it('Sec-GPC: 1 on validate opts the subject out of sale/sharing once, ends the earlier consent and shows the conflict', async () => {
    const user = 'gpc-carol@example.com';
    expect((await record(user, { processing_purposes: ['marketing.advertising.third_party', 'marketing.communications.email'] })).status).toBe(201);
    expect((await validate(user, 'user.contact.email', 'marketing.advertising.third_party')).body.processing_allowed).toBe(true);

    const before = await eventCount();
    const v = await validate(user, 'user.contact.email', 'marketing.advertising.third_party', { 'sec-gpc': '1' });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ processing_allowed: false, reason: 'opted_out', gpc: { signal_received: true, honored: true, status: 'Opt-Out Request Honored' } });
    expect(await eventCount()).toBe(before + 2); // the opt-out and the conflict it resolved
    // recorded once: the same signal again appends nothing, and the opt-out holds without the header
    expect((await validate(user, 'user.contact.email', 'marketing.advertising.third_party', { 'sec-gpc': '1' })).body.processing_allowed).toBe(false);
    expect(await eventCount()).toBe(before + 2);
    expect((await validate(user, 'user.contact.email', 'marketing.advertising.third_party')).body).toMatchObject({ processing_allowed: false, reason: 'opted_out' });
    // other purposes are untouched
    expect((await validate(user, 'user.contact.email', 'marketing.communications.email')).body.processing_allowed).toBe(true);

    const state = (await t.request('GET', `/consent/${encodeURIComponent(user)}`)).body;
    const ads = state.consents.find((c: { processing_purpose: string }) => c.processing_purpose === 'marketing.advertising.third_party');
    expect(ads.status).toBe('opted_out');
    expect(state.conflicts).toEqual([expect.objectContaining({ direction: 'opt_out_after_consent', resolution: 'opt_out_prevails', sources: ['gpc'] })]);
  });

  it('Sec-GPC: 1 on validate/batch opts each distinct subject of the batch out of sale/sharing once', async () => {
    const [ann, ben] = ['gpc-batch-ann@example.com', 'gpc-batch-ben@example.com'];
    for (const u of [ann, ben]) expect((await record(u, { processing_purposes: ['marketing.advertising.third_party', 'marketing.communications.email'] })).status).toBe(201);
    const checks = [ann, ben, ann].map((user_id, i) => ({
      user_id,
      data_category: 'user.contact.email',
      processing_purpose: i === 2 ? 'marketing.communications.email' : 'marketing.advertising.third_party',
    }));
    const batch = (headers: Record<string, string> = {}) => t.request('POST', '/consent/validate/batch', { checks }, undefined, headers);

    const before = await eventCount();
    const b = await batch({ 'sec-gpc': '1' });
    expect(b.status).toBe(200);
    expect(b.body.gpc).toMatchObject({ signal_received: true, honored: true, status: 'Opt-Out Request Honored' });
    expect(b.body.results.map((r: { processing_allowed: boolean; reason: string }) => [r.processing_allowed, r.reason])).toEqual([
      [false, 'opted_out'],
      [false, 'opted_out'],
      [true, expect.any(String)],
    ]);
    expect(await eventCount()).toBe(before + 4); // per subject: the opt-out and the conflict it resolved
    expect((await batch({ 'sec-gpc': '1' })).body.denied).toBe(2);
    expect(await eventCount()).toBe(before + 4);
    expect((await batch()).body).toMatchObject({ allowed: 1, denied: 2 });
    expect((await batch()).body.gpc).toBeUndefined();
  });

  it('Sec-GPC absent or not "1" records nothing', async () => {
    const user = 'gpc-dan@example.com';
    await record(user, { processing_purposes: ['marketing.advertising.third_party'] });
    const before = await eventCount();
    for (const h of [{}, { 'sec-gpc': '0' }] as Array<Record<string, string>>) expect((await validate(user, 'user.contact.email', 'marketing.advertising.third_party', h)).body.processing_allowed).toBe(true);
    expect(await eventCount()).toBe(before);
  });

  it('a restriction leaves storage; a consent from before it does not override it, one given after it does (Art. 18(2))', async () => {
    const user = 'restricted-erin@example.com';
    await record(user);
    const created = await t.request('POST', '/data-subject/requests', { user_id: user, request_type: 'restriction', jurisdiction: 'GDPR' });
    expect(created.status).toBe(201);
    expect((await t.request('POST', `/data-subject/requests/${created.body.request_id}/verify`, { method: 'documents' })).status).toBeLessThan(300);
    // the restriction reaches the consent ledger from the recorded verification, shortly after the route answered
    await requestStatusWhen(t, created.body.request_id, (r) => r.status === 'completed');
    for (let i = 0; i < 200 && (await validate(user, 'user.contact.email', 'marketing.communications.email')).body.reason !== 'processing_restricted'; i++) await new Promise((r) => setTimeout(r, 50));

    expect((await validate(user, 'user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: false, reason: 'processing_restricted' });
    expect((await validate(user, 'user.contact.email', 'essential.storage')).body).toMatchObject({ processing_allowed: true, legal_basis: 'storage_under_restriction' });

    expect((await record(user, { consent_timestamp: new Date().toISOString() })).status).toBe(201);
    expect((await validate(user, 'user.contact.email', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: true, reason: 'consent_given' });
  });

  it('a plain consent naming a special category is refused with what to send; an explicit one is recorded; `personal` never covers it', async () => {
    const user = 'health-finn@example.com';
    const before = await eventCount();
    const plain = await record(user, { data_categories: ['user.health'] });
    expect(plain.status).toBe(400);
    expect(JSON.stringify(plain.body)).toMatch(/explicit_consent_method/);
    expect(JSON.stringify(plain.body)).not.toContain('user.health');
    expect(await eventCount()).toBe(before);

    expect((await record(user, { data_categories: ['personal'] })).status).toBe(201);
    expect((await validate(user, 'user.health.medical', 'marketing.communications.email')).body.processing_allowed).toBe(false);
    expect((await validate(user, 'user.contact.email', 'marketing.communications.email')).body.processing_allowed).toBe(true);

    const explicit = await record(user, { data_categories: ['user.health'], legal_basis: 'explicit_consent', explicit_consent_method: 'two_stage_verification' });
    expect(explicit.status).toBe(201);
    expect(explicit.body.explicitness).toMatchObject({ method: 'two_stage_verification' });
    expect((await validate(user, 'user.health.medical', 'marketing.communications.email')).body.processing_allowed).toBe(true);
  });

  it("withdrawing `behavioral` keeps a `personal` consent for other categories", async () => {
    const user = 'withdraw-gina@example.com';
    await record(user, { data_categories: ['personal'] });
    const w = await t.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['behavioral'] });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ affected_consents: 0, narrowed: [expect.objectContaining({ data_category: 'user', excluded: [expect.objectContaining({ data_category: 'user.behavior' })] })] });
    expect((await validate(user, 'user.contact.email', 'marketing.communications.email')).body.processing_allowed).toBe(true);
    expect((await validate(user, 'user.behavior.browsing_history', 'marketing.communications.email')).body).toMatchObject({ processing_allowed: false, reason: 'consent_withdrawn' });
  });

  it("a child's own consent below the member state's age is refused; the parent's is recorded with how it was verified (Art. 8)", async () => {
    const user = 'child-hanna@example.com';
    const age = { subject_age: 15, jurisdiction: 'DE', age_established_by: 'self_declaration' };
    const before = await eventCount();
    const own = await record(user, age);
    expect(own.status).toBe(400);
    expect(JSON.stringify(own.body)).toMatch(/holder_of_parental_responsibility/);
    expect(JSON.stringify(own.body)).not.toMatch(/\b15\b/);
    expect(await eventCount()).toBe(before);
    expect((await record(user, { ...age, jurisdiction: 'FR' })).status).toBe(201); // 15 in France: old enough
    const parent = await record('child-ida@example.com', { ...age, given_by: 'holder_of_parental_responsibility', parental_verification: 'signed_form' });
    expect(parent.status).toBe(201);
    expect(parent.body.age).toMatchObject({ jurisdiction: 'DE', consent_age: 16, below_consent_age: true, given_by: 'holder_of_parental_responsibility', parental_verification: 'signed_form' });
    expect((await record('child-jo@example.com', { subject_age: 15 })).status).toBe(400);
  });
});
