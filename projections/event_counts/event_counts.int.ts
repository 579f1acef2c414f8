import type { RecordedEvent } from '@pl/domain';
import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema } from '@pl/application';
import { SQL_BACKENDS, type FreshDatabase } from '../../test/support/databases';
import { eventCountsProjection } from './index';
import { eventCounts } from './queries';

const ev = (type: string, tx: number, pos: number): RecordedEvent => ({
  streamId: 's', revision: 0n, position: { tx: BigInt(tx), pos: BigInt(pos) }, globalPosition: BigInt(pos), type, schemaVersion: 1, data: {},
  metadata: { event_id: `${tx}-${pos}`, occurred_at: '', recorded_at: '', actor: 't', correlation_id: 'c', causation_id: null },
});

describe.each(SQL_BACKENDS)('event_counts projection on %s', (_name, open) => {
  let f: FreshDatabase;
  beforeAll(async () => {
    f = await open();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, eventCountsProjection);
  });
  afterAll(() => f.drop());

  it('counts per type in one statement per batch, commits out of position order included, and ignores a replayed batch', async () => {
    const first = [ev('a.x', 10, 5), ev('a.x', 10, 6), ev('b.y', 11, 3), ev('a.x', 12, 4)];
    await applyBatch(f.db, eventCountsProjection, first, { tx: 12n, pos: 4n });
    expect(await eventCounts(f.db)).toEqual([{ type: 'a.x', count: 3 }, { type: 'b.y', count: 1 }]);
    await f.db.transaction(async (tx) => {
      await tx.query(`SELECT set_config('search_path', 'rm_event_counts, public', true)`);
      await eventCountsProjection.handle(tx, first);
    });
    expect(await eventCounts(f.db)).toEqual([{ type: 'a.x', count: 3 }, { type: 'b.y', count: 1 }]);
    await applyBatch(f.db, eventCountsProjection, [ev('b.y', 13, 2), ev('c.z', 13, 7)], { tx: 13n, pos: 7n });
    expect(await eventCounts(f.db)).toEqual([{ type: 'a.x', count: 3 }, { type: 'b.y', count: 2 }, { type: 'c.z', count: 1 }]);
  });
});
