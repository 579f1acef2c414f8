import { signedHeads } from '@pl/audit';
import { startTestApp, type TestApp } from '../support/app';

jest.setTimeout(120_000);

/** Hostile text that must never come back in an error body (issue 12, defect 5). */
const ANSI = '\u001b[31mRED\u001b[0m';
const MARK = 'echo-canary-5c2e';
const hostile = `${MARK}${ANSI}\u0007\u202e`;

const logSize = async (t: TestApp) => Number((await t.infra.db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
const consentBody = (user_id: string, extra: Record<string, unknown> = {}) => ({
  user_id,
  data_categories: ['user.contact.email'],
  processing_purposes: ['marketing'],
  consent_status: 'granted',
  consent_timestamp: new Date(Date.now() - 60_000).toISOString(),
  legal_basis: 'consent',
  consent_version: 'v1',
  ...extra,
});
const noEcho = (body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  expect(text).not.toContain(MARK);
  expect(text).not.toMatch(/\u001b|\\u001b/);
};

describe('HTTP edge (issue 12, defect 5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', env: { AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS: '3600000' } });
  });
  afterAll(() => t?.close());

  it('looks up user ids of 101 to 256 characters in the path; a longer path parameter is refused without echoing it', async () => {
    for (const len of [101, 200, 256]) {
      const user = `u${'x'.repeat(len - 1)}`;
      expect((await t.request('POST', '/consent/record', consentBody(user))).status).toBe(201);
      const state = await t.request('GET', `/consent/${encodeURIComponent(user)}`);
      expect([len, state.status]).toEqual([len, 200]);
      expect(state.body.grants?.length ?? state.body.consents?.length ?? 1).toBeGreaterThan(0);
      const history = await t.request('GET', `/audit/subjects/${encodeURIComponent(user)}/history`);
      expect([len, history.status]).toEqual([len, 200]);
    }
    // non-ASCII ids of 256 characters, percent-encoded 3 bytes each
    const wide = 'é'.repeat(256);
    expect((await t.request('GET', `/consent/${encodeURIComponent(wide)}`)).status).toBe(200);
    const huge = await t.request('GET', `/consent/${MARK}${'y'.repeat(5000)}`);
    expect(huge.status).toBe(414);
    expect(huge.body).toEqual({ error: 'uri_too_long', message: expect.any(String), details: null });
    noEcho(huge.body);
    const badPct = await t.request('GET', `/consent/${MARK}%E0%A4%A`);
    expect(badPct.status).toBe(400);
    noEcho(badPct.body);
  });

  it('answers an unmatched route with a 404 that does not quote the path', async () => {
    const res = await t.request('GET', `/no-such-route/${encodeURIComponent(hostile)}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
    noEcho(res.body);
  });

  it('refuses JSON nested 1,500 deep at parsing with a 400 and a reason, appending nothing', async () => {
    const before = await logSize(t);
    const deep = `{"user_id":"a","consent_metadata":${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}}`;
    const res = await t.request('POST', '/consent/record', deep);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request', message: expect.stringMatching(/nests deeper than \d+ levels/), details: null });
    const arrays = await t.request('POST', '/consent/validate/batch', `{"checks":${'['.repeat(1500)}${']'.repeat(1500)}}`);
    expect(arrays.status).toBe(400);
    expect(await logSize(t)).toBe(before);
  });

  it.each([
    ['an unknown key (class-validator whitelist)', 'POST', '/consent/record', () => ({ ...consentBody('u1'), [hostile]: 1 })],
    ['an unknown key in a batch check', 'POST', '/consent/validate/batch', () => ({ checks: [{ user_id: 'a', data_category: 'user', processing_purpose: 'marketing', [hostile]: 1 }] })],
    ['an unknown top-level key in a batch', 'POST', '/consent/validate/batch', () => ({ checks: [], [hostile]: 1 })],
    ['a malformed taxonomy key', 'POST', '/consent/record', () => consentBody('u1', { data_categories: [hostile] })],
    ['an unknown custom taxonomy key', 'POST', '/consent/record', () => consentBody('u1', { processing_purposes: [`custom.${hostile}`] })],
    [
      'an unknown lawful basis',
      'POST',
      '/governance/activities',
      () => ({ activity_id: 'edge', name: 'G', controller: { name: 'C', contact: 'c@x' }, purposes: [{ purpose: 'essential.service', lawful_basis: hostile }], subject_categories: ['customer'], data_categories: ['user'], systems: ['nope'] }),
    ],
    ['a bad country code', 'POST', '/governance/systems', () => ({ system_id: 'edge-sys', name: 'S', owner: 'o', storage: [{ country: ANSI }] })],
    ['a wrong type for a string', 'POST', '/data-subject/requests', () => ({ user_id: { [hostile]: hostile }, request_type: 'access', jurisdiction: 'GDPR' })],
    ['an unknown enum value', 'POST', '/data-subject/requests', () => ({ user_id: 'u1', request_type: hostile, jurisdiction: 'GDPR' })],
  ] as const)('never echoes the rejected value: %s', async (_name, method, path, body) => {
    const before = await logSize(t);
    const res = await t.request(method, path, body());
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(['details', 'error', 'message']);
    noEcho(res.body);
    expect(await logSize(t)).toBe(before);
  });

  it('names a plain unknown key, and withholds one with control characters', async () => {
    const res = await t.request('POST', '/consent/record', { ...consentBody('u1'), userId: 'x', [hostile]: 1 });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual(expect.arrayContaining([{ field: 'userId', problems: ['unknown field'] }, { field: '(field name not shown)', problems: ['unknown field'] }]));
  });

  it('refuses an unknown webhook service with a 404 that does not name it', async () => {
    const res = await t.request('DELETE', `/webhooks/endpoints/${MARK}`);
    expect(res.status).toBe(404);
    noEcho(res.body);
  });

  it('answers the DSR creation 429s with Retry-After: per caller and per subject', async () => {
    const caller = await t.createKey('rights:manage');
    let last = { status: 0, body: null as any, headers: new Headers() };
    for (let i = 0; i < 61 && last.status !== 429; i++) {
      last = await t.request('POST', '/data-subject/requests', { user_id: `rate-${i}`, request_type: 'access', jurisdiction: 'GDPR' }, caller);
    }
    expect(last.status).toBe(429);
    const perCaller = Number(last.headers.get('retry-after'));
    expect(perCaller).toBeGreaterThanOrEqual(1);
    expect(perCaller).toBeLessThanOrEqual(60);
    expect(last.body.details).toEqual({ retry_after_seconds: perCaller });

    const types = ['access', 'erasure', 'portability', 'restriction', 'objection', 'rectification'];
    let subject = { status: 0, body: null as any, headers: new Headers() };
    for (let i = 0; i < 12 && subject.status !== 429; i++) {
      const type = types[i % types.length];
      const body: Record<string, unknown> = { user_id: 'rate-subject', request_type: type, jurisdiction: 'GDPR' };
      if (type === 'rectification') body.corrections = { 'user.contact.email': 'new@example.com' };
      if (type === 'objection') body.objection = { scope: 'direct_marketing' };
      subject = await t.request('POST', '/data-subject/requests', body);
      if (subject.status === 201) {
        const rejected = await t.request('POST', `/data-subject/requests/${subject.body.request_id}/reject`, { reason: 'manifestly_unfounded', explanation: 'rate test' });
        expect(rejected.status).toBeLessThan(300);
      } else if (subject.status !== 429) throw new Error(`unexpected ${subject.status}: ${JSON.stringify(subject.body)}`);
    }
    expect(subject.status).toBe(429);
    const perSubject = Number(subject.headers.get('retry-after'));
    expect(perSubject).toBeGreaterThan(86_000);
    expect(perSubject).toBeLessThanOrEqual(86_400);
    expect(subject.body.details).toEqual({ retry_after_seconds: perSubject });
  });

  it('stores at most one signed head per AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS, and records every export as an access', async () => {
    const auditor = await t.createKey('audit:read');
    const accesses = async () => Number((await t.infra.db.query<{ n: string }>("SELECT count(*)::text AS n FROM es_events WHERE type = 'audit.personal_data_accessed'")).rows[0].n);
    for (let i = 0; i < 50 && !(await t.request('GET', '/audit/head', undefined, auditor)).body.head; i++) await new Promise((r) => setTimeout(r, 100));
    const heads0 = (await signedHeads(t.infra.db)).length;
    const accesses0 = await accesses();
    const lastHeads: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.request('GET', '/audit/export', undefined, auditor);
      expect(res.status).toBe(200);
      const head = String(res.body).trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.kind === 'head');
      expect(head.signature).toEqual(expect.any(String));
      lastHeads.push(head.signature);
    }
    expect((await signedHeads(t.infra.db)).length).toBeLessThanOrEqual(heads0 + 1);
    expect(await accesses()).toBe(accesses0 + 3);
  });
});
