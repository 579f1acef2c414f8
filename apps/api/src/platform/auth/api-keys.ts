import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SqlDatabase } from '@pl/eventstore';
import type { Metrics } from '../../../../common/metrics';
import type { SharedRedis } from '../shared/redis';
import { isScope, type Scope } from './scopes';

export const API_KEYS_SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash bytea NOT NULL,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);`;

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface Principal {
  /** The API key's id; for a person signed in through OpenID Connect, their actor id: one caller for rate limits and Idempotency-Keys. */
  readonly keyId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** What the caller's commands record as their actor: `apikey:<id>`, `oidc:<hash of issuer and subject>`. */
  readonly actor: string;
}

const keyPrincipal = (id: string, scopes: readonly string[]): Principal => ({ keyId: id, scopes: new Set(scopes.filter(isScope)), actor: `apikey:${id}` });

/**
 * API keys `pl_<id>.<secret>`: the secret is 32 random bytes, stored only as its SHA-256 (a fast
 * hash is enough for high-entropy secrets; compared in constant time). Verified keys are cached for
 * a few seconds so the hot path does not hit the database; revocation takes effect within that TTL.
 * With a shared Redis (REDIS_URL) the cache lives there, keyed by key id (`pl:apikey:<id>`, holding
 * the secret's hash and scopes, or "no such key"): every API instance shares it and a revocation
 * through any instance deletes the entry, so all instances refuse the key at once (within the TTL
 * at worst, when a lookup races the revocation). Redis down: keys are read from the database.
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly cacheTtlMs = 5000,
    private readonly redis: SharedRedis | null = null,
    private readonly metrics: Metrics | null = null,
  ) {}

  async init(): Promise<void> {
    await this.db.exec(API_KEYS_SCHEMA);
  }

  async create(name: string, scopes: readonly string[]): Promise<{ key: string; record: ApiKeyRecord }> {
    const bad = scopes.filter((s) => !isScope(s));
    if (bad.length) throw new Error(`unknown scopes: ${bad.join(', ')}`);
    if (!scopes.length) throw new Error('a key needs at least one scope');
    const id = randomUUID().replace(/-/g, '').slice(0, 16);
    const secret = randomBytes(32).toString('base64url');
    await this.db.query('INSERT INTO api_keys (id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4)', [id, name, hash(secret), scopes]);
    return { key: `pl_${id}.${secret}`, record: (await this.get(id))! };
  }

  /** Registers a key given in configuration (ADMIN_API_KEY); idempotent. */
  async ensure(key: string, name: string, scopes: readonly Scope[]): Promise<string> {
    const { id, secret } = idAndSecret(key);
    await this.db.query(
      `INSERT INTO api_keys (id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, scopes = EXCLUDED.scopes, revoked_at = NULL`,
      [id, name, hash(secret), scopes],
    );
    await this.forgetShared(id);
    return id;
  }

  async revoke(id: string): Promise<boolean> {
    const r = await this.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    this.cache.clear();
    await this.forgetShared(id);
    return r.rowCount > 0;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const r = await this.db.query<any>('SELECT id, name, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at');
    return r.rows.map(toRecord);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const r = await this.db.query<any>('SELECT id, name, scopes, created_at, revoked_at FROM api_keys WHERE id = $1', [id]);
    return r.rows.length ? toRecord(r.rows[0]) : null;
  }

  async count(): Promise<number> {
    const r = await this.db.query<{ n: string }>('SELECT count(*)::text AS n FROM api_keys WHERE revoked_at IS NULL');
    return Number(r.rows[0].n);
  }

  /** The principal for a presented key, or null when unknown, wrong or revoked. */
  async verify(presented: string): Promise<Principal | null> {
    if (this.redis?.isReady && this.cacheTtlMs > 0) {
      const shared = await this.verifyShared(presented);
      if (shared !== undefined) return shared;
    }
    const now = Date.now();
    const cacheKey = hash(presented).toString('base64');
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > now) return hit.principal;
    const principal = await this.lookup(presented);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { principal, until: now + this.cacheTtlMs });
    return principal;
  }

  /**
   * The principal of a key by its id while the key is not revoked, with its current scopes: a
   * console session signed in with the key acts with these, so a revocation or a scope change
   * reaches the session within the cache TTL, as it reaches the key itself.
   */
  async principalOf(id: string): Promise<Principal | null> {
    if (this.redis?.isReady && this.cacheTtlMs > 0) {
      const entry = await this.sharedEntry(id);
      if (entry !== undefined) return 'none' in entry ? null : keyPrincipal(id, entry.s);
    }
    const now = Date.now();
    const cacheKey = `id:${id}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > now) return hit.principal;
    const row = await this.row(id);
    const principal = row ? keyPrincipal(id, row.scopes) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { principal, until: now + this.cacheTtlMs });
    return principal;
  }

  /** Through the shared cache; undefined when Redis failed (the caller reads the database). */
  private async verifyShared(presented: string): Promise<Principal | null | undefined> {
    const { id, secret } = idAndSecret(presented);
    const entry = await this.sharedEntry(id);
    if (entry === undefined) return undefined;
    if ('none' in entry) return null;
    return matches(Buffer.from(entry.h, 'base64'), secret) ? keyPrincipal(id, entry.s) : null;
  }

  /** A key's shared cache entry, read through from the database; undefined when Redis failed. */
  private async sharedEntry(id: string): Promise<SharedEntry | undefined> {
    const key = `pl:apikey:${id}`;
    try {
      let entry = JSON.parse((await this.redis!.get(key)) ?? 'null') as SharedEntry | null;
      if (!entry) {
        const row = await this.row(id);
        entry = row ? { h: Buffer.from(row.secret_hash).toString('base64'), s: row.scopes } : { none: true };
        await this.redis!.set(key, JSON.stringify(entry), { PX: this.cacheTtlMs });
      }
      return entry;
    } catch {
      this.metrics?.sharedStoreErrors.inc({ use: 'api_keys' });
      return undefined;
    }
  }

  /** Drops the shared cache entry of a changed key; when Redis is down its entry expires within the TTL. */
  private async forgetShared(id: string): Promise<void> {
    if (!this.redis) return;
    try {
      await this.redis.del(`pl:apikey:${id}`);
    } catch {
      this.metrics?.sharedStoreErrors.inc({ use: 'api_keys' });
    }
  }

  private async row(id: string): Promise<{ secret_hash: Buffer | Uint8Array; scopes: string[] } | null> {
    const r = await this.db.query<{ secret_hash: Buffer | Uint8Array; scopes: string[] }>(
      'SELECT secret_hash, scopes FROM api_keys WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return r.rows[0] ?? null;
  }

  private async lookup(presented: string): Promise<Principal | null> {
    const { id, secret } = idAndSecret(presented);
    const row = await this.row(id);
    if (!row || !matches(Buffer.from(row.secret_hash), secret)) return null;
    return keyPrincipal(id, row.scopes);
  }
}

type SharedEntry = { h: string; s: string[] } | { none: true };

function idAndSecret(presented: string): { id: string; secret: string } {
  const parsed = parseKey(presented);
  return { id: parsed?.id ?? `cfg${hash(presented).toString('hex').slice(0, 13)}`, secret: parsed?.secret ?? presented };
}

function matches(stored: Buffer, secret: string): boolean {
  const given = hash(secret);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

function hash(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function parseKey(key: string): { id: string; secret: string } | null {
  const m = /^pl_([a-f0-9]{16})\.([A-Za-z0-9_-]{20,})$/.exec(key);
  return m ? { id: m[1], secret: m[2] } : null;
}

function toRecord(row: any): ApiKeyRecord {
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return { id: row.id, name: row.name, scopes: row.scopes, createdAt: iso(row.created_at)!, revokedAt: iso(row.revoked_at) };
}
