import {
  ART35_3_CASES,
  ART36_PRIOR_CONSULTATION,
  DPIA_LEVELS,
  HIGHLY_PERSONAL_CATEGORY_PREFIXES,
  NATIONAL_DPIA_LISTS,
  WP248_CRITERIA,
  WP248_LIKELY_THRESHOLD,
  type DpiaLevel,
  type NationalListEntry,
  type Wp248Criterion,
} from '../law/dpia';
import type { ActivitySnapshot } from './activity';
import { categoryCovers, specialFlagsOf, subjectCategoryDef } from './taxonomy';

export interface DpiaScreening {
  readonly outcome: DpiaLevel;
  /** The rule that set the outcome and its source. */
  readonly outcome_rule: { readonly rule: string; readonly source: string };
  readonly criteria_met: ReadonlyArray<{ readonly id: Wp248Criterion; readonly number: number; readonly reason: string; readonly source: string }>;
  readonly art35_3: ReadonlyArray<{ readonly case: 'a' | 'b' | 'c'; readonly source: string; readonly reason: string }>;
  readonly national_list: ReadonlyArray<{ readonly member_state: string; readonly id: string; readonly label: string; readonly source: string }>;
  readonly prior_consultation_required: boolean;
  readonly reasons: string[];
}

type ScreeningInput = Pick<ActivitySnapshot, 'data_categories' | 'subject_categories' | 'risk'>;

function matchesEntry(a: ScreeningInput, e: NationalListEntry): boolean {
  const m = e.match;
  if (m.categories_any && !a.data_categories.some((c) => m.categories_any!.some((k) => categoryCovers(k, c)))) return false;
  if (m.subjects_any && !a.subject_categories.some((s) => m.subjects_any!.includes(s))) return false;
  return (m.flags_all ?? []).every((f) => a.risk[f] === true);
}

/**
 * DPIA screening of a processing activity at `at` (the law in force then): Art. 35(3) cases and the
 * Art. 35(4) lists of the declared member states make it required; then the nine WP248 criteria
 * (two or more: likely required; one: consider); Art. 36 when the residual risk stays high.
 */
export function screenDpia(activity: ScreeningInput, at: Date): DpiaScreening {
  const r = activity.risk;
  const day = at.toISOString().slice(0, 10);
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

  const states = new Set(r.member_states ?? []);
  const national = NATIONAL_DPIA_LISTS.filter((e) => states.has(e.member_state) && e.effective_from <= day && matchesEntry(activity, e)).map((e) => ({
    member_state: e.member_state,
    id: e.id,
    label: e.label,
    source: e.source,
  }));

  const criteria = WP248_CRITERIA.filter((c) => met.has(c.id)).map((c) => ({ id: c.id, number: c.number, reason: met.get(c.id)!, source: c.source }));
  const reasons: string[] = [];
  let outcome: DpiaLevel;
  if (cases.length || national.length) {
    outcome = 'required';
    if (cases.length) reasons.push(`Art. 35(3)(${cases.map((c) => c.case).join(', ')}) applies`);
    for (const n of national) reasons.push(`listed by the ${n.member_state} supervisory authority under Art. 35(4): ${n.label} (${n.source})`);
  } else if (criteria.length >= WP248_LIKELY_THRESHOLD) {
    outcome = 'likely_required';
    reasons.push(`${criteria.length} WP248 criteria met (${criteria.map((c) => c.number).join(', ')}): a DPIA is likely required`);
  } else if (criteria.length === 1) {
    outcome = 'consider';
    reasons.push(`one WP248 criterion met (${criteria[0].number}): consider a DPIA and document the decision`);
  } else {
    outcome = 'not_indicated';
    reasons.push('no Art. 35(3) case, no national list entry and no WP248 criterion met');
  }
  const prior = r.residual_risk === 'high';
  if (prior) {
    reasons.push(
      `residual risk declared high: prior consultation of the supervisory authority (${ART36_PRIOR_CONSULTATION.source}; answer within ${ART36_PRIOR_CONSULTATION.answer_within_weeks} weeks, +${ART36_PRIOR_CONSULTATION.extension_weeks})`,
    );
  }
  const rule = DPIA_LEVELS[outcome];
  return { outcome, outcome_rule: { rule: rule.rule, source: rule.source }, criteria_met: criteria, art35_3: cases, national_list: national, prior_consultation_required: prior, reasons };
}
