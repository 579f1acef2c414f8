import type { RecordedEvent } from '@pl/domain';
import type { AppendResult, EventStore, NewEvent } from '@pl/eventstore';
import type { CommandContext } from './command-context';
import { IDEMPOTENCY_CLAIM, IDEMPOTENCY_STEP, nextIdempotencyStep, recordedInStep } from './idempotency';

/**
 * An append outside handleCommand (expected revision `any`, e.g. receipts that never conflict) that a
 * rerun of the same keyed request does not repeat: under `ctx.idempotency` the events carry the
 * claim and the step, and a rerun finds them (`recorded`) instead of appending again.
 */
export async function appendUnderKey(
  store: EventStore,
  streamId: string,
  events: readonly NewEvent[],
  ctx: CommandContext,
  kind: string,
): Promise<{ appended: AppendResult; recorded: RecordedEvent[] | null }> {
  const scope = ctx.idempotency;
  if (!scope) return { appended: await store.append(streamId, events, 'any'), recorded: null };
  const step = nextIdempotencyStep(scope, streamId, kind);
  const recorded = recordedInStep((await store.readStream(streamId)).events, scope, step);
  if (recorded.length) {
    const last = recorded[recorded.length - 1];
    scope.positions.push(last.position);
    return { appended: { nextRevision: last.revision, position: last.position }, recorded };
  }
  const tagged = events.map((e) => ({ ...e, metadata: { ...e.metadata, [IDEMPOTENCY_CLAIM]: scope.claim, [IDEMPOTENCY_STEP]: step } }));
  const appended = await store.append(streamId, tagged, 'any');
  scope.positions.push(appended.position);
  return { appended, recorded: null };
}
