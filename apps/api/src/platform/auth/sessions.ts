import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../../../../common/metrics';
import type { SharedRedis } from '../shared/redis';

/** Who a console session acts for: an API key today; an OpenID Connect subject plugs in as another kind. */
export type SessionIdentity = { readonly kind: 'api_key'; readonly keyId: string };

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

  private sweep(now: Date): void {
    if (this.local.size < 10_000) return;
    for (const [k, s] of this.local) if (Date.parse(s.expiresAt) <= now.getTime()) this.local.delete(k);
  }
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

function storeKey(id: string): string {
  return `pl:session:${createHash('sha256').update(id).digest('base64url')}`;
}
