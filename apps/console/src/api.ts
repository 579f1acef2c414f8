import type { BreachRow, Health, RequestCounts, RequestPage, RequestRow, SessionView, TaskRow, TimelineEntry } from './types';

/** An API refusal: its status and the message the API gave (shown to the user as is). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/**
 * The one way the console talks to the API: same origin, the session cookie, the CSRF token on
 * every state-changing request. Each screen calls the functions below, never fetch: a generated
 * OpenAPI client can replace this file without touching the screens.
 */
async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const m = (json as { message?: unknown } | undefined)?.message;
    throw new ApiError(res.status, Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : res.statusText);
  }
  return json as T;
}

const remember = (s: SessionView): SessionView => {
  csrfToken = s.csrf_token;
  return s;
};

const query = (params: Record<string, string | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
};

export interface RequestFilter {
  readonly request_type?: string;
  readonly jurisdiction?: string;
  readonly status?: string;
  readonly overdue?: string;
}

export const api = {
  session: {
    current: () => call<SessionView>('GET', '/auth/session').then(remember),
    signIn: (apiKey: string) => call<SessionView>('POST', '/auth/session', { api_key: apiKey }).then(remember),
    signOut: () => call<void>('DELETE', '/auth/session').then(() => void (csrfToken = null)),
  },
  health: () => fetch('/health', { headers: { accept: 'application/json' } }).then((r) => r.json() as Promise<Health>),
  requests: {
    counts: () => call<RequestCounts>('GET', '/data-subject/requests/counts'),
    list: (f: RequestFilter, after: string | null, limit: number) => call<RequestPage>('GET', `/data-subject/requests${query({ ...f, after: after ?? undefined, limit: String(limit) })}`),
    get: (id: string) => call<RequestRow & { tasks: TaskRow[] }>('GET', `/data-subject/requests/${encodeURIComponent(id)}`),
    timeline: (id: string) => call<{ timeline: TimelineEntry[] }>('GET', `/data-subject/requests/${encodeURIComponent(id)}/timeline`),
    verify: (id: string, evidence: { method: string; data_points_matched?: number; signed_declaration?: boolean }) => call<RequestRow>('POST', `/data-subject/requests/${encodeURIComponent(id)}/verify`, evidence),
    extend: (id: string, reason: string) => call<RequestRow>('POST', `/data-subject/requests/${encodeURIComponent(id)}/extend`, { reason }),
    reject: (id: string, reason: string, explanation: string) => call<RequestRow>('POST', `/data-subject/requests/${encodeURIComponent(id)}/reject`, { reason, explanation }),
  },
  breaches: {
    open: () => call<{ breaches: BreachRow[] }>('GET', '/breaches?status=open&limit=100'),
  },
};
