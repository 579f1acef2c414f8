import { writeCheckpoint, CHECKPOINT_SCHEMA } from '@pl/application';
import { LOG_START } from '@pl/domain';
import { SqlEventStore, type EventStore } from '@pl/eventstore';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { lagIsReady, projectionLags } from './projection-lag';

const rule = { maxEvents: 2, maxBehindMs: 60_000 };
const event = (i: number, recordedAt: string) => ({
  type: 'test.happened',
  data: { i },
  metadata: { event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, occurred_at: recordedAt, recorded_at: recordedAt, actor: 'test', correlation_id: 'c', causation_id: null },
});

/**
 * The same log seen as EventStoreDB sees it: positions it cannot count (no `countAfter`). Every
 * read goes to the real store; only the backend's name and the missing count differ.
 */
function withoutCount(store: SqlEventStore): EventStore {
  return {
    backend: 'eventstoredb',
    init: () => store.init(),
    append: (...a) => store.append(...a),
    appendMany: (a) => store.appendMany(a),
    readStream: (s) => store.readStream(s),
    readAll: (after, o) => store.readAll(after, o),
    readPage: (after, o) => store.readPage(after, o),
    subscribe: (after, h, o) => store.subscribe(after, h, o),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}

describe.each(SQL_BACKENDS)('projection lag per backend (%s log)', (_name, open) => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;

  beforeAll(async () => {
    fresh = await open();
    store = new SqlEventStore(fresh.db, { notify: false });
    await store.init();
    await fresh.db.exec(CHECKPOINT_SCHEMA);
    for (let i = 1; i <= 5; i++) await store.append(`s-${i}`, [event(i, `2026-01-0${i}T00:00:00.000Z`)], 'no_stream');
  });
  afterAll(async () => {
    await store.close();
    await fresh.drop();
  });

  const visible = async () => {
    for (let i = 0; i < 200; i++) {
      const all = await store.readAll(LOG_START);
      if (all.length === 5) return all;
      await new Promise((r) => setTimeout(r, 100)); // another suite's transaction on the server holds the horizon
    }
    throw new Error('the five events never became visible');
  };

  it('counts events where the backend can: behind, caught up, since the first unhandled event was recorded', async () => {
    const all = await visible();
    const head = await store.headPosition();
    await writeCheckpoint(fresh.db, 'half', all[1].position, 1, 2);
    await writeCheckpoint(fresh.db, 'done', all[4].position, 1, 5);
    const wide = { ...rule, maxEvents: 10 };
    const lags = await projectionLags(fresh.db, store, head, ['half', 'done', 'never'], wide);
    expect(lags).toEqual([
      expect.objectContaining({ projection: 'half', behind: 3, caught_up: false, since: '2026-01-03T00:00:00.000Z' }),
      expect.objectContaining({ projection: 'done', behind: 0, caught_up: true, positions: 0 }),
      expect.objectContaining({ projection: 'never', behind: 5, caught_up: false, since: '2026-01-01T00:00:00.000Z', updated_at: null }),
    ]);
    const now = new Date('2026-01-03T00:00:01.000Z');
    expect(lags.map((l) => lagIsReady(l, rule, now))).toEqual([false, true, false]);
    expect(lags.map((l) => lagIsReady(l, { ...rule, maxEvents: 3 }, now))).toEqual([true, true, false]);
    // counting stops at the readiness limit plus one: all the rule needs
    const capped = await projectionLags(fresh.db, store, head, ['half', 'never'], rule);
    expect(capped.map((l) => l.behind)).toEqual([3, 3]);
    expect(capped.map((l) => lagIsReady(l, rule, now))).toEqual([false, false]);
  });

  it('where the backend cannot count (EventStoreDB): caught up or not, and since when; ready while behind no longer than the limit', async () => {
    const all = await visible();
    const esdbView = withoutCount(store);
    const head = await esdbView.headPosition();
    await writeCheckpoint(fresh.db, 'half', all[1].position, 1, 0);
    await writeCheckpoint(fresh.db, 'done', all[4].position, 1, 0);
    const [half, done] = await projectionLags(fresh.db, esdbView, head, ['half', 'done'], rule);
    expect(half).toMatchObject({ behind: null, positions: null, caught_up: false, since: '2026-01-03T00:00:00.000Z' });
    expect(done).toMatchObject({ behind: null, positions: null, caught_up: true, since: done.updated_at });
    expect(lagIsReady(half, rule, new Date('2026-01-03T00:00:59.000Z'))).toBe(true);
    expect(lagIsReady(half, rule, new Date('2026-01-03T00:01:01.000Z'))).toBe(false);
    expect(lagIsReady(done, rule, new Date('2099-01-01T00:00:00.000Z'))).toBe(true);
  });
});
