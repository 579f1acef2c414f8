import { ccpaMetricsTimezone } from '@pl/domain/law/ccpa-metrics';
import { METRICS_TIMEZONE } from './schema';

describe('rm_rights schema', () => {
  it('keeps the § 7102 counts in the zone the CCPA metrics count in (California days)', () => {
    expect(METRICS_TIMEZONE).toBe(ccpaMetricsTimezone());
  });
});
