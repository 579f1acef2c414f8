import { chunkBySize, messageBytes } from './relay';

const msg = (key: string, bytes: number) => ({ key, value: 'v'.repeat(bytes), headers: { 'pl-event-id': key } });

describe('relay request chunks', () => {
  it('keeps every message, in order, with each chunk within the bound', () => {
    const messages = Array.from({ length: 500 }, (_, i) => msg(`k${i % 7}-${i}`, 100 + ((i * 37) % 3000)));
    const chunks = chunkBySize(messages, 16 * 1024);
    expect(chunks.flat()).toEqual(messages);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c.reduce((n, m) => n + messageBytes(m), 0)).toBeLessThanOrEqual(16 * 1024);
  });

  it('sends a message larger than the bound alone; a tombstone counts its key and headers only', () => {
    const big = msg('big', 50_000);
    const chunks = chunkBySize([msg('a', 10), big, msg('b', 10)], 1024);
    expect(chunks.map((c) => c.map((m) => m.key))).toEqual([['a'], ['big'], ['b']]);
    expect(messageBytes({ key: 'k', value: null, headers: {} })).toBe(65);
  });

  it('one chunk when everything fits', () => {
    expect(chunkBySize([msg('a', 10), msg('b', 10)], 10_000)).toHaveLength(1);
    expect(chunkBySize([], 10_000)).toEqual([]);
  });
});
