import type { SpecialCategoryFlags } from '../law/special-categories';
import { specialFlagsOf } from './taxonomy';

/**
 * Classification suggestions for data element names. Names are split into word tokens
 * (snake_case, camelCase, kebab-case, dots, digits) and rules match whole tokens, never substrings:
 * `age` does not match `page` or `message`; `name` does not match `username`.
 */
export interface ClassificationRule {
  readonly id: string;
  readonly category: string;
  /** Contiguous token sequences; the longest matching pattern over all rules wins. */
  readonly patterns: readonly (readonly string[])[];
  /** Extra check on the whole token list (e.g. a bare `name` is a personal name only with a person qualifier). */
  readonly when?: (tokens: readonly string[], matchAt: number, pattern: readonly string[]) => boolean;
}

export interface ClassificationSuggestion {
  readonly category: string;
  readonly special: SpecialCategoryFlags;
  readonly rule: string;
  readonly matched: string;
}

const PERSON_QUALIFIERS = new Set(['customer', 'contact', 'person', 'billing', 'shipping', 'recipient', 'holder', 'cardholder', 'account', 'legal', 'maiden', 'patient', 'employee', 'member', 'owner', 'applicant', 'guardian', 'parent', 'child', 'sender', 'buyer']);

const p = (...words: string[]): readonly string[] => words;

export const CLASSIFICATION_RULES: readonly ClassificationRule[] = [
  { id: 'email', category: 'user.contact.email', patterns: [p('email'), p('e', 'mail'), p('email', 'address'), p('mail', 'address')] },
  { id: 'phone', category: 'user.contact.phone_number', patterns: [p('phone'), p('telephone'), p('mobile'), p('msisdn'), p('phone', 'number'), p('cell', 'phone')] },
  { id: 'postal_address', category: 'user.contact.address', patterns: [p('address'), p('street'), p('postcode'), p('zip'), p('zip', 'code'), p('postal', 'code'), p('house', 'number')] },
  { id: 'ip_address', category: 'user.device.ip_address', patterns: [p('ip'), p('ip', 'address'), p('ipv', '4'), p('ipv', '6'), p('remote', 'addr')] },
  { id: 'mac_address', category: 'user.device.device_id', patterns: [p('mac', 'address'), p('device', 'id'), p('udid'), p('imei')] },
  { id: 'advertising_id', category: 'user.device.cookie_id', patterns: [p('idfa'), p('gaid'), p('advertising', 'id'), p('ad', 'id'), p('cookie'), p('cookie', 'id')] },
  { id: 'user_agent', category: 'user.device.user_agent', patterns: [p('user', 'agent'), p('useragent')] },
  { id: 'ssn', category: 'user.government_id.ssn', patterns: [p('ssn'), p('social', 'security'), p('social', 'security', 'number')] },
  { id: 'passport', category: 'user.government_id.passport_number', patterns: [p('passport'), p('passport', 'number')] },
  { id: 'drivers_license', category: 'user.government_id.drivers_license_number', patterns: [p('driver', 'license'), p('drivers', 'license'), p('driving', 'licence'), p('driving', 'license'), p('drivers', 'licence')] },
  { id: 'national_id', category: 'user.government_id.national_identification_number', patterns: [p('national', 'id'), p('id', 'card'), p('identity', 'card'), p('state', 'id')] },
  { id: 'tax_id', category: 'user.government_id.tax_id', patterns: [p('tax', 'id'), p('tin'), p('tax', 'number')] },
  { id: 'date_of_birth', category: 'user.demographic.date_of_birth', patterns: [p('birth', 'date'), p('date', 'of', 'birth'), p('dob'), p('birthday'), p('birthdate')] },
  { id: 'age', category: 'user.demographic.age', patterns: [p('age'), p('age', 'range')] },
  { id: 'gender', category: 'user.demographic.gender', patterns: [p('gender'), p('sex')] },
  { id: 'health', category: 'user.health_and_medical', patterns: [p('health'), p('medical'), p('diagnosis'), p('allergy'), p('allergies'), p('disability'), p('prescription'), p('blood', 'type'), p('symptoms')] },
  { id: 'religion', category: 'user.demographic.religious_belief', patterns: [p('religion'), p('religious'), p('faith'), p('denomination')] },
  { id: 'ethnicity', category: 'user.demographic.race_ethnicity', patterns: [p('ethnicity'), p('ethnic'), p('race'), p('ethnic', 'origin')] },
  { id: 'political', category: 'user.demographic.political_opinion', patterns: [p('political'), p('party', 'affiliation'), p('political', 'opinion')] },
  { id: 'trade_union', category: 'user.demographic.trade_union', patterns: [p('trade', 'union'), p('union', 'membership'), p('union', 'member')] },
  { id: 'sexual_orientation', category: 'user.demographic.sexual_orientation', patterns: [p('sexual', 'orientation'), p('sex', 'life')] },
  { id: 'citizenship', category: 'user.demographic.citizenship', patterns: [p('citizenship'), p('nationality'), p('immigration', 'status')] },
  { id: 'genetic', category: 'user.health_and_medical.genetic', patterns: [p('genetic'), p('dna'), p('genome')] },
  { id: 'biometric', category: 'user.biometric', patterns: [p('biometric'), p('fingerprint'), p('faceprint'), p('face', 'id'), p('voiceprint'), p('retina'), p('iris', 'scan')] },
  { id: 'criminal', category: 'user.criminal_history', patterns: [p('criminal'), p('conviction'), p('convictions'), p('offence'), p('offense'), p('criminal', 'record')] },
  { id: 'card_security', category: 'user.financial.card_with_credentials', patterns: [p('cvv'), p('cvc'), p('card', 'security', 'code')] },
  { id: 'card_number', category: 'user.financial.credit_card', patterns: [p('card', 'number'), p('credit', 'card'), p('pan'), p('cc', 'number')] },
  { id: 'bank_account', category: 'user.financial.bank_account', patterns: [p('iban'), p('bank', 'account'), p('account', 'number'), p('bic')] },
  { id: 'credit', category: 'user.financial.credit', patterns: [p('credit', 'score'), p('income'), p('creditworthiness')] },
  { id: 'password', category: 'user.authorization.credentials', patterns: [p('password'), p('passwd'), p('pwd'), p('password', 'hash'), p('otp', 'secret')] },
  { id: 'username', category: 'user.account.username', patterns: [p('username'), p('user', 'name'), p('login'), p('screen', 'name'), p('nickname'), p('handle')] },
  {
    id: 'personal_name',
    category: 'user.name',
    patterns: [p('first', 'name'), p('last', 'name'), p('full', 'name'), p('given', 'name'), p('family', 'name'), p('middle', 'name'), p('surname'), p('firstname'), p('lastname'), p('fullname'), p('forename'), p('name')],
    when: (tokens, at, pattern) =>
      pattern.length > 1 || pattern[0] !== 'name' || tokens.every((t, i) => i === at || PERSON_QUALIFIERS.has(t)),
  },
  { id: 'precise_location', category: 'user.location.precise', patterns: [p('latitude'), p('longitude'), p('lat'), p('lng'), p('lon'), p('geolocation'), p('gps'), p('geo', 'point')] },
  { id: 'coarse_location', category: 'user.location.imprecise', patterns: [p('city'), p('region'), p('country'), p('timezone')] },
  { id: 'browsing', category: 'user.behavior.browsing_history', patterns: [p('page', 'views'), p('page', 'view'), p('clickstream'), p('browsing', 'history'), p('referrer'), p('visited', 'urls')] },
  { id: 'search', category: 'user.behavior.search_history', patterns: [p('search', 'history'), p('search', 'query'), p('search', 'terms')] },
  { id: 'purchases', category: 'user.behavior.purchase_history', patterns: [p('purchase', 'history'), p('order', 'history'), p('purchases')] },
  { id: 'message_content', category: 'user.communications.content', patterns: [p('message', 'body'), p('message', 'content'), p('email', 'body'), p('sms', 'text'), p('chat', 'transcript')] },
  { id: 'salary', category: 'user.employment', patterns: [p('salary'), p('payroll'), p('job', 'title'), p('employer')] },
];

/** Word tokens of an identifier: `dateOfBirth` -> [date, of, birth]; `IPAddress` -> [ip, address]; `user-name_2` -> [user, name, 2]. */
export function tokenize(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .replace(/(\d)([a-zA-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function indexOfSequence(tokens: readonly string[], pattern: readonly string[]): number[] {
  const hits: number[] = [];
  for (let i = 0; i + pattern.length <= tokens.length; i++) {
    if (pattern.every((w, j) => tokens[i + j] === w)) hits.push(i);
  }
  return hits;
}

/** The best suggestion for a data element name, or null. Longest matching pattern wins; ties go to the earlier rule. */
export function suggestClassification(name: string, rules: readonly ClassificationRule[] = CLASSIFICATION_RULES): ClassificationSuggestion | null {
  const tokens = tokenize(name);
  let best: { rule: ClassificationRule; pattern: readonly string[] } | null = null;
  for (const rule of rules) {
    for (const pattern of rule.patterns) {
      if (best && pattern.length <= best.pattern.length) continue;
      const hit = indexOfSequence(tokens, pattern).find((at) => !rule.when || rule.when(tokens, at, pattern));
      if (hit !== undefined) best = { rule, pattern };
    }
  }
  if (!best) return null;
  const { gdpr_art9, gdpr_art10, cpra_sensitive } = specialFlagsOf(best.rule.category);
  return { category: best.rule.category, special: { gdpr_art9, gdpr_art10, cpra_sensitive }, rule: best.rule.id, matched: best.pattern.join(' ') };
}
