import type { RequestType } from '../rights/request-types';
import { deadlineBasis } from './establishment';

/**
 * The request metrics a large business must compile for the previous calendar year and disclose by
 * 1 July (11 CCR § 7102): per request type, the requests received, complied with in whole or in part,
 * and denied, and the median or mean number of days within which the business substantively
 * responded. A response is substantive when the request was closed: complied with (wholly or in
 * part) or denied. Days are calendar days between the California dates of receipt and response.
 */
export const CCPA_METRICS_RULE = {
  id: 'ccpa_request_metrics',
  description:
    'a business that buys, receives for its commercial purposes, sells or shares the personal information of 10,000,000 or more consumers in a calendar year compiles, for the previous calendar year, per request type: received, complied with in whole or in part, denied, and the median or mean number of days to respond substantively; disclosed by July 1',
  source: '11 CCR § 7102(a)',
  effective_from: '2023-03-29',
  /** The regulation lets the business choose median or mean; both are computed, the business publishes one. */
  averages: ['median', 'mean'],
  day_count: 'calendar_days',
  disclose_by: { month: 7, day: 1, source: '11 CCR § 7102(a)(2)' },
  /** The CCPA's request types as the regulation names them, and the request type this service records for each. */
  types: [
    { metric: 'know', request_type: 'access', name: 'requests to know' },
    { metric: 'delete', request_type: 'erasure', name: 'requests to delete' },
    { metric: 'correct', request_type: 'rectification', name: 'requests to correct' },
    { metric: 'opt_out_sale_sharing', request_type: 'opt_out_sale_sharing', name: 'requests to opt-out of sale/sharing' },
    { metric: 'limit', request_type: 'limit_sensitive_pi', name: 'requests to limit' },
  ],
  complied: ['completed', 'partially_completed'],
  denied: ['rejected'],
} as const satisfies {
  id: string;
  description: string;
  source: string;
  effective_from: string;
  averages: readonly string[];
  day_count: string;
  disclose_by: { month: number; day: number; source: string };
  types: ReadonlyArray<{ metric: string; request_type: RequestType; name: string }>;
  complied: readonly string[];
  denied: readonly string[];
};

/** California's calendar days count (the zone of the CCPA's request clocks). */
export function ccpaMetricsTimezone(): string {
  return deadlineBasis('CCPA').calendar.timezone;
}

/** Requests of one type, closing status and days to respond (null while open), and how many there are. */
export interface RequestMetricsGroup {
  readonly request_type: string;
  readonly status: string;
  readonly days: number | null;
  readonly n: number;
}

export interface CcpaMetricsRow {
  readonly metric: string;
  readonly name: string;
  readonly request_type: RequestType;
  readonly received: number;
  readonly complied_in_whole_or_in_part: number;
  readonly denied: number;
  /** Received in the year and not yet closed: no substantive response yet. */
  readonly pending: number;
  /** Over the requests responded to (complied or denied); null when none was. */
  readonly median_days: number | null;
  readonly mean_days: number | null;
}

export interface CcpaMetrics {
  readonly year: number;
  readonly timezone: string;
  readonly disclose_by: string;
  readonly rule: { readonly id: string; readonly source: string; readonly effective_from: string; readonly day_count: string };
  readonly rows: readonly CcpaMetricsRow[];
}

/** The § 7102 figures from the requests received in `year`, grouped by type, status and days to respond. */
export function ccpaRequestMetrics(year: number, timezone: string, groups: readonly RequestMetricsGroup[]): CcpaMetrics {
  const rule = CCPA_METRICS_RULE;
  const complied = new Set<string>(rule.complied);
  const denied = new Set<string>(rule.denied);
  const rows = rule.types.map((t): CcpaMetricsRow => {
    const mine = groups.filter((g) => g.request_type === t.request_type);
    const count = (keep: (g: RequestMetricsGroup) => boolean) => mine.filter(keep).reduce((s, g) => s + g.n, 0);
    const responded = mine.filter((g) => (complied.has(g.status) || denied.has(g.status)) && g.days !== null) as Array<RequestMetricsGroup & { days: number }>;
    const received = count(() => true);
    const c = count((g) => complied.has(g.status));
    const d = count((g) => denied.has(g.status));
    return {
      metric: t.metric, name: t.name, request_type: t.request_type,
      received, complied_in_whole_or_in_part: c, denied: d, pending: received - c - d,
      median_days: medianOf(responded), mean_days: meanOf(responded),
    };
  });
  const { month, day } = rule.disclose_by;
  return {
    year, timezone,
    disclose_by: `${year + 1}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    rule: { id: rule.id, source: rule.source, effective_from: rule.effective_from, day_count: rule.day_count },
    rows,
  };
}

/** Median of a histogram (value, count): the middle value, or the mean of the two middle values. */
function medianOf(groups: ReadonlyArray<{ days: number; n: number }>): number | null {
  const sorted = [...groups].sort((a, b) => a.days - b.days);
  const total = sorted.reduce((s, g) => s + g.n, 0);
  if (!total) return null;
  const at = (k: number) => {
    let seen = 0;
    for (const g of sorted) if ((seen += g.n) > k) return g.days;
    return sorted[sorted.length - 1].days;
  };
  return total % 2 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}

function meanOf(groups: ReadonlyArray<{ days: number; n: number }>): number | null {
  const total = groups.reduce((s, g) => s + g.n, 0);
  return total ? Math.round((groups.reduce((s, g) => s + g.days * g.n, 0) / total) * 10) / 10 : null;
}

export const CCPA_METRICS_CSV_COLUMNS = ['metric', 'request_type', 'received', 'complied_in_whole_or_in_part', 'denied', 'pending', 'median_days', 'mean_days'] as const;
