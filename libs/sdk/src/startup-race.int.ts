import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { consent } from '@pl/domain';
import { HEADERS, LocalConsentClient, RemoteConsentClient, RightsTaskWorker, isTransientStartError, type RightsTask } from '@pl/sdk';
import { describeKafka, KAFKA_BROKERS, testKafka, uniqueSuffix } from '../../messaging/test/kafka-support';

/**
 * A service that starts before the ledger's relay has created its topics (or before the broker has
 * elected their leaders) must wait, not fail: the real broker, a topic created only after start().
 */
const S = 'sub_RACERACERACERACERACERACERACERACE';
const C = 'user.contact.email';
const P = 'marketing.communications.email';

function state(status: 'given' | 'withdrawn'): consent.ConsentSnapshot {
  let s = consent.evolve(consent.initialConsentState(), {
    type: 'consent.given',
    data: { consent_id: 'c1', subject_key: S, data_categories: [C], processing_purposes: [P], legal_basis: 'consent', consent_version: 'v1', given_at: new Date(Date.now() - 60_000).toISOString(), expires_at: { [P]: new Date(Date.now() + 3600_000).toISOString() }, renews: [], proof: null as any, consent_string: null, signal: null, extra: null },
  });
  if (status === 'withdrawn') {
    s = consent.evolve(s, { type: 'consent.withdrawn', data: { subject_key: S, withdrawn_at: new Date().toISOString(), data_categories: null, processing_purposes: null, affected: [{ category: C, purpose: P, consent_id: 'c1' }] } });
  }
  return consent.snapshotOf(s);
}

const stateMessage = (revision: number, status: 'given' | 'withdrawn') => {
  const eventId = randomUUID();
  return {
    key: S,
    value: JSON.stringify({ subject_key: S, event_id: eventId, event_type: `consent.${status}`, revision: String(revision), updated_at: new Date().toISOString(), state: state(status) }),
    headers: { [HEADERS.eventId]: eventId, [HEADERS.eventType]: `consent.${status}` },
  };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describeKafka('SDK start-up race: topics created after the SDK starts (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    kafka = testKafka('pl-sdk-race');
    admin = kafka.admin();
    await admin.connect();
  });
  // one producer per test: a kafkajs client keeps asking for the metadata of every topic it used, even a deleted one
  beforeEach(async () => {
    producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 10, initialRetryTime: 100 } });
    await producer.connect();
  });
  afterEach(async () => {
    await producer?.disconnect();
  });
  afterAll(async () => {
    await admin?.disconnect();
  });

  it('LocalConsentClient.start waits for a topic that does not exist yet, then hydrates and follows it', async () => {
    const topic = `pl-sdk-race-state-${uniqueSuffix()}`;
    const sdk = new LocalConsentClient({ brokers: KAFKA_BROKERS, topic, startTimeoutMs: 60_000, startRetry: { initialMs: 50, maxMs: 500 } });
    let settled: 'resolved' | Error | null = null;
    const started = sdk.start().then(() => (settled = 'resolved'), (e: Error) => (settled = e));
    try {
      await sleep(1500);
      // still waiting, not failed, and it did not create the topic itself (the relay creates it compacted)
      expect(settled).toBeNull();
      expect(sdk.ready).toBe(false);
      expect(sdk.status().startRetries).toBeGreaterThan(0);
      expect(await admin.listTopics()).not.toContain(topic);

      // created without waiting for leaders: the SDK may meet the leaderless window too
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: false });
      await producer.send({ topic, acks: -1, messages: [stateMessage(0, 'given')] });
      await started;
      expect(settled).toBe('resolved');
      expect(sdk.ready).toBe(true);
      await until(() => sdk.isAllowed(S, C, P), 20_000, 'the SDK to apply the grant');

      await producer.send({ topic, acks: -1, messages: [stateMessage(1, 'withdrawn')] });
      await until(() => !sdk.isAllowed(S, C, P), 20_000, 'the SDK to apply the withdrawal');
      expect(sdk.check(S, C, P).reason).toBe('consent_withdrawn');
      expect(sdk.status()).toMatchObject({ ready: true, applied: 2, lastError: null });
    } finally {
      await sdk.stop();
      await started;
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  }, 90_000);

  it('LocalConsentClient.start gives up at its deadline on a topic that never appears, naming the topic', async () => {
    const topic = `pl-sdk-race-missing-${uniqueSuffix()}`;
    const sdk = new LocalConsentClient({ brokers: KAFKA_BROKERS, topic, startRetry: { initialMs: 50, maxMs: 300 } });
    const t0 = Date.now();
    try {
      await expect(sdk.start(2000)).rejects.toThrow(new RegExp(`cannot read topic ${topic}`));
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(15_000);
      expect(sdk.status().startRetries).toBeGreaterThan(1);
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await sdk.stop();
    }
  }, 30_000);

  it('RightsTaskWorker.start waits for its tasks topic, then receives tasks', async () => {
    const topic = `pl-sdk-race-tasks-${uniqueSuffix()}`;
    const systemId = `race-${uniqueSuffix()}`;
    const got: RightsTask[] = [];
    let retries = 0;
    const worker = new RightsTaskWorker({
      brokers: KAFKA_BROKERS, systemId, topic, groupId: `pl-tasks-${systemId}`,
      startRetry: { initialMs: 50, maxMs: 500 },
      onStartRetry: () => retries++,
      onTask: async (task) => void got.push(task),
    });
    let settled: 'resolved' | Error | null = null;
    const started = worker.start(60_000).then(() => (settled = 'resolved'), (e: Error) => (settled = e));
    try {
      await sleep(1500);
      expect(settled).toBeNull();
      expect(retries).toBeGreaterThan(0);
      expect(await admin.listTopics()).not.toContain(topic);
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false });
      await started;
      expect(settled).toBe('resolved');
      const eventId = randomUUID();
      const task: RightsTask = {
        request_id: randomUUID(), task_id: randomUUID(), system_id: systemId, subject_key: S, request_type: 'erasure', jurisdiction: 'gdpr',
        categories: [C], retained: [], dispatched_at: new Date().toISOString(), due_at: new Date(Date.now() + 86_400_000).toISOString(), attempt: 1,
      };
      await producer.send({
        topic, acks: -1,
        messages: [{ key: systemId, value: JSON.stringify({ event_id: eventId, type: 'rights.task_dispatched', data: task }), headers: { [HEADERS.eventId]: eventId, [HEADERS.eventType]: 'rights.task_dispatched' } }],
      });
      await until(() => got.length === 1, 30_000, 'the task');
      expect(got[0].task_id).toBe(task.task_id);
    } finally {
      await worker.stop();
      await started;
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  }, 90_000);

  it('RemoteConsentClient.start (invalidation) waits for the events topic without creating it, then invalidates', async () => {
    const topic = `pl-sdk-race-events-${uniqueSuffix()}`;
    const remote = new RemoteConsentClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'unused', invalidation: { brokers: KAFKA_BROKERS, topic }, startRetry: { initialMs: 50, maxMs: 500 } });
    let settled: 'resolved' | Error | null = null;
    const started = remote.start(60_000).then(() => (settled = 'resolved'), (e: Error) => (settled = e));
    try {
      await sleep(1500);
      expect(settled).toBeNull();
      expect(remote.stats().startRetries).toBeGreaterThan(0);
      expect(await admin.listTopics()).not.toContain(topic);
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: false });
      await started;
      expect(settled).toBe('resolved');
      await producer.send({ topic, acks: -1, messages: [{ key: S, value: '{}', headers: { [HEADERS.eventId]: randomUUID(), [HEADERS.eventType]: 'consent.withdrawn' } }] });
      await until(() => remote.stats().invalidations === 1, 20_000, 'the invalidation');
    } finally {
      await remote.stop();
      await started;
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  }, 90_000);

  it('classifies start errors: not-yet conditions are transient, others are not', () => {
    expect(isTransientStartError({ name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION' })).toBe(true);
    expect(isTransientStartError({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION' } })).toBe(true);
    expect(isTransientStartError({ name: 'KafkaJSProtocolError', type: 'LEADER_NOT_AVAILABLE' })).toBe(true);
    expect(isTransientStartError({ name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' })).toBe(false);
    expect(isTransientStartError({ name: 'KafkaJSSASLAuthenticationError' })).toBe(false);
    expect(isTransientStartError(new Error('boom'))).toBe(false);
  });
});
