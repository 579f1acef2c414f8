import { declarePersonalFields, type DomainEvent } from '../shared';
import type { Art34Exemption, DeadlineRuleId } from '../law/breach';
import type { RiskAssessment, RiskFactors } from './risk';
import type { BreachScope } from './scope';

export const breachStreamId = (breachId: string) => `breach-${breachId}`;

export const BREACH_SOURCES = ['internal_monitoring', 'employee_report', 'processor', 'external_report', 'subject_complaint', 'authority', 'other'] as const;
export type BreachSource = (typeof BREACH_SOURCES)[number];

/** ISO 3166-1 alpha-2 (`DE`) or ISO 3166-2 subdivision (`US-CA`). */
export type Jurisdiction = string;
export const JURISDICTION_RE = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
export const CALIFORNIA: Jurisdiction = 'US-CA';

export type SubjectNoticeJurisdiction = 'EU' | 'US-CA';
export type AuthorityPhase = 'initial' | 'additional';

export type BreachEvent =
  | DomainEvent<'breach.detected', {
      breach_id: string;
      /** When the controller became aware (Art. 33(1)); also "discovery" for Civ. § 1798.82. */
      aware_at: string;
      detected_at: string;
      source: BreachSource;
      description: string;
      /** A role (e.g. `security_operations`), never a person's name. */
      reporter_role: string;
      systems: string[];
      window_from: string | null;
      window_to: string | null;
    }>
  | DomainEvent<'breach.assessed', {
      breach_id: string;
      assessment_no: number;
      assessed_at: string;
      factors: RiskFactors;
      risk: RiskAssessment;
      /** Affected subjects per jurisdiction of residence. */
      subject_jurisdictions: Record<Jurisdiction, number>;
      main_establishment: string | null;
      authorities: string[];
      authority_selection_source: string;
      ca_residents: number;
      ca_notice_required: boolean;
      scope: BreachScope | null;
      measures_taken: string[];
      measures_proposed: string[];
      contact_point: string;
    }>
  | DomainEvent<'breach.authority_notified', {
      breach_id: string;
      authority: string;
      phase: AuthorityPhase;
      notified_at: string;
      reference: string | null;
      hours_since_awareness: number;
      late: boolean;
      delay_reason: string | null;
    }>
  | DomainEvent<'breach.subjects_notified', {
      breach_id: string;
      notice_id: string;
      jurisdiction: SubjectNoticeJurisdiction;
      channel: string;
      subjects_count: number;
      notified_at: string;
      late: boolean;
      delay_reason: string | null;
    }>
  | DomainEvent<'breach.subject_notice_prepared', {
      breach_id: string;
      notice_id: string;
      /** Pseudonymous subject key (`sub_...`): the relay's message key. */
      subject_key: string;
      jurisdiction: SubjectNoticeJurisdiction;
      channel: string;
    }>
  | DomainEvent<'breach.subject_notice_exemption_recorded', {
      breach_id: string;
      ground: Art34Exemption;
      justification: string;
      public_communication: string | null;
      source: string;
      recorded_at: string;
    }>
  | DomainEvent<'breach.attorney_general_notified', {
      breach_id: string;
      notified_at: string;
      reference: string | null;
      late: boolean;
    }>
  | DomainEvent<'breach.deadline_warning', {
      breach_id: string;
      deadline: DeadlineRuleId;
      due_at: string;
      threshold_hours: number;
      hours_left: number;
      source: string;
    }>
  | DomainEvent<'breach.deadline_overdue', {
      breach_id: string;
      deadline: DeadlineRuleId;
      due_at: string;
      source: string;
    }>
  | DomainEvent<'breach.closed', {
      breach_id: string;
      closed_at: string;
      summary: string;
      /** Art. 33(5): why an obligation was not fulfilled by notification (not required, exemption). */
      not_notified_reasons: string[];
    }>
  | DomainEvent<'breach.reopened', { breach_id: string; reopened_at: string; reason: string }>;

export type BreachEventType = BreachEvent['type'];

/**
 * Personal fields of breach events: the free text staff write while handling it (reasons for a
 * delay, an exemption's justification and public communication, the closing summary, why it was
 * reopened) can name the people affected. A breach concerns no one subject: they are encrypted with
 * a key of the breach's stream. Not declared although free text, because the breach register read
 * model and its drafts need them in clear (docs/security.md): the description and reporter role,
 * the assessment's measures, contact point and override reason.
 */
export const BREACH_PERSONAL_FIELDS = declarePersonalFields<BreachEventType>(
  {
    'breach.detected': [],
    'breach.assessed': [],
    'breach.authority_notified': ['delay_reason'],
    'breach.subjects_notified': ['delay_reason'],
    'breach.subject_notice_prepared': [],
    'breach.subject_notice_exemption_recorded': ['justification', 'public_communication'],
    'breach.attorney_general_notified': [],
    'breach.deadline_warning': [],
    'breach.deadline_overdue': [],
    'breach.closed': ['summary'],
    'breach.reopened': ['reason'],
  },
  'stream',
);
