import { applyBatch, readCheckpoint, type ProjectionDefinition } from '@pl/application';
import { LOG_START } from '@pl/domain';
import type { SqlDatabase } from '@pl/eventstore';
import type { EventStore } from '@pl/eventstore';

/** Thrown by `crashingAfter`'s store: the process "died" right after an append was recorded. */
export class SimulatedCrash extends Error {
  constructor(readonly afterAppend: number) {
    super(`simulated crash after append ${afterAppend}`);
  }
}

/**
 * The store as a process killed right after its k-th append sees it: the k-th append is recorded,
 * then the caller gets an error and nothing after it runs (every later append is refused too).
 */
export function crashingAfter<T extends EventStore>(store: T, k: number): T & { readonly appends: number } {
  let appends = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'appends') return appends;
      if (prop === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          if (appends >= k) throw new SimulatedCrash(k);
          const result = await target.append(...args);
          if (++appends === k) throw new SimulatedCrash(k);
          return result;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as T & { readonly appends: number };
}

/** The facts of a log, order-free (stream, type, data): equal logs hold the same facts, none twice. */
export async function factsOf(store: EventStore): Promise<string[]> {
  return (await store.readAll(LOG_START)).map((e) => JSON.stringify([e.streamId, e.type, e.data])).sort();
}

/**
 * Projects the log into `def` up to its head, as the worker's runner does; waits while other
 * sessions' open transactions (other tests on the same server) hold our appends back (invariant 4).
 */
export async function projectToHead(db: SqlDatabase, store: EventStore, def: ProjectionDefinition): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const cp = await readCheckpoint(db, def.name);
    const events = await store.readAll(cp?.position ?? LOG_START);
    if (events.length) await applyBatch(db, def, events, events[events.length - 1].position);
    const upTo = events.length ? events[events.length - 1].position : (cp?.position ?? LOG_START);
    const head = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events');
    const seen =
      upTo.tx < 0n
        ? { rows: [{ n: '0' }] }
        : await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM es_events WHERE (transaction_id, global_position) <= ($1::xid8, $2::bigint)`, [upTo.tx.toString(), upTo.pos.toString()]);
    if (head.rows[0].n === seen.rows[0].n) return;
    if (Date.now() > deadline) throw new Error('appended events never became visible');
    await new Promise((r) => setTimeout(r, 50));
  }
}
