import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_HEADERS } from './contract';

export interface WebhookVerification {
  readonly ok: boolean;
  readonly reason?: 'missing_headers' | 'stale_timestamp' | 'bad_signature';
}

/**
 * Verifies a privacy-ledger webhook: `x-pl-signature` must equal
 * `sha256=` + hex(HMAC-SHA256(secret, `${x-pl-timestamp}.${raw body}`)), compared in constant time,
 * and the timestamp must be within `toleranceSec` of now (replay protection). Use the raw body bytes,
 * before any JSON parsing. Also de-duplicate on `x-pl-event-id`: deliveries are at-least-once.
 */
export function verifyWebhook(input: {
  secret: string;
  rawBody: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  toleranceSec?: number;
  nowMs?: number;
}): WebhookVerification {
  const ts = header(input.headers, WEBHOOK_HEADERS.timestamp);
  const sig = header(input.headers, WEBHOOK_HEADERS.signature);
  if (!ts || !sig || !/^\d+$/.test(ts)) return { ok: false, reason: 'missing_headers' };
  const now = (input.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - Number(ts)) > (input.toleranceSec ?? 300)) return { ok: false, reason: 'stale_timestamp' };
  const body = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const expected = Buffer.from(`sha256=${createHmac('sha256', input.secret).update(`${ts}.${body}`).digest('hex')}`);
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
