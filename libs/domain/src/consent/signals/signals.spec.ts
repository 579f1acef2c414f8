import { gppString, tcString } from '../../../../../test/support/consent-signals';
import { DomainError } from '../../shared';
import { parseConsentString } from './index';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? e.code : 'other';
  }
  return 'none';
};

describe('consent signals', () => {
  it('decodes a TC string built with the IAB encoder into a summary and maps purposes through data', () => {
    const s = tcString({ purposes: [1, 3, 4, 7], vendors: [32, 755], specialFeatures: [1], cmpId: 42 });
    const p = parseConsentString(s);
    expect(p.summary.kind).toBe('tcf');
    const tcf = p.summary.kind === 'tcf' ? p.summary.tcf : null;
    expect(tcf).toMatchObject({ version: 2, cmp_id: 42, cmp_version: 3, consent_screen: 2, policy_version: 5, vendor_list_version: 150, purpose_consents: [1, 3, 4, 7], special_feature_opt_ins: [1], vendor_consents: [32, 755] });
    expect(p.tcfPurposes).toEqual(['analytics.reporting.ad_performance', 'marketing.advertising.profiling', 'marketing.advertising.third_party']);
    expect(parseConsentString(s, { 1: ['custom.device_storage'] }).tcfPurposes).toEqual(['custom.device_storage']);
  });

  it('rejects malformed TC strings as invalid (400)', () => {
    const good = tcString({ purposes: [1] });
    expect(code(() => parseConsentString('CPX'))).toBe('invalid');
    expect(code(() => parseConsentString(good.slice(0, 12)))).toBe('invalid');
    expect(code(() => parseConsentString('C!!'))).toBe('invalid');
  });

  it('turns usca sale/sharing/sensitive opt-outs into CCPA opt-outs', () => {
    const s = gppString('usca', { SaleOptOutNotice: 1, SaleOptOut: 1, SharingOptOut: 1, SensitiveDataProcessing: [0, 1, 0, 0, 0, 0, 0, 0, 0] });
    const p = parseConsentString(s);
    expect(p.optOuts).toEqual({ kinds: ['sale', 'sensitive_limit', 'sharing'], source: 'gpp', detail: 'usca' });
  });

  it('a usnat section that did not opt out yields no opt-out', () => {
    const p = parseConsentString(gppString('usnat', { SaleOptOut: 2, SharingOptOut: 2 }));
    expect(p.summary.kind).toBe('gpp');
    expect(p.optOuts).toBeNull();
  });

  it('rejects malformed GPP strings', () => {
    expect(code(() => parseConsentString('DBABM~'))).toBe('invalid');
    expect(code(() => parseConsentString('DBABMA~CPX'))).toBe('invalid');
    expect(code(() => parseConsentString('Dgarbage'))).toBe('invalid');
  });

  it('reads the legacy US Privacy string', () => {
    expect(parseConsentString('1YYN')).toEqual({ summary: { kind: 'usp', usp: { version: 1, notice_given: 'Y', opted_out_of_sale: 'Y', lspa_covered: 'N' } }, optOuts: { kinds: ['sale'], source: 'usp', detail: 'us_privacy' }, tcfPurposes: [] });
    expect(parseConsentString('1YNN').optOuts).toBeNull();
    expect(parseConsentString('1---').optOuts).toBeNull();
    expect(code(() => parseConsentString('2YNN'))).toBe('invalid');
    expect(code(() => parseConsentString('hello'))).toBe('invalid');
  });
});
