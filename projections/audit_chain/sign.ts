import { AuditSigner, latestSignedHead, saveSignedHead, type SignedHead } from '@pl/audit';
import type { SqlExecutor } from '@pl/eventstore';
import { chainHead, linkAt } from './queries';

/** Signs and stores the current chain head (on demand); null while the chain is empty. */
export async function signCurrentHead(db: SqlExecutor, signer: AuditSigner, now: Date): Promise<SignedHead | null> {
  const head = await chainHead(db);
  if (!head) return null;
  const signed = signer.sign(head, now);
  await saveSignedHead(db, signed, signer.publicKeyPem);
  return signed;
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
