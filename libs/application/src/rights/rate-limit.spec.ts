import { SlidingWindowLimiter } from './rate-limit';

describe('sliding window limiter', () => {
  it('allows `limit` hits per window and key, then refuses until the window slides', () => {
    const l = new SlidingWindowLimiter(2, 1000);
    expect([l.take('a', 0), l.take('a', 10), l.take('a', 20)]).toEqual([true, true, false]);
    expect(l.take('b', 20)).toBe(true);
    expect(l.take('a', 1001)).toBe(true);
    expect(l.take('a', 1005)).toBe(false);
    // the 429 says when to retry: when the hit at 10 leaves the window
    expect(l.retryAfterMs('a', 1005)).toBe(5);
  });
});
