import type { Consumer, ConsumerConfig, ConsumerRunConfig, IHeaders, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { UNSAFE_TEXT_MESSAGES, unsafeTextPath } from '@pl/domain';
import { ensureTopics, HEADERS, TOPICS, TOPIC_SPECS, type TopicSpec } from './topics';

/** What `parse` makes of a message: a value to handle, a reason to dead-letter it, or nothing to do. */
export type Parsed<M> = { ok: true; value: M } | { ok: false; reason: string } | { ok: 'skip' };

/**
 * A message value as a JSON object, or why not. Invariant 10: the same refusal of NUL, lone
 * surrogates and noncharacters as at the HTTP edge; the reason names the field, never the value.
 */
export function jsonObjectOf(value: Buffer | null): { ok: true; value: any } | { ok: false; reason: string } {
  if (!value) return { ok: false, reason: 'empty value' };
  const text = value.toString('utf8');
  let v: any;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'value is not a JSON object' };
  // one scan of the message text instead of a walk over every string and key of the parsed value
  // (the walk then runs only when the text may hold unsafe text: see textIsClean)
  if (textIsClean(text)) return { ok: true, value: v };
  const unsafe = unsafeTextPath(v);
  if (unsafe) return { ok: false, reason: `${unsafe.path} ${UNSAFE_TEXT_MESSAGES[unsafe.reason]}` };
  return { ok: true, value: v };
}

/**
 * True when no string or key of the JSON `text` (decoded from UTF-8 bytes) can be unsafe text, so
 * `unsafeTextPath` of its parsed value would find nothing: JSON.parse refuses a raw NUL (a control
 * character) in a string; UTF-8 decoding (Buffer#toString) turns an encoded surrogate into U+FFFD,
 * so NUL and lone surrogates can only arrive as `\u` escapes; noncharacters arrive raw or as `\u`
 * escapes. Text with any `\u` or a raw noncharacter is not judged here (false: walk the value).
 */
export function textIsClean(text: string): boolean {
  return !MAY_HOLD_UNSAFE_TEXT.test(text);
}
const MAY_HOLD_UNSAFE_TEXT = /\\u|[\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/** A consumer group joined with its own idempotent producer for dead letters (both dead-lettering consumers). */
export interface DeadLetterGroup {
  readonly consumer: Consumer;
  readonly producer: Producer;
}

/**
 * Creates the topics (and the dead-letter topic) when missing, connects an idempotent producer for
 * dead letters and a consumer of `topics`, runs it and resolves once it has joined its group.
 */
export async function joinWithDeadLetters(
  kafka: Kafka,
  options: { readonly consumer: ConsumerConfig; readonly topics: readonly string[]; readonly fromBeginning: boolean; readonly ensureTopics?: readonly TopicSpec[]; readonly run: ConsumerRunConfig },
): Promise<DeadLetterGroup> {
  if (options.ensureTopics) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [...options.ensureTopics, ...TOPIC_SPECS.filter((t) => t.topic === TOPICS.deadLetter)]);
    } finally {
      await admin.disconnect();
    }
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const consumer = kafka.consumer(options.consumer);
  await consumer.connect();
  for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
  let joined: () => void = () => undefined;
  const isJoined = new Promise<void>((r) => (joined = r));
  const off = consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run(options.run);
  await isJoined;
  off();
  return { consumer, producer };
}

/** A dead letter: the original bytes as value, the reason and the source (topic, partition, offset) in headers. */
export function deadLetterOf(topic: string, partition: number, message: KafkaMessage, reason: string, kept: { readonly key: Message['key']; readonly headers?: IHeaders }): Message {
  return {
    key: kept.key,
    value: message.value,
    headers: { ...(kept.headers ?? {}), [HEADERS.dlqSourceTopic]: topic, [HEADERS.dlqReason]: reason, 'pl-dlq-source-partition': String(partition), 'pl-dlq-source-offset': message.offset },
  };
}

/** Disconnects both; never throws. */
export async function leaveGroup(group: DeadLetterGroup | null): Promise<void> {
  await group?.consumer.disconnect().catch(() => undefined);
  await group?.producer.disconnect().catch(() => undefined);
}

export interface DeadLetteringConsumerOptions<M> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning?: boolean;
  /** Checks a message; the reason names the field, never a value (it travels in a header). */
  readonly parse: (topic: string, key: string | null, message: KafkaMessage) => Parsed<M>;
  /** A DomainError (it has a string `code`) is permanent: dead-lettered as `refused: <message>`; any other error is retried. */
  readonly handle: (value: M, topic: string) => Promise<void>;
  /** The dead letter's key (default: the original key). Return a PII-free key when the original one is not. */
  readonly deadLetterKey?: (topic: string, partition: number, message: KafkaMessage) => string | Buffer | null;
  /** Original headers the dead letter must not carry (compared lower-case), e.g. a clear user id. */
  readonly dropHeaders?: readonly string[];
  /** Topics created when missing before joining (the dead-letter topic is added). */
  readonly ensureTopics?: readonly TopicSpec[];
  /** Every message's outcome (a metric). */
  readonly onOutcome?: (outcome: 'handled' | 'skipped' | 'dead_lettered' | 'failed') => void;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * A consumer group that never crashes on a bad message: a malformed message, or one the ledger
 * refuses, goes to the dead-letter topic with the reason and its source in headers and the original
 * bytes as value; any other failure is thrown, so kafkajs retries the message (handlers are idempotent).
 */
export class DeadLetteringConsumer<M> {
  private group: DeadLetterGroup | null = null;
  private readonly counts = { handled: 0, skipped: 0, deadLettered: 0, failures: 0 };
  private lastError: string | null = null;

  constructor(private readonly options: DeadLetteringConsumerOptions<M>) {}

  status() {
    return { running: this.group !== null, ...this.counts, lastError: this.lastError };
  }

  /** Resolves once the consumer has joined its group. */
  async start(): Promise<void> {
    const { kafka, groupId, topics, fromBeginning, ensureTopics: ensure } = this.options;
    this.group = await joinWithDeadLetters(kafka, {
      consumer: { groupId, maxWaitTimeInMs: 100 },
      topics,
      fromBeginning: fromBeginning ?? true,
      ensureTopics: ensure,
      run: { eachMessage: ({ topic, partition, message }) => this.onMessage(topic, partition, message) },
    });
  }

  private async onMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const parsed = this.options.parse(topic, message.key?.toString() ?? null, message);
    if (parsed.ok === 'skip') {
      this.counts.skipped++;
      this.options.onOutcome?.('skipped');
      return;
    }
    if (!parsed.ok) return this.deadLetter(topic, partition, message, parsed.reason);
    try {
      await this.options.handle(parsed.value, topic);
      this.counts.handled++;
      this.options.onOutcome?.('handled');
      this.lastError = null;
    } catch (e) {
      if (typeof (e as { code?: unknown }).code === 'string' && (e as { name?: string }).name === 'DomainError') {
        return this.deadLetter(topic, partition, message, `refused: ${(e as Error).message}`);
      }
      this.counts.failures++;
      this.options.onOutcome?.('failed');
      this.lastError = e instanceof Error ? e.name : 'error';
      throw e;
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string): Promise<void> {
    const drop = new Set((this.options.dropHeaders ?? []).map((h) => h.toLowerCase()));
    const headers: IHeaders = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([k]) => !drop.has(k.toLowerCase())));
    const key = this.options.deadLetterKey ? this.options.deadLetterKey(topic, partition, message) : message.key;
    await this.group!.producer.send({ topic: TOPICS.deadLetter, acks: -1, messages: [deadLetterOf(topic, partition, message, reason, { key, headers })] });
    this.counts.deadLettered++;
    this.options.onOutcome?.('dead_lettered');
    this.options.log?.('warn', 'message dead-lettered', { topic, partition, offset: message.offset, reason });
  }

  async stop(): Promise<void> {
    await leaveGroup(this.group);
    this.group = null;
  }
}
