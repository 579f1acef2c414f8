import { randomUUID } from 'node:crypto';
import { parsePrivacyEvent, type IntakeUseCases } from '@pl/application/intake';
import type { intake } from '@pl/domain';
import { createKafka, jsonObjectOf, PrivacyIntakeConsumer, type IntakeParse } from '@pl/messaging';
import { processMetrics } from '../../common/metrics';
import type { WorkerService } from './worker-service';

/** A topic message's bytes -> a privacy event checked against the JSON Schema (the same check as POST /privacy/events). */
export const parsePrivacyEventMessage: IntakeParse<intake.PrivacyEvent> = (value) => {
  // jsonObjectOf refuses unsafe text anywhere in the message (invariant 10): not checked twice
  const json = jsonObjectOf(value);
  if (!json.ok) return json;
  const parsed = parsePrivacyEvent(json.value, { textChecked: true });
  return parsed.ok ? parsed : { ok: false, reason: parsed.reason };
};

/** Adapter: one fetched batch of the intake topic -> the intake use case; the refusals' reasons for the dead-letter topic. */
export function privacyEventRecorder(app: { intake: IntakeUseCases }, clock: () => Date = () => new Date()) {
  return async (events: intake.PrivacyEvent[]): Promise<Array<string | null>> => {
    const results = await app.intake.record(events, { actor: 'worker:privacy-intake', correlationId: randomUUID(), now: clock() });
    const metrics = processMetrics();
    for (const r of results) metrics.privacyEvents.inc({ path: 'topic', outcome: r.outcome === 'refused' ? 'dead_lettered' : r.outcome });
    return results.map((r) => (r.outcome === 'refused' ? (r.reason ?? 'refused') : null));
  };
}

/** The worker service consuming the intake topic (started when Kafka is configured); not ready while its batches keep failing. */
export function privacyIntakeService(
  infra: { app: { intake: IntakeUseCases }; config: { kafkaBrokers: readonly string[] } },
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void,
  options: { groupId?: string; topic?: string } = {},
): WorkerService & { consumer: PrivacyIntakeConsumer<intake.PrivacyEvent> } {
  const metrics = processMetrics();
  const consumer = new PrivacyIntakeConsumer<intake.PrivacyEvent>({
    kafka: createKafka({ brokers: infra.config.kafkaBrokers, clientId: 'privacy-ledger-intake' }),
    ...options,
    parse: (value) => {
      const r = parsePrivacyEventMessage(value);
      if (!r.ok) metrics.privacyEvents.inc({ path: 'topic', outcome: 'dead_lettered' });
      return r;
    },
    record: privacyEventRecorder(infra.app),
    onFailureChange: (failures, error) => {
      metrics.privacyIntakeFailing.set(failures ? 1 : 0);
      // one line when a run of failures starts and one on recovery, not one per retry (invariant 11)
      if (failures === 1) log?.('error', 'privacy intake batch failed; retrying', { error_class: (error as Error)?.name ?? 'Error' });
      if (failures === 0) log?.('info', 'privacy intake recovered');
    },
    log: (level, message, fields) => log?.(level, message, fields),
  });
  return {
    name: 'privacy_intake',
    consumer,
    start: async () => {
      metrics.privacyIntakeFailing.set(0);
      // never block the worker on an unreachable broker: join in the background
      void consumer.start().catch((e) => log?.('warn', 'privacy intake consumer failed to start', { error_class: (e as Error)?.name }));
    },
    stop: () => consumer.stop(),
    status: () => {
      const s = consumer.status();
      return { ready: s.joined && !s.stuck, detail: s };
    },
  };
}
