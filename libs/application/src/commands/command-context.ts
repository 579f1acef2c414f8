import type { IdempotencyScope } from './idempotency';

/** Who and when, carried from the edge (HTTP, worker, CLI) into metadata. Never personal data. */
export interface CommandContext {
  /** `apikey:<id>`, `service:<name>`, `worker:<process>`, `cli:<command>`. */
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  /** The command's time; deciders receive it inside the command. */
  readonly now: Date;
  /** Extra PII-free metadata (e.g. request id, reason code). */
  readonly extra?: Record<string, unknown>;
  /** Set when the request carried an `Idempotency-Key`: handleCommand records and recognises its steps. */
  readonly idempotency?: IdempotencyScope;
}
