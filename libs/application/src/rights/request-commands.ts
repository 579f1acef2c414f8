import { notFound, type RecordedEvent } from '@pl/domain';
import { evolveRequest, initialRequestState, requestDecider, requestStreamId, type RequestState, type RightsCommand, type RightsEvent } from '@pl/domain/rights';
import { asDomainEvent, handleCommand, type HandleResult } from '../commands/handle-command';
import type { CommandContext } from '../commands/command-context';
import type { AppDeps } from '../core/app-deps';

export type RightsResult = HandleResult<RightsEvent, RequestState>;

/** The read model the status route reads (projections/rights). */
export const RIGHTS_READ_MODEL = 'rights';
/** Requests are not on the hot path: wait longer for the read model than validate does. */
export const RIGHTS_WAIT_MS = 15_000;

/** What a request command needs: the store (it encrypts the personal fields), and for HTTP callers read-your-writes. */
export interface RequestCommandDeps {
  readonly store: AppDeps['store'];
  readonly readYourWrites?: AppDeps['readYourWrites'];
}

/**
 * One request command: read the request's stream, decide, append with the expected revision; with
 * `readYourWrites` (HTTP callers) it resolves once rm_rights has the appended events (invariant 7).
 */
export async function runRequestCommand(
  deps: RequestCommandDeps,
  requestId: string,
  command: RightsCommand,
  ctx: CommandContext,
  options: { readYourWrites?: boolean } = {},
): Promise<RightsResult> {
  const r = await handleCommand(deps.store, requestDecider, requestStreamId(requestId), command, { ...ctx, extra: { ...(ctx.extra ?? {}), request_id: requestId } });
  if (r.appended && options.readYourWrites !== false && deps.readYourWrites) await deps.readYourWrites(RIGHTS_READ_MODEL, r.appended.position, RIGHTS_WAIT_MS);
  return r;
}

export const foldRequest = (events: readonly RecordedEvent[]): RequestState =>
  events.reduce((s, e) => evolveRequest(s, asDomainEvent<RightsEvent>(e)), initialRequestState());

/** The request folded from its stream; 404 when there is none. */
export async function loadRequest(deps: Pick<AppDeps, 'store'>, requestId: string): Promise<RequestState> {
  const state = foldRequest((await deps.store.readStream(requestStreamId(requestId))).events);
  if (state.status === 'none') throw notFound('request not found');
  return state;
}
