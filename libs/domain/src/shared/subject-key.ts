/**
 * The pseudonymous subject key: `sub_` + the first 32 base64url characters of a keyed HMAC of the
 * caller's subject id (libs/crypto pseudonym.ts). The one definition: stream names, Kafka keys, events
 * and routes carry only this (ARCHITECTURE invariant 2), so every check uses this pattern.
 */
const BODY = 'sub_[A-Za-z0-9_-]{32}';
const WHOLE = new RegExp(`^${BODY}$`);
const STANDING_ALONE = new RegExp(`(?<![A-Za-z0-9_])${BODY}(?![A-Za-z0-9_-])`, 'g');

export const SUBJECT_KEY_PATTERN: RegExp = WHOLE;

export function isSubjectKey(s: unknown): s is string {
  return typeof s === 'string' && WHOLE.test(s);
}

/** The subject keys standing alone in a longer text (a stream name such as `consent-sub_…`, stored bytes). */
export function subjectKeysIn(text: string): string[] {
  return [...text.matchAll(STANDING_ALONE)].map((m) => m[0]);
}
