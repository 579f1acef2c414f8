import { ccpaRequestMetrics, type RequestMetricsGroup } from './ccpa-metrics';

const g = (request_type: string, status: string, days: number | null, n = 1): RequestMetricsGroup => ({ request_type, status, days, n });
const row = (groups: RequestMetricsGroup[], metric: string) => ccpaRequestMetrics(2025, 'America/Los_Angeles', groups).rows.find((r) => r.metric === metric)!;

describe('11 CCR § 7102 request metrics', () => {
  it('counts received, complied with in whole or in part, denied and pending per request type', () => {
    const groups = [g('access', 'completed', 10, 3), g('access', 'partially_completed', 20), g('access', 'rejected', 5, 2), g('access', 'in_progress', null, 4), g('erasure', 'completed', 30)];
    expect(row(groups, 'know')).toEqual({
      metric: 'know', name: 'requests to know', source: '11 CCR § 7102(a)(1)(C)', request_type: 'access',
      received: 10, complied_in_whole_or_in_part: 4, denied: 2, pending: 4,
      // responded: 5, 5, 10, 10, 10, 20 -> middle two 10 and 10; mean 60 / 6
      median_days: 10, mean_days: 10,
    });
    expect(row(groups, 'delete')).toMatchObject({ received: 1, complied_in_whole_or_in_part: 1, denied: 0, pending: 0, median_days: 30, mean_days: 30 });
  });

  it('the median of an even count is the mean of the two middle values; the mean is rounded to a tenth', () => {
    expect(row([g('rectification', 'completed', 1), g('rectification', 'completed', 2), g('rectification', 'rejected', 4), g('rectification', 'completed', 44)], 'correct')).toMatchObject({ median_days: 3, mean_days: 12.8 });
    expect(row([g('limit_sensitive_pi', 'completed', 7), g('limit_sensitive_pi', 'completed', 2), g('limit_sensitive_pi', 'completed', 3)], 'limit')).toMatchObject({ median_days: 3, mean_days: 4 });
  });

  it('every CCPA request type has a row, with no days when nothing was responded to; GDPR-only types are not counted', () => {
    const m = ccpaRequestMetrics(2025, 'America/Los_Angeles', [g('opt_out_sale_sharing', 'verified', null, 2), g('portability', 'completed', 3)]);
    // in the regulation's order, (a)(1)(A)-(E)
    expect(m.rows.map((r) => [r.metric, r.source])).toEqual([
      ['delete', '11 CCR § 7102(a)(1)(A)'], ['correct', '11 CCR § 7102(a)(1)(B)'], ['know', '11 CCR § 7102(a)(1)(C)'],
      ['opt_out_sale_sharing', '11 CCR § 7102(a)(1)(D)'], ['limit', '11 CCR § 7102(a)(1)(E)'],
    ]);
    expect(m.rows.find((r) => r.metric === 'opt_out_sale_sharing')).toMatchObject({ received: 2, pending: 2, median_days: null, mean_days: null });
    expect(m.rows.reduce((s, r) => s + r.received, 0)).toBe(2);
    expect(m).toMatchObject({ year: 2025, disclose_by: '2026-07-01', rule: { source: '11 CCR § 7102(a)', day_count: 'calendar_days' } });
    // the 10,000,000-consumer threshold is the duty's condition, returned beside the figures, not a filter on them
    expect(m.rule.applies_when).toMatch(/knows or reasonably should know.*otherwise makes available for commercial purposes the personal information of 10,000,000 or more consumers in a calendar year/);
  });
});
