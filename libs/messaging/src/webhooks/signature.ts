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

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`; the timestamp (unix seconds) is sent in its own header. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
