import { createHmac, timingSafeEqual } from 'node:crypto';
import { STANDARD_WEBHOOK_HEADERS, WEBHOOK_HEADERS } from './contract';

export interface WebhookVerification {
  readonly ok: boolean;
  readonly reason?: 'missing_headers' | 'stale_timestamp' | 'bad_signature';
}

/**
 * Verifies a privacy-ledger webhook, in constant time, from the raw body bytes (before any JSON parsing):
 * - Standard Webhooks (https://www.standardwebhooks.com), used when `webhook-signature` is present: one of
 *   its space-separated `v1,<sig>` must equal base64(HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${body}`)),
 *   the key being the base64 after `whsec_` in the secret, decoded (the `standardwebhooks` libraries do the same);
 * - otherwise `x-pl-signature` must equal `sha256=` + hex(HMAC-SHA256(secret, `${x-pl-timestamp}.${body}`)).
 * The timestamp must be within `toleranceSec` of now (replay protection). Also de-duplicate on
 * `webhook-id` / `x-pl-event-id`: deliveries are at-least-once.
 */
export function verifyWebhook(input: {
  secret: string;
  rawBody: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  toleranceSec?: number;
  nowMs?: number;
}): WebhookVerification {
  const body = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const standard = header(input.headers, STANDARD_WEBHOOK_HEADERS.signature);
  const ts = header(input.headers, standard ? STANDARD_WEBHOOK_HEADERS.timestamp : WEBHOOK_HEADERS.timestamp);
  const id = standard ? header(input.headers, STANDARD_WEBHOOK_HEADERS.id) : '';
  const sig = standard ?? header(input.headers, WEBHOOK_HEADERS.signature);
  if (!ts || !sig || id === undefined || !/^\d+$/.test(ts)) return { ok: false, reason: 'missing_headers' };
  const now = (input.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - Number(ts)) > (input.toleranceSec ?? 300)) return { ok: false, reason: 'stale_timestamp' };
  if (standard) {
    const key = Buffer.from(input.secret.startsWith('whsec_') ? input.secret.slice('whsec_'.length) : input.secret, 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
    const given = standard.split(' ').filter((s) => s.startsWith('v1,')).map((s) => s.slice(3));
    return given.some((g) => same(g, expected)) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  }
  const expected = `sha256=${createHmac('sha256', input.secret).update(`${ts}.${body}`).digest('hex')}`;
  return same(sig, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
