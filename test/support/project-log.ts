import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, type ProjectionDefinition } from '@pl/application';
import { LOG_START } from '@pl/domain';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import type { FreshDatabase } from './databases';

/**
 * Applies the whole log to `projection` in one batch. readAll returns events of transactions older
 * than the server's oldest running one (a shared server): wait until every appended event is visible.
 */
export async function projectWholeLog(db: SqlDatabase, store: SqlEventStore, projection: ProjectionDefinition): Promise<void> {
  const total = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);
  let events = await store.readAll(LOG_START);
  for (let i = 0; events.length < total && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    events = await store.readAll(LOG_START);
  }
  await applyBatch(db, projection, events, events[events.length - 1].position);
}

/** A fresh database with the log, the checkpoints and `projection`'s empty tables. */
export async function projectionFixture(fresh: () => Promise<FreshDatabase>, projection: ProjectionDefinition): Promise<{ f: FreshDatabase; store: SqlEventStore }> {
  const f = await fresh();
  const store = new SqlEventStore(f.db);
  await store.init();
  await f.db.exec(CHECKPOINT_SCHEMA);
  await ensureProjectionSchema(f.db, projection);
  return { f, store };
}
