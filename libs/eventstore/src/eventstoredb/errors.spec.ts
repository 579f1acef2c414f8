import { Metadata, status } from '@grpc/grpc-js';
import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '../port';
import { toPortError } from './errors';

/** The client's own error classes, built as the client builds them (no server needed). */
describe('EventStoreDB errors as port errors (defect 4)', () => {
  const appending = { expected: 2n } as const;

  it('a wrong expected version is the port conflict with the actual revision, or none when the stream is missing', () => {
    const e = toPortError(new WrongExpectedVersionError(undefined, { streamName: 's-1', current: 5n, expected: 2n }), 's-1', appending);
    expect(e).toBeInstanceOf(WrongExpectedRevisionError);
    expect(e).toMatchObject({ streamId: 's-1', expected: 2n, actual: 5n });
    const missing = toPortError(new WrongExpectedVersionError(undefined, { streamName: 's-1', current: 'no_stream', expected: 2n }), 's-1', appending);
    expect(missing).toMatchObject({ actual: null });
  });

  it('a tombstone and the append size limit have their own errors', () => {
    expect(toPortError(EsdbStreamDeletedError.fromStreamName('s-1'), 's-1', appending)).toEqual(new StreamDeletedError('s-1'));
    expect(toPortError(EsdbStreamDeletedError.fromStreamName('s-2'), null, null)).toEqual(new StreamDeletedError('s-2'));
    const big = toPortError(MaxAppendSizeExceededError.fromMaxAppendSize(1048576), 's-1', appending);
    expect(big).toBeInstanceOf(AppendTooLargeError);
    expect(big).toMatchObject({ maxAppendSize: 1048576 });
  });

  it('no leader wrote nothing; a deadline or a lost connection leaves an append unknown, a read not', () => {
    const metadata = new Metadata();
    metadata.set('exception', 'not-leader');
    metadata.set('leader-endpoint-host', '10.0.0.2');
    metadata.set('leader-endpoint-port', '2113');
    const notLeader = new NotLeaderError({ code: status.NOT_FOUND, details: 'not leader', metadata, name: 'Error', message: 'not leader' });
    expect(toPortError(notLeader, 's-1', appending)).toEqual(new EventStoreUnavailableError('not_leader', false));
    expect(toPortError(new DeadlineExceededError(), 's-1', appending)).toEqual(new EventStoreUnavailableError('deadline_exceeded', true));
    expect(toPortError(new UnavailableError(), 's-1', appending)).toEqual(new EventStoreUnavailableError('unavailable', true));
    expect(toPortError(new DeadlineExceededError(), null, null)).toEqual(new EventStoreUnavailableError('deadline_exceeded', false));
    expect(toPortError(new UnavailableError(), 's-1', null)).toEqual(new EventStoreUnavailableError('unavailable', false));
  });

  it('anything else passes through unchanged', () => {
    const denied = new AccessDeniedError();
    expect(toPortError(denied, 's-1', appending)).toBe(denied);
  });
});
