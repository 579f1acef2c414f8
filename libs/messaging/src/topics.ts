import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * Topic contracts (docs/propagation.md). Names are versioned: a breaking change of a message shape
 * gets a new topic (`.v2`) that is published side by side until consumers have moved.
 */
export const TOPICS = {
  consentEvents: 'privacy-ledger.consent.events.v1',
  consentState: 'privacy-ledger.consent.state.v1',
  rightsTasks: 'privacy-ledger.rights.tasks.v1',
  rightsResults: 'privacy-ledger.rights.results.v1',
  breachNotices: 'privacy-ledger.breach.notices.v1',
  deadLetter: 'privacy-ledger.dlq.v1',
  /** Every signed audit chain head, key `<key_id>:<seq>`: published outside the database (docs/audit.md). */
  auditHeads: 'privacy-ledger.audit.heads.v1',
  /** Privacy events from services (issue 16; JSON Schema libs/application/src/intake/privacy-event.schema.json): consumed by the worker. */
  privacyEvents: 'privacy-ledger.privacy.events.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Header names: PII-free identifiers only (ARCHITECTURE invariant 2). */
export const HEADERS = {
  eventId: 'pl-event-id',
  eventType: 'pl-event-type',
  schemaVersion: 'pl-schema-version',
  correlationId: 'pl-correlation-id',
  contentType: 'pl-content-type',
  /** W3C trace context of the event's append (optional: only events recorded while tracing was on carry it). */
  traceparent: 'traceparent',
  /** On dead letters: the topic the message came from and why it was rejected. */
  dlqSourceTopic: 'pl-dlq-source-topic',
  dlqReason: 'pl-dlq-reason',
} as const;

const DAY_MS = 24 * 3600 * 1000;

export interface TopicSpec extends ITopicConfig {
  readonly topic: string;
  readonly numPartitions: number;
}

/**
 * Partitions: per-subject order holds because every message of a subject carries the same key.
 * State topics are compacted (latest value per key survives, null = tombstone); the tombstone is kept
 * for `delete.retention.ms` so that consumers that are behind still see the deletion.
 */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { topic: TOPICS.consentEvents, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: String(30 * DAY_MS) }] },
  {
    topic: TOPICS.consentState,
    numPartitions: 6,
    configEntries: [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      { name: 'segment.ms', value: String(3600 * 1000) },
      { name: 'delete.retention.ms', value: String(DAY_MS) },
    ],
  },
  { topic: TOPICS.rightsTasks, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: String(90 * DAY_MS) }] },
  { topic: TOPICS.rightsResults, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: String(90 * DAY_MS) }] },
  { topic: TOPICS.breachNotices, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(90 * DAY_MS) }] },
  { topic: TOPICS.privacyEvents, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: String(7 * DAY_MS) }] },
  { topic: TOPICS.deadLetter, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(90 * DAY_MS) }] },
  // one key per head, so compaction keeps them all; one partition keeps them in signing order
  { topic: TOPICS.auditHeads, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
];

/** Creates the missing topics and waits for their leaders (kafkajs on KRaft needs them before use). Idempotent. */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[] = TOPIC_SPECS, replicationFactor = 1): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic)).map((s) => ({ ...s, replicationFactor: s.replicationFactor ?? replicationFactor }));
  if (missing.length) {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
    // waitForLeaders reads the controller's metadata; the broker may still answer "not the leader"
    // for a moment (seen on a fresh KRaft broker): wait until every partition answers an offset request
    await untilServed(admin, missing.map((s) => s.topic));
  }
  return missing.map((s) => s.topic);
}

async function untilServed(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const topic of topics) {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (e) {
        if (!(e as { retriable?: boolean }).retriable || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
