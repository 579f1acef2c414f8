import { consent } from '@pl/domain';
import { HEADERS, LocalConsentClient, type ConsentChange } from '@pl/sdk';
import { givenEvent, restrictedEvent, snapshotOf } from '../../../test/support/consent-events';

const S = 'sub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const C = 'user.contact.email';
const P = 'marketing.communications.email';
const NOW = Date.parse('2026-06-01T00:00:00Z');

function state(status: 'given' | 'withdrawn', expires = '2027-01-01T00:00:00Z'): consent.ConsentSnapshot {
  let s = consent.evolve(consent.initialConsentState(), {
    type: 'consent.given',
    data: { consent_id: 'c1', subject_key: S, data_categories: [C], processing_purposes: [P], legal_basis: 'consent', consent_version: 'v1', given_at: '2026-01-01T00:00:00Z', expires_at: { [P]: expires }, renews: [], proof: null as any, consent_string: null, signal: null, extra: null },
  });
  if (status === 'withdrawn') {
    s = consent.evolve(s, { type: 'consent.withdrawn', data: { subject_key: S, withdrawn_at: '2026-02-01T00:00:00Z', data_categories: null, processing_purposes: null, affected: [{ category: C, purpose: P, consent_id: 'c1' }] } });
  }
  return consent.snapshotOf(s);
}

const msg = (eventId: string, revision: number, snapshot: consent.ConsentSnapshot | null, subject = S) => ({
  key: Buffer.from(subject),
  value: snapshot ? Buffer.from(JSON.stringify({ subject_key: subject, event_id: eventId, event_type: 'consent.x', revision: String(revision), updated_at: '', state: snapshot })) : null,
  headers: { [HEADERS.eventId]: Buffer.from(eventId), [HEADERS.eventType]: Buffer.from(snapshot ? 'consent.x' : 'rights.subject_erased') },
});

describe('LocalConsentClient cache semantics (no broker: messages applied directly)', () => {
  const changes: ConsentChange[] = [];
  const client = () => new LocalConsentClient({ brokers: ['127.0.0.1:1'], onChange: (c) => changes.push(c) });

  it('answers with the server evaluate: allowed, withdrawn, expired, unknown', () => {
    const c = client();
    expect(c.isAllowed(S, C, P, NOW)).toBe(false);
    expect(c.check(S, C, P, NOW).reason).toBe('unknown_subject');
    c.apply(msg('e1', 0, state('given')));
    expect(c.isAllowed(S, C, P, NOW)).toBe(true);
    expect(c.isAllowed(S, C, P, Date.parse('2027-01-01T00:00:01Z'))).toBe(false);
    expect(c.check(S, C, P, Date.parse('2027-01-01T00:00:01Z')).reason).toBe('consent_expired');
    // the cached answers follow the clock both ways
    expect(c.isAllowed(S, C, P, NOW)).toBe(true);
    expect(c.isAllowed(S, C, P, Date.parse('2026-12-31T23:59:59Z'))).toBe(true);
    expect(c.isAllowed(S, C, P, Date.parse('2027-01-01T00:00:00Z'))).toBe(false);
    c.apply(msg('e2', 1, state('withdrawn')));
    expect(c.check(S, C, P, NOW)).toMatchObject({ allowed: false, reason: 'consent_withdrawn' });
  });

  it('drops duplicates by event id and stale revisions (at-least-once re-sends)', () => {
    const c = client();
    c.apply(msg('e1', 0, state('given')));
    c.apply(msg('e2', 1, state('withdrawn')));
    c.apply(msg('e1', 0, state('given'))); // re-sent batch
    c.apply(msg('e1-other-id', 0, state('given'))); // same revision under another id: still stale
    expect(c.isAllowed(S, C, P, NOW)).toBe(false);
    expect(c.status()).toMatchObject({ applied: 2, duplicates: 2 });
  });

  it('a tombstone erases the subject and an older re-sent state cannot bring it back', () => {
    const c = client();
    changes.length = 0;
    c.apply(msg('e1', 0, state('given')));
    c.apply(msg('x1', -1, null));
    expect(c.snapshot(S)).toBeNull();
    expect(c.isAllowed(S, C, P, NOW)).toBe(false);
    c.apply(msg('e1b', 0, state('given')));
    expect(c.isAllowed(S, C, P, NOW)).toBe(false);
    expect(changes.map((x) => x.erased)).toEqual([false, true]);
    expect(c.status().tombstones).toBe(1);
  });

  it('denies unknown categories or purposes in isAllowed and throws in check, like the server\'s 400', () => {
    const c = client();
    c.apply(msg('e1', 0, state('given')));
    expect(c.isAllowed(S, 'nope.nope', P, NOW)).toBe(false);
    expect(() => c.check(S, 'nope.nope', P, NOW)).toThrow();
    // a coarse value resolves like on the server: 'personal' = user, wider than the grant, so denied
    expect(c.check(S, 'personal', P, NOW)).toMatchObject({ allowed: false, reason: 'no_consent' });
    expect(c.isAllowed(S, 'personal', P, NOW)).toBe(false);
  });

  it('tells when the ledger recorded the change and when the relay produced it (propagation lag)', () => {
    const c = client();
    changes.length = 0;
    const m = msg('e1', 0, state('given'));
    const v = JSON.parse(m.value!.toString());
    c.apply({ ...m, value: Buffer.from(JSON.stringify({ ...v, updated_at: '2026-06-01T00:00:00.123Z' })), timestamp: String(NOW + 250) });
    c.apply({ ...msg('x1', -1, null), timestamp: '-1' });
    expect(changes.map((x) => [x.recordedAt, x.producedAt])).toEqual([['2026-06-01T00:00:00.123Z', NOW + 250], [null, null]]);
  });

  it('by user id: the memoised entry follows new states, a tombstone and a return after erasure', () => {
    const c = new LocalConsentClient({ brokers: ['127.0.0.1:1'], pseudonymSecret: 'test-pseudonym-secret-0123456789' });
    const [alice, bob] = ['alice@example.com', 'bob@example.com'];
    const [ka, kb] = [c.subjectKeyOf(alice), c.subjectKeyOf(bob)];
    expect(c.isAllowed(alice, C, P, NOW)).toBe(false); // unknown: nothing memoised
    c.apply(msg('a1', 0, state('given'), ka));
    c.apply(msg('b1', 0, state('withdrawn'), kb));
    expect([c.isAllowed(alice, C, P, NOW), c.isAllowed(bob, C, P, NOW)]).toEqual([true, false]);
    c.apply(msg('a2', 1, state('withdrawn'), ka));
    expect(c.isAllowed(alice, C, P, NOW)).toBe(false); // the memoised entry took the new state
    c.apply(msg('a3', 2, state('given'), ka));
    expect(c.isAllowed(alice, C, P, NOW)).toBe(true);
    c.apply(msg('ax', -1, null, ka));
    expect(c.isAllowed(alice, C, P, NOW)).toBe(false); // erased: the memo does not keep the old entry alive
    c.apply(msg('a4', 5, state('given'), ka)); // a new consent after the erasure
    expect(c.isAllowed(alice, C, P, NOW)).toBe(true);
    expect(c.isAllowed(ka, C, P, NOW)).toBe(true);
    expect(c.isAllowed(bob, C, P, NOW)).toBe(false);
  });

  it('answers the consent law like the server: restriction, storage, special categories', () => {
    const c = client();
    // a consent to `personal` (category `user`) given before a restriction
    const restricted = snapshotOf([givenEvent({ data_categories: ['user'] }), restrictedEvent('2026-03-01T00:00:00.000Z')]);
    c.apply(msg('r1', 1, restricted));
    for (const [category, purpose] of [[C, P], [C, 'essential.storage'], ['user.health', P]]) {
      expect(c.check(S, category, purpose, NOW)).toEqual(consent.evaluate(restricted, { category, purpose, now: new Date(NOW) }));
    }
    expect(c.check(S, C, P, NOW).reason).toBe('processing_restricted');
    expect(c.isAllowed(S, C, 'essential.storage', NOW)).toBe(true);
  });

  it('counts malformed messages without throwing', () => {
    const c = client();
    c.apply({ key: Buffer.from(S), value: Buffer.from('{oops'), headers: {} });
    c.apply({ key: null, value: Buffer.from('{}'), headers: {} });
    expect(c.status().malformed).toBe(2);
  });
});
