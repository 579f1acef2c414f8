import { invalid } from '../../shared';
import type { UspSummary } from '../events';

/** IAB US Privacy string (legacy, deprecated 31 Jan 2024 but still read): `1YNN`, `1---`. */
export function parseUsPrivacyString(s: string): UspSummary {
  const m = /^1([YN-])([YN-])([YN-])$/i.exec(s);
  if (!m) throw invalid('consent_string is not a valid US Privacy string (expected e.g. 1YNN)', { field: 'consent_string' });
  const f = (c: string) => c.toUpperCase() as 'Y' | 'N' | '-';
  return { version: 1, notice_given: f(m[1]), opted_out_of_sale: f(m[2]), lspa_covered: f(m[3]) };
}
