import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../../../../common/metrics';
import type { SharedRedis } from '../shared/redis';
import type { ApiKeyStore, Principal } from './api-keys';
import { isScope } from './scopes';

/**
 * Who a console session acts for: an API key (its current scopes apply), or a person signed in
 * through OpenID Connect (the scopes their groups mapped to at sign-in; `actor` is what their
 * commands record, derived from issuer and subject, never an email or a name).
 */
export type SessionIdentity =
  | { readonly kind: 'api_key'; readonly keyId: string }
  | { readonly kind: 'oidc'; readonly issuer: string; readonly subject: string; readonly actor: string; readonly scopes: readonly string[] };

/** A sign-in through OpenID Connect under way: what the callback checks, kept server side (the browser holds only a random id). */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** A path under /console to land on once signed in. */
  readonly returnTo: string;
  readonly expiresAt: string;
}

export interface Session {
  readonly identity: SessionIdentity;
  /** Sent back in X-CSRF-Token on every state-changing request made with the cookie. */
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export const SESSION_COOKIE = 'pl_session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Server-side sessions of the console. The cookie carries a random 32-byte id; the store keys the
 * session by the id's SHA-256, so a copy of the store (a Redis dump) holds no usable cookie. With a
 * shared Redis (REDIS_URL) every API instance sees every session (`pl:session:<hash>`, expiring
 * with the session); without it, or while it fails, sessions live in this process.
 */
export class SessionStore {
  private readonly local = new Map<string, Session>();
  private readonly logins = new Map<string, PendingLogin>();

  constructor(
    private readonly ttlMs: number,
    private readonly redis: SharedRedis | null = null,
    private readonly metrics: Metrics | null = null,
  ) {}

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  async create(identity: SessionIdentity, now = new Date()): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const session: Session = {
      identity,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
    };
    const key = storeKey(id);
    if (!(await this.shared((r) => r.set(key, JSON.stringify(session), { PX: this.ttlMs })))) {
      this.sweep(now);
      this.local.set(key, session);
    }
    return { id, session };
  }

  /** The live session of a cookie value, or null when unknown, malformed or expired. */
  async get(id: string, now = new Date()): Promise<Session | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const key = storeKey(id);
    let session = this.local.get(key) ?? null;
    if (!session) {
      const raw = await this.shared((r) => r.get(key));
      session = typeof raw === 'string' ? (JSON.parse(raw) as Session) : null;
    }
    if (!session || Date.parse(session.expiresAt) <= now.getTime()) return null;
    return session;
  }

  /** Keeps a pending OpenID Connect sign-in under a new random id (the value of its cookie) for ttlMs. */
  async putLogin(login: Omit<PendingLogin, 'expiresAt'>, ttlMs: number, now = new Date()): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const pending: PendingLogin = { ...login, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    const key = loginKey(id);
    if (!(await this.shared((r) => r.set(key, JSON.stringify(pending), { PX: ttlMs })))) {
      this.sweepLogins(now);
      this.logins.set(key, pending);
    }
    return id;
  }

  /** The pending sign-in of a cookie value, removed as it is read: a state, nonce and verifier are used once. */
  async takeLogin(id: string, now = new Date()): Promise<PendingLogin | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const key = loginKey(id);
    let pending = this.logins.get(key) ?? null;
    this.logins.delete(key);
    if (!pending) {
      const raw = await this.shared((r) => r.getDel(key));
      pending = typeof raw === 'string' ? (JSON.parse(raw) as PendingLogin) : null;
    }
    if (!pending || Date.parse(pending.expiresAt) <= now.getTime()) return null;
    return pending;
  }

  async delete(id: string): Promise<void> {
    const key = storeKey(id);
    this.local.delete(key);
    await this.shared((r) => r.del(key));
  }

  /** Runs a Redis call when Redis is configured and ready; false when it is not or the call failed. */
  private async shared<T>(call: (r: SharedRedis) => Promise<T>): Promise<T | false> {
    if (!this.redis) return false;
    if (!this.redis.isReady) {
      this.metrics?.sharedStoreErrors.inc({ use: 'sessions' });
      return false;
    }
    try {
      return await call(this.redis);
    } catch {
      this.metrics?.sharedStoreErrors.inc({ use: 'sessions' });
      return false;
    }
  }

  private sweepLogins(now: Date): void {
    if (this.logins.size < 10_000) return;
    for (const [k, l] of this.logins) if (Date.parse(l.expiresAt) <= now.getTime()) this.logins.delete(k);
    // still full of live ones (a flood of unfinished sign-ins): the oldest go first
    for (const k of this.logins.keys()) {
      if (this.logins.size < 10_000) break;
      this.logins.delete(k);
    }
  }

  private sweep(now: Date): void {
    if (this.local.size < 10_000) return;
    for (const [k, s] of this.local) if (Date.parse(s.expiresAt) <= now.getTime()) this.local.delete(k);
  }
}

/**
 * Whom a live session acts for: a key's session with the key's current scopes (null once the key
 * is revoked); an OpenID Connect session with the scopes mapped at sign-in, as its actor.
 */
export async function sessionPrincipal(keys: Pick<ApiKeyStore, 'principalOf'>, session: Session): Promise<Principal | null> {
  const identity = session.identity;
  if (identity.kind === 'api_key') return keys.principalOf(identity.keyId);
  return { keyId: identity.actor, actor: identity.actor, scopes: new Set(identity.scopes.filter(isScope)) };
}

export function csrfMatches(session: Session, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie in a Cookie header (RFC 6265 §5.4), or null. */
export function cookieValue(header: string | string[] | undefined, name: string): string | null {
  const raw = Array.isArray(header) ? header.join('; ') : header;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function loginKey(id: string): string {
  return `pl:oidc-login:${createHash('sha256').update(id).digest('base64url')}`;
}

function storeKey(id: string): string {
  return `pl:session:${createHash('sha256').update(id).digest('base64url')}`;
}
