import { recordCommand } from '../../../../test/support/consent-events';
import { spec } from '../shared/testing';
import { GPC_RULE, expiryPolicy } from '../law/consent';
import { consentDecider, type ConsentCommand } from './decider';
import type { ConsentEvent, ConsentGivenData, ConsentProof } from './events';
import { evaluate } from './evaluate';
import { isCurrent, isDue, statusAt } from './expiry';
import { evolve, initialConsentState } from './state';

const S = 'sub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const now = '2026-03-01T12:00:00.000Z';
const proof: ConsentProof = {
  notice_id: 'cookie-banner',
  notice_version: '3',
  notice_hash: 'a'.repeat(64),
  privacy_policy_version: '2026-01',
  method: 'checkbox',
  channel: 'web',
  page: '/signup',
  language: 'en',
  collected_by: 'shop-frontend',
  ip_address: '203.0.113.7',
  user_agent: 'Mozilla/5.0',
};

const record = (over: Partial<Extract<ConsentCommand, { type: 'RecordConsent' }>> = {}): ConsentCommand => recordCommand({ consentId: 'c1', proof, now: new Date(now), ...over });

const givenData = (over: Partial<ConsentGivenData> = {}): ConsentGivenData => ({
  consent_id: 'c1',
  subject_key: S,
  data_categories: ['user.contact.email'],
  processing_purposes: ['marketing.communications.email'],
  legal_basis: 'consent',
  consent_version: 'v1',
  given_at: now,
  expires_at: { 'marketing.communications.email': '2027-03-01T12:00:00.000Z' },
  renews: [],
  proof,
  consent_string: null,
  signal: null,
  extra: null,
  ...over,
});
const given = (over: Partial<ConsentGivenData> = {}): ConsentEvent => ({ type: 'consent.given', data: givenData(over) });

describe('consent decider', () => {
  it('records a consent with a 12-month default expiry and the proof', () =>
    spec(consentDecider).given([]).when(record()).then([given()]));

  it('uses the per-purpose expiry from configuration', () =>
    spec(consentDecider)
      .given([])
      .when(record({ expiryPolicy: expiryPolicy({ marketing: 6 }) }))
      .then([given({ expires_at: { 'marketing.communications.email': '2026-09-01T12:00:00.000Z' } })]));

  it('takes an explicit expiry', () =>
    spec(consentDecider)
      .given([])
      .when(record({ expiresAt: '2026-04-01T00:00:00Z' }))
      .then([given({ expires_at: { 'marketing.communications.email': '2026-04-01T00:00:00.000Z' } })]));

  it('refuses an expiry before the consent', () =>
    spec(consentDecider).given([]).when(record({ expiresAt: '2026-02-01T00:00:00Z' })).thenThrows('invalid', /expiry_timestamp must be after/));

  it('refuses a consent timestamp in the future beyond the clock skew, accepts one within it', () => {
    spec(consentDecider).given([]).when(record({ givenAt: '2026-03-01T12:10:00.000Z' })).thenThrows('invalid', /future/);
    spec(consentDecider)
      .given([])
      .when(record({ givenAt: '2026-03-01T12:01:00.000Z' }))
      .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['consent.given']));
  });

  it('refuses empty categories or purposes and malformed timestamps', () => {
    spec(consentDecider).given([]).when(record({ categories: [] })).thenThrows('invalid', /data_categories/);
    spec(consentDecider).given([]).when(record({ purposes: [] })).thenThrows('invalid', /processing_purposes/);
    spec(consentDecider).given([]).when(record({ givenAt: 'yesterday' })).thenThrows('invalid', /consent_timestamp/);
  });

  it('a second consent for the same pairs while active is a renewal', () =>
    spec(consentDecider)
      .given([given()])
      .when(record({ consentId: 'c2', givenAt: '2026-03-01T12:00:00.000Z' }))
      .then([{ type: 'consent.renewed', data: givenData({ consent_id: 'c2', renews: ['c1'] }) }]));

  it('withdraws by category, by purpose or all (Art. 7(3))', () => {
    const two = given({ data_categories: ['user.contact.email', 'user.contact.phone'] });
    spec(consentDecider)
      .given([two])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: ['user.contact.phone'], purposes: null, now: new Date(now) })
      .then([
        {
          type: 'consent.withdrawn',
          data: { subject_key: S, withdrawn_at: now, data_categories: ['user.contact.phone'], processing_purposes: null, affected: [{ category: 'user.contact.phone', purpose: 'marketing.communications.email', consent_id: 'c1' }] },
        },
      ]);
    spec(consentDecider)
      .given([two])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: null, purposes: ['marketing'], now: new Date(now) })
      .thenMatches((es) => expect((es[0].data as { affected: unknown[] }).affected).toHaveLength(2));
    spec(consentDecider)
      .given([two])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: [], purposes: [], now: new Date(now) })
      .thenMatches((es) => expect((es[0].data as { affected: unknown[] }).affected).toHaveLength(2));
  });

  it('carries the subject id and a legacy withdrawal\'s unacted fields into the facts, and keeps them out of the state', () => {
    const extra = { withdrawal_type: 'partial', reason: 'moved house', required_actions: ['stop_processing'] };
    spec(consentDecider)
      .given([])
      .when(record({ subjectId: 'user-42' }))
      .then([given({ subject_id: 'user-42' })]);
    spec(consentDecider)
      .given([given()])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: null, purposes: null, extra, subjectId: 'user-42', now: new Date(now) })
      .thenMatches((es) => {
        expect(es[0].data).toMatchObject({ extra, subject_id: 'user-42' });
        expect(JSON.stringify(es.reduce(evolve, initialConsentState()))).not.toMatch(/user-42|moved house/);
      });
    spec(consentDecider)
      .given([given()])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: null, purposes: null, extra: {}, now: new Date(now) })
      .thenMatches((es) => expect(Object.keys(es[0].data)).not.toEqual(expect.arrayContaining(['extra'])));
  });

  it('withdrawing a narrower category narrows the grant of its parent and ends nothing else (Art. 7(3))', () => {
    const withdrawal: ConsentEvent = {
      type: 'consent.withdrawn',
      data: {
        subject_key: S,
        withdrawn_at: now,
        data_categories: ['user.contact.email'],
        processing_purposes: null,
        affected: [],
        narrowed: [{ category: 'user.contact', purpose: 'marketing.communications.email', consent_id: 'c1', excluded: [{ category: 'user.contact.email', purpose: 'marketing.communications.email' }] }],
      },
    };
    spec(consentDecider)
      .given([given({ data_categories: ['user.contact'] })])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: ['user.contact.email'], purposes: null, now: new Date(now) })
      .then([withdrawal]);
    // the same withdrawal again changes nothing
    spec(consentDecider)
      .given([given({ data_categories: ['user.contact'] }), withdrawal])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: ['user.contact.email'], purposes: null, now: new Date(now) })
      .then([]);
  });

  it('withdrawing `behavioral` leaves a separate `personal` consent in force for other categories', () => {
    const personal = given({ consent_id: 'p', data_categories: ['user'] });
    const behavioral = given({ consent_id: 'b', data_categories: ['user.behavior'] });
    const events = consentDecider.decide({ type: 'WithdrawConsent', subjectKey: S, categories: ['user.behavior'], purposes: null, now: new Date(now) }, [personal, behavioral].reduce(evolve, initialConsentState()));
    const s = [personal, behavioral, ...events].reduce(evolve, initialConsentState());
    expect(s.grants['user|marketing.communications.email']).toMatchObject({ status: 'active', exclusions: [{ category: 'user.behavior', purpose: 'marketing.communications.email' }] });
    expect(s.grants['user.behavior|marketing.communications.email']).toMatchObject({ status: 'withdrawn' });
  });

  it('withdrawing a narrower purpose narrows a grant for its parent purpose', () =>
    spec(consentDecider)
      .given([given({ processing_purposes: ['marketing'], expires_at: { marketing: '2027-03-01T12:00:00.000Z' } })])
      .when({ type: 'WithdrawConsent', subjectKey: S, categories: null, purposes: ['marketing.communications.sms'], now: new Date(now) })
      .thenMatches((es) =>
        expect(es[0].data).toMatchObject({ affected: [], narrowed: [{ category: 'user.contact.email', purpose: 'marketing', excluded: [{ category: 'user.contact.email', purpose: 'marketing.communications.sms' }] }] }),
      ));

  it('withdrawing what is not active appends nothing', () =>
    spec(consentDecider).given([]).when({ type: 'WithdrawConsent', subjectKey: S, categories: null, purposes: null, now: new Date(now) }).then([]));

  it('expires grants that are due, and only those', () => {
    const later = '2027-03-02T00:00:00.000Z';
    spec(consentDecider)
      .given([given()])
      .when({ type: 'ExpireConsents', subjectKey: S, now: new Date(later) })
      .then([
        {
          type: 'consent.expired',
          data: { subject_key: S, expired_at: later, expired: [{ category: 'user.contact.email', purpose: 'marketing.communications.email', consent_id: 'c1', expires_at: '2027-03-01T12:00:00.000Z' }] },
        },
      ]);
    spec(consentDecider).given([given()]).when({ type: 'ExpireConsents', subjectKey: S, now: new Date(now) }).then([]);
    // the command's time is a Date, like every context's (issue 14, defect 6); an invalid one is refused
    spec(consentDecider).given([given()]).when({ type: 'ExpireConsents', subjectKey: S, now: new Date('not a time') }).thenThrows('invalid', /now must be a valid time/);
  });

  describe('the one expiry rule (validate, state, renewal, opt-outs and the worker agree)', () => {
    const at = '2027-03-01T12:00:00.000Z'; // the grant's expiry
    const undated = given({ expires_at: {} }); // a grant without an expiry date (no consent is recorded so today)

    it('a grant is current until its expiry, then expired; without an expiry date it is never current (deny by default)', () => {
      const grant = (es: ConsentEvent[]) => Object.values(es.reduce(evolve, initialConsentState()).grants)[0];
      expect([isCurrent(grant([given()]), '2027-03-01T11:59:59.999Z'), statusAt(grant([given()]), '2027-03-01T11:59:59.999Z')]).toEqual([true, 'active']);
      expect([isCurrent(grant([given()]), at), statusAt(grant([given()]), at), isDue(grant([given()]), at)]).toEqual([false, 'expired', true]);
      expect([isCurrent(grant([undated]), now), statusAt(grant([undated]), now), isDue(grant([undated]), now)]).toEqual([false, 'expired', false]);
      const q = { category: 'user.contact.email', purpose: 'marketing.communications.email' };
      expect(evaluate([undated].reduce(evolve, initialConsentState()), { ...q, now })).toMatchObject({ allowed: false, reason: 'consent_expired' });
    });

    it('given a consent, when it is recorded again at its expiry instant, then it is a new consent, not a renewal', () =>
      spec(consentDecider)
        .given([given()])
        .when(record({ consentId: 'c2', now: new Date(at), givenAt: at }))
        .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['consent.given'])));

    it('given a grant without an expiry date, when it is recorded again, then it is a new consent, not a renewal', () =>
      spec(consentDecider)
        .given([undated])
        .when(record({ consentId: 'c2' }))
        .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['consent.given'])));

    it('given a consent, when the worker ticks at its expiry instant, then it expires (due exactly at expires_at)', () =>
      spec(consentDecider)
        .given([given()])
        .when({ type: 'ExpireConsents', subjectKey: S, now: new Date(at) })
        .thenMatches((es) => expect(es.map((e) => e.type)).toEqual(['consent.expired'])));

    it('given a grant without an expiry date, when the worker ticks, then nothing is appended (no date to record)', () =>
      spec(consentDecider).given([undated]).when({ type: 'ExpireConsents', subjectKey: S, now: new Date('2030-01-01T00:00:00.000Z') }).then([]));
  });

  it('records a GPC opt-out of sale and sharing once', () => {
    const optOut: ConsentEvent = { type: 'consent.opt_out_recorded', data: { subject_key: S, kinds: ['sale', 'sharing'], source: 'gpc', recorded_at: now, detail: 'Sec-GPC: 1' } };
    spec(consentDecider).given([]).when(record({ gpc: true })).then([optOut, given()]);
    spec(consentDecider).given([optOut]).when(record({ gpc: true })).then([given()]);
  });

  it('a later consent to sale/sharing does not override the GPC opt-out: the conflict is recorded', () => {
    const optOut: ConsentEvent = { type: 'consent.opt_out_recorded', data: { subject_key: S, kinds: ['sale', 'sharing'], source: 'gpc', recorded_at: now, detail: 'Sec-GPC: 1' } };
    const purposes = ['marketing.advertising.third_party', 'analytics.reporting'];
    spec(consentDecider)
      .given([optOut])
      .when(record({ purposes, saleOrSharingPurposes: ['marketing.advertising.third_party'] }))
      .thenMatches((es) => {
        expect(es.map((e) => e.type)).toEqual(['consent.given', 'consent.opt_out_conflict_recorded']);
        expect(es[1].data).toEqual({
          subject_key: S,
          consent_id: 'c1',
          purposes: ['marketing.advertising.third_party'],
          opt_outs: ['sale', 'sharing'],
          sources: ['gpc'],
          detected_at: now,
          direction: 'consent_after_opt_out',
          resolution: 'opt_out_prevails',
          ended: [],
          reask_allowed_from: null,
          rule: GPC_RULE.source,
        });
      });
  });

  it('a refusal is recorded and ends an active grant of the pair', () =>
    spec(consentDecider)
      .given([given()])
      .when(record({ consentId: 'c2', status: 'refused' }))
      .thenMatches((es) => {
        expect(es.map((e) => e.type)).toEqual(['consent.refused']);
        const s = es.reduce(evolve, [given()].reduce(evolve, initialConsentState()));
        expect(Object.values(s.grants)[0]).toMatchObject({ status: 'refused', consent_id: 'c2' });
      }));

  it('restriction and objection are recorded once each way', () => {
    const restricted: ConsentEvent = { type: 'consent.processing_restricted', data: { subject_key: S, restricted_at: now, request_id: 'r1', reason: null } };
    spec(consentDecider).given([]).when({ type: 'RestrictProcessing', subjectKey: S, requestId: 'r1', now: new Date(now) }).then([restricted]);
    spec(consentDecider).given([restricted]).when({ type: 'RestrictProcessing', subjectKey: S, now: new Date(now) }).then([]);
    spec(consentDecider).given([restricted]).when({ type: 'LiftRestriction', subjectKey: S, now: new Date(now) }).then([{ type: 'consent.restriction_lifted', data: { subject_key: S, lifted_at: now, request_id: null } }]);
    spec(consentDecider)
      .given([])
      .when({ type: 'RecordObjection', subjectKey: S, purposes: null, directMarketing: true, now: new Date(now) })
      .then([{ type: 'consent.objection_recorded', data: { subject_key: S, recorded_at: now, purposes: null, direct_marketing: true, request_id: null } }]);
  });

  it('state never depends on personal fields (a shredded proof still folds)', () => {
    const shredded = given({ proof: { ...proof, ip_address: null, user_agent: null }, consent_string: null });
    expect([shredded].reduce(evolve, initialConsentState()).grants).toEqual([given()].reduce(evolve, initialConsentState()).grants);
  });

  it('a restriction reason (a personal field, encrypted in the log) stays out of the state', () => {
    const withReason: ConsentEvent = { type: 'consent.processing_restricted', data: { subject_key: S, restricted_at: now, request_id: 'r1', reason: 'disputes accuracy' } };
    expect(evolve(initialConsentState(), withReason).restriction).toEqual({ since: now, request_id: 'r1', reason: null });
  });
});
