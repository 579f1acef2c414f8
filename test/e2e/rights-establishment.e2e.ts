import { computeDeadline, DEADLINE_RULES } from '@pl/domain/law/deadlines';
import { startTestApp, type TestApp } from '../support/app';

jest.setTimeout(120_000);

const activity = (activity_id: string, establishment: Record<string, string> | null) => ({
  activity_id, name: activity_id, controller: { name: 'Shop Ltd', contact: 'dpo@shop.example', ...(establishment ? { establishment } : {}) },
  purposes: [{ purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }], subject_categories: ['customer'], data_categories: ['user.contact'], systems: ['crm'],
});

/** Issue 13, defects 1-2: the controller's establishment (catalog or per request) decides calendar and clock; a missing calendar never refuses. */
describe.each(['pglite', 'postgres'] as const)('request deadlines follow the establishment (%s)', (backend) => {
  let app: TestApp;
  let n = 0;
  const create = (extra: Record<string, unknown> = {}) => app.request('POST', '/data-subject/requests', { user_id: `est-user-${++n}`, request_type: 'access', jurisdiction: 'GDPR', ...extra });

  beforeAll(async () => {
    app = await startTestApp({ backend });
    expect((await app.request('POST', '/governance/systems', { system_id: 'crm', name: 'crm', owner: 'ops', storage: [{ country: 'DE' }] })).status).toBe(201);
  });
  afterAll(() => app?.close());

  it('nothing configured: England, ICO counting (today\'s behaviour)', async () => {
    const r = await create();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ calendar: 'gb-eaw', establishment: { country: 'GB', region: 'ENG' }, month_counting: 'uk_ico', calendar_warnings: [] });
    expect(new Date(r.body.due_at).toISOString()).toBe(computeDeadline(DEADLINE_RULES.gdpr_response, new Date(r.body.received_at), 'gb-eaw').toISOString());
  });

  it('a per-request establishment overrides: Bavaria counts Bavarian holidays on Berlin time', async () => {
    const r = await create({ establishment: { country: 'DE', region: 'BY' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ calendar: 'de-by', establishment: { country: 'DE', region: 'BY' }, month_counting: 'eu_reg_1182_71', calendar_warnings: [] });
    expect(new Date(r.body.due_at).toISOString()).toBe(computeDeadline(DEADLINE_RULES.gdpr_response, new Date(r.body.received_at), 'de-by').toISOString());
  });

  it('a place without a calendar is recorded with a warning, never refused', async () => {
    const r = await create({ establishment: { country: 'AQ' } });
    expect(r.status).toBe(201);
    expect(r.body.calendar).toBe('weekends-only');
    expect(r.body.calendar_warnings).toEqual([expect.stringMatching(/Saturdays and Sundays only/)]);
    const { events } = await app.infra.store.readStream(`dsr-${r.body.request_id}`);
    expect(events[0].data.calendar_warnings).toEqual(r.body.calendar_warnings);
  });

  it('a malformed establishment is a 400 that names the field, echoes nothing and records nothing', async () => {
    const before = (await app.request('GET', '/data-subject/requests')).body.requests.length;
    const r = await create({ establishment: { country: 'Germany-Bavaria' } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/establishment/);
    expect(JSON.stringify(r.body)).not.toContain('Germany-Bavaria');
    expect((await app.request('GET', '/data-subject/requests')).body.requests.length).toBe(before);
  });

  it('the catalog\'s controller establishment is the default; several establishments warn and fall back to England', async () => {
    expect((await app.request('POST', '/governance/activities', activity('shop-fr', { country: 'FR' }))).status).toBe(201);
    const fr = await create();
    expect(fr.body).toMatchObject({ calendar: 'fr', establishment: { country: 'FR', region: null }, month_counting: 'eu_reg_1182_71', calendar_warnings: [] });
    const bad = await app.request('POST', '/governance/activities', activity('shop-bad', { country: 'ZZZ' }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain('ZZZ');
    expect((await app.request('POST', '/governance/activities', activity('shop-ie', { country: 'IE' }))).status).toBe(201);
    const several = await create();
    expect(several.body).toMatchObject({ calendar: 'gb-eaw', establishment: { country: 'GB', region: 'ENG' } });
    expect(several.body.calendar_warnings).toEqual([expect.stringMatching(/several places \(FR, IE\)/)]);
  });
});
