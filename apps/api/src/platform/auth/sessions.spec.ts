import { cookieValue, csrfMatches, sessionPrincipal, SessionStore } from './sessions';

describe('console sessions (in process, no REDIS_URL)', () => {
  const t0 = new Date('2026-12-03T09:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('lives until its expiry and not a millisecond longer', async () => {
    const store = new SessionStore(60_000);
    const { id, session } = await store.create({ kind: 'api_key', keyId: 'k1' }, t0);
    expect(session.expiresAt).toBe('2026-12-03T09:01:00.000Z');
    expect(await store.get(id, at(59_999))).toEqual(session);
    expect(await store.get(id, at(60_000))).toBeNull();
  });

  it('gives each session its own random id and CSRF token, and forgets a deleted one', async () => {
    const store = new SessionStore(60_000);
    const a = await store.create({ kind: 'api_key', keyId: 'k1' }, t0);
    const b = await store.create({ kind: 'api_key', keyId: 'k1' }, t0);
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrfToken).not.toBe(b.session.csrfToken);
    expect(csrfMatches(a.session, a.session.csrfToken)).toBe(true);
    expect(csrfMatches(a.session, b.session.csrfToken)).toBe(false);
    expect(csrfMatches(a.session, undefined)).toBe(false);
    expect(csrfMatches(a.session, [a.session.csrfToken])).toBe(false);
    await store.delete(a.id);
    expect(await store.get(a.id, t0)).toBeNull();
    expect(await store.get(b.id, t0)).not.toBeNull();
  });

  it('keeps a pending OpenID Connect sign-in once: taken as read, gone after its expiry, under a random id', async () => {
    const store = new SessionStore(60_000);
    const pending = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/console/' };
    const a = await store.putLogin(pending, 600_000, t0);
    const b = await store.putLogin(pending, 600_000, t0);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await store.takeLogin(a, at(599_999))).toEqual({ ...pending, expiresAt: '2026-12-03T09:10:00.000Z' });
    expect(await store.takeLogin(a, at(1))).toBeNull();
    expect(await store.takeLogin(b, at(600_000))).toBeNull();
    expect(await store.takeLogin('not an id', t0)).toBeNull();
    // a pending sign-in is not a session, and a session id is not a pending sign-in
    const c = await store.putLogin(pending, 600_000, t0);
    expect(await store.get(c, t0)).toBeNull();
    const { id } = await store.create({ kind: 'api_key', keyId: 'k1' }, t0);
    expect(await store.takeLogin(id, t0)).toBeNull();
  });

  it('acts for an OpenID Connect session with the scopes mapped at sign-in, under its actor', async () => {
    const store = new SessionStore(60_000);
    const { session } = await store.create({ kind: 'oidc', issuer: 'https://idp.example', subject: 's1', actor: 'oidc:abc', scopes: ['rights:manage', 'no-such-scope'] }, t0);
    const keys = { principalOf: async () => { throw new Error('an OIDC session has no key'); } };
    expect(await sessionPrincipal(keys, session)).toEqual({ keyId: 'oidc:abc', actor: 'oidc:abc', scopes: new Set(['rights:manage']) });
  });

  it('refuses a malformed or unknown id without looking it up', async () => {
    const store = new SessionStore(60_000);
    for (const id of ['', 'short', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`, 'A'.repeat(43)]) expect(await store.get(id, t0)).toBeNull();
  });

  it('reads one cookie from a Cookie header', () => {
    expect(cookieValue('a=1; pl_session=abc; b=2', 'pl_session')).toBe('abc');
    expect(cookieValue('xpl_session=abc', 'pl_session')).toBeNull();
    expect(cookieValue(['a=1', 'pl_session=z'], 'pl_session')).toBe('z');
    expect(cookieValue(undefined, 'pl_session')).toBeNull();
  });
});
