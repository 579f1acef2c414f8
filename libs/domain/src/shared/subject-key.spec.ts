import { isSubjectKey, subjectKeysIn } from './subject-key';

const KEY = `sub_${'A1_-'.repeat(8)}`;

describe('subject key (one definition)', () => {
  it('is sub_ and exactly 32 base64url characters', () => {
    expect(isSubjectKey(KEY)).toBe(true);
    expect(isSubjectKey(`${KEY}x`)).toBe(false);
    expect(isSubjectKey('sub_abc12345')).toBe(false); // the rights decider's copy accepted 8+ characters
    expect(isSubjectKey(`x${KEY}`)).toBe(false);
    expect(isSubjectKey(`sub_${'a'.repeat(31)}=`)).toBe(false);
    expect(isSubjectKey(42)).toBe(false);
  });

  it('finds keys standing alone in stream names and stored text, not inside longer tokens', () => {
    expect(subjectKeysIn(`consent-${KEY}`)).toEqual([KEY]);
    expect(subjectKeysIn(`{"subject_key":"${KEY}"}`)).toEqual([KEY]);
    expect(subjectKeysIn(`x${KEY}`)).toEqual([]);
    expect(subjectKeysIn(`${KEY}A`)).toEqual([]);
  });

  it('finds exactly what the standing-alone pattern finds, in random texts of keys, near-keys and separators', () => {
    const pattern = /(?<![A-Za-z0-9_])sub_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g;
    const pieces = [KEY, 'sub_', `sub_${'b'.repeat(31)}`, `sub_${'c'.repeat(33)}`, 'sub', 'x', '-', '_', '"', ':', '{', 'é', '9', 'sub_sub_', `${KEY}${KEY}`];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 5000; n++) {
      const text = Array.from({ length: next() % 12 }, () => pieces[next() % pieces.length]).join('');
      expect(subjectKeysIn(text)).toEqual([...text.matchAll(pattern)].map((m) => m[0]));
    }
  });
});
