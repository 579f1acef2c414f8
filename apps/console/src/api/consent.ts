import { call, client, ok, query } from '../api';

export interface ConsentCount {
  readonly period: string;
  readonly purpose: string;
  readonly kind: string;
  readonly signal: string | null;
  readonly count: number;
}
export interface ConsentMetrics {
  readonly from: string;
  readonly to: string;
  readonly bucket: 'day' | 'week';
  readonly timezone: string;
  readonly series: ConsentCount[];
}
export interface SignalConflict {
  readonly subject_key: string;
  readonly conflict: string;
  readonly signals: string[];
  readonly consent_id: string | null;
  readonly purposes: string[];
  readonly opt_outs: string[];
  readonly since: string;
  readonly reask_allowed_from: string | null;
  readonly rule: { readonly prevails: string; readonly source: string };
}
export interface CcpaMetricsRow {
  readonly metric: string;
  readonly name: string;
  readonly source: string;
  readonly request_type: string;
  readonly received: number;
  readonly complied_in_whole_or_in_part: number;
  readonly denied: number;
  readonly pending: number;
  readonly median_days: number | null;
  readonly mean_days: number | null;
}
export interface CcpaMetrics {
  readonly year: number;
  readonly timezone: string;
  readonly disclose_by: string;
  readonly rule: { readonly source: string; readonly applies_when: string; readonly text_from: string };
  readonly rows: CcpaMetricsRow[];
}
export interface SubjectGrant {
  readonly data_category: string;
  readonly processing_purpose: string;
  readonly status: string;
  readonly legal_basis: string;
  readonly given_at: string;
  readonly expires_at: string | null;
}
export interface SubjectState {
  readonly known: boolean;
  readonly consents: SubjectGrant[];
  readonly opt_outs: Array<{ kind: string; source: string; recorded_at: string }>;
  readonly conflicts: unknown[];
}
export interface SubjectHistory {
  readonly personal_fields: string;
  readonly events: Array<{ event_id: string; type: string; occurred_at: string; data: Record<string, unknown> }>;
}

/** The Consent screen's calls (issue 19, screen 3). */
export const consentApi = {
  metrics: (from: string, to: string, bucket: 'day' | 'week') => ok(client.GET('/consent/metrics', { params: { query: { from, to, bucket } } })) as Promise<ConsentMetrics>,
  conflicts: (after: string | null) => ok(client.GET('/consent/conflicts', { params: { query: { limit: 50, ...(after ? { after } : {}) } } })) as Promise<{ conflicts: SignalConflict[]; next: string | null }>,
  subjectByKey: (key: string) => ok(client.GET('/consent/subjects/{subject_key}', { params: { path: { subject_key: key } } })) as Promise<SubjectState & { subject_key: string }>,
  subject: (userId: string) => call<SubjectState & { user_id: string }>('GET', `/consent/${encodeURIComponent(userId)}`),
  history: (userId: string) => call<SubjectHistory>('GET', `/consent/${encodeURIComponent(userId)}/history`),
  ccpa: (year: number) => ok(client.GET('/data-subject/requests/metrics/ccpa', { params: { query: { year } } })) as Promise<CcpaMetrics>,
  ccpaCsvUrl: (year: number) => `/data-subject/requests/metrics/ccpa${query({ year: String(year), format: 'csv' })}`,
};
