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

export const WP248_CRITERIA: ReadonlyArray<{ readonly id: Wp248Criterion; readonly number: number; readonly label: string; readonly source: string }> = [
  { id: 'evaluation_scoring', number: 1, label: 'evaluation or scoring, including profiling and predicting', source: `${WP248}, criterion 1` },
  { id: 'automated_decision_legal_effect', number: 2, label: 'automated decision-making with legal or similar significant effect', source: `${WP248}, criterion 2` },
  { id: 'systematic_monitoring', number: 3, label: 'systematic monitoring', source: `${WP248}, criterion 3` },
  { id: 'sensitive_or_highly_personal', number: 4, label: 'sensitive data or data of a highly personal nature', source: `${WP248}, criterion 4` },
  { id: 'large_scale', number: 5, label: 'data processed on a large scale', source: `${WP248}, criterion 5` },
  { id: 'matching_datasets', number: 6, label: 'matching or combining datasets', source: `${WP248}, criterion 6` },
  { id: 'vulnerable_subjects', number: 7, label: 'data concerning vulnerable data subjects', source: `${WP248}, criterion 7` },
  { id: 'innovative_technology', number: 8, label: 'innovative use or applying new technological or organisational solutions', source: `${WP248}, criterion 8` },
  { id: 'prevents_right_or_service', number: 9, label: 'prevents data subjects from exercising a right or using a service or a contract', source: `${WP248}, criterion 9` },
];

/** Two or more criteria: a DPIA is generally required; one can suffice (so: likely required). */
export const WP248_REQUIRED_THRESHOLD = 2;

export const ART35_3_CASES = {
  a: { label: 'systematic and extensive evaluation based on automated processing, incl. profiling, with legal or similarly significant effects', source: 'GDPR Art. 35(3)(a)' },
  b: { label: 'processing on a large scale of special categories (Art. 9(1)) or criminal data (Art. 10)', source: 'GDPR Art. 35(3)(b)' },
  c: { label: 'systematic monitoring of a publicly accessible area on a large scale', source: 'GDPR Art. 35(3)(c)' },
} as const;

export const ART36_PRIOR_CONSULTATION = {
  source: 'GDPR Art. 36(1)-(2)',
  answer_within_weeks: 8,
  extension_weeks: 6,
  effective_from: '2018-05-25',
};

/** Highly personal categories under WP248 criterion 4 beyond Art. 9/10 (financial, location, communications). */
export const HIGHLY_PERSONAL_CATEGORY_PREFIXES: readonly string[] = ['user.financial', 'user.location.precise', 'user.communications.content', 'user.government_id'];
