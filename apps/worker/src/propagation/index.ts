import type { Logger } from 'pino';
import { KafkaRelay, SecretBox, WebhookDeliverer, WebhookDispatcher, consentStateBinding, createKafka } from '@pl/messaging';
import type { Infrastructure } from '../../../common/infrastructure';
import { processMetrics } from '../../../common/metrics';
import type { WorkerService } from '../worker-service';
import { rightsResultsService } from '../rights-results';
import { privacyIntakeService } from '../privacy-intake';
import { relayReporting, reportFailure, reportStuck } from '../stuck-reporter';
import { auditSignerFor } from '@pl/audit';
import { readFileSync } from 'node:fs';
import { HeadPublisher } from '../audit-heads';
import { legacyKafkaServices } from './legacy-kafka';

/**
 * Propagation run by the worker: the Kafka relay (when KAFKA_BROKERS is set) and the webhook
 * outbox (always: the embedded default propagates by webhooks). Each reports readiness for /health.
 */
export function propagationServices(infra: Infrastructure, log?: Logger): WorkerService[] {
  const services: WorkerService[] = [];
  if (infra.config.kafkaBrokers.length) {
    const relay = new KafkaRelay(infra.db, infra.store, {
      kafka: createKafka({ brokers: infra.config.kafkaBrokers, clientId: 'privacy-ledger-relay', log: log ? (e) => (e.level === 'error' ? log.error(e, e.message) : undefined) : undefined }),
      stateTopics: [consentStateBinding],
      ...relayReporting('relay:kafka', log),
    });
    services.push({
      name: 'kafka_relay',
      followers: [relay.name],
      start: async () => relay.start(),
      stop: () => relay.stop(),
      status: () => {
        const s = relay.status();
        return { ready: s.ready || s.state === 'standby', detail: s };
      },
    });
    services.push(rightsResultsService(infra, (level, message, fields) => log?.[level](fields ?? {}, message)));
    services.push(privacyIntakeService(infra, (level, message, fields) => log?.[level](fields ?? {}, message)));
  }
  services.push(...legacyKafkaServices(infra, log));
  const failed = reportFailure(log);
  const dispatcher = new WebhookDispatcher(infra.db, infra.store, { onError: (e, failures) => failed(dispatcher.name, e, failures), onStateChange: reportStuck(log) });
  const deliverer = new WebhookDeliverer(infra.db, new SecretBox(infra.config.masterKey), {
    policy: infra.outbound,
    onAttempt: (outcome) => processMetrics().outboundCalls.inc({ caller: 'webhooks', outcome }),
    onResult: (outcome) => processMetrics().webhookDeliveries.inc({ outcome }),
    log: (level, message, fields) => log?.[level](fields ?? {}, message),
  });
  services.push({
    name: 'webhooks',
    followers: [dispatcher.name],
    start: async () => {
      await dispatcher.start();
      await deliverer.start();
    },
    stop: async () => {
      await deliverer.stop();
      await dispatcher.stop();
    },
    status: () => {
      const d = dispatcher.status();
      return { ready: d.stuck === null, detail: { dispatcher: d, deliverer: deliverer.status() } };
    },
  });
  const { config } = infra;
  services.push(
    new HeadPublisher(infra.db, auditSignerFor(config), {
      kafka: config.kafkaBrokers.length ? createKafka({ brokers: config.kafkaBrokers, clientId: 'privacy-ledger-audit-heads' }) : null,
      tsaUrl: config.auditTsaUrl,
      outbound: infra.outbound,
      tsaCaCertPem: config.auditTsaCaFile ? readFileSync(config.auditTsaCaFile, 'utf8') : null,
      metrics: processMetrics(),
      log: (level, message, fields) => log?.[level](fields ?? {}, message),
    }),
  );
  return services;
}
