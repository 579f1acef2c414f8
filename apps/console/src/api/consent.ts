import { client, ok, query, type Answer } from '../api';

/** The answers, as the OpenAPI document describes them (no hand-written copies of the API's shapes). */
export type ConsentMetrics = Answer<'/consent/metrics', 'get'>;
export type ConsentCount = ConsentMetrics['series'][number];
export type SignalConflict = Answer<'/consent/conflicts', 'get'>['conflicts'][number];
export type CcpaMetrics = Answer<'/data-subject/requests/metrics/ccpa', 'get'>;
export type CcpaMetricsRow = CcpaMetrics['rows'][number];
export type SubjectState = Answer<'/consent/{user_id}', 'get'>;
export type SubjectHistory = Answer<'/consent/{user_id}/history', 'get'>;

/** The Consent screen's calls (issue 19, screen 3). */
export const consentApi = {
  metrics: (from: string, to: string, bucket: 'day' | 'week') => ok(client.GET('/consent/metrics', { params: { query: { from, to, bucket } } })),
  conflicts: (after: string | null) => ok(client.GET('/consent/conflicts', { params: { query: { limit: 50, ...(after ? { after } : {}) } } })),
  subjectByKey: (key: string) => ok(client.GET('/consent/subjects/{subject_key}', { params: { path: { subject_key: key } } })),
  subject: (userId: string) => ok(client.GET('/consent/{user_id}', { params: { path: { user_id: userId } } })),
  history: (userId: string) => ok(client.GET('/consent/{user_id}/history', { params: { path: { user_id: userId } } })),
  ccpa: (year: number) => ok(client.GET('/data-subject/requests/metrics/ccpa', { params: { query: { year } } })),
  ccpaCsvUrl: (year: number) => `/data-subject/requests/metrics/ccpa${query({ year: String(year), format: 'csv' })}`,
};
