import { createHmac } from 'node:crypto';

/** Webhook request headers (docs/propagation.md, "Verifying a webhook"). */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-pl-timestamp',
  signature: 'x-pl-signature',
  deliveryId: 'x-pl-delivery-id',
  eventId: 'x-pl-event-id',
  eventType: 'x-pl-event-type',
  topic: 'x-pl-topic',
  schemaVersion: 'x-pl-schema-version',
  correlationId: 'x-pl-correlation-id',
} as const;

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com, spec v1): a receiver verifies with
 * the `standardwebhooks` library of its language and the endpoint's `whsec_...` secret.
 */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`; the timestamp (unix seconds) is sent in its own header. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The signing key of a `whsec_` secret, as the Standard Webhooks libraries read it: the base64 after
 * the prefix, decoded. Secrets issued before Standard Webhooks were base64url: Node decodes both alphabets.
 */
export function standardWebhookKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  if (key.length < 24) throw new Error('a webhook secret must decode to at least 24 bytes');
  return key;
}

/**
 * `webhook-signature`: `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>` for each
 * secret still valid, space-separated (during a rotation the new secret and the previous one both sign).
 */
export function signStandardWebhook(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((s) => `v1,${createHmac('sha256', standardWebhookKey(s)).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ');
}
