import { LOG_START, catalog, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore } from '@pl/eventstore';
import { CATALOG_EVENT_PREFIXES } from './schema';

/**
 * The catalog exactly as it stood at `at`, folded straight from the log (no read model): the CLI
 * export and a cross-check of the projection's versions table. Events are taken in global order and
 * kept when they occurred at or before `at`.
 */
export async function catalogFromLog(store: EventStore, at: Date): Promise<{ activities: catalog.ActivitySnapshot[]; systems: catalog.SystemSnapshot[]; flows: catalog.FlowSnapshot[]; processorRecords: catalog.ProcessorRecordSnapshot[] }> {
  const systems = new Map<string, catalog.SystemState>();
  const activities = new Map<string, catalog.ActivityState>();
  const flows = new Map<string, catalog.FlowState>();
  const records = new Map<string, catalog.ProcessorRecordState>();
  const apply = <S>(map: Map<string, S>, decider: { initialState: () => S; evolve: (s: S, e: any) => S }, e: RecordedEvent) => {
    map.set(e.streamId, decider.evolve(map.get(e.streamId) ?? decider.initialState(), { type: e.type, data: e.data }));
  };
  let after: LogPosition = LOG_START;
  const limit = at.getTime();
  for (;;) {
    const batch = await store.readAll(after, { typePrefixes: CATALOG_EVENT_PREFIXES, maxCount: 2000 });
    if (!batch.length) break;
    after = batch[batch.length - 1].position;
    for (const e of batch) {
      if (Date.parse(e.metadata.occurred_at) > limit) continue;
      if (e.streamId.startsWith('catalog-system-')) apply(systems, catalog.systemDecider, e);
      else if (e.streamId.startsWith('catalog-activity-')) apply(activities, catalog.activityDecider, e);
      else if (e.streamId.startsWith('catalog-flow-')) apply(flows, catalog.flowDecider, e);
      else if (e.streamId.startsWith('catalog-processor-')) apply(records, catalog.processorRecordDecider, e);
    }
    if (batch.length < 2000) break;
  }
  const active = <S extends { status: string }, T>(m: Map<string, S>, pick: (s: S) => T) => [...m.values()].filter((s) => s.status === 'active').map(pick);
  return {
    systems: active(systems, (s) => (s as Exclude<catalog.SystemState, { status: 'none' }>).system),
    activities: active(activities, (s) => (s as Exclude<catalog.ActivityState, { status: 'none' }>).activity),
    flows: active(flows, (s) => (s as Exclude<catalog.FlowState, { status: 'none' }>).flow),
    processorRecords: active(records, (s) => (s as Exclude<catalog.ProcessorRecordState, { status: 'none' }>).record),
  };
}

export async function ropaFromLog(store: EventStore, view: 'controller' | 'processor', at: Date) {
  const c = await catalogFromLog(store, at);
  return view === 'processor' ? catalog.processorRecords(c.processorRecords, at) : catalog.controllerRecords({ at, activities: c.activities, systems: c.systems, flows: c.flows });
}
