import { DEFAULT_TCF_PURPOSE_MAP } from '@pl/domain/law/consent';
import { expiryPolicyFromEnv, tcfPurposeMapFromEnv } from './consent-settings';

describe('consent configuration from the environment', () => {
  it('reads per-purpose expiry overrides, resolving coarse purpose values', () => {
    const p = expiryPolicyFromEnv({ CONSENT_EXPIRY_MONTHS: '6', CONSENT_EXPIRY_MONTHS_BY_PURPOSE: 'marketing=3, user_consent=9' });
    expect(p.defaultMonths).toBe(6);
    expect(p.perPurpose).toEqual({ marketing: 3, 'legacy.user_consent': 9 });
    expect(() => expiryPolicyFromEnv({ CONSENT_EXPIRY_MONTHS_BY_PURPOSE: 'marketing=0' })).toThrow(/1..120/);
    expect(() => expiryPolicyFromEnv({ CONSENT_EXPIRY_MONTHS_BY_PURPOSE: 'nonsense.key=3' })).toThrow(/unknown purpose/);
  });

  it('overrides the TCF purpose map per purpose id', () => {
    expect(tcfPurposeMapFromEnv({})).toBe(DEFAULT_TCF_PURPOSE_MAP);
    const m = tcfPurposeMapFromEnv({ CONSENT_TCF_PURPOSE_MAP: '{"1":["custom.device_storage"],"9":[]}' });
    expect(m[1]).toEqual(['custom.device_storage']);
    expect(m[9]).toEqual([]);
    expect(m[7]).toEqual(DEFAULT_TCF_PURPOSE_MAP[7]);
    expect(() => tcfPurposeMapFromEnv({ CONSENT_TCF_PURPOSE_MAP: '{"99":[]}' })).toThrow(/1..24/);
  });
});
