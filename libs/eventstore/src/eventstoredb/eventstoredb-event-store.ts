import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  FORWARDS,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
  type AllStreamSubscription,
  type Position,
} from '@eventstore/db-client';
import { comparePositions, LOG_START, UpcasterRegistry, type LogPosition, type RecordedEvent } from '@pl/domain';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StreamRead,
  type SubscribeOptions,
  type Subscription,
} from '../port';
import { fromEsdbEvent, fromEsdbPosition, isServiceEvent, matchesPrefixes, toEventData, toReadPosition } from './mapping';

export interface EventStoreDbOptions {
  readonly upcasters?: UpcasterRegistry;
  readonly batchSize?: number;
}

/**
 * The EventStore port on EventStoreDB/KurrentDB (@eventstore/db-client). Global order and
 * checkpoints are (commit, prepare) positions of $all; system events are never delivered.
 * Not exercised on these machines (no server): the contract suite runs when
 * EVENTSTORE_CONNECTION_STRING is set.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly backend = 'eventstoredb' as const;
  private readonly upcasters: UpcasterRegistry;
  private readonly batchSize: number;
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly client: EventStoreDBClient,
    options: EventStoreDbOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.batchSize = options.batchSize ?? 1000;
  }

  static fromConnectionString(connectionString: string, options?: EventStoreDbOptions): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  /** Nothing to create; reads one event to fail early when the server is unreachable. */
  async init(): Promise<void> {
    for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    try {
      const r = await this.client.appendToStream(streamId, events.map(toEventData), {
        expectedRevision: expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : expected,
      });
      return { nextRevision: r.nextExpectedRevision, position: r.position ? fromEsdbPosition(r.position) : LOG_START };
    } catch (e) {
      if (e instanceof WrongExpectedVersionError) {
        const actual = typeof e.actualVersion === 'bigint' ? e.actualVersion : null;
        throw new WrongExpectedRevisionError(streamId, expected, actual);
      }
      throw e;
    }
  }

  async readStream(streamId: string): Promise<StreamRead> {
    const events: RecordedEvent[] = [];
    try {
      for await (const { event } of this.client.readStream(streamId, { direction: FORWARDS })) {
        if (isServiceEvent(event)) events.push(fromEsdbEvent(event, this.upcasters));
      }
    } catch (e) {
      if (e instanceof StreamNotFoundError) return { revision: null, events: [] };
      throw e;
    }
    return { revision: events.length ? events[events.length - 1].revision : null, events };
  }

  /** Reads $all forwards from `after` (the server includes the event at `after`; it is skipped). */
  async readAll(after: LogPosition, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const want = options.maxCount ?? this.batchSize;
    const out: RecordedEvent[] = [];
    let from = after;
    for (;;) {
      let read = 0;
      let last: Position | null = null;
      for await (const { event } of this.client.readAll({ direction: FORWARDS, fromPosition: toReadPosition(from), maxCount: want })) {
        read += 1;
        if (!event) continue;
        last = event.position;
        if (comparePositions(fromEsdbPosition(event.position), from) <= 0) continue; // the server starts at `from` inclusive
        if (isServiceEvent(event) && matchesPrefixes(event.type, options.typePrefixes)) out.push(fromEsdbEvent(event, this.upcasters));
        if (out.length >= want) return out;
      }
      if (read < want || !last || comparePositions(fromEsdbPosition(last), from) <= 0) return out;
      from = fromEsdbPosition(last);
    }
  }

  /** `readAll` with the server-side filter; it does not expose the scanned position, so `scannedTo` is the last event returned. */
  async readPage(after: LogPosition, options: ReadAllOptions = {}): Promise<{ events: RecordedEvent[]; scannedTo: LogPosition }> {
    const events = await this.readAll(after, options);
    return { events, scannedTo: events.length ? events[events.length - 1].position : after };
  }

  subscribe(after: LogPosition, handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    let delivered = after;
    let stopping = false;
    let idle = false;
    const macrotask = () => new Promise<void>((r) => setImmediate(r));
    /**
     * A filter checkpoint must not overtake events the server sent before it that this loop has
     * not handled yet (they may still sit in the stream's buffer): the client awaits this callback
     * before reading on, so wait until the buffer is empty and the loop is idle, then hand the
     * handler an empty batch at that position.
     */
    const checkpointReached = async (s: AllStreamSubscription, p: Position) => {
      while (!stopping && !(idle && s.readableLength === 0)) await macrotask();
      await macrotask();
      if (stopping || !idle || s.readableLength > 0) return; // a later checkpoint will do
      const position = fromEsdbPosition(p);
      if (comparePositions(position, delivered) <= 0) return;
      idle = false;
      try {
        await handler([], position);
        delivered = position;
      } catch (e) {
        // Thrown inside the client's stream transform it would go unhandled: end the stream with it
        // instead, so that `done` rejects with the handler's error.
        s.destroy(e instanceof Error ? e : new Error(String(e)));
      } finally {
        idle = true;
      }
    };
    const filterOptions = { checkpointInterval: 1, checkpointReached };
    const sub = this.client.subscribeToAll({
      fromPosition: toReadPosition(after),
      filter: options.typePrefixes?.length ? eventTypeFilter({ prefixes: [...options.typePrefixes], ...filterOptions }) : excludeSystemEvents(filterOptions),
    });
    if (options.onCaughtUp) sub.on('caughtUp', options.onCaughtUp);
    const loop = async () => {
      const events = sub[Symbol.asyncIterator]();
      try {
        for (;;) {
          idle = true;
          const next = await events.next();
          idle = false;
          if (next.done || stopping) break;
          const event = next.value.event;
          if (!isServiceEvent(event) || !matchesPrefixes(event.type, options.typePrefixes)) continue;
          const recorded = fromEsdbEvent(event, this.upcasters);
          if (comparePositions(recorded.position, after) <= 0) continue;
          await handler([recorded], recorded.position);
          if (comparePositions(recorded.position, delivered) > 0) delivered = recorded.position;
        }
      } catch (e) {
        if (!stopping) throw e;
      } finally {
        idle = false;
        if (!stopping) await sub.unsubscribe().catch(() => undefined);
      }
    };
    const done = loop().finally(() => this.subscriptions.delete(subscription));
    const subscription: Subscription = {
      done,
      stop: async () => {
        stopping = true;
        await sub.unsubscribe();
        await done.catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<LogPosition> {
    let from: LogPosition | null = null;
    for (;;) {
      let read = 0;
      let last: AllStreamRecordedEvent | null = null;
      const fromPosition = from ? toReadPosition(from) : END;
      for await (const { event } of this.client.readAll({ direction: BACKWARDS, fromPosition, maxCount: 100 })) {
        read += 1;
        if (!event) continue;
        last = event;
        if (isServiceEvent(event)) return fromEsdbPosition(event.position);
      }
      if (read < 100 || !last || (from && comparePositions(fromEsdbPosition(last.position), from) >= 0)) return LOG_START;
      from = fromEsdbPosition(last.position);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }
}
