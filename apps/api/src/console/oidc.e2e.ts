import { createClient } from 'redis';
import { startTestApp, type TestApp } from '../../../../test/support/app';
import { freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { startTestIdp, type TestIdp } from '../../../../test/support/oidc-provider';
import { freePort } from '../../../../test/support/processes';
import { actorOf } from './oidc';

jest.setTimeout(120_000);

const SCOPE_MAP = { '/privacy/dpo': ['rights:manage', 'breach:manage'], '/privacy/auditor': ['audit:read'], '/privacy/readers': ['catalog:read', 'audit:read'] };

/** A browser's cookies, enough for this flow: per host (ports share cookies, as in browsers), with Path, Max-Age=0 deleting. */
class Jar {
  private readonly cookies = new Map<string, { value: string; path: string }>();
  header(url: URL): string {
    return [...this.cookies].filter(([k, c]) => k.startsWith(`${url.hostname} `) && url.pathname.startsWith(c.path)).map(([k, c]) => `${k.split(' ')[1]}=${c.value}`).join('; ');
  }
  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const key = `${url.hostname} ${name}`;
      if (attrs.some((a) => /^max-age=0$/i.test(a))) this.cookies.delete(key);
      else this.cookies.set(key, { value: pair.slice(eq + 1), path });
    }
  }
  get(host: string, name: string): string | undefined {
    return this.cookies.get(`${host} ${name}`)?.value;
  }
  set(host: string, name: string, value: string, path = '/'): void {
    this.cookies.set(`${host} ${name}`, { value, path });
  }
}

interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly setCookies: string[];
  readonly text: string;
  readonly headers: Headers;
}

/** One request as a browser makes it (no redirect followed), cookies from and into the jar. */
async function go(jar: Jar, url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Answer> {
  const u = new URL(url);
  const cookie = jar.header(u);
  const res = await fetch(u, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: { ...(cookie ? { cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...init.headers },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  const setCookies = res.headers.getSetCookie();
  jar.store(u, setCookies);
  const location = res.headers.get('location');
  return { status: res.status, location: location === null ? null : new URL(location, u).href, setCookies, text: await res.text(), headers: res.headers };
}

describe('console sign-in through OpenID Connect (a real provider in process, over HTTP)', () => {
  let t: TestApp;
  let idp: TestIdp;
  let API: string;
  let REDIRECT_URI: string;
  beforeAll(async () => {
    // the redirect URI is configured before the API starts: a port the OS just gave out
    const apiPort = await freePort();
    API = `http://127.0.0.1:${apiPort}`;
    REDIRECT_URI = `${API}/auth/oidc/callback`;
    idp = await startTestIdp({
      redirectUri: REDIRECT_URI,
      clientId: 'privacy-console',
      clientSecret: 'test-client-secret-0123456789abcdef',
      users: {
        dana: { password: 'dana-pass', groups: ['/staff', '/privacy/dpo'] },
        audrey: { password: 'audrey-pass', groups: ['/privacy/auditor'] },
        rita: { password: 'rita-pass', groups: ['/privacy/readers', '/privacy/auditor'] },
        uma: { password: 'uma-pass', groups: ['/staff'] },
      },
    });
    t = await startTestApp({
      backend: 'pglite',
      port: apiPort,
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: 'privacy-console',
        OIDC_CLIENT_SECRET: 'test-client-secret-0123456789abcdef',
        OIDC_REDIRECT_URI: REDIRECT_URI,
        OIDC_SCOPE_MAP: JSON.stringify(SCOPE_MAP),
        OIDC_PROVIDER_NAME: 'Test IdP',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  /** Starts a sign-in at the API and goes through the provider's login page: the provider's redirect back (not yet followed). */
  const throughProvider = async (jar: Jar, login: string, password: string, returnTo?: string): Promise<string> => {
    const start = await go(jar, `${API}/auth/oidc/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`);
    expect(start.status).toBe(302);
    let next = await go(jar, start.location!);
    while (next.status >= 300 && next.status < 400) next = await go(jar, next.location!);
    expect(next.status).toBe(200);
    expect(next.text).toContain('Test identity provider: sign in');
    const action = /action="([^"]+)"/.exec(next.text)![1];
    let r = await go(jar, new URL(action, idp.issuer).href, { form: { login, password } });
    while (r.status >= 300 && r.status < 400 && !r.location!.startsWith(REDIRECT_URI)) r = await go(jar, r.location!);
    expect(r.location!.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    return r.location!;
  };

  const signIn = async (login: string, password: string, returnTo?: string) => {
    const jar = new Jar();
    const callback = await throughProvider(jar, login, password, returnTo);
    const done = await go(jar, callback);
    return { jar, callback, done };
  };

  const sessionOf = async (jar: Jar) => {
    const r = await go(jar, `${API}/auth/session`, { headers: { accept: 'application/json' } });
    return { status: r.status, body: r.status === 200 ? JSON.parse(r.text) : null };
  };

  it('says how the console signs in; with OIDC configured the key form is off, and keys still work for machines', async () => {
    const methods = await t.request('GET', '/auth/methods', undefined, null);
    expect(methods.status).toBe(200);
    expect(methods.body).toEqual({ api_key: false, oidc: { provider_name: 'Test IdP', login_url: '/auth/oidc/login' } });
    const key = await t.createKey('rights:manage');
    const exchange = await t.request('POST', '/auth/session', { api_key: key }, null);
    expect(exchange.status).toBe(403);
    expect(exchange.body.message).toMatch(/OpenID Connect/);
    expect(exchange.headers.get('set-cookie')).toBeNull();
    expect((await t.request('GET', '/data-subject/requests', undefined, key)).status).toBe(200);
  });

  it('redirects to the provider with state, nonce and a PKCE S256 challenge; the verifier stays on the server', async () => {
    const jar = new Jar();
    const r = await go(jar, `${API}/auth/oidc/login?return_to=${encodeURIComponent('/console/requests?status=open')}`);
    expect(r.status).toBe(302);
    const to = new URL(r.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${idp.issuer}/auth`);
    const p = Object.fromEntries(to.searchParams);
    expect(p).toEqual({
      client_id: 'privacy-console',
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      response_type: 'code',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(r.setCookies).toHaveLength(1);
    expect(r.setCookies[0]).toMatch(/^pl_oidc=[A-Za-z0-9_-]{43}; Path=\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
    const id = jar.get('127.0.0.1', 'pl_oidc')!;
    expect([p.state, p.nonce, p.code_challenge]).not.toContain(id);
    expect(r.headers.get('cache-control')).toBe('no-store');
    // a second start gets fresh values
    const again = new URL((await go(new Jar(), `${API}/auth/oidc/login`)).location!).searchParams;
    expect(again.get('state')).not.toBe(p.state);
    expect(again.get('code_challenge')).not.toBe(p.code_challenge);
  });

  it('signs in a person in a mapped group with exactly the mapped scopes; their commands are recorded under their actor id', async () => {
    const { jar, done } = await signIn('dana', 'dana-pass', '/console/requests?status=open');
    expect(done.status).toBe(302);
    expect(done.location).toBe(`${API}/console/requests?status=open`);
    const sessionCookie = done.setCookies.find((c) => c.startsWith('pl_session='))!;
    expect(sessionCookie).toMatch(/^pl_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(done.setCookies).toContain('pl_oidc=; Path=/auth/oidc; Max-Age=0; HttpOnly; SameSite=Lax');
    const actor = actorOf(idp.issuer, idp.subjectOf('dana'));
    const session = await sessionOf(jar);
    expect(session.body).toEqual({ signed_in_with: 'oidc', actor, scopes: ['breach:manage', 'rights:manage'], csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_at: expect.any(String) });
    expect(actor).toMatch(/^oidc:[A-Za-z0-9_-]{22}$/);
    expect(actor).not.toContain('dana');

    expect((await go(jar, `${API}/data-subject/requests`)).status).toBe(200);
    expect((await go(jar, `${API}/breaches`)).status).toBe(200);
    // /staff maps to nothing, and nothing beyond the mapped scopes is granted
    expect((await go(jar, `${API}/governance/systems`)).status).toBe(403);
    expect((await go(jar, `${API}/audit/verify`)).status).toBe(403);

    const body = JSON.stringify({ user_id: 'oidc-subject-1', request_type: 'access', jurisdiction: 'GDPR' });
    const post = (headers: Record<string, string>) => fetch(`${API}/data-subject/requests`, { method: 'POST', headers: { cookie: jar.header(new URL(API)), 'content-type': 'application/json', ...headers }, body });
    expect((await post({})).status).toBe(403);
    const made = await post({ 'x-csrf-token': session.body.csrf_token });
    expect(made.status).toBe(201);
    const id = ((await made.json()) as { request_id: string }).request_id;
    const timeline = await t.request('GET', `/data-subject/requests/${id}/timeline`);
    expect(timeline.body.timeline[0]).toMatchObject({ type: 'rights.request_received', actor });

    // sign out ends the session on the server
    const out = await fetch(`${API}/auth/session`, { method: 'DELETE', headers: { cookie: jar.header(new URL(API)), 'x-csrf-token': session.body.csrf_token } });
    expect(out.status).toBe(204);
    expect((await go(jar, `${API}/data-subject/requests`)).status).toBe(401);
  });

  it('gives each person the union of their groups\' scopes, and the same actor at every sign-in', async () => {
    const audrey = await signIn('audrey', 'audrey-pass');
    expect(audrey.done.location).toBe(`${API}/console/`);
    expect((await sessionOf(audrey.jar)).body.scopes).toEqual(['audit:read']);
    const rita = await signIn('rita', 'rita-pass');
    const ritaSession = (await sessionOf(rita.jar)).body;
    expect(ritaSession.scopes).toEqual(['audit:read', 'catalog:read']);
    const ritaAgain = (await sessionOf((await signIn('rita', 'rita-pass')).jar)).body;
    expect(ritaAgain.actor).toBe(ritaSession.actor);
    expect(ritaAgain.csrf_token).not.toBe(ritaSession.csrf_token);
    expect((await go(audrey.jar, `${API}/data-subject/requests`)).status).toBe(403);
  });

  it('refuses a person whose groups map to no scope: no session, and a page saying why', async () => {
    const { jar, done } = await signIn('uma', 'uma-pass');
    expect(done.status).toBe(403);
    expect(done.headers.get('content-type')).toMatch(/^text\/html/);
    expect(done.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(done.text).toContain('No access to the console');
    expect(done.text).toContain('none of your groups or roles (claim groups) gives access');
    expect(done.text).not.toMatch(/uma|sub-/);
    expect(done.setCookies.some((c) => c.startsWith('pl_session='))).toBe(false);
    expect((await sessionOf(jar)).status).toBe(401);
  });

  it('refuses every return_to that is not a path under /console (no open redirect), setting nothing', async () => {
    for (const bad of ['https://evil.example/console', '//evil.example/console', '/console//evil.example', '/consolex', '/console/../auth/session', '/console/%2e%2e/x/..', '/\\evil.example', 'javascript:alert(1)', '/console/\\evil', '/console/%2F%2Fevil', 'console']) {
      const r = await go(new Jar(), `${API}/auth/oidc/login?return_to=${encodeURIComponent(bad)}`);
      expect({ bad, status: r.status, cookies: r.setCookies, location: r.location }).toEqual({ bad, status: 400, cookies: [], location: null });
      expect(JSON.parse(r.text).message).toMatch(/return_to must be a path under \/console/);
    }
    const repeated = await go(new Jar(), `${API}/auth/oidc/login?return_to=/console&return_to=https://evil.example`);
    expect(repeated.status).toBe(400);
  });

  it('refuses a wrong state, and the sign-in it belonged to is spent', async () => {
    const jar = new Jar();
    const callback = new URL(await throughProvider(jar, 'dana', 'dana-pass'));
    const pending = jar.get('127.0.0.1', 'pl_oidc')!;
    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(43));
    const wrong = await go(jar, forged.href);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('state differs');
    expect(wrong.setCookies.some((c) => c.startsWith('pl_session='))).toBe(false);
    // the right state now finds nothing: the pending sign-in was used once already
    jar.set('127.0.0.1', 'pl_oidc', pending, '/auth/oidc');
    const late = await go(jar, callback.href);
    expect(late.status).toBe(400);
    expect(late.text).toContain('unknown or has expired');
    // with no cookie at all (another browser)
    const other = await go(new Jar(), callback.href);
    expect(other.status).toBe(400);
    expect(other.text).toContain('unknown or has expired');
    expect((await sessionOf(jar)).status).toBe(401);
  });

  it('refuses a replayed callback and a replayed code', async () => {
    const jar = new Jar();
    const callback = new URL(await throughProvider(jar, 'dana', 'dana-pass'));
    const pending = jar.get('127.0.0.1', 'pl_oidc')!;
    const ok = await go(jar, callback.href);
    expect(ok.status).toBe(302);
    // the same answer again, with the same pending sign-in cookie: used once
    const replay = new Jar();
    replay.set('127.0.0.1', 'pl_oidc', pending, '/auth/oidc');
    const again = await go(replay, callback.href);
    expect(again.status).toBe(400);
    expect(again.text).toContain('unknown or has expired');
    // the spent code inside a fresh sign-in of the attacker's own (its state and cookie): the provider refuses it
    const attacker = new Jar();
    const start = await go(attacker, `${API}/auth/oidc/login`);
    const state = new URL(start.location!).searchParams.get('state')!;
    const injected = await go(attacker, `${REDIRECT_URI}?code=${encodeURIComponent(callback.searchParams.get('code')!)}&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(injected.status).toBe(400);
    expect(injected.text).toContain('invalid_grant');
    expect((await sessionOf(attacker)).status).toBe(401);
  });

  it('needs the PKCE verifier of the sign-in that asked for the code: an intercepted code is useless in another sign-in', async () => {
    const victim = new Jar();
    const callback = new URL(await throughProvider(victim, 'dana', 'dana-pass'));
    const code = callback.searchParams.get('code')!;
    // not yet redeemed: the attacker starts a sign-in (their own state, verifier and cookie) and brings the victim's code
    const attacker = new Jar();
    const state = new URL((await go(attacker, `${API}/auth/oidc/login`)).location!).searchParams.get('state')!;
    const injected = await go(attacker, `${REDIRECT_URI}?code=${encodeURIComponent(code)}&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(injected.status).toBe(400);
    expect(injected.text).toContain('invalid_grant');
    expect(injected.setCookies.some((c) => c.startsWith('pl_session='))).toBe(false);
    expect((await sessionOf(attacker)).status).toBe(401);
    // and the provider itself refuses an authorization request without a code challenge
    const bare = await go(new Jar(), `${idp.issuer}/auth?client_id=privacy-console&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=s1`);
    expect(bare.status).toBe(303);
    expect(new URL(bare.location!).searchParams.get('error')).toBe('invalid_request');
    expect(new URL(bare.location!).searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('shows the provider\'s refusal (error=access_denied) as a page, with no session', async () => {
    const jar = new Jar();
    const start = await go(jar, `${API}/auth/oidc/login`);
    const state = new URL(start.location!).searchParams.get('state')!;
    const r = await go(jar, `${REDIRECT_URI}?error=access_denied&error_description=${encodeURIComponent('<script>x</script>')}&state=${state}`);
    expect(r.status).toBe(403);
    expect(r.text).toContain('did not sign you in (access_denied)');
    expect(r.text).not.toContain('<script>');
    expect((await sessionOf(jar)).status).toBe(401);
  });
});

describe('console sign-in through OpenID Connect across two API instances sharing Redis (REDIS_URL)', () => {
  // Redis database 12 is this suite's own; only it is flushed. Behind a load balancer the provider's
  // redirect may reach another instance than the one that started the sign-in.
  const REDIS_URL = process.env.TEST_REDIS_URL_OIDC ?? 'redis://127.0.0.1:6379/12';
  let B_CALLBACK: string;
  const redis = createClient({ url: REDIS_URL });
  let database: FreshDatabase;
  let a: TestApp;
  let b: TestApp;
  let idp: TestIdp;
  beforeAll(async () => {
    await redis.connect();
    await redis.flushDb();
    // B's callback is configured before B starts: a port the OS just gave out; A takes any
    const bPort = await freePort();
    B_CALLBACK = `http://127.0.0.1:${bPort}/auth/oidc/callback`;
    idp = await startTestIdp({ redirectUri: B_CALLBACK, clientId: 'privacy-console', clientSecret: 'shared-client-secret-0123456789abcdef', users: { dana: { password: 'dana-pass', groups: ['/privacy/dpo'] } } });
    database = await freshPostgres();
    const env = {
      REDIS_URL,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'privacy-console',
      OIDC_CLIENT_SECRET: 'shared-client-secret-0123456789abcdef',
      OIDC_REDIRECT_URI: B_CALLBACK,
      OIDC_SCOPE_MAP: JSON.stringify(SCOPE_MAP),
    };
    a = await startTestApp({ database, env, worker: true });
    b = await startTestApp({ database, env, worker: false, port: bPort });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
    await idp?.close();
    await redis.flushDb().catch(() => undefined);
    await redis.quit().catch(() => undefined);
  });

  it('starts on one instance, finishes on the other, and the pending sign-in (in Redis by its hash) is used once', async () => {
    const jar = new Jar();
    const start = await go(jar, `${a.url}/auth/oidc/login`);
    expect(start.status).toBe(302);
    const pendingId = jar.get('127.0.0.1', 'pl_oidc')!;
    const keys = await redis.keys('pl:oidc-login:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(pendingId);
    expect(await redis.get(keys[0])).not.toContain(pendingId);
    let next = await go(jar, start.location!);
    while (next.status >= 300 && next.status < 400) next = await go(jar, next.location!);
    const action = /action="([^"]+)"/.exec(next.text)![1];
    let r = await go(jar, new URL(action, idp.issuer).href, { form: { login: 'dana', password: 'dana-pass' } });
    while (r.status >= 300 && r.status < 400 && !r.location!.startsWith(B_CALLBACK)) r = await go(jar, r.location!);
    const done = await go(jar, r.location!);
    expect(done.status).toBe(302);
    expect(await redis.keys('pl:oidc-login:*')).toEqual([]);
    // the session made on B is used on A
    const session = await go(jar, `${a.url}/auth/session`);
    expect(JSON.parse(session.text)).toMatchObject({ signed_in_with: 'oidc', scopes: ['breach:manage', 'rights:manage'] });
    const replay = new Jar();
    replay.set('127.0.0.1', 'pl_oidc', pendingId, '/auth/oidc');
    expect((await go(replay, r.location!)).status).toBe(400);
  });
});
