/**
 * Children's consent as data (LAW.md section 2 "Children"; CCPA minors, Civ. § 1798.120(c)-(d)).
 * Who must give a consent depends on where the subject is and how old they are: a change in a
 * member state's age is a change in this table.
 */
export interface ChildConsentSource {
  readonly source: string;
  readonly effective_from: string;
}

export interface Art8Age extends ChildConsentSource {
  /** Below this age the holder of parental responsibility gives or authorises the consent (Art. 8(1)). */
  readonly age: number;
  /** False: the age is not in LAW.md; the Art. 8(1) default of 16 applies, conservatively. */
  readonly known: boolean;
}

const ART8_DEFAULT_AGE = 16;
const ART8_GDPR = 'GDPR Art. 8(1) (16 unless the member state provides by law for a lower age, not below 13)';
const GDPR_APPLIES_FROM = '2018-05-25';
/**
 * Checked (2026-12-02) against the European Commission Staff Working Document SWD(2020) 115 final
 * (24 Jun 2020, accompanying COM(2020) 264), p. 17, as tabulated at blog.kuan0.com/2020/06, whose
 * 13/14/15/16 groups match this table for the 26 member states below; AT BE CZ DK FI FR IE IT NL SK ES SE
 * also against the Bird & Bird GDPR tracker, "Children online" (twobirds.com). Neither names Slovenia.
 */
const SWD_2020_115 = 'European Commission SWD(2020) 115 final, p. 17 (national Art. 8 ages); Bird & Bird GDPR tracker, children';
const stated = (age: number, state: string): Art8Age => ({
  age,
  known: true,
  source: `${ART8_GDPR}; ${state}: ${age} per ${SWD_2020_115}`,
  effective_from: GDPR_APPLIES_FROM,
});
const unknown = (state: string): Art8Age => ({
  age: ART8_DEFAULT_AGE,
  known: false,
  source: `${ART8_GDPR}; ${state}: age not listed in LAW.md, the Art. 8(1) default of 16 is applied conservatively`,
  effective_from: GDPR_APPLIES_FROM,
});

/**
 * Age of digital consent per member state (ISO 3166-1 alpha-2; Greece as GR). LAW.md marks the list
 * (!) as subject to change. Slovenia, Iceland and Liechtenstein could not be checked against a source
 * here: unknown, default 16 (Slovenia's 2022 ZVOP-2 is reported to set 15: not verified, not applied).
 */
export const ART8_CONSENT_AGES: Readonly<Record<string, Art8Age>> = {
  BE: stated(13, 'Belgium'),
  DK: stated(13, 'Denmark'),
  EE: stated(13, 'Estonia'),
  FI: stated(13, 'Finland'),
  LV: stated(13, 'Latvia'),
  MT: stated(13, 'Malta'),
  PT: stated(13, 'Portugal'),
  SE: stated(13, 'Sweden'),
  AT: stated(14, 'Austria'),
  BG: stated(14, 'Bulgaria'),
  CY: stated(14, 'Cyprus'),
  ES: stated(14, 'Spain'),
  IT: stated(14, 'Italy'),
  LT: stated(14, 'Lithuania'),
  CZ: stated(15, 'Czechia'),
  FR: stated(15, 'France'),
  GR: stated(15, 'Greece'),
  DE: stated(16, 'Germany'),
  HR: stated(16, 'Croatia'),
  HU: stated(16, 'Hungary'),
  IE: stated(16, 'Ireland'),
  LU: stated(16, 'Luxembourg'),
  NL: stated(16, 'Netherlands'),
  PL: stated(16, 'Poland'),
  RO: stated(16, 'Romania'),
  SK: stated(16, 'Slovakia'),
  SI: unknown('Slovenia'),
  IS: unknown('Iceland (EEA)'),
  LI: unknown('Liechtenstein (EEA)'),
  // Personopplysningsloven § 5 (GDPR in force in Norway from 20 Jul 2018); a 2025 proposal to raise it to 15 is not law.
  NO: { age: 13, known: true, source: `${ART8_GDPR}; Norway (EEA): 13, personopplysningsloven § 5, per Datatilsynet "Barn og unge forbrukere" (datatilsynet.no)`, effective_from: '2018-07-20' },
};

/**
 * CCPA: no sale or sharing of a consumer known to be under 16 without affirmative authorisation
 * ("opt-in"): by the consumer from 13 to 15, by a parent or guardian under 13.
 */
export const CCPA_MINOR_OPT_IN = {
  source: 'Cal. Civ. Code § 1798.120(c)-(d)',
  effective_from: '2020-01-01',
  opt_in_below: 16,
  parent_below: 13,
} as const;

/** Jurisdictions the CCPA minor rule applies to (state codes ISO 3166-2). */
export const CCPA_JURISDICTIONS: readonly string[] = ['US-CA'];

export const KNOWN_JURISDICTIONS: readonly string[] = [...Object.keys(ART8_CONSENT_AGES), ...CCPA_JURISDICTIONS];

/**
 * How the subject's age was established. Art. 8(2) asks for "reasonable efforts ... taking into
 * consideration available technology"; the method is recorded as proof (Art. 7(1)).
 */
export const AGE_ASSURANCE = {
  source: 'GDPR Art. 8(2), Art. 7(1); EDPB Guidelines 05/2020 section 7.1',
  effective_from: GDPR_APPLIES_FROM,
  methods: ['self_declaration', 'parental_declaration', 'account_record', 'id_document_check', 'age_estimation', 'third_party_verification'] as readonly string[],
} as const;

/** How the holder of parental responsibility was verified (Art. 8(2) reasonable efforts; CCPA under 13: a parent or guardian). */
export const PARENTAL_VERIFICATION = {
  source: 'GDPR Art. 8(2); EDPB Guidelines 05/2020 section 7.1; Cal. Civ. Code § 1798.120(c)',
  effective_from: GDPR_APPLIES_FROM,
  methods: ['email_confirmation', 'signed_form', 'payment_card_check', 'id_document_check', 'video_call'] as readonly string[],
} as const;

export type ConsentGiver = 'subject' | 'holder_of_parental_responsibility';
export const CONSENT_GIVERS: readonly ConsentGiver[] = ['subject', 'holder_of_parental_responsibility'];

/**
 * What the law asks of a consent by a subject of this age in this jurisdiction:
 * - `parent_required`: 'all' (Art. 8(1): every consent for the service), 'sale_or_sharing' (CCPA under 13)
 *   or null;
 * - `sale_opt_in_required`: CCPA under 16: sale/sharing only with a consent, never on another basis.
 */
export interface AgeRule {
  readonly jurisdiction: string;
  readonly consent_age: number;
  readonly below_consent_age: boolean;
  readonly parent_required: 'all' | 'sale_or_sharing' | null;
  readonly sale_opt_in_required: boolean;
  readonly source: string;
}

/** Null for a jurisdiction this table does not know (the caller refuses it with the list). */
export function ageRule(jurisdiction: string, age: number): AgeRule | null {
  const art8 = ART8_CONSENT_AGES[jurisdiction];
  if (art8) {
    const below = age < art8.age;
    return { jurisdiction, consent_age: art8.age, below_consent_age: below, parent_required: below ? 'all' : null, sale_opt_in_required: false, source: art8.source };
  }
  if (CCPA_JURISDICTIONS.includes(jurisdiction)) {
    const r = CCPA_MINOR_OPT_IN;
    return {
      jurisdiction,
      consent_age: r.opt_in_below,
      below_consent_age: age < r.opt_in_below,
      parent_required: age < r.parent_below ? 'sale_or_sharing' : null,
      sale_opt_in_required: age < r.opt_in_below,
      source: r.source,
    };
  }
  return null;
}
