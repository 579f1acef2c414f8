import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { actorOf } from '../../apps/api/src/console/oidc';
import { startTestApp, type TestApp } from '../support/app';
import { buildConsole, expectNoSeriousViolations, launchChromium, screenshot, type BuiltConsole } from '../support/browser';
import { startTestIdp, type TestIdp } from '../support/oidc-provider';
import { freePort } from '../support/processes';

jest.setTimeout(180_000);


/**
 * The console's sign-in through OpenID Connect in Debian's Chromium: the console's button, the
 * provider's own login page (a real oidc-provider on localhost: another site than the API on
 * 127.0.0.1, so the SameSite=Lax pending-sign-in cookie is what carries the callback), back to the
 * console signed in with the scopes of the person's groups.
 */
describe('console: sign in through an OpenID Connect provider in a real browser', () => {
  let t: TestApp;
  let idp: TestIdp;
  let browser: Browser;
  let built: BuiltConsole;
  let requestId: string;
  let API: string;

  beforeAll(async () => {
    built = buildConsole();
    // the redirect URI is configured before the API starts: a port the OS just gave out
    const apiPort = await freePort();
    API = `http://127.0.0.1:${apiPort}`;
    idp = await startTestIdp({
      redirectUri: `${API}/auth/oidc/callback`,
      clientId: 'privacy-console',
      clientSecret: 'browser-client-secret-0123456789abcdef',
      users: {
        dana: { password: 'dana-pass', groups: ['/privacy/dpo'] },
        rita: { password: 'rita-pass', groups: ['/privacy/readers'] },
        uma: { password: 'uma-pass', groups: ['/staff'] },
      },
    });
    [t, browser] = await Promise.all([
      startTestApp({
        backend: 'pglite',
        port: apiPort,
        env: {
          CONSOLE_DIR: built.dir,
          OIDC_ISSUER: idp.issuer,
          OIDC_CLIENT_ID: 'privacy-console',
          OIDC_CLIENT_SECRET: 'browser-client-secret-0123456789abcdef',
          OIDC_REDIRECT_URI: `${API}/auth/oidc/callback`,
          OIDC_SCOPE_MAP: JSON.stringify({ '/privacy/dpo': ['rights:manage', 'breach:manage'], '/privacy/readers': ['catalog:read'] }),
          OIDC_PROVIDER_NAME: 'Test IdP',
        },
      }),
      launchChromium(),
    ]);
    const r = await t.request('POST', '/data-subject/requests', { user_id: 'oidc-browser-subject@example.com', request_type: 'access', jurisdiction: 'GDPR' });
    expect(r.status).toBe(201);
    requestId = r.body.request_id;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await idp?.close();
    built?.remove();
  });

  async function freshPage(): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
    const context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return { context, page, cspViolations };
  }

  /** On the console's sign-in screen at `path`: the provider's button, through its login page. */
  async function throughProvider(page: Page, path: string, login: string, password: string): Promise<void> {
    await page.goto(`${API}${path}`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.getByLabel('User name').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('offers only the provider (no key form), signs a DPO in through its login page, lands on Today with the mapped scopes', async () => {
    const { context, page, cspViolations } = await freshPage();
    await page.goto(`${API}/console/`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    await expect(page.getByLabel('API key').count()).resolves.toBe(0);
    await expectNoSeriousViolations(page, 'sign-in (OpenID Connect)');
    await screenshot(page, 'sign-in-oidc');

    await throughProvider(page, '/console/', 'dana', 'dana-pass');
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByText('Scopes: breach:manage, rights:manage').waitFor();
    const cookies = await context.cookies(API);
    const session = cookies.find((c) => c.name === 'pl_session')!;
    expect({ httpOnly: session.httpOnly, sameSite: session.sameSite }).toEqual({ httpOnly: true, sameSite: 'Strict' });
    expect(cookies.map((c) => c.name)).not.toContain('pl_oidc');
    // nothing of the sign-in (code, tokens) stays in the page's storage or URL
    const stored = await page.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href');
    expect(stored).not.toMatch(/code=|id_token|pl_session/);
    await page.getByTestId('ready').waitFor();
    await expectNoSeriousViolations(page, 'today (OpenID Connect)');

    // the actions are there, and what the person does is recorded under their actor id
    await page.goto(`${API}/console/requests/${requestId}`);
    await page.getByRole('button', { name: /Extend/ }).first().waitFor();
    const actor = await page.evaluate<string>(`fetch('/auth/session').then((r) => r.json()).then((s) => s.actor)`);
    expect(actor).toBe(actorOf(idp.issuer, idp.subjectOf('dana')));
    expect(cspViolations).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    expect((await context.cookies(API)).map((c) => c.name)).not.toContain('pl_session');
    await context.close();
  });

  it('comes back to the page the sign-in started from', async () => {
    const { context, page } = await freshPage();
    await throughProvider(page, `/console/requests/${requestId}`, 'dana', 'dana-pass');
    await page.waitForURL(`${API}/console/requests/${requestId}`);
    await page.getByRole('button', { name: /Extend/ }).first().waitFor();
    await context.close();
  });

  it('shows a person without rights:manage no request actions; the API refuses them with that session anyway', async () => {
    const { context, page } = await freshPage();
    await throughProvider(page, '/console/', 'rita', 'rita-pass');
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    await page.getByText('Scopes: catalog:read').waitFor();
    await page.goto(`${API}/console/requests/${requestId}`);
    await page.getByText('Your scopes do not include rights:manage').waitFor();
    await expect(page.getByRole('button', { name: /Verify identity|Extend|Reject/ }).count()).resolves.toBe(0);
    await expectNoSeriousViolations(page, 'request (OpenID Connect, no rights:manage)');
    const refused = await page.evaluate<number>(`(async () => {
      const s = await (await fetch('/auth/session')).json();
      const r = await fetch('/data-subject/requests/${requestId}/extend', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf_token }, body: '{"reason":"complexity"}' });
      return r.status;
    })()`);
    expect(refused).toBe(403);
    expect((await t.request('GET', `/data-subject/requests/${requestId}`)).body.extended).toBeFalsy();
    await context.close();
  });

  it('refuses a person whose groups map to no scope with a page saying why, and no session', async () => {
    const { context, page } = await freshPage();
    await throughProvider(page, '/console/', 'uma', 'uma-pass');
    await page.getByRole('heading', { level: 1, name: 'No access to the console' }).waitFor();
    await page.getByText('none of your groups or roles').waitFor();
    await expectNoSeriousViolations(page, 'sign-in refused (no mapped group)');
    await screenshot(page, 'sign-in-oidc-refused');
    expect((await context.cookies(API)).map((c) => c.name)).not.toContain('pl_session');
    await page.getByRole('link', { name: 'Back to the console sign-in' }).click();
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    await context.close();
  });
});
