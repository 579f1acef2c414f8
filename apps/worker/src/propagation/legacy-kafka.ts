import type { Logger } from 'pino';
import { legacyConsentIntake } from '@pl/application/consent';
import { createKafka, KafkaRelay, legacyConsentConsumer, legacyConsentMessages, LegacyWebhookDispatcher, LEGACY_CONSENT_TOPICS, LEGACY_TOPIC_SPECS } from '@pl/messaging';
import type { Infrastructure } from '../../../common/infrastructure';
import { processMetrics } from '../../../common/metrics';
import type { WorkerService } from '../worker-service';
import { relayReporting, reportFailure, reportStuck } from '../stuck-reporter';

/**
 * The earlier Node consent manager's topics (issue 16), each half opt-in: consuming its producers'
 * messages into the consent use cases, and publishing each consent fact in the legacy shape.
 * Both carry user ids in clear, so the start says so, once, without any id.
 */
export function legacyKafkaServices(infra: Infrastructure, log?: Logger): WorkerService[] {
  const { legacyKafka } = infra.config;
  if (!legacyKafka.consume && !legacyKafka.publish && !legacyKafka.webhooks) return [];
  log?.warn(
    { topics: Object.values(LEGACY_CONSENT_TOPICS), consume: legacyKafka.consume, publish: legacyKafka.publish, webhooks: legacyKafka.webhooks, group: legacyKafka.consume ? legacyKafka.groupId : undefined },
    'legacy consent interfaces enabled: the legacy Kafka topics (keys, userId headers, values) and legacy webhook bodies carry user ids in clear (not pseudonymised); the pseudonymous privacy-ledger.* topics and webhooks are published as before',
  );
  const services: WorkerService[] = [];
  // the config refuses consume/publish without KAFKA_BROKERS
  if (legacyKafka.consume) services.push(legacyConsumerService(infra, log));
  if (legacyKafka.publish) services.push(legacyPublisherService(infra, log));
  if (legacyKafka.webhooks) services.push(legacyWebhooksService(infra, log));
  return services;
}

function publishDeps(infra: Infrastructure, direction: 'published' | 'webhooks') {
  const metrics = processMetrics();
  return {
    decode: (events: Parameters<Infrastructure['codec']['decode']>[0]) => infra.codec.decode(events),
    readStream: (streamId: string) => infra.store.readStream(streamId),
    onSkipped: (reason: string) => metrics.legacyKafkaMessages.inc({ direction, outcome: `skipped_${reason}` }),
  };
}

function legacyWebhooksService(infra: Infrastructure, log?: Logger): WorkerService {
  const failed = reportFailure(log);
  const dispatcher = new LegacyWebhookDispatcher(infra.db, infra.store, publishDeps(infra, 'webhooks'), {
    onError: (e, failures) => failed(dispatcher.name, e, failures),
    onStateChange: reportStuck(log),
  });
  return {
    name: 'legacy_webhooks',
    followers: [dispatcher.name],
    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
    status: () => {
      const s = dispatcher.status();
      return { ready: s.stuck === null, detail: s };
    },
  };
}

/** A relay of its own (checkpoint `relay:kafka-legacy`): at-least-once, stuck state and backoff like the main relay. */
function legacyPublisherService(infra: Infrastructure, log?: Logger): WorkerService {
  const metrics = processMetrics();
  const relay = new KafkaRelay(infra.db, infra.store, {
    kafka: createKafka({ brokers: infra.config.kafkaBrokers, clientId: 'privacy-ledger-legacy-relay' }),
    name: 'relay:kafka-legacy',
    typePrefixes: ['consent.'],
    topics: LEGACY_TOPIC_SPECS,
    messagesFor: legacyConsentMessages(publishDeps(infra, 'published')),
    afterSend: (messages) => void metrics.legacyKafkaMessages.inc({ direction: 'published', outcome: 'sent' }, messages.length),
    ...relayReporting('relay:kafka-legacy', log),
  });
  return {
    name: 'legacy_kafka_relay',
    followers: [relay.name],
    start: async () => relay.start(),
    stop: () => relay.stop(),
    status: () => {
      const s = relay.status();
      return { ready: s.ready || s.state === 'standby', detail: s };
    },
  };
}

function legacyConsumerService(infra: Infrastructure, log?: Logger): WorkerService {
  const metrics = processMetrics();
  const consumer = legacyConsentConsumer({
    kafka: createKafka({ brokers: infra.config.kafkaBrokers, clientId: 'privacy-ledger-legacy-consent' }),
    groupId: infra.config.legacyKafka.groupId,
    handle: legacyConsentIntake(infra.app.consent),
    onOutcome: (outcome) => metrics.legacyKafkaMessages.inc({ direction: 'consumed', outcome }),
    log: (level, message, fields) => log?.[level](fields ?? {}, message),
  });
  let started = false;
  let startError: string | null = null;
  return {
    name: 'legacy_kafka_consumer',
    start: async () => {
      // never block the worker on an unreachable broker: join in the background
      void consumer
        .start()
        .then(() => (started = true))
        .catch((e) => {
          startError = (e as Error)?.name ?? 'error';
          log?.warn({ err_name: startError }, 'legacy consent consumer failed to start');
        });
    },
    stop: () => consumer.stop(),
    status: () => {
      const s = consumer.status();
      // a message failing again and again (not a bad message: those are dead-lettered) holds its partition
      return { ready: started && s.running && s.lastError === null, detail: { ...s, startError } };
    },
  };
}
