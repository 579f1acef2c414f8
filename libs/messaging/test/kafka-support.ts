import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { EventStore, NewEvent } from '@pl/eventstore';
import { brokersFromEnv, createKafka } from '@pl/messaging';

/** Kafka tests run against the real broker started by scripts/kafka/kafka-ci.sh; without KAFKA_BROKERS they are skipped, saying so. */
export const KAFKA_BROKERS = brokersFromEnv();

export function describeKafka(name: string, fn: () => void): void {
  if (KAFKA_BROKERS.length === 0) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED "${name}": KAFKA_BROKERS is not set (start a broker: bash scripts/kafka/kafka-ci.sh start; export KAFKA_BROKERS=127.0.0.1:19092)`);
    describe.skip(name, fn);
  } else {
    describe(name, fn);
  }
}

export function testKafka(clientId = 'pl-test'): Kafka {
  return createKafka({ brokers: KAFKA_BROKERS, clientId });
}

/** Topic names unique to one test, so that suites sharing the broker never see each other's messages. */
export function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

export function newEvent(type: string, data: Record<string, unknown>, extra: Partial<NewEvent['metadata']> = {}): NewEvent {
  const now = new Date().toISOString();
  return {
    type,
    data,
    metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'test', correlation_id: randomUUID(), causation_id: null, ...extra },
  };
}

export async function appendTo(store: EventStore, streamId: string, ...events: NewEvent[]) {
  return store.append(streamId, events, 'any');
}

export interface Consumed {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

export function decodeMessage(topic: string, partition: number, m: KafkaMessage): Consumed {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  return { topic, partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value ? m.value.toString() : null, headers };
}

/** The current end offsets of `topics`, to read only what a test produces after this point (shared broker). */
export type TopicMark = Map<string, Array<{ partition: number; offset: string }>>;

export async function markTopics(kafka: Kafka, topics: readonly string[]): Promise<TopicMark> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mark: TopicMark = new Map();
    for (const topic of topics) mark.set(topic, (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high })));
    return mark;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `topics` with a throwaway group until `until(all)` holds or the timeout passes: from the
 * beginning, or from a `mark` taken before the test produced anything.
 */
export async function consumeUntil(kafka: Kafka, topics: readonly string[], until: (all: Consumed[]) => boolean, timeoutMs = 30_000, mark?: TopicMark): Promise<Consumed[]> {
  const groupId = `test-${randomUUID()}`;
  if (mark) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const [topic, partitions] of mark) await admin.setOffsets({ groupId, topic, partitions });
    } finally {
      await admin.disconnect();
    }
  }
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const all: Consumed[] = [];
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${all.length} messages`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            all.push(decodeMessage(topic, partition, message));
            if (until(all)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return all;
}

/** A broker of its own (own ports and data dir) that a fault-injection test may stop and restart. */
export interface PrivateBroker {
  readonly brokers: string[];
  halt(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const { execFile } = await import('node:child_process');
  const { join } = await import('node:path');
  const script = join(__dirname, '../../../scripts/kafka/kafka-ci.sh');
  const [port, cport] = [await freePort(), await freePort()];
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(cport), KAFKA_WORK: `/tmp/kafka-private-${port}` };
  const run = (cmd: string) =>
    new Promise<void>((resolve, reject) =>
      execFile('bash', [script, cmd], { env, timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`kafka-ci.sh ${cmd} failed: ${stderr}`)) : resolve())),
    );
  await run('start');
  const { rm } = await import('node:fs/promises');
  return {
    brokers: [`127.0.0.1:${port}`],
    halt: () => run('halt'),
    resume: () => run('resume'),
    stop: async () => {
      await run('stop');
      await rm(env.KAFKA_WORK, { recursive: true, force: true });
    },
  };
}
