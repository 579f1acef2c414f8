import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app';
import { buildConsole, expectNoSeriousViolations, launchChromium, screenshot, signInWithKey, tabTo, type BuiltConsole, type SignedIn } from '../support/browser';
import { catalogFixtures, requestStatusWhen } from '../support/rights';

jest.setTimeout(180_000);

const ALICE = 'browser-alice@example.com';
const BOB = 'browser-bob@example.com';

/**
 * The console in Debian's Chromium (/usr/bin/chromium, installed by .ci/run; playwright-core never
 * downloads a browser): the real build, served by the API under /console, driven through its screens
 * with data made through the API. One browser for the suite.
 */
describe('console in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let manager: string;
  let aliceRequest: string;
  let bobRequest: string;
  let built: BuiltConsole;

  beforeAll(async () => {
    built = buildConsole();
    [t, browser] = await Promise.all([
      startTestApp({ backend: 'pglite', env: { CONSOLE_DIR: built.dir } }),
      launchChromium(),
    ]);
    manager = await t.createKey('rights:manage', 'breach:manage');
    await catalogFixtures(t, [{ user: ALICE, receipts: [['crm', 'user.contact.email', 'marketing']] }]);
    const a = await t.request('POST', '/data-subject/requests', { user_id: ALICE, request_type: 'access', jurisdiction: 'GDPR' });
    const b = await t.request('POST', '/data-subject/requests', { user_id: BOB, request_type: 'access', jurisdiction: 'CCPA' });
    expect([a.status, b.status]).toEqual([201, 201]);
    [aliceRequest, bobRequest] = [a.body.request_id, b.body.request_id];
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    built?.remove();
  });

  /** Signed in with `key`; nothing of the key stays in the browser's storage. */
  async function signedIn(key: string, watch?: (page: Page) => void): Promise<SignedIn> {
    const session = await signInWithKey(browser, t.url, key, watch);
    // The key went to the server once; nothing of it stays in the browser's storage.
    const stored = await session.page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    expect(stored).not.toContain(key.split('.')[1]);
    return session;
  }
  const noSeriousViolations = expectNoSeriousViolations;

  it('signs in with a key; Today shows the numbers the API gives, each linking to its list', async () => {
    const scripts: Array<{ encoding: string | undefined; cache: string | undefined }> = [];
    const { context, page, cspViolations } = await signedIn(manager, (p) =>
      p.on('response', (r) => {
        if (/\/console\/assets\/.+\.js$/.test(r.url())) scripts.push({ encoding: r.headers()['content-encoding'], cache: r.headers()['cache-control'] });
      }),
    );
    // the script arrived as the build's brotli file, cacheable for a year
    expect(scripts).toEqual([{ encoding: 'br', cache: 'public, max-age=31536000, immutable' }]);
    const counts = (await t.request('GET', '/data-subject/requests/counts')).body;
    expect(counts.open).toBe(2);
    for (const [id, value] of [['open', counts.open], ['overdue', counts.overdue], ['due-soon', counts.due_soon]] as const) {
      await expect(page.getByTestId(id).locator('.number').textContent()).resolves.toBe(String(value));
    }
    await page.getByRole('heading', { name: 'Breach notification clocks' }).waitFor();
    await page.getByTestId('ready').waitFor();
    await noSeriousViolations(page, 'today');
    await screenshot(page, 'today');
    await page.getByTestId('open').click();
    await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
    expect(new URL(page.url()).search).toBe('?open=true');
    await expect(page.locator('tbody tr').count()).resolves.toBe(counts.open);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('lists the requests made through the API, filters on the server, and shows deadlines in both zones', async () => {
    const { context, page, cspViolations } = await signedIn(manager);
    await page.getByRole('link', { name: 'Requests' }).click();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    const text = await page.locator('tbody').textContent();
    for (const id of [aliceRequest, bobRequest]) expect(text).toContain(id.slice(0, 8));
    // GDPR with the default England calendar counts in London; CCPA in Los Angeles; the viewer is in New York.
    expect(text).toContain('(Europe/London)');
    expect(text).toContain('(America/Los_Angeles)');
    expect(text).not.toContain(ALICE);
    await noSeriousViolations(page, 'requests');
    await screenshot(page, 'requests');
    await page.getByLabel('Jurisdiction').selectOption('CCPA');
    await page.waitForURL(/jurisdiction=CCPA/);
    // A function, not an expression: Playwright evals the text once, during its own DevTools call
    // (where the page's CSP allows it), and then polls the function it got. An expression is
    // re-evaluated on each poll from the page's own frame callback, which the console's CSP
    // (no 'unsafe-eval') refuses whenever the list has not changed by the first check.
    await page.waitForFunction("() => document.querySelectorAll('tbody tr').length === 1");
    await expect(page.locator('tbody').textContent()).resolves.toContain(bobRequest.slice(0, 8));
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('verifies a request and extends its deadline from its page with the keyboard only; its tasks appear', async () => {
    const { context, page, cspViolations } = await signedIn(manager);
    await page.goto(`${t.url}/console/requests/${aliceRequest}`);
    await page.getByRole('heading', { name: 'Actions' }).waitFor();
    await noSeriousViolations(page, 'request (received)');
    await tabTo(page, '#verify-method');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(page.locator('#verify-method').inputValue()).resolves.toBe('documents');
    await tabTo(page, 'form:has(#verify-method) button[type=submit]');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Identity verified: recorded.' }).waitFor();
    const recorded = await requestStatusWhen(t, aliceRequest, (r) => r.tasks.length >= 1);
    expect(recorded).toMatchObject({ verified: true, verification_method: 'documents' });
    await page.reload();
    await page.getByTestId('tasks').waitFor();
    await expect(page.getByTestId('tasks').textContent()).resolves.toContain('crm');
    await expect(page.getByTestId('timeline').textContent()).resolves.toContain('rights.identity_verified');

    await tabTo(page, '#extend-reason');
    await page.keyboard.type('complex request: several systems hold the data');
    await tabTo(page, 'form:has(#extend-reason) button[type=submit]');
    await page.keyboard.press('Enter');
    await page.getByText('extended: complex request: several systems hold the data').waitFor();
    expect((await t.request('GET', `/data-subject/requests/${aliceRequest}`)).body).toMatchObject({ extended: true, extension_reason: 'complex request: several systems hold the data' });
    await noSeriousViolations(page, 'request (verified, extended)');
    await screenshot(page, 'request');
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('shows a key without rights:manage no request actions, and the API refuses them with its session anyway', async () => {
    const reader = await t.createKey('catalog:read');
    const { context, page } = await signedIn(reader);
    await expect(page.getByTestId('open').count()).resolves.toBe(0);
    await page.goto(`${t.url}/console/requests/${bobRequest}`);
    await page.getByText('Your scopes do not include rights:manage').waitFor();
    await expect(page.getByRole('button', { name: /Verify identity|Extend|Reject/ }).count()).resolves.toBe(0);
    await noSeriousViolations(page, 'request (no rights:manage)');
    await screenshot(page, 'request-no-scope');
    const refused = await page.evaluate<number>(`(async () => {
      const s = await (await fetch('/auth/session')).json();
      const r = await fetch('/data-subject/requests/${bobRequest}/verify', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf_token }, body: '{"method":"documents"}' });
      return r.status;
    })()`);
    expect(refused).toBe(403);
    expect((await t.request('GET', `/data-subject/requests/${bobRequest}`)).body.verified).toBe(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await noSeriousViolations(page, 'sign-in');
    await screenshot(page, 'sign-in');
    await context.close();
  });

  it("shows a command the API refuses as an alert in the Actions section, with the API's reason, and says nothing was recorded", async () => {
    const { context, page } = await signedIn(manager);
    await page.goto(`${t.url}/console/requests/${bobRequest}`);
    await page.getByRole('heading', { name: 'Actions' }).waitFor();
    // extended by someone else after the page was drawn: the page still offers the extension
    expect((await t.request('POST', `/data-subject/requests/${bobRequest}/extend`, { reason: 'extended through the API' })).status).toBe(200);
    await page.locator('#extend-reason').fill('a second extension');
    await page.locator('form:has(#extend-reason) button[type=submit]').click();
    const actions = page.locator('section[aria-labelledby=actions]');
    await actions.getByRole('alert').filter({ hasText: 'the deadline was already extended' }).waitFor();
    await expect(actions.locator('[role=status]').textContent()).resolves.toBe('');
    expect((await t.request('GET', `/data-subject/requests/${bobRequest}`)).body).toMatchObject({ extended: true, extension_reason: 'extended through the API' });
    await noSeriousViolations(page, 'request (refused command)');
    await context.close();
  });
});
