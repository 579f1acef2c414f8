import { memoize } from './memo';

describe('memoize', () => {
  it('computes a key once, keeps at most max answers, and caches nothing for a key that throws', () => {
    const calls: string[] = [];
    const upper = memoize((k: string) => {
      calls.push(k);
      if (k === 'bad') throw new Error('refused');
      return k.toUpperCase();
    }, 2);
    expect([upper('a'), upper('a'), upper('b'), upper('a')]).toEqual(['A', 'A', 'B', 'A']);
    expect(calls).toEqual(['a', 'b']);
    expect(() => upper('bad')).toThrow('refused');
    expect(() => upper('bad')).toThrow('refused');
    // full at two: the third key drops the rest, so 'a' is computed again
    upper('c');
    upper('a');
    expect(calls).toEqual(['a', 'b', 'bad', 'bad', 'c', 'a']);
  });
});
