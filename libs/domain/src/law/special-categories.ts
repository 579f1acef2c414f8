/**
 * Special categories of personal data (LAW.md section 8).
 * GDPR Art. 9(1) and Art. 10; CPRA "sensitive personal information" (Cal. Civ. Code § 1798.140(ae)).
 */
export interface LegalSource {
  readonly source: string;
  readonly effective_from: string;
}

export type Art9Kind =
  | 'racial_ethnic_origin'
  | 'political_opinions'
  | 'religious_philosophical_beliefs'
  | 'trade_union_membership'
  | 'genetic'
  | 'biometric_identification'
  | 'health'
  | 'sex_life_orientation';

export const GDPR_ART9: LegalSource & { readonly kinds: readonly Art9Kind[] } = {
  source: 'GDPR Art. 9(1)',
  effective_from: '2018-05-25',
  kinds: [
    'racial_ethnic_origin',
    'political_opinions',
    'religious_philosophical_beliefs',
    'trade_union_membership',
    'genetic',
    'biometric_identification',
    'health',
    'sex_life_orientation',
  ],
};

export const GDPR_ART10: LegalSource = { source: 'GDPR Art. 10 (criminal convictions and offences)', effective_from: '2018-05-25' };

export type CpraSensitiveKind =
  | 'government_id'
  | 'account_credentials'
  | 'precise_geolocation'
  | 'racial_ethnic_origin'
  | 'citizenship_immigration'
  | 'religious_philosophical_beliefs'
  | 'union_membership'
  | 'communications_content'
  | 'genetic'
  | 'neural'
  | 'biometric_identification'
  | 'health'
  | 'sex_life_orientation'
  | 'minor_under_16';

export interface CpraSensitiveRule extends LegalSource {
  readonly kind: CpraSensitiveKind;
}

export const CPRA_SENSITIVE: readonly CpraSensitiveRule[] = [
  { kind: 'government_id', source: 'Cal. Civ. Code § 1798.140(ae)(1)(A)', effective_from: '2023-01-01' },
  { kind: 'account_credentials', source: 'Cal. Civ. Code § 1798.140(ae)(1)(B)', effective_from: '2023-01-01' },
  { kind: 'precise_geolocation', source: 'Cal. Civ. Code § 1798.140(ae)(1)(C)', effective_from: '2023-01-01' },
  { kind: 'racial_ethnic_origin', source: 'Cal. Civ. Code § 1798.140(ae)(1)(D)', effective_from: '2023-01-01' },
  { kind: 'citizenship_immigration', source: 'Cal. Civ. Code § 1798.140(ae)(1)(D)', effective_from: '2025-01-01' },
  { kind: 'religious_philosophical_beliefs', source: 'Cal. Civ. Code § 1798.140(ae)(1)(D)', effective_from: '2023-01-01' },
  { kind: 'union_membership', source: 'Cal. Civ. Code § 1798.140(ae)(1)(D)', effective_from: '2023-01-01' },
  { kind: 'communications_content', source: 'Cal. Civ. Code § 1798.140(ae)(1)(E)', effective_from: '2023-01-01' },
  { kind: 'genetic', source: 'Cal. Civ. Code § 1798.140(ae)(1)(F)', effective_from: '2023-01-01' },
  { kind: 'neural', source: 'Cal. Civ. Code § 1798.140(ae)(1)(G) (SB 1223)', effective_from: '2025-01-01' },
  { kind: 'biometric_identification', source: 'Cal. Civ. Code § 1798.140(ae)(2)(A)', effective_from: '2023-01-01' },
  { kind: 'health', source: 'Cal. Civ. Code § 1798.140(ae)(2)(B)', effective_from: '2023-01-01' },
  { kind: 'sex_life_orientation', source: 'Cal. Civ. Code § 1798.140(ae)(2)(C)', effective_from: '2023-01-01' },
  { kind: 'minor_under_16', source: 'Cal. Civ. Code § 1798.140(ae) as amended (PI of consumers known to be under 16)', effective_from: '2026-01-01' },
];

/** The flags a data category or data element carries. */
export interface SpecialCategoryFlags {
  readonly gdpr_art9: boolean;
  readonly gdpr_art10: boolean;
  readonly cpra_sensitive: boolean;
}

export const NO_SPECIAL_FLAGS: SpecialCategoryFlags = Object.freeze({ gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false });

export function isSpecial(flags: SpecialCategoryFlags): boolean {
  return flags.gdpr_art9 || flags.gdpr_art10 || flags.cpra_sensitive;
}

/** Art. 9(2) conditions lifting the prohibition of Art. 9(1). */
export type Art9Condition =
  | 'explicit_consent'
  | 'employment_social_security'
  | 'vital_interests'
  | 'not_for_profit_body'
  | 'made_public_by_subject'
  | 'legal_claims'
  | 'substantial_public_interest'
  | 'health_or_social_care'
  | 'public_health'
  | 'archiving_research_statistics';

export const ART9_CONDITIONS: Readonly<Record<Art9Condition, LegalSource>> = {
  explicit_consent: { source: 'GDPR Art. 9(2)(a)', effective_from: '2018-05-25' },
  employment_social_security: { source: 'GDPR Art. 9(2)(b)', effective_from: '2018-05-25' },
  vital_interests: { source: 'GDPR Art. 9(2)(c)', effective_from: '2018-05-25' },
  not_for_profit_body: { source: 'GDPR Art. 9(2)(d)', effective_from: '2018-05-25' },
  made_public_by_subject: { source: 'GDPR Art. 9(2)(e)', effective_from: '2018-05-25' },
  legal_claims: { source: 'GDPR Art. 9(2)(f)', effective_from: '2018-05-25' },
  substantial_public_interest: { source: 'GDPR Art. 9(2)(g)', effective_from: '2018-05-25' },
  health_or_social_care: { source: 'GDPR Art. 9(2)(h)', effective_from: '2018-05-25' },
  public_health: { source: 'GDPR Art. 9(2)(i)', effective_from: '2018-05-25' },
  archiving_research_statistics: { source: 'GDPR Art. 9(2)(j)', effective_from: '2018-05-25' },
};

export function isArt9Condition(value: string): value is Art9Condition {
  return Object.prototype.hasOwnProperty.call(ART9_CONDITIONS, value);
}
