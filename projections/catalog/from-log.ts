import { LOG_START, catalog, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlExecutor } from '@pl/eventstore';
import { CATALOG_EVENT_PREFIXES } from './schema';

type Folding<S> = { initialState: () => S; evolve: (s: S, e: any) => S };

const asOf = (at: Date) => {
  const limit = at.getTime();
  return (e: RecordedEvent) => Date.parse(e.metadata.occurred_at) <= limit;
};

/** One catalog stream folded with its decider's own `evolve`, keeping the events that occurred at or before `at`. */
export function streamAt<S>(decider: Folding<S>, events: readonly RecordedEvent[], at: Date): S {
  return events.filter(asOf(at)).reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data }), decider.initialState());
}

/** A system as it stood at `at`, read from its own stream. */
export async function systemAt(store: EventStore, systemId: string, at: Date): Promise<catalog.SystemState> {
  return streamAt(catalog.systemDecider, (await store.readStream(catalog.systemStream(systemId))).events, at);
}

const KINDS: ReadonlyArray<[prefix: string, decider: Folding<any>]> = [
  ['catalog-system-', catalog.systemDecider],
  ['catalog-activity-', catalog.activityDecider],
  ['catalog-flow-', catalog.flowDecider],
  ['catalog-processor-', catalog.processorRecordDecider],
];

/** Whether an event belongs to a catalog entity's stream (what the history keeps and the fold reads). */
export const isHistory = (streamId: string): boolean => KINDS.some(([prefix]) => streamId.startsWith(prefix));

/** A catalog event as the fold needs it, from the log or from the catalog read model's history. */
type HistoryEvent = Pick<RecordedEvent, 'streamId' | 'type' | 'data'>;

/** Folds catalog events (global order, those that occurred at or before `at`) with each decider's own `evolve`. */
class CatalogFold {
  private readonly states = KINDS.map(() => new Map<string, any>());

  add(e: HistoryEvent): void {
    const k = KINDS.findIndex(([prefix]) => e.streamId.startsWith(prefix));
    if (k < 0) return;
    const [, decider] = KINDS[k];
    this.states[k].set(e.streamId, decider.evolve(this.states[k].get(e.streamId) ?? decider.initialState(), { type: e.type, data: e.data }));
  }

  result(at: Date): catalog.CatalogAt {
    const states = this.states;
    // by id, like the read model's ORDER BY id
    const active = <S extends { status: string }>(m: Map<string, S>) =>
      [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => s).filter((s) => s.status === 'active') as Array<Extract<S, { status: 'active' | 'retired' }>>;
    const systems = active<catalog.SystemState>(states[0]);
    return {
      at,
      systems: systems.map((s) => s.entity),
      elements: new Map(systems.map((s) => [s.entity.system_id, Object.values(s.elements)])),
      activities: active<catalog.ActivityState>(states[1]).map((s) => s.entity),
      flows: active<catalog.FlowState>(states[2]).map((s) => s.entity),
      processorRecords: active<catalog.ProcessorRecordState>(states[3]).map((s) => s.entity),
    };
  }
}

/**
 * The catalog exactly as it stood at `at`, folded straight from the log with the catalog deciders'
 * own `evolve` (no read model): events in global order, kept when they occurred at or before `at`.
 * Passes over the whole log (type-filtered): for deployments where the catalog projection does not run.
 */
export async function catalogFromLog(store: EventStore, at: Date): Promise<catalog.CatalogAt> {
  const fold = new CatalogFold();
  await foldLogAfter(store, LOG_START, at, fold);
  return fold.result(at);
}

/** Adds the catalog events of the log after `after` that occurred at or before `at` (type-filtered read). */
async function foldLogAfter(store: EventStore, after: LogPosition, at: Date, fold: CatalogFold): Promise<void> {
  const kept = asOf(at);
  for (;;) {
    const batch = await store.readAll(after, { typePrefixes: CATALOG_EVENT_PREFIXES, maxCount: 2000 });
    if (!batch.length) break;
    after = batch[batch.length - 1].position;
    for (const e of batch) if (kept(e)) fold.add(e);
    if (batch.length < 2000) break;
  }
}

/**
 * The same fold over the catalog read model's history (the catalog's own events, indexed by time) up
 * to the projection's checkpoint, then over the log's catalog events after it: the answer of
 * `catalogFromLog`, exact whatever the projection's lag, without passing over the rest of the log.
 * History rows and the checkpoint move in one transaction, so the rows at or before the checkpoint
 * read here are exactly the events before the tail.
 */
export async function catalogFromHistory(db: SqlExecutor, store: EventStore, checkpoint: LogPosition, at: Date): Promise<catalog.CatalogAt> {
  const fold = new CatalogFold();
  const r = await db.query<{ stream_id: string; type: string; data: string }>(
    'SELECT stream_id, type, data FROM rm_catalog.history WHERE occurred_at <= $1 AND (tx, pos) <= ($2::numeric, $3::bigint) ORDER BY tx, pos',
    [at.toISOString(), checkpoint.tx.toString(), checkpoint.pos.toString()],
  );
  for (const row of r.rows) fold.add({ streamId: row.stream_id, type: row.type, data: JSON.parse(row.data) });
  await foldLogAfter(store, checkpoint, at, fold);
  return fold.result(at);
}

/** Article 30 records of a catalog at a date. */
export function ropaOf(c: catalog.CatalogAt, view: 'controller' | 'processor'): catalog.ControllerRecord[] | catalog.ProcessorRecordRow[] {
  return view === 'processor' ? catalog.processorRecords(c.processorRecords, c.at) : catalog.controllerRecords(c);
}
