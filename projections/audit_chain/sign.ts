import { AuditSigner, latestSignedHead, saveSignedHead, type ChainHead, type SignedHead } from '@pl/audit';
import { DomainError } from '@pl/domain';
import type { SqlExecutor } from '@pl/eventstore';
import { chainHead, linkAt } from './queries';
import { firstUncoveredEvent } from './freshness';

/** The chain no longer reproduces a head signed before, or signed heads are missing: signing now would vouch for a rewritten log. */
export class HeadContinuityError extends DomainError {
  constructor(
    readonly reason: 'discontinuity' | 'heads_missing',
    message: string,
  ) {
    super('conflict', message, { reason });
    // its own class on /health and in the log: signing refused, not a generic domain refusal
    this.name = 'HeadContinuityError';
  }
}

export interface SigningPolicy {
  /** AUDIT_HEAD_INTERVAL_MS: with no signed head at all, events older than this mean the heads were lost. */
  readonly headIntervalMs?: number;
  /** AUDIT_HEADS_SINCE: events recorded before it need no head (a log older than scheduled heads). */
  readonly headsSince?: Date | null;
}

/**
 * Refuses to sign `head` unless it continues what was signed before: the chain must still hold
 * the link of the latest signed head at its position, and (with an interval) a chain whose heads
 * are all gone must not have events older than the interval. A log and chain rewritten
 * consistently with audit_signed_heads deleted thus gets no fresh signature from this service.
 */
/** The chain's link at a head's seq is that head (same link, same log position). */
const sameLink = (at: ChainHead | null, head: ChainHead) => at !== null && at.link === head.link && at.tx === head.tx && at.pos === head.pos;

export async function assertContinuous(db: SqlExecutor, head: ChainHead, now: Date, policy: SigningPolicy = {}): Promise<void> {
  const latest = await latestSignedHead(db);
  if (latest) {
    if (!sameLink(await linkAt(db, BigInt(latest.seq)), latest)) {
      throw new HeadContinuityError('discontinuity', `the chain no longer reproduces the head signed at seq ${latest.seq}; run audit verify`);
    }
    // A head signed after `head` was read (the worker's clock racing an export): the chain has moved on
    // past `head`, and `head` must still be on it.
    if (BigInt(latest.seq) > BigInt(head.seq)) {
      if (!sameLink(await linkAt(db, BigInt(head.seq)), head)) {
        throw new HeadContinuityError('discontinuity', `the chain no longer holds the head at seq ${head.seq}; run audit verify`);
      }
    }
    return;
  }
  if (policy.headIntervalMs === undefined) return;
  const uncovered = await firstUncoveredEvent(db, [], policy.headIntervalMs, now, policy.headsSince ?? null);
  if (uncovered) throw new HeadContinuityError('heads_missing', `no signed head exists but the event at seq ${uncovered.seq} is older than the head interval: verify against published heads; for a log that never had heads, set AUDIT_HEADS_SINCE`);
}

export interface SignOptions extends SigningPolicy {
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
  await assertContinuous(db, head, now, options);
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
 * The scheduled head (AUDIT_HEAD_INTERVAL_MS): signs the current head once the chain has moved past
 * the latest signed head and half the interval has passed since it, so no event waits longer
 * than the interval for a head. Null when nothing is due.
 */
export async function signScheduledHead(
  db: SqlExecutor,
  signer: AuditSigner,
  now: Date,
  policy: SigningPolicy & { headIntervalMs: number },
  /** The chain head when the caller has just read it (the worker's tick reads it once for both jobs). */
  read?: ChainHead | null,
): Promise<SignedHead | null> {
  const head = read === undefined ? await chainHead(db) : read;
  if (!head) return null;
  const latest = await latestSignedHead(db);
  if (latest && BigInt(latest.seq) >= BigInt(head.seq)) return null;
  if (latest && now.getTime() - Date.parse(latest.signed_at) < policy.headIntervalMs / 2) return null;
  return signCurrentHead(db, signer, now, policy);
}

/**
 * Periodic checkpoints: signs the link at every multiple of `every` events (seq = k*every - 1)
 * that the chain has passed since the last signed head. Idempotent.
 */
export async function signPeriodicHeads(db: SqlExecutor, signer: AuditSigner, now: Date, every: number, policy?: SigningPolicy, read?: ChainHead | null): Promise<SignedHead[]> {
  const head = read === undefined ? await chainHead(db) : read;
  if (!head) return [];
  await assertContinuous(db, head, now, policy);
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
