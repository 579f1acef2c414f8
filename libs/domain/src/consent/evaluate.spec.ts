import type { ConsentEvent, ConsentGivenData } from './events';
import { evaluate } from './evaluate';
import { evolve, initialConsentState, snapshotOf, type ConsentSnapshot } from './state';

const S = 'sub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const t0 = '2026-03-01T12:00:00.000Z';
const proof = { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: null, channel: null, page: null, language: null, collected_by: null, ip_address: null, user_agent: null };
const given = (over: Partial<ConsentGivenData> = {}): ConsentEvent => ({
  type: 'consent.given',
  data: {
    consent_id: 'c1',
    subject_key: S,
    data_categories: ['user.contact'],
    processing_purposes: ['marketing.communications.email'],
    legal_basis: 'consent',
    consent_version: 'v1',
    given_at: t0,
    expires_at: { 'marketing.communications.email': '2027-03-01T12:00:00.000Z' },
    renews: [],
    proof,
    consent_string: null,
    signal: null,
    extra: null,
    ...over,
  },
});
const snap = (...events: ConsentEvent[]): ConsentSnapshot => snapshotOf(events.reduce(evolve, initialConsentState()));
const q = { category: 'user.contact.email', purpose: 'marketing.communications.email', now: '2026-06-01T00:00:00.000Z' };

describe('evaluate (validate semantics, invariants 7 and 8)', () => {
  it('allows with a current consent for a covering parent category, with id and expiry', () => {
    expect(evaluate(snap(given()), q)).toMatchObject({ allowed: true, legal_basis: 'consent', consent_id: 'c1', expires_at: '2027-03-01T12:00:00.000Z', reason: 'consent_given' });
  });

  it('a consent to a purpose covers its sub-purposes, never a sibling or a parent', () => {
    const s = snap(given({ processing_purposes: ['marketing.communications'], expires_at: { 'marketing.communications': '2027-01-01T00:00:00.000Z' } }));
    expect(evaluate(s, q).allowed).toBe(true);
    expect(evaluate(s, { ...q, purpose: 'marketing' }).allowed).toBe(false);
    expect(evaluate(s, { ...q, purpose: 'marketing.advertising' }).allowed).toBe(false);
  });

  it('never allows an expired consent, even before the expiry event', () => {
    const r = evaluate(snap(given()), { ...q, now: '2027-03-01T12:00:00.000Z' });
    expect(r).toMatchObject({ allowed: false, reason: 'consent_expired', consent_id: 'c1' });
  });

  it('denies after withdrawal, with the reason', () => {
    const w: ConsentEvent = { type: 'consent.withdrawn', data: { subject_key: S, withdrawn_at: '2026-04-01T00:00:00.000Z', data_categories: null, processing_purposes: null, affected: [{ category: 'user.contact', purpose: 'marketing.communications.email', consent_id: 'c1' }] } };
    expect(evaluate(snap(given(), w), q)).toMatchObject({ allowed: false, reason: 'consent_withdrawn', legal_basis: null });
  });

  it('unknown subject and unknown pair are denied', () => {
    expect(evaluate(null, q)).toMatchObject({ allowed: false, reason: 'unknown_subject' });
    expect(evaluate(snap(given()), { ...q, purpose: 'analytics.reporting' })).toMatchObject({ allowed: false, reason: 'no_consent' });
  });

  it('other bases count only when the catalog declares them; consent is never taken from the catalog', () => {
    expect(evaluate(null, { ...q, purpose: 'essential.service', declaredBases: [] }).allowed).toBe(false);
    expect(evaluate(null, { ...q, purpose: 'essential.service', declaredBases: ['consent'] }).allowed).toBe(false);
    expect(evaluate(null, { ...q, purpose: 'essential.service', declaredBases: ['legitimate_interests', 'contract'] })).toMatchObject({ allowed: true, legal_basis: 'contract', reason: 'declared_basis' });
  });

  it('an objection removes legitimate interests and public task, not contract', () => {
    const o: ConsentEvent = { type: 'consent.objection_recorded', data: { subject_key: S, recorded_at: t0, purposes: ['analytics'], direct_marketing: false, request_id: null } };
    expect(evaluate(snap(o), { ...q, purpose: 'analytics.reporting', declaredBases: ['legitimate_interests'] })).toMatchObject({ allowed: false, reason: 'objection' });
    expect(evaluate(snap(o), { ...q, purpose: 'analytics.reporting', declaredBases: ['legitimate_interests', 'contract'] })).toMatchObject({ allowed: true, legal_basis: 'contract' });
    const dm: ConsentEvent = { type: 'consent.objection_recorded', data: { subject_key: S, recorded_at: t0, purposes: [], direct_marketing: true, request_id: null } };
    expect(evaluate(snap(dm), { ...q, purpose: 'marketing.communications.sms', declaredBases: ['legitimate_interests'] }).allowed).toBe(false);
    expect(evaluate(snap(dm), { ...q, purpose: 'analytics.reporting', declaredBases: ['legitimate_interests'] }).allowed).toBe(true);
    const dmAll: ConsentEvent = { type: 'consent.objection_recorded', data: { subject_key: S, recorded_at: t0, purposes: null, direct_marketing: true, request_id: null } };
    expect(evaluate(snap(dmAll), { ...q, purpose: 'marketing.advertising', declaredBases: ['legitimate_interests'] }).allowed).toBe(false);
    expect(evaluate(snap(dmAll), { ...q, purpose: 'analytics.reporting', declaredBases: ['legitimate_interests'] }).allowed).toBe(true);
    const all: ConsentEvent = { type: 'consent.objection_recorded', data: { subject_key: S, recorded_at: t0, purposes: null, direct_marketing: false, request_id: null } };
    expect(evaluate(snap(all), { ...q, purpose: 'analytics.reporting', declaredBases: ['legitimate_interests'] }).allowed).toBe(false);
  });

  it('an objection to direct marketing is absolute: it denies even with a current consent (Art. 21(3))', () => {
    const dm: ConsentEvent = { type: 'consent.objection_recorded', data: { subject_key: S, recorded_at: t0, purposes: [], direct_marketing: true, request_id: null } };
    expect(evaluate(snap(given()), q)).toMatchObject({ allowed: true, reason: 'consent_given' });
    expect(evaluate(snap(given(), dm), q)).toMatchObject({ allowed: false, reason: 'objection', legal_basis: null });
    expect(evaluate(snap(given(), dm), { ...q, purpose: 'analytics.reporting', declaredBases: ['legitimate_interests'] }).allowed).toBe(true);
  });

  it('restriction allows only storage or consent (Art. 18(2))', () => {
    const r: ConsentEvent = { type: 'consent.processing_restricted', data: { subject_key: S, restricted_at: t0, request_id: null, reason: null } };
    expect(evaluate(snap(r), { ...q, purpose: 'essential.service', declaredBases: ['contract'] })).toMatchObject({ allowed: false, reason: 'processing_restricted' });
    expect(evaluate(snap(given(), r), q).allowed).toBe(true);
  });

  it('a sale/sharing opt-out denies even with a consent (GPC wins), other purposes unaffected', () => {
    const opt: ConsentEvent = { type: 'consent.opt_out_recorded', data: { subject_key: S, kinds: ['sale', 'sharing'], source: 'gpc', recorded_at: t0, detail: null } };
    const ads = given({ consent_id: 'c2', processing_purposes: ['marketing.advertising.third_party'], expires_at: { 'marketing.advertising.third_party': '2027-01-01T00:00:00.000Z' } });
    const s = snap(opt, ads, given());
    expect(evaluate(s, { ...q, purpose: 'marketing.advertising.third_party' })).toMatchObject({ allowed: false, reason: 'opted_out' });
    expect(evaluate(s, { ...q, purpose: 'marketing.advertising.third_party' }).detail).toMatch(/gpc/);
    expect(evaluate(s, q).allowed).toBe(true);
  });

  it('a limit on sensitive PI blocks limitable purposes on sensitive categories', () => {
    const lim: ConsentEvent = { type: 'consent.opt_out_recorded', data: { subject_key: S, kinds: ['sensitive_limit'], source: 'gpp', recorded_at: t0, detail: 'usca' } };
    const g = given({ data_categories: ['user.account.credentials'], processing_purposes: ['analytics.reporting'], expires_at: { 'analytics.reporting': '2027-01-01T00:00:00.000Z' } });
    expect(evaluate(snap(lim, g), { category: 'user.account.credentials', purpose: 'analytics.reporting', now: q.now })).toMatchObject({ allowed: false, reason: 'opted_out' });
    expect(evaluate(snap(lim, g), { category: 'user.account.credentials', purpose: 'essential.service.security', now: q.now, declaredBases: ['legitimate_interests'] }).allowed).toBe(true);
  });

  it('the snapshot survives JSON (what Kafka and the read model carry) with the same answers', () => {
    const s = snap(given());
    const wire = JSON.parse(JSON.stringify(s)) as ConsentSnapshot;
    for (const now of ['2026-06-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']) expect(evaluate(wire, { ...q, now })).toEqual(evaluate(s, { ...q, now }));
  });
});
