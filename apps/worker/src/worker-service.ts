/** A long-running service started and stopped with the worker (e.g. the Kafka relay). */
export interface WorkerService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For /health readiness. */
  status(): { ready: boolean; detail?: unknown };
}
