import { DomainError } from '../shared/errors';
import { rejection } from '../../../../test/support/domain-errors';
import {
  ancestorsOf,
  categoryCovers,
  ccpaSaleOrSharing,
  DATA_CATEGORIES,
  isSensitiveUseLimitable,
  PURPOSES,
  resolveCategory,
  resolvePurpose,
  resolveSubjectCategory,
  specialFlagsOf,
} from './taxonomy';
import { LAWFUL_BASIS_RULES, resolveLawfulBasis, rightApplies } from '../law/lawful-bases';


describe('taxonomy', () => {
  it.each([
    ['user.contact.email', 'user.contact.email'],
    ['user.financial.account', 'user.financial.bank_account'],
    ['personal', 'user'],
    ['sensitive', 'user.sensitive'],
    ['behavioral', 'user.behavior'],
    ['biometric', 'user.biometric'],
    ['financial', 'user.financial'],
    ['health', 'user.health_and_medical'],
    ['location', 'user.location'],
    [' user.health ', 'user.health_and_medical'],
  ])('resolveCategory(%s) = %s', (input, expected) => expect(resolveCategory(input)).toBe(expected));

  it.each([
    ['essential.service', 'essential.service'],
    ['marketing.advertising.third_party', 'marketing.advertising.third_party'],
    ['contract_necessary', 'essential.service'],
    ['legal_obligation', 'essential.legal_obligation'],
    ['vital_interest', 'essential.vital_interests'],
    ['public_task', 'essential.public_task'],
    ['legitimate_interest', 'legacy.legitimate_interest'],
    ['user_consent', 'legacy.user_consent'],
    ['custom.internal.qa', 'custom.internal.qa'],
  ])('resolvePurpose(%s) = %s', (input, expected) => expect(resolvePurpose(input)).toBe(expected));

  it.each([
    ['user.contact.fax', /unknown data category/],
    ['custom.loyalty.tier', /undeclared custom key/],
    ['emails', /unknown data category/],
    ['User.Contact', /malformed/],
    ['user..email', /malformed/],
    ['custom.', /not a valid custom key/],
    ['custom.Bad-Key', /not a valid custom key/],
    ['', /non-empty/],
  ])('rejects category %j', (input, reason) => {
    const e = rejection(() => resolveCategory(input));
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(reason);
  });

  it('rejects unknown purposes and subject categories with the reason', () => {
    expect(rejection(() => resolvePurpose('marketing.spam')).message).toMatch(/unknown purpose: not in taxonomy/);
    expect(rejection(() => resolvePurpose('personal')).message).toMatch(/unknown purpose/);
    expect(rejection(() => resolveSubjectCategory('aliens')).message).toMatch(/unknown subject category/);
    expect(resolveSubjectCategory('employee')).toBe('employee');
  });

  it('every key is unique and its parent exists', () => {
    for (const list of [DATA_CATEGORIES, PURPOSES]) {
      const keys = list.map((d) => d.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const k of keys) for (const a of ancestorsOf(k)) expect(keys).toContain(a);
    }
  });

  it.each([
    ['user.contact', 'user.contact.email', true],
    ['user.contact', 'user.contact', true],
    ['user', 'user.health.medical', true],
    ['user.health', 'user.health_and_medical.medical', true],
    ['user.financial.card', 'user.financial.card_with_credentials', false],
    ['user.contact', 'user.contacts', false],
    ['user.contact.email', 'user.contact', false],
    ['user.device', 'user.demographic.age', false],
  ])('categoryCovers(%s, %s) = %s', (parent, child, expected) => expect(categoryCovers(parent, child)).toBe(expected));

  it.each([
    ['user.health.medical', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true }],
    ['user.demographic.political_opinion', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: false }],
    ['user.criminal', { gdpr_art9: false, gdpr_art10: true, cpra_sensitive: false }],
    ['user.government_id.ssn', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: true }],
    ['user.location.precise', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: true }],
    ['user.sensitive', { gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true }],
    ['user.contact.email', { gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false }],
  ])('special flags of %s', (key, flags) => expect(specialFlagsOf(key)).toMatchObject(flags));

  it('marks CCPA sale/sharing and sensitive-use purposes, inherited by descendants', () => {
    expect(ccpaSaleOrSharing('marketing.advertising.third_party')).toBe('sharing');
    expect(ccpaSaleOrSharing('third_party_sharing.data_broker')).toBe('sale');
    expect(ccpaSaleOrSharing('third_party_sharing')).toBeNull();
    expect(ccpaSaleOrSharing('marketing.advertising.first_party')).toBeNull();
    expect(ccpaSaleOrSharing('essential.service')).toBeNull();
    expect(isSensitiveUseLimitable('essential.service.payment')).toBe(false);
    expect(isSensitiveUseLimitable('essential.fraud_detection')).toBe(false);
    expect(isSensitiveUseLimitable('personalization.recommendations')).toBe(true);
  });
});

describe('lawful bases (GDPR Art. 6(1))', () => {
  it.each([
    ['consent', 'consent'],
    ['user_consent', 'consent'],
    ['contract_necessary', 'contract'],
    ['legitimate_interest', 'legitimate_interests'],
    ['vital_interest', 'vital_interests'],
    ['legal_obligation', 'legal_obligation'],
    ['public_task', 'public_task'],
  ])('resolveLawfulBasis(%s) = %s', (input, expected) => expect(resolveLawfulBasis(input)).toBe(expected));

  it('rejects a basis outside Art. 6(1)', () => {
    const e = rejection(() => resolveLawfulBasis('because_we_can'));
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(/Art\. 6\(1\)/);
  });

  it.each([
    ['consent', 'erasure', 'yes'],
    ['consent', 'portability', 'yes'],
    ['consent', 'objection', 'no'],
    ['contract', 'erasure', 'conditional'],
    ['contract', 'portability', 'yes'],
    ['legal_obligation', 'erasure', 'no'],
    ['legal_obligation', 'portability', 'no'],
    ['vital_interests', 'erasure', 'yes'],
    ['vital_interests', 'portability', 'no'],
    ['public_task', 'erasure', 'no'],
    ['public_task', 'portability', 'no'],
    ['public_task', 'objection', 'conditional'],
    ['legitimate_interests', 'erasure', 'yes'],
    ['legitimate_interests', 'objection', 'conditional'],
    ['legal_obligation', 'access', 'yes'],
  ] as const)('%s: %s -> %s (LAW.md section 9)', (basis, right, expected) => expect(rightApplies(basis, right)).toBe(expected));

  it('objection to direct marketing on legitimate interests is absolute (Art. 21(2))', () => {
    expect(rightApplies('legitimate_interests', 'objection', { directMarketing: true })).toBe('yes');
    expect(LAWFUL_BASIS_RULES.legitimate_interests.rights.objection.source).toMatch(/21\(2\)/);
  });
});
