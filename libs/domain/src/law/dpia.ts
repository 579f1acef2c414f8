/** DPIA (LAW.md section 6): GDPR Art. 35-36 and WP248 rev.01 (endorsed by the EDPB, 25 May 2018). */
export type Wp248Criterion =
  | 'evaluation_scoring'
  | 'automated_decision_legal_effect'
  | 'systematic_monitoring'
  | 'sensitive_or_highly_personal'
  | 'large_scale'
  | 'matching_datasets'
  | 'vulnerable_subjects'
  | 'innovative_technology'
  | 'prevents_right_or_service';

const WP248 = 'WP248 rev.01 (Art. 29 WP guidelines on DPIA, endorsed by the EDPB)';
/** WP248 rev.01 was adopted on 4 Oct 2017; the GDPR applies from 25 May 2018, when the EDPB endorsed it. */
const WP248_FROM = '2018-05-25';
const GDPR_FROM = '2018-05-25';

export const WP248_CRITERIA: ReadonlyArray<{ readonly id: Wp248Criterion; readonly number: number; readonly label: string; readonly source: string; readonly effective_from: string }> = [
  { id: 'evaluation_scoring', number: 1, label: 'evaluation or scoring, including profiling and predicting', source: `${WP248}, criterion 1`, effective_from: WP248_FROM },
  { id: 'automated_decision_legal_effect', number: 2, label: 'automated decision-making with legal or similar significant effect', source: `${WP248}, criterion 2`, effective_from: WP248_FROM },
  { id: 'systematic_monitoring', number: 3, label: 'systematic monitoring', source: `${WP248}, criterion 3`, effective_from: WP248_FROM },
  { id: 'sensitive_or_highly_personal', number: 4, label: 'sensitive data or data of a highly personal nature', source: `${WP248}, criterion 4`, effective_from: WP248_FROM },
  { id: 'large_scale', number: 5, label: 'data processed on a large scale', source: `${WP248}, criterion 5`, effective_from: WP248_FROM },
  { id: 'matching_datasets', number: 6, label: 'matching or combining datasets', source: `${WP248}, criterion 6`, effective_from: WP248_FROM },
  { id: 'vulnerable_subjects', number: 7, label: 'data concerning vulnerable data subjects', source: `${WP248}, criterion 7`, effective_from: WP248_FROM },
  { id: 'innovative_technology', number: 8, label: 'innovative use or applying new technological or organisational solutions', source: `${WP248}, criterion 8`, effective_from: WP248_FROM },
  { id: 'prevents_right_or_service', number: 9, label: 'prevents data subjects from exercising a right or using a service or a contract', source: `${WP248}, criterion 9`, effective_from: WP248_FROM },
];

/**
 * Screening outcomes, strongest first. WP248 rev.01 (section III.B.a): processing meeting two criteria
 * will in most cases require a DPIA ("the more criteria, the more likely"); one criterion alone may
 * suffice in some cases, so it is a reason to consider one, not a presumption.
 */
export type DpiaLevel = 'required' | 'likely_required' | 'consider' | 'not_indicated';
export const DPIA_LEVELS: Readonly<Record<DpiaLevel, { readonly rule: string; readonly source: string; readonly effective_from: string }>> = {
  required: { rule: 'an Art. 35(3) case or an entry of a supervisory authority list under Art. 35(4) applies', source: 'GDPR Art. 35(3), 35(4)', effective_from: GDPR_FROM },
  likely_required: { rule: 'two or more WP248 criteria: a DPIA is likely required', source: `${WP248}, section III.B.a`, effective_from: WP248_FROM },
  consider: { rule: 'one WP248 criterion: consider a DPIA and document why none is carried out', source: `${WP248}, section III.B.a`, effective_from: WP248_FROM },
  not_indicated: { rule: 'no Art. 35(3) case, no national list entry, no WP248 criterion', source: 'GDPR Art. 35(1)', effective_from: GDPR_FROM },
};

/** Number of WP248 criteria from which a DPIA is likely required. */
export const WP248_LIKELY_THRESHOLD = 2;

export const ART35_3_CASES = {
  a: { label: 'systematic and extensive evaluation based on automated processing, incl. profiling, with legal or similarly significant effects', source: 'GDPR Art. 35(3)(a)', effective_from: GDPR_FROM },
  b: { label: 'processing on a large scale of special categories (Art. 9(1)) or criminal data (Art. 10)', source: 'GDPR Art. 35(3)(b)', effective_from: GDPR_FROM },
  c: { label: 'systematic monitoring of a publicly accessible area on a large scale', source: 'GDPR Art. 35(3)(c)', effective_from: GDPR_FROM },
} as const;

export const ART36_PRIOR_CONSULTATION = {
  source: 'GDPR Art. 36(1)-(2)',
  answer_within_weeks: 8,
  extension_weeks: 6,
  effective_from: GDPR_FROM,
};

/** Highly personal categories under WP248 criterion 4 beyond Art. 9/10 (financial, location, communications). */
export const HIGHLY_PERSONAL_CATEGORY_PREFIXES: readonly string[] = ['user.financial', 'user.location.precise', 'user.communications.content', 'user.government_id'];

/** What an entry of a national list matches in an activity: every given condition must hold. */
export interface NationalListMatch {
  /** One of the activity's data categories is (under) one of these taxonomy keys. */
  readonly categories_any?: readonly string[];
  /** One of the activity's subject categories is one of these. */
  readonly subjects_any?: readonly string[];
  /** Every one of these declared risk flags is set. */
  readonly flags_all?: ReadonlyArray<'systematic_monitoring' | 'large_scale' | 'evaluation_scoring' | 'matching_datasets' | 'innovative_technology'>;
}

export interface NationalListEntry {
  /** Member state whose supervisory authority adopted the list (ISO 3166-1 alpha-2). */
  readonly member_state: string;
  readonly id: string;
  readonly label: string;
  readonly match: NationalListMatch;
  readonly source: string;
  readonly effective_from: string;
}

/**
 * Art. 35(4) lists of processing that always needs a DPIA; other authorities' lists are added here.
 * CNIL: Délibération n° 2018-327 du 11 octobre 2018 (NOR CNIL1829647X), published in the JORF of
 * 6 Nov 2018 (texte n° 82), 14 types of processing. Checked (2026-12-02) against Bird & Bird's
 * translation of the published list ("CNIL publishes list of data processing operations requiring a
 * DPIA", twobirds.com, 2018), the Simmons & Simmons summary and EFL (publication date); the French
 * text itself could not be read here. Types encoded (their number in the list): 1, 2, 3, 4, 10, 11, 14.
 * Not encoded, since the catalog does not describe them: 5-6 alert and whistleblowing schemes, 7 health
 * data warehouses or registers, 8-9 profiling or pooled breach files that can exclude from a contract,
 * 12 social housing, 13 social or medico-social support. An activity is screened against the lists
 * of the member states it declares (`risk.member_states`).
 */
const CNIL = 'CNIL Délibération n° 2018-327 (11 Oct 2018, JORF 6 Nov 2018), list under GDPR Art. 35(4)';
const CNIL_FROM = '2018-11-06';
/** "Personnes dites vulnérables" as the CNIL list names them (patients, employees, children, ...). */
const CNIL_VULNERABLE = ['patient', 'employee', 'job_applicant', 'child'];
const cnil = (n: number, id: string, label: string, match: NationalListMatch): NationalListEntry => ({
  member_state: 'FR',
  id,
  label,
  match,
  source: `${CNIL}, type ${n}`,
  effective_from: CNIL_FROM,
});
export const NATIONAL_DPIA_LISTS: readonly NationalListEntry[] = [
  cnil(1, 'fr-health-care', 'health data processed for the care of patients (health or medico-social establishments)', { categories_any: ['user.health_and_medical'], subjects_any: ['patient'] }),
  cnil(2, 'fr-genetic-vulnerable', 'genetic data of vulnerable persons (patients, employees, children)', { categories_any: ['user.health_and_medical.genetic'], subjects_any: CNIL_VULNERABLE }),
  cnil(3, 'fr-hr-profiling', 'profiling of natural persons for human resources management', { subjects_any: ['employee', 'job_applicant'], flags_all: ['evaluation_scoring'] }),
  cnil(4, 'fr-employee-monitoring', 'constant monitoring of employees’ activity', { subjects_any: ['employee'], flags_all: ['systematic_monitoring'] }),
  cnil(10, 'fr-external-profiling', 'profiling using data from external sources', { flags_all: ['evaluation_scoring', 'matching_datasets'] }),
  cnil(11, 'fr-biometric-vulnerable', 'biometric data to recognise persons, among them vulnerable persons', { categories_any: ['user.biometric'], subjects_any: CNIL_VULNERABLE }),
  cnil(14, 'fr-large-scale-location', 'large-scale processing of location data', { categories_any: ['user.location'], flags_all: ['large_scale'] }),
];
