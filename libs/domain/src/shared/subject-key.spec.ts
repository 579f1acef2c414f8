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
});
