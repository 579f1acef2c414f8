import { ANY, EventStoreDBClient, NO_STREAM, StreamNotFoundError } from '@eventstore/db-client';
import { comparePositions, LOG_START, UpcasterRegistry, type LogPosition, type RecordedEvent } from '@pl/domain';
import {
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type AppendManyResult,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StreamRead,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from '../port';
import { assertSupportedServer, clientConnectionString } from './connection';
import { toPortError } from './errors';
import { allRequest, ReadCallReader, readMessages, serverVersion, streamRequest, type AllReadOptions, type StoredRecord } from './grpc-read';
import { fromEsdbPosition, fromStored, isServiceEvent, matchesPrefixes, toEventData, toReadPosition } from './mapping';

export interface EventStoreDbOptions {
  readonly upcasters?: UpcasterRegistry;
  readonly batchSize?: number;
  /** Attempts of an append whose outcome is unknown or that met no leader (same event ids each time; the server records them once). Default 3. */
  readonly appendAttempts?: number;
  /** A live filtered subscription idle this long checks whether it may move its checkpoint to the head (default 1000 ms). */
  readonly idleCheckpointMs?: number;
  /** How long a subscription waits for a further message before handing over a batch that is not full (default 5 ms). */
  readonly batchLingerMs?: number;
  /** Server checkpoints of filtered subscriptions every this many considered events (default 1024). */
  readonly checkpointEvery?: number;
  /** Deadline of one read (not of subscriptions), ms (default 30 s). */
  readonly readDeadlineMs?: number;
  /** Skips the minimum server version check (tests against a stand-in server only). */
  readonly skipVersionCheck?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Streams of one `appendMany` appended side by side, and reads-and-appends of one stream before giving up on a busy stream. */
const APPEND_MANY_STREAMS = 8;
const APPEND_MANY_ATTEMPTS = 5;
const later = (a: LogPosition, b: LogPosition) => (comparePositions(a, b) >= 0 ? a : b);

/**
 * The EventStore port on EventStoreDB/KurrentDB (@eventstore/db-client 6.2.1, server 24.10 or newer).
 * Global order and checkpoints are (commit, prepare) positions of $all; system events are never
 * delivered. Reads and subscriptions of $all are filtered by the server (grpc-read.ts).
 * Not exercised against a server on these machines: the contract suite runs when
 * EVENTSTORE_CONNECTION_STRING is set.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly backend = 'eventstoredb' as const;
  private readonly upcasters: UpcasterRegistry;
  private readonly batchSize: number;
  private readonly subscriptions = new Set<Subscription>();
  /** The tail of the work queued per stream by `appendMany` (removed when it ends). */
  private readonly streamTurns = new Map<string, Promise<void>>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EventStoreDbOptions = {},
  ) {
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.batchSize = options.batchSize ?? 1000;
  }

  /** `esdb://`, `esdb+discover://` and Kurrent's `kurrentdb://`, `kurrent://`, `kdb://` (each with `+discover`). */
  static fromConnectionString(connectionString: string, options?: EventStoreDbOptions): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(clientConnectionString(connectionString)), options);
  }

  /** Nothing to create: fails early when the server is unreachable or older than the minimum version. */
  async init(): Promise<void> {
    const version = await serverVersion(this.client).catch((e: Error) => {
      throw new Error(`cannot reach EventStoreDB/KurrentDB at start: ${e.message}`);
    });
    if (!this.options.skipVersionCheck) assertSupportedServer(version);
    await this.headPosition();
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const data = events.map(toEventData);
    const attempts = this.options.appendAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.client.appendToStream(streamId, data, {
          expectedRevision: expected === 'no_stream' ? NO_STREAM : expected === 'any' ? ANY : expected,
        });
        const position = r.position ? fromEsdbPosition(r.position) : await this.positionOf(streamId, r.nextExpectedRevision);
        return { nextRevision: r.nextExpectedRevision, position };
      } catch (e) {
        const mapped = toPortError(e, streamId, { expected });
        // Same ids, same expected revision: if the lost attempt was written, the server answers it idempotently.
        if (mapped instanceof EventStoreUnavailableError && attempt < attempts) {
          await sleep(100 * 4 ** (attempt - 1));
          continue;
        }
        throw mapped;
      }
    }
  }

  /** Position of the event at `revision` (an idempotent append may answer without one). */
  private async positionOf(streamId: string, revision: bigint): Promise<LogPosition> {
    for (const e of (await this.readStream(streamId)).events) if (e.revision === revision) return e.position;
    return LOG_START;
  }

  /**
   * One append per stream (EventStoreDB has no transaction over streams). A repeat is found in its
   * own stream (a fact's stream follows from the fact), so each stream is read first and the events
   * it already holds are dropped; a crash between two streams' appends leaves the rest to the retry.
   * Each stream is appended at the revision it was read at: a batch running beside this one that
   * appended to the stream first is met as a wrong revision, and the stream is read again (its
   * events are then found, not appended twice). Up to APPEND_MANY_STREAMS streams go side by side.
   * Within this process one stream's read-and-append runs one batch at a time: two batches offering
   * the same events at the same revision would both be answered by the server's idempotent append,
   * and both would report them appended. (Another process's batch racing this one may still do so;
   * the log holds the events once either way.)
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendManyResult> {
    const byStream = new Map<string, NewEvent[]>();
    for (const a of appends) {
      const list = byStream.get(a.streamId);
      if (list) list.push(...a.events);
      else byStream.set(a.streamId, [...a.events]);
    }
    const fresh = new Set<string>();
    let position: LogPosition | null = null;
    const one = async (streamId: string, events: readonly NewEvent[]) => {
      for (let attempt = 1; ; attempt++) {
        const read = await this.readStream(streamId);
        const held = new Set(read.events.map((e) => e.metadata.event_id.toLowerCase()));
        const todo = events.filter((e) => {
          const id = e.metadata.event_id.toLowerCase();
          return !held.has(id) && !!held.add(id);
        });
        if (!todo.length) return;
        try {
          const r = await this.append(streamId, todo, read.revision ?? 'no_stream');
          position = position ? later(position, r.position) : r.position;
          for (const e of todo) fresh.add(e.metadata.event_id);
          return;
        } catch (e) {
          if (!(e instanceof WrongExpectedRevisionError) || attempt >= APPEND_MANY_ATTEMPTS) throw e;
        }
      }
    };
    const queue = [...byStream];
    await Promise.all(
      Array.from({ length: Math.min(APPEND_MANY_STREAMS, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await this.oneAtATime(next[0], () => one(...next!));
      }),
    );
    // in input order, each id once (the port's promise)
    const appended = appends.flatMap((a) => a.events.map((e) => e.metadata.event_id)).filter((id) => fresh.delete(id));
    return { appended, position };
  }

  private async oneAtATime(streamId: string, work: () => Promise<void>): Promise<void> {
    const before = this.streamTurns.get(streamId) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => undefined);
    this.streamTurns.set(streamId, tail);
    try {
      await mine;
    } finally {
      if (this.streamTurns.get(streamId) === tail) this.streamTurns.delete(streamId);
    }
  }

  async readStream(streamId: string): Promise<StreamRead> {
    const events: RecordedEvent[] = [];
    let revision: bigint | null = null;
    try {
      for await (const m of readMessages(this.client, streamRequest(streamId), this.readDeadline)) {
        if (m.kind === 'stream_not_found') return { revision: null, events: [] };
        // the server ends with the stream's last revision, which stands also when older events are gone ($maxAge, $tb, scavenge)
        if (m.kind === 'last_stream_revision') revision = m.revision;
        if (m.kind !== 'event') continue;
        if (revision === null || m.record.event.revision > revision) revision = m.record.event.revision;
        if (isServiceEvent(m.record.event)) events.push(fromStored(m.record, this.upcasters));
      }
    } catch (e) {
      if (e instanceof StreamNotFoundError) return { revision: null, events: [] };
      throw toPortError(e, streamId, null);
    }
    return { revision, events };
  }

  async readAll(after: LogPosition, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readPage(after, options)).events;
  }

  /**
   * Filtered by the server. A page short of `maxCount` has seen everything up to the head read
   * before it, so `scannedTo` moves there even when no event matched.
   */
  async readPage(after: LogPosition, options: ReadAllOptions = {}): Promise<{ events: RecordedEvent[]; scannedTo: LogPosition }> {
    const want = options.maxCount ?? this.batchSize;
    const head = options.typePrefixes?.length ? await this.headPosition() : null;
    const events = await this.collect({ from: toReadPosition(after), maxCount: want + 1, typePrefixes: options.typePrefixes }, after, want);
    const last = events.length ? events[events.length - 1].position : after;
    if (events.length >= want || !head) return { events, scannedTo: last };
    return { events, scannedTo: later(later(head, last), after) };
  }

  /** Service events strictly after `after` (reads start at `after` inclusive), up to `want`. */
  private async collect(request: AllReadOptions, after: LogPosition, want: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const m of readMessages(this.client, allRequest(request), this.readDeadline)) {
        if (m.kind !== 'event' || !this.wanted(m.record, after, request.typePrefixes)) continue;
        out.push(fromStored(m.record, this.upcasters));
        if (out.length >= want) break;
      }
    } catch (e) {
      throw toPortError(e, null, null);
    }
    return out;
  }

  private wanted(record: StoredRecord, after: LogPosition, typePrefixes?: readonly string[]): boolean {
    const e = record.event;
    return !!e.position && comparePositions(fromEsdbPosition(e.position), after) > 0 && isServiceEvent(e) && matchesPrefixes(e.type, typePrefixes);
  }

  /**
   * One filtered subscription to $all. Messages (events, server checkpoints, caught-up) come in the
   * call's own order; the events already received are handed over together, up to `maxCount`, as
   * soon as no further message comes within `batchLingerMs`. A server checkpoint travels with the batch before it.
   * Live and idle, the server sends no checkpoint while fewer than `checkpointEvery` events were
   * considered: every `idleCheckpointMs` the loop moves its checkpoint to the head when a filtered
   * read proves that nothing it wants lies between (see `provenHead`).
   */
  subscribe(after: LogPosition, handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    const maxCount = options.maxCount ?? this.batchSize;
    const idleMs = this.options.idleCheckpointMs ?? 1000;
    const lingerMs = this.options.batchLingerMs ?? 5;
    let stopping = false;
    let reader: ReadCallReader | null = null;
    const loop = async () => {
      let delivered = after;
      let live = false;
      let batch: RecordedEvent[] = [];
      let checkpoint: LogPosition | null = null;
      const flush = async () => {
        const to = later(batch.length ? batch[batch.length - 1].position : delivered, checkpoint ?? delivered);
        const events = batch;
        batch = [];
        checkpoint = null;
        if (comparePositions(to, delivered) <= 0) return;
        await handler(events, to);
        delivered = to;
      };
      const call = await ReadCallReader.open(
        this.client,
        allRequest({ from: toReadPosition(after), typePrefixes: options.typePrefixes, subscription: { checkpointEvery: this.options.checkpointEvery ?? 1024 } }),
        null,
      );
      reader = call;
      if (stopping) call.cancel();
      try {
        while (!stopping) {
          const m = call.poll();
          if (m === null) return;
          if (m === undefined) {
            if (batch.length || checkpoint) {
              // grpc-js hands over one message at a time as each is decoded: wait briefly for the
              // next one (woken by it, no polling) before handing over a batch that is not full
              if (await call.wait(lingerMs)) continue;
              await flush();
              continue;
            }
            if (await call.wait(live ? idleMs : Number.POSITIVE_INFINITY)) continue;
            const head = await this.provenHead(delivered, options.typePrefixes);
            if (head && !stopping) {
              checkpoint = head;
              await flush();
            }
            continue;
          }
          if (m.kind === 'event' && this.wanted(m.record, delivered, options.typePrefixes)) {
            batch.push(fromStored(m.record, this.upcasters));
            if (batch.length >= maxCount) await flush();
          } else if (m.kind === 'checkpoint' && comparePositions(m.position, delivered) > 0) {
            checkpoint = m.position;
          } else if (m.kind === 'caught_up') {
            live = true;
            if (batch.length || checkpoint) await flush();
            options.onCaughtUp?.();
          } else if (m.kind === 'fell_behind') {
            live = false;
          }
        }
      } catch (e) {
        if (!stopping) throw toPortError(e, null, null);
      } finally {
        call.cancel();
      }
    };
    const done = loop().finally(() => this.subscriptions.delete(subscription));
    const subscription: Subscription = {
      done,
      stop: async () => {
        stopping = true;
        reader?.cancel();
        await done.catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * The head, when the subscription at `delivered` has provably passed it: the head is read first,
   * then a filtered read from `delivered` finds no wanted event up to it, so none can be in flight
   * either (positions only grow). Null when it has not (an event is on its way) or nothing is newer.
   */
  private async provenHead(delivered: LogPosition, typePrefixes?: readonly string[]): Promise<LogPosition | null> {
    const head = await this.headPosition();
    if (comparePositions(head, delivered) <= 0) return null;
    const [next] = await this.collect({ from: toReadPosition(delivered), maxCount: 2, typePrefixes }, delivered, 1);
    return next && comparePositions(next.position, head) <= 0 ? null : head;
  }

  /** The newest service event (system events excluded by the server's filter), read backwards. */
  async headPosition(): Promise<LogPosition> {
    try {
      for await (const m of readMessages(this.client, allRequest({ from: 'end', backwards: true, maxCount: 32 }), this.readDeadline)) {
        if (m.kind === 'event' && m.record.event.position && isServiceEvent(m.record.event)) return fromEsdbPosition(m.record.event.position);
      }
    } catch (e) {
      throw toPortError(e, null, null);
    }
    return LOG_START;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  private get readDeadline(): number {
    return this.options.readDeadlineMs ?? 30_000;
  }
}
