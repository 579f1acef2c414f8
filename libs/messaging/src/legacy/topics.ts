import { LEGACY_CONSENT_TOPICS } from '@pl/application/consent/legacy';
import type { TopicSpec } from '../topics';

export { LEGACY_CONSENT_TOPICS };

/** Header names of the earlier Node consent manager, plus the ledger's mark on messages it published itself. */
export const LEGACY_HEADERS = {
  eventType: 'eventType',
  /** A clear user id: legacy topics only (README, "Legacy Kafka topics"). */
  userId: 'userId',
  timestamp: 'timestamp',
  urgency: 'urgency',
  origin: 'pl-origin',
} as const;

export const LEGACY_ORIGIN = 'privacy-ledger';

/** The consumer group of the earlier consent processing (LEGACY_KAFKA_GROUP_ID overrides it). */
export const LEGACY_CONSUMER_GROUP = 'consent-processing';

/** Created only when missing (a deployment that switches over already has them, with its own settings). */
export const LEGACY_TOPIC_SPECS: readonly TopicSpec[] = Object.values(LEGACY_CONSENT_TOPICS).map((topic) => ({ topic, numPartitions: 6 }));
