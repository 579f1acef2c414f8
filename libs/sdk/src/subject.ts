import { createHmac } from 'node:crypto';
import { isSubjectKey } from '@pl/domain/shared/subject-key';

export { isSubjectKey };

/**
 * Maps a user id to the ledger's pseudonymous subject key (keyed HMAC, same as libs/crypto
 * Pseudonymizer). Services that hold the pseudonym secret can ask by user id; others use subject keys.
 */
export class SubjectKeys {
  private readonly memo = new Map<string, string>();

  constructor(private readonly secret: Buffer | string | null, private readonly maxMemo = 100_000) {}

  of(userIdOrSubjectKey: string): string {
    if (userIdOrSubjectKey.length === 36 && userIdOrSubjectKey.startsWith('sub_') && isSubjectKey(userIdOrSubjectKey)) return userIdOrSubjectKey;
    const hit = this.memo.get(userIdOrSubjectKey);
    if (hit) return hit;
    if (!this.secret) throw new Error('a user id needs the pseudonym secret (option pseudonymSecret); pass a subject key (sub_...) otherwise');
    const key = `sub_${createHmac('sha256', this.secret).update(`subject\u0000${userIdOrSubjectKey}`).digest('base64url').slice(0, 32)}`;
    if (this.memo.size >= this.maxMemo) this.memo.clear();
    this.memo.set(userIdOrSubjectKey, key);
    return key;
  }
}
