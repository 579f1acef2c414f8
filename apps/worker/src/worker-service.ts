/** A long-running service started and stopped with the worker (e.g. the Kafka relay). */
export interface WorkerService {
  readonly name: string;
  /** Checkpoint names of the log consumers it runs (a relay, a dispatcher): their lag is in /metrics, not in readiness. */
  readonly followers?: readonly string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For /health readiness. */
  status(): { ready: boolean; detail?: unknown };
}
