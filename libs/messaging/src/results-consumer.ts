import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { UNSAFE_TEXT_MESSAGES, unsafeTextPath } from '@pl/domain';
import { HEADERS, TOPICS } from './topics';

export interface RightsResultMessage {
  readonly result_id: string;
  readonly request_id: string;
  readonly task_id: string;
  readonly system_id: string;
  readonly outcome: 'done' | 'no_data' | 'cannot_comply';
  readonly records_affected: number | null;
  readonly reason: string | null;
  readonly data: Record<string, unknown> | null;
  readonly reported_at: string;
}

const OUTCOMES = new Set(['done', 'no_data', 'cannot_comply']);

/** Parses and checks a results-topic message; returns the reason when it is malformed. */
export function parseResult(key: string | null, value: Buffer | null): { ok: true; result: RightsResultMessage } | { ok: false; reason: string } {
  if (!value) return { ok: false, reason: 'empty value' };
  let v: any;
  try {
    v = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'value is not a JSON object' };
  // invariant 10: the same refusal as at the HTTP edge (the reason names the field, never the value)
  const unsafe = unsafeTextPath(v);
  if (unsafe) return { ok: false, reason: `${unsafe.path} ${UNSAFE_TEXT_MESSAGES[unsafe.reason]}` };
  for (const f of ['request_id', 'task_id', 'system_id']) {
    if (typeof v[f] !== 'string' || !v[f] || v[f].length > 200) return { ok: false, reason: `${f} must be a non-empty string` };
  }
  if (!OUTCOMES.has(v.outcome)) return { ok: false, reason: `outcome must be one of ${[...OUTCOMES].join(', ')}` };
  if (v.records_affected != null && (!Number.isInteger(v.records_affected) || v.records_affected < 0)) return { ok: false, reason: 'records_affected must be a non-negative integer' };
  if (v.reason != null && typeof v.reason !== 'string') return { ok: false, reason: 'reason must be a string' };
  if (v.outcome === 'cannot_comply' && !v.reason) return { ok: false, reason: 'cannot_comply needs a reason' };
  if (v.data != null && (typeof v.data !== 'object' || Array.isArray(v.data))) return { ok: false, reason: 'data must be an object' };
  if (key !== v.system_id) return { ok: false, reason: 'message key must be the system_id' };
  return {
    ok: true,
    result: {
      result_id: typeof v.result_id === 'string' && v.result_id ? v.result_id : `${v.task_id}:${v.reported_at ?? ''}`,
      request_id: v.request_id,
      task_id: v.task_id,
      system_id: v.system_id,
      outcome: v.outcome,
      records_affected: v.records_affected ?? null,
      reason: v.reason ?? null,
      data: v.data ?? null,
      reported_at: typeof v.reported_at === 'string' ? v.reported_at : new Date().toISOString(),
    },
  };
}

export interface ResultsConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId?: string;
  /** Records the result (e.g. the rights command). A DomainError (it has a `code`) is permanent: dead-lettered; any other error is retried. */
  readonly onResult: (result: RightsResultMessage) => Promise<void>;
  readonly fromBeginning?: boolean;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Consumes the results topic. A malformed message, or one the ledger refuses, goes to the dead-letter
 * topic with the reason in a header and the original bytes as value; the consumer never crashes on it.
 */
export class RightsResultsConsumer {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private counts = { handled: 0, deadLettered: 0 };

  constructor(private readonly options: ResultsConsumerOptions) {}

  status() {
    return { running: this.consumer !== null, ...this.counts };
  }

  /** Resolves once the consumer has joined its group. */
  async start(): Promise<void> {
    const kafka = this.options.kafka;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    this.consumer = kafka.consumer({ groupId: this.options.groupId ?? 'privacy-ledger-results', maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: TOPICS.rightsResults, fromBeginning: this.options.fromBeginning ?? true });
    let joined: () => void = () => undefined;
    const isJoined = new Promise<void>((r) => (joined = r));
    const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({ eachMessage: ({ topic, partition, message }) => this.handle(topic, partition, message) });
    await isJoined;
    off();
  }

  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const key = message.key?.toString() ?? null;
    const parsed = parseResult(key, message.value);
    if (!parsed.ok) return this.deadLetter(topic, partition, message, parsed.reason);
    try {
      await this.options.onResult(parsed.result);
      this.counts.handled++;
    } catch (e) {
      if (typeof (e as { code?: unknown }).code === 'string' && (e as { name?: string }).name === 'DomainError') {
        return this.deadLetter(topic, partition, message, `refused: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string): Promise<void> {
    const headers: IHeaders = { ...(message.headers ?? {}) };
    headers[HEADERS.dlqSourceTopic] = topic;
    headers[HEADERS.dlqReason] = reason;
    headers['pl-dlq-source-partition'] = String(partition);
    headers['pl-dlq-source-offset'] = message.offset;
    await this.producer!.send({ topic: TOPICS.deadLetter, acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
    this.counts.deadLettered++;
    this.options.log?.('warn', 'result dead-lettered', { topic, partition, offset: message.offset, reason });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    this.consumer = null;
    this.producer = null;
  }
}
