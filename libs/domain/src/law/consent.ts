/**
 * Consent rules as data (LAW.md sections 2, 3 and 9). A change in the law or in the controller's
 * policy is a change in this file (or in the configuration passed in), never in the decider.
 */
export interface ConsentLegalSource {
  readonly source: string;
  readonly effective_from: string;
}

export interface ExpiryPolicy extends ConsentLegalSource {
  /** Months a consent lasts when the caller gives no expiry. */
  readonly defaultMonths: number;
  /** Per-purpose override in months (purpose taxonomy key, exact match or dotted parent). */
  readonly perPurpose: Readonly<Record<string, number>>;
}

/**
 * 12 months by default: GDPR sets no fixed lifetime, but consent must be refreshed while still
 * "informed" (EDPB Guidelines 05/2020 §110); CNIL caps trackers (and the consent behind them) at
 * 13 months, so advertising and analytics consents default to 13 at most.
 */
export const DEFAULT_EXPIRY_POLICY: ExpiryPolicy = {
  source: 'EDPB Guidelines 05/2020 §110 (refresh consent); CNIL délibération 2020-091 art. 2 (trackers at most 13 months)',
  effective_from: '2020-10-01',
  defaultMonths: 12,
  perPurpose: {},
};

/** The expiry policy with overrides, e.g. from configuration (`CONSENT_EXPIRY_MONTHS=marketing.advertising=6,...`). */
export function expiryPolicy(overrides: Readonly<Record<string, number>> = {}, defaultMonths = DEFAULT_EXPIRY_POLICY.defaultMonths): ExpiryPolicy {
  for (const [k, v] of Object.entries(overrides)) {
    if (!Number.isInteger(v) || v < 1 || v > 120) throw new Error(`consent expiry for ${k} must be 1..120 months`);
  }
  return { ...DEFAULT_EXPIRY_POLICY, defaultMonths, perPurpose: { ...DEFAULT_EXPIRY_POLICY.perPurpose, ...overrides } };
}

export function expiryMonthsFor(policy: ExpiryPolicy, purpose: string): number {
  for (let p = purpose; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const m = policy.perPurpose[p];
    if (m !== undefined) return m;
  }
  return policy.defaultMonths;
}

/** Calendar months in UTC; the 31st plus one month is the last day of the shorter month. */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.toISOString();
}

/** How far in the future a consent timestamp may lie (clock skew between the front end and us). */
export const CONSENT_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Upper bound for the serialised consent_metadata (bad input beyond it: 400). */
export const CONSENT_METADATA_MAX_BYTES = 8 * 1024;

/** Lawful bases under which a subject's consent is the basis ([G] Art. 6(1)(a), Art. 9(2)(a)). */
export const CONSENT_BASES = {
  consent: { source: 'GDPR Art. 6(1)(a)', effective_from: '2018-05-25' },
  explicit_consent: { source: 'GDPR Art. 9(2)(a)', effective_from: '2018-05-25' },
} as const;
export type ConsentBasis = keyof typeof CONSENT_BASES;

/** Values older clients send in `legal_basis` for a consent record. */
export const CONSENT_BASIS_ALIASES: Readonly<Record<string, ConsentBasis>> = {
  consent: 'consent',
  user_consent: 'consent',
  explicit_consent: 'explicit_consent',
  '6(1)(a)': 'consent',
  '9(2)(a)': 'explicit_consent',
};

/**
 * Order in which declared (non-consent) bases are reported when several apply. Objection
 * ([G] Art. 21(1)) removes public_task and legitimate_interests; direct-marketing objection is
 * absolute (21(2)-(3)).
 */
export const OBJECTABLE_BASES: readonly string[] = ['legitimate_interests', 'public_task'];

/**
 * Explicit consent for special categories ([G] Art. 9(2)(a)): an express statement, not a click on a
 * general consent. The ways EDPB Guidelines 05/2020 section 4 (§§ 93-98) accepts, recorded as proof.
 */
export const EXPLICIT_CONSENT = {
  source: 'GDPR Art. 9(2)(a); EDPB Guidelines 05/2020 section 4 (§§ 93-98)',
  effective_from: '2018-05-25',
  methods: ['written_statement', 'signed_document', 'electronic_signature', 'electronic_form_statement', 'email_statement', 'two_stage_verification'] as readonly string[],
} as const;

/**
 * While processing is restricted, only storage, or processing with the subject's consent, for legal
 * claims, to protect the rights of another person or for important public interest ([G] Art. 18(2)).
 * Purposes carry the exception they serve in the catalog taxonomy (`art18_exception`).
 */
export type RestrictionException = 'storage' | 'legal_claims' | 'protection_of_others' | 'important_public_interest';
export const RESTRICTION_EXCEPTIONS: Readonly<Record<RestrictionException | 'consent', ConsentLegalSource>> = {
  storage: { source: 'GDPR Art. 18(2) ("with the exception of storage")', effective_from: '2018-05-25' },
  consent: { source: "GDPR Art. 18(2) (the data subject's consent, given while the restriction stands)", effective_from: '2018-05-25' },
  legal_claims: { source: 'GDPR Art. 18(2) (establishment, exercise or defence of legal claims)', effective_from: '2018-05-25' },
  protection_of_others: { source: 'GDPR Art. 18(2) (protection of the rights of another natural or legal person)', effective_from: '2018-05-25' },
  important_public_interest: { source: 'GDPR Art. 18(2) (important public interest of the Union or of a Member State)', effective_from: '2018-05-25' },
};
/** The basis validate reports for storage of a restricted subject's data. */
export const STORAGE_UNDER_RESTRICTION = 'storage_under_restriction';

// ---------------------------------------------------------------- US opt-outs (CCPA/CPRA)

export type OptOutKind = 'sale' | 'sharing' | 'sensitive_limit' | 'targeted_advertising';
export type OptOutSource = 'gpc' | 'gpp' | 'usp' | 'api';

export const OPT_OUT_RULES: Readonly<Record<OptOutKind, ConsentLegalSource>> = {
  sale: { source: 'Cal. Civ. Code § 1798.120; 11 CCR § 7026', effective_from: '2020-01-01' },
  sharing: { source: 'Cal. Civ. Code § 1798.120 (as amended by CPRA); 11 CCR § 7026', effective_from: '2023-01-01' },
  sensitive_limit: { source: 'Cal. Civ. Code § 1798.121; 11 CCR § 7027', effective_from: '2023-01-01' },
  targeted_advertising: { source: 'state laws (e.g. Colo. Rev. Stat. § 6-1-1306(1)(a)(I)(A))', effective_from: '2023-07-01' },
};

/**
 * Global Privacy Control: `Sec-GPC: 1` is a valid opt-out of sale and sharing for the consumer;
 * a conflicting business-specific setting does not override it (the business may ask, and must
 * show whether the signal was processed).
 */
export const GPC_RULE = {
  source: '11 CCR § 7025(b), (c)(3), (c)(6); W3C Global Privacy Control (Working Draft)',
  effective_from: '2023-03-29',
  header: 'sec-gpc',
  opts_out_of: ['sale', 'sharing'] as readonly OptOutKind[],
  /** Text shown to the consumer from 1 Jan 2026 (11 CCR § 7025(c)(6)). */
  honoured_message: 'Opt-Out Request Honored',
} as const;

/** Wait at least 12 months before asking an opted-out consumer to opt back in (Civ. § 1798.135(c)(4)). */
export const REASK_AFTER_OPT_OUT_MONTHS = { months: 12, source: 'Cal. Civ. Code § 1798.135(c)(4)', effective_from: '2023-01-01' } as const;

/** From when the business may ask an opted-out consumer to opt back in. */
export const reaskAllowedFrom = (optedOutAt: string): string => addMonths(optedOutAt, REASK_AFTER_OPT_OUT_MONTHS.months);

/**
 * A consent to sale/sharing that meets a standing opt-out. GPC keeps winning (11 CCR § 7025(c)(3):
 * the signal is processed as a valid opt-out whatever the business-specific setting); another opt-out
 * gives way only to a consent recorded once the business may ask again (§ 1798.135(c)(4)).
 */
export function optOutYieldsTo(optOut: { readonly source: OptOutSource; readonly recorded_at: string }, consentAt: string): boolean {
  return optOut.source !== 'gpc' && Date.parse(consentAt) >= Date.parse(reaskAllowedFrom(optOut.recorded_at));
}

/** The source of the rule an opt-out of this kind applies (for denial details). */
export const optOutSource = (kind: OptOutKind): string => OPT_OUT_RULES[kind].source;

/** Opt-outs that forbid a purpose, by the purpose's traits. */
export function optOutsBlocking(traits: { readonly sale_or_sharing: boolean; readonly targeted_advertising?: boolean }, sensitiveCategory: boolean): OptOutKind[] {
  const kinds: OptOutKind[] = [];
  if (traits.sale_or_sharing) kinds.push('sale', 'sharing');
  if (traits.targeted_advertising) kinds.push('targeted_advertising');
  if (sensitiveCategory) kinds.push('sensitive_limit');
  return kinds;
}

// ---------------------------------------------------------------- IAB TCF

export const TCF_RULES = {
  source: 'IAB Europe TCF Policies v2.2/v2.3; CJEU C-604/22 (TC string is personal data)',
  effective_from: '2023-11-20',
  accepted_versions: [2] as readonly number[],
  v23_mandatory_from: '2026-02-28',
} as const;

/**
 * TCF purpose id -> internal purpose keys (catalog taxonomy). Configurable: pass another map to
 * the signal parser. Purposes left out map to nothing (they are kept in the summary only).
 */
export const DEFAULT_TCF_PURPOSE_MAP: Readonly<Record<number, readonly string[]>> = {
  1: [], // store/access information on a device: a precondition (ePrivacy Art. 5(3)), not a purpose of its own
  2: ['marketing.advertising.first_party.contextual'],
  3: ['marketing.advertising.profiling'],
  4: ['marketing.advertising.third_party'],
  5: ['personalize.content'],
  6: ['personalize.content'],
  7: ['analytics.reporting.ad_performance'],
  8: ['analytics.reporting'],
  9: ['analytics.reporting'],
  10: ['analytics.improvement'],
  11: ['personalize.content'],
};

/** IAB GPP (LAW.md section 3): section ids and the US fields that mean an opt-out. Value 1 = opted out / no consent. */
export const GPP_RULES = {
  source: 'IAB GPP v1.0 sections usnat (7) and usca (8); Multi-State Privacy Agreement',
  effective_from: '2023-06-01',
  opted_out_value: 1,
  us_sections: ['usnat', 'usca'] as readonly string[],
} as const;

/** IAB US Privacy string: version 1, notice, opt-out of sale, LSPA; deprecated 31 Jan 2024 but still read. */
export const USP_RULES = {
  source: 'IAB CCPA Compliance Framework, US Privacy String v1.0',
  effective_from: '2019-11-01',
  deprecated_from: '2024-01-31',
  version: '1',
  /** Third character: opted out of sale (Civ. § 1798.120). */
  opted_out_value: 'Y',
} as const;
