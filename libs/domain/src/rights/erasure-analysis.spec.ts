import { normalizeRetentionObligation } from '../catalog/controller-retention';
import { analyseErasure, inScope, portabilityScope, type SystemHolding } from './erasure-analysis';

const now = new Date('2026-03-02T10:00:00Z');
const crm: SystemHolding = {
  system_id: 'crm',
  integration: 'kafka',
  categories: [
    { category: 'user.contact.email', purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }] },
    { category: 'user.behavior.inferences', purposes: [{ purpose: 'personalisation', lawful_basis: 'legitimate_interests' }] },
  ],
};
const billing: SystemHolding = {
  system_id: 'billing',
  integration: 'webhook',
  categories: [
    { category: 'user.financial.transaction', purposes: [{ purpose: 'order_fulfilment', lawful_basis: 'contract' }] },
    { category: 'user.contact.address', purposes: [{ purpose: 'order_fulfilment', lawful_basis: 'contract' }] },
    { category: 'user.government_id.tax_id', purposes: [{ purpose: 'tax_reporting', lawful_basis: 'legal_obligation' }] },
  ],
};
const security: SystemHolding = {
  system_id: 'siem',
  integration: 'manual',
  categories: [{ category: 'user.device.ip_address', purposes: [{ purpose: 'security', lawful_basis: 'legitimate_interests' }], exceptions: [{ code: 'security_integrity', note: 'fraud logs' }] }],
};

describe('erasure analysis', () => {
  it('erases consent and legitimate-interest data; keeps legal-obligation data and payment records with the reason', () => {
    const plan = analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, systems: [crm, billing], now });
    expect(plan[0]).toEqual({ system_id: 'crm', integration: 'kafka', erase: ['user.contact.email', 'user.behavior.inferences'], retained: [] });
    expect(plan[1].erase).toEqual(['user.contact.address']);
    expect(plan[1].retained).toEqual([
      expect.objectContaining({ category: 'user.financial.transaction', reason_code: 'legal_obligation:payment_records', retain_until: '2032-03-02', source: expect.stringContaining('Value Added Tax Act 1994') }),
      expect.objectContaining({ category: 'user.government_id.tax_id', reason_code: 'legal_obligation', source: 'GDPR Art. 17(3)(b)', explanation: expect.stringContaining('tax_reporting') }),
    ]);
  });

  it('retention counts from the record\'s own date, under the law of the controller\'s establishment', () => {
    const stored: SystemHolding = { ...billing, categories: [{ ...billing.categories[0], last_stored_at: '2024-11-15T10:00:00Z' }] };
    // UK VAT records: six years from the record (not from the erasure request)
    expect(analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, systems: [stored], now })[0].retained).toEqual([
      expect.objectContaining({ retain_until: '2030-11-15', source: expect.stringContaining('Sch. 11 para 6(3)') }),
    ]);
    // Germany: eight years from the end of the calendar year in which the voucher arose (AO § 147(3)-(4))
    expect(analyseErasure({ jurisdiction: 'CCPA', requestedCategories: null, systems: [stored], now, establishmentCountry: 'DE' })[0].retained).toEqual([
      expect.objectContaining({ retain_until: '2032-12-31', source: expect.stringMatching(/1798\.105\(d\)\(8\).*Abgabenordnung § 147/) }),
    ]);
    // no obligation recorded for the place: this ground keeps nothing
    expect(analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, systems: [stored], now, establishmentCountry: 'IT' })[0]).toMatchObject({ erase: ['user.financial.transaction'], retained: [] });
  });

  it('the catalog\'s declared obligations for the establishment come first, the law data only where it declares none, and the item says which', () => {
    const stored: SystemHolding = { ...billing, categories: [{ ...billing.categories[0], last_stored_at: '2026-04-10T10:00:00Z' }, { ...billing.categories[1], last_stored_at: '2026-04-10T10:00:00Z' }] };
    const corporationTax = normalizeRetentionObligation({ category: 'user.financial.transaction', years: 6, counted_from: 'end_of_financial_year', year_end_month: 3, jurisdiction: 'GB', statute: 'Finance Act 1998 Sch. 18 para 21' }, 'o');
    const addresses = normalizeRetentionObligation({ category: 'user.contact', period: 'P2Y', jurisdiction: 'GB', statute: 'a contract term under the Limitation Act 1980 s. 5' }, 'o');
    const german = normalizeRetentionObligation({ category: 'user.financial', years: 10, jurisdiction: 'DE', statute: 'HGB § 257' }, 'o');
    const plan = analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, systems: [stored], now, declaredObligations: [german, corporationTax, addresses] })[0];
    expect(plan.erase).toEqual([]);
    expect(plan.retained).toEqual([
      expect.objectContaining({ category: 'user.financial.transaction', reason_code: 'legal_obligation:declared_obligation', retain_until: '2033-03-31', source: 'GDPR Art. 17(3)(b); Finance Act 1998 Sch. 18 para 21', obligation_from: 'catalog' }),
      expect.objectContaining({ category: 'user.contact.address', retain_until: '2028-04-10', obligation_from: 'catalog' }),
    ]);
    // declared for another jurisdiction only: the law data default of the establishment (UK VAT, six years from the record)
    expect(analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, systems: [stored], now, declaredObligations: [german] })[0].retained).toEqual([
      expect.objectContaining({ category: 'user.financial.transaction', reason_code: 'legal_obligation:payment_records', retain_until: '2032-04-10', obligation_from: 'law' }),
    ]);
    // a declared obligation never keeps consent-based data (17(1)(b))
    const consented: SystemHolding = { ...stored, categories: [{ ...stored.categories[0], purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }] }] };
    expect(analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, systems: [consented], now, declaredObligations: [corporationTax] })[0]).toMatchObject({ erase: ['user.financial.transaction'], retained: [] });
  });

  it('public-task data is kept (17(3)(b))', () => {
    const [p] = analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, now, systems: [{ system_id: 'reg', integration: 'manual', categories: [{ category: 'user.name', purposes: [{ purpose: 'register', lawful_basis: 'public_task' }] }] }] });
    expect(p.retained[0]).toMatchObject({ reason_code: 'public_task', source: 'GDPR Art. 17(3)(b)' });
  });

  it('a legal hold keeps the named categories for legal claims (17(3)(e))', () => {
    const [p] = analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, now, systems: [{ ...crm, legal_hold: { categories: ['user.contact'], reason: 'pending lawsuit' } }] });
    expect(p.erase).toEqual(['user.behavior.inferences']);
    expect(p.retained).toEqual([expect.objectContaining({ category: 'user.contact.email', reason_code: 'legal_claims', source: 'GDPR Art. 17(3)(e)' })]);
  });

  it('exceptions are per jurisdiction: security integrity keeps data under CCPA, not under GDPR', () => {
    const [ccpa] = analyseErasure({ jurisdiction: 'CCPA', requestedCategories: null, now, systems: [security] });
    expect(ccpa.retained[0]).toMatchObject({ reason_code: 'security_integrity', source: 'Civ. Code § 1798.105(d)(2)' });
    const [gdpr] = analyseErasure({ jurisdiction: 'GDPR', requestedCategories: null, now, systems: [security] });
    expect(gdpr).toMatchObject({ erase: ['user.device.ip_address'], retained: [] });
  });

  it('CCPA: legal obligation is § 1798.105(d)(8)', () => {
    const [, p] = analyseErasure({ jurisdiction: 'CCPA', requestedCategories: ['user.government_id'], now, systems: [crm, billing] });
    expect(p.retained).toEqual([expect.objectContaining({ category: 'user.government_id.tax_id', source: 'Civ. Code § 1798.105(d)(8)' })]);
    expect(p.erase).toEqual([]);
  });

  it('only the requested categories are in scope (a key covers its sub-categories)', () => {
    const [p] = analyseErasure({ jurisdiction: 'GDPR', requestedCategories: ['user.contact'], now, systems: [crm] });
    expect(p).toMatchObject({ erase: ['user.contact.email'], retained: [] });
    expect(inScope('user.contact.email', ['user.contact'])).toBe(true);
    expect(inScope('user.contactless', ['user.contact'])).toBe(false);
  });
});

describe('portability (Art. 20)', () => {
  it('only consent or contract, automated, provided by the subject', () => {
    expect(
      portabilityScope([
        { category: 'user.contact.email', purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }] },
        { category: 'user.contact.address', purposes: [{ purpose: 'delivery', lawful_basis: 'contract' }] },
        { category: 'user.behavior.inferences', purposes: [{ purpose: 'ads', lawful_basis: 'legitimate_interests' }] },
        { category: 'user.financial.credit', purposes: [{ purpose: 'scoring', lawful_basis: 'contract' }], provided_by_subject: false },
        { category: 'user.name', purposes: [{ purpose: 'paper forms', lawful_basis: 'consent' }], automated: false },
      ]),
    ).toEqual({
      portable: ['user.contact.email', 'user.contact.address'],
      excluded: [
        { category: 'user.behavior.inferences', reason: expect.stringContaining('20(1)(a)') },
        { category: 'user.financial.credit', reason: expect.stringContaining('provided') },
        { category: 'user.name', reason: expect.stringContaining('automated') },
      ],
    });
  });
});
