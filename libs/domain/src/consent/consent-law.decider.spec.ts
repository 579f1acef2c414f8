import { SUBJECT as S, decideOn, givenEvent, optOutEvent, recordCommand } from '../../../../test/support/consent-events';
import { resolveCategory } from '../catalog';
import { consentCategoryCovers } from './traits';
import { spec } from '../shared/testing';
import { EXPLICIT_CONSENT, REASK_AFTER_OPT_OUT_MONTHS } from '../law/consent';
import { consentDecider } from './decider';

const now = '2026-06-01T00:00:00.000Z';
const health = { categories: ['user.health'], purposes: ['personalization.recommendations'] };
const child = (jurisdiction: string, age: number, givenBy: 'subject' | 'holder_of_parental_responsibility' = 'subject', parentalVerification: string | null = null) => ({
  jurisdiction,
  age,
  establishedBy: 'self_declaration',
  givenBy,
  parentalVerification,
});

describe('consent decider: special categories (GDPR Art. 9)', () => {
  it('refuses a plain consent naming a special category, saying what to send instead', () =>
    spec(consentDecider).given([]).when(recordCommand(health)).thenThrows('invalid', /special category.*explicit_consent.*explicit_consent_method/));

  it('refuses explicit_consent without the method, and an unknown method', () => {
    spec(consentDecider).given([]).when(recordCommand({ ...health, basis: 'explicit_consent' })).thenThrows('invalid', /explicit_consent_method/);
    spec(consentDecider).given([]).when(recordCommand({ ...health, basis: 'explicit_consent', explicitMethod: 'ticked_box' })).thenThrows('invalid', /explicit_consent_method must be one of/);
  });

  it('records how an explicit consent was made explicit, and the grant carries it', () => {
    const { emitted, after } = decideOn([], recordCommand({ ...health, basis: 'explicit_consent', explicitMethod: 'two_stage_verification' }));
    expect(emitted[0].data).toMatchObject({ legal_basis: 'explicit_consent', explicitness: { method: 'two_stage_verification', source: EXPLICIT_CONSENT.source } });
    expect(after.grants['user.health|personalization.recommendations']).toMatchObject({ status: 'active', explicit_method: 'two_stage_verification' });
  });

  it('a refusal of a special category needs no explicitness', () =>
    spec(consentDecider)
      .given([])
      .when(recordCommand({ ...health, status: 'refused' }))
      .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['consent.refused'])));
});

describe('consent decider: children (GDPR Art. 8, Civ. § 1798.120(c))', () => {
  it("refuses a child's own consent below the member state's age (DE 16)", () =>
    spec(consentDecider).given([]).when(recordCommand({ age: child('DE', 15) })).thenThrows('invalid', /below the age of consent in DE \(16.*holder_of_parental_responsibility/));

  it("accepts the same child's own consent where the age is lower (FR 15) and records the age facts", () => {
    const { emitted } = decideOn([], recordCommand({ age: child('FR', 15) }));
    expect(emitted[0].data).toMatchObject({ age: { jurisdiction: 'FR', consent_age: 15, below_consent_age: false, parent_required: null, established_by: 'self_declaration', given_by: 'subject' } });
    expect(JSON.stringify(emitted)).not.toMatch(/"age":15\b/);
  });

  it("accepts the parent's consent with how the parent was verified; refuses it without", () => {
    const { after } = decideOn([], recordCommand({ age: child('DE', 12, 'holder_of_parental_responsibility', 'signed_form') }));
    expect(after.grants['user.contact.email|marketing.communications.email']).toMatchObject({ given_by: 'holder_of_parental_responsibility' });
    expect(after.age).toMatchObject({ jurisdiction: 'DE', below_consent_age: true, parent_required: 'all', recorded_at: now });
    spec(consentDecider).given([]).when(recordCommand({ age: child('DE', 12, 'holder_of_parental_responsibility') })).thenThrows('invalid', /parental_verification/);
  });

  it('refuses an unknown jurisdiction and an unknown age method, listing the allowed values', () => {
    spec(consentDecider).given([]).when(recordCommand({ age: child('XX', 12) })).thenThrows('invalid', /jurisdiction must be one of .*DE/);
    spec(consentDecider).given([]).when(recordCommand({ age: { ...child('DE', 30), establishedBy: 'guess' } })).thenThrows('invalid', /age_established_by must be one of/);
  });

  it('California: a 14-year-old may opt in to sale/sharing; under 13 only a parent may', () => {
    const ads = { purposes: ['marketing.advertising.third_party'] };
    const { after } = decideOn([], recordCommand({ ...ads, age: child('US-CA', 14) }));
    expect(after.age).toMatchObject({ jurisdiction: 'US-CA', sale_opt_in_required: true, parent_required: null });
    spec(consentDecider).given([]).when(recordCommand({ ...ads, age: child('US-CA', 12) })).thenThrows('invalid', /holder_of_parental_responsibility/);
    // under 13, a consent to something other than sale/sharing is the child's own to give under the CCPA
    spec(consentDecider)
      .given([])
      .when(recordCommand({ age: child('US-CA', 12) }))
      .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['consent.given']));
  });
});

describe('consent decider: CCPA opt-outs meet consents', () => {
  const ads = givenEvent({ consent_id: 'ads', processing_purposes: ['marketing.advertising.third_party'] });

  it('an opt-out after a consent to sharing ends that grant as opted_out and records the conflict and its resolution', () => {
    const { emitted, after } = decideOn([ads, givenEvent()], { type: 'RecordOptOut', subjectKey: S, optOut: { kinds: ['sale', 'sharing'], source: 'gpc', detail: 'Sec-GPC: 1' }, now: new Date(now) });
    expect(emitted.map((e) => e.type)).toEqual(['consent.opt_out_recorded', 'consent.opt_out_conflict_recorded']);
    expect(emitted[1].data).toMatchObject({
      consent_id: 'ads',
      direction: 'opt_out_after_consent',
      resolution: 'opt_out_prevails',
      opt_outs: ['sale', 'sharing'],
      ended: [{ category: 'user.contact.email', purpose: 'marketing.advertising.third_party', consent_id: 'ads' }],
    });
    expect(after.grants['user.contact.email|marketing.advertising.third_party']).toMatchObject({ status: 'opted_out', ended_at: now });
    expect(after.grants['user.contact.email|marketing.communications.email'].status).toBe('active');
    expect(after.conflicts).toHaveLength(1);
  });

  it('a repeated GPC signal records nothing more', () => {
    const first = decideOn([ads], { type: 'RecordOptOut', subjectKey: S, optOut: { kinds: ['sale', 'sharing'], source: 'gpc', detail: null }, now: new Date(now) });
    spec(consentDecider)
      .given([ads, ...first.emitted])
      .when({ type: 'RecordOptOut', subjectKey: S, optOut: { kinds: ['sale', 'sharing'], source: 'gpc', detail: null }, now: new Date(now) })
      .then([]);
  });

  it(`within ${REASK_AFTER_OPT_OUT_MONTHS.months} months of an opt-out a new consent to sharing does not lift it (Civ. § 1798.135(c)(4))`, () => {
    const { emitted, after } = decideOn([optOutEvent('2026-01-10T00:00:00.000Z', 'api')], recordCommand({ purposes: ['marketing.advertising.third_party'] }));
    expect(emitted[1].data).toMatchObject({ direction: 'consent_after_opt_out', resolution: 'opt_out_prevails', reask_allowed_from: '2027-01-10T00:00:00.000Z', rule: REASK_AFTER_OPT_OUT_MONTHS.source });
    expect(after.opt_outs).toHaveLength(2);
  });

  it('12 months after the opt-out a new consent lifts it; a GPC opt-out is never lifted by a consent', () => {
    const later = '2027-01-10T00:00:00.000Z';
    const events = [optOutEvent('2026-01-10T00:00:00.000Z', 'api'), optOutEvent('2026-01-10T00:00:00.000Z', 'gpc')];
    const { emitted, after } = decideOn(events, recordCommand({ purposes: ['marketing.advertising.third_party'], now: new Date(later), givenAt: later }));
    const resolutions = emitted.filter((e) => e.type === 'consent.opt_out_conflict_recorded').map((e) => (e.data as { resolution: string; sources: string[] }));
    expect(resolutions).toEqual(expect.arrayContaining([expect.objectContaining({ resolution: 'consent_prevails', sources: ['api'] }), expect.objectContaining({ resolution: 'opt_out_prevails', sources: ['gpc'] })]));
    expect(after.opt_outs.map((o) => o.source)).toEqual(['gpc', 'gpc']);
  });
});

describe('consent decider: a consent id chosen by the caller (older clients send their own consent_id)', () => {
  const at = new Date('2026-06-01T00:00:00.000Z');
  const withId = (over: Parameters<typeof recordCommand>[0] = {}) => recordCommand({ consentId: '7d3c1c4e-0f6b-4a55-9a43-2d1f0c0b9e11', expiresAt: '2027-01-01T00:00:00.000Z', now: at, ...over });

  it('a retry of the same record appends nothing', () => {
    const { emitted } = decideOn([], withId());
    expect(emitted.map((e) => e.type)).toEqual(['consent.given']);
    spec(consentDecider).given(emitted).when(withId()).then([]);
  });

  it('the same id with another expiry is recorded (a lapse reported by the client ends it at that date)', () => {
    const { emitted } = decideOn([], withId());
    const { emitted: again, after } = decideOn(emitted, withId({ expiresAt: '2026-05-01T00:00:00.000Z', givenAt: '2026-04-01T00:00:00.000Z' }));
    expect(again.map((e) => e.type)).toEqual(['consent.renewed']);
    expect(after.grants['user.contact.email|marketing.communications.email']).toMatchObject({ expires_at: '2026-05-01T00:00:00.000Z' });
  });

  it('an id whose consent was withdrawn is not given again; a new id is', () => {
    const given = decideOn([], withId()).emitted;
    const withdrawn = decideOn(given, { type: 'WithdrawConsent', subjectKey: S, categories: null, purposes: null, now: at }).emitted;
    spec(consentDecider).given([...given, ...withdrawn]).when(withId()).thenThrows('conflict', /was withdrawn.*new consent_id/);
    expect(decideOn([...given, ...withdrawn], withId({ consentId: 'another-id' })).emitted.map((e) => e.type)).toEqual(['consent.given']);
  });

  it('a repeated refusal appends nothing', () => {
    const refused = decideOn([], withId({ status: 'refused' })).emitted;
    spec(consentDecider).given(refused).when(withId({ status: 'refused' })).then([]);
  });
});

describe("the earlier service's seven coarse categories never widen a grant", () => {
  const covers = (granted: string, asked: string) => consentCategoryCovers(resolveCategory(granted), resolveCategory(asked));
  it.each([
    ['personal', 'financial', true],
    ['personal', 'behavioral', true],
    ['personal', 'location', true],
    ['personal', 'health', false],
    ['personal', 'biometric', false],
    ['personal', 'sensitive', false],
    ['personal', 'user.location.precise', false],
    ['location', 'user.location.precise', false],
    ['location', 'user.location.imprecise', true],
    ['sensitive', 'health', false],
    ['health', 'user.health_and_medical.medical', true],
  ])('a grant for %s covers %s: %s', (granted, asked, expected) => expect(covers(granted, asked)).toBe(expected));
});
