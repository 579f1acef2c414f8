import { AuditSigner, latestSignedHead, saveSignedHead, type SignedHead } from '@pl/audit';
import type { SqlExecutor } from '@pl/eventstore';
import { chainHead, linkAt } from './queries';

export interface SignOptions {
  /**
   * Store the signed head only when the newest stored head is at least this old (0: always).
   * Exports pass AUDIT_EXPORT_HEAD_MIN_INTERVAL_MS so that repeated exports cannot grow the table
   * at will; the export still carries a head signed now, verifiable by its signature alone.
   */
  readonly minStoreIntervalMs?: number;
}

/** Signs the current chain head (on demand) and stores it unless one was stored recently; null while the chain is empty. */
export async function signCurrentHead(db: SqlExecutor, signer: AuditSigner, now: Date, options: SignOptions = {}): Promise<SignedHead | null> {
  const head = await chainHead(db);
  if (!head) return null;
  const signed = signer.sign(head, now);
  if (await storeDue(db, now, options.minStoreIntervalMs ?? 0)) await saveSignedHead(db, signed, signer.publicKeyPem);
  return signed;
}

async function storeDue(db: SqlExecutor, now: Date, minIntervalMs: number): Promise<boolean> {
  if (minIntervalMs <= 0) return true;
  const last = await latestSignedHead(db);
  return !last || now.getTime() - Date.parse(last.signed_at) >= minIntervalMs;
}

/**
 * Periodic checkpoints: signs the link at every multiple of `every` events (seq = k*every - 1)
 * that the chain has passed since the last signed head. Idempotent.
 */
export async function signPeriodicHeads(db: SqlExecutor, signer: AuditSigner, now: Date, every: number): Promise<SignedHead[]> {
  const head = await chainHead(db);
  if (!head) return [];
  const last = await latestSignedHead(db);
  const step = BigInt(every);
  const done: SignedHead[] = [];
  let next = last ? ((BigInt(last.seq) + 1n) / step + 1n) * step - 1n : step - 1n;
  for (; next <= BigInt(head.seq); next += step) {
    const link = await linkAt(db, next);
    if (!link) break;
    const signed = signer.sign(link, now);
    await saveSignedHead(db, signed, signer.publicKeyPem);
    done.push(signed);
  }
  return done;
}
