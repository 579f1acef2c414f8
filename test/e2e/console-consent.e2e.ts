import { type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { join } from 'node:path';
import { buildConsole, expectNoSeriousViolations, launchChromium, screenshot, SHOTS, signInWithKey, tabTo, type BuiltConsole } from '../support/browser';

jest.setTimeout(180_000);

const CAROL = 'consent-carol@example.com';

/** Issue 19, screen 3 (Consent) in Debian's Chromium, with data made through the API. */
describe('console: Consent screen in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let built: BuiltConsole;
  const year = new Date().getFullYear();

  beforeAll(async () => {
    built = buildConsole();
    [t, browser] = await Promise.all([startTestApp({ backend: 'pglite', env: { CONSOLE_DIR: built.dir } }), launchChromium()]);
    const consent = {
      user_id: CAROL,
      data_categories: ['user.contact.email'],
      processing_purposes: ['analytics.reporting', 'marketing.advertising.third_party'],
      consent_status: 'granted',
      consent_timestamp: new Date(Date.now() - 1000).toISOString(),
      legal_basis: 'consent',
      consent_version: 'v1',
      consent_metadata: { method: 'checkbox', ip_address: '198.51.100.23', page: '/signup', user_agent: 'Mozilla/5.0 (X11; Linux) Firefox/140.0' },
    };
    expect((await t.request('POST', '/consent/record', consent)).status).toBe(201);
    // GPC then a consent to sale: a standing conflict
    expect((await t.request('POST', '/consent/record', { ...consent, user_id: 'consent-dan@example.com', processing_purposes: ['analytics.reporting'] }, undefined, { 'sec-gpc': '1' })).status).toBe(201);
    expect((await t.request('POST', '/consent/record', { ...consent, user_id: 'consent-dan@example.com', processing_purposes: ['third_party_sharing.sale'] })).status).toBe(201);
    expect((await t.request('POST', '/data-subject/requests', { user_id: CAROL, request_type: 'access', jurisdiction: 'CCPA' })).status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    built?.remove();
  });

  it('charts the counts the API gives (table alternative), lists conflicts by key, the § 7102 table equals the route and its CSV parses', async () => {
    const manager = await t.createKey('consent:read', 'consent:read-pii', 'rights:manage');
    const errors: string[] = [];
    const { context, page, cspViolations } = await signInWithKey(browser, t.url, manager, (p) => p.on('pageerror', (e) => errors.push(e.message)));
    await page.getByRole('link', { name: 'Consent' }).click();
    await page.getByRole('heading', { level: 1, name: 'Consent' }).waitFor();
    const today = new Date().toISOString().slice(0, 10);
    const api = (await t.request('GET', `/consent/metrics?from=${today}&to=${today}`)).body.series as Array<{ period: string; purpose: string; kind: string; signal: string | null; count: number }>;
    expect(api.find((r) => r.purpose === 'analytics.reporting' && r.kind === 'granted')?.count).toBe(2);
    const table = page.getByTestId('consent-counts');
    await table.locator('tbody tr').first().waitFor({ state: 'attached' });
    const shown = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(shown).toEqual(api.map((r) => [r.period, r.purpose, r.kind.replace(/_/g, ' '), r.signal ?? '', String(r.count)]));
    await expect(page.locator('svg[role="img"]').count()).resolves.toBe(2);

    const conflicts = page.getByTestId('conflicts');
    await conflicts.waitFor();
    const dan = t.infra.pseudonymizer.subject('consent-dan@example.com');
    await expect(conflicts.textContent()).resolves.toContain(dan);
    expect(await conflicts.textContent()).not.toContain('consent-dan');

    // § 7102: the table equals the route's answer for the chosen year, the CSV downloads and parses
    await page.getByLabel('Calendar year').selectOption(String(year));
    const ccpa = (await t.request('GET', `/data-subject/requests/metrics/ccpa?year=${year}`)).body;
    const ccpaTable = page.getByTestId('ccpa-table');
    await ccpaTable.getByText(`Requests received in ${year}`).waitFor();
    const ccpaRows = await ccpaTable.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
    expect(ccpaRows).toEqual(ccpa.rows.map((r: any) => [r.name, String(r.received), String(r.complied_in_whole_or_in_part), String(r.denied), String(r.median_days ?? '–'), String(r.mean_days ?? '–'), String(r.pending)]));
    expect(ccpa.rows.find((r: any) => r.metric === 'know').received).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ccpa-csv').click()]);
    const csv = await (await download.createReadStream()).toArray();
    const lines = Buffer.concat(csv).toString('utf8').trim().split(/\r?\n/).map((l) => l.split(','));
    expect(lines[0]).toEqual(['metric', 'request_type', 'received', 'complied_in_whole_or_in_part', 'denied', 'pending', 'median_days', 'mean_days']);
    expect(lines.slice(1).map((l) => [l[0], Number(l[2])])).toEqual(ccpa.rows.map((r: any) => [r.metric, r.received]));

    // with consent:read-pii the history shows the proof's personal fields (and the read is recorded)
    await page.getByLabel('User id').fill(CAROL);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('subject-consents').waitFor();
    await page.getByRole('button', { name: /Show history/ }).click();
    await expect(page.getByTestId('subject-history').textContent()).resolves.toContain('198.51.100.23');

    await expectNoSeriousViolations(page, 'consent');
    await screenshot(page, 'consent');
    // the README's picture: the first viewport (1280x900)
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, 'consent-viewport.png') });
    expect(cspViolations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a look-up without consent:read-pii shows no personal fields; without rights:manage no § 7102 table', async () => {
    const reader = await t.createKey('consent:read');
    const { context, page } = await signInWithKey(browser, t.url, reader);
    await page.getByRole('link', { name: 'Consent' }).click();
    await page.getByRole('heading', { level: 1, name: 'Consent' }).waitFor();
    await expect(page.getByTestId('ccpa-table').count()).resolves.toBe(0);
    await page.getByText('the CCPA request metrics are not shown').waitFor();
    await page.getByLabel('User id').fill(CAROL);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('subject-consents').waitFor();
    await page.getByRole('button', { name: /Show history/ }).click();
    const history = page.getByTestId('subject-history');
    await history.waitFor();
    await expect(history.textContent()).resolves.toContain('personal fields omitted');
    const body = (await page.locator('main').textContent()) ?? '';
    for (const personal of ['198.51.100.23', 'Firefox/140.0', '/signup']) expect(body).not.toContain(personal);
    // keyboard only: Tab to the conflict's subject key, Enter opens that subject's state (by key, no user id)
    const dan = t.infra.pseudonymizer.subject('consent-dan@example.com');
    await page.getByTestId('conflicts').waitFor();
    await tabTo(page, '[data-testid="conflicts"] tbody button');
    await page.keyboard.press('Enter');
    await page.getByText(`Subject key ${dan}`).waitFor();
    await expect(page.getByTestId('subject-consents').textContent()).resolves.toContain('third_party_sharing.sale');
    await expectNoSeriousViolations(page, 'consent (reader)');
    await context.close();
  });
});
