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
);`;

export interface StoredSignedHead extends SignedHead {
  readonly public_key: string;
}

export async function saveSignedHead(db: SqlExecutor, head: SignedHead, publicKeyPem: string): Promise<void> {
  await db.exec(SIGNED_HEADS_SCHEMA);
  await db.query(
    `INSERT INTO audit_signed_heads (seq, key_id, tx, pos, link, signed_at, signature, public_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq, key_id) DO NOTHING`,
    [head.seq, head.key_id, head.tx, head.pos, head.link, head.signed_at, head.signature, publicKeyPem],
  );
}

const COLUMNS = 'seq::text AS seq, key_id, tx::text AS tx, pos::text AS pos, link, signed_at, signature, public_key';

export async function signedHeads(db: SqlExecutor): Promise<StoredSignedHead[]> {
  await db.exec(SIGNED_HEADS_SCHEMA);
  return (await db.query<StoredSignedHead>(`SELECT ${COLUMNS} FROM audit_signed_heads h ORDER BY h.seq, h.key_id`)).rows;
}

export async function latestSignedHead(db: SqlExecutor): Promise<StoredSignedHead | null> {
  await db.exec(SIGNED_HEADS_SCHEMA);
  return (await db.query<StoredSignedHead>(`SELECT ${COLUMNS} FROM audit_signed_heads h ORDER BY h.seq DESC LIMIT 1`)).rows[0] ?? null;
}
