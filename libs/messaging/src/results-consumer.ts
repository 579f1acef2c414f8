import type { Kafka } from 'kafkajs';
import { DeadLetteringConsumer, jsonObjectOf } from './dead-lettering-consumer';
import { TOPICS } from './topics';

export interface RightsResultMessage {
  readonly result_id: string;
  readonly request_id: string;
  readonly task_id: string;
  readonly system_id: string;
  readonly outcome: 'done' | 'no_data' | 'cannot_comply';
  readonly records_affected: number | null;
  readonly reason: string | null;
  readonly data: Record<string, unknown> | null;
  readonly reported_at: string;
}

const OUTCOMES = new Set(['done', 'no_data', 'cannot_comply']);

/** Parses and checks a results-topic message; returns the reason when it is malformed. */
export function parseResult(key: string | null, value: Buffer | null): { ok: true; result: RightsResultMessage } | { ok: false; reason: string } {
  const json = jsonObjectOf(value);
  if (!json.ok) return json;
  const v = json.value;
  for (const f of ['request_id', 'task_id', 'system_id']) {
    if (typeof v[f] !== 'string' || !v[f] || v[f].length > 200) return { ok: false, reason: `${f} must be a non-empty string` };
  }
  if (!OUTCOMES.has(v.outcome)) return { ok: false, reason: `outcome must be one of ${[...OUTCOMES].join(', ')}` };
  if (v.records_affected != null && (!Number.isInteger(v.records_affected) || v.records_affected < 0)) return { ok: false, reason: 'records_affected must be a non-negative integer' };
  if (v.reason != null && typeof v.reason !== 'string') return { ok: false, reason: 'reason must be a string' };
  if (v.outcome === 'cannot_comply' && !v.reason) return { ok: false, reason: 'cannot_comply needs a reason' };
  if (v.data != null && (typeof v.data !== 'object' || Array.isArray(v.data))) return { ok: false, reason: 'data must be an object' };
  if (key !== v.system_id) return { ok: false, reason: 'message key must be the system_id' };
  return {
    ok: true,
    result: {
      result_id: typeof v.result_id === 'string' && v.result_id ? v.result_id : `${v.task_id}:${v.reported_at ?? ''}`,
      request_id: v.request_id,
      task_id: v.task_id,
      system_id: v.system_id,
      outcome: v.outcome,
      records_affected: v.records_affected ?? null,
      reason: v.reason ?? null,
      data: v.data ?? null,
      reported_at: typeof v.reported_at === 'string' ? v.reported_at : new Date().toISOString(),
    },
  };
}

export interface ResultsConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId?: string;
  /** Records the result (e.g. the rights command). A DomainError (it has a `code`) is permanent: dead-lettered; any other error is retried. */
  readonly onResult: (result: RightsResultMessage) => Promise<void>;
  readonly fromBeginning?: boolean;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Consumes the results topic. A malformed message, or one the ledger refuses, goes to the dead-letter
 * topic with the reason in a header and the original bytes as value; the consumer never crashes on it.
 */
export class RightsResultsConsumer {
  private readonly consumer: DeadLetteringConsumer<RightsResultMessage>;

  constructor(options: ResultsConsumerOptions) {
    this.consumer = new DeadLetteringConsumer({
      kafka: options.kafka,
      groupId: options.groupId ?? 'privacy-ledger-results',
      topics: [TOPICS.rightsResults],
      fromBeginning: options.fromBeginning ?? true,
      parse: (_topic, key, message) => {
        const r = parseResult(key, message.value);
        return r.ok ? { ok: true, value: r.result } : r;
      },
      handle: (result) => options.onResult(result),
      log: options.log,
    });
  }

  status() {
    return this.consumer.status();
  }

  /** Resolves once the consumer has joined its group. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
