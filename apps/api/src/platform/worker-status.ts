/** What the API can see of an in-process worker (null when the worker runs in another process). */
export interface WorkerStatusSource {
  projections(): Array<{ name: string; active: boolean; lastError: string | null; failures: number; stuck: { since: string; errorClass: string } | null }>;
  services(): Array<{ name: string; ready: boolean; detail?: unknown }>;
  /** Checkpoint names of the other log consumers (relays, webhook dispatchers): lag gauges only. */
  followers?(): string[];
}
