import { LOG_START } from '@pl/domain';
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
