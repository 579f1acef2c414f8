/**
 * A configured admin key opens every route, and API keys are stored as a fast SHA-256 hash (fine
 * for random secrets, not for guessable ones), so a weak ADMIN_API_KEY stops the start.
 */
export const ADMIN_KEY_RULES = { minLength: 32, minEntropyBits: 100 } as const;

/** Shannon entropy of the string's own character distribution times its length: a cheap upper bound on guessability. */
export function estimatedEntropyBits(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  const n = [...s].length;
  let perChar = 0;
  for (const k of counts.values()) perChar -= (k / n) * Math.log2(k / n);
  return perChar * n;
}

/** True when `s` repeats a unit at most half its length (`abcabcabc...`, `0123456789012...`). */
function periodic(s: string): boolean {
  for (let p = 1; p <= s.length / 2; p++) {
    let i = p;
    while (i < s.length && s[i] === s[i - p]) i++;
    if (i === s.length) return true;
  }
  return false;
}

/** Why the key is too weak, or null. Never quotes the key. */
export function adminKeyWeakness(key: string): string | null {
  if (key.length < ADMIN_KEY_RULES.minLength) return `must be at least ${ADMIN_KEY_RULES.minLength} characters`;
  if (/[\s\p{Cc}]/u.test(key)) return 'must not contain whitespace or control characters';
  if (periodic(key) || estimatedEntropyBits(key) < ADMIN_KEY_RULES.minEntropyBits) {
    return `looks guessable (repeated or too few distinct characters); use a random value such as openssl rand -base64 32`;
  }
  return null;
}
