import {
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError, type ExpectedRevision } from '../port';

/**
 * The client's errors as the port's, each with its own meaning instead of a 500. `appending`: the
 * call was an append, so a deadline or a dropped connection leaves its outcome unknown (a follower
 * answering NotLeader wrote nothing).
 */
export function toPortError(e: unknown, streamId: string | null, appending: { expected: ExpectedRevision } | null): unknown {
  if (e instanceof WrongExpectedVersionError && streamId !== null && appending) {
    return new WrongExpectedRevisionError(streamId, appending.expected, typeof e.actualVersion === 'bigint' ? e.actualVersion : null);
  }
  if (e instanceof EsdbStreamDeletedError) return new StreamDeletedError(streamId ?? e.streamName);
  if (e instanceof MaxAppendSizeExceededError) return new AppendTooLargeError(streamId ?? '', typeof e.maxAppendSize === 'number' ? e.maxAppendSize : null);
  if (e instanceof NotLeaderError) return new EventStoreUnavailableError('not_leader', false);
  if (e instanceof DeadlineExceededError) return new EventStoreUnavailableError('deadline_exceeded', appending !== null);
  if (e instanceof UnavailableError) return new EventStoreUnavailableError('unavailable', appending !== null);
  return e;
}
