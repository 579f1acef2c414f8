import { SUBJECT as S, decideOn, givenEvent, restrictedEvent, snapshotOf } from '../../../../test/support/consent-events';
import type { ConsentEvent } from './events';
import { evaluate } from './evaluate';

const now = '2026-06-01T00:00:00.000Z';
const ask = (category: string, purpose = 'marketing.communications.email', declaredBases: string[] = []) => ({ category, purpose, now, declaredBases });

describe('evaluate: a consent never widens to special categories (GDPR Art. 9(1), Civ. § 1798.140(ae))', () => {
  // an old consent to the coarse `personal`, as the log holds it: category `user`
  const personal = snapshotOf([givenEvent({ data_categories: ['user'] })]);

  it.each(['user.health', 'user.health.medical', 'user.biometric.face', 'user.genetic', 'user.government_id.ssn', 'user.financial.card_with_credentials', 'user.location.precise', 'user.criminal', 'user.demographic.religious_belief'])(
    'a consent to `personal` does not cover %s',
    (category) => expect(evaluate(personal, ask(category))).toMatchObject({ allowed: false, reason: 'no_consent' }),
  );

  it.each(['user.contact.email', 'user.financial.account', 'user.location.imprecise', 'user.behavior.browsing_history'])('it still covers %s', (category) =>
    expect(evaluate(personal, ask(category))).toMatchObject({ allowed: true, reason: 'consent_given' }),
  );

  it('an explicit consent naming `user.health` covers its sub-categories, not other special categories', () => {
    const s = snapshotOf([givenEvent({ data_categories: ['user.health'], legal_basis: 'explicit_consent', explicitness: { method: 'signed_document', source: 'x' } })]);
    expect(evaluate(s, ask('user.health.medical')).allowed).toBe(true);
    expect(evaluate(s, ask('user.genetic')).allowed).toBe(false);
  });

  it('a plain consent to a special category recorded before the fix is not honoured: explicit consent is required', () => {
    const s = snapshotOf([givenEvent({ data_categories: ['user.health'] })]);
    expect(evaluate(s, ask('user.health'))).toMatchObject({ allowed: false, reason: 'explicit_consent_required', consent_id: 'c1' });
    // CPRA-only sensitive PI (no Art. 9 category) named explicitly: a plain consent suffices
    expect(evaluate(snapshotOf([givenEvent({ data_categories: ['user.location.precise'] })]), ask('user.location.precise')).allowed).toBe(true);
  });
});

describe('evaluate: withdrawal of one category ends no other (GDPR Art. 7(3))', () => {
  it('after withdrawing `behavioral`, a `personal` consent still covers contact data and no longer behavioural data', () => {
    const personal = givenEvent({ data_categories: ['user'] });
    const { after } = decideOn([personal], { type: 'WithdrawConsent', subjectKey: S, categories: ['user.behavior'], purposes: null, now: new Date(now) });
    expect(evaluate(after, ask('user.contact.email'))).toMatchObject({ allowed: true });
    expect(evaluate(after, ask('user.behavior.browsing_history'))).toMatchObject({ allowed: false, reason: 'consent_withdrawn' });
  });
});

describe('evaluate: restriction (GDPR Art. 18(2))', () => {
  const before = givenEvent({ at: '2026-01-01T00:00:00.000Z' });
  const restricted = restrictedEvent('2026-03-01T00:00:00.000Z');

  it('a consent given before the restriction does not override it', () =>
    expect(evaluate(snapshotOf([before, restricted]), ask('user.contact.email'))).toMatchObject({ allowed: false, reason: 'processing_restricted' }));

  it('a consent given after the restriction does', () =>
    expect(evaluate(snapshotOf([restricted, givenEvent({ consent_id: 'c2', at: '2026-04-01T00:00:00.000Z' })]), ask('user.contact.email'))).toMatchObject({ allowed: true, consent_id: 'c2' }));

  it('storage stays allowed, without any other basis', () =>
    expect(evaluate(snapshotOf([before, restricted]), ask('user.contact.email', 'essential.storage'))).toMatchObject({ allowed: true, legal_basis: 'storage_under_restriction', reason: 'storage_under_restriction' }));

  it('the Art. 18(2) exception purposes run on their declared basis; other declared bases do not', () => {
    const s = snapshotOf([before, restricted]);
    expect(evaluate(s, ask('user.contact.email', 'essential.legal_claims', ['legitimate_interests'])).allowed).toBe(true);
    expect(evaluate(s, ask('user.contact.email', 'essential.important_public_interest', ['public_task'])).allowed).toBe(true);
    expect(evaluate(s, ask('user.contact.email', 'essential.protection_of_others', [])).allowed).toBe(false);
    expect(evaluate(s, ask('user.contact.email', 'essential.service', ['contract'])).reason).toBe('processing_restricted');
  });

  it('after the restriction is lifted the older consent counts again', () => {
    const lifted: ConsentEvent = { type: 'consent.restriction_lifted', data: { subject_key: S, lifted_at: '2026-05-01T00:00:00.000Z', request_id: null } };
    expect(evaluate(snapshotOf([before, restricted, lifted]), ask('user.contact.email')).allowed).toBe(true);
  });
});

describe('evaluate: children (GDPR Art. 8, Civ. § 1798.120(c))', () => {
  const age = (jurisdiction: string, over: object = {}) => ({
    jurisdiction,
    consent_age: 16,
    below_consent_age: true,
    parent_required: 'all' as const,
    sale_opt_in_required: false,
    established_by: 'id_document_check',
    given_by: 'holder_of_parental_responsibility' as const,
    parental_verification: 'signed_form',
    source: 'GDPR Art. 8(1)',
    ...over,
  });

  it("once the subject is known to be a child, the child's own earlier consent no longer counts; the parent's does", () => {
    const own = givenEvent({ consent_id: 'own', processing_purposes: ['analytics.reporting'] });
    const parents = givenEvent({ consent_id: 'parent', processing_purposes: ['marketing.communications.email'], at: '2026-02-01T00:00:00.000Z', age: age('DE') });
    const s = snapshotOf([own, parents]);
    expect(evaluate(s, ask('user.contact.email', 'analytics.reporting'))).toMatchObject({ allowed: false, reason: 'parental_consent_required', consent_id: 'own' });
    expect(evaluate(s, ask('user.contact.email'))).toMatchObject({ allowed: true, consent_id: 'parent' });
  });

  it('California under 16: sale/sharing needs an opt-in; a declared basis is not enough', () => {
    const teen = givenEvent({ age: age('US-CA', { parent_required: null, sale_opt_in_required: true, given_by: 'subject', parental_verification: null }) });
    const sharing = ask('user.contact.email', 'marketing.advertising.third_party', ['legitimate_interests']);
    expect(evaluate(snapshotOf([teen]), sharing)).toMatchObject({ allowed: false, reason: 'minor_opt_in_required' });
    const optIn = givenEvent({ consent_id: 'opt-in', processing_purposes: ['marketing.advertising.third_party'], at: '2026-02-01T00:00:00.000Z' });
    expect(evaluate(snapshotOf([teen, optIn]), sharing)).toMatchObject({ allowed: true, consent_id: 'opt-in' });
  });
});
