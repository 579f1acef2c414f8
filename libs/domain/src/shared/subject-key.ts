/**
 * The pseudonymous subject key: `sub_` + the first 32 base64url characters of a keyed HMAC of the
 * caller's subject id (libs/crypto pseudonym.ts). The one definition: stream names, Kafka keys, events
 * and routes carry only this (ARCHITECTURE invariant 2), so every check uses this pattern.
 */
const PREFIX = 'sub_';
const DIGITS = 32;
const BODY = `${PREFIX}[A-Za-z0-9_-]{${DIGITS}}`;
const WHOLE = new RegExp(`^${BODY}$`);

export const SUBJECT_KEY_PATTERN: RegExp = WHOLE;

export function isSubjectKey(s: unknown): s is string {
  return typeof s === 'string' && WHOLE.test(s);
}

/** base64url digits (`[A-Za-z0-9_-]`), the key's own; a key stands alone when no word character (`[A-Za-z0-9_]`) precedes it. */
const isDigit = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
const isWordChar = (c: number) => c !== 45 && isDigit(c);

/**
 * The subject keys standing alone in a longer text (a stream name such as `consent-sub_…`, stored
 * bytes): as `/(?<![A-Za-z0-9_])sub_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g` would find them, by a scan
 * for `sub_` (the audit chain reads every event of the log with this; the regex was 4x slower).
 */
export function subjectKeysIn(text: string): string[] {
  const keys: string[] = [];
  const length = PREFIX.length + DIGITS;
  for (let at = text.indexOf(PREFIX); at >= 0 && at + length <= text.length; at = text.indexOf(PREFIX, at + 1)) {
    if (at > 0 && isWordChar(text.charCodeAt(at - 1))) continue;
    const end = at + length;
    let i = at + PREFIX.length;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i < end || (end < text.length && isDigit(text.charCodeAt(end)))) continue;
    keys.push(text.slice(at, end));
    at = end - 1;
  }
  return keys;
}
