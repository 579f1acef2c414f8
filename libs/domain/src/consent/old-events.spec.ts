import { SUBJECT as S, givenEvent, optOutEvent, snapshotOf } from '../../../../test/support/consent-events';
import type { ConsentEvent } from './events';
import { evaluate } from './evaluate';

/** Events written before the consent-law change (2026-12) still fold, and are read as documented in docs/law.md. */
describe('consent events of the earlier shapes', () => {
  const now = '2026-06-01T00:00:00.000Z';

  it('a conflict without direction or resolution reads as a consent after an opt-out that the opt-out won; it ends and lifts nothing', () => {
    const ads = givenEvent({ processing_purposes: ['marketing.advertising.third_party'] });
    const old: ConsentEvent = {
      type: 'consent.opt_out_conflict_recorded',
      data: { subject_key: S, consent_id: 'c1', purposes: ['marketing.advertising.third_party'], opt_outs: ['sale', 'sharing'], sources: ['api'], detected_at: '2026-01-02T00:00:00.000Z' },
    };
    const s = snapshotOf([optOutEvent('2026-01-01T00:00:00.000Z', 'api'), ads, old]);
    expect(s.conflicts).toEqual([expect.objectContaining({ direction: 'consent_after_opt_out', resolution: 'opt_out_prevails', ended: [], reask_allowed_from: null })]);
    expect(s.opt_outs).toHaveLength(2);
    expect(s.grants['user.contact.email|marketing.advertising.third_party'].status).toBe('active');
    expect(evaluate(s, { category: 'user.contact.email', purpose: 'marketing.advertising.third_party', now }).reason).toBe('opted_out');
  });

  it('a withdrawal that ended a broader grant (the old reading) keeps it ended on replay', () => {
    const personal = givenEvent({ data_categories: ['user'] });
    const old: ConsentEvent = {
      type: 'consent.withdrawn',
      data: { subject_key: S, withdrawn_at: '2026-02-01T00:00:00.000Z', data_categories: ['user.behavior'], processing_purposes: null, affected: [{ category: 'user', purpose: 'marketing.communications.email', consent_id: 'c1' }] },
    };
    const s = snapshotOf([personal, old]);
    expect(s.grants['user|marketing.communications.email']).toMatchObject({ status: 'withdrawn' });
    expect(s.grants['user|marketing.communications.email'].exclusions).toBeUndefined();
  });

  it('a consent without explicitness or age folds to a plain consent by the subject', () => {
    const s = snapshotOf([givenEvent()]);
    const g = s.grants['user.contact.email|marketing.communications.email'];
    expect(g.explicit_method).toBeUndefined();
    expect(g.given_by).toBeUndefined();
    expect(s.age).toBeUndefined();
    expect(evaluate(s, { category: 'user.contact.email', purpose: 'marketing.communications.email', now }).allowed).toBe(true);
  });
});
