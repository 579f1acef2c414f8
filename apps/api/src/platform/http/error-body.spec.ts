import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError } from '@pl/eventstore';
import { toErrorResponse } from './error-body';

describe('event store failures answer with their own status, never a 500, and name no stream', () => {
  const stream = 'consent-sub_3f2a';

  it('a tombstoned stream is 410, an oversized append 413', () => {
    expect(toErrorResponse(new StreamDeletedError(stream))).toMatchObject({ status: 410, body: { error: 'gone' }, internal: false });
    expect(toErrorResponse(new AppendTooLargeError(stream, 1048576))).toMatchObject({ status: 413, body: { error: 'payload_too_large' }, internal: false });
  });

  it('an unavailable store is 503, saying whether the change may have been recorded', () => {
    const unknown = toErrorResponse(new EventStoreUnavailableError('deadline_exceeded', true));
    expect(unknown).toMatchObject({ status: 503, body: { details: { reason: 'deadline_exceeded', outcome_unknown: true } }, internal: false });
    expect(unknown.body.message).toMatch(/may or may not be recorded/);
    const refused = toErrorResponse(new EventStoreUnavailableError('not_leader', false));
    expect(refused).toMatchObject({ status: 503, body: { details: { reason: 'not_leader', outcome_unknown: false } } });
    expect(refused.body.message).toMatch(/nothing was recorded/);
  });

  it('no answer carries the stream name', () => {
    for (const e of [new StreamDeletedError(stream), new AppendTooLargeError(stream, null), new EventStoreUnavailableError('unavailable', true)]) {
      expect(JSON.stringify(toErrorResponse(e).body)).not.toContain(stream);
    }
  });
});
