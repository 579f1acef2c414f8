import { hash } from 'node:crypto';

/**
 * The id the log stores the fact of privacy event `eventId` under: a name-based UUID (RFC 9562 §5.8
 * layout over SHA-256) of the producer's id, the same on every delivery, so the log's unique event
 * id collapses a repeat whichever path (HTTP, topic) brings it. Also the breach id of a
 * breach_detected event and, prefixed, the claim of consent facts (not personal: a hash of an event id).
 */
export function intakeEventId(eventId: string): string {
  // the one-shot hash (Node >= 20.12): the same digest as createHash().update().digest(), half the cost per event
  const h = hash('sha256', `privacy-event:${eventId}`, 'buffer');
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
