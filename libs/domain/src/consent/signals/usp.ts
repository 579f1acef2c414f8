import { invalid } from '../../shared';
import { USP_RULES } from '../../law/consent';
import type { UspSummary } from '../events';

const USP_SHAPE = new RegExp(`^${USP_RULES.version}([YN-])([YN-])([YN-])$`, 'i');

/** IAB US Privacy string (legacy, deprecated 31 Jan 2024 but still read, USP_RULES): `1YNN`, `1---`. */
export function parseUsPrivacyString(s: string): UspSummary {
  const m = USP_SHAPE.exec(s);
  if (!m) throw invalid('consent_string is not a valid US Privacy string (expected e.g. 1YNN)', { field: 'consent_string' });
  const f = (c: string) => c.toUpperCase() as 'Y' | 'N' | '-';
  return { version: Number(USP_RULES.version), notice_given: f(m[1]), opted_out_of_sale: f(m[2]), lspa_covered: f(m[3]) };
}
