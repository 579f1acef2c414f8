import { randomUUID } from 'node:crypto';
import type { SqlDatabase } from '@pl/eventstore';

export const IDEMPOTENCY_SCHEMA = `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key_hash text PRIMARY KEY,
  caller text NOT NULL,
  fingerprint text NOT NULL,
  claim_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'done')),
  lease_until timestamptz,
  response_status integer,
  response_sealed bytea,
  positions text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at ON idempotency_keys (expires_at);`;

/** What a request bearing a key may do. */
export type Claim =
  /** Run it; `claim` tags its events (the same id again when a retry takes over a dead request's key). */
  | { readonly kind: 'run'; readonly claim: string }
  | { readonly kind: 'replay'; readonly status: number; readonly sealed: Buffer }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in_progress'; readonly retryAfterSeconds: number };

interface Row {
  fingerprint: string;
  claim_id: string;
  state: 'in_progress' | 'done';
  lease_until: Date | string | null;
  response_status: number | null;
  response_sealed: Buffer | Uint8Array | null;
}

const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Idempotency keys in the read-model database: per key (HMAC of caller and key) the request's
 * fingerprint, whether it is still running (with a lease) or done (with its sealed answer), and the
 * log positions of the events it appended. Expired keys are purged lazily, at most every ten minutes.
 */
export class IdempotencyStore {
  private lastPurge = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly ttlMs: number,
    private readonly leaseMs: number,
  ) {}

  async init(): Promise<void> {
    await this.db.exec(IDEMPOTENCY_SCHEMA);
  }

  async claim(keyHash: string, caller: string, fingerprint: string, now: Date): Promise<Claim> {
    if (now.getTime() - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now.getTime();
      await this.purgeExpired(now);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.db.query('DELETE FROM idempotency_keys WHERE key_hash = $1 AND expires_at <= $2', [keyHash, now]);
      const inserted = await this.db.query<{ claim_id: string }>(
        `INSERT INTO idempotency_keys (key_hash, caller, fingerprint, claim_id, state, lease_until, created_at, expires_at)
         VALUES ($1, $2, $3, $4, 'in_progress', $5, $6, $7) ON CONFLICT (key_hash) DO NOTHING RETURNING claim_id`,
        [keyHash, caller, fingerprint, randomUUID(), this.leaseEnd(now), now, new Date(now.getTime() + this.ttlMs)],
      );
      if (inserted.rows.length) return { kind: 'run', claim: inserted.rows[0].claim_id };
      const { rows } = await this.db.query<Row>(
        'SELECT fingerprint, claim_id, state, lease_until, response_status, response_sealed FROM idempotency_keys WHERE key_hash = $1',
        [keyHash],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.state === 'done') return { kind: 'replay', status: row.response_status!, sealed: Buffer.from(row.response_sealed!) };
      const taken = await this.db.query<{ claim_id: string }>(
        `UPDATE idempotency_keys SET lease_until = $2 WHERE key_hash = $1 AND state = 'in_progress' AND lease_until <= $3 RETURNING claim_id`,
        [keyHash, this.leaseEnd(now), now],
      );
      if (taken.rows.length) return { kind: 'run', claim: taken.rows[0].claim_id };
      const leaseLeft = new Date(row.lease_until!).getTime() - now.getTime();
      return { kind: 'in_progress', retryAfterSeconds: Math.max(1, Math.ceil(leaseLeft / 1000)) };
    }
    return { kind: 'in_progress', retryAfterSeconds: 1 };
  }

  /** The answer to replay from now on, with the positions of the events appended under the key. */
  async complete(keyHash: string, claim: string, status: number, sealed: Buffer, positions: readonly string[]): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'done', lease_until = NULL, response_status = $3, response_sealed = $4, positions = $5
       WHERE key_hash = $1 AND claim_id = $2`,
      [keyHash, claim, status, sealed, positions],
    );
  }

  /** No answer worth keeping (a 5xx, 409, 429...): the next retry with the same payload runs at once. */
  async release(keyHash: string, claim: string, positions: readonly string[], now: Date): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET lease_until = $3, positions = $4 WHERE key_hash = $1 AND claim_id = $2 AND state = 'in_progress'`,
      [keyHash, claim, now, positions],
    );
  }

  async purgeExpired(now: Date): Promise<number> {
    return (await this.db.query('DELETE FROM idempotency_keys WHERE expires_at <= $1', [now])).rowCount;
  }

  private leaseEnd(now: Date): Date {
    return new Date(now.getTime() + this.leaseMs);
  }
}
