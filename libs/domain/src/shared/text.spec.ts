import { storableJson, storableText, unescapeStorableText, unsafeTextPath, unsafeTextReason } from './text';

const NUL = '\u0000';
const HIGH = '\uD800';
const LOW = '\uDC00';
const ESC = '\uFDD0';

describe('unsafeTextReason', () => {
  it.each([
    ['NUL', `v1${NUL}`, 'nul'],
    ['lone high surrogate', `v${HIGH}1`, 'lone_surrogate'],
    ['high surrogate at the end', `v1${HIGH}`, 'lone_surrogate'],
    ['lone low surrogate', `${LOW}v1`, 'lone_surrogate'],
    ['reversed pair', `${LOW}${HIGH}`, 'lone_surrogate'],
    ['the escape character', `v${ESC}`, 'noncharacter'],
    ['U+FFFF', 'v\uFFFF', 'noncharacter'],
  ])('refuses %s', (_, s, reason) => expect(unsafeTextReason(s)).toBe(reason));

  it.each([
    ['ascii', 'consent-v1'],
    ['an astral character (a valid surrogate pair)', 'ok \u{1F600}'],
    ['accents and CJK', 'Déjà vu 同意'],
    ['the replacement character', '\uFFFD'],
    ['empty', ''],
  ])('accepts %s', (_, s) => expect(unsafeTextReason(s)).toBeNull());
});

describe('unsafeTextPath', () => {
  it('names the dotted path of the first unsafe string, never its value', () => {
    const found = unsafeTextPath({ subject: { id: 'u-1' }, items: [{ name: 'a' }, { name: `b${NUL}secret` }] });
    expect(found).toEqual({ path: 'items.1.name', reason: 'nul' });
    expect(JSON.stringify(found)).not.toContain('secret');
  });

  it('checks object keys and names their parent', () => {
    expect(unsafeTextPath({ labels: { [`k${HIGH}`]: 'v' } })).toEqual({ path: 'labels.(key)', reason: 'lone_surrogate' });
  });

  it('names a value under a key with control, bidi or zero-width characters without quoting the key', () => {
    const found = unsafeTextPath({ meta: { ['tag\u200d\u001b[31m']: `v${NUL}` } });
    expect(found).toEqual({ path: 'meta.(field name not shown)', reason: 'nul' });
  });

  it('uses the given root path for a bare string and accepts clean values', () => {
    expect(unsafeTextPath(`x${LOW}`, 'user_id')).toEqual({ path: 'user_id', reason: 'lone_surrogate' });
    expect(unsafeTextPath({ a: ['x', 1, null, true, { b: 'y' }] })).toBeNull();
  });
});

describe('storableText', () => {
  it('given clean text, leaves it unchanged', () => {
    expect(storableText('consent-v1 \u{1F600} \uFFFD')).toBe('consent-v1 \u{1F600} \uFFFD');
  });

  it('escapes NUL, lone surrogates and the escape character as U+FDD0 + four hex digits', () => {
    expect(storableText(`a${NUL}b`)).toBe(`a${ESC}0000b`);
    expect(storableText(`a${HIGH}`)).toBe(`a${ESC}D800`);
    expect(storableText(`${LOW}z`)).toBe(`${ESC}DC00z`);
    expect(storableText(ESC)).toBe(`${ESC}FDD0`);
  });

  it('is reversible, so two different logged values never meet in one read-model row', () => {
    const values = [`a${NUL}`, `a${ESC}0000`, `a${HIGH}`, 'a\uFFFD', `${ESC}${NUL}${HIGH}\u{1F600}`];
    const stored = values.map(storableText);
    expect(new Set(stored).size).toBe(values.length);
    expect(stored.map(unescapeStorableText)).toEqual(values);
    for (const s of stored) expect(unsafeTextPath(s.replaceAll(ESC, ''))).toBeNull();
  });
});

describe('storableJson', () => {
  it('escapes every string and key, deeply, and keeps other values', () => {
    const v = { version: `v${NUL}`, n: 1, ok: true, none: null, list: [`x${HIGH}`, 2], map: { [`k${NUL}`]: 'clean' } };
    expect(storableJson(v)).toEqual({ version: `v${ESC}0000`, n: 1, ok: true, none: null, list: [`x${ESC}D800`, 2], map: { [`k${ESC}0000`]: 'clean' } });
  });

  it('returns the same object when nothing needs escaping', () => {
    const v = { a: ['b', { c: 'd' }] };
    expect(storableJson(v)).toBe(v);
  });

  it('yields JSON that PostgreSQL jsonb accepts (no \\u0000, no lone surrogate escape)', () => {
    const json = JSON.stringify(storableJson({ a: `${NUL}${HIGH}${LOW}` }));
    expect(json).not.toMatch(/\\u0000|\\ud[89ab][0-9a-f]{2}|\\ud[c-f][0-9a-f]{2}/i);
  });
});
