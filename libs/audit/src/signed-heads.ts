import type { SqlExecutor } from '@pl/eventstore';
import type { SignedHead } from './signer';

/**
 * Signed chain heads are evidence, not a read model: they live outside `rm_audit_chain` (which a
 * rebuild drops) and are never rewritten.
 */
export const SIGNED_HEADS_SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_signed_heads (
  seq bigint NOT NULL,
  key_id text NOT NULL,
  tx numeric NOT NULL,
  pos bigint NOT NULL,
  link text NOT NULL,
  signed_at text NOT NULL,
  signature text NOT NULL,
  public_key text NOT NULL,
  PRIMARY KEY (seq, key_id)
);
ALTER TABLE audit_signed_heads ADD COLUMN IF NOT EXISTS timestamp_token text;
ALTER TABLE audit_signed_heads ADD COLUMN IF NOT EXISTS timestamp_nonce text;`;

const ensured = new WeakSet<object>();

/** Creates or upgrades the table once per connection object (ALTER takes an exclusive lock even when there is nothing to add). */
export async function ensureSignedHeadsSchema(db: SqlExecutor): Promise<void> {
  if (ensured.has(db)) return;
  await db.exec(SIGNED_HEADS_SCHEMA);
  ensured.add(db);
}

export interface StoredSignedHead extends SignedHead {
  readonly public_key: string;
  /** RFC 3161 token (DER, base64) from AUDIT_TSA_URL over headImprint(head), once obtained. */
  readonly timestamp_token?: string | null;
  /** The nonce sent with the time-stamp request (hex). */
  readonly timestamp_nonce?: string | null;
}

/** NOTIFY channel on which saveSignedHead announces a stored head (payload: its seq): the publisher listens. */
export const HEAD_SIGNED_CHANNEL = 'audit_head_signed';

export async function saveSignedHead(db: SqlExecutor, head: SignedHead, publicKeyPem: string): Promise<void> {
  await ensureSignedHeadsSchema(db);
  await db.query(
    `WITH saved AS (
       INSERT INTO audit_signed_heads (seq, key_id, tx, pos, link, signed_at, signature, public_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq, key_id) DO NOTHING
       RETURNING seq
     )
     SELECT pg_notify('${HEAD_SIGNED_CHANNEL}', seq::text) FROM saved`,
    [head.seq, head.key_id, head.tx, head.pos, head.link, head.signed_at, head.signature, publicKeyPem],
  );
}

const COLUMNS = 'seq::text AS seq, key_id, tx::text AS tx, pos::text AS pos, link, signed_at, signature, public_key, timestamp_token, timestamp_nonce';

export async function signedHeads(db: SqlExecutor): Promise<StoredSignedHead[]> {
  await ensureSignedHeadsSchema(db);
  return (await db.query<StoredSignedHead>(`SELECT ${COLUMNS} FROM audit_signed_heads h ORDER BY h.seq, h.key_id`)).rows;
}

export async function latestSignedHead(db: SqlExecutor): Promise<StoredSignedHead | null> {
  await ensureSignedHeadsSchema(db);
  return (await db.query<StoredSignedHead>(`SELECT ${COLUMNS} FROM audit_signed_heads h ORDER BY h.seq DESC LIMIT 1`)).rows[0] ?? null;
}
