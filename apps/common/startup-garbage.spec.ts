import { collectStartupGarbage } from './startup-garbage';

describe('collectStartupGarbage', () => {
  it('frees unreachable objects without exposing gc to the process', async () => {
    let garbage: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `start-up object ${i}` }));
    const before = process.memoryUsage().heapUsed;
    expect((garbage as unknown[]).length).toBe(200_000);
    garbage = null;
    await collectStartupGarbage();
    const freed = before - process.memoryUsage().heapUsed;
    expect(freed).toBeGreaterThan(10 * 2 ** 20);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
