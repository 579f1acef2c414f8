import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '@pl/eventstore';

export function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  const now = new Date('2026-01-01T00:00:00.000Z').toISOString();
  return { type, data, metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'test', correlation_id: randomUUID(), causation_id: null } };
}

/** A real store whose method `name` runs `around` instead (to line up concurrent commands deterministically). */
export function intercept<K extends keyof EventStore>(store: EventStore, name: K, around: (original: EventStore[K]) => EventStore[K]): EventStore {
  const replaced = around((store[name] as any).bind(store));
  return new Proxy(store, {
    get(target, prop) {
      if (prop === name) return replaced;
      const v = (target as any)[prop];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
