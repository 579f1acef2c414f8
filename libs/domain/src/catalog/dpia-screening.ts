import {
  ART35_3_CASES,
  ART36_PRIOR_CONSULTATION,
  HIGHLY_PERSONAL_CATEGORY_PREFIXES,
  WP248_CRITERIA,
  WP248_REQUIRED_THRESHOLD,
  type Wp248Criterion,
} from '../law/dpia';
import type { ActivitySnapshot } from './activity';
import { categoryCovers, specialFlagsOf, subjectCategoryDef } from './taxonomy';

export interface DpiaScreening {
  readonly outcome: 'required' | 'likely_required' | 'not_required';
  readonly criteria_met: ReadonlyArray<{ readonly id: Wp248Criterion; readonly number: number; readonly reason: string; readonly source: string }>;
  readonly art35_3: ReadonlyArray<{ readonly case: 'a' | 'b' | 'c'; readonly source: string; readonly reason: string }>;
  readonly prior_consultation_required: boolean;
  readonly reasons: string[];
}

type ScreeningInput = Pick<ActivitySnapshot, 'data_categories' | 'subject_categories' | 'risk'>;

/** DPIA screening of a processing activity: Art. 35(3) cases, then the nine WP248 criteria; Art. 36 when residual risk stays high. */
export function screenDpia(activity: ScreeningInput): DpiaScreening {
  const r = activity.risk;
  const special = activity.data_categories.filter((c) => {
    const f = specialFlagsOf(c);
    return f.gdpr_art9 || f.gdpr_art10;
  });
  const highlyPersonal = activity.data_categories.filter((c) => HIGHLY_PERSONAL_CATEGORY_PREFIXES.some((p) => categoryCovers(p, c)));
  const vulnerable = activity.subject_categories.filter((s) => subjectCategoryDef(s)?.vulnerable);

  const met = new Map<Wp248Criterion, string>();
  if (r.evaluation_scoring) met.set('evaluation_scoring', 'declared: evaluation, scoring or profiling');
  if (r.automated_decision_legal_effect) met.set('automated_decision_legal_effect', 'declared: automated decisions with legal or similar effect');
  if (r.systematic_monitoring || r.public_area_monitoring) met.set('systematic_monitoring', 'declared: systematic monitoring');
  if (special.length || highlyPersonal.length) met.set('sensitive_or_highly_personal', `processes ${[...special, ...highlyPersonal].join(', ')}`);
  if (r.large_scale) met.set('large_scale', 'declared: large scale');
  if (r.matching_datasets) met.set('matching_datasets', 'declared: matching or combining datasets');
  if (vulnerable.length) met.set('vulnerable_subjects', `data subjects include ${vulnerable.join(', ')}`);
  if (r.innovative_technology) met.set('innovative_technology', 'declared: innovative technology');
  if (r.prevents_right_or_service) met.set('prevents_right_or_service', 'declared: may prevent using a service or exercising a right');

  const cases: Array<DpiaScreening['art35_3'][number]> = [];
  if (r.evaluation_scoring && r.automated_decision_legal_effect) cases.push({ case: 'a', source: ART35_3_CASES.a.source, reason: ART35_3_CASES.a.label });
  if (r.large_scale && special.length) cases.push({ case: 'b', source: ART35_3_CASES.b.source, reason: `large-scale processing of ${special.join(', ')}` });
  if (r.large_scale && r.public_area_monitoring) cases.push({ case: 'c', source: ART35_3_CASES.c.source, reason: ART35_3_CASES.c.label });

  const criteria = WP248_CRITERIA.filter((c) => met.has(c.id)).map((c) => ({ id: c.id, number: c.number, reason: met.get(c.id)!, source: c.source }));
  const reasons: string[] = [];
  let outcome: DpiaScreening['outcome'];
  if (cases.length) {
    outcome = 'required';
    reasons.push(`Art. 35(3)(${cases.map((c) => c.case).join(', ')}) applies`);
  } else if (criteria.length >= WP248_REQUIRED_THRESHOLD) {
    outcome = 'required';
    reasons.push(`${criteria.length} WP248 criteria met (${WP248_REQUIRED_THRESHOLD} or more: DPIA generally required)`);
  } else if (criteria.length === 1) {
    outcome = 'likely_required';
    reasons.push('one WP248 criterion met: a DPIA may be required (one can suffice); document the decision');
  } else {
    outcome = 'not_required';
    reasons.push('no Art. 35(3) case and no WP248 criterion met');
  }
  const prior = r.residual_risk === 'high';
  if (prior) {
    reasons.push(
      `residual risk declared high: prior consultation of the supervisory authority (${ART36_PRIOR_CONSULTATION.source}; answer within ${ART36_PRIOR_CONSULTATION.answer_within_weeks} weeks, +${ART36_PRIOR_CONSULTATION.extension_weeks})`,
    );
  }
  return { outcome, criteria_met: criteria, art35_3: cases, prior_consultation_required: prior, reasons };
}
