import type { LogPosition, RecordedEvent } from '@pl/domain';

/**
 * One use of an `Idempotency-Key` (issue 14, defect 2), carried in the CommandContext from the edge
 * to `handleCommand`. Every event appended under it carries `idempotency_claim` and
 * `idempotency_step` in its metadata, so a retry after a crash between the append and the stored
 * answer finds the facts already recorded in the stream and answers from them instead of deciding
 * again. The claim id is random per use of a key (a key reused after it expired is a new claim) and
 * says nothing about the key or the caller.
 */
export interface IdempotencyScope {
  readonly claim: string;
  /** Positions of the events appended, or found already appended, under this claim (in order). */
  readonly positions: LogPosition[];
  /** How many commands of each type this request has run on each stream: numbers its steps alike on every run. */
  readonly steps: Map<string, number>;
}

export const IDEMPOTENCY_CLAIM = 'idempotency_claim';
export const IDEMPOTENCY_STEP = 'idempotency_step';

export function newIdempotencyScope(claim: string): IdempotencyScope {
  return { claim, positions: [], steps: new Map() };
}

/** The next step of this request on `streamId` for a command of type `commandType`. */
export function nextIdempotencyStep(scope: IdempotencyScope, streamId: string, commandType: string): string {
  const slot = `${streamId}\u0000${commandType}`;
  const n = scope.steps.get(slot) ?? 0;
  scope.steps.set(slot, n + 1);
  return `${commandType}#${n}`;
}

/** The events of `history` recorded by an earlier run of the same step. */
export function recordedInStep(history: readonly RecordedEvent[], scope: IdempotencyScope, step: string): RecordedEvent[] {
  return history.filter((e) => e.metadata[IDEMPOTENCY_CLAIM] === scope.claim && e.metadata[IDEMPOTENCY_STEP] === step);
}
