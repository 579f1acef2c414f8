import { createLogger } from '../../../../common/logger';
import { processMetrics } from '../../../../common/metrics';
import { closeSharedRedis, connectSharedRedis, type SharedRedis } from '../shared/redis';
import { RateLimiter } from './rate-limiter';

// Redis database 11 belongs to these tests; only it is flushed.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/11';
const logger = createLogger('silent');

describe('RateLimiter', () => {
  const clients: SharedRedis[] = [];
  afterAll(async () => {
    for (const c of clients) await closeSharedRedis(c);
  });

  it('shares one bucket between limiters on one Redis (two API instances)', async () => {
    const one = (await connectSharedRedis(REDIS_URL, logger))!;
    const two = (await connectSharedRedis(REDIS_URL, logger))!;
    clients.push(one, two);
    await one.flushDb();
    const a = new RateLimiter(one, null);
    const b = new RateLimiter(two, null);
    expect(a.status()).toEqual({ store: 'redis', reachable: true });
    // 6 per minute, burst 4: four tokens in all, whichever limiter takes them
    const waits = [await a.take('R.x', 'key:k1', 6, 4), await b.take('R.x', 'key:k1', 6, 4), await a.take('R.x', 'key:k1', 6, 4), await b.take('R.x', 'key:k1', 6, 4)];
    expect(waits).toEqual([0, 0, 0, 0]);
    const denied = await a.take('R.x', 'key:k1', 6, 4);
    expect(denied).toBeGreaterThanOrEqual(1);
    expect(denied).toBeLessThanOrEqual(10);
    expect(await b.take('R.x', 'key:k1', 6, 4)).toBeGreaterThanOrEqual(1);
    // other caller, other route: their own buckets
    expect(await b.take('R.x', 'key:k2', 6, 4)).toBe(0);
    expect(await b.take('R.y', 'key:k1', 6, 4)).toBe(0);
    await one.flushDb();
  });

  it('falls back to its own buckets and counts it while Redis is unreachable', async () => {
    const dead = (await connectSharedRedis('redis://127.0.0.1:42199/11', logger))!;
    clients.push(dead);
    const metrics = processMetrics();
    const errors = async () => (await metrics.sharedStoreErrors.get()).values.find((v) => v.labels.use === 'rate_limit')?.value ?? 0;
    const before = await errors();
    const limiter = new RateLimiter(dead, metrics);
    expect(limiter.status()).toEqual({ store: 'redis', reachable: false });
    expect([await limiter.take('R.x', 'key:k', 60, 2), await limiter.take('R.x', 'key:k', 60, 2), await limiter.take('R.x', 'key:k', 60, 2)]).toEqual([0, 0, 1]);
    expect((await errors()) - before).toBe(3);
  });
});
