import { createHash } from 'node:crypto';
import type { Metrics } from '../../../../common/metrics';
import type { SharedRedis } from '../shared/redis';
import { TokenBuckets } from './token-bucket';

/**
 * The token bucket of token-bucket.ts as one atomic Redis script, on Redis' clock so instances with
 * skewed clocks agree. A bucket left alone until full is deleted by its expiry (absent = full).
 */
const TAKE_SCRIPT = `
local perMinute = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local refill = perMinute / 60000
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill)
local wait = 0
if tokens < 1 then
  wait = math.max(1, math.ceil((1 - tokens) / refill / 1000))
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill) + 1000)
return wait`;

/**
 * Rate limit buckets per route and caller: in Redis when REDIS_URL is set (one limit across every
 * API instance), else in this process. When Redis fails a call, this instance counts on its own
 * buckets for that request (`pl_shared_store_errors_total{use="rate_limit"}`).
 */
export class RateLimiter {
  private readonly local = new Map<string, TokenBuckets>();

  constructor(
    private readonly redis: SharedRedis | null,
    private readonly metrics: Metrics | null,
  ) {}

  /** For /health: where the buckets live and whether Redis answers now. */
  status(): { store: 'redis' | 'in-process'; reachable?: boolean } {
    return this.redis ? { store: 'redis', reachable: this.redis.isReady } : { store: 'in-process' };
  }

  /** Takes a token: 0 when allowed, else whole seconds until the next one. */
  async take(route: string, caller: string, perMinute: number, burst: number): Promise<number> {
    if (this.redis?.isReady) {
      // Hashed: the caller may be a peer address, which stays out of Redis key names.
      const key = `pl:rl:${createHash('sha256').update(`${route}\0${caller}`).digest('hex').slice(0, 32)}`;
      try {
        const wait = await this.redis.eval(TAKE_SCRIPT, { keys: [key], arguments: [String(perMinute), String(burst)] });
        return Number(wait);
      } catch {
        this.metrics?.sharedStoreErrors.inc({ use: 'rate_limit' });
      }
    } else if (this.redis) {
      this.metrics?.sharedStoreErrors.inc({ use: 'rate_limit' });
    }
    let buckets = this.local.get(route);
    if (!buckets) this.local.set(route, (buckets = new TokenBuckets(perMinute, burst)));
    return buckets.take(caller, Date.now());
  }
}
