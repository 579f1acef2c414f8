import { randomUUID } from 'node:crypto';
import { taxonomyStamp, type EventMetadata } from '@pl/domain';
import type { IdempotencyScope } from './idempotency';
import { currentTraceparent } from '../telemetry/tracing';

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

/**
 * The metadata of an event appended for `ctx`: its extras and `tags` first (they never override),
 * then id, times, actor, correlation, the taxonomy its keys belong to (today's: every event the
 * application makes now), and the active span's W3C `traceparent` when tracing is on.
 */
export function eventMetadata(ctx: CommandContext, recordedAt: string, tags: Record<string, unknown> = {}): EventMetadata {
  const traceparent = currentTraceparent();
  return {
    ...(ctx.extra ?? {}),
    ...tags,
    event_id: randomUUID(),
    occurred_at: ctx.now.toISOString(),
    recorded_at: recordedAt,
    actor: ctx.actor,
    correlation_id: ctx.correlationId,
    causation_id: ctx.causationId ?? null,
    ...taxonomyStamp(),
    ...(traceparent ? { traceparent } : {}),
  };
}
