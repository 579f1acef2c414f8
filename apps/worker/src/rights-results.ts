import { recordSystemResult } from '@pl/application/rights';
import type { EventStore } from '@pl/eventstore';
import { createKafka, RightsResultsConsumer, type RightsResultMessage } from '@pl/messaging';

/** Adapter: a message of the results topic (or a webhook) -> the rights use case recording a system's answer. */
export function rightsResultRecorder(deps: { store: EventStore; clock?: () => Date }) {
  return (result: RightsResultMessage): Promise<void> => recordSystemResult(deps, result, deps.clock?.() ?? new Date());
}

/** The worker service that consumes the results topic into the requests (started when Kafka is configured). */
export function rightsResultsService(
  infra: { store: EventStore; config: { kafkaBrokers: readonly string[] } },
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void,
): { name: string; start(): Promise<void>; stop(): Promise<void>; status(): { ready: boolean; detail?: unknown } } {
  const consumer = new RightsResultsConsumer({
    kafka: createKafka({ brokers: infra.config.kafkaBrokers, clientId: 'privacy-ledger-rights-results' }),
    onResult: rightsResultRecorder(infra),
    log,
  });
  let started = false;
  return {
    name: 'rights_results',
    start: async () => {
      // never block the worker on an unreachable broker: join in the background
      void consumer.start().then(() => (started = true)).catch((e) => log?.('warn', 'rights results consumer failed to start', { error: (e as Error)?.message }));
    },
    stop: () => consumer.stop(),
    status: () => ({ ready: started, detail: consumer.status() }),
  };
}
