import type { SqlExecutor } from '@pl/eventstore';
import { ensureSignedHeadsSchema, type StoredSignedHead } from './signed-heads';

/** Where each signed head is published outside the database (docs/audit.md "Published heads"). */
export type HeadChannel = 'kafka' | 'webhook' | 'tsa';

/**
 * One row per (head, channel) once a publication was tried: retried with backoff until
 * `published_at` is set. Evidence like the heads themselves: never rewritten by a rebuild.
 */
export const HEAD_PUBLICATIONS_SCHEMA = `CREATE TABLE IF NOT EXISTS audit_head_publications (
  seq bigint NOT NULL,
  key_id text NOT NULL,
  channel text NOT NULL,
  link text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  published_at timestamptz,
  PRIMARY KEY (seq, key_id, channel, link)
);`;

export async function ensurePublicationSchema(db: SqlExecutor): Promise<void> {
  await ensureSignedHeadsSchema(db);
  await db.exec(HEAD_PUBLICATIONS_SCHEMA);
}

const HEAD_COLUMNS = 'h.seq::text AS seq, h.key_id, h.tx::text AS tx, h.pos::text AS pos, h.link, h.signed_at, h.signature, h.public_key, h.timestamp_token, h.timestamp_nonce';

/** Heads of `keyId` not yet published on `channel` whose next attempt is due, oldest first. */
export async function headsToPublish(db: SqlExecutor, channel: HeadChannel, keyId: string, now: Date, limit = 100): Promise<StoredSignedHead[]> {
  const r = await db.query<StoredSignedHead>(
    `SELECT ${HEAD_COLUMNS} FROM audit_signed_heads h
     LEFT JOIN audit_head_publications p ON p.seq = h.seq AND p.key_id = h.key_id AND p.link = h.link AND p.channel = $1
     WHERE h.key_id = $2 AND p.published_at IS NULL AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= $3)
     ORDER BY h.seq LIMIT $4`,
    [channel, keyId, now.toISOString(), limit],
  );
  return r.rows;
}

type HeadId = { seq: string; key_id: string; link: string };

export async function markHeadPublished(db: SqlExecutor, channel: HeadChannel, head: HeadId, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO audit_head_publications (seq, key_id, channel, link, attempts, published_at, last_error) VALUES ($1, $2, $3, $4, 1, $5, NULL)
     ON CONFLICT (seq, key_id, channel, link) DO UPDATE SET attempts = audit_head_publications.attempts + 1, published_at = $5, last_error = NULL`,
    [head.seq, head.key_id, channel, head.link, now.toISOString()],
  );
}

/** Records a failed attempt; `error` must be PII-free (a status or a short reason). */
export async function markHeadFailed(db: SqlExecutor, channel: HeadChannel, head: HeadId, error: string, retryAt: Date): Promise<void> {
  await db.query(
    `INSERT INTO audit_head_publications (seq, key_id, channel, link, attempts, next_attempt_at, last_error) VALUES ($1, $2, $3, $4, 1, $5, $6)
     ON CONFLICT (seq, key_id, channel, link) DO UPDATE SET attempts = audit_head_publications.attempts + 1, next_attempt_at = $5, last_error = $6`,
    [head.seq, head.key_id, channel, head.link, retryAt.toISOString(), error.slice(0, 300)],
  );
}

export async function attemptsOf(db: SqlExecutor, channel: HeadChannel, head: HeadId): Promise<number> {
  const r = await db.query<{ attempts: number }>('SELECT attempts FROM audit_head_publications WHERE seq = $1 AND key_id = $2 AND channel = $3 AND link = $4', [head.seq, head.key_id, channel, head.link]);
  return r.rows[0]?.attempts ?? 0;
}

/** Stores the RFC 3161 token next to its head (the token itself is checked before this). */
export async function saveHeadTimestamp(db: SqlExecutor, head: { seq: string; key_id: string }, token: string, nonce: string): Promise<void> {
  await db.query('UPDATE audit_signed_heads SET timestamp_token = $3, timestamp_nonce = $4 WHERE seq = $1 AND key_id = $2', [head.seq, head.key_id, token, nonce]);
}

/** When the earliest retry of an unpublished head of `keyId` is due, on any channel (null: none waits). */
export async function nextPublicationAttempt(db: SqlExecutor, keyId: string): Promise<Date | null> {
  const r = await db.query<{ at: number | null }>(
    'SELECT (extract(epoch FROM min(next_attempt_at)) * 1000)::float8 AS at FROM audit_head_publications WHERE key_id = $1 AND published_at IS NULL',
    [keyId],
  );
  const at = r.rows[0]?.at;
  return at === null || at === undefined ? null : new Date(Number(at));
}

export interface PublicationBacklog {
  readonly channel: string;
  /** Heads not yet published on this channel after at least one failed attempt. */
  readonly failing: number;
  readonly oldest_failing_seq: string | null;
  readonly last_error: string | null;
}

/** Failing publications per channel, for /health and the metric (any process can read it). */
export async function publicationBacklog(db: SqlExecutor): Promise<PublicationBacklog[]> {
  // read-only (health checks run it concurrently with the publisher: no DDL here)
  if (!(await db.query<{ t: string | null }>(`SELECT to_regclass('audit_head_publications')::text AS t`)).rows[0]?.t) return [];
  const r = await db.query<{ channel: string; failing: string; oldest: string | null; last_error: string | null }>(
    `SELECT channel, count(*)::text AS failing, min(seq)::text AS oldest, (array_agg(last_error ORDER BY seq DESC))[1] AS last_error
     FROM audit_head_publications WHERE published_at IS NULL GROUP BY channel ORDER BY channel`,
  );
  return r.rows.map((x) => ({ channel: x.channel, failing: Number(x.failing), oldest_failing_seq: x.oldest, last_error: x.last_error }));
}
