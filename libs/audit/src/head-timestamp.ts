import { createHash, randomBytes } from 'node:crypto';
import { sendOutbound, type OutboundOutcome, type OutboundPolicy } from '@pl/outbound';
import { headMessage, type SignedHead } from './signer';
import { timestampRequest, tokenOfResponse, TimestampError } from './rfc3161';

/**
 * What the TSA time-stamps for a signed head: SHA-256 of the signed message followed by its
 * signature, so the token dates this very signature (a later re-signing cannot borrow it).
 */
export function headImprint(h: Pick<SignedHead, 'seq' | 'tx' | 'pos' | 'link' | 'signed_at' | 'signature'>): Buffer {
  return createHash('sha256').update(`${headMessage(h)}signature=${h.signature}\n`, 'utf8').digest();
}

export interface HeadTimestamp {
  /** DER TimeStampToken, base64. */
  readonly token: string;
  /** The nonce sent, hex: the token must echo it. */
  readonly nonce: string;
}

/**
 * Asks the TSA at `url` (RFC 3161 over HTTP, application/timestamp-query) to time-stamp a head,
 * through the outbound policy (ARCHITECTURE invariant 14: a private or loopback TSA must be
 * allow-listed in OUTBOUND_ALLOWED_PRIVATE_NETWORKS). Errors name an outcome class, never a low-level message.
 */
export async function requestHeadTimestamp(
  policy: OutboundPolicy,
  url: string,
  head: SignedHead,
  options: { timeoutMs?: number; onOutcome?: (outcome: OutboundOutcome) => void } = {},
): Promise<HeadTimestamp> {
  const nonce = randomBytes(8);
  const res = await sendOutbound(policy, url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
    body: timestampRequest(headImprint(head), nonce),
    timeoutMs: options.timeoutMs ?? 10_000,
    maxResponseBytes: 256 * 1024,
  });
  options.onOutcome?.(res.outcome);
  if (!res.ok || !res.body) throw new TimestampError(`the TSA call failed: ${res.outcome}`);
  const token = tokenOfResponse(res.body);
  return { token: token.toString('base64'), nonce: nonce.toString('hex') };
}
