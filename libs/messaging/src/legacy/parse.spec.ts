import { parseLegacyConsent } from './parse';

const given = {
  eventId: 'evt-1',
  userId: 'user-1',
  consentId: 'cons-1',
  timestamp: '2026-03-01T12:00:00.000Z',
  dataCategories: ['personal', 'behavioral'],
  processingPurposes: ['marketing'],
  consentStatus: 'given',
  legalBasis: 'consent',
  expiryDate: '2027-03-01T12:00:00.000Z',
  consentString: null,
  metadata: { userAgent: 'Mozilla/5.0', ipAddress: '203.0.113.9', consentInterface: 'web_banner', language: 'en' },
};
const withdrawn = {
  eventId: 'evt-2',
  userId: 'user-1',
  timestamp: '2026-03-02T12:00:00.000Z',
  withdrawalType: 'partial',
  dataCategories: ['behavioral'],
  reason: 'user request',
  requiredActions: ['stop_processing', 'delete_data'],
};
const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const headers = (over: Record<string, string> = {}) => ({ eventType: 'CONSENT_GIVEN', userId: 'user-1', timestamp: '2026-03-01T12:00:00.000Z', ...over });

describe('parseLegacyConsent (the earlier Node consent manager\'s topics)', () => {
  it('reads consent.given exactly as listed, keeping the metadata and unknown fields', () => {
    const r = parseLegacyConsent('consent.given', 'user-1', buf({ ...given, campaign: 'spring' }), headers());
    expect(r).toEqual({
      ok: true,
      // every listed field as sent, nothing more, nothing dropped
      value: { kind: 'given', topic: 'consent.given', ...given, unknownFields: { campaign: 'spring' } },
    });
  });

  it('reads consent.withdrawn with the urgency header, and consent.expired as the end of the named scope', () => {
    expect(parseLegacyConsent('consent.withdrawn', 'user-1', buf(withdrawn), headers({ urgency: 'high' }))).toEqual({
      ok: true,
      value: expect.objectContaining({ kind: 'ended', dataCategories: ['behavioral'], withdrawalType: 'partial', reason: 'user request', requiredActions: ['stop_processing', 'delete_data'], urgency: 'high' }),
    });
    const expired = { eventId: 'evt-3', userId: 'user-1', consentId: 'cons-1', timestamp: '2026-03-02T12:00:00.000Z', dataCategories: ['personal'], processingPurposes: ['marketing'] };
    expect(parseLegacyConsent('consent.expired', 'user-1', buf(expired))).toEqual({
      ok: true,
      value: expect.objectContaining({ kind: 'ended', topic: 'consent.expired', withdrawalType: 'expired', dataCategories: ['personal'], processingPurposes: ['marketing'] }),
    });
    expect(parseLegacyConsent('consent.updated', 'user-1', buf({ ...given, consentStatus: 'withdrawn' }))).toMatchObject({ ok: true, value: { kind: 'ended', withdrawalType: 'withdrawn' } });
    expect(parseLegacyConsent('consent.updated', 'user-1', buf(given))).toMatchObject({ ok: true, value: { kind: 'given', topic: 'consent.updated' } });
  });

  it('skips what the ledger published itself', () => {
    expect(parseLegacyConsent('consent.given', 'user-1', buf(given), headers({ 'pl-origin': 'privacy-ledger' }))).toEqual({ ok: 'skip' });
  });

  it.each([
    ['consent.given', 'user-1', '{not json', 'value is not JSON'],
    ['consent.given', 'user-1', [], 'value is not a JSON object'],
    ['consent.given', 'user-1', { ...given, eventId: undefined }, 'eventId is required'],
    ['consent.given', 'someone-else', given, 'message key must be the userId'],
    ['consent.given', 'user-1', { ...given, dataCategories: [] }, 'dataCategories must not be empty'],
    ['consent.given', 'user-1', { ...given, dataCategories: 'personal' }, 'dataCategories must be an array of at most 100 non-empty strings'],
    ['consent.given', 'user-1', { ...given, consentStatus: 'pending' }, 'consentStatus pending records no consent: send consent.given once the user has given it'],
    ['consent.given', 'user-1', { ...given, consentStatus: 'withdrawn' }, 'consentStatus on consent.given must be given'],
    ['consent.given', 'user-1', { ...given, timestamp: 'yesterday' }, 'timestamp must be an ISO-8601 timestamp'],
    ['consent.given', 'user-1', { ...given, metadata: [] }, 'metadata must be an object'],
    ['consent.given', 'user-1', { ...given, userId: 'user-1\u0000' }, 'userId must not contain a NUL character (U+0000)'],
    ['consent.expired', 'user-1', { ...withdrawn, dataCategories: [] }, 'dataCategories must not be empty'],
    ['consent.withdrawn', 'user-1', { ...withdrawn, requiredActions: [1] }, 'requiredActions must be an array of at most 100 non-empty strings'],
    ['consent.other', 'user-1', given, 'not a legacy consent topic'],
  ])('%s with a bad message is refused with a reason naming no value (%#)', (topic, key, value, reason) => {
    const r = parseLegacyConsent(topic, key, buf(value as unknown), headers());
    expect(r).toEqual({ ok: false, reason });
    expect(reason).not.toContain('user-1');
  });

  it('refuses a userId header that is not the value\'s userId', () => {
    expect(parseLegacyConsent('consent.given', 'user-1', buf(given), headers({ userId: 'user-2' }))).toEqual({ ok: false, reason: 'userId header must be the userId of the value' });
  });
});
