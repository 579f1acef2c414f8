import { type Decider, type DomainEvent, type RecordedEvent } from '@pl/domain';
import { WrongExpectedRevisionError, type AppendResult, type EventStore, type NewEvent } from '@pl/eventstore';
import { eventMetadata, type CommandContext } from './command-context';
import { IDEMPOTENCY_CLAIM, IDEMPOTENCY_STEP, nextIdempotencyStep, recordedInStep } from './idempotency';
import { inSpan, SpanKind } from '../telemetry/tracing';

export interface HandleOptions {
  /** Re-read and re-decide this many times on a concurrency conflict before giving up. */
  readonly maxRetries?: number;
}

export interface HandleResult<E extends DomainEvent, S> {
  /**
   * Events the decider produced (the store encrypts their personal fields); empty when the command
   * changed nothing. Answered from an earlier run's recorded events: as stored.
   */
  readonly events: E[];
  /** The new state after the produced events. */
  readonly state: S;
  /** Null when nothing was appended. */
  readonly appended: AppendResult | null;
  /** Metadata of each appended event, in order (event ids for the caller). */
  readonly metadata: NewEvent['metadata'][];
  /** The step was recorded by an earlier run under the same idempotency claim: answered from the stream, nothing appended now. */
  readonly replayed?: true;
}

export class ConcurrencyRetriesExhaustedError extends Error {
  constructor(readonly streamId: string, readonly attempts: number) {
    super(`gave up after ${attempts} concurrent modifications of stream ${streamId}`);
    this.name = 'ConcurrencyRetriesExhaustedError';
  }
}

/**
 * The one generic command handler: read the stream, fold with evolve, decide, append with the
 * expected revision; on a conflict re-read and re-decide (never overwrite), a bounded number of times.
 * Under an Idempotency-Key (`ctx.idempotency`), a step whose events the stream already holds is not
 * decided again: the recorded events are the answer (a retry never records a fact twice).
 * The store encrypts the personal fields (ARCHITECTURE invariant 13): deciders fold the stored form
 * and must never depend on a personal field, so that a shredded subject still folds.
 */
export function handleCommand<C, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
  options: HandleOptions = {},
): Promise<HandleResult<E, S>> {
  // the stream's category only: the stream id holds a subject's pseudonym
  const attributes = { 'pl.command': commandTypeOf(command), 'pl.stream.category': categoryOf(streamId) };
  return inSpan(`command ${attributes['pl.command']}`, { kind: SpanKind.INTERNAL, attributes }, () => decideAndAppend(store, decider, streamId, command, ctx, options));
}

async function decideAndAppend<C, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
  options: HandleOptions,
): Promise<HandleResult<E, S>> {
  const maxRetries = options.maxRetries ?? 5;
  const scope = ctx.idempotency;
  const step = scope ? nextIdempotencyStep(scope, streamId, commandTypeOf(command)) : null;
  const tags = scope && step ? { [IDEMPOTENCY_CLAIM]: scope.claim, [IDEMPOTENCY_STEP]: step } : {};
  for (let attempt = 0; ; attempt++) {
    const { revision, events: history } = await store.readStream(streamId);
    const recorded = scope && step ? recordedInStep(history, scope, step) : [];
    if (recorded.length) {
      const r = alreadyRecorded(decider, history, recorded);
      scope!.positions.push(r.appended.position);
      return r;
    }
    const state = history.reduce((s, e) => decider.evolve(s, asDomainEvent<E>(e)), decider.initialState());
    const produced = decider.decide(command, state);
    const newState = produced.reduce(decider.evolve, state);
    if (produced.length === 0) return { events: [], state: newState, appended: null, metadata: [] };
    try {
      const { appended, toAppend } = await appendSpan(store, streamId, produced, revision, () => {
        const recordedAt = new Date().toISOString();
        // built inside the append span: its traceparent is what projections, the relay and Kafka continue
        return produced.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion ?? 1, data: e.data, metadata: eventMetadata(ctx, recordedAt, tags) }));
      });
      scope?.positions.push(appended.position);
      return { events: produced, state: newState, appended, metadata: toAppend.map((e) => e.metadata) };
    } catch (e) {
      if (!(e instanceof WrongExpectedRevisionError)) throw e;
      if (attempt >= maxRetries) throw new ConcurrencyRetriesExhaustedError(streamId, attempt + 1);
    }
  }
}

/** The answer of a step recorded by an earlier run: its events as stored, the state right after them. */
function alreadyRecorded<C, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  history: readonly RecordedEvent[],
  recorded: readonly RecordedEvent[],
): HandleResult<E, S> & { appended: AppendResult } {
  const last = recorded[recorded.length - 1];
  const state = history.filter((e) => e.revision <= last.revision).reduce((s, e) => decider.evolve(s, asDomainEvent<E>(e)), decider.initialState());
  return {
    events: recorded.map((e) => asDomainEvent<E>(e)),
    state,
    appended: { nextRevision: last.revision, position: last.position },
    metadata: recorded.map((e) => e.metadata),
    replayed: true,
  };
}

function appendSpan(
  store: EventStore,
  streamId: string,
  produced: readonly DomainEvent[],
  revision: bigint | null,
  build: () => NewEvent[],
): Promise<{ appended: AppendResult; toAppend: NewEvent[] }> {
  const attributes = { 'pl.stream.category': categoryOf(streamId), 'pl.events': produced.length, 'pl.event.types': [...new Set(produced.map((e) => e.type))] };
  return inSpan(`append ${attributes['pl.stream.category']}`, { kind: SpanKind.INTERNAL, attributes }, async () => {
    const toAppend = build();
    return { appended: await store.append(streamId, toAppend, revision ?? 'no_stream'), toAppend };
  });
}

/** `consent` of `consent-sub_...`: names the kind of stream, never whose. */
function categoryOf(streamId: string): string {
  const i = streamId.indexOf('-');
  return i > 0 ? streamId.slice(0, i) : 'stream';
}

function commandTypeOf(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'command';
}

export function asDomainEvent<E extends DomainEvent>(e: RecordedEvent): E {
  return { type: e.type, data: e.data, schemaVersion: e.schemaVersion } as unknown as E;
}
