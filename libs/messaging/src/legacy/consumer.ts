import type { Kafka } from 'kafkajs';
import type { LegacyConsentMessage } from '@pl/application/consent/legacy';
import { DeadLetteringConsumer, type DeadLetteringConsumerOptions } from '../dead-lettering-consumer';
import { parseLegacyConsent } from './parse';
import { LEGACY_CONSENT_TOPICS, LEGACY_CONSUMER_GROUP, LEGACY_HEADERS, LEGACY_TOPIC_SPECS } from './topics';

export interface LegacyConsentConsumerOptions extends Pick<DeadLetteringConsumerOptions<LegacyConsentMessage>, 'log' | 'onOutcome' | 'fromBeginning'> {
  readonly kafka: Kafka;
  readonly groupId?: string;
  /** The consent use cases (libs/application/src/consent/legacy.ts `legacyConsentIntake`). */
  readonly handle: (message: LegacyConsentMessage) => Promise<void>;
}

/**
 * Consumes `consent.given|withdrawn|expired|updated` from the earlier Node consent manager's producers.
 * Their keys and `userId` header carry the user id in clear: a dead letter is keyed by its source
 * position instead and leaves that header behind (the value stays as received, for the operator).
 */
export function legacyConsentConsumer(options: LegacyConsentConsumerOptions): DeadLetteringConsumer<LegacyConsentMessage> {
  return new DeadLetteringConsumer<LegacyConsentMessage>({
    kafka: options.kafka,
    groupId: options.groupId ?? LEGACY_CONSUMER_GROUP,
    topics: Object.values(LEGACY_CONSENT_TOPICS),
    fromBeginning: options.fromBeginning,
    ensureTopics: LEGACY_TOPIC_SPECS,
    parse: (topic, key, message) => parseLegacyConsent(topic, key, message.value, message.headers),
    handle: (message) => options.handle(message),
    deadLetterKey: (topic, partition, message) => `${topic}/${partition}/${message.offset}`,
    dropHeaders: [LEGACY_HEADERS.userId],
    onOutcome: options.onOutcome,
    log: options.log,
  });
}
