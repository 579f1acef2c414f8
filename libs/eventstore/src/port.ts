import type { EventMetadata, LogPosition, RecordedEvent } from '@pl/domain';

export type { LogPosition, RecordedEvent } from '@pl/domain';

/** `no_stream`: the stream must not exist; `any`: no check; a bigint: the stream's current revision (0-based). */
export type ExpectedRevision = 'no_stream' | 'any' | bigint;

export interface NewEvent {
  readonly type: string;
  readonly schemaVersion?: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface AppendResult {
  /** Revision of the last appended event. */
  readonly nextRevision: bigint;
  /** Position of the last appended event in the global log. */
  readonly position: LogPosition;
}

/** Events for one stream in `appendMany` (expected revision `any`). */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
}

export interface AppendManyResult {
  /** The `metadata.event_id`s appended now, in input order; the others the log already held (or repeated one earlier in the batch). */
  readonly appended: string[];
  /** Position of the last appended event; null when every event was already there. */
  readonly position: LogPosition | null;
}

export interface StreamRead {
  /** Current revision, or null when the stream does not exist. */
  readonly revision: bigint | null;
  readonly events: RecordedEvent[];
}

export interface ReadAllOptions {
  readonly maxCount?: number;
  /** Only events whose type starts with one of these prefixes (e.g. `consent.`). */
  readonly typePrefixes?: readonly string[];
}

export interface SubscribeOptions extends ReadAllOptions {
  /** Called once the subscription has caught up with the head of the log (and again after falling behind). */
  readonly onCaughtUp?: () => void;
}

/**
 * Receives the next batch in global order and the position read up to (which may lie beyond the
 * last event when a filter skipped some); persist `checkpoint` to resume without gap or duplicate.
 */
export type BatchHandler = (events: RecordedEvent[], checkpoint: LogPosition) => Promise<void>;

export interface Subscription {
  /** Stops after the batch in progress; resolves when stopped. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves on stop(), rejects when the handler or the store failed. */
  readonly done: Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | null,
  ) {
    super(`wrong expected revision on stream ${streamId}: expected ${String(expected)}, actual ${actual === null ? 'no stream' : actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The stream was deleted for good (an EventStoreDB tombstone): it can never be read or appended to again. */
export class StreamDeletedError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} was deleted for good (tombstoned)`);
    this.name = 'StreamDeletedError';
  }
}

/**
 * The log could not be reached or did not answer in time. `outcomeUnknown`: an append may or may
 * not have been written; appending the same events (same event ids) with the same expected
 * revision again is safe, the store records them once.
 */
export class EventStoreUnavailableError extends Error {
  constructor(
    readonly reason: 'deadline_exceeded' | 'not_leader' | 'unavailable',
    readonly outcomeUnknown: boolean,
  ) {
    super(`event store ${reason.replace('_', ' ')}${outcomeUnknown ? ': the append may or may not have been written' : ''}`);
    this.name = 'EventStoreUnavailableError';
  }
}

/** One append is larger than the log accepts (EventStoreDB's MaxAppendSize); nothing was written. */
export class AppendTooLargeError extends Error {
  constructor(
    readonly streamId: string,
    readonly maxAppendSize: number | null,
  ) {
    super(`append to stream ${streamId} exceeds the maximum append size${maxAppendSize === null ? '' : ` of ${maxAppendSize} bytes`}`);
    this.name = 'AppendTooLargeError';
  }
}

/**
 * The event store port. Adapters: PostgreSQL (pg), embedded (PGlite), EventStoreDB.
 * Stream names carry only pseudonymous ids (ARCHITECTURE invariant 2).
 */
export interface EventStore {
  readonly backend: 'postgres' | 'embedded' | 'eventstoredb';
  /** Creates or migrates whatever the adapter needs. Idempotent. */
  init(): Promise<void>;
  /**
   * Appends atomically under the expected revision. Appending the same events (same event ids) with
   * the same expected revision again, after the first append was written, returns its result and
   * writes nothing: an append whose outcome was unknown is safe to retry.
   */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams at once with expected revision `any` (facts that never conflict, e.g.
   * a batch of privacy events), skipping each event whose `metadata.event_id` the log already holds:
   * a producer's retry, however often and by whichever path, is never a second fact. PostgreSQL and
   * PGlite: one statement (one transaction); EventStoreDB: one append per stream.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendManyResult>;
  /** The stream's events in revision order; `revision` is the stream's own, even when older events were truncated away. */
  readStream(streamId: string): Promise<StreamRead>;
  /** Events strictly after `after`, in global order, only those safe to read (no later gap can appear before them). */
  readAll(after: LogPosition, options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * One page of `readAll` and how far it scanned: with a type filter `scannedTo` may lie beyond the
   * last event returned (up to the head read in the same snapshot), so a reader that resumes from
   * `scannedTo` never reads the skipped events again. No progress (`scannedTo` equal to `after`) = caught up.
   */
  readPage(after: LogPosition, options?: ReadAllOptions): Promise<{ events: RecordedEvent[]; scannedTo: LogPosition }>;
  /** Catch-up from `after`, then live. The handler receives batches in global order; a batch is never re-delivered once the handler resolved. */
  subscribe(after: LogPosition, handler: BatchHandler, options?: SubscribeOptions): Subscription;
  /** Position of the newest event visible to readers (LOG_START when empty). */
  headPosition(): Promise<LogPosition>;
  /**
   * Events visible to readers strictly after `after`, counted up to `limit` (a larger count reads as
   * `limit`). Only backends that can count events cheaply have it (PostgreSQL, PGlite); on
   * EventStoreDB positions are byte offsets and there is no count, so lag there is "caught up or
   * not, and since when" (apps/common/projection-lag.ts).
   */
  countAfter?(after: LogPosition, limit: number): Promise<number>;
  close(): Promise<void>;
}
