import { applyBatch, readCheckpoint, type ProjectionDefinition } from '@pl/application';
import { LOG_START } from '@pl/domain';
import type { SqlDatabase } from '@pl/eventstore';
import type { EventStore } from '@pl/eventstore';

/** Thrown by a crashing step: the process "died" right after a step (an append, a query, a signature) was done. */
export class SimulatedCrash extends Error {
  constructor(readonly afterStep: number, readonly step?: string) {
    super(`simulated crash after step ${afterStep}${step ? ` (${step})` : ''}`);
  }
}

/**
 * A process killed right after its k-th step (k = Infinity: never), the steps being calls of the
 * methods it wraps, across every object it wraps: the k-th call is done, then it throws, and every
 * later call throws before it starts. Other methods pass through (a lock's release, as the dead
 * session's would be).
 */
export class CrashPoint {
  /** The steps done, named `what.method` (a query named by its first words), in order. */
  readonly steps: string[] = [];

  constructor(readonly k: number) {}

  get crashed(): boolean {
    return this.steps.length >= this.k;
  }

  wrap<T extends object>(target: T, what: string, methods: readonly string[]): T {
    const point = this;
    return new Proxy(target, {
      get(t, prop, receiver) {
        const v = Reflect.get(t, prop, receiver);
        if (typeof v !== 'function') return v;
        if (typeof prop !== 'string' || !methods.includes(prop)) return v.bind(t);
        return (...args: unknown[]) => {
          if (point.crashed) throw new SimulatedCrash(point.k, point.steps[point.k - 1]);
          const done = (result: unknown) => {
            point.steps.push(`${what}.${prop}${typeof args[0] === 'string' ? ` ${args[0].replace(/\s+/g, ' ').trim().slice(0, 60)}` : ''}`);
            if (point.crashed) throw new SimulatedCrash(point.k, point.steps[point.k - 1]);
            return result;
          };
          const result = v.apply(t, args);
          return result instanceof Promise ? result.then(done) : done(result);
        };
      },
    });
  }
}

/**
 * The store as a process killed right after its k-th append sees it: the k-th append is recorded,
 * then the caller gets an error and nothing after it runs (every later append is refused too).
 * With k = Infinity it only counts the appends.
 */
export function crashingAfter<T extends EventStore>(store: T, k: number): T & { readonly appends: number } {
  const point = new CrashPoint(k);
  const wrapped = point.wrap(store, 'store', ['append']);
  return new Proxy(wrapped, { get: (t, prop, receiver) => (prop === 'appends' ? point.steps.length : Reflect.get(t, prop, receiver)) }) as T & { readonly appends: number };
}

/** The facts of a log, order-free (stream, type, data): equal logs hold the same facts, none twice. */
export async function factsOf(store: EventStore): Promise<string[]> {
  return (await store.readAll(LOG_START)).map((e) => JSON.stringify([e.streamId, e.type, e.data])).sort();
}

/**
 * Projects the log into `def` up to its head, as the worker's runner does (only the event types
 * `def` follows); waits while other sessions' open transactions (other tests on the same server)
 * hold our appends back (invariant 4).
 */
export async function projectToHead(db: SqlDatabase, store: EventStore, def: ProjectionDefinition): Promise<void> {
  const deadline = Date.now() + 60_000;
  const follows = (type: string) => !def.typePrefixes || def.typePrefixes.some((p) => type.startsWith(p));
  for (;;) {
    const cp = await readCheckpoint(db, def.name);
    const events = await store.readAll(cp?.position ?? LOG_START);
    if (events.length) await applyBatch(db, def, events.filter((e) => follows(e.type)), events[events.length - 1].position);
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

/** What a clock-driven process manager works on: the log and the read models it reads, in a fresh database. */
export interface CrashWorld {
  readonly store: EventStore;
  /** Brings the read models the manager reads up to the log's head, as the worker's projections do. */
  project(): Promise<void>;
  /** Closes the store and drops the database. */
  close(): Promise<void>;
}

/** A clock-driven process manager under a crash test. */
export interface ClockManagerUnderTest<W extends CrashWorld> {
  /** A fresh world, the same facts each time, projected. */
  world(): Promise<W>;
  /** One tick of the manager (at a fixed time), appending through `store`: the world's, or a copy that crashes. */
  tick(w: W, store: EventStore): Promise<unknown>;
}

/**
 * Ticks through `store` (default the world's), projecting before each as the worker's projections
 * do, until a tick appends nothing; the number of appends.
 */
export async function tickUntilQuiet<W extends CrashWorld>(pm: ClockManagerUnderTest<W>, w: W, store: EventStore = w.store, maxTicks = 5): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxTicks; i++) {
    await w.project();
    const counting = crashingAfter(store, Infinity);
    await pm.tick(w, counting);
    if (counting.appends === 0) return total;
    total += counting.appends;
  }
  throw new Error(`the ticks never settled (${total} appends in ${maxTicks} ticks)`);
}

/** `after` without one occurrence of each fact of `before` (both sorted, as factsOf gives them). */
function withoutFacts(after: string[], before: string[]): string[] {
  const left = new Map<string, number>();
  for (const f of before) left.set(f, (left.get(f) ?? 0) + 1);
  return after.filter((f) => {
    const n = left.get(f) ?? 0;
    if (n) left.set(f, n - 1);
    return n === 0;
  });
}

/**
 * The crash test of a clock-driven process manager: an uninterrupted run ticks to a quiet log; then,
 * for each k of its appends, in a fresh world, the ticks die right after the k-th append, the tick is
 * restarted at once (before the read model caught up, so it still lists what was just handled),
 * and ticks until quiet. Each must append the uninterrupted run's facts, none twice (compared as
 * the facts added to the world, whose own ids may differ from world to world). Returns those
 * facts and how many appends the uninterrupted run made (at least one, or the test proves nothing).
 */
export async function expectSameFactsAfterEachCrash<W extends CrashWorld>(pm: ClockManagerUnderTest<W>): Promise<{ facts: string[]; appends: number }> {
  const clean = await pm.world();
  const start = await factsOf(clean.store);
  const appends = await tickUntilQuiet(pm, clean);
  const facts = withoutFacts(await factsOf(clean.store), start);
  await clean.close();
  if (appends === 0) throw new Error('the uninterrupted run appended nothing: there is no step to crash after');

  for (let k = 1; k <= appends; k++) {
    const w = await pm.world();
    try {
      const before = await factsOf(w.store);
      const crashing = crashingAfter(w.store, k);
      await expect(tickUntilQuiet(pm, w, crashing)).rejects.toBeInstanceOf(SimulatedCrash);
      expect(crashing.appends).toBe(k);
      await pm.tick(w, w.store);
      await tickUntilQuiet(pm, w);
      expect({ crashedAfterAppend: k, appended: withoutFacts(await factsOf(w.store), before) }).toEqual({ crashedAfterAppend: k, appended: facts });
    } finally {
      await w.close();
    }
  }
  return { facts, appends };
}
