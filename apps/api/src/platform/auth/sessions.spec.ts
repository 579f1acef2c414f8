import { cookieValue, csrfMatches, SessionStore } from './sessions';

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
