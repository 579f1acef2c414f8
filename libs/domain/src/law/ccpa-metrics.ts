import type { RequestType } from '../rights/request-types';
import { deadlineBasis } from './establishment';

/**
 * The request metrics a large business must compile for the previous calendar year and disclose by
 * 1 July (11 CCR § 7102(a), effective 29 March 2023; text read from the Barclays Official California
 * Code of Regulations, 11 CA ADC § 7102, via Westlaw's public California regulations site). Per request
 * type, (a)(1)(A)-(E): the requests to delete, to correct, to know, to opt-out of sale/sharing and to
 * limit that the business "received, complied with in whole or in part, and denied"; (a)(1)(F): "the
 * median or mean number of days within which the business substantively responded" to them.
 *
 * How this service reads it (our reading, not the regulation's words): a substantive response is the
 * request's closing, complied with (completed, or partially completed) or denied (rejected); days are
 * calendar days between the California dates of receipt and of that response. A partially completed
 * request counts as complied with "in part"; (a)(2) lets the business also disclose the requests it
 * denied in whole or in part by reason, which this service does not break down. `pending` (received,
 * not yet responded to) is not a § 7102 figure: it shows why received is more than complied + denied.
 * The duty applies only when `applies_when` holds; whether it does is the business's own fact, so the
 * figures are always computed and the condition is returned beside them.
 */
export const CCPA_METRICS_RULE = {
  id: 'ccpa_request_metrics',
  description:
    'a business that knows or reasonably should know that it, alone or in combination, buys, receives for its commercial purposes, sells, shares, or otherwise makes available for commercial purposes the personal information of 10,000,000 or more consumers in a calendar year compiles, for the previous calendar year, per request type (delete, correct, know, opt-out of sale/sharing, limit): received, complied with in whole or in part, and denied, and the median or mean number of days within which it substantively responded; disclosed by July 1 in or linked from its privacy policy',
  source: '11 CCR § 7102(a)',
  /** Where the text was read (the session of 2026-12-03; LAW.md has no § 7102). */
  text_from: 'Barclays Official California Code of Regulations, 11 CA ADC § 7102 (govt.westlaw.com/calregs), effective March 29, 2023',
  effective_from: '2023-03-29',
  /** The condition of the duty (§ 7102(a)), not a filter on the figures. */
  applies_when: {
    consumers_at_least: 10_000_000,
    per: 'calendar_year',
    activities: ['buys', 'receives for commercial purposes', 'sells', 'shares', 'otherwise makes available for commercial purposes'],
    knowledge: 'knows or reasonably should know, alone or in combination',
    source: '11 CCR § 7102(a)',
  },
  /** The regulation lets the business choose median or mean ((a)(1)(F)); both are computed, the business publishes one. */
  averages: ['median', 'mean'],
  averages_source: '11 CCR § 7102(a)(1)(F)',
  day_count: 'calendar_days',
  disclose_by: { month: 7, day: 1, source: '11 CCR § 7102(a)(2)' },
  /** The request types in the regulation's order ((a)(1)(A)-(E)), and the request type this service records for each. */
  types: [
    { metric: 'delete', request_type: 'erasure', name: 'requests to delete', source: '11 CCR § 7102(a)(1)(A)' },
    { metric: 'correct', request_type: 'rectification', name: 'requests to correct', source: '11 CCR § 7102(a)(1)(B)' },
    { metric: 'know', request_type: 'access', name: 'requests to know', source: '11 CCR § 7102(a)(1)(C)' },
    { metric: 'opt_out_sale_sharing', request_type: 'opt_out_sale_sharing', name: 'requests to opt-out of sale/sharing', source: '11 CCR § 7102(a)(1)(D)' },
    { metric: 'limit', request_type: 'limit_sensitive_pi', name: 'requests to limit', source: '11 CCR § 7102(a)(1)(E)' },
  ],
  complied: ['completed', 'partially_completed'],
  denied: ['rejected'],
} as const satisfies {
  id: string;
  description: string;
  source: string;
  text_from: string;
  effective_from: string;
  applies_when: { consumers_at_least: number; per: string; activities: readonly string[]; knowledge: string; source: string };
  averages: readonly string[];
  averages_source: string;
  day_count: string;
  disclose_by: { month: number; day: number; source: string };
  types: ReadonlyArray<{ metric: string; request_type: RequestType; name: string; source: string }>;
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
  /** The subsection of § 7102(a)(1) naming this request type. */
  readonly source: string;
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
  readonly rule: {
    readonly id: string;
    readonly source: string;
    readonly text_from: string;
    readonly effective_from: string;
    readonly day_count: string;
    /** The duty's condition: the business publishes these figures only when it holds (§ 7102(a)). */
    readonly applies_when: string;
  };
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
      metric: t.metric, name: t.name, source: t.source, request_type: t.request_type,
      received, complied_in_whole_or_in_part: c, denied: d, pending: received - c - d,
      median_days: medianOf(responded), mean_days: meanOf(responded),
    };
  });
  const { month, day } = rule.disclose_by;
  return {
    year, timezone,
    disclose_by: `${year + 1}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    rule: {
      id: rule.id, source: rule.source, text_from: rule.text_from, effective_from: rule.effective_from, day_count: rule.day_count,
      applies_when: `the business ${rule.applies_when.knowledge}, ${rule.applies_when.activities.join(', ')} the personal information of ${rule.applies_when.consumers_at_least.toLocaleString('en-US')} or more consumers in a calendar year`,
    },
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
