import { SQL_BACKENDS, type FreshDatabase } from '../../../../../test/support/databases';
import { IdempotencyStore } from './idempotency-store';

const HOUR = 3_600_000;
const t0 = new Date('2026-12-02T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe.each(SQL_BACKENDS)('IdempotencyStore on %s', (_name, open) => {
  let f: FreshDatabase;
  let store: IdempotencyStore;
  beforeAll(async () => {
    f = await open();
    store = new IdempotencyStore(f.db, 24 * HOUR, 60_000);
    await store.init();
    await store.init();
  });
  afterAll(() => f.drop());

  it('runs the first request, 409 while it runs, replays once done, 422 for another fingerprint', async () => {
    const first = await store.claim('k1', 'caller', 'fp', t0);
    expect(first.kind).toBe('run');
    expect(await store.claim('k1', 'caller', 'fp', at(1000))).toEqual({ kind: 'in_progress', retryAfterSeconds: 59 });
    expect(await store.claim('k1', 'caller', 'other', at(1000))).toEqual({ kind: 'mismatch' });
    await store.complete('k1', (first as { claim: string }).claim, 201, Buffer.from('sealed'), ['1:2']);
    const replay = await store.claim('k1', 'caller', 'fp', at(2000));
    expect(replay).toMatchObject({ kind: 'replay', status: 201 });
    expect(Buffer.from((replay as { sealed: Buffer }).sealed).toString()).toBe('sealed');
    const row = await f.db.query<{ positions: string[]; state: string }>("SELECT positions, state FROM idempotency_keys WHERE key_hash = 'k1'");
    expect(row.rows[0]).toEqual({ positions: ['1:2'], state: 'done' });
  });

  it('lets one retry take over a request whose lease ran out (its process died), with the same claim', async () => {
    const first = await store.claim('k2', 'caller', 'fp', t0);
    const [a, b] = await Promise.all([store.claim('k2', 'caller', 'fp', at(61_000)), store.claim('k2', 'caller', 'fp', at(61_000))]);
    const runs = [a, b].filter((c) => c.kind === 'run');
    expect(runs).toEqual([first]);
    expect([a, b].filter((c) => c.kind === 'in_progress')).toHaveLength(1);
  });

  it('a released key (a 5xx) runs again at once with its claim; a completed one is not released', async () => {
    const first = (await store.claim('k3', 'caller', 'fp', t0)) as { kind: 'run'; claim: string };
    await store.release('k3', first.claim, ['7:7'], at(10));
    expect(await store.claim('k3', 'caller', 'fp', at(20))).toEqual(first);
    await store.complete('k3', first.claim, 200, Buffer.from('x'), ['7:7']);
    await store.release('k3', first.claim, [], at(30));
    expect((await store.claim('k3', 'caller', 'fp', at(40))).kind).toBe('replay');
  });

  it('forgets a key after its time: the same key is then a new request with a new claim, and purging removes expired rows', async () => {
    const first = (await store.claim('k4', 'caller', 'fp', t0)) as { kind: 'run'; claim: string };
    await store.complete('k4', first.claim, 201, Buffer.from('x'), []);
    expect((await store.claim('k4', 'caller', 'other', at(24 * HOUR - 1))).kind).toBe('mismatch');
    const later = await store.claim('k4', 'caller', 'other', at(24 * HOUR));
    expect(later.kind).toBe('run');
    expect((later as { claim: string }).claim).not.toBe(first.claim);
    const purged = await store.purgeExpired(at(48 * HOUR));
    expect(purged).toBeGreaterThanOrEqual(4);
    expect((await f.db.query('SELECT 1 FROM idempotency_keys')).rowCount).toBe(0);
  });
});
