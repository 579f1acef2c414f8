import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app';
import { requestStatusWhen } from '../support/rights';

/**
 * Issue 16: the earlier privacy service's HTTP request shapes, sent exactly as its clients send them
 * (FastAPI: snake_case JSON, scalars in the query string, lists in the body, naive UTC datetimes), are
 * accepted on the current routes beside the current shapes, and the answers carry the earlier fields
 * with values consistent across routes. docs/migration.md shows the same calls with curl.
 */
jest.setTimeout(120_000);

/** Python's datetime.utcnow().isoformat(): no zone, microseconds. */
const naive = (offsetMs: number) => `${new Date(Date.now() + offsetMs).toISOString().slice(0, 19)}.123456`;
const DAY = 86_400_000;

/** A consent record exactly as the earlier service's model serialises it (optional fields as null). */
const record = (user_id: string, over: Record<string, unknown> = {}) => ({
  consent_id: randomUUID(),
  user_id,
  data_categories: ['personal', 'behavioral'],
  processing_purposes: ['marketing', 'analytics'],
  consent_status: 'given',
  consent_timestamp: naive(-60_000),
  expiry_date: null,
  legal_basis: 'consent',
  consent_string: null,
  consent_version: '2.1',
  withdrawal_timestamp: null,
  consent_metadata: { source: 'web_banner', ip_address: '203.0.113.5', user_agent: 'Mozilla/5.0 (legacy client)' },
  ...over,
});

describe.each(['pglite', 'postgres'] as const)('the earlier service\'s HTTP request shapes (%s)', (backend) => {
  let t: TestApp;
  const events = async () => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
  const validate = (user: string, category: string, purpose: string) =>
    t.request('GET', `/consent/validate?user_id=${encodeURIComponent(user)}&data_category=${encodeURIComponent(category)}&processing_purpose=${encodeURIComponent(purpose)}`);

  beforeAll(async () => {
    t = await startTestApp({ backend });
    for (const system_id of ['crm', 'billing']) {
      expect((await t.request('POST', '/governance/systems', { system_id, name: system_id, owner: 'ops', storage: [{ country: 'DE' }], recipients: [] })).status).toBe(201);
    }
    const activity = await t.request('POST', '/governance/activities', {
      activity_id: 'shop', name: 'Online shop', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
      purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }, { purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }],
      subject_categories: ['customer'], data_categories: ['user.contact', 'user.financial.transaction'], systems: ['crm', 'billing'], recipients: [],
      transfers: [], retention: [{ period: 'P2Y', reason: 'customer relationship' }],
    });
    expect(activity.status).toBe(201);
    const stored_at = new Date(Date.now() - 60_000).toISOString();
    const receipts = ['legacy-alice', 'legacy-erin'].flatMap((user_id) => [
      { user_id, system_id: 'crm', data_category: 'user.contact.email', processing_purpose: 'marketing', stored_at },
      { user_id, system_id: 'billing', data_category: 'user.financial.transaction', processing_purpose: 'essential.service.fulfilment', stored_at },
    ]);
    expect((await t.request('POST', '/privacy/receipts/batch', { receipts })).status).toBeLessThan(300);
  });
  afterAll(() => t.close());

  describe('POST /consent/record', () => {
    it('takes the earlier record (own consent_id, naive UTC times, nulls, coarse categories) and answers the same record', async () => {
      const body = record('legacy-alice');
      const r = await t.request('POST', '/consent/record', body);
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        consent_id: body.consent_id,
        user_id: 'legacy-alice',
        data_categories: ['user', 'user.behavior'],
        processing_purposes: ['marketing', 'analytics'],
        consent_status: 'given',
        consent_timestamp: `${body.consent_timestamp.slice(0, 23)}Z`,
        legal_basis: 'consent',
        consent_string: null,
        consent_version: '2.1',
        withdrawal_timestamp: null,
        recorded: true,
        // fields the ledger does not act on are recorded (encrypted) and echoed
        consent_metadata: expect.objectContaining({ source: 'web_banner', ip_address: '203.0.113.5', user_agent: 'Mozilla/5.0 (legacy client)' }),
      });
      expect(r.body.expiry_date).toBe(r.body.expiry_timestamp);
      expect(Date.parse(r.body.expiry_date)).toBeGreaterThan(Date.now() + 300 * DAY);
      expect(r.body.events.map((e: { type: string }) => e.type)).toEqual(['consent.given']);

      // a retry of the same record (same consent_id) appends nothing and answers the same record
      const before = await events();
      const again = await t.request('POST', '/consent/record', body);
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ consent_id: body.consent_id, consent_status: 'given', expiry_date: r.body.expiry_date, events: [] });
      expect(await events()).toBe(before);
    });

    it('GET /consent/validate answers processing_allowed for the coarse values; `personal` never widens to special categories or precise location', async () => {
      const allowed = async (category: string, purpose = 'marketing') => {
        const v = await validate('legacy-alice', category, purpose);
        expect(v.status).toBe(200);
        return v.body.processing_allowed;
      };
      const v = await validate('legacy-alice', 'behavioral', 'marketing');
      expect(v.body).toMatchObject({ user_id: 'legacy-alice', processing_allowed: true, legal_basis: 'consent' });
      expect(await allowed('financial')).toBe(true);
      expect(await allowed('location')).toBe(true);
      expect(await allowed('health')).toBe(false);
      expect(await allowed('biometric')).toBe(false);
      expect(await allowed('sensitive')).toBe(false);
      expect(await allowed('user.location.precise')).toBe(false);
      expect(await allowed('personal', 'research')).toBe(false);
    });

    it('refuses what it must with what to send instead, and records nothing', async () => {
      const before = await events();
      const health = await t.request('POST', '/consent/record', record('legacy-bob', { data_categories: ['health'] }));
      expect(health.status).toBe(400);
      expect(health.body.message).toMatch(/special category.*send legal_basis "explicit_consent" and explicit_consent_method/);
      const contract = await t.request('POST', '/consent/record', record('legacy-bob', { legal_basis: 'contract' }));
      expect(contract.status).toBe(400);
      expect(contract.body.message).toMatch(/lawful basis other than consent.*POST \/governance\/activities/);
      const li = await t.request('POST', '/consent/record', record('legacy-bob', { legal_basis: 'legitimate_interests' }));
      expect(li.status).toBe(400);
      const expiredLater = await t.request('POST', '/consent/record', record('legacy-bob', { consent_status: 'expired', expiry_date: naive(DAY) }));
      expect(expiredLater.status).toBe(400);
      expect(expiredLater.body.message).toMatch(/expiry_date in the past.*consent_status given/);
      const notUuid = await t.request('POST', '/consent/record', record('legacy-bob', { consent_id: 'bob@example.com-1' }));
      expect(notUuid.status).toBe(400);
      expect(JSON.stringify(notUuid.body)).not.toContain('bob@example.com');
      expect(await events()).toBe(before);

      // the explicit consent the message asks for is recorded
      const explicit = await t.request('POST', '/consent/record', record('legacy-bob', { data_categories: ['health'], legal_basis: 'explicit_consent', explicit_consent_method: 'two_stage_verification' }));
      expect(explicit.status).toBe(201);
      expect(explicit.body).toMatchObject({ data_categories: ['user.health_and_medical'], consent_status: 'given', explicitness: { method: 'two_stage_verification' } });
    });

    it('pending is not a consent: 202, nothing recorded, an earlier consent stays', async () => {
      const before = await events();
      const r = await t.request('POST', '/consent/record', record('legacy-alice', { consent_status: 'pending', data_categories: ['financial'] }));
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ consent_status: 'pending', recorded: false, processing_allowed: false, user_id: 'legacy-alice', data_categories: ['user.financial'] });
      expect(r.body.reason).toMatch(/nothing was recorded/);
      expect(await events()).toBe(before);
      expect((await validate('legacy-alice', 'financial', 'marketing')).body.processing_allowed).toBe(true);
    });

    it('expired records a consent that lapsed at expiry_date: validate denies it', async () => {
      const r = await t.request('POST', '/consent/record', record('legacy-carol', { consent_status: 'expired', consent_timestamp: naive(-30 * DAY), expiry_date: naive(-DAY) }));
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ consent_status: 'expired', withdrawal_timestamp: null });
      expect(Date.parse(r.body.expiry_date)).toBeLessThan(Date.now());
      const v = await validate('legacy-carol', 'behavioral', 'marketing');
      expect(v.body.processing_allowed).toBe(false);
    });

    it('withdrawn (with withdrawal_timestamp) withdraws and echoes the client time beside the recorded one', async () => {
      await t.request('POST', '/consent/record', record('legacy-dave'));
      const sent = naive(-5_000);
      const r = await t.request('POST', '/consent/record', record('legacy-dave', { consent_status: 'withdrawn', data_categories: ['behavioral'], withdrawal_timestamp: sent }));
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ consent_status: 'withdrawn', user_id: 'legacy-dave', data_categories: ['user.behavior'], client_withdrawal_timestamp: `${sent.slice(0, 23)}Z`, processing_cessation_initiated: true });
      expect(Date.parse(r.body.withdrawal_timestamp)).toBeGreaterThanOrEqual(Date.parse(`${sent.slice(0, 23)}Z`));
      // what the withdrawal does not act on is recorded with it (encrypted in the log), not only echoed
      const history = await t.request('GET', '/consent/legacy-dave/history');
      const fact = history.body.events.find((e: { type: string }) => e.type === 'consent.withdrawn');
      expect(fact.data.extra).toMatchObject({ client_withdrawal_timestamp: `${sent.slice(0, 23)}Z`, consent_version: '2.1', consent_metadata: { source: 'web_banner' } });
      expect((await validate('legacy-dave', 'behavioral', 'marketing')).body.processing_allowed).toBe(false);
      expect((await validate('legacy-dave', 'user.contact.email', 'marketing')).body.processing_allowed).toBe(true);
      // a given record may not carry a withdrawal time
      const mixed = await t.request('POST', '/consent/record', record('legacy-dave', { withdrawal_timestamp: sent }));
      expect(mixed.status).toBe(400);
    });
  });

  describe('POST /consent/withdraw?user_id=U with a JSON array body', () => {
    it('withdraws the listed categories; the other consents stand', async () => {
      await t.request('POST', '/consent/record', record('legacy-frank'));
      const r = await t.request('POST', '/consent/withdraw?user_id=legacy-frank', ['behavioral']);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ user_id: 'legacy-frank', data_categories: ['user.behavior'], processing_cessation_initiated: true });
      expect((await validate('legacy-frank', 'behavioral', 'analytics')).body.processing_allowed).toBe(false);
      expect((await validate('legacy-frank', 'financial', 'analytics')).body.processing_allowed).toBe(true);
      // the current shape still works
      const current = await t.request('POST', '/consent/withdraw', { user_id: 'legacy-frank', data_categories: ['personal'] });
      expect(current.status).toBe(200);
      expect((await validate('legacy-frank', 'financial', 'analytics')).body.processing_allowed).toBe(false);
    });

    it('an array without ?user_id=, or two different user ids, is 400 and changes nothing', async () => {
      const before = await events();
      const missing = await t.request('POST', '/consent/withdraw', ['behavioral']);
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/user_id= in the query string/);
      const twice = await t.request('POST', '/consent/withdraw?user_id=legacy-frank', { user_id: 'someone-else', data_categories: [] });
      expect(twice.status).toBe(400);
      const bad = await t.request('POST', '/consent/withdraw?user_id=legacy-frank', [42]);
      expect(bad.status).toBe(400);
      expect(await events()).toBe(before);
    });
  });

  describe('data-subject routes', () => {
    it('GET /data-subject/access/{user_id}: user_id, data_inventory, consent_records, processing_purposes, retention_information', async () => {
      const r = await t.request('GET', '/data-subject/access/legacy-alice');
      expect(r.status).toBe(200);
      expect(r.body.user_id).toBe('legacy-alice');
      expect(r.body.report).toBeDefined(); // the current answer is still there
      expect(r.body.data_inventory).toEqual([
        { system_id: 'billing', data_categories: ['user.financial.transaction'] },
        { system_id: 'crm', data_categories: ['user.contact.email'] },
      ]);
      expect(r.body.processing_purposes).toEqual(expect.arrayContaining(['marketing', 'analytics', 'essential.service.fulfilment']));
      expect(r.body.retention_information).toEqual([expect.objectContaining({ activity: 'Online shop', period: 'P2Y', reason: 'customer relationship' })]);
      // the same consent, in the same vocabulary as the record's answer
      const recorded = r.body.report.consents[0];
      expect(r.body.consent_records).toEqual([
        expect.objectContaining({
          consent_id: recorded.consent_id,
          user_id: 'legacy-alice',
          consent_status: 'given',
          data_categories: ['user', 'user.behavior'],
          legal_basis: 'consent',
          consent_version: '2.1',
          withdrawal_timestamp: null,
          expiry_date: expect.any(String),
          consent_metadata: expect.objectContaining({ source: 'web_banner', ip_address: '203.0.113.5' }),
        }),
      ]);
    });

    it('GET /data-subject/portability/{user_id}: user_id, data_format, data', async () => {
      const r = await t.request('GET', '/data-subject/portability/legacy-alice');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ user_id: 'legacy-alice', data_format: 'json', data: { systems: {}, consents: [expect.objectContaining({ status: 'given' })] } });
      expect(r.body.export).toBeDefined();
    });

    it('GET /privacy/data-map/{user_id}: data_locations, retention_schedules, legal_bases', async () => {
      const r = await t.request('GET', '/privacy/data-map/legacy-alice');
      expect(r.status).toBe(200);
      expect(r.body.data_locations).toEqual([
        expect.objectContaining({ system_id: 'billing', data_categories: ['user.financial.transaction'], processing_purposes: ['essential.service.fulfilment'] }),
        expect.objectContaining({ system_id: 'crm', data_categories: ['user.contact.email'], processing_purposes: ['marketing'] }),
      ]);
      expect(r.body.retention_schedules).toEqual(expect.arrayContaining([expect.objectContaining({ system_id: 'crm', data_category: 'user.contact.email', retention: 'P2Y', delete_after: expect.any(String) })]));
      expect(r.body.legal_bases).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ system_id: 'crm', processing_purpose: 'marketing', legal_basis: 'consent', activity_id: 'shop' }),
          expect.objectContaining({ system_id: 'billing', processing_purpose: 'essential.service.fulfilment', legal_basis: 'contract' }),
        ]),
      );
      expect(r.body.systems).toHaveLength(2); // the current fields are still there
    });

    it('POST /data-subject/erasure?user_id=U with ["financial"]: the analysis at once (kept with its reason) and a link to follow the results', async () => {
      const r = await t.request('POST', '/data-subject/erasure?user_id=legacy-alice', ['financial']);
      expect(r.status).toBe(202);
      expect(r.body.user_id).toBe('legacy-alice');
      expect(r.body.erasure_analysis).toMatchObject({
        requested_categories: ['user.financial'],
        can_erase: [],
        cannot_erase: [expect.objectContaining({ system_id: 'billing', data_category: 'user.financial.transaction', reason_code: expect.stringMatching(/^legal_obligation/), legal_source: expect.stringContaining('17(3)(b)'), reason: expect.any(String) })],
      });
      const follow = r.body.erasure_results.follow;
      expect(follow).toBe(`/data-subject/requests/${r.body.request_id}`);
      expect(r.body.links.request).toBe(follow);
      const done = await requestStatusWhen(t, r.body.request_id, (s) => s.tasks?.length > 0);
      expect(done.tasks).toEqual([expect.objectContaining({ system_id: 'billing', categories: [], retained: [expect.objectContaining({ category: 'user.financial.transaction' })] })]);
    });

    it('POST /data-subject/erasure?user_id=U with no body: everything erasable, the ledger erases, the current body shape still works', async () => {
      const r = await t.request('POST', '/data-subject/erasure?user_id=legacy-erin');
      expect(r.status).toBe(202);
      expect(r.body.erasure_analysis.requested_categories).toBeNull();
      expect(r.body.erasure_analysis.can_erase).toEqual([{ system_id: 'crm', data_category: 'user.contact.email' }]);
      expect(r.body.erasure_analysis.cannot_erase).toEqual([expect.objectContaining({ system_id: 'billing', data_category: 'user.financial.transaction' })]);
      const erased = await requestStatusWhen(t, r.body.request_id, (s) => s.ledger_erased === true && s.tasks?.length === 2);
      expect(erased.tasks.find((x: { system_id: string }) => x.system_id === 'crm').categories).toEqual(['user.contact.email']);

      const current = await t.request('POST', '/data-subject/erasure', { user_id: 'legacy-gina', data_categories: ['user.contact'] });
      expect(current.status).toBe(202);
      expect(current.body).toMatchObject({ user_id: 'legacy-gina', request_type: 'erasure', erasure_analysis: { can_erase: [], cannot_erase: [] } });
      const wrong = await t.request('POST', '/data-subject/erasure?user_id=legacy-gina', ['not a category']);
      expect(wrong.status).toBe(400);
    });
  });
});
