import { intakeEventId } from './event-id';

describe('the log id of a privacy event', () => {
  it('is a UUID derived from the producer id: the same on every delivery, another for another id', () => {
    const id = intakeEventId('evt-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(intakeEventId('evt-1')).toBe(id);
    expect(intakeEventId('evt-2')).not.toBe(id);
    expect(intakeEventId('EVT-1')).not.toBe(id);
  });

  it('is the id earlier versions derived (SHA-256 of "privacy-event:" + id, RFC 9562 layout): a repeat after an upgrade is still collapsed', () => {
    // computed with createHash('sha256').update(...).digest(), before the one-shot hash replaced it
    expect(intakeEventId('evt-1')).toBe('b080d85e-94dd-816f-8aab-85311289b1e6');
    expect(intakeEventId('ümlaut-é')).toBe('a6aea5ba-a5ab-8950-855e-1b939245a3c6');
  });
});
