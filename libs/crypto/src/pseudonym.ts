import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Keyed pseudonyms for subject ids (ARCHITECTURE invariant 2): stream names, Kafka keys, headers,
 * logs and read-model keys carry `sub_<hmac>` instead of the caller's user id. Without the secret
 * the mapping cannot be reversed or recomputed (GDPR Art. 4(5) pseudonymisation).
 */
export class Pseudonymizer {
  private readonly secret: Buffer;

  constructor(secret: Buffer | string) {
    this.secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (this.secret.length < 16) throw new Error('pseudonym secret must be at least 16 bytes');
  }

  /** The subject's pseudonymous key, stable for a given secret. */
  subject(userId: string): string {
    return `sub_${this.mac('subject', userId)}`;
  }

  /** A pseudonym in another namespace (e.g. an IP address for rate limiting). */
  pseudonym(namespace: string, value: string): string {
    return this.mac(namespace, value);
  }

  matches(userId: string, subjectKey: string): boolean {
    const a = Buffer.from(this.subject(userId));
    const b = Buffer.from(subjectKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private mac(namespace: string, value: string): string {
    return createHmac('sha256', this.secret).update(`${namespace}\u0000${value}`).digest('base64url').slice(0, 32);
  }
}

export { isSubjectKey } from '@pl/domain';
