import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcSettings } from '../../../common/config';
import { isScope, type Scope } from '../platform/auth/scopes';
import type { PendingLogin } from '../platform/auth/sessions';

/** Where the console may send a person once signed in: a path of its own, never another site. */
export const CONSOLE_HOME = '/console/';

/** A pending sign-in lasts this long: time to type a password and a second factor at the provider. */
export const LOGIN_TTL_MS = 10 * 60_000;

/** Why a sign-in was refused; the callback shows the person a page saying so. */
export class SignInRefused extends Error {
  constructor(
    readonly status: 400 | 403 | 502,
    readonly reason: 'no_login' | 'state_mismatch' | 'provider_error' | 'exchange_failed' | 'no_role' | 'provider_unreachable',
    message: string,
  ) {
    super(message);
  }
}

/** The person a successful sign-in names, and the scopes their groups map to. */
export interface SignedInPerson {
  readonly issuer: string;
  readonly subject: string;
  /** `oidc:<22 characters>`: the SHA-256 of issuer and subject, what their commands record (no email, no name). */
  readonly actor: string;
  readonly scopes: Scope[];
}

/**
 * `return_to` as given to /auth/oidc/login: a path under /console on this origin, or null when it
 * is anything else (another origin, a scheme, `//host`, a backslash, a control character).
 */
export function safeReturnTo(raw: unknown): string | null {
  if (raw === undefined || raw === '') return CONSOLE_HOME;
  if (typeof raw !== 'string' || raw.length > 500) return null;
  if (!/^\/console(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$/.test(raw) || raw.includes('//') || raw.includes('/..') || raw.includes('%2f') || raw.includes('%2F') || raw.includes('%5c') || raw.includes('%5C')) return null;
  return raw;
}

/** The actor id of a person: stable per issuer and subject, and neither of them readable from it. */
export function actorOf(issuer: string, subject: string): string {
  return `oidc:${createHash('sha256').update(`${issuer}\n${subject}`).digest('base64url').slice(0, 22)}`;
}

/** The values of the configured claim (a dotted path: `groups`, `realm_access.roles`), as strings. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let v: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, part)) return [];
    v = (v as Record<string, unknown>)[part];
  }
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The scopes the values map to (OIDC_SCOPE_MAP), sorted, without repeats. */
export function scopesFor(values: readonly string[], map: Readonly<Record<string, readonly string[]>>): Scope[] {
  const out = new Set<Scope>();
  for (const v of values) if (Object.prototype.hasOwnProperty.call(map, v)) for (const s of map[v]) if (isScope(s)) out.add(s);
  return [...out].sort();
}

/**
 * The console's OpenID Connect client (openid-client): authorization code with PKCE (S256), state
 * and nonce, the ID token validated by openid-client (signature from the provider's JWKS, issuer,
 * audience, expiry, nonce). The provider's metadata is discovered on first use and kept; a failed
 * discovery is retried on the next sign-in.
 */
export class OidcSignIn {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(readonly settings: OidcSettings) {
    const unknown = Object.entries(settings.scopeMap).flatMap(([value, scopes]) => scopes.filter((s) => !isScope(s)).map((s) => `"${value}": ${s}`));
    if (unknown.length) throw new Error(`OIDC_SCOPE_MAP names unknown scopes (${unknown.join(', ')}); the scopes are listed in the README`);
  }

  /** A new sign-in: the provider's authorization URL, and what the callback must find again. */
  async start(returnTo: string): Promise<{ url: URL; pending: Omit<PendingLogin, 'expiresAt'> }> {
    const config = await this.config();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri.href,
      scope: this.settings.requestScopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, pending: { state, nonce, codeVerifier, returnTo } };
  }

  /**
   * The callback: state checked against the pending sign-in, the code exchanged with its PKCE
   * verifier, the ID token validated, its groups mapped to scopes. Throws SignInRefused.
   */
  async finish(query: Record<string, unknown>, pending: PendingLogin | null): Promise<SignedInPerson> {
    if (!pending) throw new SignInRefused(400, 'no_login', 'this sign-in is unknown or has expired (it can be used once, for 10 minutes): start again');
    if (typeof query.state !== 'string' || query.state !== pending.state) throw new SignInRefused(400, 'state_mismatch', 'the answer from the identity provider does not belong to this sign-in (state differs): start again');
    if (typeof query.error === 'string') throw new SignInRefused(403, 'provider_error', `the identity provider did not sign you in (${query.error.slice(0, 100).replace(/[^A-Za-z0-9_.-]/g, '')})`);
    const config = await this.config();
    // openid-client reads code, state and iss from the URL it is given; only these parameters are passed on
    const url = new URL(this.settings.redirectUri.href);
    for (const name of ['code', 'state', 'iss', 'session_state']) if (typeof query[name] === 'string') url.searchParams.set(name, query[name] as string);
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw new SignInRefused(400, 'exchange_failed', `the identity provider's answer could not be used to sign in (${errorCode(e)}): start again`);
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    const issuer = typeof claims.iss === 'string' ? claims.iss : '';
    const scopes = scopesFor(claimValues(claims, this.settings.groupsClaim), this.settings.scopeMap);
    if (!scopes.length) {
      throw new SignInRefused(403, 'no_role', `You signed in at ${this.settings.providerName}, but none of your groups or roles (claim ${this.settings.groupsClaim}) gives access to this console: ask an administrator to add you to a group named in OIDC_SCOPE_MAP`);
    }
    return { issuer, subject, actor: actorOf(issuer, subject), scopes };
  }

  /** The provider's end-session URL when it has one (RP-initiated logout), else null. */
  async endSessionUrl(postLogoutRedirect: string): Promise<string | null> {
    try {
      const config = await this.config();
      if (!config.serverMetadata().end_session_endpoint) return null;
      return client.buildEndSessionUrl(config, { client_id: this.settings.clientId, post_logout_redirect_uri: postLogoutRedirect }).href;
    } catch {
      return null;
    }
  }

  private config(): Promise<client.Configuration> {
    if (!this.configuration) {
      const s = this.settings;
      const auth = s.clientSecret ? client.ClientSecretPost(s.clientSecret) : client.None();
      const insecure = s.issuer.protocol === 'http:';
      this.configuration = client
        .discovery(s.issuer, s.clientId, s.clientSecret ?? undefined, auth, { timeout: 10, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}) })
        .catch((e: unknown) => {
          this.configuration = null;
          throw new SignInRefused(502, 'provider_unreachable', `the identity provider could not be reached (${errorCode(e)}): try again later`);
        });
    }
    return this.configuration;
  }
}

/** openid-client's error code (OAUTH_..., an OAuth error such as invalid_grant), never the provider's text. */
function errorCode(e: unknown): string {
  const err = e as { code?: unknown; error?: unknown; name?: unknown };
  if (typeof err?.error === 'string') return err.error.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
  if (typeof err?.code === 'string') return err.code.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60);
  return typeof err?.name === 'string' ? err.name.slice(0, 60) : 'error';
}
