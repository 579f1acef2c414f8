import { LOG_START, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlExecutor } from '@pl/eventstore';

/** Rows in the log, visible or not yet (integration tests: "nothing appended"). */
export async function storedEventCount(db: SqlExecutor): Promise<number> {
  return Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
}

/**
 * Every stored event, once all of them are safe to read. On a PostgreSQL server shared with other
 * sessions, readAll holds back events while any older transaction of the cluster is still open
 * (invariant 4); tests wait for that instead of reading a partial log.
 */
export async function readWholeLog(store: EventStore, db: SqlExecutor, timeoutMs = 20_000): Promise<RecordedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = await storedEventCount(db);
    const all = await store.readAll(LOG_START, { maxCount: 1_000_000 });
    if (all.length >= total) return all;
    if (Date.now() > deadline) throw new Error(`only ${all.length} of ${total} events became readable`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
