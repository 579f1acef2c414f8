import { positionToString, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore, SqlDatabase } from '@pl/eventstore';
import { ConsumerEngine, inSpan, SpanKind, type StuckTrackerOptions } from '@pl/application';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { eventMessageOf, ROUTES, type OutboundMessage, type Route } from './routing';
import { StateTopicFolder, type StateTopicBinding } from './state-topic';
import { ensureTopics, TOPIC_SPECS, type TopicSpec } from './topics';

export type RelayState = 'idle' | 'standby' | 'connecting' | 'running' | 'retrying' | 'stopped';

export interface RelayStatus {
  readonly name: string;
  readonly state: RelayState;
  /** Connected to the broker, topics in place, last send (or probe) succeeded. */
  readonly ready: boolean;
  /** Log position acknowledged by the broker and checkpointed (`tx:pos`). */
  readonly position: string | null;
  readonly published: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly lastPublishedAt: string | null;
}

export interface RelayOptions extends StuckTrackerOptions {
  readonly kafka: Kafka;
  /** Checkpoint name in projection_checkpoints and lock name; one active relay per name. */
  readonly name?: string;
  readonly routes?: readonly Route[];
  readonly stateTopics?: readonly StateTopicBinding<any>[];
  /** Builds the messages of a batch instead of the routes and state topics (a relay of other shapes, e.g. the legacy topics). */
  readonly messagesFor?: (events: readonly RecordedEvent[]) => Promise<OutboundMessage[]>;
  /** Only events whose type starts with one of these are read. */
  readonly typePrefixes?: readonly string[];
  readonly topics?: readonly TopicSpec[];
  /** Retry delay after a failure: doubling from initialMs to maxMs. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Per-send broker timeout (ms) before the batch counts as failed and is retried from the checkpoint. */
  readonly sendTimeoutMs?: number;
  /** While idle, how often the broker is probed so that readiness reflects an outage (ms). */
  readonly probeIntervalMs?: number;
  readonly standbyRetryMs?: number;
  /** Events read from the log per batch (one checkpoint per batch). */
  readonly batchSize?: number;
  /**
   * Upper bound of one produce request's message bytes (keys, values, headers); a batch above it is
   * sent as several requests, in order, before the checkpoint. Below the broker's `message.max.bytes`
   * (1 MiB by default), which applies to each partition's record batch. Default 512 KiB.
   */
  readonly maxRequestBytes?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Messages of each send by topic: acknowledged by the broker (`sent`) or not (`failed`: the batch is sent again from the checkpoint). */
  readonly onMessages?: (topic: string, outcome: 'sent' | 'failed', count: number) => void;
  /** Test hook: runs after the broker acknowledged a batch and before the checkpoint is written. */
  readonly afterSend?: (messages: readonly OutboundMessage[]) => Promise<void> | void;
}

/**
 * Follows the log from its own checkpoint and publishes to Kafka, as an at-least-once consumer of
 * the engine: the checkpoint advances only after the broker acknowledged the batch (acks=all,
 * idempotent producer), so a crash or outage re-sends from the checkpoint; consumers de-duplicate
 * on the event id header.
 */
export class KafkaRelay {
  readonly name: string;
  private readonly engine: ConsumerEngine;
  private ready = false;
  private published = 0;
  private lastError: string | null = null;
  private lastPublishedAt: Date | null = null;
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly folders: StateTopicFolder<any>[];

  constructor(
    db: SqlDatabase,
    store: EventStore,
    private readonly options: RelayOptions,
  ) {
    this.name = options.name ?? 'relay:kafka';
    this.folders = (options.stateTopics ?? []).map((b) => new StateTopicFolder(b, store));
    this.engine = new ConsumerEngine(
      db,
      store,
      {
        kind: 'at-least-once',
        name: this.name,
        batchSize: options.batchSize ?? 2000,
        typePrefixes: options.typePrefixes,
        activate: () => this.connect(),
        deactivate: () => this.teardown(),
        deliver: (events) => this.publish(events),
      },
      {
        standbyRetryMs: options.standbyRetryMs,
        errorRetryMs: options.backoff?.initialMs ?? 200,
        maxErrorRetryMs: options.backoff?.maxMs ?? 10_000,
        stuckAfterFailures: options.stuckAfterFailures,
        onStateChange: options.onStateChange,
        onError: (_name, e, failures) => {
          this.ready = false;
          this.lastError = e instanceof Error ? e.message : String(e);
          if (failures === 1) this.options.log?.('warn', 'relay failed; retrying from its checkpoint', { relay: this.name, error: this.lastError });
        },
      },
    );
  }

  status(): RelayStatus {
    const s = this.engine.status();
    return {
      name: this.name,
      state: s.phase === 'activating' ? 'connecting' : s.phase,
      ready: this.ready,
      position: s.position ? positionToString(s.position) : null,
      published: this.published,
      attempts: s.failures,
      lastError: this.lastError,
      lastPublishedAt: this.lastPublishedAt?.toISOString() ?? null,
    };
  }

  /** Starts in the background and returns at once: an unreachable broker never blocks the caller. */
  start(): void {
    void this.engine.start();
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    this.ready = false;
  }

  /** Resolves once the relay has published and checkpointed everything up to `target` (tests, benchmarks). */
  waitFor(target: LogPosition, timeoutMs = 30_000): Promise<void> {
    return this.engine.waitFor(target, timeoutMs);
  }

  private async connect(): Promise<void> {
    const kafka = this.options.kafka;
    this.admin = kafka.admin({ retry: { retries: 2 } });
    await this.admin.connect();
    await ensureTopics(this.admin, this.options.topics ?? TOPIC_SPECS);
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    await this.producer.connect();
    for (const f of this.folders) f.reset();
    this.ready = true;
    this.lastError = null;
    this.options.log?.('info', 'relay running', { relay: this.name });
    this.startProbe();
  }

  private async messagesFor(events: readonly RecordedEvent[]): Promise<OutboundMessage[]> {
    if (this.options.messagesFor) return this.options.messagesFor(events);
    const messages: OutboundMessage[] = [];
    for (const e of events) {
      const m = eventMessageOf(e, this.options.routes ?? ROUTES);
      if (m) messages.push(m);
    }
    for (const f of this.folders) messages.push(...(await f.messagesFor(events)));
    return messages;
  }

  private async publish(events: readonly RecordedEvent[]): Promise<void> {
    const messages = await this.messagesFor(events);
    if (messages.length) {
      // a large backlog (or large state messages) in one request would exceed the broker's limit and
      // be refused forever: send size-bounded chunks one after the other (per-key order holds)
      for (const chunk of chunkBySize(messages, this.options.maxRequestBytes ?? 512 * 1024)) {
        const byTopic = new Map<string, Message[]>();
        for (const m of chunk) {
          let list = byTopic.get(m.topic);
          if (!list) byTopic.set(m.topic, (list = []));
          list.push({ key: m.key, value: m.value, headers: m.headers });
        }
        await this.send(byTopic);
      }
      await this.options.afterSend?.(messages);
    }
    this.published += messages.length;
    if (messages.length) this.lastPublishedAt = new Date();
    this.ready = true;
  }

  /** One produce request, in a producer span (a child of the batch's span); counted by topic and outcome. */
  private send(byTopic: Map<string, Message[]>): Promise<void> {
    const attributes = { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.batch.message_count': [...byTopic.values()].reduce((n, m) => n + m.length, 0) };
    return inSpan('send', { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      span?.setAttribute('messaging.destination.name', [...byTopic.keys()].sort().join(','));
      const count = (outcome: 'sent' | 'failed') => {
        for (const [topic, msgs] of byTopic) this.options.onMessages?.(topic, outcome, msgs.length);
      };
      try {
        await this.producer!.sendBatch({
          acks: -1,
          timeout: this.options.sendTimeoutMs ?? 10_000,
          topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
        });
      } catch (e) {
        count('failed');
        throw e;
      }
      count('sent');
    });
  }

  /** Between batches nothing touches the broker, so a periodic metadata probe keeps `ready` honest. */
  private startProbe(): void {
    const every = this.options.probeIntervalMs ?? 5000;
    const probe = async () => {
      if (!this.admin) return;
      try {
        await this.admin.fetchTopicMetadata({ topics: [] });
        if (this.engine.status().phase === 'running') this.ready = true;
      } catch (e) {
        this.ready = false;
        this.lastError = `broker probe failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (this.probeTimer) this.probeTimer = setTimeout(probe, every);
    };
    this.probeTimer = setTimeout(probe, every);
  }

  private async teardown(): Promise<void> {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.ready = false;
    const p = this.producer;
    const a = this.admin;
    this.producer = null;
    this.admin = null;
    await p?.disconnect().catch(() => undefined);
    await a?.disconnect().catch(() => undefined);
  }
}

/** Approximate wire size of a message: key, value, header names and values, plus record overhead. */
export function messageBytes(m: Pick<OutboundMessage, 'key' | 'value' | 'headers'>): number {
  let n = 64 + Buffer.byteLength(m.key ?? '') + (m.value === null ? 0 : Buffer.byteLength(m.value));
  for (const [k, v] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  return n;
}

/** Splits messages, in order, into chunks of at most `maxBytes` (a single larger message goes alone). */
export function chunkBySize<M extends Pick<OutboundMessage, 'key' | 'value' | 'headers'>>(messages: readonly M[], maxBytes: number): M[][] {
  const chunks: M[][] = [];
  let current: M[] = [];
  let size = 0;
  for (const m of messages) {
    const b = messageBytes(m);
    if (current.length && size + b > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += b;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
