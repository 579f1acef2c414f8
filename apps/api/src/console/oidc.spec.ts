import { loadConfig } from '../../../common/config';
import { loginCookie, secureCookies, sessionCookie } from './cookies';
import { actorOf, claimValues, OidcSignIn, safeReturnTo, scopesFor } from './oidc';

const BASE = { MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), DATA_DIR: '/tmp/x' };
const OIDC = {
  OIDC_ISSUER: 'https://sso.example.com/realms/privacy',
  OIDC_CLIENT_ID: 'privacy-console',
  OIDC_CLIENT_SECRET: 'secret',
  OIDC_REDIRECT_URI: 'https://privacy.example.com/auth/oidc/callback',
  OIDC_SCOPE_MAP: '{"/privacy/dpo":["rights:manage","breach:manage"],"auditor":["audit:read"]}',
};

describe('console OpenID Connect: configuration, return paths, claims to scopes', () => {
  it('is off without OIDC_ISSUER (key sign-in on), and reads every OIDC_* setting when set (key sign-in off unless asked)', () => {
    const off = loadConfig(BASE);
    expect(off.oidc).toBeNull();
    expect(off.consoleKeySignIn).toBe(true);
    const on = loadConfig({ ...BASE, ...OIDC });
    expect(on.consoleKeySignIn).toBe(false);
    expect(on.oidc).toMatchObject({ clientId: 'privacy-console', clientSecret: 'secret', groupsClaim: 'groups', requestScopes: 'openid', providerName: 'OpenID Connect' });
    expect(on.oidc!.issuer.href).toBe('https://sso.example.com/realms/privacy');
    expect(on.oidc!.scopeMap).toEqual({ '/privacy/dpo': ['rights:manage', 'breach:manage'], auditor: ['audit:read'] });
    const both = loadConfig({ ...BASE, ...OIDC, CONSOLE_KEY_SIGN_IN: 'true', OIDC_GROUPS_CLAIM: 'realm_access.roles', OIDC_REQUEST_SCOPES: 'openid profile', OIDC_PROVIDER_NAME: 'Keycloak' });
    expect(both.consoleKeySignIn).toBe(true);
    expect(both.oidc).toMatchObject({ groupsClaim: 'realm_access.roles', requestScopes: 'openid profile', providerName: 'Keycloak' });
    expect(loadConfig({ ...BASE, ...OIDC, OIDC_CLIENT_SECRET: '' }).oidc!.clientSecret).toBeNull();
  });

  it('stops the start on an incomplete or unsafe OIDC configuration, saying which setting', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ OIDC_CLIENT_ID: 'x' }, /OIDC_CLIENT_ID is set but OIDC_ISSUER is not/],
      [{ ...OIDC, OIDC_ISSUER: 'http://sso.example.com' }, /OIDC_ISSUER must be an https URL/],
      [{ ...OIDC, OIDC_ISSUER: 'not a url' }, /OIDC_ISSUER must be an https URL/],
      [{ ...OIDC, OIDC_REDIRECT_URI: '' }, /needs OIDC_REDIRECT_URI/],
      [{ ...OIDC, OIDC_REDIRECT_URI: 'https://privacy.example.com/elsewhere' }, /must end in \/auth\/oidc\/callback/],
      [{ ...OIDC, OIDC_REDIRECT_URI: 'http://privacy.example.com/auth/oidc/callback' }, /OIDC_REDIRECT_URI must be an https URL/],
      [{ ...OIDC, OIDC_CLIENT_ID: '' }, /needs OIDC_CLIENT_ID/],
      [{ ...OIDC, OIDC_SCOPE_MAP: '' }, /needs OIDC_SCOPE_MAP/],
      [{ ...OIDC, OIDC_SCOPE_MAP: '{' }, /must be JSON/],
      [{ ...OIDC, OIDC_SCOPE_MAP: '[]' }, /non-empty JSON object/],
      [{ ...OIDC, OIDC_SCOPE_MAP: '{"a":"rights:manage"}' }, /"a" must map to a non-empty list/],
      [{ ...OIDC, OIDC_GROUPS_CLAIM: 'a..b' }, /OIDC_GROUPS_CLAIM/],
      [{ ...OIDC, OIDC_REQUEST_SCOPES: 'profile' }, /must include openid/],
      [{ ...OIDC, CONSOLE_KEY_SIGN_IN: 'maybe' }, /CONSOLE_KEY_SIGN_IN must be true or false/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig({ ...BASE, ...env })).toThrow(message);
    // http only to this machine (a provider beside the service)
    expect(loadConfig({ ...BASE, ...OIDC, OIDC_ISSUER: 'http://127.0.0.1:8080', OIDC_REDIRECT_URI: 'http://localhost:3000/auth/oidc/callback' }).oidc!.issuer.host).toBe('127.0.0.1:8080');
    // scope names are checked where the scopes are known, when the API starts
    expect(() => new OidcSignIn(loadConfig({ ...BASE, ...OIDC, OIDC_SCOPE_MAP: '{"g":["rights:manage","rights:everything"]}' }).oidc!)).toThrow(/unknown scopes \("g": rights:everything\)/);
  });

  it('lands only on paths under /console', () => {
    expect(safeReturnTo(undefined)).toBe('/console/');
    expect(safeReturnTo('')).toBe('/console/');
    for (const ok of ['/console', '/console/', '/console/requests?status=open&type=access', '/console/requests/7d6f0a4e-0000-4000-8000-000000000000']) expect(safeReturnTo(ok)).toBe(ok);
    for (const bad of ['https://evil.example/console', '//evil.example', '/console//evil.example', '/consolex', '/console/../auth', '/\\evil', '/console/\\x', '/console/%2F%2Fevil', '/console/%5cevil', 'javascript:alert(1)', '/console/\nx', ['/console'], '/console/' + 'a'.repeat(500)]) {
      expect(safeReturnTo(bad)).toBeNull();
    }
  });

  it('reads groups or roles by a dotted claim path and maps them to the union of known scopes', () => {
    const claims = { sub: 's', groups: ['/privacy/dpo', '/staff', 7], realm_access: { roles: ['auditor'] }, role: 'auditor' };
    expect(claimValues(claims, 'groups')).toEqual(['/privacy/dpo', '/staff']);
    expect(claimValues(claims, 'realm_access.roles')).toEqual(['auditor']);
    expect(claimValues(claims, 'role')).toEqual(['auditor']);
    expect(claimValues(claims, 'missing.path')).toEqual([]);
    expect(claimValues(claims, 'sub.length')).toEqual([]);
    const map = { '/privacy/dpo': ['rights:manage', 'breach:manage'], auditor: ['audit:read', 'rights:manage'] };
    expect(scopesFor(['/privacy/dpo', 'auditor', '/staff'], map)).toEqual(['audit:read', 'breach:manage', 'rights:manage']);
    expect(scopesFor(['/staff', 'constructor', '__proto__'], map)).toEqual([]);
  });

  it('names a person by a hash of issuer and subject: stable, distinct per issuer, neither readable', () => {
    const a = actorOf('https://sso.example.com', 'f1b2c3');
    expect(a).toMatch(/^oidc:[A-Za-z0-9_-]{22}$/);
    expect(actorOf('https://sso.example.com', 'f1b2c3')).toBe(a);
    expect(actorOf('https://other.example.com', 'f1b2c3')).not.toBe(a);
    expect(actorOf('https://sso.example.com', 'dana@example.com')).not.toContain('dana');
  });

  it('sets the cookies HttpOnly, the pending sign-in SameSite=Lax on /auth/oidc only, both Secure over https or when configured', () => {
    expect(loginCookie('abc', 600, false)).toBe('pl_oidc=abc; Path=/auth/oidc; Max-Age=600; HttpOnly; SameSite=Lax');
    expect(loginCookie('abc', 600, true)).toBe('pl_oidc=abc; Path=/auth/oidc; Max-Age=600; HttpOnly; SameSite=Lax; Secure');
    expect(sessionCookie('xyz', 28800, true)).toBe('pl_session=xyz; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure');
    const req = (protocol: string) => ({ protocol }) as Parameters<typeof secureCookies>[0];
    expect([secureCookies(req('http'), false), secureCookies(req('https'), false), secureCookies(req('http'), true)]).toEqual([false, true, true]);
  });
});
