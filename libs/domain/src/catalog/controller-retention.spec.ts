import { normalizeActivity } from './activity';
import { declaredRetentionEnd, normalizeRetentionObligation } from './controller-retention';
import { evaluateManifestYaml } from './manifest-yaml';

const corporationTax = { category: 'user.financial', years: 6, counted_from: 'end_of_financial_year', year_end_month: 3, jurisdiction: 'gb', statute: 'Finance Act 1998 Sch. 18 para 21' };

describe('retention obligations declared by a controller', () => {
  it('normalises years to an ISO 8601 period, the category to its taxonomy key, the jurisdiction to upper case', () =>
    expect(normalizeRetentionObligation(corporationTax, 'o')).toEqual({ category: 'user.financial', period: 'P6Y', counted_from: 'end_of_financial_year', year_end_month: 3, jurisdiction: 'GB', statute: 'Finance Act 1998 Sch. 18 para 21' }));

  it.each([
    ['the statute is missing', { ...corporationTax, statute: '' }, /statute is required/],
    ['both period and years', { ...corporationTax, period: 'P6Y' }, /exactly one of period/],
    ['neither period nor years', { ...corporationTax, years: null }, /exactly one of period/],
    ['a bad duration', { ...corporationTax, years: null, period: '6 years' }, /ISO 8601 duration/],
    ['a financial year without its last month', { ...corporationTax, year_end_month: null }, /year_end_month \(1-12\) is required/],
    ['a year-end month outside 1-12', { ...corporationTax, year_end_month: 13 }, /year_end_month \(1-12\) is required/],
    ['a year-end month on another counting', { ...corporationTax, counted_from: 'record_date' }, /only to end_of_financial_year/],
    ['an unknown counting', { ...corporationTax, counted_from: 'request_date' }, /counted_from must be one of/],
    ['an unknown jurisdiction', { ...corporationTax, jurisdiction: 'XX' }, /ISO 3166-1/],
  ])('refuses %s', (_name, input, re) => expect(() => normalizeRetentionObligation(input as any, 'o')).toThrow(re));

  it.each([
    // financial year ending 31 March: a record of 10 April 2026 belongs to the year ending 31 March 2027
    [{ counted_from: 'end_of_financial_year', year_end_month: 3 }, '2026-04-10', '2033-03-31'],
    [{ counted_from: 'end_of_financial_year', year_end_month: 3 }, '2026-03-31', '2032-03-31'],
    [{ counted_from: 'end_of_calendar_year', year_end_month: null }, '2026-04-10', '2032-12-31'],
    [{ counted_from: 'record_date', year_end_month: null }, '2026-04-10T09:00:00Z', '2032-04-10'],
  ])('counts %j for a record of %s: kept until %s', (counting, recordDate, until) =>
    expect(declaredRetentionEnd(normalizeRetentionObligation({ ...corporationTax, ...counting } as any, 'o'), recordDate)).toBe(until));

  it('takes an ISO 8601 period as declared', () =>
    expect(declaredRetentionEnd(normalizeRetentionObligation({ ...corporationTax, years: null, period: 'P18M', counted_from: 'record_date', year_end_month: null }, 'o'), '2026-08-31')).toBe('2028-02-29'));

  const activity = (controller: object) => ({
    activity_id: 'payments',
    name: 'Payments',
    controller: { name: 'Shop Ltd', contact: 'privacy@shop.example', ...controller },
    purposes: [{ purpose: 'essential.legal', lawful_basis: 'legal_obligation' }],
    subject_categories: ['customer'],
    data_categories: ['user.financial'],
    systems: ['billing'],
  });
  it('an activity\'s controller carries them; without them the snapshot is what it was before', () => {
    expect(normalizeActivity(activity({ retention_obligations: [corporationTax] }), ['billing']).controller.retention_obligations).toEqual([expect.objectContaining({ period: 'P6Y', jurisdiction: 'GB' })]);
    expect(normalizeActivity(activity({}), ['billing']).controller).toEqual({ name: 'Shop Ltd', contact: 'privacy@shop.example' });
    expect(() => normalizeActivity(activity({ retention_obligations: [{ ...corporationTax, statute: undefined }] }), ['billing'])).toThrow(/retention_obligations\[0\]\.statute is required/);
  });
});

describe('retention obligations in a privacy manifest', () => {
  const manifest = (statute: string) => `
systems:
  - { system_id: billing, name: Billing, owner: finance, storage: [{ country: GB }], role: controller, consent_check: false }
activities:
  - activity_id: payments
    name: Payments
    controller:
      name: Shop Ltd
      contact: privacy@shop.example
      retention_obligations:
        - { category: user.financial, years: 6, counted_from: end_of_financial_year, year_end_month: 3, jurisdiction: GB, statute: "${statute}" }
    purposes: [{ purpose: essential.legal, lawful_basis: legal_obligation }]
    subject_categories: [customer]
    data_categories: [user.financial]
    retention: [{ period: P7Y }]
    systems: [billing]
`;
  it('are read from the controller section', () => {
    const { findings, manifest: m } = evaluateManifestYaml(manifest('Finance Act 1998 Sch. 18 para 21'), new Date('2026-11-26T00:00:00Z'));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(normalizeActivity(m.activities![0], ['billing']).controller.retention_obligations).toEqual([expect.objectContaining({ period: 'P6Y', year_end_month: 3, statute: 'Finance Act 1998 Sch. 18 para 21' })]);
  });
  it('one without its statute is an error finding', () => {
    const { findings } = evaluateManifestYaml(manifest(''), new Date('2026-11-26T00:00:00Z'));
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual([expect.stringMatching(/statute is required/)]);
  });
});
