import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { HEADERS, TOPICS, type EventEnvelope, type RightsTask, type RightsTaskResult } from './contract';
import { retryTransient, type StartRetryOptions } from './retry';

export interface RightsTaskOptions {
  readonly systemId: string;
  readonly brokers?: readonly string[];
  readonly kafka?: Kafka;
  /** Durable consumer group of the system (several instances share the work); default `pl-tasks-<systemId>`. */
  readonly groupId?: string;
  /** Called once per task (de-duplicated by event id within this process). Resolve to commit the offset; throw to get it again. */
  readonly onTask: (task: RightsTask, envelope: EventEnvelope<RightsTask>) => Promise<void>;
  readonly fromBeginning?: boolean;
  /** The tasks topic; default `TOPICS.rightsTasks`. */
  readonly topic?: string;
  /** Called for a message on the tasks topic that is not a well-formed task (it is skipped, never retried forever). */
  readonly onInvalid?: (reason: string, offset: string) => void;
  /** How long `start()` keeps retrying while the tasks topic is missing or has no leader yet (ms). Default 60 000. */
  readonly startTimeoutMs?: number;
  readonly startRetry?: StartRetryOptions;
  /** Called before each start retry (the tasks topic or its leader is not there yet, or the broker is unreachable). */
  readonly onStartRetry?: (attempt: number, error: Error) => void;
}

/** The reason a task envelope is unusable, or null when it is a well-formed task. */
export function invalidTaskReason(envelope: unknown): string | null {
  const data = (envelope as { data?: Partial<Record<keyof RightsTask, unknown>> } | null)?.data;
  if (!data || typeof data !== 'object') return 'no task data';
  for (const k of ['request_id', 'task_id', 'system_id', 'subject_key', 'request_type'] as const) {
    if (typeof data[k] !== 'string' || !data[k]) return `missing ${k}`;
  }
  if (!Array.isArray(data.categories) || !data.categories.every((c) => typeof c === 'string')) return 'categories must be a list of strings';
  return null;
}

/**
 * Consumes the rights tasks addressed to one system (tasks topic, key = system id) and reports
 * results on the results topic. Offsets are committed after `onTask` resolves: at-least-once, so
 * `onTask` should be idempotent per `task_id` and attempt.
 */
export class RightsTaskWorker {
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private readonly seen = new Set<string>();

  constructor(private readonly options: RightsTaskOptions) {
    if (!options.kafka && !options.brokers?.length) throw new Error('RightsTaskWorker needs brokers or a kafka client');
    this.kafka = options.kafka ?? new Kafka({ clientId: `privacy-ledger-sdk-${options.systemId}`, brokers: [...options.brokers!], logLevel: logLevel.NOTHING });
  }

  /**
   * Connects and starts consuming. A tasks topic that does not exist yet or has no leader yet (the
   * ledger's relay creates it when it starts) and an unreachable broker are retried with backoff
   * until `startTimeoutMs`; any other error rejects at once. The consumer never creates the topic
   * itself (the relay creates it with its partitions and retention).
   */
  async start(timeoutMs = this.options.startTimeoutMs ?? 60_000): Promise<void> {
    this.stopped = false;
    await retryTransient(() => this.connect(), {
      deadline: Date.now() + timeoutMs,
      cancelled: () => this.stopped,
      cleanup: () => this.disconnect(),
      onRetry: (n, e) => this.options.onStartRetry?.(n, e as Error),
    }, this.options.startRetry);
  }

  private stopped = false;

  private async connect(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({ groupId: this.options.groupId ?? `pl-tasks-${this.options.systemId}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic ?? TOPICS.rightsTasks, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== this.options.systemId || !message.value) return;
        if (message.headers?.[HEADERS.eventType]?.toString() !== 'rights.task_dispatched') return;
        const eventId = message.headers?.[HEADERS.eventId]?.toString();
        if (eventId && this.seen.has(eventId)) return;
        // A poison message must not block the system's queue: skip it and say why.
        let envelope: EventEnvelope<RightsTask>;
        try {
          envelope = JSON.parse(message.value.toString()) as EventEnvelope<RightsTask>;
        } catch {
          this.options.onInvalid?.('not JSON', message.offset);
          return;
        }
        const invalid = invalidTaskReason(envelope);
        if (invalid) {
          this.options.onInvalid?.(invalid, message.offset);
          return;
        }
        await this.options.onTask(envelope.data, envelope);
        if (eventId) {
          this.seen.add(eventId);
          if (this.seen.size > 100_000) this.seen.delete(this.seen.values().next().value as string);
        }
      },
    });
  }

  /** Reports a task's result (acks=all); the ledger records it on the request. */
  async report(result: Omit<RightsTaskResult, 'system_id' | 'reported_at'> & { reported_at?: string }): Promise<void> {
    if (!this.producer) throw new Error('start() the worker first');
    await sendResult(this.producer, { ...result, system_id: this.options.systemId, reported_at: result.reported_at ?? new Date().toISOString() });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    const c = this.consumer;
    const p = this.producer;
    this.consumer = null;
    this.producer = null;
    await c?.disconnect().catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  }
}

/** Publishes one result on the results topic, keyed by system id. */
export async function sendResult(producer: Producer, result: RightsTaskResult): Promise<void> {
  const resultId = result.result_id ?? randomUUID();
  await producer.send({
    topic: TOPICS.rightsResults,
    acks: -1,
    messages: [{
      key: result.system_id,
      value: JSON.stringify({ ...result, result_id: resultId }),
      headers: { [HEADERS.eventId]: resultId, [HEADERS.eventType]: 'rights.task_result', [HEADERS.schemaVersion]: '1', [HEADERS.contentType]: 'application/json' },
    }],
  });
}
