import { canonicalOnAppend, type DomainEvent, type LogPosition } from '@pl/domain';
import type { AppendManyResult, AppendResult, BatchHandler, StreamAppend, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, StreamRead, SubscribeOptions, Subscription } from '@pl/eventstore';
import { isSubjectKey } from './pseudonym';
import type { CryptoEventCodec } from './event-codec';

/** An event as the codec encodes it: taxonomy keys canonical when it is stamped with today's taxonomy (reads rely on it). */
const domainForm = (e: NewEvent): DomainEvent => ({ type: e.type, data: canonicalOnAppend(e.data, e.metadata) as DomainEvent['data'], schemaVersion: e.schemaVersion });

/**
 * The event store every process appends through (ARCHITECTURE invariant 13): the declared personal
 * fields of each event are encrypted here (taxonomy keys made canonical first), bound to the event id in its metadata, whatever the
 * caller (command handler, worker, CLI, audit log, seed). An event type without a declaration is
 * refused before anything is appended. Reads return the stored (encrypted) form; entitled readers
 * decode with the codec.
 */
export class EncryptingEventStore implements EventStore {
  readonly backend: EventStore['backend'];
  readonly countAfter?: EventStore['countAfter'];

  constructor(
    private readonly inner: EventStore,
    private readonly codec: CryptoEventCodec,
  ) {
    this.backend = inner.backend;
    if (inner.countAfter) this.countAfter = (after, limit) => inner.countAfter!(after, limit);
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const domain: DomainEvent[] = events.map(domainForm);
    const encoded = await this.codec.encode(
      streamId,
      domain,
      events.map((e) => e.metadata.event_id),
      { streamSubject: () => this.subjectOfStream(streamId) },
    );
    return this.inner.append(streamId, events.map((e, i) => ({ ...e, data: encoded[i].data })), expected);
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendManyResult> {
    // the data keys of every subject of the batch are fetched (or created) together
    const encoded = await this.codec.encodeMany(
      appends.map((a) => ({
        streamId: a.streamId,
        events: a.events.map(domainForm),
        eventIds: a.events.map((e) => e.metadata.event_id),
        options: { streamSubject: () => this.subjectOfStream(a.streamId) },
      })),
    );
    return this.inner.appendMany(appends.map((a, k) => ({ streamId: a.streamId, events: a.events.map((e, i) => ({ ...e, data: encoded[k][i].data })) })));
  }

  readStream(streamId: string): Promise<StreamRead> {
    return this.inner.readStream(streamId);
  }

  readAll(after: LogPosition, options?: ReadAllOptions) {
    return this.inner.readAll(after, options);
  }

  readPage(after: LogPosition, options?: ReadAllOptions) {
    return this.inner.readPage(after, options);
  }

  subscribe(after: LogPosition, handler: BatchHandler, options?: SubscribeOptions): Subscription {
    return this.inner.subscribe(after, handler, options);
  }

  headPosition(): Promise<LogPosition> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** A request stream (`dsr-<id>`) names its subject in its first event. */
  private async subjectOfStream(streamId: string): Promise<string | null> {
    const { events } = await this.inner.readStream(streamId);
    const named = events.find((e) => isSubjectKey(e.data?.subject_key));
    return named ? named.data.subject_key : null;
  }
}
