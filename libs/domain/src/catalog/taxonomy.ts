import { invalid, invalidValue } from '../shared/errors';
import { CPRA_SENSITIVE, type Art9Kind, type CpraSensitiveKind, type SpecialCategoryFlags } from '../law/special-categories';
import type { RestrictionException } from '../law/consent';
import { COARSE_LAWFUL_BASES, type LawfulBasis } from '../law/lawful-bases';

/**
 * The catalog taxonomy: hierarchical dotted keys for data categories, purposes (data uses) and data
 * subject categories. A key covers its descendants (`user.contact` covers `user.contact.email`).
 * Organisations add their own keys under `custom.` (e.g. `custom.loyalty.tier`).
 * Versioned as data: change the law or the taxonomy here, in one place.
 */
export const TAXONOMY_VERSION = '2026-12-02';
export const CUSTOM_PREFIX = 'custom.';

const KEY_SHAPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const CUSTOM_SHAPE = /^custom(\.[a-z][a-z0-9_]*)+$/;

export interface DataCategoryDef {
  readonly key: string;
  readonly label: string;
  /** Flags set here are inherited by every descendant. */
  readonly art9?: Art9Kind | 'unspecified';
  readonly art10?: true;
  readonly cpra?: CpraSensitiveKind | 'unspecified';
}

export interface PurposeDef {
  readonly key: string;
  readonly label: string;
  /** CCPA: 'sale' (Civ. Code § 1798.140(ad)), 'sharing' for cross-context behavioural advertising (§ 1798.140(ah)). */
  readonly ccpa_sale_or_sharing?: 'sale' | 'sharing';
  /**
   * Use of sensitive PI beyond the purposes of 11 CCR § 7027(m) (services reasonably expected, security,
   * fraud prevention, short-term transient use, quality/safety): subject to the right to limit (§ 1798.121).
   */
  readonly ccpa_sensitive_use_limitable?: boolean;
  /** GDPR Art. 21(2)-(3): objection to direct marketing is absolute. */
  readonly direct_marketing?: boolean;
  /** GDPR Art. 18(2): the exception to a restriction this purpose serves (law/consent.ts RESTRICTION_EXCEPTIONS). */
  readonly art18_exception?: RestrictionException;
}

export interface SubjectCategoryDef {
  readonly key: string;
  readonly label: string;
  /** WP248 rev.01 criterion 7: vulnerable data subjects (children, employees, patients, ...). */
  readonly vulnerable?: boolean;
  /** CPRA (from 2026): PI of consumers known to be under 16 is sensitive. */
  readonly minor?: boolean;
}

export const DATA_CATEGORIES: readonly DataCategoryDef[] = [
  { key: 'user', label: 'Personal data about a user (any identified or identifiable natural person)' },
  { key: 'user.name', label: 'Personal name' },
  { key: 'user.account', label: 'Account data' },
  { key: 'user.account.username', label: 'Username or handle' },
  { key: 'user.account.credentials', label: 'Account log-in with password or credentials', cpra: 'account_credentials' },
  { key: 'user.account.settings', label: 'Account settings and preferences' },
  { key: 'user.contact', label: 'Contact data' },
  { key: 'user.contact.email', label: 'Email address' },
  { key: 'user.contact.phone', label: 'Telephone number' },
  { key: 'user.contact.address', label: 'Postal address' },
  { key: 'user.demographic', label: 'Demographic data' },
  { key: 'user.demographic.age', label: 'Age or age range' },
  { key: 'user.demographic.date_of_birth', label: 'Date of birth' },
  { key: 'user.demographic.gender', label: 'Gender' },
  { key: 'user.demographic.language', label: 'Language' },
  { key: 'user.demographic.racial_ethnic_origin', label: 'Racial or ethnic origin', art9: 'racial_ethnic_origin', cpra: 'racial_ethnic_origin' },
  { key: 'user.demographic.political_opinion', label: 'Political opinions', art9: 'political_opinions' },
  { key: 'user.demographic.religious_belief', label: 'Religious or philosophical beliefs', art9: 'religious_philosophical_beliefs', cpra: 'religious_philosophical_beliefs' },
  { key: 'user.demographic.trade_union', label: 'Trade-union membership', art9: 'trade_union_membership', cpra: 'union_membership' },
  { key: 'user.demographic.sexual_orientation', label: 'Sex life or sexual orientation', art9: 'sex_life_orientation', cpra: 'sex_life_orientation' },
  { key: 'user.demographic.citizenship', label: 'Citizenship or immigration status', cpra: 'citizenship_immigration' },
  { key: 'user.government_id', label: 'Government identifiers', cpra: 'government_id' },
  { key: 'user.government_id.ssn', label: 'Social security number', cpra: 'government_id' },
  { key: 'user.government_id.passport', label: 'Passport number', cpra: 'government_id' },
  { key: 'user.government_id.drivers_license', label: "Driver's licence number", cpra: 'government_id' },
  { key: 'user.government_id.national_id', label: 'National or state identity card number', cpra: 'government_id' },
  { key: 'user.government_id.tax_id', label: 'Tax identification number', cpra: 'government_id' },
  { key: 'user.financial', label: 'Financial data' },
  { key: 'user.financial.account', label: 'Bank account number (IBAN)' },
  { key: 'user.financial.card', label: 'Payment card number' },
  { key: 'user.financial.card_with_credentials', label: 'Card or financial account number with its security code or credentials', cpra: 'account_credentials' },
  { key: 'user.financial.transaction', label: 'Transactions, orders and invoices' },
  { key: 'user.financial.credit', label: 'Creditworthiness, income, credit score' },
  { key: 'user.health', label: 'Health data', art9: 'health', cpra: 'health' },
  { key: 'user.health.medical', label: 'Medical records and diagnoses', art9: 'health', cpra: 'health' },
  { key: 'user.health.fitness', label: 'Fitness and wellness data', art9: 'health', cpra: 'health' },
  { key: 'user.genetic', label: 'Genetic data', art9: 'genetic', cpra: 'genetic' },
  { key: 'user.biometric', label: 'Biometric data for unique identification', art9: 'biometric_identification', cpra: 'biometric_identification' },
  { key: 'user.biometric.fingerprint', label: 'Fingerprint', art9: 'biometric_identification', cpra: 'biometric_identification' },
  { key: 'user.biometric.face', label: 'Facial geometry', art9: 'biometric_identification', cpra: 'biometric_identification' },
  { key: 'user.biometric.voice', label: 'Voice print', art9: 'biometric_identification', cpra: 'biometric_identification' },
  { key: 'user.neural', label: 'Neural data', cpra: 'neural' },
  { key: 'user.sex_life', label: 'Sex life', art9: 'sex_life_orientation', cpra: 'sex_life_orientation' },
  { key: 'user.criminal', label: 'Criminal convictions and offences', art10: true },
  { key: 'user.location', label: 'Location data' },
  { key: 'user.location.precise', label: 'Precise geolocation (within 1,850 ft radius)', cpra: 'precise_geolocation' },
  { key: 'user.location.imprecise', label: 'Coarse location (city, region, country)' },
  { key: 'user.device', label: 'Device and online identifiers' },
  { key: 'user.device.ip_address', label: 'IP address' },
  { key: 'user.device.cookie_id', label: 'Cookie or advertising identifier' },
  { key: 'user.device.device_id', label: 'Device identifier' },
  { key: 'user.device.user_agent', label: 'User agent / browser fingerprint' },
  { key: 'user.behavior', label: 'Behavioural data' },
  { key: 'user.behavior.browsing_history', label: 'Browsing history and page views' },
  { key: 'user.behavior.search_history', label: 'Search history' },
  { key: 'user.behavior.purchase_history', label: 'Purchase history' },
  { key: 'user.behavior.media_consumption', label: 'Media consumption' },
  { key: 'user.behavior.inferences', label: 'Inferences and profiles' },
  { key: 'user.communications', label: 'Communications metadata' },
  { key: 'user.communications.content', label: 'Contents of mail, email or text messages', cpra: 'communications_content' },
  { key: 'user.employment', label: 'Employment data' },
  { key: 'user.education', label: 'Education data' },
  { key: 'user.content', label: 'User-generated content' },
  { key: 'user.unique_id', label: 'Internal or pseudonymous identifier' },
  { key: 'user.sensitive', label: 'Sensitive data of an unspecified special category (coarse legacy value)', art9: 'unspecified', cpra: 'unspecified' },
];

export const PURPOSES: readonly PurposeDef[] = [
  { key: 'essential', label: 'Essential processing' },
  { key: 'essential.service', label: 'Provide the service the user asked for' },
  { key: 'essential.service.authentication', label: 'Authenticate users' },
  { key: 'essential.service.payment', label: 'Process payments' },
  { key: 'essential.service.fulfilment', label: 'Fulfil and deliver orders' },
  { key: 'essential.service.security', label: 'Secure the service' },
  { key: 'essential.service.support', label: 'Customer support' },
  { key: 'essential.fraud_detection', label: 'Detect and prevent fraud' },
  { key: 'essential.legal', label: 'Comply with legal obligations (tax, accounting, law enforcement requests)' },
  { key: 'essential.vital_interests', label: 'Protect vital interests' },
  { key: 'essential.public_task', label: 'Perform a task in the public interest' },
  { key: 'essential.storage', label: 'Storage only, no other operation', art18_exception: 'storage' },
  { key: 'essential.legal_claims', label: 'Establish, exercise or defend legal claims', art18_exception: 'legal_claims' },
  { key: 'essential.protection_of_others', label: 'Protect the rights of another natural or legal person', art18_exception: 'protection_of_others' },
  { key: 'essential.important_public_interest', label: 'Important public interest of the Union or a member state', art18_exception: 'important_public_interest' },
  { key: 'marketing', label: 'Marketing', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  { key: 'marketing.advertising', label: 'Advertising', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  { key: 'marketing.advertising.first_party', label: 'First-party, contextual advertising', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  {
    key: 'marketing.advertising.third_party',
    label: 'Cross-context behavioural advertising with third parties',
    ccpa_sale_or_sharing: 'sharing',
    ccpa_sensitive_use_limitable: true,
    direct_marketing: true,
  },
  { key: 'marketing.advertising.profiling', label: 'Profiling for advertising', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  { key: 'marketing.communications', label: 'Direct marketing communications', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  { key: 'marketing.communications.email', label: 'Marketing email and newsletters', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  { key: 'marketing.communications.sms', label: 'Marketing SMS and push', ccpa_sensitive_use_limitable: true, direct_marketing: true },
  { key: 'analytics', label: 'Analytics', ccpa_sensitive_use_limitable: true },
  { key: 'analytics.reporting', label: 'Aggregate reporting and statistics', ccpa_sensitive_use_limitable: true },
  { key: 'analytics.reporting.ad_performance', label: 'Advertising performance measurement', ccpa_sensitive_use_limitable: true },
  { key: 'analytics.improvement', label: 'Product improvement', ccpa_sensitive_use_limitable: true },
  { key: 'personalization', label: 'Personalisation', ccpa_sensitive_use_limitable: true },
  { key: 'personalization.content', label: 'Personalised content', ccpa_sensitive_use_limitable: true },
  { key: 'personalization.recommendations', label: 'Recommendations', ccpa_sensitive_use_limitable: true },
  { key: 'third_party_sharing', label: 'Disclosure of personal data to third parties for consideration', ccpa_sale_or_sharing: 'sale', ccpa_sensitive_use_limitable: true },
  { key: 'third_party_sharing.data_broker', label: 'Sale to data brokers', ccpa_sale_or_sharing: 'sale', ccpa_sensitive_use_limitable: true },
  { key: 'employment', label: 'Human resources' },
  { key: 'employment.recruitment', label: 'Recruitment' },
  { key: 'employment.payroll', label: 'Payroll' },
  { key: 'research', label: 'Research and development', ccpa_sensitive_use_limitable: true },
  { key: 'legacy', label: 'Coarse purposes sent by older clients' },
  { key: 'legacy.user_consent', label: 'Unspecified purpose the user consented to (coarse legacy value)', ccpa_sensitive_use_limitable: true },
  { key: 'legacy.legitimate_interest', label: 'Unspecified purpose pursued on legitimate interests (coarse legacy value)', ccpa_sensitive_use_limitable: true },
];

export const SUBJECT_CATEGORIES: readonly SubjectCategoryDef[] = [
  { key: 'customer', label: 'Customers' },
  { key: 'prospect', label: 'Prospective customers and leads' },
  { key: 'visitor', label: 'Website and app visitors' },
  { key: 'subscriber', label: 'Newsletter subscribers' },
  { key: 'employee', label: 'Employees', vulnerable: true },
  { key: 'job_applicant', label: 'Job applicants', vulnerable: true },
  { key: 'contractor', label: 'Contractors and freelancers' },
  { key: 'supplier_contact', label: 'Contact persons at suppliers and partners' },
  { key: 'patient', label: 'Patients', vulnerable: true },
  { key: 'child', label: 'Children', vulnerable: true, minor: true },
  { key: 'student', label: 'Students' },
  { key: 'citizen', label: 'Citizens' },
  { key: 'member', label: 'Members of an association' },
];

/**
 * Coarse category values sent by older clients. `personal` is the root `user`: a consent to it never
 * covers a special category or sensitive PI, which must be named (consent/traits.ts `consentCategoryCovers`).
 */
export const COARSE_CATEGORIES: Readonly<Record<string, string>> = {
  personal: 'user',
  sensitive: 'user.sensitive',
  behavioral: 'user.behavior',
  biometric: 'user.biometric',
  financial: 'user.financial',
};

/**
 * Coarse purpose values sent by older clients (they sent lawful bases as purposes). Four map onto a
 * purpose that carries that basis; consent and legitimate interest have no finer meaning and keep a
 * `legacy.` key.
 */
export const COARSE_PURPOSES: Readonly<Record<string, string>> = {
  contract_necessary: 'essential.service',
  legal_obligation: 'essential.legal',
  vital_interest: 'essential.vital_interests',
  public_task: 'essential.public_task',
  legitimate_interest: 'legacy.legitimate_interest',
  user_consent: 'legacy.user_consent',
};

/** The lawful basis a coarse purpose value implies (for older clients that sent bases as purposes). */
export function impliedBasisOfCoarsePurpose(value: string): LawfulBasis | undefined {
  return COARSE_LAWFUL_BASES[value];
}

const categoryByKey = new Map(DATA_CATEGORIES.map((c) => [c.key, c]));
const purposeByKey = new Map(PURPOSES.map((p) => [p.key, p]));
const subjectByKey = new Map(SUBJECT_CATEGORIES.map((s) => [s.key, s]));

export type TaxonomyKind = 'data_category' | 'purpose' | 'subject_category';

function resolve(kind: TaxonomyKind, value: unknown, known: Map<string, unknown>, coarse: Readonly<Record<string, string>>): string {
  const field = kind;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} must be a non-empty taxonomy key`, { field });
  const v = value.trim();
  if (known.has(v)) return v;
  if (Object.prototype.hasOwnProperty.call(coarse, v)) return coarse[v];
  if (v.startsWith(CUSTOM_PREFIX)) {
    if (CUSTOM_SHAPE.test(v)) return v;
    throw invalidValue(`${field} is not a valid custom key: use custom.<segment>[.<segment>...] with lowercase letters, digits and underscores`, v, { field });
  }
  const reason = KEY_SHAPE.test(v)
    ? `unknown ${field.replace('_', ' ')}: not in taxonomy ${TAXONOMY_VERSION}; use a taxonomy key, a coarse value (${Object.keys(coarse).join(', ') || 'none'}) or a custom.* key`
    : `${field} is malformed: keys are dotted lowercase segments like user.contact.email`;
  throw invalidValue(reason, v, { field, taxonomy_version: TAXONOMY_VERSION });
}

/** Canonical data category key for a taxonomy key, coarse value or custom key; throws DomainError invalid otherwise. */
export function resolveCategory(value: string): string {
  return resolve('data_category', value, categoryByKey, COARSE_CATEGORIES);
}

/** Canonical purpose key for a taxonomy key, coarse value or custom key; throws DomainError invalid otherwise. */
export function resolvePurpose(value: string): string {
  return resolve('purpose', value, purposeByKey, COARSE_PURPOSES);
}

export function resolveSubjectCategory(value: string): string {
  return resolve('subject_category', value, subjectByKey, {});
}

export function isKnownCategory(value: string): boolean {
  try {
    resolveCategory(value);
    return true;
  } catch {
    return false;
  }
}

/** `parent` covers `child` when they are equal or `child` is a dotted descendant (`user.contact` covers `user.contact.email`, not `user.contacts`). */
export function categoryCovers(parent: string, child: string): boolean {
  return child === parent || child.startsWith(`${parent}.`);
}

/** Same rule for purposes: consent to `marketing` covers `marketing.communications.email`. */
export const purposeCovers = categoryCovers;

/** The key and its ancestors, nearest first: `user.contact.email` -> [user.contact.email, user.contact, user]. */
export function ancestorsOf(key: string): string[] {
  const parts = key.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

export function categoryDef(key: string): DataCategoryDef | undefined {
  return categoryByKey.get(key);
}

export function purposeDef(key: string): PurposeDef | undefined {
  return purposeByKey.get(key);
}

/** Special-category flags of a canonical category key, inherited from its ancestors. Custom keys carry none (flag them on the data element). */
export function specialFlagsOf(
  categoryKey: string,
): SpecialCategoryFlags & { art9_kind?: Art9Kind | 'unspecified'; cpra_kind?: CpraSensitiveKind | 'unspecified' } {
  let art9: Art9Kind | 'unspecified' | undefined;
  let art10 = false;
  let cpra: CpraSensitiveKind | 'unspecified' | undefined;
  for (const k of ancestorsOf(categoryKey)) {
    const def = categoryByKey.get(k);
    if (!def) continue;
    art9 ??= def.art9;
    cpra ??= def.cpra;
    art10 ||= def.art10 === true;
  }
  return {
    gdpr_art9: art9 !== undefined,
    gdpr_art10: art10,
    // the CPRA table (Civ. Code § 1798.140(ae), each kind with its source) decides which kinds are sensitive
    cpra_sensitive: cpra === 'unspecified' || (cpra !== undefined && CPRA_SENSITIVE.some((r) => r.kind === cpra)),
    ...(art9 ? { art9_kind: art9 } : {}),
    ...(cpra ? { cpra_kind: cpra } : {}),
  };
}

function inheritedPurposeFlag<K extends keyof PurposeDef>(purposeKey: string, flag: K): PurposeDef[K] | undefined {
  for (const k of ancestorsOf(purposeKey)) {
    const v = purposeByKey.get(k)?.[flag];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** CCPA: does processing for this purpose count as a "sale" or "sharing" (opt-out right, § 1798.120; GPC, 11 CCR § 7025)? */
export function ccpaSaleOrSharing(purposeKey: string): 'sale' | 'sharing' | null {
  return inheritedPurposeFlag(purposeKey, 'ccpa_sale_or_sharing') ?? null;
}

export function isSaleOrSharingPurpose(purposeKey: string): boolean {
  return ccpaSaleOrSharing(purposeKey) !== null;
}

/** CCPA: is using sensitive PI for this purpose subject to the right to limit (§ 1798.121; 11 CCR § 7027(m))? Custom purposes: yes, conservatively. */
export function isSensitiveUseLimitable(purposeKey: string): boolean {
  if (purposeKey.startsWith(CUSTOM_PREFIX)) return true;
  return inheritedPurposeFlag(purposeKey, 'ccpa_sensitive_use_limitable') === true;
}

export function restrictionExceptionOf(purposeKey: string): RestrictionException | null {
  return inheritedPurposeFlag(purposeKey, 'art18_exception') ?? null;
}

export function isDirectMarketing(purposeKey: string): boolean {
  return inheritedPurposeFlag(purposeKey, 'direct_marketing') === true;
}

export const CCPA_SOURCES = {
  sale: { source: 'Cal. Civ. Code § 1798.140(ad), § 1798.120', effective_from: '2020-01-01' },
  sharing: { source: 'Cal. Civ. Code § 1798.140(ah), § 1798.120 (CPRA)', effective_from: '2023-01-01' },
  sensitive_use: { source: 'Cal. Civ. Code § 1798.121; 11 CCR § 7027(m)', effective_from: '2023-01-01' },
  gpc: { source: '11 CCR § 7025', effective_from: '2023-03-29' },
} as const;

export function subjectCategoryDef(key: string): SubjectCategoryDef | undefined {
  return subjectByKey.get(key);
}
