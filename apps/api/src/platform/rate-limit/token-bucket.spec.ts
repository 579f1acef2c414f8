import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  it('allows a burst of capacity, then one request per refill interval, per key', () => {
    const b = new TokenBuckets(60, 3);
    const t0 = 1_000_000;
    expect([b.take('a', t0), b.take('a', t0), b.take('a', t0)]).toEqual([0, 0, 0]);
    expect(b.take('a', t0)).toBe(1);
    expect(b.take('b', t0)).toBe(0);
    expect(b.take('a', t0 + 500)).toBe(1);
    expect(b.take('a', t0 + 1000)).toBe(0);
    expect(b.take('a', t0 + 1000)).toBe(1);
  });

  it('refills up to capacity only, and reports the wait in whole seconds', () => {
    const b = new TokenBuckets(6, 2);
    const t0 = 0;
    expect(b.take('k', t0)).toBe(0);
    expect(b.take('k', t0)).toBe(0);
    expect(b.take('k', t0)).toBe(10);
    expect(b.take('k', t0 + 3_600_000)).toBe(0);
    expect(b.take('k', t0 + 3_600_000)).toBe(0);
    expect(b.take('k', t0 + 3_600_000)).toBe(10);
  });

  it('evicts the oldest key beyond the key limit instead of growing without bound', () => {
    const b = new TokenBuckets(60, 1, 2);
    expect(b.take('a', 0)).toBe(0);
    expect(b.take('b', 0)).toBe(0);
    expect(b.take('c', 0)).toBe(0);
    expect(b.take('a', 0)).toBe(0);
    expect(b.take('c', 0)).toBe(1);
  });

  it('rejects a limit that could never allow a request', () => {
    expect(() => new TokenBuckets(0)).toThrow();
    expect(() => new TokenBuckets(10, 0.5)).toThrow();
  });
});
