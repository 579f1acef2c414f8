import { createHash, randomBytes } from 'node:crypto';
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
 * Asks the TSA at `url` (RFC 3161 over HTTP, application/timestamp-query) to time-stamp a head.
 * The caller checks the URL against the outbound policy first (ARCHITECTURE invariant 14).
 */
export async function requestHeadTimestamp(url: string, head: SignedHead, options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Promise<HeadTimestamp> {
  const nonce = randomBytes(8);
  const res = await (options.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
    body: timestampRequest(headImprint(head), nonce),
    redirect: 'error',
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  if (!res.ok) throw new TimestampError(`the TSA answered HTTP ${res.status}`);
  const token = tokenOfResponse(Buffer.from(await res.arrayBuffer()));
  return { token: token.toString('base64'), nonce: nonce.toString('hex') };
}
