/**
 * The shapes the console reads: the API's answers as its OpenAPI document describes them
 * (./api/schema.d.ts, generated; `Answer` in ./api/answer.ts), named for the screens. Only /health, which the
 * document does not describe, is written by hand.
 */
import type { RejectionReason } from '@pl/domain/rights/events';
import type { RequestStatus } from '@pl/domain/rights/request.decider';
import type { VerificationMethod } from '@pl/domain/rights/verification';
import type { Answer } from './api/answer';

export type SessionView = Answer<'/auth/session', 'get'>;
export type RequestCounts = Answer<'/data-subject/requests/counts', 'get'>;
export type RequestPage = Answer<'/data-subject/requests', 'get'>;
export type RequestRow = Answer<'/data-subject/requests/{id}', 'get'>;
export type TaskRow = RequestRow['tasks'][number];
export type TimelineEntry = Answer<'/data-subject/requests/{id}/timeline', 'get'>['timeline'][number];
export type BreachRow = Answer<'/breaches', 'get'>['breaches'][number];
export type BreachDeadline = BreachRow['deadlines'][number];

/** GET /health (outside the OpenAPI document: probes, not an operation). */
export interface Health {
  readonly status: string;
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; detail?: unknown }>;
}

export { JURISDICTIONS, REQUEST_TYPES } from '@pl/domain/rights/request-types';
export const STATUSES = ['received', 'verified', 'in_progress', 'completed', 'partially_completed', 'rejected'] as const satisfies readonly Exclude<RequestStatus, 'none'>[];
export const VERIFY_METHODS = ['account_authentication', 'data_points', 'documents', 'other'] as const satisfies readonly VerificationMethod[];
export const REJECTIONS = ['identity_not_verified', 'manifestly_unfounded', 'excessive'] as const satisfies readonly RejectionReason[];
