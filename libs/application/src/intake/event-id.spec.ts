import { intakeEventId } from './event-id';

describe('the log id of a privacy event', () => {
  it('is a UUID derived from the producer id: the same on every delivery, another for another id', () => {
    const id = intakeEventId('evt-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(intakeEventId('evt-1')).toBe(id);
    expect(intakeEventId('evt-2')).not.toBe(id);
    expect(intakeEventId('EVT-1')).not.toBe(id);
  });
});
