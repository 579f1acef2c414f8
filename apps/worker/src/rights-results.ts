import { randomUUID } from 'node:crypto';
import { asDomainEvent, handleCommand } from '@pl/application';
import { invalid, notFound } from '@pl/domain';
import { evolveRequest, initialRequestState, requestDecider, requestStreamId, type RightsEvent } from '@pl/domain/rights';
import type { EventCodec } from '@pl/application';
import type { EventStore } from '@pl/eventstore';
import { createKafka, RightsResultsConsumer, type RightsResultMessage } from '@pl/messaging';

/**
 * Records a system's answer from the results topic (or a webhook) on the request: the same decider
 * command as the HTTP route, so a repeated message changes nothing and a contradicting one is
 * refused (DomainError: the consumer dead-letters it). A system may only answer its own task.
 */
export function rightsResultRecorder(deps: { store: EventStore; codec: EventCodec; clock?: () => Date }) {
  return async (result: RightsResultMessage): Promise<void> => {
    const stream = requestStreamId(result.request_id);
    const { events } = await deps.store.readStream(stream);
    const state = events.reduce((s, e) => evolveRequest(s, asDomainEvent<RightsEvent>(e)), initialRequestState());
    const task = state.tasks[result.task_id];
    if (!task) throw notFound('task not found', { task_id: result.task_id });
    if (task.system_id !== result.system_id) throw invalid('a system may only answer its own task', { task_id: result.task_id });
    await handleCommand(
      deps.store,
      requestDecider,
      stream,
      {
        type: 'RecordTaskResult',
        taskId: result.task_id,
        outcome: result.outcome,
        recordsAffected: result.records_affected,
        reason: result.reason,
        data: result.data,
        now: deps.clock?.() ?? new Date(),
      },
      { actor: `service:${result.system_id}`, correlationId: randomUUID(), causationId: result.result_id, now: deps.clock?.() ?? new Date(), extra: { request_id: result.request_id, reported_at: result.reported_at } },
      { codec: deps.codec },
    );
  };
}

/** The worker service that consumes the results topic into the requests (started when Kafka is configured). */
export function rightsResultsService(
  infra: { store: EventStore; codec: EventCodec; config: { kafkaBrokers: readonly string[] } },
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
