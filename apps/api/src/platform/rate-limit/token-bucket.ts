/**
 * In-memory token buckets, one per key: `capacity` tokens, refilled continuously at
 * `perMinute / 60` per second. Per process: N API instances allow up to N times the rate.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly capacity: number = perMinute,
    private readonly maxKeys = 100_000,
  ) {
    if (!(perMinute > 0) || !(capacity >= 1)) throw new Error('a rate limit needs perMinute > 0 and a burst of at least 1');
  }

  /** Takes a token for `key` at `nowMs`: 0 when allowed, else the seconds until the next token. */
  take(key: string, nowMs: number): number {
    const refillPerMs = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: nowMs };
    const tokens = Math.min(this.capacity, b.tokens + Math.max(0, nowMs - b.at) * refillPerMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: nowMs });
      return Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000));
    }
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(key, { tokens: tokens - 1, at: nowMs });
    return 0;
  }
}
