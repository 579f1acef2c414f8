import { createHash } from 'node:crypto';

/** Name-based UUID namespace of the tasks of data-subject requests (RFC 9562 §5.5). */
const TASK_NAMESPACE = Buffer.from('0b4e8f2a6c1d4e7f9a3b5c7d9e1f2a4b', 'hex');

/**
 * A request's task for one system always has the same id (UUID version 5 of request id and system
 * id), so a process manager resumed after a crash cannot dispatch the same work twice under new ids.
 */
export function taskIdFor(requestId: string, systemId: string): string {
  const h = createHash('sha1').update(TASK_NAMESPACE).update(`${requestId}\u0000${systemId}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
