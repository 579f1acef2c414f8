import { spec } from '../shared/testing';
import { addDuration, parseDuration } from './common';
import { obligationEndsAt, obligationTimeZone, receiptEvents, subjectRetentionDecider, type ReceiptEvent } from './receipts';
import { retentionOf } from './retention';

const subject = 'sub_' + 'a'.repeat(32);
const activities = [
  {
    activity_id: 'accounts',
    systems: ['crm', 'billing'],
    purposes: [{ purpose: 'essential.service', lawful_basis: 'contract' as const, basis_detail: null, categories: [] }],
    data_categories: ['user.contact', 'user.financial'],
    retention: [{ category: null, period: 'P2Y', reason: null }],
  },
  {
    activity_id: 'bookkeeping',
    systems: ['billing'],
    purposes: [{ purpose: 'essential.legal', lawful_basis: 'legal_obligation' as const, basis_detail: 'HGB § 257', categories: [] }],
    data_categories: ['user.financial'],
    retention: [{ category: 'user.financial.transaction', period: 'P10Y', reason: 'tax law' }, { category: null, period: 'P7Y', reason: 'commercial law' }],
  },
];

describe('durations', () => {
  it.each([
    ['2026-01-31T00:00:00.000Z', 'P1M', '2026-02-28T00:00:00.000Z'],
    ['2024-02-29T08:00:00.000Z', 'P1Y', '2025-02-28T08:00:00.000Z'],
    ['2026-01-01T00:00:00.000Z', 'P7Y', '2033-01-01T00:00:00.000Z'],
    ['2026-01-01T00:00:00.000Z', 'P30D', '2026-01-31T00:00:00.000Z'],
    ['2026-01-01T00:00:00.000Z', 'P1Y6M', '2027-07-01T00:00:00.000Z'],
    ['2026-01-01T00:00:00.000Z', 'P2W', '2026-01-15T00:00:00.000Z'],
  ])('%s + %s = %s', (from, d, to) => expect(addDuration(new Date(from), parseDuration(d, 'd')).toISOString()).toBe(to));

  it.each(['7y', 'P', 'P0D', 'PT5H', ''])('rejects %j', (d) => expect(() => parseDuration(d, 'period')).toThrow(/ISO 8601|longer than zero/));
});

describe('retention from real receipt times', () => {
  const stored = new Date('2026-03-15T09:30:00.000Z');
  it.each([
    [{ system_id: 'crm', category: 'user.contact.email', purpose: 'essential.service' }, 'accounts', 'contract', 'P2Y', '2028-03-15T09:30:00.000Z'],
    [{ system_id: 'billing', category: 'user.financial.transaction', purpose: 'essential.legal' }, 'bookkeeping', 'legal_obligation', 'P10Y', '2036-03-15T09:30:00.000Z'],
    [{ system_id: 'billing', category: 'user.financial.account', purpose: 'essential.legal' }, 'bookkeeping', 'legal_obligation', 'P7Y', '2033-03-15T09:30:00.000Z'],
    [{ system_id: 'billing', category: 'user.financial.account', purpose: 'essential.service.payment' }, 'accounts', 'contract', 'P2Y', '2028-03-15T09:30:00.000Z'],
  ])('%j', (h, activity, basis, period, due) => {
    expect(retentionOf(activities, h, stored)).toEqual(expect.objectContaining({ activity_id: activity, lawful_basis: basis, period, delete_after: due }));
  });

  it('no declaring activity: null', () => {
    expect(retentionOf(activities, { system_id: 'crm', category: 'user.health', purpose: 'essential.service' }, stored)).toBeNull();
    expect(retentionOf(activities, { system_id: 'crm', category: 'user.contact.email', purpose: 'marketing.advertising' }, stored)).toBeNull();
  });
});

describe('receipts', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('turns reports into events with canonical keys', () => {
    const events = receiptEvents(subject, [{ receipt_id: 'r1', system_id: 'crm', category: 'personal', purpose: 'contract_necessary', stored_at: '2026-05-01T00:00:00Z' }], new Set(['crm']), now);
    expect(events).toEqual([
      { type: 'catalog.processing_recorded', data: { receipt_id: 'r1', subject_key: subject, system_id: 'crm', category: 'user', purpose: 'essential.service', stored_at: '2026-05-01T00:00:00.000Z' } },
    ]);
  });
  it.each([
    [{ system_id: 'ghost' }, /not a registered system/],
    [{ category: 'user.mood' }, /unknown data category/],
    [{ stored_at: '2026-07-01T00:00:00Z' }, /future/],
    [{ stored_at: 'yesterday' }, /ISO-8601/],
  ])('rejects %j', (override, re) => {
    const r = { receipt_id: 'r1', system_id: 'crm', category: 'user.contact.email', purpose: 'essential.service', stored_at: '2026-05-01T00:00:00Z', ...override };
    expect(() => receiptEvents(subject, [r], new Set(['crm']), now)).toThrow(re);
  });
  it('refuses a raw user id as subject key', () => expect(() => receiptEvents('alice@example.com', [], new Set(), now)).toThrow(/pseudonymous/));

  const rec = (at: string): ReceiptEvent => ({ type: 'catalog.processing_recorded', data: { receipt_id: at, subject_key: subject, system_id: 'crm', category: 'user.contact.email', purpose: 'essential.service', stored_at: at } });
  const expiry = (last: string) => ({ subject_key: subject, system_id: 'crm', category: 'user.contact.email', purpose: 'essential.service', activity_id: 'accounts', last_stored_at: last, period: 'P2Y', due_at: '2028-01-01T00:00:00.000Z' });

  it('emits retention_expired once for the latest receipt', () => {
    const e = expiry('2026-01-01T00:00:00.000Z');
    spec(subjectRetentionDecider).given([rec('2026-01-01T00:00:00.000Z')]).when({ type: 'MarkRetentionExpired', expiry: e, now: new Date('2028-01-02T00:00:00.000Z') }).then([{ type: 'catalog.retention_expired', data: e }]);
    spec(subjectRetentionDecider)
      .given([rec('2026-01-01T00:00:00.000Z'), { type: 'catalog.retention_expired', data: e }])
      .when({ type: 'MarkRetentionExpired', expiry: e, now: new Date('2028-01-02T00:00:00.000Z') })
      .then([]);
  });
  it('a newer receipt restarts the clock: no expiry for the old one', () =>
    spec(subjectRetentionDecider)
      .given([rec('2026-01-01T00:00:00.000Z'), rec('2027-06-01T00:00:00.000Z')])
      .when({ type: 'MarkRetentionExpired', expiry: expiry('2026-01-01T00:00:00.000Z'), now: new Date('2028-01-02T00:00:00.000Z') })
      .then([]));
  it('refuses an expiry before it is due', () =>
    spec(subjectRetentionDecider)
      .given([rec('2026-01-01T00:00:00.000Z')])
      .when({ type: 'MarkRetentionExpired', expiry: expiry('2026-01-01T00:00:00.000Z'), now: new Date('2027-01-01T00:00:00.000Z') })
      .thenThrows('invalid', /not expired/));
});

describe('a retained holding whose retention obligation ended', () => {
  const rec: ReceiptEvent = { type: 'catalog.processing_recorded', data: { receipt_id: 'r', subject_key: subject, system_id: 'billing', category: 'user.financial.transaction', purpose: 'essential.legal', stored_at: '2026-01-11T08:00:00.000Z' } };
  const ended = (since = '2026-03-03T00:00:00.000Z') => ({
    subject_key: subject,
    system_id: 'billing',
    category: 'user.financial.transaction',
    purpose: 'essential.legal',
    reason_code: 'legal_obligation:payment_records',
    source: 'GDPR Art. 17(3)(b); Value Added Tax Act 1994 Sch. 11 para 6(3)',
    retained_until: '2032-01-11',
    retained_since: since,
    due_at: '2032-01-12T00:00:00.000Z',
  });
  const when = (now: string, e = ended()) => ({ type: 'MarkObligationEnded' as const, ended: e, now: new Date(now) });

  it('ends the day after retained_until (the last day kept)', () => expect(obligationEndsAt('2032-12-31')).toBe('2033-01-01T00:00:00.000Z'));
  it('is recorded once the day after the last day kept has begun, with the reason and statute', () =>
    spec(subjectRetentionDecider).given([rec]).when(when('2032-01-12T00:00:00.000Z')).then([{ type: 'catalog.retention_obligation_ended', data: ended() }]));
  it('is recorded once per erasure (a retry after a crash appends nothing)', () =>
    spec(subjectRetentionDecider).given([rec, { type: 'catalog.retention_obligation_ended', data: ended() }]).when(when('2032-02-01T00:00:00.000Z')).then([]));
  it('a later erasure that retained the holding again ends again', () =>
    spec(subjectRetentionDecider)
      .given([rec, { type: 'catalog.retention_obligation_ended', data: ended() }])
      .when(when('2032-02-01T00:00:00.000Z', ended('2031-05-01T00:00:00.000Z')))
      .then([{ type: 'catalog.retention_obligation_ended', data: ended('2031-05-01T00:00:00.000Z') }]));
  it('refuses it on the last day kept', () =>
    spec(subjectRetentionDecider).given([rec]).when(when('2032-01-11T23:59:59.999Z')).thenThrows('invalid', /not ended/));
  it('refuses a due date that is not the day after retained_until', () =>
    spec(subjectRetentionDecider).given([rec]).when(when('2033-01-01T00:00:00.000Z', { ...ended(), due_at: '2026-01-01T00:00:00.000Z' })).thenThrows('invalid', /day after/));
  it('records nothing for a holding the stream never received', () =>
    spec(subjectRetentionDecider).given([]).when(when('2033-01-01T00:00:00.000Z')).then([]));

  describe("counted in the controller's establishment time zone", () => {
    const berlin = { ...ended(), retained_until: '2032-07-11', time_zone: 'Europe/Berlin', due_at: '2032-07-11T22:00:00.000Z' };
    it('ends at local midnight after the last day kept (CEST: 22:00 UTC), in winter too (CET: 23:00 UTC)', () => {
      expect(obligationEndsAt('2032-07-11', 'Europe/Berlin')).toBe('2032-07-11T22:00:00.000Z');
      expect(obligationEndsAt('2032-01-11', 'Europe/Berlin')).toBe('2032-01-11T23:00:00.000Z');
      expect(obligationEndsAt('2032-07-11', 'America/Los_Angeles')).toBe('2032-07-12T07:00:00.000Z');
    });
    it('is recorded once the local day after has begun, though the UTC day has not', () =>
      spec(subjectRetentionDecider).given([rec]).when(when('2032-07-11T22:00:00.000Z', berlin)).then([{ type: 'catalog.retention_obligation_ended', data: berlin }]));
    it('is refused on the last local day kept', () =>
      spec(subjectRetentionDecider).given([rec]).when(when('2032-07-11T21:59:59.999Z', berlin)).thenThrows('invalid', /not ended/));
    it('refuses a due date counted in UTC for a zone that is not', () =>
      spec(subjectRetentionDecider).given([rec]).when(when('2032-07-13T00:00:00.000Z', { ...berlin, due_at: '2032-07-12T00:00:00.000Z' })).thenThrows('invalid', /day after/));
    it("takes the zone from the catalog's controllers; none or several: the default establishment's", () => {
      const at = (country: string, region: string | null = null) => ({ controller: { establishment: { country, region } } });
      expect(obligationTimeZone([at('DE', 'BE'), { controller: {} }])).toBe('Europe/Berlin');
      expect(obligationTimeZone([at('US', 'CA')])).toBe('America/Los_Angeles');
      expect(obligationTimeZone([])).toBe('Europe/London');
      expect(obligationTimeZone([at('DE'), at('FR')])).toBe('Europe/London');
    });
  });
});
