import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { CONSOLE_CSP } from './console-static';

jest.setTimeout(120_000);

/** The console's server side over HTTP: its files under /console, and the session sign-in with CSRF. */
describe('console: files and session sign-in', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'pl-console-e2e-'));
  beforeAll(async () => {
    // A stand-in build (the browser suite, test/e2e/console.e2e.ts, serves the real one).
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html lang="en"><title>console</title><script type="module" src="/console/assets/index-abc123.js"></script></html>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("hi")');
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync('console.log("hi")'));
    t = await startTestApp({ backend: 'pglite', env: { CONSOLE_DIR: dir } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cookieOf = (setCookie: string | null) => /^pl_session=([^;]*)/.exec(setCookie ?? '')?.[1] ?? null;
  const withCookie = (cookie: string, csrf?: string) => ({ cookie: `other=1; pl_session=${cookie}`, ...(csrf ? { 'x-csrf-token': csrf } : {}) });
  const signIn = async (key: string) => {
    const r = await t.request('POST', '/auth/session', { api_key: key }, null);
    expect(r.status).toBe(201);
    return { cookie: cookieOf(r.headers.get('set-cookie'))!, csrf: r.body.csrf_token as string, body: r.body, setCookie: r.headers.get('set-cookie')! };
  };

  it('serves the shell with no-cache and a strict CSP, deep links included, and hashed assets as immutable', async () => {
    for (const path of ['/console', '/console/', '/console/requests/7d6f0a4e-0000-4000-8000-000000000000?x=1']) {
      const r = await t.request('GET', path, undefined, null);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.headers.get('cache-control')).toBe('no-cache');
      expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.body).toContain('/console/assets/index-abc123.js');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
    const asset = await t.request('GET', '/console/assets/index-abc123.js', undefined, null, { 'accept-encoding': 'br, gzip' });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    // the build's brotli file, for a client that accepts it (fetch decodes it)
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.body).toBe('console.log("hi")');
    const plain = await t.request('GET', '/console/assets/index-abc123.js', undefined, null, { 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.body).toBe('console.log("hi")');
    const missing = await t.request('GET', '/console/assets/index-gone.js', undefined, null);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control') ?? '').not.toMatch(/immutable/);
  });

  it('exchanges a key for an HttpOnly SameSite=Strict session cookie; the key works for machines as before', async () => {
    const key = await t.createKey('rights:manage');
    const s = await signIn(key);
    expect(s.setCookie).toMatch(/; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(s.setCookie).not.toContain('Secure');
    expect(s.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const keyId = key.slice(3, key.indexOf('.'));
    expect(s.body).toEqual({ signed_in_with: 'api_key', actor: `apikey:${keyId}`, scopes: ['rights:manage'], csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_at: expect.any(String) });
    expect(JSON.stringify(s.body)).not.toContain(key.split('.')[1]);
    const current = await t.request('GET', '/auth/session', undefined, null, withCookie(s.cookie));
    expect(current.body).toMatchObject({ scopes: ['rights:manage'], csrf_token: s.csrf });
    expect((await t.request('GET', '/data-subject/requests', undefined, null, withCookie(s.cookie))).status).toBe(200);
    expect((await t.request('GET', '/data-subject/requests', undefined, key)).status).toBe(200);
    // The session's scopes are the key's: no more.
    expect((await t.request('GET', '/breaches', undefined, null, withCookie(s.cookie))).status).toBe(403);
  });

  it('signs in with a key only when no identity provider is configured (OpenID Connect: oidc.e2e.ts)', async () => {
    expect((await t.request('GET', '/auth/methods', undefined, null)).body).toEqual({ api_key: true, oidc: null });
    const login = await t.request('GET', '/auth/oidc/login', undefined, null);
    expect(login.status).toBe(404);
    expect(login.body.message).toMatch(/not configured/);
    expect(login.headers.get('set-cookie')).toBeNull();
    expect((await t.request('GET', '/auth/oidc/callback?code=x&state=y', undefined, null)).status).toBe(404);
  });

  it('refuses a state-changing request made with the cookie without the session CSRF token, and records nothing', async () => {
    const s = await signIn(await t.createKey('rights:manage'));
    const body = { user_id: 'csrf-subject', request_type: 'access', jurisdiction: 'GDPR' };
    const count = async () => (await t.request('GET', '/data-subject/requests?limit=500')).body.requests.length;
    const before = await count();
    const none = await t.request('POST', '/data-subject/requests', body, null, withCookie(s.cookie));
    expect(none.status).toBe(403);
    expect(none.body.message).toMatch(/X-CSRF-Token/);
    const other = await signIn(await t.createKey('rights:manage'));
    expect((await t.request('POST', '/data-subject/requests', body, null, withCookie(s.cookie, other.csrf))).status).toBe(403);
    expect(await count()).toBe(before);
    const ok = await t.request('POST', '/data-subject/requests', body, null, withCookie(s.cookie, s.csrf));
    expect(ok.status).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it('refuses unknown keys and cookies, bad bodies, and a session whose key was revoked', async () => {
    const bad = await t.request('POST', '/auth/session', { api_key: 'pl_0000000000000000.nottherightsecretatall' }, null);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect((await t.request('POST', '/auth/session', { api_key: 'x', extra: 1 }, null)).status).toBe(400);
    expect((await t.request('POST', '/auth/session', {}, null)).status).toBe(400);
    expect((await t.request('GET', '/data-subject/requests', undefined, null, withCookie('A'.repeat(43)))).status).toBe(401);
    expect((await t.request('GET', '/data-subject/requests', undefined, null, withCookie('not a session id'))).status).toBe(401);
    expect((await t.request('GET', '/auth/session', undefined, null)).status).toBe(401);
    const key = await t.createKey('rights:manage');
    const s = await signIn(key);
    const id = (await t.apiKeys.list()).find((k) => key.startsWith(`pl_${k.id}.`))!.id;
    expect(await t.apiKeys.revoke(id)).toBe(true);
    const after = await t.request('GET', '/data-subject/requests', undefined, null, withCookie(s.cookie));
    expect(after.status).toBe(401);
    expect(after.body.message).toMatch(/revoked/);
  });

  it('signs out with the CSRF token: the cookie is cleared and the session refused from then on', async () => {
    const s = await signIn(await t.createKey('rights:manage'));
    expect((await t.request('DELETE', '/auth/session', undefined, null, withCookie(s.cookie))).status).toBe(403);
    expect((await t.request('GET', '/data-subject/requests', undefined, null, withCookie(s.cookie))).status).toBe(200);
    const out = await t.request('DELETE', '/auth/session', undefined, null, withCookie(s.cookie, s.csrf));
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^pl_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await t.request('GET', '/data-subject/requests', undefined, null, withCookie(s.cookie))).status).toBe(401);
  });

  it('reads the queue through the rights routes: filters, keyset pages, counts, timeline, the deadline zone', async () => {
    const counts0 = (await t.request('GET', '/data-subject/requests/counts')).body;
    const ids: string[] = [];
    for (const user of ['queue-1', 'queue-2', 'queue-3']) {
      const r = await t.request('POST', '/data-subject/requests', { user_id: user, request_type: 'access', jurisdiction: 'CCPA' });
      expect(r.status).toBe(201);
      ids.push(r.body.request_id);
    }
    const counts = await t.request('GET', '/data-subject/requests/counts');
    expect(counts.body).toEqual({ open: counts0.open + 3, overdue: counts0.overdue, due_soon: expect.any(Number), due_soon_days: expect.any(Number) });
    // Whatever the due-soon window holds now, the list behind the number agrees with it.
    const dueSoon = await t.request('GET', '/data-subject/requests?due_soon=true&limit=500');
    expect(dueSoon.body.requests).toHaveLength(counts.body.due_soon);

    const filter = '/data-subject/requests?jurisdiction=CCPA&request_type=access&open=true';
    const first = await t.request('GET', `${filter}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.requests).toHaveLength(2);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await t.request('GET', `${filter}&limit=2&after=${first.body.next}`);
    expect(second.body.requests).toHaveLength(1);
    expect(second.body.next).toBeNull();
    const paged = [...first.body.requests, ...second.body.requests];
    expect(paged.map((r: any) => r.request_id).sort()).toEqual([...ids].sort());
    const dues = paged.map((r: any) => Date.parse(r.due_at));
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(paged.every((r: any) => r.deadline_timezone === 'America/Los_Angeles')).toBe(true);
    const gdpr = (await t.request('GET', '/data-subject/requests?jurisdiction=GDPR&request_type=access&limit=500')).body.requests;
    expect(gdpr.length).toBeGreaterThan(0);
    expect(gdpr.every((r: any) => r.jurisdiction === 'GDPR' && !ids.includes(r.request_id))).toBe(true);
    expect((await t.request('GET', '/data-subject/requests?open=false&jurisdiction=CCPA')).body.requests).toEqual([]);

    for (const bad of ['after=%7B%7D', `after=${Buffer.from('["x","y"]').toString('base64url')}`, 'open=maybe', 'request_type=everything', 'due_soon=false']) {
      const r = await t.request('GET', `/data-subject/requests?${bad}`);
      expect(r.status).toBe(400);
    }

    const one = await t.request('GET', `/data-subject/requests/${ids[0]}`);
    expect(one.body).toMatchObject({ request_id: ids[0], deadline_timezone: 'America/Los_Angeles' });
    const timeline = await t.request('GET', `/data-subject/requests/${ids[0]}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.timeline[0]).toEqual({ type: 'rights.request_received', occurred_at: expect.any(String), actor: expect.stringMatching(/^apikey:/) });
    expect((await t.request('GET', '/data-subject/requests/7d6f0a4e-0000-4000-8000-000000000000/timeline')).status).toBe(404);
  });
});
