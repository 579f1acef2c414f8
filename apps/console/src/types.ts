/**
 * The shapes the console reads, written from the API's answers. When the typed OpenAPI client
 * (issue 17) lands, these give way to its generated types; nothing else in the console names them.
 */
import type { RejectionReason } from '@pl/domain/rights/events';
import type { RequestStatus } from '@pl/domain/rights/request.decider';
import type { VerificationMethod } from '@pl/domain/rights/verification';

export interface SessionView {
  readonly signed_in_with: string;
  readonly scopes: string[];
  readonly csrf_token: string;
  readonly expires_at: string;
}

export interface RequestCounts {
  readonly open: number;
  readonly overdue: number;
  readonly due_soon: number;
  readonly due_soon_days: number;
}

export interface RequestRow {
  readonly request_id: string;
  readonly request_type: string;
  readonly jurisdiction: string;
  readonly channel: string;
  readonly status: string;
  readonly received_at: string;
  readonly due_at: string;
  readonly deadline_timezone: string | null;
  readonly calendar: string | null;
  readonly verified: boolean;
  readonly verification_required: boolean;
  readonly verification_method: string | null;
  readonly extended: boolean;
  readonly extension_reason: string | null;
  readonly rejection_reason: string | null;
  readonly overdue: boolean;
  readonly tasks_total: number;
  readonly tasks_open: number;
  readonly closed_at: string | null;
}

export interface TaskRow {
  readonly task_id: string;
  readonly system_id: string;
  readonly integration: string;
  readonly categories: string[];
  readonly status: string;
  readonly reason: string | null;
  readonly attempt: number;
  readonly dispatched_at: string;
  readonly result_at: string | null;
}

export interface RequestPage {
  readonly requests: RequestRow[];
  readonly next: string | null;
}

export interface TimelineEntry {
  readonly type: string;
  readonly occurred_at: string;
  readonly actor: string;
}

export interface BreachDeadline {
  readonly id: string;
  readonly recipient: string;
  readonly due_at: string;
  readonly met_at: string | null;
  readonly source: string;
  readonly overdue: boolean;
  readonly time_left_hours: number | null;
}

export interface BreachRow {
  readonly breach_id: string;
  readonly stage: string;
  readonly aware_at: string;
  readonly deadlines: BreachDeadline[];
}

export interface Health {
  readonly status: string;
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; detail?: unknown }>;
}

export { JURISDICTIONS, REQUEST_TYPES } from '@pl/domain/rights/request-types';
export const STATUSES = ['received', 'verified', 'in_progress', 'completed', 'partially_completed', 'rejected'] as const satisfies readonly Exclude<RequestStatus, 'none'>[];
export const VERIFY_METHODS = ['account_authentication', 'data_points', 'documents', 'other'] as const satisfies readonly VerificationMethod[];
export const REJECTIONS = ['identity_not_verified', 'manifestly_unfounded', 'excessive'] as const satisfies readonly RejectionReason[];
