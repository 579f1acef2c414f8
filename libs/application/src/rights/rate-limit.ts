/**
 * Request creation is rate limited per subject and per caller (sliding window, in memory per API
 * instance); the per-subject window is also checked against the register, so it holds across
 * instances. Limits are configuration, not law: Art. 12(5) "excessive" stays a human decision.
 */
export const RIGHTS_RATE_LIMITS = {
  perSubjectPerDay: 10,
  perCallerPerMinute: 60,
} as const;

export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a hit for `key` at `now`; false when the limit is already reached. */
  take(key: string, now: number): boolean {
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 100_000) this.hits.delete(this.hits.keys().next().value as string);
    return true;
  }

  /** After a refused `take`: milliseconds until the oldest hit in the window slides out. */
  retryAfterMs(key: string, now: number): number {
    const oldest = this.hits.get(key)?.[0];
    return oldest === undefined ? 0 : Math.max(0, oldest + this.windowMs - now);
  }
}
