import { foldNewEvents } from '@pl/application';
import type { DomainEvent, LogPosition, RecordedEvent } from '@pl/domain';
import type { EventStore } from '@pl/eventstore';
import { ERASURE_EVENT_TYPES, headersOf, subjectKeyOf, type OutboundMessage } from './routing';

/**
 * How a compacted state topic is derived from the log: fold a subject's stream with the context's
 * own `evolve`, publish a PII-free snapshot after each event, a tombstone on erasure.
 */
export interface StateTopicBinding<S = unknown> {
  readonly topic: string;
  /** Streams folded into this topic, e.g. `consent-`. */
  readonly streamPrefix: string;
  readonly stateSchemaVersion: number;
  initialState(): S;
  evolve(state: S, event: DomainEvent): S;
  /** Must be free of personal data (no decrypted fields): it is the message value. */
  snapshot(state: S): unknown;
}

/** Value of a state-topic message. */
export interface StateMessageV1<T = unknown> {
  readonly subject_key: string;
  /** The event that produced this state; consumers de-duplicate on it. */
  readonly event_id: string;
  readonly event_type: string;
  /** Stream revision folded up to; consumers ignore a message not newer than what they hold. */
  readonly revision: string;
  readonly updated_at: string;
  readonly state: T;
}

interface Folded<S> {
  revision: bigint;
  last: LogPosition | null;
  state: S;
}

/** Turns events into state-topic messages; caches the folded state per stream so that the common case does not re-read the stream. */
export class StateTopicFolder<S> {
  private readonly cache = new Map<string, Folded<S>>();

  constructor(
    private readonly binding: StateTopicBinding<S>,
    private readonly store: EventStore,
    private readonly maxCached = 50_000,
    private readonly readConcurrency = 8,
  ) {}

  async messagesFor(events: readonly RecordedEvent[]): Promise<OutboundMessage[]> {
    const out: OutboundMessage[] = [];
    const preloaded = await this.preload(events);
    for (const e of events) {
      if (ERASURE_EVENT_TYPES.has(e.type)) {
        const subject = subjectKeyOf(e);
        if (!subject) continue;
        this.cache.delete(this.binding.streamPrefix + subject);
        out.push({ topic: this.binding.topic, key: subject, value: null, headers: headersOf(e, this.binding.stateSchemaVersion), eventId: e.metadata.event_id });
        continue;
      }
      if (!e.streamId.startsWith(this.binding.streamPrefix)) continue;
      const subject = subjectKeyOf(e);
      if (!subject) continue;
      const folded = await this.foldThrough(e, preloaded.get(e.streamId));
      const value: StateMessageV1 = {
        subject_key: subject,
        event_id: e.metadata.event_id,
        event_type: e.type,
        revision: e.revision.toString(),
        updated_at: e.metadata.recorded_at,
        state: this.binding.snapshot(folded.state),
      };
      out.push({ topic: this.binding.topic, key: subject, value: JSON.stringify(value), headers: headersOf(e, this.binding.stateSchemaVersion), eventId: e.metadata.event_id });
    }
    return out;
  }

  /** Drops the cache (after a failed send the relay resumes from its checkpoint with a clean slate). */
  reset(): void {
    this.cache.clear();
  }

  /** Streams whose first event in the batch the cache cannot continue: read them concurrently, once. */
  private async preload(events: readonly RecordedEvent[]): Promise<Map<string, RecordedEvent[]>> {
    const seen = new Set<string>();
    const missing: string[] = [];
    for (const e of events) {
      if (seen.has(e.streamId) || !e.streamId.startsWith(this.binding.streamPrefix) || ERASURE_EVENT_TYPES.has(e.type)) continue;
      seen.add(e.streamId);
      const cached = this.cache.get(e.streamId);
      if (!cached || cached.revision !== e.revision - 1n) missing.push(e.streamId);
    }
    const loaded = new Map<string, RecordedEvent[]>();
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const id = missing[next++];
        loaded.set(id, (await this.store.readStream(id)).events);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.readConcurrency, missing.length) }, worker));
    return loaded;
  }

  /**
   * The subject's state through `e`, folded with the shared fold (`foldNewEvents`, the one the
   * snapshot projections use): from the cached state when it ends just before `e`, else from the
   * stream read again up to `e`.
   */
  private async foldThrough(e: RecordedEvent, preloaded?: RecordedEvent[]): Promise<Folded<S>> {
    const cached = this.cache.get(e.streamId);
    const evolve = this.binding.evolve as (state: S, event: never) => S;
    const contiguous = cached && cached.revision === e.revision - 1n;
    const from = contiguous ? { state: cached.state, last: cached.last } : { state: this.binding.initialState(), last: null };
    const events = contiguous ? [e] : (preloaded ?? (await this.store.readStream(e.streamId)).events).filter((x) => x.revision <= e.revision);
    const { state, last } = foldNewEvents(evolve, from, events);
    const folded: Folded<S> = { revision: e.revision, last, state };
    this.cache.delete(e.streamId);
    this.cache.set(e.streamId, folded);
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string);
    return folded;
  }
}
