import type { Art34Exemption, DeadlineRuleId } from '../law/breach';
import type { BreachEvent, BreachSource, SubjectNoticeJurisdiction } from './breach.events';
import type { RiskAssessment, RiskFactors } from './risk';
import type { BreachScope } from './scope';

export interface BreachAssessmentState {
  readonly assessment_no: number;
  readonly assessed_at: string;
  readonly factors: RiskFactors;
  readonly risk: RiskAssessment;
  readonly subject_jurisdictions: Record<string, number>;
  readonly authorities: string[];
  readonly ca_residents: number;
  readonly ca_notice_required: boolean;
  readonly scope: BreachScope | null;
  readonly measures_taken: string[];
  readonly measures_proposed: string[];
  readonly contact_point: string;
}

export interface BreachState {
  readonly status: 'none' | 'open' | 'closed';
  readonly breach_id: string;
  readonly aware_at: string;
  readonly detected_at: string;
  readonly source: BreachSource | null;
  readonly description: string;
  readonly reporter_role: string;
  readonly systems: string[];
  readonly window_from: string | null;
  readonly window_to: string | null;
  readonly assessment: BreachAssessmentState | null;
  /** Authority -> time of the initial notification, and number of phases sent. */
  readonly authorities_notified: Record<string, { initial_at: string; phases: number; late: boolean }>;
  readonly subjects_notified: Partial<Record<SubjectNoticeJurisdiction, { first_at: string; count: number }>>;
  readonly exemption: { ground: Art34Exemption; recorded_at: string } | null;
  readonly attorney_general_notified_at: string | null;
  /** Smallest warning threshold (hours) already emitted per deadline. */
  readonly warned: Partial<Record<DeadlineRuleId, number>>;
  readonly overdue: DeadlineRuleId[];
  readonly closed_at: string | null;
  readonly reopen_count: number;
}

export const initialBreachState = (): BreachState => ({
  status: 'none',
  breach_id: '',
  aware_at: '',
  detected_at: '',
  source: null,
  description: '',
  reporter_role: '',
  systems: [],
  window_from: null,
  window_to: null,
  assessment: null,
  authorities_notified: {},
  subjects_notified: {},
  exemption: null,
  attorney_general_notified_at: null,
  warned: {},
  overdue: [],
  closed_at: null,
  reopen_count: 0,
});

export function evolveBreach(state: BreachState, event: BreachEvent): BreachState {
  switch (event.type) {
    case 'breach.detected': {
      const d = event.data;
      return {
        ...initialBreachState(),
        status: 'open',
        breach_id: d.breach_id,
        aware_at: d.aware_at,
        detected_at: d.detected_at,
        source: d.source,
        description: d.description,
        reporter_role: d.reporter_role,
        systems: d.systems,
        window_from: d.window_from,
        window_to: d.window_to,
      };
    }
    case 'breach.assessed': {
      const { breach_id: _id, main_establishment: _m, authority_selection_source: _s, ...a } = event.data;
      return { ...state, assessment: a };
    }
    case 'breach.authority_notified': {
      const d = event.data;
      const prev = state.authorities_notified[d.authority];
      const next = prev ? { ...prev, phases: prev.phases + 1 } : { initial_at: d.notified_at, phases: 1, late: d.late };
      return { ...state, authorities_notified: { ...state.authorities_notified, [d.authority]: next } };
    }
    case 'breach.subjects_notified': {
      const d = event.data;
      const prev = state.subjects_notified[d.jurisdiction];
      const next = prev ? { ...prev, count: prev.count + d.subjects_count } : { first_at: d.notified_at, count: d.subjects_count };
      return { ...state, subjects_notified: { ...state.subjects_notified, [d.jurisdiction]: next } };
    }
    case 'breach.subject_notice_prepared':
      return state;
    case 'breach.subject_notice_exemption_recorded':
      return { ...state, exemption: { ground: event.data.ground, recorded_at: event.data.recorded_at } };
    case 'breach.attorney_general_notified':
      return { ...state, attorney_general_notified_at: state.attorney_general_notified_at ?? event.data.notified_at };
    case 'breach.deadline_warning': {
      const prev = state.warned[event.data.deadline];
      const t = prev === undefined ? event.data.threshold_hours : Math.min(prev, event.data.threshold_hours);
      return { ...state, warned: { ...state.warned, [event.data.deadline]: t } };
    }
    case 'breach.deadline_overdue':
      return state.overdue.includes(event.data.deadline) ? state : { ...state, overdue: [...state.overdue, event.data.deadline] };
    case 'breach.closed':
      return { ...state, status: 'closed', closed_at: event.data.closed_at };
    case 'breach.reopened':
      return { ...state, status: 'open', closed_at: null, reopen_count: state.reopen_count + 1 };
    default:
      return state;
  }
}

/** The register's stage, from the state. */
export function breachStage(s: BreachState): 'detected' | 'assessed' | 'authority_notified' | 'subjects_notified' | 'closed' | 'none' {
  if (s.status === 'none') return 'none';
  if (s.status === 'closed') return 'closed';
  if (!s.assessment) return 'detected';
  if (s.subjects_notified.EU || s.subjects_notified['US-CA'] || s.exemption) return 'subjects_notified';
  if (Object.keys(s.authorities_notified).length) return 'authority_notified';
  return 'assessed';
}
