import { declarePersonalFields, type DomainEvent } from '../shared';
import type { MonthCounting } from '../law/establishment';
import type { Jurisdiction, RequestType } from './request-types';
import type { AccessScope, VerificationLevel, VerificationMethod } from './verification';

/**
 * Events of a data-subject request, stream `dsr-<requestId>`. Data carries only the pseudonymous
 * subject key, never the caller's user id, name or email.
 */
export type Channel = 'api' | 'web_form' | 'email' | 'phone' | 'post' | 'in_person' | 'gpc' | 'other';
export type Integration = 'kafka' | 'webhook' | 'manual';
export type RejectionReason = 'identity_not_verified' | 'manifestly_unfounded' | 'excessive';
export type TaskOutcome = 'done' | 'no_data' | 'cannot_comply';
export type ObjectionScope = 'direct_marketing' | 'legitimate_interests_public_task';

/** A category kept in a system despite an erasure request, with its legal reason (law/erasure-exceptions.ts). */
export type RetainedItem = {
  readonly system_id: string;
  readonly category: string;
  readonly reason_code: string;
  readonly source: string;
  readonly explanation: string;
  /** ISO date until which it is kept, when known. */
  readonly retain_until: string | null;
  /** For a retention obligation: declared by the catalog's controller, or the law data default (law/retention-obligations.ts). */
  readonly obligation_from?: 'catalog' | 'law';
}

export type TaskDispatchedData = {
  readonly request_id: string;
  readonly task_id: string;
  readonly system_id: string;
  readonly subject_key: string;
  readonly request_type: RequestType;
  readonly jurisdiction: Jurisdiction;
  readonly integration: Integration;
  /** Categories the system must act on (for erasure: the erasable ones). */
  readonly categories: string[];
  /** Erasure: categories the system keeps, with the legal reason. */
  readonly retained: RetainedItem[];
  readonly dispatched_at: string;
  readonly due_at: string;
  /** 1 for the first dispatch, incremented on every retry. */
  readonly attempt: number;
}

export type RequestReceivedData = {
  readonly request_id: string;
  readonly subject_key: string;
  readonly request_type: RequestType;
  readonly jurisdiction: Jurisdiction;
  readonly channel: Channel;
  readonly authorised_agent: { readonly kind: 'authorised_agent' | 'power_of_attorney' } | null;
  readonly is_account_holder: boolean;
  /** CCPA right to know: categories or specific pieces (decides the verification level). */
  readonly access_scope: AccessScope | null;
  /** Categories the subject named (null = all). */
  readonly data_categories: string[] | null;
  readonly objection: { readonly scope: ObjectionScope; readonly purposes: string[] | null } | null;
  readonly received_at: string;
  readonly due_at: string;
  readonly deadline_rule: string;
  readonly calendar: string;
  /** GDPR: the establishment whose calendar and clock count (absent on requests recorded before it was recorded). */
  readonly establishment?: { readonly country: string; readonly region: string | null } | null;
  readonly month_counting?: MonthCounting | null;
  /** Why a fallback calendar was used (no calendar known for the establishment): the request is recorded all the same. */
  readonly calendar_warnings?: string[];
  /** CCPA: confirm receipt by (11 CCR § 7021(a)); null otherwise. */
  readonly confirm_by: string | null;
  readonly verification_required: boolean;
}

export type RightsEvent =
  | DomainEvent<'rights.request_received', RequestReceivedData>
  | DomainEvent<'rights.corrections_provided', {
      readonly request_id: string;
      readonly subject_key: string;
      /** Corrected values per category: the ledger's record of the rectification; older values stay encrypted where they were. */
      readonly corrections: Record<string, string>;
      readonly provided_at: string;
    }>
  | DomainEvent<'rights.receipt_confirmed', { readonly request_id: string; readonly confirmed_at: string }>
  | DomainEvent<'rights.identity_info_requested', { readonly request_id: string; readonly reason: string; readonly requested_at: string }>
  | DomainEvent<'rights.identity_verified', {
      readonly request_id: string;
      readonly method: VerificationMethod | 'none';
      readonly level: VerificationLevel;
      readonly data_points: number;
      readonly signed_declaration: boolean;
      readonly verified_at: string;
      /** The due date after verification (GDPR: restarts when identity information was asked for). */
      readonly due_at: string;
    }>
  | DomainEvent<'rights.request_extended', {
      readonly request_id: string;
      readonly reason: string;
      readonly previous_due_at: string;
      readonly due_at: string;
      /** The subject was told of the extension and its reason at this time. */
      readonly notified_at: string;
      readonly source: string;
    }>
  | DomainEvent<'rights.task_dispatched', TaskDispatchedData>
  | DomainEvent<'rights.recipient_notified', {
      readonly request_id: string;
      readonly recipient_id: string;
      readonly request_type: RequestType;
      readonly subject_key: string;
      readonly categories: string[];
      readonly notified_at: string;
      readonly source: string;
    }>
  | DomainEvent<'rights.task_result_recorded', {
      readonly request_id: string;
      readonly subject_key: string;
      readonly task_id: string;
      readonly system_id: string;
      readonly outcome: TaskOutcome;
      readonly records_affected: number | null;
      readonly reason: string | null;
      readonly retained: RetainedItem[];
      readonly recorded_at: string;
    }>
  | DomainEvent<'rights.task_data_received', {
      readonly request_id: string;
      /** Whose key encrypts `data`. */
      readonly subject_key: string;
      readonly task_id: string;
      readonly system_id: string;
      /** Access/portability: the data the system returned. Personal data: encrypted with the subject's key. */
      readonly data: Record<string, unknown>;
      readonly received_at: string;
    }>
  | DomainEvent<'rights.task_escalated', { readonly request_id: string; readonly task_id: string; readonly system_id: string; readonly reason: string; readonly escalated_at: string }>
  | DomainEvent<'rights.request_completed', {
      readonly request_id: string;
      readonly subject_key: string;
      readonly request_type: RequestType;
      readonly outcome: 'completed' | 'partially_completed';
      readonly reasons: Array<{ readonly system_id: string; readonly reason: string }>;
      readonly retained: RetainedItem[];
      readonly completed_at: string;
    }>
  | DomainEvent<'rights.request_rejected', {
      readonly request_id: string;
      readonly subject_key: string;
      readonly reason: RejectionReason;
      readonly explanation: string;
      readonly source: string;
      readonly rejected_at: string;
    }>
  | DomainEvent<'rights.request_due_soon', { readonly request_id: string; readonly due_at: string; readonly flagged_at: string }>
  | DomainEvent<'rights.request_overdue', { readonly request_id: string; readonly due_at: string; readonly flagged_at: string }>
  | DomainEvent<'rights.restriction_lift_notified', { readonly request_id: string; readonly subject_key: string; readonly reason: string; readonly notified_at: string }>
  | DomainEvent<'rights.restriction_lifted', { readonly request_id: string; readonly subject_key: string; readonly lifted_at: string; readonly source: string }>
  | DomainEvent<'rights.objection_overridden', { readonly request_id: string; readonly subject_key: string; readonly grounds: string; readonly overridden_at: string; readonly source: string }>
  | DomainEvent<'rights.data_released', {
      readonly request_id: string;
      readonly subject_key: string;
      /** Who received it (the actor of the call, e.g. `apikey:<id>`). */
      readonly released_to: string;
      readonly sections: string[];
      readonly format: 'json' | 'csv';
      readonly items: number;
      readonly released_at: string;
    }>
  | DomainEvent<'rights.subject_erased', {
      readonly request_id: string;
      readonly subject_key: string;
      /** What was erased in the ledger itself: data keys shredded, read models purged. PII-free. */
      readonly erased: { readonly data_keys_shredded: number; readonly read_models_purged: string[] };
      /**
       * schemaVersion 2: what the erasure analysis kept, per system and category, with the legal
       * reason (Art. 17(3), CCPA § 1798.105(d)); the data map keeps these holdings. Version 1 events
       * are upcast with an empty list (the data map then purged every holding, as it did).
       */
      readonly retained: RetainedItem[];
      readonly ground: string;
      readonly erased_at: string;
    }>;

/** The schema version the decider writes for `rights.subject_erased` (2: `retained` added). */
export const SUBJECT_ERASED_SCHEMA_VERSION = 2;

export type RightsEventType = RightsEvent['type'];
export const RIGHTS_EVENT_PREFIX = 'rights.';
export const requestStreamId = (requestId: string) => `dsr-${requestId}`;

/**
 * Personal fields of rights events (encrypted with the subject's data key, shredded with it): what a
 * system returned, corrected values, and the free text staff write about the subject's request
 * (why identity information was asked for, an escalation, a rejection, a restriction lift, the
 * grounds overriding an objection). Events without `subject_key` are keyed by the subject the
 * request stream names. Not declared although free text, because a reader still needs it in clear
 * (docs/security.md): the extension reason (the requests read model shows it) and a system's task
 * reason (folded by the decider into the completion's reasons).
 */
export const RIGHTS_PERSONAL_FIELDS = declarePersonalFields<RightsEventType>({
  'rights.request_received': [],
  'rights.corrections_provided': ['corrections'],
  'rights.receipt_confirmed': [],
  'rights.identity_info_requested': ['reason'],
  'rights.identity_verified': [],
  'rights.request_extended': [],
  'rights.task_dispatched': [],
  'rights.recipient_notified': [],
  'rights.task_result_recorded': [],
  'rights.task_data_received': ['data'],
  'rights.task_escalated': ['reason'],
  'rights.request_completed': [],
  'rights.request_rejected': ['explanation'],
  'rights.request_due_soon': [],
  'rights.request_overdue': [],
  'rights.restriction_lift_notified': ['reason'],
  'rights.restriction_lifted': [],
  'rights.objection_overridden': ['grounds'],
  'rights.data_released': [],
  'rights.subject_erased': [],
});
