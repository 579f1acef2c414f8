import type { Kafka, KafkaConfig, LogEntry, logLevel } from 'kafkajs';

/**
 * kafkajs is loaded on first use: the embedded default (no KAFKA_BROKERS) never creates a client, and
 * loading it costs an idle process ~1.5 MiB of heap (docs/benchmarks.md, issue 14: idle memory).
 */
const kafkajs = (): typeof import('kafkajs') => require('kafkajs');

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** kafkajs log level; default ERROR (connection errors while the broker is down are expected and reported by our status instead). */
  readonly logLevel?: logLevel;
  readonly log?: (entry: { level: string; message: string; [k: string]: unknown }) => void;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Client-level retry of connections and requests (kafkajs `retry`). */
  readonly retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
}

export function createKafka(options: KafkaClientOptions): Kafka {
  const { Kafka, logLevel } = kafkajs();
  const levelNames: Record<number, string> = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' };
  const sink = options.log;
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000, ...options.retry },
    logLevel: options.logLevel ?? (sink ? logLevel.WARN : logLevel.NOTHING),
    logCreator: () => (entry: LogEntry) => {
      if (!sink) return;
      const { message, ...rest } = entry.log;
      if (/Limiting retries for the idempotent producer|switched default partitioner/.test(message)) return;
      sink({ ...rest, level: levelNames[entry.level] ?? 'info', message: `kafkajs ${entry.namespace}: ${message}` });
    },
  };
  return new Kafka(config);
}

export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
