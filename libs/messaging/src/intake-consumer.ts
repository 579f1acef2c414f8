import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { errorClassOf } from '@pl/application';
import { deadLetterOf, joinWithDeadLetters, leaveGroup, type DeadLetterGroup } from './dead-lettering-consumer';
import { TOPICS, TOPIC_SPECS } from './topics';

export type IntakeParse<T> = (value: Buffer | null) => { ok: true; event: T } | { ok: false; reason: string };

export interface IntakeConsumerOptions<T> {
  readonly kafka: Kafka;
  /** Default `privacy-ledger-intake`. */
  readonly groupId?: string;
  /** Default TOPICS.privacyEvents. */
  readonly topic?: string;
  readonly fromBeginning?: boolean;
  /**
   * Fetched partition batches recorded side by side (default 3): one batch's events are parsed and
   * encrypted while another's append runs in the database. Each batch still commits its own offsets
   * after its own append.
   */
  readonly concurrency?: number;
  /** Checks one message (the reason names the field, never the value). */
  readonly parse: IntakeParse<T>;
  /**
   * Records the well-formed events of one fetched batch at once (one append for the processing
   * events); answers per event null (recorded or collapsed) or the reason the ledger refused it
   * (dead-lettered). Throwing leaves the batch uncommitted: it is delivered again and nothing in it
   * is recorded twice.
   */
  readonly record: (events: T[]) => Promise<Array<string | null>>;
  /** Called per batch with what happened to its messages. */
  readonly onOutcomes?: (counts: { handled: number; deadLettered: number }) => void;
  /** A batch failed (`failures` in a row) or the consumer recovered (`failures` 0). */
  readonly onFailureChange?: (failures: number, error: unknown) => void;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/** After this many failed batches in a row the consumer reports itself not ready (/health, metric). */
export const INTAKE_STUCK_AFTER = 3;

/**
 * Consumes the privacy-event intake topic a fetched batch at a time: every message is checked, the
 * malformed ones and those the ledger refuses go to the dead-letter topic with the reason in a header
 * (the original bytes as value, no key: a producer's key may name the subject), the rest are recorded
 * in one call, and only then are the offsets committed. Nothing is lost: a batch that fails is
 * retried from its first uncommitted offset, and repeats are collapsed by the ledger.
 */
export class PrivacyIntakeConsumer<T> {
  private group: DeadLetterGroup | null = null;
  private counts = { handled: 0, deadLettered: 0, batches: 0 };
  private failures = 0;
  private lastErrorClass: string | null = null;
  private joined = false;

  constructor(private readonly options: IntakeConsumerOptions<T>) {}

  get topic(): string {
    return this.options.topic ?? TOPICS.privacyEvents;
  }

  status() {
    return { running: this.group !== null, joined: this.joined, ...this.counts, failures: this.failures, stuck: this.failures >= INTAKE_STUCK_AFTER, last_error_class: this.lastErrorClass };
  }

  /** Resolves once the consumer has joined its group. */
  async start(): Promise<void> {
    const spec = TOPIC_SPECS.find((s) => s.topic === TOPICS.privacyEvents)!;
    this.group = await joinWithDeadLetters(this.options.kafka, {
      // a fetch may bring every partition's 4 MiB (kafkajs caps a fetch at 10 MiB by default)
      consumer: { groupId: this.options.groupId ?? 'privacy-ledger-intake', maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 },
      topics: [this.topic],
      fromBeginning: this.options.fromBeginning ?? true,
      ensureTopics: [{ ...spec, topic: this.topic as typeof spec.topic }],
      run: { eachBatchAutoResolve: false, partitionsConsumedConcurrently: this.options.concurrency ?? 3, eachBatch: (payload) => this.batch(payload) },
    });
    this.joined = true;
  }

  private async batch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    if (!batch.messages.length) return;
    try {
      const good: Array<{ message: KafkaMessage; event: T }> = [];
      const dead: Array<{ message: KafkaMessage; reason: string }> = [];
      for (const message of batch.messages) {
        const parsed = this.options.parse(message.value);
        if (parsed.ok) good.push({ message, event: parsed.event });
        else dead.push({ message, reason: parsed.reason });
      }
      const refusals = good.length ? await this.options.record(good.map((g) => g.event)) : [];
      refusals.forEach((reason, i) => reason !== null && dead.push({ message: good[i].message, reason: `refused: ${reason}` }));
      await this.deadLetter(batch.topic, batch.partition, dead);
      resolveOffset(batch.messages[batch.messages.length - 1].offset);
      await commitOffsetsIfNecessary();
      // recorded and committed: counted now, before the heartbeat (one that finds the group rebalancing
      // throws, kafkajs rejoins and the batch is not delivered again, so it would never be counted)
      this.counts.batches++;
      this.counts.handled += batch.messages.length - dead.length;
      this.counts.deadLettered += dead.length;
      this.options.onOutcomes?.({ handled: batch.messages.length - dead.length, deadLettered: dead.length });
      if (this.failures) {
        this.failures = 0;
        this.lastErrorClass = null;
        this.options.onFailureChange?.(0, null);
      }
    } catch (e) {
      this.failures++;
      this.lastErrorClass = errorClassOf(e);
      this.options.onFailureChange?.(this.failures, e);
      throw e;
    }
    await heartbeat();
  }

  private async deadLetter(topic: string, partition: number, dead: ReadonlyArray<{ message: KafkaMessage; reason: string }>): Promise<void> {
    if (!dead.length) return;
    // no key: a producer's key may name the subject
    const messages = dead.map(({ message, reason }) => deadLetterOf(topic, partition, message, reason, { key: null }));
    await this.group!.producer.send({ topic: TOPICS.deadLetter, acks: -1, messages });
    for (const { message, reason } of dead) this.options.log?.('warn', 'privacy event dead-lettered', { topic, partition, offset: message.offset, reason });
  }

  async stop(): Promise<void> {
    await leaveGroup(this.group);
    this.group = null;
    this.joined = false;
  }
}
